"""The OAI-PMH harvester against real servers on loopback.

Two kinds of server, neither of them ours:

* pyoai's OAI-PMH data provider (``oaipmh.server``, the Infrae toolkit) over an in-memory
  repository of 1,234 records, paging 100 at a time with its own resumption tokens;
* a threaded ``http.server`` replaying real repositories' responses (the fixtures of
  ``tests/fixtures/oai-pmh``), for what a well-behaved provider never does: errors,
  503 with Retry-After, an expired token, a damaged page, an XXE attempt.

Every harvest goes through ``run_harvest`` into a real SQLite store.
"""

from __future__ import annotations

import threading
import urllib.parse
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from harvesters import Fetcher
from harvesters.oaipmh import OAIPMHError, OAIPMHHarvester
from registry.errors import FeedError, UnsafeURL
from registry.harvest import run_harvest
from registry.models import HarvestRun, Source, record_id
from registry.store import WriteCounts
from registry.store.sqlite import SQLiteStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # pyoai imports pkg_resources, cgi
    from oaipmh import common, error, metadata, server

FIXTURES = Path(__file__).parent / "fixtures" / "oai-pmh"
SICKLE = FIXTURES / "sickle"
ERASMUS = FIXTURES / "pyoai-erasmus"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
BASE_URI = "http://registry.test"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"

Route = Callable[[dict[str, str]], tuple[int, dict[str, str], bytes]]


class Loopback:
    """A threaded HTTP server on 127.0.0.1 answering GET /oai with ``route(query)``;
    it keeps every query it was asked."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.queries: list[dict[str, str]] = []
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                loopback.queries.append(query)
                try:
                    status, headers, body = loopback.route(query)
                except Exception as exc:  # a provider bug: answer it, do not drop the line
                    status, headers, body = 500, {}, f"server error: {exc!r}".encode()
                self.send_response(status)
                for name, value in {"Content-Type": "text/xml", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oai"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def listings(self) -> list[dict[str, str]]:
        return [q for q in self.queries if q.get("verb") == "ListRecords"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def fetcher(**options: Any) -> Fetcher:
    settings: dict[str, Any] = {
        "retries": 0,
        "sleep": lambda s: None,
        "allow_private_networks": True,
    }
    return Fetcher(**(settings | options))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    st = SQLiteStore(tmp_path / "registry.sqlite3")
    yield st
    st.close()


def harvest(
    store: SQLiteStore,
    url: str,
    *,
    name: str = "repo",
    full: bool = False,
    on_page: Callable[[HarvestRun, WriteCounts], None] | None = None,
    **source: Any,
) -> HarvestRun:
    try:
        store.get_source(name)
    except Exception:
        store.add_source(Source(name=name, kind="oai-pmh", url=url, **source))
    with fetcher() as client:
        return run_harvest(
            store, store.get_source(name), client, base_uri=BASE_URI, full=full, on_page=on_page
        )


def no_prefetch_left() -> bool:
    return not [t for t in threading.enumerate() if t.name == "oai-pmh-prefetch"]


# --- pyoai's data provider -----------------------------------------------------------


@dataclass
class Item:
    datestamp: datetime  # naive UTC, as pyoai wants it
    deleted: bool = False
    title: str = ""
    sets: list[str] = field(default_factory=list)


class Provider:
    """An in-memory repository behind pyoai's ``IOAI`` interface."""

    def __init__(self, count: int, *, sets: bool = True) -> None:
        start = datetime(2024, 1, 1)
        self.items = {
            f"oai:pyoai.test:{i}": Item(
                datestamp=start + timedelta(minutes=i),
                title=f"Open record number {i}",
                sets=["even" if i % 2 == 0 else "odd"],
            )
            for i in range(count)
        }
        self.has_sets = sets
        self.fail_with: error.ErrorBase | None = None

    def identify(self) -> common.Identify:
        return common.Identify(
            repositoryName="pyoai test repository",
            baseURL="http://127.0.0.1/oai",
            protocolVersion="2.0",
            adminEmails=["oai@pyoai.test"],
            earliestDatestamp=datetime(2024, 1, 1),
            deletedRecord="persistent",
            granularity="YYYY-MM-DDThh:mm:ssZ",
            compression=["identity"],
            toolkit_description=False,
        )

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        if identifier is not None and identifier not in self.items:
            raise error.IdDoesNotExistError(identifier)
        if identifier is not None and self.items[identifier].deleted:
            raise error.NoMetadataFormatsError(f"{identifier} is deleted")
        return [
            (
                "oai_dc",
                "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                "http://www.openarchives.org/OAI/2.0/oai_dc/",
            )
        ]

    def listSets(self) -> list[tuple[str, str, None]]:
        if not self.has_sets:
            raise error.NoSetHierarchyError("this repository has no sets")
        return [("even", "Even-numbered records", None), ("odd", "Odd-numbered records", None)]

    def _select(
        self,
        metadataPrefix: str,
        set: str | None = None,
        from_: datetime | None = None,
        until: datetime | None = None,
    ) -> list[tuple[common.Header, common.Metadata | None, None]]:
        if self.fail_with is not None:
            raise self.fail_with
        if metadataPrefix != "oai_dc":
            raise error.CannotDisseminateFormatError(f"unknown format {metadataPrefix}")
        if set is not None and not self.has_sets:
            raise error.NoSetHierarchyError("this repository has no sets")
        out = []
        for identifier, item in sorted(self.items.items(), key=lambda kv: kv[1].datestamp):
            if (set and set not in item.sets) or (from_ and item.datestamp < from_):
                continue
            if until and item.datestamp > until:
                continue
            header = common.Header(None, identifier, item.datestamp, item.sets, item.deleted)
            dc = {"title": [item.title], "creator": ["Tester, Tina"], "rights": [CC_BY]}
            out.append((header, None if item.deleted else common.Metadata(None, dc), None))
        return out

    def listRecords(self, **kw: Any) -> list[tuple[Any, Any, None]]:
        return self._select(**kw)

    def listIdentifiers(self, **kw: Any) -> list[Any]:
        return [header for header, _, _ in self._select(**kw)]

    def getRecord(self, metadataPrefix: str, identifier: str) -> Any:
        raise error.IdDoesNotExistError(identifier)


