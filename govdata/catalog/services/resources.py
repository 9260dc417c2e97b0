"""Compiling, revising and reviewing catalog entries (CAT-1, CAT-3, CAT-4).

Every function takes a keyword-only ``actor``, checks what the actor may do, writes in one
transaction and records an audit entry inside it. Workflow moves go through
``workflows.review_workflow`` (compare-and-set, history, audit).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from govdata.core import audit
from govdata.core.errors import Conflict, Forbidden, Invalid, NotFound
from govdata.orgs import queries as org_queries
from govdata.orgs.actors import Actor
from govdata.orgs.choices import Level
from govdata.orgs.models import Organisation

from .. import queries, search
from ..choices import CLASS_DIGIT, OPEN_VERSION_STATES, ResourceClass, VersionStatus
from ..entries import ENTRY_FIELDS, ITEM_INPUT_FIELDS, check_complete, clean_entry
from ..models import CodeSequence, DataItem, Library, MaintenanceTask, Resource, ResourceVersion
from ..workflows import maintenance_workflow, review_workflow


def organisation_code(provider: Organisation) -> str:
    """The provider's part of a resource code: the 9-character organisation code inside its
    credit code (GB 32100 characters 9-17), or P and its id when it has no credit code."""
    if provider.uscc:
        return provider.uscc[8:17]
    return f"P{provider.pk:08d}"


def next_resource_code(provider: Organisation, resource_class: str) -> str:
    """``<division code>-<class digit>-<organisation code>-<sequence>``, e.g.
    ``990100-3-00000023X-00012`` (docs/catalog.md). The sequence counts per provider and class
    under a row lock, so that two entries compiled at once never get the same code."""
    sequence, _created = CodeSequence.objects.select_for_update().get_or_create(
        provider=provider, resource_class=resource_class
    )
    CodeSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    sequence.refresh_from_db(fields=["last"])
    digit = CLASS_DIGIT[resource_class]  # type: ignore[index]
    return f"{provider.division_code}-{digit}-{organisation_code(provider)}-{sequence.last:05d}"


def _check_may_compile(actor: Actor, provider: Organisation) -> None:
    if not queries.can_compile(actor, provider):
        raise NotFound(_("No such organisation."))


def _check_library(resource_class: str, library: Library | None, provider: Organisation) -> None:
    if resource_class not in ResourceClass.values:
        raise Invalid(
            _("Unknown resource class."),
            code="invalid_class",
            fields={"resource_class": _("Not one of the allowed values.")},
        )
    if resource_class == ResourceClass.DEPARTMENT:
        if library is not None:
            raise Invalid(
                _("A department resource belongs to no base or theme database."),
                code="invalid_library",
                fields={"library_id": _("Leave it empty for a department resource.")},
            )
        return
    if library is None or library.resource_class != resource_class:
        raise Invalid(
            _("Name the base or theme database of this entry."),
            code="invalid_library",
            fields={"library_id": _("Name the base or theme database of this entry.")},
        )
    # CAT-2: base and theme catalogs are compiled by their lead department.
    if library.lead_department_id != provider.pk:
        raise Forbidden(
            _("Only the lead department compiles the catalog of %(library)s.")
            % {"library": library.name},
            code="not_lead_department",
        )


def _write_items(version: ResourceVersion, items: list[dict[str, Any]]) -> None:
    DataItem.objects.filter(version=version).delete()
    DataItem.objects.bulk_create(DataItem(version=version, **item) for item in items)


def _item_rows(version: ResourceVersion) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in version.items.order_by("position").values("position", *ITEM_INPUT_FIELDS)
    ]


def entry_of(version: ResourceVersion) -> dict[str, Any]:
    """A version's description as the services take it (to copy or to prefill a form)."""
    return {field: getattr(version, field) for field in ENTRY_FIELDS}


