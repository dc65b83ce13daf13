"""What a writer is, and the small helpers every format shares.

A writer turns a finished :class:`~pipeline.model.Track` into the text of one file. It makes no
decisions: line breaks, in- and out-times and which language goes where were settled by
:mod:`pipeline.subtitles.segment`. Writers only serialise, so two formats written from one track
always agree (whisper's ``SubtitlesWriter`` re-segments inside the writer; we keep that out on
purpose).

How to add a format: write a module with ``render(track: Track) -> str``, give it a
``WRITER = Writer(id, extension, render, description)`` and list it in
:data:`pipeline.subtitles.formats.FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.model import Cue, Track


@dataclass(frozen=True, slots=True)
class Writer:
    """One output format.

    Attributes:
        id: the format id used in configs and file names ("srt").
        extension: file suffix, without the dot.
        render: the serialiser: a track in, the file's text out.
        description: one line for ``--help`` and error hints.
    """

    id: str
    extension: str
    render: Callable[[Track], str]
    description: str = ""


def stacked_lines(cue: Cue, langs: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(lang, line)`` pairs of a cue in stacking order: the track's languages in order.

    Languages the cue holds but the track does not list come last, so nothing is dropped;
    blank lines are skipped because they would end a cue block in SRT and WebVTT.
    """
    order = [*langs, *(lang for lang in cue.lines if lang not in langs)]
    return [(lang, line) for lang in order for line in cue.lines.get(lang, ()) if line.strip()]
