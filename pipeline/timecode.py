"""Integer milliseconds <-> subtitle time stamps.

>>> ms_to_srt(3_723_004)
'01:02:03,004'
>>> srt_to_ms('01:02:03,004')
3723004
>>> ms_to_vtt(61_500)
'00:01:01.500'
>>> ms_to_ass(61_504)
'0:01:01.50'
>>> seconds_to_ms(1.2344)
1234
"""

from __future__ import annotations

import re

MS_PER_SECOND = 1000
MS_PER_MINUTE = 60 * MS_PER_SECOND
MS_PER_HOUR = 60 * MS_PER_MINUTE

_STAMP = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?\s*$")


def seconds_to_ms(seconds: float) -> int:
    """Float seconds (Whisper's unit) to integer milliseconds, rounded half up."""
    return (
        int(seconds * MS_PER_SECOND + 0.5) if seconds >= 0 else -int(-seconds * MS_PER_SECOND + 0.5)
    )


def ms_to_seconds(ms: int) -> float:
    """Integer milliseconds to float seconds (for JSON artifacts)."""
    return ms / MS_PER_SECOND


def _split(ms: int) -> tuple[int, int, int, int]:
    if ms < 0:
        raise ValueError(f"negative time {ms} ms")
    hours, rest = divmod(ms, MS_PER_HOUR)
    minutes, rest = divmod(rest, MS_PER_MINUTE)
    seconds, millis = divmod(rest, MS_PER_SECOND)
    return hours, minutes, seconds, millis


def ms_to_srt(ms: int) -> str:
    """``HH:MM:SS,mmm`` (SRT)."""
    h, m, s, x = _split(ms)
    return f"{h:02d}:{m:02d}:{s:02d},{x:03d}"


def ms_to_vtt(ms: int) -> str:
    """``HH:MM:SS.mmm`` (WebVTT)."""
    h, m, s, x = _split(ms)
    return f"{h:02d}:{m:02d}:{s:02d}.{x:03d}"


def ms_to_ass(ms: int) -> str:
    """``H:MM:SS.cc`` (ASS, centiseconds, rounded to nearest)."""
    h, m, s, x = _split((ms + 5) // 10 * 10)
    return f"{h:d}:{m:02d}:{s:02d}.{x // 10:02d}"


def parse_stamp(stamp: str) -> int:
    """Parse an SRT, VTT or ASS time stamp to milliseconds.

    Hours are optional (VTT allows ``MM:SS.mmm``); the fraction may be 1 to 3
    digits and is read as a decimal fraction (ASS ``.5`` = 500 ms).

    Raises:
        ValueError: when ``stamp`` is not a time stamp.
    """
    match = _STAMP.match(stamp)
    if match is None:
        raise ValueError(f"not a time stamp: {stamp!r}")
    hours, minutes, seconds, frac = match.groups()
    millis = int((frac or "0").ljust(3, "0"))
    return (
        int(hours or 0) * MS_PER_HOUR
        + int(minutes) * MS_PER_MINUTE
        + int(seconds) * MS_PER_SECOND
        + millis
    )


srt_to_ms = parse_stamp
vtt_to_ms = parse_stamp
ass_to_ms = parse_stamp


def frames_to_ms(frames: int, fps: float) -> int:
    """Frame count to milliseconds at ``fps`` (2 frames at 24 fps = 83 ms)."""
    return int(frames * MS_PER_SECOND / fps)
