"""Translation tracks: reading time from the pauses, two short sentences in one cue, over-speed
cues listed with by how much, a subtitle file's own cues kept."""

from __future__ import annotations

from pipeline.model import Cue, Track
from pipeline.run.report import over_speed
from pipeline.subtitles.segment import SegmentOptions, TimedText, file_cues, text_cues

OPTS = SegmentOptions()


def test_two_short_sentences_share_a_cue_when_the_first_cannot_be_read_alone() -> None:
    # 20 characters in 600 ms of speech and 300 ms of pause: 22 cps alone, 13 cps together
    a = TimedText("Решение оценивается.", 10_000, 10_600, "B", 3)
    b = TimedText("Это понятно.", 10_900, 11_800, "B", 3)
    cues = text_cues([a, b], "ru", OPTS)
    assert len(cues) == 1
    assert cues[0].start_ms == a.start_ms  # never before the first sentence is spoken
    assert " ".join(cues[0].lines["ru"]) == "Решение оценивается. Это понятно."


def test_short_sentences_readable_alone_keep_their_own_cues() -> None:
    a = TimedText("Решение оценивается.", 10_000, 11_600, "B", 3)
    b = TimedText("Это понятно.", 11_900, 12_800, "B", 3)
    cues = text_cues([a, b], "ru", OPTS)
    assert [c.start_ms for c in cues] == [a.start_ms, b.start_ms]


def test_sentences_of_two_speakers_never_share_a_cue() -> None:
    a = TimedText("Решение оценивается.", 10_000, 10_600, "A", 3)
    b = TimedText("Это понятно.", 10_900, 11_800, "B", 4)
    assert len(text_cues([a, b], "ru", OPTS)) == 2


def test_an_out_time_runs_into_the_pause_as_far_as_reading_needs_up_to_the_limit() -> None:
    b = TimedText("Дальше.", 14_000, 15_000, None, -1)
    a = TimedText("Это довольно длинное предложение.", 10_000, 11_500, None, -1)
    assert text_cues([a, b], "ru", OPTS)[0].end_ms == 11_942  # 33 characters at 17 cps
    a = TimedText("Это довольно длинное предложение, и ещё слова.", 10_000, 11_500, None, -1)
    assert text_cues([a, b], "ru", OPTS)[0].end_ms == a.end_ms + OPTS.max_extend_ms


def test_over_speed_cues_are_listed_with_by_how_much() -> None:
    track = Track(
        ("ru",),
        (
            Cue(0, 1000, {"ru": ("Это слишком быстро для чтения.",)}),  # 30 chars in 1 s
            Cue(1083, 4000, {"ru": ("Это нормально.",)}),
        ),
    )
    rows = over_speed(track, "netflix", 24.0)
    assert rows == [
        {
            "cue": 1,
            "start_ms": 0,
            "end_ms": 1000,
            "cps": 30.0,
            "max_cps": 17.0,
            "short_ms": 765,
            "room_ms": 0,
        }
    ]


def test_a_subtitle_files_cues_keep_their_lines_and_get_the_rules_times() -> None:
    spans = [
        TimedText("Это кажется чем-то почти похожим на функцию ценности,", 1000, 3000),
        TimedText("которая говорит тебе,", 3050, 3600),
    ]
    lines = [
        ("Это кажется чем-то почти похожим на", "функцию ценности,"),
        ("которая говорит тебе,",),
    ]
    cues = file_cues(spans, lines, "ru", OPTS)
    assert [c.lines["ru"] for c in cues] == lines
    assert cues[0].start_ms == 1000 and cues[1].start_ms >= cues[0].end_ms + 83
    assert cues[1].end_ms - cues[1].start_ms >= OPTS.min_duration_ms
