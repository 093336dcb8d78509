"""The registry's own IP-offer feed: JSON (or JSON-LD) listing offers.

Accepted shapes: a list of offers, an object with ``"offers"``, or JSON-LD with
``"@graph"``. Each offer needs a string ``identifier``; the rest is validated per offer
by the registry's mapper, so one bad offer never stops the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

from harvesters.base import Harvester, Page, RawRecord, RecordError
from harvesters.oaipmh import parse_datestamp
from registry.errors import FeedError

__all__ = ["OffersHarvester"]


class OffersHarvester(Harvester):
    """Reads a whole offer feed in one request, as one page."""

    kind: ClassVar[str] = "offers"

    def pages(
        self, *, since: datetime | None = None, resume: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        response = self.fetch(self.source.url, conditional=True)
        if response is None:  # not modified since the last run: nothing to do
            yield Page()
            return
        try:
            document = json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FeedError(f"the offer feed is not JSON: {exc}", url=response.url) from None
        if isinstance(document, dict):
            items = document.get("offers", document.get("@graph"))
        else:
            items = document
        if not isinstance(items, list):
            raise FeedError(
                "the offer feed is a list of offers, or an object with 'offers' or '@graph'",
                url=response.url,
            )
        page = Page()
        for position, item in enumerate(items):
            identifier = item.get("identifier") if isinstance(item, dict) else None
            if not isinstance(identifier, str) or not identifier.strip():
                page.errors.append(
                    RecordError(
                        identifier=None, message=f"offer {position + 1} has no string 'identifier'"
                    )
                )
                continue
            assert isinstance(item, dict)
            modified = item.get("modified")
            page.records.append(
                RawRecord(
                    identifier=identifier.strip(),
                    datestamp=parse_datestamp(modified) if isinstance(modified, str) else None,
                    deleted=item.get("deleted") is True,
                    format="offer",
                    payload=None if item.get("deleted") is True else item,
                )
            )
        self.listed_all = True  # one document lists every offer
        yield page
