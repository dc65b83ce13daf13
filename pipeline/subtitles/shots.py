"""Cues timed to shot changes: the broadcasters' rules, a snapping pass over tracks, and lint.

A subtitle that appears a few frames after a cut, vanishes a frame before one, or hangs a few
frames into the next shot makes the eye jump twice (QC lists it as a timing failure). The
rules, per profile, are data (:class:`~pipeline.subtitles.rules.ShotRules`):

* Netflix, *Timed Text Style Guide: Subtitle Timing Guidelines* (partnerhelp.netflixstudios.com,
  article 360051554394) and *General Requirements* (article 215758617): "Subtitles should sit
  neatly within shots"; an in-time inside the 12-frame zone after a shot change goes onto it;
  one 1-7 frames before it (red zone) goes onto it, 8-11 frames before (green zone) to 12
  frames before it; an out-time near a change ends 2 frames before it, the minimum gap kept
  when subtitles chain across it; the zones are 12 frames at 24 fps ("half a second") and stay
  12 frames here at other rates, as the chaining rule's 12 frames do
  (:mod:`pipeline.subtitles.rules`). The out-time split after a change (1-7 frames: pulled back,
  8-11: held to 12 after it) mirrors the in-time zones; Netflix's QC notes ("ends one frame
  before or at a shot change", "crosses a shot change") are what :func:`shot_faults` reports.
* BBC, *Subtitle Guidelines* (bbc.github.io/subtitle-guidelines) 6.1 "start on the first frame
  of the shot and end on the last frame", 6.2 "do not remove it too soon after the cut", 6.3
  "delay the start of a new sentence to coincide with the shot change", 6.5 "avoid extending a
  subtitle into the next shot when the speaker has stopped". The BBC names no frame counts:
  its zone is Netflix's 12 frames, every in-time in the zone before a change is delayed onto
  it, every out-time in the zone after one pulled back, and an out-time ends on the change
  (the shot's last frame shown), or the minimum gap before it when the next cue starts there.

So a time near a change has *snap points*: in-times the change itself (or ``zone`` frames
before it), out-times ``out_gap`` or the minimum gap before it (or ``zone`` frames after it).
When a cue can only keep its minimum duration by staying ``zone`` frames into the next shot,
the cue after it may come in the minimum gap after it, if that is at most 3 frames late for
its speech (Netflix's tolerance for timing to audio), rather than a rule give way.
A frame is "the first frame presented at or after a time" (:meth:`Shots.offset_frames`).

:func:`snap_tracks` applies the rules to finished tracks as a pass: for each cue it considers
its own times and their snap points (and, for an out-time, the minimum gap before each
candidate in-time of the next cue, so chains hold across a change), and a dynamic programme
over the cues picks the times with the fewest broken shot rules, then the preferred snap
points, then the fewest chains opened, then the least movement, under hard limits that never
give way: the minimum duration (or the cue's own, when shorter), the maximum (or its own), the
minimum gap (or the one it had) and no overlap. Keeping every cue's own times is always
allowed, so the pass never makes a track worse by the lint rules, and a track of cues far
from every change comes back as it was. A stacked bilingual cue is one cue with both
languages, so they move together; tracks with the same times come out with the same times.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.model import Cue, Track
from pipeline.subtitles.lint import LintResult, Violation
from pipeline.subtitles.rules import MS_PER_S, Limits, ShotRules, reading_chars, shot_rules
from pipeline.timecode import ms_to_srt
from pipeline.video.records import ShotChange, Shots

if TYPE_CHECKING:
    from pipeline.subtitles.segment import SegmentOptions

VIOLATION_COST = 1000.0  # each shot rule a cue's times break
SPEED_COST = 50.0  # a cue read faster than its language's limit (a soft rule: shots win)
ALT_COST = 10.0  # a snap point the rule does not prefer (still within the rules)
CHAIN_COST = 20.0  # a chain opened, or a short gap left open (flashes between cues)
NUDGE_COST = 20.0  # an in-time delayed a little to follow a cue held past a change
# An in-time may lag its speech by this many frames at most ("timed to the audio or, if
# necessary, within 3 frames of the audio": Netflix, General Requirements).
NUDGE_FRAMES = 3
MOVE_COST_PER_MS = 0.001  # among equals, the least movement
MIN_GAP_FRAMES = 2  # the gap every profile keeps between cues

RULE_IN = "shot-in"
RULE_OUT = "shot-out"
RULE_CROSSING = "shot-crossing"
SHOT_RULES = (RULE_IN, RULE_OUT, RULE_CROSSING)

__all__ = [
    "SHOT_RULES",
    "ShotFault",
    "ShotGrid",
    "lint_file_with_video",
    "lint_track_with_shots",
    "obeying",
    "reading",
    "shot_faults",
    "snap_times",
    "snap_track",
    "snap_tracks",
    "with_shots",
]


@dataclass(frozen=True, slots=True)
class ShotFault:
    """One shot rule a cue breaks.

    Attributes:
        rule: ``shot-in`` (in-time near a change, off its snap points), ``shot-out`` (out-time
            just before a change, off its snap points) or ``shot-crossing`` (the cue runs
            fewer than ``zone`` frames into the next shot).
        change: the shot change.
        frames: frames from the change to the time (negative: before it).
        message: the rule in words, for people.
    """

    rule: str
    change: ShotChange
    frames: int
    message: str


def _plural(n: int) -> str:
    return f"{n} frame" if n == 1 else f"{n} frames"


class ShotGrid:
    """A video's shot changes, indexed by time, under one profile's rules."""

    def __init__(self, shots: Shots, rules: ShotRules, min_gap_frames: int = MIN_GAP_FRAMES):
        self.shots = shots
        self.rules = rules
        self.min_gap_frames = min_gap_frames
        self._times = [c.time_ms for c in shots.changes]
        self._reach = abs(shots.frame_ms(rules.zone_frames)) + 1

    def around(self, time_ms: int) -> Sequence[ShotChange]:
        """The changes that may be fewer than ``zone`` frames from ``time_ms``."""
        lo = bisect.bisect_left(self._times, time_ms - self._reach)
        hi = bisect.bisect_right(self._times, time_ms + self._reach)
        return self.shots.changes[lo:hi]

    def offset(self, change: ShotChange, time_ms: int) -> int:
        """Frames from ``change`` to the first frame presented at or after ``time_ms``."""
        return self.shots.offset_frames(change.time_ms, time_ms)

    def at(self, change: ShotChange, frames: int) -> int:
        """The time ``frames`` frames after ``change`` (negative: before)."""
        return change.time_ms + self.shots.frame_ms(frames)

    def _where(self, change: ShotChange) -> str:
        return f"the shot change at {ms_to_srt(change.time_ms)} (frame {change.frame})"

    def faults(self, start_ms: int, end_ms: int) -> list[ShotFault]:
        """Every shot rule a cue shown from ``start_ms`` to ``end_ms`` breaks."""
        zone, found = self.rules.zone_frames, []
        for c in self.around(start_ms):
            d = self.offset(c, start_ms)
            if 0 < d < zone:
                why = f"in-time {_plural(d)} after {self._where(c)}: on it"
                found.append(ShotFault(RULE_IN, c, d, why))
            elif -zone < d < 0 and end_ms > c.time_ms:
                why = f"in-time {_plural(-d)} before {self._where(c)}: on it, or {zone}+ before"
                found.append(ShotFault(RULE_IN, c, d, why))
        allowed = {self.rules.out_gap_frames, self.min_gap_frames}
        for c in self.around(end_ms):
            d = self.offset(c, end_ms)
            if 0 < d < zone and start_ms < c.time_ms:
                why = f"runs {_plural(d)} past {self._where(c)}: end before it, or {zone}+ after"
                found.append(ShotFault(RULE_CROSSING, c, d, why))
            elif -zone < d <= 0 and -d not in allowed:
                gaps = " or ".join("on it" if g == 0 else _plural(g) for g in sorted(allowed))
                where = f"{_plural(-d)} before" if d else "on"
                why = f"out-time {where} {self._where(c)}: {gaps} before it"
                found.append(ShotFault(RULE_OUT, c, d, why))
        return found

    def start_points(self, start_ms: int) -> dict[int, float]:
        """Candidate in-times and what each costs: its own, and each near change's snap points."""
        rules, out = self.rules, {start_ms: 0.0}
        for c in self.around(start_ms):
            d = self.offset(c, start_ms)
            if d == 0 or abs(d) >= rules.zone_frames:
                continue
            on, early = c.time_ms, self.at(c, -rules.zone_frames)
            if d > 0:
                _add(out, on, 0.0)
            elif -d <= rules.in_pull_frames:
                _add(out, on, 0.0)
                _add(out, early, ALT_COST)
            else:
                _add(out, early, 0.0)
                _add(out, on, ALT_COST)
        return out

    def end_points(self, end_ms: int) -> dict[int, float]:
        """Candidate out-times and what each costs: its own, and each near change's snap points."""
        rules, out = self.rules, {end_ms: 0.0}
        allowed = {rules.out_gap_frames, self.min_gap_frames}
        for c in self.around(end_ms):
            d = self.offset(c, end_ms)
            if abs(d) >= rules.zone_frames or (d <= 0 and -d in allowed):
                continue
            snap = self.at(c, -rules.out_gap_frames)
            chain = self.at(c, -self.min_gap_frames)
            hang = self.at(c, rules.zone_frames)
            held = d > rules.out_pull_frames  # far enough into the next shot to stay there
            _add(out, snap, ALT_COST if held else 0.0)
            _add(out, chain, ALT_COST)
            _add(out, hang, 0.0 if held else ALT_COST)
        return out


