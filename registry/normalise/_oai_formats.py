"""OAI-PMH metadata formats beyond Dublin Core: DataCite, EDM, MODS, DIDL, qualified DC.

The OAI-PMH harvester hands over a record's metadata as XML text (``payload["xml"]``, the
metadata element's first child) and names its format by the namespace of that root
(:mod:`harvesters.oai_formats`). Each mapper here reads the fields of a work and every
rights statement its format carries; :func:`~registry.normalise._common.build_work` then
resolves the best statement to a licence.

| format | rights statements, in the order they count |
| --- | --- |
| DataCite | each ``rights``: ``rightsURI``, ``rightsIdentifier`` (SPDX) and its text; URIs first |
| EDM | ``edm:rights`` of the ``ore:Aggregation``; else of the ``edm:WebResource`` of ``edm:isShownBy``; else of any web resource; else ``dc:rights`` of the ``edm:ProvidedCHO`` |
| MODS | ``accessCondition``: ``xlink:href``, then text; "use and reproduction" first, "restriction on access" last |
| DIDL | those of the wrapped metadata (DataCite, MODS, qualified DC or oai_dc), then rights elements outside it |
| qdc | ``dcterms:license``, ``dc:rights``, ``dcterms:rights``, ``dcterms:accessRights`` |

Access-rights values (``info:eu-repo/semantics/openAccess``, COAR access rights) tell who
may read a record, not under which licence: they are dropped. A record that is not readable
XML, is not in the format its name says, or has no title raises :class:`NormaliseError`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from lxml import etree

from harvesters.base import RawRecord
from harvesters.oai_formats import FORMAT_BY_NAMESPACE
from harvesters.xml import parse_xml
from registry.errors import FeedError
from registry.licences import normalise_many
from registry.models import Source, Work
from registry.normalise._common import Mapper, NormaliseError, build_work
from registry.normalise._dc import map_dublin_core
from registry.normalise._dcat import map_rdf_description

__all__ = ["MAPPERS", "map_datacite", "map_didl", "map_edm", "map_mods", "map_oai_rdf", "map_qdc"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ORE = "http://www.openarchives.org/ore/terms/"
EDM = "http://www.europeana.eu/schemas/edm/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
MODS = "http://www.loc.gov/mods/v3"
XLINK = "http://www.w3.org/1999/xlink"
DIDL = "urn:mpeg:mpeg21:2002:02-DIDL-NS"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: Prefixes of access-rights values (lower-cased), which are not licences.
ACCESS_RIGHTS_PREFIXES: tuple[str, ...] = (
    "info:eu-repo/semantics/",
    "http://purl.org/coar/access_right/",
    "https://purl.org/coar/access_right/",
)
#: Language codes that name no language (undetermined, no linguistic content).
NO_LANGUAGE = frozenset({"und", "zxx"})
#: Identifier schemes with a resolver: the scheme names they go by, their resolver's
#: address, and the spellings of their identifiers that the address replaces.
IDENTIFIER_SCHEMES: dict[str, str] = {"doi": "doi", "handle": "hdl", "hdl": "hdl"}
RESOLVERS: dict[str, str] = {"doi": "https://doi.org/", "hdl": "https://hdl.handle.net/"}
_LEAD_INS: dict[str, re.Pattern[str]] = {
    "doi": re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE),
    "hdl": re.compile(r"^(?:hdl:|info:hdl/|urn:hdl:|https?://hdl\.handle\.net/)", re.IGNORECASE),
}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")

#: MODS name roles (MARC relator terms and codes) that make a name a creator.
MODS_CREATOR_ROLES = frozenset(
    {
        "creator",
        "cre",
        "author",
        "aut",
        "artist",
        "art",
        "photographer",
        "pht",
        "composer",
        "cmp",
        "illustrator",
        "ill",
        "cartographer",
        "ctg",
        "designer",
        "dsr",
        "architect",
        "arc",
        "painter",
        "engraver",
        "egr",
        "originator",
        "org",
    }
)
#: MODS accessCondition types, by how much they say about reuse (lower comes first).
MODS_ACCESS_CONDITION_RANK: dict[str, int] = {
    "use and reproduction": 0,
    "useandreproduction": 0,
    "": 1,
    "restriction on access": 3,
    "restrictiononaccess": 3,
}
_MODS_OTHER_CONDITION_RANK = 2
#: Wrapped formats a DIDL document is read through, the richest first.
DIDL_WRAPPED_FORMATS: tuple[str, ...] = ("datacite", "mods", "qdc", "oai_dc")
#: Rights elements found outside a DIDL document's wrapped metadata.
DIDL_RIGHTS_TAGS: tuple[str, ...] = (
    f"{{{DCTERMS}}}license",
    f"{{{DC}}}rights",
    f"{{{DCTERMS}}}rights",
    f"{{{DCTERMS}}}accessRights",
)
#: The rights elements of qualified DC (``dc:`` or ``dcterms:``), in the order they count.
QDC_RIGHTS = ("license", "rights", "accessRights")


# -- reading XML ------------------------------------------------------------------------


def _parse(raw: RawRecord, label: str) -> etree._Element:
    """The root element of the record's metadata XML."""
    text = (raw.payload or {}).get("xml")
    if not isinstance(text, str) or not text.strip():
        raise NormaliseError(f"the {label} record carries no metadata XML")
    try:
        return parse_xml(_XML_DECLARATION.sub("", text, count=1).encode("utf-8"))
    except FeedError as error:
        raise NormaliseError(f"the {label} metadata is not readable XML: {error}") from None


