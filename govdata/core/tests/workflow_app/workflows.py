from django.db.models import F

from govdata.core.choices import ActorKind
from govdata.core.workflow import State, Transition, Workflow
from govdata.orgs.choices import Role

from .models import Ticket


def _is_member(actor, ticket) -> bool:
    return any(org == ticket.organisation_id for org, _ in getattr(actor, "role_rows", []))


def _is_reviewer(actor, ticket) -> bool:
    return getattr(actor, "has_role", lambda *_: False)(Role.REVIEWER)


def _is_platform(actor, ticket) -> bool:
    return actor.audit_ref().kind == ActorKind.PLATFORM


def escalate(workflow, ticket, actor) -> None:
    workflow.transition(ticket, "escalate", actor=actor, comment="deadline passed")


def remind(workflow, ticket, actor) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(reminders=F("reminders") + 1)


def _reviewer_tasks(actor):
    if _is_reviewer(actor, None):
        return Ticket.objects.filter(status__in=["submitted", "escalated"])
    return Ticket.objects.none()


ticket_workflow = Workflow(
    name="test.ticket",
    model=Ticket,
    states=[
        State("draft", "Draft"),
        State("submitted", "Submitted", deadline="test.answer", on_lapse=escalate),
        State("escalated", "Escalated", deadline="test.answer", on_lapse=remind),
        State("answered", "Answered", final=True),
        State("rejected", "Rejected", final=True),
    ],
    transitions=[
        Transition("submit", ["draft"], "submitted", allowed=_is_member),
        Transition("answer", ["submitted", "escalated"], "answered", allowed=_is_reviewer),
        Transition(
            "reject",
            ["submitted", "escalated"],
            "rejected",
            allowed=_is_reviewer,
            comment_required=True,
        ),
        Transition("escalate", ["submitted"], "escalated", allowed=_is_platform),
    ],
    tasks_for=_reviewer_tasks,
)
