"""Vocabularies and schemas shipped with the package agree with the code."""

from __future__ import annotations

import json

import rdflib
from rdflib.namespace import SKOS

from registry.models import CHALLENGES
from registry.schemas import SCHEMA_DIR, generated, render

VOCAB = SCHEMA_DIR.parent / "vocab"


def test_json_schemas_are_in_sync_with_the_model() -> None:
    for name, schema in generated().items():
        shipped = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert shipped == render(schema), f"{name} is stale: run python -m registry.schemas"
        assert json.loads(shipped)["$schema"].startswith("https://json-schema.org/")


def test_challenge_scheme_matches_the_model() -> None:
    graph = rdflib.Graph().parse(VOCAB / "challenges.ttl")
    concepts = {}
    for concept in graph.subjects(SKOS.inScheme, None):
        notation = str(graph.value(concept, SKOS.notation))
        labels = {lit.language: str(lit) for lit in graph.objects(concept, SKOS.prefLabel)}
        concepts[notation] = labels
    assert concepts == CHALLENGES
