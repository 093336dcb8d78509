"""The W3C SPARQL 1.1 Protocol tests (tests/fixtures/sparql/manifest.ttl) against /sparql.

Each test of the manifest is one case: its requests are sent as written (method, path,
headers, body) and the answer checked as the manifest says (status class, format, boolean).
The graphs a test names (``ut:graphData``) are loaded as named graphs first. The update
tests that expect success do not apply to a read-only endpoint and are skipped; the ones
that expect a refusal run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, Triple, parse
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from registry.api.app import create_app
from registry.core import Registry
from registry.settings import Settings
from tests.conftest import FIXTURES

HERE = FIXTURES / "sparql"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

MANIFEST = Graph().parse(
    HERE / "manifest.ttl", format="turtle", publicID=(HERE / "manifest.ttl").as_uri()
)
TESTS = list(Collection(MANIFEST, next(MANIFEST.objects(None, MF.entries))))


def _name(test: Any) -> str:
    return str(test).rsplit("#", 1)[1]


def _requests(test: Any) -> list[dict[str, Any]]:
    action = MANIFEST.value(test, MF.action)
    out = []
    for request in Collection(MANIFEST, MANIFEST.value(action, HT.requests)):
        headers = {}
        header_list = MANIFEST.value(request, HT.headers)
        if header_list is not None:
            for header in Collection(MANIFEST, header_list):
                headers[str(MANIFEST.value(header, HT.fieldName))] = str(
                    MANIFEST.value(header, HT.fieldValue)
                )
        body = MANIFEST.value(request, HT.body)
        chars = MANIFEST.value(body, CNT.chars) if body is not None else None
        encoding = MANIFEST.value(body, CNT.characterEncoding) if body is not None else None
        response = MANIFEST.value(request, HT.resp)
        out.append(
            {
                "method": str(MANIFEST.value(request, HT.methodName)),
                "path": str(MANIFEST.value(request, HT.absolutePath)),
                "headers": headers,
                "body": None if chars is None else str(chars).encode(str(encoding or "utf-8")),
                "status": {
                    str(s).rsplit("#", 1)[1] for s in MANIFEST.objects(response, MF.expectedStatus)
                },
                "format": str(MANIFEST.value(response, MF.expectedFormat) or ""),
                "boolean": MANIFEST.value(response, MF.expectedBoolean),
            }
        )
    return out


def _graph_data(test: Any) -> dict[str, list[Triple]]:
    graphs = {}
    for data in MANIFEST.objects(test, UT.graphData):
        file = Path(str(MANIFEST.value(data, UT.graph)).removeprefix("file://"))
        label = str(MANIFEST.value(data, RDFS.label))
        graphs[label] = [
            Triple(q.subject, q.predicate, q.object)
            for q in parse(file.read_bytes(), format=RdfFormat.N_TRIPLES)
        ]
    return graphs


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, Registry]]:
    registry = Registry(Settings(data_dir=tmp_path / "data", base_uri="http://www.example"))
    with TestClient(create_app(registry=registry, follow_changes=False)) as test_client:
        yield test_client, registry
    registry.close()


def _check_format(kind: str, response: Any, expected_boolean: Any) -> None:
    media = response.headers["content-type"].split(";")[0]
    if kind == "boolean":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml")
        value = (
            json.loads(response.content)["boolean"]
            if media.endswith("json")
            else b"<boolean>true</boolean>" in response.content
        )
        if expected_boolean is not None:
            assert value is bool(expected_boolean.toPython())
    elif kind == "tabular":
        assert media in (
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
        )
    elif kind == "RDF":
        assert media in ("application/rdf+xml", "text/turtle", "application/n-triples")
        Graph().parse(
            data=response.content,
            format={
                "application/rdf+xml": "xml",
                "text/turtle": "turtle",
                "application/n-triples": "nt",
            }[media],
        )


@pytest.mark.parametrize("test", TESTS, ids=_name)
def test_w3c_protocol(client: tuple[TestClient, Registry], test: URIRef) -> None:
    name = _name(test)
    requests = _requests(test)
    if name.startswith("update_"):
        pytest.skip("a SPARQL Update test: the public endpoint is read-only, so it refuses updates")
    test_client, registry = client
    graphs = _graph_data(test)
    if graphs:
        registry.triples.replace(graphs)
    for request in requests:
        path = request["path"].replace("/sparql/", "/sparql", 1)
        response = test_client.request(
            request["method"], path, headers=request["headers"], content=request["body"]
        )
        classes = {f"StatusCode{response.status_code // 100}xx"}
        assert classes & request["status"], (name, response.status_code, response.text[:300])
        if request["format"] and response.status_code < 300:
            _check_format(request["format"], response, request["boolean"])


def test_the_manifest_was_read() -> None:
    assert len(TESTS) == 34
    assert all((test, RDF.type, MF.ProtocolTest) in MANIFEST for test in TESTS)


@pytest.mark.parametrize("test", [t for t in TESTS if _name(t).startswith("update_")], ids=_name)
def test_w3c_update_requests_are_refused(client: tuple[TestClient, Registry], test: URIRef) -> None:
    # What a read-only endpoint does instead of the skipped update tests: the update is
    # refused (403), whichever form it takes, and nothing changes.
    test_client, registry = client
    before = registry.triples.count()
    update = next(
        r
        for r in _requests(test)
        if "update" in str(r["headers"]).lower() or (r["body"] or b"").startswith(b"update=")
    )
    path = update["path"].replace("/sparql/", "/sparql", 1)
    response = test_client.request(
        update["method"], path, headers=update["headers"], content=update["body"]
    )
    assert response.status_code == 403, response.text
    assert "read-only" in response.json()["detail"]
    assert registry.triples.count() == before
