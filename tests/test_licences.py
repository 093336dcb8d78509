"""The licence vocabulary and the normaliser."""

from __future__ import annotations

import json
import random
import string
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
    vocabulary,
)
from registry.licences._normalise import (
    CONFIDENCE_CODE,
    CONFIDENCE_PART,
    CONFIDENCE_UNPORTED,
    _match,
    _resolve,
)
from registry.licences._vocabulary import CC, default_path
from tests.conftest import CC_BY

#: The steering repository's shared fixtures, beside the checkout (read only).
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
LICENCE_FIXTURES = SHARED_FIXTURES / "licences"
SPDX_LIST = Path(__file__).resolve().parents[1] / "vocab" / "data" / "spdx-licenses.json"

CC_LICENCES = "https://creativecommons.org/licenses/"
BY_4 = "https://creativecommons.org/licenses/by/4.0/"
BY_SA_4 = "https://creativecommons.org/licenses/by-sa/4.0/"
BY_NC_4 = "https://creativecommons.org/licenses/by-nc/4.0/"
BY_NC_ND_4 = "https://creativecommons.org/licenses/by-nc-nd/4.0/"
BY_3 = "https://creativecommons.org/licenses/by/3.0/"
BY_3_NL = "https://creativecommons.org/licenses/by/3.0/nl/"
BY_SA_3_NL = "https://creativecommons.org/licenses/by-sa/3.0/nl/"
BY_NC_SA_3_NL = "https://creativecommons.org/licenses/by-nc-sa/3.0/nl/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
PDM = "https://creativecommons.org/publicdomain/mark/1.0/"
PDDC = "https://creativecommons.org/licenses/publicdomain/"
INC = "http://rightsstatements.org/vocab/InC/1.0/"
INC_EDU = "http://rightsstatements.org/vocab/InC-EDU/1.0/"
INC_OW_EU = "http://rightsstatements.org/vocab/InC-OW-EU/1.0/"
CNE = "http://rightsstatements.org/vocab/CNE/1.0/"
UND = "http://rightsstatements.org/vocab/UND/1.0/"
NKC = "http://rightsstatements.org/vocab/NKC/1.0/"
NOC_NC = "http://rightsstatements.org/vocab/NoC-NC/1.0/"
NOC_US = "http://rightsstatements.org/vocab/NoC-US/1.0/"
MIT = "http://spdx.org/licenses/MIT"
APACHE = "http://spdx.org/licenses/Apache-2.0"
SPDX = "http://spdx.org/licenses/"
ODBL = "http://opendatacommons.org/licenses/odbl/1.0/"
ODC_BY = "http://opendatacommons.org/licenses/by/1.0/"
PDDL = "http://opendatacommons.org/licenses/pddl/1.0/"
DBCL = "http://opendatacommons.org/licenses/dbcl/1.0/"
OGL_3 = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OGL_2 = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/2/"
OGL_1 = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/1/"
ETALAB_2 = "http://spdx.org/licenses/etalab-2.0"
ETALAB_1 = "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf"
DL_BY_2 = "https://www.govdata.de/dl-de/by-2-0"
DL_BY_1 = "https://www.govdata.de/dl-de/by-1-0"
DL_ZERO_2 = "https://www.govdata.de/dl-de/zero-2-0"
NLOD_1 = "http://data.norge.no/nlod/no/1.0"
NLOD_2 = "http://data.norge.no/nlod/no/2.0"


def fixture_dir(name: str) -> Path:
    path = LICENCE_FIXTURES / name
    if not path.is_dir():
        pytest.skip(f"shared fixtures not available: {path} is absent")
    return path


def spdx_list() -> list[dict[str, Any]]:
    licences: list[dict[str, Any]] = json.loads(SPDX_LIST.read_text("utf-8"))["licenses"]
    return licences


