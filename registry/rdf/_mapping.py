"""Every record as RDF triples, built directly as pyoxigraph terms (no rdflib Graph per
record: building terms is about four times faster, and the ingest path makes millions).

The record's URI (``{base}/records/{id}``) is the subject. Everything else that needs a
node gets a deterministic IRI under it (``#creator-1``, ``#publisher``, ``#record``,
``#source-record``, ``#offer``...), never a blank node, so the same record always gives
the same graph, and graphs compare and update exactly.

| what | terms |
| --- | --- |
| description | ``dct:title``, ``dct:description``, ``dct:creator``, ``dct:publisher``, ``dcat:keyword``, ``dct:language`` and ``schema:inLanguage``, ``dct:identifier``, ``dcat:landingPage``, ``dct:issued``, ``dct:modified`` |
| types | ``rdf:type`` (``schema:CreativeWork``, ``cc:Work``, ``dcat:Resource``, ``dcat:Dataset`` for datasets), ``dct:type`` (a concept of the registry's types scheme), ``schema:genre`` (the type as the source wrote it) |
| licence | ``dct:license``, ``cc:license``, ``schema:license`` (or ``dct:rights`` for a rights statement); the raw statement as a ``dct:rights`` literal; ``reg:reuseClass`` |
| attribution | ``cc:attributionName``, ``cc:attributionURL``, ``schema:creditText``, ``schema:copyrightHolder`` |
| challenges | ``dct:subject`` a concept of the challenges scheme |
| catalog | ``{base}/catalog dcat:resource`` (or ``dcat:dataset``) the record; a ``dcat:CatalogRecord`` ``#record`` with its ``dct:modified`` |
| provenance | ``prov:wasDerivedFrom`` ``#source-record`` (the source's identifier and feed), ``prov:wasGeneratedBy`` the harvest run, ``prov:generatedAtTime`` |
| IP offers | ``odrl:Offer`` ``#offer`` with ``odrl:target``, ``odrl:assigner``, ``odrl:permission``; ``dcat:contactPoint`` a ``vcard:Kind`` |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad, Triple

from registry.licences import licence_by_uri
from registry.licences._attribution import _names, attribution, source_link
from registry.models import CHALLENGES, IPOffer, Work
from registry.rdf._terms import (
    adms,
    cc,
    challenge,
    dcat,
    dcmitype,
    dct,
    foaf,
    odrl,
    prov,
    rdf,
    rdfs,
    reg,
    schema,
    type_concept,
    vcard,
    xsd,
)
from registry.rdf._types import TYPES, type_slug

__all__ = ["catalog_uri", "record_quads", "record_triples", "record_uri", "resource"]

# Characters an IRI may not hold (RFC 3987), and characters XML 1.0 may not hold (a literal
# must survive RDF/XML and OAI-PMH too).
_NOT_IRI = re.compile(r'[\s<>"{}|\\^`\x00-\x1f\x7f]')
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# ISO 639-1 codes of the languages most met here, with their code in the EU's language
# authority table (what DCAT-AP asks ``dct:language`` to point at).
_EU_LANGUAGES: dict[str, str] = {
    "nl": "NLD", "en": "ENG", "de": "DEU", "fr": "FRA", "es": "SPA", "it": "ITA",
    "pt": "POR", "da": "DAN", "sv": "SWE", "no": "NOR", "nb": "NOB", "nn": "NNO",
    "fi": "FIN", "pl": "POL", "cs": "CES", "sk": "SLK", "sl": "SLV", "hu": "HUN",
    "ro": "RON", "bg": "BUL", "el": "ELL", "et": "EST", "lv": "LAV", "lt": "LIT",
    "hr": "HRV", "ga": "GLE", "mt": "MLT", "la": "LAT", "fy": "FRY", "tr": "TUR",
    "ru": "RUS", "uk": "UKR", "ar": "ARA", "zh": "ZHO", "ja": "JPN", "is": "ISL",
    "ca": "CAT", "eu": "EUS", "gl": "GLG", "cy": "CYM", "lb": "LTZ", "sr": "SRP",
}  # fmt: skip
_EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"

# Offer terms in ODRL: the actions a licensee may take, and for patents the actions of the
# registry's small profile that ODRL lacks (make, have made, offer for sale, import).
_PATENT_ACTIONS = ("make", "haveMade", "use", "offerForSale", "sell", "import")

_PATENTS = "https://w3id.org/open-registry/patents/"
_PROFILE = "https://w3id.org/open-registry/odrl-profile"


def concept_iri(scheme: str, slug: str) -> str:
    """A concept of one of the registry's schemes (``vocab/{scheme}.ttl``)."""
    return f"https://w3id.org/open-registry/{scheme}/{slug}"


