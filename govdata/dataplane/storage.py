# SQL is built from quoted identifiers (item names checked by the catalog); values are parameters.
# ruff: noqa: S608
"""The storage engine of the gathered data: a typed table per resource with row history (AGG-6).

Each catalog resource with data gets its own table ``dp_r<resource id>``, one column per data
item of its live version, keyed by the key items. Every row carries ``_batch_from`` (the batch
that wrote this version of the row) and ``_batch_to`` (the batch that replaced or deleted it;
NULL while current).

* The current state is the rows with ``_batch_to IS NULL`` (a unique partial index on the key).
* The state as of batch B is ``_batch_from <= B AND (_batch_to IS NULL OR _batch_to > B)``.
* The first load into an empty table writes the rows (COPY of CSV written by Arrow on
  PostgreSQL, batched executemany on SQLite) before it builds the table's indexes, as a bulk
  load does. A later full load joins the incoming rows' keys and fingerprints (``_fp``,
  fingerprints.py) with the current rows' in Arrow and stages only the rows that are new or
  whose fingerprint differs; a few set-based statements then compare those with the current
  rows column by column (NULL-safe) and write what changed. Unchanged rows write nothing. A
  change set is staged whole and applied the same way.
* Undo writes new row versions (it never rewrites history), so every earlier state stays
  readable.

This module is a mechanism: it checks no permission. Callers (the channel services) check that
the actor may load into the resource before calling, and pass the actor for the record.

Decisions:

* Everything one load does — staging, the diff, the Batch row, the audit entry — runs in one
  transaction. A load that fails for an unexpected reason (an error in the rows, the database)
  is rolled back whole and then recorded as a ``failed`` batch in a transaction of its own, so
  the channel can show what happened; a load refused by the rules (``Invalid``: duplicate or
  missing keys, unknown columns) writes nothing at all.
* Text items (string, RIC, USCC) are ``text`` columns: lengths are checked when data are parsed,
  and a longer length in a new version then needs no table change.
* A new version may change an item's type only when it widens safely: RIC or USCC to string,
  integer to decimal. Any other change is refused with the item's name; so is a change of the
  key items (the key is the row's identity).
* Only the latest committed batch can be undone: an earlier one would have to be unpicked from
  the batches that followed it. Undoing an undo redoes the batch.
* Rows are compared by their visible columns only: a column added by a new version is NULL in
  earlier rows and in a load that leaves it out, so those rows stay unchanged; a hidden column is
  not compared. Decimals are kept in one canonical text ("2.50" = "2.5"); on SQLite they are
  compared as text, so a widened integer column compares equal to the same decimal.
* On SQLite, date-times are stored as UTC ISO text of a fixed width (sorting is chronological)
  and booleans as 0/1.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from govdata.catalog.choices import ItemType
from govdata.catalog.models import Resource, ResourceVersion
from govdata.core import audit
from govdata.core.actors import ActorRef, Auditable, as_ref
from govdata.core.errors import Conflict, Invalid, ServiceError

from .fingerprints import row_fingerprints
from .models import Batch, BatchChannel, BatchKind, BatchStatus, ResourceTable

logger = logging.getLogger(__name__)

CHUNK_ROWS = 10_000
STAGE = "_dp_stage"
STAGE_KEYS = "_dp_stage_keys"
CLOSE = "_dp_close"
FINGERPRINT = "_fp"  # the row's fingerprint over its compared columns (fingerprints.py)

# Widening type changes a new version may make without touching the stored values (see above).
SAFE_WIDENINGS = {
    (ItemType.RIC, ItemType.STRING),
    (ItemType.USCC, ItemType.STRING),
    (ItemType.INTEGER, ItemType.DECIMAL),
}

Rows = Iterable[pa.RecordBatch] | Iterable[dict[str, Any]]
Rejected = int | Callable[[], int]


# --- Types ----------------------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def sql_type(item_type: str) -> str:
    """The column type of an item type on the database in use."""
    if item_type in (ItemType.STRING, ItemType.RIC, ItemType.USCC):
        return 'text COLLATE "C"' if _postgres() else "text"
    if item_type == ItemType.INTEGER:
        return "bigint"
    if item_type == ItemType.DECIMAL:
        # SQLite's numeric affinity would round past 15 digits: there the canonical text stays.
        return "numeric" if _postgres() else "text"
    if item_type == ItemType.DATE:
        return "date"
    if item_type == ItemType.DATETIME:
        return "timestamp with time zone" if _postgres() else "text"
    if item_type == ItemType.BOOLEAN:
        return "boolean" if _postgres() else "integer"
    raise ValueError(item_type)


def arrow_type(item_type: str) -> pa.DataType:
    """How the values of an item travel between the parser and the table."""
    if item_type == ItemType.INTEGER:
        return pa.int64()
    if item_type == ItemType.DATE:
        return pa.date32()
    if item_type == ItemType.DATETIME:
        return pa.timestamp("us", tz="UTC")
    if item_type == ItemType.BOOLEAN:
        return pa.bool_()
    # Decimals travel as their text so that no precision is lost on the way.
    return pa.string()


def q(name: str) -> str:
    return connection.ops.quote_name(name)


# --- The table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """The columns of a resource's table: the visible ones (in item order), the key, all."""

    table: str
    visible: list[str]
    key: list[str]
    types: dict[str, str]
    all_columns: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, table: ResourceTable) -> Layout:
        columns = table.columns
        return cls(
            table=table.table_name,
            visible=[n for n, c in columns.items() if not c["hidden"]],
            key=[n for n, c in columns.items() if c["key"]],
            types={n: c["type"] for n, c in columns.items()},
            all_columns=list(columns),
        )

    @property
    def compared(self) -> list[str]:
        """The columns whose values tell whether a row changed: the visible ones off the key."""
        return [n for n in self.visible if n not in self.key]

    def schema(self) -> pa.Schema:
        return pa.schema([(n, arrow_type(self.types[n])) for n in self.visible])


def _items(version: ResourceVersion) -> list[Any]:
    return list(version.items.order_by("position"))


def _column(item: Any) -> dict[str, Any]:
    return {
        "type": item.item_type,
        "sql": sql_type(item.item_type),
        "hidden": False,
        "key": item.is_key,
    }


def ensure_table(resource: Resource) -> ResourceTable:
    """Create the resource's table from its live version, or bring it up to a newer live version
    (new item: a new column, NULL in earlier rows; removed item: hidden, kept; safe widening:
    allowed; other type or key changes: refused with ``Invalid``)."""
    version = resource.live_version
    if version is None:
        raise Invalid(
            _("The entry has not been published; it holds no data yet."), code="unpublished"
        )
    with transaction.atomic():
        table = ResourceTable.objects.select_for_update().filter(resource=resource).first()
        if table is not None and table.version_id == version.pk:
            return table
        # Two first loads at once: the second waits here and then finds the table made.
        Resource.objects.select_for_update().filter(pk=resource.pk).first()
        table = ResourceTable.objects.select_for_update().filter(resource=resource).first()
        if table is not None and table.version_id == version.pk:
            return table
        items = _items(version)
        if table is None:
            return _create_table(resource, version, items)
        return _alter_table(table, version, items)


