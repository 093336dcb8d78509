"""The Store contract, run against every implementation (the embedded SQLite always)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from registry.errors import Conflict, NotFound
from registry.models import HarvestError, Source
from registry.store import Store, iter_changes
from registry.store.sqlite import SQLiteStore
from tests.conftest import make_offer, make_work


@pytest.fixture(params=["sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    implementation = SQLiteStore(tmp_path / "store.sqlite3")
    yield implementation
    implementation.close()


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
