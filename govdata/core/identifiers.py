"""Checks of the identifiers the regulations key data by (AGG-2, ORG-1, ORG-4).

* resident ID number (居民身份证号码, GB 11643): 17 digits + ISO 7064 MOD 11-2 check character.
* unified social credit code (统一社会信用代码, GB 32100): 18 characters of the code's alphabet,
  the last a MOD 31 check character.
* administrative division code (行政区划代码, GB/T 2260 and its extension): 6, 9 or 12 digits.

Each check returns a list of findings rather than a yes/no: a wrong check character is a different
problem from a date that does not exist or a division code absent from a table, and callers decide
which findings they refuse. python-stdnum's ``calc_check_digit`` functions are the reference for
the check characters (ARCHITECTURE.md); its ``validate`` is not used because it also refuses valid
numbers (unknown division codes, credit codes starting A, N or Y).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

RIC_RE = re.compile(r"^[0-9]{17}[0-9X]$")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")
DIVISION_RE = re.compile(r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$")
# GB/T 2260 province-level codes (and 83, Taiwan, used on mainland-issued numbers).
PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)


@dataclass(frozen=True)
class Finding:
    code: str  # "format", "check_character", "birth_date", "division"
    message: str


def normalise(value: str) -> str:
    """Upper case, without the spaces and hyphens people type; full-width characters folded."""
    value = (value or "").strip()
    value = value.translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
    return re.sub(r"[\s-]", "", value).upper()


# No resident ID number holder was born before this year.
MIN_BIRTH_YEAR = 1880


def check_ric(value: str, *, today: dt.date | None = None) -> list[Finding]:
    number = normalise(value)
    if not RIC_RE.match(number):
        return [Finding("format", _("a resident ID number is 17 digits and a check digit or X"))]
    findings = []
    # stdnum's calc_check_digit takes the whole number and ignores its last character.
    if stdnum_ric.calc_check_digit(number) != number[17]:
        findings.append(Finding("check_character", _("the check digit does not match")))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        findings.append(Finding("birth_date", _("the birth date is not a real date")))
    else:
        if birth > (today or dt.date.today()) or birth.year < MIN_BIRTH_YEAR:
            findings.append(Finding("birth_date", _("the birth date is out of range")))
    if number[:2] not in PROVINCES:
        findings.append(Finding("division", _("the address code names no province")))
    return findings


def check_uscc(value: str) -> list[Finding]:
    code = normalise(value)
    if not USCC_RE.match(code):
        return [
            Finding(
                "format",
                _(
                    "a unified social credit code is 18 characters of digits and capitals without I, O, S, V, Z"
                ),
            )
        ]
    findings = []
    if stdnum_uscc.calc_check_digit(code[:17]) != code[17]:
        findings.append(Finding("check_character", _("the check character does not match")))
    if not code[2:8].isascii() or not code[2:8].isdigit():
        findings.append(Finding("division", _("characters 3 to 8 must be a division code")))
    return findings


def check_division_code(value: str) -> list[Finding]:
    code = normalise(value)
    if not DIVISION_RE.match(code):
        return [Finding("format", _("a division code is 6, 9 or 12 digits"))]
    if code[:2] == "00":
        return [Finding("division", _("the province part is empty"))]
    return []


def uscc_with_check(first17: str) -> str:
    """Complete 17 characters with their check character (for the demo city and tests)."""
    return first17 + stdnum_uscc.calc_check_digit(first17)


def ric_with_check(first17: str) -> str:
    """Complete 17 digits with their check digit (GB 11643; stdnum drops the last character)."""
    return first17 + stdnum_ric.calc_check_digit(first17 + "0")


def division_area_prefix(code: str) -> str:
    """The prefix every division code inside this division's area starts with:
    a city 1234 00 → "1234", a county 123456 → "123456", a township → 9 digits, a village → 12."""
    code = normalise(code).ljust(12, "0")
    if code[4:] == "00000000":
        return code[:4] if code[2:4] != "00" else code[:2]
    if code[6:] == "000000":
        return code[:6]
    if code[9:] == "000":
        return code[:9]
    return code