def check_create_resource(
    *,
    actor: Actor,
    provider: Organisation,
    resource_class: str = ResourceClass.DEPARTMENT,
    library: Library | None = None,
    entry: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
) -> ResourceVersion:
    """A provider's staff compile a new entry: the resource gets its code and a first draft
    version (CAT-1). Nothing is reviewed or visible to others until it is submitted."""
    _check_may_compile(actor, provider)
    _check_library(resource_class, library, provider)
    cleaned, cleaned_items = clean_entry(entry, items or [], provider=provider)
    now = timezone.now()
    with transaction.atomic():
        resource = Resource.objects.create(
            code=next_resource_code(provider, resource_class),
            resource_class=resource_class,
            library=library,
            provider=provider,
            created_at=now,
            created_by=actor.label,
        )
        version = ResourceVersion(
            resource=resource,
            number=1,
            created_at=now,
            updated_at=now,
            created_by=actor.label,
            **cleaned,
        )
        review_workflow.start(version)
        version.save(force_insert=True)
        _write_items(version, cleaned_items)
        audit.record(
            actor=actor,
            action="catalog.resource.create",
            object_type="catalog.resource",
            object_id=resource.pk,
            details={
                "code": resource.code,
                "provider": provider.pk,
                "class": resource_class,
                "name": cleaned["name"],
                "items": len(cleaned_items),
            },
        )
    return version


def check_update_version(
    *,
    actor: Actor,
    version: ResourceVersion,
    edit_seq: int,
    entry: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
) -> ResourceVersion:
    """Rewrite a draft or returned version (CAT-1). ``edit_seq`` is the value the editor read:
    a stale one is refused, so two editors never overwrite each other unnoticed. ``items=None``
    keeps the items as they are."""
    resource = version.resource
    _check_may_compile(actor, resource.provider)
    if version.status not in (VersionStatus.DRAFT, VersionStatus.REJECTED):
        raise Conflict(_("Only a draft or a returned version can be edited."), code="wrong_state")
    current_items = _item_rows(version) if items is None else items
    cleaned, cleaned_items = clean_entry(
        entry, current_items, provider=resource.provider, resource=resource
    )
    now = timezone.now()
    with transaction.atomic():
        changed = ResourceVersion.objects.filter(
            pk=version.pk,
            edit_seq=edit_seq,
            status__in=[VersionStatus.DRAFT, VersionStatus.REJECTED],
        ).update(**cleaned, updated_at=now, edit_seq=F("edit_seq") + 1)
        if changed != 1:
            raise Conflict(
                _("Someone else changed this version first; reload it and edit again."),
                code="stale",
            )
        if items is not None:
            _write_items(version, cleaned_items)
        old = entry_of(version)
        audit.record(
            actor=actor,
            action="catalog.version.update",
            object_type="catalog.version",
            object_id=version.pk,
            details={
                "resource": resource.code,
                "number": version.number,
                "changed": sorted(k for k, v in cleaned.items() if old.get(k) != v),
                "items": len(cleaned_items),
            },
        )
    version.refresh_from_db()
    return version


