"""stable-ts ``align()`` side by side with subweave, in a throwaway venv (never a dependency).

``python -m bench.stablets setup`` creates ``bench/work/stvenv``:

1. ``pip install torch==2.13.0`` first: the CPU wheel this machine's pip finds on disk.  Without
   it, stable-ts would pull a CUDA torch from PyPI (gigabytes).
2. ``pip install stable-ts faster-whisper``.
3. torchaudio from PyPI is a CUDA build whose compiled libraries fail to load beside CPU torch;
   stable-ts only needs torchaudio's Python part, so its ``lib/*.so`` are moved aside.

Each case then runs in a child process of that venv (:data:`SCRIPT`): it loads the same CTranslate2
model that :func:`pipeline.timing.transcribe.resolve_model` resolves for the model name with
``stable_whisper.load_faster_whisper(str(model_dir), cpu_threads=N)``, calls ``model.align(audio,
text, language="en")`` on the transcript's speech words (the words subweave aligns), and writes
``stablets.words.json`` in subweave's words.json shape, so that :mod:`bench.score` scores both
identically.  Wall time and peak RSS are measured from outside the child, as for subweave (model
loading included in both).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / "work" / "stvenv"
TORCH = "torch==2.13.0"
PACKAGES = ("stable-ts", "faster-whisper")

SCRIPT = r"""
import json, sys, time
args = json.loads(sys.argv[1])
t0 = time.perf_counter()
import stable_whisper
model = stable_whisper.load_faster_whisper(args["model_dir"], device="cpu",
                                           compute_type="int8", cpu_threads=args["threads"])
t1 = time.perf_counter()
result = model.align(args["audio"], args["text"], language="en")
t2 = time.perf_counter()
words = []
for seg in result.segments:
    for w in seg.words:
        words.append({"text": w.word.strip(), "start": float(w.start), "end": float(w.end),
                      "status": "aligned", "speaker": None})
json.dump({"language": "en", "words": words}, open(args["out"], "w"))
json.dump({"load": round(t1 - t0, 3), "align": round(t2 - t1, 3)}, open(args["timings"], "w"))
"""


def _python() -> Path:
    return VENV / "bin" / "python"


def _pip(*args: str, log: list[str]) -> None:
    cmd = [str(_python()), "-m", "pip", "install", "--quiet", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log.append(f"$ pip install {' '.join(args)} -> exit {proc.returncode}")
    if proc.returncode != 0:
        raise RuntimeError(
            f"`pip install {' '.join(args)}` failed in {VENV}:\n{proc.stderr.strip()[-1500:]}"
        )


def _move_torchaudio_libs() -> list[str]:
    moved: list[str] = []
    for lib in VENV.glob("lib/python*/site-packages/torchaudio/lib"):
        aside = lib.parent / "lib.aside"
        aside.mkdir(exist_ok=True)
        for so in lib.glob("*.so*"):
            so.rename(aside / so.name)
            moved.append(so.name)
    return moved


def _versions() -> dict[str, str]:
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        "for p in ('torch', 'torchaudio', 'stable-ts', 'faster-whisper', 'ctranslate2', "
        "'openai-whisper'):\n"
        "    try: out[p] = m.version(p)\n"
        "    except Exception: pass\n"
        "print(json.dumps(out))"
    )
    proc = subprocess.run([str(_python()), "-c", code], capture_output=True, text=True)
    return json.loads(proc.stdout) if proc.returncode == 0 else {}


def setup() -> dict[str, Any]:
    """Create the venv if needed; return versions, or raise with the reason it failed."""
    log: list[str] = []
    ready = VENV / ".ready"
    if not ready.exists():
        if VENV.exists():
            shutil.rmtree(VENV)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        _pip(TORCH, log=log)
        _pip(*PACKAGES, log=log)
        moved = _move_torchaudio_libs()
        log.append(f"moved aside torchaudio libs: {', '.join(moved) or 'none'}")
        check = subprocess.run(
            [str(_python()), "-c", "import stable_whisper, faster_whisper"],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise RuntimeError(f"stable_whisper does not import:\n{check.stderr.strip()[-1500:]}")
        ready.write_text("\n".join(log) + "\n")
    return {"versions": _versions(), "log": ready.read_text().splitlines()}


def speech_text(transcript: Path) -> str:
    """The transcript's speech words (what subweave aligns), one turn per line."""
    from pipeline.timing.records import document_words
    from pipeline.transcript import read_transcript

    doc = read_transcript(transcript)
    lines: list[str] = []
    last = None
    for w in document_words(doc, "en"):
        if w.turn_index != last:
            lines.append("")
            last = w.turn_index
        lines[-1] += (" " if lines[-1] else "") + w.text
    return "\n".join(lines)


class Runner:
    """Runs stable-ts on bench cases; ``ok`` is False (and ``note`` says why) when unusable."""

    def __init__(self, model: str, threads: int) -> None:
        self.model = model
        self.threads = threads
        self.ok = False
        self.info: dict[str, Any] = {}

    def prepare(self) -> str:
        try:
            self.info = setup()
            from pipeline.timing.models import resolve_model

            self.model_dir = resolve_model(self.model)
        except Exception as exc:
            return f"stable-ts could not be set up, so it has no figures here: {exc}"
        self.ok = True
        vers = ", ".join(f"{k} {v}" for k, v in self.info["versions"].items())
        return (
            f"stable-ts ran in a throwaway venv ({VENV.relative_to(ROOT)}): {vers}; torchaudio's "
            f"compiled libraries moved aside. Model: `{self.model}` loaded from {self.model_dir} "
            f"with `stable_whisper.load_faster_whisper(dir, cpu_threads={self.threads}, "
            "compute_type='int8')`; `model.align(audio, text, language='en')` on the same speech "
            "words subweave aligns. Wall time and peak RSS are for the whole child process "
            "(model load included), as for subweave."
        )

    def run_case(self, case: Any, out: Path, score_it: bool = True) -> dict[str, Any]:
        from bench.run import run_child
        from bench.score import load_output, load_truth, score

        out.mkdir(parents=True, exist_ok=True)
        words = out / "stablets.words.json"
        words.unlink(missing_ok=True)
        args = {
            "model_dir": str(self.model_dir),
            "threads": self.threads,
            "audio": str(case.audio),
            "text": speech_text(case.transcript),
            "out": str(words),
            "timings": str(out / "timings.json"),
        }
        run = run_child([str(_python()), "-c", SCRIPT, json.dumps(args)], out / "run.log")
        entry: dict[str, Any] = {"run": run, "words": str(words)}
        if run["rc"] != 0 or not words.exists():
            entry["error"] = (out / "run.log").read_text(errors="replace")[-2000:]
            return entry
        run["stages"] = json.loads((out / "timings.json").read_text())
        if score_it:
            entry["score"] = score(load_truth(case.truth), load_output(words))
        return entry


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["setup"]:
        print(json.dumps(setup(), indent=1))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
