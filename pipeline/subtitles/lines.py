"""Where a subtitle may break: units of text, the cost of a break between two units, line wrapping.

A *unit* is the smallest piece a break may not split: a word in English or Russian, a word of
jieba's segmentation in Chinese (so a break never falls inside a Chinese word), with any trailing
punctuation attached. The cost of breaking after a unit encodes the style guides' advice: break
after sentence and clause punctuation and before conjunctions and prepositions; never between an
article and its noun, a first and last name, or a pronoun and its verb.

>>> units = text_units("I think that the answer is no, but we will see.", "en")
>>> break_lines(units, "en", 24)
('I think that the answer', 'is no, but we will see.')
>>> break_lines(units, "en", 30)
('I think that the answer is no,', 'but we will see.')
>>> "".join(u.sep + u.text for u in text_units("我们今天讨论人工智能，还有它的未来。", "zh"))
'我们今天讨论人工智能，还有它的未来。'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pipeline.lang import CJK_CHAR, base_lang, is_cjk
from pipeline.subtitles.rules import display_width, line_length

SENTENCE_END = re.compile(r"[.?!…。！？]+[\"'”’»)）」』\]]*$")
CLAUSE_END = re.compile(r"[,;:，、；：—–]+[\"'”’»)）」』\]]*$|\s[-–—]$")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")

# Words a line or cue should not end on (the next word belongs to them), by language.
_HOLD_NEXT = {
    "en": frozenset(
        "a an the this that these those my your his her its our their some any no every each "
        "of to in on at for with from by into onto about over under after before between "
        "through during without within i you he she it we they mr mrs ms dr st not very".split()
    ),
    "ru": frozenset(
        "в во на с со к ко по о об обо от до из за у для без под над при про через "
        "я ты он она оно мы вы они не ни этот эта это эти мой моя моё мои".split()
    ),
}
# Words a line or cue may start with: breaking before a conjunction is good, before a
# preposition a little less so.
_CONJ = {
    "en": frozenset(
        "and but or nor so yet because although though while if when where which who whom "
        "whose whether since unless until than".split()
    ),
    "ru": frozenset(
        "и а но или что чтобы если когда потому поэтому хотя пока где который которая "
        "которые".split()
    ),
    "zh": frozenset(
        "但是 但 因为 所以 而且 如果 然后 或者 还是 并且 "
        "可是 不过 虽然 因此 于是 以及 而 和 与 就是".split()
    ),
}
_PREP = {
    "en": frozenset(
        "as like of to in on at for with from by into about over under after before between "
        "through during without within".split()
    ),
    "ru": frozenset("в во на с со к по о об от до из за для без под над при про через".split()),
}

# Break costs (arbitrary units; lower is better).
COST_SENTENCE = 0.0
COST_CLAUSE = 1.0
COST_BEFORE_CONJ = 2.0
COST_BEFORE_PREP = 3.0
COST_PLAIN = 4.0
COST_BAD = 20.0


@dataclass(frozen=True, slots=True)
class Unit:
    """An unbreakable piece of text.

    Attributes:
        text: the piece, punctuation attached, without surrounding spaces.
        sep: what joins it to the previous unit on the same line ("" or " ").
        start_ms: when it is spoken (or an estimate for untimed text).
        end_ms: when it ends.
    """

    text: str
    sep: str = " "
    start_ms: int = 0
    end_ms: int = 0


@lru_cache(maxsize=1)
def _jieba() -> object:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _ascii_word(tok: str) -> bool:
    return tok.isascii() and not tok.isspace()


def _cjk_tokens(text: str) -> list[tuple[str, str]]:
    """(separator, token) pairs of jieba's segmentation; spaces and punctuation stay attached."""
    jieba = _jieba()
    out: list[tuple[str, str]] = []
    pending_sep = ""
    for tok in jieba.lcut(text, HMM=True):  # type: ignore[attr-defined]
        if tok.isspace():
            pending_sep = " "
            continue
        if out and _PUNCT_ONLY.match(tok) and not pending_sep:
            sep, prev = out[-1]
            out[-1] = (sep, prev + tok)
            continue
        if out and not pending_sep and _ascii_word(tok) and _ascii_word(out[-1][1]):
            sep, prev = out[-1]  # jieba splits "pre-training" and "GPT-4": keep them whole
            out[-1] = (sep, prev + tok)
            continue
        out.append((pending_sep if out else "", tok))
        pending_sep = ""
    return out


def text_units(text: str, lang: str) -> list[Unit]:
    """Split ``text`` into units for ``lang`` (times left at 0)."""
    if is_cjk(lang):
        return [Unit(tok, sep) for sep, tok in _cjk_tokens(text)]
    units: list[Unit] = []
    for tok in text.split():
        if units and _PUNCT_ONLY.match(tok) and tok not in {"-", "–", "—"}:
            units[-1] = Unit(units[-1].text + " " + tok, units[-1].sep)
        else:
            units.append(Unit(tok, " " if units else ""))
    return units


