"""The command line, through click's runner (and once as a real process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from registry.cli import main


def run(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli") / "data"
    summaries = as_json(run(data_dir, "demo", "--no-serve", "--json"))
    assert [s["source"] for s in summaries] == [
        "demo-kennisbank",
        "demo-provincie",
        "demo-lectoraat",
        "demo-offers",
    ]
    return data_dir


def test_demo_loads_at_least_30_works_and_6_offers(demo_dir: Path) -> None:
    works = as_json(run(demo_dir, "search", "--kind", "work", "--json"))
    offers = as_json(run(demo_dir, "search", "--kind", "ip-offer", "--json"))
    assert works["total"] >= 30
    assert offers["total"] >= 6
    languages = {f["value"] for f in works["facets"]["language"]}
    assert {"nl", "en"} <= languages
    classes = {
        r["licence"]["open"]
        for r in as_json(run(demo_dir, "search", "--json", "--page-size", "100"))["results"]
    }
    assert classes == {True, False}


def test_reharvesting_the_same_feed_changes_nothing(demo_dir: Path) -> None:
    for name in ("demo-kennisbank", "demo-offers"):
        summary = as_json(run(demo_dir, "harvest", name, "--json"))
        assert summary["source"] == name
        assert (summary["added"], summary["updated"], summary["deleted"]) == (0, 0, 0)
        assert summary["unchanged"] > 0
    again = as_json(run(demo_dir, "demo", "--no-serve", "--json"))
    assert all(s["added"] == 0 and s["updated"] == 0 for s in again)
    total = as_json(run(demo_dir, "search", "--json"))["total"]
    assert total == as_json(run(demo_dir, "search", "--json"))["total"]


def test_search_json_is_the_api_json(demo_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from registry.api.app import create_app
    from registry.core import Registry
    from registry.settings import Settings

    cli = as_json(run(demo_dir, "search", "water", "--open", "--json"))
    registry = Registry(Settings(data_dir=demo_dir))
    try:
        with TestClient(create_app(registry=registry, follow_changes=False)) as client:
            api = client.get("/api/search", params={"q": "water", "open": "true"}).json()
    finally:
        registry.close()
    assert cli == api


def test_records_get(demo_dir: Path) -> None:
    hit = as_json(run(demo_dir, "search", "--json"))["results"][0]
    record = as_json(run(demo_dir, "records", "get", hit["id"], "--format", "json"))
    assert record["id"] == hit["id"]
    assert record["title"] == hit["title"]


def test_sources_list_and_add(demo_dir: Path, tmp_path: Path) -> None:
    listed = as_json(run(demo_dir, "sources", "list", "--json"))
    assert {s["name"] for s in listed} == {
        "demo-kennisbank",
        "demo-provincie",
        "demo-lectoraat",
        "demo-offers",
    }
    assert all(s["last_run"]["status"] == "succeeded" for s in listed)
    fresh = tmp_path / "fresh"
    added = as_json(
        run(
            fresh,
            "sources",
            "add",
            "uni",
            "--kind",
            "oai-pmh",
            "--url",
            "https://repository.example.org/oai",
            "--set",
            "open",
            "--json",
        )
    )
    assert (added["name"], added["set_spec"]) == ("uni", "open")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["records", "get", "nope"], "no record with id 'nope'"),
        (["harvest", "nope"], "no source named 'nope'"),
        (["harvest"], "name one source, or use --all"),
        (
            [
                "sources",
                "add",
                "Bad Name",
                "--kind",
                "oai-pmh",
                "--url",
                "https://example.org/feed",
            ],
            "source name",
        ),
        (
            ["sources", "add", "local", "--kind", "oai-pmh", "--url", "http://127.0.0.1/feed"],
            "127.0.0.1",
        ),
        (
            ["sources", "add", "ftp", "--kind", "oai-pmh", "--url", "ftp://example.org/feed"],
            "http, https or file",
        ),
        (["search", "--page-size", "500"], "page_size"),
    ],
)
def test_errors_are_one_line_and_non_zero(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(tmp_path / "data", *args)
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert message in lines[0]


def test_reindex_rebuilds_from_the_store(demo_dir: Path) -> None:
    before = as_json(run(demo_dir, "search", "--json"))["total"]
    rebuilt = as_json(run(demo_dir, "reindex", "--target", "search", "--json"))
    assert rebuilt["indexed"] >= before
    assert as_json(run(demo_dir, "search", "--json"))["total"] == before


def test_python_dash_m_registry(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "registry",
            "--data-dir",
            str(tmp_path / "d"),
            "sources",
            "list",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_a_withdrawn_record_is_a_one_line_error(tmp_path: Path) -> None:
    from registry.store.sqlite import SQLiteStore
    from tests.conftest import make_work

    data_dir = tmp_path / "data"
    store = SQLiteStore(data_dir / "registry.sqlite3")
    work = make_work("gone")
    store.upsert([work])
    store.delete([work.id])
    store.close()
    for args in (["records", "get", work.id], ["licence", "attribution", work.id]):
        result = run(data_dir, *args)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"error: record '{work.id}' was withdrawn by its source")


def test_reindex_rebuilds_the_triple_store(demo_dir: Path) -> None:
    from registry.core import Registry
    from registry.settings import Settings

    rebuilt = as_json(run(demo_dir, "reindex", "--target", "rdf", "--json"))
    with Registry(Settings(data_dir=demo_dir)) as registry:
        assert rebuilt["rdf"] == registry.store.count(include_deleted=True)
        answer = registry.triples.query(
            "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a <http://creativecommons.org/ns#Work> }",
            timeout=10,
            limit=1,
        )
        assert int(answer.solutions[0]["n"].value) == registry.store.count()