@pytest.fixture
def pyoai(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Provider, Loopback]]:
    """pyoai's Server (100 records per page) over a repository of 1,234 records."""
    # pyoai 2.5 decodes its resumption tokens with cgi.parse_qs, which Python 3.8 removed
    # (urllib.parse.parse_qs is the same function): without this shim its tokens fail.
    monkeypatch.setattr(server.cgi, "parse_qs", urllib.parse.parse_qs, raising=False)
    provider = Provider(1234)
    registry = metadata.MetadataRegistry()
    registry.registerWriter("oai_dc", server.oai_dc_writer)
    provider_server = server.Server(provider, registry, resumption_batch_size=100)

    def route(query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, provider_server.handleRequest(query)

    loopback = Loopback(route)
    yield provider, loopback
    loopback.close()


def test_pyoai_is_harvested_whole_into_the_store(
    pyoai: tuple[Provider, Loopback], store: SQLiteStore
) -> None:
    provider, repository = pyoai
    provider.items["oai:pyoai.test:17"].deleted = True
    run = harvest(store, repository.url)
    assert run.status == "succeeded"
    assert store.count() == 1233  # the deleted record is never stored
    assert run.added == 1233 and run.failed == 0
    listings = repository.listings()
    assert len(listings) == 13  # pyoai's tokens work across requests: 100 a page
    assert listings[0] == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    assert all(set(q) == {"verb", "resumptionToken"} for q in listings[1:])
    stored = store.get(record_id("repo", "oai:pyoai.test:1000"))
    assert stored is not None and stored.record is not None
    assert stored.record.title == "Open record number 1000"
    assert stored.record.licence.uri == CC_BY
    assert no_prefetch_left()


def test_pyoai_incremental_harvest_with_updates_and_a_deletion(
    pyoai: tuple[Provider, Loopback], store: SQLiteStore
) -> None:
    provider, repository = pyoai
    harvest(store, repository.url)
    later = datetime(2024, 2, 1, 12, 0, 0)
    for number in (3, 500, 1200):
        item = provider.items[f"oai:pyoai.test:{number}"]
        item.datestamp, item.title = later, f"Revised record {number}"
    gone = provider.items["oai:pyoai.test:42"]
    gone.datestamp, gone.deleted = later + timedelta(seconds=5), True
    repository.queries.clear()

    run = harvest(store, repository.url)
    assert run.status == "succeeded"
    assert (run.updated, run.deleted, run.added) == (3, 1, 0)
    (listing,) = repository.listings()  # one page: only what changed since
    # Identify says seconds granularity: from is the last datestamp less 5 minutes
    assert listing["from"] == "2024-01-01T20:28:00Z"
    assert [q["verb"] for q in repository.queries][:2] == ["ListMetadataFormats", "Identify"]
    revised = store.get(record_id("repo", "oai:pyoai.test:500"))
    assert revised is not None and revised.record is not None
    assert revised.record.title == "Revised record 500"
    withdrawn = store.get(record_id("repo", "oai:pyoai.test:42"))
    assert withdrawn is not None and withdrawn.deleted
    assert store.count() == 1233


def test_pyoai_identify_formats_and_sets(pyoai: tuple[Provider, Loopback]) -> None:
    _, repository = pyoai
    source = Source(name="repo", kind="oai-pmh", url=repository.url)
    with fetcher() as client:
        oai = OAIPMHHarvester(source, client)
        facts = oai.identify()
        assert facts["repositoryName"] == "pyoai test repository"
        assert facts["granularity"] == "YYYY-MM-DDThh:mm:ssZ"
        assert facts["deletedRecord"] == "persistent"
        assert facts["adminEmail"] == ["oai@pyoai.test"]
        assert [f["metadataPrefix"] for f in oai.metadata_formats()] == ["oai_dc"]
        assert [(s["setSpec"], s["setName"]) for s in oai.sets()] == [
            ("even", "Even-numbered records"),
            ("odd", "Odd-numbered records"),
        ]


def test_pyoai_set_harvest(pyoai: tuple[Provider, Loopback], store: SQLiteStore) -> None:
    _, repository = pyoai
    run = harvest(store, repository.url, set_spec="odd")
    assert run.status == "succeeded"
    assert store.count() == 617
    assert repository.listings()[0]["set"] == "odd"


def test_pyoai_refuses_a_format_it_does_not_offer(
    pyoai: tuple[Provider, Loopback], store: SQLiteStore
) -> None:
    _, repository = pyoai
    with pytest.raises(FeedError, match=r"does not offer the metadata format 'datacite'.*'oai_dc'"):
        harvest(store, repository.url, metadata_prefix="datacite")
    assert repository.listings() == []
    (run,) = store.list_runs("repo")
    assert run.status == "failed"


@pytest.mark.parametrize(
    ("raised", "code", "meaning"),
    [
        (error.BadArgumentError("bad from"), "badArgument", "refused the request's arguments"),
        (error.BadVerbError("no such verb"), "badVerb", "does not know the OAI-PMH verb"),
        (error.CannotDisseminateFormatError("no"), "cannotDisseminateFormat", "'oai_dc'"),
        (error.IdDoesNotExistError("oai:x"), "idDoesNotExist", "no record with that identifier"),
        (error.NoMetadataFormatsError("none"), "noMetadataFormats", "no metadata formats"),
        (error.NoSetHierarchyError("flat"), "noSetHierarchy", "has no sets"),
        (error.BadResumptionTokenError("gone"), "badResumptionToken", "refused the resumption"),
    ],
)
def test_pyoai_errors_are_clear_feed_errors(
    pyoai: tuple[Provider, Loopback],
    store: SQLiteStore,
    raised: error.ErrorBase,
    code: str,
    meaning: str,
) -> None:
    provider, repository = pyoai
    provider.fail_with = raised
    with pytest.raises(OAIPMHError) as caught:
        harvest(store, repository.url)
    assert caught.value.code == code
    assert meaning in str(caught.value)
    assert str(raised) in str(caught.value)  # what the repository said travels along
    (run,) = store.list_runs("repo")
    assert run.status == "failed" and run.message and code in run.message


def test_pyoai_no_records_match_is_an_empty_harvest(
    pyoai: tuple[Provider, Loopback], store: SQLiteStore
) -> None:
    provider, repository = pyoai
    provider.items.clear()
    run = harvest(store, repository.url)
    assert run.status == "succeeded" and run.total == 0


def test_pyoai_formats_of_a_deleted_record(pyoai: tuple[Provider, Loopback]) -> None:
    provider, repository = pyoai
    provider.items["oai:pyoai.test:5"].deleted = True
    with fetcher() as client:
        oai = OAIPMHHarvester(Source(name="r", kind="oai-pmh", url=repository.url), client)
        with pytest.raises(OAIPMHError) as caught:
            oai.metadata_formats("oai:pyoai.test:5")
    assert caught.value.code == "noMetadataFormats"


def test_an_interrupted_pyoai_harvest_resumes(
    pyoai: tuple[Provider, Loopback], store: SQLiteStore
) -> None:
    _, repository = pyoai

    def stop_after_two(run: HarvestRun, counts: WriteCounts) -> None:
        if run.added >= 200:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harvest(store, repository.url, on_page=stop_after_two)
    (interrupted,) = store.list_runs("repo")
    assert interrupted.status == "interrupted"
    assert store.count() == 200
    assert no_prefetch_left()  # closing the harvest ended its prefetch
    asked = len(repository.listings())
    assert asked <= 3  # pages 1 and 2, and page 3 fetched ahead at most
    token = interrupted.checkpoint["resumptionToken"] if interrupted.checkpoint else None
    assert token

    repository.queries.clear()
    run = harvest(store, repository.url)
    assert run.id == interrupted.id and run.status == "succeeded"
    assert repository.queries[0] == {"verb": "ListRecords", "resumptionToken": token}
    assert len(repository.listings()) == 11  # pages 3 to 13
    assert store.count() == 1234 and run.added == 1234  # nothing lost, nothing twice


# --- a server replaying real responses -----------------------------------------------


def _records_of(path: Path) -> list[etree._Element]:
    root = etree.fromstring(path.read_bytes())
    return list(root.iter(f"{OAI}record"))


def _page(records: list[etree._Element], token: str | None) -> bytes:
    """A ListRecords response of real records (re-paged), with a resumption token."""
    body = b"".join(etree.tostring(r) for r in records)
    end = b"<resumptionToken>%s</resumptionToken>" % token.encode() if token else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        b"<responseDate>2004-02-20T10:00:00Z</responseDate>"
        b'<request verb="ListRecords">http://dspace.ubib.eur.nl/oai/</request>'
        b"<ListRecords>" + body + end + b"</ListRecords></OAI-PMH>"
    )


