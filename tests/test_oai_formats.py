"""The mappers of OAI-PMH formats beyond oai_dc (DataCite, EDM, MODS, DIDL, qualified DC),
replaying real repositories' records, with hand-written ones for cases no real file shows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from harvesters.base import RawRecord
from harvesters.oai_formats import FORMAT_BY_NAMESPACE, format_of
from harvesters.oaipmh import parse_datestamp
from registry.models import Source, Work
from registry.normalise import MAPPERS, NormaliseError, to_record
from tests.conftest import SHARED_FIXTURES

FIXTURES = Path(__file__).parent / "fixtures" / "oai-formats"
BASE = "http://registry.test"
SOURCE = Source(name="repo", kind="oai-pmh", url="https://oai.example.org/oai")
OAI = "http://www.openarchives.org/OAI/2.0/"
SAFE = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
)

CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
CC_BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"
PDM = "https://creativecommons.org/publicdomain/mark/1.0/"
IN_COPYRIGHT = "http://rightsstatements.org/vocab/InC/1.0/"
APACHE = "http://spdx.org/licenses/Apache-2.0"


# --- reading real answers as the harvester does -----------------------------------------


def oai_records(data: bytes) -> list[RawRecord]:
    """The live records of an OAI-PMH answer as the harvester hands them over: the first
    child of ``metadata`` serialised, its format named by its namespace."""
    root = etree.fromstring(data, parser=SAFE)
    request = root.find(f"{{{OAI}}}request")
    prefix = request.get("metadataPrefix", "") if request is not None else ""
    records = []
    for record in root.iter(f"{{{OAI}}}record"):
        header = record.find(f"{{{OAI}}}header")
        metadata = record.find(f"{{{OAI}}}metadata")
        if header is None or header.get("status") == "deleted" or metadata is None:
            continue
        child = metadata[0]
        records.append(
            RawRecord(
                identifier=(header.findtext(f"{{{OAI}}}identifier") or "").strip(),
                datestamp=parse_datestamp(header.findtext(f"{{{OAI}}}datestamp")),
                format=format_of(etree.QName(child).namespace, prefix),
                payload={
                    "sets": [s.text for s in header.findall(f"{{{OAI}}}setSpec")],
                    "xml": etree.tostring(child, encoding="unicode"),
                },
            )
        )
    return records


def document_record(data: bytes, prefix: str, identifier: str = "rec-1") -> RawRecord:
    """A record whose metadata is a whole document (an EDM record as a repository holds it)."""
    root = etree.fromstring(data, parser=SAFE)
    return RawRecord(
        identifier=identifier,
        datestamp=None,
        format=format_of(etree.QName(root).namespace, prefix),
        payload={"sets": [], "xml": etree.tostring(root, encoding="unicode")},
    )


def xml_record(xml: str, prefix: str = "unknown") -> RawRecord:
    return document_record(xml.encode(), prefix)


def mapped(raw: RawRecord) -> Work:
    record = to_record(SOURCE, raw, BASE)
    assert isinstance(record, Work)
    return record


# --- VCR cassettes ----------------------------------------------------------------------

_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_KEY = re.compile(r"^(\s*)(uri|content):(?: (.*))?$")


def _double_quoted(lines: list[str]) -> str:
    """A YAML double-quoted scalar whose opening quote is already cut off."""
    pieces: list[tuple[str, bool, bool]] = []  # (text, blank line, ends in escaped break)
    for number, line in enumerate(lines):
        blank = not line.strip()
        text = line.lstrip(" \t") if number else line
        out: list[tuple[str, bool]] = []
        escaped_break = closed = False
        i = 0
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 == len(text):
                escaped_break = True
                break
            if char == "\\":
                code = text[i + 1]
                if code in _HEX_ESCAPES:
                    width = _HEX_ESCAPES[code]
                    out.append((chr(int(text[i + 2 : i + 2 + width], 16)), True))
                    i += 2 + width
                else:
                    out.append((_ESCAPES[code], True))
                    i += 2
                continue
            if char == '"':
                closed = True
                break
            out.append((char, False))
            i += 1
        if not (closed or escaped_break):
            while out and not out[-1][1] and out[-1][0] in " \t":
                out.pop()
        pieces.append(("".join(c for c, _ in out), blank and not closed, escaped_break))
        if closed:
            break
    result, breaks, joined = pieces[0][0], 0, pieces[0][2]
    for text, blank, escaped_break in pieces[1:]:
        if blank:
            breaks += 1
            continue
        result += "" if joined else "\n" * breaks if breaks else " "
        result += text
        breaks, joined = 0, escaped_break
    return result


def _plain(lines: list[str]) -> str:
    """A YAML plain scalar over several lines: a line break folds to a space, blank lines
    to line breaks."""
    result, breaks = lines[0].strip(), 0
    for line in lines[1:]:
        if not line.strip():
            breaks += 1
            continue
        result += ("\n" * breaks if breaks else " ") + line.strip()
        breaks = 0
    return result


def read_cassette(text: str) -> list[tuple[str, str]]:
    """(request uri, response content) of each interaction of a VCR cassette, reading just
    the YAML a cassette uses (plain and double-quoted scalars): PyYAML is not required."""
    lines = text.splitlines()
    out: list[tuple[str, str]] = []
    uri = ""
    i = 0
    while i < len(lines):
        match = _KEY.match(lines[i])
        i += 1
        if not match:
            continue
        indent = len(match.group(1))
        body = [match.group(3) or ""]
        while i < len(lines) and (
            not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
        ):
            body.append(lines[i])
            i += 1
        value = _double_quoted([body[0][1:], *body[1:]]) if body[0].startswith('"') else None
        value = value if value is not None else _plain(body)
        if match.group(2) == "uri":
            uri = value
        else:
            out.append((uri, value))
    return out


def cassette(name: str) -> list[tuple[str, str]]:
    """A cassette's interactions: read with PyYAML where installed, else with the reader above."""
    text = (FIXTURES / "zenodo" / name).read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        return read_cassette(text)
    data: dict[str, Any] = yaml.safe_load(text)
    return [(i["request"]["uri"], i["response"]["content"]) for i in data["interactions"]]


