"""Reads of the catalog and the permission rules of compiling and reviewing it (CAT-1..3).

* A provider's data staff, chief data officer and data executive compile its entries; so do its
  registered systems (ORG-3: a system acts in its organisation's name).
* Reviewers of the county data authority review entries of county, township and village
  providers in its area; reviewers of the city data authority review every entry in its area
  after that (CAT-3, B§10, G§14).
* Staff of any organisation read the published resource catalog; the share catalog is the part
  departments may ask to share; the open catalog is what the public portal shows (CAT-2).
* ``access_*`` raise the same ``NotFound`` for a missing and a forbidden object.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govdata.core.errors import NotFound
from govdata.orgs import queries as org_queries
from govdata.orgs.actors import Actor
from govdata.orgs.choices import MANAGING_ROLES, Level, PersonKind, Role
from govdata.orgs.models import Organisation

from .choices import (
    OPEN_VERSION_STATES,
    MaintenanceStatus,
    OpenType,
    ShareType,
    VersionStatus,
)
from .entries import ENTRY_FIELDS, ITEM_INPUT_FIELDS
from .models import DataItem, Library, MaintenanceTask, Resource, ResourceVersion

# Roles that compile a department's catalog entries.
COMPILING_ROLES = frozenset({Role.DATA_STAFF, Role.CHIEF_DATA_OFFICER, Role.DATA_EXECUTIVE})


def is_staff(actor: Actor) -> bool:
    """A person working for an organisation, or a registered system: a government user."""
    if actor.system is not None:
        return True
    return (
        actor.person is not None
        and actor.person.kind == PersonKind.STAFF
        and bool(actor.role_rows or actor.is_platform_admin)
    )


def can_compile(actor: Actor, provider: Organisation | int) -> bool:
    """May the actor write the provider's catalog entries (CAT-1)?"""
    provider_id = provider.pk if isinstance(provider, Organisation) else provider
    if actor.system is not None:
        return actor.system.organisation_id == provider_id and actor.system.is_active
    if actor.is_platform_admin:
        return True
    return any(actor.has_role(role, provider_id) for role in COMPILING_ROLES)


_REVIEW_LEVEL = {VersionStatus.COUNTY_REVIEW: Level.COUNTY, VersionStatus.CITY_REVIEW: Level.CITY}


def review_level(version: ResourceVersion) -> str | None:
    """The level of the authority a version waits at (None when it waits at none)."""
    return _REVIEW_LEVEL.get(version.status)  # type: ignore[call-overload]


def can_review(actor: Actor, version: ResourceVersion) -> bool:
    """Is the actor a reviewer at the level the version now waits at, over its provider's area?"""
    level = review_level(version)
    if level is None or actor.person is None:
        return False
    return org_queries.can_review_for(actor, version.resource.provider, level)


def manages_area_of(actor: Actor, organisation: Organisation) -> bool:
    """A data authority's managers (and the platform admin) oversee the catalog of their area."""
    if actor.is_platform_admin:
        return True
    return any(org_queries.in_area(a, organisation) for a in actor.managed_authorities)


def oversees(actor: Actor, organisation: Organisation) -> bool:
    """Managers and reviewers of an authority over the area see everything of its catalog."""
    if manages_area_of(actor, organisation):
        return True
    return any(org_queries.in_area(a, organisation) for a in actor.authorities_with(Role.REVIEWER))


def overseen_area(actor: Actor, provider: str = "provider__") -> Q | None:
    """A filter on the providers (reached through ``provider``) in the area the actor oversees;
    None for everything (the platform admin)."""
    if actor.is_platform_admin:
        return None
    authorities = {a.pk: a for a in actor.managed_authorities}
    authorities.update({a.pk: a for a in actor.authorities_with(Role.REVIEWER)})
    return org_queries.area_filter(list(authorities.values()), provider)


# --- Resources and versions -----------------------------------------------------------------------


def resources_visible_to(actor: Actor) -> QuerySet[Resource]:
    """Published entries for every government user, plus the unpublished entries of the
    organisations the actor compiles for and of the area it oversees."""
    if not actor.is_authenticated or not is_staff(actor):
        return Resource.objects.none()
    query = Resource.objects.select_related("provider", "live_version", "library")
    if actor.is_platform_admin:
        return query
    own = actor.organisations_with(COMPILING_ROLES | MANAGING_ROLES)
    if actor.system is not None:
        own = [actor.system.organisation_id]
    visible = Q(live_version__isnull=False) | Q(provider_id__in=own)
    area = overseen_area(actor)
    if area is not None:
        visible |= area
    return query.filter(visible)


