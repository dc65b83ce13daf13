"""The review page: one self-contained HTML file beside the tracks (``<stem>.review.html``).

It opens straight from disk (no server, no network): its style and script are inlined from
``assets/``, the run's data is embedded as one JSON block (``<script type="application/json"
id="subweave-data">``), and its ``<audio>`` plays the proxy written beside it
(:mod:`pipeline.audio.proxy`). The facts of the run are written here in words, as HTML, so
they read without the script.

The contract tools and tests rely on (DESIGN.md): each cue element carries ``data-track``,
``data-start-ms``, ``data-end-ms`` (the written track's times, or the edited ones) and
``data-flags`` (space-separated reason codes of :data:`pipeline.review.flags.REASONS`, empty
when none); clicking a cue seeks the audio to its in-time; ``window.subweave.exportTrack(track,
"srt" | "vtt")`` returns the current track's text and ``window.subweave.exportCorrections()``
the corrections file. Long tracks render lazily: only the rows in view (and a few around)
exist in the DOM.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

from pipeline.model import Track
from pipeline.review.corrections import Applied, Correction, Stale
from pipeline.review.flags import REASONS, Flags, Loose
from pipeline.review.peaks import BIN_MS, encode

PAGE_VERSION = 1
PRE_ROLL_MS = 500  # a doubtful item plays from this long before its in-time


@dataclass(frozen=True)
class Fact:
    """One section of the run's facts, in words: a heading and its sentences."""

    heading: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class PageInputs:
    """What the page shows.

    Attributes:
        episode, stem: the episode's name and the file stem of its outputs.
        duration_ms: the audio's length.
        fps: frame rate a one-frame nudge moves by.
        proxy: the audio proxy's file name (beside the page).
        peaks: one byte per :data:`~pipeline.review.peaks.BIN_MS` (see peaks.py).
        tracks: the written tracks (corrections applied).
        flags: what is doubtful, per cue, and the loose items.
        facts: the run's facts in words.
        headline: one line of the main figures, shown while the facts are folded.
        corrections: every entry of the corrections file the run read (re-exported as is
            when stale, merged with new edits otherwise).
        applied, stale: what became of each entry.
        checked: (track, cue) -> reasons a person marked checked.
        audio_sha256: the episode audio's hash (written into exported corrections).
        voices, bom, crlf: how the run wrote its files (VTT voice tags; SRT byte-order mark
            and CR LF line ends), so that an export is written the same way.
        shots: a video input's shot changes (ms), marked on the waveform; none for audio.
    """

    episode: str
    stem: str
    duration_ms: int
    fps: float
    proxy: str
    peaks: bytes
    tracks: tuple[Track, ...]
    flags: Flags
    facts: tuple[Fact, ...] = ()
    headline: str = ""
    corrections: tuple[Correction, ...] = ()
    applied: tuple[Applied, ...] = ()
    stale: tuple[Stale, ...] = ()
    checked: Mapping[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)
    audio_sha256: str = ""
    bin_ms: int = BIN_MS
    voices: bool = True
    bom: bool = False
    crlf: bool = False
    shots: tuple[int, ...] = ()


def _asset(name: str) -> str:
    return resources.files("pipeline.review").joinpath("assets", name).read_text("utf-8")


def _loose_json(item: Loose) -> dict[str, object]:
    return {
        "reason": item.reason,
        "start_ms": item.start_ms,
        "end_ms": item.end_ms,
        "texts": item.texts,
        "why": item.why,
        "langs": list(item.langs),
    }


def page_data(inputs: PageInputs) -> dict[str, object]:
    """The JSON the page's script reads (compact rows: a cue is ``[start, end, lines,
    speaker, flags, checked, entry]``)."""
    entry_of = {(a.track, a.cue): a.entry for a in inputs.applied}
    tracks = []
    for track in inputs.tracks:
        flags = inputs.flags.cues.get(track.code, ())
        rows = []
        for k, cue in enumerate(track.cues):
            cue_flags = flags[k] if k < len(flags) else ()
            rows.append(
                [
                    cue.start_ms,
                    cue.end_ms,
                    {lang: list(lines) for lang, lines in cue.lines.items()},
                    cue.speaker,
                    [[f.reason, f.why] for f in cue_flags],
                    list(inputs.checked.get((track.code, k), ())),
                    entry_of.get((track.code, k), -1),
                ]
            )
        tracks.append({"code": track.code, "langs": list(track.langs), "cues": rows})
    return {
        "version": PAGE_VERSION,
        "episode": inputs.episode,
        "stem": inputs.stem,
        "duration_ms": inputs.duration_ms,
        "fps": inputs.fps,
        "proxy": inputs.proxy,
        "audio_sha256": inputs.audio_sha256,
        "pre_roll_ms": PRE_ROLL_MS,
        "export": {"voices": inputs.voices, "bom": inputs.bom, "crlf": inputs.crlf},
        "peaks": {"bin_ms": inputs.bin_ms, "data": encode(inputs.peaks)},
        "reasons": REASONS,
        "tracks": tracks,
        "loose": [_loose_json(item) for item in inputs.flags.loose],
        "corrections": [c.to_json() for c in inputs.corrections],
        "stale": [{"entry": s.entry, "track": s.track, "why": s.why} for s in inputs.stale],
        "shots": list(inputs.shots),
    }


def _script_json(data: object) -> str:
    """JSON safe inside a ``<script>`` element (no ``</``, no HTML comment openers)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _facts_html(facts: Sequence[Fact]) -> str:
    esc = html.escape
    parts = []
    for fact in facts:
        items = "".join(f"<li>{esc(s)}</li>" for s in fact.sentences)
        head = f"<h3>{esc(fact.heading)}</h3>"
        parts.append(f"<section class='fact'>{head}<ul>{items}</ul></section>")
    return "".join(parts)


def _legend_html() -> str:
    return "".join(
        f"<li><span class='badge r-{code}'>{code}</span> {html.escape(text)}</li>"
        for code, text in REASONS.items()
    )


def build_page(inputs: PageInputs) -> str:
    """The page's HTML (see the module doc)."""
    esc = html.escape
    template = _asset("review.html")
    fill = {
        "@TITLE@": esc(f"subweave review: {inputs.episode}"),
        "@EPISODE@": esc(inputs.episode),
        "@PROXY@": esc(inputs.proxy, quote=True),
        "@FACTS@": _facts_html(inputs.facts),
        "@HEADLINE@": esc(inputs.headline),
        "@LEGEND@": _legend_html(),
        "@PRE_ROLL_S@": f"{PRE_ROLL_MS / 1000:g}",
        "@STEM@": esc(inputs.stem),
        "@CSS@": _asset("review.css"),
        "@DATA@": _script_json(page_data(inputs)),
        "@JS@": _asset("review.js"),
    }
    # One pass over the template: text filled in (a transcript, the script) is never rescanned.
    return re.sub(r"@[A-Z_]+@", lambda m: fill.get(m.group(0), m.group(0)), template)
