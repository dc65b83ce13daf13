"""Stages that write for people: write (the subtitle files, words.json) and report (QC)."""

from __future__ import annotations

import logging
from dataclasses import replace

from pipeline.run import artifacts as art
from pipeline.run.config import artifact_name
from pipeline.run.context import Context
from pipeline.run.results import (
    BitextResult,
    IngestResult,
    ParseResult,
    ReportResult,
    SegmentResult,
    ShotsResult,
    WriteResult,
)
from pipeline.run.stages.text import source_language

log = logging.getLogger(__name__)


def write(ctx: Context) -> WriteResult:
    """Every track in every configured format, and the timed word list."""
    from pipeline.subtitles.formats import render, render_words_json

    out = ctx.config.output
    files: dict[str, str] = {}

    def put(name: str, text: str) -> None:
        data = text.encode("utf-8")
        art.atomic_write_bytes(ctx.dir / name, data)
        files[name] = art.sha256_bytes(data)

    for track in ctx.get(SegmentResult).tracks:
        if out.speakers == "none":
            track = replace(track, cues=tuple(replace(c, speaker=None) for c in track.cues))
        formats = out.bilingual_formats if len(track.langs) > 1 else out.formats
        for fmt in formats:
            text = render(track, fmt)
            if fmt == "srt":  # what some TV and Windows players need
                text = ("\ufeff" if out.bom else "") + (
                    text.replace("\n", "\r\n") if out.crlf else text
                )
            put(f"{ctx.stem}.{track.code}.{fmt}", text)
    if out.words_json and not ctx.config.translation_only:
        aligned = ctx.words()
        put(f"{ctx.stem}.words.json", render_words_json(aligned.words, aligned.language))
    _drop_stale(ctx, files)
    return WriteResult(files)


def _drop_stale(ctx: Context, files: dict[str, str]) -> None:
    """Remove the tracks an earlier run wrote here that this run no longer writes.

    A bilingual run followed by an English-only one must not leave the old zh and en-zh
    tracks beside the new ones, unlisted. Only files the earlier run recorded as its own,
    and still unchanged since, are removed: a file someone edited stays.
    """
    previous = ctx.dir / artifact_name("write")
    if not previous.exists():
        return
    try:
        old = WriteResult.from_json(art.read_object(previous)).files
    except (OSError, ValueError, KeyError):
        return
    for name, digest in old.items():
        path = ctx.dir / name
        if name in files or "/" in name or not path.is_file():
            continue
        if art.sha256_file(path) == digest:
            path.unlink()
            log.info("removed %s: this run no longer writes it", name)


def report(ctx: Context) -> ReportResult:
    """The QC report for machines (``<stem>.report.json``) and the review page for people
    (``<stem>.review.html`` with its audio proxy), which replaced ``<stem>.report.html``."""
    from pipeline.run.report import ReportInputs, build_report
    from pipeline.run.review import write_review

    translation_only = ctx.config.translation_only
    found = ctx.find(ShotsResult)
    shots = found.shots if found is not None else None  # video input: its frames, its cuts
    inputs = ReportInputs(
        episode=ctx.config.episode,
        language=source_language(ctx) if translation_only else ctx.words().language,
        ingest=ctx.get(IngestResult),
        parse=ctx.get(ParseResult),
        aligned=None if translation_only else ctx.words(),
        bitext=ctx.find(BitextResult),
        segment=ctx.get(SegmentResult),
        write=ctx.find(WriteResult),
        speech=ctx.speech(),
        profile=ctx.config.segment.profile,
        fps=shots.fps if shots is not None else ctx.config.segment.fps,
        shots=shots,
    )
    report = build_report(inputs)
    # A batch of hundreds of episodes may leave the page out: no proxy to encode.
    proxy = write_review(ctx, inputs, report) if ctx.config.output.review_page else None
    art.write_json(ctx.dir / f"{ctx.stem}.report.json", report.data)
    _drop_old_report_page(ctx)
    return ReportResult(report.summary, proxy)


def _drop_old_report_page(ctx: Context) -> None:
    """Remove the ``<stem>.report.html`` an older subweave wrote here (the review page holds
    its facts now); a file of that name that subweave did not write stays."""
    path = ctx.dir / f"{ctx.stem}.report.html"
    try:
        head = path.read_text(encoding="utf-8")[:400]
    except (OSError, UnicodeDecodeError):
        return
    if "<title>subweave report:" in head:
        path.unlink()
        log.info("removed %s: the review page replaces it", path.name)
