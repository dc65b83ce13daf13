"""The shots stage's result: the input's shot changes, or none when it has no picture.

A frozen record with one JSON codec, like every record of :mod:`pipeline.run.results` (which
re-exports it: ``from pipeline.run.results import ShotsResult``). It lives in its own module
so that results.py stays a readable size. A change is a compact row ``[frame, ms, score]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pipeline.run.artifacts import JsonObject, as_float, as_int, as_list, as_object
from pipeline.video.records import ShotChange, Shots


@dataclass(frozen=True)
class ShotsResult:
    """The shot changes of a video input (``shots`` None: the input has no picture)."""

    stage: ClassVar[str] = "shots"
    shots: Shots | None = None

    @property
    def changes(self) -> tuple[ShotChange, ...]:
        """Every shot change (none for audio input)."""
        return self.shots.changes if self.shots is not None else ()

    def to_json(self) -> JsonObject:
        s = self.shots
        if s is None:
            return {"video": None}
        return {
            "video": {
                "fps": [s.fps_num, s.fps_den],
                "frames": s.frames,
                "duration_ms": s.duration_ms,
            },
            "changes": [[c.frame, c.time_ms, round(c.score, 3)] for c in s.changes],
        }

    @classmethod
    def from_json(cls, data: JsonObject) -> ShotsResult:
        video = data.get("video")
        if video is None:
            return cls(None)
        v = as_object(video)
        num, den = (as_int(x) for x in as_list(v["fps"]))
        rows = (as_list(r) for r in as_list(data["changes"]))
        changes = tuple(ShotChange(as_int(f), as_int(t), as_float(p)) for f, t, p in rows)
        return cls(Shots(num, den, as_int(v["frames"]), as_int(v["duration_ms"]), changes))
