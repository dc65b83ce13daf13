"""The align stage's records: its options, the transcript words it times, and its result.

Both engines share them: the forced engine (:mod:`pipeline.timing.forced`) and the
transcribe-then-match engine (:mod:`pipeline.timing.matching`) take :class:`SourceWord` in
order and give back an :class:`Alignment`, configured by one :class:`AlignOptions` (config
section ``align``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.model import Document, TimedWord

ENGINES = ("forced", "transcribe")

__all__ = ["ENGINES", "AlignOptions", "Alignment", "SourceWord", "document_words"]


@dataclass(frozen=True, slots=True)
class AlignOptions:
    """Options of the aligner.

    Attributes:
        ngram: longest anchor n-gram, in tokens; shorter ones are tried in
            windows where the long ones find nothing.
        fuzzy_threshold: rapidfuzz ratio (0-100) above which two different
            tokens still count as the same word ("colour" ~ "color").
        band: half-width, in tokens, of the DP band in a large gap.
        min_support: an unmatched run of transcript tokens counts as spoken when
            the recognised words in its gap number at least this fraction of it.
        short_run: runs up to this many tokens are always treated as spoken
            (Whisper drops short words in fast speech).
        min_word_ms: shortest duration given to an interpolated word.
        max_word_ms: longest duration given to an interpolated word.
        min_coverage: below this fraction of matched speech tokens alignment
            fails (wrong transcript for this audio).
        missed_speech_ms: a run with no recognised words in its gap still counts as
            spoken when the speech regions there hold at least this much per token (Whisper
            now and then skips a phrase; an editor's insert has no speech under it).
        vad_onset_ms: a word whose start lies in a pause (outside every speech region)
            starts this long after the next region begins, when that is before its end;
            a word whose end lies in a pause ends where its region ends. Whisper's word
            times run early into the pause before an utterance (hundreds of ms on real
            speech); VAD regions are padded (100 ms by default), so half the padding.
        engine: ``forced`` (default): the transcript forced through Whisper window by window
            (:mod:`pipeline.timing.forced`), no full transcription; ``transcribe``: the whole
            episode transcribed, then matched to the transcript (:mod:`pipeline.timing.matching`).
        window_ms: forced engine: longest encoder window of packed speech (ms).
        gap_ms: forced engine: pause kept between two speech regions packed into a window.
        pack_pad_ms: forced engine: speech regions are widened by this much on both sides
            before packing (the VAD misses soft speech at phrase edges), so only pauses
            longer than twice this are left out of the windows.
        overfeed: forced engine: a window is given this many times the words it is likely to
            hold (the episode's words per second of speech), plus ``extra_words``.
        extra_words: see ``overfeed``.
        doubt_median: forced engine: a window whose forced words have a median decoder
            probability below this is transcribed and matched instead.
        doubt_low: forced engine: a stretch of ``doubt_run`` words whose median probability is
            below this also sends the window to the fallback (a sentence the audio lacks).
        doubt_run: see ``doubt_low``.
        cram_run: forced engine: this many words in a row squeezed into one frame mean the
            alignment path skipped them; the window's text ends before them.
        trim_pauses: forced engine: a word whose forced span is far longer than its text
            needs starts after the pause inside it (:mod:`pipeline.timing.pauses`): forcing
            gives a pause, or a filler the transcript leaves out, to the next word.
    """

    ngram: int = 4
    fuzzy_threshold: float = 80.0
    band: int = 300
    min_support: float = 0.5
    short_run: int = 3
    min_word_ms: int = 60
    max_word_ms: int = 700
    min_coverage: float = 0.2
    vad_onset_ms: int = 50
    missed_speech_ms: int = 150
    engine: str = "forced"
    window_ms: int = 20_000
    gap_ms: int = 200
    pack_pad_ms: int = 400
    overfeed: float = 1.5
    extra_words: int = 8
    doubt_median: float = 0.2
    doubt_low: float = 0.03
    doubt_run: int = 6
    cram_run: int = 3
    trim_pauses: bool = True

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        if self.overfeed < 1.0:
            raise ValueError(f"overfeed must be at least 1, not {self.overfeed}")


@dataclass(frozen=True, slots=True)
class SourceWord:
    """A transcript word to be timed: display text, who says it, which turn."""

    text: str
    speaker: str | None = None
    turn_index: int = -1


@dataclass(frozen=True, slots=True)
class Alignment:
    """Aligner output: one TimedWord per SourceWord, in order, plus counts."""

    words: tuple[TimedWord, ...]
    coverage: float
    aligned: int
    interpolated: int
    unspoken: int


def document_words(doc: Document, lang: str) -> tuple[SourceWord, ...]:
    """Speech words of ``doc`` in ``lang``, split on white space."""
    out: list[SourceWord] = []
    for index in doc.speech_indices(lang):
        turn = doc.turns[index]
        out.extend(SourceWord(w, turn.speaker, index) for w in turn.text.split())
    return tuple(out)
