"""Timing translated sentences from their source sentences, and the ``bitext`` stage's logic.

Three sources of English sentences, all with word times:

* paired input: the transcript's own sentences, timed by the aligned words;
* a separate translation with the English transcript (``--source-text``): the same,
  aligned over the whole episode instead of turn by turn;
* translation only: sentences grouped from the recognised words (punctuation, pauses).

A translated sentence takes the span of its English sentence(s). When one English
sentence carries several translated ones, its span is cut at the English word
boundary nearest the matching share of its length, preferring a clause boundary
(a word ending in a comma, semicolon, colon or dash). Translated sentences with no
English partner are timed into the gap between their neighbours when that gap has
room; otherwise they are *unplaced*: listed with their neighbours' times, never
dropped silently and never stacked on another cue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypedDict

from pipeline.model import Document, TimedWord, Word
from pipeline.transcript.sentences import text_length, word_sentences
from pipeline.translation.beads import Bead, BitextOptions, align_sides, make_side, set_baselines
from pipeline.translation.embed import Embedder
from pipeline.translation.pairs import PairCheck, SentenceRef, Stretch, align_paired, turn_sentences

_CLAUSE_END = re.compile(r"[,;:—–]$")
CLAUSE_REACH = 0.2  # a clause boundary within this share of the sentence beats the exact share


@dataclass(frozen=True, slots=True)
class SourceSentence:
    """An English sentence with its words' times (empty when no audio supports it)."""

    text: str
    words: tuple[tuple[str, int, int], ...]
    speaker: str | None = None
    turn_index: int = -1

    @property
    def timed(self) -> bool:
        return bool(self.words)


def asr_sentences(words: Sequence[Word], opts: BitextOptions) -> list[SourceSentence]:
    """Sentences grouped from recognised words."""
    out: list[SourceSentence] = []
    for a, b in word_sentences(words, pause_ms=opts.pause_ms, max_words=opts.max_words):
        chunk = words[a:b]
        out.append(
            SourceSentence(
                " ".join(w.text.strip() for w in chunk),
                tuple((w.text.strip(), w.start_ms, w.end_ms) for w in chunk),
            )
        )
    return out


def transcript_sentences(
    refs: Sequence[SentenceRef], doc: Document, timed: Sequence[TimedWord]
) -> list[SourceSentence]:
    """Transcript sentences timed by the aligned words (one TimedWord per whitespace token)."""
    by_turn: dict[int, list[TimedWord]] = {}
    for w in timed:
        by_turn.setdefault(w.turn_index, []).append(w)
    offsets: dict[int, list[int]] = {}
    out: list[SourceSentence] = []
    for ref in refs:
        if ref.turn_index not in offsets:
            text = doc.turns[ref.turn_index].text
            offsets[ref.turn_index] = [m.start() for m in re.finditer(r"\S+", text)]
        starts = offsets[ref.turn_index]
        words = by_turn.get(ref.turn_index, [])
        picked = [
            (w.text, w.start_ms, w.end_ms)
            for pos, w in zip(starts, words, strict=False)
            if ref.start <= pos < ref.end and w.start_ms is not None and w.end_ms is not None
        ]
        speaker = doc.turns[ref.turn_index].speaker
        out.append(SourceSentence(ref.text, tuple(picked), speaker, ref.turn_index))
    return out


def _cut_times(
    words: Sequence[tuple[str, int, int]], shares: Sequence[float]
) -> list[tuple[int, int]]:
    """Split a timed word run into ``len(shares)`` consecutive spans by length share."""
    start, end = words[0][1], words[-1][2]
    if len(shares) == 1:
        return [(start, end)]
    ends = [0]
    for w in words:
        ends.append(ends[-1] + len(w[0]) + 1)
    total = ends[-1]
    cuts: list[int] = []  # index of the first word of each later part
    acc = 0.0
    for share in shares[:-1]:
        acc += share
        goal = acc * total
        low = cuts[-1] + 1 if cuts else 1
        options = list(range(low, len(words))) or [len(words)]
        near = min(options, key=lambda k: abs(ends[k] - goal))
        clauses = [
            k
            for k in options
            if _CLAUSE_END.search(words[k - 1][0]) and abs(ends[k] - goal) <= CLAUSE_REACH * total
        ]
        cuts.append(min(clauses, key=lambda k: abs(ends[k] - goal)) if clauses else near)
    spans: list[tuple[int, int]] = []
    first = 0
    for k in [*cuts, len(words)]:
        if k <= first or k > len(words):  # fewer words than parts: share time by length
            spans.append((-1, -1))
            continue
        spans.append((words[first][1], words[k - 1][2]))
        first = k
    if any(s < 0 for s, _ in spans):
        spans, t = [], float(start)
        for share in shares:
            spans.append((int(t), int(t + share * (end - start))))
            t += share * (end - start)
    return spans


