"""The demand list and the responsibility list, and their publication (CAT-6, B§16, B§23).

Every function takes a keyword-only ``actor``, checks what the actor may do and the input before
anything is written, and writes in one transaction with its audit entry inside. Demand moves go
through ``workflows_lists.demand_workflow`` (compare-and-set, history, audit), so two people
acting on the same demand at once cannot both win: the second gets a ``Conflict``.

Importing this module declares the demand procedure (``workflows_lists``).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govdata.core import audit
from govdata.core.errors import Conflict, Forbidden, Invalid, clean_text
from govdata.orgs.actors import Actor
from govdata.orgs.models import Organisation

from .. import queries, queries_lists
from ..choices import DemandAnswer
from ..models import Demand, ListPublication, Resource, Responsibility
from ..queries_lists import ListKind
from ..workflows_lists import demand_workflow

TEXT_LIMIT = 2000


def precheck_demand_move(demand: Demand, name: str, actor: Actor) -> None:
    """Refuse a move as the mechanism would (wrong state → Conflict, wrong actor → Forbidden)
    before the input is judged, so that the wrong person learns nothing from validation. The
    pages call it before they validate their forms, for the same reason."""
    transition = next(t for t in demand_workflow.transitions if t.name == name)
    if demand.status not in transition.sources:
        raise Conflict(
            _("This action is not possible in the state “%(state)s”.")
            % {"state": demand_workflow.label_of(demand.status)},
            code="wrong_state",
        )
    if not transition.allowed(actor, demand):
        raise Forbidden(_("You may not take this action."), code="forbidden")


# --- Demands ----------------------------------------------------------------------------------------


def check_file_demand(
    *,
    actor: Actor,
    requester: Organisation,
    title: str,
    purpose: str,
    basis: str,
    description: str = "",
) -> Demand:
    """A department states what data it needs, why and on what basis (B§16: 根据履职需要,提出数据需求
    清单). The demand opens; matching published entries are suggested on reading it."""
    if not queries.is_staff(actor) or not queries_lists.acts_for(actor, requester):
        raise Forbidden(
            _("You may not file demands for this organisation."), code="not_your_organisation"
        )
    title = clean_text(title, "title", 200)
    purpose = clean_text(purpose, "purpose", TEXT_LIMIT)
    basis = clean_text(basis, "basis", TEXT_LIMIT)
    description = clean_text(description, "description", 4000, required=False)
    suggested = [
        r.code
        for r in queries_lists.suggest_resources(title)
        or queries_lists.suggest_resources(description)
    ]
    now = timezone.now()
    with transaction.atomic():
        demand = Demand(
            requester=requester,
            title=title,
            description=description,
            purpose=purpose,
            basis=basis,
            created_at=now,
            created_by=actor.label,
        )
        demand_workflow.start(demand)
        demand.save(force_insert=True)
        audit.record(
            actor=actor,
            action="catalog.demand.file",
            object_type=queries_lists.DEMAND_WORKFLOW,
            object_id=demand.pk,
            details={"requester": requester.pk, "title": title, "suggested": suggested},
        )
    return demand


def do_meet_demand(
    *, actor: Actor, demand: Demand, resource: Resource, comment: str = ""
) -> Demand:
    """The requester names the published entry that meets its demand; the demand closes."""
    precheck_demand_move(demand, "meet", actor)
    if resource.live_version_id is None:
        raise Invalid(
            _("Name a published catalog entry."),
            code="not_published",
            fields={"resource_id": _("Not a published catalog entry.")},
        )
    comment = clean_text(comment, "comment", TEXT_LIMIT, required=False)
    return demand_workflow.transition(
        demand,
        "meet",
        actor=actor,
        comment=comment,
        details={"resource": resource.code},
        extra_updates={"resource": resource},
    )


def check_assign_demand(
    *, actor: Actor, demand: Demand, responsible: Organisation, comment: str = ""
) -> Demand:
    """The data authority over the requester's area sends an unmet demand to the department
    responsible for the data; its answer deadline (``catalog.demand_answer``) starts."""
    precheck_demand_move(demand, "assign", actor)
    if (
        responsible.pk == demand.requester_id
        or not responsible.is_active
        or responsible.kind not in queries_lists.DATA_HOLDING_KINDS
        or not queries.manages_area_of(actor, responsible)
    ):
        raise Invalid(
            _("Name another department in your area."),
            code="invalid_responsible",
            fields={"responsible_id": _("Not a department in your area other than the requester.")},
        )
    comment = clean_text(comment, "comment", TEXT_LIMIT, required=False)
    return demand_workflow.transition(
        demand,
        "assign",
        actor=actor,
        comment=comment,
        details={"responsible": responsible.pk},
        extra_updates={"responsible": responsible},
    )


def check_answer_demand(
    *,
    actor: Actor,
    demand: Demand,
    can_provide: bool,
    answer: str,
    legal_basis: str = "",
    resource: Resource | None = None,
) -> Demand:
    """The responsible department answers: it will provide the data (optionally naming its
    entry that does), or it cannot, citing the legal basis (B§17: no refusal without legal
    grounds). A reason is required either way. The outcome, the reason and the basis are
    written with the move, in the same compare-and-set update."""
    precheck_demand_move(demand, "answer", actor)
    answer = clean_text(answer, "answer", TEXT_LIMIT)
    if can_provide:
        if legal_basis.strip():
            raise Invalid(
                _("A legal basis is given only for a refusal."),
                code="invalid_basis",
                fields={"legal_basis": _("Leave it empty when the data will be provided.")},
            )
        legal_basis = ""
        if resource is not None and resource.provider_id != demand.responsible_id:
            raise Invalid(
                _("Name an entry of your own department."),
                code="invalid_resource",
                fields={"resource_id": _("Not an entry of the responsible department.")},
            )
    else:
        legal_basis = clean_text(legal_basis, "legal_basis", TEXT_LIMIT)
        if resource is not None:
            raise Invalid(
                _("A refusal names no entry."),
                code="invalid_resource",
                fields={"resource_id": _("Leave it empty when the data cannot be provided.")},
            )
    outcome = DemandAnswer.PROVIDE if can_provide else DemandAnswer.CANNOT
    updates: dict[str, object] = {
        "answer": answer,
        "answer_outcome": outcome,
        "answer_basis": legal_basis,
    }
    if resource is not None:
        updates["resource"] = resource
    return demand_workflow.transition(
        demand,
        "answer",
        actor=actor,
        comment=answer,
        details={
            "outcome": outcome.value,
            "legal_basis": legal_basis,
            "resource": resource.code if resource else None,
        },
        extra_updates=updates,
    )


def do_withdraw_demand(*, actor: Actor, demand: Demand, comment: str = "") -> Demand:
    """The requester withdraws a demand it no longer has; the department owes nothing more."""
    precheck_demand_move(demand, "withdraw", actor)
    comment = clean_text(comment, "comment", TEXT_LIMIT, required=False)
    return demand_workflow.transition(demand, "withdraw", actor=actor, comment=comment)


# --- Responsibilities -------------------------------------------------------------------------------


def check_create_responsibility(
    *,
    actor: Actor,
    organisation: Organisation,
    title: str,
    basis: str,
    description: str = "",
    due_on: dt.date | None = None,
) -> Responsibility:
    """The data authority over the department's area records data the department must provide,
    on what duty basis and by when (B§16: 根据职责,明确本单位可以共享的数据责任清单)."""
    if not queries.manages_area_of(actor, organisation):
        raise Forbidden(
            _("Only the data authority over the department's area records its duties."),
            code="forbidden",
        )
    if not organisation.is_active or organisation.kind not in queries_lists.DATA_HOLDING_KINDS:
        raise Invalid(
            _("Name a department."),
            code="invalid_organisation",
            fields={"organisation_id": _("Not a department that holds data.")},
        )
    title = clean_text(title, "title", 200)
    basis = clean_text(basis, "basis", TEXT_LIMIT)
    description = clean_text(description, "description", 4000, required=False)
    if due_on is not None and due_on < timezone.localdate():
        raise Invalid(
            _("The date has passed."),
            code="date_passed",
            fields={"due_on": _("Give today or a later date.")},
        )
    with transaction.atomic():
        row = Responsibility.objects.create(
            organisation=organisation,
            title=title,
            description=description,
            basis=basis,
            due_on=due_on,
            created_at=timezone.now(),
            created_by=actor.label,
        )
        audit.record(
            actor=actor,
            action="catalog.responsibility.create",
            object_type="catalog.responsibility",
            object_id=row.pk,
            details={
                "organisation": organisation.pk,
                "title": title,
                "due_on": due_on,
            },
        )
    return row


def check_link_responsibility(
    *, actor: Actor, responsibility: Responsibility, resource: Resource
) -> Responsibility:
    """The department names its published catalog entry that fulfils a responsibility."""
    if not queries_lists.acts_for(actor, responsibility.organisation_id):
        raise Forbidden(_("Only the department itself names its entry."), code="forbidden")
    if resource.provider_id != responsibility.organisation_id or resource.live_version_id is None:
        raise Invalid(
            _("Name a published entry of the department."),
            code="invalid_resource",
            fields={"resource_id": _("Not a published entry of the department.")},
        )
    old = responsibility.resource_id
    with transaction.atomic():
        Responsibility.objects.filter(pk=responsibility.pk).update(resource=resource)
        responsibility.resource = resource
        audit.record(
            actor=actor,
            action="catalog.responsibility.link",
            object_type="catalog.responsibility",
            object_id=responsibility.pk,
            details={"old": old, "new": resource.pk, "resource": resource.code},
        )
    return responsibility


# --- Publishing the lists ---------------------------------------------------------------------------


def check_publish_list(
    *, actor: Actor, kind: str, authority: Organisation | None = None
) -> ListPublication:
    """The data authority publishes the demand or the responsibility list of its area as it
    stands (B§16: 定期发布需求清单和责任清单). The publication keeps the entries as they were;
    later changes of the list do not change it. ``authority`` may be left out by a manager of
    exactly one authority."""
    if kind not in ListKind.values:
        raise Invalid(_("Unknown list."), code="invalid_kind", fields={"kind": _("Unknown list.")})
    allowed = queries_lists.publishing_authorities(actor)
    if not allowed:
        raise Forbidden(
            _("Only the data authority's managers publish its lists."), code="forbidden"
        )
    if authority is None:
        if len(allowed) != 1:
            raise Invalid(
                _("Name the authority whose list is published."),
                code="required",
                fields={"authority_id": _("Required.")},
            )
        authority = allowed[0]
    elif authority.pk not in {a.pk for a in allowed}:
        raise Forbidden(
            _("Only the data authority's managers publish its lists."), code="forbidden"
        )
    with transaction.atomic():
        entries = queries_lists.list_rows(kind, authority)
        publication = ListPublication.objects.create(
            kind=kind,
            authority=authority,
            published_at=timezone.now(),
            published_by=actor.label,
            entries=entries,
        )
        audit.record(
            actor=actor,
            action="catalog.list.publish",
            object_type="catalog.list_publication",
            object_id=publication.pk,
            details={"kind": kind, "authority": authority.pk, "entries": len(entries)},
        )
    return publication


__all__ = [
    "check_answer_demand",
    "check_assign_demand",
    "check_create_responsibility",
    "check_file_demand",
    "check_link_responsibility",
    "check_publish_list",
    "do_meet_demand",
    "do_withdraw_demand",
    "precheck_demand_move",
]
