"""Lines to turns: the assembly every plain-text reader shares.

Readers differ in which evidence they use (speaker labels or not, a header block,
whether unlabelled lines continue a turn); the assembly is the same and keeps one
promise: every non-blank input line lands in exactly one turn, turns cover
disjoint line ranges in file order, and nothing is dropped. A continuation that
is interrupted (a repeated page title in the middle of a turn) starts a new turn
rather than letting one turn's range swallow the interruption.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pipeline.model import Role, Turn
from pipeline.transcript.lang import detect_lang, dominant_lang
from pipeline.transcript.roles import (
    BODY_RULES,
    HEAD_RULES,
    MARKER_RULES,
    TAIL_MARKERS,
    LineContext,
    ends_open,
    first_role,
)
from pipeline.transcript.speakers import Label, SpeakerBook, build_book
from pipeline.transcript.textfile import split_lines

Join = Literal["labelled", "wrapped", "never"]
#: Adjacent lines of these roles form one turn (a multi-line note, a block of junk).
#: A label whose name the page lost (" :好的，最后一个问题"): a new turn, speaker unknown.
_NAMELESS = re.compile(r"^[:：]\s*(?=\S)")
MERGEABLE: frozenset[Role] = frozenset({"note", "junk", "toc", "summary"})
#: Roles merged across a change of language (a note or summary in each language
#: stays two turns, so each keeps its own language; page chrome is one block).
LANGUAGE_BLIND: frozenset[Role] = frozenset({"junk", "toc"})


@dataclass(frozen=True, slots=True)
class SourceLine:
    """A non-blank input line: 1-based number and stripped text."""

    number: int
    text: str


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How a reader wants lines assembled.

    Attributes:
        labels: recognise speaker labels.
        join: when an unlabelled speech line continues the turn before it:
            "labelled" always (a labelled turn runs until the next label),
            "wrapped" when the text was hard-wrapped mid-sentence, "never".
        header_end: the first this-many non-blank lines are a header block.
        header_default: role of header lines no rule claims.
    """

    labels: bool = True
    join: Join = "labelled"
    header_end: int = 0
    header_default: Role = "note"


def source_lines(text: str) -> list[SourceLine]:
    """The non-blank lines of ``text`` with their 1-based numbers."""
    return [
        SourceLine(number, line.strip())
        for number, line in enumerate(split_lines(text), start=1)
        if line.strip()
    ]


@dataclass(slots=True)
class _Open:
    role: Role
    speaker: str | None
    first: int
    last: int
    index: int
    texts: list[str] = field(default_factory=list)


def build_turns(
    lines: Sequence[SourceLine], opts: BuildOptions, book: SpeakerBook | None = None
) -> list[Turn]:
    """Classify and group ``lines`` into turns."""
    texts = [line.text for line in lines]
    if book is None:
        book = build_book(texts) if opts.labels else SpeakerBook()
    labels, roles = classify(texts, opts, book)
    default_lang = dominant_lang(texts)
    turns: list[Turn] = []
    current: _Open | None = None
    last_speaker: str | None = None
    only_junk_since_speech = False

    def close() -> None:
        nonlocal current
        if current is not None:
            text = "\n".join(current.texts)
            lang = detect_lang(text, default_lang)
            turns.append(
                Turn(current.speaker, lang, text, current.role, current.first, current.last)
            )
        current = None

    for i, (line, label, role) in enumerate(zip(lines, labels, roles, strict=True)):
        if label is None and role == "speech" and book.names and (m := _NAMELESS.match(line.text)):
            label = Label("", line.text[m.end() :].strip(), "weak", "nameless")
        if label is not None:
            close()
            speaker = label.speaker or None
            rest = [label.rest] if label.rest else []
            current = _Open("speech", speaker, line.number, line.number, i, rest)
            last_speaker, only_junk_since_speech = speaker, False
            continue
        adjacent = current is not None and current.index == i - 1
        if role == "speech":
            if (
                current is not None
                and current.role == "speech"
                and adjacent
                and _joins(opts.join, current, line.text)
            ):
                current.texts.append(line.text)
                current.last, current.index = line.number, i
                continue
            speaker = None
            if current is not None and current.role == "speech" and adjacent:
                speaker = current.speaker
            elif only_junk_since_speech:
                speaker = last_speaker
            close()
            current = _Open("speech", speaker, line.number, line.number, i, [line.text])
            last_speaker, only_junk_since_speech = speaker, speaker is not None
            continue
        if current is not None and current.role == "speech":
            only_junk_since_speech = current.speaker is not None
        if role != "junk":
            only_junk_since_speech = False
        if (
            current is not None
            and current.role == role
            and adjacent
            and role in MERGEABLE
            and (
                role in LANGUAGE_BLIND
                or detect_lang(line.text, default_lang)
                == detect_lang(current.texts[-1], default_lang)
            )
        ):
            current.texts.append(line.text)
            current.last, current.index = line.number, i
            continue
        close()
        current = _Open(role, None, line.number, line.number, i, [line.text])
    close()
    return turns


