"""Subtitle files (SRT, WebVTT, ASS/SSA) read one way, for transcripts and for lint.

One block locator, :func:`blocks`, numbers a file's lines and splits it at blank lines. Both users
of subtitle files read their cues from it:

* the transcript readers (:mod:`pipeline.transcript.srt`, :mod:`pipeline.transcript.vtt`) take
  :func:`cue_blocks`, leniently: a block without a timing line is kept (its text becomes a turn, or
  its line is named in the error), and every cue knows its first and last line;
* :func:`read_subtitles`, what :mod:`pipeline.subtitles.lint` checks, reads strictly: a malformed
  block or time stamp is an error naming the file and line before any library sees the file.

A format's cues are read by the library its writer uses: pysrt reads SubRip cues, webvtt-py
checks and reads the WebVTT files lint is given, pysubs2 reads ASS events. pysubs2 is not the
SubRip or WebVTT reader because its WebVTT reader is its SubRip reader with another stamp pattern:
NOTE, STYLE and REGION blocks and cue identifiers end up in the previous cue's text, ``<v Name>``
voices go with the other tags, a cue's last line is dropped when it is a bare number ("1984"),
and no event says which lines it came from.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError, SubtitleFormatError
from pipeline.timecode import parse_stamp
from pipeline.transcript.textfile import decode_bytes, split_lines

#: Characters of a bad line quoted in an error.
QUOTE_CHARS = 60
#: File suffix -> subtitle format.
EXTENSIONS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ass"}
#: Subtitle format -> the step its time stamps take, in milliseconds.
RESOLUTION_MS = {"srt": 1, "vtt": 1, "ass": 10}

#: A line of a file: (1-based line number, the line as written).
Line = tuple[int, str]
#: Lines between blank lines (a line of spaces is blank), in file order.
Block = tuple[Line, ...]
#: (start_ms, end_ms, display lines without markup) of one cue, as lint reads it.
RawCue = tuple[int, int, list[str]]

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
#: WebVTT blocks that hold no cue text (the header, comments, style sheets, regions).
VTT_NON_CUE = re.compile(r"^(?:WEBVTT|NOTE|STYLE|REGION)\b")
#: Markup inside cue text: <i>, </b>, <v Name>, <c.class>, {\an8}, <00:00:01.000>.
MARKUP = re.compile(r"<[^>\n]*>|\{\\[^}\n]*\}")
#: A WebVTT voice span opening a cue, ``<v.loud Ann Lee>``: the name, as webvtt-py reads it.
VOICE = re.compile(r"<v(?:\.\w+)*\s+([^>\s][^>]*)>")


def blocks(text: str) -> list[Block]:
    """The blank-line separated blocks of ``text``, every line with its number.

    >>> blocks("1\\n00:00:01,000 --> 00:00:02,000\\nHi.\\n\\n \\nBye.")
    [((1, '1'), (2, '00:00:01,000 --> 00:00:02,000'), (3, 'Hi.')), ((6, 'Bye.'),)]
    """
    out: list[Block] = []
    block: list[Line] = []
    for number, line in enumerate(split_lines(text), start=1):
        if line.strip():
            block.append((number, line))
        elif block:
            out.append(tuple(block))
            block = []
    if block:
        out.append(tuple(block))
    return out


@dataclass(frozen=True, slots=True)
class CueBlock:
    """One cue as the file has it, for the transcript readers.

    Attributes:
        timing_line: 1-based number of the timing line (0: the block has none).
        start: start stamp as written; end: end stamp as written.
        lines: (line number, stripped text) of each text line.
        voice: the name of a WebVTT voice span opening the cue's text, if any.
    """

    timing_line: int
    start: str
    end: str
    lines: tuple[Line, ...]
    voice: str | None = None


def cue_blocks(text: str, *, vtt: bool = False) -> list[CueBlock]:
    """Every block of ``text`` read as a cue; with ``vtt``, WebVTT's non-cue blocks skipped."""
    out: list[CueBlock] = []
    for raw in blocks(text):
        block = tuple((number, line.strip()) for number, line in raw)
        if vtt and VTT_NON_CUE.match(block[0][1]):
            continue
        timing = next((k for k, (_, line) in enumerate(block) if TIMING.match(line)), None)
        if timing is None:
            if len(block) > 1 and COUNTER.match(block[0][1]):
                block = block[1:]  # an SRT counter whose timing line is missing
            out.append(CueBlock(0, "", "", block))
            continue
        m = TIMING.match(block[timing][1])
        assert m is not None
        voice = None
        if vtt and timing + 1 < len(raw):
            found = VOICE.match(raw[timing + 1][1])  # the span opens the line as written
            voice = found.group(1) if found else None
        out.append(CueBlock(block[timing][0], m["start"], m["end"], block[timing + 1 :], voice))
    return out


def clean(text: str) -> str:
    """Cue text without markup."""
    return MARKUP.sub("", text).strip()


def detect_subtitle_format(text: str, path: Path) -> str:
    """``srt``, ``vtt`` or ``ass``: by the file's suffix, else by its content.

    Raises:
        SubtitleFormatError: when neither says.
    """
    by_suffix = EXTENSIONS.get(path.suffix.lower())
    if by_suffix:
        return by_suffix
    head = text.lstrip()
    if head.startswith("WEBVTT"):
        return "vtt"
    if head.startswith("[Script Info]") or "\n[Events]" in text:
        return "ass"
    if any(SRT_TIMING.match(line) for line in split_lines(text)):
        return "srt"
    raise SubtitleFormatError(
        "not a subtitle file: no SRT, WebVTT or ASS cues found",
        path=path,
        hint="give an .srt, .vtt or .ass file",
    )


