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
    "SwappableBackend",
    "keyword_filters",
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
    search_after: tuple[Any, ...] | None = None
    """Where the previous page ended (its ``SearchResult.next_after``): engines that page by
    sort values (Elasticsearch, OpenSearch) start there instead of skipping ``offset`` hits;
    the others ignore it and use ``offset``."""

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


def keyword_filters(query: SearchQuery) -> dict[str, tuple[str, ...]]:
    """The query's filters on keyword fields (a facet, or ``patent``): per field the values
    any of which a record must have; fields with no values are left out. Every backend
    applies these alike (flags are the keywords "true" and "false")."""
    wanted: dict[str, tuple[str, ...]] = {
        "licence": query.licence,
        "source": query.source,
        "language": query.language,
        "challenge": query.challenge,
        "reuse": query.reuse,
        "family": query.family,
        "ip_type": query.ip_type,
        "licensing_mode": query.licensing_mode,
        "territory": query.territory,
        "patent": query.patent,
    }
    if query.kind is not None:
        wanted["kind"] = (query.kind,)
    for name in ("open", "commercial", "derivatives", "royalty_free"):
        flag = getattr(query, name)
        if flag is not None:
            wanted[name] = ("true" if flag else "false",)
    return {name: values for name, values in wanted.items() if values}


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    score: float
    summary: dict[str, Any]
    """The stored summary of the record (see :func:`registry.search.documents.summary`)."""
    highlights: dict[str, list[str]] = field(default_factory=dict)
    """Fragments of the matching text per field (``title``, ``description``...), the matched
    words in ``<em>``; empty when the engine does not highlight."""


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int


@dataclass(slots=True)
class SearchResult:
    total: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    next_after: tuple[Any, ...] | None = None
    """The sort values of the last hit, for ``SearchQuery.search_after`` (engines that page
    by sort values; ``None`` for the others)."""


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

    def health(self) -> dict[str, Any]:
        """The engine's state for ``/health``: at least ``engine`` and ``status`` ("ok" or
        "down"), with ``error`` when down; never raises."""
        ...

    def close(self) -> None: ...


class SwappableBackend(SearchBackend, Protocol):
    """A backend that rebuilds into a new index while the old one serves, then swaps them
    at once (an index alias): ``registry reindex`` with zero downtime.

    ``instance`` names the index behind the backend (the search projection's checkpoint is
    kept per instance, so a new index is filled from the start of the change feed)."""

    @property
    def instance(self) -> str: ...

    def begin_rebuild(self) -> SwappableBackend:
        """A backend on a new, empty index that searches do not see yet."""
        ...

    def promote(self) -> None:
        """Point searches at this backend's index in one atomic step and drop the indices
        that served before."""
        ...


def detect_engine(url: str, *, verify: bool | str = True, timeout: float = 10.0) -> str:
    """Which engine answers at ``url``: "opensearch" or "elasticsearch" (from the version
    the server reports about itself). :class:`EngineUnavailable` when nothing answers."""
    import ssl
    from urllib.parse import urlsplit, urlunsplit

    import httpx

    from registry.errors import EngineUnavailable

    parts = urlsplit(url)
    auth = None
    if parts.username:
        from urllib.parse import unquote

        auth = (unquote(parts.username), unquote(parts.password or ""))
        host = parts.hostname or ""
        parts = parts._replace(netloc=host + (f":{parts.port}" if parts.port else ""))
    check: bool | ssl.SSLContext = (
        ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
    )
    try:
        response = httpx.get(urlunsplit(parts), auth=auth, verify=check, timeout=timeout)
        response.raise_for_status()
        version = response.json().get("version", {})
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise EngineUnavailable(
            f"the search engine at {parts.hostname}:{parts.port} did not say what it is ({exc});"
            " set REGISTRY_SEARCH_ENGINE to elasticsearch or opensearch",
            engine="search",
        ) from None
    return "opensearch" if version.get("distribution") == "opensearch" else "elasticsearch"


def open_search_backend(settings: Any) -> SearchBackend:
    """The search backend the settings choose: embedded Tantivy in the data directory, or
    Elasticsearch 8 / OpenSearch 2 at ``search_url`` (``search_engine``, else detected)."""
    if not settings.search_url:
        from registry.search.tantivy_backend import TantivyBackend

        return TantivyBackend(settings.index_path)
    from registry.search.elastic import ElasticsearchBackend, OpenSearchBackend

    verify: bool | str = settings.search_verify_certs
    if settings.search_verify_certs and settings.search_ca_certs:
        verify = str(settings.search_ca_certs)
    engine = settings.search_engine or detect_engine(settings.search_url, verify=verify)
    backend_class = OpenSearchBackend if engine == "opensearch" else ElasticsearchBackend
    backend: SearchBackend = backend_class(
        settings.search_url,
        alias=settings.search_index,
        verify_certs=settings.search_verify_certs,
        ca_certs=str(settings.search_ca_certs) if settings.search_ca_certs else None,
    )
    return backend
