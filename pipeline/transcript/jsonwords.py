"""JSON word lists: ``{"words": [{"text": ...}]}``, or a list of strings or objects.

What ASR tools and our own ``<stem>.words.json`` write. Words are grouped into
one turn per run of the same speaker; start/end (seconds) become the turn's
prior times. Line numbers are found by locating each word's JSON string in the
file, so a turn points at the lines its words came from.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pipeline.errors import TranscriptParseError
from pipeline.model import Document, Turn
from pipeline.timecode import seconds_to_ms
from pipeline.transcript.base import Reader
from pipeline.transcript.lang import detect_lang
from pipeline.transcript.structure import pair_turns

log = logging.getLogger(__name__)

#: Keys that may hold a word's text, in order of preference.
TEXT_KEYS: tuple[str, ...] = ("text", "word", "token")

#: One word object of the file, its values as the JSON has them (anything, checked on use).
WordItem = dict[str, object]


class JsonWordsReader(Reader):
    """A JSON list of words, bare or under a ``"words"`` key."""

    id = "json"
    extensions = (".json",)

    @classmethod
    def score(cls, text: str) -> float:
        head = text.lstrip()[:1]
        if head not in ("{", "["):
            return 0.0
        try:
            _words(json.loads(text))
        except (ValueError, TypeError):
            return 0.0
        return 1.0

    @classmethod
    def parse(cls, text: str, *, path: Path, lenient: bool = False) -> Document:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise TranscriptParseError(
                f"invalid JSON: {err.msg}", path=path, line=err.lineno, hint="fix the JSON syntax"
            ) from err
        try:
            items = _words(data)
        except (ValueError, TypeError) as err:
            raise TranscriptParseError(
                str(err),
                path=path,
                hint='give {"words": [{"text": ...}, ...]} or a list of strings',
            ) from err
        lang = data.get("language") if isinstance(data, dict) else None
        turns: list[Turn] = []
        run: list[tuple[WordItem, int]] = []
        pos = 0
        for k, item in enumerate(items):
            word = _text(item)
            if word is None:
                if not lenient:
                    raise TranscriptParseError(
                        f"word {k} has no text", path=path, hint=f"give it one of {TEXT_KEYS}"
                    )
                log.warning("%s: word %d has no text; skipped", path, k)
                continue
            pos, line = _locate(text, word, pos)
            if run and run[-1][0].get("speaker") != item.get("speaker"):
                turns.append(_turn(run, lang))
                run = []
            run.append((item, line))
        if run:
            turns.append(_turn(run, lang))
        return Document(tuple(turns), tuple(pair_turns(turns)), format=cls.id)


def _words(data: object) -> list[WordItem]:
    """The word objects of ``data`` (strings become ``{"text": s}``)."""
    if isinstance(data, dict):
        if "words" not in data:
            raise ValueError('JSON object has no "words" list')
        data = data["words"]
    if not isinstance(data, list):
        raise TypeError("JSON words are not a list")
    out: list[WordItem] = []
    for item in data:
        if isinstance(item, str):
            out.append({"text": item})
        elif isinstance(item, dict):
            out.append(item)
        else:
            raise TypeError(f"JSON word is neither a string nor an object: {item!r}")
    return out


def _text(item: WordItem) -> str | None:
    for key in TEXT_KEYS:
        value = item.get(key)
        if isinstance(value, str):
            return value
    return None


def _locate(raw: str, word: str, pos: int) -> tuple[int, int]:
    """Offset after, and 1-based line of, ``word``'s JSON string at or after ``pos``."""
    for encoded in (json.dumps(word, ensure_ascii=False), json.dumps(word)):
        at = raw.find(encoded, pos)
        if at >= 0:
            return at + len(encoded), raw.count("\n", 0, at) + 1
    return pos, raw.count("\n", 0, pos) + 1


def _seconds(value: object) -> int | None:
    return seconds_to_ms(float(value)) if isinstance(value, int | float) else None


def _turn(run: list[tuple[WordItem, int]], lang: object) -> Turn:
    words = [_text(item) or "" for item, _ in run]
    spaced = any(w[:1].isspace() for w in words)
    text = ("".join(words) if spaced else " ".join(words)).strip()
    speaker = run[0][0].get("speaker")
    return Turn(
        speaker=speaker if isinstance(speaker, str) else None,
        lang=lang if isinstance(lang, str) and lang else detect_lang(text),
        text=text,
        first_line=run[0][1],
        last_line=max(line for _, line in run),
        prior_start_ms=_seconds(run[0][0].get("start")),
        prior_end_ms=_seconds(run[-1][0].get("end")),
    )
