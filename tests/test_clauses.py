"""Translated sentences on the English words they translate: planted splits, joins and gaps.

The embedder is the bag-of-token fake of tests/test_bitext.py (a "translation" is the English
tokens in upper case, so meaning is planted exactly); English words last 300 ms each.
"""

from __future__ import annotations

import pytest

from pipeline.model import Document, TimedWord, Turn, Word
from pipeline.translation.beads import BitextOptions
from pipeline.translation.bitext import place_translation, run_bitext
from pipeline.translation.cuefile import cue_sentences
from pipeline.translation.retime import Placed
from pipeline.translation.sources import SourceSentence, sentence_clauses
from tests.test_bitext import fake_embedder

STEP = 300


def _src(*sentences: str, pause: int = 700) -> list[SourceSentence]:
    out: list[SourceSentence] = []
    t = 0
    for text in sentences:
        words = []
        for w in text.split():
            words.append((w, t, t + STEP - 50))
            t += STEP
        out.append(SourceSentence(text, tuple(words)))
        t += pause
    return out


def _word(src: list[SourceSentence], text: str) -> tuple[str, int, int]:
    """The first English word ``text`` (punctuation ignored)."""
    return next(w for s in src for w in s.words if w[0].strip('.,?!"') == text)


def _place(src: list[SourceSentence], tgt: list[str], recognised: bool = False) -> list[Placed]:
    return place_translation(
        src, tgt, ("en", "zh"), fake_embedder(), BitextOptions(), recognised=recognised
    )


def test_a_short_sentence_between_two_long_ones_is_matched_not_absorbed() -> None:
    # recognised English grouped all three into one "sentence": only the clauses can tell
    src = _src(
        "alpha bravo charlie delta echo foxtrot golf hotel india juliet. Yes. kilo lima mike "
        "november oscar papa quebec romeo sierra tango."
    )
    tgt = [
        "ALPHA BRAVO CHARLIE DELTA ECHO FOXTROT GOLF HOTEL INDIA JULIET。",
        "YES。",
        "KILO LIMA MIKE NOVEMBER OSCAR PAPA QUEBEC ROMEO SIERRA TANGO。",
    ]
    placed = _place(src, tgt, recognised=True)
    yes = _word(src, "Yes")
    assert (placed[1].start_ms, placed[1].end_ms) == (yes[1], yes[2])
    assert placed[0].end_ms == _word(src, "juliet")[2]
    assert placed[2].start_ms == _word(src, "kilo")[1]


def test_one_english_sentence_to_two_splits_at_the_clause_that_carries_the_meaning() -> None:
    # by length the cut would fall near "kilo": the first translation is long for its clause
    src = _src("alpha bravo charlie, delta echo foxtrot golf hotel india juliet kilo lima.")
    tgt = [
        "ALPHA BRAVO CHARLIE 这是一个很长很长的说法，用了许多许多的字，来表达同样的一点点意思。",
        "DELTA ECHO FOXTROT GOLF HOTEL INDIA JULIET KILO LIMA。",
    ]
    placed = _place(src, tgt)
    assert placed[0].start_ms == _word(src, "alpha")[1]
    assert placed[0].end_ms == _word(src, "charlie")[2]
    assert placed[1].start_ms == _word(src, "delta")[1]


def test_one_quoted_english_sentence_to_three_at_its_inner_full_stops() -> None:
    src = _src('people say, "This is amazing. You have got to scale more. Keep scaling."')
    tgt = ["PEOPLE SAY THIS IS AMAZING。", "YOU HAVE GOT TO SCALE MORE。", "KEEP SCALING。"]
    placed = _place(src, tgt)
    assert [p.start_ms for p in placed] == [
        _word(src, "people")[1],
        _word(src, "You")[1],
        _word(src, "Keep")[1],
    ]
    assert all(p.status == "aligned" for p in placed)


def test_two_english_sentences_to_one_span_both() -> None:
    src = _src("alpha bravo charlie.", "delta echo foxtrot golf.", "hotel india juliet kilo lima.")
    tgt = ["ALPHA BRAVO CHARLIE DELTA ECHO FOXTROT GOLF。", "HOTEL INDIA JULIET KILO LIMA。"]
    placed = _place(src, tgt)
    assert (placed[0].start_ms, placed[0].end_ms) == (
        _word(src, "alpha")[1],
        _word(src, "golf")[2],
    )
    assert placed[1].start_ms == _word(src, "hotel")[1]
    assert placed[0].src == (0, 1)


def test_a_translated_sentence_with_no_english_counterpart_goes_between_its_neighbours() -> None:
    src = _src("alpha bravo charlie delta.", "echo foxtrot golf hotel.", pause=2500)
    tgt = ["ALPHA BRAVO CHARLIE DELTA。", "译者加的一句话。", "ECHO FOXTROT GOLF HOTEL。"]
    placed = _place(src, tgt)
    assert placed[0].end_ms == _word(src, "delta")[2]
    assert placed[2].start_ms == _word(src, "echo")[1]
    assert placed[1].status in ("gap", "unplaced")
    if placed[1].status == "gap":
        assert placed[0].end_ms <= (placed[1].start_ms or 0) < (placed[1].end_ms or 0)
        assert (placed[1].end_ms or 0) <= placed[2].start_ms


