"""Alternating-language paragraphs after a header block (seed 003).

Scraped bilingual transcripts: a header (title, date, summaries in both
languages, site notes), then English paragraph / translated paragraph, usually
as two-line blocks separated by blank lines. The body starts where the
alternation starts and holds for a few pairs in a row; everything before it is
header and not speech (a date or a summary is never spoken), with the role rules
deciding which kind of non-speech each header line is.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from pipeline.model import Document
from pipeline.transcript.base import Reader, TextProfile, profile
from pipeline.transcript.structure import BuildOptions, build_turns, pair_turns
from pipeline.transcript.textfile import split_lines

#: The body starts at the first run of this many English/translation pairs.
MIN_RUN = 3
#: Share of lines in alternating pairs above which a text is in this format.
MIN_PAIRED_SHARE = 0.6


class ParagraphsReader(Reader):
    """English paragraph, translated paragraph, repeated; a header before them."""

    id = "paragraphs"

    @classmethod
    def score(cls, text: str) -> float:
        prof = profile(text)
        if prof.labelled_share >= 0.3 or not prof.lines:
            return 0.0
        by_blocks = prof.pair_blocks >= MIN_RUN and prof.pair_blocks >= 0.5 * prof.blocks
        starts = _pair_starts(prof.langs)
        by_lines = len(starts) >= MIN_RUN and 2 * len(starts) >= MIN_PAIRED_SHARE * len(prof.lines)
        return 0.85 if by_blocks or by_lines else 0.0

    @classmethod
    def parse(cls, text: str, *, path: Path, lenient: bool = False) -> Document:
        prof = profile(text)
        opts = BuildOptions(labels=False, join="never", header_end=_body_start(text, prof))
        turns = build_turns(prof.lines, opts)
        return Document(tuple(turns), tuple(pair_turns(turns)), format=cls.id)


def _pair_starts(langs: tuple[str, ...]) -> list[int]:
    """Indices k where line k is English and line k+1 another language (greedy)."""
    starts: list[int] = []
    k = 0
    while k + 1 < len(langs):
        if langs[k] == "en" and langs[k + 1] not in ("en", ""):
            starts.append(k)
            k += 2
        else:
            k += 1
    return starts


def _body_start(text: str, prof: TextProfile) -> int:
    """Index (among non-blank lines) of the first line of the body."""
    block_of: list[int] = []
    block = 0
    blank_before = False
    for line in split_lines(text):
        if not line.strip():
            blank_before = True
            continue
        if blank_before and block_of:
            block += 1
        blank_before = False
        block_of.append(block)
    blocked = prof.pair_blocks >= MIN_RUN
    starts = [
        k
        for k in _pair_starts(prof.langs)
        if not blocked or (block_of[k] == block_of[k + 1] and _block_size(block_of, k) == 2)
    ]
    for n, k in enumerate(starts):
        run = starts[n : n + MIN_RUN]
        if len(run) == MIN_RUN and all(b - a == 2 for a, b in itertools.pairwise(run)):
            return k
    return 0


def _block_size(block_of: list[int], k: int) -> int:
    return block_of.count(block_of[k])
