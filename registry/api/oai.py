"""``/oai``: the registry as an OAI-PMH 2.0 repository (:mod:`registry.oai`).

OAI-PMH requests come as GET with a query string or as POST with a form body
(``application/x-www-form-urlencoded``); every answer, errors included, is an XML
document with HTTP 200, as the protocol says.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from registry.api.routes import RegistryDep
from registry.core import Registry
from registry.oai import OAIProvider

router = APIRouter()

_MEDIA_TYPE = "text/xml; charset=utf-8"
_FORM = "application/x-www-form-urlencoded"
_DESCRIPTION = (
    "OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html): the verbs"
    " Identify, ListMetadataFormats, ListSets, GetRecord, ListIdentifiers and ListRecords;"
    " metadata formats `oai_dc` and `rdf` (RDF/XML); sets `source:{name}` and"
    " `licence:{family}` (see ListSets); deleted records are persistent; resumption tokens"
    " do not expire. Identifiers are `oai:{host}:{record id}`, datestamps when the registry"
    " last changed the record (seconds granularity)."
)


def provider_of(request: Request, registry: Registry) -> OAIProvider:
    """The app's provider (made once: it remembers the licence families it has seen)."""
    provider: OAIProvider | None = getattr(request.app.state, "oai_provider", None)
    if provider is None or provider.store is not registry.store:
        provider = OAIProvider(registry.store, registry.settings)
        request.app.state.oai_provider = provider
    return provider


def _xml(body: bytes) -> Response:
    return Response(body, media_type=_MEDIA_TYPE)


@router.get(
    "/oai",
    tags=["linked data"],
    summary="OAI-PMH 2.0 repository (GET)",
    description=_DESCRIPTION,
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}}},
)
def oai_get(request: Request, registry: RegistryDep) -> Response:
    params = request.query_params.multi_items()
    return _xml(provider_of(request, registry).handle(params))


@router.post(
    "/oai",
    tags=["linked data"],
    summary="OAI-PMH 2.0 repository (POST, application/x-www-form-urlencoded)",
    description=_DESCRIPTION,
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}}, 415: {"description": "Not a form body"}},
)
async def oai_post(request: Request, registry: RegistryDep) -> Response:
    content_type = request.headers.get("content-type", _FORM).split(";")[0].strip().lower()
    if content_type != _FORM:
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Unsupported Media Type",
                "status": 415,
                "detail": f"OAI-PMH requests are sent as {_FORM}, not {content_type}",
            },
            status_code=415,
            media_type="application/problem+json",
        )
    body = (await request.body()).decode("utf-8", "replace")
    params = request.query_params.multi_items() + parse_qsl(body, keep_blank_values=True)
    provider = provider_of(request, registry)
    return _xml(await run_in_threadpool(provider.handle, params))
