"""Benchmark cases: English of seed 001 spoken by espeak-ng, with known word timing.

``python -m bench.cases [--quick] [--long]`` builds (or finds cached) cases under
``bench/work/cases/<name>/``: ``<name>.wav``, ``<name>.txt`` (the transcript, ``Speaker: text``
lines) and ``<name>.truth.json`` (the truth :mod:`bench.score` reads).

Cases:

* ``clean``: the first English turns of seed 001, about 6 minutes (a 6-10 minute case, so the
  long case's cost per audio minute can be compared with it).
* ``edited``: the same turns, but the audio adds a ~30 s ad read in the host's voice, fillers
  ("um", "uh", "you know") and a false start that the transcript lacks; the transcript adds a
  title, an editor's note and two sentences that the audio lacks.
* ``noisy``: the clean audio slowed to tempo 0.95 (sox WSOLA ``tempo -s``; ffmpeg ``atempo``
  where sox is missing), after a 7 s lead-in,
  with pink noise at 15 dB SNR (against the power of the speech frames); truth times become
  ``7 s + t / 0.95``.
* ``long``: every English turn of seed 001 (about 85 minutes), which repeats long passages.

The seed text is read from ``../shared/seeds`` at build time and never copied into the
repository; the cases live in ``bench/work`` (git-ignored).  A case is rebuilt when its recipe
(this file, bench/synth.py, the seed file, the sizes) changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
SEED_001 = SEEDS / "001_bd93ed503ec52d4a.txt"
WORK = ROOT / "bench" / "work" / "cases"

VOICES = {"Dwarkesh Patel": "en-us+f3", "Ilya Sutskever": "en-gb-x-rp+m3"}
RATE_WPM = 165
PAUSE_MS = 650

CLEAN_WORDS = 1050  # about 6 minutes at the ~172 words per audio minute espeak-ng gives
QUICK_WORDS = 260  # about 1.5 minutes

AD_READ = (
    "This episode is brought to you by Lumen Lamps. Lumen makes desk lamps that follow the "
    "sun, warm in the evening and bright at noon, so your eyes stay fresh through a long day "
    "of work. Every lamp ships free, sets up in two minutes, and comes with a ninety day trial. "
    "Go to lumen lamps dot com slash podcast and use the code focus for twenty percent off "
    "your first order. That's lumen lamps dot com slash podcast. And now, back to the show."
)
TITLE = "The Age of Research: A Conversation on Scaling and Generalization"
EDITOR_NOTE = (
    "Editor's note: this transcript has been lightly edited for readability, and timestamps "
    "were removed."
)
EXTRA_SENTENCES = (
    "We later asked him to expand on this point in a follow-up email.",
    "Our producer confirmed the figures mentioned here after the recording.",
)
FILLERS = ("um,", "uh,", "you know,")

NOISE_SNR_DB = 15.0
TEMPO = 0.95
LEAD_IN_S = 7.0


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path

    @property
    def audio(self) -> Path:
        return self.folder / f"{self.name}.wav"

    @property
    def transcript(self) -> Path:
        return self.folder / f"{self.name}.txt"

    @property
    def truth(self) -> Path:
        return self.folder / f"{self.name}.truth.json"

    def duration_s(self) -> float:
        with wave.open(str(self.audio)) as w:
            return float(w.getnframes() / w.getframerate())


def has_alnum(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def english_turns(path: Path = SEED_001) -> list[tuple[str, str]]:
    """(speaker, text) of the English speech turns of a seed, through the project's readers."""
    from pipeline.transcript import read_transcript

    doc = read_transcript(path)
    return [
        (t.speaker or "Speaker", " ".join(t.text.split()))
        for t in doc.turns
        if t.lang == "en" and t.role == "speech"
    ]


