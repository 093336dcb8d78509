"""OAI-PMH 2.0: Identify, ListMetadataFormats, ListSets, and ListRecords page by page.

A harvest (:meth:`OAIPMHHarvester.pages`) runs like this:

1. **ListMetadataFormats** (a new listing only): the source's ``metadataPrefix`` must be
   one the repository offers, else :class:`FeedError` names those it does. A repository
   whose answer is unusable is harvested anyway (ListRecords then has the last word).
2. **Identify**, once, when a request needs ``from`` or ``until``: its ``granularity``
   tells how to write them (day or seconds). A broken Identify is logged and day
   granularity assumed, which every repository must accept.
3. **ListRecords** with ``metadataPrefix``, ``from`` (the incremental ``since``),
   ``until`` (``Source.options["until"]``) and ``set`` (``Source.set_spec``), then its
   resumption tokens until one is empty or absent. While a page is read, the next one is
   already being fetched in a background thread.

Each page's checkpoint says where to go on, and where to start again should the
repository refuse the token (it expired during a pause, or the repository restarted):

===================  =====================================================================
``resumptionToken``  the token of the next page
``from``             where a new listing restarts: the newest datestamp seen in this run
                     while the repository lists in datestamp order, else the run's from
``run_from``         the run's own ``from`` (``None``: a complete listing)
``ordered``          whether every datestamp so far was at least the one before it
===================  =====================================================================

A token is refused with badResumptionToken, or with HTTP 400 or 422 (Zenodo). Restarting
from the newest datestamp is safe only in a listing ordered by datestamp (in any other
order, records older than it may not have been listed yet); many repositories (DSpace,
Zenodo) list in another order, and their listing restarts from the run's ``from``. The
store skips records that did not change, so the overlap costs time, not duplicates. A
server error (5xx, after the fetcher's retries) on a token restarts an ordered listing
from its newest datestamp too: deep paging is what large repositories fail at. A listing
that keeps failing from the same point fails the harvest (:data:`MAX_RESTARTS`).

An oai_dc page is read in one pass: a stylesheet (libxslt, in C, outside the GIL, in the
thread that fetched the page) writes all its records as lines of text, and Python makes
the raw records of them; a record the lines cannot carry is read element by element.
While a page is fetched ahead, the interpreter hands the GIL over more often
(:data:`PREFETCH_SWITCH_INTERVAL`), so that the fetching thread is not kept waiting.

A page that is not well-formed XML is read record by record: control characters are
dropped, each record is parsed on its own (bare ampersands escaped, then libxml2's
recover mode for one that is still not well-formed), and a record that cannot be read
becomes a :class:`RecordError`. Such a run does not list every record for certain, so it
turns no absent record into a tombstone. A page cut short yields what it held, then fails
the run, which resumes with that page.
"""

from __future__ import annotations

import gc
import itertools
import logging
import re
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from lxml import etree

from harvesters.base import Harvester, Page, RawRecord, RecordError, snippet
from harvesters.fetch import Fetcher
from harvesters.oai_formats import FORMAT_BY_NAMESPACE, format_of
from harvesters.xml import (
    has_unicode_white_space,
    parse_recovering,
    parse_strict,
    parse_xml,
    strip_invalid,
)
from registry.errors import FeedError, FetchError
from registry.models import Source

__all__ = ["OAI_ERRORS", "OAIPMHError", "OAIPMHHarvester", "parse_datestamp"]

log = logging.getLogger(__name__)

OAI = "http://www.openarchives.org/OAI/2.0/"
DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DC_ELEMENTS = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
)

#: What each OAI-PMH error code means for the harvest (``{prefix}``, ``{set}`` and
#: ``{url}`` are filled in); a code not listed here is reported as not defined by OAI-PMH.
OAI_ERRORS: dict[str, str] = {
    "badArgument": (
        "the repository refused the request's arguments (an illegal or missing argument,"
        " or a from/until date it does not accept)"
    ),
    "badResumptionToken": "the repository refused the resumption token (invalid or expired)",
    "badVerb": "{url} does not know the OAI-PMH verb asked: is it a repository's base URL?",
    "cannotDisseminateFormat": "the repository does not offer the metadata format {prefix!r}",
    "idDoesNotExist": "the repository has no record with that identifier",
    "noRecordsMatch": "no records match the request",
    "noMetadataFormats": "the repository offers no metadata formats for that item",
    "noSetHierarchy": "the repository has no sets, so it cannot list the set {set!r}",
}

#: The two granularities OAI-PMH defines, and how ``from`` and ``until`` are written in each.
GRANULARITIES: dict[str, str] = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "YYYY-MM-DDThh:mm:ssZ": "%Y-%m-%dT%H:%M:%SZ",
}
#: What every repository accepts (and what is assumed when Identify cannot be read).
DAY_GRANULARITY = "YYYY-MM-DD"

#: HTTP statuses with which repositories refuse a resumption token instead of answering
#: badResumptionToken (Zenodo answers its OAI-PMH errors with 422).
TOKEN_REFUSAL_STATUS = frozenset({400, 422})
#: How often a listing may start again from one and the same point before the harvest
#: gives up (the repository keeps refusing its tokens without the run getting further).
MAX_RESTARTS = 2
#: How long closing a harvest waits for a page request still under way (seconds); the
#: request's thread ends by itself after it, and no other request is made.
PREFETCH_GRACE_SECONDS = 10.0

