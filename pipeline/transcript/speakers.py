"""Speaker labels: the styles transcripts use, alias introductions, per-file names.

A label-looking prefix is trusted as a speaker only when the file uses it like
one: in bold, in an introduction, more than once, or in a file where nearly every
line is labelled. That keeps "编者按:" or "Summary:" as text without a per-file
rule. Names are normalised per file: an introduction such as
``Dwarkesh Patel (以下称Patel):`` makes every later ``Patel`` that person, and a
single-word label that is one word of exactly one full name becomes that name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pipeline.lang import CJK  # Han, kana and hangul: text a glued label may run straight into

_L = "A-Za-z\u00c0-\u024f\u0400-\u04ff"
_WORD = rf"[{_L}0-9'’.\-]*"
#: Up to four words, the first capitalised: "Ilya", "Dwarkesh Patel", "Speaker 2".
_LATIN_NAME = rf"[A-Z\u00c0-\u00de\u0410-\u042f\u0401]{_WORD}(?:[ \u00a0][{_L}0-9]{_WORD}){{0,3}}"
_CJK_NAME = rf"[{CJK}]{{1,6}}"
NAME = rf"(?:{_LATIN_NAME}|{_CJK_NAME})"

Strength = Literal["strong", "weak"]


@dataclass(frozen=True, slots=True)
class LabelStyle:
    """One way of writing a speaker label.

    Attributes:
        name: style id, for messages and tests.
        pattern: regex with groups ``name``, ``rest`` and optionally ``alias``.
        trusted: a match names a speaker without further evidence.
        why: where this style comes from.
    """

    name: str
    pattern: re.Pattern[str]
    trusted: bool
    why: str


LABEL_STYLES: tuple[LabelStyle, ...] = (
    LabelStyle(
        "bold",
        re.compile(r"^\*\*\s*(?P<name>[^*:：\n]{1,40}?)\s*[:：]\s*\*\*\s*(?P<rest>.*)$"),
        True,
        "Markdown exports: **Name:** text",
    ),
    LabelStyle(
        "bold-outside",
        re.compile(r"^\*\*\s*(?P<name>[^*:：\n]{1,40}?)\s*\*\*\s*[:：]\s*(?P<rest>.*)$"),
        True,
        "Markdown exports with the colon outside the bold: **Name**: text",
    ),
    LabelStyle(
        "intro",
        re.compile(
            rf"^(?P<name>{NAME})\s*[(（]\s*(?:以下简称|以下称|下称|简称|hereafter|hereinafter)"
            rf"\s*[:：]?\s*(?P<alias>{NAME})\s*[)）]\s*[:：]\s*(?P<rest>.*)$",
            re.IGNORECASE,
        ),
        True,
        "Chinese articles introduce a speaker once by full name: Full Name (以下称Alias):",
    ),
    LabelStyle(
        "colon",
        re.compile(rf"^(?P<name>{NAME})\s*[:：]\s*(?P<rest>\S.*)$"),
        False,
        "Name: / Name : / Name： (scraped pages vary the spacing and the colon's width)",
    ),
)

#: Label-looking prefixes that are never speakers (compared case-folded).
NON_SPEAKER_LABELS: frozenset[str] = frozenset(
    {
        "note", "notes", "summary", "title", "date", "source", "update", "updated",
        "editor's note", "translator's note", "tl;dr", "transcript", "episode", "link",
        "links", "tags", "keywords", "author", "published", "warning", "disclaimer",
        "编者按", "编者注", "译者注", "摘要", "版权声明", "转载请注明", "来源", "注", "注释",
        "原文", "作者", "时间", "发布时间", "链接", "标题", "简介", "关键词", "权益福利", "更新",
        "声明", "备注", "提示", "导语", "前言", "参考", "参考资料",
    }
)  # fmt: skip

#: A capitalised Latin name glued to CJK text: "Demis嗯，…" (scraped pages lose the colon).
_GLUED_CANDIDATE = re.compile(rf"^(?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+)?) ?(?=[{CJK}])")
#: A glued name must open at least this many lines, and this share of all lines.
MIN_GLUED_COUNT = 3
MIN_GLUED_SHARE = 0.05
#: Share of labelled lines above which a label used once is still trusted.
DENSE_LABEL_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Label:
    """A speaker label found at the start of a line."""

    speaker: str
    rest: str
    strength: Strength
    style: str


@dataclass(frozen=True, slots=True)
class SpeakerBook:
    """The speakers of one file and how each way of writing them maps to one name.

    Attributes:
        names: lower-cased spelling (full name or alias) -> display name.
        glued: compiled pattern for known names written without a separator.
    """

    names: dict[str, str] = field(default_factory=dict)
    glued: re.Pattern[str] | None = None

    @property
    def speakers(self) -> tuple[str, ...]:
        """Distinct display names."""
        return tuple(dict.fromkeys(self.names.values()))

    def resolve(self, name: str) -> str | None:
        """Display name for a spelling, or None when it is not a speaker of this file."""
        return self.names.get(_key(name))

    def match(self, line: str) -> Label | None:
        """The speaker label at the start of ``line``, if any."""
        for style in LABEL_STYLES:
            m = style.pattern.match(line)
            if m is None:
                continue
            speaker = self.resolve(m["name"])
            if speaker is not None:
                return Label(speaker, m["rest"].strip(), "strong", style.name)
        if self.glued is not None:
            m = self.glued.match(line)
            if m is not None:
                speaker = self.resolve(m["name"])
                if speaker is not None:
                    return Label(speaker, line[m.end() :].strip(), "weak", "glued")
        return None


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _clean(name: str) -> str:
    return " ".join(name.split())


#: A label used once is taken for a name only when it is this short ("The Age of Research:
#: A Conversation" opening a transcript is its title, not a speaker).
MAX_ONE_OFF_NAME_WORDS = 3


def _name_like(key: str) -> bool:
    """Whether a one-off label could be a person's name: a few words, no digits."""
    return len(key.split()) <= MAX_ONE_OFF_NAME_WORDS and not any(ch.isdigit() for ch in key)


