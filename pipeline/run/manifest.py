"""Batch manifests: the episodes of a back catalogue, validated whole before any work starts.

A manifest is YAML (``defaults`` + ``episodes``) or CSV with the header
``id,audio,transcript,translations`` (translations ``;``-separated). Relative
paths resolve against the manifest's folder, so a manifest works from any
working directory and on any cluster node that mounts the same tree.

Validation collects *every* problem (missing files, duplicate ids, unknown
keys, bad ``set`` overrides), each with its manifest line, and raises them as
one :class:`ManifestError`: a studio fixing a 300-line manifest should not
learn about its problems one re-run at a time, and nothing should start
transcribing hour-long episodes only to stop at row 250.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import yaml

from pipeline.errors import ConfigError
from pipeline.run.config import Override, PipelineConfig, apply_overrides, build_config

EPISODE_KEYS = ("id", "audio", "transcript", "translations", "set")
TOP_KEYS = ("defaults", "episodes")
CSV_HEADER = ("id", "audio", "transcript", "translations")
# Keys batch decides itself: letting a manifest move them would break the OUT/<id>/ layout.
MANAGED_PREFIXES = ("inputs", "episode", "output.dir", "output.per_episode_dir")

NodePath: TypeAlias = tuple[str | int, ...]  # a YAML node's place: mapping keys, item indexes
Lines: TypeAlias = dict[NodePath, int]  # 1-based line of each place

__all__ = ["EpisodeSpec", "Manifest", "ManifestError", "load_manifest"]


class ManifestError(ConfigError):
    """Every problem found in a manifest, each a :class:`ConfigError` with its line.

    Attributes:
        errors: the individual problems, in manifest order.
    """

    def __init__(
        self,
        message: str,
        *,
        errors: tuple[ConfigError, ...] = (),
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.errors = tuple(errors)
        super().__init__(message, path=path, line=line, hint=hint)

    def _kwargs(self) -> dict[str, object]:
        return {**super()._kwargs(), "errors": self.errors}

    @classmethod
    def collect(
        cls, path: Path, errors: list[ConfigError], what: str = "manifest"
    ) -> ManifestError:
        """One error whose message lists each problem on its own ``file:line: ...`` line."""
        listing = "\n".join(f"  {e.format()}" for e in errors)
        plural = "s" if len(errors) != 1 else ""
        return cls(
            f"{len(errors)} problem{plural} in the {what}:\n{listing}",
            errors=tuple(errors),
            path=path,
            hint="fix them all and run again; no episode was started",
        )


@dataclass(frozen=True)
class EpisodeSpec:
    """One manifest entry, with absolute paths and its overrides in ``run --set`` form.

    Attributes:
        id: the episode's name and its folder under the batch output directory.
        audio: episode audio or video.
        transcript: the transcript to align.
        translations: translations paired turn by turn with the transcript.
        overrides: config values as data (``set:`` of the entry after ``defaults``).
        line: the manifest line the entry starts on.
    """

    id: str
    audio: Path
    transcript: Path
    translations: tuple[Path, ...] = ()
    overrides: tuple[Override, ...] = ()
    line: int | None = None

    def config(self, out_dir: Path, extra: tuple[Override, ...] = ()) -> PipelineConfig:
        """The episode's run config: outputs under ``out_dir/<id>/``; ``extra`` applied last.

        Raises:
            ConfigError: when an override is invalid.
        """
        data = apply_overrides({}, [*self.overrides, *extra, *self._managed(out_dir)])
        given = {o.keys: o.origin for o in extra}  # an error in one names its option
        return build_config(data, base=self.audio.parent, overridden=given)

    def _managed(self, out_dir: Path) -> list[Override]:
        items: dict[str, object] = {
            "episode": self.id,
            "inputs.audio": str(self.audio),
            "inputs.transcript": str(self.transcript),
            "inputs.translations": [str(p) for p in self.translations],
            "output.dir": str(out_dir.resolve()),
            "output.per_episode_dir": True,
        }
        return [Override.of(k, v, f"batch's {k}") for k, v in items.items()]

    def sets(self, key: str) -> bool:
        """Whether this episode's overrides set ``key`` (e.g. ``asr.cpu_threads``)."""
        return any(item.key == key for item in self.overrides)


@dataclass(frozen=True)
class Manifest:
    """A validated manifest."""

    path: Path
    episodes: tuple[EpisodeSpec, ...]


