"""The licence vocabulary over HTTP, and the compatibility question.

- ``GET /licences``: the vocabulary (HTML, JSON or Turtle by ``Accept``), filtered by
  ``family``, ``reuse``, ``kind`` and ``q``; HTML and JSON are paged (``page``, ``page_size``),
  Turtle is the whole filtered vocabulary.
- ``GET /licences/{slug}``: one licence, by its slug (:func:`licence_slug`); a ``.json``,
  ``.ttl`` or ``.html`` suffix picks the format too.
- ``GET /api/licences/compatibility?licence=A&licence=B``: may works under A and B be
  combined, and under which licences may the result be shared.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from registry.api.negotiation import choose
from registry.api.routes import reject_unknown
from registry.api.web import TEXT as WEB_TEXT
from registry.api.web import language, templates
from registry.errors import InvalidRequest, NotFound
from registry.licences import Licence, compatible, licence_graph, normalise, vocabulary
from registry.licences._vocabulary import Vocabulary

__all__ = ["licence_by_slug", "licence_json", "licence_slug", "router"]

router = APIRouter()

#: The formats of /licences and /licences/{slug}; the first is the answer to ``*/*``.
LICENCE_TYPES = ("application/json", "text/html", "text/turtle")
_SUFFIXES = {".json": "application/json", ".ttl": "text/turtle", ".html": "text/html"}
_TURTLE = "text/turtle; charset=utf-8"
_LIST_PARAMETERS = frozenset({"family", "reuse", "kind", "q", "page", "page_size", "lang"})
_REUSE = ("open", "restricted", "permission")
_KINDS = ("licence", "public-domain", "rights-statement")
_DEFAULT_PAGE_SIZE = 100
_MAX_PAGE_SIZE = 500
_MAX_COMPARED = 20

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "licences": "Licences",
        "licences_intro": "Every licence and rights statement the registry recognises.",
        "filter": "Filter",
        "all_families": "All families",
        "all_reuse": "Any reuse",
        "find": "Name, SPDX id or URI",
        "shown": "licences",
        "previous": "Previous page",
        "version": "Version",
        "jurisdiction": "Jurisdiction",
        "label_en": "Label (en)",
        "label_nl": "Label (nl)",
        "other_labels": "Other names",
        "other_uris": "Other addresses",
        "spdx": "SPDX id",
        "kind": "Kind",
        "kind:licence": "Licence",
        "kind:public-domain": "Public-domain tool",
        "kind:rights-statement": "Rights statement",
        "share_alike": "Share-alike",
        "requires_attribution": "Attribution required",
        "permits": "Permits",
        "requires": "Requires",
        "prohibits": "Prohibits",
        "yes": "Yes",
        "no": "No",
        "formats": "Also as",
        "all_licences": "All licences",
        "none_found": "No licence matches.",
    },
    "nl": {
        "licences": "Licenties",
        "licences_intro": "Alle licenties en rechtenverklaringen die het register herkent.",
        "filter": "Filteren",
        "all_families": "Alle families",
        "all_reuse": "Elk hergebruik",
        "find": "Naam, SPDX-id of URI",
        "shown": "licenties",
        "previous": "Vorige pagina",
        "version": "Versie",
        "jurisdiction": "Rechtsgebied",
        "label_en": "Naam (en)",
        "label_nl": "Naam (nl)",
        "other_labels": "Andere namen",
        "other_uris": "Andere adressen",
        "spdx": "SPDX-id",
        "kind": "Soort",
        "kind:licence": "Licentie",
        "kind:public-domain": "Publiek-domeininstrument",
        "kind:rights-statement": "Rechtenverklaring",
        "share_alike": "Gelijk delen",
        "requires_attribution": "Naamsvermelding verplicht",
        "permits": "Staat toe",
        "requires": "Vereist",
        "prohibits": "Verbiedt",
        "yes": "Ja",
        "no": "Nee",
        "formats": "Ook als",
        "all_licences": "Alle licenties",
        "none_found": "Geen licentie gevonden.",
    },
}


# --- slugs --------------------------------------------------------------------------------

_PUBLIC_DOMAIN_TOOLS = {"zero": "cc0", "mark": "pdm"}
_NOT_SLUG = re.compile(r"[^a-z0-9.]+")
_FILE_EXTENSION = re.compile(r"\.(?:html?|pdf|txt|php)$", re.IGNORECASE)


def _slugify(text: str) -> str:
    text = _NOT_SLUG.sub("-", text.lower().replace("+", "plus"))
    return re.sub(r"-{2,}", "-", text).strip("-.")


def licence_slug(uri: str) -> str:
    """A licence's URL-safe id, derived from its URI alone (so it is stable)::

        https://creativecommons.org/licenses/by-sa/3.0/nl/  -> cc-by-sa-3.0-nl
        https://creativecommons.org/publicdomain/zero/1.0/  -> cc0-1.0
        http://rightsstatements.org/vocab/InC/1.0/          -> rs-inc
        http://opendatacommons.org/licenses/odbl/1.0/       -> odc-odbl-1.0
        http://spdx.org/licenses/MIT                        -> spdx-mit

    Another address gives its host and path, without a file extension
    (``https://example.org/licence/x.pdf`` -> ``example.org-licence-x``).
    """
    parts = urlsplit(uri.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    head, rest = (segments[0].lower(), segments[1:]) if segments else ("", [])
    words: list[str]
    if host == "creativecommons.org" and head == "licenses":
        words = ["cc", *rest]
    elif host == "creativecommons.org" and head == "publicdomain" and rest:
        tool = _PUBLIC_DOMAIN_TOOLS.get(rest[0].lower())
        words = [tool, *rest[1:]] if tool else ["cc-publicdomain", *rest]
    elif host == "rightsstatements.org" and head in ("vocab", "page") and rest:
        # Every statement is 1.0 so far; a later version would get its number.
        words = ["rs", rest[0], *(v for v in rest[1:2] if v != "1.0")]
    elif host == "spdx.org" and head == "licenses":
        words = ["spdx", *(s.removesuffix(".html") for s in rest)]
    elif host == "opendatacommons.org" and head == "licenses":
        words = ["odc", *rest]
    else:
        if segments:
            segments[-1] = _FILE_EXTENSION.sub("", segments[-1])
        words = [host, *segments]
    return _slugify("-".join(words)) or "licence"


@dataclass(frozen=True)
class _Slugs:
    vocabulary: Vocabulary
    by_slug: dict[str, Licence]
    of_uri: dict[str, str]


_slug_cache: list[_Slugs] = []


def _slugs() -> _Slugs:
    """The slug of every licence of the vocabulary (built once per vocabulary). Two licences
    with the same derived slug (unlikely) both get a short hash of their URI appended."""
    tables = vocabulary()
    if _slug_cache and _slug_cache[0].vocabulary is tables:
        return _slug_cache[0]
    derived: dict[str, list[Licence]] = {}
    for licence in tables.licences:
        derived.setdefault(licence_slug(licence.uri), []).append(licence)
    by_slug: dict[str, Licence] = {}
    for slug, licences in derived.items():
        for licence in licences:
            if len(licences) == 1:
                by_slug[slug] = licence
                continue
            digest = hashlib.blake2b(licence.uri.encode(), digest_size=4).hexdigest()
            by_slug[f"{slug}-{digest}"] = licence
    slugs = _Slugs(tables, by_slug, {licence.uri: slug for slug, licence in by_slug.items()})
    _slug_cache[:] = [slugs]
    return slugs


def slug_of(licence: Licence) -> str:
    return _slugs().of_uri.get(licence.uri) or licence_slug(licence.uri)


def licence_by_slug(slug: str) -> Licence | None:
    """The licence a slug names, or None."""
    return _slugs().by_slug.get(slug.strip().lower())


# --- representations ------------------------------------------------------------------------


def licence_json(licence: Licence) -> dict[str, Any]:
    """One licence as JSON."""
    slug = slug_of(licence)
    return {
        "slug": slug,
        "uri": licence.uri,
        "url": f"/licences/{slug}",
        "label": licence.label,
        "labels": dict(sorted(licence.labels.items())),
        "alt_labels": list(licence.alt_labels),
        "alt_uris": list(licence.alt_uris),
        "family": licence.family,
        "version": licence.version,
        "jurisdiction": licence.jurisdiction,
        "spdx": licence.spdx,
        "kind": licence.kind,
        "reuse_class": licence.reuse_class,
        "open": licence.open,
        "commercial": licence.commercial,
        "derivatives": licence.derivatives,
        "share_alike": licence.share_alike,
        "requires_attribution": licence.requires_attribution,
        "permits": sorted(licence.permits),
        "requires": sorted(licence.requires),
        "prohibits": sorted(licence.prohibits),
    }


def _jurisdiction_code(value: str | None) -> str:
    """``http://creativecommons.org/international/nl/`` -> ``nl``."""
    if not value:
        return ""
    segments = [s for s in urlsplit(value).path.split("/") if s]
    return segments[-1] if segments and value.startswith("http") else value


def _turtle(licences: list[Licence]) -> str:
    text: str = licence_graph(licences).serialize(format="turtle")
    return text


_turtle_cache: list[tuple[Vocabulary, str]] = []


def _whole_vocabulary_turtle() -> str:
    """The whole vocabulary as Turtle, serialised once per vocabulary."""
    tables = vocabulary()
    if not _turtle_cache or _turtle_cache[0][0] is not tables:
        _turtle_cache[:] = [(tables, _turtle(list(tables.licences)))]
    return _turtle_cache[0][1]


def _not_acceptable(what: str) -> JSONResponse:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Not Acceptable",
            "status": 406,
            "detail": f"{what} is available as {', '.join(LICENCE_TYPES)}",
        },
        status_code=406,
        headers={"Vary": "Accept"},
        media_type="application/problem+json",
    )