def _create_table(resource: Resource, version: ResourceVersion, items: list[Any]) -> ResourceTable:
    name = f"dp_r{resource.pk}"
    columns = {item.name: _column(item) for item in items}
    key = [n for n, c in columns.items() if c["key"]]
    if not key:
        raise Invalid(_("The entry has no key item; its data cannot be stored."), code="no_key")
    identity = (
        "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        if _postgres()
        else "integer PRIMARY KEY AUTOINCREMENT"
    )
    definitions = [
        f"{q('_id')} {identity}",
        f"{q('_batch_from')} bigint NOT NULL",
        f"{q('_batch_to')} bigint NULL",
        f"{q(FINGERPRINT)} bigint NULL",
    ] + [f"{q(n)} {c['sql']} NULL" for n, c in columns.items()]
    with connection.cursor() as cursor:
        if name in connection.introspection.table_names(cursor):
            # A table no ResourceTable describes is left from a flushed database (Django's flush
            # empties the models' tables only): its rows belong to no batch, so it goes.
            logger.warning("dropping the orphan data table %s", name)
            cursor.execute(f"DROP TABLE {q(name)}")
        cursor.execute(f"CREATE TABLE {q(name)} ({', '.join(definitions)})")
        for statement in _index_statements(name, key).values():
            cursor.execute(statement)
    now = timezone.now()
    return ResourceTable.objects.create(
        resource=resource,
        table_name=name,
        columns=columns,
        version=version,
        created_at=now,
        updated_at=now,
    )


def _index_statements(name: str, key: list[str]) -> dict[str, str]:
    """The table's indexes by their names' ends: the key among current rows (unique), and the
    batch columns that the history reads use. ``_batch_to`` is indexed where set only: the
    index holds closed rows, costs a first load nothing, and no planner takes it for the
    current rows.
    On PostgreSQL ``_batch_from`` gets a BRIN index: rows are appended batch after batch, so
    ranges of pages summarise it, built in one pass without a sort."""
    key_sql = ", ".join(q(k) for k in key)
    batch_from = "USING brin " if _postgres() else ""
    return {
        "_current": f"CREATE UNIQUE INDEX {q(name + '_current')} ON {q(name)} ({key_sql}) "
        f"WHERE {q('_batch_to')} IS NULL",
        "_from": f"CREATE INDEX {q(name + '_from')} ON {q(name)} {batch_from}({q('_batch_from')})",
        "_to": f"CREATE INDEX {q(name + '_to')} ON {q(name)} ({q('_batch_to')}) "
        f"WHERE {q('_batch_to')} IS NOT NULL",
    }


def _alter_table(table: ResourceTable, version: ResourceVersion, items: list[Any]) -> ResourceTable:
    old: dict[str, Any] = table.columns
    new_key = sorted(i.name for i in items if i.is_key)
    old_key = sorted(n for n, c in old.items() if c["key"])
    if new_key != old_key:
        raise Invalid(
            _("The key items changed (%(old)s → %(new)s); the key is what identifies a row.")
            % {"old": ", ".join(old_key), "new": ", ".join(new_key)},
            code="key_changed",
        )
    columns: dict[str, Any] = {}
    statements: list[str] = []
    for item in items:
        before = old.get(item.name)
        if before is None:
            columns[item.name] = _column(item)
            statements.append(
                f"ALTER TABLE {q(table.table_name)} ADD COLUMN {q(item.name)} "
                f"{sql_type(item.item_type)} NULL"
            )
            continue
        if before["type"] != item.item_type:
            if (before["type"], item.item_type) not in SAFE_WIDENINGS:
                raise Invalid(
                    _(
                        "The type of item %(item)s cannot change from %(old)s to %(new)s: "
                        "the stored values would not fit."
                    )
                    % {"item": item.name, "old": before["type"], "new": item.item_type},
                    code="type_changed",
                    fields={item.name: _("Type change refused.")},
                )
            new_sql = sql_type(item.item_type)
            if _postgres() and new_sql != before["sql"]:
                statements.append(
                    f"ALTER TABLE {q(table.table_name)} ALTER COLUMN {q(item.name)} "
                    f"TYPE {new_sql} USING {q(item.name)}::{new_sql}"
                )
            columns[item.name] = {**_column(item), "sql": new_sql}
        else:
            columns[item.name] = {**before, "hidden": False}
    for name, before in old.items():
        if name not in columns:
            columns[name] = {**before, "hidden": True}
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    table.columns = columns
    table.version = version
    table.checked_under = ""  # the new version's checks have not been run on the rows
    table.updated_at = timezone.now()
    table.save(update_fields=["columns", "version", "checked_under", "updated_at"])
    return table


def table_of(resource: Resource) -> ResourceTable | None:
    return ResourceTable.objects.filter(resource=resource).first()


# --- Rows in -------------------------------------------------------------------------------------


def _batches(rows: Rows, layout: Layout) -> Iterator[pa.RecordBatch]:
    """The incoming rows as record batches of the table's schema, one at a time (a parser's
    record batches pass through; dicts are gathered in chunks of ``CHUNK_ROWS``)."""
    schema = layout.schema()
    allowed = set(layout.visible)
    decimals = [k for k in layout.visible if layout.types[k] == ItemType.DECIMAL]
    iterator: Iterator[Any] = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    iterator = itertools.chain([first], iterator)
    if isinstance(first, pa.RecordBatch):
        for record_batch in iterator:
            yield conform(record_batch, layout)
        return
    while chunk := list(itertools.islice(iterator, CHUNK_ROWS)):
        unknown = set().union(*(d.keys() for d in chunk)) - allowed
        if unknown:
            _refuse_unknown(unknown)
        prepared = [
            {**d, **{k: decimal_text(d[k]) for k in decimals if d.get(k) is not None}}
            for d in chunk
        ]
        yield pa.RecordBatch.from_pylist(prepared, schema=schema)


def decimal_text(value: Any) -> str:
    """One text per decimal number ("2.50" and "2.5" are the same value, the same digest)."""
    number = decimal.Decimal(str(value))
    if not number.is_finite():
        raise Invalid(_("%(value)s is not a number.") % {"value": value}, code="bad_decimal")
    text = format(number.normalize(_EXACT), "f")
    return "0" if text in ("-0", "") else text


# normalize() rounds to the context's precision; a decimal item's value is never rounded.
_EXACT = decimal.Context(prec=10_000)
_DECIMAL_PARTS = r"^(?P<sign>[+-]?)(?P<whole>[0-9]*)(?:\.(?P<fraction>[0-9]*))?$"


def decimal_texts(values: pa.Array) -> pa.Array:
    """``decimal_text`` of a whole column in Arrow: sign, leading and trailing zeros dropped
    ("+007.50" → "7.5", "-0.0" → "0"). Values written otherwise (an exponent) go through
    ``decimal_text`` one by one."""
    text = values.cast(pa.string())
    parts = pc.extract_regex(text, _DECIMAL_PARTS)
    whole = pc.utf8_ltrim(parts.field("whole"), "0")
    fraction = pc.utf8_rtrim(parts.field("fraction"), "0")
    digits = pc.greater(
        pc.add(pc.utf8_length(parts.field("whole")), pc.utf8_length(parts.field("fraction"))), 0
    )
    whole = pc.if_else(pc.equal(whole, ""), "0", whole)
    body = pc.if_else(
        pc.equal(fraction, ""), whole, pc.binary_join_element_wise(whole, fraction, ".")
    )
    negative = pc.and_(pc.equal(parts.field("sign"), "-"), pc.not_equal(body, "0"))
    result = pc.if_else(negative, pc.binary_join_element_wise("-", body, ""), body)
    # A struct's fields ignore its nulls: an empty value stays empty.
    result = pc.if_else(pc.is_valid(text), result, pa.scalar(None, pa.string()))
    written_otherwise = pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(digits, False)))
    if pc.any(written_otherwise).as_py():
        exact = result.to_pylist()
        for index in pc.indices_nonzero(written_otherwise).to_pylist():
            exact[index] = decimal_text(text[index].as_py())
        return pa.array(exact, pa.string())
    return result


