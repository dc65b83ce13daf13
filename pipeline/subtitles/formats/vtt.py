"""WebVTT (.vtt) through webvtt-py.

A ``WEBVTT`` header, then one cue per track cue. A cue with a speaker opens with a ``<v Name>``
voice span (its end tag may be omitted because it covers the whole cue). In a stacked bilingual
cue each line sits in a ``<lang xx>`` span, so players and screen readers know which script they
are reading; the lines themselves stay as the cue has them. ``&``, ``<`` and ``>`` in text are
written as character references, as WebVTT requires.
"""

from __future__ import annotations

import webvtt

from pipeline.model import Cue, Track
from pipeline.subtitles.formats.base import Writer, stacked_lines
from pipeline.timecode import ms_to_vtt

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """Text as WebVTT cue text: ``&``, ``<`` and ``>`` as character references.

    >>> escape("Q&A <live>")
    'Q&amp;A &lt;live&gt;'
    """
    return text.translate(_ESCAPES)


def cue_lines(cue: Cue, langs: tuple[str, ...]) -> list[str]:
    """The cue text lines of ``cue``, with voice and language spans."""
    stacked = stacked_lines(cue, langs)
    tag_langs = len({lang for lang, _ in stacked}) > 1
    lines = [
        f"<lang {lang}>{escape(line)}</lang>" if tag_langs else escape(line)
        for lang, line in stacked
    ]
    if cue.speaker and lines:
        # A voice annotation runs to the ">"; a tab or newline in the name would end it early.
        name = " ".join(escape(cue.speaker).split())
        lines[0] = f"<v {name}>{lines[0]}"
    return lines


def render(track: Track) -> str:
    """The WebVTT text of ``track``."""
    captions = [
        webvtt.Caption(ms_to_vtt(cue.start_ms), ms_to_vtt(cue.end_ms), cue_lines(cue, track.langs))
        for cue in track.cues
    ]
    text: str = webvtt.WebVTT(captions=captions).content
    return text


WRITER = Writer("vtt", "vtt", render, "WebVTT: voice tags, <lang> spans for bilingual cues")
