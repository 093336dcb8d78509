"""OAI-PMH 2.0: ListRecords page by page, following resumption tokens.

Protocol facts are tables, not branches: the namespaces, the Dublin Core elements,
the error codes that mean "nothing to harvest".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from lxml import etree

from harvesters.base import Harvester, Page, RawRecord, RecordError
from harvesters.xml import parse_xml
from registry.errors import FeedError

__all__ = ["OAIPMHHarvester", "parse_datestamp"]

OAI = "http://www.openarchives.org/OAI/2.0/"
DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NS = {"oai": OAI}
DC_ELEMENTS = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
)
#: OAI errors that mean an empty result rather than a failure.
EMPTY_RESULT_ERRORS = frozenset({"noRecordsMatch"})


def parse_datestamp(value: str | None) -> datetime | None:
    """An OAI datestamp (day or seconds granularity) as an aware UTC datetime."""
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _utc(parsed)


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _oai_error(element: etree._Element) -> tuple[str, str]:
    """The code and the (whitespace-normalised) message of an OAI-PMH ``<error>``."""
    return element.get("code") or "unknown", " ".join((element.text or "").split())


def _dublin_core(metadata: etree._Element) -> dict[str, list[dict[str, str | None]]]:
    out: dict[str, list[dict[str, str | None]]] = {}
    for element in metadata.iter(f"{{{DC}}}*"):
        name = etree.QName(element).localname
        if name not in DC_ELEMENTS:
            continue
        value = " ".join("".join(str(t) for t in element.itertext()).split())
        if value:
            out.setdefault(name, []).append({"value": value, "lang": element.get(XML_LANG)})
    return out


class OAIPMHHarvester(Harvester):
    """Harvests an OAI-PMH repository with ListRecords."""

    kind: ClassVar[str] = "oai-pmh"

    @property
    def metadata_prefix(self) -> str:
        return self.source.metadata_prefix or "oai_dc"

    def _request(self, params: dict[str, str]) -> etree._Element:
        response = self.fetcher.get(self.source.url, params=params)
        root = parse_xml(response.content, url=response.url)
        if etree.QName(root).namespace != OAI:
            raise FeedError(
                f"{response.url} did not answer with an OAI-PMH response", url=response.url
            )
        return root

    def pages(
        self, *, since: datetime | None = None, resume: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        token = (resume or {}).get("resumptionToken")
        seen_tokens: set[str] = {token} if token else set()
        while True:
            if token:
                params = {"verb": "ListRecords", "resumptionToken": token}
            else:
                params = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix}
                if self.source.set_spec:
                    params["set"] = self.source.set_spec
                if since is not None:
                    params["from"] = _utc(since).strftime("%Y-%m-%d")
            root = self._request(params)
            errors = [_oai_error(e) for e in root.findall("oai:error", NS)]
            if errors:
                failures = [e for e in errors if e[0] not in EMPTY_RESULT_ERRORS]
                if not failures:
                    self.listed_all = since is None
                    yield Page()
                    return
                raise FeedError(
                    "; ".join(
                        f"OAI-PMH error {code}: {text}" if text else f"OAI-PMH error {code}"
                        for code, text in failures
                    ),
                    url=self.source.url,
                )
            listing = root.find("oai:ListRecords", NS)
            if listing is None:
                raise FeedError("the response has no ListRecords element", url=self.source.url)
            page = Page()
            for record in listing.findall("oai:record", NS):
                self._read_record(record, page)
            token_element = listing.find("oai:resumptionToken", NS)
            next_token = (token_element.text or "").strip() if token_element is not None else ""
            if next_token:
                if next_token in seen_tokens or next_token == token:
                    raise FeedError(
                        f"the repository repeats the resumption token {next_token!r} (a loop)",
                        url=self.source.url,
                    )
                seen_tokens.add(next_token)
                page.checkpoint = {"resumptionToken": next_token}
            if not next_token:
                self.listed_all = since is None  # a complete listing, not a selective one
            yield page
            if not next_token:
                return
            token = next_token

    def _read_record(self, record: etree._Element, page: Page) -> None:
        header = record.find("oai:header", NS)
        identifier = (
            header.findtext("oai:identifier", namespaces=NS) if header is not None else None
        )
        identifier = (identifier or "").strip()
        if header is None or not identifier:
            page.errors.append(
                RecordError(identifier=None, message="a record without an identifier")
            )
            return
        datestamp = parse_datestamp(header.findtext("oai:datestamp", namespaces=NS))
        sets = [s.text.strip() for s in header.findall("oai:setSpec", NS) if s.text]
        if header.get("status") == "deleted":
            page.records.append(
                RawRecord(
                    identifier=identifier,
                    datestamp=datestamp,
                    deleted=True,
                    format=self.metadata_prefix,
                )
            )
            return
        metadata = record.find("oai:metadata", NS)
        if metadata is None or len(metadata) == 0:
            page.errors.append(
                RecordError(identifier=identifier, message="the record has no metadata")
            )
            return
        payload: dict[str, Any] = {"sets": sets}
        if self.metadata_prefix == "oai_dc":
            payload["metadata"] = _dublin_core(metadata)
            if not payload["metadata"]:
                page.errors.append(
                    RecordError(
                        identifier=identifier, message="the metadata holds no Dublin Core element"
                    )
                )
                return
        else:
            payload["xml"] = etree.tostring(metadata[0], encoding="unicode")
        page.records.append(
            RawRecord(
                identifier=identifier,
                datestamp=datestamp,
                format=self.metadata_prefix,
                payload=payload,
            )
        )
