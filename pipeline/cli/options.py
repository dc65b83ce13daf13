"""Options ``align`` and ``retime`` share, and how they become config overrides.

The conventions are the field's: ``-o FILE`` writes one track in the format its extension names
(stable-ts, whisper, ffsubsync), ``--out DIR`` a folder of tracks; ``--formats``, ``--profile``,
``--max-chars``, ``--max-lines``, ``--fps`` and ``--language`` are the ``segment``, ``output`` and
``asr`` config keys under the names subtitlers know. Every option becomes an
:class:`~pipeline.run.config.Override` (data, never a ``key=value`` string), named after the
option in errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:  # the config (pydantic, yaml) loads when a command runs, not for --help
    from pipeline.run.config import Override


WORK_FOLDER = ".subweave"  # beside an -o FILE: the stage artifacts the next run reuses

OutOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--out", metavar="DIR", help="Output folder for every track (default: `outputs/`)."
    ),
]
OutputOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write one track to FILE, in the format its extension names (.srt .vtt .ass "
        ".ttml). A language code before the extension picks the track (`ep.zh.srt`, "
        "`ep.en-zh.srt`); otherwise the spoken language's (align) or the translation's "
        "(retime). Stage artifacts go to `.subweave/` beside FILE, for the next run.",
    ),
]
CorrectionsOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--corrections",
        metavar="FILE",
        exists=True,
        dir_okay=False,
        help="Fixes saved from the review page, applied as fixed points "
        "[default: `<stem>.corrections.json` in the output folder, when there is one].",
    ),
]


def corrections_sets(path: Path | None) -> list[Override]:
    """The override ``--corrections FILE`` sets (none without it)."""
    if path is None:
        return []
    from pipeline.run.config import Override

    return [Override.of("inputs.corrections", str(path.resolve()), f"--corrections {path}")]


FormatsOpt = Annotated[
    Optional[str],
    typer.Option(
        "--formats",
        metavar="LIST",
        help="Formats to write, comma-separated: srt, vtt, ass, ttml "
        "[default: srt,vtt; bilingual tracks also ass].",
    ),
]
ProfileOpt = Annotated[
    Optional[str],
    typer.Option(
        "--profile", metavar="NAME", help="Style guide: netflix or bbc [default: netflix]."
    ),
]
MaxCharsOpt = Annotated[
    Optional[int],
    typer.Option(
        "--max-chars", metavar="N", min=1, help="Characters per line [default: the profile's]."
    ),
]
MaxLinesOpt = Annotated[
    Optional[int],
    typer.Option("--max-lines", metavar="N", min=1, max=3, help="Lines per cue [default: 2]."),
]
FpsOpt = Annotated[
    Optional[float],
    typer.Option(
        "--fps",
        metavar="F",
        min=1.0,
        max=240.0,
        help="Frame rate of audio-only input for the gap rules [default: 24]; video: its own.",
    ),
]
LanguageOpt = Annotated[
    Optional[str],
    typer.Option(
        "--language", metavar="LANG", help="Language spoken in the audio (en, ...) [default: en]."
    ),
]
SpeakersOpt = Annotated[
    Optional[str],
    typer.Option(
        "--speakers",
        metavar="STYLE",
        help="Speaker labels: voice (WebVTT <v> spans), dash (dialogue dashes on two-speaker "
        "cues), none [default: voice].",
    ),
]
BomOpt = Annotated[
    bool, typer.Option("--bom", help="Start SRT files with a UTF-8 byte-order mark.")
]
CrlfOpt = Annotated[bool, typer.Option("--crlf", help="End SRT lines with CR LF (Windows).")]
ConfigOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--config", "-c", metavar="FILE", help="Run config YAML (default: built-in defaults)."
    ),
]
ModelOpt = Annotated[
    Optional[str],
    typer.Option(
        "--model",
        "-m",
        metavar="NAME",
        help="Whisper model: tiny.en, base, small, or a CTranslate2 model folder.",
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Re-run every stage.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]

SPEAKER_STYLES = ("voice", "dash", "none")
PROFILES = ("netflix", "bbc")


@dataclass(frozen=True)
class SingleTrack:
    """``-o FILE``: the file, its format, the track code its name asks for (if any)."""

    path: Path
    format: str
    code: str | None

    @property
    def work_dir(self) -> Path:
        return self.path.parent / WORK_FOLDER / self.path.stem


@dataclass(frozen=True)
class Delivery:
    """What to write and how, as given on the command line (None: the config's value)."""

    out: Path | None = None
    output: Path | None = None
    formats: str | None = None
    profile: str | None = None
    max_chars: int | None = None
    max_lines: int | None = None
    fps: float | None = None
    language: str | None = None
    speakers: str | None = None
    bom: bool = False
    crlf: bool = False
    model: str | None = None
    config: Path | None = None

    def single(self) -> SingleTrack | None:
        """The ``-o FILE`` target, checked.

        Raises:
            typer.BadParameter: for an extension that names no format, or ``-o`` with --out.
        """
        if self.output is None:
            return None
        if self.out is not None:
            raise typer.BadParameter("give either --out DIR or -o FILE", param_hint="-o")
        from pipeline.run.config import SUBTITLE_FORMATS

        fmt = self.output.suffix.lower().lstrip(".")
        if fmt not in SUBTITLE_FORMATS:
            raise typer.BadParameter(
                f"{self.output.name}: the extension must name a format "
                f"({', '.join('.' + f for f in SUBTITLE_FORMATS)}); for a folder use --out DIR",
                param_hint="-o",
            )
        parts = self.output.name.split(".")
        return SingleTrack(self.output.resolve(), fmt, parts[-2] if len(parts) > 2 else None)

    def overrides(self) -> list[Override]:
        """The config values these options set.

        Raises:
            typer.BadParameter: for a value outside an option's choices.
        """
        from pipeline.run.config import Override

        sets: list[Override] = []
        single = self.single()
        if single is not None:
            work = str(single.work_dir)
            sets += [
                Override.of("output.dir", work, f"-o {self.output}"),
                Override.of("output.per_episode_dir", False, f"-o {self.output}"),
                Override.of("output.formats", [single.format], f"-o {self.output}"),
                Override.of("output.bilingual_formats", [single.format], f"-o {self.output}"),
            ]
        elif self.out is not None:
            sets += [
                Override.of("output.dir", str(self.out.resolve()), f"--out {self.out}"),
                Override.of("output.per_episode_dir", False, f"--out {self.out}"),
            ]
        elif self.config is None:
            sets.append(Override.of("output.dir", str(Path("outputs").resolve()), "outputs/"))
        if self.formats is not None:
            formats = [f.strip().lower().lstrip(".") for f in self.formats.split(",") if f.strip()]
            origin = f"--formats {self.formats}"
            sets += [
                Override.of("output.formats", formats, origin),
                Override.of("output.bilingual_formats", formats, origin),
            ]
        if self.fps is not None and self.fps != self.fps:  # NaN passes the range check
            raise typer.BadParameter("must be a number of frames per second", param_hint="--fps")
        _choice(self.profile, PROFILES, "--profile")
        _choice(self.speakers, SPEAKER_STYLES, "--speakers")
        values: list[tuple[str, object, str]] = [
            ("segment.profile", self.profile, "--profile"),
            ("segment.max_chars", self.max_chars, "--max-chars"),
            ("segment.max_lines", self.max_lines, "--max-lines"),
            ("segment.fps", self.fps, "--fps"),
            ("asr.language", self.language, "--language"),
            ("output.speakers", self.speakers, "--speakers"),
            ("asr.model", self.model, "--model"),
        ]
        sets += [Override.of(k, v, f"{o} {v}") for k, v, o in values if v is not None]
        if self.bom:
            sets.append(Override.of("output.bom", True, "--bom"))
        if self.crlf:
            sets.append(Override.of("output.crlf", True, "--crlf"))
        return sets


def _choice(value: str | None, choices: tuple[str, ...], option: str) -> None:
    if value is not None and value not in choices:
        raise typer.BadParameter(f"{value!r}: use one of {', '.join(choices)}", param_hint=option)