def zenodo(name: str, prefix: str) -> list[RawRecord]:
    return [
        record
        for uri, content in cassette(name)
        if f"metadataPrefix={prefix}" in uri and "<record>" in content
        for record in oai_records(content.encode("utf-8"))
    ]


@pytest.mark.parametrize(
    "name", ["get_record.yaml", "list_records.yaml", "list_metadata_formats.yaml"]
)
def test_the_cassette_reader_reads_what_yaml_reads(name: str) -> None:
    yaml = pytest.importorskip("yaml")
    text = (FIXTURES / "zenodo" / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    expected = [(i["request"]["uri"], i["response"]["content"]) for i in data["interactions"]]
    assert read_cassette(text) == expected


# --- format names -----------------------------------------------------------------------


def test_every_format_name_has_a_mapper() -> None:
    assert set(FORMAT_BY_NAMESPACE.values()) <= set(MAPPERS)
    for name in ("datacite", "edm", "mods", "didl", "qdc"):
        assert name in MAPPERS


def test_zenodo_formats_are_named_by_their_namespace() -> None:
    answer = next(c for u, c in cassette("list_metadata_formats.yaml") if u.endswith("Formats"))
    root = etree.fromstring(answer.encode("utf-8"), parser=SAFE)
    named = {
        f.findtext(f"{{{OAI}}}metadataPrefix"): format_of(
            f.findtext(f"{{{OAI}}}metadataNamespace"), f.findtext(f"{{{OAI}}}metadataPrefix") or ""
        )
        for f in root.iter(f"{{{OAI}}}metadataFormat")
    }
    assert named == {
        "marcxml": "marcxml",
        "oai_dc": "oai_dc",
        "dcat": "dcat",
        "marc21": "marc21",
        "datacite": "datacite",
        "oai_datacite": "datacite",
        "datacite4": "datacite",
        "oai_datacite4": "datacite",
    }


def test_mods_is_named_mods_whatever_the_prefix() -> None:
    root = etree.fromstring((FIXTURES / "sickle" / "ListMetadataFormats.xml").read_bytes(), SAFE)
    named = {
        f.findtext(f"{{{OAI}}}metadataPrefix"): format_of(
            f.findtext(f"{{{OAI}}}metadataNamespace"), f.findtext(f"{{{OAI}}}metadataPrefix") or ""
        )
        for f in root.iter(f"{{{OAI}}}metadataFormat")
    }
    assert named["mods"] == named["swepub_mods"] == "mods"
    assert named["xMetaDissPlus"] == "xMetaDissPlus"  # no mapper: the harvest logs the record


# --- DataCite ---------------------------------------------------------------------------


def test_zenodo_datacite_records() -> None:
    records = zenodo("list_records.yaml", "datacite")
    assert [r.format for r in records] == ["datacite"] * 3
    works = [mapped(r) for r in records]
    assert [w.title for w in works] == [
        "Some Remarkable Oxidation-Products of Benzidine",
        "Luminous Worms",
        "Origin of the Numerals",
    ]
    first = works[0]
    assert first.creators == ["Moir, James"]
    assert first.publisher == "Zenodo"
    assert first.issued == "1910-01-01"
    assert first.types == ["JournalArticle"]
    assert first.identifiers == [
        "https://doi.org/10.1080/00359191009519377",
        "oai:zenodo.org:2217771",
    ]
    assert first.landing_page == "https://doi.org/10.1080/00359191009519377"
    for work in works:
        assert work.licence.uri == CC0
        assert work.licence.reuse_class == "open"
        # the rightsURI is the statement that resolved, before the SPDX id and the text
        assert work.licence.raw == "https://creativecommons.org/publicdomain/zero/1.0/legalcode"


def test_zenodo_datacite_software_record() -> None:
    (record,) = zenodo("get_record.yaml", "datacite")
    work = mapped(record)
    assert work.title == "Research Data Management Organiser (RDMO)"
    assert len(work.creators) == 9
    assert work.creators[3] == "Schröder, Max"
    assert work.creators[6] == "Martínez Muñoz, David"
    assert work.licence.uri == APACHE
    assert work.licence.reuse_class == "open"
    assert work.licence.raw == "http://www.apache.org/licenses/LICENSE-2.0"
    assert work.types == ["Software"]
    # the Abstract, not the description of type Other ("please cite it as below")
    assert work.description is not None
    assert work.description.startswith("RDMO 2.1.0 (Dec 11, 2023) Refactor progress bar")
    assert work.attribution is not None
    assert "Klar, Jochen" in work.attribution.text


KERNEL_3 = """
<resource xmlns="http://datacite.org/schema/kernel-3">
  <identifier identifierType="DOI">10.1234/ABC-3</identifier>
  <creators>
    <creator><creatorName>Jansen, Anna</creatorName></creator>
    <creator><creatorName>Bakker, Piet</creatorName></creator>
  </creators>
  <titles>
    <title titleType="AlternativeTitle">Waterbeheer</title>
    <title xml:lang="nl">Waterbeheer in de delta</title>
  </titles>
  <publisher>TU Delft</publisher>
  <publicationYear>2015</publicationYear>
  <subjects><subject>Hydrology</subject><subject>Climate change</subject></subjects>
  <contributors>
    <contributor contributorType="RightsHolder"><contributorName>Deltares</contributorName></contributor>
  </contributors>
  <resourceType resourceTypeGeneral="Dataset">Measurements</resourceType>
  <alternateIdentifiers>
    <alternateIdentifier alternateIdentifierType="Handle">11234/56</alternateIdentifier>
  </alternateIdentifiers>
  <formats><format>text/csv</format></formats>
  <rightsList>
    <rights rightsURI="info:eu-repo/semantics/openAccess">Open Access</rights>
    <rights rightsURI="http://creativecommons.org/licenses/by-sa/4.0/">Creative Commons Attribution Share-Alike 4.0</rights>
  </rightsList>
  <descriptions>
    <description descriptionType="Methods">Gauges along the rivers.</description>
    <description descriptionType="Abstract">Water levels, 1990-2015.</description>
  </descriptions>
</resource>
"""


def test_datacite_kernel_3() -> None:
    record = xml_record(KERNEL_3, "oai_datacite3")
    assert record.format == "datacite"
    work = mapped(record)
    assert work.title == "Waterbeheer in de delta"  # the title without a type
    assert work.languages == ["nl"]  # no language element: the title's
    assert work.creators == ["Jansen, Anna", "Bakker, Piet"]
    assert work.description == "Water levels, 1990-2015."
    assert work.rights_holder == "Deltares"
    assert work.issued == "2015"
    assert work.types == ["Dataset", "Measurements"]
    assert work.formats == ["text/csv"]
    assert work.identifiers == ["https://doi.org/10.1234/ABC-3", "https://hdl.handle.net/11234/56"]
    assert work.landing_page == "https://doi.org/10.1234/ABC-3"
    assert work.subjects == ["Hydrology", "Climate change"]
    assert work.licence.uri == CC_BY_SA
    assert work.licence.raw == "http://creativecommons.org/licenses/by-sa/4.0/"


KERNEL_4_IN_WRAPPER = """
<oai_datacite xmlns="http://schema.datacite.org/oai/oai-1.1/">
  <schemaVersion>4.3</schemaVersion>
  <payload>
    <resource xmlns="http://datacite.org/schema/kernel-4">
      <identifier identifierType="DOI">https://doi.org/10.1234/abc-4</identifier>
      <creators>
        <creator><givenName>Anna</givenName><familyName>Jansen</familyName></creator>
      </creators>
      <titles><title>Rivierdata</title></titles>
      <publisher>4TU.ResearchData</publisher>
      <publicationYear>2021</publicationYear>
      <language>nl</language>
      <dates><date dateType="Created">2020-05-01</date><date dateType="Issued">2021-02-03</date></dates>
      <resourceType resourceTypeGeneral="Dataset"/>
      <rightsList>
        <rights rightsURI="info:eu-repo/semantics/openAccess"/>
        <rights rightsIdentifier="CC-BY-4.0" rightsIdentifierScheme="SPDX">Naamsvermelding</rights>
      </rightsList>
    </resource>
  </payload>
</oai_datacite>
"""


def test_datacite_kernel_4_in_the_oai_datacite_wrapper() -> None:
    record = xml_record(KERNEL_4_IN_WRAPPER, "oai_datacite")
    assert record.format == "datacite"
    work = mapped(record)
    assert work.title == "Rivierdata"
    assert work.creators == ["Jansen, Anna"]  # no creatorName: family, given
    assert work.issued == "2021-02-03"
    assert work.languages == ["nl"]
    assert work.identifiers == ["https://doi.org/10.1234/abc-4"]
    assert work.licence.uri == CC_BY  # from the SPDX rightsIdentifier
    assert work.licence.raw == "CC-BY-4.0"
    assert work.licence.reuse_class == "open"


def test_an_access_right_is_not_a_licence() -> None:
    work = mapped(
        xml_record(
            '<resource xmlns="http://datacite.org/schema/kernel-4"><titles><title>T</title>'
            "</titles><rightsList>"
            '<rights rightsURI="info:eu-repo/semantics/openAccess">Open Access</rights>'
            "</rightsList></resource>"
        )
    )
    assert work.licence.uri is None
    assert work.licence.raw == "Open Access"  # the text stays; the access-rights URI is gone


def test_datacite_kernel_2_rights_text() -> None:
    work = mapped(
        xml_record(
            '<resource xmlns="http://datacite.org/schema/kernel-2.2">'
            '<identifier identifierType="DOI">10.1234/k2</identifier>'
            "<creators><creator><creatorName>Smit, J.</creatorName></creator></creators>"
            "<titles><title>Oude data</title></titles><publisher>DANS</publisher>"
            "<publicationYear>2011</publicationYear><rights>CC0 1.0</rights></resource>"
        )
    )
    assert work.creators == ["Smit, J."]
    assert work.licence.uri == CC0


# --- EDM --------------------------------------------------------------------------------


def edm(name: str) -> RawRecord:
    return document_record((FIXTURES / "edm" / name).read_bytes(), "edm")


def test_edm_gams_record_is_cc_by() -> None:
    record = edm("edm_record_gams_cc_by.xml")
    assert record.format == "edm"
    work = mapped(record)
    assert work.title == "Adinandra acutifolia Hand.-Mazz."
    assert work.creators == ["Handel-Mazzetti,H.R.E. von"]
    assert work.description is not None
    assert work.description.startswith("A PreservedSpecimen of Adinandra acutifolia")
    assert work.licence.uri == CC_BY
    assert work.licence.reuse_class == "open"
    assert work.landing_page == "https://gzu.jacq.org/GZU000274120"
    assert work.publisher == "University of Graz, Institute of Plant Sciences - Herbarium GZU"
    assert work.issued == "1917-07-14"
    assert work.languages == []  # "und" names no language
    assert work.types == ["IMAGE", "Preserved Specimen"]  # dc:type through its skos:Concept


def test_edm_albertina_record_is_public_domain() -> None:
    work = mapped(edm("edm_record_albertina_pdm.xml"))
    assert work.title == "Die Erweckung des Lazarus"
    assert work.creators == ["Urs Graf d. Ä."]  # dc:creator through its edm:Agent
    assert work.licence.uri == PDM
    assert work.licence.reuse_class == "open"
    assert work.languages == ["de"]
    assert work.issued == "1506"
    assert work.landing_page is not None
    assert work.landing_page.startswith("https://sammlungenonline.albertina.at/?query=")
    assert "Druckgraphik" in work.types


def test_edm_record_without_edm_rights() -> None:
    work = mapped(edm("edm_record_missing_rights.xml"))
    assert work.licence.uri is None
    assert work.licence.reuse_class == "permission"
    assert work.licence.raw == "Albertina, Wien, Österreich"  # the object's dc:rights


def edm_xml(aggregation: str, resources: str, cho: str = "<dc:title>Kaart</dc:title>") -> str:
    """A hand-written EDM record: one aggregation, its object and its web resources."""
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ore="http://www.openarchives.org/ore/terms/"'
        ' xmlns:edm="http://www.europeana.eu/schemas/edm/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<ore:Aggregation rdf:about="https://ex.org/agg">'
        '<edm:aggregatedCHO rdf:resource="https://ex.org/cho"/>'
        '<edm:isShownAt rdf:resource="https://ex.org/page"/>'
        '<edm:isShownBy rdf:resource="https://ex.org/file.jpg"/>'
        f"{aggregation}</ore:Aggregation>"
        f'<edm:ProvidedCHO rdf:about="https://ex.org/cho">{cho}'
        f"</edm:ProvidedCHO>{resources}</rdf:RDF>"
    )


