"""The fetcher: retries, Retry-After, redirects, private addresses, file: URLs."""

from __future__ import annotations

import contextlib
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from harvesters.fetch import Fetcher, FetchResponse, check_url
from registry.errors import FetchError, UnsafeURL
from tests.conftest import loopback_server

FIXTURES = Path(__file__).parent / "fixtures" / "oai-pmh"
PUBLIC = "https://93.184.216.34"  # a public address literal: no DNS needed

Handler = Callable[[httpx.Request], httpx.Response]


def fetcher(handler: Handler, **options: Any) -> tuple[Fetcher, list[float]]:
    """A Fetcher on a mock transport whose sleeps are recorded instead of slept."""
    sleeps: list[float] = []
    opts: dict[str, Any] = {"retries": 3, "sleep": sleeps.append, "backoff": 0.01}
    opts.update(options)
    return Fetcher(transport=httpx.MockTransport(handler), **opts), sleeps


# --- retries -------------------------------------------------------------------------


def test_retries_5xx_and_429_then_succeeds() -> None:
    answers = iter([503, 429, 200])
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = next(answers)
        headers = {"Retry-After": "7"} if status == 429 else {"X-Feed": "yes"}
        return httpx.Response(status, content=b"ok", headers=headers)

    client, sleeps = fetcher(handler, user_agent="test-agent/1")
    response = client.get(f"{PUBLIC}/oai", params={"verb": "Identify"})
    assert response == FetchResponse(
        url=f"{PUBLIC}/oai?verb=Identify",
        status=200,
        headers={"x-feed": "yes", "content-length": "2"},
        content=b"ok",
    )
    assert len(seen) == 3
    assert all(r.url.params["verb"] == "Identify" for r in seen)  # retries keep the query
    assert seen[0].headers["user-agent"] == "test-agent/1"
    assert len(sleeps) == 2
    assert sleeps[1] == 7.0  # Retry-After honoured


def test_backoff_is_exponential_with_jitter() -> None:
    client, sleeps = fetcher(lambda r: httpx.Response(502), backoff=1.0)
    with pytest.raises(FetchError) as caught:
        client.get(f"{PUBLIC}/")
    assert caught.value.status == 502
    assert caught.value.url == f"{PUBLIC}/"
    assert "4 attempts" in caught.value.message
    assert len(sleeps) == 3  # three retries after the first attempt
    for attempt, delay in enumerate(sleeps):
        assert 0.5 * 2**attempt <= delay <= 1.5 * 2**attempt


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("Wed, 21 Oct 2099 07:28:00 GMT", 300.0),  # a date far ahead: capped
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date gone by: at once
        ("100000", 300.0),  # seconds: capped
        ("-5", 0.0),
        ("2.5", 2.5),
    ],
)
def test_retry_after_seconds_and_http_dates(retry_after: str, expected: float) -> None:
    answers = iter([503, 200])
    client, sleeps = fetcher(
        lambda r: httpx.Response(next(answers), headers={"Retry-After": retry_after})
    )
    assert client.get(f"{PUBLIC}/").status == 200
    assert sleeps == [expected]


def test_retry_after_as_a_near_http_date() -> None:
    answers = iter([429, 200])
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    client, sleeps = fetcher(lambda r: httpx.Response(next(answers), headers={"Retry-After": when}))
    client.get(f"{PUBLIC}/")
    assert 55.0 <= sleeps[0] <= 60.0


def test_an_unreadable_retry_after_falls_back_to_the_backoff() -> None:
    answers = iter([503, 200])
    client, sleeps = fetcher(
        lambda r: httpx.Response(next(answers), headers={"Retry-After": "soon-ish"}), backoff=2.0
    )
    client.get(f"{PUBLIC}/")
    assert 1.0 <= sleeps[0] <= 3.0


def test_connection_errors_are_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ConnectError("refused")
        return httpx.Response(200)

    client, sleeps = fetcher(handler)
    assert client.get(f"{PUBLIC}/").status == 200
    assert len(calls) == 3
    assert len(sleeps) == 2


