"""Validation at the door (AGG-2): a parsed batch's text values checked against the entry's data
items, column by column with Arrow compute, never a Python loop over every row.

``check_batch`` takes a batch from ``parsers`` (one string column per item and ``_row``) and
returns the accepted rows typed as the item's table stores them (``storage.arrow_type``), the
rejected rows with every reason in the platform's language, and the warnings of accepted rows.
A row is rejected when a required or key item is empty, a value is not of its item's type, a
text is longer than the item allows, an identifier fails its format or check character, or a
value breaks its item's rule (``Rule``: a code list, a pattern, a range). A
birth date or division code that looks wrong in an identifier whose check character is right is
a warning: the number may be real (ARCHITECTURE.md), so the row is kept and the finding reported.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.utils.translation import gettext as _

from govdata.catalog.choices import ItemType

from . import identifiers
from .identifiers import IdFinding
from .parsers import ItemSpec
from .storage import arrow_type

ROW = "_row"
_INTEGER = r"^[+-]?[0-9]{1,18}$"
_DECIMAL = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
_DATE = r"^(?P<y>[0-9]{4})[-/](?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})$"
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATETIME = (
    r"^(?P<y>[0-9]{4})[-/](?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})[T ]"
    r"(?P<t>[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?"
    r"(?P<z>Z|[+-](?P<zh>[0-9]{2}):?(?P<zm>[0-9]{2}))?$"
)
_TRUE = ["1", "true", "t", "yes", "y", "是", "√"]
_FALSE = ["0", "false", "f", "no", "n", "否", "×"]
# Raise it with any change to what the checks accept or how they type a value: a full load
# then checks again rows it would otherwise know unchanged (``services.checks_signature``).
CHECKS_REVISION = 1
# An identifier row is rejected for these findings; the others are warnings.
_REJECTING = IdFinding.FORMAT | IdFinding.CHECK_CHARACTER


@dataclass(frozen=True)
class Rule:
    """An item's rule beyond its type (``models.ItemRule``, kept free of the ORM): the value is one
    of ``codes``, matches ``pattern`` whole (RE2 syntax), lies within ``minimum``..``maximum``
    (numbers, dates and date-times, written as the item's values are)."""

    codes: tuple[str, ...] = ()
    pattern: str = ""
    minimum: str = ""
    maximum: str = ""


@dataclass
class RejectedRow:
    row: int  # the row number in the file
    values: dict[str, Any]
    reasons: list[str]


@dataclass
class Checked:
    accepted: pa.RecordBatch  # item columns, typed for the table
    accepted_rows: pa.Array  # the file's row numbers of the accepted rows
    kept: pa.Array  # which rows of the batch were accepted (boolean)
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (row, message)


def _label(item: ItemSpec) -> str:
    return f"{item.label}（{item.name}）" if item.label else item.name


def _calendar(values: pa.Array, pattern: str, time_format: str) -> pa.Array:
    """Dates (and times) written 2026-1-5, 2026/01/05 or 2026-01-05T09:30:00, parsed; a day the
    calendar does not have (30 February) is null rather than rolled over into the next month."""
    return _calendar_of(pc.extract_regex(values, pattern), time_format)


def _calendar_of(parts: pa.StructArray, time_format: str) -> pa.Array:
    """``_calendar`` of values already split by its pattern (fields y, m, d and perhaps t)."""
    year, month, day = (parts.field(name) for name in ("y", "m", "d"))
    text = pc.binary_join_element_wise(
        year, pc.utf8_lpad(month, 2, "0"), pc.utf8_lpad(day, 2, "0"), "-"
    )
    if time_format:
        text = pc.binary_join_element_wise(text, parts.field("t"), " ")
    parsed = pc.strptime(text, format="%Y-%m-%d" + time_format, unit="us", error_is_null=True)

    def padded(number: pa.Array) -> pa.Array:
        return pc.utf8_lpad(pc.cast(number, pa.string()), 2, "0")

    same_day = pc.and_(
        pc.equal(padded(pc.month(parsed)), pc.utf8_lpad(month, 2, "0")),
        pc.equal(padded(pc.day(parsed)), pc.utf8_lpad(day, 2, "0")),
    )
    return pc.if_else(pc.fill_null(same_day, False), parsed, None)


def _moments(values: pa.Array) -> pa.Array:
    """Date-times as UTC: written with a date as ``_calendar`` reads it, a time, perhaps a
    fraction of a second (to the microsecond) and perhaps a zone (Z, +08:00, +0800), as the
    exports write them; without a zone, the city's local time."""
    parts = pc.extract_regex(values, _DATETIME)
    parsed = _calendar_of(parts, " %H:%M:%S")
    # The fraction as microseconds: its digits padded on the right to six.
    digits = pc.utf8_slice_codeunits(
        pc.binary_join_element_wise(parts.field("f"), "000000", ""), 0, 6
    )
    parsed = pc.add(parsed, pc.cast(pc.cast(digits, pa.int64()), pa.duration("us")))
    local = pc.assume_timezone(
        parsed, settings.TIME_ZONE, ambiguous="earliest", nonexistent="earliest"
    )
    zone = parts.field("z")
    hours = pc.cast(pc.if_else(pc.equal(parts.field("zh"), ""), "0", parts.field("zh")), pa.int64())
    minutes = pc.cast(
        pc.if_else(pc.equal(parts.field("zm"), ""), "0", parts.field("zm")), pa.int64()
    )
    offset = pc.multiply(pc.add(pc.multiply(hours, 60), minutes), 60_000_000)
    offset = pc.if_else(pc.starts_with(zone, "-"), pc.negate(offset), offset)
    zoned = pc.assume_timezone(pc.subtract(parsed, pc.cast(offset, pa.duration("us"))), "UTC")
    utc = pa.timestamp("us", tz="UTC")
    written_with_zone = pc.fill_null(pc.not_equal(zone, ""), False)
    moments = pc.if_else(written_with_zone, pc.cast(zoned, utc), pc.cast(local, utc))
    # An offset is less than a day, in whole minutes of an hour (+24:00 and +08:60 are not).
    possible = pc.and_(pc.less(hours, 24), pc.less(minutes, 60))
    return pc.if_else(pc.fill_null(possible, False), moments, pa.scalar(None, utc))


def _iso_dates(values: pa.Array) -> pa.Array:
    """Dates as ``_calendar`` reads them, ten times faster when every date is written
    YYYY-MM-DD (as most files and every export write them): parsed at once, and a day the
    calendar does not have (2023-02-29 parses as 1 March) found by its month and day."""
    iso = pc.match_substring_regex(values, _ISO_DATE)
    if pc.any(pc.and_(pc.is_valid(values), pc.invert(pc.fill_null(iso, False)))).as_py():
        return _calendar(values, _DATE, "")
    parsed = pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True)
    month = pc.cast(pc.utf8_slice_codeunits(values, 5, 7), pa.int64())
    day = pc.cast(pc.utf8_slice_codeunits(values, 8, 10), pa.int64())
    same_day = pc.and_(pc.equal(pc.month(parsed), month), pc.equal(pc.day(parsed), day))
    return pc.if_else(pc.fill_null(same_day, False), parsed, None)


