"""The procedures of the orgs app, on the core workflow mechanism."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govdata.core.workflow import State, Transition, Workflow

from . import queries
from .actors import Actor
from .choices import MANAGING_ROLES, AccountRequestStatus
from .models import AccountRequest

S = AccountRequestStatus


def _answers_for_area(actor: Any, request: AccountRequest) -> bool:
    """The data authority over the requesting organisation's area (not the organisation itself,
    unless it is the authority) or the platform admin answers."""
    if not isinstance(actor, Actor):
        return False
    if actor.is_platform_admin:
        return True
    return any(queries.in_area(a, request.organisation) for a in actor.managed_authorities)


def _is_requester_side(actor: Any, request: AccountRequest) -> bool:
    return isinstance(actor, Actor) and any(
        actor.has_role(role, request.organisation_id) for role in MANAGING_ROLES
    )


def _tasks(actor: Any) -> QuerySet[AccountRequest]:
    if not isinstance(actor, Actor) or actor.person is None:
        return AccountRequest.objects.none()
    pending = AccountRequest.objects.filter(status=S.SUBMITTED).select_related(
        "organisation", "person"
    )
    if actor.is_platform_admin:
        return pending
    authorities = actor.managed_authorities
    if not authorities:
        return AccountRequest.objects.none()
    return pending.filter(queries.area_filter(authorities, "organisation__"))


account_request_workflow = Workflow(
    name="orgs.account_request",
    model=AccountRequest,
    states=[
        State(S.SUBMITTED, S.SUBMITTED.label, deadline="orgs.account_request"),  # ORG-4, Y§21
        State(S.APPROVED, S.APPROVED.label, final=True),
        State(S.REJECTED, S.REJECTED.label, final=True),
        State(S.WITHDRAWN, S.WITHDRAWN.label, final=True),
    ],
    transitions=[
        Transition(
            "approve", [S.SUBMITTED], S.APPROVED, allowed=_answers_for_area, label=_("Approve")
        ),
        Transition(
            "reject",
            [S.SUBMITTED],
            S.REJECTED,
            allowed=_answers_for_area,
            label=_("Reject"),
            comment_required=True,
        ),
        Transition(
            "withdraw", [S.SUBMITTED], S.WITHDRAWN, allowed=_is_requester_side, label=_("Withdraw")
        ),
    ],
    tasks_for=_tasks,
    task_url=lambda request: reverse("account-request", kwargs={"request_id": request.pk}),
)
