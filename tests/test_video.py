"""Video input end to end: shot changes found frame-exact, tracks timed to them, lint --video.

The test video is made here with ffmpeg (:mod:`tests.video`): coloured scenes cut at known
frames, 25 fps, over the sample episode's audio, as an MP4. Tests that need ffmpeg skip where
it is missing. The runs use a planted recogniser that hears the sample's true words (the
pattern of tests/test_cli_options.py), so no model is needed; one test runs tiny.en.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.model import Word
from pipeline.run.results import ShotsResult
from pipeline.timing import transcribe as asr
from pipeline.video.detect import ShotOptions, detect_shots, probe_video
from pipeline.video.records import ShotChange, Shots
from tests.helpers import fake_recognition, transcribe_config
from tests.video import FPS, SAMPLE_SCENES, ffmpeg, make_scene_video

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT / "media"
AUDIO = MEDIA / "sample.mp3"
runner = CliRunner()

needs_ffmpeg = pytest.mark.skipif(ffmpeg() is None, reason="ffmpeg is not installed")


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """The sample's audio under coloured scenes cut at known frames; the cuts' frames."""
    if ffmpeg() is None:
        pytest.skip("ffmpeg is not installed")
    path = tmp_path_factory.mktemp("video") / "sample.mp4"
    return path, make_scene_video(path, AUDIO, SAMPLE_SCENES)


@pytest.fixture
def hearing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A recogniser that hears the sample's true words (no model)."""
    truth = json.loads((MEDIA / "sample.truth.json").read_text(encoding="utf-8"))["words"]
    words = [
        Word(re.sub(r"[^\w']", "", w["text"]), round(w["start"] * 1000), round(w["end"] * 1000))
        for w in truth
    ]

    def fake(audio_obj: Any, opts: Any, progress: Any = None, regions: Any = None) -> Any:
        return fake_recognition(words, audio_obj.duration_ms)

    monkeypatch.setattr(asr, "transcribe", fake)


def _align(audio: Path, out: Path, tmp_path: Path, *extra: str) -> Any:
    config = transcribe_config(tmp_path)
    args = ["align", str(audio), str(MEDIA / "sample.en.txt"), "--out", str(out)]
    return runner.invoke(app, [*args, "--config", str(config), *extra])


def _lint(srt: Path, video: Path, *extra: str) -> Any:
    return runner.invoke(app, ["lint", str(srt), "--video", str(video), *extra])


# --- detection ----------------------------------------------------------------------------