def _text(request: Request) -> tuple[str, dict[str, str]]:
    lang = language(request)
    return lang, {**WEB_TEXT[lang], **TEXT[lang]}


def _row(licence: Licence) -> dict[str, Any]:
    return {
        "slug": slug_of(licence),
        "licence": licence,
        "jurisdiction": _jurisdiction_code(licence.jurisdiction),
        "label_en": licence.labels.get("en", ""),
        "label_nl": licence.labels.get("nl", ""),
    }


# --- GET /licences ------------------------------------------------------------------------


def _choice(values: list[str], allowed: tuple[str, ...], parameter: str) -> set[str]:
    chosen = {v.strip() for v in values if v.strip()}
    wrong = sorted(chosen - set(allowed))
    if wrong:
        raise InvalidRequest(
            f"'{parameter}' is one of {', '.join(allowed)}, not {wrong[0]!r}", parameter=parameter
        )
    return chosen


def _matches(licence: Licence, needle: str) -> bool:
    haystack = (
        licence.uri,
        licence.family,
        licence.spdx or "",
        slug_of(licence),
        *licence.labels.values(),
        *licence.alt_labels,
    )
    return any(needle in value.casefold() for value in haystack)


def _browse_key(licence: Licence) -> tuple[Any, ...]:
    """Family, then newest version first, then international before ports."""
    numbers = tuple(-int(n) for n in re.findall(r"\d+", licence.version or ""))
    return (licence.family.casefold(), numbers, licence.jurisdiction or "", licence.uri)


