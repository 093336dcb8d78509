"""Licence compatibility: Creative Commons' chart for combining works, and the versions and
declared compatibilities around it."""

from __future__ import annotations

from typing import Any

import pytest

from registry.errors import InvalidRequest
from registry.licences import Compatibility, Licence, all_licences, compatible
from registry.licences._compatibility import FAMILY_ELEMENTS, _allows, _Input, elements

CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
BY_4 = "https://creativecommons.org/licenses/by/4.0/"
BY_SA_4 = "https://creativecommons.org/licenses/by-sa/4.0/"
BY_NC_4 = "https://creativecommons.org/licenses/by-nc/4.0/"
BY_ND_4 = "https://creativecommons.org/licenses/by-nd/4.0/"
BY_NC_SA_4 = "https://creativecommons.org/licenses/by-nc-sa/4.0/"
BY_NC_ND_4 = "https://creativecommons.org/licenses/by-nc-nd/4.0/"
BY_SA_3 = "https://creativecommons.org/licenses/by-sa/3.0/"
BY_SA_3_NL = "https://creativecommons.org/licenses/by-sa/3.0/nl/"
ODBL = "http://opendatacommons.org/licenses/odbl/1.0/"
GPL_3 = "http://spdx.org/licenses/GPL-3.0-only"
MIT = "http://spdx.org/licenses/MIT"
APACHE = "http://spdx.org/licenses/Apache-2.0"
EUPL = "http://spdx.org/licenses/EUPL-1.2"


def check(*licences: str) -> Compatibility:
    return compatible(list(licences))


# --- public-domain tools: combine with anything, impose nothing -------------------------------


@pytest.mark.parametrize(
    ("tool", "other", "first"),
    [
        ("CC0", "CC BY 4.0", BY_4),
        ("Public Domain Mark 1.0", "CC BY-SA 4.0", BY_SA_4),
        ("PDDL", "ODbL", ODBL),
        ("public domain dedication and certification", "CC BY-NC 4.0", BY_NC_4),
    ],
)
def test_public_domain_tools_impose_nothing(tool: str, other: str, first: str) -> None:
    answer = check(tool, other)
    assert answer.combinable is True
    assert answer.result_licences[0] == first
    assert "impose" in answer.reason and "no conditions" in answer.reason


def test_public_domain_works_combine_freely() -> None:
    answer = check("CC0", "Public Domain Mark")
    assert answer.combinable is True
    assert answer.result_licences[0] == CC0
    assert BY_4 in answer.result_licences
    assert "public-domain tools" in answer.reason


# --- BY combines with everything that allows adaptations ---------------------------------------


def test_by_with_by_may_go_out_under_any_cc_licence_most_permissive_first() -> None:
    answer = check("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/deed.nl")
    assert answer.combinable is True
    assert answer.result_licences == [BY_4, BY_SA_4, BY_NC_4, BY_NC_SA_4, BY_ND_4, BY_NC_ND_4]


def test_by_with_by_sa_is_by_sa_and_mentions_gplv3() -> None:
    answer = check("CC BY 4.0", "CC BY-SA 4.0")
    assert answer.combinable is True
    assert answer.result_licences[0] == BY_SA_4
    assert GPL_3 in answer.result_licences
    assert "one-way compatible with the GNU GPL version 3" in answer.reason
    assert "share-alike" in answer.reason


def test_by_with_nc_is_nc() -> None:
    answer = check("CC BY 4.0", "CC BY-NC 4.0")
    assert answer.combinable is True
    assert answer.result_licences == [BY_NC_4, BY_NC_SA_4, BY_NC_ND_4]
    assert "non-commercial" in answer.reason


def test_by_with_nc_sa_is_nc_sa() -> None:
    answer = check("CC BY 4.0", "CC BY-NC-SA 4.0")
    assert answer.combinable is True
    assert answer.result_licences == [BY_NC_SA_4]


def test_odc_by_is_like_by() -> None:
    with_cc = check("ODC-By", "CC BY 4.0")
    assert with_cc.combinable is True
    assert BY_4 in with_cc.result_licences
    with_odbl = check("ODC-By", "ODbL")
    assert with_odbl.combinable is True
    assert with_odbl.result_licences == [ODBL]


# --- share-alike and non-commercial --------------------------------------------------------------


def test_by_sa_with_by_nc_is_not_combinable() -> None:
    answer = check("CC BY-SA 4.0", "CC BY-NC 4.0")
    assert answer.combinable is False
    assert answer.result_licences == []
    assert "commercial use" in answer.reason


def test_by_sa_with_by_nc_sa_is_not_combinable() -> None:
    answer = check("CC BY-SA 4.0", "CC BY-NC-SA 4.0")
    assert answer.combinable is False
    assert "both share-alike" in answer.reason


def test_nc_with_nc_sa_is_nc_sa() -> None:
    answer = check("CC BY-NC 4.0", "CC BY-NC-SA 4.0")
    assert answer.combinable is True
    assert answer.result_licences == [BY_NC_SA_4]


