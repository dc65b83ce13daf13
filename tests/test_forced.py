"""The forced-alignment engine on planted cases with known answers (no model).

A fake aligner stands in for Whisper. The episode's samples carry their own sample index, so
the fake can tell which episode times a packed window holds; its "forced pass" puts each word
that the window's audio holds at its true time, squeezes text the audio lacks into one frame,
and piles text beyond the window onto the last frame, as CTranslate2's alignment does. Its
"transcription" hears every word in the audio, the ones the transcript lacks too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from pipeline.errors import AlignmentError
from pipeline.timing.forced import (
    Forced,
    _accepted,
    _back_to_pause,
    _doubtful,
    force_align,
)
from pipeline.timing.records import AlignOptions, SourceWord
from pipeline.timing.regions import heard_regions, widen
from pipeline.timing.windows import (
    Window,
    WindowOptions,
    cut_long_regions,
    window_from,
    window_samples,
)

SR = 16


class FakeAligner:
    """Known word times; ``said`` holds (text, start_ms, end_ms) of everything spoken."""

    def __init__(self, said: Sequence[tuple[str, int, int]], transcript: Sequence[str]) -> None:
        self.said = list(said)
        self.transcript = list(transcript)
        self.calls = 0
        # transcript word i is spoken at the first unused matching entry of ``said``
        self.truth: list[tuple[int, int] | None] = []
        used = 0
        for text in transcript:
            k = next((j for j in range(used, len(said)) if said[j][0] == text), None)
            if k is None:
                self.truth.append(None)
            else:
                self.truth.append((said[k][1], said[k][2]))
                used = k + 1
        self._next = 0

    def tokens(self, text: str) -> list[int]:
        token = self._next  # one token per word, in transcript order
        self._next += 1
        return [token]

    def encode(self, audio: np.ndarray) -> tuple[Any, int]:
        self.calls += 1
        return audio, len(audio) // 160

    def _packed(self, audio: np.ndarray, ms: int) -> int | None:
        hit = np.flatnonzero(audio == float(ms * SR + 1))
        return int(hit[0]) // SR if len(hit) else None

    def force(self, encoded: Any, frames: int, words: Sequence[list[int]]) -> Forced:
        audio = encoded
        length = len(audio) // SR
        starts: list[int] = []
        ends: list[int] = []
        probs: list[float] = []
        cursor = 0
        for w in words:
            truth = self.truth[w[0]]
            s = self._packed(audio, truth[0]) if truth else None
            e = self._packed(audio, truth[1] - 1) if truth else None
            if s is None or e is None or s < cursor:
                at = length if truth is not None and s is None and cursor > 0 else cursor
                at = min(max(at, cursor), length)
                starts.append(at)
                ends.append(at)
                probs.append(0.01)
                continue
            starts.append(s)
            ends.append(e + 1)
            probs.append(0.9)
            cursor = e + 1
        return Forced(tuple(starts), tuple(ends), tuple(probs))

    def transcribe(self, audio: np.ndarray) -> list[tuple[str, int, int, float]]:
        out = []
        for text, a, b in self.said:
            s, e = self._packed(audio, a), self._packed(audio, b - 1)
            if s is not None and e is not None:
                out.append((text, s, e + 1, 0.9))
        return out


def _episode(said: Sequence[tuple[str, int, int]], tail_ms: int = 1000) -> np.ndarray:
    end = max(b for _, _, b in said) + tail_ms
    return np.arange(1, end * SR + 1, dtype=np.float32)


def _speech(said: Sequence[tuple[str, int, int]], max_pause_ms: int = 250) -> list[tuple[int, int]]:
    regions: list[tuple[int, int]] = []
    for _, a, b in said:
        if regions and a - regions[-1][1] <= max_pause_ms:
            regions[-1] = (regions[-1][0], b)
        else:
            regions.append((a, b))
    return regions


def _said(
    texts: Sequence[str],
    start: int = 500,
    word_ms: int = 300,
    gap_ms: int = 50,
    pause_every: int = 0,
    pause_ms: int = 1500,
) -> list[tuple[str, int, int]]:
    out = []
    t = start
    for i, text in enumerate(texts):
        out.append((text, t, t + word_ms))
        t += word_ms + gap_ms
        if pause_every and (i + 1) % pause_every == 0:
            t += pause_ms
    return out


def _run(
    said: Sequence[tuple[str, int, int]], transcript: Sequence[str], **opts: Any
) -> tuple[Any, FakeAligner]:
    fake = FakeAligner(said, transcript)
    samples = _episode(said)
    words = [SourceWord(t, None, 0) for t in transcript]
    options = AlignOptions(**{"pack_pad_ms": 100, "window_ms": 6000, **opts})
    res = force_align(samples, words, _speech(said), None, "en", options, aligner=fake)
    return res, fake


SENTENCE = "the quick brown fox jumps over the lazy dog and runs away".split()


def test_every_spoken_word_gets_its_true_start() -> None:
    texts = SENTENCE * 4
    said = _said(texts, pause_every=6)
    res, _ = _run(said, texts)
    starts = [w.start_ms for w in res.alignment.words]
    assert starts == [a for _, a, _ in said]
    assert res.alignment.unspoken == 0 and res.fallback_windows == 0
    assert res.windows >= 3  # 19 s of speech in 6 s windows
    assert all(c == 0.9 for c in res.confidence)


def test_filler_in_the_transcript_is_timed() -> None:
    texts = ["so", "uh", "this", "is", "the", "corpus"]
    res, _ = _run(_said(texts), texts)
    uh = res.alignment.words[1]
    assert (uh.status, uh.start_ms) == ("aligned", 850)


def test_filler_the_transcript_drops_does_not_pull_the_next_start() -> None:
    audio = ["so", "um", "this", "is", "the", "corpus"]
    said = _said(audio)
    res, _ = _run(said, ["so", "this", "is", "the", "corpus"])
    this = res.alignment.words[1]
    assert this.start_ms == said[2][1]  # not the filler's start


OTHER = "she sells sea shells by the sea shore while singing songs of summer".split()


def test_sentence_the_audio_lacks_stays_untimed() -> None:
    spoken = SENTENCE + OTHER
    said = _said(spoken, pause_every=6)
    inserted = "this sentence was cut from an episode".split()
    transcript = spoken[:6] + inserted + spoken[6:]
    res, _ = _run(said, transcript)
    words = res.alignment.words
    assert all(w.status == "unspoken" for w in words[6 : 6 + len(inserted)])
    timed = [w for w in words if w.status != "unspoken"]
    assert [w.start_ms for w in timed] == [a for _, a, _ in said]


def test_untranscribed_stretch_gets_no_text() -> None:
    before = SENTENCE[:6]
    ad = "buy our product today with a code podcast for ten percent off".split()
    after = SENTENCE[6:]
    said = _said(before) + [
        (t, a + 3000, b + 3000) for t, a, b in _said(ad, start=_said(before)[-1][2])
    ]
    last = said[-1][2] + 1500
    said += [(t, a + last, b + last) for t, a, b in _said(after, start=0)]
    res, _ = _run(said, before + after)
    ad_span = (said[len(before)][1], said[len(before) + len(ad) - 1][2])
    for w in res.alignment.words:
        assert w.start_ms is not None
        assert not ad_span[0] <= w.start_ms < ad_span[1], w
    assert [w.start_ms for w in res.alignment.words] == [
        a for t, a, _ in said if t in before + after and not ad_span[0] <= a < ad_span[1]
    ]


def test_wrong_transcript_fails_with_coverage() -> None:
    said = _said(SENTENCE * 2)
    wrong = "completely different words nobody ever said in this recording".split() * 2
    with pytest.raises(AlignmentError) as err:
        _run(said, wrong)
    assert err.value.coverage is not None and err.value.coverage < 0.2


def test_timed_words_are_ordered() -> None:
    texts = SENTENCE * 6
    res, _ = _run(_said(texts, pause_every=4, pause_ms=400), texts)
    ends = 0
    for w in res.alignment.words:
        assert w.start_ms is not None and w.end_ms is not None
        assert w.start_ms >= ends and w.end_ms > w.start_ms
        ends = w.end_ms


# --- the pieces ---------------------------------------------------------------------


def test_long_region_is_cut_at_its_quietest_point() -> None:
    samples = np.ones(30_000 * SR, np.float32)
    samples[14_000 * SR : 14_100 * SR] = 0.0  # a near-silent 100 ms
    cut = cut_long_regions([(0, 30_000)], samples, WindowOptions(20_000, 200, 8_000))
    assert len(cut) == 2 and 14_000 <= cut[0][1] <= 14_100


def test_packed_audio_and_times_map_back() -> None:
    samples = np.arange(1, 10_000 * SR + 1, dtype=np.float32)
    win = Window(((1000, 2000), (5000, 6000)), gap_ms=200)
    audio = window_samples(samples, win)
    assert len(audio) == win.length_ms * SR
    assert audio[1200 * SR] == 5000 * SR + 1
    assert win.to_source(1200) == 5000 and win.to_source(1100, is_end=True) == 2000


def test_window_from_starts_at_the_cursor() -> None:
    win = window_from([(0, 4000), (6000, 9000)], 3000, WindowOptions(10_000))
    assert win is not None and win.pieces == ((3000, 4000), (6000, 9000))
    assert window_from([(0, 4000)], 4000, WindowOptions(10_000)) is None


def test_accepted_stops_at_the_tail_and_at_squeezed_runs() -> None:
    opts = AlignOptions()
    tail = Forced((0, 300, 600, 980, 980), (300, 600, 900, 980, 980), (0.9,) * 5)
    assert _accepted(tail, 1000, opts) == (3, 3)
    squeezed = Forced((0, 300, 300, 300, 300, 500), (300, 300, 300, 300, 500, 800), (0.9,) * 6)
    assert _accepted(squeezed, 2000, opts) == (6, 1)


def test_back_to_pause_hears_the_last_piece_again() -> None:
    win = Window(((0, 1000), (3000, 4000)), gap_ms=200)
    forced = Forced((0, 500, 1200, 1600), (500, 1000, 1600, 1900), (0.9,) * 4)
    assert _back_to_pause(forced, 4, win) == (2, 3000)
    single = Window(((0, 4000),), gap_ms=200)
    assert _back_to_pause(forced, 3, single) == (3, 1600)


def test_doubt_and_widening() -> None:
    opts = AlignOptions()
    assert not _doubtful([0.9, 0.01, 0.8, 0.7, 0.02], opts)
    assert _doubtful([0.01] * 10, opts)
    assert _doubtful([0.9, 0.9] + [0.001] * opts.doubt_run + [0.9] * 20, opts)
    assert widen([(1000, 2000), (2500, 3000), (9000, 9500)], 400, 9600) == [
        (600, 3400),
        (8600, 9600),
    ]


def test_a_gap_that_is_not_quiet_stays_heard() -> None:
    rng = np.random.default_rng(3)
    samples = np.zeros(20_000 * SR, np.float32)
    for a, b in ((1000, 4000), (6000, 12000), (15000, 18000)):  # speech the VAD ...
        samples[a * SR : b * SR] = rng.normal(0, 0.2, (b - a) * SR)
    # ... found only in the first and last stretch: the middle one is kept, the quiet gaps go
    regions = heard_regions([(1000, 4000), (15000, 18000)], samples, 20_000)
    assert regions == [(1000, 18000)]
    quiet = heard_regions([(1000, 4000), (6000, 12000), (15000, 18000)], samples, 20_000)
    assert quiet == [(1000, 4000), (6000, 12000), (15000, 18000)]
