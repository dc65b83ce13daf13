"""Check subtitles against broadcast style rules: line length and count, timing, reading speed.

Every number comes from :mod:`pipeline.subtitles.rules`, the same table
:mod:`pipeline.subtitles.segment` builds cues with, so a freshly segmented track lints clean by
construction and the two can never drift apart. Rules are data: each row of :data:`RULES` names a
rule, says whether breaking it is *hard* (the file is wrong for broadcast: ``subweave lint`` exits
1) or *soft* (worth a look), and holds the check.

Files are read by :func:`pipeline.transcript.subfile.read_subtitles` (SRT, WebVTT or ASS, by
extension, then by content), whose line scan finds malformed time lines first, so a broken file is
reported as ``file:line: what`` rather than as a library traceback. Languages are decided per
line from the script when not given: a stacked bilingual file has each line checked against the
limits of its own language.

>>> track = Track(("en",), (Cue(0, 500, {"en": ("Hi.",)}),))
>>> print(lint_track(track).summary())
1 cue: 1 hard violation (min-duration 1), 0 soft; 100.0% within reading speed
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.lang import CJK_CHAR, HAN, base_lang, is_cjk
from pipeline.model import Cue, Track
from pipeline.subtitles.rules import Limits, limits, line_length, reading_chars, word_count
from pipeline.timecode import MS_PER_MINUTE, MS_PER_SECOND, ms_to_srt
from pipeline.transcript.subfile import RESOLUTION_MS, RawCue, read_subtitles

#: Longest line quoted in a message, in characters.
QUOTE_CHARS = 60
#: Spaces between two Han characters (the ideographic space U+3000 is a deliberate separator).
_HAN_SPACE = re.compile(f"(?<=[{HAN}])[ \t\u00a0]+(?=[{HAN}])")
#: Languages written in Cyrillic: script detection calls their text "ru".
_CYRILLIC = frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn"})
#: CJK languages -> what script detection calls their text (Cantonese is written in Han).
_CJK_SCRIPT = {"yue": "zh", "ja": "ja", "ko": "ko", "zh": "zh"}


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule in one cue.

    Attributes:
        cue: 1-based cue number in file order.
        start_ms: the cue's in-time.
        rule: the rule id (a row of :data:`RULES`).
        measured: what the cue has (characters, lines, ms, cps, wpm: the rule's unit).
        limit: what the rule allows, in the same unit.
        hard: whether the rule is hard.
        message: the measured value against the limit, and where, for people.
    """

    cue: int
    start_ms: int
    rule: str
    measured: float
    limit: float
    hard: bool
    message: str

    def format(self) -> str:
        """``#12 00:01:02,345 line-length: 47 chars > 42 (line 1: "...")``."""
        return f"#{self.cue} {ms_to_srt(max(self.start_ms, 0))} {self.rule}: {self.message}"


@dataclass(frozen=True, slots=True)
class LintResult:
    """What :func:`lint_file` or :func:`lint_track` found.

    Attributes:
        violations: every violation, in cue order.
        cue_count: cues checked.
        cps_within: share of timed cues with text whose reading speed is within the limit of
            each of their languages (1.0 when there are none).
        langs: the languages the lines were checked as, in order of first appearance.
        profile: the rule profile.
    """

    violations: tuple[Violation, ...]
    cue_count: int
    cps_within: float = 1.0
    langs: tuple[str, ...] = ()
    profile: str = "netflix"

    @property
    def hard_count(self) -> int:
        """Hard violations: any makes ``subweave lint`` exit 1."""
        return sum(v.hard for v in self.violations)

    @property
    def soft_count(self) -> int:
        """Soft violations."""
        return len(self.violations) - self.hard_count

    def format_lines(self) -> Iterator[str]:
        """One line per violation."""
        return (v.format() for v in self.violations)

    def summary(self) -> str:
        """``124 cues: 0 hard violations, 3 soft (reading-speed 3); 97.6% within reading speed``."""

        def by_rule(hard: bool) -> str:
            counts = Counter(v.rule for v in self.violations if v.hard == hard)
            rules = sorted(counts, key=lambda r: _RULE_ORDER.get(r, len(_RULE_ORDER)))
            return f" ({', '.join(f'{r} {counts[r]}' for r in rules)})" if counts else ""

        hard = self.hard_count
        return (
            f"{_plural(self.cue_count, 'cue')}: {_plural(hard, 'hard violation')}{by_rule(True)}, "
            f"{self.soft_count} soft{by_rule(False)}; "
            f"{self.cps_within * 100:.1f}% within reading speed"
        )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True, slots=True)
