"""Bad inputs and faults, as a new user makes them: one table, the same invariants for each row.

Each row is a command line with one thing wrong. For every row: the exit status and the words
of the message are the ones expected, no Python traceback reaches the user, nothing partial
(``.NAME.*.tmp``) is left in the output folder, and the outputs of an earlier good run in that
folder are byte-identical afterwards. The recogniser is a fake with perfect times (the
transcribe engine), so the table runs without a model.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.timing import transcribe as asr
from tests.helpers import (
    fake_recognition,
    tmpfs,
    transcribe_config,
    write_episode,
    write_manifest,
)

ROOT = Path(__file__).resolve().parents[1]
WORDS = "hello there and welcome to the show about subtitles".split()
TEXT = "Host: Hello there, and welcome to the show about subtitles.\n"


@dataclass(frozen=True)
class Row:
    """One bad input: how to make it, the command, the exit status and message words."""

    name: str
    make: Callable[[Path], list[str]]  # builds the bad input under the folder; the args
    code: int
    words: tuple[str, ...]


def _good(folder: Path) -> tuple[Path, Path]:
    return folder / "ep.wav", folder / "ep.txt"


def _align(folder: Path, audio: Path | None = None, text: Path | None = None) -> list[str]:
    good_audio, good_text = _good(folder)
    return [
        "align",
        str(audio or good_audio),
        str(text or good_text),
        "--out",
        str(folder / "out"),
        "--config",
        str(folder / "transcribe-engine.yaml"),
    ]


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def _silent(folder: Path) -> Path:
    path = folder / "silent.wav"
    write_episode(path, [])
    return path


def _truncated(folder: Path) -> Path:
    path = folder / "cut.wav"
    data = (folder / "ep.wav").read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def _noise(folder: Path) -> Path:
    import wave

    path = folder / "noise.wav"
    rng = np.random.default_rng(0)
    samples = (rng.standard_normal(16_000 * 8) * 0.1).astype(np.float32)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16_000)
        handle.writeframes((samples * 32767).astype("<i2").tobytes())
    return path


def _video_without_audio(folder: Path) -> Path:
    import shutil

    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    path = folder / "silent-film.mp4"
    cmd = ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=black:s=32x32:d=1"]
    subprocess.run([*cmd, "-an", str(path)], check=True)
    return path


def _utf16(folder: Path) -> Path:
    path = folder / "utf16.txt"
    path.write_bytes(TEXT.encode("utf-16-le"))
    return path


def _too_long(folder: Path) -> Path:
    path = folder / "long.txt"
    other = "Guest: The weather was fine and we walked along the river for hours.\n"
    path.write_text(TEXT + other * 40, encoding="utf-8")
    return path


def _bad_manifest(folder: Path) -> list[str]:
    manifest = folder / "m.yaml"
    manifest.write_text("episodes:\n  - {audio: nope.wav, transcript: ep.txt}\n", "utf-8")
    return ["batch", str(manifest), "--out", str(folder / "batch-out")]


def _with_config(body: str) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        cfg = folder / "bad.yaml"
        cfg.write_text(body, encoding="utf-8")
        return [*_align(folder)[:-1], str(cfg)]

    return make


ROWS = [
    Row("audio missing", lambda f: _align(f, audio=f / "nope.wav"), 1, ("not found",)),
    Row("audio is a folder", lambda f: _align(f, audio=f), 1, ("folder",)),
    Row("audio empty", lambda f: _align(f, audio=_bytes("e.wav", b"")(f)), 1, ("empty",)),
    Row(
        "audio random bytes",
        lambda f: _align(f, audio=_bytes("r.mp3", os.urandom(4096))(f)),
        1,
        ("r.mp3",),
    ),
    Row("audio truncated", lambda f: _align(f, audio=_truncated(f)), 1, ("cut.wav",)),
    Row("audio silent", lambda f: _align(f, audio=_silent(f)), 1, ("silent",)),
    Row("audio is noise", lambda f: _align(f, audio=_noise(f)), 1, ("noise.wav", "no speech")),
    Row(
        "video without audio",
        lambda f: _align(f, audio=_video_without_audio(f)),
        1,
        ("silent-film.mp4", "audio"),
    ),
    Row("transcript UTF-16 without BOM", lambda f: _align(f, text=_utf16(f)), 0, ("ep.en.srt",)),
    Row("transcript 20x too long", lambda f: _align(f, text=_too_long(f)), 1, ("long.txt",)),
    Row("manifest names a missing file", _bad_manifest, 1, ("nope.wav",)),
    Row("transcript empty", lambda f: _align(f, text=_bytes("e.txt", b"")(f)), 1, ("empty",)),
    Row(
        "transcript binary",
        lambda f: _align(f, text=_bytes("b.txt", b"\x00\x01\x02" * 400)(f)),
        1,
        ("binary",),
    ),
    Row(
        "transcript: subtitles with broken stamps",
        lambda f: _align(
            f, text=_bytes("old.txt", b"1\n00:00:99,999 -> 00:00:02\nHello there.\n")(f)
        ),
        1,
        ("old.txt:2",),
    ),
    Row(
        "transcript unrelated to the audio",
        lambda f: _align(
            f,
            text=_bytes(
                "other.txt", b"Guest: Completely different words nobody said at all today.\n"
            )(f),
        ),
        1,
        ("transcript",),
    ),
    Row(
        "out is a file",
        lambda f: [*_align(f)[:3], "--out", str(_bytes("file", b"x")(f)), *_align(f)[5:]],
        1,
        ("cannot write output", "--out"),
    ),
    Row(
        "out under a file",
        lambda f: [*_align(f)[:3], "--out", str(_bytes("f2", b"x")(f) / "sub"), *_align(f)[5:]],
        1,
        ("not a folder",),
    ),
    Row(
        "unknown model",
        lambda f: [*_align(f), "--model", "no-such-model"],
        1,
        ("unknown Whisper model",),
    ),
    Row(
        "translation file missing",
        lambda f: [*_align(f), "--translation", str(f / "missing.zh.txt")],
        1,
        ("not found",),
    ),
    Row(
        "translation is a folder",
        lambda f: [*_align(f), "--translation", str(f)],
        1,
        ("folder",),
    ),
    Row("config: unknown key", _with_config("align:\n  enigne: forced\n"), 1, ("enigne",)),
    Row("config: episode outside", _with_config("episode: ../../x\n"), 1, ("not a folder",)),
    Row(
        "retime an English transcript",
        lambda f: ["retime", *_align(f)[1:]],
        1,
        ("subweave align",),
    ),
    Row(
        "lint: frame rate nan",
        lambda f: ["lint", str(f / "out" / "ep.en.srt"), "--fps", "nan"],
        2,
        ("--fps",),
    ),
]


def _digests(folder: Path) -> dict[str, str]:
    """The user's outputs (tracks, words.json, report), not the stage caches and the lock."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name.startswith("ep.")
    }


