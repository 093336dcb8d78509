"""Benchmark: ingest throughput into store + index, and search latency through the API.

Loads the demo OAI-PMH feed, repeats its records (with new identifiers) up to
``--records`` (default 100,000), and measures:

* normalise: raw record -> domain record (licence, attribution), records/s;
* store: pages of 1,000 written to SQLite (one transaction per page), records/s;
* index: the change feed applied to Tantivy, records/s;
* search: p50/p95 of the same queries through the HTTP API (uvicorn on loopback)
  and as a bare Tantivy query on the same index; the HTTP floor is a request the
  API refuses before searching.

Not a test: it asserts nothing and prints a report (and writes bench/out/results.json).
Run: ``python bench/ingest_and_search.py [--records N]``.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from harvesters import Fetcher, get_harvester
from harvesters.base import RawRecord
from registry.api.app import create_app
from registry.core import Registry, demo_sources
from registry.models import IPOffer, Work
from registry.normalise import to_record
from registry.settings import Settings

QUERIES: list[dict[str, Any]] = [
    {"q": "water"},
    {"q": "klimaat"},
    {"q": "data open"},
    {"q": "onderwijs", "language": "nl"},
    {"q": "energy", "open": "true"},
    {"open": "true"},
    {"q": "privacy", "kind": "work"},
    {"q": '"open data"'},
    {"q": "erfgoed"},
    {"q": "city", "licence": "https://creativecommons.org/licenses/by/4.0/"},
]


def demo_raw_records() -> list[RawRecord]:
    spec = demo_sources()[0]
    from registry.models import Source

    source = Source(name="bench", kind="oai-pmh", url=spec["url"], metadata_prefix="oai_dc")
    with Fetcher(allow_file_urls=True) as fetcher:
        harvester = get_harvester("oai-pmh")(source, fetcher)
        return [r for page in harvester.pages() for r in page.records if not r.deleted]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50, help="runs of each search query")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "results.json")
    args = parser.parse_args()

    base = demo_raw_records()
    raws = [
        replace(base[i % len(base)], identifier=f"{base[i % len(base)].identifier}-{i}")
        for i in range(args.records)
    ]
    report: dict[str, Any] = {"records": len(raws)}

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        registry = Registry(settings)
        source = registry.add_source("bench", "oai-pmh", demo_sources()[0]["url"], trusted=True)

        started = time.perf_counter()
        records: list[Work | IPOffer] = [to_record(source, raw, settings.base) for raw in raws]
        normalise_s = time.perf_counter() - started

        run = registry.store.start_run("bench", full=False)
        started = time.perf_counter()
        for offset in range(0, len(records), 1000):
            registry.store.save_page(run, records[offset : offset + 1000], [], [], None, None)
        store_s = time.perf_counter() - started
        registry.store.finish_run(run, status="succeeded")

        started = time.perf_counter()
        indexed = registry.indexer.catch_up(batch=5000)
        index_s = time.perf_counter() - started

        n = len(records)
        report["ingest"] = {
            "normalise_per_s": round(n / normalise_s),
            "store_per_s": round(n / store_s),
            "index_per_s": round(indexed / index_s),
            "store_and_index_per_s": round(n / (store_s + index_s)),
            "end_to_end_per_s": round(n / (normalise_s + store_s + index_s)),
        }

        backend = registry.search_backend
        port = free_port()
        app = create_app(registry=registry, follow_changes=False)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)

        api_ms: list[float] = []
        bare_ms: list[float] = []
        floor_ms: list[float] = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for params in QUERIES:
                query = registry.build_query(
                    q=params.get("q"),
                    open=params.get("open"),
                    licence=[params["licence"]] if "licence" in params else None,
                    kind=params.get("kind"),
                    language=[params["language"]] if "language" in params else None,
                )
                client.get("/api/search", params=params)  # warm
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    response = client.get("/api/search", params=params)
                    api_ms.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200, response.text
                    t0 = time.perf_counter()
                    backend.search(query)
                    bare_ms.append((time.perf_counter() - t0) * 1000)
            for _ in range(args.repeat * 4):
                t0 = time.perf_counter()
                client.get("/api/search", params={"page_size": 0})
                floor_ms.append((time.perf_counter() - t0) * 1000)
        server.should_exit = True
        thread.join(timeout=10)

        report["search_ms"] = {
            "api_p50": round(percentile(api_ms, 50), 2),
            "api_p95": round(percentile(api_ms, 95), 2),
            "bare_p50": round(percentile(bare_ms, 50), 2),
            "bare_p95": round(percentile(bare_ms, 95), 2),
            "http_floor_p50": round(percentile(floor_ms, 50), 2),
            "http_floor_p95": round(percentile(floor_ms, 95), 2),
            "api_mean": round(statistics.fmean(api_ms), 2),
        }
        s = report["search_ms"]
        report["search_ms"]["api_p95_over_bare_plus_http"] = round(
            s["api_p95"] / (s["bare_p95"] + s["http_floor_p95"]), 2
        )
        registry.close()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
