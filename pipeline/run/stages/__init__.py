"""The registered stages: what each reads, what it makes, which config it depends on.

Stages are referred to by name (never by import path). Each declares its result type (the
record it returns, whose codec writes its artifact), the config sections and external files
it depends on, and the upstream stages whose results it reads. The runner fingerprints exactly
those, plus the code the stage's body reaches (derived from its imports, see
:func:`pipeline.run.codehash.code_version`). The bodies live by concept: :mod:`.audio`,
:mod:`.text`, :mod:`.timing`, :mod:`.translation`, :mod:`.video`, :mod:`.subtitles`,
:mod:`.output`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.run.config import PipelineConfig, artifact_name
from pipeline.run.context import Context, ProgressFn, require
from pipeline.run.results import (
    AlignResult,
    BitextResult,
    IngestResult,
    ParseResult,
    RefineResult,
    ReportResult,
    Result,
    SegmentResult,
    ShotsResult,
    TranscribeResult,
    VadResult,
    WriteResult,
)
from pipeline.run.stages import audio, output, subtitles, text, timing, translation, video

Params = dict[str, object]


def _no_files(cfg: PipelineConfig) -> tuple[Path, ...]:
    return ()


def _no_params(cfg: PipelineConfig) -> Params:
    return {}


@dataclass(frozen=True)
class Stage:
    """One named step of the pipeline."""

    name: str
    result: type[Result]
    run: Callable[[Context], Result]
    deps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    files: Callable[[PipelineConfig], tuple[Path, ...]] = _no_files
    extra: Callable[[PipelineConfig], Params] = _no_params

    @property
    def artifact(self) -> str:
        """The artifact's file name in the episode folder."""
        return artifact_name(self.name)

    def params(self, cfg: PipelineConfig) -> Params:
        """The configuration this stage's result depends on."""
        out: Params = {s: cfg.section_dict(s) for s in self.sections}
        out.update(self.extra(cfg))
        return out


def _forced(cfg: PipelineConfig) -> bool:
    return cfg.align.engine == "forced"


def _inputs_audio(cfg: PipelineConfig) -> tuple[Path, ...]:
    return (require(cfg.inputs.audio, "inputs.audio"),)


def _inputs_text(cfg: PipelineConfig) -> tuple[Path, ...]:
    return (require(cfg.inputs.transcript, "inputs.transcript"), *cfg.inputs.translations)


def _asr_words(cfg: PipelineConfig) -> Params:
    """The ASR options that change words. Threads change speed only: batch sets them from
    --workers, and a resume with another worker count must not redo ASR."""
    return {"asr": {k: v for k, v in cfg.section_dict("asr").items() if k != "cpu_threads"}}


def _forced_words(cfg: PipelineConfig) -> Params:
    # The forced engine runs the model itself: its words depend on the model, not on how
    # many threads run it.
    return _asr_words(cfg) if _forced(cfg) else {}


def _forced_audio(cfg: PipelineConfig) -> tuple[Path, ...]:
    return _inputs_audio(cfg) if _forced(cfg) else ()


def _corrections(cfg: PipelineConfig) -> tuple[Path, ...]:
    """The corrections file the segment stage applies, so that editing it re-runs the stage."""
    found = cfg.corrections_file
    return (found,) if found is not None else ()


def _parse_format(cfg: PipelineConfig) -> Params:
    return {"format": cfg.inputs.format}


def _dialogue(cfg: PipelineConfig) -> Params:
    # --speakers dash joins cues in the segment stage; voice and none only change the files.
    return {"dialogue_dashes": cfg.output.speakers == "dash"}


def _review_page(cfg: PipelineConfig) -> Params:
    return {"review_page": cfg.output.review_page}


def _output_options(cfg: PipelineConfig) -> Params:
    options: Params = json.loads(cfg.output.model_dump_json(exclude={"dir"}))
    return options


STAGES: dict[str, Stage] = {
    s.name: s
    for s in (
        Stage("ingest", IngestResult, audio.ingest, files=_inputs_audio),
        Stage("vad", VadResult, audio.vad, ("ingest",), ("vad",), _inputs_audio),
        Stage(
            "transcribe",
            TranscribeResult,
            audio.transcribe,
            ("ingest", "vad"),
            files=_inputs_audio,
            extra=_asr_words,
        ),
        Stage("parse", ParseResult, text.parse, files=_inputs_text, extra=_parse_format),
        Stage(
            "align",
            AlignResult,
            timing.align,
            ("parse", "transcribe", "vad", "ingest"),
            ("align",),
            files=_forced_audio,
            extra=_forced_words,
        ),
        Stage(
            "refine", RefineResult, timing.refine, ("align", "ingest"), ("refine",), _inputs_audio
        ),
        Stage(
            "bitext",
            BitextResult,
            translation.bitext,
            ("parse", "transcribe", "vad", "align", "refine"),
            ("bitext", "refine"),
        ),
        Stage("shots", ShotsResult, video.shots, (), ("shots",), _inputs_audio),
        Stage(
            "segment",
            SegmentResult,
            subtitles.segment,
            ("align", "refine", "parse", "bitext", "ingest", "shots"),
            ("segment",),
            _corrections,
            _dialogue,
        ),
        Stage(
            "write",
            WriteResult,
            output.write,
            ("segment", "align", "refine"),
            extra=_output_options,
        ),
        Stage(
            "report",
            ReportResult,
            output.report,
            ("ingest", "vad", "parse", "align", "refine", "bitext", "shots", "segment", "write"),
            extra=_review_page,
        ),
    )
}

__all__ = ["STAGES", "Context", "ProgressFn", "Stage"]
