"""Row fingerprints: a 64-bit digest of a row's values, computed a column at a time in numpy.

A full load compares the fingerprints of the incoming rows with those kept in the table (the
``_fp`` column) and sends to the database only the rows whose fingerprint differs; the database
then compares those rows column by column, exactly. So a fingerprint decides nothing on its
own except "unchanged": two different rows would have to collide on 64 bits to be missed.

Decisions:

* Each value is digested with its column's name, and the row's fingerprint is the sum of its
  values' digests (modulo 2⁶⁴). An empty value (NULL) adds nothing, so a column added by a new
  version of the entry — NULL in every earlier row — leaves every fingerprint as it was; an
  empty text ('') is a value and is digested.
* Text is digested as its UTF-8 bytes by a polynomial over the whole column's byte buffer
  (one cumulative sum, then each value's span is shifted back to position 0 with the inverse
  power), finished by the splitmix64 mixer; other types by their 64-bit integer value. No
  Python runs per value. A polynomial modulo 2⁶⁴ has one known blind spot: texts of 2,048
  bytes or more built like the Thue–Morse sequence collide whatever the base. Texts of
  ``LONG_TEXT`` bytes or more are therefore digested by BLAKE2b, one by one (they are few,
  and long enough for the call to cost little beside the hashing).
* The digest is the project's own, so it never changes with a library's version. If it ever
  changes (or a column is hidden, which changes what a row is made of), nothing breaks: the
  rows whose fingerprint differs are compared exactly by the database and their fingerprints
  are written anew.
* The door's fingerprints (``text_fingerprints``: of the text a row was read from, before it is
  typed) are polars' row hash instead, four times faster — the door fingerprints every row of
  every full load. It may change with polars' version; then the next full load checks every
  row again and writes the new fingerprints, and nothing else happens.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

LONG_TEXT = 1024
_BASE = 0x9E3779B97F4A7C17  # odd, so invertible modulo 2⁶⁴
_BASE_INVERSE = pow(_BASE, -1, 2**64)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_LENGTH_WEIGHT = np.uint64(0xD6E8FEB86659FD93)

# Powers of the base and of its inverse, grown on demand to the longest byte buffer seen.
_powers = np.ones(1, np.uint64)
_inverse_powers = np.ones(1, np.uint64)


def _power_tables(size: int) -> tuple[np.ndarray, np.ndarray]:
    global _powers, _inverse_powers
    if len(_powers) <= size:
        length = max(size + 1, 2 * len(_powers))
        _powers = _cumulative_powers(_BASE, length)
        _inverse_powers = _cumulative_powers(_BASE_INVERSE, length)
    return _powers, _inverse_powers


def _cumulative_powers(base: int, length: int) -> np.ndarray:
    powers = np.empty(length, np.uint64)
    powers[0] = 1
    np.cumprod(np.full(length - 1, base, np.uint64), out=powers[1:])
    return powers


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches every output bit (in place: ``values``
    is the caller's to lose)."""
    values ^= values >> np.uint64(30)
    values *= _MIX_1
    values ^= values >> np.uint64(27)
    values *= _MIX_2
    values ^= values >> np.uint64(31)
    return values


@functools.cache
def _seed(name: str) -> np.uint64:
    return np.uint64(int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest()))


def _text_digests(array: pa.Array, seed: np.uint64) -> np.ndarray:
    """The digest of each text value's bytes, wherever it sits in the buffer."""
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    size = len(array)
    _validity, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, offset_type)[array.offset : array.offset + size + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    relative = offsets - start
    if data_buffer is None or end == start:
        data = np.zeros(0, np.uint8)
    else:
        data = np.frombuffer(data_buffer, np.uint8)[start:end]
    powers, inverse_powers = _power_tables(end - start)
    # Two passes over the bytes: weigh each by its power (a zero byte adds nothing, but the
    # length is mixed in below), then the running sum.
    sums = np.empty(end - start + 1, np.uint64)
    sums[0] = 0
    np.multiply(data, powers[: end - start], out=sums[1:])
    np.cumsum(sums[1:], out=sums[1:])
    spans = (sums[relative[1:]] - sums[relative[:-1]]) * inverse_powers[relative[:-1]]
    lengths = np.diff(relative)
    for index in np.flatnonzero(lengths >= LONG_TEXT):
        value = data[relative[index] : relative[index + 1]].tobytes()
        spans[index] = int.from_bytes(hashlib.blake2b(value, digest_size=8).digest())
    # The length is weighed in, not XORed: 1 XOR 1 would make "\x01" the empty text's twin.
    spans += lengths.astype(np.uint64) * _LENGTH_WEIGHT
    spans += seed
    return _mix(spans)


def _integer_digests(array: pa.Array, seed: np.uint64) -> np.ndarray:
    """The digest of each number, date, moment or truth value by its integer."""
    if pa.types.is_boolean(array.type):
        array = array.cast(pa.int8())
    elif pa.types.is_date32(array.type):
        array = array.cast(pa.int32())
    elif pa.types.is_temporal(array.type):
        array = array.cast(pa.int64())
    values = pc.fill_null(array, 0).cast(pa.int64()).to_numpy(zero_copy_only=False)
    return _mix(_mix(values.view(np.uint64).copy()) + seed)


def column_digests(name: str, array: pa.Array) -> np.ndarray:
    """Each value's digest (uint64), 0 for an empty value."""
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind):
        digests = _text_digests(array, _seed(name))
    else:
        digests = _integer_digests(array, _seed(name))
    if array.null_count:
        digests[~np.asarray(array.is_valid().to_numpy(zero_copy_only=False))] = 0
    return digests


def row_fingerprints(record_batch: pa.RecordBatch, columns: list[str]) -> pa.Array:
    """The fingerprint (int64) of each row of ``record_batch`` over ``columns``."""
    total = np.zeros(record_batch.num_rows, np.uint64)
    for name in columns:
        index = record_batch.schema.get_field_index(name)
        if index >= 0:
            total += column_digests(name, record_batch.column(index))
    return pa.array(total.view(np.int64), pa.int64())


_TEXT_SEED = 0x6F76_6461_7461_0001  # any constant: the door's fingerprints are kept


def text_fingerprints(record_batch: pa.RecordBatch, columns: list[str]) -> pa.Array:
    """The fingerprint (int64) of each row of ``record_batch`` over the text of ``columns``, in
    that order; a column the batch lacks counts as empty in every row."""
    size = record_batch.num_rows
    texts = pa.table(
        {
            f"c{n}": record_batch.column(name)
            if name in record_batch.schema.names
            else pa.nulls(size, pa.string())
            for n, name in enumerate(columns)
        }
    )
    digests = pl.from_arrow(texts).hash_rows(seed=_TEXT_SEED)  # type: ignore[union-attr]
    return pa.array(digests.to_numpy().view(np.int64))
