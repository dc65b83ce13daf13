"""A run's review page: its flags, its facts in words, its audio proxy, from the stage results.

The review layer (:mod:`pipeline.review`) knows tracks, words and its own small records; this
module turns the stages' results into those (:func:`find_run_flags`), says what the run did in
sentences a subtitler reads (:func:`facts`, the same facts ``<stem>.report.json`` holds for
machines), and writes ``<stem>.review.html`` with its proxy (:func:`write_review`). The proxy
and the waveform peaks are made once per audio file: a later report for the same audio reuses
them (kept in the report stage's artifact, see :class:`~pipeline.run.results.ProxyMade`).
"""

from __future__ import annotations

import base64
import logging
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.review.flags import REASONS, FlagInputs, Flags, SentenceDoubt, TurnStretch
from pipeline.review.page import Fact
from pipeline.run import artifacts as art
from pipeline.run.artifacts import Json, JsonObject
from pipeline.run.config import artifact_name
from pipeline.run.results import ReportResult, SegmentResult
from pipeline.run.reviewed import ProxyMade
from pipeline.timecode import ms_to_srt

if TYPE_CHECKING:
    from pipeline.run.context import Context
    from pipeline.run.report import Report, ReportInputs

log = logging.getLogger(__name__)

MODE_WORDS = {
    "paired": "paired with the transcript turn by turn",
    "source-text": "matched sentence by sentence to the separate transcript",
    "translation-only": "matched sentence by sentence to the English Whisper recognised",
}
ROLE_WORDS = {
    "heading": "heading",
    "note": "editor's note",
    "summary": "summary",
    "toc": "table of contents",
    "junk": "web page text",
}


def find_run_flags(inputs: ReportInputs) -> Flags:
    """Every cue's flags and the loose items, from a finished run's results."""
    from pipeline.review.flags import find_flags

    aligned = inputs.aligned
    sentences: list[SentenceDoubt] = []
    stretches: list[TurnStretch] = []
    for lang, t in (inputs.bitext.languages if inputs.bitext is not None else {}).items():
        sentences += [
            SentenceDoubt(
                lang,
                d.index,
                d.text,
                d.status,
                d.start_ms,
                d.end_ms,
                d.prev_end_ms,
                d.next_start_ms,
            )
            for d in t.doubtful
        ]
        for st in t.stretches:
            first, last = _pair(st.get("src_turns"))
            tfirst, tlast = _pair(st.get("tgt_turns"))
            why = (
                f"transcript turns {first + 1}-{last + 1} and translation turns "
                f"{tfirst + 1}-{tlast + 1} disagreed: their {st.get('src_sentences')} and "
                f"{st.get('tgt_sentences')} sentences were aligned again by content"
            )
            stretches.append(TurnStretch(lang, first, last, why))
    return find_flags(
        FlagInputs(
            inputs.segment.tracks,
            aligned.language if aligned is not None else None,
            aligned.words if aligned is not None else (),
            aligned.confidence if aligned is not None else None,
            tuple(sentences),
            tuple(stretches),
            inputs.speech,
            inputs.profile,
            inputs.fps,
        )
    )


def _pair(value: Json) -> tuple[int, int]:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        a, b = value
        assert isinstance(a, int) and isinstance(b, int)
        return a, b
    return -1, -1


