"""A small reader of Praat TextGrid files, short and long text format (UTF-8 or UTF-16).

Both formats carry the same values in the same order; the long one only adds ``key =`` labels
and ``[n]:`` indices.  So the reader tokenizes the text into quoted strings, numbers and the
``<exists>``/``<absent>`` flag, drops the labels and indices, and reads the values in order:
``"ooTextFile" "TextGrid" xmin xmax <exists> size`` then, per tier, ``class name xmin xmax
count`` followed by ``count`` intervals ``xmin xmax text`` (IntervalTier) or points ``time
mark`` (TextTier, read as zero-length intervals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_TOKEN = re.compile(
    r'"((?:[^"]|"")*)"'  # a string; "" is an escaped quote; may span lines
    r"|\[\d*\]"  # an index of the long format: skipped
    r"|(<exists>|<absent>)"
    r"|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
)


@dataclass(frozen=True)
class Interval:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Tier:
    name: str
    kind: str  # "IntervalTier" or "TextTier"
    intervals: tuple[Interval, ...]


@dataclass(frozen=True)
class TextGrid:
    xmin: float
    xmax: float
    tiers: tuple[Tier, ...]

    def tier(self, name: str) -> Tier:
        for t in self.tiers:
            if t.name == name:
                return t
        raise KeyError(f"no tier {name!r} (tiers: {', '.join(t.name for t in self.tiers)})")


def _tokens(text: str) -> list[str | float]:
    out: list[str | float] = []
    for m in _TOKEN.finditer(text):
        if m.group(1) is not None:
            out.append(m.group(1).replace('""', '"'))
        elif m.group(2) is not None:
            out.append(m.group(2))
        elif m.group(3) is not None:
            out.append(float(m.group(3)))
    return out


def parse_textgrid(text: str) -> TextGrid:
    """A TextGrid from the text of a file in either format."""
    toks = _tokens(text)
    pos = 0

    def num() -> float:
        nonlocal pos
        v = toks[pos]
        pos += 1
        if not isinstance(v, float):
            raise ValueError(f"TextGrid: expected a number at token {pos}, got {v!r}")
        return v

    def string() -> str:
        nonlocal pos
        v = toks[pos]
        pos += 1
        if not isinstance(v, str):
            raise ValueError(f"TextGrid: expected a string at token {pos}, got {v!r}")
        return v

    if toks[:2] != ["ooTextFile", "TextGrid"]:
        raise ValueError("not a TextGrid text file (no 'ooTextFile' / 'TextGrid' header)")
    pos = 2
    xmin, xmax = num(), num()
    if string() != "<exists>":
        return TextGrid(xmin, xmax, ())
    tiers: list[Tier] = []
    for _ in range(int(num())):
        kind, name = string(), string()
        num(), num()
        items: list[Interval] = []
        for _ in range(int(num())):
            if kind == "IntervalTier":
                a, b = num(), num()
                items.append(Interval(a, b, string()))
            else:
                t = num()
                items.append(Interval(t, t, string()))
        tiers.append(Tier(name, kind, tuple(items)))
    return TextGrid(xmin, xmax, tuple(tiers))


def read_textgrid(path: Path | str) -> TextGrid:
    raw = Path(path).read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    else:
        text = raw.decode("utf-8-sig")
    return parse_textgrid(text)
