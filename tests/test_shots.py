"""Cues timed to shot changes: the snapping pass on planted cues, its limits, and its lint rules.

Every case is at 25 fps (40 ms a frame) with one cut at 10 s (frame 250), unless it says
otherwise, so the expected times can be read off: "3 frames after" is 10 120 ms.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ConfigError
from pipeline.model import Cue, Track
from pipeline.subtitles.lint import lint_track
from pipeline.subtitles.rules import shot_rules
from pipeline.subtitles.segment import SegmentOptions
from pipeline.subtitles.shots import (
    ShotGrid,
    lint_track_with_shots,
    obeying,
    shot_faults,
    snap_tracks,
)
from pipeline.video.records import ShotChange, Shots

F = 40  # ms per frame at 25 fps
CUT = 10_000  # the cut: frame 250
SHOTS = Shots(25, 1, 1000, 40_000, (ShotChange(250, CUT, 30.0),))


def _track(times: list[tuple[int, int]], langs: tuple[str, ...] = ("en",)) -> Track:
    cues = tuple(
        Cue(s, e, {lang: (f"line {k} {lang}",) for lang in langs}) for k, (s, e) in enumerate(times)
    )
    return Track(langs, cues)


def _snap(
    times: list[tuple[int, int]], profile: str = "netflix", shots: Shots = SHOTS
) -> list[tuple[int, int]]:
    opts = SegmentOptions(profile=profile, fps=shots.fps)  # type: ignore[arg-type]
    (track,) = snap_tracks([_track(times)], shots, opts)
    return [(c.start_ms, c.end_ms) for c in track.cues]


# --- the rules, planted ------------------------------------------------------------------


def test_an_in_time_3_frames_after_a_cut_moves_onto_it() -> None:
    assert _snap([(CUT + 3 * F, CUT + 2500)]) == [(CUT, CUT + 2500)]


def test_an_out_time_8_frames_before_a_cut_ends_2_frames_before_it() -> None:
    assert _snap([(CUT - 3000, CUT - 8 * F)]) == [(CUT - 3000, CUT - 2 * F)]


def test_a_cue_crossing_a_cut_by_4_frames_is_pulled_back() -> None:
    assert _snap([(CUT - 2500, CUT + 4 * F)]) == [(CUT - 2500, CUT - 2 * F)]


def test_a_cue_crossing_a_cut_by_9_frames_is_held_to_12_after_it() -> None:
    """Netflix's green zone after a change: the cue stays on into the new shot, half a second."""
    assert _snap([(CUT - 2500, CUT + 9 * F)]) == [(CUT - 2500, CUT + 12 * F)]


def test_in_times_before_a_cut_red_zone_onto_it_green_zone_12_frames_before() -> None:
    assert _snap([(CUT - 5 * F, CUT + 2000)]) == [(CUT, CUT + 2000)]
    assert _snap([(CUT - 9 * F, CUT + 2000)]) == [(CUT - 12 * F, CUT + 2000)]


def test_chained_cues_keep_their_2_frame_gap_across_the_cut() -> None:
    """The second cue starts 4 frames after the cut: it goes onto it, and the first, which
    chained to it, ends 2 frames before it (it crossed the cut by 2 frames)."""
    got = _snap([(CUT - 2500, CUT + 2 * F), (CUT + 4 * F, CUT + 2500)])
    assert got == [(CUT - 2500, CUT - 2 * F), (CUT, CUT + 2500)]
    assert got[1][0] - got[0][1] == 2 * F


def test_bbc_numbers_differ() -> None:
    """BBC: end on the shot's last frame, delay any in-time in the zone onto the change, pull
    back any out-time in the zone after it."""
    assert shot_rules("bbc") != shot_rules("netflix")
    assert _snap([(CUT - 3000, CUT - 8 * F)], "bbc") == [(CUT - 3000, CUT)]
    assert _snap([(CUT - 9 * F, CUT + 2000)], "bbc") == [(CUT, CUT + 2000)]
    assert _snap([(CUT - 2500, CUT + 9 * F)], "bbc") == [(CUT - 2500, CUT)]
    # chained: the minimum gap still holds before a cue that starts on the change
    got = _snap([(CUT - 2500, CUT + 2 * F), (CUT + 4 * F, CUT + 2500)], "bbc")
    assert got == [(CUT - 2500, CUT - 2 * F), (CUT, CUT + 2500)]


