"""The catalog's procedures on the core workflow mechanism: review of a version up the levels
(CAT-3) and the maintenance tasks of published entries (CAT-4)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govdata.core.actors import ActorRef
from govdata.core.choices import ActorKind
from govdata.core.workflow import State, Transition, Workflow
from govdata.orgs.actors import Actor

from . import queries
from .choices import TRIGGER_DEADLINE, MaintenanceStatus, MaintenanceTrigger, VersionStatus
from .models import MaintenanceTask, ResourceVersion

V = VersionStatus
M = MaintenanceStatus


def _compiles(actor: Any, version: ResourceVersion) -> bool:
    return isinstance(actor, Actor) and queries.can_compile(actor, version.resource.provider)


def _reviews(actor: Any, version: ResourceVersion) -> bool:
    return isinstance(actor, Actor) and queries.can_review(actor, version)


def _publishes(actor: Any, version: ResourceVersion) -> bool:
    """Superseding the live version is part of publishing its successor: a city reviewer's act."""
    return isinstance(actor, Actor) and (
        actor.is_platform_admin
        or queries.org_queries.can_review_for(actor, version.resource.provider, "city")
    )


def _review_tasks(actor: Any) -> QuerySet[ResourceVersion]:
    if not isinstance(actor, Actor):
        return ResourceVersion.objects.none()
    return queries.review_queue(actor) | queries.returned_versions(actor)


review_workflow = Workflow(
    name="catalog.review",
    model=ResourceVersion,
    states=[
        State(V.DRAFT, V.DRAFT.label),
        State(V.COUNTY_REVIEW, V.COUNTY_REVIEW.label, deadline="catalog.county_review"),
        State(V.CITY_REVIEW, V.CITY_REVIEW.label, deadline="catalog.city_review"),
        State(V.PUBLISHED, V.PUBLISHED.label),
        State(V.REJECTED, V.REJECTED.label),
        State(V.SUPERSEDED, V.SUPERSEDED.label, final=True),
        State(V.WITHDRAWN, V.WITHDRAWN.label, final=True),
    ],
    transitions=[
        # A county, township or village provider's entry goes to its county authority first;
        # a city provider's (or one in an area without a county authority) to the city's.
        Transition("submit_county", [V.DRAFT, V.REJECTED], V.COUNTY_REVIEW, _compiles, _("Submit")),
        Transition("submit_city", [V.DRAFT, V.REJECTED], V.CITY_REVIEW, _compiles, _("Submit")),
        Transition(
            "approve_county",
            [V.COUNTY_REVIEW],
            V.CITY_REVIEW,
            _reviews,
            _("Approve and pass to the city"),
        ),
        Transition("publish", [V.CITY_REVIEW], V.PUBLISHED, _reviews, _("Approve and publish")),
        Transition(
            "reject",
            [V.COUNTY_REVIEW, V.CITY_REVIEW],
            V.REJECTED,
            _reviews,
            _("Return with reasons"),
            comment_required=True,
        ),
        Transition(
            "withdraw",
            [V.DRAFT, V.COUNTY_REVIEW, V.CITY_REVIEW, V.REJECTED],
            V.WITHDRAWN,
            _compiles,
            _("Withdraw"),
        ),
        Transition("supersede", [V.PUBLISHED], V.SUPERSEDED, _publishes, _("Supersede")),
    ],
    tasks_for=_review_tasks,
    task_url=lambda version: reverse("catalog-version", kwargs={"version_id": version.pk}),
)


def version_actions(actor: Any, version: ResourceVersion) -> list[str]:
    """The review actions an actor may take on a version now, as the API and the pages name
    them: submit, approve, reject, withdraw, and edit for a draft or returned version."""
    names = {t.name for t in review_workflow.available(version, actor)}
    actions = []
    if names & {"submit_county", "submit_city"}:
        actions.append("submit")
    if names & {"approve_county", "publish"}:
        actions.append("approve")
    actions += [n for n in ("reject", "withdraw") if n in names]
    if version.status in (VersionStatus.DRAFT, VersionStatus.REJECTED) and "withdraw" in names:
        actions.append("edit")
    return actions


def _task_compiles(actor: Any, task: MaintenanceTask) -> bool:
    return isinstance(actor, Actor) and queries.can_compile(actor, task.resource.provider)


def _data_arrived(actor: Any, task: MaintenanceTask) -> bool:
    # Only the platform closes a "data past its cycle" task, when a load commits (AGG-5):
    # nobody can mark data loaded that was not.
    return (
        isinstance(actor, ActorRef)
        and actor.kind == ActorKind.PLATFORM
        and task.trigger == MaintenanceTrigger.DATA_OVERDUE
    )


def _task_overseen(actor: Any, task: MaintenanceTask) -> bool:
    return isinstance(actor, Actor) and queries.manages_area_of(actor, task.resource.provider)


def _task_deadline(task: MaintenanceTask) -> str:
    return TRIGGER_DEADLINE[task.trigger]  # type: ignore[index]


def _maintenance_tasks(actor: Any) -> QuerySet[MaintenanceTask]:
    if not isinstance(actor, Actor):
        return MaintenanceTask.objects.none()
    orgs = actor.organisations_with(queries.COMPILING_ROLES)
    return MaintenanceTask.objects.filter(
        Q(resource__provider_id__in=orgs), status=M.OPEN
    ).select_related("resource__provider", "resource__live_version")


maintenance_workflow = Workflow(
    name="catalog.maintenance",
    model=MaintenanceTask,
    states=[
        State(M.OPEN, M.OPEN.label, deadline=_task_deadline),
        State(M.DONE, M.DONE.label, final=True),
        State(M.CANCELLED, M.CANCELLED.label, final=True),
    ],
    transitions=[
        # Done when the provider submits the revision the task asked for, or states with
        # reasons that the entry needs no change.
        Transition("resolve", [M.OPEN], M.DONE, _task_compiles, _("Mark done")),
        Transition("fulfil", [M.OPEN], M.DONE, _data_arrived, _("Data loaded")),
        Transition(
            "cancel", [M.OPEN], M.CANCELLED, _task_overseen, _("Cancel"), comment_required=True
        ),
    ],
    tasks_for=_maintenance_tasks,
    task_url=lambda task: reverse("catalog-resource", kwargs={"resource_id": task.resource_id}),
)
