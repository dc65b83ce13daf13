"""Executors: one episode run (:func:`run_one`), and the three ways a batch fans episodes out.

* serial: in this process (``local`` with one worker), so that monkeypatching and
  debuggers reach every stage;
* process pool: a spawn-context pool whose initializer loads the Whisper model once per
  worker; workers send their progress to the parent through a queue, and SIGINT only
  interrupts a worker while it is inside an episode;
* Ray: the same jobs as Ray tasks (a Ray worker process is reused between tasks, so
  :func:`pipeline.timing.models.load_model`'s per-process cache keeps the model).

Each returns True when a Ctrl-C stopped it; results arrive through :class:`Batch`. Only a
:class:`PipelineError` becomes a failed episode; anything else is a bug and propagates. A
worker process that dies (crash, out of memory, lost node) fails its episode alone.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Protocol, cast

from pipeline.errors import ConfigError, PipelineError, StageError
from pipeline.run import artifacts as art
from pipeline.run.config import PipelineConfig
from pipeline.run.jobs import BatchProgress, EpisodeResult, EpisodeStats, Job, Status

if TYPE_CHECKING:
    from pipeline.model import Recognition
    from pipeline.timing.transcribe import AsrOptions

log = logging.getLogger(__name__)

# Called as pipeline.timing.transcribe.transcribe(audio, opts, progress, regions) is.
TranscribeFn = Callable[..., "Recognition"]
Emit = Callable[[str, str, int, int], None]  # (episode, stage, done, total)
Event = tuple[str, str, str, int, int]  # (worker, episode, stage, done, total)

__all__ = [
    "Batch",
    "Emit",
    "RayModule",
    "RayOptions",
    "TranscribeFn",
    "import_ray",
    "ray_cores",
    "run_one",
    "run_pool",
    "run_ray",
    "run_serial",
]


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


@dataclass
class Batch:
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


# --- one episode -------------------------------------------------------------


def _read_stats(cfg: PipelineConfig) -> tuple[float, EpisodeStats]:
    """Audio seconds and QC figures from whatever artifacts the episode has."""
    from pipeline.run.stages import STAGES

    def read(stage: str) -> art.Json:
        try:
            return art.read_json(cfg.episode_dir / STAGES[stage].artifact)
        except (OSError, ValueError):
            return None

    ingest = read("ingest")
    audio_s = art.as_float(art.as_object(ingest)["duration_ms"]) / 1000 if ingest else 0.0
    stats: EpisodeStats = {}
    report = read("report")
    align = read("align")
    if report:
        summary = art.as_object(art.as_object(report).get("summary", {}))
        tracks = [art.as_object(t) for t in art.as_list(summary.get("tracks", []))]
        coverage = summary.get("coverage")
        stats["coverage"] = None if coverage is None else art.as_float(coverage)
        stats["cues"] = {art.as_str(t["code"]): art.as_int(t["cues"]) for t in tracks}
        if any("lint_hard" in t for t in tracks):
            stats["lint_hard"] = sum(art.as_int(t.get("lint_hard", 0)) for t in tracks)
            stats["lint_total"] = sum(art.as_int(t.get("lint_total", 0)) for t in tracks)
    elif align:
        stats["coverage"] = round(art.as_float(art.as_object(align)["coverage"]), 4)
    return audio_s, stats


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
    status: Status = "failed" if error else "ok" if ran else "skipped"
    audio_s, stats = _read_stats(job.config)
    skipped = tuple(o.name for o in seen if o.status == "skipped")
    wall = time.perf_counter() - began
    return EpisodeResult(job.id, status, error, audio_s, wall, ran, skipped, worker, stats)


def _install_transcribe(fn: TranscribeFn | None) -> None:
    """Replace ASR in this process (tests inject a picklable fake recogniser this way)."""
    if fn is not None:
        from pipeline.timing import transcribe as asr

        asr.transcribe = fn


# --- in this process ---------------------------------------------------------


def run_serial(batch: Batch, jobs: list[Job]) -> bool:
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


# --- local process pool ------------------------------------------------------


class EventQueue(Protocol):
    """A spawn-context queue: workers put their progress events, the parent gets them
    (None: stop)."""

    def put(self, event: Event | None, /) -> None: ...
    def get(self) -> Event | None: ...


_EVENTS: EventQueue | None = None  # the worker's event queue (set by the pool initializer)
_BUSY = False  # is this worker inside an episode? (SIGINT only interrupts then)


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    if _BUSY:
        raise KeyboardInterrupt


def _init_worker(
    events: EventQueue | None, warm: AsrOptions | None, transcribe: TranscribeFn | None
) -> None:
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
    events = _EVENTS

    def emit(episode: str, stage: str, done: int, total: int) -> None:
        if events is not None:
            events.put((me, episode, stage, done, total))

    _BUSY = True
    try:
        return run_one(job, emit if events is not None else None, me)
    finally:
        _BUSY = False


def run_pool(batch: Batch, jobs: list[Job]) -> bool:
    """Run ``jobs`` on a spawn-context pool; returns True when interrupted by Ctrl-C."""
    ctx = multiprocessing.get_context("spawn")  # no fork: threads and model handles don't fork
    events: EventQueue | None = ctx.Queue() if batch.progress is not None else None
    if events is not None:

        def pump(queue: EventQueue) -> None:
            while (event := queue.get()) is not None:
                batch.stage(*event)

        threading.Thread(target=pump, args=(events,), name="batch-progress", daemon=True).start()
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


# --- Ray ---------------------------------------------------------------------


# ray.exceptions that mean the task's worker process was lost, not that the episode failed
_LOST = ("WorkerCrashedError", "NodeDiedError", "OutOfMemoryError")


class ObjectRef(Protocol):
    """A Ray object reference: opaque here; hashable, and handed back to ``ray.wait/get``."""


class _RemoteTask(Protocol):
    def remote(self, job: Job, transcribe: ObjectRef, /) -> ObjectRef: ...


class _RemoteFunction(Protocol):
    def options(self, *, num_cpus: float, num_gpus: float, max_retries: int) -> _RemoteTask: ...


class RayModule(Protocol):
    """The part of the ``ray`` module a batch uses."""

    @property
    def exceptions(self) -> ModuleType: ...
    def is_initialized(self) -> bool: ...
    def init(
        self, *, address: str | None, include_dashboard: bool, log_to_driver: bool
    ) -> object: ...

    def shutdown(self) -> None: ...
    def nodes(self) -> list[dict[str, object]]: ...
    def cluster_resources(self) -> dict[str, float]: ...
    def remote(
        self, function: Callable[[Job, TranscribeFn | None], EpisodeResult], /
    ) -> _RemoteFunction: ...
    def put(self, value: object, /) -> ObjectRef: ...
    def wait(
        self, refs: list[ObjectRef], /, *, num_returns: int
    ) -> tuple[list[ObjectRef], list[ObjectRef]]: ...
    def get(self, ref: ObjectRef, /) -> object: ...
    def cancel(self, ref: ObjectRef, /) -> None: ...


def _ray_task(job: Job, transcribe: TranscribeFn | None) -> EpisodeResult:
    import socket

    _install_transcribe(transcribe)
    return run_one(job, None, f"{socket.gethostname()}:{os.getpid()}")


def _node_cpus(node: Mapping[str, object]) -> float:
    resources = node.get("Resources", {})
    cpus = resources.get("CPU", 0) if isinstance(resources, Mapping) else 0
    return float(cpus) if isinstance(cpus, int | float) else 0.0


def ray_cores(ray: RayModule, workers: int) -> int:
    """Cores for ``workers`` concurrent episodes: the cluster's, capped at one node's each."""
    nodes = [_node_cpus(n) for n in ray.nodes() if n.get("Alive")]
    total = int(ray.cluster_resources().get("CPU", 1))
    per_node = int(max(nodes, default=total))
    return max(1, min(per_node * workers, total))


def run_ray(batch: Batch, jobs: list[Job], ray: RayModule, options: RayOptions) -> bool:
    """At most ``workers`` episodes in flight as Ray tasks; True when interrupted."""
    threads = jobs[0].config.asr.cpu_threads if jobs else 1
    task = ray.remote(_ray_task).options(
        num_cpus=options.num_cpus if options.num_cpus is not None else max(1, threads),
        num_gpus=options.num_gpus,
        max_retries=options.max_retries,
    )
    hook = ray.put(batch.transcribe)
    queue = list(jobs)
    running: dict[ObjectRef, Job] = {}
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


def _ray_result(ray: RayModule, ref: ObjectRef, job: Job) -> EpisodeResult:
    found = (getattr(ray.exceptions, name, None) for name in _LOST)
    lost = tuple(e for e in found if isinstance(e, type) and issubclass(e, BaseException))
    try:
        result = ray.get(ref)
    except lost as exc:
        err = StageError(
            f"not finished: its Ray worker was lost ({type(exc).__name__})",
            episode=job.id,
            hint="run the batch again to resume; raise max_retries or worker memory if it recurs",
        )
        return EpisodeResult(job.id, "failed", err)
    if not isinstance(result, EpisodeResult):
        raise TypeError(f"a Ray episode task returned {type(result).__name__}")
    return result


def import_ray(address: str | None) -> tuple[RayModule, bool]:
    """Ray, initialised (joining ``address``) unless this process already did; started?"""
    try:
        import ray
    except ImportError as err:
        raise ConfigError("the ray executor needs Ray", hint="pip install 'subweave[ray]'") from err
    # Ray's own annotations are partial (nodes() and cluster_resources() untyped, get and
    # remote overloaded for every arity): the batch sees the module through RayModule.
    module = cast(RayModule, ray)
    if module.is_initialized():
        return module, False
    module.init(address=address, include_dashboard=False, log_to_driver=False)
    return module, True
