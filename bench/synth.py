"""Synthetic speech with known word timing, for scoring alignment against ground truth.

Real episodes have no word-level truth, so benchmarks and end-to-end tests speak English text
with espeak-ng and keep the timing espeak-ng itself reports.  We drive ``libespeak-ng.so.1``
through :mod:`ctypes` (no Python binding is needed, and the command-line tool cannot report
word events).  In synchronous mode the library hands us the audio together with
``espeakEVENT_WORD`` events whose ``text_position`` (1-based, in characters) points into the
input text and whose ``sample`` / ``audio_position`` says where that word's sound starts.

Things the library does that this module papers over:

* Some word pairs ("out of", "in the") are spoken as one unit and produce a single event that
  covers only the first word.  Words with no event of their own are grouped with the preceding
  word that has one, and the group's time span is split in proportion to character length.
* Numbers and symbols ("2024", "50%") may produce several events inside one token; only the
  first counts, so every token of the text maps to exactly one word.
* Pauses at commas and full stops sit inside the preceding event's span, so each word's end is
  trimmed back to the last frame that carries sound.
* MBROLA voices report sentence events only; use the built-in voices (``en-us``, ``en-gb-x-rp``
  and their ``+f3`` / ``+m3`` variants).

espeak-ng renders at 22 050 Hz; the episode is resampled to 16 kHz with an FFT (zero phase),
so no filter delay shifts the timings.
"""

from __future__ import annotations

import argparse
import bisect
import ctypes
import ctypes.util
import json
import math
import os
import pickle
import random
import re
import subprocess
import sys
import threading
import wave
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "OUTPUT_RATE",
    "SynthUnavailableError",
    "SynthWord",
    "available",
    "resample",
    "synthesize",
    "write_wav",
]

OUTPUT_RATE = 16_000
"""Sample rate of :func:`synthesize` output: what the pipeline decodes audio to."""

# speak_lib.h constants (espeak-ng 1.51).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAM_RATE = 1
_EE_OK = 0

_FRAME_MS = 5.0
"""Energy frame for trimming silence: short enough that a word end is within a few ms."""

_SILENCE_DB = -42.0
"""Frames this far below the utterance's loudest frame count as silence.  espeak-ng's female
variants add breath noise at about -55 dB, and weak word-final fricatives sit near -35 dB."""

_WORD_RANGE_DB = 32.0
"""When trimming a word's end, frames this far below the word's loudest frame are silence."""

_EDGE_STRIP = "\"'.,;:!?()[]{}…“”‘’«»—–-*_"
"""Punctuation stripped from the ends of a token to give the word's text ("Maya," -> "Maya");
symbols that are spoken ("%", "$") stay."""

_TOKEN = re.compile(r"\S+")


class SynthUnavailableError(RuntimeError):
    """libespeak-ng cannot be loaded or initialised (not installed, or its data is missing)."""


@dataclass(frozen=True)
class SynthWord:
    """One spoken word with the time espeak-ng actually spoke it, in ms from the audio start."""

    text: str
    start_ms: int
    end_ms: int
    speaker: str


class _EventId(ctypes.Union):
    _fields_ = (
        ("number", ctypes.c_int),
        ("name", ctypes.c_char_p),
        ("string", ctypes.c_char * 8),
    )


class _Event(ctypes.Structure):
    """``espeak_EVENT`` from speak_lib.h; the layout must match exactly (40 bytes on x86-64)."""

    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    )


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class _WordEvent:
    text_index: int  # 0-based character offset into the text
    sample: int  # sample index (at the engine rate) where the word's sound starts


@dataclass(frozen=True)
class _Spoken:
    samples: npt.NDArray[np.float32]
    events: tuple[_WordEvent, ...]


def _load_library() -> ctypes.CDLL:
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        return ctypes.CDLL(name)
    except OSError as exc:
        raise SynthUnavailableError(f"cannot load libespeak-ng ({name}): {exc}") from exc


