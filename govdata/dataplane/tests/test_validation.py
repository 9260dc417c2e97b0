"""Validation at the door (AGG-2): every rule of a data item checked on a whole batch, bad rows
kept with their reasons in Chinese, identifier anomalies that may be real kept as warnings, and
the accepted rows typed so that the table takes them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govdata.catalog.models import Resource
from govdata.catalog.testing import compile_entry, publish
from govdata.core.identifiers import ric_with_check
from govdata.dataplane import parsers, storage
from govdata.dataplane.parsers import ItemSpec
from govdata.dataplane.validation import Rule, check_batch, rejected_rows_csv, rule_problems

ITEMS = [
    ItemSpec("gmsfhm", "公民身份号码", "ric", is_key=True),
    ItemSpec("xm", "姓名", "string", is_required=True, length=4),
    ItemSpec("hs", "户数", "integer"),
    ItemSpec("je", "金额", "decimal"),
    ItemSpec("csrq", "出生日期", "date"),
    ItemSpec("gxsj", "更新时间", "datetime"),
    ItemSpec("yx", "有效", "boolean"),
]
GOOD = ric_with_check("11010519491231002")
ODD_PROVINCE = ric_with_check("99010519491231002")  # a real check digit, no such province


def batch(*rows: dict) -> pa.RecordBatch:
    columns = {item.name: [r.get(item.name) for r in rows] for item in ITEMS}
    columns["_row"] = list(range(2, len(rows) + 2))
    return pa.RecordBatch.from_pydict(
        columns,
        schema=pa.schema([*(pa.field(i.name, pa.string()) for i in ITEMS), ("_row", pa.int64())]),
    )


def good(**overrides) -> dict:
    row = {
        "gmsfhm": GOOD,
        "xm": "张三",
        "hs": "3",
        "je": "12.50",
        "csrq": "1949/12/31",
        "gxsj": "2026-11-30 09:30:00",
        "yx": "是",
    }
    row.update(overrides)
    return row


def test_a_good_row_is_accepted_and_typed_for_the_table():
    checked = check_batch(batch(good()), ITEMS)
    assert checked.rejected == [] and checked.warnings == []
    row = checked.accepted.to_pylist()[0]
    assert row["hs"] == 3 and row["je"] == "12.50" and row["yx"] is True
    assert row["csrq"] == dt.date(1949, 12, 31)
    assert row["gxsj"] == dt.datetime(2026, 11, 30, 1, 30, tzinfo=dt.UTC)  # 09:30 in the city
    assert [f.type for f in checked.accepted.schema] == [
        storage.arrow_type(i.item_type) for i in ITEMS
    ]
    assert checked.accepted_rows.to_pylist() == [2]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("gmsfhm", GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2"), "校验码"),
        ("gmsfhm", None, "必填"),
        ("xm", None, "必填"),
        ("xm", "欧阳娜娜娜", "超过 4"),
        ("hs", "三", "整数"),
        ("hs", "1.5", "整数"),
        ("je", "12,50", "数值"),
        ("csrq", "1949-02-30", "日期"),
        ("gxsj", "昨天", "日期时间"),
        ("yx", "maybe", "布尔"),
    ],
)
def test_each_rule_rejects_its_row_with_a_reason_in_chinese(field, value, words):
    checked = check_batch(
        batch(good(), good(**{field: value, "gmsfhm": GOOD if field != "gmsfhm" else value})), ITEMS
    )
    assert checked.accepted.num_rows == 1
    [rejected] = checked.rejected
    assert rejected.row == 3 and rejected.values[field] == value
    assert any(words in reason for reason in rejected.reasons), rejected.reasons


def test_every_problem_of_a_row_is_listed():
    checked = check_batch(batch(good(hs="x", je="y", yx="z")), ITEMS)
    assert len(checked.rejected[0].reasons) == 3


def test_an_odd_province_with_a_right_check_digit_is_a_warning_not_a_rejection():
    checked = check_batch(batch(good(gmsfhm=ODD_PROVINCE)), ITEMS)
    assert checked.rejected == [] and checked.accepted.num_rows == 1
    assert checked.warnings and "省" in checked.warnings[0][1]


def test_an_identifier_typed_loosely_is_stored_normalised():
    loose = " " + GOOD[:6] + " " + GOOD[6:].lower() + " "
    checked = check_batch(batch(good(gmsfhm=loose)), ITEMS)
    assert checked.accepted.column("gmsfhm").to_pylist() == [GOOD]


@given(st.lists(st.text(max_size=30) | st.none(), min_size=1, max_size=20))
def test_any_text_in_any_column_is_accepted_or_rejected_never_an_error(values):
    rows = [{item.name: value for item in ITEMS} for value in values]
    checked = check_batch(batch(*rows), ITEMS)
    assert checked.accepted.num_rows + len(checked.rejected) == len(values)


@pytest.mark.django_db
def test_a_file_goes_through_parsing_checking_and_storing(city):
    compiler = city.actor(city.analyst)
    version = compile_entry(
        compiler,
        city.department,
        items_=[
            {
                "name": "gmsfhm",
                "label": "公民身份号码",
                "item_type": "ric",
                "is_key": True,
                "security_level": 3,
            },
            {
                "name": "xm",
                "label": "姓名",
                "item_type": "string",
                "length": 50,
                "security_level": 3,
            },
            {"name": "djrq", "label": "登记日期", "item_type": "date", "security_level": 2},
        ],
    )
    publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)])
    resource = Resource.objects.get(pk=version.resource_id)
    items = [
        ItemSpec(i.name, i.label, i.item_type, i.is_key, i.is_required, i.length)
        for i in resource.live_version.items.order_by("position")
    ]
    other = ric_with_check("11010519800101003")
    text = f"公民身份号码,姓名,登记日期\n{GOOD},张三,2026-01-05\n{other},李四,2026-13-01\n123,王五,2026-02-01\n"
    accepted = []
    rejected = []
    for part in parsers.read_batches(
        io.BytesIO(text.encode("gb18030")), items=items, max_bytes=10_000, fmt="csv"
    ):
        checked = check_batch(part, items)
        accepted.append(checked.accepted)
        rejected += checked.rejected
    assert [r.row for r in rejected] == [3, 4]
    loaded = storage.load_full(resource, accepted, actor=compiler, rejected=len(rejected))
    assert (loaded.rows_inserted, loaded.rows_rejected) == (1, 2)
    stored = storage.get_by_key(resource, {"gmsfhm": GOOD})
    assert stored is not None and stored["djrq"] == dt.date(2026, 1, 5)


def test_dates_are_read_as_people_write_them_but_never_rolled_over():
    checked = check_batch(
        batch(
            good(csrq="2026-1-5", gxsj="2026/1/5T08:00:00"),
            good(csrq="2024-02-29"),
            good(csrq="2023-02-29"),
            good(gxsj="2026-04-31 10:00:00"),
        ),
        ITEMS,
    )
    assert checked.accepted.column("csrq").to_pylist() == [
        dt.date(2026, 1, 5),
        dt.date(2024, 2, 29),
    ]
    assert [r.row for r in checked.rejected] == [4, 5]


def test_rejected_rows_come_back_as_a_file_to_correct_and_send_again():
    checked = check_batch(batch(good(), good(hs="三", xm="李,四"), good(gmsfhm=None)), ITEMS)
    data = rejected_rows_csv(checked.rejected, ITEMS)
    assert data.startswith("\ufeff".encode())
    # The department's own parser reads it back: labels as headers, values as sent, reasons.
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["行", *(i.label for i in ITEMS), "原因"]
    assert [r[0] for r in rows[1:]] == ["3", "4"]
    assert rows[1][2] == "李,四" and "整数" in rows[1][-1]
    assert rows[2][1] == "" and "必填" in rows[2][-1]


# --- rules beyond the type: code lists, patterns, ranges ----------------------------------------


def test_a_code_list_refuses_values_outside_it_and_names_the_item():
    rules = {"xm": Rule(codes=("张三", "李四"))}
    checked = check_batch(batch(good(), good(xm="王五"), good(xm="李四")), ITEMS, rules)
    assert checked.accepted.num_rows == 2
    [rejected] = checked.rejected
    assert rejected.row == 3
    assert rejected.reasons == ["姓名（xm）不在其代码表中。"]


def test_a_pattern_must_match_the_whole_value():
    rules = {"xm": Rule(pattern="张.")}
    checked = check_batch(batch(good(), good(xm="张三丰"), good(xm="小张三")), ITEMS, rules)
    assert [r.row for r in checked.rejected] == [3, 4]
    assert "模式" in checked.rejected[0].reasons[0]


def test_ranges_compare_numbers_decimals_and_dates_by_value():
    rules = {
        "hs": Rule(minimum="1", maximum="10"),
        "je": Rule(maximum="100"),
        "csrq": Rule(minimum="1900-01-01", maximum="2026-12-31"),
    }
    rows = [
        good(),
        good(hs="0"),
        good(hs="11"),
        good(je="99.99"),
        good(je="100.01"),
        good(csrq="1899/12/31"),
        good(hs=None, je=None, csrq=None),  # empty values are for required items to refuse
    ]
    checked = check_batch(batch(*rows), ITEMS, rules)
    reasons = {r.row: r.reasons for r in checked.rejected}
    assert sorted(reasons) == [3, 4, 6, 7]
    assert reasons[3] == ["户数（hs）低于1。"]
    assert reasons[4] == ["户数（hs）高于10。"]
    assert reasons[6] == ["金额（je）高于100。"]


def test_every_broken_rule_of_a_row_is_named():
    rules = {"xm": Rule(codes=("张三",), pattern="张."), "hs": Rule(maximum="5")}
    checked = check_batch(batch(good(xm="王五", hs="9")), ITEMS, rules)
    assert len(checked.rejected[0].reasons) == 3


@pytest.mark.parametrize(
    ("item", "rule", "fragment"),
    [
        (ITEMS[1], Rule(pattern="(unclosed"), "不是有效的表达式"),
        (ITEMS[1], Rule(minimum="1"), "没有取值范围"),
        (ITEMS[2], Rule(minimum="one"), "的有效界限"),
        (ITEMS[4], Rule(minimum="2026-02-30"), "的有效界限"),
        (ITEMS[2], Rule(minimum="10", maximum="1"), "上下颠倒"),
        (ITEMS[3], Rule(minimum="10.5", maximum="9"), "上下颠倒"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_with_its_reason(item, rule, fragment):
    [problem] = rule_problems(item, rule)
    assert fragment in problem


def test_a_rule_that_can_work_has_no_problems():
    assert rule_problems(ITEMS[2], Rule(minimum="1", maximum="10")) == []
    assert rule_problems(ITEMS[1], Rule(codes=("a",), pattern="[a-z]+")) == []


ISO_LIKE = st.builds(
    "{:04d}-{:02d}-{:02d}".format,
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
)


@given(st.lists(ISO_LIKE | st.none(), min_size=1, max_size=30), st.booleans())
def test_the_fast_reading_of_iso_dates_equals_the_careful_one(values, odd_one):
    """Dates all written YYYY-MM-DD take a faster path; it reads every value, impossible
    days included, exactly as the careful path does (which a column with any other way of
    writing takes)."""
    from govdata.dataplane import validation

    if odd_one:
        values = [*values, "2024/2/29"]
    column = pa.array(values, pa.string())
    careful = pc.cast(validation._calendar(column, validation._DATE, ""), pa.date32())
    assert pc.cast(validation._iso_dates(column), pa.date32()).equals(careful)


ZONES = st.none() | st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timedelta(minutes=m))


@given(
    st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2199, 12, 30)),
    ZONES,
    st.sampled_from(["T", " "]),
    st.sampled_from(["+08:00", "+0800", "Z"]),
)
def test_date_times_are_read_with_fractions_and_zones_as_exports_write_them(
    moment, offset, separator, zone_style
):
    """A date-time with a fraction of a second and a zone (as the JSON export writes it) is
    read to the microsecond; without a zone it is the city's local time."""
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from govdata.dataplane import validation

    if offset is None:
        text = moment.isoformat(sep=separator)
        expected = moment.replace(tzinfo=ZoneInfo(settings.TIME_ZONE)).astimezone(dt.UTC)
    else:
        aware = moment.replace(tzinfo=dt.timezone(offset))
        text = aware.isoformat(sep=separator)
        if zone_style == "+0800":
            text = text[:-3] + text[-2:]
        elif zone_style == "Z" and not offset:
            text = text[:-6] + "Z"
        expected = aware.astimezone(dt.UTC)
    assert validation._moments(pa.array([text])).to_pylist() == [expected]


def test_impossible_zones_and_fractions_are_refused():
    from govdata.dataplane import validation

    texts = [
        "2026-11-30T09:30:00+24:00",
        "2026-11-30T09:30:00+08:60",
        "2026-11-30T09:30:00.1234567",
    ]
    assert validation._moments(pa.array(texts)).to_pylist() == [None, None, None]
