"""One contract for every triple store: embedded Oxigraph always, a SPARQL 1.1 server
(Apache Jena Fuseki in CI) when REGISTRY_TEST_SPARQL_URL names one."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store, Triple

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
from tests.conftest import engine_url, make_work

BASE = "http://registry.test"
P = NamedNode("http://example.org/p")


@pytest.fixture(params=["oxigraph", "sparql-server"])
def triples(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TripleStore]:
    if request.param == "oxigraph":
        store: TripleStore = OxigraphTripleStore(tmp_path / "triples")
    else:
        url = engine_url("sparql")
        store = SparqlHttpTripleStore(
            f"{url}/query", f"{url}/update", graph_store_url=f"{url}/data"
        )
    store.clear()
    yield store
    store.clear()
    store.close()


def _canonical(triples: list[Triple]) -> set[Triple]:
    """The triples with their literals in canonical form (Oxigraph stores an xsd:dateTime
    such as ...57.352130Z as ...57.35213Z; a server may keep the lexical form it was given)."""
    store = Store()
    store.extend(Quad(t.subject, t.predicate, t.object) for t in triples)
    return {Triple(q.subject, q.predicate, q.object) for q in store}


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
    # Named graphs alone: the dataset is exactly them, its default graph empty.
    named = "SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    answer = triples.query(named, timeout=10, limit=10, named_graphs=["http://g/1"])
    assert [(r["g"].value, r["o"].value) for r in answer.solutions] == [("http://g/1", "a")]  # type: ignore[union-attr]
    empty = triples.query("ASK { ?s ?p ?o }", timeout=10, limit=10, named_graphs=["http://g/1"])
    assert empty.boolean is False


def test_service_is_refused_before_any_engine_runs_it(
    triples: TripleStore, listener: tuple[str, socket.socket]
) -> None:
    url, sock = listener
    triples.replace({"http://g/1": _graph(1, "a")})
    for query in (
        f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"select * {{ ?s ?p ?o . service silent <{url}/sparql> {{ ?s ?p ?x }} }}",
    ):
        with pytest.raises(InvalidRequest, match="SERVICE"):
            triples.query(query, timeout=10, limit=10)
    with pytest.raises(BlockingIOError):
        sock.accept()  # nothing connected to the address the queries named
    # The word elsewhere (a string, an IRI, a prefixed name) is no federated query.
    fine = triples.query(
        "PREFIX service: <http://example.org/service/> SELECT ?o WHERE"
        ' { ?s ?p ?o FILTER(?o != "SERVICE") FILTER(?p != service:p) }',
        timeout=10,
        limit=10,
    )
    assert [r["o"].value for r in fine.solutions] == ["a"]  # type: ignore[union-attr]


def test_large_batches_load_in_bulk_and_stay_exact(tmp_path: Path) -> None:
    store = OxigraphTripleStore(tmp_path / "bulk")
    store.bulk_threshold = 10  # every batch here goes the bulk way
    try:
        store.replace({f"http://g/{n}": _graph(n, *"abcdef") for n in range(5)})
        store.replace({"http://g/1": _graph(1, "z")}, dropped=["http://g/2"])
        assert store.count() == 6 * 3 + 1
        assert [t.object.value for t in store.graph("http://g/1")] == ["z"]  # type: ignore[union-attr]
        assert store.graph("http://g/2") == []
    finally:
        store.close()


def test_a_closed_store_can_be_opened_again(tmp_path: Path) -> None:
    first = OxigraphTripleStore(tmp_path / "again")
    first.replace({"http://g/1": _graph(1, "a")})
    first.close()
    second = OxigraphTripleStore(tmp_path / "again")  # the files' lock was let go
    try:
        assert second.count() == 1
    finally:
        second.close()


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
    actual = triples.graph(record_uri(BASE, works[0].id))
    assert _canonical(actual) == _canonical(expected)
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


def test_a_record_the_mapping_fails_on_holds_up_nothing(
    triples: TripleStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.rdf

    store = open_store(tmp_path / "r.sqlite3")
    works = [make_work(f"w{i}") for i in range(3)]
    store.upsert(works)
    indexer = RdfIndexer(store, triples, base_uri=BASE, instance="t")
    indexer.catch_up()
    broken = works[1].id

    def failing(make: Any) -> Any:
        def mapped(record: Any, **kwargs: Any) -> Any:
            if record.id == broken:
                raise ValueError("a fault injected into the mapping")
            return make(record, **kwargs)

        return mapped

    # Injected into both ways the indexer maps (quads for Oxigraph, triples for a server).
    monkeypatch.setattr(registry.rdf, "record_quads", failing(registry.rdf.record_quads))
    monkeypatch.setattr(registry.rdf, "record_triples", failing(registry.rdf.record_triples))
    store.upsert([make_work("w1", title="Changed"), make_work("w2", title="Also changed")])
    assert indexer.catch_up() == 2
    assert indexer.lag() == 0
    # The record that failed has no graph (none stale); the other one was replaced.
    assert triples.graph(record_uri(BASE, broken)) == []
    titles = triples.query(
        "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?t WHERE { ?r dct:title ?t } ORDER BY ?t",
        timeout=10,
        limit=100,
    )
    assert [r["t"].value for r in titles.solutions] == ["Also changed", "Work w0"]  # type: ignore[union-attr]
    store.close()


def test_the_union_graph_is_a_setting(tmp_path: Path) -> None:
    from registry.settings import Settings
    from registry.triples import open_triple_store

    server = {"sparql_url": "http://127.0.0.1:9/q", "sparql_update_url": "http://127.0.0.1:9/u"}
    jena = open_triple_store(Settings(data_dir=tmp_path, **server))
    other = open_triple_store(Settings(data_dir=tmp_path, sparql_union_graph="", **server))
    assert getattr(jena, "union_graph", None) == "urn:x-arq:UnionGraph"
    assert getattr(other, "union_graph", "unset") is None
    jena.close()
    other.close()


# --- the embedded store on an event loop ---------------------------------------------------


def test_an_answer_awaited_on_an_event_loop(tmp_path: Path) -> None:
    """The embedded store evaluates on its worker, writes the answer there too (``then``),
    and the loop awaits it: results, errors, time limits and busy slots as ``query``."""
    import asyncio
    import time

    from registry.triples import QueryBusy

    store = OxigraphTripleStore(tmp_path / "triples", slots=1)
    store.replace({"http://g/1": _graph(1, *[str(i) for i in range(400)])})

    async def ask(query: str, timeout: float = 10) -> tuple[Any, Any]:
        return await store.answer(query, lambda r: len(r.solutions), timeout=timeout, limit=50)

    try:
        result, written = asyncio.run(ask("SELECT ?o WHERE { ?s ?p ?o }"))
        assert result.truncated and written == 50  # ``then`` saw the result
        with pytest.raises(InvalidRequest, match="malformed"):
            asyncio.run(ask("SELECT * WHERE { ?s ?p }"))
        cross = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?x ?h }"
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="time limit"):
            asyncio.run(store.answer(cross, len, timeout=0.3, limit=10**9))
        assert time.monotonic() - started < 5
        for _ in range(500):  # the stopped query lets go of its slot
            if not store.running:
                break
            time.sleep(0.01)
        assert store.running == 0

        async def while_the_slot_is_held() -> None:
            assert store._slots.acquire(timeout=1)  # a long query holds the only slot
            try:
                await ask("ASK {}")
            finally:
                store._slots.release()

        with pytest.raises(QueryBusy, match="busy"):
            asyncio.run(while_the_slot_is_held())
        assert asyncio.run(ask("ASK {}"))[0].boolean is True  # the slot is free again

        async def gone_while_waiting_for_the_slot() -> None:
            assert store._slots.acquire(timeout=1)
            waiting = asyncio.ensure_future(ask("ASK {}"))
            await asyncio.sleep(0.1)  # it waits for the slot
            waiting.cancel()
            store._slots.release()  # the wait takes the slot after all, for nobody
            with pytest.raises(asyncio.CancelledError):
                await waiting
            await asyncio.sleep(0.2)

        asyncio.run(gone_while_waiting_for_the_slot())
        assert store._slots.acquire(blocking=False)  # given back, not lost
        store._slots.release()
    finally:
        store.close()