def edm_record(aggregation: str, resources: str, cho: str = "") -> RawRecord:
    return xml_record(edm_xml(aggregation, resources, "<dc:title>Kaart</dc:title>" + cho), "edm")


FILES_DISAGREE = (
    '<edm:WebResource rdf:about="https://ex.org/view.jpg">'
    '<edm:rights rdf:resource="https://creativecommons.org/publicdomain/zero/1.0/"/>'
    "</edm:WebResource>"
    '<edm:WebResource rdf:about="https://ex.org/file.jpg">'
    '<edm:rights rdf:resource="http://creativecommons.org/licenses/by/4.0/"/>'
    "</edm:WebResource>"
)


def test_edm_the_aggregation_rights_win() -> None:
    # the web resources name other licences by their exact URIs; the aggregation's
    # (a URI variant, resolved with less confidence) is still the licence of the record
    work = mapped(
        edm_record(
            '<edm:rights rdf:resource="https://creativecommons.org/licenses/by-sa/4.0/deed.nl"/>',
            FILES_DISAGREE,
        )
    )
    assert work.licence.uri == CC_BY_SA
    assert work.landing_page == "https://ex.org/page"


def test_edm_without_aggregation_rights_the_shown_file_wins() -> None:
    work = mapped(edm_record("", FILES_DISAGREE))
    assert work.licence.uri == CC_BY  # isShownBy's, though another file's URI is exact


