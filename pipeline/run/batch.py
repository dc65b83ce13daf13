"""Batch runs: every episode of a manifest, isolated, resumable, on local processes or Ray.

Each episode is one :func:`pipeline.run.runner.run_episode` call writing under
``OUT/<id>/``, so a batch inherits the runner's guarantees: atomic files,
fingerprints that skip unchanged stages (a re-run after a crash resumes where
it stopped) and earlier artifacts kept when a stage fails. This module adds
the fan-out and the bookkeeping:

* executors: ``local`` runs in this process when ``workers == 1`` (the serial
  path, which tests can monkeypatch) and otherwise in a spawn-context process
  pool whose initializer loads the Whisper model once per worker; ``ray``
  submits the same jobs as Ray tasks (a Ray worker process is reused between
  tasks, so :func:`pipeline.timing.transcribe.load_model`'s per-process cache keeps the model);
* failure isolation: only :class:`PipelineError` is recorded as an episode
  failure; anything else is a bug and stops the batch;
* ``OUT/batch.json``, written atomically at the end (also after Ctrl-C).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipeline.errors import ConfigError, PipelineError, StageError, output_error
from pipeline.run import artifacts as art
from pipeline.run.config import Override, PipelineConfig
from pipeline.run.manifest import Manifest, load_manifest

log = logging.getLogger(__name__)

REPORT_NAME = "batch.json"
NOT_STARTED = "not started"  # status of an episode a Ctrl-C kept from running
EXECUTORS = ("local", "ray")
TranscribeFn = Callable[..., Any]  # same signature as pipeline.timing.transcribe.transcribe

__all__ = [
    "BatchProgress",
    "BatchReport",
    "EpisodeResult",
    "Job",
    "RayOptions",
    "plan",
    "run_all",
    "run_one",
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


@dataclass(frozen=True)
class EpisodeResult:
    """What happened to one episode (picklable: it comes back from workers).

    Attributes:
        status: ``ok`` (some stage ran), ``skipped`` (all up to date) or ``failed``.
        error: the :class:`PipelineError` of a failed episode; its hint says what to try.
        audio_s: the episode's audio duration, when ingest got that far.
        wall_s: seconds this run spent on the episode.
        stats: coverage, cues, lint counts read from the episode's artifacts.
    """

    id: str
    status: str
    error: PipelineError | None = None
    audio_s: float = 0.0
    wall_s: float = 0.0
    stages_run: tuple[str, ...] = ()
    stages_skipped: tuple[str, ...] = ()
    worker: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``batch.json`` row."""
        row: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "error": self.error.format() if self.error else None,
            "audio_s": round(self.audio_s, 3),
            "wall_s": round(self.wall_s, 3),
            "stages_run": list(self.stages_run),
            "stages_skipped": list(self.stages_skipped),
        }
        if self.error is not None:
            row["hint"] = self.error.hint
            row["failed_stage"] = getattr(self.error, "stage", None)
        if self.status == "ok" and self.audio_s > 0:
            row["realtime_factor"] = round(self.wall_s / self.audio_s, 4)
        return {**row, **self.stats, "worker": self.worker}


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

    def totals(self) -> dict[str, Any]:
        """Counts, audio and time totals, and throughput in audio hours per hour."""
        count = {
            s: sum(r.status == s for r in self.episodes)
            for s in ("ok", "skipped", "failed", NOT_STARTED)
        }
        done_s = sum(r.audio_s for r in self.episodes if r.status == "ok")
        return {
            "episodes": len(self.episodes),
            **count,
            "audio_s": round(sum(r.audio_s for r in self.episodes), 3),
            "audio_processed_s": round(done_s, 3),
            "wall_s": round(self.wall_s, 3),
            "episode_wall_s": round(sum(r.wall_s for r in self.episodes), 3),
            "audio_hours_per_hour": round(done_s / self.wall_s, 3) if self.wall_s > 0 else None,
            "executor": self.executor,
            "workers": self.workers,
            "interrupted": self.interrupted,
        }

    def to_json(self) -> dict[str, Any]:
        return {"episodes": [r.to_json() for r in self.episodes], "totals": self.totals()}


@dataclass(frozen=True)
class RayOptions:
    """Resources of one Ray task (one episode).

    Attributes:
        num_cpus: CPUs reserved per episode; None: the ASR thread count.
        num_gpus: GPUs per episode (fractions share one GPU).
        max_retries: re-runs of an episode whose worker process died (crash, OOM, lost node).
    """

    num_cpus: float | None = None
    num_gpus: float = 0.0
    max_retries: int = 2


