"""RSS 2.0, RSS 1.0 and Atom feeds, read item by item in constant memory.

How a feed document is read:

1. Its body streams through a decoder to UTF-8 (byte-order mark, else the XML declaration,
   else UTF-8); bytes that do not decode become U+FFFD instead of ending the parse.
2. A scanner cuts the stream into items (``item``, ``entry``) and a *skeleton*: everything
   outside the items, that is the channel and its metadata. It never builds a tree of the
   whole document, and drops document type declarations, comments and processing
   instructions, so no entity a feed declares (XXE, "billion laughs") reaches a parser.
3. Each item is parsed on its own with a safe lxml parser (no entities, no DTD, no network),
   in the namespaces in scope where it stands. Faults in characters are repaired: invalid
   characters and character references are dropped, HTML entities (``&nbsp;``) become the
   characters they name, undeclared ones are dropped and a stray ``&`` is escaped. An item
   whose *structure* is broken (a tag never closed, an item cut short) becomes a
   :class:`~harvesters.base.RecordError` with its text, and the next item is read.
4. Items go out in pages of :attr:`FeedHarvester.page_size`; each record carries the
   channel's metadata as known when its page is written (normally all of it: channels state
   it before their items).

Where licence statements are found, in the order they count (item, else Atom
``source``, else channel; the mapper passes the channel's only when the item has none):

| element | namespace | value |
| --- | --- | --- |
| ``cc:license`` | ``http://web.resource.org/cc/``, ``http://creativecommons.org/ns#`` | ``rdf:resource``, else text |
| ``creativeCommons:license`` | Userland's and Harvard's Creative Commons RSS module | text |
| ``link rel="license"`` | Atom (also inside RSS) | ``href`` |
| ``dcterms:license`` | ``http://purl.org/dc/terms/`` | ``rdf:resource``, else text |
| ``media:license`` | Media RSS | ``href``, and text |
| ``dc:rights``, ``dcterms:rights`` | Dublin Core | ``rdf:resource``, else text |
| ``rights`` | Atom | text |
| ``copyright`` (RSS 2.0), ``media:copyright`` | | text |

Identifier: Atom ``id``, RSS ``guid``, RSS 1.0 ``rdf:about``, else the link, else a digest
of the title, date and description. Datestamp: Atom ``updated``, else ``published``; RSS
``dcterms:modified`` or ``atom:updated``, else ``pubDate`` or ``dc:date`` (RFC 822 and RFC
3339 dates, read tolerantly).

Paging (RFC 5005): a feed's ``link rel="next"`` (paged feeds) or ``rel="prev-archive"``
(archived feeds) is followed, with loop detection, up to ``Source.options["max_pages"]``
documents (default 100). An incremental run follows it only while every dated item of a
document is newer than ``since``; older ones lie further back. A feed that declares itself
complete (``fh:complete``) and is read whole on a full run lists every item it has: only
then is :attr:`~harvesters.base.Harvester.listed_all` set. Otherwise a feed shows its latest
items only, and no item is tombstoned for being absent.

Items older than ``since`` are not skipped: RSS dates are publication dates and Atom's
``updated`` changes only for "significant" edits, so an edited item may carry an old date;
the document is fetched anyway (conditionally: a 304 costs nothing) and the store leaves
unchanged records alone.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import html.entities
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_tz
from typing import IO, Any, ClassVar, NamedTuple
from urllib.parse import urljoin

from lxml import etree

from harvesters.base import Harvester, Page, RawRecord, RecordError, snippet
from harvesters.xml import safe_parser, strip_invalid
from registry.errors import FeedError

__all__ = ["FORMAT", "FeedHarvester", "parse_date"]

#: The format of the records this harvester yields (the mapper's key).
FORMAT = "rss"

ATOM = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
RSS1 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
MEDIA = "http://search.yahoo.com/mrss/"
FH = "http://purl.org/syndication/history/1.0"
CC_REL = ("http://web.resource.org/cc/", "http://creativecommons.org/ns#")
CC_RSS = (
    "http://backend.userland.com/creativeCommonsRssModule",
    "http://cyber.law.harvard.edu/rss/creativeCommonsRssModule.html",
)
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"
XML_BASE = f"{{{XML_NS}}}base"
RDF_ABOUT = f"{{{RDF}}}about"
RDF_RESOURCE = f"{{{RDF}}}resource"

#: The root element of each kind of feed (namespace, local name) and its items.
ROOTS: dict[tuple[str, str], str] = {
    ("", "rss"): "rss",
    (RDF, "RDF"): "rdf",
    (ATOM, "feed"): "atom",
    (ATOM03, "feed"): "atom",
}
ITEMS: dict[str, frozenset[tuple[str, str]]] = {
    "rss": frozenset({("", "item")}),
    "rdf": frozenset({(RSS1, "item"), (RSS090, "item")}),
    "atom": frozenset({(ATOM, "entry"), (ATOM03, "entry")}),
}
#: RFC 5005 links to the next document of a feed, in the order they are looked for.
PAGING_RELATIONS = ("next", "prev-archive")

_CHUNK = 64 * 1024
#: An item larger than this is reported, not parsed (its start is kept for the report).
MAX_ITEM_BYTES = 8 * 1024 * 1024


# --- dates ----------------------------------------------------------------------------------

#: Zone names that RFC 822 does not define but feeds use; RFC 822's own are known already.
_ZONES: dict[str, str] = {
    "CET": "+0100",
    "CEST": "+0200",
    "MEZ": "+0100",
    "MESZ": "+0200",
    "WET": "+0000",
    "WEST": "+0100",
    "BST": "+0100",
    "EET": "+0200",
    "EEST": "+0300",
    "JST": "+0900",
    "AEST": "+1000",
    "Z": "+0000",
}
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?(?:[T ].*)?$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")


def parse_date(value: str | None) -> datetime | None:
    """A feed date as an aware UTC datetime: RFC 3339 / W3C-DTF (``2005-11-20T01:11:49Z``,
    ``2005-11``) or RFC 822 (``Mon, 16 Dec 2002 12:48:41 GMT``, also with two-digit years,
    long month names or common zone names); None when it cannot be read."""
    text = " ".join((value or "").split())
    if not text:
        return None
    try:
        if _ISO_DATE.match(text):
            return _iso_date(text)
        return _rfc822_date(text)
    except (ValueError, OverflowError):
        return None


def _iso_date(text: str) -> datetime | None:
    text = text.upper()
    if len(text) == 4:
        text += "-01-01"
    elif len(text) == 7:
        text += "-01"
    return _utc(datetime.fromisoformat(text))


def _rfc822_date(text: str) -> datetime | None:
    words = text.replace(",", " ").split()
    if words and words[-1].upper() in _ZONES:
        words[-1] = _ZONES[words[-1].upper()]
    # month names are read by their first three letters ("Sept", "June")
    words = [w[:3] if _WORD.fullmatch(w) and len(w) > 3 else w for w in words]
    parsed = parsedate_tz(" ".join(words))
    if parsed is None:
        return None
    offset = parsed[9] or 0
    moment = datetime(*parsed[:6], tzinfo=timezone(timedelta(seconds=offset)))
    return _utc(moment)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- decoding -------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


def _encoding(head: bytes) -> str:
    """The encoding of a document from its first bytes (RFC 7303 / XML 1.0 appendix F)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if head[:2] == b"\x00<":
        return "utf-16-be"
    if head[:2] == b"<\x00":
        return "utf-16-le"
    declared = _DECLARED.match(head)
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            info = codecs.lookup(name)
        except LookupError:
            return "utf-8"
        # a declaration of UTF-16 in a document without NUL bytes is wrong: it is 8-bit
        return "utf-8" if info.name.startswith(("utf-16", "utf-32")) else info.name
    return "utf-8"


