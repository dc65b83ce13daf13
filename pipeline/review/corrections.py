"""Corrections made on the review page, kept in ``<stem>.corrections.json`` and applied on re-runs.

A correction names a track and the cue it was made on *as the run wrote it* (its text and
times: ``was``), and what a person set: new in/out times, new text, flags marked as checked.
A later run (after a transcript edit, a model change) makes its cues afresh and then applies
each correction as a fixed point: it finds the cue that has the same text (exactly, or nearly:
:data:`MATCH_MIN`) near the same time (:data:`MATCH_WINDOW_MS`), gives it the corrected times
and text, and trims the neighbours that would overlap it to the track's minimum gap. A
correction whose text no cue has any more is *stale*: it is reported, kept in the file, and
changes nothing. Corrections made for other audio (another cut) are all stale.

The file::

    {"format": "subweave-corrections", "version": 1, "episode": "sample",
     "audio_sha256": "…",
     "corrections": [
      {"track": "en",
       "was": {"start_ms": 8147, "end_ms": 11263, "lines": {"en": ["Thanks, Maya."]}},
       "start_ms": 8200, "end_ms": 11300,          # optional: absent = unchanged
       "lines": {"en": ["Thanks, Maya!"]},         # optional
       "checked": ["lint"]}]}                      # optional: flags a person checked

>>> from pipeline.model import Cue, Track
>>> track = Track(("en",), (Cue(0, 900, {"en": ("Hi.",)}), Cue(1000, 2000, {"en": ("Bye.",)})))
>>> fix = Correction("en", 1000, 2000, {"en": ("Bye.",)}, start_ms=800)
>>> done = apply_corrections((track,), (fix,), min_gap_ms=83)
>>> [(c.start_ms, c.end_ms) for c in done.tracks[0].cues], len(done.applied)
([(0, 717), (800, 2000)], 1)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeAlias

from pipeline.errors import ConfigError
from pipeline.model import Cue, Track

FORMAT = "subweave-corrections"
VERSION = 1
MATCH_MIN = 90.0  # rapidfuzz ratio (0-100) of normalised text for a cue to still match
MATCH_WINDOW_MS = 60_000  # ms; a matching cue must start this close to where it was

Lines = dict[str, tuple[str, ...]]
JsonData = object  # what json.loads gives, narrowed below before use
#: JSON as written (the same shape as pipeline.run.artifacts.Json, which this layer cannot see).
JsonOut: TypeAlias = bool | int | float | str | list["JsonOut"] | dict[str, "JsonOut"] | None


@dataclass(frozen=True, slots=True)
class Correction:
    """One fix on one cue: the cue as written (``was_*``) and what a person set."""

    track: str
    was_start_ms: int
    was_end_ms: int
    was_lines: Lines
    start_ms: int | None = None
    end_ms: int | None = None
    lines: Lines | None = None
    checked: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise ValueError(f"ends ({self.end_ms}) at or before it starts ({self.start_ms})")
        if min(self.start_ms or 0, self.end_ms or 0, self.was_start_ms) < 0:
            raise ValueError("a time before 0")

    @property
    def retimes(self) -> bool:
        return self.start_ms is not None or self.end_ms is not None

    def to_json(self) -> dict[str, JsonOut]:
        lines: JsonOut = {k: list[JsonOut](v) for k, v in self.was_lines.items()}
        out: dict[str, JsonOut] = {
            "track": self.track,
            "was": {
                "start_ms": self.was_start_ms,
                "end_ms": self.was_end_ms,
                "lines": lines,
            },
        }
        if self.start_ms is not None:
            out["start_ms"] = self.start_ms
        if self.end_ms is not None:
            out["end_ms"] = self.end_ms
        if self.lines is not None:
            out["lines"] = {k: list[JsonOut](v) for k, v in self.lines.items()}
        if self.checked:
            out["checked"] = list[JsonOut](self.checked)
        return out

    @classmethod
    def from_json(cls, value: JsonData) -> Correction:
        """Raises ValueError (or KeyError) on a malformed entry."""
        d = _object(value)
        was = _object(d["was"])
        lines = d.get("lines")
        checked = d.get("checked", [])
        return cls(
            _str(d["track"]),
            _int(was["start_ms"]),
            _int(was["end_ms"]),
            _lines(was["lines"]),
            _opt_int(d.get("start_ms")),
            _opt_int(d.get("end_ms")),
            None if lines is None else _lines(lines),
            tuple(_str(c) for c in _list(checked)),
        )


@dataclass(frozen=True)
class CorrectionsFile:
    """A parsed corrections file."""

    corrections: tuple[Correction, ...]
    episode: str | None = None
    audio_sha256: str | None = None

    def to_text(self) -> str:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "episode": self.episode,
            "audio_sha256": self.audio_sha256,
            "corrections": [c.to_json() for c in self.corrections],
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


@dataclass(frozen=True, slots=True)
class Applied:
    """Correction ``entry`` (its index in the file) set cue ``cue`` of ``track``."""

    entry: int
    track: str
    cue: int


@dataclass(frozen=True, slots=True)
class Stale:
    """Correction ``entry`` matched no cue; ``why`` says so in words."""

    entry: int
    track: str
    text: str
    why: str


@dataclass(frozen=True)
class Outcome:
    """The tracks with corrections applied, and what happened to each correction."""

    tracks: tuple[Track, ...]
    applied: tuple[Applied, ...] = ()
    stale: tuple[Stale, ...] = ()
    checked: Mapping[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)


# --- reading ---------------------------------------------------------------------


def read_corrections(path: Path) -> CorrectionsFile:
    """Read and check a corrections file.

    Raises:
        ConfigError: naming the file (and the entry) when it cannot be read or is malformed.
    """
    hint = "export it again from the review page, or fix the entry by hand"
    try:
        data = _object(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read the corrections file: {err}", path=path) from err
    except (json.JSONDecodeError, ValueError) as err:
        raise ConfigError(f"not a corrections file (JSON: {err})", path=path, hint=hint) from err
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ConfigError(
            f"not a corrections file: expected format {FORMAT!r} version {VERSION}",
            path=path,
            hint=hint,
        )
    entries = []
    for k, item in enumerate(_list(data.get("corrections", []))):
        try:
            entries.append(Correction.from_json(item))
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError(
                f"correction {k + 1} is malformed: {err}", path=path, hint=hint
            ) from err
    episode = data.get("episode")
    sha = data.get("audio_sha256")
    return CorrectionsFile(
        tuple(entries),
        episode if isinstance(episode, str) else None,
        sha if isinstance(sha, str) else None,
    )


# --- applying ----------------------------------------------------------------------


def _norm(lines: Mapping[str, Sequence[str]]) -> str:
    """Text for matching: every language's lines, case-folded, letters and digits only."""
    text = " ".join(" ".join(lines[k]) for k in sorted(lines)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _score(a: str, b: str) -> float:
    if a == b:
        return 100.0
    from rapidfuzz import fuzz

    return float(fuzz.ratio(a, b))


def _describe(lines: Mapping[str, Sequence[str]]) -> str:
    return " / ".join(" ".join(v) for v in lines.values())


def _match(track: Track, fixes: Sequence[tuple[int, Correction]]) -> dict[int, int]:
    """entry -> cue index, greedily by text score then closeness in time; one entry per cue."""
    keys = [_norm(c.lines) for c in track.cues]
    options: list[tuple[float, int, int, int]] = []  # (-score, distance, entry, cue)
    for entry, fix in fixes:
        wanted = [_norm(fix.was_lines)]
        if fix.lines is not None:
            wanted.append(_norm(fix.lines))
        for k, cue in enumerate(track.cues):
            distance = abs(cue.start_ms - fix.was_start_ms)
            if distance > MATCH_WINDOW_MS:
                continue
            score = max(_score(w, keys[k]) for w in wanted)
            if score >= MATCH_MIN:
                options.append((-score, distance, entry, k))
    taken: dict[int, int] = {}
    used: set[int] = set()
    for _, _, entry, k in sorted(options):
        if entry not in taken and k not in used:
            taken[entry] = k
            used.add(k)
    return taken


def _retimed(cue: Cue, fix: Correction) -> Cue:
    start = fix.start_ms if fix.start_ms is not None else cue.start_ms
    end = fix.end_ms if fix.end_ms is not None else cue.end_ms
    if end <= start:  # only one side was set, past the other: keep the cue's length
        end = start + max(1, fix.was_end_ms - fix.was_start_ms)
    lines = dict(fix.lines) if fix.lines is not None else cue.lines
    return replace(cue, start_ms=start, end_ms=end, lines=lines)


def _make_room(cues: list[Cue], fixed: set[int], gap_ms: int) -> None:
    """Trim the neighbours of fixed cues that would overlap them (fixed cues never move)."""
    for k in sorted(fixed):
        cue = cues[k]
        if k > 0 and k - 1 not in fixed and cues[k - 1].end_ms > cue.start_ms - gap_ms:
            prev = cues[k - 1]
            cues[k - 1] = replace(prev, end_ms=max(prev.start_ms + 1, cue.start_ms - gap_ms))
        if k + 1 < len(cues) and k + 1 not in fixed and cues[k + 1].start_ms < cue.end_ms + gap_ms:
            nxt = cues[k + 1]
            cues[k + 1] = replace(nxt, start_ms=min(nxt.end_ms - 1, cue.end_ms + gap_ms))


def apply_corrections(
    tracks: Sequence[Track],
    corrections: Sequence[Correction],
    min_gap_ms: int | Callable[[str], int] = 0,
    *,
    other_audio: bool = False,
) -> Outcome:
    """Apply ``corrections`` to ``tracks`` as fixed points (see the module doc).

    Args:
        tracks: the run's tracks, as segmented.
        corrections: the corrections file's entries, in order.
        min_gap_ms: the gap kept between a fixed cue and its neighbours (or a function of the
            track's first language).
        other_audio: the file was made for other audio: nothing is applied, all are stale.
    """
    by_code = {t.code: t for t in tracks}
    applied: list[Applied] = []
    stale: list[Stale] = []
    checked: dict[tuple[str, int], tuple[str, ...]] = {}
    out: list[Track] = []
    if other_audio:
        stale = [
            Stale(i, c.track, _describe(c.was_lines), "made for other audio (another cut)")
            for i, c in enumerate(corrections)
        ]
        return Outcome(tuple(tracks), (), tuple(stale))
    for i, fix in enumerate(corrections):
        if fix.track not in by_code:
            stale.append(
                Stale(i, fix.track, _describe(fix.was_lines), f"this run writes no {fix.track}")
            )
    for track in tracks:
        fixes = [(i, c) for i, c in enumerate(corrections) if c.track == track.code]
        if not fixes:
            out.append(track)
            continue
        found = _match(track, fixes)
        cues = list(track.cues)
        fixed: set[int] = set()
        for entry, fix in fixes:
            k = found.get(entry)
            if k is None:
                stale.append(
                    Stale(
                        entry,
                        track.code,
                        _describe(fix.was_lines),
                        "no cue has this text any more (the transcript changed here)",
                    )
                )
                continue
            cues[k] = _retimed(cues[k], fix)
            if fix.retimes:
                fixed.add(k)
        gap = min_gap_ms(track.langs[0]) if callable(min_gap_ms) else min_gap_ms
        _make_room(cues, fixed, gap)
        order = sorted(range(len(cues)), key=lambda k: (cues[k].start_ms, k))
        where = {old: new for new, old in enumerate(order)}
        for entry, fix in fixes:
            k = found.get(entry)
            if k is None:
                continue
            applied.append(Applied(entry, track.code, where[k]))
            if fix.checked:
                checked[(track.code, where[k])] = fix.checked
        out.append(replace(track, cues=tuple(cues[k] for k in order)))
    applied.sort(key=lambda a: a.entry)
    stale.sort(key=lambda s: s.entry)
    return Outcome(tuple(out), tuple(applied), tuple(stale), checked)


# --- narrowing JSON ------------------------------------------------------------------


def _object(value: JsonData) -> dict[str, JsonData]:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    return value


def _list(value: JsonData) -> list[JsonData]:
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return value


def _str(value: JsonData) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _int(value: JsonData) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected an integer number of milliseconds")
    return value


def _opt_int(value: JsonData) -> int | None:
    return None if value is None else _int(value)


def _lines(value: JsonData) -> Lines:
    return {_str(k): tuple(_str(x) for x in _list(v)) for k, v in _object(value).items()}