# --- the normaliser: addresses -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        (BY_4, BY_4),
        (BY_3_NL, BY_3_NL),
        (CC0, CC0),
        (INC, INC),
        (ODBL, ODBL),
        (OGL_3, OGL_3),
        (ETALAB_2, ETALAB_2),
        (ETALAB_1, ETALAB_1),
        (DL_BY_2, DL_BY_2),
        (NLOD_1, NLOD_1),
        (
            "https://creativecommons.org/licenses/by-sa/2.5/nl/",
            "https://creativecommons.org/licenses/by-sa/2.5/nl/",
        ),
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
        ("https://creativecommons.org/licenses/by/4.0/legalcode.nl.txt", BY_4),
        ("https://creativecommons.org/licenses/by/4.0/rdf", BY_4),
        ("https://creativecommons.org/licenses/by/4.0", BY_4),
        ("http://www.creativecommons.org/licenses/by/4.0/", BY_4),
        ("HTTPS://CreativeCommons.org/licenses/BY/4.0/", BY_4),
        ("<https://creativecommons.org/licenses/by/4.0/>", BY_4),
        ("  https://creativecommons.org/licenses/by/4.0/#ref  ", BY_4),
        ("https://creativecommons.org/licenses/by/4.0/?ref=chooser-v1", BY_4),
        ("httpss://creativecommons.org/licenses/by-nc/4.0/", BY_NC_4),
        ("creativecommons.org/licenses/by-sa/4.0", BY_SA_4),
        ("http://creativecommons.org/licenses/by/3.0/nl/", BY_3_NL),
        ("https://creativecommons.org/licenses/by/3.0/nl/deed.nl", BY_3_NL),
        ("http://creativecommons.org/licenses/by-nc-sa/3.0/nl/legalcode", BY_NC_SA_3_NL),
        ("http://creativecommons.org/licenses/by-sa/2.5/nl/deed.nl", f"{CC_LICENCES}by-sa/2.5/nl/"),
        ("http://www.creativecommons.org/licenses/by-nc/1.0", f"{CC_LICENCES}by-nc/1.0/"),
        ("http://creativecommons.org/licenses/by/2.5/scotland/", f"{CC_LICENCES}by/2.5/scotland/"),
        ("http://creativecommons.org/licenses/by-nc-nd/1.0/", f"{CC_LICENCES}by-nd-nc/1.0/"),
        ("http://creativecommons.org/publicdomain/zero/1.0/legalcode", CC0),
        ("http://creativecommons.org/publicdomain/mark/1.0/deed.en", PDM),
        ("http://rightsstatements.org/vocab/InC/1.0", INC),
        ("https://rightsstatements.org/vocab/InC/1.0/", INC),
        ("http://rightsstatements.org/page/InC/1.0/?language=en", INC),
        ("https://rightsstatements.org/page/InC-EDU/1.0/?language=nl", INC_EDU),
        ("https://opendatacommons.org/licenses/odbl/1-0/", ODBL),
        ("http://opendatacommons.org/licenses/odbl/", ODBL),
        ("https://spdx.org/licenses/MIT.html", MIT),
        ("https://opensource.org/licenses/MIT", MIT),
        ("https://www.apache.org/licenses/LICENSE-2.0.txt", APACHE),
        ("https://spdx.org/licenses/CC-BY-4.0.html", BY_4),
        ("https://spdx.org/licenses/GPL-2.0+.html", f"{SPDX}GPL-2.0-or-later"),
        ("https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/", OGL_3),
        ("http://data.norge.no/nlod/en/2.0", NLOD_2),
        # DCAT-AP: the EU Publications Office's licence authority table
        ("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0", BY_4),
        ("http://publications.europa.eu/resource/authority/licence/CC_BYNC_4_0", BY_NC_4),
        ("http://publications.europa.eu/resource/authority/licence/CC0", CC0),
        # DCAT-AP.de (GovData), current and older forms
        ("http://dcat-ap.de/def/licenses/cc-by/4.0", BY_4),
        ("http://dcat-ap.de/def/licenses/cc-by-sa/4_0", BY_SA_4),
        ("http://dcat-ap.de/def/licenses/cc-by-de/3.0", f"{CC_LICENCES}by/3.0/de/"),
        ("http://dcat-ap.de/def/licenses/dl-by-de/2.0", DL_BY_2),
        ("http://dcat-ap.de/def/licenses/dl-zero-de/2.0", DL_ZERO_2),
        ("http://dcat-ap.de/def/licenses/cc-zero", CC0),
        ("http://dcat-ap.de/def/licenses/mozilla", f"{SPDX}MPL-2.0"),
    ],
)
def test_uri_variants(text: str, uri: str) -> None:
    ref = normalise(text)
    assert (ref.uri, ref.confidence, ref.raw) == (uri, 0.95, text)


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        # no 4.0 licence was ported: a jurisdiction in its address means the 4.0 licence
        ("https://creativecommons.org/licenses/by/4.0/nl/", BY_4),
        ("http://creativecommons.org/licenses/by-sa/4.0/de/deed.de", BY_SA_4),
        # Belgium ported 2.0, not 3.0
        ("https://creativecommons.org/licenses/by/3.0/be/", BY_3),
    ],
)
def test_a_port_that_does_not_exist_is_the_unported_licence(text: str, uri: str) -> None:
    ref = normalise(text)
    assert (ref.uri, ref.confidence) == (uri, CONFIDENCE_UNPORTED)


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("http://www.europeana.eu/rights/rr-f/", INC),
        ("http://www.europeana.eu/rights/rr-p/", INC),
        ("http://www.europeana.eu/rights/rr-r/", INC),
        ("http://www.europeana.eu/rights/unknown/", UND),
        ("http://www.europeana.eu/rights/orphan-work-eu/", INC_OW_EU),
        ("http://www.europeana.eu/rights/out-of-copyright-non-commercial/", NOC_NC),
        ("http://www.europeana.eu/portal/rights/rr-f.html", INC),
        ("Europeana: Rights Reserved - Free Access", INC),
        ("Europeana: Unknown copyright status", UND),
        # edm:rights as Europeana accepts it today
        ("http://creativecommons.org/publicdomain/mark/1.0/", PDM),
        ("http://rightsstatements.org/vocab/NoC-NC/1.0/", NOC_NC),
    ],
)
def test_europeana_edm_rights_including_the_legacy_statements(text: str, uri: str) -> None:
    assert normalise(text).uri == uri


# --- the normaliser: identifiers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("CC-BY-4.0", BY_4),
        ("cc-by-sa-4.0", BY_SA_4),
        ("CC-BY-3.0-NL", BY_3_NL),
        ("CC0-1.0", CC0),
        ("CC-PDDC", PDDC),
        ("CC-PDM-1.0", PDM),
        ("mit", MIT),
        ("apache-2.0", APACHE),
        ("ODbL-1.0", ODBL),
        ("SPDX-License-Identifier: MIT", MIT),
        ("OGL-UK-3.0", OGL_3),
        ("etalab-2.0", ETALAB_2),
        ("DL-DE-BY-2.0", DL_BY_2),
        ("DL-DE-ZERO-2.0", DL_ZERO_2),
        ("NLOD-2.0", NLOD_2),
        ("GPL-3.0-or-later", f"{SPDX}GPL-3.0-or-later"),
        ("0BSD", f"{SPDX}0BSD"),
        # deprecated ids: their successor
        ("GPL-2.0", f"{SPDX}GPL-2.0-only"),
        ("GPL-2.0+", f"{SPDX}GPL-2.0-or-later"),
        ("gpl-3.0+", f"{SPDX}GPL-3.0-or-later"),
        ("LGPL-2.1+", f"{SPDX}LGPL-2.1-or-later"),
        ("AGPL-3.0", f"{SPDX}AGPL-3.0-only"),
        ("GFDL-1.3", f"{SPDX}GFDL-1.3-only"),
        ("BSD-2-Clause-NetBSD", f"{SPDX}BSD-2-Clause"),
        ("StandardML-NJ", f"{SPDX}SMLNJ"),
        # deprecated, with no successor: a licence of its own
        ("GPL-2.0-with-classpath-exception", f"{SPDX}GPL-2.0-with-classpath-exception"),
    ],
)
def test_spdx_ids_case_insensitive_and_deprecated(text: str, uri: str) -> None:
    ref = normalise(text)
    assert (ref.uri, ref.confidence) == (uri, 0.95)


