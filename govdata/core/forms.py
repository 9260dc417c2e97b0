"""Forms of the core pages: the calendar notice and the audit filters. They only parse; the rules
live in ``core.calendar`` and ``core.audit``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Dates are separated by spaces, commas (also the full-width ones people type) or semicolons.
_SEPARATORS = re.compile(r"[\s,;，、；]+")
# A span of days: 2027-02-10~2027-02-16 (also "..", "～" or "至").
_SPAN = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:~|～|\.\.|至)(\d{4}-\d{1,2}-\d{1,2})$")
MAX_DAYS = 366


def _parse_day(text: str) -> dt.date:
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return dt.date(year, month, day)
    except ValueError as exc:
        raise forms.ValidationError(
            _("Not a date: %(value)s (write YYYY-MM-DD)."), params={"value": text}, code="date"
        ) from exc


def parse_day_list(text: str) -> list[dt.date]:
    """Dates written one by one or as spans, in any order; duplicates are dropped."""
    days: set[dt.date] = set()
    for token in _SEPARATORS.split(text or ""):
        if not token:
            continue
        span = _SPAN.match(token)
        if span:
            first, last = _parse_day(span.group(1)), _parse_day(span.group(2))
            if last < first or (last - first).days >= MAX_DAYS:
                raise forms.ValidationError(
                    _("Not a valid span of days: %(value)s."), params={"value": token}, code="span"
                )
            day = first
            while day <= last:
                days.add(day)
                day += dt.timedelta(days=1)
        else:
            days.add(_parse_day(token))
        if len(days) > MAX_DAYS:
            raise forms.ValidationError(_("Too many days."), code="too_many")
    return sorted(days)


class DayListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 8, "spellcheck": "false"})

    def to_python(self, value: Any) -> list[dt.date]:  # type: ignore[override]
        return parse_day_list(super().to_python(value) or "")


class CalendarYearForm(forms.Form):
    """A year's holiday arrangement, as the State Council's notice gives it (CAL-1)."""

    year = forms.IntegerField(
        label=_("Year"), min_value=1990, max_value=2200, widget=forms.HiddenInput
    )
    notice = forms.CharField(
        label=_("Notice reference"),
        max_length=200,
        required=False,
        help_text=_("For example: 国办发明电〔2026〕1号"),
    )
    holidays = DayListField(
        label=_("Holidays"),
        required=False,
        help_text=_(
            "Dates (YYYY-MM-DD) or spans (2027-02-10~2027-02-16), separated by spaces or commas."
        ),
    )
    workdays = DayListField(
        label=_("Make-up working days"),
        required=False,
        help_text=_("Weekend days that are working days (调休)."),
    )


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action"),
        max_length=100,
        required=False,
        help_text=_("The start of an action name, e.g. orgs.role"),
    )
    object_type = forms.CharField(label=_("Object type"), max_length=100, required=False)
    object_id = forms.CharField(label=_("Object id"), max_length=64, required=False)
