# SQL is built from quoted identifiers (item names checked by the catalog); values are parameters.
# ruff: noqa: S608
"""The export of a resource's data: the current state or an earlier one, as CSV, Excel, JSON,
NDJSON or Parquet, streamed in constant memory. Sharing and the open portal hand the stream to
the client (a Django ``StreamingHttpResponse`` takes ``ExportStream.chunks``).

The rows are read in key order by one statement (one snapshot) — on PostgreSQL as CSV from
``COPY (SELECT …) TO STDOUT``, read by Arrow's CSV reader as it streams; on SQLite with
``fetchmany`` (a single statement reads one snapshot in WAL mode without taking the write
lock) — turned into Arrow record batches of the items' types (``storage.arrow_type``), and
written by the format's writer. Only visible items are exported,
never the internal ``_`` columns.

This module is a mechanism, like ``storage``: it checks no permission and records nothing.
Callers check that the actor may read the resource (and which items and rows: ``columns`` and
``where``), and write the audit entry of the export (SEC-4).

Decisions:

* Everything a caller can get wrong — the format, a column, the filter, an ``as_of`` before the
  first batch — is refused by ``export_rows`` itself with ``Invalid``, before a byte is sent, so
  that the API answers 422 rather than a broken download.
* Values are written as the table holds them: dates ISO (2026-01-05), decimals as their
  canonical text ("2.5", never a binary float), booleans true/false. Date-times are the city's
  local time: "2026-01-05 09:30:00" in CSV (the way uploads read them back) and Excel, ISO 8601
  with the offset in JSON, a UTC timestamp in Parquet.
* CSV is UTF-8 with a byte-order mark (spreadsheet programs then read the Chinese right), the
  items' Chinese labels as header by default; every text value is quoted.
* Excel is written by XlsxWriter in constant-memory mode to a temporary file that is then
  streamed and deleted (a workbook is a zip; it cannot be sent before it is complete). A sheet
  holds at most 1,048,575 data rows; the rest continue on a new sheet under the same header.
  Text stays text (no formulas, no numbers guessed from ID numbers); a number Excel cannot hold
  exactly (more than 15 digits) is written as text.
* Parquet keeps the item types (date, int64, bool, UTC timestamp; decimals as text, their scale
  is not fixed) and the labels as field metadata; each row group is sent as soon as it is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import itertools
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from govdata.catalog.choices import ItemType
from govdata.catalog.models import Resource
from govdata.core.errors import Invalid

from .models import Batch, BatchStatus
from .storage import Layout, arrow_type, decimal_text, q, table_of

READ_ROWS = 10_000  # rows fetched per round trip, and per chunk sent
COPY_BLOCK_BYTES = 1 << 20  # PostgreSQL's CSV read by Arrow this many bytes at a time
ROW_GROUP_ROWS = 100_000  # rows per Parquet row group
EXCEL_MAX_ROWS = 1_048_575  # data rows on one sheet: Excel's 1,048,576 rows less the header
FILE_CHUNK = 1 << 20  # bytes per chunk when a finished file is streamed
_EXACT_IN_EXCEL = 2**53  # integers Excel (a double) holds exactly
_WIDTHS: dict[str, int] = {ItemType.DATE: 12, ItemType.DATETIME: 20, ItemType.RIC: 20}


@dataclass(frozen=True)
class Format:
    name: str
    content_type: str
    extension: str


FORMATS = {
    f.name: f
    for f in (
        Format("csv", "text/csv; charset=utf-8", "csv"),
        Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        Format("json", "application/json", "json"),
        Format("ndjson", "application/x-ndjson", "ndjson"),
        Format("parquet", "application/vnd.apache.parquet", "parquet"),
    )
}
HEADERS = ("labels", "names")


@dataclass
class _Source:
    """What one export reads: the columns, their types and labels, the rows' condition."""

    table: str | None  # None: the resource has no data yet (an empty file with its header)
    names: list[str]
    types: dict[str, str]
    labels: dict[str, str]
    key: list[str]
    condition: str
    params: list[Any]
    rows: int = 0

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(
            [
                pa.field(n, arrow_type(self.types[n]), metadata={"label": self.labels[n]})
                for n in self.names
            ]
        )

    def header(self, header: str) -> list[str]:
        return [self.labels[n] if header == "labels" else n for n in self.names]

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The rows in key order, ``READ_ROWS`` at a time, typed as ``schema``."""
        if self.table is None:
            return
        select = ", ".join(_expression(n, self.types[n]) for n in self.names)
        order = ", ".join(f"t.{q(k)}" for k in self.key)
        sql = f"SELECT {select} FROM {q(self.table)} t WHERE {self.condition} ORDER BY {order}"
        schema = self.schema
        if _postgres():
            yield from self._copied(sql, schema)
            return
        with connection.cursor() as cursor:
            yield from self._fetch(cursor, sql, schema)

    def _copied(self, sql: str, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        """PostgreSQL writes the rows as CSV (``COPY … TO``, its own path, in C) and Arrow's
        CSV reader turns them into typed columns: no Python object per row or value. Values
        travel as ``_expression`` selects them; only an unquoted empty field is NULL (a text
        written NA or null stays text)."""
        types = [self.types[name] for name in self.names]
        names = [str(i) for i in range(len(types))]
        read = pa_csv.ReadOptions(column_names=names, block_size=COPY_BLOCK_BYTES)
        parse = pa_csv.ParseOptions(newlines_in_values=True)
        convert = pa_csv.ConvertOptions(
            column_types={
                n: _FETCHED.get(kind, arrow_type(kind))
                for n, kind in zip(names, types, strict=True)
            },
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        )
        statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
        with connection.cursor() as cursor, cursor.cursor.copy(statement, self.params) as copy:
            chunks = iter(copy)
            first = next(chunks, None)
            if first is None:  # no row: Arrow would call the stream an empty file
                return
            stream = io.BufferedReader(_Chunks(itertools.chain([first], chunks)), 1 << 20)
            reader = pa_csv.open_csv(
                stream, read_options=read, parse_options=parse, convert_options=convert
            )
            for batch in reader:
                arrays = [batch.column(i).cast(arrow_type(kind)) for i, kind in enumerate(types)]
                self.rows += batch.num_rows
                yield pa.RecordBatch.from_arrays(arrays, schema=schema)

    def _fetch(self, cursor: Any, sql: str, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        cursor.execute(sql, self.params)
        types = [self.types[name] for name in self.names]
        while rows := cursor.fetchmany(READ_ROWS):
            columns = list(zip(*rows, strict=True))
            arrays = [_sqlite_array(v, kind) for v, kind in zip(columns, types, strict=True)]
            self.rows += len(rows)
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)


@dataclass
class ExportStream:
    """An export ready to send: ``chunks`` yields the file's bytes (reading the database as it
    goes); ``rows`` counts the rows sent so far. ``batch`` is the batch number of the state
    exported (None: the current state)."""

    content_type: str
    filename: str
    columns: list[str]
    batch: int | None
    chunks: Iterator[bytes] = field(repr=False)
    _source: _Source = field(repr=False)

    @property
    def rows(self) -> int:
        return self._source.rows


def export_rows(
    resource: Resource,
    fmt: str,
    *,
    as_of: int | dt.datetime | None = None,
    columns: Sequence[str] | None = None,
    where: dict[str, Any] | None = None,
    header: str = "labels",
) -> ExportStream:
    """The resource's data as a file in ``fmt`` (csv, xlsx, json, ndjson, parquet): the current
    state, or the state after batch ``as_of`` (a number) or at a moment (a naive one is the
    city's local time) — ``storage.rows_as_of``'s semantics. ``columns`` picks items (exported in
    item order), ``where`` keeps rows whose items equal the values given (a list: any of them;
    None: empty). ``header`` is ``labels`` (Chinese) or ``names`` for CSV and Excel.
    Raises ``Invalid`` before anything is read; no permission is checked (see the module)."""
    spec = FORMATS.get(fmt) if isinstance(fmt, str) else None
    if spec is None:
        raise Invalid(
            _("Data can be exported as %(formats)s; not as %(format)s.")
            % {"formats": ", ".join(FORMATS), "format": fmt},
            code="unsupported_format",
        )
    if header not in HEADERS:
        raise Invalid(
            _("The header is either the items' labels or their names."), code="bad_header"
        )
    source, batch, day = _source(resource, as_of, columns, where)
    writers: dict[str, Callable[[], Iterator[bytes]]] = {
        "csv": lambda: _csv(source, header),
        "xlsx": lambda: _xlsx(source, header),
        "json": lambda: _json(source, lines=False),
        "ndjson": lambda: _json(source, lines=True),
        "parquet": lambda: _parquet(source),
    }
    stem = f"{_safe(resource.code)}_{day:%Y%m%d}" + (f"_batch{batch}" if batch else "")
    return ExportStream(
        content_type=spec.content_type,
        filename=f"{stem}.{spec.extension}",
        columns=list(source.names),
        batch=batch,
        chunks=writers[spec.name](),
        _source=source,
    )


# --- What is read ---------------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _safe(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", code) or "export"


def _source(
    resource: Resource,
    as_of: int | dt.datetime | None,
    columns: Sequence[str] | None,
    where: dict[str, Any] | None,
) -> tuple[_Source, int | None, dt.date]:
    table = table_of(resource)
    if table is not None:
        layout = Layout.of(table)
        version = table.version
        visible, types, key = layout.visible, layout.types, layout.key
    else:
        live = resource.live_version
        if live is None:
            raise Invalid(
                _("The entry has not been published; it holds no data yet."), code="unpublished"
            )
        version = live
        items = list(version.items.order_by("position"))
        visible = [i.name for i in items]
        types = {i.name: i.item_type for i in items}
        key = [i.name for i in items if i.is_key] or visible[:1]
    visible, labels = _in_item_order(version, visible)

    names = visible
    if columns is not None:
        wanted = list(columns)
        _refuse_unknown(set(wanted) - set(visible))
        if not wanted:
            raise Invalid(_("Choose at least one item to export."), code="no_columns")
        names = [n for n in visible if n in set(wanted)]

    condition, params = _filter(where, visible)
    batch, day = _state(resource, as_of)
    if batch is None:
        condition = f"t.{q('_batch_to')} IS NULL" + condition
    else:
        condition = (
            f"t.{q('_batch_from')} <= {batch} AND (t.{q('_batch_to')} IS NULL "
            f"OR t.{q('_batch_to')} > {batch})" + condition
        )
    source = _Source(
        table=table.table_name if table is not None else None,
        names=names,
        types=types,
        labels=labels,
        key=key,
        condition=condition,
        params=params,
    )
    return source, batch, day


def _in_item_order(version: Any, names: list[str]) -> tuple[list[str], dict[str, str]]:
    """The columns in the order the entry lists its items, with their labels. (The table's
    column map is JSON, which keeps no order on PostgreSQL; the visible columns are the items
    of the version the table follows.)"""
    listed = dict(version.items.order_by("position").values_list("name", "label"))
    position = {name: index for index, name in enumerate(listed)}
    ordered = sorted(names, key=lambda n: position.get(n, len(position)))
    return ordered, {n: listed.get(n) or n for n in ordered}


def _refuse_unknown(unknown: set[str]) -> None:
    if unknown:
        raise Invalid(
            _("These columns are not data items of the entry: %(names)s.")
            % {"names": ", ".join(sorted(unknown)[:10])},
            code="unknown_columns",
            fields={name: _("Not a data item.") for name in sorted(unknown)[:10]},
        )


def _filter(where: dict[str, Any] | None, visible: list[str]) -> tuple[str, list[Any]]:
    """`` AND …`` for ``where``: equal to a value, one of a list's values, or empty for None."""
    if not where:
        return "", []
    _refuse_unknown(set(where) - set(visible))
    sql, params = "", []
    for name, value in where.items():
        column = f"t.{q(name)}"
        if value is None:
            sql += f" AND {column} IS NULL"
        elif isinstance(value, list | tuple | set | frozenset):
            values = [_parameter(v) for v in value]
            if not values:
                sql += " AND 1 = 0"
            else:
                sql += f" AND {column} IN ({', '.join(['%s'] * len(values))})"
                params += values
        else:
            sql += f" AND {column} = %s"
            params.append(_parameter(value))
    return sql, params


def _parameter(value: Any) -> Any:
    if _postgres():
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _state(resource: Resource, as_of: int | dt.datetime | None) -> tuple[int | None, dt.date]:
    """The batch number whose state is exported (None: the current state) and the date that
    names the file."""
    if as_of is None:
        return None, timezone.localdate()
    committed = Batch.objects.filter(resource=resource, status=BatchStatus.COMMITTED)
    first = committed.order_by("number").values_list("number", flat=True).first()
    if isinstance(as_of, dt.datetime):
        moment = as_of if timezone.is_aware(as_of) else timezone.make_aware(as_of)
        number = (
            committed.filter(finished_at__lte=moment)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        if number is None:
            raise Invalid(
                _("The entry had no data yet at %(moment)s.")
                % {"moment": timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")},
                code="before_first_batch",
            )
        return number, timezone.localdate(moment)
    if isinstance(as_of, bool) or not isinstance(as_of, int):
        raise Invalid(_("Give a batch number or a moment."), code="bad_as_of")
    if first is None or as_of < first:
        raise Invalid(
            _("The entry had no data yet after batch %(number)s.") % {"number": as_of},
            code="before_first_batch",
        )
    batch = Batch.objects.filter(resource=resource, number=as_of).first()
    if batch is None:
        raise Invalid(
            _("The entry has no batch number %(number)s.") % {"number": as_of},
            code="unknown_batch",
        )
    return as_of, timezone.localdate(batch.finished_at or batch.started_at)


def _expression(name: str, item_type: str) -> str:
    """The column as selected. PostgreSQL gives a numeric's text as stored (storage writes
    canonical decimal text), a timestamp as microseconds since 1970, a date as days since then
    and a truth value as 0 or 1: figures Arrow reads and casts at once, whatever the server's
    date style."""
    column = f"t.{q(name)}"
    if not _postgres():
        return column
    if item_type == ItemType.DECIMAL:
        return f"{column}::text"
    if item_type == ItemType.DATETIME:
        return f"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint"
    if item_type == ItemType.DATE:
        return f"({column} - DATE '1970-01-01')"
    if item_type == ItemType.BOOLEAN:
        return f"{column}::int"
    return column


# How PostgreSQL's values arrive (see ``_expression``), to be cast to the items' Arrow types.
_FETCHED: dict[str, pa.DataType] = {
    ItemType.DATETIME: pa.int64(),
    ItemType.DATE: pa.int32(),
    ItemType.BOOLEAN: pa.int8(),
}


class _Chunks(io.RawIOBase):
    """The chunks of a ``COPY … TO`` as a stream Arrow can read."""

    def __init__(self, chunks: Iterator[Any]):
        self._chunks = chunks
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = memoryview(chunk)
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


def _sqlite_array(values: Sequence[Any], item_type: str) -> pa.Array:
    """One column fetched from SQLite as Arrow of the item's type: SQLite holds date-times as
    ISO text, booleans as 0/1, decimals as numbers (to be written as their canonical text);
    Django's converter gives dates as dates."""
    target = arrow_type(item_type)
    if item_type == ItemType.DECIMAL:
        return pa.array([None if v is None else decimal_text(v) for v in values], pa.string())
    if item_type == ItemType.BOOLEAN:
        return pa.array(values, pa.int64()).cast(target)
    if item_type == ItemType.DATETIME:
        return pa.array(values, pa.string()).cast(target)
    try:
        return pa.array(values, target)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # a date kept as text
        return pa.array(values, pa.string()).cast(target)


# --- Values as text -------------------------------------------------------------------------------


def _local_text(values: pa.Array, iso: bool) -> pa.Array:
    """UTC date-times as the city's local time: "2026-01-05 09:30:00", or ISO 8601 with the
    offset ("2026-01-05T09:30:00+08:00"); fractions of a second only when there are some.
    (Arrow's cast to text is many times faster than its strftime.)"""
    local = pc.local_timestamp(values.cast(pa.timestamp("us", tz=settings.TIME_ZONE)))
    text = pc.replace_substring(local.cast(pa.string()), ".000000", "", max_replacements=1)
    if not iso:
        return text
    offset = pc.divide(
        pc.subtract(local, values.cast(pa.timestamp("us"))).cast(pa.int64()), 1_000_000
    )
    seconds = pc.abs(offset)
    minutes = pc.divide(seconds, 60)
    hours = pc.divide(minutes, 60)

    def two(number: pa.Array) -> pa.Array:
        return pc.utf8_lpad(number.cast(pa.string()), 2, "0")

    def rest(whole: pa.Array, part: pa.Array) -> pa.Array:
        return pc.subtract(whole, pc.multiply(part, 60))

    # Seconds only in the offsets of local mean time, before the zones (as Python writes them).
    extra = pc.if_else(
        pc.equal(rest(seconds, minutes), 0),
        "",
        pc.binary_join_element_wise(":", two(rest(seconds, minutes)), ""),
    )
    sign = pc.if_else(pc.less(offset, 0), "-", "+")
    text = pc.replace_substring(text, " ", "T", max_replacements=1)
    return pc.binary_join_element_wise(
        text, sign, two(hours), ":", two(rest(minutes, hours)), extra, ""
    )


def _texts(batch: pa.RecordBatch, *, iso: bool) -> pa.RecordBatch:
    """The batch with its date-times as text (CSV and JSON); dates and decimals are left to the
    writer (CSV writes dates ISO) or cast here for JSON."""
    arrays = []
    for column in batch.columns:
        if pa.types.is_timestamp(column.type):
            column = _local_text(column, iso)
        elif iso and pa.types.is_date(column.type):
            column = column.cast(pa.string())
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


# --- Writers --------------------------------------------------------------------------------------


def _csv(source: _Source, header: str) -> Iterator[bytes]:
    head = io.StringIO()
    csv.writer(head, lineterminator="\r\n").writerow(source.header(header))
    yield ("\ufeff" + head.getvalue()).encode("utf-8")
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed", eol="\r\n")
    for batch in source.batches():
        out = pa.BufferOutputStream()
        pa_csv.write_csv(_texts(batch, iso=False), out, options)
        yield out.getvalue().to_pybytes()


def _json(source: _Source, *, lines: bool) -> Iterator[bytes]:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    first = True
    if not lines:
        yield b"["
    for batch in source.batches():
        rows = [encode(row) for row in _texts(batch, iso=True).to_pylist()]
        if lines:
            yield ("\n".join(rows) + "\n").encode("utf-8")
        else:
            yield (("\n" if first else ",\n") + ",\n".join(rows)).encode("utf-8")
        first = False
    if not lines:
        yield b"]\n" if first else b"\n]\n"


class _Drain(io.RawIOBase):
    """A file the Parquet writer writes into and the stream empties after each row group."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _parquet(source: _Source) -> Iterator[bytes]:
    sink = _Drain()
    schema = source.schema
    writer = pq.ParquetWriter(sink, schema)
    try:
        pending: list[pa.RecordBatch] = []
        count = 0
        for batch in source.batches():
            pending.append(batch)
            count += batch.num_rows
            if count >= ROW_GROUP_ROWS:
                writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=count)
                pending, count = [], 0
                if data := sink.take():
                    yield data
        if pending:
            writer.write_table(pa.Table.from_batches(pending, schema), row_group_size=count)
    finally:
        writer.close()
    yield sink.take()


def _excel_column(column: pa.Array, kind: str) -> Any:
    if kind == ItemType.DATETIME:
        return pc.local_timestamp(column.cast(pa.timestamp("us", tz=settings.TIME_ZONE)))
    return column


def _xlsx(source: _Source, header: str) -> Iterator[bytes]:
    import xlsxwriter

    handle, path = tempfile.mkstemp(prefix="export-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                # Text stays text: no formulas or links out of cell values, no guessed numbers.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        time_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        titles = source.header(header)
        types = [source.types[n] for n in source.names]
        sheets = 0

        def new_sheet() -> Any:
            nonlocal sheets
            sheets += 1
            name = _("Data") if sheets == 1 else f"{_('Data')} ({sheets})"
            sheet = workbook.add_worksheet(name[:31])
            for index, (title, kind) in enumerate(zip(titles, types, strict=True)):
                width = _WIDTHS.get(kind, 10)
                sheet.set_column(index, index, max(width, 2 * len(title) + 2))
            sheet.freeze_panes(1, 0)
            sheet.write_row(0, 0, titles, bold)
            return sheet

        sheet = new_sheet()
        row = 0
        for batch in source.batches():
            columns = [
                _excel_column(c, k).to_pylist() for c, k in zip(batch.columns, types, strict=True)
            ]
            for values in zip(*columns, strict=True):
                if row == EXCEL_MAX_ROWS:
                    sheet, row = new_sheet(), 0
                row += 1
                for index, value in enumerate(values):
                    if value is not None:
                        _write_cell(
                            sheet, row, index, value, types[index], date_format, time_format
                        )
        workbook.close()
        with open(path, "rb") as file:
            while chunk := file.read(FILE_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def _write_cell(
    sheet: Any, row: int, col: int, value: Any, kind: str, date_format: Any, time_format: Any
) -> None:
    if kind == ItemType.INTEGER:
        if -_EXACT_IN_EXCEL < value < _EXACT_IN_EXCEL:
            sheet.write_number(row, col, value)
        else:
            sheet.write_string(row, col, str(value))
    elif kind == ItemType.DECIMAL:
        number = float(value)
        if decimal.Decimal(repr(number)) == decimal.Decimal(value):
            sheet.write_number(row, col, number)
        else:
            sheet.write_string(row, col, value)
    elif kind == ItemType.DATE:
        sheet.write_datetime(row, col, value, date_format)
    elif kind == ItemType.DATETIME:
        sheet.write_datetime(row, col, value, time_format)
    elif kind == ItemType.BOOLEAN:
        sheet.write_boolean(row, col, value)
    else:
        sheet.write_string(row, col, value)


# --- The floor, for the benchmark -----------------------------------------------------------------


class NullSink(io.RawIOBase):
    """A binary file that keeps nothing (the benchmark counts what passes)."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = len(data)
        self.size += size
        return size


def raw_dump_csv(resource: Resource, sink: IO[bytes] | None = None) -> int:
    """The current state dumped as CSV by the database's own path, for the benchmark's floor:
    ``COPY (SELECT …) TO STDOUT`` on PostgreSQL, ``csv.writer`` over the cursor's rows on
    SQLite; same columns and order as ``export_rows``. Returns the number of rows."""
    out: IO[bytes] = sink if sink is not None else NullSink()  # type: ignore[assignment]
    table = table_of(resource)
    if table is None:
        return 0
    layout = Layout.of(table)
    names, _labels = _in_item_order(table.version, layout.visible)
    select = (
        f"SELECT {', '.join(f't.{q(n)}' for n in names)} FROM {q(layout.table)} t "
        f"WHERE t.{q('_batch_to')} IS NULL ORDER BY {', '.join(f't.{q(k)}' for k in layout.key)}"
    )
    with connection.cursor() as cursor:
        if _postgres():
            raw = cursor.cursor
            with raw.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for data in copy:
                    out.write(data)
            return int(raw.rowcount)
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(names)
        cursor.execute(select)
        count = 0
        while rows := cursor.fetchmany(READ_ROWS):
            writer.writerows(rows)
            count += len(rows)
        text.flush()
        text.detach()
        return count
