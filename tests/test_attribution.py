"""Attribution: Title, Author, Source, Licence, as text and HTML."""

from __future__ import annotations

from typing import Any

import pytest

from registry.licences import attribution, normalise
from registry.models import Asset, Contact, IPOffer, LicenceRef, Offeror, Terms, Work, record_id

BASE = "http://registry.test"
LANDING = "https://repository.example.org/item/42"


def work(identifier: str = "42", **fields: Any) -> Work:
    data: dict[str, Any] = {
        "id": record_id("repo", identifier),
        "source": "repo",
        "source_identifier": identifier,
        "title": "Kaart van Utrecht",
        "creators": ["Jansen, Jan"],
        "publisher": "Het Utrechts Archief",
        "landing_page": LANDING,
        "licence": normalise("https://creativecommons.org/licenses/by/4.0/"),
    }
    data.update(fields)
    return Work(**data)


def test_cc_by_follows_tasl() -> None:
    result = attribution(work(), base_uri=BASE)
    assert result.text == (
        '"Kaart van Utrecht" by Jansen, Jan, Het Utrechts Archief is licensed under CC BY 4.0.'
        f" Source: {LANDING}"
    )
    assert result.html == (
        f'"<a href="{LANDING}">Kaart van Utrecht</a>" by Jansen, Jan, Het Utrechts Archief'
        ' is licensed under <a rel="license" href="https://creativecommons.org/licenses/by/4.0/">'
        "CC BY 4.0</a>."
    )


def test_the_licence_is_named_by_its_short_label_and_linked() -> None:
    result = attribution(work(licence=normalise("Naamsvermelding-GelijkDelen 4.0")), base_uri=BASE)
    assert result.text.startswith('"Kaart van Utrecht" by')
    assert "is licensed under CC BY-SA 4.0." in result.text
    assert 'rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/"' in result.html


@pytest.mark.parametrize(
    ("fields", "source"),
    [
        ({}, LANDING),
        (
            {"landing_page": None, "identifiers": ["10.1234/x", "https://hdl.handle.net/1/2"]},
            "https://hdl.handle.net/1/2",
        ),
        ({"landing_page": None, "identifiers": ["urn:nbn:nl:1"]}, None),
        ({"landing_page": "javascript:alert(1)"}, None),
    ],
)
def test_the_source_link(fields: dict[str, Any], source: str | None) -> None:
    record = work(**fields)
    expected = source or f"{BASE}/records/{record.id}"
    result = attribution(record, base_uri=BASE + "/")
    assert result.text.endswith(f"Source: {expected}")
    assert f'href="{expected}"' in result.html
    assert "javascript:" not in result.html


@pytest.mark.parametrize(
    ("licence", "phrase"),
    [
        ("https://creativecommons.org/publicdomain/zero/1.0/", "is marked with CC0 1.0."),
        ("Publiek domein", "is marked with Public Domain Mark 1.0."),
    ],
)
def test_public_domain_tools_mark_rather_than_license(licence: str, phrase: str) -> None:
    result = attribution(work(licence=normalise(licence)), base_uri=BASE)
    assert phrase in result.text
    assert "licensed" not in result.text
    assert 'rel="license"' in result.html
    assert phrase.removesuffix(".").split(" with ")[0] in result.html


@pytest.mark.parametrize(
    ("statement", "rights"),
    [
        ("© 2021 Gemeente Utrecht", "Rights: © 2021 Gemeente Utrecht."),
        ("Alle rechten voorbehouden", "Rights: Alle rechten voorbehouden."),
        ("http://rightsstatements.org/vocab/InC/1.0/", "Rights: In Copyright."),
        ("Open Access", "Rights: Open Access."),
        (None, "Rights: unknown."),
    ],
)
def test_works_without_a_licence_state_their_rights(statement: str | None, rights: str) -> None:
    result = attribution(work(licence=normalise(statement)), base_uri=BASE)
    assert result.text == (
        f'"Kaart van Utrecht" by Jansen, Jan, Het Utrechts Archief. {rights} Source: {LANDING}'
    )
    assert "licensed" not in result.text
    assert 'rel="license"' not in result.html


def test_a_restricted_rights_statement_is_linked_but_not_as_a_licence() -> None:
    statement = "http://rightsstatements.org/vocab/InC-EDU/1.0/"
    result = attribution(work(licence=normalise(statement)), base_uri=BASE)
    assert "Rights: In Copyright - Educational Use Permitted." in result.text
    assert f'<a href="{statement}">In Copyright - Educational Use Permitted</a>' in result.html
    assert 'rel="license"' not in result.html


