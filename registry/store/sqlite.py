"""The embedded store: SQLite in WAL mode.

One connection per thread; writes take ``BEGIN IMMEDIATE`` so that writers in other
processes queue behind each other instead of failing half-way. Every change to a
record gets the next sequence number, which the change feed follows.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from registry.errors import Conflict, NotFound
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
)
from registry.store import Change, StoredRecord, WriteCounts
from registry.store._rows import (
    RUN_COLUMNS,
    audit_from_row,
    change_from_row,
    key_from_row,
    notice_from_row,
    report_from_row,
    review_from_row,
    run_from_row,
    stored_from_row,
)

# Each migration moves the schema one version up; they run in order, once.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        data TEXT NOT NULL
    );
    CREATE TABLE records (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        hash TEXT,
        deleted INTEGER NOT NULL DEFAULT 0,
        updated TEXT NOT NULL,
        seen_run INTEGER,
        data TEXT
    );
    CREATE INDEX records_by_source ON records (source, deleted);
    CREATE TABLE harvest_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        full INTEGER NOT NULL,
        status TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        added INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        checkpoint TEXT,
        message TEXT
    );
    CREATE INDEX harvest_runs_by_source ON harvest_runs (source, id);
    CREATE TABLE harvest_errors (
        run INTEGER NOT NULL REFERENCES harvest_runs (id),
        identifier TEXT,
        message TEXT NOT NULL
    );
    CREATE INDEX harvest_errors_by_run ON harvest_errors (run);
    CREATE TABLE checkpoints (
        name TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
    );
    """,
    # 2: an error says where it happened and shows the start of the record; a finished run
    # is "succeeded" or, when some records failed, "partial".
    """
    ALTER TABLE harvest_errors ADD COLUMN stage TEXT;
    ALTER TABLE harvest_errors ADD COLUMN snippet TEXT;
    UPDATE harvest_runs SET status = CASE WHEN failed > 0 THEN 'partial' ELSE 'succeeded' END
        WHERE status = 'completed';
    """,
    # 3: a run keeps the moment it harvests from, so a resumed run asks what it first asked.
    """
    ALTER TABLE harvest_runs ADD COLUMN since TEXT;
    """,
    # 4: a record remembers the harvest run that last changed it (provenance), and the
    # change feed can be read per source or by time (OAI-PMH sets, from and until).
    """
    ALTER TABLE records ADD COLUMN run INTEGER;
    CREATE INDEX records_by_source_seq ON records (source, seq);
    CREATE INDEX records_by_updated ON records (updated);
    """,
    # 5: publishers' API keys (hashed) and an audit log of every write through the API.
    """
    CREATE TABLE api_keys (
        prefix TEXT PRIMARY KEY,
        publisher TEXT NOT NULL,
        hash TEXT NOT NULL,
        label TEXT,
        created TEXT NOT NULL,
        revoked TEXT,
        last_used TEXT
    );
    CREATE INDEX api_keys_by_publisher ON api_keys (publisher);
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        publisher TEXT,
        key TEXT,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX audit_log_by_publisher ON audit_log (publisher, id);
    """,
    # 6: peer review of IP offers (reviews, problem reports, uptake) and notices to
    # publishers.
    """
    CREATE TABLE reviews (
        record_id TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        clarity INTEGER NOT NULL,
        completeness INTEGER NOT NULL,
        usefulness INTEGER NOT NULL,
        comment TEXT,
        at TEXT NOT NULL,
        PRIMARY KEY (record_id, reviewer)
    );
    CREATE TABLE problem_reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        record_id TEXT NOT NULL,
        reporter TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT,
        at TEXT NOT NULL,
        resolved TEXT
    );
    CREATE INDEX problem_reports_by_record ON problem_reports (record_id);
    CREATE TABLE uptake (
        record_id TEXT NOT NULL,
        reporter TEXT NOT NULL,
        note TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX uptake_by_record ON uptake (record_id);
    CREATE TABLE notices (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        publisher TEXT NOT NULL,
        record_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        at TEXT NOT NULL,
        read INTEGER NOT NULL DEFAULT 0,
        UNIQUE (publisher, record_id, kind, message)
    );
    CREATE INDEX notices_by_publisher ON notices (publisher, id);
    """,
    # 7: a key's recent writes are counted from the audit log (the write rate, shared by
    # every process of the registry).
    """
    CREATE INDEX audit_log_by_key ON audit_log (key, at);
    """,
]