# --- one episode -------------------------------------------------------------


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def plan(
    manifest: Manifest,
    out_dir: Path,
    *,
    workers: int = 1,
    cores: int | None = None,
    resume: bool = True,
) -> list[Job]:
    """Each episode's job; ``asr.cpu_threads`` divides the cores between workers.

    The thread count is only set where the manifest leaves it alone, so that
    ``workers x threads`` never oversubscribes the machine.

    Raises:
        ConfigError: when an episode's combined overrides are invalid.
    """
    threads = max(1, (cores or _cores()) // max(1, workers))
    jobs: list[Job] = []
    for spec in manifest.episodes:
        extra = () if spec.sets("asr.cpu_threads") else (Override.of("asr.cpu_threads", threads),)
        try:
            cfg = spec.config(out_dir, extra)
        except ConfigError as err:
            raise ConfigError(
                err.message, path=manifest.path, line=spec.line, hint=err.hint
            ) from err
        jobs.append(Job(spec.id, cfg, force=not resume))
    return jobs


def _read_stats(cfg: PipelineConfig) -> tuple[float, dict[str, Any]]:
    """Audio seconds and QC figures from whatever artifacts the episode has."""
    from pipeline.run.stages import STAGES

    def read(stage: str) -> Any:
        try:
            return art.read_json(cfg.episode_dir / STAGES[stage].artifact)
        except (OSError, ValueError):
            return None

    ingest = read("ingest")
    audio_s = float(ingest["duration_ms"]) / 1000 if ingest else 0.0
    stats: dict[str, Any] = {}
    report = read("report")
    align = read("align")
    if report:
        summary = report.get("summary", {})
        tracks = summary.get("tracks", [])
        stats["coverage"] = summary.get("coverage")
        stats["cues"] = {t["code"]: t["cues"] for t in tracks}
        if any("lint_hard" in t for t in tracks):
            stats["lint_hard"] = sum(t.get("lint_hard", 0) for t in tracks)
            stats["lint_total"] = sum(t.get("lint_total", 0) for t in tracks)
    elif align:
        stats["coverage"] = round(float(align["coverage"]), 4)
    return audio_s, stats


Emit = Callable[[str, str, int, int], None]  # (episode, stage, done, total)


def run_one(job: Job, emit: Emit | None = None, worker: str = "") -> EpisodeResult:
    """Run one episode; a :class:`PipelineError` becomes a ``failed`` result, bugs propagate."""
    from pipeline.run.runner import StageOutcome, run_episode

    began = time.perf_counter()
    stages = job.config.stages
    seen: list[StageOutcome] = []

    def on_stage(outcome: StageOutcome) -> None:
        seen.append(outcome)
        if emit is not None:
            i = stages.index(outcome.name) + 1
            emit(job.id, stages[i] if i < len(stages) else "done", 0, 0)

    def progress(label: str, done: int, total: int) -> None:
        if emit is not None:
            emit(job.id, label, done, total)

    if emit is not None:
        emit(job.id, stages[0], 0, 0)
    error: PipelineError | None = None
    try:
        run_episode(job.config, force=job.force, progress=progress, on_stage=on_stage)
    except PipelineError as err:
        error = err
        log.warning("%s failed: %s", job.id, err.format())
    ran = tuple(o.name for o in seen if o.status == "ran")
    status = "failed" if error else "ok" if ran else "skipped"
    audio_s, stats = _read_stats(job.config)
    skipped = tuple(o.name for o in seen if o.status == "skipped")
    wall = time.perf_counter() - began
    return EpisodeResult(job.id, status, error, audio_s, wall, ran, skipped, worker, stats)


def _install_transcribe(fn: TranscribeFn | None) -> None:
    """Replace ASR in this process (tests inject a picklable fake recogniser this way)."""
    if fn is not None:
        from pipeline.timing import transcribe as asr

        asr.transcribe = fn


# --- local process pool ------------------------------------------------------

_EVENTS: Any = None  # the worker's event queue (set by the pool initializer)
_BUSY = False  # is this worker inside an episode? (SIGINT only interrupts then)


@dataclass
class _Batch:
    """A batch in flight: its settings, and the results as they arrive (in the parent)."""

    workers: int
    progress: BatchProgress | None
    transcribe: TranscribeFn | None
    results: dict[str, EpisodeResult] = field(default_factory=dict)

    def start(self, episodes: int) -> None:
        if self.progress is not None:
            self.progress.start(episodes)

    def stage(self, worker: str, episode: str, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress.stage(worker, episode, stage, done, total)

    def done(self, result: EpisodeResult) -> None:
        if result.id not in self.results and self.progress is not None:
            self.progress.finished(result)
        self.results[result.id] = result


def _on_sigint(signum: int, frame: Any) -> None:
    if _BUSY:
        raise KeyboardInterrupt


def _init_worker(events: Any, warm: Any, transcribe: TranscribeFn | None) -> None:
    """Pool initializer: load the Whisper model once; Ctrl-C stops a running episode only."""
    global _EVENTS
    _EVENTS = events
    signal.signal(signal.SIGINT, _on_sigint)
    _install_transcribe(transcribe)
    if warm is not None and transcribe is None:
        from pipeline.timing import models as asr

        try:
            asr.load_model(warm)
        except PipelineError as err:  # the episodes report it, with its hint
            log.warning("could not preload the model: %s", err.format())


def _pool_run(job: Job) -> EpisodeResult:
    global _BUSY
    me = str(os.getpid())

    def emit(episode: str, stage: str, done: int, total: int) -> None:
        _EVENTS.put((me, episode, stage, done, total))

    _BUSY = True
    try:
        return run_one(job, emit if _EVENTS is not None else None, me)
    finally:
        _BUSY = False


def _run_pool(batch: _Batch, jobs: list[Job]) -> bool:
    """Run ``jobs`` on a spawn-context pool; returns True when interrupted by Ctrl-C."""
    ctx = multiprocessing.get_context("spawn")  # no fork: threads and model handles don't fork
    events = ctx.Queue() if batch.progress is not None else None
    if events is not None:

        def pump() -> None:
            while (event := events.get()) is not None:
                batch.stage(*event)

        threading.Thread(target=pump, name="batch-progress", daemon=True).start()
    warm = next((j.config.asr for j in jobs if j.config.uses_model), None)
    pool = ProcessPoolExecutor(
        max_workers=min(batch.workers, len(jobs)),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(events, warm, batch.transcribe),
    )
    queue = list(jobs)  # submitted as workers free up, so Ctrl-C leaves nothing queued
    running: dict[Future[EpisodeResult], Job] = {}
    interrupted = False
    try:
        while queue or running:
            while queue and len(running) < batch.workers:
                job = queue.pop(0)
                running[pool.submit(_pool_run, job)] = job
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                batch.done(_pool_result(fut, running.pop(fut)))
    except KeyboardInterrupt:
        interrupted = True
        log.warning("interrupted: stopping workers; finished episodes are kept")
        pool.shutdown(wait=True, cancel_futures=True)
        for fut in running:
            if not fut.cancelled() and fut.exception() is None:
                batch.done(fut.result())
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
        if events is not None:
            events.put(None)
    return interrupted


def _pool_result(fut: Future[EpisodeResult], job: Job) -> EpisodeResult:
    try:
        return fut.result()
    except BrokenProcessPool:
        err = StageError(
            "not finished: a worker process died (a crash or out of memory)",
            episode=job.id,
            hint="run the batch again to resume; if it recurs, run this episode alone",
        )
        return EpisodeResult(job.id, "failed", err)


def _run_serial(batch: _Batch, jobs: list[Job]) -> bool:
    """In this process, so that monkeypatching and debuggers reach every stage."""
    from pipeline.timing import transcribe as asr

    saved = asr.transcribe
    _install_transcribe(batch.transcribe)
    me = f"main:{os.getpid()}"
    try:
        for job in jobs:
            batch.done(run_one(job, lambda *event: batch.stage(me, *event), me))
    except KeyboardInterrupt:
        return True
    finally:
        asr.transcribe = saved
    return False


# --- Ray ---------------------------------------------------------------------


def _ray_task(job: Job, transcribe: TranscribeFn | None) -> EpisodeResult:
    import socket

    _install_transcribe(transcribe)
    return run_one(job, None, f"{socket.gethostname()}:{os.getpid()}")


def _ray_cores(ray: Any, workers: int) -> int:
    """Cores for ``workers`` concurrent episodes: the cluster's, capped at one node's each."""
    nodes = [n.get("Resources", {}).get("CPU", 0) for n in ray.nodes() if n.get("Alive")]
    total = int(ray.cluster_resources().get("CPU", 1))
    per_node = int(max(nodes, default=total))
    return max(1, min(per_node * workers, total))


def _run_ray(batch: _Batch, jobs: list[Job], ray: Any, options: RayOptions) -> bool:
    """At most ``workers`` episodes in flight as Ray tasks; True when interrupted."""
    threads = jobs[0].config.asr.cpu_threads if jobs else 1
    task = ray.remote(_ray_task).options(
        num_cpus=options.num_cpus if options.num_cpus is not None else max(1, threads),
        num_gpus=options.num_gpus,
        max_retries=options.max_retries,
    )
    hook = ray.put(batch.transcribe)
    queue = list(jobs)
    running: dict[Any, Job] = {}
    try:
        while queue or running:
            while queue and len(running) < batch.workers:
                job = queue.pop(0)
                running[task.remote(job, hook)] = job
                batch.stage(job.id, job.id, "running on ray", 0, 0)
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                batch.done(_ray_result(ray, ref, running.pop(ref)))
    except KeyboardInterrupt:
        for ref in running:
            ray.cancel(ref)
        return True
    return False


def _ray_result(ray: Any, ref: Any, job: Job) -> EpisodeResult:
    lost = tuple(
        getattr(ray.exceptions, name)
        for name in ("WorkerCrashedError", "NodeDiedError", "OutOfMemoryError")
        if hasattr(ray.exceptions, name)
    )
    try:
        result: EpisodeResult = ray.get(ref)
        return result
    except lost as exc:
        err = StageError(
            f"not finished: its Ray worker was lost ({type(exc).__name__})",
            episode=job.id,
            hint="run the batch again to resume; raise max_retries or worker memory if it recurs",
        )
        return EpisodeResult(job.id, "failed", err)


def _import_ray(address: str | None) -> tuple[Any, bool]:
    """Ray, initialised (joining ``address``) unless this process already did; started?"""
    try:
        import ray
    except ImportError as err:
        raise ConfigError("the ray executor needs Ray", hint="pip install 'subweave[ray]'") from err
    if ray.is_initialized():
        return ray, False
    ray.init(address=address, include_dashboard=False, log_to_driver=False)
    return ray, True


# --- the batch ---------------------------------------------------------------


def run_all(
    manifest: Manifest | Path,
    out_dir: Path,
    *,
    workers: int = 1,
    executor: str = "local",
    resume: bool = True,
    ray_address: str | None = None,
    ray_options: RayOptions | None = None,
    progress: BatchProgress | None = None,
    transcribe: TranscribeFn | None = None,
) -> BatchReport:
    """Run every episode of ``manifest``, write ``out_dir/batch.json``, return the report.

    Args:
        manifest: a loaded manifest or its path (validated whole before anything runs).
        out_dir: episodes go to ``out_dir/<id>/``.
        workers: episodes at a time. ``local`` with 1 worker runs in this process.
        executor: ``local`` (process pool) or ``ray``.
        resume: skip stages whose fingerprints match; False re-runs everything.
        ray_address: an existing cluster (``auto``, ``ray://host:10001``); None starts
            a local Ray unless one is already initialised in this process.
        ray_options: CPUs, GPUs and retries per Ray task.
        progress: a display to keep informed (see ``pipeline.cli.batch``).
        transcribe: replaces :func:`pipeline.timing.transcribe.transcribe` in every worker; it
            must be picklable (a module-level function or object). For tests and benchmarks.

    Raises:
        ConfigError: an invalid manifest (every problem listed), or an unknown executor.
        KeyboardInterrupt: after Ctrl-C, once ``batch.json`` records what finished.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"unknown executor {executor!r}", hint="use local or ray")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {workers}")
    if not isinstance(manifest, Manifest):
        manifest = load_manifest(manifest)
    began = time.perf_counter()
    batch = _Batch(workers, progress, transcribe)
    ray, started = _import_ray(ray_address) if executor == "ray" else (None, False)
    try:
        cores = _ray_cores(ray, workers) if ray is not None else None
        jobs = plan(manifest, out_dir, workers=workers, cores=cores, resume=resume)
        batch.start(len(jobs))
        if ray is not None:
            interrupted = _run_ray(batch, jobs, ray, ray_options or RayOptions())
        elif workers > 1 and len(jobs) > 1:
            interrupted = _run_pool(batch, jobs)
        else:
            interrupted = _run_serial(batch, jobs)
    finally:
        if progress is not None:
            progress.stop()
        if started and ray is not None:
            ray.shutdown()
    rows = [batch.results.get(s.id) or EpisodeResult(s.id, NOT_STARTED) for s in manifest.episodes]
    report = BatchReport(tuple(rows), time.perf_counter() - began, executor, workers, interrupted)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        art.write_json(out_dir / REPORT_NAME, report.to_json())
    except OSError as exc:
        if interrupted:
            raise KeyboardInterrupt from exc
        raise output_error(exc, out_dir) from exc
    if interrupted:
        raise KeyboardInterrupt
    return report
