"""The ``subweave`` command line: every command registered on one application.

No domain logic lives here or in the command modules. Exit status: 0 success, 1 a user-facing
error (the message names the file, the line and what to do), 2 a usage error.
"""

from __future__ import annotations

from pipeline.cli import episode, inspect  # noqa: F401  (they register their commands)
from pipeline.cli.app import app
from pipeline.cli.batch import batch

app.command()(batch)


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