def test_a_licence_with_an_exception_is_as_open_as_the_licence() -> None:
    ref = normalise("GPL-2.0-with-classpath-exception")
    assert (ref.family, ref.version, ref.reuse_class) == ("GPL", "2.0", "open")


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        # CKAN's default licence register
        ("cc-zero", CC0),
        ("odc-by", ODC_BY),
        ("odc-odbl", ODBL),
        ("odc-pddl", PDDL),
        ("CC-BY-4.0", BY_4),
        # DataCite rightsIdentifier (lower-case SPDX ids)
        ("cc-by-4.0", BY_4),
        ("cc0-1.0", CC0),
        ("cc-by-nc-nd-4.0", BY_NC_ND_4),
        # Zenodo / InvenioRDM licence ids
        ("cc-by-sa-4.0", BY_SA_4),
        ("cc-by-nc-4.0", BY_NC_4),
        # EPrints: ids without a version link to 3.0, "_4" to 4.0
        ("cc_by_4", BY_4),
        ("cc_by_sa_4", BY_SA_4),
        ("cc_by_nd", f"{CC_LICENCES}by-nd/3.0/"),
        ("cc_by_nc", f"{CC_LICENCES}by-nc/3.0/"),
        ("cc_by", BY_3),
        ("cc_public_domain", PDDC),
        ("cc_gnu_gpl", f"{SPDX}GPL-2.0-only"),
        ("gnu_gpl_3", f"{SPDX}GPL-3.0-only"),
        ("odc_by", ODC_BY),
        ("odc_odbl", ODBL),
        ("odc_dbcl", DBCL),
        # Edurep rights ids: the Dutch 3.0 ports
        ("cc-by-30", BY_3_NL),
        ("cc-by-sa-30", BY_SA_3_NL),
        # data.gouv.fr
        ("fr-lo", ETALAB_1),
        ("lov2", ETALAB_2),
    ],
)
def test_licence_ids_of_data_portals_and_repositories(text: str, uri: str) -> None:
    assert normalise(text).uri == uri


@pytest.mark.parametrize(
    ("text", "convention", "uri"),
    [
        ("0", "flickr", INC),
        ("1", "flickr", f"{CC_LICENCES}by-nc-sa/2.0/"),
        ("2", "flickr", f"{CC_LICENCES}by-nc/2.0/"),
        ("3", "flickr", f"{CC_LICENCES}by-nc-nd/2.0/"),
        ("4", "flickr", f"{CC_LICENCES}by/2.0/"),
        ("5", "flickr", f"{CC_LICENCES}by-sa/2.0/"),
        ("6", "flickr", f"{CC_LICENCES}by-nd/2.0/"),
        ("7", "flickr", NKC),
        ("8", "flickr", NOC_US),
        ("9", "flickr", CC0),
        ("10", "flickr", PDM),
        ("11", "flickr", BY_4),
        ("16", "Flickr", BY_NC_ND_4),
        # a convention does not stop the rest: an address is still an address
        ("https://creativecommons.org/licenses/by/2.0/", "flickr", f"{CC_LICENCES}by/2.0/"),
        ("cc_by_nd", "eprints", f"{CC_LICENCES}by-nd/3.0/"),
        ("uk-ogl", "ckan", OGL_3),
        ("cc-zero", "ckan", CC0),
    ],
)
def test_a_convention_reads_its_codes(text: str, convention: str, uri: str) -> None:
    ref = normalise(text, convention=convention)
    assert ref.uri == uri
    assert ref.confidence >= 0.9


@pytest.mark.parametrize("text", ["0", "4", "9", "10", " 4 "])
def test_bare_digits_name_nothing_without_the_flickr_convention(text: str) -> None:
    assert normalise(text).uri is None
    assert normalise(text, convention="ckan").uri is None
    assert normalise(text, convention="unknown-convention").uri is None


def test_codes_and_exact_aliases_are_identifications() -> None:
    assert normalise("4", convention="flickr").confidence == CONFIDENCE_CODE
    assert normalise("cc_by").confidence == CONFIDENCE_CODE
    # written otherwise, an exact alias is a name like any other: here a family
    assert (normalise("cc by").uri, normalise("cc by").family) == (None, "CC BY")
    assert normalise("CC-BY-30").uri == BY_3_NL  # an exact alias ignores case
    assert normalise("CC BY 3.0").uri == BY_3


def test_ckan_s_cc_nc_is_any_version_of_by_nc() -> None:
    ref = normalise("cc-nc", convention="ckan")
    assert (ref.uri, ref.family, ref.reuse_class) == (None, "CC BY-NC", "restricted")