@pytest.fixture()
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    audio, text = _good(tmp_path)
    timed = write_episode(audio, WORDS)
    text.write_text(TEXT, encoding="utf-8")
    transcribe_config(tmp_path)

    def fake(audio_obj: Any, opts: Any, progress: Any = None, regions: Any = None) -> Any:
        if audio_obj.path.name != "ep.wav":  # any other audio holds none of these words
            return fake_recognition([], audio_obj.duration_ms)
        return fake_recognition(timed, audio_obj.duration_ms)

    monkeypatch.setattr(asr, "transcribe", fake)
    first = CliRunner().invoke(app, _align(tmp_path))
    assert first.exit_code == 0, first.output
    return tmp_path


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_bad_input(workspace: Path, row: Row) -> None:
    out = workspace / "out"
    before = _digests(out)
    assert before, "the good run wrote nothing"
    result = CliRunner().invoke(app, row.make(workspace))
    text = result.output
    assert result.exit_code == row.code, text
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert "Traceback" not in text
    for word in row.words:
        assert word in text, (word, text)
    assert not list(workspace.rglob(".*.tmp")), "a temp file was left behind"
    assert _digests(out) == before, "an earlier output changed"


# --- faults -------------------------------------------------------------------------


def test_two_runs_into_one_folder_at_once(workspace: Path) -> None:
    """Another process is writing into the folder: this run stops at once, touching nothing."""
    out = workspace / "out"
    before = _digests(out)
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from pipeline.run.runner import folder_lock\n"
        "with folder_lock(Path(sys.argv[1])):\n"
        "    print('holding', flush=True)\n"
        "    time.sleep(60)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    other = subprocess.Popen(
        [sys.executable, "-c", script, str(out)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "holding"
        result = CliRunner().invoke(app, [*_align(workspace), "--force"])
    finally:
        other.kill()
        other.wait()
    assert result.exit_code == 1 and "another subweave run" in result.output
    assert _digests(out) == before


def test_a_killed_runs_leftover_is_cleared_by_the_next_run(workspace: Path) -> None:
    """SIGKILL between writing a temp file and renaming it leaves ``.NAME.*.tmp``; the next
    run (which holds the folder's lock, so no other run can own it) removes it."""
    out = workspace / "out"
    leftover = out / ".ep.en.srt.killed.tmp"
    leftover.write_text("half a file", encoding="utf-8")
    result = CliRunner().invoke(app, [*_align(workspace), "--force"])
    assert result.exit_code == 0, result.output
    assert not leftover.exists() and (out / "ep.en.srt").stat().st_size > 0


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_mid_run_in_a_real_process(tmp_path: Path) -> None:
    """Ctrl-C on the real command line: exit 130, one line, nothing partial."""
    audio = tmp_path / "long.wav"
    rng = np.random.default_rng(0)
    samples = (rng.standard_normal(16_000 * 60) * 0.1).astype(np.float32)  # a minute of noise
    import wave

    with wave.open(str(audio), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16_000)
        handle.writeframes((samples * 32767).astype("<i2").tobytes())
    text = tmp_path / "long.txt"
    text.write_text("Host: " + " ".join(WORDS * 20) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline", "align", str(audio), str(text), "--out", str(out)]
    cmd += ["--config", str(transcribe_config(tmp_path)), "--model", "tiny.en"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, preexec_fn=_default_sigint
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out / "02_vad.json").exists():
        time.sleep(0.1)
        if proc.poll() is not None:
            break
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=120)
    text_out = output.decode(errors="replace")
    if proc.returncode == 0:
        pytest.skip("the run finished before Ctrl-C could reach it")
    assert proc.returncode in (1, 130), text_out
    assert "Traceback" not in text_out
    assert not list(out.glob(".*.tmp"))


def test_disk_full_on_a_small_tmpfs(workspace: Path) -> None:
    with tmpfs(workspace / "tiny", "size=64k") as mount:
        (mount / "filler").write_bytes(b"x" * (60 * 1024))
        args = [*_align(workspace)[:3], "--out", str(mount / "out"), *_align(workspace)[5:]]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1, result.output
        assert "No space left" in result.output and "free disk space" in result.output
        assert "Traceback" not in result.output
        assert not list(mount.rglob(".*.tmp"))


def test_read_only_output_folder(workspace: Path) -> None:
    with tmpfs(workspace / "ro", "ro") as mount:
        args = [*_align(workspace)[:3], "--out", str(mount / "out"), *_align(workspace)[5:]]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1, result.output
        assert "read-only" in result.output and "Traceback" not in result.output


def test_sigkill_while_a_file_is_being_written_then_a_rerun(workspace: Path) -> None:
    """A real SIGKILL while a subtitle file is half written: the track on disk stays whole
    (the write goes to a temp file renamed at the end), and the next run clears the temp."""
    out = workspace / "out"
    before = (out / "ep.en.srt").read_bytes()
    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from pipeline.run import artifacts\n"
        "os.fsync = lambda fd: time.sleep(60)  # hold the write open until the kill\n"
        "artifacts.atomic_write_text(Path(sys.argv[1]), 'half of a new track')\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", script, str(out / "ep.en.srt")], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(out.glob(".ep.en.srt.*.tmp")):
        time.sleep(0.05)
    assert list(out.glob(".ep.en.srt.*.tmp")), "the writer never started"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert (out / "ep.en.srt").read_bytes() == before  # the track was never half written
    result = CliRunner().invoke(app, [*_align(workspace), "--force"])
    assert result.exit_code == 0, result.output
    assert not list(out.glob(".*.tmp"))


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_stopping_a_running_batch_in_a_real_process(tmp_path: Path, stop: int) -> None:
    """Ctrl-C (or SIGTERM) on a running `subweave batch`: exit 130, no traceback, batch.json
    lists every episode of the manifest (the ones not reached as 'not started').

    The child gets SIGINT's default action back: a process started in the background by a
    shell inherits SIGINT ignored, and Python then never turns it into KeyboardInterrupt.
    """
    import json
    import shutil

    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng (real speech keeps each episode busy for a while)")
    said = " ".join(["Welcome back to the show, today we talk about subtitles and timing."] * 3)
    speech = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(speech), said], check=True)
    rows = []
    for k in range(6):
        shutil.copyfile(speech, tmp_path / f"ep{k}.wav")
        (tmp_path / f"ep{k}.txt").write_text(f"Host: {said}\n", encoding="utf-8")
        rows.append(f"{{audio: ep{k}.wav, transcript: ep{k}.txt}}")
    manifest = write_manifest(tmp_path / "m.yaml", rows)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline", "batch", str(manifest), "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, preexec_fn=_default_sigint
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / "ep1" / "02_vad.json").exists():
        time.sleep(0.05)
        if proc.poll() is not None:
            break
    if proc.poll() is not None:
        pytest.skip("the batch finished before Ctrl-C could reach it")
    proc.send_signal(stop)
    output, _ = proc.communicate(timeout=120)
    text = output.decode(errors="replace")
    assert proc.returncode == 130, text
    assert "Traceback" not in text
    data = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert [e["id"] for e in data["episodes"]] == [f"ep{k}" for k in range(6)]
    assert "not started" in {e["status"] for e in data["episodes"]}
    assert not list(out.rglob(".*.tmp"))
