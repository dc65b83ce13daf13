"""Lint: planted violations of every rule are found (cue number and measured value), clean files
pass, per-language limits apply line by line, and malformed files give one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.errors import ConfigError, SubtitleFormatError
from pipeline.model import Cue, Track
from pipeline.subtitles.formats import render
from pipeline.subtitles.lint import RULES, lint_file, lint_track

runner = CliRunner()

LONG_LINE = "This line is much too long for one subtitle."  # 44 chars
assert len(LONG_LINE) == 44

BAD_SRT = f"""1
00:00:01,000 --> 00:00:04,000
{LONG_LINE}

2
00:00:05,000 --> 00:00:08,000
One
two
three

3
00:00:07,500 --> 00:00:10,000
Overlap.

4
00:00:10,040 --> 00:00:12,000
Tight gap.

5
00:00:13,000 --> 00:00:13,500
Short.

6
00:00:13,550 --> 00:00:15,000
Chained right after.

7
00:00:16,000 --> 00:00:17,000

8
00:00:18,000 --> 00:00:17,500
Backwards.

9
00:00:19,000 --> 00:00:27,000
A long still shot.

10
00:00:28,000 --> 00:00:29,000
Far too quick to read in time.

11
00:00:30,000 --> 00:00:33,000
我们 今天 讨论人工智能。

12
00:00:34,000 --> 00:00:36,000
And a clean one to end.
"""

#: (cue, rule, measured) planted in BAD_SRT: exactly these and nothing else.
EXPECTED = {
    (1, "line-length", 44),
    (2, "line-count", 3),
    (3, "overlap", 500),
    (4, "gap", 40),
    (5, "min-duration", 500),  # short even though it chains into #6 ...
    (6, "gap", 50),  # ... whose gap is below the minimum as well
    (7, "empty", 0),
    (8, "end-before-start", -500),
    (9, "max-duration", 8000),
    (10, "reading-speed", 30),
    (11, "cjk-spaces", 2),
}

CLEAN_SRT = """1
00:00:01,000 --> 00:00:03,500
Nothing here breaks a rule,
not even a little.

2
00:00:03,583 --> 00:00:06,000
The gap before this cue is two frames.

3
00:00:07,000 --> 00:00:09,000
我们今天讨论人工智能。
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_planted_violation_is_found(tmp_path: Path) -> None:
    result = lint_file(_write(tmp_path, "bad.srt", BAD_SRT))
    found = {(v.cue, v.rule, round(v.measured)) for v in result.violations}
    assert found == EXPECTED
    assert result.hard_count == 8
    assert result.cue_count == 12
    by_rule = {v.rule: v for v in result.violations}
    assert by_rule["line-length"].limit == 42 and by_rule["line-length"].hard
    assert by_rule["gap"].limit == 83
    assert by_rule["min-duration"].limit == 833
    assert not by_rule["reading-speed"].hard and by_rule["reading-speed"].limit == 20
    assert not by_rule["max-duration"].hard and not by_rule["cjk-spaces"].hard
    assert by_rule["overlap"].start_ms == 7_500


def test_messages_and_summary(tmp_path: Path) -> None:
    result = lint_file(_write(tmp_path, "bad.srt", BAD_SRT), lang="en")
    lines = list(result.format_lines())
    assert lines[0] == f'#1 00:00:01,000 line-length: 44 chars > 42 (line 1, en: "{LONG_LINE}")'
    assert "#3 00:00:07,500 overlap: starts 500 ms before #2 ends" in lines
    assert "#4 00:00:10,040 gap: 40 ms after #3 < 83 ms" in lines
    summary = result.summary()
    assert summary == (
        "12 cues: 8 hard violations (end-before-start 1, empty 1, line-length 1, line-count 1, "
        "overlap 1, gap 2, min-duration 1), 3 soft (max-duration 1, reading-speed 1, "
        "cjk-spaces 1); 90.0% within reading speed"
    )
    # 10 cues with text and a positive duration; one (#10) reads too fast.
    assert result.cps_within == pytest.approx(9 / 10)


def test_every_rule_has_a_planted_case() -> None:
    planted = {rule for _, rule, _ in EXPECTED} | {"words-per-minute"}  # BBC test below
    assert planted == {rule.id for rule in RULES}


def test_clean_file_passes(tmp_path: Path) -> None:
    result = lint_file(_write(tmp_path, "clean.srt", CLEAN_SRT))
    assert result.violations == ()
    assert result.langs == ("en", "zh")
    assert result.summary() == "3 cues: 0 hard violations, 0 soft; 100.0% within reading speed"


