"""QC report of one episode run: what was timed, what was not, how the tracks read.

The report is the place a user looks first when something is off: coverage, every transcript
span that no audio supports (so it got no cue), each track's lint summary, and every cue to
check first and why (:mod:`pipeline.review.flags`). It is built from the stages' typed results
(:class:`ReportInputs`), never from the run's context or files. Machines read
``<stem>.report.json``; people read the same facts in words (:func:`facts`) on the review page
(:mod:`pipeline.review.page`), which replaced the old ``<stem>.report.html``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pipeline.model import TimedWord, Track, unspoken_runs
from pipeline.review.flags import Flags
from pipeline.run.artifacts import Json, JsonObject
from pipeline.run.results import (
    AlignResult,
    BitextResult,
    IngestResult,
    ParseResult,
    SegmentResult,
    WriteResult,
)
from pipeline.video.records import Shots

MAX_SPAN_TEXT = 200  # characters of an unspoken span shown in the report


@dataclass(frozen=True)
class ReportInputs:
    """The results a report is made of (``aligned`` is None when only a translation is timed)."""

    episode: str
    language: str
    ingest: IngestResult
    parse: ParseResult
    aligned: AlignResult | None
    bitext: BitextResult | None
    segment: SegmentResult
    write: WriteResult | None
    speech: tuple[tuple[int, int], ...] = ()
    profile: str = "netflix"
    fps: float = 24.0
    shots: Shots | None = None  # a video input's shot changes (None: audio only)


@dataclass(frozen=True)
class Report:
    """The report as JSON (``data``), its summary (what the report stage's artifact keeps) and
    the flags the review page shows."""

    data: JsonObject
    summary: JsonObject
    bitext: BitextResult | None = None
    flags: Flags = field(default_factory=lambda: Flags({}))


def unspoken_spans(words: tuple[TimedWord, ...]) -> list[Json]:
    """Runs of consecutive unspoken words, with the times of their timed neighbours."""
    spans: list[Json] = []
    for i, j in unspoken_runs(words):
        before = words[i - 1].end_ms if i > 0 else None
        after = words[j].start_ms if j < len(words) else None
        text = " ".join(w.text for w in words[i:j])
        spans.append(
            {
                "first_word": i,
                "words": j - i,
                "turn_index": words[i].turn_index,
                "after_ms": before,
                "before_ms": after,
                "text": text if len(text) <= MAX_SPAN_TEXT else text[:MAX_SPAN_TEXT] + "…",
            }
        )
    return spans


def build_report(inputs: ReportInputs) -> Report:
    """Collect the QC figures of a finished run from its results."""
    from pipeline.run.review import doubtful_json, find_run_flags
    from pipeline.subtitles.lint import lint_track

    aligned = inputs.aligned
    words = aligned.words if aligned is not None else ()
    not_speech: list[Json] = [
        {"index": i, "role": t.role, "lines": [t.first_line, t.last_line], "text": t.text[:120]}
        for i, t in enumerate(inputs.parse.document.turns)
        if t.role != "speech"
    ]
    track_rows: list[Json] = []
    for track in inputs.segment.tracks:
        result = lint_track(track, track.langs[-1], inputs.profile, inputs.fps)
        if inputs.shots is not None and inputs.shots.changes:
            from pipeline.subtitles.shots import lint_track_with_shots

            result = lint_track_with_shots(track, inputs.shots, track.langs[-1], inputs.profile)
        row: JsonObject = {
            "code": track.code,
            "cues": len(track.cues),
            "lint_hard": result.hard_count,
            "lint_total": len(result.violations),
        }
        if inputs.shots is not None:  # video input: how many cues break a shot rule
            row["shot_rules_broken"] = len(
                {v.cue for v in result.violations if v.rule[:5] == "shot-"}
            )
        track_rows.append(row)
    files = inputs.write.files if inputs.write is not None else {}
    summary: JsonObject = {
        "episode": inputs.episode,
        "language": inputs.language,
        "duration_s": inputs.ingest.duration_ms / 1000,
        "words": len(words),
        "aligned": aligned.aligned if aligned is not None else 0,
        "interpolated": aligned.interpolated if aligned is not None else 0,
        "unspoken": aligned.unspoken if aligned is not None else 0,
        "coverage": round(aligned.coverage, 4) if aligned is not None else 0.0,
        "tracks": track_rows,
    }
    data: JsonObject = {
        "summary": summary,
        "unspoken_spans": unspoken_spans(words),
        "not_speech_turns": not_speech,
        "files": list(sorted(files)),
    }
    if inputs.bitext is not None:
        fast = {  # each translation's own track: the cues read too fast, for the editor
            track.langs[0]: over_speed(track, inputs.profile, inputs.fps)
            for track in inputs.segment.tracks
            if len(track.langs) == 1 and track.langs[0] in inputs.bitext.languages
        }
        data["bitext"] = bitext_section(inputs.bitext, fast)
        summary["translations"] = {
            lang: {
                "mode": t.mode,
                "placed": t.placed,
                "total": t.total,
                "listed": len(t.doubtful),
                "over_speed": len(fast.get(lang, [])),
            }
            for lang, t in inputs.bitext.languages.items()
        }
    flags = find_run_flags(inputs)
    data["review"] = doubtful_json(inputs.segment, flags)
    used = inputs.segment.corrections
    if used is not None:
        data["corrections"] = {
            "file": used.file,
            "entries": len(used.entries),
            "applied": len(used.applied),
            "stale": [{"track": st.track, "text": st.text, "why": st.why} for st in used.stale],
        }
        summary["corrections"] = {"applied": len(used.applied), "stale": len(used.stale)}
    return Report(data, summary, inputs.bitext, flags)


def over_speed(track: Track, profile: str, fps: float) -> list[Json]:
    """A translation track's cues read faster than its language's limit, and by how much.

    ``short_ms`` is how much longer the cue would have to stay up to be read at ``max_cps``;
    ``room_ms`` how much time the audio leaves after it before the next cue (0: none; the
    cue already runs into the pause as far as the rules let it).
    """
    from pipeline.subtitles.rules import limits, reading_chars

    lang = track.langs[0]
    lim = limits(profile, lang, fps)
    rows: list[Json] = []
    for k, cue in enumerate(track.cues):
        shown = cue.end_ms - cue.start_ms
        chars = reading_chars(cue.text(lang), lang)
        if shown <= 0 or chars * 1000 <= lim.max_cps * shown:
            continue
        nxt = track.cues[k + 1].start_ms if k + 1 < len(track.cues) else None
        rows.append(
            {
                "cue": k + 1,
                "start_ms": cue.start_ms,
                "end_ms": cue.end_ms,
                "cps": round(chars * 1000 / shown, 1),
                "max_cps": lim.max_cps,
                "short_ms": math.ceil(chars * 1000 / lim.max_cps) - shown,
                "room_ms": max(0, nxt - lim.min_gap_ms - cue.end_ms) if nxt is not None else None,
            }
        )
    return rows


def bitext_section(bitext: BitextResult, fast: dict[str, list[Json]] | None = None) -> JsonObject:
    """Per translation language: how it was aligned; every sentence not placed with confidence;
    its track's cues read faster than the limit (``fast``: :func:`over_speed` per language)."""
    return {
        lang: {
            "mode": t.mode,
            "placed": t.placed,
            "total": t.total,
            "listed": len(t.doubtful),
            "sentences": [d.to_json() for d in t.doubtful],
            "stretches": list(t.stretches),
            "failed_pairs": list(t.failed_pairs),
            "over_speed": (fast or {}).get(lang, []),
        }
        for lang, t in bitext.languages.items()
    }
