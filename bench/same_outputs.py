"""Same outputs: proof that a refactor changed no output, byte for byte.

``python -m bench.same_outputs --before REV [--after REV] [--model base] [--cases NAME ...]
[--full] [--fresh]``

Each side is a git revision; ``--after`` defaults to the working tree (this checkout, with
its uncommitted changes).  A revision is exported with ``git archive`` into
``bench/work/same/<full-sha>/src`` (``../shared`` beside it links to the checkout's
``../shared``, as in a real clone).  Both sides run with this interpreter (the project venv),
as ``python -m pipeline ...`` with ``PYTHONPATH`` and the working directory set to that side's
source root, so each side imports its own ``pipeline`` package; the log shows the
``pipeline.__file__`` each side imports, and a side that imports another tree's package stops
the comparison.

Cases (each one documented CLI call, ``--out DIR --model M --force``, the same on both sides,
with the same input files, all taken from the ``--before`` side):

* ``bilingual``: ``align media/sample.mp3 media/sample.en-zh.txt``
* ``english``: ``align media/sample.mp3 media/sample.en.txt``
* ``translation``: ``align media/sample.mp3 media/sample.en.txt --translation
  media/sample.zh.txt``
* ``zh-only``: ``retime media/sample.mp3 media/sample.zh.txt``
* ``zh-srt``: ``retime media/sample.mp3 SRT``, the SRT being the ``--before`` side's
  ``sample.zh.srt`` of ``bilingual`` with every time shifted by +2.5 s (built once, into
  ``bench/work/same/inputs/<sha12>-<model>/``)
* ``clean``, ``edited``, ``noisy``: ``align CASE.wav CASE.txt`` on the synthetic episodes of
  :mod:`bench.cases`, built by the ``--before`` side's own ``bench.cases`` (quick: about
  1.5 min each; ``--full``: the full ones, as cases ``clean-full`` ...)

What is compared: every track under each case's out dir (``*.srt``, ``*.vtt``, ``*.ass``,
``*.ttml``) and every ``*.words.json``, byte for byte; a file on one side only counts as a
difference.  Stage artifacts (``NN_*.json``), ``run.lock.json`` and the QC reports are not
compared: their shape may legitimately change.

A revision side's outputs are cached under ``bench/work/same/<sha>/out/<case>/``, keyed by the
sha, the model and the case recipe (command line and the sha256 of every input file), so a
second comparison against the same ``--before`` does not rerun it (``--fresh`` reruns).  The
working tree is always run afresh (``bench/work/same/worktree/out``).  When both sides are the
same revision the after side runs afresh too (``bench/work/same/<sha>/rerun``): that is a
determinism check.

Prints a table (case, file, ``identical`` / ``DIFFERENT (first differing line N: ...)`` /
``only before`` / ``only after``), each side's wall time per case (informative only) and a
final line ``N files compared, all identical`` or ``K of N differ``; the same text goes to
``bench/work/same/last.txt``.  Exit status 0 only when every file is identical, none is
one-sided and every run succeeded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.run.artifacts import sha256_file

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "same"
INPUTS = WORK / "inputs"
LAST = WORK / "last.txt"

RECIPE_VERSION = 1  # bump when the way a case is run changes (invalidates the cache)
TRACK_SUFFIXES = (".srt", ".vtt", ".ass", ".ttml")
WORDS_SUFFIX = ".words.json"
_NOT_COMPARED = re.compile(r"^\d\d_.*\.json$|^run\.lock\.json$|(^|\.)report\.(html|json|md|txt)$")
SHIFT_MS = 2500

SAMPLE_CASES = ("bilingual", "english", "translation", "zh-only", "zh-srt")
BENCH_CASES = ("clean", "edited", "noisy")
ALL_CASES = SAMPLE_CASES + BENCH_CASES


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def resolve(rev: str) -> str:
    """The full sha of a revision."""
    try:
        return git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except subprocess.CalledProcessError:
        raise SystemExit(f"not a git revision: {rev!r}") from None


def export(sha: str) -> Path:
    """The revision's tree under ``WORK/<sha>/src`` (exported once, with ``git archive``)."""
    base = WORK / sha
    src = base / "src"
    done = base / "src.complete"
    if not done.exists():
        shutil.rmtree(src, ignore_errors=True)
        tmp = base / "src.partial"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        log(f"exporting {sha[:12]} into {src.relative_to(ROOT)} ...")
        archive = subprocess.Popen(["git", "archive", "--format=tar", sha], cwd=ROOT, stdout=-1)
        subprocess.run(["tar", "-x", "-C", str(tmp)], stdin=archive.stdout, check=True)
        if archive.stdout is not None:
            archive.stdout.close()
        if archive.wait() != 0:
            raise SystemExit(f"git archive {sha} failed")
        tmp.rename(src)
        done.write_text(sha + "\n")
    shared = base / "shared"  # bench.cases reads ../shared/seeds, as in a clone
    if not shared.exists() and (ROOT.parent / "shared").is_dir():
        shared.symlink_to(ROOT.parent / "shared")
    return src