class LintCue:
    """A cue as lint sees it: unlike :class:`~pipeline.model.Cue` it may be empty or end first.

    Attributes:
        number: 1-based position in the file.
        start_ms: in-time.
        end_ms: out-time.
        lines: ``(lang, text)`` per display line, top to bottom, markup removed.
    """

    number: int
    start_ms: int
    end_ms: int
    lines: tuple[tuple[str, str], ...]

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def by_lang(self) -> dict[str, list[str]]:
        """Non-blank lines per language, in stacking order."""
        out: dict[str, list[str]] = {}
        for lang, text in self.lines:
            if text.strip():
                out.setdefault(lang, []).append(text)
        return out


@dataclass(frozen=True, slots=True)
class CueContext:
    """What a rule check sees: the cue, the cue before it and the limits that apply."""

    cue: LintCue
    previous: LintCue | None  # the earlier cue that ends last
    timing: Limits  # durations and gaps (the same for every language)
    limits_of: Callable[[str], Limits]
    bilingual: bool
    slack_ms: int = 0  # timing rules forgive this much: the file's time stamps are rounded


#: (measured, limit, message) for one violation of one rule.
Finding = tuple[float, float, str]


@dataclass(frozen=True, slots=True)
class Rule:
    """A row of :data:`RULES`."""

    id: str
    hard: bool
    check: Callable[[CueContext], Iterator[Finding]]
    description: str


def _quote(text: str) -> str:
    return f'"{text}"' if len(text) <= QUOTE_CHARS else f'"{text[: QUOTE_CHARS - 1]}…"'


def _timed(ctx: CueContext) -> bool:
    return ctx.cue.duration_ms > 0


def _end_before_start(ctx: CueContext) -> Iterator[Finding]:
    ms = ctx.cue.duration_ms
    if ms < 0:
        yield ms, 0, f"ends {-ms} ms before its start"
    elif ms == 0:
        yield ms, 0, "ends at its start"


def _empty(ctx: CueContext) -> Iterator[Finding]:
    if not ctx.cue.by_lang():
        yield 0, 1, "no text"


def _line_length(ctx: CueContext) -> Iterator[Finding]:
    for i, (lang, text) in enumerate(ctx.cue.lines, start=1):
        n, limit = line_length(text, lang), ctx.limits_of(lang).max_chars
        if n > limit:
            where = f"line {i}, {lang}" if ctx.bilingual else f"line {i}"
            yield n, limit, f"{n} chars > {limit} ({where}: {_quote(text)})"


def _line_count(ctx: CueContext) -> Iterator[Finding]:
    for lang, lines in ctx.cue.by_lang().items():
        limit = ctx.limits_of(lang).max_lines
        if len(lines) > limit:
            yield (
                len(lines),
                limit,
                f"{len(lines)} lines > {limit}" + (f" ({lang})" if ctx.bilingual else ""),
            )


def _overlap(ctx: CueContext) -> Iterator[Finding]:
    prev = ctx.previous
    if prev is not None and ctx.cue.start_ms < prev.end_ms:
        ms = prev.end_ms - ctx.cue.start_ms
        yield ms, 0, f"starts {ms} ms before #{prev.number} ends"


def _gap(ctx: CueContext) -> Iterator[Finding]:
    prev = ctx.previous
    if (
        prev is not None
        and 0 < ctx.cue.start_ms - prev.end_ms < ctx.timing.min_gap_ms - ctx.slack_ms
    ):
        gap = ctx.cue.start_ms - prev.end_ms
        yield (
            gap,
            ctx.timing.min_gap_ms,
            f"{gap} ms after #{prev.number} < {ctx.timing.min_gap_ms} ms",
        )


def _min_duration(ctx: CueContext) -> Iterator[Finding]:
    # Short cues are flagged even when they chain into the next one: the viewer still gets
    # too little time for this cue's text.
    ms, limit = ctx.cue.duration_ms, ctx.timing.min_duration_ms
    if 0 < ms < limit - ctx.slack_ms:
        yield ms, limit, f"{ms} ms < {limit} ms"


