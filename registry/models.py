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

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    TypeAdapter,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

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


_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# Identifiers of organisations the registry checks the form of.
_ORGANISATION_IDS: dict[str, tuple[re.Pattern[str], str]] = {
    "kvk": (re.compile(r"^\d{8}$"), "a KvK number has 8 digits"),
    "ror": (
        re.compile(r"^(https://ror\.org/)?0[a-hj-km-np-tv-z0-9]{6}\d{2}$"),
        "a ROR id is 9 characters starting with 0 (https://ror.org/0...)",
    ),
    "lei": (re.compile(r"^[A-Z0-9]{18}\d{2}$"), "a LEI has 20 characters, the last two digits"),
}


class Contact(_Model):
    """Who to ask about an offer: an email address or a web address (at least one), and
    when someone last checked that it works."""

    email: str | None = None
    url: str | None = None
    verified: date | None = Field(default=None, description="When the contact was last checked")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value.strip()):
            raise ValueError(f"{value!r} is no email address")
        return value.strip() if value else None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip().lower().startswith(("http://", "https://")):
            raise ValueError("a contact URL starts with http:// or https://")
        return value.strip() if value else None

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if not self.email and not self.url:
            raise ValueError("a contact needs an email address or a URL")
        return self


class Offeror(_Model):
    """Who offers: a name, a type (``vocab/offeror-types.ttl``), a country (ISO 3166) and
    identifiers such as KvK, ROR or LEI when given."""

    name: str = Field(min_length=1)
    type: str | None = None
    country: str | None = None
    identifiers: dict[str, str] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        from registry.offer_terms import OFFEROR_TYPES

        if value is not None and value not in OFFEROR_TYPES:
            raise ValueError(f"unknown offeror type {value!r}; one of {', '.join(OFFEROR_TYPES)}")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and not _COUNTRY.match(value):
            raise ValueError("a country is a two-letter ISO 3166 code, such as NL")
        return value

    @field_validator("identifiers")
    @classmethod
    def _identifiers(cls, value: dict[str, str]) -> dict[str, str]:
        for scheme, identifier in value.items():
            rule = _ORGANISATION_IDS.get(scheme.lower())
            if rule is not None and not rule[0].match(identifier.strip()):
                raise ValueError(f"{scheme} {identifier!r}: {rule[1]}")
        return value


class PatentRef(_Model):
    """A patent, patent application or registered design, normalised (WIPO ST.3 office,
    number, ST.16 kind).

    Accepts a number in any common notation (``EP 1 000 000 A1``, ``WO 2012/088469``,
    ``EM 000123456-0001``, ``DM/123456``)."""

    docdb: str = Field(description="DOCDB form: office.number.kind, e.g. EP.1000000.A1")
    display: str = Field(description="As people write it: EP 1 000 000 A1")
    office: str
    number: str
    kind: str | None = None
    type: Literal["publication", "application", "design"] = "publication"

    def __str__(self) -> str:
        return self.display

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        if handler.mode == "validation":
            written = {
                "type": "string",
                "description": "A patent, application or design number in any common notation",
                "examples": ["EP 1 000 000 A1", "WO 2012/088469", "US 7,654,321 B2", "DM/123456"],
            }
            return {"anyOf": [written, schema]}
        return schema

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        from registry.patents import parse_patent_number

        written = value.get("docdb") if isinstance(value, dict) else value
        if isinstance(value, dict) and "display" in value and "office" in value:
            return value
        if not isinstance(written, str):
            return value
        number = parse_patent_number(written)
        return {
            "docdb": number.docdb,
            "display": number.display,
            "office": number.office,
            "number": number.number,
            "kind": number.kind,
            "type": number.type,
        }


IPType = Literal["patent", "utility-model", "design", "software", "dataset", "know-how"]
_PATENT_LIKE = {"patent", "utility-model", "design"}


class Asset(_Model):
    """One thing an offer is about: a patent family, a design, software, a dataset or
    know-how."""

    type: IPType
    title: str | None = None
    patents: list[PatentRef] = Field(
        default_factory=list,
        description="Patents, designs or applications (any notation), for patent-like assets",
    )
    licence: str | None = Field(
        default=None, description="Software: SPDX id or licence URI; datasets: licence URI"
    )
    repository: str | None = Field(default=None, description="Software: where the code is")
    url: str | None = Field(default=None, description="Datasets: the DCAT dataset or its page")

    @model_validator(mode="after")
    def _fits(self) -> Asset:
        if self.patents and self.type not in _PATENT_LIKE:
            raise ValueError(f"a {self.type} asset has no patent numbers")
        designs = [p.display for p in self.patents if p.type == "design"]
        if designs and self.type != "design":
            raise ValueError(
                f"{', '.join(designs)}: a design's number, on a {self.type} asset"
                " (make it an asset of type design)"
            )
        if self.repository and self.type != "software":
            raise ValueError("only a software asset has a repository")
        return self


Royalty = Literal["free", "frand", "negotiable", "fixed", "running"]
Exclusivity = Literal["non-exclusive", "exclusive", "field-exclusive"]
# Licensing modes that offer the same terms to everyone (an exclusive licence contradicts
# them) and modes that promise no royalty (a fixed or running royalty contradicts them).
_OPEN_TO_ALL = {
    "public-licence",
    "royalty-free-pledge",
    "non-assertion-covenant",
    "licence-of-right",
    "royalty-free-standard",
    "frand",
    "non-exclusive-licence",
}
_ROYALTY_FREE_MODES = {"public-licence", "royalty-free-pledge", "non-assertion-covenant",
                       "royalty-free-standard"}  # fmt: skip
