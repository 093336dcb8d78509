"""Any SPARQL 1.1 server as the triple store (tested against Apache Jena Fuseki).

| operation | protocol |
| --- | --- |
| replace graphs | one SPARQL 1.1 Update request per batch: ``DROP SILENT GRAPH <g>`` then ``INSERT DATA { GRAPH <g> { ... } }`` for each record |
| one graph | Graph Store Protocol ``GET ?graph=`` when configured, else a CONSTRUCT query |
| query | SPARQL 1.1 Protocol, POST form; results read as SPARQL JSON or N-Triples and written again by the registry, so both engines answer alike |
| count, clear | a COUNT query; ``DROP SILENT ALL`` |

The server is asked to stop a query at the time limit (Fuseki's ``timeout`` parameter);
the client gives up a second later in any case.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence

import httpx
from pyoxigraph import QueryResultsFormat, RdfFormat, Triple, parse, parse_query_results
from pyoxigraph import serialize as ox_serialize

from registry.errors import ConfigurationError, InvalidRequest
from registry.triples._results import Term

__all__ = ["SparqlHttpTripleStore"]

_NAMES_GRAPHS = re.compile(r"\b(GRAPH|FROM)\b", re.IGNORECASE)


class SparqlHttpTripleStore:
    """:class:`~registry.triples.TripleStore` on a SPARQL 1.1 server."""

    name = "sparql"

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        *,
        graph_store_url: str | None = None,
        union_graph: str | None = "urn:x-arq:UnionGraph",
        timeout: float = 60.0,
        client: httpx.Client | None = None,
    ) -> None:
        if not update_url:
            raise ConfigurationError(
                "REGISTRY_SPARQL_URL needs REGISTRY_SPARQL_UPDATE_URL too (the registry keeps"
                " the server's graphs up to date)"
            )
        self.query_url = query_url
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        # The IRI by which the server names the union of its named graphs (Jena's), used as
        # the default graph of queries that name none, so every record is queried.
        self.union_graph = union_graph
        self._client = client or httpx.Client(timeout=timeout)

    @property
    def instance(self) -> str:
        return self.query_url

    def _update(self, text: str) -> None:
        response = self._client.post(
            self.update_url,
            content=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )
        if response.status_code >= 300:
            raise ConfigurationError(
                f"the SPARQL server refused an update ({response.status_code}):"
                f" {response.text[:300]}"
            )

    def replace(self, graphs: Mapping[str, Sequence[Triple]], dropped: Sequence[str] = ()) -> None:
        parts = [f"DROP SILENT GRAPH <{name}>" for name in dropped]
        for name, triples in graphs.items():
            parts.append(f"DROP SILENT GRAPH <{name}>")
            if triples:
                body = ox_serialize(triples, format=RdfFormat.N_TRIPLES)
                assert body is not None
                parts.append(f"INSERT DATA {{ GRAPH <{name}> {{\n{bytes(body).decode()}}} }}")
        # Batches of about a thousand records keep a request well under server limits.
        for start in range(0, len(parts), 2000):
            if parts[start : start + 2000]:
                self._update(" ;\n".join(parts[start : start + 2000]))

    def clear(self) -> None:
        self._update("DROP SILENT ALL")

    def count(self) -> int:
        result = self.query(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", timeout=60, limit=1
        )
        term = result.solutions[0]["n"] if result.solutions else None
        return int(term.value) if term is not None else 0  # type: ignore[union-attr]

    def graph(self, name: str) -> list[Triple]:
        if self.graph_store_url:
            response = self._client.get(
                self.graph_store_url,
                params={"graph": name},
                headers={"Accept": "application/n-triples"},
            )
            if response.status_code == 404:
                return []
            response.raise_for_status()
            return [
                Triple(q.subject, q.predicate, q.object)
                for q in parse(response.content, format=RdfFormat.N_TRIPLES)
            ]
        result = self.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}",
            timeout=60,
            limit=10**6,
        )
        return result.triples

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
        from registry.triples import QueryResult, QueryTimeout, check_query

        form = check_query(sparql)
        accept = "application/n-triples" if form == "graph" else "application/sparql-results+json"
        data: dict[str, str | list[str]] = {
            "query": sparql,
            "timeout": f"{timeout:g}",  # seconds, as Fuseki reads it
        }
        if default_graphs:
            data["default-graph-uri"] = list(default_graphs)
        elif self.union_graph and not named_graphs and not _NAMES_GRAPHS.search(sparql):
            # (The protocol leaves no named graphs once a default graph is named, so a query
            # that says GRAPH itself is sent as it is: the server's own dataset.)
            data["default-graph-uri"] = [self.union_graph]
        if named_graphs:
            data["named-graph-uri"] = list(named_graphs)
        # The answer is read against a deadline of its own: a server that streams rows
        # for ever never trips a read timeout.
        deadline = time.monotonic() + timeout
        timed_out = QueryTimeout(f"the query ran past the time limit of {timeout:g} s")
        chunks: list[bytes] = []
        try:
            with self._client.stream(
                "POST", self.query_url, data=data, headers={"Accept": accept}, timeout=timeout + 1.0
            ) as response:
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise timed_out
        except httpx.TimeoutException:
            raise timed_out from None
        body = b"".join(chunks)
        text = body.decode("utf-8", "replace")
        if response.status_code == 400:
            raise InvalidRequest(f"malformed query: {text.strip()[:500]}", parameter="query")
        if response.status_code == 503 and "timeout" in text.lower():
            raise timed_out
        if response.status_code >= 300:
            raise ConfigurationError(
                f"the SPARQL server failed ({response.status_code}): {text[:300]}"
            )
        content_type = response.headers.get("content-type", "")
        if "n-triples" in content_type or form == "graph":
            triples = [
                Triple(q.subject, q.predicate, q.object)
                for q in parse(body, format=RdfFormat.N_TRIPLES)
            ]
            return QueryResult(
                "graph",
                triples=triples[:limit],
                truncated=len(triples) > limit,
            )
        document = json.loads(body)
        if "boolean" in document:
            return QueryResult("ask", boolean=bool(document["boolean"]))
        parsed = parse_query_results(body, format=QueryResultsFormat.JSON)
        variables = [v.value for v in parsed.variables]  # type: ignore[union-attr]
        rows: list[dict[str, Term]] = []
        for solution in parsed:  # type: ignore[union-attr]
            if len(rows) == limit:
                return QueryResult("select", variables, rows, truncated=True)
            rows.append({v: t for v in variables if (t := solution[v]) is not None})
        return QueryResult("select", variables, rows)

    def close(self) -> None:
        self._client.close()


from registry.triples import QueryResult  # noqa: E402
