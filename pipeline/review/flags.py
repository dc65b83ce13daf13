"""What a reviewer should check first on a run's tracks, and why, cue by cue.

Every reason is a short code (the page's ``data-flags`` and the JSON report use it) with a
sentence that says what it means (:data:`REASONS`), and each flag carries the specifics in
words ("'ramekin' was not heard: timed between its neighbours"). Flags are worked out from the
stages' records only (no audio): the timed words and their forced-alignment confidence, the
translated sentences the bitext stage doubted, the turn pairs found out of step, the lint rules,
the words declared unspoken and the speech regions no cue covers.

Things that have no cue of their own (an unplaced sentence, transcript text no audio supports,
speech with no cue) are :class:`Loose` items with the times around them.

>>> from pipeline.model import Cue, TimedWord, Track
>>> track = Track(("en",), (Cue(0, 2000, {"en": ("Hello there.",)}),))
>>> words = (TimedWord("Hello", 0, 400, "aligned"), TimedWord("there.", 400, 900, "interpolated"))
>>> found = find_flags(FlagInputs((track,), "en", words))
>>> [f.reason for f in found.cues["en"][0]]
['interpolated']
"""

from __future__ import annotations

import bisect
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.model import Cue, TimedWord, Track, unspoken_runs
from pipeline.timecode import ms_to_srt

#: Reason code -> what it means, in the order the page lists them.
REASONS: dict[str, str] = {
    "interpolated": "words in it were not heard: their times were interpolated between heard "
    "neighbours",
    "low-confidence": "the forced alignment was unsure where these words are",
    "weak-match": "the translated sentence matched its source sentence only weakly",
    "gap": "the translated sentence was timed into a gap between speech",
    "unplaced": "the translated sentence could not be placed in time: it has no cue",
    "out-of-step": "these transcript turns and their translation were out of step",
    "lint": "it breaks a subtitle style rule",
    "unspoken": "transcript text that no audio supports: it got no cue",
    "no-cue": "speech in the audio that no cue covers",
}
LOW_CONFIDENCE_MEDIAN = 0.3  # median forced-token probability of a cue's words below this
NO_CUE_MIN_MS = 1500  # ms of speech (VAD) with no cue over it before it is listed
MAX_TEXT = 200  # characters of loose text kept


@dataclass(frozen=True, slots=True)
class Flag:
    """One reason to look at a cue, with its specifics in words."""

    reason: str
    why: str


@dataclass(frozen=True, slots=True)
class SentenceDoubt:
    """A translated sentence the bitext stage did not place with confidence.

    ``status`` is ``unplaced``, ``gap`` or ``low_confidence``; times are None when unplaced.
    """

    lang: str
    index: int
    text: str
    status: str
    start_ms: int | None
    end_ms: int | None
    prev_end_ms: int | None = None
    next_start_ms: int | None = None


@dataclass(frozen=True, slots=True)
class TurnStretch:
    """Transcript turns whose translation turns were out of step (aligned again by content)."""

    lang: str
    first_turn: int  # source turns, inclusive
    last_turn: int
    why: str


@dataclass(frozen=True, slots=True)
class FlagInputs:
    """What flags are worked out from.

    Attributes:
        tracks: the finished tracks (corrections applied).
        source_lang: the transcript's language; None when only a translation was timed.
        words: the timed transcript words.
        confidence: each word's forced-alignment probability (None: not forced).
        sentences: translated sentences not placed with confidence.
        stretches: turn pairs out of step.
        speech: speech regions (VAD), ms.
        profile, fps: the lint rules' profile and frame rate.
    """

    tracks: tuple[Track, ...]
    source_lang: str | None
    words: tuple[TimedWord, ...] = ()
    confidence: tuple[float | None, ...] | None = None
    sentences: tuple[SentenceDoubt, ...] = ()
    stretches: tuple[TurnStretch, ...] = ()
    speech: tuple[tuple[int, int], ...] = ()
    profile: str = "netflix"
    fps: float = 24.0


@dataclass(frozen=True, slots=True)
class Loose:
    """A doubtful thing with no cue of its own, placed between the times around it."""

    reason: str
    start_ms: int
    end_ms: int
    texts: dict[str, str]
    why: str
    langs: tuple[str, ...]  # the languages it concerns (tracks holding one list it)


@dataclass(frozen=True)
class Flags:
    """Flags per track (code -> one tuple of flags per cue) and the loose items."""

    cues: dict[str, tuple[tuple[Flag, ...], ...]]
    loose: tuple[Loose, ...] = ()
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def flagged(self, code: str) -> int:
        """How many cues of track ``code`` carry at least one flag."""
        return sum(1 for f in self.cues.get(code, ()) if f)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _cue_of(starts: Sequence[int], cues: Sequence[Cue], at_ms: int) -> int | None:
    """Index of the cue showing at ``at_ms`` (the last one starting at or before it)."""
    k = bisect.bisect_right(starts, at_ms) - 1
    if k >= 0 and at_ms < cues[k].end_ms:
        return k
    return None


