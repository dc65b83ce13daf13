"""Immutable records passed between pipeline stages.

Times are integer milliseconds everywhere inside the pipeline. Whisper's float
seconds are converted once, in :mod:`pipeline.timing.transcribe`; JSON artifacts convert back
at the boundary only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["speech", "heading", "note", "summary", "toc", "junk"]
ROLES: tuple[Role, ...] = ("speech", "heading", "note", "summary", "toc", "junk")

WordStatus = Literal["aligned", "interpolated", "unspoken"]
WORD_STATUSES: tuple[WordStatus, ...] = ("aligned", "interpolated", "unspoken")


@dataclass(frozen=True, slots=True)
class Turn:
    """One block of transcript text as the input file has it.

    Attributes:
        speaker: normalised speaker name, or None when the input has no labels.
        lang: BCP-47 language code decided from the script ("en", "zh", "ru", ...).
        text: the text, without the speaker label.
        role: speech, or one of the roles of text that is not spoken.
        first_line: 1-based line number of the first input line of the turn.
        last_line: 1-based line number of the last input line of the turn.
        prior_start_ms: for subtitle input, the old in-time (a prior, not a truth).
        prior_end_ms: for subtitle input, the old out-time.
    """

    speaker: str | None
    lang: str
    text: str
    role: Role = "speech"
    first_line: int = 0
    last_line: int = 0
    prior_start_ms: int | None = None
    prior_end_ms: int | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if self.last_line < self.first_line:
            raise ValueError("last_line before first_line")


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed transcript.

    Attributes:
        turns: every turn of the input in file order (spoken or not).
        pairs: (source turn index, translation turn index) links where the input
            holds both a text and its translation.
        format: the reader that produced it.
        encoding: the text encoding the file was decoded with.
    """

    turns: tuple[Turn, ...]
    pairs: tuple[tuple[int, int], ...] = ()
    format: str = ""
    encoding: str = "utf-8"

    def languages(self) -> tuple[str, ...]:
        """Languages of speech turns, most frequent first."""
        counts: dict[str, int] = {}
        for turn in self.turns:
            if turn.role == "speech":
                counts[turn.lang] = counts.get(turn.lang, 0) + len(turn.text)
        return tuple(sorted(counts, key=lambda lang: -counts[lang]))

    def speech_indices(self, lang: str) -> tuple[int, ...]:
        """Indices of speech turns in ``lang``."""
        return tuple(i for i, t in enumerate(self.turns) if t.role == "speech" and t.lang == lang)


@dataclass(frozen=True, slots=True)
class Word:
    """A word recognised by ASR, with its time span and probability."""

    text: str
    start_ms: int
    end_ms: int
    probability: float = 1.0

    def __post_init__(self) -> None:
        if self.end_ms < self.start_ms:
            raise ValueError(f"word {self.text!r} ends before it starts")


@dataclass(frozen=True, slots=True)
class Recognition:
    """ASR output for one episode."""

    language: str
    duration_ms: int
    words: tuple[Word, ...]
    model: str = ""


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of one turn, with its words' index range in the word list."""

    text: str
    lang: str
    turn_index: int
    first_word: int = 0
    last_word: int = 0
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True, slots=True)
class TimedWord:
    """A transcript word with the time alignment gave it.

    ``unspoken`` words (text no audio supports) have no times.
    """

    text: str
    start_ms: int | None
    end_ms: int | None
    status: WordStatus
    speaker: str | None = None
    turn_index: int = -1

    def __post_init__(self) -> None:
        if self.status not in WORD_STATUSES:
            raise ValueError(f"unknown word status {self.status!r}")
        if self.status == "unspoken":
            if self.start_ms is not None or self.end_ms is not None:
                raise ValueError("unspoken words carry no times")
        else:
            if self.start_ms is None or self.end_ms is None:
                raise ValueError(f"{self.status} word {self.text!r} needs times")
            if self.end_ms < self.start_ms:
                raise ValueError(f"word {self.text!r} ends before it starts")


@dataclass(frozen=True, slots=True)
class Cue:
    """One subtitle event. A bilingual cue carries every language with one in/out time.

    Attributes:
        start_ms: in-time.
        end_ms: out-time, strictly after ``start_ms``.
        lines: language code -> display lines, in stacking order (source first).
        speaker: who speaks, when known.
        turn_index: the transcript turn the cue's words come from (-1: unknown).
    """

    start_ms: int
    end_ms: int
    lines: dict[str, tuple[str, ...]]
    speaker: str | None = None
    turn_index: int = -1

    def __post_init__(self) -> None:
        if self.end_ms <= self.start_ms:
            raise ValueError(f"cue ends ({self.end_ms}) at or before it starts ({self.start_ms})")
        if self.start_ms < 0:
            raise ValueError("cue starts before 0")

    def text(self, lang: str) -> str:
        """The cue's lines in ``lang`` joined by newlines ("" when absent)."""
        return "\n".join(self.lines.get(lang, ()))


@dataclass(frozen=True, slots=True)
class Track:
    """An ordered list of cues in one or more languages (source language first)."""

    langs: tuple[str, ...]
    cues: tuple[Cue, ...] = field(default_factory=tuple)

    @property
    def code(self) -> str:
        """File-name code: "en" or "en-zh"."""
        return "-".join(self.langs)


def unspoken_runs(words: Sequence[TimedWord]) -> list[tuple[int, int]]:
    """``(first, end)`` index ranges of consecutive unspoken words (text no audio supports).

    >>> w = [TimedWord("a", 0, 1, "aligned"), TimedWord("b", None, None, "unspoken")]
    >>> unspoken_runs(w)
    [(1, 2)]
    """
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if words[i].status != "unspoken":
            i += 1
            continue
        j = i
        while j < len(words) and words[j].status == "unspoken":
            j += 1
        runs.append((i, j))
        i = j
    return runs
