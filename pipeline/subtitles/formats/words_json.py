"""JSON outputs: the timed word list (``<stem>.words.json``) and a track's cues (``.json``).

Both are meant to be read by people as well as programs, so each record sits on its own line
instead of either one long line or ``indent=2`` spreading every word over seven. Times are float
seconds (milliseconds / 1000, exact to the millisecond); words no audio supports have
``null`` times. Text is written as is (``ensure_ascii=False``), so Chinese stays readable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TypedDict

from pipeline.model import TimedWord, Track
from pipeline.subtitles.formats.base import Writer
from pipeline.timecode import ms_to_seconds


class WordRecord(TypedDict):
    """One word of ``<stem>.words.json``."""

    text: str
    start: float | None
    end: float | None
    status: str
    speaker: str | None


class CueRecord(TypedDict):
    """One cue of a track's ``.json``."""

    start: float
    end: float
    speaker: str | None
    lines: dict[str, list[str]]


def _seconds(ms: int | None) -> float | None:
    return None if ms is None else ms_to_seconds(ms)


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _document(head: Mapping[str, object], key: str, records: Iterable[Mapping[str, object]]) -> str:
    """``{head..., key: [records]}`` with one record per line."""
    lines = [f"  {_dump(name)}: {_dump(value)}," for name, value in head.items()]
    rows = [f"    {_dump(record)}" for record in records]
    body = f"  {_dump(key)}: [\n" + ",\n".join(rows) + "\n  ]" if rows else f"  {_dump(key)}: []"
    return "{\n" + "\n".join([*lines, body]) + "\n}\n"


def render_words_json(words: Sequence[TimedWord], lang: str) -> str:
    """``{"language": lang, "words": [{"text", "start", "end", "status", "speaker"}]}``.

    >>> print(render_words_json([TimedWord("Hi", 500, 900, "aligned", "Ann")], "en"))
    {
      "language": "en",
      "words": [
        {"text": "Hi", "start": 0.5, "end": 0.9, "status": "aligned", "speaker": "Ann"}
      ]
    }
    <BLANKLINE>
    """
    return _document(
        {"language": lang},
        "words",
        (
            WordRecord(
                text=word.text,
                start=_seconds(word.start_ms),
                end=_seconds(word.end_ms),
                status=word.status,
                speaker=word.speaker,
            )
            for word in words
        ),
    )


def render(track: Track) -> str:
    """``{"languages": [...], "cues": [{"start", "end", "speaker", "lines": {lang: [...]}}]}``."""
    return _document(
        {"languages": list(track.langs)},
        "cues",
        (
            CueRecord(
                start=ms_to_seconds(cue.start_ms),
                end=ms_to_seconds(cue.end_ms),
                speaker=cue.speaker,
                lines={lang: list(lines) for lang, lines in cue.lines.items()},
            )
            for cue in track.cues
        ),
    )


WRITER = Writer("json", "json", render, "JSON: cues with float-second times, one per line")
