"""Subtitle writers: one module per format and a registry.

``FORMATS`` maps a format id to its :class:`~pipeline.subtitles.formats.base.Writer`; :func:`render`
looks the format up and serialises a track. Writers never segment, re-time or re-break text (see
:mod:`pipeline.subtitles.formats.base`). Formats: ``srt`` (pysrt), ``vtt`` (webvtt-py), ``ass``
(pysubs2), ``ttml`` (IMSC 1.1 Text, ttconv) and ``json`` (cues); :func:`render_words_json` writes
the timed word list.
"""

from __future__ import annotations

from pipeline.errors import SubtitleFormatError
from pipeline.model import Track
from pipeline.subtitles.formats import ass, srt, ttml, vtt, words_json
from pipeline.subtitles.formats.base import Writer
from pipeline.subtitles.formats.words_json import render_words_json

#: Format id -> writer.
FORMATS: dict[str, Writer] = {
    w.id: w for w in (srt.WRITER, vtt.WRITER, ass.WRITER, ttml.WRITER, words_json.WRITER)
}


def render(track: Track, fmt: str) -> str:
    """The text of ``track`` in format ``fmt``.

    Raises:
        SubtitleFormatError: when ``fmt`` is not a known format.
    """
    writer = FORMATS.get(fmt.lower().lstrip("."))
    if writer is None:
        raise SubtitleFormatError(
            f"unknown subtitle format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}"
        )
    return writer.render(track)


__all__ = ["FORMATS", "Writer", "render", "render_words_json"]
