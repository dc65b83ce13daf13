"""Reading subtitle files of any origin (SRT, WebVTT, ASS/SSA) into plain timed lines.

Lenient where real files are messy (numbering gaps, styling tags, BOMs, stray blank lines) and
strict where a guess would mislead: a malformed time stamp is an error naming the file and line.
:mod:`pipeline.subtitles.lint` checks what this module reads.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import PipelineError, SubtitleFormatError
from pipeline.timecode import parse_stamp

QUOTE_CHARS = 60  # characters of a bad line quoted in an error

#: (start_ms, end_ms, display lines without markup) of one cue as the file has it.
RawCue = tuple[int, int, list[str]]

#: File suffix -> subtitle format.
EXTENSIONS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ass"}
#: Subtitle format -> the step its time stamps take, in milliseconds.
RESOLUTION_MS = {"srt": 1, "vtt": 1, "ass": 10}
_SRT_TIMING = re.compile(r"^\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}\s*-->", re.MULTILINE)
_SRT_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_VTT_SKIP = ("NOTE", "STYLE", "REGION")


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
    if _SRT_TIMING.search(text):
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
    from pipeline.transcript.textfile import decode_bytes

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


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Blank-line separated blocks of ``text`` with the 1-based number of their first line."""
    block: list[str] = []
    first = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


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


def _timing_index(block: list[str], first: int, path: Path, what: str) -> int:
    """Index in ``block`` of its time line (first, or after a cue identifier)."""
    for i, line in enumerate(block[:2]):
        if "-->" in line:
            return i
    raise SubtitleFormatError(
        f"expected a {what} followed by a time line, found {block[0].strip()[:QUOTE_CHARS]!r}",
        path=path,
        line=first,
        hint="every cue starts with a time line 'start --> end'; no blank lines inside a cue",
    )


def _read_srt(text: str, path: Path) -> list[RawCue]:
    import pysrt

    cues: list[RawCue] = []
    for first, block in _blocks(text):
        at = _timing_index(block, first, path, "cue number")
        if at == 1 and not block[0].strip().isdigit():
            raise SubtitleFormatError(
                f"cue number {block[0].strip()[:QUOTE_CHARS]!r} is not a number",
                path=path,
                line=first,
            )
        _stamps(block[at], path, first + at)
        try:
            item = pysrt.SubRipItem.from_lines(block if at == 1 else ["0", *block])
        except (pysrt.Error, ValueError) as err:
            raise SubtitleFormatError(f"malformed cue ({err})", path=path, line=first) from err
        lines = [_SRT_TAG.sub("", line).strip() for line in str(item.text).split("\n")]
        cues.append((int(item.start.ordinal), int(item.end.ordinal), [x for x in lines if x]))
    return cues


def _read_vtt(text: str, path: Path) -> list[RawCue]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    blocks = list(_blocks(text))
    if not blocks or not blocks[0][1][0].lstrip().startswith("WEBVTT"):
        raise SubtitleFormatError(
            "missing WEBVTT header", path=path, line=1, hint="a WebVTT file starts with 'WEBVTT'"
        )
    for first, block in blocks[1:]:
        if block[0].strip().split(" ")[0] in _VTT_SKIP:
            continue
        at = _timing_index(block, first, path, "cue identifier")
        _stamps(block[at], path, first + at)
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
    for number, line in enumerate(text.split("\n"), start=1):
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


__all__ = ["EXTENSIONS", "RESOLUTION_MS", "RawCue", "detect_subtitle_format", "read_subtitles"]
