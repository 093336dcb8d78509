"""The OAI-PMH 2.0 data provider over the registry's store.

:meth:`OAIProvider.handle` takes a request's arguments (name, value pairs, as a query
string or a form body carries them) and returns the response document; it knows
nothing of HTTP, so any web framework (or none) can serve it.

- **Identifiers** are ``oai:{host of the base URI}:{record id}``; **datestamps** are when
  the registry last changed a record (the store's ``updated``), so a harvester's
  incremental harvest picks up exactly what changed here.
- **Lists** follow the store's change feed in sequence order, one page of
  ``page_size`` records per response, with stateless resumption tokens
  (:mod:`registry.oai._tokens`); one store query per page (two on a first page that
  counts the complete list).
- **Deleted records** are persistent: a tombstone keeps its identifier, its datestamp
  (when it was withdrawn) and its source set, with ``status="deleted"``.
- **Values** go through lxml, which escapes them; characters XML 1.0 forbids are dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from registry.models import IPOffer, Work, parse_record
from registry.oai._formats import DC, FORMATS, OAI_DC, dublin_core_element, rdf_element
from registry.oai._protocol import (
    SECONDS,
    SET_SPEC,
    OAIError,
    Request,
    Window,
    datestamp,
    parse_window,
    read_request,
    xml_text,
)
from registry.oai._sets import (
    LICENCE,
    SOURCE,
    SetQuery,
    licence_spec,
    parse_set,
    source_spec,
)
from registry.oai._tokens import ListState, TokenCodec, TokenError
from registry.settings import Settings
from registry.store import Change, Store, StoredRecord

__all__ = ["OAIProvider"]

log = logging.getLogger(__name__)

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA_LOCATION = f"{{{XSI}}}schemaLocation"
# The oai-identifier scheme's repositoryIdentifier: a domain name with at least one dot.
_REPOSITORY_IDENTIFIER = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _default_namespace(namespace: str) -> dict[str, str]:
    """A namespace map making ``namespace`` the default one, with ``xsi``; the stubs
    type the map's keys as text, lxml takes ``None`` for the default namespace."""
    nsmap: dict[Any, str] = {None: namespace, "xsi": XSI}
    return nsmap


def _q(name: str) -> str:
    return f"{{{OAI}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        element.text = xml_text(text)
    return element


def _xml_safe(value: Any) -> Any:
    """``value`` (JSON data) with every string stripped of characters XML forbids."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_xml_safe(item) for item in value]
    return value


@dataclass(slots=True)
class _Item:
    """One record as the provider shows it: from the change feed or from a lookup."""

    id: str
    seq: int
    deleted: bool
    updated: datetime | None
    source: str | None
    run: int | None
    data: dict[str, Any] | None

    @classmethod
    def of_change(cls, change: Change) -> _Item:
        return cls(
            change.id,
            change.seq,
            change.deleted,
            change.updated,
            change.source,
            change.run,
            change.data,
        )

    @classmethod
    def of_stored(cls, stored: StoredRecord) -> _Item:
        record = stored.record
        return cls(
            stored.id,
            stored.seq,
            stored.deleted or record is None,
            stored.updated,
            stored.source or (record.source if record else None),
            stored.run,
            record.model_dump(mode="json") if record is not None else None,
        )

    @property
    def family(self) -> str | None:
        licence = (self.data or {}).get("licence") or {}
        family = licence.get("family")
        return family if isinstance(family, str) and family else None

    def record(self) -> Work | IPOffer | None:
        """The typed record, its text safe for XML; ``None`` for a tombstone."""
        if self.deleted or self.data is None:
            return None
        return parse_record(_xml_safe(self.data))


class _SetIndex:
    """The sources and licence families found among the records, as the store knows them
    now (sources whose registration was removed while their records were kept count
    too)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def read(self) -> tuple[list[str], list[str]]:
        """The sources and the licence families, each sorted."""
        return self._store.set_names()


