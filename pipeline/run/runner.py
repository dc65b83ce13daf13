"""The stage runner: run the configured stages in order, skip what has not changed.

A stage re-runs only when its fingerprint changed (DVC's ``Stage.changed()``
idea, cheapest checks first): its parameters, its code version (the hash of
the modules that implement it) or the hashes of its inputs (external files and
upstream artifacts). Inputs are hashed *before* the stage runs. Fingerprints
live in ``<episode dir>/run.lock.json``; every file is written atomically, and
a failed stage drops only its own lock entry, so earlier artifacts stay valid
for ``--from``/resume.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.errors import ConfigError, PipelineError, StageError, file_error
from pipeline.run import artifacts as art
from pipeline.run.artifacts import Json, JsonObject
from pipeline.run.codehash import code_version
from pipeline.run.config import PipelineConfig
from pipeline.run.results import ReportResult, WriteResult
from pipeline.run.stages import STAGES, Context, ProgressFn

log = logging.getLogger(__name__)

LOCK_NAME = "run.lock.json"
LOCK_VERSION = 1


@dataclass(frozen=True)
class StageOutcome:
    """What happened to one stage in a run."""

    name: str
    status: str  # "ran" | "skipped"
    seconds: float
    reason: str = ""


@dataclass(frozen=True)
class RunResult:
    """The outcome of one episode run."""

    episode: str
    dir: Path
    stages: tuple[StageOutcome, ...]
    files: tuple[str, ...] = ()

    @property
    def ran(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages if s.status == "ran")

    @property
    def skipped(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages if s.status == "skipped")


def _hash_json(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """What a stage's result was made from, and the hash of the artifact it wrote."""

    params_hash: str
    code_version: str
    input_hashes: dict[str, str]
    output_hash: str = ""

    def to_json(self) -> JsonObject:
        hashes: JsonObject = dict(self.input_hashes)
        return {
            "params_hash": self.params_hash,
            "code_version": self.code_version,
            "input_hashes": hashes,
            "output_hash": self.output_hash,
        }

    @classmethod
    def from_json(cls, value: Json) -> Fingerprint:
        d = art.as_object(value)
        hashes = {k: art.as_str(v) for k, v in art.as_object(d["input_hashes"]).items()}
        return cls(
            art.as_str(d["params_hash"]),
            art.as_str(d["code_version"]),
            hashes,
            art.as_str(d.get("output_hash", "")),
        )


@dataclass(frozen=True)
class _FileStamp:
    size: int
    mtime_ns: int
    sha256: str


@dataclass
class _Lock:
    path: Path
    files: dict[str, _FileStamp] = field(default_factory=dict)
    stages: dict[str, Fingerprint] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> _Lock:
        try:
            data = art.read_object(path)
            if data.get("version") == LOCK_VERSION:
                files = {
                    k: _FileStamp(
                        art.as_int(art.as_object(v)["size"]),
                        art.as_int(art.as_object(v)["mtime_ns"]),
                        art.as_str(art.as_object(v)["sha256"]),
                    )
                    for k, v in art.as_object(data.get("files", {})).items()
                }
                stages = {
                    k: Fingerprint.from_json(v)
                    for k, v in art.as_object(data.get("stages", {})).items()
                }
                return cls(path, files, stages)
        except (OSError, ValueError, KeyError):
            pass
        return cls(path)

    def save(self) -> None:
        files: JsonObject = {
            k: {"size": f.size, "mtime_ns": f.mtime_ns, "sha256": f.sha256}
            for k, f in self.files.items()
        }
        stages: JsonObject = {k: f.to_json() for k, f in self.stages.items()}
        art.write_json(self.path, {"version": LOCK_VERSION, "files": files, "stages": stages})

    def file_hash(self, path: Path) -> str:
        """SHA-256 of an input file, cached by (size, mtime) so re-runs don't re-read audio."""
        try:
            st = path.stat()
        except OSError as err:
            raise ConfigError(f"input file not found: {err.strerror}", path=path) from err
        key = str(path.resolve())
        seen = self.files.get(key)
        if seen and seen.size == st.st_size and seen.mtime_ns == st.st_mtime_ns:
            return seen.sha256
        digest = art.sha256_file(path)
        self.files[key] = _FileStamp(st.st_size, st.st_mtime_ns, digest)
        return digest


