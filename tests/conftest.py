"""Shared test helpers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from registry.models import Attribution, IPOffer, LicenceRef, Work, record_id

#: The steering repository's shared fixtures, beside the checkout (present in CI).
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

CC_BY = LicenceRef(
    uri="https://creativecommons.org/licenses/by/4.0/",
    label="CC BY 4.0",
    family="CC BY",
    version="4.0",
    spdx="CC-BY-4.0",
    reuse_class="open",
    commercial=True,
    derivatives=True,
    requires_attribution=True,
    confidence=1.0,
    raw="https://creativecommons.org/licenses/by/4.0/",
)
CC_BY_NC = LicenceRef(
    uri="https://creativecommons.org/licenses/by-nc/4.0/",
    label="CC BY-NC 4.0",
    family="CC BY-NC",
    version="4.0",
    reuse_class="restricted",
    commercial=False,
    derivatives=True,
    requires_attribution=True,
    confidence=1.0,
)


def make_work(identifier: str, source: str = "src", **fields: Any) -> Work:
    data: dict[str, Any] = {
        "id": record_id(source, identifier),
        "source": source,
        "source_identifier": identifier,
        "title": f"Work {identifier}",
        "licence": CC_BY,
        "attribution": Attribution(text=f"Work {identifier}", html=f"<i>Work {identifier}</i>"),
        "modified": datetime(2024, 1, 1, tzinfo=UTC),
    }
    data.update(fields)
    return Work(**data)


def make_offer(identifier: str, source: str = "offers", **fields: Any) -> IPOffer:
    data: dict[str, Any] = {
        "id": record_id(source, identifier),
        "source": source,
        "source_identifier": identifier,
        "title": f"Offer {identifier}",
        "offeror": {"name": "TU Example"},
        "contact": {"email": "tto@example.org"},
        "challenges": ["climate-change"],
        "assets": [{"type": "patent", "patents": ["EP 1 000 000 A1"]}],
        "terms": {"licensing_mode": "non-exclusive-licence", "summary": "A licence on request."},
    }
    data.update(fields)
    return IPOffer(**data)


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    from registry.settings import Settings

    return Settings(data_dir=tmp_path / "data", base_uri="http://registry.test")


@contextmanager
def loopback_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering with ``handler``; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def listener() -> Iterator[tuple[str, socket.socket]]:
    """A loopback port that tells whether anything connected to it (for tests that prove
    nothing was fetched: external entities, refused redirects)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.setblocking(False)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", sock
    finally:
        sock.close()


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """The registry's ASGI app served by uvicorn on a free 127.0.0.1 port (for clients that
    need real HTTP: harvesters, sickle, SPARQL clients); yields its base URL."""
    import time

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def demo_registry(data_dir: Path, base_uri: str = "http://registry.test", **settings: Any) -> Any:
    """A registry in ``data_dir`` (on the engines ``settings`` name, else the embedded
    ones) with the bundled demo feeds registered and harvested (through the same path as
    any source); the caller closes it."""
    from registry.core import Registry, demo_sources
    from registry.settings import Settings

    registry = Registry(Settings(data_dir=data_dir, base_uri=base_uri, **settings))
    for spec in demo_sources():
        registry.add_source(**spec, trusted=True)
        registry.harvest(spec["name"])
    return registry


#: The distributed engines the shared contract suites also run against, each named by an
#: environment variable (``.ci/run`` starts the engines and sets them).
ENGINES = {
    "postgres": (
        "REGISTRY_TEST_DATABASE_URL",
        "postgresql://postgres@127.0.0.1:5432/postgres of a PostgreSQL server",
    ),
    "opensearch": ("REGISTRY_TEST_SEARCH_URL", "http://127.0.0.1:9200 of an OpenSearch 2 node"),
    "sparql": (
        "REGISTRY_TEST_SPARQL_URL",
        "http://127.0.0.1:3030/ds of a Fuseki started with --mem --update /ds",
    ),
}


def engine_url(engine: str) -> str:
    """The URL of a distributed engine to test against; skips the test, saying how to run
    it, when none is configured, and fails instead when ``REGISTRY_TEST_REQUIRE_ENGINES=1``
    (CI sets it: there, a missing engine is a broken build, not a skip)."""
    import os

    variable, example = ENGINES[engine]
    url = os.environ.get(variable, "").strip()
    if url:
        return url
    message = f"no {engine} engine: set {variable} (e.g. {example}); .ci/run starts one"
    if os.environ.get("REGISTRY_TEST_REQUIRE_ENGINES") == "1":
        pytest.fail(message)
    pytest.skip(message)


class TcpRelay:
    """A loopback TCP relay in front of an engine, which can be cut and restored: an engine
    that goes down and comes back, without touching the engine itself (others use it)."""

    def __init__(
        self, target_host: str, target_port: int, *, tls: tuple[Path, Path] | None = None
    ) -> None:
        """``tls``: a certificate and its key; clients then speak TLS to the relay, which
        speaks plain TCP to the engine (a TLS front of an engine that has none)."""
        self.target = (target_host, target_port)
        self.up = True
        self._tls = None
        if tls is not None:
            import ssl

            self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._tls.load_cert_chain(*map(str, tls))
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            if self._tls is not None:
                try:
                    client.settimeout(5)
                    client = self._tls.wrap_socket(client, server_side=True)
                    client.settimeout(None)
                except OSError:  # a client that refused our certificate
                    client.close()
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        self.up = False
        with self._lock:
            for sock in self._open:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self._server.close()
