"""Reads of organisations, people and system accounts, with the permission rules of ORG-3.

``access_*`` functions fetch one object for an actor and raise ``NotFound`` for a missing and a
forbidden object alike; ``*_visible_to`` give the queryset an actor may list; ``can_*`` answer
the rules that services enforce:

* data staff and managers act only for their own organisation;
* a data authority's managers act over every organisation in its area (division code prefix);
* reviewers review at their authority's level, over its area;
* the platform admin acts everywhere.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from govdata.core.errors import NotFound

from .actors import Actor
from .choices import MANAGING_ROLES, Level, OrgKind, PersonKind, Role
from .models import AccountRequest, ApiKey, Organisation, Person, RoleAssignment, SystemAccount


def in_area(authority: Organisation, organisation: Organisation) -> bool:
    return organisation.area_prefix.startswith(authority.area_prefix)


def area_filter(authorities: list[Organisation], field: str = "") -> Q:
    q = Q(pk__in=[])
    for authority in authorities:
        q |= Q(**{f"{field}area_prefix__startswith": authority.area_prefix})
    return q


def can_manage_organisation(actor: Actor, organisation: Organisation) -> bool:
    """May the actor manage this organisation's people, roles and system accounts?"""
    if actor.is_platform_admin:
        return True
    if any(actor.has_role(role, organisation) for role in MANAGING_ROLES):
        return True
    return any(in_area(a, organisation) for a in actor.managed_authorities)


def can_review_for(actor: Actor, organisation: Organisation, level: str) -> bool:
    """Is the actor a reviewer at ``level`` over the area the organisation lies in (CAT-3)?"""
    return any(
        a.level == level and in_area(a, organisation) for a in actor.authorities_with(Role.REVIEWER)
    )


def can_manage_calendar(actor: Actor) -> bool:
    """The calendar is the city's: its data authority's managers (and the platform admin) keep it."""
    if actor.is_platform_admin:
        return True
    return any(a.level == Level.CITY for a in actor.managed_authorities)


def can_read_audit(actor: Actor) -> bool:
    return actor.is_platform_admin or actor.has_role(Role.AUDITOR)


def audit_scope(actor: Actor) -> list[int] | None:
    """Auditors of the city's data authority (and the platform admin) read the whole trail (None);
    an auditor elsewhere reads the entries of its own organisations and of those in its area."""
    if actor.is_platform_admin:
        return None
    authorities = actor.authorities_with(Role.AUDITOR)
    if any(a.level == Level.CITY for a in authorities):
        return None
    own = actor.organisations_with({Role.AUDITOR})
    area = Organisation.objects.filter(area_filter(authorities)).values_list("pk", flat=True)
    return sorted({*own, *area})


def organisations_visible_to(actor: Actor) -> QuerySet[Organisation]:
    """The organisation tree is public information inside the government; staff see it all."""
    if not actor.is_authenticated:
        return Organisation.objects.none()
    return (
        Organisation.objects.filter(is_active=True)
        if not actor.is_platform_admin
        else Organisation.objects.all()
    )


def managed_organisations(actor: Actor) -> QuerySet[Organisation]:
    if actor.is_platform_admin:
        return Organisation.objects.all()
    direct = actor.organisations_with(MANAGING_ROLES)
    return Organisation.objects.filter(
        Q(pk__in=direct) | area_filter(actor.managed_authorities)
    ).distinct()


def access_organisation_by_id(actor: Actor, organisation_id: int) -> Organisation:
    org = organisations_visible_to(actor).filter(pk=organisation_id).first()
    if org is None:
        raise NotFound(_("no such organisation"))
    return org


def access_managed_organisation_by_id(actor: Actor, organisation_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None or not can_manage_organisation(actor, org):
        raise NotFound(_("no such organisation"))
    return org


def get_staff_by_username(username: str) -> Person | None:
    """A staff member by user name, case-insensitively. Staff user names are known inside the
    government, so finding one confirms nothing secret (public users are never found here)."""
    return Person.objects.filter(username__iexact=username.strip(), kind=PersonKind.STAFF).first()


def members_of(organisation: Organisation) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(organisation=organisation).select_related("person")


def people_of(organisation: Organisation) -> QuerySet[Person]:
    return (
        Person.objects.filter(roles__organisation=organisation)
        .distinct()
        .order_by("full_name", "username")
    )


def systems_visible_to(actor: Actor) -> QuerySet[SystemAccount]:
    return SystemAccount.objects.filter(
        organisation__in=managed_organisations(actor)
    ).select_related("organisation")


def access_system_account_by_id(actor: Actor, system_id: int) -> SystemAccount:
    system = SystemAccount.objects.select_related("organisation").filter(pk=system_id).first()
    if system is None or not can_manage_organisation(actor, system.organisation):
        raise NotFound(_("no such system account"))
    return system


def access_api_key_by_id(actor: Actor, key_id: int) -> ApiKey:
    key = ApiKey.objects.select_related("system_account__organisation").filter(pk=key_id).first()
    if key is None or not can_manage_organisation(actor, key.system_account.organisation):
        raise NotFound(_("no such API key"))
    return key


def authority_of_area(organisation: Organisation, level: str) -> Organisation | None:
    """The data authority at ``level`` whose area holds the organisation (for review routing)."""
    candidates = Organisation.objects.filter(kind=OrgKind.AUTHORITY, level=level, is_active=True)
    for authority in candidates:
        if in_area(authority, organisation):
            return authority
    return None


def account_requests_visible_to(actor: Actor) -> QuerySet[AccountRequest]:
    """Requests of the organisations the actor manages, and those the actor's authority answers."""
    return AccountRequest.objects.filter(
        organisation__in=managed_organisations(actor)
    ).select_related("organisation", "person", "requested_by")


def access_account_request_by_id(actor: Actor, request_id: int) -> AccountRequest:
    request = account_requests_visible_to(actor).filter(pk=request_id).first()
    if request is None:
        raise NotFound(_("no such account request"))
    return request
