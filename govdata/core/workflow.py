"""The workflow mechanism every regulated procedure runs on (ARCHITECTURE.md "Workflows").

An app declares its procedure once, in its ``workflows.py``::

    review = Workflow(
        name="catalog.review",
        model=Resource,
        states=[State("submitted", _("Submitted"), deadline="catalog.review", on_lapse=escalate), ...],
        transitions=[Transition("approve", ["submitted"], "published", allowed=is_reviewer), ...],
    )

and calls ``review.transition(obj, "approve", actor=..., comment=...)`` from its service. A
transition checks who may take it, moves the state with a compare-and-set update (so two people
acting at once cannot both win), starts the working-day deadline of the new state, writes a
history row and an audit entry, all in one transaction. ``sweep_lapsed()`` (a periodic job) finds
objects whose deadline has passed and calls the state's lapse handler (remind, escalate).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit
from . import calendar as working_days
from .actors import ActorRef, Auditable, as_ref
from .errors import Conflict, Forbidden, Invalid
from .models import TransitionRecord, WorkflowModel

Permission = Callable[[Any, Any], bool]  # (actor, the workflow model instance)
LapseHandler = Callable[["Workflow", WorkflowModel, ActorRef], None]

LAPSE = "lapse"
M = TypeVar("M", bound=WorkflowModel)


@dataclass(frozen=True)
class State:
    name: str
    label: Any
    # A key of settings.DEADLINE_DAYS, or a function of the object giving one (a maintenance task
    # is due in 2 or 10 working days depending on what raised it).
    deadline: str | Callable[[Any], str | None] | None = None
    on_lapse: LapseHandler | None = None
    final: bool = False


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...] | list[str]
    target: str
    allowed: Permission
    label: Any = ""
    comment_required: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", tuple(self.sources))
        if not self.label:
            object.__setattr__(self, "label", self.name)


REGISTRY: dict[str, Workflow] = {}


@dataclass
class Workflow:
    name: str
    model: type[WorkflowModel]
    states: list[State]
    transitions: list[Transition]
    initial: str = ""
    # Which objects an actor owes action on: a queryset filter, for the console's task list.
    tasks_for: Callable[[Any], models.QuerySet] | None = None
    # The console page of an object, for the links of the task list.
    task_url: Callable[[Any], str] | None = None
    _states: dict[str, State] = field(init=False, repr=False)
    _transitions: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._states = {s.name: s for s in self.states}
        self._transitions = {t.name: t for t in self.transitions}
        self.initial = self.initial or self.states[0].name
        for t in self.transitions:
            unknown = {*t.sources, t.target} - set(self._states)
            if unknown:
                raise ValueError(f"{self.name}.{t.name}: unknown states {sorted(unknown)}")
        for s in self.states:
            if isinstance(s.deadline, str) and s.deadline not in settings.DEADLINE_DAYS:
                raise ValueError(f"{self.name}.{s.name}: no deadline setting {s.deadline!r}")
        if self.name in REGISTRY and REGISTRY[self.name].model is not self.model:
            raise ValueError(f"workflow {self.name} declared twice")
        REGISTRY[self.name] = self

    # --- reading ---------------------------------------------------------------------------------

    def state(self, name: str) -> State:
        return self._states[name]

    def label_of(self, name: str) -> Any:
        state = self._states.get(name)
        return state.label if state else name

    def available(self, obj: WorkflowModel, actor: Any) -> list[Transition]:
        """The transitions ``actor`` may take on ``obj`` now (for buttons and the API)."""
        return [t for t in self.transitions if obj.status in t.sources and t.allowed(actor, obj)]

    def history(self, obj: WorkflowModel) -> models.QuerySet:
        return TransitionRecord.objects.filter(workflow=self.name, object_id=obj.pk)

    def history_rows(self, obj: WorkflowModel) -> list[dict[str, Any]]:
        """The history as pages show it: when, who, the step's label, the state it led to, the
        comment, and the transition's name (a lapsed deadline is a step too)."""
        labels = {t.name: t.label for t in self.transitions}
        labels[LAPSE] = _("Deadline passed")
        return [
            {
                "at": record.at,
                "by": record.actor_label,
                "action": labels.get(record.transition, record.transition),
                "state": self.label_of(record.to_state),
                "comment": record.comment,
                "transition": record.transition,
            }
            for record in self.history(obj).order_by("at", "pk")
        ]

    # --- writing ---------------------------------------------------------------------------------

    def _deadline_fields(self, state: State, now: dt.datetime, obj: Any) -> dict[str, Any]:
        key = state.deadline(obj) if callable(state.deadline) else state.deadline
        if not key:
            return {"due_on": None, "due_days": None, "due_provisional": False, "lapsed_at": None}
        days = settings.DEADLINE_DAYS[key]
        due = working_days.deadline(timezone.localdate(now), days)
        return {
            "due_on": due.due_on,
            "due_days": days,
            "due_provisional": due.provisional,
            "lapsed_at": None,
        }

    def start(self, obj: WorkflowModel) -> None:
        """Set the initial state and its deadline on a new, unsaved object."""
        now = timezone.now()
        obj.status = self.initial
        obj.state_since = now
        for name, value in self._deadline_fields(self._states[self.initial], now, obj).items():
            setattr(obj, name, value)

    def transition(
        self,
        obj: M,
        name: str,
        *,
        actor: Any,
        comment: str = "",
        details: dict[str, Any] | None = None,
        extra_updates: dict[str, Any] | None = None,
    ) -> M:
        """Take transition ``name``: permission, compare-and-set, deadline, history, audit.

        Raises Invalid (unknown transition, missing comment), Forbidden (actor may not) or
        Conflict (the object is not, or no longer, in a state the transition leaves from).
        ``extra_updates`` are written in the same compare-and-set update.
        """
        transition = self._transitions.get(name)
        if transition is None:
            raise Invalid(
                _("Unknown action."), code="unknown_transition", fields={"transition": name}
            )
        if transition.comment_required and not comment.strip():
            raise Invalid(
                _("Give a reason."), code="comment_required", fields={"comment": _("Required.")}
            )
        if obj.status not in transition.sources:
            raise Conflict(
                _("This action is not possible in the state “%(state)s”.")
                % {"state": self.label_of(obj.status)},
                code="wrong_state",
            )
        if not transition.allowed(actor, obj):
            raise Forbidden(_("You may not take this action."), code="forbidden")
        ref = as_ref(actor)
        now = timezone.now()
        target = self._states[transition.target]
        updates = {
            "status": target.name,
            "state_since": now,
            **self._deadline_fields(target, now, obj),
        }
        updates.update(extra_updates or {})
        with transaction.atomic():
            changed = (
                type(obj)._default_manager.filter(pk=obj.pk, status=obj.status).update(**updates)
            )
            if changed != 1:
                raise Conflict(
                    _("Someone else changed this first; reload and try again."), code="stale"
                )
            old = obj.status
            for key, value in updates.items():
                setattr(obj, key, value)
            self._write_history(obj, transition.name, old, target.name, ref, comment, now)
            audit.record(
                actor=ref,
                action=f"{self.name}.{transition.name}",
                object_type=self.name,
                object_id=obj.pk,
                details={
                    "from": old,
                    "to": target.name,
                    "comment": comment,
                    "due_on": obj.due_on,
                    **(details or {}),
                },
            )
        return obj

    def _write_history(
        self, obj, name, old, new, ref: ActorRef, comment: str, at: dt.datetime
    ) -> None:
        TransitionRecord.objects.create(
            workflow=self.name,
            object_id=obj.pk,
            transition=name,
            from_state=old,
            to_state=new,
            actor_kind=ref.kind,
            actor_id=str(ref.id),
            actor_label=ref.label[:200],
            organisation_id=ref.organisation_id,
            comment=comment,
            at=at,
        )

    def open_with_deadline(self) -> models.QuerySet:
        states = [s.name for s in self.states if s.deadline]
        return self.model._default_manager.filter(status__in=states, due_on__isnull=False)

    def lapse(self, pk: int, *, actor: Auditable | ActorRef, today: dt.date) -> bool:
        """Mark one overdue object lapsed and call its lapse handler; False when another worker
        took it or it is no longer overdue. One transaction per object."""
        ref = as_ref(actor)
        with transaction.atomic():
            query = self.open_with_deadline().filter(
                pk=pk, due_on__lt=today, lapsed_at__isnull=True
            )
            if connection.features.has_select_for_update_skip_locked:
                query = query.select_for_update(skip_locked=True)
            obj = query.first()
            if obj is None:
                return False
            now = timezone.now()
            type(obj)._default_manager.filter(pk=obj.pk).update(lapsed_at=now)
            obj.lapsed_at = now
            self._write_history(obj, LAPSE, obj.status, obj.status, ref, "", now)
            audit.record(
                actor=ref,
                action=f"{self.name}.{LAPSE}",
                object_type=self.name,
                object_id=obj.pk,
                details={"state": obj.status, "due_on": obj.due_on},
            )
            handler = self._states[obj.status].on_lapse
            if handler is not None:
                handler(self, obj, ref)
        return True