def test_nc_with_nc_is_nc_first() -> None:
    answer = check("CC BY-NC 4.0", "CC BY-NC 3.0 NL")
    assert answer.combinable is True
    assert answer.result_licences[0] == BY_NC_4
    assert all("by-nc" in uri for uri in answer.result_licences)


def test_different_share_alike_licences_do_not_combine() -> None:
    answer = check("CC BY-SA 4.0", "ODbL")
    assert answer.combinable is False
    assert "no compatibility between them is declared" in answer.reason
    assert "ODbL is its own share-alike licence" in answer.reason


# --- no derivatives ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "licences",
    [
        ("CC BY-ND 4.0", "CC BY 4.0"),
        ("CC0", "CC BY-NC-ND 4.0"),
        ("CC BY-ND 4.0", "CC BY-ND 4.0"),
        ("CC BY-SA 4.0", "CC BY-NC-ND 3.0 NL"),
    ],
)
def test_no_derivatives_means_no_adaptation_but_maybe_a_collection(
    licences: tuple[str, ...],
) -> None:
    answer = check(*licences)
    assert answer.combinable is False
    assert answer.result_licences == []
    assert "do not allow adaptations" in answer.reason or "does not allow adaptations" in (
        answer.reason
    )
    assert "collection" in answer.reason


# --- rights statements ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("In Copyright", "permission"),
        ("All rights reserved", "permission"),
        ("CNE", "permission"),
        ("InC-EDU", "rights statement"),
        ("NoC-NC", "rights statement"),
    ],
)
def test_rights_statements_need_permission(statement: str, words: str) -> None:
    answer = check(statement, "CC0")
    assert answer.combinable is False
    assert answer.result_licences == []
    assert words in answer.reason


# --- unknown statements -----------------------------------------------------------------------


def test_an_unresolvable_statement_makes_the_answer_unknown() -> None:
    answer = check("Open Access", "CC BY 4.0")
    assert answer.combinable is None
    assert answer.result_licences == []
    assert '"Open Access"' in answer.reason
    assert [ref.uri for ref in answer.licences] == [None, BY_4]
    assert [ref.raw for ref in answer.licences] == ["Open Access", "CC BY 4.0"]


def test_an_empty_statement_is_unknown_too() -> None:
    answer = check("", "CC BY-ND 4.0")
    assert answer.combinable is None


# --- versions and ports -------------------------------------------------------------------------


def test_the_highest_share_alike_version_wins() -> None:
    answer = check("CC BY-SA 3.0", "CC BY-SA 4.0")
    assert answer.combinable is True
    assert answer.result_licences == [BY_SA_4]
    assert "or a later version" in answer.reason


def test_ports_count_as_the_same_licence() -> None:
    answer = check("CC BY-SA 3.0 NL", "CC BY-SA 3.0")
    assert answer.combinable is True
    assert answer.result_licences[:3] == [BY_SA_3, BY_SA_3_NL, BY_SA_4]


def test_a_ported_share_alike_licence_sets_the_version() -> None:
    answer = check("CC BY-SA 3.0 NL", "CC BY 4.0")
    assert answer.combinable is True
    assert answer.result_licences[0] == BY_SA_3
    assert BY_SA_4 in answer.result_licences
    assert BY_SA_3_NL in answer.result_licences


def test_by_sa_4_goes_into_gplv3_one_way() -> None:
    answer = check("CC BY-SA 4.0", "GPL-3.0-only")
    assert answer.combinable is True
    assert answer.result_licences == [GPL_3]
    assert "one-way" in answer.reason


def test_by_sa_3_is_not_compatible_with_gpl() -> None:
    answer = check("CC BY-SA 3.0", "GPL-3.0-only")
    assert answer.combinable is False
    assert "no compatibility between them is declared" in answer.reason


def test_three_works() -> None:
    answer = check("CC0", "CC BY 4.0", "CC BY-SA 4.0")
    assert answer.combinable is True
    assert answer.result_licences[0] == BY_SA_4
    assert [ref.uri for ref in answer.licences] == [CC0, BY_4, BY_SA_4]


def test_software_licences() -> None:
    permissive = check("MIT", "Apache-2.0")
    assert permissive.combinable is True
    assert permissive.result_licences == [MIT, APACHE]
    eupl = check("EUPL-1.2", "GPL-3.0-only")
    assert eupl.combinable is True
    assert eupl.result_licences == [GPL_3]
    assert "EUPL" in eupl.reason


# --- the rules on licences the vocabulary may not (yet) hold ----------------------------------


def licence(
    spdx: str, family: str, version: str | None, *, copyleft: bool = True, uri: str | None = None
) -> Licence:
    return Licence(
        uri=uri or f"http://spdx.org/licenses/{spdx}",
        labels={"en": spdx, "nl": spdx},
        family=family,
        version=version,
        jurisdiction=None,
        spdx=spdx,
        permits=frozenset({"Reproduction", "Distribution", "DerivativeWorks"}),
        requires=frozenset({"Notice", "ShareAlike", "Copyleft"} if copyleft else {"Notice"}),
        prohibits=frozenset(),
        reuse_class="open",
    )


