"""The registry as a DCAT catalog (DCAT-AP 3 and DCAT-AP-NL 3), paged with Hydra.

Portals that harvest DCAT list datasets, so in the catalog every record is a
``dcat:Dataset`` with one ``dcat:Distribution`` (where to get it, under which licence),
whatever kind of work it is; ``/records/{id}`` keeps the record's own, fuller graph.
What the profiles make mandatory and where it comes from:

| profile asks for | taken from |
| --- | --- |
| Catalog title, description, publisher, contact point | the registry's settings |
| Dataset title, description | the record (the title stands in when the source gave no description) |
| Dataset identifier | the record's URI |
| Dataset publisher, creator | the record's publisher and creators, else its source |
| Dataset contact point | the publisher, reached at the record's landing page |
| Dataset theme | its challenges (the registry's scheme and the EU data themes) and its type |
| Dataset access rights | public: the registry lists only records anyone may reach |
| Distribution access URL, licence | the landing page (else the record); the resolved licence, or the rights statement, or, when the source named neither, rightsstatements.org's "Copyright Undetermined" |
| Catalog record modified, language | when the registry took the record; its first language (else "undetermined") |

The graph is meant to conform without inference, so every node also carries the class
the shapes check (``dcat:Resource`` on datasets, ``vcard:Kind`` on contacts, labels on
every theme).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from pyoxigraph import Literal, NamedNode, Triple

from registry.licences import licence_by_uri
from registry.models import CHALLENGES, IPOffer, Work
from registry.rdf._mapping import (
    _EU_LANGUAGE,
    _EU_LANGUAGES,
    catalog_uri,
    date_literal,
    datetime_literal,
    record_uri,
    resource,
    text,
)
from registry.rdf._terms import (
    CHALLENGES as CHALLENGE_SCHEME,
)
from registry.rdf._terms import (
    TYPES as TYPE_SCHEME,
)
from registry.rdf._terms import (
    challenge,
    dcat,
    dct,
    foaf,
    hydra,
    rdf,
    rdfs,
    skos,
    type_concept,
    vcard,
    xsd,
)
from registry.rdf._types import TYPES, type_slug

__all__ = ["catalog_header", "dataset_triples", "page_triples"]

_EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
_UNDETERMINED_RIGHTS = "http://rightsstatements.org/vocab/UND/1.0/"
_EU_THEME_LABELS = {
    "HEAL": "Health",
    "ENVI": "Environment",
    "ENER": "Energy",
    "EDUC": "Education, culture and sport",
    "GOVE": "Government and public sector",
    "SOCI": "Population and society",
    "JUST": "Justice, legal system and public safety",
}
_PUBLIC = NamedNode("http://publications.europa.eu/resource/authority/access-right/PUBLIC")

# The EU data theme closest to each societal challenge.
_THEME_OF_CHALLENGE = {
    "ageing-population": "HEAL",
    "climate-change": "ENVI",
    "food-water-energy": "ENER",
    "creativity-education": "EDUC",
    "active-citizenship": "GOVE",
    "translocal-solidarity": "SOCI",
    "security-privacy": "JUST",
}


def catalog_header(base_uri: str, *, title: str, contact_email: str) -> list[Triple]:
    """The catalog itself: what DCAT-AP and DCAT-AP-NL ask of a ``dcat:Catalog``."""
    base = base_uri.rstrip("/")
    catalog = NamedNode(catalog_uri(base))
    publisher = NamedNode(f"{base}/#registry")
    contact = NamedNode(f"{base}/#contact")
    return [
        Triple(catalog, rdf.type, dcat.Catalog),
        Triple(catalog, dct.title, Literal(title, language="en")),
        Triple(
            catalog,
            dct.description,
            Literal(
                "Rights-free knowledge and intellectual property offered for open innovation,"
                " harvested from the feeds of the institutions that publish it, every licence"
                " resolved.",
                language="en",
            ),
        ),
        Triple(catalog, dct.publisher, publisher),
        Triple(catalog, foaf.homepage, NamedNode(f"{base}/")),
        Triple(NamedNode(f"{base}/"), rdf.type, foaf.Document),
        Triple(catalog, dcat.contactPoint, contact),
        Triple(catalog, dcat.themeTaxonomy, NamedNode(CHALLENGE_SCHEME)),
        Triple(catalog, dcat.themeTaxonomy, NamedNode(TYPE_SCHEME)),
        Triple(catalog, dcat.themeTaxonomy, NamedNode(_EU_THEME)),
        Triple(publisher, rdf.type, foaf.Agent),
        Triple(publisher, foaf.name, Literal(title)),
        Triple(contact, rdf.type, vcard.Kind),
        Triple(contact, rdf.type, vcard.Organization),
        Triple(contact, vcard.fn, Literal(title)),
        Triple(contact, vcard.hasEmail, NamedNode(f"mailto:{contact_email}")),
        *_scheme(_EU_THEME, "Data theme (EU)"),
        *_scheme(CHALLENGE_SCHEME, "Societal challenges"),
        *_scheme(TYPE_SCHEME, "Resource types"),
    ]


def _scheme(iri: str, title: str) -> list[Triple]:
    node = NamedNode(iri)
    return [
        Triple(node, rdf.type, skos.ConceptScheme),
        Triple(node, dct.title, Literal(title, language="en")),
    ]


def dataset_triples(
    record: Work | IPOffer, *, base_uri: str, updated: datetime | None = None
) -> list[Triple]:
    """One record as a DCAT-AP dataset of the catalog, with its distribution and its
    catalog record."""
    base = base_uri.rstrip("/")
    uri = record_uri(base, record.id)
    subject = NamedNode(uri)
    out: list[Triple] = []
    add: Callable[[NamedNode, NamedNode, NamedNode | Literal], None] = lambda s, p, o: out.append(  # noqa: E731
        Triple(s, p, o)
    )

    def node(fragment: str) -> NamedNode:
        return NamedNode(f"{uri}#{fragment}")

    catalog = NamedNode(catalog_uri(base))
    add(catalog, dcat.dataset, subject)
    add(subject, rdf.type, dcat.Dataset)
    add(subject, rdf.type, dcat.Resource)
    add(subject, dct.title, text(record.title))
    add(subject, dct.description, text(record.description or record.title))
    add(subject, dct.identifier, Literal(uri))
    add(subject, dct.accessRights, _PUBLIC)
    add(_PUBLIC, rdf.type, dct.RightsStatement)
    for keyword in record.subjects:
        add(subject, dcat.keyword, text(keyword))
    if record.issued:
        issued = date_literal(record.issued)
        if issued.datatype != xsd.string:
            add(subject, dct.issued, issued)
    if record.modified:
        add(subject, dct.modified, datetime_literal(record.modified))
    if record.landing_page:
        page = resource(record.landing_page)
        if isinstance(page, NamedNode):
            add(subject, dcat.landingPage, page)
            add(page, rdf.type, foaf.Document)
    languages = []
    for code in record.languages:
        eu = _EU_LANGUAGES.get(code.lower())
        if eu:
            language = NamedNode(_EU_LANGUAGE + eu)
            languages.append(language)
            add(subject, dct.language, language)
            add(language, rdf.type, dct.LinguisticSystem)

    source_name = record.source
    publisher = node("publisher")
    add(subject, dct.publisher, publisher)
    add(publisher, rdf.type, foaf.Agent)
    add(publisher, foaf.name, text(record.publisher or source_name))
    creators = record.creators or [record.publisher or source_name]
    for n, name in enumerate(creators, start=1):
        agent = node(f"creator-{n}")
        add(subject, dct.creator, agent)
        add(agent, rdf.type, foaf.Agent)
        add(agent, foaf.name, text(name))
    contact = node("contact-point")
    add(subject, dcat.contactPoint, contact)
    add(contact, rdf.type, vcard.Kind)
    add(contact, rdf.type, vcard.Organization)
    add(contact, vcard.fn, text(record.publisher or source_name))
    reach = resource(record.landing_page or uri)
    add(contact, vcard.hasURL, reach if isinstance(reach, NamedNode) else subject)

    for theme, label in _themes(record).items():
        add(subject, dcat.theme, theme)
        add(theme, rdf.type, skos.Concept)
        add(theme, skos.prefLabel, Literal(label, language="en"))

    distribution = node("distribution")
    add(subject, dcat.distribution, distribution)
    add(distribution, rdf.type, dcat.Distribution)
    access = resource(record.landing_page) if record.landing_page else subject
    access_url = access if isinstance(access, NamedNode) else subject
    add(distribution, dcat.accessURL, access_url)
    add(access_url, rdf.type, rdfs.Resource)
    # DCAT-AP-NL asks every distribution for a licence: the resolved one, else the rights
    # statement the source made, else the statement that nobody determined the rights.
    terms = resource(record.licence.uri) if record.licence.uri else None
    known = licence_by_uri(record.licence.uri)
    if not isinstance(terms, NamedNode):
        terms, known = NamedNode(_UNDETERMINED_RIGHTS), licence_by_uri(_UNDETERMINED_RIGHTS)
    add(distribution, dct.license, terms)
    add(terms, rdf.type, dct.LicenseDocument)
    if known is not None and known.kind == "rights-statement":
        add(distribution, dct.rights, terms)
        add(terms, rdf.type, dct.RightsStatement)

    catalog_record = node("record")
    add(catalog, dcat.record, catalog_record)
    add(catalog_record, rdf.type, dcat.CatalogRecord)
    add(catalog_record, foaf.primaryTopic, subject)
    if updated is not None:
        add(catalog_record, dct.modified, datetime_literal(updated))
    add(catalog_record, dct.language, languages[0] if languages else _UNDETERMINED)
    if not languages:
        add(_UNDETERMINED, rdf.type, dct.LinguisticSystem)
    return out


_UNDETERMINED = NamedNode(_EU_LANGUAGE + "UND")


def _themes(record: Work | IPOffer) -> dict[NamedNode, str]:
    """The record's themes with their English labels."""
    themes: dict[NamedNode, str] = {}
    for slug in record.challenges:
        if slug in CHALLENGES:
            themes[challenge[slug]] = CHALLENGES[slug]["en"]
            eu = _THEME_OF_CHALLENGE[slug]
            themes[NamedNode(_EU_THEME + eu)] = _EU_THEME_LABELS[eu]
    for kind in (type_slug(t) for t in getattr(record, "types", [])):
        if kind:
            themes[type_concept[kind]] = TYPES[kind][0]
    if not themes:
        themes[type_concept["other"]] = TYPES["other"][0]
    return themes


def page_triples(
    base_uri: str,
    *,
    page_url: str,
    first_url: str,
    next_url: str | None,
    total: int,
    items: Iterable[Triple],
) -> list[Triple]:
    """A Hydra view of the catalog: this page, the first, the next (when there is one),
    and how many datasets the whole (filtered) collection holds."""
    catalog = NamedNode(catalog_uri(base_uri.rstrip("/")))
    page = NamedNode(page_url)
    out = [
        Triple(catalog, rdf.type, hydra.Collection),
        Triple(catalog, hydra.totalItems, Literal(str(total), datatype=xsd.integer)),
        Triple(catalog, hydra.view, page),
        Triple(page, rdf.type, hydra.PartialCollectionView),
        Triple(page, hydra.first, NamedNode(first_url)),
    ]
    if next_url:
        out.append(Triple(page, hydra.next, NamedNode(next_url)))
    out.extend(items)
    return out
