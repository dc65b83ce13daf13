"""Speech recognition with faster-whisper: word-timestamped ASR on integer milliseconds.

VAD runs once. The vad stage's speech regions (:mod:`pipeline.audio.speech`) say what is
decoded: regions closer than a pause become one clip, given to faster-whisper as
``clip_timestamps`` with its own ``vad_filter`` off, and long episodes are cut into blocks of
whole regions (faster-whisper computes the log-mel of all it is given at once: about 54 MB per
audio minute). Without a vad stage the same Silero regions are found here.

The model comes from :func:`pipeline.timing.models.load_model` (offline, loaded once per
process). Float seconds from faster-whisper become integer milliseconds here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.audio.decode import SAMPLE_RATE, SAMPLES_PER_MS, Audio
from pipeline.model import Recognition, Word
from pipeline.timecode import seconds_to_ms
from pipeline.timing.models import load_model
from pipeline.timing.whisper import Whisper
from pipeline.timing.windows import quietest_cut

CLIP_PAD_MS = 300  # clips are widened by this (with the vad stage's 100 ms: faster-whisper's 400)
CUT_SEARCH_MS = 60_000  # a region longer than a block is cut in its last minute before the limit

__all__ = ["AsrOptions", "Block", "plan_blocks", "transcribe"]


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
        vad_filter: decode only the speech regions (Silero VAD); fewer hallucinations in
            music and silence, and faster. Off: every sample is decoded.
        vad_min_silence_ms: speech regions closer than this (ms) are decoded as one clip; longer
            pauses are skipped.
        word_timestamps: must stay True: everything downstream works on words.
        condition_on_previous_text: feed the previous window's text as a prompt. Off by
            default: on long episodes it lets one hallucination repeat for minutes.
        initial_prompt: text to prime the decoder with (names, jargon from the transcript).
        block_s: longest stretch of audio given to the model at once (cut between speech
            regions); bounds memory on long episodes (features cost ~54 MB per audio minute).
            0: all at once.
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
    regions: Sequence[tuple[int, int]] | None = None,
) -> Recognition:
    """Recognise words with integer-millisecond times.

    Args:
        audio: decoded 16 kHz mono audio.
        opts: ASR settings.
        progress: called with (done_ms, total_ms) as each segment arrives, and at the end.
        regions: the vad stage's speech regions, (start_ms, end_ms) in time order. None: they
            are found here, with the vad stage's default settings (when ``opts.vad_filter``).

    Returns:
        The recognised words in time order: each starts at or after the previous one ends,
        and all lie inside ``[0, audio.duration_ms]``.

    Raises:
        ModelNotFoundError: when the model cannot be resolved or loaded.
    """
    model = load_model(opts)
    total = audio.duration_ms
    if regions is None:
        regions = _own_regions(audio, opts)
    words: list[Word] = []
    last_end = 0
    language = opts.language
    for block in plan_blocks(regions, audio.samples, opts):
        first = block.clips[0][0]
        last = block.clips[-1][1]
        clips = [(x - first) / 1000 for clip in block.clips for x in clip]
        segments, info = model.transcribe(
            audio.samples[first * SAMPLES_PER_MS : last * SAMPLES_PER_MS],
            language=language,
            beam_size=opts.beam_size,
            word_timestamps=True,
            vad_filter=False,  # the clips are the speech: VAD ran once, in the vad stage
            clip_timestamps=clips,
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
                start = min(max(first + seconds_to_ms(raw.start), last_end), last)
                end = min(max(first + seconds_to_ms(raw.end), start), last)
                words.append(Word(text, start, end, float(raw.probability)))
                last_end = end
            if progress is not None:
                done = first + seconds_to_ms(segment.end)
                progress(min(done, total), total)
    if language is None:  # nothing to decode, and no language given
        language = _detect_language(model, audio)
    if progress is not None:
        progress(total, total)
    return Recognition(language=language, duration_ms=total, words=tuple(words), model=opts.model)


@dataclass(frozen=True, slots=True)
class Block:
    """A stretch of the episode given to the model at once: its span, and the clips decoded.

    Blocks follow one another without overlap; the clips (episode ms) lie inside the span.
    """

    start_ms: int
    end_ms: int
    clips: tuple[tuple[int, int], ...]


def plan_blocks(
    regions: Sequence[tuple[int, int]], samples: np.ndarray, opts: AsrOptions
) -> list[Block]:
    """Blocks of whole speech regions, each spanning at most ``opts.block_s``.

    Blocks are cut halfway between two regions; a region longer than a block (rare: the
    regions are utterances) is cut at its quietest point first. Inside a block, regions less
    than ``opts.vad_min_silence_ms`` apart are decoded as one clip, widened by
    ``CLIP_PAD_MS`` (never past the block). Without ``opts.vad_filter`` a block's one clip is
    the whole block, so every sample is decoded.

    >>> opts = AsrOptions(block_s=10)
    >>> [(b.start_ms, b.end_ms, b.clips) for b in plan_blocks(
    ...     [(1000, 3000), (4000, 6000), (9000, 12000)], np.zeros(16 * 15_000), opts)]
    [(0, 7500, ((700, 6300),)), (7500, 15000, ((8700, 12300),))]
    """
    total = len(samples) // SAMPLES_PER_MS
    block_ms = opts.block_s * 1000
    pieces = _cut_long(sorted(regions), samples, block_ms)
    groups: list[list[tuple[int, int]]] = []
    for a, b in pieces:
        if groups and (block_ms <= 0 or b - groups[-1][0][0] <= block_ms):
            groups[-1].append((a, b))
        else:
            groups.append([(a, b)])
    blocks: list[Block] = []
    for k, group in enumerate(groups):
        lo = 0 if k == 0 else (groups[k - 1][-1][1] + group[0][0]) // 2
        hi = total if k == len(groups) - 1 else (group[-1][1] + groups[k + 1][0][0]) // 2
        if not opts.vad_filter:
            blocks.append(Block(lo, hi, ((lo, hi),)))
            continue
        clips: list[tuple[int, int]] = []
        for a, b in group:
            if clips and a - clips[-1][1] < opts.vad_min_silence_ms:
                clips[-1] = (clips[-1][0], b)
            else:
                clips.append((a, b))
        wide = [(max(lo, a - CLIP_PAD_MS), min(hi, b + CLIP_PAD_MS)) for a, b in clips]
        blocks.append(Block(lo, hi, tuple((a, b) for a, b in wide if b > a)))
    return [b for b in blocks if b.clips]


def _cut_long(
    regions: Sequence[tuple[int, int]], samples: np.ndarray, block_ms: int
) -> list[tuple[int, int]]:
    """Regions no longer than ``block_ms``: a longer one is cut at its quietest point."""
    out: list[tuple[int, int]] = []
    for a, b in regions:
        while block_ms > 0 and b - a > block_ms:
            lo = a + max(block_ms - CUT_SEARCH_MS, block_ms // 2)
            cut = quietest_cut(samples, lo, a + block_ms)
            out.append((a, cut))
            a = cut
        if b > a:
            out.append((a, b))
    return out


def _own_regions(audio: Audio, opts: AsrOptions) -> list[tuple[int, int]]:
    """Speech regions when no vad stage gave them: Silero with the vad stage's defaults.

    Without ``opts.vad_filter`` the whole episode is one region (cut into blocks).
    """
    if not opts.vad_filter:
        return [(0, audio.duration_ms)] if audio.duration_ms > 0 else []
    from pipeline.audio.speech import VadOptions, speech_regions

    return list(speech_regions(audio, VadOptions()))


def _detect_language(model: Whisper, audio: Audio) -> str:
    """The spoken language from the first 30 s (``en`` for an English-only model)."""
    if not model.model.is_multilingual:
        return "en"
    language, _, _ = model.detect_language(audio=audio.samples[: 30 * SAMPLE_RATE])
    return str(language)
