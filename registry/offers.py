"""Publishing IP offers through the API, peer review, and keeping offers alive.

- A publisher's offers live in its API source (``Source.kind == "api"``, named after the
  publisher); offers it harvests from its own feeds are its too (``Source.publisher``).
  A key may write only its own publisher's offers.
- Every write goes through the same normalise -> store path as a harvest, and into the
  audit log.
- Reviews (three marks 0-5), problem reports and uptake come from any key holder; a
  problem report flags the offer to its publisher (a notice) until resolved.
- :func:`check_review_due`: offers past ``review_due`` leave default search (see
  :meth:`IPOffer.is_current`) and their publisher gets a notice, once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from statistics import fmean
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from registry.errors import Conflict, Forbidden, InvalidContent, NotFound
from registry.models import ApiKey, IPOffer, ProblemReport, Review, Source, Uptake, record_id
from registry.normalise._offer import OfferSubmission, offer_from_submission, validation_errors
from registry.store import Store

_M = TypeVar("_M", bound=BaseModel)

__all__ = [
    "OfferInvalid",
    "check_review_due",
    "delete_offer",
    "offer_review",
    "publisher_of",
    "put_offer",
]


class OfferInvalid(InvalidContent):
    """A submitted offer (or review, report) with field errors; ``errors`` lists each."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("the request", errors)


def api_source_name(publisher: str) -> str:
    return publisher


def _api_source(store: Store, publisher: str, base_uri: str) -> Source:
    """The publisher's API source, made on its first offer."""
    name = api_source_name(publisher)
    try:
        source = store.get_source(name)
    except NotFound:
        return store.add_source(
            Source(
                name=name,
                kind="api",
                url=f"{base_uri.rstrip('/')}/api/offers?publisher={publisher}",
                schedule_hours=None,
                title=f"Offers published by {publisher} through the API",
                publisher=publisher,
            )
        )
    if source.publisher != publisher:
        raise Forbidden(f"the source {name!r} belongs to another publisher")
    return source


def publisher_of(store: Store, offer_id: str) -> str | None:
    """The publisher an offer belongs to (its source's publisher)."""
    stored = store.get(offer_id)
    if stored is None or stored.source is None:
        return None
    try:
        return store.get_source(stored.source).publisher
    except NotFound:
        return None


def parse_submission(body: Any) -> OfferSubmission:
    """A submission from a request body (JSON, or JSON-LD with the registry's context)."""
    if not isinstance(body, dict):
        raise OfferInvalid([{"field": "(body)", "message": "an offer is a JSON object"}])
    data = {k: v for k, v in body.items() if not k.startswith("@")}
    try:
        return OfferSubmission.model_validate(data)
    except ValidationError as exc:
        raise OfferInvalid(validation_errors(exc)) from None


def put_offer(
    store: Store,
    key: ApiKey,
    body: Any,
    *,
    base_uri: str,
    identifier: str | None = None,
    must_exist: bool = False,
) -> tuple[IPOffer, bool]:
    """Create or replace one of the key's publisher's offers; returns it and whether it is
    new. ``identifier`` from the URL (PUT) wins over one in the body."""
    submission = parse_submission(body)
    source = _api_source(store, key.publisher, base_uri)
    ident = identifier or submission.identifier or uuid.uuid4().hex
    if identifier and submission.identifier and submission.identifier != identifier:
        raise OfferInvalid(
            [{"field": "identifier", "message": "differs from the identifier in the URL"}]
        )
    offer_id = record_id(source.name, ident)
    existing = store.get(offer_id)
    if must_exist and (existing is None or existing.deleted):
        raise NotFound(f"no offer {ident!r} of {key.publisher}", kind="offer", key=ident)
    try:
        offer = offer_from_submission(
            submission,
            source=source.name,
            identifier=ident,
            base_uri=base_uri,
            modified=datetime.now(UTC),
        )
    except ValidationError as exc:
        raise OfferInvalid(validation_errors(exc)) from None
    store.upsert([offer])
    created = existing is None or existing.deleted
    store.audit(
        action="offer.create" if created else "offer.update",
        target=offer.id,
        publisher=key.publisher,
        key=key.prefix,
        detail={"identifier": ident},
    )
    return offer, created


def own_offer(store: Store, key: ApiKey, offer_id: str) -> IPOffer:
    """An offer the key's publisher may change through the API: :class:`NotFound`,
    :class:`Forbidden` (another publisher's), or :class:`Conflict` (it comes from the
    publisher's feed, and the next harvest would undo the change)."""
    stored = store.get(offer_id)
    if stored is None or stored.deleted or not isinstance(stored.record, IPOffer):
        raise NotFound(f"no offer with id {offer_id!r}", kind="offer", key=offer_id)
    if publisher_of(store, offer_id) != key.publisher:
        raise Forbidden(f"offer {offer_id!r} belongs to another publisher")
    source = store.get_source(stored.record.source)
    if source.kind != "api":
        raise Conflict(
            f"offer {offer_id!r} comes from your feed {source.name!r}: change it there,"
            " and the next harvest brings the change"
        )
    return stored.record