def _fingerprint(cfg: PipelineConfig, name: str, lock: _Lock) -> Fingerprint:
    stage = STAGES[name]
    inputs: dict[str, str] = {}
    for path in stage.files(cfg):
        inputs[f"file:{path.name}"] = lock.file_hash(path)
    for dep in stage.deps:
        if dep in cfg.stages:
            entry = lock.stages.get(dep)
            inputs[f"stage:{dep}"] = entry.output_hash if entry else "missing"
    return Fingerprint(_hash_json(stage.params(cfg))[:16], code_version(stage.run), inputs)


def _why_changed(old: Fingerprint | None, new: Fingerprint, artifact: Path) -> str:
    if old is None:
        return "never ran"
    if not artifact.exists() or art.sha256_file(artifact) != old.output_hash:
        return "its artifact is missing or was changed"
    if old.params_hash != new.params_hash:
        return "parameters changed"
    if old.code_version != new.code_version:
        return "code changed"
    for key, value in new.input_hashes.items():
        if old.input_hashes.get(key) != value:
            return f"input {key.split(':', 1)[1]} changed"
    if old.input_hashes.keys() != new.input_hashes.keys():
        return "inputs changed"
    return ""


def _outputs_intact(ctx: Context, name: str) -> bool:
    """For the stages that write for people: are their files still there (and unchanged)?"""
    if name == "write":
        for fname, digest in ctx.get(WriteResult).files.items():
            path = ctx.dir / fname
            if not path.exists() or art.sha256_file(path) != digest:
                return False
    if name == "report":
        return all((ctx.dir / fname).is_file() for fname in _report_files(ctx))
    return True


def _report_files(ctx: Context) -> tuple[str, ...]:
    """The report stage's files: the JSON report, the review page and its audio proxy."""
    proxy = ctx.get(ReportResult).proxy
    names: tuple[str, ...] = (f"{ctx.stem}.report.json",)
    if ctx.config.output.review_page:
        names += (f"{ctx.stem}.review.html",)
    return (*names, proxy.name) if proxy is not None else names


def check_inputs(cfg: PipelineConfig) -> None:
    """Every input the run will read, and the model it will load, before any stage runs.

    A misspelt translation path or model name must not cost a decode, a VAD pass and a
    transcription before it is reported.

    Raises:
        ConfigError: for an input that is missing, a folder, or unreadable.
        ModelNotFoundError: for a model that cannot be resolved (name or folder).
    """
    inputs = cfg.inputs
    named = [("inputs.audio", inputs.audio), ("inputs.transcript", inputs.transcript)]
    named += [("inputs.translations", p) for p in inputs.translations]
    for key, path in named:
        if path is None:
            continue
        if not path.exists():
            raise ConfigError("file not found", path=path, hint=f"check the path ({key})")
        if path.is_dir():
            raise ConfigError(
                "is a folder, not a file", path=path, hint=f"give the file itself ({key})"
            )
        if not os.access(path, os.R_OK):
            raise ConfigError(
                "cannot be read (permission denied)", path=path, hint="check its permissions"
            )
    if cfg.uses_model:
        from pipeline.timing.models import resolve_model

        resolve_model(cfg.asr.model)


LOCK_FILE = ".subweave.lock"  # held while a run writes into an episode folder


