"""Dublin Core (``oai_dc``): the format every OAI-PMH repository speaks."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from harvesters.base import RawRecord
from harvesters.xml import has_white_space
from registry.models import Source, Work
from registry.normalise._common import Mapper, NormaliseError, _build_work, first, values

__all__ = ["MAPPERS", "map_dublin_core"]

#: The elements a work is made of.
_USED = frozenset(
    (
        "title",
        "rights",
        "description",
        "creator",
        "publisher",
        "subject",
        "language",
        "identifier",
        "date",
        "type",
        "format",
    )
)
_NONE: list[str] = []  # read only
_VALUE = itemgetter("value")


def map_dublin_core(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """An ``oai_dc`` record (payload: ``{"sets": [...], "metadata": {element: [{value, lang}]}}``)."""
    metadata = (raw.payload or {}).get("metadata")
    if not isinstance(metadata, dict):
        raise NormaliseError("the record has no Dublin Core metadata")
    elements, collapsed = _elements(metadata)
    get = elements.get
    return _build_work(
        source,
        raw,
        base_uri,
        collapsed=collapsed,
        title=first(get("title", _NONE)),
        rights=get("rights") or [],
        description=first(get("description", _NONE)),
        creators=get("creator") or [],
        publisher=first(get("publisher", _NONE)),
        subjects=get("subject") or [],
        language_values=get("language") or [],
        identifiers=get("identifier") or [],
        issued=first(get("date", _NONE)),
        types=get("type") or [],
        formats=get("format") or [],
    )


def _elements(metadata: dict[str, Any]) -> tuple[dict[str, list[str]], bool]:
    """The values of the elements a work is made of, as :func:`values` reads them, and
    whether they are all plain strings already collapsed (as :func:`values` makes them).

    Payloads of the OAI-PMH harvester hold plain, collapsed, non-empty values; those are
    checked in one go for the whole record rather than one by one: joined by spaces, they
    hold no run of spaces and no other white space, and start and end with no space, when
    no value is empty or has a space at either end. Anything else is read value by value.
    The lists returned are the caller's own.
    """
    found: dict[str, list[str]] = {}
    everything: list[str] = []
    try:
        for name, items in metadata.items():
            if name in _USED and items:
                texts = list(map(_VALUE, items))
                found[name] = texts
                everything += texts
        joined = " ".join(everything)
    except (TypeError, KeyError):  # items that are not {"value": str}
        return {name: values(metadata, name) for name in _USED}, True
    if (
        not joined
        or joined[0] == " "
        or joined[-1] == " "
        or "  " in joined
        or has_white_space(joined)
        or set(map(type, everything)) != {str}
    ):
        return {name: values(metadata, name) for name in _USED}, True
    return found, True


MAPPERS: dict[str, Mapper] = {"oai_dc": map_dublin_core}
