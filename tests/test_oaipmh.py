"""The OAI-PMH harvester, replaying real repositories' responses.

Fixtures: sickle's sample repository and the OAI-PMH specification's error examples,
Erasmus University's DSpace (from pyoai), a UC Irvine DSpace DIDL page, and Zenodo's
answers as recorded by invenio-oaipmh-scythe (``tests/fixtures/oai-pmh/SOURCES.md``).
"""

from __future__ import annotations

import logging
import shutil
import threading
from datetime import UTC, datetime, timedelta, timezone
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import harvesters
import harvesters.oaipmh as oaipmh
from harvesters import Fetcher, Harvester, Page, get_harvester, harvester_kinds
from harvesters.oaipmh import OAI_ERRORS, OAIPMHError, OAIPMHHarvester, parse_datestamp
from harvesters.offers import OffersHarvester
from registry.errors import ConfigurationError, FeedError, FetchError, InvalidRequest
from registry.models import Source

FIXTURES = Path(__file__).parent / "fixtures" / "oai-pmh"
SICKLE = FIXTURES / "sickle"
ERASMUS = FIXTURES / "pyoai-erasmus"
ZENODO = FIXTURES / "zenodo"
BASE = "https://oai.example.org/oai"

#: The sickle repository: each page's resumption token names the next file; the other
#: verbs are answered by the repository's own Identify and ListMetadataFormats.
SICKLE_CHAIN: dict[str | None, Path] = {
    None: SICKLE / "ListRecords.xml",
    "ListRecords2.xml": SICKLE / "ListRecords2.xml",
    "ListRecords3.xml": SICKLE / "ListRecords3.xml",
    "ListRecords4.xml": SICKLE / "ListRecords4.xml",
    "Identify": SICKLE / "Identify.xml",
    "ListMetadataFormats": SICKLE / "ListMetadataFormats.xml",
}


def replay(
    files: dict[str | None, Path], seen: list[httpx.Request] | None = None
) -> httpx.MockTransport:
    """A repository answering a resumption token with ``files[token]``, a new ListRecords
    with ``files[None]`` and another verb with ``files[verb]`` (404 when absent)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        params = request.url.params
        verb = params.get("verb")
        key = params.get("resumptionToken") or (None if verb == "ListRecords" else verb)
        path = files.get(key)
        if path is None:
            return httpx.Response(404)
        return httpx.Response(200, content=path.read_bytes())

    return httpx.MockTransport(handler)


def cassette(name: str) -> list[tuple[dict[str, str], int, bytes]]:
    """The (query, status, body) of each response Zenodo gave in a recorded cassette."""
    data = yaml.safe_load((ZENODO / f"{name}.yaml").read_text(encoding="utf-8"))
    return [
        (
            dict(httpx.URL(i["request"]["uri"]).params),
            i["response"]["status_code"],
            i["response"]["content"].encode(),
        )
        for i in data["interactions"]
    ]


def zenodo(
    *names: str, seen: list[httpx.Request] | None = None, also: dict[str, bytes] | None = None
) -> httpx.MockTransport:
    """Zenodo as recorded: a request is answered by the interaction with its very query."""
    recorded = [entry for name in names for entry in cassette(name)]

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        query = dict(request.url.params)
        for params, status, body in recorded:
            if params == query:
                return httpx.Response(status, content=body)
        if also and query.get("verb") in also:
            return httpx.Response(200, content=also[query["verb"]])
        return httpx.Response(404)

    return httpx.MockTransport(handler)


def respond(body: bytes, **verbs: bytes) -> httpx.MockTransport:
    """Every ListRecords request answered with ``body``; other verbs as given, else 404."""

    def handler(request: httpx.Request) -> httpx.Response:
        verb = request.url.params.get("verb")
        if verb != "ListRecords":
            return (
                httpx.Response(200, content=verbs[verb]) if verb in verbs else httpx.Response(404)
            )
        return httpx.Response(200, content=body)

    return httpx.MockTransport(handler)


def harvester(transport: httpx.BaseTransport, *, url: str = BASE, **source: Any) -> OAIPMHHarvester:
    src = Source(name="s", kind="oai-pmh", url=url, **source)
    fetcher = Fetcher(
        transport=transport,
        retries=0,
        sleep=lambda s: None,
        allow_private_networks=True,
        allow_file_urls=True,
    )
    return OAIPMHHarvester(src, fetcher)


def listings(seen: list[httpx.Request]) -> list[dict[str, str]]:
    """The query of every ListRecords request, in order."""
    return [dict(r.url.params) for r in seen if r.url.params.get("verb") == "ListRecords"]


def tokens(pages: list[Page]) -> list[str | None]:
    return [p.checkpoint["resumptionToken"] if p.checkpoint else None for p in pages]


def oai_page(records: str, token: str = "", *, doctype: str = "") -> bytes:
    """A ListRecords response around hand-written records (for cases no real file shows)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"{doctype}"
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        "<responseDate>2024-01-01T00:00:00Z</responseDate>"
        '<request verb="ListRecords">https://oai.example.org/oai</request>'
        f"<ListRecords>{records}<resumptionToken>{token}</resumptionToken></ListRecords>"
        "</OAI-PMH>"
    ).encode()


DC_RECORD = (
    "<record><header><identifier>{id}</identifier><datestamp>2024-02-03</datestamp></header>"
    '<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/">{dc}</oai_dc:dc></metadata></record>'
)


# --- paging --------------------------------------------------------------------------


def test_follows_resumption_tokens_to_the_end() -> None:
    seen: list[httpx.Request] = []
    pages = list(harvester(replay(SICKLE_CHAIN, seen)).pages())
    assert tokens(pages) == ["ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml", None]
    requests = listings(seen)
    assert requests[0] == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    # a token request carries the verb and the token, nothing else
    assert requests[1:] == [
        {"verb": "ListRecords", "resumptionToken": t}
        for t in ["ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml"]
    ]
    # a complete listing asks ListMetadataFormats first, and no Identify (no dates to write)
    assert [r.url.params["verb"] for r in seen][:2] == ["ListMetadataFormats", "ListRecords"]
    assert "Identify" not in [r.url.params["verb"] for r in seen]


