"""The registered stages: what each reads, what it decides, which artifact it writes.

Stages are referred to by name (never by import path). Each declares the
config it depends on, the code modules that implement it (their source hash is
the stage's code version), the external files it reads and the upstream
stages whose artifacts it reads. The runner fingerprints exactly those.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError
from pipeline.model import Cue, Document, TimedWord, Track, Word
from pipeline.run import artifacts as art

if TYPE_CHECKING:
    from pipeline.audio.decode import Audio
    from pipeline.run.config import PipelineConfig

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]  # (label, done, total)


@dataclass
class Context:
    """What a stage sees: the config, the episode folder, upstream artifacts, progress."""

    config: PipelineConfig
    progress: ProgressFn | None = None
    _audio: Audio | None = None
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def dir(self) -> Path:
        return self.config.episode_dir

    @property
    def stem(self) -> str:
        audio = self.config.inputs.audio
        return audio.stem if audio is not None else self.config.episode

    def artifact(self, stage: str) -> Any:
        """The JSON artifact of an upstream stage (read once)."""
        if stage not in self._cache:
            self._cache[stage] = art.read_json(self.dir / STAGES[stage].artifact)
        return self._cache[stage]

    def audio(self) -> Audio:
        """Decoded audio, decoded at most once per run (16 kHz float32 mono)."""
        if self._audio is None:
            from pipeline.audio.decode import load_audio

            self._audio = load_audio(_require(self.config.inputs.audio, "inputs.audio"))
        return self._audio


def _require(path: Path | None, key: str) -> Path:
    if path is None:
        raise ConfigError(
            f"'{key}' is not set", hint=f"give it in the config or with --set {key}=FILE"
        )
    return path


@dataclass(frozen=True)
class Stage:
    """One named step of the pipeline."""

    name: str
    artifact: str
    run: Callable[[Context], Any]
    deps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    files: Callable[[PipelineConfig], tuple[Path, ...]] = lambda cfg: ()
    extra: Callable[[PipelineConfig], dict[str, Any]] = lambda cfg: {}

    def params(self, cfg: PipelineConfig) -> dict[str, Any]:
        """The configuration this stage's result depends on."""
        out: dict[str, Any] = {s: cfg.section_dict(s) for s in self.sections}
        out.update(self.extra(cfg))
        return out


# --- stage bodies ------------------------------------------------------------


def _ingest(ctx: Context) -> dict[str, Any]:
    audio = ctx.audio()
    return {
        "path": str(audio.path),
        "sha256": audio.sha256,
        "duration_ms": audio.duration_ms,
        "sample_rate": audio.sample_rate,
    }


def _vad(ctx: Context) -> dict[str, Any]:
    from pipeline.audio.speech import speech_regions

    regions = speech_regions(ctx.audio(), ctx.config.section("vad"))
    return {"regions": [list(r) for r in regions]}


def _transcribe(ctx: Context) -> dict[str, Any]:
    from pipeline.timing.transcribe import transcribe

    def progress(done: int, total: int) -> None:
        if ctx.progress is not None:
            ctx.progress("transcribe", done, total)

    rec = transcribe(ctx.audio(), ctx.config.section("asr"), progress)
    return art.recognition_to_json(rec)


def _parse(ctx: Context) -> dict[str, Any]:
    from pipeline.transcript import read_transcript

    inputs = ctx.config.inputs
    doc = read_transcript(_require(inputs.transcript, "inputs.transcript"), inputs.format)
    translations = [art.document_to_artifact(read_transcript(p)) for p in inputs.translations]
    return {"document": art.document_to_artifact(doc), "translations": translations}


def source_language(ctx: Context) -> str:
    """Language of the speech: the ASR option when set, else what was detected."""
    lang = ctx.config.section("asr").language
    if lang:
        return str(lang)
    if "transcribe" in ctx.config.stages:
        return str(ctx.artifact("transcribe")["language"])
    return str(ctx.artifact("align")["language"])


def _speech(ctx: Context) -> list[tuple[int, int]]:
    """The vad stage's speech regions (none when the stage is not run)."""
    if "vad" not in ctx.config.stages:
        return []
    return [(int(a), int(b)) for a, b in ctx.artifact("vad")["regions"]]


