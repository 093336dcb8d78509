"""Safe XML parsing: no entity expansion, no DTD loading, no network.

Feeds are untrusted input: a document that declares entities (XXE, "billion laughs")
is parsed with its entities left unexpanded, and nothing is ever fetched. Invalid
characters are dropped and a damaged document is recovered where it is still readable.
"""

from __future__ import annotations

import re

from lxml import etree

from registry.errors import FeedError

__all__ = ["parse_xml"]

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


def _parser(*, recover: bool) -> etree.XMLParser:
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


def parse_xml(data: bytes, *, url: str | None = None) -> etree._Element:
    """The root element of ``data``; :class:`FeedError` when nothing readable is in it."""
    try:
        return etree.fromstring(data, parser=_parser(recover=False))
    except etree.XMLSyntaxError as first:
        cleaned = data if _is_wide(data) else _INVALID_REFS.sub(b"", _INVALID.sub(b"", data))
        try:
            root = etree.fromstring(cleaned, parser=_parser(recover=True))
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            raise FeedError(f"not readable XML: {first}", url=url) from None
        return root


def _is_wide(data: bytes) -> bool:
    """Whether ``data`` is UTF-16 or UTF-32 (a byte-order mark, or NUL in the first bytes)."""
    return data.startswith(_WIDE_BOMS) or b"\x00" in data[:4]
