"""JSON codecs for stage artifacts, and atomic file writing.

Records stay typed inside the pipeline; JSON exists only at the artifact
boundary (one file per stage under the episode folder), so a run can resume
from any stage and a person can read what each stage decided.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.model import Cue, Document, Recognition, TimedWord, Track, Turn, Word


def _umask() -> int:
    """The process umask (read once: setting it back at once is the only portable read)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() would give a new file; mkstemp gives 0600


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file + rename: readers never see half a file."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (same folder temp file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # POSIX; subtitles are for others to read: honour the umask
            os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    """Atomic pretty JSON (UTF-8, non-ASCII kept readable)."""
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def read_json(path: Path) -> Any:
    """Read a JSON artifact."""
    return json.loads(path.read_text(encoding="utf-8"))


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- records <-> JSON ------------------------------------------------------


def recognition_to_json(rec: Recognition) -> dict[str, Any]:
    """ASR result as JSON (times stay integer ms inside artifacts)."""
    return {
        "language": rec.language,
        "duration_ms": rec.duration_ms,
        "model": rec.model,
        "words": [[w.text, w.start_ms, w.end_ms, round(w.probability, 4)] for w in rec.words],
    }


def recognition_from_json(data: dict[str, Any]) -> Recognition:
    """Inverse of :func:`recognition_to_json`."""
    words = tuple(Word(t, int(s), int(e), float(p)) for t, s, e, p in data["words"])
    return Recognition(data["language"], int(data["duration_ms"]), words, data.get("model", ""))


def document_to_artifact(doc: Document) -> dict[str, Any]:
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


def document_from_artifact(data: dict[str, Any]) -> Document:
    """Inverse of :func:`document_to_artifact`."""
    turns = tuple(Turn(**t) for t in data["turns"])
    pairs = tuple((int(a), int(b)) for a, b in data["pairs"])
    return Document(turns, pairs, data.get("format", ""), data.get("encoding", "utf-8"))


def words_to_json(words: Iterable[TimedWord]) -> list[list[Any]]:
    """Timed words as compact rows."""
    return [[w.text, w.start_ms, w.end_ms, w.status, w.speaker, w.turn_index] for w in words]


def words_from_json(rows: Iterable[list[Any]]) -> tuple[TimedWord, ...]:
    """Inverse of :func:`words_to_json`."""
    return tuple(TimedWord(t, s, e, st, sp, int(ti)) for t, s, e, st, sp, ti in rows)


def track_to_json(track: Track) -> dict[str, Any]:
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


def track_from_json(data: dict[str, Any]) -> Track:
    """Inverse of :func:`track_to_json`."""
    cues = tuple(
        Cue(
            int(c["start_ms"]),
            int(c["end_ms"]),
            {k: tuple(v) for k, v in c["lines"].items()},
            c.get("speaker"),
            int(c.get("turn_index", -1)),
        )
        for c in data["cues"]
    )
    return Track(tuple(data["langs"]), cues)