@dataclass(frozen=True)
class Side:
    label: str  # "before" | "after"
    title: str  # "a1fe834 (a1fe834d1c91)" | "working tree"
    src: Path  # source root: PYTHONPATH and working directory of its runs
    out_root: Path
    cached: bool  # outputs reused across invocations (revision sides)
    sha: str | None = None


def side_env(side: Side) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(side.src))
    env.pop("PYTHONHOME", None)
    return env


def imported_pipeline(side: Side) -> str:
    """Where this side's ``import pipeline`` comes from; stop when it is not its own tree."""
    got = subprocess.run(
        [sys.executable, "-c", "import pipeline; print(pipeline.__file__)"],
        cwd=side.src,
        env=side_env(side),
        capture_output=True,
        text=True,
    )
    where = got.stdout.strip()
    if got.returncode != 0 or not where:
        raise SystemExit(f"{side.label}: `import pipeline` failed:\n{got.stderr[-2000:]}")
    if not Path(where).resolve().is_relative_to(side.src.resolve()):
        raise SystemExit(f"{side.label}: imports pipeline from {where}, not from {side.src}")
    return where


@dataclass(frozen=True)
class Case:
    name: str  # also the out dir's name
    command: str  # align | retime
    args: tuple[str | Path, ...]  # Path: an input file (hashed into the recipe)

    def recipe(self, model: str) -> dict[str, Any]:
        def shown(a: str | Path) -> str:
            return _rel(a) if isinstance(a, Path) else a

        return {
            "version": RECIPE_VERSION,
            "argv": [self.command, *(shown(a) for a in self.args), "--model", model, "--force"],
            "inputs": {_rel(a): sha256_file(a) for a in self.args if isinstance(a, Path)},
            "model": model,
        }


def _rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def recipe_key(recipe: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


@dataclass
class Run:
    out: Path
    log: Path
    rc: int
    wall_s: float
    cached: bool


@dataclass
class Runner:
    model: str
    fresh: bool
    done: dict[tuple[str, str], Run] = field(default_factory=dict)

    def run(self, side: Side, case: Case) -> Run:
        """One case on one side: reused from the cache when its recipe is unchanged."""
        memo = (side.label, case.name)
        if memo in self.done:
            return self.done[memo]
        out = side.out_root / case.name
        stamp = side.out_root / f"{case.name}.json"
        logfile = side.out_root / f"{case.name}.log"
        recipe = case.recipe(self.model)
        key = recipe_key(recipe)
        if side.cached and not self.fresh and stamp.exists() and out.is_dir():
            old = json.loads(stamp.read_text(encoding="utf-8"))
            if old.get("key") == key and old.get("rc") == 0:
                log(f"[{case.name}] {side.label}: cached ({old['wall_s']} s when run)")
                got = Run(out, logfile, 0, float(old["wall_s"]), cached=True)
                self.done[memo] = got
                return got
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        stamp.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "pipeline", case.command]
        cmd += [str(a) for a in case.args]
        cmd += ["--out", str(out), "--model", self.model, "--force"]
        log(f"[{case.name}] {side.label}: {' '.join(cmd[1:])}")
        began = time.perf_counter()
        with logfile.open("w") as handle:
            rc = subprocess.run(
                cmd, cwd=side.src, env=side_env(side), stdout=handle, stderr=subprocess.STDOUT
            ).returncode
        wall = round(time.perf_counter() - began, 2)
        log(f"[{case.name}] {side.label}: rc {rc}, {wall} s")
        stamp.write_text(
            json.dumps({"key": key, "recipe": recipe, "rc": rc, "wall_s": wall}, indent=1) + "\n",
            encoding="utf-8",
        )
        got = Run(out, logfile, rc, wall, cached=False)
        self.done[memo] = got
        return got


# --- inputs -------------------------------------------------------------------------

_SRT_TIME = re.compile(r"(\d{2,}):(\d{2}):(\d{2}),(\d{3})")