_OAI_PREFIX = "{" + OAI + "}"
_OAI_PMH = _OAI_PREFIX + "OAI-PMH"
_ERROR = _OAI_PREFIX + "error"
_RECORD = _OAI_PREFIX + "record"
_HEADER = _OAI_PREFIX + "header"
_IDENTIFIER = _OAI_PREFIX + "identifier"
_DATESTAMP = _OAI_PREFIX + "datestamp"
_SET_SPEC = _OAI_PREFIX + "setSpec"
_METADATA = _OAI_PREFIX + "metadata"
_TOKEN = _OAI_PREFIX + "resumptionToken"
_DC_PREFIX = "{" + DC + "}"
_DC_ANY = _DC_PREFIX + "*"
_DC_NAMES = frozenset(DC_ELEMENTS)


# --- datestamps ------------------------------------------------------------------------


def parse_datestamp(value: str | None) -> datetime | None:
    """An OAI datestamp (day or seconds granularity) as an aware UTC datetime."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return _utc(parsed)


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


# --- errors ----------------------------------------------------------------------------


class OAIPMHError(FeedError):
    """The repository answered with OAI-PMH errors; :attr:`code` is the first one's code."""

    def __init__(self, message: str, *, url: str | None, errors: list[tuple[str, str]]) -> None:
        super().__init__(message, url=url)
        self.errors = errors
        self.code = errors[0][0] if errors else "unknown"


def _oai_error(element: etree._Element) -> tuple[str, str]:
    """The code and the (whitespace-normalised) message of an OAI-PMH ``<error>``."""
    return element.get("code") or "unknown", " ".join((element.text or "").split())


def _describe(code: str, text: str, context: dict[str, str]) -> str:
    meaning = OAI_ERRORS.get(code)
    if meaning is None:
        meaning = "an error code OAI-PMH does not define"
    said = f" (the repository says: {text})" if text else ""
    return f"OAI-PMH error {code}: {meaning.format(**context)}{said}"


# --- reading answers -------------------------------------------------------------------


@dataclass(slots=True)
class _Answer:
    """One OAI-PMH response as the harvester needs it."""

    url: str
    errors: list[tuple[str, str]] = field(default_factory=list)
    listing: etree._Element | None = None
    """The verb's element (``ListRecords``, ``Identify``...)."""
    token: str | None = None
    """The resumptionToken's text: ``""`` ends the list, ``None`` when there is none."""
    cursor: int | None = None
    size: int | None = None
    record_errors: list[RecordError] = field(default_factory=list)
    damaged: bool = False
    """The page was not well-formed: records on it may have gone unseen."""
    truncated: bool = False
    """The page ends before its root element does: it was cut short."""
    refused: FetchError | None = None
    """An HTTP error answered to a resumption token (the token was refused)."""
    dc_lines: list[str] | None = None
    """An oai_dc page's records read in one pass (:func:`_dc_page_lines`), when it was."""


def _answer_from_root(root: etree._Element, url: str, verb: str) -> _Answer:
    if not (isinstance(root.tag, str) and root.tag.startswith(_OAI_PREFIX)):
        raise FeedError(f"{url} did not answer with an OAI-PMH response", url=url)
    answer = _Answer(url=url, errors=[_oai_error(e) for e in root.iterchildren(_ERROR)])
    answer.listing = root.find(_OAI_PREFIX + verb)
    if answer.listing is not None:
        token = answer.listing.find(_TOKEN)
        if token is not None:
            answer.token = (token.text or "").strip()
            answer.cursor = _int(token.get("cursor"))
            answer.size = _int(token.get("completeListSize"))
    return answer


def _read_listing(content: bytes, url: str, verb: str) -> _Answer:
    """A list response: parsed as it is when well-formed (the fast path), else salvaged."""
    try:
        root = parse_strict(content)
    except etree.XMLSyntaxError as exc:
        return _salvage(content, url, verb, exc)
    return _answer_from_root(root, url, verb)


_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
_RECORD_START = re.compile(rb"<" + _NAME + rb"record\b[^>]*>\s*<" + _NAME + rb"header\b")
_RECORD_END = re.compile(rb"</" + _NAME + rb"record\s*>")
_LIST_END = re.compile(rb"<" + _NAME + rb"resumptionToken\b|</" + _NAME + rb"List\w+\s*>")
_ROOT_END = re.compile(rb"</" + _NAME + rb"OAI-PMH\s*>\s*$")
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_NAMESPACE = re.compile(rb"""\sxmlns(:[A-Za-z_][\w.-]*)?\s*=\s*("[^"]*"|'[^']*')""")
_TOKEN_ELEMENT = re.compile(
    rb"<" + _NAME + rb"resumptionToken\b[^>]*?(?:/>|>.*?</" + _NAME + rb"resumptionToken\s*>)",
    re.S,
)
_BARE_AMPERSAND = re.compile(rb"&(?![A-Za-z_][\w.-]*;|#[0-9]+;|#x[0-9A-Fa-f]+;)")
_HEADER_IDENTIFIER = re.compile(rb"<" + _NAME + rb"identifier\b[^>]*>\s*([^<]*?)\s*</")


