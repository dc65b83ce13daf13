"""Artifact files: atomic writing, JSON reading with its types, content hashes.

Records stay typed inside the pipeline; JSON exists only at the artifact boundary (one file per
stage under the episode folder, see :mod:`pipeline.run.results`), so a run can resume from any
stage and a person can read what each stage decided. :data:`Json` is what such a file holds;
the ``as_*`` helpers narrow one value to the type a codec expects, and fail with a
:class:`ValueError` (an artifact someone edited by hand) instead of a type error later.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TypeAlias

Json: TypeAlias = bool | int | float | str | list["Json"] | dict[str, "Json"] | None
JsonObject: TypeAlias = dict[str, Json]


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


def write_json(path: Path, data: Json) -> None:
    """Atomic pretty JSON (UTF-8, non-ASCII kept readable)."""
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def read_json(path: Path) -> Json:
    """Read a JSON file."""
    data: Json = json.loads(path.read_text(encoding="utf-8"))
    return data


def read_object(path: Path) -> JsonObject:
    """Read a JSON file that holds an object (every artifact does)."""
    return as_object(read_json(path))


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


# --- narrowing one JSON value --------------------------------------------------


def _wrong(value: Json, expected: str) -> ValueError:
    return ValueError(f"expected {expected} in an artifact, found {type(value).__name__}")


def as_object(value: Json) -> JsonObject:
    """``value`` as a JSON object."""
    if not isinstance(value, dict):
        raise _wrong(value, "an object")
    return value


def as_list(value: Json) -> list[Json]:
    """``value`` as a JSON array."""
    if not isinstance(value, list):
        raise _wrong(value, "an array")
    return value


def as_str(value: Json) -> str:
    """``value`` as a string."""
    if not isinstance(value, str):
        raise _wrong(value, "a string")
    return value


def as_int(value: Json) -> int:
    """``value`` as an integer (JSON booleans are not integers here)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong(value, "an integer")
    return value


def as_float(value: Json) -> float:
    """``value`` as a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(value, "a number")
    return float(value)


def opt_int(value: Json) -> int | None:
    """``value`` as an integer, or None."""
    return None if value is None else as_int(value)


def opt_str(value: Json) -> str | None:
    """``value`` as a string, or None."""
    return None if value is None else as_str(value)
