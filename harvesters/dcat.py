"""DCAT catalogs (DCAT-AP, DCAT-AP-NL): every dataset with its distributions and licences.

A catalog is read document by document: the source URL, then each page its Hydra paging
points to. Each document is parsed as a stream of triples (pyoxigraph); the triples that
describe datasets are grouped per subject, and every ``dcat:Dataset`` becomes one
:class:`~harvesters.base.RawRecord` of format ``dcat`` whose payload holds plain values
(see :func:`describe_dataset`). Memory is bounded by one document, never the catalog.

Protocol facts:

=====================  ===========================================================================
syntax                 the ``Content-Type``, else the URL's suffix, else the first bytes; Turtle,
                       N-Triples, RDF/XML, JSON-LD (also TriG, N-Quads); source option ``format``
                       overrides it (``turtle``, ``ntriples``, ``rdfxml``, ``jsonld``, ...)
paging                 ``hydra:next`` (``hydra:PartialCollectionView``) or ``hydra:nextPage``
                       (``hydra:PagedCollection``), in both Hydra namespaces, as an IRI or a
                       literal; a page seen twice, or repeating an earlier page's datasets, is a
                       :class:`~registry.errors.FeedError`; at most ``max_pages`` pages (option)
checkpoint             ``{"next": url, "pages": n}``; inside a long document also ``"after"``,
                       the last dataset written (datasets go out sorted by identifier)
since                  DCAT has no server-side filter: every run lists the whole catalog, so a
                       finished run sets ``listed_all`` and vanished datasets become tombstones;
                       the first document is fetched conditionally, and a 304 lists nothing
identifier             the dataset's IRI; ``dct:identifier`` for a blank node
datestamp              ``dct:modified``, else ``dct:issued``
safety                 RDF/XML that declares entities is refused (no XXE, no "billion laughs");
                       JSON-LD remote contexts are never fetched
=====================  ===========================================================================
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, ClassVar
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
from lxml import etree

from harvesters.base import Harvester, Page, RawRecord, RecordError, snippet
from harvesters.fetch import FetchResponse
from harvesters.oaipmh import parse_datestamp
from registry.errors import FeedError

__all__ = ["ACCEPT", "DCATHarvester", "describe_dataset", "syntax_of"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"
ADMS = "http://www.w3.org/ns/adms#"
ODRS = "http://schema.theodi.org/odrs#"
#: Creative Commons REL, current and historical namespace.
CC = ("http://creativecommons.org/ns#", "http://web.resource.org/cc/")
#: Hydra core, current and early namespace.
HYDRA = ("http://www.w3.org/ns/hydra/core#", "http://purl.org/hydra/core#")

TYPE = RDF + "type"
DATASET_TYPES = frozenset({DCAT + "Dataset", DCAT + "DatasetSeries"})

#: What the registry asks for: the syntaxes it parses fastest first.
ACCEPT = (
    "text/turtle, application/n-triples;q=0.95, application/rdf+xml;q=0.9,"
    " application/ld+json;q=0.8, application/trig;q=0.7, application/n-quads;q=0.7, */*;q=0.1"
)

#: Media types that name one RDF syntax (others, such as application/xml, are sniffed).
MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "text/x-nquads": ox.RdfFormat.N_QUADS,
}

#: URL suffixes, when the media type says nothing precise.
SUFFIXES: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}

#: Values of the source option ``format``.
FORMAT_NAMES: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}

# Properties read, per kind of node (several properties: all of them, in this order).
TITLE = (DCT + "title",)
DESCRIPTION = (DCT + "description",)
KEYWORD = (DCAT + "keyword",)
THEME = (DCAT + "theme", DCT + "subject")
LANGUAGE = (DCT + "language",)
LANDING_PAGE = (DCAT + "landingPage",)
IDENTIFIER = (DCT + "identifier",)
OTHER_IDENTIFIER = (ADMS + "identifier",)
ISSUED = (DCT + "issued",)
MODIFIED = (DCT + "modified",)
PUBLISHER = (DCT + "publisher",)
CREATOR = (DCT + "creator",)
CONTACT_POINT = (DCAT + "contactPoint", ADMS + "contactPoint")
LICENSE = (DCT + "license", *(ns + "license" for ns in CC))
RIGHTS = (DCT + "rights",)
ACCESS_RIGHTS = (DCT + "accessRights",)
DISTRIBUTION = (DCAT + "distribution",)
ACCESS_URL = (DCAT + "accessURL",)
DOWNLOAD_URL = (DCAT + "downloadURL",)
FORMAT = (DCT + "format",)
MEDIA_TYPE = (DCAT + "mediaType",)
CATALOG_DATASET = (DCAT + "dataset",)
#: Names of an agent (publisher, creator, contact point).
NAME = (
    FOAF + "name",
    VCARD + "fn",
    VCARD + "organization-name",
    SKOS + "prefLabel",
    RDFS + "label",
)
EMAIL = (VCARD + "hasEmail", FOAF + "mbox")
URL = (VCARD + "hasURL", FOAF + "homepage")
VALUE = (VCARD + "hasValue", RDF + "value")
#: Words that describe a licence document, a rights statement or a concept.
LABEL = (
    DCT + "title",
    RDFS + "label",
    SKOS + "prefLabel",
    FOAF + "name",
    DCT + "identifier",
    DCT + "description",
)
#: Other names of a licence document: the same licence elsewhere (DCAT-AP maps local
#: licences to the EU licence authority with skos:exactMatch), or ODRS licences.
SAME_AS = (SKOS + "exactMatch", OWL + "sameAs", ODRS + "dataLicense", ODRS + "contentLicense")
ATTRIBUTION_TEXT = (ODRS + "attributionText",)
NOTATION = (SKOS + "notation",)
#: What a node stands for when it is given where a plain value is expected (a format as a
#: ``dct:IMT`` with ``rdf:value``, an email address as a vCard node, an ``adms:Identifier``).
DESCRIBED_BY = (*VALUE, *NOTATION, *LABEL)
NEXT_PAGE = tuple(ns + name for ns in HYDRA for name in ("next", "nextPage"))
PAGE_TYPES = frozenset(
    ns + name for ns in HYDRA for name in ("PartialCollectionView", "PagedCollection")
)

#: Every property any of the above reads: the only triples kept in memory.
KEPT = frozenset(
    {TYPE}.union(
        TITLE, DESCRIPTION, KEYWORD, THEME, LANGUAGE, LANDING_PAGE, IDENTIFIER, OTHER_IDENTIFIER,
        ISSUED, MODIFIED, PUBLISHER, CREATOR, CONTACT_POINT, LICENSE, RIGHTS, ACCESS_RIGHTS,
        DISTRIBUTION, ACCESS_URL, DOWNLOAD_URL, FORMAT, MEDIA_TYPE, CATALOG_DATASET, NAME, EMAIL,
        URL, VALUE, LABEL, SAME_AS, ATTRIBUTION_TEXT, NOTATION, NEXT_PAGE,
    )
)  # fmt: skip

#: Datasets per harvester page: a long document goes to the store in several transactions.
BATCH = 500
#: Documents followed at most, unless the source option ``max_pages`` says otherwise.
MAX_PAGES = 10_000
#: How far into an RDF/XML document its root element must start (the prolog is read first).
_PROLOG_LIMIT = 1024 * 1024
_PROLOG_CHUNK = 4096

Subject = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal


# --- syntax -------------------------------------------------------------------------------


def syntax_of(content_type: str | None, url: str, head: bytes) -> ox.RdfFormat:
    """The RDF syntax of a document: by its media type, else its URL suffix, else its start."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in MEDIA_TYPES:
        return MEDIA_TYPES[media_type]
    path = urlsplit(url).path.lower()
    for suffix, syntax in SUFFIXES.items():
        if path.endswith(suffix):
            return syntax
    return _sniff(head)


