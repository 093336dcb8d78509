"""Patent numbers in any common notation, normalised to WIPO ST.3 + number + ST.16."""

from __future__ import annotations

import pytest

from registry.patents import PatentNumberError, parse_patent_number


@pytest.mark.parametrize(
    ("written", "kind_of_number", "docdb", "display"),
    [
        ("EP 1 000 000 A1", "publication", "EP.1000000.A1", "EP 1 000 000 A1"),
        ("EP1000000A1", "publication", "EP.1000000.A1", "EP 1 000 000 A1"),
        ("ep-1000000-a1", "publication", "EP.1000000.A1", "EP 1 000 000 A1"),
        ("EP1000000", "publication", "EP.1000000", "EP 1 000 000"),
        ("EP.1000000.A1", "publication", "EP.1000000.A1", "EP 1 000 000 A1"),
        ("Patent EP1000000 B1", "publication", "EP.1000000.B1", "EP 1 000 000 B1"),
        ("WO 2012/088469", "publication", "WO.2012088469", "WO 2012/088469"),
        ("WO2012088469A1", "publication", "WO.2012088469.A1", "WO 2012/088469 A1"),
        ("WO 99/12345", "publication", "WO.1999012345", "WO 1999/012345"),
        ("US 7,654,321 B2", "publication", "US.7654321.B2", "US 7,654,321 B2"),
        ("US 2019/0123456 A1", "publication", "US.20190123456.A1", "US 2019/0123456 A1"),
        ("NL2023456", "publication", "NL.2023456", "NL 2023456"),
        ("octrooi NL 1012345", "publication", "NL.1012345", "NL 1012345"),
        ("EP 19 123 456.7", "application", "EP.19123456", "EP 19 123 456.7"),
        ("PCT/EP2019/012345", "application", "WO.2019EP012345", "PCT/EP2019/012345"),
        ("WO.2019EP012345", "application", "WO.2019EP012345", "PCT/EP2019/012345"),
        ("US 16/123,456", "application", "US.16123456", "US 16/123,456"),
    ],
)
def test_notations(written: str, kind_of_number: str, docdb: str, display: str) -> None:
    number = parse_patent_number(written)
    assert (number.type, number.docdb, number.display) == (kind_of_number, docdb, display)
    # The DOCDB form reads back as itself.
    assert parse_patent_number(number.docdb).docdb == docdb


@pytest.mark.parametrize(
    ("written", "docdb", "display"),
    [
        ("000123456-0001", "EM.000123456-0001", "EM 000123456-0001"),
        ("EM 000123456-0001", "EM.000123456-0001", "EM 000123456-0001"),
        ("RCD 000123456 - 0001", "EM.000123456-0001", "EM 000123456-0001"),
        ("DM/123456", "WO.DM123456", "DM/123 456"),
        ("WO DM/123 456", "WO.DM123456", "DM/123 456"),
        ("US D900,123 S", "US.D900123.S", "US D900,123 S"),
        ("USD900123S", "US.D900123.S", "US D900,123 S"),
        ("BX 1234567-0001", "BX.1234567-0001", "BX 1234567-0001"),
        ("design DE 402019100123-1", "DE.402019100123-0001", "DE 402019100123-0001"),
    ],
)
def test_design_notations(written: str, docdb: str, display: str) -> None:
    number = parse_patent_number(written)
    assert (number.type, number.docdb, number.display) == ("design", docdb, display)
    assert parse_patent_number(number.docdb) == number


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("", "empty"),
        ("XQ123", "ST.3"),
        ("1000000", "office code and a number"),
        ("EP", "office code and a number"),
        ("EP1000000Q9", "ST.16"),
        ("EP12345678901234", "13 digits"),
        ("PCT/QQ2019/012345", "ST.3"),
        ("QQ 1234567-0001", "ST.3"),
        ("US D900,123 A1", "is no patent number"),
        ("EP 1000000-0001", "or for a design"),
        ("CO 2030-2050", "is no patent number"),  # a range of years, no design
    ],
)
def test_bad_numbers_say_why(written: str, says: str) -> None:
    with pytest.raises(PatentNumberError, match=says):
        parse_patent_number(written)
