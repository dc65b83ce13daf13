"""Shared test fixtures: a noise-burst 'episode' and a fake ASR that 'hears' the transcript."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.model import Recognition, Word

SAMPLE_RATE = 16_000
WORD_MS = 320  # each fake word: 250 ms of noise, 70 ms of silence


def write_episode(path: Path, words: list[str], lead_ms: int = 500) -> list[Word]:
    """Write a WAV with one noise burst per word; return the words with their true times."""
    rng = np.random.default_rng(1)
    total_ms = lead_ms + len(words) * WORD_MS + 500
    samples = np.zeros(total_ms * SAMPLE_RATE // 1000, dtype=np.float32)
    timed: list[Word] = []
    for k, word in enumerate(words):
        start = lead_ms + k * WORD_MS
        end = start + 250
        a, b = start * SAMPLE_RATE // 1000, end * SAMPLE_RATE // 1000
        samples[a:b] = rng.normal(0, 0.2, b - a).astype(np.float32)
        timed.append(Word(word, start, end))
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(SAMPLE_RATE)
        handle.writeframes(pcm)
    return timed


def fake_recognition(words: list[Word], duration_ms: int) -> Recognition:
    """What a perfect recogniser would return."""
    return Recognition("en", duration_ms, tuple(words), "fake")


TRANSCRIBE_ENGINE = "align.engine=transcribe"  # fake recognisers need the transcribe engine
TRANSCRIBE_DEFAULTS = "{asr.model: tiny.en, align.engine: transcribe}"  # manifest defaults


def transcribe_config(folder: Path) -> Path:
    """A run config choosing the transcribe-then-match engine (for tests with a fake ASR)."""
    path = folder / "transcribe-engine.yaml"
    path.write_text("align:\n  engine: transcribe\n", encoding="utf-8")
    return path


@contextmanager
def tmpfs(mount: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``mount`` (made if missing) with ``options``, unmounted after;
    the test skips where mounting is not allowed."""
    import subprocess

    import pytest

    mount.mkdir(parents=True, exist_ok=True)
    cmd = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({options}) here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def write_manifest(path: Path, rows: list[str], defaults: str = TRANSCRIBE_DEFAULTS) -> Path:
    """A YAML batch manifest: ``defaults`` and one ``{audio, transcript}`` row per entry."""
    body = f"defaults: {defaults}\nepisodes:\n" + "".join(f"  - {row}\n" for row in rows)
    path.write_text(body, encoding="utf-8")
    return path


def plant_recogniser(monkeypatch: Any, timed: list[Word]) -> None:
    """Make the transcribe stage 'hear' ``timed`` (no model runs)."""
    from pipeline.timing import transcribe as asr

    def fake(audio_obj: Any, opts: Any, progress: Any = None, regions: Any = None) -> Recognition:
        return fake_recognition(timed, audio_obj.duration_ms)

    monkeypatch.setattr(asr, "transcribe", fake)


DIALOGUE = "Alice: Hello there, and welcome to the show. Bob: Thanks for having me here today."


def make_episode(folder: Path, monkeypatch: Any) -> dict[str, Path]:
    """A short two-speaker episode with a planted recogniser, its transcript and a config."""
    words = [w.strip(",.:") for w in DIALOGUE.split() if not w.endswith(":")]
    audio = folder / "ep.wav"
    plant_recogniser(monkeypatch, write_episode(audio, words))
    transcript = folder / "ep.txt"
    transcript.write_text(DIALOGUE.replace(" Bob:", "\nBob:") + "\n", encoding="utf-8")
    return {"audio": audio, "transcript": transcript, "config": transcribe_config(folder)}


def align_args(ep: dict[str, Path], *extra: str) -> list[str]:
    """``subweave align`` arguments for an episode from :func:`make_episode`."""
    args = ["align", str(ep["audio"]), str(ep["transcript"]), "--config", str(ep["config"])]
    return [*args, *extra]
