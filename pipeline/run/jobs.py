"""The records of a batch: each episode's job, its result, and the batch report with its totals.

A :class:`Job` goes to an executor (:mod:`pipeline.run.executors`) and comes back as an
:class:`EpisodeResult`, picklable so that it can cross from a pool worker or a Ray task;
:class:`BatchReport` holds them in manifest order and gives ``batch.json`` its rows
(:class:`EpisodeRow`) and totals (:data:`BatchTotals`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, NotRequired, Protocol, TypedDict

from pipeline.errors import PipelineError, StageError
from pipeline.run.artifacts import Json, JsonObject
from pipeline.run.config import PipelineConfig

NOT_STARTED: Final = "not started"  # status of an episode a Ctrl-C kept from running
Status = Literal["ok", "skipped", "failed", "not started"]

__all__ = [
    "NOT_STARTED",
    "BatchProgress",
    "BatchReport",
    "BatchTotals",
    "EpisodeResult",
    "EpisodeRow",
    "EpisodeStats",
    "Job",
    "Status",
]


class BatchProgress(Protocol):
    """What a batch tells its display; every method is called in the parent process."""

    def start(self, episodes: int) -> None: ...
    def stage(self, worker: str, episode: str, stage: str, done: int, total: int) -> None: ...
    def finished(self, result: EpisodeResult) -> None: ...
    def stop(self) -> None: ...


@dataclass(frozen=True)
class Job:
    """One episode to run: its id, its full config, and whether to ignore the lock."""

    id: str
    config: PipelineConfig
    force: bool = False


class EpisodeStats(TypedDict, total=False):
    """QC figures read from an episode's artifacts; a key is there when its artifact is.

    Attributes:
        coverage: share of the transcript aligned (the report's, else the align stage's).
        cues: cues per subtitle track, by language code.
        lint_hard: hard lint violations over all tracks (when the report has lint counts).
        lint_total: all lint violations over all tracks.
    """

    coverage: float | None
    cues: dict[str, int]
    lint_hard: int
    lint_total: int


class _RowHead(TypedDict):
    id: str
    status: Status
    error: str | None
    audio_s: float
    wall_s: float
    stages_run: list[str]
    stages_skipped: list[str]
    hint: NotRequired[str | None]  # failed episodes: what to try
    failed_stage: NotRequired[str | None]
    realtime_factor: NotRequired[float]  # ok episodes with audio: wall seconds per audio second


class EpisodeRow(_RowHead, EpisodeStats):
    """One episode in ``batch.json``: its outcome, its :class:`EpisodeStats`, then its worker."""

    worker: str


@dataclass(frozen=True)
class EpisodeResult:
    """What happened to one episode (picklable: it comes back from workers).

    Attributes:
        status: ``ok`` (some stage ran), ``skipped`` (all up to date), ``failed``, or
            ``not started`` (a Ctrl-C came first).
        error: the :class:`PipelineError` of a failed episode; its hint says what to try.
        audio_s: the episode's audio duration, when ingest got that far.
        wall_s: seconds this run spent on the episode.
        stats: coverage, cues, lint counts read from the episode's artifacts.
    """

    id: str
    status: Status
    error: PipelineError | None = None
    audio_s: float = 0.0
    wall_s: float = 0.0
    stages_run: tuple[str, ...] = ()
    stages_skipped: tuple[str, ...] = ()
    worker: str = ""
    stats: EpisodeStats = field(default_factory=EpisodeStats)

    def to_json(self) -> EpisodeRow:
        """The ``batch.json`` row."""
        head: _RowHead = {
            "id": self.id,
            "status": self.status,
            "error": self.error.format() if self.error else None,
            "audio_s": round(self.audio_s, 3),
            "wall_s": round(self.wall_s, 3),
            "stages_run": list(self.stages_run),
            "stages_skipped": list(self.stages_skipped),
        }
        if self.error is not None:
            head["hint"] = self.error.hint
            head["failed_stage"] = self.error.stage if isinstance(self.error, StageError) else None
        if self.status == "ok" and self.audio_s > 0:
            head["realtime_factor"] = round(self.wall_s / self.audio_s, 4)
        return {**head, **self.stats, "worker": self.worker}


# batch.json's totals; "not started" is a status, hence the functional form.
BatchTotals = TypedDict(
    "BatchTotals",
    {
        "episodes": int,
        "ok": int,
        "skipped": int,
        "failed": int,
        "not started": int,
        "audio_s": float,
        "audio_processed_s": float,
        "wall_s": float,
        "episode_wall_s": float,
        "audio_hours_per_hour": float | None,
        "executor": str,
        "workers": int,
        "interrupted": bool,
    },
)


@dataclass(frozen=True)
class BatchReport:
    """The outcome of a batch, in manifest order."""

    episodes: tuple[EpisodeResult, ...]
    wall_s: float
    executor: str = "local"
    workers: int = 1
    interrupted: bool = False

    @property
    def succeeded(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.episodes if r.status in ("ok", "skipped"))

    @property
    def failed(self) -> dict[str, PipelineError]:
        return {r.id: r.error for r in self.episodes if r.error is not None}

    @property
    def ok(self) -> bool:
        """True when nothing failed and nothing was left undone."""
        return not self.failed and not self.interrupted

    def totals(self) -> BatchTotals:
        """Counts, audio and time totals, and throughput in audio hours per hour."""

        def count(status: Status) -> int:
            return sum(r.status == status for r in self.episodes)

        done_s = sum(r.audio_s for r in self.episodes if r.status == "ok")
        return {
            "episodes": len(self.episodes),
            "ok": count("ok"),
            "skipped": count("skipped"),
            "failed": count("failed"),
            NOT_STARTED: count(NOT_STARTED),
            "audio_s": round(sum(r.audio_s for r in self.episodes), 3),
            "audio_processed_s": round(done_s, 3),
            "wall_s": round(self.wall_s, 3),
            "episode_wall_s": round(sum(r.wall_s for r in self.episodes), 3),
            "audio_hours_per_hour": round(done_s / self.wall_s, 3) if self.wall_s > 0 else None,
            "executor": self.executor,
            "workers": self.workers,
            "interrupted": self.interrupted,
        }

    def to_json(self) -> JsonObject:
        """``batch.json``: every episode's row, then the totals."""
        return {
            "episodes": [_json(r.to_json()) for r in self.episodes],
            "totals": _json(self.totals()),
        }


def _json(value: object) -> Json:
    """A row or totals (typed dicts of JSON values) as the JSON value it is, order kept."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    raise TypeError(f"not a JSON value: {type(value).__name__}")