def test_edm_any_file_then_the_object_rights() -> None:
    only_view = FILES_DISAGREE.split("</edm:WebResource>")[0] + "</edm:WebResource>"
    assert mapped(edm_record("", only_view)).licence.uri == CC0
    object_rights = "<dc:rights>CC BY-SA 4.0</dc:rights>"
    assert mapped(edm_record("", "", object_rights)).licence.uri == CC_BY_SA


def test_edm_literal_rights_outrank_the_object_rights() -> None:
    work = mapped(
        edm_record(
            "<edm:rights>http://creativecommons.org/publicdomain/mark/1.0/</edm:rights>",
            "",
            f"<dc:rights>{CC_BY}</dc:rights>",
        )
    )
    assert work.licence.uri == PDM


RDF_HEAD = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    ' xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/"'
    ' xmlns:foaf="http://xmlns.com/foaf/0.1/">'
)


def test_rdf_that_is_not_edm_is_read_as_the_resource_it_describes() -> None:
    record = xml_record(
        RDF_HEAD + '<dcat:Dataset rdf:about="https://ex.org/d">'
        '<dct:title xml:lang="en">Water levels</dct:title>'
        '<dct:title xml:lang="nl">Waterstanden</dct:title>'
        "<dct:creator><foaf:Agent><foaf:name>Rijkswaterstaat</foaf:name></foaf:Agent></dct:creator>"
        "<dcat:keyword>water</dcat:keyword><dct:issued>2024-03-01</dct:issued>"
        '<dct:language rdf:resource="http://publications.europa.eu/resource/authority/language/NLD"/>'
        '<dct:license rdf:resource="http://creativecommons.org/publicdomain/zero/1.0/"/>'
        '<dcat:landingPage rdf:resource="https://ex.org/d.html"/></dcat:Dataset>'
        '<foaf:Organization rdf:about="https://ex.org/org"><dct:title>Not the record</dct:title>'
        "</foaf:Organization></rdf:RDF>",
        "rdf",
    )
    assert record.format == "edm"  # rdf:RDF: EDM unless it has none of EDM's classes
    work = mapped(record)
    assert work.title == "Waterstanden"  # Dutch first
    assert work.creators == ["Rijkswaterstaat"]
    assert (work.subjects, work.languages, work.issued) == (["water"], ["nl"], "2024-03-01")
    assert work.licence.uri == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert work.landing_page == "https://ex.org/d.html"
    assert work.types == ["Dataset"]


