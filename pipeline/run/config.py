"""Run configuration: YAML -> one validated, frozen :class:`PipelineConfig`.

Each component owns its options dataclass (``AsrOptions`` in asr.py,
``SegmentOptions`` in segment.py, ...); this module only composes them. Unknown
keys are errors that name the key, the file and the line, because a misspelt
option that is silently ignored costs a user a whole re-run.

Relative paths in a config file resolve against the file's own folder, so a
config works from any working directory.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.audio.speech import VadOptions
    from pipeline.subtitles.segment import SegmentOptions
    from pipeline.timing.onsets import OnsetOptions
    from pipeline.timing.records import AlignOptions
    from pipeline.timing.transcribe import AsrOptions
    from pipeline.translation.beads import BitextOptions
    from pipeline.video.detect import ShotOptions

STAGE_ORDER: tuple[str, ...] = (
    "ingest",
    "vad",
    "transcribe",
    "parse",
    "align",
    "refine",
    "bitext",
    "shots",
    "segment",
    "write",
    "report",
)
DEFAULT_STAGES: tuple[str, ...] = STAGE_ORDER  # every stage (the forced engine drops transcribe)
SUBTITLE_FORMATS = ("srt", "vtt", "ass", "ttml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputsConfig(_Strict):
    """Input files of one episode."""

    audio: Path | None = None
    transcript: Path | None = None
    format: str = "auto"
    translations: tuple[Path, ...] = ()
    corrections: Path | None = None  # review-page fixes; default <out dir>/<stem>.corrections.json


class OutputConfig(_Strict):
    """Where and what to write."""

    dir: Path = Path("outputs")
    per_episode_dir: bool = True
    formats: tuple[str, ...] = ("srt", "vtt")
    bilingual_formats: tuple[str, ...] = ("srt", "vtt", "ass")
    words_json: bool = True
    speakers: Literal["voice", "dash", "none"] = "voice"
    bom: bool = False  # SRT files start with a UTF-8 byte-order mark (some TV players want it)
    crlf: bool = False  # SRT lines end with CR LF (some Windows players want it)
    review_page: bool = True  # <stem>.review.html and its audio proxy (off: the JSON report only)


class _RawConfig(_Strict):
    episode: str | None = None
    inputs: InputsConfig = InputsConfig()
    output: OutputConfig = OutputConfig()
    stages: tuple[str, ...] = DEFAULT_STAGES
    vad: dict[str, object] = {}
    asr: dict[str, object] = {}
    align: dict[str, object] = {}
    segment: dict[str, object] = {}
    bitext: dict[str, object] = {}
    refine: dict[str, object] = {}
    shots: dict[str, object] = {}


SECTIONS = ("vad", "asr", "align", "segment", "bitext", "refine", "shots")

#: What the run times. ``transcript``: the spoken text is given (English only, or with its
#: translations paired or in separate files: the parsed inputs say which). ``translation-only``:
#: only a translation (or a translated subtitle file) is given; it is timed against the
#: recognised speech. Decided once, from the stages, when the config is built.
RunKind = Literal["transcript", "translation-only"]


def artifact_name(stage: str) -> str:
    """File name of a stage's artifact in the episode folder: ``05_align.json``."""
    return f"{STAGE_ORDER.index(stage) + 1:02d}_{stage}.json"


@dataclass(frozen=True)
class PipelineConfig:
    """The validated configuration of one episode run: a typed tree, one record per section."""

    episode: str
    inputs: InputsConfig
    output: OutputConfig
    stages: tuple[str, ...]
    vad: VadOptions
    asr: AsrOptions
    align: AlignOptions
    segment: SegmentOptions
    bitext: BitextOptions
    refine: OnsetOptions
    shots: ShotOptions
    kind: RunKind = "transcript"
    source: Path | None = None

    def section_dict(self, name: str) -> dict[str, object]:
        """Plain-data view of a component section (for fingerprints and artifacts)."""
        options: object = getattr(self, name)
        assert dataclasses.is_dataclass(options) and not isinstance(options, type)
        return dataclasses.asdict(options)

    @property
    def translation_only(self) -> bool:
        """Whether only a translation is timed (no transcript words are aligned)."""
        return self.kind == "translation-only"

    @property
    def uses_model(self) -> bool:
        """Whether the run loads the Whisper model (transcription or the forced engine)."""
        return "transcribe" in self.stages or (
            "align" in self.stages and self.align.engine == "forced"
        )

    @property
    def corrections_file(self) -> Path | None:
        """The corrections the segment stage applies: ``inputs.corrections`` when given, else
        ``<stem>.corrections.json`` in the episode folder when it exists (the review page's
        name for it), else None."""
        if self.inputs.corrections is not None:
            return self.inputs.corrections
        stem = self.inputs.audio.stem if self.inputs.audio is not None else self.episode
        found = self.episode_dir / f"{stem}.corrections.json"
        return found if found.is_file() else None

    @property
    def episode_dir(self) -> Path:
        """Folder holding this episode's artifacts and subtitle files."""
        if self.output.per_episode_dir:
            return self.output.dir / self.episode
        return self.output.dir


