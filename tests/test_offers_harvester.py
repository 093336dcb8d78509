"""The IP-offer feed harvester and its mapping to IPOffer records."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from harvesters import Fetcher
from harvesters.offers import OffersHarvester
from registry.demo import demo_dir
from registry.errors import FeedError
from registry.models import Source
from registry.normalise import NormaliseError, to_record


def harvest(body: Any) -> list[Any]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=content))
    source = Source(name="o", kind="offers", url="https://93.184.216.34/offers.json")
    return list(OffersHarvester(source, Fetcher(transport=transport, retries=0)).pages())


def test_the_three_accepted_shapes() -> None:
    offer = {"identifier": "x1", "title": "T", "modified": "2026-01-02T03:04:05Z"}
    for body in ([offer], {"offers": [offer]}, {"@context": {}, "@graph": [offer]}):
        (page,) = harvest(body)
        assert [r.identifier for r in page.records] == ["x1"]
        assert page.records[0].datestamp is not None
        assert page.records[0].format == "offer"


def test_an_offer_without_identifier_is_an_error_not_a_stop() -> None:
    (page,) = harvest({"offers": [{"title": "no id"}, "not an object", {"identifier": "ok"}]})
    assert [r.identifier for r in page.records] == ["ok"]
    assert len(page.errors) == 2


@pytest.mark.parametrize("body", [b"{not json", b'{"something": 1}', b'"a string"'])
def test_unreadable_feeds_are_feed_errors(body: bytes) -> None:
    with pytest.raises(FeedError):
        harvest(body)


def test_demo_offers_map_to_ip_offers() -> None:
    offers = json.loads((demo_dir() / "offers.json").read_text())["offers"]
    (page,) = harvest({"offers": offers})
    source = Source(name="demo-offers", kind="offers", url="https://93.184.216.34/o.json")
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
    source = Source(name="o", kind="offers", url="https://93.184.216.34/o.json")
    with pytest.raises(NormaliseError, match=message):
        to_record(source, page.records[0], "http://r.test")
