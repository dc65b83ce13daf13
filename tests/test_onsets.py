"""Word onsets: the refine stage's energy-dip starts (pipeline.timing.onsets), the pause trim
of the forced engine (pipeline.timing.pauses) and the aligner's VAD onset snapping."""

from __future__ import annotations

from pathlib import Path

from pipeline.model import TimedWord, Word
from pipeline.timing.matching import align_words
from pipeline.timing.records import AlignOptions, SourceWord

ROOT = Path(__file__).resolve().parent.parent


def test_align_snaps_starts_in_pauses_to_the_speech_onset() -> None:
    words = [SourceWord(w) for w in "so here we go again".split()]
    # Whisper puts "so" 400 ms into the pause before the region that starts at 1000 ms.
    rec = [
        Word("so", 600, 1200, 0.9),
        Word("here", 1200, 1500, 0.9),
        Word("we", 1500, 1700, 0.9),
        Word("go", 1700, 2000, 0.9),
        Word("again", 2000, 2900, 0.9),
    ]
    speech = [(1000, 2500)]
    got = align_words(words, rec, AlignOptions(vad_onset_ms=50), speech, 4000)
    assert got.words[0].start_ms == 1050
    assert got.words[-1].end_ms == 2500  # the end in the pause comes back to the region end
    assert [w.start_ms for w in got.words[1:]] == [1200, 1500, 1700, 2000]
    plain = align_words(words, rec, AlignOptions(), (), 4000)
    assert plain.words[0].start_ms == 600  # without speech regions nothing moves


def test_sharpen_starts_finds_the_quiet_gap_between_words() -> None:
    import numpy as np

    from pipeline.timing.onsets import sharpen_starts

    rng = np.random.default_rng(0)
    sr = 16_000
    audio = np.zeros(3 * sr, np.float32)
    # "words": noise bursts at 0.50-0.90 s and 0.95-1.60 s (a 50 ms gap), 2.00-2.40 s
    for a, b in ((0.50, 0.90), (0.95, 1.60), (2.00, 2.40)):
        lo, hi = round(a * sr), round(b * sr)
        audio[lo:hi] = rng.standard_normal(hi - lo) * 0.3
    words = [
        TimedWord("one", 480, 900, "aligned", None, 0),
        TimedWord("two", 900, 1600, "aligned", None, 0),  # Whisper: 50 ms early
        TimedWord("gone", None, None, "unspoken", None, 0),
        TimedWord("three", 1950, 2400, "interpolated", None, 0),
    ]
    got = sharpen_starts(audio, words)
    assert 915 <= (got[1].start_ms or 0) <= 950  # inside the gap, not in the burst
    assert got[0].end_ms is not None and got[0].end_ms <= (got[1].start_ms or 0)
    assert got[2] == words[2]
    assert 1950 <= (got[3].start_ms or 0) <= 2000
    starts = [w.start_ms for w in got if w.start_ms is not None]
    assert starts == sorted(starts)


def test_align_times_a_word_whisper_merged_into_its_neighbour() -> None:
    words = [SourceWord(w) for w in "all this Bay Area that".split()]
    rec = [
        Word("all", 8020, 8280, 0.9),
        Word("this", 8280, 8500, 0.9),
        Word("area,", 8500, 9000, 0.9),  # "Bay Area" heard as "area", no gap left
        Word("that", 9340, 9480, 0.9),
    ]
    got = align_words(words, rec, AlignOptions(), (), 10_000).words
    assert got[2].status == "interpolated"
    assert got[2].start_ms == 8500
    assert got[2].end_ms is not None and 8600 < got[2].end_ms < 8800
    assert got[3].start_ms == got[2].end_ms and got[3].end_ms == 9000


def test_align_moves_a_start_that_runs_across_a_pause() -> None:
    words = [SourceWord(w) for w in "the singularity. No, I don't".split()]
    rec = [
        Word("the", 1000, 1200, 0.9),
        Word("singularity.", 1200, 1900, 0.9),
        Word("No,", 1950, 2800, 0.9),  # begun in the last turn: the pause is 2100-2600
        Word("I", 2800, 2900, 0.9),
        Word("don't", 2900, 3200, 0.9),
    ]
    got = align_words(words, rec, AlignOptions(vad_onset_ms=50), [(900, 2100), (2600, 3300)])
    assert got.words[2].start_ms == 2650
    assert got.words[1].start_ms == 1200


def test_align_times_a_phrase_whisper_skipped_over_speech() -> None:
    text = "we start here and then a phrase whisper never wrote down and we end here"
    words = [SourceWord(w) for w in text.split()]
    rec = [Word(w, 1000 + 300 * k, 1250 + 300 * k, 0.9) for k, w in enumerate(text.split()[:5])]
    rec += [
        Word(w, 6000 + 300 * k, 6250 + 300 * k, 0.9)
        for k, w in enumerate(["and", "we", "end", "here"])
    ]
    speech = [(950, 7300)]  # the VAD hears speech all through the gap
    got = align_words(words, rec, AlignOptions(), speech, 8000).words
    skipped = got[5:10]
    assert all(w.status == "interpolated" for w in skipped)
    assert all(2450 <= (w.start_ms or 0) < 6000 for w in skipped)
    silent = align_words(words, rec, AlignOptions(), [(950, 2500), (5950, 7300)], 8000).words
    assert all(w.status == "unspoken" for w in silent[5:10])  # no speech there: not said


def test_trim_moves_a_start_past_the_pause_forcing_gave_it() -> None:
    import numpy as np

    from pipeline.timing.pauses import trim_leading_pauses

    rng = np.random.default_rng(1)
    sr = 16_000
    audio = (rng.standard_normal(4 * sr) * 0.002).astype(np.float32)  # background noise
    # an unwritten "um" at 1.00-1.40 s, a pause, then "and" at 2.00-2.25 s
    for a, b in ((1.00, 1.40), (2.00, 2.25)):
        lo, hi = round(a * sr), round(b * sr)
        audio[lo:hi] += (rng.standard_normal(hi - lo) * 0.3).astype(np.float32)
    forced = [TimedWord("And", 1000, 2250, "aligned", None, 0)]  # the path gave it the filler
    got = trim_leading_pauses(audio, forced)
    assert 1950 <= (got[0].start_ms or 0) <= 2020
    short = [TimedWord("And", 1990, 2250, "aligned", None, 0)]
    assert trim_leading_pauses(audio, short) == tuple(short)  # a word of normal length stays