DSPACE_RDF = (
    '<rdf:RDF xmlns:rdf="{rdf}" xmlns:ow="http://www.ontoweb.org/ontology/1#"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
    '<ow:Publication rdf:about="oai:repository.example.org:123456789/42">'
    "<dc:title>Zonnepanelen op dijken</dc:title>"
    "<dc:creator>Visser, Anna</dc:creator><dc:creator>Bakker, Daan</dc:creator>"
    "<dc:subject>energie</dc:subject><dc:subject>waterkeringen</dc:subject>"
    "<dc:description>Een verkenning.</dc:description><dc:date>2021-06-30</dc:date>"
    "<dc:type>Article</dc:type><dc:format>application/pdf</dc:format>"
    "<dc:identifier>https://repository.example.org/handle/123456789/42</dc:identifier>"
    "<dc:language>nl</dc:language>"
    "<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>"
    "</ow:Publication></rdf:RDF>"
)


@pytest.mark.parametrize(
    ("namespace", "form"),
    [
        ("http://www.openarchives.org/OAI/2.0/rdf/", "oai_rdf"),  # DSpace's rdf format
        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "edm"),  # the same as W3C RDF
    ],
)
def test_rdf_in_dublin_core_elements(namespace: str, form: str) -> None:
    record = xml_record(DSPACE_RDF.format(rdf=namespace), "rdf")
    assert record.format == form
    work = mapped(record)
    assert work.title == "Zonnepanelen op dijken"
    assert work.creators == ["Visser, Anna", "Bakker, Daan"]
    assert work.subjects == ["energie", "waterkeringen"]
    assert (work.description, work.issued, work.languages) == (
        "Een verkenning.",
        "2021-06-30",
        ["nl"],
    )
    assert (work.types, work.formats) == (["Article"], ["application/pdf"])
    assert work.landing_page == "https://repository.example.org/handle/123456789/42"
    assert work.licence.uri == "https://creativecommons.org/licenses/by/4.0/"


