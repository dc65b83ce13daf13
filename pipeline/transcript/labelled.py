"""Speaker-labelled turns: scraped articles and translations (seeds 002 and 004).

Every label style :mod:`pipeline.transcript.speakers` knows is accepted, unlabelled
lines continue the turn above them, and the role rules separate the article's
title, notes, headings and page chrome from the spoken turns.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.model import Document
from pipeline.transcript.base import Reader, profile
from pipeline.transcript.structure import BuildOptions, build_turns, pair_turns

#: Below this share of labelled lines a text is not a labelled transcript.
MIN_LABELLED_SHARE = 0.15


class LabelledReader(Reader):
    """Turns that open with ``Name:``, ``**Name:**``, ``Name：`` or a glued name."""

    id = "labelled"
    options = BuildOptions(labels=True, join="labelled")

    @classmethod
    def score(cls, text: str) -> float:
        share = profile(text).labelled_share
        if share < MIN_LABELLED_SHARE:
            return 0.0
        return 0.4 + 0.25 * min(1.0, share)

    @classmethod
    def parse(cls, text: str, *, path: Path, lenient: bool = False) -> Document:
        prof = profile(text)
        turns = build_turns(prof.lines, cls.options, prof.book)
        return Document(tuple(turns), tuple(pair_turns(turns)), format=cls.id)
