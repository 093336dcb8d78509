"""DCAT datasets (DCAT-AP, DCAT-AP-NL) as works.

The payload is what :func:`harvesters.dcat.describe_dataset` read: plain values, with
multilingual literals as ``{"value", "lang"}`` and licence statements as ``{"uri",
"labels", "matches"}``. Where several languages are given the registry prefers Dutch, then
English, then a literal without a language.

A dataset's licence, in this order (the first level that names a licence decides):

=============================  ============================================================
1. the dataset's own           ``dct:license`` / ``cc:license`` on the dataset; of several,
                               the most restrictive
2. its distributions'          each distribution's licence (or, without one, its
                               ``dct:rights``); when they differ, the most restrictive
3. the dataset's ``dct:rights``  the statement that names a licence best
=============================  ============================================================

Each statement is tried as its IRI, then the IRIs it matches (``skos:exactMatch``, an ODRS
licence), then its words. "Most restrictive": permission before restricted before open,
then no commercial use, no adaptations, attribution required; a statement that names no
known licence counts as most restrictive of all, since nothing says what it allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harvesters.base import RawRecord
from registry.licences import normalise_many
from registry.licences._attribution import _names_of
from registry.models import CHALLENGES, LicenceRef, Source, Work
from registry.normalise._common import Mapper, NormaliseError, build_work, split_rights
from registry.rdf._terms import CHALLENGES as _CHALLENGE_CONCEPTS

__all__ = [
    "LANGUAGE_AUTHORITIES",
    "MAPPERS",
    "choose_licence",
    "file_format",
    "language",
    "map_dcat_dataset",
    "map_rdf_description",
]

#: Preferred languages of titles, descriptions and names ("" is a literal without one).
PREFERRED_LANGUAGES = ("nl", "en", "")

#: Language vocabularies whose IRIs end in a language code.
LANGUAGE_AUTHORITIES = (
    "http://publications.europa.eu/resource/authority/language/",
    "http://id.loc.gov/vocabulary/iso639-1/",
    "http://id.loc.gov/vocabulary/iso639-2/",
    "http://lexvo.org/id/iso639-1/",
    "http://lexvo.org/id/iso639-3/",
)

#: Codes of the EU language authority (ISO 639-3 style) for languages of the EU and its
#: neighbours, as ISO 639-1.
EU_LANGUAGES: dict[str, str] = {
    "bul": "bg", "cat": "ca", "ces": "cs", "cym": "cy", "dan": "da", "deu": "de",
    "ell": "el", "eng": "en", "est": "et", "eus": "eu", "fin": "fi", "fra": "fr",
    "fry": "fy", "gle": "ga", "glg": "gl", "hrv": "hr", "hun": "hu", "isl": "is",
    "ita": "it", "lav": "lv", "lit": "lt", "ltz": "lb", "mlt": "mt", "nld": "nl",
    "nno": "nn", "nob": "nb", "nor": "no", "pol": "pl", "por": "pt", "ron": "ro",
    "slk": "sk", "slv": "sl", "spa": "es", "swe": "sv", "tur": "tr", "ukr": "uk",
}  # fmt: skip

#: Vocabularies of file types and media types whose IRIs end in the name to show.
FORMAT_AUTHORITIES = (
    "http://publications.europa.eu/resource/authority/file-type/",
    "http://www.iana.org/assignments/media-types/",
    "https://www.iana.org/assignments/media-types/",
)

_REUSE_RANK = {"open": 0, "restricted": 1, "permission": 2}


def _preferred(items: Iterable[Any]) -> str | None:
    """The value in the most preferred language among ``{"value", "lang"}`` items."""
    literals = [i for i in items if isinstance(i, dict) and isinstance(i.get("value"), str)]
    if not literals:
        return None

    def rank(item: dict[str, Any]) -> int:
        lang = str(item.get("lang") or "").lower().split("-")[0]
        return (
            PREFERRED_LANGUAGES.index(lang)
            if lang in PREFERRED_LANGUAGES
            else len(PREFERRED_LANGUAGES)
        )

    value: str = min(literals, key=rank)["value"]
    return value


def _plain(items: Iterable[Any]) -> list[str]:
    return [i["value"] for i in items if isinstance(i, dict) and isinstance(i.get("value"), str)]


def _list(payload: dict[str, Any], key: str) -> list[Any]:
    value = payload.get(key)
    return value if isinstance(value, list) else []


def _strings(payload: dict[str, Any], key: str) -> list[str]:
    return [v for v in _list(payload, key) if isinstance(v, str) and v.strip()]


def language(value: str) -> str:
    """A language value as a code: the code at the end of a language authority IRI, ISO 639-1
    for the EU authority's codes."""
    text = value.strip()
    low = text.lower().replace("https://", "http://")
    for authority in LANGUAGE_AUTHORITIES:
        if low.startswith(authority):
            text = low[len(authority) :].strip("/")
            break
    return EU_LANGUAGES.get(text.lower(), text)


