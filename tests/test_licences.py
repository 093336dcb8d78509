"""The licence vocabulary and the normaliser."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from registry.licences import (
    CONFIDENCE_COPYRIGHT_NOTICE,
    COPYRIGHT_NOTICE_URI,
    Licence,
    VocabularyError,
    all_licences,
    licence_by_uri,
    load_vocabulary,
    normalise,
    normalise_many,
)
from registry.licences._vocabulary import CC, default_path
from tests.conftest import CC_BY

#: The steering repository's shared fixtures, beside the checkout (read only).
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
LICENCE_FIXTURES = SHARED_FIXTURES / "licences"

BY_4 = "https://creativecommons.org/licenses/by/4.0/"
BY_SA_4 = "https://creativecommons.org/licenses/by-sa/4.0/"
BY_NC_ND_4 = "https://creativecommons.org/licenses/by-nc-nd/4.0/"
BY_3_NL = "https://creativecommons.org/licenses/by/3.0/nl/"
BY_NC_SA_3_NL = "https://creativecommons.org/licenses/by-nc-sa/3.0/nl/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
PDM = "https://creativecommons.org/publicdomain/mark/1.0/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"
INC_EDU = "http://rightsstatements.org/vocab/InC-EDU/1.0/"
CNE = "http://rightsstatements.org/vocab/CNE/1.0/"
MIT = "http://spdx.org/licenses/MIT"
APACHE = "http://spdx.org/licenses/Apache-2.0"
ODBL = "http://opendatacommons.org/licenses/odbl/1.0/"


def fixture_dir(name: str) -> Path:
    path = LICENCE_FIXTURES / name
    if not path.is_dir():
        pytest.skip(f"shared fixtures not available: {path} is absent")
    return path


# --- the normaliser ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        (BY_4, BY_4),
        (BY_3_NL, BY_3_NL),
        (CC0, CC0),
        (INC, INC),
        (ODBL, ODBL),
    ],
)
def test_canonical_uris_resolve_exactly(text: str, uri: str) -> None:
    ref = normalise(text)
    assert (ref.uri, ref.confidence, ref.raw) == (uri, 1.0, text)


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("http://creativecommons.org/licenses/by/4.0/", BY_4),
        ("http://creativecommons.org/licenses/by/4.0/deed.nl", BY_4),
        ("https://creativecommons.org/licenses/by/4.0/deed.zh-hant", BY_4),
        ("https://creativecommons.org/licenses/by/4.0/legalcode", BY_4),
        ("https://creativecommons.org/licenses/by/4.0/legalcode.nl", BY_4),
        ("https://creativecommons.org/licenses/by/4.0/rdf", BY_4),
        ("https://creativecommons.org/licenses/by/4.0", BY_4),
        ("http://www.creativecommons.org/licenses/by/4.0/", BY_4),
        ("HTTPS://CreativeCommons.org/licenses/BY/4.0/", BY_4),
        ("<https://creativecommons.org/licenses/by/4.0/>", BY_4),
        ("  https://creativecommons.org/licenses/by/4.0/#ref  ", BY_4),
        ("creativecommons.org/licenses/by-sa/4.0", BY_SA_4),
        ("http://creativecommons.org/licenses/by/3.0/nl/", BY_3_NL),
        ("https://creativecommons.org/licenses/by/3.0/nl/deed.nl", BY_3_NL),
        ("http://creativecommons.org/licenses/by-nc-sa/3.0/nl/legalcode", BY_NC_SA_3_NL),
        ("http://creativecommons.org/publicdomain/zero/1.0/legalcode", CC0),
        ("http://creativecommons.org/publicdomain/mark/1.0/deed.en", PDM),
        ("http://rightsstatements.org/vocab/InC/1.0", INC),
        ("https://rightsstatements.org/vocab/InC/1.0/", INC),
        ("http://rightsstatements.org/page/InC/1.0/?language=en", INC),
        ("https://rightsstatements.org/page/InC-EDU/1.0/?language=nl", INC_EDU),
        ("https://opendatacommons.org/licenses/odbl/1-0/", ODBL),
        ("https://spdx.org/licenses/MIT.html", MIT),
        ("https://opensource.org/licenses/MIT", MIT),
        ("https://www.apache.org/licenses/LICENSE-2.0.txt", APACHE),
    ],
)
def test_uri_variants(text: str, uri: str) -> None:
    ref = normalise(text)
    assert (ref.uri, ref.confidence, ref.raw) == (uri, 0.95, text)


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("CC-BY-4.0", BY_4),
        ("cc-by-sa-4.0", BY_SA_4),
        ("CC-BY-3.0-NL", BY_3_NL),
        ("CC0-1.0", CC0),
        ("mit", MIT),
        ("apache-2.0", APACHE),
        ("ODbL-1.0", ODBL),
        ("SPDX-License-Identifier: MIT", MIT),
    ],
)
def test_spdx_ids_case_insensitive(text: str, uri: str) -> None:
    ref = normalise(text)
    assert (ref.uri, ref.confidence) == (uri, 0.95)


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("CC BY 4.0", BY_4),
        ("CC-BY 4.0", BY_4),
        ("cc by 4.0", BY_4),
        ("  CC   BY   4.0 ", BY_4),
        ("CC BY-NC-ND 4.0", BY_NC_ND_4),
        ("CC BY 3.0 NL", BY_3_NL),
        ("Attribution 4.0 International", BY_4),
        ("Creative Commons Attribution 4.0 International", BY_4),
        ("Creative Commons Attribution 4.0 International License", BY_4),
        (
            "This work is licensed under a Creative Commons Attribution 4.0 International License.",
            BY_4,
        ),
        ("Naamsvermelding 4.0 Internationaal", BY_4),
        ("Naamsvermelding-GelijkDelen 4.0 Internationaal", BY_SA_4),
        ("Naamsvermelding-GelijkDelen 4.0", BY_SA_4),
        ("CC BY-SA 4.0 International", BY_SA_4),
        ("CC BY 3.0 Unported", "https://creativecommons.org/licenses/by/3.0/"),
        ("naamsvermelding-gelijkdelen 4.0 internationaal", BY_SA_4),
        ("Naamsvermelding - Gelijk Delen 4.0 Internationaal", BY_SA_4),
        ("Naamsvermelding-NietCommercieel-GeenAfgeleideWerken 4.0 Internationaal", BY_NC_ND_4),
        ("Creative Commons Naamsvermelding 3.0 Nederland", BY_3_NL),
        (
            "Dit werk valt onder een Creative Commons Naamsvermelding-GelijkDelen 4.0 "
            "Internationaal-licentie.",
            BY_SA_4,
        ),
        ("CC0", CC0),
        ("CC0 1.0 Universeel", CC0),
        ("Publiek domein", PDM),
        ("Public Domain Mark", PDM),
        ("Alle rechten voorbehouden", INC),
        ("All rights reserved", INC),
        ("All rights reserved.", INC),
        ("Auteursrechtelijk beschermd", INC),
        ("In Copyright - Educational Use Permitted", INC_EDU),
        ("Auteursrechtelijke status niet geëvalueerd", CNE),
        ("auteursrechtelijke status niet geevalueerd", CNE),
        ("MIT License", MIT),
        ("Apache License, Version 2.0", APACHE),
        ("Licence: https://creativecommons.org/licenses/by-sa/4.0/", BY_SA_4),
    ],
)
def test_labels_and_aliases(text: str, uri: str) -> None:
    ref = normalise(text)
    assert (ref.uri, ref.confidence, ref.raw) == (uri, 0.9, text)


@pytest.mark.parametrize(
    "text",
    [
        "© 2021 Gemeente Utrecht",
        "(c) 2019 The Authors",
        "(C) The Authors",
        "Copyright 2020 X",
        "Copyright © 2020 Example B.V. All rights reserved.",
        "Foto: Jan Jansen ©",
    ],
)
def test_copyright_notices_mean_in_copyright_with_lower_confidence(text: str) -> None:
    ref = normalise(text)
    assert ref.uri == COPYRIGHT_NOTICE_URI == INC
    assert ref.confidence == CONFIDENCE_COPYRIGHT_NOTICE == 0.6
    assert ref.reuse_class == "permission"
    assert ref.raw == text


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "Open Access",
        "open access",
        "info:eu-repo/semantics/openAccess",
        "info:eu-repo/semantics/closedAccess",
        "CC BY",  # no version: not guessed
        "GPL-3.0-or-later",  # not in the vocabulary
        "https://example.org/licence",
        "Copyright-free",
        "No known copyright holder was found; © unclear, licensed by the author",
        "Zie de website",
    ],
)
def test_strings_that_name_no_licence_are_not_guessed(text: str | None) -> None:
    ref = normalise(text)
    assert ref.uri is None
    assert ref.label is None
    assert ref.reuse_class == "permission"
    assert ref.confidence == 0.0
    assert ref.raw == text


def test_a_resolved_reference_is_filled_from_the_vocabulary() -> None:
    assert normalise(BY_4) == CC_BY
    nc = normalise("CC BY-NC-SA 4.0")
    assert (nc.family, nc.version, nc.reuse_class) == ("CC BY-NC-SA", "4.0", "restricted")
    assert (nc.commercial, nc.derivatives, nc.requires_attribution) == (False, True, True)
    nd = normalise("CC BY-ND 3.0")
    assert (nd.commercial, nd.derivatives) == (True, False)
    cc0 = normalise("CC0")
    assert (cc0.reuse_class, cc0.commercial, cc0.derivatives, cc0.requires_attribution) == (
        "open",
        True,
        True,
        False,
    )
    inc = normalise("All rights reserved")
    assert (inc.reuse_class, inc.commercial, inc.derivatives) == ("permission", False, False)
    assert inc.label == "In Copyright"


def test_normalise_returns_a_fresh_reference_each_time() -> None:
    first = normalise("CC BY 4.0")
    first.label = "changed"
    assert normalise("CC BY 4.0").label == "CC BY 4.0"


@pytest.mark.parametrize(
    ("texts", "uri", "raw"),
    [
        (
            ["Naamsvermelding 4.0 Internationaal", "http://creativecommons.org/licenses/by/4.0/"],
            BY_4,
            "http://creativecommons.org/licenses/by/4.0/",
        ),
        (["Open Access", BY_SA_4], BY_SA_4, BY_SA_4),
        (["© 2020 X", "CC BY 4.0"], BY_4, "CC BY 4.0"),
        (["CC BY 4.0", "CC BY-SA 4.0"], BY_4, "CC BY 4.0"),  # a tie: the first wins
        (["", "Open Access", "Zie website"], None, "Open Access"),
        ([], None, None),
    ],
)
def test_normalise_many_picks_the_most_confident(
    texts: list[str], uri: str | None, raw: str | None
) -> None:
    ref = normalise_many(texts)
    assert (ref.uri, ref.raw) == (uri, raw)


def test_normalise_many_takes_any_iterable() -> None:
    assert normalise_many(iter(["x", "CC0"])).uri == CC0


# --- the vocabulary ------------------------------------------------------------------------

REQUIRED = [
    *(
        f"https://creativecommons.org/licenses/{code}/{version}/"
        for code in ("by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nc-nd")
        for version in ("4.0", "3.0", "3.0/nl")
    ),
    CC0,
    PDM,
    *(
        f"http://rightsstatements.org/vocab/{code}/1.0/"
        for code in ("InC", "InC-EDU", "InC-NC", "CNE", "UND", "NoC-NC", "NoC-OKLR", "NKC")
    ),
    ODBL,
    "http://opendatacommons.org/licenses/by/1.0/",
    "http://opendatacommons.org/licenses/pddl/1.0/",
    MIT,
    APACHE,
    "http://spdx.org/licenses/BSD-3-Clause",
    "http://spdx.org/licenses/GPL-3.0-only",
    "http://spdx.org/licenses/EUPL-1.2",
]


def test_the_vocabulary_covers_the_required_licences() -> None:
    known = {licence.uri for licence in all_licences()}
    assert [uri for uri in REQUIRED if uri not in known] == []


@pytest.mark.parametrize("licence", all_licences(), ids=lambda licence: licence.uri)
def test_every_licence_is_complete(licence: Licence) -> None:
    assert licence.labels["en"].strip()
    assert licence.labels["nl"].strip()
    assert licence.reuse_class in ("open", "restricted", "permission")
    assert licence.family.strip()
    assert licence_by_uri(licence.uri) is licence
    # a resolved reference carries the English label
    ref = licence.ref(confidence=1.0, raw=licence.uri)
    assert normalise(licence.uri) == ref
    # the rule for the derived flags
    assert licence.commercial == (
        "CommercialUse" not in licence.prohibits and licence.reuse_class != "permission"
    )
    assert licence.derivatives == ("DerivativeWorks" in licence.permits)
    # the canonical form: https for Creative Commons
    if "creativecommons.org" in licence.uri:
        assert licence.uri.startswith("https://creativecommons.org/")
        assert licence.uri.endswith("/")
    # every label, alias and SPDX id leads back to the licence
    for name in (*licence.labels.values(), *licence.alt_labels, *licence.aliases):
        assert normalise(name).uri == licence.uri, name
    if licence.spdx:
        assert normalise(licence.spdx.lower()).uri == licence.uri


def test_reuse_classes() -> None:
    classes = {licence.uri: licence.reuse_class for licence in all_licences()}
    open_ = [BY_4, BY_SA_4, BY_3_NL, CC0, PDM, ODBL, MIT, APACHE]
    restricted = [
        BY_NC_ND_4,
        BY_NC_SA_3_NL,
        "https://creativecommons.org/licenses/by-nd/3.0/",
        INC_EDU,
        "http://rightsstatements.org/vocab/InC-NC/1.0/",
        "http://rightsstatements.org/vocab/NoC-NC/1.0/",
        "http://rightsstatements.org/vocab/NoC-OKLR/1.0/",
    ]
    permission = [INC, CNE, "http://rightsstatements.org/vocab/UND/1.0/"]
    permission.append("http://rightsstatements.org/vocab/NKC/1.0/")
    assert {uri: classes[uri] for uri in open_} == dict.fromkeys(open_, "open")
    assert {uri: classes[uri] for uri in restricted} == dict.fromkeys(restricted, "restricted")
    assert {uri: classes[uri] for uri in permission} == dict.fromkeys(permission, "permission")


def test_ported_licences_have_their_jurisdiction() -> None:
    licence = licence_by_uri(BY_3_NL)
    assert licence is not None
    assert licence.jurisdiction == "http://creativecommons.org/international/nl/"
    assert (licence.family, licence.version, licence.spdx) == ("CC BY", "3.0", "CC-BY-3.0-NL")
    unported = licence_by_uri("https://creativecommons.org/licenses/by/3.0/")
    assert unported is not None
    assert unported.jurisdiction is None


def test_licence_by_uri_accepts_variants_and_answers_none_otherwise() -> None:
    found = licence_by_uri("http://creativecommons.org/licenses/by-sa/4.0/deed.nl")
    assert found is not None
    assert found.uri == BY_SA_4
    assert found.share_alike
    assert licence_by_uri("https://example.org/") is None
    assert licence_by_uri("CC BY 4.0") is None
    assert licence_by_uri(None) is None


def test_the_vocabulary_loads_fast() -> None:
    start = time.perf_counter()
    vocabulary = load_vocabulary()
    assert time.perf_counter() - start < 1.0
    assert len(vocabulary.licences) == len(all_licences())


def test_the_vocabulary_file_is_valid_turtle_with_cc_licences() -> None:
    graph = Graph().parse(default_path(), format="turtle")
    subjects = set(graph.subjects(RDF.type, CC.License))
    assert {URIRef(uri) for uri in REQUIRED} <= subjects
    for subject in subjects:
        languages = {
            getattr(label, "language", None) for label in graph.objects(subject, SKOS.prefLabel)
        }
        assert {"en", "nl"} <= languages, subject


VOCAB_HEAD = """
@prefix cc: <http://creativecommons.org/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix reg: <https://w3id.org/open-registry/vocab#> .
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            """<https://example.org/a> a cc:License ; skos:prefLabel "A"@en, "A"@nl ;
                   reg:family "A" ; reg:reuseClass "open" ; reg:alias "same" .
               <https://example.org/b> a cc:License ; skos:prefLabel "B"@en, "B"@nl ;
                   reg:family "B" ; reg:reuseClass "open" ; reg:alias "SAME!" .""",
            "ambiguous",
        ),
        (
            """<https://example.org/a> a cc:License ; skos:prefLabel "A"@en ;
                   reg:family "A" ; reg:reuseClass "open" .""",
            "prefLabel in nl",
        ),
        (
            """<https://example.org/a> a cc:License ; skos:prefLabel "A"@en, "A"@nl ;
                   reg:family "A" ; reg:reuseClass "free" .""",
            "reuseClass",
        ),
        (
            """<https://example.org/a> a cc:License ; skos:prefLabel "A"@en, "A"@nl ;
                   reg:reuseClass "open" .""",
            "family",
        ),
    ],
)
def test_a_malformed_vocabulary_is_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "licences.ttl"
    path.write_text(VOCAB_HEAD + body, encoding="utf-8")
    with pytest.raises(VocabularyError, match=message):
        load_vocabulary(path)


