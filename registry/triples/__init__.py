"""The triple store: a projection of the store as RDF, one named graph per record.

:class:`TripleStore` is the protocol; two implementations share one contract test suite:

| implementation | when | how |
| --- | --- | --- |
| :class:`OxigraphTripleStore` | default | pyoxigraph on disk in ``{data_dir}/triples`` |
| :class:`SparqlHttpTripleStore` | ``REGISTRY_SPARQL_URL`` set | any SPARQL 1.1 server (Query, Update), e.g. Apache Jena Fuseki |

:class:`RdfIndexer` feeds either from the store's change feed, from its own checkpoint: a
changed record's graph is replaced whole, a withdrawn record's graph dropped, so updates
and deletes are exact. Queries default to the union of all graphs (every record).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import queue
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as TypingLiteral
from typing import Protocol, TypeVar

from pyoxigraph import NamedNode, Quad, QueryBoolean, QuerySolutions, Store, Triple

from registry.errors import InvalidRequest, RegistryError
from registry.settings import Settings
from registry.store import Store as RecordStore
from registry.triples._results import Term

log = logging.getLogger("registry.triples")

__all__ = [
    "OxigraphTripleStore",
    "QueryBusy",
    "QueryResult",
    "QueryTimeout",
    "RdfIndexer",
    "SparqlHttpTripleStore",
    "TripleStore",
    "check_query",
    "open_triple_store",
    "query_form",
]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a batch: it makes many short-lived, acyclic
    objects, and collections would cost a fifth of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class QueryTimeout(RegistryError):
    """A query ran past the time limit (HTTP 503)."""


class QueryBusy(RegistryError):
    """Every query slot is taken by queries still running (HTTP 503)."""


@dataclass(slots=True)
class QueryResult:
    """What a query answered, at most ``limit`` rows or triples of it."""

    form: TypingLiteral["select", "ask", "graph"]
    variables: list[str] = field(default_factory=list)
    solutions: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Triple] = field(default_factory=list)
    truncated: bool = False
    """True when the answer had more than ``limit`` rows (or triples) and was cut."""


# Strings, IRIs and comments blanked out, so that keywords are only found where they are
# keywords (a title "DELETE me" or an IRI .../service/ is no update and no SERVICE).
_OPAQUE = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n]*",
    re.DOTALL,
)
_PROLOGUE = re.compile(r"^(?:\s+|BASE\s*<>|PREFIX\s+[\w.-]*:\s*<>)*", re.IGNORECASE)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_UPDATE = re.compile(r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)
# The keyword, not part of a prefixed name (ex:service), a variable (?service) or a word.
_SERVICE = re.compile(r"(?<![\w:?$.-])SERVICE(?![\w:-])", re.IGNORECASE)


def _blanked(sparql: str) -> str:
    """The query with strings and IRIs emptied (``""``, ``<>``) and comments removed."""

    def blank(match: re.Match[str]) -> str:
        text = match.group(0)
        return "" if text[0] == "#" else "<>" if text[0] == "<" else '""'

    return _OPAQUE.sub(blank, sparql)


def query_form(sparql: str) -> TypingLiteral["select", "ask", "graph", "update"] | None:
    """The form of a SPARQL request, read after its prologue (None: not recognised; the
    parser says what is wrong)."""
    text = _blanked(sparql)
    rest = text[_PROLOGUE.match(text).end() :]  # type: ignore[union-attr]
    found = _FORM.match(rest)
    if found:
        word = found.group(1).upper()
        return "select" if word == "SELECT" else "ask" if word == "ASK" else "graph"
    if _UPDATE.match(rest):
        return "update"
    return None


def check_query(sparql: str) -> TypingLiteral["select", "ask", "graph"] | None:
    """Refuse what a public, read-only endpoint does not run, before any engine sees it:
    updates, and ``SERVICE`` (a federated query would have the server fetch any URL it
    names, private addresses too). Returns the query's form when it is recognised."""
    form = query_form(sparql)
    if form == "update":
        raise InvalidRequest(
            "this endpoint answers queries only; updates are refused", parameter="query"
        )
    if _SERVICE.search(_blanked(sparql)):
        raise InvalidRequest(
            "SERVICE (federated query) is not available on this endpoint: query the other"
            " endpoint yourself and join the answers",
            parameter="query",
        )
    return form


_T = TypeVar("_T")
_R = TypeVar("_R")
_BUSY = "every query slot is busy with long queries; try again shortly"