# --- the normaliser: names and sentences ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("CC BY 4.0", BY_4),
        ("CC-BY 4.0", BY_4),
        ("cc by 4.0", BY_4),
        ("  CC   BY   4.0 ", BY_4),
        ("CC BY-NC-ND 4.0", BY_NC_ND_4),
        ("CC BY 3.0 NL", BY_3_NL),
        ("CC BY-SA 2.5 NL", f"{CC_LICENCES}by-sa/2.5/nl/"),
        ("CC BY-NC-ND 1.0", f"{CC_LICENCES}by-nd-nc/1.0/"),
        ("CC Sampling+ 1.0", f"{CC_LICENCES}sampling+/1.0/"),
        ("Attribution 4.0 International", BY_4),
        ("Creative Commons Attribution 4.0 International", BY_4),
        ("Creative Commons Attribution 4.0 International License", BY_4),
        ("Creative Commons Attribution 4.0 International Public License", BY_4),
        ("Creative Commons Attribution-ShareAlike 3.0 Netherlands", BY_SA_3_NL),
        ("Attribution-NoDerivs 3.0 Unported", f"{CC_LICENCES}by-nd/3.0/"),
        ("Attribution-NoDerivatives 3.0 Unported", f"{CC_LICENCES}by-nd/3.0/"),
        ("Creative Commons: Attribution-No Derivative Works 3.0", f"{CC_LICENCES}by-nd/3.0/"),
        ("Attribution 2.5 Generic", f"{CC_LICENCES}by/2.5/"),
        (
            "This work is licensed under a Creative Commons Attribution 4.0 International License.",
            BY_4,
        ),
        (
            'This work is licensed under a <a rel="license" '
            'href="http://creativecommons.org/licenses/by/4.0/">Creative Commons Attribution 4.0'
            " International License</a>.",
            BY_4,
        ),
        # Dutch
        ("Naamsvermelding 4.0 Internationaal", BY_4),
        ("Naamsvermelding-GelijkDelen 4.0 Internationaal", BY_SA_4),
        ("Naamsvermelding-GelijkDelen 4.0", BY_SA_4),
        ("naamsvermelding-gelijkdelen 4.0 internationaal", BY_SA_4),
        ("Naamsvermelding - Gelijk Delen 4.0 Internationaal", BY_SA_4),
        ("Naamsvermelding-NietCommercieel-GeenAfgeleideWerken 4.0 Internationaal", BY_NC_ND_4),
        ("Naamsvermelding-GelijkDelen 3.0 Nederland", BY_SA_3_NL),
        ("Naamsvermelding-GelijkDelen 2.5 Nederland", f"{CC_LICENCES}by-sa/2.5/nl/"),
        ("Creative Commons Naamsvermelding 3.0 Nederland", BY_3_NL),
        (
            "Dit werk valt onder een Creative Commons Naamsvermelding-GelijkDelen 4.0 "
            "Internationaal-licentie.",
            BY_SA_4,
        ),
        (
            "Dit werk valt onder een Creative Commons Naamsvermelding 4.0 Internationaal-licentie.",
            BY_4,
        ),
        ("Alle metadata uit deze catalogus is beschikbaar onder de CC0 licentie.", CC0),
        # German
        ("Namensnennung 4.0 International", BY_4),
        (
            "Namensnennung - Weitergabe unter gleichen Bedingungen 3.0 Deutschland",
            f"{CC_LICENCES}by-sa/3.0/de/",
        ),
        ("Namensnennung - Nicht kommerziell 4.0 International", BY_NC_4),
        (
            "Dieses Werk ist lizenziert unter einer Creative Commons Namensnennung 4.0 "
            "International Lizenz.",
            BY_4,
        ),
        ("Datenlizenz Deutschland – Namensnennung – Version 2.0", DL_BY_2),
        ("Datenlizenz Deutschland – Zero – Version 2.0", DL_ZERO_2),
        # French
        ("Attribution - Partage dans les Mêmes Conditions 4.0 International", BY_SA_4),
        ("Attribution 3.0 non transposé", BY_3),
        ("Paternité - Partage à l'Identique 3.0 France", f"{CC_LICENCES}by-sa/3.0/fr/"),
        (
            "Cette œuvre est mise à disposition selon les termes de la Licence Creative Commons "
            "Attribution 4.0 International.",
            BY_4,
        ),
        ("Licence Ouverte 2.0", ETALAB_2),
        ("Licence Ouverte Version 1.0", ETALAB_1),
        # short forms
        ("CC BY-SA 4.0 International", BY_SA_4),
        ("CC BY 4.0 International", BY_4),
        ("CC BY 3.0 Unported", BY_3),
        ("CC0", CC0),
        ("CC0 1.0 Universeel", CC0),
        ("Publiek domein", PDM),
        ("Domaine public", PDM),
        ("Public Domain Mark", PDM),
        ("Alle rechten voorbehouden", INC),
        ("All rights reserved", INC),
        ("All rights reserved.", INC),
        ("Tous droits réservés", INC),
        ("Alle Rechte vorbehalten", INC),
        ("Auteursrechtelijk beschermd", INC),
        ("In Copyright - Educational Use Permitted", INC_EDU),
        ("Auteursrechtelijke status niet geëvalueerd", CNE),
        ("auteursrechtelijke status niet geevalueerd", CNE),
        ("No known copyright restrictions", NKC),
        ("MIT License", MIT),
        ("License :: OSI Approved :: MIT License", MIT),
        ("Apache License, Version 2.0", APACHE),
        ("Open Government Licence v3.0", OGL_3),
        ("Licence: https://creativecommons.org/licenses/by-sa/4.0/", BY_SA_4),
        ("Lizenz: CC BY 4.0", BY_4),
        # URL-encoded, HTML
        ("CC%20BY%204.0", BY_4),
        ("<p>CC BY-SA 4.0</p>", BY_SA_4),
    ],
)
def test_labels_aliases_and_sentences(text: str, uri: str) -> None:
    ref = normalise(text)
    assert (ref.uri, ref.raw) == (uri, text)
    assert ref.confidence >= 0.9


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("Attribution 4.0 International (CC BY 4.0)", BY_4),
        ("Creative Commons Namensnennung – 4.0 International (CC BY 4.0)", BY_4),
        ("This work is licensed under a Creative Commons Attribution (CC-BY) 4.0 License.", BY_4),
        (
            "This work is licensed under a Creative Commons Attribution-NonCommercial 4.0 "
            "International License, CC BY-NC.",
            BY_NC_4,
        ),
        (
            "Creative Commons Attribution-NonCommercial-Share Alike 3.0 United States "
            "[CC BY-NC-SA 3.0]",
            f"{CC_LICENCES}by-nc-sa/3.0/us/",
        ),
        ("© 2019 The Authors. Published under CC BY 4.0", BY_4),
        ("GNU General Public License v3 or later (GPLv3+)", f"{SPDX}GPL-3.0-or-later"),
        (
            "Original content released to the public domain via the Creative Commons CC0 1.0"
            " Universal Public Domain Dedication",
            CC0,
        ),
        ("Foto's mogen worden hergebruikt onder CC BY-SA 4.0 met naamsvermelding", BY_SA_4),
    ],
)
def test_parts_of_a_statement_that_agree(text: str, uri: str) -> None:
    ref = normalise(text)
    assert (ref.uri, ref.confidence) == (uri, CONFIDENCE_PART)


@pytest.mark.parametrize(
    "text",
    [
        "CC BY 4.0; CC BY-SA 4.0",  # two licences: not guessed
        "Text: CC BY 4.0. Images: CC BY-NC 4.0.",
        "MIT OR Apache-2.0",
    ],
)
def test_parts_that_disagree_name_nothing(text: str) -> None:
    assert normalise(text).uri is None


