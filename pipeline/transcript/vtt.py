"""WebVTT subtitles as transcript input.

Cues come from :func:`pipeline.transcript.subfile.cue_blocks`, which skips the header and the
NOTE, STYLE and REGION blocks, ignores cue settings and takes a ``<v Name>`` voice span opening a
cue as its speaker. Like SRT, the old times are only a prior.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pipeline.errors import TranscriptParseError
from pipeline.model import Document
from pipeline.timecode import parse_stamp
from pipeline.transcript.srt import SrtReader, build_cue_document
from pipeline.transcript.subfile import cue_blocks


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
        blocks = cue_blocks(text, vtt=True)
        if not text.removeprefix("\ufeff").startswith("WEBVTT"):
            if not lenient:
                # The words webvtt-py, the reader before this one, said it in.
                raise TranscriptParseError(
                    "malformed WebVTT: Invalid format",
                    path=path,
                    hint="fix the file or pass --lenient",
                )
            blocks = [dataclasses.replace(b, voice=None) for b in blocks]
        return build_cue_document(cls, blocks, path=path, lenient=lenient)
