"""The registry's own IP-offer format (``schemas/ip-offer.schema.json``): what publishers
send to ``POST /api/offers`` and what an offer feed (kind ``offers``) lists.

:class:`OfferSubmission` is the format; :func:`offer_from_submission` makes the domain
record (licence of the description resolved, attribution computed); :func:`map_offer` is the
mapper for harvested offer feeds. An older, flat form of the feed (``ip_types``,
``patents``, ``licensing_mode``, ``terms_summary``, ``legal_text_url`` at the top level) is
still read: it becomes one asset per IP type and the terms it states.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from harvesters.base import RawRecord
from registry.licences import attribution, normalise
from registry.models import (
    CHALLENGES,
    Asset,
    Contact,
    IPOffer,
    Offeror,
    Source,
    Terms,
    record_id,
)
from registry.normalise._common import Mapper, NormaliseError, languages

__all__ = ["MAPPERS", "OfferSubmission", "map_offer", "offer_from_submission", "validation_errors"]

_EXAMPLE: dict[str, Any] = {
    "identifier": "tto-zuidland-2024-001",
    "title": "Low-energy membrane distillation module for brackish groundwater",
    "description": "A membrane distillation module that desalinates brackish groundwater"
    " with low-temperature waste heat.",
    "language": ["en"],
    "keywords": ["desalination", "waste heat"],
    "challenges": ["food-water-energy", "climate-change"],
    "sdgs": [6, 7],
    "offeror": {"name": "TU Zuidland Valorisation Centre", "type": "university", "country": "NL"},
    "contact": {"email": "licensing@tu-zuidland.example.org", "verified": "2026-01-12"},
    "assets": [{"type": "patent", "patents": ["EP 3 512 847 A1", "WO 2019/154721"]}],
    "terms": {
        "licensing_mode": "licence-of-right",
        "royalty": "fixed",
        "exclusivity": "non-exclusive",
        "territory": ["EU"],
        "eligibility": ["anyone"],
        "summary": "Anyone may take a non-exclusive licence for a royalty of 2% of net sales.",
        "legal_text_url": "https://tu-zuidland.example.org/legal/licence-of-right",
    },
    "trl": 5,
    "last_verified": "2026-01-12",
}


class OfferSubmission(BaseModel):
    """An IP offer as a publisher sends it."""

    model_config = ConfigDict(
        extra="forbid", title="IP offer", json_schema_extra={"examples": [_EXAMPLE]}
    )

    identifier: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The publisher's own id for the offer (stable: sending it again updates"
        " the offer); POST makes one when absent",
    )
    title: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=10000)
    language: list[str] = Field(default_factory=list, description="ISO 639-1 codes")
    keywords: list[str] = Field(default_factory=list)
    challenges: list[str] = Field(
        min_length=1, description="Societal challenges (vocab/challenges.ttl), at least one"
    )
    sdgs: list[Annotated[int, Field(ge=1, le=17)]] = Field(
        default_factory=list, description="UN Sustainable Development Goals, 1-17"
    )
    technology_fields: list[str] = Field(default_factory=list)
    landing_page: str | None = None
    licence: str | None = Field(
        default=None, description="The licence of the offer's description, if any"
    )
    attribution: str | None = None
    offeror: Offeror
    contact: Contact
    assets: list[Asset] = Field(min_length=1)
    terms: Terms
    trl: int | None = Field(default=None, ge=1, le=9)
    status: Literal["draft", "published", "withdrawn"] = "published"
    last_verified: date | None = None
    review_due: date | None = None
    modified: datetime | None = None

    @model_validator(mode="after")
    def _dates(self) -> OfferSubmission:
        if self.last_verified and self.review_due and self.review_due < self.last_verified:
            raise ValueError("review_due is before last_verified")
        return self

    @field_validator("challenges")
    @classmethod
    def _challenges(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CHALLENGES]
        if unknown:
            raise ValueError(
                f"unknown societal challenge(s) {', '.join(unknown)}; one of {', '.join(CHALLENGES)}"
            )
        return value


def validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as ``{field, message}`` pairs (``assets.0.patents.1``)."""
    out = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "(body)"
        message = str(error["msg"]).removeprefix("Value error, ")
        out.append({"field": field, "message": message})
    return out


def _flat_to_nested(payload: dict[str, Any]) -> dict[str, Any]:
    """The older flat feed form, in the nested form."""
    data = dict(payload)
    if "assets" not in data and "ip_types" in data:
        types = data.pop("ip_types") or []
        patents = data.pop("patents", None) or []
        data["assets"] = [
            {"type": t, **({"patents": patents} if t in ("patent", "utility-model") else {})}
            for t in types
        ]
    if "terms" not in data and ("licensing_mode" in data or "terms_summary" in data):
        data["terms"] = {
            "licensing_mode": data.pop("licensing_mode", None),
            "summary": data.pop("terms_summary", None),
            "legal_text_url": data.pop("legal_text_url", None),
        }
    if isinstance(data.get("language"), str):
        data["language"] = [data["language"]]
    return data


def offer_from_submission(
    submission: OfferSubmission,
    *,
    source: str,
    identifier: str,
    base_uri: str,
    modified: datetime | None = None,
) -> IPOffer:
    """The domain record for a submitted offer."""
    legal = submission.terms.legal_text_url
    offer = IPOffer(
        id=record_id(source, identifier),
        source=source,
        source_identifier=identifier,
        title=submission.title.strip(),
        description=submission.description,
        creators=[submission.offeror.name],
        publisher=submission.offeror.name,
        subjects=submission.keywords,
        languages=languages(submission.language),
        challenges=submission.challenges,
        identifiers=[legal] if legal else [],
        landing_page=submission.landing_page or submission.contact.url or legal,
        modified=submission.modified or modified,
        licence=normalise(submission.licence),
        attribution_instruction=submission.attribution,
        offeror=submission.offeror,
        contact=submission.contact,
        assets=submission.assets,
        terms=submission.terms,
        trl=submission.trl,
        sdgs=submission.sdgs,
        technology_fields=submission.technology_fields,
        status=submission.status,
        last_verified=submission.last_verified,
        review_due=submission.review_due,
    )
    offer.attribution = attribution(offer, base_uri=base_uri)
    return offer


def map_offer(source: Source, raw: RawRecord, base_uri: str) -> IPOffer:
    """An offer of an offer feed."""
    payload = raw.payload or {}
    if not isinstance(payload, dict):
        raise NormaliseError("an offer is a JSON object")
    data = _flat_to_nested(payload)
    data.pop("identifier", None)
    try:
        submission = OfferSubmission.model_validate(data)
    except ValidationError as exc:
        errors = "; ".join(f"{e['field']}: {e['message']}" for e in validation_errors(exc))
        raise NormaliseError(f"the offer is not valid: {errors}") from None
    return offer_from_submission(
        submission,
        source=source.name,
        identifier=raw.identifier,
        base_uri=base_uri,
        modified=raw.datestamp,
    )


MAPPERS: dict[str, Mapper] = {"offer": map_offer}