def _localname(element: etree._Element) -> str:
    return etree.QName(element).localname


def _namespace(element: etree._Element) -> str | None:
    return etree.QName(element).namespace


def _text(element: etree._Element | None) -> str:
    """The element's text (its descendants' too), whitespace collapsed."""
    if element is None:
        return ""
    return " ".join("".join(str(t) for t in element.itertext()).split())


def _texts(elements: Iterable[etree._Element]) -> list[str]:
    return [t for t in (_text(e) for e in elements) if t]


def _first(items: Iterable[str | None]) -> str | None:
    return next((item for item in items if item), None)


def _lang(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return element.get(XML_LANG) or element.get("lang") or None


def _path(namespace: str | None, path: str) -> str:
    """An ElementPath whose steps are in ``namespace`` ("titles/title" -> "{ns}titles/{ns}title")."""
    prefix = f"{{{namespace}}}" if namespace else ""
    return "/".join(step if step in ("", ".", "..") else prefix + step for step in path.split("/"))


def _resolvable(value: str, scheme: str | None) -> str:
    """An identifier as an address where its scheme, named or recognised, has a resolver."""
    value = value.strip()
    name = IDENTIFIER_SCHEMES.get((scheme or "").strip().lower()) or next(
        (name for name, lead_in in _LEAD_INS.items() if lead_in.match(value)), None
    )
    if name is None:
        return value
    return RESOLVERS[name] + _LEAD_INS[name].sub("", value)


def _is_access_right(value: str) -> bool:
    return value.strip().lower().startswith(ACCESS_RIGHTS_PREFIXES)


def _licence_statements(values: Iterable[str | None]) -> list[str]:
    """Rights values without empty ones and access-rights values, in order, once each."""
    kept = (" ".join(v.split()) for v in values if v)
    return list(dict.fromkeys(v for v in kept if v and not _is_access_right(v)))


def _languages(values: Iterable[str]) -> list[str]:
    """Language values without those that name no language; ``en_US`` written ``en-US``."""
    out = (v.strip().replace("_", "-") for v in values)
    return [v for v in out if v and v.lower() not in NO_LANGUAGE]


def _title(label: str, title: str | None) -> str:
    if not title or not title.strip():
        raise NormaliseError(f"the {label} record has no title")
    return title


def _preferred(
    elements: list[etree._Element], accept: Callable[[etree._Element], bool]
) -> etree._Element | None:
    """The first element with text that ``accept`` prefers, else the first with text."""
    with_text = [e for e in elements if _text(e)]
    return next((e for e in with_text if accept(e)), with_text[0] if with_text else None)


# -- DataCite ---------------------------------------------------------------------------


def _datacite_resource(root: etree._Element) -> etree._Element:
    """The ``resource`` element: the root, or the one inside an ``oai_datacite`` payload."""
    if _localname(root) == "resource":
        return root
    for element in root.iter():
        if not isinstance(element.tag, str) or _localname(element) != "resource":
            continue
        parent = element.getparent()
        if FORMAT_BY_NAMESPACE.get(_namespace(element) or "") == "datacite" or (
            parent is not None and _localname(parent) == "payload"
        ):
            return element
    raise NormaliseError(f"expected a DataCite resource, found <{_localname(root)}>")


def _datacite_creator(creator: etree._Element, ns: str | None) -> str | None:
    """A creator's name: creatorName, else "family, given"."""
    name = _text(creator.find(_path(ns, "creatorName")))
    if name:
        return name
    family = _text(creator.find(_path(ns, "familyName")))
    given = _text(creator.find(_path(ns, "givenName")))
    return ", ".join(p for p in (family, given) if p) or None


def _datacite_rights(resource: etree._Element, ns: str | None) -> list[str]:
    """Every rights element's URI, then SPDX identifier, then text; URIs of all first."""
    uris: list[str] = []
    identifiers: list[str] = []
    texts: list[str] = []
    for rights in resource.iterfind(_path(ns, ".//rights")):
        uris.append(rights.get("rightsURI") or "")
        identifiers.append(rights.get("rightsIdentifier") or "")
        texts.append(_text(rights))
    return _licence_statements([*uris, *identifiers, *texts])


def _datacite_identifiers(resource: etree._Element, ns: str | None) -> tuple[list[str], str | None]:
    """The identifiers (DOI and handles as addresses) and the DOI's address, if any."""
    identifiers: list[str] = []
    doi: str | None = None
    for element in resource.findall(_path(ns, "identifier")):
        scheme = element.get("identifierType")
        value = _text(element)
        if value:
            address = _resolvable(value, scheme)
            identifiers.append(address)
            if (scheme or "").upper() == "DOI" and doi is None:
                doi = address
    for element in resource.iterfind(_path(ns, "alternateIdentifiers/alternateIdentifier")):
        value = _text(element)
        if value:
            identifiers.append(_resolvable(value, element.get("alternateIdentifierType")))
    return identifiers, doi


def _datacite_issued(resource: etree._Element, ns: str | None) -> str | None:
    dates = resource.findall(_path(ns, "dates/date"))
    issued = [d for d in dates if (d.get("dateType") or "").lower() == "issued"]
    return _first([*_texts(issued), _text(resource.find(_path(ns, "publicationYear")))])


def _datacite_work(
    source: Source,
    raw: RawRecord,
    base_uri: str,
    root: etree._Element,
    extra_rights: list[str],
) -> Work:
    resource = _datacite_resource(root)
    ns = _namespace(resource)
    title = _preferred(
        resource.findall(_path(ns, "titles/title")), lambda t: not t.get("titleType")
    )
    descriptions = resource.findall(_path(ns, "descriptions/description"))
    abstract = _preferred(descriptions, lambda d: d.get("descriptionType") == "Abstract")
    identifiers, doi = _datacite_identifiers(resource, ns)
    resource_type = resource.find(_path(ns, "resourceType"))
    holders = [
        c.find(_path(ns, "contributorName"))
        for c in resource.iterfind(_path(ns, "contributors/contributor"))
        if c.get("contributorType") == "RightsHolder"
    ]
    languages = _languages(_texts(resource.findall(_path(ns, "language"))))
    return build_work(
        source,
        raw,
        base_uri,
        title=_title("DataCite", _text(title)),
        rights=[*_datacite_rights(resource, ns), *extra_rights],
        description=_text(abstract) or None,
        creators=[
            _datacite_creator(c, ns) for c in resource.iterfind(_path(ns, "creators/creator"))
        ],
        publisher=_text(resource.find(_path(ns, "publisher"))) or None,
        subjects=_texts(resource.iterfind(_path(ns, "subjects/subject"))),
        language_values=languages or _languages([_lang(title) or ""]),
        identifiers=identifiers,
        landing=doi,
        issued=_datacite_issued(resource, ns),
        types=[
            resource_type.get("resourceTypeGeneral") if resource_type is not None else None,
            _text(resource_type) or None,
        ],
        formats=_texts(resource.iterfind(_path(ns, "formats/format"))),
        rights_holder=_first(_text(h) for h in holders if h is not None),
    )


def map_datacite(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """A DataCite record (kernel 2.x, 3 or 4, bare or in an ``oai_datacite`` wrapper)."""
    return _datacite_work(source, raw, base_uri, _parse(raw, "DataCite"), [])


# -- EDM --------------------------------------------------------------------------------


def _edm_reference(element: etree._Element) -> str | None:
    """What a property points at: ``rdf:resource``, or the ``rdf:about`` of a nested node."""
    resource = element.get(f"{{{RDF}}}resource")
    if resource:
        return resource.strip()
    nested = next((c for c in element if isinstance(c.tag, str)), None)
    about = nested.get(f"{{{RDF}}}about") if nested is not None else None
    return about.strip() if about else None


def _edm_labels(root: etree._Element) -> dict[str, str]:
    """The preferred label of every contextual entity (agent, concept, place...) by URI:
    the one without a language, else the English one, else the first."""
    labels: dict[str, str] = {}
    for node in root.iter():
        about = node.get(f"{{{RDF}}}about") if isinstance(node.tag, str) else None
        if not about or about in labels:
            continue
        names = [n for n in node.findall(f"{{{SKOS}}}prefLabel") if _text(n)]
        if names:
            labels[about] = _text(min(names, key=_label_rank))
    return labels


def _label_rank(label: etree._Element) -> int:
    """0 for a label without a language, 1 for an English one, 2 for any other."""
    lang = _lang(label)
    return 0 if lang is None else 1 if lang.lower().startswith("en") else 2


class _EDMRecord:
    """An EDM document's parts: aggregations, described objects, web resources and labels."""

    def __init__(self, root: etree._Element) -> None:
        if root.tag != f"{{{RDF}}}RDF":
            raise NormaliseError(f"expected an EDM rdf:RDF document, found <{_localname(root)}>")
        self.aggregations = list(root.iter(f"{{{ORE}}}Aggregation"))
        proxies = [
            p
            for p in root.iter(f"{{{ORE}}}Proxy")
            if (p.findtext(f"{{{EDM}}}europeanaProxy") or "").strip() != "true"
        ]
        self.objects = [*root.iter(f"{{{EDM}}}ProvidedCHO"), *proxies]
        if not self.aggregations and not self.objects:
            raise NormaliseError(
                "the RDF document has no ore:Aggregation or edm:ProvidedCHO: not an EDM record"
            )
        self.web_resources = list(root.iter(f"{{{EDM}}}WebResource"))
        self.labels = _edm_labels(root)

    def elements(self, nodes: list[etree._Element], tag: str) -> Iterator[etree._Element]:
        for node in nodes:
            yield from node.iterfind(tag)

    def literals(self, nodes: list[etree._Element], tag: str) -> list[str]:
        """Values of a property: text, or the label of the entity it points at (else skipped)."""
        out: list[str] = []
        for element in self.elements(nodes, tag):
            reference = _edm_reference(element)
            value = self.labels.get(reference, "") if reference else _text(element)
            if value:
                out.append(value)
        return out

    def values(self, nodes: list[etree._Element], tag: str) -> list[str]:
        """Values of a property: the URI it points at, or its text."""
        return [v for v in (_edm_reference(e) or _text(e) for e in self.elements(nodes, tag)) if v]

    def rights_tiers(self) -> list[list[str]]:
        """The licence statements by rank: the aggregation's, the shown file's, any other
        file's, then the described object's ``dc:rights``."""
        shown_by = set(self.values(self.aggregations, f"{{{EDM}}}isShownBy"))
        shown = [w for w in self.web_resources if w.get(f"{{{RDF}}}about") in shown_by]
        others = [w for w in self.web_resources if w.get(f"{{{RDF}}}about") not in shown_by]
        return [
            self.values(self.aggregations, f"{{{EDM}}}rights"),
            self.values(shown, f"{{{EDM}}}rights"),
            self.values(others, f"{{{EDM}}}rights"),
            self.values(self.objects, f"{{{DC}}}rights"),
        ]


def _first_resolving(tiers: Iterable[list[str]]) -> list[str]:
    """The statements of the first tier that names a licence (or a family of them), so a
    lower tier never outranks it; every statement when none does."""
    kept = [_licence_statements(tier) for tier in tiers]
    for tier in kept:
        if tier:
            found = normalise_many(tier)
            if found.uri or found.family:
                return tier
    return [statement for tier in kept for statement in tier]


def _edm_work(source: Source, raw: RawRecord, base_uri: str, root: etree._Element) -> Work:
    edm = _EDMRecord(root)
    objects, aggregations = edm.objects, edm.aggregations
    titles = [
        *edm.elements(objects, f"{{{DC}}}title"),
        *edm.elements(objects, f"{{{DCTERMS}}}alternative"),
    ]
    title = _preferred(titles, lambda t: t.tag == f"{{{DC}}}title")
    shown_at = edm.values(aggregations, f"{{{EDM}}}isShownAt")
    languages = _languages(edm.literals(objects, f"{{{DC}}}language"))
    return build_work(
        source,
        raw,
        base_uri,
        title=_title("EDM", _text(title)),
        rights=_first_resolving(edm.rights_tiers()),
        description=_first(edm.literals(objects, f"{{{DC}}}description")),
        creators=edm.literals(objects, f"{{{DC}}}creator"),
        publisher=_first(
            [
                *edm.literals(objects, f"{{{DC}}}publisher"),
                *edm.literals(aggregations, f"{{{EDM}}}dataProvider"),
            ]
        ),
        subjects=edm.literals(objects, f"{{{DC}}}subject"),
        language_values=languages or _languages([_lang(title) or ""]),
        identifiers=[*edm.values(objects, f"{{{DC}}}identifier"), *shown_at],
        landing=_first(shown_at),
        issued=_first(
            [
                *edm.literals(objects, f"{{{DCTERMS}}}issued"),
                *edm.literals(objects, f"{{{DC}}}date"),
                *edm.literals(objects, f"{{{DCTERMS}}}created"),
            ]
        ),
        types=[*edm.literals(objects, f"{{{EDM}}}type"), *edm.literals(objects, f"{{{DC}}}type")],
        formats=[
            *edm.literals(objects, f"{{{DC}}}format"),
            *edm.literals(objects, f"{{{DCTERMS}}}medium"),
        ],
        rights_holder=_first(edm.literals(objects, f"{{{DCTERMS}}}rightsHolder")),
    )


def map_edm(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """An EDM record (``rdf:RDF`` with ``ore:Aggregation``, ``edm:ProvidedCHO`` and
    ``edm:WebResource``); the aggregation's ``edm:rights`` is the record's licence. An
    ``rdf:RDF`` without those classes describes one resource in DCAT and Dublin Core terms
    (as this registry's own ``rdf`` format does): :func:`map_rdf_description` reads it."""
    root = _parse(raw, "EDM")
    if root.tag == f"{{{RDF}}}RDF" and not any(
        True for _ in root.iter(f"{{{ORE}}}Aggregation", f"{{{EDM}}}ProvidedCHO", f"{{{ORE}}}Proxy")
    ):
        return map_rdf_description(source, raw, base_uri, etree.tostring(root))
    return _edm_work(source, raw, base_uri, root)


# -- MODS -------------------------------------------------------------------------------


def _m(path: str) -> str:
    return _path(MODS, path)


def _mods_root(root: etree._Element) -> etree._Element:
    if root.tag == f"{{{MODS}}}mods":
        return root
    if root.tag == f"{{{MODS}}}modsCollection":
        first = root.find(_m("mods"))
        if first is not None:
            return first
    raise NormaliseError(f"expected a MODS record, found <{_localname(root)}>")


def _mods_title(mods: etree._Element) -> etree._Element | None:
    infos = mods.findall(_m("titleInfo"))
    return _preferred([i for i in infos if _text(i.find(_m("title")))], lambda i: not i.get("type"))


def _mods_title_text(info: etree._Element | None) -> str:
    """nonSort, title and subTitle of a titleInfo, as one title."""
    if info is None:
        return ""
    non_sort = _text(info.find(_m("nonSort")))
    title = _text(info.find(_m("title")))
    if non_sort:
        title = non_sort + ("" if non_sort.endswith(("'", "’")) else " ") + title
    sub_title = _text(info.find(_m("subTitle")))
    return f"{title}: {sub_title}" if sub_title else title


def _mods_name(name: etree._Element) -> str | None:
    """A name as written: displayForm, else "family, given", else its parts (not dates)."""
    display = _text(name.find(_m("displayForm")))
    if display:
        return display
    parts = {p.get("type") or "": _text(p) for p in reversed(name.findall(_m("namePart")))}
    family, given = parts.get("family", ""), parts.get("given", "")
    if family:
        return ", ".join(p for p in (family, given) if p)
    plain = _texts(p for p in name.findall(_m("namePart")) if not p.get("type"))
    return ", ".join(plain) or given or None


def _mods_is_creator(name: etree._Element) -> bool:
    """A name without a role, marked primary, or whose role is a creator's."""
    roles = [t.lower().rstrip(".") for t in _texts(name.iterfind(_m("role/roleTerm")))]
    return not roles or name.get("usage") == "primary" or bool(MODS_CREATOR_ROLES & set(roles))


def _mods_subjects(mods: etree._Element) -> list[str]:
    out: list[str] = []
    for subject in mods.findall(_m("subject")):
        for part in subject:
            if not isinstance(part.tag, str):
                continue
            if part.tag == f"{{{MODS}}}name":
                out.append(_mods_name(part) or "")
            elif part.tag == f"{{{MODS}}}titleInfo":
                out.append(_mods_title_text(part))
            elif _localname(part) in ("topic", "geographic", "temporal", "genre", "occupation"):
                out.append(_text(part))
    return out


def _mods_languages(mods: etree._Element) -> list[str]:
    """One value per language element: its code where given, else its name."""
    out: list[str] = []
    for language in mods.findall(_m("language")):
        terms = language.findall(_m("languageTerm"))
        coded = [t for t in terms if t.get("type") == "code"]
        out.extend(_texts(coded[:1] or terms[:1]))
    return _languages(out)


def _mods_identifiers(mods: etree._Element) -> list[str]:
    identifiers = [
        _resolvable(_text(i), i.get("type"))
        for i in mods.findall(_m("identifier"))
        if _text(i) and i.get("invalid") != "yes"
    ]
    return identifiers + _texts(mods.iterfind(_m("location/url")))


def _mods_landing(mods: etree._Element) -> str | None:
    """The URL of the object in context: primary display, then in context, then any that is
    not a preview or the raw file."""
    urls = [u for u in mods.iterfind(_m("location/url")) if _text(u)]
    for accept in (
        lambda u: u.get("usage") == "primary display",
        lambda u: u.get("access") == "object in context",
        lambda u: u.get("access") not in ("preview", "raw object"),
    ):
        found = next((u for u in urls if accept(u)), None)
        if found is not None:
            return _text(found)
    return None


def _mods_issued(mods: etree._Element) -> str | None:
    """dateIssued, else dateCreated, else copyrightDate: the key date, else a single date,
    else the start of a range."""
    for tag in ("dateIssued", "dateCreated", "copyrightDate"):
        dates = [d for d in mods.iterfind(_m(f"originInfo/{tag}")) if _text(d)]
        dates.sort(key=lambda d: (d.get("keyDate") != "yes", d.get("point") is not None))
        if dates:
            return _text(dates[0])
    return None


def _mods_rights(mods: etree._Element) -> list[str]:
    """Every accessCondition, the ones about reuse first: its link, then its text."""
    conditions = mods.findall(_m("accessCondition"))
    conditions.sort(
        key=lambda c: MODS_ACCESS_CONDITION_RANK.get(
            (c.get("type") or "").strip().lower(), _MODS_OTHER_CONDITION_RANK
        )
    )
    statements: list[str] = []
    for condition in conditions:
        statements += [condition.get(f"{{{XLINK}}}href") or "", _text(condition)]
    return _licence_statements(statements)


def _mods_work(
    source: Source,
    raw: RawRecord,
    base_uri: str,
    root: etree._Element,
    extra_rights: list[str],
) -> Work:
    mods = _mods_root(root)
    title = _mods_title(mods)
    languages = _mods_languages(mods)
    return build_work(
        source,
        raw,
        base_uri,
        title=_title("MODS", _mods_title_text(title)),
        rights=[*_mods_rights(mods), *extra_rights],
        description=_first(_texts(mods.findall(_m("abstract")))),
        creators=[_mods_name(n) for n in mods.findall(_m("name")) if _mods_is_creator(n)],
        publisher=_first(_texts(mods.iterfind(_m("originInfo/publisher")))),
        subjects=_mods_subjects(mods),
        language_values=languages or _languages([_lang(title) or ""]),
        identifiers=_mods_identifiers(mods),
        landing=_mods_landing(mods),
        issued=_mods_issued(mods),
        types=[*_texts(mods.findall(_m("typeOfResource"))), *_texts(mods.findall(_m("genre")))],
        formats=[
            *_texts(mods.iterfind(_m("physicalDescription/internetMediaType"))),
            *_texts(mods.iterfind(_m("physicalDescription/form"))),
        ],
    )


def map_mods(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """A MODS record (or the first of a ``modsCollection``)."""
    return _mods_work(source, raw, base_uri, _parse(raw, "MODS"), [])


# -- qualified Dublin Core --------------------------------------------------------------


def _dc_elements(
    root: etree._Element, namespaces: tuple[str, ...]
) -> dict[str, list[etree._Element]]:
    """The Dublin Core elements under ``root`` by local name, in document order."""
    out: dict[str, list[etree._Element]] = {}
    for element in root.iter():
        if isinstance(element.tag, str) and _namespace(element) in namespaces:
            out.setdefault(_localname(element), []).append(element)
    return out


def _dc_values(fields: dict[str, list[etree._Element]], *names: str) -> list[str]:
    """The values of the named elements (their text, or the URI they point at), in order."""
    elements = sorted(
        (e for name in names for e in fields.get(name, [])),
        key=lambda e: names.index(_localname(e)),
    )
    values = (_text(e) or (e.get(f"{{{RDF}}}resource") or "").strip() for e in elements)
    return [v for v in values if v]


def _qdc_work(
    source: Source,
    raw: RawRecord,
    base_uri: str,
    root: etree._Element,
    extra_rights: list[str],
) -> Work:
    if FORMAT_BY_NAMESPACE.get(_namespace(root) or "") not in ("qdc", "oai_rdf"):
        raise NormaliseError(f"expected a qualified Dublin Core record, found <{_localname(root)}>")
    fields = _dc_elements(root, (DC, DCTERMS))
    titles = fields.get("title", [])
    title = _preferred(titles, lambda t: True)
    languages = _languages(_dc_values(fields, "language"))
    issued = _first(_dc_values(fields, "issued", "date", "created"))
    return build_work(
        source,
        raw,
        base_uri,
        title=_title("qualified Dublin Core", _text(title)),
        rights=[*_licence_statements(_dc_values(fields, *QDC_RIGHTS)), *extra_rights],
        description=_first(_dc_values(fields, "abstract", "description")),
        creators=_dc_values(fields, "creator"),
        publisher=_first(_dc_values(fields, "publisher")),
        subjects=_dc_values(fields, "subject"),
        language_values=languages or _languages([_lang(title) or ""]),
        identifiers=_dc_values(fields, "identifier"),
        issued=issued.rstrip(" ;,") if issued else None,
        types=_dc_values(fields, "type"),
        formats=_dc_values(fields, "format", "medium"),
        rights_holder=_first(_dc_values(fields, "rightsHolder")),
    )


def map_qdc(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """A qualified Dublin Core record (CONTENTdm ``oai_qdc``, DSpace ``qdc``): ``dc:`` and
    ``dcterms:`` elements."""
    return _qdc_work(source, raw, base_uri, _parse(raw, "qualified Dublin Core"), [])


def map_oai_rdf(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """The ``rdf`` format of DSpace and other repositories: an ``rdf:RDF`` element in
    OAI-PMH's own namespace (not W3C RDF) holding an ``ow:Publication`` of ``dc:`` elements,
    read as qualified Dublin Core is."""
    return _qdc_work(source, raw, base_uri, _parse(raw, "OAI rdf"), [])


# -- DIDL -------------------------------------------------------------------------------


def _didl_wrapped(root: etree._Element) -> tuple[str, etree._Element]:
    """The format and root of the richest metadata a DIDL document wraps in its
    ``didl:Statement`` or ``didl:Resource`` elements."""
    found: dict[str, etree._Element] = {}
    for holder in root.iter(f"{{{DIDL}}}Statement", f"{{{DIDL}}}Resource"):
        for child in holder:
            if not isinstance(child.tag, str):
                continue
            name = FORMAT_BY_NAMESPACE.get(_namespace(child) or "")
            if name in DIDL_WRAPPED_FORMATS and name not in found:
                found[name] = child
    for name in DIDL_WRAPPED_FORMATS:
        if name in found:
            return name, found[name]
    raise NormaliseError(
        "the DIDL document wraps no metadata in a format the registry reads "
        "(DataCite, MODS, qualified Dublin Core or oai_dc)"
    )


def _didl_rights(root: etree._Element, wrapped: etree._Element) -> list[str]:
    """Rights elements of the DIDL document outside its wrapped metadata."""
    outside = (
        e for e in root.iter(*DIDL_RIGHTS_TAGS) if not any(a is wrapped for a in e.iterancestors())
    )
    ranked = sorted(outside, key=lambda e: DIDL_RIGHTS_TAGS.index(e.tag))
    values = (_text(e) or (e.get(f"{{{RDF}}}resource") or "") for e in ranked)
    return _licence_statements(values)


def _dublin_core_payload(dc: etree._Element, extra_rights: list[str]) -> dict[str, Any]:
    """The ``oai_dc`` mapper's metadata (``{element: [{value, lang}]}``) of a ``dc`` root."""
    metadata: dict[str, list[dict[str, str | None]]] = {}
    for name, elements in _dc_elements(dc, (DC,)).items():
        for element in elements:
            value = _text(element)
            if name == "language":
                value = _first(_languages([value])) or ""
            if value:
                metadata.setdefault(name, []).append({"value": value, "lang": _lang(element)})
    metadata.setdefault("rights", []).extend({"value": v, "lang": None} for v in extra_rights)
    return metadata


def _didl_work(source: Source, raw: RawRecord, base_uri: str, root: etree._Element) -> Work:
    if root.tag != f"{{{DIDL}}}DIDL":
        raise NormaliseError(f"expected a DIDL document, found <{_localname(root)}>")
    name, wrapped = _didl_wrapped(root)
    extra = _didl_rights(root, wrapped)
    if name == "oai_dc":
        payload = {"sets": (raw.payload or {}).get("sets", [])}
        payload["metadata"] = _dublin_core_payload(wrapped, extra)
        return map_dublin_core(source, dataclasses.replace(raw, payload=payload), base_uri)
    return _WRAPPED_MAPPERS[name](source, raw, base_uri, wrapped, extra)


def map_didl(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """An MPEG-21 DIDL document: read through the metadata it wraps, with the rights
    statements of the document added to those of the metadata."""
    return _didl_work(source, raw, base_uri, _parse(raw, "DIDL"))


_WRAPPED_MAPPERS: dict[str, Callable[[Source, RawRecord, str, etree._Element, list[str]], Work]] = {
    "datacite": _datacite_work,
    "mods": _mods_work,
    "qdc": _qdc_work,
}

MAPPERS: dict[str, Mapper] = {
    "datacite": map_datacite,
    "edm": map_edm,
    "mods": map_mods,
    "didl": map_didl,
    "qdc": map_qdc,
    "oai_rdf": map_oai_rdf,
}
