"""Cue blocks of SRT and WebVTT files, with the line numbers the libraries drop.

pysrt and webvtt-py parse times and text but do not say where in the file a cue
was; the turn promise (first_line..last_line) needs that, so this scanner finds
every timing line and the text lines under it. The readers pair its blocks with
the library's cues in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.transcript.textfile import split_lines

#: A timing line: "00:00:01,000 --> 00:00:02,500" (SRT) or "01:00.000 --> 01:02.500 align:start".
#: Loose on purpose: a line with "-->" is a timing line even when a stamp is broken,
#: so the broken stamp is reported instead of the line becoming cue text.
TIMING = re.compile(r"^\s*(?P<start>\S*)\s*-->\s*(?P<end>\S*)")
#: A well-formed SRT timing line, for format detection.
SRT_TIMING = re.compile(
    r"^\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}"
)
#: A line shaped like a timing line but possibly broken ("00:00:99,999 -> 00:00:02"): for
#: detection only, so a file of broken cues is read as subtitles and its stamps reported.
LOOSE_TIMING = re.compile(r"^\s*\d[\d:,.]*\s*-{1,2}>\s*\S+\s*$")
#: The cue counter line of SRT ("12") before a timing line.
COUNTER = re.compile(r"^\d+$")
#: WebVTT blocks that hold no cue text.
VTT_NON_CUE = re.compile(r"^(?:WEBVTT|NOTE|STYLE|REGION)\b")
#: Markup inside cue text: <i>, </b>, <v Name>, <c.class>, {\an8}, <00:00:01.000>.
MARKUP = re.compile(r"<[^>\n]*>|\{\\[^}\n]*\}")


@dataclass(frozen=True, slots=True)
class CueBlock:
    """One cue as the file has it.

    Attributes:
        timing_line: 1-based number of the timing line (0: the block has none).
        start: start stamp as written; end: end stamp as written.
        lines: (line number, text) of each text line.
    """

    timing_line: int
    start: str
    end: str
    lines: tuple[tuple[int, str], ...]


def scan_blocks(text: str, *, vtt: bool = False) -> list[CueBlock]:
    """Split ``text`` into blank-line-separated blocks and read each as a cue."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(split_lines(text), start=1):
        if line.strip():
            blocks[-1].append((number, line.strip()))
        elif blocks[-1]:
            blocks.append([])
    out: list[CueBlock] = []
    for block in blocks:
        if not block or (vtt and VTT_NON_CUE.match(block[0][1])):
            continue
        timing = next((k for k, (_, line) in enumerate(block) if TIMING.match(line)), None)
        if timing is None:
            if len(block) > 1 and COUNTER.match(block[0][1]):
                block = block[1:]  # an SRT counter whose timing line is missing
            out.append(CueBlock(0, "", "", tuple(block)))
            continue
        m = TIMING.match(block[timing][1])
        assert m is not None
        out.append(CueBlock(block[timing][0], m["start"], m["end"], tuple(block[timing + 1 :])))
    return out


def clean(text: str) -> str:
    """Cue text without markup."""
    return MARKUP.sub("", text).strip()
