"""Encoder windows planned on speech regions, packed densely and cut at pauses.

The Whisper encoder costs about the same per second of input whatever that input holds, so
silence is never encoded: a window is a run of whole speech regions (VAD) laid end to end with
a short pause between them, and it closes at a pause before it would outgrow the window size.
Only a region longer than a window is cut inside speech, at its quietest point.

Times inside a window ("packed" time) map back to the episode with :meth:`Window.to_source`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.audio.decode import SAMPLES_PER_MS

REMNANT_MS = 3_000  # a remnant shorter than this rides along with the next piece

__all__ = [
    "Window",
    "WindowOptions",
    "cut_long_regions",
    "quietest_cut",
    "window_from",
    "window_samples",
]


@dataclass(frozen=True, slots=True)
class WindowOptions:
    """How windows are planned.

    Attributes:
        window_ms: longest packed window (speech plus the pauses kept between regions). The
            encoder runs unpadded, so shorter windows cost less per second; 20 s keeps the
            decoder's 448-token limit far away even for fast speech.
        gap_ms: pause kept between two packed regions (the real pause is longer): Whisper
            needs to hear that one phrase ended before the next begins.
        min_cut_ms: a region longer than a window is cut no earlier than this into it.
    """

    window_ms: int = 20_000
    gap_ms: int = 200
    min_cut_ms: int = 8_000

    def __post_init__(self) -> None:
        if not 2_000 <= self.window_ms <= 26_000:
            raise ValueError(
                f"window_ms must be 2000-30000 (Whisper hears 30 s), not {self.window_ms}"
            )
        if not 0 <= self.gap_ms <= 2_000:
            raise ValueError(f"gap_ms must be 0-2000, not {self.gap_ms}")
        if not 0 < self.min_cut_ms < self.window_ms:
            raise ValueError("min_cut_ms must be positive and below window_ms")


@dataclass(frozen=True, slots=True)
class Window:
    """Speech regions ``pieces`` (episode ms) laid end to end with ``gap_ms`` between them."""

    pieces: tuple[tuple[int, int], ...]
    gap_ms: int

    def __post_init__(self) -> None:
        if not self.pieces:
            raise ValueError("a window needs at least one piece")
        if any(b <= a for a, b in self.pieces):
            raise ValueError("window pieces must have positive length")

    @property
    def offsets(self) -> tuple[int, ...]:
        """Packed start (ms) of each piece."""
        out: list[int] = []
        cursor = 0
        for a, b in self.pieces:
            out.append(cursor)
            cursor += b - a + self.gap_ms
        return tuple(out)

    @property
    def length_ms(self) -> int:
        """Packed length: every piece and the pauses between them."""
        return sum(b - a for a, b in self.pieces) + self.gap_ms * (len(self.pieces) - 1)

    @property
    def speech_ms(self) -> int:
        """Episode speech the window holds."""
        return sum(b - a for a, b in self.pieces)

    @property
    def start_ms(self) -> int:
        return self.pieces[0][0]

    @property
    def end_ms(self) -> int:
        return self.pieces[-1][1]

    def to_source(self, packed_ms: int, *, is_end: bool = False) -> int:
        """Episode time of a packed time.

        A time inside a kept pause maps to the start of the next piece (a word start) or,
        with ``is_end``, to the end of the previous piece (a word end).

        >>> w = Window(((1000, 2000), (5000, 5500)), gap_ms=200)
        >>> w.to_source(500), w.to_source(1100), w.to_source(1100, is_end=True), w.to_source(1300)
        (1500, 5000, 2000, 5100)
        """
        offsets = self.offsets
        k = bisect.bisect_right(offsets, packed_ms) - 1
        if k < 0:
            return self.pieces[0][0]
        a, b = self.pieces[k]
        local = packed_ms - offsets[k]
        if local <= b - a:
            return a + local
        if is_end or k + 1 >= len(self.pieces):
            return b
        return self.pieces[k + 1][0]


def window_samples(samples: np.ndarray, window: Window) -> np.ndarray:
    """The packed audio of ``window``: its pieces with ``gap_ms`` of silence between them."""
    gap = np.zeros(window.gap_ms * SAMPLES_PER_MS, dtype=np.float32)
    parts: list[np.ndarray] = []
    for k, (a, b) in enumerate(window.pieces):
        if k:
            parts.append(gap)
        parts.append(np.asarray(samples[a * SAMPLES_PER_MS : b * SAMPLES_PER_MS], dtype=np.float32))
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def quietest_cut(samples: np.ndarray, lo_ms: int, hi_ms: int, frame_ms: int = 30) -> int:
    """Centre (ms) of the quietest ``frame_ms`` frame in ``[lo_ms, hi_ms)``."""
    a, b = lo_ms * SAMPLES_PER_MS, hi_ms * SAMPLES_PER_MS
    chunk = np.asarray(samples[a:b], dtype=np.float64)
    frame = frame_ms * SAMPLES_PER_MS
    count = len(chunk) // frame
    if count < 2:
        return (lo_ms + hi_ms) // 2
    energy = np.mean(chunk[: count * frame].reshape(count, frame) ** 2, axis=1)
    return lo_ms + int(np.argmin(energy)) * frame_ms + frame_ms // 2


def cut_long_regions(
    regions: Sequence[tuple[int, int]], samples: np.ndarray | None, opts: WindowOptions
) -> list[tuple[int, int]]:
    """Regions no longer than a window: a longer one is cut at its quietest point.

    Each cut lies between ``min_cut_ms`` and ``window_ms`` into what is left of the region
    (the middle of that range when there are no samples to measure).
    """
    out: list[tuple[int, int]] = []
    for a, b in sorted(regions):
        while b - a > opts.window_ms:
            lo, hi = a + opts.min_cut_ms, a + opts.window_ms
            cut = quietest_cut(samples, lo, hi) if samples is not None else (lo + hi) // 2
            out.append((a, cut))
            a = cut
        if b > a:
            out.append((a, b))
    return out


def window_from(
    pieces: Sequence[tuple[int, int]], cursor_ms: int, opts: WindowOptions
) -> Window | None:
    """The next window: the pieces (regions cut to window size) after ``cursor_ms``, packed.

    A piece the cursor falls inside starts at the cursor; such a remnant, when short, does
    not count towards the window's length (it stays under 30 s: pieces are at most
    ``window_ms``). None when no speech is left.

    >>> window_from([(0, 4000), (6000, 9000), (9500, 20000)], 2500, WindowOptions(10000)).pieces
    ((2500, 4000), (6000, 9000))
    """
    k = bisect.bisect_right([b for _, b in pieces], cursor_ms)
    chosen: list[tuple[int, int]] = []
    length = 0
    for a, b in pieces[k:]:
        remnant = a < cursor_ms  # the rest of a piece the last window stopped inside
        a = max(a, cursor_ms)
        if b <= a:
            continue
        extra = (b - a) + (opts.gap_ms if chosen else 0)
        if chosen and length > 0 and length + extra > opts.window_ms:
            break
        chosen.append((a, b))
        # A short remnant does not count: alone it would make a window of a word or two.
        length += 0 if remnant and b - a < REMNANT_MS else extra
    return Window(tuple(chosen), opts.gap_ms) if chosen else None
