"""Word starts moved onto the acoustic onset near the aligner's start (the refine stage).

Whisper's word starts (cross-attention, 20 ms steps) spread widely around the true onset; the
boundary between two words is usually the quietest point near there. The constants were
checked on real recordings and synthetic speech together (bench/onset_grid.py): on the MFA
corpus clips and the sample, the grid's best joint setting is the one below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.audio.decode import SAMPLE_RATE
from pipeline.model import TimedWord

__all__ = ["OnsetOptions", "sharpen_starts"]


@dataclass(frozen=True, slots=True)
class OnsetOptions:
    """Options of :func:`sharpen_starts`.

    Attributes:
        before_ms: how far before Whisper's start to look for the word's onset.
        after_ms: how far after it to look.
        frame_ms: analysis frame (Hann window) for the energy.
        hop_ms: frame step.
        offset_ms: the onset is this far after the centre of the quietest frame.
        min_word_ms: a start never moves to within this of the word's end, nor of the
            previous word's start.
    """

    before_ms: int = 28
    after_ms: int = 112
    frame_ms: int = 25
    hop_ms: int = 5
    offset_ms: int = 0
    min_word_ms: int = 30


def _dip(samples: np.ndarray, lo_ms: int, hi_ms: int, opts: OnsetOptions) -> int | None:
    """Centre (ms) of the quietest frame in ``[lo_ms, hi_ms)`` (the last, if several are
    about as quiet), or None near the audio's edges."""
    frame = opts.frame_ms * SAMPLE_RATE // 1000
    hop = opts.hop_ms * SAMPLE_RATE // 1000
    a = lo_ms * SAMPLE_RATE // 1000 - frame // 2
    b = hi_ms * SAMPLE_RATE // 1000 + frame // 2
    if a < 0 or b > len(samples) or b - a < frame + hop:
        return None
    chunk = np.asarray(samples[a:b], dtype=np.float64)
    count = (len(chunk) - frame) // hop + 1
    index = np.arange(frame)[None, :] + hop * np.arange(count)[:, None]
    energy = np.mean((chunk[index] * np.hanning(frame)) ** 2, axis=1)
    # The last of the quietest frames: in a pause (a flat floor) that is the frame just
    # before the onset, not the first frame of the pause.
    quiet = np.flatnonzero(energy <= 2.0 * float(energy.min()) + 1e-12)
    k = int(quiet[-1])
    return lo_ms + k * opts.hop_ms


def sharpen_starts(
    samples: np.ndarray, words: Sequence[TimedWord], opts: OnsetOptions = OnsetOptions()
) -> tuple[TimedWord, ...]:
    """Move each timed word's start to the energy dip just around Whisper's start.

    Whisper's word starts (from cross-attention, 20 ms steps) land about 40-60 ms early with
    a wide spread; the boundary between two words is usually the quietest point near there.
    Each start is searched in ``[start - before_ms, start + after_ms]``, kept after the
    previous word's start and before the word's end; the previous word's end is pulled in
    when the start moves before it. Cost: a few thousand samples per word.
    """
    out = list(words)
    prev_start = -(10**9)
    prev_index = -1
    for k, w in enumerate(out):
        if w.start_ms is None or w.end_ms is None:
            continue
        lo = max(w.start_ms - opts.before_ms, prev_start + opts.min_word_ms)
        hi = min(w.start_ms + opts.after_ms, w.end_ms - opts.min_word_ms)
        start = w.start_ms
        if hi > lo:
            dip = _dip(samples, lo, hi, opts)
            if dip is not None:
                start = min(dip + opts.offset_ms, w.end_ms - opts.min_word_ms)
                start = max(start, lo)
        if start != w.start_ms:
            out[k] = TimedWord(w.text, start, w.end_ms, w.status, w.speaker, w.turn_index)
            if prev_index >= 0:
                p = out[prev_index]
                if p.end_ms is not None and p.start_ms is not None and p.end_ms > start:
                    out[prev_index] = TimedWord(
                        p.text,
                        p.start_ms,
                        max(start, p.start_ms + 1),
                        p.status,
                        p.speaker,
                        p.turn_index,
                    )
        prev_start = start
        prev_index = k
    return tuple(out)
