"""Read the files departments upload (CSV, Excel .xlsx, JSON, NDJSON) into Arrow batches (AGG-1).

A load streams parse → validate → diff → bulk write; this module is the first step. It knows the
resource's data items only through ``ItemSpec`` (no ORM), matches the file's header to them and
yields ``pyarrow.RecordBatch`` es with one *string* column per item (values as written, stripped,
empty → null; typing is the validator's job) plus ``_row``, the row number a spreadsheet would show
(the header is row 1), so rejected-row reports point at the right place.

Anything wrong with the file as a whole raises ``ParseError`` with a machine code before the loader
writes anything: the header problems before any row is read, the rest (truncation, a decoding error
halfway, a file over ``max_bytes``) while the batches are read, which the loader does before it
writes. Problems confined to one row (a short row, a JSON value that is not an object) are kept in
``Upload.row_errors`` and the row is skipped.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import json
import os
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from govdata.core.errors import Invalid

Format = Literal["csv", "xlsx", "json", "ndjson"]

ROW_COLUMN = "_row"
HEADER_SCAN_ROWS = 20  # Excel: the header row is looked for in the first 20 rows
ARROW_BLOCK_BYTES = 4 << 20  # the fast CSV reader's batches: rows of about this many bytes
MAX_ROW_ERRORS = 1000  # kept in detail; the rest are only counted
# Zip-bomb guard for .xlsx, checked on the central directory before calamine opens the file.
XLSX_MAX_UNCOMPRESSED = 500 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_RATIO_MIN_SIZE = 1024 * 1024  # tiny XML parts compress far beyond 100:1 legitimately
_CHUNK = 1 << 20
_SNIFF = 64 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CSV_DELIMITERS = (",", "\t", ";")


class SlowPath(Exception):
    """The fast CSV reader stops: the file must be read again by the careful reader."""


class ParseError(Invalid):
    """The uploaded file cannot be read as a whole. ``code`` is one of ``encoding``, ``truncated``,
    ``corrupt``, ``missing_column``, ``duplicate_column``, ``missing_sheet``, ``too_large``,
    ``zip_bomb``, ``unsupported_format``, ``empty``."""

    code = "corrupt"


@dataclass(frozen=True)
class ItemSpec:
    """What the parser needs of a data item (catalog ``DataItem``) — kept free of the ORM."""

    name: str
    label: str
    item_type: str = "string"
    is_key: bool = False
    is_required: bool = False
    length: int | None = None  # the longest text a string item takes (checked by validation)


@dataclass(frozen=True)
class RowError:
    """One row that was skipped while reading, for the rejected-row report."""

    row: int
    code: str
    message: str


@dataclass
class Upload:
    """An opened upload: the header is checked, rows are read lazily by ``batches()``."""

    fmt: Format
    items: list[ItemSpec]
    unknown_columns: list[str]
    row_errors: list[RowError] = field(default_factory=list)
    row_error_count: int = 0
    rows_read: int = 0
    _rows: Iterator[tuple[int, Sequence[str | None]]] | None = None
    # For each item, the position of its value in a row (None: the file lacks it); None means the
    # rows already hold one value per item. CSV rows stay as read and are picked apart per batch.
    _positions: list[int | None] | None = None
    _batch_rows: int = 50_000
    _empty_message: str = ""
    _arrow: Iterator[pa.RecordBatch] | None = None  # the fast CSV reader's batches, ready made

    def add_row_error(self, row: int, code: str, message: str) -> None:
        self.row_error_count += 1
        if len(self.row_errors) < MAX_ROW_ERRORS:
            self.row_errors.append(RowError(row, code, message))

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Yield batches of at most ``batch_rows`` rows; raise ``empty`` if the file had none."""
        if self._arrow is not None:
            ready, self._arrow = self._arrow, None
            for batch in ready:
                self.rows_read += batch.num_rows
                yield batch
            if not self.rows_read:
                raise ParseError(self._empty_message or _("The file has no rows."), code="empty")
            return
        assert self._rows is not None, "batches() can be read once"
        rows, self._rows = self._rows, None
        names = [item.name for item in self.items]
        positions = self._positions
        if positions is None:
            positions = list(range(len(names)))
        buffer: list[tuple[int, Sequence[str | None]]] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= self._batch_rows:
                self.rows_read += len(buffer)
                yield _to_batch(names, positions, buffer)
                buffer = []
        if buffer:
            self.rows_read += len(buffer)
            yield _to_batch(names, positions, buffer)
        if not self.rows_read:
            raise ParseError(self._empty_message or _("The file has no rows."), code="empty")


