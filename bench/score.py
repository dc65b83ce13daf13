"""Score an alignment against word-level ground truth.

``python -m bench.score TRUTH.json OUTPUT_DIR_OR_WORDS_JSON [--srt FILE.srt] [--json]``

Inputs:

* **truth**: ``{"words": [{"text", "start", "end", ...}], ...}`` in seconds, every word that is
  spoken in the audio, in order (what :mod:`bench.synth` writes).  Optional keys, written by
  :mod:`bench.cases`:

  - ``"transcript"``: one entry per speech word of the transcript, ``{"text", "truth": int|null}``,
    the index of the truth word it is, or null for a word the audio lacks.  Without it the
    transcript words are matched to the truth words by text (:class:`difflib.SequenceMatcher`).
  - ``"unsupported"``: ``[[start, end], ...]`` seconds of audio that no transcript word supports
    (an ad read); the scorer reports how far cues reach into them.

* **output**: ``<stem>.words.json`` (``{"language", "words": [{"text", "start", "end", "status",
  "speaker"}]}``, seconds or null) when present, else the runner's ``05_align.json`` artifact
  (rows ``[text, start_ms, end_ms, status, speaker, turn]``).  Its words are the transcript's
  speech words in order.
* **cues** (optional): the ``.en.srt`` written beside it.

Figures (all errors in ms, signed error = output - truth):

* ``word_start``: over spoken transcript words that got a time: median/p90 of |error|, share
  within 50/100/200 ms, signed median (bias); ``word_end`` the same for ends.
* ``coverage``: share of spoken transcript words that got a time.
* ``absent_words`` / ``absent_timed``: transcript words the audio lacks, and how many of them
  were given a time anyway (the right answer is 0).
* ``cue_start``: share of cues whose start is within 125 ms (3 frames at 24 fps) of the true start
  of their first word; median |error|.  ``cue_end`` median |error| against the true end of the
  cue's last word.  ``cues_on_unsupported``: cues overlapping an unsupported span by > 0.5 s.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

CUE_TOLERANCE_MS = 125
"""A cue start counts as right within 3 frames at 24 fps."""

UNSUPPORTED_OVERLAP_MS = 500
"""A cue may run this far into audio no transcript supports (out-time slack) before it counts."""

WITHIN_MS = (50, 100, 200)


@dataclass(frozen=True)
class TruthWord:
    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class OutWord:
    text: str
    start_ms: int | None
    end_ms: int | None
    status: str = "aligned"


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Truth:
    words: tuple[TruthWord, ...]
    transcript: tuple[int | None, ...] | None = None  # transcript word -> truth index
    unsupported: tuple[tuple[int, int], ...] = ()
    transcript_text: tuple[str, ...] = field(default=())


# Table rows for word-start figures, shared by the synthetic and the real-speech reports.
WORD_START_ROWS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("word start median abs err (ms)", lambda s: s["word_start"].get("median_ms")),
    ("word start p90 abs err (ms)", lambda s: s["word_start"].get("p90_ms")),
    ("word start signed median (ms)", lambda s: s["word_start"].get("signed_median_ms")),
    ("% word starts within 50 ms", lambda s: s["word_start"].get("within_50")),
    ("% word starts within 100 ms", lambda s: s["word_start"].get("within_100")),
    ("% word starts within 200 ms", lambda s: s["word_start"].get("within_200")),
]


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(float(seconds) * 1000)


def norm(text: str) -> str:
    """Matching key of a word: lower case, letters/digits/apostrophes only."""
    return re.sub(r"[^\w']+", "", text.lower().replace("’", "'")).strip("'_")


def load_truth(path: Path | str) -> Truth:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return truth_from_json(data)


def truth_from_json(data: dict[str, Any]) -> Truth:
    words = tuple(
        TruthWord(str(w["text"]), _ms(w["start"]) or 0, _ms(w["end"]) or 0) for w in data["words"]
    )
    mapping = None
    texts: tuple[str, ...] = ()
    if data.get("transcript") is not None:
        mapping = tuple(
            None if t.get("truth") is None else int(t["truth"]) for t in data["transcript"]
        )
        texts = tuple(str(t["text"]) for t in data["transcript"])
    spans = tuple((_ms(a) or 0, _ms(b) or 0) for a, b in data.get("unsupported", ()))
    return Truth(words, mapping, spans, texts)


def load_output(path: Path | str) -> list[OutWord]:
    """Words of an output folder or file: words.json preferred, else 05_align.json."""
    p = Path(path)
    if p.is_dir():
        found = sorted(p.glob("*.words.json"))
        p = found[0] if found else p / "05_align.json"
    data = json.loads(p.read_text(encoding="utf-8"))
    rows = data["words"]
    if rows and isinstance(rows[0], list):  # runner artifact: ms rows
        return [OutWord(str(r[0]), r[1], r[2], str(r[3])) for r in rows]
    return [
        OutWord(str(w["text"]), _ms(w.get("start")), _ms(w.get("end")), str(w.get("status", "")))
        for w in rows
    ]


_SRT_TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{3})")


def _srt_ms(stamp: str) -> int:
    m = _SRT_TIME.search(stamp)
    if not m:
        raise ValueError(f"bad SRT time {stamp!r}")
    h, mi, s, ms = (int(g) for g in m.groups())
    return ((h * 60 + mi) * 60 + s) * 1000 + ms


def parse_srt(text: str) -> list[Cue]:
    """Cues of an SRT file (tags and speaker dashes dropped from the text)."""
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        arrow = next((k for k, ln in enumerate(lines) if "-->" in ln), None)
        if arrow is None:
            continue
        a, b = lines[arrow].split("-->", 1)
        body = " ".join(lines[arrow + 1 :])
        body = re.sub(r"<[^>]*>|\{[^}]*\}", " ", body)
        body = re.sub(r"(^|\s)[-–—](?=\s)", " ", body)
        cues.append(Cue(_srt_ms(a), _srt_ms(b), " ".join(body.split())))
    return cues


def load_cues(path: Path | str) -> list[Cue]:
    return parse_srt(Path(path).read_text(encoding="utf-8-sig"))


def _match(a: Sequence[str], b: Sequence[str]) -> dict[int, int]:
    """Index map a -> b from matching blocks of equal keys (monotonic)."""
    sm = difflib.SequenceMatcher(None, list(a), list(b), autojunk=False)
    out: dict[int, int] = {}
    for block in sm.get_matching_blocks():
        for k in range(block.size):
            out[block.a + k] = block.b + k
    return out


def transcript_map(truth: Truth, out: Sequence[OutWord]) -> list[int | None]:
    """For each output (transcript) word, the truth word it is, or None when unspoken.

    With the truth's own transcript map, output words are matched to its entries (directly
    when the texts agree one to one, else by text, since the reader may drop a heading);
    without one, to the truth words by text.
    """
    if truth.transcript is not None:
        texts = [w.text for w in out]
        if list(truth.transcript_text) == texts:
            return list(truth.transcript)
        m = _match([norm(t) for t in texts], [norm(t) for t in truth.transcript_text])
        return [truth.transcript[m[i]] if i in m else None for i in range(len(out))]
    m = _match([norm(w.text) for w in out], [norm(w.text) for w in truth.words])
    return [m.get(i) for i in range(len(out))]


def _stats(errors: Sequence[int]) -> dict[str, Any]:
    if not errors:
        return {"n": 0}
    arr = np.asarray(errors, dtype=np.float64)
    mag = np.abs(arr)
    out: dict[str, Any] = {
        "n": len(errors),
        "median_ms": round(float(np.median(mag)), 1),
        "p90_ms": round(float(np.percentile(mag, 90)), 1),
        "signed_median_ms": round(float(np.median(arr)), 1),
    }
    for lim in WITHIN_MS:
        out[f"within_{lim}"] = round(100.0 * float(np.mean(mag <= lim)), 2)
    return out


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score(
    truth: Truth, out: Sequence[OutWord], cues: Sequence[Cue] | None = None
) -> dict[str, Any]:
    """All figures for one case (see the module docstring)."""
    mapping = transcript_map(truth, out)
    starts: list[int] = []
    ends: list[int] = []
    spoken = timed = absent = absent_timed = 0
    for word, ti in zip(out, mapping, strict=True):
        if not norm(word.text):  # punctuation-only token ("—"): neither spoken nor absent
            continue
        if ti is None:
            absent += 1
            absent_timed += word.start_ms is not None
            continue
        spoken += 1
        if word.start_ms is None:
            continue
        timed += 1
        tw = truth.words[ti]
        starts.append(word.start_ms - tw.start_ms)
        if word.end_ms is not None:
            ends.append(word.end_ms - tw.end_ms)
    result: dict[str, Any] = {
        "truth_words": len(truth.words),
        "transcript_words": len(out),
        "spoken_words": spoken,
        "coverage": round(100.0 * timed / max(1, spoken), 2),
        "word_start": _stats(starts),
        "word_end": _stats(ends),
        "absent_words": absent,
        "absent_timed": absent_timed,
        "unspoken_marked": sum(1 for w in out if w.start_ms is None),
    }
    if truth.unsupported:
        inside = 0
        for w in out:
            if w.start_ms is None or w.end_ms is None:
                continue
            mid = (w.start_ms + w.end_ms) // 2
            inside += any(a <= mid < b for a, b in truth.unsupported)
        result["words_in_unsupported"] = inside
    if cues is not None:
        result.update(score_cues(truth, out, mapping, cues))
    return result


def score_cues(
    truth: Truth, out: Sequence[OutWord], mapping: Sequence[int | None], cues: Sequence[Cue]
) -> dict[str, Any]:
    """Cue in/out times against the truth of each cue's first and last word."""
    timed_idx = [i for i, w in enumerate(out) if w.start_ms is not None]
    cue_tokens: list[str] = []
    cue_of: list[int] = []
    for c, cue in enumerate(cues):
        for tok in cue.text.split():
            key = norm(tok)
            if key:
                cue_tokens.append(key)
                cue_of.append(c)
    m = _match(cue_tokens, [norm(out[i].text) for i in timed_idx])
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for k, c in enumerate(cue_of):
        if k in m:
            first.setdefault(c, timed_idx[m[k]])
            last[c] = timed_idx[m[k]]
    start_err: list[int] = []
    end_err: list[int] = []
    unmatched = 0
    for c, cue in enumerate(cues):
        if c not in first:
            unmatched += 1
            continue
        ti_first, ti_last = mapping[first[c]], mapping[last[c]]
        if ti_first is not None:
            start_err.append(cue.start_ms - truth.words[ti_first].start_ms)
        else:
            unmatched += 1
        if ti_last is not None:
            end_err.append(cue.end_ms - truth.words[ti_last].end_ms)
    mags = np.abs(np.asarray(start_err, dtype=np.float64))
    res: dict[str, Any] = {
        "cues": len(cues),
        "cues_scored": len(start_err),
        "cues_unmatched": unmatched,
        "cue_start_within_125": (
            round(100.0 * float(np.mean(mags <= CUE_TOLERANCE_MS)), 2) if start_err else None
        ),
        "cue_start": _stats(start_err),
        "cue_end": _stats(end_err),
    }
    if truth.unsupported:
        res["cues_on_unsupported"] = sum(
            1
            for cue in cues
            if any(
                _overlap((cue.start_ms, cue.end_ms), span) > UNSUPPORTED_OVERLAP_MS
                for span in truth.unsupported
            )
        )
        res["max_cue_overlap_unsupported_ms"] = max(
            (_overlap((c.start_ms, c.end_ms), s) for c in cues for s in truth.unsupported),
            default=0,
        )
    return res


