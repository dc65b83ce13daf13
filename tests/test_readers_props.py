"""Property: every text reader puts every non-blank input line into exactly one turn."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.transcript import FORMATS
from pipeline.transcript.textfile import split_lines

TEXT_READERS = ("plain", "labelled", "bilingual", "lines", "paragraphs")

LABELS = st.sampled_from(
    [
        "",
        "",
        "",
        "Alice: ",
        "**Bob:** ",
        "张三：",
        "Jane Doe (以下称Jane):",
        "Jane :",
        "Demis",
        " :",
    ]
)
FRAGMENTS = st.sampled_from(
    [
        "Hello there.", "你好，今天聊字幕。", "Привет, как дела?", "━━标题━━", "编者按：说明文字",
        "1,024次阅读", "– 列表项", "相关文章", "ufabet ufabet spam here", "Short heading",
        "我们讨论了：", "12",
        "以下是原文的摘要：很长的一段摘要文字，超过三十个字符，用来测试摘要规则。",
        "And it goes on\u00a0", "  ", "",
    ]
)  # fmt: skip
FREE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029"),
    max_size=20,
)
LINE = st.tuples(LABELS, st.one_of(FRAGMENTS, FREE)).map("".join)
NEWLINE = st.sampled_from(["\n", "\n", "\n\n", "\r\n"])

#: Examples per run; raise it for a longer search (the suite's profile stays untouched).
MAX_EXAMPLES = int(os.environ.get("READERS_MAX_EXAMPLES", "80"))


@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.tuples(LINE, NEWLINE), min_size=1, max_size=25))
def test_no_line_lost_or_duplicated(lines: list[tuple[str, str]]) -> None:
    raw = "".join(line + nl for line, nl in lines)
    text = "\n".join(split_lines(raw))
    nonblank = [n for n, line in enumerate(split_lines(text), 1) if line.strip()]
    for fid in TEXT_READERS:
        doc = FORMATS[fid].parse(text, path=Path("prop.txt"))
        covered: list[int] = []
        previous_last = 0
        for turn in doc.turns:
            assert turn.first_line > previous_last, (fid, turn)
            previous_last = turn.last_line
            covered += [n for n in range(turn.first_line, turn.last_line + 1) if n in nonblank]
        assert covered == nonblank, fid
        for s, t in doc.pairs:
            assert doc.turns[s].lang == "en" and doc.turns[t].lang != "en"