@pytest.mark.parametrize(
    ("text", "family", "reuse_class"),
    [
        ("CC BY", "CC BY", "open"),
        ("CC-BY", "CC BY", "open"),
        ("cc-by", "CC BY", "open"),
        ("Creative Commons Attribution", "CC BY", "open"),
        ("Naamsvermelding", "CC BY", "open"),
        ("Namensnennung", "CC BY", "open"),
        ("Paternité", "CC BY", "open"),
        ("cc-by-sa", "CC BY-SA", "open"),
        ("Creative Commons Attribution Share-Alike", "CC BY-SA", "open"),
        ("CC BY-NC-ND", "CC BY-NC-ND", "restricted"),
        ("Namensnennung - Keine Bearbeitung", "CC BY-ND", "restricted"),
        ("http://creativecommons.org/licenses/by-nc/", "CC BY-NC", "restricted"),
        ("http://dcat-ap.de/def/licenses/cc-by", "CC BY", "open"),
        ("http://www.opendefinition.org/licenses/cc-by-sa", "CC BY-SA", "open"),
        ("uk-ogl", "OGL", "open"),
        ("UK Open Government Licence (OGL)", "OGL", "open"),
        ("gfdl", "GFDL", "open"),
        ("GNU Free Documentation License", "GFDL", "open"),
        ("Licence Ouverte", "Etalab", "open"),
        ("http://data.norge.no/nlod/", "NLOD", "open"),
        ("GNU GPL", "GPL", "open"),
        (
            "Creative Commons Uznanie Autorstwa - Użycie Niekomercyjne - Na Tych Samych "
            "Warunkach (CC-BY-NC-SA)",
            "CC BY-NC-SA",
            "restricted",
        ),
    ],
)
def test_a_family_without_a_version_resolves_to_the_family(
    text: str, family: str, reuse_class: str
) -> None:
    ref = normalise(text)
    assert ref.uri is None
    assert ref.version is None
    assert (ref.family, ref.reuse_class) == (family, reuse_class)
    assert ref.label
    assert ref.confidence >= CONFIDENCE_PART
    assert ref.raw == text


def test_a_family_reference_carries_the_terms_all_its_licences_share() -> None:
    by = normalise("CC BY")
    assert (by.label, by.commercial, by.derivatives, by.requires_attribution) == (
        "CC BY",
        True,
        True,
        True,
    )
    nc_nd = normalise("CC BY-NC-ND")
    assert (nc_nd.commercial, nc_nd.derivatives, nc_nd.requires_attribution) == (
        False,
        False,
        True,
    )


@pytest.mark.parametrize(
    "text",
    [
        "© 2021 Gemeente Utrecht",
        "© 2019 The Authors",
        "(c) 2019 The Authors",
        "(C) The Authors",
        "Copyright 2020 X",
        "Copyright (c) ACME",
        "Copyright © 2020 Example B.V. All rights reserved.",
        "Foto: Jan Jansen ©",
        "This digital object is protected under U.S. and international copyright laws.",
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
        "https://example.org/licence",
        "Copyright-free",
        "No known copyright holder was found; © unclear, licensed by the author",
        "Zie de website",
        "free to use",
        "Creative Commons",
        "CC BY 4.0 NL",  # there is no such licence
        "Please send a cc by e-mail to the archive",
        # CKAN's catch-alls, and those of DCAT-AP.de and data.overheid.nl
        "other-pd",
        "other-open",
        "other-at",
        "other-nc",
        "other-closed",
        "notspecified",
        "Other (Public Domain)",
        "Other (Open)",
        "License not specified",
        "http://dcat-ap.de/def/licenses/other-open",
        "Andere offene Lizenz",
        "http://standaarden.overheid.nl/owms/terms/licentieonbekend",
    ],
)
def test_strings_that_name_no_licence_are_not_guessed(text: str | None) -> None:
    ref = normalise(text)
    assert ref.uri is None
    assert ref.family is None
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
    assert normalise(" CC BY 4.0").raw == " CC BY 4.0"


def test_the_convention_keyword_is_optional_and_keyword_only() -> None:
    assert normalise("CC BY 4.0").uri == BY_4
    assert normalise("CC BY 4.0", convention=None).uri == BY_4
    with pytest.raises(TypeError):
        normalise("4", "flickr")  # type: ignore[misc]


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
        (["CC BY", "CC BY 4.0"], BY_4, "CC BY 4.0"),  # a tie: the licence over the family
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


def test_normalise_many_passes_the_convention_on() -> None:
    assert normalise_many(["x", "4"], convention="flickr").uri == f"{CC_LICENCES}by/2.0/"


def test_the_normaliser_is_fast() -> None:
    """Repeated statements come from the cache; distinct ones still take well under 200 µs."""
    names = [licence.label for licence in all_licences()][:300]
    repeated = [*names, "© 2019 X", "Open Access", "cc-by", BY_4] * 20
    for text in repeated:
        normalise(text)
    start = time.perf_counter()
    for text in repeated:
        normalise(text)
    per_second = len(repeated) / (time.perf_counter() - start)
    assert per_second >= 50_000, f"{per_second:,.0f} repeated normalisations/s"

    generator = random.Random(7)
    distinct = [
        f"{generator.choice(names)} {''.join(generator.choices(string.ascii_lowercase, k=8))}"
        for _ in range(2_000)
    ]
    _match.cache_clear()
    _resolve.cache_clear()
    start = time.perf_counter()
    for text in distinct:
        normalise(text)
    per_second = len(distinct) / (time.perf_counter() - start)
    assert per_second >= 5_000, f"{per_second:,.0f} distinct normalisations/s"


# --- the vocabulary ------------------------------------------------------------------------

CC_CODES = ("by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nc-nd")

