"""Copying an embedded registry into PostgreSQL (``registry migrate``): afterwards every Store
method answers on PostgreSQL exactly as it did on SQLite, and the registry goes on from
there (the next sequence number, fresh ids, unchanged records recognised)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from registry.errors import ConfigurationError, Conflict
from registry.models import ApiKey, HarvestError, ProblemReport, Review, Source, Uptake
from registry.store import Store
from registry.store.sqlite import SQLiteStore
from tests.conftest import CC_BY_NC, engine_url, make_offer, make_work

SOURCES = ("src", "offers", "gone")


@pytest.fixture
def target() -> Iterator[str]:
    """The URL of an empty PostgreSQL schema (as ``registry migrate --to`` gets it)."""
    import psycopg

    url = engine_url("postgres")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _source(name: str) -> Source:
    return Source(name=name, kind="oai-pmh", url=f"https://example.org/{name}/oai")


def build_embedded(path: Path) -> None:
    """An embedded registry with something in every table: harvested, updated, withdrawn
    and API-written records, runs that succeeded, failed with a checkpoint and never
    finished, errors, keys, the audit log, reviews, reports, uptake, notices, checkpoints."""
    store = SQLiteStore(path)
    for name in SOURCES:
        store.add_source(_source(name))
    full = store.start_run("src", full=True, since=datetime(2024, 1, 1, tzinfo=UTC))
    store.save_page(
        full,
        [make_work(str(i)) for i in range(8)] + [make_work("nc", licence=CC_BY_NC)],
        [],
        [HarvestError(identifier="bad-1", message="no title", stage="map", snippet="<r/>")],
        {"resumptionToken": "p2"},
        datetime(2024, 5, 1, tzinfo=UTC),
    )
    store.finish_run(full, status="partial")
    second = store.start_run("src", full=True)
    store.save_page(second, [make_work(str(i)) for i in range(1, 8)], [], [], None, None)
    store.save_page(second, [make_work("3", title="Changed")], [make_work("5").id], [], None, None)
    store.finish_run(second, status="succeeded", tombstone_unseen=True)  # 0 and nc go
    failed = store.start_run("offers", full=False)
    store.save_page(failed, [make_offer("o1"), make_offer("o2")], [], [], {"page": 2}, None)
    store.finish_run(failed, status="failed", message="feed down")
    store.start_run("gone", full=False)  # never finished
    store.upsert([make_work("g1", source="gone"), make_work("g2", source="gone")])
    store.remove_source("gone")
    store.upsert([make_offer("api", source="api", trl=5)])

    created = datetime(2024, 2, 1, tzinfo=UTC)
    store.add_key(ApiKey(prefix="k1", publisher="tto", label="ci", created=created), "h1")
    store.add_key(ApiKey(prefix="k2", publisher="lab", created=created), "h2")
    store.touch_key("k1")
    store.revoke_key("k2")
    store.audit(action="offer.put", target="api-1", publisher="tto", key="k1", detail={"n": 1})
    store.audit(action="source.remove", target="gone")
    store.save_review(Review(record_id="o1", reviewer="a", clarity=4, completeness=3, usefulness=5))
    store.save_review(Review(record_id="o1", reviewer="b", clarity=2, completeness=2, usefulness=1))
    report = store.add_report(ProblemReport(record_id="o1", reporter="b", kind="stale"))
    assert report.id is not None
    store.resolve_report(report.id)
    store.add_report(ProblemReport(record_id="o1", reporter="c", kind="lapsed-patent"))
    store.add_uptake(Uptake(record_id="o1", reporter="d", note="licensed"))
    store.notify("tto", "o1", "report", "stale offer")
    store.notify("tto", "o2", "review-due", "due")
    store.mark_notices_read("tto", [store.notices("tto")[0].id])
    store.set_checkpoint("search", store.last_seq())
    store.set_checkpoint("triples", 3)
    store.close()


def _change(c: Any) -> tuple[Any, ...]:
    return (c.seq, c.id, c.deleted, c.data, c.source, c.updated, c.run)


def answers(store: Store) -> dict[str, Any]:
    """What every read method of the Store answers about the registry build_embedded makes."""
    feed = store.changes(0, 10_000)
    ids = [c.id for c in feed]
    moment = feed[len(feed) // 2].updated
    runs = store.list_runs(limit=100)
    publishers = ("tto", "lab")
    return {
        "sources": store.list_sources(),
        "source": [store.get_source(name) for name in ("src", "offers")],
        "runs": runs,
        "runs by source": [store.list_runs(name, limit=100) for name in SOURCES],
        "run": [store.get_run(run.id) for run in runs],
        "resumable": [store.resumable_run(name) for name in SOURCES],
        "records": [store.get(rid) for rid in [*ids, "missing"]],
        "counts": [
            store.count(include_deleted=deleted, source=source, since=since)
            for deleted in (False, True)
            for source in (None, "src", "gone")
            for since in (None, moment)
        ],
        "feed": [_change(c) for c in feed],
        "feed pages": [_change(c) for c in store.changes(feed[2].seq, 3)],
        "feed filtered": [
            [_change(c) for c in store.changes(0, source="src", include_deleted=False)],
            [_change(c) for c in store.changes(0, family="CC BY")],
            [_change(c) for c in store.changes(0, family="CC BY-NC")],
            [_change(c) for c in store.changes(0, since=moment)],
            [_change(c) for c in store.changes(0, until=moment)],
        ],
        "first change": store.first_change(),
        "last seq": store.last_seq(),
        "checkpoints": [store.checkpoint(n) for n in ("search", "triples", "none")],
        "keys": store.list_keys(),
        "keys by publisher": [store.list_keys(p) for p in publishers],
        "key": [store.find_key(prefix) for prefix in ("k1", "k2", "k3")],
        "audit": store.audit_log(),
        "audit by publisher": store.audit_log(publisher="tto"),
        "reviews": store.reviews("o1"),
        "reports": [store.reports("o1"), store.reports("o1", open_only=True)],
        "uptake": store.uptake("o1"),
        "notices": [store.notices(p, unread_only=u) for p in publishers for u in (False, True)],
    }


def test_a_copy_answers_every_question_as_the_embedded_store(tmp_path: Path, target: str) -> None:
    from registry.store.migrate import copy_store
    from registry.store.postgres import PostgresStore

    path = tmp_path / "registry.sqlite3"
    build_embedded(path)
    embedded = SQLiteStore(path)
    expected = answers(embedded)
    expected_total = embedded.count(include_deleted=True)
    embedded.close()
    assert expected["resumable"][1] is not None and expected["resumable"][2] is not None
    assert any(r is not None and r.deleted for r in expected["records"])

    told: list[tuple[str, int]] = []
    counts = copy_store(path, target, batch=4, progress=lambda t, n: told.append((t, n)))
    assert counts["records"] == expected_total
    assert counts["sources"] == 2 and counts["harvest_runs"] == 4
    assert (counts["harvest_errors"], counts["api_keys"], counts["notices"]) == (1, 2, 2)
    record_progress = [n for table, n in told if table == "records"]
    assert record_progress == sorted(record_progress) and record_progress[-1] == expected_total
    assert len(record_progress) > 1  # streamed in batches

    server = PostgresStore(target)
    try:
        assert answers(server) == expected
    finally:
        server.close()


def test_the_registry_goes_on_after_the_copy(tmp_path: Path, target: str) -> None:
    from registry.store.migrate import copy_store
    from registry.store.postgres import PostgresStore

    path = tmp_path / "registry.sqlite3"
    build_embedded(path)
    copy_store(path, target)
    server = PostgresStore(target)
    try:
        last = server.last_seq()
        runs = server.list_runs(limit=100)
        audit = server.audit_log()
        # A harvest still knows what it has: the same records are unchanged.
        again = server.upsert([make_work(str(i)) for i in range(1, 8) if i not in (3, 5)])
        assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
        assert server.last_seq() == last
        written = server.upsert([make_work("new")])
        assert written.added == 1
        assert server.last_seq() == last + 1
        assert [c.id for c in server.changes(last)] == [make_work("new").id]
        # Ids go on past the copied ones.
        run = server.start_run("src", full=False)
        assert run.id > max(r.id for r in runs)
        server.save_page(run, [], [], [HarvestError(message="late")], None, None)
        assert [e.message for e in server.get_run(run.id).errors] == ["late"]
        report = server.add_report(ProblemReport(record_id="o1", reporter="e", kind="stale"))
        assert report.id is not None and report.id > max(
            r.id or 0 for r in server.reports("o1")[:-1]
        )
        server.audit(action="offer.put", target="api-2")
        assert server.audit_log()[0].id > audit[0].id
        assert server.notify("tto", "o3", "report", "new")
        assert len({n.id for n in server.notices("tto")}) == 3
        server.add_uptake(Uptake(record_id="o1", reporter="f"))
        assert [u.reporter for u in server.uptake("o1")] == ["d", "f"]
    finally:
        server.close()


def test_a_second_copy_into_a_filled_target_is_refused(tmp_path: Path, target: str) -> None:
    from registry.store.migrate import copy_store
    from registry.store.postgres import PostgresStore

    path = tmp_path / "registry.sqlite3"
    build_embedded(path)
    first = copy_store(path, target)
    with pytest.raises(Conflict, match="not empty"):
        copy_store(path, target)
    server = PostgresStore(target)
    try:
        assert server.count(include_deleted=True) == first["records"]  # nothing doubled
    finally:
        server.close()


def test_a_failed_copy_leaves_the_target_empty(tmp_path: Path, target: str) -> None:
    from registry.store.migrate import copy_store
    from registry.store.postgres import PostgresStore

    path = tmp_path / "registry.sqlite3"
    build_embedded(path)

    def interrupt(table: str, rows: int) -> None:
        if table == "reviews":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        copy_store(path, target, progress=interrupt)
    server = PostgresStore(target)
    try:
        assert server.count(include_deleted=True) == 0
        assert server.list_sources() == [] and server.list_runs() == []
    finally:
        server.close()
    assert copy_store(path, target)["records"] > 0  # and it can be copied into afterwards


def test_only_a_registry_of_this_version_is_copied(tmp_path: Path, target: str) -> None:
    from registry.store.migrate import copy_store

    path = tmp_path / "registry.sqlite3"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = version - 1")
    conn.close()
    with pytest.raises(ConfigurationError, match="open it once"):
        copy_store(path, target)
    (tmp_path / "other.sqlite3").write_bytes(b"")
    with pytest.raises(ConfigurationError, match="not an embedded registry"):
        copy_store(tmp_path / "other.sqlite3", target)
