"""Shot changes of a video, as records: where each new shot starts, frame-exact and in ms.

Times are integer milliseconds on the video stream's timeline (its first frame at its own
presentation time, 0 for the files ffmpeg and editors write), frames are counted from the
stream's first decoded frame, and the frame rate is kept as the exact fraction the stream
declares (``24000/1001``, not ``23.976``), so that "two frames before the cut" is computed, not
rounded twice.

>>> shots = Shots(25, 1, 100, 4000, (ShotChange(50, 2000, 15.6),))
>>> shots.fps, shots.frame_ms(-2), shots.offset_frames(2000, 1920)
(25.0, -80, -2)
"""

from __future__ import annotations

from dataclasses import dataclass

MS_PER_S = 1000


@dataclass(frozen=True, slots=True)
class ShotChange:
    """The first frame of a new shot.

    Attributes:
        frame: its index among the stream's decoded frames (0 = the first).
        time_ms: its presentation time.
        score: how different it is from the frame before (ffmpeg ``scdet``: 0-100).
    """

    frame: int
    time_ms: int
    score: float

    def __post_init__(self) -> None:
        if self.frame < 0 or self.time_ms < 0:
            raise ValueError(f"a shot change at frame {self.frame}, {self.time_ms} ms")


@dataclass(frozen=True, slots=True)
class Shots:
    """A video's shot changes and the frame grid they sit on.

    Attributes:
        fps_num, fps_den: the stream's average frame rate as a fraction (``25/1``).
        frames: frames decoded.
        duration_ms: presentation time of the end of the last frame.
        changes: every shot change, in time order (the first frame of the video is none).
    """

    fps_num: int
    fps_den: int
    frames: int
    duration_ms: int
    changes: tuple[ShotChange, ...] = ()

    def __post_init__(self) -> None:
        if self.fps_num <= 0 or self.fps_den <= 0:
            raise ValueError(f"frame rate {self.fps_num}/{self.fps_den}")
        times = [c.time_ms for c in self.changes]
        if times != sorted(times):
            raise ValueError("shot changes out of time order")

    @property
    def fps(self) -> float:
        """Frames per second."""
        return self.fps_num / self.fps_den

    def frame_ms(self, frames: int) -> int:
        """The length of ``frames`` frames (negative: before), in whole ms, rounded."""
        num = frames * MS_PER_S * self.fps_den
        return (2 * num + self.fps_num) // (2 * self.fps_num)  # round half up

    def offset_frames(self, origin_ms: int, time_ms: int) -> int:
        """Which frame after the one at ``origin_ms`` (negative: before) ``time_ms`` shows first.

        A cue with in-time ``time_ms`` is first seen on this frame, and one with out-time
        ``time_ms`` is last seen on the frame before it: the first frame presented at or after
        the time, with half a millisecond allowed for frame times written in whole ms.
        """
        # ceil((t - origin - 0.5) * fps / 1000) in integers
        num = (2 * (time_ms - origin_ms) - 1) * self.fps_num
        return -((-num) // (2 * MS_PER_S * self.fps_den))
