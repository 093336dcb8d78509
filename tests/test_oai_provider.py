"""The registry as an OAI-PMH 2.0 repository (``/oai``).

A registry holds real records of three sources under two licence families, with
tombstones, written by the store at known moments (its clock is set while the data is
written, so that from/until have something to select). Every response any test gets is
validated against the protocol's XML Schema (``tests/fixtures/oai-pmh/schemas``). The
provider is then harvested over real HTTP (uvicorn on 127.0.0.1) by the registry's own
OAI-PMH harvester into a second store, and by an independent client, sickle.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from rdflib import Graph
from rdflib.compare import isomorphic

from harvesters import Fetcher
from registry.core import Registry
from registry.harvest import run_harvest
from registry.licences import attribution
from registry.models import HarvestRun, IPOffer, Source, Work, record_id
from registry.oai import ListState, OAIProvider, TokenCodec, family_of, licence_spec
from registry.oai._protocol import xml_text
from registry.rdf import record_triples, serialize
from registry.settings import Settings
from registry.store import sqlite
from registry.store.sqlite import SQLiteStore
from tests.conftest import CC_BY, CC_BY_NC, FIXTURES, make_offer, make_work, serve_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

    from registry.api.app import create_app

SCHEMA = etree.XMLSchema(etree.parse(str(FIXTURES / "oai-pmh" / "schemas" / "OAI-PMH.xsd")))
OAI = "http://www.openarchives.org/OAI/2.0/"
O = "{" + OAI + "}"  # noqa: E741
DC = "{http://purl.org/dc/elements/1.1/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
DC_ELEMENTS = {
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
}
BASE = "http://registry.test"

# When the store took each change (its clock is set while the data is written).
ALPHA_AT = datetime(2024, 3, 1, 10, 0, 0, 250000, tzinfo=UTC)  # a0..a11, one second apart
BETA_AT = datetime(2024, 3, 2, 12, 0, 0, 500000, tzinfo=UTC)  # b0..b4, one second apart
OFFERS_AT = datetime(2024, 3, 3, 9, 0, 0, tzinfo=UTC)
DELETED_AT = datetime(2024, 3, 4, 8, 0, 0, 750000, tzinfo=UTC)  # a3, a7, b2 withdrawn

RICH = make_work(
    "a0",
    source="alpha",
    title="Water & <energy> in the delta",
    description="How the delta keeps\n  its water.",
    creators=["Jansen, J.", "Smith, A."],
    publisher="TU Example",
    subjects=["water", "delta"],
    challenges=["climate-change"],
    languages=["nl", "en"],
    identifiers=["https://doi.org/10.1234/a0", "urn:nbn:nl:ui:1-a0"],
    landing_page="https://alpha.example.org/items/a0",
    issued="2023-05-01",
    types=["article"],
    formats=["application/pdf"],
    licence=CC_BY.model_copy(update={"raw": "CC-BY 4.0 (zie website)"}),
    attribution_instruction="Jansen & Smith, TU Example",
)
DIRTY = make_work("a1", source="alpha", title="Control\x0bchars\x01 and \ufffenon-characters")
TERMS = {"licensing_mode": "public-licence", "summary": "Free licence for research and teaching"}
OFFER = make_offer(
    "o1",
    licence=CC_BY,
    assets=[{"type": "patent", "patents": ["EP 1 000 000 A1"]}],
    terms={**TERMS, "legal_text_url": "https://offers.example.org/terms/o1"},
)


def alpha() -> list[Work]:
    return [RICH, DIRTY, *(make_work(f"a{i}", source="alpha") for i in range(2, 12))]


def beta() -> list[Work]:
    return [make_work(f"b{i}", source="beta", licence=CC_BY_NC) for i in range(5)]


def offers() -> list[IPOffer]:
    return [make_offer("o0", assets=[{"type": "know-how"}], terms=TERMS), OFFER]


def ident(local: str) -> str:
    """The OAI identifier of a record of the registry."""
    return f"oai:registry.test:{local}"


ALPHA_IDS = [w.id for w in alpha()]
BETA_IDS = [w.id for w in beta()]
OFFER_IDS = [o.id for o in offers()]
WITHDRAWN = [ALPHA_IDS[3], ALPHA_IDS[7], BETA_IDS[2]]
DELETED = set(WITHDRAWN)
# The change feed's order: a record's last change counts, so the withdrawals come last.
ALL_IDS = [i for i in [*ALPHA_IDS, *BETA_IDS, *OFFER_IDS] if i not in DELETED] + WITHDRAWN


def in_order(ids: list[str]) -> list[str]:
    """``ids`` in the order the registry lists them."""
    return sorted(ids, key=ALL_IDS.index)


def build(data_dir: Path, *, page_size: int = 100) -> Registry:
    """A registry with the records above, written at the moments above."""
    settings = Settings(
        data_dir=data_dir,
        base_uri=BASE,
        repository_name="Test registry",
        admin_email="oai@registry.test",
        max_page_size=page_size,
    )
    registry = Registry(settings)
    store = registry.store
    store.add_source(
        Source(
            name="alpha", kind="oai-pmh", url="https://alpha.example.org/oai", title="Alpha repo"
        )
    )
    store.add_source(Source(name="beta", kind="dcat", url="https://beta.example.org/cat.ttl"))
    moment = [ALPHA_AT]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite, "_now", lambda: moment[0])
        for i, work in enumerate(alpha()):
            moment[0] = ALPHA_AT + timedelta(seconds=i)
            store.upsert([work])
        for i, work in enumerate(beta()):
            moment[0] = BETA_AT + timedelta(seconds=i)
            store.upsert([work])
        moment[0] = OFFERS_AT
        store.upsert(offers())
        moment[0] = DELETED_AT
        store.delete([ALPHA_IDS[3], ALPHA_IDS[7]])
        moment[0] = DELETED_AT + timedelta(seconds=1)
        store.delete([BETA_IDS[2]])
    return registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    reg = build(tmp_path_factory.mktemp("oai") / "data")
    yield reg
    reg.close()


@pytest.fixture(scope="module")
def provider(registry: Registry) -> OAIProvider:
    return OAIProvider(registry.store, registry.settings, page_size=4)


def valid(body: bytes) -> etree._Element:
    """The response's root, after checking it against OAI-PMH.xsd."""
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(body)
    if not SCHEMA.validate(root):
        raise AssertionError(f"{SCHEMA.error_log}\n{body.decode()[:3000]}")
    return root