REQUIRED = [
    *(
        f"https://creativecommons.org/licenses/{code}/{version}/"
        for code in CC_CODES
        for version in ("4.0", "3.0", "3.0/nl", "2.5", "2.5/nl", "2.0", "2.0/nl", "1.0/nl")
        if not (code == "by-nc-nd" and version == "1.0/nl")
    ),
    CC0,
    PDM,
    PDDC,
    *(
        f"http://rightsstatements.org/vocab/{code}/1.0/"
        for code in ("InC", "InC-EDU", "InC-NC", "CNE", "UND", "NoC-NC", "NoC-OKLR", "NKC")
    ),
    ODBL,
    ODC_BY,
    PDDL,
    OGL_1,
    OGL_2,
    OGL_3,
    ETALAB_1,
    ETALAB_2,
    DL_BY_1,
    DL_BY_2,
    DL_ZERO_2,
    NLOD_1,
    NLOD_2,
    MIT,
    APACHE,
    "http://spdx.org/licenses/BSD-3-Clause",
    "http://spdx.org/licenses/GPL-3.0-only",
    "http://spdx.org/licenses/EUPL-1.2",
]


def test_the_vocabulary_covers_the_required_licences() -> None:
    known = {licence.uri for licence in all_licences()}
    assert [uri for uri in REQUIRED if uri not in known] == []


def test_every_licence_is_complete() -> None:
    problems = []
    for licence in all_licences():
        if not (licence.labels["en"].strip() and licence.labels["nl"].strip()):
            problems.append(f"{licence.uri}: a label is empty")
        if licence_by_uri(licence.uri) is not licence:
            problems.append(f"{licence.uri}: not found by its URI")
        # a resolved reference carries the English label
        if normalise(licence.uri) != licence.ref(confidence=1.0, raw=licence.uri):
            problems.append(f"{licence.uri}: its URI does not resolve to it")
        # the rule for the derived flags
        if licence.commercial != (
            "CommercialUse" not in licence.prohibits and licence.reuse_class != "permission"
        ):
            problems.append(f"{licence.uri}: commercial")
        if licence.derivatives != ("DerivativeWorks" in licence.permits):
            problems.append(f"{licence.uri}: derivatives")
        # the canonical form: https for Creative Commons
        if "creativecommons.org" in licence.uri and not (
            licence.uri.startswith("https://creativecommons.org/") and licence.uri.endswith("/")
        ):
            problems.append(f"{licence.uri}: not the canonical Creative Commons form")
        # every label, alias and identifier leads back to the licence
        for name in (*licence.labels.values(), *licence.alt_labels, *licence.aliases):
            if normalise(name).uri != licence.uri:
                problems.append(f"{licence.uri}: {name!r} leads to {normalise(name).uri}")
        for spdx in filter(None, (licence.spdx, *licence.spdx_deprecated)):
            if normalise(spdx.lower()).uri != licence.uri:
                problems.append(f"{licence.uri}: SPDX id {spdx} leads elsewhere")
        for alias in licence.exact_aliases:
            if normalise(alias).uri != licence.uri:
                problems.append(f"{licence.uri}: exact alias {alias!r} leads elsewhere")
        for uri in licence.alt_uris:
            if licence_by_uri(uri) is not licence:
                problems.append(f"{licence.uri}: address {uri} leads elsewhere")
    assert problems == []


def test_every_family_is_complete() -> None:
    tables = vocabulary()
    members = {licence.family for licence in all_licences()}
    for family in tables.families.values():
        assert family.labels["en"].strip() and family.labels["nl"].strip(), family.name
        for name in (*family.labels.values(), *family.alt_labels, *family.aliases):
            ref = normalise(name)
            assert (ref.uri, ref.family) == (None, family.name), name
        assert family.name in members or family.reuse_class != "permission", family.name
    for code in ("CC BY", "CC BY-SA", "CC BY-NC", "CC BY-ND", "CC BY-NC-SA", "CC BY-NC-ND"):
        assert code in tables.families


@pytest.mark.parametrize(
    ("uri", "reuse_class"),
    [
        (BY_4, "open"),
        (BY_SA_4, "open"),
        (BY_3_NL, "open"),
        (f"{CC_LICENCES}by-sa/2.5/nl/", "open"),
        (f"{CC_LICENCES}sa/1.0/", "open"),
        (CC0, "open"),
        (PDM, "open"),
        (PDDC, "open"),
        (ODBL, "open"),
        (ODC_BY, "open"),
        (PDDL, "open"),
        (OGL_1, "open"),
        (OGL_3, "open"),
        (ETALAB_1, "open"),
        (ETALAB_2, "open"),
        (DL_BY_1, "open"),
        (DL_BY_2, "open"),
        (DL_ZERO_2, "open"),
        (NLOD_1, "open"),
        (NLOD_2, "open"),
        (MIT, "open"),
        (APACHE, "open"),
        (f"{SPDX}GPL-2.0-only", "open"),
        (f"{SPDX}Unlicense", "open"),
        (BY_NC_ND_4, "restricted"),
        (BY_NC_SA_3_NL, "restricted"),
        (f"{CC_LICENCES}by-nd/3.0/", "restricted"),
        (f"{CC_LICENCES}nc/1.0/", "restricted"),
        (f"{CC_LICENCES}sampling/1.0/", "restricted"),
        (f"{CC_LICENCES}sampling+/1.0/de/", "restricted"),
        (f"{CC_LICENCES}nc-sampling+/1.0/", "restricted"),
        ("https://www.govdata.de/dl-de/by-nc-1-0", "restricted"),
        (INC_EDU, "restricted"),
        ("http://rightsstatements.org/vocab/InC-NC/1.0/", "restricted"),
        (NOC_NC, "restricted"),
        ("http://rightsstatements.org/vocab/NoC-OKLR/1.0/", "restricted"),
        (INC, "permission"),
        (CNE, "permission"),
        (UND, "permission"),
        (NKC, "permission"),
        (f"{SPDX}CDLA-Permissive-2.0", "permission"),  # neither OSI- nor FSF-approved
    ],
)
def test_reuse_classes(uri: str, reuse_class: str) -> None:
    licence = licence_by_uri(uri)
    assert licence is not None, uri
    assert licence.reuse_class == reuse_class


