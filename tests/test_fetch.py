"""The fetcher: retries, Retry-After, redirects, private addresses, file: URLs."""

from __future__ import annotations

import httpx
import pytest

from harvesters.fetch import Fetcher, check_url
from registry.demo import demo_dir
from registry.errors import FetchError, UnsafeURL


def fetcher(handler, **options: object) -> tuple[Fetcher, list[float]]:  # type: ignore[no-untyped-def]
    sleeps: list[float] = []
    opts: dict[str, object] = {"retries": 3, "sleep": sleeps.append, "backoff": 0.01}
    opts.update(options)
    return Fetcher(transport=httpx.MockTransport(handler), **opts), sleeps  # type: ignore[arg-type]


def test_retries_5xx_and_429_then_succeeds() -> None:
    answers = iter([503, 429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        headers = {"Retry-After": "7"} if status == 429 else {}
        return httpx.Response(status, content=b"ok", headers=headers)

    client, sleeps = fetcher(handler)
    response = client.get("https://93.184.216.34/oai")
    assert response.status == 200 and response.content == b"ok"
    assert len(sleeps) == 2
    assert sleeps[1] == 7.0  # Retry-After honoured


def test_retry_after_as_http_date_is_capped() -> None:
    answers = iter([503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            next(answers), headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}
        )

    client, sleeps = fetcher(handler)
    client.get("https://93.184.216.34/")
    assert sleeps == [300.0]


def test_gives_up_after_the_retries() -> None:
    client, sleeps = fetcher(lambda r: httpx.Response(502))
    with pytest.raises(FetchError) as caught:
        client.get("https://93.184.216.34/")
    assert caught.value.status == 502
    assert len(sleeps) == 3
    backoffs = sleeps
    assert backoffs[2] > backoffs[0]  # exponential


def test_connection_errors_are_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ConnectError("refused")
        return httpx.Response(200)

    client, _ = fetcher(handler)
    assert client.get("https://93.184.216.34/").status == 200
    assert len(calls) == 3


def test_client_errors_are_not_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(404)

    client, _ = fetcher(handler)
    with pytest.raises(FetchError, match="404"):
        client.get("https://93.184.216.34/")
    assert len(calls) == 1


def test_a_redirect_to_a_private_address_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data"})

    client, _ = fetcher(handler)
    with pytest.raises(UnsafeURL, match=r"169\.254\.169\.254"):
        client.get("https://93.184.216.34/feed")


def test_redirects_are_followed_a_few_times() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/final":
            return httpx.Response(200, content=b"here")
        return httpx.Response(301, headers={"Location": "/final"})

    client, _ = fetcher(handler)
    response = client.get("https://93.184.216.34/start")
    assert response.content == b"here"
    assert response.url.endswith("/final")
    looping, _ = fetcher(lambda r: httpx.Response(302, headers={"Location": "/again"}))
    with pytest.raises(FetchError, match="redirects"):
        looping.get("https://93.184.216.34/again")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/oai",
        "http://localhost/oai",
        "http://10.1.2.3/oai",
        "http://192.168.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/",
        "http://0.0.0.0/",
    ],
)
def test_private_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_url(url, allow_private_networks=False, allow_file_urls=False)
    check_url(url, allow_private_networks=True, allow_file_urls=False)


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "gopher://example.org/", "file:///etc/passwd"]
)
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURL):
        check_url(url, allow_private_networks=True, allow_file_urls=False)


def test_file_urls_serve_a_recorded_page_set() -> None:
    folder = (demo_dir() / "oai").resolve().as_uri()
    with Fetcher(allow_file_urls=True) as client:
        first = client.get(folder, params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
        assert b"<ListRecords>" in first.content
        second = client.get(folder, params={"verb": "ListRecords", "resumptionToken": "page-2"})
        assert b"page-3" in second.content
        for token in ("../offers", "..", "/etc/passwd", "missing"):
            with pytest.raises(FetchError, match="404"):
                client.get(folder, params={"verb": "ListRecords", "resumptionToken": token})
    with Fetcher(allow_file_urls=False) as client, pytest.raises(UnsafeURL):
        client.get(folder)
