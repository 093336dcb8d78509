"""Patent numbers in any common notation, normalised to WIPO standards.

A number is read as an office code (WIPO ST.3), a number, and for publications a kind code
(WIPO ST.16), and kept in DOCDB form (``EP.1000000.A1``: office, number, kind, joined by
dots) beside a display form (``EP 1 000 000 A1``). Application numbers and publication
numbers are different things and stay apart (:attr:`PatentNumber.type`).

| written | type | DOCDB form | display |
| --- | --- | --- | --- |
| ``EP 1 000 000 A1``, ``EP1000000A1``, ``ep-1000000-a1`` | publication | ``EP.1000000.A1`` | ``EP 1 000 000 A1`` |
| ``EP1000000`` | publication | ``EP.1000000`` | ``EP 1 000 000`` |
| ``WO 2012/088469``, ``WO2012088469A1`` | publication | ``WO.2012088469.A1`` | ``WO 2012/088469 A1`` |
| ``WO 99/12345`` | publication | ``WO.1999012345`` | ``WO 1999/012345`` |
| ``US 7,654,321 B2`` | publication | ``US.7654321.B2`` | ``US 7,654,321 B2`` |
| ``US 2019/0123456 A1`` | publication | ``US.20190123456.A1`` | ``US 2019/0123456 A1`` |
| ``EP 19 123 456.7`` | application | ``EP.19123456`` | ``EP 19 123 456.7`` |
| ``PCT/EP2019/012345`` | application | ``WO.2019EP012345`` | ``PCT/EP2019/012345`` |
| ``US 16/123,456`` | application | ``US.16123456`` | ``US 16/123,456`` |

Registered designs are numbered otherwise, and read as such (:attr:`PatentNumber.type`
``design``); they keep the hyphen before the number of the design within its filing:

| written | DOCDB-like form | display |
| --- | --- | --- |
| ``000123456-0001``, ``EM 000123456-0001``, ``RCD 000123456-0001`` (EUIPO) | ``EM.000123456-0001`` | ``EM 000123456-0001`` |
| ``DM/123456``, ``DM/123 456``, ``WO DM/123456`` (WIPO, Hague) | ``WO.DM123456`` | ``DM/123 456`` |
| ``US D900,123 S``, ``USD900123S`` (a US design patent) | ``US.D900123.S`` | ``US D900,123 S`` |
| ``BX 1234567-0001`` (an office's number and the design's) | ``BX.1234567-0001`` | ``BX 1234567-0001`` |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["OFFICES", "PatentNumber", "PatentNumberError", "parse_patent_number"]

# WIPO ST.3: the ISO 3166 country codes, former states still found on documents, and the
# intergovernmental organisations that grant or publish patents and designs.
_COUNTRIES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO"
    " BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ"
    " DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP"
    " GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG"
    " KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML"
    " MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE"
    " PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL"
    " SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM"
    " US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
)
_FORMER = "CS DD SU YU"
_ORGANISATIONS = "AP BX EA EM EP GC IB OA QZ WO XN XU XV"
OFFICES: frozenset[str] = frozenset((_COUNTRIES + " " + _FORMER + " " + _ORGANISATIONS).split())

# WIPO ST.16 groups: a letter, and in many cases one digit.
_KIND = re.compile(r"^[ABCEFGHIKLMNPRSTUWYZ][1-9]?$")

_PCT_APPLICATION = re.compile(r"^PCT\s*/?\s*([A-Z]{2})\s*(\d{2}|\d{4})\s*/\s*(\d{1,6})$")
_WO_PUBLICATION = re.compile(r"^WO[\s.\-]*(\d{2}|\d{4})\s*/\s*(\d{1,6})(?:[\s.\-]*([A-Z]\d?))?$")
_WO_COMPACT = re.compile(r"^WO[\s.\-]*((?:19|20)\d{2})(\d{6})(?:[\s.\-]*([A-Z]\d?))?$")
_EP_APPLICATION = re.compile(r"^EP[\s.\-]*(\d{2})[\s.]*(\d{3})[\s.]*(\d{3})\.(\d)$")
_US_APPLICATION = re.compile(r"^US[\s.\-]*(\d{2})\s*/\s*(\d{3}),?(\d{3})$")
_US_PUBLICATION = re.compile(r"^US[\s.\-]*((?:19|20)\d{2})\s*/\s*(\d{7})(?:[\s.\-]*([A-Z]\d?))?$")
_GENERAL = re.compile(r"^([A-Z]{2})[\s.\-]*(\d[\d\s,.]*\d|\d)(?:[\s.\-]*([A-Z]\d?))?$")
_DOCDB = re.compile(r"^([A-Z]{2})\.(\d{1,13}|\d{4}[A-Z]{2}\d{6})(?:\.([A-Z]\d?))?$")
# Designs: EUIPO's registered Community designs (file number and design number), WIPO's
# Hague registrations, US design patents, and any office's number with a design number.
_EU_DESIGN = re.compile(r"^(?:EM|EU|RCD)?[\s.\-]*(\d{9})\s*-\s*(\d{4})$")
_HAGUE_DESIGN = re.compile(r"^(?:WO|WIPO)?[\s.\-]*DM\s*/?\s*(\d[\d\s]{0,8}\d)$")
_US_DESIGN = re.compile(r"^US[\s.\-]*D[\s.\-]*(\d[\d,]{0,8}\d)(?:[\s.\-]*(S\d?))?$")
_NATIONAL_DESIGN = re.compile(r"^([A-Z]{2})[\s.\-]*(\d[\d\s.]{3,}\d)\s*-\s*(\d{1,4})$")
_NOISE = re.compile(
    r"^(?:patent|octrooi|pat\.?|publication|application|design|model|no\.?|nr\.?|number)\s*",
    re.I,
)


class PatentNumberError(ValueError):
    """A patent number that cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class PatentNumber:
    office: str
    """WIPO ST.3 code of the office (``EP``, ``WO``, ``US``, ``NL``...)."""
    number: str
    """The number, digits only (a PCT application keeps its year and country)."""
    kind: str | None
    """WIPO ST.16 kind code of a publication (``A1``, ``B1``...), when written."""
    type: Literal["publication", "application", "design"]
    display: str

    @property
    def docdb(self) -> str:
        """The DOCDB form: ``EP.1000000.A1``."""
        return ".".join(p for p in (self.office, self.number, self.kind) if p)

    def __str__(self) -> str:
        return self.docdb


