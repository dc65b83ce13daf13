"""Timing translated sentences from the English words they translate.

A translated sentence takes the span of the English words it was aligned with: its sentence
bead's sentences (:func:`place`), or the clauses the finer programme gave it
(:func:`place_runs`, :mod:`pipeline.translation.clauses`), so its start is the first English
word it translates. When one run of English words carries two translated sentences, it is cut at
the word boundary nearest the matching share of its length, preferring a clause or sentence end
inside it. Translated sentences with no English partner are timed into the gap between their
neighbours when that gap has room; otherwise they are *unplaced*: listed with their neighbours'
times, never dropped silently and never stacked on another cue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipeline.transcript.sentences import text_length
from pipeline.translation.beads import Bead, BitextOptions
from pipeline.translation.clauses import Run
from pipeline.translation.sources import (
    Clause,
    SourceSentence,
    TimedToken,
    asr_sentences,
    transcript_sentences,
)

__all__ = [
    "Placed",
    "SourceSentence",
    "asr_sentences",
    "place",
    "place_runs",
    "reject_weak_runs",
    "transcript_sentences",
]

_CLAUSE_END = re.compile(r"(?:[,;:—–]|[.!?…]+)[\"'”’»)\]]*$")
CLAUSE_REACH = 0.2  # a clause boundary within this share of the sentence beats the exact share


def _cut_times(words: Sequence[TimedToken], shares: Sequence[float]) -> list[tuple[int, int]]:
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


@dataclass(frozen=True, slots=True)
class Link:
    """Translated sentences ``tgt`` timed on ``words`` of source sentences ``src``."""

    tgt: tuple[int, ...]
    src: tuple[int, ...]
    words: tuple[TimedToken, ...]
    margin: float
    status: str  # aligned | split


def place(
    beads: Sequence[Bead],
    src: Sequence[SourceSentence],
    tgt_texts: Sequence[str],
    tgt_meta: Sequence[tuple[str | None, int]],  # (speaker, turn index) of each sentence
    tgt_lang: str,
    opts: BitextOptions,
    parts: Sequence[Sequence[int]] | None = None,
) -> list[Placed]:
    """Time every translated sentence from whole sentence beads (one record per sentence).

    With ``parts``, each translated sentence ``j`` is timed as the units ``parts[j]`` (its
    pieces in the cues of a subtitle file), and ``tgt_texts``/``tgt_meta`` are the units'.
    """
    links = [
        Link(
            b.tgt,
            b.src,
            tuple(w for i in b.src for w in src[i].words),
            b.margin,
            "aligned" if len(b.tgt) == 1 else "split",
        )
        for b in beads
        if b.tgt
    ]
    return place_links(_expand(links, parts), src, tgt_texts, tgt_meta, tgt_lang, opts)


def place_runs(
    runs: Sequence[Run],
    clauses: Sequence[Clause],
    beads: Sequence[Bead],
    src: Sequence[SourceSentence],
    tgt_texts: Sequence[str],
    tgt_meta: Sequence[tuple[str | None, int]],
    tgt_lang: str,
    opts: BitextOptions,
    parts: Sequence[Sequence[int]] | None = None,
) -> list[Placed]:
    """Time every translated sentence from the clauses it was given (``parts``: see :func:`place`).

    A sentence keeps its sentence bead's margin (the confidence the QC report and the rejection
    of weak stretches read); its time and source sentences come from its clauses.
    """
    margin = {j: b.margin for b in beads for j in b.tgt}
    links = []
    for run in runs:
        words = tuple(w for c in run.clauses for w in clauses[c].words)
        sources = tuple(dict.fromkeys(clauses[c].sentence for c in run.clauses))
        status = "aligned" if len(run.tgt) == 1 else "split"
        links.append(Link(run.tgt, sources, words, margin.get(run.tgt[0], 0.0), status))
    return place_links(_expand(links, parts), src, tgt_texts, tgt_meta, tgt_lang, opts)


def _expand(links: list[Link], parts: Sequence[Sequence[int]] | None) -> list[Link]:
    """Links of sentences turned into links of their units."""
    if parts is None:
        return links
    return [replace(k, tgt=tuple(u for j in k.tgt for u in parts[j])) for k in links]


def place_links(
    links: Sequence[Link],
    src: Sequence[SourceSentence],
    tgt_texts: Sequence[str],
    tgt_meta: Sequence[tuple[str | None, int]],
    tgt_lang: str,
    opts: BitextOptions,
) -> list[Placed]:
    """Time translated sentences from their links, in order; those without words go to gaps."""
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
    for link in links:
        if not link.words:
            pending.extend(link.tgt)
            continue
        if pending:
            flush(last_end, link.words[0][1])
        lengths = [max(1, text_length(tgt_texts[j], tgt_lang)) for j in link.tgt]
        spans = _cut_times(link.words, [n / sum(lengths) for n in lengths])
        first = src[link.src[0]]
        for j, (a, b) in zip(link.tgt, spans, strict=True):
            spk = tgt_meta[j][0] or first.speaker
            out[j] = Placed(
                j,
                tgt_texts[j],
                a,
                max(b, a + 1),
                link.status,
                link.margin,
                link.src,
                spk,
                first.turn_index,
            )
        last_end = link.words[-1][2]
    if pending:
        flush(last_end, None)
    return [out[j] for j in sorted(out)]


def reject_weak_runs(placed: list[Placed], opts: BitextOptions) -> list[Placed]:
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
