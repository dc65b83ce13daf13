"""The five real transcripts in ../shared/seeds parse unchanged into the expected documents.

The seeds are read-only and not part of the repository: these tests read them in
place and skip when they are absent. Only short marker strings (a label, a
heading marker) appear here, never the seeds' text.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipeline.model import Document
from pipeline.transcript import document_to_json, read_transcript
from pipeline.transcript.textfile import read_text, split_lines

SEEDS = Path(__file__).parents[2] / "shared" / "seeds"


def seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip(f"seed {prefix} not available under {SEEDS}")
    return found[0]


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    return {}


def parsed(prefix: str, cache: dict[str, Document]) -> Document:
    if prefix not in cache:
        cache[prefix] = read_transcript(seed(prefix))
    return cache[prefix]


def speech_by_speaker(doc: Document) -> Counter[str | None]:
    return Counter(t.speaker for t in doc.turns if t.role == "speech")


def lines_of(path: Path) -> dict[int, str]:
    text = read_text(path).text
    return {n: line.strip() for n, line in enumerate(split_lines(text), 1) if line.strip()}


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_every_line_in_exactly_one_turn(prefix: str, docs: dict[str, Document]) -> None:
    doc = parsed(prefix, docs)
    nonblank = lines_of(seed(prefix))
    covered: list[int] = []
    previous_last = 0
    for turn in doc.turns:
        assert turn.first_line > previous_last, "turns overlap or are out of order"
        previous_last = turn.last_line
        covered += [n for n in range(turn.first_line, turn.last_line + 1) if n in nonblank]
    assert covered == sorted(nonblank)
    assert len(document_to_json(doc)["turns"]) == len(doc.turns)


def test_000_russian_paragraphs(docs: dict[str, Document]) -> None:
    doc = parsed("000", docs)
    assert doc.format == "lines"
    assert speech_by_speaker(doc) == {None: 688}
    assert {t.lang for t in doc.turns} == {"ru"}


def test_001_bilingual_pairs(docs: dict[str, Document]) -> None:
    doc = parsed("001", docs)
    assert doc.format == "bilingual"
    assert len(doc.pairs) == 135
    assert speech_by_speaker(doc) == {"Dwarkesh Patel": 136, "Ilya Sutskever": 134}
    for en, zh in doc.pairs:
        assert (doc.turns[en].lang, doc.turns[zh].lang) == ("en", "zh")
        assert doc.turns[en].speaker == doc.turns[zh].speaker
        assert doc.turns[zh].last_line < doc.turns[en].first_line
    # Chinese turns that continue over unlabelled lines hold those lines.
    zh_multi = [t for t in doc.turns if t.lang == "zh" and t.last_line > t.first_line]
    assert zh_multi and all(t.text.count("\n") == t.last_line - t.first_line for t in zh_multi)
    assert all(t.role == "speech" for t in doc.turns)


def test_002_article_with_alias_introductions(docs: dict[str, Document]) -> None:
    doc = parsed("002", docs)
    counts = speech_by_speaker(doc)
    assert set(counts) == {"Dwarkesh Patel", "Ilya Sutskever"}
    assert 80 <= counts["Dwarkesh Patel"] <= 90 and 80 <= counts["Ilya Sutskever"] <= 90
    roles = Counter(t.role for t in doc.turns)
    assert doc.turns[0].role == "heading"
    assert roles["heading"] >= 9  # the title and the ━━ section headings
    for turn in doc.turns:
        if "━━" in turn.text or turn.text.startswith("编者按") or "版权声明" in turn.text:
            assert turn.role != "speech", turn
    assert all(t.lang == "zh" for t in doc.turns if t.role == "speech")


def test_003_paragraph_pairs_after_header(docs: dict[str, Document]) -> None:
    doc = parsed("003", docs)
    assert doc.format == "paragraphs"
    assert len(doc.pairs) == 210
    first_pair = min(min(p) for p in doc.pairs)
    header = doc.turns[:first_pair]
    assert header and all(t.role != "speech" for t in header)
    assert header[0].role == "heading"
    assert Counter(t.role for t in header)["summary"] == 2
    assert all(t.role == "speech" for t in doc.turns[first_pair:])
    for en, zh in doc.pairs:
        assert (doc.turns[en].lang, doc.turns[zh].lang) == ("en", "zh")


def test_004_scraped_article_with_glued_names(docs: dict[str, Document]) -> None:
    doc = parsed("004", docs)
    counts = speech_by_speaker(doc)
    assert 40 <= counts["Dwarkesh"] <= 50 and 40 <= counts["Demis"] <= 50
    assert counts[None] <= 1  # one turn whose label lost its name (" :…")
    title = doc.turns[0]
    assert title.role == "heading"
    roles = Counter(t.role for t in doc.turns)
    assert roles["toc"] >= 1 and roles["heading"] >= 8 and roles["note"] >= 1
    for turn in doc.turns:
        if turn.role == "speech":
            assert title.text not in turn.text
            assert not any(m in turn.text for m in ("次阅读", "编者按", "ufabet", "相关文章"))
    tail = doc.turns[-1]
    assert tail.role == "junk"
