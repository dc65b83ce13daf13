"""``subweave batch``: the CLI face of :mod:`pipeline.run.batch`, with a live display and summary.

Kept apart from cli.py so that the batch command can grow without touching the
single-episode commands, and with light top-level imports (typer, pathlib) so
that ``subweave --help`` never imports rich tables, Ray or the pipeline.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from types import FrameType

    from rich.console import Console
    from rich.progress import TaskID
    from rich.table import Table

    from pipeline.run.batch import BatchReport, EpisodeResult


class RichBatchProgress:
    """One overall bar (episodes, audio hours, ETA) and one line per worker's current stage."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._overall: TaskID | None = None
        self._rows: dict[str, TaskID] = {}  # worker -> its line
        self._episode: dict[str, str] = {}  # worker -> its current episode
        self._audio_s = 0.0

    def start(self, episodes: int) -> None:
        self._overall = self._bar.add_task("episodes", total=max(episodes, 1), info="0.00 h audio")
        self._bar.start()

    def stage(self, worker: str, episode: str, stage: str, done: int, total: int) -> None:
        pos = f" {done / 1000:.0f}/{total / 1000:.0f} s" if total else ""
        text = f"  [dim]{worker}[/] {episode}: {stage}{pos}"
        if worker not in self._rows:
            self._rows[worker] = self._bar.add_task(text, total=None, info="")
        self._bar.update(
            self._rows[worker],
            description=text,
            visible=True,
            completed=done,
            total=total if total else None,
        )
        self._episode[worker] = episode

    def finished(self, result: EpisodeResult) -> None:
        self._audio_s += result.audio_s
        for worker, episode in self._episode.items():
            if episode == result.id:
                self._bar.update(self._rows[worker], visible=False)
        if self._overall is not None:
            self._bar.update(self._overall, advance=1, info=f"{self._audio_s / 3600:.2f} h audio")

    def stop(self) -> None:
        self._bar.stop()


def _stop_on_sigterm() -> None:
    """SIGTERM (``kill``, a scheduler, a container stop) ends a batch as Ctrl-C does:
    finished episodes kept, batch.json written, exit 130."""
    import signal

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, stop)


def summary_table(report: BatchReport) -> Table:
    """A rich table: one row per episode, failures with the fix to try."""
    from rich.table import Table

    totals = report.totals()
    table = Table(
        title=f"batch: {totals['ok']} ok, {totals['skipped']} skipped, {totals['failed']} failed",
        caption=(
            f"{totals['audio_s'] / 3600:.2f} h audio in {totals['wall_s']:.1f} s "
            f"({report.workers} × {report.executor})"
        ),
    )
    for col in (
        "episode",
        "status",
        "audio",
        "wall",
        "× realtime",
        "coverage",
        "cues",
        "lint",
        "detail",
    ):
        table.add_column(col, overflow="fold")
    style = {"ok": "green", "skipped": "dim", "failed": "bold red", "not started": "yellow"}
    for r in report.episodes:
        coverage = r.stats.get("coverage")
        cues = r.stats.get("cues")
        hard, total = r.stats.get("lint_hard"), r.stats.get("lint_total")
        detail = ""
        if r.error is not None:
            detail = r.error.message + (f"\n[yellow]try:[/] {r.error.hint}" if r.error.hint else "")
        elif r.status == "ok":
            detail = f"{len(r.stages_run)} stages ran, {len(r.stages_skipped)} skipped"
        table.add_row(
            r.id,
            f"[{style[r.status]}]{r.status}[/]",
            f"{r.audio_s:.0f} s",
            f"{r.wall_s:.1f} s",
            f"{r.audio_s / r.wall_s:.1f}" if r.wall_s > 0 and r.status == "ok" else "",
            f"{coverage:.0%}" if isinstance(coverage, float) else "",
            " ".join(f"{k} {v}" for k, v in cues.items()) if isinstance(cues, dict) else "",
            f"{hard} hard / {total}" if isinstance(hard, int) and isinstance(total, int) else "",
            detail,
        )
    return table


def batch(
    manifest: Annotated[
        Path, typer.Argument(help="YAML or CSV manifest (id,audio,transcript,translations).")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder: `OUT/<id>/` and `OUT/batch.json`.")
    ] = Path("outputs"),
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Episodes at a time.")] = 1,
    executor: Annotated[
        str, typer.Option("--executor", "-e", help="local (process pool) or ray.")
    ] = "local",
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume", help="Skip what is up to date; --no-resume redoes it all."
        ),
    ] = True,
    ray_address: Annotated[
        Optional[str],
        typer.Option("--ray-address", help="Existing Ray cluster (auto, ray://HOST:10001)."),
    ] = None,
) -> None:
    """Subtitle every episode of a MANIFEST; survives bad files, crashes and Ctrl-C.

    The whole manifest is checked first: every problem is listed with its line.

    Each episode goes to `OUT/<id>/`. One that fails (undecodable audio, unreadable
    transcript, too little coverage) is recorded with the fix to try, and the batch goes on.

    Running the same command again skips finished episodes and retries failed or changed ones.

    OUT/batch.json lists every episode; the exit status is 1 when any failed.

    Examples:

      subweave batch configs/batch/example.yaml --out outputs/catalogue --workers 2

      subweave batch shows.csv --executor ray --ray-address auto --workers 16
    """
    import sys

    from rich.console import Console

    from pipeline.errors import PipelineError
    from pipeline.run.batch import run_all

    if executor not in ("local", "ray"):
        raise typer.BadParameter(f"{executor!r}: use local or ray", param_hint="--executor")
    err_console = Console(stderr=True)
    show = sys.stderr.isatty()
    _stop_on_sigterm()
    try:
        report = run_all(
            manifest,
            out,
            workers=workers,
            executor=executor,
            resume=resume,
            ray_address=ray_address,
            progress=RichBatchProgress(err_console) if show else None,
        )
    except PipelineError as err:
        err_console.print(f"[bold red]error:[/] {err.format()}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        err_console.print(
            f"[yellow]interrupted[/]: finished episodes are kept in {out}; "
            "run the same command again to resume"
        )
        raise typer.Exit(code=130) from None
    Console().print(summary_table(report))
    err_console.print(f"summary: {out / 'batch.json'}", highlight=False)
    if not report.ok:
        raise typer.Exit(code=1)