def first_turns(turns: Sequence[tuple[str, str]], words: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    count = 0
    for turn in turns:
        if count >= words:
            break
        out.append(turn)
        count += len(turn[1].split())
    return out


# A turn as pairs (transcript token | None, audio token | None): the edits live here.
Pairs = list[tuple[str | None, str | None]]


def _plain(text: str) -> Pairs:
    return [(tok, tok) for tok in text.split()]


def _recipe_hash(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        if isinstance(p, Path):
            h.update(p.read_bytes())
        else:
            h.update(repr(p).encode())
    h.update(Path(__file__).read_bytes())
    h.update((ROOT / "bench" / "synth.py").read_bytes())
    return h.hexdigest()[:16]


def _speak(
    turns: Sequence[tuple[str, Pairs]], out: Case, unsupported_turns: Sequence[int] = ()
) -> None:
    """Synthesize the audio side of ``turns``; write wav, transcript and truth."""
    from bench import synth

    utterances = [(spk, " ".join(a for _, a in pairs if a is not None)) for spk, pairs in turns]
    utterances = [(spk, text) for spk, text in utterances if text]
    voices = {spk: VOICES.get(spk, "en-us") for spk, _ in utterances}
    samples, words = synth.synthesize(utterances, voices, pause_ms=PAUSE_MS, rate_wpm=RATE_WPM)
    transcript: list[dict[str, Any]] = []
    lines: list[str] = []
    truth_index = 0
    unsupported: list[list[float]] = []
    for number, (spk, pairs) in enumerate(turns):
        first_truth = truth_index
        for t_tok, a_tok in pairs:
            spoken = a_tok is not None and has_alnum(a_tok)
            if t_tok is not None:
                transcript.append({"text": t_tok, "truth": truth_index if spoken else None})
            truth_index += spoken
        if number in unsupported_turns and truth_index > first_truth:
            unsupported.append(
                [words[first_truth].start_ms / 1000, words[truth_index - 1].end_ms / 1000]
            )
        text = " ".join(t for t, _ in pairs if t is not None)
        if text:
            lines.append(f"{spk}: {text}" if spk else text)
    if truth_index != len(words):
        raise RuntimeError(f"{out.name}: {truth_index} audio tokens but {len(words)} truth words")
    out.folder.mkdir(parents=True, exist_ok=True)
    synth.write_wav(out.audio, samples)
    out.transcript.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _write_truth(out, words_json(words), transcript, unsupported)


def words_json(words: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"text": w.text, "start": w.start_ms / 1000, "end": w.end_ms / 1000, "speaker": w.speaker}
        for w in words
    ]


def _write_truth(
    case: Case,
    words: list[dict[str, Any]],
    transcript: list[dict[str, Any]],
    unsupported: list[list[float]],
) -> None:
    data = {
        "audio": case.audio.name,
        "words": words,
        "transcript": transcript,
        "unsupported": unsupported,
    }
    case.truth.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


def edited_turns(
    turns: Sequence[tuple[str, str]], seed: int = 7
) -> tuple[list[tuple[str, Pairs]], int]:
    """The edited case's turns and the index of the ad-read turn."""
    rng = random.Random(seed)
    out: list[tuple[str, Pairs]] = [
        ("", [(tok, None) for tok in TITLE.split()]),
        ("", [(tok, None) for tok in EDITOR_NOTE.split()]),
    ]
    host = turns[0][0]
    long_turns = [k for k, (_, text) in enumerate(turns) if len(text.split()) >= 40]
    filler_turns = set(long_turns[:3])
    false_start_turn = long_turns[3] if len(long_turns) > 3 else long_turns[-1]
    extra_turns = [long_turns[4 % len(long_turns)], long_turns[-1]]
    ad_after = len(turns) // 2
    ad_index = -1
    for k, (spk, text) in enumerate(turns):
        pairs = _plain(text)
        if k in filler_turns:  # fillers the transcript leaves out, at two word boundaries
            for filler in rng.sample(FILLERS, 2):
                at = rng.randrange(3, len(pairs) - 3)
                pairs[at:at] = [(None, tok) for tok in filler.split()]
        if k == false_start_turn:  # "so the, so the question is ..." with the repeat cut
            head = [a for _, a in pairs[:3] if a is not None]
            pairs[0:0] = [
                (None, tok.rstrip(",.") if i < 2 else tok.rstrip(",.") + ",")
                for i, tok in enumerate(head)
            ]
        if k in extra_turns:  # a sentence the audio lacks, after the turn's first sentence
            sentence = EXTRA_SENTENCES[extra_turns.index(k)]
            at = next(
                (i + 1 for i, (t, _) in enumerate(pairs) if t and t.endswith((".", "?", "!"))),
                len(pairs),
            )
            pairs[at:at] = [(tok, None) for tok in sentence.split()]
        out.append((spk, pairs))
        if k == ad_after:
            ad_index = len(out)
            out.append((host, [(None, tok) for tok in AD_READ.split()]))
    return out, ad_index


def _read_wav(path: Path) -> npt.NDArray[np.float32]:
    with wave.open(str(path)) as w:
        raw = w.readframes(w.getnframes())
    return (np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0).astype(np.float32)


def _pink_noise(n: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(len(spectrum), dtype=np.float64)
    freqs[0] = 1.0
    noise = np.fft.irfft(spectrum / np.sqrt(freqs), n=n)
    return np.asarray(noise / np.sqrt(np.mean(noise**2)), dtype=np.float64)


def make_noisy(clean: Case, out: Case, seed: int = 15) -> None:
    """Tempo 0.95 with sox, a 7 s lead-in, pink noise at 15 dB SNR; truth transformed."""
    from bench import synth

    out.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.folder) as tmp:
        slow = Path(tmp) / "slow.wav"
        if shutil.which("sox") is not None:
            cmd = ["sox", str(clean.audio), str(slow), "tempo", "-s", str(TEMPO)]
        elif shutil.which("ffmpeg") is not None:  # WSOLA too; `make sysdeps` installs it
            cmd = [
                "ffmpeg",
                "-v",
                "error",
                "-i",
                str(clean.audio),
                "-filter:a",
                f"atempo={TEMPO}",
                "-ar",
                str(synth.OUTPUT_RATE),
                "-y",
                str(slow),
            ]
        else:
            raise RuntimeError("the noisy case needs sox or ffmpeg (apt-get install sox)")
        subprocess.run(cmd, check=True, capture_output=True)
        speech = _read_wav(slow).astype(np.float64)
    truth = json.loads(clean.truth.read_text(encoding="utf-8"))
    lead = int(LEAD_IN_S * synth.OUTPUT_RATE)
    audio = np.concatenate([np.zeros(lead), speech])
    words = []
    for w in truth["words"]:
        words.append(
            {
                **w,
                "start": round(LEAD_IN_S + w["start"] / TEMPO, 3),
                "end": round(LEAD_IN_S + w["end"] / TEMPO, 3),
            }
        )
    active = np.zeros(len(audio), bool)
    for w in words:
        active[int(w["start"] * synth.OUTPUT_RATE) : int(w["end"] * synth.OUTPUT_RATE)] = True
    p_speech = float(np.mean(audio[active] ** 2))
    noise = _pink_noise(len(audio), np.random.default_rng(seed))
    audio = audio + noise * np.sqrt(p_speech / 10 ** (NOISE_SNR_DB / 10))
    peak = float(np.max(np.abs(audio)))
    if peak > 0.98:
        audio *= 0.98 / peak
    synth.write_wav(out.audio, audio.astype(np.float32))
    shutil.copyfile(clean.transcript, out.transcript)
    _write_truth(out, words, truth["transcript"], [])


def _fresh(case: Case, key: str) -> bool:
    stamp = case.folder / "recipe"
    return (
        case.audio.exists()
        and case.truth.exists()
        and stamp.exists()
        and stamp.read_text().strip() == key
    )


def _stamp(case: Case, key: str) -> None:
    (case.folder / "recipe").write_text(key + "\n")


def build(names: Sequence[str], quick: bool = False, work: Path = WORK) -> dict[str, Case]:
    """Build or reuse the named cases (``clean``, ``edited``, ``noisy``, ``long``)."""
    if not SEED_001.exists():
        raise FileNotFoundError(f"seed transcript not found: {SEED_001}")
    turns = english_turns()
    size = QUICK_WORDS if quick else CLEAN_WORDS
    short = first_turns(turns, size)
    suffix = "-quick" if quick else ""
    cases: dict[str, Case] = {}
    for name in names:
        case = Case(name, work / f"{name}{suffix}")
        if name == "clean" or (name == "noisy"):
            clean = Case("clean", work / f"clean{suffix}")
            key = _recipe_hash(SEED_001, size, "clean")
            if not _fresh(clean, key):
                print(f"synthesizing {clean.folder.name} ...", file=sys.stderr)
                _speak([(s, _plain(t)) for s, t in short], clean)
                _stamp(clean, key)
            if name == "noisy":
                nkey = _recipe_hash(key, "noisy", NOISE_SNR_DB, TEMPO, LEAD_IN_S)
                if not _fresh(case, nkey):
                    print(f"making {case.folder.name} ...", file=sys.stderr)
                    make_noisy(clean, case)
                    _stamp(case, nkey)
            else:
                case = clean
        elif name == "edited":
            key = _recipe_hash(SEED_001, size, "edited")
            if not _fresh(case, key):
                print(f"synthesizing {case.folder.name} ...", file=sys.stderr)
                edited, ad = edited_turns(short)
                _speak(edited, case, unsupported_turns=[ad])
                _stamp(case, key)
        elif name == "long":
            case = Case(name, work / name)  # no quick variant
            key = _recipe_hash(SEED_001, "long")
            if not _fresh(case, key):
                print("synthesizing long (whole seed 001 English) ...", file=sys.stderr)
                _speak([(s, _plain(t)) for s, t in turns], case)
                _stamp(case, key)
        else:
            raise ValueError(f"unknown case {name!r}")
        cases[name] = case
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cases", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cases", default="clean,edited,noisy")
    args = parser.parse_args(argv)
    for name, case in build(args.cases.split(","), args.quick).items():
        print(f"{name}: {case.audio} ({case.duration_s():.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