def ask(provider: OAIProvider, *pairs: tuple[str, str], **params: str) -> etree._Element:
    return valid(provider.handle([*pairs, *params.items()]))


def error(root: etree._Element) -> str | None:
    found = root.find(O + "error")
    return found.get("code") if found is not None else None


def request_attributes(root: etree._Element) -> dict[str, str]:
    element = root.find(O + "request")
    assert element is not None and element.text == f"{BASE}/oai"
    return dict(element.attrib)


def headers(root: etree._Element) -> list[etree._Element]:
    return root.findall(f".//{O}header")


def local_ids(root: etree._Element) -> list[str]:
    return [h.findtext(O + "identifier").rsplit(":", 1)[1] for h in headers(root)]


def walk(provider: OAIProvider, verb: str, **params: str) -> Iterator[etree._Element]:
    """Every page of a list request, following its resumption tokens."""
    root = ask(provider, verb=verb, **params)
    while True:
        assert error(root) is None, etree.tostring(root)
        yield root
        token = root.find(f"{O}{verb}/{O}resumptionToken")
        if token is None or not token.text:
            return
        root = ask(provider, verb=verb, resumptionToken=token.text)


def listed(provider: OAIProvider, verb: str = "ListIdentifiers", **params: str) -> list[str]:
    return [i for page in walk(provider, verb, **params) for i in local_ids(page)]


# --- Identify, ListMetadataFormats, ListSets -------------------------------------------


def test_identify(provider: OAIProvider) -> None:
    root = ask(provider, verb="Identify")
    assert request_attributes(root) == {"verb": "Identify"}
    identify = root.find(O + "Identify")
    assert identify is not None
    facts = {
        child.tag[len(O) :]: child.text for child in identify if child.tag != O + "description"
    }
    assert facts == {
        "repositoryName": "Test registry",
        "baseURL": f"{BASE}/oai",
        "protocolVersion": "2.0",
        "adminEmail": "oai@registry.test",
        "earliestDatestamp": "2024-03-01T10:00:00Z",
        "deletedRecord": "persistent",
        "granularity": "YYYY-MM-DDThh:mm:ssZ",
    }
    scheme = "{http://www.openarchives.org/OAI/2.0/oai-identifier}"
    description = identify.find(f"{O}description/{scheme}oai-identifier")
    assert description is not None
    assert description.findtext(scheme + "repositoryIdentifier") == "registry.test"
    assert description.findtext(scheme + "delimiter") == ":"
    sample = description.findtext(scheme + "sampleIdentifier")
    assert sample is not None and sample.startswith("oai:registry.test:")
    record = ask(provider, verb="GetRecord", identifier=sample, metadataPrefix="oai_dc")
    assert error(record) is None  # the sample is a real identifier


