"""Transcript words <-> recognised words: anchors, banded matching, interpolation.

The transcript is the text we trust; Whisper's words carry the times. Both
sides are normalised to matching tokens (:mod:`pipeline.transcript.normalize`), then:

1. **Anchors.** n-grams that occur exactly once in both token streams (inside
   the current window) are matched, and the longest increasing subsequence of
   those matches keeps the ones that agree on order. Windows between anchors
   are searched again with their own uniqueness, so repeated passages land on
   their own audio once their neighbours are anchored.
2. **Fill.** Between consecutive anchors a small weighted-LCS dynamic programme
   matches exact and fuzzy (rapidfuzz) tokens. Gaps are small once anchored,
   so the cost stays near linear in episode length; a band caps the rare
   large gap.
3. **Time.** Matched words take their recognised word's span. Runs of
   unmatched words are either interpolated inside the gap between matched
   neighbours (on the unmatched recognised words there, else on speech regions
   only) or, when no audio supports them, marked ``unspoken`` with no times.

Its options and records (:class:`~pipeline.timing.records.AlignOptions`, ``SourceWord``,
``Alignment``) live in :mod:`pipeline.timing.records`, shared with the forced engine.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from pipeline.errors import AlignmentError
from pipeline.model import TimedWord, Word
from pipeline.timing.records import Alignment, AlignOptions, SourceWord
from pipeline.transcript.normalize import word_keys

EXACT_SCORE = 2.0  # DP reward for an exact token match
FUZZY_SCORE = 1.0  # DP reward for a fuzzy token match
DEFAULT_OPTIONS = AlignOptions()

__all__ = ["align_words", "match_tokens", "snap_to_speech"]


@dataclass(frozen=True, slots=True)
class _Tokens:
    keys: tuple[str, ...]
    owner: tuple[int, ...]  # token -> word index
    start: tuple[int, ...]  # token times (recognised side only)
    end: tuple[int, ...]


def _transcript_tokens(words: Sequence[SourceWord]) -> _Tokens:
    keys: list[str] = []
    owner: list[int] = []
    for i, word in enumerate(words):
        for key in word_keys(word.text):
            keys.append(key)
            owner.append(i)
    return _Tokens(tuple(keys), tuple(owner), (), ())


def _recognised_tokens(words: Sequence[Word]) -> _Tokens:
    keys: list[str] = []
    owner: list[int] = []
    start: list[int] = []
    end: list[int] = []
    for i, word in enumerate(words):
        parts = word_keys(word.text)
        total = sum(len(p) for p in parts) or 1
        t = word.start_ms
        span = word.end_ms - word.start_ms
        for part in parts:
            # A word Whisper wrote as "2024" spans "twenty twenty four": split its time by length.
            step = span * len(part) // total
            keys.append(part)
            owner.append(i)
            start.append(t)
            end.append(t + step)
            t += step
    return _Tokens(tuple(keys), tuple(owner), tuple(start), tuple(end))


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest chain of pairs increasing in both coordinates (pairs sorted by first)."""
    tails: list[int] = []  # smallest j ending a chain of each length
    tail_idx: list[int] = []
    prev: list[int] = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_idx.append(k)
        else:
            tails[pos] = j
            tail_idx[pos] = k
        prev[k] = tail_idx[pos - 1] if pos > 0 else -1
    chain: list[tuple[int, int]] = []
    k = tail_idx[-1] if tail_idx else -1
    while k >= 0:
        chain.append(pairs[k])
        k = prev[k]
    return chain[::-1]


def _unique_ngrams(keys: Sequence[str], lo: int, hi: int, n: int) -> dict[tuple[str, ...], int]:
    seen: dict[tuple[str, ...], int] = {}
    for i in range(lo, hi - n + 1):
        gram = tuple(keys[i : i + n])
        seen[gram] = -1 if gram in seen else i
    return {g: i for g, i in seen.items() if i >= 0}


