"""A harvest killed with SIGKILL mid-run resumes where it stopped, with nothing lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from registry.demo import demo_dir
from registry.store.sqlite import SQLiteStore

OAI_DIR = demo_dir() / "oai"


class _Repository:
    """An OAI-PMH repository on loopback serving the demo pages; it can stall one page."""

    def __init__(self) -> None:
        self.stall = threading.Event()
        self.stalled = threading.Event()
        self.release = threading.Event()
        repository = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                token = query.get("resumptionToken", [None])[0]
                name = f"{token}.xml" if token else f"{query.get('verb', [''])[0]}.xml"
                if token == "page-3" and repository.stall.is_set():
                    repository.stalled.set()
                    repository.release.wait(60)
                path = OAI_DIR / name
                body = path.read_bytes() if path.is_file() else b""
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oai"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def repository() -> Iterator[_Repository]:
    repo = _Repository()
    yield repo
    repo.close()


def _wait_for_records(data_dir: Path, count: int, timeout: float = 60.0) -> bool:
    """Whether the store holds ``count`` records within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        store = SQLiteStore(data_dir / "registry.sqlite3")
        try:
            if store.count() >= count:
                return True
        finally:
            store.close()
        time.sleep(0.05)
    return False


def _registry(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "registry", "--data-dir", str(data_dir), *args]


def test_sigkill_mid_harvest_then_resume(tmp_path: Path, repository: _Repository) -> None:
    env = {**os.environ, "REGISTRY_ALLOW_PRIVATE_NETWORKS": "1"}
    data_dir = tmp_path / "data"
    subprocess.run(
        _registry(data_dir, "sources", "add", "repo", "--kind", "oai-pmh", "--url", repository.url),
        check=True,
        env=env,
        capture_output=True,
        timeout=120,
    )
    repository.stall.set()
    victim = subprocess.Popen(
        _registry(data_dir, "harvest", "repo", "--json"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert repository.stalled.wait(60), "the harvest never asked for the third page"
        # the harvester asks for page 3 ahead, while page 2 is still being written
        assert _wait_for_records(data_dir, 24), "page 2 was never written"
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
    finally:
        if victim.poll() is None:
            victim.kill()
    repository.stall.clear()
    repository.release.set()

    store = SQLiteStore(data_dir / "registry.sqlite3")
    try:
        assert store.count() == 24  # two pages, each written whole
        (run,) = store.list_runs("repo")
        assert run.status == "running"
        assert run.checkpoint is not None
        assert run.checkpoint["resumptionToken"] == "page-3"
    finally:
        store.close()

    done = subprocess.run(
        _registry(data_dir, "harvest", "repo", "--json"),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["run"] == run.id
    assert summary["status"] == "succeeded"
    assert summary["added"] == 35
    store = SQLiteStore(data_dir / "registry.sqlite3")
    try:
        assert store.count() == 35
    finally:
        store.close()
    found = subprocess.run(
        _registry(data_dir, "search", "--json", "--page-size", "100"),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(found.stdout)["total"] == 35
