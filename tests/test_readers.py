"""Readers on small hand-written snippets: label styles, roles, encodings, formats, errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from pipeline.errors import TranscriptParseError
from pipeline.model import Document
from pipeline.transcript import FORMATS, detect_format, document_to_json, read_transcript
from pipeline.transcript.lang import detect_lang
from pipeline.transcript.textfile import decode_bytes


def write(tmp_path: Path, text: str, name: str = "t.txt", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def speech(doc: Document) -> list[tuple[str | None, str, str]]:
    return [(t.speaker, t.lang, t.text) for t in doc.turns if t.role == "speech"]


# --- label styles --------------------------------------------------------------------

LABEL_CASES = [
    (
        "colon",
        "Alice: Hello there.\nBob: Hi, Alice.\nAlice: How are you?\n",
        [("Alice", "en", "Hello there."), ("Bob", "en", "Hi, Alice."),
         ("Alice", "en", "How are you?")],
    ),
    (
        "space-before-colon",
        "Alice : 你好，欢迎。\nBob : 谢谢。\nAlice :再见。\n",
        [("Alice", "zh", "你好，欢迎。"), ("Bob", "zh", "谢谢。"), ("Alice", "zh", "再见。")],
    ),
    (
        "full-width-colon",
        "张三：你好。\n李四：好的。\n张三：再见。\n李四：再见。\n",
        [("张三", "zh", "你好。"), ("李四", "zh", "好的。"), ("张三", "zh", "再见。"),
         ("李四", "zh", "再见。")],
    ),
    (
        "bold",
        "**Alice:** Hello.\n**Bob:** Hi.\n",
        [("Alice", "en", "Hello."), ("Bob", "en", "Hi.")],
    ),
    (
        "bold-outside",
        "**Alice**: Hello.\n**Bob**: Hi.\n",
        [("Alice", "en", "Hello."), ("Bob", "en", "Hi.")],
    ),
    (
        "alias-introduction",
        "Jane Doe (以下称Jane):大家好。\nJohn Roe (以下称John):你好。\nJane:开始吧。\n"
        "John :好。\n",
        [("Jane Doe", "zh", "大家好。"), ("John Roe", "zh", "你好。"),
         ("Jane Doe", "zh", "开始吧。"), ("John Roe", "zh", "好。")],
    ),
    (
        "glued",
        "Alice你好。\nBob好的。\nAlice今天聊什么？\nBob聊天气。\nAlice嗯。\nBob 对。\n",
        [("Alice", "zh", "你好。"), ("Bob", "zh", "好的。"), ("Alice", "zh", "今天聊什么？"),
         ("Bob", "zh", "聊天气。"), ("Alice", "zh", "嗯。"), ("Bob", "zh", "对。")],
    ),
    (
        "continuation",
        "Alice: First line\nof a wrapped turn.\nBob: Done.\n",
        [("Alice", "en", "First line\nof a wrapped turn."), ("Bob", "en", "Done.")],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("style", "text", "expected"), LABEL_CASES, ids=[c[0] for c in LABEL_CASES]
)
def test_label_styles(
    tmp_path: Path, style: str, text: str, expected: list[tuple[str, str, str]]
) -> None:
    doc = read_transcript(write(tmp_path, text))
    assert speech(doc) == expected


def test_plain_english_with_labels(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, "Alice: Hello there.\n"))
    assert doc.format == "plain"
    assert speech(doc) == [("Alice", "en", "Hello there.")]


def test_plain_english_without_labels_one_utterance_per_line(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, "Hello there.\nNote that this is\nwrapped.\nBye.\n"))
    assert doc.format == "plain"
    assert speech(doc) == [
        (None, "en", "Hello there."),
        (None, "en", "Note that this is\nwrapped."),
        (None, "en", "Bye."),
    ]


def test_colon_in_text_is_not_a_label(tmp_path: Path) -> None:
    text = "We said it plainly.\nThe Answer: it works.\nAnd that was all.\n"
    doc = read_transcript(write(tmp_path, text))
    assert [t.speaker for t in doc.turns] == [None, None, None]


def test_bilingual_bold_turns_pair_english_to_chinese(tmp_path: Path) -> None:
    text = (
        "**Alice:** 你好，欢迎来到节目。\n今天我们聊字幕。\n**Alice:** Hello, welcome to the show. "
        "Today we talk subtitles.\n**Bob:** 谢谢。\n**Bob:** Thanks.\n"
    )
    doc = read_transcript(write(tmp_path, text))
    assert doc.format == "bilingual"
    assert doc.pairs == ((1, 0), (3, 2))
    assert (doc.turns[0].first_line, doc.turns[0].last_line) == (1, 2)


def test_alternating_paragraphs_with_header(tmp_path: Path) -> None:
    body = "".join(
        f"Paragraph number {k} says something.\n第{k}段说了一些话。\n\n" for k in range(1, 5)
    )
    text = "My Show – Episode Title\n\n发布时间 2024-01-02 10:00\n\n" + body
    doc = read_transcript(write(tmp_path, text))
    assert doc.format == "paragraphs"
    assert [t.role for t in doc.turns[:2]] == ["heading", "note"]
    assert doc.pairs == ((2, 3), (4, 5), (6, 7), (8, 9))


def test_paragraph_per_line_translation(tmp_path: Path) -> None:
    text = "Привет, это первый абзац.\n\nЭто второй: с двоеточием.\n\nИ третий.\n"
    doc = read_transcript(write(tmp_path, text))
    assert doc.format == "lines"
    assert speech(doc) == [
        (None, "ru", "Привет, это первый абзац."),
        (None, "ru", "Это второй: с двоеточием."),
        (None, "ru", "И третий."),
    ]


# --- roles ---------------------------------------------------------------------------

ARTICLE = """节目标题：我们谈谈字幕
1,024次阅读
3 0 1
编者按：这是一段编辑写的说明。
这一段接着说明。
我们讨论了：
– 第一部分
– 第二部分
━━第一部分━━
Alice：欢迎来到节目。
Bob：谢谢邀请。
第一部分
Alice：我们开始吧。
节目标题：我们谈谈字幕
这句话接着 Alice 说完。
Bob：好的。
相关文章
ufabet ufabet Great post, thanks for sharing!
"""

ARTICLE_ROLES = [
    ("heading", None), ("junk", None), ("note", None), ("toc", None), ("heading", None),
    ("speech", "Alice"), ("speech", "Bob"), ("heading", None), ("speech", "Alice"),
    ("junk", None), ("speech", "Alice"), ("speech", "Bob"), ("junk", None),
]  # fmt: skip


def test_roles_of_a_scraped_article(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, ARTICLE))
    assert [(t.role, t.speaker) for t in doc.turns] == ARTICLE_ROLES


@pytest.mark.parametrize(
    ("line", "role"),
    [
        ("Here's a summary of the episode: Alice and Bob discuss subtitles at length.", "summary"),
        ("以下是原文的摘要：两位嘉宾讨论了字幕制作的各个方面以及未来的发展方向和挑战。", "summary"),
        ("Editor's note: this interview was edited for length.", "note"),
        ("## Part one", "heading"),
    ],
)
def test_marker_roles(tmp_path: Path, line: str, role: str) -> None:
    text = f"Alice: Hello.\nBob: Hi.\n{line}\nAlice: Bye.\nBob: Bye.\n"
    doc = read_transcript(write(tmp_path, text), "labelled")
    assert doc.turns[2].role == role


def test_comment_spam_after_the_last_turn_is_junk(tmp_path: Path) -> None:
    text = "Alice: Hello.\nBob: Hi.\nAlice: Bye.\nspammer spammer Great post, thanks for sharing!\n"
    doc = read_transcript(write(tmp_path, text))
    assert [t.role for t in doc.turns] == ["speech", "speech", "speech", "junk"]


def test_bold_label_alone_on_its_line(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, "**Alice:**\nHello there.\n**Bob:**\nHi.\n"))
    assert speech(doc) == [("Alice", "en", "Hello there."), ("Bob", "en", "Hi.")]


def test_unsure_text_stays_speech(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, "Short line\nAnother short line\n"))
    assert {t.role for t in doc.turns} == {"speech"}


# --- languages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("所以 RL 的 reward hacking 很重要。", "zh"),
        ("Ilya,谢谢你。", "zh"),
        ("The word 你好 is a greeting in many textbooks for beginners.", "en"),
        ("Это про AI и Bay Area.", "ru"),
        ("こんにちは、元気ですか", "ja"),
        ("안녕하세요", "ko"),
        ("42", "en"),
    ],
)
def test_language_by_script(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


# --- encodings -----------------------------------------------------------------------

ENC_TEXT = "Alice：你好，今天我们讨论字幕的时间轴。\nBob：好的，谢谢邀请。\nAlice：开始吧。\n"
RU_TEXT = "Алиса: Привет, сегодня поговорим о субтитрах.\nБоб: Спасибо.\nАлиса: Начнём.\n"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (ENC_TEXT, "utf-8", "utf-8"),
        (ENC_TEXT, "utf-8-sig", "utf-8-sig"),
        (ENC_TEXT, "utf-16", "utf-16-le"),
        (ENC_TEXT, "utf-16-be", "utf-16-be"),
        ("Alice: Hello there.\nBob: Hi.\n", "utf-16-le", "utf-16-le"),
        ("张三：你好。\n李四：好的。\n张三：再见。\n", "utf-16-le", "utf-16-le"),
        (ENC_TEXT, "gb18030", "gb18030"),
        (ENC_TEXT, "gbk", "gb18030"),
        (RU_TEXT, "cp1251", "cp1251"),
    ],
)
def test_encodings(tmp_path: Path, text: str, encoding: str, expected: str) -> None:
    doc = read_transcript(write(tmp_path, text, encoding=encoding))
    assert doc.encoding == expected
    assert len(speech(doc)) == text.count("\n")
    assert doc.turns[0].text.startswith(("你好", "Привет", "Hello"))


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_endings(tmp_path: Path, newline: str) -> None:
    text = "Alice: One.\n\nBob: Two.\nAlice: Three.\n".replace("\n", newline)
    doc = read_transcript(write(tmp_path, text))
    assert [(t.first_line, t.text) for t in doc.turns] == [(1, "One."), (3, "Two."), (4, "Three.")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\r\n\t", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20, "binary"),
        (bytes(range(256)) * 8, "binary"),
    ],
)
def test_unreadable_files_raise(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(TranscriptParseError, match=message) as info:
        read_transcript(path)
    assert info.value.path == str(path)
    assert "\n" not in str(info.value)
    assert pickle.loads(pickle.dumps(info.value)).path == str(path)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(TranscriptParseError, match="cannot read"):
        read_transcript(tmp_path / "nope.txt")


def test_decode_bytes_normalises_newlines() -> None:
    assert decode_bytes(b"a\r\nb\rc").text == "a\nb\nc"


# --- subtitles and JSON ----------------------------------------------------------------

SRT = """1
00:00:01,000 --> 00:00:02,500
<i>Alice: Hello there.</i>

