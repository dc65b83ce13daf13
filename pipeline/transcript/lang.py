"""Language of a piece of text, decided from its script.

Why not a statistical language identifier: transcripts here mix scripts in known
ways (Chinese translations keep English terms like "RL" or "eval"; English text
quotes a name in Han characters rarely), and per-turn decisions on short lines
need to be stable and explainable. Script counts do that; the rules below are the
whole model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.lang import HAN_CHAR, HANGUL, KANA

_KANA = re.compile(f"[{KANA}]")
#: Hangul syllables and the conjoining jamo (U+1100-11FF) a decomposed (NFD) syllable is
#: written in: Korean either way.
_HANGUL = re.compile(f"[{HANGUL}\u1100-\u11ff]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")

#: Alphabetic scripts, counted in words (Thai, written without spaces, in runs of
#: about three letters). Latin is read as English: the pipeline's source language.
WORD_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("en", _LATIN_WORD),
    ("ru", re.compile(r"[\u0400-\u04ff]+")),
    ("el", re.compile(r"[\u0370-\u03ff]+")),
    ("ar", re.compile(r"[\u0600-\u06ff]+")),
    ("he", re.compile(r"[\u0590-\u05ff]+")),
    ("hi", re.compile(r"[\u0900-\u097f]+")),
    ("th", re.compile(r"[\u0e00-\u0e7f]{1,3}")),
)

#: A Han character carries about as much as a short English word; Chinese text is
#: zh once its Han characters reach this share of the Latin words next to them, so
#: "所以 RL 的 reward hacking" (4 Han, 3 words) stays zh.
HAN_PER_LATIN_WORD = 0.4
#: Kana marks Japanese even beside Han characters.
MIN_KANA_SHARE = 0.1


def detect_lang(text: str, default: str = "en") -> str:
    """BCP-47 code of ``text`` by script: zh, ja, ko, ru or en; ``default`` when no letters.

    >>> detect_lang("Ilya,非常感谢你。")
    'zh'
    >>> detect_lang("Что ты имеешь в виду?")
    'ru'
    >>> detect_lang("Meaning what?")
    'en'
    """
    han = len(HAN_CHAR.findall(text))
    kana = len(_KANA.findall(text))
    hangul = len(_HANGUL.findall(text))
    if han or kana or hangul:
        cjk = han + kana + hangul
        words = len(_LATIN_WORD.findall(text))
        if cjk >= max(2.0, HAN_PER_LATIN_WORD * words) or (cjk and not words):
            if kana and kana >= MIN_KANA_SHARE * cjk:
                return "ja"
            if hangul > han:
                return "ko"
            return "zh"
    # Words, not letters: "Это про AI и Bay Area" is Russian with English names in it.
    counts = {lang: len(rx.findall(text)) for lang, rx in WORD_SCRIPTS}
    best = max(counts, key=lambda lang: counts[lang])
    if counts[best]:
        # On a tie the non-Latin script wins: Latin words are the usual borrowings.
        if best == "en" and any(n == counts["en"] for lang, n in counts.items() if lang != "en"):
            return next(lang for lang, n in counts.items() if lang != "en" and n == counts["en"])
        return best
    return default


def dominant_lang(texts: Iterable[str], default: str = "en") -> str:
    """The language most of ``texts`` (weighted by length) are in."""
    weight: dict[str, int] = {}
    for text in texts:
        lang = detect_lang(text, "")
        if lang:
            weight[lang] = weight.get(lang, 0) + len(text)
    return max(weight, key=lambda lang: weight[lang]) if weight else default
