"""JSON endpoints: search, records, sources, harvest runs, health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from registry.api.negotiation import choose
from registry.core import MULTI_VALUED, SINGLE_VALUED, Registry, search_arguments
from registry.errors import InvalidRequest

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


_RECORD_TYPES = ("application/json", "text/html")
_SUFFIXES = {".json": "application/json", ".html": "text/html"}


@router.get(
    "/records/{record_id}",
    tags=["records"],
    summary="One record: HTML for browsers, JSON for Accept: application/json or the .json suffix",
    response_model=None,
)
def get_record(request: Request, registry: RegistryDep, record_id: str) -> Response:
    media_type = None
    for suffix, suffix_type in _SUFFIXES.items():
        if record_id.endswith(suffix):
            record_id, media_type = record_id[: -len(suffix)], suffix_type
            break
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
    if media_type == "text/html":
        from registry.api.web import render_record

        return HTMLResponse(render_record(request, registry, record), headers=headers)
    return JSONResponse(registry.record_json(record), headers=headers)


@router.get("/api/sources", tags=["sources"], summary="The registered feeds")
def list_sources(registry: RegistryDep) -> list[dict[str, Any]]:
    return [s.model_dump(mode="json") for s in registry.store.list_sources()]


@router.get("/api/sources/{name}", tags=["sources"], summary="One registered feed")
def get_source(registry: RegistryDep, name: str) -> dict[str, Any]:
    return registry.store.get_source(name).model_dump(mode="json")


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


@router.get("/health", tags=["service"], summary="Liveness and readiness")
def health(registry: RegistryDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "records": registry.store.count(),
        "indexed": registry.search_backend.count(),
        "index_lag": registry.indexer.lag(),
        "search": registry.search_backend.name,
    }
