"""Linked data beyond single records: the DCAT catalog and the vocabularies."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from registry.api.negotiation import choose
from registry.api.negotiation import content_type as negotiated_type
from registry.api.routes import RegistryDep
from registry.catalog import catalog_page, parse_catalog_query
from registry.rdf import serialize

router = APIRouter()

# The catalog in the syntaxes DCAT harvesters read; Turtle when the client does not mind.
_CATALOG_TYPES = (
    "text/turtle",
    "application/ld+json",
    "application/rdf+xml",
    "application/n-triples",
)


def _not_acceptable(offered: tuple[str, ...]) -> JSONResponse:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Not Acceptable",
            "status": 406,
            "detail": f"available as {', '.join(offered)}",
        },
        status_code=406,
        headers={"Vary": "Accept"},
        media_type="application/problem+json",
    )


def _rdf_response(body: bytes, media_type: str, headers: dict[str, str]) -> Response:
    content_type = negotiated_type(media_type)
    return Response(body, media_type=content_type, headers=headers)


@router.get(
    "/catalog",
    tags=["linked data"],
    summary="The registry as a DCAT-AP catalog, paged with Hydra",
    description="Every live record as a dcat:Dataset with its distribution and licence."
    " Parameters: `page_size` (1-1000, default 100), `cursor` (from hydra:next),"
    " `source` (one source's records), `modified_since` (ISO 8601: records the registry"
    " changed since then). Turtle, JSON-LD, RDF/XML or N-Triples by Accept.",
    response_model=None,
    responses={200: {"content": {media: {} for media in _CATALOG_TYPES}}},
)
def get_catalog(request: Request, registry: RegistryDep) -> Response:
    query = parse_catalog_query(dict(request.query_params))
    media_type = choose(request.headers.get("accept"), _CATALOG_TYPES)
    if media_type is None:
        return _not_acceptable(_CATALOG_TYPES)
    triples = catalog_page(registry.store, registry.settings, query)
    return _rdf_response(serialize(triples, media_type), media_type, {"Vary": "Accept"})


router.add_api_route("/catalog", get_catalog, methods=["HEAD"], include_in_schema=False)

# The vocabularies, as files shipped with the package.
_VOCABULARIES = {
    "licences.ttl": "text/turtle",
    "challenges.ttl": "text/turtle",
    "types.ttl": "text/turtle",
    "ip-types.ttl": "text/turtle",
    "licensing-modes.ttl": "text/turtle",
    "offeror-types.ttl": "text/turtle",
    "eligibility.ttl": "text/turtle",
    "trl.ttl": "text/turtle",
    "odrl-profile.ttl": "text/turtle",
    "context.jsonld": "application/ld+json",
}


@router.get(
    "/vocab/{name}",
    tags=["linked data"],
    summary="The registry's vocabularies: licences, challenges, types, the IP-offer schemes"
    " (ip-types, licensing-modes, offeror-types, eligibility, trl), the ODRL profile, and the"
    " JSON-LD context context.jsonld",
    response_model=None,
)
def get_vocabulary(name: str) -> Response:
    media_type = _VOCABULARIES.get(name)
    if media_type is None:
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Not Found",
                "status": 404,
                "detail": f"no vocabulary {name!r}; there are {', '.join(sorted(_VOCABULARIES))}",
            },
            status_code=404,
            media_type="application/problem+json",
        )
    body = resources.files("vocab").joinpath(name).read_bytes()
    return _rdf_response(
        body,
        media_type,
        {"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )
