"""Cues from timed words: where cues end, how lines break, when cues appear and disappear.

Pure and configurable: :class:`SegmentOptions` picks a profile (netflix, bbc) and the frame rate;
the per-language numbers come from :mod:`pipeline.rules`, the same table :mod:`pipeline.lint`
checks against.

How a track is built:

1. Spoken words are grouped into *blocks*: a new block starts at a change of turn (so a speaker
   change always starts a new cue) and where unspoken text was cut out between two words.
2. Inside a block a dynamic programme picks the cue ends. A cue must fit ``max_lines`` lines of
   ``max_chars`` and its speech must fit ``max_duration_ms``; among those, it prefers ending at a
   sentence end, then at clause punctuation or a pause, never between an article and its noun (the
   costs in :mod:`pipeline.linebreak`), reading speeds within the limit, and few cues.
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

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from pipeline.linebreak import (
    CLAUSE_END,
    SENTENCE_END,
    Unit,
    best_split,
    break_cost,
    break_lines,
    join_sep,
    line_text,
    text_units,
)
from pipeline.model import Cue, TimedWord, Track
from pipeline.rules import Limits, display_width, is_cjk, limits, line_length, reading_chars

# Dynamic-programme weights (cost units of pipeline.linebreak).
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


def _cue_cost(units: Sequence[Unit], nxt: Unit | None, lang: str, lim: Limits) -> float | None:
    """Cost of one cue holding ``units`` (None when it cannot meet the hard limits)."""
    text_len = line_length(line_text(units), lang)
    if text_len <= lim.max_chars:
        line_cost = 0.0
    elif lim.max_lines >= 2:
        split = best_split(units, lang, lim.max_chars)
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
        end_cost = break_cost(units[-1], nxt, lang)
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
    for j in range(1, n + 1):
        nxt = units[j] if j < n else None
        width = 0
        for i in range(j - 1, max(j - MAX_UNITS, 0) - 1, -1):
            width += display_width(units[i].text) + (len(units[i + 1].sep) if i + 1 < j else 0)
            if i < j - 1 and (width // 2 if is_cjk(lang) else width) > budget + 1:
                break
            if best[i] == math.inf:
                continue
            cost = _cue_cost(units[i:j], nxt, lang, lim)
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


def _lines(units: Sequence[Unit], lang: str, lim: Limits) -> tuple[str, ...]:
    return break_lines(units, lang, lim.max_chars)


def _cues(drafts: Sequence[_Draft], lang: str, lim: Limits) -> tuple[Cue, ...]:
    times = _time(drafts, lang, lim)
    return tuple(
        Cue(start, end, {lang: _lines(d.units, lang, lim)}, d.speaker, d.turn_index)
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
    for aligned words, so a long span splits at its sentence and clause ends.
    """
    lim = opts.limits(lang)
    drafts: list[_Draft] = []
    for span in sorted(spans, key=lambda s: (s.start_ms, s.end_ms)):
        units = text_units(span.text, lang)
        if not units:
            continue
        timed = _spread(units, span.start_ms, span.end_ms, lang)
        drafts.extend(_split_block(_Block(timed, span.speaker, span.turn_index), lang, lim))
    return _cues(drafts, lang, lim)


def _inside_latin(left: Unit, right: Unit, lang: str) -> bool:
    """Whether a break between ``left`` and ``right`` falls inside a Latin phrase in CJK text."""
    return (
        is_cjk(lang)
        and left.text[-1:].isascii()
        and left.text[-1:].isalnum()
        and right.text[:1].isascii()
        and right.text[:1].isalnum()
    )


def _cut_points(units: Sequence[Unit], weights: Sequence[float], lang: str) -> list[int]:
    """Indices cutting ``units`` into len(weights) pieces near the weights' proportions,
    pulled toward sentence and clause ends."""
    lengths = [max(line_length(u.text, lang), 1) for u in units]
    total = sum(lengths)
    wsum = sum(weights) or 1.0
    prefix = [0]
    for length in lengths:
        prefix.append(prefix[-1] + length)
    avg = total / max(len(weights), 1)
    cuts: list[int] = []
    acc = 0.0
    lo = 0
    for w in weights[:-1]:
        acc += w
        target = total * acc / wsum
        best_k, best_cost = lo, math.inf
        for k in range(lo, len(units) + 1):
            if k not in (0, len(units)) and _inside_latin(units[k - 1], units[k], lang):
                quality = 3.0  # never split "value function" inside a Chinese sentence
            elif k in (0, len(units)) or SENTENCE_END.search(units[k - 1].text):
                quality = 0.0
            elif CLAUSE_END.search(units[k - 1].text):
                quality = 0.15
            else:
                quality = 0.45
            cost = abs(prefix[k] - target) / max(avg, 1) + quality
            if cost < best_cost:
                best_k, best_cost = k, cost
        cuts.append(best_k)
        lo = best_k
    return cuts


