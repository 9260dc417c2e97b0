"""The demand procedure (CAT-6, B§16) on the core workflow mechanism.

A department files what data it needs, why and on what basis (``open``). Either it finds the
data in the catalog and names the entry that meets it (``met``), or the data authority over its
area sends the demand to the department responsible (``assigned``), which answers within
``catalog.demand_answer`` working days (``answered``): it will provide the data (optionally
naming the entry), or it cannot, with the legal basis. The requester may withdraw an unanswered
demand, and may still mark an assigned or answered demand met once an entry meets it.

The answer is one transition, ``answer``; its outcome (``Demand.answer_outcome``, provide or
cannot), its reason (``answer``) and the legal basis of a refusal (``answer_basis``) are written in
the same compare-and-set update. A lapsed answer deadline marks the demand overdue on the lists;
no lapse handler is needed, the authority sees it there.

Imported by ``services/lists.py`` (and so at start through ``jobs.py``); nothing else imports it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govdata.core.workflow import State, Transition, Workflow
from govdata.orgs import queries as org_queries
from govdata.orgs.actors import Actor

from . import queries, queries_lists
from .choices import DemandStatus
from .models import Demand

D = DemandStatus


def _requester_side(actor: Any, demand: Demand) -> bool:
    return isinstance(actor, Actor) and queries_lists.acts_for(actor, demand.requester_id)


def _authority_over_requester(actor: Any, demand: Demand) -> bool:
    """The managers of the data authority over the requester's area (B§16)."""
    return isinstance(actor, Actor) and queries.manages_area_of(actor, demand.requester)


def _responsible_side(actor: Any, demand: Demand) -> bool:
    return (
        isinstance(actor, Actor)
        and demand.responsible_id is not None
        and queries_lists.acts_for(actor, demand.responsible_id)
    )


def _demand_tasks(actor: Any) -> QuerySet[Demand]:
    """The responsible department owes an answer; the authority owes a decision on open ones."""
    if not isinstance(actor, Actor) or actor.person is None:
        return Demand.objects.none()
    own = queries_lists.own_organisations(actor)
    to_answer = Demand.objects.filter(status=D.ASSIGNED, responsible_id__in=own)
    authorities = actor.managed_authorities
    if authorities:
        to_answer |= Demand.objects.filter(
            org_queries.area_filter(authorities, "requester__"), status=D.OPEN
        )
    return to_answer.select_related("requester", "responsible")


demand_workflow = Workflow(
    name=queries_lists.DEMAND_WORKFLOW,
    model=Demand,
    states=[
        State(D.OPEN, D.OPEN.label),
        State(D.ASSIGNED, D.ASSIGNED.label, deadline="catalog.demand_answer"),
        State(D.ANSWERED, D.ANSWERED.label),
        State(D.MET, D.MET.label, final=True),
        State(D.WITHDRAWN, D.WITHDRAWN.label, final=True),
    ],
    transitions=[
        Transition(
            "meet",
            [D.OPEN, D.ASSIGNED, D.ANSWERED],
            D.MET,
            _requester_side,
            _("Mark as met"),
        ),
        Transition(
            "assign",
            [D.OPEN],
            D.ASSIGNED,
            _authority_over_requester,
            _("Send to the responsible department"),
        ),
        Transition(
            "answer",
            [D.ASSIGNED],
            D.ANSWERED,
            _responsible_side,
            _("Answer"),
            comment_required=True,
        ),
        Transition("withdraw", [D.OPEN, D.ASSIGNED], D.WITHDRAWN, _requester_side, _("Withdraw")),
    ],
    tasks_for=_demand_tasks,
    task_url=lambda demand: reverse("lists-demand", kwargs={"demand_id": demand.pk}),
)
