"""The sentence-level translation bench's material: a stretch of seed 001 past its tenth minute.

The stretch is seed 001's English turns 55-77 (Dwarkesh Patel and Ilya Sutskever, on emotions as
a value function, through the age of scaling) with their Chinese turns 54-76, and seed 000's
Russian paragraphs 104-169, which translate the same English. The English is spoken by espeak-ng
(the voices and rate of :mod:`bench.cases`), so every English word has a true time.

Sentences are those of the pipeline's splitter
(:func:`pipeline.transcript.sentences.split_sentences`) per turn or paragraph, numbered through the
stretch. The gold file (``bench/gold/bitext_001_000.json``) says, for every Chinese and Russian
sentence, which English sentences (and words) it translates, made by reading both sides (not by
the aligner). It holds indices, word offsets and an 8-digit hash of each sentence, never the
text, so a changed splitter or seed is detected instead of scored. The stretch starts 10:48
into the whole synthesized episode (the 27 English turns before it last 647.7 s).

``python -m bench.bitext_stretch --show en|zh|ru [--words]`` prints the numbered sentences (for
reading; nothing printed is committed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
SEED_001 = SEEDS / "001_bd93ed503ec52d4a.txt"
SEED_000 = SEEDS / "000_961980d7895175af.txt"
GOLD = ROOT / "bench" / "gold" / "bitext_001_000.json"
WORK = ROOT / "bench" / "work" / "bitext-sentences"

EN_TURNS = (55, 77)  # seed 001 turn indices (parsed), inclusive: English side of the stretch
ZH_TURNS = (54, 76)  # their Chinese turns
RU_PARAGRAPHS = (104, 169)  # seed 000 turn (paragraph) indices, inclusive


@dataclass(frozen=True)
class Sentence:
    """One sentence of the stretch: where it comes from and its text (never committed)."""

    index: int  # through the stretch, per language
    turn: int  # the seed's turn (or paragraph) index
    first_token: int  # index of its first whitespace token in its turn
    tokens: int  # how many whitespace tokens it has (CJK: 1 per run without spaces)
    text: str

    @property
    def digest(self) -> str:
        return short_hash(self.text)


def short_hash(text: str) -> str:
    """8 hex digits of SHA-1 over the text with its whitespace squashed."""
    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:8]


def available() -> bool:
    return SEED_001.exists() and SEED_000.exists()


def _turn_texts(path: Path, lo: int, hi: int, lang: str | None) -> list[tuple[int, str]]:
    from pipeline.transcript import read_transcript

    doc = read_transcript(path)
    out = []
    for i in range(lo, hi + 1):
        turn = doc.turns[i]
        if lang is not None and turn.lang != lang:
            continue  # the other language of a bilingual seed
        if turn.role != "speech":
            raise SystemExit(f"{path.name} turn {i} is not speech: the seed changed")
        out.append((i, " ".join(turn.text.split())))
    return out


def _sentences(items: Sequence[tuple[int, str]], lang: str) -> list[Sentence]:
    from pipeline.transcript.sentences import split_sentences

    out: list[Sentence] = []
    for turn, text in items:
        for span in split_sentences(text, lang):
            first = len(text[: span.start].split())
            out.append(Sentence(len(out), turn, first, len(span.text.split()), span.text))
    return out


def english_turns() -> list[tuple[str, str]]:
    """(speaker, text) of the stretch's English turns, as spoken."""
    from pipeline.transcript import read_transcript

    doc = read_transcript(SEED_001)
    lo, hi = EN_TURNS
    return [
        (doc.turns[i].speaker or "Speaker", text) for i, text in _turn_texts(SEED_001, lo, hi, "en")
    ]


def sentence_lists() -> dict[str, list[Sentence]]:
    """The stretch's English, Chinese and Russian sentences, numbered through the stretch."""
    return {
        "en": _sentences(_turn_texts(SEED_001, *EN_TURNS, "en"), "en"),
        "zh": _sentences(_turn_texts(SEED_001, *ZH_TURNS, "zh"), "zh"),
        "ru": _sentences(_turn_texts(SEED_000, *RU_PARAGRAPHS, None), "ru"),
    }


