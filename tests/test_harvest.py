"""Harvest runs end to end: pages, resumption after a crash, broken records, re-harvests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from harvesters import Fetcher
from registry.demo import demo_dir
from registry.harvest import run_harvest
from registry.models import Source
from registry.store.sqlite import SQLiteStore

OAI_DIR = demo_dir() / "oai"
BASE = "https://repository.example.org/oai"


def oai_server(
    on_request: Callable[[httpx.Request], None] | None = None,
    rewrite: Callable[[str, bytes], bytes] | None = None,
) -> httpx.MockTransport:
    """Serves the demo page set over (mock) HTTP, as a real repository would."""

    def handler(request: httpx.Request) -> httpx.Response:
        if on_request is not None:
            on_request(request)
        token = request.url.params.get("resumptionToken")
        name = f"{token}.xml" if token else f"{request.url.params.get('verb')}.xml"
        path = OAI_DIR / name
        if not path.is_file():
            return httpx.Response(404)
        body = path.read_bytes()
        if rewrite is not None:
            body = rewrite(name, body)
        return httpx.Response(200, content=body, headers={"content-type": "text/xml"})

    return httpx.MockTransport(handler)


def _source() -> Source:
    return Source(name="repo", kind="oai-pmh", url=BASE, metadata_prefix="oai_dc")


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    st = SQLiteStore(tmp_path / "s.sqlite3")
    st.add_source(_source())
    return st


def _harvest(store: SQLiteStore, transport: httpx.BaseTransport, *, full: bool = False):  # type: ignore[no-untyped-def]
    fetcher = Fetcher(
        transport=transport, retries=0, sleep=lambda s: None, allow_private_networks=True
    )
    with fetcher:
        return run_harvest(
            store, store.get_source("repo"), fetcher, base_uri="http://r.test", full=full
        )


def test_a_harvest_walks_every_page(store: SQLiteStore) -> None:
    run = _harvest(store, oai_server())
    assert run.status == "succeeded"
    assert run.total == 35  # the deleted record was never stored: nothing to tombstone
    assert run.failed == 0
    assert store.count() == 35
    assert store.get_source("repo").last_datestamp is not None


def test_a_crash_mid_harvest_resumes_without_duplicates(store: SQLiteStore) -> None:
    calls: list[str] = []

    def crash_on_third_page(request: httpx.Request) -> None:
        if request.url.params.get("verb") != "ListRecords":
            return  # ListMetadataFormats, asked before a new listing
        calls.append(str(request.url))
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C while fetching the third page

    with pytest.raises(KeyboardInterrupt):
        _harvest(store, oai_server(crash_on_third_page))
    interrupted = store.list_runs("repo")[0]
    assert interrupted.status == "interrupted"
    assert interrupted.checkpoint is not None
    written = store.count()
    assert 0 < written < 35

    resumed_requests: list[str] = []
    run = _harvest(store, oai_server(lambda r: resumed_requests.append(str(r.url))))
    assert run.id == interrupted.id  # the same run, finished
    assert run.status == "succeeded"
    assert len(resumed_requests) == 1  # only the page that was not written
    assert "resumptionToken" in resumed_requests[0]
    assert store.count() == 35
    assert run.added == 35
    # it is still the first, complete listing: no `from`, and absent records may go
    assert run.since is None
    assert "from=" not in resumed_requests[0]


def test_a_resumed_incremental_run_keeps_its_from(store: SQLiteStore) -> None:
    _harvest(store, oai_server())
    since = store.get_source("repo").last_datestamp
    calls: list[str] = []

    def crash_on_second_page(request: httpx.Request) -> None:
        if request.url.params.get("verb") == "ListRecords":
            calls.append(str(request.url))
            if len(calls) == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _harvest(store, oai_server(crash_on_second_page))
    interrupted = store.list_runs("repo")[0]
    assert interrupted.since is not None and since is not None
    assert interrupted.since < since  # from the last datestamp, less the overlap
    run = _harvest(store, oai_server())
    assert (run.id, run.since, run.status) == (interrupted.id, interrupted.since, "succeeded")


def test_a_record_that_fails_on_a_full_run_is_not_tombstoned(store: SQLiteStore) -> None:
    _harvest(store, oai_server())

    def drop_first_title(name: str, body: bytes) -> bytes:
        if name == "ListRecords.xml":
            start = body.index(b"<dc:title")
            end = body.index(b"</dc:title>", start) + len(b"</dc:title>")
            return body[:start] + body[end:]
        return body

    run = _harvest(store, oai_server(rewrite=drop_first_title), full=True)
    assert (run.status, run.failed, run.deleted) == ("partial", 1, 0)
    assert store.count() == 35  # its last good version stays: the source still has it


def test_a_broken_record_never_stops_the_harvest(store: SQLiteStore) -> None:
    def drop_first_title(name: str, body: bytes) -> bytes:
        if name == "ListRecords.xml":
            start = body.index(b"<dc:title")
            end = body.index(b"</dc:title>", start) + len(b"</dc:title>")
            return body[:start] + body[end:]
        return body

    run = _harvest(store, oai_server(rewrite=drop_first_title))
    assert run.status == "partial"
    assert run.failed >= 1
    assert store.count() == 35 - run.failed
    errors = store.get_run(run.id).errors
    assert errors and "title" in errors[0].message
    assert errors[0].stage == "map"
    assert errors[0].identifier is not None
    assert errors[0].snippet and "creator" in errors[0].snippet


def test_a_reharvest_changes_nothing(store: SQLiteStore) -> None:
    _harvest(store, oai_server())
    seq = store.last_seq()
    again = _harvest(store, oai_server())
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)
    assert again.unchanged == 35
    assert store.last_seq() == seq


def test_incremental_harvest_asks_from_the_last_datestamp(store: SQLiteStore) -> None:
    _harvest(store, oai_server())
    seen: list[httpx.Request] = []
    _harvest(store, oai_server(seen.append))
    listing = [r for r in seen if r.url.params.get("verb") == "ListRecords"]
    assert listing[0].url.params.get("from")
    full: list[httpx.Request] = []
    _harvest(store, oai_server(full.append), full=True)
    listing = [r for r in full if r.url.params.get("verb") == "ListRecords"]
    assert listing[0].url.params.get("from") is None


def test_full_harvest_tombstones_records_that_vanished(store: SQLiteStore) -> None:
    _harvest(store, oai_server())

    def last_page_gone(name: str, body: bytes) -> bytes:
        if name == "ListRecords.xml":
            # end the list after the first page
            start = body.index(b"<resumptionToken")
            end = body.index(b"</resumptionToken>", start) + len(b"</resumptionToken>")
            return body[:start] + b"<resumptionToken/>" + body[end:]
        return body

    run = _harvest(store, oai_server(rewrite=last_page_gone), full=True)
    assert run.status == "succeeded"
    assert run.deleted >= 23
    assert store.count() == 12
