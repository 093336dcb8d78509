"""Which metadata format an OAI-PMH record is in, told by its root element's namespace.

Repositories name the same format differently (``datacite``, ``oai_datacite``,
``datacite4``; ``edm``, ``rdf``, ``europeana``), so the harvester names a record's format by
the namespace of the metadata's root element, falling back on the metadataPrefix. The names
are the keys of the registry's mappers (``registry.normalise.MAPPERS``).
"""

from __future__ import annotations

__all__ = ["FORMAT_BY_NAMESPACE", "format_of"]

FORMAT_BY_NAMESPACE: dict[str, str] = {
    "http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc",
    "http://datacite.org/schema/kernel-2.2": "datacite",
    "http://datacite.org/schema/kernel-3": "datacite",
    "http://datacite.org/schema/kernel-4": "datacite",
    "http://schema.datacite.org/oai/oai-1.0/": "datacite",
    "http://schema.datacite.org/oai/oai-1.1/": "datacite",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "edm",
    "http://www.loc.gov/mods/v3": "mods",
    "urn:mpeg:mpeg21:2002:02-DIDL-NS": "didl",
    "http://worldcat.org/xmlschemas/qdc-1.0/": "qdc",
}


def format_of(namespace: str | None, metadata_prefix: str) -> str:
    """The mapper name for a record whose metadata root is in ``namespace``."""
    return FORMAT_BY_NAMESPACE.get(namespace or "", metadata_prefix)
