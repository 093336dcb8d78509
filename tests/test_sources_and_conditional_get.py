"""Registering sources (CLI and API), conditional GET between runs, response-size limit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from harvesters.fetch import Fetcher
from registry.api.app import create_app
from registry.cli import main
from registry.core import Registry
from registry.errors import FetchError
from registry.settings import Settings
from tests.conftest import loopback_server

OFFERS = [
    {
        "identifier": f"o{i}",
        "title": f"Offer {i}",
        "offeror": {"name": "TU Example"},
        "contact": {"email": "tto@example.org"},
        "challenges": ["climate-change"],
        "licence": "CC BY 4.0",
        "assets": [{"type": "know-how"}],
        "terms": {"licensing_mode": "technical-cooperation", "summary": "Ask us."},
    }
    for i in range(3)
]


class _Feed(BaseHTTPRequestHandler):
    """An offer feed that answers conditional requests as a web server does."""

    offers: ClassVar[list[dict[str, Any]]] = []
    version: ClassVar[list[int]] = [1]
    requests: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        self.requests.append({k.lower(): v for k, v in self.headers.items()})
        etag = f'"v{self.version[0]}"'
        if self.path.startswith("/big"):
            body = b"[" + b" " * 5000 + b"]"
        elif self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        else:
            body = json.dumps(self.offers).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", "Mon, 01 Jun 2026 10:00:00 GMT")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def feed() -> Iterator[tuple[str, type[_Feed]]]:
    handler = type("Feed", (_Feed,), {"offers": list(OFFERS), "version": [1], "requests": []})
    with loopback_server(handler) as base:
        yield base, handler


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    settings = Settings(
        data_dir=tmp_path / "data",
        base_uri="http://r.test",
        allow_private_networks=True,
        harvest_rate_per_host=0,
        admin_token="s3cret-token",
    )
    reg = Registry(settings)
    yield reg
    reg.close()


# --- conditional GET ------------------------------------------------------------------------


def test_an_unchanged_feed_costs_one_304_and_changes_nothing(
    registry: Registry, feed: tuple[str, type[_Feed]]
) -> None:
    url, handler = feed
    registry.add_source("tto", "offers", f"{url}/offers.json")
    first = registry.harvest("tto")
    assert (first.status, first.added) == ("succeeded", 3)
    assert "if-none-match" not in handler.requests[0]
    assert registry.store.get_source("tto").http_cache[f"{url}/offers.json"]["etag"] == '"v1"'

    second = registry.harvest("tto")
    assert handler.requests[1]["if-none-match"] == '"v1"'
    assert handler.requests[1]["if-modified-since"] == "Mon, 01 Jun 2026 10:00:00 GMT"
    # a 304 lists nothing, so nothing may become a tombstone
    assert (second.status, second.total, second.deleted) == ("succeeded", 0, 0)
    assert registry.store.count() == 3


def test_a_changed_feed_is_read_and_vanished_offers_become_tombstones(
    registry: Registry, feed: tuple[str, type[_Feed]]
) -> None:
    url, handler = feed
    registry.add_source("tto", "offers", f"{url}/offers.json")
    registry.harvest("tto")
    handler.offers[:] = OFFERS[:2]
    handler.version[0] = 2
    run = registry.harvest("tto")
    assert (run.unchanged, run.deleted) == (2, 1)
    assert registry.store.count() == 2
    assert registry.store.get_source("tto").http_cache[f"{url}/offers.json"]["etag"] == '"v2"'


def test_a_full_harvest_sends_no_validators(
    registry: Registry, feed: tuple[str, type[_Feed]]
) -> None:
    url, handler = feed
    registry.add_source("tto", "offers", f"{url}/offers.json")
    registry.harvest("tto")
    run = registry.harvest("tto", full=True)
    assert "if-none-match" not in handler.requests[-1]
    assert run.unchanged == 3


def test_a_response_larger_than_the_limit_is_refused(feed: tuple[str, type[_Feed]]) -> None:
    url, _ = feed
    with Fetcher(allow_private_networks=True, max_bytes=1000, retries=0) as fetcher:
        with pytest.raises(FetchError, match="more than 1000 bytes"):
            fetcher.get(f"{url}/big")
        assert fetcher.get(f"{url}/offers.json").status == 200
    with Fetcher(allow_private_networks=True, max_bytes=10_000, retries=0) as fetcher:
        response = fetcher.get(f"{url}/big")
        assert len(response.content) == 5002
        assert response.open().read(1) == b"["


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def client(registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(registry=registry, follow_changes=False)) as test_client:
        yield test_client


AUTH = {"Authorization": "Bearer s3cret-token"}
NEW = {"name": "tto", "kind": "offers", "url": "https://93.184.216.34/offers.json"}


def test_registering_a_source_needs_the_admin_token(client: TestClient) -> None:
    missing = client.post("/api/sources", json=NEW)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = client.post("/api/sources", json=NEW, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert client.get("/api/sources").json() == []


def test_a_registered_source_is_listed_with_its_next_harvest(client: TestClient) -> None:
    created = client.post("/api/sources", json={**NEW, "schedule_hours": 6}, headers=AUTH)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/sources/tto"
    assert created.json()["schedule_hours"] == 6
    shown = client.get("/api/sources/tto").json()
    assert shown["kind"] == "offers" and shown["last_run"] is None
    assert shown["next_harvest"] is not None
    assert "http_cache" not in shown
    again = client.post("/api/sources", json=NEW, headers=AUTH)
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({**NEW, "kind": "gopher"}, 400, "unknown source kind"),
        ({**NEW, "name": "Bad Name"}, 400, "name"),
        ({**NEW, "url": "http://127.0.0.1:9/feed"}, 400, "private"),
        ({**NEW, "url": "http://169.254.169.254/latest/meta-data"}, 400, "private"),
        ({**NEW, "url": "file:///etc/passwd"}, 400, "file: URLs are not allowed"),
        ({**NEW, "url": "ftp://93.184.216.34/x"}, 400, "http, https"),
        ({**NEW, "schedule_hours": 0}, 400, "schedule_hours"),
        ({**NEW, "surprise": 1}, 400, "surprise"),
    ],
)
def test_bad_sources_are_refused_with_a_reason(
    tmp_path: Path, body: dict[str, Any], status: int, fragment: str
) -> None:
    settings = Settings(data_dir=tmp_path / "d", admin_token="s3cret-token")
    with (
        Registry(settings) as reg,
        TestClient(create_app(registry=reg, follow_changes=False)) as test_client,
    ):
        response = test_client.post("/api/sources", json=body, headers=AUTH)
        assert response.status_code == status, response.text
        assert fragment in response.json()["detail"]
        assert test_client.get("/api/sources").json() == []


def test_registration_over_the_api_is_off_without_a_token(tmp_path: Path) -> None:
    with (
        Registry(Settings(data_dir=tmp_path / "d")) as reg,
        TestClient(create_app(registry=reg, follow_changes=False)) as test_client,
    ):
        response = test_client.post("/api/sources", json=NEW, headers=AUTH)
        assert response.status_code == 403
        assert "REGISTRY_ADMIN_TOKEN" in response.json()["detail"]


# --- the command line ------------------------------------------------------------------------


def _cli(data_dir: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], catch_exceptions=False)
    return result


def test_sources_add_with_options_and_schedules(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = _cli(
        data, "sources", "add", "portal", "--kind", "ckan", "--url", "https://93.184.216.34/",
        "--option", "fq=organization:tu-delft", "--option", "rows=50", "--schedule", "6h", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    source = json.loads(added.stdout)
    assert source["options"] == {"fq": "organization:tu-delft", "rows": "50"}
    assert source["schedule_hours"] == 6
    manual = _cli(
        data, "sources", "add", "manual", "--kind", "rss", "--url", "https://93.184.216.34/feed",
        "--schedule", "never", "--json",
    )  # fmt: skip
    assert json.loads(manual.stdout)["schedule_hours"] is None
    for args, message in [
        (["--option", "novalue"], "KEY=VALUE"),
        (["--schedule", "soon"], "--schedule takes"),
        (["--schedule", "0"], "more than zero"),
        (["--kind", "gopher"], "unknown source kind"),
    ]:
        base = ["sources", "add", "x", "--kind", "rss", "--url", "https://93.184.216.34/f"]
        result = _cli(data, *base, *args)
        assert result.exit_code != 0
        assert message in result.output


def test_sources_remove_withdraws_the_records(tmp_path: Path) -> None:
    from registry.core import demo_sources

    data = tmp_path / "data"
    with Registry(Settings(data_dir=data)) as reg:
        spec = demo_sources()[1]
        reg.add_source(**spec, trusted=True)
        reg.harvest(spec["name"])
        assert reg.store.count() > 0
    result = _cli(data, "sources", "remove", spec["name"])
    assert result.exit_code == 0, result.output
    assert "records withdrawn" in result.output
    with Registry(Settings(data_dir=data)) as reg:
        assert reg.store.count() == 0
        assert reg.search_backend.count() == 0
        assert reg.store.list_sources() == []
    assert _cli(data, "sources", "remove", "nope").exit_code == 1


def test_worker_once_harvests_what_is_due(tmp_path: Path) -> None:
    from registry.core import demo_sources

    data = tmp_path / "data"
    with Registry(Settings(data_dir=data)) as reg:
        for spec in demo_sources():
            reg.add_source(**spec, trusted=True)
    result = _cli(data, "worker", "--once")
    assert result.exit_code == 0, result.output
    assert "harvested 4 due source(s)" in result.output
    again = _cli(data, "worker", "--once")
    assert "harvested 0 due source(s)" in again.output
    with Registry(Settings(data_dir=data)) as reg:
        assert reg.search_backend.count() == reg.store.count() > 30


def test_harvest_all_goes_on_past_a_failing_source(tmp_path: Path) -> None:
    from registry.core import demo_sources

    data = tmp_path / "data"
    with Registry(Settings(data_dir=data)) as reg:
        for spec in demo_sources():
            reg.add_source(**spec, trusted=True)
        reg.add_source("broken", "offers", (tmp_path / "missing.json").as_uri(), trusted=True)
    result = _cli(data, "harvest", "--all", "--json")
    assert result.exit_code == 1
    summaries = {s["source"]: s for s in json.loads(result.stdout)}
    assert summaries["broken"]["status"] == "failed"
    assert "404" in summaries["broken"]["error"]
    for name in ("demo-kennisbank", "demo-offers"):
        summary = summaries[name]
        assert summary["status"] == "succeeded"
        assert {"source", "added", "updated", "deleted", "failed", "total"} <= summary.keys()
        assert summary["added"] == summary["total"] > 0
    with Registry(Settings(data_dir=data)) as reg:
        assert reg.search_backend.count() == reg.store.count()


def test_sources_inspect_asks_an_oai_pmh_repository_about_itself(tmp_path: Path) -> None:
    folder = Path(__file__).parent / "fixtures" / "oai-pmh" / "pyoai-erasmus"
    data = tmp_path / "data"
    assert (
        _cli(data, "sources", "add", "eur", "--kind", "oai-pmh", "--url", folder.as_uri()).exit_code
        == 0
    )
    described = json.loads(_cli(data, "sources", "inspect", "eur", "--json", "--limit", "3").stdout)
    assert described["source"]["name"] == "eur"
    feed = described["feed"]
    assert feed["identify"]["repositoryName"] == "Erasmus University : Research Online"
    assert feed["identify"]["deletedRecord"] == "no"
    assert [f["metadataPrefix"] for f in feed["metadata_formats"]] == ["oai_dc"]
    assert [s["setSpec"] for s in feed["sets"]] == ["3", "3:5", "1"]
    assert feed["sets_truncated"] is True
    text = _cli(data, "sources", "inspect", "eur").output
    assert "granularity: YYYY-MM-DDThh:mm:ssZ" in text and "EUR Medical Dissertations" in text