# --- reading -----------------------------------------------------------------


@dataclass
class _Collector:
    path: Path
    errors: list[ConfigError]
    ids: list[tuple[str, int | None]] = field(default_factory=list)  # every entry's id

    def add(self, message: str, line: int | None, hint: str | None = None) -> None:
        self.errors.append(ConfigError(message, path=self.path, line=line, hint=hint))


def _node_lines(node: yaml.Node | None, at: NodePath, out: Lines) -> None:
    """1-based line of every mapping key and sequence item, keyed by its path."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*at, str(key.value))
            out[here] = key.start_mark.line + 1
            _node_lines(value, here, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*at, i)] = item.start_mark.line + 1
            _node_lines(item, (*at, i), out)


def _flatten(value: object, prefix: str = "") -> dict[str, object]:
    """``{asr: {model: x}}`` and ``{asr.model: x}`` both become ``{"asr.model": x}``."""
    if not isinstance(value, dict):
        return {prefix: value}
    out: dict[str, object] = {}
    for k, v in value.items():
        out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def _check_sets(
    sets: object, where: NodePath, lines: Lines, col: _Collector
) -> list[tuple[Override, int | None]]:
    """``set``/``defaults`` as (override, line) items; bad shapes are reported."""
    line = lines.get(where)
    if sets is None:
        return []
    if not isinstance(sets, dict):
        col.add(f"'{where[-1]}' must be a mapping of config keys to values", line)
        return []
    items: list[tuple[Override, int | None]] = []
    for key, value in _flatten(sets).items():
        top = key.split(".", 1)[0]
        key_line = lines.get((*where, key)) or lines.get((*where, top)) or line
        if any(key == m or key.startswith(m + ".") for m in MANAGED_PREFIXES):
            col.add(
                f"'{key}' cannot be set per episode: batch sets it",
                key_line,
                "give inputs as audio/transcript/translations, outputs with --out",
            )
            continue
        items.append((Override.of(key, value, f"set {key}"), key_line))
    return items


def _validate_sets(
    items: list[tuple[Override, int | None]], base: Path, col: _Collector
) -> tuple[Override, ...]:
    """Check each override alone, so that every bad key is reported, not just the first."""
    ok: list[Override] = []
    for item, line in items:
        try:
            build_config(apply_overrides({}, [item, Override.of("episode", "x")]), base=base)
        except ConfigError as err:
            key = item.key
            message = err.message
            if key not in message:  # "'asr': value error ..." -> "'asr.beam_size': ..."
                message = f"'{key}': " + re.sub(r"^'[^']*': ", "", message)
            col.add(message, line, err.hint)
            continue
        except ValueError as err:  # an options dataclass rejected the value
            col.add(f"'{item.key}': {err}", line)
            continue
        ok.append(item)
    return tuple(ok)


def _paths(value: object, line: int | None, key: str, base: Path, col: _Collector) -> list[Path]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    out: list[Path] = []
    for v in values:
        if not isinstance(v, str) or not v.strip():
            col.add(f"'{key}' must be a file path, got {v!r}", line)
            continue
        p = Path(v.strip()).expanduser()
        p = (p if p.is_absolute() else base / p).resolve()
        if not p.is_file():
            col.add(f"{key} file not found: {p}", line, "check the path (relative to the manifest)")
        out.append(p)
    return out


def _episode(
    entry: object,
    idx: int,
    lines: Lines,
    base: Path,
    defaults: tuple[Override, ...],
    col: _Collector,
) -> EpisodeSpec | None:
    at = ("episodes", idx)
    line = lines.get(at)
    if not isinstance(entry, dict):
        col.add("an episode must be a mapping with audio and transcript", line)
        return None
    for key in entry:
        if key not in EPISODE_KEYS:
            col.add(
                f"unknown key '{key}'",
                lines.get((*at, str(key))),
                f"keys: {', '.join(EPISODE_KEYS)}",
            )
    n = len(col.errors)
    audio = _paths(entry.get("audio"), lines.get((*at, "audio"), line), "audio", base, col)
    text = _paths(
        entry.get("transcript"), lines.get((*at, "transcript"), line), "transcript", base, col
    )
    for key, got in (("audio", audio), ("transcript", text)):
        if key not in entry or (len(got) != 1 and len(col.errors) == n):
            col.add(f"'{key}' needs exactly one file", lines.get((*at, key), line))
    translations = _paths(
        entry.get("translations"), lines.get((*at, "translations"), line), "translations", base, col
    )
    raw_id = entry.get("id")
    ep_id = str(raw_id).strip() if raw_id is not None else (audio[0].stem if audio else "")
    if not ep_id or ep_id in (".", "..") or "/" in ep_id or "\\" in ep_id:
        col.add(f"bad episode id {ep_id!r}", lines.get((*at, "id"), line), "ids name folders")
    elif ep_id:
        col.ids.append((ep_id, line))
    sets = _validate_sets(_check_sets(entry.get("set"), (*at, "set"), lines, col), base, col)
    if len(col.errors) > n or not audio or not text:
        return None
    return EpisodeSpec(ep_id, audio[0], text[0], tuple(translations), (*defaults, *sets), line)


def _read_yaml(path: Path, text: str, col: _Collector) -> list[EpisodeSpec | None]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: object = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        col.add(f"invalid YAML: {err.problem}", mark.line + 1 if mark else None)
        return []
    except yaml.YAMLError as err:  # an unreadable stream: no position to give
        col.add(f"invalid YAML: {err}", None)
        return []
    lines: Lines = {}
    _node_lines(node, (), lines)
    if isinstance(data, list):  # a bare list of episodes
        data, lines = {"episodes": data}, {("episodes", *k): v for k, v in lines.items()}
    if not isinstance(data, dict) or not isinstance(data.get("episodes"), list):
        col.add("a manifest needs an 'episodes' list", 1, "see configs/batch/example.yaml")
        return []
    for key in data:
        if key not in TOP_KEYS:
            col.add(f"unknown key '{key}'", lines.get((str(key),)), f"keys: {', '.join(TOP_KEYS)}")
    base = path.parent
    defaults = _validate_sets(
        _check_sets(data.get("defaults"), ("defaults",), lines, col), base, col
    )
    return [_episode(e, i, lines, base, defaults, col) for i, e in enumerate(data["episodes"])]


def _read_csv(path: Path, text: str, col: _Collector) -> list[EpisodeSpec | None]:
    reader = csv.reader(io.StringIO(text))
    header = tuple(h.strip() for h in next(reader, []))
    if header[: len(CSV_HEADER)] != CSV_HEADER or len(header) > len(CSV_HEADER):
        col.add(f"the CSV header must be {','.join(CSV_HEADER)}, got {','.join(header)}", 1)
        return []
    out: list[EpisodeSpec | None] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(CSV_HEADER):
            col.add(f"{len(row)} columns, the header has {len(CSV_HEADER)}", line)
            out.append(None)
            continue
        cells = dict(zip(CSV_HEADER, [c.strip() for c in row] + [""] * 4, strict=False))
        entry: dict[str, object] = {k: v for k, v in cells.items() if v and k != "translations"}
        entry["translations"] = [t.strip() for t in cells["translations"].split(";") if t.strip()]
        idx = len(out)
        lines: Lines = {("episodes", idx): line}
        lines.update({("episodes", idx, k): line for k in CSV_HEADER})
        out.append(_episode(entry, idx, lines, path.parent, (), col))
    return out


def load_manifest(path: Path) -> Manifest:
    """Read and validate a YAML or CSV manifest; every problem is reported at once.

    Raises:
        ConfigError: when the manifest cannot be read.
        ManifestError: listing every problem found, each with its line.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read the manifest: {err}", path=path) from err
    path = path.resolve()
    col = _Collector(path, [])
    reader = _read_csv if path.suffix.lower() == ".csv" else _read_yaml
    specs = reader(path, text, col)
    seen: dict[str, int | None] = {}
    for ep_id, line in col.ids:
        if ep_id in seen:
            col.add(
                f"duplicate episode id '{ep_id}' (first at line {seen[ep_id]})",
                line,
                "give each episode a unique id",
            )
        else:
            seen[ep_id] = line
    for spec in specs:  # each override was checked alone; now each episode's combination
        if spec is not None:
            try:
                spec.config(path.parent / "outputs")
            except ConfigError as err:
                col.add(f"episode '{spec.id}': {err.message}", spec.line, err.hint)
    if not col.errors and not specs:
        col.add("the manifest lists no episodes", 1)
    if col.errors:
        ordered = sorted(col.errors, key=lambda e: e.line or 0)  # stable: file order
        raise ManifestError.collect(path, ordered)
    return Manifest(path, tuple(s for s in specs if s is not None))
