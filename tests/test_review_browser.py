"""The review page in a real browser: headless Chromium, driven through the DevTools protocol.

On the committed sample (tiny.en, ``model`` marker): every cue of every track is on the page
with the written times and its flags, a click on a cue seeks the audio to its in-time, a click
on an item to check plays it from before its in-time, keys and the editor change a cue, the
exported tracks equal the files on disk until edited, and the saved corrections round-trip
through a CLI re-run. On a synthetic 80-minute episode (no model): only a window of cue rows is
in the DOM, and scrolling to the last cue and clicking it works.

Skipped where Chromium (``make sysdeps`` installs it) or websocket-client is missing.
"""

from __future__ import annotations

import json
import shutil
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pysrt
import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from tests.browser import Page, chromium, chromium_path

ROOT = Path(__file__).resolve().parents[1]
AUDIO = ROOT / "media" / "sample.mp3"
BILINGUAL = ROOT / "media" / "sample.en-zh.txt"
TRACKS = ("en", "zh", "en-zh")
MAX_ROWS = 80  # a lazily rendered list keeps at most this many rows in the DOM

pytest.importorskip("websocket")
if chromium_path() is None:
    pytest.skip("chromium is not installed (make sysdeps)", allow_module_level=True)
if shutil.which("ffmpeg") is None:
    pytest.skip("ffmpeg is not installed: the proxy would be a WAV", allow_module_level=True)


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with chromium() as tab:
        yield tab


def _open(page: Page, html: Path) -> None:
    page.open(html.as_uri())
    page.wait_for("window.subweave && window.subweave.ready")


COLLECT = """(async (code) => {
  subweave.showTrack(code);
  const host = document.getElementById('cues'), got = {};
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  host.scrollTop = 0; await frame();
  let most = 0;
  for (;;) {
    const rows = host.querySelectorAll('.cue[data-track]');
    most = Math.max(most, rows.length);
    for (const e of rows) got[e.dataset.index] = [e.dataset.track, Number(e.dataset.startMs),
      Number(e.dataset.endMs), e.dataset.flags];
    if (host.scrollTop + host.clientHeight >= host.scrollHeight - 1) break;
    host.scrollTop += host.clientHeight; await frame();
  }
  return {got, most};
})"""


def _collect(page: Page, code: str) -> tuple[list[list[Any]], int]:
    """Every cue row of track ``code``, found by scrolling its list from top to bottom."""
    result = page.eval(f"{COLLECT}({json.dumps(code)})")
    assert isinstance(result, dict)
    got = result["got"]
    return [got[str(i)] for i in range(len(got))], int(result["most"])