def _timeout_message(timeout: float) -> str:
    return (
        f"the query ran past the time limit of {timeout:g} s; narrow it (a LIMIT,"
        " a more selective pattern) or use `registry export` for bulk data"
    )


class _Workers:
    """A few daemon threads that run submitted calls: started once (no thread per query),
    and daemon, so that a query still grinding never holds up the process when it stops."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        for n in range(count):
            threading.Thread(target=self._work, name=f"sparql-{n}", daemon=True).start()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def stop(self) -> None:
        """Let the threads end once the jobs before this are done."""
        for _ in range(self.count):
            self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()


class TripleStore(Protocol):
    """What the registry needs from a triple store."""

    name: str

    def replace(self, graphs: Mapping[str, Sequence[Triple]], dropped: Sequence[str] = ()) -> None:
        """Make each named graph hold exactly its triples; drop the ``dropped`` graphs."""
        ...

    def clear(self) -> None: ...
    def count(self) -> int:
        """How many triples all graphs hold."""
        ...

    def graph(self, name: str) -> list[Triple]:
        """The triples of one named graph."""
        ...

    def query(
        self,
        sparql: str,
        *,
        timeout: float,
        limit: int,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a query: :class:`InvalidRequest` (with the parser's message) for a malformed
        one or an update, :class:`QueryTimeout` past ``timeout`` seconds."""
        ...

    def close(self) -> None: ...


