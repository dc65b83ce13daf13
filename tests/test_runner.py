"""Stage runner: skip unchanged stages, resume, --from/--only/--force, failures keep artifacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import ConfigError, PipelineError, StageError
from pipeline.run.config import PipelineConfig, load_config
from pipeline.run.runner import LOCK_NAME, run_episode
from pipeline.timing import transcribe as asr
from tests.helpers import TRANSCRIBE_ENGINE, fake_recognition, transcribe_config, write_episode

TEXT = (
    "Alice: Welcome back to the show. Today we talk about subtitles.\n"
    "Bob: Thanks for having me. Timing is the hard part, and reading speed matters too.\n"
)


@pytest.fixture()
def episode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    words = [w.strip(".,") for line in TEXT.splitlines() for w in line.split()[1:]]
    audio = tmp_path / "ep.wav"
    timed = write_episode(audio, words)
    transcript = tmp_path / "ep.txt"
    transcript.write_text(TEXT, encoding="utf-8")
    calls: list[int] = []

    def fake_transcribe(
        audio_obj: Any, opts: Any, progress: Any = None, regions: Any = None
    ) -> Any:
        calls.append(1)
        if progress is not None:
            progress(audio_obj.duration_ms, audio_obj.duration_ms)
        return fake_recognition(timed, audio_obj.duration_ms)

    monkeypatch.setattr(asr, "transcribe", fake_transcribe)
    return {"audio": audio, "transcript": transcript, "calls": calls, "dir": tmp_path / "out"}


def _cfg(ep: dict[str, Any], *extra: str) -> PipelineConfig:
    return load_config(
        None,
        [
            f"inputs.audio={json.dumps(str(ep['audio']))}",
            f"inputs.transcript={json.dumps(str(ep['transcript']))}",
            f"output.dir={json.dumps(str(ep['dir']))}",
            "output.per_episode_dir=false",
            TRANSCRIBE_ENGINE,
            *extra,
        ],
    )


def test_first_run_runs_all_and_second_skips_all(episode: dict[str, Any]) -> None:
    cfg = _cfg(episode)
    first = run_episode(cfg)
    assert first.ran == cfg.stages
    assert {"ep.en.srt", "ep.en.vtt", "ep.words.json"} <= set(first.files)
    lock = json.loads((episode["dir"] / LOCK_NAME).read_text())
    assert set(lock["stages"]) == set(cfg.stages)
    for entry in lock["stages"].values():
        assert {"params_hash", "code_version", "input_hashes", "output_hash"} <= set(entry)
    second = run_episode(cfg)
    assert second.ran == ()
    assert second.skipped == cfg.stages
    assert len(episode["calls"]) == 1


def test_changed_transcript_reruns_only_downstream(episode: dict[str, Any]) -> None:
    run_episode(_cfg(episode))
    episode["transcript"].write_text(TEXT.replace("show", "podcast"), encoding="utf-8")
    again = run_episode(_cfg(episode))
    assert "transcribe" in again.skipped and "ingest" in again.skipped
    assert {"parse", "align", "segment", "write", "report"} <= set(again.ran)
    assert len(episode["calls"]) == 1


def test_changed_params_rerun_that_stage(episode: dict[str, Any]) -> None:
    run_episode(_cfg(episode))
    again = run_episode(_cfg(episode, "segment.profile=bbc"))
    assert again.ran[0] == "segment"
    assert "align" in again.skipped


def test_force_from_only(episode: dict[str, Any]) -> None:
    cfg = _cfg(episode)
    run_episode(cfg)
    assert run_episode(cfg, force=True).ran == cfg.stages
    assert run_episode(cfg, from_stage="segment").ran == ("segment", "write", "report")
    assert run_episode(cfg, only="align").ran == ("align",)


def test_deleted_output_file_is_rewritten(episode: dict[str, Any]) -> None:
    cfg = _cfg(episode)
    run_episode(cfg)
    (episode["dir"] / "ep.en.srt").unlink()
    again = run_episode(cfg)
    assert "write" in again.ran
    assert (episode["dir"] / "ep.en.srt").exists()


def test_failed_stage_keeps_earlier_artifacts(
    episode: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = _cfg(episode)
    from pipeline.errors import AlignmentError
    from pipeline.timing import matching as align_mod

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise AlignmentError("nothing matched", coverage=0.0)

    monkeypatch.setattr(align_mod, "align_words", broken)
    with pytest.raises(StageError) as err:
        run_episode(cfg)
    assert err.value.stage == "align"
    assert "align failed" in str(err.value)
    lock = json.loads((episode["dir"] / LOCK_NAME).read_text())
    assert {"ingest", "vad", "transcribe", "parse"} <= set(lock["stages"])
    assert "align" not in lock["stages"]
    assert not list(episode["dir"].glob("*.tmp"))
    monkeypatch.undo()
    resumed = run_episode(cfg)
    assert resumed.ran[0] == "align"
    assert "transcribe" in resumed.skipped


def test_code_version_hashes_only_the_stage_and_what_it_calls() -> None:
    from pipeline.run.codehash import _functions, code_version
    from pipeline.run.stages import STAGES, subtitles

    names = {f.__name__ for f in _functions(subtitles.segment)}  # type: ignore[arg-type]
    assert {"segment", "_spans", "_translations"} <= names  # the helpers it calls
    transcribe, segment = STAGES["transcribe"].run, STAGES["segment"].run
    assert code_version(transcribe) != code_version(segment)
    assert code_version(transcribe) == code_version(transcribe)


def test_stage_code_is_derived_from_imports() -> None:
    """The modules a stage depends on come from its body's imports, records included."""
    from pipeline.run.codehash import stage_modules
    from pipeline.run.stages import STAGES

    segment = set(stage_modules(STAGES["segment"].run))
    assert {"pipeline.subtitles.segment", "pipeline.subtitles.stacking"} <= segment
    assert {"pipeline.subtitles.lines", "pipeline.subtitles.rules", "pipeline.model"} <= segment
    assert not {m for m in segment if m.startswith(("pipeline.timing", "pipeline.translation"))}
    align = set(stage_modules(STAGES["align"].run))
    assert {"pipeline.timing.forced", "pipeline.timing.matching", "pipeline.model"} <= align
    assert "pipeline.subtitles.segment" not in align
    assert "pipeline.run.results" in align  # its result's codec
    # run/config imports every options class lazily: that must not tie a stage to them all
    assert "pipeline.translation.beads" not in set(stage_modules(STAGES["ingest"].run))


