"""Benchmark: loading the embedded triple store, and /sparql against rdflib-endpoint.

Repeats the demo OAI-PMH records (new identifiers) up to ``--records`` (default 200,000),
then, in one run:

* load: the records mapped to quads (``record_quads``) and the quads loaded into
  embedded Oxigraph in batches, each timed on its own (triples/s; aim for loading >= 200,000);
* the same projection through ``RdfIndexer`` (mapping and loading together);
* a query mix over HTTP: one record's lookup, a licence filter with LIMIT 20, and COUNT
  GROUP BY licence, against the registry's ``/sparql`` (uvicorn) and rdflib-endpoint serving
  the same triples (uvicorn); p50 of each and the geometric mean of the speed-ups (aim
  >= 20x);
* a lookup's p50 through ``/sparql`` against the same query in-process on pyoxigraph (aim:
  within 1.5 ms);
* the HTTP floor: the p50 of an app that answers every request at once, served and asked
  the same way, and the geometric mean an endpoint answering in no time would reach
  against rdflib-endpoint (``speedup_ceiling_geometric_mean``), and one that adds nothing
  to HTTP and the engine's own time for each query (``speedup_engine_ceiling_geometric_mean``).

rdflib holds every triple as Python objects (about 1 KB each), so ``--rdflib-records``
(default 20,000) caps what it serves; the registry's side is measured on all records and
on that same subset. Not a test: prints a report and writes bench/out/sparql.json.
Run: ``python bench/sparql.py [--records N] [--rdflib-records M]`` (needs ``rdflib-endpoint``).
"""

from __future__ import annotations

import argparse
import json
import math
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.export_rdf import fill
from registry.api.app import create_app
from registry.core import Registry
from registry.rdf import record_quads
from registry.settings import Settings
from registry.store import iter_changes

BASE = "https://registry.example.org"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(app: Any) -> tuple[str, uvicorn.Server]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def queries(record_uri: str) -> dict[str, str]:
    return {
        "lookup": f"SELECT ?p ?o WHERE {{ <{record_uri}> ?p ?o }}",
        "licence_limit_20": (
            "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?r ?t WHERE { ?r dct:license"
            " <https://creativecommons.org/licenses/by/4.0/> ; dct:title ?t } LIMIT 20"
        ),
        "count_by_licence": (
            "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?l (COUNT(?r) AS ?n)"
            " WHERE { ?r dct:license ?l } GROUP BY ?l"
        ),
    }


def p50(url: str, query: str, repeat: int) -> float:
    times = []
    with httpx.Client(timeout=600) as client:
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(
                url, params={"query": query}, headers={"Accept": "application/sparql-results+json"}
            )
            times.append(time.perf_counter() - started)
            response.raise_for_status()
    return statistics.median(times) * 1000


def measure_load(registry: Registry) -> dict[str, float]:
    """Mapping and loading, timed apart, then the indexer as it runs in production."""
    store = registry.store
    mapped = 0.0
    loaded = 0.0
    triples = 0
    batch: list[Any] = []
    ox = registry.triples
    for change in iter_changes(store, 0, 2000):
        if change.record is None:
            continue
        started = time.perf_counter()
        batch += record_quads(change.record, base_uri=BASE, updated=change.updated, run=change.run)
        mapped += time.perf_counter() - started
        if len(batch) >= 100_000:
            started = time.perf_counter()
            ox._store.bulk_extend(batch)
            loaded += time.perf_counter() - started
            triples += len(batch)
            batch = []
    started = time.perf_counter()
    ox._store.bulk_extend(batch)
    loaded += time.perf_counter() - started
    triples += len(batch)
    ox.clear()
    started = time.perf_counter()
    registry.rdf_indexer.rebuild()
    projected = time.perf_counter() - started
    return {
        "triples": triples,
        "load_triples_per_s": triples / loaded,
        "map_triples_per_s": triples / mapped,
        "projection_triples_per_s": triples / projected,
        "projection_records_per_s": store.count() / projected,
    }


def rdflib_endpoint(registry: Registry, records: int) -> tuple[str, uvicorn.Server, int]:
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    from registry.rdf import record_triples, serialize

    chunks = []
    for n, change in enumerate(iter_changes(registry.store, 0, 2000)):
        if n >= records:
            break
        if change.record is not None:
            triples = record_triples(
                change.record, base_uri=BASE, updated=change.updated, run=change.run
            )
            chunks.append(serialize(triples, "application/n-triples"))
    dataset = Dataset(default_union=True)
    dataset.parse(data=b"".join(chunks), format="nt")
    app = SparqlEndpoint(graph=dataset, cors_enabled=False)
    url, server = serve(app)
    return f"{url}/", server, len(dataset)


