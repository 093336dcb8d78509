"""An OAI-PMH 2.0 data provider over the registry, independent of any web framework.

``OAIProvider(store, settings).handle(arguments) -> bytes`` answers the six verbs
(Identify, ListMetadataFormats, ListSets, GetRecord, ListIdentifiers, ListRecords) in
``oai_dc`` and ``rdf`` (RDF/XML), with sets per source and per licence family,
persistent deleted records from the store's tombstones, and resumption tokens that carry
their whole state (they survive a restart). ``registry.api.oai`` serves it at ``/oai``.

- ``_protocol``: the verbs' arguments, the error conditions, datestamps, from/until;
- ``_sets``: the set hierarchy and how a licence family is spelt in a setSpec;
- ``_tokens``: the resumption tokens;
- ``_formats``: the metadata formats and the Dublin Core mapping;
- ``_provider``: the provider.
"""

from __future__ import annotations

from registry.oai._formats import FORMATS, MetadataFormat, dublin_core
from registry.oai._protocol import OAIError, datestamp
from registry.oai._provider import OAIProvider
from registry.oai._sets import family_of, licence_spec
from registry.oai._tokens import ListState, TokenCodec, TokenError

__all__ = [
    "FORMATS",
    "ListState",
    "MetadataFormat",
    "OAIError",
    "OAIProvider",
    "TokenCodec",
    "TokenError",
    "datestamp",
    "dublin_core",
    "family_of",
    "licence_spec",
]