def _add(points: dict[int, float], value: int, cost: float) -> None:
    if value >= 0 and cost < points.get(value, float("inf")):
        points[value] = cost


def shot_faults(
    start_ms: int, end_ms: int, shots: Shots, profile: str = "netflix"
) -> list[ShotFault]:
    """The shot rules of ``profile`` a cue from ``start_ms`` to ``end_ms`` breaks.

    Raises:
        ConfigError: for an unknown profile.
    """
    return ShotGrid(shots, shot_rules(profile)).faults(start_ms, end_ms)


def _gap_cost(gap: int, old_gap: int, limits: Limits) -> float:
    """What a new gap between two cues costs: a short gap left open, or a chain broken."""
    if gap == old_gap or gap == limits.min_gap_ms:
        return 0.0
    if gap <= limits.chain_gap_ms or old_gap <= limits.chain_gap_ms:
        return CHAIN_COST
    return 0.0


_State = tuple[int, int, float]  # in-time, out-time, what the cue's own choice costs
#: What a cue has to be read: (characters, characters per second allowed) per language.
Reading = tuple[tuple[int, float], ...]


def reading(cues: Sequence[Cue], limits_of: Callable[[str], Limits]) -> Reading:
    """What the cues shown at one time (one per track of a group) give the viewer to read."""
    most: dict[str, int] = {}
    for cue in cues:
        for lang, lines in cue.lines.items():
            most[lang] = max(most.get(lang, 0), reading_chars("\n".join(lines), lang))
    return tuple((n, limits_of(lang).max_cps) for lang, n in sorted(most.items()) if n)


