"""Dublin Core (``oai_dc``): the format every OAI-PMH repository speaks."""

from __future__ import annotations

from harvesters.base import RawRecord
from registry.models import Source, Work
from registry.normalise._common import Mapper, NormaliseError, build_work, first, values

__all__ = ["MAPPERS", "map_dublin_core"]


def map_dublin_core(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """An ``oai_dc`` record (payload: ``{"sets": [...], "metadata": {element: [{value, lang}]}}``)."""
    metadata = (raw.payload or {}).get("metadata")
    if not isinstance(metadata, dict):
        raise NormaliseError("the record has no Dublin Core metadata")
    return build_work(
        source,
        raw,
        base_uri,
        title=first(values(metadata, "title")),
        rights=values(metadata, "rights"),
        description=first(values(metadata, "description")),
        creators=values(metadata, "creator"),
        publisher=first(values(metadata, "publisher")),
        subjects=values(metadata, "subject"),
        language_values=values(metadata, "language"),
        identifiers=values(metadata, "identifier"),
        issued=first(values(metadata, "date")),
        types=values(metadata, "type"),
        formats=values(metadata, "format"),
    )


MAPPERS: dict[str, Mapper] = {"oai_dc": map_dublin_core}
