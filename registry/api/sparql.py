"""The public SPARQL 1.1 endpoint, its service description, and the VoID description.

| request | answer |
| --- | --- |
| ``GET /sparql?query=Q``, ``POST`` form ``query=Q``, ``POST`` ``application/sparql-query`` | the results, negotiated by ``Accept`` (or ``format=json\\|xml\\|csv\\|tsv\\|ttl\\|nt\\|jsonld\\|rdfxml``) |
| ``default-graph-uri``, ``named-graph-uri`` | the RDF dataset of the query (by default: every record's graph, as one default graph) |
| ``GET /sparql`` without a query | the service description (RDF); a browser gets a query page |
| ``update=``, ``application/sparql-update`` | ``403``: the public endpoint is read-only |
| a malformed query | ``400`` with the parser's message |
| past ``REGISTRY_SPARQL_TIMEOUT_SECONDS`` | ``503`` with ``Retry-After``; every query slot busy: ``503`` too |
| more than ``REGISTRY_SPARQL_RESULT_LIMIT`` rows or triples | ``400``: page with ``LIMIT``/``OFFSET``, or use ``registry export`` |
| ``GET /.well-known/void`` | the VoID description of the registry's dataset |
| ``GET /export.nt`` | the data dump (VoID ``void:dataDump``): every live record as N-Triples, streamed; one at a time, ``503`` while another is being sent |
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from pyoxigraph import Literal, NamedNode, Triple
from pyoxigraph import serialize as ox_serialize

from registry.api.negotiation import choose
from registry.api.negotiation import content_type as negotiated_type
from registry.api.routes import RegistryDep
from registry.core import Registry
from registry.errors import Forbidden, IndexBusy, InvalidRequest
from registry.rdf import FORMATS, PREFIXES, serialize
from registry.rdf._terms import dct, foaf, rdf, xsd
from registry.triples import QueryBusy, QueryResult, QueryTimeout, query_form
from registry.triples._results import (
    BOOLEAN_TYPES,
    GRAPH_TYPES,
    SOLUTION_TYPES,
    write_boolean,
    write_solutions,
)

router = APIRouter(tags=["linked data"])

_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_CORS = {"Access-Control-Allow-Origin": "*", "Vary": "Accept"}
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"

EXAMPLES: list[tuple[str, str]] = [
    (
        "Works under CC BY 4.0",
        "PREFIX dct: <http://purl.org/dc/terms/>\nSELECT ?work ?title WHERE {\n"
        "  ?work dct:license <https://creativecommons.org/licenses/by/4.0/> ;\n"
        "        dct:title ?title .\n} LIMIT 20",
    ),
    (
        "Records per licence",
        "PREFIX dct: <http://purl.org/dc/terms/>\nSELECT ?licence (COUNT(?r) AS ?records)"
        " WHERE {\n  ?r dct:license ?licence .\n} GROUP BY ?licence ORDER BY DESC(?records)",
    ),
    (
        "Royalty-free IP offers and their patents",
        "PREFIX reg: <https://w3id.org/open-registry/vocab#>\n"
        "PREFIX odrl: <http://www.w3.org/ns/odrl/2/>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
        "SELECT ?offer ?title ?patent WHERE {\n  ?offer a reg:IPOffer ; dct:title ?title ;"
        " odrl:hasPolicy ?terms .\n  ?terms reg:royaltyFree true .\n"
        "  OPTIONAL { ?offer reg:patentNumber ?patent }\n} LIMIT 50",
    ),
    (
        "Attribution of one record",
        "PREFIX cc: <http://creativecommons.org/ns#>\nPREFIX schema: <https://schema.org/>\n"
        "SELECT ?record ?credit ?name WHERE {\n  ?record schema:creditText ?credit .\n"
        "  OPTIONAL { ?record cc:attributionName ?name }\n} LIMIT 5",
    ),
]


def _params(request: Request, body: bytes) -> list[tuple[str, str]]:
    """The protocol parameters: the query string, plus a form body."""
    params = list(request.query_params.multi_items())
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method == "POST" and media == "application/x-www-form-urlencoded":
        params += parse_qsl(_text(body), keep_blank_values=True, errors="strict")
    return params


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequest(f"the request body is not UTF-8 ({exc.reason})") from None


def _problem(status: int, title: str, detail: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
        headers={**_CORS, **headers},
    )


def _query_of(request: Request, body: bytes, params: list[tuple[str, str]]) -> str | None:
    """The query text of a request; raises for updates and for ambiguous requests."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    names = [name for name, _ in params]
    if "update" in names or media == "application/sparql-update":
        raise Forbidden("this is a read-only endpoint: SPARQL updates are refused")
    queries = [value for name, value in params if name == "query"]
    if request.method == "POST" and media == "application/sparql-query":
        if queries:
            raise InvalidRequest("send the query in the body or as a parameter, not both")
        return _text(body)
    if request.method == "POST" and media != "application/x-www-form-urlencoded":
        raise InvalidRequest(
            "a SPARQL query is POSTed as application/x-www-form-urlencoded or"
            f" application/sparql-query, not {media or 'a body without a media type'}",
            parameter="content-type",
        )
    if len(queries) > 1:
        raise InvalidRequest("one query per request", parameter="query")
    return queries[0] if queries else None