# --- YAML with line numbers -------------------------------------------------


def _compose(text: str, path: Path) -> tuple[dict[str, object], dict[tuple[str, ...], int]]:
    """Load YAML and remember the 1-based line of every mapping key."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(
            f"invalid YAML: {getattr(err, 'problem', err)}", path=path, line=line
        ) from err
    lines: dict[tuple[str, ...], int] = {}

    def walk(n: yaml.Node | None, at: tuple[str, ...]) -> None:
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                here = (*at, str(key.value))
                lines[here] = key.start_mark.line + 1
                walk(value, here)

    walk(node, ())
    data: object = yaml.safe_load(text) if node is not None else {}
    if data is None:
        return {}, lines
    if not isinstance(data, dict):
        raise ConfigError("a config must be a mapping of sections", path=path, line=1)
    return data, lines


def _line_for(lines: dict[tuple[str, ...], int], loc: tuple[str, ...]) -> int | None:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None


S = TypeVar("S")


def _build_section(name: str, cls: type[S], values: dict[str, object], where: _Where) -> S:
    """Validate one component section into its options dataclass."""
    assert dataclasses.is_dataclass(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in values:
        if key not in known:
            raise where.error(
                f"unknown key '{name}.{key}'",
                (name, key),
                f"known keys of '{name}': {', '.join(sorted(known))}",
            )
    try:
        return TypeAdapter(cls).validate_python(values)
    except ValidationError as err:
        first = err.errors()[0]
        loc = (name, *(str(p) for p in first["loc"]))
        raise where.error(f"'{'.'.join(loc)}': {first['msg']}", loc) from err


@dataclass(frozen=True)
class Override:
    """One value set from outside the config file, merged into its data before validation.

    Attributes:
        keys: the dotted key, split: ``("asr", "model")``.
        value: the value as data (a ``--set`` value is read as YAML once, when parsed).
        origin: what the user wrote, for errors: ``--set asr.model=tiny.en``, ``--model x``.
    """

    keys: tuple[str, ...]
    value: object
    origin: str = ""

    @classmethod
    def of(cls, key: str, value: object, origin: str = "") -> Override:
        """An override of dotted ``key``; ``origin`` defaults to the ``--set`` spelling."""
        return cls(tuple(key.split(".")), value, origin or f"--set {key}={value}")

    @property
    def key(self) -> str:
        return ".".join(self.keys)


@dataclass(frozen=True)
class _Where:
    path: Path | None
    lines: dict[tuple[str, ...], int]
    overridden: dict[tuple[str, ...], str] = field(default_factory=dict)  # key -> its origin

    def error(self, message: str, loc: tuple[str, ...], hint: str | None = None) -> ConfigError:
        """The error, blamed on the override that gave the key when one did, else on the
        config file's line."""
        for n in range(len(loc), 0, -1):
            origin = self.overridden.get(loc[:n])
            if origin is not None:
                return ConfigError(f"{origin}: {message}", hint=hint)
        return ConfigError(message, path=self.path, line=_line_for(self.lines, loc), hint=hint)


def _resolve(p: Path | None, base: Path) -> Path | None:
    if p is None:
        return None
    p = p.expanduser()
    # normpath, not resolve(): "configs/../media" reads as "media", symlinks stay as given.
    return Path(os.path.normpath(p if p.is_absolute() else base / p))


def parse_override(item: str) -> Override:
    """``asr.model=tiny.en`` -> ``Override(("asr", "model"), "tiny.en")``; the value is YAML.

    Raises:
        ConfigError: when ``item`` has no ``=`` or an empty key.
    """
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(
            f"--set expects key=value, got {item!r}", hint="e.g. --set asr.model=tiny.en"
        )
    value = yaml.safe_load(raw) if raw.strip() else None
    return Override(tuple(k.strip() for k in key.split(".")), value, f"--set {item}")


def apply_overrides(data: dict[str, object], overrides: Iterable[Override]) -> dict[str, object]:
    """Merge overrides into raw config data (unknown keys fail later, by name)."""
    for item in overrides:
        target = data
        for k in item.keys[:-1]:
            nxt = target.setdefault(k, {})
            if not isinstance(nxt, dict):
                raise ConfigError(f"{item.origin}: '{k}' is not a section")
            target = nxt
        target[item.keys[-1]] = item.value
    return data


