"""Translation alignment: planted merges, splits, omissions and insertions are recovered."""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence

import numpy as np
import pytest

from pipeline.model import Document, Turn
from pipeline.translation.beads import Bead, BitextOptions, align_sentences
from pipeline.translation.embed import CachedEmbedder, Matrix
from pipeline.translation.pairs import align_paired

DIM = 96


def _token_vector(token: str) -> np.ndarray:
    rng = np.random.default_rng(zlib.crc32(token.lower().encode()))
    return rng.normal(size=DIM)


def fake_encode(texts: Sequence[str]) -> Matrix:
    """Bag of token vectors plus a shared offset (real e5 similarities are compressed too)."""
    shared = np.random.default_rng(7).normal(size=DIM) * 1.2
    rows = []
    for text in texts:
        tokens = [t.strip(".。,，") for t in text.split()]
        vec = np.zeros(DIM)
        for t in tokens:
            if t:
                vec += _token_vector(t)
        vec = vec / max(float(np.linalg.norm(vec)), 1e-9)
        rows.append(vec + shared / np.linalg.norm(shared) * 2.5)
    return np.array(rows, dtype=np.float32)


def fake_embedder() -> CachedEmbedder:
    return CachedEmbedder(fake_encode)


def make_bitext(
    n: int, seed: int, plants: int
) -> tuple[list[str], list[str], list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """Source sentences, a 'translation' (same tokens, upper case) and the true beads."""
    rng = random.Random(seed)
    src = [" ".join(f"s{i}w{k}" for k in range(rng.randint(3, 14))) + "." for i in range(n)]
    tgt: list[str] = []
    truth: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    kinds = ["1-1"] * n
    for pos in rng.sample(range(2, n - 3, 4), plants):
        kinds[pos] = rng.choice(["merge", "split", "omit", "insert"])
    i = 0
    while i < n:
        kind = kinds[i]
        words = src[i].rstrip(".").upper().split()
        if kind == "merge" and i + 1 < n:
            more = src[i + 1].rstrip(".").upper().split()
            truth.append(((i, i + 1), (len(tgt),)))
            tgt.append(" ".join(words + more) + "。")
            i += 2
            continue
        if kind == "split" and len(words) >= 6:
            half = len(words) // 2
            truth.append(((i,), (len(tgt), len(tgt) + 1)))
            tgt += [" ".join(words[:half]) + "。", " ".join(words[half:]) + "。"]
        elif kind == "omit":
            truth.append(((i,), ()))
        elif kind == "insert":
            truth.append(((), (len(tgt),)))
            tgt.append(" ".join(f"x{i}n{k}" for k in range(5)) + "。")
            truth.append(((i,), (len(tgt),)))
            tgt.append(" ".join(words) + "。")
        else:
            truth.append(((i,), (len(tgt),)))
            tgt.append(" ".join(words) + "。")
        i += 1
    return src, tgt, truth


def _pairs(beads: list[Bead]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(b.src, b.tgt) for b in beads]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_edits_are_recovered(seed: int) -> None:
    src, tgt, truth = make_bitext(60, seed, 8)
    beads = align_sentences(src, tgt, "en", "ru", fake_embedder())
    assert _pairs(beads) == truth


def test_long_input_uses_the_band_and_stays_exact() -> None:
    src, tgt, truth = make_bitext(700, 5, 60)
    opts = BitextOptions(full_cells=10_000)
    beads = align_sentences(src, tgt, "en", "ru", fake_embedder(), opts)
    got = _pairs(beads)
    correct = len(set(got) & set(truth)) / len(truth)
    assert correct > 0.98


def test_every_sentence_is_in_exactly_one_bead() -> None:
    src, tgt, _ = make_bitext(40, 9, 6)
    beads = align_sentences(src, tgt, "en", "ru", fake_embedder())
    assert [i for b in beads for i in b.src] == list(range(len(src)))
    assert [j for b in beads for j in b.tgt] == list(range(len(tgt)))


def test_empty_sides() -> None:
    beads = align_sentences([], ["a。", "b。"], "en", "zh", fake_embedder())
    assert _pairs(beads) == [((), (0,)), ((), (1,))]
    beads = align_sentences(["a."], [], "en", "zh", fake_embedder())
    assert _pairs(beads) == [((0,), ())]


def _paired_doc(en: list[str], zh: list[str]) -> Document:
    turns: list[Turn] = []
    pairs: list[tuple[int, int]] = []
    for k, (e, z) in enumerate(zip(en, zh, strict=True)):
        speaker = "A" if k % 2 == 0 else "B"
        turns += [Turn(speaker, "zh", z), Turn(speaker, "en", e)]
        pairs.append((len(turns) - 1, len(turns) - 2))
    return Document(tuple(turns), tuple(pairs), "bilingual")


def test_paired_mode_recovers_turns_out_of_step() -> None:
    src, tgt, _ = make_bitext(90, 4, 0)
    en = [" ".join(src[i : i + 3]) for i in range(0, 90, 3)]
    zh = [" ".join(tgt[i : i + 3]) for i in range(0, 90, 3)]
    # from turn 12 on, the English runs two sentences ahead of its Chinese
    shifted = " ".join(src[36:])
    en_bad = en[:12] + [" ".join(src[i : i + 3]) for i in range(38, 90, 3)]
    en_bad += [""] * (len(en) - len(en_bad))
    en_bad = [e or "Okay." for e in en_bad]
    assert shifted
    result = align_paired(_paired_doc(en_bad, zh), "en", "zh", fake_embedder(), BitextOptions())
    assert result.stretches, "the out-of-step pairs must be reported"
    first = result.stretches[0]
    assert first.first_pair <= 12
    src_texts = result.src.texts
    tgt_texts = result.tgt.texts
    matched = {
        (src_texts[b.src[0]].split()[0].lower(), tgt_texts[b.tgt[0]].split()[0].lower())
        for b in result.beads
        if len(b.src) == 1 and len(b.tgt) == 1
    }
    wrong = [(a, b) for a, b in matched if a != b]
    assert not wrong
    # the first twelve pairs were consistent and are aligned inside their turns
    assert all(check.ok for check in result.checks[:11])


@pytest.mark.model
def test_real_embeddings_align_the_sample_sentences() -> None:
    from media.make_sample import TURNS
    from pipeline.transcript.sentences import split_sentences
    from pipeline.translation.embed import load_embedder

    en = [s.text for _, e, _ in TURNS for s in split_sentences(e, "en")]
    zh = [s.text for _, _, z in TURNS for s in split_sentences(z, "zh")]
    # drop two Chinese sentences and merge two others: the aligner must notice both
    zh_edit = [*zh[:5], zh[5] + zh[6], *zh[7:20], *zh[22:]]
    beads = align_sentences(en, zh_edit, "en", "zh", load_embedder())
    got = {(b.src, b.tgt) for b in beads}
    assert ((5, 6), (5,)) in got
    assert ((20,), ()) in got and ((21,), ()) in got
    one_to_one = [b for b in beads if len(b.src) == 1 and len(b.tgt) == 1]
    assert len(one_to_one) >= len(en) - 6
