"""Alignment benchmark: synthetic cases with known word timing (and real speech), scored.

``python -m bench.run [--quick] [--cases clean,edited,noisy] [--long] [--model base]
[--threads 2] [--no-stablets] [--no-real] [--asterisk-minutes 25] [--reuse]``
(``make bench`` runs it with defaults)

For each case (:mod:`bench.cases`) it runs subweave in a child process, with the given model on
``--threads`` CPU threads, and measures the child's wall time, CPU time and peak RSS (``wait4``).
This is exactly ``subweave align AUDIO TRANSCRIPT --out DIR --config CFG --model M --force``,
once with the default engine (forced) and once per ``--variants`` engine (``transcribe``). It
scores the output with :mod:`bench.score`, runs stable-ts's ``align()`` with the same model
on the same cases (:mod:`bench.stablets`, a throwaway venv) unless ``--no-stablets``, adds the
real-speech benchmark (:mod:`bench.realspeech`; ``--quick``: its quick set) unless
``--no-real``, and writes ``bench/RESULTS.md`` (``--quick`` writes
``bench/work/RESULTS.quick.md`` instead) and a JSON twin under bench/work.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.score import WORD_START_ROWS

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "RESULTS.md"


def run_child(cmd: Sequence[str], log: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a command; its wall time, CPU time and peak RSS.

    Peak RSS comes from ``/usr/bin/time -f %M`` when present: the ``wait4`` figure of a
    child forked from this (large) process starts at this process's own high-water mark.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    rss_file = log.with_suffix(".rss")
    rss_file.unlink(missing_ok=True)
    timer = Path("/usr/bin/time")
    full = [str(timer), "-f", "%M", "-o", str(rss_file), *cmd] if timer.exists() else list(cmd)
    began = time.perf_counter()
    with log.open("w") as handle:
        proc = subprocess.Popen(full, stdout=handle, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - began
    rss_kb = float(usage.ru_maxrss)
    with contextlib.suppress(OSError, ValueError, IndexError):
        rss_kb = float(rss_file.read_text().split()[-1])
    return {
        "rc": proc.returncode,
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(rss_kb / 1024, 1),  # Linux: kB
    }


_STAGE_LINE = re.compile(r"✓ (\w+) \(([\d.]+) s;")


def run_subweave(
    audio: Path,
    transcript: Path,
    out: Path,
    model: str,
    threads: int,
    reuse: bool,
    engine: str = "forced",
) -> dict[str, Any]:
    """One ``subweave align`` run (a child process) on one case; figures of the run."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in (*out.glob("*.words.json"), *out.glob("*.srt")):
        stale.unlink()
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    log = out / "run.log"
    cfg = out / "bench.yaml"
    cfg.write_text(
        f"asr: {{model: {model}, language: en, compute_type: int8, cpu_threads: {threads}}}\n"
        f"align: {{engine: {engine}}}\n"
        "output: {formats: [srt], words_json: true}\n",
        encoding="utf-8",
    )
    cmd = [str(Path(sys.executable).with_name("subweave"))]
    cmd += ["align", str(audio), str(transcript), "--out", str(out), "--config", str(cfg)]
    cmd += ["--model", model] + ([] if reuse else ["--force"])
    res = run_child(cmd, log, env)
    res["mode"] = f"cli, align.engine={engine}"
    if res["rc"] != 0:
        res["error"] = log.read_text(errors="replace")[-2000:]
        return res
    res["stages"] = {m[1]: float(m[2]) for m in _STAGE_LINE.finditer(log.read_text())}
    return res


def score_run(case: Any, out: Path) -> dict[str, Any]:
    from bench.score import load_cues, load_output, load_truth, score

    srts = sorted(out.glob("*.en.srt"))
    cues = load_cues(srts[0]) if srts else None
    return score(load_truth(case.truth), load_output(out), cues)


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = -1.0
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "load_1min_at_start": round(load, 2),
    }


