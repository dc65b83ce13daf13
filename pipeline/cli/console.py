"""What the command line prints: consoles, the -q/-v session, errors, progress bars.

Files written go to standard output (one path per line, for scripts); everything else (stage
lines, progress, notes, errors) goes to standard error. ``-q`` silences all but errors, given
before the command (``subweave -q align``) or after it (``subweave align -q``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from pipeline.run.context import ProgressFn

err_console = Console(stderr=True)
out_console = Console()


@dataclass
class Session:
    """Options of the whole invocation (set by the root callback on every run)."""

    quiet: bool = False
    verbose: bool = False


SESSION = Session()


def quiet(local: bool = False) -> bool:
    """Whether to print nothing but errors (``-q`` before or after the command)."""
    return local or SESSION.quiet


def note(message: str) -> None:
    """A line for the user on standard error, unless quiet."""
    if not SESSION.quiet:
        err_console.print(message, highlight=False, soft_wrap=True)


def fail(err: PipelineError) -> typer.Exit:
    """Print a user-facing error (always, even when quiet) and exit 1."""
    err_console.print(f"[bold red]error:[/] {err.format()}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def shown(path: Path) -> str:
    """``path`` relative to the working directory when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def clock(ms: int) -> str:
    """``1:02:03`` from milliseconds."""
    return f"{ms // 3_600_000}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}"


#: How each stage's progress is counted: stages on the audio count milliseconds of it.
UNITS = {"transcribe": "audio", "align": "audio", "bitext": "steps", "shots": "frames"}


@contextmanager
def progress_bars(enabled: bool) -> Iterator[ProgressFn | None]:
    """A progress callback ``(label, done, total)`` drawing one bar per stage, or None."""
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[pos]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=max(total, 1), pos="")
            if UNITS.get(label, "audio") == "audio":
                pos = f"{clock(done)} / {clock(total)} audio"
            else:
                pos = f"{done} / {total} {UNITS[label]}"
            # A finished stage's bar goes: the stage's own "✓" line says it is done.
            finished = total > 0 and done >= total
            bar.update(
                tasks[label], completed=done, total=max(total, 1), pos=pos, visible=not finished
            )

        yield update
