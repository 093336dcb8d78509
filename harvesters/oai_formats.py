"""Which metadata format an OAI-PMH record is in, told by its root element's namespace.

Repositories name the same format differently (``datacite``, ``oai_datacite``,
``datacite4``; ``edm``, ``rdf``, ``europeana``; ``qdc``, ``oai_qdc``), so the harvester names
a record's format by the namespace of the metadata's root element, falling back on the
metadataPrefix. The names are the keys of the registry's mappers
(``registry.normalise.MAPPERS``).

| format | root element | namespaces |
| --- | --- | --- |
| ``oai_dc`` | ``oai_dc:dc`` | OAI-PMH's own Dublin Core |
| ``datacite`` | ``resource``, or the ``oai_datacite`` wrapper around one | kernel 2.0 to 4, OAI wrapper 1.0 and 1.1 |
| ``edm`` | ``rdf:RDF`` holding ``ore:Aggregation`` and ``edm:ProvidedCHO`` | RDF |
| ``mods`` | ``mods`` or ``modsCollection`` | MODS 3 |
| ``didl`` | ``didl:DIDL`` wrapping one of the above | MPEG-21 DIDL |
| ``qdc`` | ``qualifieddc`` of ``dc:`` and ``dcterms:`` elements | CONTENTdm (OCLC) and DSpace |
| ``oai_rdf`` | ``rdf:RDF`` in OAI-PMH's namespace: an ``ow:Publication`` of ``dc:`` elements | DSpace's ``rdf`` |
"""

from __future__ import annotations

__all__ = ["FORMAT_BY_NAMESPACE", "format_of"]

FORMAT_BY_NAMESPACE: dict[str, str] = {
    "http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc",
    # DataCite metadata kernels; oai.datacite.org served 2.0 and 2.1 inside its wrapper.
    "http://datacite.org/schema/kernel-2.0": "datacite",
    "http://datacite.org/schema/kernel-2.1": "datacite",
    "http://datacite.org/schema/kernel-2.2": "datacite",
    "http://datacite.org/schema/kernel-3": "datacite",
    "http://datacite.org/schema/kernel-4": "datacite",
    # The oai_datacite wrapper (<oai_datacite><payload><resource>), as Zenodo serves it.
    "http://schema.datacite.org/oai/oai-1.0/": "datacite",
    "http://schema.datacite.org/oai/oai-1.1/": "datacite",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "edm",
    "http://www.loc.gov/mods/v3": "mods",
    "urn:mpeg:mpeg21:2002:02-DIDL-NS": "didl",
    # Qualified Dublin Core: CONTENTdm's oai_qdc, its older namespace, DSpace's qdc.
    "http://worldcat.org/xmlschemas/qdc-1.0/": "qdc",
    "http://epubs.cclrc.ac.uk/xmlns/qdc/": "qdc",
    "http://dspace.org/qualifieddc/": "qdc",
    # DSpace's "rdf": OAI-PMH's own rdf namespace, Dublin Core elements inside (not W3C RDF).
    "http://www.openarchives.org/OAI/2.0/rdf/": "oai_rdf",
}


def format_of(namespace: str | None, metadata_prefix: str) -> str:
    """The mapper name for a record whose metadata root is in ``namespace``; the
    metadataPrefix when the namespace is not one of :data:`FORMAT_BY_NAMESPACE`."""
    return FORMAT_BY_NAMESPACE.get(namespace or "", metadata_prefix)
