"""The export (issue 4, item 9): the current or an earlier state of a resource's data as CSV,
Excel, JSON, NDJSON and Parquet, read back equal to the stored rows, streamed in constant memory,
and wrong requests refused before anything is sent."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tracemalloc
import zipfile
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import python_calamine
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from govdata.catalog.models import Resource
from govdata.catalog.testing import items
from govdata.core.errors import Invalid
from govdata.core.identifiers import ric_with_check
from govdata.dataplane import export, parsers, storage
from govdata.dataplane.models import Batch
from govdata.dataplane.testing import published
from govdata.dataplane.validation import check_batch

pytestmark = pytest.mark.django_db

EXTRA = [
    {"name": "hs", "label": "户数", "item_type": "integer", "security_level": 1},
    {"name": "je", "label": "金额", "item_type": "decimal", "security_level": 1},
    {"name": "yx", "label": "有效", "item_type": "boolean", "security_level": 1},
    {"name": "gxsj", "label": "更新时间", "item_type": "datetime", "security_level": 1},
]
NAMES = ["gmsfhm", "xm", "djrq", "hs", "je", "yx", "gxsj"]
LABELS = ["公民身份号码", "姓名", "登记日期", "户数", "金额", "有效", "更新时间"]
TYPES = dict(
    zip(NAMES, ["ric", "string", "date", "integer", "decimal", "boolean", "datetime"], strict=True)
)
FORMATS = ["csv", "xlsx", "json", "ndjson", "parquet"]


@pytest.fixture
def resource(city) -> Resource:
    return published(city, items(*EXTRA))


def row(i: int, **changes: Any) -> dict[str, Any]:
    values = {
        "gmsfhm": ric_with_check(f"1101051990{i:07d}"),
        "xm": f"姓名{i}",
        "djrq": dt.date(2020, 1, 1) + dt.timedelta(days=i),
        "hs": i,
        "je": Decimal(f"{i}.25"),
        "yx": i % 2 == 0,
        "gxsj": dt.datetime(2024, 5, 1, 8, 30, tzinfo=dt.UTC) + dt.timedelta(minutes=i),
    }
    values.update(changes)
    return values


# Chinese text with the characters CSV quotes, empty values, a long integer Excel cannot hold
# as a number, decimals Excel cannot hold exactly, a text that looks like a formula.
ROWS = [
    row(1, xm="张三, 李四", je=Decimal("123456789012.34")),
    row(2, xm='王"五"', hs=None, je=None, yx=None, gxsj=None, djrq=None),
    row(3, xm="多行\n文本", hs=2**60, je=Decimal("-0.5")),
    row(4, xm="=SUM(A1:A2)", je=Decimal("100")),
    row(5, gxsj=dt.datetime(2024, 12, 31, 23, 59, 59, 250_000, tzinfo=dt.UTC)),
]


def load(resource: Resource, city, rows: Any) -> Batch:
    return storage.load_full(resource, rows, actor=city.actor(city.analyst), checksum="a" * 64)


def drain(stream: export.ExportStream) -> bytes:
    return b"".join(stream.chunks)


# --- Reading the files back as typed rows -------------------------------------------------------


def typed(name: str, value: Any) -> Any:
    """A value read back from a file as ``storage`` gives it."""
    if value is None or value == "":
        return None
    kind = TYPES[name]
    if kind == "integer":
        return int(value)
    if kind == "decimal":
        return Decimal(str(value))
    if kind == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    if kind == "datetime":
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if timezone.is_naive(value):
            value = timezone.make_aware(value)  # the city's local time
        return value
    if kind == "boolean":
        return value if isinstance(value, bool) else {"true": True, "false": False}[value]
    return value


def read_back(fmt: str, data: bytes, header: str = "labels") -> list[dict[str, Any]]:
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        names = [NAMES[LABELS.index(t)] if header == "labels" else t for t in lines[0]]
        return [{n: typed(n, v) for n, v in zip(names, r, strict=True)} for r in lines[1:]]
    if fmt == "json":
        return [{n: typed(n, v) for n, v in r.items()} for r in json.loads(data)]
    if fmt == "ndjson":
        objects = [json.loads(line) for line in data.decode().split("\n") if line]
        return [{n: typed(n, v) for n, v in r.items()} for r in objects]
    if fmt == "parquet":
        return [
            {n: typed(n, v) for n, v in r.items()}
            for r in pq.read_table(io.BytesIO(data)).to_pylist()
        ]
    assert fmt == "xlsx"
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows: list[dict[str, Any]] = []
    for sheet_name in workbook.sheet_names:
        cells = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        names = [NAMES[LABELS.index(t)] if header == "labels" else t for t in cells[0]]
        rows += [{n: typed(n, v) for n, v in zip(names, r, strict=True)} for r in cells[1:]]
    return rows


# --- Behaviour ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_reads_back_as_the_current_state(resource, city, fmt):
    load(resource, city, ROWS)
    stream = export.export_rows(resource, fmt)
    data = drain(stream)
    assert read_back(fmt, data) == storage.current_rows(resource) == ROWS
    assert stream.rows == len(ROWS)
    assert stream.filename == f"{resource.code}_{timezone.localdate():%Y%m%d}.{fmt}"
    assert stream.content_type == export.FORMATS[fmt].content_type
    assert stream.columns == NAMES and stream.batch is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_earlier_state_exports_its_earlier_values(resource, city, fmt):
    first = load(resource, city, ROWS)
    later = [row(1, xm="改名"), *ROWS[2:], row(6)]
    load(resource, city, later)
    earlier = export.export_rows(resource, fmt, as_of=first.number)
    assert read_back(fmt, drain(earlier)) == storage.rows_as_of(resource, 1) == ROWS
    assert earlier.batch == 1 and "_batch1." in earlier.filename
    moment = export.export_rows(resource, fmt, as_of=first.finished_at)
    assert read_back(fmt, drain(moment)) == ROWS
    assert read_back(fmt, drain(export.export_rows(resource, fmt))) == later


@pytest.fixture
def city_time(settings) -> None:
    """Expectations below spell date-times in the city's local time (UTC+8)."""
    settings.TIME_ZONE = "Asia/Shanghai"


