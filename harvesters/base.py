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

from harvesters.fetch import Fetcher
from registry.models import Source

__all__ = ["Harvester", "Page", "RawRecord", "RecordError"]


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


@dataclass(slots=True)
class Page:
    records: list[RawRecord] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None
    """Where to resume after this page (e.g. a resumption token); ``None`` on the last page."""


class Harvester:
    """Base class of harvesters. Subclasses set :attr:`kind` and implement :meth:`pages`."""

    kind: ClassVar[str] = ""

    def __init__(self, source: Source, fetcher: Fetcher) -> None:
        self.source = source
        self.fetcher = fetcher

    def pages(
        self, *, since: datetime | None = None, resume: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        """Yield the source's records page by page.

        ``since``: harvest only records changed from this moment (incremental).
        ``resume``: a checkpoint of an earlier :class:`Page` to continue from.
        """
        raise NotImplementedError

    @property
    def supports_full_listing(self) -> bool:
        """Whether one complete run lists every record, so absent ones can become tombstones."""
        return True