_order_cache: list[tuple[Vocabulary, tuple[Licence, ...]]] = []


def _ordered() -> tuple[Licence, ...]:
    """The vocabulary in browsing order (:func:`_browse_key`)."""
    tables = vocabulary()
    if not _order_cache or _order_cache[0][0] is not tables:
        _order_cache[:] = [(tables, tuple(sorted(tables.licences, key=_browse_key)))]
    return _order_cache[0][1]


def _filtered(families: list[str], reuse: set[str], kinds: set[str], q: str) -> list[Licence]:
    wanted_families = {f.strip().casefold() for f in families if f.strip()}
    needle = " ".join(q.split()).casefold()
    found = [
        licence
        for licence in _ordered()
        if (not wanted_families or licence.family.casefold() in wanted_families)
        and (not reuse or licence.reuse_class in reuse)
        and (not kinds or licence.kind in kinds)
        and (not needle or _matches(licence, needle))
    ]
    if needle:
        # A name the normaliser understands ("cc-by-sa 4.0", a deed URL) finds its licence.
        named = normalise(q)
        exact = vocabulary().by_uri.get(named.uri or "")
        if exact is not None and exact not in found:
            keep = (
                (not wanted_families or exact.family.casefold() in wanted_families)
                and (not reuse or exact.reuse_class in reuse)
                and (not kinds or exact.kind in kinds)
            )
            if keep:
                found.insert(0, exact)
    return found