def _align(ctx: Context) -> dict[str, Any]:
    from pipeline.errors import AlignmentError
    from pipeline.timing.matching import align_words, document_words

    doc = art.document_from_artifact(ctx.artifact("parse")["document"])
    opts = ctx.config.section("align")
    forced = opts.engine == "forced"
    if forced:
        lang = ctx.config.section("asr").language or _detect_language(ctx)
    else:
        rec = art.recognition_from_json(ctx.artifact("transcribe"))
        lang = source_language(ctx)
    words = document_words(doc, lang)
    if not words:
        found = ", ".join(doc.languages()) or "none"
        raise AlignmentError(
            f"the transcript has no {lang} speech to align (languages found: {found})",
            path=ctx.config.inputs.transcript,
            hint="for a translation without the source text use `subweave retime AUDIO FILE`",
        )
    regions = _speech(ctx)
    heard_nothing = forced or not rec.words  # the recogniser heard no word either
    if "vad" in ctx.config.stages and not regions and heard_nothing:
        raise AlignmentError(
            "no speech found in this audio (music, noise or silence only)",
            path=ctx.config.inputs.audio,
            coverage=0.0,
            hint="check that this is the episode's audio; if it is, normalise its level",
        )
    extra: dict[str, Any] = {}
    try:
        if forced:
            from pipeline.timing.forced import force_align
            from pipeline.timing.models import load_model

            def progress(done: int, total: int) -> None:
                if ctx.progress is not None:
                    ctx.progress("align", done, total)

            model = load_model(ctx.config.section("asr"))
            got = force_align(ctx.audio().samples, words, regions, model, lang, opts, progress)
            result = got.alignment
            extra = {
                "engine": "forced",
                "windows": got.windows,
                "fallback_windows": got.fallback_windows,
                "confidence": list(got.confidence),
            }
        else:
            result = align_words(words, rec.words, opts, regions, rec.duration_ms)
            extra = {"engine": "transcribe"}
    except AlignmentError as err:
        raise AlignmentError(
            err.message,
            episode=ctx.config.episode,
            coverage=err.coverage,
            path=ctx.config.inputs.transcript,
            hint=err.hint,
        ) from err
    return {
        "language": lang,
        "coverage": result.coverage,
        "aligned": result.aligned,
        "interpolated": result.interpolated,
        "unspoken": result.unspoken,
        "words": art.words_to_json(result.words),
        **extra,
    }


def _detect_language(ctx: Context) -> str:
    """The spoken language, detected by Whisper on the first 30 s of speech."""
    from pipeline.timing.models import load_model

    model = load_model(ctx.config.section("asr"))
    if not model.model.is_multilingual:
        return "en"
    samples = ctx.audio().samples
    regions = _speech(ctx)
    start = regions[0][0] * 16 if regions else 0
    lang, _, _ = model.detect_language(audio=samples[start : start + 30 * 16_000])
    return str(lang)


def aligned_words(ctx: Context) -> dict[str, Any]:
    """The align artifact, or the refine artifact (same shape) when refine runs."""
    data: dict[str, Any] = ctx.artifact("refine" if "refine" in ctx.config.stages else "align")
    return data


def _refine(ctx: Context) -> dict[str, Any]:
    """Move each aligned word's start onto the energy dip at its onset (no model; fast).

    Whisper's word starts run early (about 40-50 ms, and more after a pause); the boundary
    between two words is usually the quietest point near Whisper's start. Measured in
    bench/RESULTS.md (`+onset`): word-start median 41-52 ms -> 22-28 ms on the synthetic cases.
    """
    from pipeline.timing.onsets import sharpen_starts

    aligned = dict(ctx.artifact("align"))
    words = art.words_from_json(aligned["words"])
    sharpened = sharpen_starts(ctx.audio().samples, words, ctx.config.section("refine"))
    aligned["words"] = art.words_to_json(sharpened)
    aligned["moved"] = sum(a.start_ms != b.start_ms for a, b in zip(words, sharpened, strict=True))
    return aligned


def _translations(doc: Document, extra: list[Document], src: str) -> dict[str, dict[int, str]]:
    """Translation text per target language, keyed by the source turn it translates."""
    out: dict[str, dict[int, str]] = {}
    for s, t in doc.pairs:
        turn = doc.turns[t]
        if doc.turns[s].lang == src and turn.role == "speech":
            out.setdefault(turn.lang, {})[s] = turn.text
    source_turns = doc.speech_indices(src)
    for tdoc in extra:
        for lang in tdoc.languages():
            if lang == src:
                continue
            target = tdoc.speech_indices(lang)
            if len(target) != len(source_turns):
                raise ConfigError(
                    f"the {lang} translation has {len(target)} speech turns and the transcript "
                    f"{len(source_turns)}: they are paired turn by turn",
                    hint="give a translation with one turn per transcript turn, "
                    "or time it alone with `subweave retime`",
                )
            out.setdefault(lang, {}).update(
                {s: tdoc.turns[t].text for s, t in zip(source_turns, target, strict=True)}
            )
    return out


