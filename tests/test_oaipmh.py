"""The OAI-PMH harvester, replaying real repositories' responses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from harvesters import Fetcher, get_harvester, harvester_kinds
from harvesters.oaipmh import OAIPMHHarvester, parse_datestamp
from registry.errors import FeedError, InvalidRequest
from registry.models import Source

SICKLE = Path(__file__).parent / "fixtures" / "oai-pmh" / "sickle"


def replay(
    files: dict[str | None, str], seen: list[httpx.Request] | None = None
) -> httpx.MockTransport:
    """A repository answering each resumption token (None: the first request) with a file."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        name = files.get(request.url.params.get("resumptionToken"))
        if name is None:
            return httpx.Response(404)
        return httpx.Response(200, content=(SICKLE / name).read_bytes())

    return httpx.MockTransport(handler)


def harvester(transport: httpx.BaseTransport, **source: object) -> OAIPMHHarvester:
    src = Source(name="s", kind="oai-pmh", url="https://oai.example.org/oai", **source)  # type: ignore[arg-type]
    return OAIPMHHarvester(
        src,
        Fetcher(transport=transport, retries=0, sleep=lambda s: None, allow_private_networks=True),
    )


SICKLE_CHAIN = {
    None: "ListRecords.xml",
    "ListRecords2.xml": "ListRecords2.xml",
    "ListRecords3.xml": "ListRecords3.xml",
    "ListRecords4.xml": "ListRecords4.xml",
}


def test_follows_resumption_tokens_to_the_end() -> None:
    seen: list[httpx.Request] = []
    pages = list(harvester(replay(SICKLE_CHAIN, seen)).pages())
    assert len(pages) == 4
    assert [p.checkpoint for p in pages] == [
        {"resumptionToken": "ListRecords2.xml"},
        {"resumptionToken": "ListRecords3.xml"},
        {"resumptionToken": "ListRecords4.xml"},
        None,
    ]
    first = seen[0].url.params
    assert (first["verb"], first["metadataPrefix"]) == ("ListRecords", "oai_dc")
    assert "metadataPrefix" not in seen[1].url.params  # a token request carries only the token


def test_records_deleted_records_and_dublin_core() -> None:
    pages = list(harvester(replay(SICKLE_CHAIN)).pages())
    records = [r for p in pages for r in p.records]
    deleted = [r for r in records if r.deleted]
    live = [r for r in records if not r.deleted]
    assert deleted and live
    assert all(r.payload is None for r in deleted)
    sample = live[0]
    assert sample.format == "oai_dc"
    assert sample.datestamp is not None and sample.datestamp.tzinfo is not None
    assert sample.payload is not None
    titles = sample.payload["metadata"]["title"]
    assert titles[0]["value"]
    assert set(sample.payload["metadata"]) <= {
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
    }


def test_a_malformed_header_is_a_record_error_and_the_page_goes_on() -> None:
    # the last sickle page has a deleted header without identifier or datestamp
    pages = list(harvester(replay(SICKLE_CHAIN)).pages())
    last = pages[-1]
    assert any("identifier" in e.message for e in last.errors)
    assert last.records, "the other record of the page is still read"


def test_resume_continues_from_the_checkpoint() -> None:
    seen: list[httpx.Request] = []
    pages = list(
        harvester(replay(SICKLE_CHAIN, seen)).pages(resume={"resumptionToken": "ListRecords3.xml"})
    )
    assert len(pages) == 2
    assert seen[0].url.params["resumptionToken"] == "ListRecords3.xml"


def test_incremental_and_set_parameters() -> None:
    seen: list[httpx.Request] = []
    since = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    list(
        harvester(replay(SICKLE_CHAIN, seen), set_spec="open", metadata_prefix="oai_dc").pages(
            since=since
        )
    )
    assert seen[0].url.params["from"] == "2024-03-05"
    assert seen[0].url.params["set"] == "open"


def test_no_records_match_is_an_empty_harvest() -> None:
    pages = list(harvester(replay({None: "error_noRecordsMatch.xml"})).pages())
    assert len(pages) == 1
    assert pages[0].records == [] and pages[0].errors == []


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("error_badResumptionToken.xml", "badResumptionToken"),
        ("error_cannotDisseminateFormat.xml", "cannotDisseminateFormat"),
    ],
)
def test_oai_errors_raise_feed_errors(name: str, code: str) -> None:
    with pytest.raises(FeedError, match=code):
        list(harvester(replay({None: name})).pages())


def test_a_token_loop_is_detected() -> None:
    looping = {None: "ListRecords.xml", "ListRecords2.xml": "ListRecords.xml"}
    with pytest.raises(FeedError, match="loop"):
        list(harvester(replay(looping)).pages())


def test_a_non_oai_answer_is_a_feed_error() -> None:
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, content=b"<html><body>hi</body></html>")
    )
    with pytest.raises(FeedError, match="OAI-PMH"):
        list(harvester(transport).pages())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03-05T10:11:12Z", datetime(2024, 3, 5, 10, 11, 12, tzinfo=UTC)),
        ("not a date", None),
        (None, None),
    ],
)
def test_datestamps(text: str | None, expected: datetime | None) -> None:
    assert parse_datestamp(text) == expected


def test_plugin_lookup() -> None:
    assert {"oai-pmh", "offers"} <= set(harvester_kinds())
    assert get_harvester("oai-pmh") is OAIPMHHarvester
    with pytest.raises(InvalidRequest, match="no harvester"):
        get_harvester("gopher")