def build_config(
    data: dict[str, object],
    *,
    base: Path,
    source: Path | None = None,
    lines: dict[tuple[str, ...], int] | None = None,
    overridden: dict[tuple[str, ...], str] | None = None,
) -> PipelineConfig:
    """Validate raw data into a :class:`PipelineConfig`; relative paths resolve against ``base``.

    ``overridden`` maps the keys that ``--set`` gave to the ``--set`` item, so that an error
    in one names it instead of a line of the file.

    Raises:
        ConfigError: on unknown keys, wrong types, unknown stages or formats.
    """
    where = _Where(source, lines or {}, overridden or {})
    if not isinstance(data, dict):
        raise where.error("a config must be a mapping of sections", ())
    try:
        raw = _RawConfig.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(str(p) for p in first["loc"])
        dotted = ".".join(loc)
        if first["type"] == "extra_forbidden":
            raise where.error(f"unknown key '{dotted}'", loc, "check the spelling") from err
        raise where.error(f"'{dotted}': {first['msg']}", loc) from err
    for stage in raw.stages:
        if stage not in STAGE_ORDER:
            raise where.error(
                f"unknown stage '{stage}'", ("stages",), f"stages are: {', '.join(STAGE_ORDER)}"
            )
    order = [STAGE_ORDER.index(s) for s in raw.stages]
    if order != sorted(order):
        raise where.error(
            "stages are out of order", ("stages",), f"order: {', '.join(STAGE_ORDER)}"
        )
    for key in ("formats", "bilingual_formats"):
        for fmt in getattr(raw.output, key):
            if fmt not in SUBTITLE_FORMATS:
                raise where.error(
                    f"unknown subtitle format '{fmt}'",
                    ("output", key),
                    f"formats: {', '.join(SUBTITLE_FORMATS)}",
                )
    from pipeline.transcript import FORMATS as READER_FORMATS

    if raw.inputs.format != "auto" and raw.inputs.format not in READER_FORMATS:
        raise where.error(
            f"unknown transcript format '{raw.inputs.format}'",
            ("inputs", "format"),
            f"formats: auto, {', '.join(sorted(READER_FORMATS))}",
        )
    from pipeline.audio.speech import VadOptions
    from pipeline.subtitles.segment import SegmentOptions
    from pipeline.timing.onsets import OnsetOptions
    from pipeline.timing.records import AlignOptions
    from pipeline.timing.transcribe import AsrOptions
    from pipeline.translation.beads import BitextOptions
    from pipeline.video.detect import ShotOptions

    align = _build_section("align", AlignOptions, raw.align, where)
    inputs = InputsConfig(
        audio=_resolve(raw.inputs.audio, base),
        transcript=_resolve(raw.inputs.transcript, base),
        format=raw.inputs.format,
        translations=tuple(p for p in (_resolve(t, base) for t in raw.inputs.translations) if p),
        corrections=_resolve(raw.inputs.corrections, base),
    )
    out_dir = _resolve(raw.output.dir, base)
    assert out_dir is not None
    output = raw.output.model_copy(update={"dir": out_dir})
    episode = raw.episode or (inputs.audio.stem if inputs.audio else None)
    if not episode:
        raise where.error("no episode name and no inputs.audio", ("inputs",), "set inputs.audio")
    if episode in {".", ".."} or any(c in episode for c in "/\\\0"):
        raise where.error(
            f"episode '{episode}' is not a folder name: it would write outside output.dir",
            ("episode",),
            "use a plain name such as ep01 (no '/', '\\' or '..')",
        )
    stages = raw.stages
    if align.engine == "forced" and "align" in stages:
        # The forced engine times the transcript without transcribing the episode; only a
        # translation timed without its source text needs transcription (no align stage).
        stages = tuple(s for s in stages if s != "transcribe")
    return PipelineConfig(
        episode=episode,
        inputs=inputs,
        output=output,
        stages=stages,
        vad=_build_section("vad", VadOptions, raw.vad, where),
        asr=_build_section("asr", AsrOptions, raw.asr, where),
        align=align,
        segment=_build_section("segment", SegmentOptions, raw.segment, where),
        bitext=_build_section("bitext", BitextOptions, raw.bitext, where),
        refine=_build_section("refine", OnsetOptions, raw.refine, where),
        shots=_build_section("shots", ShotOptions, raw.shots, where),
        kind="transcript" if "align" in stages else "translation-only",
        source=source,
    )


def load_config(
    path: Path | None, overrides: Iterable[Override | str] | None = None
) -> PipelineConfig:
    """Read a YAML config (or the defaults when ``path`` is None) and merge ``overrides``.

    ``overrides`` are :class:`Override` values, or ``--set`` items (``key=value``) parsed here.

    Raises:
        ConfigError: when the file is missing or invalid.
    """
    data: dict[str, object] = {}
    lines: dict[tuple[str, ...], int] = {}
    base = Path.cwd()
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"cannot read config: {err}", path=path) from err
        data, lines = _compose(text, path)
        base = path.resolve().parent
    items = [o if isinstance(o, Override) else parse_override(o) for o in overrides or ()]
    data = apply_overrides(data, items)
    given = {o.keys: o.origin for o in items}
    return build_config(data, base=base, source=path, lines=lines, overridden=given)