def schema_for(items: Iterable[ItemSpec]) -> pa.Schema:
    """The schema of every batch: one string column per item, then ``_row``."""
    return _schema([i.name for i in items])


def _to_batch(
    names: list[str], positions: list[int | None], rows: list[tuple[int, Sequence[str | None]]]
) -> pa.RecordBatch:
    # Transposed with zip (C speed), cleaned with Arrow kernels: no Python work per value.
    numbers, values = zip(*rows, strict=True)
    columns = list(zip(*values, strict=True))
    arrays = [
        pa.nulls(len(rows), pa.string())
        if p is None
        else _clean(pa.array(columns[p], type=pa.string()))
        for p in positions
    ]
    arrays.append(pa.array(numbers, type=pa.int64()))
    return pa.RecordBatch.from_arrays(arrays, schema=_schema(names))


def _schema(names: list[str]) -> pa.Schema:
    return pa.schema([pa.field(n, pa.string()) for n in names] + [(ROW_COLUMN, pa.int64())])


def _clean(array: pa.Array) -> pa.Array:
    """Strip surrounding whitespace (full-width too) and turn empty strings into nulls, vectorised."""
    trimmed = pc.utf8_trim_whitespace(array)
    if trimmed.null_count or trimmed.offset or trimmed.type != pa.string():
        return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    # The empty ones become nulls through the validity bitmap alone: no copy of the text.
    filled = pc.not_equal(trimmed, "")
    return pa.Array.from_buffers(
        pa.string(), len(trimmed), [filled.buffers()[1], *trimmed.buffers()[1:]]
    )


# --- opening -------------------------------------------------------------------------------------


def read_batches(
    source: BinaryIO | str | os.PathLike[str],
    *,
    items: list[ItemSpec],
    max_bytes: int,
    fmt: Format | None = None,
    batch_rows: int = 50_000,
    sheet: str | None = None,
) -> Iterator[pa.RecordBatch]:
    """Shortcut for ``open_upload(...).batches()`` when the caller needs no report of the header."""
    return open_upload(
        source, items=items, max_bytes=max_bytes, fmt=fmt, batch_rows=batch_rows, sheet=sheet
    ).batches()


def open_upload(
    source: BinaryIO | str | os.PathLike[str],
    *,
    items: list[ItemSpec],
    max_bytes: int,
    fmt: Format | None = None,
    batch_rows: int = 50_000,
    sheet: str | None = None,
    fast: bool = False,
    unquoted: bool = False,
) -> Upload:
    """Open an upload and check its header against ``items``; raise ``ParseError`` if unreadable.

    ``fmt`` is detected from the file name, then from the content, when not given. Reading stops
    with ``too_large`` as soon as more than ``max_bytes`` have been read.

    ``fast`` lets a UTF-8 CSV file be read by Arrow's CSV reader (about twenty times faster). It
    reads only files the careful reader would read the same way: at the first thing it would
    report differently — a row of the wrong width, a blank line, a decoding error, an odd number
    of quotation marks (a file cut inside a quoted value) — it raises ``SlowPath``, before or
    after batches were given, and the caller reads the file again with ``fast=False``.

    ``unquoted``: the caller found no quotation mark in the file (``has_quotes``), so no value
    spans lines and Arrow may split the text at every line break, twice as fast. A quotation
    mark found after all raises ``SlowPath``.
    """
    owns = isinstance(source, str | os.PathLike)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        name = path.name
        if path.stat().st_size > max_bytes:
            raise _too_large(max_bytes)
        stream: BinaryIO = path.open("rb")  # closed once its rows are read
    else:
        stream = source
        name = str(getattr(source, "name", "") or "")
    reader = _LimitedReader(stream, max_bytes, owns=owns)
    fmt = fmt or _detect_format(name, reader)
    if fmt == "csv":
        upload = _open_csv_fast(reader, items, unquoted) if fast else _open_csv(reader, items)
    elif fmt == "xlsx":
        upload = _open_xlsx(reader, items, sheet)
    elif fmt == "json":
        upload = _open_json(reader, items)
    elif fmt == "ndjson":
        upload = _open_ndjson(reader, items)
    else:
        raise ParseError(_("This file format is not supported."), code="unsupported_format")
    upload._batch_rows = max(1, batch_rows)
    return upload


