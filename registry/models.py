"""The domain model: works, IP offers, sources, harvest runs and licence references.

Records are typed pydantic models. A record's ``id`` is stable: it is derived from
the source it came from and the identifier the source gave it (:func:`record_id`),
so harvesting the same feed again updates records instead of duplicating them.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

#: The societal challenges of the registry's SKOS scheme (``vocab/challenges.ttl``).
CHALLENGES: dict[str, dict[str, str]] = {
    "ageing-population": {"en": "Ageing population", "nl": "Vergrijzing"},
    "climate-change": {
        "en": "Climate change (mitigation, adaptation)",
        "nl": "Klimaatverandering (mitigatie, adaptatie)",
    },
    "food-water-energy": {"en": "Food, water and energy", "nl": "Voedsel, water en energie"},
    "creativity-education": {"en": "Creativity and education", "nl": "Creativiteit en onderwijs"},
    "active-citizenship": {"en": "Active citizenship", "nl": "Actief burgerschap"},
    "translocal-solidarity": {"en": "Translocal solidarity", "nl": "Translokale solidariteit"},
    "security-privacy": {
        "en": "Balancing security and privacy",
        "nl": "Balans tussen veiligheid en privacy",
    },
}

RecordKind = Literal["work", "ip-offer"]
ReuseClass = Literal["open", "restricted", "permission"]
RunStatus = Literal["running", "succeeded", "partial", "failed", "interrupted"]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def record_id(source: str, source_identifier: str) -> str:
    """The stable id of a record: a short hash of (source, source identifier).

    The same pair always gives the same id, so a re-harvest updates in place.
    """
    digest = hashlib.blake2b(
        f"{source}\x1f{source_identifier}".encode(), digest_size=10
    ).hexdigest()
    return f"{source}-{digest}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class LicenceRef(_Model):
    """A record's licence: what it resolved to, and the statement it came from."""

    uri: str | None = None
    label: str | None = None
    family: str | None = None
    version: str | None = None
    jurisdiction: str | None = None
    spdx: str | None = None
    reuse_class: ReuseClass = "permission"
    commercial: bool = False
    derivatives: bool = False
    requires_attribution: bool = False
    confidence: float = 0.0
    raw: str | None = Field(default=None, description="The licence statement as the source gave it")

    @property
    def open(self) -> bool:
        return self.reuse_class == "open"


class Attribution(_Model):
    text: str
    html: str


class Contact(_Model):
    email: str | None = None
    url: str | None = None
    verified: date | None = None


class Offeror(_Model):
    name: str
    type: str | None = None
    country: str | None = None
    identifiers: dict[str, str] = Field(default_factory=dict)


class _RecordBase(_Model):
    id: str
    source: str
    source_identifier: str
    title: str
    description: str | None = None
    creators: list[str] = Field(default_factory=list)
    publisher: str | None = None
    subjects: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    challenges: list[str] = Field(default_factory=list)
    identifiers: list[str] = Field(default_factory=list)
    landing_page: str | None = None
    issued: str | None = None
    modified: datetime | None = Field(
        default=None, description="The source's datestamp for this record"
    )
    licence: LicenceRef = Field(default_factory=LicenceRef)
    attribution_instruction: str | None = Field(
        default=None, description="How the publisher asks to be attributed, when it says so"
    )
    attribution: Attribution | None = None

    @field_validator("challenges")
    @classmethod
    def _known_challenges(cls, value: list[str]) -> list[str]:
        if CHALLENGES.keys() >= set(value):
            return value
        unknown = [c for c in value if c not in CHALLENGES]
        if unknown:
            raise ValueError(f"unknown societal challenge(s): {', '.join(unknown)}")
        return value

    def content_hash(self) -> str:
        """A hash of everything that describes the record (used to skip unchanged rewrites)."""
        payload = self.model_dump(mode="json")
        return hashlib.blake2b(
            json.dumps(payload, sort_keys=True, separators=(",", ":")).encode(), digest_size=16
        ).hexdigest()


class Work(_RecordBase):
    """A rights-free or openly licensed resource described by its publisher."""

    kind: Literal["work"] = "work"
    types: list[str] = Field(default_factory=list)
    formats: list[str] = Field(default_factory=list)
    rights_holder: str | None = None


