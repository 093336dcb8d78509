"""The store: the registry's source of truth.

:class:`Store` is the protocol every implementation follows; the shared contract tests in
``tests/test_store_contract.py`` run against each:

===========================  ============================================================
Implementation               Opened by :func:`open_store` for
===========================  ============================================================
``sqlite.SQLiteStore``       a path: the embedded default, one file in WAL mode
``postgres.PostgresStore``   a ``postgresql://`` (or ``postgres://``) URL; needs the
                             ``postgres`` extra (psycopg 3 and its pool)
===========================  ============================================================

``migrate.copy_store`` copies an embedded registry into an empty PostgreSQL database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from registry.models import (
    ApiKey,
    AuditEntry,
    HarvestError,
    HarvestRun,
    IPOffer,
    Notice,
    ProblemReport,
    Review,
    Source,
    Uptake,
    Work,
    parse_record,
)

__all__ = ["Change", "Store", "StoredRecord", "WriteCounts", "open_store"]


@dataclass(frozen=True, slots=True)
class StoredRecord:
    id: str
    seq: int
    deleted: bool
    updated: datetime
    record: Work | IPOffer | None
    """``None`` for a tombstone."""
    source: str | None = None
    run: int | None = None
    """The harvest run that last changed the record (``None``: written through the API)."""


class Change:
    """One entry of the change feed: the latest state of one record.

    ``data`` is the record as JSON-ready data (what projections index, without the cost of
    building a model); ``record`` is the typed record, built from it on first use.
    ``updated`` is when the store took the change, ``run`` the harvest run that made it
    (``None`` for a record written through the API) and ``source`` the record's source (kept
    for tombstones too).
    """

    __slots__ = ("_data", "_record", "deleted", "id", "run", "seq", "source", "updated")

    def __init__(
        self,
        seq: int,
        id: str,
        deleted: bool,
        record: Work | IPOffer | None = None,
        data: dict[str, Any] | None = None,
        *,
        source: str | None = None,
        updated: datetime | None = None,
        run: int | None = None,
    ) -> None:
        self.seq = seq
        self.id = id
        self.deleted = deleted
        self._record = record
        self._data = data
        self.source = source
        self.updated = updated
        self.run = run

    @property
    def record(self) -> Work | IPOffer | None:
        if self._record is None and self._data is not None:
            self._record = parse_record(self._data)
        return self._record

    @property
    def data(self) -> dict[str, Any] | None:
        if self._data is None and self._record is not None:
            self._data = self._record.model_dump(mode="json")
        return self._data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Change):
            return NotImplemented
        return (self.seq, self.id, self.deleted, self.data) == (
            other.seq,
            other.id,
            other.deleted,
            other.data,
        )

    def __repr__(self) -> str:
        return f"Change(seq={self.seq}, id={self.id!r}, deleted={self.deleted})"


@dataclass(slots=True)
class WriteCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    ids: list[str] = field(default_factory=list)

    def __iadd__(self, other: WriteCounts) -> WriteCounts:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        return self


class Store(Protocol):
    """What the registry needs from its store."""

    def close(self) -> None: ...

    # sources
    def add_source(self, source: Source) -> Source: ...
    def get_source(self, name: str) -> Source: ...
    def list_sources(self) -> list[Source]: ...
    def update_source(self, source: Source) -> None: ...
    def remove_source(self, name: str, *, withdraw_records: bool = True) -> int: ...

    # harvest runs
    def start_run(
        self, source: str, *, full: bool, since: datetime | None = None
    ) -> HarvestRun: ...
    def resumable_run(self, source: str) -> HarvestRun | None: ...
    def save_page(
        self,
        run: HarvestRun,
        records: Sequence[Work | IPOffer],
        deleted_ids: Sequence[str],
        errors: Sequence[HarvestError],
        checkpoint: dict[str, Any] | None,
        last_datestamp: datetime | None,
        seen_ids: Sequence[str] = (),
    ) -> WriteCounts: ...
    def finish_run(
        self,
        run: HarvestRun,
        *,
        status: str,
        message: str | None = None,
        tombstone_unseen: bool = False,
    ) -> HarvestRun: ...
    def get_run(self, run_id: int) -> HarvestRun: ...
    def list_runs(self, source: str | None = None, limit: int = 20) -> list[HarvestRun]: ...

    # records
    def upsert(self, records: Sequence[Work | IPOffer]) -> WriteCounts: ...
    def delete(self, ids: Sequence[str]) -> WriteCounts: ...
    def get(self, record_id: str) -> StoredRecord | None: ...
    def count(
        self,
        *,
        include_deleted: bool = False,
        source: str | None = None,
        since: datetime | None = None,
    ) -> int:
        """How many records (of one source, changed since a moment) the store holds."""
        ...

    # change feed
    def changes(
        self,
        after: int,
        limit: int = 1000,
        *,
        source: str | None = None,
        family: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        include_deleted: bool = True,
    ) -> list[Change]:
        """The latest state of the records changed after sequence number ``after``, in
        sequence order; optionally only one source's, only those under one licence family
        (tombstones then never match), only those changed in [since, until], only live ones."""
        ...

    def first_change(self) -> datetime | None:
        """When the oldest record still in the store last changed (OAI earliestDatestamp)."""
        ...

    def set_names(self) -> tuple[list[str], list[str]]:
        """The sources of the records (tombstones included) and the licence families of the
        live ones, each once and sorted (sources bytewise, families case-blind): OAI-PMH
        sets."""
        ...

    # API keys (stored hashed) and the audit log of writes through the API
    def add_key(self, key: ApiKey, digest: str) -> ApiKey: ...
    def find_key(self, prefix: str) -> tuple[ApiKey, str] | None:
        """The key with this prefix and the hash of its secret."""
        ...

    def list_keys(self, publisher: str | None = None) -> list[ApiKey]: ...
    def revoke_key(self, prefix: str) -> bool: ...
    def touch_key(self, prefix: str) -> None: ...
    def audit(
        self,
        *,
        action: str,
        target: str,
        publisher: str | None = None,
        key: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None: ...
    def audit_log(self, *, publisher: str | None = None, limit: int = 100) -> list[AuditEntry]: ...
    def recent_writes(self, key: str, since: datetime) -> tuple[int, datetime | None]:
        """How many writes the key made since ``since`` (from the audit log), and when the
        first of them was."""
        ...

    # peer review of offers, and notices to publishers
    def save_review(self, review: Review) -> Review: ...
    def reviews(self, record_id: str) -> list[Review]: ...
    def add_report(self, report: ProblemReport) -> ProblemReport: ...
    def reports(self, record_id: str, *, open_only: bool = False) -> list[ProblemReport]: ...
    def resolve_report(self, report_id: int) -> bool: ...
    def add_uptake(self, uptake: Uptake) -> Uptake: ...
    def uptake(self, record_id: str) -> list[Uptake]: ...
    def notify(self, publisher: str, record_id: str, kind: str, message: str) -> bool: ...
    def notices(self, publisher: str, *, unread_only: bool = False) -> list[Notice]: ...
    def mark_notices_read(self, publisher: str, ids: Sequence[int]) -> int: ...

    def health(self) -> dict[str, Any]:
        """The store's state for ``/health``: ``engine``, ``status`` ("ok" or "down"),
        ``error`` when down; never raises."""
        ...

    def last_seq(self) -> int: ...
    def checkpoint(self, name: str) -> int: ...
    def set_checkpoint(self, name: str, seq: int) -> None: ...


def open_store(url_or_path: str | Any) -> Store:
    """The store for a path (embedded SQLite) or a PostgreSQL URL."""
    text = str(url_or_path)
    if text.startswith(("postgres://", "postgresql://")):
        try:
            from registry.store.postgres import PostgresStore
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("psycopg"):
                raise
            from registry.errors import ConfigurationError

            raise ConfigurationError(
                "the PostgreSQL store needs psycopg 3 and its pool:"
                " pip install 'open-registry[postgres]'"
            ) from None
        return PostgresStore(text)
    from registry.store.sqlite import SQLiteStore

    return SQLiteStore(text)


def iter_changes(store: Store, after: int, batch: int = 1000) -> Iterator[Change]:
    """Every change after ``after``, in sequence order, fetched in batches."""
    while True:
        page = store.changes(after, batch)
        if not page:
            return
        yield from page
        after = page[-1].seq
