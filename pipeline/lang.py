"""Language codes and scripts: the one place that says what counts as CJK text.

Codes are BCP-47 (``en``, ``zh-Hans``, ``pt_BR`` is accepted too); what the pipeline
compares is the primary subtag. The character classes are bodies for ``[...]`` in a
regular expression, so a module can combine them (``f"[^\\s{HAN}]"``).

>>> base_lang("zh-Hans"), is_cjk("ja"), is_cjk("ru")
('zh', True, False)
>>> bool(CJK_CHAR.search("我希望 eval")), bool(HAN_CHAR.search("ひらがな"))
(True, False)
"""

from __future__ import annotations

import re

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs (ext. A, unified, compatibility)
KANA = "\u3040-\u30ff"  # hiragana and katakana
HANGUL = "\uac00-\ud7af"  # hangul syllables
CJK = HAN + KANA + HANGUL  # scripts written without spaces between words

CJK_CHAR = re.compile(f"[{CJK}]")
HAN_CHAR = re.compile(f"[{HAN}]")

CJK_LANGS = frozenset({"zh", "ja", "ko", "yue"})

#: A language code as it stands in a file name: ``zh``, ``pt-BR``, ``zh_Hans``, or a stacked
#: track's ``en-zh``.
CODE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")


def base_lang(lang: str) -> str:
    """The primary subtag of a language code: ``zh-Hans`` -> ``zh``, ``pt_BR`` -> ``pt``."""
    return lang.split("-")[0].split("_")[0].lower()


def is_code(text: str) -> bool:
    """Whether ``text`` reads as a language (or stacked track) code: ``ep1.zh.txt``'s ``zh``.

    >>> is_code("zh"), is_code("en-zh"), is_code("pt-BR"), is_code("words"), is_code("final")
    (True, True, True, False, False)
    """
    return CODE.match(text) is not None


def is_cjk(lang: str) -> bool:
    """Whether ``lang`` is written without spaces between words."""
    return base_lang(lang) in CJK_LANGS
