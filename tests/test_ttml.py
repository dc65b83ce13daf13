"""TTML (IMSC 1.1 Text) tracks: read back with ttconv, checked with the IMSC HRM (imschrm).

Every track is also rendered as SRT and parsed with pysubs2: the TTML must hold the same cues,
lines and times to the millisecond.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as et
from fractions import Fraction
from pathlib import Path
from typing import Any

import imschrm.doc_sequence
import imschrm.hrm
import pysubs2
import pytest
from ttconv import model as tt
from ttconv.imsc import reader as imsc_reader
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.model import Cue, Track
from pipeline.run.config import SUBTITLE_FORMATS
from pipeline.subtitles.formats import FORMATS, render, ttml
from tests.helpers import align_args, make_episode

TTML_NS = "http://www.w3.org/ns/ttml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TTP_PROFILES = "{http://www.w3.org/ns/ttml#parameter}contentProfiles"
TTS = "{http://www.w3.org/ns/ttml#styling}"

#: (begin ms, end ms, ((lang, line), ...)) of one paragraph.
ReadCue = tuple[int, int, tuple[tuple[str, str], ...]]

EN_LINES = [
    ("Hello there, and welcome", "to the show."),
    ("Thanks for having me here today.",),
    ("Shall we start with", "the news from the coast?"),
    ("Yes. It was a long night.",),
]
ZH_LINES = [
    ("你好，欢迎收听", "我们的节目。"),
    ("谢谢你邀请我。",),
    ("我们先从海岸的消息", "开始吧？"),
    ("好的。那是漫长的一夜。",),
]
TIMES = [(1_234, 3_456), (3_500, 5_001), (6_000, 8_999), (3_723_456, 3_726_000)]  # to 1:02:06


def mono(lang: str, lines: list[tuple[str, ...]]) -> Track:
    cues = tuple(
        Cue(start, end, {lang: text}, speaker="Alice")
        for (start, end), text in zip(TIMES, lines, strict=True)
    )
    return Track((lang,), cues)


def stacked() -> Track:
    cues = tuple(
        Cue(start, end, {"en": en, "zh": zh})
        for (start, end), en, zh in zip(TIMES, EN_LINES, ZH_LINES, strict=True)
    )
    return Track(("en", "zh"), cues)


TRACKS = {"en": mono("en", EN_LINES), "zh": mono("zh", ZH_LINES), "en-zh": stacked()}


def _ms(seconds: Fraction | None) -> int:
    """Milliseconds of a ttconv time (its reader keeps a begin of 0 as None)."""
    ms = (seconds or Fraction(0)) * 1000
    assert ms.denominator == 1, f"{seconds} s is not a whole millisecond"
    return int(ms)


def _document(text: str) -> Any:
    """ttconv's model of a TTML text (ttconv ships no types)."""
    doc = imsc_reader.to_model(et.ElementTree(et.fromstring(text)))
    assert doc is not None, "ttconv could not read the document"
    return doc


def read_back(text: str) -> list[ReadCue]:
    """The paragraphs of a TTML text, as ttconv reads them: times and each span's lang and text."""
    doc = _document(text)
    cues: list[ReadCue] = []
    for div in doc.get_body():
        for p in div:
            spans: list[tuple[str, str]] = []
            for child in p:
                if isinstance(child, tt.Span):
                    text_of = "".join(t.get_text() for t in child if isinstance(t, tt.Text))
                    spans.append((child.get_lang(), text_of))
                else:
                    assert isinstance(child, tt.Br), child
            cues.append((_ms(p.get_begin()), _ms(p.get_end()), tuple(spans)))
    return cues


def srt_events(track: Track) -> list[tuple[int, int, tuple[str, ...]]]:
    """The same track as SRT, parsed by pysubs2: times and lines."""
    subs = pysubs2.SSAFile.from_string(render(track, "srt"), format_="srt")
    return [(e.start, e.end, tuple(e.plaintext.split("\n"))) for e in subs]