def test_a_checkpoint_says_where_to_restart() -> None:
    pages = list(harvester(replay(SICKLE_CHAIN)).pages())
    # the sickle repository lists a 2011-07 record before a 2011-01 one: not in datestamp
    # order, so a refused token restarts the whole (complete) listing
    assert pages[0].checkpoint == {
        "resumptionToken": "ListRecords2.xml",
        "from": None,
        "run_from": None,
        "ordered": False,
    }


def test_an_ordered_listing_restarts_from_its_newest_datestamp() -> None:
    # Erasmus' first ListRecords page is in datestamp order; a later page that goes on
    # in order keeps the checkpoint's "from" at the newest datestamp seen
    body = (ERASMUS / "ListRecords.xml").read_bytes()
    with_token = body.replace(
        b"</ListRecords>", b"<resumptionToken>next</resumptionToken></ListRecords>"
    )
    since = datetime(2003, 1, 1, tzinfo=UTC)
    pages = harvester(respond(with_token, Identify=(ERASMUS / "Identify.xml").read_bytes())).pages(
        since=since
    )
    first = next(pages)
    assert first.checkpoint == {
        "resumptionToken": "next",
        "from": "2003-04-29T15:57:01Z",  # the newest of the page's 16 datestamps
        "run_from": "2003-01-01T00:00:00Z",
        "ordered": True,
    }
    assert first.records[-1].datestamp == datetime(2003, 4, 29, 15, 57, 1, tzinfo=UTC)
    pages.close()


def test_the_next_page_is_fetched_while_the_current_one_is_read() -> None:
    asked = threading.Event()
    release = threading.Event()
    seen: list[httpx.Request] = []
    inner = replay(SICKLE_CHAIN, seen)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("resumptionToken") == "ListRecords2.xml":
            asked.set()
            release.wait(30)
        return inner.handle_request(request)

    pages = harvester(httpx.MockTransport(handler)).pages()
    first = next(pages)
    assert first.checkpoint is not None
    # page 2 is asked for while page 1 is still in the caller's hands
    assert asked.wait(30)
    release.set()
    pages.close()
    # closing ends the prefetch: no thread left, nothing asked after page 2
    assert not [t for t in threading.enumerate() if t.name == "oai-pmh-prefetch"]
    assert [q.get("resumptionToken") for q in listings(seen)] == [None, "ListRecords2.xml"]


def test_closing_does_not_wait_for_a_stuck_request_and_asks_nothing_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(oaipmh, "PREFETCH_GRACE_SECONDS", 0.01)
    release = threading.Event()
    seen: list[httpx.Request] = []
    inner = replay(SICKLE_CHAIN, seen)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("resumptionToken") == "ListRecords2.xml":
            release.wait(30)
        return inner.handle_request(request)

    pages = harvester(httpx.MockTransport(handler)).pages()
    next(pages)
    pages.close()  # returns although page 2 is still on its way
    release.set()
    for thread in threading.enumerate():
        if thread.name == "oai-pmh-prefetch":
            thread.join(30)
    assert [q.get("resumptionToken") for q in listings(seen)] == [None, "ListRecords2.xml"]


def test_an_interrupt_while_fetching_ahead_reaches_the_caller_in_order() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("resumptionToken") == "ListRecords3.xml":
            raise KeyboardInterrupt  # Ctrl-C while page 3 was being fetched
        return replay(SICKLE_CHAIN).handle_request(request)

    pages = harvester(httpx.MockTransport(handler)).pages()
    assert tokens([next(pages), next(pages)]) == ["ListRecords2.xml", "ListRecords3.xml"]
    with pytest.raises(KeyboardInterrupt):
        next(pages)


def test_records_and_deleted_records_of_a_page() -> None:
    first = next(harvester(replay(SICKLE_CHAIN)).pages())
    assert first.errors == []
    deleted, live = first.records
    assert deleted.identifier == "oai:test.example.com:1585310"
    assert deleted.deleted is True
    assert deleted.payload is None
    assert deleted.datestamp == datetime(2011, 7, 18, 16, 31, tzinfo=UTC)
    assert deleted.format == "oai_dc"
    assert live.identifier == "oai:test.example.com:1585322"
    assert live.deleted is False
    assert live.datestamp == datetime(2011, 1, 10, 10, 19, 23, tzinfo=UTC)


def test_dublin_core_payload() -> None:
    live = next(harvester(replay(SICKLE_CHAIN)).pages()).records[1]
    assert live.payload is not None
    assert live.payload["sets"] == []
    dc = live.payload["metadata"]
    assert set(dc) == {
        "title",
        "identifier",
        "creator",
        "description",
        "language",
        "source",
        "publisher",
        "date",
        "type",
    }
    assert dc["title"] == [{"value": "Sample Title", "lang": None}]
    assert dc["creator"] == [{"value": "John Doe", "lang": None}] * 4
    assert dc["publisher"] == [{"value": "Sample Publisher", "lang": None}]  # stripped
    assert dc["type"] == [
        {"value": "info:eu-repo/semantics/article", "lang": None},
        {"value": "doc-type:article", "lang": None},
        {"value": "text", "lang": None},
    ]
    (description,) = dc["description"]
    assert description["lang"] == "eng"  # xml:lang is kept
    assert description["value"].startswith(
        "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor"
    )  # inner line breaks and indentation collapse to single spaces
    assert description["value"].endswith("id est laborum.")


def test_a_real_dspace_page() -> None:
    (page,) = harvester(replay({None: ERASMUS / "ListRecords.xml"})).pages()
    assert page.errors == []
    assert page.checkpoint is None
    assert len(page.records) == 16
    first = page.records[0]
    assert first.identifier == "hdl:1765/308"
    assert first.datestamp == datetime(2003, 4, 15, 10, 18, 51, tzinfo=UTC)
    assert first.payload is not None
    assert first.payload["sets"] == ["1:2"]
    dc = first.payload["metadata"]
    assert dc["title"] == [
        {"value": "Kijken in het brein: Over de mogelijkheden van neuromarketing", "lang": None}
    ]
    assert len(dc["subject"]) == 13
    assert dc["identifier"][1] == {"value": "http://hdl.handle.net/1765/308", "lang": None}
    assert dc["format"] == [
        {"value": "995607", "lang": None},
        {"value": "application/pdf", "lang": None},
    ]
    assert "creator" not in dc  # absent elements are absent, not empty lists


