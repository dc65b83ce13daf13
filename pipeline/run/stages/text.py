"""The parse stage: the transcript and its separate translations, read into Documents."""

from __future__ import annotations

from pipeline.run.context import Context, require
from pipeline.run.results import AlignResult, ParseResult, TranscribeResult


def parse(ctx: Context) -> ParseResult:
    """Read the transcript (format auto-detected unless the config names it) and translations."""
    from pipeline.transcript import read_transcript

    inputs = ctx.config.inputs
    doc = read_transcript(require(inputs.transcript, "inputs.transcript"), inputs.format)
    return ParseResult(doc, tuple(read_transcript(p) for p in inputs.translations))


def source_language(ctx: Context) -> str:
    """Language of the speech: the ASR option when set, else what was detected."""
    lang = ctx.config.asr.language
    if lang:
        return str(lang)
    recognised = ctx.find(TranscribeResult)
    if recognised is not None:
        return recognised.recognition.language
    return ctx.get(AlignResult).language
