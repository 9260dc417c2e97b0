"""Departments' information systems (CAT-7, B§8, G§17, A§12).

A department registers its business systems and keeps them current. A new or upgraded system is
accepted by the data authority over its area only when it is the source of a published catalog
entry and — once the data plane can connect systems — connected to the platform (B§8: 目录编制和
对接情况作为项目验收、评价的必要内容). Upgrading a system raises maintenance tasks for the entries
it sources (CAT-4, A§12). A connected system that will stop is filed beforehand with a date at
least one working day ahead (B§8: 拟停止使用的,需提前报...备案); an unconnected one may stop at once.

Every function takes a keyword-only ``actor``, checks permission and input before writing, and
moves the status with a compare-and-set update in one transaction with its audit entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govdata.core import audit
from govdata.core import calendar as working_days
from govdata.core.actors import ActorRef, Auditable
from govdata.core.errors import Conflict, Forbidden, Invalid, clean_text
from govdata.orgs.actors import Actor
from govdata.orgs.models import Organisation

from .. import queries, queries_lists
from ..choices import SystemStatus
from ..models import InformationSystem
from .maintenance import raise_system_upgrade_tasks

S = SystemStatus
LIVE_STATES = (S.PLANNED, S.IN_USE, S.UPGRADING)
# A system registered on the platform starts as planned (new, to be accepted) or, when it ran
# before the platform, as in use.
REGISTER_STATES = (S.PLANNED, S.IN_USE)


def _check_department_side(actor: Actor, organisation: Organisation | int) -> None:
    if not queries.is_staff(actor) or not queries_lists.acts_for(actor, organisation):
        raise Forbidden(
            _("Only the department's own staff manage its information systems."),
            code="forbidden",
        )


def _check_state(system: InformationSystem, allowed: tuple[str, ...]) -> None:
    if system.status not in allowed:
        raise Conflict(
            _("This action is not possible in the state “%(state)s”.")
            % {"state": S(system.status).label},
            code="wrong_state",
        )


# Who takes each move and from which states (CAT-7, B§8).
MOVES: dict[str, tuple[str, tuple[str, ...]]] = {
    "update": ("department", LIVE_STATES),
    "accept": ("authority", (S.PLANNED, S.UPGRADING)),
    "upgrade": ("department", (S.IN_USE,)),
    "file_stop": ("department", LIVE_STATES),
    "stop": ("department", LIVE_STATES),
}


def precheck_system_move(actor: Actor, system: InformationSystem, move: str) -> None:
    """Refuse a move of ``MOVES`` for the wrong person (Forbidden) or the wrong state (Conflict)
    before any input is judged; the pages call it before they validate their forms, and to
    know which forms to show."""
    side, states = MOVES[move]
    if side == "authority":
        if not queries.manages_area_of(actor, system.organisation):
            raise Forbidden(
                _("Only the data authority over the department's area accepts its systems."),
                code="forbidden",
            )
    else:
        _check_department_side(actor, system.organisation_id)
    _check_state(system, states)


def available_moves(actor: Actor, system: InformationSystem) -> list[str]:
    """The moves of ``MOVES`` the actor may take on the system now."""
    moves = []
    for move in MOVES:
        try:
            precheck_system_move(actor, system, move)
        except (Forbidden, Conflict):
            continue
        moves.append(move)
    return moves


def _move(
    actor: Actor, system: InformationSystem, action: str, updates: dict[str, Any], **details: Any
) -> InformationSystem:
    """Write ``updates`` if the system is still in the status it was read in, and audit it."""
    old = system.status
    changed = InformationSystem.objects.filter(pk=system.pk, status=old).update(**updates)
    if changed != 1:
        raise Conflict(_("Someone else changed this first; reload and try again."), code="stale")
    for key, value in updates.items():
        setattr(system, key, value)
    audit.record(
        actor=actor,
        action=f"catalog.system.{action}",
        object_type="catalog.system",
        object_id=system.pk,
        details={"from": old, "to": system.status, **details},
    )
    return system


def check_register_system(
    *,
    actor: Actor,
    organisation: Organisation,
    name: str,
    description: str = "",
    status: str = S.PLANNED,
) -> InformationSystem:
    """A department registers one of its business systems (CAT-7). Names are unique within the
    department."""
    _check_department_side(actor, organisation)
    name = clean_text(name, "name", 100)
    description = clean_text(description, "description", 4000, required=False)
    if status not in REGISTER_STATES:
        raise Invalid(
            _("A system is registered as planned or in use."),
            code="invalid_status",
            fields={"status": _("Not one of the allowed values.")},
        )
    duplicate = Conflict(
        _("The department has a system of this name already."), code="duplicate_name"
    )
    if InformationSystem.objects.filter(organisation=organisation, name=name).exists():
        raise duplicate
    try:
        with transaction.atomic():
            system = InformationSystem.objects.create(
                organisation=organisation,
                name=name,
                description=description,
                status=status,
                created_at=timezone.now(),
            )
            audit.record(
                actor=actor,
                action="catalog.system.register",
                object_type="catalog.system",
                object_id=system.pk,
                details={"organisation": organisation.pk, "name": name, "status": status},
            )
    except IntegrityError as exc:  # registered by someone else at the same moment
        raise duplicate from exc
    return system


def check_update_system(
    *,
    actor: Actor,
    system: InformationSystem,
    name: str | None = None,
    description: str | None = None,
) -> InformationSystem:
    """The department renames or redescribes a system that has not stopped."""
    precheck_system_move(actor, system, "update")
    updates: dict[str, Any] = {}
    if name is not None:
        updates["name"] = clean_text(name, "name", 100)
    if description is not None:
        updates["description"] = clean_text(description, "description", 4000, required=False)
    if not updates:
        return system
    if (
        "name" in updates
        and InformationSystem.objects.filter(
            organisation_id=system.organisation_id, name=updates["name"]
        )
        .exclude(pk=system.pk)
        .exists()
    ):
        raise Conflict(
            _("The department has a system of this name already."), code="duplicate_name"
        )
    old = {key: getattr(system, key) for key in updates}
    try:
        with transaction.atomic():
            return _move(actor, system, "update", updates, old=old, new=updates)
    except IntegrityError as exc:
        raise Conflict(
            _("The department has a system of this name already."), code="duplicate_name"
        ) from exc


def check_accept_system(
    *, actor: Actor, system: InformationSystem, comment: str = ""
) -> InformationSystem:
    """The data authority over the department's area accepts a new or upgraded system: refused
    unless it is ready (``queries_lists.acceptance_problems``). The system is then in use."""
    precheck_system_move(actor, system, "accept")
    comment = clean_text(comment, "comment", 2000, required=False)
    problems = queries_lists.acceptance_problems(system)
    if problems:
        raise Conflict(
            _("The system is not ready for acceptance: %(problems)s")
            % {"problems": " ".join(problems.values())},
            code="not_ready",
            fields=problems,
        )
    entries = list(queries_lists.published_entries_of(system).values_list("code", flat=True)[:100])
    with transaction.atomic():
        return _move(
            actor,
            system,
            "accept",
            {"status": S.IN_USE, "accepted_at": timezone.now()},
            comment=comment,
            entries=entries,
            connected=system.connected_at is not None,
        )


def check_upgrade_system(
    *, actor: Actor, system: InformationSystem, reason: str
) -> InformationSystem:
    """The department starts upgrading a system in use. Every published entry it sources gets
    a maintenance task (CAT-4, A§12), and the upgraded system is accepted again (B§8)."""
    precheck_system_move(actor, system, "upgrade")
    reason = clean_text(reason, "reason", 2000)
    with transaction.atomic():
        _move(actor, system, "upgrade", {"status": S.UPGRADING}, reason=reason)
        raise_system_upgrade_tasks(
            actor=actor,
            system=system,
            reason=_("Information system “%(name)s” is being upgraded: %(reason)s")
            % {"name": system.name, "reason": reason},
        )
    return system


def earliest_stop_date(today: dt.date | None = None) -> dt.date:
    """A stop is filed at least one working day ahead (CAL-1 working days)."""
    return working_days.add_working_days(today or timezone.localdate(), 1)


def check_file_system_stop(
    *, actor: Actor, system: InformationSystem, planned_on: dt.date, reason: str
) -> InformationSystem:
    """The department files with the authority that a system will stop, on which day and why
    (B§8). Filing again replaces the date and reason."""
    precheck_system_move(actor, system, "file_stop")
    reason = clean_text(reason, "reason", 2000)
    earliest = earliest_stop_date()
    if planned_on < earliest:
        raise Invalid(
            _("A stop is filed at least one working day ahead."),
            code="too_soon",
            fields={
                "planned_on": _("The earliest date is %(date)s.") % {"date": earliest.isoformat()}
            },
        )
    previous = system.stop_planned_on
    with transaction.atomic():
        return _move(
            actor,
            system,
            "file_stop",
            {
                "stop_planned_on": planned_on,
                "stop_reason": reason,
                "stop_filed_at": timezone.now(),
            },
            planned_on=planned_on,
            previous=previous,
            reason=reason,
            connected=system.connected_at is not None,
        )


def check_stop_system(
    *, actor: Actor, system: InformationSystem, comment: str = ""
) -> InformationSystem:
    """The department marks a system stopped. A connected one only on or after its filed date;
    an unconnected one at once."""
    precheck_system_move(actor, system, "stop")
    comment = clean_text(comment, "comment", 2000, required=False)
    if system.connected_at is not None:
        if system.stop_filed_at is None or system.stop_planned_on is None:
            raise Conflict(
                _("A connected system's stop is filed with the data authority beforehand."),
                code="stop_not_filed",
            )
        if timezone.localdate() < system.stop_planned_on:
            raise Conflict(
                _("The stop was filed for %(date)s; the system cannot stop before then.")
                % {"date": system.stop_planned_on.isoformat()},
                code="before_planned_date",
            )
    with transaction.atomic():
        return _move(
            actor,
            system,
            "stop",
            {"status": S.STOPPED},
            comment=comment,
            planned_on=system.stop_planned_on,
            connected=system.connected_at is not None,
        )


def record_connection(
    system: InformationSystem, *, actor: Auditable | ActorRef, channel: str
) -> bool:
    """The data plane reports that the system delivered data through a channel (AGG-1): the
    system counts as connected from its first delivery (CAT-7, B§8). True the first time."""
    with transaction.atomic():
        now = timezone.now()
        moved = InformationSystem.objects.filter(pk=system.pk, connected_at__isnull=True).update(
            connected_at=now
        )
        if moved:
            audit.record(
                actor=actor,
                action="catalog.system.connect",
                object_type="catalog.informationsystem",
                object_id=system.pk,
                details={"channel": channel},
            )
            system.connected_at = now
    return bool(moved)
