"""Publishing IP offers with an API key: create, replace, withdraw; field errors; scope;
rate limit; audit; peer review, problem reports, uptake and notices; review dates."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.api.app import create_app
from registry.core import Registry
from registry.keys import create_key
from registry.offers import check_review_due
from registry.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE: dict[str, Any] = json.loads((ROOT / "schemas" / "ip-offer.schema.json").read_text())[
    "examples"
][0]


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(
        Settings(
            data_dir=tmp_path / "data", base_uri="http://registry.test", api_writes_per_minute=30
        )
    )
    yield reg
    reg.close()


@pytest.fixture
def client(registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(registry=registry, follow_changes=False)) as test_client:
        yield test_client


def _auth(registry: Registry, publisher: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(registry.store, publisher).secret}"}


def _offer(**changes: Any) -> dict[str, Any]:
    """The schema's example offer, verified today (so that no test depends on the date)."""
    offer = copy.deepcopy(EXAMPLE)
    offer["last_verified"] = date.today().isoformat()
    offer.update(changes)
    return offer


def test_publish_replace_and_withdraw(client: TestClient, registry: Registry) -> None:
    tto = _auth(registry, "tto")
    created = client.post("/api/offers", json=_offer(), headers=tto)
    assert created.status_code == 201, created.text
    offer = created.json()
    assert created.headers["location"] == offer["uri"]
    assert offer["kind"] == "ip-offer"
    assert offer["assets"][0]["patents"][0]["docdb"] == "EP.3512847.A1"
    today = date.today()
    due = date.fromisoformat(offer["review_due"])
    assert (due.year - today.year) * 12 + due.month - today.month == 12  # twelve months on
    assert offer["terms"]["royalty_free"] is False
    # The offer is a record like any other: linked data, search.
    assert client.get(f"/records/{offer['id']}.ttl").status_code == 200
    hits = client.get(
        "/api/search", params={"q": "membrane distillation", "kind": "ip-offer"}
    ).json()
    assert [h["id"] for h in hits["results"]] == [offer["id"]]

    again = client.post(
        "/api/offers", json=_offer(title="Membrane module, second edition"), headers=tto
    )
    assert again.status_code == 200
    assert again.json()["id"] == offer["id"]

    replaced = client.put(
        f"/api/offers/{offer['id']}", json=_offer(title="Third edition"), headers=tto
    )
    assert replaced.status_code == 200
    assert client.get(f"/api/offers/{offer['id']}").json()["title"] == "Third edition"

    assert client.delete(f"/api/offers/{offer['id']}", headers=tto).status_code == 204
    assert client.get(f"/records/{offer['id']}.json").status_code == 410
    actions = [e.action for e in registry.store.audit_log(publisher="tto")]
    assert actions == ["offer.delete", "offer.update", "offer.update", "offer.create"]


def test_json_ld_is_accepted(client: TestClient, registry: Registry) -> None:
    body = _offer(identifier="ld-1")
    body["@context"] = "http://registry.test/vocab/context.jsonld"
    body["@type"] = "IPOffer"
    response = client.post(
        "/api/offers",
        content=json.dumps(body),
        headers={**_auth(registry, "tto"), "Content-Type": "application/ld+json"},
    )
    assert response.status_code == 201, response.text
    plain = client.post(
        "/api/offers",
        content="title=x",
        headers={**_auth(registry, "tto"), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert plain.status_code == 415


def test_every_field_error_is_listed_and_nothing_is_stored(
    client: TestClient, registry: Registry
) -> None:
    bad = _offer(identifier="bad")
    del bad["contact"]
    bad["assets"] = [{"type": "patent", "patents": ["EP 1 000 000 A1", "XQ 12"]}]
    bad["terms"] = {
        **bad["terms"],
        "licensing_mode": "royalty-free-pledge",
        "exclusivity": "exclusive",
        "royalty": "free",
    }
    bad["challenges"] = ["world-peace"]
    response = client.post("/api/offers", json=bad, headers=_auth(registry, "tto"))
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in problem["errors"]}
    assert {"contact", "challenges", "assets.0.patents.1", "terms"} <= fields
    messages = " ".join(e["message"] for e in problem["errors"])
    assert "ST.3" in messages and "contradicts" in messages and "world-peace" in messages
    assert registry.store.count(include_deleted=True) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"contact": {"verified": "2026-01-01"}}, "contact"),
        ({"offeror": {"name": "X", "identifiers": {"kvk": "123"}}}, "offeror.identifiers"),
        ({"trl": 12}, "trl"),
        ({"sdgs": [18]}, "sdgs"),
        ({"assets": [{"type": "software", "patents": ["EP1000000"]}]}, "assets.0"),
        ({"terms": {"licensing_mode": "x", "summary": "s"}}, "terms.licensing_mode"),
        ({"terms": {"licensing_mode": "option", "summary": "s" * 401}}, "terms.summary"),
        ({"last_verified": "2026-05-01", "review_due": "2026-01-01"}, "(body)"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_field_errors(
    client: TestClient, registry: Registry, change: dict[str, Any], field: str
) -> None:
    response = client.post("/api/offers", json=_offer(**change), headers=_auth(registry, "tto"))
    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f.startswith(field) or field == "(body)" for f in fields), fields