def check_start_revision(
    *,
    actor: Actor,
    resource: Resource,
    reason: str,
    maintenance_task: MaintenanceTask | None = None,
) -> ResourceVersion:
    """Begin changing a published entry: a new draft version copied from the live one, with the
    reason why. The live version stays published until the revision is approved (CAT-4)."""
    _check_may_compile(actor, resource.provider)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(
            _("Say why the entry changes."),
            code="required",
            fields={"reason": _("Required.")},
        )
    if len(reason) > 2000:
        raise Invalid(
            _("Too long."), code="too_long", fields={"reason": _("At most 2000 characters.")}
        )
    live = resource.live_version
    if live is None:
        raise Conflict(
            _("The entry has not been published yet; edit its draft instead."),
            code="not_published",
        )
    if maintenance_task is not None and maintenance_task.resource_id != resource.pk:
        raise Invalid(
            _("The maintenance task is about another entry."),
            code="invalid_task",
            fields={"maintenance_task_id": _("The maintenance task is about another entry.")},
        )
    now = timezone.now()
    with transaction.atomic():
        if resource.versions.filter(status__in=sorted(OPEN_VERSION_STATES)).exists():
            raise Conflict(
                _("A revision of this entry is already being compiled or reviewed."),
                code="revision_open",
            )
        number = (
            resource.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        version = ResourceVersion(
            resource=resource,
            number=number,
            change_reason=reason,
            maintenance_task=maintenance_task,
            created_at=now,
            updated_at=now,
            created_by=actor.label,
            **entry_of(live),
        )
        review_workflow.start(version)
        version.save(force_insert=True)
        _write_items(version, _item_rows(live))
        audit.record(
            actor=actor,
            action="catalog.version.start_revision",
            object_type="catalog.version",
            object_id=version.pk,
            details={
                "resource": resource.code,
                "number": number,
                "from": live.number,
                "reason": reason,
                "maintenance_task": maintenance_task.pk if maintenance_task else None,
            },
        )
    return version


def first_review_level(provider: Organisation) -> str:
    """CAT-3, B§10, G§14: county, township and village entries are reviewed by the county data
    authority first; city entries, and those of an area with no county authority, by the city."""
    if provider.level != Level.CITY and org_queries.authority_of_area(provider, Level.COUNTY):
        return Level.COUNTY
    return Level.CITY


def check_submit_version(
    *, actor: Actor, version: ResourceVersion, comment: str = ""
) -> ResourceVersion:
    """Send a draft or returned version to review; the level's deadline starts. A revision made
    for a maintenance task marks the task done."""
    resource = version.resource
    _check_may_compile(actor, resource.provider)
    check_complete(entry_of(version), _item_rows(version))
    level = first_review_level(resource.provider)
    name = "submit_county" if level == Level.COUNTY else "submit_city"
    with transaction.atomic():
        review_workflow.transition(
            version,
            name,
            actor=actor,
            comment=comment,
            details={"resource": resource.code, "number": version.number},
            extra_updates={"submitted_at": timezone.now()},
        )
        task = version.maintenance_task
        if task is not None and task.status == "open":
            maintenance_workflow.transition(
                task,
                "resolve",
                actor=actor,
                comment=_("Revision %(n)d submitted for review.") % {"n": version.number},
            )
    return version


def do_approve_version(
    *, actor: Actor, version: ResourceVersion, comment: str = ""
) -> ResourceVersion:
    """A reviewer approves at its level: the county passes the entry to the city; the city
    publishes it, and a published predecessor is superseded in the same transaction."""
    details = {"resource": version.resource.code, "number": version.number}
    if version.status == VersionStatus.COUNTY_REVIEW:
        return review_workflow.transition(
            version, "approve_county", actor=actor, comment=comment, details=details
        )
    if version.status != VersionStatus.CITY_REVIEW:
        raise Conflict(_("This version is not waiting for review."), code="wrong_state")
    resource = version.resource
    now = timezone.now()
    with transaction.atomic():
        review_workflow.transition(
            version,
            "publish",
            actor=actor,
            comment=comment,
            details=details,
            extra_updates={"published_at": now},
        )
        previous = (
            ResourceVersion.objects.filter(resource=resource, status=VersionStatus.PUBLISHED)
            .exclude(pk=version.pk)
            .first()
        )
        if previous is not None:
            review_workflow.transition(
                previous,
                "supersede",
                actor=actor,
                comment=_("Superseded by version %(n)d.") % {"n": version.number},
                details={"resource": resource.code, "by": version.number},
            )
        Resource.objects.filter(pk=resource.pk).update(live_version=version, last_reviewed_at=now)
        resource.live_version = version
        resource.last_reviewed_at = now
        search.index_resource(resource)
    return version


def do_reject_version(*, actor: Actor, version: ResourceVersion, comment: str) -> ResourceVersion:
    """A reviewer returns the version to its provider with reasons (CAT-3)."""
    return review_workflow.transition(
        version,
        "reject",
        actor=actor,
        comment=comment,
        details={"resource": version.resource.code, "number": version.number},
    )


def do_withdraw_version(
    *, actor: Actor, version: ResourceVersion, comment: str = ""
) -> ResourceVersion:
    """The provider withdraws a version before it is published; a published entry stays live."""
    return review_workflow.transition(
        version,
        "withdraw",
        actor=actor,
        comment=comment,
        details={"resource": version.resource.code, "number": version.number},
    )
