"""Which audio the forced engine's windows hear: speech regions, checked and widened.

Packing leaves out what lies between speech regions, so a region the VAD missed is never
heard. Two safeguards, both measured on real recordings (bench/realspeech.py):

* :func:`heard_regions` keeps every gap that is not quiet (Silero missed 12 s of a sick
  voice recorded after a louder one);
* :func:`widen` widens regions on both sides (soft phrase edges, a trailing "uh").
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from pipeline.audio.decode import SAMPLES_PER_MS

__all__ = ["frame_db", "heard_regions", "widen"]

GAP_FRAME_MS = 30  # energy frame for checking a gap between speech regions
GAP_MIN_MS = 1_000  # gaps shorter than this are widened over anyway
GAP_ABOVE_FLOOR_DB = 8.0  # a sound frame is this far above the gap's own floor ...
GAP_BELOW_SPEECH_DB = 20.0  # ... and no further than this below the episode's speech
GAP_SOUND_SHARE = 0.25  # a gap with more sound frames than this is kept as speech


def frame_db(samples: np.ndarray, a_ms: int, b_ms: int, frame_ms: int) -> np.ndarray:
    """Energy (dB) of consecutive ``frame_ms`` frames of ``samples[a_ms:b_ms]``."""
    frame = frame_ms * SAMPLES_PER_MS
    chunk = np.asarray(samples[a_ms * SAMPLES_PER_MS : b_ms * SAMPLES_PER_MS], dtype=np.float64)
    count = len(chunk) // frame
    power = np.mean(chunk[: count * frame].reshape(count, frame) ** 2, axis=1)
    return np.asarray(10 * np.log10(power + 1e-12))


def heard_regions(
    regions: Sequence[tuple[int, int]], samples: np.ndarray, duration: int
) -> list[tuple[int, int]]:
    """Speech regions, with every gap that is not quiet kept as speech too.

    Silero misses whole stretches of real speech now and then (a quieter second speaker, a
    sick voice recorded elsewhere, soft speech after loud speech), and a window never hears
    what packing leaves out. A gap is left out only when it is quiet: a frame counts as sound
    when it rises well above the gap's own floor (its 10th percentile) and comes within
    20 dB of the episode's speech level (the median inside the regions); a gap with sound
    in more than a quarter of its frames may hold speech, and stays in.
    """
    if not regions:
        return []
    inside = np.concatenate([frame_db(samples, a, b, GAP_FRAME_MS) for a, b in regions])
    speech_db = float(np.median(inside)) if len(inside) else 0.0
    out: list[tuple[int, int]] = []
    bounds = [(0, 0), *sorted(regions), (duration, duration)]
    for (_, prev_end), (a, b) in pairwise(bounds):
        if a - prev_end >= GAP_MIN_MS:
            db = frame_db(samples, prev_end, a, GAP_FRAME_MS)
            if len(db) >= 4:
                level = max(
                    float(np.percentile(db, 10)) + GAP_ABOVE_FLOOR_DB,
                    speech_db - GAP_BELOW_SPEECH_DB,
                )
                if float(np.mean(db > level)) > GAP_SOUND_SHARE:
                    out.append((prev_end, a))
        if b > a:
            out.append((a, b))
    out.sort()
    merged: list[tuple[int, int]] = []
    for a, b in out:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def widen(regions: Sequence[tuple[int, int]], pad_ms: int, duration: int) -> list[tuple[int, int]]:
    """Regions widened by ``pad_ms`` on both sides and merged where they meet.

    The VAD misses soft speech at the edges of phrases (a sick or quiet voice, a trailing
    "uh"); a window must still hear it, so only pauses longer than twice the pad are dropped.
    """
    out: list[tuple[int, int]] = []
    for a, b in sorted(regions):
        a, b = max(0, a - pad_ms), min(duration, b + pad_ms)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif b > a:
            out.append((a, b))
    return out
