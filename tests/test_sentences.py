"""Sentence and clause splitting per language; sentences from recognised words."""

from __future__ import annotations

import pytest

from pipeline.model import Word
from pipeline.transcript.sentences import (
    split_clauses,
    split_sentences,
    text_length,
    word_sentences,
)


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "en",
            "Mr. Smith said hi. Then 3.5 hours passed!",
            ["Mr. Smith said hi.", "Then 3.5 hours passed!"],
        ),
        (
            "ru",
            "Знаешь, что безумно? Что всё это реально. Т. е. так.",
            ["Знаешь, что безумно?", "Что всё это реально.", "Т. е. так."],
        ),
        (
            "zh",
            "你知道什么最疯狂吗?就是这一切都是真的。",
            ["你知道什么最疯狂吗?", "就是这一切都是真的。"],
        ),
        ("zh", "他说：“走吧！”然后……我们走了。", ["他说：“走吧！”", "然后……", "我们走了。"]),
        ("zh", "没有句号的结尾", ["没有句号的结尾"]),
        ("zh-Hans", "（对。）好的！", ["（对。）", "好的！"]),
    ],
)
def test_split_sentences(lang: str, text: str, expected: list[str]) -> None:
    spans = split_sentences(text, lang)
    assert [s.text for s in spans] == expected
    for s in spans:
        assert text[s.start : s.end] == s.text


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("  ", "en") == []


def test_clauses() -> None:
    assert [c.text for c in split_clauses("Yes, I agree; but not now.", "en")] == [
        "Yes,",
        "I agree;",
        "but not now.",
    ]


def test_text_length_ignores_spaces_in_cjk() -> None:
    assert text_length("中文 字幕", "zh") == 4
    assert text_length("two  words", "en") == 9


def _words(spec: list[tuple[str, int]]) -> list[Word]:
    out, t = [], 0
    for text, gap in spec:
        t += gap
        out.append(Word(text, t, t + 200))
        t += 200
    return out


def test_word_sentences_split_at_long_pauses_once_long_enough() -> None:
    words = _words([("so", 0), ("we", 50), ("went", 50), ("home", 50), ("then", 900), ("ate", 50)])
    assert word_sentences(words) == [(0, 4), (4, 6)]
    short = _words([("so", 0), ("we", 900), ("went", 50)])
    assert word_sentences(short) == [(0, 3)]


def test_word_sentences_cap_long_runs_at_their_longest_pause() -> None:
    words = _words([(f"w{k}", 400 if k == 7 else 50) for k in range(12)])
    got = word_sentences(words, max_words=10, pause_ms=5000)
    assert got == [(0, 7), (7, 12)]
