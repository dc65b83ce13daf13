"""Stacked bilingual tracks: a translation laid under source cues with shared in/out times.

The source cues come from :func:`pipeline.subtitles.segment.build_cues`; translated text arrives as
timed spans (sentences placed by :mod:`pipeline.translation.retime`, or whole turns). Each span goes
under the source cues it overlaps, cut at its clause ends in proportion to the source text; when
either language overflows its lines both split together; a span timed into a pause gets a cue of its
own. :func:`monolingual` takes one language out of a stacked track.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

from pipeline.lang import is_cjk
from pipeline.model import Cue, Track
from pipeline.subtitles.lines import (
    CLAUSE_END,
    SENTENCE_END,
    Unit,
    break_cost,
    join_sep,
    text_units,
)
from pipeline.subtitles.rules import Limits, line_length, reading_chars
from pipeline.subtitles.segment import SegmentOptions, TimedText, break_text, text_cues


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
    lines = break_text(units, lang, lim)
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
    lines[src] = break_text(src_units, src, src_lim) if src_units else cue.lines.get(src, ())
    lines[tgt] = break_text(tgt_units, tgt, tgt_lim) if tgt_units else ()
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
    starts, ends = [c.start_ms for c in cues], [c.end_ms for c in cues]
    for span in spans:
        units = text_units(span.text, tgt)
        if not units or not cues:
            continue
        idx = [
            k
            for k in _overlapping(starts, ends, span)
            if span.turn_index < 0 or cues[k].turn_index in (span.turn_index, -1)
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


def _overlapping(starts: Sequence[int], ends: Sequence[int], span: TimedText) -> range:
    """Indices of the cues overlapping ``span`` (cues in order, not overlapping each other,
    so both their starts and their ends ascend)."""
    return range(bisect.bisect_right(ends, span.start_ms), bisect.bisect_left(starts, span.end_ms))


def _orphan_cues(
    cues: Sequence[Cue], spans: Sequence[TimedText], tgt: str, opts: SegmentOptions
) -> tuple[list[Cue], list[TimedText]]:
    """Cues for spans that overlap no source cue, where the pause between cues holds them.

    Returns those cues and the spans still to be laid under source cues.
    """
    starts, ends = [c.start_ms for c in cues], [c.end_ms for c in cues]
    groups: dict[int, list[TimedText]] = {}
    rest: list[TimedText] = []
    for span in spans:
        if _overlapping(starts, ends, span):
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
        if (
            fitted
            and fitted[0].start_ms >= lo
            and all(c.end_ms - c.start_ms >= lim.min_duration_ms for c in fitted)
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
