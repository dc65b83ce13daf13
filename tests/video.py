"""Test videos made with ffmpeg: coloured scenes cut at known frames over an episode's audio.

Each scene is one flat colour; consecutive colours differ in brightness by far more than
``scdet``'s threshold needs, so every cut is found, and only the cuts are. The video is small
(64x48, MPEG-4 part 2, which every ffmpeg build encodes) and its audio the episode's, as AAC
in an MP4: what a user's export looks like to the pipeline.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

FPS = 25
#: Scene lengths in frames for the sample episode (99 s): cuts every 2.2-5.6 s, irregular, so
#: cues meet them at every distance.
SAMPLE_SCENES: tuple[int, ...] = (101, 115, 116, 91, 108, 84, 112, 55, 107, 139, 88, 85, 136)
SAMPLE_SCENES += (83, 56, 92, 93, 97, 73, 132, 94, 57, 83, 132, 87, 57, 90)
#: Bright and dark in turn (luma 255/15/226/38/...): every cut scores far above 10.
COLOURS: tuple[str, ...] = (
    "white",
    "navy",
    "yellow",
    "maroon",
    "cyan",
    "black",
    "orange",
    "purple",
)
COLOURS += ("lime", "darkgreen", "pink", "indigo")


def ffmpeg() -> str | None:
    """The ffmpeg binary, or None where it is not installed."""
    return shutil.which("ffmpeg")


def cut_frames(scenes: tuple[int, ...]) -> list[int]:
    """The first frame of every scene but the first."""
    out, at = [], 0
    for n in scenes[:-1]:
        at += n
        out.append(at)
    return out


def random_scenes(
    total_frames: int, seed: int, shortest: int = 50, longest: int = 150
) -> tuple[int, ...]:
    """Scene lengths (frames) covering ``total_frames``, each ``shortest``-``longest`` frames."""
    rng = random.Random(seed)
    scenes: list[int] = []
    while sum(scenes) < total_frames:
        scenes.append(rng.randrange(shortest, longest + 1))
    return tuple(scenes)


def make_scene_video(path: Path, audio: Path, scenes: tuple[int, ...], fps: int = FPS) -> list[int]:
    """Write an MP4 of ``scenes`` (frames each, the last one running to the audio's end) over
    ``audio``; return the frames where the cuts are.

    Raises:
        RuntimeError: when ffmpeg is missing or fails.
    """
    binary = ffmpeg()
    if binary is None:
        raise RuntimeError("ffmpeg is not installed")
    parts = [
        f"color=c={COLOURS[k % len(COLOURS)]}:s=64x48:r={fps}:d={n / fps:.3f}[s{k}]"
        for k, n in enumerate(scenes)
    ]
    joined = "".join(f"[s{k}]" for k in range(len(scenes)))
    graph = ";".join([*parts, f"{joined}concat=n={len(scenes)}:v=1:a=0[v]"])
    cmd = [binary, "-hide_banner", "-loglevel", "error", "-y", "-i", str(audio)]
    cmd += ["-filter_complex", graph, "-map", "[v]", "-map", "0:a", "-c:v", "mpeg4", "-q:v", "4"]
    cmd += ["-c:a", "aac", "-b:a", "64k", "-shortest", str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {done.stderr[-2000:]}")
    return cut_frames(scenes)