def allows(source: Licence, target: Licence) -> bool:
    return _allows(_Input(source, elements(source)), target, elements(target))


GPL2_ONLY = licence("GPL-2.0-only", "GPL", "2.0")
GPL2_LATER = licence("GPL-2.0-or-later", "GPL", "2.0")
GPL3_ONLY = licence("GPL-3.0-only", "GPL", "3.0")
GPL3_LATER = licence("GPL-3.0-or-later", "GPL", "3.0")
APACHE_2 = licence("Apache-2.0", "Apache", "2.0", copyleft=False)
LAL = licence("LAL-1.3", "LAL", "1.3")


def cc(code: str, version: str, family: str) -> Licence:
    return Licence(
        uri=f"https://creativecommons.org/licenses/{code}/{version}/",
        labels={"en": f"{family} {version}", "nl": f"{family} {version}"},
        family=family,
        version=version,
        jurisdiction=None,
        spdx=f"CC-{code.upper()}-{version}",
        permits=frozenset({"Reproduction", "Distribution", "DerivativeWorks"}),
        requires=frozenset({"Notice", "Attribution", "ShareAlike"}),
        prohibits=frozenset(),
        reuse_class="open",
    )


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        (GPL2_ONLY, GPL3_ONLY, False),
        (GPL2_LATER, GPL3_ONLY, True),
        (GPL3_ONLY, GPL3_LATER, False),
        (GPL3_LATER, GPL3_ONLY, True),
        (GPL3_ONLY, GPL2_ONLY, False),
        (APACHE_2, GPL2_LATER, False),
        (APACHE_2, GPL3_ONLY, True),
        (cc("by-sa", "1.0", "CC BY-SA"), cc("by-sa", "2.0", "CC BY-SA"), False),
        (cc("by-sa", "2.0", "CC BY-SA"), cc("by-sa", "4.0", "CC BY-SA"), True),
        (cc("by-sa", "4.0", "CC BY-SA"), cc("by-sa", "3.0", "CC BY-SA"), False),
        (cc("by-sa", "4.0", "CC BY-SA"), LAL, True),
        (LAL, cc("by-sa", "4.0", "CC BY-SA"), True),
        (GPL3_ONLY, cc("by-sa", "4.0", "CC BY-SA"), False),
    ],
    ids=lambda value: value.spdx if isinstance(value, Licence) else str(value),
)
def test_versions_and_declared_compatibilities(
    source: Licence, target: Licence, expected: bool
) -> None:
    assert allows(source, target) is expected


def test_some_compatibilities_hold_only_in_combination() -> None:
    mpl = Licence(
        uri="http://spdx.org/licenses/MPL-2.0",
        labels={"en": "MPL 2.0", "nl": "MPL 2.0"},
        family="MPL",
        version="2.0",
        jurisdiction=None,
        spdx="MPL-2.0",
        permits=frozenset({"Reproduction", "Distribution", "DerivativeWorks"}),
        requires=frozenset({"Notice", "SourceCode", "LesserCopyleft"}),
        prohibits=frozenset(),
        reuse_class="open",
    )
    assert "SA" in elements(mpl)  # weak copyleft is read as share-alike
    source = _Input(mpl, elements(mpl))
    assert not _allows(source, GPL3_ONLY, elements(GPL3_ONLY))
    with_gpl = frozenset({"mpl-2.0", "gpl-3.0-only"})
    assert _allows(source, GPL3_ONLY, elements(GPL3_ONLY), with_gpl)


def test_the_element_table_agrees_with_the_vocabulary_terms() -> None:
    for entry in all_licences():
        table = FAMILY_ELEMENTS.get(entry.family)
        if table is None or "PD" in table:
            continue
        derived = {"BY"} if entry.requires_attribution else set()
        derived |= {"NC"} if not entry.commercial else set()
        derived |= {"ND"} if not entry.derivatives else set()
        derived |= {"SA"} if entry.share_alike else set()
        assert table == derived, entry.uri


# --- the shape of the answer --------------------------------------------------------------------


def test_the_answer_as_json() -> None:
    data: dict[str, Any] = check("CC BY 4.0", "CC BY-NC-SA 4.0").as_dict()
    assert set(data) == {"combinable", "reason", "result_licences", "results", "licences"}
    assert data["results"] == [{"uri": BY_NC_SA_4, "label": "CC BY-NC-SA 4.0"}]
    first = data["licences"][0]
    assert first["input"] == "CC BY 4.0"
    assert first["uri"] == BY_4
    assert first["elements"] == ["BY"]
    assert data["licences"][1]["elements"] == ["BY", "NC", "SA"]


def test_two_licences_at_least() -> None:
    with pytest.raises(InvalidRequest):
        compatible(["CC BY 4.0"])
    with pytest.raises(TypeError):
        compatible("CC BY 4.0")