def _refuse_unknown(unknown: set[str]) -> None:
    raise Invalid(
        _("These columns are not data items of the entry: %(names)s.")
        % {"names": ", ".join(sorted(unknown)[:10])},
        code="unknown_columns",
    )


def conform(record_batch: pa.RecordBatch, layout: Layout) -> pa.RecordBatch:
    """A parser's record batch as the table's schema (missing items NULL, unknown refused)."""
    schema = layout.schema()
    unknown = set(record_batch.schema.names) - set(layout.visible) - {FINGERPRINT}
    if unknown:
        _refuse_unknown(unknown)
    if FINGERPRINT in record_batch.schema.names:
        schema = schema.append(pa.field(FINGERPRINT, pa.int64()))
    arrays = []
    for target in schema:
        index = record_batch.schema.get_field_index(target.name)
        if index < 0:
            arrays.append(pa.nulls(record_batch.num_rows, type=target.type))
        elif layout.types.get(target.name) == ItemType.DECIMAL:
            arrays.append(decimal_texts(record_batch.column(index)))
        else:
            arrays.append(record_batch.column(index).cast(target.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def fingerprinted(record_batch: pa.RecordBatch, layout: Layout) -> tuple[pa.Array, pa.RecordBatch]:
    """The rows' fingerprints and the rows without them: those the door took from the text the
    rows were read from (``FINGERPRINT`` column), or else made here from the typed values."""
    index = record_batch.schema.get_field_index(FINGERPRINT)
    if index < 0:
        return row_fingerprints(record_batch, layout.compared), record_batch
    return record_batch.column(index), record_batch.remove_column(index)


@dataclass
class Unchanged:
    """What the door (services.py) found of a full load's rows identical to current rows, by
    their fingerprints (``current_digests``), and did not pass on. Every other current row
    is ``unseen``: the rows passed on name it by key, or the load leaves it out."""

    as_of: int  # the table's last batch number when the current rows were read
    kept: int  # how many incoming rows were identical to current rows
    unseen: np.ndarray  # the ids of the current rows no incoming row was identical to


# An ``Unchanged``, or a function that tells it once the rows are read (the door may still be
# reading them); None: the door did not look.
DoorFinding: TypeAlias = Unchanged | Callable[[], Unchanged] | None


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime(_SQLITE_DATETIME)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


# Fixed width, so that text order is time order: 2026-11-30T01:30:00.000000+00:00.
_SQLITE_DATETIME = "%Y-%m-%dT%H:%M:%S.%f+00:00"


def _sqlite_column(column: pa.Array) -> list[Any]:
    """A column as the values SQLite stores, converted by Arrow, not value by value."""
    if pa.types.is_timestamp(column.type):
        column = pc.strftime(column.cast(pa.timestamp("us", tz="UTC")), "%Y-%m-%dT%H:%M:%S+00:00")
    elif pa.types.is_date(column.type):
        column = column.cast(pa.string())
    elif pa.types.is_boolean(column.type):
        column = column.cast(pa.int8())
    return column.to_pylist()


def _create_stage(cursor: Any, name: str, layout: Layout, columns: list[str]) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {q(name)}")
    definitions = [f"{q('_seq')} bigint", f"{q(FINGERPRINT)} bigint"] + [
        f"{q(n)} {sql_type(layout.types[n])}" for n in columns
    ]
    cursor.execute(f"CREATE TEMPORARY TABLE {q(name)} ({', '.join(definitions)})")


_CSV = pacsv.WriteOptions(include_header=False, quoting_style="needed")


def _write_rows(
    cursor: Any,
    target: str,
    lead: str,
    first: int | None,
    rows: Rows,
    layout: Layout,
    *,
    first_id: int | None = None,
) -> int:
    """Write the incoming rows into ``target``'s visible columns, their fingerprints and
    ``lead``: every row gets ``first`` there, or with ``first`` None its position in the load
    (0, 1, …); the count. With ``first_id`` (PostgreSQL) the rows' ``_id`` are numbered from
    it rather than drawn from the table's sequence."""
    columns = [lead, FINGERPRINT, *layout.visible]
    if first_id is not None:
        columns.insert(0, "_id")
    column_sql = ", ".join(q(c) for c in columns)
    count = 0
    if _postgres():
        # Arrow writes each batch as CSV (NULL unquoted and empty, text quoted), which COPY
        # reads at the database's own speed: no Python work per row.
        raw = cursor.cursor
        statement = f"COPY {q(target)} ({column_sql}) FROM STDIN WITH (FORMAT csv)"
        # A writer thread sends the data while this one fingerprints and writes the next batch:
        # the database parses one batch as the next is made.
        with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
            for record_batch in _batches(rows, layout):
                size = record_batch.num_rows
                digests, values = fingerprinted(record_batch, layout)
                table = (
                    pa.Table.from_batches([values])
                    .add_column(0, FINGERPRINT, digests)
                    .add_column(0, lead, _lead(first, count, size))
                )
                if first_id is not None:
                    table = table.add_column(0, "_id", _lead(None, first_id + count, size))
                buffer = io.BytesIO()
                pacsv.write_csv(table, buffer, _CSV)
                copy.write(buffer.getbuffer())
                count += size
    else:
        marks = ", ".join(["%s"] * len(columns))
        insert = f"INSERT INTO {q(target)} ({column_sql}) VALUES ({marks})"
        for record_batch in _batches(rows, layout):
            size = record_batch.num_rows
            digests, record_batch = fingerprinted(record_batch, layout)
            values = [_sqlite_column(c) for c in record_batch.columns]
            numbers = _lead(first, count, size).to_pylist()
            digests = digests.to_pylist()
            cursor.executemany(insert, list(zip(numbers, digests, *values, strict=True)))
            count += size
    return count


def _lead(first: int | None, count: int, size: int) -> pa.Array:
    if first is None:
        return pa.array(range(count, count + size), pa.int64())
    return pa.repeat(pa.scalar(first, pa.int64()), size)


def _stage(rows: Rows, layout: Layout) -> int:
    """Write the incoming rows into the staging table; return how many were read."""
    with connection.cursor() as cursor:
        _create_stage(cursor, STAGE, layout, layout.visible)
        count = _write_rows(cursor, STAGE, "_seq", None, rows, layout)
        _check_keys(cursor, STAGE, layout)
    return count


def _is_empty(layout: Layout) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {q(layout.table)} LIMIT 1")
        return cursor.fetchone() is None


def _first_load(rows: Rows, layout: Layout, batch: Batch) -> None:
    """A full load into an empty table writes the rows straight into it, then builds the
    indexes over them, as a bulk load does; the unique key index refuses duplicate keys. On
    PostgreSQL the primary key goes too, and the rows are numbered here rather than drawn from
    the table's sequence one by one: the key's upkeep and the draws cost COPY a third of its
    time."""
    table = layout.table
    # The index of closed rows stays: a first load closes nothing, so it costs COPY nothing.
    indexes = [v for k, v in _index_statements(table, layout.key).items() if k != "_to"]
    first_id = None
    with connection.cursor() as cursor:
        for index in ("_current", "_from"):
            cursor.execute(f"DROP INDEX {q(table + index)}")
        if _postgres():
            primary = q(table + "_pkey")
            cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {primary}")
            indexes.append(f"ALTER TABLE {q(table)} ADD CONSTRAINT {primary} PRIMARY KEY (_id)")
            # The load holds the lock on the table's row: no one else draws from its sequence.
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, '_id'))", [q(table)])
            first_id = cursor.fetchone()[0]
        batch.rows_read = _write_rows(
            cursor,
            table,
            "_batch_from",
            batch.number,
            rows,
            layout,
            first_id=first_id,
        )
        if first_id is not None and batch.rows_read:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, '_id'), %s)",
                [q(table), first_id + batch.rows_read - 1],
            )
        _check_keys(cursor, table, layout, index=False)
        for statement in indexes:
            try:
                with transaction.atomic():
                    cursor.execute(statement)
            except IntegrityError:
                _refuse_duplicates(cursor, table, layout)
        if _postgres():
            # The next load looks a few thousand rows up by key and id: without statistics
            # (autovacuum gathers them later) PostgreSQL would rather scan the whole table.
            # Only the columns those plans look at: a third of the time of the whole table's.
            looked_at = ", ".join(q(c) for c in ["_id", "_batch_to", *layout.key])
            cursor.execute(f"ANALYZE {q(table)} ({looked_at})")
    batch.rows_inserted = batch.rows_read
    batch.rows_updated = batch.rows_deleted = batch.rows_unchanged = 0


