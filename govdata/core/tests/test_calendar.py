"""CAL-1: the working-day calendar that every deadline counts on."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from govdata.core import calendar as cal
from govdata.core.actors import ActorRef
from govdata.core.errors import Invalid
from govdata.core.models import CalendarDay, CalendarYear

D = dt.date
AUTHORITY = ActorRef(kind="person", id="1", label="city authority")

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # National Day 2024: 1-7 October off, Sunday 29 September and Saturday 12 October worked.
        (D(2024, 9, 29), True),
        (D(2024, 10, 1), False),
        (D(2024, 10, 7), False),
        (D(2024, 10, 8), True),
        (D(2024, 10, 12), True),
        # Spring Festival 2025: 28 January to 4 February off, Sunday 26 January and Saturday 8 February worked.
        (D(2025, 1, 26), True),
        (D(2025, 1, 28), False),
        (D(2025, 2, 4), False),
        (D(2025, 2, 8), True),
        # Spring Festival 2026: 15 to 23 February off, Saturdays 14 and 28 February worked.
        (D(2026, 2, 14), True),
        (D(2026, 2, 16), False),
        (D(2026, 2, 23), False),
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),
        # National Day 2026: 1 to 7 October off, Sunday 20 September and Saturday 10 October worked.
        (D(2026, 9, 20), True),
        (D(2026, 10, 7), False),
        (D(2026, 10, 10), True),
        # An ordinary weekend and weekday.
        (D(2026, 11, 21), False),
        (D(2026, 11, 23), True),
    ],
)
def test_known_holidays_and_make_up_weekends(day, working):
    assert cal.is_working_day(day) is working


def test_adding_working_days_skips_a_golden_week():
    # Monday 30 September 2024 + 1 working day: 1-7 October are off, so Tuesday 8 October.
    assert cal.add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 8)
    # SHR-2's 5 working days from Friday 27 September 2024: Sunday 29 September (make-up day),
    # Monday 30 September, then 8, 9 and 10 October.
    assert cal.add_working_days(D(2024, 9, 27), 5) == D(2024, 10, 10)
    # and backwards: the working day before Tuesday 8 October 2024 is Monday 30 September.
    assert cal.add_working_days(D(2024, 10, 8), -1) == D(2024, 9, 30)


def test_counting_is_from_the_day_after_start():
    assert cal.working_days_between(D(2026, 11, 23), D(2026, 11, 23)) == 0
    assert cal.working_days_between(D(2026, 11, 23), D(2026, 11, 24)) == 1
    assert cal.working_days_between(D(2026, 11, 20), D(2026, 11, 23)) == 1  # Fri -> Mon
    assert cal.working_days_between(D(2026, 11, 24), D(2026, 11, 23)) == -1


def test_every_year_the_package_knows_is_seeded():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert {2004, 2024, 2025, 2026} <= years
    assert CalendarDay.objects.filter(date=D(2026, 2, 14), is_working_day=True).exists()


def test_a_year_beyond_the_calendar_is_counted_monday_to_friday_and_provisional():
    assert not cal.is_known_year(2027)
    due = cal.deadline(D(2026, 12, 28), 5)
    # 29, 30, 31 December and 1 (a Friday, counted since 2027 is unknown), 4 January.
    assert due == cal.Deadline(due_on=D(2027, 1, 4), provisional=True)
    assert cal.deadline(D(2026, 11, 23), 5).provisional is False


def test_entering_a_year_makes_its_deadlines_firm():
    cal.do_set_year(
        actor=AUTHORITY,
        year=2027,
        holidays=[D(2027, 1, 1)],
        workdays=[D(2027, 1, 9)],  # a Saturday, invented for the test
        notice="国办发明电〔2026〕1号",
    )
    assert cal.is_known_year(2027)
    assert not cal.is_working_day(D(2027, 1, 1))
    assert cal.is_working_day(D(2027, 1, 9))
    assert cal.deadline(D(2026, 12, 28), 5) == cal.Deadline(due_on=D(2027, 1, 5), provisional=False)


def test_entering_a_year_replaces_its_earlier_entry():
    cal.do_set_year(actor=AUTHORITY, year=2027, holidays=[D(2027, 1, 1)], workdays=[])
    cal.do_set_year(actor=AUTHORITY, year=2027, holidays=[D(2027, 1, 4)], workdays=[])
    assert cal.is_working_day(D(2027, 1, 1))  # a Friday again
    assert not cal.is_working_day(D(2027, 1, 4))


@pytest.mark.parametrize(
    ("holidays", "workdays", "code"),
    [
        ([D(2027, 1, 1)], [D(2027, 1, 1)], "calendar_overlap"),
        ([D(2028, 1, 3)], [], "calendar_wrong_year"),
    ],
)
def test_an_inconsistent_notice_is_refused_and_changes_nothing(holidays, workdays, code):
    with pytest.raises(Invalid) as caught:
        cal.do_set_year(actor=AUTHORITY, year=2027, holidays=holidays, workdays=workdays)
    assert caught.value.code == code
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year__in=[2027, 2028]).exists()


def test_a_single_day_can_be_overridden_and_put_back():
    day = D(2026, 11, 23)  # a Monday
    cal.do_set_day(actor=AUTHORITY, day=day, working=False, name="local holiday")
    assert not cal.is_working_day(day)
    cal.do_set_day(actor=AUTHORITY, day=day, working=True)
    assert cal.is_working_day(day)
    assert not CalendarDay.objects.filter(date=day).exists()


def test_seeding_again_keeps_an_authority_entry():
    cal.do_set_year(actor=AUTHORITY, year=2026, holidays=[D(2026, 1, 2)], workdays=[])
    assert cal.seed_from_package() == []
    assert CalendarYear.objects.get(year=2026).source == "notice"
    assert not cal.is_working_day(D(2026, 1, 2))


dates = st.dates(min_value=D(2004, 1, 1), max_value=D(2029, 12, 31))
property_settings = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@property_settings
@given(start=dates, n=st.integers(min_value=0, max_value=80))
def test_adding_then_counting_round_trips(start, n):
    assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


@property_settings
@given(start=dates, n=st.integers(min_value=1, max_value=80))
def test_going_back_then_counting_round_trips_from_a_working_day(start, n):
    assume(cal.is_working_day(start))
    earlier = cal.add_working_days(start, -n)
    assert cal.is_working_day(earlier)
    assert cal.working_days_between(earlier, start) == n


@property_settings
@given(start=dates, n=st.integers(min_value=1, max_value=80))
def test_a_deadline_always_falls_on_a_working_day_after_the_start(start, n):
    due = cal.add_working_days(start, n)
    assert due > start
    assert cal.is_working_day(due)
    assert cal.add_working_days(start, n + 1) > due


@property_settings
@given(a=dates, b=dates, c=dates)
def test_counting_is_additive(a, b, c):
    assert cal.working_days_between(a, c) == cal.working_days_between(
        a, b
    ) + cal.working_days_between(b, c)


def test_another_process_change_is_noticed_after_the_recheck_interval(monkeypatch):
    from django.db.models import F

    from govdata.core.models import CalendarRevision

    day = D(2026, 12, 1)  # a Tuesday
    assert cal.is_working_day(day)
    # Another web node enters a holiday: the rows and the revision move in the database.
    CalendarDay.objects.create(date=day, is_working_day=False, source="notice")
    CalendarRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    assert cal.is_working_day(day)  # this process still trusts its calendar for a few seconds
    monkeypatch.setattr(cal, "RECHECK_SECONDS", 0.0)
    assert not cal.is_working_day(day)