# --- agreement with the published sources (shared fixtures) --------------------------------


def _local_names(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str]:
    namespace = str(CC)
    return {
        str(term)[len(namespace) :]
        for term in graph.objects(subject, predicate)
        if str(term).startswith(namespace)
    }


def test_cc_terms_agree_with_the_cc_rel_rdf() -> None:
    files = sorted(fixture_dir("cc-rel").glob("creativecommons.org_*.rdf"))
    if not files:
        pytest.skip("no CC REL licence RDF among the shared fixtures")
    compared = 0
    for path in files:
        graph = Graph().parse(path, format="xml")
        for subject in graph.subjects(RDF.type, CC.License):
            assert isinstance(subject, URIRef)
            licence = licence_by_uri(str(subject))
            assert licence is not None, f"{subject} ({path.name}) is not in the vocabulary"
            expected = {
                "permits": _local_names(graph, subject, CC.permits),
                "requires": _local_names(graph, subject, CC.requires),
                "prohibits": _local_names(graph, subject, CC.prohibits),
            }
            actual = {
                "permits": set(licence.permits),
                "requires": set(licence.requires),
                "prohibits": set(licence.prohibits),
            }
            assert actual == expected, licence.uri
            jurisdictions = [str(j) for j in graph.objects(subject, CC.jurisdiction)]
            assert licence.jurisdiction == (jurisdictions[0] if jurisdictions else None)
            compared += 1
    assert compared >= len(files)