def test_a_real_page_with_deleted_records() -> None:
    harvest = harvester(replay({None: ERASMUS / "ListRecords_with_deleted.xml"}))
    (page,) = harvest.pages()
    assert page.errors == []
    assert len(page.records) == 81
    deleted = [r for r in page.records if r.deleted]
    assert [r.identifier for r in deleted] == ["hdl:1765/1160", "hdl:1765/1161"]
    assert all(r.payload is None for r in deleted)
    assert all(r.datestamp == datetime(2004, 2, 16, 13, 29, 54, tzinfo=UTC) for r in deleted)
    assert all(
        r.payload and r.payload["metadata"].get("title") for r in page.records if not r.deleted
    )
    assert harvest.listed_all  # a complete listing: absent records may become tombstones


def test_empty_dublin_core_values_are_dropped() -> None:
    body = oai_page(
        DC_RECORD.format(
            id="oai:x:1",
            dc='<dc:title xml:lang="nl">  Een\n   titel </dc:title><dc:title/>'
            "<dc:subject>   </dc:subject><dc:rights>CC0</dc:rights>"
            "<dc:description>tab\tand\u00a0no-break  spaces</dc:description>",
        )
    )
    (page,) = harvester(respond(body)).pages()
    (record,) = page.records
    assert record.datestamp == datetime(2024, 2, 3, tzinfo=UTC)  # day granularity
    assert record.payload == {
        "sets": [],
        "metadata": {
            "title": [{"value": "Een titel", "lang": "nl"}],
            "rights": [{"value": "CC0", "lang": None}],
            "description": [{"value": "tab and no-break spaces", "lang": None}],
        },
    }


def test_the_format_is_told_by_the_metadata_namespace() -> None:
    # sickle's repository answers a "mods" request with oai_dc: the records are Dublin Core
    first = next(harvester(replay(SICKLE_CHAIN), metadata_prefix="mods").pages())
    assert [r.format for r in first.records] == ["mods", "oai_dc"]  # deleted: the prefix
    assert first.records[1].payload is not None
    assert first.records[1].payload["metadata"]["title"] == [
        {"value": "Sample Title", "lang": None}
    ]


def test_other_formats_keep_the_metadata_xml() -> None:
    seen: list[httpx.Request] = []
    first = next(
        harvester(
            zenodo("list_records", "list_metadata_formats", seen=seen), metadata_prefix="datacite"
        ).pages()
    )
    assert listings(seen)[0] == {"verb": "ListRecords", "metadataPrefix": "datacite"}
    assert [r.identifier for r in first.records] == [
        "oai:zenodo.org:2217771",
        "oai:zenodo.org:2510668",
        "oai:zenodo.org:1964765",
    ]
    record = first.records[0]
    assert record.format == "datacite"
    assert record.payload is not None
    assert set(record.payload) == {"sets", "xml"}
    xml = record.payload["xml"]
    assert xml.startswith("<resource ")  # the first child of <metadata>, standalone
    assert 'xmlns="http://datacite.org/schema/kernel-4"' in xml
    assert "rightsURI=" in xml


def test_a_didl_page_keeps_its_didl() -> None:
    pages = harvester(
        replay({None: FIXTURES / "ucldc" / "ListRecords_didl_dspace.xml"}), metadata_prefix="didl"
    ).pages()
    page = next(pages)
    pages.close()
    (record,) = page.records
    assert record.identifier == "oai:ucispace-prod.lib.uci.edu:10575/25"
    assert record.format == "didl"
    assert record.payload is not None
    assert record.payload["sets"] == ["hdl_10575_10"]
    assert record.payload["xml"].startswith("<didl:DIDL ")
    assert page.checkpoint is not None
    assert page.checkpoint["resumptionToken"] == (
        "0001-01-01T00:00:00Z/9999-12-31T23:59:59Z/hdl_10575_7/didl/100"
    )


# --- broken records ------------------------------------------------------------------


def test_a_malformed_header_is_a_record_error_and_the_page_goes_on() -> None:
    # the last sickle page has a deleted header without identifier or datestamp
    last = list(harvester(replay(SICKLE_CHAIN)).pages())[-1]
    assert len(last.errors) == 1
    assert last.errors[0].identifier is None
    assert "identifier" in last.errors[0].message
    assert last.errors[0].snippet and "<header" in last.errors[0].snippet
    assert [r.identifier for r in last.records] == ["oai:test.example.com:1585322"]


def test_unreadable_records_are_errors_and_the_others_are_read() -> None:
    records = "".join(
        [
            DC_RECORD.format(id="oai:x:1", dc="<dc:title>One</dc:title>"),
            "<record><header><identifier>oai:x:2</identifier>"
            "<datestamp>2024-01-01</datestamp></header></record>",  # no metadata
            "<record><header><identifier>  </identifier></header><metadata/></record>",
            "<record><metadata/></record>",  # no header at all
            DC_RECORD.format(id="oai:x:5", dc="<other>no Dublin Core</other>"),
            DC_RECORD.format(id="oai:x:6", dc="<dc:title>Six</dc:title>"),
        ]
    )
    (page,) = harvester(respond(oai_page(records))).pages()
    assert [r.identifier for r in page.records] == ["oai:x:1", "oai:x:6"]
    assert [e.identifier for e in page.errors] == ["oai:x:2", None, None, "oai:x:5"]
    assert "metadata" in page.errors[0].message
    assert "Dublin Core" in page.errors[3].message


# --- pages that are not well-formed --------------------------------------------------


def test_control_characters_are_dropped_and_every_record_read() -> None:
    # a real page with a form feed and a NUL in a title, as many repositories send
    body = (ERASMUS / "ListRecords.xml").read_bytes()
    title = b"Kijken in het brein"
    damaged = body.replace(title, b"Kijken\x0c in het\x00 brein", 1)
    harvest = harvester(respond(damaged))
    (page,) = harvest.pages()
    assert page.errors == []
    assert len(page.records) == 16
    assert page.records[0].payload is not None
    assert (
        page.records[0].payload["metadata"]["title"][0]["value"].startswith("Kijken in het brein")
    )
    assert harvest.listed_all  # nothing was lost


