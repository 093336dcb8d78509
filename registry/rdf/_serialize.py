"""Writing triples in the RDF syntaxes the registry serves.

| media type | suffix | written by |
| --- | --- | --- |
| text/turtle | .ttl | pyoxigraph, with the registry's prefixes |
| application/n-triples | .nt | pyoxigraph |
| application/ld+json | .jsonld | rdflib, compacted with the registry's context (``vocab/context.jsonld``) |
| application/rdf+xml | .rdf | pyoxigraph, with the registry's prefixes |

One record's graph is small, so JSON-LD goes through rdflib for a compact, readable
document; streams (the export) use pyoxigraph's expanded JSON-LD, which writes as it goes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import IO, Any

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple
from pyoxigraph import serialize as ox_serialize

from registry.rdf._terms import PREFIXES

__all__ = ["FORMATS", "SUFFIXES", "jsonld_context", "serialize", "write_stream"]

#: media type -> (suffix, pyoxigraph format)
FORMATS: dict[str, tuple[str, RdfFormat]] = {
    "text/turtle": (".ttl", RdfFormat.TURTLE),
    "application/ld+json": (".jsonld", RdfFormat.JSON_LD),
    "application/n-triples": (".nt", RdfFormat.N_TRIPLES),
    "application/rdf+xml": (".rdf", RdfFormat.RDF_XML),
}

#: suffix -> media type
SUFFIXES: dict[str, str] = {suffix: media for media, (suffix, _) in FORMATS.items()}

#: other names clients and the command line use for the same formats
ALIASES: dict[str, str] = {
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "xml": "application/rdf+xml",
}


def media_type_of(name: str) -> str:
    """The media type for a format name, suffix or media type; ValueError when unknown."""
    key = name.strip().lower().lstrip(".")
    if key in ALIASES:
        return ALIASES[key]
    if name in FORMATS:
        return name
    raise ValueError(f"unknown RDF format {name!r}: use one of ttl, nt, jsonld, rdfxml")


@lru_cache(maxsize=1)
def jsonld_context() -> dict[str, Any]:
    """The registry's JSON-LD context (``vocab/context.jsonld``), terms to IRIs."""
    text = resources.files("vocab").joinpath("context.jsonld").read_text(encoding="utf-8")
    context: dict[str, Any] = json.loads(text)["@context"]
    return context


def serialize(triples: Iterable[Triple], media_type: str) -> bytes:
    """Triples as one document in ``media_type`` (see :data:`FORMATS`)."""
    media_type = media_type_of(media_type)
    triples = list(triples)
    if media_type == "application/ld+json":
        return _compact_jsonld(triples)
    _, rdf_format = FORMATS[media_type]
    prefixes = None if rdf_format == RdfFormat.N_TRIPLES else _used_prefixes(triples)
    out = ox_serialize(triples, format=rdf_format, prefixes=prefixes)
    assert out is not None
    return bytes(out)


def _used_prefixes(triples: list[Triple]) -> dict[str, str]:
    """The registry's prefixes that the triples use (a document declares no others)."""
    iris = set()
    for triple in triples:
        iris.add(triple.predicate.value)
        for term in (triple.subject, triple.object):
            if isinstance(term, NamedNode):
                iris.add(term.value)
            elif isinstance(term, Literal):
                iris.add(term.datatype.value)
    return {
        name: namespace
        for name, namespace in PREFIXES.items()
        if any(iri.startswith(namespace) for iri in iris)
    }


def write_stream(triples: Iterable[Triple], output: IO[bytes], media_type: str) -> None:
    """Triples written to ``output`` as they come (constant memory, whatever their number)."""
    media_type = media_type_of(media_type)
    _, rdf_format = FORMATS[media_type]
    prefixes = None if rdf_format in (RdfFormat.N_TRIPLES, RdfFormat.JSON_LD) else PREFIXES
    ox_serialize(triples, output, format=rdf_format, prefixes=prefixes)


def _compact_jsonld(triples: list[Triple]) -> bytes:
    from rdflib import Graph

    graph = Graph()
    if triples:
        graph.parse(data=ox_serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    text = graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True)
    return text.encode("utf-8")
