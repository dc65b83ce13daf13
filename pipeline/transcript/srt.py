"""SubRip subtitles as transcript input (old or foreign-cut subtitles to re-time).

The text is the transcript; the old times are kept only as a prior
(``Turn.prior_start_ms``/``prior_end_ms``). Stamps are parsed by pysrt; a block
without a valid timing line is an error naming its line, or with ``lenient`` a
warning, its text kept as a turn without times.
"""

from __future__ import annotations

import logging
from itertools import pairwise
from pathlib import Path

from pipeline.errors import TranscriptParseError
from pipeline.model import Document, Turn
from pipeline.transcript.base import Reader
from pipeline.transcript.lang import detect_lang, dominant_lang
from pipeline.transcript.speakers import build_book
from pipeline.transcript.structure import pair_turns
from pipeline.transcript.subfile import (
    COUNTER,
    LOOSE_TIMING,
    SRT_TIMING,
    CueBlock,
    clean,
    cue_blocks,
)

log = logging.getLogger(__name__)


class SrtReader(Reader):
    """``1`` / ``00:00:01,000 --> 00:00:02,000`` / text blocks."""

    id = "srt"
    extensions = (".srt",)
    #: Separator of the fraction in this format's stamps.
    comma_stamps = True

    @classmethod
    def score(cls, text: str) -> float:
        lines = text.split("\n", 2000)[:2000]
        if text.lstrip().startswith("WEBVTT"):
            return 0.0
        timings = sum(1 for line in lines if SRT_TIMING.match(line))
        if timings:
            return 0.95 if "," in text[:2000] else 0.6
        # Broken stamps: still SRT when counters stand above timing-shaped lines, so the
        # stamps are reported with their line numbers instead of becoming cue text.
        shaped = sum(
            1
            for above, line in pairwise(lines)
            if COUNTER.match(above.strip()) and LOOSE_TIMING.match(line)
        )
        return 0.95 if shaped else 0.0

    @classmethod
    def stamp_ms(cls, stamp: str) -> int:
        """Milliseconds of an SRT stamp (pysrt tolerates "." for "," and short fields).

        Raises:
            ValueError: when ``stamp`` is not a time stamp.
        """
        import pysrt

        try:
            return int(pysrt.SubRipTime.from_string(stamp).ordinal)
        except pysrt.Error as err:
            raise ValueError(f"not a time stamp: {stamp!r}") from err

    @classmethod
    def parse(cls, text: str, *, path: Path, lenient: bool = False) -> Document:
        return build_cue_document(cls, cue_blocks(text), path=path, lenient=lenient)


def build_cue_document(
    reader: type[SrtReader],
    blocks: list[CueBlock],
    *,
    path: Path,
    lenient: bool,
) -> Document:
    """Turns from cue blocks: one per cue, speaker from a voice span or a label."""
    texts = [clean(" ".join(t for _, t in b.lines)) for b in blocks]
    book = build_book([t for t in texts if t])
    default_lang = dominant_lang(texts)
    turns: list[Turn] = []
    for block in blocks:
        if not block.lines:
            continue
        start = end = None
        if block.timing_line:
            try:
                start, end = reader.stamp_ms(block.start), reader.stamp_ms(block.end)
            except ValueError as err:
                _problem(
                    f"bad time stamp in {block.start!r} --> {block.end!r}",
                    path,
                    block.timing_line,
                    lenient,
                    err,
                )
        else:
            _problem("cue without a timing line", path, block.lines[0][0], lenient, None)
        text = "\n".join(clean(t) for _, t in block.lines)
        speaker = block.voice
        first, _, rest = text.partition("\n")
        label = book.match(first)
        if speaker is None and label is not None:
            speaker = label.speaker
            text = label.rest + ("\n" + rest if rest else "")
        turns.append(
            Turn(
                speaker=speaker,
                lang=detect_lang(text, default_lang),
                text=text,
                first_line=block.lines[0][0],
                last_line=block.lines[-1][0],
                prior_start_ms=start,
                prior_end_ms=end,
            )
        )
    return Document(tuple(turns), tuple(pair_turns(turns)), format=reader.id)


def _problem(message: str, path: Path, line: int, lenient: bool, cause: Exception | None) -> None:
    if lenient:
        log.warning("%s:%d: %s; text kept without times", path, line, message)
        return
    raise TranscriptParseError(
        message,
        path=path,
        line=line,
        hint="fix the time stamps on that line (HH:MM:SS,mmm --> HH:MM:SS,mmm)",
    ) from cause