def test_a_record_that_is_not_well_formed_is_salvaged_or_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    records = [
        DC_RECORD.format(id="oai:x:1", dc="<dc:title>One</dc:title>"),
        # a bare ampersand, the commonest fault after control characters: repaired
        DC_RECORD.format(id="oai:x:2", dc="<dc:title>Research & development</dc:title>"),
        # a tag that does not close: libxml2 recovers the record
        DC_RECORD.format(id="oai:x:3", dc="<dc:title>Three</dc:title><dc:creator>Doe"),
        # a header whose start tag is broken: the record cannot be told
        DC_RECORD.format(id="oai:x:4", dc="<dc:title>Four</dc:title>").replace(
            "<header>", "<header <"
        ),
        DC_RECORD.format(id="oai:x:5", dc="<dc:title>Five</dc:title>"),
    ]
    with caplog.at_level(logging.WARNING, logger="harvesters.oaipmh"):
        pages = harvester(respond(oai_page("".join(records), token="t2"))).pages()
        page = next(pages)
        pages.close()
    assert [r.identifier for r in page.records] == ["oai:x:1", "oai:x:2", "oai:x:3", "oai:x:5"]
    payloads = [r.payload["metadata"] for r in page.records if r.payload]
    assert payloads[1]["title"] == [{"value": "Research & development", "lang": None}]
    assert payloads[2]["title"] == [{"value": "Three", "lang": None}]
    (error,) = page.errors
    assert error.identifier == "oai:x:4"
    assert "not well-formed" in error.message
    assert error.snippet and "Four" in error.snippet
    assert page.checkpoint is not None and page.checkpoint["resumptionToken"] == "t2"
    assert "not well-formed" in caplog.text


def test_a_damaged_page_lists_nothing_for_tombstones() -> None:
    broken = DC_RECORD.format(id="oai:x:2", dc="<dc:title>Two</dc:title>").replace(
        "</dc:title>", "</dc:tittle>"
    )
    body = oai_page(DC_RECORD.format(id="oai:x:1", dc="<dc:title>One</dc:title>") + broken)
    harvest = harvester(respond(body))
    (page,) = harvest.pages()
    assert [r.identifier for r in page.records] == ["oai:x:1", "oai:x:2"]  # recovered
    assert harvest.listed_all is False  # yet a record may have gone unseen: no tombstones


def test_a_page_cut_short_yields_its_records_then_fails_to_be_asked_again() -> None:
    whole = (SICKLE / "ListRecords2.xml").read_bytes()
    cut = whole[: whole.index(b"</dc:title>") + 60]  # inside the second record
    files = {
        None: SICKLE / "ListRecords.xml",
        "ListMetadataFormats": SICKLE / "ListMetadataFormats.xml",
    }
    seen: list[httpx.Request] = []
    inner = replay(files, seen)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("resumptionToken") == "ListRecords2.xml":
            seen.append(request)
            return httpx.Response(200, content=cut)
        return inner.handle_request(request)

    pages = harvester(httpx.MockTransport(handler)).pages()
    first = next(pages)
    second = next(pages)
    assert [r.identifier for r in second.records] == ["oai:test.example.com:1585310"]
    assert len(second.errors) == 1 and "cut short" in second.errors[0].message
    # resuming from this checkpoint asks for the same page again
    assert first.checkpoint is not None and second.checkpoint is not None
    assert second.checkpoint["resumptionToken"] == first.checkpoint["resumptionToken"]
    with pytest.raises(FeedError, match="cut short"):
        next(pages)


def test_a_page_of_no_xml_at_all_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match="not readable XML"):
        list(harvester(respond(b"\x00\x01 Service temporarily unavailable")).pages())


def test_external_entities_in_a_page_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doctype = f'<!DOCTYPE OAI-PMH [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    body = oai_page(
        DC_RECORD.format(id="oai:x:1", dc="<dc:title>Title &xxe;</dc:title>"), doctype=doctype
    )
    (page,) = harvester(respond(body)).pages()
    (record,) = page.records
    assert record.payload is not None
    title = record.payload["metadata"]["title"][0]["value"]
    assert "TOP-SECRET" not in title
    assert title.startswith("Title")


def test_entity_bombs_do_not_expand() -> None:
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    doctype = f'<!DOCTYPE OAI-PMH [<!ENTITY l0 "lol">{levels}]>'
    body = oai_page(DC_RECORD.format(id="oai:x:1", dc="<dc:title>&l9;</dc:title>"), doctype=doctype)
    (page,) = harvester(respond(body)).pages()
    for record in page.records:
        assert record.payload is not None
        assert len(str(record.payload)) < 10_000


# --- resuming and incremental harvests -----------------------------------------------


def test_resume_continues_from_the_checkpoint() -> None:
    seen: list[httpx.Request] = []
    checkpoint = {
        "resumptionToken": "ListRecords3.xml",
        "from": None,
        "run_from": None,
        "ordered": False,
    }
    pages = list(harvester(replay(SICKLE_CHAIN, seen)).pages(resume=checkpoint))
    assert tokens(pages) == ["ListRecords4.xml", None]
    # resuming asks neither ListMetadataFormats nor Identify: the token alone
    assert dict(seen[0].url.params) == {
        "verb": "ListRecords",
        "resumptionToken": "ListRecords3.xml",
    }


def test_a_refused_token_on_resume_restarts_from_the_checkpoint() -> None:
    # the run stopped long ago: its token expired meanwhile
    files: dict[str | None, Path] = {
        "expired": SICKLE / "error_badResumptionToken.xml",
        None: ERASMUS / "ListRecords.xml",
        "Identify": ERASMUS / "Identify.xml",  # seconds granularity
    }
    seen: list[httpx.Request] = []
    checkpoint = {
        "resumptionToken": "expired",
        "from": "2003-04-15T10:18:51Z",
        "run_from": "2003-01-01T00:00:00Z",
        "ordered": True,
    }
    harvest = harvester(replay(files, seen))
    pages = list(harvest.pages(since=datetime(2025, 1, 1, tzinfo=UTC), resume=checkpoint))
    assert listings(seen) == [
        {"verb": "ListRecords", "resumptionToken": "expired"},
        # the checkpoint's "from" (not the since of this later run)
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2003-04-15T10:18:51Z"},
    ]
    assert sum(len(p.records) for p in pages) == 16
    assert harvest.listed_all is False  # an incremental run lists no absences


