"""The forced-alignment engine: the known transcript forced through Whisper, window by window.

Transcription writes what Whisper thinks was meant: it drops "uh", "um", false starts and
repeated words, and spells letters and numbers its own way, so a verbatim transcript matched
against it loses words. Forcing cannot lose them: the transcript's own tokens go through the
decoder in one parallel teacher-forced pass per window (CTranslate2 ``Whisper.align``), the
cross-attention path (DTW over the alignment heads) gives every token a frame, and the
decoder's probability of each forced token says how well the audio supports it.

Windows (:mod:`pipeline.timing.windows`) are whole speech regions packed densely, encoded unpadded.
Each window is given more of the remaining transcript than it is likely to hold (the episode's words
per second of speech, times ``overfeed``); text beyond the audio piles up on the window's last
frames, so the words that end before them are accepted and the rest wait for the next window. A
window whose forced words the decoder finds improbable (an ad read or other audio the transcript
lacks, text the audio lacks, the wrong transcript) is transcribed instead and matched with
:func:`pipeline.timing.matching.align_words`: text it cannot find there stays untimed, and audio
with no matching text consumes no text.

Times are integer milliseconds; decoder frames are 20 ms.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pipeline.audio.decode import SAMPLE_RATE
from pipeline.errors import AlignmentError
from pipeline.model import TimedWord, Word
from pipeline.timing.matching import align_words, snap_to_speech
from pipeline.timing.pauses import trim_leading_pauses
from pipeline.timing.records import Alignment, AlignOptions, SourceWord
from pipeline.timing.regions import heard_regions, widen
from pipeline.timing.whisper import Whisper
from pipeline.timing.windows import (
    Window,
    WindowOptions,
    cut_long_regions,
    window_from,
    window_samples,
)

log = logging.getLogger(__name__)

FRAME_MS = 20  # one encoder position / DTW step
HOP = 160  # mel frame hop in samples (10 ms)
MAX_TEXT_TOKENS = 440  # Whisper's decoder holds 448 positions, the start sequence included
SOLID_RUN = 3  # matched words in a row that prove a fallback window found its text
FALLBACK_REACH = 40  # ... and they start within this many words of the text pointer

__all__ = ["Aligner", "Forced", "ForcedResult", "force_align"]

ProgressFn = Callable[[int, int], None]
DEFAULT_OPTIONS = AlignOptions()


@dataclass(frozen=True, slots=True)
class ForcedResult:
    """Engine output: one TimedWord per transcript word, confidences and counts.

    Attributes:
        alignment: the timed words and their counts (as
            :func:`pipeline.timing.matching.align_words`).
        confidence: per word, the mean decoder probability of its forced tokens; None for
            words timed by the fallback or left untimed.
        windows: encoder windows planned.
        fallback_windows: windows transcribed because forcing did not fit them.
        retries: decoder passes repeated with more text (the window held more than given).
    """

    alignment: Alignment
    confidence: tuple[float | None, ...]
    windows: int
    fallback_windows: int
    retries: int


@dataclass(frozen=True, slots=True)
class Forced:
    """Forced spans (packed ms) and mean token probability of the words given to a window."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    probs: tuple[float, ...]


class Aligner(Protocol):
    """What the engine needs of a model: tokens, an encoder, a forced pass, a transcriber."""

    def tokens(self, text: str) -> list[int]: ...

    def encode(self, audio: np.ndarray) -> tuple[object, int]: ...

    def force(self, encoded: object, frames: int, words: Sequence[list[int]]) -> Forced: ...

    def transcribe(self, audio: np.ndarray) -> list[tuple[str, int, int, float]]: ...


