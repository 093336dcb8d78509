"""The IP-offer feed harvester and its mapping to IPOffer records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from harvesters import Fetcher, Page, get_harvester
from harvesters.offers import OffersHarvester
from registry.demo import demo_dir
from registry.errors import FeedError, FetchError
from registry.models import Source
from registry.normalise import NormaliseError, to_record

URL = "https://93.184.216.34/offers.json"


def harvest(body: Any, seen: list[httpx.Request] | None = None, **options: Any) -> list[Page]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, content=content)

    source = Source(name="o", kind="offers", url=URL)
    fetcher = Fetcher(transport=httpx.MockTransport(handler), retries=0)
    return list(OffersHarvester(source, fetcher).pages(**options))


OFFER = {"identifier": "x1", "title": "T", "modified": "2026-01-02T03:04:05Z"}


@pytest.mark.parametrize(
    "body",
    [
        [OFFER],
        {"offers": [OFFER]},
        {"@context": {"@vocab": "https://schema.org/"}, "@graph": [OFFER]},
    ],
    ids=["list", "offers", "json-ld"],
)
def test_the_three_accepted_shapes(body: Any) -> None:
    seen: list[httpx.Request] = []
    (page,) = harvest(body, seen)
    assert page.errors == []
    assert page.checkpoint is None
    (record,) = page.records
    assert record.identifier == "x1"
    assert record.datestamp == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert record.format == "offer"
    assert record.deleted is False
    assert record.payload == OFFER
    assert [str(r.url) for r in seen] == [URL]  # one request, no parameters


def test_one_request_lists_everything_whatever_the_arguments() -> None:
    seen: list[httpx.Request] = []
    pages = harvest([OFFER], seen, since=datetime(2030, 1, 1, tzinfo=UTC), resume={"anything": 1})
    assert [r.identifier for p in pages for r in p.records] == ["x1"]
    assert len(seen) == 1
    assert get_harvester("offers") is OffersHarvester


def test_deleted_offers() -> None:
    offers = [
        {"identifier": "gone", "deleted": True, "modified": "2026-02-01"},
        {"identifier": "withdrawn", "status": "withdrawn"},  # still described, not deleted
        {"identifier": "truthy", "deleted": "yes"},  # only the JSON value true deletes
    ]
    (page,) = harvest(offers)
    gone, withdrawn, truthy = page.records
    assert (gone.deleted, gone.payload) == (True, None)
    assert gone.datestamp == datetime(2026, 2, 1, tzinfo=UTC)
    assert withdrawn.deleted is False
    assert withdrawn.payload == {"identifier": "withdrawn", "status": "withdrawn"}
    assert truthy.deleted is False


def test_modified_dates() -> None:
    (page,) = harvest(
        [
            {"identifier": "a", "modified": "2026-01-02T05:04:05+02:00"},
            {"identifier": "b", "modified": "last Tuesday"},
            {"identifier": "c", "modified": 20260102},
            {"identifier": "d"},
        ]
    )
    assert [r.datestamp for r in page.records] == [
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        None,
        None,
        None,
    ]


def test_an_offer_without_identifier_is_an_error_not_a_stop() -> None:
    items: list[Any] = [
        {"title": "no id"},
        "not an object",
        {"identifier": "ok"},
        {"identifier": 42},
        {"identifier": "   "},
        None,
        {"identifier": " padded "},
    ]
    (page,) = harvest({"offers": items})
    assert [r.identifier for r in page.records] == ["ok", "padded"]
    assert [e.identifier for e in page.errors] == [None] * 5
    for error, position in zip(page.errors, [1, 2, 4, 5, 6], strict=True):
        assert f"offer {position} " in error.message


def test_an_empty_feed_is_one_empty_page() -> None:
    (page,) = harvest({"offers": []})
    assert page.records == [] and page.errors == [] and page.checkpoint is None


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"something": 1}',
        b'{"offers": {"identifier": "x"}}',
        b'"a string"',
        b"\xff\xfe\x00garbage",
        b"",
    ],
)
def test_unreadable_feeds_are_feed_errors(body: bytes) -> None:
    with pytest.raises(FeedError) as caught:
        harvest(body)
    assert caught.value.url == URL


def test_a_byte_order_mark_is_accepted() -> None:
    (page,) = harvest(b"\xef\xbb\xbf" + json.dumps([OFFER]).encode())
    assert [r.identifier for r in page.records] == ["x1"]


def test_http_errors_are_fetch_errors() -> None:
    source = Source(name="o", kind="offers", url=URL)
    fetcher = Fetcher(transport=httpx.MockTransport(lambda r: httpx.Response(404)), retries=0)
    with pytest.raises(FetchError) as caught:
        list(OffersHarvester(source, fetcher).pages())
    assert caught.value.status == 404


def test_a_feed_on_disk_through_a_file_url(tmp_path: Path) -> None:
    feed = tmp_path / "offers.json"
    feed.write_text(json.dumps({"offers": [OFFER, {"identifier": "x2"}]}))
    source = Source(name="o", kind="offers", url=feed.as_uri())
    with Fetcher(allow_file_urls=True) as fetcher:
        (page,) = OffersHarvester(source, fetcher).pages()
    assert [r.identifier for r in page.records] == ["x1", "x2"]


# --- the demo feed through the registry's mapper -------------------------------------


def test_demo_offers_map_to_ip_offers() -> None:
    offers = json.loads((demo_dir() / "offers.json").read_text())["offers"]
    (page,) = harvest({"offers": offers})
    assert page.errors == []
    assert len(page.records) == len(offers)
    source = Source(name="demo-offers", kind="offers", url=URL)
    records = [to_record(source, raw, "http://r.test") for raw in page.records]
    assert len(records) >= 6
    for record in records:
        assert record.kind == "ip-offer"
        assert record.contact.email or record.contact.url
        assert record.challenges
        assert record.attribution is not None and record.offeror.name in record.attribution.text
    licensed = [r for r in records if r.licence.uri]
    assert {r.licence.reuse_class for r in licensed} == {"open"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"contact": {}}, "contact"),
        ({"offeror": {"type": "company"}}, "offeror"),
        ({"challenges": ["world-peace"]}, "world-peace"),
        ({"title": ""}, "title"),
    ],
)
def test_invalid_offers_are_refused_with_a_reason(change: dict[str, Any], message: str) -> None:
    offer = json.loads((demo_dir() / "offers.json").read_text())["offers"][0]
    offer.update(change)
    (page,) = harvest([offer])
    source = Source(name="o", kind="offers", url=URL)
    with pytest.raises(NormaliseError, match=message):
        to_record(source, page.records[0], "http://r.test")