class Recorder:
    """An imschrm event handler (duck-typed: validate only calls these) that keeps errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, msg: str, doc_index: int, time: Fraction, avail: Fraction, stats: Any) -> None:
        self.errors.append(f"{msg} at {float(time):.3f}s (ISD #{doc_index})")

    def warn(self, msg: str, doc_index: int, time: Fraction, avail: Fraction, stats: Any) -> None:
        pass

    def info(self, msg: str, doc_index: int, time: Fraction, avail: Fraction, stats: Any) -> None:
        pass

    def debug(self, msg: str, doc_index: int, time: Fraction, avail: Fraction, stats: Any) -> None:
        pass


def hrm_errors(text: str) -> list[str]:
    """What the IMSC hypothetical render model reports for a TTML text."""
    handler = Recorder()
    isds = imschrm.doc_sequence.iter_isd(iter([(0, None, text)]))
    imschrm.hrm.validate(isds, handler)
    return handler.errors


@pytest.mark.parametrize("code", list(TRACKS))
def test_reads_back_as_the_srt_to_the_millisecond(code: str) -> None:
    track = TRACKS[code]
    got = read_back(render(track, "ttml"))
    srt = srt_events(track)
    assert len(got) == len(srt) == len(track.cues)
    for (begin, end, spans), (start, stop, lines) in zip(got, srt, strict=True):
        assert (begin, end) == (start, stop)
        assert tuple(line for _, line in spans) == lines


@pytest.mark.parametrize("code", list(TRACKS))
def test_every_span_is_in_its_language(code: str) -> None:
    track = TRACKS[code]
    for cue, (_, _, spans) in zip(track.cues, read_back(render(track, "ttml")), strict=True):
        assert spans == tuple((lang, line) for lang in track.langs for line in cue.lines[lang])


def test_stacked_spans_carry_xml_lang_source_first() -> None:
    root = et.fromstring(render(TRACKS["en-zh"], "ttml"))
    assert root.get(XML_LANG) == "en"
    paragraphs = list(root.iter(f"{{{TTML_NS}}}p"))
    assert len(paragraphs) == len(TIMES)
    for p, en, zh in zip(paragraphs, EN_LINES, ZH_LINES, strict=True):
        tags = [(child.tag.split("}")[1], child.get(XML_LANG), child.text) for child in p]
        spans = [(lang, text) for tag, lang, text in tags if tag == "span"]
        assert spans == [("en", line) for line in en] + [("zh", line) for line in zh]
        assert [tag for tag, _, _ in tags] == ["span", "br"] * (len(spans) - 1) + ["span"]
        assert not (p.text or "").strip() and all(child.tail is None for child in p)


def test_a_monolingual_document_takes_the_track_language() -> None:
    root = et.fromstring(render(TRACKS["zh"], "ttml"))
    assert root.get(XML_LANG) == "zh"
    assert {span.get(XML_LANG) for span in root.iter(f"{{{TTML_NS}}}span")} == {None}  # inherited


@pytest.mark.parametrize("code", list(TRACKS))
def test_the_imsc_hrm_passes(code: str) -> None:
    assert hrm_errors(render(TRACKS[code], "ttml")) == []


def test_the_hrm_check_can_fail() -> None:
    """The harness is not vacuous: four full CJK lines replaced every 40 ms overload the HRM."""
    cues = tuple(
        Cue(k * 40, k * 40 + 40, {"zh": tuple("字" * 30 + str(k) for _ in range(4))})
        for k in range(5)
    )
    errors = hrm_errors(render(Track(("zh",), cues), "ttml"))
    assert errors and errors[0].startswith("Rendering time exceeded")


def test_declares_imsc_1_1_text_and_a_bottom_centred_region() -> None:
    text = render(TRACKS["en"], "ttml")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<tt ')
    root = et.fromstring(text)
    assert root.get(TTP_PROFILES) == "http://www.w3.org/ns/ttml/profile/imsc1.1/text"
    (region,) = root.iter(f"{{{TTML_NS}}}region")
    assert region.get(TTS + "origin") == "10% 10%" and region.get(TTS + "extent") == "80% 80%"
    assert region.get(TTS + "displayAlign") == "after"
    assert region.get(TTS + "textAlign") == "center"
    begins = [p.get("begin") for p in root.iter(f"{{{TTML_NS}}}p")]
    assert begins[0] == "00:00:01.234" and begins[-1] == "01:02:03.456"
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d\d\d", b or "") for b in begins)
    doc = _document(text)
    assert doc.get_content_profiles() == {ttml.PROFILE}
    assert all(p.get_region().get_id() == ttml.REGION_ID for div in doc.get_body() for p in div)


def test_characters_that_need_escaping_survive() -> None:
    lines = ('Q&A <live> & "quoted"', "a > b; x < y & 'z'")
    track = Track(("en",), (Cue(0, 1_500, {"en": lines}),))
    text = render(track, "ttml")
    assert "Q&amp;A &lt;live&gt;" in text and "x &lt; y &amp;" in text
    assert read_back(text) == [(0, 1_500, tuple(("en", line) for line in lines))]
    assert hrm_errors(text) == []


def test_an_empty_track_is_a_valid_document() -> None:
    text = render(Track(("en",), ()), "ttml")
    assert read_back(text) == []
    assert hrm_errors(text) == []


def test_a_thousand_cues() -> None:
    cues = tuple(
        Cue(k * 2_000 + 7, k * 2_000 + 1_803, {"en": (f"Line {k} of the episode.",)})
        for k in range(1_000)
    )
    got = read_back(render(Track(("en",), cues), "ttml"))
    assert len(got) == 1_000
    assert got[-1] == (1_998_007, 1_999_803, (("en", "Line 999 of the episode."),))


def test_registered_for_the_pipeline_and_the_cli() -> None:
    assert FORMATS["ttml"].extension == "ttml"
    assert "ttml" in SUBTITLE_FORMATS
    assert render(TRACKS["en"], ".TTML") == render(TRACKS["en"], "ttml")


# The command line, with the planted recogniser of tests/test_cli_options.py.

runner = CliRunner()


@pytest.fixture
def episode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A short episode with a planted recogniser (no model), and its transcript."""
    return make_episode(tmp_path, monkeypatch)