def test_a_refused_token_of_an_older_checkpoint_restarts_from_since() -> None:
    files: dict[str | None, Path] = {
        "expired": SICKLE / "error_badResumptionToken.xml",
        None: ERASMUS / "ListRecords.xml",
        "Identify": SICKLE / "Identify.xml",  # day granularity
    }
    seen: list[httpx.Request] = []
    since = datetime(2003, 2, 1, 12, tzinfo=UTC)
    list(harvester(replay(files, seen)).pages(since=since, resume={"resumptionToken": "expired"}))
    assert listings(seen)[1] == {
        "verb": "ListRecords",
        "metadataPrefix": "oai_dc",
        "from": "2003-02-01",
    }


def test_a_refused_token_mid_list_restarts_an_unordered_listing_from_its_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Zenodo lists in no datestamp order; its answer to a refused token is an HTTP 422
    seen: list[httpx.Request] = []
    refused_once = {"done": False}
    inner = zenodo("list_records", "list_metadata_formats", "identify", seen=seen)

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("resumptionToken")
        if token and token.startswith(".eJyNzN1") and not refused_once["done"]:
            refused_once["done"] = True
            seen.append(request)
            return httpx.Response(422, content=cassette("list_records")[-1][2])
        return inner.handle_request(request)

    with caplog.at_level(logging.WARNING, logger="harvesters.oaipmh"):
        harvest = harvester(httpx.MockTransport(handler))
        pages = list(harvest.pages())
    queries = listings(seen)
    assert [q.get("resumptionToken", "start") for q in queries] == [
        "start",
        queries[1]["resumptionToken"],
        queries[2]["resumptionToken"],  # refused (422)
        "start",  # the listing begins again, from the start: Zenodo is not ordered
        queries[1]["resumptionToken"],
        queries[2]["resumptionToken"],
    ]
    assert queries[3] == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    records = [r.identifier for p in pages for r in p.records]
    assert len(records) == 15 and len(set(records)) == 9  # overlap, nothing missing
    assert harvest.listed_all  # the second listing was complete
    assert "listing again from the start" in caplog.text


def test_a_repository_that_keeps_refusing_tokens_fails_the_harvest() -> None:
    files: dict[str | None, Path] = {
        None: SICKLE / "ListRecords.xml",
        "ListRecords2.xml": SICKLE / "error_badResumptionToken.xml",
    }
    with pytest.raises(FeedError, match="refused resumption tokens 3 times") as caught:
        list(harvester(replay(files)).pages())
    assert "badResumptionToken" in str(caught.value)


