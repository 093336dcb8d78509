"""The registry end to end on the distributed engines: PostgreSQL (store), OpenSearch
(search) and a SPARQL server (triples), as the compose deployment runs it.

Each test gets its own PostgreSQL schema, index alias and an emptied SPARQL dataset. The
engines come from the environment (``.ci/run`` starts them); without them these tests
skip, saying how to run them.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from registry.api.app import create_app
from registry.cli import main
from registry.core import Registry
from registry.search import SearchQuery
from registry.settings import Settings
from tests.conftest import TcpRelay, demo_registry, engine_url, make_offer

QUERIES: list[dict[str, Any]] = [
    {},
    {"q": "water"},
    {"q": "klimaat"},
    {"open": "true"},
    {"kind": "ip-offer"},
    {"ip_type": "patent"},
    {"q": "fiets"},
    {"family": "CC BY"},
    {"language": "nl", "q": "onderzoek"},
]


def _with_schema(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def engines() -> Iterator[dict[str, Any]]:
    """Settings for a registry on the three distributed engines, isolated for this test."""
    import psycopg

    database = engine_url("postgres")
    search = engine_url("opensearch")
    sparql = engine_url("sparql")
    name = f"t{uuid.uuid4().hex[:10]}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    httpx.post(f"{sparql}/update", data={"update": "DROP SILENT ALL"}).raise_for_status()
    try:
        yield {
            "database_url": _with_schema(database, name),
            "search_url": search,
            "search_engine": "opensearch",
            "search_index": name,
            "sparql_url": f"{sparql}/query",
            "sparql_update_url": f"{sparql}/update",
            "sparql_graph_store_url": f"{sparql}/data",
        }
    finally:
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')
        httpx.delete(f"{search}/{name}*")
        httpx.post(f"{sparql}/update", data={"update": "DROP SILENT ALL"})


def _answers(client: TestClient) -> list[dict[str, Any]]:
    """What the search API answers to QUERIES: totals, facet counts, and every id."""
    answers = []
    for params in QUERIES:
        ids: set[str] = set()
        page = client.get("/api/search", params={**params, "page_size": 5}).json()
        first = page
        while True:
            ids.update(r["id"] for r in page["results"])
            if not page["next_cursor"]:
                break
            page = client.get(
                "/api/search", params={**params, "page_size": 5, "cursor": page["next_cursor"]}
            ).json()
        facets = {
            name: {v["value"]: v["count"] for v in values}
            for name, values in first["facets"].items()
        }
        answers.append({"total": first["total"], "facets": facets, "ids": ids})
    return answers


def test_the_demo_runs_on_the_distributed_engines_as_it_does_embedded(
    engines: dict[str, Any], tmp_path: Path
) -> None:
    embedded = demo_registry(tmp_path / "embedded")
    distributed = demo_registry(tmp_path / "distributed", **engines)
    try:
        assert distributed.store.health()["engine"] == "postgresql"
        assert distributed.search_backend.name == "opensearch"
        with TestClient(create_app(registry=embedded, follow_changes=False)) as local:
            expected = _answers(local)
        app = create_app(registry=distributed, follow_changes=False)
        with TestClient(app) as client:
            got = _answers(client)
            assert got == expected  # totals, facet counts and paging agree; ranking may not
            assert got[0]["total"] > 30

            health = client.get("/health").json()
            assert health["status"] == "ok", health
            engines_seen = {k: (v["engine"], v["status"]) for k, v in health["engines"].items()}
            assert engines_seen == {
                "store": ("postgresql", "ok"),
                "search": ("opensearch", "ok"),
                "triples": ("sparql", "ok"),
            }
            assert health["engines"]["search"]["lag"] == 0
            assert health["engines"]["triples"]["lag"] == 0

            # A cursor whose sort values were altered is a bad request, not a failure.
            first = client.get("/api/search", params={"q": "water", "page_size": 2}).json()
            data = json.loads(base64.urlsafe_b64decode(first["next_cursor"] + "=="))
            data["a"] = ["not a score", 7]
            forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
            bad = client.get("/api/search", params={"q": "water", "page_size": 2, "cursor": forged})
            assert bad.status_code == 400 and bad.json()["parameter"] == "cursor"

            page = client.get("/", params={"q": "water", "lang": "en"})
            assert page.status_code == 200
            assert "<em>" in page.text  # the engine's highlights, on the search page

            some_id = got[1]["ids"].pop()
            record = client.get(f"/records/{some_id}", headers={"Accept": "application/json"})
            assert record.status_code == 200
            count = client.get(
                "/sparql",
                params={"query": f"ASK {{ <{distributed.record_uri(some_id)}> ?p ?o }}"},
                headers={"Accept": "application/sparql-results+json"},
            )
            assert count.json()["boolean"] is True
    finally:
        embedded.close()
        distributed.close()


def test_reindex_swaps_the_index_while_searches_go_on(
    engines: dict[str, Any], tmp_path: Path
) -> None:
    registry = demo_registry(tmp_path / "data", **engines)
    try:
        backend = registry.search_backend
        before = backend.instance
        queries = [SearchQuery(), SearchQuery(q="water"), SearchQuery(open=True)]
        expected = [backend.search(q).total for q in queries]
        failures: list[str] = []
        searches = 0
        stop = threading.Event()

        def search() -> None:
            nonlocal searches
            while not stop.is_set():
                for query, total in zip(queries, expected, strict=True):
                    try:
                        got = backend.search(query).total
                    except Exception as exc:
                        failures.append(repr(exc))
                        continue
                    searches += 1
                    if got != total:
                        failures.append(f"{query.q!r}: {got} != {total}")

        thread = threading.Thread(target=search)
        thread.start()
        try:
            reindexed = registry.indexer.rebuild()
        finally:
            stop.set()
            thread.join()
        assert failures == []
        assert searches > 0
        assert reindexed >= expected[0]
        aliases = httpx.get(f"{engines['search_url']}/_alias/{engines['search_index']}").json()
        assert list(aliases) != [before] and len(aliases) == 1  # a new index, the old one gone
        assert httpx.head(f"{engines['search_url']}/{before}").status_code == 404
        assert [backend.search(q).total for q in queries] == expected
        # The projection follows the new index from where the rebuild left it.
        assert registry.indexer.lag() == 0
        registry.store.upsert([make_offer("after-swap", title="Waterstof na de wissel")])
        assert registry.refresh_index() == 1
        assert backend.search(SearchQuery(q="waterstof wissel")).total == 1
    finally:
        registry.close()


def test_a_search_engine_that_goes_down_loses_nothing(
    engines: dict[str, Any], tmp_path: Path
) -> None:
    target = urlsplit(engines["search_url"])
    relay = TcpRelay(target.hostname or "127.0.0.1", target.port or 9200)
    settings = {**engines, "search_url": f"http://127.0.0.1:{relay.port}"}
    registry = demo_registry(tmp_path / "data", **settings)
    try:
        app = create_app(registry=registry, follow_changes=False)
        with TestClient(app) as client:
            total = client.get("/api/search").json()["total"]
            relay.cut()
            health = client.get("/health")
            assert health.status_code == 200
            assert health.json()["status"] == "degraded"
            assert health.json()["engines"]["search"]["status"] == "down"
            assert health.json()["engines"]["store"]["status"] == "ok"
            # Writes still succeed: the store keeps them, the index waits.
            registry.store.upsert([make_offer("while-down", title="Zonnepanelen op dijken")])
            assert registry.refresh_index() == 0
            assert registry.indexer.lag() > 0
            searched = client.get("/api/search")
            assert searched.status_code == 503
            assert searched.headers["content-type"].startswith("application/problem+json")

            relay.restore()
            assert registry.refresh_index() == 1
            assert registry.indexer.lag() == 0
            assert client.get("/health").json()["status"] == "ok"
            assert client.get("/api/search").json()["total"] == total + 1
            found = client.get("/api/search", params={"q": "zonnepanelen dijken"}).json()
            assert [r["title"] for r in found["results"]] == ["Zonnepanelen op dijken"]
    finally:
        registry.close()
        relay.close()


def test_the_registry_starts_while_its_search_engine_is_down(
    engines: dict[str, Any], tmp_path: Path
) -> None:
    target = urlsplit(engines["search_url"])
    relay = TcpRelay(target.hostname or "127.0.0.1", target.port or 9200)
    relay.cut()
    settings = Settings(
        data_dir=tmp_path / "data",
        base_uri="http://registry.test",
        **{**engines, "search_url": f"http://127.0.0.1:{relay.port}"},
    )
    registry = Registry(settings)
    try:
        with TestClient(create_app(registry=registry, follow_changes=False)) as client:
            health = client.get("/health")
            assert health.status_code == 200
            assert health.json()["status"] == "degraded"
            assert health.json()["engines"]["search"]["status"] == "down"
            registry.store.upsert([make_offer("early", title="Kweldergras")])
            assert registry.refresh_index() == 0
            assert client.get("/api/search").status_code == 503

            relay.restore()
            assert registry.refresh_index() == 1
            found = client.get("/api/search", params={"q": "kweldergras"}).json()
            assert found["total"] == 1
            assert client.get("/health").json()["engines"]["search"]["lag"] == 0
    finally:
        registry.close()
        relay.close()


def test_a_triple_store_that_goes_down_catches_up_and_a_store_down_is_503(
    engines: dict[str, Any], tmp_path: Path
) -> None:
    sparql = urlsplit(engines["sparql_url"])
    database = urlsplit(engines["database_url"])
    sparql_relay = TcpRelay(sparql.hostname or "127.0.0.1", sparql.port or 3030)
    store_relay = TcpRelay(database.hostname or "127.0.0.1", database.port or 5432)
    through = f"127.0.0.1:{sparql_relay.port}"
    settings = {
        **engines,
        "database_url": engines["database_url"].replace(
            database.netloc.split("@")[-1], f"127.0.0.1:{store_relay.port}"
        ),
        "sparql_url": engines["sparql_url"].replace(sparql.netloc, through),
        "sparql_update_url": engines["sparql_update_url"].replace(sparql.netloc, through),
        "sparql_graph_store_url": engines["sparql_graph_store_url"].replace(sparql.netloc, through),
    }
    registry = demo_registry(tmp_path / "data", **settings)
    try:
        app = create_app(registry=registry, follow_changes=False)
        with TestClient(app) as client:
            triples_before = registry.triples.count()
            sparql_relay.cut()
            registry.store.upsert([make_offer("rdf-later", title="Getijdenenergie")])
            assert registry.refresh_index() == 1  # search takes it; the triples wait
            health = client.get("/health").json()
            assert health["status"] == "degraded"
            assert health["engines"]["triples"]["status"] == "down"
            assert health["engines"]["search"]["status"] == "ok"

            sparql_relay.restore()
            assert registry.refresh_triples() == 1
            assert registry.rdf_indexer.lag() == 0
            assert registry.triples.count() > triples_before
            assert client.get("/health").json()["status"] == "ok"

            store_relay.cut()
            down = client.get("/health")
            assert down.status_code == 503
            assert down.json()["status"] == "down"
            assert down.json()["engines"]["store"]["status"] == "down"
            store_relay.restore()
            deadline = time.monotonic() + 30
            while client.get("/health").status_code != 200:
                assert time.monotonic() < deadline, "the store did not come back"
                time.sleep(0.5)
    finally:
        registry.close()
        sparql_relay.close()
        store_relay.close()


def test_migrate_moves_an_embedded_registry_onto_postgresql(
    engines: dict[str, Any], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    embedded = demo_registry(data_dir)
    with TestClient(create_app(registry=embedded, follow_changes=False)) as client:
        expected = _answers(client)
    counts = (embedded.store.count(), embedded.store.count(include_deleted=True))
    sources = [s.name for s in embedded.store.list_sources()]
    embedded.close()

    runner = CliRunner()
    result = runner.invoke(
        main, ["--data-dir", str(data_dir), "migrate", "--to", engines["database_url"], "--json"]
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(
        main, ["--data-dir", str(data_dir), "migrate", "--to", engines["database_url"]]
    )
    assert again.exit_code != 0  # the target is no longer empty

    moved = Registry(Settings(data_dir=data_dir, base_uri="http://registry.test", **engines))
    try:
        assert (moved.store.count(), moved.store.count(include_deleted=True)) == counts
        assert [s.name for s in moved.store.list_sources()] == sources
        moved.indexer.rebuild()
        with TestClient(create_app(registry=moved, follow_changes=False)) as client:
            assert _answers(client) == expected
    finally:
        moved.close()