_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")


def record_uri(base_uri: str, record_id: str) -> str:
    """The URI of a record: ``{base}/records/{id}``."""
    return f"{base_uri.rstrip('/')}/records/{quote(record_id, safe='')}"


def catalog_uri(base_uri: str) -> str:
    """The URI of the registry's DCAT catalog."""
    return f"{base_uri.rstrip('/')}/catalog"


def text(value: str) -> Literal:
    """A plain literal, without the characters XML 1.0 cannot carry."""
    return Literal(_NOT_XML.sub("", value))


def resource(value: str) -> NamedNode | Literal:
    """A web address as an IRI, or as an ``xsd:anyURI`` literal when it is no valid IRI."""
    value = value.strip()
    if value.lower().startswith(("http://", "https://", "mailto:", "urn:")) and not _NOT_IRI.search(
        value
    ):
        try:
            return NamedNode(value)
        except ValueError:
            pass
    return Literal(_NOT_XML.sub("", value), datatype=xsd.anyURI)


def date_literal(value: str) -> Literal:
    """A date as the most precise XSD type its form allows (gYear, gYearMonth, date,
    dateTime), or a plain literal when it is free text ("ca. 1900")."""
    value = value.strip()
    if _DATE.match(value):
        datatype = {4: xsd.gYear, 7: xsd.gYearMonth, 10: xsd.date}[len(value)]
        return Literal(value, datatype=datatype)
    if _DATETIME.match(value):
        return Literal(value, datatype=xsd.dateTime)
    return text(value)