def doubtful_json(segment: SegmentResult, flags: Flags) -> JsonObject:
    """The review section of ``<stem>.report.json``: counts per track and reason, and every
    flagged cue (1-based number, times, text in each language, why) and loose item."""
    from pipeline.review.flags import partner_text

    checked = segment.corrections.checked if segment.corrections is not None else {}
    cues: list[Json] = []
    for track in segment.tracks:
        for k, found in enumerate(flags.cues.get(track.code, ())):
            if not found:
                continue
            cue = track.cues[k]
            text: JsonObject = {lang: "\n".join(lines) for lang, lines in cue.lines.items()}
            partner: JsonObject = dict(partner_text(segment.tracks, track, cue))
            cues.append(
                {
                    "track": track.code,
                    "cue": k + 1,
                    "start_ms": cue.start_ms,
                    "end_ms": cue.end_ms,
                    "start": ms_to_srt(cue.start_ms),
                    "end": ms_to_srt(cue.end_ms),
                    "text": text,
                    "partner": partner,
                    "reasons": [f.reason for f in found],
                    "why": [f.why for f in found],
                    "checked": list(checked.get((track.code, k), ())),
                }
            )
    loose: list[Json] = [
        {
            "reason": item.reason,
            "start_ms": item.start_ms,
            "end_ms": item.end_ms,
            "text": dict[str, Json](item.texts),
            "why": item.why,
        }
        for item in flags.loose
    ]
    counts: JsonObject = {code: dict[str, Json](c) for code, c in flags.counts.items()}
    loose_counts: JsonObject = dict(Counter(item.reason for item in flags.loose))
    return {
        "reasons": dict[str, Json](REASONS),
        "flags": counts,
        "loose_counts": loose_counts,
        "cues": cues,
        "loose": loose,
    }


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _duration(ms: int) -> str:
    s = round(ms / 1000)
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def facts(inputs: ReportInputs, report: Report) -> tuple[Fact, ...]:
    """What the run did, in sentences, section by section (the review page's "About")."""
    out: list[Fact] = []
    aligned = inputs.aligned
    audio = [f"{_duration(inputs.ingest.duration_ms)} of audio ({Path(inputs.ingest.path).name})."]
    if aligned is None:
        audio.append(
            "Only a translation was given: no transcript of the speech was aligned; the "
            "translation was timed against the speech Whisper recognised."
        )
    else:
        timed = aligned.aligned + aligned.interpolated
        audio.append(
            f"{_count(len(aligned.words), 'transcript word')} in {aligned.language}: "
            f"{aligned.aligned} heard and timed, {aligned.interpolated} not heard and timed "
            f"between heard neighbours, {aligned.unspoken} declared unspoken (no audio "
            f"supports them: they got no cue)."
        )
        share = timed / max(1, timed + aligned.unspoken)
        audio.append(f"{share:.1%} of the transcript's speech words have a time.")
        if aligned.windows is not None:
            audio.append(
                f"Forced through Whisper in {_count(aligned.windows, 'window')}; "
                f"{aligned.fallback_windows or 0} of them did not fit the text and were "
                "transcribed and matched instead."
            )
    not_speech = [t for t in inputs.parse.document.turns if t.role != "speech"]
    if not_speech:
        kinds = Counter(ROLE_WORDS.get(t.role, t.role) for t in not_speech)
        listed = ", ".join(_count(n, kind) for kind, n in kinds.items())
        audio.append(f"Not spoken, so no cue: {listed}.")
        audio += [
            f"Lines {t.first_line}-{t.last_line} ({ROLE_WORDS.get(t.role, t.role)}): {t.text[:100]}"
            for t in not_speech[:10]
        ]
    out.append(Fact("Audio and transcript", tuple(audio)))
    out.append(Fact("Tracks", tuple(_track_sentences(inputs, report))))
    for lang, t in (inputs.bitext.languages if inputs.bitext is not None else {}).items():
        mode = MODE_WORDS.get(t.mode, t.mode)
        said = [f"{mode[:1].upper()}{mode[1:]}: {t.placed} of {_count(t.total, 'sentence')} timed."]
        statuses = Counter(d.status for d in t.doubtful)
        for status, n in sorted(statuses.items()):
            what = {
                "low_confidence": "matched to the source only weakly",
                "gap": "timed into a gap between speech",
                "unplaced": "not placed in time (no cue)",
            }.get(status, status)
            said.append(f"{_count(n, 'sentence')} {what}: listed under Check first.")
        if t.stretches:
            said.append(f"{_count(len(t.stretches), 'stretch', 'stretches')} of turns out of step.")
        out.append(Fact(f"Translation {lang}", tuple(said)))
    used = inputs.segment.corrections
    if used is not None:
        said = [
            f"{len(used.applied)} of {_count(len(used.entries), 'correction')} from "
            f"{used.file} applied as fixed points."
        ]
        said += [
            f"No longer matches ({st.track}): “{st.text[:80]}”: {st.why}." for st in used.stale
        ]
        out.append(Fact("Corrections", tuple(said)))
    loose = Counter(item.reason for item in report.flags.loose)
    if loose:
        out.append(
            Fact(
                "Without a cue",
                tuple(f"{_count(n, 'item')}: {REASONS[r]}." for r, n in sorted(loose.items())),
            )
        )
    return tuple(out)


def headline(inputs: ReportInputs, report: Report) -> str:
    """One line of the run's main figures (the page's "About" heading when folded)."""
    parts = [f"{_duration(inputs.ingest.duration_ms)} of audio"]
    aligned = inputs.aligned
    if aligned is not None:
        timed = aligned.aligned + aligned.interpolated
        share = timed / max(1, timed + aligned.unspoken)
        parts.append(f"{_count(len(aligned.words), 'word')}, {share:.0%} timed")
    else:
        parts.append("translation only")
    parts.append(", ".join(f"{t.code} {_count(len(t.cues), 'cue')}" for t in inputs.segment.tracks))
    flagged = sum(report.flags.flagged(t.code) for t in inputs.segment.tracks)
    parts.append(f"{flagged + len(report.flags.loose)} to check")
    used = inputs.segment.corrections
    if used is not None:
        parts.append(f"{len(used.applied)} corrections applied, {len(used.stale)} stale")
    return " · ".join(parts)


