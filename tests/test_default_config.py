"""configs/default.yaml documents every key, with the value the code uses when it is left out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from pipeline.run.config import SECTIONS, InputsConfig, OutputConfig, load_config

DEFAULT = Path(__file__).resolve().parent.parent / "configs" / "default.yaml"


def _documented(lines: list[str], key: str, indent: str) -> bool:
    """Whether the line of ``key`` carries a comment, or a comment line stands above it."""
    for i, line in enumerate(lines):
        if line.startswith(f"{indent}{key}:"):
            return "#" in line or lines[i - 1].strip().startswith("#")
    return False


def test_every_key_is_there_and_documented() -> None:
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    lines = DEFAULT.read_text(encoding="utf-8").splitlines()
    cfg = load_config(DEFAULT)
    for name in SECTIONS:
        fields = {f.name for f in dataclasses.fields(getattr(cfg, name))}
        assert set(data[name]) == fields, name
        assert all(_documented(lines, key, "  ") for key in fields), name
    for name, model in (("inputs", InputsConfig), ("output", OutputConfig)):
        assert set(data[name]) == set(model.model_fields), name
    for key in ("episode", "stages"):
        assert _documented(lines, key, "")


def test_the_values_written_are_the_defaults() -> None:
    cfg = load_config(DEFAULT)
    plain = load_config(None, ["inputs.audio=a.wav"])
    for name in SECTIONS:
        assert cfg.section_dict(name) == plain.section_dict(name), name
    assert cfg.stages == plain.stages
    ours = cfg.output.model_dump(exclude={"dir"})
    assert ours == plain.output.model_dump(exclude={"dir"})