def _typed(item: ItemSpec, values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The column typed for the table, and a mask of the non-empty values that are not of the
    item's type (their typed value is null)."""
    present = pc.is_valid(values)
    kind = item.item_type
    if kind == ItemType.INTEGER:
        good = pc.match_substring_regex(values, _INTEGER)
        typed = pc.cast(pc.if_else(good, values, None), pa.int64())
    elif kind == ItemType.DECIMAL:
        good = pc.match_substring_regex(values, _DECIMAL)
        typed = pc.if_else(good, values, None)
    elif kind == ItemType.DATE:
        typed = pc.cast(_iso_dates(values), pa.date32())
        good = pc.is_valid(typed)
    elif kind == ItemType.DATETIME:
        typed = _moments(values)
        good = pc.is_valid(typed)
    elif kind == ItemType.BOOLEAN:
        lowered = pc.utf8_lower(values)
        yes = pc.is_in(lowered, value_set=pa.array(_TRUE))
        no = pc.is_in(lowered, value_set=pa.array(_FALSE))
        good = pc.or_(yes, no)
        typed = pc.if_else(good, yes, None)
    else:
        typed, good = values, pc.is_valid(values)
        if item.length:
            good = pc.less_equal(pc.utf8_length(values), item.length)
    bad = pc.and_(present, pc.invert(pc.fill_null(good, False)))
    return typed.cast(arrow_type(kind)), bad


def rule_problems(item: ItemSpec, rule: Rule) -> list[str]:
    """Why a rule cannot be used for the item (empty when it can): a pattern that does not
    compile, a bound that is not a value of the item's type, a range upside down."""
    problems = []
    label = _label(item)
    if rule.pattern:
        try:
            pc.match_substring_regex(pa.array([""]), f"^(?:{rule.pattern})$")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            problems.append(
                _("The pattern of %(item)s is not a valid expression.") % {"item": label}
            )
    if rule.minimum or rule.maximum:
        if item.item_type not in _RANGED:
            problems.append(
                _("%(item)s takes no range: only numbers and dates do.") % {"item": label}
            )
            return problems
        bounds: list[Any] = []
        for bound in (rule.minimum, rule.maximum):
            if not bound:
                bounds.append(None)
                continue
            typed, bad = _typed(item, pa.array([bound]))
            if bad[0].as_py() or not typed[0].is_valid:
                problems.append(
                    _("%(bound)s is not a valid bound for %(item)s.")
                    % {"bound": bound, "item": label}
                )
                bounds.append(None)
            else:
                bounds.append(_comparable(item, typed)[0].as_py())
        low, high = bounds
        if low is not None and high is not None and low > high:
            problems.append(_("The range of %(item)s is upside down.") % {"item": label})
    return problems


_RANGED = (ItemType.INTEGER, ItemType.DECIMAL, ItemType.DATE, ItemType.DATETIME)


def _comparable(item: ItemSpec, typed: pa.Array) -> pa.Array:
    # Decimals stay text in the table; they are compared as numbers.
    if item.item_type == ItemType.DECIMAL:
        return pc.cast(typed, pa.float64())
    return typed


def _rule_failures(item: ItemSpec, rule: Rule, values: pa.Array, typed: pa.Array) -> list[Any]:
    """(mask, message) pairs of the rule's failures among the present values of a column."""
    label = _label(item)
    present = pc.is_valid(values)
    failures: list[Any] = []
    if rule.codes:
        outside = pc.invert(pc.is_in(values, value_set=pa.array(list(rule.codes), pa.string())))
        failures.append(
            (
                pc.and_(present, outside),
                _("%(item)s is not in its code list.") % {"item": label},
            )
        )
    if rule.pattern:
        matches = pc.match_substring_regex(values, f"^(?:{rule.pattern})$")
        failures.append(
            (
                pc.and_(present, pc.invert(pc.fill_null(matches, False))),
                _("%(item)s does not match its pattern.") % {"item": label},
            )
        )
    if item.item_type in _RANGED and (rule.minimum or rule.maximum):
        comparable = _comparable(item, typed)
        for bound, compare, message in (
            (rule.minimum, pc.less, _("%(item)s is below %(bound)s.")),
            (rule.maximum, pc.greater, _("%(item)s is above %(bound)s.")),
        ):
            if not bound:
                continue
            limit = _comparable(item, _typed(item, pa.array([bound]))[0])[0]
            if not limit.is_valid:
                continue
            outside = pc.fill_null(compare(comparable, limit), False)
            failures.append((outside, message % {"item": label, "bound": bound}))
    return failures


def check_batch(
    batch: pa.RecordBatch, items: list[ItemSpec], rules: dict[str, Rule] | None = None
) -> Checked:
    """Check every row of ``batch`` against ``items`` and their ``rules`` (by item name); see the
    module's docstring."""
    n = batch.num_rows
    reasons: dict[int, list[str]] = defaultdict(list)
    warnings: list[tuple[int, str]] = []
    rows = batch.column(ROW) if ROW in batch.schema.names else pa.array(range(1, n + 1))
    typed_columns = []

    def reject(mask: Any, message: str) -> None:
        for position in np.flatnonzero(np.asarray(mask, dtype=bool)):
            reasons[int(position)].append(message)

    for item in items:
        values = (
            batch.column(item.name)
            if item.name in batch.schema.names
            else pa.nulls(n, type=pa.string())
        )
        values = values.cast(pa.string())
        label = _label(item)
        if item.is_key or item.is_required:
            missing = pc.is_null(values).to_numpy(zero_copy_only=False)
            reject(missing, _("%(item)s is required.") % {"item": label})
        if item.item_type in (ItemType.RIC, ItemType.USCC):
            kind = "ric" if item.item_type == ItemType.RIC else "uscc"
            check = (
                identifiers.check_ric_column(values)
                if kind == "ric"
                else identifiers.check_uscc_column(values)
            )
            present = ~check.has(IdFinding.EMPTY)
            refused = present & ((check.codes & np.uint8(_REJECTING)) != 0)
            noted = present & ~refused & (check.codes != 0)
            messages = check.messages()
            for position in np.flatnonzero(refused):
                reasons[int(position)].append(f"{label}: {messages[position]}")
            positions = np.flatnonzero(noted)
            for position, row in zip(positions, rows.take(positions).to_pylist(), strict=True):
                warnings.append((int(row), f"{label}: {messages[position]}"))
            typed = check.normalised.cast(pa.string())
        else:
            typed, bad = _typed(item, values)
            message = (
                _("%(item)s is longer than %(n)d characters.") % {"item": label, "n": item.length}
                if item.item_type == ItemType.STRING and item.length
                else _("%(item)s is not a valid %(type)s.")
                % {"item": label, "type": ItemType(item.item_type).label}
            )
            reject(bad.to_numpy(zero_copy_only=False), message)
        rule = (rules or {}).get(item.name)
        if rule is not None:
            for mask, failure in _rule_failures(item, rule, values, typed):
                reject(mask.to_numpy(zero_copy_only=False), failure)
        typed_columns.append(typed)

    keep = np.ones(n, dtype=bool)
    keep[list(reasons)] = False
    mask = pa.array(keep)
    accepted = pa.RecordBatch.from_arrays(
        [pc.filter(column, mask) for column in typed_columns], names=[i.name for i in items]
    )
    # The rejected rows are taken out whole, not value by value (a bad file has many).
    order = pa.array(sorted(reasons), pa.int64())
    sent = batch.take(order).to_pylist()
    rejected = [
        RejectedRow(
            row=int(row),
            values={name: value for name, value in values.items() if name != ROW},
            reasons=reasons[index],
        )
        for index, row, values in zip(
            order.to_pylist(), rows.take(order).to_pylist(), sent, strict=True
        )
    ]
    return Checked(accepted, pc.filter(rows, mask), mask, rejected, warnings)


def rejected_rows_csv(rejected: list[RejectedRow], items: list[ItemSpec]) -> bytes:
    """The rejected rows as the file a department downloads to correct and send again (AGG-2):
    the row number in their file, the values as they sent them under the items' Chinese labels,
    and the reasons. UTF-8 with a byte-order mark, so that spreadsheet programs read the
    Chinese right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Row"), *(item.label or item.name for item in items), _("Reasons")])
    for row in rejected:
        values = [row.values.get(item.name) for item in items]
        writer.writerow(
            [row.row, *("" if v is None else v for v in values), "；".join(row.reasons)]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
