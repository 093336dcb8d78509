"""The registry as one object: its store, its search index, and what users ask of them.

The CLI and the HTTP API are thin layers over :class:`Registry`; both answer a
search with the same JSON (:meth:`Registry.search_json`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from harvesters import Fetcher, get_harvester, harvester_kinds
from harvesters.fetch import HostPacer, check_url
from registry.errors import InvalidRequest, NotFound, Withdrawn
from registry.harvest import PageCallback, run_harvest
from registry.licences import licence_by_uri, normalise
from registry.locks import source_lock
from registry.models import CHALLENGES, HarvestRun, IPOffer, Source, Work
from registry.projections import SearchIndexer
from registry.scheduler import Scheduler
from registry.search import (
    FACETS,
    SearchBackend,
    SearchQuery,
    SearchResult,
    open_search_backend,
)
from registry.search.documents import language_code
from registry.settings import Settings
from registry.store import Store, StoredRecord, open_store

__all__ = ["MAX_OFFSET", "Registry"]

#: Deeper than this, paging stops: bulk users export instead.
log = logging.getLogger("registry")

MAX_OFFSET = 10_000
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_KINDS = ("work", "ip-offer")
_REUSE = ("open", "restricted", "permission")
_REUSE_LABELS = {
    "open": "Open",
    "restricted": "Restricted (non-commercial or no adaptations)",
    "permission": "Ask permission",
}
_LANGUAGE_LABELS = {"nl": "Nederlands", "en": "English", "und": "Unknown language"}
_KIND_LABELS = {"work": "Work", "ip-offer": "IP offer"}


def parse_bool(value: str | bool | None, *, parameter: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    if not low:
        return None
    raise InvalidRequest(f"'{parameter}' is true or false, not {value!r}", parameter=parameter)


def _clean(values: Iterable[str] | None) -> list[str]:
    return [v.strip() for v in values or () if v and v.strip()]


class Registry:
    """The registry on its configured engines (the embedded ones by default)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store: Store = open_store(settings.database_url or settings.store_path)
        self.search_backend: SearchBackend = open_search_backend(settings)
        self.indexer = SearchIndexer(
            self.store,
            self.search_backend,
            None if settings.search_url else settings.index_path,
        )
        rate = settings.harvest_rate_per_host
        self.pacer = HostPacer(rate) if rate else None
        self._triples: Any = None
        self._rdf_indexer: Any = None
        self._triples_lock = threading.Lock()
        self._engines_down: set[str] = set()

    def close(self) -> None:
        self.search_backend.close()
        if self._triples is not None:
            self._triples.close()
        self.store.close()

    # the triple store ----------------------------------------------------------------

    @property
    def triples(self) -> Any:
        """The triple store (opened on first use). :class:`IndexBusy` when the embedded
        one is held by another process (the one serving catches up by itself)."""
        with self._triples_lock:
            if self._triples is None:
                from registry.errors import IndexBusy
                from registry.triples import open_triple_store

                try:
                    self._triples = open_triple_store(self.settings)
                except OSError as exc:
                    raise IndexBusy(
                        f"the triple store in {self.settings.triples_path} is open in another"
                        f" process ({exc.strerror or exc})"
                    ) from None
            return self._triples

    @property
    def rdf_indexer(self) -> Any:
        """The projection of the store into the triple store (change feed follower)."""
        if self._rdf_indexer is None:
            from registry.triples import RdfIndexer

            triples = self.triples
            self._rdf_indexer = RdfIndexer(
                self.store,
                triples,
                base_uri=self.settings.base,
                instance=getattr(triples, "instance", "default"),
            )
        return self._rdf_indexer

    def refresh_triples(self) -> int:
        """Project what the change feed has that the triple store lacks; 0 when another
        process holds the embedded triple store."""
        return self._project("triples", lambda: int(self.rdf_indexer.catch_up()))

    def _project(self, name: str, catch_up: Callable[[], int]) -> int:
        """Run one projection's catch-up. When its engine is held by another process or
        does not answer, the changes wait in the store (0 is returned, the failure logged):
        whoever follows the change feed indexes them once the engine is back."""
        import httpx

        from registry.errors import EngineUnavailable, IndexBusy

        try:
            applied = catch_up()
        except IndexBusy:
            return 0
        except (EngineUnavailable, httpx.TransportError, OSError) as exc:
            if name not in self._engines_down:  # once an outage, not once a poll
                self._engines_down.add(name)
                log.warning(
                    "the %s engine is unavailable; its changes wait in the store: %s", name, exc
                )
            return 0
        if name in self._engines_down:
            self._engines_down.discard(name)
            log.warning("the %s engine is back; %d waiting changes applied", name, applied)
        return applied

    def health(self) -> dict[str, Any]:
        """Each engine's state, and how far the projections are behind the store.

        ``status`` is "ok" when every engine answers, "degraded" when a projection's
        engine (search, triples) is down (the store keeps every change; it catches up when
        the engine is back) and "down" when the store itself is."""
        store = self.store.health()
        store_up = store.get("status") == "ok"
        search = self.search_backend.health()
        triples = self._triples_health(lag=store_up)  # the lags are read from the store
        if store_up and search.get("status") == "ok":
            search["lag"] = self.indexer.lag()
        engines = {"store": store, "search": search, "triples": triples}
        if store.get("status") != "ok":
            status = "down"
        elif all(e.get("status") == "ok" for e in engines.values()):
            status = "ok"
        else:
            status = "degraded"
        return {"status": status, "engines": engines}

    def _triples_health(self, *, lag: bool = True) -> dict[str, Any]:
        from registry.errors import IndexBusy

        name = "sparql" if self.settings.sparql_url else "oxigraph"
        try:
            triples = self.triples
            triples.query("ASK {}", timeout=5.0, limit=1)
        except IndexBusy as exc:
            return {"engine": name, "status": "busy", "error": exc.message}
        except Exception as exc:  # any failure: the engine is not usable
            return {"engine": name, "status": "down", "error": f"{type(exc).__name__}: {exc}"}
        report: dict[str, Any] = {"engine": name, "status": "ok"}
        if lag:
            report["lag"] = self.rdf_indexer.lag()
        return report

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # sources and harvesting --------------------------------------------------------

    def fetcher(self) -> Fetcher:
        """A fetcher on this registry's settings; all share one per-host pace."""
        s = self.settings
        return Fetcher(
            timeout=s.http_timeout,
            retries=s.http_retries,
            user_agent=s.user_agent,
            allow_private_networks=s.allow_private_networks,
            allow_file_urls=True,
            pacer=self.pacer,
            max_bytes=s.max_response_mb * 1024 * 1024,
        )

    def check_source_url(self, url: str, *, trusted: bool) -> None:
        """Refuse URLs that would reach private addresses or local files.

        ``trusted`` callers (the command line) may use ``file:`` URLs.
        """
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https", "file"):
            raise InvalidRequest(f"a feed URL is http, https or file, not {url!r}", parameter="url")
        check_url(
            url,
            allow_private_networks=self.settings.allow_private_networks,
            allow_file_urls=trusted or self.settings.allow_file_urls,
        )

    def add_source(
        self,
        name: str,
        kind: str,
        url: str,
        *,
        metadata_prefix: str | None = None,
        set_spec: str | None = None,
        options: dict[str, str] | None = None,
        title: str | None = None,
        schedule_hours: float | None = 24.0,
        trusted: bool = False,
        publisher: str | None = None,
    ) -> Source:
        """Register a feed (:class:`InvalidRequest` for an unknown kind or a bad field,
        :class:`UnsafeURL` for a URL that may not be fetched, :class:`Conflict` for a
        name in use). ``trusted`` callers (the command line) may use ``file:`` URLs."""
        if kind not in harvester_kinds():
            raise InvalidRequest(
                f"unknown source kind {kind!r}; known: {', '.join(harvester_kinds())}",
                parameter="kind",
            )
        self.check_source_url(url, trusted=trusted)
        source = Source.model_validate(
            {
                "name": name,
                "kind": kind,
                "url": url,
                "metadata_prefix": metadata_prefix,
                "set_spec": set_spec,
                "options": options or {},
                "title": title,
                "schedule_hours": schedule_hours,
                "publisher": publisher,
            }
        )
        return self.store.add_source(source)

    def harvest(
        self,
        name: str,
        *,
        full: bool = False,
        on_page: PageCallback | None = None,
        stop: threading.Event | None = None,
        index: bool = True,
    ) -> HarvestRun:
        """Harvest one source, then (with ``index``) bring the search index up to date
        when this process may write it; otherwise the process that holds the index does.

        One harvest of a source at a time: :class:`~registry.locks.HarvestRunning` when
        another process or thread is harvesting it.
        """
        self.store.get_source(name)  # NotFound before taking a lock for nothing
        with self._harvest_lock(name):
            source = self.store.get_source(name)
            with self.fetcher() as fetcher:
                run = run_harvest(
                    self.store,
                    source,
                    fetcher,
                    base_uri=self.settings.base,
                    full=full,
                    on_page=on_page,
                    stop=stop,
                )
        if index:
            self.refresh_index()
        return run

    @contextmanager
    def _harvest_lock(self, name: str) -> Iterator[None]:
        """One harvest of a source at a time: a lock file in the data directory (processes
        on this machine) and, when the store has one, the store's lock (every machine
        sharing it)."""
        with source_lock(self.settings.data_dir, name):
            store_lock = getattr(self.store, "harvest_lock", None)
            if store_lock is None:
                yield
                return
            with store_lock(name):
                yield

    def describe_source(self, name: str, *, limit: int = 100) -> dict[str, Any]:
        """The source as registered, and what its feed says about itself, asked now."""
        source = self.store.get_source(name)
        with self.fetcher() as fetcher:
            feed = get_harvester(source.kind)(source, fetcher).describe(limit=limit)
        return {"source": source.model_dump(mode="json", exclude={"http_cache"}), "feed": feed}

    def remove_source(self, name: str, *, keep_records: bool = False) -> int:
        """Unregister a source (not while it is being harvested); unless ``keep_records``,
        its records become tombstones. Returns how many records were withdrawn."""
        with self._harvest_lock(name):
            withdrawn = self.store.remove_source(name, withdraw_records=not keep_records)
        self.refresh_index()
        return withdrawn

    def scheduler(self, *, on_harvest: Callable[[HarvestRun], None] | None = None) -> Scheduler:
        """A scheduler of this registry's due harvests (not started); harvests write the
        store only, and the process holding the index follows the change feed."""
        return Scheduler(
            self.store.list_sources,
            lambda name, limit: self.store.list_runs(name, limit),
            lambda name, stop: self.harvest(name, stop=stop, index=False),
            workers=self.settings.harvest_workers,
            interval=self.settings.harvest_check_seconds,
            on_harvest=on_harvest,
            housekeeping=self.check_review_due,
        )

    def check_review_due(self) -> list[str]:
        """Tell publishers about their offers past the review date (once each); returns the
        ids of the offers past due."""
        from registry.offers import check_review_due

        return check_review_due(self.store)

    def refresh_index(self) -> int:
        """Index what the change feed has that the search index (and then the triple store)
        lacks; 0 when another process holds the index writer (it catches up by itself)."""
        indexed = self._project("search", self.indexer.catch_up)
        self.refresh_triples()
        return indexed

    # records -------------------------------------------------------------------------

    def record_uri(self, record_id: str) -> str:
        return f"{self.settings.base}/records/{record_id}"

    def get_record(self, record_id: str) -> StoredRecord:
        stored = self.store.get(record_id)
        if stored is None:
            raise NotFound(f"no record with id {record_id!r}", kind="record", key=record_id)
        return stored

    def live_record(self, record_id: str) -> Work | IPOffer:
        """A record that is not withdrawn: :class:`NotFound` or :class:`Withdrawn` otherwise."""
        record = self._live(record_id).record
        assert record is not None
        return record

    def _live(self, record_id: str) -> StoredRecord:
        """The stored record, when it is not withdrawn (read once, with its provenance)."""
        stored = self.get_record(record_id)
        if stored.deleted or stored.record is None:
            withdrawn = stored.updated.isoformat()
            raise Withdrawn(
                f"record {record_id!r} was withdrawn by its source ({withdrawn})",
                key=record_id,
                withdrawn=withdrawn,
            )
        return stored

    def record_triples(self, record_id: str) -> list[Any]:
        """A live record as RDF triples, with its provenance (when and by which harvest)."""
        from registry.rdf import record_triples

        stored = self._live(record_id)
        assert stored.record is not None
        return record_triples(
            stored.record, base_uri=self.settings.base, updated=stored.updated, run=stored.run
        )

    def record_rdf(self, record_id: str, media_type: str) -> bytes:
        """A live record in one RDF syntax (a media type or a name such as ``ttl``)."""
        from registry.rdf import serialize

        return serialize(self.record_triples(record_id), media_type)

    def record_json(self, record: Work | IPOffer) -> dict[str, Any]:
        data = record.model_dump(mode="json")
        data["uri"] = self.record_uri(record.id)
        data["licence"]["open"] = record.licence.open
        if isinstance(record, IPOffer):
            data["terms"]["royalty_free"] = record.terms.royalty_free
            data["current"] = record.is_current(datetime.now(UTC).date())
            data["review"] = self.offer_review(record.id)
        return data

    def offer_review(self, offer_id: str) -> dict[str, Any]:
        """Peer review of an offer: mean marks, open problem reports, uptake."""
        from registry.offers import offer_review

        return offer_review(self.store, offer_id)

    # search --------------------------------------------------------------------------

    def build_query(
        self,
        *,
        q: str | None = None,
        open: str | bool | None = None,
        licence: Sequence[str] | None = None,
        kind: str | None = None,
        source: Sequence[str] | None = None,
        language: Sequence[str] | None = None,
        challenge: Sequence[str] | None = None,
        reuse: Sequence[str] | None = None,
        commercial: str | bool | None = None,
        derivatives: str | bool | None = None,
        family: Sequence[str] | None = None,
        ip_type: Sequence[str] | None = None,
        licensing_mode: Sequence[str] | None = None,
        territory: Sequence[str] | None = None,
        patent: Sequence[str] | None = None,
        royalty_free: str | bool | None = None,
        trl: str | None = None,
        include_expired: str | bool | None = None,
        page_size: int | None = None,
        cursor: str | None = None,
    ) -> SearchQuery:
        """A validated :class:`SearchQuery` from user input; :class:`InvalidRequest` otherwise."""
        text = (q or "").strip()
        if len(text) > 1000:
            raise InvalidRequest("'q' is at most 1000 characters", parameter="q")
        size = 20 if page_size is None else page_size
        if not 1 <= size <= self.settings.max_page_size:
            raise InvalidRequest(
                f"'page_size' is between 1 and {self.settings.max_page_size}, not {size}",
                parameter="page_size",
            )
        if kind is not None and kind.strip():
            kind = kind.strip()
            if kind not in _KINDS:
                raise InvalidRequest(
                    f"'kind' is one of {', '.join(_KINDS)}, not {kind!r}", parameter="kind"
                )
        else:
            kind = None
        licences = []
        for value in _clean(licence):
            if value == "none":
                licences.append(value)
                continue
            match = normalise(value)
            if match.uri is None:
                if match.family:
                    raise InvalidRequest(
                        f"{value!r} names the family {match.family!r} but no version;"
                        f" filter with family={match.family!r} or name a version",
                        parameter="licence",
                    )
                raise InvalidRequest(f"unknown licence {value!r}", parameter="licence")
            licences.append(match.uri)
        challenges = _clean(challenge)
        unknown = [c for c in challenges if c not in CHALLENGES]
        if unknown:
            raise InvalidRequest(
                f"unknown challenge {unknown[0]!r}; known: {', '.join(CHALLENGES)}",
                parameter="challenge",
            )
        reuses = _clean(reuse)
        wrong = [r for r in reuses if r not in _REUSE]
        if wrong:
            raise InvalidRequest(
                f"'reuse' is one of {', '.join(_REUSE)}, not {wrong[0]!r}", parameter="reuse"
            )
        offer_filters = _offer_filters(ip_type, licensing_mode, territory, patent, trl)
        # A search that is nothing but a patent number, in any notation, is a patent search.
        if text and not offer_filters["patent"]:
            as_patent = _as_patent(text)
            if as_patent:
                offer_filters["patent"], text = as_patent, ""
        query = SearchQuery(
            q=text,
            royalty_free=parse_bool(royalty_free, parameter="royalty_free"),
            include_expired=bool(parse_bool(include_expired, parameter="include_expired")),
            **offer_filters,
            reuse=tuple(reuses),
            commercial=parse_bool(commercial, parameter="commercial"),
            derivatives=parse_bool(derivatives, parameter="derivatives"),
            family=tuple(_clean(family)),
            open=parse_bool(open, parameter="open"),
            licence=tuple(licences),
            kind=kind,
            source=tuple(_clean(source)),
            language=tuple(language_code(v) for v in _clean(language)),
            challenge=tuple(challenges),
            page_size=size,
        )
        if cursor:
            offset, after = self._decode_cursor(cursor, query)
            query = SearchQuery(**{**_fields(query), "offset": offset, "search_after": after})
        return query

    @staticmethod
    def _fingerprint(query: SearchQuery) -> str:
        blob = json.dumps(query.fingerprint(), sort_keys=True).encode()
        return hashlib.blake2b(blob, digest_size=6).hexdigest()

    def _encode_cursor(
        self, query: SearchQuery, offset: int, after: tuple[Any, ...] | None = None
    ) -> str:
        """A cursor: where the next page starts (its offset, and for engines that page by
        sort values, the last hit's), bound to the search it belongs to."""
        data: dict[str, Any] = {"o": offset, "f": self._fingerprint(query)}
        if after is not None:
            data["a"] = list(after)
        blob = json.dumps(data, separators=(",", ":"))
        return base64.urlsafe_b64encode(blob.encode()).decode().rstrip("=")

    def _decode_cursor(self, cursor: str, query: SearchQuery) -> tuple[int, tuple[Any, ...] | None]:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            offset = int(data["o"])
            fingerprint = str(data["f"])
            raw_after = data.get("a")
            if raw_after is not None and not (
                isinstance(raw_after, list)
                and all(isinstance(v, str | int | float) for v in raw_after)
            ):
                raise ValueError("bad search_after")
            after = tuple(raw_after) if raw_after is not None else None
        except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise InvalidRequest(
                "'cursor' is not a cursor this registry gave", parameter="cursor"
            ) from None
        if fingerprint != self._fingerprint(query):
            raise InvalidRequest(
                "'cursor' belongs to another search: keep q and the filters as they were",
                parameter="cursor",
            )
        # Engines that page by sort values page as deep as the results go; the others
        # skip `offset` hits, which has a ceiling.
        if offset < 0 or (after is None and offset > MAX_OFFSET):
            raise InvalidRequest("'cursor' is out of range", parameter="cursor")
        return offset, after

    def search(self, query: SearchQuery) -> SearchResult:
        return self.search_backend.search(query)

    def search_json(self, query: SearchQuery) -> dict[str, Any]:
        """The search API's answer (``GET /api/search`` and ``registry search --json``)."""
        result = self.search(query)
        results = []
        for hit in result.hits:
            item = dict(hit.summary)
            item["uri"] = self.record_uri(hit.id)
            item["score"] = round(hit.score, 4)
            if hit.highlights:
                item["highlights"] = hit.highlights
            results.append(item)
        next_offset = query.offset + len(result.hits)
        more = (
            next_offset < result.total
            and (result.next_after is not None or next_offset <= MAX_OFFSET)
            and bool(result.hits)
        )
        return {
            "total": result.total,
            "page_size": query.page_size,
            "results": results,
            "facets": {
                facet: [
                    {"value": v.value, "label": self.facet_label(facet, v.value), "count": v.count}
                    for v in result.facets.get(facet, [])
                ]
                for facet in FACETS
            },
            "next_cursor": (
                self._encode_cursor(query, next_offset, result.next_after) if more else None
            ),
        }

    def facet_label(self, facet: str, value: str) -> str:
        if facet == "licence":
            if value == "none":
                return "No licence"
            found = licence_by_uri(value)
            return found.labels.get("en", value) if found else value
        if facet == "challenge":
            return CHALLENGES.get(value, {}).get("en", value)
        if facet == "open":
            return "Open" if value == "true" else "Not open"
        if facet == "commercial":
            return "Commercial use allowed" if value == "true" else "No commercial use"
        if facet == "derivatives":
            return "Adaptations allowed" if value == "true" else "No adaptations"
        if facet == "reuse":
            return _REUSE_LABELS.get(value, value)
        if facet == "family" and value == "none":
            return "No licence"
        if facet == "kind":
            return _KIND_LABELS.get(value, value)
        if facet == "language":
            return _LANGUAGE_LABELS.get(value, value)
        if facet in ("ip_type", "licensing_mode"):
            from registry.offer_terms import IP_TYPES, LICENSING_MODES

            table = IP_TYPES if facet == "ip_type" else LICENSING_MODES
            return table[value][0] if value in table else value
        if facet == "royalty_free":
            return "Royalty-free" if value == "true" else "Royalty or fee"
        if facet == "trl":
            return f"TRL {value}"
        return value


