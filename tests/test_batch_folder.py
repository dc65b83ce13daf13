"""``subweave batch DIR``: episodes paired by file stem; --model and --set for every episode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.errors import ConfigError
from pipeline.run.folder import load_folder
from pipeline.timing import transcribe as asr
from tests.helpers import write_episode
from tests.test_batch import TEXTS, FakeAsr, _words


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ep1 and ep2 with transcripts; ep2 with a Chinese translation; a stray note."""
    media = tmp_path / "episodes"
    media.mkdir()
    words = {}
    for ep in ("ep1", "ep2"):
        words[f"{ep}.wav"] = write_episode(media / f"{ep}.wav", _words(TEXTS[ep]))
        (media / f"{ep}.txt").write_text(TEXTS[ep], encoding="utf-8")
    (media / "ep2.zh.txt").write_text("Bob: 时间是难点，阅读速度也很重要。\n", encoding="utf-8")
    (media / "notes.md").write_text("nothing to align\n", encoding="utf-8")
    monkeypatch.setattr(asr, "transcribe", FakeAsr(words))
    return media


def test_a_folder_pairs_audio_and_transcripts_by_stem(folder: Path) -> None:
    manifest = load_folder(folder)
    assert [e.id for e in manifest.episodes] == ["ep1", "ep2"]
    ep2 = manifest.episodes[1]
    assert ep2.transcript.name == "ep2.txt"
    assert [p.name for p in ep2.translations] == ["ep2.zh.txt"]
    assert manifest.episodes[0].translations == ()


def test_audio_without_a_transcript_is_listed_before_anything_runs(folder: Path) -> None:
    (folder / "ep3.mp3").write_bytes(b"not really audio")
    with pytest.raises(ConfigError) as err:
        load_folder(folder)
    assert "ep3.mp3 has no transcript" in err.value.format()
    assert "ep3.txt" in err.value.format()  # the fix


def test_batch_dir_with_model_and_set_for_every_episode(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["batch", str(folder), "--out", str(out), "--model", "tiny.en"]
    args += ["--set", "align.engine=transcribe", "--set", "segment.profile=bbc"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = json.loads((out / "batch.json").read_text(encoding="utf-8"))["episodes"]
    assert [(r["id"], r["status"]) for r in rows] == [("ep1", "ok"), ("ep2", "ok")]
    for ep in ("ep1", "ep2"):
        lock = json.loads((out / ep / "run.lock.json").read_text(encoding="utf-8"))
        assert "transcribe" in lock["stages"]  # --set align.engine=transcribe reached it
    assert (out / "ep2" / "ep2.zh.srt").is_file() and not (out / "ep1" / "ep1.zh.srt").exists()
    # the summary is plain aligned text when stdout is not a terminal: headers whole
    header = next(line for line in result.stdout.splitlines() if line.startswith("episode"))
    assert header.split() == ["episode", "status", "audio", "wall", "coverage", "detail"]


def test_a_bad_set_on_batch_names_the_option(folder: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["batch", str(folder), "--out", str(tmp_path / "o"), "--set", "asr.modle=x"]
    )
    assert result.exit_code == 1
    assert "--set asr.modle=x" in result.output and "unknown key" in result.output


def test_batch_quiet_prints_nothing_on_success(folder: Path, tmp_path: Path) -> None:
    args = ["-q", "batch", str(folder), "--out", str(tmp_path / "q")]
    result = CliRunner().invoke(app, [*args, "--set", "align.engine=transcribe"])
    assert result.exit_code == 0 and result.output == ""


def test_batch_bars_count_audio_time_per_numbered_worker() -> None:
    import io

    from rich.console import Console

    from pipeline.cli.batch import RichBatchProgress

    shown = RichBatchProgress(Console(file=io.StringIO(), width=120))
    shown.start(2)
    shown.stage("pid-4242", "ep01", "align", 10_000, 99_000)
    shown.stage("pid-977", "ep02", "bitext", 1, 3)
    texts = [task.description for task in shown._bar.tasks]
    shown.stop()
    assert "worker 1[/] ep01: align 0:00:10 / 0:01:39 audio" in texts[1]
    assert "worker 2[/] ep02: bitext 1 / 3 steps" in texts[2]
    assert not any("pid" in t for t in texts)


def test_a_batch_can_leave_the_review_page_out(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "lean"
    args = ["batch", str(folder), "--out", str(out), "--set", "align.engine=transcribe"]
    args += ["--set", "output.review_page=false"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert (out / "ep1" / "ep1.report.json").is_file()
    assert not list(out.rglob("*.review.*"))  # no page, no proxy encoded
    CliRunner().invoke(app, args)
    rows = json.loads((out / "batch.json").read_text(encoding="utf-8"))["episodes"]
    assert [r["status"] for r in rows] == ["skipped", "skipped"]  # nothing made again
