"""The licence normaliser: a rights statement as a source gave it -> a :class:`LicenceRef`.

Pure and offline: every statement is looked up in the tables built from the vocabulary, in
this order (the first that answers wins):

1. with a ``convention`` ("flickr", "ckan"), the codes of that convention;
2. the licence's canonical URI, then any other form of a licence (or family) address; an
   address with a jurisdiction the licence was never ported to is the unported licence;
3. a statement known to name no licence ("Other (Open)"): nothing, whatever its words;
4. an exact alias (EPrints' ``cc_by``) or an SPDX id (current or deprecated, any case);
5. a label, alias or notation, also inside a sentence ("This work is licensed under ...");
6. an address inside a sentence;
7. a bare copyright notice ("© 2021 Gemeente Utrecht"): In Copyright;
8. the parts of a statement (text in parentheses, sentences, clauses) when those that name
   something agree ("Attribution 4.0 International (CC BY 4.0)"), else a Creative Commons
   code in it ("... via the Creative Commons CC0 1.0 Universal ...") when there is one only.

HTML tags, character references and URL encoding (``CC%20BY%204.0``) are undone first.

A statement that names a licence family but no version ("CC BY", "cc-by") resolves to the
family: no URI, the family's terms. A statement that names no licence resolves to nothing
(``uri=None``, confidence 0), never to a guess. Results are cached per statement.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from urllib.parse import unquote

from registry.licences._keys import (
    embedded_urls,
    looks_like_url,
    parts,
    strip_lead_in,
    strip_wording,
    text_key,
    text_keys,
    uri_key,
)
from registry.licences._vocabulary import Licence, LicenceFamily, vocabulary
from registry.models import LicenceRef

__all__ = [
    "CONFIDENCE_CODE",
    "CONFIDENCE_COPYRIGHT_NOTICE",
    "CONFIDENCE_EXACT_URI",
    "CONFIDENCE_NAME",
    "CONFIDENCE_PART",
    "CONFIDENCE_SPDX",
    "CONFIDENCE_UNPORTED",
    "CONFIDENCE_URI_VARIANT",
    "COPYRIGHT_NOTICE_URI",
    "licence_by_uri",
    "normalise",
    "normalise_many",
]

CONFIDENCE_EXACT_URI = 1.0
"""The statement is the licence's canonical URI."""
CONFIDENCE_URI_VARIANT = 0.95
"""Another form of the URI (http, ``www.``, ``deed.nl``...) or an alternative address."""
CONFIDENCE_SPDX = 0.95
"""The licence's SPDX id."""
CONFIDENCE_CODE = 0.95
"""The licence's code in the convention the caller named (Flickr's ``4``: CC BY 2.0), or an
exact alias (EPrints' ``cc_by``: CC BY 3.0)."""
CONFIDENCE_NAME = 0.9
"""A label or alias of the licence, or a sentence that names it or links to it."""
CONFIDENCE_UNPORTED = 0.85
"""The address of a port that does not exist (``by/4.0/nl/``): the unported licence."""
CONFIDENCE_PART = 0.85
"""Part of a longer statement names the licence (``"Attribution 4.0 International (CC BY 4.0)"``)."""
CONFIDENCE_COPYRIGHT_NOTICE = 0.6
"""A copyright notice ("© 2021 Gemeente Utrecht"): the work is in copyright."""

#: What a bare copyright notice means: In Copyright (rightsstatements.org).
COPYRIGHT_NOTICE_URI = "http://rightsstatements.org/vocab/InC/1.0/"

_Target = Licence | LicenceFamily
_Match = tuple[_Target | None, float]

_COPYRIGHT_NOTICE = re.compile(
    r"©|^\s*\(c\)|\(c\)\s*\d{4}|^\s*copyright\b|^\s*copr\.|\bcopyright\s+(?:\(c\)\s*)?\d{4}"
    r"|\b(?:is|are)\s+copyright(?:ed)?\s+(?:by|of)\b"
    r"|\bprotected\s+(?:under|by)\s+(?:[\w.]+\s+){0,4}?copyright",
    re.IGNORECASE,
)
# Words that make a "copyright" statement something else than a bare notice: a licence
# ("© X, licensed under CC BY") or the absence of copyright ("copyright-free"). Such a
# statement is not guessed at.
_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>", re.IGNORECASE)
_PERCENT = re.compile(r"%[0-9a-f]{2}", re.IGNORECASE)
# A Creative Commons licence written by its code inside a longer statement: "CC BY-NC 4.0".
_CC_CODE = re.compile(
    r"\bCC[\s_-]*(?i:0|zero|PDM|(?:BY|NC|ND|SA)(?:[\s_-]*(?:BY|NC|ND|SA))*)"
    r"(?:[\s_-]*v?\d\.\d(?:[\s_-]+[A-Z]{2}\b)?)?\b"
)
_NOT_A_BARE_NOTICE = re.compile(
    r"licen[cs]|licentie|lizenz|creative\s*commons|\bcc[\s-]*(?:by|0|zero)\b|public\s+domain"
    r"|publiek\s+domein|domaine\s+public|gemeinfrei|copyright[\s-]*free|no\s+(?:known\s+)?copyright"
    r"|not\s+(?:in\s+)?copyright|free\s+of\s+copyright|rechtenvrij|auteursrechtvrij"
    r"|geen\s+auteursrecht|open\s+access",
    re.IGNORECASE,
)