def _group(digits: str, separator: str) -> str:
    """Digits in groups of three from the right: ``1000000`` -> ``1 000 000``."""
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(groups)


def _check(office: str, kind: str | None, text: str) -> None:
    if office not in OFFICES:
        raise PatentNumberError(
            f"{text!r}: {office!r} is no patent office code (WIPO ST.3), e.g. EP, WO, US, NL"
        )
    if kind is not None and not _KIND.match(kind):
        raise PatentNumberError(
            f"{text!r}: {kind!r} is no kind code (WIPO ST.16), e.g. A1, A2, B1, U"
        )


def _year(two_or_four: str) -> str:
    if len(two_or_four) == 4:
        return two_or_four
    return ("19" if int(two_or_four) >= 78 else "20") + two_or_four


def _kind_suffix(kind: str | None) -> str:
    return f" {kind}" if kind else ""


def parse_patent_number(text: str) -> PatentNumber:
    """Read a patent or patent application number written in any common notation;
    :class:`PatentNumberError` says what is wrong when it cannot be read."""
    if not isinstance(text, str) or not text.strip():
        raise PatentNumberError("a patent number is empty")
    raw = " ".join(text.split())
    value = _NOISE.sub("", raw).strip().upper()

    design = _design(value, raw)
    if design is not None:
        return design
    if m := _DOCDB.match(value):
        office, number, kind = m.groups()
        if office == "WO" and not number.isdigit():
            year, country, serial = number[:4], number[4:6], number[6:]
            return parse_patent_number(f"PCT/{country}{year}/{serial}")
        return parse_patent_number(f"{office} {number}{_kind_suffix(kind)}")
    if m := _PCT_APPLICATION.match(value):
        country, year, serial = m.group(1), _year(m.group(2)), m.group(3).zfill(6)
        _check(country, None, raw)
        return PatentNumber(
            "WO", f"{year}{country}{serial}", None, "application", f"PCT/{country}{year}/{serial}"
        )
    if m := _WO_PUBLICATION.match(value) or _WO_COMPACT.match(value):
        year, serial, kind = _year(m.group(1)), m.group(2).zfill(6), m.group(3)
        _check("WO", kind, raw)
        return PatentNumber(
            "WO", f"{year}{serial}", kind, "publication", f"WO {year}/{serial}{_kind_suffix(kind)}"
        )
    if m := _EP_APPLICATION.match(value):
        digits = "".join(m.groups()[:3])
        return PatentNumber(
            "EP",
            digits,
            None,
            "application",
            f"EP {digits[:2]} {digits[2:5]} {digits[5:]}.{m.group(4)}",
        )
    if m := _US_APPLICATION.match(value):
        series, first, second = m.groups()
        return PatentNumber(
            "US", f"{series}{first}{second}", None, "application", f"US {series}/{first},{second}"
        )
    if m := _US_PUBLICATION.match(value):
        year, serial, kind = m.groups()
        _check("US", kind, raw)
        return PatentNumber(
            "US", f"{year}{serial}", kind, "publication", f"US {year}/{serial}{_kind_suffix(kind)}"
        )
    if m := _GENERAL.match(value):
        office, written, kind = m.groups()
        _check(office, kind, raw)
        digits = re.sub(r"\D", "", written)
        if len(digits) > 13:
            raise PatentNumberError(f"{raw!r}: a patent number has at most 13 digits")
        if office == "EP":
            shown = _group(digits, " ")
        elif office == "US" and len(digits) <= 8:
            shown = _group(digits, ",")
        else:
            shown = digits
        return PatentNumber(
            office, digits, kind, "publication", f"{office} {shown}{_kind_suffix(kind)}"
        )
    raise PatentNumberError(
        f"{raw!r} is no patent number: write an office code and a number, such as"
        " 'EP 1 000 000 A1', 'WO 2012/088469' or 'NL2023456', or for a design"
        " 'EM 000123456-0001' or 'DM/123456'"
    )


