"""Scheduled harvests, one harvest of a source at a time, stopping cleanly, shared pace."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from harvesters.fetch import HostPacer
from registry.core import Registry, demo_sources
from registry.locks import HarvestRunning, source_lock
from registry.models import HarvestRun, Source
from registry.scheduler import FAILURE_BACKOFF, Scheduler, due_at
from registry.settings import Settings

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _source(hours: float | None = 24.0) -> Source:
    return Source(
        name="s", kind="oai-pmh", url="https://93.184.216.34/oai", schedule_hours=hours,
        created=NOW - timedelta(days=30),
    )  # fmt: skip


def _run(status: str, started: datetime, finished: datetime | None = None) -> HarvestRun:
    return HarvestRun(
        id=1,
        source="s",
        status=status,
        started=started,
        finished=finished or started,  # type: ignore[arg-type]
    )


# --- when a source is due ---------------------------------------------------------------


def test_a_source_never_harvested_is_due_from_its_creation() -> None:
    assert due_at(_source(), []) == NOW - timedelta(days=30)


def test_a_source_without_schedule_is_never_due() -> None:
    assert due_at(_source(None), []) is None
    assert due_at(_source(None), [_run("failed", NOW)]) is None


def test_a_succeeded_or_partial_run_waits_for_the_schedule() -> None:
    for status in ("succeeded", "partial"):
        assert due_at(_source(6), [_run(status, NOW)]) == NOW + timedelta(hours=6)


def test_an_interrupted_or_dead_run_is_due_at_once_to_resume() -> None:
    for status in ("interrupted", "running"):
        assert due_at(_source(), [_run(status, NOW)]) == NOW


def test_failures_back_off_doubling_up_to_the_schedule() -> None:
    one = [_run("failed", NOW)]
    three = [_run("failed", NOW), _run("failed", NOW), _run("failed", NOW)]
    after_success = [_run("failed", NOW), _run("succeeded", NOW), _run("failed", NOW)]
    assert due_at(_source(), one) == NOW + FAILURE_BACKOFF
    assert due_at(_source(), three) == NOW + FAILURE_BACKOFF * 4
    assert due_at(_source(), after_success) == NOW + FAILURE_BACKOFF  # only failures in a row
    many = [_run("failed", NOW)] * 20
    assert due_at(_source(1), many) == NOW + timedelta(hours=1)


# --- the scheduler on a real registry ------------------------------------------------------


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(Settings(data_dir=tmp_path / "data", base_uri="http://r.test"))
    for spec in demo_sources():
        reg.add_source(**spec, trusted=True)
    yield reg
    reg.close()


def test_the_scheduler_harvests_due_sources_once(registry: Registry) -> None:
    harvested: list[HarvestRun] = []
    scheduler = registry.scheduler(on_harvest=harvested.append)
    try:
        assert sorted(s.name for s in scheduler.due()) == sorted(s["name"] for s in demo_sources())
        started = scheduler.run_once(wait=True)
        assert sorted(started) == sorted(s["name"] for s in demo_sources())
        assert {r.status for r in harvested} == {"succeeded"}
        assert registry.store.count() >= 36
        assert scheduler.due() == []  # not again before the schedule says so
        assert scheduler.run_once(wait=True) == []
    finally:
        scheduler.stop()
    registry.refresh_index()
    assert registry.search_backend.count() == registry.store.count()


def test_the_scheduler_harvests_again_when_the_schedule_has_passed(registry: Registry) -> None:
    later = [datetime.now(UTC)]
    scheduler = Scheduler(
        registry.store.list_sources,
        registry.store.list_runs,
        lambda name, stop: registry.harvest(name, stop=stop, index=False),
        clock=lambda: later[0],
    )
    try:
        scheduler.run_once(wait=True)
        assert scheduler.due() == []
        later[0] += timedelta(hours=25)
        assert sorted(s.name for s in scheduler.due()) == sorted(s["name"] for s in demo_sources())
        scheduler.run_once(wait=True)
        runs = registry.store.list_runs("demo-offers", 10)
        assert [r.status for r in runs] == ["succeeded", "succeeded"]
    finally:
        scheduler.stop()


def test_a_failing_source_does_not_stop_the_others(registry: Registry) -> None:
    registry.add_source(
        "gone", "offers", (Path(__file__).parent / "missing.xml").as_uri(), trusted=True
    )
    scheduler = registry.scheduler()
    try:
        started = scheduler.run_once(wait=True)
    finally:
        scheduler.stop()
    assert "gone" in started
    assert registry.store.list_runs("gone", 1)[0].status == "failed"
    assert registry.store.list_runs("demo-offers", 1)[0].status == "succeeded"
    assert "gone" not in [s.name for s in registry.scheduler().due()]  # backing off


# --- one harvest of a source at a time ------------------------------------------------------


def test_a_source_is_harvested_by_one_process_at_a_time(registry: Registry) -> None:
    with source_lock(registry.settings.data_dir, "demo-offers"):
        with pytest.raises(HarvestRunning, match="being harvested already"):
            registry.harvest("demo-offers")
        registry.harvest("demo-kennisbank")  # other sources are not held up
    assert registry.harvest("demo-offers").status == "succeeded"  # released


def test_a_lock_held_by_another_process_is_respected(registry: Registry) -> None:
    import subprocess
    import sys

    code = (
        "import sys, time; from pathlib import Path; from registry.locks import source_lock\n"
        "with source_lock(Path(sys.argv[1]), 'demo-offers'):\n"
        "    print('locked', flush=True); time.sleep(30)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(registry.settings.data_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(HarvestRunning):
            registry.harvest("demo-offers")
    finally:
        holder.kill()  # a killed holder leaves no stale lock
        holder.wait()
    assert registry.harvest("demo-offers").status == "succeeded"


def test_a_stop_request_ends_the_run_after_a_page_and_it_resumes(registry: Registry) -> None:
    stop = threading.Event()
    pages: list[int] = []

    def on_page(run: HarvestRun, counts: object) -> None:
        pages.append(run.total)
        stop.set()  # asked to stop while the first page is written

    run = registry.harvest("demo-kennisbank", on_page=on_page, stop=stop)
    assert run.status == "interrupted"
    assert len(pages) == 1 and 0 < run.total < 36
    resumed = registry.harvest("demo-kennisbank")
    assert resumed.id == run.id and resumed.status == "succeeded"
    # the rest, once: nothing lost, nothing twice (35 records and one deleted header)
    assert (resumed.added, resumed.updated, resumed.unchanged) == (35, 0, 0)
    assert registry.store.count() == 35


# --- politeness shared across harvests -------------------------------------------------------


def test_the_host_pace_holds_across_threads() -> None:
    now = [100.0]
    lock = threading.Lock()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(round(seconds, 6))

    pacer = HostPacer(2.0, clock=lambda: now[0], sleep=sleep)
    threads = [
        threading.Thread(target=pacer.wait, args=(f"https://93.184.216.34/oai?p={i}",))
        for i in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == [0.5, 1.0, 1.5, 2.0]  # one slot each, 0.5 s apart
    assert pacer.wait("https://93.184.216.35/") == 0  # another host does not wait


def test_housekeeping_runs_at_most_once_per_interval_and_survives_errors() -> None:
    calls: list[int] = []

    def chore() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the store is briefly away")

    scheduler = Scheduler(
        lambda: [],
        lambda name, limit: [],
        lambda name, stop: None,  # type: ignore[arg-type,return-value]
        housekeeping=chore,
        housekeeping_every=3600,
    )
    try:
        scheduler.run_once()
        scheduler.run_once()
        assert len(calls) == 1
        scheduler._housekept = None  # an hour later
        scheduler.run_once()
        assert len(calls) == 2
    finally:
        scheduler.stop()
