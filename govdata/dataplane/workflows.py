"""The coordination case of single source (AGG-4, E§7) on the core workflow mechanism.

A case opens (``open``) when the weekly finding, or the data authority running it, finds other
providers gathering an item that has an authoritative source. The data authority that named the
source (or one above it) settles it within ``dataplane.coordination`` working days: it writes
which value stands and what each provider must do (``settle``), or closes it without action,
giving the reason (``close``). Both write the decision into the same compare-and-set update; the
providers' notices are reset so that the decision enters their queue (``single_source``).

A lapsed deadline marks the case overdue on the lists; no lapse handler: the authority sees it
there. Imported by ``single_source.py``; nothing else needs to.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from govdata.catalog import queries_lists
from govdata.core.workflow import State, Transition, Workflow
from govdata.orgs import queries as org_queries
from govdata.orgs.actors import Actor

from .models import CoordinationCase, CoordinationFinding, CoordinationStatus

S = CoordinationStatus
WORKFLOW = "dataplane.coordination"
DEADLINE = "dataplane.coordination"  # settings.DEADLINE_DEFAULTS


def decides(actor: Any, case: CoordinationCase) -> bool:
    """The managers of the data authority that named the source, or of one whose area holds it
    (the city's over a county's), and the platform admin."""
    if not isinstance(actor, Actor):
        return False
    if actor.is_platform_admin:
        return True
    return any(org_queries.in_area(a, case.authority) for a in actor.managed_authorities)


def _tasks(actor: Any) -> QuerySet[CoordinationCase]:
    """The authority owes a decision on the open cases of its area; a provider owes a reading of
    each notice it has not acknowledged."""
    if not isinstance(actor, Actor) or not actor.is_authenticated:
        return CoordinationCase.objects.none()
    query = CoordinationCase.objects.select_related("source", "authority")
    if actor.is_platform_admin:
        return query.filter(status=S.OPEN)
    wanted = Q(pk__in=[])
    authorities = actor.managed_authorities
    if authorities:
        wanted |= Q(status=S.OPEN) & org_queries.area_filter(authorities, "authority__")
    own = queries_lists.own_organisations(actor)
    if own:
        unread = CoordinationFinding.objects.filter(
            case=OuterRef("pk"), provider_id__in=own, acknowledged_at__isnull=True
        )
        wanted |= Q(Exists(unread))
    return query.filter(wanted)


coordination_workflow = Workflow(
    name=WORKFLOW,
    model=CoordinationCase,
    states=[
        State(S.OPEN, S.OPEN.label, deadline=DEADLINE),  # AGG-4, E§7
        State(S.SETTLED, S.SETTLED.label, final=True),
        State(S.CLOSED, S.CLOSED.label, final=True),
    ],
    transitions=[
        Transition(
            "settle",
            [S.OPEN],
            S.SETTLED,
            decides,
            _("Settle"),
            comment_required=True,
        ),
        Transition(
            "close",
            [S.OPEN],
            S.CLOSED,
            decides,
            _("Close without action"),
            comment_required=True,
        ),
    ],
    tasks_for=_tasks,
    task_url=lambda case: reverse("data-case", kwargs={"case_id": case.pk}),
)