def in_process_p50(registry: Registry, query: str, repeat: int) -> float:
    """The p50 of ``query`` on the registry's embedded store itself (no HTTP, no endpoint)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        list(registry.triples._store.query(query, use_default_graph_as_union=True))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def http_floor(repeat: int) -> float:
    """The p50 of the least an endpoint can do over HTTP here: an ASGI app that answers
    every request at once with a small SPARQL JSON result, served and asked as the
    endpoints are (uvicorn in this process, the same client)."""
    body = b'{"head":{"vars":["p","o"]},"results":{"bindings":[]}}'
    headers = [(b"content-type", b"application/sparql-results+json")]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    url, server = serve(app)
    try:
        return p50(f"{url}/sparql", "ASK {}", repeat * 10)
    finally:
        server.should_exit = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rdflib-records", type=int, default=20_000)
    parser.add_argument(
        "--repeat", type=int, default=100, help="requests per query for each p50 (rdflib: a fifth)"
    )
    args = parser.parse_args()
    results: dict[str, Any] = {"records": args.records}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        print(f"filling a store with {args.records:,} records ...")
        fill(data / "registry.sqlite3", args.records)
        settings = Settings(
            data_dir=data, base_uri=BASE, sparql_result_limit=10**6, sparql_timeout_seconds=600
        )
        registry = Registry(settings)
        print("loading the triple store ...")
        results["load"] = measure_load(registry)
        first = next(iter_changes(registry.store, 0, 1))
        record = f"{BASE}/records/{first.id}"
        mix = queries(record)
        url, server = serve(create_app(registry=registry, follow_changes=False))
        ours_all = {name: p50(f"{url}/sparql", q, args.repeat) for name, q in mix.items()}
        # In-process lookup on the same store, for the HTTP overhead.
        in_process = in_process_p50(registry, mix["lookup"], args.repeat * 10)
        server.should_exit = True

        # The same subset the rdflib endpoint serves, in the registry too.
        print(f"serving {args.rdflib_records:,} records with rdflib-endpoint ...")
        rdflib_url, rdflib_server, rdflib_triples = rdflib_endpoint(registry, args.rdflib_records)
        theirs = {name: p50(rdflib_url, q, max(3, args.repeat // 5)) for name, q in mix.items()}
        rdflib_server.should_exit = True
        registry.close()

        subset = Path(tmp) / "subset"
        fill(subset / "registry.sqlite3", args.rdflib_records)
        small = Registry(Settings(data_dir=subset, base_uri=BASE, sparql_result_limit=10**6))
        small.rdf_indexer.catch_up()
        first_small = next(iter_changes(small.store, 0, 1))
        mix_small = queries(f"{BASE}/records/{first_small.id}")
        url_small, server_small = serve(create_app(registry=small, follow_changes=False))
        ours_subset = {n: p50(f"{url_small}/sparql", q, args.repeat) for n, q in mix_small.items()}
        engine_subset = {n: in_process_p50(small, q, args.repeat) for n, q in mix_small.items()}
        server_small.should_exit = True
        small.close()

    floor = http_floor(args.repeat)
    speedups = {name: theirs[name] / ours_subset[name] for name in mix}
    geo = math.exp(sum(math.log(v) for v in speedups.values()) / len(speedups))
    # What an endpoint that answered every query in no time at all would reach.
    ceiling = math.exp(sum(math.log(theirs[name] / floor) for name in mix) / len(mix))
    # ... and one that added nothing to HTTP and the engine's own time for the query.
    engine_ceiling = math.exp(
        sum(math.log(theirs[name] / (floor + engine_subset[name])) for name in mix) / len(mix)
    )
    results.update(
        {
            "p50_ms_registry_all_records": ours_all,
            "p50_ms_registry_subset": ours_subset,
            "p50_ms_rdflib_endpoint_subset": theirs,
            "rdflib_triples": rdflib_triples,
            "speedup_geometric_mean": geo,
            "http_floor_p50_ms": floor,
            "speedup_ceiling_geometric_mean": ceiling,
            "p50_ms_engine_in_process_subset": engine_subset,
            "speedup_engine_ceiling_geometric_mean": engine_ceiling,
            "lookup_in_process_p50_ms": in_process,
            "lookup_http_minus_in_process_ms": ours_all["lookup"] - in_process,
        }
    )
    load = results["load"]
    print(
        f"\nload ({load['triples']:,} triples): loading {load['load_triples_per_s']:,.0f} triples/s"
        f" (aim >= 200,000); mapping {load['map_triples_per_s']:,.0f} triples/s;"
        f" projection (both) {load['projection_triples_per_s']:,.0f} triples/s,"
        f" {load['projection_records_per_s']:,.0f} records/s"
    )
    print(f"\n{'query':<18} {'registry all':>13} {'registry sub':>13} {'rdflib sub':>11} {'x':>7}")
    for name in mix:
        print(
            f"{name:<18} {ours_all[name]:>11.2f}ms {ours_subset[name]:>11.2f}ms"
            f" {theirs[name]:>9.1f}ms {speedups[name]:>7.1f}"
        )
    print(f"\ngeometric mean speed-up {geo:.1f}x (aim >= 20x)")
    print(
        f"HTTP alone takes {floor:.2f} ms here: an endpoint answering in no time would reach"
        f" {ceiling:.1f}x; one adding nothing to HTTP and the engine's time {engine_ceiling:.1f}x"
    )
    print(
        f"lookup p50: HTTP {ours_all['lookup']:.2f} ms, in-process {in_process:.2f} ms,"
        f" difference {ours_all['lookup'] - in_process:.2f} ms (aim <= 1.5 ms)"
    )
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "sparql.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
