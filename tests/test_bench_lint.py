"""bench.lint_tracks: finds every track under a folder and reports its lint results."""

from __future__ import annotations

from pathlib import Path

from bench.lint_tracks import lint_tracks, main, markdown

GOOD = (
    "1\n00:00:01,000 --> 00:00:03,000\nHello there.\n\n"
    "2\n00:00:03,500 --> 00:00:05,000\nHow are you?\n"
)
BAD = "1\n00:00:01,000 --> 00:00:01,200\n你好你好你好你好你好你好你好你好你好\n"


def test_lint_tracks_reads_language_from_name(tmp_path: Path) -> None:
    (tmp_path / "ep.en.srt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ep.zh.srt").write_text(BAD, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a track", encoding="utf-8")
    rows = lint_tracks([tmp_path])
    assert [(r.path.name, r.code) for r in rows] == [("ep.en.srt", "en"), ("ep.zh.srt", "zh")]
    good, bad = rows
    assert good.result.hard_count == 0
    rules = {v.rule for v in bad.result.violations}
    assert {"line-length", "min-duration"} <= rules
    text = markdown(rows, tmp_path)
    assert "| `ep.en.srt` | en | 2 | 0 |" in text
    assert "2 tracks, 3 cues" in text
    assert main([str(tmp_path), "--out", str(tmp_path / "LINT.md")]) == 1
    assert (tmp_path / "LINT.md").read_text(encoding="utf-8") == text.replace(
        "`ep.en.srt`", f"`{tmp_path / 'ep.en.srt'}`"
    ).replace("`sub/ep.zh.srt`", f"`{tmp_path / 'sub' / 'ep.zh.srt'}`")


def test_tracks_section_replaces_its_block_and_keeps_the_analysis(tmp_path: Path) -> None:
    from bench.tracks import BEGIN, END, put_section

    results = tmp_path / "RESULTS.md"
    results.write_text("# figures\n\n## Analysis (hand-written; kept)\nmine\n", encoding="utf-8")
    put_section(f"{BEGIN}\nfirst\n{END}", results)
    text = results.read_text(encoding="utf-8")
    assert text.index("first") < text.index("## Analysis") and text.endswith("mine\n")
    put_section(f"{BEGIN}\nsecond\n{END}", results)
    text = results.read_text(encoding="utf-8")
    assert "first" not in text and text.count(BEGIN) == 1 and "second" in text
    assert text.endswith("mine\n")