def resources_compiled_by(actor: Actor) -> QuerySet[Resource]:
    """Every entry, in every state, of the organisations the actor compiles for."""
    if actor.system is not None:
        own = [actor.system.organisation_id]
    else:
        own = actor.organisations_with(COMPILING_ROLES)
    return Resource.objects.filter(provider_id__in=own).select_related(
        "provider", "live_version", "library"
    )


def access_resource_by_id(actor: Actor, resource_id: int) -> Resource:
    resource = resources_visible_to(actor).filter(pk=resource_id).first()
    if resource is None:
        raise NotFound(_("No such catalog entry."))
    return resource


def access_resource_by_code(actor: Actor, code: str) -> Resource:
    resource = resources_visible_to(actor).filter(code=code).first()
    if resource is None:
        raise NotFound(_("No such catalog entry."))
    return resource


def may_see_unpublished(actor: Actor, resource: Resource) -> bool:
    """Drafts and versions in review are read by the provider's staff and by those who oversee
    or review its area; everyone else reads the published version only."""
    return (
        can_compile(actor, resource.provider)
        or oversees(actor, resource.provider)
        or any(actor.has_role(r, resource.provider_id) for r in MANAGING_ROLES)
    )


def versions_visible_to(actor: Actor, resource: Resource) -> QuerySet[ResourceVersion]:
    versions = resource.versions.all()
    if may_see_unpublished(actor, resource):
        return versions
    return versions.filter(status__in=[VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED])


def access_version_by_id(actor: Actor, version_id: int) -> ResourceVersion:
    version = (
        ResourceVersion.objects.select_related("resource__provider", "resource__library")
        .filter(pk=version_id)
        .first()
    )
    if (
        version is None
        or not versions_visible_to(actor, version.resource).filter(pk=version.pk).exists()
    ):
        raise NotFound(_("No such version."))
    return version


def working_version(resource: Resource) -> ResourceVersion | None:
    """The version being compiled or reviewed, if any (at most one, by constraint)."""
    return resource.versions.filter(status__in=sorted(OPEN_VERSION_STATES)).first()


def items_of(version: ResourceVersion) -> QuerySet[DataItem]:
    return version.items.order_by("position")


def get_library_by_code(code: str) -> Library | None:
    """A base or theme database by its code."""
    return Library.objects.filter(code=code).first()


# --- The three catalogs (CAT-2) --------------------------------------------------------------------


def published() -> QuerySet[Resource]:
    return Resource.objects.filter(live_version__isnull=False).select_related(
        "provider", "live_version", "library"
    )


def resource_catalog(actor: Actor) -> QuerySet[Resource]:
    """The resource catalog (总目录): every published entry, for government users."""
    return published() if is_staff(actor) else Resource.objects.none()


def share_catalog(actor: Actor) -> QuerySet[Resource]:
    """The share catalog: published entries that departments may share (share type not none)."""
    return resource_catalog(actor).exclude(live_version__share_type=ShareType.NONE)


def open_catalog() -> QuerySet[Resource]:
    """The open catalog the public portal lists: published, open type not none."""
    return published().exclude(live_version__open_type=OpenType.NONE)


def access_open_resource_by_code(code: str) -> Resource:
    resource = open_catalog().filter(code=code).first()
    if resource is None:
        raise NotFound(_("No such open dataset."))
    return resource


def non_share_list() -> QuerySet[Resource]:
    """The filed list of data that by law cannot be shared, with its legal basis (CAT-6, B§16):
    every published entry whose share type is none; review by the authority is its filing."""
    return (
        published().filter(live_version__share_type=ShareType.NONE).order_by("provider_id", "code")
    )


# --- Review queue and oversight ------------------------------------------------------------------


def review_queue(actor: Actor) -> QuerySet[ResourceVersion]:
    """Versions waiting for the actor's review, soonest deadline first (CAT-3)."""
    if actor.person is None:
        return ResourceVersion.objects.none()
    q = Q(pk__in=[])
    for authority in actor.authorities_with(Role.REVIEWER):
        status = (
            VersionStatus.CITY_REVIEW
            if authority.level == Level.CITY
            else VersionStatus.COUNTY_REVIEW
        )
        if authority.level not in (Level.CITY, Level.COUNTY):
            continue
        q |= Q(status=status, resource__provider__area_prefix__startswith=authority.area_prefix)
    return (
        ResourceVersion.objects.filter(q)
        .select_related("resource__provider")
        .order_by("due_on", "submitted_at", "pk")
    )


def returned_versions(actor: Actor) -> QuerySet[ResourceVersion]:
    """Returned versions of the organisations the actor compiles for: its work to redo."""
    orgs = actor.organisations_with(COMPILING_ROLES)
    return ResourceVersion.objects.filter(
        status=VersionStatus.REJECTED, resource__provider_id__in=orgs
    ).select_related("resource__provider")


