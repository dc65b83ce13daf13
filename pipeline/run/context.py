"""What a stage sees while it runs: the config, the episode folder, upstream results, progress.

Upstream results are asked for by type (``ctx.get(AlignResult)``): the context knows which stage
makes each result, reads that stage's artifact once and decodes it with the result's codec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pipeline.errors import ConfigError
from pipeline.run import artifacts as art
from pipeline.run.config import PipelineConfig, artifact_name
from pipeline.run.results import AlignResult, RefineResult, Result, VadResult

if TYPE_CHECKING:
    from pipeline.audio.decode import Audio

ProgressFn = Callable[[str, int, int], None]  # (label, done, total)

R = TypeVar("R", bound=Result)


def require(path: Path | None, key: str) -> Path:
    """An input path the config must give."""
    if path is None:
        raise ConfigError(
            f"'{key}' is not set", hint=f"give it in the config or with --set {key}=FILE"
        )
    return path


@dataclass
class Context:
    """One run of one episode, as its stages see it."""

    config: PipelineConfig
    progress: ProgressFn | None = None
    _audio: Audio | None = None
    _results: dict[str, Result] = field(default_factory=dict)

    @property
    def dir(self) -> Path:
        return self.config.episode_dir

    @property
    def stem(self) -> str:
        audio = self.config.inputs.audio
        return audio.stem if audio is not None else self.config.episode

    def has(self, kind: type[Result]) -> bool:
        """Whether this run's stages include the one that makes ``kind``."""
        return kind.stage in self.config.stages

    def get(self, kind: type[R]) -> R:
        """The result of the upstream stage that makes ``kind`` (read and decoded once)."""
        got = self._results.get(kind.stage)
        if not isinstance(got, kind):
            got = kind.from_json(art.read_object(self.dir / artifact_name(kind.stage)))
            self._results[kind.stage] = got
        return got

    def keep(self, result: Result) -> None:
        """Remember a result the runner just wrote, so later stages need not read it back."""
        self._results[result.stage] = result

    def find(self, kind: type[R]) -> R | None:
        """Like :meth:`get`, or None when the run has no such stage."""
        return self.get(kind) if self.has(kind) else None

    def words(self) -> AlignResult:
        """The timed transcript words: the refine stage's when it runs, else the align stage's."""
        refined = self.find(RefineResult)
        return refined.aligned if refined is not None else self.get(AlignResult)

    def speech(self) -> tuple[tuple[int, int], ...]:
        """The vad stage's speech regions (none when the stage is not run)."""
        vad = self.find(VadResult)
        return vad.regions if vad is not None else ()

    def step(self, label: str) -> Callable[[int, int], None]:
        """A progress callback ``(done, total)`` for a long stage, labelled ``label``."""

        def report(done: int, total: int) -> None:
            if self.progress is not None:
                self.progress(label, done, total)

        return report

    def audio(self) -> Audio:
        """Decoded audio, decoded at most once per run (16 kHz float32 mono)."""
        if self._audio is None:
            from pipeline.audio.decode import load_audio

            self._audio = load_audio(require(self.config.inputs.audio, "inputs.audio"))
        return self._audio
