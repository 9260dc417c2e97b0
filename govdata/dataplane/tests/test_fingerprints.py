"""Row fingerprints: equal rows get equal fingerprints wherever they sit in a batch, and a row
that differs in any value — an empty text against no value, a value moved to another column —
gets another."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from govdata.dataplane.fingerprints import row_fingerprints, text_fingerprints

SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("note", pa.string()),
        ("count", pa.int64()),
        ("day", pa.date32()),
        ("moment", pa.timestamp("us", tz="UTC")),
        ("valid", pa.bool_()),
    ]
)
COLUMNS = SCHEMA.names

ROWS = st.fixed_dictionaries(
    {
        "name": st.none() | st.text(max_size=12),
        "note": st.none() | st.text(max_size=40) | st.text(min_size=350, max_size=500),
        "count": st.none() | st.integers(-(2**63), 2**63 - 1),
        "day": st.none() | st.dates(),
        "moment": st.none()
        | st.datetimes(timezones=st.just(dt.UTC), min_value=dt.datetime(1900, 1, 1)),
        "valid": st.none() | st.booleans(),
    }
)


def fingerprints(rows: list[dict]) -> list[int]:
    return row_fingerprints(pa.RecordBatch.from_pylist(rows, schema=SCHEMA), COLUMNS).to_pylist()


@given(st.lists(ROWS, min_size=1, max_size=30), st.data())
def test_a_rows_fingerprint_depends_on_its_values_only(rows, data):
    """The same row gets the same fingerprint alone, in a batch, or in a slice of one."""
    together = fingerprints(rows)
    alone = [fingerprints([r])[0] for r in rows]
    assert together == alone
    start = data.draw(st.integers(0, len(rows) - 1))
    batch = pa.RecordBatch.from_pylist(rows, schema=SCHEMA).slice(start)
    assert row_fingerprints(batch, COLUMNS).to_pylist() == together[start:]


@given(ROWS, ROWS)
def test_rows_that_differ_get_different_fingerprints(first, second):
    assert (fingerprints([first]) == fingerprints([second])) == (first == second)


@given(st.text(max_size=20), st.text(max_size=20))
def test_a_value_in_another_column_or_split_otherwise_is_another_row(a, b):
    base = {c: None for c in COLUMNS}
    moved = fingerprints([{**base, "name": a, "note": b}, {**base, "name": b, "note": a}])
    assert (moved[0] == moved[1]) == (a == b)
    split = fingerprints([{**base, "name": a + b, "note": ""}, {**base, "name": a, "note": b}])
    assert split[0] != split[1] or b == ""


def test_an_empty_text_is_a_value_and_no_value_adds_nothing():
    base = {c: None for c in COLUMNS}
    empty, missing = fingerprints([{**base, "note": ""}, base])
    assert empty != missing
    # A column the batch does not have (an item added by a newer version) counts as empty.
    narrow = pa.RecordBatch.from_pylist([{"name": "张三"}], schema=pa.schema([SCHEMA.field(0)]))
    assert row_fingerprints(narrow, COLUMNS).to_pylist() == fingerprints([{**base, "name": "张三"}])


def test_long_and_repetitive_texts_are_told_apart():
    """Texts that defeat a plain polynomial digest modulo 2⁶⁴ (Thue–Morse sequences of the
    same length and letters) still differ."""
    morse = [bin(i).count("1") % 2 for i in range(4096)]
    a = "".join("ab"[m] for m in morse)
    b = "".join("ba"[m] for m in morse)
    base = {c: None for c in COLUMNS}
    first, second = fingerprints([{**base, "note": a}, {**base, "note": b}])
    assert first != second


# --- The door's fingerprints: of the text a row was read from -------------------------------------

TEXTS = ["a", "b", "c"]
TEXT_ROWS = st.fixed_dictionaries({c: st.none() | st.text(max_size=30) for c in TEXTS})


def text_fingerprints_of(rows: list[dict]) -> list[int]:
    schema = pa.schema([(c, pa.string()) for c in TEXTS])
    return text_fingerprints(pa.RecordBatch.from_pylist(rows, schema=schema), TEXTS).to_pylist()


@given(st.lists(TEXT_ROWS, min_size=1, max_size=20), TEXT_ROWS)
def test_the_doors_fingerprint_tells_rows_apart_by_their_text_only(rows, other):
    together = text_fingerprints_of(rows)
    assert together == [text_fingerprints_of([r])[0] for r in rows]
    for row, digest in zip(rows, together, strict=True):
        assert (digest == text_fingerprints_of([other])[0]) == (row == other)


@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_the_doors_fingerprint_knows_which_item_a_text_is_in(x, y):
    moved = text_fingerprints_of([{"a": x, "b": y, "c": None}, {"a": y, "b": x, "c": None}])
    assert (moved[0] == moved[1]) == (x == y)
    shifted = text_fingerprints_of(
        [{"a": x + y, "b": None, "c": None}, {"a": x, "b": y, "c": None}]
    )
    assert shifted[0] != shifted[1]


def test_an_item_missing_from_the_file_is_empty_in_every_row():
    narrow = pa.RecordBatch.from_pylist([{"a": "张三"}], schema=pa.schema([("a", pa.string())]))
    assert text_fingerprints(narrow, TEXTS).to_pylist() == text_fingerprints_of(
        [{"a": "张三", "b": None, "c": None}]
    )


def test_a_one_byte_text_is_not_the_empty_texts_twin():
    base = {c: None for c in COLUMNS}
    empty, one = fingerprints([{**base, "name": ""}, {**base, "name": "\x01"}])
    assert empty != one