def _cc(code: str, version: str, jurisdiction: str | None = None) -> Licence:
    uri = f"{CC_LICENCES}{code}/{version}/" + (f"{jurisdiction}/" if jurisdiction else "")
    licence = licence_by_uri(uri)
    assert licence is not None, uri
    return licence


def _ports(version: str) -> dict[str, set[str]]:
    """The ported licences of a version: jurisdiction -> codes."""
    ports: dict[str, set[str]] = {}
    for licence in all_licences():
        parts = licence.uri.removeprefix(CC_LICENCES).strip("/").split("/")
        sampling = "sampling" in parts[0]
        if len(parts) == 3 and parts[1] == version and licence.jurisdiction and not sampling:
            ports.setdefault(parts[2], set()).add(parts[0])
    return ports


def test_the_sampling_licences_and_their_ports() -> None:
    for uri in ("sampling/1.0/", "sampling/1.0/br/", "sampling+/1.0/de/", "nc-sampling+/1.0/tw/"):
        licence = licence_by_uri(CC_LICENCES + uri)
        assert licence is not None, uri
        assert licence.reuse_class == "restricted"
        assert "Attribution" in licence.requires


def test_every_creative_commons_licence_exists_in_every_version() -> None:
    for version in ("1.0", "2.0", "2.5", "3.0", "4.0"):
        for code in CC_CODES:
            if (code, version) != ("by-nc-nd", "1.0"):
                assert _cc(code, version).version == version
    for code in ("by-nd-nc", "nd", "nc", "sa", "nd-nc", "nc-sa"):
        assert _cc(code, "1.0").family.startswith("CC ")
    assert _cc("by-nd-nc", "1.0").family == "CC BY-NC-ND"
    assert _ports("4.0") == {}
    assert set(_ports("2.1")) == {"au", "ca", "es", "jp"}


def test_the_ports_of_each_version() -> None:
    ports_3 = _ports("3.0")
    assert len(ports_3) >= 40
    assert sum(len(codes) for codes in ports_3.values()) >= 250
    assert {"nl", "de", "fr", "at", "ch", "es", "it", "pl", "us", "au", "igo"} <= set(ports_3)
    assert all(codes == set(CC_CODES) for codes in ports_3.values())
    assert {"nl", "de", "fr", "be", "at", "jp", "uk"} <= set(_ports("2.0"))
    assert {"nl", "ch", "it", "scotland", "pl"} <= set(_ports("2.5"))
    assert set(_ports("1.0")) == {"fi", "il", "nl"}
    assert {"by-nd-nc", "nd", "nc", "sa", "nd-nc", "nc-sa"} <= _ports("2.0")["jp"]


def test_the_dutch_ports_are_complete() -> None:
    assert _ports("1.0")["nl"] == {
        "by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nd-nc", "nd", "nc", "sa", "nd-nc", "nc-sa"
    }  # fmt: skip
    for version in ("2.0", "2.5", "3.0"):
        assert _ports(version)["nl"] == set(CC_CODES), version
    licence = _cc("by-sa", "2.5", "nl")
    assert licence.labels == {
        "en": "CC BY-SA 2.5 NL",
        "nl": "Naamsvermelding-GelijkDelen 2.5 Nederland (CC BY-SA 2.5 NL)",
    }
    assert "Naamsvermelding-GelijkDelen 2.5 Nederland" in licence.alt_labels
    assert "Creative Commons Attribution-ShareAlike 2.5 Netherlands" in licence.alt_labels
    assert licence.jurisdiction == "http://creativecommons.org/international/nl/"


def test_long_titles_in_four_languages() -> None:
    licence = _cc("by-nc-nd", "4.0")
    assert {
        "Attribution-NonCommercial-NoDerivatives 4.0 International",
        "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International",
        "Naamsvermelding-NietCommercieel-GeenAfgeleideWerken 4.0 Internationaal",
        "Namensnennung - Nicht kommerziell - Keine Bearbeitungen 4.0 International",
        "Attribution - Pas d'Utilisation Commerciale - Pas de Modification 4.0 International",
    } <= set(licence.alt_labels)
    assert "Attribution-NoDerivs 3.0 Unported" in _cc("by-nd", "3.0").alt_labels


def test_creative_commons_terms_follow_from_the_code() -> None:
    for licence in all_licences():
        if not licence.uri.startswith(CC_LICENCES) or "sampling" in licence.uri:
            continue
        code = licence.uri.removeprefix(CC_LICENCES).split("/")[0]
        if code in ("publicdomain", "devnations"):
            continue
        elements = code.split("-")
        assert ("Attribution" in licence.requires) == ("by" in elements), licence.uri
        assert ("ShareAlike" in licence.requires) == ("sa" in elements), licence.uri
        assert ("CommercialUse" in licence.prohibits) == ("nc" in elements), licence.uri
        assert ("DerivativeWorks" in licence.permits) == ("nd" not in elements), licence.uri
        assert "Notice" in licence.requires


def test_every_spdx_licence_resolves() -> None:
    """Each id of the SPDX list names a licence; a current id is that licence's reg:spdx."""
    problems = []
    for entry in spdx_list():
        ref = normalise(entry["licenseId"])
        licence = licence_by_uri(ref.uri)
        if licence is None:
            problems.append(f"{entry['licenseId']}: no licence")
        elif not entry["isDeprecatedLicenseId"] and licence.spdx != entry["licenseId"]:
            problems.append(f"{entry['licenseId']}: resolves to {licence.uri} ({licence.spdx})")
    assert problems == []


def test_creative_commons_spdx_ids_are_the_creative_commons_licences() -> None:
    """No duplicates: CC-BY-SA-3.0-AT is the licence at creativecommons.org."""
    for entry in spdx_list():
        spdx_id = entry["licenseId"]
        if spdx_id.upper().startswith("CC") and not entry["isDeprecatedLicenseId"]:
            licence = licence_by_uri(normalise(spdx_id).uri)
            assert licence is not None, spdx_id
            assert licence.uri.startswith("https://creativecommons.org/"), spdx_id
            assert licence_by_uri(f"{SPDX}{spdx_id}") is licence, spdx_id
    assert not any(licence.uri.startswith(SPDX + "CC") for licence in all_licences()), (
        "a Creative Commons licence at an SPDX URI"
    )


