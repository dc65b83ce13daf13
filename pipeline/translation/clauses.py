"""Translated sentences placed on English clauses, inside and around their sentence beads.

The sentence bead DP (:mod:`pipeline.translation.beads`) says which English sentences a run of
translated sentences translates. Where the two sides are cut into sentences differently (a
Chinese sentence for half an English one, a Russian paragraph split at other places, recognised
English grouped into "sentences" by pauses), that is not enough to time each translated sentence
from the first English word it translates. This second, finer programme does that:

* the English side is cut into clauses (:func:`pipeline.translation.sources.source_clauses`):
  the points where a translated sentence may begin or end;
* every translated sentence takes a run of consecutive clauses (or none: a sentence with no
  English counterpart), two translated sentences may share one run (a clause translated by two
  sentences), and a clause may be left to nobody (English that is not translated);
* a run is scored like a bead: the embedding margin of the translated sentence against the run
  (the run's vector is the length-weighted sum of its clauses' vectors, so only clauses are
  embedded), the length ratio, and a small cost for starting or ending at a clause that is not a
  sentence end, so sentence ends win unless meaning and length say otherwise;
* each translated sentence looks only at the English sentences of its own bead and
  ``clause_reach`` sentences either side (inside its group: a turn pair or a stretch), so the
  programme stays linear in the length of the episode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pipeline.transcript.sentences import text_length
from pipeline.translation.beads import Bead, BitextOptions, Side
from pipeline.translation.embed import Matrix
from pipeline.translation.sources import Clause

NEG = -1e18
Vector = npt.NDArray[np.float64]

# move codes of the programme
_TAKE, _SHARE, _NOTHING, _SKIP = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Run:
    """Translated sentences ``tgt`` (one, or two sharing) on ``clauses`` (none: no partner)."""

    tgt: tuple[int, ...]
    clauses: tuple[int, ...]
    score: float = 0.0


@dataclass(frozen=True)
class ClauseSide:
    """The English clauses of one alignment problem, embedded."""

    clauses: Sequence[Clause]
    vectors: Matrix  # one normalised row per clause
    lengths: Vector  # text length of each clause (the source language's measure)


def _target_sentences(beads: Sequence[Bead], m: int, n_src: int) -> list[tuple[int, int]]:
    """For each translated sentence, the source sentences [lo, hi) of its bead.

    A sentence in a bead without source gets the empty range where its bead lies.
    """
    out: list[tuple[int, int]] = [(0, 0)] * m
    pending: list[int] = []
    pos = 0
    for bead in beads:
        if bead.src:
            for j in pending:
                out[j] = (pos, pos)
            pending = []
            for j in bead.tgt:
                out[j] = (bead.src[0], bead.src[-1] + 1)
            pos = bead.src[-1] + 1
        else:
            pending += bead.tgt
    for j in pending:
        out[j] = (pos, pos)
    del n_src
    return out


def _group_bounds(groups: Sequence[int]) -> dict[int, tuple[int, int]]:
    bounds: dict[int, tuple[int, int]] = {}
    for k, g in enumerate(groups):
        lo, _ = bounds.get(g, (k, k))
        bounds[g] = (lo, k + 1)
    return bounds


def _clause_windows(
    beads: Sequence[Bead],
    clauses: Sequence[Clause],
    m: int,
    n_src: int,
    src_groups: Sequence[int],
    tgt_groups: Sequence[int],
    reach: int,
) -> list[tuple[int, int]]:
    """Clauses [lo, hi) each translated sentence may take."""
    first = [len(clauses)] * (n_src + 1)  # first clause of each sentence (n_src: the end)
    for k in range(len(clauses) - 1, -1, -1):
        first[clauses[k].sentence] = k
    for s in range(n_src - 1, -1, -1):  # sentences without clauses: the next one's
        first[s] = min(first[s], first[s + 1])
    bounds = _group_bounds(src_groups)
    out: list[tuple[int, int]] = []
    for j, (lo, hi) in enumerate(_target_sentences(beads, m, n_src)):
        g_lo, g_hi = bounds.get(tgt_groups[j], (0, 0))
        lo, hi = max(g_lo, lo - reach), min(g_hi, hi + reach)
        out.append((first[lo], first[hi]) if lo < hi else (first[max(lo, g_lo)],) * 2)
    return out


def _rows(windows: Sequence[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """Columns [lo, hi] (clauses consumed) of each row (targets consumed) that a path may use."""
    m = len(windows)
    rows: list[tuple[int, int]] = []
    for r in range(m + 1):
        lo = 0 if r == 0 else windows[r - 1][0]
        hi = n if r == m else windows[r][1]
        if 0 < r < m:
            lo, hi = min(lo, windows[r][0]), max(hi, windows[r - 1][1])
        rows.append((lo, hi))
    fixed: list[tuple[int, int]] = []
    for r, (lo, hi) in enumerate(rows):
        if fixed:
            lo = max(lo, fixed[-1][0])
            hi = max(hi, fixed[-1][1])
            lo = min(lo, fixed[-1][1])  # consecutive rows overlap: some path always exists
        fixed.append((lo, max(lo, hi)))
        del r
    return fixed


class _RunScorer:
    """Scores of translated sentences (or adjacent pairs of them) against runs of clauses."""

    def __init__(
        self, side: ClauseSide, tgt: Side, ratio: float, opts: BitextOptions, seed: int = 0
    ) -> None:
        self.o, self.r, self.t = opts, ratio, tgt
        weights = side.lengths[:, None] * side.vectors.astype(np.float64)
        self.prefix = np.vstack([np.zeros((1, weights.shape[1])), np.cumsum(weights, axis=0)])
        self.lengths = np.concatenate([[0.0], np.cumsum(side.lengths)])
        self.stop = np.array([c.stop for c in side.clauses] or [True], dtype=bool)
        rng = np.random.default_rng(seed)
        n, m = len(side.clauses), len(tgt)
        pick_s = rng.choice(n, size=min(64, n), replace=False) if n else np.zeros(0, dtype=int)
        pick_t = rng.choice(m, size=min(64, m), replace=False) if m else np.zeros(0, dtype=int)
        dim = weights.shape[1]
        self.src_centre = (
            side.vectors[pick_s].astype(np.float64).mean(axis=0) if n else np.zeros(dim)
        )
        self.tgt_centre = tgt.one[pick_t].astype(np.float64).mean(axis=0) if m else np.zeros(dim)

    def boundary(self, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> Vector:
        """Cost of a run starting after clause a-1 and ending with clause b-1 (not at stops)."""
        start = np.where(a > 0, ~self.stop[np.maximum(a - 1, 0)], False)
        end = ~self.stop[b - 1]
        return self.o.clause_cost * (start.astype(np.float64) + end.astype(np.float64))

    def score(
        self, j: int, share: bool, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
    ) -> Vector:
        """Target ``j`` (with ``j + 1`` when ``share``) on clauses [a, b) for every (a, b)."""
        vec = (self.t.two[j] if share else self.t.one[j]).astype(np.float64)
        base_t = float(vec @ self.src_centre)
        lt = self.t.lengths[j] + (self.t.lengths[j + 1] if share else 0.0)
        run = self.prefix[b] - self.prefix[a]
        norm = np.maximum(np.linalg.norm(run, axis=1), 1e-12)
        sim = (run @ vec) / norm
        base_s = (run @ self.tgt_centre) / norm
        margin = sim - (base_t + base_s) / 2
        ls = self.lengths[b] - self.lengths[a]
        extra = 8.0 * self.r
        penalty = np.abs(np.log((lt + extra) / (self.r * ls + extra)))
        cost = self.o.length_weight * penalty + self.boundary(a, b)
        out: Vector = margin - cost - (self.o.merge_penalty if share else 0.0)
        return out


def align_clauses(
    beads: Sequence[Bead],
    side: ClauseSide,
    tgt: Side,
    n_src: int,
    ratio: float,
    opts: BitextOptions,
    src_groups: Sequence[int] | None = None,
    tgt_groups: Sequence[int] | None = None,
) -> list[Run]:
    """Runs of clauses for every translated sentence of ``tgt``, in order.

    ``beads`` are the sentence beads (global indices, covering every translated sentence);
    ``n_src`` the number of source sentences the clauses come from. With groups, a translated
    sentence takes clauses of its own group's sentences only (a paired turn, a stretch).
    """
    clauses, m, n = side.clauses, len(tgt), len(side.clauses)
    src_groups = src_groups if src_groups is not None else [0] * n_src
    tgt_groups = tgt_groups if tgt_groups is not None else [0] * m
    windows = _clause_windows(beads, clauses, m, n_src, src_groups, tgt_groups, opts.clause_reach)
    rows = _rows(windows, n)
    scorer = _RunScorer(side, tgt, ratio, opts)
    best: list[Vector] = []
    back: list[npt.NDArray[np.int64]] = []  # code * 1000 + k
    for r in range(m + 1):
        lo, hi = rows[r]
        cols = np.arange(lo, hi + 1, dtype=np.int64)
        cur = np.full(len(cols), NEG)
        code = np.full(len(cols), -1, dtype=np.int64)
        if r == 0 and lo == 0:
            cur[0] = 0.0
        if r >= 1:
            _from_row(best, rows, r - 1, cols, 0, opts.skip, _NOTHING, cur, code)
            j = r - 1
            w_lo, w_hi = windows[j]
            for k in range(1, opts.max_clauses + 1):
                a = cols - k
                ok = (a >= w_lo) & (cols <= w_hi)
                if ok.any():
                    gain = np.full(len(cols), NEG)
                    gain[ok] = scorer.score(j, False, a[ok], cols[ok])
                    _from_row(best, rows, r - 1, cols, k, gain, _TAKE, cur, code)
            if r >= 2 and tgt_groups[r - 2] == tgt_groups[r - 1]:
                w_lo = max(windows[r - 2][0], windows[r - 1][0])
                w_hi = min(windows[r - 2][1], windows[r - 1][1])
                for k in range(1, opts.max_clauses + 1):
                    a = cols - k
                    ok = (a >= w_lo) & (cols <= w_hi)
                    if ok.any():
                        gain = np.full(len(cols), NEG)
                        gain[ok] = scorer.score(r - 2, True, a[ok], cols[ok])
                        _from_row(best, rows, r - 2, cols, k, gain, _SHARE, cur, code)
        # clauses left to nobody, in this row: the best of skipping any number of them
        steps = np.arange(len(cols), dtype=np.float64) * opts.clause_skip
        run = np.maximum.accumulate(cur - steps) + steps
        moved = run > cur + 1e-12
        code = np.where(moved, _SKIP * 1000 + 1, code)
        best.append(np.where(moved, run, cur))
        back.append(code)
    return _trace(best, back, rows, m, n)


def _from_row(
    best: Sequence[Vector],
    rows: Sequence[tuple[int, int]],
    prev: int,
    cols: npt.NDArray[np.int64],
    k: int,
    gain: Vector | float,
    move: int,
    cur: Vector,
    code: npt.NDArray[np.int64],
) -> None:
    """Relax ``cur`` from row ``prev`` at columns ``cols - k`` with ``gain`` (in place)."""
    plo, phi = rows[prev]
    at = cols - k
    ok = (at >= plo) & (at <= phi)
    if not ok.any():
        return
    cand = np.full(len(cols), NEG)
    g = np.broadcast_to(np.asarray(gain, dtype=np.float64), cols.shape)
    cand[ok] = best[prev][at[ok] - plo] + g[ok]
    better = cand > cur
    cur[better] = cand[better]
    code[better] = move * 1000 + k


def _trace(
    best: Sequence[Vector],
    back: Sequence[npt.NDArray[np.int64]],
    rows: Sequence[tuple[int, int]],
    m: int,
    n: int,
) -> list[Run]:
    runs: list[Run] = []
    r, i = m, n
    while r > 0 or i > 0:
        lo = rows[r][0]
        value = int(back[r][i - lo])
        if value < 0:
            raise RuntimeError("clause DP found no path")  # cannot happen: rows overlap
        move, k = divmod(value, 1000)
        score = float(best[r][i - lo])
        if move == _SKIP:
            i -= 1
        elif move == _NOTHING:
            runs.append(Run((r - 1,), (), score))
            r -= 1
        elif move == _TAKE:
            runs.append(Run((r - 1,), tuple(range(i - k, i)), score))
            r, i = r - 1, i - k
        else:
            runs.append(Run((r - 2, r - 1), tuple(range(i - k, i)), score))
            r, i = r - 2, i - k
    runs.reverse()
    return _scores(runs)


def _scores(runs: list[Run]) -> list[Run]:
    """Each run's own score (the trace holds cumulative ones)."""
    out: list[Run] = []
    prev = 0.0
    for run in runs:
        out.append(Run(run.tgt, run.clauses, round(run.score - prev, 4)))
        prev = run.score
    return out


def clause_side(clauses: Sequence[Clause], vectors: Matrix, lang: str) -> ClauseSide:
    """Clauses with their vectors and lengths (the source language's measure, at least 1)."""
    lengths = np.array([max(1, text_length(c.text, lang)) for c in clauses], dtype=np.float64)
    return ClauseSide(clauses, vectors, lengths)
