"""The bitext stage: translated sentences aligned to English sentences and timed from them."""

from __future__ import annotations

from pipeline.model import TimedWord, Word
from pipeline.run.context import Context
from pipeline.run.results import BitextResult, ParseResult, TranscribeResult, VadResult
from pipeline.run.stages.text import source_language


def bitext(ctx: Context) -> BitextResult:
    """Align and time every translation the inputs hold (see :mod:`pipeline.translation.retime`).

    With the transcript, English sentences carry the aligned words' times; a translation timed
    alone is aligned to the sentences of the recognised English instead.
    """
    from pipeline.translation.embed import load_embedder
    from pipeline.translation.retime import run_bitext

    opts = ctx.config.bitext
    parsed = ctx.get(ParseResult)
    timed = None
    words: tuple[Word, ...] = ()
    recognised = ctx.find(TranscribeResult)
    if recognised is not None:
        words = recognised.recognition.words
    if not ctx.config.translation_only:
        timed = ctx.words().words
    elif words:  # translation only: the English sentence starts are ASR word starts
        words = _sharpened(ctx, words)
    data = run_bitext(
        parsed.document,
        list(parsed.translations),
        source_language(ctx),
        words,
        timed,
        lambda: load_embedder(opts.model, opts.threads),
        opts,
    )
    return BitextResult.from_json(data)


def _sharpened(ctx: Context, words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Recognised words with their starts moved onto the onsets, as the refine stage does."""
    from pipeline.timing.matching import snap_to_speech
    from pipeline.timing.onsets import sharpen_starts
    from pipeline.timing.records import AlignOptions

    timed: list[TimedWord] = [TimedWord(w.text, w.start_ms, w.end_ms, "aligned") for w in words]
    if ctx.has(VadResult):  # the align stage does this for aligned words
        timed = snap_to_speech(timed, list(ctx.speech()), AlignOptions().vad_onset_ms)
    moved = sharpen_starts(ctx.audio().samples, timed, ctx.config.refine)
    return tuple(
        Word(w.text, t.start_ms or w.start_ms, t.end_ms or w.end_ms, w.probability)
        for w, t in zip(words, moved, strict=True)
    )
