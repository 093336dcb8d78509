"""XML from feeds is parsed with entities, DTDs and network access off."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from lxml import etree

from harvesters.xml import parse_xml
from registry.errors import FeedError

ERASMUS = Path(__file__).parent / "fixtures" / "oai-pmh" / "pyoai-erasmus"
OAI = "{http://www.openarchives.org/OAI/2.0/}"


def _nobody_connected(sock: socket.socket) -> bool:
    try:
        connection, _ = sock.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]><r>&x;</r>'
    ).encode()
    root = parse_xml(document)
    assert root.tag == "r"
    assert b"TOP-SECRET" not in etree.tostring(root)
    assert "TOP-SECRET" not in "".join(str(t) for t in root.itertext())


def test_parameter_entities_and_external_dtds_are_not_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY leak "TOP-SECRET"><!ATTLIST r injected CDATA "from-the-dtd">')
    document = (
        f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "{dtd.as_uri()}" ['
        f'<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;]><r>&leak;</r>'
    ).encode()
    root = parse_xml(document)
    assert root.get("injected") is None  # the DTD's default attribute was never read
    assert b"TOP-SECRET" not in etree.tostring(root)


def test_nothing_is_fetched_over_the_network(listener: tuple[str, socket.socket]) -> None:
    base, sock = listener
    document = (
        f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "{base}/schema.dtd" ['
        f'<!ENTITY remote SYSTEM "{base}/entity">]>'
        f'<r xmlns:xi="http://www.w3.org/2001/XInclude">&remote;<xi:include href="{base}/x"/></r>'
    ).encode()
    root = parse_xml(document)
    assert root.tag == "r"
    assert _nobody_connected(sock)


def test_entity_expansion_bombs_do_not_expand() -> None:
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    document = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{levels}]><r>&l9;</r>'
    ).encode()
    root = parse_xml(document)  # a billion "lol"s, were it expanded
    assert root.tag == "r"
    assert b"lol" not in etree.tostring(root)
    assert len("".join(str(t) for t in root.itertext())) < 10


def test_quadratic_blowup_does_not_expand() -> None:
    big = "x" * 10_000
    document = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{big}">]><r>{"&a;" * 1000}</r>'
    ).encode()
    root = parse_xml(document)
    assert len(etree.tostring(root)) < 10_000


def test_a_well_formed_document_is_read_as_is() -> None:
    root = parse_xml(
        b'<?xml version="1.0" encoding="ISO-8859-1"?>'
        b'<r xml:lang="nl"><t a="1">caf\xe9</t>  <t>two</t></r>'
    )
    assert [t.text for t in root.findall("t")] == ["café", "two"]
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "nl"
    assert root[0].tail == "  "  # whitespace is kept


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (b"<r><t>ok\x01 text\x1f</t></r>", "ok text"),  # raw control characters
        (b"<r><t>ok&#x1; text&#31;</t></r>", "ok text"),  # references to them
        (b"<r><t>ok\xef\xbf\xbf text&#xFFFE;</t></r>", "ok text"),  # non-characters
        (b"<r><t>ok&#xD800; text</t></r>", "ok text"),  # a surrogate
        (b"<r><t>ok&#55296; text&#57343;</t></r>", "ok text"),  # surrogates, in decimal
    ],
)
def test_forbidden_characters_are_dropped(document: bytes, expected: str) -> None:
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(document)  # not well-formed as it stands
    assert parse_xml(document).findtext("t") == expected


def test_allowed_characters_survive_the_cleaning() -> None:
    # the document needs recovering (an unclosed element), so it goes through the cleaning
    root = parse_xml("<r><t>tab\there&#x9;&#10;é€\U0001f600</t><u></r>".encode())
    assert root.findtext("t") == "tab\there\t\né€\U0001f600"


def test_utf16_documents_are_not_damaged_by_the_cleaning() -> None:
    document = '<?xml version="1.0" encoding="UTF-16"?><r><t>café\x01</t></r>'.encode("utf-16")
    assert parse_xml(document).findtext("t") == "café"


def test_a_real_feed_with_an_undefined_entity_is_recovered() -> None:
    # a DSpace Identify answer with a stray "&bogus;" (pyoai's test data)
    data = (ERASMUS / "Identify_undefined_entity.xml").read_bytes()
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(data, etree.XMLParser(resolve_entities=False))
    root = parse_xml(data)
    identify = root.find(f"{OAI}Identify")
    assert identify is not None
    assert identify.findtext(f"{OAI}repositoryName") == "DSpace at Erasmus"
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"


def test_unreadable_documents_are_feed_errors() -> None:
    with pytest.raises(FeedError, match="not readable XML") as caught:
        parse_xml(b"this is not xml at all", url="https://example.org/oai")
    assert caught.value.url == "https://example.org/oai"
    with pytest.raises(FeedError):
        parse_xml(b"")
    with pytest.raises(FeedError):
        parse_xml(b"\x00\x01\x02")