# An XML start: a declaration, a doctype, or an element name (``<rdf:RDF ...``), where Turtle
# and N-Triples start with an IRI (``<http://...>``), a prefix or a comment.
_XML_START = re.compile(rb"<[?!]|<[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?(?:\s|/?>)")


def _sniff(head: bytes) -> ox.RdfFormat:
    """The syntax the first bytes of a document look like (Turtle when nothing tells, as
    N-Triples is Turtle too)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"{", b"[")):
        return ox.RdfFormat.JSON_LD
    if _XML_START.match(text):
        return ox.RdfFormat.RDF_XML
    return ox.RdfFormat.TURTLE


def _refuse_entities(body: IO[bytes], url: str) -> None:
    """Refuse RDF/XML whose DTD declares entities, before the RDF parser sees it.

    The RDF/XML parser never reads external entities, but expands internal ones without
    limit ("billion laughs"); entity declarations have no place in a catalog. The prolog is
    read with a parser that loads nothing and expands nothing.
    """
    parser = etree.XMLPullParser(
        events=("start",),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
    )
    try:
        read = 0
        while read < _PROLOG_LIMIT:
            chunk = body.read(_PROLOG_CHUNK)
            if chunk:
                read += len(chunk)
                parser.feed(chunk)
            else:
                parser.close()
            for _event, element in parser.read_events():
                if not isinstance(element, etree._Element):
                    continue
                if _declares_entities(element.getroottree().docinfo.internalDTD):
                    raise FeedError(
                        "the RDF/XML document declares entities in its DTD; the registry"
                        " does not read such documents (they can hide external entities or"
                        " expand without limit)",
                        url=url,
                    )
                return
            if not chunk:
                return
        raise FeedError(
            f"the RDF/XML document has no root element in its first {_PROLOG_LIMIT} bytes",
            url=url,
        )
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not readable RDF/XML: {exc}", url=url) from None
    finally:
        body.seek(0)


def _declares_entities(dtd: Any) -> bool:
    """Whether a DTD declares general or parameter entities (typed loosely: the lxml stubs
    do not know :meth:`lxml.etree.DTD.iterentities`)."""
    return dtd is not None and any(True for _ in dtd.iterentities())


# --- one document as grouped triples ------------------------------------------------------


@dataclass(slots=True)
class Graph:
    """The triples of one document that describe datasets, grouped by subject.

    Only properties in :data:`KEPT` are held; everything else streams past.
    """

    properties: dict[Subject, dict[str, list[Term]]] = field(default_factory=dict)

    def add(self, subject: Subject, predicate: str, obj: Term) -> None:
        self.properties.setdefault(subject, {}).setdefault(predicate, []).append(obj)

    def objects(self, subject: Term, predicates: Iterable[str]) -> list[Term]:
        """The objects of ``subject`` for ``predicates``, in order, without repeats."""
        described = self.properties.get(subject) if not isinstance(subject, ox.Literal) else None
        if not described:
            return []
        out: list[Term] = []
        for predicate in predicates:
            out.extend(described.get(predicate, ()))
        return list(dict.fromkeys(out))

    def types(self, subject: Term) -> set[str]:
        return {t.value for t in self.objects(subject, (TYPE,)) if isinstance(t, ox.NamedNode)}

    def datasets(self) -> list[Subject]:
        """Subjects typed as datasets, and what a catalog lists as its datasets."""
        found: dict[Subject, None] = {}
        for subject, described in self.properties.items():
            types = described.get(TYPE, ())
            if any(isinstance(t, ox.NamedNode) and t.value in DATASET_TYPES for t in types):
                found[subject] = None
            for listed in self.objects(subject, CATALOG_DATASET):
                if not isinstance(listed, ox.Literal) and listed in self.properties:
                    found[listed] = None
        return list(found)

    # plain values ----------------------------------------------------------------------

    def literals(self, subject: Term, predicates: Iterable[str]) -> list[dict[str, str | None]]:
        """Literal objects as ``{"value", "lang"}`` (whitespace collapsed, empty ones dropped)."""
        out = []
        for term in self.objects(subject, predicates):
            if isinstance(term, ox.Literal):
                value = " ".join(term.value.split())
                if value:
                    out.append({"value": value, "lang": term.language})
        return _unique(out)

    def texts(self, subject: Term, predicates: Iterable[str]) -> list[str]:
        """Literal values and IRIs (``mailto:`` dropped), without repeats."""
        out = []
        for term in self.objects(subject, predicates):
            text = _text(term)
            if text:
                out.append(text)
        return list(dict.fromkeys(out))

    def first_text(self, subject: Term, predicates: Iterable[str]) -> str | None:
        found = self.texts(subject, predicates)
        return found[0] if found else None

    def values(self, subject: Term, predicates: Iterable[str]) -> list[str]:
        """Values that may be given as a literal, an IRI, or a node that says what it stands
        for (:data:`DESCRIBED_BY`: an email address, a format, an identifier)."""
        out = []
        for term in self.objects(subject, predicates):
            text = None if isinstance(term, ox.Literal) else self.first_text(term, DESCRIBED_BY)
            if text is None:
                text = _text(term)
            if text:
                out.append(text)
        return list(dict.fromkeys(out))

    def agent(self, term: Term) -> dict[str, Any]:
        """A publisher or creator: its IRI and names (a literal agent is its own name)."""
        if isinstance(term, ox.Literal):
            return {"uri": None, "names": self.literal_list(term)}
        return {
            "uri": term.value if isinstance(term, ox.NamedNode) else None,
            "names": self.literals(term, NAME),
        }

    @staticmethod
    def literal_list(term: ox.Literal) -> list[dict[str, str | None]]:
        value = " ".join(term.value.split())
        return [{"value": value, "lang": term.language}] if value else []

    def contact(self, term: Term) -> dict[str, Any]:
        """A contact point (vCard): name, email and web address."""
        if isinstance(term, ox.Literal):
            return {"uri": None, "name": _text(term), "email": None, "url": None}
        names = self.texts(term, NAME)
        emails = [e.removeprefix("mailto:") for e in self.values(term, EMAIL)]
        urls = self.values(term, URL)
        return {
            "uri": term.value if isinstance(term, ox.NamedNode) else None,
            "name": names[0] if names else None,
            "email": emails[0] if emails else None,
            "url": urls[0] if urls else None,
        }

    def statement(self, term: Term) -> dict[str, Any]:
        """A licence or rights statement: its IRI, its words and the IRIs it matches."""
        if isinstance(term, ox.Literal):
            value = " ".join(term.value.split())
            return {"uri": None, "labels": [value] if value else [], "matches": []}
        out: dict[str, Any] = {
            "uri": term.value if isinstance(term, ox.NamedNode) else None,
            "labels": self.texts(term, LABEL),
            "matches": [
                t.value for t in self.objects(term, SAME_AS) if isinstance(t, ox.NamedNode)
            ],
        }
        attribution = self.first_text(term, ATTRIBUTION_TEXT)
        if attribution:
            out["attribution"] = attribution
        return out

    def next_page(self, page_url: str) -> str | None:
        """The next page named by Hydra paging: that of the page itself first, then that of
        a typed view or paged collection, then any."""
        ranked: list[tuple[int, str]] = []
        for subject, described in self.properties.items():
            targets = [t for p in NEXT_PAGE for t in described.get(p, ())]
            if not targets:
                continue
            if isinstance(subject, ox.NamedNode) and subject.value == page_url:
                rank = 0
            elif self.types(subject) & PAGE_TYPES:
                rank = 1
            else:
                rank = 2
            for target in targets:
                value = target.value.strip() if not isinstance(target, ox.BlankNode) else ""
                if value:
                    ranked.append((rank, urljoin(page_url, value)))
        return min(ranked, key=lambda r: r[0])[1] if ranked else None


def _text(term: Term) -> str | None:
    if isinstance(term, ox.Literal):
        return " ".join(term.value.split()) or None
    if isinstance(term, ox.NamedNode):
        return term.value
    return None


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def read_graph(body: IO[bytes], syntax: ox.RdfFormat, *, base_iri: str, url: str) -> Graph:
    """The dataset-describing triples of one document; :class:`FeedError` when it cannot
    be read. Named graphs are merged: a catalog is one graph."""
    if syntax == ox.RdfFormat.RDF_XML:
        _refuse_entities(body, url)
    graph = Graph()
    try:
        for quad in ox.parse(body, syntax, base_iri=base_iri, lenient=True):
            predicate = quad.predicate.value
            if predicate in KEPT:
                subject = quad.subject
                if isinstance(subject, ox.NamedNode | ox.BlankNode):
                    graph.add(subject, predicate, quad.object)
    except SyntaxError as exc:
        message = exc.msg or str(exc)
        if "LoadDocumentCallback" in message:
            message = "it names a remote JSON-LD @context, which the registry does not fetch"
        raise FeedError(f"the catalog is not readable {syntax.name}: {message}", url=url) from None
    except (ValueError, OSError) as exc:
        raise FeedError(f"the catalog cannot be read as {syntax.name}: {exc}", url=url) from None
    return graph


# --- one dataset as plain values ---------------------------------------------------------


def describe_dataset(graph: Graph, subject: Subject) -> dict[str, Any]:
    """The payload of a dataset: plain values, multilingual literals as ``{"value", "lang"}``.

    Keys: ``uri``, ``title``, ``description``, ``keywords``, ``themes`` (IRIs or words),
    ``theme_labels``, ``languages``, ``landing_pages``, ``identifiers``, ``issued``,
    ``modified``, ``publisher`` and ``creators`` (``{"uri", "names"}``), ``contact_points``
    (``{"uri", "name", "email", "url"}``), ``licences``, ``rights``, ``access_rights``
    (statements: ``{"uri", "labels", "matches"[, "attribution"]}``) and ``distributions``
    (``{"uri", "title", "access_urls", "download_urls", "formats", "media_types",
    "licences", "rights"}``).
    """
    themes = graph.objects(subject, THEME)
    return {
        "uri": subject.value if isinstance(subject, ox.NamedNode) else None,
        "title": graph.literals(subject, TITLE),
        "description": graph.literals(subject, DESCRIPTION),
        "keywords": graph.literals(subject, KEYWORD),
        "themes": [t for t in (_text(theme) for theme in themes) if t],
        "theme_labels": _unique(
            [label for theme in themes for label in graph.literals(theme, (SKOS + "prefLabel",))]
        ),
        "languages": graph.values(subject, LANGUAGE),
        "landing_pages": graph.texts(subject, LANDING_PAGE),
        "identifiers": list(
            dict.fromkeys(
                graph.texts(subject, IDENTIFIER) + graph.values(subject, OTHER_IDENTIFIER)
            )
        ),
        "issued": graph.first_text(subject, ISSUED),
        "modified": graph.first_text(subject, MODIFIED),
        "publisher": [graph.agent(t) for t in graph.objects(subject, PUBLISHER)],
        "creators": [graph.agent(t) for t in graph.objects(subject, CREATOR)],
        "contact_points": [graph.contact(t) for t in graph.objects(subject, CONTACT_POINT)],
        "licences": [graph.statement(t) for t in graph.objects(subject, LICENSE)],
        "rights": [graph.statement(t) for t in graph.objects(subject, RIGHTS)],
        "access_rights": [graph.statement(t) for t in graph.objects(subject, ACCESS_RIGHTS)],
        "distributions": sorted(
            (_distribution(graph, d) for d in graph.objects(subject, DISTRIBUTION)),
            key=lambda d: (d["uri"] or "", json.dumps(d, sort_keys=True)),
        ),
    }


def _distribution(graph: Graph, node: Term) -> dict[str, Any]:
    titles = graph.literals(node, TITLE)
    return {
        "uri": node.value if isinstance(node, ox.NamedNode) else None,
        "title": titles[0]["value"] if titles else None,
        # a literal where a distribution should be is a bare link to the data
        "access_urls": [_text(node)]
        if isinstance(node, ox.Literal)
        else graph.texts(node, ACCESS_URL),
        "download_urls": graph.texts(node, DOWNLOAD_URL),
        "formats": graph.values(node, FORMAT),
        "media_types": graph.values(node, MEDIA_TYPE),
        "licences": [graph.statement(t) for t in graph.objects(node, LICENSE)],
        "rights": [graph.statement(t) for t in graph.objects(node, RIGHTS)],
    }


def _datestamp(payload: dict[str, Any]) -> datetime | None:
    for key in ("modified", "issued"):
        value = payload.get(key)
        if isinstance(value, str):
            moment = parse_datestamp(value)
            if moment is not None:
                return moment
    return None


@dataclass(slots=True)
class _Dataset:
    identifier: str
    payload: dict[str, Any]


def _datasets(graph: Graph) -> tuple[list[_Dataset], list[RecordError]]:
    """The datasets of a document sorted by identifier, and those it cannot identify."""
    found: dict[str, _Dataset] = {}
    errors: list[RecordError] = []
    for subject in graph.datasets():
        payload = describe_dataset(graph, subject)
        identifier = payload["uri"] or next(iter(payload["identifiers"]), None)
        if not identifier:
            errors.append(
                RecordError(
                    identifier=None,
                    message="a dataset without an IRI has no dct:identifier: it cannot be"
                    " told apart from one harvest to the next",
                    stage="parse",
                    snippet=snippet(json.dumps(payload, ensure_ascii=False)),
                )
            )
            continue
        if identifier in found:
            errors.append(
                RecordError(
                    identifier=identifier,
                    message="two datasets of the page have this identifier; the first is kept",
                    stage="parse",
                    snippet=snippet(json.dumps(payload, ensure_ascii=False)),
                )
            )
            continue
        found[identifier] = _Dataset(identifier, payload)
    return [found[key] for key in sorted(found)], errors


# --- the harvester ---------------------------------------------------------------------------


class DCATHarvester(Harvester):
    """Reads a DCAT catalog, following its Hydra pages; every run lists it whole.

    Source options: ``format`` (the syntax, when the server does not say it right) and
    ``max_pages`` (how many documents to follow at most, default :data:`MAX_PAGES`).
    """

    kind: ClassVar[str] = "dcat"
    batch_size: ClassVar[int] = BATCH

    def pages(
        self, *, since: datetime | None = None, resume: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        state = resume or {}
        url = str(state.get("next") or self.source.url)
        after = state.get("after") if isinstance(state.get("after"), str) else None
        done = int(state.get("pages") or 0)
        limit = self._max_pages()
        seen_urls: set[str] = set()
        seen_pages: set[str] = set()
        first = not state
        while True:
            if done >= limit:
                yield Page()  # no checkpoint: the next run starts afresh
                raise FeedError(
                    f"the catalog has more than {limit} pages (source option max_pages)",
                    url=url,
                )
            seen_urls.add(url)
            # A fresh run asks the first document conditionally (a --full run has no validators)
            response = self.fetch(url, headers={"Accept": ACCEPT}, conditional=first)
            if response is None:  # unchanged since the last run: nothing listed
                yield Page()
                return
            first = False
            seen_urls.add(response.url)
            graph = self._read(response)
            next_url = graph.next_page(response.url)
            datasets, errors = _datasets(graph)
            del graph
            fingerprint = hashlib.blake2b(
                "\x1f".join(d.identifier for d in datasets).encode(), digest_size=16
            ).hexdigest()
            if datasets and fingerprint in seen_pages:
                yield Page()
                raise FeedError(
                    f"the page {response.url} lists the same datasets as an earlier page",
                    url=response.url,
                )
            seen_pages.add(fingerprint)
            looping = next_url is not None and next_url in seen_urls
            ahead = None if next_url is None or looping else {"next": next_url, "pages": done + 1}
            yield from self._batches(url, datasets, errors, after, done, ahead)
            if looping:
                raise FeedError(
                    f"the catalog's pages loop: {response.url} leads back to {next_url}",
                    url=response.url,
                )
            if next_url is None:
                break
            url, after, done = next_url, None, done + 1
        self.listed_all = True

    def _max_pages(self) -> int:
        value = self.source.options.get("max_pages")
        try:
            return max(1, int(value)) if value else MAX_PAGES
        except ValueError:
            return MAX_PAGES

    def _read(self, response: FetchResponse) -> Graph:
        body = response.open()
        head = body.read(512)
        body.seek(0)
        forced = self.source.options.get("format", "").strip().lower()
        if forced and forced not in FORMAT_NAMES:
            raise FeedError(
                f"unknown format option {forced!r}; one of {', '.join(FORMAT_NAMES)}",
                url=response.url,
            )
        syntax = (
            FORMAT_NAMES[forced]
            if forced
            else syntax_of(response.headers.get("content-type"), response.url, head)
        )
        return read_graph(body, syntax, base_iri=response.url, url=response.url)

    def _batches(
        self,
        url: str,
        datasets: list[_Dataset],
        errors: list[RecordError],
        after: str | None,
        done: int,
        ahead: dict[str, Any] | None,
    ) -> Iterator[Page]:
        """The datasets of one document as pages of :attr:`batch_size` records; each but the
        last checkpoints inside the document (``after`` its last dataset)."""
        if after is not None:  # resumed inside this document: its errors were written
            datasets = [d for d in datasets if d.identifier > after]
            errors = []
        if not datasets:
            yield Page(errors=errors, checkpoint=ahead)
            return
        for start in range(0, len(datasets), self.batch_size):
            chunk = datasets[start : start + self.batch_size]
            last = start + self.batch_size >= len(datasets)
            checkpoint = (
                ahead if last else {"next": url, "after": chunk[-1].identifier, "pages": done}
            )
            yield Page(
                records=[
                    RawRecord(
                        identifier=d.identifier,
                        datestamp=_datestamp(d.payload),
                        format="dcat",
                        payload=d.payload,
                    )
                    for d in chunk
                ],
                errors=errors if start == 0 else [],
                checkpoint=checkpoint,
            )
