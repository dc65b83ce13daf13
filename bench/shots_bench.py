"""Shot changes bench (issue 16): how many cue in- and out-times obey the shot rules, before/after.

``python -m bench.shots_bench [--model base] [--profiles netflix bbc] [--quick] [--write]``

Two videos, both made with ffmpeg (:mod:`tests.video`): coloured scenes at 25 fps over an
episode's audio, cut at known frames.

* ``sample``: ``media/sample.mp3`` (99 s) under the 26 cuts of ``tests.video.SAMPLE_SCENES``,
  aligned with ``media/sample.en-zh.txt`` (tracks en, zh, en-zh);
* ``clean``: the :mod:`bench.cases` ``clean`` episode (about 6 minutes of espeak-ng speech;
  ``--quick``: the 1.5-minute one) under scenes of 2-6 s (seeded), aligned with its transcript.

Each video is aligned twice through the documented CLI, with the same model and audio:
*before* with a config whose stages leave ``shots`` out (the picture ignored, as before issue
16), *after* with the default stages. For every track both runs write, the bench counts, against
the shot changes found in the video, the in- and out-times that obey the profile's shot rules
(:func:`pipeline.subtitles.shots.obeying`), the cues that break one, the hard lint violations
of the other rules (at the video's frame rate), the share of cues within reading speed and how
far the in-times moved. ``--write`` puts the table in bench/RESULTS.md (its own section).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

from bench import markdown
from pipeline.subtitles.lint import lint_file
from pipeline.subtitles.shots import lint_file_with_video, obeying
from pipeline.transcript.subfile import read_subtitles
from pipeline.video.detect import detect_shots
from pipeline.video.records import Shots
from tests.video import SAMPLE_SCENES, make_scene_video, random_scenes

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "shots"
RESULTS = ROOT / "bench" / "RESULTS.md"
HEADING = "## Shot changes (issue 16)"
FPS = 25
SCENE_SEED = 16
NO_SHOTS = (
    "stages: [ingest, vad, transcribe, parse, align, refine, bitext, segment, write, report]\n"
)


@dataclass(frozen=True)
class Row:
    profile: str
    case: str
    track: str
    cues: int
    obey_before: tuple[int, int]
    obey_after: tuple[int, int]
    broken_before: int
    broken_after: int
    hard_before: int
    hard_after: int
    cps_before: float
    cps_after: float
    moved_ms: tuple[float, int]  # mean and largest |in-time shift| of the in-times that moved
    moved: int  # in-times that moved


def _run(audio: Path, text: Path, out: Path, model: str, config: Path | None) -> float:
    cmd = [sys.executable, "-m", "pipeline", "align", str(audio), str(text), "--out", str(out)]
    cmd += ["--model", model, "--force", "-q"]
    if config is not None:
        cmd += ["--config", str(config)]
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - began


def _times(path: Path) -> list[tuple[int, int]]:
    _, raw = read_subtitles(path)
    return [(s, e) for s, e, _ in raw]


def _broken(path: Path, shots: Shots, profile: str) -> tuple[int, int]:
    """(cues breaking a shot rule, hard violations of the other rules) of a written track."""
    result = lint_file_with_video(path, shots, None, profile)
    shot = {v.cue for v in result.violations if v.rule.startswith("shot-")}
    other = sum(v.hard for v in result.violations if not v.rule.startswith("shot-"))
    return len(shot), other


def measure(case: str, video: Path, text: Path, model: str, profile: str) -> tuple[list[Row], int]:
    """Align ``video`` before and after; one row per track both runs wrote, and its cuts."""
    shots = detect_shots(video)
    assert shots is not None
    base = WORK / profile / case
    before, after = base / "before", base / "after"
    config = base / "no-shots.yaml"
    base.mkdir(parents=True, exist_ok=True)
    config.write_text(f"segment: {{profile: {profile}}}\n{NO_SHOTS}", encoding="utf-8")
    profiled = base / "shots.yaml"
    profiled.write_text(f"segment: {{profile: {profile}}}\n", encoding="utf-8")
    walls = (_run(video, text, before, model, config), _run(video, text, after, model, profiled))
    print(f"[{case}] before {walls[0]:.1f} s, after {walls[1]:.1f} s", file=sys.stderr)
    rows = []
    for srt in sorted(after.glob(f"{video.stem}.*.srt")):
        old = before / srt.name
        if not old.exists():
            continue
        a, b = _times(old), _times(srt)
        shifts = [abs(x[0] - y[0]) for x, y in zip(a, b, strict=False) if x[0] != y[0]]
        lint_a = lint_file(old, None, profile, shots.fps)
        lint_b = lint_file(srt, None, profile, shots.fps)
        (sa, ha), (sb, hb) = _broken(old, shots, profile), _broken(srt, shots, profile)
        rows.append(
            Row(
                profile,
                case,
                srt.name.removeprefix(video.stem + ".").removesuffix(".srt"),
                len(b),
                obeying(a, shots, profile),
                obeying(b, shots, profile),
                sa,
                sb,
                ha,
                hb,
                lint_a.cps_within,
                lint_b.cps_within,
                (statistics.fmean(shifts) if shifts else 0.0, max(shifts, default=0)),
                len(shifts),
            )
        )
    return rows, len(shots.changes)


def _share(pair: tuple[int, int]) -> str:
    good, total = pair
    return f"{100 * good / total:.1f} % ({good}/{total})" if total else "-"


def table(rows: list[Row], cuts: dict[str, int], model: str, profiles: list[str]) -> str:
    lines = [
        f"`python -m bench.shots_bench --model {model} --profiles {' '.join(profiles)}`: each "
        "video aligned "
        "twice with the same model and audio, *before* with the shots stage left out (the "
        "picture ignored) and *after* with the default stages; times checked against the shot "
        f"changes found in the video (25 fps; sample: {cuts.get('sample', 0)} cuts, clean: "
        f"{cuts.get('clean', 0)}).",
        "",
        "| profile | case | track | cues | in/out times obeying the shot rules, before | after | "
        "cues breaking one, before / after | other hard lint, before / after | "
        "within reading speed, before / after | in-times moved (mean / max shift) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mean, most = r.moved_ms
        lines.append(
            f"| {r.profile} | {r.case} | {r.track} | {r.cues} | {_share(r.obey_before)} | "
            f"{_share(r.obey_after)} | {r.broken_before} / {r.broken_after} | "
            f"{r.hard_before} / {r.hard_after} | {100 * r.cps_before:.1f} % / "
            f"{100 * r.cps_after:.1f} % | {r.moved} ({mean:.0f} / {most} ms) |"
        )
    return "\n".join(lines)


def splice_section(path: Path, body: str) -> None:
    """Replace this bench's section of RESULTS.md (or add it at the end); the rest is kept."""
    markdown.splice_section(path, HEADING, body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.shots_bench", description=__doc__)
    parser.add_argument("--model", default="base")
    parser.add_argument(
        "--profiles", nargs="+", default=["netflix", "bbc"], choices=("netflix", "bbc")
    )
    parser.add_argument("--quick", action="store_true", help="the 1.5-minute clean episode")
    parser.add_argument("--write", action="store_true", help="put the table in RESULTS.md")
    args = parser.parse_args(argv)
    from bench.cases import build

    WORK.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    cuts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.mp4"
        make_scene_video(sample, ROOT / "media" / "sample.mp3", SAMPLE_SCENES)
        clean = build(["clean"], quick=args.quick)["clean"]
        with wave.open(str(clean.audio)) as handle:
            seconds = handle.getnframes() / handle.getframerate()
        scenes = random_scenes(int(seconds * FPS) + FPS, SCENE_SEED)
        video = Path(tmp) / "clean.mp4"
        make_scene_video(video, clean.audio, scenes)
        cases = (
            ("sample", sample, ROOT / "media" / "sample.en-zh.txt"),
            ("clean", video, clean.transcript),
        )
        for profile in args.profiles:
            for name, path, text in cases:
                got, cuts[name] = measure(name, path, text, args.model, profile)
                rows += got
    body = table(rows, cuts, args.model, args.profiles)
    print(body)
    if args.write:
        splice_section(RESULTS, body)
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