def _salvage(data: bytes, url: str, verb: str, error: etree.XMLSyntaxError) -> _Answer:
    """What can be read of a list page that is not well-formed XML.

    Forbidden characters are the common fault: without them the page usually parses.
    Otherwise each record is parsed on its own within the page's namespace declarations;
    the ones that cannot be read become record errors.
    """
    cleaned = strip_invalid(data)
    try:
        return _answer_from_root(parse_strict(cleaned), url, verb)
    except etree.XMLSyntaxError:
        pass
    truncated = _ROOT_END.search(cleaned) is None
    starts = [m.start() for m in _RECORD_START.finditer(cleaned)]
    if not starts:
        root = parse_recovering(cleaned)
        if root is None:
            raise FeedError(f"not readable XML: {error}", url=url) from None
        answer = _answer_from_root(root, url, verb)
        answer.damaged, answer.truncated = True, truncated
        return answer
    head = cleaned[: starts[0]]
    declaration = _XML_DECLARATION.match(head)
    prolog = (declaration.group() if declaration else b"") + b"<salvaged" + _namespaces(head) + b">"
    list_end = _LIST_END.search(cleaned, starts[-1])
    bounds = [*starts, list_end.start() if list_end else len(cleaned)]
    records: list[etree._Element] = []
    errors: list[RecordError] = []
    for start, end in itertools.pairwise(bounds):
        chunk = cleaned[start:end]
        element, problem = _read_fragment(prolog, chunk)
        if element is not None:
            records.append(element)
        else:
            found = _HEADER_IDENTIFIER.search(chunk)
            identifier = found.group(1).decode("utf-8", "replace").strip() if found else ""
            errors.append(
                RecordError(identifier or None, problem or "unreadable", snippet=snippet(chunk))
            )
    root = etree.Element(_OAI_PMH)
    listing = etree.SubElement(root, _OAI_PREFIX + verb)
    listing.extend(records)
    token = _TOKEN_ELEMENT.search(cleaned, bounds[-1])
    if token is not None:
        wrapped = _parse_wrapped(prolog, token.group())
        if wrapped is not None and len(wrapped):
            listing.append(wrapped[0])
    answer = _answer_from_root(root, url, verb)
    answer.record_errors, answer.damaged, answer.truncated = errors, True, truncated
    log.warning(
        "%s: the page is not well-formed XML (%s); %d record(s) read, %d not",
        url,
        error,
        len(records),
        len(errors),
    )
    return answer


def _namespaces(head: bytes) -> bytes:
    """The namespace declarations in ``head``, the first one of each prefix."""
    seen: dict[bytes, bytes] = {}
    for match in _NAMESPACE.finditer(head):
        seen.setdefault(match.group(1) or b"", match.group())
    return b"".join(seen.values())


def _parse_wrapped(prolog: bytes, fragment: bytes) -> etree._Element | None:
    try:
        return parse_strict(prolog + fragment + b"</salvaged>")
    except etree.XMLSyntaxError:
        return None


def _read_fragment(prolog: bytes, chunk: bytes) -> tuple[etree._Element | None, str | None]:
    """One record of a damaged page, or why it cannot be read.

    Tried in turn: the record as it is; with bare ampersands escaped (``AT&T``, the
    commonest fault after control characters); libxml2's recover mode, whose result is
    kept only when its header still has an identifier.
    """
    ends = list(_RECORD_END.finditer(chunk))
    if not ends:
        return None, "the record is cut short (the page ends inside it)"
    record_bytes = chunk[: ends[-1].end()]
    problem: etree.XMLSyntaxError | None = None
    for candidate in (record_bytes, _BARE_AMPERSAND.sub(b"&amp;", record_bytes)):
        try:
            return parse_strict(prolog + candidate + b"</salvaged>").find(_RECORD), None
        except etree.XMLSyntaxError as exc:
            problem = problem or exc
    recovered = parse_recovering(prolog + record_bytes + b"</salvaged>")
    record = recovered.find(_RECORD) if recovered is not None else None
    header = record.find(_HEADER) if record is not None else None
    if record is None or header is None or not (header.findtext(_IDENTIFIER) or "").strip():
        return None, f"the record is not well-formed XML: {problem}"
    return record, None


def _dublin_core(metadata: etree._Element) -> dict[str, list[dict[str, str | None]]]:
    """The Dublin Core elements under ``metadata``: ``{name: [{"value", "lang"}]}``, each
    value with its whitespace collapsed; empty values are left out.

    The hot loop of a harvest: C-level iteration, no ElementPath, and the whitespace
    collapsed only when the value needs it.
    """
    out: dict[str, list[dict[str, str | None]]] = {}
    cut = len(_DC_PREFIX)
    for element in metadata.iter(_DC_ANY):
        text = element.text
        if len(element):  # mixed content (or an unexpanded entity): every text in it
            text = "".join(str(t) for t in element.itertext())
        if not text:
            continue
        if not text.isprintable() or "  " in text or text[0] == " " or text[-1] == " ":
            # line breaks, tabs, other white space: collapse (isprintable() is False
            # for every white-space character but the plain space)
            text = " ".join(text.split())
            if not text:
                continue
        name = element.tag[cut:]
        if name in _DC_NAMES:
            entry: dict[str, str | None] = {"value": text, "lang": element.get(XML_LANG)}
            if name in out:
                out[name].append(entry)
            else:
                out[name] = [entry]
    return out


