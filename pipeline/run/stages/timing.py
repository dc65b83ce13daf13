"""Stages that time the transcript: align (the forced engine, or transcribe-then-match), refine."""

from __future__ import annotations

from dataclasses import replace

from pipeline.errors import AlignmentError
from pipeline.run.context import Context
from pipeline.run.results import AlignResult, ParseResult, RefineResult, TranscribeResult, VadResult
from pipeline.timing.records import Alignment


def align(ctx: Context) -> AlignResult:
    """Every transcript word of the spoken language, timed against the audio."""
    from pipeline.timing.matching import align_words
    from pipeline.timing.records import document_words

    doc = ctx.get(ParseResult).document
    opts = ctx.config.align
    forced = opts.engine == "forced"
    rec = None
    if forced:
        lang = ctx.config.asr.language or _detect_language(ctx)
    else:
        from pipeline.run.stages.text import source_language

        rec = ctx.get(TranscribeResult).recognition
        lang = source_language(ctx)
    words = document_words(doc, lang)
    if not words:
        found = ", ".join(doc.languages()) or "none"
        raise AlignmentError(
            f"the transcript has no {lang} speech to align (languages found: {found})",
            path=ctx.config.inputs.transcript,
            hint="for a translation without the source text use `subweave retime AUDIO FILE`",
        )
    regions = list(ctx.speech())
    heard_nothing = rec is None or not rec.words  # the recogniser heard no word either
    if ctx.has(VadResult) and not regions and heard_nothing:
        raise AlignmentError(
            "no speech found in this audio (music, noise or silence only)",
            path=ctx.config.inputs.audio,
            coverage=0.0,
            hint="check that this is the episode's audio; if it is, normalise its level",
        )
    try:
        if rec is None:
            from pipeline.timing.forced import force_align
            from pipeline.timing.models import load_model

            model = load_model(ctx.config.asr)
            samples = ctx.audio().samples
            got = force_align(samples, words, regions, model, lang, opts, ctx.step("align"))
            timed = _timed(lang, got.alignment)
            return replace(
                timed,
                windows=got.windows,
                fallback_windows=got.fallback_windows,
                confidence=tuple(got.confidence),
            )
        timed = replace(
            _timed(lang, align_words(words, rec.words, opts, regions, rec.duration_ms)),
            engine="transcribe",
        )
    except AlignmentError as err:
        raise AlignmentError(
            err.message,
            episode=ctx.config.episode,
            coverage=err.coverage,
            path=ctx.config.inputs.transcript,
            hint=err.hint,
        ) from err
    return timed


def _timed(lang: str, got: Alignment) -> AlignResult:
    words = tuple(got.words)
    return AlignResult(lang, got.coverage, got.aligned, got.interpolated, got.unspoken, words)


def _detect_language(ctx: Context) -> str:
    """The spoken language, detected by Whisper on the first 30 s of speech."""
    from pipeline.timing.models import load_model

    model = load_model(ctx.config.asr)
    if not model.model.is_multilingual:
        return "en"
    samples = ctx.audio().samples
    regions = ctx.speech()
    start = regions[0][0] * 16 if regions else 0
    lang, _, _ = model.detect_language(audio=samples[start : start + 30 * 16_000])
    return str(lang)


def refine(ctx: Context) -> RefineResult:
    """Move each aligned word's start onto the energy dip at its onset (no model; fast).

    Whisper's word starts run early (about 40-50 ms, and more after a pause); the boundary
    between two words is usually the quietest point near Whisper's start. Measured in
    bench/RESULTS.md (`+onset`): word-start median 41-52 ms -> 22-28 ms on the synthetic cases.
    """
    from pipeline.timing.onsets import sharpen_starts

    aligned = ctx.get(AlignResult)
    sharpened = tuple(sharpen_starts(ctx.audio().samples, aligned.words, ctx.config.refine))
    moved = sum(a.start_ms != b.start_ms for a, b in zip(aligned.words, sharpened, strict=True))
    return RefineResult(replace(aligned, words=sharpened), moved)