def sweep_lapsed(*, today: dt.date | None = None) -> int:
    """Find every object past its deadline in every workflow and lapse it, one at a time."""
    today = today or timezone.localdate()
    actor = ActorRef.platform("deadline-sweep")
    count = 0
    for workflow in list(REGISTRY.values()):
        due = workflow.open_with_deadline().filter(due_on__lt=today, lapsed_at__isnull=True)
        for pk in due.order_by("due_on", "pk").values_list("pk", flat=True).iterator():
            if workflow.lapse(pk, actor=actor, today=today):
                count += 1
    return count


def recompute_provisional_deadlines(
    *, actor: Auditable | ActorRef, include_firm: bool = False
) -> int:
    """Recount open deadlines after the calendar changed (CAL-1): provisional ones when a year is
    entered; all open ones when a single day is overridden. Returns how many moved or firmed."""
    changed = 0
    for workflow in list(REGISTRY.values()):
        query = workflow.open_with_deadline().filter(lapsed_at__isnull=True, due_days__isnull=False)
        if not include_firm:
            query = query.filter(due_provisional=True)
        for obj in query.only("pk", "state_since", "due_days", "due_on", "due_provisional"):
            start = timezone.localdate(obj.state_since) if obj.state_since else timezone.localdate()
            due = working_days.deadline(start, obj.due_days)
            if (due.due_on, due.provisional) != (obj.due_on, obj.due_provisional):
                type(obj)._default_manager.filter(pk=obj.pk).update(
                    due_on=due.due_on, due_provisional=due.provisional
                )
                changed += 1
    return changed


def open_tasks(actor: Any) -> list[dict[str, Any]]:
    """Every object some workflow says ``actor`` owes action on, soonest deadline first."""
    today = timezone.localdate()
    tasks: list[dict[str, Any]] = []
    for workflow in REGISTRY.values():
        if workflow.tasks_for is None:
            continue
        for obj in workflow.tasks_for(actor)[:200]:
            tasks.append(
                {
                    "workflow": workflow.name,
                    "object": obj,
                    "state": obj.status,
                    "state_label": workflow.label_of(obj.status),
                    "due_on": obj.due_on,
                    "provisional": obj.due_provisional,
                    "overdue": obj.is_overdue(today),
                    "url": workflow.task_url(obj) if workflow.task_url else "",
                }
            )
    tasks.sort(key=lambda t: (t["due_on"] is None, t["due_on"] or dt.date.max))
    return tasks


def declared(names: Iterable[str] | None = None) -> list[Workflow]:
    return [w for n, w in REGISTRY.items() if names is None or n in names]
