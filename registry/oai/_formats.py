"""The metadata formats the provider disseminates, and how a record becomes each.

==========  =================================================================================
prefix      schema and metadataNamespace
==========  =================================================================================
``oai_dc``  http://www.openarchives.org/OAI/2.0/oai_dc.xsd
            http://www.openarchives.org/OAI/2.0/oai_dc/
``rdf``     http://www.openarchives.org/OAI/2.0/rdf.xsd
            http://www.w3.org/1999/02/22-rdf-syntax-ns# (the root element is ``rdf:RDF``)
==========  =================================================================================

``oai_dc``: a record's fields as the fifteen Dublin Core elements:

===============  ==================================================================
element          from
===============  ==================================================================
``title``        title
``creator``      creators
``subject``      subjects, then the English labels of the societal challenges
``description``  description; an IP offer's terms summary
``publisher``    publisher (an IP offer without one: the offeror)
``date``         issued
``type``         types (an IP offer: its IP types)
``format``       formats
``identifier``   the landing page, the source's identifiers, the record's URI here
``language``     languages (ISO 639-1)
``relation``     an IP offer's patents (as people write them) and the URL of its
                 legal text
``rights``       the licence URI, the licence's label, the statement as the source
                 gave it, and the publisher's attribution instruction
                 (``Attribution: ...``)
===============  ==================================================================

``rdf``: the record's graph (:func:`registry.rdf.record_triples`) as RDF/XML, the same
triples ``/records/{id}.rdf`` serves, with the registry's provenance of the record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from harvesters.xml import parse_strict
from registry.models import CHALLENGES, IPOffer, Work
from registry.oai._protocol import xml_text

__all__ = [
    "DC",
    "FORMATS",
    "OAI_DC",
    "RDF",
    "MetadataFormat",
    "dublin_core",
    "dublin_core_element",
    "rdf_element",
]

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True, slots=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


#: metadataPrefix -> format, in the order ListMetadataFormats lists them.
FORMATS: dict[str, MetadataFormat] = {
    "oai_dc": MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC),
    "rdf": MetadataFormat("rdf", "http://www.openarchives.org/OAI/2.0/rdf.xsd", RDF),
}


def _unique(values: Iterator[str | None]) -> Iterator[str]:
    seen: set[str] = set()
    for value in values:
        text = " ".join(xml_text(value).split()) if value else ""
        if text and text not in seen:
            seen.add(text)
            yield text


def _subjects(record: Work | IPOffer) -> Iterator[str | None]:
    yield from record.subjects
    have = {s.casefold() for s in record.subjects}
    for challenge in record.challenges:
        label = CHALLENGES.get(challenge, {}).get("en")
        if label and label.casefold() not in have:
            yield label


def _rights(record: Work | IPOffer) -> Iterator[str | None]:
    licence = record.licence
    yield licence.uri
    yield licence.label
    yield licence.raw
    if record.attribution_instruction:
        yield f"Attribution: {record.attribution_instruction}"


def dublin_core(record: Work | IPOffer, uri: str) -> list[tuple[str, str]]:
    """The record as (Dublin Core element, value) pairs, each value once per element."""
    offer = record if isinstance(record, IPOffer) else None
    work = record if isinstance(record, Work) else None
    fields: list[tuple[str, Iterator[str | None]]] = [
        ("title", iter([record.title])),
        ("creator", iter(record.creators)),
        ("subject", _subjects(record)),
        ("description", iter([record.description, offer.terms_summary if offer else None])),
        ("publisher", iter([record.publisher or (offer.offeror.name if offer else None)])),
        ("date", iter([record.issued])),
        ("type", iter(work.types if work else offer.ip_types if offer else [])),
        ("format", iter(work.formats if work else [])),
        ("identifier", iter([record.landing_page, *record.identifiers, uri])),
        ("language", iter(record.languages)),
        ("relation", iter([*map(str, offer.patents), offer.legal_text_url] if offer else [])),
        ("rights", _rights(record)),
    ]
    return [(name, value) for name, values in fields for value in _unique(values)]


def dublin_core_element(record: Work | IPOffer, uri: str) -> etree._Element:
    """The record's ``oai_dc:dc`` element (with its xsi:schemaLocation)."""
    root = etree.Element(
        f"{{{OAI_DC}}}dc",
        nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI},
        attrib={f"{{{XSI}}}schemaLocation": f"{OAI_DC} {FORMATS['oai_dc'].schema}"},
    )
    for name, value in dublin_core(record, uri):
        etree.SubElement(root, f"{{{DC}}}{name}").text = value
    return root


def rdf_element(
    record: Work | IPOffer, *, base_uri: str, updated: datetime | None, run: int | None
) -> etree._Element:
    """The record's graph as an ``rdf:RDF`` element."""
    from registry.rdf import record_triples, serialize

    triples = record_triples(record, base_uri=base_uri, updated=updated, run=run)
    return parse_strict(serialize(triples, "application/rdf+xml"))
