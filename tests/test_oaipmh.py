"""The OAI-PMH harvester, replaying real repositories' responses."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta, timezone
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import httpx
import pytest

import harvesters
from harvesters import Fetcher, Harvester, Page, get_harvester, harvester_kinds
from harvesters.oaipmh import OAIPMHHarvester, parse_datestamp
from harvesters.offers import OffersHarvester
from registry.errors import ConfigurationError, FeedError, FetchError, InvalidRequest
from registry.models import Source

FIXTURES = Path(__file__).parent / "fixtures" / "oai-pmh"
SICKLE = FIXTURES / "sickle"
ERASMUS = FIXTURES / "pyoai-erasmus"
BASE = "https://oai.example.org/oai"

#: The sickle page chain: each page's resumption token names the next file.
SICKLE_CHAIN = {
    None: SICKLE / "ListRecords.xml",
    "ListRecords2.xml": SICKLE / "ListRecords2.xml",
    "ListRecords3.xml": SICKLE / "ListRecords3.xml",
    "ListRecords4.xml": SICKLE / "ListRecords4.xml",
}


def replay(
    files: dict[str | None, Path], seen: list[httpx.Request] | None = None
) -> httpx.MockTransport:
    """A repository answering each resumption token (None: the first request) with a file."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        path = files.get(request.url.params.get("resumptionToken"))
        if path is None:
            return httpx.Response(404)
        return httpx.Response(200, content=path.read_bytes())

    return httpx.MockTransport(handler)