def build_book(lines: Sequence[str]) -> SpeakerBook:
    """Find the speakers of a file from its non-blank lines."""
    counts: Counter[str] = Counter()
    display: dict[str, str] = {}
    trusted: set[str] = set()
    aliases: dict[str, str] = {}
    labelled_lines = 0
    seen: set[tuple[str, str]] = set()
    for line in lines:
        for style in LABEL_STYLES:
            m = style.pattern.match(line)
            if m is None:
                continue
            name = _clean(m["name"])
            key = _key(name)
            if key in NON_SPEAKER_LABELS:
                break
            labelled_lines += 1
            # Count distinct lines: a page template repeating "Title：subtitle" is no speaker.
            if (key, m["rest"]) not in seen:
                seen.add((key, m["rest"]))
                counts[key] += 1
            display.setdefault(key, name)
            if style.trusted:
                trusted.add(key)
            if "alias" in m.groupdict() and m["alias"]:
                alias = _clean(m["alias"])
                aliases[_key(alias)] = key
                display.setdefault(_key(alias), alias)
            break
    # A label used once counts only in a file of unmarked labels ("Alice: Hello."):
    # beside **bold** labels, a one-off "第一个词:" is a colon inside the text.
    dense = bool(lines) and not trusted and labelled_lines >= DENSE_LABEL_SHARE * len(lines)
    accepted = {k for k, n in counts.items() if k in trusted or n >= 2 or (dense and _name_like(k))}
    accepted |= set(aliases)
    glued_counts = Counter(
        m["name"] for line in lines if (m := _GLUED_CANDIDATE.match(line)) is not None
    )
    for name, n in glued_counts.items():
        if n >= MIN_GLUED_COUNT and n >= MIN_GLUED_SHARE * len(lines):
            key = _key(name)
            if key not in NON_SPEAKER_LABELS:
                accepted.add(key)
                display.setdefault(key, name)
    names = _resolve_aliases(accepted, aliases, display)
    glued = None
    if names:
        spellings = sorted(names, key=len, reverse=True)
        alternatives = "|".join(re.escape(display.get(s, s)) for s in spellings)
        # A known name runs into CJK text ("Demis嗯") or, with no space, into a capitalised
        # word ("DwarkeshDeepMind 在…"): both are scraped pages that dropped the colon.
        glued = re.compile(rf"^(?P<name>{alternatives})(?:[ \u00a0]?(?=[{CJK}])|(?=[A-Z]))")
    return SpeakerBook(names, glued)


def _resolve_aliases(
    accepted: set[str], aliases: dict[str, str], display: dict[str, str]
) -> dict[str, str]:
    """Map every accepted spelling to its display name (full names win over aliases)."""
    target: dict[str, str] = {}
    full_names = [k for k in accepted if " " in k and k not in aliases]
    for key in accepted:
        if key in aliases:
            target[key] = aliases[key]
            continue
        if " " not in key:
            owners = [full for full in full_names if key in full.split(" ")]
            if len(owners) == 1:
                target[key] = owners[0]
                continue
        target[key] = key
    return {key: display[value] for key, value in target.items()}