def test_cli_exit_codes(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["lint", str(_write(tmp_path, "bad.srt", BAD_SRT))])
    assert bad.exit_code == 1, bad.output
    assert "#9 00:00:19,000 max-duration: 8000 ms > 7000 ms" in bad.output
    assert "12 cues: 8 hard violations" in bad.output
    clean = runner.invoke(app, ["lint", str(_write(tmp_path, "clean.srt", CLEAN_SRT))])
    assert clean.exit_code == 0, clean.output
    assert "0 hard violations" in clean.output


def test_cli_soft_only_exits_zero(tmp_path: Path) -> None:
    srt = "1\n00:00:01,000 --> 00:00:02,000\nFar too quick to read in time.\n"
    result = runner.invoke(app, ["lint", str(_write(tmp_path, "fast.srt", srt))])
    assert result.exit_code == 0, result.output
    assert "reading-speed: 30.0 cps > 20" in result.output


def _zh_srt(line: str) -> str:
    return f"1\n00:00:01,000 --> 00:00:06,000\n{line}\n"


@pytest.mark.parametrize("lang", ["zh", None])
def test_zh_line_limit(tmp_path: Path, lang: str | None) -> None:
    sixteen = "我们今天要讨论的是人工智能的未来发展"[:16]
    seventeen = "我们今天要讨论的是人工智能的未来发展"[:17]
    ok = lint_file(_write(tmp_path, "ok.zh.srt", _zh_srt(sixteen)), lang=lang)
    assert [v.rule for v in ok.violations] == []
    bad = lint_file(_write(tmp_path, "bad.zh.srt", _zh_srt(seventeen)), lang=lang)
    assert [(v.rule, v.measured, v.limit) for v in bad.violations] == [("line-length", 17, 16)]
    assert bad.langs == ("zh",)


def test_zh_reading_speed(tmp_path: Path) -> None:
    # 10 characters in 1 s: 10 cps > 9 for Chinese (English would allow 20).
    result = lint_file(
        _write(tmp_path, "fast.srt", "1\n00:00:01,000 --> 00:00:02,000\n我们今天讨论人工智能\n")
    )
    assert [(v.rule, v.measured, v.limit) for v in result.violations] == [("reading-speed", 10, 9)]


def test_stacked_bilingual_lines_use_their_own_limits(tmp_path: Path) -> None:
    english = "Forty characters of English on one line."
    assert len(english) == 40
    srt = (
        f"1\n00:00:01,000 --> 00:00:06,000\n{english}\n我们今天要讨论的是人工智能的未来\n\n"
        f"2\n00:00:07,000 --> 00:00:12,000\n{english}\n我们今天要讨论的是人工智能的未来发\n"
    )
    path = _write(tmp_path, "both.srt", srt)
    for lang in (None, "zh", "en"):
        result = lint_file(path, lang=lang)
        assert [(v.cue, v.rule, v.measured) for v in result.violations] == [(2, "line-length", 17)]
        assert result.langs == ("en", "zh")
    # Two lines per language is fine even though the cue has four.
    four = "1\n00:00:01,000 --> 00:00:06,000\nOne line,\nand two.\n一行，\n两行。\n"
    assert lint_file(_write(tmp_path, "four.srt", four)).violations == ()


def test_bbc_profile(tmp_path: Path) -> None:
    line37, line38 = "x" * 30 + " abcdef", "x" * 30 + " abcdefg"
    srt = (
        f"1\n00:00:01,000 --> 00:00:04,000\n{line37}\n\n"
        f"2\n00:00:05,000 --> 00:00:08,000\n{line38}\n\n"
        "3\n00:00:09,000 --> 00:00:11,000\nWe go up, so we do it as we go.\n"
    )
    path = _write(tmp_path, "bbc.srt", srt)
    bbc = lint_file(path, profile="bbc")
    assert [(v.cue, v.rule, round(v.measured), v.limit) for v in bbc.violations] == [
        (2, "line-length", 38, 37),
        (3, "words-per-minute", 300, 180),  # 10 words in 2 s; 15.5 cps is within 20
    ]
    assert lint_file(path, profile="netflix").violations == ()
    result = runner.invoke(app, ["lint", str(path), "--profile", "bbc"])
    assert result.exit_code == 1 and "38 chars > 37" in result.output


