"""Fetching feeds: timeouts, retries with backoff, Retry-After, and no private addresses.

:class:`Fetcher` is the one way harvesters make requests. Its transport can be
injected (tests use :class:`httpx.MockTransport`), and ``file:`` URLs are served from
disk by :class:`FileTransport` so that local dumps and the bundled demo feeds go through
the same code path as HTTP.
"""

from __future__ import annotations

import contextlib
import email.utils
import io
import ipaddress
import random
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import IO, Self
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import httpx

from registry.errors import FetchError, UnsafeURL

__all__ = ["FetchResponse", "Fetcher", "FileTransport", "HostPacer", "check_url"]

_MAX_REDIRECTS = 5
_MAX_RETRY_AFTER = 300.0
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
#: Request headers not passed on when a redirect leaves the origin.
_CREDENTIALS = frozenset({"authorization", "cookie", "proxy-authorization"})


#: Bodies up to this size stay in memory; larger ones are spooled to a temporary file.
_SPOOL_IN_MEMORY = 8 * 1024 * 1024
_CHUNK = 64 * 1024


class FetchResponse:
    """A response whose body was read in full (into memory, or a temporary file when large).

    :attr:`content` gives the body as bytes; :meth:`open` gives it as a file to parse
    incrementally, so that a large feed never has to be held in memory at once.
    """

    __slots__ = ("_body", "_content", "headers", "status", "url")

    def __init__(
        self,
        url: str,
        status: int,
        headers: dict[str, str],
        content: bytes | None = None,
        *,
        body: IO[bytes] | None = None,
    ) -> None:
        self.url = url
        self.status = status
        self.headers = headers
        self._content = content
        self._body = body

    @property
    def content(self) -> bytes:
        if self._content is None:
            body = self.open()
            self._content = body.read()
        return self._content

    def open(self) -> IO[bytes]:
        """The body as a binary file positioned at its start."""
        if self._body is None:
            return io.BytesIO(self._content or b"")
        self._body.seek(0)
        return self._body

    @property
    def not_modified(self) -> bool:
        """A 304 answer to a conditional request: the resource did not change."""
        return self.status == 304

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FetchResponse):
            return NotImplemented
        return (self.url, self.status, self.headers, self.content) == (
            other.url,
            other.status,
            other.headers,
            other.content,
        )

    def __repr__(self) -> str:
        return f"FetchResponse(url={self.url!r}, status={self.status})"


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, IPv4-compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (int(ip) >> 32 == 0 and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _address_is_private(address: str) -> bool:
    """Whether an address is anything but a public unicast one."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and _address_is_private(str(embedded)):
            return True
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global  # shared address space (100.64.0.0/10) and the like
    )


def check_url(url: str, *, allow_private_networks: bool, allow_file_urls: bool) -> str | None:
    """Refuse URLs the registry must not fetch (raises :class:`UnsafeURL`).

    Returns the address the name resolved to and was checked for, so the caller connects
    to that very address (a second lookup could answer otherwise: DNS rebinding); ``None``
    when there is nothing to pin (a file, private networks allowed, a name that does not
    resolve).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL: {url!r} ({exc})", url=url) from None
    scheme = parts.scheme.lower()
    if scheme == "file":
        if not allow_file_urls:
            raise UnsafeURL(f"file: URLs are not allowed here: {url}", url=url)
        return None
    if scheme not in ("http", "https"):
        raise UnsafeURL(f"only http and https URLs can be fetched, not {url!r}", url=url)
    host = parts.hostname
    if not host:
        raise UnsafeURL(f"the URL has no host: {url!r}", url=url)
    if allow_private_networks:
        return None
    try:
        infos = socket.getaddrinfo(
            host, port or (443 if scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError):
        # A name that does not resolve reaches nothing; fetching it fails on its own.
        return None
    for info in infos:
        address = str(info[4][0])
        if _address_is_private(address):
            raise UnsafeURL(
                f"{url} resolves to {address}, a private, loopback or link-local address"
                " (set REGISTRY_ALLOW_PRIVATE_NETWORKS=1 to allow it)",
                url=url,
            )
    return str(infos[0][4][0]).split("%")[0] if infos else None


class FileTransport(httpx.BaseTransport):
    """Serves ``file:`` URLs: a file, or a folder holding a recorded OAI-PMH page set.

    For a folder, a request with ``resumptionToken=T`` is answered by ``T.xml`` and any
    other by ``{verb}.xml``. Names that are not plain file names answer 404.
    """

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host not in ("", "localhost"):
            return httpx.Response(404, request=request)
        raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        path = Path(url2pathname(raw_path))  # decodes %-escapes, once
        if path.is_dir():
            token = request.url.params.get("resumptionToken")
            stem = token if token else request.url.params.get("verb", "")
            page = path / f"{stem}.xml"
            if not _plain_file_name(stem) or page.parent != path:
                return httpx.Response(404, request=request)
            path = page
        try:
            content = path.read_bytes()
        except OSError:  # missing, a folder, unreadable
            return httpx.Response(404, request=request)
        return httpx.Response(200, content=content, request=request)


def _plain_file_name(name: str) -> bool:
    """A name that stays inside its folder: no separators, no ``..``, nothing hidden."""
    return bool(name) and not (name.startswith(".") or any(c in name for c in ("/", "\\", "\x00")))


class HostPacer:
    """A per-host request rate shared by every fetcher (and thread) that holds it.

    Each request to a host takes the next free slot, ``1 / rate`` seconds after the one
    before; so harvests of several sources on one host together stay within the rate,
    while hosts do not wait for each other.
    """

    def __init__(
        self,
        rate_per_host: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_host <= 0:
            raise ValueError("rate_per_host must be positive")
        self.interval = 1.0 / rate_per_host
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> float:
        """Wait for the host's next slot; returns the seconds waited."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self.interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay


class Fetcher:
    """GET with timeouts, retries (exponential backoff with jitter, ``Retry-After``),
    a per-host pace, and an address check before every request and redirect."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        user_agent: str = "open-registry/0.1",
        allow_private_networks: bool = False,
        allow_file_urls: bool = False,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rate_per_host: float | None = None,
        pacer: HostPacer | None = None,
        backoff: float = 1.0,
        max_bytes: int = 1024 * 1024 * 1024,
    ) -> None:
        self.retries = retries
        self.max_bytes = max_bytes
        self.allow_private_networks = allow_private_networks
        self.allow_file_urls = allow_file_urls
        self.sleep = sleep
        self.backoff = backoff
        if pacer is None and rate_per_host:
            pacer = HostPacer(rate_per_host, sleep=sleep)
        self.pacer = pacer
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": user_agent},
            follow_redirects=False,
            transport=transport,
        )
        self._files = FileTransport()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pace(self, url: str) -> None:
        if self.pacer is not None:
            self.pacer.wait(url)

    def _once(
        self, url: str, params: dict[str, str] | None, headers: dict[str, str] | None
    ) -> httpx.Response:
        """One request, without following redirects. ``response.request.url`` is ``url``
        (with ``params``) even when the connection was pinned to the checked address."""
        address = check_url(
            url,
            allow_private_networks=self.allow_private_networks,
            allow_file_urls=self.allow_file_urls,
        )
        if urlsplit(url).scheme.lower() == "file":
            request = httpx.Request("GET", httpx.URL(url, params=params or None))
            return self._files.handle_request(request)
        self._pace(url)
        request = self._client.build_request("GET", url, params=params, headers=headers)
        logical = request.url
        if address is not None and address != logical.host:
            # Connect to the address that was checked, not to a fresh lookup's answer;
            # the name still goes in Host and in TLS (SNI and certificate check).
            request.headers["Host"] = logical.netloc.decode("ascii")
            request.url = logical.copy_with(host=address)
            if logical.scheme == "https":
                request.extensions["sni_hostname"] = logical.host
        response = self._client.send(request, stream=True)
        response.request.url = logical
        return response

    def _read_body(self, response: httpx.Response, url: str) -> IO[bytes]:
        """The body of a streamed response, spooled to a temporary file past a few MB;
        :class:`FetchError` when it exceeds :attr:`max_bytes`."""
        body = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115 - returned
        size = 0
        try:
            for chunk in response.iter_bytes(_CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(
                        f"{url} sent more than {self.max_bytes} bytes, the most the registry reads",
                        url=url,
                    )
                body.write(chunk)
        except BaseException:
            body.close()
            raise
        finally:
            response.close()
        body.seek(0)
        return body

    def _retry_after(self, response: httpx.Response | None, attempt: int) -> float:
        """Seconds to wait before the next attempt: ``Retry-After`` or a jittered backoff."""
        delay: float = self.backoff * (2**attempt) * (0.5 + random.random())  # noqa: S311 - jitter
        value = response.headers.get("retry-after", "").strip() if response is not None else ""
        if value:
            try:
                delay = float(value)
            except ValueError:
                # an HTTP date; an unreadable one keeps the backoff
                with contextlib.suppress(TypeError, ValueError, IndexError):
                    when = email.utils.parsedate_to_datetime(value)
                    if when.tzinfo is None:
                        when = when.replace(tzinfo=UTC)
                    delay = when.timestamp() - time.time()
        if delay != delay:  # NaN
            delay = 0.0
        return max(0.0, min(delay, _MAX_RETRY_AFTER))

    def _follow(
        self, url: str, params: dict[str, str] | None, headers: dict[str, str] | None
    ) -> httpx.Response:
        """One request and its redirects, each target checked before it is requested."""
        response = self._once(url, params, headers)
        for _ in range(_MAX_REDIRECTS):
            location = response.headers.get("location")
            if response.status_code not in _REDIRECT_STATUS or not location:
                return response
            response.close()
            previous = str(response.request.url)
            target = urljoin(previous, location.strip())
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                raise UnsafeURL(f"{previous} redirects to {target!r}, not http(s)", url=target)
            if headers and _origin(target) != _origin(previous):
                headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIALS}
            response = self._once(target, None, headers)
        if response.status_code in _REDIRECT_STATUS and response.headers.get("location"):
            raise FetchError(
                f"more than {_MAX_REDIRECTS} redirects from {url}",
                url=url,
                status=response.status_code,
            )
        return response

    def get(
        self, url: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> FetchResponse:
        """The response to a GET; raises :class:`FetchError` when it cannot be had.

        Connection errors, timeouts, 429 and 5xx are retried; other 4xx fail at once.
        :class:`UnsafeURL` when the URL, or a redirect target, may not be fetched.
        """
        attempt = 0
        while True:
            response: httpx.Response | None = None
            try:
                response = self._follow(url, params, headers)
            except httpx.TransportError as exc:  # connection errors and timeouts
                if attempt >= self.retries:
                    raise FetchError(
                        f"cannot fetch {url} after {attempt + 1} attempt(s): {_describe(exc)}",
                        url=url,
                    ) from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:  # not worth retrying
                raise FetchError(f"cannot fetch {url}: {_describe(exc)}", url=url) from None
            else:
                status = response.status_code
                if status < 400:
                    try:
                        body = self._read_body(response, url)
                    except httpx.TransportError as exc:
                        if attempt >= self.retries:
                            raise FetchError(
                                f"cannot read {url} after {attempt + 1} attempt(s): {_describe(exc)}",
                                url=url,
                            ) from None
                    else:
                        return FetchResponse(
                            url=str(response.request.url),
                            status=status,
                            headers={k.lower(): v for k, v in response.headers.items()},
                            body=body,
                        )
                    self.sleep(self._retry_after(None, attempt))
                    attempt += 1
                    continue
                if status not in _RETRY_STATUS or attempt >= self.retries:
                    tried = f" after {attempt + 1} attempts" if attempt else ""
                    raise FetchError(
                        f"{response.request.url} answered HTTP {status}{tried}",
                        url=url,
                        status=status,
                        body=_error_body(response),
                    )
                response.close()
            self.sleep(self._retry_after(response, attempt))
            attempt += 1


#: How much of an error answer's body is kept with the error.
_ERROR_BODY_BYTES = 64 * 1024


def _error_body(response: httpx.Response) -> bytes | None:
    """The start of an error answer's body; ``None`` when it cannot be read."""
    try:
        body = b""
        for chunk in response.iter_bytes(_CHUNK):
            body += chunk
            if len(body) >= _ERROR_BODY_BYTES:
                break
        return body[:_ERROR_BODY_BYTES]
    except (httpx.HTTPError, httpx.StreamError):
        return None
    finally:
        response.close()


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