def _shift(match: re.Match[str]) -> str:
    h, m, s, ms = (int(g) for g in match.groups())
    total = ((h * 60 + m) * 60 + s) * 1000 + ms + SHIFT_MS
    h, rest = divmod(total, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def shift_srt(text: str) -> str:
    """Every time of the ``-->`` lines of an SRT moved by ``SHIFT_MS``; the rest kept."""
    lines = text.split("\n")
    return "\n".join(_SRT_TIME.sub(_shift, ln) if "-->" in ln else ln for ln in lines)


def shifted_srt(before_bilingual: Run, sha: str, model: str) -> Path:
    """The before side's own zh track of ``bilingual``, +2.5 s (written once)."""
    found = sorted(before_bilingual.out.glob("*.zh.srt"))
    if not found:
        raise SystemExit(f"no *.zh.srt in {before_bilingual.out} to build the zh-srt case from")
    slug = re.sub(r"[^A-Za-z0-9.]+", "_", model).strip("_")
    target = INPUTS / f"{sha[:12]}-{slug}" / found[0].name
    text = shift_srt(found[0].read_text(encoding="utf-8"))
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return target


def bench_inputs(before: Side, names: Sequence[str], full: bool) -> dict[str, tuple[Path, Path]]:
    """(audio, transcript) of :mod:`bench.cases` episodes, built by the before side's code."""
    code = (
        "import json, sys\n"
        "from bench.cases import build\n"
        f"cases = build({list(names)!r}, quick={not full!r})\n"
        "print(json.dumps({n: [str(c.audio), str(c.transcript)] for n, c in cases.items()}))\n"
    )
    log(f"building bench cases {', '.join(names)} with the before side's bench.cases ...")
    got = subprocess.run(
        [sys.executable, "-c", code],
        cwd=before.src,
        env=side_env(before),
        stdout=subprocess.PIPE,
        text=True,
    )
    if got.returncode != 0:
        raise SystemExit("building the bench cases failed (see above)")
    paths = json.loads(got.stdout.strip().splitlines()[-1])
    return {n: (Path(a), Path(t)) for n, (a, t) in paths.items()}


# --- comparison ---------------------------------------------------------------------


def tracks(out: Path) -> dict[str, Path]:
    """The compared files of an out dir, by path relative to it."""
    found: dict[str, Path] = {}
    for path in sorted(out.rglob("*")):
        name = path.name
        if not path.is_file() or _NOT_COMPARED.match(name):
            continue
        if name.endswith(TRACK_SUFFIXES) or name.endswith(WORDS_SUFFIX):
            found[path.relative_to(out).as_posix()] = path
    return found


def _clip(line: bytes) -> str:
    text = repr(line.decode("utf-8", errors="replace"))
    return text if len(text) <= 70 else text[:67] + "..."


def first_difference(a: bytes, b: bytes) -> str:
    """``first differing line N: before ... / after ...`` (N from 1)."""
    la, lb = a.splitlines(keepends=True), b.splitlines(keepends=True)
    for n in range(max(len(la), len(lb))):
        x = la[n] if n < len(la) else None
        y = lb[n] if n < len(lb) else None
        if x != y:
            shown_x = _clip(x) if x is not None else "(end of file)"
            shown_y = _clip(y) if y is not None else "(end of file)"
            return f"first differing line {n + 1}: before {shown_x} / after {shown_y}"
    return "same lines, different bytes"


def compare(before: Path, after: Path) -> list[tuple[str, str, bool]]:
    """(file, verdict, identical) for every compared file of either side."""
    a, b = tracks(before), tracks(after)
    rows: list[tuple[str, str, bool]] = []
    for name in sorted(a.keys() | b.keys()):
        if name not in b:
            rows.append((name, "only before", False))
        elif name not in a:
            rows.append((name, "only after", False))
        else:
            x, y = a[name].read_bytes(), b[name].read_bytes()
            if x == y:
                rows.append((name, "identical", True))
            else:
                rows.append((name, f"DIFFERENT ({first_difference(x, y)})", False))
    return rows


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]

    def line(r: Sequence[str]) -> str:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)]
        return "  ".join([*cells, r[-1]]).rstrip()

    return [line(header), line(["-" * len(h) for h in header]), *(line(r) for r in rows)]


# --- main ---------------------------------------------------------------------------


def make_side(label: str, rev: str | None, other_sha: str | None) -> Side:
    if rev is None:
        return Side(label, "working tree", ROOT, WORK / "worktree" / "out", cached=False)
    sha = resolve(rev)
    src = export(sha)
    title = f"{rev} ({sha[:12]})" if not sha.startswith(rev) else sha[:12]
    if sha == other_sha:  # same revision on both sides: run it again, afresh
        return Side(label, title + ", rerun", src, WORK / sha / "rerun", cached=False, sha=sha)
    return Side(label, title, src, WORK / sha / "out", cached=True, sha=sha)


