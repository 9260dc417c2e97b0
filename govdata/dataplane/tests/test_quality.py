"""Data quality (AGG-3): completeness, validity, uniqueness, consistency and timeliness of a
resource's current data, counted by the database after each load, the 0–100 score of
docs/dataplane.md, the history of reports and its chart."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govdata.catalog.models import Resource
from govdata.catalog.testing import compile_entry, items, publish
from govdata.core.identifiers import ric_with_check
from govdata.dataplane import quality, storage
from govdata.dataplane.models import Batch, QualityReport, ResourceTable

pytestmark = pytest.mark.django_db

PUBLISHED = "2026-03-02 09:00:00+08:00"
GENDER = {"name": "xb", "label": "性别", "item_type": "string", "length": 4, "security_level": 2}
BIRTH = {"name": "csrq", "label": "出生日期", "item_type": "date", "security_level": 2}
PHONE = {"name": "lxdh", "label": "联系电话", "item_type": "string", "length": 20}


def ric(birth: str, sequence: int) -> str:
    """A resident ID number with a right check character: born ``birth`` (YYYYMMDD), its 17th
    digit ``sequence % 10`` (odd: male)."""
    return ric_with_check(f"110105{birth}{sequence:03d}")


def _publish(city, item_rows: list[dict[str, Any]], **fields: Any) -> Resource:
    compiler = city.actor(city.analyst)
    with freeze_time(PUBLISHED):
        version = compile_entry(compiler, city.department, items_=item_rows, **fields)
        publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)])
    return Resource.objects.get(pk=version.resource_id)


def load(resource: Resource, city, rows: list[dict[str, Any]], **kwargs: Any) -> Batch:
    return storage.load_full(resource, rows, actor=city.actor(city.analyst), **kwargs)


def person(i: int, **changes: Any) -> dict[str, Any]:
    birth = dt.date(1980, 1, 1) + dt.timedelta(days=37 * i)
    values = {
        "gmsfhm": ric(birth.strftime("%Y%m%d"), 10 + i),
        "xm": f"姓名{i}",
        "djrq": dt.date(2020, 1, 1),
        "xb": "男" if (10 + i) % 2 else "女",
        "csrq": birth,
    }
    values.update(changes)
    return values


@pytest.fixture
def people(city) -> Resource:
    return _publish(city, items(GENDER, BIRTH))


# --- Completeness ---------------------------------------------------------------------------------


def test_completeness_is_the_weighted_mean_of_the_items_filled(city):
    resource = _publish(city, items(PHONE))
    rows = [{"gmsfhm": ric("19900101", i), "xm": f"姓名{i}"} for i in range(10)]
    for i in range(6):
        rows[i]["lxdh"] = "" if i == 0 else f"1390000000{i}"  # 4 missing, 1 blank
    for i in range(8):
        rows[i]["djrq"] = dt.date(2021, 1, 1)  # 2 missing
    with freeze_time("2026-03-03"):
        report = quality.measure(resource, batch=load(resource, city, rows))
    per_item = report.details["completeness"]["items"]
    assert per_item["lxdh"]["empty"] == 5 and per_item["lxdh"]["empty_rate"] == 0.5
    assert per_item["djrq"]["empty_rate"] == 0.2
    assert per_item["gmsfhm"]["empty"] == 0 and per_item["gmsfhm"]["weight"] == 2
    assert per_item["xm"]["weight"] == 2  # required
    # (2·1 + 2·1 + 1·0.8 + 1·0.5) / 6
    assert report.completeness == pytest.approx(5.3 / 6, abs=1e-6)
    assert report.rows == 10


def test_a_full_table_is_complete(people, city):
    report = quality.measure(people, batch=load(people, city, [person(i) for i in range(5)]))
    assert report.completeness == 1.0


# --- Validity -------------------------------------------------------------------------------------


def test_validity_is_the_share_of_the_load_that_passed_the_door(people, city):
    batch = load(people, city, [person(i) for i in range(90)], rejected=10)
    report = quality.measure(people, batch=batch)
    assert report.validity == pytest.approx(0.9)
    assert report.details["validity"]["rows_read"] == 100
    assert report.details["validity"]["source"] == "load"

    given_counts = quality.measure(
        people, batch=batch, rows_read=200, rows_rejected=10, rule_violations=30
    )
    assert given_counts.validity == pytest.approx(0.8)


def test_a_measure_without_a_load_carries_the_last_validity(people, city):
    quality.measure(people, batch=load(people, city, [person(i) for i in range(3)], rejected=1))
    again = quality.measure(people)
    assert again.validity == pytest.approx(0.75)
    assert again.details["validity"]["source"] == "carried"
    assert "validity" not in again.details["not_applicable"]


def test_with_no_load_ever_validity_does_not_apply(people):
    report = quality.measure(people)
    assert report.rows == 0
    assert report.validity == 1.0
    assert {"validity", "completeness", "uniqueness", "consistency"} <= set(
        report.details["not_applicable"]
    )


# --- Uniqueness -----------------------------------------------------------------------------------


def test_the_same_id_number_under_two_keys_lowers_uniqueness(city):
    rows_spec = [
        {"name": "bh", "label": "登记编号", "item_type": "string", "length": 20, "is_key": True},
        {
            "name": "gmsfhm",
            "label": "公民身份号码",
            "item_type": "ric",
            "is_personal": True,
            "security_level": 3,
        },
        {"name": "xm", "label": "姓名", "item_type": "string", "length": 50, "security_level": 3},
    ]
    resource = _publish(city, rows_spec)
    number = ric("19900101", 11)
    rows = [{"bh": f"B{i}", "gmsfhm": ric("19900101", 20 + i), "xm": "张三"} for i in range(8)]
    rows += [{"bh": "B8", "gmsfhm": number}, {"bh": "B9", "gmsfhm": number}]
    report = quality.measure(resource, batch=load(resource, city, rows))
    assert report.details["uniqueness"]["items"]["gmsfhm"] == {
        "values": 10,
        "distinct": 9,
        "duplicates": 1,
    }
    assert report.uniqueness == pytest.approx(0.9)


def test_keys_are_unique_among_current_rows(people, city):
    load(people, city, [person(i) for i in range(4)])
    report = quality.measure(people, batch=load(people, city, [person(i) for i in range(4)]))
    assert report.uniqueness == 1.0
    assert report.details["uniqueness"]["key_duplicates"] == 0


# --- Consistency ----------------------------------------------------------------------------------


def test_gender_and_birth_date_are_checked_against_the_id_number(people, city):
    rows = [person(i) for i in range(8)]
    rows[0]["csrq"] = dt.date(1999, 9, 9)  # birth date disagrees
    rows[1]["xb"] = "女" if rows[1]["xb"] == "男" else "男"  # gender disagrees
    rows[2]["xb"] = "未知"  # not judged
    rows[3]["csrq"] = None  # not judged
    report = quality.measure(people, batch=load(people, city, rows))
    rules = report.details["consistency"]["rules"]
    assert rules["birth_date"] == {"id_item": "gmsfhm", "item": "csrq", "checked": 7, "agree": 6}
    assert rules["gender"] == {"id_item": "gmsfhm", "item": "xb", "checked": 7, "agree": 6}
    assert report.consistency == pytest.approx(12 / 14)


@pytest.mark.parametrize(
    ("male", "female"),
    [("男", "女"), ("1", "2"), ("M", "F"), ("m", "f"), ("男性", "女性")],
)
def test_common_gender_encodings_are_recognised(city, male, female):
    resource = _publish(city, items(GENDER))
    rows = [
        {"gmsfhm": ric("19850101", 11), "xm": "甲", "xb": male},  # odd digit: male
        {"gmsfhm": ric("19850101", 12), "xm": "乙", "xb": female},
        {"gmsfhm": ric("19850101", 13), "xm": "丙", "xb": female},  # wrong
    ]
    report = quality.measure(resource, batch=load(resource, city, rows))
    assert report.details["consistency"]["rules"]["gender"]["checked"] == 3
    assert report.details["consistency"]["rules"]["gender"]["agree"] == 2


def test_a_gender_coded_as_an_integer_and_a_birth_date_written_as_text_are_checked(city):
    spec = items(
        {"name": "sex", "label": "性别代码", "item_type": "integer"},
        {"name": "birth_date", "label": "生日", "item_type": "string", "length": 20},
    )
    resource = _publish(city, spec)
    rows = [
        {"gmsfhm": ric("19850304", 11), "xm": "甲", "sex": 1, "birth_date": "1985-03-04"},
        {"gmsfhm": ric("19850304", 12), "xm": "乙", "sex": 2, "birth_date": "1985年03月04日"},
        {"gmsfhm": ric("19850304", 14), "xm": "丙", "sex": 1, "birth_date": "1985/03/05"},
    ]
    report = quality.measure(resource, batch=load(resource, city, rows))
    rules = report.details["consistency"]["rules"]
    assert (rules["gender"]["checked"], rules["gender"]["agree"]) == (3, 2)
    assert (rules["birth_date"]["checked"], rules["birth_date"]["agree"]) == (3, 2)


def test_without_a_rule_consistency_does_not_apply(city):
    resource = _publish(city, items())
    report = quality.measure(
        resource, batch=load(resource, city, [{"gmsfhm": ric("19900101", 1), "xm": "甲"}])
    )
    assert report.consistency == 1.0
    assert report.details["consistency"]["rules"] == {}
    assert "consistency" in report.details["not_applicable"]


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    births=st.lists(
        st.tuples(
            st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
            st.integers(min_value=0, max_value=999),
            st.sampled_from(["男", "女", "1", "2", "M", "F", "9", ""]),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_consistency_counts_agree_with_a_plain_python_check(people, city, births):
    rows, checked, agree = [], 0, 0
    for i, (birth, sequence, gender, same_birth) in enumerate(births):
        number = ric_with_check(f"110105{birth:%Y%m%d}{sequence:03d}")
        written = birth if same_birth else birth + dt.timedelta(days=1)
        rows.append({"gmsfhm": number, "xm": f"人{i}", "xb": gender or None, "csrq": written})
        checked += 1
        agree += written == birth
        if gender in ("男", "1", "M", "女", "2", "F"):
            checked += 1
            agree += (gender in ("男", "1", "M")) == (int(number[16]) % 2 == 1)
    # Two rows may draw the same number: the key keeps the last (as a full load would refuse).
    by_key = {r["gmsfhm"]: r for r in rows}
    if len(by_key) != len(rows):
        return
    report = quality.measure(people, batch=load(people, city, rows))
    rules = report.details["consistency"]["rules"]
    assert rules["birth_date"]["checked"] + rules["gender"]["checked"] == checked
    assert rules["birth_date"]["agree"] + rules["gender"]["agree"] == agree


# --- Timeliness -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, 1.0), (2, 1.0), (3, 0.5), (4, 0.0), (10, 0.0)],
)
def test_timeliness_falls_from_one_to_zero_between_one_and_two_allowances(
    people, city, days, expected
):
    with freeze_time("2026-03-10 12:00:00+08:00"):
        load(people, city, [person(1)])  # daily: an allowance of 2 days
    with freeze_time(dt.datetime(2026, 3, 10, 4, tzinfo=dt.UTC) + dt.timedelta(days=days)):
        report = quality.measure(people)
    assert report.timeliness == pytest.approx(expected)
    assert report.details["timeliness"]["allowance_days"] == 2


def test_an_irregular_resource_is_always_timely(city):
    resource = _publish(city, items(), update_cycle="irregular")
    with freeze_time("2026-03-03"):
        load(resource, city, [{"gmsfhm": ric("19900101", 1), "xm": "甲"}])
    with freeze_time("2030-01-01"):
        report = quality.measure(resource)
    assert report.timeliness == 1.0
    assert "timeliness" in report.details["not_applicable"]


def test_data_never_gathered_ages_from_the_publication(people):
    with freeze_time("2026-03-30"):
        report = quality.measure(people)
    assert report.timeliness == 0.0
    assert report.details["timeliness"]["last_load_at"] is None


# --- Score and history ----------------------------------------------------------------------------


def test_the_score_is_the_weighted_sum_of_the_dimensions(people, city):
    rows = [person(i) for i in range(10)]
    rows[0]["csrq"] = dt.date(1999, 9, 9)
    with freeze_time("2026-03-10"):
        report = quality.measure(people, batch=load(people, city, rows, rejected=10))
    expected = (
        25 * report.completeness
        + 25 * report.validity
        + 20 * report.uniqueness
        + 15 * report.consistency
        + 15 * report.timeliness
    )
    assert report.score == pytest.approx(expected, abs=0.05)
    assert report.validity == pytest.approx(0.5)
    assert report.consistency == pytest.approx(19 / 20)
    assert 0 < report.score < 100
    assert sum(quality.WEIGHTS.values()) == 100


def test_a_perfect_fresh_load_scores_100(people, city):
    with freeze_time("2026-03-10"):
        report = quality.measure(people, batch=load(people, city, [person(i) for i in range(6)]))
    assert report.score == 100.0


def test_history_is_oldest_first_and_latest_is_the_last(people, city):
    for day in (10, 11, 12):
        with freeze_time(f"2026-03-{day} 10:00:00+08:00"):
            quality.measure(people, batch=load(people, city, [person(i) for i in range(day)]))
    reports = quality.history(people)
    assert [r.rows for r in reports] == [10, 11, 12]
    assert quality.latest(people) == reports[-1]
    assert [r.rows for r in quality.history(people, limit=2)] == [11, 12]
    assert QualityReport.objects.filter(resource=people, batch__isnull=False).count() == 3


def _table_reads(people: Resource, queries: Any) -> list[str]:
    table = ResourceTable.objects.get(resource=people).table_name
    return [query["sql"] for query in queries if table in query["sql"]]


def test_the_measure_is_one_scan_and_after_a_load_reads_only_what_it_changed(people, city):
    """The first measure is one aggregate query over the table; after the next load the
    counts are carried from the last report plus what the load wrote and minus what it
    closed (two index reads), and they equal a whole scan's."""
    batch = load(people, city, [person(i) for i in range(20)])
    with CaptureQueriesContext(connection) as first:
        quality.measure(people, batch=batch)
    reads = _table_reads(people, first.captured_queries)
    assert len(reads) == 1 and '"_batch_to" IS NULL' in reads[0]
    rows = [person(i) for i in range(1, 20)] + [person(30, xb=None)]
    rows[2] = person(3, xb="女")  # was 男
    batch = load(people, city, rows)
    assert (batch.rows_inserted, batch.rows_updated, batch.rows_deleted) == (1, 1, 1)
    with CaptureQueriesContext(connection) as second:
        report = quality.measure(people, batch=batch)
    reads = _table_reads(people, second.captured_queries)
    assert len(reads) == 2 and not any('"_batch_to" IS NULL' in sql for sql in reads)
    assert report.details["counts"] == _whole_scan(people, batch.number)
    assert report.details["consistency"]["rules"]["gender"]["checked"] == 19