def test_csv_is_utf8_with_bom_quoted_under_the_labels_or_the_names(resource, city, city_time):
    load(resource, city, ROWS)
    data = drain(export.export_rows(resource, "csv"))
    text = data.decode("utf-8")
    assert text.startswith("\ufeff公民身份号码,姓名,登记日期,户数,金额,有效,更新时间\r\n")
    assert '"张三, 李四"' in text and '"王""五"""' in text and '"多行\n文本"' in text
    assert ",123456789012.34," in text.replace('"', "") and "2024-05-01 16:31:00" in text
    assert "2025-01-01 07:59:59.25" in text  # the city's local time, fractions kept
    named = drain(export.export_rows(resource, "csv", header="names")).decode("utf-8-sig")
    assert named.splitlines()[0] == ",".join(NAMES)
    assert read_back("csv", data) == read_back("csv", named.encode("utf-8-sig"), "names")


def test_json_is_keyed_by_item_name_with_iso_values(resource, city, city_time):
    load(resource, city, ROWS[:2])
    data = json.loads(drain(export.export_rows(resource, "json")))
    assert data[0] == {
        "gmsfhm": ROWS[0]["gmsfhm"],
        "xm": "张三, 李四",
        "djrq": "2020-01-02",
        "hs": 1,
        "je": "123456789012.34",
        "yx": False,
        "gxsj": "2024-05-01T16:31:00+08:00",
    }
    assert data[1]["hs"] is None and data[1]["gxsj"] is None