def test_keys_and_scope(client: TestClient, registry: Registry) -> None:
    assert client.post("/api/offers", json=_offer()).status_code == 401
    wrong = client.post("/api/offers", json=_offer(), headers={"Authorization": "Bearer reg_x"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    mine = client.post("/api/offers", json=_offer(), headers=_auth(registry, "tto")).json()
    other = _auth(registry, "someone-else")
    assert client.put(f"/api/offers/{mine['id']}", json=_offer(), headers=other).status_code == 403
    assert client.delete(f"/api/offers/{mine['id']}", headers=other).status_code == 403
    assert client.get(f"/records/{mine['id']}.json").status_code == 200
    assert client.delete("/api/offers/nope", headers=other).status_code == 404


def test_write_rate_per_key(tmp_path: Path) -> None:
    reg = Registry(Settings(data_dir=tmp_path / "d", api_writes_per_minute=2))
    try:
        with TestClient(create_app(registry=reg, follow_changes=False)) as client:
            auth = _auth(reg, "tto")
            codes = [
                client.post(
                    "/api/offers", json=_offer(identifier=f"o{i}"), headers=auth
                ).status_code
                for i in range(3)
            ]
            assert codes == [201, 201, 429]
            limited = client.post("/api/offers", json=_offer(identifier="o9"), headers=auth)
            assert int(limited.headers["retry-after"]) >= 1
            # Another process serving the API (a replica) counts the same writes.
            with TestClient(create_app(registry=reg, follow_changes=False)) as replica:
                again = replica.post("/api/offers", json=_offer(identifier="r"), headers=auth)
                assert again.status_code == 429
            # Another key has its own budget.
            fresh = client.post(
                "/api/offers", json=_offer(identifier="p"), headers=_auth(reg, "other")
            )
            assert fresh.status_code == 201
    finally:
        reg.close()


def test_peer_review_reports_uptake_and_notices(client: TestClient, registry: Registry) -> None:
    owner = _auth(registry, "tto")
    offer = client.post("/api/offers", json=_offer(), headers=owner).json()
    peer, other = _auth(registry, "peer"), _auth(registry, "sme-1")
    url = f"/api/offers/{offer['id']}"

    own = client.post(
        f"{url}/reviews", json={"clarity": 5, "completeness": 5, "usefulness": 5}, headers=owner
    )
    assert own.status_code == 403
    client.post(
        f"{url}/reviews", json={"clarity": 4, "completeness": 2, "usefulness": 5}, headers=peer
    )
    reviewed = client.post(
        f"{url}/reviews",
        json={"clarity": 2, "completeness": 4, "usefulness": 3, "comment": "ok"},
        headers=other,
    )
    assert reviewed.status_code == 201
    assert reviewed.json()["offer"]["reviews"] == {
        "count": 2, "clarity": 3.0, "completeness": 3.0, "usefulness": 4.0,
    }  # fmt: skip
    bad = client.post(
        f"{url}/reviews", json={"clarity": 9, "completeness": 1, "usefulness": 1}, headers=peer
    )
    assert bad.status_code == 422

    reported = client.post(
        f"{url}/reports", json={"kind": "lapsed-patent", "detail": "EP fee unpaid"}, headers=peer
    )
    assert reported.status_code == 201
    assert reported.json()["offer"]["flagged"] is True
    assert client.post(f"{url}/reports", json={"kind": "boring"}, headers=peer).status_code == 422
    assert client.post(f"{url}/uptake", json={"note": "licensed"}, headers=other).status_code == 201

    shown = client.get(f"/records/{offer['id']}.json").json()["review"]
    assert shown["open_reports"] == {"lapsed-patent": 1}
    assert shown["uptake"] == 1
    page = client.get(f"/records/{offer['id']}", headers={"Accept": "text/html"}).text
    assert "lapsed-patent: 1" in page

    notices = client.get("/api/notices", headers=owner).json()
    assert [n["kind"] for n in notices] == ["problem-report"]
    assert "EP fee unpaid" in notices[0]["message"]
    assert client.get("/api/notices", headers=peer).json() == []
    marked = client.post("/api/notices/read", json={"ids": [notices[0]["id"]]}, headers=owner)
    assert marked.json() == {"read": 1}
    assert client.get("/api/notices", params={"unread": "true"}, headers=owner).json() == []
    assert client.get("/api/notices").status_code == 401


def test_review_due_tells_the_publisher_once(client: TestClient, registry: Registry) -> None:
    owner = _auth(registry, "tto")
    stale_day = (date.today() - timedelta(days=400)).isoformat()
    stale = client.post(
        "/api/offers", json=_offer(identifier="stale", last_verified=stale_day), headers=owner
    ).json()
    fresh = client.post(
        "/api/offers",
        json=_offer(identifier="fresh", last_verified=date.today().isoformat()),
        headers=owner,
    ).json()
    assert check_review_due(registry.store) == [stale["id"]]
    check_review_due(registry.store)
    notices = registry.store.notices("tto")
    assert [(n.kind, n.record_id) for n in notices] == [("review-due", stale["id"])]
    assert client.get(f"/records/{stale['id']}.json").json()["current"] is False
    assert client.get(f"/records/{fresh['id']}.json").json()["current"] is True


def _publish_demo(client: TestClient, registry: Registry) -> dict[str, dict[str, Any]]:
    """The demo offers, published through the API by one publisher."""
    demo = json.loads((ROOT / "registry" / "demo" / "offers.json").read_text())["offers"]
    auth = _auth(registry, "demo-tto")
    out = {}
    for offer in demo:
        response = client.post("/api/offers", json=offer, headers=auth)
        assert response.status_code == 201, response.text
        out[offer["identifier"]] = response.json()
    return out


def _search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", params={"kind": "ip-offer", **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_offer_facets_and_filters(client: TestClient, registry: Registry) -> None:
    offers = _publish_demo(client, registry)
    everything = _search(client)
    assert everything["total"] == len(offers)
    facets = {
        name: {v["value"]: v["count"] for v in values}
        for name, values in everything["facets"].items()
    }
    assert facets["ip_type"]["patent"] == 3
    assert facets["licensing_mode"]["licence-of-right"] == 1
    labels = {v["value"]: v["label"] for v in everything["facets"]["licensing_mode"]}
    assert labels["non-assertion-covenant"] == "Non-assertion covenant"
    free = _search(client, royalty_free="true")
    assert free["total"] == facets["royalty_free"]["true"] == 4
    assert all(
        offers[i]["terms"]["royalty_free"]
        for i in offers
        if offers[i]["id"] in {r["id"] for r in free["results"]}
    )
    ready = _search(client, trl="5-9")
    expected = {o["id"] for o in offers.values() if o["trl"] and o["trl"] >= 5}
    assert {r["id"] for r in ready["results"]} == expected
    assert _search(client, territory="NL")["total"] == 2  # NL and NL+BE
    assert _search(client, licensing_mode="option")["total"] == 0
    bad = client.get("/api/search", params={"licensing_mode": "sell-everything"})
    assert bad.status_code == 400
    assert client.get("/api/search", params={"trl": "7-3"}).status_code == 400


@pytest.mark.parametrize(
    "written", ["EP3512847", "EP 3 512 847 A1", "ep-3512847-a1", "EP.3512847.A1"]
)
def test_patent_search_in_any_notation(
    client: TestClient, registry: Registry, written: str
) -> None:
    offers = _publish_demo(client, registry)
    wanted = offers["tto-zuidland-2024-001"]["id"]
    by_parameter = _search(client, patent=written)
    assert [r["id"] for r in by_parameter["results"]] == [wanted]
    by_query = client.get("/api/search", params={"q": written}).json()
    assert [r["id"] for r in by_query["results"]] == [wanted]
    assert _search(client, patent="WO 2012/088469")["total"] == 0
    assert client.get("/api/search", params={"patent": "XQ12"}).status_code == 400


def test_a_design_offer_is_found_by_its_number_in_any_notation(
    client: TestClient, registry: Registry
) -> None:
    design = {"type": "design", "title": "Modular bench", "patents": ["RCD 000123456-0001"]}
    response = client.post(
        "/api/offers",
        json=_offer(identifier="design-1", assets=[design]),
        headers=_auth(registry, "tto"),
    )
    assert response.status_code == 201, response.text
    (number,) = response.json()["assets"][0]["patents"]
    assert (number["type"], number["docdb"], number["display"]) == (
        "design",
        "EM.000123456-0001",
        "EM 000123456-0001",
    )
    for written in ("000123456-0001", "EM.000123456-0001"):
        assert [r["id"] for r in _search(client, patent=written)["results"]] == [
            response.json()["id"]
        ]
    # a design's number on a patent asset is a mistake the publisher hears about
    wrong = client.post(
        "/api/offers",
        json=_offer(identifier="design-2", assets=[{"type": "patent", "patents": ["DM/123456"]}]),
        headers=_auth(registry, "tto"),
    )
    assert wrong.status_code == 422
    assert "make it an asset of type design" in wrong.text


def test_expired_and_withdrawn_offers_leave_default_search(
    client: TestClient, registry: Registry
) -> None:
    auth = _auth(registry, "tto")
    old = (date.today() - timedelta(days=400)).isoformat()
    client.post("/api/offers", json=_offer(identifier="current"), headers=auth)
    client.post("/api/offers", json=_offer(identifier="due", last_verified=old), headers=auth)
    client.post("/api/offers", json=_offer(identifier="gone", status="withdrawn"), headers=auth)
    client.post("/api/offers", json=_offer(identifier="draft", status="draft"), headers=auth)
    assert _search(client)["total"] == 1
    assert _search(client, include_expired="true")["total"] == 4


def test_cli_offers_due(registry: Registry, client: TestClient, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from registry.cli import main

    auth = _auth(registry, "tto")
    old = (date.today() - timedelta(days=400)).isoformat()
    due = client.post("/api/offers", json=_offer(identifier="due", last_verified=old), headers=auth)
    client.post("/api/offers", json=_offer(identifier="ok"), headers=auth)
    result = CliRunner().invoke(
        main, ["--data-dir", str(registry.settings.data_dir), "offers", "due", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in json.loads(result.stdout)] == [due.json()["id"]]
    assert [n.kind for n in registry.store.notices("tto")] == ["review-due"]


def test_a_publisher_registers_its_feed_and_owns_its_offers(
    client: TestClient, registry: Registry, tmp_path: Path
) -> None:
    feed = tmp_path / "offers.json"
    feed.write_text(json.dumps({"offers": [_offer(identifier="from-feed")]}))
    registry.settings.allow_file_urls = True
    owner, other = _auth(registry, "tto"), _auth(registry, "other")
    body = {"name": "tto-feed", "kind": "offers", "url": feed.as_uri()}
    assert client.post("/api/sources", json=body).status_code == 401
    registered = client.post("/api/sources", json=body, headers=owner)
    assert registered.status_code == 201, registered.text
    assert registered.json()["publisher"] == "tto"
    registry.harvest("tto-feed")
    offer_id = registry.store.changes(0, 10, source="tto-feed")[0].id
    # Peers may review it; only its publisher hears of problems; a harvested offer is
    # changed in its feed, not through the API.
    client.post(f"/api/offers/{offer_id}/reports", json={"kind": "stale"}, headers=other)
    assert [n.record_id for n in registry.store.notices("tto")] == [offer_id]
    assert client.put(f"/api/offers/{offer_id}", json=_offer(), headers=other).status_code == 403
    conflict = client.put(f"/api/offers/{offer_id}", json=_offer(), headers=owner)
    assert conflict.status_code == 409
    assert "tto-feed" in conflict.json()["detail"]


def test_a_review_cannot_claim_another_reviewer(client: TestClient, registry: Registry) -> None:
    offer = client.post("/api/offers", json=_offer(), headers=_auth(registry, "tto")).json()
    body = {"clarity": 1, "completeness": 1, "usefulness": 1, "reviewer": "tto"}
    response = client.post(
        f"/api/offers/{offer['id']}/reviews", json=body, headers=_auth(registry, "peer")
    )
    assert response.status_code == 201
    assert [r.reviewer for r in registry.store.reviews(offer["id"])] == ["peer"]
    listed = client.post(
        f"/api/offers/{offer['id']}/reports", json=["stale"], headers=_auth(registry, "peer")
    )
    assert listed.status_code == 422
