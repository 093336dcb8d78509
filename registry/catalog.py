"""The registry as a DCAT catalog, one Hydra page at a time, and as a streaming RDF dump.

- :func:`catalog_page`: the triples of one page of ``/catalog``, filtered by source and by
  ``modified_since``; the cursor is the last sequence number seen, so a page is one index
  range scan however deep it is, and records that change while a client pages move to
  the end instead of being skipped.
- :func:`export`: every live record's triples written as they are read (``registry
  export``): what bulk users want instead of deep paging.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO
from urllib.parse import urlencode

from pyoxigraph import Triple

from registry.errors import InvalidRequest
from registry.rdf import record_triples, write_stream
from registry.rdf._catalog import catalog_header, dataset_triples, page_triples
from registry.settings import Settings
from registry.store import Store, iter_changes

__all__ = ["CatalogQuery", "catalog_page", "export", "parse_catalog_query"]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class CatalogQuery:
    page_size: int = DEFAULT_PAGE_SIZE
    after: int = 0
    source: str | None = None
    modified_since: datetime | None = None


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "seq" or not value.isdigit():
            raise ValueError(text)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidRequest(
            "cursor is not one this catalog gave out; start again without it",
            parameter="cursor",
        ) from exc


def _parse_since(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidRequest(
            f"modified_since must be an ISO 8601 date or date-time, not {value!r}",
            parameter="modified_since",
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_catalog_query(params: dict[str, str]) -> CatalogQuery:
    """The catalog query for request parameters; :class:`InvalidRequest` for a bad one."""
    allowed = {"page_size", "cursor", "source", "modified_since"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InvalidRequest(
            f"unknown parameter {unknown[0]!r}; /catalog takes {', '.join(sorted(allowed))}",
            parameter=unknown[0],
        )
    size_text = params.get("page_size", str(DEFAULT_PAGE_SIZE))
    if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE_SIZE:
        raise InvalidRequest(
            f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}", parameter="page_size"
        )
    return CatalogQuery(
        page_size=int(size_text),
        after=_decode_cursor(params["cursor"]) if params.get("cursor") else 0,
        source=params.get("source") or None,
        modified_since=_parse_since(params["modified_since"])
        if params.get("modified_since")
        else None,
    )


def _page_url(base: str, query: CatalogQuery, after: int | None) -> str:
    params: dict[str, str] = {}
    if query.source:
        params["source"] = query.source
    if query.modified_since:
        params["modified_since"] = query.modified_since.isoformat().replace("+00:00", "Z")
    if query.page_size != DEFAULT_PAGE_SIZE:
        params["page_size"] = str(query.page_size)
    if after:
        params["cursor"] = _encode_cursor(after)
    return f"{base}/catalog" + (f"?{urlencode(params)}" if params else "")


def catalog_page(store: Store, settings: Settings, query: CatalogQuery) -> list[Triple]:
    """One page of the catalog: the catalog's own description, the Hydra view, and each
    record of the page as a DCAT-AP dataset."""
    base = settings.base
    changes = store.changes(
        query.after,
        query.page_size + 1,
        source=query.source,
        since=query.modified_since,
        include_deleted=False,
    )
    more = len(changes) > query.page_size
    changes = changes[: query.page_size]
    items: list[Triple] = []
    for change in changes:
        record = change.record
        if record is not None:
            items.extend(dataset_triples(record, base_uri=base, updated=change.updated))
    total = store.count(source=query.source, since=query.modified_since)
    header = catalog_header(
        base, title=settings.repository_name, contact_email=settings.admin_email
    )
    return header + page_triples(
        base,
        page_url=_page_url(base, query, query.after),
        first_url=_page_url(base, query, None),
        next_url=_page_url(base, query, changes[-1].seq) if more and changes else None,
        total=total,
        items=items,
    )


def _all_triples(store: Store, base: str, batch: int) -> Iterator[Triple]:
    for change in iter_changes(store, 0, batch):
        record = change.record
        if change.deleted or record is None:
            continue
        yield from record_triples(record, base_uri=base, updated=change.updated, run=change.run)


def export(store: Store, settings: Settings, output: IO[bytes], media_type: str, *,
           batch: int = 1000) -> int:  # fmt: skip
    """Every live record's triples written to ``output`` in ``media_type`` as they are read
    (flat memory). Returns how many triples were written."""
    written = 0

    def counted() -> Iterator[Triple]:
        nonlocal written
        for triple in _all_triples(store, settings.base, batch):
            written += 1
            yield triple

    write_stream(counted(), output, media_type)
    return written