def _check_keys(cursor: Any, name: str, layout: Layout, *, index: bool = True) -> None:
    """Refuse a load with a missing key value or a key given twice (nothing written). A unique
    index on the staged keys finds duplicates in the pass that builds it; the diff joins on it.
    Without ``index`` only missing keys are looked for (the caller's index finds the rest)."""
    key_sql = ", ".join(q(k) for k in layout.key)
    missing = " OR ".join(f"{q(k)} IS NULL" for k in layout.key)
    cursor.execute(f"SELECT count(*) FROM {q(name)} WHERE {missing}")
    if cursor.fetchone()[0]:
        raise _missing_key(layout)
    if not index:
        return
    try:
        with transaction.atomic():
            cursor.execute(f"CREATE UNIQUE INDEX {q(name + '_key')} ON {q(name)} ({key_sql})")
    except IntegrityError:
        _refuse_duplicates(cursor, name, layout)
    if _postgres():
        cursor.execute(f"ANALYZE {q(name)}")


def _refuse_duplicates(cursor: Any, name: str, layout: Layout) -> None:
    key_sql = ", ".join(q(k) for k in layout.key)
    cursor.execute(
        f"SELECT {key_sql} FROM {q(name)} GROUP BY {key_sql} HAVING count(*) > 1 LIMIT 5"
    )
    raise duplicate_keys(cursor.fetchall())


def _missing_key(layout: Layout) -> Invalid:
    return Invalid(
        _("Some rows have no value for a key item (%(key)s).") % {"key": ", ".join(layout.key)},
        code="missing_key",
    )


def duplicate_keys(examples: Iterable[Sequence[Any]]) -> Invalid:
    """The refusal of a load that gives a key twice (``examples``: a few keys' values)."""
    shown = "; ".join(", ".join(str(v) for v in row) for row in examples)
    return Invalid(
        _("The same key appears more than once in the load: %(keys)s.") % {"keys": shown},
        code="duplicate_keys",
    )


def _key_match(left: str, right: str, key: list[str]) -> str:
    return " AND ".join(f"{left}.{q(k)} = {right}.{q(k)}" for k in key)


# --- Loads ---------------------------------------------------------------------------------------


def _open_batch(
    table: ResourceTable,
    resource: Resource,
    *,
    kind: str,
    channel: str,
    actor: Auditable | ActorRef,
    source_name: str,
    checksum: str,
    undoes: Batch | None = None,
) -> Batch:
    """The next numbered batch of the resource, under the lock on its table row."""
    locked = ResourceTable.objects.select_for_update().get(pk=table.pk)
    locked.last_number += 1
    locked.save(update_fields=["last_number"])
    ref = as_ref(actor)
    return Batch.objects.create(
        resource=resource,
        number=locked.last_number,
        kind=kind,
        channel=channel,
        status=BatchStatus.RUNNING,
        actor_kind=ref.kind,
        actor_id=str(ref.id)[:64],
        actor_label=ref.label[:200],
        organisation_id=ref.organisation_id,
        started_at=timezone.now(),
        source_name=source_name[:255],
        checksum=checksum,
        undoes=undoes,
    )


def _commit(batch: Batch, actor: Auditable | ActorRef, action: str) -> Batch:
    batch.status = BatchStatus.COMMITTED
    batch.finished_at = timezone.now()
    batch.save()
    audit.record(
        actor=actor,
        action=action,
        object_type="dataplane.batch",
        object_id=batch.pk,
        details={
            "resource": batch.resource.code,
            "number": batch.number,
            "kind": batch.kind,
            "channel": batch.channel,
            "source": batch.source_name,
            "checksum": batch.checksum,
            "read": batch.rows_read,
            "inserted": batch.rows_inserted,
            "updated": batch.rows_updated,
            "deleted": batch.rows_deleted,
            "unchanged": batch.rows_unchanged,
            "rejected": batch.rows_rejected,
            "undoes": batch.undoes.number if batch.undoes else None,
        },
    )
    return batch


def _record_failure(
    resource: Resource,
    *,
    kind: str,
    channel: str,
    actor: Auditable | ActorRef,
    source_name: str,
    checksum: str,
    error: Exception,
) -> None:
    """After the rollback, keep a trace of a load that broke (not of one refused by the rules)."""
    table = table_of(resource)
    if table is None:
        return
    with transaction.atomic():
        batch = _open_batch(
            table,
            resource,
            kind=kind,
            channel=channel,
            actor=actor,
            source_name=source_name,
            checksum=checksum,
        )
        batch.status = BatchStatus.FAILED
        batch.finished_at = timezone.now()
        batch.error = f"{type(error).__name__}: {error}"[:500]
        batch.save(update_fields=["status", "finished_at", "error"])


def load_full(
    resource: Resource,
    rows: Rows,
    *,
    actor: Auditable | ActorRef,
    channel: str = BatchChannel.UPLOAD,
    source_name: str = "",
    checksum: str = "",
    rejected: Rejected = 0,
    unchanged: DoorFinding = None,
    checked_under: str = "",
) -> Batch:
    """Replace the resource's data with ``rows`` (AGG-6): diffed by key against the current
    state, so unchanged rows write nothing, changed rows get a new version, absent rows are
    closed. One transaction. Precondition: the caller has checked the actor may load here;
    ``rows`` hold parsed, valid values (``rejected`` counts those the parser set aside, or is
    a function that tells once ``rows`` are read: the rows may still be being checked).

    ``checked_under`` names the checks every row passed (``ResourceTable.checked_under``).
    With ``unchanged`` the door read the current rows' fingerprints and left out of ``rows``
    those identical to current rows checked under the same (none, it may be) — refused with
    ``Conflict`` if a batch committed since."""
    return _load(
        resource,
        rows,
        None,
        kind=BatchKind.FULL,
        actor=actor,
        channel=channel,
        source_name=source_name,
        checksum=checksum,
        rejected=rejected,
        unchanged=unchanged,
        checked_under=checked_under,
    )