def _align(ep: dict[str, Path], *extra: str) -> Any:
    return runner.invoke(app, align_args(ep, *extra))


def _srt_file(path: Path) -> list[tuple[int, int, tuple[str, ...]]]:
    subs = pysubs2.load(str(path), encoding="utf-8", format_="srt")
    return [(e.start, e.end, tuple(e.plaintext.split("\n"))) for e in subs]


def test_cli_writes_ttml_beside_srt(episode: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _align(episode, "--out", str(out), "--formats", "srt,ttml")
    assert result.exit_code == 0, result.output
    tracks = sorted(p.name for p in out.glob("ep.*.*") if p.suffix in (".srt", ".ttml", ".vtt"))
    assert tracks == ["ep.en.srt", "ep.en.ttml"]
    text = (out / "ep.en.ttml").read_text(encoding="utf-8")
    got = read_back(text)
    srt = _srt_file(out / "ep.en.srt")
    assert got and [(b, e, tuple(line for _, line in s)) for b, e, s in got] == srt
    assert all(lang == "en" for _, _, spans in got for lang, _ in spans)
    assert hrm_errors(text) == []


def test_cli_dash_o_writes_one_ttml_track(episode: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "deliver" / "x.ttml"
    result = _align(episode, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.parent.iterdir()) == [".subweave", "x.ttml"]
    text = target.read_text(encoding="utf-8")
    assert et.fromstring(text).get(TTP_PROFILES) == ttml.PROFILE
    assert read_back(text) and hrm_errors(text) == []
