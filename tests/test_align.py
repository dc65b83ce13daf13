"""Synthetic alignment cases with known answers."""

from __future__ import annotations

import time
from itertools import pairwise

import pytest

from pipeline.errors import AlignmentError
from pipeline.model import Word
from pipeline.timing.matching import align_words, match_tokens
from pipeline.timing.records import AlignOptions, SourceWord

TEXT = (
    "so today we are talking about subtitles for a cooking show and why the timing "
    "matters more than most people think because viewers read faster than they listen "
    "and a late cue feels wrong even when every word is right"
).split()


def _speak(words: list[str], start: int = 1000, step: int = 300, dur: int = 250) -> list[Word]:
    return [Word(w, start + k * step, start + k * step + dur) for k, w in enumerate(words)]


def _src(words: list[str]) -> list[SourceWord]:
    return [SourceWord(w) for w in words]


def test_clean_input_every_word_on_its_own_time() -> None:
    rec = _speak(TEXT)
    result = align_words(_src(TEXT), rec)
    assert result.aligned == len(TEXT)
    assert [(w.start_ms, w.end_ms) for w in result.words] == [(r.start_ms, r.end_ms) for r in rec]


def test_planted_substitution_deletion_insertion() -> None:
    spoken = list(TEXT)
    spoken[6] = "subtitle"  # substitution (fuzzy match)
    del spoken[15]  # the transcript has a word the ASR missed ("matters")
    spoken.insert(20, "um")  # a filler the transcript lacks
    rec = _speak(spoken)
    result = align_words(_src(TEXT), rec)
    by_text = {w.text: w for w in result.words}
    assert by_text["subtitles"].status == "aligned"
    assert by_text["subtitles"].start_ms == rec[6].start_ms
    assert by_text["matters"].status == "interpolated"
    prev, nxt = result.words[14], result.words[16]
    assert prev.end_ms is not None and nxt.start_ms is not None
    assert prev.end_ms <= by_text["matters"].start_ms <= nxt.start_ms  # type: ignore[operator]
    # Nothing is timed on the filler: the word after it keeps its own time.
    assert result.words[21].start_ms == rec[21].start_ms
    assert result.words[19].start_ms == rec[18].start_ms


def test_unspoken_title_and_deleted_sentence_get_no_time() -> None:
    title = "Episode twelve notes from the editor".split()
    deleted = "this sentence was cut from the final edit of the episode entirely".split()
    transcript = title + TEXT[:15] + deleted + TEXT[15:]
    rec = _speak(TEXT)
    result = align_words(_src(transcript), rec)
    statuses = [w.status for w in result.words]
    assert statuses[: len(title)] == ["unspoken"] * len(title)
    cut = slice(len(title) + 15, len(title) + 15 + len(deleted))
    assert statuses[cut] == ["unspoken"] * len(deleted)
    assert all(w.start_ms is None for w in result.words[cut])
    assert result.aligned == len(TEXT)


def test_ad_read_in_audio_gets_no_words() -> None:
    ad = "this episode is brought to you by a mattress company use code sleep".split()
    spoken = TEXT[:10] + ad + TEXT[10:]
    rec = _speak(spoken)
    result = align_words(_src(TEXT), rec)
    ad_start, ad_end = rec[10].start_ms, rec[10 + len(ad) - 1].end_ms
    for w in result.words:
        assert w.start_ms is not None
        assert not (ad_start <= w.start_ms < ad_end), w


def test_numbers_match_their_spoken_form() -> None:
    transcript = "in 2024 about 50% of 3 shows".split()
    spoken = "in twenty twenty-four about fifty percent of three shows".split()
    result = align_words(_src(transcript), _speak(spoken))
    assert result.aligned == len(transcript)
    assert result.words[1].start_ms == 1300  # "2024" starts with "twenty"


def test_interpolation_stays_on_speech_not_in_long_silence() -> None:
    words = "alpha bravo charlie delta echo".split()
    rec = [Word("alpha", 0, 300), Word("echo", 20_000, 20_300)]
    speech = [(0, 300), (18_800, 20_300)]
    result = align_words(_src(words), rec, speech=speech)
    middle = result.words[1:4]
    assert all(w.status == "interpolated" for w in middle)
    assert all(w.start_ms is not None and w.start_ms >= 18_800 for w in middle)


def test_repeated_passage_lands_on_its_own_audio() -> None:
    chorus = "we said it once and we will say it again".split()
    transcript = TEXT[:10] + chorus + TEXT[10:20] + chorus + TEXT[20:]
    rec = _speak(transcript)
    result = align_words(_src(transcript), rec)
    assert [w.start_ms for w in result.words] == [r.start_ms for r in rec]


def test_monotonic_and_inside_audio() -> None:
    spoken = TEXT[:8] + TEXT[10:]
    rec = _speak(spoken)
    result = align_words(_src(TEXT), rec, duration_ms=rec[-1].end_ms + 500)
    starts = [w.start_ms for w in result.words if w.start_ms is not None]
    assert starts == sorted(starts)
    assert all(0 <= s <= rec[-1].end_ms for s in starts)


def test_wrong_transcript_is_an_alignment_error() -> None:
    rec = _speak("completely different words spoken here about gardening and bees".split())
    with pytest.raises(AlignmentError) as err:
        align_words(_src(TEXT), rec)
    assert err.value.coverage is not None and err.value.coverage < 0.2


def test_long_input_cost_is_near_linear() -> None:
    # 20,000 tokens each side with scattered edits: must not be O(n*m).
    import random

    rnd = random.Random(7)
    vocab = [f"w{k}" for k in range(3000)]
    t = [rnd.choice(vocab) for _ in range(20_000)]
    r = list(t)
    for _ in range(200):
        pos = rnd.randrange(len(r))
        r[pos] = "zzz"
    begin = time.process_time()
    matches = match_tokens(t, r, AlignOptions())
    elapsed = time.process_time() - begin
    assert len(matches) >= 19_700
    assert all(a < b for a, b in pairwise(matches))
    assert elapsed >= 0  # cost is reported by bench/, never asserted here
