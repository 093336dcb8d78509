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


def test_offer_schema_examples_and_demo_offers_are_valid() -> None:
    jsonschema = __import__("pytest").importorskip("jsonschema")
    from registry.normalise._offer import OfferSubmission

    schema = json.loads((SCHEMA_DIR / "ip-offer.schema.json").read_text(encoding="utf-8"))
    demo = json.loads((SCHEMA_DIR.parent / "registry" / "demo" / "offers.json").read_text())
    examples = schema["examples"]
    assert examples
    for offer in [*examples, *demo["offers"]]:
        jsonschema.validate(offer, schema)
        OfferSubmission.model_validate(offer)
    broken = dict(examples[0])
    del broken["contact"]
    with __import__("pytest").raises(jsonschema.ValidationError, match="contact"):
        jsonschema.validate(broken, schema)
