"""Typed stage results: one frozen record per stage, each with one JSON codec.

A stage returns its result; the runner writes ``result.to_json()`` as the stage's artifact, and a
later stage reads it back with ``ctx.get(AlignResult)`` (see :mod:`pipeline.run.context`), which
decodes it once with ``AlignResult.from_json``. Nothing else touches artifact JSON, so a stage
reads records (words, documents, tracks), never dictionaries.

The JSON keeps integer milliseconds and compact rows (a word is ``[text, start, end, status,
speaker, turn]``), so artifacts stay small and readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Protocol, TypeVar

from pipeline.model import Document, Recognition, TimedWord, Track, Word
from pipeline.run.artifacts import (
    Json,
    JsonObject,
    as_float,
    as_int,
    as_list,
    as_object,
    as_str,
    opt_int,
    opt_str,
)
from pipeline.run.codecs import (
    document_from_json,
    document_to_json,
    track_from_json,
    track_to_json,
    words_from_json,
    words_to_json,
)
from pipeline.run.reviewed import CorrectionsUsed, ProxyMade
from pipeline.run.shotresult import ShotsResult as ShotsResult  # its own module (size)

R = TypeVar("R", bound="Result")


class Result(Protocol):
    """What every stage result is: a frozen record with a JSON codec."""

    stage: ClassVar[str]  # the stage that produces it

    def to_json(self) -> JsonObject: ...

    @classmethod
    def from_json(cls: type[R], data: JsonObject) -> R: ...


# --- stage results ---------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    """The decoded episode audio: where it is, its hash and length."""

    stage: ClassVar[str] = "ingest"
    path: str
    sha256: str
    duration_ms: int
    sample_rate: int

    def to_json(self) -> JsonObject:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "duration_ms": self.duration_ms,
            "sample_rate": self.sample_rate,
        }

    @classmethod
    def from_json(cls, data: JsonObject) -> IngestResult:
        return cls(
            as_str(data["path"]),
            as_str(data["sha256"]),
            as_int(data["duration_ms"]),
            as_int(data["sample_rate"]),
        )


@dataclass(frozen=True)
class VadResult:
    """Speech regions, in ms: every later stage that needs them reads these."""

    stage: ClassVar[str] = "vad"
    regions: tuple[tuple[int, int], ...]

    def to_json(self) -> JsonObject:
        return {"regions": [[a, b] for a, b in self.regions]}

    @classmethod
    def from_json(cls, data: JsonObject) -> VadResult:
        pairs = (as_list(r) for r in as_list(data["regions"]))
        return cls(tuple((as_int(a), as_int(b)) for a, b in pairs))


@dataclass(frozen=True)
class TranscribeResult:
    """What Whisper recognised, word by word."""

    stage: ClassVar[str] = "transcribe"
    recognition: Recognition

    def to_json(self) -> JsonObject:
        rec = self.recognition
        return {
            "language": rec.language,
            "duration_ms": rec.duration_ms,
            "model": rec.model,
            "words": [[w.text, w.start_ms, w.end_ms, round(w.probability, 4)] for w in rec.words],
        }

    @classmethod
    def from_json(cls, data: JsonObject) -> TranscribeResult:
        rows = (as_list(r) for r in as_list(data["words"]))
        words = tuple(Word(as_str(t), as_int(s), as_int(e), as_float(p)) for t, s, e, p in rows)
        model = as_str(data.get("model", ""))
        rec = Recognition(as_str(data["language"]), as_int(data["duration_ms"]), words, model)
        return cls(rec)


@dataclass(frozen=True)
class ParseResult:
    """The transcript and every separate translation, parsed."""

    stage: ClassVar[str] = "parse"
    document: Document
    translations: tuple[Document, ...] = ()

    def to_json(self) -> JsonObject:
        return {
            "document": document_to_json(self.document),
            "translations": [document_to_json(d) for d in self.translations],
        }

    @classmethod
    def from_json(cls, data: JsonObject) -> ParseResult:
        extra = tuple(document_from_json(d) for d in as_list(data["translations"]))
        return cls(document_from_json(data["document"]), extra)


Engine = Literal["forced", "transcribe"]


@dataclass(frozen=True)
class AlignResult:
    """Every transcript word with its time, and how the words were timed.

    Attributes:
        language: the spoken language the words were aligned in.
        coverage: share of speech words that are timed (aligned or interpolated).
        engine: ``forced`` (the default) or ``transcribe``.
        windows, fallback_windows, confidence: the forced engine's encoder windows, those it
            transcribed instead, and each word's decoder probability (None: not forced).
    """

    stage: ClassVar[str] = "align"
    language: str
    coverage: float
    aligned: int
    interpolated: int
    unspoken: int
    words: tuple[TimedWord, ...]
    engine: Engine = "forced"
    windows: int | None = None
    fallback_windows: int | None = None
    confidence: tuple[float | None, ...] | None = None

    def to_json(self) -> JsonObject:
        out: JsonObject = {
            "language": self.language,
            "coverage": self.coverage,
            "aligned": self.aligned,
            "interpolated": self.interpolated,
            "unspoken": self.unspoken,
            "words": words_to_json(self.words),
            "engine": self.engine,
        }
        if self.engine == "forced":
            out["windows"] = self.windows
            out["fallback_windows"] = self.fallback_windows
            out["confidence"] = None if self.confidence is None else list(self.confidence)
        return out

    @classmethod
    def from_json(cls, data: JsonObject) -> AlignResult:
        conf = data.get("confidence")
        confidence = None
        if conf is not None:
            confidence = tuple(None if c is None else as_float(c) for c in as_list(conf))
        engine = as_str(data.get("engine", "forced"))
        return cls(
            as_str(data["language"]),
            as_float(data["coverage"]),
            as_int(data["aligned"]),
            as_int(data["interpolated"]),
            as_int(data["unspoken"]),
            words_from_json(data["words"]),
            "transcribe" if engine == "transcribe" else "forced",
            opt_int(data.get("windows")),
            opt_int(data.get("fallback_windows")),
            confidence,
        )


@dataclass(frozen=True)
class RefineResult:
    """The aligned words with their starts moved onto the acoustic onsets."""

    stage: ClassVar[str] = "refine"
    aligned: AlignResult  # the align result with the sharpened words
    moved: int  # words whose start moved

    def to_json(self) -> JsonObject:
        return {**self.aligned.to_json(), "moved": self.moved}

    @classmethod
    def from_json(cls, data: JsonObject) -> RefineResult:
        return cls(AlignResult.from_json(data), as_int(data["moved"]))


@dataclass(frozen=True)
class TranslatedSentence:
    """One translated sentence and where it was placed (no times: unplaced)."""

    index: int
    text: str
    start_ms: int | None
    end_ms: int | None
    status: str  # aligned | split | gap | unplaced ...
    margin: float
    src: tuple[int, ...]  # source sentences it translates
    speaker: str | None
    turn_index: int

    def to_json(self) -> JsonObject:
        return {
            "index": self.index,
            "text": self.text,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "status": self.status,
            "margin": self.margin,
            "src": list(self.src),
            "speaker": self.speaker,
            "turn_index": self.turn_index,
        }

    @classmethod
    def from_json(cls, value: Json) -> TranslatedSentence:
        d = as_object(value)
        return cls(
            as_int(d["index"]),
            as_str(d["text"]),
            opt_int(d["start_ms"]),
            opt_int(d["end_ms"]),
            as_str(d["status"]),
            as_float(d["margin"]),
            tuple(as_int(i) for i in as_list(d["src"])),
            opt_str(d["speaker"]),
            as_int(d["turn_index"]),
        )


@dataclass(frozen=True)
class Doubtful:
    """A translated sentence the editor should look at, with its neighbours' times."""

    index: int
    text: str
    status: str  # unplaced | gap | low_confidence ...
    start_ms: int | None
    end_ms: int | None
    prev_end_ms: int | None
    next_start_ms: int | None

    def to_json(self) -> JsonObject:
        return {
            "index": self.index,
            "text": self.text,
            "status": self.status,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "prev_end_ms": self.prev_end_ms,
            "next_start_ms": self.next_start_ms,
        }

    @classmethod
    def from_json(cls, value: Json) -> Doubtful:
        d = as_object(value)
        return cls(
            as_int(d["index"]),
            as_str(d["text"]),
            as_str(d["status"]),
            opt_int(d["start_ms"]),
            opt_int(d["end_ms"]),
            opt_int(d["prev_end_ms"]),
            opt_int(d["next_start_ms"]),
        )


