"""Search on Elasticsearch 8 or OpenSearch 2, through their official clients.

Both get the same request bodies (:mod:`registry.search.elastic_dsl`); what differs is the
client (the ``elasticsearch`` 8.x client does not talk to OpenSearch, nor the 9.x one to
Elasticsearch 8), so each engine is a small subclass of :class:`ElasticBackend`.

=====================  ======================================================================
concern                how
=====================  ======================================================================
index and alias        the registry searches an alias (``registry-records`` by default); the
                       first use creates ``{alias}-{time}-{random}`` behind it
rebuild                :meth:`~ElasticBackend.begin_rebuild` makes a new index beside the
                       serving one; :meth:`~ElasticBackend.promote` moves the alias in one
                       ``_aliases`` call and drops the old index: searches never fail
writes                 bulk requests of at most 1,000 documents or ~5 MB; the change's
                       sequence number is the document's external version, so a stale write
                       (two processes following the feed) never replaces a newer one; the
                       engine's push-back (429) is retried with exponential backoff
visibility             a refresh after each batch: applied changes are searchable on return
paging                 ``search_after`` on the sort values of the last hit (no depth limit)
an engine that is down :class:`~registry.errors.EngineUnavailable` (HTTP 503); the store keeps
                       the changes and the projection catches up when it is back
=====================  ======================================================================
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from registry.errors import ConfigurationError, EngineUnavailable, InvalidRequest
from registry.search import SearchQuery, SearchResult
from registry.search.elastic_dsl import document, index_body, parse_response, search_body
from registry.store import Change

__all__ = ["ElasticBackend", "ElasticsearchBackend", "OpenSearchBackend", "split_credentials"]

log = logging.getLogger("registry.search")

_MAX_DOCS = 1000
_MAX_BYTES = 5 * 1024 * 1024
_RETRIES = 6
#: How long an index that no longer serves is kept after the alias moved on.
_DROP_GRACE_SECONDS = 1.0


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """A URL without its user and password, and those (for the client's basic auth)."""
    parts = urlsplit(url)
    if not parts.username:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    auth = (unquote(parts.username), unquote(parts.password or ""))
    return urlunsplit(parts._replace(netloc=netloc)), auth


class ElasticBackend:
    """:class:`~registry.search.SwappableBackend` on an Elasticsearch-like engine; the
    subclasses bind a client."""

    name = "elastic"

    def __init__(
        self,
        url: str,
        *,
        alias: str = "registry-records",
        timeout: float = 30.0,
        verify_certs: bool = True,
        ca_certs: str | None = None,
        client: Any | None = None,
        _index: str | None = None,
    ) -> None:
        self.url, self._auth = split_credentials(url)
        self.alias = alias
        self.timeout = timeout
        self.verify_certs = verify_certs
        self.ca_certs = ca_certs
        self.client = client if client is not None else self._client()
        self._index = _index
        """The concrete index this backend writes to; ``None``: the alias's (looked up)."""
        self._building = _index is not None

    # the client: what differs between engines ------------------------------------------

    def _client(self) -> Any:
        raise NotImplementedError

    def _ignore(self, statuses: Sequence[int]) -> Any:
        """The client, with these HTTP statuses answered instead of raised."""
        raise NotImplementedError

    @staticmethod
    def _failure(exc: Exception) -> tuple[bool, int | None]:
        """Whether an exception is the client's (an answer, or none), and the HTTP status
        of the answer (``None``: the engine did not answer)."""
        raise NotImplementedError

    def _status(self, exc: Exception) -> int | None:
        return self._failure(exc)[1]

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        """One request; no answer, or a 5xx, is :class:`EngineUnavailable`."""
        try:
            response = call()
        except Exception as exc:
            from_client, status = self._failure(exc)
            if from_client and (status is None or status >= 500):
                raise EngineUnavailable(
                    f"{self.name} at {self.url} did not {what}: {type(exc).__name__}: {exc}",
                    engine=self.name,
                ) from None
            raise
        body = getattr(response, "body", response)
        return body

    # the index behind the alias --------------------------------------------------------

    @property
    def instance(self) -> str:
        """The concrete index behind the alias (created, with the alias, on first use)."""
        if self._index is None:
            self._index = self._current_index() or self._create_serving_index()
        return self._index

    def _aliased(self) -> list[str]:
        """The indices the alias points at, oldest name first."""
        found = self._call(
            "list its aliases",
            lambda: self._ignore([404]).indices.get_alias(name=self.alias),
        )
        return sorted(k for k in (found or {}) if isinstance(found[k], dict))

    def _current_index(self) -> str | None:
        names = self._aliased()
        return names[0] if names else None

    def _new_index_name(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        return f"{self.alias}-{stamp}-{secrets.token_hex(3)}"

    def _create_index(self, name: str, *, building: bool) -> None:
        body = index_body()
        if building:
            # Built without refreshes and copies; promote() turns both back on.
            body["settings"].update(
                refresh_interval="-1", auto_expand_replicas=False, number_of_replicas=0
            )
        self._call("create an index", lambda: self.client.indices.create(index=name, body=body))

    def _create_serving_index(self) -> str:
        name = self._new_index_name()
        self._create_index(name, building=False)
        self._call(
            "create the alias",
            lambda: self.client.indices.update_aliases(
                body={"actions": [{"add": {"index": name, "alias": self.alias}}]}
            ),
        )
        current = self._current_index()
        if current is not None and current != name:
            # Another process created the alias at the same moment: the index whose name
            # sorts first wins (both processes agree on it); ours goes.
            self._call(
                "drop an index",
                lambda: self._ignore([404]).indices.delete(index=name),
            )
            return current
        return name

    def begin_rebuild(self) -> ElasticBackend:
        """A backend on a new index beside the serving one (not searched until promoted)."""
        name = self._new_index_name()
        self._create_index(name, building=True)
        return type(self)(
            self.url,  # the client (and its credentials) is shared
            alias=self.alias,
            timeout=self.timeout,
            verify_certs=self.verify_certs,
            ca_certs=self.ca_certs,
            client=self.client,
            _index=name,
        )

    def promote(self) -> None:
        """Move the alias to this backend's index in one atomic step; drop the old ones."""
        index = self.instance
        self._call(
            "refresh the new index",
            lambda: self.client.indices.put_settings(
                index=index,
                body={"index": {"refresh_interval": None, "auto_expand_replicas": "0-1"}},
            ),
        )
        self._refresh(index)
        old = [k for k in self._aliased() if k != index]
        actions: list[dict[str, Any]] = [{"remove": {"index": o, "alias": self.alias}} for o in old]
        actions.append({"add": {"index": index, "alias": self.alias}})
        self._call(
            "move the alias", lambda: self.client.indices.update_aliases(body={"actions": actions})
        )
        self._building = False
        if old:
            # Searches that reached an old index just before the alias moved finish first.
            time.sleep(_DROP_GRACE_SECONDS)
        for name in old:
            self._drop(name)

    def delete_all_indices(self) -> None:
        """Drop the alias and every index behind it (tests, benchmarks)."""
        names = self._aliased()
        if self._index and self._index not in names:
            names.append(self._index)
        for name in names:
            self._drop(name)
        self._index = None

    def _drop(self, index: str) -> None:
        self._call("drop an index", lambda: self._ignore([404]).indices.delete(index=index))

    # writing ---------------------------------------------------------------------------

    @property
    def holds_writer(self) -> bool:
        return True

    def acquire_writer(self) -> None:
        """Any process may write a distributed index."""

    def _target(self) -> str:
        """Where writes go: a new index being built by name, else through the alias (so a
        process following the feed during a rebuild writes wherever searches go)."""
        return self.instance if self._building else self.alias

    def apply(self, changes: Sequence[Change]) -> None:
        if not changes:
            return
        self.instance  # noqa: B018 - the alias and its index exist before the first write
        target = self._target()
        batch: list[dict[str, Any]] = []
        size = 0
        for change in changes:
            meta = {"_index": target, "_id": change.id, "version": change.seq}
            meta["version_type"] = "external"
            data = None if change.deleted else change.data
            if data is None:
                lines = [{"delete": meta}]
            else:
                lines = [{"index": meta}, document(change.seq, data)]
            size += sum(len(json.dumps(line)) for line in lines)
            batch.extend(lines)
            if len(batch) >= 2 * _MAX_DOCS or size >= _MAX_BYTES:
                self._bulk(batch)
                batch, size = [], 0
        if batch:
            self._bulk(batch)
        self._refresh(target)

    def _bulk(self, lines: list[dict[str, Any]]) -> None:
        """Send one bulk request; retry what the engine pushes back (429) with exponential
        backoff; a stale version (409) or a delete of nothing (404) is no failure."""
        pending = lines
        for attempt in range(_RETRIES + 1):
            try:
                answer = self._send_bulk(pending)
            except Exception as exc:
                if self._status(exc) != 429 or attempt == _RETRIES:
                    raise
                time.sleep(min(8.0, 0.25 * 2**attempt))
                continue
            if not answer.get("errors"):
                return
            retry: list[dict[str, Any]] = []
            position = 0
            for item in answer["items"]:
                action, result = next(iter(item.items()))
                count = 1 if action == "delete" else 2
                status = int(result.get("status", 500))
                if status == 429:
                    retry.extend(pending[position : position + count])
                elif status >= 500:
                    raise EngineUnavailable(
                        f"{self.name} failed {action} of {result.get('_id')!r}:"
                        f" {result.get('error', {})}",
                        engine=self.name,
                    )
                elif status >= 300 and status not in (404, 409):
                    # The engine will never take this document as it is: one record must
                    # not stall the projection. It is logged and left out of the index.
                    log.error(
                        "%s refused %s of %r (%d): %s",
                        self.name,
                        action,
                        result.get("_id"),
                        status,
                        result.get("error", {}),
                    )
                position += count
            if not retry:
                return
            pending = retry
            time.sleep(min(8.0, 0.25 * 2**attempt))
        raise EngineUnavailable(
            f"{self.name} kept refusing a bulk request (too busy)", engine=self.name
        )

    def _send_bulk(self, lines: list[dict[str, Any]]) -> Any:
        return self._call("take a bulk request", lambda: self.client.bulk(body=lines))

    def _refresh(self, index: str) -> None:
        self._call("refresh", lambda: self.client.indices.refresh(index=index))

    def clear(self) -> None:
        """Start from an empty index: a new one takes the old one's place (deleting every
        document would leave their versions behind, and refuse the same changes again)."""
        if self._building:
            index = self.instance
            self._call("drop an index", lambda: self._ignore([404]).indices.delete(index=index))
            self._create_index(index, building=True)
            return
        fresh = self.begin_rebuild()
        fresh.promote()
        self._index = fresh.instance

    def close(self) -> None:
        self.client.close()

    # reading ---------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        body = search_body(query, date.today())
        index = self.alias if not self._building else self.instance
        if not self._building:
            self.instance  # noqa: B018 - an empty registry still has an index to search
        try:
            raw = self._call("search", lambda: self.client.search(index=index, body=body))
        except EngineUnavailable:
            raise
        except Exception as exc:
            if query.search_after is not None and self._status(exc) == 400:
                # A cursor whose sort values were altered: the engine cannot page from them.
                raise InvalidRequest(
                    "'cursor' is not a cursor this registry gave", parameter="cursor"
                ) from None
            raise
        return parse_response(raw)

    def count(self) -> int:
        index = self.alias if not self._building else self.instance
        self.instance  # noqa: B018
        raw = self._call("count", lambda: self.client.count(index=index))
        return int(raw["count"])

    def health(self) -> dict[str, Any]:
        report: dict[str, Any] = {"engine": self.name, "url": self.url}
        try:
            info = self._call("answer", lambda: self.client.info())
            cluster = self._call("report its health", lambda: self.client.cluster.health())
            report.update(
                version=info.get("version", {}).get("number"),
                cluster_status=cluster.get("status"),
                index=self._current_index() if not self._building else self.instance,
                documents=self.count(),
            )
        except Exception as exc:  # health never raises: it reports
            return {**report, "status": "down", "error": f"{type(exc).__name__}: {exc}"}
        report["status"] = "down" if report["cluster_status"] == "red" else "ok"
        return report


class OpenSearchBackend(ElasticBackend):
    """OpenSearch 2, through ``opensearch-py``."""

    name = "opensearch"

    def _client(self) -> Any:
        try:
            from opensearchpy import OpenSearch
        except ImportError:
            raise ConfigurationError(
                "the OpenSearch client is not installed: pip install 'open-registry[opensearch]'"
            ) from None
        options: dict[str, Any] = {
            "timeout": self.timeout,
            "verify_certs": self.verify_certs,
            "max_retries": 2,
            "retry_on_timeout": True,
        }
        if self._auth:
            options["http_auth"] = self._auth
        if self.ca_certs:
            options["ca_certs"] = self.ca_certs
        if not self.verify_certs:
            options["ssl_show_warn"] = False
        return OpenSearch(hosts=[self.url], **options)

    def _ignore(self, statuses: Sequence[int]) -> Any:
        return _IgnoringOpenSearch(self.client, tuple(statuses))

    @staticmethod
    def _failure(exc: Exception) -> tuple[bool, int | None]:
        from opensearchpy.exceptions import ConnectionError as NoAnswer
        from opensearchpy.exceptions import TransportError

        if isinstance(exc, NoAnswer):
            return True, None
        if isinstance(exc, TransportError):
            status = exc.status_code
            return True, status if isinstance(status, int) else None
        return False, None


class _IgnoringOpenSearch:
    """opensearch-py's ``ignore=`` on every call made through it."""

    def __init__(self, client: Any, statuses: tuple[int, ...], path: str = "") -> None:
        self._client = client
        self._statuses = statuses
        self._path = path

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if callable(target):
            return lambda **kwargs: target(ignore=list(self._statuses), **kwargs)
        return _IgnoringOpenSearch(target, self._statuses)


class ElasticsearchBackend(ElasticBackend):
    """Elasticsearch 8, through the ``elasticsearch`` 8.x client."""

    name = "elasticsearch"

    def _client(self) -> Any:
        try:
            import elasticsearch
        except ImportError:
            raise ConfigurationError(
                "the Elasticsearch client is not installed:"
                " pip install 'open-registry[elasticsearch]'"
            ) from None
        if not elasticsearch.__version__[0] == 8:
            raise ConfigurationError(
                "the registry talks to Elasticsearch 8 with the 8.x client; found"
                f" {'.'.join(map(str, elasticsearch.__version__))}:"
                " pip install 'elasticsearch>=8,<9'"
            )
        options: dict[str, Any] = {
            "request_timeout": self.timeout,
            "verify_certs": self.verify_certs,
            "max_retries": 2,
            "retry_on_timeout": True,
        }
        if self._auth:
            options["basic_auth"] = self._auth
        if self.ca_certs:
            options["ca_certs"] = self.ca_certs
        if not self.verify_certs:
            options["ssl_show_warn"] = False
        return elasticsearch.Elasticsearch(self.url, **options)

    def _ignore(self, statuses: Sequence[int]) -> Any:
        return self.client.options(ignore_status=list(statuses))

    @staticmethod
    def _failure(exc: Exception) -> tuple[bool, int | None]:
        from elastic_transport import TransportError
        from elasticsearch import ApiError

        if isinstance(exc, ApiError):
            return True, int(exc.meta.status)
        if isinstance(exc, TransportError):  # no answer: connection refused, timeout
            return True, None
        return False, None