# --- reading a whole oai_dc page in one pass ---------------------------------------------
#
# Reading records element by element costs a Python object per element (25-40 µs a
# record). For oai_dc pages, a stylesheet reads every record of the page in one pass in
# C instead (libxslt, which releases the GIL) and writes them as text, one line a record:
#
# ========  ==================================================================================
# field     content
# ========  ==================================================================================
# kind      ``R`` a record whose metadata is oai_dc, ``D`` a deleted record, ``S`` anything
#           else: the record is read element by element (:meth:`_read_record`), as are
#           records without Dublin Core, with an unusual header or an odd ``xml:lang``
# header    identifier, datestamp, how many setSpecs, the setSpecs (``R`` and ``D`` only)
# elements  ``name, xml:lang, value`` for each Dublin Core element under ``<metadata>``, in
#           document order (``R`` only); a value is its text with white space normalised
# ========  ==================================================================================
#
# Fields are separated by tabs, records by newlines: text written here holds neither
# (``normalize-space`` removes them from values; header texts that are not already
# normalised, and ``xml:lang`` values that hold them or are empty, send the record to the
# element by element reading). The result is what :func:`_dublin_core` and
# :meth:`_read_record` give (tests compare them on every fixture): a header text is read as
# written, ``xml:lang`` as written (``None`` when absent), a value is normalised as XML
# white space here and as Unicode white space in Python when it holds any. Pages with a
# DOCTYPE (entity references read differently) and salvaged pages are read element by
# element.

_DC_ELEMENT_TEMPLATE = (
    '<xsl:template match="dc:{name}"><xsl:text>&#9;{name}&#9;</xsl:text>'
    '<xsl:value-of select="@xml:lang"/><xsl:text>&#9;</xsl:text>'
    '<xsl:value-of select="normalize-space()"/></xsl:template>'
)
_DC_ELEMENT_TEMPLATES = "\n  ".join(_DC_ELEMENT_TEMPLATE.format(name=name) for name in DC_ELEMENTS)
_OAI_DC_TEST = " or ".join(
    f"namespace-uri(o:metadata[1]/*[1]) = '{namespace}'"
    for namespace, name in FORMAT_BY_NAMESPACE.items()
    if name == "oai_dc"
)
_DC_PAGE_STYLESHEET = f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:o="{OAI}" xmlns:dc="{DC}">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:template match="/">
    <xsl:for-each select="*/o:ListRecords[1]/o:record">
      <xsl:variable name="h" select="o:header[1]"/>
      <xsl:choose>
        <xsl:when test="not($h/o:identifier) or $h/*[*] or $h/*[. != normalize-space()]
            or o:metadata[1]//dc:*/@xml:lang[. = '' or contains(., '&#9;') or contains(., '&#10;')]"
          >S</xsl:when>
        <xsl:when test="$h/@status = 'deleted'">D<xsl:call-template name="header"/></xsl:when>
        <xsl:when test="{_OAI_DC_TEST}">R<xsl:call-template
            name="header"/><xsl:apply-templates select="o:metadata[1]//dc:*"/></xsl:when>
        <xsl:otherwise>S</xsl:otherwise>
      </xsl:choose>
      <xsl:text>&#10;</xsl:text>
    </xsl:for-each>
  </xsl:template>
  <xsl:template name="header">
    <xsl:variable name="h" select="o:header[1]"/>
    <xsl:text>&#9;</xsl:text><xsl:value-of select="$h/o:identifier"/>
    <xsl:text>&#9;</xsl:text><xsl:value-of select="$h/o:datestamp"/>
    <xsl:text>&#9;</xsl:text><xsl:value-of select="count($h/o:setSpec)"/>
    <xsl:for-each select="$h/o:setSpec">
      <xsl:text>&#9;</xsl:text><xsl:value-of select="."/>
    </xsl:for-each>
  </xsl:template>
  <xsl:template match="dc:*"/>
  {_DC_ELEMENT_TEMPLATES}