def test_timeouts_are_retried_then_reported() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadTimeout("the feed is slow")

    client, sleeps = fetcher(handler, retries=2)
    with pytest.raises(FetchError, match="ReadTimeout") as caught:
        client.get(f"{PUBLIC}/slow")
    assert caught.value.status is None
    assert caught.value.url == f"{PUBLIC}/slow"
    assert len(calls) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_client_errors_are_not_retried(status: int) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(status)

    client, sleeps = fetcher(handler)
    with pytest.raises(FetchError, match=str(status)) as caught:
        client.get(f"{PUBLIC}/")
    assert caught.value.status == status
    assert len(calls) == 1
    assert sleeps == []


def test_retries_zero_means_one_attempt() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    client, sleeps = fetcher(handler, retries=0)
    with pytest.raises(FetchError):
        client.get(f"{PUBLIC}/")
    assert (len(calls), sleeps) == (1, [])


def test_a_broken_body_is_a_fetch_error_without_retries() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, content=b"not gzip", headers={"Content-Encoding": "gzip"})

    client, _ = fetcher(handler)
    with pytest.raises(FetchError, match="DecodingError"):
        client.get(f"{PUBLIC}/")
    assert len(calls) == 1


def test_requests_to_one_host_are_paced() -> None:
    client, sleeps = fetcher(lambda r: httpx.Response(200), rate_per_host=0.5)
    client.get(f"{PUBLIC}/a")
    assert sleeps == []  # the first request waits for nothing
    client.get(f"{PUBLIC}/b")
    assert len(sleeps) == 1 and 1.5 < sleeps[0] <= 2.0
    client.get("https://93.184.216.35/a")  # another host has its own pace
    assert len(sleeps) == 1


# --- redirects -----------------------------------------------------------------------


def test_a_redirect_to_a_private_address_is_refused() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data"})

    client, _ = fetcher(handler)
    with pytest.raises(UnsafeURL, match=r"169\.254\.169\.254") as caught:
        client.get(f"{PUBLIC}/feed")
    assert caught.value.url == "http://169.254.169.254/latest/meta-data"
    assert seen == [f"{PUBLIC}/feed"]  # the target was never requested


def test_a_redirect_to_a_file_url_is_refused_even_when_file_urls_are_allowed(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    client, _ = fetcher(
        lambda r: httpx.Response(302, headers={"Location": secret.as_uri()}),
        allow_file_urls=True,
    )
    with pytest.raises(UnsafeURL, match="not http"):
        client.get(f"{PUBLIC}/feed")


def test_redirects_are_followed_at_most_five_times() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/final":
            return httpx.Response(200, content=b"here")
        hop = int(request.url.path.rsplit("/", 1)[-1])
        target = "/final" if hop == 5 else f"/hop/{hop + 1}"
        return httpx.Response(301, headers={"Location": target})

    client, _ = fetcher(handler)
    response = client.get(f"{PUBLIC}/hop/1")  # five redirects: allowed
    assert response.content == b"here"
    assert response.url == f"{PUBLIC}/final"
    with pytest.raises(FetchError, match="more than 5 redirects"):
        client.get(f"{PUBLIC}/hop/0")  # six redirects: refused


def test_credentials_are_not_passed_to_another_origin() -> None:
    seen: dict[str, httpx.Headers] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.host + request.url.path] = request.headers
        if request.url.path == "/start":
            return httpx.Response(302, headers={"Location": "/same"})
        if request.url.path == "/same":
            return httpx.Response(302, headers={"Location": "https://93.184.216.35/other"})
        return httpx.Response(200)

    client, _ = fetcher(handler)
    client.get(f"{PUBLIC}/start", headers={"Authorization": "Bearer t", "Accept": "text/xml"})
    assert seen["93.184.216.34/same"]["authorization"] == "Bearer t"
    assert "authorization" not in seen["93.184.216.35/other"]
    assert seen["93.184.216.35/other"]["accept"] == "text/xml"


# --- the address check ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/oai",
        "http://localhost/oai",
        "http://10.1.2.3/oai",
        "http://172.16.5.4/",
        "http://192.168.0.1/",
        "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "http://[::ffff:10.0.0.1]:8080/",
        "http://[2002:7f00:1::1]/",  # 6to4 around 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 around 169.254.169.254
        "http://169.254.169.254/",
        "http://0.0.0.0/",
    ],
)
def test_private_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(UnsafeURL) as caught:
        check_url(url, allow_private_networks=False, allow_file_urls=False)
    assert caught.value.url == url
    check_url(url, allow_private_networks=True, allow_file_urls=False)


