"""The SKOS schemes of IP offers and the ODRL profile: files in step with the tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS

from registry.offer_vocab import SCHEMES, concept_iri, vocabulary_files

VOCAB = Path(__file__).resolve().parents[1] / "vocab"


@pytest.mark.parametrize("name", sorted(vocabulary_files()))
def test_vocabulary_file_matches_its_table(name: str) -> None:
    published = Graph().parse(VOCAB / name, format="turtle")
    expected = Graph().parse(data=vocabulary_files()[name], format="turtle")
    assert isomorphic(published, expected), f"run `python -m registry.offer_vocab` ({name})"


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_every_concept_has_english_and_dutch_labels(scheme: str) -> None:
    graph = Graph().parse(VOCAB / f"{scheme}.ttl", format="turtle")
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == len(SCHEMES[scheme][2])
    for concept in concepts:
        languages = {label.language for label in graph.objects(concept, SKOS.prefLabel)}
        assert languages == {"en", "nl"}, concept


def test_issue_licensing_modes_are_all_there() -> None:
    modes = SCHEMES["licensing-modes"][2]
    for slug in (
        "public-licence", "royalty-free-pledge", "non-assertion-covenant",
        "defensive-cross-licence", "licence-on-transfer", "frand", "royalty-free-standard",
        "licence-of-right", "non-exclusive-licence", "exclusive-licence",
        "field-exclusive-licence", "option", "assignment", "research-cooperation",
        "technical-cooperation", "joint-venture",
    ):  # fmt: skip
        assert slug in modes
    assert concept_iri("trl", "4") == "https://w3id.org/open-registry/trl/4"


def test_odrl_profile_actions_refine_odrl() -> None:
    graph = Graph().parse(VOCAB / "odrl-profile.ttl", format="turtle")
    odrl = "http://www.w3.org/ns/odrl/2/"
    actions = set(graph.subjects(RDF.type, URIRef(odrl + "Action")))
    assert {str(a).rsplit("#", 1)[1] for a in actions} == {
        "make",
        "haveMade",
        "offerForSale",
        "import",
    }
    for action in actions:
        assert graph.value(action, URIRef(odrl + "includedIn")) is not None
