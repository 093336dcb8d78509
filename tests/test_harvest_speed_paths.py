"""The harvest's fast paths give exactly what the plain paths give.

An oai_dc page is read in one pass (a stylesheet over the whole page) instead of element
by element; these tests read real and hand-written pages both ways and compare every raw
record, error and payload (key order included), so a difference in any edge case of the
one-pass reading shows here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import harvesters.oaipmh as oaipmh
from harvesters.base import Page, RawRecord, RecordError
from registry.licences import attribution
from registry.models import Source, Work
from registry.normalise import NormaliseError, _common, build_work, to_record
from registry.normalise._common import first, values
from tests.conftest import SHARED_FIXTURES

OAI_PMH = Path(__file__).parent / "fixtures" / "oai-pmh"

#: Every ListRecords capture that holds oai_dc records (local copies, then the shared ones).
DC_PAGES = [
    OAI_PMH / "sickle" / "ListRecords.xml",
    OAI_PMH / "sickle" / "ListRecords2.xml",
    OAI_PMH / "sickle" / "ListRecords3.xml",
    OAI_PMH / "sickle" / "ListRecords4.xml",
    OAI_PMH / "pyoai-erasmus" / "ListRecords.xml",
    OAI_PMH / "pyoai-erasmus" / "ListRecords_with_deleted.xml",
]
SHARED_DC_PAGES = [
    "oai-pmh/sickle/ListRecords.xml",
    "oai-pmh/pyoai-erasmus/ListRecords_with_deleted.xml",
    "oai-pmh/ucldc/ListRecords_empty.xml",
]

DC = (
    'xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
)


def page(records: str, *, doctype: str = "", declaration: str = "") -> bytes:
    return (
        (declaration or '<?xml version="1.0" encoding="UTF-8"?>')
        + doctype
        + '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        "<responseDate>2024-01-01T00:00:00Z</responseDate>"
        '<request verb="ListRecords">https://oai.example.org/oai</request>'
        f"<ListRecords>{records}<resumptionToken>t</resumptionToken></ListRecords></OAI-PMH>"
    ).encode("utf-8")


def record(dc: str, *, header: str | None = None, metadata: str | None = None) -> str:
    if header is None:
        header = (
            "<header><identifier>oai:x:1</identifier><datestamp>2024-02-03</datestamp></header>"
        )
    if metadata is None:
        metadata = f"<metadata><oai_dc:dc {DC}>{dc}</oai_dc:dc></metadata>"
    return f"<record>{header}{metadata}</record>"


def harvester(prefix: str = "oai_dc") -> oaipmh.OAIPMHHarvester:
    source = Source(name="s", kind="oai-pmh", url="https://oai.example.org/oai")
    if prefix != "oai_dc":
        source = source.model_copy(update={"metadata_prefix": prefix})
    return oaipmh.OAIPMHHarvester(source, None)  # type: ignore[arg-type]


def both_ways(content: bytes, prefix: str = "oai_dc") -> tuple[Page, Page, bool]:
    """The page read in one pass and element by element, and whether the one-pass reading
    was used at all."""
    reader = harvester(prefix)
    answer = oaipmh._read_listing(content, "https://oai.example.org/oai", "ListRecords")
    assert answer.listing is not None
    lines = oaipmh._dc_page_lines(answer.listing) if not answer.damaged else None
    fast_answer = oaipmh._read_listing(content, "https://oai.example.org/oai", "ListRecords")
    fast_answer.dc_lines = lines
    fast = reader._read_page(fast_answer, oaipmh._Position(run_from=None))
    plain = reader._read_page(answer, oaipmh._Position(run_from=None))
    return fast, plain, lines is not None


def assert_same(fast: Page, plain: Page) -> None:
    assert fast.records == plain.records
    assert fast.errors == plain.errors
    # the same payloads down to the order of their keys (what a snippet or a store shows)
    assert [json.dumps(r.payload) for r in fast.records] == [
        json.dumps(r.payload) for r in plain.records
    ]


@pytest.mark.parametrize("path", DC_PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_oai_dc_fixture_reads_the_same_in_one_pass(path: Path) -> None:
    fast, plain, used = both_ways(path.read_bytes())
    assert used
    assert plain.records  # the fixture has records to compare
    assert_same(fast, plain)


@pytest.mark.parametrize("name", SHARED_DC_PAGES)
def test_every_shared_oai_dc_capture_reads_the_same_in_one_pass(name: str) -> None:
    path = SHARED_FIXTURES / name
    if not path.exists():
        pytest.skip(f"{name} absent")
    fast, plain, _used = both_ways(path.read_bytes())
    assert_same(fast, plain)


def test_the_benchmark_pages_read_the_same_in_one_pass() -> None:
    from bench.harvest_oai import render_pages

    for content in render_pages(400, 200):
        fast, plain, used = both_ways(content)
        assert used
        assert len(plain.records) == 200
        assert_same(fast, plain)


#: Records whose reading has an edge the one-pass reading must get right (or hand over).
EDGE_RECORDS: dict[str, str] = {
    "white space in values": record(
        "<dc:title>  A\ttitle\n  on two\r\nlines </dc:title><dc:creator>\n</dc:creator>"
        "<dc:subject>&#10;x&#9;y&#13;</dc:subject>"
    ),
    "unicode white space": record(
        "<dc:title>\u00a0\u2003</dc:title><dc:title>A\u00a0 B\u3000</dc:title>"
        "<dc:description>soft\u00adhyphen and\u200bzero width</dc:description>"
        "<dc:subject>\u2028line\u2029</dc:subject>"
    ),
    "languages": record(
        '<dc:title xml:lang="nl">Titel</dc:title><dc:title xml:lang="">Empty</dc:title>'
        "<dc:subject>none</dc:subject>"
    ),
    "a language with a tab": record('<dc:title xml:lang="en&#9;x">T</dc:title>'),
    "a language with a newline": record('<dc:title xml:lang="en&#10;x">T</dc:title>'),
    "a language with spaces": record('<dc:title xml:lang=" en  gb ">T</dc:title>'),
    "mixed content and nesting": record(
        "<dc:title>A <i>b</i> c<dc:identifier>nested</dc:identifier> d</dc:title>"
    ),
    "elements deeper and elsewhere": record(
        "",
        metadata=f"<metadata><oai_dc:dc {DC}><wrap xmlns='urn:w'><dc:title>Deep</dc:title>"
        "</wrap><dc:unknown>skipped</dc:unknown><dc:rights>r</dc:rights></oai_dc:dc>"
        f"<dc:title {DC}>After the root</dc:title></metadata>",
    ),
    "cdata, references and escapes": record(
        "<dc:title><![CDATA[a < b && c]]> &amp; &#233;t&#xE9;</dc:title>"
    ),
    "dublin core in the default namespace": record(
        "",
        metadata="<metadata><oai_dc:dc xmlns:oai_dc='http://www.openarchives.org/OAI/2.0/oai_dc/'>"
        "<title xmlns='http://purl.org/dc/elements/1.1/'>Default</title></oai_dc:dc></metadata>",
    ),
    "a dc prefix of another namespace": record(
        "",
        metadata="<metadata><oai_dc:dc xmlns:oai_dc='http://www.openarchives.org/OAI/2.0/oai_dc/'"
        " xmlns:dc='urn:not-dc'><dc:title>Not DC</dc:title></oai_dc:dc></metadata>",
    ),
    "no dublin core value": record("<dc:title>  </dc:title>"),
    "no metadata": record("", metadata=""),
    "empty metadata": record("", metadata="<metadata></metadata>"),
    "metadata of another format": record(
        "",
        metadata="<metadata><resource xmlns='http://datacite.org/schema/kernel-4'>"
        "<titles><title>D</title></titles></resource></metadata>",
    ),
    "metadata of an unknown namespace": record(
        "",
        metadata=f"<metadata><x:dc xmlns:x='urn:x' {DC}><dc:title>U</dc:title></x:dc></metadata>",
    ),
    "two metadata elements": record(
        "<dc:title>First</dc:title>",
        metadata=f"<metadata><oai_dc:dc {DC}><dc:title>First</dc:title></oai_dc:dc></metadata>"
        f"<metadata><oai_dc:dc {DC}><dc:title>Second</dc:title></oai_dc:dc></metadata>",
    ),
    "no header": record("<dc:title>T</dc:title>", header=""),
    "no identifier": record(
        "<dc:title>T</dc:title>", header="<header><datestamp>2024-01-01</datestamp></header>"
    ),
    "an empty identifier": record(
        "<dc:title>T</dc:title>", header="<header><identifier> \u00a0</identifier></header>"
    ),
    "a padded identifier": record(
        "<dc:title>T</dc:title>",
        header="<header><identifier>\n  oai:x:pad \n</identifier>"
        "<datestamp> 2024-01-01 </datestamp></header>",
    ),
    "an identifier with inner space": record(
        "<dc:title>T</dc:title>",
        header="<header><identifier>oai:x:a  b</identifier><identifier>second</identifier>"
        "<datestamp>2024-01-01T10:11:12Z</datestamp></header>",
    ),
    "an identifier ending in unicode space": record(
        "<dc:title>T</dc:title>",
        header="<header><identifier>oai:x:u\u00a0</identifier><datestamp>bad</datestamp></header>",
    ),
    "an identifier with markup": record(
        "<dc:title>T</dc:title>",
        header="<header><identifier>oai:<b>x</b>:1</identifier></header>",
    ),
    "sets": record(
        "<dc:title>T</dc:title>",
        header="<header><identifier>oai:x:s</identifier><datestamp>2024-01-01</datestamp>"
        "<setSpec>a</setSpec><setSpec></setSpec><setSpec>\u00a0</setSpec><setSpec>b:c</setSpec>"
        "</header>",
    ),
    "a padded set": record(
        "<dc:title>T</dc:title>",
        header="<header><identifier>oai:x:s</identifier><setSpec> a </setSpec></header>",
    ),
    "deleted": record(
        "",
        header='<header status="deleted"><identifier>oai:x:d</identifier>'
        "<datestamp>2024-03-04T05:06:07Z</datestamp><setSpec>s</setSpec></header>",
        metadata="",
    ),
    "deleted with a status to be read as written": record(
        "<dc:title>T</dc:title>",
        header='<header status="deleted&#10;"><identifier>oai:x:d2</identifier></header>',
    ),
    "a second header": record(
        "<dc:title>T</dc:title>",
        header="<header><identifier>oai:x:h1</identifier></header>"
        '<header status="deleted"><identifier>oai:x:h2</identifier></header>',
    ),
}


@pytest.mark.parametrize("name", list(EDGE_RECORDS))
def test_an_edge_case_reads_the_same_in_one_pass(name: str) -> None:
    fast, plain, used = both_ways(page(EDGE_RECORDS[name]))
    assert used
    assert_same(fast, plain)


def test_all_edge_cases_on_one_page_read_the_same_and_in_order() -> None:
    content = page("".join(EDGE_RECORDS.values()))
    fast, plain, used = both_ways(content)
    assert used
    assert len(fast.records) + len(fast.errors) >= len(EDGE_RECORDS) - 1
    assert_same(fast, plain)


def test_white_space_is_collapsed_the_python_way_in_one_pass() -> None:
    fast, _plain, _used = both_ways(page(EDGE_RECORDS["unicode white space"]))
    (raw,) = fast.records
    assert raw.payload is not None
    metadata = raw.payload["metadata"]
    assert [v["value"] for v in metadata["title"]] == ["A B"]
    assert metadata["subject"] == [{"value": "line", "lang": None}]


def test_records_the_stylesheet_cannot_carry_are_read_element_by_element() -> None:
    lines = oaipmh._dc_page_lines(
        etree.fromstring(page(EDGE_RECORDS["a language with a tab"] + EDGE_RECORDS["sets"]))[2]
    )
    assert lines is not None
    assert lines[0] == "S"
    assert lines[1].startswith("R\toai:x:s\t2024-01-01\t4\ta\t\t\u00a0\tb:c\t")


def test_a_page_with_a_doctype_is_read_element_by_element() -> None:
    doctype = '<!DOCTYPE OAI-PMH [<!ENTITY e "expanded">]>'
    content = page(record("<dc:title>A &e; title</dc:title>"), doctype=doctype)
    fast, plain, used = both_ways(content)
    assert not used
    assert_same(fast, plain)


def test_a_page_in_another_encoding_reads_the_same() -> None:
    content = page(
        record("<dc:title>Caf\u00e9 \u00e0 la carte</dc:title>"),
        declaration='<?xml version="1.0" encoding="ISO-8859-1"?>',
    )
    content = content.decode("utf-8").encode("latin-1")
    fast, plain, used = both_ways(content)
    assert used
    assert_same(fast, plain)
    assert fast.records[0].payload == {
        "sets": [],
        "metadata": {"title": [{"value": "Caf\u00e9 \u00e0 la carte", "lang": None}]},
    }


def test_a_page_read_for_another_prefix_reads_the_same_in_one_pass() -> None:
    """A harvest of another prefix does not read in one pass (only oai_dc ones do), but the
    lines would give the same records for it too (deleted records keep its format)."""
    content = page(record("<dc:title>T</dc:title>"))
    fast, plain, _used = both_ways(content, prefix="qdc")
    assert_same(fast, plain)


def test_a_harvest_reads_oai_dc_pages_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the harvester's own fetching, each page is read in one pass, its records the
    element-by-element reading would give, and its errors too."""
    import httpx

    from harvesters import Fetcher

    body = page(EDGE_RECORDS["no header"] + record("<dc:title>Kept</dc:title>"))
    transport = httpx.MockTransport(
        lambda request: (
            httpx.Response(200, content=body)
            if request.url.params.get("verb") == "ListRecords"
            else httpx.Response(404)
        )
    )
    read_in_one_pass: list[int] = []
    original = oaipmh._dc_page_lines

    def counting(listing: etree._Element) -> list[str] | None:
        lines = original(listing)
        read_in_one_pass.append(len(lines or []))
        return lines

    monkeypatch.setattr(oaipmh, "_dc_page_lines", counting)
    source = Source(name="s", kind="oai-pmh", url="https://oai.example.org/oai")
    with Fetcher(transport=transport, retries=0, sleep=lambda s: None) as fetcher:
        pages = oaipmh.OAIPMHHarvester(source, fetcher).pages()
        first = next(pages)
        pages.close()
    assert read_in_one_pass[0] == 2  # (the next page may have been read ahead too)
    assert [r.identifier for r in first.records] == ["oai:x:1"]
    assert isinstance(first.records[0], RawRecord)
    assert first.errors == [
        RecordError(None, "a record without an identifier", snippet=first.errors[0].snippet)
    ]


