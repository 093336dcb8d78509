"""The Store contract, run against every implementation (the embedded SQLite always)."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise as pairs
from pathlib import Path

import pytest

from registry.errors import Conflict, NotFound
from registry.models import (
    ApiKey,
    HarvestError,
    HarvestRun,
    ProblemReport,
    Review,
    Source,
    Uptake,
)
from registry.store import Store, iter_changes
from registry.store.sqlite import SQLiteStore
from tests.conftest import CC_BY_NC, TcpRelay, engine_url, make_offer, make_work


@contextmanager
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A PostgreSQL database URL and a fresh schema in it (dropped after); skips without one."""
    import psycopg

    url = engine_url("postgres")
    name = f"test_{uuid.uuid4().hex[:12]}"
    try:
        yield url, name
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        embedded = SQLiteStore(tmp_path / "store.sqlite3")
        yield embedded
        embedded.close()
        return
    from registry.store.postgres import PostgresStore

    with postgres_schema() as (url, schema):
        server = PostgresStore(url, schema=schema)
        yield server
        server.close()


def _source(name: str = "src") -> Source:
    return Source(name=name, kind="oai-pmh", url="https://example.org/oai")


def test_upsert_is_keyed_by_stable_id_and_skips_unchanged(store: Store) -> None:
    first = store.upsert([make_work("a"), make_work("b")])
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    again = store.upsert([make_work("a"), make_work("b")])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    seq_before = store.last_seq()
    changed = store.upsert([make_work("a", title="A new title"), make_work("b")])
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 1)
    assert store.last_seq() == seq_before + 1
    assert store.count() == 2
    stored = store.get(make_work("a").id)
    assert stored is not None and stored.record is not None
    assert stored.record.title == "A new title"


def test_unchanged_records_are_not_rewritten(store: Store) -> None:
    store.upsert([make_work("a")])
    before = store.get(make_work("a").id)
    store.upsert([make_work("a")])
    after = store.get(make_work("a").id)
    assert before is not None and after is not None
    assert (before.seq, before.updated) == (after.seq, after.updated)


def test_offers_and_works_round_trip(store: Store) -> None:
    offer = make_offer(
        "o1",
        assets=[{"type": "patent", "patents": ["EP.1000000.A1", "WO 2012/088469"]}],
        trl=4,
        sdgs=[7],
    )
    store.upsert([offer])
    stored = store.get(offer.id)
    assert stored is not None
    assert stored.record == offer


def test_tombstones_keep_the_id_and_enter_the_change_feed(store: Store) -> None:
    work = make_work("a")
    store.upsert([work])
    deleted = store.delete([work.id, "never-existed"])
    assert deleted.deleted == 1
    stored = store.get(work.id)
    assert stored is not None and stored.deleted and stored.record is None
    assert store.count() == 0
    assert store.count(include_deleted=True) == 1
    last = store.changes(0)[-1]
    assert (last.id, last.deleted, last.record) == (work.id, True, None)
    # deleting again changes nothing; re-adding revives the record
    assert store.delete([work.id]).deleted == 0
    revived = store.upsert([work])
    assert revived.updated == 1
    assert store.count() == 1