def test_identify_on_an_address_has_no_oai_identifier_description(registry: Registry) -> None:
    settings = registry.settings.model_copy(update={"base_uri": "http://127.0.0.1:8000"})
    provider = OAIProvider(registry.store, settings)
    root = valid(provider.handle({"verb": "Identify"}))
    assert root.find(f"{O}Identify/{O}description") is None  # not a domain name
    first = ask(provider, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert headers(first)[0].findtext(O + "identifier") == f"oai:127.0.0.1:{ALPHA_IDS[0]}"


def test_an_empty_registry_answers_identify_and_no_records(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", base_uri=BASE)
    store = SQLiteStore(tmp_path / "empty.sqlite3")
    provider = OAIProvider(store, settings)
    assert valid(provider.handle({"verb": "Identify"})).find(O + "Identify") is not None
    root = ask(provider, verb="ListRecords", metadataPrefix="oai_dc")
    assert error(root) == "noRecordsMatch"
    store.close()


def formats(root: etree._Element) -> dict[str, tuple[str | None, str | None]]:
    return {
        entry.findtext(O + "metadataPrefix") or "": (
            entry.findtext(O + "schema"),
            entry.findtext(O + "metadataNamespace"),
        )
        for entry in root.iterfind(f"{O}ListMetadataFormats/{O}metadataFormat")
    }


EXPECTED_FORMATS = {
    "oai_dc": (
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
    ),
    "rdf": (
        "http://www.openarchives.org/OAI/2.0/rdf.xsd",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    ),
}


def test_list_metadata_formats(provider: OAIProvider) -> None:
    assert formats(ask(provider, verb="ListMetadataFormats")) == EXPECTED_FORMATS
    for local in (ALPHA_IDS[0], ALPHA_IDS[3]):  # a live record and a tombstone
        root = ask(provider, verb="ListMetadataFormats", identifier=ident(local))
        assert request_attributes(root) == {
            "verb": "ListMetadataFormats",
            "identifier": ident(local),
        }
        assert formats(root) == EXPECTED_FORMATS


def test_list_metadata_formats_of_an_unknown_item(provider: OAIProvider) -> None:
    for identifier in (ident("alpha-0000"), "oai:elsewhere.org:" + ALPHA_IDS[0], "nonsense"):
        root = ask(provider, verb="ListMetadataFormats", identifier=identifier)
        assert error(root) == "idDoesNotExist"


def sets(root: etree._Element) -> dict[str, str | None]:
    return {
        entry.findtext(O + "setSpec") or "": entry.findtext(O + "setName")
        for entry in root.iterfind(f"{O}ListSets/{O}set")
    }


def test_list_sets_has_every_source_and_licence_family(provider: OAIProvider) -> None:
    root = ask(provider, verb="ListSets")
    assert sets(root) == {
        "source": "Records by source",
        "source:alpha": "Alpha repo",
        "source:beta": "beta",
        "source:offers": "offers",  # records kept, source not registered
        "licence": "Records by licence family",
        "licence:CC_BY": "Licence family: CC BY",
        "licence:CC_BY-NC": "Licence family: CC BY-NC",
    }
    described = root.find(f"{O}ListSets/{O}set[{O}setSpec='source:alpha']/{O}setDescription")
    assert described is not None
    assert described.findtext(f"{OAI_DC}dc/{DC}description") == (
        "Records harvested from https://alpha.example.org/oai (oai-pmh)"
    )
    # every set a header names is one ListSets lists
    named = {
        s.text
        for page in walk(provider, "ListIdentifiers", metadataPrefix="oai_dc")
        for s in page.iter(O + "setSpec")
    }
    assert named <= set(sets(root))


def test_list_sets_gives_no_resumption_token(provider: OAIProvider) -> None:
    root = ask(provider, verb="ListSets", resumptionToken="anything")
    assert error(root) == "badResumptionToken"
    assert request_attributes(root) == {"verb": "ListSets", "resumptionToken": "anything"}


def test_licence_families_are_spelt_reversibly_in_set_specs() -> None:
    for family in (
        "CC BY-SA",
        "CC Sampling+",
        "CC Sampling",
        "libpng",
        "Libpng",
        "opendata.swiss terms of use",
        "Amtliches Werk",
        "naïve_name~",
    ):
        spec = licence_spec(family)
        assert family_of(spec.split(":", 1)[1]) == family, spec
    assert licence_spec("CC Sampling+") != licence_spec("CC Sampling")
    assert family_of("CC_BY~2") is None and family_of("CC BY") is None and family_of("~FF") is None


# --- GetRecord and the metadata formats --------------------------------------------------


def dublin_core(root: etree._Element) -> dict[str, list[str]]:
    """The oai_dc record in a response, checked against the oai_dc schema's rules: an
    ``oai_dc:dc`` root naming its schema, holding only the fifteen DC elements as text."""
    dc = root.find(f".//{O}metadata/{OAI_DC}dc")
    assert dc is not None
    assert dc.get(XSI_LOCATION) == (
        "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
    )
    out: dict[str, list[str]] = {}
    for child in dc:
        assert child.tag.startswith(DC) and child.tag[len(DC) :] in DC_ELEMENTS, child.tag
        assert len(child) == 0 and child.text
        out.setdefault(child.tag[len(DC) :], []).append(child.text)
    return out


def test_get_record_in_dublin_core(provider: OAIProvider) -> None:
    root = ask(provider, verb="GetRecord", identifier=ident(RICH.id), metadataPrefix="oai_dc")
    assert request_attributes(root) == {
        "verb": "GetRecord",
        "identifier": ident(RICH.id),
        "metadataPrefix": "oai_dc",
    }
    header = headers(root)[0]
    assert header.get("status") is None
    assert header.findtext(O + "datestamp") == "2024-03-01T10:00:00Z"
    assert [s.text for s in header.iter(O + "setSpec")] == ["source:alpha", "licence:CC_BY"]
    assert dublin_core(root) == {
        "title": ["Water & <energy> in the delta"],
        "creator": ["Jansen, J.", "Smith, A."],
        "subject": ["water", "delta", "Climate change (mitigation, adaptation)"],
        "description": ["How the delta keeps its water."],
        "publisher": ["TU Example"],
        "date": ["2023-05-01"],
        "type": ["article"],
        "format": ["application/pdf"],
        "identifier": [
            "https://alpha.example.org/items/a0",
            "https://doi.org/10.1234/a0",
            "urn:nbn:nl:ui:1-a0",
            f"{BASE}/records/{RICH.id}",
        ],
        "language": ["nl", "en"],
        "rights": [
            "https://creativecommons.org/licenses/by/4.0/",
            "CC BY 4.0",
            "CC-BY 4.0 (zie website)",
            "Attribution: Jansen & Smith, TU Example",
        ],
    }


def test_an_ip_offer_in_dublin_core(provider: OAIProvider) -> None:
    root = ask(provider, verb="GetRecord", identifier=ident(OFFER.id), metadataPrefix="oai_dc")
    dc = dublin_core(root)
    assert dc["title"] == ["Offer o1"]
    assert dc["publisher"] == ["TU Example"]  # the offeror
    assert dc["description"] == ["Free licence for research and teaching"]
    assert dc["relation"] == ["EP 1 000 000 A1", "https://offers.example.org/terms/o1"]
    assert dc["type"] == ["patent"]
    assert dc["subject"] == ["Climate change (mitigation, adaptation)"]
    assert dc["rights"][0] == "https://creativecommons.org/licenses/by/4.0/"


def test_characters_xml_forbids_are_dropped(provider: OAIProvider) -> None:
    for prefix in ("oai_dc", "rdf"):
        body = provider.handle(
            {"verb": "GetRecord", "identifier": ident(DIRTY.id), "metadataPrefix": prefix}
        )
        root = valid(body)
        assert b"\x0b" not in body and b"\x01" not in body and "\ufffe".encode() not in body
        if prefix == "oai_dc":
            assert dublin_core(root)["title"] == ["Controlchars and non-characters"]


def test_get_record_as_rdf_is_the_records_graph(provider: OAIProvider, registry: Registry) -> None:
    root = ask(provider, verb="GetRecord", identifier=ident(RICH.id), metadataPrefix="rdf")
    metadata = root.find(f".//{O}metadata")
    assert metadata is not None and len(metadata) == 1 and metadata[0].tag == RDF + "RDF"
    served = Graph().parse(data=etree.tostring(metadata[0]), format="xml")
    stored = registry.store.get(RICH.id)
    assert stored is not None and stored.record is not None
    triples = record_triples(stored.record, base_uri=BASE, updated=stored.updated, run=stored.run)
    expected = Graph().parse(data=serialize(triples, "application/rdf+xml"), format="xml")
    assert len(served) > 10
    assert isomorphic(served, expected)


def test_a_tombstone_is_a_deleted_header(provider: OAIProvider) -> None:
    for prefix in ("oai_dc", "rdf"):
        root = ask(
            provider, verb="GetRecord", identifier=ident(ALPHA_IDS[3]), metadataPrefix=prefix
        )
        header = headers(root)[0]
        assert header.get("status") == "deleted"
        assert header.findtext(O + "datestamp") == "2024-03-04T08:00:00Z"  # when withdrawn
        assert [s.text for s in header.iter(O + "setSpec")] == ["source:alpha"]
        assert root.find(f".//{O}metadata") is None


def test_get_record_errors(provider: OAIProvider) -> None:
    unknown = ask(provider, verb="GetRecord", identifier=ident("nope"), metadataPrefix="oai_dc")
    assert error(unknown) == "idDoesNotExist"
    assert request_attributes(unknown) == {
        "verb": "GetRecord",
        "identifier": ident("nope"),
        "metadataPrefix": "oai_dc",
    }
    marc = ask(provider, verb="GetRecord", identifier=ident(RICH.id), metadataPrefix="marc21")
    assert error(marc) == "cannotDisseminateFormat"
    assert request_attributes(marc)["metadataPrefix"] == "marc21"
    # a value the request element cannot carry is left out of it, not echoed invalid
    odd = ask(provider, verb="GetRecord", identifier="not an id", metadataPrefix="a b")
    assert error(odd) == "idDoesNotExist"
    assert request_attributes(odd) == {"verb": "GetRecord"}


# --- lists, sets, from/until ----------------------------------------------------------


def test_list_records_pages_through_everything_with_tombstones(provider: OAIProvider) -> None:
    pages = list(walk(provider, "ListRecords", metadataPrefix="oai_dc"))
    assert len(pages) == 5  # 19 records, 4 a page
    ids = [i for page in pages for i in local_ids(page)]
    assert ids == ALL_IDS  # in the order the registry changed them, each once
    tokens = [page.find(f"{O}ListRecords/{O}resumptionToken") for page in pages]
    assert all(t is not None for t in tokens)
    assert [t.get("cursor") for t in tokens] == ["0", "4", "8", "12", "16"]
    assert {t.get("completeListSize") for t in tokens} == {"19"}
    assert not tokens[-1].text  # the last page: an empty token
    deleted = [
        i
        for page in pages
        for h, i in zip(headers(page), local_ids(page), strict=True)
        if h.get("status") == "deleted"
    ]
    assert set(deleted) == DELETED
    for page in pages:
        for record in page.iter(O + "record"):
            has_metadata = record.find(O + "metadata") is not None
            assert has_metadata != (record.find(O + "header").get("status") == "deleted")


def test_list_records_in_rdf(provider: OAIProvider) -> None:
    records = [
        r
        for page in walk(provider, "ListRecords", metadataPrefix="rdf")
        for r in page.iter(O + "record")
    ]
    assert len(records) == len(ALL_IDS)
    live = [r for r in records if r.find(O + "metadata") is not None]
    assert len(live) == len(ALL_IDS) - len(DELETED)
    for record in live:
        graph = Graph().parse(data=etree.tostring(record.find(O + "metadata")[0]), format="xml")
        assert len(graph) > 5


def test_a_list_that_fits_one_page_has_no_token(registry: Registry) -> None:
    provider = OAIProvider(registry.store, registry.settings)  # 100 a page
    root = ask(provider, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert local_ids(root) == ALL_IDS
    assert root.find(f"{O}ListIdentifiers/{O}resumptionToken") is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("source:alpha", in_order(ALPHA_IDS)),
        ("source:beta", in_order(BETA_IDS)),
        ("source:offers", OFFER_IDS),
        ("source", ALL_IDS),
        ("licence:CC_BY-NC", [i for i in BETA_IDS if i not in DELETED]),
        ("licence:CC_BY", [i for i in ALPHA_IDS if i not in DELETED] + [OFFER.id]),
        ("licence", [i for i in [*ALPHA_IDS, *BETA_IDS] if i not in DELETED] + [OFFER.id]),
    ],
)
def test_selective_harvesting_by_set(provider: OAIProvider, spec: str, expected: list[str]) -> None:
    assert listed(provider, set=spec, metadataPrefix="oai_dc") == expected
    first = ask(provider, verb="ListIdentifiers", set=spec, metadataPrefix="oai_dc")
    assert request_attributes(first)["set"] == spec
    for header in headers(first):
        named = [s.text for s in header.iter(O + "setSpec")]
        assert spec in named or spec in ("source", "licence")


def test_sets_that_do_not_exist_match_no_records(provider: OAIProvider) -> None:
    for spec in ("source:nobody", "licence:GPL", "licence:~ZZ", "topic:water", "source:a:b"):
        root = ask(provider, verb="ListRecords", set=spec, metadataPrefix="oai_dc")
        assert error(root) == "noRecordsMatch", spec
        assert request_attributes(root)["set"] == spec


ALPHA_LIVE = [i for i in ALPHA_IDS if i not in DELETED]


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        # until includes its whole second: a5 was written at 10:00:05.25
        ({"until": "2024-03-01T10:00:05Z"}, [ALPHA_IDS[i] for i in (0, 1, 2, 4, 5)]),
        ({"from": "2024-03-01T10:00:05Z", "until": "2024-03-01T10:00:05Z"}, [ALPHA_IDS[5]]),
        (
            {"from": "2024-03-01T10:00:06Z", "until": "2024-03-01T10:00:08Z"},
            [ALPHA_IDS[6], ALPHA_IDS[8]],
        ),
        ({"from": "2024-03-01", "until": "2024-03-01"}, [i for i in ALPHA_LIVE]),
        (
            {"from": "2024-03-02", "until": "2024-03-03"},
            [i for i in BETA_IDS if i not in DELETED] + OFFER_IDS,
        ),
        ({"from": "2024-03-04"}, [ALPHA_IDS[3], ALPHA_IDS[7], BETA_IDS[2]]),  # the withdrawals
        ({"from": "2024-03-03T09:00:00Z"}, [*OFFER_IDS, ALPHA_IDS[3], ALPHA_IDS[7], BETA_IDS[2]]),
        ({"from": "2000-01-01", "until": "2999-12-31"}, ALL_IDS),
    ],
)
def test_selective_harvesting_by_datestamp(
    provider: OAIProvider, window: dict[str, str], expected: list[str]
) -> None:
    assert listed(provider, metadataPrefix="oai_dc", **window) == expected
    first = ask(provider, verb="ListIdentifiers", metadataPrefix="oai_dc", **window)
    assert request_attributes(first) == {
        "verb": "ListIdentifiers",
        "metadataPrefix": "oai_dc",
        **window,
    }