</xsl:stylesheet>
"""
_stylesheets = threading.local()


def _dc_page_transform() -> etree.XSLT:
    """This thread's compiled page stylesheet (lxml stylesheets are not shared between
    threads); it may read and write nothing but the page."""
    transform: etree.XSLT | None = getattr(_stylesheets, "dc_page", None)
    if transform is None:
        transform = etree.XSLT(
            etree.fromstring(_DC_PAGE_STYLESHEET.encode()),
            access_control=etree.XSLTAccessControl.DENY_ALL,  # type: ignore[attr-defined]
        )
        _stylesheets.dc_page = transform
    return transform


def _dc_page_lines(listing: etree._Element) -> list[str] | None:
    """Every ``<record>`` of ``listing``'s page as a line (see above), or ``None`` when the
    page must be read element by element."""
    tree = listing.getroottree()
    if tree.docinfo.internalDTD is not None or listing.getparent() is not tree.getroot():
        return None
    try:
        text = str(_dc_page_transform()(tree))
    except etree.XSLTError:  # pragma: no cover - the stylesheet reads any page
        log.warning("the oai_dc page stylesheet failed; reading the page element by element")
        return None
    lines = text.split("\n")
    lines.pop()  # after the last newline
    return lines


def _dc_line_record(line: str, deleted_format: str) -> RawRecord | None:
    """The raw record of one line of :func:`_dc_page_lines`, or ``None`` when the record
    is to be read element by element (kind ``S``, no identifier, no Dublin Core value)."""
    fields = line.split("\t")
    kind = fields[0]
    if kind != "R" and kind != "D":
        return None
    # Texts here hold no XML white space but single inner spaces; other white space Python
    # strips and splits at (no-break spaces...) is not ASCII, and rare: look for it once.
    spaced = not line.isascii() and has_unicode_white_space(line)
    identifier = fields[1].strip() if spaced else fields[1]
    if not identifier:
        return None
    datestamp = parse_datestamp(fields[2])
    start = 4 + int(fields[3])
    if spaced:
        sets = [name for name in (spec.strip() for spec in fields[4:start]) if name]
    else:
        sets = [name for name in fields[4:start] if name]
    if kind == "D":
        return RawRecord(
            identifier=identifier, datestamp=datestamp, deleted=True, format=deleted_format
        )
    dublin_core: dict[str, list[dict[str, str | None]]] = {}
    items = iter(fields[start:])
    for name, lang, value in zip(items, items, items, strict=False):
        if spaced and value:
            value = " ".join(value.split())
        if value:
            found = dublin_core.get(name)
            if found is None:
                dublin_core[name] = [{"value": value, "lang": lang or None}]
            else:
                found.append({"value": value, "lang": lang or None})
    if not dublin_core:
        return None
    return RawRecord(
        identifier, datestamp, format="oai_dc", payload={"sets": sets, "metadata": dublin_core}
    )


def _namespace_of(element: etree._Element) -> str | None:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1 : tag.index("}")]
    return None


# --- prefetching -----------------------------------------------------------------------


#: How often (seconds) the interpreter hands the GIL over while pages are fetched ahead
#: (Python's default is 5 ms): the fetching thread needs it for a moment after each read
#: from the socket, and would wait up to the whole interval each time behind the thread
#: that maps and stores the page before; with 5 ms, the next page is seldom ready in time.
PREFETCH_SWITCH_INTERVAL = 0.0005

_switching = threading.Lock()
_switching_users = 0
_switching_before = 0.0


@contextmanager
def _quick_switching() -> Iterator[None]:
    """:data:`PREFETCH_SWITCH_INTERVAL` while it lasts (for every harvest at once: the
    interval is the interpreter's; the one before is back when the last harvest ends)."""
    global _switching_users, _switching_before
    with _switching:
        if _switching_users == 0:
            _switching_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_switching_before, PREFETCH_SWITCH_INTERVAL))
        _switching_users += 1
    try:
        yield
    finally:
        with _switching:
            _switching_users -= 1
            if _switching_users == 0:
                sys.setswitchinterval(_switching_before)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused (when it ran) for the block."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Prefetch:
    """One page request running in a background thread, so that the next page travels
    while the current one is read; :meth:`result` waits for it and re-raises its error."""

    __slots__ = ("_answer", "_error", "_thread")

    def __init__(self, task: Callable[[dict[str, str]], _Answer], params: dict[str, str]) -> None:
        self._answer: _Answer | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(task, dict(params)), name="oai-pmh-prefetch", daemon=True
        )
        self._thread.start()

    def _run(self, task: Callable[[dict[str, str]], _Answer], params: dict[str, str]) -> None:
        try:
            self._answer = task(params)
        except BaseException as exc:  # handed to the harvesting thread, raised there
            self._error = exc

    def result(self) -> _Answer:
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._answer is None:  # pragma: no cover - the task returns or raises
            raise RuntimeError("the page request ended without an answer")
        return self._answer

    def cancel(self) -> None:
        """Let the request under way finish (briefly) and drop its answer."""
        self._thread.join(PREFETCH_GRACE_SECONDS)


# --- where a listing stands ------------------------------------------------------------


@dataclass(slots=True)
class _Listing:
    """One run of a listing's resumption tokens (it begins anew when a listing restarts)."""

    counted: bool
    """Whether :attr:`listed` counts from the listing's first page (not so once resumed)."""
    tokens: set[str] = field(default_factory=set)
    listed: int = 0
    complete: bool = False
    """The repository's completeListSize says every record was listed."""

    def note(self, answer: _Answer, count: int) -> None:
        self.listed += count
        if answer.size is None:
            self.complete = False
        elif self.counted:
            self.complete = self.listed >= answer.size
        else:
            self.complete = answer.cursor is not None and answer.cursor + count >= answer.size


@dataclass(slots=True)
class _Position:
    """How far a listing got, and where it starts again when a token is refused."""

    run_from: datetime | None
    newest: datetime | None = None
    ordered: bool = True

    def see(self, stamp: datetime | None) -> None:
        if stamp is None:
            return
        if self.newest is None or stamp >= self.newest:
            self.newest = stamp
        else:
            self.ordered = False

    @property
    def restart_from(self) -> datetime | None:
        if self.ordered and self.newest is not None:
            return self.newest
        return self.run_from

    def checkpoint(self, token: str | None) -> dict[str, Any]:
        return {
            "resumptionToken": token,
            "from": _iso(self.restart_from),
            "run_from": _iso(self.run_from),
            "ordered": self.ordered,
        }

    @classmethod
    def resumed(cls, checkpoint: dict[str, Any], since: datetime | None) -> _Position:
        if "from" not in checkpoint:  # an older checkpoint, the token alone: order unknown
            return cls(run_from=_utc(since) if since is not None else None, ordered=False)
        ordered = bool(checkpoint.get("ordered", False))
        return cls(
            run_from=parse_datestamp(checkpoint.get("run_from")),
            newest=parse_datestamp(checkpoint.get("from")) if ordered else None,
            ordered=ordered,
        )


# --- the harvester ---------------------------------------------------------------------


