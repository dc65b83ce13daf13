"""Time stamps round-trip (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import timecode as tc

MS = st.integers(min_value=0, max_value=99 * tc.MS_PER_HOUR + 59 * tc.MS_PER_MINUTE + 59_999)


@given(MS)
def test_srt_round_trip(ms: int) -> None:
    assert tc.srt_to_ms(tc.ms_to_srt(ms)) == ms


@given(MS)
def test_vtt_round_trip(ms: int) -> None:
    assert tc.vtt_to_ms(tc.ms_to_vtt(ms)) == ms


@given(MS)
def test_ass_round_trip_to_centiseconds(ms: int) -> None:
    assert abs(tc.ass_to_ms(tc.ms_to_ass(ms)) - ms) <= 5


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_seconds_to_ms_is_nearest(seconds: float) -> None:
    assert abs(tc.seconds_to_ms(seconds) - seconds * 1000) <= 0.5 + 1e-6


@pytest.mark.parametrize(
    ("stamp", "ms"), [("1:02.5", 62_500), ("00:00:01,2", 1_200), ("0:00:01.05", 1_050)]
)
def test_lenient_stamps(stamp: str, ms: int) -> None:
    assert tc.parse_stamp(stamp) == ms


def test_bad_stamp() -> None:
    with pytest.raises(ValueError):
        tc.parse_stamp("soon")
