"""Sentence and clause splitting per language, and sentences from recognised words.

* English (and other languages pysbd knows): pysbd with character spans.
* Russian: razdel.
* Chinese and Japanese: sentence punctuation 。！？… (full or half width), with any
  closing quotes or brackets that follow kept on the sentence they close.

Every splitter returns :class:`Span` records whose character offsets index the
input text, so a caller can map sentences back to whitespace words (aligned
transcript words) without re-tokenising.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from pipeline.lang import base_lang, is_cjk
from pipeline.model import Word

_CLOSERS = "”’」』）)》〉】〕\"'"
_CJK_END = re.compile(rf"(?:[。！？!?]+|…+|\.{{3,}})[{re.escape(_CLOSERS)}]*")
_CJK_CLAUSE = re.compile(rf"[，、；：,;:]+[{re.escape(_CLOSERS)}]*")
_LATIN_CLAUSE = re.compile(r"[,;:—–]+(?=\s)|\s[—–]\s")
_SENTENCE_END = re.compile(r"[.!?…。！？]+[\"'”’)\]]*$")


class _TextSpan(Protocol):
    """What pysbd's ``segment`` gives with ``char_span=True``: a sentence's offsets."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


class _Segmenter(Protocol):
    """The part of ``pysbd.Segmenter`` used here."""

    def segment(self, text: str) -> list[_TextSpan]: ...


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence (or clause) of a text: its stripped text and [start, end) char offsets."""

    text: str
    start: int
    end: int


def _strip(text: str, start: int, end: int) -> Span | None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    body = piece.strip()
    if not body:
        return None
    return Span(body, start + lead, start + lead + len(body))


def _by_pattern(text: str, pattern: re.Pattern[str]) -> list[Span]:
    out: list[Span] = []
    start = 0
    for match in pattern.finditer(text):
        span = _strip(text, start, match.end())
        if span is not None:
            out.append(span)
        start = match.end()
    tail = _strip(text, start, len(text))
    if tail is not None:
        out.append(tail)
    return out


@lru_cache(maxsize=8)
def _pysbd(lang: str) -> _Segmenter:
    import pysbd

    segmenter: _Segmenter
    try:
        segmenter = pysbd.Segmenter(language=lang, clean=False, char_span=True)
    except ValueError:  # a language pysbd does not know: English rules
        segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return segmenter


def split_sentences(text: str, lang: str) -> list[Span]:
    """Sentences of ``text`` with character offsets into it.

    >>> [s.text for s in split_sentences("谢谢你，玛雅。“很高兴来到这里！”好。", "zh")]
    ['谢谢你，玛雅。', '“很高兴来到这里！”', '好。']
    >>> [s.text for s in split_sentences("Thanks, Maya. It's great to be here.", "en")]
    ['Thanks, Maya.', "It's great to be here."]
    """
    code = base_lang(lang)
    if not text.strip():
        return []
    if is_cjk(code):
        return _by_pattern(text, _CJK_END)
    if code == "ru":
        from razdel import sentenize

        spans = (_strip(text, s.start, s.stop) for s in sentenize(text))
        return [s for s in spans if s is not None]
    out: list[Span] = []
    for piece in _pysbd(code).segment(text):
        span = _strip(text, int(piece.start), int(piece.end))
        if span is not None:
            out.append(span)
    return out


def split_clauses(text: str, lang: str) -> list[Span]:
    """Clauses of one sentence (split after commas, semicolons, colons, dashes).

    >>> [c.text for c in split_clauses("没错，如果我写错了，就糟了。", "zh")]
    ['没错，', '如果我写错了，', '就糟了。']
    """
    pattern = _CJK_CLAUSE if is_cjk(lang) else _LATIN_CLAUSE
    return _by_pattern(text, pattern)


def text_length(text: str, lang: str) -> int:
    """Length used for length ratios: characters without spaces (CJK) or with them."""
    if is_cjk(lang):
        return sum(1 for ch in text if not ch.isspace())
    return len(" ".join(text.split()))


def joiner(lang: str) -> str:
    """What goes between two sentences of ``lang`` when they are joined."""
    return "" if is_cjk(lang) else " "


def word_sentences(
    words: Sequence[Word],
    *,
    pause_ms: int = 700,
    min_words: int = 4,
    max_words: int = 40,
) -> list[tuple[int, int]]:
    """Group recognised words into sentences: ``[first, last)`` word index ranges.

    A sentence ends after a word with sentence-final punctuation, at a pause of at
    least ``pause_ms`` once it has ``min_words`` words, or at ``max_words`` (at the
    longest pause in its second half).

    >>> text = "Hi there. How are you?".split()
    >>> ws = [Word(t, i * 300, i * 300 + 250) for i, t in enumerate(text)]
    >>> word_sentences(ws)
    [(0, 2), (2, 5)]
    """
    out: list[tuple[int, int]] = []
    start = 0
    n = len(words)
    for i in range(n):
        count = i + 1 - start
        end_here = bool(_SENTENCE_END.search(words[i].text))
        if not end_here and i + 1 < n and count >= min_words:
            end_here = words[i + 1].start_ms - words[i].end_ms >= pause_ms
        if not end_here and count >= max_words:
            half = start + count // 2
            cut = max(range(half, i + 1), key=lambda k: _gap(words, k))
            out.append((start, cut + 1))
            start = cut + 1
            continue
        if end_here:
            out.append((start, i + 1))
            start = i + 1
    if start < n:
        out.append((start, n))
    return out


def _gap(words: Sequence[Word], k: int) -> int:
    return words[k + 1].start_ms - words[k].end_ms if k + 1 < len(words) else 0
