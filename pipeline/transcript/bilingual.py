"""Bilingual interleaved turns (seed 001, media/sample.en-zh.txt).

Each turn appears twice under the same label: once in the translation, once in
English (either order); a translated turn may continue over unlabelled lines.
Parsing is the labelled reader's; what this format adds is the confidence that
the adjacent same-speaker turns are translations of each other, which the pairs
then record as (English turn, translated turn).
"""

from __future__ import annotations

from pipeline.transcript.base import profile
from pipeline.transcript.labelled import LabelledReader

#: Share of labelled lines that must sit in same-speaker en/other pairs.
MIN_PAIRED_SHARE = 0.5


class BilingualReader(LabelledReader):
    """``**Name:** 中文`` then ``**Name:** English``, turn after turn."""

    id = "bilingual"

    @classmethod
    def score(cls, text: str) -> float:
        prof = profile(text)
        if prof.labelled_share < 0.3 or prof.paired_share < MIN_PAIRED_SHARE:
            return 0.0
        return 0.9