def test_excel_keeps_text_as_text_and_numbers_it_cannot_hold_exactly(resource, city):
    long = Decimal("1234567890123456.78")  # more digits than a double holds
    load(resource, city, [*ROWS, row(6, je=long)])
    data = drain(export.export_rows(resource, "xlsx", header="names"))
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    cells = workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python()
    assert cells[0] == NAMES
    assert cells[1][0] == ROWS[0]["gmsfhm"]  # an ID number is not turned into a number
    assert cells[3][3] == str(2**60)  # past what a double holds exactly: text
    assert cells[4][1] == "=SUM(A1:A2)"  # not a formula
    assert cells[4][4] == 100 and cells[1][3] == 1 and cells[1][4] == 123456789012.34
    assert cells[1][2] == dt.date(2020, 1, 2) and cells[1][5] is False
    if connection.vendor == "postgresql":  # SQLite keeps decimals as doubles already
        assert cells[6][4] == "1234567890123456.78"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_excel_continues_on_a_new_sheet_past_the_row_limit(resource, city, monkeypatch):
    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 2)
    load(resource, city, ROWS)
    data = drain(export.export_rows(resource, "xlsx"))
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert len(workbook.sheet_names) == 3
    sizes = [len(workbook.get_sheet_by_name(n).to_python()) for n in workbook.sheet_names]
    assert sizes == [3, 3, 2]  # each under its header
    assert read_back("xlsx", data) == ROWS


@pytest.mark.parametrize("fmt", FORMATS)
def test_columns_and_where_pick_items_and_rows(resource, city, fmt):
    load(resource, city, ROWS)
    stream = export.export_rows(
        resource, fmt, columns=["je", "xm", "gmsfhm"], where={"hs": [1, 4, 99]}
    )
    assert stream.columns == ["gmsfhm", "xm", "je"]  # in item order
    expected = [{k: r[k] for k in ("gmsfhm", "xm", "je")} for r in (ROWS[0], ROWS[3])]
    assert read_back(fmt, drain(stream)) == expected
    empty = export.export_rows(resource, fmt, where={"hs": None})
    assert read_back(fmt, drain(empty)) == [ROWS[1]]
    dated = export.export_rows(resource, fmt, where={"djrq": dt.date(2020, 1, 4), "yx": False})
    assert read_back(fmt, drain(dated)) == [ROWS[2]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_resource_without_data_exports_an_empty_file_with_its_header(resource, city, fmt):
    data = drain(export.export_rows(resource, fmt))
    assert read_back(fmt, data) == []
    if fmt == "csv":
        assert data.decode("utf-8-sig") == ",".join(LABELS) + "\r\n"
    elif fmt == "xlsx":
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        assert workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python() == [LABELS]
    elif fmt == "parquet":
        schema = pq.read_schema(io.BytesIO(data))
        assert schema.names == NAMES and schema.field("djrq").type == pa.date32()
        assert schema.field("xm").metadata == {b"label": "姓名".encode()}
    # A table with every row deleted is no different.
    load(resource, city, [row(1)])
    storage.apply_changes(
        resource, [], [{"gmsfhm": row(1)["gmsfhm"]}], actor=city.actor(city.analyst)
    )
    assert read_back(fmt, drain(export.export_rows(resource, fmt))) == []


def test_wrong_requests_are_refused_before_anything_is_read(resource, city):
    def refused(**kwargs: Any) -> str:
        fmt = kwargs.pop("fmt", "csv")
        with pytest.raises(Invalid) as error:
            export.export_rows(resource, fmt, **kwargs)
        return error.value.code

    assert refused(fmt="pdf") == "unsupported_format"
    assert refused(header="labels-and-names") == "bad_header"
    assert refused(columns=["xm", "nope"]) == "unknown_columns"
    assert refused(columns=["_hash"]) == "unknown_columns"  # internal columns are not items
    assert refused(columns=[]) == "no_columns"
    assert refused(where={"_batch_to": None}) == "unknown_columns"
    assert refused(as_of=1) == "before_first_batch"  # no data at all yet
    first = load(resource, city, ROWS)
    assert refused(as_of=0) == "before_first_batch"
    assert refused(as_of=first.started_at - dt.timedelta(seconds=1)) == "before_first_batch"
    assert refused(as_of=2) == "unknown_batch"
    assert refused(as_of="1") == "bad_as_of"
    # A naive moment is the city's local time.
    local = timezone.localtime(first.finished_at).replace(tzinfo=None)
    stream = export.export_rows(resource, "json", as_of=local + dt.timedelta(seconds=1))
    assert read_back("json", drain(stream)) == ROWS


def test_an_export_loads_back_through_the_upload_unchanged(resource, city):
    """What a department downloads it can correct and send again: the CSV, the workbook, JSON
    and NDJSON read back through the parser and the checks as the same rows, date-times with
    their fractions of a second (and, in JSON, their offset) included."""
    valid = [{**r, "hs": 7} for r in ROWS]  # uploads take integers of at most 18 digits
    load(resource, city, valid)
    specs = [
        parsers.ItemSpec(i.name, i.label, i.item_type, i.is_key, i.is_required, i.length)
        for i in resource.live_version.items.order_by("position")
    ]
    for fmt in ("csv", "xlsx", "json", "ndjson"):
        upload = parsers.open_upload(
            io.BytesIO(drain(export.export_rows(resource, fmt))),
            items=specs,
            max_bytes=10**7,
            fmt=fmt,
        )
        checked = [check_batch(b, specs) for b in upload.batches()]
        assert [r.reasons for c in checked for r in c.rejected] == []
        batch = load(resource, city, [c.accepted for c in checked])
        assert batch.rows_unchanged == len(valid) and batch.rows_inserted == 0, fmt
        assert batch.rows_updated == 0 and batch.rows_deleted == 0


TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1)