def score_utterances(
    offsets: Sequence[tuple[int, int]], out: Sequence[OutWord], limits: Sequence[int] = (200, 500)
) -> dict[str, Any]:
    """Utterance-level figures: ``offsets`` holds (first transcript word index, true start ms).

    For real speech without word truth: the start given to each utterance's first word against
    the utterance's known onset in the concatenated audio.
    """
    errors: list[int] = []
    missing = 0
    for index, true_ms in offsets:
        w = out[index] if index < len(out) else None
        if w is None or w.start_ms is None:
            missing += 1
            continue
        errors.append(w.start_ms - true_ms)
    res = _stats(errors)
    res["utterances"] = len(offsets)
    res["untimed"] = missing
    mag = np.abs(np.asarray(errors, dtype=np.float64))
    for lim in limits:
        res[f"within_{lim}"] = round(100.0 * float(np.mean(mag <= lim)), 2) if errors else None
    return res


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.score", description=__doc__.split("\n")[0]
    )
    parser.add_argument("truth", type=Path)
    parser.add_argument("output", type=Path, help="output folder, words.json or 05_align.json")
    parser.add_argument("--srt", type=Path, help="the .en.srt to score cue times")
    args = parser.parse_args(argv)
    srt = args.srt
    if srt is None and args.output.is_dir():
        found = sorted(args.output.glob("*.en.srt"))
        srt = found[0] if found else None
    figures = score(
        load_truth(args.truth), load_output(args.output), load_cues(srt) if srt else None
    )
    json.dump(figures, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