def _media_type(
    request: Request, params: list[tuple[str, str]], offered: tuple[str, ...]
) -> str | None:
    wanted = [value for name, value in params if name == "format"]
    if wanted:
        media = _FORMATS.get(wanted[0].strip().lower(), wanted[0].strip().lower())
        return media if media in offered else None
    return choose(request.headers.get("accept"), offered)


def _run(registry: Registry, query: str, params: list[tuple[str, str]]) -> QueryResult:
    """The query's answer (blocking: it runs in the thread pool, never on the event loop,
    so that a long query holds up no other request)."""
    settings = registry.settings
    return registry.triples.query(  # type: ignore[no-any-return]
        query,
        timeout=settings.sparql_timeout_seconds,
        limit=settings.sparql_result_limit,
        default_graphs=[v for n, v in params if n == "default-graph-uri"],
        named_graphs=[v for n, v in params if n == "named-graph-uri"],
        base_iri=f"{settings.base}/sparql",
    )


#: Up to this many triples a graph answer is written like a record (JSON-LD compacted with
#: the registry's context); larger ones are written as they come (JSON-LD expanded).
_COMPACT_TRIPLES = 2000


def _answer(
    registry: Registry, query: str, params: list[tuple[str, str]], media_type: str
) -> tuple[QueryResult, bytes]:
    """The answer and its bytes in ``media_type`` (none when it is over the result limit).
    Run in the thread pool: both a query and the writing of a large answer take time."""
    result = _run(registry, query, params)
    return result, _payload(result, media_type)


async def _answer_on_loop(
    registry: Registry, query: str, params: list[tuple[str, str]], media_type: str
) -> tuple[QueryResult, bytes]:
    """:func:`_answer` for the event loop: a triple store that can (the embedded one) runs
    the query and writes the answer on its own worker, which the loop awaits; any other
    is asked from the thread pool."""
    answer = getattr(registry.triples, "answer", None)
    if answer is None:
        return await run_in_threadpool(_answer, registry, query, params, media_type)
    settings = registry.settings
    result, payload = await answer(
        query,
        lambda result: _payload(result, media_type),
        timeout=settings.sparql_timeout_seconds,
        limit=settings.sparql_result_limit,
        default_graphs=[v for n, v in params if n == "default-graph-uri"],
        named_graphs=[v for n, v in params if n == "named-graph-uri"],
        base_iri=f"{settings.base}/sparql",
    )
    return result, payload


def _payload(result: QueryResult, media_type: str) -> bytes:
    """The bytes of ``result`` in ``media_type`` (none when it is over the result limit)."""
    if result.truncated:
        return b""
    if result.form == "select":
        if media_type not in SOLUTION_TYPES:
            raise InvalidRequest(f"a SELECT query's results are {', '.join(SOLUTION_TYPES)}")
        return write_solutions(result.variables, result.solutions, media_type)
    if result.form == "ask":
        if media_type not in BOOLEAN_TYPES:
            raise InvalidRequest(f"an ASK query's result is {', '.join(BOOLEAN_TYPES)}")
        return write_boolean(bool(result.boolean), media_type)
    if media_type not in GRAPH_TYPES:
        raise InvalidRequest(f"a graph query's results are {', '.join(GRAPH_TYPES)}")
    if len(result.triples) <= _COMPACT_TRIPLES:
        return serialize(result.triples, media_type)
    rdf_format = FORMATS[media_type][1]
    prefixes = None if media_type in ("application/n-triples", "application/ld+json") else PREFIXES
    return bytes(ox_serialize(result.triples, format=rdf_format, prefixes=prefixes) or b"")


