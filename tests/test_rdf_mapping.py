"""Records as RDF: golden graphs (compared as graphs), every syntax, SHACL conformance."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from harvesters.base import RawRecord
from registry.licences import attribution, normalise
from registry.models import IPOffer, LicenceRef, Source, Work, record_id
from registry.normalise import to_record
from registry.rdf import (
    FORMATS,
    TYPES,
    media_type_of,
    record_triples,
    serialize,
    type_scheme_triples,
    type_slug,
)
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "rdf"
BASE = "https://registry.example.org"
ROOT = Path(__file__).resolve().parents[1]
UPDATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SHACL_RDF = "http://www.w3.org/ns/shacl#"


def _licence(text: str) -> LicenceRef:
    found = normalise(text)
    assert found.uri, text
    return found.model_copy(update={"raw": text})


def _with_attribution(record: Work | IPOffer) -> Work | IPOffer:
    record.attribution = attribution(record, base_uri=BASE)
    return record


def article() -> Work | IPOffer:
    return _with_attribution(
        Work(
            id=record_id("repo", "oai:repo.example.org:123"),
            source="repo",
            source_identifier="oai:repo.example.org:123",
            title="Warmtenetten in Utrechtse wijken",
            description="Een verkenning van collectieve warmte.",
            creators=["Jansen, Jan", "de Vries, Anna"],
            publisher="Universiteit Utrecht",
            subjects=["warmtenet", "energietransitie"],
            languages=["nl", "xx"],
            challenges=["food-water-energy", "climate-change"],
            identifiers=["https://doi.org/10.1234/abc", "urn:nbn:nl:ui:10-1874-123"],
            landing_page="https://repo.example.org/items/123",
            issued="2019-05",
            modified=datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
            licence=_licence("https://creativecommons.org/licenses/by/4.0/deed.nl"),
            types=["info:eu-repo/semantics/article"],
            formats=["application/pdf"],
            rights_holder="Universiteit Utrecht",
        )
    )


def dataset_in_copyright() -> Work | IPOffer:
    return _with_attribution(
        Work(
            id=record_id("portal", "dataset-9"),
            source="portal",
            source_identifier="dataset-9",
            title="Meetreeks\x0b grondwater",
            languages=["en"],
            landing_page="https://portal.example.org/a dataset with spaces",
            issued="2021-03-04",
            licence=_licence("http://rightsstatements.org/vocab/InC/1.0/"),
            types=["Dataset"],
        )
    )


def offer() -> Work | IPOffer:
    payload = json.loads((ROOT / "registry" / "demo" / "offers.json").read_text())["offers"][0]
    source = Source(name="offers", kind="offers", url="https://tto.example.org/offers.json")
    raw = RawRecord(
        identifier=payload["identifier"],
        datestamp=None,
        deleted=False,
        format="offer",
        payload=payload,
    )
    return to_record(source, raw, BASE)


def bare() -> Work | IPOffer:
    return _with_attribution(
        Work(
            id=record_id("feed", "x"), source="feed", source_identifier="x", title="Zonder licentie"
        )
    )


CASES: dict[str, tuple[Callable[[], Work | IPOffer], dict[str, Any]]] = {
    "article": (article, {"updated": UPDATED, "run": 7}),
    "dataset-in-copyright": (dataset_in_copyright, {"updated": UPDATED, "run": 8}),
    "offer": (offer, {"updated": UPDATED, "run": None}),
    "bare": (bare, {}),
}


def _graph(case: str) -> Graph:
    build, provenance = CASES[case]
    data = serialize(record_triples(build(), base_uri=BASE, **provenance), "text/turtle")
    return Graph().parse(data=data, format="turtle")


@pytest.mark.parametrize("case", sorted(CASES))
def test_graph_matches_golden_file(case: str) -> None:
    golden = GOLDEN / f"{case}.ttl"
    graph = _graph(case)
    if os.environ.get("REGISTRY_UPDATE_GOLDEN"):
        golden.write_bytes(
            serialize(record_triples(CASES[case][0](), base_uri=BASE, **CASES[case][1]), "ttl")
        )
    expected = Graph().parse(golden, format="turtle")
    if not isomorphic(graph, expected):
        _, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(graph))
        pytest.fail(
            f"graph differs from {golden.name}:\n missing {sorted(missing)}\n extra {sorted(extra)}"
        )


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("media_type", sorted(FORMATS))
def test_every_syntax_carries_the_same_graph(case: str, media_type: str) -> None:
    build, provenance = CASES[case]
    triples = record_triples(build(), base_uri=BASE, **provenance)
    rdflib_format = {
        "text/turtle": "turtle",
        "application/ld+json": "json-ld",
        "application/n-triples": "nt",
        "application/rdf+xml": "xml",
    }[media_type]
    parsed = Graph().parse(data=serialize(triples, media_type), format=rdflib_format)
    assert len(parsed) == len(set(triples))
    assert isomorphic(parsed, _graph(case))


def _shapes() -> Graph:
    return Graph().parse(ROOT / "schemas" / "registry-shapes.ttl", format="turtle")


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_graphs_conform_to_the_registry_shapes(case: str) -> None:
    from pyshacl import validate

    conforms, _, report = validate(
        Graph().parse(GOLDEN / f"{case}.ttl", format="turtle"), shacl_graph=_shapes()
    )
    assert conforms, report


def test_shapes_catch_a_record_without_attribution_or_title() -> None:
    from pyshacl import validate

    graph = _graph("article")
    subject = next(iter(graph.subjects(predicate=None, object=None)))
    for s, p, o in list(graph):
        if str(p) in ("https://schema.org/creditText", "http://purl.org/dc/terms/title"):
            graph.remove((s, p, o))
    conforms, _, report = validate(graph, shacl_graph=_shapes())
    assert subject is not None
    assert not conforms
    assert "attribution" in str(report)
    assert "exactly one title" in str(report)


def test_no_blank_nodes_and_deterministic() -> None:
    for build, provenance in CASES.values():
        first = record_triples(build(), base_uri=BASE, **provenance)
        again = record_triples(build(), base_uri=BASE, **provenance)
        assert first == again
        for triple in first:
            assert isinstance(triple.subject, NamedNode)
            assert isinstance(triple.object, NamedNode | Literal)


def test_licence_raw_statement_and_attribution_are_stated() -> None:
    graph = _graph("article")
    record = f"{BASE}/records/{record_id('repo', 'oai:repo.example.org:123')}"
    rows = {
        (str(p), str(o))
        for p, o in graph.predicate_objects(subject=__import__("rdflib").URIRef(record))
    }
    licence = "https://creativecommons.org/licenses/by/4.0/"
    assert ("http://purl.org/dc/terms/license", licence) in rows
    assert ("http://creativecommons.org/ns#license", licence) in rows
    assert ("https://schema.org/license", licence) in rows
    raw = "https://creativecommons.org/licenses/by/4.0/deed.nl"
    assert ("http://purl.org/dc/terms/rights", raw) in rows
    assert (
        "http://creativecommons.org/ns#attributionName",
        "Jansen, Jan; de Vries, Anna, Universiteit Utrecht",
    ) in rows
    credit = [o for p, o in rows if p == "https://schema.org/creditText"]
    assert credit and "CC BY 4.0" in credit[0]
    assert ("http://www.w3.org/ns/prov#wasGeneratedBy", f"{BASE}/api/harvests/7") in rows


def test_a_rights_statement_is_rights_not_licence() -> None:
    graph = _graph("dataset-in-copyright")
    predicates = {str(p) for p, o in graph.predicate_objects() if "rightsstatements" in str(o)}
    assert predicates == {"http://purl.org/dc/terms/rights"}
    # The landing page with spaces is no IRI: kept as a typed literal, never dropped.
    urls = [o for p, o in graph.predicate_objects() if str(p) == "https://schema.org/url"]
    assert [str(u) for u in urls] == ["https://portal.example.org/a dataset with spaces"]
    titles = [str(o) for p, o in graph.predicate_objects() if str(p).endswith("/title")]
    assert titles == ["Meetreeks grondwater"]


def test_offer_terms_in_odrl() -> None:
    graph = _graph("offer")
    actions = {
        str(o)
        for p, o in graph.predicate_objects()
        if str(p) == "http://www.w3.org/ns/odrl/2/action"
    }
    assert "https://w3id.org/open-registry/vocab#offerForSale" in actions
    assert "http://www.w3.org/ns/odrl/2/use" in actions


@pytest.mark.parametrize(
    ("written", "slug"),
    [
        ("info:eu-repo/semantics/article", "text"),
        ("Text", "text"),
        ("http://purl.org/dc/dcmitype/MovingImage", "moving-image"),
        ("Dataset", "dataset"),
        ("StillImage", "image"),
        ("learning object", "interactive-resource"),
        ("info:eu-repo/semantics/other", None),
        ("", None),
    ],
)
def test_type_slug(written: str, slug: str | None) -> None:
    assert type_slug(written) == slug


def test_types_vocabulary_file_matches_the_table() -> None:
    data = serialize(type_scheme_triples(), "text/turtle")
    published = Graph().parse(ROOT / "vocab" / "types.ttl", format="turtle")
    assert isomorphic(published, Graph().parse(data=data, format="turtle"))
    assert len(TYPES) == len(set(published.subjects())) - 1


def test_media_type_names() -> None:
    assert media_type_of("ttl") == "text/turtle"
    assert media_type_of(".jsonld") == "application/ld+json"
    assert media_type_of("rdfxml") == "application/rdf+xml"
    with pytest.raises(ValueError, match="unknown RDF format"):
        media_type_of("yaml")


def test_quads_are_the_triples_in_the_records_graph() -> None:
    from registry.rdf import record_quads

    for build, provenance in CASES.values():
        record = build()
        quads = record_quads(record, base_uri=BASE, **provenance)
        triples = record_triples(record, base_uri=BASE, **provenance)
        assert [(q.subject, q.predicate, q.object) for q in quads] == [
            (t.subject, t.predicate, t.object) for t in triples
        ]
        assert {q.graph_name.value for q in quads} == {f"{BASE}/records/{record.id}"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, 352130, tzinfo=UTC), "2026-01-02T03:04:05.35213Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC), "2026-01-02T03:04:05.5Z"),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05Z"),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05Z"),
    ],
)
def test_datetimes_are_canonical(moment: datetime, written: str) -> None:
    from registry.rdf._mapping import datetime_literal

    assert datetime_literal(moment).value == written
