"""/sparql over the registry's records: the protocol's forms, every result format, refused
updates, malformed queries, the time and result limits, the service description, the query
page and VoID."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from rdflib import Graph, Namespace, URIRef

from registry.api.app import create_app
from registry.core import Registry
from registry.licences import normalise
from registry.settings import Settings
from tests.conftest import make_work, serve_app

BASE = "http://registry.test"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
BY = "https://creativecommons.org/licenses/by/4.0/"
COUNT = (
    "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?l (COUNT(?r) AS ?n)"
    " WHERE { ?r dct:license ?l } GROUP BY ?l ORDER BY ?l"
)


def _registry(tmp_path: Path, **settings: object) -> Registry:
    registry = Registry(Settings(data_dir=tmp_path / "data", base_uri=BASE, **settings))  # type: ignore[arg-type]
    registry.store.upsert(
        [make_work(f"by{i}", title=f"Open work {i}") for i in range(12)]
        + [make_work(f"sa{i}", licence=normalise("CC BY-SA 4.0")) for i in range(3)]
    )
    registry.refresh_index()
    return registry


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    registry = _registry(tmp_path)
    with TestClient(create_app(registry=registry, follow_changes=False)) as test_client:
        yield test_client
    registry.close()


def _counts(body: dict[str, object]) -> dict[str, int]:
    rows = body["results"]["bindings"]  # type: ignore[index]
    return {row["l"]["value"]: int(row["n"]["value"]) for row in rows}  # type: ignore[index,union-attr]


def test_get_and_both_posts_answer_alike(client: TestClient) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    by_get = client.get("/sparql", params={"query": COUNT}, headers=accept)
    by_form = client.post("/sparql", data={"query": COUNT}, headers=accept)
    by_body = client.post(
        "/sparql",
        content=COUNT.encode(),
        headers={**accept, "Content-Type": "application/sparql-query"},
    )
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200, response.text
        assert response.headers["access-control-allow-origin"] == "*"
        assert _counts(response.json()) == {
            BY: 12,
            "https://creativecommons.org/licenses/by-sa/4.0/": 3,
        }


@pytest.mark.parametrize(
    "media",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_select_formats(client: TestClient, media: str) -> None:
    response = client.get("/sparql", params={"query": COUNT}, headers={"Accept": media})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    text = response.text
    if media.endswith("json"):
        assert _counts(response.json())[BY] == 12
    elif media.endswith("xml"):
        root = etree.fromstring(response.content)
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == ["l", "n"]
        assert len(root.findall("r:results/r:result", ns)) == 2
    elif media == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["l", "n"] and [BY, "12"] in rows
    else:
        lines = text.splitlines()
        assert lines[0] == "?l\t?n" and f"<{BY}>\t12" in lines


@pytest.mark.parametrize(
    ("media", "parser"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_formats(client: TestClient, media: str, parser: str) -> None:
    query = (
        "PREFIX dct: <http://purl.org/dc/terms/> CONSTRUCT { ?r dct:title ?t }"
        " WHERE { ?r dct:title ?t }"
    )
    response = client.get("/sparql", params={"query": query}, headers={"Accept": media})
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format=parser)
    assert len(graph) == 15


def test_ask_and_describe(client: TestClient) -> None:
    ask = client.get("/sparql", params={"query": f"ASK {{ ?r ?p <{BY}> }}"})
    assert ask.json()["boolean"] is True
    xml = client.get(
        "/sparql",
        params={"query": "ASK { ?r ?p <http://nowhere.example> }"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert b"<boolean>false</boolean>" in xml.content
    record = f"{BASE}/records/{make_work('by1').id}"
    describe = client.get("/sparql", params={"query": f"DESCRIBE <{record}>"})
    assert describe.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=describe.content, format="turtle")
    assert (URIRef(record), None, None) in graph


def test_format_parameter_for_browsers(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": COUNT, "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    wrong = client.get("/sparql", params={"query": COUNT, "format": "ttl"})
    assert wrong.status_code == 406


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"params": {"update": "INSERT DATA { <a> <b> <c> }"}},
        {
            "content": b"INSERT DATA { <a> <b> <c> }",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        {"data": {"update": "DROP ALL"}},
    ],
)
def test_updates_are_refused(client: TestClient, request_kwargs: dict[str, object]) -> None:
    method = "GET" if "params" in request_kwargs else "POST"
    response = client.request(method, "/sparql", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    count = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert int(count.json()["results"]["bindings"][0]["n"]["value"]) > 0
    smuggled = client.get("/sparql", params={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert smuggled.status_code == 400


def test_malformed_query_gets_the_parsers_message(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p"})
    assert response.status_code == 400
    assert "error at 1:" in response.json()["detail"]
    assert (
        client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400
    )
    assert client.request("PUT", "/sparql", params={"query": "ASK {}"}).status_code == 405


def test_result_limit_is_a_clear_error(tmp_path: Path) -> None:
    registry = _registry(tmp_path, sparql_result_limit=5)
    try:
        with TestClient(create_app(registry=registry, follow_changes=False)) as client:
            too_many = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
            assert too_many.status_code == 400
            assert "more than 5 rows" in too_many.json()["detail"]
            assert "LIMIT" in too_many.json()["detail"]
            paged = client.get(
                "/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 5 OFFSET 5"}
            )
            assert len(paged.json()["results"]["bindings"]) == 5
    finally:
        registry.close()


def test_time_limit_is_a_clear_error(tmp_path: Path) -> None:
    # A cross product that streams: the worker notices the time limit between rows and
    # stops, so the test leaves nothing running.
    registry = _registry(tmp_path, sparql_timeout_seconds=0.3, sparql_result_limit=10**9)
    try:
        with TestClient(create_app(registry=registry, follow_changes=False)) as client:
            runaway = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
            response = client.get("/sparql", params={"query": runaway})
            assert response.status_code == 503
            assert response.headers["retry-after"]
            assert "time limit of 0.3 s" in response.json()["detail"]
    finally:
        registry.close()


def test_service_description_page_and_void(client: TestClient) -> None:
    description = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=description.content, format="turtle")
    service = URIRef(f"{BASE}/sparql")
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (
        None,
        SD.resultFormat,
        URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV"),
    ) in graph
    page = client.get("/sparql", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Records per licence" in page.text and "<textarea" in page.text
    void = Graph().parse(data=client.get("/.well-known/void").content, format="turtle")
    dataset = URIRef(f"{BASE}/.well-known/void#registry")
    assert (dataset, VOID.sparqlEndpoint, service) in void
    triples = int(void.value(dataset, VOID.triples))
    count = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert triples == int(count.json()["results"]["bindings"][0]["n"]["value"])
    assert int(void.value(dataset, VOID.entities)) == 15


def test_withdrawn_records_leave_the_triple_store(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    try:
        registry.store.delete([make_work("by0").id])
        registry.refresh_index()
        with TestClient(create_app(registry=registry, follow_changes=False)) as client:
            body = client.get("/sparql", params={"query": COUNT}).json()
            assert _counts(body)[BY] == 11
            ask = client.get(
                "/sparql",
                params={"query": "ASK { ?r <http://purl.org/dc/terms/title> 'Open work 0' }"},
            )
            assert ask.json()["boolean"] is False
            assert json.loads(client.get("/health").text)["records"] == 14
    finally:
        registry.close()


def test_service_is_refused(client: TestClient, listener: tuple[str, socket.socket]) -> None:
    url, sock = listener
    response = client.get(
        "/sparql", params={"query": f"SELECT * {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"}
    )
    assert response.status_code == 400
    assert "SERVICE" in response.json()["detail"]
    with pytest.raises(BlockingIOError):
        sock.accept()  # the server fetched nothing
    description = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=description.content, format="turtle")
    assert (None, SD.feature, SD.BasicFederatedQuery) not in graph


def test_a_long_query_holds_up_no_other_request(tmp_path: Path) -> None:
    registry = _registry(tmp_path, sparql_timeout_seconds=2, sparql_result_limit=10**9)
    runaway = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    slow_status: list[int] = []
    try:
        with serve_app(create_app(registry=registry, follow_changes=False)) as url:

            def slow() -> None:
                answer = httpx.get(f"{url}/sparql", params={"query": runaway}, timeout=60)
                slow_status.append(answer.status_code)

            thread = threading.Thread(target=slow, daemon=True)
            thread.start()
            for _ in range(500):  # until the runaway query is being evaluated
                if registry.triples.running:
                    break
                time.sleep(0.01)
            fast = httpx.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=60)
            # Answered while the runaway query still runs: it is not on the event loop.
            assert registry.triples.running == 1 and not slow_status
            assert fast.json()["boolean"] is True
            thread.join(timeout=30)
        assert slow_status == [503]
    finally:
        registry.close()


def test_void_counts_follow_the_projection(client: TestClient) -> None:
    dataset = URIRef(f"{BASE}/.well-known/void#registry")
    registry: Registry = client.app.state.registry  # type: ignore[attr-defined]

    def void_triples() -> int:
        void = Graph().parse(data=client.get("/.well-known/void").content, format="turtle")
        return int(void.value(dataset, VOID.triples))

    before = void_triples()
    assert void_triples() == before
    registry.store.upsert([make_work("new", title="A new work")])
    registry.refresh_index()
    count = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    after = int(count.json()["results"]["bindings"][0]["n"]["value"])
    assert after > before
    assert void_triples() == after


def test_cors_lets_other_pages_query(client: TestClient) -> None:
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    posted = client.post(
        "/sparql", content="ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    assert posted.headers["access-control-allow-origin"] == "*"


def test_large_graph_answers_are_written_as_they_come(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.api import sparql

    everything = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    small = client.get("/sparql", params={"query": everything}, headers={"Accept": "text/turtle"})
    expected = Graph().parse(data=small.content, format="turtle")
    monkeypatch.setattr(sparql, "_COMPACT_TRIPLES", 10)  # this answer counts as large now
    for media, syntax in (("application/ld+json", "json-ld"), ("text/turtle", "turtle")):
        large = client.get("/sparql", params={"query": everything}, headers={"Accept": media})
        assert large.status_code == 200, large.text
        assert len(Graph().parse(data=large.content, format=syntax)) == len(expected) > 10


def test_an_unrecognised_query_gets_the_parsers_message_whatever_it_accepts(
    client: TestClient,
) -> None:
    response = client.get(
        "/sparql",
        params={"query": "SELEKT * WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 400
    assert "malformed query" in response.json()["detail"]


def test_every_example_on_the_query_page_finds_something_in_the_demo(tmp_path: Path) -> None:
    from registry.api.sparql import EXAMPLES
    from tests.conftest import demo_registry

    registry = demo_registry(tmp_path / "demo", BASE)
    try:
        with TestClient(create_app(registry=registry, follow_changes=False)) as client:
            for title, query in EXAMPLES:
                response = client.get("/sparql", params={"query": query})
                assert response.status_code == 200, (title, response.text)
                assert response.json()["results"]["bindings"], title
    finally:
        registry.close()


def test_the_data_dump_holds_what_sparql_holds(client: TestClient) -> None:
    from pyoxigraph import Quad, RdfFormat, Store, parse

    from registry.api import sparql

    def canonical(data: bytes) -> set[tuple[str, str, str]]:
        store = Store()  # a store writes literals in canonical form, as the triple store does
        store.extend(
            Quad(t.subject, t.predicate, t.object) for t in parse(data, RdfFormat.N_TRIPLES)
        )
        return {(str(q.subject), str(q.predicate), str(q.object)) for q in store}

    void = Graph().parse(data=client.get("/.well-known/void").content, format="turtle")
    dump_url = void.value(URIRef(f"{BASE}/.well-known/void#registry"), VOID.dataDump)
    assert str(dump_url) == f"{BASE}/export.nt"
    dump = client.get("/export.nt")
    assert dump.status_code == 200
    assert dump.headers["content-type"].startswith("application/n-triples")
    everything = client.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert canonical(dump.content) == canonical(everything.content) != set()
    # One dump at a time.
    assert sparql._DUMPING.acquire(blocking=False)
    try:
        busy = client.get("/export.nt")
        assert busy.status_code == 503 and busy.headers["retry-after"]
    finally:
        sparql._DUMPING.release()
    assert client.get("/export.nt").status_code == 200
