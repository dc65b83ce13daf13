"""One paragraph per line, no speaker labels (seed 000: a Russian translation).

The typical exported translation: every non-blank line is one paragraph, blank
lines between them are layout only. No line is joined to another, no label is
looked for (a Russian sentence such as "Итак: ..." must stay text), and only the
role rules that fire on a line's own markers can make a line non-speech.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.model import Document
from pipeline.transcript.base import Reader, profile
from pipeline.transcript.labelled import MIN_LABELLED_SHARE
from pipeline.transcript.structure import BuildOptions, build_turns, pair_turns


class LinesReader(Reader):
    """Each non-blank line is one speech paragraph."""

    id = "lines"
    options = BuildOptions(labels=False, join="never")

    @classmethod
    def score(cls, text: str) -> float:
        prof = profile(text)
        if prof.labelled_share >= MIN_LABELLED_SHARE:
            return 0.1
        return 0.2 if prof.dominant == "en" else 0.5

    @classmethod
    def parse(cls, text: str, *, path: Path, lenient: bool = False) -> Document:
        turns = build_turns(profile(text).lines, cls.options)
        return Document(tuple(turns), tuple(pair_turns(turns)), format=cls.id)