async def sparql(request: Request, registry: RegistryDep) -> Response:
    body = await request.body()
    try:
        params = _params(request, body)
        query = _query_of(request, body, params)
    except Forbidden as exc:
        return _problem(403, "Forbidden", exc.message)
    except InvalidRequest as exc:
        return _problem(400, "Bad Request", exc.message)
    if query is None:
        return service_description(request, registry, params)
    form = query_form(query)
    offered = (
        SOLUTION_TYPES
        if form == "select"
        else BOOLEAN_TYPES
        if form == "ask"
        else GRAPH_TYPES
        if form == "graph"
        else (*SOLUTION_TYPES, *GRAPH_TYPES)  # not recognised: the parser will say why
    )
    media_type = _media_type(request, params, offered)
    if media_type is None:
        return _problem(406, "Not Acceptable", f"this query's results are {', '.join(offered)}")
    try:
        result, payload = await _answer_on_loop(registry, query, params, media_type)
    except InvalidRequest as exc:
        return _problem(400, "Bad Request", exc.message)
    except QueryTimeout as exc:
        return _problem(503, "Service Unavailable", exc.message, **{"Retry-After": "10"})
    except (QueryBusy, IndexBusy) as exc:
        return _problem(503, "Service Unavailable", exc.message, **{"Retry-After": "5"})
    limit = registry.settings.sparql_result_limit
    if result.truncated:
        return _problem(
            400,
            "Bad Request",
            f"the query answers more than {limit:,} {'rows' if result.form == 'select' else 'triples'};"
            " page it with LIMIT and OFFSET, or download everything with `registry export`",
        )
    content_type = negotiated_type(media_type)
    return Response(payload, media_type=content_type, headers=_CORS)


for _method in ("GET", "POST"):
    router.add_api_route(
        "/sparql",
        sparql,
        methods=[_method],
        operation_id=f"sparql_{_method.lower()}",
        summary="SPARQL 1.1 query endpoint (read-only)",
        description=__doc__,
        response_model=None,
    )


def preflight() -> Response:
    """CORS preflight: a page elsewhere may POST queries (``application/sparql-query`` is
    not a simple content type, so browsers ask first)."""
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Accept, Content-Type",
            "Access-Control-Max-Age": "86400",
        },
    )


router.add_api_route(
    "/sparql", preflight, methods=["OPTIONS"], include_in_schema=False, response_model=None
)


def _endpoint_graph(registry: Registry) -> list[Triple]:
    """The service description: what the endpoint speaks and the dataset it serves."""
    base = registry.settings.base
    service = NamedNode(f"{base}/sparql")
    dataset = NamedNode(f"{base}/.well-known/void#registry")
    default = NamedNode(f"{base}/sparql#default-graph")

    def sd(name: str) -> NamedNode:
        return NamedNode(SD + name)

    out = [
        Triple(service, rdf.type, sd("Service")),
        Triple(service, sd("endpoint"), service),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, rdf.type, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default),
        Triple(default, rdf.type, sd("Graph")),
        Triple(dataset, dct.title, Literal(registry.settings.repository_name)),
    ]
    for media in (*SOLUTION_TYPES, *GRAPH_TYPES):
        out.append(
            Triple(
                service,
                sd("resultFormat"),
                NamedNode(_FORMAT_IRIS.get(media, f"urn:media:{media}")),
            )
        )
    return out


_FORMAT_IRIS = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
}


def service_description(
    request: Request, registry: Registry, params: list[tuple[str, str]]
) -> Response:
    media_type = _media_type(request, params, ("text/turtle", "text/html", *GRAPH_TYPES[1:]))
    if media_type is None:
        return _problem(
            406, "Not Acceptable", f"the service description is {', '.join(GRAPH_TYPES)}"
        )
    if media_type == "text/html":
        return HTMLResponse(_query_page(request, registry))
    payload = serialize(_endpoint_graph(registry), media_type)
    content_type = negotiated_type(media_type)
    return Response(payload, media_type=content_type, headers=_CORS)


def _query_page(request: Request, registry: Registry) -> str:
    from registry.api.web import TEXT, language, templates

    lang = language(request)
    prefixes = "".join(
        f"PREFIX {p}: <{iri}>\n"
        for p, iri in PREFIXES.items()
        if p in ("dct", "cc", "schema", "reg")
    )
    return (
        templates()
        .get_template("sparql.html")
        .render(
            request=request,
            t=TEXT[lang],
            lang=lang,
            examples=EXAMPLES,
            first=EXAMPLES[0][1],
            prefixes=prefixes,
            timeout=registry.settings.sparql_timeout_seconds,
            limit=registry.settings.sparql_result_limit,
        )
    )


# (triple store, projection position) -> triples: counting walks every triple, so it is
# done again only when the projection has moved on.
_COUNTS: dict[int, tuple[int, int]] = {}


def _triple_count(registry: Registry) -> int:
    """How many triples the triple store holds, counted once per state of the projection."""
    triples = registry.triples
    position = int(registry.rdf_indexer.position)
    known = _COUNTS.get(id(triples))
    if known is not None and known[0] == position:
        return known[1]
    count = int(triples.count())
    _COUNTS.clear()
    _COUNTS[id(triples)] = (position, count)
    return count


