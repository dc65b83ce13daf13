"""Teacher-forced word timing with CTranslate2's ``Whisper.align()``.

The transcript is known, so Whisper need not decode it: the text is forced through the
decoder in one parallel pass per window of audio (at most 30 s), and the cross-attention
path (dynamic time warping over the alignment heads, median-filtered) gives each token a
frame; the decoder's probability of each forced token says how well the audio supports it.
Windows are encoded and aligned in batches.

Two uses:

* :func:`refine_words` sharpens already aligned words: each window holds a run of timed
  words (cut at pauses), is cut from the audio with a little context, and the words take the
  forced times; a word whose forced probability is very low keeps its old time.
* :func:`force_windows` is the primitive, for callers that plan their own windows (the fast
  path that skips full transcription where the transcript is trustworthy).

Times are integer milliseconds; frames are 20 ms (Whisper's token rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.model import TimedWord

SAMPLE_RATE = 16_000
WINDOW_SAMPLES = 30 * SAMPLE_RATE
FRAME_MS = 20  # one decoder alignment step (2 mel frames of 10 ms)


@dataclass(frozen=True, slots=True)
class RefineOptions:
    """Options of the teacher-forced pass.

    Attributes:
        max_window_ms: longest window of audio forced at once (Whisper sees 30 s).
        context_ms: audio kept before the first and after the last word of a window.
        split_gap_ms: a new window starts at a pause at least this long, when the window
            would otherwise run past ``max_window_ms``; windows prefer the longest pause.
        batch: windows encoded and aligned together.
        median_filter_width: smoothing of the attention weights before DTW (Whisper: 7).
        min_probability: a forced word with a mean token probability below this keeps its
            previous time in :func:`refine_words`.
        max_shift_ms: a forced start further than this from the previous start is not taken
            (the DTW path slipped).
    """

    max_window_ms: int = 28_000
    context_ms: int = 400
    split_gap_ms: int = 250
    batch: int = 4
    median_filter_width: int = 7
    min_probability: float = 0.05
    max_shift_ms: int = 600


@dataclass(frozen=True, slots=True)
class Window:
    """Audio span ``[start_ms, end_ms)`` (at most 30 s) and the words spoken in it, in order."""

    start_ms: int
    end_ms: int
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ForcedWord:
    """A word's forced span (absolute ms) and its mean token probability."""

    text: str
    start_ms: int
    end_ms: int
    probability: float


def _tokenizer(model: Any) -> Any:
    from faster_whisper.tokenizer import Tokenizer

    return Tokenizer(model.hf_tokenizer, model.model.is_multilingual, "transcribe", "en")


def _word_tokens(tokenizer: Any, words: Sequence[str]) -> list[list[int]]:
    """BPE tokens per word, each with its leading space (as inside running text)."""
    return [list(tokenizer.encode(" " + w.strip())) or [tokenizer.eot] for w in words]


def _features(model: Any, samples: np.ndarray) -> np.ndarray:
    padded = np.zeros(WINDOW_SAMPLES, np.float32)
    chunk = samples[:WINDOW_SAMPLES]
    padded[: len(chunk)] = chunk
    feats = model.feature_extractor(padded)
    frames = WINDOW_SAMPLES // model.feature_extractor.hop_length
    return np.ascontiguousarray(feats[:, :frames], dtype=np.float32)


