"""Attribution: the credit line a record's licence asks for, as text and as HTML.

Follows Creative Commons' recommended practice, TASL: Title, Author, Source, Licence::

    "Kaart van Utrecht" by Jansen, Jan, Het Utrechts Archief is licensed under CC BY 4.0.
    Source: https://example.org/kaart

Works under a public-domain tool are "marked with" it (attribution is then a courtesy);
works in copyright, or with no known licence, get their rights statement instead of a
licence. When the publisher says how it wants to be credited, its words are the credit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Literal
from urllib.parse import quote

from registry.licences._normalise import licence_by_uri
from registry.models import Attribution, IPOffer, LicenceRef, Work

__all__ = ["attribution", "credit", "source_link"]

_MAX_NAMES = 3
_Style = Literal["licensed", "marked", "rights"]


def _is_web_link(value: str | None) -> bool:
    return bool(value) and str(value).strip().lower().startswith(("http://", "https://"))


def source_link(record: Work | IPOffer, *, base_uri: str) -> str:
    """Where the work is: its landing page, else its first web identifier, else its registry page."""
    return _source(record.landing_page, record.identifiers, record.id, base_uri)


def _source(landing_page: str | None, identifiers: list[str], record_id: str, base_uri: str) -> str:
    if landing_page and _is_web_link(landing_page):
        return landing_page.strip()
    for identifier in identifiers:
        if _is_web_link(identifier):
            return identifier.strip()
    return f"{base_uri.rstrip('/')}/records/{quote(record_id, safe='')}"


def _names(record: Work | IPOffer) -> str:
    """The author part of the credit: creators (at most three, then "et al."), then publisher."""
    return _names_of(record.creators, record.publisher)


def _names_of(creators: list[str], publisher: str | None, *, collapsed: bool = False) -> str:
    """:func:`_names` of these creators and publisher; ``collapsed``: they are stripped,
    not empty, without repeats."""
    if collapsed:
        names = creators
    else:
        names = list(dict.fromkeys(c.strip() for c in creators if c and c.strip()))
    shown = "; ".join(names[:_MAX_NAMES])
    if len(names) > _MAX_NAMES:
        shown += " et al."
    publisher = (publisher or "").strip()
    if publisher and publisher not in names:
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


_HTML_SPECIAL = re.compile("[&<>\"']")


def _escape(text: str) -> str:
    """``html.escape`` (quotes too), without its five passes when nothing needs escaping."""
    return escape(text) if _HTML_SPECIAL.search(text) else text


def _link(href: str, text: str, *, rel: str | None = None) -> str:
    rel_attr = f' rel="{_escape(rel)}"' if rel else ""
    return f'<a{rel_attr} href="{_escape(href)}">{_escape(text)}</a>'


def _rights(ref: LicenceRef, href: str | None) -> tuple[str, str]:
    """The rights statement of a work with no licence, as text and HTML.

    The publisher's own words when it gave some (a bare link when that is all it gave); else
    the statement's label, linked to the statement but never as a licence; else "unknown".
    """
    raw = " ".join((ref.raw or "").split())
    if raw and not _is_web_link(raw):
        return raw, _escape(raw)
    if raw and not ref.label:
        return raw, _link(raw, raw)
    if ref.label:
        return ref.label, _link(href, ref.label) if href else _escape(ref.label)
    return "unknown", "unknown"


@dataclass(frozen=True, slots=True)
class _Terms:
    """What a credit line says about a licence: the same for every work under it."""

    style: _Style
    name: str
    html: str
    """The licence's name as HTML (linked as the licence when it has a web address)."""
    rights_text: str
    rights_html: str


#: The terms of the licences seen lately, by what they depend on (a harvest sees few).
_TERMS: dict[tuple[str | None, str | None, str, str | None], _Terms] = {}
_TERMS_KEPT = 4096


def _terms(ref: LicenceRef) -> _Terms:
    key = (ref.uri, ref.label, ref.reuse_class, ref.raw)
    terms = _TERMS.get(key)
    if terms is None:
        style = _style(ref)
        licence = licence_by_uri(ref.uri)
        name = ref.label or (licence.label if licence else None) or ref.uri or ""
        href = ref.uri if _is_web_link(ref.uri) else None
        html = _link(href, name, rel="license") if href else _escape(name)
        rights_text, rights_html = _rights(ref, href) if style == "rights" else ("", "")
        terms = _Terms(style, name, html, rights_text, rights_html)
        if len(_TERMS) >= _TERMS_KEPT:
            _TERMS.clear()
        _TERMS[key] = terms
    return terms


def _collapsed(text: str) -> str:
    """``text`` with runs of white space made one space, ends trimmed (checked in C first:
    ``isprintable`` is False for every white-space character but the plain space)."""
    if text and text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text
    return " ".join(text.split())


def attribution(
    record: Work | IPOffer, *, base_uri: str, changes: str | None = None
) -> Attribution:
    """The attribution for a record, as plain text and as HTML.

    ``base_uri`` is the registry's base URI (the source link of a record with no web address
    of its own). ``changes`` describes how a user adapted the work ("cropped"); the credit
    then says so, as Creative Commons asks of adaptations.
    """
    text, html = credit(
        record.licence,
        title=record.title,
        names=_names(record),
        instruction=record.attribution_instruction,
        source=source_link(record, base_uri=base_uri),
        changes=changes,
    )
    return Attribution(text=text, html=html)


def credit(
    ref: LicenceRef,
    *,
    title: str,
    names: str,
    instruction: str | None,
    source: str,
    changes: str | None = None,
    collapsed: bool = False,
) -> tuple[str, str]:
    """The credit line as text and HTML from its parts: what :func:`attribution` writes,
    for a record whose parts are at hand (``names`` as :func:`_names` gives them, ``source``
    as :func:`source_link` does). ``collapsed``: title, names and instruction have their
    white space collapsed already."""
    terms = _terms(ref)
    style = terms.style
    if collapsed:
        instruction = instruction or ""
    else:
        title = _collapsed(title)
        names = _collapsed(names)
        instruction = _collapsed(instruction or "")
    name = terms.name
    licence_html = terms.html

    # The credit: the publisher's instruction, or title and author.
    if instruction:
        credit_text, credit_html = instruction, _escape(instruction)
    else:
        work_text = f'"{title}"' if title else "This work"
        work_html = f'"{_link(source, title)}"' if title else _link(source, "This work")
        credit_text = f"{work_text} by {names}" if names else work_text
        credit_html = f"{work_html} by {_escape(names)}" if names else work_html

    if style == "rights":
        text = f"{_end(credit_text)} Rights: {_end(terms.rights_text)}"
        html = f"{_end(credit_html)} Rights: {_end(terms.rights_html)}"
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
    return text, html