def _datestamp(record: etree._Element) -> str:
    return record.findtext(f"{OAI}header/{OAI}datestamp") or ""


@pytest.fixture
def replaying() -> Iterator[Callable[[Route], Loopback]]:
    servers: list[Loopback] = []

    def start(route: Route) -> Loopback:
        servers.append(Loopback(route))
        return servers[-1]

    yield start
    for loopback in servers:
        loopback.close()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("error_badArgument.xml", "badArgument"),
        ("error_badResumptionToken.xml", "badResumptionToken"),
        ("error_cannotDisseminateFormat.xml", "cannotDisseminateFormat"),
        ("error_idDoesNotExist.xml", "idDoesNotExist"),
        ("error_noSetHierarchy.xml", "noSetHierarchy"),
        ("error_undefinedError.xml", "undefinedError"),
    ],
)
def test_error_answers_over_http(
    replaying: Callable[[Route], Loopback], store: SQLiteStore, name: str, code: str
) -> None:
    body = (SICKLE / name).read_bytes()
    repository = replaying(
        lambda q: (200, {}, body) if q.get("verb") == "ListRecords" else (404, {}, b"")
    )
    with pytest.raises(OAIPMHError) as caught:
        harvest(store, repository.url)
    assert caught.value.code == code
    assert caught.value.message.startswith(f"OAI-PMH error {code}: ")


