"""Writers: every format parses back with the library that reads it, and golden files stay put.

Run with ``UPDATE_GOLDEN=1`` to rewrite ``tests/golden/`` after an intended format change (then
read the diff before committing it).
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pysrt
import pysubs2
import pytest
import webvtt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import SubtitleFormatError
from pipeline.model import Cue, TimedWord, Track
from pipeline.subtitles.formats import FORMATS, render, render_words_json
from pipeline.subtitles.lint import lint_track

GOLDEN = Path(__file__).parent / "golden"

#: A short hand-written exchange (not from the seed transcripts): English source, Chinese below.
BILINGUAL = Track(
    ("en", "zh"),
    (
        Cue(
            1_200,
            3_900,
            {
                "en": ("The kettle has been whistling", "for a full minute."),
                "zh": ("水壶已经响了整整一分钟。",),
            },
            speaker="Mara",
        ),
        Cue(
            4_000,
            6_150,
            {"en": ("Then somebody should turn it off.",), "zh": ("那就该有人把它关掉。",)},
            speaker="Tobias",
        ),
        Cue(
            6_400,
            8_800,
            {"en": ("Tea & toast at eight, sharp?",), "zh": ("八点整，茶和吐司？",)},
        ),
    ),
)

WORDS = (
    TimedWord("The", 1_200, 1_350, "aligned", "Mara", 0),
    TimedWord("kettle", 1_350, 1_800, "aligned", "Mara", 0),
    TimedWord("has", 1_800, 1_905, "interpolated", "Mara", 0),
    TimedWord("(sighs)", None, None, "unspoken", "Mara", 0),
    TimedWord("水壶", 2_000, 2_400, "aligned", None, 1),
)


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"missing {path}: run with UPDATE_GOLDEN=1"
    assert text.encode("utf-8") == path.read_bytes(), f"{name} changed (UPDATE_GOLDEN=1 to accept)"


def _stacked(cue: Cue) -> list[str]:
    return [line for lines in cue.lines.values() for line in lines]


# --- golden files ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass"])
def test_bilingual_golden(fmt: str) -> None:
    _golden(f"bilingual.en-zh.{fmt}", render(BILINGUAL, fmt))


def test_words_json_golden() -> None:
    _golden("sample.words.json", render_words_json(WORDS, "en"))


def test_golden_track_lints_clean() -> None:
    # The golden track doubles as a sample of what segment must produce.
    assert lint_track(BILINGUAL).hard_count == 0


# --- round trips -------------------------------------------------------------------------------


def test_srt_round_trip_bilingual() -> None:
    text = render(BILINGUAL, "srt")
    items = pysrt.from_string(text)
    assert [item.index for item in items] == [1, 2, 3]
    assert "00:00:01,200 --> 00:00:03,900" in text
    for item, cue in zip(items, BILINGUAL.cues, strict=True):
        assert (item.start.ordinal, item.end.ordinal) == (cue.start_ms, cue.end_ms)
        assert item.text.split("\n") == _stacked(cue)
    # Source above translation.
    assert items[0].text.split("\n")[-1] == "水壶已经响了整整一分钟。"


def test_vtt_round_trip_bilingual() -> None:
    text = render(BILINGUAL, "vtt")
    assert text.startswith("WEBVTT\n")
    captions = webvtt.from_string(text, strict=True).captions
    assert len(captions) == len(BILINGUAL.cues)
    for caption, cue in zip(captions, BILINGUAL.cues, strict=True):
        start, end = caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()
        assert (start, end) == (cue.start_ms, cue.end_ms)
        assert [html.unescape(x) for x in caption.text.split("\n")] == _stacked(cue)
        assert caption.voice == cue.speaker
    first = captions[0].lines
    assert first[0] == "<v Mara><lang en>The kettle has been whistling</lang>"
    assert first[2] == "<lang zh>水壶已经响了整整一分钟。</lang>"
    assert "<lang en>Tea &amp; toast at eight, sharp?</lang>" in text


def test_vtt_escapes_markup_characters() -> None:
    track = Track(("en",), (Cue(0, 1_000, {"en": ("a <b> & c",)}, speaker="Q&A"),))
    text = render(track, "vtt")
    assert "<v Q&amp;A>a &lt;b&gt; &amp; c" in text
    caption = webvtt.from_string(text, strict=True).captions[0]
    assert html.unescape(caption.text) == "a <b> & c"


def test_vtt_mono_has_no_lang_spans() -> None:
    track = Track(("zh",), (Cue(0, 2_000, {"zh": ("你好，世界。",)}, speaker="Li Wei"),))
    text = render(track, "vtt")
    assert "<lang" not in text
    assert "<v Li Wei>你好，世界。" in text


def test_ass_round_trip_bilingual() -> None:
    text = render(BILINGUAL, "ass")
    subs = pysubs2.SSAFile.from_string(text, format_="ass")
    assert subs.info["PlayResX"] == "1920" and subs.info["PlayResY"] == "1080"
    assert set(subs.styles) == {"Source", "Translation"}
    assert subs.styles["Source"].fontsize < subs.styles["Translation"].fontsize
    assert len(subs.events) == len(BILINGUAL.cues)
    for event, cue in zip(subs.events, BILINGUAL.cues, strict=True):
        # ASS keeps centiseconds: times round to the nearest 10 ms.
        assert abs(event.start - cue.start_ms) <= 5 and abs(event.end - cue.end_ms) <= 5
        assert event.plaintext.split("\n") == _stacked(cue)
        assert event.name == (cue.speaker or "")
    assert r"whistling\Nfor a full minute.\N{\rTranslation}水壶" in subs.events[0].text


def test_ass_mono_one_style() -> None:
    track = Track(("en",), (Cue(0, 1_000, {"en": ("One", "two")}),))
    subs = pysubs2.SSAFile.from_string(render(track, "ass"), format_="ass")
    assert list(subs.styles) == ["Default"]
    assert subs.events[0].text == r"One\Ntwo"


def test_json_track_round_trip() -> None:
    data = json.loads(render(BILINGUAL, "json"))
    assert data["languages"] == ["en", "zh"]
    assert data["cues"][1] == {
        "start": 4.0,
        "end": 6.15,
        "speaker": "Tobias",
        "lines": {"en": ["Then somebody should turn it off."], "zh": ["那就该有人把它关掉。"]},
    }


def test_words_json_shape() -> None:
    text = render_words_json(WORDS, "en")
    data = json.loads(text)
    assert list(data) == ["language", "words"]
    assert data["words"][0] == {
        "text": "The",
        "start": 1.2,
        "end": 1.35,
        "status": "aligned",
        "speaker": "Mara",
    }
    assert data["words"][2]["end"] == 1.905
    assert data["words"][3]["start"] is None and data["words"][3]["end"] is None
    assert "水壶" in text  # ensure_ascii=False
    assert len(text.splitlines()) == 3 + len(WORDS) + 2  # one word per line
    assert json.loads(render_words_json([], "zh")) == {"language": "zh", "words": []}


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass", "json"])
def test_cjk_text_gets_no_spaces(fmt: str) -> None:
    track = Track(("zh",), (Cue(0, 3_000, {"zh": ("我们今天讨论", "人工智能。")}),))
    text = render(track, fmt)
    assert "我们今天讨论" in text and "人工智能。" in text
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", text)


def test_registry_and_unknown_format() -> None:
    assert set(FORMATS) == {"srt", "vtt", "ass", "ttml", "json"}
    assert all(w.id == fid for fid, w in FORMATS.items())
    with pytest.raises(SubtitleFormatError, match="unknown subtitle format 'sub'"):
        render(BILINGUAL, "sub")


def test_empty_track() -> None:
    empty = Track(("en",))
    assert render(empty, "srt") == ""
    assert render(empty, "vtt") == "WEBVTT\n"
    assert pysubs2.SSAFile.from_string(render(empty, "ass"), format_="ass").events == []


# --- property: SRT round trip on random tracks -------------------------------------------------

_LINE = (
    st.text(
        alphabet=st.characters(
            codec="utf-8",
            categories=("L", "N", "P", "Zs"),
            exclude_characters="<>{}\u2028\u2029\x85",
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda s: s != "" and "-->" not in s and not s.isdigit())
)


@st.composite
def tracks(draw: st.DrawFn) -> Track:
    langs = draw(st.sampled_from([("en",), ("zh",), ("en", "zh"), ("ru", "en")]))
    n = draw(st.integers(0, 8))
    t = draw(st.integers(0, 5_000))
    cues: list[Cue] = []
    for _ in range(n):
        t += draw(st.integers(0, 3_000))
        length = draw(st.integers(1, 8_000))
        lines = {lang: tuple(draw(st.lists(_LINE, min_size=1, max_size=2))) for lang in langs}
        speaker = draw(st.none() | st.sampled_from(["Ann", "Bo"]))
        cues.append(Cue(t, t + length, lines, speaker))
        t += length
    return Track(langs, tuple(cues))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tracks())
def test_srt_round_trip_property(track: Track) -> None:
    items = pysrt.from_string(render(track, "srt"))
    assert [item.index for item in items] == list(range(1, len(track.cues) + 1))
    got = [(i.start.ordinal, i.end.ordinal, i.text.split("\n")) for i in items]
    assert got == [(c.start_ms, c.end_ms, _stacked(c)) for c in track.cues]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tracks())
def test_vtt_round_trip_property(track: Track) -> None:
    captions = webvtt.from_string(render(track, "vtt"), strict=True).captions
    got = [
        (
            c.start_time.in_milliseconds(),
            c.end_time.in_milliseconds(),
            [html.unescape(x) for x in c.text.split("\n")],
        )
        for c in captions
    ]
    assert got == [(c.start_ms, c.end_ms, _stacked(c)) for c in track.cues]