def licence_by_uri(uri: str | None) -> Licence | None:
    """The licence a URI identifies: its canonical URI or any variant of it; else None."""
    if not uri:
        return None
    tables = vocabulary()
    found = tables.by_uri.get(uri.strip())
    if found is not None:
        return found
    key = uri_key(uri)
    return tables.by_uri_key.get(key) if key else None


@functools.cache
def _jurisdictions() -> frozenset[str]:
    """The last path segments of the ported licences' addresses ("nl", "igo", "scotland")."""
    return frozenset(
        licence.uri.rstrip("/").rsplit("/", 1)[-1].lower()
        for licence in vocabulary().licences
        if licence.jurisdiction
    )


def _by_address(url: str) -> _Match:
    """A licence or family by one of its addresses, or the unported licence of a missing port."""
    tables = vocabulary()
    key = uri_key(url)
    if not key:
        return None, 0.0
    found: _Target | None = tables.by_uri_key.get(key) or tables.family_by_uri_key.get(key)
    if found is not None:
        return found, CONFIDENCE_URI_VARIANT
    parent, _, last = key.rpartition("/")
    if parent and last in _jurisdictions():
        unported = tables.by_uri_key.get(parent)
        if unported is not None and unported.jurisdiction is None:
            return unported, CONFIDENCE_UNPORTED
    return None, 0.0


def _by_spdx(text: str) -> Licence | None:
    """A licence by its SPDX id (any case), alone or after a lead-in ("SPDX-License-Identifier:")."""
    tables = vocabulary()
    for candidate in (text, strip_lead_in(text)):
        found = tables.by_spdx.get(candidate.strip().casefold())
        if found is not None:
            return found
    return None


def _by_name(text: str) -> _Target | None:
    """A licence (or family) by one of its names, in a sentence or not."""
    tables = vocabulary()
    for key in text_keys(text):
        named: _Target | None = tables.by_text.get(key) or tables.family_by_text.get(key)
        if named is not None:
            return named
    return None


def _is_copyright_notice(text: str) -> bool:
    return bool(_COPYRIGHT_NOTICE.search(text)) and not _NOT_A_BARE_NOTICE.search(text)


def _more_precise(first: _Target, second: _Target) -> _Target | None:
    """The more precise of two targets that name the same licence, else None.

    A licence over its family ("CC BY 4.0 (CC-BY)"), a port over its unported licence
    ("... 3.0 United States [CC BY-NC-SA 3.0]").
    """
    if first.uri == second.uri:
        return first
    for one, other in ((first, second), (second, first)):
        if not isinstance(one, Licence):
            continue
        if isinstance(other, LicenceFamily) and other.name == one.family:
            return one
        if (
            isinstance(other, Licence)
            and other.jurisdiction is None
            and (one.family, one.version) == (other.family, other.version)
        ):
            return one
    return None


def _agreed(targets: Iterable[_Target]) -> _Target | None:
    """What several targets agree on (the most precise), or None when they disagree."""
    agreed: _Target | None = None
    for target in targets:
        if agreed is None:
            agreed = target
            continue
        merged = _more_precise(agreed, target)
        if merged is None:
            return None
        agreed = merged
    return agreed


def _by_parts(text: str) -> _Target | None:
    """What the parts of a statement name, when those that name something agree."""
    found: list[_Target] = []
    tables = vocabulary()
    for part in parts(text):
        if text_key(part) in tables.no_licence_text:
            continue
        target: _Target | None = _by_exact(part) or _by_spdx(part) or _by_name(part)
        if target is None and looks_like_url(part):
            target = _by_address(part.strip("<>").strip())[0]
        if target is not None:
            found.append(target)
    if not found:
        coded = [_by_name(code) for code in _CC_CODE.findall(text)]
        found = [target for target in coded if target is not None]
    return _agreed(found)