def test_datestamps_and_sets_combine(provider: OAIProvider) -> None:
    found = listed(provider, metadataPrefix="oai_dc", set="source:beta", **{"from": "2024-03-04"})
    assert found == [BETA_IDS[2]]
    nothing = ask(
        provider, verb="ListRecords", metadataPrefix="oai_dc", set="source:beta", until="2024-03-01"
    )
    assert error(nothing) == "noRecordsMatch"


def test_no_records_match_outside_the_registrys_time(provider: OAIProvider) -> None:
    root = ask(provider, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2024-02-29")
    assert error(root) == "noRecordsMatch"
    assert request_attributes(root) == {
        "verb": "ListIdentifiers",
        "metadataPrefix": "oai_dc",
        "until": "2024-02-29",
    }


@pytest.mark.parametrize(
    "window",
    [
        {"from": "2024-03-01", "until": "2024-03-02T00:00:00Z"},  # two granularities
        {"from": "2024-03-02", "until": "2024-03-01"},  # from later than until
        {"from": "2024-03-01T10:00:06Z", "until": "2024-03-01T10:00:05Z"},
        {"from": "2024-02-30"},  # no such day
        {"from": "2024-03-01T10:00:00"},  # no Z
        {"until": "2024-03-01T10:00:00+01:00"},
        {"from": "yesterday"},
        {"until": "2024-3-1"},
        {"from": "2024-03-01T10:00:00.5Z"},
    ],
)
def test_bad_dates_are_bad_arguments(provider: OAIProvider, window: dict[str, str]) -> None:
    root = ask(provider, verb="ListRecords", metadataPrefix="oai_dc", **window)
    assert error(root) == "badArgument"
    assert request_attributes(root) == {}  # after badArgument: the base URL only


def test_list_records_errors(provider: OAIProvider) -> None:
    marc = ask(provider, verb="ListRecords", metadataPrefix="marc21")
    assert error(marc) == "cannotDisseminateFormat"
    assert request_attributes(marc) == {"verb": "ListRecords", "metadataPrefix": "marc21"}
    assert error(ask(provider, verb="ListIdentifiers", metadataPrefix="marc21")) == (
        "cannotDisseminateFormat"
    )
    bad_set = ask(provider, verb="ListRecords", metadataPrefix="oai_dc", set="no spaces")
    assert error(bad_set) == "badArgument"


# --- protocol errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "pairs",
    [
        [],
        [("verb", "Explode")],
        [("verb", "")],
        [("verb", "Identify"), ("verb", "Identify")],
        [("verb", "listrecords"), ("metadataPrefix", "oai_dc")],
    ],
)
def test_bad_verbs(provider: OAIProvider, pairs: list[tuple[str, str]]) -> None:
    root = ask(provider, *pairs)
    assert error(root) == "badVerb"
    assert request_attributes(root) == {}