def _too_fast(text: Reading, duration_ms: int) -> bool:
    return any(n * MS_PER_S > cps * duration_ms for n, cps in text)


def _states(
    cues: Sequence[Cue], grid: ShotGrid, limits: Limits, texts: Sequence[Reading]
) -> list[list[_State]]:
    """Every cue's candidate (in-time, out-time) pairs within the hard limits."""
    starts = [grid.start_points(c.start_ms) for c in cues]
    own_ends = [grid.end_points(c.end_ms) for c in cues]
    nudge = grid.shots.frame_ms(NUDGE_FRAMES)
    for i in range(len(cues) - 1):  # a cue held past a change may push the next one back
        first = cues[i + 1].start_ms
        for e in own_ends[i]:
            s = e + limits.min_gap_ms
            if first < s <= first + nudge and e != cues[i].end_ms:
                _add(starts[i + 1], s, NUDGE_COST)
    out: list[list[_State]] = []
    for i, cue in enumerate(cues):
        ends = dict(own_ends[i])
        if i + 1 < len(cues):  # the next cue's in-time moved: this one may follow it
            chained = cues[i + 1].start_ms - cue.end_ms <= limits.chain_gap_ms
            for s in starts[i + 1]:
                if s != cues[i + 1].start_ms:
                    _add(ends, s - limits.min_gap_ms, 0.0 if chained else ALT_COST)
        length = cue.end_ms - cue.start_ms
        shortest = min(limits.min_duration_ms, length)
        longest = max(limits.max_duration_ms, length)
        pairs: list[_State] = []
        for s, s_cost in starts[i].items():
            for e, e_cost in ends.items():
                if not shortest <= e - s <= longest:
                    continue
                moved = abs(s - cue.start_ms) + abs(e - cue.end_ms)
                cost = s_cost + e_cost + len(grid.faults(s, e)) * VIOLATION_COST
                cost += SPEED_COST * _too_fast(texts[i], e - s) + moved * MOVE_COST_PER_MS
                pairs.append((s, e, cost))
        out.append(pairs)
    return out


