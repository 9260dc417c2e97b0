"""The platform core in the Django admin (the platform administrator's back office).

The audit tables are read-only here, for everyone: the trail is append-only (SEC-4) and a change
through the admin would break the chain. The calendar is read-only too: entering a year goes
through ``core.calendar.do_set_year`` (the calendar page or the API), which audits the change and
recounts the provisional deadlines.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

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


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "source", "notice", "entered_by", "entered_at"]
    list_filter = ["source"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "is_working_day", "name", "source"]
    list_filter = ["is_working_day", "source"]
    date_hierarchy = "date"