@pytest.mark.parametrize(
    "pairs",
    [
        [("verb", "Identify"), ("metadataPrefix", "oai_dc")],  # an argument Identify lacks
        [("verb", "ListRecords")],  # metadataPrefix missing
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "rdf")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("unknown", "x")],
        [("verb", "ListRecords"), ("metadataPrefix", "")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("resumptionToken", "x")],
        [("verb", "ListIdentifiers"), ("resumptionToken", "x"), ("set", "source")],
        [("verb", "GetRecord"), ("metadataPrefix", "oai_dc")],  # identifier missing
        [("verb", "GetRecord"), ("identifier", ident("x"))],  # metadataPrefix missing
        [("verb", "ListSets"), ("set", "source")],
        [("verb", "ListMetadataFormats"), ("identifier", ident("x")), ("identifier", ident("y"))],
        [
            ("verb", "GetRecord"),
            ("identifier", ident("x")),
            ("metadataPrefix", "oai_dc"),
            ("resumptionToken", "t"),
        ],
    ],
)
def test_bad_arguments(provider: OAIProvider, pairs: list[tuple[str, str]]) -> None:
    root = ask(provider, *pairs)
    assert error(root) == "badArgument"
    assert request_attributes(root) == {}


# --- resumption tokens -------------------------------------------------------------------