def test_bilingual_stacked_cues_move_together() -> None:
    """A stacked cue is one cue: both languages keep one in- and out-time; the English track
    and the stacked track made from the same cues come out with the same times."""
    times = [(CUT - 2500, CUT + 2 * F), (CUT + 4 * F, CUT + 2500)]
    en, both = _track(times), _track(times, ("en", "zh"))
    out_en, out_both = snap_tracks([en, both], SHOTS, SegmentOptions(fps=25.0))
    assert [(c.start_ms, c.end_ms) for c in out_en.cues] == [
        (CUT - 2500, CUT - 80),
        (CUT, CUT + 2500),
    ]
    assert [(c.start_ms, c.end_ms) for c in out_both.cues] == [
        (c.start_ms, c.end_ms) for c in out_en.cues
    ]
    assert [c.lines for c in out_both.cues] == [c.lines for c in both.cues]


def test_cues_far_from_any_cut_and_tracks_without_cuts_are_unchanged() -> None:
    times = [(1000, 3000), (3080, 5000), (CUT + 20 * F, CUT + 2000)]
    assert _snap(times) == times
    track = _track(times)
    none = Shots(25, 1, 1000, 40_000, ())
    assert snap_tracks([track], none, SegmentOptions(fps=25.0)) == (track,)


def test_the_hard_limits_win_over_the_shot_rules() -> None:
    """Pulling this cue back before the cut would leave it 400 ms long (minimum 833): it is held
    12 frames past the cut instead. A cue that can only break a rule keeps its own times."""
    assert _snap([(CUT - 10 * F, CUT + 4 * F)]) == [(CUT - 12 * F, CUT + 12 * F)]
    # in the zone after the cut, but the cue before ends 1 frame after it: the pair moves
    got = _snap([(CUT - 2000, CUT + 1 * F), (CUT + 3 * F, CUT + 2000)])
    assert got == [(CUT - 2000, CUT - 2 * F), (CUT, CUT + 2000)]


def test_a_cue_held_past_a_cut_pushes_the_next_one_back() -> None:
    """Too short to end before the cut (500 ms), this cue stays 12 frames into the next shot;
    the cue after it, which came in 12 frames after the cut, comes in 2 frames later so that
    the 2-frame gap holds (rather than a rule giving way)."""
    got = _snap([(CUT - 580, CUT + 412), (CUT + 492, CUT + 3000)])
    assert got == [(CUT - 580, CUT + 12 * F), (CUT + 14 * F, CUT + 3000)]
    # never more than 3 frames behind its speech: here it would be 3.5, so the rule gives way
    late = _snap([(CUT - 580, CUT + 340), (CUT + 420, CUT + 3000)])
    assert late[1][0] <= CUT + 420 + 3 * F
    assert sum(len(shot_faults(s, e, SHOTS)) for s, e in late) >= 1


def test_cuts_too_close_for_every_rule_leave_the_fewest_faults() -> None:
    """Cuts 6 frames apart and a cue between them: no times obey both, so the pass takes the
    times that break fewest (onto the first cut: only the second is crossed too early)."""
    changes = (ShotChange(250, CUT, 30), ShotChange(256, CUT + 6 * F, 30))
    shots = Shots(25, 1, 1000, 40_000, changes)
    cue = (CUT + 2 * F, CUT + 2 * F + 900)
    (got,) = _snap([cue], shots=shots)
    assert got == (CUT, CUT + 2 * F + 900)
    assert len(shot_faults(*got, shots)) == 1 < len(shot_faults(*cue, shots)) == 2


def test_frames_are_the_videos_at_23_976_fps() -> None:
    """At 24000/1001 fps a frame is 41.708 ms: two frames before a cut at frame 240 (10 010 ms)
    is 9 927 ms, and the in-time 3 frames after it (10 135 ms) goes onto it."""
    shots = Shots(24000, 1001, 1000, 40_000, (ShotChange(240, 10_010, 30),))
    assert shots.frame_ms(-2) == -83 and shots.offset_frames(10_010, 10_135) == 3
    assert _snap([(10_135, 12_500)], shots=shots) == [(10_010, 12_500)]
    assert _snap([(7000, 9_700)], shots=shots) == [(7000, 9_927)]


# --- invariants --------------------------------------------------------------------------