class _Engine:
    """The process-wide espeak-ng instance.

    The library keeps global state (one voice, one callback), so all synthesis goes through
    one lock; the ctypes callback object is kept alive here for as long as the library can
    call it.
    """

    def __init__(self) -> None:
        lib = _load_library()
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_Callback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.argtypes = []
        lib.espeak_Synchronize.restype = ctypes.c_int
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0)
        if rate <= 0:
            raise SynthUnavailableError("espeak_Initialize failed (is espeak-ng-data installed?)")
        self.rate: int = rate
        self._lib = lib
        self._lock = threading.Lock()
        self._chunks: list[npt.NDArray[np.int16]] = []
        self._events: list[_WordEvent] = []
        self._callback = _Callback(self._on_audio)
        lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(self, wav: Any, count: int, events: Any) -> int:
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_WORD:
                # ``sample`` is exact; ``audio_position`` is the same point rounded to ms.
                # Trust ``sample`` only while the two agree, in case a build lays it out
                # differently.
                sample = event.sample
                if abs(sample * 1000 / self.rate - event.audio_position) > 1.5:
                    sample = round(event.audio_position * self.rate / 1000)
                self._events.append(_WordEvent(event.text_position - 1, sample))
            i += 1
        if wav and count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def speak(self, text: str, voice: str, rate_wpm: int) -> _Spoken:
        """Synthesize one utterance; word events are relative to its own first sample."""
        data = text.encode("utf-8")
        with self._lock:
            if self._lib.espeak_SetVoiceByName(voice.encode("utf-8")) != _EE_OK:
                raise ValueError(f"espeak-ng has no voice {voice!r} (see `espeak-ng --voices`)")
            self._lib.espeak_SetParameter(_PARAM_RATE, rate_wpm, 0)
            self._chunks = []
            self._events = []
            err = self._lib.espeak_Synth(
                data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            self._lib.espeak_Synchronize()
            if err != _EE_OK:
                raise RuntimeError(f"espeak_Synth failed with code {err}")
            pcm = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
            events = tuple(self._events)
        return _Spoken((pcm.astype(np.float32) / 32768.0).astype(np.float32), events)


_engine: _Engine | None = None
_engine_lock = threading.Lock()


def _get_engine() -> _Engine:
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = _Engine()
        return _engine


def available() -> bool:
    """Whether libespeak-ng can be loaded here (tests skip when it cannot).

    Only loads the library: initialising it in this process would be harmless but pointless,
    since synthesis runs in a child process (see :func:`_speak_fresh`).
    """
    try:
        _load_library()
    except SynthUnavailableError:
        return False
    return True


def _speak_batch(jobs: Sequence[tuple[str, str, int]]) -> tuple[int, list[_Spoken]]:
    engine = _get_engine()
    return engine.rate, [engine.speak(text, voice, rate) for text, voice, rate in jobs]


def _speak_fresh(jobs: Sequence[tuple[str, str, int]]) -> tuple[int, list[_Spoken]]:
    """Speak ``(text, voice, rate_wpm)`` jobs in a freshly started espeak-ng.

    espeak-ng carries waveform state (pitch-cycle phase) from one utterance to the next, so the
    same text comes out a few samples longer or shorter depending on what was spoken before,
    and the library cannot be re-initialised in-process (``espeak_Terminate`` followed by
    ``espeak_Initialize`` hangs).  A child interpreter starts from the same state every time,
    which makes :func:`synthesize` a pure function of its arguments (about 0.2 s extra).  A
    plain subprocess rather than :mod:`multiprocessing`, whose spawn mode re-runs the caller's
    main script and so breaks scripts without an ``if __name__ == "__main__"`` guard.
    """
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, "-c", "from bench.synth import _worker; _worker()"],
        input=pickle.dumps(list(jobs)),
        capture_output=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise RuntimeError(f"espeak-ng worker failed (exit {proc.returncode}): {detail}")
    result = pickle.loads(proc.stdout)
    if isinstance(result, BaseException):
        raise result
    rate, spoken = result
    return int(rate), list(spoken)


def _worker() -> None:
    """Child side of :func:`_speak_fresh`: pickled jobs on stdin, pickled result on stdout."""
    jobs = pickle.loads(sys.stdin.buffer.read())
    result: object
    try:
        result = _speak_batch(jobs)
    except Exception as exc:  # handed to the parent, which re-raises it
        result = exc
    sys.stdout.buffer.write(pickle.dumps(result))
    sys.stdout.buffer.flush()


@dataclass(frozen=True)
class _Token:
    text: str  # the word as it should appear in the truth ("Maya," -> "Maya")
    start: int  # character span of the whole token in the utterance text
    end: int


def _tokens(text: str) -> list[_Token]:
    """Whitespace tokens that hold at least one letter or digit: the words a listener hears."""
    found = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if any(ch.isalnum() for ch in token):
            word = token.strip(_EDGE_STRIP) or token
            found.append(_Token(word, match.start(), match.end()))
    return found


def _frame_energy_db(samples: npt.NDArray[np.float32], hop: int) -> npt.NDArray[np.float64]:
    """RMS per frame in dB relative to the loudest frame."""
    n = max(1, math.ceil(len(samples) / hop))
    padded = np.zeros(n * hop, np.float64)
    padded[: len(samples)] = samples
    rms = np.sqrt(np.mean(padded.reshape(n, hop) ** 2, axis=1))
    peak = float(rms.max()) if rms.size else 0.0
    if peak <= 0.0:
        return np.full(n, -np.inf)
    with np.errstate(divide="ignore"):
        return np.asarray(20.0 * np.log10(rms / peak), dtype=np.float64)


