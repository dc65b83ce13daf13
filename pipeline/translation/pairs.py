"""Paired input: a bilingual transcript aligned turn pair by turn pair, checked, and repaired.

Each turn pair (a source turn and its translation) is aligned inside itself first
(:func:`pipeline.translation.beads.align_sides`), with the length ratio learnt from the pairs
(their median). A pair whose length ratio or content disagrees fails its check; runs of failed
pairs are gathered into stretches, widened by a pair on each side, that are aligned again by
content across turn boundaries, and the stretches are reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.model import Document
from pipeline.transcript.sentences import split_sentences
from pipeline.translation.beads import (
    Bead,
    BitextOptions,
    Side,
    align_sides,
    learn_ratio,
    make_side,
    set_baselines,
    sub_side,
)
from pipeline.translation.embed import Embedder

PAIR_SMOOTH = 20.0  # source-length units added to both sides of a pair's length ratio

__all__ = [
    "PairCheck",
    "PairedAlignment",
    "SentenceRef",
    "Stretch",
    "align_paired",
    "turn_sentences",
]


@dataclass(frozen=True, slots=True)
class SentenceRef:
    """A sentence of a turn: the turn index and its character span in the turn's text."""

    turn_index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class PairCheck:
    """How well one turn pair agrees once aligned inside itself."""

    pair: int
    src_turn: int
    tgt_turn: int
    ratio: float  # length ratio relative to the learnt one (1.0: as expected)
    margin: float  # mean margin of its matched beads
    matched: float  # share of its sentences in matched beads above ``min_margin``
    ok: bool


@dataclass(frozen=True, slots=True)
class Stretch:
    """Consecutive turn pairs that disagreed and were aligned by content across turns."""

    first_pair: int
    last_pair: int
    src_turns: tuple[int, int]
    tgt_turns: tuple[int, int]
    src_sentences: int
    tgt_sentences: int


@dataclass
class PairedAlignment:
    """Sentence alignment of a paired document."""

    src: Side
    tgt: Side
    src_refs: list[SentenceRef]
    tgt_refs: list[SentenceRef]
    beads: list[Bead]
    checks: list[PairCheck]
    stretches: list[Stretch]
    ratio: float
    src_groups: list[int]  # per source sentence: its pair, or the first pair of its stretch
    tgt_groups: list[int]  # per translated sentence: the same


def turn_sentences(doc_turns: Sequence[tuple[int, str]], lang: str) -> list[SentenceRef]:
    """Sentences of (turn index, text) items, in order."""
    return [
        SentenceRef(index, s.start, s.end, s.text)
        for index, text in doc_turns
        for s in split_sentences(text, lang)
    ]


def _check(
    k: int,
    st: int,
    tt: int,
    beads: list[Bead],
    s: Side,
    t: Side,
    ranges: tuple[int, int, int, int],
    ratio: float,
    opts: BitextOptions,
) -> PairCheck:
    a0, a1, b0, b1 = ranges
    ls, lt = float(s.lengths[a0:a1].sum()), float(t.lengths[b0:b1].sum())
    pad = PAIR_SMOOTH * ratio  # short turns ("Sure." / "当然可以。") vary a lot
    rel = (lt + pad) / (ratio * ls + pad)
    total = (a1 - a0) + (b1 - b0)
    good = [b for b in beads if b.src and b.tgt]
    weight = sum(len(b.src) + len(b.tgt) for b in good)
    margin = sum(b.margin * (len(b.src) + len(b.tgt)) for b in good) / weight if weight else 0.0
    sure = sum(len(b.src) + len(b.tgt) for b in good if b.margin >= opts.min_margin)
    matched = sure / total if total else 1.0
    in_range = 1 / opts.pair_max_ratio <= rel <= opts.pair_max_ratio if total else True
    ok = bool(in_range and (total == 0 or (margin >= opts.pair_min_margin and matched >= 0.5)))
    return PairCheck(k, st, tt, round(rel, 3), round(margin, 4), round(matched, 3), ok)


def _stretches(checks: list[PairCheck]) -> list[tuple[int, int]]:
    """Runs of failed pairs (joined across one good pair), widened by one pair each side."""
    bad = [c.pair for c in checks if not c.ok]
    runs: list[list[int]] = []
    for k in bad:
        if runs and k - runs[-1][1] <= 2:
            runs[-1][1] = k
        else:
            runs.append([k, k])
    last = len(checks) - 1
    out: list[tuple[int, int]] = []
    for lo, hi in runs:
        lo, hi = max(0, lo - 1), min(last, hi + 1)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def align_paired(
    doc: Document, src_lang: str, tgt_lang: str, embedder: Embedder, opts: BitextOptions
) -> PairedAlignment:
    """Align a paired document turn pair by turn pair; re-align disagreeing stretches by content.

    ``doc.pairs`` link source turns to translation turns.
    """
    pairs = [
        (s, t)
        for s, t in doc.pairs
        if doc.turns[s].lang == src_lang
        and doc.turns[t].lang == tgt_lang
        and doc.turns[s].role == "speech"
        and doc.turns[t].role == "speech"
    ]
    src_refs: list[SentenceRef] = []
    tgt_refs: list[SentenceRef] = []
    ranges: list[tuple[int, int, int, int]] = []
    for s, t in pairs:
        a0, b0 = len(src_refs), len(tgt_refs)
        src_refs += turn_sentences([(s, doc.turns[s].text)], src_lang)
        tgt_refs += turn_sentences([(t, doc.turns[t].text)], tgt_lang)
        ranges.append((a0, len(src_refs), b0, len(tgt_refs)))
    S = make_side([r.text for r in src_refs], src_lang, embedder, opts.joined_pairs)
    T = make_side([r.text for r in tgt_refs], tgt_lang, embedder, opts.joined_pairs)
    set_baselines(S, T)
    ratio = learn_ratio(
        [float(S.lengths[a0:a1].sum()) for a0, a1, _, _ in ranges],
        [float(T.lengths[b0:b1].sum()) for _, _, b0, b1 in ranges],
    )
    per_pair: list[list[Bead]] = []
    checks: list[PairCheck] = []
    for k, ((s, t), (a0, a1, b0, b1)) in enumerate(zip(pairs, ranges, strict=True)):
        beads = align_sides(sub_side(S, a0, a1), sub_side(T, b0, b1), ratio, opts, (a0, b0))
        per_pair.append(beads)
        checks.append(_check(k, s, t, beads, S, T, (a0, a1, b0, b1), ratio, opts))
    stretches: list[Stretch] = []
    out: list[Bead] = []
    src_groups = [0] * len(src_refs)
    tgt_groups = [0] * len(tgt_refs)
    k = 0
    spans = dict(_stretches(checks))
    while k < len(pairs):
        last = spans.get(k, k)
        a0, b0 = ranges[k][0], ranges[k][2]
        a1, b1 = ranges[last][1], ranges[last][3]
        src_groups[a0:a1] = [k] * (a1 - a0)
        tgt_groups[b0:b1] = [k] * (b1 - b0)
        if k not in spans:
            out += per_pair[k]
            k += 1
            continue
        out += align_sides(sub_side(S, a0, a1), sub_side(T, b0, b1), ratio, opts, (a0, b0))
        stretches.append(
            Stretch(
                k,
                last,
                (pairs[k][0], pairs[last][0]),
                (pairs[k][1], pairs[last][1]),
                a1 - a0,
                b1 - b0,
            )
        )
        k = last + 1
    return PairedAlignment(
        S, T, src_refs, tgt_refs, out, checks, stretches, ratio, src_groups, tgt_groups
    )
