"""The catalog in the Django admin, read-only: every change of an entry goes through the review
procedure and the services (CAT-3), which a form in the admin would bypass. The platform
administrator reads entries, versions, items, tasks, lists and systems here; the console and the
API change them."""

from __future__ import annotations

from django.contrib import admin

from govdata.core.admin import ReadOnlyAdmin

from .models import (
    DataItem,
    Demand,
    InformationSystem,
    Library,
    MaintenanceTask,
    Resource,
    ResourceVersion,
    Responsibility,
    ZombieFlag,
)


@admin.register(Library)
class LibraryAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "resource_class", "lead_department"]
    list_filter = ["resource_class"]


class DataItemInline(admin.TabularInline):
    model = DataItem
    extra = 0
    can_delete = False
    fields = ["position", "name", "label", "item_type", "length", "is_key", "is_personal"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Resource)
class ResourceAdmin(ReadOnlyAdmin):
    list_display = ["code", "live_version", "provider", "resource_class", "library"]
    list_filter = ["resource_class", "library"]
    search_fields = ["code", "versions__name"]
    list_select_related = ["live_version", "provider", "library"]


@admin.register(ResourceVersion)
class ResourceVersionAdmin(ReadOnlyAdmin):
    list_display = ["name", "number", "resource", "status", "due_on", "published_at"]
    list_filter = ["status", "share_type", "open_type", "domain"]
    search_fields = ["name", "resource__code"]
    list_select_related = ["resource"]
    inlines = [DataItemInline]


@admin.register(MaintenanceTask)
class MaintenanceTaskAdmin(ReadOnlyAdmin):
    list_display = ["resource", "trigger", "status", "due_on", "raised_by"]
    list_filter = ["trigger", "status"]


@admin.register(Demand)
class DemandAdmin(ReadOnlyAdmin):
    list_display = ["title", "requester", "responsible", "status", "due_on"]
    list_filter = ["status"]


@admin.register(Responsibility)
class ResponsibilityAdmin(ReadOnlyAdmin):
    list_display = ["title", "organisation", "due_on", "resource"]


@admin.register(InformationSystem)
class InformationSystemAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "status", "connected_at", "stop_planned_on"]
    list_filter = ["status"]


@admin.register(ZombieFlag)
class ZombieFlagAdmin(ReadOnlyAdmin):
    list_display = ["resource", "rule", "reason", "flagged_at", "cleared_at"]
    list_filter = ["rule"]
