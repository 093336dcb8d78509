"""A search engine reached over TLS (as an Elasticsearch 8 with security on is): the
registry checks the engine's certificate against the CA it is given, refuses one it cannot
check, and can be told not to check. OpenSearch in CI has no TLS of its own, so a TLS relay
with a certificate made for the test stands in front of it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from registry.errors import EngineUnavailable
from registry.search import SearchQuery, detect_engine, open_search_backend
from registry.search.elastic import OpenSearchBackend
from registry.settings import Settings
from tests.conftest import TcpRelay, engine_url


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (it makes the test's certificate)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "engine.pem", folder / "engine.key"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_url(certificate: tuple[Path, Path]) -> Iterator[str]:
    target = urlsplit(engine_url("opensearch"))
    relay = TcpRelay(target.hostname or "127.0.0.1", target.port or 9200, tls=certificate)
    try:
        yield f"https://127.0.0.1:{relay.port}"
    finally:
        relay.close()


def test_the_engines_certificate_is_checked_against_the_ca_given(
    tls_url: str, certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, _ = certificate
    assert detect_engine(tls_url, verify=str(cert)) == "opensearch"
    settings = Settings(
        data_dir=tmp_path,
        search_url=tls_url,
        search_ca_certs=cert,
        search_index=f"tls-{tmp_path.name[-8:].lower().replace('_', '-')}",
    )
    backend = open_search_backend(settings)
    try:
        assert backend.name == "opensearch"
        assert backend.health()["status"] == "ok"
        assert backend.search(SearchQuery()).total == 0
    finally:
        backend.delete_all_indices()  # type: ignore[attr-defined]
        backend.close()


def test_a_certificate_that_cannot_be_checked_is_refused(tls_url: str) -> None:
    backend = OpenSearchBackend(tls_url, alias="tls-refused", timeout=5)
    try:
        with pytest.raises(EngineUnavailable):
            backend.search(SearchQuery())
        assert backend.health()["status"] == "down"
    finally:
        backend.close()
    with pytest.raises(EngineUnavailable):
        detect_engine(tls_url)


def test_checking_can_be_turned_off(tls_url: str) -> None:
    backend = OpenSearchBackend(tls_url, alias="tls-unchecked", verify_certs=False, timeout=5)
    try:
        assert backend.health()["status"] == "ok"
    finally:
        backend.delete_all_indices()
        backend.close()