def _too_large(max_bytes: int) -> ParseError:
    return ParseError(
        _("The file is larger than the limit of %(size)s MB.")
        % {"size": f"{max_bytes / 1024 / 1024:g}"},
        code="too_large",
    )


class _LimitedReader:
    """Reads the source in chunks, counting bytes and refusing as soon as ``max_bytes`` is passed,
    so an oversized upload is never read whole. ``peek`` looks ahead without consuming."""

    def __init__(self, stream: BinaryIO, max_bytes: int, *, owns: bool = False):
        self.stream = stream
        self.owns = owns  # close only what this module opened
        self.max_bytes = max_bytes
        self.consumed = 0  # bytes handed out
        self._read = 0  # bytes taken from the stream
        self._ahead = b""

    def _pull(self, size: int) -> bytes:
        try:
            data = self.stream.read(size)
        except OSError as exc:
            raise ParseError(_("The file could not be read."), code="corrupt") from exc
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ParseError(_("The file could not be read."), code="corrupt")
        data = bytes(data)
        self._read += len(data)
        if self._read > self.max_bytes:
            raise _too_large(self.max_bytes)
        return data

    def peek(self, size: int) -> bytes:
        while len(self._ahead) < size:
            data = self._pull(size - len(self._ahead))
            if not data:
                break
            self._ahead += data
        return self._ahead[:size]

    def read(self, size: int = _CHUNK) -> bytes:
        if self._ahead:
            data, self._ahead = self._ahead[:size], self._ahead[size:]
        else:
            data = self._pull(size)
        self.consumed += len(data)
        return data

    def read_all(self) -> bytes:
        parts = []
        while chunk := self.read(_CHUNK):
            parts.append(chunk)
        return b"".join(parts)

    def close(self) -> None:
        if self.owns:
            self.stream.close()


def _detect_format(name: str, reader: _LimitedReader) -> Format:
    suffix = Path(name).suffix.lower()
    by_suffix: dict[str, Format] = {
        ".csv": "csv",
        ".tsv": "csv",
        ".txt": "csv",
        ".xlsx": "xlsx",
        ".xlsm": "xlsx",
        ".json": "json",
        ".ndjson": "ndjson",
        ".jsonl": "ndjson",
    }
    if suffix in (".xls", ".xlsb", ".ods", ".et", ".numbers"):
        raise _unsupported_workbook()
    if suffix in by_suffix:
        return by_suffix[suffix]
    head = reader.peek(_SNIFF)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        raise _unsupported_workbook()
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "json" if text[1:].lstrip().startswith(b'"rows"') else "ndjson"
    return "csv"


def _unsupported_workbook() -> ParseError:
    return ParseError(
        _(
            "Only .xlsx workbooks without a password can be read. Save the workbook as "
            "“Excel Workbook (.xlsx)” without a password, or as CSV, and upload it again."
        ),
        code="unsupported_format",
    )


# --- header matching -----------------------------------------------------------------------------


def normalise_header(text: str) -> str:
    """Header text compared case-insensitively, full-width = half-width, surrounding spaces off."""
    return unicodedata.normalize("NFKC", text).strip().strip("\ufeff\u200b").strip().casefold()


def _lookup(items: list[ItemSpec]) -> dict[str, int]:
    table: dict[str, int] = {}
    for index, item in enumerate(items):
        for text in (item.label, item.name):
            table.setdefault(normalise_header(text), index)
    return table


