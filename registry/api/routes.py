"""JSON endpoints: search, records, sources, harvest runs, health."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from registry.api.negotiation import choose
from registry.api.negotiation import content_type as negotiated_type
from registry.core import MULTI_VALUED, SINGLE_VALUED, Registry, search_arguments
from registry.errors import Forbidden, InvalidRequest, Unauthorized
from registry.models import IPOffer, Source, Work
from registry.scheduler import due_at

router = APIRouter()

SEARCH_PARAMETERS = MULTI_VALUED | SINGLE_VALUED


def get_registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(get_registry)]


def reject_unknown(request: Request, allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise InvalidRequest(
            f"unknown parameter {unknown[0]!r}; this endpoint takes {', '.join(sorted(allowed))}",
            parameter=unknown[0],
        )


@router.get("/api/search", tags=["search"], summary="Search works and IP offers")
def search(
    request: Request,
    registry: RegistryDep,
    q: Annotated[str | None, Query(description="Words to find; quotes make a phrase")] = None,
    open: Annotated[
        str | None, Query(description="true: only openly licensed records; false: only the others")
    ] = None,
    licence: Annotated[
        list[str] | None,
        Query(description="Licence URI (or a name the normaliser knows); repeatable"),
    ] = None,
    kind: Annotated[str | None, Query(description="work or ip-offer")] = None,
    source: Annotated[list[str] | None, Query(description="Source name; repeatable")] = None,
    language: Annotated[
        list[str] | None, Query(description="Language code (nl, en); repeatable")
    ] = None,
    challenge: Annotated[
        list[str] | None, Query(description="Societal challenge id; repeatable")
    ] = None,
    reuse: Annotated[
        list[str] | None,
        Query(description="Reuse class: open, restricted or permission; repeatable"),
    ] = None,
    commercial: Annotated[
        str | None, Query(description="true: the licence allows commercial use; false: it does not")
    ] = None,
    derivatives: Annotated[
        str | None, Query(description="true: the licence allows adaptations; false: it does not")
    ] = None,
    family: Annotated[
        list[str] | None, Query(description="Licence family, e.g. CC BY-SA; repeatable")
    ] = None,
    ip_type: Annotated[
        list[str] | None,
        Query(description="IP offers: patent, utility-model, design, software, dataset, know-how"),
    ] = None,
    licensing_mode: Annotated[
        list[str] | None,
        Query(description="IP offers: a licensing mode (vocab/licensing-modes.ttl); repeatable"),
    ] = None,
    royalty_free: Annotated[
        str | None, Query(description="IP offers: true: royalty-free terms only")
    ] = None,
    trl: Annotated[
        str | None, Query(description="IP offers: technology readiness level, 4 or 4-6")
    ] = None,
    territory: Annotated[
        list[str] | None, Query(description="IP offers: ISO 3166 code, EU, EEA or worldwide")
    ] = None,
    patent: Annotated[
        list[str] | None,
        Query(description="IP offers: a patent number in any notation (EP1000000, WO 2012/088469)"),
    ] = None,
    include_expired: Annotated[
        str | None,
        Query(description="true: also offers past their review date, withdrawn or draft"),
    ] = None,
    page_size: Annotated[
        int | None, Query(description="Results per page, 1-100 (default 20)")
    ] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> dict[str, Any]:
    # The typed parameters above document the API and validate types; the values are
    # read again from the query string so the API and the web page share one reading.
    reject_unknown(request, SEARCH_PARAMETERS)
    query = registry.build_query(**search_arguments(request.query_params))
    return registry.search_json(query)


_RDF_TYPES = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
# What /records/{id} offers, in the order that breaks ties: a client that accepts anything
# (curl's */*) gets JSON; browsers ask for HTML first; linked-data clients name an RDF type.
_RECORD_TYPES = ("application/json", "text/html", *_RDF_TYPES)
_SUFFIXES = {
    ".json": "application/json",
    ".html": "text/html",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
}
_SUFFIX_OF = {media: suffix for suffix, media in _SUFFIXES.items()}


def _cite_as(record: Work | IPOffer, uri: str) -> str:
    """The identifier to cite: a DOI when the record has one, else its registry URI."""
    for identifier in record.identifiers:
        value = identifier.strip()
        lowered = value.lower()
        if lowered.startswith(("https://doi.org/", "http://doi.org/", "http://dx.doi.org/")):
            return "https://doi.org/" + value.split("doi.org/", 1)[1]
        if lowered.startswith("doi:"):
            value = value[4:].strip()
            lowered = value.lower()
        if lowered.startswith("10.") and "/" in value and " " not in value:
            return f"https://doi.org/{value}"
    return uri


def _record_links(record: Work | IPOffer, uri: str) -> str:
    """Link header (RFC 8288) of a record: its other formats, licence, and FAIR signposting
    (cite-as, describedby, type)."""
    links = [f'<{_cite_as(record, uri)}>; rel="cite-as"']
    for media, suffix in _SUFFIX_OF.items():
        links.append(f'<{uri}{suffix}>; rel="alternate"; type="{media}"')
    for media in _RDF_TYPES:
        links.append(f'<{uri}{_SUFFIX_OF[media]}>; rel="describedby"; type="{media}"')
    if record.licence.uri and not any(c in record.licence.uri for c in '<>" '):
        links.append(f'<{record.licence.uri}>; rel="license"')
    links.append('<https://schema.org/CreativeWork>; rel="type"')
    links.append('<https://schema.org/AboutPage>; rel="type"')
    return ", ".join(links)


@router.get(
    "/records/{record_id}",
    tags=["records"],
    summary="One record: HTML for browsers, JSON, or RDF (Turtle, JSON-LD, N-Triples, RDF/XML)"
    " by Accept header or by suffix (.json .html .ttl .jsonld .nt .rdf)",
    response_model=None,
    responses={
        200: {
            "content": {media: {} for media in _RECORD_TYPES},
            "description": "The record in the negotiated format",
        },
        406: {"description": "None of the record's formats is acceptable"},
        410: {"description": "The record was withdrawn by its source"},
    },
)
def get_record(request: Request, registry: RegistryDep, record_id: str) -> Response:
    media_type = None
    for suffix, suffix_type in _SUFFIXES.items():
        if record_id.endswith(suffix):
            record_id, media_type = record_id[: -len(suffix)], suffix_type
            break
    negotiated = media_type is None
    if media_type is None:
        media_type = choose(request.headers.get("accept"), _RECORD_TYPES)
    headers = {"Vary": "Accept"}
    if media_type is None:
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Not Acceptable",
                "status": 406,
                "detail": f"this record is available as {', '.join(_RECORD_TYPES)}",
            },
            status_code=406,
            headers=headers,
            media_type="application/problem+json",
        )
    record = registry.live_record(record_id)
    uri = registry.record_uri(record_id)
    headers["Link"] = _record_links(record, uri)
    if negotiated:
        headers["Content-Location"] = f"{uri}{_SUFFIX_OF[media_type]}"
    if media_type == "text/html":
        from registry.api.web import render_record

        return HTMLResponse(render_record(request, registry, record), headers=headers)
    if media_type == "application/json":
        return JSONResponse(registry.record_json(record), headers=headers)
    body = registry.record_rdf(record_id, media_type)
    content_type = negotiated_type(media_type)
    return Response(body, headers=headers, media_type=content_type)


router.add_api_route("/records/{record_id}", get_record, methods=["HEAD"], include_in_schema=False)


def _source_json(source: Source) -> dict[str, Any]:
    return source.model_dump(mode="json", exclude={"http_cache"})


@router.get("/api/sources", tags=["sources"], summary="The registered feeds")
def list_sources(registry: RegistryDep) -> list[dict[str, Any]]:
    return [_source_json(s) for s in registry.store.list_sources()]


class NewSource(BaseModel):
    """A feed to register."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="A slug: lower-case letters, digits, '-', '_', '.'")
    kind: str = Field(description="oai-pmh, dcat, rss, ckan, offers, or an installed plugin's")
    url: str
    metadata_prefix: str | None = None
    set_spec: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    title: str | None = None
    schedule_hours: float | None = Field(default=24.0, gt=0)