_MAX_ERRORS_PER_RUN = 1000


def _now() -> datetime:
    return datetime.now(UTC)


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _hash(data: str) -> str:
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


class SQLiteStore:
    """The :class:`~registry.store.Store` on one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.migrate()

    # connections -----------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it, or none of it."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def migrate(self) -> int:
        """Bring the schema up to date; returns the schema version."""
        with self._write() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("DELETE FROM schema_version")
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
            return len(MIGRATIONS)

    # sources ---------------------------------------------------------------------

    def add_source(self, source: Source) -> Source:
        if source.created is None:
            source = source.model_copy(update={"created": _now()})
        with self._write() as conn:
            try:
                conn.execute(
                    "INSERT INTO sources (name, data) VALUES (?, ?)",
                    (source.name, source.model_dump_json()),
                )
            except sqlite3.IntegrityError:
                raise Conflict(f"a source named {source.name!r} exists already") from None
        return source

    def get_source(self, name: str) -> Source:
        row = self._conn().execute("SELECT data FROM sources WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"no source named {name!r}", kind="source", key=name)
        return Source.model_validate_json(row[0])

    def list_sources(self) -> list[Source]:
        rows = self._conn().execute("SELECT data FROM sources ORDER BY name").fetchall()
        return [Source.model_validate_json(r[0]) for r in rows]

    def update_source(self, source: Source) -> None:
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE sources SET data = ? WHERE name = ?",
                (source.model_dump_json(), source.name),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no source named {source.name!r}", kind="source", key=source.name)

    def remove_source(self, name: str, *, withdraw_records: bool = True) -> int:
        """Unregister a source; with ``withdraw_records`` its records become tombstones.
        Returns how many were withdrawn. Its harvest runs stay, as history."""
        with self._write() as conn:
            cur = conn.execute("DELETE FROM sources WHERE name = ?", (name,))
            if cur.rowcount == 0:
                raise NotFound(f"no source named {name!r}", kind="source", key=name)
            if not withdraw_records:
                return 0
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM records WHERE source = ? AND deleted = 0", (name,)
                )
            ]
            return self._delete(conn, ids).deleted

    # harvest runs ----------------------------------------------------------------

    def start_run(self, source: str, *, full: bool, since: datetime | None = None) -> HarvestRun:
        started = _now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO harvest_runs (source, full, status, started, since)"
                " VALUES (?, ?, 'running', ?, ?)",
                (source, int(full), _ts(started), _ts(since)),
            )
            run_id = cur.lastrowid
        assert run_id is not None
        return HarvestRun(id=run_id, source=source, full=full, started=started, since=since)

    def resumable_run(self, source: str) -> HarvestRun | None:
        """The source's last run if it stopped before it finished (crash, kill, Ctrl-C)."""
        row = (
            self._conn()
            .execute(
                "SELECT id FROM harvest_runs WHERE source = ? ORDER BY id DESC LIMIT 1", (source,)
            )
            .fetchone()
        )
        if row is None:
            return None
        run = self.get_run(row[0])
        if run.status in ("running", "interrupted"):
            return run
        if run.status == "failed" and run.checkpoint is not None:
            return run
        return None

    @staticmethod
    def _row_to_run(row: tuple[Any, ...], errors: list[HarvestError]) -> HarvestRun:
        return run_from_row(row, errors, _dt, json.loads)

    _RUN_COLUMNS = RUN_COLUMNS

    def get_run(self, run_id: int) -> HarvestRun:
        conn = self._conn()
        row = conn.execute(
            f"SELECT {self._RUN_COLUMNS} FROM harvest_runs WHERE id = ?", (run_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no harvest run {run_id}", kind="run", key=str(run_id))
        errors = [
            HarvestError(identifier=i, message=m, stage=stage, snippet=snippet)
            for i, m, stage, snippet in conn.execute(
                "SELECT identifier, message, stage, snippet FROM harvest_errors"
                " WHERE run = ? ORDER BY rowid",
                (run_id,),
            )
        ]
        return self._row_to_run(row, errors)

    def list_runs(self, source: str | None = None, limit: int = 20) -> list[HarvestRun]:
        conn = self._conn()
        if source is None:
            rows = conn.execute(
                f"SELECT {self._RUN_COLUMNS} FROM harvest_runs ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        else:
            rows = conn.execute(
                f"SELECT {self._RUN_COLUMNS} FROM harvest_runs WHERE source = ? ORDER BY id DESC LIMIT ?",
                (source, limit),
            ).fetchall()
        return [self._row_to_run(r, []) for r in rows]

    def save_page(
        self,
        run: HarvestRun,
        records: Sequence[Work | IPOffer],
        deleted_ids: Sequence[str],
        errors: Sequence[HarvestError],
        checkpoint: dict[str, Any] | None,
        last_datestamp: datetime | None,
        seen_ids: Sequence[str] = (),
    ) -> WriteCounts:
        """Write one harvested page, its errors and the run's checkpoint in one transaction.

        ``seen_ids``: records the source still lists though they failed this time; they
        count as seen, so a full run does not tombstone them."""
        with self._write() as conn:
            counts = self._upsert(conn, records, seen_run=run.id)
            counts += self._delete(conn, deleted_ids, run=run.id)
            if seen_ids:
                conn.executemany(
                    "UPDATE records SET seen_run = ? WHERE id = ?",
                    [(run.id, rid) for rid in seen_ids],
                )
            stored_errors = conn.execute(
                "SELECT COUNT(*) FROM harvest_errors WHERE run = ?", (run.id,)
            ).fetchone()[0]
            room = max(0, _MAX_ERRORS_PER_RUN - stored_errors)
            conn.executemany(
                "INSERT INTO harvest_errors (run, identifier, message, stage, snippet)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        run.id,
                        e.identifier,
                        e.message[:2000],
                        e.stage,
                        (e.snippet or None) and e.snippet[:2000],
                    )
                    for e in errors[:room]
                ],
            )
            run.added += counts.added
            run.updated += counts.updated
            run.unchanged += counts.unchanged
            run.deleted += counts.deleted
            run.failed += len(errors)
            run.checkpoint = checkpoint
            conn.execute(
                "UPDATE harvest_runs SET added = ?, updated = ?, unchanged = ?, deleted = ?,"
                " failed = ?, checkpoint = ? WHERE id = ?",
                (
                    run.added,
                    run.updated,
                    run.unchanged,
                    run.deleted,
                    run.failed,
                    json.dumps(checkpoint) if checkpoint is not None else None,
                    run.id,
                ),
            )
            if last_datestamp is not None:
                row = conn.execute(
                    "SELECT data FROM sources WHERE name = ?", (run.source,)
                ).fetchone()
                if row is not None:
                    source = Source.model_validate_json(row[0])
                    if source.last_datestamp is None or last_datestamp > source.last_datestamp:
                        source.last_datestamp = last_datestamp
                        conn.execute(
                            "UPDATE sources SET data = ? WHERE name = ?",
                            (source.model_dump_json(), source.name),
                        )
        return counts

    def finish_run(
        self,
        run: HarvestRun,
        *,
        status: str,
        message: str | None = None,
        tombstone_unseen: bool = False,
    ) -> HarvestRun:
        finished = _now()
        with self._write() as conn:
            if tombstone_unseen:
                ids = [
                    r[0]
                    for r in conn.execute(
                        "SELECT id FROM records WHERE source = ? AND deleted = 0"
                        " AND (seen_run IS NULL OR seen_run != ?)",
                        (run.source, run.id),
                    )
                ]
                run.deleted += self._delete(conn, ids, run=run.id).deleted
            conn.execute(
                "UPDATE harvest_runs SET status = ?, finished = ?, message = ?, deleted = ? WHERE id = ?",
                (status, _ts(finished), message, run.deleted, run.id),
            )
            if status in ("succeeded", "partial"):
                row = conn.execute(
                    "SELECT data FROM sources WHERE name = ?", (run.source,)
                ).fetchone()
                if row is not None:
                    source = Source.model_validate_json(row[0])
                    source.last_harvest = finished
                    conn.execute(
                        "UPDATE sources SET data = ? WHERE name = ?",
                        (source.model_dump_json(), source.name),
                    )
        run.status = status  # type: ignore[assignment]
        run.finished = finished
        run.message = message
        return run

    # records ---------------------------------------------------------------------

    def upsert(self, records: Sequence[Work | IPOffer]) -> WriteCounts:
        with self._write() as conn:
            return self._upsert(conn, records, seen_run=None)

    def delete(self, ids: Sequence[str]) -> WriteCounts:
        with self._write() as conn:
            return self._delete(conn, ids)

    @staticmethod
    def _next_seq(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT MAX(seq) FROM records").fetchone()
        return int(row[0] or 0) + 1

    @staticmethod
    def _existing(
        conn: sqlite3.Connection, ids: Sequence[str]
    ) -> dict[str, tuple[str | None, int]]:
        found: dict[str, tuple[str | None, int]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for rid, digest, deleted in conn.execute(
                f"SELECT id, hash, deleted FROM records WHERE id IN ({marks})", chunk
            ):
                found[rid] = (digest, deleted)
        return found

    def _upsert(
        self, conn: sqlite3.Connection, records: Sequence[Work | IPOffer], *, seen_run: int | None
    ) -> WriteCounts:
        counts = WriteCounts()
        if not records:
            return counts
        # The last version of an id in one batch wins.
        latest: dict[str, Work | IPOffer] = {}
        for record in records:
            latest[record.id] = record
        existing = self._existing(conn, list(latest))
        seq = self._next_seq(conn)
        now = _ts(_now())
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        seen: list[tuple[int, str]] = []
        for rid, record in latest.items():
            data = record.model_dump_json()
            digest = _hash(data)
            before = existing.get(rid)
            if before is None:
                inserts.append(
                    (rid, seq, record.source, record.kind, digest, now, seen_run, seen_run, data)
                )
                seq += 1
                counts.added += 1
                counts.ids.append(rid)
            elif before[0] != digest or before[1]:
                updates.append(
                    (seq, record.source, record.kind, digest, now, seen_run, seen_run, data, rid)
                )
                seq += 1
                counts.updated += 1
                counts.ids.append(rid)
            else:
                counts.unchanged += 1
                if seen_run is not None:
                    seen.append((seen_run, rid))
        conn.executemany(
            "INSERT INTO records (id, seq, source, kind, hash, deleted, updated, seen_run, run,"
            " data) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
            inserts,
        )
        conn.executemany(
            "UPDATE records SET seq = ?, source = ?, kind = ?, hash = ?, deleted = 0, updated = ?,"
            " seen_run = ?, run = ?, data = ? WHERE id = ?",
            updates,
        )
        if seen:
            conn.executemany("UPDATE records SET seen_run = ? WHERE id = ?", seen)
        return counts

    def _delete(
        self, conn: sqlite3.Connection, ids: Sequence[str], *, run: int | None = None
    ) -> WriteCounts:
        """Turn records into tombstones (kept, with no data, so the change feed carries them)."""
        counts = WriteCounts()
        if not ids:
            return counts
        existing = self._existing(conn, list(dict.fromkeys(ids)))
        seq = self._next_seq(conn)
        now = _ts(_now())
        rows = []
        for rid, (_digest, deleted) in existing.items():
            if deleted:
                continue
            rows.append((seq, now, run, rid))
            seq += 1
            counts.deleted += 1
            counts.ids.append(rid)
        conn.executemany(
            "UPDATE records SET seq = ?, deleted = 1, hash = NULL, data = NULL, updated = ?,"
            " run = ? WHERE id = ?",
            rows,
        )
        return counts

    def get(self, record_id: str) -> StoredRecord | None:
        row = (
            self._conn()
            .execute(
                "SELECT id, seq, deleted, updated, data, source, run FROM records WHERE id = ?",
                (record_id,),
            )
            .fetchone()
        )
        if row is None:
            return None
        return stored_from_row(row, _dt)

    def count(
        self,
        *,
        include_deleted: bool = False,
        source: str | None = None,
        since: datetime | None = None,
    ) -> int:
        where = [] if include_deleted else ["deleted = 0"]
        args: list[Any] = []
        if source is not None:
            where.append("source = ?")
            args.append(source)
        if since is not None:
            where.append("updated >= ?")
            args.append(_ts(since.astimezone(UTC)))
        sql = "SELECT COUNT(*) FROM records" + (f" WHERE {' AND '.join(where)}" if where else "")
        return int(self._conn().execute(sql, args).fetchone()[0])

    # change feed -----------------------------------------------------------------

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
        where = ["seq > ?"]
        args: list[Any] = [after]
        if source is not None:
            where.append("source = ?")
            args.append(source)
        if family is not None:
            where.append("deleted = 0 AND json_extract(data, '$.licence.family') = ?")
            args.append(family)
        if since is not None:
            where.append("updated >= ?")
            args.append(_ts(since.astimezone(UTC)))
        if until is not None:
            where.append("updated <= ?")
            args.append(_ts(until.astimezone(UTC)))
        if not include_deleted:
            where.append("deleted = 0")
        rows = (
            self._conn()
            .execute(
                "SELECT seq, id, deleted, data, source, updated, run FROM records"
                f" WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
                (*args, limit),
            )
            .fetchall()
        )
        return [change_from_row(row, _dt) for row in rows]

    # API keys and the audit log -------------------------------------------------------

    def add_key(self, key: ApiKey, digest: str) -> ApiKey:
        try:
            with self._write() as conn:
                conn.execute(
                    "INSERT INTO api_keys (prefix, publisher, hash, label, created)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (key.prefix, key.publisher, digest, key.label, _ts(key.created)),
                )
        except sqlite3.IntegrityError:
            raise Conflict(f"a key with the prefix {key.prefix!r} exists already") from None
        return key

    @staticmethod
    def _row_to_key(row: tuple[Any, ...]) -> ApiKey:
        return key_from_row(row, _dt)

    def find_key(self, prefix: str) -> tuple[ApiKey, str] | None:
        row = (
            self._conn()
            .execute(
                "SELECT prefix, publisher, label, created, revoked, last_used, hash"
                " FROM api_keys WHERE prefix = ?",
                (prefix,),
            )
            .fetchone()
        )
        return (self._row_to_key(row[:6]), row[6]) if row else None

    def list_keys(self, publisher: str | None = None) -> list[ApiKey]:
        sql = "SELECT prefix, publisher, label, created, revoked, last_used FROM api_keys"
        args: tuple[Any, ...] = ()
        if publisher is not None:
            sql += " WHERE publisher = ?"
            args = (publisher,)
        rows = self._conn().execute(sql + " ORDER BY created, prefix", args).fetchall()
        return [self._row_to_key(r) for r in rows]

    def revoke_key(self, prefix: str) -> bool:
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE api_keys SET revoked = ? WHERE prefix = ? AND revoked IS NULL",
                (_ts(_now()), prefix),
            )
            return cursor.rowcount > 0

    def touch_key(self, prefix: str) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE api_keys SET last_used = ? WHERE prefix = ?", (_ts(_now()), prefix)
            )

    def audit(
        self,
        *,
        action: str,
        target: str,
        publisher: str | None = None,
        key: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO audit_log (at, publisher, key, action, target, detail)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_ts(_now()), publisher, key, action, target, json.dumps(detail or {})),
            )

    def recent_writes(self, key: str, since: datetime) -> tuple[int, datetime | None]:
        row = (
            self._conn()
            .execute(
                "SELECT COUNT(*), MIN(at) FROM audit_log WHERE key = ? AND at >= ?",
                (key, _ts(since.astimezone(UTC))),
            )
            .fetchone()
        )
        return int(row[0]), _dt(row[1])

    def audit_log(self, *, publisher: str | None = None, limit: int = 100) -> list[AuditEntry]:
        sql = "SELECT id, at, publisher, key, action, target, detail FROM audit_log"
        args: list[Any] = []
        if publisher is not None:
            sql += " WHERE publisher = ?"
            args.append(publisher)
        rows = self._conn().execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [audit_from_row(row, _dt, json.loads) for row in rows]

    # peer review and notices -----------------------------------------------------------

    def save_review(self, review: Review) -> Review:
        """A reviewer's review of a record (a second review by the same reviewer replaces
        the first)."""
        at = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO reviews (record_id, reviewer, clarity, completeness, usefulness,"
                " comment, at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id, reviewer)"
                " DO UPDATE SET clarity = excluded.clarity, completeness = excluded.completeness,"
                " usefulness = excluded.usefulness, comment = excluded.comment, at = excluded.at",
                (
                    review.record_id,
                    review.reviewer,
                    review.clarity,
                    review.completeness,
                    review.usefulness,
                    review.comment,
                    _ts(at),
                ),
            )
        return review.model_copy(update={"at": at})

    def reviews(self, record_id: str) -> list[Review]:
        rows = self._conn().execute(
            "SELECT record_id, reviewer, clarity, completeness, usefulness, comment, at"
            " FROM reviews WHERE record_id = ? ORDER BY at",
            (record_id,),
        )
        return [review_from_row(r, _dt) for r in rows]

    def add_report(self, report: ProblemReport) -> ProblemReport:
        at = _now()
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO problem_reports (record_id, reporter, kind, detail, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (report.record_id, report.reporter, report.kind, report.detail, _ts(at)),
            )
        return report.model_copy(update={"id": cursor.lastrowid, "at": at})

    def reports(self, record_id: str, *, open_only: bool = False) -> list[ProblemReport]:
        sql = (
            "SELECT id, record_id, reporter, kind, detail, at, resolved FROM problem_reports"
            " WHERE record_id = ?" + (" AND resolved IS NULL" if open_only else "") + " ORDER BY id"
        )
        return [report_from_row(r, _dt) for r in self._conn().execute(sql, (record_id,))]

    def resolve_report(self, report_id: int) -> bool:
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE problem_reports SET resolved = ? WHERE id = ? AND resolved IS NULL",
                (_ts(_now()), report_id),
            )
            return cursor.rowcount > 0

    def add_uptake(self, uptake: Uptake) -> Uptake:
        at = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO uptake (record_id, reporter, note, at) VALUES (?, ?, ?, ?)",
                (uptake.record_id, uptake.reporter, uptake.note, _ts(at)),
            )
        return uptake.model_copy(update={"at": at})

    def uptake(self, record_id: str) -> list[Uptake]:
        rows = self._conn().execute(
            "SELECT record_id, reporter, note, at FROM uptake WHERE record_id = ? ORDER BY at",
            (record_id,),
        )
        return [Uptake(record_id=r[0], reporter=r[1], note=r[2], at=_dt(r[3])) for r in rows]

    def notify(self, publisher: str, record_id: str, kind: str, message: str) -> bool:
        """Leave a notice for a publisher; the same notice is left once. True when new."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO notices (publisher, record_id, kind, message, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (publisher, record_id, kind, message, _ts(_now())),
            )
            return cursor.rowcount > 0

    def notices(self, publisher: str, *, unread_only: bool = False) -> list[Notice]:
        sql = (
            "SELECT id, publisher, record_id, kind, message, at, read FROM notices"
            " WHERE publisher = ?" + (" AND read = 0" if unread_only else "") + " ORDER BY id"
        )
        return [notice_from_row(r, _dt) for r in self._conn().execute(sql, (publisher,))]

    def mark_notices_read(self, publisher: str, ids: Sequence[int]) -> int:
        with self._write() as conn:
            cursor = conn.executemany(
                "UPDATE notices SET read = 1 WHERE publisher = ? AND id = ?",
                [(publisher, i) for i in ids],
            )
            return cursor.rowcount

    def set_names(self) -> tuple[list[str], list[str]]:
        conn = self._conn()
        sources = [r[0] for r in conn.execute("SELECT DISTINCT source FROM records")]
        families = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT json_extract(data, '$.licence.family') FROM records"
                " WHERE deleted = 0"
            )
            if r[0]
        ]
        return sorted(sources), sorted(families, key=str.casefold)

    def health(self) -> dict[str, Any]:
        try:
            self._conn().execute("SELECT 1 FROM records LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            return {"engine": "sqlite", "status": "down", "error": str(exc)}
        return {"engine": "sqlite", "status": "ok", "version": sqlite3.sqlite_version}

    def first_change(self) -> datetime | None:
        row = self._conn().execute("SELECT MIN(updated) FROM records").fetchone()
        return _dt(row[0]) if row and row[0] else None

    def last_seq(self) -> int:
        row = self._conn().execute("SELECT MAX(seq) FROM records").fetchone()
        return int(row[0] or 0)

    def checkpoint(self, name: str) -> int:
        row = self._conn().execute("SELECT seq FROM checkpoints WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def set_checkpoint(self, name: str, seq: int) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO checkpoints (name, seq) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
                (name, seq),
            )