def test_change_feed_is_monotonic_and_holds_the_latest_state(store: Store) -> None:
    store.upsert([make_work(str(i)) for i in range(5)])
    store.upsert([make_work("2", title="changed")])
    changes = list(iter_changes(store, 0, batch=2))
    seqs = [c.seq for c in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert len(changes) == 5  # one entry per record: its latest state
    assert changes[-1].record is not None and changes[-1].record.title == "changed"
    assert store.changes(seqs[-1]) == []
    assert [c.seq for c in store.changes(seqs[1], limit=2)] == seqs[2:4]


def test_checkpoints_are_per_projection(store: Store) -> None:
    assert store.checkpoint("search") == 0
    store.set_checkpoint("search", 7)
    store.set_checkpoint("rdf", 3)
    store.set_checkpoint("search", 9)
    assert (store.checkpoint("search"), store.checkpoint("rdf")) == (9, 3)


def test_sources(store: Store) -> None:
    added = store.add_source(_source())
    assert added.created is not None
    with pytest.raises(Conflict):
        store.add_source(_source())
    with pytest.raises(NotFound):
        store.get_source("missing")
    added.title = "Renamed"
    store.update_source(added)
    assert store.get_source("src").title == "Renamed"
    assert [s.name for s in store.list_sources()] == ["src"]


def test_a_page_is_written_with_its_checkpoint_and_errors(store: Store) -> None:
    store.add_source(_source())
    run = store.start_run("src", full=False)
    stamp = datetime(2024, 5, 1, tzinfo=UTC)
    counts = store.save_page(
        run,
        [make_work("a"), make_work("b")],
        [],
        [HarvestError(identifier="x", message="bad")],
        {"resumptionToken": "t2"},
        stamp,
    )
    assert counts.added == 2
    assert store.resumable_run("src") is not None
    saved = store.get_run(run.id)
    assert saved.checkpoint == {"resumptionToken": "t2"}
    assert (saved.added, saved.failed) == (2, 1)
    assert saved.errors[0].identifier == "x"
    assert store.get_source("src").last_datestamp == stamp
    finished = store.finish_run(run, status="succeeded")
    assert finished.status == "succeeded"
    assert store.resumable_run("src") is None
    assert store.get_source("src").last_harvest is not None


def test_a_failing_page_writes_nothing(store: Store) -> None:
    store.add_source(_source())
    run = store.start_run("src", full=False)
    store.upsert([make_work("old")])
    # The records are written first; the checkpoint cannot be: the whole page rolls back.
    with pytest.raises(TypeError):
        store.save_page(run, [make_work("a")], [make_work("old").id], [], {"token": object()}, None)
    assert store.get(make_work("a").id) is None
    old = store.get(make_work("old").id)
    assert old is not None and not old.deleted
    assert store.get_run(run.id).checkpoint is None


def test_full_run_tombstones_what_it_did_not_see(store: Store) -> None:
    store.add_source(_source())
    store.upsert([make_work("a"), make_work("b"), make_work("c", source="other")])
    run = store.start_run("src", full=True)
    store.save_page(run, [make_work("a")], [], [], None, None)
    finished = store.finish_run(run, status="succeeded", tombstone_unseen=True)
    assert finished.deleted == 1
    b = store.get(make_work("b").id)
    assert b is not None and b.deleted
    c = store.get(make_work("c", source="other").id)
    assert c is not None and not c.deleted


def test_schema_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    first = SQLiteStore(path)
    first.upsert([make_work("a")])
    first.close()
    second = SQLiteStore(path)
    assert second.migrate() >= 1
    assert second.count() == 1
    second.close()


# What the suite above leaves out and a server store can get wrong ---------------------------


def _integrity_errors() -> tuple[type[Exception], ...]:
    """The exceptions a broken constraint raises, on each implementation."""
    errors: list[type[Exception]] = [sqlite3.IntegrityError]
    try:
        import psycopg
    except ImportError:
        pass
    else:
        errors.append(psycopg.IntegrityError)
    return tuple(errors)


def test_concurrent_writers_make_a_gap_free_feed_a_follower_reads_once(store: Store) -> None:
    """Writers in several threads; a reader follows the feed while they write. Every change
    gets the next sequence number and the reader sees each exactly once: no seq is ever
    visible before a smaller one still to come."""
    writers, batches, size = 4, 12, 7
    total = writers * batches * size
    failures: list[BaseException] = []
    seen: list[tuple[int, str]] = []
    done = threading.Event()

    def write(thread: int) -> None:
        try:
            run = store.start_run(f"src{thread}", full=False)
            for b in range(batches):
                works = [
                    make_work(f"{b}-{i}", source=f"src{thread}", title=f"T{thread}-{b}-{i}")
                    for i in range(size)
                ]
                if b % 2:
                    store.save_page(run, works, [], [], {"page": b}, None)
                else:
                    store.upsert(works)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    def follow() -> None:
        after = 0
        try:
            while len(seen) < total:
                page = store.changes(after, limit=5)
                seen.extend((c.seq, c.id) for c in page)
                if page:
                    after = page[-1].seq
                elif done.is_set() and not store.changes(after, limit=1):
                    return
        except BaseException as exc:
            failures.append(exc)

    reader = threading.Thread(target=follow)
    reader.start()
    threads = [threading.Thread(target=write, args=(t,)) for t in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join(timeout=60)
    assert not failures, failures
    assert [seq for seq, _ in seen] == list(range(1, total + 1))
    assert len({rid for _, rid in seen}) == total
    assert store.last_seq() == total
    feed = list(iter_changes(store, 0, batch=50))
    assert [c.seq for c in feed] == list(range(1, total + 1))
    # The time a change was taken grows with its place in the feed (OAI-PMH's from/until
    # windows depend on it), whichever thread wrote it.
    stamps = [c.updated for c in feed]
    assert all(a is not None and b is not None and a <= b for a, b in pairs(stamps))


def test_a_source_removed_while_its_harvest_writes(store: Store) -> None:
    """Removing a source while pages of it are written (each moving its last datestamp):
    both finish, one after the other, and every record written ends withdrawn."""
    store.add_source(_source("src"))
    failures: list[BaseException] = []
    started = threading.Event()

    def harvest() -> None:
        run = store.start_run("src", full=False)
        try:
            for page in range(40):
                stamp = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=page)
                store.save_page(
                    run, [make_work(f"{page}-{i}") for i in range(3)], [], [], None, stamp
                )
                started.set()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=harvest)
    thread.start()
    try:
        started.wait(timeout=30)
        withdrawn = store.remove_source("src")
    finally:
        thread.join()
    assert not failures, failures
    assert withdrawn >= 3
    live = store.count(source="src")
    assert live == 120 - withdrawn  # pages written after the removal stay, as in SQLite


