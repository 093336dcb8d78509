"""Benchmark: harvesting OAI-PMH, against sickle, and the whole harvest pipeline.

Starts a local OAI-PMH repository (a threaded ``http.server`` in its own process, its
pages rendered before the clock starts) serving ``--records`` synthetic ``oai_dc`` records
(default 200,000: titles, creators, subjects, descriptions, identifiers, languages and a
licence URL in ``dc:rights``; one record in 200 deleted) in pages of ``--page-size``
(default 500), and measures, each in a fresh process:

* **sickle**: a ``ListRecords`` harvest reading every record's ``metadata``;
* **client**: this registry's harvester (``pages()``: fetch, parse, raw records; the
  next page fetched while the current one is read) with every record mapped to its
  domain record as a harvest maps a page (``registry.harvest.map_page``: each record
  through ``registry.normalise.to_record``), and without the mapping;
* **pipeline**: ``Registry.harvest`` into a new data directory: harvester, licence
  normalisation, the SQLite store, then the search index (Tantivy) brought up to date, as
  ``registry harvest`` does when no ``serve`` runs;
* **pipeline_followed**: the same with the index following the store's change feed in a
  thread while the harvest runs, as in ``registry serve`` (whose scheduler harvests while
  its follower indexes); the clock stops when every record is indexed;
* **pipeline_triples** (only with ``--only``): **pipeline**, then the triple store brought
  up to date;
* **stages**: the processor time each stage takes per record (parse, extract, raw, map,
  store, index), measured apart in one process over the same pages, and from it the best
  rate any arrangement of the stages could reach on this machine's cores, as ratios to
  sickle (``client_ceiling_over_sickle``, ``pipeline_ceiling_over_sickle``).

Prints records/s, the ratios to sickle and the peak memory (``ru_maxrss``) of each
process, writes them to ``bench/out/harvest_oai.json``, and exits 1 when a target is
missed: client >= 2.5x sickle, pipeline >= 0.6x sickle, pipeline peak memory < 250 MB.
Run: ``python bench/harvest_oai.py [--records N] [--page-size N] [--latency MS] [--profile]``
(``--only NAME`` runs one measurement; ``--latency`` makes the repository take that long per
page, as a real one does, which the client's prefetching hides).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import multiprocessing.connection
import os
import random
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

TARGETS = {"client_over_sickle": 2.5, "pipeline_over_sickle": 0.6, "pipeline_peak_mb": 250.0}

# --- the repository ----------------------------------------------------------------------

OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/'
    ' http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
    "  <responseDate>2026-01-15T09:30:00Z</responseDate>\n"
)
LICENCES = [
    "https://creativecommons.org/licenses/by/4.0/",
    "https://creativecommons.org/licenses/by/4.0/",
    "https://creativecommons.org/licenses/by-sa/4.0/",
    "http://creativecommons.org/publicdomain/zero/1.0/",
    "https://creativecommons.org/licenses/by-nc/4.0/",
    "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    "http://creativecommons.org/licenses/by/3.0/nl/",
    "info:eu-repo/semantics/openAccess",
]


def _words(text: str) -> list[str]:
    return text.split()


WORDS = {
    "en": _words(
        "water climate adaptation energy transition housing ageing mobility data privacy"
        " health care education heritage soil biodiversity circular economy labour market"
        " migration city region policy governance innovation digital infrastructure flood"
        " risk drought agriculture food security public space participation inequality"
    ),
    "nl": _words(
        "water klimaat adaptatie energietransitie wonen vergrijzing mobiliteit gegevens"
        " privacy gezondheid zorg onderwijs erfgoed bodem biodiversiteit circulaire"
        " economie arbeidsmarkt migratie stad regio beleid bestuur innovatie digitale"
        " infrastructuur overstroming droogte landbouw voedselzekerheid openbare ruimte"
        " participatie"
    ),
}
NAMES = _words(
    "Jansen de-Vries Bakker Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dekker"
    " Brouwer Dijkstra Smith Johnson Garcia Müller Rossi Dubois Novak Kowalski Nielsen"
)
GIVEN = _words("Anna Pieter Marleen Jeroen Sofia Daan Emma Lucas Fatima Noah Julia Sem")
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def _sentence(rng: random.Random, language: str, words: int) -> str:
    return " ".join(rng.choice(WORDS[language]) for _ in range(words))


def record_xml(index: int) -> str:
    """One synthetic ``oai_dc`` record, the same for the same index."""
    rng = random.Random(index)
    identifier = f"oai:bench.example.org:{index:07d}"
    datestamp = (EPOCH + timedelta(seconds=index * 37)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sets = f"<setSpec>col:{index % 12}</setSpec>"
    if index % 200 == 199:
        return (
            f'<record><header status="deleted"><identifier>{identifier}</identifier>'
            f"<datestamp>{datestamp}</datestamp>{sets}</header></record>\n"
        )
    language = "nl" if rng.random() < 0.5 else "en"
    title = _sentence(rng, language, rng.randint(5, 12)).capitalize()
    description = ". ".join(
        _sentence(rng, language, rng.randint(8, 18)).capitalize() for _ in range(rng.randint(3, 8))
    )
    dc = [f'<dc:title xml:lang="{language}">{escape(title)}</dc:title>']
    for _ in range(rng.randint(1, 4)):
        dc.append(f"<dc:creator>{rng.choice(NAMES)}, {rng.choice(GIVEN)}</dc:creator>")
    for _ in range(rng.randint(2, 6)):
        dc.append(f'<dc:subject xml:lang="{language}">{rng.choice(WORDS[language])}</dc:subject>')
    dc.append(f'<dc:description xml:lang="{language}">{escape(description)}.</dc:description>')
    dc.append("<dc:publisher>Bench University</dc:publisher>")
    if rng.random() < 0.3:
        dc.append(f"<dc:contributor>{rng.choice(NAMES)}, {rng.choice(GIVEN)}</dc:contributor>")
    dc.append(f"<dc:date>{2000 + index % 25}-{1 + index % 12:02d}-{1 + index % 28:02d}</dc:date>")
    dc.append("<dc:type>info:eu-repo/semantics/article</dc:type><dc:type>Text</dc:type>")
    dc.append("<dc:format>application/pdf</dc:format>")
    dc.append(f"<dc:identifier>https://bench.example.org/items/{index}</dc:identifier>")
    dc.append(f"<dc:identifier>https://doi.org/10.5555/bench.{index}</dc:identifier>")
    dc.append(f"<dc:language>{language}</dc:language>")
    dc.append(f"<dc:rights>{LICENCES[index % len(LICENCES)]}</dc:rights>")
    if index % len(LICENCES) == len(LICENCES) - 1:
        dc.append("<dc:rights>https://creativecommons.org/licenses/by/4.0/</dc:rights>")
    return (
        f"<record><header><identifier>{identifier}</identifier>"
        f"<datestamp>{datestamp}</datestamp>{sets}</header><metadata>"
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">' + "".join(dc) + "</oai_dc:dc>"
        "</metadata></record>\n"
    )


def render_pages(records: int, page_size: int) -> list[bytes]:
    """Every ListRecords page; page ``n``'s resumption token is ``n + 1``."""
    pages = []
    for start in range(0, records, page_size):
        end = min(records, start + page_size)
        token = str(start // page_size + 1) if end < records else ""
        body = "".join(record_xml(i) for i in range(start, end))
        pages.append(
            (
                OAI_HEAD + '  <request verb="ListRecords">http://127.0.0.1/oai</request>\n'
                f"  <ListRecords>\n{body}"
                f'<resumptionToken completeListSize="{records}" cursor="{start}">{token}'
                "</resumptionToken></ListRecords>\n</OAI-PMH>\n"
            ).encode()
        )
    return pages


def _small(verb: str, body: str) -> bytes:
    return (
        OAI_HEAD + f'  <request verb="{verb}">http://127.0.0.1/oai</request>\n'
        f"  <{verb}>{body}</{verb}>\n</OAI-PMH>\n"
    ).encode()


IDENTIFY = _small(
    "Identify",
    "<repositoryName>Bench</repositoryName><baseURL>http://127.0.0.1/oai</baseURL>"
    "<protocolVersion>2.0</protocolVersion><adminEmail>bench@example.org</adminEmail>"
    "<earliestDatestamp>2024-01-01T00:00:00Z</earliestDatestamp>"
    "<deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity>",
)
FORMATS = _small(
    "ListMetadataFormats",
    "<metadataFormat><metadataPrefix>oai_dc</metadataPrefix>"
    "<schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema>"
    "<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>"
    "</metadataFormat>",
)


def serve(
    connection: multiprocessing.connection.Connection,
    records: int,
    page_size: int,
    latency: float = 0.0,
) -> None:
    """The repository's process: renders the pages, sends its port, serves until killed.
    ``latency``: seconds each ListRecords page takes the repository to answer."""
    pages = render_pages(records, page_size)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real repositories and clients use

        def do_GET(self) -> None:
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            verb = query.get("verb")
            if verb == "Identify":
                body = IDENTIFY
            elif verb == "ListMetadataFormats":
                body = FORMATS
            elif verb == "ListRecords":
                token = query.get("resumptionToken")
                body = pages[int(token)] if token else pages[0]
                if latency:
                    time.sleep(latency)
            else:
                self.send_error(400)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    connection.send((server.server_address[1], sum(len(p) for p in pages)))
    server.serve_forever()


# --- the measurements (each in its own process) ------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def measure_sickle(url: str) -> dict[str, Any]:
    from sickle import Sickle

    started = time.perf_counter()
    live = deleted = 0
    for record in Sickle(url, max_retries=0).ListRecords(
        metadataPrefix="oai_dc", ignore_deleted=False
    ):
        if record.deleted:
            deleted += 1
        elif record.metadata:
            live += 1
    seconds = time.perf_counter() - started
    return {"records": live + deleted, "live": live, "seconds": seconds, "peak_mb": _peak_mb()}


def _source(url: str) -> Any:
    from registry.models import Source

    return Source(name="bench", kind="oai-pmh", url=url, metadata_prefix="oai_dc")


def measure_client(url: str, *, mapped: bool = True) -> dict[str, Any]:
    from harvesters import Fetcher
    from harvesters.oaipmh import OAIPMHHarvester
    from registry.harvest import map_page
    from registry.projections import gc_deferred

    source = _source(url)
    started = time.perf_counter()
    records = live = failed = 0
    mapping = 0.0
    with (
        Fetcher(allow_private_networks=True, retries=0) as fetcher,
        gc_deferred() as collect,  # as a harvest runs
    ):
        for page in OAIPMHHarvester(source, fetcher).pages():
            records += len(page.records)
            if mapped:
                t0 = time.perf_counter()
                works = map_page(source, page, "http://registry.test")  # as a harvest maps it
                live += len(works.records)
                failed += len(works.errors)
                mapping += time.perf_counter() - t0
                del works
            collect()
    seconds = time.perf_counter() - started
    out = {"records": records, "seconds": seconds, "peak_mb": _peak_mb()}
    if mapped:
        out |= {"live": live, "failed": failed, "mapping_seconds": mapping}
    return out


def _settings(data_dir: Path) -> Any:
    from registry.settings import Settings

    return Settings(
        data_dir=data_dir, allow_private_networks=True, harvest_rate_per_host=0, http_retries=0
    )


def measure_pipeline(url: str, *, follow: bool = False, triples: bool = False) -> dict[str, Any]:
    """Harvest into a new data directory until every record is stored and indexed.

    The index is brought up to date after the harvest, as ``registry harvest`` does when no
    ``serve`` runs; with ``follow``, it follows the store's change feed in a thread while
    the harvest runs, as in ``registry serve`` (its scheduler harvests in background
    threads, its follower indexes what they write). With ``triples``, the triple store
    projection (issue #5) is brought up to date too, after the search index."""
    from registry.core import Registry
    from registry.memory import limit_malloc_arenas

    limit_malloc_arenas()  # as the registry's long-running commands do
    with (
        tempfile.TemporaryDirectory() as tmp,
        Registry(_settings(Path(tmp) / "data")) as registry,
    ):
        registry.add_source("bench", "oai-pmh", url, metadata_prefix="oai_dc")
        stop = threading.Event()
        follower = None
        if follow:
            registry.search_backend.acquire_writer()  # as serve's follower holds it
            follower = threading.Thread(target=registry.indexer.follow, args=(stop,))
        started = time.perf_counter()
        if follower is not None:
            follower.start()
        run = registry.harvest("bench", index=False)
        harvested = time.perf_counter()
        stop.set()
        if follower is not None:
            follower.join()
        registry.indexer.catch_up()  # nothing left when followed
        indexed_at = time.perf_counter()
        if triples:
            registry.refresh_triples()
        done = time.perf_counter()
        stored = registry.store.count()
        indexed = registry.search_backend.count()
    out = {
        "records": run.total,
        "stored": stored,
        "indexed": indexed,
        "status": run.status,
        "seconds": done - started,
        "harvest_store_seconds": harvested - started,
        "index_seconds": indexed_at - harvested,
        "peak_mb": _peak_mb(),
    }
    if triples:
        out["triples_seconds"] = done - indexed_at
    return out


def measure_stages(records: int, page_size: int) -> dict[str, Any]:
    """The processor time each stage of the pipeline takes per record, in one process and
    without HTTP, over the pages the repository serves: what any arrangement of the stages
    in threads or processes has to share out over the machine's cores.

    Stages: ``parse`` (lxml, the page as the harvester reads it), ``extract`` (the page's
    oai_dc records as lines of text, in one pass), ``raw`` (raw records from the lines),
    ``map`` (domain records: licence, attribution), ``store`` (SQLite, a page a
    transaction) and ``index`` (Tantivy, from the change feed, its indexing threads
    included). Reads the harvester's internals on purpose: they are what is measured.
    """
    import gc

    from harvesters.base import Page
    from harvesters.oaipmh import _dc_line_record, _dc_page_lines, _read_listing
    from registry.core import Registry
    from registry.harvest import map_page

    pages = render_pages(records, page_size)
    cpu: dict[str, float] = {}

    def timed(stage: str, work: Callable[[], Any]) -> Any:
        gc.collect()
        gc.disable()  # as the harvester and the projections run their pages
        started = time.process_time()
        try:
            return work()
        finally:
            cpu[stage] = cpu.get(stage, 0.0) + time.process_time() - started
            gc.enable()

    with tempfile.TemporaryDirectory() as tmp, Registry(_settings(Path(tmp) / "data")) as registry:
        source = registry.add_source("bench", "oai-pmh", "http://127.0.0.1/oai")
        run = registry.store.start_run("bench", full=False)
        listed = 0
        for body in pages:
            answer = timed("parse", lambda body=body: _read_listing(body, "u", "ListRecords"))
            lines = timed("extract", lambda answer=answer: _dc_page_lines(answer.listing))
            raws = timed("raw", lambda lines=lines: [_dc_line_record(x, "oai_dc") for x in lines])
            listed += len(raws)
            page = Page(records=[r for r in raws if r is not None])
            mapped = timed("map", lambda page=page: map_page(source, page, "http://registry.test"))
            timed(
                "store",
                lambda mapped=mapped: registry.store.save_page(
                    run, mapped.records, mapped.deleted, mapped.errors, None, mapped.newest
                ),
            )
        indexed = timed("index", registry.indexer.catch_up)
    per_record = {stage: round(seconds / listed * 1e6, 1) for stage, seconds in cpu.items()}
    client = sum(per_record[s] for s in ("parse", "extract", "raw", "map"))
    pipeline = client + per_record["store"] + per_record["index"]
    return {
        "records": listed,
        "indexed": indexed,
        "seconds": sum(cpu.values()),
        "cpu_us_per_record": per_record,
        "client_cpu_us": round(client, 1),
        "pipeline_cpu_us": round(pipeline, 1),
        "peak_mb": _peak_mb(),
    }


MEASURES: dict[str, Callable[[str], dict[str, Any]]] = {
    "sickle": measure_sickle,
    "client": measure_client,
    "client_unmapped": lambda url: measure_client(url, mapped=False),
    "pipeline": measure_pipeline,
    "pipeline_followed": lambda url: measure_pipeline(url, follow=True),
}
#: Measured only when asked for (``--only``): the triple store projection is another issue's.
EXTRA_MEASURES: dict[str, Callable[[str], dict[str, Any]]] = {
    "pipeline_triples": lambda url: measure_pipeline(url, triples=True),
}


#: Measured on the pages themselves, not through the repository.
STAGES = "stages"


def _measure(name: str, url: str, shape: tuple[int, int]) -> dict[str, Any]:
    if name == STAGES:
        return measure_stages(*shape)
    return (MEASURES | EXTRA_MEASURES)[name](url)


def _child(name: str, url: str, profile: bool, connection: Any, shape: tuple[int, int]) -> None:
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(_measure, name, url, shape)
        out = Path(__file__).parent / "out" / f"harvest_oai_{name}.prof"
        out.parent.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(out)
        pstats.Stats(str(out)).sort_stats("tottime").print_stats(25)
    else:
        result = _measure(name, url, shape)
    connection.send(result)


def run_measure(
    name: str, url: str, *, profile: bool = False, shape: tuple[int, int] = (0, 0)
) -> dict[str, Any]:
    """One measurement in a fresh process, so its peak memory is its own; ``shape``: the
    records and page size the repository serves (for :func:`measure_stages`)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(name, url, profile, send, shape))
    process.start()
    send.close()  # the child holds the sending end: a child that dies ends recv()
    try:
        result: dict[str, Any] = receive.recv()
    except EOFError:
        process.join()
        raise SystemExit(f"the {name} measurement died (exit code {process.exitcode})") from None
    process.join()
    result["per_s"] = round(result["records"] / result["seconds"])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="milliseconds the repository takes to answer each page (default 0: loopback)",
    )
    parser.add_argument(
        "--only", choices=sorted([*MEASURES, *EXTRA_MEASURES, STAGES]), action="append"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile each measurement")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "out" / "harvest_oai.json"
    )
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    server = context.Process(
        target=serve,
        args=(send, args.records, args.page_size, args.latency / 1000),
        daemon=True,
    )
    server.start()
    port, size = receive.recv()
    url = f"http://127.0.0.1:{port}/oai"
    report: dict[str, Any] = {
        "records": args.records,
        "page_size": args.page_size,
        "latency_ms": args.latency,
        "served_mb": round(size / 1e6, 1),
        "cpus": os.cpu_count(),
    }
    try:
        for name in args.only or [*MEASURES, STAGES]:
            shape = (args.records, args.page_size)
            result = run_measure(name, url, profile=args.profile, shape=shape)
            if name == STAGES:
                del result["per_s"]  # processor time, not a rate
            if name.startswith("pipeline"):  # run.total counts what was stored
                result["per_s"] = round(args.records / result["seconds"])  # what was listed
            report[name] = {
                k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()
            }
            if name == STAGES:
                print(f"{name:16} {result['cpu_us_per_record']} µs of processor time a record")
            else:
                print(f"{name:16} {result['per_s']:>8} records/s  peak {result['peak_mb']:.0f} MB")
    finally:
        server.kill()
    failures = _verdict(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    for failure in failures:
        print(f"MISSED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _verdict(report: dict[str, Any]) -> list[str]:
    """The ratios to sickle, added to ``report``, and the targets missed."""
    failures = []
    sickle = report.get("sickle", {}).get("per_s")
    for name, key in (("client", "client_over_sickle"), ("pipeline", "pipeline_over_sickle")):
        if sickle and name in report:
            ratio = round(report[name]["per_s"] / sickle, 2)
            report[key] = ratio
            if ratio < TARGETS[key]:
                failures.append(f"{key} = {ratio} (target >= {TARGETS[key]})")
    for name in ("client_unmapped", "pipeline_followed"):
        if sickle and name in report:
            report[f"{name}_over_sickle"] = round(report[name]["per_s"] / sickle, 2)
    stages = report.get(STAGES)
    if sickle and stages:
        # Upper bounds: every core busy with the stages and nothing else (not the
        # repository, not handing pages between threads or processes).
        cores = report["cpus"] or 1
        for name in ("client", "pipeline"):
            ceiling = cores / stages[f"{name}_cpu_us"] * 1e6
            report[f"{name}_ceiling_over_sickle"] = round(ceiling / sickle, 2)
    pipeline = report.get("pipeline")
    if pipeline:
        if pipeline["peak_mb"] >= TARGETS["pipeline_peak_mb"]:
            failures.append(
                f"pipeline peak {pipeline['peak_mb']} MB (target < {TARGETS['pipeline_peak_mb']})"
            )
        expected = report.get("sickle", {}).get("live", pipeline["stored"])
        if pipeline["stored"] != expected or pipeline["indexed"] < pipeline["stored"]:
            failures.append("the pipeline did not store and index every record sickle read")
    return failures


if __name__ == "__main__":
    sys.exit(main())