2
00:00:03,000 --> 00:00:04,000
你好。
第二行。
"""

VTT = """WEBVTT

NOTE a comment that is not text

intro
00:01.000 --> 00:02.500 align:start
<v Alice>Hello there.

00:00:03.000 --> 00:00:04.000
<v Bob>Hi.
"""


def test_srt_keeps_text_and_prior_times(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, SRT, "old.srt"))
    assert doc.format == "srt"
    t0, t1 = doc.turns
    assert (t0.speaker, t0.text, t0.prior_start_ms, t0.prior_end_ms) == (
        "Alice",
        "Hello there.",
        1000,
        2500,
    )
    assert (t1.lang, t1.text, t1.first_line, t1.last_line) == ("zh", "你好。\n第二行。", 7, 8)


def test_srt_bad_timing_strict_and_lenient(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        SRT.replace("00:00:03,000 -->", "00:00:xx,000 -->") + "\n3\norphan text\n",
        "b.srt",
    )
    with pytest.raises(TranscriptParseError) as info:
        read_transcript(path)
    assert info.value.line is not None
    doc = read_transcript(path, lenient=True)
    assert [t.text for t in doc.turns][-1] == "orphan text"
    assert doc.turns[-1].prior_start_ms is None


def test_vtt_voices_and_times(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, VTT, "a.vtt"))
    assert doc.format == "vtt"
    assert [(t.speaker, t.text, t.prior_start_ms, t.first_line) for t in doc.turns] == [
        ("Alice", "Hello there.", 1000, 7),
        ("Bob", "Hi.", 3000, 10),
    ]


FULL_VTT = """WEBVTT - with every kind of block
Kind: captions