def _sound_end(energy: npt.NDArray[np.float64], begin: int, limit: int, hop: int) -> int:
    """Where the sound of the span ``[begin, limit)`` stops, trimming a trailing pause.

    espeak-ng puts the pause after a comma or full stop inside the preceding word's event
    span.  A frame counts as sound when it is within ``_WORD_RANGE_DB`` of the span's loudest
    frame and above the utterance's silence floor; the breathy tail of the female variants
    (about 40 dB down) is not.  Only frames wholly inside the span are judged, so the next
    word's onset cannot leak in; if the last of them sounds, the word runs up to ``limit``.
    """
    first, stop = begin // hop, limit // hop
    frames = energy[first:stop]
    if frames.size == 0:
        return limit
    floor = max(_SILENCE_DB, float(frames.max()) - _WORD_RANGE_DB)
    sounding = np.flatnonzero(frames > floor)
    if sounding.size == 0 or sounding[-1] == frames.size - 1:
        return limit
    return min(max((first + int(sounding[-1]) + 1) * hop, begin + 1), limit)


@dataclass(frozen=True)
class _Timed:
    text: str
    start: int  # samples, relative to the cropped utterance
    end: int


def _time_words(
    text: str, spoken: _Spoken, rate: int
) -> tuple[npt.NDArray[np.float32], list[_Timed]]:
    """Map word events back to the words of ``text`` and crop the utterance to its sound.

    Returns the cropped samples (first to last audible sample) and each word's span in them.
    """
    samples = spoken.samples
    tokens = _tokens(text)
    if not tokens or samples.size == 0:
        return samples[:0], []
    hop = max(1, round(rate * _FRAME_MS / 1000))
    energy = _frame_energy_db(samples, hop)
    active = energy > _SILENCE_DB
    active_frames = np.flatnonzero(active)
    if active_frames.size == 0:
        return samples[:0], []
    onset = int(active_frames[0]) * hop
    offset = min(len(samples), (int(active_frames[-1]) + 1) * hop)

    # First event per token; an event that lands between tokens belongs to the next one.
    ends = [tok.end for tok in tokens]
    anchor: dict[int, int] = {}
    last_sample = -1
    for event in spoken.events:
        index = bisect.bisect_right(ends, event.text_index)
        if index >= len(tokens) or index in anchor:
            continue
        if event.sample < last_sample:  # out of order: do not trust it
            continue
        anchor[index] = event.sample
        last_sample = event.sample
    anchor[0] = max(anchor.get(0, onset), onset)

    starts = sorted(anchor)
    timed: list[_Timed] = []
    for group_no, first in enumerate(starts):
        last = starts[group_no + 1] if group_no + 1 < len(starts) else len(tokens)
        begin = max(anchor[first], onset)
        limit = anchor[last] if last < len(tokens) else offset
        limit = max(limit, begin + 1)
        end = _sound_end(energy, begin, limit, hop)
        group = tokens[first:last]
        weights = np.array([max(1, len(tok.text)) for tok in group], dtype=np.float64)
        bounds = begin + np.concatenate(([0.0], np.cumsum(weights) / weights.sum())) * (end - begin)
        for k, tok in enumerate(group):
            timed.append(_Timed(tok.text, round(bounds[k]), round(bounds[k + 1])))

    cropped = samples[onset:offset]
    return cropped, [_Timed(t.text, t.start - onset, t.end - onset) for t in timed]


