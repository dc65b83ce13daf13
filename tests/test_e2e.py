"""End to end on the committed sample episode with the real tiny.en model (``model`` marker).

The sample is synthesized from its own transcript, so every transcript word is spoken: each must
get a time. Cue text must come from the transcript, times must run forward, and a second run with
nothing changed must skip every stage.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.model import Track
from pipeline.transcript import read_transcript

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT / "media" / "sample.mp3"
BILINGUAL = ROOT / "media" / "sample.en-zh.txt"

pytestmark = pytest.mark.model


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e2e")
    result = CliRunner().invoke(
        app, ["align", str(AUDIO), str(BILINGUAL), "--out", str(out), "--model", "tiny.en"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_writes_every_track(run_dir: Path) -> None:
    for name in (
        "sample.en.srt",
        "sample.en.vtt",
        "sample.zh.srt",
        "sample.zh.vtt",
        "sample.en-zh.srt",
        "sample.en-zh.vtt",
        "sample.en-zh.ass",
        "sample.words.json",
        "sample.report.json",
        "sample.review.html",
        "sample.review.mp3",
    ):
        assert (run_dir / name).stat().st_size > 0, name


def test_every_word_timed_and_monotonic(run_dir: Path) -> None:
    doc = read_transcript(BILINGUAL)
    english = [w for i in doc.speech_indices("en") for w in doc.turns[i].text.split()]
    data = json.loads((run_dir / "sample.words.json").read_text(encoding="utf-8"))
    assert data["language"] == "en"
    words = data["words"]
    assert [w["text"] for w in words] == english
    assert all(w["status"] in ("aligned", "interpolated") for w in words)
    assert sum(w["status"] == "aligned" for w in words) / len(words) > 0.8
    starts = [w["start"] for w in words]
    assert starts == sorted(starts)
    assert all(w["start"] <= w["end"] for w in words)
    assert words[-1]["end"] <= 100.0  # the sample is 99 s long
    assert {w["speaker"] for w in words} == {"Maya", "Tom"}


def test_cue_text_comes_from_the_transcript(run_dir: Path) -> None:
    import pysrt

    doc = read_transcript(BILINGUAL)
    english = [_squash(doc.turns[i].text) for i in doc.speech_indices("en")]
    chinese = [doc.turns[i].text.replace(" ", "") for i in doc.speech_indices("zh")]
    subs = pysrt.open(str(run_dir / "sample.en.srt"), encoding="utf-8")
    assert len(subs) > 10
    previous_end = -1
    for sub in subs:
        text = _squash(sub.text)
        assert any(text in turn for turn in english), text
        assert sub.start.ordinal > previous_end
        previous_end = sub.end.ordinal
    zh = pysrt.open(str(run_dir / "sample.zh.srt"), encoding="utf-8")
    joined = "".join(s.text.replace("\n", "") for s in zh)
    assert joined == "".join(chinese)  # every Chinese character once, in order, no spaces added


def test_tracks_pass_lint_hard_rules(run_dir: Path) -> None:
    from pipeline.subtitles.lint import lint_file

    for name, lang in (("sample.en.srt", "en"), ("sample.zh.srt", "zh"), ("sample.en.vtt", "en")):
        result = lint_file(run_dir / name, lang, "netflix", 24.0)
        assert result.hard_count == 0, list(result.format_lines())


def test_second_run_skips_every_stage(run_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["align", str(AUDIO), str(BILINGUAL), "--out", str(run_dir), "--model", "tiny.en"]
    )
    assert result.exit_code == 0, result.output
    assert "0 stages ran" in result.output
    segment = json.loads((run_dir / "09_segment.json").read_text(encoding="utf-8"))
    assert [t["langs"] for t in segment["tracks"]] == [["en"], ["zh"], ["en", "zh"]]
    assert all(Track(tuple(t["langs"])).code for t in segment["tracks"])
