"""GET /records/{id}: content negotiation by Accept and by suffix, Link headers, and the
same graph in every RDF syntax; `registry records get --format`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from registry.api.app import create_app
from registry.cli import main
from registry.core import Registry
from registry.licences import normalise
from registry.settings import Settings
from tests.conftest import make_work

BASE = "http://registry.test"
RDFLIB_FORMAT = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
SUFFIX = {
    "text/turtle": ".ttl",
    "application/ld+json": ".jsonld",
    "application/n-triples": ".nt",
    "application/rdf+xml": ".rdf",
}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("ld") / "data", base_uri=BASE)


@pytest.fixture(scope="module")
def registry(settings: Settings) -> Iterator[Registry]:
    reg = Registry(settings)
    reg.store.upsert(
        [
            make_work(
                "with-doi",
                identifiers=["doi:10.5281/zenodo.42", "https://example.org/a"],
                licence=normalise("CC BY-SA 4.0"),
                creators=["Jansen, Jan"],
            ),
            make_work("plain", licence=normalise("http://rightsstatements.org/vocab/InC/1.0/")),
            make_work("gone"),
        ]
    )
    reg.store.delete([make_work("gone").id])
    yield reg
    reg.close()


@pytest.fixture(scope="module")
def client(registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(registry=registry, follow_changes=False)) as test_client:
        yield test_client


def _id(name: str) -> str:
    return make_work(name).id


def _graph(body: bytes, media_type: str) -> Graph:
    return Graph().parse(data=body, format=RDFLIB_FORMAT[media_type])


@pytest.mark.parametrize("media_type", sorted(RDFLIB_FORMAT))
def test_accept_and_suffix_give_the_same_graph(client: TestClient, media_type: str) -> None:
    record = _id("with-doi")
    by_accept = client.get(f"/records/{record}", headers={"Accept": media_type})
    assert by_accept.status_code == 200, by_accept.text
    assert by_accept.headers["content-type"].startswith(media_type)
    assert by_accept.headers["vary"] == "Accept"
    assert by_accept.headers["content-location"] == f"{BASE}/records/{record}{SUFFIX[media_type]}"
    by_suffix = client.get(f"/records/{record}{SUFFIX[media_type]}")
    assert by_suffix.status_code == 200
    graph = _graph(by_accept.content, media_type)
    assert isomorphic(graph, _graph(by_suffix.content, media_type))
    turtle = client.get(f"/records/{record}.ttl")
    assert isomorphic(graph, _graph(turtle.content, "text/turtle"))
    subject = URIRef(f"{BASE}/records/{record}")
    assert (subject, URIRef("http://purl.org/dc/terms/title"), None) in graph


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
        ("application/rdf+xml, text/turtle;q=0.1", "application/rdf+xml"),
        ("text/*", "text/html"),
        ("application/n-triples;q=1, */*;q=0.1", "application/n-triples"),
        ("*/*", "application/json"),
        (None, "application/json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ],
)
def test_q_values_decide(client: TestClient, accept: str | None, expected: str) -> None:
    # An empty Accept header counts as none at all.
    response = client.get(f"/records/{_id('with-doi')}", headers={"Accept": accept or ""})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


def test_nothing_acceptable_is_406(client: TestClient) -> None:
    response = client.get(f"/records/{_id('plain')}", headers={"Accept": "image/png, text/csv"})
    assert response.status_code == 406
    assert response.headers["vary"] == "Accept"
    assert "text/turtle" in response.json()["detail"]
    refused = client.get(
        f"/records/{_id('plain')}", headers={"Accept": "text/turtle;q=0, application/json;q=0"}
    )
    assert refused.status_code == 406


def _links(header: str) -> list[tuple[str, dict[str, str]]]:
    out = []
    for part in header.split(", <"):
        target, _, params = part.lstrip("<").partition(">")
        attributes = {}
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name:
                attributes[name] = value.strip('"')
        out.append((target, attributes))
    return out


def test_link_headers_signpost(client: TestClient) -> None:
    record = _id("with-doi")
    links = _links(client.get(f"/records/{record}.ttl").headers["link"])
    by_rel: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for target, attributes in links:
        by_rel.setdefault(attributes["rel"], []).append((target, attributes))
    assert by_rel["cite-as"] == [("https://doi.org/10.5281/zenodo.42", {"rel": "cite-as"})]
    assert by_rel["license"][0][0] == "https://creativecommons.org/licenses/by-sa/4.0/"
    alternates = {attributes["type"]: target for target, attributes in by_rel["alternate"]}
    assert alternates["text/turtle"] == f"{BASE}/records/{record}.ttl"
    assert alternates["application/json"] == f"{BASE}/records/{record}.json"
    assert {a["type"] for _, a in by_rel["describedby"]} == set(RDFLIB_FORMAT)
    assert "https://schema.org/CreativeWork" in [t for t, _ in by_rel["type"]]
    # Without a DOI, the record's own URI is what to cite.
    plain = _links(client.get(f"/records/{_id('plain')}.json").headers["link"])
    assert (f"{BASE}/records/{_id('plain')}", {"rel": "cite-as"}) in plain


def test_rights_statement_in_rdf_and_no_licence_link(client: TestClient) -> None:
    response = client.get(f"/records/{_id('plain')}.nt")
    graph = _graph(response.content, "application/n-triples")
    rights = set(
        graph.objects(
            URIRef(f"{BASE}/records/{_id('plain')}"), URIRef("http://purl.org/dc/terms/rights")
        )
    )
    assert URIRef("http://rightsstatements.org/vocab/InC/1.0/") in rights
    # A rights statement is no licence, yet the Link header names it as the record's terms.
    assert 'rel="license"' in response.headers["link"]


def test_withdrawn_and_missing(client: TestClient) -> None:
    gone = client.get(f"/records/{_id('gone')}.ttl")
    assert gone.status_code == 410
    assert gone.json()["id"] == _id("gone")
    assert client.get("/records/nope.jsonld").status_code == 404


def test_provenance_comes_from_the_store(client: TestClient, registry: Registry) -> None:
    stored = registry.get_record(_id("plain"))
    graph = _graph(client.get(f"/records/{_id('plain')}.ttl").content, "text/turtle")
    times = list(
        graph.objects(
            URIRef(f"{BASE}/records/{_id('plain')}"),
            URIRef("http://www.w3.org/ns/prov#generatedAtTime"),
        )
    )
    assert [t.toPython() for t in times] == [stored.updated]


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "nt", "rdfxml", "json"])
def test_cli_records_get_formats(settings: Settings, registry: Registry, fmt: str) -> None:
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(settings.data_dir), "records", "get", _id("with-doi"), "--format", fmt],
        env={"REGISTRY_BASE_URI": BASE},
    )
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data: dict[str, Any] = json.loads(result.output)
        assert data["id"] == _id("with-doi")
        return
    media = {
        "ttl": "text/turtle",
        "jsonld": "application/ld+json",
        "nt": "application/n-triples",
        "rdfxml": "application/rdf+xml",
    }[fmt]
    graph = _graph(result.output.encode(), media)
    assert isomorphic(graph, _graph(registry.record_rdf(_id("with-doi"), "ttl"), "text/turtle"))


def test_html_page_links_its_rdf(client: TestClient) -> None:
    record = _id("plain")
    page = client.get(f"/records/{record}", headers={"Accept": "text/html"}).text
    for suffix, media in (
        (".ttl", "text/turtle"),
        (".jsonld", "application/ld+json"),
        (".rdf", "application/rdf+xml"),
    ):
        assert f'<link rel="alternate" type="{media}" href="/records/{record}{suffix}">' in page


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    record = _id("with-doi")
    head = client.head(f"/records/{record}", headers={"Accept": "text/turtle"})
    get = client.get(f"/records/{record}", headers={"Accept": "text/turtle"})
    assert head.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["link"] == get.headers["link"]
