"""What a record looks like to a search engine: its fields and its stored summary.

Shared by every backend so that all of them index the same thing.
"""

from __future__ import annotations

from typing import Any

from registry.models import IPOffer, Work

#: Analysed languages: a record's text goes to the fields of its languages, or of all
#: of them when it names none of these.
LANGUAGES: tuple[str, ...] = ("nl", "en")

#: Field weights for BM25 ranking: title > subjects > description.
WEIGHTS: dict[str, float] = {"title": 3.0, "subjects": 2.0, "description": 1.0}

_ISO_639: dict[str, str] = {
    "dut": "nl",
    "nld": "nl",
    "nl-nl": "nl",
    "nl-be": "nl",
    "dutch": "nl",
    "nederlands": "nl",
    "eng": "en",
    "en-gb": "en",
    "en-us": "en",
    "english": "en",
    "engels": "en",
}


def language_code(value: str) -> str:
    """A language as a lower-case two-letter code where one is known."""
    low = value.strip().lower()
    return _ISO_639.get(low, low.split("-")[0] if len(low) > 3 and "-" in low else low)


def analysed_languages(record: Work | IPOffer) -> tuple[str, ...]:
    langs = tuple(lang for lang in LANGUAGES if lang in record.languages)
    return langs or LANGUAGES


def summary(record: Work | IPOffer) -> dict[str, Any]:
    """The part of a record that a search result shows (stored in the index)."""
    licence = record.licence
    out: dict[str, Any] = {
        "id": record.id,
        "kind": record.kind,
        "title": record.title,
        "description": (record.description or "")[:300] or None,
        "creators": record.creators[:5],
        "source": record.source,
        "languages": record.languages,
        "challenges": record.challenges,
        "licence": {
            "uri": licence.uri,
            "label": licence.label,
            "open": licence.open,
            "reuse_class": licence.reuse_class,
        },
        "attribution": record.attribution.model_dump() if record.attribution else None,
    }
    if isinstance(record, IPOffer):
        out["ip_types"] = record.ip_types
        out["offeror"] = record.offeror.name
    return out


def facet_values(record: Work | IPOffer) -> dict[str, list[str]]:
    """The keyword value(s) of each facet for a record."""
    return {
        "kind": [record.kind],
        "open": ["true" if record.licence.open else "false"],
        "licence": [record.licence.uri or "none"],
        "source": [record.source],
        "language": record.languages or ["und"],
        "challenge": record.challenges,
    }