def _by_exact(text: str) -> Licence | None:
    return vocabulary().by_exact.get(text.strip().casefold())


def _plain(text: str) -> str:
    """A statement without HTML tags, character references and URL encoding."""
    if "<" in text and _TAG.search(text):
        text = " ".join(_TAG.sub(" ", text).split())
    if "&" in text:
        text = html.unescape(text)
    if "%" in text and _PERCENT.search(text) and not looks_like_url(text):
        text = " ".join(unquote(text).split())
    return text


@functools.lru_cache(maxsize=65536)
def _match(text: str, convention: str | None) -> _Match:
    """(licence or family, confidence) for a whitespace-normalised statement; cached."""
    tables = vocabulary()
    if convention:
        coded = tables.by_code.get(f"{convention.strip().casefold()}:{text_key(text)}")
        if coded is not None:
            return coded, CONFIDENCE_CODE
    exact = tables.by_uri.get(text)
    if exact is not None:
        return exact, CONFIDENCE_EXACT_URI
    address = text.strip("<>").strip()
    if looks_like_url(address):
        if uri_key(address) in tables.no_licence_uri_key:
            return None, 0.0
        found, confidence = _by_address(address)
        if found is not None:
            return found, confidence
    plain = _plain(text)
    if {text_key(plain), text_key(strip_wording(plain))} & tables.no_licence_text:
        return None, 0.0
    identified = _by_exact(plain)
    if identified is not None:
        return identified, CONFIDENCE_CODE
    identified = _by_spdx(plain)
    if identified is not None:
        return identified, CONFIDENCE_SPDX
    named = _by_name(plain)
    if named is not None:
        return named, CONFIDENCE_NAME
    linked = [_by_address(url) for url in embedded_urls(text)]
    targets = {target.uri: (target, confidence) for target, confidence in linked if target}
    if len(targets) == 1:
        target, confidence = next(iter(targets.values()))
        return target, min(confidence, CONFIDENCE_NAME)
    if _is_copyright_notice(plain):
        return tables.by_uri[COPYRIGHT_NOTICE_URI], CONFIDENCE_COPYRIGHT_NOTICE
    part = _by_parts(plain)
    if part is not None:
        return part, CONFIDENCE_PART
    return None, 0.0


@functools.lru_cache(maxsize=65536)
def _resolve(text: str, convention: str | None) -> LicenceRef | None:
    """The reference a statement resolves to, without its ``raw``; None when it names none."""
    value = " ".join(text.split())
    if not value:
        return None
    target, confidence = _match(value, convention)
    return target.ref(confidence=confidence, raw=None) if target is not None else None


def normalise(text: str | None, *, convention: str | None = None) -> LicenceRef:
    """The licence a rights statement names, with the statement kept in ``raw``.

    Understands licence URIs and their variants, SPDX ids, labels and aliases in English,
    Dutch, German and French (ignoring case, accents, spaces and punctuation), sentences that
    name or link to a licence, and copyright notices (In Copyright, with a lower confidence).
    A statement that names a family but no version ("CC BY") gives the family: ``uri=None``,
    ``family`` and the family's reuse class. A statement that names no licence ("Open
    Access", empty, None) gives ``uri=None``, reuse class "permission" and confidence 0.

    ``convention`` names the convention of the source the statement comes from, for codes
    that mean a licence only there: ``"flickr"`` (licence ids: ``"4"`` is CC BY 2.0, ``"0"``
    All Rights Reserved), ``"ckan"`` (``"uk-ogl"`` is OGL 3.0, ``"cc-nc"`` any CC BY-NC).
    The codes are data (``reg:code`` in the vocabulary); a convention with none, such as
    ``"eprints"`` (whose ids, ``"cc_by"`` for CC BY 3.0, are recognised as they are written),
    changes nothing. Statements that are not codes are read as without a convention.
    """
    if not text:
        return LicenceRef(raw=text)
    template = _resolve(text, convention)
    if template is None:
        return LicenceRef(raw=text)
    return template.model_copy(update={"raw": text})


def normalise_many(texts: Iterable[str | None], *, convention: str | None = None) -> LicenceRef:
    """The best licence among a record's rights statements (say a URL and a sentence).

    The statement resolved with the highest confidence wins; on a tie, one that names a
    licence over one that names only a family, then the first. Empty statements are skipped;
    with none left the result names no licence.
    """
    best: LicenceRef | None = None
    for text in texts:
        if not text or not text.strip():
            continue
        ref = normalise(text, convention=convention)
        if best is None or (ref.confidence, ref.uri is not None) > (
            best.confidence,
            best.uri is not None,
        ):
            best = ref
    return best if best is not None else LicenceRef()
