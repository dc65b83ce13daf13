"""Lint every subtitle track the benchmark runs wrote, and report it as Markdown.

    python -m bench.lint_tracks [DIR ...] [--out bench/LINT.md]

Each ``<stem>.<code>.<srt|vtt|ass>`` under the folders is checked against the Netflix profile with
:func:`pipeline.subtitles.lint.lint_file`; the language comes from the code in the file name (a
stacked ``en-zh`` track is checked line by line against each script's own limits). Hard rules (line
length, line count, overlap, gap, minimum duration) must show 0; the target for reading speed is 95%
of cues within the limit, the rest listed.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.subtitles.lint import LintResult, lint_file

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIRS = (ROOT / "outputs" / "sample", ROOT / "bench" / "work")
_NAME = re.compile(r"\.(?P<code>[a-z]{2,3}(?:-[a-z]{2,3})?)\.(?P<fmt>srt|vtt|ass)$")


@dataclass(frozen=True)
class TrackLint:
    """The lint result of one track file."""

    path: Path
    code: str
    result: LintResult
    cues: int


def tracks(dirs: Iterable[Path]) -> list[tuple[Path, str]]:
    """Subtitle files under ``dirs`` with the language code their names carry."""
    found: list[tuple[Path, str]] = []
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            m = _NAME.search(path.name)
            if m and path.is_file() and "stvenv" not in path.parts:
                found.append((path, m["code"]))
    return found


def lint_tracks(dirs: Iterable[Path], profile: str = "netflix") -> list[TrackLint]:
    """Lint every track under ``dirs``."""
    out = []
    for path, code in tracks(dirs):
        lang = None if "-" in code else code
        result = lint_file(path, lang, profile, 24.0)
        out.append(TrackLint(path, code, result, result.cue_count))
    return out


def markdown(rows: Sequence[TrackLint], root: Path = ROOT) -> str:
    """A Markdown table of the results, with every soft violation listed."""
    lines = [
        "| track | lang | cues | hard | soft | % cues within reading speed |",
        "|---|---|---|---|---|---|",
    ]
    hard = soft = 0
    for row in rows:
        rel = row.path.relative_to(root) if row.path.is_relative_to(root) else row.path
        r = row.result
        hard += r.hard_count
        soft += r.soft_count
        lines.append(
            f"| `{rel}` | {row.code} | {row.cues} | {r.hard_count} | {r.soft_count} "
            f"| {r.cps_within * 100:.1f} |"
        )
    total_cues = sum(r.cues for r in rows)
    within = sum(r.result.cps_within * r.cues for r in rows) / max(total_cues, 1)
    lines += [
        "",
        f"{len(rows)} tracks, {total_cues} cues: {hard} hard violations, {soft} soft; "
        f"{within * 100:.1f}% of cues within reading speed.",
    ]
    listed = [(row, v) for row in rows for v in row.result.format_lines()]
    if listed:
        lines += ["", "Every violation:", ""]
        for row, text in listed:
            lines.append(f"- `{row.path.name}` {text}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dirs", nargs="*", type=Path, help="folders to search (recursive)")
    parser.add_argument("--out", type=Path, default=None, help="write the Markdown here")
    parser.add_argument("--profile", default="netflix")
    args = parser.parse_args(argv)
    rows = lint_tracks(args.dirs or DEFAULT_DIRS, args.profile)
    text = markdown(rows)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text, end="")
    return 1 if any(r.result.hard_count for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
