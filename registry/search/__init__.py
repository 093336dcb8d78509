"""Search: the protocol every search backend follows, and the query it answers.

The embedded backend is Tantivy (:mod:`registry.search.tantivy_backend`); the
distributed ones (Elasticsearch, OpenSearch) follow the same protocol. A backend is a
projection of the store: it is fed from the change feed and can be rebuilt at any time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from registry.store import Change

__all__ = [
    "FACETS",
    "FacetValue",
    "Hit",
    "SearchBackend",
    "SearchQuery",
    "SearchResult",
]

#: The facets every search answers with, in this order.
FACETS: tuple[str, ...] = (
    "kind",
    "open",
    "reuse",
    "commercial",
    "derivatives",
    "family",
    "licence",
    "source",
    "language",
    "challenge",
    "ip_type",
    "licensing_mode",
    "royalty_free",
    "trl",
    "territory",
)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A search, already validated: the backend can trust every value."""

    q: str = ""
    open: bool | None = None
    licence: tuple[str, ...] = ()
    kind: str | None = None
    source: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    challenge: tuple[str, ...] = ()
    reuse: tuple[str, ...] = ()
    commercial: bool | None = None
    derivatives: bool | None = None
    family: tuple[str, ...] = ()
    ip_type: tuple[str, ...] = ()
    licensing_mode: tuple[str, ...] = ()
    royalty_free: bool | None = None
    territory: tuple[str, ...] = ()
    trl_min: int | None = None
    trl_max: int | None = None
    patent: tuple[str, ...] = ()
    """Patent numbers in DOCDB form, with or without kind code."""
    include_expired: bool = False
    """Also offers past their review date, withdrawn or draft (default search hides them)."""
    page_size: int = 20
    offset: int = 0
    facet_size: int = 50

    def fingerprint(self) -> dict[str, Any]:
        """What identifies the result list (everything but the page position)."""
        return {
            "q": self.q,
            "open": self.open,
            "licence": list(self.licence),
            "kind": self.kind,
            "source": list(self.source),
            "language": list(self.language),
            "challenge": list(self.challenge),
            "reuse": list(self.reuse),
            "commercial": self.commercial,
            "derivatives": self.derivatives,
            "family": list(self.family),
            "ip_type": list(self.ip_type),
            "licensing_mode": list(self.licensing_mode),
            "royalty_free": self.royalty_free,
            "territory": list(self.territory),
            "trl": [self.trl_min, self.trl_max],
            "patent": list(self.patent),
            "include_expired": self.include_expired,
        }


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    score: float
    summary: dict[str, Any]
    """The stored summary of the record (see :func:`registry.search.documents.summary`)."""


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int


@dataclass(slots=True)
class SearchResult:
    total: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


class SearchBackend(Protocol):
    """What the registry needs from a search engine."""

    name: str

    @property
    def holds_writer(self) -> bool:
        """Whether this process may write the index (always, for a distributed engine)."""
        ...

    def acquire_writer(self) -> None:
        """Take the right to write; raises :class:`~registry.errors.IndexBusy` when another
        process has it (embedded engines allow one writer)."""
        ...

    def apply(self, changes: Sequence[Change]) -> None:
        """Index upserted records and remove deleted ones; visible to searches on return."""
        ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def count(self) -> int: ...

    def clear(self) -> None:
        """Remove every document (before a rebuild)."""
        ...

    def close(self) -> None: ...
