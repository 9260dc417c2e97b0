"""Who did something, as the audit chain and the workflow history record it.

``core`` knows nothing of people and organisations (they live in ``orgs``, which depends on core),
so an actor reaches core as an ``ActorRef``: the kind, an id, a label to show, and the organisation
acted for. ``orgs.Actor`` builds one; jobs use ``ActorRef.platform(job_name)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .choices import ActorKind


@dataclass(frozen=True)
class ActorRef:
    kind: str
    id: str
    label: str
    organisation_id: int | None = None
    organisation_label: str = ""

    @classmethod
    def platform(cls, job: str) -> ActorRef:
        """The platform itself, acting in a periodic job or a command."""
        return cls(kind=ActorKind.PLATFORM, id=job, label=job)

    def audit_ref(self) -> ActorRef:
        return self


@runtime_checkable
class Auditable(Protocol):
    def audit_ref(self) -> ActorRef: ...


# Capabilities core asks of the actor; ``orgs.Actor.may`` answers them from roles.
MANAGE_CALENDAR = "core.manage_calendar"
READ_AUDIT = "core.read_audit"


class Principal(Auditable, Protocol):
    """What core needs of a caller: an audit reference, capabilities, and the organisations
    whose audit entries it may read (None: all)."""

    def may(self, capability: str) -> bool: ...

    def audit_scope(self) -> list[int] | None: ...


def as_ref(actor: Auditable | ActorRef) -> ActorRef:
    return actor if isinstance(actor, ActorRef) else actor.audit_ref()
