"""CKAN's action API: every dataset (package) through ``package_search``, window by window.

``Source.url`` is the site's root (``https://data.overheid.nl/data``) or its action API
(``.../api/3/action``); both are accepted. Each request:

| parameter | value |
| --- | --- |
| ``q`` | ``*:*`` |
| ``fq`` | ``+metadata_modified:[T TO *]`` (the window; none on the first page of a full run) and ``+(...)`` of ``Source.options["fq"]`` (``organization:tu-delft``) |
| ``sort`` | ``metadata_modified asc, id asc`` |
| ``rows`` | ``Source.options["rows"]``, default 100 (sites cap it: ``ckan.search.rows_max``, 1000 by default) |
| ``start`` | 0, or the offset inside a run of packages that share one timestamp |
| ``include_deleted`` | ``true`` on incremental runs, so that deleted packages come as deletions (CKAN 2.9 and later, when the site keeps them in its index; ``Source.options["include_deleted"] = "false"`` for older sites, which refuse the parameter) |

Why windows and not offsets: ``start`` counts positions in a result that changes while it is
read. A package edited meanwhile moves to the end, shifting every later one a place
forward, so that offset paging skips one. Here each page starts a new window at the last
``metadata_modified`` seen (inclusive: the index keeps milliseconds, CKAN reports
microseconds without a zone), and the packages of that timestamp already yielded are
passed over. A package edited during the run is met again at the end, never missed;
``start`` is used only inside a run of equal timestamps, where nothing else can move.

A full run (no ``since``) that reads every page and yields at least as many packages as the
first page counted lists the whole site: :attr:`listed_all` is set, and packages that
vanished (deleted, made private) become tombstones. An empty listing never does (a
mistyped ``fq`` must not withdraw a whole source). An incremental run asks
``metadata_modified:[since TO *]``.

CKAN answers errors as ``{"success": false, "error": {"__type", "message"...}}`` with HTTP
400, 403, 404 or 409; they end the harvest as a :class:`~registry.errors.FeedError`. 429 and
5xx answers are retried by the fetcher (``Retry-After`` honoured).

Checkpoint: ``{"after", "seen", "start", "total", "listed"}``: the window's lower bound, the
ids of that timestamp already yielded, the offset in the window, the first page's count and
how many packages were yielded so far.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from harvesters.base import Harvester, Page, RawRecord, RecordError, snippet
from registry.errors import FeedError, FetchError

__all__ = ["FORMAT", "CKANHarvester", "ckan_urls", "parse_modified", "solr_time"]

#: The format of the records this harvester yields (the mapper's key).
FORMAT = "ckan"
#: Packages per request unless ``Source.options["rows"]`` says otherwise.
DEFAULT_ROWS = 100
#: The order that makes windows work: oldest change first, ties in a fixed order.
SORT = "metadata_modified asc, id asc"
#: HTTP statuses with which CKAN refuses a request (not worth retrying).
REFUSALS: dict[int, str] = {
    400: "a bad request",
    403: "not authorised",
    404: "no such action: is this a CKAN site (its root, or its /api/3/action)?",
    409: "a validation or search error",
}

_API = re.compile(r"^(?P<site>.*?)/api(?:/\d+)?(?:/action(?:/[A-Za-z_]+)?)?/?$")


def ckan_urls(url: str) -> tuple[str, str]:
    """The site's root and its action API root, from either of them."""
    base = url.strip().split("?", 1)[0].split("#", 1)[0].rstrip("/")
    match = _API.match(base)
    site = match.group("site") if match else base
    return site, f"{site}/api/3/action"


def parse_modified(value: Any) -> datetime | None:
    """A CKAN timestamp (``2024-03-01T10:20:30.123456``, UTC without a zone) as an aware
    UTC datetime; None when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def solr_time(moment: datetime) -> str:
    """A moment as Solr writes dates, to the millisecond the index keeps: fixed width, so
    that these strings sort as the moments do."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


@dataclass(slots=True)
class _Cursor:
    """Where a run stands (see the module docstring's checkpoint)."""

    after: str | None = None
    seen: list[str] = field(default_factory=list)
    start: int = 0
    total: int | None = None
    listed: int = 0

    @classmethod
    def from_checkpoint(cls, checkpoint: dict[str, Any] | None) -> _Cursor:
        if not checkpoint:
            return cls()
        total = checkpoint.get("total")
        return cls(
            after=str(checkpoint["after"]) if checkpoint.get("after") else None,
            seen=[str(i) for i in checkpoint.get("seen") or []],
            start=int(checkpoint.get("start") or 0),
            total=int(total) if total is not None else None,
            listed=int(checkpoint.get("listed") or 0),
        )


