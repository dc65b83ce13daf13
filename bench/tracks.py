"""Translation tracks and subtitle lint for the benchmark episodes; a section of bench/RESULTS.md.

    python -m bench.tracks [--model base]

With the long case built (``python -m bench.run --long``), seed 001's English+Chinese transcript
is aligned to its audio (en, zh and en-zh tracks) and seed 000's Russian translation is retimed
against it (ru track), reusing the long run's transcription. Without it, the sample episode's
English+Chinese and Chinese-only transcripts stand in. Then every track under the sample's
outputs, the benchmark runs and these translation runs is linted (:mod:`bench.lint_tracks`), and
the table replaces the block between the markers in bench/RESULTS.md (added before the
hand-written analysis the first time). The batch throughput figures of bench/BATCH.md are
quoted in the same section.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.lint_tracks import lint_tracks, markdown

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
SEEDS = ROOT.parent / "shared" / "seeds"
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN = "<!-- tracks:begin (python -m bench.tracks) -->"
END = "<!-- tracks:end -->"
ANALYSIS = "## Analysis (hand-written"
TRANSCRIBED = ("01_ingest.json", "02_vad.json", "03_transcribe.json", "run.lock.json")


def _seed(prefix: str) -> Path | None:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    return found[0] if found else None


def _subweave(args: Sequence[str]) -> None:
    exe = Path(sys.executable).with_name("subweave")
    subprocess.run([str(exe), "-q", *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def _reuse_transcription(src: Path, dst: Path) -> None:
    """Start ``dst`` from ``src``'s decoded audio, VAD and ASR artifacts (same audio, model)."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in TRANSCRIBED:
        if (src / name).exists() and not (dst / name).exists():
            shutil.copy2(src / name, dst / name)


def translation_runs(model: str) -> list[tuple[str, Path]]:
    """Run the translation jobs; (description, output folder) of each."""
    long_audio = WORK / "cases" / "long" / "long.wav"
    long_run = WORK / "runs" / f"long-{model}"
    seed1, seed0 = _seed("001"), _seed("000")
    runs: list[tuple[str, Path]] = []
    if long_audio.exists() and seed1 and seed0:
        for name, cmd, text in (
            ("align", "align", seed1),
            ("retime", "retime", seed0),
        ):
            out = WORK / "tracks" / f"long-{name}"
            if long_run.is_dir():
                _reuse_transcription(long_run, out)
            _subweave([cmd, str(long_audio), str(text), "--out", str(out), "--model", model])
            what = "seed 001 en+zh aligned" if name == "align" else "seed 000 ru retimed"
            runs.append((f"{what} to the long case's audio", out))
    else:
        audio = ROOT / "media" / "sample.mp3"
        for name, cmd, text in (
            ("align", "align", ROOT / "media" / "sample.en-zh.txt"),
            ("retime", "retime", ROOT / "media" / "sample.zh.txt"),
        ):
            out = WORK / "tracks" / f"sample-{name}"
            _subweave([cmd, str(audio), str(text), "--out", str(out), "--model", model])
            runs.append((f"sample {name} ({text.name})", out))
    return runs


def section(runs: Sequence[tuple[str, Path]], dirs: Sequence[Path]) -> str:
    """The RESULTS.md block: lint table over every track, then the batch figures."""
    rows = lint_tracks(dirs)
    lines = [
        BEGIN,
        "## Subtitle lint (every track the benchmark runs wrote)",
        "",
        "Command: `python -m bench.tracks` (part of `make bench`). Netflix profile, 24 fps. "
        "Translation runs: " + "; ".join(f"{d} (`{p.relative_to(ROOT)}`)" for d, p in runs) + ".",
        "Hard rules: line length, line count, overlap, gap, minimum duration. "
        "Target: 0 hard violations; >= 95% of cues within the reading speed.",
        "",
        markdown(rows).split("\n\nEvery violation:")[0].rstrip(),
        "",
        "Every soft violation is listed by `python -m bench.lint_tracks DIR`.",
        "",
    ]
    batch = ROOT / "bench" / "BATCH.md"
    if batch.exists():
        table = [ln for ln in batch.read_text(encoding="utf-8").splitlines() if ln.startswith("|")]
        lines += [
            "## Batch throughput",
            "",
            "From bench/BATCH.md (`python -m bench.batch_bench --episodes 8 --minutes 5 "
            "--workers 1,2 --model tiny.en`; not re-run by `make bench`):",
            "",
            *table,
            "",
        ]
    lines.append(END)
    return "\n".join(lines)


def put_section(text: str, path: Path = RESULTS) -> None:
    """Replace the marked block in ``path`` (or insert it before the analysis, or append)."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        new = head + text + tail
    elif ANALYSIS in old:
        at = old.index(ANALYSIS)
        new = old[:at] + text + "\n\n" + old[at:]
    else:
        new = old.rstrip() + ("\n\n" if old else "") + text + "\n"
    path.write_text(new, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tracks", description=__doc__)
    parser.add_argument("--model", default="base")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    runs = translation_runs(args.model)
    shipped = sorted((WORK / "runs").glob(f"*-{args.model}"))  # not the -fast/-onset variants
    dirs = [ROOT / "outputs" / "sample", *shipped, *(p for _, p in runs)]
    text = section(runs, dirs)
    put_section(text, args.out)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
