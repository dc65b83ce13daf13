"""TTML in the IMSC 1.1 Text Profile (.ttml) through ttconv.

The document is built as a ttconv content model and serialised by ttconv's IMSC writer, so the
XML (namespaces, escaping of ``&`` and ``<``, time expressions, styling attributes) is the
library's, not ours. It declares the IMSC 1.1 Text profile in ``ttp:contentProfiles`` and writes
times as clock time with milliseconds (``HH:MM:SS.mmm``), so begin and end are the SRT's to the
millisecond; frame-based time would round them to the frame.

Layout, for a 1920x1080 frame or any other: one region, ``bottom``, over the central 80 % of the
frame (the 10 % title-safe margin on every side, as ttconv's own SRT reader and most delivery
specs use), text aligned to its bottom edge (``displayAlign after``) and centred; the document's
active area is that region. Cell resolution stays IMSC's default (32x15, so it is not written):
delivery specs such as Netflix's ask not to set it, nor colours, and players style the rest.

A cue is one ``<p>`` holding every line: each line a ``<span>``, lines separated by ``<br/>``,
source lines above the translation lines, as the SRT item has them. One paragraph per cue, not
one per language, keeps what SRT shows: one block that grows upwards from the bottom of the
region however many lines each language has, and one timed event per cue. The document's
``xml:lang`` is the track's first language; in a bilingual track every span carries its own
``xml:lang`` (ttconv's writer only writes it on ``<tt>``, so it is added to the elements ttconv
produced, each checked against the line it should hold). Speakers are not written (TTML's
``ttm:agent`` is optional and ttconv's model has no place for it).
"""

from __future__ import annotations

import xml.etree.ElementTree as et
from fractions import Fraction

from ttconv import model
from ttconv import style_properties as styles
from ttconv.imsc import config as imsc_config
from ttconv.imsc import designators
from ttconv.imsc import namespaces as ns
from ttconv.imsc import writer as imsc_writer

from pipeline.errors import SubtitleFormatError
from pipeline.model import Track
from pipeline.subtitles.formats.base import Writer, stacked_lines

#: ``ttp:contentProfiles`` of every document written.
PROFILE = designators.IMSC_11_TEXT_PROFILE_DESIGNATOR
REGION_ID = "bottom"
SAFE_MARGIN_PCT = 10  # per cent of the frame on each side

_CONFIG = imsc_config.IMSCWriterConfiguration(
    time_format=imsc_config.TimeExpressionSyntaxEnum.clock_time,
    profile_signaling=imsc_config.ContentProfilesSignaling.CONTENT_PROFILES,
)
_SPAN = f"{{{ns.TTML}}}span"
_P = f"{{{ns.TTML}}}p"
_XML_LANG = f"{{{ns.XML}}}lang"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _pct(value: float) -> styles.LengthType:
    return styles.LengthType(value, styles.LengthType.Units.pct)


def _region(doc: model.ContentDocument) -> model.Region:
    """The bottom-centred region inside the title-safe area."""
    region = model.Region(REGION_ID, doc)
    inner = 100 - 2 * SAFE_MARGIN_PCT
    region.set_style(
        styles.StyleProperties.Origin,
        styles.CoordinateType(x=_pct(SAFE_MARGIN_PCT), y=_pct(SAFE_MARGIN_PCT)),
    )
    region.set_style(
        styles.StyleProperties.Extent, styles.ExtentType(height=_pct(inner), width=_pct(inner))
    )
    region.set_style(styles.StyleProperties.DisplayAlign, styles.DisplayAlignType.after)
    region.set_style(styles.StyleProperties.TextAlign, styles.TextAlignType.center)
    doc.put_region(region)
    return region


def _seconds(ms: int) -> Fraction:
    return Fraction(ms, 1000)


def build(track: Track) -> tuple[model.ContentDocument, list[tuple[str, str]]]:
    """The ttconv document of ``track``, and ``(lang, line)`` of its spans in document order."""
    doc = model.ContentDocument()
    doc.set_lang(track.langs[0] if track.langs else "")
    doc.set_content_profiles({PROFILE})
    margin = SAFE_MARGIN_PCT / 100
    doc.set_active_area(model.ActiveAreaType(margin, margin, 1 - 2 * margin, 1 - 2 * margin))
    region = _region(doc)
    body = model.Body(doc)
    doc.set_body(body)
    div = model.Div(doc)
    body.push_child(div)
    spans: list[tuple[str, str]] = []
    for cue in track.cues:
        p = model.P(doc)
        p.set_region(region)
        p.set_begin(_seconds(cue.start_ms))
        p.set_end(_seconds(cue.end_ms))
        for number, (lang, line) in enumerate(stacked_lines(cue, track.langs)):
            if number:
                p.push_child(model.Br(doc))
            span = model.Span(doc)
            span.set_lang(lang)
            span.push_child(model.Text(doc, line))
            p.push_child(span)
            spans.append((lang, line))
        div.push_child(p)
    return doc, spans


def _tag_languages(
    root: et.Element, spans: list[tuple[str, str]], doc_lang: str, mark: bool
) -> None:
    """Write ``xml:lang`` on the span elements ttconv wrote (it keeps the language only on tt).

    ``mark``: every span gets its code (a bilingual track); otherwise only spans whose language
    differs from the document's.
    """
    written = list(root.iter(_SPAN))
    if len(written) != len(spans) or any(
        (el.text or "") != line for el, (_, line) in zip(written, spans, strict=True)
    ):
        raise SubtitleFormatError(
            "ttconv wrote the TTML spans differently from the track's lines",
            hint="the ttconv version may have changed how it writes spans",
        )
    for el, (lang, _) in zip(written, spans, strict=True):
        if mark or lang != doc_lang:
            el.set(_XML_LANG, lang)


def _layout(root: et.Element) -> None:
    """One element per line in the file, but nothing added inside a ``<p>``.

    Whitespace between a paragraph's spans would be text the renderer shows (a space at the
    start of each line), so only the structure outside paragraphs is indented.
    """
    et.indent(root, space="  ")
    for p in root.iter(_P):
        p.text = None
        for child in p:
            child.tail = None


def render(track: Track) -> str:
    """The TTML (IMSC 1.1 Text) text of ``track``, UTF-8 with an XML declaration."""
    doc, spans = build(track)
    tree: et.ElementTree = imsc_writer.from_model(doc, _CONFIG)
    root = tree.getroot()
    if root is None:  # pragma: no cover - ttconv always returns a tt element
        raise SubtitleFormatError("ttconv wrote no TTML document")
    _tag_languages(root, spans, doc.get_lang(), mark=len(track.langs) > 1)
    _layout(root)
    return _DECLARATION + et.tostring(root, encoding="unicode") + "\n"


WRITER = Writer("ttml", "ttml", render, "TTML, IMSC 1.1 Text: bottom-centred, xml:lang spans")