class OAIPMHHarvester(Harvester):
    """Harvests an OAI-PMH 2.0 repository with ListRecords; also answers Identify,
    ListMetadataFormats and ListSets for those who want to know the repository."""

    kind: ClassVar[str] = "oai-pmh"

    def __init__(
        self,
        source: Source,
        fetcher: Fetcher,
        *,
        validators: dict[str, dict[str, str]] | None = None,
    ) -> None:
        super().__init__(source, fetcher, validators=validators)
        self._granularity: str | None = None
        self.deleted_record: str | None = None
        """Identify's deletedRecord (``no``, ``transient``, ``persistent``), once read."""

    @property
    def metadata_prefix(self) -> str:
        return self.source.metadata_prefix or "oai_dc"

    # the repository -----------------------------------------------------------------

    def identify(self) -> dict[str, Any]:
        """The repository's Identify answer: ``repositoryName``, ``baseURL``,
        ``protocolVersion``, ``adminEmail`` (list), ``earliestDatestamp``,
        ``deletedRecord``, ``granularity``, ``compression`` (list)."""
        element = self._call({"verb": "Identify"}, "Identify")

        def text(name: str) -> str | None:
            value = " ".join((element.findtext(_OAI_PREFIX + name) or "").split())
            return value or None

        def texts(name: str) -> list[str]:
            return [
                " ".join(e.text.split()) for e in element.iterchildren(_OAI_PREFIX + name) if e.text
            ]

        return {
            "repositoryName": text("repositoryName"),
            "baseURL": text("baseURL"),
            "protocolVersion": text("protocolVersion"),
            "adminEmail": texts("adminEmail"),
            "earliestDatestamp": text("earliestDatestamp"),
            "deletedRecord": text("deletedRecord"),
            "granularity": text("granularity"),
            "compression": texts("compression"),
        }

    def describe(self, *, limit: int = 100) -> dict[str, Any]:
        """Identify, the metadata formats, and the first ``limit`` sets (``sets_truncated``
        says whether there are more)."""
        sets = list(itertools.islice(self.sets(), limit + 1))
        return {
            "identify": self.identify(),
            "metadata_formats": self.metadata_formats(),
            "sets": sets[:limit],
            "sets_truncated": len(sets) > limit,
        }

    def metadata_formats(self, identifier: str | None = None) -> list[dict[str, str | None]]:
        """The metadata formats the repository (or one of its records) offers:
        ``metadataPrefix``, ``schema``, ``metadataNamespace``."""
        params = {"verb": "ListMetadataFormats"}
        if identifier:
            params["identifier"] = identifier
        element = self._call(params, "ListMetadataFormats")
        formats = []
        for entry in element.iterchildren(_OAI_PREFIX + "metadataFormat"):
            fields = {
                name: (entry.findtext(_OAI_PREFIX + name) or "").strip() or None
                for name in ("metadataPrefix", "schema", "metadataNamespace")
            }
            if fields["metadataPrefix"]:
                formats.append(fields)
        return formats

    def sets(self) -> Iterator[dict[str, str | None]]:
        """The repository's sets (``setSpec``, ``setName``, ``setDescription`` as text),
        following resumption tokens; nothing for a repository without sets."""
        params = {"verb": "ListSets"}
        seen: set[str] = set()
        while True:
            try:
                element, token = self._call_list(params, "ListSets")
            except OAIPMHError as exc:
                if exc.code == "noSetHierarchy":
                    return
                raise
            for entry in element.iterchildren(_OAI_PREFIX + "set"):
                description = entry.find(_OAI_PREFIX + "setDescription")
                about = (
                    " ".join("".join(str(t) for t in description.itertext()).split())
                    if description is not None
                    else ""
                )
                yield {
                    "setSpec": (entry.findtext(_OAI_PREFIX + "setSpec") or "").strip() or None,
                    "setName": " ".join((entry.findtext(_OAI_PREFIX + "setName") or "").split())
                    or None,
                    "setDescription": about or None,
                }
            if not token:
                return
            if token in seen:
                raise FeedError(
                    f"the repository repeats the ListSets token {token!r} (a loop)",
                    url=self.source.url,
                )
            seen.add(token)
            params = {"verb": "ListSets", "resumptionToken": token}

    # harvesting ---------------------------------------------------------------------

    def pages(
        self, *, since: datetime | None = None, resume: dict[str, Any] | None = None
    ) -> Generator[Page, None, None]:
        """The repository's records page by page (see the module's description); close
        the generator to stop early: the page request under way is dropped."""
        self.listed_all = False
        token: str | None = (resume or {}).get("resumptionToken") or None
        if resume:
            position = _Position.resumed(resume, since)
        else:
            position = _Position(run_from=_utc(since) if since is not None else None)
        if token is None:
            self._check_metadata_prefix()
            params = self._list_params(position.restart_from)
        else:
            params = {"verb": "ListRecords", "resumptionToken": token}
        listing = _Listing(counted=token is None, tokens={token} if token else set())
        restarts: dict[datetime | None, int] = {}
        damaged = False
        pending: _Prefetch | None = _Prefetch(self._fetch_listing, params)
        with _quick_switching():
            try:
                while pending is not None:
                    answer = pending.result()
                    pending = None
                    request = params
                    if answer.errors or answer.refused is not None:
                        if self._ends_listing(answer, request, listing, position):
                            self.listed_all = position.run_from is None and not damaged
                            yield Page()
                            return
                        params = self._restart(answer, position, restarts)
                        listing = _Listing(counted=True)
                        pending = _Prefetch(self._fetch_listing, params)
                        continue
                    if answer.listing is None:
                        raise FeedError("the response has no ListRecords element", url=answer.url)
                    next_token = answer.token or ""
                    if next_token:
                        if next_token in listing.tokens:
                            raise FeedError(
                                f"the repository repeats the resumption token {next_token!r} (a loop)",
                                url=self.source.url,
                            )
                        listing.tokens.add(next_token)
                        params = {"verb": "ListRecords", "resumptionToken": next_token}
                        if not answer.truncated:
                            pending = _Prefetch(self._fetch_listing, params)
                    page = self._read_page(answer, position)
                    damaged = damaged or answer.damaged
                    listing.note(answer, len(page.records) + len(page.errors))
                    if answer.truncated:
                        # resuming asks for this page again (or starts the listing again)
                        page.checkpoint = position.checkpoint(request.get("resumptionToken"))
                        yield page
                        raise FeedError(
                            "the page was cut short (the document ends early); the next harvest"
                            " asks for it again",
                            url=answer.url,
                        )
                    page.checkpoint = position.checkpoint(next_token) if next_token else None
                    yield page
                    if not next_token:
                        self.listed_all = position.run_from is None and not damaged
            finally:
                if pending is not None:
                    pending.cancel()

    def _ends_listing(
        self, answer: _Answer, request: dict[str, str], listing: _Listing, position: _Position
    ) -> bool:
        """For an answer with errors: whether it ends the listing (``True``), means the
        token was refused so that the listing starts again (``False``), or fails (raises)."""
        codes = {code for code, _ in answer.errors}
        if codes == {"noRecordsMatch"}:
            return True  # nothing (more) to list
        refused = answer.refused is not None or codes == {"badResumptionToken"}
        if "resumptionToken" in request and refused:
            if listing.complete:
                log.info("%s: a token after the complete list was refused", self.source.url)
                return True
            status = answer.refused.status if answer.refused is not None else None
            if status is None or status in TOKEN_REFUSAL_STATUS:
                return False
            # a server error deep in a listing: starting again helps from a later point only
            if position.ordered and position.newest is not None:
                return False
        if answer.refused is not None:
            raise answer.refused
        raise self._error(answer.errors)

    def _restart(
        self, answer: _Answer, position: _Position, restarts: dict[datetime | None, int]
    ) -> dict[str, str]:
        """The request that lists again from the position's restart point (a refused
        token); :class:`FeedError` when the listing keeps failing from that point."""
        point = position.restart_from
        restarts[point] = restarts.get(point, 0) + 1
        where = _iso(point) or "the start"
        if restarts[point] > MAX_RESTARTS:
            raise FeedError(
                f"the repository refused resumption tokens {restarts[point]} times in a"
                f" listing from {where}: {self._why(answer)}",
                url=self.source.url,
            )
        log.warning("%s: %s; listing again from %s", self.source.url, self._why(answer), where)
        return self._list_params(point)

    def _why(self, answer: _Answer) -> str:
        if answer.refused is not None:
            return answer.refused.message
        return "; ".join(_describe(c, t, self._context()) for c, t in answer.errors)

    def _read_page(self, answer: _Answer, position: _Position) -> Page:
        page = Page(errors=list(answer.record_errors))
        records = page.records
        listing = answer.listing
        if listing is None:  # pragma: no cover - checked by the caller
            return page
        reads: Iterable[RawRecord | RecordError]
        if answer.dc_lines is not None:
            reads = self._read_dc_lines(answer.dc_lines, listing)
        else:
            reads = map(self._read_record, listing.iterchildren(_RECORD))
        with _gc_paused():  # thousands of small dicts and lists, none in a cycle
            for read in reads:
                if isinstance(read, RawRecord):
                    position.see(read.datestamp)
                    records.append(read)
                else:
                    page.errors.append(read)
        return page

    def _read_dc_lines(
        self, lines: list[str], listing: etree._Element
    ) -> Iterator[RawRecord | RecordError]:
        """The records of an oai_dc page read in one pass; those its lines cannot give are
        read element by element (their ``<record>`` elements are found only then)."""
        elements: list[etree._Element] | None = None
        deleted_format = format_of(None, self.metadata_prefix)
        for index, line in enumerate(lines):
            read = _dc_line_record(line, deleted_format)
            if read is None:
                if elements is None:
                    elements = list(listing.iterchildren(_RECORD))
                yield self._read_record(elements[index])
            else:
                yield read

    def _read_record(self, record: etree._Element) -> RawRecord | RecordError:
        """One ``<record>``: a raw record, or why it cannot be one. Children are walked
        once (``find``/``findtext`` go through ElementPath, several times slower)."""
        header = metadata = None
        for child in record:
            tag = child.tag
            if tag == _HEADER and header is None:
                header = child
            elif tag == _METADATA and metadata is None:
                metadata = child
        identifier = stamp = None
        sets: list[str] = []
        if header is not None:
            for item in header:
                tag = item.tag
                if tag == _IDENTIFIER and identifier is None:
                    identifier = (item.text or "").strip()
                elif tag == _DATESTAMP and stamp is None:
                    stamp = item.text
                elif tag == _SET_SPEC and item.text and item.text.strip():
                    sets.append(item.text.strip())
        if header is None or not identifier:
            return RecordError(
                identifier=None,
                message="a record without an identifier",
                snippet=snippet(etree.tostring(record)),
            )
        datestamp = parse_datestamp(stamp)
        if header.get("status") == "deleted":
            return RawRecord(
                identifier=identifier,
                datestamp=datestamp,
                deleted=True,
                format=format_of(None, self.metadata_prefix),
            )
        content = None
        if metadata is not None:
            for child in metadata:
                if isinstance(child.tag, str):
                    content = child
                    break
        if metadata is None or content is None:
            return RecordError(
                identifier=identifier,
                message="the record has no metadata",
                snippet=snippet(etree.tostring(record)),
            )
        form = format_of(_namespace_of(content), self.metadata_prefix)
        if form != "oai_dc":
            payload = {"sets": sets, "xml": etree.tostring(content, encoding="unicode")}
            return RawRecord(identifier, datestamp, format=form, payload=payload)
        dublin_core = _dublin_core(metadata)
        if not dublin_core:
            return RecordError(
                identifier=identifier,
                message="the metadata holds no Dublin Core element",
                snippet=snippet(etree.tostring(record)),
            )
        return RawRecord(
            identifier, datestamp, format=form, payload={"sets": sets, "metadata": dublin_core}
        )

    # requests -----------------------------------------------------------------------

    def _context(self) -> dict[str, str]:
        return {
            "prefix": self.metadata_prefix,
            "set": self.source.set_spec or "",
            "url": self.source.url,
        }

    def _error(self, errors: list[tuple[str, str]]) -> OAIPMHError:
        message = "; ".join(_describe(code, text, self._context()) for code, text in errors)
        return OAIPMHError(message, url=self.source.url, errors=errors)

    def _fetch_listing(self, params: dict[str, str]) -> _Answer:
        """A ListRecords page (run in the prefetch thread): fetched, parsed, salvaged."""
        try:
            response = self.fetcher.get(self.source.url, params=params)
        except FetchError as exc:
            answer = _answer_in_error_body(exc, "ListRecords")
            if answer is not None:
                return answer
            status = exc.status or 0
            if "resumptionToken" in params and (status in TOKEN_REFUSAL_STATUS or status >= 500):
                return _Answer(url=exc.url, refused=exc)
            raise
        answer = _read_listing(response.content, response.url, "ListRecords")
        if self.metadata_prefix == "oai_dc" and answer.listing is not None and not answer.damaged:
            answer.dc_lines = _dc_page_lines(answer.listing)
        return answer

    def _call(self, params: dict[str, str], verb: str) -> etree._Element:
        """The verb's element of a (small) answer; OAI-PMH errors raise."""
        element, _ = self._call_list(params, verb)
        return element

    def _call_list(self, params: dict[str, str], verb: str) -> tuple[etree._Element, str | None]:
        try:
            response = self.fetcher.get(self.source.url, params=params)
        except FetchError as exc:
            answer = _answer_in_error_body(exc, verb)
            if answer is None or not answer.errors:
                raise
        else:
            root = parse_xml(response.content, url=response.url)
            answer = _answer_from_root(root, response.url, verb)
        if answer.errors:
            raise self._error(answer.errors)
        if answer.listing is None:
            raise FeedError(f"the response has no {verb} element", url=answer.url)
        return answer.listing, answer.token

    def _granularity_format(self) -> str:
        """How ``from`` and ``until`` are written here (Identify, asked once)."""
        if self._granularity is None:
            granularity = DAY_GRANULARITY
            try:
                facts = self.identify()
            except (FeedError, FetchError) as exc:
                if isinstance(exc, FetchError) and exc.status is None:
                    raise  # the repository cannot be reached at all
                log.warning(
                    "%s: Identify cannot be read (%s); day granularity assumed",
                    self.source.url,
                    exc,
                )
            else:
                self.deleted_record = facts["deletedRecord"]
                if facts["granularity"] in GRANULARITIES:
                    granularity = facts["granularity"]
                else:
                    log.warning(
                        "%s: Identify names no known granularity (%r); day granularity assumed",
                        self.source.url,
                        facts["granularity"],
                    )
            self._granularity = granularity
        return GRANULARITIES[self._granularity]

    def _until(self) -> tuple[datetime, bool] | None:
        """``options["until"]`` and whether it names a whole day."""
        text = (self.source.options.get("until") or "").strip()
        if not text:
            return None
        moment = parse_datestamp(text)
        if moment is None:
            raise FeedError(
                f"the source option 'until' is not a date (YYYY-MM-DD or"
                f" YYYY-MM-DDThh:mm:ssZ): {text!r}",
                url=self.source.url,
            )
        return moment, len(text) == 10

    def _list_params(self, start: datetime | None) -> dict[str, str]:
        """The arguments of a new ListRecords listing from ``start``."""
        params = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix}
        if self.source.set_spec:
            params["set"] = self.source.set_spec
        until = self._until()
        if start is None and until is None:
            return params
        pattern = self._granularity_format()
        if start is not None:
            params["from"] = _utc(start).strftime(pattern)
        if until is not None:
            moment, whole_day = until
            if whole_day:  # the whole day, in either granularity
                moment = moment.replace(hour=23, minute=59, second=59)
            params["until"] = moment.strftime(pattern)
        return params

    def _check_metadata_prefix(self) -> None:
        """Refuse a metadataPrefix the repository does not offer (when it says so clearly)."""
        try:
            formats = self.metadata_formats()
        except (FeedError, FetchError) as exc:
            if isinstance(exc, FetchError) and exc.status is None:
                raise
            log.info("%s: ListMetadataFormats cannot be read (%s)", self.source.url, exc)
            return
        offered = [f["metadataPrefix"] for f in formats if f["metadataPrefix"]]
        if offered and self.metadata_prefix not in offered:
            raise FeedError(
                f"the repository does not offer the metadata format {self.metadata_prefix!r};"
                f" it offers {', '.join(repr(p) for p in offered)}",
                url=self.source.url,
            )


def _answer_in_error_body(exc: FetchError, verb: str) -> _Answer | None:
    """The OAI-PMH answer in the body of an HTTP error, when the fetcher kept it
    (repositories such as Zenodo send their OAI-PMH errors with status 422)."""
    body = getattr(exc, "body", None)
    if not isinstance(body, bytes) or not body.strip():
        return None
    try:
        answer = _answer_from_root(parse_xml(body, url=exc.url), exc.url, verb)
    except FeedError:
        return None
    return answer if answer.errors else None
