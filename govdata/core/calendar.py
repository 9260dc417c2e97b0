"""The working-day calendar (CAL-1): every deadline of the regulations counts working days.

A day is a working day when it is Monday to Friday and not a holiday, or when it is a make-up
working weekend (调休). Years come from the chinese-calendar package (2004 onwards, as far as the
installed release knows) and from the authority's entries of the yearly State Council notice. For a
year the platform does not know, days follow the Monday-to-Friday rule and any deadline reaching
into that year is *provisional*; entering the year recomputes the open provisional deadlines.

The exceptions are few (about 30 a year), so the whole calendar is held in memory per process and
reloaded when its revision (a counter in the database, moved by every change) has moved; each
process looks at the counter at most every ``RECHECK_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from .actors import ActorRef, Auditable, as_ref
from .choices import CalendarSource
from .errors import Invalid
from .models import CalendarDay, CalendarRevision, CalendarYear

_ONE_DAY = dt.timedelta(days=1)
MAX_SPAN_DAYS = 3660  # ten years: no deadline of the regulations comes near it


@dataclass(frozen=True)
class Deadline:
    due_on: dt.date
    provisional: bool


@dataclass(frozen=True)
class _Snapshot:
    revision: int
    known_years: frozenset[int]
    exceptions: dict[dt.date, bool]

    def is_working_day(self, day: dt.date) -> bool:
        override = self.exceptions.get(day)
        if override is not None:
            return override
        return day.weekday() < 5


_snapshot: _Snapshot | None = None
# How long a process trusts its calendar before asking the database whether it changed.
RECHECK_SECONDS = 5.0
_checked_at = 0.0


def _revision() -> int:
    global _checked_at
    now = time.monotonic()
    if _snapshot is not None and now - _checked_at < RECHECK_SECONDS:
        return _snapshot.revision
    _checked_at = now
    return CalendarRevision.objects.filter(pk=1).values_list("revision", flat=True).first() or 0


def _bump_revision() -> None:
    """Mark the calendar changed: this process reloads at once, the others within seconds."""
    global _snapshot
    if not CalendarRevision.objects.filter(pk=1).update(revision=F("revision") + 1):
        CalendarRevision.objects.get_or_create(pk=1, defaults={"revision": 2})
    _snapshot = None


def forget() -> None:
    """Drop this process's calendar (tests, after a rollback)."""
    global _snapshot
    _snapshot = None


@contextmanager
def _fresh_snapshot() -> Iterator[None]:
    """Around a change of the calendar: whether it commits or rolls back, this process keeps no
    snapshot taken while it was under way. (The change itself moves the revision in its own
    transaction, so other processes notice exactly when it commits.)"""
    try:
        yield
    finally:
        forget()


def snapshot() -> _Snapshot:
    global _snapshot
    revision = _revision()
    if _snapshot is None or _snapshot.revision != revision:
        _snapshot = _Snapshot(
            revision=revision,
            known_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
            exceptions=dict(CalendarDay.objects.values_list("date", "is_working_day")),
        )
    return _snapshot


def is_working_day(day: dt.date) -> bool:
    return snapshot().is_working_day(day)