def test_unknown_profile_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown subtitle profile"):
        lint_file(_write(tmp_path, "clean.srt", CLEAN_SRT), profile="itv")


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.srt", "1\n00:00:01,000 --> 00:00:0x,000\nHi.\n", "bad.srt:2"),
        ("bad.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi.\n\nstray words\n", "bad.srt:5"),
        ("bad.srt", "one\n00:00:01,000 --> 00:00:02,000\nHi.\n", "bad.srt:1"),
        ("bad.vtt", "00:00:01.000 --> 00:00:02.000\nHi.\n", "bad.vtt:1"),
        ("bad.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi.\n\nbroken\n", "bad.vtt:6"),
        (
            "bad.ass",
            "[Script Info]\n\n[Events]\nFormat: Layer, Start, End, Style, Text\n"
            "Dialogue: 0,0:00:01.00,later,Default,Hi\n",
            "bad.ass:5",
        ),
        ("notes.txt", "just some words\n", "notes.txt"),
        ("empty.srt", "", "empty.srt"),
    ],
)
def test_malformed_file_one_line_error(tmp_path: Path, name: str, text: str, where: str) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(SubtitleFormatError) as info:
        lint_file(path)
    assert where in info.value.format()
    result = runner.invoke(app, ["lint", str(path)])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0, result.output
    assert where in result.output and "Traceback" not in result.output


def test_vtt_blocks_players_skip_are_not_errors(tmp_path: Path) -> None:
    # A comment may follow NOTE with a tab; a second header (two files joined) is no cue.
    text = (
        "WEBVTT\n\nNOTE\tchecked by hand\n\n00:00:01.000 --> 00:00:03.000\nHello there.\n\n"
        "WEBVTT\n\n00:00:04.000 --> 00:00:06.000\nAnd again.\n"
    )
    result = lint_file(_write(tmp_path, "joined.vtt", text))
    assert result.cue_count == 2 and result.violations == ()


def test_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lint", str(tmp_path / "nope.srt")])
    assert result.exit_code == 1
    assert "nope.srt" in result.output


def test_format_detected_by_content(tmp_path: Path) -> None:
    track = Track(("en",), (Cue(1_000, 3_000, {"en": ("Hello there.",)}),))
    for fmt in ("srt", "vtt", "ass"):
        result = lint_file(_write(tmp_path, f"{fmt}.sub", render(track, fmt)))
        assert result.cue_count == 1 and result.violations == ()


BILINGUAL = Track(
    ("en", "zh"),
    (
        Cue(
            1_000,
            4_000,
            {
                "en": ("Forty characters of English on one line.",),
                "zh": ("我们今天要讨论的是人工智能的未来",),
            },
            speaker="Ann",
        ),
        Cue(4_040, 7_000, {"en": ("Right.",), "zh": ("我们今天要讨论的是人工智能的未来发",)}),
    ),
)
BILINGUAL_FOUND = [(2, "line-length", 17), (2, "gap", 40)]


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass"])
def test_lint_reads_what_writers_write(tmp_path: Path, fmt: str) -> None:
    result = lint_file(_write(tmp_path, f"x.en-zh.{fmt}", render(BILINGUAL, fmt)))
    assert [(v.cue, v.rule, v.measured) for v in result.violations] == BILINGUAL_FOUND
    assert result.langs == ("en", "zh")


def test_lint_track_each_language_own_limits() -> None:
    # report.py passes the track's last language; the English lines stay English.
    for lang in (None, "zh", "en"):
        result = lint_track(BILINGUAL, lang)
        assert [(v.cue, v.rule, v.measured) for v in result.violations] == BILINGUAL_FOUND
    mono = Track(("zh",), (Cue(0, 2_000, {"zh": ("我们今天要讨论的是人工智能的未来发",)}),))
    assert [v.rule for v in lint_track(mono).violations] == ["line-length"]
    und = Track(("und",), (Cue(0, 3_000, {"und": ("我们今天要讨论的是人工智能的未来发",)}),))
    assert lint_track(und).violations == ()  # read as English: 34 columns fit in 42
    assert [v.rule for v in lint_track(und, "zh").violations] == ["line-length"]


def test_ass_centiseconds_do_not_break_the_gap_rule(tmp_path: Path) -> None:
    # 2 frames at 24 fps is 83 ms; ASS can only say 80 or 90, so lint allows its rounding.
    track = Track(
        ("en",),
        (
            Cue(1_000, 3_004, {"en": ("First.",)}),
            Cue(3_087, 5_000, {"en": ("Second.",)}),
            Cue(5_060, 7_000, {"en": ("Third, too close.",)}),
        ),
    )
    assert [(v.cue, v.rule) for v in lint_track(track).violations] == [(3, "gap")]
    result = lint_file(_write(tmp_path, "gaps.ass", render(track, "ass")))
    assert [(v.cue, v.rule, v.measured) for v in result.violations] == [(3, "gap", 60)]


def test_stacked_line_with_an_english_term_counts_as_chinese(tmp_path: Path) -> None:
    path = tmp_path / "mixed.en-zh.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:04,000\nEither you do some souped-up\npre-training recipe\n"
        "要么你做某种增强版\n的 pre-training,\n",
        encoding="utf-8",
    )
    result = lint_file(path, None, "netflix", 24.0)
    assert result.hard_count == 0, list(result.format_lines())
