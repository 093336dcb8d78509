"""Linked data: every record as RDF, in the vocabularies linked-data clients know.

- :func:`record_triples`: one record as pyoxigraph triples (see ``_mapping`` for the
  terms), deterministic IRIs and no blank nodes.
- :func:`serialize` and :func:`write_stream`: those triples as Turtle, N-Triples, JSON-LD
  or RDF/XML (:data:`FORMATS`), one document or a stream.
- ``vocab/context.jsonld`` is the JSON-LD context; ``vocab/types.ttl`` and
  ``vocab/challenges.ttl`` the SKOS schemes; ``schemas/registry-shapes.ttl`` the SHACL
  shapes every record's graph conforms to.
"""

from __future__ import annotations

from registry.rdf._mapping import (
    catalog_uri,
    record_quads,
    record_triples,
    record_uri,
    resource,
    type_scheme_triples,
)
from registry.rdf._serialize import (
    ALIASES,
    FORMATS,
    SUFFIXES,
    jsonld_context,
    media_type_of,
    serialize,
    write_stream,
)
from registry.rdf._terms import PREFIXES
from registry.rdf._types import TYPES, type_slug

__all__ = [
    "ALIASES",
    "FORMATS",
    "PREFIXES",
    "SUFFIXES",
    "TYPES",
    "catalog_uri",
    "jsonld_context",
    "media_type_of",
    "record_quads",
    "record_triples",
    "record_uri",
    "resource",
    "serialize",
    "type_scheme_triples",
    "type_slug",
    "write_stream",
]
