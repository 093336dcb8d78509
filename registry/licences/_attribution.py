"""Attribution: the credit line a record's licence asks for, as text and as HTML.

Follows Creative Commons' recommended practice, TASL: Title, Author, Source, Licence::

    "Kaart van Utrecht" by Jansen, Jan, Het Utrechts Archief is licensed under CC BY 4.0.
    Source: https://example.org/kaart

Works under a public-domain tool are "marked with" it (attribution is then a courtesy);
works in copyright, or with no known licence, get their rights statement instead of a
licence. When the publisher says how it wants to be credited, its words are the credit.
"""

from __future__ import annotations

from html import escape
from typing import Literal
from urllib.parse import quote

from registry.licences._normalise import licence_by_uri
from registry.models import Attribution, IPOffer, LicenceRef, Work

__all__ = ["attribution", "source_link"]

_MAX_NAMES = 3
_Style = Literal["licensed", "marked", "rights"]


def _is_web_link(value: str | None) -> bool:
    return bool(value) and str(value).strip().lower().startswith(("http://", "https://"))


def source_link(record: Work | IPOffer, *, base_uri: str) -> str:
    """Where the work is: its landing page, else its first web identifier, else its registry page."""
    if record.landing_page and _is_web_link(record.landing_page):
        return record.landing_page.strip()
    for identifier in record.identifiers:
        if _is_web_link(identifier):
            return identifier.strip()
    return f"{base_uri.rstrip('/')}/records/{quote(record.id, safe='')}"


def _names(record: Work | IPOffer) -> str:
    """The author part of the credit: creators (at most three, then "et al."), then publisher."""
    creators = list(dict.fromkeys(c.strip() for c in record.creators if c and c.strip()))
    shown = "; ".join(creators[:_MAX_NAMES])
    if len(creators) > _MAX_NAMES:
        shown += " et al."
    publisher = (record.publisher or "").strip()
    if publisher and publisher not in creators:
        shown = f"{shown}, {publisher}" if shown else publisher
    return shown


def _style(ref: LicenceRef) -> _Style:
    licence = licence_by_uri(ref.uri)
    if licence is not None:
        if licence.kind == "public-domain":
            return "marked"
        if licence.kind == "rights-statement":
            return "rights"
        return "licensed"
    # A licence the vocabulary does not (or no longer) know: trust the reference.
    return "licensed" if ref.uri and ref.reuse_class != "permission" else "rights"


def _end(sentence: str) -> str:
    """A sentence with its final full stop (not doubled)."""
    sentence = sentence.rstrip()
    return sentence if sentence.endswith((".", "!", "?")) else sentence + "."


def _link(href: str, text: str, *, rel: str | None = None) -> str:
    rel_attr = f' rel="{escape(rel)}"' if rel else ""
    return f'<a{rel_attr} href="{escape(href)}">{escape(text)}</a>'


def _rights(ref: LicenceRef, href: str | None) -> tuple[str, str]:
    """The rights statement of a work with no licence, as text and HTML.

    The publisher's own words when it gave some (a bare link when that is all it gave); else
    the statement's label, linked to the statement but never as a licence; else "unknown".
    """
    raw = " ".join((ref.raw or "").split())
    if raw and not _is_web_link(raw):
        return raw, escape(raw)
    if raw and not ref.label:
        return raw, _link(raw, raw)
    if ref.label:
        return ref.label, _link(href, ref.label) if href else escape(ref.label)
    return "unknown", "unknown"


def attribution(
    record: Work | IPOffer, *, base_uri: str, changes: str | None = None
) -> Attribution:
    """The attribution for a record, as plain text and as HTML.

    ``base_uri`` is the registry's base URI (the source link of a record with no web address
    of its own). ``changes`` describes how a user adapted the work ("cropped"); the credit
    then says so, as Creative Commons asks of adaptations.
    """
    ref = record.licence
    style = _style(ref)
    source = source_link(record, base_uri=base_uri)
    title = " ".join(record.title.split())
    names = " ".join(_names(record).split())
    instruction = " ".join((record.attribution_instruction or "").split())
    licence = licence_by_uri(ref.uri)
    name = ref.label or (licence.label if licence else None) or ref.uri or ""
    licence_href = ref.uri if _is_web_link(ref.uri) else None
    licence_html = _link(licence_href, name, rel="license") if licence_href else escape(name)

    # The credit: the publisher's instruction, or title and author.
    if instruction:
        credit_text, credit_html = instruction, escape(instruction)
    else:
        work_text = f'"{title}"' if title else "This work"
        work_html = f'"{_link(source, title)}"' if title else _link(source, "This work")
        credit_text = f"{work_text} by {names}" if names else work_text
        credit_html = f"{work_html} by {escape(names)}" if names else work_html

    if style == "rights":
        rights_text, rights_html = _rights(ref, licence_href)
        text = f"{_end(credit_text)} Rights: {_end(rights_text)}"
        html = f"{_end(credit_html)} Rights: {_end(rights_html)}"
    elif instruction:
        # The instruction is a sentence of its own: "<credit>. Licensed under CC BY 4.0."
        verb = "Marked with" if style == "marked" else "Licensed under"
        text = f"{_end(credit_text)} {verb} {name}."
        html = f"{_end(credit_html)} {verb} {licence_html}."
    else:
        verb = "is marked with" if style == "marked" else "is licensed under"
        text = f"{credit_text} {verb} {name}."
        html = f"{credit_html} {verb} {licence_html}."

    note = " ".join((changes or "").split())
    if note:
        text += f" This is a modified version (changes: {note})."
        html += f" This is a modified version (changes: {escape(note)})."

    text += f" Source: {source}"
    if instruction:
        # Without a linked title, the source is linked at the end.
        html += f" Source: {_link(source, source)}"
    return Attribution(text=text, html=html)
