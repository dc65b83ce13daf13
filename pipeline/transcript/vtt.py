"""WebVTT subtitles as transcript input.

Read with webvtt-py (which knows voice spans ``<v Name>``, NOTE/STYLE blocks and
cue settings); line numbers come from our own block scan, matched cue by cue.
Like SRT, the old times are only a prior.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import TranscriptParseError
from pipeline.model import Document
from pipeline.timecode import parse_stamp
from pipeline.transcript.cues import scan_blocks
from pipeline.transcript.srt import SrtReader, build_cue_document


class VttReader(SrtReader):
    """``WEBVTT`` header, then cues with optional ``<v Speaker>`` voices."""

    id = "vtt"
    extensions = (".vtt",)

    @classmethod
    def score(cls, text: str) -> float:
        return 1.0 if text.lstrip().startswith("WEBVTT") else 0.0

    @classmethod
    def stamp_ms(cls, stamp: str) -> int:
        return parse_stamp(stamp)

    @classmethod
    def parse(cls, text: str, *, path: Path, lenient: bool = False) -> Document:
        import webvtt
        from webvtt.errors import MalformedCaptionError, MalformedFileError

        blocks = scan_blocks(text, vtt=True)
        voices: list[str | None] | None = None
        try:
            captions = webvtt.WebVTT.from_string(text).captions
        except (MalformedFileError, MalformedCaptionError) as err:
            if not lenient:
                raise TranscriptParseError(
                    f"malformed WebVTT: {err}", path=path, hint="fix the file or pass --lenient"
                ) from err
        else:
            timed = [b for b in blocks if b.timing_line]
            if len(captions) == len(timed):
                found = iter(c.voice or None for c in captions)
                voices = [next(found) if b.timing_line else None for b in blocks]
        return build_cue_document(cls, blocks, path=path, lenient=lenient, voices=voices)
