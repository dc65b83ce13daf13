"""Stages that read the episode audio: ingest (decode, hash), vad (speech regions), transcribe."""

from __future__ import annotations

from pipeline.run.context import Context
from pipeline.run.results import IngestResult, TranscribeResult, VadResult


def ingest(ctx: Context) -> IngestResult:
    """Decode the audio once and record its hash and length."""
    audio = ctx.audio()
    return IngestResult(str(audio.path), audio.sha256, audio.duration_ms, audio.sample_rate)


def vad(ctx: Context) -> VadResult:
    """Speech regions (Silero VAD): found once, read by every later stage that needs them."""
    from pipeline.audio.speech import speech_regions

    regions = speech_regions(ctx.audio(), ctx.config.vad)
    return VadResult(tuple((a, b) for a, b in regions))


def transcribe(ctx: Context) -> TranscribeResult:
    """What Whisper hears, word by word (only a translation timed without its source needs it)."""
    from pipeline.timing.transcribe import transcribe as recognise

    regions = list(ctx.speech()) if ctx.has(VadResult) else None  # VAD once: the vad stage's
    return TranscribeResult(
        recognise(ctx.audio(), ctx.config.asr, ctx.step("transcribe"), regions=regions)
    )
