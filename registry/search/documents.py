"""What a record looks like to a search engine: its fields and its stored summary.

Shared by every backend so that all of them index the same thing.
"""

from __future__ import annotations

from typing import Any

#: Analysed languages: a record's text goes to the fields of its languages, or of all
#: of them when it names none of these.
LANGUAGES: tuple[str, ...] = ("nl", "en")

#: How many times each language's stemmer runs, in every engine. Dutch twice: one pass
#: stems a plural in -sen to its singular ("fietsen" to "fiets") but stems that singular
#: further ("fiets" to "fiet"), so a search for the one would miss the other; a second
#: pass brings both to one stem and leaves the stems that need no second pass as they are.
STEM_PASSES: dict[str, int] = {"nl": 2, "en": 1}

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
    low = value.strip().lower().replace("_", "-")  # en_US is a locale, en-US a tag
    return _ISO_639.get(low, low.split("-")[0] if len(low) > 3 and "-" in low else low)


def analysed_languages(data: dict[str, Any]) -> tuple[str, ...]:
    langs = tuple(lang for lang in LANGUAGES if lang in (data.get("languages") or ()))
    return langs or LANGUAGES


def texts(data: dict[str, Any]) -> dict[str, str]:
    """The analysed text of a record, per weighted field."""
    return {
        "title": data.get("title") or "",
        "subjects": " \n ".join(data.get("subjects") or ()),
        "description": data.get("description") or "",
    }


def summary(data: dict[str, Any]) -> dict[str, Any]:
    """The part of a record that a search result shows (stored in the index).

    ``data`` is the record as JSON-ready data (``record.model_dump(mode="json")``).
    """
    licence = data.get("licence") or {}
    out: dict[str, Any] = {
        "id": data["id"],
        "kind": data["kind"],
        "title": data["title"],
        "description": (data.get("description") or "")[:300] or None,
        "creators": (data.get("creators") or [])[:5],
        "source": data["source"],
        "languages": data.get("languages") or [],
        "challenges": data.get("challenges") or [],
        "licence": {
            "uri": licence.get("uri"),
            "label": licence.get("label"),
            "open": licence.get("reuse_class") == "open",
            "reuse_class": licence.get("reuse_class", "permission"),
            "family": licence.get("family"),
            "commercial": bool(licence.get("commercial")),
            "derivatives": bool(licence.get("derivatives")),
        },
        "attribution": data.get("attribution"),
    }
    if data["kind"] == "ip-offer":
        out["ip_types"] = list(dict.fromkeys(a["type"] for a in data.get("assets") or []))
        out["offeror"] = (data.get("offeror") or {}).get("name")
    return out


def facet_values(data: dict[str, Any]) -> dict[str, list[str]]:
    """The keyword value(s) of each facet for a record."""
    licence = data.get("licence") or {}
    return {
        "kind": [data["kind"]],
        "open": ["true" if licence.get("reuse_class") == "open" else "false"],
        "reuse": [licence.get("reuse_class") or "permission"],
        "commercial": ["true" if licence.get("commercial") else "false"],
        "derivatives": ["true" if licence.get("derivatives") else "false"],
        "family": [licence.get("family") or "none"],
        "licence": [licence.get("uri") or "none"],
        "source": [data["source"]],
        "language": data.get("languages") or ["und"],
        "challenge": data.get("challenges") or [],
        **_offer_facets(data),
    }


_ROYALTY_FREE_MODES = {
    "public-licence",
    "royalty-free-pledge",
    "non-assertion-covenant",
    "royalty-free-standard",
}
#: The day number (proleptic ordinal) that stands for "never due" (works, and offers
#: without a review date).
NEVER_DUE = 10**7


def _offer_facets(data: dict[str, Any]) -> dict[str, list[str]]:
    """An IP offer's facets: what it offers, on which terms, how ready, where."""
    if data.get("kind") != "ip-offer":
        return {"ip_type": [], "licensing_mode": [], "royalty_free": [], "trl": [], "territory": []}
    terms = data.get("terms") or {}
    mode = terms.get("licensing_mode")
    free = terms.get("royalty") == "free" or mode in _ROYALTY_FREE_MODES
    trl = data.get("trl")
    return {
        "ip_type": list(dict.fromkeys(a["type"] for a in data.get("assets") or [])),
        "licensing_mode": [mode] if mode else [],
        "royalty_free": ["true" if free else "false"],
        "trl": [str(trl)] if trl else [],
        "territory": list(terms.get("territory") or []),
    }


def patent_numbers(data: dict[str, Any]) -> list[str]:
    """Every patent number of an offer in DOCDB form, also without its kind code, so a
    search for ``EP1000000`` finds ``EP.1000000.A1``."""
    out: list[str] = []
    for asset in data.get("assets") or []:
        for patent in asset.get("patents") or []:
            docdb = patent["docdb"]
            out.append(docdb)
            if patent.get("kind"):
                out.append(docdb.rsplit(".", 1)[0])
    return list(dict.fromkeys(out))


def review_due_day(data: dict[str, Any]) -> int:
    """The day an offer is due for review, as a day number (:data:`NEVER_DUE` if never)."""
    due = data.get("review_due")
    if not due:
        return NEVER_DUE
    from datetime import date

    return date.fromisoformat(due).toordinal()