def join_sep(prev: str, nxt: str, lang: str) -> str:
    """Separator between two words that came as separate tokens (e.g. ASR words)."""
    if not is_cjk(lang):
        return " "
    if prev and nxt and prev[-1].isascii() and nxt[0].isascii() and nxt[0].isalnum():
        return " "
    return ""


def _bare(word: str) -> str:
    return re.sub(r"[\W_]+", "", word.lower())


def break_cost(left: Unit, right: Unit, lang: str) -> float:
    """Cost of a break (line or cue) between ``left`` and ``right``.

    >>> break_cost(Unit("end."), Unit("Then"), "en") < break_cost(Unit("the"), Unit("cat"), "en")
    True
    """
    base = base_lang(lang)
    if SENTENCE_END.search(left.text):
        return COST_SENTENCE
    if CLAUSE_END.search(left.text):
        return COST_CLAUSE
    lw, rw = _bare(left.text), _bare(right.text)
    if lw in _HOLD_NEXT.get(base, ()):
        return COST_BAD
    if (
        not is_cjk(base)
        and left.text[:1].isupper()
        and right.text[:1].isupper()
        and lw not in {"i"}
        and right.text[:1].isalpha()
    ):
        return COST_BAD  # a name: "Maya Chen", "New York"
    if is_cjk(base):
        if left.text[-1:].isascii() and left.text[-1:].isalnum() and right.text[:1].isascii():
            return COST_BAD  # inside an English phrase in Chinese text: "value | function"
        if any(right.text.startswith(w) for w in _CONJ["zh"]):
            return COST_BEFORE_CONJ
        return COST_PLAIN
    if rw in _CONJ.get(base, ()):
        return COST_BEFORE_CONJ
    if rw in _PREP.get(base, ()):
        return COST_BEFORE_PREP
    return COST_PLAIN


def line_text(units: Sequence[Unit]) -> str:
    """The display text of ``units`` on one line."""
    if not units:
        return ""
    return (units[0].text + "".join(u.sep + u.text for u in units[1:])).strip()


def _widths(units: Sequence[Unit]) -> list[int]:
    return [display_width(u.text) for u in units]


def _has_cjk(units: Sequence[Unit]) -> bool:
    return any(CJK_CHAR.search(u.text) for u in units)


def best_split(
    units: Sequence[Unit], lang: str, max_chars: int, costs: Sequence[float] | None = None
) -> tuple[float, int] | None:
    """Best two-line split of ``units``: (cost, index of the first unit of line 2), or None.

    The cost adds the break cost and a penalty for unbalanced lines (a slightly longer second
    line, the usual "pyramid", is free). Linear in the number of units. ``costs[k]``, when
    given, is :func:`break_cost` of the break before ``units[k]`` (callers that try many
    spans of one text compute them once).
    """
    n = len(units)
    if n < 2:
        return None
    widths = _widths(units)
    seps = [0] + [len(u.sep) for u in units[1:]]
    cjk = is_cjk(lang)

    def measure(width: int) -> int:
        return -(-width // 2) if cjk else width

    full = sum(widths) + sum(seps)
    total = measure(full)
    best: tuple[float, int] | None = None
    top_w = 0
    for k in range(1, n):
        top_w += widths[k - 1] + (seps[k - 1] if k > 1 else 0)
        top = measure(top_w)
        if top > max_chars:
            break
        bottom = measure(full - top_w - seps[k])
        if bottom > max_chars:
            continue
        imbalance = (top - bottom) / max(total, 1)
        shape = 3.0 * imbalance if imbalance > 0 else 1.5 * -imbalance
        before = costs[k] if costs is not None else break_cost(units[k - 1], units[k], lang)
        cost = before + shape
        if cjk and not (_has_cjk(units[:k]) and _has_cjk(units[k:])):
            cost += COST_BAD  # a Chinese line of English words alone reads as the source line
        if best is None or cost < best[0]:
            best = (cost, k)
    return best


def break_lines(units: Sequence[Unit], lang: str, max_chars: int) -> tuple[str, ...]:
    """Lines for ``units``: one line when it fits, else the best two; a longer text is wrapped
    greedily (segmentation keeps cues short enough that this never happens in our own output)."""
    whole = line_text(units)
    if line_length(whole, lang) <= max_chars:
        return (whole,) if whole else ()
    split = best_split(units, lang, max_chars)
    if split is not None:
        k = split[1]
        return (line_text(units[:k]), line_text(units[k:]))
    lines: list[str] = []
    current: list[Unit] = []
    for unit in units:
        if current and line_length(line_text([*current, unit]), lang) > max_chars:
            lines.append(line_text(current))
            current = []
        current.append(unit)
    if current:
        lines.append(line_text(current))
    return tuple(lines)