def test_rdf_names_its_resource_by_the_catalog_record() -> None:
    record = xml_record(
        RDF_HEAD + '<rdf:Description rdf:about="https://ex.org/a"><dct:title>A</dct:title>'
        '</rdf:Description><rdf:Description rdf:about="https://ex.org/b"><dct:title>B</dct:title>'
        '</rdf:Description><dcat:CatalogRecord rdf:about="https://ex.org/b#record">'
        '<foaf:primaryTopic rdf:resource="https://ex.org/b"/></dcat:CatalogRecord></rdf:RDF>',
        "rdf",
    )
    assert mapped(record).title == "B"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('<dcat:Dataset rdf:about="https://ex.org/d"/>', "describes nothing with a dct:title"),
        (
            '<rdf:Description rdf:about="https://ex.org/a"><dct:title>A</dct:title>'
            '</rdf:Description><rdf:Description rdf:about="https://ex.org/b">'
            "<dct:title>B</dct:title></rdf:Description>",
            "describes 2 titled resources",
        ),
    ],
)
def test_rdf_without_one_described_resource_is_refused(body: str, reason: str) -> None:
    with pytest.raises(NormaliseError, match=reason):
        mapped(xml_record(RDF_HEAD + body + "</rdf:RDF>", "rdf"))


# --- MODS -------------------------------------------------------------------------------


def test_mods_repox_record() -> None:
    (record,) = oai_records((FIXTURES / "dpla" / "GetRecord_mods_repox.xml").read_bytes())
    assert record.format == "mods"
    work = mapped(record)
    assert work.title == "Reading notes for 2nd Wind 2001"  # not the related item's
    assert work.creators == ["Goedicke, Patricia"]
    assert work.publisher == "Publisher"
    assert work.issued == "2001-10-07T07:00:00Z"
    assert work.landing_page == "https://scholarworks.umt.edu/goedicke/9"  # primary display
    assert work.types == ["text"]
    assert work.formats[0] == "application/pdf"
    assert "American literature--Montana" in work.subjects
    assert work.licence.raw is not None
    assert work.licence.raw.startswith("Copyright to this collection is held by the Maureen")
    assert work.licence.uri == IN_COPYRIGHT
    assert work.licence.reuse_class == "permission"


def test_mods_harvard_page() -> None:
    records = oai_records((FIXTURES / "dpla" / "ListRecords_mods_harvard.xml").read_bytes())
    assert len(records) == 10
    assert {r.format for r in records} == {"mods"}
    works = [mapped(r) for r in records]
    first = works[0]
    assert first.title == "Plate 1. Clematis cylindrica"
    assert first.description == (
        "Full color. Reproduced in Herbier Général, page 70, by Mme. Deville, Aumont."
    )
    # Riocreux is named on the host collection (relatedItem), not on the plate itself
    assert first.creators == []
    assert first.languages == []  # "und"
    assert first.landing_page == (
        "https://id.lib.harvard.edu/curiosity/botanical-illustrations/62-arn00007c00001"
    )
    assert works[-1].title == "Plate 11. Helianthemum roseum"
    for work in works:
        assert work.licence.uri is None
        assert work.licence.reuse_class == "permission"
        assert work.licence.raw is not None
        assert work.licence.raw.startswith("The collection is available by appointment")