def delete_offer(store: Store, key: ApiKey, offer_id: str) -> None:
    """Withdraw one of the key's publisher's offers (it becomes a tombstone)."""
    own_offer(store, key, offer_id)
    store.delete([offer_id])
    store.audit(action="offer.delete", target=offer_id, publisher=key.publisher, key=key.prefix)


def _live_offer(store: Store, offer_id: str) -> IPOffer:
    stored = store.get(offer_id)
    if stored is None or stored.deleted or not isinstance(stored.record, IPOffer):
        raise NotFound(f"no offer with id {offer_id!r}", kind="offer", key=offer_id)
    return stored.record


def _from_body(model: type[_M], body: Any, **fixed: Any) -> _M:
    """A model from a request body, with ``fixed`` fields the body cannot set (who wrote
    it, about which offer); :class:`OfferInvalid` lists what is wrong."""
    if not isinstance(body, dict):
        raise OfferInvalid([{"field": "(body)", "message": "send a JSON object"}])
    try:
        return model.model_validate({**body, **fixed})
    except ValidationError as exc:
        raise OfferInvalid(validation_errors(exc)) from None


def review_offer(store: Store, key: ApiKey, offer_id: str, body: Any) -> Review:
    _live_offer(store, offer_id)
    if publisher_of(store, offer_id) == key.publisher:
        raise Forbidden("a publisher does not review its own offers")
    review = _from_body(Review, body, record_id=offer_id, reviewer=key.publisher)
    saved = store.save_review(review)
    store.audit(action="offer.review", target=offer_id, publisher=key.publisher, key=key.prefix)
    return saved


def report_problem(store: Store, key: ApiKey, offer_id: str, body: Any) -> ProblemReport:
    offer = _live_offer(store, offer_id)
    report = _from_body(ProblemReport, body, record_id=offer_id, reporter=key.publisher)
    saved = store.add_report(report)
    owner = publisher_of(store, offer_id)
    if owner:
        store.notify(
            owner,
            offer_id,
            "problem-report",
            f"{report.kind} reported on {offer.title!r}"
            + (f": {report.detail}" if report.detail else ""),
        )
    store.audit(
        action="offer.report",
        target=offer_id,
        publisher=key.publisher,
        key=key.prefix,
        detail={"kind": report.kind},
    )
    return saved


def report_uptake(store: Store, key: ApiKey, offer_id: str, body: Any) -> Uptake:
    _live_offer(store, offer_id)
    note = body.get("note") if isinstance(body, dict) else None
    if note is not None and not isinstance(note, str):
        raise OfferInvalid([{"field": "note", "message": "a note is text"}])
    saved = store.add_uptake(Uptake(record_id=offer_id, reporter=key.publisher, note=note))
    store.audit(action="offer.uptake", target=offer_id, publisher=key.publisher, key=key.prefix)
    return saved


def offer_review(store: Store, offer_id: str) -> dict[str, Any]:
    """What peers said of an offer: review count and mean marks, open problem reports by
    kind (any: the offer is flagged), and how often it was taken up."""
    reviews = store.reviews(offer_id)
    open_reports: dict[str, int] = {}
    for report in store.reports(offer_id, open_only=True):
        open_reports[report.kind] = open_reports.get(report.kind, 0) + 1

    def mean(values: list[int]) -> float | None:
        return round(fmean(values), 2) if values else None

    return {
        "reviews": {
            "count": len(reviews),
            "clarity": mean([r.clarity for r in reviews]),
            "completeness": mean([r.completeness for r in reviews]),
            "usefulness": mean([r.usefulness for r in reviews]),
        },
        "open_reports": open_reports,
        "flagged": bool(open_reports),
        "uptake": len(store.uptake(offer_id)),
    }


def check_review_due(store: Store, today: date | None = None) -> list[str]:
    """Notify the publishers of offers past their review date (once per offer and date);
    returns the ids of the offers that are past due."""
    from registry.store import iter_changes

    today = today or datetime.now(UTC).date()
    due = []
    for change in iter_changes(store, 0):
        data = change.data
        if change.deleted or not data or data.get("kind") != "ip-offer":
            continue
        review_due = data.get("review_due")
        if not review_due or date.fromisoformat(review_due) >= today:
            continue
        due.append(change.id)
        owner = publisher_of(store, change.id)
        if owner:
            store.notify(
                owner,
                change.id,
                "review-due",
                f"{data.get('title')!r} was due for review on {review_due}: confirm or update"
                " it (PUT /api/offers/...) to bring it back into search",
            )
    return due
