"""Dialogue dashes: two short cues of two speakers in a row become one cue, a dashed line each.

What style guides ask for when two people speak in quick succession (``--speakers dash``).
Netflix's timed-text style guides (English, Russian, Simplified Chinese): "Use a hyphen without a
space to indicate two speakers in one subtitle, with a maximum of one speaker per line"::

    -Are you coming?
    -In a minute.

The BBC guidelines tell speakers apart by colour; where a file carries no colour (SRT, plain
VTT) the same dash convention is used. The dash is data per profile (:data:`DASHES`).

A pair is joined only when the result keeps every rule of the profile: each line (dash
included) within the line length, two lines allowed, the joined duration within the longest
cue, the reading speed within the limit, and the gap between the two cues short enough that
they read as one exchange. The joined cue has no single speaker (a WebVTT voice span would
name one of the two), and a cue is joined at most once.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.model import Cue, Track
from pipeline.subtitles.rules import Limits, line_length, reading_chars

#: The dialogue-dash prefix per profile (no space after it in either).
DASHES = {"netflix": "-", "bbc": "-"}

MAX_JOIN_GAP_MS = 500  # a longer pause between the two lines reads as two exchanges


def _joinable(a: Cue, b: Cue, lang: str, lim: Limits, dash: str) -> bool:
    if a.speaker is None or b.speaker is None or a.speaker == b.speaker:
        return False
    la, lb = a.lines.get(lang, ()), b.lines.get(lang, ())
    if len(la) != 1 or len(lb) != 1 or lim.max_lines < 2:
        return False
    if b.start_ms - a.end_ms > MAX_JOIN_GAP_MS:
        return False
    if any(line_length(dash + line, lang) > lim.max_chars for line in (la[0], lb[0])):
        return False
    duration = b.end_ms - a.start_ms
    if duration > lim.max_duration_ms:
        return False
    chars = reading_chars(dash + la[0], lang) + reading_chars(dash + lb[0], lang)
    return chars <= lim.max_cps * duration / 1000


def dialogue_cues(track: Track, lim: Limits, profile: str) -> Track:
    """``track`` with joinable two-speaker pairs joined (monolingual tracks only)."""
    if len(track.langs) != 1:
        return track
    lang = track.langs[0]
    dash = DASHES.get(profile, "-")
    cues: Sequence[Cue] = track.cues
    out: list[Cue] = []
    i = 0
    while i < len(cues):
        a = cues[i]
        if i + 1 < len(cues) and _joinable(a, cues[i + 1], lang, lim, dash):
            b = cues[i + 1]
            lines = (dash + a.lines[lang][0], dash + b.lines[lang][0])
            out.append(Cue(a.start_ms, b.end_ms, {lang: lines}, None, a.turn_index))
            i += 2
            continue
        out.append(a)
        i += 1
    return Track(track.langs, tuple(out))