def _design(value: str, raw: str) -> PatentNumber | None:
    """A registered design's number (see the module's table), or ``None`` when ``value`` is
    not written as one."""
    if m := _EU_DESIGN.match(value):
        number = f"{m.group(1)}-{m.group(2)}"
        return PatentNumber("EM", number, None, "design", f"EM {number}")
    if m := _HAGUE_DESIGN.match(value):
        digits = re.sub(r"\D", "", m.group(1))
        return PatentNumber("WO", f"DM{digits}", None, "design", f"DM/{_group(digits, ' ')}")
    if m := _US_DESIGN.match(value):
        digits, kind = re.sub(r"\D", "", m.group(1)), m.group(2)
        _check("US", kind, raw)
        shown = f"US D{_group(digits, ',')}{_kind_suffix(kind)}"
        return PatentNumber("US", f"D{digits}", kind, "design", shown)
    if (m := _NATIONAL_DESIGN.match(value)) and m.group(1) not in ("EP", "WO"):
        office, written, design = m.groups()
        _check(office, None, raw)
        digits = re.sub(r"\D", "", written)
        if not 5 <= len(digits) <= 13:  # years and ranges ("CO 2030-2050") are no designs
            return None
        number = f"{digits}-{design.zfill(4)}"
        return PatentNumber(office, number, None, "design", f"{office} {number}")
    return None
