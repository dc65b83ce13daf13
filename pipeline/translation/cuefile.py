"""A translated subtitle file as the translation: its sentences aligned, its own cues retimed.

An old or foreign-cut SRT/VTT cuts sentences across cues ("Это кажется чем-то почти похожим на
функцию ценности," / "которая говорит тебе,") and puts two short ones in one cue. Aligning its
cues as if each were a sentence pairs fragments with English sentences by meaning they do not
carry alone. Instead the cues' text is read as one stream, split into sentences, and each
sentence aligned as any translation's; each sentence's English words are then shared among its
*pieces* (the parts of it in each cue) by length, cut at clause ends, and a cue takes the span of
its pieces. The cues come back as the file has them: same text, same lines, same breaks; only
the times are new. The old times are not used (at most they are a prior).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.lang import is_cjk
from pipeline.model import Document
from pipeline.transcript.sentences import split_sentences
from pipeline.translation.retime import Placed

__all__ = ["KeptCue", "Piece", "cue_sentences", "is_subtitle_input", "kept_cues"]

_RANK = {"aligned": 0, "split": 1, "gap": 2, "unplaced": 3}


@dataclass(frozen=True, slots=True)
class Piece:
    """The part of one sentence that lies in one cue."""

    sentence: int
    turn_index: int  # the cue's turn in the translation document
    text: str


@dataclass(frozen=True, slots=True)
class KeptCue:
    """A cue of the subtitle file, retimed, with its own lines.

    Attributes:
        turn_index: the cue's turn in the translation document.
        lines: its lines as the file has them.
        start_ms, end_ms: its new times (None: none of its text could be placed).
        status: the least sure status of its pieces (aligned, split, gap, unplaced).
    """

    turn_index: int
    lines: tuple[str, ...]
    start_ms: int | None
    end_ms: int | None
    status: str


def is_subtitle_input(doc: Document, lang: str) -> bool:
    """Whether ``doc``'s ``lang`` text is a subtitle file's cues (their old times are kept)."""
    turns = [doc.turns[i] for i in doc.speech_indices(lang)]
    return bool(turns) and all(t.prior_start_ms is not None for t in turns)


def cue_sentences(cues: Sequence[tuple[int, str]], lang: str) -> tuple[list[str], list[Piece]]:
    """Sentences of the cues' text read as one stream, and each sentence's piece per cue.

    >>> texts, pieces = cue_sentences([(0, "Это кажется,\\nчто"), (1, "да. Нет.")], "ru")
    >>> texts
    ['Это кажется, что да.', 'Нет.']
    >>> [(p.sentence, p.turn_index, p.text) for p in pieces]
    [(0, 0, 'Это кажется, что'), (0, 1, 'да.'), (1, 1, 'Нет.')]
    """
    glue = "" if is_cjk(lang) else " "
    stream = ""
    bounds: list[tuple[int, int, int]] = []  # (turn, start, end) of each cue in the stream
    for turn, text in cues:
        flat = glue.join(line.strip() for line in text.splitlines() if line.strip())
        if not flat:
            continue
        if stream:
            stream += glue
        bounds.append((turn, len(stream), len(stream) + len(flat)))
        stream += flat
    texts: list[str] = []
    pieces: list[Piece] = []
    for span in split_sentences(stream, lang):
        k = len(texts)
        texts.append(span.text)
        for turn, a, b in bounds:
            part = stream[max(a, span.start) : min(b, span.end)].strip()
            if part:
                pieces.append(Piece(k, turn, part))
    return texts, pieces


def kept_cues(
    doc: Document, lang: str, pieces: Sequence[Piece], placed: Sequence[Placed]
) -> list[KeptCue]:
    """The file's cues, each timed from its placed pieces (``placed[k]`` times ``pieces[k]``).

    A cue spans its pieces' times; pieces that could not be placed leave the cue to the others,
    and a cue with none placed is kept untimed (listed, never dropped).
    """
    by_turn: dict[int, list[Placed]] = {}
    for piece, p in zip(pieces, placed, strict=True):
        by_turn.setdefault(piece.turn_index, []).append(p)
    out: list[KeptCue] = []
    for turn in doc.speech_indices(lang):
        lines = tuple(ln.strip() for ln in doc.turns[turn].text.splitlines() if ln.strip())
        own = by_turn.get(turn, [])
        timed = [p for p in own if p.start_ms is not None and p.end_ms is not None]
        status = max((p.status for p in own), key=lambda s: _RANK.get(s, 3), default="unplaced")
        if not timed:
            out.append(KeptCue(turn, lines, None, None, "unplaced"))
            continue
        start = min(p.start_ms for p in timed if p.start_ms is not None)
        end = max(p.end_ms for p in timed if p.end_ms is not None)
        out.append(KeptCue(turn, lines, start, end, status))
    return out
