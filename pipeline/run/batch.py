"""Batch runs: every episode of a manifest, isolated, resumable, on local processes or Ray.

Each episode is one :func:`pipeline.run.runner.run_episode` call writing under
``OUT/<id>/``, so a batch inherits the runner's guarantees: atomic files,
fingerprints that skip unchanged stages (a re-run after a crash resumes where
it stopped) and earlier artifacts kept when a stage fails. This module plans the
jobs (:func:`plan`), hands them to an executor and writes the report (:func:`run_all`):

* executors (:mod:`pipeline.run.executors`): ``local`` runs in this process when
  ``workers == 1`` (the serial path, which tests can monkeypatch) and otherwise in a
  spawn-context process pool whose initializer loads the Whisper model once per worker;
  ``ray`` submits the same jobs as Ray tasks;
* failure isolation: only :class:`PipelineError` is recorded as an episode
  failure; anything else is a bug and stops the batch;
* ``OUT/batch.json`` (the records are in :mod:`pipeline.run.jobs`), written atomically
  at the end (also after Ctrl-C).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipeline.errors import ConfigError, output_error
from pipeline.run import artifacts as art
from pipeline.run.config import Override, apply_overrides, build_config
from pipeline.run.executors import (
    Batch,
    RayOptions,
    TranscribeFn,
    import_ray,
    ray_cores,
    run_one,
    run_pool,
    run_ray,
    run_serial,
)
from pipeline.run.folder import load_folder
from pipeline.run.jobs import NOT_STARTED, BatchProgress, BatchReport, EpisodeResult, Job
from pipeline.run.manifest import Manifest, load_manifest

REPORT_NAME = "batch.json"
EXECUTORS = ("local", "ray")

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


# --- planning ----------------------------------------------------------------


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
    overrides: tuple[Override, ...] = (),
) -> list[Job]:
    """Each episode's job; ``asr.cpu_threads`` divides the cores between workers.

    The thread count is only set where the manifest (or ``overrides``) leaves it alone, so
    that ``workers x threads`` never oversubscribes the machine. ``overrides`` (the command
    line's ``--model`` and ``--set``) apply to every episode, after the manifest's own.

    Raises:
        ConfigError: when an episode's combined overrides are invalid.
    """
    threads = max(1, (cores or _cores()) // max(1, workers))
    jobs: list[Job] = []
    for spec in manifest.episodes:
        given = spec.sets("asr.cpu_threads") or any(o.key == "asr.cpu_threads" for o in overrides)
        extra = () if given else (Override.of("asr.cpu_threads", threads),)
        extra = (*overrides, *extra)
        try:
            cfg = spec.config(out_dir, extra)
        except ConfigError as err:
            raise ConfigError(
                err.message, path=manifest.path, line=spec.line, hint=err.hint
            ) from err
        jobs.append(Job(spec.id, cfg, force=not resume))
    return jobs


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
    overrides: tuple[Override, ...] = (),
) -> BatchReport:
    """Run every episode of ``manifest``, write ``out_dir/batch.json``, return the report.

    Args:
        manifest: a loaded manifest, its path, or a folder of episodes paired by file stem
            (:mod:`pipeline.run.folder`); validated whole before anything runs.
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
        overrides: config values for every episode (``--model``, ``--set``).

    Raises:
        ConfigError: an invalid manifest (every problem listed), or an unknown executor.
        KeyboardInterrupt: after Ctrl-C, once ``batch.json`` records what finished.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"unknown executor {executor!r}", hint="use local or ray")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {workers}")
    if overrides:  # the command line's values, checked once before the manifest's episodes
        check = apply_overrides({}, [*overrides, Override.of("episode", "check")])
        build_config(check, base=Path.cwd(), overridden={o.keys: o.origin for o in overrides})
    if not isinstance(manifest, Manifest):
        manifest = load_folder(manifest) if manifest.is_dir() else load_manifest(manifest)
    began = time.perf_counter()
    batch = Batch(workers, progress, transcribe)
    ray, started = import_ray(ray_address) if executor == "ray" else (None, False)
    try:
        cores = ray_cores(ray, workers) if ray is not None else None
        jobs = plan(
            manifest, out_dir, workers=workers, cores=cores, resume=resume, overrides=overrides
        )
        batch.start(len(jobs))
        if ray is not None:
            interrupted = run_ray(batch, jobs, ray, ray_options or RayOptions())
        elif workers > 1 and len(jobs) > 1:
            interrupted = run_pool(batch, jobs)
        else:
            interrupted = run_serial(batch, jobs)
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