def snap_times(
    cues: Sequence[Cue], grid: ShotGrid, limits: Limits, texts: Sequence[Reading] = ()
) -> list[tuple[int, int]]:
    """New (in-time, out-time) of each cue, on the shot changes' snap points (see module doc).

    ``limits`` are the timing limits every cue keeps (duration, gap, chaining); ``texts``
    what each cue has to be read (:func:`reading`; none: reading speed is not weighed).
    """
    if not cues:
        return []
    texts = texts or [()] * len(cues)
    states = _states(cues, grid, limits, texts)
    best = [c for _, _, c in states[0]]
    back: list[list[int]] = []
    for i in range(1, len(cues)):
        old_gap = cues[i].start_ms - cues[i - 1].end_ms
        need = min(limits.min_gap_ms, old_gap)
        row: list[float] = []
        ptr: list[int] = []
        for s, _, cost in states[i]:
            value, came = float("inf"), -1
            for k, (_, prev_end, _) in enumerate(states[i - 1]):
                gap = s - prev_end
                if gap < need or best[k] == float("inf"):
                    continue
                total = best[k] + _gap_cost(gap, old_gap, limits)
                if total < value:
                    value, came = total, k
            row.append(value + cost)
            ptr.append(came)
        best = row
        back.append(ptr)
    k = min(range(len(best)), key=best.__getitem__)
    chosen: list[tuple[int, int]] = []
    for i in range(len(cues) - 1, -1, -1):
        s, e, _ = states[i][k]
        chosen.append((s, e))
        if i > 0:
            k = back[i - 1][k]
    chosen.reverse()
    return chosen


def _moved(track: Track, times: Sequence[tuple[int, int]]) -> Track:
    cues = tuple(
        cue if (s, e) == (cue.start_ms, cue.end_ms) else replace(cue, start_ms=s, end_ms=e)
        for cue, (s, e) in zip(track.cues, times, strict=True)
    )
    return replace(track, cues=cues)


def snap_track(track: Track, grid: ShotGrid, limits: Limits) -> Track:
    """``track`` with its times on the shot changes' snap points (reading speed not weighed)."""
    return _moved(track, snap_times(track.cues, grid, limits))