def _whole_scan(resource: Resource, number: int) -> dict[str, Any]:
    table = ResourceTable.objects.get(resource=resource)
    layout = storage.Layout.of(table)
    items_ = quality._items(resource, layout, table.version_id)
    scan = quality._scan(layout, items_, quality._rules(items_))
    return quality._counts_of(scan, number, table.version_id)


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("full"), st.sets(st.integers(0, 9), min_size=1), st.integers(0, 3)),
        st.tuples(st.just("changes"), st.sets(st.integers(0, 9)), st.integers(0, 3)),
        st.tuples(st.just("undo"), st.just(set()), st.just(0)),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_carried_counts_always_equal_a_whole_scan(people, city, steps):
    """Whatever the loads, change sets and undos, the counts a report carries forward are
    those of a scan of the whole current state."""
    actor = city.actor(city.analyst)
    for kind, keys, variant in steps:
        rows = [person(i, xb=[None, "男", "女", "x"][(i + variant) % 4]) for i in sorted(keys)]
        if kind == "full":
            batch = load(people, city, rows)
        elif kind == "changes":
            deleted = [{"gmsfhm": person(i)["gmsfhm"]} for i in range(variant)]
            deleted = [d for d in deleted if d["gmsfhm"] not in {r["gmsfhm"] for r in rows}]
            batch = storage.apply_changes(people, rows, deleted, actor=actor)
        else:
            last = Batch.objects.filter(resource=people, status="committed").order_by("-number")
            if not last.exists():
                continue
            batch = storage.undo_batch(people, last.first(), actor=actor)
        report = quality.measure(people, batch=batch)
        assert report.details["counts"] == _whole_scan(people, batch.number)


