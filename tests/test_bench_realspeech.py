"""The real-speech benchmark's TextGrid reader, case builder and scorer, on synthetic data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.realcases import FILLERS, TG_CLIPS, Word, build_corpus, split_lines, tg_words
from bench.realscore import map_tokens, score_case
from bench.realspeech import HEADING, splice
from bench.score import OutWord
from bench.synth import write_wav
from bench.textgrid import parse_textgrid, read_textgrid

SHORT = '''File type = "ooTextFile"
Object class = "TextGrid"

0
3.5
<exists>
2
"IntervalTier"
"words"
0
3.5
4
0
1.05
""
1.05
1.2
"say ""hi"""
1.2
2.0
"<vocnoise>"
2.0
3.5
"there"
"TextTier"
"marks"
0
3.5
1
1.5
"beep"
'''

LONG = """File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 1.358685
tiers? <exists>
size = 1
item []:
    item [1]:
        class = "IntervalTier"
        name = "words"
        xmin = 0
        xmax = 1.358685
        intervals: size = 2
        intervals [1]:
            xmin = 0.0
            xmax = 0.55
            text = "montreal"
        intervals [2]:
            xmin = 0.55
            xmax = 1.358685
            text = "two
lines"
"""


def test_textgrid_short_format() -> None:
    tg = parse_textgrid(SHORT)
    assert (tg.xmin, tg.xmax) == (0.0, 3.5)
    words = tg.tier("words")
    assert words.kind == "IntervalTier"
    assert [i.text for i in words.intervals] == ["", 'say "hi"', "<vocnoise>", "there"]
    assert words.intervals[1].start == 1.05 and words.intervals[1].end == 1.2
    marks = tg.tier("marks")
    assert marks.intervals[0].start == marks.intervals[0].end == 1.5
    with pytest.raises(KeyError):
        tg.tier("phones")


def test_textgrid_long_format_and_utf16(tmp_path: Path) -> None:
    tg = parse_textgrid(LONG)
    ivs = tg.tier("words").intervals
    assert [(i.start, i.end, i.text) for i in ivs] == [
        (0.0, 0.55, "montreal"),
        (0.55, 1.358685, "two\nlines"),
    ]
    path = tmp_path / "x.TextGrid"
    path.write_bytes(LONG.encode("utf-16"))
    assert read_textgrid(path) == tg


def test_tg_words_drop_silence_and_markup(tmp_path: Path) -> None:
    path = tmp_path / "a.TextGrid"
    path.write_text(SHORT, encoding="utf-8")
    assert [w.text for w in tg_words(path)] == ['say "hi"', "there"]


def test_split_lines_at_pauses() -> None:
    ws = [Word("a", 0.0, 0.2), Word("b", 0.3, 0.5), Word("c", 0.8, 1.0), Word("d", 1.1, 1.2)]
    assert [[w.text for w in line] for line in split_lines(ws, 0.25)] == [["a", "b"], ["c", "d"]]


def test_map_tokens_splits_and_merges() -> None:
    toks = ["Call-Forward", "on", "Busy.", "press", "1"]
    words = ["Call", "-Forward", "on", "busy", "press", "one"]
    assert map_tokens(toks, words) == [0, 2, 3, 4, None]
    assert map_tokens(["a", "b"], []) == [None, None]


def _truth() -> dict[str, Any]:
    tokens = [
        {"text": "Title", "kind": "title", "line": 0, "start": None, "end": None},
        {"text": "one", "kind": "spoken", "line": 1, "start": 1.0, "end": 1.2},
        {"text": "two", "kind": "spoken", "line": 1, "start": 1.5, "end": 1.7},
        {"text": "gone", "kind": "absent", "line": 2, "start": None, "end": None},
        {"text": "three", "kind": "spoken", "line": 3, "start": 3.0, "end": 3.2},
        {"text": "four", "kind": "spoken", "line": 4, "start": 5.0, "end": 5.2},
    ]
    lines = [
        {"kind": "title", "onset": None, "first": 0, "n": 1},
        {"kind": "spoken", "onset": 1.0, "first": 1, "n": 2},
        {"kind": "absent", "onset": None, "first": 3, "n": 1},
        {"kind": "spoken", "onset": 3.0, "first": 4, "n": 1},
        {"kind": "spoken", "onset": 5.0, "first": 5, "n": 1},
    ]
    fillers = [{"start": 2.5, "end": 2.9, "next": 4}]
    return {"tokens": tokens, "lines": lines, "fillers": fillers}


def test_score_case_figures() -> None:
    out = [
        OutWord("one", 1050, 1200),
        OutWord("two", 1400, 1700),
        OutWord("gone", 2000, 2100),  # absent, yet timed
        OutWord("three", 2600, 3200),  # pulled onto the filler: 400 ms early
        OutWord("four", None, None, "unspoken"),  # a spoken line declared unspoken
    ]
    s = score_case(_truth(), out)
    assert s["spoken_words"] == 4 and s["coverage"] == 75.0
    ws = s["word_start"]
    assert ws["n"] == 3 and ws["median_ms"] == 100.0 and ws["within_50"] == pytest.approx(33.33)
    assert (s["absent_words"], s["absent_timed"], s["absent_lines_timed"]) == (1, 1, 1)
    assert (s["title_note_words"], s["title_note_in_output"], s["title_note_timed"]) == (1, 0, 0)
    assert (s["fillers"], s["fillers_pulled"]) == (1, 1)
    utt = s["utt"]
    assert utt["n"] == 3 and utt["unspoken"] == 1
    assert utt["within_200"] == pytest.approx(33.33)  # the untimed line counts as a miss
    assert utt["median_ms"] == 225.0


def _tg(words: list[tuple[float, float, str]], xmax: float) -> str:
    rows = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "0", str(xmax)]
    rows += ["<exists>", "1", '"IntervalTier"', '"words"', "0", str(xmax), str(len(words))]
    for a, b, t in words:
        rows += [str(a), str(b), f'"{t}"']
    return "\n".join(rows) + "\n"


def test_build_corpus_edited_cuts_and_drops_fillers(tmp_path: Path) -> None:
    data = tmp_path / "tests" / "data"
    (data / "wav").mkdir(parents=True)
    (data / "textgrid").mkdir()
    rng = np.random.default_rng(0)
    words = [
        (0.5, 0.9, "uh"),
        (1.0, 1.4, "alpha"),
        (2.0, 2.4, "beta"),
        (2.5, 2.9, "gamma"),
        (3.5, 3.9, "delta"),
        (4.0, 4.4, "um"),
        (4.5, 4.9, "omega"),
    ]
    for clip in TG_CLIPS:
        write_wav(data / "wav" / f"{clip}.wav", 0.1 * rng.standard_normal(16000 * 6))
        (data / "textgrid" / f"{clip}.TextGrid").write_text(_tg(words, 6.0), encoding="utf-8")
    verbatim = build_corpus(tmp_path / "tests", edited=False, work=tmp_path / "out")
    v = json.loads(verbatim.truth.read_text())
    assert [t["text"] for t in v["tokens"][:3]] == ["Uh", "alpha.", "Beta"]
    assert not v["fillers"] and all(t["kind"] == "spoken" for t in v["tokens"])
    edited = build_corpus(tmp_path / "tests", edited=True, work=tmp_path / "out")
    e = json.loads(edited.truth.read_text())
    kinds = [t["kind"] for t in e["tokens"]]
    assert kinds.count("title") + kinds.count("note") == len(e["tokens"]) - 15
    assert not any(t["text"].lower().strip(".") in FILLERS for t in e["tokens"])
    absent = [t["text"] for t in e["tokens"] if t["kind"] == "absent"]
    assert absent == ["Beta", "gamma."]  # the longest inner filler-free line of clip 2
    cut = (2.9 + 3.5) / 2 - (1.4 + 2.0) / 2  # from the middle of one pause to the next
    assert edited.duration_s() == pytest.approx(verbatim.duration_s() - cut, abs=0.001)
    delta_v = [t["start"] for t in v["tokens"] if t["text"] == "Delta"]
    delta_e = [t["start"] for t in e["tokens"] if t["text"] == "Delta"]
    assert delta_e[0] == pytest.approx(delta_v[0])  # before the cut
    assert delta_e[1] == pytest.approx(delta_v[1] - cut, abs=0.001)  # after it, in clip 2
    assert delta_e[2] == pytest.approx(delta_v[2] - cut, abs=0.001)  # and in clip 3
    # each dropped filler points at the next spoken token
    for f in e["fillers"]:
        assert e["tokens"][f["next"]]["kind"] == "spoken"
        assert e["tokens"][f["next"]]["start"] >= f["end"]
    assert len(e["fillers"]) == 6
    lines = edited.transcript.read_text().splitlines()
    assert lines[0].startswith("Three Takes") and lines[1].startswith("Editor's note:")


def test_splice_replaces_the_section(tmp_path: Path) -> None:
    path = tmp_path / "R.md"
    path.write_text(f"# R\n\n{HEADING}\n\nold\n\n## Next\n\nkeep\n", encoding="utf-8")
    splice(path, "new\n")
    assert path.read_text() == f"# R\n\n{HEADING}\n\nnew\n\n## Next\n\nkeep\n"
    path.write_text("# R\n", encoding="utf-8")
    splice(path, "x\n")
    assert path.read_text().endswith(f"{HEADING}\n\nx\n")
