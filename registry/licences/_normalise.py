"""The licence normaliser: a rights statement as a source gave it -> a :class:`LicenceRef`.

Pure and offline: every statement is looked up in the tables built from the vocabulary.
A statement that names no licence resolves to nothing (``uri=None``, confidence 0), never
to a guess.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from registry.licences._keys import embedded_urls, looks_like_url, strip_lead_in, text_keys, uri_key
from registry.licences._vocabulary import Licence, vocabulary
from registry.models import LicenceRef

__all__ = [
    "CONFIDENCE_COPYRIGHT_NOTICE",
    "CONFIDENCE_EXACT_URI",
    "CONFIDENCE_NAME",
    "CONFIDENCE_SPDX",
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
CONFIDENCE_NAME = 0.9
"""A label or alias of the licence, or a sentence that names it or links to it."""
CONFIDENCE_COPYRIGHT_NOTICE = 0.6
"""A copyright notice ("© 2021 Gemeente Utrecht"): the work is in copyright."""

#: What a bare copyright notice means: In Copyright (rightsstatements.org).
COPYRIGHT_NOTICE_URI = "http://rightsstatements.org/vocab/InC/1.0/"

_COPYRIGHT_NOTICE = re.compile(
    r"©|^\s*\(c\)|\(c\)\s*\d{4}|^\s*copyright\b|^\s*copr\.|\bcopyright\s+(?:\(c\)\s*)?\d{4}",
    re.IGNORECASE,
)
# Words that make a "copyright" statement something else than a bare notice: a licence
# ("© X, licensed under CC BY") or the absence of copyright ("copyright-free"). Such a
# statement is not guessed at.
_NOT_A_BARE_NOTICE = re.compile(
    r"licen[cs]|licentie|creative\s*commons|\bcc[\s-]*(?:by|0|zero)\b|public\s+domain"
    r"|publiek\s+domein|copyright[\s-]*free|no\s+(?:known\s+)?copyright|not\s+(?:in\s+)?copyright"
    r"|free\s+of\s+copyright|rechtenvrij|auteursrechtvrij|geen\s+auteursrecht|open\s+access",
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


def _is_copyright_notice(text: str) -> bool:
    return bool(_COPYRIGHT_NOTICE.search(text)) and not _NOT_A_BARE_NOTICE.search(text)


@functools.lru_cache(maxsize=8192)
def _match(text: str) -> tuple[str | None, float]:
    """(canonical URI, confidence) for a whitespace-normalised statement; cached."""
    tables = vocabulary()
    if text in tables.by_uri:
        return text, CONFIDENCE_EXACT_URI
    if looks_like_url(text):
        found = licence_by_uri(text.strip("<>").strip())
        return (found.uri, CONFIDENCE_URI_VARIANT) if found else (None, 0.0)
    for candidate in (text, strip_lead_in(text)):
        found = tables.by_spdx.get(candidate.strip().casefold())
        if found is not None:
            return found.uri, CONFIDENCE_SPDX
    for key in text_keys(text):
        found = tables.by_text.get(key)
        if found is not None:
            return found.uri, CONFIDENCE_NAME
    for url in embedded_urls(text):
        found = licence_by_uri(url)
        if found is not None:
            return found.uri, CONFIDENCE_NAME
    if _is_copyright_notice(text):
        return COPYRIGHT_NOTICE_URI, CONFIDENCE_COPYRIGHT_NOTICE
    return None, 0.0


def normalise(text: str | None) -> LicenceRef:
    """The licence a rights statement names, with the statement kept in ``raw``.

    Understands licence URIs and their variants, SPDX ids, labels and aliases in English and
    Dutch (ignoring case, accents, spaces and punctuation), sentences that name or link to a
    licence, and copyright notices (In Copyright, with a lower confidence). A statement that
    names no licence ("Open Access", empty, None) gives ``uri=None``, reuse class
    "permission" and confidence 0.
    """
    value = " ".join(text.split()) if text else ""
    if not value:
        return LicenceRef(raw=text)
    uri, confidence = _match(value)
    licence = licence_by_uri(uri)
    if licence is None:
        return LicenceRef(raw=text)
    return licence.ref(confidence=confidence, raw=text)


def normalise_many(texts: Iterable[str | None]) -> LicenceRef:
    """The best licence among a record's rights statements (say a URL and a sentence).

    The statement resolved with the highest confidence wins; on a tie, the first. Empty
    statements are skipped; with none left the result names no licence.
    """
    best: LicenceRef | None = None
    for text in texts:
        if not text or not text.strip():
            continue
        ref = normalise(text)
        if best is None or ref.confidence > best.confidence:
            best = ref
    return best if best is not None else LicenceRef()