@pytest.mark.parametrize("url", ["http://93.184.216.34/oai", "https://[2606:4700::1111]/"])
def test_public_addresses_pass(url: str) -> None:
    check_url(url, allow_private_networks=False, allow_file_urls=False)


def test_host_names_are_resolved_and_every_address_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = {
        "public.example": ["93.184.216.34"],
        "rebind.example": ["93.184.216.34", "10.0.0.7"],  # one private answer is enough
    }

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    check_url("https://public.example/oai", allow_private_networks=False, allow_file_urls=False)
    with pytest.raises(UnsafeURL, match=r"10\.0\.0\.7"):
        check_url("https://rebind.example/oai", allow_private_networks=False, allow_file_urls=False)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/x",
        "gopher://example.org/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http:///no-host",
        "http://example.org:99999/",  # not a port
        "http://[::1/",  # not an address
    ],
)
def test_other_schemes_and_broken_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_url(url, allow_private_networks=True, allow_file_urls=False)


def test_the_fetcher_checks_before_it_requests() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    client, _ = fetcher(handler)
    with pytest.raises(UnsafeURL):
        client.get("http://127.0.0.1/admin")
    with pytest.raises(UnsafeURL):
        client.get("ftp://93.184.216.34/")
    assert seen == []


# --- a real HTTP server on the loopback interface ------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    hits: list[tuple[str, str]]
    flaky_left: list[int]

    def do_GET(self) -> None:
        self.hits.append((self.path, self.headers.get("User-Agent", "")))
        if self.path.startswith("/redirect"):
            self._answer(302, b"", {"Location": "/feed.xml?from=redirect"})
        elif self.path.startswith("/flaky") and self.flaky_left:
            self.flaky_left.pop()
            self._answer(503, b"busy", {"Retry-After": "0"})
        elif self.path.startswith("/slow"):
            time.sleep(1.0)
            self._answer(200, b"late", {})
        elif self.path.startswith("/missing"):
            self._answer(404, b"no", {})
        else:
            self._answer(200, b"<feed/>", {"Content-Type": "application/xml"})

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        with contextlib.suppress(ConnectionError):  # a client that timed out has gone
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Handler", (_Recorder,), {"hits": [], "flaky_left": [1]})
    with loopback_server(handler) as base:
        yield base, handler


def test_a_real_server_redirects_and_retries(server: tuple[str, type[_Recorder]]) -> None:
    base, handler = server
    with Fetcher(allow_private_networks=True, user_agent="probe/2", sleep=lambda s: None) as f:
        response = f.get(f"{base}/redirect")
        assert response.status == 200
        assert response.content == b"<feed/>"
        assert response.url == f"{base}/feed.xml?from=redirect"
        assert response.headers["content-type"] == "application/xml"
        assert f.get(f"{base}/flaky").content == b"<feed/>"
        with pytest.raises(FetchError) as caught:
            f.get(f"{base}/missing")
        assert caught.value.status == 404
    assert [path for path, _ in handler.hits] == [
        "/redirect",
        "/feed.xml?from=redirect",
        "/flaky",
        "/flaky",
        "/missing",
    ]
    assert {agent for _, agent in handler.hits} == {"probe/2"}


def test_a_real_server_on_loopback_is_refused_by_default(
    server: tuple[str, type[_Recorder]],
) -> None:
    base, handler = server
    with Fetcher() as f, pytest.raises(UnsafeURL, match=r"127\.0\.0\.1"):
        f.get(f"{base}/feed.xml")
    assert handler.hits == []


def test_a_real_read_timeout(server: tuple[str, type[_Recorder]]) -> None:
    base, handler = server
    sleeps: list[float] = []
    with Fetcher(allow_private_networks=True, timeout=0.2, retries=1, sleep=sleeps.append) as f:
        started = time.monotonic()
        with pytest.raises(FetchError, match="Timeout"):
            f.get(f"{base}/slow")
        assert time.monotonic() - started < 1.5  # neither attempt waited for the answer
    assert [path for path, _ in handler.hits] == ["/slow", "/slow"]
    assert len(sleeps) == 1


