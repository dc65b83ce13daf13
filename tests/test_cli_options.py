"""The command line's conventions: -o FILE, --formats, style options, SRT bytes, -q, --version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline import __version__
from pipeline.cli.main import app
from tests.helpers import align_args, make_episode

runner = CliRunner()


@pytest.fixture
def episode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A short episode with a planted recogniser (no model), and its transcript."""
    return make_episode(tmp_path, monkeypatch)


def _align(ep: dict[str, Path], *extra: str) -> Any:
    return runner.invoke(app, align_args(ep, *extra))


def test_dash_o_writes_one_track_in_the_extensions_format(
    episode: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "deliver" / "ep.vtt"
    first = _align(episode, "-o", str(target))
    assert first.exit_code == 0, first.output
    assert target.read_text(encoding="utf-8").startswith("WEBVTT")
    assert sorted(p.name for p in target.parent.iterdir()) == [".subweave", "ep.vtt"]
    work = target.parent / ".subweave" / "ep"
    assert (work / "run.lock.json").is_file() and not list(work.glob("*.srt"))
    second = _align(episode, "-o", str(target))  # the work folder is reused
    assert "0 stages ran" in second.output


def test_dash_o_rejects_an_extension_that_names_no_format(
    episode: dict[str, Path], tmp_path: Path
) -> None:
    result = _align(episode, "-o", str(tmp_path / "ep.txt"))
    assert result.exit_code == 2
    assert ".srt" in result.output and "--out" in result.output


def test_formats_and_style_options_reach_the_tracks(
    episode: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = _align(
        episode, "--out", str(out), "--formats", "srt", "--max-chars", "16", "--max-lines", "1"
    )
    assert result.exit_code == 0, result.output
    tracks = sorted(
        p.name for p in out.glob("ep.*.*") if not p.name.startswith(("ep.report.", "ep.review."))
    )
    assert tracks == ["ep.en.srt", "ep.words.json"]
    blocks = (out / "ep.en.srt").read_text(encoding="utf-8").strip().split("\n\n")
    for block in blocks:
        lines = block.splitlines()[2:]
        assert len(lines) == 1 and len(lines[0]) <= 16, block


def test_an_unknown_format_is_named_with_its_option(
    episode: dict[str, Path], tmp_path: Path
) -> None:
    result = _align(episode, "--out", str(tmp_path / "o"), "--formats", "srt,docx")
    assert result.exit_code == 1
    assert "--formats srt,docx" in result.output and "docx" in result.output


def test_srt_bom_and_crlf_for_players_that_need_them(
    episode: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert _align(episode, "--out", str(out), "--bom", "--crlf").exit_code == 0
    data = (out / "ep.en.srt").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf1\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert not (out / "ep.en.vtt").read_bytes().startswith(b"\xef\xbb\xbf")  # SRT only


def test_speakers_none_drops_the_voice_spans(episode: dict[str, Path], tmp_path: Path) -> None:
    voiced, bare = tmp_path / "voiced", tmp_path / "bare"
    assert _align(episode, "--out", str(voiced)).exit_code == 0
    assert "<v Alice>" in (voiced / "ep.en.vtt").read_text(encoding="utf-8")
    assert _align(episode, "--out", str(bare), "--speakers", "none").exit_code == 0
    assert "<v " not in (bare / "ep.en.vtt").read_text(encoding="utf-8")
    assert _align(episode, "--out", str(bare), "--speakers", "loud").exit_code == 2


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_prints_nothing_but_errors(
    episode: dict[str, Path], tmp_path: Path, where: str
) -> None:
    args = ["align", str(episode["audio"]), str(episode["transcript"])]
    args += ["--config", str(episode["config"]), "--out", str(tmp_path / where)]
    args = ["-q", *args] if where == "before" else [*args, "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert result.output == ""
    assert (tmp_path / where / "ep.en.srt").is_file()
    missing = runner.invoke(app, ["-q", "align", str(tmp_path / "nope.wav"), "x.txt"])
    assert missing.exit_code == 1 and "error" in missing.output  # errors still show


def test_verbose_prints_each_stage_line_once(episode: dict[str, Path], tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            *("-v", "align", str(episode["audio"]), str(episode["transcript"])),
            *("--config", str(episode["config"]), "--out", str(tmp_path / "v")),
        ],
    )
    assert result.exit_code == 0
    assert result.output.count("segment") == 1 or result.output.count("✓ segment") == 1
    assert "ran in" not in result.output  # the runner's log line is not repeated


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"subweave {__version__}"


def test_help_shows_words_not_python_types() -> None:
    for command in ("align", "retime", "run", "batch", "parse", "lint"):
        text = runner.invoke(app, [command, "--help"], terminal_width=100).output
        for python in ("list[", "<path>", "<str>", "<int", "<bool>", "<float", "{"):
            assert python not in text, (command, python)


def test_parse_help_lists_the_readers() -> None:
    from pipeline.transcript import FORMATS

    text = runner.invoke(app, ["parse", "--help"], terminal_width=120).output
    for fid in FORMATS:
        assert fid in text


def test_the_file_list_names_the_report_and_a_lost_page_is_made_again(
    episode: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = _align(episode, "--out", str(out))
    listed = first.stdout.splitlines()
    for name in ("ep.en.srt", "ep.report.json", "ep.review.html"):
        assert any(line.endswith(name) for line in listed), (name, listed)
    (out / "ep.review.html").unlink()
    second = _align(episode, "--out", str(out))
    assert "✓ report" in second.output  # its output was missing: the stage ran again
    assert (out / "ep.review.html").is_file()


def test_speakers_dash_joins_a_quick_exchange(episode: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "dash"
    assert _align(episode, "--out", str(out), "--speakers", "dash").exit_code == 0
    srt = (out / "ep.en.srt").read_text(encoding="utf-8")
    assert "\n-Hello there, and welcome to the show.\n-Thanks for having me here today." in srt
    assert "<v " not in (out / "ep.en.vtt").read_text(encoding="utf-8")


def test_dash_o_naming_a_track_the_run_lacks_is_an_error_that_lists_them(
    episode: dict[str, Path], tmp_path: Path
) -> None:
    result = _align(episode, "-o", str(tmp_path / "ep.fr.srt"))
    assert result.exit_code == 1
    assert "no fr track" in result.output and "tracks written: en" in result.output
    assert not (tmp_path / "ep.fr.srt").exists()
    named = _align(episode, "-o", str(tmp_path / "ep.en.srt"))  # the code picks the track
    assert named.exit_code == 0 and (tmp_path / "ep.en.srt").read_text(encoding="utf-8")
