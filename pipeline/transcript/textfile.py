"""Bytes on disk to text: encoding detection, BOMs and line endings.

Transcripts arrive from web pages, Windows editors and old Chinese or Russian
tools, so UTF-8 is only the most common case. We trust a BOM first, then strict
UTF-8 (which almost never decodes legacy text by accident), then UTF-16 without a
BOM (recognised by its zero bytes), and only then ask charset-normalizer, whose
guess we sanity-check because short GBK snippets are easily misread as other
CJK code pages. Anything that still looks binary is refused with a clear error
instead of being parsed into garbage turns.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import TranscriptParseError

log = logging.getLogger(__name__)

#: (BOM bytes, codec) in the order they must be tested: UTF-32 LE starts with the UTF-16 LE BOM.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Legacy codecs tried, in order, when charset-normalizer has no confident answer.
#: GB18030 is a superset of GBK and GB2312; CP1251 is the Windows Cyrillic page.
LEGACY_FALLBACKS: tuple[str, ...] = ("gb18030", "cp1251")

#: Share of control characters above which decoded "text" is really binary data.
MAX_CONTROL_SHARE = 0.02

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
#: Only the basic block of CJK ideographs, narrower than :data:`pipeline.lang.HAN` on purpose:
#: it scores a GB18030 reading against another codec's, and a Korean code page misread
#: gives compatibility ideographs (U+F900-FAFF), which must not count for it.
_UNIFIED_HAN = re.compile(r"[\u4e00-\u9fff]")

_VOWELS = frozenset("aeiouyAEIOUY")

#: Latin single-byte pages charset-normalizer often confuses on short text, and the accented
#: letters common in the languages each one is for. Bytes above 0x7F decode differently in
#: each page; the page whose reading gives its own languages' letters is the file's.
LATIN_PAGES: dict[str, str] = {
    "cp1252": "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœßšž"  # French, German, Spanish, Portuguese, ...
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŸŒŠŽ¿¡",
    "cp1250": "áäçéëíóôöúüýąćčďęěĺľłńňőŕřśšťůűźżž"  # Czech, Polish, Hungarian, Slovak, ...
    "ÁÄÇÉËÍÓÔÖÚÜÝĄĆČĎĘĚĹĽŁŃŇŐŔŘŚŠŤŮŰŹŻŽ",
    "cp1257": "äåæõöüąćčēėęģīįķļłņńōšśūųźżž"  # Baltic
    "ÄÅÆÕÖÜĄĆČĒĖĘĢĪĮĶĻŁŅŃŌŠŚŪŲŹŻŽ",
}


@dataclass(frozen=True, slots=True)
class DecodedText:
    """A decoded file: text with ``\\n`` line endings and the codec's canonical name."""

    text: str
    encoding: str


def split_lines(text: str) -> list[str]:
    """Split on CRLF, CR or LF only, so line numbers match what editors show.

    ``str.splitlines`` would also break on form feeds and U+2028, which shifts
    every later line number.

    >>> split_lines("a\\r\\nb\\rc\\nd")
    ['a', 'b', 'c', 'd']
    """
    return _LINE_BREAK.split(text)


def read_text(path: Path) -> DecodedText:
    """Read and decode a transcript file.

    Raises:
        TranscriptParseError: when the file is missing, unreadable, empty or binary.
    """
    try:
        data = path.read_bytes()
    except OSError as err:
        raise TranscriptParseError(
            f"cannot read transcript ({err.strerror or err})",
            path=path,
            hint="check the path and its permissions",
        ) from err
    return decode_bytes(data, path)