def overseen_versions(actor: Actor) -> QuerySet[ResourceVersion]:
    area = overseen_area(actor, "resource__provider__")
    versions = ResourceVersion.objects.all()
    return versions if area is None else versions.filter(area)


def state_counts(actor: Actor) -> list[dict[str, Any]]:
    """Entries per department and state in the area the actor oversees (the authority's view)."""
    rows = (
        overseen_versions(actor)
        .exclude(status__in=[VersionStatus.SUPERSEDED, VersionStatus.WITHDRAWN])
        .values("resource__provider_id", "resource__provider__name", "status")
        .annotate(n=Count("pk"))
        .order_by("resource__provider__name")
    )
    by_org: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = by_org.setdefault(
            row["resource__provider_id"],
            {
                "organisation_id": row["resource__provider_id"],
                "organisation": row["resource__provider__name"],
                "counts": {},
            },
        )
        entry["counts"][row["status"]] = row["n"]
    return list(by_org.values())


def overdue_maintenance(actor: Actor, today: dt.date | None = None) -> QuerySet[MaintenanceTask]:
    """Open maintenance tasks past their deadline in the actor's area, by department (CAT-4)."""
    today = today or timezone.localdate()
    tasks = MaintenanceTask.objects.filter(status=MaintenanceStatus.OPEN, due_on__lt=today)
    area = overseen_area(actor, "resource__provider__")
    if area is not None:
        tasks = tasks.filter(area)
    return tasks.select_related("resource__provider", "resource__live_version").order_by(
        "resource__provider__name", "due_on"
    )


def overdue_reviews(actor: Actor, today: dt.date | None = None) -> QuerySet[ResourceVersion]:
    today = today or timezone.localdate()
    return (
        overseen_versions(actor)
        .filter(
            status__in=[VersionStatus.COUNTY_REVIEW, VersionStatus.CITY_REVIEW], due_on__lt=today
        )
        .select_related("resource__provider")
        .order_by("due_on")
    )


def maintenance_visible_to(actor: Actor) -> QuerySet[MaintenanceTask]:
    own = actor.organisations_with(COMPILING_ROLES | MANAGING_ROLES)
    if actor.system is not None:
        own = [actor.system.organisation_id]
    q = Q(resource__provider_id__in=own)
    area = overseen_area(actor, "resource__provider__")
    if area is None:
        return MaintenanceTask.objects.select_related("resource__provider")
    q |= area
    return MaintenanceTask.objects.filter(q).select_related("resource__provider")


def access_maintenance_task_by_id(actor: Actor, task_id: int) -> MaintenanceTask:
    task = maintenance_visible_to(actor).filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("No such maintenance task."))
    return task


# --- Comparing versions (CAT-4) -------------------------------------------------------------------

# Every field of a description, and of an item but its name (items are matched by name).
COMPARED_FIELDS = ENTRY_FIELDS
ITEM_FIELDS = [f for f in ITEM_INPUT_FIELDS if f != "name"]


@dataclass
class Difference:
    field: str
    old: Any
    new: Any


@dataclass
class Comparison:
    old: ResourceVersion
    new: ResourceVersion
    fields: list[Difference]
    items_added: list[str]
    items_removed: list[str]
    items_changed: dict[str, list[Difference]]
    items_reordered: bool

    @property
    def same(self) -> bool:
        return not (
            self.fields
            or self.items_added
            or self.items_removed
            or self.items_changed
            or self.items_reordered
        )


def compare_versions(old: ResourceVersion, new: ResourceVersion) -> Comparison:
    """Field by field, and item by item (items matched by name)."""
    fields = [
        Difference(name, getattr(old, name), getattr(new, name))
        for name in COMPARED_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
    old_items = {i.name: i for i in items_of(old)}
    new_items = {i.name: i for i in items_of(new)}
    changed: dict[str, list[Difference]] = {}
    for name in old_items.keys() & new_items.keys():
        diffs = [
            Difference(f, getattr(old_items[name], f), getattr(new_items[name], f))
            for f in ITEM_FIELDS
            if getattr(old_items[name], f) != getattr(new_items[name], f)
        ]
        if diffs:
            changed[name] = diffs
    kept_old = [n for n in old_items if n in new_items]
    kept_new = [n for n in new_items if n in old_items]
    return Comparison(
        old=old,
        new=new,
        fields=fields,
        items_added=[n for n in new_items if n not in old_items],
        items_removed=[n for n in old_items if n not in new_items],
        items_changed=dict(sorted(changed.items())),
        items_reordered=kept_old != kept_new,
    )