def is_known_year(year: int) -> bool:
    return year in snapshot().known_years


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` (the n-th before it when n < 0); ``start`` when n == 0.

    ``start`` itself never counts, whether or not it is a working day: a deadline of n working
    days starts counting the day after the event, so that
    ``working_days_between(start, add_working_days(start, n)) == n``.
    """
    cal = snapshot()
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    day = start
    limit = MAX_SPAN_DAYS
    while remaining:
        day += step
        limit -= 1
        if limit < 0:
            raise Invalid(_("working-day span too long"), code="calendar_span")
        if cal.is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    if (end - start).days > MAX_SPAN_DAYS * 4:
        raise Invalid(_("working-day span too long"), code="calendar_span")
    cal = snapshot()
    count = 0
    day = start
    while day < end:
        day += _ONE_DAY
        if cal.is_working_day(day):
            count += 1
    return count


def deadline(start: dt.date, n: int) -> Deadline:
    """The due date n working days after ``start``, provisional when any year it spans is unknown."""
    due = add_working_days(start, n)
    years = range(min(start, due).year, max(start, due).year + 1)
    known = snapshot().known_years
    return Deadline(due_on=due, provisional=any(y not in known for y in years))


@dataclass(frozen=True)
class Day:
    date: dt.date
    working: bool
    exception: bool  # breaks the Monday-to-Friday rule (a holiday on a weekday, a make-up day)
    name: str


def days(start: dt.date, end: dt.date) -> list[Day]:
    """Every day from ``start`` to ``end`` with its status and name, for the calendar page and API."""
    cal = snapshot()
    names = dict(CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "name"))
    out = []
    day = start
    while day <= end:
        out.append(Day(day, cal.is_working_day(day), day in cal.exceptions, names.get(day, "")))
        day += _ONE_DAY
    return out


def year_entry(year: int) -> CalendarYear | None:
    """Who entered a year and from which notice (None for a year the platform does not know)."""
    return CalendarYear.objects.filter(year=year).first()


# --- Writing the calendar ---------------------------------------------------------------------------


def _exceptions_of(year: int, holidays: Iterable[dt.date], workdays: Iterable[dt.date]) -> dict:
    holidays, workdays = set(holidays), set(workdays)
    both = holidays & workdays
    if both:
        raise Invalid(
            _("a day cannot be both a holiday and a working day"),
            code="calendar_overlap",
            fields={"days": ", ".join(sorted(d.isoformat() for d in both))},
        )
    for day in holidays | workdays:
        if day.year != year:
            raise Invalid(
                _("every day must lie in the year entered"),
                code="calendar_wrong_year",
                fields={"days": day.isoformat()},
            )
    out = {}
    for day in holidays:
        if day.weekday() < 5:  # a weekend holiday is not an exception
            out[day] = False
    for day in workdays:
        if day.weekday() >= 5:  # a weekday working day is not an exception
            out[day] = True
    return out


def do_set_year(
    *,
    actor: Auditable | ActorRef,
    year: int,
    holidays: Iterable[dt.date],
    workdays: Iterable[dt.date],
    notice: str = "",
    names: dict[dt.date, str] | None = None,
) -> CalendarYear:
    """Enter (or replace) a year's holiday arrangement from the official notice.

    Replaces the year's exceptions, marks the year known, recomputes open provisional deadlines
    and writes an audit entry, all in one transaction. The caller has checked that the actor may.
    """
    from . import audit, workflow

    if not 1990 <= year <= 2200:
        raise Invalid(_("year out of range"), code="calendar_year", fields={"year": year})
    exceptions = _exceptions_of(year, holidays, workdays)
    names = names or {}
    ref = as_ref(actor)
    with _fresh_snapshot(), transaction.atomic():
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(
                date=d, is_working_day=w, name=names.get(d, ""), source=CalendarSource.NOTICE
            )
            for d, w in sorted(exceptions.items())
        )
        entry, _created = CalendarYear.objects.update_or_create(
            year=year,
            defaults={"source": CalendarSource.NOTICE, "notice": notice, "entered_by": ref.label},
        )
        _bump_revision()  # the recount below must see the new days
        recomputed = workflow.recompute_provisional_deadlines(actor=ref)
        audit.record(
            actor=ref,
            action="core.calendar.set_year",
            object_type="calendar_year",
            object_id=str(year),
            details={
                "notice": notice,
                "holidays": sorted(d.isoformat() for d, w in exceptions.items() if not w),
                "workdays": sorted(d.isoformat() for d, w in exceptions.items() if w),
                "recomputed_deadlines": recomputed,
            },
        )
    return entry


def do_set_day(*, actor: Auditable | ActorRef, day: dt.date, working: bool, name: str = "") -> None:
    """Override one day (a late change of the notice, a local holiday) and audit it."""
    from . import audit, workflow

    ref = as_ref(actor)
    with _fresh_snapshot(), transaction.atomic():
        if working == (day.weekday() < 5):
            CalendarDay.objects.filter(date=day).delete()
        else:
            CalendarDay.objects.update_or_create(
                date=day,
                defaults={"is_working_day": working, "name": name, "source": CalendarSource.NOTICE},
            )
        _bump_revision()
        recomputed = workflow.recompute_provisional_deadlines(actor=ref, include_firm=True)
        audit.record(
            actor=ref,
            action="core.calendar.set_day",
            object_type="calendar_day",
            object_id=day.isoformat(),
            details={"working": working, "name": name, "recomputed_deadlines": recomputed},
        )


def seed_from_package(years: Iterable[int] | None = None) -> list[int]:
    """Store the years chinese-calendar knows that the platform does not have yet. Idempotent;
    a year the authority entered itself is never overwritten."""
    import chinese_calendar

    known_by_package = sorted({d.year for d in chinese_calendar.holidays})
    wanted = set(years) if years is not None else set(known_by_package)
    have = set(CalendarYear.objects.values_list("year", flat=True))
    added = []
    for year in known_by_package:
        if year not in wanted or year in have:
            continue
        rows = []
        day = dt.date(year, 1, 1)
        while day.year == year:
            working = chinese_calendar.is_workday(day)
            if working != (day.weekday() < 5):
                _on_holiday, name = chinese_calendar.get_holiday_detail(day)
                rows.append(
                    CalendarDay(
                        date=day,
                        is_working_day=working,
                        name=name or "",
                        source=CalendarSource.SEED,
                    )
                )
            day += _ONE_DAY
        with transaction.atomic():
            CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
            CalendarYear.objects.create(
                year=year, source=CalendarSource.SEED, entered_by="chinese-calendar"
            )
        added.append(year)
    if added:
        _bump_revision()
    return added


def seed_after_migrate(**kwargs) -> None:
    seed_from_package()