@router.get(
    "/licences",
    tags=["licences"],
    summary="The licence vocabulary: HTML, JSON or Turtle by Accept",
    response_model=None,
)
def list_licences(
    request: Request,
    family: Annotated[
        list[str] | None, Query(description="Licence family, e.g. CC BY-SA; repeatable")
    ] = None,
    reuse: Annotated[
        list[str] | None, Query(description="open, restricted or permission; repeatable")
    ] = None,
    kind: Annotated[
        list[str] | None,
        Query(description="licence, public-domain or rights-statement; repeatable"),
    ] = None,
    q: Annotated[str | None, Query(description="Words in a name, SPDX id or URI")] = None,
    page: Annotated[int, Query(ge=1, description="Page (HTML and JSON), from 1")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=_MAX_PAGE_SIZE, description="Licences per page (HTML and JSON)")
    ] = _DEFAULT_PAGE_SIZE,
) -> Response:
    reject_unknown(request, _LIST_PARAMETERS)
    media_type = choose(request.headers.get("accept"), LICENCE_TYPES)
    if media_type is None:
        return _not_acceptable("the licence vocabulary")
    text = (q or "").strip()
    if len(text) > 200:
        raise InvalidRequest("'q' is at most 200 characters", parameter="q")
    reuses = _choice(reuse or [], _REUSE, "reuse")
    kinds = _choice(kind or [], _KINDS, "kind")
    families = family or []
    headers = {"Vary": "Accept"}
    if media_type == "text/turtle":
        if not (families or reuses or kinds or text):
            body = _whole_vocabulary_turtle()
        else:
            body = _turtle(_filtered(families, reuses, kinds, text))
        return Response(body, media_type=_TURTLE, headers=headers)
    found = _filtered(families, reuses, kinds, text)
    start = (page - 1) * page_size
    shown = found[start : start + page_size]
    next_page = page + 1 if start + page_size < len(found) else None
    if media_type == "application/json":
        return JSONResponse(
            {
                "total": len(found),
                "page": page,
                "page_size": page_size,
                "next_page": next_page,
                "licences": [licence_json(licence) for licence in shown],
            },
            headers=headers,
        )
    lang, t = _text(request)
    filters = [(k, v) for k, v in request.query_params.multi_items() if k in _LIST_PARAMETERS]

    def link(**changes: Any) -> str:
        kept = [(k, v) for k, v in filters if k not in changes and k != "lang"]
        extra = [(k, str(v)) for k, v in changes.items() if v is not None and k != "lang"]
        return "/licences?" + urlencode([*kept, *extra, ("lang", changes.get("lang", lang))])

    context = {
        "t": t,
        "lang": lang,
        "rows": [_row(licence) for licence in shown],
        "total": len(found),
        "first": start + 1 if shown else 0,
        "last": start + len(shown),
        "q": text,
        "family": families[0] if len(families) == 1 else "",
        "families": sorted({licence.family for licence in vocabulary().licences}, key=str.casefold),
        "reuse": next(iter(reuses)) if len(reuses) == 1 else "",
        "reuses": _REUSE,
        "next": link(page=next_page) if next_page else None,
        "previous": link(page=page - 1) if page > 1 else None,
        "other_lang": link(page=page, lang="en" if lang == "nl" else "nl"),
    }
    return templates().TemplateResponse(request, "licences.html", context, headers=headers)


# --- GET /licences/{slug} -------------------------------------------------------------------


@router.get(
    "/licences/{slug}",
    tags=["licences"],
    summary="One licence: HTML, JSON or Turtle by Accept or by a .html, .json or .ttl suffix",
    response_model=None,
)
def get_licence(request: Request, slug: str) -> Response:
    media_type = None
    for suffix, suffix_type in _SUFFIXES.items():
        if slug.endswith(suffix):
            slug, media_type = slug[: -len(suffix)], suffix_type
            break
    if media_type is None:
        media_type = choose(request.headers.get("accept"), LICENCE_TYPES)
    if media_type is None:
        return _not_acceptable("a licence")
    licence = licence_by_slug(slug)
    if licence is None:
        raise NotFound(f"no licence with slug {slug!r}", kind="licence", key=slug)
    headers = {"Vary": "Accept"}
    if media_type == "text/turtle":
        return Response(_turtle([licence]), media_type=_TURTLE, headers=headers)
    if media_type == "application/json":
        return JSONResponse(licence_json(licence), headers=headers)
    lang, t = _text(request)
    context = {
        "t": t,
        "lang": lang,
        "l": licence,
        "row": _row(licence),
        "other_lang": f"/licences/{slug_of(licence)}?lang={'en' if lang == 'nl' else 'nl'}",
    }
    return templates().TemplateResponse(request, "licence.html", context, headers=headers)


# --- GET /api/licences/compatibility -------------------------------------------------------


@router.get(
    "/api/licences/compatibility",
    tags=["licences"],
    summary="May works under these licences be combined, and under which licences may the"
    " result be shared?",
)
def licence_compatibility(
    request: Request,
    licence: Annotated[
        list[str] | None,
        Query(description="A licence URI, SPDX id or name; give two or more"),
    ] = None,
) -> dict[str, Any]:
    reject_unknown(request, frozenset({"licence"}))
    statements = [v.strip() for v in request.query_params.getlist("licence") if v.strip()]
    if len(statements) < 2:
        raise InvalidRequest(
            "give at least two licences to compare: ?licence=A&licence=B", parameter="licence"
        )
    if len(statements) > _MAX_COMPARED:
        raise InvalidRequest(
            f"compare at most {_MAX_COMPARED} licences at once", parameter="licence"
        )
    return compatible(statements).as_dict()
