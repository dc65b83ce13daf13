"""Waveform peaks for the review page, computed once from the decoded audio.

One byte per bin: the loudest sample of each :data:`BIN_MS` of audio on a decibel scale
(:data:`FLOOR_DB` dBFS and below -> 0, 0 dBFS -> 255), so quiet speech still shows and an
80-minute episode is 480 kB (640 kB as base64 in the page). The page draws them as a mirrored
envelope; zoomed out it takes the maximum of neighbouring bins.

>>> import numpy as np
>>> list(peaks(np.array([0.0] * 160 + [1.0] * 160, dtype=np.float32), 16_000))
[0, 255]
"""

from __future__ import annotations

import base64

import numpy as np

BIN_MS = 10  # ms of audio per peak
FLOOR_DB = -60.0  # dBFS drawn as silence
CHUNK_BINS = 60_000  # bins reduced at a time (10 minutes: bounds the temporary memory)


def peaks(samples: np.ndarray, sample_rate: int, bin_ms: int = BIN_MS) -> bytes:
    """Peak level per ``bin_ms`` of mono ``samples``, one byte each (see the module doc)."""
    per_bin = max(1, sample_rate * bin_ms // 1000)
    count = -(-len(samples) // per_bin)
    out = np.zeros(count, dtype=np.uint8)
    for first in range(0, count, CHUNK_BINS):
        last = min(count, first + CHUNK_BINS)
        chunk = np.abs(samples[first * per_bin : last * per_bin]).astype(np.float32)
        pad = (last - first) * per_bin - len(chunk)
        if pad:
            chunk = np.concatenate([chunk, np.zeros(pad, dtype=np.float32)])
        level = chunk.reshape(last - first, per_bin).max(axis=1)
        db = 20.0 * np.log10(np.maximum(level, 1e-9))
        scaled = np.clip((db - FLOOR_DB) / -FLOOR_DB, 0.0, 1.0) * 255.0
        out[first:last] = np.rint(scaled).astype(np.uint8)
    return out.tobytes()


def encode(data: bytes) -> str:
    """Peaks as base64 text, for the page."""
    return base64.b64encode(data).decode("ascii")