def _utf8(stream: IO[bytes]) -> Iterator[bytes]:
    """The document as UTF-8, chunk by chunk; undecodable bytes become U+FFFD."""
    head = stream.read(_CHUNK)
    decoder = codecs.getincrementaldecoder(_encoding(head[:1024]))("replace")
    chunk = head
    while chunk:
        yield decoder.decode(chunk).encode("utf-8")
        chunk = stream.read(_CHUNK)
    yield decoder.decode(b"", final=True).encode("utf-8")


# --- scanning -------------------------------------------------------------------------------


class _Token(NamedTuple):
    kind: str
    """``text``, ``cdata``, ``start``, ``end`` or ``other`` (comment, PI, declaration)."""
    raw: bytes
    name: bytes = b""
    empty: bool = False
    """A start tag that closes itself (``<x/>``)."""


_START_TAG = re.compile(
    rb"<([^\s/>\"'<=]+)((?:\s+[^\s/>\"'<=]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*(/?)>"
)
_BROKEN_START = re.compile(rb"<([^\s/>\"'<=]+)")
_ATTRIBUTE = re.compile(rb"([^\s=]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_NAME_START = re.compile(rb"<[A-Za-z_:\x80-\xff]")


class _Tokenizer:
    """Splits a UTF-8 byte stream into markup tokens, keeping each token's exact bytes.

    Tolerant: a ``<`` that starts no markup is text; a start tag that is not well-formed
    keeps its name (so an item that starts badly is still found) and is flagged by the
    item's own parse later.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""
        self._pos = 0
        self._eof = False

    def _more(self) -> bool:
        """Read the next chunk (dropping what was consumed); False at the end of input."""
        while not self._eof:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._eof = True
                break
            if chunk:
                self._buf = self._buf[self._pos :] + chunk
                self._pos = 0
                return True
        return False

    def _find(self, needle: bytes, offset: int) -> int:
        """The offset (from the current position) of ``needle`` at or after ``offset``,
        reading on as needed; -1 when the input ends first."""
        while True:
            found = self._buf.find(needle, self._pos + offset)
            if found >= 0:
                return found - self._pos
            offset = max(offset, len(self._buf) - self._pos - len(needle) + 1)
            if not self._more():
                return -1

    def _peek(self, size: int) -> bytes:
        while len(self._buf) - self._pos < size and self._more():
            pass
        return self._buf[self._pos : self._pos + size]

    def _take(self, size: int) -> bytes:
        raw = self._buf[self._pos : self._pos + size]
        self._pos += len(raw)
        return raw

    def _until(self, terminator: bytes, offset: int) -> bytes:
        """Everything up to and including ``terminator`` (the rest when it never comes)."""
        end = self._find(terminator, offset)
        return self._take(end + len(terminator) if end >= 0 else len(self._buf) - self._pos)

    def __iter__(self) -> Iterator[_Token]:
        while self._pos < len(self._buf) or self._more():
            lt = self._find(b"<", 0)
            if lt != 0:
                yield _Token("text", self._take(lt if lt > 0 else len(self._buf) - self._pos))
                continue
            head = self._peek(9)
            if head.startswith(b"<!--"):
                yield _Token("other", self._until(b"-->", 4))
            elif head.startswith(b"<![CDATA["):
                yield _Token("cdata", self._until(b"]]>", 9))
            elif head.startswith(b"<!"):
                yield _Token("other", self._declaration())
            elif head.startswith(b"<?"):
                yield _Token("other", self._until(b"?>", 2))
            elif head.startswith(b"</"):
                yield self._end_tag()
            elif _NAME_START.match(head):
                yield self._start_tag()
            else:
                yield _Token("text", self._take(1))

    def item_body(self, name: bytes, item: _RawItem) -> str:
        """Read the rest of an item whose start tag was just read into ``item``, jumping
        from one construct that matters to the next (CDATA, comments, the item's own end
        tag, another item's start tag) instead of reading each tag.

        Answers ``"end"`` (its end tag was read), ``"restart"`` (another item starts
        before this one ended; its start tag is left to read) or ``"eof"``.
        """
        boundary = re.compile(rb"<!\[CDATA\[|<!--|<(/?)" + re.escape(name) + rb"(?=[\s/>])")
        keep = len(name) + 12  # enough for a construct cut at the end of the buffer
        while True:
            match = boundary.search(self._buf, self._pos)
            if match is None:
                cut = max(self._pos, len(self._buf) - keep)
                item.add(self._take(cut - self._pos))
                if not self._more():
                    item.add(self._take(len(self._buf) - self._pos))
                    return "eof"
                continue
            item.add(self._take(match.start() - self._pos))
            found = match.group(0)
            if found == b"<![CDATA[":
                item.add(self._until(b"]]>", 9))
            elif found == b"<!--":
                item.add(self._until(b"-->", 4))
            elif match.group(1):
                item.add(self._until(b">", 2))
                return "end"
            else:
                return "restart"

    def _declaration(self) -> bytes:
        """A ``<!DOCTYPE ...>`` with its internal subset (which may hold ``>``)."""
        close = self._find(b">", 2)
        bracket = self._find(b"[", 2)
        if bracket >= 0 and (close < 0 or bracket < close):
            subset_end = self._find(b"]", bracket)
            if subset_end >= 0:
                return self._until(b">", subset_end)
        return self._take(close + 1 if close >= 0 else len(self._buf) - self._pos)

    def _end_tag(self) -> _Token:
        close = self._find(b">", 2)
        following = self._find(b"<", 2)
        if close < 0 or (0 <= following < close):
            return _Token("text", self._take(2))
        raw = self._take(close + 1)
        return _Token("end", raw, raw[2:-1].strip())

    def _start_tag(self) -> _Token:
        # A well-formed start tag holds no "<": it ends before the next one.
        following = self._find(b"<", 1)
        limit = following if following >= 0 else len(self._buf) - self._pos
        match = _START_TAG.match(self._buf, self._pos, self._pos + limit)
        if match:
            raw = self._take(match.end() - match.start())
            return _Token("start", raw, match.group(1), empty=bool(match.group(3)))
        broken = _BROKEN_START.match(self._buf, self._pos)
        name = broken.group(1) if broken else b""
        return _Token("start", self._take(limit), name)


@dataclass(slots=True)
class _Scope:
    """An open element outside the items: its name and what it puts in scope."""

    name: bytes
    namespaces: dict[str, str]
    lang: str | None
    base: str | None


@dataclass(slots=True)
class _RawItem:
    """One item's bytes and the context it stands in."""

    raw: bytearray
    namespaces: dict[str, str]
    lang: str | None
    base: str | None
    complete: bool = True
    oversize: bool = False

    def add(self, raw: bytes) -> None:
        """Append to the item's bytes, up to :data:`MAX_ITEM_BYTES` (then keep its start)."""
        if self.oversize or not raw:
            return
        if len(self.raw) + len(raw) > MAX_ITEM_BYTES:
            self.oversize = True
            del self.raw[4096:]
            return
        self.raw += raw


def _attributes(raw: bytes) -> dict[str, str]:
    out = {}
    for match in _ATTRIBUTE.finditer(raw):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        out[match.group(1).decode("utf-8", "replace")] = html.unescape(
            value.decode("utf-8", "replace")
        )
    return out


def _declarations(attributes: dict[str, str]) -> dict[str, str]:
    """Namespace declarations among attributes, by prefix ("" for the default namespace)."""
    out = {}
    for key, value in attributes.items():
        if key == "xmlns":
            out[""] = value
        elif key.startswith("xmlns:"):
            out[key[6:]] = value
    return out


class _Splitter:
    """Cuts a token stream into items and the skeleton around them.

    The skeleton keeps the markup outside the items (minus declarations, comments and
    processing instructions), so that the channel's metadata can be read at any time.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.kind: str | None = None
        self._skeleton: list[bytes] = []
        self._stack: list[_Scope] = []
        self._item_name: bytes | None = None
        self.size = 0
        """Bytes in the skeleton: changes whenever it grows."""

    def _scope_namespaces(self, extra: dict[str, str]) -> dict[str, str]:
        merged: dict[str, str] = {}
        for scope in self._stack:
            merged.update(scope.namespaces)
        merged.update(extra)
        return merged

    def _qualified(self, name: bytes, namespaces: dict[str, str]) -> tuple[str, str]:
        text = name.decode("utf-8", "replace")
        prefix, _, local = text.rpartition(":")
        return namespaces.get(prefix, ""), local

    def _keep(self, raw: bytes) -> None:
        self._skeleton.append(raw)
        self.size += len(raw)

    def items(self, tokens: _Tokenizer) -> Iterator[_RawItem]:
        """The items of the document, in order; the skeleton grows meanwhile."""
        for token in tokens:
            if token.kind == "start":
                attributes = _attributes(token.raw)
                declared = _declarations(attributes)
                qname = self._qualified(token.name, self._scope_namespaces(declared))
                if self.kind is None:
                    self.kind = self._root_kind(qname)
                elif qname in ITEMS[self.kind] and self._item_name in (None, token.name):
                    self._item_name = token.name
                    yield self._item(token, tokens)
                    continue
                self._keep(token.raw)
                if not token.empty:
                    lang, base = attributes.get("xml:lang"), attributes.get("xml:base")
                    self._stack.append(_Scope(token.name, declared, lang, base))
            elif token.kind == "end":
                self._keep(token.raw)
                for depth in range(len(self._stack) - 1, -1, -1):
                    if self._stack[depth].name == token.name:
                        del self._stack[depth:]
                        break
            elif token.kind == "cdata" or (token.kind == "text" and token.raw.strip()):
                self._keep(token.raw)
        if self.kind is None:
            raise FeedError("the feed is empty or not XML", url=self.base_url)

    def _root_kind(self, qname: tuple[str, str]) -> str:
        kind = ROOTS.get(qname)
        if kind is None:
            where = f" in {qname[0]}" if qname[0] else ""
            raise FeedError(
                f"not an RSS or Atom feed: its root element is {qname[1]!r}{where}",
                url=self.base_url,
            )
        return kind

    def _item(self, start: _Token, tokens: _Tokenizer) -> _RawItem:
        """The item that ``start`` opens, read to its end."""
        lang = next((s.lang for s in reversed(self._stack) if s.lang), None)
        base = self.base_url
        for scope in self._stack:
            if scope.base:
                base = urljoin(base, scope.base)
        item = _RawItem(bytearray(), self._scope_namespaces({}), lang, base)
        item.add(start.raw)
        if not start.empty:
            item.complete = tokens.item_body(start.name, item) == "end"
        return item

    def skeleton(self) -> bytes:
        """The skeleton as a document, with the elements still open closed."""
        closing = b"".join(b"</" + scope.name + b">" for scope in reversed(self._stack))
        return b"".join(self._skeleton) + closing


# --- parsing pieces -------------------------------------------------------------------------

_CDATA = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
_REFERENCE = re.compile(rb"&(#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_:][A-Za-z0-9_.:-]*;)?")
_PREDEFINED = frozenset({b"amp;", b"lt;", b"gt;", b"quot;", b"apos;"})
#: Wrapper element holding an item in the namespaces in scope where it stood.
_WRAPPER = b"feed-item-context"


def _reference(match: re.Match[bytes]) -> bytes:
    """A reference as XML can read it: HTML entities by number, unknown ones dropped."""
    name = match.group(1)
    if name is None:
        return b"&amp;"
    if name.startswith(b"#") or name in _PREDEFINED:
        return match.group(0)
    characters = html.entities.html5.get(name.decode("ascii"))
    if characters is None:
        return b""  # an entity the document would have to declare: never expanded
    return b"".join(b"&#%d;" % ord(c) for c in characters)


def _repair(data: bytes) -> bytes:
    """``data`` with its character faults repaired: forbidden characters dropped, and
    references made readable outside CDATA sections."""
    parts = _CDATA.split(strip_invalid(data))
    for index in range(0, len(parts), 2):
        parts[index] = _REFERENCE.sub(_reference, parts[index])
    return b"".join(parts)


def _parse(data: bytes, *, recover: bool = False) -> etree._Element:
    """Parse a piece of a feed (with :func:`~harvesters.xml.safe_parser`): as it is, else
    with its characters repaired; with ``recover``, finally as well as libxml2 can.
    Raises ``etree.XMLSyntaxError``."""
    strict = safe_parser()
    try:
        return etree.fromstring(data, parser=strict)
    except etree.XMLSyntaxError as first:
        repaired = _repair(data)
        try:
            return etree.fromstring(repaired, parser=strict)
        except etree.XMLSyntaxError:
            if not recover:
                raise first from None
        root = etree.fromstring(repaired, parser=safe_parser(recover=True))
        if root is None:
            raise first from None
        return root


def _escape_attribute(value: str) -> bytes:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").encode("utf-8")


def _wrap(item: _RawItem) -> bytes:
    declarations = b"".join(
        (b" xmlns" + (b":" + prefix.encode("utf-8") if prefix else b""))
        + b'="'
        + _escape_attribute(uri)
        + b'"'
        for prefix, uri in item.namespaces.items()
    )
    return b"<" + _WRAPPER + declarations + b">" + bytes(item.raw) + b"</" + _WRAPPER + b">"


_GUESS_ID = re.compile(
    rb"<(?:[\w.-]+:)?(?:guid|id)\b[^>]*>\s*([^<\s][^<]*?)\s*<|rdf:about\s*=\s*[\"']([^\"']+)"
    rb"|<(?:[\w.-]+:)?link\b[^>]*>\s*([^<\s][^<]*?)\s*<"
)


def _guess_identifier(raw: bytes) -> str | None:
    """The identifier of an item that cannot be parsed, if its text shows one."""
    match = _GUESS_ID.search(raw)
    if not match:
        return None
    value = next(g for g in match.groups() if g)
    return html.unescape(value.decode("utf-8", "replace")).strip() or None


# --- reading elements -----------------------------------------------------------------------


def _local(element: etree._Element) -> tuple[str, str]:
    qname = etree.QName(element)
    namespace = qname.namespace or ""
    if namespace == ATOM03:
        namespace = ATOM
    elif namespace == RSS090:
        namespace = RSS1
    return namespace, qname.localname


def _children(element: etree._Element) -> dict[tuple[str, str], list[etree._Element]]:
    """The element's child elements by (namespace, local name); RSS 1.0 and 0.90, Atom
    1.0 and 0.3 read alike."""
    out: dict[tuple[str, str], list[etree._Element]] = {}
    for child in element:
        if isinstance(child.tag, str):
            out.setdefault(_local(child), []).append(child)
    return out


def _all_text(element: etree._Element) -> str:
    return "".join(str(t) for t in element.itertext())


def _text(element: etree._Element) -> str:
    """The element's text, whitespace collapsed."""
    return " ".join(_all_text(element).split())


def _resource(element: etree._Element) -> str:
    """An RDF property's value: its ``rdf:resource``, else its text."""
    return (element.get(RDF_RESOURCE) or "").strip() or _text(element)


_XMLNS = re.compile(r'\s+xmlns(?::[\w.-]+)?="[^"]*"')


def _atom_text(element: etree._Element) -> dict[str, str] | None:
    """An Atom text construct (``type`` text, html or xhtml) as ``{"type", "value"}``."""
    kind = (element.get("type") or "text").strip().lower()
    if kind == "xhtml":
        inner = element[0] if len(element) and isinstance(element[0].tag, str) else element
        parts = [inner.text or ""] + [
            etree.tostring(child, encoding="unicode", with_tail=True) for child in inner
        ]
        value = _XMLNS.sub("", "".join(parts))
        kind = "html"
    elif kind in ("html", "text/html"):
        value = _all_text(element)
        kind = "html"
    elif kind in ("text", "text/plain"):
        value = _all_text(element)
        kind = "text"
    else:  # another media type: not text to show
        return None
    value = value.strip()
    return {"type": kind, "value": value} if value else None


def _html_text(element: etree._Element) -> dict[str, str] | None:
    """An RSS text (HTML by practice) as ``{"type": "html", "value"}``."""
    value = _all_text(element).strip()
    return {"type": "html", "value": value} if value else None


def _first_text(
    children: dict[tuple[str, str], list[etree._Element]], keys: Iterable[tuple[str, str]]
) -> str | None:
    for key in keys:
        for element in children.get(key, ()):
            value = _text(element)
            if value:
                return value
    return None


def _links(
    children: dict[tuple[str, str], list[etree._Element]], base: str
) -> list[dict[str, str]]:
    """Atom links (also inside RSS) as ``{"rel", "href", "type", "length"}``, resolved."""
    out = []
    for element in children.get((ATOM, "link"), ()):
        href = (element.get("href") or "").strip()
        if not href:
            continue
        out.append(
            {
                "rel": (element.get("rel") or "alternate").strip().lower(),
                "href": urljoin(base, href),
                "type": (element.get("type") or "").strip(),
                "length": (element.get("length") or "").strip(),
            }
        )
    return out


def rights_statements(
    children: dict[tuple[str, str], list[etree._Element]], links: list[dict[str, str]]
) -> list[str]:
    """The licence and rights statements among an element's children, in the order of the
    module docstring's table."""
    out: list[str] = []
    for namespace in CC_REL:
        out += [_resource(e) for e in children.get((namespace, "license"), ())]
    for namespace in CC_RSS:
        out += [_text(e) for e in children.get((namespace, "license"), ())]
    out += [link["href"] for link in links if link["rel"] == "license"]
    out += [_resource(e) for e in children.get((DCTERMS, "license"), ())]
    for element in children.get((MEDIA, "license"), ()):
        out += [(element.get("href") or "").strip(), _text(element)]
    out += [_resource(e) for e in children.get((DC, "rights"), ())]
    out += [_resource(e) for e in children.get((DCTERMS, "rights"), ())]
    for element in children.get((ATOM, "rights"), ()):
        text = _atom_text(element)
        if text is not None:
            out.append(" ".join(text["value"].split()))
    out += [_text(e) for e in children.get(("", "copyright"), ())]
    out += [_text(e) for e in children.get((MEDIA, "copyright"), ())]
    return list(dict.fromkeys(s for s in out if s))


_RSS_AUTHOR = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")


def _authors(children: dict[tuple[str, str], list[etree._Element]]) -> list[str]:
    out = []
    for person in children.get((ATOM, "author"), ()):
        parts = _children(person)
        name = _first_text(parts, [(ATOM, "name"), (ATOM, "email")])
        if name:
            out.append(name)
    for element in children.get(("", "author"), ()):
        value = _text(element)
        named = _RSS_AUTHOR.match(value)
        out.append(named.group(1).strip() if named else value)
    out += [_text(e) for e in children.get((DC, "creator"), ())]
    return list(dict.fromkeys(a for a in out if a))


def _categories(children: dict[tuple[str, str], list[etree._Element]]) -> list[str]:
    out = []
    for element in children.get((ATOM, "category"), ()):
        out.append((element.get("label") or element.get("term") or "").strip())
    out += [_text(e) for e in children.get(("", "category"), ())]
    out += [_text(e) for e in children.get((DC, "subject"), ())]
    return list(dict.fromkeys(c for c in out if c))


def _language(
    element: etree._Element, children: dict[tuple[str, str], list[etree._Element]]
) -> str | None:
    return (element.get(XML_LANG) or "").strip() or _first_text(
        children, [(DC, "language"), ("", "language"), (DCTERMS, "language")]
    )


def _enclosures(
    children: dict[tuple[str, str], list[etree._Element]], links: list[dict[str, str]], base: str
) -> list[dict[str, str]]:
    out = []
    for element in [*children.get(("", "enclosure"), ()), *children.get((MEDIA, "content"), ())]:
        url = (element.get("url") or "").strip()
        if url:
            out.append(
                {
                    "url": urljoin(base, url),
                    "type": (element.get("type") or "").strip(),
                    "length": (element.get("length") or element.get("fileSize") or "").strip(),
                }
            )
    out += [
        {"url": link["href"], "type": link["type"], "length": link["length"]}
        for link in links
        if link["rel"] == "enclosure"
    ]
    return out


def _alternate(links: list[dict[str, str]]) -> str | None:
    alternates = [link for link in links if link["rel"] == "alternate"]
    for link in alternates:
        if link["type"] in ("", "text/html", "application/xhtml+xml"):
            return link["href"]
    return alternates[0]["href"] if alternates else None


def _title(children: dict[tuple[str, str], list[etree._Element]]) -> dict[str, str] | None:
    for element in children.get((ATOM, "title"), ()):
        return _atom_text(element)
    for key in (("", "title"), (RSS1, "title"), (DC, "title")):
        for element in children.get(key, ()):
            return _html_text(element)
    return None


@dataclass(slots=True)
class _Channel:
    """What the channel (or Atom feed) says that its items inherit or the harvest needs."""

    metadata: dict[str, Any] = field(default_factory=dict)
    paging: dict[str, str] = field(default_factory=dict)
    complete: bool = False


def _read_channel(root: etree._Element, kind: str, base: str) -> _Channel:
    if kind == "atom":
        channel: etree._Element | None = root
    else:
        channel = next(
            (c for c in root if isinstance(c.tag, str) and _local(c)[1] == "channel"), None
        )
    if channel is None:
        return _Channel({"feed": kind})
    children = _children(channel)
    base = urljoin(base, channel.get(XML_BASE) or root.get(XML_BASE) or "")
    links = _links(children, base)
    link = _alternate(links) or _first_text(children, [("", "link"), (RSS1, "link")])
    paging = {
        link_["rel"]: link_["href"] for link_ in reversed(links) if link_["rel"] in PAGING_RELATIONS
    }
    metadata = {
        "feed": kind,
        "title": _title(children),
        "link": link,
        "language": _language(channel, children) or (root.get(XML_LANG) or "").strip() or None,
        "rights": rights_statements(children, links),
        "authors": _authors(children),
        "publisher": _first_text(children, [(DC, "publisher"), (DCTERMS, "publisher")]),
    }
    return _Channel(metadata, paging, complete=(FH, "complete") in children)


def _read_item(element: etree._Element, context: _RawItem) -> dict[str, Any]:
    """An item's fields as a JSON-ready payload (without the channel's)."""
    children = _children(element)
    base = urljoin(context.base or "", element.get(XML_BASE) or "")
    links = _links(children, base)
    guid = _first_text(children, [("", "guid")])
    link = _alternate(links) or _first_text(children, [("", "link"), (RSS1, "link")])
    if link:
        link = urljoin(base, link)
    guid_element = next(iter(children.get(("", "guid"), ())), None)
    if (
        not link
        and guid
        and guid.startswith(("http://", "https://"))
        and (guid_element is None or guid_element.get("isPermaLink", "true").lower() != "false")
    ):
        link = guid
    summary = None
    for key in ((ATOM, "summary"), ("", "description"), (RSS1, "description"), (DC, "description")):
        for found in children.get(key, ()):
            summary = _atom_text(found) if key[0] == ATOM else _html_text(found)
            break
        if summary:
            break
    content = None
    for found in children.get((ATOM, "content"), ()):
        content = None if found.get("src") else _atom_text(found)
    for found in children.get((CONTENT, "encoded"), ()):
        content = content or _html_text(found)
    source_rights: list[str] = []
    source_authors: list[str] = []
    for source in children.get((ATOM, "source"), ()):
        source_children = _children(source)
        source_rights = rights_statements(source_children, _links(source_children, base))
        source_authors = _authors(source_children)
    language = (
        (element.get(XML_LANG) or "").strip()
        or _first_text(children, [(DC, "language"), (DCTERMS, "language")])
        or context.lang
    )
    return {
        "id": _first_text(children, [(ATOM, "id")]) or guid or element.get(RDF_ABOUT),
        "link": link,
        "title": _title(children),
        "summary": summary,
        "content": content,
        "authors": _authors(children) or source_authors,
        "categories": _categories(children),
        "language": language or None,
        "published": _first_text(
            children,
            [
                (ATOM, "published"),
                ("", "pubDate"),
                (DC, "date"),
                (DCTERMS, "issued"),
                (DCTERMS, "created"),
            ],
        ),
        "updated": _first_text(children, [(ATOM, "updated"), (DCTERMS, "modified")]),
        "enclosures": _enclosures(children, links, base),
        "rights": rights_statements(children, links) or source_rights,
        "publisher": _first_text(children, [(DC, "publisher"), (DCTERMS, "publisher")]),
    }


def _identifier(payload: dict[str, Any], element: etree._Element) -> str:
    """The item's id, guid or link; else a digest of its title, date and description, or
    of its whole text when it has none of them (stable as long as the item is)."""
    for key in ("id", "link"):
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    parts = [
        (payload.get("title") or {}).get("value", ""),
        payload.get("published") or payload.get("updated") or "",
        (payload.get("summary") or {}).get("value", ""),
    ]
    if any(parts):
        data = "\x1f".join(parts).encode("utf-8")
    else:
        data = etree.tostring(element, method="c14n", exclusive=True)
    return f"urn:feed-item:sha256:{hashlib.sha256(data).hexdigest()[:32]}"


# --- the harvester --------------------------------------------------------------------------


@dataclass(slots=True)
class _Document:
    """What reading one feed document found besides the pages it yielded."""

    channel: _Channel = field(default_factory=_Channel)
    items: int = 0
    oldest: datetime | None = None
    undated: bool = False
    rest: Page = field(default_factory=Page)
    """The records and errors after the last full page: the document's last page."""


class FeedHarvester(Harvester):
    """Harvests an RSS 2.0, RSS 1.0 or Atom feed, following RFC 5005 paging links.

    Checkpoints: ``{"url", "skip", "visited", "documents"}``, the document to read, how
    many of its items were written already, the documents read before it (the last 100,
    for loop detection) and how many. A document resumed part-way is read again from its
    start and its first ``skip`` items passed over.
    """

    kind: ClassVar[str] = "rss"
    #: Items (and bad items) per yielded page.
    page_size: int = 500

    @property
    def max_pages(self) -> int:
        """How many documents one run reads at most (``Source.options["max_pages"]``)."""
        try:
            return max(1, int(self.source.options.get("max_pages", "100")))
        except ValueError:
            return 100

    def pages(
        self, *, since: datetime | None = None, resume: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        state = resume or {}
        url = str(state.get("url") or self.source.url)
        skip = int(state.get("skip") or 0)
        visited: list[str] = [str(u) for u in state.get("visited") or []]
        documents = int(state.get("documents") or 0)
        fresh = resume is None
        while True:
            # The subscription document of a fresh run is asked conditionally: a 304 costs
            # nothing, and its validators are kept for the next run. A document resumed
            # part-way, or one further back, is read whole.
            response = self.fetch(url, conditional=fresh and documents == 0)
            if response is None:
                yield Page()
                return
            document = _Document()
            at = {"url": url, "visited": visited, "documents": documents}
            yield from self._read(response.open(), response.url, skip, document, at)
            documents += 1
            last = document.rest
            target = self._next_document(document, since)
            if target is not None and documents >= self.max_pages:
                last.errors.append(
                    RecordError(
                        None,
                        f"paging stopped after {documents} documents (options max_pages)",
                        stage="page",
                    )
                )
                target = None
            if target is not None and (target == url or target in visited):
                last.errors.append(
                    RecordError(
                        None,
                        f"the feed's paging links lead back to {target} (a loop); paging stopped",
                        stage="page",
                    )
                )
                target = None
            if target is None:
                self.listed_all = (
                    since is None and fresh and documents == 1 and document.channel.complete
                )
                yield last
                return
            visited = [*visited, url][-100:]
            last.checkpoint = {"url": target, "skip": 0, "visited": visited, "documents": documents}
            yield last
            url, skip = target, 0

    def _next_document(self, document: _Document, since: datetime | None) -> str | None:
        """The RFC 5005 link to follow after this document, if it is worth following."""
        paging = document.channel.paging
        target = next((paging[r] for r in PAGING_RELATIONS if r in paging), None)
        if target is None or since is None:
            return target
        # older items lie further back: follow only while this document is all new
        if document.items == 0 or document.undated:
            return None
        if document.oldest is not None and document.oldest < since:
            return None
        return target

    def _read(
        self,
        stream: IO[bytes],
        url: str,
        skip: int,
        document: _Document,
        at: dict[str, Any],
    ) -> Iterator[Page]:
        """The full pages of one document, items after the first ``skip``, each with the
        checkpoint of the item after it; what remains is left in ``document.rest``."""
        splitter = _Splitter(url)
        page = Page()
        parsed_size = -1
        for raw_item in splitter.items(_Tokenizer(_utf8(stream))):
            document.items += 1
            if document.items <= skip:
                continue
            outcome = self._item(raw_item)
            if isinstance(outcome, RecordError):
                page.errors.append(outcome)
            else:
                page.records.append(outcome)
                if outcome.datestamp is None:
                    document.undated = True
                elif document.oldest is None or outcome.datestamp < document.oldest:
                    document.oldest = outcome.datestamp
            if len(page.records) + len(page.errors) >= self.page_size:
                if splitter.size != parsed_size:
                    document.channel = self._channel(splitter)
                    parsed_size = splitter.size
                page.checkpoint = {**at, "skip": document.items}
                yield self._with_channel(page, document.channel)
                page = Page()
        document.channel = self._channel(splitter)
        document.rest = self._with_channel(page, document.channel)

    def _channel(self, splitter: _Splitter) -> _Channel:
        if splitter.kind is None:
            return _Channel()
        try:
            root = _parse(splitter.skeleton(), recover=True)
        except etree.XMLSyntaxError as exc:
            raise FeedError(
                f"the feed's channel cannot be read: {exc}", url=splitter.base_url
            ) from None
        return _read_channel(root, splitter.kind, splitter.base_url)

    @staticmethod
    def _with_channel(page: Page, channel: _Channel) -> Page:
        """The page with the channel's metadata in each record (known only now)."""
        page.records = [
            dataclasses.replace(
                record, payload={**(record.payload or {}), "channel": channel.metadata}
            )
            for record in page.records
        ]
        return page

    def _item(self, item: _RawItem) -> RawRecord | RecordError:
        """An item as a raw record (its channel added later), or why it cannot be one."""
        raw = bytes(item.raw)
        if item.oversize:
            return RecordError(
                _guess_identifier(raw),
                f"the item is larger than {MAX_ITEM_BYTES} bytes",
                stage="parse",
                snippet=snippet(raw),
            )
        if not item.complete:
            return RecordError(
                _guess_identifier(raw),
                "the item is never closed (a missing end tag, or the feed is cut short)",
                stage="parse",
                snippet=snippet(raw),
            )
        try:
            wrapper = _parse(_wrap(item))
        except etree.XMLSyntaxError as exc:
            return RecordError(
                _guess_identifier(raw),
                f"the item is not well-formed XML: {exc.msg} (lines counted from the item's start)",
                stage="parse",
                snippet=snippet(raw),
            )
        element = wrapper[0]
        if len(element) == 0 and not _text(element):
            return RecordError(None, "the item is empty", stage="parse", snippet=snippet(raw))
        payload = _read_item(element, item)
        identifier = _identifier(payload, element)
        datestamp = parse_date(payload["updated"]) or parse_date(payload["published"])
        return RawRecord(identifier, datestamp, format=FORMAT, payload=payload)