# --- the sample --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("review")
    args = ["align", str(AUDIO), str(BILINGUAL), "--out", str(out), "--model", "tiny.en", "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.model
def test_every_cue_of_every_track_with_its_times_and_flags(page: Page, sample: Path) -> None:
    _open(page, sample / "sample.review.html")
    assert page.eval("document.querySelector('audio').getAttribute('src')") == "sample.review.mp3"
    assert (
        page.eval(
            "[...document.querySelectorAll('[src],[href]')].filter((e) =>"
            " /^(https?:)?\\/\\//.test(e.getAttribute('src') || e.getAttribute('href')))"
            ".length"
        )
        == 0
    )
    report = json.loads((sample / "sample.report.json").read_text(encoding="utf-8"))
    assert page.eval("subweave.tracks()") == list(TRACKS)
    for code in TRACKS:
        rows, _ = _collect(page, code)
        srt = pysrt.open(str(sample / f"sample.{code}.srt"), encoding="utf-8")
        assert [(r[1], r[2]) for r in rows] == [(s.start.ordinal, s.end.ordinal) for s in srt]
        assert {r[0] for r in rows} == {code}
        flagged = {
            c["cue"] - 1: " ".join(c["reasons"])
            for c in report["review"]["cues"]
            if c["track"] == code
        }
        assert {i: r[3] for i, r in enumerate(rows) if r[3]} == flagged


@pytest.mark.model
def test_a_click_on_a_cue_seeks_and_a_click_on_an_item_plays(page: Page, sample: Path) -> None:
    _open(page, sample / "sample.review.html")
    page.wait_for("subweave.audio.readyState >= 1")
    page.eval("subweave.showTrack('en')")
    start = page.eval("subweave.cues('en')[5].start_ms")
    page.click_selector('.cue[data-track="en"][data-index="5"]')
    page.wait_for(f"Math.abs(subweave.audio.currentTime * 1000 - {start}) < 1")
    assert page.eval("subweave.audio.paused") is True  # a cue click only seeks
    assert page.eval("subweave.selected()") == {"track": "en", "cue": 5}
    items: object = []
    for code in TRACKS:  # the first track with something to check
        page.eval(f"subweave.showTrack('{code}')")
        items = page.eval("subweave.items()")
        if items:
            break
    assert isinstance(items, list) and items, "the sample has something to check"
    first = items[0]
    page.click_selector('.item[data-item="0"]')
    page.wait_for("!subweave.audio.paused")
    assert page.eval("subweave.lastSeekMs") == max(0, first["start_ms"] - 500)
    page.wait_for(f"subweave.audio.currentTime * 1000 > {max(0, first['start_ms'] - 500) + 50}")
    page.eval("subweave.audio.pause()")


@pytest.mark.model
def test_edit_export_and_round_trip_through_a_rerun(
    page: Page, sample: Path, tmp_path: Path
) -> None:
    html = sample / "sample.review.html"
    _open(page, html)
    for code in TRACKS:  # unedited, the page's export is the file on disk
        for fmt in ("srt", "vtt"):
            text = (sample / f"sample.{code}.{fmt}").read_text(encoding="utf-8")
            assert page.eval(f"subweave.exportTrack('{code}', '{fmt}')") == text, (code, fmt)
    page.eval("subweave.showTrack('en')")
    before = page.eval("subweave.cues('en')[3]")
    assert isinstance(before, dict)
    page.click_selector('.cue[data-track="en"][data-index="3"]')
    page.key("]", "BracketRight")  # in-time one frame later
    page.key("]", "BracketRight")
    page.key("<", "Comma", shift=True)  # out-time 100 ms earlier
    page.key("e", "KeyE")  # into the text box
    page.eval("document.activeElement.setSelectionRange(0, 0)")
    page.send("Input.insertText", text="Edited: ")
    page.click_selector("#apply-text")
    page.key("c", "KeyC")  # its flags checked (none here: nothing changes)
    row = '.cue[data-track="en"][data-index="3"]'
    start, end = before["start_ms"] + 2 * 42, before["end_ms"] - 100
    assert page.eval(f"document.querySelector('{row}').dataset.startMs") == str(start)
    assert page.eval(f"document.querySelector('{row}').dataset.endMs") == str(end)
    lines = page.eval("subweave.cues('en')[3].lines.en")
    assert isinstance(lines, list) and lines[0].startswith("Edited: ")
    srt = page.eval("subweave.exportTrack('en', 'srt')")
    assert isinstance(srt, str) and "Edited: " in srt
    subs = pysrt.from_string(srt)
    assert (subs[3].start.ordinal, subs[3].end.ordinal) == (start, end)
    # flag a cue of the bilingual track as checked, with the key, too
    page.eval("subweave.showTrack('en-zh')")
    flagged = page.eval("subweave.cues('en-zh').findIndex((c) => c.flags.length)")
    assert isinstance(flagged, int) and flagged >= 0
    page.eval(f"subweave.select('en-zh', {flagged})")
    page.key("c", "KeyC")
    checked = page.eval(f"subweave.cues('en-zh')[{flagged}].checked.length")
    assert isinstance(checked, int) and checked > 0

    # the download the Export SRT button offers (Blob + a.download)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    page.send("Page.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
    page.click_selector("#export-corrections")
    saved = downloads / "sample.corrections.json"
    for _ in range(400):  # the browser writes the download in its own time
        if saved.is_file() and saved.stat().st_size:
            break
        time.sleep(0.05)
    exported = json.loads(page.eval("subweave.exportCorrections()"))  # type: ignore[arg-type]
    assert json.loads(saved.read_text(encoding="utf-8")) == exported
    assert [c["track"] for c in exported["corrections"]] == ["en", "en-zh"]

    shutil.copy(saved, sample / "sample.corrections.json")
    args = ["align", str(AUDIO), str(BILINGUAL), "--out", str(sample), "--model", "tiny.en", "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    subs = pysrt.open(str(sample / "sample.en.srt"), encoding="utf-8")
    assert (subs[3].start.ordinal, subs[3].end.ordinal) == (start, end)
    assert subs[3].text.startswith("Edited: ")
    report = json.loads((sample / "sample.report.json").read_text(encoding="utf-8"))
    assert report["corrections"]["applied"] == 2 and report["corrections"]["stale"] == []
    _open(page, html)
    page.eval("subweave.showTrack('en')")
    assert page.eval(f"document.querySelector('{row}').dataset.startMs") == str(start)
    assert page.eval(f"document.querySelector('{row}').classList.contains('corrected')")
    again = json.loads(page.eval("subweave.exportCorrections()"))  # type: ignore[arg-type]
    assert again["corrections"] == exported["corrections"]  # nothing lost, nothing added
    shot = tmp_path / "review.png"
    page.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_exports_are_written_as_the_run_writes_its_files(page: Page, tmp_path: Path) -> None:
    """The page's SRT/VTT equal the writers' for voices, escapes, stacking, BOM and CR LF."""
    from pipeline.model import Cue, Track
    from pipeline.review.flags import Flags
    from pipeline.review.page import PageInputs, build_page
    from pipeline.subtitles.formats import render

    cues = (
        Cue(0, 1200, {"en": ("Q&A <live>", "second line")}, "Dr  Who"),
        Cue(1300, 2500, {"en": ("Fine.",), "zh": ("好。",)}, None),
        Cue(3_600_000, 3_601_000, {"en": ("An hour in.",), "zh": ("一小时。",)}, "Amy"),
    )
    tracks = (Track(("en", "zh"), cues),)
    for voices, bom, crlf in ((True, False, False), (False, True, True)):
        html = tmp_path / f"page-{voices}.html"
        inputs = PageInputs(
            "ep", "ep", 3_700_000, 25.0, "ep.review.mp3", bytes(10), tracks, Flags({}),
            voices=voices, bom=bom, crlf=crlf,
        )  # fmt: skip
        html.write_text(build_page(inputs), encoding="utf-8")
        _open(page, html)
        written = tracks[0] if voices else Track(tracks[0].langs, tuple(
            Cue(c.start_ms, c.end_ms, c.lines, None) for c in cues))  # fmt: skip
        srt = render(written, "srt")
        srt = ("\ufeff" if bom else "") + (srt.replace("\n", "\r\n") if crlf else srt)
        assert page.eval("subweave.exportTrack('en-zh', 'srt')") == srt
        assert page.eval("subweave.exportTrack('en-zh', 'vtt')") == render(written, "vtt")


# --- an 80-minute episode ------------------------------------------------------------------

LONG_MS = 80 * 60 * 1000
LONG_CUES = 1500


def _long_episode(folder: Path) -> tuple[Path, int]:
    """A synthetic 80-minute episode: noise bursts under 1500 planted cues per track, written
    as a WAV, its page built directly (no aligner). Returns the page and the last en-zh start."""
    from pipeline.audio.decode import load_audio
    from pipeline.audio.proxy import encode_proxy
    from pipeline.model import Cue, TimedWord, Track
    from pipeline.review.flags import FlagInputs, find_flags
    from pipeline.review.page import PageInputs, build_page
    from pipeline.review.peaks import peaks

    step = LONG_MS // LONG_CUES
    rng = np.random.default_rng(7)
    pcm = np.zeros(LONG_MS * 16, dtype=np.int16)
    en, zh, both, words = [], [], [], []
    for k in range(LONG_CUES):
        start = k * step + 200
        end = start + step - 600
        pcm[start * 16 : end * 16] = rng.normal(0, 3000, (end - start) * 16).astype(np.int16)
        text_en, text_zh = f"Line {k + 1} of a long episode.", f"长节目的第{k + 1}行。"
        en.append(Cue(start, end, {"en": (text_en,)}, "A", k))
        zh.append(Cue(start, end, {"zh": (text_zh,)}, "A", k))
        both.append(Cue(start, end, {"en": (text_en,), "zh": (text_zh,)}, "A", k))
        for j, word in enumerate(text_en.split()):
            status = "interpolated" if k % 50 == 0 and j == 2 else "aligned"
            ws = start + j * 400
            words.append(TimedWord(word, ws, ws + 350, status, "A", k))  # type: ignore[arg-type]
    wav = folder / "long.wav"
    with wave.open(str(wav), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(16_000)
        handle.writeframes(pcm.tobytes())
    del pcm
    audio = load_audio(wav)
    proxy = encode_proxy(audio.samples, audio.sample_rate)
    (folder / "long.review.mp3").write_bytes(proxy.data)
    tracks = (
        Track(("en",), tuple(en)),
        Track(("zh",), tuple(zh)),
        Track(("en", "zh"), tuple(both)),
    )
    flags = find_flags(FlagInputs(tracks, "en", tuple(words)))
    assert flags.flagged("en-zh") == LONG_CUES // 50
    page = PageInputs(
        "long", "long", audio.duration_ms, 24.0, "long.review.mp3",
        peaks(audio.samples, audio.sample_rate), tracks, flags,
    )  # fmt: skip
    html = folder / "long.review.html"
    html.write_text(build_page(page), encoding="utf-8")
    return html, both[-1].start_ms


def test_an_80_minute_episode_renders_lazily_and_reaches_its_last_cue(
    page: Page, tmp_path: Path
) -> None:
    html, last_start = _long_episode(tmp_path)
    size = html.stat().st_size
    assert size < 4_000_000, f"page is {size} bytes"
    _open(page, html)
    assert page.eval("subweave.current()") == "en-zh"
    assert page.eval("subweave.cues('en-zh').length") == LONG_CUES
    page.wait_for(f"subweave.audio.duration * 1000 > {last_start}")
    rendered = page.eval("document.querySelectorAll('.cue[data-track]').length")
    assert isinstance(rendered, int) and 0 < rendered <= MAX_ROWS
    rows, most = _collect(page, "en-zh")  # scrolls the whole list, a screenful at a time
    assert len(rows) == LONG_CUES and rows[-1][1] == last_start and most <= MAX_ROWS
    last = f'.cue[data-track="en-zh"][data-index="{LONG_CUES - 1}"]'
    assert page.eval(f"document.querySelector('{last}') !== null")
    page.click_selector(last)
    page.wait_for(f"Math.abs(subweave.audio.currentTime * 1000 - {last_start}) < 1")
    assert page.eval("subweave.selected()") == {"track": "en-zh", "cue": LONG_CUES - 1}
    items = page.eval("document.querySelectorAll('.item').length")
    assert isinstance(items, int) and 0 < items <= MAX_ROWS
    print(f"80-minute page: {size} bytes; {rendered} cue rows in the DOM at first, {most} at most")
