"""Column checks of identifiers (AGG-2) agree, row by row, with python-stdnum's check-character
functions and with the one-at-a-time checks of ``core.identifiers``, and report check characters,
birth dates and provinces as separate findings."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pyarrow as pa
import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from govdata.core.identifiers import PROVINCES, USCC_ALPHABET, check_ric, check_uscc, normalise
from govdata.dataplane.identifiers import (
    MIN_BIRTH_YEAR,
    IdFinding,
    check_ric_column,
    check_uscc_column,
    finding_messages,
    normalise_column,
)

TODAY = dt.date(2026, 11, 23)
SAMPLE = 100_000


def ric(first17: str) -> str:
    # stdnum's ric.calc_check_digit drops the last character it is given (the check digit).
    return first17 + stdnum_ric.calc_check_digit(first17 + "0")


def uscc(first17: str) -> str:
    return first17 + stdnum_uscc.calc_check_digit(first17)


def expected_ric(value: str | None) -> int:
    """The verdict of the one-at-a-time checks, as a column code."""
    if value is None or normalise(value) == "":
        return IdFinding.EMPTY
    core = {f.code for f in check_ric(value, today=TODAY)}
    if "format" in core:
        return IdFinding.FORMAT
    number = normalise(value)
    code = 0
    if stdnum_ric.calc_check_digit(number) != number[17]:
        code |= IdFinding.CHECK_CHARACTER
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        code |= IdFinding.BIRTH_DATE_INVALID
    else:
        if birth > TODAY or birth.year < MIN_BIRTH_YEAR:
            code |= IdFinding.BIRTH_DATE_RANGE
    # core's birth-date and division verdicts are the reference; its check digit is not (see
    # test_core_check_ric_disagrees_with_stdnum_on_the_check_digit).
    assert ("birth_date" in core) == bool(
        code & (IdFinding.BIRTH_DATE_INVALID | IdFinding.BIRTH_DATE_RANGE)
    )
    if "division" in core:
        code |= IdFinding.DIVISION
    return code


def expected_uscc(value: str | None) -> int:
    if value is None or normalise(value) == "":
        return IdFinding.EMPTY
    core = {f.code for f in check_uscc(value)}
    if "format" in core:
        return IdFinding.FORMAT
    code = normalise(value)
    wrong = stdnum_uscc.calc_check_digit(code[:17]) != code[17]
    assert wrong == ("check_character" in core)
    return (IdFinding.CHECK_CHARACTER if wrong else 0) | (
        IdFinding.DIVISION if "division" in core else 0
    )


# --- a random sample of valid and corrupted values ----------------------------------------------

FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHJKLMNPQRTUWXYx"})


def random_ric(rng: random.Random) -> str:
    province = rng.choice(sorted(PROVINCES)) if rng.random() < 0.9 else f"{rng.randrange(100):02d}"
    if rng.random() < 0.95:
        first, last = dt.date(MIN_BIRTH_YEAR - 5, 1, 1).toordinal(), TODAY.toordinal() + 400
        birth = dt.date.fromordinal(rng.randint(first, last)).strftime("%Y%m%d")
    else:
        birth = f"{rng.randrange(10**8):08d}"
    return ric(f"{province}{rng.randrange(10**4):04d}{birth}{rng.randrange(1000):03d}")


def random_uscc(rng: random.Random) -> str:
    division = (
        f"{rng.randrange(10**6):06d}"
        if rng.random() < 0.95
        else "".join(rng.choices(USCC_ALPHABET, k=6))
    )
    return uscc(
        "".join(rng.choices(USCC_ALPHABET, k=2))
        + division
        + "".join(rng.choices(USCC_ALPHABET, k=9))
    )


def corrupt(value: str, alphabet: str, rng: random.Random) -> str | None:
    i, j = sorted(rng.sample(range(len(value)), 2))
    how = rng.randrange(13)
    if how == 0:  # one character changed
        return value[:i] + rng.choice(alphabet) + value[i + 1 :]
    if how == 1:  # the last character changed
        return value[:-1] + rng.choice(alphabet)
    if how == 2:  # two characters swapped
        return value[:i] + value[j] + value[i + 1 : j] + value[i] + value[j + 1 :]
    if how == 3:  # two neighbours swapped
        return value[:i] + value[i + 1] + value[i] + value[i + 2 :]
    if how == 4:  # wrong length
        return rng.choice(
            [value[:i] + value[i + 1 :], value[:i] + rng.choice(alphabet) + value[i:], value * 2]
        )
    if how == 5:
        return value.lower()
    if how == 6:
        return value.translate(FULL_WIDTH)
    if how == 7:  # spaces and hyphens as typed, including a full-width space and a tab
        return (
            rng.choice(" \t\u3000")
            + value[:i]
            + rng.choice([" ", "-", "\u3000", "\n"])
            + value[i:]
            + " "
        )
    if how == 8:
        return None
    if how == 9:
        return rng.choice(["", "   ", "\u3000", "-"])
    if how == 10:  # a digit of another script, a letter outside the alphabet, a NUL byte
        return value[:i] + rng.choice("١٣五IOSVZ\x00é") + value[i + 1 :]
    if how == 11:
        return "".join(rng.choices("0123456789Xx -ＸＹ１ｘ\u00a0", k=rng.randint(1, 22)))
    return "".join(rng.choices(alphabet + "IOSVZ", k=18))


def sample(make, alphabet: str, seed: int) -> tuple[list[str | None], int]:
    rng = random.Random(seed)
    values: list[str | None] = [make(rng) for _ in range(SAMPLE // 2)]
    values += [corrupt(make(rng), alphabet, rng) for _ in range(SAMPLE - len(values))]
    rng.shuffle(values)
    return values, len(values)


def test_resident_id_numbers_agree_with_stdnum_and_core_on_a_random_sample():
    values, n = sample(random_ric, "0123456789X", seed=11643)
    codes = check_ric_column(values, today=TODAY).codes
    expected = np.array([expected_ric(v) for v in values], dtype=np.uint8)
    mismatches = [
        (values[i], int(codes[i]), int(expected[i])) for i in np.flatnonzero(codes != expected)
    ]
    assert n >= 100_000 and mismatches == []
    # The sample exercises every finding, alone and together.
    for finding in IdFinding:
        assert ((codes & finding) != 0).sum() > 100, finding
    assert (codes == 0).sum() > n // 3


def test_credit_codes_agree_with_stdnum_and_core_on_a_random_sample():
    values, n = sample(random_uscc, USCC_ALPHABET, seed=32100)
    codes = check_uscc_column(values).codes
    expected = np.array([expected_uscc(v) for v in values], dtype=np.uint8)
    mismatches = [
        (values[i], int(codes[i]), int(expected[i])) for i in np.flatnonzero(codes != expected)
    ]
    assert n >= 100_000 and mismatches == []
    for finding in (
        IdFinding.EMPTY,
        IdFinding.FORMAT,
        IdFinding.CHECK_CHARACTER,
        IdFinding.DIVISION,
    ):
        assert ((codes & finding) != 0).sum() > 100, finding
    assert (codes == 0).sum() > n // 3


# --- arbitrary text -----------------------------------------------------------------------------

near_ric = st.text(alphabet="0123456789Xx -\t\u3000０１９Ｘｘ١", min_size=14, max_size=22)
near_uscc = st.text(
    alphabet=USCC_ALPHABET + "abcxyIOSVZ -\u3000９Ａａ\x00ſ", min_size=14, max_size=22
)
cells = st.lists(st.one_of(st.none(), st.text(max_size=25), near_ric, near_uscc), max_size=20)


@given(cells)
def test_any_text_gets_the_verdict_of_the_one_at_a_time_checks(values):
    assert check_ric_column(values, today=TODAY).codes.tolist() == [expected_ric(v) for v in values]
    assert check_uscc_column(values).codes.tolist() == [expected_uscc(v) for v in values]
    assert normalise_column(values).to_pylist() == [
        None if v is None else normalise(v) for v in values
    ]


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_every_check_character_is_stdnums(first17):
    number, code = ric(first17), uscc(first17)
    others = [number[:-1] + c for c in "0123456789X" if c != number[-1]]
    assert (
        check_ric_column([number, *others], today=TODAY).has(IdFinding.CHECK_CHARACTER).tolist()
        == [False] + [True] * 10
    )
    others = [code[:-1] + c for c in USCC_ALPHABET if c != code[-1]]
    assert (
        check_uscc_column([code, *others]).has(IdFinding.CHECK_CHARACTER).tolist()
        == [False] + [True] * 30
    )


# --- separate findings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "finding"),
    [
        ("20000229", 0),  # leap year (divisible by 400)
        ("20240229", 0),
        ("19000229", IdFinding.BIRTH_DATE_INVALID),  # 1900 is not a leap year
        ("20230229", IdFinding.BIRTH_DATE_INVALID),
        ("19850001", IdFinding.BIRTH_DATE_INVALID),  # month 00
        ("19851301", IdFinding.BIRTH_DATE_INVALID),
        ("19850100", IdFinding.BIRTH_DATE_INVALID),  # day 00
        ("19850431", IdFinding.BIRTH_DATE_INVALID),
        ("00000101", IdFinding.BIRTH_DATE_INVALID),  # year 0 does not exist
        ("20261123", 0),  # today
        ("20261124", IdFinding.BIRTH_DATE_RANGE),  # tomorrow
        ("21000101", IdFinding.BIRTH_DATE_RANGE),
        (f"{MIN_BIRTH_YEAR}0101", 0),
        (f"{MIN_BIRTH_YEAR - 1}1231", IdFinding.BIRTH_DATE_RANGE),
    ],
)
def test_a_birth_date_anomaly_is_its_own_finding(birth, finding):
    number = ric(f"110105{birth}002")
    assert check_ric_column([number], today=TODAY).codes.tolist() == [finding]
    assert expected_ric(number) == finding


def test_an_unknown_province_is_a_division_finding_only():
    numbers = [ric(f"{p}010519850612341") for p in ("99", "00", "10", "83", "11", "65")]
    assert (
        check_ric_column(numbers, today=TODAY).codes.tolist() == [IdFinding.DIVISION] * 3 + [0] * 3
    )
    assert check_uscc_column(
        [uscc("91A10000MA0000001"), uscc("Y1110000MA0000001")]
    ).codes.tolist() == [
        IdFinding.DIVISION,
        0,  # A, N and Y registration authorities are valid, though stdnum's validate() refuses them
    ]


def test_findings_combine_and_empty_values_are_their_own_finding():
    wrong = ric("99010519490231002")
    wrong = wrong[:-1] + ("1" if wrong[-1] != "1" else "2")
    codes = check_ric_column([wrong, None, "", " \u3000- ", "12345"], today=TODAY).codes.tolist()
    assert codes == [
        IdFinding.CHECK_CHARACTER | IdFinding.BIRTH_DATE_INVALID | IdFinding.DIVISION,
        IdFinding.EMPTY,
        IdFinding.EMPTY,
        IdFinding.EMPTY,
        IdFinding.FORMAT,
    ]


def test_a_genuine_number_typed_loosely_is_accepted_and_normalised():
    result = check_ric_column(
        [" 360426 19910101 007x ", "３６０４２６１９９１０１０１００７１"], today=TODAY
    )
    assert result.ok.tolist() == [False, True]  # the first has the wrong check digit for ...007X
    assert result.normalised.to_pylist() == ["36042619910101007X", "360426199101010071"]
    assert stdnum_ric.is_valid("360426199101010071")


# --- inputs and messages ------------------------------------------------------------------------


def test_arrow_arrays_slices_and_chunks_give_the_same_codes():
    values, _ = sample(random_ric, "0123456789X", seed=1)
    values = values[:2000]
    expected = check_ric_column(values, today=TODAY).codes.tolist()
    array = pa.array(["pad", *values, "pad"], type=pa.string())
    assert check_ric_column(array.slice(1, len(values)), today=TODAY).codes.tolist() == expected
    chunked = pa.chunked_array([values[:700], values[700:]], type=pa.large_string())
    assert check_ric_column(chunked, today=TODAY).codes.tolist() == expected
    assert (
        check_ric_column(pa.array(values).slice(700), today=TODAY).codes.tolist() == expected[700:]
    )
    assert check_ric_column([]).codes.tolist() == []
    assert check_uscc_column(pa.chunked_array([], type=pa.string())).codes.tolist() == []


def test_codes_become_messages_in_the_users_language():
    codes = [0, IdFinding.CHECK_CHARACTER | IdFinding.DIVISION, IdFinding.EMPTY]
    with translation.override("en"):
        assert finding_messages(codes, "ric") == [
            "",
            "the check digit does not match; the address code names no province",
            "the value is empty",
        ]
        assert finding_messages([IdFinding.FORMAT], "uscc") == [
            "a unified social credit code is 18 characters of digits and capitals without I, O, S, V, Z"
        ]
    with translation.override("zh-hans"):
        assert check_uscc_column(["91110000600037341I"]).messages() == [
            "统一社会信用代码应为18位，由数字和大写字母组成（不含I、O、S、V、Z）"
        ]
        assert finding_messages([IdFinding.CHECK_CHARACTER], "ric") == ["校验码不符"]
