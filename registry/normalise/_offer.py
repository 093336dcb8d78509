"""The registry's own IP-offer format (``schemas/ip-offer.schema.json``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from harvesters.base import RawRecord
from registry.licences import attribution, normalise
from registry.models import CHALLENGES, Contact, IPOffer, Offeror, Source, record_id
from registry.normalise._common import Mapper, NormaliseError, languages

__all__ = ["MAPPERS", "map_offer"]


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
        languages=languages(_list(payload, "language")),
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


MAPPERS: dict[str, Mapper] = {"offer": map_offer}