def snap_tracks(tracks: Sequence[Track], shots: Shots, opts: SegmentOptions) -> tuple[Track, ...]:
    """Every track snapped to ``shots`` by the rules of ``opts.profile`` (its frame rate the
    video's: ``opts.fps`` is expected to be ``shots.fps``).

    Tracks whose cues have the same times (a language's track and the stacked track made from
    the same cues) are snapped together, reading speed weighed over all their languages, so
    they keep the same times.

    Raises:
        ConfigError: for an unknown profile.
    """
    if not shots.changes:
        return tuple(tracks)
    grid = ShotGrid(shots, shot_rules(opts.profile), opts.min_gap_frames)
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for k, track in enumerate(tracks):
        groups.setdefault(tuple((c.start_ms, c.end_ms) for c in track.cues), []).append(k)
    out = list(tracks)
    for members in groups.values():
        first = tracks[members[0]]
        limits = opts.limits(first.langs[0] if first.langs else "en")
        texts = [
            reading([tracks[k].cues[i] for k in members], opts.limits)
            for i in range(len(first.cues))
        ]
        times = snap_times(first.cues, grid, limits, texts)
        for k in members:
            out[k] = _moved(tracks[k], times)
    return tuple(out)


def obeying(
    times: Sequence[tuple[int, int]], shots: Shots, profile: str = "netflix"
) -> tuple[int, int]:
    """How many in- and out-times of the cues ``(start_ms, end_ms)`` obey the shot rules, of all."""
    grid = ShotGrid(shots, shot_rules(profile))
    good = 0
    for start, end in times:
        rules = {f.rule for f in grid.faults(start, end)}
        good += (RULE_IN not in rules) + (not rules & {RULE_OUT, RULE_CROSSING})
    return good, 2 * len(times)


def with_shots(
    result: LintResult, cues: Sequence[tuple[int, int, int]], shots: Shots
) -> LintResult:
    """``result`` with the shot-rule violations of ``cues`` ``(number, start_ms, end_ms)`` added.

    Shot rules are hard: a cue that breaks one fails a broadcaster's QC.
    """
    grid = ShotGrid(shots, shot_rules(result.profile))
    zone = grid.rules.zone_frames
    found = [
        Violation(number, start, f.rule, abs(f.frames), zone, True, f.message)
        for number, start, end in cues
        for f in grid.faults(start, end)
    ]
    merged = sorted((*result.violations, *found), key=lambda v: v.cue)
    return replace(result, violations=tuple(merged))


def lint_track_with_shots(
    track: Track, shots: Shots, lang: str | None = None, profile: str = "netflix"
) -> LintResult:
    """:func:`~pipeline.subtitles.lint.lint_track` at the video's frame rate, plus shot rules.

    Raises:
        ConfigError: for an unknown profile.
    """
    from pipeline.subtitles.lint import lint_track

    result = lint_track(track, lang, profile, shots.fps)
    cues = [(i, c.start_ms, c.end_ms) for i, c in enumerate(track.cues, start=1)]
    return with_shots(result, cues, shots)


def lint_file_with_video(
    path: Path | str, shots: Shots, lang: str | None = None, profile: str = "netflix"
) -> LintResult:
    """:func:`~pipeline.subtitles.lint.lint_file` at the video's frame rate, plus shot rules.

    Raises:
        SubtitleFormatError: when the file cannot be read or is malformed.
        ConfigError: for an unknown profile.
    """
    from pipeline.subtitles.lint import lint_file
    from pipeline.transcript.subfile import read_subtitles

    result = lint_file(path, lang, profile, shots.fps)
    _, raw = read_subtitles(Path(path))
    cues = [(n, start, end) for n, (start, end, _) in enumerate(raw, start=1)]
    return with_shots(result, cues, shots)
