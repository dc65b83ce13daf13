"""JSON codecs of the records stage results carry: timed words, documents, tracks.

Used only by :mod:`pipeline.run.results`: a word is a compact row ``[text, start, end, status,
speaker, turn]``, a document or a track an object with every field, so a resumed run rebuilds
exactly the records it wrote.
"""

from __future__ import annotations

from pipeline.model import WORD_STATUSES, Cue, Document, TimedWord, Track, Turn, WordStatus
from pipeline.run.artifacts import (
    Json,
    JsonObject,
    as_int,
    as_list,
    as_object,
    as_str,
    opt_int,
    opt_str,
)


def words_to_json(words: tuple[TimedWord, ...]) -> list[Json]:
    """Timed words as compact rows."""
    return [[w.text, w.start_ms, w.end_ms, w.status, w.speaker, w.turn_index] for w in words]


def _status(value: Json) -> WordStatus:
    text = as_str(value)
    if text not in WORD_STATUSES:
        raise ValueError(f"unknown word status {text!r} in an artifact")
    return text


def words_from_json(rows: Json) -> tuple[TimedWord, ...]:
    """Inverse of :func:`words_to_json`."""
    out = []
    for row in as_list(rows):
        t, s, e, st, sp, ti = as_list(row)
        out.append(
            TimedWord(as_str(t), opt_int(s), opt_int(e), _status(st), opt_str(sp), as_int(ti))
        )
    return tuple(out)


def document_to_json(doc: Document) -> JsonObject:
    """Every field of a Document, including subtitle priors."""
    return {
        "format": doc.format,
        "encoding": doc.encoding,
        "turns": [
            {
                "speaker": t.speaker,
                "lang": t.lang,
                "text": t.text,
                "role": t.role,
                "first_line": t.first_line,
                "last_line": t.last_line,
                "prior_start_ms": t.prior_start_ms,
                "prior_end_ms": t.prior_end_ms,
            }
            for t in doc.turns
        ],
        "pairs": [list(p) for p in doc.pairs],
    }


def _turn(value: Json) -> Turn:
    t = as_object(value)
    role = as_str(t["role"])
    return Turn(
        opt_str(t["speaker"]),
        as_str(t["lang"]),
        as_str(t["text"]),
        role,  # type: ignore[arg-type]  # Turn checks the role itself
        as_int(t["first_line"]),
        as_int(t["last_line"]),
        opt_int(t["prior_start_ms"]),
        opt_int(t["prior_end_ms"]),
    )


def document_from_json(value: Json) -> Document:
    """Inverse of :func:`document_to_json`."""
    data = as_object(value)
    turns = tuple(_turn(t) for t in as_list(data["turns"]))
    pairs = tuple((as_int(as_list(p)[0]), as_int(as_list(p)[1])) for p in as_list(data["pairs"]))
    return Document(
        turns, pairs, as_str(data.get("format", "")), as_str(data.get("encoding", "utf-8"))
    )


def track_to_json(track: Track) -> JsonObject:
    """A track as JSON."""
    return {
        "langs": list(track.langs),
        "cues": [
            {
                "start_ms": c.start_ms,
                "end_ms": c.end_ms,
                "lines": {k: list(v) for k, v in c.lines.items()},
                "speaker": c.speaker,
                "turn_index": c.turn_index,
            }
            for c in track.cues
        ],
    }


def _cue(value: Json) -> Cue:
    c = as_object(value)
    lines = {k: tuple(as_str(x) for x in as_list(v)) for k, v in as_object(c["lines"]).items()}
    speaker = opt_str(c.get("speaker"))
    return Cue(
        as_int(c["start_ms"]), as_int(c["end_ms"]), lines, speaker, as_int(c.get("turn_index", -1))
    )


def track_from_json(value: Json) -> Track:
    """Inverse of :func:`track_to_json`."""
    data = as_object(value)
    langs = tuple(as_str(x) for x in as_list(data["langs"]))
    return Track(langs, tuple(_cue(c) for c in as_list(data["cues"])))
