"""The actor of every service call: a person (session) or a system account (API key), acting for
an organisation (ORG-3). Permission rules in ``queries``/``services`` take an ``Actor``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from govdata.core.actors import MANAGE_CALENDAR, READ_AUDIT, ActorRef
from govdata.core.choices import ActorKind

from .choices import MANAGING_ROLES, OrgKind, Role
from .models import Organisation, Person, RoleAssignment, SystemAccount


@dataclass
class Actor:
    person: Person | None = None
    system: SystemAccount | None = None
    organisation: Organisation | None = None
    api_key_prefix: str = ""
    _roles: list[tuple[int, str]] | None = field(default=None, repr=False)
    _authorities: dict[str, list[Organisation]] = field(default_factory=dict, repr=False)

    @classmethod
    def for_person(cls, person: Person, organisation: Organisation | None = None) -> Actor:
        actor = cls(person=person)
        if organisation is None and actor.role_rows:
            organisation = Organisation.objects.filter(pk=actor.role_rows[0][0]).first()
        actor.organisation = organisation
        return actor

    @classmethod
    def for_system(cls, system: SystemAccount, api_key_prefix: str = "") -> Actor:
        return cls(system=system, organisation=system.organisation, api_key_prefix=api_key_prefix)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls()

    # --- identity ------------------------------------------------------------------------------

    @property
    def is_authenticated(self) -> bool:
        return self.person is not None or self.system is not None

    @property
    def label(self) -> str:
        if self.person is not None:
            return f"{self.person.full_name} ({self.person.username})"
        if self.system is not None:
            return (
                f"{self.system.name} [{self.api_key_prefix}]"
                if self.api_key_prefix
                else self.system.name
            )
        return "anonymous"

    def audit_ref(self) -> ActorRef:
        if self.person is not None:
            kind, ident = ActorKind.PERSON, str(self.person.pk)
        elif self.system is not None:
            kind, ident = ActorKind.SYSTEM, str(self.system.pk)
        else:
            kind, ident = ActorKind.ANONYMOUS, ""
        org = self.organisation
        return ActorRef(
            kind=kind,
            id=ident,
            label=self.label,
            organisation_id=org.pk if org else None,
            organisation_label=org.name if org else "",
        )

    # --- roles ---------------------------------------------------------------------------------

    @property
    def role_rows(self) -> list[tuple[int, str]]:
        """(organisation id, role) pairs; a system account holds no roles."""
        if self._roles is None:
            if self.person is None or not self.person.is_active:
                self._roles = []
            else:
                self._roles = list(
                    RoleAssignment.objects.filter(person=self.person, organisation__is_active=True)
                    .order_by("organisation_id", "role")
                    .values_list("organisation_id", "role")
                )
        return self._roles

    def has_role(self, role: str, organisation: Organisation | int | None = None) -> bool:
        org_id = organisation.pk if isinstance(organisation, Organisation) else organisation
        return any(r == role and (org_id is None or o == org_id) for o, r in self.role_rows)

    def organisations_with(self, roles: set[str] | frozenset[str]) -> list[int]:
        return sorted({o for o, r in self.role_rows if r in roles})

    @property
    def is_platform_admin(self) -> bool:
        return self.has_role(Role.PLATFORM_ADMIN) or bool(self.person and self.person.is_superuser)

    @cached_property
    def managed_authorities(self) -> list[Organisation]:
        """Data authorities in which the actor holds a managing role: they act over their area."""
        ids = self.organisations_with(MANAGING_ROLES)
        return list(Organisation.objects.filter(pk__in=ids, kind=OrgKind.AUTHORITY, is_active=True))

    def may(self, capability: str) -> bool:
        from . import queries

        if capability == MANAGE_CALENDAR:
            return queries.can_manage_calendar(self)
        if capability == READ_AUDIT:
            return queries.can_read_audit(self)
        return False

    def audit_scope(self) -> list[int] | None:
        from . import queries

        return queries.audit_scope(self)

    def authorities_with(self, role: str) -> list[Organisation]:
        """Data authorities in which the actor holds ``role`` (read once per actor)."""
        if role not in self._authorities:
            ids = self.organisations_with({role})
            self._authorities[role] = list(
                Organisation.objects.filter(pk__in=ids, kind=OrgKind.AUTHORITY, is_active=True)
            )
        return self._authorities[role]
