"""bench.synth: espeak-ng word events must become trustworthy word timings.

Benchmarks score alignment against these timings, so a wrong event-struct layout, a lost pause
or an unsplit "out of" would silently corrupt every figure built on them.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from bench import synth

pytestmark = pytest.mark.skipif(not synth.available(), reason="libespeak-ng is not installed")

PAUSE_MS = 800
UTTERANCES = [
    ("Maya", "We ran out of butter, so the cake was flat."),
    ("Tom", "Next time, buy 2 packs."),
]
VOICES = {"Maya": "en-us+f3", "Tom": "en-gb-x-rp+m3"}


@pytest.fixture(scope="module")
def spoken() -> tuple[npt.NDArray[np.float32], list[synth.SynthWord]]:
    return synth.synthesize(UTTERANCES, VOICES, pause_ms=PAUSE_MS, jitter=0.0)


def _rms_db(samples: npt.NDArray[np.float32], start_ms: int, end_ms: int) -> float:
    rate = synth.OUTPUT_RATE
    chunk = samples[start_ms * rate // 1000 : end_ms * rate // 1000].astype(np.float64)
    return float(20 * np.log10(np.sqrt(np.mean(chunk**2)) + 1e-12))


def test_every_word_is_timed_in_order_inside_the_audio(
    spoken: tuple[npt.NDArray[np.float32], list[synth.SynthWord]],
) -> None:
    samples, words = spoken
    assert samples.dtype == np.float32
    duration_ms = len(samples) * 1000 // synth.OUTPUT_RATE
    expected = [w.strip(",.") for _, text in UTTERANCES for w in text.split()]
    assert [w.text for w in words] == expected
    assert [w.speaker for w in words] == ["Maya"] * 10 + ["Tom"] * 5
    for word, following in itertools.pairwise(words):
        assert 0 <= word.start_ms < word.end_ms <= following.start_ms
    assert words[-1].end_ms <= duration_ms


def test_out_of_is_split_into_two_words(
    spoken: tuple[npt.NDArray[np.float32], list[synth.SynthWord]],
) -> None:
    _, words = spoken
    texts = [w.text for w in words]
    out, of = words[texts.index("out")], words[texts.index("of")]
    assert out.end_ms == of.start_ms
    assert 40 <= out.end_ms - out.start_ms <= 600
    assert 30 <= of.end_ms - of.start_ms <= 600


def test_requested_pause_is_silent(
    spoken: tuple[npt.NDArray[np.float32], list[synth.SynthWord]],
) -> None:
    samples, words = spoken
    last_maya = max(w.end_ms for w in words if w.speaker == "Maya")
    first_tom = min(w.start_ms for w in words if w.speaker == "Tom")
    assert abs((first_tom - last_maya) - PAUSE_MS) <= 15
    speech = _rms_db(samples, first_tom, first_tom + 200)
    pause = _rms_db(samples, last_maya + 10, first_tom - 10)
    assert pause < speech - 40
    assert _rms_db(samples, last_maya - 150, last_maya) > pause + 20


def test_word_starts_after_a_pause_are_where_the_sound_starts(
    spoken: tuple[npt.NDArray[np.float32], list[synth.SynthWord]],
) -> None:
    samples, words = spoken
    for word in (words[0], next(w for w in words if w.speaker == "Tom")):
        before = _rms_db(samples, word.start_ms - 30, word.start_ms - 5)
        after = _rms_db(samples, word.start_ms, word.start_ms + 60)
        assert after > before + 20, word


def test_pauses_vary_reproducibly() -> None:
    turns = [("Maya", "One."), ("Tom", "Two."), ("Maya", "Three.")]
    first = synth.synthesize(turns, VOICES, pause_ms=500, seed=7)[1]
    again = synth.synthesize(turns, VOICES, pause_ms=500, seed=7)[1]
    assert first == again
    gaps = [b.start_ms - a.end_ms for a, b in itertools.pairwise(first)]
    assert all(400 <= gap <= 600 for gap in gaps)
    assert gaps[0] != gaps[1]


def test_unknown_speaker_is_an_error() -> None:
    with pytest.raises(ValueError, match="Lee"):
        synth.synthesize([("Lee", "Hello.")], VOICES)
