"""Publishing IP offers with an API key, peer review, and publishers' notices.

Writes need a publisher's key (``Authorization: Bearer reg_...``, from ``registry keys
create``): no key 401; another publisher's offer 403; invalid offers 422 with every field
error; over the key's write rate 429 with ``Retry-After``. Every write is audited.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from registry.api.routes import RegistryDep
from registry.core import Registry
from registry.errors import InvalidContent, NotFound, TooManyRequests
from registry.keys import verify_key
from registry.models import ApiKey, IPOffer
from registry.offers import (
    delete_offer,
    own_offer,
    put_offer,
    report_problem,
    report_uptake,
    review_offer,
)

router = APIRouter(tags=["offers"])

_JSON_TYPES = ("application/json", "application/ld+json")


def _presented_key(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def publisher_key(request: Request, registry: RegistryDep) -> ApiKey:
    """The publisher's key a request carries (401 without a valid one)."""
    return verify_key(registry.store, _presented_key(request))


def writer_key(request: Request, registry: RegistryDep) -> ApiKey:
    """A publisher's key that is within its write rate: at most ``api_writes_per_minute``
    writes in any minute, counted from the audit log, so every process serving the API
    (replicas behind a proxy) counts the same writes."""
    key = publisher_key(request, registry)
    per_minute = registry.settings.api_writes_per_minute
    now = datetime.now(UTC)
    count, first = registry.store.recent_writes(key.prefix, now - timedelta(minutes=1))
    if count >= per_minute:
        wait = 60 if first is None else max(1, math.ceil(60 - (now - first).total_seconds()))
        raise TooManyRequests(
            f"this key may write {per_minute} times a minute; wait {wait} s", retry_after=wait
        )
    return key


KeyDep = Annotated[ApiKey, Depends(publisher_key)]
WriterDep = Annotated[ApiKey, Depends(writer_key)]


async def _body(request: Request) -> Any:
    """A JSON (or JSON-LD) request body; 415 and 422 say what is wrong with one."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _JSON_TYPES:
        raise HTTPException(415, detail="send the body as application/json or application/ld+json")
    raw = await request.body()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidContent(
            "the request", [{"field": "(body)", "message": f"not JSON: {exc}"}]
        ) from None


def _offer_response(registry: Registry, offer: IPOffer, status: int) -> JSONResponse:
    uri = registry.record_uri(offer.id)
    return JSONResponse(
        registry.record_json(offer),
        status_code=status,
        headers={"Location": uri, "Content-Location": f"{uri}.json"},
    )


@router.post(
    "/api/offers",
    summary="Publish an IP offer (JSON or JSON-LD, see schemas/ip-offer.schema.json)",
    status_code=201,
    responses={
        200: {"description": "An offer with this identifier existed and was replaced"},
        201: {"description": "The offer was published"},
        401: {"description": "No valid API key"},
        422: {"description": "The offer is not valid: every field error is listed"},
        429: {"description": "Over the key's write rate"},
    },
)
async def post_offer(request: Request, registry: RegistryDep, key: WriterDep) -> JSONResponse:
    body = await _body(request)
    offer, created = put_offer(registry.store, key, body, base_uri=registry.settings.base)
    registry.refresh_index()
    return _offer_response(registry, offer, 201 if created else 200)


@router.get("/api/offers/{offer_id}", summary="One IP offer with its peer review")
def get_offer(registry: RegistryDep, offer_id: str) -> JSONResponse:
    record = registry.live_record(offer_id)
    if not isinstance(record, IPOffer):
        raise NotFound(f"{offer_id!r} is not an IP offer", kind="offer", key=offer_id)
    return JSONResponse(registry.record_json(record))


@router.put(
    "/api/offers/{offer_id}",
    summary="Replace one of your offers",
    responses={403: {"description": "The offer belongs to another publisher"}},
)
async def replace_offer(
    request: Request, registry: RegistryDep, key: WriterDep, offer_id: str
) -> JSONResponse:
    existing = own_offer(registry.store, key, offer_id)
    body = await _body(request)
    offer, _ = put_offer(
        registry.store,
        key,
        body,
        base_uri=registry.settings.base,
        identifier=existing.source_identifier,
        must_exist=True,
    )
    registry.refresh_index()
    return _offer_response(registry, offer, 200)


@router.delete(
    "/api/offers/{offer_id}",
    summary="Withdraw one of your offers (it stays as a tombstone)",
    status_code=204,
    response_class=Response,
)
def remove_offer(registry: RegistryDep, key: WriterDep, offer_id: str) -> Response:
    delete_offer(registry.store, key, offer_id)
    registry.refresh_index()
    return Response(status_code=204)


@router.post(
    "/api/offers/{offer_id}/reviews",
    summary="Review an offer: clarity, completeness, usefulness (0-5 each) and a comment",
    status_code=201,
)
async def post_review(
    request: Request, registry: RegistryDep, key: WriterDep, offer_id: str
) -> dict[str, Any]:
    review = review_offer(registry.store, key, offer_id, await _body(request))
    return {"review": review.model_dump(mode="json"), "offer": registry.offer_review(offer_id)}


@router.post(
    "/api/offers/{offer_id}/reports",
    summary="Report a problem: stale, contact-unreachable, wrong-terms, lapsed-patent, other",
    status_code=201,
)
async def post_report(
    request: Request, registry: RegistryDep, key: WriterDep, offer_id: str
) -> dict[str, Any]:
    report = report_problem(registry.store, key, offer_id, await _body(request))
    return {"report": report.model_dump(mode="json"), "offer": registry.offer_review(offer_id)}


@router.post(
    "/api/offers/{offer_id}/uptake",
    summary="Say you took up an offer (licensed it, contacted the offeror, built on it)",
    status_code=201,
)
async def post_uptake(
    request: Request, registry: RegistryDep, key: WriterDep, offer_id: str
) -> dict[str, Any]:
    uptake = report_uptake(registry.store, key, offer_id, await _body(request))
    return {"uptake": uptake.model_dump(mode="json"), "offer": registry.offer_review(offer_id)}


@router.get("/api/notices", summary="Your notices: problems reported on your offers, reviews due")
def get_notices(registry: RegistryDep, key: KeyDep, unread: bool = False) -> list[dict[str, Any]]:
    return [
        n.model_dump(mode="json") for n in registry.store.notices(key.publisher, unread_only=unread)
    ]


@router.post("/api/notices/read", summary="Mark notices read", status_code=200)
async def read_notices(request: Request, registry: RegistryDep, key: KeyDep) -> dict[str, int]:
    body = await _body(request)
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise InvalidContent("the request", [{"field": "ids", "message": "a list of notice ids"}])
    return {"read": registry.store.mark_notices_read(key.publisher, ids)}
