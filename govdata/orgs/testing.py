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


def organisation_code(serial: int) -> str:
    """An 8-digit organisation code with its GB 11714 check character (characters 9-17 of a
    credit code). The platform does not check it; it makes the made-up codes look right."""
    body = f"{serial:08d}"
    remainder = (
        11 - sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    )
    return body + {10: "X", 11: "0"}.get(remainder, str(remainder))


def fake_uscc(division_code: str, serial: int | None = None, *, registration: str = "11") -> str:
    """A valid, deterministic credit code: registration authority and type (default 11, an organ
    of state), the county division, and an organisation code made from ``serial``."""
    serial = next(_serial) if serial is None else serial
    return uscc_with_check(f"{registration}{division_code[:6]}{organisation_code(serial)}")


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