def source_registrant(request: Request, registry: RegistryDep) -> str | None:
    """Who registers a feed: a publisher's API key (the feed becomes that publisher's:
    its key may manage its offers), or the administrator's token (``REGISTRY_ADMIN_TOKEN``;
    the feed belongs to no publisher). Returns the publisher, ``None`` for the administrator."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "send a publisher's API key or the administrator's token as 'Authorization: Bearer ...'"
        )
    if token.startswith("reg_"):
        from registry.keys import verify_key

        return verify_key(registry.store, token).publisher
    expected = registry.settings.admin_token
    if not expected:
        raise Forbidden(
            "registering sources with an administrator's token is switched off on this registry"
            " (its operator sets REGISTRY_ADMIN_TOKEN to allow it); publishers use their API key"
        )
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden("this token may not register sources")
    return None


@router.post(
    "/api/sources",
    tags=["sources"],
    summary="Register a feed",
    status_code=201,
    responses={401: {"description": "No token"}, 403: {"description": "Not allowed"}},
)
def add_source(
    registry: RegistryDep,
    body: NewSource,
    publisher: Annotated[str | None, Depends(source_registrant)],
) -> JSONResponse:
    try:
        source = registry.add_source(**body.model_dump(), trusted=False, publisher=publisher)
    except ValidationError as exc:
        errors = [
            {"parameter": ".".join(map(str, e["loc"])), "detail": e["msg"]} for e in exc.errors()
        ]
        raise InvalidRequest(
            "; ".join(f"{e['parameter']}: {e['detail']}" for e in errors),
            parameter=errors[0]["parameter"] if errors else None,
        ) from None
    return JSONResponse(
        _source_json(source),
        status_code=201,
        headers={"Location": f"/api/sources/{source.name}"},
    )


@router.get("/api/sources/{name}", tags=["sources"], summary="One registered feed")
def get_source(registry: RegistryDep, name: str) -> dict[str, Any]:
    source = registry.store.get_source(name)
    runs = registry.store.list_runs(name, 8)
    when = due_at(source, runs)
    return {
        **_source_json(source),
        "last_run": runs[0].summary() if runs else None,
        "next_harvest": when.isoformat() if when is not None else None,
    }


@router.get("/api/harvests", tags=["sources"], summary="Harvest runs, newest first")
def list_harvests(
    registry: RegistryDep,
    source: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[dict[str, Any]]:
    if source is not None:
        registry.store.get_source(source)
    return [
        {**r.model_dump(mode="json", exclude={"errors"}), "total": r.total}
        for r in registry.store.list_runs(source, limit)
    ]


@router.get("/api/harvests/{run_id}", tags=["sources"], summary="One harvest run with its errors")
def get_harvest(registry: RegistryDep, run_id: int) -> dict[str, Any]:
    run = registry.store.get_run(run_id)
    return {**run.model_dump(mode="json"), "total": run.total}


@router.get("/health", tags=["service"], summary="Liveness and readiness, per engine")
def health(registry: RegistryDep) -> JSONResponse:
    """200 while the store answers (status "ok", or "degraded" when the search or triple
    engine is down: changes are kept and indexed when it is back); 503 when the store is
    down."""
    report = registry.health()
    engines = report["engines"]
    body: dict[str, Any] = {"status": report["status"]}
    if engines["store"].get("status") == "ok":
        body["records"] = registry.store.count()
        body["index_lag"] = engines["search"].get("lag")
    body["indexed"] = engines["search"].get("documents")
    body["search"] = registry.search_backend.name
    body["engines"] = engines
    return JSONResponse(body, status_code=503 if report["status"] == "down" else 200)
