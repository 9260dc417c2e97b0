"""Column-at-a-time checks of resident ID numbers and unified social credit codes (AGG-2).

A load can bring millions of identifiers, so the checks of ``core.identifiers`` are done here on a
whole column at once: the values are normalised with Arrow string kernels (the same rule as
``core.identifiers.normalise``), the 18-byte ones are viewed as an ``(n, 18) uint8`` matrix, and the
format, the check character (ISO 7064 MOD 11-2 for ID numbers, GB 32100 MOD 31 for credit codes),
the birth date and the division code are computed for all rows with numpy.

Each row gets a bit mask of ``IdFinding`` flags rather than a yes/no: a wrong check character, a
date that does not exist and a province that does not exist are separate findings (ARCHITECTURE.md),
and the caller decides which it refuses. An empty or null value is its own finding, because only
the caller knows whether the data item is required.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext_lazy, pgettext

from govdata.core.identifiers import MIN_BIRTH_YEAR, PROVINCES, USCC_ALPHABET, normalise

Kind: TypeAlias = Literal["ric", "uscc"]
Column: TypeAlias = "pa.Array | pa.ChunkedArray | Sequence[str | None]"

WIDTH = 18
# What Python's ``str`` regex ``\s`` matches among ASCII characters, plus the hyphen:
# core.identifiers.normalise removes these; non-ASCII values go through normalise itself.
_ASCII_SPACE_OR_HYPHEN = r"[\t\n\x0b\x0c\r\x1c-\x1f -]"


class IdFinding(enum.IntFlag):
    """One bit per finding kind; a row's code is the OR of its findings (0: no finding)."""

    EMPTY = 1  # null, or nothing left after normalising
    FORMAT = 2  # wrong length or characters: no other check is made
    CHECK_CHARACTER = 4
    BIRTH_DATE_INVALID = 8  # ID numbers: positions 7-14 are no calendar date
    BIRTH_DATE_RANGE = 16  # ID numbers: a real date, but in the future or before MIN_BIRTH_YEAR
    DIVISION = 32  # ID numbers: no such province; credit codes: characters 3-8 are not digits


# The same English msgids as core.identifiers, so the one-at-a-time and the column checks speak alike.
_MESSAGES: dict[Kind, dict[IdFinding, object]] = {
    "ric": {
        IdFinding.EMPTY: gettext_lazy("the value is empty"),
        IdFinding.FORMAT: gettext_lazy("a resident ID number is 17 digits and a check digit or X"),
        IdFinding.CHECK_CHARACTER: gettext_lazy("the check digit does not match"),
        IdFinding.BIRTH_DATE_INVALID: gettext_lazy("the birth date is not a real date"),
        IdFinding.BIRTH_DATE_RANGE: gettext_lazy("the birth date is out of range"),
        IdFinding.DIVISION: gettext_lazy("the address code names no province"),
    },
    "uscc": {
        IdFinding.EMPTY: gettext_lazy("the value is empty"),
        IdFinding.FORMAT: gettext_lazy(
            "a unified social credit code is 18 characters of digits and capitals without I, O, S, V, Z"
        ),
        IdFinding.CHECK_CHARACTER: gettext_lazy("the check character does not match"),
        IdFinding.DIVISION: gettext_lazy("characters 3 to 8 must be a division code"),
    },
}