def test_a_503_with_retry_after_is_waited_out(
    replaying: Callable[[Route], Loopback], store: SQLiteStore
) -> None:
    page = (ERASMUS / "ListRecords.xml").read_bytes()
    busy = {"left": 1}

    def route(query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("verb") != "ListRecords":
            return 404, {}, b""
        if busy["left"]:
            busy["left"] -= 1
            return 503, {"Retry-After": "7"}, b"busy, come back later"
        return 200, {}, page

    repository = replaying(route)
    store.add_source(Source(name="repo", kind="oai-pmh", url=repository.url))
    sleeps: list[float] = []
    with fetcher(retries=2, sleep=sleeps.append) as client:
        run = run_harvest(store, store.get_source("repo"), client, base_uri=BASE_URI)
    assert sleeps == [7.0]  # the wait the repository asked for, and only that
    assert run.status == "succeeded" and store.count() == 16
    assert len(repository.listings()) == 2


def test_an_expired_token_restarts_from_the_newest_datestamp(
    replaying: Callable[[Route], Loopback], store: SQLiteStore
) -> None:
    # the 81 records of a real DSpace page, listed in datestamp order 20 a page; the
    # token of page 3 expires before it is used
    records = sorted(_records_of(ERASMUS / "ListRecords_with_deleted.xml"), key=_datestamp)
    expired = (SICKLE / "error_badResumptionToken.xml").read_bytes()
    state: dict[str, Any] = {"expired": False, "from": ""}

    def route(query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        verb = query.get("verb")
        if verb == "Identify":
            return 200, {}, (ERASMUS / "Identify.xml").read_bytes()  # seconds granularity
        if verb != "ListRecords":
            return 404, {}, b""
        token = query.get("resumptionToken")
        if token is None:  # a new listing, from where it is asked
            state["from"], page = query.get("from", ""), 1
        elif token == "3" and not state["expired"]:
            state["expired"] = True
            return 200, {}, expired
        else:
            page = int(token)
        listed = [r for r in records if _datestamp(r) >= state["from"]]
        more = len(listed) > page * 20
        return 200, {}, _page(listed[(page - 1) * 20 : page * 20], str(page + 1) if more else None)

    repository = replaying(route)
    run = harvest(store, repository.url)
    assert run.status == "succeeded"
    listings = repository.listings()
    restart = listings[3]
    newest_seen = max(_datestamp(r) for r in records[:40])
    assert restart == {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": newest_seen}
    assert store.count() == 79  # every live record, each once (two are deleted)
    for record in records:
        identifier = record.findtext(f"{OAI}header/{OAI}identifier") or ""
        stored = store.get(record_id("repo", identifier))
        deleted = record.find(f"{OAI}header").get("status") == "deleted"  # type: ignore[union-attr]
        assert (stored is None) if deleted else (stored is not None and not stored.deleted)


def test_a_damaged_page_over_http(
    replaying: Callable[[Route], Loopback], store: SQLiteStore
) -> None:
    records = _records_of(ERASMUS / "ListRecords.xml")
    first = _page(records[:8], "p2")
    second = _page(records[8:], None)
    # a control character in one record, a broken header in another
    second = second.replace(b"<dc:title>", b"<dc:title>\x0b", 1)
    start = second.index(b"<header>", second.index(b"<header>") + 1)  # the second record
    second = second[:start] + b"<header <" + second[start + len(b"<header>") :]

    def route(query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("verb") != "ListRecords":
            return 404, {}, b""
        return 200, {}, second if query.get("resumptionToken") == "p2" else first

    repository = replaying(route)
    run = harvest(store, repository.url)
    assert run.status == "partial"
    assert store.count() == 15
    (failure,) = store.get_run(run.id).errors
    assert failure.stage == "parse" and "not well-formed" in failure.message
    assert failure.identifier and failure.identifier.startswith("hdl:1765/")
    # a full run over a damaged page does not turn what it missed into tombstones
    assert run.deleted == 0


def test_an_xxe_attempt_reads_no_file(
    replaying: Callable[[Route], Loopback], store: SQLiteStore, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    page = (ERASMUS / "ListRecords.xml").read_bytes()
    declaration = b'<?xml version="1.0" encoding="UTF-8" ?>'
    assert page.startswith(declaration)
    doctype = f'<!DOCTYPE OAI-PMH [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'.encode()
    evil = (
        declaration
        + doctype
        + page[len(declaration) :].replace(b"<dc:title>", b"<dc:title>&xxe;", 1)
    )
    repository = replaying(
        lambda q: (200, {}, evil) if q.get("verb") == "ListRecords" else (404, {}, b"")
    )
    run = harvest(store, repository.url)
    assert run.status == "succeeded" and store.count() == 16
    stored = store.get(record_id("repo", "hdl:1765/308"))
    assert stored is not None and stored.record is not None
    assert "TOP-SECRET" not in stored.record.model_dump_json()


def test_a_redirect_to_a_private_address_is_refused(
    replaying: Callable[[Route], Loopback], store: SQLiteStore
) -> None:
    inside = replaying(lambda q: (200, {}, (ERASMUS / "ListRecords.xml").read_bytes()))
    public = "http://93.184.216.34/oai"  # an address literal: there is no DNS here

    def outside(request: httpx.Request) -> httpx.Response:
        if request.url.host == "93.184.216.34":
            return httpx.Response(
                302, headers={"Location": f"{inside.url}?{request.url.query.decode()}"}
            )
        return httpx.Response(599)  # never reached: the address check comes first

    store.add_source(Source(name="repo", kind="oai-pmh", url=public))
    client = Fetcher(
        transport=httpx.MockTransport(outside), retries=0, allow_private_networks=False
    )
    with client, pytest.raises(UnsafeURL, match=r"127\.0\.0\.1"):
        run_harvest(store, store.get_source("repo"), client, base_uri=BASE_URI)
    assert inside.queries == []
    (run,) = store.list_runs("repo")
    assert run.status == "failed"
    assert no_prefetch_left()


def test_an_interrupted_run_over_replayed_pages_resumes(
    replaying: Callable[[Route], Loopback], store: SQLiteStore
) -> None:
    records = _records_of(ERASMUS / "ListRecords_with_deleted.xml")
    pages = [records[i : i + 20] for i in range(0, len(records), 20)]

    def route(query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("verb") != "ListRecords":
            return 404, {}, b""
        index = int(query.get("resumptionToken", "0"))
        token = str(index + 1) if index + 1 < len(pages) else None
        return 200, {}, _page(pages[index], token)

    repository = replaying(route)
    seen_pages = {"count": 0}

    def interrupt_after_two(run: HarvestRun, counts: WriteCounts) -> None:
        seen_pages["count"] += 1
        if seen_pages["count"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harvest(store, repository.url, on_page=interrupt_after_two)
    assert no_prefetch_left()
    (interrupted,) = store.list_runs("repo")
    assert interrupted.checkpoint and interrupted.checkpoint["resumptionToken"] == "2"
    asked = [q.get("resumptionToken") for q in repository.listings()]
    assert asked[:2] == [None, "1"] and len(asked) <= 3

    repository.queries.clear()
    run = harvest(store, repository.url)
    assert run.status == "succeeded"
    assert [q.get("resumptionToken") for q in repository.listings()] == ["2", "3", "4"]
    assert store.count() == 79 and run.added == 79  # every live record, once
