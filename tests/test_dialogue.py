"""Dialogue dashes (--speakers dash): known answers for which cue pairs are joined."""

from __future__ import annotations

from pipeline.model import Cue, Track
from pipeline.subtitles.dialogue import dialogue_cues
from pipeline.subtitles.rules import limits

LIM = limits("netflix", "en", 24.0)


def _cue(start: int, end: int, text: str, who: str | None) -> Cue:
    return Cue(start, end, {"en": (text,)}, who)


def test_two_short_lines_of_two_speakers_become_one_dashed_cue() -> None:
    track = Track(
        ("en",),
        (_cue(1000, 2200, "Are you coming?", "Ann"), _cue(2300, 3500, "In a minute.", "Bob")),
    )
    out = dialogue_cues(track, LIM, "netflix")
    assert len(out.cues) == 1
    joined = out.cues[0]
    assert (joined.start_ms, joined.end_ms) == (1000, 3500)
    assert joined.lines["en"] == ("-Are you coming?", "-In a minute.")
    assert joined.speaker is None  # no voice span names one of the two


def test_what_is_not_joined() -> None:
    same = (_cue(1000, 2200, "Are you coming?", "Ann"), _cue(2300, 3500, "In a minute.", "Ann"))
    far = (_cue(1000, 2200, "Are you coming?", "Ann"), _cue(3000, 4200, "In a minute.", "Bob"))
    long_line = "This line is far too long to take a dash as well"
    wide = (_cue(1000, 2200, "Are you coming?", "Ann"), _cue(2300, 5500, long_line, "Bob"))
    two = Cue(1000, 2200, {"en": ("Are you", "coming?")}, "Ann")
    lines = (two, _cue(2300, 3500, "In a minute.", "Bob"))
    fast = (_cue(1000, 1300, "Are you coming?", "Ann"), _cue(1350, 1700, "In a minute.", "Bob"))
    for cues in (same, far, wide, lines, fast):
        assert dialogue_cues(Track(("en",), cues), LIM, "netflix").cues == cues


def test_each_cue_is_joined_at_most_once_and_stacked_tracks_stay() -> None:
    cues = (
        _cue(1000, 2000, "Ready?", "Ann"),
        _cue(2100, 3100, "Almost.", "Bob"),
        _cue(3200, 4200, "Now?", "Ann"),
    )
    out = dialogue_cues(Track(("en",), cues), LIM, "netflix")
    assert [c.lines["en"] for c in out.cues] == [("-Ready?", "-Almost."), ("Now?",)]
    stacked = Track(
        ("en", "zh"),
        tuple(
            Cue(c.start_ms, c.end_ms, {"en": c.lines["en"], "zh": ("好",)}, c.speaker) for c in cues
        ),
    )
    assert dialogue_cues(stacked, LIM, "netflix") == stacked
