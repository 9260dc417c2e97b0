"""Identifier checks: ours must agree with python-stdnum's check-character functions, and report
check-character, date and division problems as separate findings."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from govdata.core.identifiers import (
    USCC_ALPHABET,
    check_division_code,
    check_ric,
    check_uscc,
    division_area_prefix,
    ric_with_check,
    uscc_with_check,
)


def codes(findings) -> set[str]:
    return {f.code for f in findings}


def test_a_valid_resident_id_number_has_no_findings():
    assert check_ric("11010519491231002X") == []  # the example of GB 11643
    assert check_ric("11010519491231002x") == []  # lower-case x typed
    assert check_ric(" 110105 19491231 002X ") == []
    assert check_ric("360426199101010071") == []  # python-stdnum's example


def test_a_wrong_check_digit_is_its_own_finding():
    assert codes(check_ric("110105194912310021")) == {"check_character"}
    assert codes(check_ric("110105194912310022")) == {"check_character"}


def test_an_impossible_birth_date_is_reported_apart():
    number = ric_with_check("11010519490231002")  # 31 February
    assert codes(check_ric(number)) == {"birth_date"}
    future = ric_with_check("11010521000101002")
    assert codes(check_ric(future, today=dt.date(2026, 11, 23))) == {"birth_date"}


def test_an_unknown_province_is_a_division_finding_only():
    assert codes(check_ric(ric_with_check("99010519491231002"))) == {"division"}


def test_digits_of_other_scripts_are_not_digits():
    assert codes(check_ric("١١٠١٠٥١٩٤٩١٢٣١٠٠٢٢")) == {"format"}  # Arabic-Indic digits
    assert codes(check_division_code("٩٩٠١٠٠")) == {"format"}


def test_malformed_numbers_are_format_findings():
    for bad in ["", "1234", "11010519491231002Y", "1101051949123100211", "ABCDEFGHIJKLMNOPQR"]:
        assert codes(check_ric(bad)) == {"format"}, bad


def test_credit_codes_starting_with_a_n_or_y_are_accepted():
    # stdnum's validate() refuses these registration authorities; the national standard allows them.
    for first17 in [
        "A1110000MA0000001",
        "N2110000MA0000001",
        "Y1110000MA0000001",
        "91110000600037341",
    ]:
        assert check_uscc(uscc_with_check(first17)) == []


def test_a_wrong_credit_code_check_character_is_reported():
    good = uscc_with_check("91110000600037341")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert codes(check_uscc(wrong)) == {"check_character"}
    assert codes(check_uscc("91110000600037341I")) == {"format"}  # I is not in the alphabet


def test_division_codes_and_their_areas():
    assert check_division_code("990100") == []
    assert check_division_code("990121001001") == []
    assert codes(check_division_code("99012")) == {"format"}
    assert division_area_prefix("990100") == "9901"
    assert division_area_prefix("990121") == "990121"
    assert division_area_prefix("990121001") == "990121001"
    assert division_area_prefix("990121001002") == "990121001002"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_ric_check_digit_agrees_with_stdnum_and_the_standard(first17):
    # stdnum's calc_check_digit takes a whole number and ignores its last character.
    number = first17 + stdnum_ric.calc_check_digit(first17 + "0")
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # GB 11643
    remainder = (12 - sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11) % 11
    assert number[-1] == ("X" if remainder == 10 else str(remainder))
    assert ric_with_check(first17) == number
    assert "check_character" not in codes(check_ric(number))
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    assert "check_character" in codes(check_ric(wrong))


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_character_agrees_with_stdnum(first17):
    code = first17 + stdnum_uscc.calc_check_digit(first17)
    assert "check_character" not in codes(check_uscc(code))
    wrong = code[:-1] + ("1" if code[-1] != "1" else "2")
    assert "check_character" in codes(check_uscc(wrong))


@given(st.text(max_size=30))
def test_any_text_gets_findings_not_an_exception(value):
    assert isinstance(check_ric(value), list)
    assert isinstance(check_uscc(value), list)
    assert isinstance(check_division_code(value), list)