def test_a_page_failing_in_the_database_leaves_nothing(store: Store) -> None:
    """The page's records are written first; its errors cannot be (their run does not exist):
    records, tombstones, errors and checkpoint all roll back, and the feed does not move."""
    store.upsert([make_work("old")])
    last = store.last_seq()
    ghost = HarvestRun(id=424242, source="src", started=datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(_integrity_errors()):
        store.save_page(
            ghost,
            [make_work("new")],
            [make_work("old").id],
            [HarvestError(identifier="bad", message="unreadable")],
            {"token": "t9"},
            None,
        )
    assert store.get(make_work("new").id) is None
    old = store.get(make_work("old").id)
    assert old is not None and not old.deleted
    assert store.last_seq() == last
    # The next write takes the next number: nothing was used up by the failed page.
    store.upsert([make_work("next")])
    assert store.last_seq() == last + 1


def test_changes_by_family_source_time_and_liveness(store: Store) -> None:
    store.upsert([make_work("by-1"), make_work("nc-1", licence=CC_BY_NC)])
    store.upsert([make_offer("o1")])
    store.upsert([make_work("by-2", source="other"), make_work("by-3")])
    store.delete([make_work("by-3").id])
    feed = store.changes(0)
    by_id = {c.id: c for c in feed}

    family = store.changes(0, family="CC BY")
    assert [c.id for c in family] == [make_work("by-1").id, make_work("by-2", source="other").id]
    assert all(c.record is not None and c.record.licence.family == "CC BY" for c in family)
    assert [c.id for c in store.changes(0, family="CC BY-NC")] == [make_work("nc-1").id]
    assert store.changes(0, family="CC0") == []
    assert [c.id for c in store.changes(by_id[make_work("by-1").id].seq, family="CC BY")] == [
        make_work("by-2", source="other").id
    ]

    other = store.changes(0, source="other")
    assert [(c.id, c.source) for c in other] == [(make_work("by-2", source="other").id, "other")]
    tombstone = by_id[make_work("by-3").id]
    assert (tombstone.deleted, tombstone.source, tombstone.data) == (True, "src", None)
    assert make_work("by-3").id not in {c.id for c in store.changes(0, include_deleted=False)}
    assert len(store.changes(0, include_deleted=False)) == len(feed) - 1

    # Time windows are closed at both ends: a change made at `moment` is in [moment, moment].
    moment = by_id[make_offer("o1").id].updated
    assert moment is not None and moment.utcoffset() == timedelta(0)
    assert [c.id for c in store.changes(0, since=moment, until=moment)] == [make_offer("o1").id]
    assert [c.id for c in store.changes(0, until=moment)] == [c.id for c in feed[:3]]
    assert [c.id for c in store.changes(0, since=moment)] == [c.id for c in feed[2:]]
    later = moment.astimezone(timezone(timedelta(hours=2)))  # any offset means the same moment
    assert [c.id for c in store.changes(0, since=later)] == [c.id for c in feed[2:]]


def test_count_since_and_first_change(store: Store) -> None:
    assert store.first_change() is None
    assert store.count(include_deleted=True) == 0
    store.upsert([make_work("a"), make_work("b")])
    first = store.get(make_work("a").id)
    assert first is not None
    assert store.first_change() == first.updated
    store.upsert([make_work("c"), make_work("d", source="other")])
    second = store.get(make_work("c").id)
    assert second is not None and second.updated > first.updated
    assert store.count(since=first.updated) == 4
    assert store.count(since=second.updated) == 2
    assert store.count(since=second.updated, source="other") == 1
    store.delete([make_work("d", source="other").id])
    assert store.count(since=second.updated) == 1
    assert store.count(since=second.updated, include_deleted=True) == 2
    # The oldest change moves on when its record changes again.
    store.upsert([make_work("a", title="again"), make_work("b", title="again")])
    assert store.first_change() == second.updated
    updated = store.get(make_work("a").id)
    assert updated is not None and updated.updated.utcoffset() == timedelta(0)


def test_sources_sort_by_name_bytewise(store: Store) -> None:
    """As SQLite sorts them; a locale's collation would skip the punctuation (a1, a.c, ...)."""
    for name in ("ab", "a-z", "a.c", "a_b", "a1"):
        store.add_source(_source(name))
    assert [s.name for s in store.list_sources()] == ["a-z", "a.c", "a1", "a_b", "ab"]


def test_removing_a_source_withdraws_its_records_into_the_feed(store: Store) -> None:
    store.add_source(_source("src"))
    store.add_source(_source("other"))
    store.upsert([make_work("a"), make_work("b"), make_work("c", source="other")])
    store.delete([make_work("b").id])
    last = store.last_seq()
    assert store.remove_source("src") == 1  # b was withdrawn already
    a = store.get(make_work("a").id)
    assert a is not None and a.deleted and a.seq == last + 1 and a.source == "src"
    assert [c.id for c in store.changes(last)] == [make_work("a").id]
    assert store.remove_source("other", withdraw_records=False) == 0
    assert store.count() == 1
    with pytest.raises(NotFound):
        store.remove_source("src")
    assert store.list_sources() == []


def test_a_run_keeps_its_first_errors_with_any_text(store: Store) -> None:
    run = store.start_run("src", full=False, since=datetime(2024, 3, 1, tzinfo=UTC))
    errors = [HarvestError(identifier=f"r{i}", message="x" * 3000, stage="map") for i in range(600)]
    errors.append(HarvestError(identifier="nul", message="a\x00b", snippet="<r>\x00</r>"))
    store.save_page(run, [], [], errors, None, None)
    store.save_page(run, [], [], errors, None, None)
    saved = store.get_run(run.id)
    assert saved.failed == 1202
    assert len(saved.errors) == 1000
    assert [e.identifier for e in saved.errors[:2]] == ["r0", "r1"]
    assert len(saved.errors[0].message) == 2000
    odd = saved.errors[600]
    assert odd.identifier == "nul" and odd.message.startswith("a") and odd.message.endswith("b")
    assert odd.snippet is not None and odd.snippet.startswith("<r>")
    assert saved.since == datetime(2024, 3, 1, tzinfo=UTC)
    failed = store.finish_run(run, status="failed", message="feed down")
    assert store.resumable_run("src") is None  # failed, with no checkpoint to resume from
    assert store.list_runs("src")[0].message == failed.message == "feed down"
    assert [r.id for r in store.list_runs()] == [run.id]


def test_keys_and_the_audit_log(store: Store) -> None:
    created = datetime(2024, 2, 1, 12, 30, tzinfo=UTC)
    store.add_key(ApiKey(prefix="k2", publisher="p", created=created), "hash-2")
    store.add_key(ApiKey(prefix="k1", publisher="q", label="ci", created=created), "hash-1")
    found = store.find_key("k1")
    assert found is not None
    assert found[1] == "hash-1"
    assert (found[0].publisher, found[0].label, found[0].created) == ("q", "ci", created)
    assert store.find_key("nope") is None
    with pytest.raises(Conflict):
        store.add_key(ApiKey(prefix="k1", publisher="other", created=created), "hash-3")
    assert store.find_key("k1") == found  # the first key stays as it was
    assert [k.prefix for k in store.list_keys()] == ["k1", "k2"]
    assert [k.prefix for k in store.list_keys("p")] == ["k2"]
    store.touch_key("k2")
    assert store.list_keys("p")[0].last_used is not None
    assert store.revoke_key("k2") and not store.revoke_key("k2")
    assert store.list_keys("p")[0].revoked is not None

    store.audit(action="offer.put", target="offers-1", publisher="p", key="k2", detail={"n": 1})
    store.audit(action="offer.delete", target="offers-2", publisher="q")
    entries = store.audit_log()
    assert [e.action for e in entries] == ["offer.delete", "offer.put"]
    assert entries[0].id > entries[1].id and entries[0].detail == {}
    assert store.audit_log(publisher="p")[0].detail == {"n": 1}
    assert len(store.audit_log(limit=1)) == 1


def test_reviews_reports_uptake_and_notices(store: Store) -> None:
    store.save_review(Review(record_id="o1", reviewer="a", clarity=4, completeness=3, usefulness=5))
    store.save_review(Review(record_id="o1", reviewer="b", clarity=2, completeness=2, usefulness=2))
    again = store.save_review(
        Review(record_id="o1", reviewer="a", clarity=5, completeness=5, usefulness=5, comment="!")
    )
    assert [(r.reviewer, r.clarity) for r in store.reviews("o1")] == [("b", 2), ("a", 5)]
    assert store.reviews("o1")[-1] == again
    first = store.add_report(ProblemReport(record_id="o1", reporter="b", kind="stale"))
    second = store.add_report(ProblemReport(record_id="o1", reporter="c", kind="lapsed-patent"))
    assert first.id is not None and second.id is not None and second.id > first.id
    assert store.resolve_report(first.id) and not store.resolve_report(first.id)
    assert [r.id for r in store.reports("o1", open_only=True)] == [second.id]
    assert store.reports("o1")[0].resolved is not None
    store.add_uptake(Uptake(record_id="o1", reporter="d", note="licensed"))
    store.add_uptake(Uptake(record_id="o1", reporter="e"))
    assert [u.reporter for u in store.uptake("o1")] == ["d", "e"]
    assert store.notify("tto", "o1", "report", "stale offer " * 400)
    assert not store.notify("tto", "o1", "report", "stale offer " * 400)
    assert store.notify("tto", "o2", "review-due", "due")
    notices = store.notices("tto")
    assert [n.kind for n in notices] == ["report", "review-due"]
    assert store.mark_notices_read("tto", []) == 0
    assert store.mark_notices_read("other", [notices[0].id]) == 0
    assert store.mark_notices_read("tto", [notices[0].id]) == 1
    assert [n.read for n in store.notices("tto")] == [True, False]
    assert [n.kind for n in store.notices("tto", unread_only=True)] == ["review-due"]


def test_health_says_what_the_store_runs_on(store: Store) -> None:
    health = store.health()
    assert health["status"] == "ok"
    assert health["engine"] in {"sqlite", "postgresql"}
    assert health["version"]


# PostgreSQL only --------------------------------------------------------------------------


@pytest.fixture
def database() -> Iterator[tuple[str, str]]:
    """A PostgreSQL URL and the name of a fresh schema (not created yet; dropped after)."""
    with postgres_schema() as pair:
        yield pair


def test_postgres_stores_starting_together_migrate_once(database: tuple[str, str]) -> None:
    import psycopg

    from registry.store.postgres import MIGRATIONS, PostgresStore

    url, schema = database
    stores: list[PostgresStore] = []
    failures: list[BaseException] = []

    def start() -> None:
        try:
            stores.append(PostgresStore(url, schema=schema, pool_size=1))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not failures, failures
        stores[0].upsert([make_work("a")])
        assert [s.count() for s in stores] == [1, 1, 1, 1]
        assert stores[1].migrate() == len(MIGRATIONS)
        with psycopg.connect(url) as conn:
            versions = conn.execute(f'SELECT version FROM "{schema}".schema_version').fetchall()
        assert versions == [(len(MIGRATIONS),)]
    finally:
        for store in stores:
            store.close()


def test_postgres_url_options_choose_the_schema(database: tuple[str, str]) -> None:
    import psycopg

    from registry.store import open_store

    url, schema = database
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    store = open_store(f"{url}{separator}options=-csearch_path%3D{schema}")
    try:
        assert type(store).__name__ == "PostgresStore"
        store.upsert([make_work("a"), make_work("b")])
        with psycopg.connect(url) as conn:
            row = conn.execute(f'SELECT COUNT(*) FROM "{schema}".records').fetchone()
        assert row == (2,)
    finally:
        store.close()


def test_postgres_down_is_engine_unavailable_and_the_store_recovers(
    database: tuple[str, str],
) -> None:
    """Through a relay that can be cut: while the server is unreachable, health says "down"
    and every call raises EngineUnavailable; once it is back, the pool reconnects."""
    import time

    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from registry.errors import EngineUnavailable
    from registry.store.postgres import PostgresStore

    url, schema = database
    params = conninfo_to_dict(url)
    relay = TcpRelay(str(params.get("host") or "127.0.0.1"), int(params.get("port") or 5432))
    store = PostgresStore(
        make_conninfo(url, host="127.0.0.1", port=relay.port), schema=schema, timeout=1
    )
    try:
        store.upsert([make_work("a")])
        relay.cut()
        health = store.health()
        assert (health["engine"], health["status"]) == ("postgresql", "down")
        assert health["error"]
        with pytest.raises(EngineUnavailable):
            store.upsert([make_work("b")])
        with pytest.raises(EngineUnavailable):
            store.changes(0)
        relay.restore()
        deadline = time.monotonic() + 30
        while store.health()["status"] != "ok" and time.monotonic() < deadline:
            time.sleep(0.1)
        store.upsert([make_work("b")])
        assert [c.id for c in store.changes(0)] == [make_work("a").id, make_work("b").id]
    finally:
        store.close()
        relay.close()


def test_open_store_says_how_to_install_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from registry.errors import ConfigurationError
    from registry.store import open_store

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "registry.store.postgres", raising=False)
    with pytest.raises(ConfigurationError, match=r"pip install 'open-registry\[postgres\]'"):
        open_store("postgresql://registry@127.0.0.1:5432/registry")


