"""Shot changes of a video file, found with FFmpeg's ``scdet`` filter through PyAV.

Why this and not PySceneDetect: PyAV is already how every input is decoded
(:mod:`pipeline.audio.decode`), and it bundles the FFmpeg libraries, ``scdet`` included, so
finding cuts adds no dependency. PySceneDetect's detectors would bring OpenCV (about 100 MB
of wheels) for the same measure: ``scdet`` scores each frame by its mean absolute difference
from the frame before (the change of that difference, 0-100), which is what PySceneDetect's
content detector does in HSV space. Frames are scaled to :attr:`ShotOptions.width` pixels
wide before scoring: a cut is a change of the whole picture, and a 160-pixel frame scores it
the same for a fraction of the work (decoding dominates; the codec decodes on every core).

A frame whose score passes the threshold is the first frame of a new shot. Its index is
counted among the decoded frames (the filter passes each frame through, one out for one in),
its time is its presentation time; the frame rate is the stream's average rate, exact.

An input with no picture (audio, or a music file whose only "video" stream is its cover art)
has no shots: :func:`probe_video` says so without decoding anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import MediaDecodeError
from pipeline.video.records import MS_PER_S, ShotChange, Shots

if TYPE_CHECKING:
    from av.filter import Graph
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

__all__ = ["ShotOptions", "VideoInfo", "detect_shots", "probe_video"]

ATTACHED_PIC = 0x400  # AV_DISPOSITION_ATTACHED_PIC: cover art, not a picture track
SCORE_KEY = "lavfi.scd.score"
CHANGE_KEY = "lavfi.scd.time"  # set by scdet on a frame whose score passed the threshold
PROGRESS_EVERY = 250  # frames between progress reports

Progress = Callable[[int, int], None]  # (frames done, frames expected)


@dataclass(frozen=True, slots=True)
class ShotOptions:
    """How shot changes are found.

    Attributes:
        threshold: ``scdet`` score (0-100) a frame must pass to start a new shot. 10 is
            FFmpeg's default: hard cuts score 15-60, camera moves and flashes of light mostly
            under 8.
        width: frames are scaled to this many pixels wide before they are scored.
        min_shot_frames: a change this many frames or fewer after the previous one is not
            kept (a flash frame or a strobe is one event, not two shots).
    """

    threshold: float = 10.0
    width: int = 160
    min_shot_frames: int = 2

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 100:
            raise ValueError(f"shots.threshold must be in (0, 100), not {self.threshold}")
        if self.width < 16 or self.min_shot_frames < 0:
            raise ValueError("shots.width must be >= 16 and shots.min_shot_frames >= 0")


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What the container says about its picture, before any decoding."""

    fps_num: int
    fps_den: int
    frames: int  # declared frame count (0: not declared)
    duration_ms: int  # declared length (0: not declared)
    width: int
    height: int


def _fail(path: Path, problem: str) -> MediaDecodeError:
    return MediaDecodeError(problem, path=path, hint="Check that the video file is complete")


def _picture_stream(streams: tuple[VideoStream, ...]) -> VideoStream | None:
    """The first video stream that is a picture track (cover art is not)."""
    for stream in streams:
        if not int(stream.disposition) & ATTACHED_PIC:
            return stream
    return None


def _rate(stream: VideoStream) -> Fraction | None:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return Fraction(rate) if rate else None


def _declared_ms(stream: VideoStream, container_us: int | None) -> int:
    if stream.duration is not None and stream.time_base is not None:
        return int(stream.duration * stream.time_base * MS_PER_S)
    return int(container_us // MS_PER_S) if container_us else 0


def probe_video(path: Path) -> VideoInfo | None:
    """The picture track of ``path``, or None when it has none (audio, cover art only).

    Raises:
        MediaDecodeError: when the file cannot be opened as media.
    """
    import av

    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise _fail(path, f"not a readable media file ({exc})") from exc
    with container:
        stream = _picture_stream(tuple(container.streams.video))
        if stream is None:
            return None
        rate = _rate(stream)
        if rate is None or rate <= 0:
            raise _fail(path, "its video stream declares no frame rate")
        return VideoInfo(
            rate.numerator,
            rate.denominator,
            stream.frames or 0,
            _declared_ms(stream, container.duration),
            stream.codec_context.width,
            stream.codec_context.height,
        )


def _graph(stream: VideoStream, opts: ShotOptions) -> Graph:
    """buffer -> scale (``width`` wide, height even) -> scdet -> buffersink."""
    import av

    graph = av.filter.Graph()
    source = graph.add_buffer(template=stream)
    scale = graph.add("scale", f"{opts.width}:-2")
    score = graph.add("scdet", f"threshold={opts.threshold:g}")
    sink = graph.add("buffersink")
    source.link_to(scale)
    scale.link_to(score)
    score.link_to(sink)
    graph.configure()
    return graph


def detect_shots(
    path: Path, opts: ShotOptions | None = None, progress: Progress | None = None
) -> Shots | None:
    """Every shot change of ``path``'s picture, or None when it has no picture.

    Raises:
        MediaDecodeError: when the file cannot be read or its picture cannot be decoded.
    """
    import av

    opts = opts or ShotOptions()
    info = probe_video(path)
    if info is None:
        return None
    expected = info.frames or round(info.duration_ms * info.fps_num / (info.fps_den * MS_PER_S))
    changes: list[ShotChange] = []
    count = 0
    end_ms = 0

    def take(frame: VideoFrame) -> None:
        nonlocal count, end_ms
        time_ms = round(frame.time * MS_PER_S) if frame.time is not None else 0
        end_ms = max(end_ms, time_ms + _frame_ms(info))
        meta = frame.metadata
        if CHANGE_KEY in meta and count > 0:
            last = changes[-1].frame if changes else -opts.min_shot_frames - 1
            if count - last > opts.min_shot_frames:
                changes.append(ShotChange(count, max(time_ms, 0), float(meta.get(SCORE_KEY, 0))))
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count, max(expected, count))

    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise _fail(path, f"not a readable media file ({exc})") from exc
    with container:
        stream = _picture_stream(tuple(container.streams.video))
        assert stream is not None  # probe_video found it
        stream.thread_type = "AUTO"
        graph = _graph(stream, opts)
        try:
            for frame in container.decode(stream):
                graph.vpush(frame)
                _drain(graph, take)
            graph.vpush(None)
            _drain(graph, take)
        except av.error.FFmpegError as exc:
            raise _fail(path, f"its picture could not be decoded at frame {count} ({exc})") from exc
    if progress is not None:
        progress(count, count)
    return Shots(info.fps_num, info.fps_den, count, end_ms, tuple(changes))


def _frame_ms(info: VideoInfo) -> int:
    return round(MS_PER_S * info.fps_den / info.fps_num)


def _drain(graph: Graph, take: Callable[[VideoFrame], None]) -> None:
    """Every frame the graph has ready."""
    import av

    while True:
        try:
            frame = graph.vpull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return
        take(frame)
