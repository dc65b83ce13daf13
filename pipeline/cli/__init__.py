"""The ``subweave`` command line: typer commands only.

They parse options, call the library and map errors to exit codes; no domain logic lives here.
"""

from pipeline.cli.main import app, main

__all__ = ["app", "main"]