def respond(body: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(lambda r: httpx.Response(200, content=body))


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


def oai_page(records: str, token: str = "") -> bytes:
    """A ListRecords response around hand-written records (for cases no real file shows)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
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
    assert [p.checkpoint for p in pages] == [
        {"resumptionToken": "ListRecords2.xml"},
        {"resumptionToken": "ListRecords3.xml"},
        {"resumptionToken": "ListRecords4.xml"},
        None,
    ]
    assert dict(seen[0].url.params) == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    for request, token in zip(
        seen[1:], ["ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml"], strict=True
    ):
        # a token request carries the verb and the token, nothing else
        assert dict(request.url.params) == {"verb": "ListRecords", "resumptionToken": token}
    assert len(seen) == 4


def test_the_pages_are_read_lazily() -> None:
    seen: list[httpx.Request] = []
    pages = harvester(replay(SICKLE_CHAIN, seen)).pages()
    first = next(pages)
    assert first.checkpoint == {"resumptionToken": "ListRecords2.xml"}
    assert len(seen) == 1  # the next page is fetched only when it is asked for


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
    (page,) = harvester(replay({None: ERASMUS / "ListRecords_with_deleted.xml"})).pages()
    assert page.errors == []
    assert len(page.records) == 81
    deleted = [r for r in page.records if r.deleted]
    assert [r.identifier for r in deleted] == ["hdl:1765/1160", "hdl:1765/1161"]
    assert all(r.payload is None for r in deleted)
    assert all(r.datestamp == datetime(2004, 2, 16, 13, 29, 54, tzinfo=UTC) for r in deleted)
    assert all(
        r.payload and r.payload["metadata"].get("title") for r in page.records if not r.deleted
    )


def test_empty_dublin_core_values_are_dropped() -> None:
    body = oai_page(
        DC_RECORD.format(
            id="oai:x:1",
            dc='<dc:title xml:lang="nl">  Een\n   titel </dc:title><dc:title/>'
            "<dc:subject>   </dc:subject><dc:rights>CC0</dc:rights>",
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
        },
    }


def test_other_formats_keep_the_metadata_xml() -> None:
    first = next(harvester(replay(SICKLE_CHAIN), metadata_prefix="mods").pages())
    live = first.records[1]
    assert live.format == "mods"
    assert first.records[0].format == "mods"
    assert live.payload is not None
    assert set(live.payload) == {"sets", "xml"}
    xml = live.payload["xml"]
    assert xml.startswith("<oai_dc:dc ")
    assert "<dc:title>Sample Title</dc:title>" in xml
    assert 'xmlns:dc="http://purl.org/dc/elements/1.1/"' in xml  # serialised standalone


# --- broken records ------------------------------------------------------------------


def test_a_malformed_header_is_a_record_error_and_the_page_goes_on() -> None:
    # the last sickle page has a deleted header without identifier or datestamp
    last = list(harvester(replay(SICKLE_CHAIN)).pages())[-1]
    assert len(last.errors) == 1
    assert last.errors[0].identifier is None
    assert "identifier" in last.errors[0].message
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


# --- resuming and incremental harvests -----------------------------------------------


def test_resume_continues_from_the_checkpoint() -> None:
    seen: list[httpx.Request] = []
    pages = list(
        harvester(replay(SICKLE_CHAIN, seen)).pages(resume={"resumptionToken": "ListRecords3.xml"})
    )
    assert [p.checkpoint for p in pages] == [{"resumptionToken": "ListRecords4.xml"}, None]
    assert dict(seen[0].url.params) == {
        "verb": "ListRecords",
        "resumptionToken": "ListRecords3.xml",
    }


def test_incremental_and_set_parameters() -> None:
    seen: list[httpx.Request] = []
    # 01:30 on the 6th at UTC+2 is still the 5th in UTC
    since = datetime(2024, 3, 6, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    list(
        harvester(replay(SICKLE_CHAIN, seen), set_spec="open", metadata_prefix="oai_dc").pages(
            since=since
        )
    )
    assert dict(seen[0].url.params) == {
        "verb": "ListRecords",
        "metadataPrefix": "oai_dc",
        "set": "open",
        "from": "2024-03-05",
    }
    assert "from" not in seen[1].url.params and "set" not in seen[1].url.params


def test_a_naive_since_is_taken_as_utc() -> None:
    seen: list[httpx.Request] = []
    list(harvester(replay(SICKLE_CHAIN, seen)).pages(since=datetime(2024, 3, 5, 23, 59)))
    assert seen[0].url.params["from"] == "2024-03-05"


# --- OAI errors ----------------------------------------------------------------------


def test_no_records_match_is_an_empty_harvest() -> None:
    pages = list(harvester(replay({None: SICKLE / "error_noRecordsMatch.xml"})).pages())
    assert len(pages) == 1
    assert pages[0].records == [] and pages[0].errors == []
    assert pages[0].checkpoint is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("error_badResumptionToken.xml", "badResumptionToken: This resumptionToken is invalid"),
        ("error_cannotDisseminateFormat.xml", "cannotDisseminateFormat"),
        ("error_badArgument.xml", "OAI-PMH error badArgument"),
    ],
)
def test_oai_errors_raise_feed_errors(name: str, message: str) -> None:
    with pytest.raises(FeedError, match=message) as caught:
        list(harvester(replay({None: SICKLE / name})).pages())
    assert caught.value.url == BASE


def test_a_bad_resumption_token_on_resume_is_a_feed_error() -> None:
    files: dict[str | None, Path] = {"expired": SICKLE / "error_badResumptionToken.xml"}
    with pytest.raises(FeedError, match="badResumptionToken"):
        list(harvester(replay(files)).pages(resume={"resumptionToken": "expired"}))


def test_a_token_loop_is_detected() -> None:
    looping: dict[str | None, Path] = {
        None: SICKLE / "ListRecords.xml",
        "ListRecords2.xml": SICKLE / "ListRecords2.xml",
        "ListRecords3.xml": SICKLE / "ListRecords.xml",  # hands out ListRecords2.xml again
    }
    pages = harvester(replay(looping)).pages()
    assert next(pages).checkpoint == {"resumptionToken": "ListRecords2.xml"}
    assert next(pages).checkpoint == {"resumptionToken": "ListRecords3.xml"}
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
    assert next(pages).checkpoint == {"resumptionToken": "ListRecords3.xml"}
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
    assert next(pages).checkpoint == {"resumptionToken": "ListRecords2.xml"}
    assert next(pages).checkpoint == {"resumptionToken": "ListRecords3.xml"}
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
    with pytest.raises(FeedError, match="badResumptionToken"):
        list(
            harvester(respond(b""), url=page_set.as_uri()).pages(
                resume={"resumptionToken": "expired"}
            )
        )


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
    assert harvester_kinds() == ["broken", "ckan", "custom", "dcat", "oai-pmh", "offers", "rss", "wrong"]
    assert set(groups) == {"registry.harvesters"}
    assert get_harvester("custom") is _Custom
    assert get_harvester("offers") is OffersHarvester  # other plugins do not disturb it
    with pytest.raises(ConfigurationError, match="broken"):
        get_harvester("broken")
    with pytest.raises(ConfigurationError, match="not a Harvester"):
        get_harvester("wrong")
