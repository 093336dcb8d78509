"""Safe XML parsing: no entity expansion, no DTD loading, no network.

Feeds are untrusted input: a document that declares entities (XXE, "billion laughs")
is parsed with its entities left unexpanded, and nothing is ever fetched. Invalid
characters are dropped and a damaged document is recovered where it is still readable.

Three entry points, from strict to forgiving:

=========================  ==========================================================
``parse_strict(data)``     the document as it is; ``XMLSyntaxError`` when it is not
                           well-formed (the fast path of a harvester)
``strip_invalid(data)``    ``data`` without the characters XML 1.0 forbids (control
                           characters, U+FFFE/U+FFFF, references to them)
``parse_xml(data)``        strict, else cleaned and recovered as far as libxml2 can;
                           :class:`FeedError` when nothing readable is left
=========================  ==========================================================

Every parser made here has the same safety settings; use :func:`safe_parser` rather
than a parser of your own.
"""

from __future__ import annotations

import re

from lxml import etree

from registry.errors import FeedError

__all__ = ["parse_recovering", "parse_strict", "parse_xml", "safe_parser", "strip_invalid"]

# Characters XML 1.0 forbids, as UTF-8 bytes: C0 controls other than tab, newline and
# carriage return, and the non-characters U+FFFE and U+FFFF.
_INVALID = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
# Character references to forbidden characters: the same controls, surrogates, U+FFFE/F.
_INVALID_REFS = re.compile(
    rb"&#(?:x0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF])"
    rb"|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}"
    rb"|573[0-3][0-9]|5734[0-3]|6553[45]));"
)
# Byte-order marks of encodings with NUL bytes, which byte-level cleaning would damage.
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def safe_parser(*, recover: bool = False) -> etree.XMLParser:
    """A parser that expands no entity, loads no DTD, fetches nothing and refuses huge
    trees; comments and processing instructions are dropped.

    lxml parsers must not be shared between threads: make one per thread (cheap).
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def parse_strict(data: bytes, parser: etree.XMLParser | None = None) -> etree._Element:
    """The root element of a well-formed document; ``etree.XMLSyntaxError`` otherwise."""
    return etree.fromstring(data, parser=parser if parser is not None else safe_parser())


def strip_invalid(data: bytes) -> bytes:
    """``data`` without characters (and character references) XML 1.0 forbids; UTF-16
    and UTF-32 documents are returned as they are."""
    if _is_wide(data):
        return data
    return _INVALID_REFS.sub(b"", _INVALID.sub(b"", data))


def parse_recovering(data: bytes) -> etree._Element | None:
    """The root of ``data`` as libxml2's recover mode reads it, or ``None``."""
    try:
        return etree.fromstring(data, parser=safe_parser(recover=True))
    except etree.XMLSyntaxError:
        return None


def parse_xml(data: bytes, *, url: str | None = None) -> etree._Element:
    """The root element of ``data``; :class:`FeedError` when nothing readable is in it."""
    try:
        return parse_strict(data)
    except etree.XMLSyntaxError as first:
        root = parse_recovering(strip_invalid(data))
        if root is None:
            raise FeedError(f"not readable XML: {first}", url=url) from None
        return root


def _is_wide(data: bytes) -> bool:
    """Whether ``data`` is UTF-16 or UTF-32 (a byte-order mark, or NUL in the first bytes)."""
    return data.startswith(_WIDE_BOMS) or b"\x00" in data[:4]
