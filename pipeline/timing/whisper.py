"""The faster-whisper and CTranslate2 objects the pipeline uses, as typed Protocols.

faster-whisper and CTranslate2 ship no type information; these Protocols say which of their
attributes and methods the pipeline relies on (``faster_whisper.WhisperModel``, its
``ctranslate2.models.Whisper``, the segments and words it yields), so that the rest of the code
is checked against them. Nothing here imports either library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import numpy as np

__all__ = [
    "Ct2Alignment",
    "Ct2Whisper",
    "Whisper",
    "WhisperInfo",
    "WhisperSegment",
    "WhisperWord",
]


class WhisperWord(Protocol):
    """A recognised word (``faster_whisper.transcribe.Word``): text and float seconds."""

    @property
    def word(self) -> str: ...

    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...

    @property
    def probability(self) -> float: ...


class WhisperSegment(Protocol):
    """A recognised segment (``faster_whisper.transcribe.Segment``) with its words."""

    @property
    def end(self) -> float: ...

    @property
    def words(self) -> Sequence[WhisperWord] | None: ...


class WhisperInfo(Protocol):
    """What ``WhisperModel.transcribe`` says about the audio (``TranscriptionInfo``)."""

    @property
    def language(self) -> str: ...


class Ct2Alignment(Protocol):
    """One result of ``ctranslate2.models.Whisper.align``."""

    @property
    def alignments(self) -> Sequence[tuple[int, int]]: ...

    @property
    def text_token_probs(self) -> Sequence[float]: ...


class Ct2Whisper(Protocol):
    """The CTranslate2 model inside a ``WhisperModel``: encoder and forced alignment."""

    @property
    def is_multilingual(self) -> bool: ...

    def encode(self, features: object, to_cpu: bool = False) -> object:
        """Encoder output (a ``ctranslate2.StorageView``) of a batch of log-mel features."""
        ...

    def align(
        self,
        features: object,
        start_sequence: Sequence[int],
        text_tokens: Sequence[Sequence[int]],
        num_frames: Sequence[int],
    ) -> Sequence[Ct2Alignment]:
        """Teacher-forced token alignment of encoded windows."""
        ...


class Whisper(Protocol):
    """The parts of a loaded ``faster_whisper.WhisperModel`` that the pipeline uses."""

    @property
    def model(self) -> Ct2Whisper: ...

    @property
    def hf_tokenizer(self) -> object: ...

    @property
    def feature_extractor(self) -> Callable[[np.ndarray], np.ndarray]: ...

    def transcribe(
        self, audio: np.ndarray, **options: object
    ) -> tuple[Iterable[WhisperSegment], WhisperInfo]:
        """Recognised segments (a lazy iterator) and what was detected about the audio."""
        ...

    def detect_language(
        self, audio: np.ndarray | None = None
    ) -> tuple[str, float, list[tuple[str, float]]]:
        """The language spoken in (the first 30 s of) ``audio``, its probability, all of them."""
        ...