def _track_sentences(inputs: ReportInputs, report: Report) -> list[str]:
    from pipeline.subtitles.lint import lint_track

    said = []
    for track in inputs.segment.tracks:
        lint = lint_track(track, track.langs[-1], inputs.profile, inputs.fps)
        flagged = report.flags.flagged(track.code)
        rules = Counter(v.rule for v in lint.violations)
        breaks = (
            "no style rule broken"
            if not rules
            else f"{_count(len(lint.violations), 'style-rule break')} ({lint.hard_count} hard: "
            + ", ".join(f"{r} {n}" for r, n in rules.most_common())
            + ")"
        )
        said.append(
            f"{track.code}: {_count(len(track.cues), 'cue')}, {breaks}, "
            f"{lint.cps_within:.0%} within reading speed; {flagged} to check first."
        )
    return said


def _previous_proxy(ctx: Context, audio_sha256: str, bitrate: str) -> ProxyMade | None:
    """The proxy an earlier report made for this audio, when its file is still as it was."""
    try:
        old = ReportResult.from_json(art.read_object(ctx.dir / artifact_name("report"))).proxy
    except (OSError, ValueError, KeyError):
        return None
    if old is None or old.audio_sha256 != audio_sha256 or old.bitrate != bitrate:
        return None
    path = ctx.dir / old.name
    if "/" in old.name or not path.is_file() or art.sha256_file(path) != old.sha256:
        return None
    return old


def make_proxy(ctx: Context, audio_sha256: str) -> ProxyMade:
    """The review page's audio proxy and peaks: reused when made for this audio, else made."""
    from pipeline.audio.proxy import PROXY_BITRATE, encode_proxy
    from pipeline.review.peaks import BIN_MS, encode, peaks

    kept = _previous_proxy(ctx, audio_sha256, PROXY_BITRATE)
    if kept is not None:
        return kept
    audio = ctx.audio()
    proxy = encode_proxy(audio.samples, audio.sample_rate, PROXY_BITRATE)
    name = f"{ctx.stem}.review.{proxy.extension}"
    art.atomic_write_bytes(ctx.dir / name, proxy.data)
    for other in ("mp3", "wav"):  # a proxy of the other kind an earlier run left
        if other != proxy.extension:
            (ctx.dir / f"{ctx.stem}.review.{other}").unlink(missing_ok=True)
    data = encode(peaks(audio.samples, audio.sample_rate, BIN_MS))
    sha = art.sha256_bytes(proxy.data)
    return ProxyMade(name, sha, audio_sha256, PROXY_BITRATE, BIN_MS, data)


def write_review(ctx: Context, inputs: ReportInputs, report: Report) -> ProxyMade:
    """Write ``<stem>.review.html`` and its proxy; note their names in the JSON report."""
    from pipeline.review.page import PageInputs, build_page

    proxy = make_proxy(ctx, inputs.ingest.sha256)
    used = inputs.segment.corrections
    page = PageInputs(
        episode=inputs.episode,
        stem=ctx.stem,
        duration_ms=inputs.ingest.duration_ms,
        fps=inputs.fps,
        proxy=proxy.name,
        peaks=base64.b64decode(proxy.peaks),
        tracks=inputs.segment.tracks,
        flags=report.flags,
        facts=facts(inputs, report),
        headline=headline(inputs, report),
        corrections=used.entries if used is not None else (),
        applied=used.applied if used is not None else (),
        stale=used.stale if used is not None else (),
        checked=used.checked if used is not None else {},
        audio_sha256=inputs.ingest.sha256,
        bin_ms=proxy.bin_ms,
        voices=ctx.config.output.speakers != "none",
        bom=ctx.config.output.bom,
        crlf=ctx.config.output.crlf,
        shots=tuple(c.time_ms for c in inputs.shots.changes) if inputs.shots else (),
    )
    name = f"{ctx.stem}.review.html"
    art.atomic_write_text(ctx.dir / name, build_page(page))
    review = report.data.get("review")
    if isinstance(review, dict):
        review["page"] = name
        review["proxy"] = proxy.name
    return proxy