def _as_patent(text: str) -> tuple[str, ...]:
    """The DOCDB form of a search that is one patent number, else nothing."""
    from registry.patents import PatentNumberError, parse_patent_number

    if not any(c.isdigit() for c in text) or len(text) > 40:
        return ()
    try:
        return (parse_patent_number(text).docdb,)
    except PatentNumberError:
        return ()


def _offer_filters(
    ip_type: Sequence[str] | None,
    licensing_mode: Sequence[str] | None,
    territory: Sequence[str] | None,
    patent: Sequence[str] | None,
    trl: str | None,
) -> dict[str, Any]:
    """The IP-offer filters of a search, checked against the vocabularies."""
    from registry.offer_terms import IP_TYPES, LICENSING_MODES
    from registry.patents import PatentNumberError, parse_patent_number

    out: dict[str, Any] = {}
    for name, values, known in (
        ("ip_type", _clean(ip_type), IP_TYPES),
        ("licensing_mode", _clean(licensing_mode), LICENSING_MODES),
    ):
        wrong = [v for v in values if v not in known]
        if wrong:
            raise InvalidRequest(
                f"unknown {name} {wrong[0]!r}; one of {', '.join(known)}", parameter=name
            )
        out[name] = tuple(values)
    out["territory"] = tuple(_clean(territory))
    numbers = []
    for value in _clean(patent):
        try:
            numbers.append(parse_patent_number(value).docdb)
        except PatentNumberError as exc:
            raise InvalidRequest(str(exc), parameter="patent") from None
    out["patent"] = tuple(numbers)
    out["trl_min"] = out["trl_max"] = None
    if trl is not None and trl.strip():
        low, _, high = trl.strip().partition("-")
        try:
            lo, hi = int(low), int(high or low)
        except ValueError:
            lo = hi = 0
        if not 1 <= lo <= hi <= 9:
            raise InvalidRequest(
                f"'trl' is a level 1-9 or a range such as 4-6, not {trl!r}", parameter="trl"
            )
        out["trl_min"], out["trl_max"] = lo, hi
    return out


