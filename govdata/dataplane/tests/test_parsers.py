"""Reading uploaded files into batches (AGG-1): every format, and every kind of bad input refused
with a clear ParseError code before anything is written."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import struct
import zipfile
from xml.sax.saxutils import escape

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from govdata.core.errors import Invalid
from govdata.dataplane.parsers import (
    ItemSpec,
    ParseError,
    SlowPath,
    open_upload,
    read_batches,
    schema_for,
)

MB = 1024 * 1024

ITEMS = [
    ItemSpec("uscc", "统一社会信用代码", "uscc", is_key=True, is_required=True),
    ItemSpec("name", "企业名称", "string", is_required=True),
    ItemSpec("founded", "成立日期", "date"),
    ItemSpec("capital", "注册资本", "decimal"),
]


def read(data: bytes, fmt=None, name="", items=ITEMS, max_bytes=10 * MB, **kw) -> pa.Table:
    stream = io.BytesIO(data)
    stream.name = name
    batches = list(read_batches(stream, fmt=fmt, items=items, max_bytes=max_bytes, **kw))
    return pa.Table.from_batches(batches)


def refused(data: bytes, **kw) -> ParseError:
    with pytest.raises(ParseError) as caught:
        read(data, **kw)
    return caught.value


CSV_TEXT = (
    "统一社会信用代码,企业名称,成立日期,注册资本\n"
    "91350100M000100Y43, 福州数据有限公司 ,2020-01-02,100.50\n"
    '91350100M000100Y44,"厦门,""海峡""\n科技",,\n'
)


# --- minimal .xlsx writer (zipfile + XML) --------------------------------------------------------


def _cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        serial = (value - dt.date(1899, 12, 30)).days
        return f'<c r="{ref}" s="1"><v>{serial}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def _sheet_xml(rows: list[list]) -> str:
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row))
        body.append(f'<row r="{r}">{cells}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )


def make_xlsx(sheets: dict[str, list[list]], extra: dict[str, bytes] | None = None) -> bytes:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(names) + 1)
    )
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship '
            f'Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            "<sheets>"
            + "".join(
                f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, n in enumerate(names, start=1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{rel}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(names) + 1)
            )
            + f'<Relationship Id="rId{len(names) + 1}" Type="{rel}/styles" Target="styles.xml"/>'
            + "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}">'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
            "</cellXfs></styleSheet>"
        ),
    }
    for i, n in enumerate(names, start=1):
        files[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(sheets[n])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in files.items():
            archive.writestr(path, text)
        for path, blob in (extra or {}).items():
            archive.writestr(path, blob)
    return buffer.getvalue()


XLSX_ROWS = [
    ["企业登记信息表"],
    [],
    ["统一社会信用代码", "企业名称", "成立日期", "注册资本", "备注"],
    ["91350100M000100Y43", " 福州数据有限公司 ", dt.date(2020, 1, 2), 100],
    ["91350100M000100Y44", "厦门科技", None, 12.5, "x"],
]


# --- each format, Chinese labels as headers ------------------------------------------------------


def test_csv_with_chinese_headers_gives_stripped_strings_and_row_numbers():
    table = read(CSV_TEXT.encode())
    assert table.schema == schema_for(ITEMS)
    assert table.schema.names == ["uscc", "name", "founded", "capital", "_row"]
    assert all(table.schema.field(n).type == pa.string() for n in ["uscc", "name", "capital"])
    assert table.column("name").to_pylist() == ["福州数据有限公司", '厦门,"海峡"\n科技']
    assert table.column("founded").to_pylist() == ["2020-01-02", None]
    assert table.column("capital").to_pylist() == ["100.50", None]
    assert table.column("_row").to_pylist() == [2, 3]


def test_csv_with_bom_and_names_in_any_case_and_width():
    data = "\ufeff USCC ,ＮＡＭＥ\n91350100M000100Y43,甲\n".encode()
    table = read(data)
    assert table.column("uscc").to_pylist() == ["91350100M000100Y43"]
    assert table.column("name").to_pylist() == ["甲"]
    assert table.column("capital").to_pylist() == [None]  # absent optional column: all null


def test_csv_in_gbk_is_read_as_gb18030():
    data = CSV_TEXT.encode("gbk")
    assert read(data).column("name").to_pylist()[0] == "福州数据有限公司"
    # A rare character only GB18030 has (four-byte) is read too.
    rare = "统一社会信用代码,企业名称\n91350100M000100Y43,福州数据有限公司𠀀\n".encode("gb18030")
    assert read(rare).column("name").to_pylist() == ["福州数据有限公司𠀀"]


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_csv_delimiter_is_sniffed_from_the_header(delimiter):
    data = f"统一社会信用代码{delimiter}企业名称\nA1{delimiter}甲,乙\n".encode()
    assert read(data).column("name").to_pylist() == ["甲,乙"]


def test_xlsx_finds_header_row_below_a_title_and_writes_iso_dates_and_integers():
    upload = open_upload(
        io.BytesIO(make_xlsx({"Sheet1": XLSX_ROWS})), fmt="xlsx", items=ITEMS, max_bytes=MB
    )
    table = pa.Table.from_batches(list(upload.batches()))
    assert upload.unknown_columns == ["备注"]
    assert table.column("name").to_pylist() == ["福州数据有限公司", "厦门科技"]
    assert table.column("founded").to_pylist() == ["2020-01-02", None]
    assert table.column("capital").to_pylist() == ["100", "12.5"]
    assert table.column("_row").to_pylist() == [4, 5]  # the sheet's own row numbers


def test_xlsx_reads_the_first_sheet_with_a_header_or_the_one_asked_for():
    book = make_xlsx(
        {
            "说明": [["本表填报说明"]],
            "数据": XLSX_ROWS,
            "其他": [["uscc", "name"], ["B1", "乙"]],
        }
    )
    assert read(book, name="企业.xlsx").column("uscc").to_pylist()[0] == "91350100M000100Y43"
    assert read(book, fmt="xlsx", sheet="其他").column("name").to_pylist() == ["乙"]
    assert refused(book, fmt="xlsx", sheet="无此表").code == "missing_sheet"


def test_workbook_without_a_recognisable_header_row_names_the_expected_columns():
    book = make_xlsx({"Sheet1": [["序号", "单位", "地址"], [1, "甲", "乙"]]})
    error = refused(book, fmt="xlsx")
    assert error.code == "missing_column"
    assert "统一社会信用代码" in str(error.message)


def test_json_array_and_rows_object_keep_numbers_as_written():
    rows = [
        {"统一社会信用代码": "A1", "企业名称": "甲", "注册资本": 100.50, "extra": 1},
        {"uscc": "A2", "name": "乙", "capital": 7, "founded": None},
        [1, 2],
        {"uscc": "A3", "name": {"nested": True}},
    ]
    for payload in (rows, {"rows": rows}):
        upload = open_upload(
            io.BytesIO(json.dumps(payload, ensure_ascii=False).replace("100.5", "100.50").encode()),
            items=ITEMS,
            max_bytes=MB,
        )
        table = pa.Table.from_batches(list(upload.batches()))
        assert upload.fmt == "json"
        assert table.column("capital").to_pylist() == ["100.50", "7"]
        assert table.column("_row").to_pylist() == [1, 2]
        assert upload.unknown_columns == ["extra"]
        assert [(e.row, e.code) for e in upload.row_errors] == [
            (3, "not_object"),
            (4, "not_scalar"),
        ]


def test_ndjson_streams_objects_and_reports_bad_lines():
    text = (
        '{"uscc": "A1", "企业名称": "甲"}\n'
        "\n"
        "not json\n"
        '"a string"\n'
        '{"uscc": "A2", "name": "乙", "founded": "2021-03-04"}\n'
    )
    upload = open_upload(io.BytesIO(text.encode()), items=ITEMS, max_bytes=MB)
    table = pa.Table.from_batches(list(upload.batches()))
    assert upload.fmt == "ndjson"
    assert table.column("uscc").to_pylist() == ["A1", "A2"]
    assert table.column("_row").to_pylist() == [1, 5]
    assert [(e.row, e.code) for e in upload.row_errors] == [(3, "corrupt"), (4, "not_object")]


def test_csv_rows_with_the_wrong_number_of_values_are_reported_not_loaded():
    data = "uscc,name\nA1,甲\nA2\nA3,丙,多余\nA4,丁,,\n".encode()
    upload = open_upload(io.BytesIO(data), items=ITEMS, max_bytes=MB)
    table = pa.Table.from_batches(list(upload.batches()))
    assert table.column("uscc").to_pylist() == ["A1", "A4"]
    assert [(e.row, e.code) for e in upload.row_errors] == [(3, "columns"), (4, "columns")]


# --- bad input -----------------------------------------------------------------------------------


def test_parse_error_is_an_invalid_service_error_with_a_machine_code():
    error = refused(b"", fmt="csv")
    assert isinstance(error, Invalid)
    assert error.status == 422
    assert error.as_body()["error"]["code"] == "empty"


def test_shift_jis_and_random_bytes_are_refused_as_wrong_encoding():
    sjis = "統一社会信用番号,企業名称\nA1,テスト株式会社カブシキガイシャ\n".encode("shift_jis")
    assert refused(sjis, fmt="csv").code == "encoding"
    assert refused(bytes(range(128, 256)) * 4, fmt="csv").code == "encoding"
    assert refused("uscc,name\n".encode("utf-16"), fmt="csv").code == "encoding"


def test_a_decoding_error_after_the_sniffed_sample_names_its_byte_offset():
    good = "uscc,name\n" + "A1,甲\n" * 20_000
    data = good.encode() + b"A2,\xff\xfe\n"
    error = refused(data, fmt="csv")
    assert error.code == "encoding"
    assert str(len(good.encode()) + 3) in str(error.message)


def test_csv_cut_inside_a_quoted_field_is_truncated():
    data = CSV_TEXT.encode()
    cut = data[: data.index("海峡".encode())]
    assert refused(cut, fmt="csv").code == "truncated"


@pytest.mark.parametrize(
    ("header", "code", "field"),
    [
        ("企业名称,成立日期", "missing_column", "uscc"),
        ("uscc,成立日期", "missing_column", "name"),
        ("uscc,企业名称,NAME", "duplicate_column", "name"),
        ("统一社会信用代码,uscc,企业名称", "duplicate_column", "uscc"),
    ],
)
def test_header_problems_are_refused_before_any_row(header, code, field):
    data = (header + "\n" + ",".join("x" * len(header.split(","))) + "\n").encode()
    with pytest.raises(ParseError) as caught:
        open_upload(io.BytesIO(data), items=ITEMS, max_bytes=MB)
    assert caught.value.code == code
    assert field in caught.value.fields


def test_json_missing_key_column_is_refused():
    data = json.dumps([{"企业名称": "甲"}], ensure_ascii=False).encode()
    assert refused(data).code == "missing_column"


def test_unknown_columns_are_reported_and_ignored():
    upload = open_upload(
        io.BytesIO("uscc,name,联系人,\nA1,甲,张三,\n".encode()), items=ITEMS, max_bytes=MB
    )
    table = pa.Table.from_batches(list(upload.batches()))
    assert upload.unknown_columns == ["联系人"]
    assert "联系人" not in table.schema.names


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"", "csv"),
        (b"\xef\xbb\xbf \n\n", "csv"),
        (b"uscc,name\n", "csv"),
        (b"uscc,name\n\n\n", "csv"),
        (b"", "json"),
        (b"[]", "json"),
        (b"", "ndjson"),
        (b"", "xlsx"),
    ],
)
def test_empty_and_header_only_files_are_refused_as_empty(data, fmt):
    assert refused(data, fmt=fmt).code == "empty"


def test_header_only_workbook_is_empty():
    book = make_xlsx({"Sheet1": [XLSX_ROWS[2]]})
    assert refused(book, fmt="xlsx").code == "empty"


def test_truncated_and_corrupt_workbooks_are_refused():
    book = make_xlsx({"Sheet1": XLSX_ROWS})
    assert refused(book[: len(book) // 2], fmt="xlsx").code == "corrupt"
    assert refused(b"PK\x03\x04" + b"\x00" * 100, fmt="xlsx").code == "corrupt"
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row><c"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, blob in parts.items():
            archive.writestr(name, blob)
    assert refused(buffer.getvalue(), fmt="xlsx").code == "corrupt"


def test_xls_xlsb_encrypted_and_other_zips_are_unsupported():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # .xls or a password-protected .xlsx
    assert refused(ole, name="旧表.xls").code == "unsupported_format"
    assert refused(ole).code == "unsupported_format"
    assert refused(ole, fmt="xlsx").code == "unsupported_format"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.bin", b"\x00")
    assert refused(buffer.getvalue(), fmt="xlsx").code == "unsupported_format"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", b"<w/>")
    assert refused(buffer.getvalue(), fmt="xlsx").code == "unsupported_format"


def test_high_ratio_zip_is_refused_as_a_bomb_before_it_is_inflated():
    bomb = make_xlsx({"Sheet1": XLSX_ROWS}, extra={"xl/media/padding.bin": b"\x00" * (20 * MB)})
    assert len(bomb) < MB  # 20 MB of zeros deflate to ~20 KB: ratio ~1000:1
    assert refused(bomb, fmt="xlsx").code == "zip_bomb"


def test_zip_that_understates_its_sizes_is_refused_as_a_bomb():
    name = b"xl/media/padding.bin"
    data = bytearray(make_xlsx({"Sheet1": XLSX_ROWS}, extra={name.decode(): b"\x00" * (20 * MB)}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local = archive.getinfo(name.decode()).header_offset
    central = data.rfind(name) - 46
    struct.pack_into("<I", data, local + 22, 1000)  # declared size in the local header
    struct.pack_into("<I", data, central + 24, 1000)  # and in the central directory
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.getinfo(name.decode()).file_size == 1000
    assert refused(bytes(data), fmt="xlsx").code == "zip_bomb"


class TwoGigabytes(io.RawIOBase):
    """A "2 GB" upload that only produces what is read from it."""

    size = 2 * 1024 * MB

    def __init__(self, prefix: bytes, filler: bytes):
        self.prefix = prefix
        self.filler = filler
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.served >= self.size:
            return 0
        n = min(len(buffer), self.size - self.served)
        chunk = (self.prefix if self.served == 0 else b"") + self.filler * (
            n // len(self.filler) + 1
        )
        buffer[:n] = chunk[:n]
        self.served += n
        return n


@pytest.mark.parametrize(
    ("prefix", "filler", "fmt"),
    [
        (b"uscc,name\n", b"A1,x\n", "csv"),
        (b"[", b'{"uscc":"A1","name":"x"},', "json"),
        (b"", b'{"uscc":"A1","name":"x"}\n', "ndjson"),
        (b"PK\x03\x04", b"\x00", "xlsx"),
    ],
)
def test_oversized_stream_is_refused_early_without_reading_it_all(prefix, filler, fmt):
    stream = TwoGigabytes(prefix, filler)
    with pytest.raises(ParseError) as caught:
        for _batch in read_batches(stream, fmt=fmt, items=ITEMS, max_bytes=5 * MB):
            pass
    assert caught.value.code == "too_large"
    assert stream.served < 10 * MB


def test_oversized_file_on_disk_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"uscc,name\n" + b"A1,x\n" * 1000)
    with pytest.raises(ParseError) as caught:
        open_upload(path, items=ITEMS, max_bytes=1000)
    assert caught.value.code == "too_large"
    assert read(path.read_bytes(), fmt="csv").num_rows == 1000
    table = pa.Table.from_batches(list(read_batches(path, items=ITEMS, max_bytes=MB)))
    assert table.num_rows == 1000


def test_truncated_json_and_ndjson():
    assert refused(b'[{"uscc": "A1", "name": "x"}, {"uscc": "A', fmt="json").code == "truncated"
    assert refused(b'[{"uscc": "A1", "name": "x"}}]', fmt="json").code == "corrupt"
    assert refused(b'{"uscc": "A1", "name": "x"}\n{"uscc": "A', fmt="ndjson").code == "truncated"
    assert refused(b'{"a": 1}', fmt="json").code == "corrupt"


# --- batching and row numbers --------------------------------------------------------------------


def _csv_of(n: int) -> bytes:
    lines = ["uscc,name,capital"] + [f"K{i},名{i},{i}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_batches_hold_the_same_rows_as_one_batch(batch_rows):
    data = _csv_of(100)
    whole = read(data, batch_rows=10_000)
    batches = list(read_batches(io.BytesIO(data), items=ITEMS, max_bytes=MB, batch_rows=batch_rows))
    assert all(b.num_rows <= batch_rows for b in batches)
    assert pa.Table.from_batches(batches).equals(whole)
    assert whole.column("_row").to_pylist() == list(range(2, 102))
    assert whole.column("uscc").to_pylist()[41] == "K41"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(
        [b"", "uscc,企业名称\n".encode(), b'[{"uscc": ', b'{"uscc": "A"}\n', b"PK"]
    ),
    data=st.binary(max_size=300),
    fmt=st.sampled_from(["csv", "json", "ndjson", "xlsx", None]),
)
def test_arbitrary_bytes_never_raise_anything_but_parse_error(prefix, data, fmt):
    with contextlib.suppress(ParseError):
        read(prefix + data, fmt=fmt, max_bytes=400)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=8)), min_size=1, max_size=30
    ),
    batch_rows=st.integers(1, 10),
)
def test_written_csv_reads_back_row_for_row(rows, batch_rows):
    import csv

    rows = [(k.replace("\x00", ""), v.replace("\x00", "")) for k, v in rows]
    rows = [(k, v) for k, v in rows if k.strip()]
    assume(rows)  # a header alone is refused as empty (tested apart)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["uscc", "name"])
    writer.writerows(rows)
    data = text.getvalue().encode()
    table = read(data, batch_rows=batch_rows)
    assert table.column("uscc").to_pylist() == [k.strip() for k, _v in rows]
    assert table.column("name").to_pylist() == [v.strip() or None for _k, v in rows]
    assert table.column("_row").to_pylist() == list(range(2, len(rows) + 2))


# --- the fast CSV reader: the same table as the careful one, or it steps aside ------------------


def read_fast(data: bytes, **kw) -> pa.Table:
    upload = open_upload(io.BytesIO(data), items=ITEMS, max_bytes=10 * MB, fast=True, **kw)
    return pa.Table.from_batches(list(upload.batches()), schema=schema_for(ITEMS))


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=8), st.text(max_size=4)),
        min_size=1,
        max_size=40,
    ),
    bom=st.booleans(),
    delimiter=st.sampled_from([",", "\t", ";"]),
)
def test_the_fast_reader_reads_what_the_careful_one_reads_or_steps_aside(rows, bom, delimiter):
    import csv

    rows = [tuple(v.replace("\x00", "") for v in row) for row in rows]
    rows = [row for row in rows if row[0].strip()]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n", delimiter=delimiter)
    writer.writerow(["uscc", "name", "capital"])
    writer.writerows(rows)
    data = ("\ufeff" if bom else "").encode() + text.getvalue().encode()
    try:
        careful = read(data)
    except ParseError as refusal:
        with pytest.raises((ParseError, SlowPath)) as caught:
            read_fast(data)
        if isinstance(caught.value, ParseError):
            assert caught.value.code == refusal.code
        return
    # A file without a quotation mark may be split at every line break (``unquoted``).
    for unquoted in {False, b'"' not in data}:
        try:
            fast = read_fast(data, unquoted=unquoted)
        except SlowPath:
            continue
        assert fast.to_pylist() == careful.to_pylist()


def test_a_file_said_to_be_unquoted_that_is_not_makes_the_fast_reader_step_aside():
    data = 'uscc,name\nA1,"甲\n乙"\n'.encode() + "A2,丙\n".encode() * 50_000
    with pytest.raises(SlowPath):
        read_fast(data, unquoted=True)
    assert read_fast(data).column("name").to_pylist()[0] == "甲\n乙"


def test_plain_files_take_the_fast_reader():
    data = "uscc,name,capital\n" + "".join(f"A{i}, 名{i} ,{i}.5\n" for i in range(5000))
    table = read_fast(data.encode())
    assert table.num_rows == 5000
    assert table.column("name").to_pylist()[:2] == ["名0", "名1"]
    assert table.column("_row").to_pylist()[-1] == 5001
    assert table.column("founded").null_count == 5000


@pytest.mark.parametrize(
    "data",
    [
        "uscc,name\nA1,甲\nA2\n".encode(),  # a row of the wrong width
        "uscc,name\nA1,甲\n\nA2,乙\n".encode(),  # a blank line
        CSV_TEXT.encode()[: CSV_TEXT.encode().index("海峡".encode())],  # cut inside quotes
        CSV_TEXT.encode("gbk"),  # GB18030
        ("uscc,name\n" + "A1,甲\n" * 20_000).encode() + b"A2,\xff\xfe\n",  # bad UTF-8 later on
        b'"uscc","name"\nA1,x\n',  # a quoted header
    ],
)
def test_the_fast_reader_steps_aside_where_the_careful_one_reports_more(data):
    with pytest.raises(SlowPath):
        read_fast(data)