@st.composite
def _tracks_and_cuts(draw: st.DrawFn) -> tuple[list[tuple[int, int]], Shots]:
    """Tracks as the segment stage makes them (durations 833-7000 ms, gaps 80 ms or over 500)
    and cuts anywhere, at least 13 frames apart."""
    times, at = [], draw(st.integers(0, 2000))
    for _ in range(draw(st.integers(1, 12))):
        length = draw(st.integers(833, 4000))
        times.append((at, at + length))
        at += length + draw(st.sampled_from([80, 80, 600, 1500]))
    frames = sorted(draw(st.sets(st.integers(1, at // F + 20), max_size=10)))
    kept: list[int] = []
    for f in frames:
        if not kept or f - kept[-1] >= 13:
            kept.append(f)
    changes = tuple(ShotChange(f, f * F, 30) for f in kept)
    return times, Shots(25, 1, at // F + 40, at + 2000, changes)


@settings(max_examples=150, deadline=None)
@given(_tracks_and_cuts())
def test_snapping_keeps_every_lint_rule_and_never_adds_shot_faults(
    case: tuple[list[tuple[int, int]], Shots],
) -> None:
    times, shots = case
    track = _track(times)
    (out,) = snap_tracks([track], shots, SegmentOptions(fps=25.0))
    new = [(c.start_ms, c.end_ms) for c in out.cues]
    assert len(new) == len(times)
    for s, e in new:
        assert e - s >= 833 and e - s <= 7000
    for (_, e), (s, _) in itertools.pairwise(new):
        assert s - e >= 80
    before = lint_track(track, "en", "netflix", 25.0)
    after = lint_track(out, "en", "netflix", 25.0)
    assert after.hard_count <= before.hard_count
    faults = sum(len(shot_faults(s, e, shots)) for s, e in new)
    assert faults <= sum(len(shot_faults(s, e, shots)) for s, e in times)


# --- lint and records ----------------------------------------------------------------------


def test_faults_name_the_rule_the_change_and_the_frames() -> None:
    (fault,) = shot_faults(CUT + 3 * F, CUT + 3000, SHOTS)
    assert (fault.rule, fault.frames, fault.change.frame) == ("shot-in", 3, 250)
    assert "3 frames after the shot change at 00:00:10,000 (frame 250)" in fault.message
    (cross,) = shot_faults(CUT - 3000, CUT + 4 * F, SHOTS)
    assert cross.rule == "shot-crossing" and cross.frames == 4
    (out,) = shot_faults(CUT - 3000, CUT - 1 * F, SHOTS)
    assert out.rule == "shot-out" and "1 frame before" in out.message
    (on,) = shot_faults(CUT - 3000, CUT, SHOTS)
    assert "out-time on the shot change" in on.message
    assert shot_faults(CUT - 3000, CUT, SHOTS, "bbc") == []  # the BBC ends on the last frame
    assert shot_faults(CUT - 3000, CUT - 2 * F, SHOTS) == []
    assert shot_faults(CUT - 12 * F, CUT + 12 * F, SHOTS) == []  # crosses it well: allowed


def test_lint_with_shots_lists_each_violation_with_cue_time_rule_and_frames() -> None:
    track = _track([(2000, 4000), (CUT + 3 * F, CUT + 2000)])
    result = lint_track_with_shots(track, SHOTS, "en")
    lines = list(result.format_lines())
    assert lines == [
        "#2 00:00:10,120 shot-in: in-time 3 frames after the shot change at 00:00:10,000 "
        "(frame 250): on it"
    ]
    assert result.hard_count == 1 and "shot-in 1" in result.summary()
    assert result.violations[0].measured == 3 and result.violations[0].limit == 12


def test_obeying_counts_in_and_out_times() -> None:
    assert obeying([(CUT + 3 * F, CUT + 2000), (CUT + 3000, CUT + 5000)], SHOTS) == (3, 4)
    assert obeying([], SHOTS) == (0, 0)


def test_unknown_profile_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        shot_rules("hbo")


def test_grid_finds_only_the_changes_near_a_time() -> None:
    shots = Shots(
        25, 1, 9000, 360_000, tuple(ShotChange(f, f * F, 30) for f in range(100, 9000, 100))
    )
    grid = ShotGrid(shots, shot_rules("netflix"))
    assert [c.frame for c in grid.around(200 * F + 5 * F)] == [200]
    assert grid.around(250 * F) == ()
