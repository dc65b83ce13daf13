"""Batch throughput: synthetic episodes through ``run_all`` with 1, 2, ... local workers.

``python -m bench.batch_bench --episodes 8 --minutes 5 --workers 1,2 --model tiny.en``

Episodes are English paragraphs from ``../shared/seeds`` spoken by espeak-ng (via
:mod:`bench.synth`, else the ``espeak-ng -w`` command), so the run needs no network and no
media. Each worker count gets a fresh output folder (nothing is skipped) and reports audio
hours per wall-clock hour; the speed-up is against the first worker count given.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
WORDS_PER_MINUTE = 165  # espeak-ng speaking rate asked for
WORDS_PER_AUDIO_MINUTE = 176  # words per minute of episode it gives, pauses included (measured)


def english_paragraphs(seeds: Path) -> list[str]:
    """Mostly-ASCII paragraphs of ten words or more, in file order."""
    out: list[str] = []
    for path in sorted(seeds.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = re.sub(r"\*\*[^*]+:\*\*|^[A-Z][a-z]+:", "", line).strip()
            ascii_share = sum(c.isascii() for c in text) / max(1, len(text))
            if ascii_share > 0.97 and len(text.split()) >= 10:
                out.append(text)
    return out


def _speak(turns: list[tuple[str, str]], wav: Path) -> None:
    try:
        from bench import synth

        if synth.available():
            voices = {"Host": "en-us+f3", "Guest": "en-gb-x-rp+m3"}
            samples, _ = synth.synthesize(turns, voices, rate_wpm=WORDS_PER_MINUTE)
            synth.write_wav(wav, samples)
            return
    except ImportError:
        pass
    text = "\n".join(t for _, t in turns)
    subprocess.run(
        ["espeak-ng", "-s", str(WORDS_PER_MINUTE), "-w", str(wav), text],
        check=True,
        capture_output=True,
    )


def make_catalogue(folder: Path, episodes: int, minutes: float, model: str) -> Path:
    """Write ``episodes`` WAV + transcript pairs of about ``minutes`` each, and a manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = english_paragraphs(SEEDS)
    budget = int(minutes * WORDS_PER_AUDIO_MINUTE)
    cursor = 0
    lines = [f"defaults: {{asr.model: {model}}}", "episodes:"]
    for n in range(episodes):
        turns: list[tuple[str, str]] = []
        words = 0
        while words < budget:
            text = paragraphs[cursor % len(paragraphs)]
            cursor += 1
            text = " ".join(text.split()[: budget - words])  # every episode the same length
            turns.append(("Host" if len(turns) % 2 == 0 else "Guest", text))
            words += len(text.split())
        name = f"ep{n + 1:02d}"
        wav = folder / f"{name}.wav"
        if not wav.exists():
            _speak(turns, wav)
        (folder / f"{name}.txt").write_text(
            "".join(f"{s}: {t}\n" for s, t in turns), encoding="utf-8"
        )
        lines.append(f"  - {{id: {name}, audio: {name}.wav, transcript: {name}.txt}}")
    manifest = folder / "manifest.yaml"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batch_bench", description=__doc__)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--work", type=Path, default=Path("bench/work/batch"))
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    from pipeline.run.batch import run_all
    from pipeline.run.manifest import load_manifest

    began = time.perf_counter()
    manifest = load_manifest(
        make_catalogue(args.work / "media", args.episodes, args.minutes, args.model)
    )
    print(f"synthesised/loaded {args.episodes} episodes in {time.perf_counter() - began:.0f} s")
    rows: list[dict[str, Any]] = []
    for workers in (int(w) for w in args.workers.split(",")):
        out = args.work / f"out-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        report = run_all(manifest, out, workers=workers)
        totals = report.totals()
        rows.append(
            {
                "workers": workers,
                "cpu_threads_each": max(1, len(os.sched_getaffinity(0)) // workers),
                "ok": totals["ok"],
                "failed": totals["failed"],
                "audio_h": round(totals["audio_s"] / 3600, 3),
                "wall_s": totals["wall_s"],
                "audio_h_per_h": totals["audio_hours_per_hour"],
            }
        )
        print(json.dumps(rows[-1]))
    base = rows[0]["audio_h_per_h"] or 1
    for row in rows:
        row["speedup"] = round((row["audio_h_per_h"] or 0) / base, 2)
    print("| workers | threads each | ok | audio h | wall s | audio h / h | speed-up |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['workers']} | {r['cpu_threads_each']} | {r['ok']} | {r['audio_h']} | "
            f"{r['wall_s']:.1f} | {r['audio_h_per_h']:.1f} | {r['speedup']:.2f}× |"
        )
    if args.json:
        args.json.write_text(json.dumps({"model": args.model, "rows": rows}, indent=1) + "\n")
    return 0 if all(r["failed"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
