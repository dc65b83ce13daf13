"""Word starts moved past the pause (and the unwritten filler) that forcing gave them.

Forced alignment gives every stretch of audio to some word: a pause, a breath or a filler the
transcript leaves out ("um", a false start) is absorbed into the next word, whose start then
runs early by the length of the pause, often by half a second or more. A word whose forced
span is much longer than its text needs, and that holds a quiet stretch, starts after the last
quiet stretch that still leaves it room for its text.

Quiet is measured against the local floor (the 10th percentile of frame energy around the
word), so a noisy recording's background counts as quiet and its speech does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline.audio.decode import SAMPLES_PER_MS
from pipeline.model import TimedWord
from pipeline.timing.regions import frame_db

__all__ = ["PauseOptions", "trim_leading_pauses"]


@dataclass(frozen=True, slots=True)
class PauseOptions:
    """Options of :func:`trim_leading_pauses`.

    Attributes:
        ms_per_char: typical speaking time per letter (ms); a word's room is
            ``base_ms + ms_per_char * letters``.
        base_ms: see ``ms_per_char``.
        long_factor: a word is checked when its span exceeds this many times its room.
        frame_ms: energy frame (and step).
        quiet_db: a frame less than this far above the local floor is quiet.
        min_quiet_ms: the shortest quiet stretch that counts as a pause.
        context_ms: audio on each side of the word used to find the local floor.
    """

    ms_per_char: int = 70
    base_ms: int = 80
    long_factor: float = 1.6
    frame_ms: int = 10
    quiet_db: float = 6.0
    min_quiet_ms: int = 60
    context_ms: int = 2_000


def _room(word: TimedWord, opts: PauseOptions) -> int:
    letters = sum(1 for c in word.text if c.isalnum())
    return opts.base_ms + opts.ms_per_char * max(1, letters)


def trim_leading_pauses(
    samples: np.ndarray, words: Sequence[TimedWord], opts: PauseOptions = PauseOptions()
) -> tuple[TimedWord, ...]:
    """Start over-long words after the last pause inside them that leaves them their room.

    Only timed words move, and only later (never past ``end - room``), so order is kept.
    """
    total_ms = len(samples) // SAMPLES_PER_MS
    out = list(words)
    for k, w in enumerate(out):
        if w.start_ms is None or w.end_ms is None:
            continue
        room = _room(w, opts)
        if w.end_ms - w.start_ms <= opts.long_factor * room:
            continue
        lo = max(0, w.start_ms - opts.context_ms)
        hi = min(total_ms, w.end_ms + opts.context_ms)
        around = frame_db(samples, lo, hi, opts.frame_ms)
        if len(around) < 10:
            continue
        floor = float(np.percentile(around, 10))
        latest = w.end_ms - room  # the start may move up to here
        first = (w.start_ms - lo) // opts.frame_ms
        last = (latest - lo) // opts.frame_ms
        quiet = around[first : last + 1] < floor + opts.quiet_db
        need = max(1, opts.min_quiet_ms // opts.frame_ms)
        best: int | None = None
        run = 0
        for i, q in enumerate(quiet):
            run = run + 1 if q else 0
            if run >= need and (i + 1 == len(quiet) or not quiet[i + 1]):
                best = i + 1  # the frame after this quiet run
        if best is None:
            continue
        start = min(lo + (first + best) * opts.frame_ms, latest)
        if start > w.start_ms:
            out[k] = replace(w, start_ms=start)
    return tuple(out)
