"""The ``bitext`` stage's logic: every translation the inputs hold, aligned and timed.

For each translation language: sentences of both sides, the sentence bead DP (turn pair by
turn pair for paired input, :mod:`pipeline.translation.pairs`; over the whole episode
otherwise), the clause programme (:mod:`pipeline.translation.clauses`) that puts each
translated sentence on the English words it translates, and the timing
(:mod:`pipeline.translation.retime`). A subtitle file given as the translation is aligned
sentence by sentence across its cues and its own cues are retimed
(:mod:`pipeline.translation.cuefile`). The result lists every sentence not placed with
confidence, with its neighbours' times, for the QC report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.model import Document, TimedWord, Word
from pipeline.translation.beads import (
    Bead,
    BitextOptions,
    Side,
    align_sides,
    make_side,
    set_baselines,
)
from pipeline.translation.clauses import align_clauses, clause_side
from pipeline.translation.cuefile import (
    KeptCue,
    Piece,
    cue_sentences,
    is_subtitle_input,
    kept_cues,
)
from pipeline.translation.embed import Embedder
from pipeline.translation.pairs import PairCheck, Stretch, align_paired, turn_sentences
from pipeline.translation.retime import Placed, place, place_runs, reject_weak_runs
from pipeline.translation.sources import (
    SourceSentence,
    asr_sentences,
    source_clauses,
    transcript_sentences,
)

__all__ = ["BitextOutput", "LanguageBitext", "Listed", "place_translation", "run_bitext"]


@dataclass(frozen=True, slots=True)
class Listed:
    """A sentence the QC report lists (not placed with confidence), with its neighbours' times."""

    index: int
    text: str
    status: str  # unplaced | gap | low_confidence
    start_ms: int | None
    end_ms: int | None
    prev_end_ms: int | None
    next_start_ms: int | None


@dataclass(frozen=True, slots=True)
class LanguageBitext:
    """How one translation language was aligned and timed.

    Attributes:
        mode: ``paired``, ``source-text`` or ``translation-only``.
        ratio: translation length per source length used by the bead scores.
        source_sentences: how many English sentences the translation was aligned with.
        sentences: every translated sentence (for a subtitle file: every piece of one in a
            cue), in order, with its time or none.
        beads: the sentence beads.
        stretches, failed_pairs: paired input: turn pairs out of step, re-aligned by content.
        listed: every sentence not placed with confidence.
        cues: a subtitle file's own cues, retimed (empty for other input).
    """

    mode: str
    ratio: float
    source_sentences: int
    sentences: tuple[Placed, ...]
    beads: tuple[Bead, ...]
    stretches: tuple[Stretch, ...] = ()
    failed_pairs: tuple[PairCheck, ...] = ()
    listed: tuple[Listed, ...] = ()
    cues: tuple[KeptCue, ...] = ()

    @property
    def placed(self) -> int:
        return sum(1 for p in self.sentences if p.start_ms is not None)


@dataclass(frozen=True, slots=True)
class BitextOutput:
    """Every translation language of an episode."""

    source_language: str
    languages: dict[str, LanguageBitext] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Target:
    """The translated side of one job: sentences, and what is timed (sentences or pieces)."""

    texts: list[str]  # sentences, as aligned
    units: list[str]  # what gets times: the sentences, or their pieces per cue
    meta: list[tuple[str | None, int]]  # (speaker, turn index) of each unit
    parts: list[list[int]] | None  # per sentence, its units (None: each sentence is one)
    pieces: list[Piece] | None


def listed(placed: Sequence[Placed], opts: BitextOptions) -> tuple[Listed, ...]:
    """Unplaced, gap-timed and low-confidence sentences with their neighbours' times."""
    rows: list[Listed] = []
    for k, p in enumerate(placed):
        low = p.status in ("aligned", "split") and p.margin < opts.min_margin
        if p.status in ("aligned", "split") and not low:
            continue
        prev = next((q for q in reversed(placed[:k]) if q.start_ms is not None), None)
        nxt = next((q for q in placed[k + 1 :] if q.start_ms is not None), None)
        rows.append(
            Listed(
                p.index,
                p.text,
                "low_confidence" if low else p.status,
                p.start_ms,
                p.end_ms,
                prev.end_ms if prev else None,
                nxt.start_ms if nxt else None,
            )
        )
    return tuple(rows)


def _target(tdoc: Document, lang: str) -> _Target:
    indices = tdoc.speech_indices(lang)
    if is_subtitle_input(tdoc, lang):
        texts, pieces = cue_sentences([(i, tdoc.turns[i].text) for i in indices], lang)
        parts: list[list[int]] = [[] for _ in texts]
        for k, piece in enumerate(pieces):
            parts[piece.sentence].append(k)
        meta = [(tdoc.turns[p.turn_index].speaker, p.turn_index) for p in pieces]
        return _Target(texts, [p.text for p in pieces], meta, parts, pieces)
    refs = turn_sentences([(i, tdoc.turns[i].text) for i in indices], lang)
    texts = [r.text for r in refs]
    meta = [(tdoc.turns[r.turn_index].speaker, r.turn_index) for r in refs]
    return _Target(texts, texts, meta, None, None)