def read_subtitles(path: Path) -> tuple[str, list[RawCue]]:
    """The format and the cues of an SRT, VTT or ASS file, in file order.

    Raises:
        SubtitleFormatError: when the file cannot be read or is malformed.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SubtitleFormatError(
            f"cannot read subtitle file ({err.strerror or err})",
            path=path,
            hint="check the path and its permissions",
        ) from err
    try:
        text = decode_bytes(data, path).text
    except PipelineError as err:
        raise SubtitleFormatError(
            err.message.replace("transcript", "subtitle file"), path=path
        ) from err
    readers = {"srt": _read_srt, "vtt": _read_vtt, "ass": _read_ass}
    fmt = detect_subtitle_format(text, path)
    return fmt, readers[fmt](text, path)


def _stamps(line: str, path: Path, number: int) -> tuple[int, int]:
    """In- and out-time of a ``start --> end [settings]`` line."""
    left, _, right = line.partition("-->")
    end = right.split()[0] if right.split() else ""
    try:
        return parse_stamp(left), parse_stamp(end)
    except ValueError:
        raise SubtitleFormatError(
            f"malformed time line {line.strip()!r}",
            path=path,
            line=number,
            hint="write it as HH:MM:SS,mmm --> HH:MM:SS,mmm",
        ) from None


def _timing_index(lines: list[str], first: int, path: Path, what: str) -> int:
    """Index in ``lines`` of its time line (first, or after a cue identifier)."""
    for i, line in enumerate(lines[:2]):
        if "-->" in line:
            return i
    raise SubtitleFormatError(
        f"expected a {what} followed by a time line, found {lines[0].strip()[:QUOTE_CHARS]!r}",
        path=path,
        line=first,
        hint="every cue starts with a time line 'start --> end'; no blank lines inside a cue",
    )


def _read_srt(text: str, path: Path) -> list[RawCue]:
    import pysrt

    cues: list[RawCue] = []
    for block in blocks(text):
        first = block[0][0]
        lines = [line for _, line in block]
        at = _timing_index(lines, first, path, "cue number")
        if at == 1 and not lines[0].strip().isdigit():
            raise SubtitleFormatError(
                f"cue number {lines[0].strip()[:QUOTE_CHARS]!r} is not a number",
                path=path,
                line=first,
            )
        _stamps(lines[at], path, first + at)
        try:
            item = pysrt.SubRipItem.from_lines(lines if at == 1 else ["0", *lines])
        except (pysrt.Error, ValueError) as err:
            raise SubtitleFormatError(f"malformed cue ({err})", path=path, line=first) from err
        shown = [clean(line) for line in str(item.text).split("\n")]
        cues.append((int(item.start.ordinal), int(item.end.ordinal), [x for x in shown if x]))
    return cues


def _read_vtt(text: str, path: Path) -> list[RawCue]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    found = blocks(text)
    if not found or not found[0][0][1].lstrip().startswith("WEBVTT"):
        raise SubtitleFormatError(
            "missing WEBVTT header", path=path, line=1, hint="a WebVTT file starts with 'WEBVTT'"
        )
    for block in found[1:]:
        lines = [line for _, line in block]
        if VTT_NON_CUE.match(lines[0].strip()):
            continue
        at = _timing_index(lines, block[0][0], path, "cue identifier")
        _stamps(lines[at], path, block[0][0] + at)
    try:
        captions = webvtt.from_string(text, strict=True).captions
    except (MalformedCaptionError, MalformedFileError, ValueError) as err:
        raise SubtitleFormatError(f"malformed WebVTT ({err})", path=path) from err
    return [
        (
            int(c.start_time.in_milliseconds()),
            int(c.end_time.in_milliseconds()),
            [html.unescape(line).strip() for line in str(c.text).split("\n") if line.strip()],
        )
        for c in captions
    ]


def _read_ass(text: str, path: Path) -> list[RawCue]:
    import pysubs2

    fields: list[str] = []
    section = ""
    for number, line in enumerate(split_lines(text), start=1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped.lower()
        elif section == "[events]" and stripped.lower().startswith("format:"):
            fields = [f.strip().lower() for f in stripped.split(":", 1)[1].split(",")]
        elif section == "[events]" and stripped.lower().startswith(("dialogue:", "comment:")):
            values = stripped.split(":", 1)[1].split(",", len(fields) - 1) if fields else []
            if not fields or len(values) < len(fields) or "start" not in fields:
                raise SubtitleFormatError(
                    "malformed event line (fields do not match the [Events] Format line)",
                    path=path,
                    line=number,
                )
            for name in ("start", "end"):
                try:
                    parse_stamp(values[fields.index(name)])
                except (ValueError, IndexError):
                    raise SubtitleFormatError(
                        f"malformed {name} time in event line",
                        path=path,
                        line=number,
                        hint="write times as H:MM:SS.cc",
                    ) from None
    if not fields:
        raise SubtitleFormatError(
            "no [Events] section with a Format line", path=path, hint="is this an ASS file?"
        )
    try:
        subs = pysubs2.SSAFile.from_string(text, format_="ass")
    except (pysubs2.Pysubs2Error, ValueError) as err:
        raise SubtitleFormatError(f"malformed ASS ({err})", path=path) from err
    return [
        (
            int(event.start),
            int(event.end),
            [line.strip() for line in str(event.plaintext).split("\n") if line.strip()],
        )
        for event in subs.events
        if not event.is_comment and not event.is_drawing
    ]


__all__ = [
    "EXTENSIONS",
    "RESOLUTION_MS",
    "Block",
    "CueBlock",
    "Line",
    "RawCue",
    "blocks",
    "clean",
    "cue_blocks",
    "detect_subtitle_format",
    "read_subtitles",
]
