"""Build the committed sample episode: synthetic speech with known word timing plus transcripts.

The end-to-end pipeline needs a short, licence-free episode whose true word times are known, in
the same shapes as real inputs: a plain English transcript, a bilingual ``**Name:** text`` file
(Chinese turn first, then the English one, like seed 001) and a Chinese-only translation.  The
texts live here, so running ``.venv/bin/python media/make_sample.py`` from the repository root
rewrites every file identically.

The truth is timed against the *decoded mp3*: the encoder may shift audio by a few samples even
with the LAME gapless header, so we decode our own mp3 the way the pipeline does (PyAV, 16 kHz
mono float) and cross-correlate it with the synthesized waveform.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synth import OUTPUT_RATE, SynthWord, synthesize

HERE = Path(__file__).resolve().parent

VOICES = {"Maya": "en-us+f3", "Tom": "en-gb-x-rp+m3"}
"""A US female host and a British male guest: different pitch and accent, so diarization and
speaker checks have something real to separate."""

RATE_WPM = 165
PAUSE_MS = 650
SEED = 2024
BITRATE = 48_000

# (speaker, English, Simplified Chinese).  Own writing, CC0.
TURNS: tuple[tuple[str, str, str], ...] = (
    (
        "Maya",
        "Welcome back to Kitchen Table Talk. I'm Maya, and my guest today is Tom, "
        "who makes the subtitles for our show.",
        "欢迎回到《厨房餐桌谈》。我是玛雅，今天的嘉宾是汤姆，他负责为我们的节目制作字幕。",
    ),
    ("Tom", "Thanks, Maya. It's great to be here.", "谢谢你，玛雅。很高兴来到这里。"),
    ("Maya", "So how did you get started?", "那么，你是怎么开始做这件事的？"),
    (
        "Tom",
        "Back in 2021, a listener wrote to us. She's deaf, and she wanted to cook along "
        "with the recipes. That one email changed everything.",
        "那是在2021年，一位听众给我们写信。她是聋人，想跟着节目里的食谱一起做菜。那一封邮件改变了一切。",
    ),
    ("Maya", "How long does one episode take?", "做一期节目要花多长时间？"),
    (
        "Tom",
        "About 3 hours for a 40 minute show. Cooking talk is full of numbers, "
        "so I check every single one.",
        "一期40分钟的节目大约要3个小时。聊烹饪的时候数字特别多，所以我每一个都要核对。",
    ),
    ("Maya", "Numbers like oven temperatures?", "比如烤箱温度这样的数字？"),
    (
        "Tom",
        "Exactly. If I write 180 degrees instead of 80, somebody burns their dinner.",
        "没错。如果我把180度写成80度，就会有人把晚饭烧焦。",
    ),
    (
        "Maya",
        "That would be bad. Do you use software for the timing?",
        "那可就糟了。你用软件来处理时间轴吗？",
    ),
    (
        "Tom",
        "Yes. A program lines up each word with the audio, and then I go through "
        "the whole file by hand to fix what it gets wrong.",
        "用的。有个程序会把每个词和音频对齐，然后我再手动把整个文件过一遍，改正它出错的地方。",
    ),
    ("Maya", "What does it get wrong most often?", "它最常在哪里出错？"),
    (
        "Tom",
        "Two people laughing at once. And the blender, of course.",
        "两个人同时大笑的时候。当然，还有搅拌机的声音。",
    ),
    (
        "Maya",
        "Fair enough. We also publish a Chinese version now, right?",
        "有道理。我们现在也发布中文版了，对吧？",
    ),
    (
        "Tom",
        "Right. Since 2024, about 50% of our downloads come from outside America, "
        "so a translation made sense.",
        "对。从2024年起，我们大约50%的下载量来自美国以外的地方，所以做翻译是顺理成章的事。",
    ),
    ("Maya", "Is it hard to time a translation?", "给翻译配时间轴难吗？"),
    (
        "Tom",
        "It can be. The Chinese lines are shorter on screen, but they still have to "
        "match the English speech underneath.",
        "有时候挺难的。中文字幕在屏幕上更短，但仍然必须和底下的英文语音对上。",
    ),
    ("Maya", "Any advice for other podcasters?", "对其他播客主有什么建议吗？"),
    (
        "Tom",
        "Start small. Subtitle one episode, ask your listeners what they think, "
        "and keep each line under 42 characters.",
        "从小处着手。先给一期节目配上字幕，问问听众有什么想法，并且让每行字幕保持在42个字符以内。",
    ),
    ("Maya", "Short and simple. Tom, thank you so much.", "简短又实用。汤姆，非常感谢你。"),
    ("Tom", "My pleasure. Happy cooking, everyone!", "不客气。祝大家烹饪愉快！"),
)


def encode_mp3(samples: npt.NDArray[np.float32], path: Path) -> None:
    """Encode 16 kHz mono at 48 kbps with LAME through PyAV (bit-exact, no version tags)."""
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)
    with av.open(str(path), mode="w", format="mp3", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libmp3lame", rate=OUTPUT_RATE)
        stream.bit_rate = BITRATE
        stream.layout = "mono"
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        frame_size = 1152
        for offset in range(0, len(pcm), frame_size * 8):
            chunk = pcm[offset : offset + frame_size * 8]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = OUTPUT_RATE
            frame.pts = offset
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def decode(path: Path) -> npt.NDArray[np.float32]:
    """Decode to 16 kHz mono float32, as ``pipeline.audio.decode`` does."""
    chunks: list[npt.NDArray[np.float32]] = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=OUTPUT_RATE)
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.float32))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1).astype(np.float32))
    return np.concatenate(chunks)


def delay_samples(reference: npt.NDArray[np.float32], decoded: npt.NDArray[np.float32]) -> int:
    """Lag of ``decoded`` behind ``reference`` (positive: decoded starts later), by FFT
    cross-correlation over the first 20 s, searched within ±0.25 s."""
    n = min(len(reference), len(decoded), 20 * OUTPUT_RATE)
    a = reference[:n].astype(np.float64)
    b = decoded[:n].astype(np.float64)
    size = 1 << (2 * n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size)), size)
    limit = OUTPUT_RATE // 4
    lags = np.concatenate((np.arange(0, limit + 1), np.arange(-limit, 0)))
    values = np.concatenate((corr[: limit + 1], corr[-limit:]))
    return int(lags[int(np.argmax(values))])


def write_texts() -> None:
    """The three transcript shapes, all derived from ``TURNS``."""
    en = [f"{name}: {english}" for name, english, _ in TURNS]
    zh = [f"{name}：{chinese}" for name, _, chinese in TURNS]
    both: list[str] = []
    for name, english, chinese in TURNS:
        both.append(f"**{name}:** {chinese}")
        both.append(f"**{name}:** {english}")
    for suffix, lines in (("en", en), ("zh", zh), ("en-zh", both)):
        (HERE / f"sample.{suffix}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def truth_json(words: list[SynthWord], shift_ms: float) -> str:
    rows = [
        {
            "text": w.text,
            "start": round((w.start_ms + shift_ms) / 1000, 3),
            "end": round((w.end_ms + shift_ms) / 1000, 3),
            "speaker": w.speaker,
        }
        for w in words
    ]
    body = ",\n".join("  " + json.dumps(row, ensure_ascii=False) for row in rows)
    return f'{{"audio": "sample.mp3", "words": [\n{body}\n]}}\n'


def main() -> int:
    samples, words = synthesize(
        [(name, english) for name, english, _ in TURNS],
        VOICES,
        pause_ms=PAUSE_MS,
        rate_wpm=RATE_WPM,
        seed=SEED,
    )
    mp3 = HERE / "sample.mp3"
    encode_mp3(samples, mp3)
    decoded = decode(mp3)
    lag = delay_samples(samples, decoded)
    shift_ms = lag * 1000 / OUTPUT_RATE
    (HERE / "sample.truth.json").write_text(truth_json(words, shift_ms), encoding="utf-8")
    write_texts()
    print(
        f"sample.mp3: {len(samples) / OUTPUT_RATE:.2f} s synthesized, "
        f"{len(decoded) / OUTPUT_RATE:.2f} s decoded, mp3 delay {lag} samples "
        f"({shift_ms:.2f} ms), {len(words)} words, {mp3.stat().st_size} bytes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
