"""The platform core in the Django admin (the platform administrator's back office).

The audit tables are read-only here, for everyone: the trail is append-only (SEC-4) and a change
through the admin would break the chain. The calendar can be kept here by those who may keep it
(CAL-1): adding, changing or deleting a day and confirming a year go through
``core.calendar.do_set_day`` / ``do_set_year``, which audit the change and recount deadlines.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils.module_loading import import_string

from . import calendar
from .actors import MANAGE_CALENDAR
from .models import (
    AuditChainHead,
    AuditEntry,
    AuditSeal,
    CalendarDay,
    CalendarYear,
    TransitionRecord,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed and viewed only: no add, change or delete permission for anyone."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "at",
        "actor_label",
        "organisation_label",
        "action",
        "object_type",
        "object_id",
        "chain_seq",
    ]
    list_filter = ["actor_kind", "object_type"]
    search_fields = ["action", "object_id", "actor_label", "organisation_label"]
    date_hierarchy = "at"
    show_full_result_count = False  # counting a long trail on every page costs a full scan


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ["chain_seq", "at", "entry_count", "first_entry_id", "last_entry_id", "hash_alg"]


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["id", "seq", "hash", "updated_at"]


@admin.register(TransitionRecord)
class TransitionRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "workflow",
        "object_id",
        "transition",
        "from_state",
        "to_state",
        "actor_label",
    ]
    list_filter = ["workflow", "transition"]
    search_fields = ["object_id", "actor_label", "comment"]


def _calendar_keeper(request: HttpRequest):
    actor = import_string(settings.ACTOR_RESOLVER)(request)
    return actor if actor.may(MANAGE_CALENDAR) else None


class CalendarAdmin(admin.ModelAdmin):
    """Writes go through the calendar service; only those who keep the calendar may write."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return _calendar_keeper(request) is not None

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarAdmin):
    """Confirming a year marks it known with the days entered for it so far (a year's notice can
    be entered day by day below, or at once on the calendar page)."""

    list_display = ["year", "source", "notice", "entered_by", "entered_at"]
    list_filter = ["source"]
    fields = ["year", "notice"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ["year"] if obj else []

    def save_model(self, request, obj, form, change) -> None:
        days = CalendarDay.objects.filter(date__year=obj.year)
        calendar.do_set_year(
            actor=_calendar_keeper(request),
            year=obj.year,
            holidays=[d.date for d in days if not d.is_working_day],
            workdays=[d.date for d in days if d.is_working_day],
            notice=obj.notice,
            names={d.date: d.name for d in days},
        )

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a known year is replaced by entering it again, never forgotten


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarAdmin):
    list_display = ["date", "is_working_day", "name", "source"]
    list_filter = ["is_working_day", "source"]
    date_hierarchy = "date"
    fields = ["date", "is_working_day", "name"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ["date"] if obj else []

    def save_model(self, request, obj, form, change) -> None:
        calendar.do_set_day(
            actor=_calendar_keeper(request), day=obj.date, working=obj.is_working_day, name=obj.name
        )

    def delete_model(self, request, obj) -> None:
        # Deleting an exception puts the day back to its weekday rule.
        calendar.do_set_day(
            actor=_calendar_keeper(request), day=obj.date, working=obj.date.weekday() < 5
        )

    def delete_queryset(self, request, queryset) -> None:
        for day in queryset:
            self.delete_model(request, day)
