"""Organisations, people, roles, system accounts and keys in the Django admin (the platform
administrator's back office).

Whatever has a service is done through it, so that its rules and its audit entry apply: creating
organisations and accounts, granting and revoking roles, issuing and revoking keys happen in the
console or the API, and those tables are read-only here. The few fields the admin may correct
directly (names, contact details, switching off, lifting a login lock) are audited on save.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from govdata.core import audit

from .actors import Actor
from .models import AccountRequest, ApiKey, Organisation, Person, RoleAssignment, SystemAccount


class NoAddDeleteAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdmin(NoAddDeleteAdmin):
    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AuditedChangeAdmin(NoAddDeleteAdmin):
    """Saves a change with an audit entry naming the fields changed, in the admin's transaction."""

    audit_object_type = ""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            audit.record(
                actor=Actor.for_person(request.user),  # type: ignore[arg-type]
                action=f"orgs.{self.audit_object_type}.admin_change",
                object_type=self.audit_object_type,
                object_id=obj.pk,
                details={name: form.cleaned_data.get(name) for name in form.changed_data},
            )


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "organisation"
    fields = ["person", "role", "granted_at", "granted_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(AuditedChangeAdmin):
    audit_object_type = "organisation"
    list_display = ["name", "kind", "level", "division_code", "uscc", "parent", "is_active"]
    list_filter = ["kind", "level", "is_active"]
    search_fields = ["name", "short_name", "division_code", "uscc"]
    list_select_related = ["parent"]
    fields = [
        "name",
        "short_name",
        "kind",
        "level",
        "parent",
        "division_code",
        "uscc",
        "is_active",
        "created_at",
    ]
    readonly_fields = ["kind", "level", "parent", "division_code", "uscc", "created_at"]
    inlines = [RoleInline]


class PersonRoleInline(RoleInline):
    fk_name = "person"
    fields = ["organisation", "role", "granted_at", "granted_by"]
    readonly_fields = fields


@admin.register(Person)
class PersonAdmin(AuditedChangeAdmin):
    audit_object_type = "person"
    list_display = [
        "username",
        "full_name",
        "kind",
        "public_type",
        "is_active",
        "is_staff",
        "last_login",
    ]
    list_filter = ["kind", "public_type", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    fields = [
        "username",
        "full_name",
        "kind",
        "public_type",
        "id_number",
        "email",
        "phone",
        "is_active",
        "is_staff",
        "is_superuser",
        "failed_logins",
        "locked_until",
        "date_joined",
        "last_login",
    ]
    readonly_fields = [
        "username",
        "kind",
        "public_type",
        "id_number",
        "is_staff",
        "is_superuser",
        "date_joined",
        "last_login",
    ]
    inlines = [PersonRoleInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["person", "organisation", "role", "granted_at", "granted_by"]
    list_filter = ["role"]
    search_fields = ["person__username", "person__full_name", "organisation__name"]
    list_select_related = ["person", "organisation"]


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = [
        "prefix",
        "label",
        "created_at",
        "expires_at",
        "revoked_at",
        "allowed_ips",
        "last_used_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SystemAccount)
class SystemAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "is_active", "created_at", "created_by"]
    list_filter = ["is_active"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
    inlines = [ApiKeyInline]


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = [
        "prefix",
        "system_account",
        "label",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "label", "system_account__name"]
    list_select_related = ["system_account"]
    exclude = ["secret_hash"]  # a hash only, but it has no business on a screen


@admin.register(AccountRequest)
class AccountRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "organisation",
        "username",
        "person",
        "status",
        "due_on",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["username", "organisation__name", "reason"]
    list_select_related = ["organisation", "person"]
