"""API of the platform core: the working-day calendar and the audit trail."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from . import audit
from . import calendar as cal
from .actors import MANAGE_CALENDAR, READ_AUDIT, Principal
from .errors import Forbidden, Invalid
from .models import AuditEntry, CalendarYear
from .schemas import ApiRequest, errors

router = Router(tags=["calendar and audit"])

MIN_DATE = dt.date(1990, 1, 1)
MAX_DATE = dt.date(2200, 12, 31)


def _check_range(**days: dt.date) -> None:
    for name, day in days.items():
        if not MIN_DATE <= day <= MAX_DATE:
            raise Invalid(
                _("date out of range"), code="date_range", fields={name: "1990-01-01 … 2200-12-31"}
            )


class DayOut(Schema):
    date: dt.date
    working: bool
    exception: bool
    name: str = ""


class DaysOut(Schema):
    start: dt.date
    end: dt.date
    known_years: list[int]
    days: list[DayOut]


class DaysQuery(Schema):
    start: dt.date
    end: dt.date


@router.get("/calendar/days", response={200: DaysOut, **errors(422)}, auth=None)
def calendar_days(request: ApiRequest, q: Query[DaysQuery]):
    """Each day from ``start`` to ``end`` (at most 400 days) with its working-day status."""
    _check_range(start=q.start, end=q.end)
    if q.end < q.start or (q.end - q.start).days > 400:
        raise Invalid(
            _("end must follow start, at most 400 days later"),
            code="date_range",
            fields={"end": "start … start + 400 days"},
        )
    days = [
        DayOut(date=d.date, working=d.working, exception=d.exception, name=d.name)
        for d in cal.days(q.start, q.end)
    ]
    snapshot = cal.snapshot()
    known = sorted(y for y in range(q.start.year, q.end.year + 1) if y in snapshot.known_years)
    return DaysOut(start=q.start, end=q.end, known_years=known, days=days)


class AddQuery(Schema):
    start: dt.date
    n: int = Field(..., ge=-366, le=366, description="working days to add (negative: before)")


class AddOut(Schema):
    start: dt.date
    n: int
    due_on: dt.date
    provisional: bool


@router.get("/calendar/add", response={200: AddOut, **errors(422)}, auth=None)
def calendar_add(request: ApiRequest, q: Query[AddQuery]):
    """The date ``n`` working days after ``start``; provisional when it reaches an unknown year."""
    _check_range(start=q.start)
    due = cal.deadline(q.start, q.n)
    _check_range(due_on=due.due_on)
    return AddOut(start=q.start, n=q.n, due_on=due.due_on, provisional=due.provisional)


class BetweenOut(Schema):
    start: dt.date
    end: dt.date
    working_days: int


@router.get("/calendar/between", response={200: BetweenOut, **errors(422)}, auth=None)
def calendar_between(request: ApiRequest, q: Query[DaysQuery]):
    """Working days after ``start`` up to and including ``end``."""
    _check_range(start=q.start, end=q.end)
    return BetweenOut(
        start=q.start, end=q.end, working_days=cal.working_days_between(q.start, q.end)
    )


class YearOut(Schema):
    year: int
    source: str
    notice: str
    entered_by: str


@router.get("/calendar/years", response={200: list[YearOut], **errors()}, auth=None)
def calendar_years(request: ApiRequest):
    """The years whose official holiday arrangement the platform knows."""
    return list(CalendarYear.objects.order_by("year"))


class YearIn(Schema):
    notice: str = Field("", max_length=200, description="reference of the State Council notice")
    holidays: list[dt.date] = Field(..., max_length=366)
    workdays: list[dt.date] = Field([], max_length=366, description="make-up working weekends")


@router.put("/calendar/years/{year}", response={200: YearOut, **errors(401, 403, 422)})
def calendar_set_year(request: ApiRequest, year: int, body: YearIn):
    """Enter a year's holidays and make-up working days (city data authority)."""
    actor: Principal = request.auth
    if not actor.may(MANAGE_CALENDAR):
        raise Forbidden(_("only the city's data authority keeps the calendar"))
    return cal.do_set_year(
        actor=actor, year=year, holidays=body.holidays, workdays=body.workdays, notice=body.notice
    )


class DayIn(Schema):
    working: bool
    name: str = Field("", max_length=100)


@router.put("/calendar/days/{day}", response={200: DayOut, **errors(401, 403, 422)})
def calendar_set_day(request: ApiRequest, day: dt.date, body: DayIn):
    """Override a single day (a late change to the notice)."""
    actor: Principal = request.auth
    if not actor.may(MANAGE_CALENDAR):
        raise Forbidden(_("only the city's data authority keeps the calendar"))
    _check_range(day=day)
    cal.do_set_day(actor=actor, day=day, working=body.working, name=body.name)
    (entered,) = cal.days(day, day)
    return DayOut(date=day, working=entered.working, exception=entered.exception, name=body.name)


# --- Audit -------------------------------------------------------------------------------------------


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor_kind: str
    actor_id: str
    actor_label: str
    organisation_id: int | None
    organisation_label: str
    action: str
    object_type: str
    object_id: str
    details: dict
    chain_seq: int | None
    entry_hash: str
    sealed: bool

    @staticmethod
    def resolve_sealed(obj: AuditEntry) -> bool:
        return obj.chain_seq is not None or obj.seal_id is not None


class AuditQuery(Schema):
    action: str | None = Field(None, max_length=100)
    object_type: str | None = Field(None, max_length=100)
    object_id: str | None = Field(None, max_length=64)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class AuditPage(Schema):
    count: int
    items: list[AuditEntryOut]


@router.get("/audit/entries", response={200: AuditPage, **errors(401, 403, 422)})
def audit_entries(request: ApiRequest, q: Query[AuditQuery]):
    """Audit entries the caller may read (auditors), newest first."""
    actor: Principal = request.auth
    if not actor.may(READ_AUDIT):
        raise Forbidden(_("auditors only"))
    query = audit.entries_visible_to(actor)
    if q.action:
        query = query.filter(action=q.action)
    if q.object_type:
        query = query.filter(object_type=q.object_type)
    if q.object_id:
        query = query.filter(object_id=q.object_id)
    return AuditPage(
        count=query.count(), items=list(query.order_by("-id")[q.offset : q.offset + q.limit])
    )


class BreakOut(Schema):
    kind: str
    id: int | None
    chain_seq: int | None
    reason: str


class VerificationOut(Schema):
    ok: bool
    links: int
    entries: int
    seals: int
    pending: int
    first_break: BreakOut | None
    checked_at: dt.datetime


class VerificationQuery(Schema):
    fresh: bool = Field(False, description="walk the chain now rather than answer the last result")


@router.get("/audit/verification", response={200: VerificationOut, **errors(401, 403)})
def audit_verification(request: ApiRequest, q: Query[VerificationQuery]):
    """Whether the audit chain is whole, or its first broken link: the last walk if it is recent
    (GOVDATA_AUDIT_VERIFY_MAX_AGE seconds), else a new one."""
    actor: Principal = request.auth
    if not actor.may(READ_AUDIT):
        raise Forbidden(_("auditors only"))
    return audit.latest_verification(max_age=0 if q.fresh else None).as_dict()