def _max_duration(ctx: CueContext) -> Iterator[Finding]:
    ms, limit = ctx.cue.duration_ms, ctx.timing.max_duration_ms
    if ms > limit + ctx.slack_ms:
        yield ms, limit, f"{ms} ms > {limit} ms"


def cue_cps(cue: LintCue, lang: str) -> float:
    """Reading speed of ``cue``'s ``lang`` lines in characters per second (0 when untimed)."""
    if cue.duration_ms <= 0:
        return 0.0
    text = "\n".join(cue.by_lang().get(lang, ()))
    return reading_chars(text, lang) * MS_PER_SECOND / cue.duration_ms


def _reading_speed(ctx: CueContext) -> Iterator[Finding]:
    for lang in ctx.cue.by_lang():
        cps, limit = cue_cps(ctx.cue, lang), ctx.limits_of(lang).max_cps
        if cps > limit:
            suffix = f" ({lang})" if ctx.bilingual else ""
            yield cps, limit, f"{cps:.1f} cps > {limit:g}{suffix}"


def _words_per_minute(ctx: CueContext) -> Iterator[Finding]:
    if not _timed(ctx):
        return
    for lang, lines in ctx.cue.by_lang().items():
        limit = ctx.limits_of(lang).max_wpm
        wpm = word_count(" ".join(lines)) * MS_PER_MINUTE / ctx.cue.duration_ms
        if limit is not None and wpm > limit:
            yield wpm, limit, f"{wpm:.0f} wpm > {limit:g}" + (f" ({lang})" if ctx.bilingual else "")


def _cjk_spaces(ctx: CueContext) -> Iterator[Finding]:
    for i, (_, text) in enumerate(ctx.cue.lines, start=1):
        n = len(_HAN_SPACE.findall(text))
        if n:
            yield n, 0, f"{_plural(n, 'space')} between Han characters (line {i}: {_quote(text)})"


#: Every rule, in the order its violations are listed for a cue.
RULES: tuple[Rule, ...] = (
    Rule("end-before-start", True, _end_before_start, "out-time at or before in-time"),
    Rule("empty", True, _empty, "a cue with no text"),
    Rule("line-length", True, _line_length, "characters per line > max_chars"),
    Rule("line-count", True, _line_count, "lines per language > max_lines"),
    Rule("overlap", True, _overlap, "starts before the previous cue ends"),
    Rule("gap", True, _gap, "0 < gap to the previous cue < min_gap_ms"),
    Rule("min-duration", True, _min_duration, "duration < min_duration_ms"),
    Rule("max-duration", False, _max_duration, "duration > max_duration_ms"),
    Rule("reading-speed", False, _reading_speed, "characters per second > max_cps"),
    Rule("words-per-minute", False, _words_per_minute, "words per minute > max_wpm (BBC)"),
    Rule("cjk-spaces", False, _cjk_spaces, "spaces between Han characters"),
)

_RULE_ORDER = {rule.id: i for i, rule in enumerate(RULES)}


def lint_cues(
    cues: Sequence[LintCue],
    profile: str = "netflix",
    fps: float = 24.0,
    timing_lang: str = "en",
    *,
    slack_ms: int = 0,
) -> LintResult:
    """Run every rule of :data:`RULES` over ``cues``.

    ``slack_ms`` is how far timing rules let a duration or gap miss its limit because the times
    were rounded: ASS keeps centiseconds, so 2 frames at 24 fps (83 ms) can come back as 80 ms.

    Raises:
        ConfigError: for an unknown profile or a non-positive ``fps``.
    """
    cache: dict[str, Limits] = {}

    def limits_of(lang: str) -> Limits:
        if lang not in cache:
            cache[lang] = limits(profile, lang, fps)
        return cache[lang]

    langs = tuple(dict.fromkeys(lang for cue in cues for lang, _ in cue.lines))
    timing = limits_of(timing_lang)
    found: list[Violation] = []
    previous: LintCue | None = None
    within = timed = 0
    for cue in cues:
        ctx = CueContext(cue, previous, timing, limits_of, len(langs) > 1, slack_ms)
        for rule in RULES:
            for measured, limit, message in rule.check(ctx):
                found.append(
                    Violation(
                        cue.number, cue.start_ms, rule.id, measured, limit, rule.hard, message
                    )
                )
        text_langs = cue.by_lang()
        if cue.duration_ms > 0 and text_langs:
            timed += 1
            within += all(cue_cps(cue, lang) <= limits_of(lang).max_cps for lang in text_langs)
        if previous is None or cue.end_ms >= previous.end_ms:
            previous = cue
    share = within / timed if timed else 1.0
    return LintResult(tuple(found), len(cues), share, langs, profile)