def test_rights_statement_labels_agree_with_rightsstatements_org() -> None:
    files = sorted(fixture_dir("rightsstatements").glob("*_*.json"))
    if not files:
        pytest.skip("no rightsstatements.org statements among the shared fixtures")
    for path in files:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        language = data["@context"]["@language"]
        licence = licence_by_uri(data["@id"])
        if licence is None:
            continue  # a statement the vocabulary does not carry (NoC-US is carried)
        assert licence.labels.get(language) == data["prefLabel"], path.name


def test_every_rightsstatements_org_statement_is_in_the_vocabulary() -> None:
    path = fixture_dir("rightsstatements") / "rights-statements.ttl"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    graph = Graph().parse(path, format="turtle")
    statements = set(graph.subjects(RDF.type, SKOS.Concept))
    assert statements
    for statement in statements:
        assert isinstance(statement, URIRef)
        licence = licence_by_uri(str(statement))
        assert licence is not None, statement
        assert licence.kind == "rights-statement"
        # what rightsstatements.org prohibits, the vocabulary prohibits too
        assert _local_names(graph, statement, CC.prohibits) <= licence.prohibits


def test_spdx_ids_are_current_spdx_licence_ids() -> None:
    path = fixture_dir("spdx") / "licenses.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    listed = {
        entry["licenseId"]: entry for entry in json.loads(path.read_text("utf-8"))["licenses"]
    }
    for licence in all_licences():
        if licence.spdx is None:
            continue
        assert licence.spdx in listed, licence.spdx
        assert not listed[licence.spdx]["isDeprecatedLicenseId"], licence.spdx
