"""Cues from timed words: where cues end, how lines break, when cues appear and disappear.

Pure and configurable: :class:`SegmentOptions` picks a profile (netflix, bbc) and the frame rate;
the per-language numbers come from :mod:`pipeline.subtitles.rules`, the same table
:mod:`pipeline.subtitles.lint` checks against.

How a track is built:

1. Spoken words are grouped into *blocks*: a new block starts at a change of turn (so a speaker
   change always starts a new cue) and where unspoken text was cut out between two words.
2. Inside a block a dynamic programme picks the cue ends. A cue must fit ``max_lines`` lines of
   ``max_chars`` and its speech must fit ``max_duration_ms``; among those, it prefers ending at a
   sentence end, then at clause punctuation or a pause, never between an article and its noun (the
   costs in :mod:`pipeline.subtitles.lines`), reading speeds within the limit, and few cues.
3. Timing: a cue comes in on its first word's onset and goes out on its last word's end, extended
   to the minimum duration and, when the reading speed needs it, up to ``max_extend_ms`` past the
   speech; a gap to the next cue shorter than the chaining threshold closes to the minimum gap.

>>> from pipeline.model import TimedWord
>>> words = [TimedWord(t, s, s + 300, "aligned", "Maya", 0) for t, s in
...          [("Hello", 0), ("there.", 400), ("How", 1500), ("are", 1800), ("you?", 2100)]]
>>> [(c.start_ms, c.end_ms, c.lines["en"]) for c in build_cues(words, "en", SegmentOptions())]
[(0, 2400, ('Hello there. How are you?',))]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from pipeline.lang import is_cjk
from pipeline.model import Cue, TimedWord
from pipeline.subtitles.lines import (
    SENTENCE_END,
    Unit,
    best_split,
    break_cost,
    break_lines,
    join_sep,
    line_text,
    text_units,
)
from pipeline.subtitles.rules import MS_PER_S, Limits, display_width, limits, line_length

# Dynamic-programme weights (cost units of pipeline.subtitles.lines).
CUE_COST = 6.0  # every cue costs this much: prefer fuller cues
CUE_END_WEIGHT = 2.0  # cue ends weigh more than line breaks
INNER_SENTENCE_COST = 4.0  # a sentence end inside a cue (two short sentences may share one)
PAUSE_FREE_MS = 700  # pauses inside a cue up to this long cost nothing
PAUSE_COST_PER_100MS = 1.5
PAUSE_BREAK_MS = 400  # a pause this long makes a good cue end
SHORT_COST_PER_100MS = 1.0  # speech shorter than the minimum duration
CPS_COST = 40.0  # per unit of relative excess over the reading-speed limit
MAX_UNITS = 60  # no cue holds more units than this (bounds the programme's inner loop)


@dataclass(frozen=True, slots=True)
class SegmentOptions:
    """How cues are built.

    Attributes:
        profile: style-guide profile for the limits (netflix or bbc).
        fps: frame rate the gap rules are counted in.
        max_chars: characters per line; None = the profile's figure for the language.
        max_lines: lines per cue.
        max_cps: reading speed, characters per second; None = the profile's figure.
        min_duration_ms: shortest cue.
        max_duration_ms: longest cue.
        min_gap_frames: smallest gap between cues, in frames.
        chain_gap_frames: gaps up to this many frames close down to ``min_gap_frames``.
        max_extend_ms: how far the out-time may run past the end of speech for reading speed.
    """

    profile: Literal["netflix", "bbc"] = "netflix"
    fps: float = 24.0
    max_chars: int | None = None
    max_lines: int = 2
    max_cps: float | None = None
    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    min_gap_frames: int = 2
    chain_gap_frames: int = 12
    max_extend_ms: int = 500

    def limits(self, lang: str) -> Limits:
        """The effective limits for ``lang``: the profile's, with this config's overrides."""
        base = limits(
            self.profile,
            lang,
            self.fps,
            min_gap_frames=self.min_gap_frames,
            chain_gap_frames=self.chain_gap_frames,
        )
        return replace(
            base,
            max_chars=self.max_chars or base.max_chars,
            max_lines=self.max_lines,
            max_cps=self.max_cps or base.max_cps,
            min_duration_ms=self.min_duration_ms,
            max_duration_ms=self.max_duration_ms,
            max_extend_ms=self.max_extend_ms,
        )


@dataclass(frozen=True, slots=True)
class TimedText:
    """A span of text known to be spoken between two times (a sentence, a turn, an old cue)."""

    text: str
    start_ms: int
    end_ms: int
    speaker: str | None = None
    turn_index: int = -1


@dataclass(frozen=True, slots=True)
class _Block:
    units: tuple[Unit, ...]
    speaker: str | None
    turn_index: int


@dataclass(frozen=True, slots=True)
class _Draft:
    units: tuple[Unit, ...]
    speaker: str | None
    turn_index: int

    @property
    def speech_start(self) -> int:
        return self.units[0].start_ms

    @property
    def speech_end(self) -> int:
        return max(u.end_ms for u in self.units)


# --- blocks -----------------------------------------------------------------


def _word_blocks(words: Sequence[TimedWord], lang: str, breaks: Sequence[int] = ()) -> list[_Block]:
    pending = sorted(breaks)
    at = 0  # next break time not yet passed
    blocks: list[_Block] = []
    current: list[Unit] = []
    key: tuple[int, str | None] | None = None
    cut = False

    def flush() -> None:
        if current and key is not None:
            blocks.append(_Block(tuple(current), key[1], key[0]))
        current.clear()

    for word in words:
        if word.status == "unspoken" or word.start_ms is None or word.end_ms is None:
            cut = True
            continue
        text = word.text.strip()
        if not text:
            continue
        here = (word.turn_index, word.speaker)
        forced = False
        while at < len(pending) and pending[at] <= word.start_ms:
            forced = True
            at += 1
        if here != key or cut or forced:
            flush()
            key = here
        cut = False
        sep = join_sep(current[-1].text, text, lang) if current else ""
        start = max(word.start_ms, current[-1].start_ms) if current else word.start_ms
        current.append(Unit(text, sep, start, max(word.end_ms, start)))
    flush()
    return blocks


def _spread(units: Sequence[Unit], start_ms: int, end_ms: int, lang: str) -> tuple[Unit, ...]:
    """Give untimed units times in proportion to their length inside [start_ms, end_ms]."""
    weights = [max(line_length(u.text, lang), 1) for u in units]
    total = sum(weights)
    span = max(end_ms - start_ms, 0)
    out: list[Unit] = []
    acc = 0
    for unit, weight in zip(units, weights, strict=True):
        a = start_ms + span * acc // total
        acc += weight
        b = start_ms + span * acc // total
        out.append(Unit(unit.text, unit.sep, a, b))
    return tuple(out)


# --- choosing cue ends --------------------------------------------------------


def _cue_cost(
    units: Sequence[Unit], nxt: Unit | None, lang: str, lim: Limits, costs: Sequence[float]
) -> float | None:
    """Cost of one cue holding ``units`` (None when it cannot meet the hard limits).

    ``costs[k]`` is the break cost before ``units[k]``; ``costs[len(units)]`` the one before
    ``nxt``.
    """
    text_len = line_length(line_text(units), lang)
    if text_len <= lim.max_chars:
        line_cost = 0.0
    elif lim.max_lines >= 2:
        split = best_split(units, lang, lim.max_chars, costs)
        if split is None:
            return None
        line_cost = split[0]
    else:
        return None
    start, end = units[0].start_ms, max(u.end_ms for u in units)
    if end - start > lim.max_duration_ms and len(units) > 1:
        return None
    cost = CUE_COST + line_cost
    if nxt is not None:
        end_cost = costs[len(units)]
        if nxt.start_ms - units[-1].end_ms >= PAUSE_BREAK_MS:
            end_cost = min(end_cost, 1.0)
        cost += CUE_END_WEIGHT * end_cost
    for left, right in itertools.pairwise(units):
        if SENTENCE_END.search(left.text):
            cost += INNER_SENTENCE_COST
        pause = right.start_ms - left.end_ms
        if pause > PAUSE_FREE_MS:
            cost += PAUSE_COST_PER_100MS * (pause - PAUSE_FREE_MS) / 100
    room = lim.max_extend_ms
    if nxt is not None:  # the out-time can only run on into the pause before the next word
        room = max(0, min(room, nxt.start_ms - lim.min_gap_ms - end))
    shown = max(end - start, lim.min_duration_ms if nxt is None else 1) + room
    cps = text_len * 1000 / shown
    if cps > lim.max_cps:
        cost += CPS_COST * (cps / lim.max_cps - 1)
    if end - start < lim.min_duration_ms:
        cost += SHORT_COST_PER_100MS * (lim.min_duration_ms - (end - start)) / 100
    return cost


def _split_block(block: _Block, lang: str, lim: Limits) -> list[_Draft]:
    units = block.units
    n = len(units)
    budget = lim.max_chars * lim.max_lines
    best = [math.inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    costs = [0.0, *(break_cost(a, b, lang) for a, b in itertools.pairwise(units))]
    for j in range(1, n + 1):
        nxt = units[j] if j < n else None
        width = 0
        for i in range(j - 1, max(j - MAX_UNITS, 0) - 1, -1):
            width += display_width(units[i].text) + (len(units[i + 1].sep) if i + 1 < j else 0)
            if i < j - 1 and (width // 2 if is_cjk(lang) else width) > budget + 1:
                break
            if best[i] == math.inf:
                continue
            cost = _cue_cost(units[i:j], nxt, lang, lim, costs[i : j + 1])
            if cost is None:
                if i == j - 1:  # a single unit always makes a cue, whatever its size
                    cost = CUE_COST + 100.0
                else:
                    continue
            if best[i] + cost < best[j]:
                best[j] = best[i] + cost
                back[j] = i
    drafts: list[_Draft] = []
    j = n
    while j > 0:
        i = back[j]
        drafts.append(_Draft(units[i:j], block.speaker, block.turn_index))
        j = i
    drafts.reverse()
    return drafts


# --- timing -------------------------------------------------------------------


def _time(drafts: Sequence[_Draft], lang: str, lim: Limits) -> list[tuple[int, int]]:
    """In/out times for drafts in order: onsets, minimum duration, reading speed, gaps."""
    times: list[tuple[int, int]] = []
    for k, draft in enumerate(drafts):
        start = draft.speech_start
        if times:
            start = max(start, times[-1][1] + lim.min_gap_ms)
        speech_end = max(draft.speech_end, start + 1)
        chars = sum(line_length(u.text, lang) + len(u.sep) for u in draft.units)
        reading = start + math.ceil(chars * 1000 / lim.max_cps)
        end = max(speech_end, min(reading, speech_end + lim.max_extend_ms))
        end = max(end, start + lim.min_duration_ms)
        if k + 1 < len(drafts):
            next_start = drafts[k + 1].speech_start
            room = next_start - lim.min_gap_ms
            if room - end < lim.chain_gap_ms:
                end = room  # chain: close short gaps down to the minimum gap
            end = max(end, start + lim.min_duration_ms)  # may push the next cue's in-time
        end = min(end, max(start + lim.max_duration_ms, speech_end))
        times.append((start, max(end, start + 1)))
    return times


def break_text(units: Sequence[Unit], lang: str, lim: Limits) -> tuple[str, ...]:
    """Display lines for ``units`` under ``lim`` (one line when it fits, else the best two)."""
    return break_lines(units, lang, lim.max_chars)


def _cues(drafts: Sequence[_Draft], lang: str, lim: Limits) -> tuple[Cue, ...]:
    times = _time(drafts, lang, lim)
    return tuple(
        Cue(start, end, {lang: break_text(d.units, lang, lim)}, d.speaker, d.turn_index)
        for d, (start, end) in zip(drafts, times, strict=True)
    )


# --- public API -----------------------------------------------------------------


def build_cues(
    words: Sequence[TimedWord], lang: str, opts: SegmentOptions, breaks: Sequence[int] = ()
) -> tuple[Cue, ...]:
    """Cues in ``lang`` from aligned words; unspoken words get no cue.

    ``breaks`` are times (ms) where a cue must start: the first word starting at or after each
    begins a new cue. A stacked track passes its translated sentences' start times, so each
    translated sentence starts with a cue of its own source sentence.
    """
    lim = opts.limits(lang)
    drafts: list[_Draft] = []
    for block in _word_blocks(words, lang, breaks):
        drafts.extend(_split_block(block, lang, lim))
    return _cues(drafts, lang, lim)


def text_cues(spans: Sequence[TimedText], lang: str, opts: SegmentOptions) -> tuple[Cue, ...]:
    """Cues in ``lang`` for text spans whose times are known only as a whole.

    Each span's words get times in proportion to their length, then cues are chosen exactly as
    for aligned words, so a long span splits at its sentence and clause ends. Two short spans
    of one turn go into one block (one cue, when the programme finds it best) only where the
    first cannot be read alone in the time the audio leaves it (:func:`_share_for_reading`).
    """
    lim = opts.limits(lang)
    drafts: list[_Draft] = []
    ordered = [
        s for s in sorted(spans, key=lambda s: (s.start_ms, s.end_ms)) if text_units(s.text, lang)
    ]
    k = 0
    while k < len(ordered):
        span = ordered[k]
        timed = _spread(text_units(span.text, lang), span.start_ms, span.end_ms, lang)
        after = ordered[k + 1] if k + 1 < len(ordered) else None
        later = ordered[k + 2].start_ms if k + 2 < len(ordered) else None
        if after is not None and _share_for_reading(span, after, later, lang, lim):
            more = _spread(text_units(after.text, lang), after.start_ms, after.end_ms, lang)
            head = replace(more[0], sep=join_sep(timed[-1].text, more[0].text, lang))
            timed = (*timed, head, *more[1:])
            k += 1
        drafts.extend(_split_block(_Block(timed, span.speaker, span.turn_index), lang, lim))
        k += 1
    return _cues(drafts, lang, lim)


def _share_for_reading(
    a: TimedText, b: TimedText, later: int | None, lang: str, lim: Limits
) -> bool:
    """Whether two short sentences may share a cue because the first cannot be read alone.

    Only when both fit one line, the pause between them is short, the first is too fast to
    read in the time the audio leaves it (up to ``max_extend_ms`` past its speech, before the
    second) and the two together are not (a translation longer than its source: Russian under
    English); the cue then comes in with the first sentence, never before it is spoken.
    """
    if (a.speaker, a.turn_index) != (b.speaker, b.turn_index):
        return False
    if not 0 <= b.start_ms - a.end_ms <= PAUSE_FREE_MS:
        return False
    if max(line_length(a.text, lang), line_length(b.text, lang)) > lim.max_chars:
        return False
    if b.end_ms - a.start_ms > lim.max_duration_ms:
        return False
    alone = min(a.end_ms + lim.max_extend_ms, b.start_ms - lim.min_gap_ms) - a.start_ms
    end = b.end_ms + lim.max_extend_ms
    if later is not None:
        end = min(end, later - lim.min_gap_ms)
    chars_a, chars_b = line_length(a.text, lang), line_length(b.text, lang)
    fast = chars_a * MS_PER_S > lim.max_cps * max(alone, 1)
    return fast and (chars_a + chars_b) * MS_PER_S <= lim.max_cps * max(end - a.start_ms, 1)


def file_cues(
    spans: Sequence[TimedText], lines: Sequence[tuple[str, ...]], lang: str, opts: SegmentOptions
) -> tuple[Cue, ...]:
    """Cues that keep the given lines (a subtitle file's own), timed from their spans.

    ``spans[k]`` is when the text of cue ``k`` is spoken; in- and out-times follow the same
    rules as every other cue (onset, reading speed, minimum duration, gaps, chaining).
    """
    lim = opts.limits(lang)
    order = sorted(range(len(spans)), key=lambda k: (spans[k].start_ms, spans[k].end_ms))
    drafts = [
        _Draft(
            (Unit(spans[k].text, "", spans[k].start_ms, spans[k].end_ms),),
            spans[k].speaker,
            spans[k].turn_index,
        )
        for k in order
    ]
    times = _time(drafts, lang, lim)
    return tuple(
        Cue(start, end, {lang: lines[k]}, d.speaker, d.turn_index)
        for k, d, (start, end) in zip(order, drafts, times, strict=True)
    )