def _anchor_window(
    t: Sequence[str], r: Sequence[str], win: tuple[int, int, int, int], n: int
) -> list[tuple[int, int]]:
    """Token matches from unique n-grams inside one window, in order."""
    t_lo, t_hi, r_lo, r_hi = win
    while n >= 1:
        if t_hi - t_lo >= n and r_hi - r_lo >= n:
            tg = _unique_ngrams(t, t_lo, t_hi, n)
            rg = _unique_ngrams(r, r_lo, r_hi, n)
            pairs = sorted((i, rg[g]) for g, i in tg.items() if g in rg)
            chain = _lis(pairs)
            if chain:
                matches: list[tuple[int, int]] = []
                for i, j in chain:
                    for k in range(n):
                        if not matches or (i + k > matches[-1][0] and j + k > matches[-1][1]):
                            matches.append((i + k, j + k))
                return matches
        n -= 1
    return []


def _anchors(t: Sequence[str], r: Sequence[str], opts: AlignOptions) -> list[tuple[int, int]]:
    """All anchor token matches, refining each window between anchors."""
    result: list[tuple[int, int]] = []
    stack: list[tuple[int, int, int, int]] = [(0, len(t), 0, len(r))]
    while stack:
        win = stack.pop()
        t_lo, t_hi, r_lo, r_hi = win
        if t_hi <= t_lo or r_hi <= r_lo:
            continue
        found = _anchor_window(t, r, win, opts.ngram)
        if not found:
            continue
        result.extend(found)
        bounds = [(t_lo - 1, r_lo - 1), *found, (t_hi, r_hi)]
        for (a_t, a_r), (b_t, b_r) in pairwise(bounds):
            if b_t - a_t > 2 and b_r - a_r > 2:
                stack.append((a_t + 1, b_t, a_r + 1, b_r))
    result.sort()
    return result


def _similar(a: str, b: str, threshold: float) -> float:
    if a == b:
        return EXACT_SCORE
    if len(a) < 3 or len(b) < 3:
        return 0.0
    from rapidfuzz.fuzz import ratio

    return FUZZY_SCORE if ratio(a, b) >= threshold else 0.0


def _fill(
    t: Sequence[str],
    r: Sequence[str],
    win: tuple[int, int, int, int],
    opts: AlignOptions,
) -> list[tuple[int, int]]:
    """Weighted LCS of tokens inside one gap (banded when the gap is large)."""
    t_lo, t_hi, r_lo, r_hi = win
    n, m = t_hi - t_lo, r_hi - r_lo
    if n <= 0 or m <= 0:
        return []
    band = max(opts.band, abs(n - m) + 1) if n * m > opts.band * opts.band * 4 else max(n, m)
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]  # 1 diag, 2 up (skip t), 3 left (skip r)
    for i in range(1, n + 1):
        centre = i * m // n
        j_lo, j_hi = max(1, centre - band), min(m, centre + band)
        row, prev_row, mv = score[i], score[i - 1], move[i]
        for j in range(1, m + 1):
            if j < j_lo or j > j_hi:
                row[j] = max(prev_row[j], row[j - 1]) if j > 0 else prev_row[j]
                mv[j] = 2 if prev_row[j] >= row[j - 1] else 3
                continue
            best, how = prev_row[j], 2
            if row[j - 1] > best:
                best, how = row[j - 1], 3
            sim = _similar(t[t_lo + i - 1], r[r_lo + j - 1], opts.fuzzy_threshold)
            if sim > 0 and prev_row[j - 1] + sim > best:
                best, how = prev_row[j - 1] + sim, 1
            row[j], mv[j] = best, how
    pairs: list[tuple[int, int]] = []
    i, j = n, m
    while i > 0 and j > 0:
        how = move[i][j]
        if how == 1:
            pairs.append((t_lo + i - 1, r_lo + j - 1))
            i, j = i - 1, j - 1
        elif how == 2:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def match_tokens(t: Sequence[str], r: Sequence[str], opts: AlignOptions) -> list[tuple[int, int]]:
    """Monotonic token matches (transcript index, recognised index)."""
    anchors = _anchors(t, r, opts)
    matches: list[tuple[int, int]] = []
    bounds = [(-1, -1), *anchors, (len(t), len(r))]
    for (a_t, a_r), (b_t, b_r) in pairwise(bounds):
        matches.extend(_fill(t, r, (a_t + 1, b_t, a_r + 1, b_r), opts))
        if b_t < len(t):
            matches.append((b_t, b_r))
    return matches