def _next_fast_len(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n, so the FFT in :func:`resample` stays fast."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def resample(samples: npt.NDArray[np.float32], src: int, dst: int) -> npt.NDArray[np.float32]:
    """Band-limited resampling by FFT.

    Zero phase (no delay, so timings stay exact) and no dependency beyond numpy; the brick-wall
    low-pass at the new Nyquist is fine for synthetic speech surrounded by silence.
    """
    if src == dst:
        return samples.astype(np.float32, copy=True)
    g = math.gcd(src, dst)
    up, down = dst // g, src // g
    blocks = _next_fast_len(math.ceil(len(samples) / down) + 1)
    n_in, n_out = blocks * down, blocks * up
    padded = np.zeros(n_in, np.float64)
    padded[: len(samples)] = samples
    spectrum = np.fft.rfft(padded)
    keep = min(len(spectrum), n_out // 2 + 1)
    out_spec = np.zeros(n_out // 2 + 1, np.complex128)
    out_spec[:keep] = spectrum[:keep]
    out_spec[-1] = 0.0  # the new Nyquist bin cannot be represented unambiguously
    out = np.fft.irfft(out_spec, n=n_out) * (n_out / n_in)
    length = round(len(samples) * dst / src)
    return out[:length].astype(np.float32)


def synthesize(
    utterances: Sequence[tuple[str, str]],
    voices: Mapping[str, str],
    pause_ms: int = 600,
    rate_wpm: int = 165,
    *,
    jitter: float = 0.2,
    seed: int = 0,
    lead_ms: int = 400,
    tail_ms: int = 600,
) -> tuple[npt.NDArray[np.float32], list[SynthWord]]:
    """Speak ``(speaker, text)`` turns one after another; return 16 kHz audio and word truth.

    Each utterance is cropped to its audible sound and followed by a pause of ``pause_ms``
    varied by up to ``±jitter`` (a seeded, so reproducible, draw) because identical gaps
    would let a pipeline look good by luck.  Times are measured at espeak-ng's own rate and
    survive the zero-phase resampling unchanged.
    """
    if not utterances:
        return np.zeros(0, np.float32), []
    missing = sorted({speaker for speaker, _ in utterances} - set(voices))
    if missing:
        raise ValueError(f"no voice given for speaker(s): {', '.join(missing)}")
    rate, spoken_all = _speak_fresh(
        [(text, voices[speaker], rate_wpm) for speaker, text in utterances]
    )
    rng = random.Random(seed)
    pieces: list[npt.NDArray[np.float32]] = [np.zeros(round(lead_ms * rate / 1000), np.float32)]
    cursor = len(pieces[0])
    timed: list[tuple[_Timed, int, str]] = []
    for number, ((speaker, text), spoken) in enumerate(zip(utterances, spoken_all, strict=True)):
        audio, words = _time_words(text, spoken, rate)
        pieces.append(audio)
        timed.extend((word, cursor, speaker) for word in words)
        cursor += len(audio)
        if number + 1 < len(utterances):
            factor = 1.0 + rng.uniform(-jitter, jitter)
            gap = np.zeros(round(pause_ms * factor * rate / 1000), np.float32)
            pieces.append(gap)
            cursor += len(gap)
    pieces.append(np.zeros(round(tail_ms * rate / 1000), np.float32))
    out = resample(np.concatenate(pieces), rate, OUTPUT_RATE)

    def ms(sample: int) -> int:
        return round(sample * 1000 / rate)

    result = []
    for word, base, speaker in timed:
        start = ms(base + word.start)
        end = max(ms(base + word.end), start + 1)
        result.append(SynthWord(word.text, start, end, speaker))
    return out, result


def write_wav(
    path: str | Path, samples: npt.NDArray[np.floating[Any]], rate: int = OUTPUT_RATE
) -> None:
    """Write mono 16-bit PCM: the format every tool (and the pipeline's decoder) reads."""
    pcm = np.clip(np.round(np.asarray(samples, np.float64) * 32767.0), -32768, 32767)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.astype("<i2").tobytes())


_DEFAULT_VOICES = ("en-us+f3", "en-gb-x-rp+m3", "en-us", "en-gb-x-rp+f4")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.synth TEXTFILE OUT.wav``: one ``Speaker: text`` turn per line.

    Lines without a label continue with the previous speaker.  Word truth goes to OUT.json.
    """
    parser = argparse.ArgumentParser(prog="python -m bench.synth", description=main.__doc__)
    parser.add_argument("text", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rate", type=int, default=165, help="words per minute")
    parser.add_argument("--pause", type=int, default=600, help="pause between turns, ms")
    args = parser.parse_args(argv)
    turns: list[tuple[str, str]] = []
    speaker = "Speaker"
    for line in args.text.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label, sep, rest = line.partition(":")
        if sep and 0 < len(label) <= 30 and " " not in label.strip():
            speaker, line = label.strip(), rest
        turns.append((speaker, line.strip()))
    names = list(dict.fromkeys(s for s, _ in turns))
    voices = {name: _DEFAULT_VOICES[i % len(_DEFAULT_VOICES)] for i, name in enumerate(names)}
    samples, words = synthesize(turns, voices, pause_ms=args.pause, rate_wpm=args.rate)
    write_wav(args.out, samples)
    truth = [
        {"text": w.text, "start": w.start_ms / 1000, "end": w.end_ms / 1000, "speaker": w.speaker}
        for w in words
    ]
    args.out.with_suffix(".json").write_text(
        json.dumps({"audio": args.out.name, "words": truth}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    print(f"{args.out}: {len(samples) / OUTPUT_RATE:.1f} s, {len(words)} words", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
