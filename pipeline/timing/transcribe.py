"""Speech recognition with faster-whisper: word-timestamped ASR on integer milliseconds.

The model comes from :func:`pipeline.timing.models.load_model` (offline, loaded once per
process). Float seconds from faster-whisper become integer milliseconds here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.audio.decode import SAMPLE_RATE, Audio, quiet_blocks
from pipeline.model import Recognition, Word
from pipeline.timecode import seconds_to_ms
from pipeline.timing.models import load_model

__all__ = ["AsrOptions", "transcribe"]


@dataclass(frozen=True)
class AsrOptions:
    """Speech recognition settings.

    Attributes:
        model: a model name (``tiny.en``, ``base``, ``small``) or a directory with model.bin.
        language: spoken language code; None detects it (slower, less reliable on intros).
        compute_type: CTranslate2 compute type; int8 is the fast, accurate-enough CPU choice.
        cpu_threads: threads for one model; 0 uses every core this process may run on. Batch
            runs with several workers should divide the cores between them.
        beam_size: 1 (greedy). Alignment needs word times, not the last point of word error:
            the transcript supplies the words, and greedy decoding is about twice as fast as
            beam 5 on CPU. faster-whisper's temperature fallback still catches loops. Use 5
            for translation-only jobs, where the recognised English is the source text.
        vad_filter: skip non-speech with Silero VAD before decoding; fewer hallucinations in
            music and silence, and faster.
        vad_min_silence_ms: pause length (ms) at which the VAD filter cuts the audio.
        word_timestamps: must stay True: everything downstream works on words.
        condition_on_previous_text: feed the previous window's text as a prompt. Off by
            default: on long episodes it lets one hallucination repeat for minutes.
        initial_prompt: text to prime the decoder with (names, jargon from the transcript).
        block_s: longest stretch of audio given to the model at once (cut at a pause); bounds
            memory on long episodes (features cost ~54 MB per audio minute). 0: all at once.
    """

    model: str = "base"
    language: str | None = "en"
    compute_type: str = "int8"
    cpu_threads: int = 0
    beam_size: int = 1
    vad_filter: bool = True
    vad_min_silence_ms: int = 2000
    word_timestamps: bool = True
    condition_on_previous_text: bool = False
    initial_prompt: str | None = None
    block_s: int = 600

    def __post_init__(self) -> None:
        if not self.word_timestamps:
            raise ValueError("word_timestamps must be True: alignment needs word times")
        if self.beam_size < 1:
            raise ValueError(f"beam_size must be at least 1, not {self.beam_size}")
        if self.cpu_threads < 0:
            raise ValueError(f"cpu_threads must be 0 (all) or more, not {self.cpu_threads}")


def transcribe(
    audio: Audio,
    opts: AsrOptions,
    progress: Callable[[int, int], None] | None = None,
) -> Recognition:
    """Recognise words with integer-millisecond times.

    Args:
        audio: decoded 16 kHz mono audio.
        opts: ASR settings.
        progress: called with (done_ms, total_ms) as each segment arrives, and at the end.

    Returns:
        The recognised words in time order: each starts at or after the previous one ends,
        and all lie inside ``[0, audio.duration_ms]``.

    Raises:
        ModelNotFoundError: when the model cannot be resolved or loaded.
    """
    model = load_model(opts)
    total = audio.duration_ms
    words: list[Word] = []
    last_end = 0
    language = opts.language
    per_ms = SAMPLE_RATE // 1000
    for block_start, block_end in quiet_blocks(audio.samples, opts.block_s * 1000):
        segments, info = model.transcribe(
            audio.samples[block_start * per_ms : block_end * per_ms],
            language=language,
            beam_size=opts.beam_size,
            word_timestamps=True,
            vad_filter=opts.vad_filter,
            vad_parameters={"min_silence_duration_ms": opts.vad_min_silence_ms},
            condition_on_previous_text=opts.condition_on_previous_text,
            initial_prompt=opts.initial_prompt,
        )
        language = str(info.language)  # detected once, then kept for every block
        for segment in segments:
            for raw in segment.words or ():
                text = raw.word.strip()
                if not text:
                    continue
                # Whisper's DTW times can overlap by a frame or run past the end: clamp them
                start = min(max(block_start + seconds_to_ms(raw.start), last_end), block_end)
                end = min(max(block_start + seconds_to_ms(raw.end), start), block_end)
                words.append(Word(text, start, end, float(raw.probability)))
                last_end = end
            if progress is not None:
                done = block_start + seconds_to_ms(segment.end)
                progress(min(done, total), total)
    if progress is not None:
        progress(total, total)
    return Recognition(
        language=str(language), duration_ms=total, words=tuple(words), model=opts.model
    )
