"""Markdown for the sentence-level translation bench, spliced into bench/BITEXT.md and RESULTS.md.

The generated block sits between two markers in BITEXT.md and under its own heading at the end of
RESULTS.md (after the hand-written analysis, which ``python -m bench.run`` keeps), so re-running
either bench replaces only its own figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bench import markdown

Figures = Mapping[str, Mapping[str, float | int | None]]

BEGIN = "<!-- bitext-sentences: begin (python -m bench.bitext_sentences --write) -->"
END = "<!-- bitext-sentences: end -->"
HEADING = "## Translation timing to the sentence (issue 15)"

A, STACKED = "(a) paired zh, .zh track", "(a) paired zh, stacked en-zh (zh lines)"
B, C, OLD = "(b) ru translation only", "(c) ru old SRT retimed", "(c) old SRT as given"

#: (figure, case, key, wanted): the issue's table, then the rest of what the bench measures.
ROWS: tuple[tuple[str, str, str, float | None], ...] = (
    ("zh (paired): sentences whose cue opens within 300 ms", A, "within_300", 98.0),
    ("zh (paired): cues inside their sentences' span", A, "cues_inside", 98.0),
    ("ru (translation only): sentences within 1 s", B, "within_1000", 97.0),
    ("ru (translation only): sentences within 500 ms", B, "within_500", 95.0),
    ("ru: cues inside their sentences' span", B, "cues_inside", 95.0),
    ("ru track: cues within 17 cps", B, "cps_within", 80.0),
    ("zh track: cues within 9 cps", A, "cps_within", None),
    ("zh stacked en-zh (zh lines): within 300 ms", STACKED, "within_300", None),
    ("zh stacked en-zh (zh lines): cues inside", STACKED, "cues_inside", None),
    ("ru old SRT retimed: sentences within 1 s", C, "within_1000", None),
    ("ru old SRT retimed: sentences within 500 ms", C, "within_500", None),
    ("ru old SRT retimed: cues inside", C, "cues_inside", None),
    ("ru old SRT retimed: cues kept with their own lines", C, "cues_kept", None),
    ("ru old SRT retimed: cues within 17 cps", C, "cps_within", None),
    ("ru old SRT as given: sentences within 1 s", OLD, "within_1000", None),
)


def _cell(value: float | int | None) -> str:
    return "–" if value is None else f"{value:g} %"


def table(results: Figures, model: str, commit: str) -> str:
    """The figures against the issue's wanted column, and the counts behind them."""
    lines = [
        f"Model `{model}`, commit {commit}; `.venv/bin/python -m bench.bitext_sentences "
        f"--model {model} --write`.",
        "",
        "| figure | now | wanted |",
        "|---|---|---|",
    ]
    for label, case, key, wanted in ROWS:
        got = results.get(case, {}).get(key)
        if wanted is None:
            mark = "–"
        elif got is None:
            mark = f">= {wanted:g} % (not measured)"
        else:
            mark = f">= {wanted:g} % {'✓' if got >= wanted else '✗'}"
        lines.append(f"| {label} | {_cell(got)} | {mark} |")
    lines += ["", "| case | sentences | missing | starting mid-cue | cues | median error | wall |"]
    lines.append("|---|---|---|---|---|---|---|")
    for case, r in results.items():
        wall = "" if r.get("wall_s") is None else f"{r.get('wall_s')} s"
        lines.append(
            f"| {case} | {r.get('sentences')} | {r.get('missing')} | {r.get('mid_cue')} | "
            f"{r.get('cues')} | {r.get('median_abs_ms')} ms | {wall} |"
        )
    return "\n".join(lines)


def splice_between(path: Path, body: str) -> None:
    """Replace the text between the markers of ``path`` (or append a marked block)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{BEGIN}\n{body}\n{END}"
    a, b = text.find(BEGIN), text.find(END)
    if a >= 0 and b > a:
        text = text[:a] + block + text[b + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def splice_section(path: Path, body: str) -> None:
    """Replace this bench's section of RESULTS.md (or append it at the end)."""
    markdown.splice_section(path, HEADING, body)