def first_token(provider: OAIProvider, verb: str = "ListRecords", **params: str) -> str:
    root = ask(provider, verb=verb, **params)
    token = root.find(f"{O}{verb}/{O}resumptionToken")
    assert token is not None and token.text
    return token.text


def test_a_token_survives_a_restart(tmp_path: Path) -> None:
    registry = build(tmp_path / "data", page_size=4)
    with TestClient(create_app(registry=registry, follow_changes=False)) as client:
        first = valid(
            client.get(
                "/oai",
                params={"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "source:alpha"},
            ).content
        )
        token = first.find(f"{O}ListRecords/{O}resumptionToken").text
        assert token
        before = valid(
            client.get("/oai", params={"verb": "ListRecords", "resumptionToken": token}).content
        )
    path = registry.settings.store_path
    registry.close()  # the process stops; a new one opens the same store
    store = SQLiteStore(path)
    restarted = OAIProvider(store, registry.settings, page_size=4)
    after = ask(restarted, verb="ListRecords", resumptionToken=token)
    assert request_attributes(after) == {"verb": "ListRecords", "resumptionToken": token}
    assert local_ids(after) == local_ids(before) == in_order(ALPHA_IDS)[4:8]
    assert listing(after) == listing(before)  # the same page, byte for byte
    rest = [i for page in walk_from(restarted, after) for i in local_ids(page)]
    assert local_ids(first) + local_ids(after) + rest == in_order(ALPHA_IDS)
    store.close()


def listing(root: etree._Element) -> bytes:
    """A list response without its responseDate and request: the list itself."""
    return etree.tostring(root.find(O + "ListRecords"))


def walk_from(provider: OAIProvider, page: etree._Element) -> Iterator[etree._Element]:
    token = page.find(f"{O}ListRecords/{O}resumptionToken")
    while token is not None and token.text:
        page = ask(provider, verb="ListRecords", resumptionToken=token.text)
        yield page
        token = page.find(f"{O}ListRecords/{O}resumptionToken")


def test_records_changed_while_paging_move_to_the_end(tmp_path: Path) -> None:
    registry = build(tmp_path / "data")
    provider = OAIProvider(registry.store, registry.settings, page_size=4)
    first = ask(provider, verb="ListIdentifiers", metadataPrefix="oai_dc", set="source:alpha")
    changed = make_work("a1", source="alpha", title="Changed meanwhile")
    registry.store.upsert([changed])  # already sent, changed: it comes again, at the end
    added = make_work("a99", source="alpha")
    registry.store.upsert([added])
    seen = local_ids(first)
    token = first.find(f"{O}ListIdentifiers/{O}resumptionToken").text
    while token:
        page = ask(provider, verb="ListIdentifiers", resumptionToken=token)
        seen += local_ids(page)
        token = page.find(f"{O}ListIdentifiers/{O}resumptionToken").text
    assert seen[:4] == in_order(ALPHA_IDS)[:4]
    assert seen[-2:] == [changed.id, added.id]
    assert set(seen) == {*ALPHA_IDS, added.id}
    registry.close()


def test_garbled_forged_and_foreign_tokens_are_refused(provider: OAIProvider) -> None:
    token = first_token(provider, metadataPrefix="oai_dc")
    body, check = token.split(".")
    state = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged_state = dict(state, a=0, c=0)
    forged_body = base64.urlsafe_b64encode(json.dumps(forged_state).encode()).decode().rstrip("=")
    foreign = TokenCodec("http://other-registry.test")
    candidates = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
        token[:20],  # cut short
        f"{forged_body}.{check}",  # a changed state with the old check
        forged_body,  # no check at all
        foreign.encode(ListState(verb="ListRecords", prefix="oai_dc", after=4, cursor=4)),
        "0123456789",
        "..",
    ]
    for candidate in candidates:
        root = ask(provider, verb="ListRecords", resumptionToken=candidate)
        assert error(root) == "badResumptionToken", candidate
        assert request_attributes(root) == {"verb": "ListRecords", "resumptionToken": candidate}


