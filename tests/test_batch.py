"""Batch runs: outputs per episode, failures isolated and reported, resume, Ctrl-C, executors."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.errors import MediaDecodeError
from pipeline.model import Recognition, Word
from pipeline.run.batch import BatchReport, EpisodeResult, run_all
from pipeline.run.manifest import load_manifest
from pipeline.timing import transcribe as asr
from tests.helpers import fake_recognition, tmpfs, write_episode

TEXTS = {
    "ep1": "Alice: Welcome back to the show. Today we talk about subtitles.\n",
    "ep2": "Bob: Timing is the hard part, and reading speed matters too.\n",
    "ep3": "Alice: Thanks for listening. See you next week, everyone.\n",
}


class FakeAsr:
    """A picklable recogniser that 'hears' each episode's transcript at its true times.

    Workers get it by pickle (spawn pool, Ray), which monkeypatching cannot reach.
    """

    def __init__(self, words: dict[str, list[Word]]) -> None:
        self.words = words

    def __call__(
        self, audio: Any, opts: Any, progress: Any = None, regions: Any = None
    ) -> Recognition:
        if progress is not None:
            progress(audio.duration_ms, audio.duration_ms)
        return fake_recognition(self.words[audio.path.name], audio.duration_ms)


def _words(text: str) -> list[str]:
    return [w.strip(".,") for w in text.split(":", 1)[1].split()]


@pytest.fixture()
def catalogue(tmp_path: Path) -> dict[str, Any]:
    """Three good episodes, one with broken audio, one with an empty transcript."""
    media = tmp_path / "media"
    media.mkdir()
    words: dict[str, list[Word]] = {}
    for ep, text in TEXTS.items():
        words[f"{ep}.wav"] = write_episode(media / f"{ep}.wav", _words(text))
        (media / f"{ep}.txt").write_text(text, encoding="utf-8")
    (media / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(200))
    (media / "broken.txt").write_text(TEXTS["ep1"], encoding="utf-8")
    words["empty.wav"] = write_episode(media / "empty.wav", _words(TEXTS["ep2"]))
    (media / "empty.txt").write_text("", encoding="utf-8")
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        "defaults: {asr.model: tiny.en, align.engine: transcribe}\n"
        "episodes:\n"
        "  - {audio: media/ep1.wav, transcript: media/ep1.txt}\n"
        "  - {id: second, audio: media/ep2.wav, transcript: media/ep2.txt}\n"
        "  - {audio: media/broken.wav, transcript: media/broken.txt}\n"
        "  - {audio: media/ep3.wav, transcript: media/ep3.txt, set: {segment.profile: bbc}}\n"
        "  - {audio: media/empty.wav, transcript: media/empty.txt}\n",
        encoding="utf-8",
    )
    return {"manifest": manifest, "out": tmp_path / "out", "asr": FakeAsr(words)}


def _statuses(out: Path) -> dict[str, str]:
    data = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    return {e["id"]: e["status"] for e in data["episodes"]}


def _check_outputs(out: Path) -> None:
    data = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    rows = {e["id"]: e for e in data["episodes"]}
    assert [e["id"] for e in data["episodes"]] == ["ep1", "second", "broken", "ep3", "empty"]
    for row in data["episodes"]:
        assert {"id", "status", "error", "audio_s", "wall_s"} <= set(row)
    for ep, stem in (("ep1", "ep1"), ("second", "ep2"), ("ep3", "ep3")):
        assert rows[ep]["status"] == "ok" and rows[ep]["error"] is None
        assert (out / ep / f"{stem}.en.srt").is_file()
        assert (out / ep / "run.lock.json").is_file()
        assert rows[ep]["audio_s"] > 1
    assert rows["broken"]["status"] == "failed"
    assert "broken.wav" in rows["broken"]["error"] and rows["broken"]["failed_stage"] == "ingest"
    assert rows["empty"]["status"] == "failed" and "empty" in rows["empty"]["error"]
    assert data["totals"]["failed"] == 2 and data["totals"]["ok"] == 3
    assert not list(out.rglob("*.tmp"))


def test_cli_serial_batch_isolates_failures_and_resumes(
    catalogue: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asr, "transcribe", catalogue["asr"])
    args = ["batch", str(catalogue["manifest"]), "--out", str(catalogue["out"])]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 1, first.output
    _check_outputs(catalogue["out"])
    assert "broken" in first.output and "failed" in first.output
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 1
    statuses = _statuses(catalogue["out"])
    assert statuses == {
        "ep1": "skipped",
        "second": "skipped",
        "ep3": "skipped",
        "broken": "failed",
        "empty": "failed",
    }
    # a changed transcript re-runs that episode only
    (catalogue["manifest"].parent / "media" / "ep1.txt").write_text(
        TEXTS["ep1"].replace("show", "podcast"), encoding="utf-8"
    )
    report = run_all(catalogue["manifest"], catalogue["out"])
    assert {r.id: r.status for r in report.episodes}["ep1"] == "ok"
    assert "transcribe" in report.episodes[0].stages_skipped
    assert set(report.failed) == {"broken", "empty"}
    assert isinstance(report.failed["broken"].__cause__ or report.failed["broken"], Exception)


def test_no_resume_reruns_everything(catalogue: dict[str, Any]) -> None:
    run_all(catalogue["manifest"], catalogue["out"], transcribe=catalogue["asr"])
    again = run_all(
        catalogue["manifest"], catalogue["out"], resume=False, transcribe=catalogue["asr"]
    )
    assert [r.status for r in again.episodes].count("ok") == 3


def test_programming_errors_crash_the_batch(
    catalogue: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def buggy(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(asr, "transcribe", buggy)
    with pytest.raises(ZeroDivisionError):
        run_all(catalogue["manifest"], catalogue["out"])


def test_ctrl_c_keeps_finished_episodes(
    catalogue: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake: FakeAsr = catalogue["asr"]

    def interrupt_on_ep2(
        audio: Any, opts: Any, progress: Any = None, regions: Any = None
    ) -> Recognition:
        if audio.path.name == "ep2.wav":
            raise KeyboardInterrupt
        return fake(audio, opts, progress)

    monkeypatch.setattr(asr, "transcribe", interrupt_on_ep2)
    with pytest.raises(KeyboardInterrupt):
        run_all(catalogue["manifest"], catalogue["out"])
    data = json.loads((catalogue["out"] / "batch.json").read_text(encoding="utf-8"))
    statuses = {e["id"]: e["status"] for e in data["episodes"]}
    assert statuses == {
        "ep1": "ok",
        "second": "not started",
        "broken": "not started",
        "ep3": "not started",
        "empty": "not started",
    }
    assert data["totals"]["interrupted"] is True and data["totals"]["not started"] == 4
    assert not list(catalogue["out"].rglob("*.tmp"))
    assert not (catalogue["out"] / "second" / "03_transcribe.json").exists()
    monkeypatch.setattr(asr, "transcribe", fake)
    resumed = run_all(catalogue["manifest"], catalogue["out"])
    by_id = {r.id: r for r in resumed.episodes}
    assert by_id["ep1"].status == "skipped"
    assert by_id["second"].status == "ok" and "ingest" in by_id["second"].stages_skipped


def test_results_pickle() -> None:
    err = MediaDecodeError("cannot decode", path="x.wav", hint="re-encode it")
    result = EpisodeResult("x", "failed", err, 1.5, 0.2, ("ingest",), (), "w", {"coverage": 0.5})
    report = BatchReport((result,), 1.0)
    back = pickle.loads(pickle.dumps(report))
    assert back.failed["x"].hint == "re-encode it"
    assert back.to_json() == report.to_json()


def test_pool_batch_matches_serial_layout(catalogue: dict[str, Any]) -> None:
    """Two spawn workers get the fake recogniser by pickle; same layout as the serial path."""
    report = run_all(
        catalogue["manifest"], catalogue["out"], workers=2, transcribe=catalogue["asr"]
    )
    _check_outputs(catalogue["out"])
    assert not report.ok and set(report.failed) == {"broken", "empty"}
    assert all(r.worker.isdigit() for r in report.episodes)
    again = run_all(catalogue["manifest"], catalogue["out"], workers=2, transcribe=catalogue["asr"])
    assert [r.status for r in again.episodes].count("skipped") == 3


@pytest.fixture(scope="module")
def ray_local() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_batch_same_layout(catalogue: dict[str, Any], ray_local: Any) -> None:
    report = run_all(
        catalogue["manifest"],
        catalogue["out"],
        workers=2,
        executor="ray",
        transcribe=catalogue["asr"],
    )
    _check_outputs(catalogue["out"])
    assert set(report.failed) == {"broken", "empty"}
    assert ray_local.is_initialized()  # an existing Ray is used, not shut down
    again = run_all(
        catalogue["manifest"], catalogue["out"], workers=2, executor="ray", transcribe=None
    )
    assert [r.status for r in again.episodes].count("skipped") == 3


@pytest.mark.model
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_pool_with_real_tiny_en(tmp_path: Path) -> None:
    """Real ASR in two spawn workers, each loading tiny.en once in its initializer."""
    lines = {"a": "Hello and welcome to the show.", "b": "Subtitles need good timing."}
    rows = []
    for name, text in lines.items():
        wav = tmp_path / f"{name}.wav"
        subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), text], check=True)
        (tmp_path / f"{name}.txt").write_text(f"Host: {text}\n", encoding="utf-8")
        rows.append(f"{name},{name}.wav,{name}.txt,")
    manifest = tmp_path / "m.csv"
    manifest.write_text("id,audio,transcript,translations\n" + "\n".join(rows) + "\n")
    report = run_all(load_manifest(manifest), tmp_path / "out", workers=2, progress=None)
    assert report.ok, report.failed
    for name in lines:
        assert (tmp_path / "out" / name / f"{name}.en.srt").is_file()


def test_cli_manifest_and_usage_errors(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text(
        "episodes:\n  - {audio: nope.wav, transcript: nope.txt}\n  - {audio: x.wav}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(bad), "--out", str(out)])
    assert result.exit_code == 1
    assert "m.yaml:2: audio file not found" in result.output and "m.yaml:3:" in result.output
    assert not out.exists()  # nothing started
    result = CliRunner().invoke(app, ["batch", str(bad), "--executor", "spark"])
    assert result.exit_code == 2


@pytest.mark.parametrize("workers", [1, 2])
def test_an_episode_folder_blocked_by_a_file_fails_alone(
    catalogue: dict[str, Any], workers: int
) -> None:
    out = catalogue["out"]
    out.mkdir(parents=True)
    (out / "second").write_text("a file where the episode folder goes", encoding="utf-8")
    report = run_all(catalogue["manifest"], out, workers=workers, transcribe=catalogue["asr"])
    statuses = {r.id: r.status for r in report.episodes}
    assert statuses["second"] == "failed" and statuses["ep1"] == "ok" and statuses["ep3"] == "ok"
    assert "cannot write output" in str(report.failed["second"])
    rows = {e["id"]: e for e in json.loads((out / "batch.json").read_text())["episodes"]}
    assert rows["second"]["status"] == "failed" and rows["ep3"]["status"] == "ok"


def test_a_read_only_output_folder_fails_every_episode_with_one_line(
    catalogue: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with tmpfs(catalogue["out"], "ro") as out:
        monkeypatch.setattr(asr, "transcribe", catalogue["asr"])
        result = CliRunner().invoke(app, ["batch", str(catalogue["manifest"]), "--out", str(out)])
        assert result.exit_code == 1, result.output
        assert "read-only" in result.output and "Traceback" not in result.output
