"""The SKOS schemes of IP offers, and the registry's ODRL profile for patent actions.

Each scheme is a table here (slug -> English label, Dutch label, English definition) and
a Turtle file in ``vocab/`` written from it (``python -m registry.offer_vocab``); a test
keeps the files in step with the tables. Concept IRIs are
``https://w3id.org/open-registry/{scheme}/{slug}``.

| scheme | file | what |
| --- | --- | --- |
| ``ip-types`` | ``vocab/ip-types.ttl`` | what is offered: patents, designs, software, datasets, know-how |
| ``licensing-modes`` | ``vocab/licensing-modes.ttl`` | on which kind of terms |
| ``offeror-types`` | ``vocab/offeror-types.ttl`` | who offers |
| ``eligibility`` | ``vocab/eligibility.ttl`` | who may take the offer |
| ``trl`` | ``vocab/trl.ttl`` | technology readiness levels 1-9 (EU definitions) |
| ODRL profile | ``vocab/odrl-profile.ttl`` | make, have made, offer for sale, import: actions ODRL lacks |
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from registry.offer_terms import SCHEMES, VOCAB
from registry.rdf import serialize
from registry.rdf._terms import dct, odrl, rdf, rdfs, skos, xsd

__all__ = ["ODRL_ACTIONS", "SCHEMES", "concept_iri", "scheme_triples", "write_vocabularies"]

#: The actions of the registry's ODRL profile: slug -> (label, definition, ODRL action it
#: is part of). What a patent holder grants that ODRL's common vocabulary has no word for.
ODRL_ACTIONS: dict[str, tuple[str, str, str]] = {
    "make": ("Make", "To manufacture the patented product or use the patented process.", "use"),
    "haveMade": ("Have made", "To have a third party make the product for the licensee.", "use"),
    "offerForSale": ("Offer for sale", "To offer the patented product for sale.", "sell"),
    "import": ("Import", "To import the patented product into a territory.", "distribute"),
}

PROFILE = VOCAB + "odrl-profile"
REG_VOCAB = VOCAB + "vocab#"


def concept_iri(scheme: str, slug: str) -> str:
    return f"{VOCAB}{scheme}/{slug}"


def scheme_triples(scheme: str) -> list[Triple]:
    title_en, title_nl, concepts = SCHEMES[scheme]
    node = NamedNode(f"{VOCAB}{scheme}/")
    out = [
        Triple(node, rdf.type, skos.ConceptScheme),
        Triple(node, skos.prefLabel, Literal(title_en, language="en")),
        Triple(node, skos.prefLabel, Literal(title_nl, language="nl")),
        Triple(node, dct.title, Literal(title_en, language="en")),
    ]
    out += [Triple(node, skos.hasTopConcept, NamedNode(concept_iri(scheme, s))) for s in concepts]
    for slug, (en, nl, definition) in concepts.items():
        concept = NamedNode(concept_iri(scheme, slug))
        out += [
            Triple(concept, rdf.type, skos.Concept),
            Triple(concept, skos.inScheme, node),
            Triple(concept, skos.topConceptOf, node),
            Triple(concept, skos.notation, Literal(slug)),
            Triple(concept, skos.prefLabel, Literal(en, language="en")),
            Triple(concept, skos.prefLabel, Literal(nl, language="nl")),
            Triple(concept, skos.definition, Literal(definition, language="en")),
        ]
        if scheme == "trl":
            out.append(
                Triple(concept, NamedNode(REG_VOCAB + "level"), Literal(slug, datatype=xsd.integer))
            )
    return out


def profile_triples() -> list[Triple]:
    profile = NamedNode(PROFILE)
    out = [
        Triple(profile, rdf.type, NamedNode("http://www.w3.org/ns/odrl/2/Profile")),
        Triple(
            profile,
            rdfs.label,
            Literal("Open registry ODRL profile for patent actions", language="en"),
        ),
        Triple(
            profile,
            dct.description,
            Literal(
                "Actions a patent holder grants that the ODRL common vocabulary has no term for.",
                language="en",
            ),
        ),
    ]
    for slug, (label, definition, broader) in ODRL_ACTIONS.items():
        action = NamedNode(REG_VOCAB + slug)
        out += [
            Triple(action, rdf.type, odrl.Action),
            Triple(action, rdf.type, skos.Concept),
            Triple(action, rdfs.isDefinedBy, profile),
            Triple(action, skos.prefLabel, Literal(label, language="en")),
            Triple(action, skos.definition, Literal(definition, language="en")),
            Triple(action, odrl.includedIn, odrl[broader]),
        ]
    return out


_HEADER = "# Written by `python -m registry.offer_vocab` from registry/offer_vocab.py; a test keeps the two in step.\n"


def vocabulary_files() -> dict[str, bytes]:
    """File name -> Turtle, for every scheme and the ODRL profile."""
    files = {
        f"{scheme}.ttl": _HEADER.encode() + serialize(scheme_triples(scheme), "text/turtle")
        for scheme in SCHEMES
    }
    files["odrl-profile.ttl"] = _HEADER.encode() + serialize(profile_triples(), "text/turtle")
    return files


def write_vocabularies(folder: Path) -> list[Path]:
    written = []
    for name, body in vocabulary_files().items():
        path = folder / name
        path.write_bytes(body)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_vocabularies(Path(__file__).resolve().parent.parent / "vocab"):
        print(path)