NOTE
a comment
of two lines

STYLE
::cue { color: yellow; }

REGION
id:top

1
00:00:01.000 --> 00:00:02.000 region:top line:0
<v.loud Ann Lee>Hi and welcome.</v>

00:00:03.000 --> 00:00:04.000
No voice, <v Bob>a voice inside</v>.
1984

NOTE\tthe spec allows a tab

00:00:05.000 --> 00:00:06.000
<v Bob>Bye.
"""


def test_vtt_blocks_voices_and_line_numbers(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, FULL_VTT, "full.vtt"))
    assert [(t.speaker, t.text, t.first_line, t.last_line) for t in doc.turns] == [
        ("Ann Lee", "Hi and welcome.", 16, 16),
        (None, "No voice, a voice inside.\n1984", 19, 20),
        ("Bob", "Bye.", 25, 25),
    ]
    assert [t.prior_start_ms for t in doc.turns] == [1000, 3000, 5000]


def test_transcript_and_lint_read_subtitles_one_way(tmp_path: Path) -> None:
    """The transcript readers and lint take their cues from the same block locator."""
    from pipeline.transcript.subfile import read_subtitles

    for name, text in (("old.srt", SRT), ("a.vtt", VTT), ("full.vtt", FULL_VTT)):
        path = write(tmp_path, text, name)
        doc = read_transcript(path)
        fmt, cues = read_subtitles(path)
        assert fmt == doc.format
        assert [(c[0], c[1]) for c in cues] == [
            (t.prior_start_ms, t.prior_end_ms) for t in doc.turns
        ]
        assert [len(c[2]) for c in cues] == [t.last_line - t.first_line + 1 for t in doc.turns]


@pytest.mark.parametrize(
    "text",
    [
        '{"language": "en", "words": [{"text": "Hello", "start": 0.5, "end": 0.9, "speaker": "A"},'
        ' {"text": "there", "start": 1.0, "end": 1.2, "speaker": "A"}]}',
        '["Hello", "there"]',
        '[{"word": " Hello"}, {"word": " there"}]',
    ],
)
def test_json_word_lists(tmp_path: Path, text: str) -> None:
    doc = read_transcript(write(tmp_path, text, "w.json"))
    assert doc.format == "json"
    assert [(t.text, t.lang) for t in doc.turns] == [("Hello there", "en")]


def test_json_without_words_raises(tmp_path: Path) -> None:
    with pytest.raises(TranscriptParseError, match="words"):
        read_transcript(write(tmp_path, '{"text": "hi"}', "w.json"), "json")


# --- registry --------------------------------------------------------------------------


def test_registry_and_forced_format(tmp_path: Path) -> None:
    assert {"plain", "labelled", "bilingual", "paragraphs", "lines", "srt", "vtt", "json"} <= set(
        FORMATS
    )
    path = write(tmp_path, "Alice: Hello.\nBob: Hi.\n")
    assert read_transcript(path, "lines").turns[0].speaker is None
    with pytest.raises(TranscriptParseError, match="unknown transcript format"):
        read_transcript(path, "docx")


def test_ambiguous_detection_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.transcript.plain import PlainReader

    class Twin(PlainReader):
        id = "twin"

    monkeypatch.setitem(FORMATS, "twin", Twin)
    with pytest.raises(TranscriptParseError, match="ambiguous") as info:
        detect_format("Hello there.\n", Path("x.txt"))
    assert "--format" in str(info.value)


def test_document_to_json_shape(tmp_path: Path) -> None:
    doc = read_transcript(write(tmp_path, "**A:** 你好。\n**A:** Hello.\n"))
    data = document_to_json(doc)
    assert set(data) == {"format", "encoding", "turns", "pairs"}
    assert set(data["turns"][0]) == {
        "index",
        "speaker",
        "lang",
        "role",
        "text",
        "first_line",
        "last_line",
    }
    assert data["pairs"] == [[1, 0]]


def test_a_titled_transcript_keeps_its_title_out_of_the_speakers(tmp_path: Path) -> None:
    path = tmp_path / "titled.txt"
    path.write_text(
        "The Age of Research: A Conversation with Ilya\n\n"
        "Dwarkesh: Hello there, welcome.\nIlya: Thanks for having me.\nDwarkesh: Let us begin.\n",
        encoding="utf-8",
    )
    doc = read_transcript(path)
    assert doc.turns[0].speaker is None and doc.turns[0].role == "heading"
    assert [t.speaker for t in doc.turns[1:]] == ["Dwarkesh", "Ilya", "Dwarkesh"]


WESTERN_AND_CENTRAL = [
    ("fr", "cp1252", "Maïa a dit: le café est déjà prêt, c'est naïf. Où est le garçon?"),
    ("de", "cp1252", "Grüße aus München! Die Straße ist schön, die Bäume sind groß."),
    ("pt", "cp1252", "Não sei se você está aí. A lição é difícil, mas a canção é bonita."),
    ("es", "cp1252", "¿Dónde está el niño? Mañana iré a la montaña con mi señora."),
    ("cs", "cp1250", "Příliš žluťoučký kůň úpěl ďábelské ódy. Čeština je těžká řeč."),
    ("pl", "cp1250", "Zażółć gęślą jaźń. Łódź jest piękna. Święty Mikołaj przyszedł."),
]


@pytest.mark.parametrize(("lang", "codec", "text"), WESTERN_AND_CENTRAL, ids=lambda x: str(x)[:6])
def test_legacy_latin_pages_are_told_apart_by_their_letters(
    lang: str, codec: str, text: str
) -> None:
    from pipeline.transcript.textfile import decode_bytes

    got = decode_bytes(text.encode(codec))
    assert (got.text, got.encoding) == (text, codec)


def test_subtitles_with_broken_time_stamps_are_reported_not_read_as_text(tmp_path: Path) -> None:
    from pipeline.errors import TranscriptParseError
    from pipeline.transcript import read_transcript

    broken = tmp_path / "old.txt"  # no .srt suffix: detection alone must see the cues
    broken.write_text(
        "1\n00:00:99,999 -> 00:00:02\nHello there.\n\n2\n00:00:03,000 --> 00:00:0x\nHi.\n",
        encoding="utf-8",
    )
    with pytest.raises(TranscriptParseError) as err:
        read_transcript(broken)
    assert err.value.line == 2 and "--lenient" not in str(err.value)
