"""Advanced SubStation Alpha (.ass) through pysubs2.

The script is laid out for a 1920x1080 frame (``PlayResX``/``PlayResY``), so font sizes and
margins below are in those pixels whatever the video's real size. A mono track uses one style.
A bilingual track uses two: ``Source`` (smaller, above) and ``Translation`` (the viewer's
language, full size, at the bottom). Both languages go into *one* event, the translation after
an inline ``{\\rTranslation}`` style reset, rather than two events with fixed margins: the
renderer then stacks however many lines each side has without collisions, and the file keeps one
event per cue (so it lints like the SRT and VTT files). Line breaks are ``\\N``; the speaker goes in
the event's Name field.
"""

from __future__ import annotations

import pysubs2

from pipeline.lang import base_lang
from pipeline.model import Cue, Track
from pipeline.subtitles.formats.base import Writer, stacked_lines

PLAY_RES_X = 1920  # pixels
PLAY_RES_Y = 1080  # pixels
FONT_SIZE = 60  # pixels at PLAY_RES_Y
SOURCE_FONT_SIZE = 44  # pixels: the source line is secondary for the viewer
MARGIN_V = 50  # pixels above the bottom edge
OUTLINE = 2.5  # pixels
SHADOW = 1.0  # pixels

#: Fonts that hold the script's glyphs; libass falls back through fontconfig when missing.
FONTS = {"zh": "Noto Sans CJK SC", "ja": "Noto Sans CJK JP", "ko": "Noto Sans CJK KR"}
DEFAULT_FONT = "Arial"

MONO_STYLE = "Default"
SOURCE_STYLE = "Source"
TRANSLATION_STYLE = "Translation"


def _style(lang: str, size: float) -> pysubs2.SSAStyle:
    return pysubs2.SSAStyle(
        fontname=FONTS.get(base_lang(lang), DEFAULT_FONT),
        fontsize=size,
        outline=OUTLINE,
        shadow=SHADOW,
        alignment=pysubs2.Alignment.BOTTOM_CENTER,
        marginv=MARGIN_V,
    )


def escape(line: str) -> str:
    """One display line as ASS text (a stray newline would end the event's line in the file).

    ASS has no portable escape for ``{`` (libass reads ``\\{``, pysubs2 and VSFilter do not), so
    braces are written as they are; transcripts of speech do not hold them.
    """
    return line.replace("\n", " ")


def event_text(cue: Cue, langs: tuple[str, ...]) -> str:
    """The ASS text of a cue: lines joined by ``\\N``, later languages in the translation style."""
    parts: list[str] = []
    previous = ""
    for lang, line in stacked_lines(cue, langs):
        reset = len(langs) > 1 and previous and lang != previous
        parts.append(("{\\r" + TRANSLATION_STYLE + "}" if reset else "") + escape(line))
        previous = lang
    return "\\N".join(parts)


def render(track: Track) -> str:
    """The ASS text of ``track``."""
    subs = pysubs2.SSAFile()
    subs.info["Title"] = track.code
    subs.info["PlayResX"] = str(PLAY_RES_X)
    subs.info["PlayResY"] = str(PLAY_RES_Y)
    subs.styles.clear()
    if len(track.langs) > 1:
        subs.styles[SOURCE_STYLE] = _style(track.langs[0], SOURCE_FONT_SIZE)
        subs.styles[TRANSLATION_STYLE] = _style(track.langs[1], FONT_SIZE)
        style = SOURCE_STYLE
    else:
        subs.styles[MONO_STYLE] = _style(track.langs[0] if track.langs else "", FONT_SIZE)
        style = MONO_STYLE
    for cue in track.cues:
        subs.events.append(
            pysubs2.SSAEvent(
                start=cue.start_ms,
                end=cue.end_ms,
                text=event_text(cue, track.langs),
                style=style,
                name=cue.speaker or "",
            )
        )
    text: str = subs.to_string("ass")
    return text


WRITER = Writer("ass", "ass", render, "ASS: two styles for bilingual tracks, \\N line breaks")
