"""Subtitle style rules as data: per-profile, per-language limits and how text is measured.

One table serves two masters: :mod:`pipeline.subtitles.segment` builds cues that meet these limits
and :mod:`pipeline.subtitles.lint` reports where a subtitle file breaks them. Keeping the numbers
here means the two can never disagree.

Numbers follow Netflix's timed-text style guides (English, Simplified Chinese, Russian) and the BBC
subtitle guidelines. Text is measured the way a viewer sees it: CJK characters count one each toward
a Chinese line limit (two display columns each in mixed text), never bytes or words.

>>> limits("netflix", "zh").max_chars
16
>>> line_length("你好，world", "zh")
6
>>> line_length("你好，world", "en")
11
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from wcwidth import wcswidth

from pipeline.errors import ConfigError
from pipeline.lang import base_lang, is_cjk

PROFILES = ("netflix", "bbc")
MS_PER_S = 1000


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits one profile sets for one language.

    Attributes:
        max_chars: characters per line (CJK languages: full-width characters).
        max_lines: lines per cue.
        max_cps: reading speed, characters per second (spaces count, line breaks do not).
        max_wpm: reading speed in words per minute (BBC English), or None.
        min_duration_ms: shortest cue.
        max_duration_ms: longest cue.
        min_gap_ms: smallest gap between consecutive cues.
        chain_gap_ms: gaps shorter than this are closed down to ``min_gap_ms``.
        max_extend_ms: how far an out-time may run past the end of speech.
    """

    max_chars: int
    max_lines: int = 2
    max_cps: float = 20.0
    max_wpm: float | None = None
    min_duration_ms: int = 833  # 5/6 s
    max_duration_ms: int = 7000
    min_gap_ms: int = 83  # 2 frames at 24 fps
    chain_gap_ms: int = 500  # 12 frames at 24 fps
    max_extend_ms: int = 500


# profile -> lang -> (chars per line, characters per second, words per minute)
_TABLE: dict[str, dict[str, tuple[int, float, float | None]]] = {
    "netflix": {
        "en": (42, 20.0, None),
        "zh": (16, 9.0, None),
        "ja": (13, 4.0, None),
        "ko": (16, 12.0, None),
        "ru": (39, 17.0, None),
        "*": (42, 17.0, None),
    },
    "bbc": {
        # BBC: 37 characters per line (about 68% of the screen width), 160-180 words per minute.
        "en": (37, 20.0, 180.0),
        "zh": (16, 9.0, None),
        "ru": (37, 17.0, None),
        "*": (37, 17.0, None),
    },
}


@dataclass(frozen=True, slots=True)
class ShotRules:
    """How in- and out-times meet shot changes under one profile, in frames of the video.

    A time closer than ``zone_frames`` to a shot change is moved to one of the change's snap
    points (see :mod:`pipeline.subtitles.shots`); a cue may cross a change only when it shows
    at least ``zone_frames`` frames on each side of it.

    Attributes:
        zone_frames: how near (in frames) a shot change holds in- and out-times.
        in_pull_frames: an in-time up to this many frames before a change is delayed onto
            it; one earlier, inside the zone, is brought forward to ``zone_frames`` before it.
            (An in-time inside the zone after a change always moves back onto it.)
        out_gap_frames: where an out-time before a change snaps: this many frames before it.
        out_pull_frames: an out-time up to this many frames after a change (a cue that would
            cross it by so little) is pulled back to ``out_gap_frames`` before it; one later,
            inside the zone, is held to ``zone_frames`` after it.
    """

    zone_frames: int
    in_pull_frames: int
    out_gap_frames: int
    out_pull_frames: int


# Netflix (Timed Text Style Guide: General Requirements and Subtitle Timing Guidelines): 12
# frames is the zone; in-times 1-7 frames before a change go onto it, 8-11 frames before go to
# 12 before it; out-times inside the zone end 2 frames before it (the 2-frame gap); the same
# 7/8 split for out-times after it. BBC (Subtitle Guidelines 6.1-6.5): start on the first
# frame of the shot and end on its last frame, delay a start to coincide with the change,
# avoid running into the next shot; it names no frame counts, so its zone is Netflix's.
_SHOT_TABLE: dict[str, ShotRules] = {
    "netflix": ShotRules(zone_frames=12, in_pull_frames=7, out_gap_frames=2, out_pull_frames=7),
    "bbc": ShotRules(zone_frames=12, in_pull_frames=11, out_gap_frames=0, out_pull_frames=11),
}


def shot_rules(profile: str = "netflix") -> ShotRules:
    """The shot-change rules of ``profile``.

    >>> shot_rules("netflix").out_gap_frames, shot_rules("bbc").out_gap_frames
    (2, 0)

    Raises:
        ConfigError: for an unknown profile.
    """
    if profile not in _SHOT_TABLE:
        raise ConfigError(
            f"unknown subtitle profile {profile!r}", hint=f"use one of: {', '.join(PROFILES)}"
        )
    return _SHOT_TABLE[profile]


def frames_to_ms(frames: int, fps: float) -> int:
    """Whole milliseconds of ``frames`` at ``fps``, rounded.

    >>> frames_to_ms(2, 24.0), frames_to_ms(12, 24.0), frames_to_ms(2, 25.0)
    (83, 500, 80)
    """
    return round(frames * MS_PER_S / fps)


def limits(
    profile: str = "netflix",
    lang: str = "en",
    fps: float = 24.0,
    *,
    min_gap_frames: int = 2,
    chain_gap_frames: int = 12,
) -> Limits:
    """The limits of ``profile`` for ``lang`` (unknown languages get the profile's default).

    Raises:
        ConfigError: for an unknown profile.
    """
    if profile not in _TABLE:
        raise ConfigError(
            f"unknown subtitle profile {profile!r}", hint=f"use one of: {', '.join(PROFILES)}"
        )
    if fps <= 0:
        raise ConfigError(f"fps must be positive, not {fps}")
    table = _TABLE[profile]
    chars, cps, wpm = table.get(base_lang(lang), table["*"])
    return Limits(
        max_chars=chars,
        max_cps=cps,
        max_wpm=wpm,
        min_gap_ms=frames_to_ms(min_gap_frames, fps),
        chain_gap_ms=frames_to_ms(chain_gap_frames, fps),
    )


def display_width(text: str) -> int:
    """Terminal display columns of ``text`` (full-width characters take two).

    >>> display_width("ab"), display_width("中文")
    (2, 4)
    """
    width = wcswidth(text)
    if width < 0:  # control characters: count each as one column
        width = sum(max(wcswidth(ch), 1) for ch in text)
    return width


def line_length(line: str, lang: str) -> int:
    """Length of one display line in the units the line limit of ``lang`` uses.

    CJK languages count full-width characters (half-width ones are half a character); other
    languages count display columns, which is the character count for their own script.
    """
    width = display_width(line)
    return math.ceil(width / 2) if is_cjk(lang) else width


def reading_chars(text: str, lang: str) -> int:
    """Characters a viewer reads in ``text`` (line breaks do not count).

    >>> reading_chars("Hello,\\nworld", "en")
    11
    >>> reading_chars("你好，\\n世界。", "zh")
    6
    """
    return sum(line_length(part, lang) for part in text.split("\n"))


_WORD = re.compile(r"\w+(?:['’-]\w+)*")


def word_count(text: str) -> int:
    """Words in ``text`` for the words-per-minute rule."""
    return len(_WORD.findall(text))
