"""``subweave batch``: the CLI face of :mod:`pipeline.run.batch`, with a live display and summary.

A batch is a manifest (YAML or CSV) or a folder of episodes paired by file stem. Progress is in
audio time per worker; the summary is a table on a terminal and plain aligned text otherwise
(a log or a pipe). Top-level imports stay light (typer, pathlib), so that ``subweave --help``
never imports rich tables, Ray or the pipeline.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from pipeline.cli.options import ModelOpt, QuietOpt

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
        self._names: dict[str, str] = {}  # worker id -> "worker 1", ...
        self._audio_s = 0.0

    def start(self, episodes: int) -> None:
        self._overall = self._bar.add_task("episodes", total=max(episodes, 1), info="0.00 h audio")
        self._bar.start()

    def stage(self, worker: str, episode: str, stage: str, done: int, total: int) -> None:
        from pipeline.cli.console import UNITS, clock

        if worker not in self._names:  # process ids mean nothing to a user: number them
            self._names[worker] = f"worker {len(self._names) + 1}"
        if not total:
            pos = ""
        elif UNITS.get(stage, "audio") == "audio":
            pos = f" {clock(done)} / {clock(total)} audio"
        else:
            pos = f" {done} / {total} {UNITS[stage]}"
        text = f"  [dim]{self._names[worker]}[/] {episode}: {stage}{pos}"
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


def summary_text(report: BatchReport) -> str:
    """The summary as plain aligned text, for a log or a pipe (no terminal width to wrap to)."""
    totals = report.totals()
    head = (
        f"batch: {totals['ok']} ok, {totals['skipped']} skipped, {totals['failed']} failed; "
        f"{totals['audio_s'] / 3600:.2f} h audio in {totals['wall_s']:.1f} s "
        f"({report.workers} x {report.executor})"
    )
    rows = [("episode", "status", "audio", "wall", "coverage", "detail")]
    for r in report.episodes:
        coverage = r.stats.get("coverage")
        detail = ""
        if r.error is not None:
            detail = r.error.message + (f" (try: {r.error.hint})" if r.error.hint else "")
        rows.append(
            (
                r.id,
                r.status,
                f"{r.audio_s:.0f} s",
                f"{r.wall_s:.1f} s",
                f"{coverage:.0%}" if isinstance(coverage, float) else "-",
                detail,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row[:5], widths, strict=True)) + "  " + row[5]
             for row in rows]  # fmt: skip
    return "\n".join([head, *(line.rstrip() for line in lines)])


def batch(
    manifest: Annotated[
        Path,
        typer.Argument(
            help="A YAML or CSV manifest (id,audio,transcript,translations), or a folder of "
            "episodes paired by file stem: ep1.mp3 + ep1.txt, translations ep1.zh.txt."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", metavar="DIR", help="Output folder: OUT/<id>/ and OUT/batch.json."
        ),
    ] = Path("outputs"),
    workers: Annotated[
        int, typer.Option("--workers", "-w", metavar="N", min=1, help="Episodes at a time.")
    ] = 1,
    executor: Annotated[
        str,
        typer.Option("--executor", "-e", metavar="NAME", help="local (process pool) or ray."),
    ] = "local",
    model: ModelOpt = None,
    set_: Annotated[
        Optional[list[str]],
        typer.Option(
            "--set",
            "-s",
            metavar="KEY=VALUE",
            help="Config value for every episode (repeatable), after the manifest's own: "
            "--set segment.profile=bbc",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume", help="Skip what is up to date; --no-resume redoes it all."
        ),
    ] = True,
    ray_address: Annotated[
        Optional[str],
        typer.Option(
            "--ray-address",
            metavar="ADDRESS",
            help="Existing Ray cluster (auto, ray://HOST:10001).",
        ),
    ] = None,
    quiet_: QuietOpt = False,
) -> None:
    """Subtitle every episode of a MANIFEST; survives bad files, crashes and Ctrl-C.

    The whole manifest is checked first: every problem is listed with its line.

    Each episode goes to `OUT/<id>/`. One that fails (undecodable audio, unreadable
    transcript, too little coverage) is recorded with the fix to try, and the batch goes on.

    Running the same command again skips finished episodes and retries failed or changed ones.

    OUT/batch.json lists every episode; the exit status is 1 when any failed.

    Examples:

      subweave batch configs/batch/example.yaml --out outputs/catalogue --workers 2

      subweave batch episodes/ --out outputs/season1 --model base --set segment.profile=bbc

      subweave batch shows.csv --executor ray --ray-address auto --workers 16
    """
    import sys

    from rich.console import Console

    from pipeline.cli.console import fail, quiet
    from pipeline.errors import PipelineError
    from pipeline.run.batch import run_all
    from pipeline.run.config import Override, parse_override

    if executor not in ("local", "ray"):
        raise typer.BadParameter(f"{executor!r}: use local or ray", param_hint="--executor")
    err_console = Console(stderr=True)
    silent = quiet(quiet_)
    show = sys.stderr.isatty() and not silent
    _stop_on_sigterm()
    try:
        overrides = [parse_override(item) for item in set_ or []]
        if model is not None:
            overrides.append(Override.of("asr.model", model, f"--model {model}"))
        report = run_all(
            manifest,
            out,
            workers=workers,
            executor=executor,
            resume=resume,
            ray_address=ray_address,
            progress=RichBatchProgress(err_console) if show else None,
            overrides=tuple(overrides),
        )
    except PipelineError as err:
        raise fail(err) from None
    except KeyboardInterrupt:
        err_console.print(
            f"[yellow]interrupted[/]: finished episodes are kept in {out}; "
            "run the same command again to resume"
        )
        raise typer.Exit(code=130) from None
    if not silent:
        if sys.stdout.isatty():
            Console().print(summary_table(report))
        else:
            sys.stdout.write(summary_text(report) + "\n")
        err_console.print(f"summary: {out / 'batch.json'}", highlight=False)
    elif not report.ok:  # quiet: the errors alone
        for r in report.episodes:
            if r.error is not None:
                err_console.print(
                    f"[bold red]error:[/] {r.id}: {r.error.format()}",
                    highlight=False,
                    soft_wrap=True,
                )
    if not report.ok:
        raise typer.Exit(code=1)