def file_format(value: str) -> str:
    """A format or media type as its name: ``CSV`` for the EU file-type IRI, ``text/csv`` for
    the IANA one."""
    text = value.strip()
    for authority in FORMAT_AUTHORITIES:
        if text.startswith(authority):
            return text[len(authority) :].strip("/") or text
    return text


def _texts(statement: Any) -> list[str]:
    """What a statement can be resolved from: its IRI, the IRIs it matches, its words."""
    if not isinstance(statement, dict):
        return []
    out = [
        statement.get("uri"),
        *(statement.get("matches") or ()),
        *(statement.get("labels") or ()),
    ]
    return [t for t in out if isinstance(t, str) and t.strip()]


def _restrictiveness(ref: LicenceRef) -> tuple[int, bool, bool, bool, bool]:
    return (
        _REUSE_RANK.get(ref.reuse_class, 2),
        ref.uri is None and ref.family is None,
        not ref.commercial,
        not ref.derivatives,
        ref.requires_attribution,
    )


def _names_a_licence(ref: LicenceRef) -> bool:
    return ref.uri is not None or ref.family is not None


def _most_restrictive(statements: Iterable[list[str]]) -> LicenceRef | None:
    """Of statements (each resolved from its best form), the most restrictive, when at least
    one of them names a licence."""
    refs = [normalise_many(forms) for forms in statements if forms]
    if not any(_names_a_licence(ref) for ref in refs):
        return None
    return max(refs, key=_restrictiveness)  # max keeps the first of equals


def _statements(items: Iterable[Any]) -> list[list[str]]:
    """The forms of each statement (attribution instructions set apart by the caller)."""
    return [forms for item in items if (forms := _texts(item))]


def choose_licence(payload: dict[str, Any]) -> tuple[list[str], str | None]:
    """The statement the record's licence comes from (as a one-item list; every statement
    when none names a licence), and an attribution instruction when the source gives one.

    Levels and "most restrictive" as the module says.
    """
    distributions = [d for d in _list(payload, "distributions") if isinstance(d, dict)]
    own = _statements(_list(payload, "licences"))
    of_distributions = [
        forms
        for d in distributions
        for forms in (_statements(_list(d, "licences")) or _statements(_list(d, "rights")))
    ]
    rights: list[list[str]] = []
    instruction = None
    for forms in _statements(_list(payload, "rights")):
        statements, said = split_rights(forms)
        instruction = instruction or said
        if statements:
            rights.append(statements)
    every = [*_list(payload, "licences"), *_list(payload, "rights")]
    for distribution in distributions:
        every += _list(distribution, "licences") + _list(distribution, "rights")
    attribution = next(
        (s["attribution"] for s in every if isinstance(s, dict) and s.get("attribution")), None
    )
    for level in (own, of_distributions, rights):
        chosen = _most_restrictive(level)
        if chosen is not None and chosen.raw:
            return [chosen.raw], instruction or attribution
    return [form for forms in (*own, *of_distributions, *rights) for form in forms], (
        instruction or attribution
    )