@dataclass(frozen=True)
class RetimedCue:
    """A cue of a subtitle file given as the translation: its own lines, new times (or none)."""

    turn_index: int
    lines: tuple[str, ...]
    start_ms: int | None
    end_ms: int | None
    status: str  # aligned | split | gap | unplaced

    def to_json(self) -> JsonObject:
        return {
            "turn_index": self.turn_index,
            "lines": list(self.lines),
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "status": self.status,
        }

    @classmethod
    def from_json(cls, value: Json) -> RetimedCue:
        d = as_object(value)
        return cls(
            as_int(d["turn_index"]),
            tuple(as_str(x) for x in as_list(d["lines"])),
            opt_int(d["start_ms"]),
            opt_int(d["end_ms"]),
            as_str(d["status"]),
        )


@dataclass(frozen=True)
class LanguageTiming:
    """How one translation language was aligned and timed.

    Attributes:
        mode: ``paired`` (turns paired in the input), ``source-text`` (a separate translation
            of the transcript) or ``translation-only`` (against the recognised English).
        beads: (source sentences, translated sentences, margin) per bead.
        stretches, failed_pairs: diagnostics of paired turns out of step (opaque to the run).
        placed, total: translated sentences timed, of all.
        doubtful: every sentence not placed with confidence.
        cues: a subtitle file given as the translation: its own cues, retimed (the artifact
            has ``cues`` only then).
    """

    mode: str
    ratio: float
    source_sentences: int
    sentences: tuple[TranslatedSentence, ...]
    beads: tuple[tuple[tuple[int, ...], tuple[int, ...], float], ...]
    stretches: tuple[JsonObject, ...]
    failed_pairs: tuple[JsonObject, ...]
    placed: int
    total: int
    doubtful: tuple[Doubtful, ...]
    cues: tuple[RetimedCue, ...] = ()

    def to_json(self) -> JsonObject:
        out: JsonObject = {
            "mode": self.mode,
            "ratio": self.ratio,
            "source_sentences": self.source_sentences,
            "sentences": [s.to_json() for s in self.sentences],
            "beads": [[list(s), list(t), m] for s, t, m in self.beads],
            "stretches": list(self.stretches),
            "failed_pairs": list(self.failed_pairs),
            "qc": {
                "placed": self.placed,
                "total": self.total,
                "listed": [d.to_json() for d in self.doubtful],
            },
        }
        if self.cues:
            out["cues"] = [c.to_json() for c in self.cues]
        return out

    @classmethod
    def from_json(cls, value: Json) -> LanguageTiming:
        d = as_object(value)
        qc = as_object(d["qc"])
        beads = []
        for bead in as_list(d["beads"]):
            s, t, m = as_list(bead)
            beads.append(
                (
                    tuple(as_int(i) for i in as_list(s)),
                    tuple(as_int(i) for i in as_list(t)),
                    as_float(m),
                )
            )
        return cls(
            as_str(d["mode"]),
            as_float(d["ratio"]),
            as_int(d["source_sentences"]),
            tuple(TranslatedSentence.from_json(s) for s in as_list(d["sentences"])),
            tuple(beads),
            tuple(as_object(s) for s in as_list(d["stretches"])),
            tuple(as_object(s) for s in as_list(d["failed_pairs"])),
            as_int(qc["placed"]),
            as_int(qc["total"]),
            tuple(Doubtful.from_json(r) for r in as_list(qc["listed"])),
            tuple(RetimedCue.from_json(c) for c in as_list(d.get("cues", []))),
        )