def _fits(units: Sequence[Unit], lang: str, lim: Limits) -> bool:
    lines = _lines(units, lang, lim)
    return len(lines) <= lim.max_lines and all(
        line_length(line, lang) <= lim.max_chars for line in lines
    )


def _fit_stacked(
    cue: Cue,
    src_units: Sequence[Unit],
    tgt_units: Sequence[Unit],
    src: str,
    tgt: str,
    src_lim: Limits,
    tgt_lim: Limits,
) -> list[Cue]:
    """One stacked cue, or several when either language overflows its lines.

    Both languages split at the same point: the source at its best break near the middle, the
    translation at the matching share of its text (pulled to a clause end); the in/out times split
    in proportion to the source text. A cue too short for two minimum durations stays whole.
    """
    lines = dict(cue.lines)
    lines[src] = _lines(src_units, src, src_lim) if src_units else cue.lines.get(src, ())
    lines[tgt] = _lines(tgt_units, tgt, tgt_lim) if tgt_units else ()
    whole = Cue(cue.start_ms, cue.end_ms, lines, cue.speaker, cue.turn_index)
    fits = _fits(src_units, src, src_lim) and _fits(tgt_units, tgt, tgt_lim)
    gap, shortest = src_lim.min_gap_ms, src_lim.min_duration_ms
    if fits or len(src_units) < 2 or cue.end_ms - cue.start_ms < 2 * shortest + gap:
        return [whole]
    lengths = [max(line_length(u.text, src), 1) for u in src_units]
    total, acc, best_k, best_cost = sum(lengths), 0, 1, math.inf
    for k in range(1, len(src_units)):
        acc += lengths[k - 1]
        cost = break_cost(src_units[k - 1], src_units[k], src) + 8 * abs(acc / total - 0.5)
        if cost < best_cost:
            best_k, best_cost = k, cost
    share = sum(lengths[:best_k]) / total
    span = cue.end_ms - cue.start_ms
    split = cue.start_ms + max(shortest, min(span - shortest - gap, round(span * share)))
    cut = _cut_points(tgt_units, [share, 1 - share], tgt)[0] if tgt_units else 0
    first = Cue(cue.start_ms, split, {}, cue.speaker, cue.turn_index)
    second = Cue(split + gap, cue.end_ms, {}, cue.speaker, cue.turn_index)
    tgt_second = list(tgt_units[cut:])
    if tgt_second:
        tgt_second[0] = Unit(tgt_second[0].text, "")
    src_second = [Unit(src_units[best_k].text, ""), *src_units[best_k + 1 :]]
    return [
        *_fit_stacked(first, src_units[:best_k], tgt_units[:cut], src, tgt, src_lim, tgt_lim),
        *_fit_stacked(second, src_second, tgt_second, src, tgt, src_lim, tgt_lim),
    ]


