"""Normalise: a raw source record becomes a typed domain record.

One mapper per metadata format, looked up in :data:`MAPPERS` by the raw record's
``format`` (``oai_dc``, ``datacite``, ``edm``, ``mods``, ``didl``, ``dcat``, ``rss``,
``ckan``, ``qdc``, ``offer``...). Each family of formats has its module; mappers are pure (no I/O),
resolve the licence against the vocabulary and compute the attribution.
"""

from __future__ import annotations

from harvesters.base import RawRecord
from registry.models import IPOffer, Source, Work
from registry.normalise import _ckan, _dc, _dcat, _feeds, _oai_formats, _offer
from registry.normalise._common import Mapper, NormaliseError, build_work

__all__ = ["MAPPERS", "Mapper", "NormaliseError", "build_work", "to_record"]

MAPPERS: dict[str, Mapper] = {
    **_dc.MAPPERS,
    **_oai_formats.MAPPERS,
    **_dcat.MAPPERS,
    **_feeds.MAPPERS,
    **_ckan.MAPPERS,
    **_offer.MAPPERS,
}


def to_record(source: Source, raw: RawRecord, base_uri: str) -> Work | IPOffer:
    """The domain record for a raw record; raises :class:`NormaliseError` or pydantic's
    ``ValidationError`` when it cannot be made."""
    mapper = MAPPERS.get(raw.format)
    if mapper is None:
        raise NormaliseError(f"no mapper for the metadata format {raw.format!r}")
    return mapper(source, raw, base_uri)
