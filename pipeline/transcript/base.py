"""The reader interface and the text profile auto-detection scores against.

How to implement a new format (after pysubs2's ``formats/base.py``):

1. Subclass :class:`Reader` in a module of its own; set ``id`` (what ``--format``
   takes) and ``extensions`` (file suffixes that select it without scoring).
2. Implement ``score(text)``: 0.0 when the text cannot be this format, else a
   confidence in (0, 1]. Scores of different readers must be far enough apart on
   the inputs each is meant for, because :func:`pipeline.transcript.detect_format`
   refuses to choose between two readers within ``AMBIGUITY_MARGIN``.
3. Implement ``parse(text, path=..., lenient=...)`` returning a
   :class:`~pipeline.model.Document` whose turns cover every non-blank line once.
   Raise :class:`~pipeline.errors.TranscriptParseError` for malformed input unless
   ``lenient``, in which case log a warning, keep the text and go on.
4. Register the class in ``FORMATS`` in ``pipeline/readers/__init__.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from pipeline.model import Document
from pipeline.transcript import subfile
from pipeline.transcript.lang import detect_lang, dominant_lang
from pipeline.transcript.speakers import SpeakerBook, build_book
from pipeline.transcript.structure import SourceLine, source_lines


class Reader:
    """A transcript format: how sure it is about a text, and how to parse it."""

    #: Format id, as given to ``--format``.
    id: ClassVar[str] = ""
    #: File suffixes (lower case, with the dot) that select this reader directly.
    extensions: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def score(cls, text: str) -> float:
        """Confidence in [0, 1] that ``text`` is in this format (0: it cannot be)."""
        raise NotImplementedError

    @classmethod
    def parse(cls, text: str, *, path: Path, lenient: bool = False) -> Document:
        """Parse decoded ``text`` read from ``path``.

        Raises:
            TranscriptParseError: when the text is malformed and ``lenient`` is False.
        """
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class TextProfile:
    """Facts about a text that several readers' scores use, computed once.

    Attributes:
        lines: the non-blank lines.
        book: the speakers found.
        langs: language of each non-blank line.
        dominant: the language most of the text is in.
        labelled_share: share of non-blank lines that open with a speaker label.
        paired_share: share of labelled lines that sit next to the same speaker's
            line in another language, one of them English (interleaved bilingual).
        blocks: number of blank-line-separated blocks.
        pair_blocks: blocks of exactly two lines, English then another language.
    """

    lines: tuple[SourceLine, ...]
    book: SpeakerBook
    langs: tuple[str, ...]
    dominant: str
    labelled_share: float
    paired_share: float
    blocks: int
    pair_blocks: int


@lru_cache(maxsize=8)
def profile(text: str) -> TextProfile:
    """The :class:`TextProfile` of ``text`` (cached: every reader's score asks)."""
    lines = tuple(source_lines(text))
    texts = [line.text for line in lines]
    book = build_book(texts)
    langs = tuple(detect_lang(t, "") for t in texts)
    labels = [book.match(t) for t in texts]
    labelled = [(label.speaker, langs[i]) for i, label in enumerate(labels) if label is not None]
    paired = 0
    k = 0
    while k + 1 < len(labelled):
        (sa, la), (sb, lb) = labelled[k], labelled[k + 1]
        if sa == sb and la != lb and "en" in (la, lb):
            paired += 2
            k += 2
        else:
            k += 1
    blocks = [[line.strip() for _, line in block] for block in subfile.blocks(text)]
    pair_blocks = sum(
        1
        for block in blocks
        if len(block) == 2
        and detect_lang(block[0], "") == "en"
        and detect_lang(block[1], "en") != "en"
    )
    return TextProfile(
        lines=lines,
        book=book,
        langs=langs,
        dominant=dominant_lang(texts),
        labelled_share=len(labelled) / len(lines) if lines else 0.0,
        paired_share=paired / len(labelled) if labelled else 0.0,
        blocks=len(blocks),
        pair_blocks=pair_blocks,
    )
