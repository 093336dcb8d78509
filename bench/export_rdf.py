"""Benchmark: `registry export` throughput (triples/s) and memory (flat, whatever the size).

Repeats the demo OAI-PMH records (with new identifiers) up to ``--records`` (default
200,000) in a fresh store, then exports twice, in a child process each so that peak memory
is the export's own: once the first tenth of the records (as a store of its own) and once
all of them. Flat memory means the two peaks are about the same; the aim is
>= 50,000 triples/s.

Not a test: it asserts nothing and prints a report (and writes bench/out/export_rdf.json).
Run: ``python bench/export_rdf.py [--records N] [--format nt|ttl|jsonld]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest_and_search import demo_raw_records
from registry.models import IPOffer, Source, Work
from registry.normalise import to_record
from registry.settings import Settings
from registry.store import open_store

BASE = "https://registry.example.org"


class _Counter:
    """A sink that counts bytes (what a pipe to a file or a client would take)."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def fill(path: Path, records: int) -> None:
    raws = demo_raw_records()
    source = Source(name="bench", kind="oai-pmh", url="https://example.org/oai")
    store = open_store(path)
    batch: list[Work | IPOffer] = []
    for n in range(records):
        raw = raws[n % len(raws)]
        copy = raw.__class__(
            identifier=f"{raw.identifier}-{n}",
            datestamp=raw.datestamp,
            deleted=False,
            format=raw.format,
            payload=raw.payload,
        )
        batch.append(to_record(source, copy, BASE))
        if len(batch) == 2000:
            store.upsert(batch)
            batch.clear()
    if batch:
        store.upsert(batch)
    store.close()


def export_child(data_dir: str, fmt: str) -> None:
    """Run in a child process: export everything, print timing and peak memory as JSON."""
    from registry.catalog import export

    settings = Settings(data_dir=Path(data_dir), base_uri=BASE)
    store = open_store(settings.store_path)
    sink = _Counter()
    started = time.perf_counter()
    triples = export(store, settings, sink, fmt)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"triples": triples, "seconds": seconds, "bytes": sink.bytes, "peak_mb": peak_mb}
        )
    )


def run_export(data_dir: Path, fmt: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(data_dir), "--format", fmt],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--format", default="nt", choices=["nt", "ttl", "jsonld", "rdfxml"])
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        export_child(args.child, args.format)
        return

    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small", Path(tmp) / "large"
        print(f"filling stores: {args.records // 10:,} and {args.records:,} records ...")
        fill(small / "registry.sqlite3", args.records // 10)
        fill(large / "registry.sqlite3", args.records)
        results = {
            "small": {"records": args.records // 10, **run_export(small, args.format)},
            "large": {"records": args.records, **run_export(large, args.format)},
        }
    print(f"\nexport --format {args.format}")
    print(
        f"{'records':>10} {'triples':>12} {'seconds':>8} {'triples/s':>12} {'MB out':>8} {'peak MB':>8}"
    )
    for row in results.values():
        rate = row["triples"] / row["seconds"]
        row["triples_per_second"] = rate
        print(
            f"{row['records']:>10,} {row['triples']:>12,} {row['seconds']:>8.1f} {rate:>12,.0f}"
            f" {row['bytes'] / 1e6:>8.0f} {row['peak_mb']:>8.0f}"
        )
    growth = results["large"]["peak_mb"] - results["small"]["peak_mb"]
    print(
        f"\npeak memory grows {growth:.0f} MB for 10x the records (flat: about 0); aim >= 50,000 triples/s"
    )
    out_dir = Path(__file__).resolve().parent / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "export_rdf.json").write_text(
        json.dumps({"format": args.format, **results}, indent=2)
    )


if __name__ == "__main__":
    main()
