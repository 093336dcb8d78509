"""Normalise: a raw source record becomes a typed domain record.

One mapper per metadata format (looked up in :data:`MAPPERS` by the raw record's
``format``). Mappers are pure: no I/O. They resolve the licence against the
vocabulary and compute the attribution.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from harvesters.base import RawRecord
from registry.licences import attribution, normalise, normalise_many
from registry.models import CHALLENGES, Contact, IPOffer, Offeror, Source, Work, record_id
from registry.search.documents import language_code

__all__ = ["MAPPERS", "NormaliseError", "to_record"]

Mapper = Callable[[Source, RawRecord, str], Work | IPOffer]


class NormaliseError(ValueError):
    """A raw record that cannot become a domain record; the harvest logs it and goes on."""


# Challenge labels (en and nl, lower-cased) and ids, to recognise them among subjects.
_CHALLENGE_BY_LABEL: dict[str, str] = {
    label.lower(): key for key, labels in CHALLENGES.items() for label in labels.values()
} | {key: key for key in CHALLENGES}

# A rights value that tells how to attribute rather than which licence applies.
_INSTRUCTION = re.compile(
    r"^\s*(naamsvermelding|attribution|credit|credits|bronvermelding|please cite|cite as)\s*:\s*(.+)$",
    re.IGNORECASE | re.DOTALL,
)


def _values(metadata: dict[str, Any], element: str) -> list[str]:
    out = []
    for item in metadata.get(element) or []:
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, str) and value.strip():
            out.append(" ".join(value.split()))
    return out


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _languages(values: list[str]) -> list[str]:
    return list(dict.fromkeys(language_code(v) for v in values if v.strip()))


def _challenges(values: list[str]) -> list[str]:
    found = [_CHALLENGE_BY_LABEL.get(v.strip().lower()) for v in values]
    return list(dict.fromkeys(c for c in found if c))


def _landing_page(identifiers: list[str]) -> str | None:
    links = [i for i in identifiers if i.startswith(("http://", "https://"))]
    for link in links:
        if "doi.org/" not in link:
            return link
    return _first(links)


def map_oai_dc(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """An ``oai_dc`` record (payload: ``{"sets": [...], "metadata": {element: [{value, lang}]}}``)."""
    metadata = (raw.payload or {}).get("metadata")
    if not isinstance(metadata, dict):
        raise NormaliseError("the record has no Dublin Core metadata")
    titles = _values(metadata, "title")
    if not titles:
        raise NormaliseError("the record has no title")
    rights = _values(metadata, "rights")
    instruction = None
    statements = []
    for value in rights:
        match = _INSTRUCTION.match(value)
        if match:
            instruction = match.group(2).strip()
        else:
            statements.append(value)
    subjects = _values(metadata, "subject")
    identifiers = _values(metadata, "identifier")
    work = Work(
        id=record_id(source.name, raw.identifier),
        source=source.name,
        source_identifier=raw.identifier,
        title=titles[0],
        description=_first(_values(metadata, "description")),
        creators=_values(metadata, "creator"),
        publisher=_first(_values(metadata, "publisher")),
        subjects=subjects,
        languages=_languages(_values(metadata, "language")),
        challenges=_challenges(subjects),
        identifiers=identifiers,
        landing_page=_landing_page(identifiers),
        issued=_first(_values(metadata, "date")),
        modified=raw.datestamp,
        licence=normalise_many(statements),
        attribution_instruction=instruction,
        types=_values(metadata, "type"),
        formats=_values(metadata, "format"),
    )
    work.attribution = attribution(work, base_uri=base_uri)
    return work


def _text(payload: dict[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise NormaliseError(f"'{key}' must be a string")
    return value.strip() or None


def _list(payload: dict[str, Any], key: str) -> list[str]:
    value = payload.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise NormaliseError(f"'{key}' must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def map_offer(source: Source, raw: RawRecord, base_uri: str) -> IPOffer:
    """An offer of the registry's own offer feed (``schemas/ip-offer.schema.json``)."""
    payload = raw.payload or {}
    title = _text(payload, "title")
    if not title:
        raise NormaliseError("the offer has no title")
    offeror = payload.get("offeror")
    contact = payload.get("contact")
    if not isinstance(offeror, dict) or not offeror.get("name"):
        raise NormaliseError("the offer has no offeror name")
    if not isinstance(contact, dict) or not (contact.get("email") or contact.get("url")):
        raise NormaliseError("the offer has no contact (an email address or a URL is required)")
    unknown = [c for c in _list(payload, "challenges") if c not in CHALLENGES]
    if unknown:
        raise NormaliseError(f"unknown societal challenge(s): {', '.join(unknown)}")
    legal = _text(payload, "legal_text_url")
    offer = IPOffer(
        id=record_id(source.name, raw.identifier),
        source=source.name,
        source_identifier=raw.identifier,
        title=title,
        description=_text(payload, "description"),
        creators=[str(offeror["name"])],
        publisher=str(offeror["name"]),
        subjects=_list(payload, "keywords"),
        languages=_languages(_list(payload, "language")),
        challenges=_list(payload, "challenges"),
        identifiers=[legal] if legal else [],
        landing_page=_text(payload, "landing_page") or legal,
        modified=raw.datestamp,
        licence=normalise(_text(payload, "licence")),
        attribution_instruction=_text(payload, "attribution"),
        ip_types=_list(payload, "ip_types"),
        offeror=Offeror(
            name=str(offeror["name"]),
            type=offeror.get("type"),
            country=offeror.get("country"),
            identifiers=offeror.get("identifiers") or {},
        ),
        contact=Contact(
            email=contact.get("email"),
            url=contact.get("url"),
            verified=date.fromisoformat(contact["verified"]) if contact.get("verified") else None,
        ),
        licensing_mode=_text(payload, "licensing_mode"),
        terms_summary=_text(payload, "terms_summary"),
        legal_text_url=legal,
        patents=_list(payload, "patents"),
        trl=payload.get("trl"),
        status=payload.get("status") or "published",
        last_verified=payload.get("last_verified"),
        review_due=payload.get("review_due"),
    )
    offer.attribution = attribution(offer, base_uri=base_uri)
    return offer


MAPPERS: dict[str, Mapper] = {"oai_dc": map_oai_dc, "offer": map_offer}


def to_record(source: Source, raw: RawRecord, base_uri: str) -> Work | IPOffer:
    """The domain record for a raw record; raises :class:`NormaliseError` or pydantic's
    ``ValidationError`` when it cannot be made."""
    mapper = MAPPERS.get(raw.format)
    if mapper is None:
        raise NormaliseError(f"no mapper for the metadata format {raw.format!r}")
    return mapper(source, raw, base_uri)
