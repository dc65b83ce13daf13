"""QC report of one episode run: what was timed, what was not, how the tracks read.

The report is the place a user looks first when something is off: coverage, every transcript
span that no audio supports (so it got no cue), and each track's lint summary. It is built from
the stages' typed results (:class:`ReportInputs`), never from the run's context or files.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from pipeline.model import TimedWord
from pipeline.run.artifacts import Json, JsonObject
from pipeline.run.results import (
    AlignResult,
    BitextResult,
    IngestResult,
    ParseResult,
    SegmentResult,
    WriteResult,
)

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


@dataclass(frozen=True)
class Report:
    """The report as JSON (``data``) and its summary (what the report stage's artifact keeps)."""

    data: JsonObject
    summary: JsonObject
    bitext: BitextResult | None = None


def unspoken_spans(words: tuple[TimedWord, ...]) -> list[Json]:
    """Runs of consecutive unspoken words, with the times of their timed neighbours."""
    spans: list[Json] = []
    i = 0
    while i < len(words):
        if words[i].status != "unspoken":
            i += 1
            continue
        j = i
        while j < len(words) and words[j].status == "unspoken":
            j += 1
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
        i = j
    return spans


def build_report(inputs: ReportInputs) -> Report:
    """Collect the QC figures of a finished run from its results."""
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
        result = lint_track(track, track.langs[-1])
        track_rows.append(
            {
                "code": track.code,
                "cues": len(track.cues),
                "lint_hard": result.hard_count,
                "lint_total": len(result.violations),
            }
        )
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
        data["bitext"] = bitext_section(inputs.bitext)
        summary["translations"] = {
            lang: {
                "mode": t.mode,
                "placed": t.placed,
                "total": t.total,
                "listed": len(t.doubtful),
            }
            for lang, t in inputs.bitext.languages.items()
        }
    return Report(data, summary, inputs.bitext)


def bitext_section(bitext: BitextResult) -> JsonObject:
    """Per translation language: how it was aligned; every sentence not placed with confidence."""
    return {
        lang: {
            "mode": t.mode,
            "placed": t.placed,
            "total": t.total,
            "listed": len(t.doubtful),
            "sentences": [d.to_json() for d in t.doubtful],
            "stretches": list(t.stretches),
            "failed_pairs": list(t.failed_pairs),
        }
        for lang, t in bitext.languages.items()
    }


def _ms(value: int | None) -> str:
    return "-" if value is None else f"{value / 1000:.2f}"


def _bitext_html(bitext: BitextResult | None) -> str:
    esc = html.escape
    parts: list[str] = []
    for lang, t in (bitext.languages if bitext is not None else {}).items():
        stretches = "".join(
            f"<li>pairs {s['first_pair']}-{s['last_pair']} (source turns {_pair(s['src_turns'])},"
            f" translation turns {_pair(s['tgt_turns'])}): {s['src_sentences']} /"
            f" {s['tgt_sentences']} sentences aligned by content</li>"
            for s in t.stretches
        )
        rows = "".join(
            f"<tr><td>{r.index}</td><td>{esc(r.status)}</td><td>{_ms(r.prev_end_ms)}</td>"
            f"<td>{_ms(r.start_ms)}</td><td>{_ms(r.next_start_ms)}</td>"
            f"<td>{esc(r.text)}</td></tr>"
            for r in t.doubtful
        )
        parts.append(
            f"<h2>Translation {esc(lang)} ({esc(t.mode)}): {t.placed} of {t.total}"
            f" sentences timed</h2><p>Turn pairs out of step:</p><ul>{stretches or '<li>none</li>'}"
            "</ul><table><tr><th>#</th><th>status</th><th>previous ends</th><th>start</th>"
            f"<th>next starts</th><th>text</th></tr>{rows}</table>"
        )
    return "".join(parts)


def _pair(value: Json) -> str:
    """``[3, 7]`` -> ``3-7`` (a range of turns in a stretch)."""
    if isinstance(value, list) and len(value) == 2:
        return f"{value[0]}-{value[1]}"
    return str(value)


def render_html(report: Report) -> str:
    """A self-contained HTML page of the report."""
    s = report.summary
    data = report.data
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(str(k))}</td><td>{esc(str(v))}</td></tr>"
        for k, v in s.items()
        if k not in ("tracks", "translations")
    )
    tracks = "".join(
        f"<tr><td>{esc(str(t['code']))}</td><td>{t['cues']}</td>"
        f"<td>{t.get('lint_hard', '-')}</td><td>{t.get('lint_total', '-')}</td></tr>"
        for t in _objects(s["tracks"])
    )
    spans = "".join(
        f"<tr><td>{sp['turn_index']}</td><td>{sp['words']}</td><td>{esc(str(sp['text']))}</td></tr>"
        for sp in _objects(data["unspoken_spans"])
    )
    skipped = "".join(
        f"<tr><td>{_pair(t['lines'])}</td><td>{esc(str(t['role']))}</td>"
        f"<td>{esc(str(t['text']))}</td></tr>"
        for t in _objects(data["not_speech_turns"])
    )
    episode = esc(str(s["episode"]))
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>subweave report: {episode}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}</style></head>
<body><h1>subweave QC: {episode}</h1>
<h2>Summary</h2><table>{rows}</table>
<h2>Tracks</h2><table><tr><th>track</th><th>cues</th><th>hard lint</th><th>all lint</th></tr>
{tracks}</table>
{_bitext_html(report.bitext)}
<h2>Transcript text with no audio (no cue)</h2>
<table><tr><th>turn</th><th>words</th><th>text</th></tr>{spans}</table>
<h2>Not speech (titles, notes, headings, ...)</h2>
<table><tr><th>lines</th><th>role</th><th>text</th></tr>{skipped}</table>
</body></html>
"""


def _objects(value: Json) -> list[JsonObject]:
    """The objects of a JSON array this module built."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
