"""segment.py and linebreak.py: properties over random word streams, planted cases, break tables."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model import Cue, TimedWord, Track
from pipeline.subtitles.lines import break_lines, text_units
from pipeline.subtitles.rules import line_length
from pipeline.subtitles.segment import SegmentOptions, TimedText, build_cues, text_cues
from pipeline.subtitles.stacking import monolingual, spread_translation, stack_translation

OPTS = SegmentOptions()
LIM = OPTS.limits("en")


def timed(
    text: str, start: int = 0, step: int = 300, speaker: str = "A", turn: int = 0
) -> list[TimedWord]:
    """Words of ``text`` spoken back to back, ``step`` ms each."""
    return [
        TimedWord(w, start + k * step, start + k * step + step - 20, "aligned", speaker, turn)
        for k, w in enumerate(text.split())
    ]


def cue_words(cues: tuple[Cue, ...], lang: str = "en") -> list[str]:
    return [w for c in cues for w in c.text(lang).split()]


# --- properties ---------------------------------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
_PUNCT = st.sampled_from(["", "", "", ",", ".", "?"])


@st.composite
def word_streams(draw: st.DrawFn) -> list[TimedWord]:
    n = draw(st.integers(1, 120))
    t = draw(st.integers(0, 5000))
    words: list[TimedWord] = []
    turn = 0
    for _ in range(n):
        t += draw(st.sampled_from([0, 10, 60, 120, 300, 700, 1500, 4000]))
        length = draw(st.integers(20, 900))
        if draw(st.integers(0, 30)) == 0:
            turn += 1
        if draw(st.integers(0, 25)) == 0:
            words.append(TimedWord(draw(_WORD), None, None, "unspoken", "A", turn))
            continue
        text = draw(_WORD) + draw(_PUNCT)
        words.append(TimedWord(text, t, t + length, "aligned", "AB"[turn % 2], turn))
        t += length
    return words


@settings(max_examples=150, deadline=None)
@given(word_streams(), st.sampled_from(["netflix", "bbc"]))
def test_cues_ordered_within_limits_and_lose_no_word(words: list[TimedWord], profile: str) -> None:
    opts = SegmentOptions(profile=profile)  # type: ignore[arg-type]
    lim = opts.limits("en")
    cues = build_cues(words, "en", opts)
    spoken = [w.text for w in words if w.status != "unspoken"]
    assert cue_words(cues) == spoken
    for prev, cue in itertools.pairwise(cues):
        assert cue.start_ms - prev.end_ms >= lim.min_gap_ms
    for cue in cues:
        assert cue.end_ms - cue.start_ms >= lim.min_duration_ms
        lines = cue.lines["en"]
        assert 1 <= len(lines) <= lim.max_lines
        assert all(line_length(line, "en") <= lim.max_chars for line in lines)
        # a cue never runs on into a new turn
        texts = {
            w.turn_index
            for w in words
            if w.status != "unspoken" and w.text in cue.text("en").split()
        }
        assert cue.turn_index in texts


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(list("我们今天讨论人工智能还有它的未来但是也要谈一谈关系")),
        min_size=1,
        max_size=200,
    ),
    st.lists(st.sampled_from(["，", "。", ""]), min_size=1, max_size=200),
)
def test_chinese_text_cues_keep_every_character(chars: list[str], puncts: list[str]) -> None:
    text = "".join(c + puncts[k % len(puncts)] for k, c in enumerate(chars))
    cues = text_cues([TimedText(text, 0, 200 * len(text))], "zh", OPTS)
    assert "".join(c.text("zh").replace("\n", "") for c in cues) == text
    lim = OPTS.limits("zh")
    for cue in cues:
        assert len(cue.lines["zh"]) <= lim.max_lines
        assert all(line_length(line, "zh") <= lim.max_chars for line in cue.lines["zh"])
        assert " " not in cue.text("zh")


# --- planted cases -----------------------------------------------------------------


def test_cue_ends_at_the_sentence_end() -> None:
    text = (
        "We tested the new oven for three weeks in the spring. "
        "The bread came out better than ever before, and nobody burned anything."
    )
    cues = build_cues(timed(text), "en", OPTS)
    assert cues[0].text("en").replace("\n", " ").endswith("spring.")


def test_speaker_change_starts_a_new_cue() -> None:
    words = timed("Did you cook?", 0) + timed("Yes I did.", 1000, speaker="B", turn=1)
    cues = build_cues(words, "en", OPTS)
    assert [c.speaker for c in cues] == ["A", "B"]
    assert cues[0].text("en") == "Did you cook?"


def test_unspoken_words_get_no_cue_and_split_the_text() -> None:
    words = timed("Hello there friends", 0)
    words.insert(1, TimedWord("EDITOR'S", None, None, "unspoken", "A", 0))
    cues = build_cues(words, "en", OPTS)
    assert "EDITOR'S" not in " ".join(c.text("en") for c in cues)
    assert [c.text("en") for c in cues] == ["Hello", "there friends"]


def test_short_cue_is_extended_to_minimum_duration() -> None:
    words = [TimedWord("Yes.", 1000, 1200, "aligned", "A", 0)]
    (cue,) = build_cues(words, "en", OPTS)
    assert (cue.start_ms, cue.end_ms) == (1000, 1000 + LIM.min_duration_ms)


def test_short_gap_is_chained_down_to_two_frames() -> None:
    words = timed("This is the first sentence of ours.", 0) + timed(
        "And this is the second one here.", 2400, speaker="B", turn=1
    )
    first, second = build_cues(words, "en", OPTS)
    assert second.start_ms - first.end_ms == LIM.min_gap_ms  # 83 ms at 24 fps


def test_long_gap_is_kept() -> None:
    words = timed("This is the first one.", 0) + timed("And a second.", 5000, speaker="B", turn=1)
    first, second = build_cues(words, "en", OPTS)
    assert second.start_ms == 5000
    assert first.end_ms < 5000 - LIM.chain_gap_ms


def test_reading_speed_extends_out_time_at_most_half_a_second() -> None:
    text = "Extraordinarily complicated circumstances necessitated reconsideration."
    words = timed(text, 0, step=250)  # 5 words in 1.25 s: far too fast to read
    (cue,) = build_cues(words, "en", OPTS)
    speech_end = 4 * 250 + 230
    assert cue.end_ms == speech_end + LIM.max_extend_ms


def test_in_time_is_the_speech_onset() -> None:
    cues = build_cues(timed("Welcome back to the show.", 1234), "en", OPTS)
    assert cues[0].start_ms == 1234


def test_long_speech_splits_under_max_duration() -> None:
    text = " ".join(["word"] * 80)
    cues = build_cues(timed(text, 0, step=400), "en", OPTS)
    assert all(c.end_ms - c.start_ms <= LIM.max_duration_ms for c in cues)
    assert len(cue_words(cues)) == 80


# --- line-break rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "limit", "expected"),
    [
        # after punctuation
        (
            "Well, I think we should go now before it rains",
            "en",
            30,
            ("Well, I think we should go now", "before it rains"),
        ),
        (
            "We bought apples, pears and plums at the market",
            "en",
            30,
            ("We bought apples,", "pears and plums at the market"),
        ),
        # before a conjunction, not between article and noun
        (
            "She wanted to cook along with the recipes and the music",
            "en",
            36,
            ("She wanted to cook along", "with the recipes and the music"),
        ),
        # never between first and last name
        (
            "Yesterday I interviewed Maya Chen about her work",
            "en",
            30,
            ("Yesterday I interviewed", "Maya Chen about her work"),
        ),
        # never between pronoun and verb
        (
            "After the long show ended we went home",
            "en",
            24,
            ("After the long show", "ended we went home"),
        ),
        # Chinese: at clause punctuation, never inside a word
        (
            "我们今天讨论人工智能，还有它的未来",
            "zh",
            12,
            ("我们今天讨论人工智能，", "还有它的未来"),
        ),
        (
            "人工智能的发展速度超出了所有人的预期",
            "zh",
            10,
            ("人工智能的发展速度", "超出了所有人的预期"),
        ),
        # Russian: before the conjunction, not after a preposition
        (
            "Мы долго говорили о работе и о новых проектах",
            "ru",
            30,
            ("Мы долго говорили о работе", "и о новых проектах"),
        ),
        ("Вчера мы поехали в город на машине", "ru", 20, ("Вчера мы поехали", "в город на машине")),
    ],
)
def test_line_breaks(text: str, lang: str, limit: int, expected: tuple[str, ...]) -> None:
    assert break_lines(text_units(text, lang), lang, limit) == expected


def test_line_fits_one_line_when_it_can() -> None:
    assert break_lines(text_units("Short and sweet.", "en"), "en", 42) == ("Short and sweet.",)


def test_chinese_words_are_never_split() -> None:
    lines = break_lines(text_units("人工智能人工智能人工智能人工智能人工智能", "zh"), "zh", 16)
    assert all(len(line) % 4 == 0 for line in lines)


# --- translations ---------------------------------------------------------------------


def test_spread_translation_shares_times_and_keeps_all_text() -> None:
    words = timed("Welcome back to the show. Today we talk about bread and why it fails.", 0)
    cues = build_cues(words, "en", OPTS)
    zh = "欢迎回到节目。今天我们聊面包，以及它为什么会失败。"
    both = spread_translation(cues, {0: zh}, "en", "zh", OPTS)
    assert [(c.start_ms, c.end_ms) for c in both][: len(cues)] == [
        (c.start_ms, c.end_ms) for c in cues
    ][: len(both)]
    assert "".join(c.text("zh").replace("\n", "") for c in both) == zh
    mono = monolingual(Track(("en", "zh"), both), "zh")
    assert mono.langs == ("zh",)
    assert all(set(c.lines) == {"zh"} for c in mono.cues)


def test_overflowing_translation_splits_both_languages_together() -> None:
    cue = Cue(0, 6000, {"en": ("Short English line here.",)}, "A", 0)
    zh = "这是一段非常非常长的中文翻译，它远远超过了两行十六个字的限制，所以必须拆开。"
    out = stack_translation([cue], [TimedText(zh, 0, 6000, "A", 0)], "en", "zh", OPTS)
    assert len(out) >= 2
    lim = OPTS.limits("zh")
    for c in out:
        assert len(c.lines["zh"]) <= lim.max_lines
        assert all(line_length(line, "zh") <= lim.max_chars for line in c.lines["zh"])
    assert "".join(c.text("zh").replace("\n", "") for c in out) == zh
    assert " ".join(c.text("en") for c in out) == "Short English line here."
    assert out[0].start_ms == 0 and out[-1].end_ms == 6000
    assert out[1].start_ms - out[0].end_ms == OPTS.limits("en").min_gap_ms


def test_text_cues_split_long_span_at_sentence_ends() -> None:
    text = (
        "Первое предложение здесь. Второе предложение тоже здесь. И третье, последнее предложение."
    )
    cues = text_cues([TimedText(text, 0, 9000, "A", 0)], "ru", OPTS)
    assert len(cues) >= 2
    assert re.sub(r"\s+", " ", " ".join(c.text("ru") for c in cues)) == text
    assert cues[0].text("ru").replace("\n", " ").endswith(".")


def test_breaks_start_a_cue_at_each_given_time() -> None:
    words = timed("One two three. Four five six. Seven eight nine.", 0)
    free = build_cues(words, "en", OPTS)
    assert len(free) == 1
    forced = build_cues(words, "en", OPTS, breaks=[900, 1800])
    assert [c.text("en") for c in forced] == [
        "One two three.",
        "Four five six.",
        "Seven eight nine.",
    ]
    # each starts on its first word, or just after the minimum duration of the cue before
    assert [c.start_ms for c in forced] == [0, 833 + 83, 916 + 833 + 83]


def test_monolingual_translation_may_stay_longer_for_its_reading_speed() -> None:
    en = Cue(0, 1000, {"en": ("Okay.",), "zh": ("好的，我们现在就开始", "今天的节目吧。")}, "A", 0)
    later = Cue(5000, 6000, {"en": ("Next.",), "zh": ("下一个。",)}, "A", 0)
    zh = monolingual(Track(("en", "zh"), (en, later)), "zh", OPTS)
    assert zh.cues[0].end_ms == 1000 + OPTS.limits("zh").max_extend_ms
    assert zh.cues[1].end_ms == 6000


def test_english_terms_inside_chinese_stay_whole() -> None:
    units = [u.text for u in text_units("要么做某种增强版的 pre-training，或者用GPT-4来做。", "zh")]
    assert "pre-training，" in units and "GPT-4" in units


def test_translation_in_a_pause_gets_its_own_cue() -> None:
    cues = [
        Cue(0, 2000, {"en": ("First line.",)}, "A", 0),
        Cue(9000, 11000, {"en": ("Second line.",)}, "A", 0),
    ]
    spans = [
        TimedText("第一句。", 0, 2000, "A", 0),
        TimedText("这句话只在翻译里。", 3000, 6000, "A", 0),
        TimedText("第二句。", 9000, 11000, "A", 0),
    ]
    out = stack_translation(cues, spans, "en", "zh", OPTS)
    assert [c.text("zh") for c in out] == ["第一句。", "这句话只在翻译里。", "第二句。"]
    middle = out[1]
    assert set(middle.lines) == {"zh"} and middle.start_ms == 3000
    # a pause too short for a cue of its own: the text joins the nearest cue
    tight = [TimedText("挤。", 2050, 2100, "A", 0)]
    (first, _) = stack_translation(cues, tight, "en", "zh", OPTS)
    assert first.text("zh") == "挤。"


@pytest.mark.parametrize("code", ["zh-Hans", "zh_CN", "ZH", "yue"])
def test_break_costs_read_language_codes_as_pipeline_lang(code: str) -> None:
    from pipeline.subtitles.lines import Unit, break_cost

    for left, right in (("value", "function"), ("Maya", "Chen"), ("我们", "但是")):
        assert break_cost(Unit(left), Unit(right), code) == break_cost(
            Unit(left), Unit(right), "zh"
        )
