"""Scale-out for real: a Ray cluster of two nodes started with ``ray start``, a batch sent to
it with ``--ray-address``, and a worker process killed in the middle of an episode.

The cluster runs on this machine (a head node and a second node joined to it, one CPU each),
in its own temp folder, and is stopped at the end. Skips cleanly where Ray is not installed
or a node cannot start.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.model import Recognition, Word
from tests.helpers import fake_recognition, write_episode, write_manifest

ROOT = Path(__file__).resolve().parents[1]
RAY = Path(sys.executable).with_name("ray")

INNER = "SUBWEAVE_RAY_CLUSTER_INNER"  # set in the fresh process that runs the cluster tests
inner_only = pytest.mark.skipif(
    not os.environ.get(INNER), reason="runs in a fresh process (see the outer test)"
)


@pytest.mark.skipif(bool(os.environ.get(INNER)), reason="this is the inner run")
def test_cluster_tests_in_a_fresh_process() -> None:
    """Ray keeps per-process state (its auth token, an earlier local instance): the cluster
    tests run in a Python process of their own."""
    if shutil.which(str(RAY)) is None:
        pytest.skip("Ray is not installed (pip install 'subweave[ray]')")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-rs"]
    env = dict(os.environ, **{INNER: "1"})
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, cwd=ROOT)
    tail = proc.stdout[-4000:]
    if proc.returncode == 0 and " passed" not in tail:
        pytest.skip("the cluster could not start here: " + tail[-300:])
    assert proc.returncode == 0, tail


class KillOnce:
    """A picklable recogniser that kills its worker the first time it hears ``victim``."""

    def __init__(self, words: dict[str, list[Word]], victim: str, marker: Path) -> None:
        self.words, self.victim, self.marker = words, victim, marker

    def __call__(
        self, audio: Any, opts: Any, progress: Any = None, regions: Any = None
    ) -> Recognition:
        if audio.path.name == self.victim and not self.marker.exists():
            self.marker.write_text(str(os.getpid()), encoding="utf-8")
            os.kill(os.getpid(), 9)  # the worker dies mid-episode, as on a lost node
        return fake_recognition(self.words[audio.path.name], audio.duration_ms)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    if not os.environ.get(INNER):
        pytest.skip("runs in a fresh process")
    if shutil.which(str(RAY)) is None:
        pytest.skip("Ray is not installed (pip install 'subweave[ray]')")
    port = _free_port()
    # Ray 2.59+ wants token authentication on clusters: one shared token for every node and
    # for this process, which joins as the driver (Ray reads it once per process).
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(16))
    env = dict(os.environ, PYTHONPATH=str(ROOT), RAY_USAGE_STATS_ENABLED="0")
    temp = Path("/tmp") / f"ray-{port}"  # Ray's socket paths must stay short
    common = ["--num-cpus=1", "--disable-usage-stats"]
    head = [str(RAY), "start", "--head", f"--port={port}", f"--temp-dir={temp}"]
    head += ["--include-dashboard=false", *common]
    address = f"127.0.0.1:{port}"
    try:
        for cmd in (head, [str(RAY), "start", f"--address={address}", *common]):
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
            if proc.returncode != 0:
                pytest.skip(f"ray start failed: {proc.stderr.strip()[-300:]}")
        yield address
    finally:
        subprocess.run([str(RAY), "stop", "--force"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@inner_only
def test_batch_on_a_two_node_cluster_survives_a_killed_worker(cluster: str, tmp_path: Path) -> None:
    import ray

    from pipeline.run.batch import run_all

    media = tmp_path / "media"
    media.mkdir()
    texts = {f"ep{i}": f"Host: Episode {i} starts here and ends there." for i in range(1, 5)}
    words: dict[str, list[Word]] = {}
    rows = []
    for ep, text in texts.items():
        spoken = [w.strip(".") for w in text.split(":", 1)[1].split()]
        words[f"{ep}.wav"] = write_episode(media / f"{ep}.wav", spoken)
        (media / f"{ep}.txt").write_text(text + "\n", encoding="utf-8")
        rows.append(f"{{audio: media/{ep}.wav, transcript: media/{ep}.txt}}")
    manifest = write_manifest(tmp_path / "manifest.yaml", rows)
    marker = tmp_path / "killed.pid"
    out = tmp_path / "out"
    ray.init(address=cluster, include_dashboard=False, log_to_driver=False)
    try:
        alive = [n for n in ray.nodes() if n.get("Alive")]  # type: ignore[no-untyped-call]
        report = run_all(
            manifest,
            out,
            workers=2,
            executor="ray",
            ray_address=cluster,
            transcribe=KillOnce(words, "ep2.wav", marker),
        )
    finally:
        if ray.is_initialized():
            ray.shutdown()
    assert marker.exists(), "the worker was never killed"
    assert report.ok, report.failed
    assert [r.status for r in report.episodes] == ["ok"] * 4
    for ep in texts:
        srt = out / ep / f"{ep}.en.srt"
        assert srt.is_file() and "-->" in srt.read_text(encoding="utf-8")
        assert not list((out / ep).glob(".*.tmp"))
    data = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert data["totals"]["ok"] == 4
    assert len(alive) == 2  # the head and the joined node were both in the cluster


@inner_only
def test_cli_batch_takes_the_ray_address(cluster: str, tmp_path: Path) -> None:
    from pipeline.cli.main import app

    audio = tmp_path / "one.wav"
    spoken = "one two three four".split()
    write_episode(audio, spoken)
    (tmp_path / "one.txt").write_text("Host: one two three four\n", encoding="utf-8")
    manifest = write_manifest(tmp_path / "m.yaml", ["{audio: one.wav, transcript: one.txt}"])
    args = ["batch", str(manifest), "--out", str(tmp_path / "out"), "--executor", "ray"]
    result = CliRunner().invoke(app, [*args, "--ray-address", cluster])
    import ray

    if ray.is_initialized():
        ray.shutdown()
    # Real tiny.en on noise bursts: the episode may fail to align, but the batch must run on
    # the cluster and record it, not crash.
    assert result.exit_code in (0, 1), result.output
    assert (tmp_path / "out" / "batch.json").is_file(), (result.output, repr(result.exception))
