"""The HTTP API, through an in-process client, on a registry loaded with the demo feeds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.api.app import create_app
from registry.core import Registry, demo_sources
from registry.settings import Settings
from tests.conftest import demo_registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    reg = demo_registry(tmp_path_factory.mktemp("api") / "data")
    yield reg
    reg.close()


@pytest.fixture(scope="module")
def client(registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(registry=registry, follow_changes=False)) as test_client:
        yield test_client


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_search_everything(client: TestClient, registry: Registry) -> None:
    body = search(client, page_size=100)
    assert body["total"] == registry.store.count() >= 36
    first = body["results"][0]
    assert set(first) >= {"id", "uri", "kind", "title", "licence", "attribution"}
    assert first["uri"] == f"http://registry.test/records/{first['id']}"
    assert set(first["licence"]) >= {"uri", "label", "open"}
    assert set(first["attribution"]) == {"text", "html"}
    assert {f["value"] for f in body["facets"]["kind"]} == {"work", "ip-offer"}


def test_facets_agree_with_filters(client: TestClient) -> None:
    everything = search(client)
    from registry.search import FACETS

    assert set(everything["facets"]) == set(FACETS)
    for facet in FACETS:
        assert everything["facets"][facet], facet
        for value in everything["facets"][facet][:3]:
            param = value["value"]
            filtered = search(client, **{facet: param})
            assert filtered["total"] == value["count"], (facet, param)
            assert value["label"]


def test_open_filter_and_licence_labels(client: TestClient) -> None:
    body = search(client, open="true", page_size=100)
    assert body["total"] > 0
    assert all(r["licence"]["open"] for r in body["results"])
    closed = search(client, open="false", page_size=100)
    assert not any(r["licence"]["open"] for r in closed["results"])
    assert body["total"] + closed["total"] == search(client)["total"]


def test_commercial_and_derivative_filters_follow_the_licence_terms(client: TestClient) -> None:
    commercial = search(client, commercial="true", page_size=100)
    assert commercial["total"] > 0
    assert all(r["licence"]["commercial"] for r in commercial["results"])
    labels = {r["licence"]["label"] for r in commercial["results"]}
    assert "CC BY-NC 4.0" not in labels and "CC BY 4.0" in labels
    no_adaptations = search(client, derivatives="false", page_size=100)
    assert "CC BY-ND 4.0" in {r["licence"]["label"] for r in no_adaptations["results"]}
    assert not any(r["licence"]["derivatives"] for r in no_adaptations["results"])
    restricted = search(client, reuse="restricted", page_size=100)
    assert {r["licence"]["reuse_class"] for r in restricted["results"]} == {"restricted"}
    family = search(client, family="CC BY-SA", page_size=100)
    assert family["total"] >= 2
    assert {r["licence"]["family"] for r in family["results"]} == {"CC BY-SA"}


def test_licence_filter_takes_uris_and_names(client: TestClient) -> None:
    by_uri = search(client, licence="https://creativecommons.org/licenses/by/4.0/")
    by_name = search(client, licence="CC-BY-4.0")
    assert by_uri["total"] == by_name["total"] > 0
    family_only = client.get("/api/search", params={"licence": "CC BY"})
    assert family_only.status_code == 400
    assert "family" in family_only.json()["detail"]


def test_cursor_paging_covers_every_result_once(client: TestClient) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"page_size": 7}
    while True:
        body = search(client, **params)
        seen.extend(r["id"] for r in body["results"])
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    assert len(seen) == len(set(seen)) == body["total"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"open": "maybe"}, "open"),
        ({"kind": "painting"}, "kind"),
        ({"licence": "my own licence"}, "licence"),
        ({"challenge": "world-peace"}, "challenge"),
        ({"reuse": "free"}, "reuse"),
        ({"commercial": "sometimes"}, "commercial"),
        ({"derivatives": "2"}, "derivatives"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"colour": "red"}, "colour"),
        ({"q": "x" * 1001}, "q"),
    ],
)
def test_bad_requests_answer_400_with_a_reason(
    client: TestClient, params: dict[str, Any], parameter: str
) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 400 and body["detail"]
    assert parameter in (body.get("parameter") or "") + body["detail"]


def test_a_cursor_from_another_search_is_refused(client: TestClient) -> None:
    cursor = search(client, page_size=5)["next_cursor"]
    response = client.get("/api/search", params={"q": "data", "page_size": 5, "cursor": cursor})
    assert response.status_code == 400
    assert "another search" in response.json()["detail"]


@pytest.mark.parametrize("q", ['"unbalanced', "title:(", "AND", "((", "-", "*:*", "\\"])
def test_query_syntax_errors_are_never_500(client: TestClient, q: str) -> None:
    assert client.get("/api/search", params={"q": q}).status_code == 200


def test_record_json_and_html(client: TestClient) -> None:
    hit = search(client, kind="ip-offer")["results"][0]
    as_json = client.get(f"/records/{hit['id']}", headers={"Accept": "application/json"})
    assert as_json.status_code == 200
    assert as_json.headers["vary"] == "Accept"
    record = as_json.json()
    assert record["id"] == hit["id"] and record["kind"] == "ip-offer"
    assert record["contact"]["email"] or record["contact"]["url"]
    assert client.get(f"/records/{hit['id']}.json").json() == record
    browser = client.get(
        f"/records/{hit['id']}",
        headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    )
    assert browser.status_code == 200
    assert browser.headers["content-type"].startswith("text/html")
    assert hit["title"].split("&")[0][:20] in browser.text


def test_record_errors(client: TestClient) -> None:
    missing = client.get("/records/nope", headers={"Accept": "application/json"})
    assert missing.status_code == 404
    assert "nope" in missing.json()["detail"]
    hit = search(client)["results"][0]
    refused = client.get(f"/records/{hit['id']}", headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_a_deleted_record_is_gone(client: TestClient, registry: Registry) -> None:
    from tests.conftest import make_work

    work = make_work("to-withdraw", source="demo-kennisbank")
    registry.store.upsert([work])
    assert client.get(f"/records/{work.id}.json").status_code == 200
    registry.store.delete([work.id])
    response = client.get(f"/records/{work.id}", headers={"Accept": "application/json"})
    assert response.status_code == 410
    assert "withdrawn" in response.json()["detail"]
    assert response.json()["id"] == work.id
    registry.refresh_index()


def test_search_page(client: TestClient) -> None:
    page = client.get("/", params={"q": "data"})
    assert page.status_code == 200
    assert 'name="q"' in page.text and 'value="data"' in page.text
    assert 'id="total"' in page.text
    dutch = client.get("/", params={"lang": "nl"})
    assert "Zoeken" in dutch.text
    assert "Niet open" in dutch.text  # facet labels speak Dutch too
    bad = client.get("/", params={"page_size": "x", "kind": "painting"})
    assert bad.status_code == 400
    assert "kind" in bad.text


def test_search_page_escapes_user_input(client: TestClient) -> None:
    page = client.get("/", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_health_sources_harvests_and_docs(client: TestClient, registry: Registry) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["records"] == registry.store.count()
    assert health["index_lag"] == 0
    names = {s["name"] for s in client.get("/api/sources").json()}
    assert names == {s["name"] for s in demo_sources()}
    runs = client.get("/api/harvests").json()
    assert {r["source"] for r in runs} == names
    assert client.get(f"/api/harvests/{runs[0]['id']}").json()["status"] == "succeeded"
    assert client.get("/api/sources/none").status_code == 404
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/search" in spec["paths"]


def test_server_indexes_what_another_process_writes(tmp_path: Path) -> None:
    """The app's follower holds the index writer; another Registry only writes the store."""
    settings = Settings(data_dir=tmp_path / "data", index_poll_seconds=0.05)
    app = create_app(settings)
    with TestClient(app) as test_client:
        other = Registry(settings)
        try:
            spec = next(s for s in demo_sources() if s["kind"] == "offers")
            other.add_source(**spec, trusted=True)
            other.harvest(spec["name"])  # index busy: writes the store only
            assert other.indexer.position == 0
        finally:
            other.close()
        import time

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if test_client.get("/api/search").json()["total"] > 0:
                break
            time.sleep(0.05)
        assert test_client.get("/api/search", params={"kind": "ip-offer"}).json()["total"] >= 6


def test_the_page_speaks_both_languages_completely() -> None:
    from registry.api.web import TEXT

    assert TEXT["en"].keys() == TEXT["nl"].keys()


def test_search_page_shows_offer_facets_in_dutch(client: TestClient) -> None:
    page = client.get("/", params={"kind": "ip-offer", "lang": "nl"}).text
    assert "Licentievorm" in page and "Licentie van rechtswege" in page
    assert "Royaltyvrij" in page
    filtered = client.get("/", params={"kind": "ip-offer", "ip_type": "dataset", "lang": "en"})
    assert filtered.status_code == 200 and "Dataset" in filtered.text
