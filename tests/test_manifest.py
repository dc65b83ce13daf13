"""Manifests: YAML and CSV, relative paths, and every problem reported with its line."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.run.manifest import ManifestError, load_manifest


@pytest.fixture()
def media(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    for name in ("ep01.mp3", "ep01.txt", "ep01.zh.txt", "ep02.wav", "ep02.txt"):
        (folder / name).write_bytes(b"x")
    return folder


def _errors(path: Path) -> list[tuple[int | None, str]]:
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    assert all(e.path == str(path.resolve()) for e in info.value.errors)
    return [(e.line, e.message) for e in info.value.errors]


def test_yaml_manifest_resolves_paths_and_applies_sets(media: Path) -> None:
    manifest = media.parent / "m.yaml"
    manifest.write_text(
        "defaults: {asr.model: tiny.en, segment.profile: bbc}\n"
        "episodes:\n"
        "  - id: first\n"
        "    audio: media/ep01.mp3\n"
        "    transcript: media/ep01.txt\n"
        "    translations: [media/ep01.zh.txt]\n"
        "    set: {asr: {beam_size: 2}}\n"
        "  - audio: media/ep02.wav\n"
        "    transcript: media/ep02.txt\n"
        "    set: {asr.model: base}\n",
        encoding="utf-8",
    )
    loaded = load_manifest(manifest)
    first, second = loaded.episodes
    assert (first.id, second.id) == ("first", "ep02")
    assert first.audio == media / "ep01.mp3" and first.translations == (media / "ep01.zh.txt",)
    assert (first.line, second.line) == (3, 8)
    cfg = first.config(media.parent / "out")
    assert cfg.episode == "first"
    assert cfg.episode_dir == (media.parent / "out" / "first").resolve()
    assert cfg.asr.model == "tiny.en" and cfg.asr.beam_size == 2
    assert cfg.inputs.translations == (media / "ep01.zh.txt",)
    assert second.config(media.parent / "out").asr.model == "base"
    assert second.sets("asr.model") and not second.sets("asr.cpu_threads")


def test_yaml_reports_every_problem_with_its_line(media: Path) -> None:
    manifest = media.parent / "m.yaml"
    manifest.write_text(
        "defaults: {asr.modle: tiny.en}\n"  # 1: unknown config key
        "colour: blue\n"  # 2: unknown top-level key
        "episodes:\n"
        "  - audio: media/ep01.mp3\n"  # 4
        "    transcript: media/missing.txt\n"  # 5: missing file
        "  - id: ep01\n"  # 6: duplicate id (line 4's id is its audio stem, ep01)
        "    audio: media/ep01.mp3\n"
        "    transcript: media/ep01.txt\n"
        "    speaker: Bob\n"  # 9: unknown episode key
        "  - id: ep01\n"  # 10: duplicate of line 6
        "    audio: media/ep02.wav\n"
        "    transcript: media/ep02.txt\n"
        "    set:\n"
        "      asr.beam_size: 0\n"  # 14: a bad value
        "      segment.nope: 1\n"  # 15: unknown key
        "  - audio: media/ep02.wav\n"
        "    transcript: media/ep02.txt\n"
        "    set: {inputs.audio: other.wav}\n",  # 18: managed by batch
        encoding="utf-8",
    )
    errors = _errors(manifest)
    lines = [line for line, _ in errors]
    text = "\n".join(f"{line}: {msg}" for line, msg in errors)
    assert 1 in lines and "asr.modle" in text
    assert 2 in lines and "colour" in text
    assert 5 in lines and "missing.txt" in text
    assert 9 in lines and "speaker" in text
    assert 14 in lines and "beam_size" in text
    assert 15 in lines and "segment.nope" in text
    assert 18 in lines and "inputs.audio" in text
    assert {6, 10} <= set(lines) and "duplicate episode id 'ep01' (first at line 4)" in text
    assert lines == sorted(line or 0 for line in lines)
    assert len(errors) == 9


def test_duplicate_ids_name_both_lines(media: Path) -> None:
    manifest = media.parent / "m.yaml"
    manifest.write_text(
        "episodes:\n"
        "  - {audio: media/ep01.mp3, transcript: media/ep01.txt}\n"
        "  - {id: ep01, audio: media/ep02.wav, transcript: media/ep02.txt}\n",
        encoding="utf-8",
    )
    [(line, message)] = _errors(manifest)
    assert line == 3 and "duplicate" in message and "line 2" in message


def test_csv_manifest(media: Path) -> None:
    manifest = media.parent / "m.csv"
    manifest.write_text(
        "id,audio,transcript,translations\n"
        ",media/ep01.mp3,media/ep01.txt,media/ep01.zh.txt;media/ep01.txt\n"
        "two,media/ep02.wav,media/ep02.txt,\n",
        encoding="utf-8",
    )
    one, two = load_manifest(manifest).episodes
    assert one.id == "ep01" and len(one.translations) == 2
    assert two.id == "two" and two.translations == () and two.line == 3


def test_csv_reports_every_row(media: Path) -> None:
    manifest = media.parent / "m.csv"
    manifest.write_text(
        "id,audio,transcript,translations\n"
        "a,media/nope.mp3,media/ep01.txt,\n"
        "b,media/ep02.wav,,\n"
        "c,media/ep02.wav,media/ep02.txt,media/gone.zh.txt\n"
        "c,media/ep02.wav,media/ep02.txt,,extra\n",
        encoding="utf-8",
    )
    lines = [line for line, _ in _errors(manifest)]
    assert lines == [2, 3, 4, 5]


def test_csv_header_is_checked(media: Path) -> None:
    manifest = media.parent / "m.csv"
    manifest.write_text("name,file\nx,y\n", encoding="utf-8")
    [(line, message)] = _errors(manifest)
    assert line == 1 and "id,audio,transcript,translations" in message


def test_not_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("just: text\n", encoding="utf-8")
    assert "episodes" in _errors(tmp_path / "m.yaml")[0][1]
    (tmp_path / "bad.yaml").write_text("episodes: [\n", encoding="utf-8")
    assert "invalid YAML" in _errors(tmp_path / "bad.yaml")[0][1]
    with pytest.raises(ConfigError, match="cannot read"):
        load_manifest(tmp_path / "absent.yaml")


def test_manifest_error_pickles_and_lists_all(media: Path) -> None:
    manifest = media.parent / "m.yaml"
    manifest.write_text(
        "episodes:\n  - {audio: a.wav, transcript: b.txt}\n  - {audio: c.wav, transcript: d.txt}\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as info:
        load_manifest(manifest)
    err = info.value
    assert isinstance(err, ConfigError)
    assert "4 problems" in str(err) and ":2: audio file not found" in str(err)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is ManifestError and len(back.errors) == 4
    assert back.errors[0].line == 2 and str(back) == str(err)


EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "configs" / "batch").glob("*.*"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_manifests_validate(path: Path) -> None:
    if not (path.parents[2] / "media" / "sample.mp3").exists():
        pytest.skip("the sample episode is not in media/")
    manifest = load_manifest(path)
    assert [e.id for e in manifest.episodes] == ["sample", "sample-zh"]
    assert manifest.episodes[1].translations[0].name == "sample.zh.txt"