class OxigraphTripleStore:
    """The embedded triple store: pyoxigraph, on disk (or in memory with no path).

    Queries run on a few worker threads (the engine releases the GIL while it works).
    Past the time limit the caller gets :class:`QueryTimeout` at once and the worker stops
    reading results; an evaluation step that cannot be interrupted (a big ORDER BY or
    aggregate) finishes in the background, holding its slot, and when every slot is held
    new queries get :class:`QueryBusy` instead of queueing behind them.
    """

    name = "oxigraph"

    #: From this many quads on, a batch is loaded with ``bulk_extend`` (sorted files written
    #: straight to disk); smaller ones in one transaction, so that a trickle of changes does
    #: not leave a trail of tiny files.
    bulk_threshold = 20_000

    def __init__(self, path: Path | None = None, *, slots: int = 4) -> None:
        self.path = path
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        self._store = Store(str(path)) if path is not None else Store()
        self._slots = threading.BoundedSemaphore(slots)
        self._running = 0
        self._running_lock = threading.Lock()
        self._workers = _Workers(slots)
        self._closed = False
        self._write = threading.Lock()

    def _load(self, quads: Sequence[Quad]) -> None:
        if len(quads) >= self.bulk_threshold:
            self._store.bulk_extend(quads)
        elif quads:
            self._store.extend(quads)

    @property
    def instance(self) -> str:
        """An id of this store's files, so a wiped store is indexed again from zero."""
        if self.path is None:
            return f"memory-{id(self)}"
        marker = self.path / "registry-instance"
        if not marker.exists():
            marker.write_text(uuid.uuid4().hex)
        return marker.read_text().strip()

    def replace(self, graphs: Mapping[str, Sequence[Triple]], dropped: Sequence[str] = ()) -> None:
        with self._write:
            for name in [*graphs, *dropped]:
                self._store.remove_graph(NamedNode(name))
            self._load(
                [
                    Quad(t.subject, t.predicate, t.object, graph)
                    for name, triples in graphs.items()
                    for graph in (NamedNode(name),)
                    for t in triples
                ]
            )

    def replace_quads(self, quads: Sequence[Quad], graphs: Sequence[str]) -> None:
        """Like :meth:`replace`, with the quads already made (the ingest path): empty the
        ``graphs``, then load ``quads``."""
        with self._write:
            for name in graphs:
                node = NamedNode(name)
                if self._store.contains_named_graph(node):
                    self._store.remove_graph(node)
            self._load(quads)

    def clear(self) -> None:
        with self._write:
            self._store.clear()

    def count(self) -> int:
        return len(self._store)

    def graph(self, name: str) -> list[Triple]:
        return [
            Triple(q.subject, q.predicate, q.object)
            for q in self._store.quads_for_pattern(None, None, None, NamedNode(name))
        ]

    def flush(self) -> None:
        self._store.flush()

    def query(
        self,
        sparql: str,
        *,
        timeout: float,
        limit: int,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> QueryResult:
        check_query(sparql)
        if self._closed:
            raise RegistryError("the triple store is closed")
        if not self._slots.acquire(timeout=min(timeout, 1.0)):
            raise QueryBusy(_BUSY)
        outcome: list[QueryResult | BaseException] = []
        done = threading.Event()

        def finish(answer: QueryResult | BaseException) -> None:
            outcome.append(answer)
            done.set()

        cancelled = self._submit(
            sparql, limit, default_graphs, named_graphs, base_iri, lambda r: r, finish
        )
        if done.wait(timeout):
            answer = outcome[0]
            if isinstance(answer, BaseException):
                raise answer
            return answer
        cancelled.set()
        raise QueryTimeout(_timeout_message(timeout))

    async def answer(
        self,
        sparql: str,
        then: Callable[[QueryResult], _T],
        *,
        timeout: float,
        limit: int,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
    ) -> tuple[QueryResult, _T]:
        """:meth:`query` for a caller on an event loop, and ``then`` applied to the result
        (writing it out) on the same worker thread: the loop waits without a thread of its
        own, and the query is handed over once instead of twice."""
        check_query(sparql)
        if self._closed:
            raise RegistryError("the triple store is closed")
        if not self._slots.acquire(blocking=False) and not await self._wait_for_slot(timeout):
            raise QueryBusy(_BUSY)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[QueryResult, _T]] = loop.create_future()

        def settle(answer: tuple[QueryResult, _T] | BaseException) -> None:
            if future.done():  # timed out meanwhile
                return
            if isinstance(answer, BaseException):
                future.set_exception(answer)
            else:
                future.set_result(answer)

        def finish(answer: tuple[QueryResult, _T] | BaseException) -> None:
            # a caller past its time limit may have closed its loop since
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, answer)

        cancelled = self._submit(
            sparql, limit, default_graphs, named_graphs, base_iri, lambda r: (r, then(r)), finish
        )
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            cancelled.set()
            raise QueryTimeout(_timeout_message(timeout)) from None
        except asyncio.CancelledError:  # the caller went away: stop reading results
            cancelled.set()
            raise

    async def _wait_for_slot(self, timeout: float) -> bool:
        """Wait (off the loop, a second at most) for a slot; a caller that goes away
        meanwhile leaves none taken."""
        waiting = asyncio.ensure_future(
            asyncio.to_thread(self._slots.acquire, timeout=min(timeout, 1.0))
        )
        try:
            return await asyncio.shield(waiting)
        except asyncio.CancelledError:
            waiting.add_done_callback(self._release_if_taken)
            raise

    def _release_if_taken(self, waiting: asyncio.Future[bool]) -> None:
        if not waiting.cancelled() and waiting.exception() is None and waiting.result():
            self._slots.release()

    def _submit(
        self,
        sparql: str,
        limit: int,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        base_iri: str | None,
        then: Callable[[QueryResult], _R],
        finish: Callable[[_R | BaseException], None],
    ) -> threading.Event:
        """Evaluate the query on a worker (holding the slot the caller took), apply ``then``
        there, and hand the outcome, or the error, to ``finish``; returns the event that
        stops the evaluation reading results."""
        self._count_running(1)
        cancelled = threading.Event()

        def work() -> None:
            try:
                result = self._evaluate(
                    sparql, limit, default_graphs, named_graphs, cancelled, base_iri
                )
                outcome: _R | BaseException = then(result)
            except BaseException as exc:  # handed to the caller
                outcome = exc
            finish(outcome)

        self._workers.submit(work)
        return cancelled

    def _count_running(self, step: int) -> None:
        with self._running_lock:
            self._running += step

    @property
    def running(self) -> int:
        """How many queries are being evaluated now (stopped ones until they let go)."""
        return self._running

    def _evaluate(
        self,
        sparql: str,
        limit: int,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        cancelled: threading.Event,
        base_iri: str | None = None,
    ) -> QueryResult:
        try:
            kwargs: dict[str, object] = {"base_iri": base_iri}
            if default_graphs or named_graphs:
                # A dataset named by the protocol is exactly the graphs it names (SPARQL 1.1
                # Protocol 2.1.4): no default graph given is an empty one.
                kwargs["default_graph"] = [NamedNode(g) for g in default_graphs]
                kwargs["named_graphs"] = [NamedNode(g) for g in named_graphs]
            else:
                kwargs["use_default_graph_as_union"] = True
            try:
                answer = self._store.query(sparql, **kwargs)  # type: ignore[arg-type]
            except SyntaxError as exc:
                raise InvalidRequest(f"malformed query: {exc}", parameter="query") from None
            except ValueError as exc:  # e.g. an invalid IRI in a dataset parameter
                raise InvalidRequest(str(exc), parameter="query") from None
            if isinstance(answer, QueryBoolean):
                return QueryResult(form="ask", boolean=bool(answer))
            if isinstance(answer, QuerySolutions):
                variables = [v.value for v in answer.variables]
                rows: list[dict[str, Term]] = []
                for solution in answer:
                    if cancelled.is_set():
                        break
                    if len(rows) == limit:
                        return QueryResult("select", variables, rows, truncated=True)
                    rows.append({v: t for v in variables if (t := solution[v]) is not None})
                return QueryResult("select", variables, rows)
            triples: list[Triple] = []
            for triple in answer:
                if cancelled.is_set():
                    break
                if len(triples) == limit:
                    return QueryResult("graph", triples=triples, truncated=True)
                triples.append(triple)
            return QueryResult("graph", triples=triples)
        finally:
            self._count_running(-1)
            self._slots.release()

    def close(self) -> None:
        """Flush, and let go of the store: the files' lock goes with the last reference, so
        that another process (or a registry opened again) can open it."""
        if self.path is not None:
            self._store.flush()
        self._store = Store()
        self._workers.stop()
        self._closed = True


