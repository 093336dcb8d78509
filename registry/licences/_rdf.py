"""Licences and attribution as RDF (rdflib graphs).

- :func:`attribution_graph`: a record's attribution, about its registry URI, in the terms
  Creative Commons and schema.org define: ``cc:attributionName``, ``cc:attributionURL``,
  ``schema:creditText`` and the licence (``cc:license``, ``dct:license``, ``schema:license``)
  or, for a rights statement, ``dct:rights``.
- :func:`licence_graph`: licences of the vocabulary, in the terms of ``vocab/licences.ttl``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from registry.licences._attribution import _names, attribution, source_link
from registry.licences._normalise import licence_by_uri
from registry.licences._vocabulary import CC, REG, Licence
from registry.models import IPOffer, Work

__all__ = ["SCHEMA", "attribution_graph", "licence_graph"]

SCHEMA = Namespace("https://schema.org/")

# Characters an IRI may not hold (RFC 3987): such a "link" is kept as a typed literal.
_NOT_IRI = re.compile(r'[\s<>"{}|\\^`]')


def _bind(graph: Graph) -> Graph:
    graph.bind("cc", CC)
    graph.bind("dct", DCTERMS)
    graph.bind("schema", SCHEMA)
    graph.bind("skos", SKOS)
    graph.bind("reg", REG)
    return graph


def _resource(value: str) -> URIRef | Literal:
    """A web address as an IRI, or as an ``xsd:anyURI`` literal when it is no valid IRI."""
    value = value.strip()
    if value.lower().startswith(("http://", "https://")) and not _NOT_IRI.search(value):
        return URIRef(value)
    return Literal(value, datatype=XSD.anyURI)


def attribution_graph(
    record: Work | IPOffer, *, base_uri: str, record_uri: str | None = None
) -> Graph:
    """The attribution of a record as RDF, about ``record_uri`` (by default
    ``{base_uri}/records/{id}``)."""
    subject = URIRef(record_uri or f"{base_uri.rstrip('/')}/records/{record.id}")
    credit = record.attribution or attribution(record, base_uri=base_uri)
    graph = _bind(Graph())
    graph.add((subject, RDF.type, SCHEMA.CreativeWork))
    graph.add((subject, RDF.type, CC.Work))
    title = " ".join(record.title.split())
    if title:
        graph.add((subject, DCTERMS.title, Literal(title)))
    names = " ".join(_names(record).split())
    if names:
        graph.add((subject, CC.attributionName, Literal(names)))
    graph.add((subject, CC.attributionURL, _resource(source_link(record, base_uri=base_uri))))
    graph.add((subject, SCHEMA.creditText, Literal(credit.text)))
    uri = record.licence.uri
    if uri:
        licence = licence_by_uri(uri)
        target = _resource(uri)
        if licence is not None and licence.kind == "rights-statement":
            graph.add((subject, DCTERMS.rights, target))
        else:
            graph.add((subject, CC.license, target))
            graph.add((subject, DCTERMS.license, target))
            graph.add((subject, SCHEMA.license, target))
    return graph


def licence_graph(licences: Iterable[Licence]) -> Graph:
    """Licences as RDF, in the terms of the vocabulary file (``vocab/licences.ttl``)."""
    graph = _bind(Graph())
    for licence in licences:
        subject = URIRef(licence.uri)
        graph.add((subject, RDF.type, CC.License))
        if licence.kind == "public-domain":
            graph.add((subject, RDF.type, REG.PublicDomainTool))
        elif licence.kind == "rights-statement":
            graph.add((subject, RDF.type, DCTERMS.RightsStatement))
        for language, label in sorted(licence.labels.items()):
            graph.add((subject, SKOS.prefLabel, Literal(label, lang=language)))
        tagged = licence.tagged_alt_labels or tuple((a, None) for a in licence.alt_labels)
        for alt_label, alt_language in tagged:
            graph.add((subject, SKOS.altLabel, Literal(alt_label, lang=alt_language)))
        for alias in licence.aliases:
            graph.add((subject, REG.alias, Literal(alias)))
        for other in licence.alt_uris:
            graph.add((subject, REG.altUri, _resource(other)))
        graph.add((subject, REG.family, Literal(licence.family)))
        if licence.version:
            graph.add((subject, REG.version, Literal(licence.version)))
        if licence.jurisdiction:
            graph.add((subject, CC.jurisdiction, _resource(licence.jurisdiction)))
        if licence.spdx:
            graph.add((subject, REG.spdx, Literal(licence.spdx)))
        for predicate, terms in (
            (CC.permits, licence.permits),
            (CC.requires, licence.requires),
            (CC.prohibits, licence.prohibits),
        ):
            for term in sorted(terms):
                graph.add((subject, predicate, CC[term]))
        graph.add((subject, REG.reuseClass, Literal(licence.reuse_class)))
    return graph
