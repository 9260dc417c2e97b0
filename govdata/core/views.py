"""Pages of the platform core (the working-day calendar, the audit trail) and the helpers every
app's pages share: the page actor, the console's navigation, error pages and service errors shown
on forms. Views only parse, call a service or a query, and render (STYLE.md)."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import audit
from . import calendar as cal
from .actors import MANAGE_CALENDAR, READ_AUDIT
from .errors import Forbidden, NotFound, ServiceError
from .forms import AuditFilterForm, CalendarYearForm

AUDIT_PAGE_SIZE = 50

# --- Helpers shared by the pages of every app ------------------------------------------------------


def page_actor(request: HttpRequest) -> Any:
    """The actor of a page request. Resolving people and their roles is the orgs app's business:
    settings.ACTOR_RESOLVER names its function, so core depends on no app above it."""
    return import_string(settings.ACTOR_RESOLVER)(request)


def translated(message: Any) -> str:
    """A service error's message as text: services translate their messages (lazily), so this
    renders it in the page's language."""
    return str(message or "")


def apply_service_error(
    form: forms.Form, exc: ServiceError, aliases: dict[str, str] | None = None
) -> None:
    """Put a service error's per-field messages on the form's fields (its message goes on top of
    the page); fields the form does not have are covered by the message alone. ``aliases`` name
    the form field of a service argument that the form calls otherwise."""
    for argument, detail in exc.fields.items():
        name = (aliases or {}).get(argument, argument)
        if name not in form.fields or name in form.errors:
            continue
        form.add_error(name, translated(detail) or translated(exc.message))


def form_failure(
    form: forms.Form, exc: ServiceError | None = None, aliases: dict[str, str] | None = None
) -> dict[str, Any]:
    """The ``error`` and ``status`` to re-render a form's page with: the form's own field errors
    (422), or a service's refusal, whose per-field messages are put on the form."""
    if exc is None:
        return {"error": _("Please correct the errors below."), "status": 422}
    apply_service_error(form, exc, aliases)
    return {"error": translated(exc.message), "status": exc.status}


def console_context(request: HttpRequest, actor: Any) -> dict[str, Any]:
    """What the console's navigation needs to know about the actor."""
    return {
        "actor": actor,
        "nav_may_audit": actor.may(READ_AUDIT),
        "nav_may_calendar": actor.may(MANAGE_CALENDAR),
    }