@needs_ffmpeg
def test_every_planted_cut_is_found_at_its_frame(video: tuple[Path, list[int]]) -> None:
    path, cuts = video
    shots = detect_shots(path)
    assert shots is not None
    assert (shots.fps_num, shots.fps_den) == (FPS, 1)
    planted = [f for f in cuts if f < shots.frames]
    assert [c.frame for c in shots.changes] == planted
    assert [c.time_ms for c in shots.changes] == [f * 1000 // FPS for f in planted]
    assert all(c.score > ShotOptions().threshold for c in shots.changes)


@needs_ffmpeg
def test_audio_and_cover_art_have_no_picture(tmp_path: Path) -> None:
    assert probe_video(AUDIO) is None and detect_shots(AUDIO) is None
    cover = tmp_path / "cover.png"
    mp3 = tmp_path / "with-cover.mp3"
    binary = ffmpeg()
    assert binary is not None

    quiet = [binary, "-loglevel", "error"]
    red = ["-f", "lavfi", "-i", "color=c=red:s=32x32:d=0.04", "-frames:v", "1"]
    subprocess.run([*quiet, *red, str(cover)], check=True)
    both = ["-i", str(AUDIO), "-i", str(cover), "-map", "0:a", "-map", "1:v", "-c:a", "copy"]
    art = ["-c:v", "png", "-disposition:v", "attached_pic"]
    subprocess.run([*quiet, *both, *art, str(mp3)], check=True)
    assert probe_video(mp3) is None


def test_shots_result_round_trips_through_its_codec() -> None:
    for result in (
        ShotsResult(None),
        ShotsResult(Shots(30000, 1001, 9, 300, (ShotChange(5, 167, 31.5),))),
    ):
        assert ShotsResult.from_json(result.to_json()) == result
    assert ShotsResult(None).to_json() == {"video": None} and ShotsResult().changes == ()


# --- the pipeline on video ----------------------------------------------------------------


@needs_ffmpeg
def test_video_input_gives_tracks_that_pass_the_shot_rules(
    video: tuple[Path, list[int]], hearing: None, tmp_path: Path
) -> None:
    path, _ = video
    out = tmp_path / "video"
    result = _align(path, out, tmp_path)
    assert result.exit_code == 0, result.output
    shots = ShotsResult.from_json(json.loads((out / "08_shots.json").read_text()))
    assert shots.shots is not None and len(shots.changes) == 26
    linted = _lint(out / "sample.en.srt", path)
    assert linted.exit_code == 0, linted.output
    assert "26 shot changes, 25 fps" in linted.output
    assert "0 hard violations" in linted.output
    report = json.loads((out / "sample.report.json").read_text(encoding="utf-8"))
    assert [t["shot_rules_broken"] for t in report["summary"]["tracks"]] == [0]
    page = (out / "sample.review.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="subweave-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert data["shots"] == [c.time_ms for c in shots.changes]
    assert data["fps"] == 25.0


@needs_ffmpeg
def test_audio_only_tracks_break_the_shot_rules_lint_names_each(
    video: tuple[Path, list[int]], hearing: None, tmp_path: Path
) -> None:
    """The same words timed from the audio alone ignore the picture: lint --video fails them,
    naming the cue, its time, the rule and the frames."""
    path, _ = video
    out = tmp_path / "audio"
    assert _align(AUDIO, out, tmp_path).exit_code == 0
    shots = json.loads((out / "08_shots.json").read_text())
    assert shots == {"video": None}
    linted = _lint(out / "sample.en.srt", path)
    assert linted.exit_code == 1
    named = re.findall(
        r"^#\d+ \d\d:\d\d:\d\d,\d{3} shot-(?:in|out|crossing): .*\d+ frames? .* \(frame \d+\)",
        linted.output,
        re.M,
    )
    assert len(named) >= 5, linted.output
    assert re.search(r"hard violations \(.*shot-", linted.output)


@needs_ffmpeg
def test_audio_only_tracks_are_the_same_with_and_without_the_shots_stage(
    hearing: None, tmp_path: Path
) -> None:
    with_stage, without = tmp_path / "with", tmp_path / "without"
    assert _align(AUDIO, with_stage, tmp_path).exit_code == 0
    config = tmp_path / "no-shots.yaml"
    stages = "[ingest, vad, transcribe, parse, align, refine, bitext, segment, write, report]"
    config.write_text(f"align: {{engine: transcribe}}\nstages: {stages}\n", encoding="utf-8")
    args = ["align", str(AUDIO), str(MEDIA / "sample.en.txt"), "--out", str(without)]
    assert runner.invoke(app, [*args, "--config", str(config)]).exit_code == 0
    assert not (without / "08_shots.json").exists()
    for name in ("sample.en.srt", "sample.en.vtt", "sample.words.json"):
        assert (with_stage / name).read_bytes() == (without / name).read_bytes(), name


@needs_ffmpeg
def test_lint_video_without_a_picture_is_a_usage_error(tmp_path: Path) -> None:
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,000\nHello.\n", encoding="utf-8")
    result = _lint(srt, AUDIO)
    assert result.exit_code == 2 and "no video stream" in result.output


@needs_ffmpeg
@pytest.mark.model
def test_tiny_en_on_the_test_video_lints_clean(
    video: tuple[Path, list[int]], tmp_path: Path
) -> None:
    path, _ = video
    out = tmp_path / "tiny"
    args = ["align", str(path), str(MEDIA / "sample.en-zh.txt"), "--out", str(out)]
    result = runner.invoke(app, [*args, "--model", "tiny.en"])
    assert result.exit_code == 0, result.output
    for srt in sorted(out.glob("*.srt")):
        linted = _lint(srt, path)
        assert linted.exit_code == 0, f"{srt.name}: {linted.output}"


SHOT_PIXELS = """(() => {
  const wave = document.getElementById('wave'), ctx = wave.getContext('2d');
  const dpr = window.devicePixelRatio || 1, w = wave.width, h = wave.height;
  const shot = subweave.shots()[0], x = Math.round((shot / 15000) * w);
  let violet = 0;
  for (let dx = -2; dx <= 2; dx++) {
    const px = ctx.getImageData(x + dx, 0, 1, h).data;
    for (let y = 0; y < h; y++) {
      const [r, g, b] = px.slice(4 * y, 4 * y + 3);
      if (Math.abs(r - 124) < 30 && Math.abs(g - 58) < 30 && Math.abs(b - 237) < 30) violet++;
    }
  }
  return {shots: subweave.shots(), violet, dpr};
})()"""


@needs_ffmpeg
def test_the_review_page_marks_the_shot_changes_on_the_waveform(
    video: tuple[Path, list[int]], hearing: None, tmp_path: Path
) -> None:
    pytest.importorskip("websocket")
    from tests.browser import chromium, chromium_path

    if chromium_path() is None:
        pytest.skip("chromium is not installed (make sysdeps)")
    path, _ = video
    out = tmp_path / "page"
    assert _align(path, out, tmp_path).exit_code == 0
    found = ShotsResult.from_json(json.loads((out / "08_shots.json").read_text()))
    with chromium() as page:
        page.open((out / "sample.review.html").as_uri())
        page.wait_for("window.subweave && window.subweave.ready")
        got = page.eval(SHOT_PIXELS)
    assert isinstance(got, dict)
    assert got["shots"] == [c.time_ms for c in found.changes] and len(found.changes) == 26
    assert isinstance(got["violet"], int) and got["violet"] >= 10