def _overlapping(cues: Sequence[Cue], start_ms: int, end_ms: int) -> list[int]:
    """Cues sharing at least half of themselves, or half of the span, with the span."""
    out = []
    span = max(1, end_ms - start_ms)
    for k, cue in enumerate(cues):
        if cue.end_ms <= start_ms:
            continue
        if cue.start_ms >= end_ms:
            break
        shared = min(cue.end_ms, end_ms) - max(cue.start_ms, start_ms)
        if shared * 2 >= min(cue.end_ms - cue.start_ms, span):
            out.append(k)
    return out


def _word_flags(
    track: Track, words: Sequence[TimedWord], confidence: Sequence[float | None] | None
) -> list[list[Flag]]:
    """``interpolated`` and ``low-confidence`` for a track holding the transcript's words."""
    cues = track.cues
    starts = [c.start_ms for c in cues]
    heard: list[list[str]] = [[] for _ in cues]
    guessed: list[list[str]] = [[] for _ in cues]
    probs: list[list[float]] = [[] for _ in cues]
    for i, word in enumerate(words):
        if word.start_ms is None or word.end_ms is None:
            continue
        k = _cue_of(starts, cues, (word.start_ms + word.end_ms) // 2)
        if k is None:
            k = _cue_of(starts, cues, word.start_ms)
        if k is None:
            continue
        if word.status == "interpolated":
            guessed[k].append(word.text)
        else:
            heard[k].append(word.text)
        p = confidence[i] if confidence is not None and i < len(confidence) else None
        if p is not None:
            probs[k].append(p)
    out: list[list[Flag]] = [[] for _ in cues]
    for k in range(len(cues)):
        if guessed[k]:
            quoted = ", ".join(f"'{w}'" for w in guessed[k][:6])
            more = f" and {len(guessed[k]) - 6} more" if len(guessed[k]) > 6 else ""
            out[k].append(
                Flag(
                    "interpolated",
                    f"{quoted}{more} not heard: timed between the heard words around "
                    f"({len(guessed[k])} of {len(guessed[k]) + len(heard[k])} words)",
                )
            )
        if probs[k] and statistics.median(probs[k]) < LOW_CONFIDENCE_MEDIAN:
            out[k].append(
                Flag(
                    "low-confidence",
                    f"median forced-alignment probability {statistics.median(probs[k]):.2f} "
                    f"(below {LOW_CONFIDENCE_MEDIAN})",
                )
            )
    return out


_SENTENCE_REASON = {"gap": "gap", "low_confidence": "weak-match", "unplaced": "unplaced"}


def _sentence_why(s: SentenceDoubt) -> str:
    if s.status == "gap":
        return f"translated sentence {s.index + 1} has no source sentence: timed into a gap"
    if s.status == "low_confidence":
        return f"translated sentence {s.index + 1} matched its source sentence weakly"
    return f"translated sentence {s.index + 1} ({s.status})"


def _clock(ms: int | None) -> str:
    return "the start" if ms is None else ms_to_srt(ms)


def _loose_sentence(s: SentenceDoubt, partner: dict[str, str]) -> Loose:
    start = s.prev_end_ms if s.prev_end_ms is not None else 0
    end = s.next_start_ms if s.next_start_ms is not None else start + 1
    where = f"between {_clock(s.prev_end_ms)} and "
    where += "the end" if s.next_start_ms is None else ms_to_srt(s.next_start_ms)
    return Loose(
        "unplaced",
        start,
        max(end, start + 1),
        {s.lang: _clip(s.text), **partner},
        f"translated sentence {s.index + 1} could not be placed; it belongs {where}",
        (s.lang,),
    )


def _unspoken(words: Sequence[TimedWord], lang: str) -> list[Loose]:
    out: list[Loose] = []
    for i, j in unspoken_runs(words):
        before = next((w.end_ms for w in reversed(words[:i]) if w.end_ms is not None), None)
        after = next((w.start_ms for w in words[j:] if w.start_ms is not None), None)
        start = before if before is not None else 0
        end = after if after is not None else start + 1
        text = " ".join(w.text for w in words[i:j])
        out.append(
            Loose(
                "unspoken",
                start,
                max(end, start + 1),
                {lang: _clip(text)},
                f"{j - i} transcript word{'s' if j - i != 1 else ''} (turn "
                f"{words[i].turn_index + 1}) no audio supports: left out of the cues",
                (lang,),
            )
        )
    return out


def _uncovered(track: Track, speech: Sequence[tuple[int, int]]) -> list[Loose]:
    """Stretches of speech of at least :data:`NO_CUE_MIN_MS` that no cue of ``track`` covers."""
    out: list[Loose] = []
    cues = track.cues
    k = 0
    for a, b in speech:
        at = a
        while k < len(cues) and cues[k].end_ms <= a:
            k += 1
        j = k
        while at < b:
            nxt = cues[j].start_ms if j < len(cues) else b
            hole_end = min(nxt, b)
            if hole_end - at >= NO_CUE_MIN_MS:
                seconds = (hole_end - at) / 1000
                out.append(
                    Loose(
                        "no-cue",
                        at,
                        hole_end,
                        {},
                        f"{seconds:.1f} s of speech with no {track.code} cue: an ad read, "
                        "fillers, or words the transcript lacks",
                        track.langs,
                    )
                )
            if j >= len(cues) or cues[j].start_ms >= b:
                break
            at = max(at, cues[j].end_ms)
            j += 1
    return out


def find_flags(inputs: FlagInputs) -> Flags:
    """Flags for every cue of every track, and the loose items (in time order)."""
    from pipeline.subtitles.lint import lint_track

    by_track: dict[str, tuple[tuple[Flag, ...], ...]] = {}
    counts: dict[str, Counter[str]] = {}
    for track in inputs.tracks:
        cues = track.cues
        flags: list[list[Flag]] = [[] for _ in cues]
        src = inputs.source_lang
        if src is not None and src in track.langs and inputs.words:
            for k, found in enumerate(_word_flags(track, inputs.words, inputs.confidence)):
                flags[k].extend(found)
        for s in inputs.sentences:
            if s.lang not in track.langs or s.start_ms is None or s.end_ms is None:
                continue
            reason = _SENTENCE_REASON.get(s.status)
            if reason is None or reason == "unplaced":
                continue
            for k in _overlapping(cues, s.start_ms, s.end_ms):
                flags[k].append(Flag(reason, _sentence_why(s)))
        for st in inputs.stretches:
            if st.lang not in track.langs and (src is None or src not in track.langs):
                continue
            for k, cue in enumerate(cues):
                if st.first_turn <= cue.turn_index <= st.last_turn:
                    flags[k].append(Flag("out-of-step", st.why))
        lang = track.langs[-1] if track.langs else None
        for v in lint_track(track, lang, inputs.profile, inputs.fps).violations:
            if 1 <= v.cue <= len(cues):
                strength = "hard" if v.hard else "soft"
                flags[v.cue - 1].append(Flag("lint", f"{v.rule} ({strength}): {v.message}"))
        kept = tuple(tuple(_dedupe(f)) for f in flags)
        by_track[track.code] = kept
        counts[track.code] = Counter(f.reason for cue in kept for f in cue)
    loose: list[Loose] = []
    source_track = next(
        (t for t in inputs.tracks if inputs.source_lang in t.langs and len(t.langs) == 1), None
    )
    for s in inputs.sentences:
        if s.status == "unplaced" or s.start_ms is None:
            partner: dict[str, str] = {}
            if source_track is not None and inputs.source_lang is not None:
                lo = s.prev_end_ms if s.prev_end_ms is not None else 0
                hi = s.next_start_ms if s.next_start_ms is not None else lo + 1
                near = [c for c in source_track.cues if c.end_ms > lo and c.start_ms < hi][:2]
                text = " ".join(" ".join(c.lines.get(inputs.source_lang, ())) for c in near)
                if text:
                    partner[inputs.source_lang] = _clip(text)
            loose.append(_loose_sentence(s, partner))
    if inputs.source_lang is not None:
        loose.extend(_unspoken(inputs.words, inputs.source_lang))
    if inputs.tracks and inputs.speech:
        loose.extend(_uncovered(inputs.tracks[0], inputs.speech))
    loose.sort(key=lambda item: (item.start_ms, item.end_ms))
    return Flags(by_track, tuple(loose), counts)


def _dedupe(flags: list[Flag]) -> list[Flag]:
    """One flag per (reason, why), in reason order."""
    seen: set[tuple[str, str]] = set()
    out = []
    for f in sorted(flags, key=lambda f: list(REASONS).index(f.reason)):
        if (f.reason, f.why) not in seen:
            seen.add((f.reason, f.why))
            out.append(f)
    return out


def partner_text(tracks: Sequence[Track], track: Track, cue: Cue) -> dict[str, str]:
    """The other languages' text at ``cue``'s time, from the monolingual tracks of the others."""
    out: dict[str, str] = {}
    for other in tracks:
        if len(other.langs) != 1 or other.langs[0] in cue.lines:
            continue
        lang = other.langs[0]
        near = _overlapping(other.cues, cue.start_ms, cue.end_ms)
        text = " ".join(" ".join(other.cues[k].lines.get(lang, ())) for k in near)
        if text:
            out[lang] = _clip(text)
    return out