def render_console(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    actor = page_actor(request)
    return render(request, template, {**console_context(request, actor), **context}, status=status)


def error_page(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """The page for an error that leaves nothing to re-render: 404 for what the actor may not
    see (missing and forbidden alike), 403 for what it sees but may not do."""
    if isinstance(exc, NotFound):
        template, status = "console/not_found.html", 404
    elif isinstance(exc, Forbidden):
        template, status = "console/forbidden.html", 403
    else:
        template, status = "console/error.html", exc.status
    context = {"message": translated(exc.message)}
    if request.user.is_authenticated:
        return render_console(request, template, context, status=status)
    return render(request, template, context, status=status)


def forbidden_page(request: HttpRequest, message: Any = "") -> HttpResponse:
    return error_page(request, Forbidden(message or gettext_lazy("You may not open this page.")))


# --- The working-day calendar (CAL-1) ---------------------------------------------------------------

WEEKDAY_HEADERS = [
    gettext_lazy("Mo"),
    gettext_lazy("Tu"),
    gettext_lazy("We"),
    gettext_lazy("Th"),
    gettext_lazy("Fr"),
    gettext_lazy("Sa"),
    gettext_lazy("Su"),
]


def _day_kind(day: dt.date, working: bool) -> str:
    weekend = day.weekday() >= 5
    if working:
        return "makeup" if weekend else "workday"
    return "weekend" if weekend else "holiday"


def _months(year: int) -> list[dict[str, Any]]:
    """The year as twelve month grids of weeks (Monday first); a cell is a day or None."""
    by_month: dict[int, list[dict[str, Any]]] = {m: [] for m in range(1, 13)}
    for day in cal.days(dt.date(year, 1, 1), dt.date(year, 12, 31)):
        by_month[day.date.month].append(
            {
                "date": day.date,
                "kind": _day_kind(day.date, day.working),
                "exception": day.exception,
                "name": day.name,
            }
        )
    months = []
    for month, days in by_month.items():
        lead = pycalendar.weekday(year, month, 1)
        cells: list[dict[str, Any] | None] = [None] * lead + days
        cells += [None] * (-len(cells) % 7)
        months.append(
            {
                "first": dt.date(year, month, 1),
                "weeks": [cells[i : i + 7] for i in range(0, len(cells), 7)],
                "working_days": sum(1 for d in days if d["kind"] in {"workday", "makeup"}),
            }
        )
    return months


def _calendar_form_initial(year: int) -> dict[str, Any]:
    holidays: list[str] = []
    workdays: list[str] = []
    for day in cal.days(dt.date(year, 1, 1), dt.date(year, 12, 31)):
        if day.exception:
            (workdays if day.working else holidays).append(day.date.isoformat())
    entry = cal.year_entry(year)
    return {
        "year": year,
        "notice": entry.notice if entry else "",
        "holidays": "\n".join(holidays),
        "workdays": "\n".join(workdays),
    }


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    """A year of the working-day calendar; the city's data authority enters a year's notice."""
    actor = page_actor(request)
    may_manage = actor.may(MANAGE_CALENDAR)
    status = 200
    error = ""
    form = None
    raw_year = request.GET.get("year", "")
    try:
        year = int(raw_year) if raw_year else timezone.localdate().year
        if not 1990 <= year <= 2200:
            raise ValueError(raw_year)
    except ValueError:
        year = timezone.localdate().year
        error = _("Choose a year between 1990 and 2200.")
        status = 422

    if request.method == "POST":
        if not may_manage:
            return forbidden_page(request, _("Only the city's data authority keeps the calendar."))
        form = CalendarYearForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                cal.do_set_year(
                    actor=actor,
                    year=data["year"],
                    holidays=data["holidays"],
                    workdays=data["workdays"],
                    notice=data["notice"],
                )
            except ServiceError as exc:
                error = translated(exc.message)
                if exc.fields:
                    error += _(" (%(details)s)") % {
                        "details": "；".join(f"{v}" for v in exc.fields.values())
                    }
                status = exc.status
            else:
                messages.success(
                    request,
                    _("The calendar of %(year)s has been entered.") % {"year": data["year"]},
                )
                return redirect(f"{reverse('calendar')}?year={data['year']}")
        else:
            error = _("Please correct the errors below.")
            status = 422
        year = form.cleaned_data.get("year") or year
    elif may_manage:
        form = CalendarYearForm(initial=_calendar_form_initial(year))

    known = cal.is_known_year(year)
    context = {
        "year": year,
        "previous_year": year - 1 if year > 1990 else None,
        "next_year": year + 1 if year < 2200 else None,
        "known": known,
        "year_entry": cal.year_entry(year) if known else None,
        "months": _months(year),
        "weekday_headers": WEEKDAY_HEADERS,
        "today": timezone.localdate(),
        "form": form,
        "may_manage": may_manage,
        "error": error,
    }
    return render_console(request, "console/calendar.html", context, status=status)


# --- The audit trail (SEC-4) ----------------------------------------------------------------------


def _details_text(details: Any, limit: int = 240) -> str:
    text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@login_required
@require_http_methods(["GET"])
def audit_page(request: HttpRequest) -> HttpResponse:
    """The newest audit entries the auditor may read, filtered, and whether the chain is whole."""
    actor = page_actor(request)
    if not actor.may(READ_AUDIT):
        return forbidden_page(request, _("The audit trail is open to auditors only."))
    form = AuditFilterForm(request.GET)
    entries = audit.entries_visible_to(actor).order_by("-id")
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            entries = entries.filter(action__startswith=data["action"].strip())
        if data["object_type"]:
            entries = entries.filter(object_type=data["object_type"].strip())
        if data["object_id"]:
            entries = entries.filter(object_id=data["object_id"].strip())
    else:
        entries = entries.none()
        status = 422
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(entry, _details_text(entry.details)) for entry in page.object_list],
        "filter_query": query.urlencode(),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "audit-results":
        # htmx asks for the results only (filters and pages): no need to walk the chain again.
        return render(request, "console/_audit_results.html", context, status=status)
    context["verification"] = audit.latest_verification(
        max_age=0 if request.GET.get("verify") else None
    )
    return render_console(request, "console/audit.html", context, status=status)