def apply_changes(
    resource: Resource,
    upserts: Rows,
    deletes: Sequence[dict[str, Any]],
    *,
    actor: Auditable | ActorRef,
    channel: str = BatchChannel.PUSH,
    source_name: str = "",
    checksum: str = "",
    rejected: Rejected = 0,
    checked_under: str = "",
) -> Batch:
    """Apply a change set by key: ``upserts`` insert or replace rows, ``deletes`` (key values)
    close them; rows not named stay as they are. A key both upserted and deleted is refused;
    deleting a key that is not current changes nothing. Same preconditions and
    ``checked_under`` as ``load_full``."""
    return _load(
        resource,
        upserts,
        list(deletes),
        kind=BatchKind.CHANGES,
        actor=actor,
        channel=channel,
        source_name=source_name,
        checksum=checksum,
        rejected=rejected,
        checked_under=checked_under,
    )


def _load(
    resource: Resource,
    rows: Rows,
    deletes: list[dict[str, Any]] | None,
    *,
    kind: str,
    actor: Auditable | ActorRef,
    channel: str,
    source_name: str,
    checksum: str,
    rejected: Rejected,
    unchanged: DoorFinding = None,
    checked_under: str = "",
) -> Batch:
    try:
        with transaction.atomic():
            table = ensure_table(resource)
            layout = Layout.of(table)
            batch = _open_batch(
                table,
                resource,
                kind=kind,
                channel=channel,
                actor=actor,
                source_name=source_name,
                checksum=checksum,
            )
            if deletes is None and unchanged is not None:
                _apply(batch, layout, closing=_door_diff(rows, layout, batch, unchanged))
            elif deletes is None and _is_empty(layout):
                _first_load(rows, layout, batch)
            elif deletes is None:
                _apply(batch, layout, closing=_full_diff(rows, layout, batch))
            else:
                batch.rows_read = _stage(rows, layout)
                _stage_deletes(deletes, layout)
                _apply(batch, layout, closing=None)
            _drop_stage()
            # After a full load every current row passed its checks; after a change set, only
            # if the rows it kept had passed the same ones.
            if deletes is not None and _checked_under(layout) != checked_under:
                checked_under = ""
            ResourceTable.objects.filter(pk=table.pk).update(checked_under=checked_under)
            batch.rows_rejected = rejected() if callable(rejected) else rejected
            return _commit(batch, actor, "dataplane.batch.commit")
    except ServiceError:
        raise
    except Exception as error:
        try:
            _record_failure(
                resource,
                kind=kind,
                channel=channel,
                actor=actor,
                source_name=source_name,
                checksum=checksum,
                error=error,
            )
        except Exception:  # the trace is a courtesy; never hide the load's own error
            logger.exception("could not record the failed load of resource %s", resource.pk)
        raise


def _stage_deletes(deletes: list[dict[str, Any]], layout: Layout) -> None:
    key_sql = ", ".join(q(k) for k in layout.key)
    with connection.cursor() as cursor:
        _create_stage(cursor, STAGE_KEYS, layout, layout.key)
        marks = ", ".join(["%s"] * (len(layout.key) + 1))
        values = []
        for index, key in enumerate(deletes):
            if set(key) != set(layout.key):
                raise Invalid(
                    _("A deletion names the key items %(key)s and nothing else.")
                    % {"key": ", ".join(layout.key)},
                    code="bad_delete_key",
                )
            row = [key[k] for k in layout.key]
            if not _postgres():
                row = [_sqlite_value(v) for v in row]
            values.append((index, *row))
        cursor.executemany(
            f"INSERT INTO {q(STAGE_KEYS)} ({q('_seq')}, {key_sql}) VALUES ({marks})",
            values,
        )
        _check_keys(cursor, STAGE_KEYS, layout)
        cursor.execute(
            f"SELECT count(*) FROM {q(STAGE_KEYS)} d WHERE EXISTS "
            f"(SELECT 1 FROM {q(STAGE)} s WHERE {_key_match('s', 'd', layout.key)})"
        )
        if cursor.fetchone()[0]:
            raise Invalid(
                _("A change set cannot both write and delete the same key."),
                code="write_and_delete",
            )


def _drop_stage() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {q(STAGE)}")
        cursor.execute(f"DROP TABLE IF EXISTS {q(STAGE_KEYS)}")


def _differs(layout: Layout, left: str, right: str) -> str:
    """SQL true when two rows differ in a visible non-key column (NULL-safe)."""
    tests = []
    for column in layout.visible:
        if column in layout.key:
            continue
        a, b = f"{left}.{q(column)}", f"{right}.{q(column)}"
        if not _postgres() and layout.types[column] == ItemType.DECIMAL:
            a, b = f"CAST({a} AS TEXT)", f"CAST({b} AS TEXT)"
        tests.append(_distinct(a, b))
    return "(" + " OR ".join(tests) + ")" if tests else "(1 = 0)"


def _checked_under(layout: Layout) -> str:
    """The table's ``checked_under`` as it stands (under the lock ``_open_batch`` took)."""
    return ResourceTable.objects.values_list("checked_under", flat=True).get(
        table_name=layout.table
    )


def _full_diff(rows: Rows, layout: Layout, batch: Batch) -> pa.Array:
    """A full load into a table that holds rows. The incoming rows' fingerprints are joined
    by key with the current rows' in Arrow: only the rows that are new or whose fingerprint
    differs are staged (``_apply`` then compares them exactly). Returns the ids of the current
    rows the load leaves out. An unchanged row costs no write at all."""
    read_current = _current_index(layout)
    record_batches: list[pa.RecordBatch] = []
    parts: list[pa.RecordBatch] = []
    # The current rows are read on a helper thread over this connection, idle meanwhile, while
    # the incoming rows are fingerprinted here as they arrive (a job may still be reading its
    # file): both spend their time in code that releases the GIL (the database driver, Arrow,
    # numpy), so the two cores share the work.
    with connection.cursor() as cursor, ThreadPoolExecutor(max_workers=1) as helper:
        reading = helper.submit(read_current, cursor.cursor)
        count = 0
        for record_batch in _batches(rows, layout):
            parts.append(_index_part(record_batch, layout, count))
            record_batches.append(record_batch)
            count += record_batch.num_rows
        incoming = pa.Table.from_batches(parts, schema=_index_schema(layout))
        _refuse_bad_keys(incoming, layout)
        current = reading.result()
    joined = incoming.join(current, layout.key, join_type="left outer")
    position, found = joined["_seq"], pc.drop_null(joined["_id"]).combine_chunks()
    same = pc.fill_null(pc.equal(joined[FINGERPRINT], joined["_current_fp"]), False)
    staged = pc.filter(position, pc.invert(same))
    batch.rows_read = incoming.num_rows
    if len(found) == current.num_rows:
        closing = pa.array([], pa.int64())  # every current row was loaded again
    else:
        loaded = pc.is_in(current["_id"], value_set=found)
        closing = pc.filter(current["_id"], pc.invert(loaded))
    chosen = np.zeros(incoming.num_rows, dtype=bool)
    chosen[staged.to_numpy()] = True

    def candidates() -> Iterator[pa.RecordBatch]:
        start = 0
        for record_batch in record_batches:
            size = record_batch.num_rows
            mask = chosen[start : start + size]
            start += size
            if mask.any():
                yield record_batch.filter(pa.array(mask))

    with connection.cursor() as cursor:
        _create_stage(cursor, STAGE, layout, layout.visible)
        _write_rows(cursor, STAGE, "_seq", None, candidates(), layout)
        _check_keys(cursor, STAGE, layout)
    return closing