class OAIProvider:
    """An OAI-PMH 2.0 repository over ``store``; see the module's description.

    ``page_size``: records (or headers) per list response, by default the settings'
    ``max_page_size``. ``clock``: the current time (for responseDate).
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        page_size: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.base_uri = settings.base
        self.base_url = f"{settings.base}/oai"
        self.repository_name = settings.repository_name
        self.admin_email = settings.admin_email
        self.repository_identifier = urlsplit(settings.base).hostname or "localhost"
        self.page_size = page_size or settings.max_page_size
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tokens = TokenCodec(settings.base)
        self._sets = _SetIndex(store)

    # the protocol ---------------------------------------------------------------------

    def handle(self, params: Iterable[tuple[str, str]] | Mapping[str, str]) -> bytes:
        """The response document (UTF-8 XML) to a request with these arguments."""
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
        request, error = read_request(pairs)
        root, request_element = self._envelope()
        if request is None:
            assert error is not None
            self._error(root, error)
            return self._document(root)
        for name, value in request.echo.items():
            request_element.set(name, value)
        try:
            root.append(self._answer(request))
        except OAIError as exc:
            if exc.code in ("badVerb", "badArgument"):
                request_element.attrib.clear()
            self._error(root, exc)
        return self._document(root)

    def _answer(self, request: Request) -> etree._Element:
        arguments = request.arguments
        if request.verb == "Identify":
            return self._identify()
        if request.verb == "ListMetadataFormats":
            return self._list_metadata_formats(arguments.get("identifier"))
        if request.verb == "ListSets":
            if "resumptionToken" in arguments:
                raise OAIError(
                    "badResumptionToken", "this repository lists its sets in one response"
                )
            return self._list_sets()
        if request.verb == "GetRecord":
            return self._get_record(arguments["identifier"], arguments["metadataPrefix"])
        return self._list(request.verb, arguments)

    def _envelope(self) -> tuple[etree._Element, etree._Element]:
        root = etree.Element(_q("OAI-PMH"), nsmap=_default_namespace(OAI))
        root.set(_SCHEMA_LOCATION, f"{OAI} {OAI_SCHEMA}")
        _sub(root, "responseDate", datestamp(self._clock()))
        request = _sub(root, "request", self.base_url)
        return root, request

    @staticmethod
    def _error(root: etree._Element, error: OAIError) -> None:
        _sub(root, "error", error.message).set("code", error.code)

    @staticmethod
    def _document(root: etree._Element) -> bytes:
        return _DECLARATION + etree.tostring(root, encoding="UTF-8")

    # Identify, ListMetadataFormats, ListSets -------------------------------------------

    def _identify(self) -> etree._Element:
        identify = etree.Element(_q("Identify"))
        earliest = self.store.first_change() or self._clock()
        for name, value in (
            ("repositoryName", self.repository_name),
            ("baseURL", self.base_url),
            ("protocolVersion", "2.0"),
            ("adminEmail", self.admin_email),
            ("earliestDatestamp", datestamp(earliest)),
            ("deletedRecord", "persistent"),
            ("granularity", SECONDS),
        ):
            _sub(identify, name, value)
        if _REPOSITORY_IDENTIFIER.fullmatch(self.repository_identifier):
            _sub(identify, "description").append(self._oai_identifier())
        return identify

    def _oai_identifier(self) -> etree._Element:
        """The oai-identifier description: how this repository's identifiers are made."""
        first = self.store.changes(0, 1)
        sample = first[0].id if first else "source-0123456789abcdef0123"
        element = etree.Element(
            f"{{{OAI_IDENTIFIER}}}oai-identifier",
            nsmap=_default_namespace(OAI_IDENTIFIER),
            attrib={_SCHEMA_LOCATION: f"{OAI_IDENTIFIER} {OAI_IDENTIFIER_SCHEMA}"},
        )
        for name, value in (
            ("scheme", "oai"),
            ("repositoryIdentifier", self.repository_identifier),
            ("delimiter", ":"),
            ("sampleIdentifier", self.oai_identifier(sample)),
        ):
            etree.SubElement(element, f"{{{OAI_IDENTIFIER}}}{name}").text = value
        return element

    def _list_metadata_formats(self, identifier: str | None) -> etree._Element:
        if identifier is not None:
            self._lookup(identifier)  # idDoesNotExist; every record has every format
        listing = etree.Element(_q("ListMetadataFormats"))
        for form in FORMATS.values():
            entry = _sub(listing, "metadataFormat")
            _sub(entry, "metadataPrefix", form.prefix)
            _sub(entry, "schema", form.schema)
            _sub(entry, "metadataNamespace", form.namespace)
        return listing

    def _list_sets(self) -> etree._Element:
        listing = etree.Element(_q("ListSets"))
        sources, families = self._sets.read()
        registered = {source.name: source for source in self.store.list_sources()}
        self._set(listing, SOURCE, "Records by source")
        for name in sorted(registered.keys() | set(sources)):
            spec = source_spec(name)
            if spec is None:
                continue
            source = registered.get(name)
            if source is None:
                self._set(listing, spec, name, "A source no longer harvested")
            else:
                about = f"Records harvested from {source.url} ({source.kind})"
                self._set(listing, spec, source.title or name, about)
        self._set(listing, LICENCE, "Records by licence family")
        for family in families:
            self._set(listing, licence_spec(family), f"Licence family: {family}")
        return listing

    @staticmethod
    def _set(listing: etree._Element, spec: str, name: str, description: str | None = None) -> None:
        entry = _sub(listing, "set")
        _sub(entry, "setSpec", spec)
        _sub(entry, "setName", name)
        if description:
            dc = etree.SubElement(
                _sub(entry, "setDescription"),
                f"{{{OAI_DC}}}dc",
                nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI},
                attrib={_SCHEMA_LOCATION: f"{OAI_DC} {FORMATS['oai_dc'].schema}"},
            )
            etree.SubElement(dc, f"{{{DC}}}description").text = xml_text(description)

    # records ------------------------------------------------------------------------

    def oai_identifier(self, record_id: str) -> str:
        return f"oai:{self.repository_identifier}:{record_id}"

    def _lookup(self, identifier: str) -> _Item:
        prefix = f"oai:{self.repository_identifier}:"
        stored = None
        if identifier.startswith(prefix):
            stored = self.store.get(identifier[len(prefix) :])
        if stored is None:
            raise OAIError(
                "idDoesNotExist",
                f"this repository has no item {xml_text(identifier)[:200]!r}"
                f" (its identifiers are {prefix}RECORD-ID)",
            )
        return _Item.of_stored(stored)

    @staticmethod
    def _check_prefix(prefix: str) -> None:
        if prefix not in FORMATS:
            raise OAIError(
                "cannotDisseminateFormat",
                f"the metadata format {xml_text(prefix)[:100]!r} is not offered here;"
                f" the formats are {', '.join(FORMATS)}",
            )

    def _get_record(self, identifier: str, prefix: str) -> etree._Element:
        item = self._lookup(identifier)
        self._check_prefix(prefix)
        answer = etree.Element(_q("GetRecord"))
        self._record(answer, item, prefix)
        return answer

    def _header(self, parent: etree._Element, item: _Item) -> None:
        header = _sub(parent, "header")
        if item.deleted:
            header.set("status", "deleted")
        _sub(header, "identifier", self.oai_identifier(item.id))
        _sub(header, "datestamp", datestamp(item.updated or self._clock()))
        spec = source_spec(item.source) if item.source else None
        if spec is not None:
            _sub(header, "setSpec", spec)
        family = None if item.deleted else item.family
        if family is not None:
            _sub(header, "setSpec", licence_spec(family))

    def _record(self, parent: etree._Element, item: _Item, prefix: str) -> None:
        element = _sub(parent, "record")
        self._header(element, item)
        record = item.record()
        if record is None:
            return
        try:
            if prefix == "rdf":
                payload = rdf_element(
                    record, base_uri=self.base_uri, updated=item.updated, run=item.run
                )
            else:
                payload = dublin_core_element(record, f"{self.base_uri}/records/{record.id}")
        except Exception:  # one record that cannot be written must not fail the page
            log.exception("OAI-PMH: record %s cannot be written as %s", item.id, prefix)
            return
        _sub(element, "metadata").append(payload)

    # ListIdentifiers, ListRecords -------------------------------------------------------

    def _list(self, verb: str, arguments: dict[str, str]) -> etree._Element:
        token = arguments.get("resumptionToken")
        if token is not None:
            state = self._resume(verb, token)
            window, query = self._selection(state)
        else:
            state = ListState(
                verb=verb,
                prefix=arguments["metadataPrefix"],
                set=arguments.get("set"),
                since=arguments.get("from"),
                until=arguments.get("until"),
            )
            window, query = self._selection(state)
            self._check_prefix(state.prefix)
        if query is None:
            raise OAIError("noRecordsMatch", f"this repository has no set {state.set!r}")
        items, more = self._page(query, window, state.after)
        if not items:
            raise OAIError("noRecordsMatch", "no records match the request")
        size = state.size
        if token is None and more:
            size = self._count(query, window)
        listing = etree.Element(_q(verb))
        for item in items:
            if verb == "ListRecords":
                self._record(listing, item, state.prefix)
            else:
                self._header(listing, item)
        if token is None and not more:
            return listing  # the complete list in one response: no token
        sent = state.cursor + len(items)
        element = _sub(listing, "resumptionToken")
        element.set("cursor", str(state.cursor))
        if size is not None and size > 0:
            element.set("completeListSize", str(max(size, sent)))
        if more:
            following = ListState(
                verb=verb,
                prefix=state.prefix,
                set=state.set,
                since=state.since,
                until=state.until,
                after=items[-1].seq,
                cursor=sent,
                size=size,
            )
            element.text = self._tokens.encode(following)
        return listing

    def _resume(self, verb: str, token: str) -> ListState:
        try:
            state = self._tokens.decode(token)
        except TokenError as exc:
            raise OAIError("badResumptionToken", str(exc)) from None
        if state.verb != verb:
            raise OAIError("badResumptionToken", f"the token continues {state.verb}, not {verb}")
        if state.prefix not in FORMATS:
            raise OAIError("badResumptionToken", "the token names a format no longer offered")
        return state

    @staticmethod
    def _selection(state: ListState) -> tuple[Window, SetQuery | None]:
        """The datestamp window and the set of a list request (badArgument when a
        value is malformed; ``None`` for a set this repository does not have)."""
        window = parse_window(state.since, state.until)
        if state.set is None:
            return window, SetQuery()
        if not SET_SPEC.fullmatch(state.set):
            raise OAIError(
                "badArgument", f"{xml_text(state.set)[:100]!r} is not a setSpec (see ListSets)"
            )
        return window, parse_set(state.set)

    def _page(self, query: SetQuery, window: Window, after: int) -> tuple[list[_Item], bool]:
        """The next page of matching records after sequence number ``after``, and whether
        more follow. The store filters; the ``licence`` parent set is filtered here."""
        limit = self.page_size
        found: list[_Item] = []
        while True:
            # the store filters exactly, except for the licence parent set
            batch = limit + 1 if query.any_family else limit + 1 - len(found)
            changes = self.store.changes(
                after,
                batch,
                source=query.source,
                family=query.family,
                since=window.since,
                until=window.until,
                include_deleted=query.include_deleted,
            )
            for change in changes:
                item = _Item.of_change(change)
                if not query.any_family or item.family is not None:
                    found.append(item)
                    if len(found) > limit:
                        return found[:limit], True
            if len(changes) < batch:
                return found, False
            after = changes[-1].seq

    def _count(self, query: SetQuery, window: Window) -> int | None:
        """completeListSize, when the store can count it in one query (no family and no
        until: the store counts by source and from only)."""
        if query.family is not None or query.any_family or window.until is not None:
            return None
        return self.store.count(include_deleted=True, source=query.source, since=window.since)