def _bitext(ctx: Context) -> dict[str, Any]:
    from pipeline.translation.embed import load_embedder
    from pipeline.translation.retime import run_bitext

    opts = ctx.config.section("bitext")
    parsed = ctx.artifact("parse")
    doc = art.document_from_artifact(parsed["document"])
    extra = [art.document_from_artifact(d) for d in parsed["translations"]]
    timed = None
    words: tuple[Word, ...] = ()
    if "transcribe" in ctx.config.stages:
        words = art.recognition_from_json(ctx.artifact("transcribe")).words
    if "align" in ctx.config.stages:
        timed = art.words_from_json(aligned_words(ctx)["words"])
    elif words:  # translation only: the English sentence starts are ASR word starts
        words = _sharpened(ctx, words)
    return run_bitext(
        doc,
        extra,
        source_language(ctx),
        words,
        timed,
        lambda: load_embedder(opts.model, opts.threads),
        opts,
    )


def _sharpened(ctx: Context, words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Recognised words with their starts moved onto the onsets, as the refine stage does."""
    from pipeline.timing.matching import AlignOptions, snap_to_speech
    from pipeline.timing.onsets import sharpen_starts

    timed: list[TimedWord] = [TimedWord(w.text, w.start_ms, w.end_ms, "aligned") for w in words]
    if "vad" in ctx.config.stages:  # the align stage does this for aligned words
        timed = snap_to_speech(timed, _speech(ctx), AlignOptions().vad_onset_ms)
    moved = sharpen_starts(ctx.audio().samples, timed, ctx.config.section("refine"))
    return tuple(
        Word(w.text, t.start_ms or w.start_ms, t.end_ms or w.end_ms, w.probability)
        for w, t in zip(words, moved, strict=True)
    )


def _bitext_spans(data: dict[str, Any]) -> list[Any]:
    """Timed translated sentences of one language from the bitext artifact (unplaced left out)."""
    from pipeline.subtitles.segment import TimedText

    return [
        TimedText(s["text"], s["start_ms"], s["end_ms"], s["speaker"], s["turn_index"])
        for s in data["sentences"]
        if s["start_ms"] is not None
    ]


def _segment(ctx: Context) -> dict[str, Any]:
    from pipeline.subtitles.segment import build_cues, text_cues
    from pipeline.subtitles.stacking import monolingual, spread_translation, stack_translation

    opts = ctx.config.section("segment")
    bitext = ctx.artifact("bitext")["languages"] if "bitext" in ctx.config.stages else {}
    if "align" not in ctx.config.stages:  # translation only: its own track per language
        only = [
            Track((tgt,), text_cues(_bitext_spans(data), tgt, opts))
            for tgt, data in sorted(bitext.items())
        ]
        return {"tracks": [art.track_to_json(t) for t in only]}
    aligned = aligned_words(ctx)
    src = str(aligned["language"])
    words: tuple[TimedWord, ...] = art.words_from_json(aligned["words"])
    parsed = ctx.artifact("parse")
    doc = art.document_from_artifact(parsed["document"])
    extra = [art.document_from_artifact(d) for d in parsed["translations"]]
    cues: tuple[Cue, ...] = build_cues(words, src, opts)
    tracks = [Track((src,), cues)]
    for tgt, data in sorted(bitext.items()):
        spans = _bitext_spans(data)
        tracks.append(Track((tgt,), text_cues(spans, tgt, opts)))
        # Stacked cues start where each translated sentence starts, so both languages change
        # together at sentence boundaries.
        stacked = build_cues(words, src, opts, breaks=[s.start_ms for s in spans])
        tracks.append(Track((src, tgt), stack_translation(stacked, spans, src, tgt, opts)))
    pairs = {} if bitext else _translations(doc, extra, src)
    for tgt, texts in sorted(pairs.items()):
        both = Track((src, tgt), tuple(spread_translation(cues, texts, src, tgt, opts)))
        tracks.append(monolingual(both, tgt, opts))
        tracks.append(both)
    return {"tracks": [art.track_to_json(t) for t in tracks]}


def _write(ctx: Context) -> dict[str, Any]:
    from pipeline.subtitles.formats import render, render_words_json

    out = ctx.config.output
    files: dict[str, str] = {}

    def put(name: str, text: str) -> None:
        path = ctx.dir / name
        art.atomic_write_text(path, text)
        files[name] = art.sha256_bytes(text.encode("utf-8"))

    for data in ctx.artifact("segment")["tracks"]:
        track = art.track_from_json(data)
        formats = out.bilingual_formats if len(track.langs) > 1 else out.formats
        for fmt in formats:
            put(f"{ctx.stem}.{track.code}.{fmt}", render(track, fmt))
    if out.words_json and "align" in ctx.config.stages:
        aligned = aligned_words(ctx)
        words = art.words_from_json(aligned["words"])
        put(f"{ctx.stem}.words.json", render_words_json(words, str(aligned["language"])))
    _drop_stale(ctx, files)
    return {"files": files}


def _drop_stale(ctx: Context, files: dict[str, str]) -> None:
    """Remove the tracks an earlier run wrote here that this run no longer writes.

    A bilingual run followed by an English-only one must not leave the old zh and en-zh
    tracks beside the new ones, unlisted. Only files the earlier run recorded as its own,
    and still unchanged since, are removed: a file someone edited stays.
    """
    previous = ctx.dir / STAGES["write"].artifact
    if not previous.exists():
        return
    try:
        old = dict(art.read_json(previous).get("files", {}))
    except (OSError, ValueError, AttributeError):
        return
    for name, digest in old.items():
        path = ctx.dir / name
        if name in files or "/" in name or not path.is_file():
            continue
        if art.sha256_file(path) == digest:
            path.unlink()
            log.info("removed %s: this run no longer writes it", name)


def _report(ctx: Context) -> dict[str, Any]:
    from pipeline.run.report import build_report, render_html

    report = build_report(ctx)
    art.write_json(ctx.dir / f"{ctx.stem}.report.json", report)
    art.atomic_write_text(ctx.dir / f"{ctx.stem}.report.html", render_html(report))
    return {"summary": report["summary"]}


def _forced(cfg: PipelineConfig) -> bool:
    return bool(cfg.section("align").engine == "forced")


def _inputs_audio(cfg: PipelineConfig) -> tuple[Path, ...]:
    return (_require(cfg.inputs.audio, "inputs.audio"),)


def _inputs_text(cfg: PipelineConfig) -> tuple[Path, ...]:
    return (_require(cfg.inputs.transcript, "inputs.transcript"), *cfg.inputs.translations)


STAGES: dict[str, Stage] = {
    s.name: s
    for s in (
        Stage(
            "ingest",
            "01_ingest.json",
            _ingest,
            modules=("pipeline.audio.decode",),
            files=_inputs_audio,
        ),
        Stage(
            "vad",
            "02_vad.json",
            _vad,
            ("ingest",),
            ("vad",),
            ("pipeline.audio.decode",),
            _inputs_audio,
        ),
        Stage(
            "transcribe",
            "03_transcribe.json",
            _transcribe,
            ("ingest",),
            modules=("pipeline.timing.transcribe",),
            files=_inputs_audio,
            # Threads change speed, not words: batch sets them from --workers, and a resume
            # with another worker count must not redo ASR.
            extra=lambda cfg: {
                "asr": {k: v for k, v in cfg.section_dict("asr").items() if k != "cpu_threads"}
            },
        ),
        Stage(
            "parse",
            "04_parse.json",
            _parse,
            modules=("pipeline.transcript",),
            files=_inputs_text,
            extra=lambda cfg: {"format": cfg.inputs.format},
        ),
        Stage(
            "align",
            "05_align.json",
            _align,
            ("parse", "transcribe", "vad", "ingest"),
            ("align",),
            (
                "pipeline.timing.matching",
                "pipeline.transcript.normalize",
                "pipeline.timing.forced",
                "pipeline.timing.pauses",
                "pipeline.timing.regions",
                "pipeline.timing.windows",
            ),
            # The forced engine runs the model itself: its words depend on the model, not on
            # how many threads run it.
            files=lambda cfg: _inputs_audio(cfg) if _forced(cfg) else (),
            extra=lambda cfg: (
                {"asr": {k: v for k, v in cfg.section_dict("asr").items() if k != "cpu_threads"}}
                if _forced(cfg)
                else {}
            ),
        ),
        Stage(
            "refine",
            "06_refine.json",
            _refine,
            ("align", "ingest"),
            ("refine",),
            ("pipeline.timing.onsets",),
            _inputs_audio,
        ),
        Stage(
            "bitext",
            "07_bitext.json",
            _bitext,
            ("parse", "transcribe", "vad", "align", "refine"),
            ("bitext", "refine"),
            (
                "pipeline.translation.beads",
                "pipeline.translation.retime",
                "pipeline.transcript.sentences",
                "pipeline.translation.embed",
                "pipeline.timing.onsets",
                "pipeline.timing.matching",
            ),
        ),
        Stage(
            "segment",
            "08_segment.json",
            _segment,
            ("align", "refine", "parse", "bitext"),
            ("segment",),
            (
                "pipeline.subtitles.segment",
                "pipeline.subtitles.stacking",
                "pipeline.subtitles.lines",
                "pipeline.subtitles.rules",
            ),
        ),
        Stage(
            "write",
            "09_write.json",
            _write,
            ("segment", "align", "refine"),
            modules=("pipeline.subtitles.formats",),
            extra=lambda cfg: json.loads(cfg.output.model_dump_json(exclude={"dir"})),
        ),
        Stage(
            "report",
            "10_report.json",
            _report,
            ("align", "refine", "bitext", "segment", "write"),
            modules=(
                "pipeline.run.report",
                "pipeline.subtitles.lint",
                "pipeline.subtitles.files",
                "pipeline.subtitles.rules",
            ),
        ),
    )
}
