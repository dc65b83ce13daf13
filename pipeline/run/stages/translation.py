"""The bitext stage: translated sentences aligned to English sentences and timed from them."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from pipeline.model import Word
from pipeline.run.artifacts import JsonObject
from pipeline.run.context import Context
from pipeline.run.results import (
    BitextResult,
    Doubtful,
    LanguageTiming,
    ParseResult,
    RetimedCue,
    TranscribeResult,
    TranslatedSentence,
)
from pipeline.run.stages.text import source_language

if TYPE_CHECKING:
    from pipeline.translation.bitext import BitextOutput, LanguageBitext
    from pipeline.translation.pairs import PairCheck, Stretch


def bitext(ctx: Context) -> BitextResult:
    """Align and time every translation the inputs hold (see :mod:`pipeline.translation.bitext`).

    With the transcript, English sentences carry the aligned words' times; a translation timed
    alone is aligned to the sentences of the recognised English instead.
    """
    from pipeline.translation.bitext import run_bitext
    from pipeline.translation.embed import load_embedder

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
        from pipeline.translation.sources import sharpen_recognised

        words = sharpen_recognised(ctx.audio().samples, words, ctx.speech(), ctx.config.refine)
    out = run_bitext(
        parsed.document,
        list(parsed.translations),
        source_language(ctx),
        words,
        timed,
        lambda: load_embedder(opts.model, opts.threads),
        opts,
        ctx.step("bitext"),
    )
    return to_result(out)


def to_result(out: BitextOutput) -> BitextResult:
    """The stage's typed result from the translation layer's records (same artifact shape)."""
    return BitextResult(
        out.source_language,
        {lang: _timing(t) for lang, t in out.languages.items()},
    )


def _timing(t: LanguageBitext) -> LanguageTiming:
    sentences = tuple(
        TranslatedSentence(
            p.index,
            p.text,
            p.start_ms,
            p.end_ms,
            p.status,
            p.margin,
            p.src,
            p.speaker,
            p.turn_index,
        )
        for p in t.sentences
    )
    doubtful = tuple(
        Doubtful(d.index, d.text, d.status, d.start_ms, d.end_ms, d.prev_end_ms, d.next_start_ms)
        for d in t.listed
    )
    cues = tuple(RetimedCue(c.turn_index, c.lines, c.start_ms, c.end_ms, c.status) for c in t.cues)
    return LanguageTiming(
        t.mode,
        t.ratio,
        t.source_sentences,
        sentences,
        tuple((b.src, b.tgt, b.margin) for b in t.beads),
        tuple(_fields(s) for s in t.stretches),
        tuple(_fields(c) for c in t.failed_pairs),
        t.placed,
        len(t.sentences),
        doubtful,
        cues,
    )


def _fields(obj: Stretch | PairCheck) -> JsonObject:
    """A record's fields by name, in their order (ints, floats, bools and int pairs)."""
    out: JsonObject = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out