def _match_header(cells: list[str], items: list[ItemSpec]) -> tuple[dict[int, int], list[str]]:
    """Map header positions to item indexes; refuse a column named twice or a key or required
    column missing, before any row is read (AGG-1)."""
    table = _lookup(items)
    positions: dict[int, int] = {}
    seen: dict[int, str] = {}
    unknown: list[str] = []
    for position, cell in enumerate(cells):
        key = normalise_header(cell)
        if not key:
            continue
        index = table.get(key)
        if index is None:
            unknown.append(cell.strip())
            continue
        if index in seen:
            item = items[index]
            raise ParseError(
                _("The column “%(label)s” appears twice in the header (“%(a)s” and “%(b)s”).")
                % {"label": item.label, "a": seen[index], "b": cell.strip()},
                code="duplicate_column",
                fields={item.name: _("This column appears twice.")},
            )
        seen[index] = cell.strip()
        positions[position] = index
    missing = [
        item
        for index, item in enumerate(items)
        if (item.is_key or item.is_required) and index not in seen
    ]
    if missing:
        raise ParseError(
            _("The file lacks these key or required columns: %(columns)s.")
            % {"columns": "、".join(f"{m.label}（{m.name}）" for m in missing)},
            code="missing_column",
            fields={m.name: _("This column is missing from the file.") for m in missing},
        )
    return positions, unknown


def _by_item(positions: dict[int, int], width: int) -> list[int | None]:
    """For each item, the header position it comes from (None when the file lacks it)."""
    by_item: list[int | None] = [None] * width
    for position, index in positions.items():
        by_item[index] = position
    return by_item


# --- text decoding (CSV, NDJSON) -----------------------------------------------------------------


def _sniff_encoding(head: bytes, *, allow_gb: bool) -> str:
    """UTF-8 (with or without BOM), else GB18030 when the sample decodes as it and reads like
    Chinese text; anything else is refused with the byte offset of the first bad byte."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise ParseError(
            _("The file is not UTF-8 or GB18030 text (it looks like UTF-16 or a binary file)."),
            code="encoding",
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if allow_gb:
        try:
            sample = codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        except UnicodeDecodeError:
            pass
        else:
            if _reads_as_chinese(sample):
                return "gb18030"
    if allow_gb:
        message = _(
            "The file is neither UTF-8 nor GB18030 (GBK) text: the byte at offset %(offset)s "
            "cannot be decoded. Save it as “CSV UTF-8” and upload it again."
        )
    else:
        message = _(
            "The file is not UTF-8 text: the byte at offset %(offset)s cannot be decoded. "
            "Save it as UTF-8 and upload it again."
        )
    raise ParseError(message % {"offset": utf8_error.start}, code="encoding")


def _reads_as_chinese(text: str) -> bool:
    """GB18030 decodes almost any byte string, including Shift-JIS; real Chinese records use mostly
    the common characters of GB2312, so a sample where most are outside it is another encoding."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return True
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common * 10 >= len(wide) * 9


class _DecodingStream(io.RawIOBase):
    """Feeds a ``TextIOWrapper`` from the limited reader and remembers where each chunk began, so
    a decoding error can name its byte offset."""

    def __init__(self, reader: _LimitedReader):
        self.reader = reader
        self.chunk_start = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.chunk_start = self.reader.consumed
        data = self.reader.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _text_lines(reader: _LimitedReader, encoding: str) -> Iterator[str]:
    """Lines of the decoded text (newlines inside quoted CSV fields are kept by the csv module)."""
    raw = _DecodingStream(reader)
    text = io.TextIOWrapper(io.BufferedReader(raw, _CHUNK), encoding=encoding, newline="")
    try:
        yield from text
    except UnicodeDecodeError as exc:
        pending = max(0, len(exc.object) - (reader.consumed - raw.chunk_start))
        offset = max(0, raw.chunk_start - pending + exc.start)
        raise ParseError(
            _(
                "The file is not valid %(encoding)s text: the byte at offset %(offset)s cannot be decoded."
            )
            % {"encoding": "GB18030" if encoding == "gb18030" else "UTF-8", "offset": offset},
            code="encoding",
        ) from exc
    finally:
        reader.close()