class IPOffer(_RecordBase):
    """Intellectual property offered for open innovation under stated terms."""

    kind: Literal["ip-offer"] = "ip-offer"
    ip_types: list[str] = Field(default_factory=list)
    offeror: Offeror
    contact: Contact
    licensing_mode: str | None = None
    terms_summary: str | None = Field(default=None, max_length=400)
    legal_text_url: str | None = None
    patents: list[str] = Field(default_factory=list)
    trl: int | None = Field(default=None, ge=1, le=9)
    status: Literal["draft", "published", "expired", "withdrawn"] = "published"
    last_verified: date | None = None
    review_due: date | None = None


Record = Annotated[Work | IPOffer, Field(discriminator="kind")]
RECORD_ADAPTER: TypeAdapter[Work | IPOffer] = TypeAdapter(Record)


def parse_record(data: str | bytes | dict[str, Any]) -> Work | IPOffer:
    """A record from its JSON (text or already decoded)."""
    if isinstance(data, dict):
        return RECORD_ADAPTER.validate_python(data)
    return RECORD_ADAPTER.validate_json(data)


class Source(_Model):
    """A feed the registry harvests."""

    name: str
    kind: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$",
        description="The harvester that reads it: oai-pmh, dcat, rss, ckan, offers...",
    )
    url: str
    metadata_prefix: str | None = None
    set_spec: str | None = None
    options: dict[str, str] = Field(
        default_factory=dict,
        description="Settings of the source's harvester (e.g. a CKAN 'fq' filter)",
    )
    schedule_hours: float | None = Field(default=24.0, gt=0)
    title: str | None = None
    created: datetime | None = None
    last_harvest: datetime | None = None
    last_datestamp: datetime | None = None
    http_cache: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="ETag and Last-Modified of the documents last fetched, for conditional GET",
    )

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                "a source name is 1-64 characters of lower-case letters, digits, '-', '_' or '.',"
                " starting with a letter or digit"
            )
        return value


class HarvestError(_Model):
    identifier: str | None = None
    message: str
    stage: str | None = Field(
        default=None, description="Where it failed: fetch, parse, map, validate or store"
    )
    snippet: str | None = Field(default=None, description="The start of the record as sent")


class HarvestRun(_Model):
    """One harvest of one source; its counts and the records that failed."""

    id: int
    source: str
    full: bool = False
    status: RunStatus = "running"
    started: datetime
    finished: datetime | None = None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0
    checkpoint: dict[str, Any] | None = None
    message: str | None = None
    since: datetime | None = Field(
        default=None, description="Harvesting records changed from this moment (incremental)"
    )
    errors: list[HarvestError] = Field(default_factory=list)

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + self.deleted + self.failed

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "run": self.id,
            "status": self.status,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "failed": self.failed,
            "total": self.total,
        }


class ApiKey(_Model):
    """A publisher's API key, as stored: never the key itself, only its hash."""

    prefix: str = Field(description="The key's public part, shown in lists and logs")
    publisher: str
    label: str | None = None
    created: datetime
    revoked: datetime | None = None
    last_used: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None


class AuditEntry(_Model):
    """One write through the API: who, what, when."""

    id: int
    at: datetime
    publisher: str | None = None
    key: str | None = Field(default=None, description="The prefix of the key that was used")
    action: str
    target: str
    detail: dict[str, Any] = Field(default_factory=dict)


ReportKind = Literal["stale", "contact-unreachable", "wrong-terms", "lapsed-patent", "other"]


class Review(_Model):
    """A key holder's review of an IP offer: three marks from 0 to 5 and a comment."""

    record_id: str
    reviewer: str = Field(description="The publisher whose key wrote the review")
    clarity: int = Field(ge=0, le=5, description="How clear the terms are")
    completeness: int = Field(ge=0, le=5, description="Whether the offer says all one needs")
    usefulness: int = Field(ge=0, le=5, description="How useful the offer is")
    comment: str | None = Field(default=None, max_length=2000)
    at: datetime | None = None


class ProblemReport(_Model):
    """Something wrong with an offer, reported by a key holder; it flags the offer to its
    publisher until resolved."""

    id: int | None = None
    record_id: str
    reporter: str
    kind: ReportKind
    detail: str | None = Field(default=None, max_length=2000)
    at: datetime | None = None
    resolved: datetime | None = None


class Uptake(_Model):
    """A key holder saying it took up an offer (licensed, contacted, built on it)."""

    record_id: str
    reporter: str
    note: str | None = Field(default=None, max_length=2000)
    at: datetime | None = None


class Notice(_Model):
    """A message to a publisher: a problem reported on an offer, an offer due for review."""

    id: int
    publisher: str
    record_id: str
    kind: str
    message: str
    at: datetime
    read: bool = False
