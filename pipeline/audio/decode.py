"""Decode any audio or video file to 16 kHz mono float32, hash it, and hold it as :class:`Audio`.

We decode with PyAV directly rather than through ``faster_whisper.audio.decode_audio``:

* PyAV bundles the FFmpeg libraries, so no ffmpeg binary is needed (the same reason
  faster-whisper uses it), and importing it does not pull in ctranslate2, tokenizers and
  huggingface_hub the way ``import faster_whisper`` does.
* ``decode_audio`` silently skips undecodable frames and cannot tell "no audio stream",
  "not a media file", "empty" and "truncated" apart. Users need those told apart, each as a
  one-line :class:`~pipeline.errors.MediaDecodeError` naming the file.
* We resample straight to float32 instead of through ``s16``, so quiet material keeps its
  low bits; stereo is averaged (FFmpeg's mono matrix adds 3 dB); and we demux packet by
  packet, so one corrupt packet costs one packet, not the rest of the file; audio lost to
  corruption is filled with silence by timestamp, so later speech keeps its time.

Speech regions (Silero VAD) are found in :mod:`pipeline.audio.speech`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sized
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline.errors import MediaDecodeError

SAMPLE_RATE = 16_000  # Hz; what Whisper and Silero VAD expect; the one definition
SAMPLES_PER_MS = SAMPLE_RATE // 1000
SILENCE_PEAK_DBFS = -60.0  # dBFS; a file whose loudest sample is below this is "silent"
MIN_DURATION_MS = 100  # ms; less decoded audio than this is treated as empty
TRUNCATION_TOLERANCE_MS = 1_000  # ms; decoded may fall short of the declared length by this
TRUNCATION_RATIO = 0.95  # ... or by this fraction of it, whichever is larger
HASH_CHUNK_BYTES = 1 << 20  # bytes read at a time when hashing
GAP_FILL_SAMPLES = SAMPLE_RATE // 20  # samples; a timestamp jump past this is filled with silence
MAX_BAD_PACKET_RATIO = 0.05  # more undecodable packets than this fraction: the file is broken

__all__ = ["SAMPLES_PER_MS", "SAMPLE_RATE", "Audio", "file_sha256", "load_audio"]


@dataclass(frozen=True)
class Audio:
    """Decoded audio of one episode.

    Attributes:
        path: the file it was decoded from.
        samples: 16 kHz mono float32 samples in [-1, 1], read-only.
        sample_rate: always :data:`SAMPLE_RATE`.
        duration_ms: length of ``samples`` in integer milliseconds.
        sha256: hex SHA-256 of the file's bytes (not of the samples), for run fingerprints.
    """

    path: Path
    samples: np.ndarray = field(repr=False, compare=False)
    sample_rate: int = SAMPLE_RATE
    duration_ms: int = 0
    sha256: str = ""


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks.

    Raises:
        OSError: when the file cannot be read.
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _fail(path: Path, problem: str, hint: str | None = None) -> MediaDecodeError:
    return MediaDecodeError(problem, path=path, hint=hint)


def _ffmpeg_reason(exc: BaseException) -> str:
    """The short FFmpeg reason ("Invalid data found when processing input") of a PyAV error."""
    reason = getattr(exc, "strerror", None) or str(exc)
    return str(reason).split(":")[0].strip().rstrip(".")


def _wav_declared_ms(path: Path) -> int | None:
    """Length a RIFF/WAVE header declares, in ms (FFmpeg clamps it to the file size).

    Returns None for other files and for streamed WAVs whose data size is left open.
    """
    with path.open("rb") as stream:
        head = stream.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        byte_rate = 0
        while len(chunk := stream.read(8)) == 8:
            size = int.from_bytes(chunk[4:], "little")
            if chunk[:4] == b"fmt ":
                fmt = stream.read(size + size % 2)
                byte_rate = int.from_bytes(fmt[8:12], "little")
            elif chunk[:4] == b"data":
                if byte_rate <= 0 or size in (0, 0xFFFFFFFF):
                    return None
                return size * 1000 // byte_rate
            else:
                stream.seek(size + size % 2, 1)
    return None


class _Timed(Protocol):
    """What a PyAV audio stream or frame says about time: a position and its unit."""

    @property
    def time_base(self) -> Fraction | None: ...


class _Stream(_Timed, Protocol):
    """A PyAV audio stream: its declared length, in ``time_base`` units."""

    @property
    def duration(self) -> int | None: ...


class _Frame(_Timed, Protocol):
    """A decoded PyAV audio frame: where it starts, in ``time_base`` units."""

    @property
    def pts(self) -> int | None: ...


class _Container(Protocol):
    """A PyAV input container: its declared length (microseconds) and its streams."""

    @property
    def duration(self) -> int | None: ...

    @property
    def streams(self) -> Sized: ...


def _declared_ms(path: Path, stream: _Stream, container: _Container) -> int | None:
    """The audio stream's declared length in ms, from the header, stream or container."""
    wav_ms = _wav_declared_ms(path)
    if wav_ms is not None:
        return wav_ms
    if stream.duration is not None and stream.time_base is not None:
        return int(stream.duration * stream.time_base * 1000)
    if container.duration is not None and len(container.streams) == 1:
        return int(container.duration // 1000)  # container.duration is in microseconds
    return None


def _frame_sample(frame: _Frame) -> int | None:
    """Where a decoded frame starts on the stream's timeline, in 16 kHz samples."""
    if frame.pts is None or frame.time_base is None:
        return None
    return int(frame.pts * frame.time_base * SAMPLE_RATE)


def _mono(planes: np.ndarray) -> np.ndarray:
    """Average the planes (channels x samples) of a planar float frame into one channel."""
    mono: np.ndarray = planes[0] if planes.shape[0] == 1 else planes.mean(axis=0, dtype=np.float32)
    return mono


def _decode(path: Path) -> np.ndarray:
    """Decode the first audio stream of ``path`` to 16 kHz mono float32.

    Raises:
        MediaDecodeError: when the file is not media, has no audio stream, or is truncated.
    """
    import av  # PyAV; imported here so `import pipeline.audio.decode` stays cheap

    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise _fail(
            path,
            f"not a readable audio or video file ({_ffmpeg_reason(exc)})",
            "Check that the file is complete and in a format FFmpeg reads",
        ) from exc
    with container:
        if not container.streams.audio:
            raise _fail(path, "has no audio stream", "Give the audio file, or a video with sound")
        stream = container.streams.audio[0]
        # Mono and stereo: resample as is and average the channels ourselves (FFmpeg's
        # stereo->mono matrix adds 3 dB and can push samples past full scale). Surround:
        # FFmpeg's downmix, which keeps the dialogue-carrying centre channel forward.
        layout = "mono" if stream.codec_context.channels > 2 else None
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        packets = bad = written = 0  # written: samples so far, gap fill included
        origin: int | None = None  # timeline position (samples) of the first frame
        stopped: av.error.FFmpegError | None = None
        try:
            for packet in container.demux(stream):
                packets += 1
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    bad += 1  # a corrupt packet: skip it, as FFmpeg's CLI does
                    continue
                for frame in frames:
                    at = _frame_sample(frame)
                    if at is not None:
                        origin = at if origin is None else origin
                        gap = at - origin - written
                        if gap > GAP_FILL_SAMPLES:  # lost packets: keep later audio in place
                            chunks.append(np.zeros(gap, np.float32))
                            written += gap
                    frame.pts = None  # the resampler must not re-time across such gaps
                    for out in resampler.resample(frame):
                        chunks.append(_mono(out.to_ndarray()))
                        written += len(chunks[-1])
            chunks.extend(_mono(f.to_ndarray()) for f in resampler.resample(None))
        except av.error.FFmpegError as exc:  # demuxing hit the end of a cut-off file
            stopped = exc
        declared = _declared_ms(path, stream, container)
    samples = (
        np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)
    )
    decoded_ms = len(samples) * 1000 // SAMPLE_RATE
    if decoded_ms < MIN_DURATION_MS:
        problem = "holds no decodable audio (empty or truncated file)"
        raise _fail(path, problem, "Re-export or re-download the file") from stopped
    if packets and bad / packets > MAX_BAD_PACKET_RATIO:
        raise _fail(
            path,
            f"is corrupt: {bad} of {packets} audio packets could not be decoded",
            "Re-export or re-download the file",
        )
    if declared is not None and declared - decoded_ms > max(
        TRUNCATION_TOLERANCE_MS, (1 - TRUNCATION_RATIO) * declared
    ):
        raise _fail(
            path,
            f"is truncated: decoded {decoded_ms / 1000:.1f} s of the {declared / 1000:.1f} s "
            "its header declares",
            "Re-export or re-download the file",
        ) from stopped
    return samples