MODS_RECORD = """
<mods xmlns="http://www.loc.gov/mods/v3" xmlns:xlink="http://www.w3.org/1999/xlink" version="3.7">
  <titleInfo type="alternative"><title>Polders</title></titleInfo>
  <titleInfo xml:lang="en"><nonSort>The </nonSort><title>Polders of Holland</title>
    <subTitle>a survey</subTitle></titleInfo>
  <name type="personal">
    <namePart type="family">Vries</namePart><namePart type="given">Jan de</namePart>
    <namePart type="date">1890-1960</namePart>
    <role><roleTerm type="code" authority="marcrelator">aut</roleTerm></role>
  </name>
  <name><namePart>Museum Fund</namePart><role><roleTerm>donor</roleTerm></role></name>
  <name><namePart>Rijkswaterstaat</namePart></name>
  <originInfo><publisher>Waterstaat Press</publisher>
    <dateIssued point="start">1950</dateIssued><dateIssued keyDate="yes">1951</dateIssued>
  </originInfo>
  <language><languageTerm type="text">English</languageTerm>
    <languageTerm type="code" authority="iso639-2b">eng</languageTerm></language>
  <identifier type="doi">10.1234/polders</identifier>
  <identifier type="hdl">hdl:1887/123</identifier>
  <accessCondition type="restriction on access">Open to the public</accessCondition>
  <accessCondition type="use and reproduction"
      xlink:href="http://creativecommons.org/licenses/by-sa/4.0/">Some rights reserved</accessCondition>
</mods>
"""


def test_mods_access_condition_with_a_link() -> None:
    record = xml_record(MODS_RECORD, "mods")
    work = mapped(record)
    assert work.title == "The Polders of Holland: a survey"
    assert work.creators == ["Vries, Jan de", "Rijkswaterstaat"]  # not the donor
    assert work.publisher == "Waterstaat Press"
    assert work.issued == "1951"  # the key date
    assert work.languages == ["en"]
    assert work.identifiers == [
        "https://doi.org/10.1234/polders",
        "https://hdl.handle.net/1887/123",
    ]
    assert work.licence.uri == CC_BY_SA
    assert work.licence.raw == "http://creativecommons.org/licenses/by-sa/4.0/"
    assert work.licence.reuse_class == "open"


# --- DIDL -------------------------------------------------------------------------------


def test_didl_dspace_record_reads_the_wrapped_dublin_core() -> None:
    (record,) = oai_records((FIXTURES / "ucldc" / "ListRecords_didl_dspace.xml").read_bytes())
    assert record.format == "didl"
    work = mapped(record)
    assert work.title == "Schedule of lectures"
    assert work.creators == ["Rorty, Richard"]
    assert work.languages == ["en"]  # en_US
    assert work.identifiers == ["http://hdl.handle.net/10575/25"]
    assert work.formats == ["application/pdf"]
    assert work.licence.raw is not None
    assert work.licence.raw.startswith("This material is provided for private study")
    assert work.licence.uri == IN_COPYRIGHT
    assert work.licence.reuse_class == "permission"


DIDL_MODS = """
<didl:DIDL xmlns:didl="urn:mpeg:mpeg21:2002:02-DIDL-NS" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:dcterms="http://purl.org/dc/terms/">
  <didl:Item>
    <didl:Descriptor><didl:Statement mimeType="application/xml">
      <dcterms:accessRights>info:eu-repo/semantics/openAccess</dcterms:accessRights>
    </didl:Statement></didl:Descriptor>
    <didl:Item>
      <didl:Component><didl:Resource mimeType="application/xml">
        <oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/">
          <dc:title>Korte titel</dc:title>
        </oai_dc:dc>
      </didl:Resource></didl:Component>
      <didl:Component><didl:Resource mimeType="application/xml">
        <mods xmlns="http://www.loc.gov/mods/v3">
          <titleInfo><title>Dijken en duinen</title></titleInfo>
          <name><namePart>Visser, Eva</namePart><role><roleTerm>author</roleTerm></role></name>
        </mods>
      </didl:Resource></didl:Component>
    </didl:Item>
    <didl:Descriptor><didl:Statement mimeType="application/xml">
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
    </didl:Statement></didl:Descriptor>
  </didl:Item>
</didl:DIDL>
"""


def test_didl_reads_the_richest_wrapped_metadata_and_its_own_rights() -> None:
    record = xml_record(DIDL_MODS, "didl")
    assert record.format == "didl"
    work = mapped(record)
    assert work.title == "Dijken en duinen"  # MODS over the oai_dc beside it
    assert work.creators == ["Visser, Eva"]
    assert work.licence.uri == CC_BY  # the DIDL's own dc:rights
    assert work.licence.raw == "http://creativecommons.org/licenses/by/4.0/"


