"""XML from feeds is parsed with entities and network access off."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvesters.xml import parse_xml
from registry.errors import FeedError


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]><r>&x;</r>'
    ).encode()
    root = parse_xml(document)
    assert "TOP-SECRET" not in "".join(root.itertext())


def test_entity_expansion_bombs_do_not_expand() -> None:
    lol = "".join(
        f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" * 1}{("&l" + str(i - 1) + ";") * 9}">'
        for i in range(1, 10)
    )
    document = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{lol}]><r>&l9;</r>'.encode()
    root = parse_xml(document)
    assert len("".join(root.itertext())) < 100


def test_invalid_characters_are_recovered() -> None:
    root = parse_xml(b"<r><t>ok\x01 text &#x1;</t></r>")
    assert root.findtext("t") == "ok text "


def test_unreadable_documents_are_feed_errors() -> None:
    with pytest.raises(FeedError, match="not readable XML"):
        parse_xml(b"this is not xml at all", url="https://example.org/oai")
    with pytest.raises(FeedError):
        parse_xml(b"")