@dataclass(frozen=True, slots=True)
class Placed:
    """A translated sentence with its time (or the reason it has none)."""

    index: int
    text: str
    start_ms: int | None
    end_ms: int | None
    status: str  # aligned | split | gap | unplaced
    margin: float
    src: tuple[int, ...]
    speaker: str | None
    turn_index: int  # the source turn it was timed from (-1: none), as source cues name it


def place(
    beads: Sequence[Bead],
    src: Sequence[SourceSentence],
    tgt_texts: Sequence[str],
    tgt_meta: Sequence[tuple[str | None, int]],  # (speaker, turn index) of each sentence
    tgt_lang: str,
    opts: BitextOptions,
) -> list[Placed]:
    """Time every translated sentence from the beads (one record per sentence, in order)."""
    out: dict[int, Placed] = {}
    pending: list[int] = []

    def flush(before: int | None, after: int | None) -> None:
        room = (after - before) if before is not None and after is not None else 0
        lengths = [max(1, text_length(tgt_texts[j], tgt_lang)) for j in pending]
        fits = room >= opts.gap_ms * len(pending)
        t = float(before or 0)
        for j, n in zip(pending, lengths, strict=True):
            spk = tgt_meta[j][0]
            if fits:
                step = room * n / sum(lengths)
                out[j] = Placed(j, tgt_texts[j], int(t), int(t + step), "gap", 0.0, (), spk, -1)
                t += step
            else:
                out[j] = Placed(j, tgt_texts[j], None, None, "unplaced", 0.0, (), spk, -1)
        pending.clear()

    last_end: int | None = None
    for bead in beads:
        if not bead.tgt:
            continue
        words = [w for i in bead.src for w in src[i].words]
        if not words:
            pending.extend(bead.tgt)
            continue
        if pending:
            flush(last_end, words[0][1])
        lengths = [max(1, text_length(tgt_texts[j], tgt_lang)) for j in bead.tgt]
        spans = _cut_times(words, [n / sum(lengths) for n in lengths])
        status = "aligned" if len(bead.tgt) == 1 else "split"
        first = src[bead.src[0]]
        for j, (a, b) in zip(bead.tgt, spans, strict=True):
            spk = tgt_meta[j][0] or first.speaker
            out[j] = Placed(
                j,
                tgt_texts[j],
                a,
                max(b, a + 1),
                status,
                bead.margin,
                bead.src,
                spk,
                first.turn_index,
            )
        last_end = words[-1][2]
    if pending:
        flush(last_end, None)
    return [out[j] for j in sorted(out)]


def _reject_weak_runs(placed: list[Placed], opts: BitextOptions) -> list[Placed]:
    """Unplace runs of ``reject_run`` or more sentences matched only weakly.

    One weak bead is usually a short sentence ("Yes.") among good ones and is kept; a run of
    them is a stretch the speech does not hold (seed 000's last ten minutes differ from the
    English audio): timing it would put the translation on unrelated speech.
    """
    if opts.reject_run <= 0:
        return placed
    out = list(placed)
    run: list[int] = []

    def close() -> None:
        if len(run) >= opts.reject_run:
            for k in run:
                p = out[k]
                out[k] = Placed(
                    p.index, p.text, None, None, "unplaced", p.margin, p.src, p.speaker, -1
                )
        run.clear()

    for k, p in enumerate(placed):
        if p.status in ("aligned", "split") and p.margin < opts.reject_margin:
            run.append(k)
        else:
            close()
    close()
    return out


class PlacedJson(TypedDict):
    """A :class:`Placed` sentence in the ``bitext`` artifact."""

    index: int
    text: str
    start_ms: int | None
    end_ms: int | None
    status: str
    margin: float
    src: list[int]
    speaker: str | None
    turn_index: int


class ListedJson(TypedDict):
    """A sentence the QC report lists (not placed with confidence), with its neighbours' times."""

    index: int
    text: str
    status: str  # unplaced | gap | low_confidence
    start_ms: int | None
    end_ms: int | None
    prev_end_ms: int | None
    next_start_ms: int | None


class QcJson(TypedDict):
    """Sentences placed, of all, and the listed ones."""

    placed: int
    total: int
    listed: list[ListedJson]