def test_a_server_error_deep_in_an_ordered_listing_restarts_it_from_there() -> None:
    # Erasmus' page is in datestamp order; the repository then fails on the next token
    # (as Zenodo does past some depth) and answers again when asked from a later point
    body = (ERASMUS / "ListRecords.xml").read_bytes()
    with_token = body.replace(
        b"</ListRecords>", b"<resumptionToken>deep</resumptionToken></ListRecords>"
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        params = request.url.params
        if params.get("verb") == "Identify":
            return httpx.Response(200, content=(ERASMUS / "Identify.xml").read_bytes())
        if params.get("resumptionToken") == "deep":
            return httpx.Response(502)
        if params.get("verb") == "ListRecords":
            return httpx.Response(200, content=body if "from" in params else with_token)
        return httpx.Response(404)

    pages = list(harvester(httpx.MockTransport(handler)).pages())
    assert [q.get("from") for q in listings(seen)] == [None, None, "2003-04-29T15:57:01Z"]
    assert [len(p.records) for p in pages] == [16, 16]


def test_a_server_error_deep_in_an_unordered_listing_fails_the_run() -> None:
    files = {**SICKLE_CHAIN}
    inner = replay(files)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("resumptionToken") == "ListRecords2.xml":
            return httpx.Response(504)
        return inner.handle_request(request)

    pages = harvester(httpx.MockTransport(handler)).pages()
    first = next(pages)
    with pytest.raises(FetchError) as caught:
        next(pages)
    assert caught.value.status == 504
    # the run keeps its checkpoint: the next harvest asks for that token again
    assert first.checkpoint is not None
    assert first.checkpoint["resumptionToken"] == "ListRecords2.xml"


def test_a_token_refused_after_the_complete_list_ends_it() -> None:
    # an InvenioRDM bug: a page that completes the list still hands out a token, and
    # that token is refused; completeListSize tells the list was complete
    body = (SICKLE / "ListRecords.xml").read_bytes()
    assert b'completeListSize="8" cursor="0"' in body
    last = body.replace(b'completeListSize="8"', b'completeListSize="2"')
    files: dict[str | None, Path] = {"ListRecords2.xml": SICKLE / "error_badResumptionToken.xml"}
    seen: list[httpx.Request] = []
    inner = replay(files, seen)

    def handler(request: httpx.Request) -> httpx.Response:
        if (
            request.url.params.get("verb") == "ListRecords"
            and "resumptionToken" not in request.url.params
        ):
            return httpx.Response(200, content=last)
        return inner.handle_request(request)

    harvest = harvester(httpx.MockTransport(handler))
    pages = list(harvest.pages())
    assert [len(p.records) for p in pages] == [2, 0]
    assert harvest.listed_all


def test_no_records_match_on_a_token_ends_the_list() -> None:
    files = {**SICKLE_CHAIN, "ListRecords2.xml": SICKLE / "error_noRecordsMatch.xml"}
    harvest = harvester(replay(files))
    pages = list(harvest.pages())
    assert [len(p.records) for p in pages] == [2, 0]
    assert pages[-1].checkpoint is None
    assert harvest.listed_all


def test_incremental_and_set_parameters_in_day_granularity() -> None:
    seen: list[httpx.Request] = []
    # 01:30 on the 6th at UTC+2 is still the 5th in UTC
    since = datetime(2024, 3, 6, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    harvest = harvester(replay(SICKLE_CHAIN, seen), set_spec="open", metadata_prefix="oai_dc")
    list(harvest.pages(since=since))
    assert [r.url.params["verb"] for r in seen][:3] == [
        "ListMetadataFormats",
        "Identify",
        "ListRecords",
    ]
    assert listings(seen)[0] == {
        "verb": "ListRecords",
        "metadataPrefix": "oai_dc",
        "set": "open",
        "from": "2024-03-05",  # sickle's repository: YYYY-MM-DD
    }
    assert "from" not in listings(seen)[1] and "set" not in listings(seen)[1]
    assert harvest.deleted_record == "persistent"
    assert harvest.listed_all is False


def test_incremental_parameters_in_seconds_granularity_with_until() -> None:
    seen: list[httpx.Request] = []
    page = cassette("list_records")[0][2]
    since = datetime(2024, 1, 16, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    harvest = harvester(
        zenodo("identify", "list_metadata_formats", seen=seen, also={"ListRecords": page}),
        options={"until": "2024-01-17"},
    )
    pages = harvest.pages(since=since)
    next(pages)
    pages.close()
    assert listings(seen)[0] == {
        "verb": "ListRecords",
        "metadataPrefix": "oai_dc",
        "from": "2024-01-16T08:30:00Z",  # Zenodo: YYYY-MM-DDThh:mm:ssZ, in UTC
        "until": "2024-01-17T23:59:59Z",  # a whole day, in the same granularity
    }
    assert harvest.deleted_record == "no"


def test_until_in_day_granularity() -> None:
    seen: list[httpx.Request] = []
    harvest = harvester(replay(SICKLE_CHAIN, seen), options={"until": "2024-01-17T10:00:00Z"})
    list(harvest.pages())
    assert listings(seen)[0] == {
        "verb": "ListRecords",
        "metadataPrefix": "oai_dc",
        "until": "2024-01-17",
    }
    assert harvest.listed_all  # until is part of what the source is


def test_an_until_that_is_no_date_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match="'until'"):
        list(harvester(replay(SICKLE_CHAIN), options={"until": "yesterday"}).pages())


def test_a_naive_since_is_taken_as_utc() -> None:
    seen: list[httpx.Request] = []
    list(harvester(replay(SICKLE_CHAIN, seen)).pages(since=datetime(2024, 3, 5, 23, 59)))
    assert listings(seen)[0]["from"] == "2024-03-05"


@pytest.mark.parametrize(
    "identify",
    [
        pytest.param(None, id="absent (404)"),
        pytest.param(cassette("identify")[1][2], id="an HTML page"),
        pytest.param(SICKLE / "error_badArgument.xml", id="an OAI error"),
    ],
)
def test_a_broken_identify_means_day_granularity(
    identify: bytes | Path | None, caplog: pytest.LogCaptureFixture
) -> None:
    verbs: dict[str, bytes] = {}
    if identify is not None:
        verbs["Identify"] = identify.read_bytes() if isinstance(identify, Path) else identify
    seen: list[httpx.Request] = []
    inner = respond((ERASMUS / "ListRecords.xml").read_bytes(), **verbs)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return inner.handle_request(request)

    with caplog.at_level(logging.WARNING, logger="harvesters.oaipmh"):
        pages = list(
            harvester(httpx.MockTransport(handler)).pages(
                since=datetime(2024, 3, 5, 10, tzinfo=UTC)
            )
        )
    assert listings(seen)[0]["from"] == "2024-03-05"
    assert len(pages[0].records) == 16
    assert "Identify cannot be read" in caplog.text


def test_identify_is_asked_once_per_run() -> None:
    seen: list[httpx.Request] = []
    files: dict[str | None, Path] = {
        **SICKLE_CHAIN,
        "ListRecords3.xml": SICKLE / "error_badResumptionToken.xml",
    }
    since = datetime(2024, 3, 5, tzinfo=UTC)
    with pytest.raises(FeedError, match="refused"):
        list(harvester(replay(files, seen)).pages(since=since))
    verbs = [r.url.params["verb"] for r in seen]
    assert verbs.count("Identify") == 1  # although the listing started three more times
    assert verbs.count("ListMetadataFormats") == 1


# --- the repository: Identify, ListMetadataFormats, ListSets -------------------------


def test_identify() -> None:
    facts = harvester(zenodo("identify")).identify()
    assert facts == {
        "repositoryName": "Zenodo",
        "baseURL": "https://zenodo.org/oai2d",
        "protocolVersion": "2.0",
        "adminEmail": ["info@zenodo.org"],
        "earliestDatestamp": "2014-02-03T14:41:33Z",
        "deletedRecord": "no",
        "granularity": "YYYY-MM-DDThh:mm:ssZ",
        "compression": [],
    }
    erasmus = harvester(replay({"Identify": ERASMUS / "Identify.xml"})).identify()
    assert erasmus["compression"] == ["gzip", "compress", "deflate"]
    assert erasmus["deletedRecord"] == "no"


def test_identify_of_something_else_is_a_feed_error() -> None:
    html = cassette("identify")[1][2]
    with pytest.raises(FeedError, match="OAI-PMH"):
        harvester(respond(b"", Identify=html)).identify()


def test_metadata_formats() -> None:
    formats = harvester(zenodo("list_metadata_formats")).metadata_formats()
    prefixes = [f["metadataPrefix"] for f in formats]
    assert {"oai_dc", "datacite", "oai_datacite", "marcxml"} <= set(prefixes)
    oai_dc = formats[prefixes.index("oai_dc")]
    assert oai_dc["metadataNamespace"] == "http://www.openarchives.org/OAI/2.0/oai_dc/"
    assert oai_dc["schema"] == "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
    one = harvester(zenodo("list_metadata_formats")).metadata_formats("oai:zenodo.org:10357859")
    assert [f["metadataPrefix"] for f in one] == prefixes


def test_a_prefix_the_repository_does_not_offer_is_refused_before_harvesting() -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(FeedError) as caught:
        list(harvester(replay(SICKLE_CHAIN, seen), metadata_prefix="datacite").pages())
    message = str(caught.value)
    assert "'datacite'" in message
    assert "'oai_dc'" in message and "'mods'" in message  # what it does offer
    assert listings(seen) == []  # nothing harvested


def test_a_broken_list_of_formats_does_not_stop_the_harvest() -> None:
    files = {**SICKLE_CHAIN, "ListMetadataFormats": SICKLE / "error_badArgument.xml"}
    pages = list(harvester(replay(files), metadata_prefix="oai_dc").pages())
    assert len(pages) == 4


def test_sets_follow_resumption_tokens() -> None:
    seen: list[httpx.Request] = []
    sets = list(harvester(zenodo("list_sets", seen=seen)).sets())
    assert len(seen) == 2  # two pages
    assert seen[1].url.params["resumptionToken"].startswith("eyJzZWVkIjowLjcwNjgz")
    assert len(sets) == len({s["setSpec"] for s in sets}) == 10  # five on each page
    assert all(s["setSpec"] and s["setName"] for s in sets)


def test_sets_with_descriptions_and_hierarchy() -> None:
    zenodo_sets = list(harvester(zenodo("list_sets")).sets())
    assert zenodo_sets[0]["setSpec"] == "user-emi"
    assert zenodo_sets[0]["setName"] == "European Middleware Initiative"
    description = zenodo_sets[0]["setDescription"]
    assert description and "The European Middleware Initiative (EMI)" in description
    erasmus = list(harvester(replay({"ListSets": ERASMUS / "ListSets.xml"})).sets())
    assert [s["setSpec"] for s in erasmus][:2] == ["3", "3:5"]
    assert erasmus[5]["setName"] == "ERIM Report Series Research in Management"  # stripped
    assert erasmus[0]["setDescription"] is None
    assert len(list(harvester(replay({"ListSets": SICKLE / "ListSets.xml"})).sets())) == 131


def test_a_repository_without_sets_has_none() -> None:
    assert list(harvester(replay({"ListSets": SICKLE / "error_noSetHierarchy.xml"})).sets()) == []


# --- OAI errors ----------------------------------------------------------------------


def test_no_records_match_is_an_empty_harvest() -> None:
    files = {**SICKLE_CHAIN, None: SICKLE / "error_noRecordsMatch.xml"}
    harvest = harvester(replay(files))
    pages = list(harvest.pages())
    assert len(pages) == 1
    assert pages[0].records == [] and pages[0].errors == []
    assert pages[0].checkpoint is None
    assert harvest.listed_all  # the repository holds nothing: everything else is gone


@pytest.mark.parametrize(
    ("name", "code", "said"),
    [
        ("error_badArgument.xml", "badArgument", ""),
        ("error_badResumptionToken.xml", "badResumptionToken", "This resumptionToken is invalid"),
        ("error_cannotDisseminateFormat.xml", "cannotDisseminateFormat", "'oai_dc'"),
        ("error_idDoesNotExist.xml", "idDoesNotExist", ""),
        ("error_noSetHierarchy.xml", "noSetHierarchy", ""),
        ("error_undefinedError.xml", "undefinedError", ""),
    ],
)
def test_oai_errors_raise_clear_feed_errors(name: str, code: str, said: str) -> None:
    files = {**SICKLE_CHAIN, None: SICKLE / name}
    with pytest.raises(OAIPMHError) as caught:
        list(harvester(replay(files), set_spec="physics").pages())
    error = caught.value
    assert isinstance(error, FeedError)
    assert error.code == code
    assert error.url == BASE
    message = str(error)
    assert message.startswith(f"OAI-PMH error {code}: ")
    meaning = OAI_ERRORS.get(code, "an error code OAI-PMH does not define")
    assert meaning.split("{")[0] in message
    assert said in message
    if code == "noSetHierarchy":
        assert "'physics'" in message


def test_every_oai_error_code_has_a_meaning() -> None:
    assert set(OAI_ERRORS) == {
        "badArgument",
        "badResumptionToken",
        "badVerb",
        "cannotDisseminateFormat",
        "idDoesNotExist",
        "noRecordsMatch",
        "noMetadataFormats",
        "noSetHierarchy",
    }


def test_an_unknown_record_has_no_formats() -> None:
    files: dict[str | None, Path] = {"ListMetadataFormats": SICKLE / "error_idDoesNotExist.xml"}
    with pytest.raises(OAIPMHError, match="no record with that identifier") as caught:
        harvester(replay(files)).metadata_formats("oai:x:none")
    assert caught.value.code == "idDoesNotExist"


def test_an_oai_error_sent_with_http_422_is_read() -> None:
    (no_records,) = [e for e in cassette("list_records") if e[0].get("from") == "2025-01-15"]
    assert no_records[1] == 422 and b'code="noRecordsMatch"' in no_records[2]
    inner = zenodo("identify", "list_metadata_formats")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("verb") == "ListRecords":
            return httpx.Response(no_records[1], content=no_records[2])
        return inner.handle_request(request)

    since = datetime(2025, 1, 15, tzinfo=UTC)
    pages = list(harvester(httpx.MockTransport(handler)).pages(since=since))
    assert [p.records for p in pages] == [[]]  # Zenodo's noRecordsMatch, sent with 422


def test_a_token_loop_is_detected() -> None:
    looping: dict[str | None, Path] = {
        None: SICKLE / "ListRecords.xml",
        "ListRecords2.xml": SICKLE / "ListRecords2.xml",
        "ListRecords3.xml": SICKLE / "ListRecords.xml",  # hands out ListRecords2.xml again
    }
    pages = harvester(replay(looping)).pages()
    assert tokens([next(pages), next(pages)]) == ["ListRecords2.xml", "ListRecords3.xml"]
    with pytest.raises(FeedError, match="loop"):
        next(pages)


def test_a_page_repeating_its_own_token_is_a_loop() -> None:
    stuck: dict[str | None, Path] = {"ListRecords2.xml": SICKLE / "ListRecords.xml"}  # own token
    with pytest.raises(FeedError, match="loop"):
        list(harvester(replay(stuck)).pages(resume={"resumptionToken": "ListRecords2.xml"}))


def test_a_loop_back_to_the_resumed_token_is_detected() -> None:
    files: dict[str | None, Path] = {
        "ListRecords2.xml": SICKLE / "ListRecords2.xml",  # hands out ListRecords3.xml
        "ListRecords3.xml": SICKLE / "ListRecords.xml",  # hands out ListRecords2.xml again
    }
    pages = harvester(replay(files)).pages(resume={"resumptionToken": "ListRecords2.xml"})
    assert tokens([next(pages)]) == ["ListRecords3.xml"]
    with pytest.raises(FeedError, match="loop"):
        next(pages)


def test_a_non_oai_answer_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match="OAI-PMH"):
        list(harvester(respond(b"<html><body>hi</body></html>")).pages())
    with pytest.raises(FeedError, match="not readable XML"):
        list(harvester(respond(b"Service temporarily unavailable")).pages())
    identify = (SICKLE / "Identify.xml").read_bytes()  # OAI, but not ListRecords
    with pytest.raises(FeedError, match="ListRecords"):
        list(harvester(respond(identify)).pages())


def test_http_failures_surface_as_fetch_errors() -> None:
    with pytest.raises(FetchError) as caught:
        list(harvester(httpx.MockTransport(lambda r: httpx.Response(500))).pages())
    assert caught.value.status == 500


# --- a recorded page set on disk -----------------------------------------------------


@pytest.fixture
def page_set(tmp_path: Path) -> Path:
    """The sickle pages as a folder the file: transport serves (token T -> T.xml)."""
    folder = tmp_path / "sickle"
    folder.mkdir()
    for token, path in SICKLE_CHAIN.items():
        if token is None or token.endswith(".xml"):
            shutil.copy(path, folder / ("ListRecords.xml" if token is None else f"{token}.xml"))
    shutil.copy(SICKLE / "error_badResumptionToken.xml", folder / "expired.xml")
    return folder


def test_a_recorded_page_set_is_harvested_through_file_urls(page_set: Path) -> None:
    pages = list(
        harvester(httpx.MockTransport(lambda r: httpx.Response(500)), url=page_set.as_uri()).pages()
    )
    assert len(pages) == 4
    assert [len(p.records) for p in pages] == [2, 2, 2, 1]
    assert [len(p.errors) for p in pages] == [0, 0, 0, 1]
    assert pages[-1].checkpoint is None


def test_a_recorded_page_set_missing_a_page(page_set: Path) -> None:
    (page_set / "ListRecords3.xml.xml").unlink()
    pages = harvester(respond(b""), url=page_set.as_uri()).pages()
    assert tokens([next(pages), next(pages)]) == ["ListRecords2.xml", "ListRecords3.xml"]
    with pytest.raises(FetchError) as caught:
        next(pages)
    assert caught.value.status == 404


def test_a_recorded_page_set_refuses_traversal_in_tokens(page_set: Path) -> None:
    (page_set.parent / "outside.xml").write_bytes((SICKLE / "ListRecords4.xml").read_bytes())
    with pytest.raises(FetchError) as caught:
        list(
            harvester(respond(b""), url=page_set.as_uri()).pages(
                resume={"resumptionToken": "../outside"}
            )
        )
    assert caught.value.status == 404
    # an expired token of a page set starts the listing again
    pages = list(
        harvester(respond(b""), url=page_set.as_uri()).pages(resume={"resumptionToken": "expired"})
    )
    assert len(pages) == 4


# --- datestamps ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        (" 2024-03-05 ", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03-05T10:11:12Z", datetime(2024, 3, 5, 10, 11, 12, tzinfo=UTC)),
        ("2024-03-05T10:11:12+02:00", datetime(2024, 3, 5, 8, 11, 12, tzinfo=UTC)),
        ("2024-03-05T10:11:12", datetime(2024, 3, 5, 10, 11, 12, tzinfo=UTC)),
        ("2024-02-30", None),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_datestamps(text: str | None, expected: datetime | None) -> None:
    parsed = parse_datestamp(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == timedelta(0)


# --- the plugin registry -------------------------------------------------------------


class _NotAHarvester:
    pass


class _Custom(Harvester):
    kind = "custom"

    def pages(self, *, since: datetime | None = None, resume: dict[str, Any] | None = None) -> Any:
        yield Page()


def _entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group="registry.harvesters")


def test_builtin_harvesters_are_found() -> None:
    assert {"oai-pmh", "offers"} <= set(harvester_kinds())
    assert get_harvester("oai-pmh") is OAIPMHHarvester
    assert get_harvester("offers") is OffersHarvester
    with pytest.raises(InvalidRequest, match="no harvester") as caught:
        get_harvester("gopher")
    assert caught.value.parameter == "kind"


def test_builtins_are_the_fallback_without_package_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(harvesters, "entry_points", lambda group: [])
    assert harvester_kinds() == ["ckan", "dcat", "oai-pmh", "offers", "rss"]
    assert get_harvester("oai-pmh") is OAIPMHHarvester


def test_plugins_come_from_the_entry_point_group(monkeypatch: pytest.MonkeyPatch) -> None:
    groups: list[str] = []
    plugins = [
        _entry("custom", f"{__name__}:_Custom"),
        _entry("broken", "no_such_module_anywhere:Harvester"),
        _entry("wrong", f"{__name__}:_NotAHarvester"),
    ]

    def fake_entry_points(group: str) -> list[EntryPoint]:
        groups.append(group)
        return plugins

    monkeypatch.setattr(harvesters, "entry_points", fake_entry_points)
    assert harvester_kinds() == [
        "broken",
        "ckan",
        "custom",
        "dcat",
        "oai-pmh",
        "offers",
        "rss",
        "wrong",
    ]
    assert set(groups) == {"registry.harvesters"}
    assert get_harvester("custom") is _Custom
    assert get_harvester("offers") is OffersHarvester  # other plugins do not disturb it
    with pytest.raises(ConfigurationError, match="broken"):
        get_harvester("broken")
    with pytest.raises(ConfigurationError, match="not a Harvester"):
        get_harvester("wrong")
