"""What every mapper shares: reading values, recognising challenges, building a work.

A mapper turns one :class:`~harvesters.base.RawRecord` into a domain record. Mappers of
descriptive formats (Dublin Core, DataCite, DCAT, feeds, CKAN) collect plain fields and
hand them to :func:`build_work`, which resolves the licence and computes the attribution
the same way for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from harvesters.base import RawRecord
from registry.licences import attribution, normalise_many
from registry.models import CHALLENGES, IPOffer, Source, Work, record_id
from registry.search.documents import language_code

__all__ = [
    "Mapper",
    "NormaliseError",
    "build_work",
    "challenges_in",
    "first",
    "landing_page",
    "languages",
    "split_rights",
    "values",
]

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


def values(metadata: dict[str, Any], element: str) -> list[str]:
    """The non-empty values of ``element`` (items are strings or ``{"value": ...}``), with
    their white space collapsed."""
    items = metadata.get(element)
    if not items:
        return []
    out = []
    for item in items:
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, str) and value:
            if not _is_collapsed(value):
                value = " ".join(value.split())
            if value:
                out.append(value)
    return out


def _is_collapsed(text: str) -> bool:
    """Whether ``text`` has no white space to collapse (checked in C, without splitting);
    ``isprintable`` is False for every white-space character but the plain space."""
    return text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " "


def first(items: list[str]) -> str | None:
    return items[0] if items else None


def languages(items: Iterable[str]) -> list[str]:
    """Language values as ISO 639-1 codes where known, without repeats."""
    return list(dict.fromkeys(language_code(v) for v in items if v.strip()))


def challenges_in(subjects: Iterable[str]) -> list[str]:
    """The societal challenges named among subjects (by id or by English or Dutch label)."""
    found = [_CHALLENGE_BY_LABEL.get(v.strip().lower()) for v in subjects]
    return list(dict.fromkeys(c for c in found if c))


def landing_page(identifiers: Iterable[str]) -> str | None:
    """The first web link among identifiers, preferring one that is not a DOI resolver."""
    links = [i for i in identifiers if i.startswith(("http://", "https://"))]
    for link in links:
        if "doi.org/" not in link:
            return link
    return first(links)


def split_rights(statements: Iterable[str]) -> tuple[list[str], str | None]:
    """Rights values split into licence statements and an attribution instruction
    ("Naamsvermelding: ...", "Credit: ...")."""
    instruction = None
    licences: list[str] = []
    for value in statements:
        match = _INSTRUCTION.match(value)
        if match:
            instruction = match.group(2).strip()
        else:
            licences.append(value)
    return licences, instruction


def _clean(items: Iterable[str | None]) -> list[str]:
    """Non-empty values, white space collapsed, each once, in order."""
    out: dict[str, None] = {}
    for value in items:
        if value:
            if not _is_collapsed(value):
                value = " ".join(value.split())
                if not value:
                    continue
            out[value] = None
    return list(out)


def build_work(
    source: Source,
    raw: RawRecord,
    base_uri: str,
    *,
    title: str | None,
    rights: Iterable[str | None] = (),
    licence_convention: str | None = None,
    description: str | None = None,
    creators: Iterable[str | None] = (),
    publisher: str | None = None,
    subjects: Iterable[str | None] = (),
    language_values: Iterable[str | None] = (),
    identifiers: Iterable[str | None] = (),
    landing: str | None = None,
    issued: str | None = None,
    modified: datetime | None = None,
    types: Iterable[str | None] = (),
    formats: Iterable[str | None] = (),
    rights_holder: str | None = None,
    attribution_instruction: str | None = None,
) -> Work:
    """A :class:`Work` from a mapper's fields, its licence resolved from the ``rights``
    statements (URIs, codes or sentences; the best one wins) and its attribution computed.

    Raises :class:`NormaliseError` without a title.
    """
    title = " ".join((title or "").split())
    if not title:
        raise NormaliseError("the record has no title")
    statements, instruction = split_rights(_clean(rights))
    subject_list = _clean(subjects)
    identifier_list = _clean(identifiers)
    description = " ".join(description.split()) if description else None
    work = Work(
        id=record_id(source.name, raw.identifier),
        source=source.name,
        source_identifier=raw.identifier,
        title=title,
        description=description or None,
        creators=_clean(creators),
        publisher=" ".join(publisher.split()) if publisher and publisher.strip() else None,
        subjects=subject_list,
        languages=languages(_clean(language_values)),
        challenges=challenges_in(subject_list),
        identifiers=identifier_list,
        landing_page=landing or landing_page(identifier_list),
        issued=issued,
        modified=modified if modified is not None else raw.datestamp,
        licence=normalise_many(statements, convention=licence_convention),
        attribution_instruction=attribution_instruction or instruction,
        types=_clean(types),
        formats=_clean(formats),
        rights_holder=rights_holder,
    )
    work.attribution = attribution(work, base_uri=base_uri)
    return work
