"""The shots stage: the shot changes of a video input (audio input: an empty result)."""

from __future__ import annotations

from pipeline.run.context import Context, require
from pipeline.run.results import ShotsResult


def shots(ctx: Context) -> ShotsResult:
    """Shot changes of the input's picture, found once; none when the input is audio only.

    Their frame rate, the stream's, is the one the segment stage counts frames in for video
    input (``segment.fps`` and ``--fps`` are for audio-only input).
    """
    from pipeline.video.detect import detect_shots

    path = require(ctx.config.inputs.audio, "inputs.audio")
    return ShotsResult(detect_shots(path, ctx.config.shots, ctx.step("shots")))
