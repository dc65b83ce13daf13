"""Which lines are not spoken: titles, notes, summaries, tables of contents, web junk.

Decided from the text and its position only (never from per-file rules or line
numbers), as a table of ``(role, why, predicate)`` rules in the manner of srt's
``SUBTITLE_SKIP_CONDITIONS``. Two tables: :data:`MARKER_RULES` fire on a line's
own text and beat a weak (glued) speaker label; :data:`CONTEXT_RULES` need to know
where the line sits (before the first speaker label, between turns, after the
article's end). A line no rule claims is speech: when unsure, keep the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.lang import HAN
from pipeline.model import Role

#: Sentence-final punctuation (ASCII, CJK full-width, closing quotes and brackets).
TERMINAL = '.!?…。！？"”’』」）)~～;；'
#: A heading is at most this many units (one per Han character or Latin word).
MAX_HEADING_UNITS = 16
#: A title is at most this many characters.
MAX_TITLE_CHARS = 150
#: A summary is at least this many characters (shorter: a heading such as "摘要").
MIN_SUMMARY_CHARS = 30

_UNITS = re.compile(rf"[{HAN}]|[^\s{HAN}]+")


@dataclass(frozen=True, slots=True)
class LineContext:
    """What a rule may look at.

    Attributes:
        text: the line, stripped.
        index: position among the file's non-blank lines (0 = first).
        count: number of non-blank lines.
        repeats: how often exactly this text occurs in the file.
        first_text: the file's first non-blank line (its title, if it has one).
        next_text: the next non-blank line ("" at the end).
        next_labelled: the next non-blank line starts with a speaker label.
        has_labels: the file has speaker labels.
        header: the reader knows the line is in a header block before the body.
    """

    text: str
    index: int
    count: int
    repeats: int
    first_text: str
    next_text: str = ""
    next_labelled: bool = False
    has_labels: bool = False
    header: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A role for lines the predicate accepts; ``why`` is the real-world cause."""

    role: Role
    why: str
    applies: Callable[[LineContext], bool]


def units(text: str) -> int:
    """Length in Han characters plus other words: comparable across scripts."""
    return len(_UNITS.findall(text))


def ends_open(text: str) -> bool:
    """The line lacks sentence-final punctuation (titles, headings, list intros)."""
    return not text or text[-1] not in TERMINAL


def _rx(pattern: str, flags: int = re.IGNORECASE) -> Callable[[LineContext], bool]:
    compiled = re.compile(pattern, flags)
    return lambda c: compiled.search(c.text) is not None


