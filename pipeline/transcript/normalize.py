"""Text normalisation for matching transcript words against recognised words.

Both sides go through the same function, so "2024" in the transcript meets
"twenty twenty-four" from Whisper (and the reverse), "50%" meets "fifty
percent", "don't" meets "dont". A display word can expand to several matching
tokens; the aligner keeps track of which word each token came from.

>>> word_keys("2024,")
['twenty', 'twenty', 'four']
>>> word_keys("50%")
['fifty', 'percent']
>>> word_keys("Don't")
['dont']
>>> word_keys("$3.50")
['three', 'point', 'five', 'zero', 'dollars']
>>> word_keys("3rd")
['third']
>>> word_keys("well-known")
['well', 'known']
>>> word_keys("字幕")
['字', '幕']
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pipeline.lang import CJK_CHAR

# Spelling variants that ASR and human transcribers disagree on; both map to one key.
EQUIVALENTS: dict[str, str] = {
    "okay": "ok",
    "alright": "all right",
    "percent": "percent",
    "per cent": "percent",
    "mr": "mister",
    "mrs": "missus",
    "dr": "doctor",
    "vs": "versus",
    "&": "and",
    "gonna": "going to",
    "wanna": "want to",
    "yeah": "yeah",
    "yep": "yeah",
}

CURRENCY: dict[str, str] = {"$": "dollars", "€": "euros", "£": "pounds", "¥": "yen"}

_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")
_NUMBER = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_SPLIT = re.compile(r"[\s\-\u2010-\u2015/]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_STRIP = re.compile(r"[^\w']+", re.UNICODE)


def _number_words(token: str) -> list[str] | None:
    """Spell out a digit token; None when it is not a number."""
    from num2words import num2words

    ordinal = _ORDINAL.match(token)
    if ordinal:
        return _words(str(num2words(int(ordinal.group(1)), to="ordinal")))
    match = _NUMBER.match(token)
    if match is None:
        return None
    whole = int(match.group(1).replace(",", ""))
    frac = match.group(2)
    if frac is not None:
        spoken = [*_words(str(num2words(whole))), "point"]
        spoken += [_words(str(num2words(int(d))))[0] for d in frac]
        return spoken
    if len(match.group(1)) == 4 and 1100 <= whole <= 2099 and whole % 1000 >= 10:
        # Four-digit numbers in speech are nearly always years: "twenty twenty-four".
        return _words(str(num2words(whole, to="year")))
    return _words(str(num2words(whole)))


def _words(text: str) -> list[str]:
    text = text.replace(" and ", " ").replace(",", " ")
    return [w for w in _SPLIT.split(text.lower()) if w and w != "and"] or [text]


@lru_cache(maxsize=65536)
def _keys(word: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKC", word).translate(_APOSTROPHES).lower().strip()
    out: list[str] = []
    for part in _SPLIT.split(text):
        if not part:
            continue
        out.extend(_part_keys(part))
    return tuple(out)


def _part_keys(part: str) -> list[str]:
    if CJK_CHAR.search(part):
        # Han and kana: one matching token per character, so "字幕" meets "字 幕".
        return [ch for ch in part if CJK_CHAR.match(ch) or ch.isalnum()]
    suffix: list[str] = []
    core = part.strip('.,;:!?"()[]{}<>«»“”„…')
    if not core:
        return []
    if core[0] in CURRENCY:
        suffix.append(CURRENCY[core[0]])
        core = core[1:]
    if core.endswith("%"):
        suffix.insert(0, "percent")
        core = core[:-1]
    spoken = _number_words(core) if core[:1].isdigit() else None
    if spoken is not None:
        return spoken + suffix
    core = _STRIP.sub("", core).replace("'", "")
    if not core:
        return suffix
    mapped = EQUIVALENTS.get(core, core)
    return mapped.split() + suffix


def word_keys(word: str) -> list[str]:
    """Matching tokens of one display word (lower case, no punctuation, numbers spelled out)."""
    return list(_keys(word))
