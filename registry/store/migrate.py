"""Copy an embedded registry (its SQLite file) into an empty PostgreSQL store.

Everything moves as it is: sources with their harvest state, every record and tombstone
with its sequence number, time, harvest run and digest (so the change feed goes on where it
was and a harvest still recognises unchanged records), harvest runs with their ids and
errors, projection checkpoints, API keys (their hashes), the audit log, reviews, problem
reports, uptake and notices. Ids are kept and the target's id sequences moved past them.

======================  =================================================================
Side                    How
======================  =================================================================
SQLite (source)         opened read-only (``mode=ro``), read in one transaction: a
                        consistent snapshot even while a registry writes to it; rows are
                        streamed in batches (memory stays flat)
PostgreSQL (target)     its schema created or brought up to date first; then one
                        transaction of ``COPY`` per table: a failed copy leaves it empty
Refusal                 a target that already holds anything (:class:`Conflict`), a
                        source whose schema is not this version's
                        (:class:`ConfigurationError`)
======================  =================================================================
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from psycopg import sql

from registry.errors import ConfigurationError, Conflict, NotFound
from registry.store import sqlite as embedded
from registry.store.postgres import (
    _FEED_LOCK,
    _MIGRATION_LOCK,
    IDENTITY_TABLES,
    TABLES,
    Connection,
    PostgresStore,
    _lock_key,
    clean_text,
)

__all__ = ["copy_store"]

Progress = Callable[[str, int], None]

# What to read from SQLite for each PostgreSQL table: (its columns, the query). Timestamps
# stay the ISO 8601 text SQLite holds (PostgreSQL reads it as timestamptz), flags 0/1 (read
# as booleans), JSON text as json. A record's licence family is read out of its data.
_COPIES: dict[str, tuple[str, str]] = {
    "sources": ("name, data", "SELECT name, data FROM sources ORDER BY name"),
    "records": (
        "id, seq, source, kind, hash, deleted, updated, seen_run, run, family, data",
        "SELECT id, seq, source, kind, hash, deleted, updated, seen_run, run,"
        " json_extract(data, '$.licence.family'), data FROM records ORDER BY seq",
    ),
    "harvest_runs": (
        'id, source, "full", status, started, finished, since, added, updated, unchanged,'
        " deleted, failed, checkpoint, message",
        "SELECT id, source, full, status, started, finished, since, added, updated, unchanged,"
        " deleted, failed, checkpoint, message FROM harvest_runs ORDER BY id",
    ),
    "harvest_errors": (
        "id, run, identifier, message, stage, snippet",
        "SELECT rowid, run, identifier, message, stage, snippet FROM harvest_errors ORDER BY rowid",
    ),
    "checkpoints": ("name, seq", "SELECT name, seq FROM checkpoints ORDER BY name"),
    "api_keys": (
        "prefix, publisher, hash, label, created, revoked, last_used",
        "SELECT prefix, publisher, hash, label, created, revoked, last_used FROM api_keys"
        " ORDER BY prefix",
    ),
    "audit_log": (
        "id, at, publisher, key, action, target, detail",
        "SELECT id, at, publisher, key, action, target, detail FROM audit_log ORDER BY id",
    ),
    "reviews": (
        "record_id, reviewer, clarity, completeness, usefulness, comment, at",
        "SELECT record_id, reviewer, clarity, completeness, usefulness, comment, at"
        " FROM reviews ORDER BY record_id, reviewer",
    ),
    "problem_reports": (
        "id, record_id, reporter, kind, detail, at, resolved",
        "SELECT id, record_id, reporter, kind, detail, at, resolved FROM problem_reports"
        " ORDER BY id",
    ),
    "uptake": (
        "id, record_id, reporter, note, at",
        "SELECT rowid, record_id, reporter, note, at FROM uptake ORDER BY rowid",
    ),
    "notices": (
        "id, publisher, record_id, kind, message, at, read",
        "SELECT id, publisher, record_id, kind, message, at, read FROM notices ORDER BY id",
    ),
}
assert tuple(_COPIES) == TABLES


def copy_store(
    source: str | Path,
    target_url: str,
    *,
    batch: int = 5000,
    progress: Progress | None = None,
    schema: str | None = None,
) -> dict[str, int]:
    """Copy the embedded registry in ``source`` into the empty PostgreSQL store at
    ``target_url`` (in ``schema`` when given); returns how many rows each table got.
    ``progress(table, rows)`` is told how far each table is, batch by batch."""
    reader = _open_sqlite(Path(source))
    try:
        _check_version(reader)
        target = PostgresStore(target_url, schema=schema, pool_size=1)
        try:
            with target.connect() as conn, conn.transaction():
                _lock_target(conn)
                counts = {
                    table: _copy_table(reader, conn, table, batch, progress) for table in TABLES
                }
                _advance_identities(reader, conn)
            with target.connect() as conn:
                for table in TABLES:  # planner statistics, and a visibility map for counts
                    conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        finally:
            target.close()
    finally:
        reader.close()
    return counts


def _open_sqlite(path: Path) -> sqlite3.Connection:
    """The embedded registry, read-only, inside one read transaction (a snapshot)."""
    if not path.is_file():
        raise NotFound(f"there is no embedded registry at {path}", kind="store", key=str(path))
    reader = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=30.0
    )
    reader.execute("BEGIN")
    return reader


def _check_version(reader: sqlite3.Connection) -> None:
    try:
        row = reader.execute("SELECT version FROM schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ConfigurationError(f"not an embedded registry: {exc}") from None
    version = row[0] if row else 0
    expected = len(embedded.MIGRATIONS)
    if version < expected:
        raise ConfigurationError(
            f"the embedded registry's schema is at version {version}, this registry's at"
            f" {expected}: open it once with this version (any command does) and migrate again"
        )
    if version > expected:
        raise ConfigurationError(
            f"the embedded registry was written by a newer version (schema {version}):"
            " migrate it with that version"
        )


def _lock_target(conn: Connection) -> None:
    """Hold the target's locks for the whole copy (no other copy, migration or writer of the
    change feed meanwhile), then make sure it is empty."""
    key = _lock_key(conn.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
    conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_MIGRATION_LOCK, key))
    conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_FEED_LOCK, key))
    held = [
        table
        for table in TABLES
        if conn.execute(
            sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
        ).fetchone()
        == (True,)
    ]
    if held:
        raise Conflict(
            f"the target database is not empty (it holds {', '.join(held)}): the registry is"
            " copied only into an empty one"
        )


def _rows(reader: sqlite3.Connection, query: str, batch: int) -> Iterator[list[Any]]:
    cursor = reader.execute(query)
    while rows := cursor.fetchmany(batch):
        yield rows


def _copy_table(
    reader: sqlite3.Connection,
    conn: Connection,
    table: str,
    batch: int,
    progress: Progress | None,
) -> int:
    columns, query = _COPIES[table]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), sql.SQL(columns))
    # Record data is JSON (control characters escaped); other text may hold NULs.
    clean = table != "records"
    copied = 0
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for rows in _rows(reader, query, max(1, batch)):
            for row in rows:
                copy.write_row(
                    tuple(clean_text(v) if isinstance(v, str) else v for v in row) if clean else row
                )
            copied += len(rows)
            if progress is not None:
                progress(table, copied)
    if progress is not None and copied == 0:
        progress(table, 0)
    return copied


def _advance_identities(reader: sqlite3.Connection, conn: Connection) -> None:
    """Move each id sequence past the highest id SQLite used (AUTOINCREMENT remembers ids of
    deleted rows too), so new rows never take a copied id."""
    used = dict(reader.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    for table in IDENTITY_TABLES:
        highest = conn.execute(
            sql.SQL("SELECT COALESCE(MAX(id), 0) FROM {}").format(sql.Identifier(table))
        ).fetchone()
        last = max(int(highest[0]) if highest else 0, int(used.get(table) or 0))
        if last > 0:
            conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", (table, last))
