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

from registry.rdf import serialize
from registry.rdf._terms import dct, odrl, rdf, rdfs, skos, xsd

__all__ = ["ODRL_ACTIONS", "SCHEMES", "concept_iri", "scheme_triples", "write_vocabularies"]

VOCAB = "https://w3id.org/open-registry/"

Concepts = dict[str, tuple[str, str, str]]

IP_TYPES: Concepts = {
    "patent": ("Patent", "Octrooi", "A granted patent or a patent application."),
    "utility-model": ("Utility model", "Gebruiksmodel", "A utility model or short-term patent."),
    "design": ("Design", "Model", "A registered or unregistered industrial design."),
    "software": ("Software", "Software", "Source code or a program, under a stated licence."),
    "dataset": ("Dataset", "Dataset", "Data, under a stated licence."),
    "know-how": ("Know-how", "Knowhow", "Unpatented knowledge, skills and practical experience."),
}

LICENSING_MODES: Concepts = {
    "public-licence": ("Public licence", "Publieke licentie", "Anyone may use it under a licence published for all, without asking."),
    "royalty-free-pledge": ("Royalty-free pledge", "Royaltyvrije toezegging", "The holder pledges not to charge royalties for the stated uses."),
    "non-assertion-covenant": ("Non-assertion covenant", "Niet-handhavingsbelofte", "The holder promises not to enforce its rights against the stated uses."),
    "defensive-cross-licence": ("Defensive cross-licence", "Defensieve kruislicentie", "Members license each other, and the licence ends for a member that sues."),
    "licence-on-transfer": ("Licence on transfer", "Licentie bij overdracht", "A licence that takes effect when the rights are transferred to another holder."),
    "frand": ("FRAND licence", "FRAND-licentie", "A licence on fair, reasonable and non-discriminatory terms."),
    "royalty-free-standard": ("Royalty-free standard licence", "Royaltyvrije standaardlicentie", "A licence to implement a standard without royalties."),
    "licence-of-right": ("Licence of right", "Licentie van rechtswege", "A licence anyone is entitled to on reasonable terms, registered with the patent office."),
    "non-exclusive-licence": ("Non-exclusive licence", "Niet-exclusieve licentie", "A licence that the holder may also grant to others."),
    "exclusive-licence": ("Exclusive licence", "Exclusieve licentie", "A licence granted to one licensee only."),
    "field-exclusive-licence": ("Field-exclusive licence", "Veldexclusieve licentie", "A licence exclusive within one field of use."),
    "option": ("Option", "Optie", "The right to take a licence or assignment later, on agreed terms."),
    "assignment": ("Assignment", "Overdracht", "The rights themselves are transferred."),
    "research-cooperation": ("Research cooperation", "Onderzoekssamenwerking", "Joint research in which the IP is used."),
    "technical-cooperation": ("Technical cooperation", "Technische samenwerking", "Technical support, testing or know-how transfer."),
    "joint-venture": ("Joint venture", "Joint venture", "A new venture formed together to exploit the IP."),
}  # fmt: skip

OFFEROR_TYPES: Concepts = {
    "university": ("University", "Universiteit", "A research university or its valorisation office."),
    "university-of-applied-sciences": ("University of applied sciences", "Hogeschool", "A university of applied sciences or its research group."),
    "research-institute": ("Research institute", "Onderzoeksinstituut", "A public or private research organisation."),
    "hospital": ("Hospital", "Ziekenhuis", "A (university) medical centre."),
    "company": ("Company", "Bedrijf", "A company other than a small or medium-sized enterprise."),
    "sme": ("Small or medium-sized enterprise", "Mkb-bedrijf", "An enterprise with fewer than 250 employees."),
    "startup": ("Start-up", "Start-up", "A young company built on new technology."),
    "government": ("Government", "Overheid", "A public authority."),
    "non-profit": ("Non-profit organisation", "Non-profitorganisatie", "A foundation, association or other organisation not for profit."),
    "individual": ("Individual", "Particulier", "An inventor or creator acting on their own behalf."),
}  # fmt: skip

ELIGIBILITY: Concepts = {
    "anyone": ("Anyone", "Iedereen", "Anyone may take the offer."),
    "sme": ("Small and medium-sized enterprises", "Mkb", "Enterprises with fewer than 250 employees."),
    "startup": ("Start-ups", "Start-ups", "Young companies built on new technology."),
    "social-enterprise": ("Social enterprises", "Sociale ondernemingen", "Enterprises whose first aim is social impact."),
    "non-profit": ("Non-profit organisations", "Non-profitorganisaties", "Organisations not for profit."),
    "academic": ("Academic and research institutions", "Kennisinstellingen", "Universities and research organisations."),
    "individual": ("Individuals", "Particulieren", "Freelancers and private persons."),
    "eu-based": ("Based in the EU", "Gevestigd in de EU", "Organisations established in the European Union."),
    "nl-based": ("Based in the Netherlands", "Gevestigd in Nederland", "Organisations established in the Netherlands."),
}  # fmt: skip

TRL: Concepts = {
    "1": ("TRL 1: basic principles observed", "TRL 1: basisprincipes waargenomen", "Basic principles observed."),
    "2": ("TRL 2: technology concept formulated", "TRL 2: technologieconcept geformuleerd", "Technology concept formulated."),
    "3": ("TRL 3: experimental proof of concept", "TRL 3: experimenteel bewijs van het concept", "Experimental proof of concept."),
    "4": ("TRL 4: technology validated in lab", "TRL 4: technologie gevalideerd in het lab", "Technology validated in a laboratory."),
    "5": ("TRL 5: technology validated in relevant environment", "TRL 5: technologie gevalideerd in relevante omgeving", "Technology validated in a relevant environment."),
    "6": ("TRL 6: technology demonstrated in relevant environment", "TRL 6: technologie gedemonstreerd in relevante omgeving", "Technology demonstrated in a relevant environment."),
    "7": ("TRL 7: system prototype demonstration in operational environment", "TRL 7: prototype gedemonstreerd in operationele omgeving", "System prototype demonstrated in an operational environment."),
    "8": ("TRL 8: system complete and qualified", "TRL 8: systeem compleet en gekwalificeerd", "System complete and qualified."),
    "9": ("TRL 9: actual system proven in operational environment", "TRL 9: systeem bewezen in operationele omgeving", "Actual system proven in an operational environment."),
}  # fmt: skip

#: scheme slug -> (English title, Dutch title, concepts)
SCHEMES: dict[str, tuple[str, str, Concepts]] = {
    "ip-types": ("IP types", "Soorten intellectueel eigendom", IP_TYPES),
    "licensing-modes": ("Licensing modes", "Licentievormen", LICENSING_MODES),
    "offeror-types": ("Offeror types", "Soorten aanbieders", OFFEROR_TYPES),
    "eligibility": ("Eligibility", "Wie het aanbod kan nemen", ELIGIBILITY),
    "trl": ("Technology readiness levels", "Technologische gereedheidsniveaus", TRL),
}

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