def force_windows(
    model: Any,
    samples: np.ndarray,
    windows: Sequence[Window],
    opts: RefineOptions = RefineOptions(),
) -> list[list[ForcedWord]]:
    """Force each window's words through Whisper; forced spans per window, in order.

    Args:
        model: a ``faster_whisper.WhisperModel`` (see :func:`pipeline.asr.load_model`).
        samples: the whole episode, 16 kHz mono float32.
        windows: audio spans with their words; a span longer than 30 s is cut to 30 s.
        opts: batch size and DTW smoothing.
    """
    import ctranslate2

    tokenizer = _tokenizer(model)
    sot = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    out: list[list[ForcedWord]] = []
    for first in range(0, len(windows), max(1, opts.batch)):
        batch = [w for w in windows[first : first + opts.batch]]
        feats, tokens, per_word, frames = [], [], [], []
        for win in batch:
            a = max(0, win.start_ms * SAMPLE_RATE // 1000)
            b = min(len(samples), win.end_ms * SAMPLE_RATE // 1000, a + WINDOW_SAMPLES)
            feats.append(_features(model, samples[a:b]))
            wt = _word_tokens(tokenizer, win.words)
            per_word.append(wt)
            tokens.append([t for w in wt for t in w])
            frames.append(max(1, (b - a) // model.feature_extractor.hop_length))
        todo = [k for k, t in enumerate(tokens) if t]
        results: dict[int, Any] = {}
        if todo:
            view = ctranslate2.StorageView.from_array(np.stack([feats[k] for k in todo]))
            encoded = model.model.encode(view, to_cpu=False)
            aligned = model.model.align(
                encoded,
                sot,
                [tokens[k] for k in todo],
                [frames[k] for k in todo],
                median_filter_width=opts.median_filter_width,
            )
            results = dict(zip(todo, aligned, strict=True))
        for k, win in enumerate(batch):
            res = results.get(k)
            if res is None:
                out.append([])
                continue
            out.append(_words_from_alignment(win, per_word[k], res))
    return out


def _words_from_alignment(win: Window, per_word: list[list[int]], res: Any) -> list[ForcedWord]:
    pairs = np.asarray(res.alignments, dtype=np.int64).reshape(-1, 2)
    probs = np.asarray(res.text_token_probs, dtype=np.float64)
    if len(pairs) == 0:
        return []
    jumps = np.pad(np.diff(pairs[:, 0]), (1, 0), constant_values=1).astype(bool)
    jump_frames = pairs[jumps, 1]
    bounds = np.concatenate(([0], np.cumsum([len(t) for t in per_word])))
    words: list[ForcedWord] = []
    last = len(jump_frames) - 1
    for i, text in enumerate(win.words):
        a, b = int(bounds[i]), int(bounds[i + 1])
        s = int(jump_frames[min(a, last)]) * FRAME_MS + win.start_ms
        e = int(jump_frames[min(b, last)]) * FRAME_MS + win.start_ms
        p = float(np.mean(probs[a:b])) if b > a and b <= len(probs) else 0.0
        words.append(ForcedWord(text, s, max(e, s + 1), p))
    return words


def plan_windows(
    spans: Sequence[tuple[int, int]], texts: Sequence[str], duration_ms: int, opts: RefineOptions
) -> list[tuple[int, int, Window]]:
    """Group consecutive timed words into windows; (first index, end index, window).

    A window closes before it would exceed ``opts.max_window_ms`` (with context), at the
    longest pause of at least ``opts.split_gap_ms`` inside it, else at the last word that fits.
    """
    out: list[tuple[int, int, Window]] = []
    i, n = 0, len(spans)
    while i < n:
        lo = max(0, spans[i][0] - opts.context_ms)
        j = i
        while j + 1 < n and spans[j + 1][1] + opts.context_ms - lo <= opts.max_window_ms:
            j += 1
        if j + 1 < n:  # must cut: prefer the longest pause in the second half
            best, best_gap = j, -1
            for k in range(i + (j - i) // 2, j + 1):
                gap = spans[k + 1][0] - spans[k][1]
                if gap >= opts.split_gap_ms and gap > best_gap:
                    best, best_gap = k, gap
            j = best
        hi = min(duration_ms, spans[j][1] + opts.context_ms)
        if j + 1 < n:  # do not reach into the next word
            hi = min(hi, max(spans[j][1], spans[j + 1][0]))
        if i > 0:
            lo = max(lo, min(spans[i][0], spans[i - 1][1]))
        out.append((i, j + 1, Window(lo, max(hi, lo + 1), tuple(texts[i : j + 1]))))
        i = j + 1
    return out


@dataclass(frozen=True, slots=True)
class Refined:
    """Refined words (same order and statuses), per-word probability, and counts."""

    words: tuple[TimedWord, ...]
    probability: tuple[float | None, ...]
    changed: int
    windows: int


def refine_words(
    samples: np.ndarray,
    words: Sequence[TimedWord],
    model: Any,
    opts: RefineOptions = RefineOptions(),
) -> Refined:
    """Teacher-force the timed words of an alignment to sharpen their boundaries.

    Unspoken words stay untimed; every timed word is forced inside a window around its
    neighbours, so words cannot move across a long pause or into another window.
    """
    timed = [k for k, w in enumerate(words) if w.start_ms is not None and w.end_ms is not None]
    spans = [(int(words[k].start_ms or 0), int(words[k].end_ms or 0)) for k in timed]
    duration = len(samples) * 1000 // SAMPLE_RATE
    plan = plan_windows(spans, [words[k].text for k in timed], duration, opts)
    forced = force_windows(model, samples, [w for _, _, w in plan], opts)
    out = list(words)
    prob: list[float | None] = [None] * len(words)
    changed = 0
    for (a, b, _), got in zip(plan, forced, strict=True):
        if len(got) != b - a:
            continue
        for pos, fw in zip(range(a, b), got, strict=True):
            k = timed[pos]
            old = words[k]
            prob[k] = fw.probability
            if fw.probability < opts.min_probability:
                continue
            if abs(fw.start_ms - int(old.start_ms or 0)) > opts.max_shift_ms:
                continue
            out[k] = TimedWord(
                old.text, fw.start_ms, fw.end_ms, old.status, old.speaker, old.turn_index
            )
            changed += 1
    # Keep starts monotonic and ends after starts.
    last_end = 0
    for k, w in enumerate(out):
        if w.start_ms is None:
            continue
        start = max(int(w.start_ms), last_end) if w is not words[k] else int(w.start_ms)
        end = max(int(w.end_ms or start), start + 1)
        if (start, end) != (w.start_ms, w.end_ms):
            out[k] = TimedWord(w.text, start, end, w.status, w.speaker, w.turn_index)
        last_end = end
    return Refined(tuple(out), tuple(prob), changed, len(plan))


# --- fast path: forced alignment without full transcription ---------------------------


def speech_chunks(
    speech: Sequence[tuple[int, int]], duration_ms: int, opts: RefineOptions
) -> list[tuple[int, int]]:
    """Audio chunks of at most ``opts.max_window_ms`` made of whole speech regions.

    A chunk closes at the pause before the region that would overflow it; a region longer
    than a window is cut into window-sized pieces.
    """
    pieces: list[tuple[int, int]] = []
    for a, b in sorted(speech):
        while b - a > opts.max_window_ms - 2 * opts.context_ms:
            cut = a + opts.max_window_ms - 2 * opts.context_ms
            pieces.append((a, cut))
            a = cut
        if b > a:
            pieces.append((a, b))
    chunks: list[tuple[int, int]] = []
    for a, b in pieces:
        if chunks and b - chunks[-1][0] + 2 * opts.context_ms <= opts.max_window_ms:
            chunks[-1] = (chunks[-1][0], b)
        else:
            chunks.append((a, b))
    return [(max(0, a - opts.context_ms), min(duration_ms, b + opts.context_ms)) for a, b in chunks]


@dataclass(frozen=True, slots=True)
class FastResult:
    """Fast-path output: one TimedWord per input word, probabilities, and counts."""

    words: tuple[TimedWord, ...]
    probability: tuple[float | None, ...]
    chunks: int
    untimed: int
    checked: int = 0  # chunks whose forced words looked wrong and were transcribed instead


def _doubtful(probs: Sequence[float], median_below: float, run_below: float, run: int) -> bool:
    """Forced words the audio does not support: a low median, or a run of very low words."""
    if not probs:
        return False
    if float(np.median(probs)) < median_below:
        return True
    streak = 0
    for p in probs:
        streak = streak + 1 if p < run_below else 0
        if streak >= run:
            return True
    return False


def _transcribe_chunk(model: Any, samples: np.ndarray, a: int, b: int) -> list[Any]:
    """Recognised words (absolute ms) of one chunk: the slow path, only where forcing failed."""
    from pipeline.model import Word

    lo, hi = a * SAMPLE_RATE // 1000, b * SAMPLE_RATE // 1000
    segments, _ = model.transcribe(
        samples[lo:hi],
        language="en",
        beam_size=1,
        word_timestamps=True,
        vad_filter=False,
        condition_on_previous_text=False,
    )
    words: list[Any] = []
    last = a
    for seg in segments:
        for w in seg.words or ():
            text = w.word.strip()
            if not text:
                continue
            start = max(last, a + round(w.start * 1000))
            end = max(start, min(b, a + round(w.end * 1000)))
            words.append(Word(text, start, end, float(w.probability)))
            last = end
    return words


def _last_solid_run(words: Sequence[TimedWord], run: int = 3) -> int:
    """End (exclusive) of the last run of ``run`` or more consecutive matched words, or 0.

    Common words of an ad read or a filler match a stray transcript word now and then; a
    real stretch of speech matches in runs.
    """
    end = streak = 0
    for j, w in enumerate(words):
        streak = streak + 1 if w.status == "aligned" else 0
        if streak >= run:
            end = j + 1
    return end


def fast_align(
    samples: np.ndarray,
    texts: Sequence[str],
    speakers: Sequence[str | None],
    turns: Sequence[int],
    speech: Sequence[tuple[int, int]],
    model: Any,
    opts: RefineOptions = RefineOptions(),
    overfeed: float = 1.35,
    check: bool = True,
) -> FastResult:
    """Time a transcript by forcing it chunk by chunk, transcribing only where that fails.

    Chunks are speech regions (VAD) grouped up to a window. Each chunk is given more of the
    remaining transcript than it likely holds (the words-per-second of the whole episode's
    speech times ``overfeed``, plus a few); words the forced path places before the chunk's
    last speech are accepted, the rest are fed again to the next chunk. With ``check``, a
    chunk whose forced words the decoder finds improbable (audio without text such as an ad
    read, or text without audio such as an editor's insert) is transcribed instead and the
    transcript aligned to it with :func:`pipeline.align.align_words`: words it cannot find
    there are unspoken or wait for a later chunk, and audio with no matching text consumes
    nothing. Words left at the end are unspoken.
    """
    from pipeline.align import AlignOptions, SourceWord, align_words
    from pipeline.errors import AlignmentError

    duration = len(samples) * 1000 // SAMPLE_RATE
    chunks = speech_chunks(speech, duration, opts)
    speech_ms = sum(b - a for a, b in speech) or duration
    rate = len(texts) / max(1.0, speech_ms / 1000)  # words per second of speech
    out: list[TimedWord | None] = [None] * len(texts)
    prob: list[float | None] = [None] * len(texts)
    checked = 0
    p = 0
    regions = sorted(speech)
    for number, (a, b) in enumerate(chunks):
        if p >= len(texts):
            break
        inside = sum(max(0, min(e, b) - max(s, a)) for s, e in regions)
        last = number == len(chunks) - 1
        k = len(texts) - p if last else int(rate * inside / 1000 * overfeed) + 4
        k = max(1, min(k, len(texts) - p))
        got = force_windows(model, samples, [Window(a, b, tuple(texts[p : p + k]))], opts)[0]
        if len(got) != k:
            continue
        speech_end = max((min(e, b) for s, e in regions if s < b and e > a), default=b)
        take = k
        if not last:
            take = 0
            for fw in got:
                if fw.start_ms >= speech_end - 2 * FRAME_MS or fw.end_ms > speech_end + 60:
                    break
                take += 1
        probs = [fw.probability for fw in got[:take]]
        if check and (take == 0 or _doubtful(probs, 0.3, 0.1, 4)):
            checked += 1
            heard = _transcribe_chunk(model, samples, a, b)
            span = min(len(texts) - p, 2 * k + 20)
            local = [SourceWord(texts[i], speakers[i], turns[i]) for i in range(p, p + span)]
            try:
                res = align_words(local, heard, AlignOptions(min_coverage=0.0), regions, duration)
            except AlignmentError:  # nothing usable: leave the words for later
                continue
            upto = _last_solid_run(res.words)
            if upto == 0:
                continue  # audio with no text (an ad read): consume nothing
            for j in range(upto):
                w = res.words[j]
                out[p + j] = w if w.start_ms is not None else None
            p += upto
            continue
        if take == 0:
            continue
        for j, fw in enumerate(got[:take]):
            i = p + j
            out[i] = TimedWord(texts[i], fw.start_ms, fw.end_ms, "aligned", speakers[i], turns[i])
            prob[i] = fw.probability
        p += take
    words = tuple(
        w if w is not None else TimedWord(texts[i], None, None, "unspoken", speakers[i], turns[i])
        for i, w in enumerate(out)
    )
    return FastResult(words, tuple(prob), len(chunks), sum(1 for w in out if w is None), checked)


# --- acoustic onset sharpening ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnsetOptions:
    """Options of :func:`sharpen_starts`.

    Attributes:
        before_ms: how far before Whisper's start to look for the word's onset.
        after_ms: how far after it to look.
        frame_ms: analysis frame (Hann window) for the energy.
        hop_ms: frame step.
        offset_ms: the onset is this far after the centre of the quietest frame.
        min_word_ms: a start never moves to within this of the word's end, nor of the
            previous word's start.
    """

    before_ms: int = 28
    after_ms: int = 112
    frame_ms: int = 25
    hop_ms: int = 5
    offset_ms: int = 0
    min_word_ms: int = 30


def _dip(samples: np.ndarray, lo_ms: int, hi_ms: int, opts: OnsetOptions) -> int | None:
    """Centre (ms) of the quietest frame in ``[lo_ms, hi_ms)`` (the last, if several are
    about as quiet), or None near the audio's edges."""
    frame = opts.frame_ms * SAMPLE_RATE // 1000
    hop = opts.hop_ms * SAMPLE_RATE // 1000
    a = lo_ms * SAMPLE_RATE // 1000 - frame // 2
    b = hi_ms * SAMPLE_RATE // 1000 + frame // 2
    if a < 0 or b > len(samples) or b - a < frame + hop:
        return None
    chunk = np.asarray(samples[a:b], dtype=np.float64)
    count = (len(chunk) - frame) // hop + 1
    index = np.arange(frame)[None, :] + hop * np.arange(count)[:, None]
    energy = np.mean((chunk[index] * np.hanning(frame)) ** 2, axis=1)
    # The last of the quietest frames: in a pause (a flat floor) that is the frame just
    # before the onset, not the first frame of the pause.
    quiet = np.flatnonzero(energy <= 2.0 * float(energy.min()) + 1e-12)
    k = int(quiet[-1])
    return lo_ms + k * opts.hop_ms


def sharpen_starts(
    samples: np.ndarray, words: Sequence[TimedWord], opts: OnsetOptions = OnsetOptions()
) -> tuple[TimedWord, ...]:
    """Move each timed word's start to the energy dip just around Whisper's start.

    Whisper's word starts (from cross-attention, 20 ms steps) land about 40-60 ms early with
    a wide spread; the boundary between two words is usually the quietest point near there.
    Each start is searched in ``[start - before_ms, start + after_ms]``, kept after the
    previous word's start and before the word's end; the previous word's end is pulled in
    when the start moves before it. Cost: a few thousand samples per word.
    """
    out = list(words)
    prev_start = -(10**9)
    prev_index = -1
    for k, w in enumerate(out):
        if w.start_ms is None or w.end_ms is None:
            continue
        lo = max(w.start_ms - opts.before_ms, prev_start + opts.min_word_ms)
        hi = min(w.start_ms + opts.after_ms, w.end_ms - opts.min_word_ms)
        start = w.start_ms
        if hi > lo:
            dip = _dip(samples, lo, hi, opts)
            if dip is not None:
                start = min(dip + opts.offset_ms, w.end_ms - opts.min_word_ms)
                start = max(start, lo)
        if start != w.start_ms:
            out[k] = TimedWord(w.text, start, w.end_ms, w.status, w.speaker, w.turn_index)
            if prev_index >= 0:
                p = out[prev_index]
                if p.end_ms is not None and p.start_ms is not None and p.end_ms > start:
                    out[prev_index] = TimedWord(
                        p.text,
                        p.start_ms,
                        max(start, p.start_ms + 1),
                        p.status,
                        p.speaker,
                        p.turn_index,
                    )
        prev_start = start
        prev_index = k
    return tuple(out)
