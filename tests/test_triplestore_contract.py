"""One contract for every triple store: embedded Oxigraph always, a SPARQL 1.1 server
(Apache Jena Fuseki in CI) when REGISTRY_TEST_SPARQL_URL names one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, Triple

from registry.errors import InvalidRequest
from registry.rdf import record_triples, record_uri
from registry.store import open_store
from registry.triples import (
    OxigraphTripleStore,
    QueryTimeout,
    RdfIndexer,
    SparqlHttpTripleStore,
    TripleStore,
    query_form,
)
from tests.conftest import make_work

SPARQL_URL = os.environ.get("REGISTRY_TEST_SPARQL_URL", "")
BASE = "http://registry.test"
P = NamedNode("http://example.org/p")


def _fuseki_reachable() -> bool:
    if not SPARQL_URL:
        return False
    try:
        return (
            httpx.get(f"{SPARQL_URL}/query", params={"query": "ASK {}"}, timeout=3).status_code
            == 200
        )
    except httpx.HTTPError:
        return False


@pytest.fixture(params=["oxigraph", "sparql-server"])
def triples(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TripleStore]:
    if request.param == "oxigraph":
        store: TripleStore = OxigraphTripleStore(tmp_path / "triples")
    else:
        if not _fuseki_reachable():
            pytest.skip(
                "no SPARQL server: set REGISTRY_TEST_SPARQL_URL (e.g. http://127.0.0.1:3030/ds"
                " of a Fuseki started with --mem --update /ds); .ci/run starts one"
            )
        store = SparqlHttpTripleStore(
            f"{SPARQL_URL}/query", f"{SPARQL_URL}/update", graph_store_url=f"{SPARQL_URL}/data"
        )
    store.clear()
    yield store
    store.clear()
    store.close()


def _graph(n: int, *values: str) -> list[Triple]:
    subject = NamedNode(f"http://example.org/s{n}")
    return [Triple(subject, P, Literal(v)) for v in values]


def test_replace_is_exact_and_leaves_other_graphs(triples: TripleStore) -> None:
    triples.replace({"http://g/1": _graph(1, "a", "b"), "http://g/2": _graph(2, "c")})
    assert triples.count() == 3
    triples.replace({"http://g/1": _graph(1, "z")})
    assert {t.object.value for t in triples.graph("http://g/1")} == {"z"}  # type: ignore[union-attr]
    assert {t.object.value for t in triples.graph("http://g/2")} == {"c"}  # type: ignore[union-attr]
    triples.replace({}, dropped=["http://g/2", "http://g/never"])
    assert triples.graph("http://g/2") == []
    assert triples.count() == 1


def test_queries_see_every_graph_as_the_default_graph(triples: TripleStore) -> None:
    triples.replace({"http://g/1": _graph(1, "a"), "http://g/2": _graph(2, "b")})
    select = triples.query(
        "SELECT ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?o", timeout=10, limit=100
    )
    assert select.form == "select" and select.variables == ["o"]
    assert [row["o"].value for row in select.solutions] == ["a", "b"]  # type: ignore[union-attr]
    ask = triples.query("ASK { ?s ?p 'b' }", timeout=10, limit=10)
    assert (ask.form, ask.boolean) == ("ask", True)
    graph = triples.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", timeout=10, limit=100)
    assert graph.form == "graph" and len(graph.triples) == 2
    named = triples.query(
        "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g", timeout=10, limit=10
    )
    assert [r["g"].value for r in named.solutions] == ["http://g/1", "http://g/2"]  # type: ignore[union-attr]


def test_dataset_parameters(triples: TripleStore) -> None:
    triples.replace({"http://g/1": _graph(1, "a"), "http://g/2": _graph(2, "b")})
    only = triples.query(
        "SELECT ?o WHERE { ?s ?p ?o }", timeout=10, limit=10, default_graphs=["http://g/2"]
    )
    assert [r["o"].value for r in only.solutions] == ["b"]  # type: ignore[union-attr]


def test_result_limit_and_bad_queries(triples: TripleStore) -> None:
    triples.replace({"http://g/1": _graph(1, *[str(i) for i in range(30)])})
    cut = triples.query("SELECT * WHERE { ?s ?p ?o }", timeout=10, limit=10)
    assert cut.truncated and len(cut.solutions) == 10
    exact = triples.query("SELECT * WHERE { ?s ?p ?o } LIMIT 10", timeout=10, limit=10)
    assert not exact.truncated and len(exact.solutions) == 10
    with pytest.raises(InvalidRequest, match="malformed"):
        triples.query("SELECT * WHERE { ?s ?p }", timeout=10, limit=10)
    with pytest.raises(InvalidRequest, match="updates are refused"):
        triples.query("DELETE WHERE { ?s ?p ?o }", timeout=10, limit=10)
    assert triples.count() == 30


def test_runaway_query_times_out(triples: TripleStore) -> None:
    triples.replace({"http://g/1": _graph(1, *[str(i) for i in range(400)])})
    # A streaming cross product, stopped between rows (the server stops its own).
    cross = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?x ?h }"
    with pytest.raises(QueryTimeout, match="time limit"):
        triples.query(cross, timeout=0.5, limit=10**9)


def test_indexer_follows_the_change_feed_exactly(triples: TripleStore, tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.sqlite3")
    works = [make_work(f"w{i}", creators=[f"Maker {i}"]) for i in range(5)]
    store.upsert(works)
    indexer = RdfIndexer(store, triples, base_uri=BASE, instance="t")
    assert indexer.catch_up(batch=2) == 5
    assert indexer.lag() == 0
    stored = store.get(works[0].id)
    assert stored is not None
    expected = record_triples(works[0], base_uri=BASE, updated=stored.updated, run=stored.run)
    assert set(triples.graph(record_uri(BASE, works[0].id))) == set(expected)
    # A change replaces the record's graph; a withdrawal drops it; others stay.
    store.upsert([make_work("w1", title="Changed", creators=["Other"])])
    store.delete([works[2].id])
    assert indexer.catch_up() == 2
    titles = triples.query(
        "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?t WHERE { ?r dct:title ?t } ORDER BY ?t",
        timeout=10,
        limit=100,
    )
    assert [r["t"].value for r in titles.solutions] == [  # type: ignore[union-attr]
        "Changed", "Work w0", "Work w3", "Work w4",
    ]  # fmt: skip
    makers = triples.query(
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/> SELECT ?n WHERE { ?a foaf:name ?n }",
        timeout=10,
        limit=100,
    )
    assert "Maker 1" not in {r["n"].value for r in makers.solutions}  # type: ignore[union-attr]
    assert triples.graph(record_uri(BASE, works[2].id)) == []
    before = triples.count()
    assert indexer.rebuild() == 5
    assert triples.count() == before
    store.close()


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "select"),
        ("PREFIX a: <http://a/>\n# note\nBASE <http://b/> ask {}", "ask"),
        ("construct {} where {}", "graph"),
        ("DESCRIBE <http://a>", "graph"),
        ("PREFIX a: <http://a/> INSERT DATA { }", "update"),
        ("nonsense", None),
    ],
)
def test_query_form(text: str, form: str | None) -> None:
    assert query_form(text) == form
