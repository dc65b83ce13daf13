"""Onset constants checked on real and synthetic speech together.

``python -m bench.onset_grid [--model base]``

The forced engine's words (``pipeline.timing.forced``, onsets off) are computed once for the
MFA corpus clips with word TextGrids (real, spontaneous speech with fillers; fetched at bench
time, see :mod:`bench.realcases`) and for the committed sample (espeak-ng speech with known
word times); then :func:`pipeline.timing.onsets.sharpen_starts` is scored over a grid of its
constants on both. Prints word-start median and p90 error per kind and setting, best first by
the sum of the four, so no constant is chosen on synthetic speech alone.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ("acoustic_corpus", "cold_corpus", "cold_corpus3")


def _forced(samples: np.ndarray, texts: list[str], model: Any) -> tuple[Any, ...]:
    from pipeline.audio.speech import VadOptions, speech_regions
    from pipeline.timing.forced import force_align
    from pipeline.timing.records import AlignOptions, SourceWord

    regions = speech_regions(samples, VadOptions())
    words = [SourceWord(t, None, 0) for t in texts]
    return force_align(samples, words, regions, model, "en", AlignOptions()).alignment.words


def _errors(words: Any, truth: list[float]) -> list[int]:
    return [w.start_ms - round(t * 1000) for w, t in zip(words, truth, strict=True) if w.start_ms]


def main(argv: list[str] | None = None) -> int:
    from bench.real import fetch
    from bench.realcases import tg_words
    from pipeline.audio.decode import load_audio
    from pipeline.timing.models import load_model
    from pipeline.timing.onsets import OnsetOptions, sharpen_starts
    from pipeline.timing.transcribe import AsrOptions
    from pipeline.transcript import read_transcript

    parser = argparse.ArgumentParser(prog="python -m bench.onset_grid", description=__doc__)
    parser.add_argument("--model", default="base")
    args = parser.parse_args(argv)
    model = load_model(AsrOptions(model=args.model, cpu_threads=2))
    data = fetch() / "data"
    cases: list[tuple[str, np.ndarray, Any, list[float]]] = []
    for name in CLIPS:
        ref = tg_words(data / "textgrid" / f"{name}.TextGrid")
        samples = load_audio(data / "wav" / f"{name}.wav").samples
        cases.append(
            (
                "real",
                samples,
                _forced(samples, [w.text for w in ref], model),
                [w.start for w in ref],
            )
        )
    import json

    from pipeline.timing.records import document_words

    truth = json.loads((ROOT / "media" / "sample.truth.json").read_text(encoding="utf-8"))
    texts = [
        w.text for w in document_words(read_transcript(ROOT / "media" / "sample.en.txt"), "en")
    ]
    samples = load_audio(ROOT / "media" / "sample.mp3").samples
    starts = [float(w["start"]) for w in truth["words"]]
    if len(starts) == len(texts):
        cases.append(("synthetic", samples, _forced(samples, texts, model), starts))

    def score(opts: OnsetOptions | None) -> dict[str, tuple[float, float]]:
        out: dict[str, list[int]] = {}
        for kind, s, words, ref in cases:
            moved = sharpen_starts(s, words, opts) if opts else words
            out.setdefault(kind, []).extend(_errors(moved, ref))
        return {
            k: (float(np.median(np.abs(v))), float(np.percentile(np.abs(v), 90)))
            for k, v in out.items()
        }

    rows: list[tuple[float, str, dict[str, tuple[float, float]]]] = []
    rows.append((0.0, "no onset move", score(None)))
    for before, after, offset in itertools.product((28, 60, 100), (60, 112, 160), (0, 10, 20)):
        opts = OnsetOptions(before_ms=before, after_ms=after, offset_ms=offset)
        got = score(opts)
        rows.append((sum(a + b for a, b in got.values()), f"{before}/{after}/{offset}", got))
    kinds = sorted({k for _, _, got in rows for k in got})
    print(
        "| setting (before/after/offset ms) | "
        + " | ".join(f"{k} median / p90" for k in kinds)
        + " |"
    )
    print("|---|" + "---|" * len(kinds))
    for _, label, got in [rows[0], *sorted(rows[1:])][:12]:
        cells = [f"{got[k][0]:.0f} / {got[k][1]:.0f}" if k in got else "–" for k in kinds]
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