@router.get(
    "/.well-known/void", summary="VoID description of the registry's dataset", response_model=None
)
def void(request: Request, registry: RegistryDep) -> Response:
    media_type = choose(request.headers.get("accept"), GRAPH_TYPES)
    if media_type is None:
        return _problem(406, "Not Acceptable", f"VoID is served as {', '.join(GRAPH_TYPES)}")
    base = registry.settings.base
    dataset = NamedNode(f"{base}/.well-known/void#registry")

    def v(name: str) -> NamedNode:
        return NamedNode(VOID + name)

    try:
        count: int | None = _triple_count(registry)
    except IndexBusy:
        count = None
    out = [
        Triple(dataset, rdf.type, v("Dataset")),
        Triple(dataset, dct.title, Literal(registry.settings.repository_name)),
        Triple(dataset, foaf.homepage, NamedNode(f"{base}/")),
        Triple(dataset, v("sparqlEndpoint"), NamedNode(f"{base}/sparql")),
        Triple(dataset, v("uriSpace"), Literal(f"{base}/records/")),
        Triple(dataset, v("rootResource"), NamedNode(f"{base}/catalog")),
        Triple(dataset, v("dataDump"), NamedNode(f"{base}/export.nt")),
        Triple(dataset, v("feature"), NamedNode("http://www.w3.org/ns/formats/Turtle")),
        Triple(dataset, v("feature"), NamedNode("http://www.w3.org/ns/formats/JSON-LD")),
        Triple(dataset, v("feature"), NamedNode("http://www.w3.org/ns/formats/RDF_XML")),
        Triple(dataset, v("feature"), NamedNode("http://www.w3.org/ns/formats/N-Triples")),
        Triple(dataset, v("entities"), Literal(str(registry.store.count()), datatype=xsd.integer)),
        Triple(
            dataset, dct.license, NamedNode("https://creativecommons.org/publicdomain/zero/1.0/")
        ),
    ]
    if count is not None:
        out.append(Triple(dataset, v("triples"), Literal(str(count), datatype=xsd.integer)))
    for name in ("dct", "cc", "schema", "dcat", "prov", "odrl", "skos", "foaf", "vcard"):
        out.append(Triple(dataset, v("vocabulary"), NamedNode(PREFIXES[name])))
    payload = serialize(out, media_type)
    content_type = negotiated_type(media_type)
    return Response(payload, media_type=content_type, headers=_CORS)


class _Pipe:
    """A file the export writes to, read as chunks by the response (a bounded queue, so
    memory stays flat whatever the size; a client that leaves stops the export)."""

    def __init__(self) -> None:
        self.chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=16)
        self.closed = threading.Event()
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= 1 << 16:
            self._put(bytes(self._buffer))
            self._buffer.clear()
        return len(data)

    def flush(self) -> None:
        pass

    def _put(self, item: bytes | BaseException | None) -> None:
        while not self.closed.is_set():
            try:
                self.chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise BrokenPipeError("the client stopped reading the dump")

    def end(self, error: BaseException | None = None) -> None:
        if error is None and self._buffer:
            self._put(bytes(self._buffer))
        self._put(error)

    def read(self) -> Iterator[bytes]:
        try:
            while (item := self.chunks.get()) is not None:
                if isinstance(item, BaseException):
                    raise item  # the answer breaks off: the client sees an incomplete dump
                yield item
        finally:
            self.closed.set()


_DUMPING = threading.BoundedSemaphore(1)


@router.get(
    "/export.nt",
    summary="The data dump: every live record as N-Triples (VoID void:dataDump)",
    response_model=None,
)
def export_dump(registry: RegistryDep) -> Response:
    """The whole registry for bulk users, streamed as it is read from the store (what
    `registry export` writes). One dump at a time: it costs the server a while."""
    if not _DUMPING.acquire(blocking=False):
        return _problem(
            503,
            "Service Unavailable",
            "another dump is being sent; try again in a minute",
            **{"Retry-After": "60"},
        )
    from registry.catalog import export

    pipe = _Pipe()

    def produce() -> None:
        error: BaseException | None = None
        try:
            export(registry.store, registry.settings, pipe, "application/n-triples")  # type: ignore[arg-type]
        except BaseException as exc:  # handed to the response, which breaks off
            error = exc
        try:
            with contextlib.suppress(BrokenPipeError):  # the client left
                pipe.end(error)
        finally:
            _DUMPING.release()

    threading.Thread(target=produce, name="dump", daemon=True).start()
    return StreamingResponse(
        pipe.read(),
        media_type="application/n-triples; charset=utf-8",
        headers={
            **_CORS,
            "Content-Disposition": 'attachment; filename="registry.nt"',
        },
    )