def open_triple_store(settings: Settings) -> TripleStore:
    """The configured triple store: a SPARQL server when ``sparql_url`` is set, else the
    embedded one in the data directory."""
    if settings.sparql_url:
        from registry.triples._http import SparqlHttpTripleStore

        return SparqlHttpTripleStore(
            settings.sparql_url,
            settings.sparql_update_url,
            graph_store_url=settings.sparql_graph_store_url,
            union_graph=settings.sparql_union_graph or None,
        )
    return OxigraphTripleStore(settings.triples_path)


class RdfIndexer:
    """Feeds a triple store from the change feed (one named graph per record).

    The checkpoint is named after the triple store's instance, so a wiped or replaced
    store starts from zero."""

    def __init__(
        self,
        store: RecordStore,
        triples: TripleStore,
        *,
        base_uri: str,
        instance: str = "default",
    ) -> None:
        self.store = store
        self.triples = triples
        self.base_uri = base_uri
        self.checkpoint_name = f"rdf:{triples.name}:{instance}"
        self._lock = threading.Lock()

    @property
    def position(self) -> int:
        return self.store.checkpoint(self.checkpoint_name)

    def lag(self) -> int:
        return max(0, self.store.last_seq() - self.position)

    def catch_up(self, *, batch: int = 2000, progress: Callable[[int], None] | None = None) -> int:
        """Apply every change after the checkpoint; returns how many were applied."""
        from registry.rdf import record_quads, record_triples, record_uri

        quad_path = isinstance(self.triples, OxigraphTripleStore)
        applied = 0
        with self._lock:
            after = self.position
            while True:
                with _gc_paused():
                    changes = self.store.changes(after, batch)
                    if not changes:
                        return applied
                    graphs: dict[str, list[Triple]] = {}
                    dropped: list[str] = []
                    quads: list[Quad] = []
                    for change in changes:
                        name = record_uri(self.base_uri, change.id)
                        record = None if change.deleted else change.record
                        if record is None:
                            dropped.append(name)
                            continue
                        base, updated, run = self.base_uri, change.updated, change.run
                        try:
                            if quad_path:
                                quads += record_quads(
                                    record, base_uri=base, updated=updated, run=run
                                )
                            else:
                                graphs[name] = record_triples(
                                    record, base_uri=base, updated=updated, run=run
                                )
                        except Exception:  # one record must not hold up the whole feed
                            log.exception("record %s could not be mapped to RDF", change.id)
                            if not quad_path:
                                dropped.append(name)  # no stale graph is left behind
                        if quad_path:
                            dropped.append(name)  # emptied, then loaded with the quads
                    if quad_path:
                        self.triples.replace_quads(quads, dropped)  # type: ignore[attr-defined]
                    else:
                        self.triples.replace(graphs, dropped)
                after = changes[-1].seq
                self.store.set_checkpoint(self.checkpoint_name, after)
                applied += len(changes)
                if progress is not None:
                    progress(len(changes))

    def rebuild(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Drop every graph and project the whole store again."""
        with self._lock:
            self.triples.clear()
            self.store.set_checkpoint(self.checkpoint_name, 0)
        return self.catch_up(progress=progress)


from registry.triples._http import SparqlHttpTripleStore  # noqa: E402