def test_a_token_belongs_to_its_verb(provider: OAIProvider) -> None:
    token = first_token(provider, "ListIdentifiers", metadataPrefix="oai_dc")
    assert error(ask(provider, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    assert error(ask(provider, verb="ListIdentifiers", resumptionToken=token)) is None


def test_a_token_keeps_the_requests_selection(provider: OAIProvider) -> None:
    window = {"from": "2024-03-01T10:00:02Z", "until": "2024-03-02T00:00:00Z"}
    ids = listed(provider, metadataPrefix="rdf", set="source:alpha", **window)
    assert ids == [i for i in ALPHA_IDS[2:] if i not in DELETED]  # two pages
    token = first_token(provider, metadataPrefix="oai_dc", set="licence:CC_BY")
    page = ask(provider, verb="ListRecords", resumptionToken=token)
    assert all("licence:CC_BY" in [s.text for s in h.iter(O + "setSpec")] for h in headers(page))


# --- HTTP ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(registry: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(registry=registry, follow_changes=False)) as test_client:
        yield test_client


def test_get_and_post_answer_alike(client: TestClient) -> None:
    params = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "source:beta"}
    got = client.get("/oai", params=params)
    posted = client.post("/oai", data=params)
    for response in (got, posted):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert local_ids(valid(got.content)) == local_ids(valid(posted.content)) == in_order(BETA_IDS)


def test_errors_are_http_200(client: TestClient) -> None:
    response = client.get("/oai", params={"verb": "Nope"})
    assert response.status_code == 200
    assert error(valid(response.content)) == "badVerb"
    repeated = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=rdf")
    assert error(valid(repeated.content)) == "badArgument"


def test_post_must_be_a_form(client: TestClient) -> None:
    response = client.post("/oai", json={"verb": "Identify"})
    assert response.status_code == 415


class CountingStore:
    """The store, counting the calls the provider makes to it."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.store, name)
        if callable(attribute):

            def counted(*args: Any, **kwargs: Any) -> Any:
                self.calls.append(name)
                return attribute(*args, **kwargs)

            return counted
        return attribute


def test_a_page_of_100_records_costs_one_store_query(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "big.sqlite3")
    store.upsert([make_work(f"w{i}", source="big", creators=[f"Author {i}"]) for i in range(250)])
    settings = Settings(data_dir=tmp_path / "data", base_uri=BASE)
    counting = CountingStore(store)
    provider = OAIProvider(counting, settings)
    for prefix in ("oai_dc", "rdf"):
        counting.calls.clear()
        pages = list(walk(provider, "ListRecords", metadataPrefix=prefix))
        assert [len(p.findall(f".//{O}record")) for p in pages] == [100, 100, 50]
        # the first page also counts the complete list; no query per record
        assert counting.calls == ["changes", "count", "changes", "changes"]
    store.close()


# --- harvested over real HTTP --------------------------------------------------------------


def harvest(store: SQLiteStore) -> HarvestRun:
    fetcher = Fetcher(allow_private_networks=True, sleep=lambda s: None, retries=0)
    with fetcher:
        return run_harvest(
            store, store.get_source("mirror"), fetcher, base_uri="http://mirror.test"
        )


@pytest.mark.parametrize("prefix", ["oai_dc", "rdf"])
def test_harvested_by_the_registrys_own_harvester(tmp_path: Path, prefix: str) -> None:
    registry = build(tmp_path / "data", page_size=5)
    mirror = SQLiteStore(tmp_path / "mirror.sqlite3")
    with serve_app(create_app(registry=registry, follow_changes=False)) as base:
        mirror.add_source(
            Source(name="mirror", kind="oai-pmh", url=f"{base}/oai", metadata_prefix=prefix)
        )
        run = harvest(mirror)
        assert run.status == "succeeded", run.message
        assert run.failed == 0
        live = [i for i in ALL_IDS if i not in DELETED]
        assert run.added == len(live) and mirror.count() == len(live)
        for local in live:
            original = registry.store.get(local).record
            assert original is not None
            copy = mirror.get(mirror_id(local))
            assert copy is not None and copy.record is not None, local
            assert copy.record.title == " ".join(xml_text(original.title).split())
            assert copy.record.creators == original.creators
            assert copy.record.licence.uri == original.licence.uri
            assert copy.record.licence.family == original.licence.family
            assert copy.record.attribution_instruction == original.attribution_instruction
            if prefix == "rdf" and original.landing_page:  # the credit the registry gives
                expected = attribution(original, base_uri="http://mirror.test").text
                assert copy.record.attribution is not None
                assert copy.record.attribution.text == expected
        rich = mirror.get(mirror_id(RICH.id)).record
        assert rich is not None and rich.landing_page == RICH.landing_page
        assert rich.attribution_instruction == RICH.attribution_instruction
        if prefix == "oai_dc":
            assert rich.challenges == ["climate-change"]
        else:  # the record's own graph: its description in full
            assert rich.description == " ".join(xml_text(RICH.description or "").split())
            assert (rich.publisher, rich.subjects) == (RICH.publisher, RICH.subjects)
            assert (rich.languages, rich.issued, rich.types) == (
                RICH.languages,
                RICH.issued,
                RICH.types,
            )
            assert set(RICH.identifiers) <= set(rich.identifiers)
            assert rich.formats == RICH.formats
            assert rich.challenges == RICH.challenges  # from the challenge concepts

        # the registry withdraws two records and changes one: an incremental harvest
        # brings the withdrawals as deletions and the change as an update
        registry.store.delete([ALPHA_IDS[0], BETA_IDS[1]])
        registry.store.upsert([make_work("a2", source="alpha", title="A new title")])
        again = harvest(mirror)
        assert again.status == "succeeded", again.message
        assert again.since is not None  # incremental
        assert (again.deleted, again.updated, again.added) == (2, 1, 0)
        assert mirror.get(mirror_id(ALPHA_IDS[0])).deleted
        assert mirror.get(mirror_id(BETA_IDS[1])).deleted
        assert mirror.get(mirror_id(ALPHA_IDS[2])).record.title == "A new title"
        assert mirror.count() == len(live) - 2
    mirror.close()
    registry.close()


def mirror_id(local: str) -> str:
    """The id the mirror gives a record harvested from the registry."""
    return record_id("mirror", ident(local))


def test_harvested_by_sickle(tmp_path: Path) -> None:
    from sickle import Sickle

    registry = build(tmp_path / "data", page_size=6)
    with serve_app(create_app(registry=registry, follow_changes=False)) as base:
        for method in ("GET", "POST"):
            client = Sickle(f"{base}/oai", http_method=method)
            identify = client.Identify()
            assert identify.repositoryName == "Test registry"
            assert identify.deletedRecord == "persistent"
            records = list(client.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
            assert len(records) == len(ALL_IDS)
            assert [r.header.identifier for r in records] == [ident(i) for i in ALL_IDS]
            assert {r.header.identifier for r in records if r.header.deleted} == {
                ident(i) for i in DELETED
            }
            live = [r for r in records if not r.header.deleted]
            assert all(r.metadata["title"] and r.metadata["identifier"] for r in live)
            rich = next(r for r in live if r.header.identifier == ident(RICH.id))
            assert rich.metadata["title"] == ["Water & <energy> in the delta"]
            assert rich.metadata["creator"] == ["Jansen, J.", "Smith, A."]
            assert rich.header.setSpecs == ["source:alpha", "licence:CC_BY"]
        beta = list(
            client.ListIdentifiers(metadataPrefix="rdf", set="source:beta", ignore_deleted=True)
        )
        assert [h.identifier for h in beta] == [ident(i) for i in BETA_IDS if i not in DELETED]
        assert {s.setSpec for s in client.ListSets()} >= {"source:alpha", "licence:CC_BY-NC"}
        assert {f.metadataPrefix for f in client.ListMetadataFormats()} == {"oai_dc", "rdf"}
        record = client.GetRecord(identifier=ident(RICH.id), metadataPrefix="rdf")
        assert record.xml.find(f".//{O}metadata/{RDF}RDF") is not None
    registry.close()