def _door_diff(rows: Rows, layout: Layout, batch: Batch, unchanged: DoorFinding) -> pa.Array:
    """A full load whose door read the current rows' fingerprints (``load_full``): the rows it
    passed on — new, changed, or with findings — are few, and staged as they come; the current
    rows they name are looked up by key in the database. Returns the ids of the current rows
    the load leaves out: those the door did not see, less those named."""
    with connection.cursor() as cursor:
        _create_stage(cursor, STAGE, layout, layout.visible)
        count = _write_rows(cursor, STAGE, "_seq", None, rows, layout)
        _check_keys(cursor, STAGE, layout)
        kept = unchanged() if callable(unchanged) else unchanged
        assert kept is not None
        if batch.number - 1 != kept.as_of:
            raise Conflict(
                _(
                    "The entry's data changed while this file was read (another load or an "
                    "undo): nothing was loaded. Run the load again."
                ),
                code="changed_meanwhile",
            )
        batch.rows_read = count + kept.kept
        cursor.execute(
            f"SELECT t.{q('_id')} FROM {q(STAGE)} s JOIN {q(layout.table)} t "
            f"ON {_key_match('t', 's', layout.key)} WHERE t.{q('_batch_to')} IS NULL"
        )
        named = pa.array([row[0] for row in cursor.fetchall()], pa.int64())
    unseen = pa.array(kept.unseen, pa.int64())
    twice = pc.filter(named, pc.invert(pc.is_in(named, value_set=unseen)))
    if len(twice):
        raise duplicate_keys(_keys_of(layout, twice[:5]))
    return pc.filter(unseen, pc.invert(pc.is_in(unseen, value_set=named)))


def _keys_of(layout: Layout, ids: pa.Array) -> list[Sequence[Any]]:
    """The key values of the rows ``ids``."""
    key_sql = ", ".join(q(k) for k in layout.key)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key_sql} FROM {q(layout.table)} WHERE {q('_id')} IN ({marks})",
            ids.to_pylist(),
        )
        return list(cursor.fetchall())


def _index_schema(layout: Layout) -> pa.Schema:
    return pa.schema(
        [(k, arrow_type(layout.types[k])) for k in layout.key]
        + [(FINGERPRINT, pa.int64()), ("_seq", pa.int64())]
    )


def _index_part(record_batch: pa.RecordBatch, layout: Layout, first: int) -> pa.RecordBatch:
    """Each row's key, fingerprint and position in the load (from ``first``)."""
    digests, record_batch = fingerprinted(record_batch, layout)
    return pa.record_batch(
        [record_batch.column(record_batch.schema.get_field_index(k)) for k in layout.key]
        + [digests, _lead(None, first, record_batch.num_rows)],
        schema=_index_schema(layout),
    )


def _refuse_bad_keys(incoming: pa.Table, layout: Layout) -> None:
    """Refuse a load with a missing key value or a key given twice (nothing written)."""
    if any(incoming[k].null_count for k in layout.key):
        raise _missing_key(layout)
    if len(layout.key) == 1:
        distinct = len(pc.unique(incoming[layout.key[0]]))
    else:
        distinct = incoming.select(layout.key).group_by(layout.key).aggregate([]).num_rows
    if distinct < incoming.num_rows:
        counted = incoming.group_by(layout.key).aggregate([("_seq", "count")])
        twice = counted.filter(pc.greater(counted["_seq_count"], 1)).slice(0, 5)
        raise duplicate_keys(zip(*(twice[k].to_pylist() for k in layout.key), strict=True))


# How each key column travels out of the database to be joined with the incoming keys: the SQL
# that writes it into a CSV line (``{}``: the column) and the Arrow type it is read as, cast
# then to the incoming type. Text is quoted; SQLite keeps dates and moments as text and truth
# values as integers.
_POSTGRES_TRANSPORT: dict[str, tuple[str, pa.DataType]] = {
    ItemType.INTEGER: ("{}", pa.int64()),
    ItemType.DATE: ("{}", pa.date32()),
    ItemType.DATETIME: ("(extract(epoch FROM {}) * 1000000)::bigint", pa.int64()),
    ItemType.BOOLEAN: ("{}::int", pa.int64()),
}
_POSTGRES_TEXT = ("'\"' || replace({}::text, '\"', '\"\"') || '\"'", pa.string())
_SQLITE_TRANSPORT: dict[str, tuple[str, pa.DataType]] = {
    ItemType.INTEGER: ("{}", pa.int64()),
    ItemType.BOOLEAN: ("{}", pa.int64()),
}
_SQLITE_TEXT = ("'\"' || replace(CAST({} AS TEXT), '\"', '\"\"') || '\"'", pa.string())
# Rows of the current index read by one query: its CSV is one value of a few megabytes.
INDEX_CHUNK_ROWS = 1 << 18