def _drop_leftovers(folder: Path) -> None:
    for leftover in folder.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Keep a second run out of an episode folder, and clear what a killed run left there.

    A POSIX ``flock`` on ``<folder>/.subweave.lock``: the kernel drops it when the process
    dies, so a killed run never leaves the folder locked. Holding it, no other run can be
    writing, so temporary files (``.NAME.*.tmp``) are leftovers and go.

    Raises:
        ConfigError: when another run holds the folder.
    """
    handle = (folder / LOCK_FILE).open("a")
    try:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, no cleanup
            yield
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                "another subweave run is writing to this folder",
                path=folder,
                hint="wait for it to finish, or give this run another --out",
            ) from None
        _drop_leftovers(folder)
        try:
            yield
        finally:
            # A write cut short by Ctrl-C between creating its temporary file and the
            # cleanup that guards it leaves the file behind: the lock is still ours.
            _drop_leftovers(folder)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def run_episode(
    cfg: PipelineConfig,
    *,
    from_stage: str | None = None,
    only: str | None = None,
    force: bool = False,
    progress: ProgressFn | None = None,
    on_stage: Callable[[StageOutcome], None] | None = None,
) -> RunResult:
    """Run one episode's stages, skipping those whose fingerprints match the lock.

    Args:
        cfg: the validated config.
        from_stage: re-run this stage and every later one, whatever the lock says.
        only: run just this stage (its upstream artifacts must exist).
        force: re-run every stage.
        progress: called with (label, done, total) by long stages.
        on_stage: called after each stage with its outcome (for the CLI's log lines).

    Raises:
        StageError: when a stage fails; earlier artifacts stay valid.
        ConfigError: when ``from_stage``/``only`` name a stage not in the config.
    """
    for flag, value in (("--from", from_stage), ("--only", only)):
        if value is not None and value not in cfg.stages:
            raise ConfigError(
                f"{flag} {value}: not a stage of this config",
                path=cfg.source,
                hint=f"stages: {', '.join(cfg.stages)}",
            )
    check_inputs(cfg)
    ctx = Context(cfg, progress)
    try:
        ctx.dir.mkdir(parents=True, exist_ok=True)
        with folder_lock(ctx.dir):
            return _run_stages(cfg, ctx, from_stage, only, force, on_stage)
    except OSError as exc:  # an output that cannot be written, an input that cannot be read
        raise file_error(exc, ctx.dir) from exc


def _run_stages(
    cfg: PipelineConfig,
    ctx: Context,
    from_stage: str | None,
    only: str | None,
    force: bool,
    on_stage: Callable[[StageOutcome], None] | None,
) -> RunResult:
    lock = _Lock.load(ctx.dir / LOCK_NAME)
    selected = list(cfg.stages)
    if only is not None:
        selected = [only]
    forced_from = cfg.stages.index(from_stage) if from_stage is not None else len(cfg.stages)
    outcomes: list[StageOutcome] = []
    for name in selected:
        stage = STAGES[name]
        artifact_path = ctx.dir / stage.artifact
        fp = _fingerprint(cfg, name, lock)
        old = lock.stages.get(name)
        forced = force or only is not None or cfg.stages.index(name) >= forced_from
        reason = "forced" if forced else _why_changed(old, fp, artifact_path)
        if not reason and not _outputs_intact(ctx, name):
            reason = "its output files are missing or were changed"
        if not reason:
            outcome = StageOutcome(name, "skipped", 0.0, "unchanged")
            log.info("%s: unchanged, skipping", name)
        else:
            for dep in stage.deps:
                if dep in cfg.stages and not (ctx.dir / STAGES[dep].artifact).exists():
                    raise StageError(
                        f"stage '{name}' needs the '{dep}' artifact, which is missing",
                        stage=name,
                        episode=cfg.episode,
                        hint="run the whole config once before using --only/--from",
                    )
            began = time.perf_counter()
            lock.stages.pop(name, None)
            lock.save()
            try:
                result = stage.run(ctx)
            except PipelineError as err:
                raise StageError(
                    f"{name} failed: {err.message}",
                    stage=name,
                    episode=cfg.episode,
                    path=err.path,
                    line=err.line,
                    hint=err.hint,
                ) from err
            art.write_json(artifact_path, result.to_json())
            ctx.keep(result)
            lock.stages[name] = replace(fp, output_hash=art.sha256_file(artifact_path))
            lock.save()
            outcome = StageOutcome(name, "ran", time.perf_counter() - began, reason)
            log.info("%s: ran in %.1f s (%s)", name, outcome.seconds, reason)
        outcomes.append(outcome)
        if on_stage is not None:
            on_stage(outcome)
    files: tuple[str, ...] = ()
    if "write" in cfg.stages and (ctx.dir / STAGES["write"].artifact).exists():
        files = tuple(sorted(ctx.get(WriteResult).files))
    if "report" in cfg.stages and (ctx.dir / STAGES["report"].artifact).exists():
        files += tuple(n for n in _report_files(ctx) if (ctx.dir / n).is_file())
    return RunResult(cfg.episode, ctx.dir, tuple(outcomes), files)
