"""Timing translations: placement rules, and `subweave retime` / paired `align` end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.model import Word
from pipeline.timing import transcribe as asr
from pipeline.transcript.sentences import split_sentences
from pipeline.translation.beads import Bead, BitextOptions
from pipeline.translation.retime import SourceSentence, asr_sentences, place
from tests.helpers import fake_recognition, transcribe_config

MEDIA = Path(__file__).resolve().parent.parent / "media"


def _src(*sentences: str, start: int = 0, step: int = 300) -> list[SourceSentence]:
    out: list[SourceSentence] = []
    t = start
    for text in sentences:
        words = []
        for w in text.split():
            words.append((w, t, t + step - 50))
            t += step
        out.append(SourceSentence(text, tuple(words)))
        t += 1000
    return out


def test_one_source_to_two_translations_splits_at_the_clause() -> None:
    src = _src("Yes, I agree with you, and then we go home now.")
    tgt = ["是的，我同意你。", "然后我们回家。"]
    beads = [Bead((0,), (0, 1), 0.1)]
    placed = place(beads, src, tgt, [(None, 0), (None, 0)], "zh", BitextOptions())
    assert [p.status for p in placed] == ["split", "split"]
    words = src[0].words
    # the cut falls after "you," (a clause end), not mid-clause
    assert placed[0].end_ms == words[4][2]
    assert placed[1].start_ms == words[5][1]
    assert placed[0].start_ms == words[0][1] and placed[1].end_ms == words[-1][2]


def test_two_sources_to_one_translation_spans_both() -> None:
    src = _src("Hi there.", "How are you?")
    placed = place([Bead((0, 1), (0,), 0.1)], src, ["你好吗？"], [(None, 0)], "zh", BitextOptions())
    assert (placed[0].start_ms, placed[0].end_ms) == (src[0].words[0][1], src[1].words[-1][2])


def test_unmatched_translation_goes_to_a_roomy_gap_or_is_listed() -> None:
    src = _src("One two three.", "Four five six.", step=300)
    tgt = ["一二三。", "多出来的一句。", "四五六。"]
    meta: list[tuple[str | None, int]] = [(None, 0)] * 3
    beads = [Bead((0,), (0,), 0.1), Bead((), (1,)), Bead((1,), (2,), 0.1)]
    roomy = place(beads, src, tgt, meta, "zh", BitextOptions(gap_ms=600))
    assert roomy[1].status == "gap"
    assert roomy[0].end_ms is not None and roomy[2].start_ms is not None
    assert roomy[0].end_ms <= (roomy[1].start_ms or 0) < (roomy[1].end_ms or 0)
    assert (roomy[1].end_ms or 0) <= roomy[2].start_ms
    tight = place(beads, src, tgt, meta, "zh", BitextOptions(gap_ms=5000))
    assert tight[1].status == "unplaced" and tight[1].start_ms is None
    assert len(tight) == 3  # listed, never dropped


def test_asr_sentences_follow_punctuation_and_pauses() -> None:
    words = [
        Word(t, k * 300, k * 300 + 250) for k, t in enumerate("Hi there. How are you?".split())
    ]
    got = asr_sentences(words, BitextOptions())
    assert [s.text for s in got] == ["Hi there.", "How are you?"]


# --- end to end with a perfect fake recogniser ------------------------------------------


def _truth_words() -> list[Word]:
    """The sample's true words, with the transcript's punctuation put back (as Whisper has it)."""
    truth = json.loads((MEDIA / "sample.truth.json").read_text(encoding="utf-8"))["words"]
    tokens = [
        tok
        for line in (MEDIA / "sample.en.txt").read_text(encoding="utf-8").splitlines()
        if line.strip()
        for tok in line.split(":", 1)[1].split()
    ]
    assert len(tokens) == len(truth)
    return [
        Word(tok, round(w["start"] * 1000), round(w["end"] * 1000))
        for tok, w in zip(tokens, truth, strict=True)
    ]


def _sentence_starts() -> list[tuple[str, int]]:
    """(Chinese sentence, true start of its English sentence) for the sample (1-1 by design)."""
    from media.make_sample import TURNS

    words = _truth_words()
    out: list[tuple[str, int]] = []
    k = 0
    for _, en, zh in TURNS:
        en_s = split_sentences(en, "en")
        zh_s = split_sentences(zh, "zh")
        starts = []
        for s in en_s:
            starts.append(words[k].start_ms)
            k += len(s.text.split())
        if len(en_s) == len(zh_s):
            out += [(z.text, t) for z, t in zip(zh_s, starts, strict=True)]
    return out


@pytest.fixture()
def fake_asr(monkeypatch: pytest.MonkeyPatch) -> None:
    words = _truth_words()

    def fake_transcribe(
        audio_obj: Any, opts: Any, progress: Any = None, regions: Any = None
    ) -> Any:
        return fake_recognition(words, audio_obj.duration_ms)

    monkeypatch.setattr(asr, "transcribe", fake_transcribe)


def _srt_starts(path: Path) -> list[tuple[int, str]]:
    cues = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.splitlines()
        h, m, s, ms = map(int, re.split(r"[:,]", lines[1].split(" --> ")[0]))
        cues.append((((h * 60 + m) * 60 + s) * 1000 + ms, "".join(lines[2:])))
    return cues


def _score(path: Path) -> float:
    """Share of Chinese sentences whose cue starts within 300 ms of the English truth."""
    cues = _srt_starts(path)
    hits = 0
    truth = _sentence_starts()
    for text, start in truth:
        head = text[:4]
        found = [t for t, body in cues if body.startswith(head)]
        if found and min(abs(t - start) for t in found) <= 300:
            hits += 1
    return hits / len(truth)


@pytest.mark.model
def test_retime_translation_only(tmp_path: Path, fake_asr: None) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["retime", str(MEDIA / "sample.mp3"), str(MEDIA / "sample.zh.txt"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "sample.zh.srt").exists() and (out / "sample.zh.vtt").exists()
    assert not (out / "sample.en.srt").exists()
    assert _score(out / "sample.zh.srt") >= 0.9
    report = json.loads((out / "sample.report.json").read_text(encoding="utf-8"))
    assert report["bitext"]["zh"]["mode"] == "translation-only"
    assert report["bitext"]["zh"]["total"] == len(
        [
            s
            for line in (MEDIA / "sample.zh.txt").read_text(encoding="utf-8").splitlines()
            for s in split_sentences(line.split("：", 1)[-1], "zh")
        ]
    )


@pytest.mark.model
def test_retime_shifted_srt_recovers_the_times(tmp_path: Path, fake_asr: None) -> None:
    lines = []
    for k, (text, start) in enumerate(_sentence_starts()):
        a = int((start + 4200) * 25 / 23.976)
        lines.append(f"{k + 1}\n{_stamp(a)} --> {_stamp(a + 1500)}\n{text}\n")
    srt = tmp_path / "old.srt"
    srt.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    audio = MEDIA / "sample.mp3"
    result = CliRunner().invoke(app, ["retime", str(audio), str(srt), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _score(out / "sample.zh.srt") >= 0.9


def _stamp(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


@pytest.mark.model
def test_align_paired_writes_three_tracks(tmp_path: Path, fake_asr: None) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "align",
            str(MEDIA / "sample.mp3"),
            str(MEDIA / "sample.en-zh.txt"),
            "--out",
            str(out),
            "--config",
            str(transcribe_config(tmp_path)),  # the fake recogniser's perfect times
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("en.srt", "en.vtt", "zh.srt", "zh.vtt", "en-zh.srt", "en-zh.vtt", "en-zh.ass"):
        assert (out / f"sample.{name}").exists(), name
    assert _score(out / "sample.zh.srt") >= 0.98
    report = json.loads((out / "sample.report.json").read_text(encoding="utf-8"))
    assert report["bitext"]["zh"]["mode"] == "paired"
    assert report["bitext"]["zh"]["stretches"] == []


@pytest.mark.model
def test_align_on_a_translation_only_transcript_times_it_as_retime(
    tmp_path: Path, fake_asr: None
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["align", str(MEDIA / "sample.mp3"), str(MEDIA / "sample.zh.txt"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "timing it as a translation" in result.output
    assert (out / "sample.zh.srt").exists()
    assert not (out / "sample.words.json").exists()
    assert _score(out / "sample.zh.srt") >= 0.9


def test_weak_runs_are_unplaced_but_single_weak_sentences_kept() -> None:
    from pipeline.translation.beads import BitextOptions
    from pipeline.translation.retime import Placed, reject_weak_runs

    margins = [0.1, 0.01, 0.1, 0.02, 0.01, 0.03, 0.1]
    placed = [
        Placed(k, f"s{k}", 1000 * k, 1000 * k + 900, "aligned", m, (k,), None, 0)
        for k, m in enumerate(margins)
    ]
    out = reject_weak_runs(placed, BitextOptions(reject_margin=0.04, reject_run=3))
    assert [p.status for p in out] == ["aligned", "aligned", "aligned"] + ["unplaced"] * 3 + [
        "aligned"
    ]
    assert all(p.start_ms is None for p in out[3:6])
    assert reject_weak_runs(placed, BitextOptions(reject_run=0)) == placed