class LanguageJson(TypedDict):
    """One translation language in the ``bitext`` artifact."""

    mode: str  # paired | source-text | translation-only
    ratio: float
    source_sentences: int
    sentences: list[PlacedJson]
    beads: list[list[list[int] | float]]  # [source sentences, translated sentences, margin]
    stretches: list[dict[str, object]]
    failed_pairs: list[dict[str, object]]
    qc: QcJson


def _placed_json(p: Placed) -> PlacedJson:
    return {
        "index": p.index,
        "text": p.text,
        "start_ms": p.start_ms,
        "end_ms": p.end_ms,
        "status": p.status,
        "margin": p.margin,
        "src": list(p.src),
        "speaker": p.speaker,
        "turn_index": p.turn_index,
    }


def _qc(placed: Sequence[Placed], opts: BitextOptions) -> QcJson:
    """Unplaced, gap-timed and low-confidence sentences with their neighbours' times."""
    timed = [p for p in placed if p.start_ms is not None]
    rows: list[ListedJson] = []
    for k, p in enumerate(placed):
        low = p.status in ("aligned", "split") and p.margin < opts.min_margin
        if p.status in ("aligned", "split") and not low:
            continue
        prev = next((q for q in reversed(placed[:k]) if q.start_ms is not None), None)
        nxt = next((q for q in placed[k + 1 :] if q.start_ms is not None), None)
        rows.append(
            {
                "index": p.index,
                "text": p.text,
                "status": "low_confidence" if low else p.status,
                "start_ms": p.start_ms,
                "end_ms": p.end_ms,
                "prev_end_ms": prev.end_ms if prev else None,
                "next_start_ms": nxt.start_ms if nxt else None,
            }
        )
    return {"placed": len(timed), "total": len(placed), "listed": rows}


def run_bitext(
    doc: Document,
    extra: Sequence[Document],
    src_lang: str,
    words: Sequence[Word],
    timed: Sequence[TimedWord] | None,
    get_embedder: Callable[[], Embedder],
    opts: BitextOptions,
) -> dict[str, Any]:
    """The ``bitext`` stage: align and time every translation the inputs hold.

    ``doc`` is the parsed transcript (paired, or the translation itself when
    ``timed`` is None), ``extra`` are separate translation files, ``words`` are
    the recognised words and ``timed`` the transcript's aligned words. The embedder
    is loaded only when there is a translation to align.
    """
    langs: dict[str, LanguageJson] = {}
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
    embedder = get_embedder() if jobs else None
    for tgt, mode, tdoc in jobs:
        assert embedder is not None
        stretches: list[dict[str, object]] = []
        failed: list[dict[str, object]] = []
        if mode == "paired":
            assert timed is not None
            res = align_paired(tdoc, src_lang, tgt, embedder, opts)
            src = transcript_sentences(res.src_refs, doc, timed)
            tgt_refs, beads, ratio = res.tgt_refs, res.beads, res.ratio
            stretches = [_fields(s) for s in res.stretches]
            failed = [_fields(c) for c in res.checks if not c.ok]
        else:
            tgt_refs = turn_sentences(
                [(i, tdoc.turns[i].text) for i in tdoc.speech_indices(tgt)], tgt
            )
            if timed is None:
                src = asr_sentences(words, opts)
            else:
                src_refs = turn_sentences(
                    [(i, doc.turns[i].text) for i in doc.speech_indices(src_lang)], src_lang
                )
                src = transcript_sentences(src_refs, doc, timed)
            S = make_side([s.text for s in src], src_lang, embedder, opts.joined_pairs)
            T = make_side([r.text for r in tgt_refs], tgt, embedder, opts.joined_pairs)
            set_baselines(S, T)
            ratio = float(T.lengths.sum() / S.lengths.sum()) if len(S) and len(T) else 1.0
            beads = align_sides(S, T, ratio, opts)
        meta = [(tdoc.turns[r.turn_index].speaker, r.turn_index) for r in tgt_refs]
        placed = place(beads, src, [r.text for r in tgt_refs], meta, tgt, opts)
        if mode != "paired":  # paired text is this audio's translation; stretches handle drift
            placed = _reject_weak_runs(placed, opts)
        langs[tgt] = {
            "mode": mode,
            "ratio": round(ratio, 4),
            "source_sentences": len(src),
            "sentences": [_placed_json(p) for p in placed],
            "beads": [[list(b.src), list(b.tgt), b.margin] for b in beads],
            "stretches": stretches,
            "failed_pairs": failed,
            "qc": _qc(placed, opts),
        }
    return {"source_language": src_lang, "languages": langs}


def _fields(obj: Stretch | PairCheck) -> dict[str, object]:
    """A record's fields by name, in their order."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}
