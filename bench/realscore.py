"""Scores of an aligner's output words against a real-speech case's truth (:mod:`bench.realcases`).

Transcript tokens are mapped to output words by text: matching blocks of normalised words
(:func:`bench.score._match`), and between two matched words, where the two sides split words
differently (``Call-Forward`` vs ``Call`` ``-Forward``), by characters.  A token is *given a
time* when the first output word it maps to has a start and is not ``unspoken``.

Figures (errors in ms, signed = output - reference):

* ``word_start``: over spoken tokens with a reference time that were given a time: median and
  p90 of |error|, % within 50/100/200 ms, signed median (:func:`bench.score._stats`).
* ``coverage``: % of spoken tokens given a time.
* ``utt``: per spoken line, its start (the first of its tokens given a time) against the
  line's reference onset: % of lines within 200 ms (over all spoken lines, so a line left
  untimed counts as a miss), median/p90 |error| over the timed lines, and ``unspoken``: lines
  none of whose tokens got a time (spoken sentences declared unspoken).
* ``absent_words`` / ``absent_timed`` (tokens the audio lacks; the right count timed is 0),
  ``absent_lines_timed``; ``title_note_words``, ``title_note_in_output`` (kept as words by
  the reader) and ``title_note_timed``.
* ``fillers``: audio fillers the transcript leaves out; ``fillers_pulled``: how many of the
  tokens right after one start before the filler's end minus 50 ms (pulled onto the filler).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from bench.score import OutWord, _match, _stats, norm

PULL_SLACK_MS = 50
UTT_WITHIN_MS = 200


def map_tokens(tokens: Sequence[str], words: Sequence[str]) -> list[int | None]:
    """For each token, the index of the first output word it maps to, or None."""
    a = [norm(t) for t in tokens]
    b = [norm(w) for w in words]
    m = _match(a, b)
    out: list[int | None] = [m.get(i) for i in range(len(a))]
    anchors = [(-1, -1), *sorted(m.items()), (len(a), len(b))]
    for (ta, wa), (tb, wb) in pairwise(anchors):
        if tb - ta > 1 and wb - wa > 1:
            _fill_by_chars(a, b, range(ta + 1, tb), range(wa + 1, wb), out)
    return out


def _fill_by_chars(
    a: Sequence[str], b: Sequence[str], ti: range, wi: range, out: list[int | None]
) -> None:
    chars_a, owner_a = _spell(a, ti)
    chars_b, owner_b = _spell(b, wi)
    sm = difflib.SequenceMatcher(None, chars_a, chars_b, autojunk=False)
    for block in sm.get_matching_blocks():
        for k in range(block.size):
            t = owner_a[block.a + k]
            if out[t] is None:
                out[t] = owner_b[block.b + k]


def _spell(keys: Sequence[str], idx: range) -> tuple[str, list[int]]:
    chars: list[str] = []
    owner: list[int] = []
    for i in idx:
        chars.append(keys[i])
        owner.extend([i] * len(keys[i]))
    return "".join(chars), owner


def _timed(w: OutWord | None) -> bool:
    return w is not None and w.start_ms is not None and w.status != "unspoken"


def score_case(truth: dict[str, Any], out: Sequence[OutWord]) -> dict[str, Any]:
    """All figures of one tool on one case (see the module docstring)."""
    tokens = truth["tokens"]
    mapping = map_tokens([t["text"] for t in tokens], [w.text for w in out])
    got: list[int | None] = []  # start ms given to each token, or None
    for j in mapping:
        w = out[j] if j is not None else None
        got.append(w.start_ms if w is not None and _timed(w) else None)
    errors: list[int] = []
    spoken = timed = absent = absent_timed = extra = extra_kept = extra_timed = 0
    for tok, start, j in zip(tokens, got, mapping, strict=True):
        kind = tok["kind"]
        if kind == "spoken":
            spoken += 1
            timed += start is not None
            if start is not None and tok.get("start") is not None:
                errors.append(start - round(tok["start"] * 1000))
        elif kind == "absent":
            absent += 1
            absent_timed += start is not None
        else:
            extra += 1
            extra_kept += j is not None
            extra_timed += start is not None
    res: dict[str, Any] = {
        "tokens": len(tokens),
        "output_words": len(out),
        "spoken_words": spoken,
        "ref_words": sum(1 for t in tokens if t["kind"] == "spoken" and t.get("start") is not None),
        "coverage": round(100.0 * timed / max(1, spoken), 2),
        "word_start": _stats(errors),
        "absent_words": absent,
        "absent_timed": absent_timed,
        "title_note_words": extra,
        "title_note_in_output": extra_kept,
        "title_note_timed": extra_timed,
    }
    res["utt"], res["absent_lines_timed"] = _utterances(truth["lines"], got)
    fillers = truth.get("fillers", [])
    if fillers:
        pulled = 0
        for f in fillers:
            nxt = f.get("next")
            start = got[nxt] if nxt is not None else None
            if start is not None and start < round(f["end"] * 1000) - PULL_SLACK_MS:
                pulled += 1
        res["fillers"] = len(fillers)
        res["fillers_pulled"] = pulled
    return res


def _utterances(
    lines: Sequence[dict[str, Any]], got: Sequence[int | None]
) -> tuple[dict[str, Any], int]:
    errors: list[int] = []
    n = unspoken = absent_timed = 0
    for line in lines:
        starts = [s for s in got[line["first"] : line["first"] + line["n"]] if s is not None]
        if line["kind"] == "absent":
            absent_timed += bool(starts)
            continue
        if line["kind"] != "spoken" or line.get("onset") is None:
            continue
        n += 1
        if not starts:
            unspoken += 1
            continue
        errors.append(starts[0] - round(line["onset"] * 1000))
    mag = np.abs(np.asarray(errors, dtype=np.float64))
    within = int(np.sum(mag <= UTT_WITHIN_MS)) if errors else 0
    utt: dict[str, Any] = {
        "n": n,
        "within_200": round(100.0 * within / n, 2) if n else None,
        "median_ms": round(float(np.median(mag)), 1) if errors else None,
        "p90_ms": round(float(np.percentile(mag, 90)), 1) if errors else None,
        "signed_median_ms": round(float(np.median(errors)), 1) if errors else None,
        "unspoken": unspoken,
    }
    return utt, absent_timed