_TERRITORIES = {"worldwide", "EU", "EEA"}


class Terms(_Model):
    """The terms of an offer, structured, with a plain-language summary and the legal text."""

    licensing_mode: str = Field(description="A concept of vocab/licensing-modes.ttl")
    royalty: Royalty | None = None
    exclusivity: Exclusivity | None = None
    field_of_use: str | None = None
    territory: list[str] = Field(
        default_factory=list, description="ISO 3166 codes, 'EU', 'EEA' or 'worldwide'"
    )
    eligibility: list[str] = Field(
        default_factory=list, description="Concepts of vocab/eligibility.ttl"
    )
    valid_from: date | None = None
    valid_until: date | None = None
    end_event: str | None = Field(
        default=None, description="What ends the offer besides a date (e.g. patent expiry)"
    )
    sublicensable: bool | None = None
    defensive_termination: bool | None = Field(
        default=None, description="The licence ends for a licensee that sues the offeror"
    )
    non_challenge: bool | None = None
    grant_back: bool | None = None
    binds_successors: bool | None = Field(
        default=None, description="The terms bind whoever acquires the rights later"
    )
    revocable: bool | None = None
    summary: str = Field(
        min_length=1, max_length=400, description="Plain language, <= 400 characters"
    )
    legal_text_url: str | None = None

    @field_validator("licensing_mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        from registry.offer_terms import LICENSING_MODES

        if value not in LICENSING_MODES:
            raise ValueError(
                f"unknown licensing mode {value!r}; one of {', '.join(LICENSING_MODES)}"
            )
        return value

    @field_validator("eligibility")
    @classmethod
    def _eligibility(cls, value: list[str]) -> list[str]:
        from registry.offer_terms import ELIGIBILITY

        unknown = [v for v in value if v not in ELIGIBILITY]
        if unknown:
            raise ValueError(
                f"unknown eligibility {', '.join(unknown)}; one of {', '.join(ELIGIBILITY)}"
            )
        return value

    @field_validator("territory")
    @classmethod
    def _territory(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in _TERRITORIES and not _COUNTRY.match(v)]
        if bad:
            raise ValueError(
                f"unknown territory {', '.join(bad)}: ISO 3166 codes, EU, EEA or worldwide"
            )
        return value

    @field_validator("legal_text_url")
    @classmethod
    def _legal(cls, value: str | None) -> str | None:
        if value is not None and not value.strip().lower().startswith(("http://", "https://")):
            raise ValueError("the legal text is a web address (http:// or https://)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Terms:
        mode = self.licensing_mode
        if self.exclusivity in ("exclusive", "field-exclusive") and mode in _OPEN_TO_ALL:
            raise ValueError(
                f"an {self.exclusivity} licence contradicts the licensing mode {mode!r},"
                " which offers the same terms to everyone"
            )
        if mode == "exclusive-licence" and self.exclusivity == "non-exclusive":
            raise ValueError("an exclusive licence cannot be non-exclusive")
        if self.royalty in ("fixed", "running") and mode in _ROYALTY_FREE_MODES:
            raise ValueError(f"a {self.royalty} royalty contradicts the royalty-free mode {mode!r}")
        if self.exclusivity == "field-exclusive" and not self.field_of_use:
            raise ValueError("a field-exclusive licence names its field of use")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self

    @property
    def royalty_free(self) -> bool:
        return self.royalty == "free" or self.licensing_mode in _ROYALTY_FREE_MODES


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
    offeror: Offeror
    contact: Contact
    assets: list[Asset] = Field(min_length=1)
    terms: Terms
    trl: int | None = Field(default=None, ge=1, le=9, description="Technology readiness level")
    sdgs: list[Annotated[int, Field(ge=1, le=17)]] = Field(
        default_factory=list, description="UN Sustainable Development Goals, 1-17"
    )
    technology_fields: list[str] = Field(default_factory=list)
    status: Literal["draft", "published", "expired", "withdrawn"] = "published"
    last_verified: date | None = None
    review_due: date | None = Field(
        default=None, description="When the offer must be confirmed again (12 months by default)"
    )

    @model_validator(mode="after")
    def _offer_rules(self) -> IPOffer:
        if not self.challenges:
            raise ValueError("an offer names the societal challenge(s) it addresses")
        if self.last_verified and self.review_due is None:
            self.review_due = _plus_months(self.last_verified, 12)
        if self.last_verified and self.review_due and self.review_due < self.last_verified:
            raise ValueError("review_due is before last_verified")
        return self

    # What the offer is, in the flat form search, feeds and pages use.
    @property
    def ip_types(self) -> list[str]:
        return list(dict.fromkeys(a.type for a in self.assets))

    @property
    def patents(self) -> list[PatentRef]:
        return [p for asset in self.assets for p in asset.patents]

    @property
    def licensing_mode(self) -> str:
        return self.terms.licensing_mode

    @property
    def terms_summary(self) -> str:
        return self.terms.summary

    @property
    def legal_text_url(self) -> str | None:
        return self.terms.legal_text_url

    def is_current(self, today: date) -> bool:
        """Published and not past its review date: what default search shows."""
        return self.status == "published" and (self.review_due is None or self.review_due >= today)


def _plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


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
    publisher: str | None = Field(
        default=None,
        description="The publisher whose API key may manage this source and its offers",
    )
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