def _described(payload: dict[str, Any]) -> dict[str, Any]:
    """What any description (see :func:`harvesters.dcat.describe_dataset`) gives a work,
    whatever it describes: the fields of :func:`build_work` of those names."""
    agents = [a for a in _list(payload, "publisher") if isinstance(a, dict)]
    creators = [a for a in _list(payload, "creators") if isinstance(a, dict)]
    landing = _strings(payload, "landing_pages")
    issued = payload.get("issued")
    return {
        "title": _preferred(_list(payload, "title")),
        "description": _preferred(_list(payload, "description")),
        "creators": [_preferred(_list(a, "names")) for a in creators],
        "publisher": next((n for a in agents if (n := _preferred(_list(a, "names")))), None),
        "language_values": [language(v) for v in _strings(payload, "languages")],
        "landing": landing[0] if landing else None,
        "issued": issued if isinstance(issued, str) else None,
    }


def map_dcat_dataset(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """A ``dcat`` record (see :func:`harvesters.dcat.describe_dataset`) as a :class:`Work`."""
    payload = raw.payload
    if not isinstance(payload, dict):
        raise NormaliseError("the record has no DCAT description")
    rights, instruction = choose_licence(payload)
    distributions = [d for d in _list(payload, "distributions") if isinstance(d, dict)]
    uri = payload.get("uri")
    return build_work(
        source,
        raw,
        base_uri,
        **_described(payload),
        rights=rights,
        subjects=_plain(_list(payload, "keywords")) + _plain(_list(payload, "theme_labels")),
        identifiers=[uri if isinstance(uri, str) else None, *_strings(payload, "identifiers")],
        types=["Dataset"],
        formats=[
            file_format(value)
            for d in distributions
            for value in (*_strings(d, "formats"), *_strings(d, "media_types"))
        ],
        attribution_instruction=instruction,
    )


MAPPERS: dict[str, Mapper] = {"dcat": map_dcat_dataset}


# --- one resource described in RDF (an OAI-PMH ``rdf`` record that is not EDM) --------------
#
# Some repositories, this registry among them, serve each record's description as RDF/XML
# under an ``rdf`` metadataPrefix without the EDM classes. Such a record is read as DCAT
# and Dublin Core terms about the one resource it describes, found in this order:
#
# ===========================  ================================================================
# 1. a catalog record's topic  the ``foaf:primaryTopic`` of the document's ``dcat:CatalogRecord``
# 2. a typed resource          the one subject typed ``dcat:Dataset``, ``dcat:Resource``,
#                              ``schema:CreativeWork`` or ``cc:Work`` that has a title
# 3. a titled subject          the one subject with a ``dct:title``
# ===========================  ================================================================

_PRIMARY_TOPIC = "http://xmlns.com/foaf/0.1/primaryTopic"
_CATALOG_RECORD = "http://www.w3.org/ns/dcat#CatalogRecord"
_RESOURCE_TYPES = frozenset(
    {
        "http://www.w3.org/ns/dcat#Dataset",
        "http://www.w3.org/ns/dcat#Resource",
        "https://schema.org/CreativeWork",
        "http://schema.org/CreativeWork",
        "http://creativecommons.org/ns#Work",
    }
)
_TITLE = "http://purl.org/dc/terms/title"
_GENRES = ("https://schema.org/genre", "http://schema.org/genre")
_FORMATS = (
    "http://purl.org/dc/terms/format",
    "https://schema.org/encodingFormat",
    "http://schema.org/encodingFormat",
)
_ATTRIBUTION_NAME = ("http://creativecommons.org/ns#attributionName",)
_RIGHTS_HOLDER = ("http://purl.org/dc/terms/rightsHolder", "https://schema.org/copyrightHolder")


_DCT = "http://purl.org/dc/terms/"
_DC11 = "http://purl.org/dc/elements/1.1/"
#: Dublin Core's elements (as in DSpace's ``rdf`` format) and the terms read in their place.
_DC11_AS_TERMS = {
    **{
        _DC11 + name: _DCT + name
        for name in (
            "title", "description", "creator", "publisher", "subject", "language",
            "identifier", "rights", "type", "format",
        )
    },
    _DC11 + "date": _DCT + "issued",
}  # fmt: skip


def _dublin_core_as_terms(graph: Any) -> None:
    """Give each subject's Dublin Core elements as the terms it lacks (``dc:title`` as
    ``dct:title`` when it has none), so that one reading serves both."""
    for described in graph.properties.values():
        for element, term in _DC11_AS_TERMS.items():
            values = described.get(element)
            if values and term not in described:
                described[term] = list(values)


def _described_resource(graph: Any) -> Any:
    """The one resource an RDF document describes (see the table above)."""
    properties = graph.properties
    topics = {
        topic
        for subject in properties
        if _CATALOG_RECORD in graph.types(subject)
        for topic in graph.objects(subject, (_PRIMARY_TOPIC,))
        if topic in properties
    }
    if len(topics) == 1:
        return next(iter(topics))
    titled = [s for s in properties if graph.literals(s, (_TITLE,))]
    typed = [s for s in titled if graph.types(s) & _RESOURCE_TYPES]
    for candidates in (typed, titled):
        if len(candidates) == 1:
            return candidates[0]
    if not titled:
        raise NormaliseError("the RDF document describes nothing with a dct:title")
    raise NormaliseError(
        f"the RDF document describes {len(titled)} titled resources and says not which one"
        " the record is (no dcat:CatalogRecord with a foaf:primaryTopic)"
    )


def map_rdf_description(source: Source, raw: RawRecord, base_uri: str, document: bytes) -> Work:
    """A record whose metadata is an RDF/XML description of one resource in DCAT and Dublin
    Core terms (``document``: the ``rdf:RDF`` element, already read safely as XML)."""
    import pyoxigraph as ox

    from harvesters.dcat import Graph, describe_dataset

    graph = Graph()
    try:
        for quad in ox.parse(document, ox.RdfFormat.RDF_XML, base_iri=source.url, lenient=True):
            if isinstance(quad.subject, ox.NamedNode | ox.BlankNode):
                graph.add(quad.subject, quad.predicate.value, quad.object)
    except (SyntaxError, ValueError) as exc:
        raise NormaliseError(f"the RDF document cannot be read: {exc}") from None
    _dublin_core_as_terms(graph)
    subject = _described_resource(graph)
    payload = describe_dataset(graph, subject)
    rights, instruction = choose_licence(payload)
    described = _described(payload)
    holders = [graph.agent(t) for t in graph.objects(subject, _RIGHTS_HOLDER)]
    uri = payload.get("uri")
    # A name to attribute to other than the creators' and publisher's is the publisher's
    # instruction (as this registry writes its own records).
    attribute_to = graph.first_text(subject, _ATTRIBUTION_NAME)
    names = _names_of([n for n in described["creators"] if n], described["publisher"])
    if not instruction and attribute_to and attribute_to != names:
        instruction = attribute_to
    # Subjects given as words (Dublin Core's dc:subject, a literal dct:subject)
    worded = [
        text
        for term in graph.objects(subject, (_DCT + "subject",))
        if isinstance(term, ox.Literal) and (text := " ".join(term.value.split()))
    ]
    genres = graph.texts(subject, _GENRES) or graph.texts(subject, (_DCT + "type",))
    is_dataset = "http://www.w3.org/ns/dcat#Dataset" in graph.types(subject)
    work = build_work(
        source,
        raw,
        base_uri,
        **described,
        rights=rights,
        subjects=[
            *_plain(_list(payload, "keywords")),
            *worded,
            *_plain(_list(payload, "theme_labels")),
        ],
        identifiers=[*_strings(payload, "identifiers"), uri if isinstance(uri, str) else None],
        types=genres or (["Dataset"] if is_dataset else []),
        formats=[file_format(value) for value in graph.values(subject, _FORMATS)],
        rights_holder=next(
            (name for a in holders if (name := _preferred(_list(a, "names")))), None
        ),
        attribution_instruction=instruction,
    )
    # The registry's societal challenges, named by their concepts (as its own RDF does).
    named = [
        theme[len(_CHALLENGE_CONCEPTS) :]
        for theme in _strings(payload, "themes")
        if theme.startswith(_CHALLENGE_CONCEPTS)
    ]
    extra = [c for c in named if c in CHALLENGES and c not in work.challenges]
    if extra:
        work = work.model_copy(update={"challenges": [*work.challenges, *extra]})
    return work
