"""The CLI in-process (typer's CliRunner): help, error paths and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.timing import transcribe as asr
from tests.helpers import fake_recognition, transcribe_config, write_episode

runner = CliRunner()


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("align", "run", "parse", "lint", "models"):
        assert command in result.output


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("missing.mp3", None, "not found"),
        ("empty.wav", b"", "empty"),
        ("notes.mp3", b"this is a text file, not audio\n" * 50, ""),
    ],
)
def test_align_bad_audio_is_one_line_error(
    tmp_path: Path, name: str, content: bytes | None, problem: str
) -> None:
    audio = tmp_path / name
    if content is not None:
        audio.write_bytes(content)
    transcript = tmp_path / "t.txt"
    transcript.write_text("Hello there.\n", encoding="utf-8")
    result = runner.invoke(
        app, ["align", str(audio), str(transcript), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert name in result.output
    assert problem in result.output.lower()
    assert not list((tmp_path / "o").glob("*.srt"))


def test_usage_error_exits_2() -> None:
    assert runner.invoke(app, ["align"]).exit_code == 2


def test_run_config_error_names_line(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("inputs:\n  audio: a.wav\nasr:\n  modle: tiny.en\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(config)])
    assert result.exit_code == 1
    assert "bad.yaml:4" in result.output
    assert "asr.modle" in result.output


def test_parse_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("Alice: Hello there.\nBob: Hi Alice.\n", encoding="utf-8")
    result = runner.invoke(app, ["parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"format", "encoding", "turns", "pairs"}
    turn = data["turns"][0]
    assert set(turn) == {"index", "speaker", "lang", "role", "text", "first_line", "last_line"}
    assert (turn["speaker"], turn["lang"], turn["role"]) == ("Alice", "en", "speech")
    assert (turn["first_line"], turn["last_line"]) == (1, 1)


def test_models_lists_tiny_en() -> None:
    from pipeline.timing import models

    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0
    assert "tiny.en" in result.output
    assert models.TINY_EN_SHA256 in result.output  # what its model.bin must be
    assert f"{models.TINY_EN_SIZE:,} bytes" in result.output


def test_align_end_to_end_with_fake_asr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    words = "hello there and welcome to the show".split()
    audio = tmp_path / "ep.wav"
    timed = write_episode(audio, words)

    def fake(audio_obj: Any, opts: Any, progress: Any = None, regions: Any = None) -> Any:
        return fake_recognition(timed, audio_obj.duration_ms)

    monkeypatch.setattr(asr, "transcribe", fake)
    transcript = tmp_path / "ep.txt"
    transcript.write_text("Hello there, and welcome to the show.\n", encoding="utf-8")
    out = tmp_path / "out"
    cfg = transcribe_config(tmp_path)
    args = ["align", str(audio), str(transcript), "--out", str(out), "--config", str(cfg)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert (out / "ep.en.srt").exists() and (out / "ep.words.json").exists()
    second = runner.invoke(app, args)
    assert second.exit_code == 0
    assert "unchanged, skipping" in second.output
    assert "0 stages ran" in second.output


def test_console_script_help_subprocess() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "align" in result.stdout


@pytest.mark.parametrize("fps", ["nan", "0", "-5"])
def test_lint_rejects_a_frame_rate_that_is_not_one(tmp_path: Path, fps: str) -> None:
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", str(srt), "--fps", fps])
    assert result.exit_code == 2, result.output


def test_retime_of_an_english_transcript_says_to_align_it(tmp_path: Path) -> None:
    english = tmp_path / "ep.txt"
    english.write_text("Alice: Hello there, and welcome to the show.\n", encoding="utf-8")
    audio = tmp_path / "ep.wav"
    write_episode(audio, ["hello", "there"])
    result = runner.invoke(app, ["retime", str(audio), str(english), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "subweave align" in result.output and "ep.txt" in result.output
    assert not list(tmp_path.glob("*.srt"))
