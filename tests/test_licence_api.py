"""The licence vocabulary over HTTP (/licences, /licences/{slug}) and the compatibility API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html as lxml_html
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from registry.api.app import create_app
from registry.api.licences import licence_by_slug, licence_slug
from registry.core import Registry
from registry.licences import all_licences
from registry.licences._vocabulary import CC, REG
from registry.settings import Settings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = {"Accept": "application/json"}
TURTLE = {"Accept": "text/turtle"}
BY_SA_3_NL = "https://creativecommons.org/licenses/by-sa/3.0/nl/"
BY_4 = "https://creativecommons.org/licenses/by/4.0/"
VOCABULARY = Path(__file__).resolve().parents[1] / "vocab" / "licences.ttl"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("licence-api") / "data", base_uri="http://registry.test"
    )
    registry = Registry(settings)
    try:
        with TestClient(create_app(registry=registry, follow_changes=False)) as test_client:
            yield test_client
    finally:
        registry.close()


def text(element: Any) -> str:
    return "".join(element.itertext()).strip()


def turtle(body: str) -> Graph:
    graph = Graph()
    graph.parse(data=body, format="turtle")
    return graph


# --- slugs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "slug"),
    [
        (BY_SA_3_NL, "cc-by-sa-3.0-nl"),
        (BY_4, "cc-by-4.0"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "cc0-1.0"),
        ("https://creativecommons.org/publicdomain/mark/1.0/", "pdm-1.0"),
        ("https://creativecommons.org/licenses/sampling+/1.0/br/", "cc-samplingplus-1.0-br"),
        ("http://rightsstatements.org/vocab/InC/1.0/", "rs-inc"),
        ("http://rightsstatements.org/vocab/InC-OW-EU/1.0/", "rs-inc-ow-eu"),
        ("http://opendatacommons.org/licenses/odbl/1.0/", "odc-odbl-1.0"),
        ("http://spdx.org/licenses/MIT", "spdx-mit"),
        ("http://spdx.org/licenses/GPL-2.0+", "spdx-gpl-2.0plus"),
        ("https://example.org/licences/Our Licence/", "example.org-licences-our-licence"),
        ("https://www.example.org/terms/licence-2.pdf", "example.org-terms-licence-2"),
    ],
)
def test_slugs_are_derived_from_the_uri(uri: str, slug: str) -> None:
    assert licence_slug(uri) == slug


def test_every_licence_has_its_own_url_safe_slug() -> None:
    licences = all_licences()
    slugs = {licence_slug(licence.uri) for licence in licences}
    assert len(slugs) == len(licences)
    for licence in licences:
        slug = licence_slug(licence.uri)
        assert slug.replace("-", "").replace(".", "").isalnum(), slug
        found = licence_by_slug(slug)
        assert found is not None and found.uri == licence.uri


# --- GET /licences ------------------------------------------------------------------------


def test_the_vocabulary_as_json(client: TestClient) -> None:
    response = client.get("/licences", headers=JSON)
    assert response.status_code == 200
    assert response.headers["vary"] == "Accept"
    body = response.json()
    assert body["total"] == len(all_licences())
    assert body["page"] == 1
    assert len(body["licences"]) == min(body["total"], body["page_size"])
    family = client.get("/licences", params={"family": "CC BY-SA"}, headers=JSON).json()
    entry = next(item for item in family["licences"] if item["uri"] == BY_SA_3_NL)
    assert entry["slug"] == "cc-by-sa-3.0-nl"
    assert entry["url"] == "/licences/cc-by-sa-3.0-nl"
    assert entry["family"] == "CC BY-SA"
    assert entry["version"] == "3.0"
    assert entry["labels"]["nl"] == "Naamsvermelding-GelijkDelen 3.0 Nederland (CC BY-SA 3.0 NL)"
    assert (entry["reuse_class"], entry["commercial"], entry["derivatives"]) == ("open", True, True)


def test_the_vocabulary_is_paged_and_filtered(client: TestClient) -> None:
    first = client.get("/licences", params={"page_size": 2}, headers=JSON).json()
    assert len(first["licences"]) == 2 and first["next_page"] == 2
    second = client.get("/licences", params={"page_size": 2, "page": 2}, headers=JSON).json()
    assert {e["uri"] for e in first["licences"]}.isdisjoint(e["uri"] for e in second["licences"])
    family = client.get("/licences", params={"family": "cc by-sa"}, headers=JSON).json()
    assert family["total"] >= 3
    assert {e["family"] for e in family["licences"]} == {"CC BY-SA"}
    restricted = client.get("/licences", params={"reuse": "restricted"}, headers=JSON).json()
    assert restricted["total"] > 0
    assert {e["reuse_class"] for e in restricted["licences"]} == {"restricted"}
    found = client.get(
        "/licences", params={"q": "Naamsvermelding-GelijkDelen 3.0 Nederland"}, headers=JSON
    ).json()
    assert [e["uri"] for e in found["licences"]] == [BY_SA_3_NL]
    named = client.get("/licences", params={"q": "CC-BY-4.0"}, headers=JSON).json()
    assert named["licences"][0]["uri"] == BY_4


def test_bad_list_parameters_are_400(client: TestClient) -> None:
    for params in ({"reuse": "free"}, {"kind": "poem"}, {"page": "0"}, {"colour": "red"}):
        response = client.get("/licences", params=params, headers=JSON)
        assert response.status_code == 400, params
        assert response.headers["content-type"].startswith("application/problem+json")


def test_the_vocabulary_as_html(client: TestClient) -> None:
    response = client.get("/licences", params={"family": "CC BY-SA"}, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = lxml_html.fromstring(response.text)
    headers = [text(th) for th in page.iter("th")]
    assert headers[:4] == ["Licence", "Licence family", "Version", "Jurisdiction"]
    rows = {
        tr.findtext(".//code"): [text(td) for td in tr.iter("td")]
        for tr in page.iter("tr")
        if tr.find("td") is not None
    }
    assert rows["cc-by-sa-3.0-nl"] == [
        "cc-by-sa-3.0-nl",
        "CC BY-SA",
        "3.0",
        "nl",
        "CC BY-SA 3.0 NL",
        "Naamsvermelding-GelijkDelen 3.0 Nederland (CC BY-SA 3.0 NL)",
        "Open",
        "Yes",
        "Yes",
    ]


def test_the_vocabulary_in_dutch(client: TestClient) -> None:
    response = client.get("/licences", params={"lang": "nl"}, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert "Licentiefamilie" in response.text and "Toegestaan" not in response.text


def test_the_vocabulary_as_turtle(client: TestClient) -> None:
    response = client.get("/licences", headers=TURTLE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = turtle(response.text)
    subjects = set(graph.subjects(RDF.type, CC.License))
    assert subjects == {URIRef(licence.uri) for licence in all_licences()}
    subject = URIRef(BY_SA_3_NL)
    assert (subject, REG.family, Literal("CC BY-SA")) in graph
    assert (
        subject,
        SKOS.prefLabel,
        Literal("Naamsvermelding-GelijkDelen 3.0 Nederland (CC BY-SA 3.0 NL)", lang="nl"),
    ) in graph
    assert (subject, CC.requires, CC.ShareAlike) in graph
    # alternative labels keep the language the vocabulary gives them
    assert (
        URIRef(BY_4),
        SKOS.altLabel,
        Literal("Attribution 4.0 International", lang="en"),
    ) in graph
    source = Graph().parse(VOCABULARY, format="turtle")
    stated = {
        (s, o)
        for s, o in source.subject_objects(SKOS.altLabel)
        if (s, RDF.type, CC.License) in source
    }
    assert stated and {(s, o) for s, o in graph.subject_objects(SKOS.altLabel)} == stated
    filtered = turtle(client.get("/licences", params={"q": "odbl"}, headers=TURTLE).text)
    assert set(filtered.subjects(RDF.type, CC.License)) == {
        URIRef("http://opendatacommons.org/licenses/odbl/1.0/")
    }


def test_the_vocabulary_refuses_what_it_cannot_give(client: TestClient) -> None:
    response = client.get("/licences", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["status"] == 406


# --- GET /licences/{slug} -----------------------------------------------------------------


def test_one_licence_as_json(client: TestClient) -> None:
    response = client.get("/licences/cc-by-sa-3.0-nl", headers=JSON)
    assert response.status_code == 200
    assert response.headers["vary"] == "Accept"
    body: dict[str, Any] = response.json()
    assert body["uri"] == BY_SA_3_NL
    assert body["jurisdiction"] == "http://creativecommons.org/international/nl/"
    assert body["share_alike"] is True
    assert "ShareAlike" in body["requires"]


def test_one_licence_as_html(client: TestClient) -> None:
    response = client.get("/licences/rs-inc", headers={"Accept": BROWSER})
    assert response.status_code == 200
    page = lxml_html.fromstring(response.text)
    assert page.findtext(".//h1") == "In Copyright"
    terms = dict(
        zip(
            [text(dt) for dt in page.iter("dt")],
            [text(dd) for dd in page.iter("dd")],
            strict=True,
        )
    )
    assert terms["Kind"] == "Rights statement"
    assert terms["Reuse"] == "Ask permission"
    assert terms["Label (nl)"] == "Auteursrechtelijk beschermd"


def test_one_licence_as_turtle(client: TestClient) -> None:
    for response in (
        client.get("/licences/spdx-mit", headers=TURTLE),
        client.get("/licences/spdx-mit.ttl"),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/turtle")
        graph = turtle(response.text)
        subject = URIRef("http://spdx.org/licenses/MIT")
        assert set(graph.subjects()) == {subject}
        assert (subject, REG.spdx, Literal("MIT")) in graph


def test_a_suffix_picks_the_format(client: TestClient) -> None:
    assert client.get("/licences/odc-odbl-1.0.json").json()["label"] == "ODbL 1.0"
    html = client.get("/licences/odc-odbl-1.0.html", headers=JSON)
    assert html.headers["content-type"].startswith("text/html")


def test_an_unknown_licence_is_404(client: TestClient) -> None:
    response = client.get("/licences/cc-by-9.9", headers=JSON)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_one_licence_refuses_what_it_cannot_give(client: TestClient) -> None:
    assert (
        client.get("/licences/cc-by-4.0", headers={"Accept": "application/pdf"}).status_code == 406
    )


# --- GET /api/licences/compatibility ----------------------------------------------------------


def compatibility(client: TestClient, *licences: str) -> Any:
    return client.get("/api/licences/compatibility", params=[("licence", v) for v in licences])


def test_compatibility_as_json(client: TestClient) -> None:
    response = compatibility(client, "CC BY 4.0", "CC BY-NC-SA 4.0")
    assert response.status_code == 200
    body = response.json()
    assert body["combinable"] is True
    assert body["result_licences"] == ["https://creativecommons.org/licenses/by-nc-sa/4.0/"]
    assert [item["input"] for item in body["licences"]] == ["CC BY 4.0", "CC BY-NC-SA 4.0"]
    assert body["reason"]


def test_not_combinable_is_still_200(client: TestClient) -> None:
    body = compatibility(client, "CC BY-SA 4.0", "ODbL").json()
    assert body["combinable"] is False
    assert body["result_licences"] == []
    unknown = compatibility(client, "Open Access", "CC BY 4.0").json()
    assert unknown["combinable"] is None


@pytest.mark.parametrize("licences", [(), ("CC BY 4.0",), ("CC BY 4.0", " ")])
def test_compatibility_needs_two_licences(client: TestClient, licences: tuple[str, ...]) -> None:
    response = compatibility(client, *licences)
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "licence"
    assert "two licences" in body["detail"]


def test_compatibility_refuses_unknown_parameters(client: TestClient) -> None:
    response = client.get(
        "/api/licences/compatibility", params={"licence": "CC0", "licenses": "CC BY"}
    )
    assert response.status_code == 400
    assert response.json()["parameter"] == "licenses"
