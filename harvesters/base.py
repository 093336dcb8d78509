"""What every harvester is: the plugin interface and the records it yields.

A harvester speaks one protocol. It reads a source page by page and yields
:class:`Page` objects of :class:`RawRecord` (identifier, datestamp, deleted flag,
format-specific payload) with a checkpoint from which the *next* page can be read.
It knows nothing of storage: the registry writes each page in one transaction
together with its checkpoint, so an interrupted harvest resumes where it stopped.

Built-in harvesters register through the ``registry.harvesters`` entry-point group,
exactly as outside packages do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from harvesters.fetch import Fetcher, FetchResponse
from registry.models import Source

__all__ = ["SNIPPET_LENGTH", "Harvester", "Page", "RawRecord", "RecordError", "snippet"]


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as the source gave it."""

    identifier: str
    datestamp: datetime | None
    deleted: bool = False
    format: str = ""
    """The metadata format, which names the mapper: ``oai_dc``, ``offer``, ..."""
    payload: dict[str, Any] | None = None
    """Format-specific, JSON-serialisable content; ``None`` for deleted records."""


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record the harvester could not read; the harvest goes on without it."""

    identifier: str | None
    message: str
    stage: str = "parse"
    """Where it failed: ``parse`` (reading the feed), ``map`` (to the domain model)..."""
    snippet: str | None = None
    """The start of the offending record as the source sent it, to show the publisher."""


#: How much of a bad record is kept with its error.
SNIPPET_LENGTH = 500


def snippet(text: str | bytes | None) -> str | None:
    """The first :data:`SNIPPET_LENGTH` characters of a bad record, whitespace collapsed."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(text.split())
    return text[:SNIPPET_LENGTH] if text else None


@dataclass(slots=True)
class Page:
    records: list[RawRecord] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None
    """Where to resume after this page (e.g. a resumption token); ``None`` on the last page."""


class Harvester:
    """Base class of harvesters. Subclasses set :attr:`kind` and implement :meth:`pages`.

    After :meth:`pages` is exhausted, :attr:`listed_all` tells whether the run saw every
    record the source holds now (a full OAI-PMH listing, a whole DCAT catalog, every CKAN
    package): the registry then turns records it did not see into tombstones. A harvester
    leaves it ``False`` when it cannot know (an RSS feed shows only its latest items; a 304
    answer lists nothing).

    :attr:`validators` holds the ETag and Last-Modified of documents fetched with
    ``conditional=True`` (see :meth:`fetch`); the registry keeps them with the source
    between runs, so an unchanged feed costs one 304.
    """

    kind: ClassVar[str] = ""

    def __init__(
        self,
        source: Source,
        fetcher: Fetcher,
        *,
        validators: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.source = source
        self.fetcher = fetcher
        self.validators: dict[str, dict[str, str]] = dict(validators or {})
        self.listed_all = False

    def fetch(
        self,
        url: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        *,
        conditional: bool = False,
    ) -> FetchResponse | None:
        """GET ``url`` through the fetcher; with ``conditional``, send the validators of
        the last response (If-None-Match, If-Modified-Since) and answer ``None`` when the
        document has not changed (304)."""
        key = _cache_key(url, params)
        request_headers = dict(headers or {})
        if conditional:
            known = self.validators.get(key, {})
            if known.get("etag"):
                request_headers["If-None-Match"] = known["etag"]
            if known.get("last-modified"):
                request_headers["If-Modified-Since"] = known["last-modified"]
        response = self.fetcher.get(url, params=params, headers=request_headers or None)
        if response.not_modified:
            return None
        if conditional:
            fresh = {
                name: response.headers[name]
                for name in ("etag", "last-modified")
                if response.headers.get(name)
            }
            if fresh:
                self.validators[key] = fresh
            else:
                self.validators.pop(key, None)
        return response

    def describe(self, *, limit: int = 100) -> dict[str, Any]:
        """What the feed says about itself, asked live (OAI-PMH: Identify, its metadata
        formats and up to ``limit`` sets); harvesters of feeds that say nothing return {}."""
        return {}

    def pages(
        self, *, since: datetime | None = None, resume: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        """Yield the source's records page by page.

        ``since``: harvest only records changed from this moment (incremental).
        ``resume``: a checkpoint of an earlier :class:`Page` to continue from.
        """
        raise NotImplementedError


def _cache_key(url: str, params: dict[str, str] | None) -> str:
    if not params:
        return url
    return url + "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