def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> DecodedText:
    """Decode ``data`` to text with normalised line endings.

    Raises:
        TranscriptParseError: when the data is empty, blank or binary.
    """
    if not data.strip():
        raise TranscriptParseError(
            "transcript is empty", path=path, hint="give a file that holds the transcript text"
        )
    text, encoding = _decode(data, path)
    log.info("%s: decoded as %s", path, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise TranscriptParseError(
            "transcript is empty", path=path, hint="give a file that holds the transcript text"
        )
    if len(_CONTROL.findall(text)) > MAX_CONTROL_SHARE * len(text):
        raise TranscriptParseError(
            f"file looks binary, not text (decoded as {encoding})",
            path=path,
            hint="give a plain-text, SRT, VTT or JSON transcript",
        )
    return DecodedText("\n".join(split_lines(text)), encoding)


def _canonical(codec: str) -> str:
    return codecs.lookup(codec).name


def _decode(data: bytes, path: Path | str) -> tuple[str, str]:
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).removeprefix("\ufeff"), _canonical(codec)
            except UnicodeDecodeError as err:
                raise _undecodable(path, codec, err) from err
    # Zero bytes are valid UTF-8, so BOM-less UTF-16 must be recognised first.
    utf16 = _bomless_utf16(data) if b"\x00" in data else None
    if utf16 is not None:
        try:
            return data.decode(utf16), _canonical(utf16)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise TranscriptParseError(
            "file looks binary, not text (it holds zero bytes)",
            path=path,
            hint="give a plain-text, SRT, VTT or JSON transcript",
        )
    return _decode_legacy(data, path)


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: recognised by where its zero bytes fall.

    ASCII-heavy text has a zero in every other byte; CJK-heavy text has few zeros,
    but its line breaks still decode to real newlines in the right byte order only.
    """
    sample = data[:4096]
    if len(sample) < 4 or len(data) % 2:
        return None
    half = len(sample) / 2
    even, odd = sample[0::2].count(0) / half, sample[1::2].count(0) / half
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    for codec, newline in (("utf-16-le", b"\n\x00"), ("utf-16-be", b"\x00\n")):
        aligned = [i for i in range(0, len(sample) - 1, 2) if sample[i : i + 2] == newline]
        if aligned:
            try:
                data.decode(codec)
            except UnicodeDecodeError:
                continue
            return codec
    return None


def _decode_legacy(data: bytes, path: Path | str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    candidates: list[str] = []
    if best is not None and best.encoding:
        candidates.append(best.encoding)
    candidates.extend(LEGACY_FALLBACKS)
    decoded: list[tuple[str, str]] = []
    for codec in candidates:
        try:
            decoded.append((data.decode(codec), _canonical(codec)))
        except (UnicodeDecodeError, LookupError):
            continue
    if not decoded:
        raise TranscriptParseError(
            "cannot detect the text encoding",
            path=path,
            hint="save the file as UTF-8",
        )
    # charset-normalizer may call short GBK text Big5, Shift-JIS or a Latin page;
    # when GB18030 yields clearly more common Han characters, believe it.
    first_text, first_codec = decoded[0]
    if first_codec in LATIN_PAGES or first_codec.startswith("iso8859"):
        first_text, first_codec = _best_latin(data, first_text, first_codec)
    for text, codec in decoded[1:]:
        if codec == "gb18030" and _han_share(text) > _han_share(first_text) + 0.2:
            return text, codec
    return first_text, first_codec


def _latin_score(text: str, codec: str) -> int:
    """Accented letters of the page's own languages, minus the other non-ASCII letters.

    A misread byte also shows in its neighbours: a lowercase accented letter glued to the
    capital after it ("żDónde" for "¿Dónde"), or Polish "ń" before a vowel ("nińo").
    """
    own = LATIN_PAGES.get(codec, "")
    score = 0
    for k, ch in enumerate(text):
        if ord(ch) > 127 and ch.isalpha():
            score += 1 if ch in own else -1
            after = text[k + 1 : k + 2]
            if ch.islower() and after.isupper():
                score -= 2
            if ch == "ń" and after in _VOWELS:
                score -= 2
    return score


def _best_latin(data: bytes, text: str, codec: str) -> tuple[str, str]:
    """The Latin page whose reading of the bytes gives its own languages' letters.

    charset-normalizer reads short French as CP1257 and German or Portuguese as CP1250
    (Maïa becomes Maďa); the letters themselves say which page the file was written in.
    The detector's answer stands on a tie.
    """
    best = (_latin_score(text, codec), text, codec)
    for page in LATIN_PAGES:
        if page == codec:
            continue
        try:
            candidate = data.decode(page)
        except UnicodeDecodeError:
            continue
        score = _latin_score(candidate, page)
        if score > best[0]:
            best = (score, candidate, page)
    return best[1], best[2]


def _han_share(text: str) -> float:
    letters = sum(1 for ch in text if ch.isalpha())
    return len(_UNIFIED_HAN.findall(text)) / letters if letters else 0.0


def _undecodable(path: Path | str, codec: str, err: UnicodeDecodeError) -> TranscriptParseError:
    return TranscriptParseError(
        f"file starts with a {codec} byte-order mark but does not decode as {codec} "
        f"(byte {err.start})",
        path=path,
        hint="re-save the file as UTF-8",
    )