# ISO 7064 MOD 11-2 weights 2^(17-i) mod 11, and the check character for each remainder.
_RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_RIC_CHECK = np.frombuffer(b"0123456789X", dtype=np.uint8)
# GB 32100 weights 3^i mod 31 (python-stdnum's table), and byte -> value in the code's alphabet.
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_USCC_CHARS = np.frombuffer(USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
_USCC_VALUE = np.full(256, -1, dtype=np.int64)
_USCC_VALUE[_USCC_CHARS] = np.arange(len(USCC_ALPHABET))
_PROVINCE = np.zeros(100, dtype=bool)
_PROVINCE[[int(p) for p in PROVINCES]] = True
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


@dataclass(frozen=True)
class ColumnFindings:
    """The findings of one column: ``codes[i]`` is the IdFinding mask of row i."""

    kind: Kind
    codes: npt.NDArray[np.uint8]
    normalised: pa.LargeStringArray  # the values as they would be stored (null stays null)

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        return self.codes == 0

    def has(self, finding: IdFinding) -> npt.NDArray[np.bool_]:
        """Rows with this finding (whatever else they have)."""
        return (self.codes & np.uint8(finding)) != 0

    def messages(self) -> list[str]:
        """One message per row for the rejected-rows file ("" for rows without findings)."""
        return finding_messages(self.codes, self.kind)


def finding_messages(codes: npt.NDArray[np.integer] | Sequence[int], kind: Kind) -> list[str]:
    """Translate each row's code into its messages, joined (each distinct code translated once)."""
    array = np.asarray(codes, dtype=np.uint8)
    distinct, inverse = np.unique(array, return_inverse=True)
    separator = pgettext("between findings of one value", "; ")
    texts = [
        separator.join(
            str(message) for flag, message in _MESSAGES[kind].items() if int(code) & flag.value
        )
        for code in distinct
    ]
    return [texts[i] for i in inverse.ravel()]


def normalise_column(values: Column) -> pa.LargeStringArray:
    """``core.identifiers.normalise`` for a column: ASCII values with Arrow kernels, others one by one."""
    array = _as_large_string(values)
    result = pc.ascii_upper(pc.replace_substring_regex(array, _ASCII_SPACE_OR_HYPHEN, ""))
    # Full-width forms, Unicode spaces and case mappings such as "ſ".upper() == "S" need Python's rules.
    non_ascii = pc.invert(pc.string_is_ascii(array)).fill_null(False)
    rows = np.flatnonzero(non_ascii.to_numpy(zero_copy_only=False))
    if rows.size:
        fixed = pa.array(
            [normalise(value) for value in array.take(pa.array(rows)).to_pylist()],
            type=pa.large_string(),
        )
        result = pc.replace_with_mask(result, non_ascii, fixed)
    return result


def check_ric_column(values: Column, *, today: dt.date | None = None) -> ColumnFindings:
    """Resident ID numbers (GB 11643): format, check digit, birth date and province, per row."""
    normalised = normalise_column(values)
    codes, rows, matrix = _start(normalised)
    digits = matrix.astype(np.int64) - ord("0")
    is_digit = (digits >= 0) & (digits <= 9)
    last = matrix[:, 17]
    well_formed = is_digit[:, :17].all(axis=1) & (is_digit[:, 17] | (last == ord("X")))
    codes[rows[~well_formed]] = IdFinding.FORMAT
    rows, digits, last = rows[well_formed], digits[well_formed], last[well_formed]

    found = np.zeros(rows.size, dtype=np.uint8)
    remainder = (1 - digits[:, :17] @ _RIC_WEIGHTS) % 11
    found[_RIC_CHECK[remainder] != last] |= np.uint8(IdFinding.CHECK_CHARACTER)

    year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
    month = digits[:, 10] * 10 + digits[:, 11]
    day = digits[:, 12] * 10 + digits[:, 13]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    last_day = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
    real = (year >= 1) & month_ok & (day >= 1) & (day <= last_day)
    today = today or dt.date.today()
    limit = today.year * 10000 + today.month * 100 + today.day
    out_of_range = real & (((year * 10000 + month * 100 + day) > limit) | (year < MIN_BIRTH_YEAR))
    found[~real] |= np.uint8(IdFinding.BIRTH_DATE_INVALID)
    found[out_of_range] |= np.uint8(IdFinding.BIRTH_DATE_RANGE)

    found[~_PROVINCE[digits[:, 0] * 10 + digits[:, 1]]] |= np.uint8(IdFinding.DIVISION)
    codes[rows] = found
    return ColumnFindings("ric", codes, normalised)


def check_uscc_column(values: Column) -> ColumnFindings:
    """Unified social credit codes (GB 32100): format, check character and division part, per row."""
    normalised = normalise_column(values)
    codes, rows, matrix = _start(normalised)
    value = _USCC_VALUE[matrix]
    well_formed = (value >= 0).all(axis=1)
    codes[rows[~well_formed]] = IdFinding.FORMAT
    rows, value, matrix = rows[well_formed], value[well_formed], matrix[well_formed]

    found = np.zeros(rows.size, dtype=np.uint8)
    expected = _USCC_CHARS[(31 - value[:, :17] @ _USCC_WEIGHTS) % 31]
    found[expected != matrix[:, 17]] |= np.uint8(IdFinding.CHECK_CHARACTER)
    found[~(value[:, 2:8] <= 9).all(axis=1)] |= np.uint8(IdFinding.DIVISION)
    codes[rows] = found
    return ColumnFindings("uscc", codes, normalised)


def _as_large_string(values: Column) -> pa.LargeStringArray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.large_string())
    if not isinstance(values, pa.Array):
        values = pa.array(list(values), type=pa.large_string())
    if values.type != pa.large_string():
        values = values.cast(pa.large_string())
    return values


def _start(
    normalised: pa.LargeStringArray,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.intp], npt.NDArray[np.uint8]]:
    """Codes with EMPTY and FORMAT (wrong length) set, the rows of WIDTH bytes, and their bytes."""
    lengths = pc.binary_length(normalised).fill_null(0).to_numpy(zero_copy_only=False)
    codes = np.zeros(len(normalised), dtype=np.uint8)
    codes[lengths == 0] = IdFinding.EMPTY
    codes[(lengths != 0) & (lengths != WIDTH)] = IdFinding.FORMAT
    rows = np.flatnonzero(lengths == WIDTH)
    if rows.size == 0:
        return codes, rows, np.zeros((0, WIDTH), dtype=np.uint8)
    chosen = normalised.take(pa.array(rows))
    # Every chosen value is WIDTH bytes, so their bytes lie back to back in the data buffer.
    _, offsets_buffer, data_buffer = chosen.buffers()
    start = int(np.frombuffer(offsets_buffer, dtype=np.int64)[chosen.offset])
    data = np.frombuffer(data_buffer, dtype=np.uint8)[start : start + WIDTH * rows.size]
    return codes, rows, data.reshape(rows.size, WIDTH)
