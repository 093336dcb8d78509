"""The Elasticsearch 8 path: the official 8.x client, driven by the registry, sends exactly
the request bodies of the shared query builder, the ones OpenSearch answers in the contract
suites. No Elasticsearch server can run here (none is on Maven Central), so a loopback HTTP
server stands in for the engine's wire protocol: it answers in Elasticsearch 8's response
shapes, with the product header the client insists on, and keeps what it was sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from registry.errors import EngineUnavailable
from registry.search import SearchQuery
from registry.search.elastic import ElasticsearchBackend
from registry.search.elastic_dsl import document, index_body, search_body
from registry.store import Change
from tests.conftest import loopback_server, make_offer, make_work

ALIAS = "registry-records"


class _Engine:
    """What the stand-in engine was sent, and its one bit of state: the alias."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.aliased: str | None = None
        self.lock = threading.Lock()
        self.refuse: list[str] = []
        """Ids whose bulk item the engine refuses for good (400)."""
        self.push_back: list[str] = []
        """Ids whose next bulk item the engine refuses with 429 (too busy), once."""


def _handler(engine: _Engine) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.split("?")[0].endswith("/_bulk"):
                return [json.loads(line) for line in raw.splitlines() if line.strip()]
            return json.loads(raw) if raw else None

        def _send(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.elasticsearch+json;compatible-with=8")
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str) -> None:
            body = self._body()
            path = self.path.split("?")[0]
            with engine.lock:
                engine.requests.append((method, path, body))
            if path == "/":
                self._send(200, {"name": "stand-in", "version": {"number": "8.15.3"}})
            elif path == f"/_alias/{ALIAS}":
                if engine.aliased is None:
                    self._send(404, {"error": f"alias [{ALIAS}] missing", "status": 404})
                else:
                    self._send(200, {engine.aliased: {"aliases": {ALIAS: {}}}})
            elif path == "/_aliases":
                for action in body["actions"]:
                    if "add" in action:
                        engine.aliased = action["add"]["index"]
                self._send(200, {"acknowledged": True})
            elif method == "PUT" and path.count("/") == 1 and not path.startswith("/_"):
                self._send(200, {"acknowledged": True, "index": path[1:]})
            elif path == "/_bulk":
                items = []
                for line in body:
                    action = next(iter(line))
                    if action not in ("index", "delete"):
                        continue
                    doc_id = line[action]["_id"]
                    if doc_id in engine.refuse:
                        error = {"type": "document_parsing_exception", "reason": "too long"}
                        items.append({action: {"_id": doc_id, "status": 400, "error": error}})
                    elif doc_id in engine.push_back:
                        engine.push_back.remove(doc_id)
                        error = {"type": "es_rejected_execution_exception", "reason": "busy"}
                        items.append({action: {"_id": doc_id, "status": 429, "error": error}})
                    else:
                        items.append({action: {"_id": doc_id, "status": 201}})
                errors = any(next(iter(i.values()))["status"] >= 300 for i in items)
                self._send(200, {"took": 3, "errors": errors, "items": items})
            elif path.endswith("/_refresh"):
                self._send(200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})
            elif path.endswith("/_search"):
                summary = {"id": "src-1", "title": "Water"}
                self._send(
                    200,
                    {
                        "took": 2,
                        "timed_out": False,
                        "hits": {
                            "total": {"value": 7, "relation": "eq"},
                            "max_score": 1.5,
                            "hits": [
                                {
                                    "_index": engine.aliased,
                                    "_id": "src-1",
                                    "_score": 1.5,
                                    "_source": {"summary": summary},
                                    "sort": [1.5, "src-1"],
                                    "highlight": {"title_en": ["<em>Water</em>"]},
                                }
                            ],
                        },
                        "aggregations": {
                            "kind": {
                                "doc_count_error_upper_bound": 0,
                                "sum_other_doc_count": 0,
                                "buckets": [{"key": "work", "doc_count": 7}],
                            }
                        },
                    },
                )
            else:
                self._send(400, {"error": f"unexpected {method} {path}", "status": 400})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        def do_HEAD(self) -> None:
            self._route("HEAD")

    return Handler


@pytest.fixture
def engine() -> Iterator[tuple[_Engine, ElasticsearchBackend]]:
    state = _Engine()
    with loopback_server(_handler(state)) as url:
        backend = ElasticsearchBackend(url.replace("http://", "http://elastic:secret@"))
        yield state, backend
        backend.close()


