"""Licences: the vocabulary, the normaliser and attribution.

- :func:`normalise` resolves one rights statement (a URI, an SPDX id, a name in English or
  Dutch, a copyright notice) to a :class:`~registry.models.LicenceRef`;
  :func:`normalise_many` picks the best of a record's statements.
- :func:`licence_by_uri` and :func:`all_licences` read the vocabulary
  (``vocab/licences.ttl``), as :class:`Licence` entries.
- :func:`attribution` writes the credit line a record's licence asks for (text and HTML);
  :func:`attribution_graph` the same as RDF.
- :func:`compatible` answers whether works under some licences may be combined, and under
  which licences the result may be shared (a :class:`Compatibility`).

Everything the normaliser knows is data in ``vocab/licences.ttl``, read once per process.
"""

from __future__ import annotations

from registry.licences._attribution import attribution, source_link
from registry.licences._compatibility import Compatibility, compatible
from registry.licences._normalise import (
    CONFIDENCE_COPYRIGHT_NOTICE,
    CONFIDENCE_EXACT_URI,
    CONFIDENCE_NAME,
    CONFIDENCE_SPDX,
    CONFIDENCE_URI_VARIANT,
    COPYRIGHT_NOTICE_URI,
    licence_by_uri,
    normalise,
    normalise_many,
)
from registry.licences._rdf import attribution_graph, licence_graph
from registry.licences._vocabulary import (
    Licence,
    LicenceKind,
    VocabularyError,
    load_vocabulary,
    vocabulary,
)

__all__ = [
    "CONFIDENCE_COPYRIGHT_NOTICE",
    "CONFIDENCE_EXACT_URI",
    "CONFIDENCE_NAME",
    "CONFIDENCE_SPDX",
    "CONFIDENCE_URI_VARIANT",
    "COPYRIGHT_NOTICE_URI",
    "Compatibility",
    "Licence",
    "LicenceKind",
    "VocabularyError",
    "all_licences",
    "attribution",
    "attribution_graph",
    "compatible",
    "licence_by_uri",
    "licence_graph",
    "load_vocabulary",
    "normalise",
    "normalise_many",
    "source_link",
    "vocabulary",
]


def all_licences() -> list[Licence]:
    """Every licence of the vocabulary, ordered by URI."""
    return list(vocabulary().licences)