@dataclass(frozen=True)
class BitextResult:
    """Every translation language, aligned to source sentences and timed."""

    stage: ClassVar[str] = "bitext"
    source_language: str
    languages: Mapping[str, LanguageTiming] = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        langs: JsonObject = {k: v.to_json() for k, v in self.languages.items()}
        return {"source_language": self.source_language, "languages": langs}

    @classmethod
    def from_json(cls, data: JsonObject) -> BitextResult:
        langs = {k: LanguageTiming.from_json(v) for k, v in as_object(data["languages"]).items()}
        return cls(as_str(data["source_language"]), langs)


@dataclass(frozen=True)
class SegmentResult:
    """The finished tracks: monolingual per language, stacked bilingual ones.

    ``corrections`` is set when a corrections file was applied (the artifact has the key only
    then, so runs without one write the artifact they always did).
    """

    stage: ClassVar[str] = "segment"
    tracks: tuple[Track, ...]
    corrections: CorrectionsUsed | None = None

    def to_json(self) -> JsonObject:
        out: JsonObject = {"tracks": [track_to_json(t) for t in self.tracks]}
        if self.corrections is not None:
            out["corrections"] = self.corrections.to_json()
        return out

    @classmethod
    def from_json(cls, data: JsonObject) -> SegmentResult:
        used = data.get("corrections")
        return cls(
            tuple(track_from_json(t) for t in as_list(data["tracks"])),
            None if used is None else CorrectionsUsed.from_json(used),
        )


@dataclass(frozen=True)
class WriteResult:
    """The files written, each with its SHA-256 (a later run removes only unchanged ones)."""

    stage: ClassVar[str] = "write"
    files: Mapping[str, str]

    def to_json(self) -> JsonObject:
        return {"files": dict(self.files)}

    @classmethod
    def from_json(cls, data: JsonObject) -> WriteResult:
        return cls({k: as_str(v) for k, v in as_object(data.get("files", {})).items()})


@dataclass(frozen=True)
class ReportResult:
    """The QC summary (the full report is ``<stem>.report.json``), and the review page's
    audio proxy when one was made."""

    stage: ClassVar[str] = "report"
    summary: JsonObject
    proxy: ProxyMade | None = None

    def to_json(self) -> JsonObject:
        out: JsonObject = {"summary": self.summary}
        if self.proxy is not None:
            out["proxy"] = self.proxy.to_json()
        return out

    @classmethod
    def from_json(cls, data: JsonObject) -> ReportResult:
        proxy = data.get("proxy")
        return cls(
            as_object(data["summary"]), None if proxy is None else ProxyMade.from_json(proxy)
        )
