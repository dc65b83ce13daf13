"""Config loading: every checked-in config loads; unknown keys fail by name and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.run.config import load_config

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


def test_there_are_configs() -> None:
    assert CONFIGS


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_config_loads(path: Path) -> None:
    cfg = load_config(path)
    assert cfg.stages
    assert cfg.inputs.audio is not None and cfg.inputs.audio.is_absolute()
    assert cfg.inputs.audio.exists(), "configs point at committed media"
    assert cfg.inputs.transcript is not None and cfg.inputs.transcript.exists()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_top_level_key_names_key_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "inputs:\n  audio: a.wav\nouptut:\n  dir: x\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "ouptut" in str(err.value)
    assert err.value.line == 3
    assert str(path) in str(err.value)


def test_unknown_section_key_names_key_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "inputs:\n  audio: a.wav\nasr:\n  model: base\n  beam: 3\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "asr.beam" in str(err.value)
    assert err.value.line == 5


def test_wrong_type_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "inputs:\n  audio: a.wav\nsegment:\n  fps: fast\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "segment.fps" in str(err.value)
    assert err.value.line == 4


def test_unknown_stage_and_order(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown stage 'alingn'"):
        load_config(_write(tmp_path, "inputs: {audio: a.wav}\nstages: [ingest, alingn]\n"))
    with pytest.raises(ConfigError, match="out of order"):
        load_config(_write(tmp_path, "inputs: {audio: a.wav}\nstages: [align, parse]\n"))


def test_set_overrides_and_relative_paths(tmp_path: Path) -> None:
    path = _write(tmp_path, "inputs:\n  audio: media/a.wav\n")
    cfg = load_config(path, ["asr.model=tiny.en", "segment.profile=bbc", "episode=ep1"])
    assert cfg.asr.model == "tiny.en"
    assert cfg.segment.profile == "bbc"
    assert cfg.inputs.audio == tmp_path / "media" / "a.wav"
    assert cfg.episode_dir == tmp_path / "outputs" / "ep1"


def test_set_unknown_key_fails_by_name() -> None:
    with pytest.raises(ConfigError, match=r"asr\.modle"):
        load_config(None, ["inputs.audio=a.wav", "asr.modle=tiny.en"])
    with pytest.raises(ConfigError, match="key=value"):
        load_config(None, ["asr.model"])


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, "inputs:\n  audio: [a\n"))
    assert err.value.line is not None


def test_unknown_transcript_format(tmp_path: Path) -> None:
    path = _write(tmp_path, "inputs:\n  audio: a.wav\n  format: srtt\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "srtt" in str(err.value) and err.value.line == 3


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", "c\\d"])
def test_episode_must_stay_inside_the_output_folder(name: str) -> None:
    with pytest.raises(ConfigError, match="not a folder name"):
        load_config(None, [f"episode={json.dumps(name)}", "inputs.audio=ep.wav"])


def test_a_bad_set_is_blamed_on_the_set_not_on_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("inputs:\n  audio: ep.wav\nsegment:\n  fps: 24.0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(cfg, ["segment.fps=fast"])
    assert str(err.value).startswith("--set segment.fps=fast:") and err.value.path is None
    with pytest.raises(ConfigError) as err:
        load_config(cfg, ["segment.fsp=25"])
    assert "--set segment.fsp=25" in str(err.value) and "c.yaml" not in str(err.value)
    cfg.write_text("inputs:\n  audio: ep.wav\nsegment:\n  fps: fast\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(cfg, [])
    assert err.value.line == 4  # a bad value in the file is still blamed on its line