def git_commit() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "pipeline", "bench"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return rev + (" (+ uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


# --- report -----------------------------------------------------------------------


def _f(value: Any, suffix: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}{suffix}"
    return f"{value}{suffix}"


ROWS: list[tuple[str, Any]] = [
    ("coverage (% spoken words timed)", lambda s: s.get("coverage")),
    *WORD_START_ROWS,
    ("word end median abs err (ms)", lambda s: s["word_end"].get("median_ms")),
    (
        "absent transcript words / given a time",
        lambda s: f"{s['absent_words']} / {s['absent_timed']}",
    ),
    ("words timed inside the ad read", lambda s: s.get("words_in_unsupported")),
    ("% cue starts within 125 ms", lambda s: s.get("cue_start_within_125")),
    ("cue end median abs err (ms)", lambda s: s.get("cue_end", {}).get("median_ms")),
    ("cues overlapping the ad > 0.5 s", lambda s: s.get("cues_on_unsupported")),
]


ANALYSIS = "## Analysis (hand-written; kept when the figures above are rewritten)"

TOOLS = {
    "subweave": "subweave",
    "subweave-transcribe": "subweave (transcribe)",
    "stablets": "stable-ts",
}


def _speed_rows(run: dict[str, Any], audio_s: float) -> dict[str, Any]:
    stages = run.get("stages", {})
    wall = run["wall_s"]
    # subweave: the align stage alone (text matching); stable-ts: its whole align() call
    align_s = stages.get("align")
    share = None
    if align_s is not None and "transcribe" in stages and wall:
        share = round(100 * align_s / wall, 2)
    return {
        "wall_s": wall,
        "x_realtime": round(audio_s / wall, 1) if wall else None,
        "s_per_audio_min": round(wall / (audio_s / 60), 2) if audio_s else None,
        "transcribe_s": stages.get("transcribe"),
        "align_s": align_s,
        "align_share_pct": share,
        "peak_rss_mb": run["peak_rss_mb"],
        "cpu_s": run["cpu_s"],
    }


def _check(value: Any, ok: bool | None) -> str:
    if value is None or ok is None:
        return "–"
    return f"{_f(value)} {'✓' if ok else '✗'}"


def targets(cases: dict[str, Any], tools: list[str]) -> list[str]:
    """Issue 10's synthetic and speed targets per subweave column (✓ met, ✗ not, – not measured)."""
    cols = [t for t in tools if t != "stablets"]
    lines = ["## Targets (issue 10, item 4: synthetic speech and speed)", ""]
    lines.append("| target | " + " | ".join(TOOLS[t] for t in cols) + " |")
    lines.append("|" + "---|" * (len(cols) + 1))

    def row(label: str, fn: Any) -> None:
        cells = []
        for t in cols:
            try:
                cells.append(fn(t))
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append("–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    def sc(case: str, t: str) -> dict[str, Any]:
        return dict(cases[case][t]["score"])

    for case in ("clean", "long", "edited"):
        if case not in cases:
            continue
        row(
            f"{case}: coverage = 100%",
            lambda t, c=case: _check(sc(c, t)["coverage"], sc(c, t)["coverage"] >= 100.0),
        )
        row(
            f"{case}: word-start median <= 30 ms",
            lambda t, c=case: _check(
                sc(c, t)["word_start"]["median_ms"], sc(c, t)["word_start"]["median_ms"] <= 30
            ),
        )
        row(
            f"{case}: word-start p90 <= 90 ms",
            lambda t, c=case: _check(
                sc(c, t)["word_start"]["p90_ms"], sc(c, t)["word_start"]["p90_ms"] <= 90
            ),
        )
        row(
            f"{case}: cue starts within 125 ms >= 97%",
            lambda t, c=case: _check(
                sc(c, t).get("cue_start_within_125"),
                None
                if sc(c, t).get("cue_start_within_125") is None
                else sc(c, t)["cue_start_within_125"] >= 97,
            ),
        )
    if "edited" in cases:
        row(
            "edited: absent words given a time = 0",
            lambda t: _check(sc("edited", t)["absent_timed"], sc("edited", t)["absent_timed"] == 0),
        )
        row(
            "edited: cues overlapping the ad > 0.5 s = 0",
            lambda t: _check(
                sc("edited", t).get("cues_on_unsupported"),
                None
                if sc("edited", t).get("cues_on_unsupported") is None
                else sc("edited", t)["cues_on_unsupported"] == 0,
            ),
        )
    if "noisy" in cases:
        row(
            "noisy: word-start median <= 50 ms",
            lambda t: _check(
                sc("noisy", t)["word_start"]["median_ms"],
                sc("noisy", t)["word_start"]["median_ms"] <= 50,
            ),
        )
        row(
            "noisy: word-start p90 <= 150 ms",
            lambda t: _check(
                sc("noisy", t)["word_start"]["p90_ms"],
                sc("noisy", t)["word_start"]["p90_ms"] <= 150,
            ),
        )
    for case in cases:
        if "speed" not in cases[case].get("stablets", {}):
            continue
        row(
            f"{case}: throughput >= 2x stable-ts",
            lambda t, c=case: _check(
                round(cases[c]["stablets"]["speed"]["wall_s"] / cases[c][t]["speed"]["wall_s"], 2),
                cases[c]["stablets"]["speed"]["wall_s"] / cases[c][t]["speed"]["wall_s"] >= 2,
            ),
        )
    for case in cases:
        row(
            f"{case}: align work <= 2% of total",
            lambda t, c=case: _check(
                cases[c][t]["speed"]["align_share_pct"],
                None
                if cases[c][t]["speed"]["align_share_pct"] is None
                else cases[c][t]["speed"]["align_share_pct"] <= 2,
            ),
        )
    if "long" in cases and "clean" in cases:
        row(
            "long: cost per audio minute <= 1.1x the clean case's",
            lambda t: _check(
                round(
                    cases["long"][t]["speed"]["s_per_audio_min"]
                    / cases["clean"][t]["speed"]["s_per_audio_min"],
                    2,
                ),
                cases["long"][t]["speed"]["s_per_audio_min"]
                <= 1.1 * cases["clean"][t]["speed"]["s_per_audio_min"],
            ),
        )
        row(
            "long: peak memory <= 1.5 GB",
            lambda t: _check(
                cases["long"][t]["speed"]["peak_rss_mb"],
                cases["long"][t]["speed"]["peak_rss_mb"] <= 1536,
            ),
        )
    lines += [
        "",
        "The align share is the align stage over the whole run (for the forced engine it is the "
        "engine itself, model included, so the 2% target of issue 7 applies to the transcribe "
        "engine only); the runner logs stage times to 0.1 s.",
        "",
    ]
    return lines


def write_report(results: dict[str, Any], path: Path) -> None:
    meta = results["meta"]
    lines = [
        "# Alignment benchmark results",
        "",
        "Written by `python -m bench.run` (`make bench`); do not edit by hand.",
        "",
        f"- command: `{meta['command']}`",
        f"- commit: {meta['commit']}",
        f"- machine: {meta['machine']['nproc']} CPU(s), {meta['machine']['cpu']}; "
        f"1-min load at start {meta['machine']['load_1min_at_start']} "
        "(the machine is shared: wall times carry noise, ratios measured in the same run less so)",
        f"- model: `{meta['model']}`, {meta['threads']} CPU threads, int8; "
        f"subweave run mode: {meta.get('mode', '?')}",
        f"- total bench wall time: {meta.get('bench_wall_s', '?')} s",
        "",
    ]
    cases = results["cases"]
    tools = [t for t in TOOLS if any(t in c for c in cases.values())]
    lines += ["## Accuracy", ""]
    lines += [
        "Columns: `subweave` = `subweave align` as shipped (the forced engine: the transcript "
        "forced through Whisper window by window, then the refine stage's onsets); "
        "`subweave (transcribe)` = the same command with `align.engine: transcribe` (the whole "
        "episode transcribed, then matched); `stable-ts` = stable-ts `align()`, same model.",
        "",
    ]
    for name, c in cases.items():
        lines += [f"### {name} ({c['audio_s'] / 60:.1f} min)", ""]
        header = ["figure", *(TOOLS[t] for t in tools)]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for label, get in ROWS:
            row = [label]
            for t in tools:
                sc = c.get(t, {}).get("score")
                try:
                    row.append(_f(get(sc)) if sc else "–")
                except (KeyError, TypeError):
                    row.append("–")
            if any(v != "–" for v in row[1:]):
                lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    lines += ["## Speed", ""]
    sh = [
        "case",
        "audio (s)",
        "tool",
        "wall (s)",
        "x realtime",
        "s / audio min",
        "transcribe (s)",
        "align (s)",
        "align share (%)",
        "peak RSS (MB)",
        "CPU (s)",
    ]
    lines.append("| " + " | ".join(sh) + " |")
    lines.append("|" + "---|" * len(sh))
    for name, c in cases.items():
        for key in tools:
            if key not in c or "speed" not in c[key]:
                continue
            sp = c[key]["speed"]
            vals = (
                name,
                round(c["audio_s"], 1),
                TOOLS[key],
                sp["wall_s"],
                sp["x_realtime"],
                sp["s_per_audio_min"],
                sp.get("transcribe_s"),
                sp.get("align_s"),
                sp.get("align_share_pct"),
                sp["peak_rss_mb"],
                sp["cpu_s"],
            )
            lines.append("| " + " | ".join(_f(v) for v in vals) + " |")
    lines += [
        "",
        "Throughput ratio (stable-ts wall / subweave wall, same run, same model; > 1 means "
        "subweave is faster):",
        "",
    ]
    for name, c in cases.items():
        st = c.get("stablets", {}).get("speed")
        if not st:
            continue
        parts = [
            f"{TOOLS[t]} {st['wall_s'] / c[t]['speed']['wall_s']:.2f}x"
            for t in tools
            if t != "stablets" and "speed" in c.get(t, {})
        ]
        lines.append(f"- {name}: " + ", ".join(parts))
    for name, c in cases.items():
        for key in tools:
            if c.get(key, {}).get("error"):
                lines += ["", f"**{name} / {TOOLS[key]} failed:**", "", "```"]
                lines += [c[key]["error"][-1500:], "```"]
    lines += targets(cases, tools)
    if results.get("stablets_note"):
        lines += ["", "## stable-ts", "", results["stablets_note"]]
    if results.get("real"):
        lines += ["", "## Real speech", "", results["real"].get("markdown", "")]
    if results.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in results["notes"]]
    kept = ""
    if path.exists():  # hand-written analysis below this heading survives re-runs
        old = path.read_text(encoding="utf-8")
        at = old.find(ANALYSIS)
        kept = old[at:] if at >= 0 else ""
    text = "\n".join(lines) + "\n"
    path.write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1.5-minute clips")
    parser.add_argument("--cases", default="clean,edited,noisy")
    parser.add_argument("--long", action="store_true", help="add the >1 h case")
    parser.add_argument("--model", default="base")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-stablets", action="store_true")
    parser.add_argument("--no-real", action="store_true")
    parser.add_argument(
        "--asterisk-minutes", type=float, default=25.0, help="cap of the real Asterisk case"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse cached transcriptions")
    parser.add_argument("--out", type=Path, help="results markdown (default: bench/RESULTS.md)")
    parser.add_argument(
        "--variants",
        default="transcribe",
        help="other engines scored beside the default (forced) one: transcribe "
        "(the whole episode transcribed, then matched); '' for none",
    )
    args = parser.parse_args(argv)

    from bench import cases as bench_cases

    began = time.perf_counter()
    names = [n for n in args.cases.split(",") if n]
    if args.long and "long" not in names:
        names.append("long")
    meta = {
        "command": "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:]),
        "commit": git_commit(),
        "machine": machine(),
        "model": args.model,
        "threads": args.threads,
    }
    built = bench_cases.build(names, quick=args.quick)
    results: dict[str, Any] = {"meta": meta, "cases": {}, "notes": []}
    suffix = "-quick" if args.quick else ""
    st = None
    if not args.no_stablets:
        from bench import stablets

        st = stablets.Runner(args.model, args.threads)
        results["stablets_note"] = st.prepare()
    for name, case in built.items():
        audio_s = case.duration_s()
        entry: dict[str, Any] = {"audio_s": audio_s}
        out = WORK / "runs" / f"{name}{suffix}-{args.model}"
        print(f"[{name}] subweave on {audio_s:.0f} s of audio ...", file=sys.stderr, flush=True)
        run = run_subweave(case.audio, case.transcript, out, args.model, args.threads, args.reuse)
        meta["mode"] = run["mode"]
        entry["subweave"] = {"run": run}
        if run["rc"] == 0:
            entry["subweave"]["speed"] = _speed_rows(run, audio_s)
            entry["subweave"]["score"] = score_run(case, out)
        else:
            entry["subweave"]["error"] = run.get("error", "")
        for variant in [v for v in args.variants.split(",") if v]:
            print(f"[{name}] subweave, {variant} engine ...", file=sys.stderr, flush=True)
            vout = out.with_name(out.name + f"-{variant}")
            vrun = run_subweave(
                case.audio, case.transcript, vout, args.model, args.threads, args.reuse, variant
            )
            got: dict[str, Any] = {"run": vrun}
            if vrun["rc"] == 0:
                got["speed"] = _speed_rows(vrun, audio_s)
                got["score"] = score_run(case, vout)
            else:
                got["error"] = vrun.get("error", "")
            entry[f"subweave-{variant}"] = got
        if st is not None and st.ok:
            print(f"[{name}] stable-ts ...", file=sys.stderr, flush=True)
            entry["stablets"] = st.run_case(
                case, WORK / "runs" / f"{name}{suffix}-{args.model}-stablets"
            )
            if "run" in entry["stablets"] and entry["stablets"]["run"]["rc"] == 0:
                entry["stablets"]["speed"] = _speed_rows(entry["stablets"]["run"], audio_s)
        results["cases"][name] = entry
        _save(results, args)
    if not args.no_real:
        try:
            from bench import realspeech

            results["real"] = realspeech.run(
                args.model,
                args.threads,
                st,
                quick=args.quick,
                asterisk_minutes=args.asterisk_minutes,
                stablets_note=results.get("stablets_note", ""),
            )
        except Exception as exc:  # report, do not lose the synthetic figures
            results["real"] = {"markdown": f"Real-speech benchmark did not run: {exc!r}"}
    if "long" not in names:
        results["notes"].append("long case (whole seed 001, > 1 h) not run: pass --long")
    meta["bench_wall_s"] = round(time.perf_counter() - began, 1)
    _save(results, args)
    print(f"wrote {_md_path(args)}", file=sys.stderr)
    return 0


def _md_path(args: argparse.Namespace) -> Path:
    if args.out is not None:
        return Path(args.out)
    return WORK / "RESULTS.quick.md" if args.quick else RESULTS


def _save(results: dict[str, Any], args: argparse.Namespace) -> None:
    md = _md_path(args)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / (md.stem + ".json")).write_text(json.dumps(results, indent=1, default=str))
    write_report(results, md)


if __name__ == "__main__":
    raise SystemExit(main())
