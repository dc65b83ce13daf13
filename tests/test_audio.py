"""Decoding every common container to 16 kHz mono, and failing clearly on bad input."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio.decode import SAMPLE_RATE, Audio, file_sha256, load_audio
from pipeline.audio.speech import VadOptions, speech_regions
from pipeline.errors import MediaDecodeError

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg binary not installed")


def write_wav(
    path: Path, seconds: float, rate: int = 44_100, channels: int = 2, amp: float = 0.3
) -> Path:
    """A 440 Hz tone as 16-bit PCM WAV, written with the standard library."""
    t = np.arange(int(seconds * rate)) / rate
    tone = (amp * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    frames = np.repeat(tone[:, None], channels, axis=1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames.tobytes())
    return path


def ffmpeg(*args: str) -> None:
    assert FFMPEG is not None
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_wav(tmp_path_factory.mktemp("tone") / "tone.wav", 3.0)


def test_wav_decodes_to_16k_mono_float32(tone: Path) -> None:
    audio = load_audio(tone)
    assert audio.sample_rate == SAMPLE_RATE
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert abs(audio.duration_ms - 3000) <= 50
    assert len(audio.samples) == pytest.approx(3 * SAMPLE_RATE, abs=SAMPLE_RATE // 20)
    assert 0.25 < float(np.abs(audio.samples).max()) < 0.35
    assert audio.sha256 == file_sha256(tone)
    assert not audio.samples.flags.writeable


def test_file_sha256_matches_hashlib(tmp_path: Path) -> None:
    import hashlib

    data = bytes(range(256)) * 10_000  # spans several hash chunks
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()


@needs_ffmpeg
@pytest.mark.parametrize(
    ("name", "codec_args"),
    [
        ("a.mp3", ()),
        ("a.flac", ()),
        ("a.ogg", ("-c:a", "libvorbis")),
        ("a.opus", ("-c:a", "libopus")),
        ("a.m4a", ("-c:a", "aac")),
    ],
)
def test_audio_formats(tone: Path, tmp_path: Path, name: str, codec_args: tuple[str, ...]) -> None:
    path = tmp_path / name
    ffmpeg("-i", str(tone), *codec_args, str(path))
    audio = load_audio(path)
    assert abs(audio.duration_ms - 3000) <= 50
    assert float(np.abs(audio.samples).max()) > 0.1


@needs_ffmpeg
@pytest.mark.parametrize(("name", "codec"), [("v.mp4", "aac"), ("v.mkv", "libopus")])
def test_video_audio_track(tone: Path, tmp_path: Path, name: str, codec: str) -> None:
    path = tmp_path / name
    video = "testsrc=size=64x48:rate=10:duration=3"
    ffmpeg("-f", "lavfi", "-i", video, "-i", str(tone), "-c:v", "mpeg4", "-c:a", codec, str(path))
    assert abs(load_audio(path).duration_ms - 3000) <= 50


def assert_decode_error(path: Path, words: str) -> MediaDecodeError:
    with pytest.raises(MediaDecodeError) as caught:
        load_audio(path)
    error = caught.value
    assert str(path) in str(error)
    assert words in error.message
    assert "\n" not in str(error)
    assert isinstance(pickle.loads(pickle.dumps(error)), MediaDecodeError)
    return error


def test_missing_file(tmp_path: Path) -> None:
    assert_decode_error(tmp_path / "nope.wav", "not found")


def test_directory(tmp_path: Path) -> None:
    assert_decode_error(tmp_path, "not a file")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    assert_decode_error(path, "empty")


def test_text_renamed_as_mp3(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp3"
    path.write_text("Episode 1 transcript\nHOST: hello there\n" * 20, encoding="utf-8")
    error = assert_decode_error(path, "not a readable audio or video file")
    assert error.__cause__ is not None  # the PyAV error is chained


def test_silent_file(tmp_path: Path) -> None:
    assert_decode_error(write_wav(tmp_path / "silent.wav", 2.0, amp=0.0), "silent")


def test_nearly_silent_file(tmp_path: Path) -> None:
    quiet = write_wav(tmp_path / "hum.wav", 2.0, amp=0.0005)  # about -66 dBFS
    assert_decode_error(quiet, "silent")


def test_quiet_but_audible_file_loads(tmp_path: Path) -> None:
    audio = load_audio(write_wav(tmp_path / "quiet.wav", 1.0, amp=0.01))  # -40 dBFS
    assert audio.duration_ms == 1000


def test_truncated_wav(tone: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.wav"
    path.write_bytes(tone.read_bytes()[:60_000])  # header declares 3 s, 0.3 s left
    assert_decode_error(path, "truncated")


def test_header_only_wav(tone: Path, tmp_path: Path) -> None:
    path = tmp_path / "header.wav"
    path.write_bytes(tone.read_bytes()[:44])
    error = assert_decode_error(path, "")
    assert "truncated" in error.message or "no decodable audio" in error.message


@needs_ffmpeg
def test_truncated_mp3(tone: Path, tmp_path: Path) -> None:
    full = tmp_path / "full.mp3"
    ffmpeg("-i", str(tone), str(full))
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 3])
    assert_decode_error(cut, "truncated")


@needs_ffmpeg
def test_truncated_m4a(tone: Path, tmp_path: Path) -> None:
    full = tmp_path / "full.m4a"
    ffmpeg("-i", str(tone), "-c:a", "aac", str(full))
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    assert_decode_error(cut, "")


@needs_ffmpeg
def test_mp4_without_audio(tmp_path: Path) -> None:
    path = tmp_path / "mute.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2", "-c:v", "mpeg4", str(path))
    assert_decode_error(path, "no audio stream")


def test_audio_record_is_frozen(tone: Path) -> None:
    audio = load_audio(tone)
    with pytest.raises(AttributeError):
        audio.duration_ms = 0  # type: ignore[misc]
    assert "samples" not in repr(audio)


def test_vad_options_validate() -> None:
    with pytest.raises(ValueError, match="threshold"):
        VadOptions(threshold=1.5)
    with pytest.raises(ValueError, match="negative"):
        VadOptions(min_silence_ms=-1)


def test_speech_regions_on_silence_and_empty() -> None:
    assert speech_regions(np.zeros(0, np.float32), VadOptions()) == ()
    assert speech_regions(np.zeros(SAMPLE_RATE * 2, np.float32), VadOptions()) == ()


def test_speech_regions_rejects_stereo() -> None:
    with pytest.raises(ValueError, match="mono"):
        speech_regions(np.zeros((2, 100), np.float32), VadOptions())


ESPEAK = shutil.which("espeak-ng")


@pytest.mark.skipif(ESPEAK is None, reason="espeak-ng not installed")
def test_speech_regions_find_two_sentences(tmp_path: Path) -> None:
    assert ESPEAK is not None
    parts = []
    for i, text in enumerate(["Hello there, this is the first sentence.", "And here is another."]):
        wav = tmp_path / f"s{i}.wav"
        subprocess.run([ESPEAK, "-w", str(wav), text], check=True)
        parts.append(load_audio(wav).samples)
    gap = np.zeros(SAMPLE_RATE * 2, np.float32)  # 2 s pause between the sentences
    samples = np.concatenate([gap, parts[0], gap, parts[1], gap])
    audio = Audio(Path("synthetic.wav"), samples, SAMPLE_RATE, len(samples) // 16, "")
    regions = speech_regions(audio, VadOptions())
    assert len(regions) == 2
    first_end = 2000 + len(parts[0]) // 16
    second_start = first_end + 2000
    assert abs(regions[0][0] - 2000) < 300
    assert abs(regions[0][1] - first_end) < 400
    assert abs(regions[1][0] - second_start) < 300
    assert all(0 <= a < b <= audio.duration_ms for a, b in regions)


@needs_ffmpeg
@pytest.mark.parametrize("name", ["mid.flac", "mid.m4a"])
def test_corrupt_middle_keeps_later_audio_in_place(tone: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    ffmpeg("-i", str(tone), str(path))
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 1000] = bytes(1000)  # a damaged stretch, e.g. a bad sector
    path.write_bytes(bytes(data))
    assert abs(load_audio(path).duration_ms - 3000) <= 50
