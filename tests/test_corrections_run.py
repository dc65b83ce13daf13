"""Corrections through real re-runs (fake recogniser): they survive a transcript edit, a
correction whose text is gone is reported stale, and the CLI's --corrections round-trips."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pysrt
import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.model import Cue
from pipeline.review.corrections import Correction, CorrectionsFile
from pipeline.run.config import PipelineConfig, load_config
from pipeline.run.results import IngestResult, SegmentResult
from pipeline.run.runner import run_episode
from tests.helpers import TRANSCRIBE_ENGINE, plant_recogniser, transcribe_config, write_episode

TEXT = (
    "Alice: Welcome back to the show. Today we talk about subtitles.\n"
    "Bob: Thanks for having me. Timing is the hard part, and reading speed matters too.\n"
)
SHIFT_MS = 120  # the reviewer's fix: this much later than the run put it


@pytest.fixture()
def episode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    words = [w.strip(".,") for line in TEXT.splitlines() for w in line.split()[1:]]
    audio = tmp_path / "ep.wav"
    plant_recogniser(monkeypatch, write_episode(audio, words))
    transcript = tmp_path / "ep.txt"
    transcript.write_text(TEXT, encoding="utf-8")
    return {"audio": audio, "transcript": transcript, "dir": tmp_path / "out"}


def _cfg(ep: dict[str, Path]) -> PipelineConfig:
    return load_config(
        None,
        [
            f"inputs.audio={json.dumps(str(ep['audio']))}",
            f"inputs.transcript={json.dumps(str(ep['transcript']))}",
            f"output.dir={json.dumps(str(ep['dir']))}",
            "output.per_episode_dir=false",
            TRANSCRIBE_ENGINE,
        ],
    )


def _artifact(folder: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / name).read_text(encoding="utf-8"))
    return data


def _en_cues(folder: Path) -> list[tuple[int, int, str]]:
    subs = pysrt.open(str(folder / "ep.en.srt"), encoding="utf-8")
    return [(s.start.ordinal, s.end.ordinal, s.text) for s in subs]


def _cue(folder: Path, text: str) -> Cue:
    """The en cue of the last run whose text contains ``text``."""
    segment = SegmentResult.from_json(_artifact(folder, "09_segment.json"))
    track = next(t for t in segment.tracks if t.code == "en")
    return next(c for c in track.cues if text in c.text("en"))


def _write_fix(folder: Path, path: Path, cue: Cue, **set_: Any) -> None:
    """A corrections file holding one fix on ``cue``, made for this run's audio."""
    sha = IngestResult.from_json(_artifact(folder, "01_ingest.json")).sha256
    fix = Correction("en", cue.start_ms, cue.end_ms, dict(cue.lines), **set_)
    path.write_text(CorrectionsFile((fix,), "ep", sha).to_text(), encoding="utf-8")


def test_a_corrected_in_time_survives_a_transcript_edit(episode: dict[str, Path]) -> None:
    folder = episode["dir"]
    run_episode(_cfg(episode))
    target = "Timing is the hard part"
    cue = _cue(folder, target)
    fixed = cue.start_ms + SHIFT_MS
    _write_fix(folder, folder / "ep.corrections.json", cue, start_ms=fixed)

    again = run_episode(_cfg(episode))  # the file appeared: the segment stage's input changed
    assert again.ran[0] == "segment" and "align" in again.skipped
    assert [c[0] for c in _en_cues(folder) if target in c[2]] == [fixed]
    report = _artifact(folder, "ep.report.json")
    assert report["corrections"]["applied"] == 1 and report["corrections"]["stale"] == []
    assert report["summary"]["corrections"] == {"applied": 1, "stale": 0}

    # a transcript edit elsewhere re-aligns the episode: the fix stays
    episode["transcript"].write_text(TEXT.replace("show", "podcast"), encoding="utf-8")
    edited = run_episode(_cfg(episode))
    assert {"align", "segment", "report"} <= set(edited.ran)
    assert [c[0] for c in _en_cues(folder) if target in c[2]] == [fixed]
    report = _artifact(folder, "ep.report.json")
    assert report["corrections"]["applied"] == 1
    flagged = [c for c in report["review"]["cues"] if c["track"] == "en"]
    assert any("interpolated" in c["reasons"] for c in flagged)  # 'podcast' was never heard

    # an edit of the corrected text itself: the correction no longer matches, and says so
    episode["transcript"].write_text(TEXT.replace("the hard part", "the whole game"), "utf-8")
    run_episode(_cfg(episode))
    report = _artifact(folder, "ep.report.json")
    assert report["corrections"]["applied"] == 0
    (stale,) = report["corrections"]["stale"]
    assert target in stale["text"] and "no cue has this text" in stale["why"]
    assert fixed not in [c[0] for c in _en_cues(folder)]
    page = (folder / "ep.review.html").read_text(encoding="utf-8")
    assert "No longer matches" in page


def _page_data(path: Path) -> dict[str, Any]:
    html = path.read_text(encoding="utf-8")
    match = re.search(r'id="subweave-data">(.*?)</script>', html, re.S)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_corrections_round_trip_through_the_cli(episode: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cli"
    base = [str(episode["audio"]), str(episode["transcript"]), "--out", str(out)]
    base += ["--config", str(transcribe_config(tmp_path))]
    runner = CliRunner()
    first = runner.invoke(app, ["align", *base])
    assert first.exit_code == 0, first.output
    assert (out / "ep.review.html").is_file() and (out / "ep.review.mp3").is_file()
    assert not (out / "ep.report.html").exists()
    fixes = tmp_path / "kept" / "fixes.json"
    fixes.parent.mkdir()
    cue = _cue(out, "Thanks for having me")
    start, end = cue.start_ms, cue.end_ms
    _write_fix(out, fixes, cue, lines={"en": ("Thanks for having me!",)})
    data = json.loads(fixes.read_text(encoding="utf-8"))
    data["corrections"][0].update({"start_ms": start + SHIFT_MS, "checked": ["lint"]})
    fixes.write_text(json.dumps(data), encoding="utf-8")

    old_page = out / "ep.report.html"  # what an older subweave wrote: the review page replaces it
    old_page.write_text("<!doctype html>\n<html><head><title>subweave report: ep</title>", "utf-8")
    again = runner.invoke(app, ["align", *base, "--corrections", str(fixes)])
    assert again.exit_code == 0, again.output
    assert not old_page.exists()
    cues = _en_cues(out)
    assert (start + SHIFT_MS, end, "Thanks for having me!") in cues
    page = _page_data(out / "ep.review.html")
    (en,) = [t for t in page["tracks"] if t["code"] == "en"]
    (row,) = [c for c in en["cues"] if c[0] == start + SHIFT_MS]
    assert row[2] == {"en": ["Thanks for having me!"]} and row[5] == ["lint"] and row[6] == 0
    assert page["corrections"] == data["corrections"]  # what the page re-exports from

    missing = runner.invoke(app, ["align", *base, "--corrections", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2  # a usage error: the file must exist