def test_spdx_reuse_classes_follow_osi_and_fsf() -> None:
    for entry in spdx_list():
        licence = licence_by_uri(f"{SPDX}{entry['licenseId']}")
        if licence is None or not licence.uri.startswith(SPDX) or entry["isDeprecatedLicenseId"]:
            continue
        if entry.get("isOsiApproved") or entry.get("isFsfLibre"):
            assert licence.reuse_class == "open", licence.uri


def test_ported_licences_have_their_jurisdiction() -> None:
    licence = licence_by_uri(BY_3_NL)
    assert licence is not None
    assert licence.jurisdiction == "http://creativecommons.org/international/nl/"
    assert (licence.family, licence.version, licence.spdx) == ("CC BY", "3.0", "CC-BY-3.0-NL")
    unported = licence_by_uri(BY_3)
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
    assert licence_by_uri("https://creativecommons.org/licenses/by/4.0/nl/") is None


def test_the_vocabulary_loads_fast() -> None:
    start = time.perf_counter()
    tables = load_vocabulary()
    assert time.perf_counter() - start < 1.0
    assert len(tables.licences) == len(all_licences()) >= 1_200
    assert tables.conventions >= {"flickr", "ckan"}


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
A_LICENCE = """<https://example.org/a> a cc:License ; skos:prefLabel "A"@en, "A"@nl ;
                   reg:family "A" ; reg:reuseClass "open" """


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
        (A_LICENCE + """; reg:code "no-convention" .""", "convention:code"),
        (
            A_LICENCE
            + """; reg:code "flickr:1" .
               <https://example.org/b> a cc:License ; skos:prefLabel "B"@en, "B"@nl ;
                   reg:family "B" ; reg:reuseClass "open" ; reg:code "Flickr: 1" .""",
            "ambiguous",
        ),
        (
            A_LICENCE
            + """.
               <https://example.org/f> a reg:LicenceFamily ; skos:prefLabel "A"@en, "A"@nl ;
                   reg:family "A" .""",
            "ambiguous",
        ),
        (
            A_LICENCE
            + """; reg:alias "other" .
               <https://example.org/n> a reg:NoLicenceStatement ; reg:alias "Other!" .""",
            "names no licence",
        ),
        (A_LICENCE + "; reg:alias", "not valid Turtle"),
    ],
)
def test_a_malformed_vocabulary_is_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "licences.ttl"
    path.write_text(VOCAB_HEAD + body, encoding="utf-8")
    with pytest.raises(VocabularyError, match=message):
        load_vocabulary(path)


def test_a_family_takes_the_reuse_class_its_licences_share(tmp_path: Path) -> None:
    path = tmp_path / "licences.ttl"
    path.write_text(
        VOCAB_HEAD
        + """
        <https://example.org/x/1> a cc:License ; skos:prefLabel "X 1"@en, "X 1"@nl ;
            reg:family "X" ; reg:version "1" ; reg:reuseClass "open" ;
            cc:permits cc:Reproduction, cc:Distribution, cc:DerivativeWorks .
        <https://example.org/x/2> a cc:License ; skos:prefLabel "X 2"@en, "X 2"@nl ;
            reg:family "X" ; reg:version "2" ; reg:reuseClass "open" ;
            cc:permits cc:Reproduction, cc:Distribution .
        <https://example.org/y/1> a cc:License ; skos:prefLabel "Y 1"@en, "Y 1"@nl ;
            reg:family "Y" ; reg:reuseClass "open" .
        <https://example.org/y/2> a cc:License ; skos:prefLabel "Y 2"@en, "Y 2"@nl ;
            reg:family "Y" ; reg:reuseClass "permission" .
        <https://example.org/f/x> a reg:LicenceFamily ; skos:prefLabel "X"@en, "X"@nl ;
            reg:family "X" .
        <https://example.org/f/y> a reg:LicenceFamily ; skos:prefLabel "Y"@en, "Y"@nl ;
            reg:family "Y" .
        <https://example.org/f/z> a reg:LicenceFamily ; skos:prefLabel "Z"@en, "Z"@nl ;
            reg:family "Z" ; reg:reuseClass "open" .
        """,
        encoding="utf-8",
    )
    families = load_vocabulary(path).families
    assert (families["X"].reuse_class, families["X"].derivatives) == ("open", False)
    assert families["X"].members == ("https://example.org/x/1", "https://example.org/x/2")
    assert families["Y"].reuse_class == "permission"
    assert (families["Z"].reuse_class, families["Z"].commercial) == ("open", True)


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
        if licence.spdx is not None:
            assert licence.spdx in listed, licence.spdx
            assert not listed[licence.spdx]["isDeprecatedLicenseId"], licence.spdx
        for spdx in licence.spdx_deprecated:
            assert listed[spdx]["isDeprecatedLicenseId"], spdx


def test_every_dcat_ap_de_licence_resolves() -> None:
    """GovData's licence list: every licence it names is in the vocabulary (or a family)."""
    path = fixture_dir("dcat-ap-de") / "dcat_license_mapping.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    skipped = ("other-", "geonutz/", "geoNutz/")
    for entry in json.loads(path.read_text("utf-8"))["list"]:
        if any(part in entry["URI"] for part in skipped):
            assert normalise(entry["URI"]).family is None, entry["URI"]
            continue
        ref = normalise(entry["URI"])
        assert ref.uri is not None or ref.family is not None, entry["URI"]
        assert ref.open == (entry["Lizenztyp"] == "offen"), entry["URI"]


def test_a_match_carries_jurisdiction_and_spdx() -> None:
    port = normalise("http://creativecommons.org/licenses/by-sa/2.5/nl/deed.nl")
    assert port.uri == "https://creativecommons.org/licenses/by-sa/2.5/nl/"
    assert port.jurisdiction is not None and port.jurisdiction.rstrip("/").endswith("/nl")
    assert port.spdx is None
    gpl = normalise("GPL-2.0+")
    assert (gpl.uri, gpl.spdx) == ("http://spdx.org/licenses/GPL-2.0-or-later", "GPL-2.0-or-later")