_COUNTER = re.compile(
    r"^[\d,.\s]*\d[\d,.\s]*(?:次阅读|次浏览|次播放|阅读|浏览|人看过|views?|reads?|plays?|likes?)$"
    r"|^(?:阅读|浏览|views?|reads?)\s*[:：]?\s*[\d,.]+[kKwW万]?$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"^[\d\s,]+$")
_LIST_ITEM = re.compile(r"^(?:[–—\-•·●▪◦*]|\d{1,2}[.、)）]|[（(]\d{1,2}[)）])\s*\S")
#: Lines that end an article on scraped pages: everything after them is page chrome.
TAIL_MARKERS = re.compile(
    r"^(?:相关文章|相关阅读|相关推荐|推荐阅读|延伸阅读|热门文章|热评文章|最新评论|文章搜索|往期精选|"
    r"往期回顾|正文完|END|THE END|Read More|阅读原文|Related (?:posts|articles)|Comments?|"
    r"Leave a (?:comment|reply)|Share this:?)\s*$"
    r"|^▼|^版权声明|^转载请注明|^本文(?:来源|转载|转自)|扫码|关注公众号|欢迎(?:入群|加群|关注)|入群交流|"
    r"^post-qrcode$|^评论[(（]"
    # comment widgets print the commenter's name twice: "ufabet ufabet Great post…"
    r"|^(\S+(?: \S+){0,2}) \1 .{20}",
    re.IGNORECASE,
)

_SUMMARY = re.compile(
    r"^(?:以下是.{0,30}(?:摘要|总结|概要)|(?:\*\*)?(?:摘要|总结|内容简介|本期简介|summary|tl;?dr)"
    r"(?:\*\*)?\s*[:：]|here'?s a summary|in this episode)"
    r"|\*\*(?:summary|摘要)[:：]?\*\*",
    re.IGNORECASE,
)

_META = re.compile(
    r"^(?:发布时间|发布于|发表于|更新于|来源[:：]|作者[:：]|published|posted|updated)"
    r"|\d+\s*(?:年|个月|月|天|小时|分钟)前|\d{4}-\d{1,2}-\d{1,2}",
    re.IGNORECASE,
)

#: Rules on a line's own text, in order (first match wins).
MARKER_RULES: tuple[Rule, ...] = (
    Rule("junk", "view/read counters on article pages: '1,367次阅读'",
         lambda c: _COUNTER.match(c.text) is not None),
    Rule("junk", "bare counters (likes/shares/comments): '2 0 0'",
         lambda c: _DIGITS.match(c.text) is not None),
    Rule("junk", "comment widgets: '没有评论', '3 comments'",
         _rx(r"^(?:没有评论|暂无评论|\d+\s*条评论|no comments(?: yet)?|\d+ comments?)$")),
    Rule("heading", "decorated section headings: '━━标题━━', '## Title', '【标题】'",
         _rx(r"^(?:[━─═=■▌▍#]{1,}.{0,60}[━─═=]*|【[^】]{1,40}】)$")),
    Rule("note", "editor's or translator's notes: '编者按', 'Editor's note'",
         _rx(r"^[\[【(（]?(?:编者按|编者注|编辑按|编辑注|译者按|译者注|译注|按语|"
             r"editor'?s note|translator'?s note|note from the editor)")),
    Rule("summary", "machine or editor summaries: '以下是…摘要', '**Summary:**', 'TL;DR'",
         lambda c: len(c.text) >= MIN_SUMMARY_CHARS and _SUMMARY.search(c.text) is not None),
    Rule("note", "publication metadata: '发布时间 2025-05-22', '1年前 (2023)', 'Posted on'",
         lambda c: units(c.text) <= 24 and _META.search(c.text) is not None),
    Rule("junk", "the title repeated by page templates further down",
         lambda c: c.index > 0 and c.text == c.first_text and c.repeats > 1),
    Rule("heading", "the title: first line, short, no sentence end, in a structured file",
         lambda c: c.index == 0 and len(c.text) <= MAX_TITLE_CHARS and ends_open(c.text)
         and (c.has_labels or c.header or c.repeats > 1)),
)  # fmt: skip


#: Rules that need the line's place, applied to lines no marker or label claimed.
HEAD_RULES: tuple[Rule, ...] = (
    Rule("toc", "a list introduced in the header: '我们讨论了:' then '– 智能的本质'",
         lambda c: c.text[-1] in ":：" and _LIST_ITEM.match(c.next_text) is not None),
    Rule("toc", "list items in the header (a table of contents)",
         lambda c: _LIST_ITEM.match(c.text) is not None and units(c.text) <= 24),
    Rule("heading", "short lines without a sentence end in the header",
         lambda c: units(c.text) <= MAX_HEADING_UNITS and ends_open(c.text)),
)  # fmt: skip

BODY_RULES: tuple[Rule, ...] = (
    Rule("heading", "a short line with no sentence end right before a labelled turn",
         lambda c: c.has_labels and c.next_labelled and units(c.text) <= MAX_HEADING_UNITS
         and ends_open(c.text)),
)  # fmt: skip


def first_role(rules: tuple[Rule, ...], ctx: LineContext) -> Role | None:
    """Role from the first rule that applies, or None."""
    for rule in rules:
        if rule.applies(ctx):
            return rule.role
    return None