def _joins(join: Join, current: _Open, text: str) -> bool:
    if join == "labelled":
        return True
    if join == "wrapped":
        last = current.texts[-1] if current.texts else ""
        return ends_open(last) and text[:1].islower()
    return False


def classify(
    texts: Sequence[str], opts: BuildOptions, book: SpeakerBook
) -> tuple[list[Label | None], list[Role]]:
    """Label and role of every non-blank line (role "speech" for labelled lines)."""
    n = len(texts)
    repeats = Counter(texts)
    first_text = texts[0] if texts else ""
    has_labels = bool(book.names)
    raw = [book.match(t) if opts.labels else None for t in texts]
    labels: list[Label | None] = []
    roles: list[Role | None] = []
    for i in range(n):
        ctx = _context(texts, i, raw, repeats, first_text, has_labels, opts)
        label = raw[i]
        marker = first_role(MARKER_RULES, ctx)
        if label is not None and (label.strength == "strong" or marker is None):
            labels.append(label)
            roles.append("speech")
        else:
            labels.append(None)
            roles.append(marker)
    labelled = [i for i, label in enumerate(labels) if label is not None]
    first_lab = labelled[0] if labelled else -1
    last_lab = labelled[-1] if labelled else n
    tail = n
    if labelled:
        tail = next((i for i in range(last_lab + 1, n) if TAIL_MARKERS.search(texts[i])), n)
    out: list[Role] = []
    note_in_head = False
    for i in range(n):
        role = roles[i]
        if i >= tail:
            role = "junk"
        elif role is None:
            ctx = _context(texts, i, labels, repeats, first_text, has_labels, opts)
            in_header = i < opts.header_end
            if in_header or i < first_lab:
                role = first_role(HEAD_RULES, ctx)
                if role is None and (in_header or note_in_head):
                    role = opts.header_default if in_header else "note"
            else:
                role = first_role(BODY_RULES, ctx)
        if role == "note" and (i < first_lab or i < opts.header_end):
            note_in_head = True
        out.append(role or "speech")
    return labels, out


def _context(
    texts: Sequence[str],
    i: int,
    labels: Sequence[Label | None],
    repeats: Counter[str],
    first_text: str,
    has_labels: bool,
    opts: BuildOptions,
) -> LineContext:
    nxt = i + 1 if i + 1 < len(texts) else None
    return LineContext(
        text=texts[i],
        index=i,
        count=len(texts),
        repeats=repeats[texts[i]],
        first_text=first_text,
        next_text=texts[nxt] if nxt is not None else "",
        next_labelled=nxt is not None and labels[nxt] is not None,
        has_labels=has_labels,
        header=i < opts.header_end,
    )


def pair_turns(turns: Sequence[Turn], source_lang: str = "en") -> list[tuple[int, int]]:
    """Link each source-language speech turn to its translation next to it.

    Two adjacent speech turns pair when they have the same speaker (or both none)
    and one is in ``source_lang`` and the other is not, in either order; each turn
    pairs at most once, left to right.
    """
    pairs: list[tuple[int, int]] = []
    i = 0
    while i + 1 < len(turns):
        a, b = turns[i], turns[i + 1]
        if (
            a.role == "speech"
            and b.role == "speech"
            and a.speaker == b.speaker
            and a.lang != b.lang
            and source_lang in (a.lang, b.lang)
        ):
            pairs.append((i, i + 1) if a.lang == source_lang else (i + 1, i))
            i += 2
        else:
            i += 1
    return pairs