# --- file: URLs ----------------------------------------------------------------------


@pytest.fixture
def page_set(tmp_path: Path) -> Path:
    """A recorded OAI-PMH page set, with a secret file beside (not inside) the folder."""
    folder = tmp_path / "recorded set"
    folder.mkdir()
    shutil.copy(FIXTURES / "sickle" / "Identify.xml", folder / "Identify.xml")
    shutil.copy(FIXTURES / "sickle" / "ListRecords.xml", folder / "ListRecords.xml")
    shutil.copy(FIXTURES / "sickle" / "ListRecords2.xml", folder / "token-2.xml")
    (folder / ".hidden.xml").write_text("hidden")
    (tmp_path / "secret.xml").write_text("TOP-SECRET")
    return folder


def test_file_urls_serve_a_recorded_page_set(page_set: Path) -> None:
    folder = page_set.as_uri()
    assert "%20" in folder  # the space in the folder name is percent-encoded
    with Fetcher(allow_file_urls=True) as client:
        identify = client.get(folder, params={"verb": "Identify"})
        assert identify.content == (page_set / "Identify.xml").read_bytes()
        assert identify.status == 200
        first = client.get(folder, params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
        assert first.content == (page_set / "ListRecords.xml").read_bytes()
        second = client.get(folder, params={"verb": "ListRecords", "resumptionToken": "token-2"})
        assert second.content == (page_set / "token-2.xml").read_bytes()
        single = client.get((page_set / "Identify.xml").as_uri())
        assert single.content == identify.content


@pytest.mark.parametrize(
    "token",
    ["../secret", "..", "../recorded set/Identify", "/etc/passwd", "sub/x", "x\\y", ".hidden"],
)
def test_page_set_tokens_cannot_leave_the_folder(page_set: Path, token: str) -> None:
    with Fetcher(allow_file_urls=True) as client, pytest.raises(FetchError) as caught:
        client.get(page_set.as_uri(), params={"verb": "ListRecords", "resumptionToken": token})
    assert caught.value.status == 404


@pytest.mark.parametrize(
    "params",
    [
        {"verb": "ListRecords", "resumptionToken": "no-such-token"},
        {"verb": "GetRecord"},  # no GetRecord.xml recorded
        {"verb": "../secret"},
        {},  # no verb at all
    ],
)
def test_missing_pages_answer_404(page_set: Path, params: dict[str, str]) -> None:
    with Fetcher(allow_file_urls=True) as client, pytest.raises(FetchError) as caught:
        client.get(page_set.as_uri(), params=params)
    assert caught.value.status == 404


def test_file_urls_need_permission(page_set: Path) -> None:
    with Fetcher(allow_file_urls=False) as client, pytest.raises(UnsafeURL, match="file:"):
        client.get(page_set.as_uri(), params={"verb": "Identify"})


def test_file_urls_on_another_host_are_not_served(page_set: Path) -> None:
    url = "file://fileserver" + page_set.as_uri().removeprefix("file://")
    with Fetcher(allow_file_urls=True) as client, pytest.raises(FetchError) as caught:
        client.get(url, params={"verb": "Identify"})
    assert caught.value.status == 404


# --- DNS rebinding ---------------------------------------------------------------------


def test_the_connection_goes_to_the_address_that_was_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A name that resolves to a public address when checked and to a private one when
    connecting (DNS rebinding) still reaches only the checked address."""
    import socket

    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr("harvesters.fetch.socket.getaddrinfo", resolve)
    seen: list[tuple[str, str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(
            (str(request.url), request.headers["host"], request.extensions.get("sni_hostname"))
        )
        return httpx.Response(200, content=b"ok")

    client, _ = fetcher(handler)
    response = client.get("https://feed.example:8443/oai", params={"verb": "Identify"})
    assert response.url == "https://feed.example:8443/oai?verb=Identify"
    # connected to the checked address (no second lookup), the name kept for Host and TLS
    assert seen == [
        ("https://93.184.216.34:8443/oai?verb=Identify", "feed.example:8443", "feed.example")
    ]
    assert next(answers) == "127.0.0.1"  # the rebinding answer was never asked for