def test_refine_moves_early_starts_onto_the_onsets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whisper's starts run early; refine puts them back on the energy onset."""
    from typer.testing import CliRunner

    from pipeline.cli.main import app
    from pipeline.model import Recognition, Word

    words = "one two three four five six seven eight".split()
    audio = tmp_path / "ep.wav"
    truth = write_episode(audio, words)
    early = tuple(Word(w.text, w.start_ms - 60, w.end_ms) for w in truth)

    def fake(audio_obj: Any, opts: Any, progress: Any = None, regions: Any = None) -> Recognition:
        return Recognition("en", audio_obj.duration_ms, early, "fake")

    monkeypatch.setattr(asr, "transcribe", fake)
    transcript = tmp_path / "ep.txt"
    transcript.write_text(" ".join(words) + ".\n", encoding="utf-8")
    cfg = transcribe_config(tmp_path)
    args = ["align", str(audio), str(transcript), "--out", str(tmp_path), "--config", str(cfg)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output

    def errors(name: str) -> list[int]:
        from pipeline.run.codecs import words_from_json

        data = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        timed = words_from_json(data["words"])
        return [abs((w.start_ms or 0) - t.start_ms) for w, t in zip(timed, truth, strict=True)]

    assert max(errors("05_align.json")) >= 60
    assert max(errors("06_refine.json")) <= 15
    shown = json.loads((tmp_path / "ep.words.json").read_text(encoding="utf-8"))["words"]
    assert abs(shown[0]["start"] * 1000 - truth[0].start_ms) <= 15  # the outputs use refine


def test_written_files_honour_the_umask(tmp_path: Path) -> None:
    """mkstemp makes files 0600; outputs must be readable as any new file would be."""
    import os
    import stat

    from pipeline.run import artifacts as art

    target = tmp_path / "ep.en.srt"
    art.atomic_write_text(target, "1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    mode = stat.S_IMODE(target.stat().st_mode)
    mask = os.umask(0o022)
    os.umask(mask)
    assert mode == 0o666 & ~mask


def test_a_second_run_into_a_busy_folder_is_refused_and_leftovers_go(tmp_path: Path) -> None:
    from pipeline.run.runner import folder_lock

    (tmp_path / ".ep.en.srt.abc123.tmp").write_text("half a file", encoding="utf-8")
    with folder_lock(tmp_path):
        assert not list(tmp_path.glob(".*.tmp"))  # a killed run's temp file is cleared
        with pytest.raises(ConfigError, match="another subweave run"), folder_lock(tmp_path):
            pass
    with folder_lock(tmp_path):  # released again
        pass


@pytest.mark.parametrize("blocker", ["file", "parent-file"])
def test_output_folder_in_the_way_is_a_one_line_error(
    episode: dict[str, Any], tmp_path: Path, blocker: str
) -> None:
    from pipeline.errors import OutputError

    target = tmp_path / "blocked"
    target.write_text("not a folder", encoding="utf-8")
    out = target if blocker == "file" else target / "sub"
    cfg = _cfg({**episode, "dir": out})
    with pytest.raises(OutputError) as err:
        run_episode(cfg)
    assert "cannot write output" in str(err.value) and "--out" in str(err.value)


def test_a_folder_given_as_the_audio_is_a_one_line_error(
    episode: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "not-audio"
    folder.mkdir()
    with pytest.raises(PipelineError) as err:
        run_episode(_cfg({**episode, "audio": folder}))
    assert str(folder) in str(err.value)


def test_tracks_an_earlier_run_wrote_and_this_one_does_not_are_removed(
    episode: dict[str, Any],
) -> None:
    first = run_episode(_cfg(episode, 'output.formats=["srt", "vtt"]'))
    assert "ep.en.vtt" in first.files
    edited = episode["dir"] / "ep.en.srt"
    second = run_episode(_cfg(episode, 'output.formats=["srt"]'))
    assert "ep.en.vtt" not in second.files
    assert not (episode["dir"] / "ep.en.vtt").exists()
    assert edited.exists()


def test_a_bad_model_or_missing_translation_stops_the_run_before_any_stage(
    episode: dict[str, Any],
) -> None:
    from pipeline.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError):
        run_episode(_cfg(episode, "asr.model=no-such-model"))
    assert not (episode["dir"] / "01_ingest.json").exists()
    missing = episode["dir"].parent / "missing.zh.txt"
    with pytest.raises(ConfigError, match="file not found"):
        run_episode(_cfg(episode, f"inputs.translations=[{json.dumps(str(missing))}]"))
    assert not (episode["dir"] / "01_ingest.json").exists()
