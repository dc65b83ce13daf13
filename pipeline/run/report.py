"""QC report of one episode run: what was timed, what was not, how the tracks read.

The report is the place a user looks first when something is off: coverage,
every transcript span that no audio supports (so it got no cue), and each
track's lint summary.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from pipeline.model import TimedWord
from pipeline.run import artifacts as art

if TYPE_CHECKING:
    from pipeline.run.stages import Context

MAX_SPAN_TEXT = 200  # characters of an unspoken span shown in the report


def unspoken_spans(words: tuple[TimedWord, ...]) -> list[dict[str, Any]]:
    """Runs of consecutive unspoken words, with the times of their timed neighbours."""
    spans: list[dict[str, Any]] = []
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


def build_report(ctx: Context) -> dict[str, Any]:
    """Collect the QC figures of a finished run from its artifacts."""
    stages = ctx.config.stages
    if "align" in stages:
        from pipeline.run.stages import aligned_words

        aligned = aligned_words(ctx)
    else:  # translation only: nothing of the transcript was aligned word by word
        from pipeline.run.stages import source_language

        aligned = {"language": source_language(ctx), "words": [], "coverage": 0.0}
        aligned.update(aligned=0, interpolated=0, unspoken=0)
    words = art.words_from_json(aligned["words"])
    tracks = [art.track_from_json(t) for t in ctx.artifact("segment")["tracks"]]
    parsed = art.document_from_artifact(ctx.artifact("parse")["document"])
    not_speech = [
        {"index": i, "role": t.role, "lines": [t.first_line, t.last_line], "text": t.text[:120]}
        for i, t in enumerate(parsed.turns)
        if t.role != "speech"
    ]
    track_rows: list[dict[str, Any]] = []
    for track in tracks:
        row: dict[str, Any] = {"code": track.code, "cues": len(track.cues)}
        try:
            from pipeline.subtitles.lint import lint_track

            result = lint_track(track, track.langs[-1])
            row["lint_hard"] = result.hard_count
            row["lint_total"] = len(result.violations)
        except ImportError:  # lint is optional in a trimmed install
            pass
        track_rows.append(row)
    files = ctx.artifact("write").get("files", {}) if "write" in ctx.config.stages else {}
    summary = {
        "episode": ctx.config.episode,
        "language": aligned["language"],
        "duration_s": ctx.artifact("ingest")["duration_ms"] / 1000,
        "words": len(words),
        "aligned": aligned["aligned"],
        "interpolated": aligned["interpolated"],
        "unspoken": aligned["unspoken"],
        "coverage": round(float(aligned["coverage"]), 4),
        "tracks": track_rows,
    }
    report: dict[str, Any] = {
        "summary": summary,
        "unspoken_spans": unspoken_spans(words),
        "not_speech_turns": not_speech,
        "files": sorted(files),
    }
    if "bitext" in stages:
        report["bitext"] = bitext_section(ctx.artifact("bitext"))
        summary["translations"] = {
            lang: {k: v for k, v in data.items() if k in ("mode", "placed", "total", "listed")}
            for lang, data in report["bitext"].items()
        }
    return report


def bitext_section(data: dict[str, Any]) -> dict[str, Any]:
    """Per translation language: how it was aligned; every sentence not placed with confidence."""
    out: dict[str, Any] = {}
    for lang, d in data["languages"].items():
        qc = d["qc"]
        out[lang] = {
            "mode": d["mode"],
            "placed": qc["placed"],
            "total": qc["total"],
            "listed": len(qc["listed"]),
            "sentences": qc["listed"],
            "stretches": d["stretches"],
            "failed_pairs": d["failed_pairs"],
        }
    return out


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value / 1000:.2f}"


def _bitext_html(report: dict[str, Any]) -> str:
    esc = html.escape
    parts: list[str] = []
    for lang, d in report.get("bitext", {}).items():
        stretches = "".join(
            f"<li>pairs {s['first_pair']}-{s['last_pair']} (source turns {s['src_turns'][0]}-"
            f"{s['src_turns'][1]}, translation turns {s['tgt_turns'][0]}-{s['tgt_turns'][1]}):"
            f" {s['src_sentences']} / {s['tgt_sentences']} sentences aligned by content</li>"
            for s in d["stretches"]
        )
        rows = "".join(
            f"<tr><td>{r['index']}</td><td>{esc(r['status'])}</td><td>{_ms(r['prev_end_ms'])}</td>"
            f"<td>{_ms(r['start_ms'])}</td><td>{_ms(r['next_start_ms'])}</td>"
            f"<td>{esc(r['text'])}</td></tr>"
            for r in d["sentences"]
        )
        parts.append(
            f"<h2>Translation {esc(lang)} ({esc(d['mode'])}): {d['placed']} of {d['total']}"
            f" sentences timed</h2><p>Turn pairs out of step:</p><ul>{stretches or '<li>none</li>'}"
            "</ul><table><tr><th>#</th><th>status</th><th>previous ends</th><th>start</th>"
            f"<th>next starts</th><th>text</th></tr>{rows}</table>"
        )
    return "".join(parts)


def render_html(report: dict[str, Any]) -> str:
    """A self-contained HTML page of the report."""
    s = report["summary"]
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(str(k))}</td><td>{esc(str(v))}</td></tr>"
        for k, v in s.items()
        if k not in ("tracks", "translations")
    )
    tracks = "".join(
        f"<tr><td>{esc(t['code'])}</td><td>{t['cues']}</td>"
        f"<td>{t.get('lint_hard', '-')}</td><td>{t.get('lint_total', '-')}</td></tr>"
        for t in s["tracks"]
    )
    spans = "".join(
        f"<tr><td>{sp['turn_index']}</td><td>{sp['words']}</td><td>{esc(sp['text'])}</td></tr>"
        for sp in report["unspoken_spans"]
    )
    skipped = "".join(
        f"<tr><td>{t['lines'][0]}-{t['lines'][1]}</td><td>{esc(t['role'])}</td>"
        f"<td>{esc(t['text'])}</td></tr>"
        for t in report["not_speech_turns"]
    )
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>subweave report: {esc(str(s["episode"]))}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}</style></head>
<body><h1>subweave QC: {esc(str(s["episode"]))}</h1>
<h2>Summary</h2><table>{rows}</table>
<h2>Tracks</h2><table><tr><th>track</th><th>cues</th><th>hard lint</th><th>all lint</th></tr>
{tracks}</table>
{_bitext_html(report)}
<h2>Transcript text with no audio (no cue)</h2>
<table><tr><th>turn</th><th>words</th><th>text</th></tr>{spans}</table>
<h2>Not speech (titles, notes, headings, ...)</h2>
<table><tr><th>lines</th><th>role</th><th>text</th></tr>{skipped}</table>
</body></html>
"""