def load_audio(path: Path) -> Audio:
    """Decode an audio or video file to 16 kHz mono float32 and hash its bytes.

    Reads anything FFmpeg reads (wav, mp3, m4a/aac, flac, ogg/opus, the first audio stream
    of mp4/mkv/webm video). Stereo is down-mixed; any sample rate is resampled.

    Args:
        path: the media file.

    Returns:
        The decoded :class:`Audio`.

    Raises:
        MediaDecodeError: when the file is missing, empty, not media, has no audio stream, is
            truncated or corrupt, or is silent (peak below -60 dBFS).
    """
    path = Path(path)
    if not path.exists():
        raise _fail(path, "file not found", "Check the path")
    if not path.is_file():
        raise _fail(path, "is not a file", "Give an audio or video file")
    try:
        size = path.stat().st_size
        digest = file_sha256(path)
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})") from exc
    if size == 0:
        raise _fail(path, "is empty (0 bytes)", "Re-export or re-download the file")
    samples = _decode(path)
    peak = float(np.max(np.abs(samples)))
    peak_dbfs = 20 * math.log10(peak) if peak > 0 else -math.inf
    if peak_dbfs < SILENCE_PEAK_DBFS:
        shown = "-inf" if peak == 0 else f"{peak_dbfs:.0f}"
        raise _fail(
            path,
            f"is silent (peak {shown} dBFS, below {SILENCE_PEAK_DBFS:.0f} dBFS)",
            "Check that this is the right file and that its audio track is not muted",
        )
    samples.flags.writeable = False
    return Audio(
        path=path,
        samples=samples,
        sample_rate=SAMPLE_RATE,
        duration_ms=len(samples) * 1000 // SAMPLE_RATE,
        sha256=digest,
    )
