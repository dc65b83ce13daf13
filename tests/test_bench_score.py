"""bench.score: figures with known answers (no models, no audio)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.score import (
    Cue,
    OutWord,
    load_output,
    parse_srt,
    score,
    score_utterances,
    truth_from_json,
)


def _truth(words: list[tuple[str, float, float]], **extra: object) -> dict[str, object]:
    return {"words": [{"text": t, "start": s, "end": e} for t, s, e in words], **extra}


TRUTH = _truth(
    [
        ("Hello", 1.0, 1.4),
        ("there,", 1.4, 1.8),
        ("general", 2.0, 2.5),
        ("Kenobi.", 2.5, 3.0),
        ("You", 4.0, 4.2),
        ("are", 4.2, 4.4),
        ("bold", 4.4, 4.9),
        ("indeed", 5.0, 5.5),
        ("my", 5.5, 5.7),
        ("friend", 5.7, 6.1),
    ]
)


def _out(errors_ms: Sequence[int | None]) -> list[OutWord]:
    truth = truth_from_json(TRUTH)
    out = []
    for w, err in zip(truth.words, errors_ms, strict=True):
        if err is None:
            out.append(OutWord(w.text, None, None, "unspoken"))
        else:
            out.append(OutWord(w.text, w.start_ms + err, w.end_ms + err))
    return out


def test_word_start_figures_known_answer() -> None:
    errors = [0, 10, -20, 30, 40, -60, 80, 120, 250, 5]
    figures = score(truth_from_json(TRUTH), _out(errors))
    ws = figures["word_start"]
    assert ws["n"] == 10
    # |errors| sorted: 0 5 10 20 30 40 60 80 120 250 -> median 35, p90 = 120 + 0.1*130 = 133
    assert ws["median_ms"] == 35.0
    assert ws["p90_ms"] == 133.0
    assert ws["within_50"] == 60.0
    assert ws["within_100"] == 80.0
    assert ws["within_200"] == 90.0
    assert ws["signed_median_ms"] == 20.0  # sorted signed: -60 -20 0 5 10 30 40 80 120 250
    assert figures["coverage"] == 100.0
    assert figures["absent_words"] == 0
    assert figures["absent_timed"] == 0


def test_coverage_counts_untimed_spoken_words() -> None:
    errors: list[int | None] = [0] * 10
    errors[3] = None
    errors[7] = None
    figures = score(truth_from_json(TRUTH), _out(errors))
    assert figures["coverage"] == 80.0
    assert figures["word_start"]["n"] == 8
    assert figures["unspoken_marked"] == 2


def test_absent_words_by_text_match() -> None:
    # The transcript adds a title (2 words) and a sentence inside; the audio lacks them.
    out = _out([0] * 10)
    title = [OutWord("Episode", 0, 500), OutWord("Seven", None, None, "unspoken")]
    extra = [OutWord("Totally", 3100, 3300), OutWord("unrelated", 3300, 3900)]
    words = title + out[:4] + extra + out[4:]
    figures = score(truth_from_json(TRUTH), words)
    assert figures["spoken_words"] == 10
    assert figures["absent_words"] == 4
    assert figures["absent_timed"] == 3
    assert figures["word_start"]["median_ms"] == 0.0


def test_explicit_transcript_map_wins_over_text() -> None:
    # "you" twice in the transcript; the map says the first one is not spoken.
    data = _truth([("you", 1.0, 1.2), ("know", 1.2, 1.5)])
    data["transcript"] = [
        {"text": "you", "truth": None},
        {"text": "you", "truth": 0},
        {"text": "know", "truth": 1},
    ]
    out = [OutWord("you", 1000, 1200), OutWord("you", 1100, 1200), OutWord("know", 1200, 1500)]
    figures = score(truth_from_json(data), out)
    assert figures["absent_timed"] == 1
    # errors +100 (second "you" against truth 0) and 0: median 50, p90 90
    assert figures["word_start"]["median_ms"] == 50.0
    assert figures["word_start"]["p90_ms"] == pytest.approx(90.0)


def test_cue_figures_and_unsupported_overlap() -> None:
    data = dict(TRUTH)
    data["unsupported"] = [[6.5, 36.5]]  # an ad read after the last word
    truth = truth_from_json(data)
    out = _out([0] * 10)
    cues = [
        Cue(1100, 1800, "Hello there,"),  # +100 ms: within 125
        Cue(2000, 3000, "general Kenobi."),  # exact
        Cue(3800, 4900, "- You are bold"),  # -200 ms: outside
        Cue(5000, 7200, "indeed my friend"),  # runs 0.7 s into the ad
    ]
    figures = score(truth, out, cues)
    assert figures["cues_scored"] == 4
    assert figures["cue_start_within_125"] == 75.0
    assert figures["cue_start"]["median_ms"] == 50.0  # |100, 0, 200, 0|
    assert figures["cue_end"]["n"] == 4
    assert figures["cues_on_unsupported"] == 1
    assert figures["max_cue_overlap_unsupported_ms"] == 700


def test_words_in_unsupported_span() -> None:
    data = _truth([("a", 0.0, 0.1), ("b", 10.0, 10.2)], unsupported=[[1.0, 9.0]])
    out = [OutWord("a", 0, 100), OutWord("zzz", 5000, 5200), OutWord("b", 10000, 10200)]
    figures = score(truth_from_json(data), out)
    assert figures["words_in_unsupported"] == 1
    assert figures["absent_timed"] == 1


def test_parse_srt() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i> there\n\n"
        "2\n00:01:02,040 --> 00:01:03,000\n- Yes.\n- No!\n"
    )
    cues = parse_srt(text)
    assert cues == [Cue(1000, 2500, "Hello there"), Cue(62040, 63000, "Yes. No!")]


def test_load_output_reads_words_json_then_artifact(tmp_path: Path) -> None:
    (tmp_path / "05_align.json").write_text(
        json.dumps(
            {"words": [["Hi", 100, 300, "aligned", "A", 0], ["x", None, None, "unspoken", "A", 0]]}
        )
    )
    assert load_output(tmp_path) == [
        OutWord("Hi", 100, 300, "aligned"),
        OutWord("x", None, None, "unspoken"),
    ]
    (tmp_path / "ep.words.json").write_text(
        json.dumps(
            {
                "language": "en",
                "words": [{"text": "Hi", "start": 0.25, "end": 0.5, "status": "aligned"}],
            }
        )
    )
    assert load_output(tmp_path) == [OutWord("Hi", 250, 500, "aligned")]


def test_utterance_figures() -> None:
    out = [OutWord("a", 1100, 1200), OutWord("b", 1300, 1400), OutWord("c", 5600, 5800)]
    res = score_utterances([(0, 1000), (2, 5000)], out)
    assert res["utterances"] == 2
    assert res["within_200"] == 50.0
    assert res["within_500"] == 50.0
    assert res["median_ms"] == 350.0


def test_edited_case_plants_every_edit() -> None:
    from bench.cases import AD_READ, EXTRA_SENTENCES, TITLE, edited_turns, has_alnum

    long_text = " ".join(f"word{k}." if k % 9 == 8 else f"word{k}" for k in range(45))
    turns = [("Host", long_text), ("Guest", long_text)] * 4
    edited, ad = edited_turns(turns)
    transcript = [t for _, pairs in edited for t, _ in pairs if t is not None]
    audio = [a for _, pairs in edited for _, a in pairs if a is not None]
    assert " ".join(transcript).startswith(TITLE)
    assert edited[ad][1] == [(None, tok) for tok in AD_READ.split()]  # audio only
    for sentence in EXTRA_SENTENCES:  # transcript only
        assert sentence in " ".join(transcript) and sentence not in " ".join(audio)
    extra_audio = [a for _, pairs in edited for t, a in pairs if t is None and a is not None]
    assert len(extra_audio) > len(AD_READ.split())  # fillers and a false start as well
    assert any(tok.rstrip(",") in ("um", "uh") for tok in extra_audio)
    spoken = [a for a in audio if has_alnum(a)]
    assert len(spoken) == len(audio)  # every audio token is a word with a truth entry