# --- mapping: the built work is the validated work ----------------------------------------

BASE_URI = "http://registry.test"


def reference_work(source: Source, raw: RawRecord) -> Work:
    """The oai_dc mapping as the generic path makes it: every value read and collapsed one
    by one, the work validated by pydantic and its attribution computed from it."""
    metadata = (raw.payload or {})["metadata"]
    work = build_work(
        source,
        raw,
        BASE_URI,
        title=first(values(metadata, "title")),
        rights=values(metadata, "rights"),
        description=first(values(metadata, "description")),
        creators=values(metadata, "creator"),
        publisher=first(values(metadata, "publisher")),
        subjects=values(metadata, "subject"),
        language_values=values(metadata, "language"),
        identifiers=values(metadata, "identifier"),
        issued=first(values(metadata, "date")),
        types=values(metadata, "type"),
        formats=values(metadata, "format"),
    )
    assert work == Work.model_validate(work.model_dump())
    return work


def assert_same_work(fast: Work, reference: Work) -> None:
    assert type(fast) is Work
    assert fast == reference
    assert fast.model_dump_json() == reference.model_dump_json()
    assert fast.model_fields_set == reference.model_fields_set
    assert list(fast.__dict__) == list(Work.model_fields)
    assert fast == Work.model_validate(fast.model_dump())
    assert fast.attribution == attribution(fast, base_uri=BASE_URI)
    assert all(
        type(v) is str
        for field in ("creators", "subjects", "identifiers")
        for v in getattr(fast, field)
    )


