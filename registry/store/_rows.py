"""Rows of the store's tables as the registry's models, for every SQL store alike.

Stores differ in how a row holds a moment (SQLite: ISO text; PostgreSQL: ``timestamptz``)
and JSON (text or already parsed): each passes its own ``when`` and ``parse``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic_core import from_json

from registry.models import (
    ApiKey,
    AuditEntry,
    HarvestError,
    HarvestRun,
    Notice,
    ProblemReport,
    Review,
    parse_record,
)
from registry.store import Change, StoredRecord

Moment = Callable[[Any], datetime | None]
"""A moment as a row holds it, as an aware datetime (``None`` for none)."""
Parse = Callable[[Any], Any]
"""A JSON column as a row holds it, as Python data (``None`` for none)."""

#: The columns :func:`run_from_row` reads, in order (the other converters' are in their
#: callers' queries, in the order of the fields they fill).
RUN_COLUMNS = (
    'id, source, "full", status, started, finished, added, updated, unchanged, deleted,'
    " failed, checkpoint, message, since"
)


def _now() -> datetime:
    return datetime.now(UTC)


def run_from_row(
    row: tuple[Any, ...], errors: list[HarvestError], when: Moment, parse: Parse
) -> HarvestRun:
    (
        rid,
        source,
        full,
        status,
        started,
        finished,
        added,
        updated,
        unchanged,
        deleted,
        failed,
        checkpoint,
        message,
        since,
    ) = row
    return HarvestRun(
        id=rid,
        source=source,
        full=bool(full),
        status=status,
        started=when(started) or _now(),
        finished=when(finished),
        added=added,
        updated=updated,
        unchanged=unchanged,
        deleted=deleted,
        failed=failed,
        checkpoint=parse(checkpoint) if checkpoint else None,
        message=message,
        since=when(since),
        errors=errors,
    )


def key_from_row(row: tuple[Any, ...], when: Moment) -> ApiKey:
    prefix, publisher, label, created, revoked, last_used = row
    return ApiKey(
        prefix=prefix,
        publisher=publisher,
        label=label,
        created=when(created) or _now(),
        revoked=when(revoked),
        last_used=when(last_used),
    )


def audit_from_row(row: tuple[Any, ...], when: Moment, parse: Parse) -> AuditEntry:
    entry_id, at, publisher, key, action, target, detail = row
    return AuditEntry(
        id=entry_id,
        at=when(at) or _now(),
        publisher=publisher,
        key=key,
        action=action,
        target=target,
        detail=(parse(detail) if detail else None) or {},
    )


def review_from_row(row: tuple[Any, ...], when: Moment) -> Review:
    record_id, reviewer, clarity, completeness, usefulness, comment, at = row
    return Review(
        record_id=record_id,
        reviewer=reviewer,
        clarity=clarity,
        completeness=completeness,
        usefulness=usefulness,
        comment=comment,
        at=when(at),
    )


def report_from_row(row: tuple[Any, ...], when: Moment) -> ProblemReport:
    report_id, record_id, reporter, kind, detail, at, resolved = row
    return ProblemReport(
        id=report_id,
        record_id=record_id,
        reporter=reporter,
        kind=kind,
        detail=detail,
        at=when(at),
        resolved=when(resolved),
    )


def notice_from_row(row: tuple[Any, ...], when: Moment) -> Notice:
    notice_id, publisher, record_id, kind, message, at, read = row
    return Notice(
        id=notice_id,
        publisher=publisher,
        record_id=record_id,
        kind=kind,
        message=message,
        at=when(at) or _now(),
        read=bool(read),
    )


def stored_from_row(row: tuple[Any, ...], when: Moment) -> StoredRecord:
    """``id, seq, deleted, updated, data, source, run`` of a record."""
    rid, seq, deleted, updated, data, source, run = row
    return StoredRecord(
        id=rid,
        seq=seq,
        deleted=bool(deleted),
        updated=when(updated) or _now(),
        record=parse_record(data) if data else None,
        source=source,
        run=run,
    )


def change_from_row(row: tuple[Any, ...], when: Moment) -> Change:
    """``seq, id, deleted, data, source, updated, run`` of a record, for the change feed
    (its data parsed as JSON only, the model built when asked for)."""
    seq, rid, deleted, data, source, updated, run = row
    return Change(
        seq=seq,
        id=rid,
        deleted=bool(deleted),
        data=from_json(data) if data else None,
        source=source,
        updated=when(updated),
        run=run,
    )
