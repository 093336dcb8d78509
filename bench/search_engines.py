"""Benchmark: the embedded search engine (Tantivy) beside a distributed one (OpenSearch or
Elasticsearch), on the same records, in one run.

Repeats the demo feed's records (with new identifiers) up to ``--records`` (default
200,000), writes them to an embedded store, and measures:

* bulk indexing: the change feed applied to each engine (the registry's own indexer, in
  batches of 5,000), records/s; the engine and this feeder share the machine;
* search: p50/p95 of a query mix (text, filters, facets), the same queries on both engines,
  in-process through each backend (no HTTP API in between);
* reindex: ``SearchIndexer.rebuild`` into a new index and the alias swap, while threads
  search without pause; every search must answer with the total it answered before
  (zero failed searches).

Not a test: it asserts nothing and prints a report (and writes bench/out/search_engines.json).
Run: ``python bench/search_engines.py --search-url http://127.0.0.1:9200 [--records N]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from ingest_and_search import demo_raw_records, percentile

from registry.core import Registry, demo_sources
from registry.models import IPOffer, Work
from registry.normalise import to_record
from registry.projections import SearchIndexer
from registry.search import SearchBackend, SearchQuery, detect_engine
from registry.settings import Settings

QUERIES: list[dict[str, Any]] = [
    {"q": "water"},
    {"q": "klimaat"},
    {"q": "data open"},
    {"q": "onderwijs", "language": ("nl",)},
    {"q": "energy", "open": True},
    {"open": True},
    {"q": "privacy", "kind": "work"},
    {"q": "erfgoed"},
    {"q": "city", "licence": ("https://creativecommons.org/licenses/by/4.0/",)},
    {"family": ("CC BY",), "page_size": 50},
]


def _queries() -> list[SearchQuery]:
    return [SearchQuery(**params) for params in QUERIES]


def _time_searches(backend: SearchBackend, repeat: int) -> dict[str, float]:
    timings: list[float] = []
    for query in _queries():
        backend.search(query)  # warm
        for _ in range(repeat):
            started = time.perf_counter()
            backend.search(query)
            timings.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(percentile(timings, 50), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "searches": len(timings),
    }


def _reindex_under_load(
    indexer: SearchIndexer, backend: SearchBackend, threads: int
) -> dict[str, Any]:
    queries = _queries()
    expected = [backend.search(q).total for q in queries]
    stop = threading.Event()
    done = [0] * threads
    failures: list[str] = []

    def search(worker: int) -> None:
        position = worker
        while not stop.is_set():
            index = position % len(queries)
            try:
                total = backend.search(queries[index]).total
            except Exception as exc:  # every failure is counted and shown
                failures.append(f"{type(exc).__name__}: {exc}")
            else:
                if total != expected[index]:
                    failures.append(f"query {index}: {total} hits, expected {expected[index]}")
            done[worker] += 1
            position += 1

    workers = [threading.Thread(target=search, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    started = time.perf_counter()
    reindexed = indexer.rebuild()
    seconds = time.perf_counter() - started
    time.sleep(0.5)  # searches after the swap count too
    stop.set()
    for worker in workers:
        worker.join()
    return {
        "reindexed": reindexed,
        "seconds": round(seconds, 1),
        "searches_during": sum(done),
        "failed_searches": len(failures),
        "first_failures": failures[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--search-url", required=True, help="OpenSearch or Elasticsearch URL")
    parser.add_argument("--engine", choices=["opensearch", "elasticsearch"], default=None)
    parser.add_argument("--repeat", type=int, default=30, help="runs of each search query")
    parser.add_argument("--threads", type=int, default=2, help="searching threads in reindex")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "out" / "search_engines.json"
    )
    args = parser.parse_args()

    from registry.search.elastic import ElasticsearchBackend, OpenSearchBackend

    engine = args.engine or detect_engine(args.search_url)
    backend_class = OpenSearchBackend if engine == "opensearch" else ElasticsearchBackend

    base = demo_raw_records()
    raws = [
        replace(base[i % len(base)], identifier=f"{base[i % len(base)].identifier}-{i}")
        for i in range(args.records)
    ]
    report: dict[str, Any] = {"records": len(raws), "engine": engine}

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        registry = Registry(settings)
        source = registry.add_source("bench", "oai-pmh", demo_sources()[0]["url"], trusted=True)
        records: list[Work | IPOffer] = [to_record(source, raw, settings.base) for raw in raws]
        run = registry.store.start_run("bench", full=False)
        for offset in range(0, len(records), 1000):
            registry.store.save_page(run, records[offset : offset + 1000], [], [], None, None)
        registry.store.finish_run(run, status="succeeded")
        del records

        started = time.perf_counter()
        indexed = registry.indexer.catch_up(batch=5000)
        report["tantivy_index_per_s"] = round(indexed / (time.perf_counter() - started))

        alias = f"bench-{uuid.uuid4().hex[:8]}"
        remote = backend_class(args.search_url, alias=alias, timeout=120.0)
        try:
            indexer = SearchIndexer(registry.store, remote)
            started = time.perf_counter()
            indexed = indexer.catch_up(batch=5000)
            report[f"{engine}_bulk_per_s"] = round(indexed / (time.perf_counter() - started))

            report["search"] = {
                "tantivy": _time_searches(registry.search_backend, args.repeat),
                engine: _time_searches(remote, args.repeat),
            }
            report["reindex_under_search"] = _reindex_under_load(indexer, remote, args.threads)
        finally:
            remote.delete_all_indices()
            remote.close()
            registry.close()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
