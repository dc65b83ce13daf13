"""Speech regions of decoded audio: where someone speaks, found once with Silero VAD.

The VAD is faster-whisper's bundled Silero model (an ONNX file shipped in the wheel), imported
lazily in :func:`speech_regions`, so that importing this module stays light. Its regions are
the pipeline's verdict on speech: the forced engine plans its windows on them, and the matcher
interpolates inside them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.audio.decode import SAMPLE_RATE, Audio

__all__ = ["VadOptions", "speech_regions"]


@dataclass(frozen=True)
class VadOptions:
    """Silero VAD settings for :func:`speech_regions`.

    The defaults give utterance-sized regions (split at pauses of 0.3 s), which is what
    alignment wants: unmatched words are interpolated inside a region, never across a gap.
    faster-whisper's own defaults (2 s silence, 400 ms pad) are tuned for cutting audio into
    ASR chunks instead.

    Attributes:
        threshold: speech probability (0-1) above which a 32 ms window counts as speech.
        min_silence_ms: a pause must last this long (ms) to end a region.
        speech_pad_ms: each region is widened by this much (ms) on both sides, so that soft
            onsets and word endings stay inside.
        min_speech_ms: regions shorter than this (ms) are dropped as clicks and breaths.
    """

    threshold: float = 0.5
    min_silence_ms: int = 300
    speech_pad_ms: int = 100
    min_speech_ms: int = 150

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"VAD threshold must be between 0 and 1, not {self.threshold}")
        if min(self.min_silence_ms, self.speech_pad_ms, self.min_speech_ms) < 0:
            raise ValueError("VAD durations must not be negative")


def speech_regions(audio: Audio | np.ndarray, opts: VadOptions) -> tuple[tuple[int, int], ...]:
    """Speech regions of 16 kHz mono audio, as (start_ms, end_ms) pairs in time order.

    Args:
        audio: decoded :class:`Audio`, or a 16 kHz mono float32 array.
        opts: VAD settings.

    Returns:
        Non-overlapping regions inside the audio, ordered by start time.

    Raises:
        ValueError: when the array is not one-dimensional or the audio not 16 kHz.
    """
    from faster_whisper.vad import VadOptions as SileroOptions
    from faster_whisper.vad import get_speech_timestamps

    if isinstance(audio, Audio):
        if audio.sample_rate != SAMPLE_RATE:
            raise ValueError(f"VAD needs {SAMPLE_RATE} Hz audio, not {audio.sample_rate} Hz")
        samples = audio.samples
    else:
        samples = np.asarray(audio, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"VAD needs mono samples, got shape {samples.shape}")
    if len(samples) == 0:
        return ()
    silero = SileroOptions(
        threshold=opts.threshold,
        min_silence_duration_ms=opts.min_silence_ms,
        speech_pad_ms=opts.speech_pad_ms,
        min_speech_duration_ms=opts.min_speech_ms,
    )
    total_ms = len(samples) * 1000 // SAMPLE_RATE
    regions: list[tuple[int, int]] = []
    for chunk in get_speech_timestamps(samples, silero, sampling_rate=SAMPLE_RATE):
        start = min(int(chunk["start"]) * 1000 // SAMPLE_RATE, total_ms)
        end = min(int(chunk["end"]) * 1000 // SAMPLE_RATE, total_ms)
        if regions and start < regions[-1][1]:  # padding may make neighbours touch
            start = regions[-1][1]
        if end > start:
            regions.append((start, end))
    return tuple(regions)
