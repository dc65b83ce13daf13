"""bench.bitext_sentences and bench.bitext_stretch: scoring with known answers (no seeds, no model),
and the real gold checked against the seeds when they are here."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import bitext_stretch as stretch
from bench.bitext_sentences import TrackCue, kept_lines, locate, old_cues, score_track
from bench.bitext_tables import END, splice_between, table

SENTENCES = ["第一句话。", "第二句。", "第三句很长很长。"]
TIMES: list[tuple[int, int] | None] = [(1000, 2000), (2300, 3000), (3400, 6000)]


def test_each_sentence_is_found_in_the_cue_that_opens_it() -> None:
    cues = [
        TrackCue(1000, 2100, ("第一句话。",)),
        TrackCue(2350, 4000, ("第二句。第三句", "很长")),
        TrackCue(4083, 6300, ("很长。",)),
    ]
    assert locate(cues, SENTENCES) == [(0, 0), (1, 1), (1, 2)]
    got = score_track(cues, SENTENCES, TIMES, "zh")
    # the third sentence's cue opens 1050 ms early: it starts mid-cue
    assert got["within_300"] == pytest.approx(66.7)
    assert got["mid_cue"] == 1
    # cue 1 carries sentences 2 and 3 (2300-6000), cue 2 the end of 3: all inside
    assert got["cues_inside"] == 100.0


def test_a_sentence_missing_from_the_track_is_a_miss_and_the_rest_still_found() -> None:
    cues = [TrackCue(1000, 2000, ("第一句话。",)), TrackCue(3400, 6000, ("第三句很长很长。",))]
    got = score_track(cues, SENTENCES, TIMES, "zh")
    assert got["missing"] == 1
    assert got["within_300"] == pytest.approx(66.7)


def test_a_cue_running_late_is_outside_its_span() -> None:
    cues = [TrackCue(1000, 2700, ("第一句话。",))]  # 700 ms past the sentence's end
    assert score_track(cues, SENTENCES[:1], TIMES[:1], "zh")["cues_inside"] == 0.0


def test_the_old_srt_shifts_and_stretches_the_true_times_and_kept_lines_counts_them() -> None:
    sents = [
        stretch.Sentence(0, 104, 0, 3, "Что такое «это»?"),
        stretch.Sentence(1, 104, 3, 3, "Явно не эмоции."),
    ]
    old = old_cues(sents, [(1000, 2000), (2300, 4000)])
    assert len(old) == 1  # two short sentences of one paragraph share a cue, a line each
    assert old[0].lines == ("Что такое «это»?", "Явно не эмоции.")
    assert old[0].start_ms == int((1000 + 4200) * 25 / 23.976)
    assert kept_lines(old, old) == (1, 1)
    assert kept_lines(old, [TrackCue(0, 1, ("Что такое «это»? Явно не эмоции.",))]) == (0, 1)


def test_gold_times_take_the_words_the_gold_names() -> None:
    en = [
        stretch.Sentence(0, 55, 0, 3, "One two three."),
        stretch.Sentence(1, 55, 3, 4, "Four five six seven."),
        stretch.Sentence(2, 57, 0, 2, "Eight nine."),
    ]
    lists = {"en": en, "zh": [], "ru": []}
    gold = stretch.Gold(
        tuple(s.digest for s in en),
        {
            "zh": (
                stretch.GoldLink(0, "x", (0, 1), 0, 2),  # "One ... Four five"
                stretch.GoldLink(1, "y", (1,), 2, None),  # "six seven."
                stretch.GoldLink(2, "z", ()),
            ),
            "ru": (),
        },
    )
    words = [(k * 100, k * 100 + 80) for k in range(9)]
    assert stretch.gold_times(gold, lists, words)["zh"] == [(0, 480), (500, 680), None]


def test_the_table_marks_what_meets_the_wanted_column(tmp_path: Path) -> None:
    figures = {
        "(a) paired zh, .zh track": {"within_300": 99.0, "cues_inside": 97.0},
        "(b) ru translation only": {"within_1000": 100.0, "cps_within": 40.0},
    }
    text = table(figures, "base", "abc1234")
    assert "| zh (paired): sentences whose cue opens within 300 ms | 99 % | >= 98 % ✓ |" in text
    assert "| ru track: cues within 17 cps | 40 % | >= 80 % ✗ |" in text
    md = tmp_path / "BITEXT.md"
    md.write_text("# Title\n\nkept\n", encoding="utf-8")
    splice_between(md, "first")
    splice_between(md, "second")
    out = md.read_text(encoding="utf-8")
    assert out.count(END) == 1 and "second" in out and "first" not in out and "kept" in out


@pytest.mark.skipif(not stretch.available(), reason="seeds not here (../shared/seeds)")
def test_the_gold_still_matches_the_seeds_and_the_splitter() -> None:
    lists = stretch.sentence_lists()
    gold = stretch.load_gold()
    assert stretch.check_gold(gold, lists) == []
    assert len(gold.links["zh"]) >= 60 and len(gold.links["ru"]) >= 50
