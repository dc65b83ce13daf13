"""The review page's audio: a small mono speech-rate proxy of the episode, made with pydub.

The page plays audio straight from disk beside it, so the proxy must be small (an 80-minute
episode is about 19 MB) and start exactly where the decoded episode starts: MP3 at 16 kHz
mono, 32 kbit/s, written by FFmpeg's LAME encoder with its Xing/LAME header, which tells
browsers how many priming samples to drop (checked in Chromium: a click planted at 1.000 s
decodes at 1.000 s). Where no ffmpeg binary is found, pydub writes an 8 kHz 16-bit WAV
instead (no encoder needed; larger, as exact).

The input is the pipeline's own decoded audio (16 kHz float32 mono), so the proxy's time
zero is the time zero of every cue.
"""

from __future__ import annotations

import io
import logging
import shutil
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

PROXY_BITRATE = "32k"  # bit/s; speech stays clear, an hour is 14 MB
FALLBACK_RATE = 8_000  # Hz; the WAV written without ffmpeg (telephone band, 16 kB/s)


@dataclass(frozen=True, slots=True)
class Proxy:
    """An encoded proxy: its bytes and the file extension (and MIME type) they need."""

    data: bytes
    extension: str  # "mp3" | "wav"
    mime: str


def encode_proxy(samples: np.ndarray, sample_rate: int, bitrate: str = PROXY_BITRATE) -> Proxy:
    """Encode mono float samples in [-1, 1] as the review page's proxy.

    Raises:
        ValueError: when ``samples`` is not one channel.
    """
    from pydub import AudioSegment

    if samples.ndim != 1:
        raise ValueError("the proxy is made from mono samples")
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    segment = AudioSegment(data=pcm, sample_width=2, frame_rate=sample_rate, channels=1)
    out = io.BytesIO()
    if shutil.which("ffmpeg") or shutil.which("avconv"):
        segment.export(out, format="mp3", bitrate=bitrate)
        return Proxy(out.getvalue(), "mp3", "audio/mpeg")
    log.warning("no ffmpeg found: the review page's audio is an 8 kHz WAV (install ffmpeg)")
    segment.set_frame_rate(FALLBACK_RATE).export(out, format="wav")
    return Proxy(out.getvalue(), "wav", "audio/wav")
