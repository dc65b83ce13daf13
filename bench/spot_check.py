"""Print evenly spread cues of a retimed track beside the English truly spoken at their times.

    python -m bench.spot_check bench/work/ru000/long.ru.srt bench/work/cases/long/long.truth.json

For a hand check of translation timing: each of N cues (default 20, evenly spread) is shown with
the truth words spoken from 1 s before its in-time to 0.5 s after its out-time. Nothing here is
committed output: the seeds' text stays out of the repository.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import pysrt

LEAD_MS = 1000
TAIL_MS = 500


def spot_rows(track: Path, truth: Path, n: int = 20) -> list[tuple[int, str, str, str, str]]:
    """(cue number, in, out, cue text, English heard) for ``n`` evenly spread cues."""
    words = json.loads(truth.read_text(encoding="utf-8"))["words"]
    subs = pysrt.open(str(track), encoding="utf-8")
    rows = []
    count = len(subs)
    for k in range(min(n, count)):
        sub = subs[int(k * (count - 1) / max(n - 1, 1))]
        start, end = sub.start.ordinal, sub.end.ordinal
        heard = [w["text"] for w in words if start - LEAD_MS <= w["start"] * 1000 <= end + TAIL_MS]
        rows.append(
            (sub.index, str(sub.start), str(sub.end), sub.text.replace("\n", " "), " ".join(heard))
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("track", type=Path)
    parser.add_argument("truth", type=Path)
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args(argv)
    print("| cue | in | out | cue text | English heard |\n|---|---|---|---|---|")
    for row in spot_rows(args.track, args.truth, args.n):
        print("| " + " | ".join(str(x) for x in row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