def stack_translation(
    cues: Sequence[Cue],
    spans: Sequence[TimedText],
    src: str,
    tgt: str,
    opts: SegmentOptions,
) -> tuple[Cue, ...]:
    """Bilingual cues: the source cues with translation spans laid under them.

    A span goes to the source cues it overlaps in time (restricted to its own turn when it names
    one); a span over several cues is cut near the cues' share of source text, pulled toward its
    sentence and clause ends. In/out times stay those of the source cues, so both languages
    always share them. Spans overlapping no cue (translated text timed into a pause) get cues of
    their own, in the translation alone, when the pause holds them; otherwise they go to the
    nearest cue.
    """
    lim = opts.limits(tgt)
    pieces: list[list[Unit]] = [[] for _ in cues]
    own, spans = _orphan_cues(cues, spans, tgt, opts)
    for span in spans:
        units = text_units(span.text, tgt)
        if not units or not cues:
            continue
        idx = [
            k
            for k, c in enumerate(cues)
            if c.start_ms < span.end_ms
            and c.end_ms > span.start_ms
            and (span.turn_index < 0 or c.turn_index in (span.turn_index, -1))
        ]
        if not idx:
            mid = (span.start_ms + span.end_ms) // 2
            idx = [
                min(
                    range(len(cues)),
                    key=lambda k: abs((cues[k].start_ms + cues[k].end_ms) // 2 - mid),
                )
            ]
        weights = [max(len(cues[k].text(src)), 1) for k in idx]
        cuts = [0, *_cut_points(units, weights, tgt), len(units)]
        for k, a, b in zip(idx, cuts, cuts[1:], strict=False):
            chunk = units[a:b]
            if chunk and pieces[k]:
                first = chunk[0]
                chunk = [
                    Unit(first.text, join_sep(pieces[k][-1].text, first.text, tgt)),
                    *chunk[1:],
                ]
            pieces[k].extend(chunk)
    src_lim = opts.limits(src)
    out: list[Cue] = []
    for cue, chunk in zip(cues, pieces, strict=True):
        src_units = text_units(cue.text(src).replace("\n", " "), src)
        out.extend(_fit_stacked(cue, src_units, chunk, src, tgt, src_lim, lim))
    return tuple(sorted([*out, *own], key=lambda c: c.start_ms))


def _orphan_cues(
    cues: Sequence[Cue], spans: Sequence[TimedText], tgt: str, opts: SegmentOptions
) -> tuple[list[Cue], list[TimedText]]:
    """Cues for spans that overlap no source cue, where the pause between cues holds them.

    Returns those cues and the spans still to be laid under source cues.
    """
    starts = [c.start_ms for c in cues]
    groups: dict[int, list[TimedText]] = {}
    rest: list[TimedText] = []
    for span in spans:
        if any(c.start_ms < span.end_ms and c.end_ms > span.start_ms for c in cues):
            rest.append(span)
        else:
            groups.setdefault(bisect.bisect_left(starts, span.start_ms), []).append(span)
    lim = opts.limits(tgt)
    made: list[Cue] = []
    for at, group in groups.items():
        lo = cues[at - 1].end_ms + lim.min_gap_ms if at > 0 else 0
        hi = cues[at].start_ms - lim.min_gap_ms if at < len(cues) else None
        fitted = list(text_cues(group, tgt, opts))
        if fitted and hi is not None and fitted[-1].end_ms > hi:
            last = fitted[-1]
            fitted[-1] = Cue(last.start_ms, max(hi, last.start_ms + 1), last.lines, last.speaker)
        if fitted and fitted[0].start_ms < lo < fitted[0].end_ms:
            first = fitted[0]  # a span starting where the cue before ends: keep the gap
            fitted[0] = Cue(lo, first.end_ms, first.lines, first.speaker)
        if fitted and fitted[0].start_ms >= lo and all(
            c.end_ms - c.start_ms >= lim.min_duration_ms for c in fitted
        ):
            made.extend(fitted)
        else:
            rest.extend(group)
    rest.sort(key=lambda s: s.start_ms)
    return made, rest


def spread_translation(
    cues: Sequence[Cue],
    texts: dict[int, str],
    src: str,
    tgt: str,
    opts: SegmentOptions,
) -> tuple[Cue, ...]:
    """Bilingual cues from one translation text per source turn (turn index -> text).

    Each turn's translation spans the time of that turn's source cues and is laid under them by
    :func:`stack_translation`.
    """
    spans: list[TimedText] = []
    for turn, text in sorted(texts.items()):
        own = [c for c in cues if c.turn_index == turn]
        if own and text.strip():
            spans.append(TimedText(text, own[0].start_ms, own[-1].end_ms, own[0].speaker, turn))
    return stack_translation(cues, spans, src, tgt, opts)


def monolingual(track: Track, lang: str, opts: SegmentOptions | None = None) -> Track:
    """The ``lang`` lines of ``track`` alone; cues with no text in ``lang`` are left out.

    With ``opts``, out-times are re-decided for this language alone: a translation read more
    slowly than its source (Chinese at 9 cps against English at 20) may stay up to
    ``max_extend_ms`` longer, into the gap before the next cue but never closer than the
    minimum gap.
    """
    kept = [c for c in track.cues if c.lines.get(lang)]
    lim = opts.limits(lang) if opts is not None else None
    cues: list[Cue] = []
    for k, c in enumerate(kept):
        end = c.end_ms
        if lim is not None:
            need = c.start_ms + math.ceil(reading_chars(c.text(lang), lang) * 1000 / lim.max_cps)
            limit = kept[k + 1].start_ms - lim.min_gap_ms if k + 1 < len(kept) else need
            end = max(end, min(need, end + lim.max_extend_ms, limit))
        cues.append(Cue(c.start_ms, end, {lang: c.lines[lang]}, c.speaker, c.turn_index))
    return Track((lang,), tuple(cues))
