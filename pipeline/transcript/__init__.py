"""Transcript readers: one module per input shape, a registry, and auto-detection.

Modelled on pysubs2's format registry: ``FORMATS`` maps a format id to its reader
class, ``EXTENSIONS`` maps file suffixes that decide the format on their own, and
:func:`detect_format` scores every reader and refuses to guess when two are about
equally sure (pass ``fmt=`` / ``--format`` then).

Beside the readers: :mod:`.textfile` (bytes to text: encodings, BOMs, line ends),
:mod:`.subfile` (the one reading path for subtitle files, which lint uses too), :mod:`.roles`
(what is not spoken), :mod:`.speakers`, :mod:`.lang` (language by script), :mod:`.normalize`
(text for matching) and :mod:`.sentences` (sentence and clause splitting).

Formats: ``plain`` (English text, labels optional), ``labelled`` (speaker turns
in any label style, with article junk), ``bilingual`` (the same speaker's turn
in a translation and in English, interleaved), ``paragraphs`` (English /
translation paragraphs after a header), ``lines`` (one paragraph per line, no
speakers), ``srt``, ``vtt`` and ``json`` (word lists).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TypedDict

from pipeline.errors import TranscriptParseError
from pipeline.model import Document, Role
from pipeline.transcript.base import Reader
from pipeline.transcript.bilingual import BilingualReader
from pipeline.transcript.jsonwords import JsonWordsReader
from pipeline.transcript.labelled import LabelledReader
from pipeline.transcript.lines import LinesReader
from pipeline.transcript.paragraphs import ParagraphsReader
from pipeline.transcript.plain import PlainReader
from pipeline.transcript.srt import SrtReader
from pipeline.transcript.textfile import read_text
from pipeline.transcript.vtt import VttReader

#: Format id -> reader class.
FORMATS: dict[str, type[Reader]] = {
    reader.id: reader
    for reader in (
        PlainReader,
        LabelledReader,
        BilingualReader,
        ParagraphsReader,
        LinesReader,
        SrtReader,
        VttReader,
        JsonWordsReader,
    )
}

#: File suffix -> format id, for suffixes that name one format.
EXTENSIONS: dict[str, str] = {ext: fid for fid, cls in FORMATS.items() for ext in cls.extensions}

#: Two readers whose scores differ by less than this are a tie: auto-detection fails.
AMBIGUITY_MARGIN = 0.05


def detect_format(text: str, path: Path) -> str:
    """The id of the reader for ``text``: by file suffix when decisive, else by score.

    Raises:
        TranscriptParseError: when no reader recognises the text, or two are tied.
    """
    by_suffix = EXTENSIONS.get(path.suffix.lower())
    if by_suffix is not None and FORMATS[by_suffix].score(text) > 0:
        return by_suffix
    scores = sorted(((cls.score(text), fid) for fid, cls in FORMATS.items()), key=lambda s: -s[0])
    best_score, best = scores[0]
    if best_score <= 0:
        raise TranscriptParseError(
            "no reader recognises this transcript",
            path=path,
            hint=f"pass --format with one of: {', '.join(FORMATS)}",
        )
    if len(scores) > 1 and best_score - scores[1][0] < AMBIGUITY_MARGIN:
        tied = [fid for score, fid in scores if best_score - score < AMBIGUITY_MARGIN]
        raise TranscriptParseError(
            f"transcript format is ambiguous: it reads as {' or '.join(tied)}",
            path=path,
            hint=f"pass --format {tied[0]} (or another of: {', '.join(tied)})",
        )
    return best


def read_transcript(path: Path, fmt: str = "auto", *, lenient: bool = False) -> Document:
    """Read a transcript or subtitle file into a :class:`~pipeline.model.Document`.

    Args:
        path: the file.
        fmt: a key of :data:`FORMATS`, or "auto" to detect it.
        lenient: log and skip malformed parts instead of failing (their text is kept).

    Raises:
        TranscriptParseError: when the file is unreadable, empty, binary, of an
            unknown or undetectable format, or malformed (unless ``lenient``).
    """
    path = Path(path)
    decoded = read_text(path)
    if fmt == "auto":
        fmt = detect_format(decoded.text, path)
    elif fmt not in FORMATS:
        raise TranscriptParseError(
            f"unknown transcript format {fmt!r}",
            path=path,
            hint=f"use auto or one of: {', '.join(FORMATS)}",
        )
    doc = FORMATS[fmt].parse(decoded.text, path=path, lenient=lenient)
    if not doc.turns:
        raise TranscriptParseError(
            f"no transcript text found (read as {fmt})",
            path=path,
            hint="check the file, or pass another --format",
        )
    return dataclasses.replace(doc, format=fmt, encoding=decoded.encoding)


class TurnJson(TypedDict):
    """One turn in the ``subweave parse --json`` output."""

    index: int
    speaker: str | None
    lang: str
    role: Role
    text: str
    first_line: int
    last_line: int


class DocumentJson(TypedDict):
    """The ``subweave parse --json`` output."""

    format: str
    encoding: str
    turns: list[TurnJson]
    pairs: list[list[int]]


def document_to_json(doc: Document) -> DocumentJson:
    """The ``subweave parse --json`` shape of a document (see DESIGN.md)."""
    return {
        "format": doc.format,
        "encoding": doc.encoding,
        "turns": [
            {
                "index": i,
                "speaker": t.speaker,
                "lang": t.lang,
                "role": t.role,
                "text": t.text,
                "first_line": t.first_line,
                "last_line": t.last_line,
            }
            for i, t in enumerate(doc.turns)
        ],
        "pairs": [[s, t] for s, t in doc.pairs],
    }


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "DocumentJson",
    "Reader",
    "TurnJson",
    "detect_format",
    "document_to_json",
    "read_transcript",
]