def _current_index(layout: Layout) -> Callable[[Any], pa.Table]:
    """A reader, given a driver cursor, of each current row's id, fingerprint and key as
    Arrow columns of the incoming types (the SQL is made here, on the caller's thread).

    The database writes the rows as CSV and joins them into one text per range of ids, which
    Arrow parses: the database and Arrow do the work, in C, and the driver hands over a few
    values instead of a million rows — so the Python thread that waits for them leaves the
    GIL to the other (see ``_full_diff``)."""
    postgres = _postgres()
    names = ["_id", "_current_fp", *layout.key]
    transports = [
        _POSTGRES_TRANSPORT.get(layout.types[k], _POSTGRES_TEXT)
        if postgres
        else _SQLITE_TRANSPORT.get(layout.types[k], _SQLITE_TEXT)
        for k in layout.key
    ]
    parts = [q("_id"), q(FINGERPRINT)] + [
        sql.format(q(k)) for k, (sql, _type) in zip(layout.key, transports, strict=True)
    ]
    # An empty fingerprint is an empty field; a key is never empty among current rows.
    line = " || ',' || ".join(f"coalesce(CAST({part} AS TEXT), '')" for part in parts)
    joined = f"string_agg({line}, E'\\n')" if postgres else f"group_concat({line}, char(10))"
    select = (
        f"SELECT {joined} FROM {q(layout.table)} WHERE {q('_id')} >= %s AND {q('_id')} < %s "
        f"AND {q('_batch_to')} IS NULL"
    )
    top = f"SELECT max({q('_id')}) FROM {q(layout.table)}"
    convert = pacsv.ConvertOptions(
        column_types=dict(
            zip(names, [pa.int64(), pa.int64()] + [t for _s, t in transports], strict=True)
        ),
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    schema = pa.schema(
        [("_id", pa.int64()), ("_current_fp", pa.int64())]
        + [(k, arrow_type(layout.types[k])) for k in layout.key]
    )

    def read(cursor: Any) -> pa.Table:
        cursor.execute(top)
        last = cursor.fetchone()[0] or 0
        tables = []
        for low in range(0, last + 1, INDEX_CHUNK_ROWS):
            cursor.execute(select, (low, low + INDEX_CHUNK_ROWS))
            text = cursor.fetchone()[0]
            if text:
                read_options = pacsv.ReadOptions(column_names=names)
                table = pacsv.read_csv(
                    io.BytesIO(text.encode()), read_options=read_options, convert_options=convert
                )
                tables.append(table.cast(schema))
        return pa.concat_tables(tables) if tables else schema.empty_table()

    return read


# Each current row's fingerprint and id, as the 16 bytes of two big-endian bigints.
_DIGEST_ID = np.dtype([("digest", ">i8"), ("id", ">i8")])


def current_digests(table: ResourceTable) -> tuple[int, str, np.ndarray, np.ndarray]:
    """The table's last batch number and ``checked_under`` with its current rows'
    fingerprints, sorted (for ``np.searchsorted``), and their ids in the same order — all as
    of one moment. A row without a fingerprint has 0."""
    t = q(table.table_name)
    digest = f"coalesce({q(FINGERPRINT)}, 0)"
    current = f"FROM {t} WHERE {q('_batch_to')} IS NULL"
    with connection.cursor() as cursor:
        if _postgres():
            # One statement, one snapshot; the database packs the pairs in one value.
            cursor.execute(
                f"SELECT last_number, checked_under, (SELECT string_agg(int8send({digest}) "
                f"|| int8send({q('_id')}), ''::bytea) {current}) "
                f"FROM {q(ResourceTable._meta.db_table)} WHERE id = %s",
                [table.pk],
            )
            last, checked_under, packed = cursor.fetchone()
            pairs = np.frombuffer(packed or b"", _DIGEST_ID)
            digests, ids = pairs["digest"].astype(np.int64), pairs["id"].astype(np.int64)
        else:
            with transaction.atomic():  # one read transaction, one snapshot
                cursor.execute(
                    f"SELECT last_number, checked_under FROM "
                    f"{q(ResourceTable._meta.db_table)} WHERE id = %s",
                    [table.pk],
                )
                last, checked_under = cursor.fetchone()
                cursor.execute(f"SELECT {digest}, {q('_id')} {current}")
                rows = cursor.fetchall()
            digests = np.fromiter((r[0] for r in rows), np.int64, len(rows))
            ids = np.fromiter((r[1] for r in rows), np.int64, len(rows))
    order = np.argsort(digests, kind="stable")
    return int(last), checked_under, digests[order], ids[order]


def _write_ids(cursor: Any, target: str, ids: pa.Array) -> None:
    """Write row ids into ``target``'s ``_id`` column."""
    if _postgres():
        buffer = io.BytesIO()
        pacsv.write_csv(pa.table({"_id": ids}), buffer, _CSV)
        with cursor.cursor.copy(
            f"COPY {q(target)} ({q('_id')}) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            copy.write(buffer.getbuffer())
    else:
        cursor.executemany(
            f"INSERT INTO {q(target)} ({q('_id')}) VALUES (%s)", [(i,) for i in ids.to_pylist()]
        )


def _distinct(a: str, b: str) -> str:
    """SQL true when two values differ, an empty value differing from any other."""
    return f"{a} IS DISTINCT FROM {b}" if _postgres() else f"{a} IS NOT {b}"


def _apply(batch: Batch, layout: Layout, *, closing: pa.Array | None) -> None:
    """The diff, set-based: close what changed or went, insert what is new or changed, and
    give the unchanged staged rows their fingerprint (one that was stale made them staged).
    ``closing``: the ids of the current rows a full load leaves out; None for a change set,
    whose deletions are the staged keys."""
    t = q(layout.table)
    n = batch.number
    columns = ", ".join(q(c) for c in [FINGERPRINT, *layout.visible])
    staged = ", ".join("s." + q(c) for c in [FINGERPRINT, *layout.visible])
    insert = (
        f"INSERT INTO {t} ({q('_batch_from')}, {columns}) SELECT %s, {staged} FROM {q(STAGE)} s"
    )
    # The staged rows are few beside the table's: each is looked up by key among the current
    # rows. SQLite's planner, without statistics, would rather walk the table (CROSS JOIN
    # fixes its order). PostgreSQL's default cost of a random page (4) is that of a spinning
    # disk: with it, a few thousand index lookups in a cached table look dearer than reading
    # the whole table, which takes ten times longer. 1.1 is the usual figure for SSDs.
    join = "JOIN" if _postgres() else "CROSS JOIN"
    match = _key_match("t", "s", layout.key)
    current = f"t.{q('_batch_to')} IS NULL"
    close = f"UPDATE {t} SET {q('_batch_to')} = %s WHERE {q('_id')} IN "
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute("SET LOCAL random_page_cost = 1.1")
        cursor.execute(
            f"{close}(SELECT t.{q('_id')} FROM {q(STAGE)} s {join} {t} t "
            f"ON {match} WHERE {current} AND {_differs(layout, 's', 't')})",
            [n],
        )
        updated = cursor.rowcount
        if closing is None:
            cursor.execute(
                f"{close}(SELECT t.{q('_id')} FROM {q(STAGE_KEYS)} s {join} {t} t "
                f"ON {match} WHERE {current})",
                [n],
            )
            gone = cursor.rowcount
        elif len(closing):
            cursor.execute(f"DROP TABLE IF EXISTS {q(CLOSE)}")
            cursor.execute(f"CREATE TEMPORARY TABLE {q(CLOSE)} ({q('_id')} bigint)")
            _write_ids(cursor, CLOSE, closing)
            if _postgres():
                cursor.execute(f"ANALYZE {q(CLOSE)}")
            cursor.execute(f"{close}(SELECT {q('_id')} FROM {q(CLOSE)})", [n])
            gone = cursor.rowcount
            cursor.execute(f"DROP TABLE {q(CLOSE)}")
        else:
            gone = 0
        cursor.execute(
            f"{insert} WHERE NOT EXISTS (SELECT 1 FROM {t} t WHERE {match} AND {current}) "
            f"ORDER BY s.{q('_seq')}",
            [n],
        )
        written = cursor.rowcount
        cursor.execute(f"SELECT count(*) FROM {q(STAGE)}")
        if cursor.fetchone()[0] > written:
            # Staged rows found unchanged: their kept fingerprint was stale or missing.
            fp = q(FINGERPRINT)
            cursor.execute(
                f"UPDATE {t} SET {fp} = (SELECT s.{fp} FROM {q(STAGE)} s "
                f"WHERE {_key_match(t, 's', layout.key)}) "
                f"WHERE {q('_id')} IN (SELECT t.{q('_id')} FROM {q(STAGE)} s {join} {t} t "
                f"ON {match} WHERE {current} AND {_distinct(f't.{fp}', f's.{fp}')})"
            )
    batch.rows_updated = updated
    batch.rows_inserted = written - updated
    batch.rows_deleted = gone
    batch.rows_unchanged = batch.rows_read - written


# --- Undo ----------------------------------------------------------------------------------------


def undo_batch(resource: Resource, batch: Batch, *, actor: Auditable | ActorRef) -> Batch:
    """Bring back the state before ``batch`` (AGG-6), recorded as a new batch of kind undo: the
    row versions it wrote are closed, those it closed are written again. Only the latest
    committed batch can be undone (``Conflict`` otherwise). Precondition as for ``load_full``."""
    with transaction.atomic():
        table = ResourceTable.objects.select_for_update().filter(resource=resource).first()
        latest = (
            Batch.objects.filter(resource=resource, status=BatchStatus.COMMITTED)
            .order_by("-number")
            .first()
        )
        if table is None or latest is None or batch.resource_id != resource.pk:
            raise Conflict(_("There is no batch of this entry to undo."), code="nothing_to_undo")
        if latest.pk != batch.pk:
            raise Conflict(
                _("Only the latest batch (number %(number)s) can be undone.")
                % {"number": latest.number},
                code="not_latest",
            )
        layout = Layout.of(table)
        undo = _open_batch(
            table,
            resource,
            kind=BatchKind.UNDO,
            channel=BatchChannel.UNDO,
            actor=actor,
            source_name="",
            checksum="",
            undoes=batch,
        )
        t = q(layout.table)
        columns = ", ".join(q(c) for c in [FINGERPRINT, *layout.all_columns])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {t} o WHERE o.{q('_batch_from')} = %s "
                f"AND o.{q('_batch_to')} IS NULL AND EXISTS (SELECT 1 FROM {t} c WHERE "
                f"c.{q('_batch_to')} = %s AND {_key_match('c', 'o', layout.key)})",
                [batch.number, batch.number],
            )
            updated = cursor.fetchone()[0]
            cursor.execute(
                f"UPDATE {t} SET {q('_batch_to')} = %s "
                f"WHERE {q('_batch_from')} = %s AND {q('_batch_to')} IS NULL",
                [undo.number, batch.number],
            )
            closed = cursor.rowcount
            cursor.execute(
                f"INSERT INTO {t} ({q('_batch_from')}, {columns}) "
                f"SELECT %s, {columns} FROM {t} "
                f"WHERE {q('_batch_to')} = %s ORDER BY {q('_id')}",
                [undo.number, batch.number],
            )
            reopened = cursor.rowcount
        # The rows brought back passed the checks of their day, not necessarily today's.
        ResourceTable.objects.filter(pk=table.pk).update(checked_under="")
        undo.rows_read = 0
        undo.rows_updated = updated
        undo.rows_deleted = closed - updated
        undo.rows_inserted = reopened - updated
        return _commit(undo, actor, "dataplane.batch.undo")


# --- Reads ---------------------------------------------------------------------------------------


def _layout(resource: Resource) -> Layout | None:
    table = table_of(resource)
    return Layout.of(table) if table else None


def _python(value: Any, item_type: str) -> Any:
    """A stored value as Python (SQLite keeps dates as text and booleans as integers)."""
    if value is None:
        return None
    if item_type == ItemType.DECIMAL:
        return decimal.Decimal(str(value))
    if item_type == ItemType.BOOLEAN:
        return bool(value)
    if item_type == ItemType.DATE and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if item_type == ItemType.DATETIME and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def _select(
    layout: Layout, where_sql: str, params: list[Any], *, suffix: str = ""
) -> list[dict[str, Any]]:
    columns = ", ".join(f"t.{q(c)}" for c in layout.visible)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {q(layout.table)} t WHERE {where_sql} {suffix}", params
        )
        rows = cursor.fetchall()
    return [
        {c: _python(v, layout.types[c]) for c, v in zip(layout.visible, row, strict=True)}
        for row in rows
    ]