def selected(values: Sequence[str] | None) -> list[str]:
    if not values:
        return list(ALL_CASES)
    names = [n for v in values for n in v.split(",") if n]
    unknown = [n for n in names if n not in ALL_CASES]
    if unknown:
        raise SystemExit(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(ALL_CASES)}")
    return [n for n in ALL_CASES if n in names]


def main(argv: Sequence[str] | None = None) -> int:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(
        prog="python -m bench.same_outputs",
        description=doc.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--before", required=True, help="git revision of the reference side")
    parser.add_argument("--after", help="git revision (default: the working tree)")
    parser.add_argument("--model", default="base", help="tiny.en | base | small | PATH")
    parser.add_argument("--cases", nargs="+", help=f"any of {', '.join(ALL_CASES)} (default all)")
    parser.add_argument("--full", action="store_true", help="full-size bench episodes")
    parser.add_argument("--fresh", action="store_true", help="rerun cached revision sides too")
    args = parser.parse_args(argv)
    names = selected(args.cases)

    began = time.perf_counter()
    before = make_side("before", args.before, None)
    after = make_side("after", args.after, before.sha)
    header = [
        "python -m bench.same_outputs " + " ".join(argv if argv is not None else sys.argv[1:]),
        f"model: {args.model}",
    ]
    for side in (before, after):
        where = imported_pipeline(side)
        header.append(f"{side.label}: {side.title}: import pipeline -> {where}")
        log(header[-1])
    if after.sha is not None and after.sha == before.sha:
        log("same revision on both sides: the after side runs afresh (a determinism check)")

    media = before.src / "media"
    audio = media / "sample.mp3"
    cases: dict[str, Case] = {
        "bilingual": Case("bilingual", "align", (audio, media / "sample.en-zh.txt")),
        "english": Case("english", "align", (audio, media / "sample.en.txt")),
        "translation": Case(
            "translation",
            "align",
            (audio, media / "sample.en.txt", "--translation", media / "sample.zh.txt"),
        ),
        "zh-only": Case("zh-only", "retime", (audio, media / "sample.zh.txt")),
    }
    wanted_bench = [n for n in BENCH_CASES if n in names]
    if wanted_bench:
        for n, (wav, txt) in bench_inputs(before, wanted_bench, args.full).items():
            cases[n] = Case(f"{n}-full" if args.full else n, "align", (wav, txt))

    runner = Runner(args.model, args.fresh)
    rows: list[list[str]] = []
    timing: list[list[str]] = []
    compared = differ = problems = 0

    def shown(run: Run) -> str:
        return f"{run.wall_s:.1f} s" + (" (cached)" if run.cached else "")

    for name in names:
        if name == "zh-srt":
            source = runner.run(before, cases["bilingual"])
            if source.rc != 0:
                rows.append([name, "-", f"NOT RUN (before's bilingual failed: {source.log})"])
                problems += 1
                continue
            srt = shifted_srt(source, before.sha or "", args.model)
            cases[name] = Case(name, "retime", (audio, srt))
        case = cases[name]
        runs = {side.label: runner.run(side, case) for side in (before, after)}
        timing.append([case.name, shown(runs["before"]), shown(runs["after"])])
        failed = [f"{k} rc={r.rc}, see {_rel(r.log)}" for k, r in runs.items() if r.rc != 0]
        if failed:
            rows.append([case.name, "-", "RUN FAILED (" + "; ".join(failed) + ")"])
            problems += 1
            continue
        got = compare(runs["before"].out, runs["after"].out)
        if not got:
            rows.append([case.name, "-", "NO TRACKS WRITTEN on either side"])
            problems += 1
        for file, verdict, same in got:
            rows.append([case.name, file, verdict])
            compared += 1
            differ += not same

    if differ or problems:
        final = f"{differ} of {compared} differ"
        if problems:
            final += f"; {problems} case(s) failed or wrote nothing"
    else:
        final = f"{compared} files compared, all identical"
    text = [
        *header,
        "",
        *table(["case", "file", "result"], rows),
        "",
        "wall time per side (informative only):",
        *table(["case", "before", "after"], timing),
        f"total {time.perf_counter() - began:.1f} s",
        "",
        final,
    ]
    report = "\n".join(text) + "\n"
    print(report, end="")
    LAST.parent.mkdir(parents=True, exist_ok=True)
    LAST.write_text(report, encoding="utf-8")
    return 0 if not differ and not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