def test_reordered_clauses_inside_one_sentence_keep_the_whole_sentence() -> None:
    src = _src("if it rains tomorrow, we stay at home.", "alpha bravo charlie delta.")
    tgt = ["WE STAY AT HOME，IF IT RAINS TOMORROW。", "ALPHA BRAVO CHARLIE DELTA。"]
    placed = _place(src, tgt)
    assert (placed[0].start_ms, placed[0].end_ms) == (_word(src, "if")[1], _word(src, "home")[2])
    assert placed[1].start_ms == _word(src, "alpha")[1]


def test_recognised_words_without_a_full_stop_start_a_clause_at_a_capital() -> None:
    s = SourceSentence(
        "were hominids just We do have",
        tuple(
            (w, k * STEP, k * STEP + 250)
            for k, w in enumerate("were hominids just We do have".split())
        ),
    )
    assert [c.text for c in sentence_clauses(0, s, capitals=True)] == [
        "were hominids just",
        "We do have",
    ]
    assert len(sentence_clauses(0, s)) == 1


# --- paired turns ------------------------------------------------------------------------------


def _paired() -> tuple[Document, list[TimedWord]]:
    en0 = "alpha bravo charlie delta echo, foxtrot golf hotel india."
    en1 = "Yes. juliet kilo lima mike november."
    turns = (
        Turn("A", "en", en0),
        Turn("A", "zh", "ALPHA BRAVO CHARLIE DELTA ECHO。FOXTROT GOLF HOTEL INDIA。"),
        Turn("B", "en", en1),
        Turn("B", "zh", "YES。JULIET KILO LIMA MIKE NOVEMBER。"),
    )
    doc = Document(turns, ((0, 1), (2, 3)))
    timed: list[TimedWord] = []
    t = 0
    for turn_index in (0, 2):
        for w in turns[turn_index].text.split():
            timed.append(TimedWord(w, t, t + 250, "aligned", turns[turn_index].speaker, turn_index))
            t += STEP
        t += 800
    return doc, timed


def test_paired_turns_split_inside_their_own_turn() -> None:
    doc, timed = _paired()
    out = run_bitext(doc, [], "en", [], timed, fake_embedder, BitextOptions())
    sentences = out.languages["zh"].sentences
    start = {w.text.strip(".,"): w.start_ms for w in timed}
    assert [p.start_ms for p in sentences] == [
        start["alpha"],
        start["foxtrot"],
        start["Yes"],
        start["juliet"],
    ]
    assert [p.turn_index for p in sentences] == [0, 0, 2, 2]


# --- a subtitle file as the translation --------------------------------------------------------


def test_a_subtitle_file_keeps_its_cues_and_lines_with_new_times() -> None:
    cues = [
        ("ALPHA BRAVO CHARLIE", 90_000),
        ("DELTA ECHO。\nFOXTROT", 92_000),
        ("GOLF HOTEL。", 95_000),
    ]
    turns = tuple(
        Turn(None, "zh", text, prior_start_ms=t, prior_end_ms=t + 1500) for text, t in cues
    )
    doc = Document(turns, (), "srt")
    words = [
        Word(w, k * STEP, k * STEP + 250)
        for k, w in enumerate("alpha bravo charlie delta echo. foxtrot golf hotel.".split())
    ]
    out = run_bitext(doc, [], "en", words, None, fake_embedder, BitextOptions())
    timing = out.languages["zh"]
    assert [c.lines for c in timing.cues] == [
        ("ALPHA BRAVO CHARLIE",),
        ("DELTA ECHO。", "FOXTROT"),
        ("GOLF HOTEL。",),
    ]
    starts = [c.start_ms for c in timing.cues]
    assert starts == [words[0].start_ms, words[3].start_ms, words[6].start_ms]
    assert [s for s in cue_sentences([(k, t) for k, (t, _) in enumerate(cues)], "zh")[0]] == [
        "ALPHA BRAVO CHARLIEDELTA ECHO。",
        "FOXTROTGOLF HOTEL。",
    ]


@pytest.mark.parametrize("pause", [300, 3000])
def test_gap_room_depends_on_the_pause(pause: int) -> None:
    src = _src("alpha bravo charlie delta.", "echo foxtrot golf hotel.", pause=pause)
    placed = _place(src, ["ALPHA BRAVO CHARLIE DELTA。", "多出来的。", "ECHO FOXTROT GOLF HOTEL。"])
    # the gap holds it when it has gap_ms (600 ms) per sentence: the pause plus 50 ms of word end
    assert placed[1].status == ("gap" if pause + 50 >= 600 else "unplaced")


def test_the_stage_reports_its_progress_to_the_end() -> None:
    """The bitext stage's bar: steps per translation language, ending at the total."""
    doc, timed = _paired()
    seen: list[tuple[int, int]] = []
    run_bitext(
        doc,
        [],
        "en",
        [],
        timed,
        fake_embedder,
        BitextOptions(),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