@hypothesis_settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.tuples(
            TEXT,
            st.none() | st.integers(-(2**63), 2**63 - 1),
            st.none()
            | st.decimals(
                allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9
            ),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_text_and_number_survive_every_format(resource, city, values):
    rows = [
        row(i, xm=text, hs=number, je=amount)
        for i, (text, number, amount) in enumerate(values, start=1)
    ]
    load(resource, city, rows)
    current = storage.current_rows(resource)
    for fmt in FORMATS:
        got = read_back(fmt, drain(export.export_rows(resource, fmt)))
        if fmt == "xlsx":  # Excel cannot hold control characters or numbers past a double
            got = [{**g, "xm": c["xm"]} for g, c in zip(got, current, strict=True)]
        assert got == current, fmt
    texts = read_back("xlsx", drain(export.export_rows(resource, "xlsx")))
    for got, expected in zip(texts, current, strict=True):
        if all(ch.isprintable() or ch in "\n\t" for ch in expected["xm"]):
            assert got["xm"] == expected["xm"]


def test_memory_does_not_grow_with_rows(resource, city, monkeypatch):
    """Draining ten times the rows needs about the same memory: Python's (tracemalloc) and
    Arrow's. Small chunks so that both sizes span many of them."""
    monkeypatch.setattr(export, "READ_ROWS", 50)
    monkeypatch.setattr(export, "COPY_BLOCK_BYTES", 50 * 200)  # PostgreSQL: about 50 rows
    monkeypatch.setattr(export, "ROW_GROUP_ROWS", 1_000)
    schema = storage.Layout.of(storage.ensure_table(resource)).schema()

    def batch_of(start: int, stop: int) -> pa.RecordBatch:
        rows = [row(i) for i in range(start, stop)]
        return pa.RecordBatch.from_pylist([{**r, "je": str(r["je"])} for r in rows], schema=schema)

    small, large = 2_000, 20_000
    first = load(resource, city, [batch_of(1, small + 1)])
    load(
        resource, city, [batch_of(s, min(s + 2_500, large + 1)) for s in range(1, large + 1, 2_500)]
    )

    def peak(fmt: str, as_of: int | None) -> tuple[int, int, int]:
        stream = export.export_rows(resource, fmt, as_of=as_of)
        arrow_peak = size = 0
        arrow_base = pa.total_allocated_bytes()
        tracemalloc.start()
        try:
            for chunk in stream.chunks:
                size += len(chunk)
                arrow_peak = max(arrow_peak, pa.total_allocated_bytes() - arrow_base)
            _current, python_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert stream.rows == (small if as_of else large)
        return python_peak, arrow_peak, size

    for fmt in FORMATS:
        peak(fmt, first.number)  # first use: imports, caches
        python_small, arrow_small, size_small = peak(fmt, first.number)
        python_large, arrow_large, size_large = peak(fmt, None)
        assert size_large > 8 * size_small, fmt  # ten times the data went through …
        assert python_large < 2 * python_small, (
            fmt,
            python_small,
            python_large,
        )  # … not the memory
        # Arrow's CSV reader (PostgreSQL) parses a few blocks ahead: a bounded window whose
        # fill depends on timing, not on the rows (at 20,000 rows it holds a fraction of them).
        window = 32 * export.COPY_BLOCK_BYTES
        assert arrow_large <= 2 * max(arrow_small, window), (fmt, arrow_small, arrow_large)


def test_a_download_stopped_midway_leaves_nothing_behind(resource, city, monkeypatch):
    """A client that goes away closes the stream: the read transaction ends, the temporary
    workbook is deleted, and the connection carries on."""
    monkeypatch.setattr(export, "READ_ROWS", 2)
    monkeypatch.setattr(export, "COPY_BLOCK_BYTES", 200)  # PostgreSQL: a row or two
    load(resource, city, ROWS)
    savepoints = list(connection.savepoint_ids)
    stream = export.export_rows(resource, "csv")
    next(stream.chunks), next(stream.chunks)  # the header, then the first rows
    assert 0 < stream.rows < len(ROWS)
    stream.chunks.close()  # type: ignore[attr-defined]
    assert connection.savepoint_ids == savepoints
    assert storage.current_rows(resource) == ROWS

    made: list[str] = []
    mkstemp = export.tempfile.mkstemp

    def recorded(*args: Any, **kwargs: Any) -> tuple[int, str]:
        handle, path = mkstemp(*args, **kwargs)
        if kwargs.get("prefix") == "export-":  # not XlsxWriter's own
            made.append(path)
        return handle, path

    monkeypatch.setattr(export.tempfile, "mkstemp", recorded)
    workbook = export.export_rows(resource, "xlsx")
    next(workbook.chunks)
    assert len(made) == 1 and os.path.exists(made[0])
    workbook.chunks.close()  # type: ignore[attr-defined]
    assert not os.path.exists(made[0])
    drain(export.export_rows(resource, "xlsx"))
    assert len(made) == 2 and not os.path.exists(made[1])


def test_raw_dump_writes_the_current_state_by_the_databases_own_path(resource, city):
    load(resource, city, ROWS)
    sink = io.BytesIO()
    assert export.raw_dump_csv(resource, sink) == len(ROWS)
    lines = list(csv.reader(io.StringIO(sink.getvalue().decode(), newline="")))
    assert lines[0] == NAMES and [r[1] for r in lines[1:]] == [r["xm"] for r in ROWS]
    null = export.NullSink()
    assert export.raw_dump_csv(resource, null) == len(ROWS) and null.size == len(sink.getvalue())


def test_texts_that_look_empty_or_missing_stay_what_they_are(resource, city):
    """An empty text is not a missing one, and a text that reads NA, null or NaN is a text: on
    PostgreSQL the rows travel as CSV, where only an unquoted empty field is NULL."""
    texts = ["NA", "null", "NaN", "N/A", "", None, "NULL", '"', "a,\r\nb"]
    load(resource, city, [row(i, xm=text) for i, text in enumerate(texts, start=1)])
    by_json = [r["xm"] for r in json.loads(drain(export.export_rows(resource, "json")))]
    parquet = pq.read_table(io.BytesIO(drain(export.export_rows(resource, "parquet"))))
    assert by_json == texts
    assert parquet.column("xm").to_pylist() == texts
