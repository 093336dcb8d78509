"""The CKAN harvester against a loopback CKAN: windows over metadata_modified, filters,
deletions, errors, Retry-After, a killed run resumed; and the mapping of packages."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from harvesters import Fetcher, Page, RawRecord, get_harvester
from harvesters.ckan import SORT, CKANHarvester, ckan_urls, parse_modified, solr_time
from registry.errors import FeedError
from registry.harvest import run_harvest
from registry.models import HarvestRun, Source, Work, record_id
from registry.normalise import to_record
from registry.normalise._ckan import markdown_to_text
from registry.store.sqlite import SQLiteStore
from tests.conftest import loopback_server

FIXTURES = Path(__file__).parent / "fixtures" / "ckan"
BASE = "http://registry.test"
ANSWER = json.loads((FIXTURES / "package_search.json").read_text())
SEARCH_ERROR = json.loads((FIXTURES / "error_search.json").read_text())


def _generated(count: int) -> list[dict[str, Any]]:
    """More packages in the fixture's shape: hourly changes, and runs of equal timestamps
    (seven in one microsecond; two in one millisecond, as the index sees them)."""
    template = ANSWER["result"]["results"][1]
    out = []
    for i in range(count):
        package = copy.deepcopy(template)
        package["id"] = f"{i:08x}-0000-4000-8000-{i:012x}"
        package["name"] = f"dataset-{i:02d}"
        package["title"] = f"Dataset {i:02d}"
        if 5 <= i <= 11:
            package["metadata_modified"] = "2024-04-01T05:00:00.123456"
        elif i in (12, 13):
            package["metadata_modified"] = f"2024-04-01T12:00:00.500{i}0"
        else:
            package["metadata_modified"] = f"2024-04-01T{i:02d}:00:00.000000"
        out.append(package)
    return out


def all_packages() -> list[dict[str, Any]]:
    return copy.deepcopy(ANSWER["result"]["results"]) + _generated(21)


# --- a CKAN site on loopback ----------------------------------------------------------------

_RANGE = re.compile(r"\+?metadata_modified:\[(\S+) TO (\S+)\]")
_GROUP = re.compile(r"\+?\((\w+):([\w-]+)\)")
_TERM = re.compile(r"\+?(\w+):([\w-]+)")
_PARAMETERS = frozenset(
    {"q", "fq", "sort", "rows", "start", "include_deleted", "include_private", "include_drafts"}
)


class _Site(BaseHTTPRequestHandler):
    """``package_search`` over an in-memory list, as CKAN 2.10 over Solr answers it: the
    state and capacity filters CKAN adds, ``fq`` (a metadata_modified range, field terms),
    ``sort``, ``rows`` (capped at ``rows_max``) and ``start``; errors in CKAN's shape."""

    packages: ClassVar[dict[str, dict[str, Any]]] = {}
    requests: ClassVar[list[dict[str, str]]] = []
    canned: ClassVar[list[tuple[int, dict[str, str], bytes]]] = []
    settings: ClassVar[dict[str, Any]] = {}

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.requests.append({"path": parts.path, **params})
        hook = self.settings.get("on_request")
        if hook is not None:
            hook(len(self.requests))
        if self.canned:
            status, headers, body = self.canned.pop(0)
            return self._send(status, body, headers)
        if parts.path != "/data/api/3/action/package_search":
            return self._send(404, b"<html><body>Not found</body></html>", {}, "text/html")
        unknown = sorted(set(params) - _PARAMETERS)
        if unknown:
            return self._error(400, "Search Query Error", f"Search Query is invalid: {unknown}")
        matches = self._filter(params.get("fq", ""), params.get("include_deleted") == "true")
        if matches is None:
            return self._send(409, json.dumps(SEARCH_ERROR).encode(), {})
        sort = params.get("sort", "score desc, metadata_modified desc")
        for field, direction in reversed([s.split() for s in sort.split(",")]):
            if field != "score":
                matches.sort(key=lambda p, f=field: p[f], reverse=direction == "desc")
        rows = min(int(params.get("rows", "10")), self.settings.get("rows_max", 1000))
        start = int(params.get("start", "0"))
        result = {
            "count": len(matches),
            "facets": {},
            "results": matches[start : start + rows],
            "sort": sort,
            "search_facets": {},
        }
        self._send(200, json.dumps({"help": ANSWER["help"], "success": True, "result": result}))

    def _filter(self, fq: str, include_deleted: bool) -> list[dict[str, Any]] | None:
        states = {"active", "deleted"} if include_deleted else {"active"}
        found = [p for p in self.packages.values() if p["state"] in states]
        if self.settings.get("ignore_fq"):
            return found
        rest = fq
        for low, high in _RANGE.findall(fq):
            found = [
                p
                for p in found
                if (low == "*" or solr_time(_moment(p)) >= low)
                and (high == "*" or solr_time(_moment(p)) <= high)
            ]
        rest = _RANGE.sub("", rest)
        for field, value in _GROUP.findall(rest) + _TERM.findall(_GROUP.sub("", rest)):
            if field != "organization":
                return None
            found = [p for p in found if (p.get("organization") or {}).get("name") == value]
        if _TERM.sub("", _GROUP.sub("", rest)).strip():
            return None  # what Solr cannot parse
        return found

    def _error(self, status: int, kind: str, message: str) -> None:
        body = {
            "help": ANSWER["help"],
            "success": False,
            "error": {"__type": kind, "message": message},
        }
        self._send(status, json.dumps(body).encode(), {})

    def _send(
        self,
        status: int,
        body: bytes | str,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json;charset=utf-8",
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def _moment(package: dict[str, Any]) -> datetime:
    moment = parse_modified(package["metadata_modified"])
    assert moment is not None
    return moment


class Site:
    """The running site: its root URL and the state its handler serves."""

    def __init__(self, url: str, handler: type[_Site]) -> None:
        self.url = url
        self.handler = handler

    @property
    def packages(self) -> dict[str, dict[str, Any]]:
        return self.handler.packages

    @property
    def requests(self) -> list[dict[str, str]]:
        return self.handler.requests

    def answer_next(self, status: int, body: bytes, **headers: str) -> None:
        self.handler.canned.append((status, headers, body))

    def touch(self, identifier: str, modified: str, **changes: Any) -> None:
        self.packages[identifier].update(metadata_modified=modified, **changes)


@pytest.fixture
def site() -> Iterator[Site]:
    state = {
        "packages": {p["id"]: p for p in all_packages()},
        "requests": [],
        "canned": [],
        "settings": {},
    }
    handler = type("Site", (_Site,), state)
    with loopback_server(handler) as base:
        yield Site(f"{base}/data", handler)


def _source(url: str, **options: str) -> Source:
    return Source(name="ckan", kind="ckan", url=url, options=options)


def _fetcher(sleeps: list[float] | None = None) -> Fetcher:
    return Fetcher(
        allow_private_networks=True, sleep=(sleeps.append if sleeps is not None else lambda s: None)
    )


def harvest(
    source: Source, *, sleeps: list[float] | None = None, **kwargs: Any
) -> tuple[list[Page], CKANHarvester]:
    with _fetcher(sleeps) as fetcher:
        harvester = CKANHarvester(source, fetcher)
        return list(harvester.pages(**kwargs)), harvester


def _ids(pages: list[Page]) -> list[str]:
    return [r.identifier for p in pages for r in p.records]


# --- paging ---------------------------------------------------------------------------------


def test_every_package_once_window_by_window(site: Site) -> None:
    pages, harvester = harvest(_source(site.url, rows="4"))
    ids = _ids(pages)
    assert sorted(ids) == sorted(site.packages)
    assert len(ids) == len(set(ids)) == 25
    assert harvester.listed_all is True
    assert all(r["sort"] == SORT and r["rows"] == "4" for r in site.requests)
    assert "fq" not in site.requests[0]
    assert all(
        re.fullmatch(
            r"\+metadata_modified:\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z TO \*\]", r["fq"]
        )
        for r in site.requests[1:]
    )
    # seven packages of one timestamp: read on by offset inside their window
    assert any(r["start"] != "0" for r in site.requests)
    assert [p.checkpoint is None for p in pages] == [False] * (len(pages) - 1) + [True]
    assert "include_deleted" not in site.requests[0]  # a full run tombstones instead


@pytest.mark.parametrize("suffix", ["", "/", "/api/3/action", "/api/3/action/", "/api/action"])
def test_the_site_root_or_its_action_api(site: Site, suffix: str) -> None:
    assert ckan_urls(site.url + suffix) == (site.url, f"{site.url}/api/3/action")
    pages, _ = harvest(_source(site.url + suffix, rows="100"))
    assert len(_ids(pages)) == 25
    assert {r["path"] for r in site.requests} == {"/data/api/3/action/package_search"}
    first = next(
        r for p in pages for r in p.records if r.identifier == ANSWER["result"]["results"][0]["id"]
    )
    assert first.payload is not None and first.payload["site"] == site.url


def test_a_package_edited_during_the_run_shifts_nothing(site: Site) -> None:
    # With offset paging, an edit moves a package read already to the end and every later
    # one a place forward: the package at the page boundary would be skipped.
    edited = ANSWER["result"]["results"][0]["id"]

    def edit_after_the_second_page(requests: int) -> None:
        if requests == 3:
            site.touch(edited, "2024-05-01T00:00:00.000000")

    site.handler.settings["on_request"] = edit_after_the_second_page
    pages, harvester = harvest(_source(site.url, rows="4"))
    ids = _ids(pages)
    assert set(ids) == set(site.packages)
    assert ids.count(edited) == 2  # met again after its edit, as the last change
    assert ids[-1] == edited
    assert harvester.listed_all is True


def test_a_site_that_caps_rows_is_still_read_whole(site: Site) -> None:
    site.handler.settings["rows_max"] = 3
    pages, harvester = harvest(_source(site.url))  # asks 100 a page, gets 3
    assert sorted(_ids(pages)) == sorted(site.packages)
    assert harvester.listed_all is True


def test_a_resumed_run_continues_after_its_checkpoint(site: Site) -> None:
    pages, _ = harvest(_source(site.url, rows="4"))
    ids = _ids(pages)
    for position, page in enumerate(pages[:-1]):
        done = sum(len(p.records) for p in pages[: position + 1])
        rest, harvester = harvest(_source(site.url, rows="4"), resume=page.checkpoint)
        assert _ids(rest) == ids[done:], position
        assert harvester.listed_all is True


def test_incremental_runs_ask_changes_since_and_see_deletions(site: Site) -> None:
    gone = ANSWER["result"]["results"][3]["id"]
    site.touch(gone, "2024-04-02T09:00:00.000000", state="deleted")
    since = datetime(2024, 4, 1, 18, 30, tzinfo=UTC)
    pages, harvester = harvest(_source(site.url), since=since)
    assert site.requests[0]["fq"] == "+metadata_modified:[2024-04-01T18:30:00.000Z TO *]"
    assert site.requests[0]["include_deleted"] == "true"
    records = [r for p in pages for r in p.records]
    assert [r.identifier for r in records] == [
        "00000013-0000-4000-8000-000000000013",
        "00000014-0000-4000-8000-000000000014",
        gone,
    ]
    deleted = records[-1]
    assert (deleted.deleted, deleted.payload) == (True, None)
    assert deleted.datestamp == datetime(2024, 4, 2, 9, tzinfo=UTC)
    assert harvester.listed_all is False


def test_options_filter_and_page_size(site: Site) -> None:
    pages, harvester = harvest(
        _source(site.url, fq="organization:gemeente-voorbeeld", rows="1", include_deleted="false"),
        since=datetime(2020, 1, 1, tzinfo=UTC),
    )
    organizations = {(site.packages[i].get("organization") or {}).get("name") for i in _ids(pages)}
    assert organizations == {"gemeente-voorbeeld"}
    assert len(_ids(pages)) == 23  # two of the fixture's packages and the 21 made from one
    assert all("+(organization:gemeente-voorbeeld)" in r["fq"] for r in site.requests)
    assert all(r["rows"] == "1" and "include_deleted" not in r for r in site.requests)
    assert harvester.listed_all is False  # incremental


# --- failures -------------------------------------------------------------------------------


def test_a_ckan_error_answer_is_a_feed_error(site: Site) -> None:
    with pytest.raises(FeedError, match=r"refused package_search .* with HTTP 409"):
        harvest(_source(site.url, fq="organization:("))
    assert site.requests[0]["fq"] == "+(organization:()"
    assert len(site.requests) == 1  # a refusal is not retried


def test_a_ckan_error_answer_keeps_ckans_message(site: Site) -> None:
    with pytest.raises(FeedError, match=r"HTTP 409: CKAN answered Search Error: .*SyntaxError"):
        harvest(_source(site.url, fq="organization:("))


def test_an_error_answered_with_200_keeps_its_message(site: Site) -> None:
    site.answer_next(200, json.dumps(SEARCH_ERROR).encode())
    with pytest.raises(
        FeedError, match=r"^CKAN answered Search Error: Search error: .*SyntaxError"
    ):
        harvest(_source(site.url))


@pytest.mark.parametrize(
    ("url_suffix", "answer", "message"),
    [
        ("/elsewhere", None, "HTTP 404: .*is this a CKAN site"),
        ("", (200, b"<html>a portal</html>"), "did not answer JSON"),
        ("", (200, b'{"success": true, "result": {"count": 1}}'), "no count or no list"),
    ],
    ids=["not-found", "not-json", "no-results"],
)
def test_answers_that_are_not_ckan(
    site: Site, url_suffix: str, answer: tuple[int, bytes] | None, message: str
) -> None:
    if answer is not None:
        site.answer_next(*answer)
    with pytest.raises(FeedError, match=message):
        harvest(_source(site.url + url_suffix))


def test_a_package_without_an_id_is_reported_and_the_others_read(site: Site) -> None:
    good, broken = copy.deepcopy(ANSWER["result"]["results"][:2])
    del broken["id"]
    result = {"count": 2, "facets": {}, "results": [good, broken], "sort": SORT}
    site.answer_next(200, json.dumps({"help": "", "success": True, "result": result}).encode())
    (page,), harvester = harvest(_source(site.url))
    assert [r.identifier for r in page.records] == [good["id"]]
    (error,) = page.errors
    assert (error.identifier, error.message, error.stage) == (
        "fietsparkeren-tellingen",
        "a package without an id",
        "parse",
    )
    assert error.snippet is not None and '"name": "fietsparkeren-tellingen"' in error.snippet
    assert harvester.listed_all is True  # both counted: every package was seen


def test_503_with_retry_after_then_success(site: Site) -> None:
    site.answer_next(503, b"busy", **{"Retry-After": "7"})
    sleeps: list[float] = []
    pages, harvester = harvest(_source(site.url), sleeps=sleeps)
    assert sleeps == [7.0]
    assert len(_ids(pages)) == 25
    assert harvester.listed_all is True


def test_a_site_that_ignores_the_window_is_refused(site: Site) -> None:
    site.handler.settings["ignore_fq"] = True
    with pytest.raises(FeedError, match="ignores the metadata_modified filter"):
        harvest(_source(site.url, rows="4"))


# --- mapping --------------------------------------------------------------------------------


def _works(site_url: str = "https://data.voorbeeld.nl/data") -> list[Work]:
    source = _source(site_url)
    out = []
    for package in ANSWER["result"]["results"]:
        record = to_record(
            source,
            RawRecord(
                package["id"],
                parse_modified(package["metadata_modified"]),
                format="ckan",
                payload={"site": site_url, "package": package},
            ),
            BASE,
        )
        assert isinstance(record, Work)
        out.append(record)
    return out


def test_packages_as_works() -> None:
    water, bikes, population, internal = _works()
    assert water.title == "Grondwaterstanden 2023"
    assert water.description == (
        "Grondwaterstanden Dagelijkse metingen van grondwaterstanden in peilbuizen van de"
        " gemeente. bron: meetnet eenheid: cm t.o.v. NAP"
    )
    assert water.creators == ["Afdeling Water, Gemeente Voorbeeld"]
    assert water.publisher == "Gemeente Voorbeeld"
    assert water.subjects == ["grondwater", "klimaatadaptatie", "Klimaat en water"]
    assert water.languages == ["nl"]
    assert water.issued == "2023-03-14"
    assert water.landing_page == "https://data.voorbeeld.nl/data/dataset/grondwaterstanden-2023"
    assert water.identifiers == [
        "https://data.voorbeeld.nl/data/dataset/grondwaterstanden-2023",
        "https://www.voorbeeld.nl/water/grondwater",
    ]
    assert water.formats == ["CSV", "application/geo+json"]
    assert water.types == ["dataset"]
    assert water.rights_holder == "Gemeente Voorbeeld"
    assert water.modified == datetime(2024, 1, 8, 10, 15, 2, 518204, tzinfo=UTC)
    # license_id "cc-by" names a family only; its license_url names the version
    assert water.licence.uri == "https://creativecommons.org/licenses/by/4.0/"
    assert water.attribution is not None and "CC BY 4.0" in water.attribution.text

    # a CKAN licence code, read in CKAN's convention
    assert bikes.licence.uri == (
        "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    )
    assert bikes.licence.raw == "uk-ogl"
    assert bikes.creators == ["Open Data Team"]  # the maintainer, without an author
    assert bikes.issued == "2023-06-01"  # from metadata_created

    # fields at the top level (a site schema), an organization without a title
    assert population.licence.uri == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert population.languages == ["nl", "en"]
    assert population.publisher == "bureau-ois"
    assert population.issued == "2023-09-12"

    assert internal.licence.uri is None  # "notspecified" names no licence
    assert internal.publisher is None and internal.description is None


def test_markdown_becomes_text() -> None:
    markdown = (
        "# Title\n\nSome **bold**, _italic_ and `code`; a [link](https://x.nl) and"
        " ![alt text](a.png).\n\n* one\n* snake_case_name\n1. two\n\n> quoted\n\n"
        "<b>html</b> &amp; <script>alert(1)</script>done"
    )
    assert markdown_to_text(markdown) == (
        "Title Some bold, italic and code; a link and alt text. one snake_case_name two"
        " quoted html & done"
    )


# --- end to end -----------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path, site: Site) -> SQLiteStore:
    st = SQLiteStore(tmp_path / "s.sqlite3")
    st.add_source(_source(site.url, rows="4"))
    return st


def _run(store: SQLiteStore, *, full: bool = False, on_page: Any = None) -> HarvestRun:
    with _fetcher() as fetcher:
        return run_harvest(
            store, store.get_source("ckan"), fetcher, base_uri=BASE, full=full, on_page=on_page
        )


def test_a_site_harvested_end_to_end(store: SQLiteStore, site: Site) -> None:
    assert get_harvester("ckan") is CKANHarvester
    first = _run(store)
    assert (first.status, first.added, first.failed) == ("succeeded", 25, 0)
    water = store.get(record_id("ckan", ANSWER["result"]["results"][0]["id"]))
    assert water is not None and isinstance(water.record, Work)
    assert water.record.licence.uri == "https://creativecommons.org/licenses/by/4.0/"

    # two packages change, one is deleted (kept in the index with its state)
    changed = ["00000002-0000-4000-8000-000000000002", ANSWER["result"]["results"][1]["id"]]
    site.touch(changed[0], "2024-06-01T10:00:00.000000", title="Dataset 02, herzien")
    site.touch(changed[1], "2024-06-01T11:00:00.000000", notes="Nieuwe beschrijving.")
    gone = ANSWER["result"]["results"][3]["id"]
    site.touch(gone, "2024-06-01T12:00:00.000000", state="deleted")
    site.requests.clear()
    second = _run(store)
    assert (second.status, second.updated, second.deleted, second.added) == ("succeeded", 2, 1, 0)
    # from the newest change seen, less the harvest's five-minute overlap
    assert site.requests[0]["fq"] == "+metadata_modified:[2024-04-01T19:55:00.000Z TO *]"
    assert site.requests[0]["include_deleted"] == "true"
    stored = store.get(record_id("ckan", gone))
    assert stored is not None and stored.deleted


def test_a_package_gone_before_a_full_run_becomes_a_tombstone(
    store: SQLiteStore, site: Site
) -> None:
    _run(store)
    gone = "00000007-0000-4000-8000-000000000007"
    del site.packages[gone]  # deleted and purged from the index, or made private
    run = _run(store, full=True)
    assert (run.status, run.deleted, run.unchanged) == ("succeeded", 1, 24)
    stored = store.get(record_id("ckan", gone))
    assert stored is not None and stored.deleted
    assert store.count() == 24


def test_a_killed_run_resumes_without_duplicates(store: SQLiteStore, site: Site) -> None:
    written: list[int] = []

    def kill_after_two_pages(run: HarvestRun, counts: Any) -> None:
        written.append(counts.added)
        if len(written) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(store, on_page=kill_after_two_pages)
    interrupted = store.list_runs("ckan")[0]
    assert interrupted.status == "interrupted"
    assert interrupted.checkpoint is not None and interrupted.checkpoint["after"]
    assert store.count() == sum(written) < 25

    site.requests.clear()
    resumed = _run(store)
    assert resumed.id == interrupted.id
    assert resumed.status == "succeeded"
    assert (resumed.added, resumed.updated, resumed.unchanged) == (25, 0, 0)
    assert site.requests[0]["fq"] == f"+metadata_modified:[{interrupted.checkpoint['after']} TO *]"
    assert store.count() == 25