#: The search parameters that may repeat (values OR-ed); the others are single.
MULTI_VALUED = frozenset(
    {
        "licence",
        "source",
        "language",
        "challenge",
        "reuse",
        "family",
        "ip_type",
        "licensing_mode",
        "territory",
        "patent",
    }
)
SINGLE_VALUED = frozenset(
    {
        "q",
        "open",
        "kind",
        "commercial",
        "derivatives",
        "royalty_free",
        "trl",
        "include_expired",
        "page_size",
        "cursor",
    }
)


class QueryParams(Protocol):
    """A multi-dict of URL query parameters (Starlette's ``QueryParams`` is one)."""

    def get(self, key: str, /) -> Any: ...
    def getlist(self, key: str, /) -> list[Any]: ...


def search_arguments(params: QueryParams) -> dict[str, Any]:
    """Keyword arguments of :meth:`Registry.build_query` from URL query parameters
    (the API and the web page read them the same way)."""
    arguments: dict[str, Any] = {name: params.getlist(name) for name in MULTI_VALUED}
    arguments.update({name: params.get(name) for name in SINGLE_VALUED})
    size = arguments["page_size"]
    if size is not None:
        try:
            arguments["page_size"] = int(size)
        except ValueError:
            raise InvalidRequest(
                f"'page_size' is a whole number, not {size!r}", parameter="page_size"
            ) from None
    return arguments


def _fields(query: SearchQuery) -> dict[str, Any]:
    return {name: getattr(query, name) for name in SearchQuery.__slots__}


def demo_sources() -> list[dict[str, Any]]:
    """The bundled demo feeds, as sources (real-format feeds shipped in the package)."""
    from registry.demo import demo_dir

    folder: Path = demo_dir()
    return [
        {
            "name": "demo-kennisbank",
            "kind": "oai-pmh",
            "url": (folder / "oai").resolve().as_uri(),
            "metadata_prefix": "oai_dc",
            "title": "Kennisbank Open Nederland (demo)",
        },
        {
            "name": "demo-provincie",
            "kind": "dcat",
            "url": (folder / "dcat" / "catalog.ttl").resolve().as_uri(),
            "title": "Open data Provincie Demo (demo)",
        },
        {
            "name": "demo-lectoraat",
            "kind": "rss",
            "url": (folder / "rss" / "feed.xml").resolve().as_uri(),
            "title": "Lectoraat Sociale Innovatie, publications (demo)",
        },
        {
            "name": "demo-offers",
            "kind": "offers",
            "url": (folder / "offers.json").resolve().as_uri(),
            "title": "Open-innovation offers (demo)",
        },
    ]
