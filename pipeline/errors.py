"""One exception hierarchy for everything a user can cause.

Every error carries structured fields, formats a one-line message that names the
file, the line and what to do, and pickles cleanly so that it can cross process
boundaries in batch runs (see pysubs2 issue #97 for why ``__reduce__`` matters).
Programming errors are not wrapped: they stay ordinary exceptions and crash.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


class PipelineError(Exception):
    """Base class: a problem the user can fix.

    Attributes:
        message: what went wrong.
        path: the file concerned, if any.
        line: 1-based line number in that file, if known.
        hint: what to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint
        super().__init__(self.format())

    def _kwargs(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "hint": self.hint}

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.message, self._kwargs()))

    def format(self) -> str:
        """One line: ``path:line: message (hint)``."""
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        text = f"{where}{self.message}"
        if self.hint:
            text += f". {self.hint}"
        return text


def _rebuild(
    cls: Callable[..., PipelineError], message: str, kwargs: dict[str, object]
) -> PipelineError:
    """Unpickle: ``cls`` is a :class:`PipelineError` subclass, ``kwargs`` its own fields."""
    return cls(message, **kwargs)


class ConfigError(PipelineError):
    """A config file or ``--set`` override is invalid."""


class OutputError(PipelineError):
    """An output folder or file cannot be written (read-only, full disk, a file in the way)."""


def output_error(exc: OSError, path: Path | str | None = None) -> OutputError:
    """The one-line error for a failed write, with the fix that usually helps."""
    import errno

    where = exc.filename or path
    reason = exc.strerror or str(exc)
    hints = {
        errno.ENOSPC: "free disk space there, or write elsewhere with --out",
        errno.EROFS: "the file system is read-only: write elsewhere with --out",
        errno.EACCES: "you may not write there: check its permissions, or use --out",
        errno.EPERM: "you may not write there: check its permissions, or use --out",
        errno.EEXIST: "a file of that name is in the way: remove it, or use another --out",
        errno.ENOTDIR: "part of that path is a file, not a folder: use another --out",
        errno.EISDIR: "a folder of that name is in the way: remove it, or use another --out",
    }
    hint = hints.get(exc.errno or 0, "check the output folder, or write elsewhere with --out")
    return OutputError(f"cannot write output ({reason})", path=where, hint=hint)


def file_error(exc: OSError, out_dir: Path) -> PipelineError:
    """A failed file operation during a run: an output error inside ``out_dir``, else the
    input that could not be read."""
    name = Path(exc.filename) if exc.filename else None
    if name is None or out_dir == name or out_dir in name.parents:
        return output_error(exc, out_dir)
    reason = exc.strerror or str(exc)
    return ConfigError(
        f"cannot read this input ({reason})", path=name, hint="give the path of a readable file"
    )


class MediaDecodeError(PipelineError):
    """Audio or video could not be read, or holds no usable audio."""


class TranscriptParseError(PipelineError):
    """A transcript or subtitle file could not be read."""


class ModelNotFoundError(PipelineError):
    """A Whisper model is not installed where it was looked for."""


class SubtitleFormatError(PipelineError):
    """A subtitle file given to ``lint`` or ``retime`` is malformed."""


class AlignmentError(PipelineError):
    """Too little of the transcript could be matched to the audio."""

    def __init__(
        self,
        message: str,
        *,
        episode: str | None = None,
        coverage: float | None = None,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.episode = episode
        self.coverage = coverage
        super().__init__(message, path=path, line=line, hint=hint)

    def _kwargs(self) -> dict[str, object]:
        return {**super()._kwargs(), "episode": self.episode, "coverage": self.coverage}


class StageError(PipelineError):
    """A stage of the runner failed; wraps the cause and names stage and episode."""

    def __init__(
        self,
        message: str,
        *,
        stage: str | None = None,
        episode: str | None = None,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.stage = stage
        self.episode = episode
        super().__init__(message, path=path, line=line, hint=hint)

    def _kwargs(self) -> dict[str, object]:
        return {**super()._kwargs(), "stage": self.stage, "episode": self.episode}


__all__ = [
    "AlignmentError",
    "ConfigError",
    "MediaDecodeError",
    "ModelNotFoundError",
    "OutputError",
    "PipelineError",
    "StageError",
    "SubtitleFormatError",
    "TranscriptParseError",
]
