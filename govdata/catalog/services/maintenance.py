"""Maintenance tasks of published entries (CAT-4, G§15, A§12): a change of law or duties (10
working days by default), a change of circumstances (2), the yearly full review, an upgrade of
the source information system. Each is a task with a working-day deadline on the workflow
mechanism; a revision submitted for it, or a reasoned "no change needed", closes it. The data
plane raises one more kind, data past its update cycle (AGG-5), which a committed load closes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govdata.core import audit
from govdata.core.actors import ActorRef
from govdata.core.errors import Conflict, Invalid, NotFound
from govdata.orgs.actors import Actor

from .. import queries
from ..choices import MaintenanceStatus, MaintenanceTrigger
from ..models import InformationSystem, MaintenanceTask, Resource
from ..workflows import maintenance_workflow


def _create_task(
    actor: Actor | ActorRef, resource: Resource, trigger: str, reason: str
) -> MaintenanceTask:
    task = MaintenanceTask(
        resource=resource,
        trigger=trigger,
        reason=reason,
        raised_by=actor.label,
        raised_at=timezone.now(),
    )
    maintenance_workflow.start(task)
    task.save(force_insert=True)
    audit.record(
        actor=actor,
        action="catalog.maintenance.raise",
        object_type="catalog.maintenance",
        object_id=task.pk,
        details={
            "resource": resource.code,
            "trigger": trigger,
            "reason": reason,
            "due_on": task.due_on,
        },
    )
    return task


def _open_task(resource: Resource, trigger: str) -> MaintenanceTask | None:
    return MaintenanceTask.objects.filter(
        resource=resource, trigger=trigger, status=MaintenanceStatus.OPEN
    ).first()


def check_raise_maintenance_task(
    *, actor: Actor, resource: Resource, trigger: str, reason: str
) -> MaintenanceTask:
    """The provider or the authority over its area records that a published entry must be
    revisited; the deadline of the trigger starts now. One open task per entry and trigger."""
    if not (
        queries.can_compile(actor, resource.provider)
        or queries.manages_area_of(actor, resource.provider)
    ):
        raise NotFound(_("No such catalog entry."))
    if trigger not in MaintenanceTrigger.values:
        raise Invalid(
            _("Unknown trigger."),
            code="invalid_trigger",
            fields={"trigger": _("Not one of the allowed values.")},
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise Invalid(
            _("Say what changed."),
            code="required",
            fields={"reason": _("Required, at most 2000 characters.")},
        )
    if resource.live_version_id is None:
        raise Conflict(_("Only a published entry is maintained."), code="not_published")
    with transaction.atomic():
        if _open_task(resource, trigger) is not None:
            raise Conflict(_("This entry has an open task of this kind already."), code="task_open")
        return _create_task(actor, resource, trigger, reason)


def do_confirm_unchanged(*, actor: Actor, task: MaintenanceTask, comment: str) -> MaintenanceTask:
    """The provider closes a task stating why the entry needs no change; for the yearly review
    this counts as the entry having been reviewed."""
    comment = (comment or "").strip()
    if not comment:
        raise Invalid(
            _("Say why the entry needs no change."),
            code="comment_required",
            fields={"comment": _("Required.")},
        )
    with transaction.atomic():
        maintenance_workflow.transition(
            task, "resolve", actor=actor, comment=comment, extra_updates={"answer": comment}
        )
        if task.trigger == MaintenanceTrigger.YEARLY_REVIEW:
            Resource.objects.filter(pk=task.resource_id).update(last_reviewed_at=timezone.now())
    return task


def do_cancel_maintenance_task(
    *, actor: Actor, task: MaintenanceTask, comment: str
) -> MaintenanceTask:
    """The authority over the area withdraws a task raised in error."""
    return maintenance_workflow.transition(task, "cancel", actor=actor, comment=comment)


def raise_yearly_reviews(*, today: dt.date | None = None) -> int:
    """G§15: every published entry is reviewed in full at least once a year. Raises the task for
    each entry last reviewed more than a year ago that has none open (a periodic job)."""
    today = today or timezone.localdate()
    actor = ActorRef.platform("catalog-yearly-review")
    cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=365), dt.time.max))
    due = (
        Resource.objects.filter(live_version__isnull=False, last_reviewed_at__lte=cutoff)
        .exclude(
            maintenance_tasks__trigger=MaintenanceTrigger.YEARLY_REVIEW,
            maintenance_tasks__status=MaintenanceStatus.OPEN,
        )
        .order_by("pk")
    )
    count = 0
    for resource in due.iterator():
        with transaction.atomic():
            if _open_task(resource, MaintenanceTrigger.YEARLY_REVIEW) is None:
                _create_task(
                    actor,
                    resource,
                    MaintenanceTrigger.YEARLY_REVIEW,
                    _("Yearly full review of the entry (last reviewed %(date)s).")
                    % {"date": timezone.localdate(resource.last_reviewed_at).isoformat()},
                )
                count += 1
    return count


def raise_system_upgrade_tasks(
    *, actor: Actor | ActorRef, system: InformationSystem, reason: str
) -> list[MaintenanceTask]:
    """A§12: when an information system is upgraded, every published entry it is the source of
    is revisited. Called by the information-system service inside its transaction."""
    tasks = []
    resources = Resource.objects.filter(
        live_version__isnull=False, live_version__source_system=system
    ).order_by("pk")
    for resource in resources:
        if _open_task(resource, MaintenanceTrigger.SYSTEM_UPGRADE) is None:
            tasks.append(_create_task(actor, resource, MaintenanceTrigger.SYSTEM_UPGRADE, reason))
    return tasks


def raise_data_update_task(
    resource: Resource, *, actor: Actor | ActorRef, reason: str
) -> MaintenanceTask | None:
    """AGG-5: the data plane found the resource's data past its update cycle; the provider gets
    a task to load the current data, unless one is open (safe to call from a periodic sweep)."""
    with transaction.atomic():
        # A sweep running at the same moment waits here, then finds the task open.
        Resource.objects.select_for_update().filter(pk=resource.pk).first()
        if _open_task(resource, MaintenanceTrigger.DATA_OVERDUE) is not None:
            return None
        return _create_task(actor, resource, MaintenanceTrigger.DATA_OVERDUE, reason)


def close_data_update_tasks(resource: Resource, *, batch_number: int) -> int:
    """A load committed: the open "data past its update cycle" task of the resource is done."""
    closed = 0
    for task in MaintenanceTask.objects.filter(
        resource=resource, trigger=MaintenanceTrigger.DATA_OVERDUE, status=MaintenanceStatus.OPEN
    ):
        maintenance_workflow.transition(
            task,
            "fulfil",
            actor=ActorRef.platform("dataplane.load"),
            comment=_("Batch %(number)d loaded.") % {"number": batch_number},
        )
        closed += 1
    return closed