def test_didl_around_a_real_dublin_core_record() -> None:
    path = SHARED_FIXTURES / "oai-pmh" / "metis" / "GetRecord_oai_dc_free_text_cc_licence.xml"
    if not path.exists():
        pytest.skip("the Europeana Metis fixture (EUPL, not copied into the tests) is absent")
    root = etree.fromstring(path.read_bytes(), parser=SAFE)
    dc = next(root.iter("{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"))
    didl = etree.fromstring(
        b'<didl:DIDL xmlns:didl="urn:mpeg:mpeg21:2002:02-DIDL-NS"><didl:Item><didl:Descriptor>'
        b"<didl:Statement/></didl:Descriptor></didl:Item></didl:DIDL>",
        parser=SAFE,
    )
    next(didl.iter("{urn:mpeg:mpeg21:2002:02-DIDL-NS}Statement")).append(dc)
    work = mapped(document_record(etree.tostring(didl), "didl"))
    assert work.title == "Fotografowie z zakładu przy ul. Kocha, Białystok,ok. 1942 r."
    assert work.creators == ["Dawdo Danuta"]
    assert work.licence.family == "CC BY-NC-SA"  # a Polish label naming no version
    assert work.licence.reuse_class == "restricted"


def test_didl_without_metadata_the_registry_reads() -> None:
    record = xml_record(
        '<didl:DIDL xmlns:didl="urn:mpeg:mpeg21:2002:02-DIDL-NS"><didl:Item>'
        '<didl:Component><didl:Resource ref="https://ex.org/f.pdf" mimeType="application/pdf"/>'
        "</didl:Component></didl:Item></didl:DIDL>",
        "didl",
    )
    with pytest.raises(NormaliseError, match="wraps no metadata"):
        mapped(record)


# --- qualified DC -----------------------------------------------------------------------


def test_contentdm_qualified_dublin_core() -> None:
    (record,) = oai_records((FIXTURES / "ucldc" / "GetRecord_oai_qdc_contentdm.xml").read_bytes())
    assert record.format == "qdc"
    work = mapped(record)
    assert work.title == "A Symbol of Divine Love"  # dc:title comes before dcterms:title
    assert work.creators[0] == "Gill, Eric 1882-1940"
    assert work.landing_page == (
        "http://digitalcollections.usfca.edu/cdm/ref/collection/p264101coll6/id/188"
    )
    assert work.formats[0] == "engraving on copper"
    assert work.rights_holder == "TEST dcterms:rightsHolder"
    # this test record fills every dcterms element; dcterms:license counts first
    assert work.licence.raw == "TEST dcterms:license"
    assert work.licence.uri is None
    assert work.licence.reuse_class == "permission"


def test_qualified_dublin_core_licence() -> None:
    work = mapped(
        xml_record(
            '<qdc:qualifieddc xmlns:qdc="http://dspace.org/qualifieddc/"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">'
            "<dc:title>Zeespiegel</dc:title><dcterms:issued>2019-04-01</dcterms:issued>"
            "<dc:rights>Alle rechten voorbehouden</dc:rights>"
            "<dcterms:accessRights>info:eu-repo/semantics/openAccess</dcterms:accessRights>"
            "<dcterms:license>https://creativecommons.org/licenses/by/4.0/</dcterms:license>"
            "</qdc:qualifieddc>",
            "qdc",
        )
    )
    assert work.issued == "2019-04-01"
    assert work.licence.uri == CC_BY


# --- records that cannot be mapped --------------------------------------------------------

UNTITLED = {
    "datacite": '<resource xmlns="http://datacite.org/schema/kernel-4"><titles/></resource>',
    "edm": edm_xml("", "", cho=""),
    "mods": '<mods xmlns="http://www.loc.gov/mods/v3"><titleInfo><title> </title></titleInfo></mods>',
    "qdc": '<q:qualifieddc xmlns:q="http://worldcat.org/xmlschemas/qdc-1.0/"/>',
    "didl": (
        '<didl:DIDL xmlns:didl="urn:mpeg:mpeg21:2002:02-DIDL-NS"><didl:Statement>'
        '<mods xmlns="http://www.loc.gov/mods/v3"/></didl:Statement></didl:DIDL>'
    ),
}


@pytest.mark.parametrize("name", sorted(UNTITLED))
def test_a_record_without_a_title_is_refused(name: str) -> None:
    record = xml_record(UNTITLED[name])
    assert record.format == name
    with pytest.raises(NormaliseError, match="has no title"):
        mapped(record)


@pytest.mark.parametrize("name", ["datacite", "edm", "mods", "didl", "qdc"])
def test_unreadable_or_missing_xml_is_refused(name: str) -> None:
    broken = RawRecord("r", None, format=name, payload={"sets": [], "xml": "no XML at all"})
    with pytest.raises(NormaliseError, match="not readable XML"):
        mapped(broken)
    with pytest.raises(NormaliseError, match="carries no metadata XML"):
        mapped(RawRecord("r", None, format=name, payload={"sets": []}))


@pytest.mark.parametrize("name", ["datacite", "edm", "mods", "didl", "qdc"])
def test_a_record_in_another_format_is_refused(name: str) -> None:
    other = "edm" if name != "edm" else "mods"
    record = RawRecord("r", None, format=name, payload={"sets": [], "xml": UNTITLED[other]})
    with pytest.raises(NormaliseError, match="expected"):
        mapped(record)
