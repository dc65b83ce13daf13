"""English sentences with word times, and the clauses translated sentences are placed on.

Three sources of English sentences, all with word times:

* paired input: the transcript's own sentences, timed by the aligned words;
* a separate translation with the English transcript (``--source-text``): the same;
* translation only: sentences grouped from the recognised words (punctuation, pauses).

A *clause* is a run of a sentence's timed words ending after clause or sentence punctuation
(``,;:`` dashes, ``.!?…``, with closing quotes): the places where one translated sentence may end
and the next begin when the translation splits or joins English sentences differently
(:mod:`pipeline.translation.clauses`). "You will get results. You will know..." inside one
quoted English sentence is two clauses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pipeline.model import Document, TimedWord, Word
from pipeline.timing.onsets import OnsetOptions
from pipeline.transcript.sentences import word_sentences
from pipeline.translation.beads import BitextOptions
from pipeline.translation.pairs import SentenceRef

TimedToken = tuple[str, int, int]  # (text, start ms, end ms)

_CLOSE = "\"'”’»)\\]"
CLAUSE_END = re.compile(rf"(?:[,;:—–]|[.!?…]+)[{_CLOSE}]*$|^[—–]$")
SENTENCE_END = re.compile(rf"[.!?…]+[{_CLOSE}]*$")


@dataclass(frozen=True, slots=True)
class SourceSentence:
    """An English sentence with its words' times (empty when no audio supports it)."""

    text: str
    words: tuple[TimedToken, ...]
    speaker: str | None = None
    turn_index: int = -1

    @property
    def timed(self) -> bool:
        return bool(self.words)


@dataclass(frozen=True, slots=True)
class Clause:
    """Consecutive words of one English sentence, ending at a clause or sentence end.

    Attributes:
        text: the words' text, joined by spaces (the sentence's text when it has no words).
        words: the timed words (empty: the sentence has no audio).
        sentence: index of its source sentence.
        final: whether it ends its sentence.
        stop: whether it ends at sentence punctuation (its sentence's end, or a full stop
            inside a quoted passage the splitter kept as one sentence).
    """

    text: str
    words: tuple[TimedToken, ...]
    sentence: int
    final: bool
    stop: bool


def asr_sentences(words: Sequence[Word], opts: BitextOptions) -> list[SourceSentence]:
    """Sentences grouped from recognised words."""
    out: list[SourceSentence] = []
    for a, b in word_sentences(words, pause_ms=opts.pause_ms, max_words=opts.max_words):
        chunk = words[a:b]
        out.append(
            SourceSentence(
                " ".join(w.text.strip() for w in chunk),
                tuple((w.text.strip(), w.start_ms, w.end_ms) for w in chunk),
            )
        )
    return out


def transcript_sentences(
    refs: Sequence[SentenceRef], doc: Document, timed: Sequence[TimedWord]
) -> list[SourceSentence]:
    """Transcript sentences timed by the aligned words (one TimedWord per whitespace token)."""
    by_turn: dict[int, list[TimedWord]] = {}
    for w in timed:
        by_turn.setdefault(w.turn_index, []).append(w)
    offsets: dict[int, list[int]] = {}
    out: list[SourceSentence] = []
    for ref in refs:
        if ref.turn_index not in offsets:
            text = doc.turns[ref.turn_index].text
            offsets[ref.turn_index] = [m.start() for m in re.finditer(r"\S+", text)]
        starts = offsets[ref.turn_index]
        words = by_turn.get(ref.turn_index, [])
        picked = [
            (w.text, w.start_ms, w.end_ms)
            for pos, w in zip(starts, words, strict=False)
            if ref.start <= pos < ref.end and w.start_ms is not None and w.end_ms is not None
        ]
        speaker = doc.turns[ref.turn_index].speaker
        out.append(SourceSentence(ref.text, tuple(picked), speaker, ref.turn_index))
    return out


def sharpen_recognised(
    samples: npt.NDArray[np.float32],
    words: Sequence[Word],
    regions: Sequence[tuple[int, int]],
    onsets: OnsetOptions,
) -> tuple[Word, ...]:
    """Recognised words with their starts where the speech starts, as aligned words get them.

    Starts lying in a pause go to the speech region's onset (``regions``: the vad stage's;
    none: skipped), a word far longer than its text needs starts after the pause inside it
    (Whisper often glues a sentence's first word to the end of the one before, across the
    pause: :mod:`pipeline.timing.pauses`, measured on real and synthetic speech), and each start
    moves onto the energy dip at its onset (:func:`pipeline.timing.onsets.sharpen_starts`).
    """
    from pipeline.timing.matching import snap_to_speech
    from pipeline.timing.onsets import sharpen_starts
    from pipeline.timing.pauses import trim_leading_pauses
    from pipeline.timing.records import AlignOptions

    timed: list[TimedWord] = [TimedWord(w.text, w.start_ms, w.end_ms, "aligned") for w in words]
    if regions:
        timed = snap_to_speech(timed, list(regions), AlignOptions().vad_onset_ms)
    timed = list(trim_leading_pauses(samples, timed))
    moved = sharpen_starts(samples, timed, onsets)
    return tuple(
        Word(w.text, t.start_ms or w.start_ms, t.end_ms or w.end_ms, w.probability)
        for w, t in zip(words, moved, strict=True)
    )


def _capital_start(word: str) -> bool:
    """Whether a recognised word looks like a sentence start whose full stop was not written."""
    core = word.lstrip("\"'“‘(")
    return core[:1].isupper() and core.split("'")[0].split("’")[0] not in ("I", "OK", "AI")


def sentence_clauses(index: int, sentence: SourceSentence, capitals: bool = False) -> list[Clause]:
    """One sentence's clauses (a sentence without timed words is one clause of its text).

    With ``capitals`` (recognised words, whose punctuation Whisper sometimes leaves out) a
    capitalised word also starts a clause: "... hominids, just We do have ...".

    >>> s = SourceSentence("Yes, it works. Fine.", (("Yes,", 0, 1), ("it", 2, 3),
    ...                    ("works.", 4, 5), ("Fine.", 6, 7)))
    >>> [(c.text, c.stop) for c in sentence_clauses(0, s)]
    [('Yes,', False), ('it works.', True), ('Fine.', True)]
    """
    if not sentence.words:
        return [Clause(sentence.text, (), index, True, True)]
    out: list[Clause] = []
    run: list[TimedToken] = []
    words = sentence.words
    for k, word in enumerate(words):
        run.append(word)
        last = k == len(words) - 1
        if CLAUSE_END.search(word[0]) or last or (capitals and _capital_start(words[k + 1][0])):
            stop = last or bool(SENTENCE_END.search(word[0]))
            out.append(Clause(" ".join(w[0] for w in run), tuple(run), index, last, stop))
            run = []
    return out


def source_clauses(src: Sequence[SourceSentence], capitals: bool = False) -> list[Clause]:
    """Every sentence's clauses, in order (``capitals``: see :func:`sentence_clauses`)."""
    return [c for k, s in enumerate(src) for c in sentence_clauses(k, s, capitals)]