def test_the_client_creates_the_index_and_alias_the_builder_describes(
    engine: tuple[_Engine, ElasticsearchBackend],
) -> None:
    state, backend = engine
    index = backend.instance
    assert index.startswith(f"{ALIAS}-")
    created = [body for method, path, body in state.requests if method == "PUT"]
    assert created == [index_body()]
    assert state.aliased == index


def test_the_client_sends_the_builders_bulk_lines_and_search_body(
    engine: tuple[_Engine, ElasticsearchBackend],
) -> None:
    state, backend = engine
    work, offer = make_work("w1", title="Water"), make_offer("o1")
    backend.apply(
        [
            Change(seq=5, id=work.id, deleted=False, record=work),
            Change(seq=6, id=offer.id, deleted=False, record=offer),
            Change(seq=7, id="gone", deleted=True),
        ]
    )
    bulk = next(body for _, path, body in state.requests if path == "/_bulk")
    assert bulk == [
        {"index": {"_index": ALIAS, "_id": work.id, "version": 5, "version_type": "external"}},
        document(5, work.model_dump(mode="json")),
        {"index": {"_index": ALIAS, "_id": offer.id, "version": 6, "version_type": "external"}},
        document(6, offer.model_dump(mode="json")),
        {"delete": {"_index": ALIAS, "_id": "gone", "version": 7, "version_type": "external"}},
    ]
    assert any(path == f"/{ALIAS}/_refresh" for _, path, _ in state.requests)

    query = SearchQuery(q="water", open=True, trl_min=3, page_size=1, search_after=(2.0, "x"))
    result = backend.search(query)
    sent = next(body for _, path, body in state.requests if path == f"/{ALIAS}/_search")
    assert sent == search_body(query, date.today())
    assert result.total == 7
    assert [h.id for h in result.hits] == ["src-1"]
    assert result.hits[0].highlights == {"title": ["<em>Water</em>"]}
    assert result.next_after == (1.5, "src-1")
    assert [(f.value, f.count) for f in result.facets["kind"]] == [("work", 7)]


def test_what_the_engine_pushes_back_is_sent_again_and_only_that(
    engine: tuple[_Engine, ElasticsearchBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.search.elastic as elastic

    waits: list[float] = []
    monkeypatch.setattr(elastic.time, "sleep", waits.append)
    state, backend = engine
    works = [make_work(f"w{i}") for i in range(3)]
    state.push_back = [works[1].id]
    backend.apply(
        [Change(seq=i + 1, id=w.id, deleted=False, record=w) for i, w in enumerate(works)]
    )
    bulks = [body for _, path, body in state.requests if path == "/_bulk"]
    assert len(bulks) == 2
    assert [line["index"]["_id"] for line in bulks[0] if "index" in line] == [w.id for w in works]
    assert bulks[1] == bulks[0][2:4]  # the refused document, once more
    assert len(waits) == 1 and waits[0] > 0  # after a pause


def test_a_document_the_engine_refuses_for_good_does_not_stall_the_rest(
    engine: tuple[_Engine, ElasticsearchBackend], caplog: pytest.LogCaptureFixture
) -> None:
    state, backend = engine
    works = [make_work(f"w{i}") for i in range(3)]
    state.refuse = [works[0].id]
    backend.apply(
        [Change(seq=i + 1, id=w.id, deleted=False, record=w) for i, w in enumerate(works)]
    )
    bulks = [body for _, path, body in state.requests if path == "/_bulk"]
    assert len(bulks) == 1  # not retried: it would be refused again
    assert works[0].id in caplog.text and "refused" in caplog.text
    assert any(path == f"/{ALIAS}/_refresh" for _, path, _ in state.requests)


def test_the_engine_is_told_apart_by_what_it_says_it_is(
    engine: tuple[_Engine, ElasticsearchBackend],
) -> None:
    from registry.search import detect_engine

    _, backend = engine
    assert detect_engine(backend.url) == "elasticsearch"


def test_credentials_travel_as_basic_auth_not_in_the_url(
    engine: tuple[_Engine, ElasticsearchBackend],
) -> None:
    _, backend = engine
    assert "secret" not in backend.url
    assert backend._auth == ("elastic", "secret")


def test_an_engine_that_does_not_answer_is_unavailable() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = ElasticsearchBackend(f"http://127.0.0.1:{port}", timeout=2)
    try:
        with pytest.raises(EngineUnavailable):
            backend.search(SearchQuery(q="water"))
        health = backend.health()
        assert (health["engine"], health["status"]) == ("elasticsearch", "down")
    finally:
        backend.close()
