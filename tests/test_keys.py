"""Publishers' API keys: shown once, stored hashed, verified in constant time, revocable;
the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import main
from registry.errors import InvalidRequest, Unauthorized
from registry.keys import create_key, verify_key
from registry.store import open_store


def test_create_verify_revoke(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.sqlite3")
    issued = create_key(store, "tu-zuidland", label="offers feed")
    assert issued.secret.startswith(f"reg_{issued.key.prefix}_")
    key = verify_key(store, issued.secret)
    assert (key.publisher, key.label) == ("tu-zuidland", "offers feed")
    assert store.find_key(key.prefix)[0].last_used is not None  # type: ignore[index]
    other = create_key(store, "tu-zuidland")
    assert other.key.prefix != issued.key.prefix
    assert store.revoke_key(issued.key.prefix)
    assert not store.revoke_key(issued.key.prefix)
    with pytest.raises(Unauthorized):
        verify_key(store, issued.secret)
    assert verify_key(store, other.secret).prefix == other.key.prefix
    store.close()


@pytest.mark.parametrize(
    "presented",
    [None, "", "reg_nope", "Bearer something", "reg_abcdefgh_" + "x" * 43],
)
def test_bad_keys_are_all_unauthorized(tmp_path: Path, presented: str | None) -> None:
    store = open_store(tmp_path / "r.sqlite3")
    create_key(store, "p")
    with pytest.raises(Unauthorized):
        verify_key(store, presented)
    store.close()


def test_a_wrong_secret_with_a_real_prefix_is_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.sqlite3")
    issued = create_key(store, "p")
    tampered = issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B")
    with pytest.raises(Unauthorized):
        verify_key(store, tampered)
    store.close()


def test_the_secret_is_never_stored(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.sqlite3")
    issued = create_key(store, "p")
    store.close()
    secret_part = issued.secret.rsplit("_", 1)[1]
    for path in tmp_path.iterdir():
        assert secret_part.encode() not in path.read_bytes()


def test_publisher_must_be_a_slug(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.sqlite3")
    with pytest.raises(InvalidRequest, match="publisher"):
        create_key(store, "Not A Slug")
    store.close()


def test_cli_keys(tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "data")]
    created = runner.invoke(main, [*data, "keys", "create", "tto", "--json"])
    assert created.exit_code == 0, created.output
    secret = json.loads(created.output)["key"]
    listed = runner.invoke(main, [*data, "keys", "list", "--json"])
    keys = json.loads(listed.output)
    assert [k["publisher"] for k in keys] == ["tto"]
    assert secret not in listed.output
    prefix = keys[0]["prefix"]
    plain = runner.invoke(main, [*data, "keys", "list"])
    assert prefix in plain.output and "active" in plain.output
    assert runner.invoke(main, [*data, "keys", "revoke", prefix]).exit_code == 0
    again = runner.invoke(main, [*data, "keys", "revoke", prefix])
    assert again.exit_code != 0
    assert "no active key" in again.output
    store = open_store(tmp_path / "data" / "registry.sqlite3")
    with pytest.raises(Unauthorized):
        verify_key(store, secret)
    store.close()


def test_audit_log(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.sqlite3")
    store.audit(
        action="offer.create", target="offers-1", publisher="p", key="abcd1234", detail={"n": 1}
    )
    store.audit(action="offer.delete", target="offers-1", publisher="q")
    entries = store.audit_log()
    assert [e.action for e in entries] == ["offer.delete", "offer.create"]
    assert store.audit_log(publisher="p")[0].detail == {"n": 1}
    store.close()
