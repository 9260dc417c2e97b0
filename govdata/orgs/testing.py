"""Builders for tests and the demo city: every object is made through the services, so tests
exercise the same rules as production (STYLE.md: fixture actors built through services)."""

from __future__ import annotations

import itertools

from govdata.core.identifiers import uscc_with_check

from . import services
from .actors import Actor
from .choices import Level, OrgKind
from .models import Organisation, Person

TEST_PASSWORD = "Test-pass-2026!"  # noqa: S105 — a fixture password, never deployed
_serial = itertools.count(1)


def bootstrap_admin(
    username: str = "admin", password: str = TEST_PASSWORD, full_name: str = "平台管理员"
) -> Person:
    """The first platform admin: made directly, as `createsuperuser` would, since no actor exists."""
    return Person.objects.create_superuser(
        username=username, password=password, full_name=full_name
    )


def fake_uscc(division_code: str, serial: int | None = None) -> str:
    """A well-formed credit code for an organ of state (registration 1, type 1) in a division."""
    serial = next(_serial) if serial is None else serial
    return uscc_with_check(f"11{division_code[:6]}{serial:09d}")


def make_org(
    actor: Actor,
    name: str,
    *,
    kind: str = OrgKind.DEPARTMENT,
    level: str = Level.CITY,
    parent: Organisation | None = None,
    division_code: str = "990100",
    uscc: str | None = None,
) -> Organisation:
    return services.check_create_organisation(
        actor=actor,
        name=name,
        kind=kind,
        level=level,
        parent_id=parent.pk if parent else None,
        division_code=division_code,
        uscc=fake_uscc(division_code) if uscc is None else uscc,
    )


def make_person(
    actor: Actor, organisation: Organisation, username: str, roles: list[str], full_name: str = ""
) -> Person:
    return services.check_create_staff(
        actor=actor,
        organisation=organisation,
        username=username,
        full_name=full_name or username,
        password=TEST_PASSWORD,
        roles=roles,
    )
