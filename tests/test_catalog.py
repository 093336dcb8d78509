"""/catalog: the registry as a DCAT-AP catalog paged with Hydra, conforming to DCAT-AP 3
and DCAT-AP-NL 3; `registry export`; the vocabularies; and the registry's own DCAT
harvester reading the catalog back over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from registry.api.app import create_app
from registry.cli import main
from registry.core import Registry
from registry.settings import Settings
from tests.conftest import FIXTURES, SHARED_FIXTURES, demo_registry, serve_app

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
BASE = "http://registry.test"
NL_SHAPES = SHARED_FIXTURES / "dcat" / "dcat-ap-nl"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    reg = demo_registry(tmp_path_factory.mktemp("catalog") / "data", BASE)
    yield reg
    reg.close()


@pytest.fixture(scope="module")
def client(registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(registry=registry, follow_changes=False)) as test_client:
        yield test_client


def _page(client: TestClient, url: str = "/catalog", **params: str) -> Graph:
    # (httpx replaces a URL's own query with ``params`` when it is given, even empty)
    response = client.get(url.removeprefix(BASE), params=params or None)
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.content, format="turtle")


def _datasets(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, DCAT.Dataset) if isinstance(s, URIRef)}


def _validate(data: Graph, shapes: Graph) -> tuple[bool, str]:
    from pyshacl import validate

    conforms, _, report = validate(data, shacl_graph=shapes, inference="none")
    return bool(conforms), str(report)


def test_hydra_paging_walks_every_live_record_once(client: TestClient, registry: Registry) -> None:
    seen: list[URIRef] = []
    url: str | None = "/catalog"
    params = {"page_size": "7"}
    totals = set()
    pages = 0
    while url:
        graph = _page(client, url, **params)
        params = {}
        pages += 1
        seen.extend(_datasets(graph))
        catalog = URIRef(f"{BASE}/catalog")
        totals.add(int(graph.value(catalog, HYDRA.totalItems)))
        view = graph.value(catalog, HYDRA.view)
        assert (view, RDF.type, HYDRA.PartialCollectionView) in graph
        assert graph.value(view, HYDRA.first) == URIRef(f"{BASE}/catalog?page_size=7")
        following = graph.value(view, HYDRA.next)
        url = str(following) if following else None
    live = registry.store.count()
    assert len(seen) == len(set(seen)) == live
    assert totals == {live}
    assert pages == -(-live // 7)


def test_filters(client: TestClient, registry: Registry) -> None:
    offers = _datasets(_page(client, source="demo-offers"))
    assert offers and all("/records/demo-offers-" in str(d) for d in offers)
    assert len(offers) == registry.store.count(source="demo-offers")
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    empty = _page(client, modified_since=future)
    assert not _datasets(empty)
    assert int(empty.value(URIRef(f"{BASE}/catalog"), HYDRA.totalItems)) == 0
    past = _datasets(_page(client, modified_since="2000-01-01", page_size="1000"))
    assert len(past) == registry.store.count()


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "lots"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"modified_since": "yesterday"}, "modified_since"),
        ({"sort": "title"}, "sort"),
    ],
)
def test_bad_parameters_are_400(client: TestClient, params: dict[str, str], parameter: str) -> None:
    response = client.get("/catalog", params=params)
    assert response.status_code == 400
    assert parameter in response.json()["detail"]


def test_syntaxes_carry_the_same_graph_and_406(client: TestClient) -> None:
    turtle = _page(client, page_size="5")
    for media, rdflib_format in (
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
    ):
        response = client.get("/catalog", params={"page_size": "5"}, headers={"Accept": media})
        assert response.headers["content-type"].startswith(media)
        assert isomorphic(Graph().parse(data=response.content, format=rdflib_format), turtle)
    assert client.get("/catalog", headers={"Accept": "text/csv"}).status_code == 406


def test_a_record_changed_while_paging_is_met_again_not_skipped(tmp_path: Path) -> None:
    from tests.conftest import make_work

    reg = Registry(Settings(data_dir=tmp_path / "data", base_uri=BASE))
    try:
        reg.store.upsert([make_work(f"w{i}") for i in range(6)])
        with TestClient(create_app(registry=reg, follow_changes=False)) as client:
            first = _page(client, page_size="3")
            following = first.value(first.value(URIRef(f"{BASE}/catalog"), HYDRA.view), HYDRA.next)
            reg.store.upsert([make_work("w0", title="changed")])
            rest = Graph()
            while following is not None:
                page = _page(client, str(following))
                rest += page
                following = page.value(
                    page.value(URIRef(f"{BASE}/catalog"), HYDRA.view), HYDRA.next
                )
        titles = {str(o) for o in rest.objects(None, DCT.title)}
        assert {"Work w3", "Work w4", "Work w5", "changed"} <= titles
        assert len(_datasets(rest)) == 4
    finally:
        reg.close()


def test_conforms_to_dcat_ap_3(client: TestClient) -> None:
    data = _page(client, page_size="1000")
    shapes = Graph().parse(FIXTURES / "dcat-ap" / "dcat-ap-3.0.0-SHACL.ttl", format="turtle")
    conforms, report = _validate(data, shapes)
    assert conforms, report
    # The shapes do bite: a dataset without a title is refused.
    dataset = next(iter(_datasets(data)))
    data.remove((dataset, DCT.title, None))
    conforms, report = _validate(data, shapes)
    assert not conforms


@pytest.mark.parametrize(
    "shapes_file",
    [
        "dcat-ap-nl-3.0-SHACL.ttl",
        "dcat-ap-nl-3.0-SHACL-klassebereik.ttl",
        "dcat-ap-nl-3.0-SHACL-klassebereik-codelijsten.ttl",
    ],
)
def test_conforms_to_dcat_ap_nl_3(client: TestClient, shapes_file: str) -> None:
    path = NL_SHAPES / shapes_file
    if not path.exists():
        pytest.skip(f"DCAT-AP-NL shapes absent ({shapes_file}: shared fixtures not checked out)")
    data = _page(client, page_size="1000")
    conforms, report = _validate(data, Graph().parse(path, format="turtle"))
    assert conforms, report


def test_every_distribution_states_its_terms(client: TestClient) -> None:
    data = _page(client, page_size="1000")
    distributions = set(data.subjects(RDF.type, DCAT.Distribution))
    assert distributions
    undetermined = URIRef("http://rightsstatements.org/vocab/UND/1.0/")
    licensed = 0
    for distribution in distributions:
        terms = list(data.objects(distribution, DCT.license))
        assert len(terms) == 1
        licensed += terms[0] != undetermined
    assert licensed > len(distributions) / 2


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"), [("nt", "nt"), ("ttl", "turtle"), ("jsonld", "json-ld")]
)
def test_export_dumps_every_live_record(
    registry: Registry, tmp_path: Path, fmt: str, rdflib_format: str
) -> None:
    out = tmp_path / f"dump.{fmt}"
    result = CliRunner().invoke(
        main,
        [
            "--data-dir",
            str(registry.settings.data_dir),
            "export",
            "--format",
            fmt,
            "--out",
            str(out),
        ],
        env={"REGISTRY_BASE_URI": BASE},
    )
    assert result.exit_code == 0, result.output
    graph = Graph().parse(out, format=rdflib_format)
    works = {s for s in graph.subjects(RDF.type, URIRef("http://creativecommons.org/ns#Work"))}
    assert len(works) == registry.store.count()
    written = int(result.output.strip().split()[1])
    assert written >= len(graph)
    assert not (tmp_path / f"dump.{fmt}.partial").exists()
    one = next(iter(works))
    record_id = str(one).rsplit("/", 1)[1]
    single = Graph().parse(data=registry.record_rdf(record_id, "nt"), format="nt")
    assert all(triple in graph for triple in single)


def test_export_leaves_out_withdrawn_records(tmp_path: Path) -> None:
    from tests.conftest import make_work

    reg = Registry(Settings(data_dir=tmp_path / "data", base_uri=BASE))
    try:
        reg.store.upsert([make_work("keep"), make_work("drop")])
        reg.store.delete([make_work("drop").id])
    finally:
        reg.close()
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "data"), "export"], env={"REGISTRY_BASE_URI": BASE}
    )
    assert result.exit_code == 0
    assert make_work("keep").id in result.stdout
    assert make_work("drop").id not in result.stdout


def test_vocabularies_are_served(client: TestClient) -> None:
    for name, fmt in (
        ("licences.ttl", "turtle"),
        ("challenges.ttl", "turtle"),
        ("types.ttl", "turtle"),
    ):
        response = client.get(f"/vocab/{name}")
        assert response.status_code == 200
        assert len(Graph().parse(data=response.content, format=fmt)) > 10
    context = client.get("/vocab/context.jsonld").json()
    assert context["@context"]["dct"] == "http://purl.org/dc/terms/"
    assert client.get("/vocab/secrets.ttl").status_code == 404


def test_own_dcat_harvester_reads_the_catalog_back(registry: Registry, tmp_path: Path) -> None:
    app = create_app(registry=registry, follow_changes=False)
    with serve_app(app) as url:
        # The catalog's links (hydra:next) are made from the base URI: make it the server's.
        original, registry.settings.base_uri = registry.settings.base_uri, url
        mirror = Registry(
            Settings(
                data_dir=tmp_path / "mirror",
                base_uri="http://mirror.test",
                allow_private_networks=True,
            )
        )
        try:
            mirror.add_source(
                name="upstream", kind="dcat", url=f"{url}/catalog?page_size=10", trusted=True
            )
            run = mirror.harvest("upstream")
            assert run.status == "succeeded", run
            assert mirror.store.count() == registry.store.count()
            licences = {
                c.record.licence.uri
                for c in mirror.store.changes(0, 1000)
                if c.record is not None and c.record.licence.uri
            }
            originals = {
                c.record.licence.uri
                for c in registry.store.changes(0, 1000)
                if c.record is not None and c.record.licence.uri
            }
            assert originals <= licences | {None}
        finally:
            registry.settings.base_uri = original
            mirror.close()


def test_catalog_record_language_and_modified(client: TestClient, registry: Registry) -> None:
    data = _page(client, page_size="1000")
    records = set(data.subjects(RDF.type, DCAT.CatalogRecord))
    assert len(records) == registry.store.count()
    for record in records:
        assert isinstance(data.value(record, DCT.modified), Literal)
        assert data.value(record, DCT.language) is not None
