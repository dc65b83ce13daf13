"""Commands that run one episode: ``align``, ``retime`` and ``run``.

They turn options into config overrides (:mod:`.options`), run the stages and print what was
written; errors become exit status 1 with the file, the line and what to do.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from pipeline.cli.app import app
from pipeline.cli.console import (
    count,
    err_console,
    fail,
    note,
    out_console,
    progress_bars,
    quiet,
    shown,
)
from pipeline.cli.options import (
    BomOpt,
    ConfigOpt,
    CorrectionsOpt,
    CrlfOpt,
    Delivery,
    ForceOpt,
    FormatsOpt,
    FpsOpt,
    LanguageOpt,
    MaxCharsOpt,
    MaxLinesOpt,
    ModelOpt,
    OutOpt,
    OutputOpt,
    ProfileOpt,
    QuietOpt,
    SingleTrack,
    SpeakersOpt,
    corrections_sets,
)
from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from pipeline.run.config import PipelineConfig

RETIME_STAGES = (
    *("ingest", "vad", "transcribe", "parse", "bitext"),
    *("shots", "segment", "write", "report"),
)
SOURCE_TEXT_STAGES = (*RETIME_STAGES[:4], "align", "refine", *RETIME_STAGES[4:])

FromOpt = Annotated[
    Optional[str],
    typer.Option("--from", metavar="STAGE", help="Re-run this stage and all later ones."),
]
OnlyOpt = Annotated[
    Optional[str], typer.Option("--only", metavar="STAGE", help="Run just this stage.")
]


def _run(
    cfg: PipelineConfig,
    *,
    from_stage: str | None = None,
    only: str | None = None,
    force: bool = False,
    silent: bool = False,
    single: SingleTrack | None = None,
) -> None:
    from pipeline.run.deliver import deliver_track
    from pipeline.run.runner import StageOutcome, run_episode

    def said(outcome: StageOutcome) -> None:
        if silent:
            return
        if outcome.status == "skipped":
            err_console.print(f"  [dim]· {outcome.name}: unchanged, skipping[/]")
        else:
            err_console.print(
                f"  [green]✓[/] {outcome.name} ({outcome.seconds:.1f} s; {outcome.reason})"
            )

    show = sys.stderr.isatty() and not silent
    with progress_bars(show) as progress:
        result = run_episode(
            cfg, from_stage=from_stage, only=only, force=force, progress=progress, on_stage=said
        )
    if single is not None:
        written = deliver_track(cfg, result.files, single.path, single.format, single.code)
        if not silent:
            err_console.print(
                f"[bold]{result.episode}[/]: {count(len(result.ran), 'stage')} ran, "
                f"{len(result.skipped)} skipped; {written.note}; work folder {shown(result.dir)}",
                soft_wrap=True,
                highlight=False,
            )
            out_console.print(shown(single.path), highlight=False, soft_wrap=True, markup=False)
        return
    if silent:
        return
    err_console.print(
        f"[bold]{result.episode}[/]: {count(len(result.ran), 'stage')} ran, "
        f"{len(result.skipped)} skipped; output in {shown(result.dir)}",
        soft_wrap=True,
        highlight=False,
    )
    for name in result.files:
        out_console.print(shown(result.dir / name), highlight=False, soft_wrap=True, markup=False)


@app.command()
def align(
    audio: Annotated[
        Path,
        typer.Argument(help="Episode audio or video (wav, mp3, m4a, mp4, ...)."),
    ],
    transcript: Annotated[
        Path,
        typer.Argument(
            help="Transcript: plain, speaker-labelled, bilingual, SRT/VTT (`subweave parse "
            "--help` lists the formats).",
        ),
    ],
    translation: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--translation",
            "-t",
            metavar="FILE",
            help="A translation with one turn per transcript turn (repeat for more languages).",
        ),
    ] = None,
    out: OutOpt = None,
    output: OutputOpt = None,
    formats: FormatsOpt = None,
    profile: ProfileOpt = None,
    max_chars: MaxCharsOpt = None,
    max_lines: MaxLinesOpt = None,
    fps: FpsOpt = None,
    language: LanguageOpt = None,
    speakers: SpeakersOpt = None,
    bom: BomOpt = False,
    crlf: CrlfOpt = False,
    corrections: CorrectionsOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    force: ForceOpt = False,
    quiet_: QuietOpt = False,
) -> None:
    """Align TRANSCRIPT to AUDIO and write subtitles.

    Writes `<stem>.en.srt/.vtt`, `<stem>.words.json`, the QC report and the review page; for a
    bilingual transcript (or --translation) also `<stem>.zh.*` and the stacked `<stem>.en-zh.*`
    (with .ass). `-o FILE` writes one track instead. Running it again skips every stage whose
    inputs did not change.
    """
    from pipeline.run.config import Override, load_config

    opts = Delivery(
        out, output, formats, profile, max_chars, max_lines, fps, language, speakers, bom, crlf,
        model, config,
    )  # fmt: skip
    silent = quiet(quiet_)
    sets = [
        Override.of("inputs.audio", str(audio.resolve()), f"AUDIO {audio}"),
        Override.of("inputs.transcript", str(transcript.resolve()), f"TRANSCRIPT {transcript}"),
    ]
    if translation:
        paths = [str(p.resolve()) for p in translation]
        sets.append(Override.of("inputs.translations", paths, "--translation"))
    sets += opts.overrides() + corrections_sets(corrections)
    try:
        cfg = load_config(config, sets)
        if not translation and _translation_only(transcript, cfg.inputs.format, cfg):
            if not silent:
                note(
                    f"{transcript.name} holds no {cfg.asr.language or 'English'} "
                    "speech: timing it as a translation (as `subweave retime` does)"
                )
            cfg = load_config(config, [*sets, Override.of("stages", list(RETIME_STAGES), "retime")])
        _run(cfg, force=force, silent=silent, single=opts.single())
    except PipelineError as err:
        raise fail(err) from None


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


@app.command()
def retime(
    audio: Annotated[
        Path,
        typer.Argument(help="Episode audio or video (the speech is in English)."),
    ],
    translation: Annotated[
        Path,
        typer.Argument(help="Translation in any transcript format, or an SRT/VTT file."),
    ],
    source_text: Annotated[
        Optional[Path],
        typer.Option(
            "--source-text",
            "-s",
            metavar="FILE",
            help="The English transcript, when there is one.",
        ),
    ] = None,
    out: OutOpt = None,
    output: OutputOpt = None,
    formats: FormatsOpt = None,
    profile: ProfileOpt = None,
    max_chars: MaxCharsOpt = None,
    max_lines: MaxLinesOpt = None,
    fps: FpsOpt = None,
    language: LanguageOpt = None,
    speakers: SpeakersOpt = None,
    bom: BomOpt = False,
    crlf: CrlfOpt = False,
    corrections: CorrectionsOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    force: ForceOpt = False,
    quiet_: QuietOpt = False,
) -> None:
    """Time a translation (or an old subtitle file) against AUDIO, sentence by sentence.

    Writes `<stem>.<lang>.srt/.vtt` in the translation's language, the QC report (every
    sentence it could not place with confidence) and the review page. Subtitle input keeps
    its text and line breaks; its old times are ignored. With --source-text the English
    transcript is aligned first and the translation follows its sentences (also writing
    `<stem>.en.*` and the stacked `<stem>.en-<lang>.*`).
    """
    from pipeline.run.config import Override, load_config

    opts = Delivery(
        out, output, formats, profile, max_chars, max_lines, fps, language, speakers, bom, crlf,
        model, config,
    )  # fmt: skip
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
    sets += opts.overrides() + corrections_sets(corrections)
    try:
        cfg = load_config(config, sets)
        if source_text is None:
            _check_is_translation(translation, cfg)
        _run(cfg, force=force, silent=quiet(quiet_), single=opts.single())
    except PipelineError as err:
        raise fail(err) from None


@app.command()
def run(
    config: Annotated[Path, typer.Argument(help="Run config YAML (see configs/).")],
    set_: Annotated[
        Optional[list[str]],
        typer.Option(
            "--set",
            "-s",
            metavar="KEY=VALUE",
            help="Override a config key (repeatable): --set asr.model=tiny.en",
        ),
    ] = None,
    from_stage: FromOpt = None,
    only: OnlyOpt = None,
    force: ForceOpt = False,
    quiet_: QuietOpt = False,
) -> None:
    """Run the stages a config lists; unchanged stages are skipped.

    Stages: ingest, vad, transcribe, parse, align, refine, bitext, segment, write, report.
    Artifacts and fingerprints go to `<output.dir>/<episode>/` (`run.lock.json`).
    configs/default.yaml documents every key.
    """
    from pipeline.run.config import load_config

    try:
        cfg = load_config(config, list(set_ or []))
        _run(cfg, from_stage=from_stage, only=only, force=force, silent=quiet(quiet_))
    except PipelineError as err:
        raise fail(err) from None