# --- CSV -----------------------------------------------------------------------------------------


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in _CSV_DELIMITERS}
    best = max(_CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_head(reader: _LimitedReader) -> tuple[bytes, str]:
    """The start of a CSV file and its encoding; an empty file is refused."""
    head = reader.peek(_SNIFF)
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        raise ParseError(_("The file is empty."), code="empty")
    return head, _sniff_encoding(head, allow_gb=True)


def _open_csv(reader: _LimitedReader, items: list[ItemSpec]) -> Upload:
    _head, encoding = _csv_head(reader)
    lines = _text_lines(reader, encoding)
    first = next(lines, "")
    while first and not first.strip():
        first = next(lines, "")
    delimiter = _sniff_delimiter(first)

    def chained() -> Iterator[str]:
        yield first
        yield from lines

    records = csv.reader(chained(), delimiter=delimiter, strict=True)
    try:
        header = next(records, None)
    except csv.Error as exc:
        raise _csv_error(exc, 1) from exc
    if not header:
        raise ParseError(_("The file is empty."), code="empty")
    positions, unknown = _match_header(header, items)
    upload = _csv_upload(items, unknown)
    upload._positions = _by_item(positions, len(items))
    upload._rows = _csv_rows(records, upload, len(header))
    return upload


def _csv_upload(items: list[ItemSpec], unknown: list[str]) -> Upload:
    return Upload(
        fmt="csv",
        items=items,
        unknown_columns=unknown,
        _empty_message=_("The file has a header but no rows."),
    )


def has_quotes(path: Path) -> bool:
    """Whether the file holds a quotation mark (read a megabyte at a time; stops at the first)."""
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            if b'"' in chunk:
                return True
    return False


def _open_csv_fast(reader: _LimitedReader, items: list[ItemSpec], unquoted: bool) -> Upload:
    """A UTF-8 CSV file read by Arrow's CSV reader; see ``open_upload`` for when it gives up."""
    head, encoding = _csv_head(reader)
    if encoding == "gb18030":
        raise SlowPath("GB18030 text")
    if encoding == "utf-8-sig":
        reader.read(len(codecs.BOM_UTF8))
        head = head[len(codecs.BOM_UTF8) :]
    line, newline, _rest = head.partition(b"\n")
    if not newline or not line.strip() or b'"' in line:
        raise SlowPath("header")  # a header longer than the sample, blank or quoted
    first = line.decode("utf-8", errors="strict").rstrip("\r")
    delimiter = _sniff_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    if len(header) < 2:
        raise SlowPath("one column")  # a blank line would be a row of one empty value
    positions, unknown = _match_header(header, items)
    upload = _csv_upload(items, unknown)
    upload._arrow = _arrow_csv(reader, items, _by_item(positions, len(items)), delimiter, unquoted)
    return upload


class _QuoteCountingStream(_DecodingStream):
    """Feeds Arrow from the limited reader, counting quotation marks: an odd count at the end
    means the file was cut inside a quoted value (Arrow would take the rest as the value)."""

    def __init__(self, reader: _LimitedReader):
        super().__init__(reader)
        self.quotes = 0

    def readinto(self, buffer: Any) -> int:
        size = super().readinto(buffer)
        self.quotes += bytes(buffer[:size]).count(b'"')
        return size


def _arrow_csv(
    reader: _LimitedReader,
    items: list[ItemSpec],
    positions: list[int | None],
    delimiter: str,
    unquoted: bool,
) -> Iterator[pa.RecordBatch]:
    import pyarrow.csv as pacsv

    names = [f"f{p}" for p in positions if p is not None]
    stream = _QuoteCountingStream(reader)

    def stop(row: Any) -> str:
        return "error"  # the careful reader reports this row with its number

    try:
        batches = pacsv.open_csv(
            io.BufferedReader(stream, _CHUNK),
            read_options=pacsv.ReadOptions(
                autogenerate_column_names=True, block_size=ARROW_BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=not unquoted,
                ignore_empty_lines=False,
                invalid_row_handler=stop,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                include_columns=names,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        number = 1  # the header is row 1 and the first row Arrow gives
        header = True
        for batch in batches:
            if unquoted and stream.quotes:
                raise SlowPath("a quotation mark in a file said to have none")
            if header and batch.num_rows:
                batch, header = batch.slice(1), False
            size = batch.num_rows
            if not size:
                continue
            if names:
                # Arrow reads a blank line as a row of empty values; the careful reader skips it
                # (and counts it): a row empty in every column read makes the fast reader stop.
                empty = functools.reduce(pc.and_, (pc.equal(batch.column(n), "") for n in names))
                if pc.any(empty).as_py():
                    raise SlowPath("a blank line or an empty row")
            arrays = [
                pa.nulls(size, pa.string()) if p is None else _clean(batch.column(f"f{p}"))
                for p in positions
            ]
            arrays.append(pa.array(np.arange(number + 1, number + 1 + size, dtype=np.int64)))
            number += size
            yield pa.RecordBatch.from_arrays(arrays, schema=schema_for(items))
    except (pa.ArrowException, UnicodeDecodeError) as exc:
        raise SlowPath(str(exc)) from exc
    finally:
        reader.close()
    if stream.quotes % 2 or (unquoted and stream.quotes):
        raise SlowPath("odd number of quotation marks")


def _csv_error(exc: csv.Error, row: int) -> ParseError:
    if "unexpected end of data" in str(exc):
        return ParseError(
            _("The file ends inside a quoted value at row %(row)s: it is truncated.")
            % {"row": row},
            code="truncated",
        )
    return ParseError(
        _(
            "The file is not valid CSV at row %(row)s: a quotation mark is misplaced or a value "
            "is too long."
        )
        % {"row": row},
        code="corrupt",
    )


def _csv_rows(
    records: Iterator[list[str]], upload: Upload, width: int
) -> Iterator[tuple[int, Sequence[str | None]]]:
    number = 1
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _csv_error(exc, number + 1) from exc
        number += 1
        if not record:
            continue  # a blank line
        # A short row (a truncated last line too) or one with extra values is skipped and reported.
        if len(record) != width and (len(record) < width or any(v.strip() for v in record[width:])):
            upload.add_row_error(
                number,
                "columns",
                _("The row has %(got)s values but the header has %(want)s columns.")
                % {"got": len(record), "want": width},
            )
            continue
        yield number, record if len(record) == width else record[:width]


# --- Excel ---------------------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    """Refuse zip bombs before calamine inflates anything: total declared size and per-entry
    compression ratio (AGG-1 bad input)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ParseError(
            _("The workbook is damaged or incomplete and cannot be opened."), code="corrupt"
        ) from exc
    names = {e.filename for e in entries}
    if "xl/workbook.bin" in names:
        raise _unsupported_workbook()
    if "xl/workbook.xml" not in names:
        raise ParseError(_("The file is not an Excel .xlsx workbook."), code="unsupported_format")
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise _unsupported_workbook()
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ParseError(
                _("The file is not an Excel .xlsx workbook."), code="unsupported_format"
            )
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if total > XLSX_MAX_UNCOMPRESSED or (
            entry.file_size > XLSX_RATIO_MIN_SIZE and ratio > XLSX_MAX_RATIO
        ):
            raise _zip_bomb()
    # The sizes above are what the archive declares; a crafted archive can understate them, so
    # inflate each entry (bounded output, nothing kept) and hold it to what it declared.
    for entry in entries:
        if entry.compress_type == zipfile.ZIP_DEFLATED:
            _check_inflated_size(data, entry)


def _zip_bomb() -> ParseError:
    return ParseError(
        _(
            "The workbook unpacks to far more data than its size suggests and was refused "
            "as unsafe. Save it again in Excel or upload it as CSV."
        ),
        code="zip_bomb",
    )


def _check_inflated_size(data: bytes, entry: zipfile.ZipInfo) -> None:
    offset = entry.header_offset
    if data[offset : offset + 4] != b"PK\x03\x04":
        raise ParseError(
            _("The workbook is damaged or incomplete and cannot be opened."), code="corrupt"
        )
    name_length, extra_length = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_length + extra_length
    pending = data[start : start + entry.compress_size]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    try:
        while pending and not inflater.eof:
            produced += len(inflater.decompress(pending, _CHUNK))
            pending = inflater.unconsumed_tail
            if produced > entry.file_size:
                raise _zip_bomb()
    except zlib.error as exc:
        raise ParseError(
            _("The workbook is damaged or incomplete and cannot be opened."), code="corrupt"
        ) from exc


def _cell_text(value: Any, item_type: str | None) -> str | None:
    """Excel cell → text as a person reads it: ISO dates, integers without “.0”."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if item_type == "date" and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    return str(value)


def _open_xlsx(reader: _LimitedReader, items: list[ItemSpec], sheet: str | None) -> Upload:
    import python_calamine

    data = reader.read_all()
    reader.close()
    if not data:
        raise ParseError(_("The file is empty."), code="empty")
    if data.startswith(_OLE_MAGIC):
        raise _unsupported_workbook()
    _check_zip(data)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
        if sheet is not None and sheet not in names:
            raise ParseError(
                _("The workbook has no sheet named “%(sheet)s”.") % {"sheet": sheet},
                code="missing_sheet",
            )
        table = _lookup(items)
        chosen: tuple[list[list[Any]], int] | None = None
        for sheet_name in [sheet] if sheet is not None else names:
            found = workbook.get_sheet_by_name(sheet_name)
            rows = found.to_python(skip_empty_area=False)
            for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
                cells = [_cell_text(v, None) or "" for v in row]
                filled = [c for c in cells if c.strip()]
                hits = sum(1 for c in filled if normalise_header(c) in table)
                if hits and hits * 2 >= len(filled):
                    chosen = (rows, index)
                    break
            if chosen:
                break
    except ParseError:
        raise
    except Exception as exc:  # calamine raises its own types and some builtins on bad files
        raise ParseError(
            _("The workbook is damaged or incomplete and cannot be opened."), code="corrupt"
        ) from exc
    if chosen is None:
        if not any(names):
            raise ParseError(_("The workbook has no sheets."), code="empty")
        raise ParseError(
            _(
                "No header row naming the data items was found in the first %(n)s rows of the "
                "workbook. Expected columns such as: %(columns)s."
            )
            % {"n": HEADER_SCAN_ROWS, "columns": "、".join(i.label for i in items[:8])},
            code="missing_column",
        )
    rows, header_index = chosen
    header = [_cell_text(v, None) or "" for v in rows[header_index]]
    positions, unknown = _match_header(header, items)
    upload = Upload(
        fmt="xlsx",
        items=items,
        unknown_columns=unknown,
        _empty_message=_("The sheet has a header but no rows."),
    )
    upload._rows = _xlsx_rows(rows, header_index, positions, items)
    return upload


def _xlsx_rows(
    rows: list[list[Any]], header_index: int, positions: dict[int, int], items: list[ItemSpec]
) -> Iterator[tuple[int, Sequence[str | None]]]:
    # to_python(skip_empty_area=False) starts at A1, so list index + 1 is the sheet's row number.
    by_item = _by_item(positions, len(items))
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        values = [
            None if p is None or p >= len(row) else _cell_text(row[p], items[i].item_type)
            for i, p in enumerate(by_item)
        ]
        if all(v is None or not v.strip() for v in values):
            continue  # blank rows between or after the data
        yield index + 1, values


# --- JSON and NDJSON -----------------------------------------------------------------------------


def _json_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    raise TypeError


class _ObjectMapper:
    """Maps the keys of each JSON object to items; the first object's keys are the header."""

    def __init__(self, upload: Upload):
        self.upload = upload
        self.table = _lookup(upload.items)
        self.cache: dict[str, int | None] = {}
        self.unknown = set(upload.unknown_columns)

    def values(self, number: int, obj: Any) -> list[str | None] | None:
        upload = self.upload
        if not isinstance(obj, dict):
            upload.add_row_error(number, "not_object", _("The row is not a JSON object."))
            return None
        values: list[str | None] = [None] * len(upload.items)
        filled: set[int] = set()
        for key, raw in obj.items():
            index = self.cache.get(key, -1)
            if index == -1:
                index = self.table.get(normalise_header(key))
                self.cache[key] = index
            if index is None:
                if key not in self.unknown:
                    self.unknown.add(key)
                    upload.unknown_columns.append(key)
                continue
            if index in filled:
                upload.add_row_error(
                    number,
                    "duplicate_column",
                    _("The row gives “%(label)s” twice.") % {"label": upload.items[index].label},
                )
                return None
            try:
                values[index] = _json_value(raw)
            except TypeError:
                upload.add_row_error(
                    number,
                    "not_scalar",
                    _("The value of “%(key)s” is a list or an object, not a single value.")
                    % {"key": key},
                )
                return None
            filled.add(index)
        return values


def _json_header_check(items: list[ItemSpec], first: Any) -> list[str]:
    if isinstance(first, dict):
        _positions, unknown = _match_header([str(k) for k in first], items)
        return unknown
    return []


def _loads(text: str) -> Any:
    # Numbers are kept as written (“1.50” stays “1.50”); the validator types them.
    return json.loads(text, parse_float=str, parse_int=str, parse_constant=str)


def _open_json(reader: _LimitedReader, items: list[ItemSpec]) -> Upload:
    data = reader.read_all()
    reader.close()
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise ParseError(_("The file is empty."), code="empty")
    encoding = _sniff_encoding(data[:_SNIFF], allow_gb=False)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(
            _("The file is not valid UTF-8 text: the byte at offset %(offset)s cannot be decoded.")
            % {"offset": exc.start},
            code="encoding",
        ) from exc
    try:
        document = _loads(text)
    except RecursionError as exc:
        raise ParseError(_("The JSON is nested too deeply."), code="corrupt") from exc
    except json.JSONDecodeError as exc:
        if _ends_early(exc, text):
            raise ParseError(
                _("The JSON ends too early: the file is truncated."), code="truncated"
            ) from exc
        raise ParseError(
            _("The file is not valid JSON (line %(line)s, column %(col)s).")
            % {"line": exc.lineno, "col": exc.colno},
            code="corrupt",
        ) from exc
    if isinstance(document, dict) and isinstance(document.get("rows"), list):
        rows = document["rows"]
    elif isinstance(document, list):
        rows = document
    else:
        raise ParseError(
            _('The JSON must be an array of objects or an object with a "rows" array.'),
            code="corrupt",
        )
    upload = Upload(fmt="json", items=items, unknown_columns=[])
    upload.unknown_columns = _json_header_check(items, rows[0] if rows else None)
    mapper = _ObjectMapper(upload)

    def generate() -> Iterator[tuple[int, list[str | None]]]:
        # JSON rows are numbered from 1 (the position in the array).
        for number, obj in enumerate(rows, start=1):
            values = mapper.values(number, obj)
            if values is not None:
                yield number, values

    upload._rows = generate()
    return upload


def _open_ndjson(reader: _LimitedReader, items: list[ItemSpec]) -> Upload:
    head = reader.peek(_SNIFF)
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        raise ParseError(_("The file is empty."), code="empty")
    encoding = _sniff_encoding(head, allow_gb=False)
    lines = enumerate(_text_lines(reader, encoding), start=1)
    upload = Upload(fmt="ndjson", items=items, unknown_columns=[])
    pending: list[tuple[int, Any]] = []
    for number, line in lines:
        if line.strip():
            pending.append((number, _ndjson_object(number, line, upload)))
            break
    upload.unknown_columns = _json_header_check(items, pending[0][1] if pending else None)
    mapper = _ObjectMapper(upload)

    def generate() -> Iterator[tuple[int, list[str | None]]]:
        def objects() -> Iterator[tuple[int, Any]]:
            yield from pending
            for number, line in lines:
                if line.strip():
                    yield number, _ndjson_object(number, line, upload)

        for number, obj in objects():
            if obj is _BAD_LINE:
                continue
            values = mapper.values(number, obj)
            if values is not None:
                yield number, values

    upload._rows = generate()
    return upload


_BAD_LINE = object()


def _ends_early(exc: json.JSONDecodeError, text: str) -> bool:
    """The document stops mid-value (cut off), rather than holding a wrong character."""
    return exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")


def _ndjson_object(number: int, line: str, upload: Upload) -> Any:
    try:
        return _loads(line)
    except RecursionError:
        upload.add_row_error(number, "corrupt", _("The line is nested too deeply."))
    except json.JSONDecodeError as exc:
        if not line.endswith(("\n", "\r")) and _ends_early(exc, line):
            raise ParseError(
                _("The last line ends too early: the file is truncated."), code="truncated"
            ) from exc
        upload.add_row_error(number, "corrupt", _("The line is not valid JSON."))
    return _BAD_LINE