class _Whisper:
    """The pieces of a faster-whisper model the engine uses, with the tokenizer set up."""

    def __init__(self, model: Whisper, language: str) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self.tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
        )
        self.sot = [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
        self.language = language

    def tokens(self, text: str) -> list[int]:
        """BPE tokens of one word with its leading space, as inside running text."""
        return list(self.tokenizer.encode(" " + text.strip())) or [self.tokenizer.eot]

    def encode(self, audio: np.ndarray) -> tuple[object, int]:
        """Encoder output of ``audio`` left unpadded, and its mel frame count."""
        import ctranslate2

        frames = max(2, len(audio) // HOP) // 2 * 2
        feats = self.model.feature_extractor(audio)[:, :frames]
        view = ctranslate2.StorageView.from_array(
            np.ascontiguousarray(feats[None], dtype=np.float32)
        )
        return self.model.model.encode(view, to_cpu=False), frames

    def force(self, encoded: object, frames: int, words: Sequence[list[int]]) -> Forced:
        """Align the words' tokens to an encoded window."""
        flat = [t for w in words for t in w]
        res = self.model.model.align(encoded, self.sot, [flat], [frames])[0]
        pairs = np.asarray(res.alignments, dtype=np.int64).reshape(-1, 2)
        probs = np.asarray(res.text_token_probs, dtype=np.float64)
        jumps = np.pad(np.diff(pairs[:, 0]), (1, 0), constant_values=1).astype(bool)
        jump_ms = pairs[jumps, 1] * FRAME_MS
        bounds = np.concatenate(([0], np.cumsum([len(w) for w in words])))
        last = len(jump_ms) - 1
        starts, ends, means = [], [], []
        for i in range(len(words)):
            a, b = int(bounds[i]), int(bounds[i + 1])
            starts.append(int(jump_ms[min(a, last)]))
            ends.append(int(jump_ms[min(b, last)]))
            means.append(float(np.mean(probs[a:b])) if b > a and b <= len(probs) else 0.0)
        return Forced(tuple(starts), tuple(ends), tuple(means))

    def transcribe(self, audio: np.ndarray) -> list[tuple[str, int, int, float]]:
        """Recognised words of a packed window (packed ms): the fallback, rarely run."""
        segments, _ = self.model.transcribe(
            audio,
            language=self.language if self.model.model.is_multilingual else None,
            beam_size=1,
            word_timestamps=True,
            vad_filter=False,
            condition_on_previous_text=False,
            temperature=0.0,  # no fallback loops: the window is matched, not transcribed
        )
        out: list[tuple[str, int, int, float]] = []
        for seg in segments:
            for w in seg.words or ():
                if w.word.strip():
                    out.append(
                        (w.word.strip(), round(w.start * 1000), round(w.end * 1000), w.probability)
                    )
        return out


def _accepted(
    forced: Forced, length_ms: int, opts: AlignOptions, final: bool = False
) -> tuple[int, int]:
    """How many of the given words the window holds.

    Text beyond the audio is piled onto the final frames with no duration, so the count ends
    at the last word that has a duration and ends at least two frames before the end. A run
    of words squeezed to nothing inside the window means the path skipped them (repeated
    words, a filler the text lacks): the count stops before that run.

    In the episode's last window (``final``) a word may end on the last frame: nothing
    follows it.

    Returns:
        (words the audio holds by the tail rule, words accepted).
    """
    limit = length_ms if final else length_ms - 2 * FRAME_MS
    tail = 0
    for i in range(len(forced.starts) - 1, -1, -1):
        if forced.ends[i] <= limit and forced.ends[i] > forced.starts[i]:
            tail = i + 1
            break
    run = 0
    for i in range(tail):
        run = run + 1 if forced.ends[i] - forced.starts[i] <= FRAME_MS else 0
        if run >= opts.cram_run:
            return tail, i + 1 - run
    return tail, tail


def _ended_cleanly(
    forced: Forced, take: int, win: Window, regions: Sequence[tuple[int, int]]
) -> bool:
    """Whether the window's text ended inside it, so the next window can start after it.

    The path found no audio for the words after the accepted ones: all but the first are
    piled on the last frames, and the first starts after the window's last speech (it holds
    only the padding silence there).
    """
    if take >= len(forced.starts):
        return False
    limit = win.length_ms - 2 * FRAME_MS
    if any(forced.starts[j] < limit for j in range(take + 1, len(forced.starts))):
        return False
    speech_end = max(
        (min(b, win.end_ms) for a, b in regions if a < win.end_ms and b > win.start_ms),
        default=win.end_ms,
    )
    return win.to_source(forced.starts[take]) >= speech_end - 2 * FRAME_MS


def _back_to_pause(forced: Forced, take: int, win: Window) -> tuple[int, int]:
    """Accepted words before the piece where the text stopped, and where the next window starts.

    The piece holding the last accepted word's end is heard again by the next window (it
    starts at that piece, after a pause), so no half-heard word leaks into the next window's
    first word. In a window of one piece the words are kept and the next window starts where
    the last of them ends.
    """
    offsets = win.offsets
    end = max(forced.ends[take - 1], forced.starts[take - 1] + 1)
    i = bisect.bisect_right(offsets, end - 1) - 1
    if i <= 0:
        return take, win.to_source(end - 1, is_end=True) + 1
    limit = offsets[i] - win.gap_ms // 2
    before = sum(1 for j in range(take) if forced.ends[j] <= limit)
    if before == 0:  # the text stopped in the first piece's remnant: keep what was found
        return take, win.to_source(end - 1, is_end=True) + 1
    return before, win.pieces[i][0]


def _doubtful(probs: Sequence[float], opts: AlignOptions) -> bool:
    """Forced words the audio does not support: a low median, or a stretch of improbable words.

    A stretch is ``doubt_run`` words in a row whose median probability is below
    ``doubt_low``: a sentence the audio lacks (or audio the text lacks) forced anyway. Single
    improbable words are common in real speech (fillers, unpunctuated lowercase text) and
    do not count; neither does one probable word inside such a stretch.
    """
    if not probs:
        return True
    if float(np.median(probs)) < opts.doubt_median:
        return True
    n = opts.doubt_run
    return any(
        float(np.median(probs[i : i + n])) < opts.doubt_low for i in range(len(probs) - n + 1)
    )


def _first_solid_run(words: Sequence[TimedWord]) -> int | None:
    """Index of the first word of the first run of ``SOLID_RUN`` matched words, or None."""
    streak = 0
    for j, w in enumerate(words):
        streak = streak + 1 if w.status == "aligned" else 0
        if streak >= SOLID_RUN:
            return j + 1 - SOLID_RUN
    return None


def _last_solid_run(words: Sequence[TimedWord]) -> int:
    """End (exclusive) of the last run of ``SOLID_RUN`` consecutive matched words, or 0.

    A common word of an ad read matches a stray transcript word now and then; real text
    matches in runs.
    """
    end = streak = 0
    for j, w in enumerate(words):
        streak = streak + 1 if w.status == "aligned" else 0
        if streak >= SOLID_RUN:
            end = j + 1
    return end


def force_align(
    samples: np.ndarray,
    words: Sequence[SourceWord],
    regions: Sequence[tuple[int, int]],
    model: Whisper | None,
    language: str,
    opts: AlignOptions = DEFAULT_OPTIONS,
    progress: ProgressFn | None = None,
    aligner: Aligner | None = None,
) -> ForcedResult:
    """Time every transcript word by forcing the transcript through Whisper.

    Args:
        samples: the episode, 16 kHz mono float32.
        words: transcript words in order.
        regions: speech regions (ms) from the VAD stage; windows are planned on them.
        model: a ``faster_whisper.WhisperModel`` (:func:`pipeline.timing.models.load_model`);
            None only with ``aligner``.
        language: the spoken language (the tokenizer's).
        opts: engine and matcher options.
        progress: called with (done_ms, total_ms) of audio after each window.
        aligner: used instead of ``model`` (tests plant one with known answers).

    Returns:
        One TimedWord per word: ``aligned`` where forced or matched, ``interpolated`` where a
        fallback window placed it between matches, ``unspoken`` where no audio held it.

    Raises:
        AlignmentError: when less than ``opts.min_coverage`` of the words could be timed.
        ValueError: when neither ``model`` nor ``aligner`` is given.
    """
    duration = len(samples) * 1000 // SAMPLE_RATE
    if not regions:
        regions = [(0, duration)] if duration > 0 else []
    wopts = WindowOptions(opts.window_ms, opts.gap_ms, min(opts.window_ms // 2, 8_000))
    vad = list(regions)  # the VAD's verdict, for the fallback's matcher
    regions = heard_regions(regions, samples, duration)
    pieces = cut_long_regions(widen(regions, opts.pack_pad_ms, duration), samples, wopts)
    whisper: Aligner
    if aligner is not None:
        whisper = aligner
    elif model is not None:
        whisper = _Whisper(model, language)
    else:
        raise ValueError("force_align needs a model or an aligner")
    tokens = [whisper.tokens(w.text) for w in words]
    speech_ms = sum(b - a for a, b in pieces) or 1
    rate = len(words) / speech_ms  # words per ms of speech, for the first guess
    spans: list[tuple[int, int] | None] = [None] * len(words)
    status: list[str] = ["unspoken"] * len(words)
    confidence: list[float | None] = [None] * len(words)
    windows = fallbacks = retries = 0
    p = cursor = 0
    while p < len(words):
        win = window_from(pieces, cursor, wopts)
        if win is None:
            break
        windows += 1
        audio = window_samples(samples, win)
        last = win.end_ms >= pieces[-1][1]
        encoded, frames = whisper.encode(audio)
        k = int(rate * win.speech_ms * opts.overfeed) + opts.extra_words
        got, k = _force_fitting(whisper, encoded, frames, tokens, p, k)
        final = last and p + k >= len(words)
        held, take = _accepted(got, win.length_ms, opts, final)
        while held >= k - 1 and p + k < len(words):
            bigger = min(len(words) - p, 2 * k)
            more, bigger = _force_fitting(whisper, encoded, frames, tokens, p, bigger)
            if bigger <= k:
                break
            retries += 1
            got, k = more, bigger
            final = last and p + k >= len(words)
            held, take = _accepted(got, win.length_ms, opts, final)
        ids = list(range(p, p + k))  # the words given, in order
        doubtful = take == 0 or _doubtful(got.probs[:held], opts)
        if not doubtful:
            if (last and take == held) or _ended_cleanly(got, take, win, regions):
                nxt = win.end_ms
            else:
                take, nxt = _back_to_pause(got, take, win)
            for j in range(take):
                s = win.to_source(got.starts[j])
                e = win.to_source(max(got.ends[j], got.starts[j] + 1) - 1, is_end=True) + 1
                spans[ids[j]] = (s, max(e, s + 1))
                status[ids[j]] = "aligned"
                confidence[ids[j]] = round(got.probs[j], 4)
            p = ids[take - 1] + 1 if take > 0 else p
        else:
            fallbacks += 1
            used, nxt = _fallback(
                whisper, audio, win, words, p, max(k, 8), vad, duration, spans, status
            )
            p += used
        cursor = max(nxt, cursor + 1)
        if progress is not None:
            progress(min(cursor, duration), duration)
    if progress is not None:
        progress(duration, duration)
    out = _finish(words, spans, status, regions, opts)
    if opts.trim_pauses:
        out = list(trim_leading_pauses(samples, out))
    timed = sum(1 for w in out if w.status != "unspoken")
    coverage = timed / max(1, len(words))
    if words and coverage < opts.min_coverage:
        raise AlignmentError(
            f"only {coverage:.0%} of the transcript could be timed against the speech",
            coverage=coverage,
            hint="check that the transcript belongs to this audio and is in its language",
        )
    aligned = sum(1 for w in out if w.status == "aligned")
    interpolated = timed - aligned
    result = Alignment(tuple(out), coverage, aligned, interpolated, len(out) - timed)
    log.info(
        "forced %d words in %d windows (%d transcribed, %d retried); %d untimed",
        len(words),
        windows,
        fallbacks,
        retries,
        len(out) - timed,
    )
    return ForcedResult(result, tuple(confidence), windows, fallbacks, retries)


def _force_fitting(
    whisper: Aligner, encoded: object, frames: int, tokens: Sequence[list[int]], p: int, k: int
) -> tuple[Forced, int]:
    """Force words ``p .. p+k`` (fewer when their tokens overflow the decoder)."""
    k = max(1, min(k, len(tokens) - p))
    total = 0
    for j in range(k):
        total += len(tokens[p + j])
        if total > MAX_TEXT_TOKENS:
            k = max(1, j)
            break
    return whisper.force(encoded, frames, tokens[p : p + k]), k


def _fallback(
    whisper: Aligner,
    audio: np.ndarray,
    win: Window,
    words: Sequence[SourceWord],
    p: int,
    k: int,
    regions: Sequence[tuple[int, int]],
    duration: int,
    spans: list[tuple[int, int] | None],
    status: list[str],
) -> tuple[int, int]:
    """Transcribe a window and match the text after ``p`` to it: words used, next cursor.

    Words up to the last solid run of matches take the matcher's verdict (aligned,
    interpolated, unspoken); text after that waits for the next window, which starts where
    the last of them ends. A window whose audio holds none of the text (an ad read) uses
    none, and the next window starts after it.
    """
    heard: list[Word] = []
    cursor = win.start_ms
    for text, s, e, prob in whisper.transcribe(audio):
        start = max(cursor, win.to_source(s))
        end = max(start, win.to_source(max(e, s + 1) - 1, is_end=True) + 1)
        heard.append(Word(text, start, end, float(prob)))
        cursor = end
    if not heard:
        return 0, win.end_ms
    span = min(len(words) - p, k + 10)
    local = list(words[p : p + span])
    inside = [(a, b) for a, b in regions if b > win.start_ms and a < win.end_ms] or list(win.pieces)
    try:
        res = align_words(local, heard, AlignOptions(min_coverage=0.0), inside, duration)
    except AlignmentError:
        return 0, win.end_ms
    first = _first_solid_run(res.words)
    if first is None or first > FALLBACK_REACH:
        # The matches lie far down the text: the audio is not the next text (an ad read),
        # and a stray phrase it shares with later text must not swallow what lies between.
        return 0, win.end_ms
    upto = _last_solid_run(res.words)
    nxt = win.end_ms
    for j in range(upto):
        w = res.words[j]
        if w.start_ms is not None and w.end_ms is not None:
            spans[p + j] = (w.start_ms, w.end_ms)
            nxt = w.end_ms
        status[p + j] = w.status
    return upto, nxt if upto > 0 else win.end_ms


def _finish(
    words: Sequence[SourceWord],
    spans: Sequence[tuple[int, int] | None],
    status: Sequence[str],
    regions: Sequence[tuple[int, int]],
    opts: AlignOptions,
) -> list[TimedWord]:
    """TimedWords in order: starts never before the previous word's end; snapped to speech."""
    out: list[TimedWord] = []
    last_end = 0
    for word, span, st in zip(words, spans, status, strict=True):
        if span is None or st == "unspoken":
            out.append(TimedWord(word.text, None, None, "unspoken", word.speaker, word.turn_index))
            continue
        start = max(span[0], last_end)
        end = max(span[1], start + 1)
        last_end = end
        out.append(TimedWord(word.text, start, end, st, word.speaker, word.turn_index))  # type: ignore[arg-type]
    return snap_to_speech(out, regions, opts.vad_onset_ms)