def raw_dc_records() -> list[RawRecord]:
    """The live oai_dc records of every fixture, the benchmark's pages and the edge cases."""
    pages = [p.read_bytes() for p in DC_PAGES]
    pages += [page("".join(EDGE_RECORDS.values()))]
    from bench.harvest_oai import render_pages

    pages += render_pages(240, 120)
    records = []
    for content in pages:
        fast, _plain, _used = both_ways(content)
        records += [r for r in fast.records if not r.deleted and r.format == "oai_dc"]
    return records


def test_every_oai_dc_record_maps_to_the_validated_work(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[type[Any]] = []
    construct = _common._construct

    def counting(model: type[Any], fields: dict[str, Any], given: frozenset[str]) -> Any:
        built.append(model)
        return construct(model, fields, given)

    monkeypatch.setattr(_common, "_construct", counting)
    source = Source(name="s", kind="oai-pmh", url="https://oai.example.org/oai")
    mapped = 0
    for raw in raw_dc_records():
        try:
            reference = reference_work(source, raw)
        except NormaliseError as exc:
            with pytest.raises(NormaliseError, match=str(exc)):
                to_record(source, raw, BASE_URI)
            continue
        before = built.count(Work)
        assert_same_work(to_record(source, raw, BASE_URI), reference)  # type: ignore[arg-type]
        mapped += built.count(Work) - before
    assert mapped > 250  # built without validating again, the same as validated


#: Payloads the one-go check must hand to the value by value reading.
UNUSUAL_PAYLOADS: dict[str, dict[str, list[Any]]] = {
    "white space to collapse": {
        "title": [{"value": "  A\ttitle\n"}],
        "creator": [{"value": "B,  C"}, {"value": " D"}, {"value": "E "}],
        "subject": [{"value": "x\u00a0y"}, {"value": ""}, {"value": "   "}],
    },
    "an empty title first": {"title": [{"value": ""}, {"value": "Second"}], "rights": ["CC0"]},
    "plain strings": {"title": ["T"], "rights": ["https://creativecommons.org/licenses/by/4.0/"]},
    "values that are not strings": {
        "title": [{"value": "T"}],
        "creator": [{"value": None}, {"value": 5}, {"lang": "en"}],
    },
    "a string subclass": {"title": [{"value": etree.XML("<t>S</t>").xpath("string()")}]},
    "a run of spaces across values": {"title": [{"value": "T "}], "creator": [{"value": " C"}]},
    "rights that say how to credit": {
        "title": [{"value": "T"}],
        "rights": [{"value": "Naamsvermelding: Gemeente X"}, {"value": "CC BY 4.0"}],
        "creator": [{"value": "A"}, {"value": "A"}, {"value": "B"}, {"value": "C"}, {"value": "D"}],
        "publisher": [{"value": "A"}],
        "subject": [{"value": "Climate change (mitigation, adaptation)"}, {"value": "vergrijzing"}],
        "language": [{"value": "dut"}, {"value": "nl"}, {"value": "en_US"}],
        "identifier": [{"value": "https://doi.org/10.1/x"}, {"value": "https://x.example/1"}],
    },
    "no title": {"title": [{"value": " "}], "creator": [{"value": "A"}]},
}


@pytest.mark.parametrize("name", list(UNUSUAL_PAYLOADS))
def test_unusual_payloads_map_as_the_generic_path_maps_them(name: str) -> None:
    source = Source(name="s", kind="oai-pmh", url="https://oai.example.org/oai")
    raw = RawRecord(
        "oai:x:1",
        None,
        format="oai_dc",
        payload={"sets": [], "metadata": UNUSUAL_PAYLOADS[name]},
    )
    try:
        reference = reference_work(source, raw)
    except NormaliseError:
        with pytest.raises(NormaliseError):
            to_record(source, raw, BASE_URI)
        return
    assert_same_work(to_record(source, raw, BASE_URI), reference)  # type: ignore[arg-type]


def test_works_do_not_share_their_licence() -> None:
    source = Source(name="s", kind="oai-pmh", url="https://oai.example.org/oai")
    payload = {"metadata": {"title": [{"value": "T"}], "rights": [{"value": "CC BY 4.0"}]}}
    first_work, second = (
        to_record(source, RawRecord(i, None, format="oai_dc", payload=payload), BASE_URI)
        for i in ("a", "b")
    )
    assert first_work.licence == second.licence
    assert first_work.licence is not second.licence
    first_work.licence.raw = "changed"
    assert second.licence.raw == "CC BY 4.0"
    assert (
        to_record(
            source, RawRecord("c", None, format="oai_dc", payload=payload), BASE_URI
        ).licence.raw
        == "CC BY 4.0"
    )


# --- prefetching: the GIL is handed over often while pages are fetched ahead ---------------


def test_the_switch_interval_is_short_while_pages_are_fetched_ahead_and_restored() -> None:
    import sys

    import httpx

    from harvesters import Fetcher

    body = page(record("<dc:title>T</dc:title>"))
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    source = Source(name="s", kind="oai-pmh", url="https://oai.example.org/oai")
    before = sys.getswitchinterval()
    with Fetcher(transport=transport, retries=0, sleep=lambda s: None) as fetcher:
        first_harvest = oaipmh.OAIPMHHarvester(source, fetcher).pages()
        second_harvest = oaipmh.OAIPMHHarvester(source, fetcher).pages()
        next(first_harvest)
        assert sys.getswitchinterval() == oaipmh.PREFETCH_SWITCH_INTERVAL
        next(second_harvest)
        first_harvest.close()  # another harvest still prefetches
        assert sys.getswitchinterval() == oaipmh.PREFETCH_SWITCH_INTERVAL
        second_harvest.close()
    assert sys.getswitchinterval() == before


# --- the index follows the store while a harvest writes it ------------------------------


def test_the_index_follows_writes_and_catches_up_when_stopped(tmp_path: Path) -> None:
    import threading

    from registry.projections import SearchIndexer
    from registry.search.tantivy_backend import TantivyBackend
    from registry.store.sqlite import SQLiteStore
    from tests.conftest import make_work

    store = SQLiteStore(tmp_path / "store.db")
    backend = TantivyBackend(tmp_path / "index")
    indexer = SearchIndexer(store, backend, tmp_path / "index")
    stop = threading.Event()
    applied: list[int] = []
    follower = threading.Thread(
        target=lambda: applied.append(indexer.follow(stop, poll=0.001, batch=50, max_delay=60))
    )
    follower.start()
    try:
        for start in range(0, 120, 40):  # pages written while the index follows
            store.upsert([make_work(str(i)) for i in range(start, start + 40)])
        store.delete([make_work("0").id])
    finally:
        stop.set()
        follower.join(timeout=30)
    assert not follower.is_alive()
    # 120 records and a tombstone; the first record's own change is gone from the feed
    # when it was deleted before the follower read it
    assert applied in ([121], [120])
    assert indexer.lag() == 0
    assert backend.count() == 119
    backend.close()
    store.close()


def test_a_follower_waits_for_a_batch_or_its_delay(tmp_path: Path) -> None:
    import threading

    from registry.projections import SearchIndexer
    from registry.search.tantivy_backend import TantivyBackend
    from registry.store.sqlite import SQLiteStore
    from tests.conftest import make_work

    store = SQLiteStore(tmp_path / "store.db")
    backend = TantivyBackend(tmp_path / "index")
    indexer = SearchIndexer(store, backend, tmp_path / "index")
    store.upsert([make_work(str(i)) for i in range(5)])
    stop = threading.Event()
    follower = threading.Thread(
        target=indexer.follow, args=(stop,), kwargs={"poll": 0.001, "batch": 10, "max_delay": 0}
    )
    follower.start()  # five waiting, fewer than a batch: applied once the delay (none) is up
    deadline = threading.Event()
    for _ in range(2000):
        if indexer.lag() == 0:
            break
        deadline.wait(0.005)
    stop.set()
    follower.join(timeout=30)
    assert indexer.lag() == 0
    assert backend.count() == 5
    backend.close()
    store.close()


def test_models_with_checks_of_their_own_are_always_validated() -> None:
    from pydantic import BaseModel, field_validator, model_validator

    class Checked(BaseModel):
        text: str

        @model_validator(mode="after")
        def _check(self) -> Checked:
            return self

    class FieldChecked(BaseModel):
        text: str

        @field_validator("text")
        @classmethod
        def _strip(cls, value: str) -> str:
            return value.strip()

    class Plain(BaseModel):
        text: str

    assert not _common._simple(Checked)
    assert not _common._simple(FieldChecked)
    assert _common._simple(FieldChecked, frozenset({"_strip"}))
    assert _common._simple(Plain)
    assert _common._FAST_WORK  # Work, LicenceRef and Attribution are built unvalidated


def test_white_space_is_every_character_python_splits_at() -> None:
    import sys

    from harvesters.xml import WHITE_SPACE, has_unicode_white_space, has_white_space

    assert (
        "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c != " ")
        == WHITE_SPACE
    )
    assert not has_white_space("plain text, é and ü")
    assert all(has_white_space(f"a{c}b") for c in WHITE_SPACE)
    assert all(has_white_space(f"é{c}b") for c in WHITE_SPACE)
    assert has_unicode_white_space("a\u00a0b") and not has_unicode_white_space("a\tb é")


def test_garbage_collection_is_deferred_through_a_loop_of_batches() -> None:
    import gc
    import weakref

    from registry.projections import gc_deferred

    class Node:
        other: Node

    was_enabled = gc.isenabled()
    gc.enable()
    try:
        with gc_deferred(every=2) as collect:
            assert not gc.isenabled()
            cycle = Node()
            cycle.other = cycle
            alive = weakref.ref(cycle)
            del cycle
            collect()  # the first batch: nothing collected
            assert alive() is not None
            collect()  # the second: the young generation is collected
            assert alive() is None
        assert gc.isenabled()
    finally:
        if not was_enabled:
            gc.disable()


def test_the_benchmark_measures_every_stage_on_the_records_served() -> None:
    from bench.harvest_oai import measure_stages

    report = measure_stages(600, 200)
    assert report["records"] == 600
    assert report["indexed"] == 597  # one record in 200 is deleted
    stages = report["cpu_us_per_record"]
    assert set(stages) == {"parse", "extract", "raw", "map", "store", "index"}
    assert all(value > 0 for value in stages.values())
    assert report["pipeline_cpu_us"] >= report["client_cpu_us"] + stages["store"]