def _ckan_error(body: Any) -> str:
    """The message of a CKAN error answer."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "CKAN answered without success and without an error"
    kind = error.get("__type") or "error"
    message = error.get("message")
    if not message:
        message = "; ".join(
            f"{key}: {' '.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in error.items()
            if key != "__type"
        )
    return f"CKAN answered {kind}: {message}" if message else f"CKAN answered {kind}"


def _refusal_detail(body: Any) -> str | None:
    """CKAN's own message in the body of a refusal, when the fetcher kept the body
    (``FetchError.body``); None otherwise."""
    if not isinstance(body, bytes | str):
        return None
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    return _ckan_error(answer) if isinstance(answer, dict) and "error" in answer else None


class CKANHarvester(Harvester):
    """Harvests every dataset of a CKAN site (or those matching ``options["fq"]``)."""

    kind: ClassVar[str] = "ckan"

    @property
    def rows(self) -> int:
        try:
            return max(1, int(self.source.options.get("rows", DEFAULT_ROWS)))
        except ValueError:
            return DEFAULT_ROWS

    def pages(
        self, *, since: datetime | None = None, resume: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        site, api = ckan_urls(self.source.url)
        cursor = _Cursor.from_checkpoint(resume)
        full = since is None
        while True:
            window = self._window(cursor, since)
            result = self._search(api, self._params(window, cursor.start, full))
            count, packages = self._result(result, api)
            if full and cursor.total is None and window is None and cursor.start == 0:
                cursor.total = count
            page = Page()
            keys = self._read(packages, window, cursor, site, page, api)
            cursor.listed += len(page.records) + len(page.errors)
            done = not packages or cursor.start + len(packages) >= count
            if done:
                # an empty listing (a mistyped fq?) is not trusted to withdraw everything
                self.listed_all = (
                    full and bool(cursor.total) and cursor.listed >= (cursor.total or 0)
                )
            else:
                self._advance(cursor, window, packages, keys)
                page.checkpoint = asdict(cursor)
            yield page
            if done:
                return

    @staticmethod
    def _window(cursor: _Cursor, since: datetime | None) -> str | None:
        """The inclusive lower bound of the next request's ``metadata_modified``."""
        bounds = [b for b in (cursor.after, solr_time(since) if since else None) if b]
        return max(bounds) if bounds else None

    def _params(self, window: str | None, start: int, full: bool) -> dict[str, str]:
        filters = []
        if window is not None:
            filters.append(f"+metadata_modified:[{window} TO *]")
        extra = self.source.options.get("fq", "").strip()
        if extra:
            filters.append(f"+({extra})")
        params = {"q": "*:*", "sort": SORT, "rows": str(self.rows), "start": str(start)}
        if filters:
            params["fq"] = " ".join(filters)
        if not full and self.source.options.get("include_deleted", "true").lower() != "false":
            params["include_deleted"] = "true"
        return params

    def _search(self, api: str, params: dict[str, str]) -> dict[str, Any]:
        """The ``result`` of one ``package_search``; :class:`FeedError` for a refusal."""
        url = f"{api}/package_search"
        try:
            response = self.fetch(url, params=params)
        except FetchError as exc:
            if exc.status in REFUSALS:
                detail = _refusal_detail(getattr(exc, "body", None))
                raise FeedError(
                    f"CKAN refused package_search at {url} with HTTP {exc.status}: "
                    + (detail or REFUSALS[exc.status]),
                    url=url,
                ) from None
            raise
        assert response is not None  # only conditional requests answer None
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            raise FeedError(
                f"{url} did not answer JSON: is this a CKAN site (its root, or its /api/3/action)?",
                url=url,
            ) from None
        if not isinstance(body, dict) or body.get("success") is not True:
            raise FeedError(_ckan_error(body), url=url)
        result = body.get("result")
        if not isinstance(result, dict):
            raise FeedError("the package_search answer has no result", url=url)
        return result

    @staticmethod
    def _result(result: dict[str, Any], api: str) -> tuple[int, list[Any]]:
        count, packages = result.get("count"), result.get("results")
        if not isinstance(count, int) or not isinstance(packages, list):
            raise FeedError("the package_search result has no count or no list of results", url=api)
        return count, packages

    def _read(
        self,
        packages: list[Any],
        window: str | None,
        cursor: _Cursor,
        site: str,
        page: Page,
        api: str,
    ) -> list[str | None]:
        """Turn a page of packages into records (those of ``cursor.seen`` passed over);
        answers each package's window key. :class:`FeedError` when the site ignores the
        window or the order, which would make paging unsafe."""
        keys: list[str | None] = []
        seen = set(cursor.seen)
        previous = window
        for package in packages:
            identifier = package.get("id") if isinstance(package, dict) else None
            modified = parse_modified(package.get("metadata_modified")) if identifier else None
            key = solr_time(modified) if modified else None
            keys.append(key)
            if key is not None and previous is not None and key < previous:
                raise FeedError(
                    "the CKAN site ignores the metadata_modified filter or the sort order"
                    f" (a package of {key} after {previous}); it cannot be paged safely",
                    url=api,
                )
            previous = key or previous
            if not isinstance(identifier, str) or not identifier:
                name = package.get("name") if isinstance(package, dict) else None
                page.errors.append(
                    RecordError(
                        name if isinstance(name, str) else None,
                        "a package without an id",
                        snippet=snippet(json.dumps(package, ensure_ascii=False, default=str)),
                    )
                )
                continue
            if identifier in seen:
                continue
            assert isinstance(package, dict)
            deleted = package.get("state") == "deleted"
            page.records.append(
                RawRecord(
                    identifier=identifier,
                    datestamp=modified,
                    deleted=deleted,
                    format=FORMAT,
                    payload=None if deleted else {"site": site, "package": package},
                )
            )
        return keys

    @staticmethod
    def _advance(
        cursor: _Cursor, window: str | None, packages: list[Any], keys: list[str | None]
    ) -> None:
        """Move the cursor past this page: a new window at its last timestamp, or (inside
        a run of one timestamp) the next offset in the same window."""
        last = next((k for k in reversed(keys) if k is not None), None)
        ids = [p.get("id") if isinstance(p, dict) else None for p in packages]
        if last is None or last == window:
            cursor.start += len(packages)
            cursor.seen = list(dict.fromkeys([*cursor.seen, *(i for i in ids if i)]))
            return
        cursor.after = last
        cursor.start = 0
        cursor.seen = [i for i, k in zip(ids, keys, strict=True) if k == last and i]
