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

__all__ = [
    "WHITE_SPACE",
    "has_unicode_white_space",
    "has_white_space",
    "parse_recovering",
    "parse_strict",
    "parse_xml",
    "safe_parser",
    "strip_invalid",
]

#: Every character ``str.split()`` splits at but the plain space (Unicode's White_Space):
#: what collapsing white space (``" ".join(text.split())``) changes besides runs of spaces.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_WHITE_SPACE = tuple(c for c in WHITE_SPACE if c.isascii())
_UNICODE_WHITE_SPACE = tuple(c for c in WHITE_SPACE if not c.isascii())

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


def has_white_space(text: str) -> bool:
    """Whether ``text`` holds white space other than plain spaces.

    One fast scan per character of :data:`WHITE_SPACE` (an ASCII text needs only the
    ASCII ones): several times faster than ``str.isprintable`` on long texts, which looks
    each character up in Unicode's tables.
    """
    if text.isascii():
        return _holds(text, _ASCII_WHITE_SPACE)
    return _holds(text, _ASCII_WHITE_SPACE) or _holds(text, _UNICODE_WHITE_SPACE)


def has_unicode_white_space(text: str) -> bool:
    """Whether ``text`` holds white space outside ASCII (no-break spaces, em spaces, line
    separators...): what XML's white-space handling leaves and Python's collapses."""
    return not text.isascii() and _holds(text, _UNICODE_WHITE_SPACE)


def _holds(text: str, characters: tuple[str, ...]) -> bool:
    for character in characters:  # noqa: SIM110 - a loop stops at the first; any() costs more
        if character in text:
            return True
    return False


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
