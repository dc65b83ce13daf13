"""Review page pieces with known answers: flags, corrections, peaks, proxy, the page's data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.model import Cue, TimedWord, Track
from pipeline.review.corrections import (
    Correction,
    CorrectionsFile,
    apply_corrections,
    read_corrections,
)
from pipeline.review.flags import Flag, FlagInputs, SentenceDoubt, TurnStretch, find_flags
from pipeline.review.page import PageInputs, build_page, page_data
from pipeline.review.peaks import peaks


def _word(text: str, start: int, end: int, status: str = "aligned", turn: int = 0) -> TimedWord:
    if status == "unspoken":
        return TimedWord(text, None, None, "unspoken", "A", turn)
    assert status in ("aligned", "interpolated")
    if status == "aligned":
        return TimedWord(text, start, end, "aligned", "A", turn)
    return TimedWord(text, start, end, "interpolated", "A", turn)


def _cue(start: int, end: int, text: str, lang: str = "en", turn: int = 0) -> Cue:
    return Cue(start, end, {lang: (text,)}, "A", turn)


WORDS = (
    _word("One", 0, 300),
    _word("two", 300, 600, "interpolated"),
    _word("three", 2000, 2300, turn=1),
    _word("four", 2300, 2600, turn=1),
    _word("five", 4000, 4300, turn=1),
    _word("six", 4300, 4600, turn=1),
)
EN = Track(
    ("en",),
    (
        _cue(0, 900, "One two"),
        _cue(2000, 2900, "three four", turn=1),
        _cue(4000, 4900, "five six", turn=1),
    ),
)
ZH = Track(("zh",), (_cue(0, 900, "一二", "zh"), _cue(2000, 2900, "三四", "zh", 1)))


def _reasons(found: tuple[Flag, ...]) -> list[str]:
    return [f.reason for f in found]


def test_a_cue_with_an_interpolated_word_is_flagged_interpolated() -> None:
    flags = find_flags(FlagInputs((EN,), "en", WORDS))
    assert _reasons(flags.cues["en"][0]) == ["interpolated"]
    assert "'two'" in flags.cues["en"][0][0].why and "1 of 2 words" in flags.cues["en"][0][0].why
    assert flags.cues["en"][1] == () and flags.cues["en"][2] == ()
    assert flags.counts["en"]["interpolated"] == 1


def test_low_forced_alignment_confidence_is_flagged() -> None:
    confidence = (0.9, 0.9, 0.04, 0.1, 0.9, None)
    flags = find_flags(FlagInputs((EN,), "en", WORDS, confidence))
    assert _reasons(flags.cues["en"][1]) == ["low-confidence"]
    assert "0.07" in flags.cues["en"][1][0].why  # the median of 0.04 and 0.1
    assert "low-confidence" not in _reasons(flags.cues["en"][2])  # one probability, 0.9


def test_translated_sentences_weak_gap_and_unplaced() -> None:
    sentences = (
        SentenceDoubt("zh", 1, "三四", "low_confidence", 2000, 2900, 900, 4000),
        SentenceDoubt("zh", 0, "一二", "gap", 0, 900, None, 2000),
        SentenceDoubt("zh", 2, "五六", "unplaced", None, None, 2900, 6000),
    )
    flags = find_flags(FlagInputs((EN, ZH), "en", WORDS, sentences=sentences))
    assert _reasons(flags.cues["zh"][1]) == ["weak-match"]
    assert _reasons(flags.cues["zh"][0]) == ["gap"]
    assert "weak-match" not in _reasons(flags.cues["en"][1])  # the English is not in doubt
    (loose,) = [item for item in flags.loose if item.reason == "unplaced"]
    assert (loose.start_ms, loose.end_ms) == (2900, 6000)
    assert loose.texts == {"zh": "五六", "en": "five six"}  # with its English partner
    assert "sentence 3" in loose.why


def test_turns_out_of_step_flag_the_cues_of_those_turns() -> None:
    stretch = TurnStretch("zh", 1, 1, "turns 2-2 disagreed")
    flags = find_flags(FlagInputs((EN, ZH), "en", WORDS, stretches=(stretch,)))
    assert [bool(f) for f in flags.cues["zh"]] == [False, True]
    assert [_reasons(f) for f in flags.cues["en"]][1:] == [["out-of-step"], ["out-of-step"]]


def test_lint_violations_are_flagged_with_the_rule() -> None:
    short = Track(("en",), (_cue(0, 300, "Hi."), _cue(2000, 3000, "Fine here.")))
    flags = find_flags(FlagInputs((short,), "en"))
    (flag,) = flags.cues["en"][0]
    assert flag.reason == "lint" and flag.why.startswith("min-duration (hard)")
    assert flags.cues["en"][1] == ()


def test_unspoken_text_and_speech_without_a_cue_are_loose_items() -> None:
    title = (_word("Chapter", 0, 0, "unspoken"), _word("one", 0, 0, "unspoken"))
    words = (*WORDS[:2], *title, *WORDS[2:])
    speech = ((0, 900), (2000, 4900), (6000, 9000))
    flags = find_flags(FlagInputs((EN,), "en", words, speech=speech))
    by = {item.reason: item for item in flags.loose}
    assert set(by) == {"unspoken", "no-cue"}
    assert by["unspoken"].texts == {"en": "Chapter one"}
    assert (by["unspoken"].start_ms, by["unspoken"].end_ms) == (600, 2000)  # between its neighbours
    assert (by["no-cue"].start_ms, by["no-cue"].end_ms) == (6000, 9000)  # covered regions: none


# --- corrections -----------------------------------------------------------------------


def _fix(cue: Cue, track: str = "en", **set_: object) -> Correction:
    return Correction(track, cue.start_ms, cue.end_ms, dict(cue.lines), **set_)  # type: ignore[arg-type]


def test_a_corrected_in_time_survives_resegmented_cues_and_neighbours_make_room() -> None:
    fix = _fix(EN.cues[1], start_ms=1700)
    # the re-run's cues moved a little (another model), and the previous one now runs late
    again = Track(("en",), (_cue(0, 1750, "One two"), _cue(2040, 2950, "three four"), EN.cues[2]))
    done = apply_corrections((again,), (fix,), min_gap_ms=83)
    cues = done.tracks[0].cues
    assert cues[1].start_ms == 1700 and cues[1].end_ms == 2950  # the out-time was not set
    assert cues[0].end_ms == 1700 - 83
    assert [(a.entry, a.track, a.cue) for a in done.applied] == [(0, "en", 1)]
    assert done.stale == ()


def test_a_correction_whose_text_is_gone_is_stale() -> None:
    fix = _fix(EN.cues[1], start_ms=1700, checked=("lint",))
    edited = Track(("en",), (EN.cues[0], _cue(2000, 2900, "three and four"), EN.cues[2]))
    done = apply_corrections((edited,), (fix,))
    assert done.tracks[0].cues == edited.cues
    (stale,) = done.stale
    assert stale.text == "three four" and "no cue has this text" in stale.why
    assert done.applied == ()


def test_text_edits_apply_and_still_match_once_the_transcript_has_them() -> None:
    fix = _fix(EN.cues[1], lines={"en": ("three, four",)}, checked=("lint",))
    done = apply_corrections((EN,), (fix,))
    assert done.tracks[0].cues[1].lines == {"en": ("three, four",)}
    assert done.checked == {("en", 1): ("lint",)}
    fixed_transcript = Track(("en",), (EN.cues[0], _cue(2000, 2900, "Three, four!"), EN.cues[2]))
    assert len(apply_corrections((fixed_transcript,), (fix,)).applied) == 1


def test_corrections_for_other_audio_or_another_track_are_stale() -> None:
    fix = _fix(EN.cues[1], start_ms=1700)
    done = apply_corrections((EN,), (fix,), other_audio=True)
    assert done.tracks == (EN,) and "other audio" in done.stale[0].why
    gone = apply_corrections((EN,), (_fix(ZH.cues[0], "zh", start_ms=10),))
    assert "writes no zh" in gone.stale[0].why


def test_the_corrections_file_round_trips_and_bad_files_name_themselves(tmp_path: Path) -> None:
    fixes = (
        _fix(EN.cues[1], start_ms=1700, end_ms=2800),
        _fix(ZH.cues[0], "zh", lines={"zh": ("一，二",)}, checked=("gap", "lint")),
    )
    path = tmp_path / "ep.corrections.json"
    path.write_text(CorrectionsFile(fixes, "ep", "abc").to_text(), encoding="utf-8")
    back = read_corrections(path)
    assert back.corrections == fixes and back.episode == "ep" and back.audio_sha256 == "abc"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["corrections"][0]["end_ms"] = 1000  # before its start
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="correction 1 is malformed") as err:
        read_corrections(path)
    assert str(err.value.path) == str(path)
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a corrections file"):
        read_corrections(path)


# --- peaks, proxy, page -----------------------------------------------------------------------


def test_peaks_are_one_byte_per_bin_on_a_decibel_scale() -> None:
    samples = np.zeros(16_000, dtype=np.float32)
    samples[8000:8160] = 0.5  # -6 dBFS in the 51st bin
    got = peaks(samples, 16_000)
    assert len(got) == 100 and got[50] == round((1 - 6.0206 / 60) * 255) and got[0] == 0


def test_proxy_is_mono_speech_mp3_of_the_same_length() -> None:
    import io
    import shutil

    from pydub import AudioSegment

    from pipeline.audio.proxy import encode_proxy

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    samples = (np.sin(np.arange(32_000) / 10) * 0.3).astype(np.float32)
    proxy = encode_proxy(samples, 16_000)
    assert proxy.extension == "mp3" and proxy.mime == "audio/mpeg"
    back = AudioSegment.from_file(io.BytesIO(proxy.data), format="mp3")
    assert back.channels == 1 and abs(len(back) - 2000) < 60
    assert len(proxy.data) < 2 * 32_000 // 8 + 2000  # 32 kbit/s


def test_page_is_self_contained_and_its_data_survives_script_text(tmp_path: Path) -> None:
    evil = Track(("en",), (_cue(0, 900, "</script><script>alert(1)</script> @JS@"),))
    flags = find_flags(FlagInputs((evil,), "en"))
    page = build_page(
        PageInputs("ep", "ep", 1000, 24.0, "ep.review.mp3", bytes(100), (evil,), flags)
    )
    assert page.count("</script>") == 2  # the data block's and the script's own
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from a network
    assert '<audio id="audio" controls preload="auto" src="ep.review.mp3">' in page
    block = r'<script type="application/json" id="subweave-data">(.*?)</script>'
    match = re.search(block, page, re.S)
    assert match is not None
    data = json.loads(match.group(1))
    assert data == json.loads(
        json.dumps(
            page_data(
                PageInputs("ep", "ep", 1000, 24.0, "ep.review.mp3", bytes(100), (evil,), flags)
            )
        )
    )
    assert data["tracks"][0]["cues"][0][2]["en"][0].endswith("@JS@")
