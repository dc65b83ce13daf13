"""Plain English transcripts: free text, or one utterance per line, labels optional.

The common hand-made input (media/sample.en.txt). With ``Speaker:`` labels it
reads like the labelled format; without them each line is a turn, except that a
hard-wrapped sentence (a line with no sentence end followed by one starting in
lower case) is joined back into one turn.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.model import Document
from pipeline.transcript.base import Reader, profile
from pipeline.transcript.structure import BuildOptions, build_turns, pair_turns


class PlainReader(Reader):
    """English text, with or without ``Speaker:`` labels."""

    id = "plain"

    @classmethod
    def score(cls, text: str) -> float:
        return 0.75 if profile(text).dominant == "en" else 0.0

    @classmethod
    def parse(cls, text: str, *, path: Path, lenient: bool = False) -> Document:
        prof = profile(text)
        opts = BuildOptions(labels=True, join="labelled" if prof.book.names else "wrapped")
        turns = build_turns(prof.lines, opts, prof.book)
        return Document(tuple(turns), tuple(pair_turns(turns)), format=cls.id)
