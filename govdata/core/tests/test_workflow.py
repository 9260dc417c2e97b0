"""The workflow mechanism, on the small test procedure in workflow_app: submitted tickets must be
answered within 3 working days ("test.answer"), else they escalate, then reminders follow."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from govdata.core import audit, workflow
from govdata.core import calendar as cal
from govdata.core.actors import ActorRef
from govdata.core.errors import Conflict, Forbidden, Invalid
from govdata.core.models import AuditEntry, TransitionRecord
from govdata.core.tests.workflow_app.models import Ticket
from govdata.core.tests.workflow_app.workflows import ticket_workflow

pytestmark = pytest.mark.django_db


def new_ticket(organisation_id: int) -> Ticket:
    ticket = Ticket(title="请提供人口数据", organisation_id=organisation_id)
    ticket_workflow.start(ticket)
    ticket.save()
    return ticket


def test_a_transition_moves_the_state_and_starts_the_working_day_deadline(city):
    ticket = new_ticket(city.department.pk)
    # Friday 27 September 2024: 3 working days are Sun 29 Sep (make-up day), Mon 30 Sep, Tue 8 Oct.
    with freeze_time("2024-09-27 10:00:00+08:00"):
        ticket_workflow.transition(ticket, "submit", actor=city.actor(city.analyst), comment="急需")
    ticket.refresh_from_db()
    assert ticket.status == "submitted"
    assert ticket.due_on == dt.date(2024, 10, 8)
    assert ticket.due_days == 3 and not ticket.due_provisional


def test_a_transition_writes_history_and_an_audit_entry_together(city):
    ticket = new_ticket(city.department.pk)
    ticket_workflow.transition(ticket, "submit", actor=city.actor(city.analyst), comment="急需")
    record = ticket_workflow.history(ticket).get()
    assert (record.transition, record.from_state, record.to_state, record.comment) == (
        "submit",
        "draft",
        "submitted",
        "急需",
    )
    assert record.actor_id == str(city.analyst.pk)
    entry = AuditEntry.objects.get(action="test.ticket.submit")
    assert entry.object_id == str(ticket.pk)
    assert entry.details["from"] == "draft" and entry.details["to"] == "submitted"
    assert audit.verify().ok


def test_the_wrong_state_is_a_conflict_and_writes_nothing(city):
    ticket = new_ticket(city.department.pk)
    with pytest.raises(Conflict):
        ticket_workflow.transition(ticket, "answer", actor=city.actor(city.reviewer))
    assert Ticket.objects.get(pk=ticket.pk).status == "draft"
    assert not TransitionRecord.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="test.ticket").exists()


def test_only_the_declared_actors_may_take_a_transition(city):
    ticket = new_ticket(city.department.pk)
    with pytest.raises(Forbidden):
        ticket_workflow.transition(ticket, "submit", actor=city.actor(city.outsider))
    ticket_workflow.transition(ticket, "submit", actor=city.actor(city.analyst))
    with pytest.raises(Forbidden):
        ticket_workflow.transition(ticket, "answer", actor=city.actor(city.analyst))
    assert Ticket.objects.get(pk=ticket.pk).status == "submitted"
    assert [t.name for t in ticket_workflow.available(ticket, city.actor(city.reviewer))] == [
        "answer",
        "reject",
    ]
    assert ticket_workflow.available(ticket, city.actor(city.analyst)) == []


def test_a_rejection_needs_a_reason(city):
    ticket = new_ticket(city.department.pk)
    ticket_workflow.transition(ticket, "submit", actor=city.actor(city.analyst))
    with pytest.raises(Invalid) as caught:
        ticket_workflow.transition(ticket, "reject", actor=city.actor(city.reviewer), comment="  ")
    assert caught.value.code == "comment_required"
    ticket_workflow.transition(
        ticket, "reject", actor=city.actor(city.reviewer), comment="无法律依据"
    )
    assert Ticket.objects.get(pk=ticket.pk).status == "rejected"


def test_two_actors_acting_on_the_same_state_cannot_both_win(city):
    ticket = new_ticket(city.department.pk)
    ticket_workflow.transition(ticket, "submit", actor=city.actor(city.analyst))
    stale = Ticket.objects.get(pk=ticket.pk)  # a second reviewer loaded the same page
    ticket_workflow.transition(ticket, "answer", actor=city.actor(city.reviewer))
    with pytest.raises(Conflict) as caught:
        ticket_workflow.transition(stale, "reject", actor=city.actor(city.reviewer), comment="重复")
    assert caught.value.code == "stale"
    assert Ticket.objects.get(pk=ticket.pk).status == "answered"
    assert ticket_workflow.history(ticket).count() == 2


def test_an_unknown_transition_is_invalid(city):
    ticket = new_ticket(city.department.pk)
    with pytest.raises(Invalid):
        ticket_workflow.transition(ticket, "approve", actor=city.actor(city.reviewer))


def test_a_lapsed_deadline_runs_the_lapse_handler_once(city):
    ticket = new_ticket(city.department.pk)
    with freeze_time("2026-11-23 09:00:00+08:00"):  # Monday: due Thursday 26 November
        ticket_workflow.transition(ticket, "submit", actor=city.actor(city.analyst))
    ticket.refresh_from_db()
    assert ticket.due_on == dt.date(2026, 11, 26)
    assert workflow.sweep_lapsed(today=dt.date(2026, 11, 26)) == 0  # the due day itself is in time
    with freeze_time("2026-11-27 09:00:00+08:00"):
        assert workflow.sweep_lapsed() == 1
    ticket.refresh_from_db()
    assert ticket.status == "escalated"  # the handler escalated it, with a new deadline
    assert ticket.due_on == dt.date(2026, 12, 2)
    transitions = list(ticket_workflow.history(ticket).values_list("transition", flat=True))
    assert transitions == ["submit", "lapse", "escalate"]
    record = ticket_workflow.history(ticket).get(transition="escalate")
    assert record.actor_kind == "platform" and record.actor_label == "deadline-sweep"
    with freeze_time("2026-11-27 09:30:00+08:00"):
        assert workflow.sweep_lapsed() == 0  # nothing twice


def test_the_sweep_handles_each_lapsed_object_and_reminds(city):
    tickets = [new_ticket(city.department.pk) for _ in range(3)]
    with freeze_time("2026-11-23 09:00:00+08:00"):
        for t in tickets:
            ticket_workflow.transition(t, "submit", actor=city.actor(city.analyst))
        ticket_workflow.transition(tickets[0], "answer", actor=city.actor(city.reviewer))
    # The sweep runs on the day it is swept: escalation starts its new deadline then.
    with freeze_time("2026-11-27 02:30:00+08:00"):
        assert workflow.sweep_lapsed() == 2  # escalated on Friday: due Wednesday 2 December
    with freeze_time("2026-12-03 02:30:00+08:00"):
        assert workflow.sweep_lapsed() == 2  # escalated ones lapse again
    assert sorted(Ticket.objects.values_list("reminders", flat=True)) == [0, 1, 1]
    assert audit.verify().ok


def test_a_deadline_into_an_unknown_year_is_provisional_until_the_year_is_entered(city):
    ticket = new_ticket(city.department.pk)
    with freeze_time("2026-12-29 10:00:00+08:00"):  # Tuesday; 3 working days reach into 2027
        ticket_workflow.transition(ticket, "submit", actor=city.actor(city.analyst))
    ticket.refresh_from_db()
    assert ticket.due_provisional and ticket.due_on == dt.date(2027, 1, 1)  # counted Mon-Fri
    cal.do_set_year(
        actor=ActorRef(kind="person", id="1", label="authority"),
        year=2027,
        holidays=[dt.date(2027, 1, 1)],
        workdays=[],
    )
    ticket.refresh_from_db()
    assert not ticket.due_provisional and ticket.due_on == dt.date(2027, 1, 4)
    assert (
        AuditEntry.objects.get(action="core.calendar.set_year").details["recomputed_deadlines"] == 1
    )


def test_open_tasks_list_what_the_actor_owes_soonest_first(city):
    first, second = new_ticket(city.department.pk), new_ticket(city.department.pk)
    with freeze_time("2026-11-25 09:00:00+08:00"):
        ticket_workflow.transition(second, "submit", actor=city.actor(city.analyst))
    with freeze_time("2026-11-23 09:00:00+08:00"):
        ticket_workflow.transition(first, "submit", actor=city.actor(city.analyst))
    with freeze_time("2026-11-27 09:00:00+08:00"):
        tasks = workflow.open_tasks(city.actor(city.reviewer))
        assert [t["object"].pk for t in tasks] == [first.pk, second.pk]
        assert tasks[0]["overdue"] and not tasks[1]["overdue"]
        assert tasks[0]["due_on"] == dt.date(2026, 11, 26)
    assert workflow.open_tasks(city.actor(city.analyst)) == []


def test_a_declaration_with_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="unknown states"):
        workflow.Workflow(
            name="test.broken",
            model=Ticket,
            states=[workflow.State("a", "A")],
            transitions=[workflow.Transition("go", ["a"], "b", allowed=lambda *_: True)],
        )
