"""`registry licence ...`: normalise, attribution and compatible, through click's runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from registry.cli import main
from registry.licences._rdf import SCHEMA
from registry.licences._vocabulary import CC

BY_4 = "https://creativecommons.org/licenses/by/4.0/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"


def run(*args: str, data_dir: Path | None = None, stdin: str | None = None) -> Result:
    prefix = ["--data-dir", str(data_dir)] if data_dir else []
    return CliRunner().invoke(main, [*prefix, *args], input=stdin, catch_exceptions=False)


def lines(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("licence-cli") / "data"
    result = run("demo", "--no-serve", "--json", data_dir=data_dir)
    assert result.exit_code == 0, result.output
    return data_dir


def find_record(demo_dir: Path, licence_uri: str) -> dict[str, Any]:
    result = run(
        "search", "--json", "--page-size", "100", "--licence", licence_uri, data_dir=demo_dir
    )
    assert result.exit_code == 0, result.output
    hits: list[dict[str, Any]] = json.loads(result.stdout)["results"]
    assert hits, f"the demo has no record under {licence_uri}"
    return hits[0]


# --- normalise ---------------------------------------------------------------------------


FIELDS = {
    "input",
    "uri",
    "label",
    "family",
    "version",
    "spdx",
    "jurisdiction",
    "open",
    "reuse_class",
    "confidence",
}


def test_normalise_arguments_in_order() -> None:
    out = lines(
        run("licence", "normalise", "CC-BY-4.0", "Open Access", "Naamsvermelding 4.0", "MIT")
    )
    assert [o["input"] for o in out] == ["CC-BY-4.0", "Open Access", "Naamsvermelding 4.0", "MIT"]
    assert all(set(o) == FIELDS for o in out)
    by, nothing, dutch, mit = out
    assert by["uri"] == BY_4
    assert (by["label"], by["family"], by["version"], by["spdx"]) == (
        "CC BY 4.0",
        "CC BY",
        "4.0",
        "CC-BY-4.0",
    )
    assert by["open"] is True and by["confidence"] > 0.9
    assert nothing["uri"] is None and nothing["label"] is None and nothing["spdx"] is None
    assert nothing["open"] is False and nothing["confidence"] == 0
    assert dutch["uri"] == BY_4
    assert mit["spdx"] == "MIT"


def test_normalise_reads_lines_from_stdin() -> None:
    text = (
        "http://creativecommons.org/licenses/by-sa/4.0/deed.nl\nOpen Access\nAll rights reserved\n"
    )
    out = lines(run("licence", "normalise", stdin=text))
    assert [o["input"] for o in out] == [
        "http://creativecommons.org/licenses/by-sa/4.0/deed.nl",
        "Open Access",
        "All rights reserved",
    ]
    assert [o["uri"] for o in out] == [
        "https://creativecommons.org/licenses/by-sa/4.0/",
        None,
        INC,
    ]
    assert out[2]["open"] is False


def test_each_output_line_is_one_json_object() -> None:
    result = run("licence", "normalise", "CC0", "Publiek domein")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2


# --- attribution -------------------------------------------------------------------------


def test_attribution_as_text_and_html(demo_dir: Path) -> None:
    hit = find_record(demo_dir, BY_4)
    text = run("licence", "attribution", hit["id"], data_dir=demo_dir)
    assert text.exit_code == 0, text.output
    assert text.stdout.strip() == hit["attribution"]["text"]
    assert "is licensed under CC BY 4.0" in text.stdout
    html = run("licence", "attribution", hit["id"], "--format", "html", data_dir=demo_dir)
    assert html.exit_code == 0, html.output
    assert html.stdout.strip() == hit["attribution"]["html"]
    assert f'<a rel="license" href="{BY_4}">' in html.stdout


def parse(result: Result) -> Graph:
    assert result.exit_code == 0, result.output
    graph = Graph()
    graph.parse(data=result.stdout, format="turtle")
    return graph


def test_attribution_as_rdf(demo_dir: Path) -> None:
    hit = find_record(demo_dir, BY_4)
    graph = parse(run("licence", "attribution", hit["id"], "--format", "rdf", data_dir=demo_dir))
    record = URIRef(hit["uri"])
    assert hit["uri"].endswith(f"/records/{hit['id']}")
    assert (record, RDF.type, SCHEMA.CreativeWork) in graph
    assert graph.value(record, SCHEMA.creditText) == Literal(hit["attribution"]["text"])
    assert (record, CC.license, URIRef(BY_4)) in graph
    assert (record, DCTERMS.license, URIRef(BY_4)) in graph
    name = graph.value(record, CC.attributionName)
    assert isinstance(name, Literal) and str(name)
    assert str(name) in hit["attribution"]["text"]
    url = graph.value(record, CC.attributionURL)
    assert isinstance(url, URIRef) and str(url).startswith("http")
    assert set(graph.subjects()) == {record}


def test_a_rights_statement_is_not_a_licence_in_rdf(demo_dir: Path) -> None:
    hit = find_record(demo_dir, INC)
    graph = parse(run("licence", "attribution", hit["id"], "--format", "rdf", data_dir=demo_dir))
    record = URIRef(hit["uri"])
    assert (record, DCTERMS.rights, URIRef(INC)) in graph
    assert graph.value(record, CC.license) is None
    assert graph.value(record, SCHEMA.creditText) is not None


def test_attribution_of_an_unknown_record_fails_in_one_line(demo_dir: Path) -> None:
    result = run("licence", "attribution", "no-such-record", data_dir=demo_dir)
    assert result.exit_code != 0
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    assert result.stdout == ""


# --- compatible --------------------------------------------------------------------------


def test_compatible_prints_the_answer_and_its_reason() -> None:
    result = run("licence", "compatible", "CC BY 4.0", "CC BY-SA 4.0")
    assert result.exit_code == 0, result.output
    assert "combinable: yes" in result.stdout
    assert "CC BY-SA 4.0 <https://creativecommons.org/licenses/by-sa/4.0/>" in result.stdout
    assert "reason: " in result.stdout


def test_not_combinable_is_still_an_answer() -> None:
    result = run("licence", "compatible", "CC BY-SA 4.0", "CC BY-NC 4.0")
    assert result.exit_code == 0, result.output
    assert "combinable: no" in result.stdout
    assert "commercial use" in result.stdout


def test_compatible_as_json() -> None:
    result = run("licence", "compatible", "Open Access", "CC BY 4.0", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["combinable"] is None
    assert data["result_licences"] == []
    assert [item["uri"] for item in data["licences"]] == [None, BY_4]
    assert "Open Access" in data["reason"]


def test_compatible_needs_two_licences() -> None:
    result = run("licence", "compatible", "CC BY 4.0")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