def test_the_publishers_instruction_is_the_credit() -> None:
    record = work(attribution_instruction="Erfgoedcentrum Zuiderzee, foto: Piet de Vries")
    result = attribution(record, base_uri=BASE)
    assert result.text == (
        "Erfgoedcentrum Zuiderzee, foto: Piet de Vries. Licensed under CC BY 4.0."
        f" Source: {LANDING}"
    )
    assert result.html.startswith("Erfgoedcentrum Zuiderzee, foto: Piet de Vries. Licensed under")
    assert f'Source: <a href="{LANDING}">{LANDING}</a>' in result.html
    assert "Jansen" not in result.text


def test_an_instruction_is_escaped_too() -> None:
    record = work(attribution_instruction="<b>Museum</b> & Co")
    result = attribution(record, base_uri=BASE)
    assert "&lt;b&gt;Museum&lt;/b&gt; &amp; Co." in result.html
    assert "<b>" not in result.html


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        (
            {"creators": []},
            '"Kaart van Utrecht" by Het Utrechts Archief is licensed under CC BY 4.0.',
        ),
        (
            {"creators": [], "publisher": None},
            '"Kaart van Utrecht" is licensed under CC BY 4.0.',
        ),
        (
            {"creators": [" ", ""], "publisher": "  "},
            '"Kaart van Utrecht" is licensed under CC BY 4.0.',
        ),
        (
            {"title": "", "creators": [], "publisher": None},
            "This work is licensed under CC BY 4.0.",
        ),
        (
            {"title": "  ", "publisher": None},
            "This work by Jansen, Jan is licensed under CC BY 4.0.",
        ),
        (
            {"creators": ["Jansen, Jan", "Pietersen, Piet"], "publisher": None},
            '"Kaart van Utrecht" by Jansen, Jan; Pietersen, Piet is licensed under CC BY 4.0.',
        ),
        (
            {"creators": ["A", "B", "C", "D"], "publisher": None},
            '"Kaart van Utrecht" by A; B; C et al. is licensed under CC BY 4.0.',
        ),
        (
            {"creators": ["Het Utrechts Archief"]},
            '"Kaart van Utrecht" by Het Utrechts Archief is licensed under CC BY 4.0.',
        ),
    ],
)
def test_missing_titles_and_creators_still_read_well(fields: dict[str, Any], text: str) -> None:
    result = attribution(work(**fields), base_uri=BASE)
    assert result.text == f"{text} Source: {LANDING}"
    assert "  " not in result.text
    assert " by <" not in result.html


def test_an_untitled_work_links_this_work_to_its_source() -> None:
    result = attribution(work(title="", creators=[], publisher=None), base_uri=BASE)
    assert result.html.startswith(f'<a href="{LANDING}">This work</a> is licensed under')


def test_html_is_escaped() -> None:
    record = work(
        title='<script>alert("x")</script>',
        creators=["O'Brien & <Sons>"],
        publisher=None,
        landing_page='https://example.org/?a=1&b="2"',
    )
    result = attribution(record, base_uri=BASE)
    assert "<script>" not in result.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in result.html
    assert "O&#x27;Brien &amp; &lt;Sons&gt;" in result.html
    assert 'href="https://example.org/?a=1&amp;b=&quot;2&quot;"' in result.html
    # the plain text is not escaped
    assert result.text.startswith('"<script>alert("x")</script>" by O\'Brien & <Sons>')


def test_changes_are_noted_for_adaptations() -> None:
    result = attribution(work(), base_uri=BASE, changes="cropped <and> recoloured")
    assert result.text == (
        '"Kaart van Utrecht" by Jansen, Jan, Het Utrechts Archief is licensed under CC BY 4.0.'
        " This is a modified version (changes: cropped <and> recoloured)."
        f" Source: {LANDING}"
    )
    assert result.html.endswith(
        "This is a modified version (changes: cropped &lt;and&gt; recoloured)."
    )
    assert "modified" not in attribution(work(), base_uri=BASE, changes="  ").text


def test_a_licence_outside_the_vocabulary_is_still_cited() -> None:
    ref = LicenceRef(
        uri="https://example.org/licence/1.0", label="Example Licence 1.0", reuse_class="open"
    )
    result = attribution(work(licence=ref), base_uri=BASE)
    assert "is licensed under Example Licence 1.0." in result.text
    assert '<a rel="license" href="https://example.org/licence/1.0">' in result.html


def test_ip_offers_credit_the_offeror_once() -> None:
    offer = IPOffer(
        id=record_id("offers", "o1"),
        source="offers",
        source_identifier="o1",
        title="Open patent pledge",
        creators=["TU Example"],
        publisher="TU Example",
        licence=normalise("Apache-2.0"),
        offeror=Offeror(name="TU Example"),
        contact=Contact(email="tto@example.org"),
        challenges=["climate-change"],
        assets=[Asset(type="software", licence="Apache-2.0")],
        terms=Terms(licensing_mode="public-licence", summary="Apache 2.0 for anyone."),
    )
    result = attribution(offer, base_uri=BASE)
    assert result.text == (
        '"Open patent pledge" by TU Example is licensed under Apache License 2.0.'
        f" Source: {BASE}/records/{offer.id}"
    )