def datetime_literal(value: datetime) -> Literal:
    """An ``xsd:dateTime`` in UTC, in canonical form (no trailing zeros in the fraction),
    so that a record's page and the triple store write the same value alike."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    stamp = value.astimezone(UTC).isoformat().replace("+00:00", "")
    if "." in stamp:
        stamp = stamp.rstrip("0").rstrip(".")
    return Literal(stamp + "Z", datatype=xsd.dateTime)


def _agent(add: Callable[[NamedNode, NamedNode, NamedNode | Literal], None], node: NamedNode,
           name: str) -> None:  # fmt: skip
    add(node, rdf.type, foaf.Agent)
    add(node, foaf.name, text(name))


def record_triples(
    record: Work | IPOffer,
    *,
    base_uri: str,
    updated: datetime | None = None,
    run: int | None = None,
) -> list[Triple]:
    """Every triple the registry states about one record.

    ``updated`` is when the registry took this version, ``run`` the harvest run that
    brought it (both from the store); without them the provenance says less, not wrong."""
    return _statements(record, base_uri, updated, run, Triple)  # type: ignore[return-value]


def record_quads(
    record: Work | IPOffer,
    *,
    base_uri: str,
    updated: datetime | None = None,
    run: int | None = None,
) -> list[Quad]:
    """The record's triples as quads in its own named graph (its URI): what the triple
    store loads, made directly (no triple per quad on the ingest path)."""
    graph = NamedNode(record_uri(base_uri.rstrip("/"), record.id))
    return _statements(record, base_uri, updated, run, partial(Quad, graph_name=graph))  # type: ignore[return-value]


def _statements(
    record: Work | IPOffer,
    base_uri: str,
    updated: datetime | None,
    run: int | None,
    make: Callable[..., Triple | Quad],
) -> list[Triple | Quad]:
    base = base_uri.rstrip("/")
    uri = record_uri(base, record.id)
    subject = NamedNode(uri)
    # Triples grouped by subject, the record first, so that Turtle reads as one block each.
    by_subject: dict[NamedNode, list[Triple | Quad]] = {subject: []}

    def add(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        group = by_subject.get(s)
        if group is None:
            group = by_subject[s] = []
        group.append(make(s, p, o))

    def node(fragment: str) -> NamedNode:
        return NamedNode(f"{uri}#{fragment}")

    # What it is.
    add(subject, rdf.type, schema.CreativeWork)
    add(subject, rdf.type, cc.Work)
    slugs = [type_slug(t) for t in getattr(record, "types", [])]
    is_dataset = "dataset" in slugs
    add(subject, rdf.type, dcat.Dataset if is_dataset else dcat.Resource)
    if isinstance(record, IPOffer):
        add(subject, rdf.type, reg.IPOffer)
    for raw_type in getattr(record, "types", []):
        add(subject, schema.genre, text(raw_type))
    for slug in dict.fromkeys(s for s in slugs if s):
        add(subject, dct.type, type_concept[slug])
    for file_format in getattr(record, "formats", []):
        add(subject, schema.encodingFormat, text(file_format))

    # What it says.
    add(subject, dct.title, text(record.title))
    if record.description:
        add(subject, dct.description, text(record.description))
    for n, creator in enumerate(record.creators, start=1):
        agent = node(f"creator-{n}")
        add(subject, dct.creator, agent)
        _agent(add, agent, creator)
    if record.publisher:
        publisher = node("publisher")
        add(subject, dct.publisher, publisher)
        _agent(add, publisher, record.publisher)
    for keyword in record.subjects:
        add(subject, dcat.keyword, text(keyword))
    for code in record.languages:
        add(subject, schema.inLanguage, text(code))
        eu = _EU_LANGUAGES.get(code.lower())
        if eu:
            language = NamedNode(_EU_LANGUAGE + eu)
            add(subject, dct.language, language)
            add(language, rdf.type, dct.LinguisticSystem)
    for identifier in record.identifiers:
        add(subject, dct.identifier, text(identifier))
        target = resource(identifier)
        if isinstance(target, NamedNode) and target.value != uri:
            add(subject, schema.sameAs, target)
    if record.landing_page:
        page = resource(record.landing_page)
        if isinstance(page, NamedNode):
            add(subject, dcat.landingPage, page)
            add(page, rdf.type, foaf.Document)
        add(subject, schema.url, page)
    if record.issued:
        add(subject, dct.issued, date_literal(record.issued))
    if record.modified:
        add(subject, dct.modified, datetime_literal(record.modified))
    for slug in record.challenges:
        if slug in CHALLENGES:
            add(subject, dct.subject, challenge[slug])

    _licence(record, subject, base, add)
    if isinstance(record, IPOffer):
        _offer(record, subject, node, add)

    # Its place in the catalog, and where it came from.
    catalog = NamedNode(catalog_uri(base))
    add(catalog, dcat.dataset if is_dataset else dcat.resource, subject)
    catalog_record = node("record")
    add(catalog, dcat.record, catalog_record)
    add(catalog_record, rdf.type, dcat.CatalogRecord)
    add(catalog_record, foaf.primaryTopic, subject)
    if updated is not None:
        add(catalog_record, dct.modified, datetime_literal(updated))
    source = NamedNode(f"{base}/api/sources/{quote(record.source, safe='')}")
    origin = node("source-record")
    add(subject, prov.wasDerivedFrom, origin)
    add(origin, rdf.type, prov.Entity)
    add(origin, dct.identifier, text(record.source_identifier))
    add(origin, prov.wasAttributedTo, source)
    add(source, rdf.type, prov.Agent)
    add(source, rdfs.label, text(record.source))
    if run is not None:
        activity = NamedNode(f"{base}/api/harvests/{run}")
        add(subject, prov.wasGeneratedBy, activity)
        add(activity, rdf.type, prov.Activity)
        add(activity, prov.used, origin)
        add(activity, prov.wasAssociatedWith, source)
    if updated is not None:
        add(subject, prov.generatedAtTime, datetime_literal(updated))
    return [triple for group in by_subject.values() for triple in group]


def _licence(
    record: Work | IPOffer,
    subject: NamedNode,
    base: str,
    add: Callable[[NamedNode, NamedNode, NamedNode | Literal], None],
) -> None:
    """The licence, the raw statement, and the attribution it asks for."""
    ref = record.licence
    add(subject, reg.reuseClass, Literal(ref.reuse_class))
    if ref.uri:
        target = resource(ref.uri)
        known = licence_by_uri(ref.uri)
        if known is not None and known.kind == "rights-statement":
            add(subject, dct.rights, target)
        else:
            add(subject, dct.license, target)
            add(subject, cc.license, target)
            add(subject, schema.license, target)
            if isinstance(target, NamedNode):
                add(target, rdf.type, dct.LicenseDocument)
    if ref.raw:
        add(subject, dct.rights, text(ref.raw))
    # The name to attribute to: the publisher's own words when it gave them, as the credit
    # uses them (CC REL), else the creators and publisher.
    names = " ".join((record.attribution_instruction or _names(record)).split())
    if names:
        add(subject, cc.attributionName, text(names))
    add(subject, cc.attributionURL, resource(source_link(record, base_uri=base)))
    credit = record.attribution or attribution(record, base_uri=base)
    add(subject, schema.creditText, text(credit.text))
    holder = getattr(record, "rights_holder", None)
    if holder:
        node = NamedNode(f"{record_uri(base, record.id)}#rights-holder")
        add(subject, schema.copyrightHolder, node)
        _agent(add, node, holder)


def _offer(
    record: IPOffer,
    subject: NamedNode,
    node: Callable[[str], NamedNode],
    add: Callable[[NamedNode, NamedNode, NamedNode | Literal], None],
) -> None:
    """An IP offer: its offeror, assets, contact, and its terms as an ODRL offer (with the
    registry's profile for the patent actions ODRL lacks)."""
    offeror = node("offeror")
    add(offeror, rdf.type, foaf.Agent)
    add(
        offeror, rdf.type, foaf.Person if record.offeror.type == "individual" else foaf.Organization
    )
    add(offeror, foaf.name, text(record.offeror.name))
    if record.offeror.type:
        add(offeror, dct.type, NamedNode(concept_iri("offeror-types", record.offeror.type)))
    if record.offeror.country:
        add(offeror, vcard["country-name"], text(record.offeror.country))
    for scheme, value in sorted(record.offeror.identifiers.items()):
        add(offeror, adms.identifier, text(f"{scheme}:{value}"))
    if not record.publisher:
        add(subject, dct.publisher, offeror)

    for n, asset in enumerate(record.assets, start=1):
        item = node(f"asset-{n}")
        add(subject, reg.asset, item)
        add(item, rdf.type, reg.Asset)
        add(item, dct.type, NamedNode(concept_iri("ip-types", asset.type)))
        if asset.title:
            add(item, dct.title, text(asset.title))
        for patent in asset.patents:
            number = NamedNode(f"{_PATENTS}{quote(patent.docdb, safe='.')}")
            add(item, reg.patent, number)
            add(subject, reg.patentNumber, Literal(patent.docdb))
            add(number, rdf.type, reg.PatentDocument)
            add(number, reg.docdb, Literal(patent.docdb))
            add(number, rdfs.label, Literal(patent.display))
            add(number, reg.numberType, Literal(patent.type))
        if asset.licence:
            add(
                item,
                dct.license,
                resource(asset.licence) if "/" in asset.licence else text(asset.licence),
            )
        if asset.repository:
            add(item, schema.codeRepository, resource(asset.repository))
        if asset.url:
            add(item, schema.url, resource(asset.url))
    for ip_type in record.ip_types:
        add(subject, reg.ipType, NamedNode(concept_iri("ip-types", ip_type)))

    terms = record.terms
    offer = node("offer")
    add(subject, odrl.hasPolicy, offer)
    add(offer, rdf.type, odrl.Offer)
    add(offer, odrl.uid, offer)
    add(offer, odrl.profile, NamedNode(_PROFILE))
    add(offer, odrl.target, subject)
    add(offer, odrl.assigner, offeror)
    add(offer, reg.licensingMode, NamedNode(concept_iri("licensing-modes", terms.licensing_mode)))
    add(offer, dct.description, text(terms.summary))
    if terms.legal_text_url:
        add(offer, schema.url, resource(terms.legal_text_url))
    for term, stated in (
        ("royalty", terms.royalty),
        ("exclusivity", terms.exclusivity),
        ("endEvent", terms.end_event),
    ):
        if stated:
            add(offer, reg[term], text(stated))
    add(
        offer,
        reg.royaltyFree,
        Literal("true" if terms.royalty_free else "false", datatype=xsd.boolean),
    )
    for name, flag in (
        ("sublicensable", terms.sublicensable),
        ("defensiveTermination", terms.defensive_termination),
        ("nonChallenge", terms.non_challenge),
        ("grantBack", terms.grant_back),
        ("bindsSuccessors", terms.binds_successors),
        ("revocable", terms.revocable),
    ):
        if flag is not None:
            add(offer, reg[name], Literal("true" if flag else "false", datatype=xsd.boolean))
    for group in terms.eligibility:
        add(offer, reg.eligibility, NamedNode(concept_iri("eligibility", group)))

    permission = node("permission")
    add(offer, odrl.permission, permission)
    add(permission, rdf.type, odrl.Permission)
    add(permission, odrl.target, subject)
    add(permission, odrl.assigner, offeror)
    patent_like = any(t in ("patent", "utility-model", "design") for t in record.ip_types)
    actions = _PATENT_ACTIONS if patent_like else ("use", "reproduce", "distribute")
    for action in actions:
        namespace = odrl if action in ("use", "reproduce", "distribute", "sell") else reg
        add(permission, odrl.action, namespace[action])
    constraints: list[tuple[str, NamedNode, NamedNode, list[Literal]]] = []
    if terms.territory:
        constraints.append(
            ("territory", odrl.spatial, odrl.isAnyOf, [Literal(t) for t in terms.territory])
        )
    if terms.field_of_use:
        constraints.append(("field", odrl.purpose, odrl.eq, [text(terms.field_of_use)]))
    if terms.valid_until:
        until = Literal(terms.valid_until.isoformat(), datatype=xsd.date)
        constraints.append(("until", odrl.dateTime, odrl.lteq, [until]))
    if terms.valid_from:
        start = Literal(terms.valid_from.isoformat(), datatype=xsd.date)
        constraints.append(("from", odrl.dateTime, odrl.gteq, [start]))
    for label, left, operator, values in constraints:
        constraint = node(f"constraint-{label}")
        add(permission, odrl.constraint, constraint)
        add(constraint, rdf.type, odrl.Constraint)
        add(constraint, odrl.leftOperand, left)
        add(constraint, odrl.operator, operator)
        for right in values:
            add(constraint, odrl.rightOperand, right)
    if terms.royalty in ("fixed", "running", "frand", "negotiable"):
        duty = node("duty-compensate")
        add(permission, odrl.duty, duty)
        add(duty, rdf.type, odrl.Duty)
        add(duty, odrl.action, odrl.compensate)

    if record.trl is not None:
        add(subject, reg.technologyReadinessLevel, Literal(str(record.trl), datatype=xsd.integer))
        add(subject, reg.trl, NamedNode(concept_iri("trl", str(record.trl))))
    for goal in record.sdgs:
        add(subject, dct.subject, NamedNode(f"http://metadata.un.org/sdg/{goal}"))
    for field in record.technology_fields:
        add(subject, reg.technologyField, text(field))
    add(subject, reg.offerStatus, Literal(record.status))
    if record.last_verified:
        add(subject, reg.lastVerified, Literal(record.last_verified.isoformat(), datatype=xsd.date))
    if record.review_due:
        add(subject, reg.reviewDue, Literal(record.review_due.isoformat(), datatype=xsd.date))

    contact = node("contact")
    add(subject, dcat.contactPoint, contact)
    add(contact, rdf.type, vcard.Kind)
    add(contact, vcard.fn, text(record.offeror.name))
    if record.contact.email:
        add(contact, vcard.hasEmail, resource(f"mailto:{record.contact.email.strip()}"))
    if record.contact.url:
        add(contact, vcard.hasURL, resource(record.contact.url))
    if record.contact.verified:
        add(contact, reg.verified, Literal(record.contact.verified.isoformat(), datatype=xsd.date))


def type_scheme_triples() -> list[Triple]:
    """The types scheme as triples (what ``vocab/types.ttl`` holds)."""
    from registry.rdf._terms import TYPES as SCHEME
    from registry.rdf._terms import skos

    scheme = NamedNode(SCHEME)
    out = [
        Triple(scheme, rdf.type, skos.ConceptScheme),
        Triple(scheme, skos.prefLabel, Literal("Resource types", language="en")),
        Triple(scheme, skos.prefLabel, Literal("Soorten bronnen", language="nl")),
    ]
    out += [Triple(scheme, skos.hasTopConcept, type_concept[slug]) for slug in TYPES]
    for slug, (en, nl, dcmi) in TYPES.items():
        concept = type_concept[slug]
        out += [
            Triple(concept, rdf.type, skos.Concept),
            Triple(concept, skos.inScheme, scheme),
            Triple(concept, skos.topConceptOf, scheme),
            Triple(concept, skos.notation, Literal(slug)),
            Triple(concept, skos.prefLabel, Literal(en, language="en")),
            Triple(concept, skos.prefLabel, Literal(nl, language="nl")),
        ]
        if dcmi:
            out.append(Triple(concept, skos.exactMatch, dcmitype[dcmi]))
    return out