def _order(layout: Layout) -> str:
    return "ORDER BY " + ", ".join(f"t.{q(k)}" for k in layout.key)


def _where(layout: Layout, where: dict[str, Any] | None) -> tuple[str, list[Any]]:
    if not where:
        return "", []
    unknown = set(where) - set(layout.visible)
    if unknown:
        _refuse_unknown(unknown)
    params = [v if _postgres() else _sqlite_value(v) for v in where.values()]
    return "".join(f" AND t.{q(c)} = %s" for c in where), params


def current_rows(
    resource: Resource,
    *,
    where: dict[str, Any] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The current state, ordered by key; ``where`` filters by equal values of visible items."""
    layout = _layout(resource)
    if layout is None:
        return []
    condition, params = _where(layout, where)
    suffix = _order(layout)
    if limit is not None:
        suffix += " LIMIT %s OFFSET %s"
        params += [int(limit), int(offset)]
    elif offset:
        raise ValueError("offset needs a limit")
    return _select(layout, f"t.{q('_batch_to')} IS NULL{condition}", params, suffix=suffix)


def count_current(resource: Resource) -> int:
    """How many rows the current state holds."""
    layout = _layout(resource)
    if layout is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {q(layout.table)} WHERE {q('_batch_to')} IS NULL")
        return int(cursor.fetchone()[0])


def get_by_key(resource: Resource, key_values: dict[str, Any]) -> dict[str, Any] | None:
    """The current row with these key values, or None."""
    layout = _layout(resource)
    if layout is None:
        return None
    if set(key_values) != set(layout.key):
        raise Invalid(
            _("Give the key items %(key)s and nothing else.") % {"key": ", ".join(layout.key)},
            code="bad_key",
        )
    rows = current_rows(resource, where=key_values, limit=1)
    return rows[0] if rows else None


def batch_as_of(resource: Resource, moment: dt.datetime) -> int:
    """The number of the last batch committed at or before ``moment`` (0: none)."""
    number = (
        Batch.objects.filter(
            resource=resource, status=BatchStatus.COMMITTED, finished_at__lte=moment
        )
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return number or 0


def _as_of(number: int, alias: str = "t") -> str:
    return (
        f"{alias}.{q('_batch_from')} <= {int(number)} AND ({alias}.{q('_batch_to')} IS NULL "
        f"OR {alias}.{q('_batch_to')} > {int(number)})"
    )


def rows_as_of(
    resource: Resource, when: int | dt.datetime, *, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """The state as it was after batch ``when`` (a number) or at a moment, ordered by key."""
    layout = _layout(resource)
    if layout is None:
        return []
    number = batch_as_of(resource, when) if isinstance(when, dt.datetime) else int(when)
    suffix, params = _order(layout), []
    if limit is not None:
        suffix += " LIMIT %s OFFSET %s"
        params = [int(limit), int(offset)]
    return _select(layout, _as_of(number), params, suffix=suffix)


@dataclass
class Changes:
    """What changed since a batch, for incremental sync: whole rows for inserted and updated,
    key values for deleted."""

    since: int
    until: int
    inserted: list[dict[str, Any]]
    updated: list[dict[str, Any]]
    deleted: list[dict[str, Any]]


def changes_since(resource: Resource, number: int) -> Changes:
    """The changes from the state after batch ``number`` to the current state. A row written
    again with the same values (by an undo) is not a change."""
    layout = _layout(resource)
    table = table_of(resource)
    if layout is None or table is None:
        return Changes(number, 0, [], [], [])
    t = q(layout.table)
    was = f"SELECT 1 FROM {t} o WHERE {_key_match('o', 't', layout.key)} AND {_as_of(number, 'o')}"
    fresh = (
        f"t.{q('_batch_to')} IS NULL AND t.{q('_batch_from')} > {int(number)} "
        f"AND NOT EXISTS ({was} AND NOT {_differs(layout, 'o', 't')})"
    )
    inserted = _select(layout, f"{fresh} AND NOT EXISTS ({was})", [], suffix=_order(layout))
    updated = _select(layout, f"{fresh} AND EXISTS ({was})", [], suffix=_order(layout))
    key_layout = Layout(table=layout.table, visible=layout.key, key=layout.key, types=layout.types)
    deleted = _select(
        key_layout,
        f"{_as_of(number)} AND NOT EXISTS (SELECT 1 FROM {t} c WHERE "
        f"{_key_match('c', 't', layout.key)} AND c.{q('_batch_to')} IS NULL)",
        [],
        suffix=_order(layout),
    )
    last = (
        Batch.objects.filter(resource=resource, status=BatchStatus.COMMITTED)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return Changes(number, last or 0, inserted, updated, deleted)
