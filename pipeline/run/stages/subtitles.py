"""The segment stage: cues for every track (source, translations, stacked bilingual)."""

from __future__ import annotations

from dataclasses import replace

from pipeline.errors import ConfigError
from pipeline.model import Cue, Document, Track
from pipeline.run.context import Context
from pipeline.run.results import (
    BitextResult,
    IngestResult,
    LanguageTiming,
    ParseResult,
    SegmentResult,
    ShotsResult,
)
from pipeline.run.reviewed import CorrectionsUsed
from pipeline.subtitles.segment import SegmentOptions, TimedText


def segment(ctx: Context) -> SegmentResult:
    """Monolingual tracks per language and stacked bilingual ones, by the profile's rules."""
    from pipeline.subtitles.segment import build_cues
    from pipeline.subtitles.stacking import monolingual, spread_translation, stack_translation

    opts = _options(ctx)
    found = ctx.find(BitextResult)
    bitext = sorted(found.languages.items(), key=lambda kv: kv[0]) if found is not None else []
    if ctx.config.translation_only:  # its own track per language
        only = [_translation_track(tgt, data, opts) for tgt, data in bitext]
        return _corrected(ctx, tuple(only))
    aligned = ctx.words()
    src = aligned.language
    words = aligned.words
    parsed = ctx.get(ParseResult)
    cues: tuple[Cue, ...] = build_cues(words, src, opts)
    tracks = [Track((src,), cues)]
    for tgt, data in bitext:
        spans = _spans(data)
        tracks.append(_translation_track(tgt, data, opts))
        # Stacked cues start where each translated sentence starts, so both languages change
        # together at sentence boundaries.
        stacked = build_cues(words, src, opts, breaks=[s.start_ms for s in spans])
        tracks.append(Track((src, tgt), stack_translation(stacked, spans, src, tgt, opts)))
    pairs = {} if bitext else _translations(parsed.document, parsed.translations, src)
    for tgt, texts in sorted(pairs.items()):
        both = Track((src, tgt), tuple(spread_translation(cues, texts, src, tgt, opts)))
        tracks.append(monolingual(both, tgt, opts))
        tracks.append(both)
    return _corrected(ctx, tuple(tracks))


def _corrected(ctx: Context, tracks: tuple[Track, ...]) -> SegmentResult:
    """The tracks with the corrections file's fixes applied as fixed points (when there is one).

    Corrections are made on the review page for this audio; a file made for other audio (its
    hash differs) changes nothing and is reported stale. Before they are applied, the tracks'
    times are moved to the video's shot changes (when the input has a picture).
    """
    if ctx.config.output.speakers == "dash":  # two speakers in quick succession: one cue
        from pipeline.subtitles.dialogue import dialogue_cues

        opts = _options(ctx)
        tracks = tuple(dialogue_cues(t, opts.limits(t.langs[0]), opts.profile) for t in tracks)
    tracks = _snapped(ctx, tracks)
    path = ctx.config.corrections_file
    if path is None:
        return SegmentResult(tracks)
    from pipeline.review.corrections import apply_corrections, read_corrections

    found = read_corrections(path)
    sha = ctx.get(IngestResult).sha256
    opts = _options(ctx)
    done = apply_corrections(
        tracks,
        found.corrections,
        lambda lang: opts.limits(lang).min_gap_ms,
        other_audio=found.audio_sha256 not in (None, sha),
    )
    used = CorrectionsUsed(str(path), found.corrections, done.applied, done.stale, done.checked)
    return SegmentResult(done.tracks, used)


def _options(ctx: Context) -> SegmentOptions:
    """The segment options, their frames the video's when the input has a picture (``--fps``
    and ``segment.fps`` count frames for audio-only input)."""
    found = ctx.find(ShotsResult)
    if found is None or found.shots is None:
        return ctx.config.segment
    return replace(ctx.config.segment, fps=found.shots.fps)


def _snapped(ctx: Context, tracks: tuple[Track, ...]) -> tuple[Track, ...]:
    """The tracks with their in- and out-times moved to the shot changes by the profile's
    rules (:mod:`pipeline.subtitles.shots`); as they are when the input has no picture."""
    found = ctx.find(ShotsResult)
    if found is None or found.shots is None or not found.shots.changes:
        return tracks
    from pipeline.subtitles.shots import snap_tracks

    return snap_tracks(tracks, found.shots, _options(ctx))


def _translation_track(tgt: str, data: LanguageTiming, opts: SegmentOptions) -> Track:
    """A translation's own track: a subtitle file's cues kept as they are (lines, breaks) and
    retimed, or cues made from the timed sentences."""
    from pipeline.lang import is_cjk
    from pipeline.subtitles.segment import file_cues, text_cues

    kept = [c for c in data.cues if c.start_ms is not None and c.end_ms is not None]
    if not kept:
        return Track((tgt,), text_cues(_spans(data), tgt, opts))
    glue = "" if is_cjk(tgt) else " "
    spans = [TimedText(glue.join(c.lines), c.start_ms or 0, c.end_ms or 0, None, -1) for c in kept]
    return Track((tgt,), file_cues(spans, [c.lines for c in kept], tgt, opts))


def _spans(data: LanguageTiming) -> list[TimedText]:
    """Timed translated sentences of one language (unplaced ones left out)."""
    return [
        TimedText(s.text, s.start_ms, s.end_ms, s.speaker, s.turn_index)
        for s in data.sentences
        if s.start_ms is not None and s.end_ms is not None
    ]


def _translations(
    doc: Document, extra: tuple[Document, ...], src: str
) -> dict[str, dict[int, str]]:
    """Translation text per target language, keyed by the source turn it translates."""
    out: dict[str, dict[int, str]] = {}
    for s, t in doc.pairs:
        turn = doc.turns[t]
        if doc.turns[s].lang == src and turn.role == "speech":
            out.setdefault(turn.lang, {})[s] = turn.text
    source_turns = doc.speech_indices(src)
    for tdoc in extra:
        for lang in tdoc.languages():
            if lang == src:
                continue
            target = tdoc.speech_indices(lang)
            if len(target) != len(source_turns):
                raise ConfigError(
                    f"the {lang} translation has {len(target)} speech turns and the transcript "
                    f"{len(source_turns)}: they are paired turn by turn",
                    hint="give a translation with one turn per transcript turn, "
                    "or time it alone with `subweave retime`",
                )
            out.setdefault(lang, {}).update(
                {s: tdoc.turns[t].text for s, t in zip(source_turns, target, strict=True)}
            )
    return out