def run_bitext(
    doc: Document,
    extra: Sequence[Document],
    src_lang: str,
    words: Sequence[Word],
    timed: Sequence[TimedWord] | None,
    get_embedder: Callable[[], Embedder],
    opts: BitextOptions,
    progress: Callable[[int, int], None] | None = None,
) -> BitextOutput:
    """The ``bitext`` stage: align and time every translation the inputs hold.

    ``doc`` is the parsed transcript (paired, or the translation itself when
    ``timed`` is None), ``extra`` are separate translation files, ``words`` are
    the recognised words and ``timed`` the transcript's aligned words. The embedder
    is loaded only when there is a translation to align.
    """
    jobs: list[tuple[str, str, Document]] = []  # (tgt lang, mode, document with the text)
    if timed is None:
        for lang in doc.languages():
            if lang != src_lang:
                jobs.append((lang, "translation-only", doc))
    else:
        for lang in sorted({doc.turns[t].lang for _, t in doc.pairs} - {src_lang}):
            jobs.append((lang, "paired", doc))
        for tdoc in extra:
            for lang in tdoc.languages():
                if lang != src_lang:
                    jobs.append((lang, "source-text", tdoc))
    out = BitextOutput(src_lang)
    if not jobs:
        return out
    embedder = get_embedder()
    steps = 3 * len(jobs)  # per language: sentences embedded and aligned, placed, cues

    def step(done: int) -> None:
        if progress is not None:
            progress(done, steps)

    step(0)
    for k, (tgt, mode, tdoc) in enumerate(jobs):
        if mode == "paired":
            assert timed is not None
            res = align_paired(tdoc, src_lang, tgt, embedder, opts)
            src = transcript_sentences(res.src_refs, doc, timed)
            texts = [r.text for r in res.tgt_refs]
            meta = [(tdoc.turns[r.turn_index].speaker, r.turn_index) for r in res.tgt_refs]
            target = _Target(texts, texts, meta, None, None)
            beads, ratio, T = res.beads, res.ratio, res.tgt
            groups: tuple[list[int], list[int]] | None = (res.src_groups, res.tgt_groups)
            stretches = tuple(res.stretches)
            failed = tuple(c for c in res.checks if not c.ok)
        else:
            target = _target(tdoc, tgt)
            if timed is None:
                src = asr_sentences(words, opts)
            else:
                src_refs = turn_sentences(
                    [(i, doc.turns[i].text) for i in doc.speech_indices(src_lang)], src_lang
                )
                src = transcript_sentences(src_refs, doc, timed)
            S = make_side([s.text for s in src], src_lang, embedder, opts.joined_pairs)
            T = make_side(target.texts, tgt, embedder, opts.joined_pairs)
            set_baselines(S, T)
            ratio = float(T.lengths.sum() / S.lengths.sum()) if len(S) and len(T) else 1.0
            beads = align_sides(S, T, ratio, opts)
            groups, stretches, failed = None, (), ()
        step(3 * k + 1)
        placed = _placed(
            beads, src, T, target, (src_lang, tgt), embedder, ratio, opts, groups, timed is None
        )
        step(3 * k + 2)
        if mode != "paired":  # paired text is this audio's translation; stretches handle drift
            placed = reject_weak_runs(placed, opts)
        cues = kept_cues(tdoc, tgt, target.pieces, placed) if target.pieces is not None else []
        out.languages[tgt] = LanguageBitext(
            mode,
            round(ratio, 4),
            len(src),
            tuple(placed),
            tuple(beads),
            stretches,
            failed,
            listed(placed, opts),
            tuple(cues),
        )
        step(3 * k + 3)
    return out


def _placed(
    beads: Sequence[Bead],
    src: Sequence[SourceSentence],
    tgt: Side,
    target: _Target,
    langs: tuple[str, str],
    embedder: Embedder,
    ratio: float,
    opts: BitextOptions,
    groups: tuple[list[int], list[int]] | None = None,
    recognised: bool = False,
) -> list[Placed]:
    """Time the target's units: on the clauses the clause programme gives each sentence, or
    (``opts.clauses`` off) on whole sentence beads. ``recognised``: the English is ASR's."""
    if not opts.clauses:
        return place(beads, src, target.units, target.meta, langs[1], opts, target.parts)
    clauses = source_clauses(src, capitals=recognised)
    side = clause_side(clauses, embedder.embed([c.text for c in clauses]), langs[0])
    src_groups, tgt_groups = groups if groups is not None else (None, None)
    runs = align_clauses(beads, side, tgt, len(src), ratio, opts, src_groups, tgt_groups)
    return place_runs(
        runs, clauses, beads, src, target.units, target.meta, langs[1], opts, target.parts
    )


def place_translation(
    src: Sequence[SourceSentence],
    texts: Sequence[str],
    langs: tuple[str, str],
    embedder: Embedder,
    opts: BitextOptions,
    *,
    recognised: bool = False,
) -> list[Placed]:
    """Translated sentences ``texts`` aligned with English sentences ``src`` and timed.

    The whole-episode path of :func:`run_bitext` (no turn pairs), for one list of sentences.
    """
    S = make_side([s.text for s in src], langs[0], embedder, opts.joined_pairs)
    T = make_side(texts, langs[1], embedder, opts.joined_pairs)
    set_baselines(S, T)
    ratio = float(T.lengths.sum() / S.lengths.sum()) if len(S) and len(T) else 1.0
    beads = align_sides(S, T, ratio, opts)
    target = _Target(list(texts), list(texts), [(None, -1)] * len(texts), None, None)
    return _placed(beads, src, T, target, langs, embedder, ratio, opts, None, recognised)
