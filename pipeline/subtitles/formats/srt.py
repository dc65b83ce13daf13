"""SubRip (.srt) through pysrt.

Comma before the milliseconds, cues numbered from 1 in file order, UTF-8 text with ``\\n`` line
endings. A bilingual cue is one SubRip item: the source lines above the translation lines. SRT
has no speaker field, so speakers are not written (the cue's lines carry any dialogue dashes).
"""

from __future__ import annotations

import io

import pysrt

from pipeline.model import Track
from pipeline.subtitles.formats.base import Writer, stacked_lines


def render(track: Track) -> str:
    """The SRT text of ``track``."""
    items = pysrt.SubRipFile(
        [
            pysrt.SubRipItem(
                index=number,
                start=pysrt.SubRipTime.from_ordinal(cue.start_ms),
                end=pysrt.SubRipTime.from_ordinal(cue.end_ms),
                text="\n".join(line for _, line in stacked_lines(cue, track.langs)),
            )
            for number, cue in enumerate(track.cues, start=1)
        ]
    )
    out = io.StringIO()
    items.write_into(out, eol="\n")
    return out.getvalue()


WRITER = Writer("srt", "srt", render, "SubRip: numbered cues, HH:MM:SS,mmm")