def bilingual_lines() -> list[str]:
    """The stretch's lines of seed 001, in the seed's own format (zh turn, then its en turn)."""
    from pipeline.transcript import read_transcript

    doc = read_transcript(SEED_001)
    first = doc.turns[ZH_TURNS[0]].first_line
    last = doc.turns[EN_TURNS[1]].last_line
    return SEED_001.read_text(encoding="utf-8").splitlines()[first - 1 : last]


def russian_paragraphs() -> list[str]:
    """Seed 000's paragraphs of the stretch (the seed's format: blank lines between)."""
    return [text for _, text in _turn_texts(SEED_000, *RU_PARAGRAPHS, None)]


# --- gold ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldLink:
    """What one translated sentence translates: English sentences ``en`` (consecutive), from
    word ``first_word`` of the first to word ``end_word`` (exclusive) of the last; ``en`` empty:
    no English counterpart."""

    index: int
    digest: str
    en: tuple[int, ...]
    first_word: int = 0
    end_word: int | None = None  # None: to the end of the last sentence


@dataclass(frozen=True)
class Gold:
    en: tuple[str, ...]  # hashes of the English sentences
    links: dict[str, tuple[GoldLink, ...]]  # per translation language


def load_gold(path: Path = GOLD) -> Gold:
    data = json.loads(path.read_text(encoding="utf-8"))
    links: dict[str, tuple[GoldLink, ...]] = {}
    for lang in ("zh", "ru"):
        rows = []
        for k, row in enumerate(data[lang]):
            digest, en = row[0], tuple(row[1])
            first = row[2] if len(row) > 2 else 0
            end = row[3] if len(row) > 3 else None
            rows.append(GoldLink(k, digest, en, first, end))
        links[lang] = tuple(rows)
    return Gold(tuple(data["en"]), links)


def check_gold(gold: Gold, lists: dict[str, list[Sentence]]) -> list[str]:
    """Where the gold no longer matches the sentence lists (empty: it matches)."""
    problems = []
    if list(gold.en) != [s.digest for s in lists["en"]]:
        problems.append("English sentences differ from the gold's (splitter or seed changed)")
    for lang, rows in gold.links.items():
        if [r.digest for r in rows] != [s.digest for s in lists[lang]]:
            problems.append(f"{lang} sentences differ from the gold's (splitter or seed changed)")
        for r in rows:
            if r.en and list(r.en) != list(range(r.en[0], r.en[-1] + 1)):
                problems.append(f"{lang} {r.index}: English sentences not consecutive")
            if r.en and not 0 <= r.en[0] <= r.en[-1] < len(lists["en"]):
                problems.append(f"{lang} {r.index}: English sentence out of range")
    return problems


def gold_times(
    gold: Gold, lists: dict[str, list[Sentence]], truth_words: Sequence[tuple[int, int]]
) -> dict[str, list[tuple[int, int] | None]]:
    """True (start, end) ms of each translated sentence: its English words' truth times.

    ``truth_words`` are the (start, end) of every whitespace token of the stretch's English
    turns, in order (the synthesized truth).
    """
    en = lists["en"]
    turn_base: dict[int, int] = {}
    count = 0
    for s in en:
        turn_base.setdefault(s.turn, count - s.first_token)
        count = turn_base[s.turn] + s.first_token + s.tokens
    out: dict[str, list[tuple[int, int] | None]] = {}
    for lang, rows in gold.links.items():
        times: list[tuple[int, int] | None] = []
        for r in rows:
            if not r.en:
                times.append(None)
                continue
            a, b = en[r.en[0]], en[r.en[-1]]
            first = turn_base[a.turn] + a.first_token + r.first_word
            last = (
                turn_base[b.turn] + b.first_token + (b.tokens if r.end_word is None else r.end_word)
            )
            times.append((truth_words[first][0], truth_words[last - 1][1]))
        out[lang] = times
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bitext_stretch", description=__doc__)
    parser.add_argument("--show", choices=("en", "zh", "ru"), required=True)
    parser.add_argument("--words", action="store_true", help="number the English words")
    args = parser.parse_args(argv)
    for s in sentence_lists()[args.show]:
        text = s.text
        if args.words:
            text = " ".join(f"{k}:{w}" for k, w in enumerate(text.split()))
        print(f"{s.index:3d} t{s.turn} {s.digest} {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
