"""The DCAT harvester end to end: every syntax, licences, Hydra paging, loops, tombstones,
conditional GET and entity refusal, through the registry's real store."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest

from registry.core import Registry
from registry.errors import FeedError
from registry.models import record_id
from registry.settings import Settings
from tests.conftest import loopback_server

SYNTHETIC = Path(__file__).parent / "fixtures" / "dcat" / "synthetic"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    settings = Settings(
        data_dir=tmp_path / "data",
        base_uri="http://r.test",
        allow_private_networks=True,
        harvest_rate_per_host=0,
    )
    with Registry(settings) as reg:
        yield reg


def _licences(registry: Registry, source: str) -> dict[str, str | None]:
    out = {}
    for name in ("grondwater", "fietspaden", "parkeren"):
        stored = registry.store.get(
            record_id(source, f"https://data.voorbeeld.example/dataset/{name}")
        )
        assert stored is not None and stored.record is not None, name
        out[name] = stored.record.licence.uri
    return out


@pytest.mark.parametrize("name", ["catalog.ttl", "catalog.rdf", "catalog.jsonld", "catalog.nt"])
def test_every_syntax_gives_the_same_records(registry: Registry, name: str) -> None:
    registry.add_source("cat", "dcat", (SYNTHETIC / name).as_uri(), trusted=True)
    run = registry.harvest("cat")
    assert (run.status, run.added, run.failed) == ("succeeded", 4, 0)
    licences = _licences(registry, "cat")
    assert licences["grondwater"] == CC_BY  # the EU licence table's CC_BY_4_0
    assert licences["fietspaden"] == CC0  # stated on the distribution only
    # distributions under CC BY and CC BY-NC: the record takes the more restrictive
    assert licences["parkeren"] == "https://creativecommons.org/licenses/by-nc/4.0/"


def test_a_dataset_record_carries_its_fields(registry: Registry) -> None:
    registry.add_source("cat", "dcat", (SYNTHETIC / "catalog.ttl").as_uri(), trusted=True)
    registry.harvest("cat")
    stored = registry.store.get(
        record_id("cat", "https://data.voorbeeld.example/dataset/grondwater")
    )
    assert stored is not None and stored.record is not None
    work = stored.record
    assert work.title == "Grondwaterstanden"
    assert work.publisher == "Gemeente Voorbeeld"
    assert work.languages == ["nl"]
    assert "climate-change" in work.challenges
    assert work.landing_page == "https://www.voorbeeld.example/grondwater"
    assert work.modified is not None and work.modified.isoformat().startswith("2024-05-02")
    assert work.attribution is not None and "CC BY 4.0" in work.attribution.text


class _Catalog(BaseHTTPRequestHandler):
    """Serves Hydra-paged catalog pages from a dict, with an ETag per version."""

    pages: ClassVar[dict[str, str]] = {}
    version: ClassVar[list[int]] = [1]
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        etag = f'"v{self.version[0]}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        body = self.pages.get(self.path)
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def _page(base: str, names: list[str], next_path: str | None) -> str:
    lines = [
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .",
        f"<{base}/catalog> a dcat:Catalog .",
    ]
    for name in names:
        lines.append(
            f'<{base}/ds/{name}> a dcat:Dataset ; dct:title "Dataset {name}"@nl ;'
            f" dct:license <http://creativecommons.org/publicdomain/zero/1.0/> ."
        )
    if next_path:
        lines.append(
            f"<{base}/view> a hydra:PartialCollectionView ; hydra:next <{base}{next_path}> ."
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def site() -> Iterator[tuple[str, type[_Catalog]]]:
    handler = type("Catalog", (_Catalog,), {"pages": {}, "version": [1], "asked": []})
    with loopback_server(handler) as base:
        yield base, handler


def _three_pages(base: str, handler: type[_Catalog], last: list[str]) -> None:
    handler.pages.update(
        {
            "/catalog": _page(base, ["a", "b"], "/catalog?page=2"),
            "/catalog?page=2": _page(base, ["c", "d"], "/catalog?page=3"),
            "/catalog?page=3": _page(base, last, None),
        }
    )


def test_hydra_pages_are_followed_and_vanished_datasets_become_tombstones(
    registry: Registry, site: tuple[str, type[_Catalog]]
) -> None:
    base, handler = site
    _three_pages(base, handler, ["e", "f"])
    registry.add_source("hydra", "dcat", f"{base}/catalog")
    first = registry.harvest("hydra")
    assert (first.status, first.added) == ("succeeded", 6)
    assert handler.asked == ["/catalog", "/catalog?page=2", "/catalog?page=3"]

    handler.asked.clear()
    again = registry.harvest("hydra")  # the first page answers 304: nothing listed, nothing lost
    assert handler.asked == ["/catalog"]
    assert (again.total, again.deleted) == (0, 0)
    assert registry.store.count() == 6

    _three_pages(base, handler, ["e"])  # f is gone from the catalog
    handler.version[0] = 2
    changed = registry.harvest("hydra")
    assert (changed.unchanged, changed.deleted) == (5, 1)
    gone = registry.store.get(record_id("hydra", f"{base}/ds/f"))
    assert gone is not None and gone.deleted


def test_a_hydra_loop_is_a_feed_error_and_keeps_what_was_read(
    registry: Registry, site: tuple[str, type[_Catalog]]
) -> None:
    base, handler = site
    handler.pages.update(
        {
            "/catalog": _page(base, ["a"], "/catalog?page=2"),
            "/catalog?page=2": _page(base, ["b"], "/catalog"),
        }
    )
    registry.add_source("loop", "dcat", f"{base}/catalog")
    with pytest.raises(FeedError, match="loop"):
        registry.harvest("loop")
    assert registry.store.list_runs("loop", 1)[0].status == "failed"
    assert registry.store.count() == 2
    assert len(handler.asked) == 2  # never asked the first page again


def test_a_page_that_fails_mid_run_resumes_without_duplicates(
    registry: Registry, site: tuple[str, type[_Catalog]]
) -> None:
    base, handler = site
    _three_pages(base, handler, ["e", "f"])
    broken = handler.pages.pop("/catalog?page=3")
    registry.add_source("flaky", "dcat", f"{base}/catalog")
    with pytest.raises(Exception, match="404"):
        registry.harvest("flaky")
    failed = registry.store.list_runs("flaky", 1)[0]
    assert failed.status == "failed" and failed.checkpoint is not None
    assert registry.store.count() == 4
    handler.pages["/catalog?page=3"] = broken
    handler.asked.clear()
    resumed = registry.harvest("flaky")
    assert resumed.id == failed.id and resumed.status == "succeeded"
    assert handler.asked == ["/catalog?page=3"]
    assert (resumed.added, resumed.updated) == (6, 0)


def test_a_dataset_without_a_title_is_an_error_and_the_others_are_stored(
    registry: Registry, site: tuple[str, type[_Catalog]]
) -> None:
    base, handler = site
    page = _page(base, ["a", "b"], None).replace('dct:title "Dataset b"@nl ;', "")
    handler.pages["/catalog"] = page
    registry.add_source("one", "dcat", f"{base}/catalog")
    run = registry.harvest("one")
    assert (run.status, run.added, run.failed) == ("partial", 1, 1)
    (error,) = registry.store.get_run(run.id).errors
    assert error.identifier == f"{base}/ds/b" and "title" in error.message


def test_rdf_xml_with_an_external_entity_is_refused(registry: Registry, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = tmp_path / "xxe.rdf"
    document.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/">'
        '<dcat:Dataset rdf:about="https://x.example/ds/1"><dct:title>&x;</dct:title>'
        "</dcat:Dataset></rdf:RDF>"
    )
    registry.add_source("xxe", "dcat", document.as_uri(), trusted=True)
    with pytest.raises(FeedError):
        registry.harvest("xxe")
    assert registry.store.count() == 0