def lint_track(
    track: Track, lang: str | None = None, profile: str = "netflix", fps: float = 24.0
) -> LintResult:
    """Lint an in-memory track; each language is checked against its own limits.

    Args:
        track: the cues.
        lang: the language of lines whose key names none (``""``, ``"und"``); a track's own
            language codes always win, so a bilingual track passed with its target language
            still has its source lines checked as the source language.
        profile: ``netflix`` or ``bbc``.
        fps: frame rate for the gap rule.

    Raises:
        ConfigError: for an unknown profile.
    """
    fallback = lang or "en"

    def key(code: str) -> str:
        return fallback if code in ("", "und") else code

    cues = [
        LintCue(
            i,
            cue.start_ms,
            cue.end_ms,
            tuple((key(code), text) for code in _order(cue, track) for text in cue.lines[code]),
        )
        for i, cue in enumerate(track.cues, start=1)
    ]
    primary = key(track.langs[0]) if track.langs else fallback
    return lint_cues(cues, profile, fps, primary)


def _order(cue: Cue, track: Track) -> list[str]:
    return [
        *(c for c in track.langs if c in cue.lines),
        *(c for c in cue.lines if c not in track.langs),
    ]


def lint_file(
    path: Path | str, lang: str | None = None, profile: str = "netflix", fps: float = 24.0
) -> LintResult:
    """Read an SRT, VTT or ASS file and lint it.

    Args:
        path: the subtitle file.
        lang: the language of the file's lines (others in another script keep their own);
            None guesses every line's language from its script.
        profile: ``netflix`` or ``bbc``.
        fps: frame rate for the gap rule.

    Raises:
        SubtitleFormatError: when the file cannot be read or is malformed (names file and line).
        ConfigError: for an unknown profile.
    """
    fmt, raw = read_subtitles(Path(path))
    return _lint_raw(raw, lang, profile, fps, RESOLUTION_MS[fmt] - 1)


def _lint_raw(
    raw: Sequence[RawCue], lang: str | None, profile: str, fps: float, slack_ms: int
) -> LintResult:
    from pipeline.transcript.lang import detect_lang, dominant_lang

    every = [line for _, _, lines in raw for line in lines]
    dominant = lang or dominant_lang(every)
    cues: list[LintCue] = []
    for number, (start, end, lines) in enumerate(raw, start=1):
        detected = [_line_lang(line, detect_lang) for line in lines]
        cue_default = next((d for d in detected if d), dominant)
        assigned = [_as_lang(d or cue_default, lang) for d in detected]
        cues.append(LintCue(number, start, end, tuple(zip(assigned, lines, strict=True))))
    return lint_cues(cues, profile, fps, dominant, slack_ms=slack_ms)


def _line_lang(line: str, detect: Callable[[str, str], str]) -> str:
    """The language of one subtitle line: any CJK character makes it a CJK line.

    A Chinese subtitle line may be mostly an English term ("的 pre-training,"); an English line
    never holds Han characters, so script presence decides, not majority.
    """
    found = detect(line, "")
    if is_cjk(found):
        return found
    cjk = CJK_CHAR.findall(line)
    return detect("".join(cjk), "") if cjk else found


def script_family(lang: str) -> str:
    """The code :func:`~pipeline.transcript.lang.detect_lang` gives text in ``lang``'s script.

    >>> script_family("zh-Hans"), script_family("uk"), script_family("fr")
    ('zh', 'ru', 'en')
    """
    base = base_lang(lang)
    if base in _CYRILLIC:
        return "ru"
    if base in _CJK_SCRIPT:
        return _CJK_SCRIPT[base]
    return base if base in ("el", "ar", "he", "hi", "th") else "en"


def _as_lang(detected: str, given: str | None) -> str:
    """A line's language: the given one when the line is in its script, else the detected one."""
    if given is not None and script_family(given) == detected:
        return given
    return detected


__all__ = [
    "RULES",
    "LintCue",
    "LintResult",
    "Rule",
    "Violation",
    "lint_cues",
    "lint_file",
    "lint_track",
]
