"""The RSS/Atom harvester and its mapping: licences wherever feeds put them, broken items,
hostile documents, conditional GET, paging (RFC 5005) and a harvest end to end."""

from __future__ import annotations

import socket
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from harvesters import Fetcher, Page, RawRecord, get_harvester
from harvesters.feeds import FeedHarvester, parse_date
from registry.errors import FeedError
from registry.harvest import run_harvest
from registry.models import Source, Work, record_id
from registry.normalise import NormaliseError, to_record
from registry.normalise._feeds import html_to_text
from registry.store.sqlite import SQLiteStore
from tests.conftest import loopback_server

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
URL = "https://93.184.216.34/feed.xml"
BASE = "http://registry.test"


def _source(url: str = URL, **options: str) -> Source:
    return Source(name="feed", kind="rss", url=url, options=options)


def harvest(
    body: bytes, *, page_size: int | None = None, **kwargs: Any
) -> tuple[list[Page], FeedHarvester]:
    """Every page of one feed document answered over (mock) HTTP."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    harvester = FeedHarvester(_source(), Fetcher(transport=transport, retries=0))
    if page_size is not None:
        harvester.page_size = page_size
    return list(harvester.pages(**kwargs)), harvester


def records(body: bytes) -> list[RawRecord]:
    pages, _ = harvest(body)
    return [record for page in pages for record in page.records]


def works(body: bytes) -> list[Work]:
    out = []
    for raw in records(body):
        record = to_record(_source(), raw, BASE)
        assert isinstance(record, Work)
        out.append(record)
    return out


def fixture(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


# --- licence statements where real feeds put them ------------------------------------------


@pytest.mark.parametrize(
    ("name", "statement"),
    [
        ("feedparser/rss_item_cc_license.xml", "http://www.creativecommons.org/licenses/by-nc/1.0"),
        (
            "feedparser/rss_item_creativeCommons_license.xml",
            "http://www.creativecommons.org/licenses/by-nc/1.0",
        ),
        ("feedparser/rss_item_dc_rights.xml", "Example copyright"),
        (
            "feedparser/atom_entry_link_rel_license.xml",
            "http://www.creativecommons.org/licenses/by-nc/1.0",
        ),
        ("feedparser/atom_entry_rights.xml", "Example Atom"),
    ],
    ids=["cc:license", "creativeCommons:license", "dc:rights", "atom-link-license", "atom-rights"],
)
def test_item_licence_statements_in_real_feeds(name: str, statement: str) -> None:
    (record,) = records(fixture(name))
    assert record.format == "rss"
    assert record.payload is not None
    assert record.payload["rights"] == [statement]
    assert record.payload["channel"]["rights"] == []
    # these test files carry a licence and little else: no title, so no work
    with pytest.raises(NormaliseError, match="title"):
        to_record(_source(), record, BASE)


@pytest.mark.parametrize(
    ("name", "closing", "statement"),
    [
        ("feedparser/rss_channel_dc_rights.xml", b"</channel>", "Example copyright"),
        ("feedparser/atom_feed_rights.xml", b"</feed>", "Example Atom"),
    ],
    ids=["rss-channel-dc:rights", "atom-feed-rights"],
)
def test_channel_licence_statements_in_real_feeds_are_inherited(
    name: str, closing: bytes, statement: str
) -> None:
    body = fixture(name)
    item = (
        b"<entry><id>urn:x:1</id><title>One</title></entry>"
        if b"Atom" in body
        else b"<item><guid>urn:x:1</guid><title>One</title></item>"
    )
    (record,) = records(body.replace(closing, item + closing))
    assert record.payload is not None
    assert record.payload["rights"] == []
    assert record.payload["channel"]["rights"] == [statement]
    (work,) = [to_record(_source(), record, BASE)]
    assert work.licence.raw == statement
    assert work.licence.uri is None  # neither statement names a licence


def test_scripting_news_item_licence_wins_over_the_channel_licence() -> None:
    first, second = works(fixture("rome/rss2_scripting_news_creativeCommons.xml"))
    # the channel's creativeCommons:license, over its copyright notice
    assert first.licence.uri == "https://creativecommons.org/licenses/by-nd/1.0/"
    assert first.licence.raw == "http://www.creativecommons.org/licenses/by-nd/1.0"
    # the item's own licence
    assert second.licence.uri == "https://creativecommons.org/licenses/by-nc/1.0/"
    # items without a title are named after the start of their description, tags dropped
    assert first.title.startswith("Creative Commons press release. ")
    assert "<a" not in (first.description or "")
    assert first.publisher == "Scripting News"
    assert first.languages == ["en"]
    assert first.modified == datetime(2002, 12, 16, 12, 48, 41, tzinfo=UTC)
    assert first.landing_page == (
        "http://scriptingnews.userland.com/backissues/2002/12/16#When:4:48:41AM"
    )


def test_rss1_licences_of_item_and_channel_not_of_the_image() -> None:
    (record,) = records(fixture("rome/rss1_cc_license_with_License_rdf.xml"))
    assert record.identifier == "http://c.moreover.com/click/here.pl?r123"
    assert record.payload is not None
    assert record.payload["rights"] == ["http://www.creativecommons.org/licenses/example2"]
    assert record.payload["channel"]["rights"] == [
        "http://www.creativecommons.org/licenses/example1"
    ]
    assert record.payload["channel"]["feed"] == "rdf"
    work = to_record(_source(), record, BASE)
    assert work.licence.raw == "http://www.creativecommons.org/licenses/example2"


def test_slashdot_rss1_with_dublin_core() -> None:
    items = works(fixture("rome/rss1_slashdot_dc_rights.xml"))
    assert len(items) == 10
    first = items[0]
    assert first.source_identifier == "http://slashdot.org/article.pl?sid=05/11/19/2014233&from=rss"
    assert first.modified == datetime(2005, 11, 20, 0, 43, tzinfo=UTC)
    assert first.creators == ["Zonk"]
    assert first.publisher == "OSTG"
    assert first.languages == ["en"]
    assert first.landing_page == "http://rss.slashdot.org/Slashdot/slashdot?m=1961"
    # the channel's dc:rights is a copyright notice: In Copyright, for every item
    assert {w.licence.uri for w in items} == {"http://rightsstatements.org/vocab/InC/1.0/"}


def test_channel_licence_is_inherited_only_by_items_without_their_own() -> None:
    market, town_hall, harbour = works(fixture("synthetic/rss2_channel_licence.xml"))
    # no statement of its own: the channel's atom:link rel="license" beats its copyright
    assert market.licence.uri == "https://creativecommons.org/licenses/by/4.0/"
    assert town_hall.licence.uri == "https://creativecommons.org/publicdomain/zero/1.0/"
    # the item's own copyright notice counts, however sure the channel's licence is
    assert harbour.licence.uri == "http://rightsstatements.org/vocab/InC/1.0/"
    assert harbour.licence.raw == "© 2024 Pieter Jansen, alle rechten voorbehouden"
    assert market.title == "Markt op zaterdag & de kerktoren"
    assert market.description == "De markt op zaterdag."  # no script content
    assert market.creators == ["Anna Bakker"]
    assert market.subjects == ["Markt", "Klimaatadaptatie"]
    assert market.formats == ["image/jpeg"]
    assert market.languages == ["nl"]
    assert market.issued == "2024-03-02"
    assert market.modified == datetime(2024, 3, 2, 8, 30, tzinfo=UTC)
    assert market.source_identifier == "beeldbank:1001"
    assert town_hall.description == "Het stadhuis rond 1910."  # from content:encoded, no CSS
    assert town_hall.creators == ["Onbekende fotograaf"]


def test_atom_entry_source_and_feed_rights() -> None:
    (with_own, inheriting, copied) = works(fixture("synthetic/atom_rights.xml"))
    assert with_own.licence.uri == "https://creativecommons.org/licenses/by-nc/4.0/"
    # the feed's rights stand after its entries, and still apply to those without any
    assert inheriting.licence.uri == "https://creativecommons.org/licenses/by-sa/4.0/"
    # an entry copied from another feed keeps that feed's rights (atom:source)
    assert copied.licence.uri == "https://creativecommons.org/publicdomain/mark/1.0/"
    assert copied.creators == ["Redactie Elders"]
    assert inheriting.creators == ["Kenniscentrum Voorbeeld"]  # the feed's author
    assert with_own.title == "Waterbeheer in de stad"
    assert inheriting.title == "Energy transition report"
    assert inheriting.description == "Full text of the report."
    assert with_own.languages == ["nl"]  # the feed's xml:lang
    assert inheriting.languages == ["en"]  # the entry's own
    assert with_own.landing_page == "https://93.184.216.34/publicaties/17"  # resolved
    assert with_own.formats == ["application/pdf"]
    assert with_own.subjects == ["Water", "climate-change"]
    assert with_own.challenges == ["climate-change"]
    assert with_own.modified == datetime(2024, 4, 9, 13, 0, tzinfo=UTC)  # updated, in UTC
    assert with_own.issued == "2024-04-01"


# --- broken and hostile feeds ---------------------------------------------------------------


def test_xxe_and_billion_laughs_are_never_expanded() -> None:
    pages, _ = harvest(fixture("synthetic/xxe_billion_laughs.xml"))
    (page,) = pages
    laughing, ordinary = page.records
    assert laughing.payload is not None
    text = repr([r.payload for r in page.records])
    assert "lol" not in text
    assert "root:" not in text
    assert laughing.payload["title"]["value"] == "Laughing"
    assert laughing.payload["channel"]["title"]["value"] == "Channel"
    assert ordinary.identifier == "https://feed.example.org/2"


def test_entities_are_never_fetched_nor_read_from_disk(
    tmp_path: Path, listener: tuple[str, socket.socket]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    address, sock = listener
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{address}/rss.dtd" ['
        f'<!ENTITY file SYSTEM "{secret.as_uri()}"><!ENTITY web SYSTEM "{address}/x">'
        f'<!ENTITY % p SYSTEM "{address}/p.dtd"> %p;]>'
        '<rss version="2.0"><channel><title>&file;</title>'
        "<item><guid>1</guid><title>a &file; &web; b</title></item></channel></rss>"
    ).encode()
    (record,) = records(body)
    assert record.payload is not None
    assert record.payload["title"]["value"] == "a   b"
    assert "TOP-SECRET" not in repr(record.payload)
    with pytest.raises(BlockingIOError):
        sock.accept()  # nobody connected


def test_a_malformed_item_is_reported_and_the_others_are_read() -> None:
    pages, _ = harvest(fixture("synthetic/malformed_item.xml"))
    (page,) = pages
    assert [r.identifier for r in page.records] == [
        "https://nieuws.example.org/1",
        "https://nieuws.example.org/3",
        "https://nieuws.example.org/5",
    ]
    mismatched, unclosed = page.errors
    assert mismatched.stage == unclosed.stage == "parse"
    assert mismatched.identifier == "https://nieuws.example.org/2"
    assert "not well-formed" in mismatched.message
    assert mismatched.snippet is not None and "Kapot <b>bericht" in mismatched.snippet
    assert unclosed.identifier == "https://nieuws.example.org/4"
    assert "never closed" in unclosed.message
    assert unclosed.snippet is not None and "Nooit gesloten" in unclosed.snippet


@pytest.mark.parametrize(
    "item",
    [
        b"<item><title>T <<< x</title><guid>2</guid></item>",
        b'<item><title a="x>T</title><guid>2</guid></item>',
        b"<item><title>T</title><guid>2</guid></itme>",
    ],
    ids=["stray-lt", "unclosed-attribute", "misspelt-end-tag"],
)
def test_structural_faults_stay_inside_their_item(item: bytes) -> None:
    body = (
        b'<rss version="2.0"><channel><title>c</title>'
        b"<item><title>one</title><guid>1</guid></item>"
        + item
        + b"<item><title>three</title><guid>3</guid></item></channel></rss>"
    )
    pages, _ = harvest(body)
    assert [r.identifier for p in pages for r in p.records] == ["1", "3"]
    (error,) = [e for p in pages for e in p.errors]
    assert error.identifier == "2"


def test_invalid_characters_are_dropped_and_entities_read() -> None:
    plain, damaged, other = works(fixture("synthetic/invalid_characters.xml"))
    assert damaged.title == "Stuurtekens en verwijzingen \ufffd\ufffd ongeldig"
    assert damaged.description == "café & thee …"
    assert [plain.title, other.title] == ["Gewoon", "Ook gewoon"]


def test_markup_inside_cdata_and_comments_is_not_an_item() -> None:
    body = (
        b'<rss version="2.0"><channel><title>c</title><!-- <item> -->'
        b"<item><title><![CDATA[a </item><item> b]]></title><guid>1</guid>"
        b"<!-- </item> --></item><item><title>two</title><guid>2</guid></item>"
        b"</channel></rss>"
    )
    first, second = records(body)
    assert first.payload is not None
    assert first.payload["title"]["value"] == "a </item><item> b"
    assert second.identifier == "2"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty or not XML"),
        (b"hello", "empty or not XML"),
        (b"<html><body><item>x</item></body></html>", "root element is 'html'"),
        (b'<feed xmlns="urn:other"><entry/></feed>', "root element is 'feed' in urn:other"),
    ],
)
def test_documents_that_are_not_feeds(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        harvest(body)


@pytest.mark.parametrize("encoding", ["utf-16", "iso-8859-1", "windows-1252", "utf-8-sig"], ids=str)
def test_declared_and_marked_encodings(encoding: str) -> None:
    declared = "utf-8" if encoding == "utf-8-sig" else encoding
    text = (
        f'<?xml version="1.0" encoding="{declared}"?><rss version="2.0"><channel>'
        "<item><guid>1</guid><title>Café in Zürich</title></item></channel></rss>"
    )
    (record,) = records(text.encode(encoding))
    assert record.payload is not None
    assert record.payload["title"]["value"] == "Café in Zürich"


def test_prefixed_atom_and_rss1_elements() -> None:
    atom = (
        b'<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:entry><a:id>x</a:id>'
        b'<a:title type="html">&lt;b&gt;B&lt;/b&gt; &amp;amp; C</a:title></a:entry></a:feed>'
    )
    (work,) = works(atom)
    assert work.title == "B & C"
    rss1 = (
        b'<r:RDF xmlns:r="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns:s="http://purl.org/rss/1.0/"><s:channel r:about="c"><s:title>C</s:title>'
        b'</s:channel><s:item r:about="https://e.org/1"><s:title>One</s:title></s:item></r:RDF>'
    )
    (work,) = works(rss1)
    assert (work.source_identifier, work.title, work.publisher) == ("https://e.org/1", "One", "C")


def test_items_without_identifiers_get_a_stable_digest() -> None:
    body = b'<rss version="2.0"><channel><item><title>No id</title></item></channel></rss>'
    (first,) = records(body)
    (again,) = records(body)
    assert first.identifier.startswith("urn:feed-item:sha256:")
    assert first.identifier == again.identifier
    (work,) = works(body)
    assert work.identifiers == []  # a made-up identifier is not shown


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 16 Dec 2002 12:48:41 GMT", datetime(2002, 12, 16, 12, 48, 41, tzinfo=UTC)),
        ("16 Dec 2002 12:48:41 +0100", datetime(2002, 12, 16, 11, 48, 41, tzinfo=UTC)),
        ("Mon, 16 Dec 02 12:48:41 EST", datetime(2002, 12, 16, 17, 48, 41, tzinfo=UTC)),
        ("Monday, 16 Sept 2002 12:48 CEST", datetime(2002, 9, 16, 10, 48, tzinfo=UTC)),
        ("Sat, 02 Mar 2024 09:30:00 Z", datetime(2024, 3, 2, 9, 30, tzinfo=UTC)),
        ("2005-11-20T01:11:49Z", datetime(2005, 11, 20, 1, 11, 49, tzinfo=UTC)),
        ("2005-11-20t01:11:49z", datetime(2005, 11, 20, 1, 11, 49, tzinfo=UTC)),
        ("2005-11-20T01:11+02:00", datetime(2005, 11, 19, 23, 11, tzinfo=UTC)),
        ("2002-12-16T12:48:41.000+0100", datetime(2002, 12, 16, 11, 48, 41, tzinfo=UTC)),
        ("2005-11-20", datetime(2005, 11, 20, tzinfo=UTC)),
        ("2005-11", datetime(2005, 11, 1, tzinfo=UTC)),
        ("2005", datetime(2005, 1, 1, tzinfo=UTC)),
        ("  2005-11-20 01:11:49 ", datetime(2005, 11, 20, 1, 11, 49, tzinfo=UTC)),
        ("Mon, 32 Dec 2002 12:48:41 GMT", None),
        ("2005-13-01", None),
        ("gisteren", None),
        ("", None),
        (None, None),
    ],
)
def test_feed_dates(value: str | None, expected: datetime | None) -> None:
    assert parse_date(value) == expected


# --- HTML to text ---------------------------------------------------------------------------


def test_html_becomes_text_without_scripts() -> None:
    markup = (
        "<p>One<br>two</p><script>var x = '<p>no</p>';</script><style>p{}</style>"
        "<ul><li>three</li><li>four &amp; five</li></ul><!-- hidden --><b>six</b>seven"
    )
    assert html_to_text(markup) == "One two three four & five sixseven"
    assert html_to_text("a < b & c") == "a < b & c"
    assert html_to_text("plain   text") == "plain text"


def test_long_content_is_cut_for_the_description() -> None:
    words = " ".join(f"word{i}" for i in range(2000))
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id>'
        f'<content type="text">{words}</content></entry></feed>'
    ).encode()
    (work,) = works(body)
    assert work.description is not None
    assert len(work.description) <= 5000
    assert work.description.endswith("…")
    assert work.title.startswith("word0 word1") and len(work.title) <= 120


# --- a loopback feed server -----------------------------------------------------------------


class _FeedServer(BaseHTTPRequestHandler):
    """Serves documents by path, with an ETag, answering If-None-Match with 304."""

    documents: ClassVar[dict[str, bytes]] = {}
    requests: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def do_GET(self) -> None:
        self.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        body = self.documents.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_FeedServer]]]:
    handler = type("Server", (_FeedServer,), {"documents": {}, "requests": []})
    with loopback_server(handler) as base:
        yield base, handler


def _fetcher() -> Fetcher:
    return Fetcher(allow_private_networks=True, sleep=lambda s: None, retries=0)


def _rss(items: range, *, extra: str = "") -> bytes:
    entries = "".join(
        f"<item><guid>https://e.org/{i}</guid><title>Item {i}</title>"
        f"<pubDate>Mon, {1 + i % 28:02d} Jan 2024 10:00:00 GMT</pubDate></item>"
        for i in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:fh="http://purl.org/syndication/history/1.0"><channel><title>Feed</title>'
        f"{extra}{entries}</channel></rss>"
    ).encode()


def test_an_unchanged_feed_costs_one_304(server: tuple[str, type[_FeedServer]]) -> None:
    address, handler = server
    handler.documents["/feed.xml"] = _rss(range(3))
    source = _source(f"{address}/feed.xml")
    first = FeedHarvester(source, _fetcher())
    assert [len(p.records) for p in first.pages(since=None)] == [3]
    assert "if-none-match" not in handler.requests[0][1]
    validators = first.validators
    assert validators[f"{address}/feed.xml"]["etag"]

    again = FeedHarvester(source, _fetcher(), validators=validators)
    pages = list(again.pages(since=datetime(2024, 1, 1, tzinfo=UTC)))
    assert handler.requests[1][1]["if-none-match"] == validators[f"{address}/feed.xml"]["etag"]
    assert [(p.records, p.errors, p.checkpoint) for p in pages] == [([], [], None)]
    assert again.listed_all is False

    handler.documents["/feed.xml"] = _rss(range(4))  # changed: a new ETag
    changed = FeedHarvester(source, _fetcher(), validators=validators)
    assert [len(p.records) for p in changed.pages(since=datetime(2024, 1, 1, tzinfo=UTC))] == [4]


def test_paging_links_are_followed_until_they_loop(server: tuple[str, type[_FeedServer]]) -> None:
    address, handler = server
    link = '<atom:link rel="{rel}" href="{href}"/>'
    handler.documents["/feed.xml"] = _rss(
        range(0, 3), extra=link.format(rel="next", href="page2.xml")
    )
    handler.documents["/page2.xml"] = _rss(
        range(3, 6), extra=link.format(rel="prev-archive", href=f"{address}/page3.xml")
    )
    handler.documents["/page3.xml"] = _rss(
        range(6, 8), extra=link.format(rel="next", href="feed.xml")
    )
    harvester = FeedHarvester(_source(f"{address}/feed.xml"), _fetcher())
    pages = list(harvester.pages())
    assert [len(p.records) for p in pages] == [3, 3, 2]
    assert pages[0].checkpoint == {
        "url": f"{address}/page2.xml",
        "skip": 0,
        "visited": [f"{address}/feed.xml"],
        "documents": 1,
    }
    assert pages[-1].checkpoint is None
    (loop,) = pages[-1].errors
    assert (loop.stage, loop.identifier) == ("page", None)
    assert "loop" in loop.message
    assert [path for path, _ in handler.requests] == ["/feed.xml", "/page2.xml", "/page3.xml"]
    assert harvester.listed_all is False

    # resuming at the second document reads from there
    resumed = FeedHarvester(_source(f"{address}/feed.xml"), _fetcher())
    assert [len(p.records) for p in resumed.pages(resume=pages[0].checkpoint)] == [3, 2]

    capped = FeedHarvester(_source(f"{address}/feed.xml", max_pages="2"), _fetcher())
    pages = list(capped.pages())
    assert [len(p.records) for p in pages] == [3, 3]
    assert "max_pages" in pages[-1].errors[0].message


def test_an_incremental_run_stops_paging_at_older_items(
    server: tuple[str, type[_FeedServer]],
) -> None:
    address, handler = server
    handler.documents["/feed.xml"] = _rss(
        range(0, 3), extra='<atom:link rel="next" href="page2.xml"/>'
    )
    handler.documents["/page2.xml"] = _rss(range(3, 6))
    newer_than_all = datetime(2023, 12, 1, tzinfo=UTC)
    between = datetime(2024, 1, 2, 12, tzinfo=UTC)  # items 0 and 1 older, item 2 newer
    assert (
        len(
            list(
                FeedHarvester(_source(f"{address}/feed.xml"), _fetcher()).pages(
                    since=newer_than_all
                )
            )
        )
        == 2
    )
    handler.requests.clear()
    pages = list(FeedHarvester(_source(f"{address}/feed.xml"), _fetcher()).pages(since=between))
    assert [len(p.records) for p in pages] == [3]  # every item of it, but no further
    assert [path for path, _ in handler.requests] == ["/feed.xml"]


def test_a_complete_feed_read_whole_lists_every_item() -> None:
    complete = _rss(range(2), extra="<fh:complete/>")
    _, harvester = harvest(complete)
    assert harvester.listed_all is True
    _, harvester = harvest(complete, since=datetime(2024, 1, 1, tzinfo=UTC))
    assert harvester.listed_all is False
    _, harvester = harvest(_rss(range(2)))
    assert harvester.listed_all is False


def test_a_large_feed_goes_out_in_pages_and_resumes_part_way() -> None:
    body = _rss(range(1234))
    pages, _ = harvest(body, page_size=500)
    assert [len(p.records) for p in pages] == [500, 500, 234]
    assert [p.checkpoint["skip"] if p.checkpoint else None for p in pages] == [500, 1000, None]
    assert pages[1].checkpoint is not None
    resumed, _ = harvest(body, page_size=500, resume=pages[1].checkpoint)
    assert [r.identifier for p in resumed for r in p.records] == [
        f"https://e.org/{i}" for i in range(1000, 1234)
    ]


def _extra_memory(items: int) -> int:
    """Python memory allocated while reading a feed of ``items`` items page by page,
    beyond what the fetched body already took."""
    body = _rss(range(items))
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    harvester = FeedHarvester(_source(), Fetcher(transport=transport, retries=0))
    harvester.page_size = 200
    pages = harvester.pages()
    tracemalloc.start()
    try:
        first = next(pages)  # the body is fetched by now
        del first
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for page in pages:
            del page
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_items() -> None:
    small, large = _extra_memory(500), _extra_memory(4000)
    assert large < 2 * small + 200_000


# --- end to end -----------------------------------------------------------------------------


def test_a_feed_harvested_end_to_end(tmp_path: Path, server: tuple[str, type[_FeedServer]]) -> None:
    address, handler = server
    handler.documents["/rss"] = fixture("synthetic/rss2_channel_licence.xml")
    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.add_source(_source(f"{address}/rss"))
    assert get_harvester("rss") is FeedHarvester

    def run() -> Any:
        with _fetcher() as fetcher:
            return run_harvest(store, store.get_source("feed"), fetcher, base_uri=BASE)

    first = run()
    assert (first.status, first.added, first.failed) == ("succeeded", 3, 0)
    assert store.get_source("feed").http_cache[f"{address}/rss"]["etag"]
    second = run()  # unchanged: one 304
    assert (second.status, second.total, second.deleted) == ("succeeded", 0, 0)
    assert handler.requests[-1][1].get("if-none-match")

    # an item that drops out of the feed is not withdrawn: feeds show their latest items
    handler.documents["/rss"] = fixture("synthetic/rss2_channel_licence.xml").replace(
        b"beeldbank:1003", b"beeldbank:1004"
    )
    third = run()
    assert (third.added, third.deleted) == (1, 0)
    assert store.count() == 4
    stored = store.get(record_id("feed", "beeldbank:1003"))
    assert stored is not None and not stored.deleted
    assert isinstance(stored.record, Work)
    assert stored.record.licence.uri == "http://rightsstatements.org/vocab/InC/1.0/"


def test_bad_items_are_kept_with_the_run(
    tmp_path: Path, server: tuple[str, type[_FeedServer]]
) -> None:
    address, handler = server
    handler.documents["/news"] = fixture("synthetic/malformed_item.xml")
    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.add_source(_source(f"{address}/news"))
    with _fetcher() as fetcher:
        run = run_harvest(store, store.get_source("feed"), fetcher, base_uri=BASE)
    assert (run.status, run.added, run.failed) == ("partial", 3, 2)
    errors = store.get_run(run.id).errors
    assert [(e.identifier, e.stage) for e in errors] == [
        ("https://nieuws.example.org/2", "parse"),
        ("https://nieuws.example.org/4", "parse"),
    ]
    assert errors[0].snippet is not None and "Kapot <b>bericht" in errors[0].snippet