def _clip_to_speech(lo: int, hi: int, speech: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    if not speech:
        return [(lo, hi)] if hi > lo else []
    out = [(max(lo, s), min(hi, e)) for s, e in speech if e > lo and s < hi]
    return [(s, e) for s, e in out if e > s]


def _spread(
    weights: Sequence[int], spans: Sequence[tuple[int, int]], opts: AlignOptions
) -> list[tuple[int, int]]:
    """Place words with the given weights over spans of time, in order."""
    total_w = sum(weights) or 1
    total_t = sum(e - s for s, e in spans)
    need = [min(max(opts.min_word_ms, total_t * w // total_w), opts.max_word_ms) for w in weights]
    scale = min(1.0, total_t / max(1, sum(need)))
    out: list[tuple[int, int]] = []
    k, cursor = 0, spans[0][0]
    for dur in need:
        dur = max(1, int(dur * scale))
        while k < len(spans) - 1 and cursor + dur > spans[k][1]:
            k += 1
            cursor = max(cursor, spans[k][0])
        start = min(cursor, spans[k][1])
        end = max(start + 1, min(start + dur, spans[-1][1]))
        out.append((start, end))
        cursor = end
    return out


def snap_to_speech(
    words: Sequence[TimedWord],
    speech: Sequence[tuple[int, int]],
    onset_ms: int,
    min_after_ms: int = 120,
) -> list[TimedWord]:
    """Move word starts (ends) that lie in a pause to the next region's onset (region's end).

    A word whose span covers a whole pause, with at least ``min_after_ms`` of it after the
    pause, starts at the next region's onset too. Only within the word's own span, so order
    is kept: a start moves later but stays before the word's end, an end moves earlier but
    stays after its start.
    """
    regions = sorted(speech)
    starts = [a for a, _ in regions]
    out: list[TimedWord] = []
    for w in words:
        if w.start_ms is None or w.end_ms is None:
            out.append(w)
            continue
        start, end = w.start_ms, w.end_ms
        k = bisect.bisect_right(starts, start) - 1  # region starting at or before start
        if not (k >= 0 and start < regions[k][1]) and k + 1 < len(regions):
            onset = regions[k + 1][0] + onset_ms
            if onset < end:
                start = onset
        elif k >= 0 and k + 1 < len(regions) and regions[k + 1][0] + min_after_ms <= end:
            # The word runs across a whole pause: a word is not said across a pause, and
            # Whisper's error is an early start (a turn's first word begun in the last turn).
            start = min(regions[k + 1][0] + onset_ms, end - 1)
        k = bisect.bisect_left(starts, end) - 1  # region starting before end
        if k >= 0 and regions[k][1] < end and regions[k][1] > start:
            end = regions[k][1]
        if (start, end) != (w.start_ms, w.end_ms):
            w = TimedWord(w.text, start, end, w.status, w.speaker, w.turn_index)
        out.append(w)
    return out


def align_words(
    words: Sequence[SourceWord],
    recognised: Sequence[Word],
    opts: AlignOptions = DEFAULT_OPTIONS,
    speech: Sequence[tuple[int, int]] = (),
    duration_ms: int | None = None,
) -> Alignment:
    """Give every transcript word a time, or mark it unspoken.

    Args:
        words: transcript words in order.
        recognised: ASR words with times, in order.
        opts: aligner options.
        speech: speech regions (ms) from VAD; interpolation stays inside them.
        duration_ms: audio length; defaults to the last recognised word's end.

    Raises:
        AlignmentError: when fewer than ``opts.min_coverage`` of the tokens match.
    """
    tt = _transcript_tokens(words)
    rt = _recognised_tokens(recognised)
    matches = match_tokens(tt.keys, rt.keys, opts)
    coverage = len(matches) / max(1, len(tt.keys))
    if words and coverage < opts.min_coverage:
        raise AlignmentError(
            f"only {coverage:.0%} of the transcript matches the speech",
            coverage=coverage,
            hint="check that the transcript belongs to this audio and is in its language",
        )
    end_of_audio = duration_ms if duration_ms is not None else (rt.end[-1] if rt.end else 0)

    # Per word: matched span and the recognised token range it used.
    span: list[tuple[int, int] | None] = [None] * len(words)
    r_first: list[int] = [-1] * len(words)
    r_last: list[int] = [-1] * len(words)
    for ti, ri in matches:
        w = tt.owner[ti]
        s, e = rt.start[ri], rt.end[ri]
        old = span[w]
        span[w] = (s, e) if old is None else (min(old[0], s), max(old[1], e))
        if r_first[w] < 0:
            r_first[w] = ri
        r_last[w] = ri

    tokens_of = [0] * len(words)
    for w in tt.owner:
        tokens_of[w] += 1

    timed: list[tuple[int, int] | None] = list(span)
    status: list[str] = ["aligned" if s is not None else "unspoken" for s in span]
    i = 0
    while i < len(words):
        if span[i] is not None:
            i += 1
            continue
        j = i
        while j < len(words) and span[j] is None:
            j += 1
        # Unmatched run words[i:j] between matched neighbours i-1 and j.
        lo_t = span[i - 1][1] if i > 0 and span[i - 1] else 0  # type: ignore[index]
        hi_t = span[j][0] if j < len(words) and span[j] else end_of_audio  # type: ignore[index]
        lo_r = r_last[i - 1] + 1 if i > 0 else 0
        hi_r = r_first[j] if j < len(words) else len(rt.keys)
        run_tokens = sum(tokens_of[i:j])
        support = max(0, hi_r - lo_r)
        spoken = run_tokens <= opts.short_run and i > 0 and j < len(words)
        spoken = spoken or (run_tokens > 0 and support >= opts.min_support * run_tokens)
        if not spoken and support == 0 and run_tokens > 0 and speech:
            # Whisper skipped a phrase: nothing recognised in the gap, but the VAD hears
            # speech there, about as much as the run needs.
            heard = sum(e - s for s, e in _clip_to_speech(lo_t, hi_t, speech))
            spoken = heard >= opts.missed_speech_ms * run_tokens
        nxt = span[j] if j < len(words) else None
        if spoken and hi_t <= lo_t and support == 0 and nxt is not None and nxt[1] > hi_t:
            # Whisper merged the run into its neighbours ("this Bay Area" -> "this area"):
            # no gap is left, so the run takes the front of the next word's span by length.
            run_w = sum(len(words[k].text) + 2 for k in range(i, j))
            share = (nxt[1] - hi_t) * run_w // (run_w + len(words[j].text) + 2)
            if share > 0:
                lo_t, hi_t = hi_t, hi_t + share
                span[j] = timed[j] = (hi_t, nxt[1])
        if spoken and hi_t > lo_t:
            if support > 0:
                spans = [(max(lo_t, rt.start[lo_r]), min(hi_t, rt.end[hi_r - 1]))]
                spans = [(s, e) if e > s else (lo_t, hi_t) for s, e in spans]
            else:
                spans = _clip_to_speech(lo_t, hi_t, speech) or [(lo_t, hi_t)]
            weights = [len(words[k].text) + 2 for k in range(i, j)]
            for k, placed in zip(range(i, j), _spread(weights, spans, opts), strict=True):
                timed[k] = placed
                status[k] = "interpolated"
        i = j

    out: list[TimedWord] = []
    last_end = 0
    for word, t, st in zip(words, timed, status, strict=True):
        if t is None:
            out.append(TimedWord(word.text, None, None, "unspoken", word.speaker, word.turn_index))
            continue
        start = max(t[0], last_end if st == "interpolated" else t[0])
        start = max(start, 0)
        end = max(t[1], start + 1)
        last_end = end
        out.append(
            TimedWord(word.text, start, end, st, word.speaker, word.turn_index)  # type: ignore[arg-type]
        )
    if speech:
        out = snap_to_speech(out, speech, opts.vad_onset_ms)
    counts = {s: sum(1 for w in out if w.status == s) for s in ("aligned", "interpolated")}
    return Alignment(
        words=tuple(out),
        coverage=coverage,
        aligned=counts["aligned"],
        interpolated=counts["interpolated"],
        unspoken=len(out) - counts["aligned"] - counts["interpolated"],
    )