def test_postgres_harvest_lock_holds_across_registries_on_other_machines(
    database: tuple[str, str], tmp_path: Path
) -> None:
    """Two registries that share only the database (workers on two machines: their data
    directories, and so their lock files, differ) never harvest one source at once."""
    from registry.core import Registry
    from registry.locks import HarvestRunning
    from registry.settings import Settings

    url, schema = database
    separator = "&" if "?" in url else "?"
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    database_url = f"{url}{separator}options=-csearch_path%3D{schema}"
    first = Registry(Settings(data_dir=tmp_path / "one", database_url=database_url))
    second = Registry(Settings(data_dir=tmp_path / "two", database_url=database_url))
    try:
        first.store.add_source(_source("museum"))
        with first._harvest_lock("museum"):
            with pytest.raises(HarvestRunning), second._harvest_lock("museum"):
                pass
            with second._harvest_lock("library"):  # another source is free
                pass
            with pytest.raises(HarvestRunning):
                second.harvest("museum")
        with second._harvest_lock("museum"):  # released when the first harvest ends
            pass
    finally:
        first.close()
        second.close()


def test_set_names_are_the_sources_and_the_live_families(store: Store) -> None:
    from tests.conftest import CC_BY_NC

    store.upsert(
        [
            make_work("a", source="museum"),
            make_work("b", source="library", licence=CC_BY_NC),
            make_work("c", source="archive", licence=CC_BY_NC),
        ]
    )
    assert store.set_names() == (["archive", "library", "museum"], ["CC BY", "CC BY-NC"])
    store.delete([make_work("a", source="museum").id])
    # The tombstone keeps its source (deleted records are listed per set); its family goes.
    assert store.set_names() == (["archive", "library", "museum"], ["CC BY-NC"])


def test_recent_writes_count_a_keys_audited_writes(store: Store) -> None:
    from datetime import timedelta

    before = datetime.now(UTC) - timedelta(seconds=1)
    assert store.recent_writes("reg_a", before) == (0, None)
    for target in ("o1", "o2"):
        store.audit(action="offer.create", target=target, publisher="tto", key="reg_a")
    store.audit(action="offer.create", target="o3", publisher="tto", key="reg_b")
    count, first = store.recent_writes("reg_a", before)
    assert count == 2
    assert first is not None and before <= first <= datetime.now(UTC)
    assert store.recent_writes("reg_a", datetime.now(UTC) + timedelta(seconds=5)) == (0, None)