TEXTS = st.one_of(st.none(), st.text(alphabet="0123456789X-/.年月日 中", max_size=20))
SEPARATORS = st.sampled_from(["", "-", "/", ".", "年", "月", "日", " ", "_"])
DATES = st.dates(min_value=dt.date(1, 1, 1))


@st.composite
def _written_dates(draw: Any) -> str:
    """A date as people write it: any separators, spaces around."""
    day = draw(DATES)
    parts = [f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"]
    text = draw(SEPARATORS).join(parts[:2]) + draw(SEPARATORS) + parts[2] + draw(SEPARATORS)
    return " " * draw(st.integers(0, 2)) + text + " " * draw(st.integers(0, 2))


BIRTHS = {
    "date": st.one_of(st.none(), DATES),
    "string": st.one_of(TEXTS, _written_dates()),
    "integer": st.one_of(
        st.none(),
        st.integers(-(10**9), 10**9),
        DATES.map(lambda d: d.year * 10000 + d.month * 100 + d.day),
    ),
}
GENDERS = {
    "string": st.one_of(st.none(), st.sampled_from(["男", "女性", "1", "2", "m", "F", "x", ""])),
    "integer": st.one_of(st.none(), st.integers(-1, 3)),
}


def _digits(birth: Any) -> str:
    """Digits 7–14 of an ID number that agrees with ``birth``, as near as the test can tell."""
    if isinstance(birth, dt.date):
        return f"{birth.year:04d}{birth.month:02d}{birth.day:02d}"
    text = str(birth).strip(" ")
    for separator in "-/.年月日":
        text = text.replace(separator, "")
    return text


@st.composite
def _people(draw: Any, birth_type: str, gender_type: str) -> dict[str, Any]:
    birth = draw(BIRTHS[birth_type])
    if birth is not None and draw(st.booleans()):  # an ID number that agrees, or nearly
        number = f"110105{_digits(birth)}{draw(st.integers(0, 999)):03d}X"
    else:
        number = draw(st.text(alphabet="0123456789X中", min_size=1, max_size=19))
    return {
        "gmsfhm": number,
        "xm": draw(TEXTS),
        "xb": draw(GENDERS[gender_type]),
        "csrq": birth,
        "dwdm": draw(st.one_of(st.none(), st.sampled_from(["A", "B", "", "中"]))),
    }


@pytest.mark.parametrize("birth_type", sorted(BIRTHS))
@pytest.mark.parametrize("gender_type", sorted(GENDERS))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_tally_of_a_full_load_equals_a_scan_of_what_it_left(
    city, birth_type, gender_type, data
):
    """What a job counts in Arrow while it reads a full load is what the database counts
    over the current rows after it: empties, repeated identifiers, and both rules, for every
    way of writing a birth date and a gender."""
    resource = _resource_of(city, birth_type, gender_type)
    rows = data.draw(
        st.lists(
            _people(birth_type, gender_type),
            min_size=1,
            max_size=12,
            unique_by=lambda r: r["gmsfhm"],
        )
    )
    table = storage.ensure_table(resource)
    layout = storage.Layout.of(table)
    tally = quality.Tally(resource, layout, table.version_id)
    assert {rule.name for rule in tally.rules} == {"birth_date", "gender"}
    assert list(tally.identifiers) == ["dwdm"]
    for batch in storage._batches(rows, layout):
        tally.add(batch)
    load(resource, city, rows)
    assert tally.scan() == quality._scan(layout, tally.items, tally.rules)


_RESOURCES: dict[tuple[int, str, str], int] = {}


def _resource_of(city, birth_type: str, gender_type: str) -> Resource:
    """One entry per combination of types for all of a test's examples."""
    key = (city.department.pk, birth_type, gender_type)
    if key not in _RESOURCES or not Resource.objects.filter(pk=_RESOURCES[key]).exists():
        spec = items(
            {**GENDER, "item_type": gender_type},
            {**BIRTH, "item_type": birth_type, "length": 30},
            {"name": "dwdm", "label": "单位代码", "item_type": "uscc"},
        )
        _RESOURCES[key] = _publish(city, spec).pk
    return Resource.objects.get(pk=_RESOURCES[key])


def test_the_measure_after_a_full_load_job_reads_no_row_of_the_table(people, city):
    """The job hands its tally to the measure: no scan of the table, and the same counts."""
    table = storage.ensure_table(people)
    layout = storage.Layout.of(table)
    rows = [person(i, xb=["男", "女", None][i % 3]) for i in range(30)]
    tally = quality.Tally(people, layout, table.version_id)
    for batch in storage._batches(rows, layout):
        tally.add(batch)
    batch = load(people, city, rows)
    with CaptureQueriesContext(connection) as measured:
        report = quality.measure(people, batch=batch, tally=tally)
    assert _table_reads(people, measured.captured_queries) == []
    assert report.details["counts"] == _whole_scan(people, batch.number)
    # A batch committed after the tally's: the tally no longer describes the state.
    later = load(people, city, rows[:10])
    with CaptureQueriesContext(connection) as measured:
        stale = quality.measure(people, batch=batch, tally=tally)
    assert _table_reads(people, measured.captured_queries)
    assert stale.details["counts"]["rows"] == 10 and later.number > batch.number


# --- The chart ------------------------------------------------------------------------------------


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def _render(reports: list[QualityReport]) -> str:
    with translation.override("zh-hans"):
        return render_to_string("dataplane/_quality_chart.html", {"reports": reports})


def test_the_chart_draws_one_point_per_report_scaled_to_the_plot(people, city):
    scores = []
    for day, rejected in ((10, 0), (11, 5), (12, 10)):
        with freeze_time(f"2026-03-{day} 10:00:00+08:00"):
            batch = load(people, city, [person(i) for i in range(10)], rejected=rejected)
            scores.append(quality.measure(people, batch=batch).score)
    html = _render(quality.history(people))
    points = re.search(r'<polyline[^>]*points="([^"]*)"', html).group(1).split()
    expected = [f"{x},{round(s / 100 * 180)}" for x, s in zip((0, 288, 576), scores, strict=True)]
    assert points == expected
    assert html.count("<circle") == 3
    assert "2026-03-10" in html and "2026-03-12" in html
    # Axis labels and dimensions in the reader's language (Chinese once the catalog is built).
    for msgid in ("Quality score", "Date measured", "Completeness", "Timeliness"):
        assert zh(msgid) in html
    score = re.search(r'data-testid="quality-score">([^<]*)<', html).group(1)
    assert score == f"{scores[-1]:.1f}"


def test_the_chart_of_a_single_report_and_of_none(people, city):
    with freeze_time("2026-03-10"):
        quality.measure(people, batch=load(people, city, [person(1)]))
    html = _render(quality.history(people))
    assert re.search(r'points="0,180"', html)
    assert "<circle" in html
    empty = _render([])
    assert "<svg" not in empty
    assert zh("No quality measurement yet: the score appears after the first load.") in empty


def test_the_chart_marks_a_dimension_that_does_not_apply(city):
    resource = _publish(city, items(), update_cycle="irregular")
    with freeze_time("2026-03-10"):
        quality.measure(
            resource, batch=load(resource, city, [{"gmsfhm": ric("19900101", 1), "xm": "甲"}])
        )
    html = _render(quality.history(resource))
    # Consistency (no gender or birth date item) and timeliness (irregular) do not apply.
    assert html.count(zh("not applicable")) == 2
