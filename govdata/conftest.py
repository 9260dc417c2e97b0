"""Fixtures shared by every app's tests: a small city built through the services, and the named
actors of STYLE.md (admin, steward, reviewer, analyst, auditor, outsider, citizen, system)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import settings as hypothesis_settings

from govdata.orgs.actors import Actor
from govdata.orgs.choices import Level, OrgKind, PublicUserType, Role
from govdata.orgs.models import Organisation, Person
from govdata.orgs.testing import TEST_PASSWORD, bootstrap_admin, fake_uscc, make_org, make_person

# Timings are never assertions: hypothesis's per-example deadline would fail tests on a busy machine.
hypothesis_settings.register_profile("govdata", deadline=None)
hypothesis_settings.load_profile("govdata")


@pytest.fixture(autouse=True, scope="session")
def _urls_loaded_before_any_frozen_time():
    """Load the URLconf (and with it the API's schemas) once, before a test freezes time: a
    module first imported under freezegun would build its schemas on freezegun's fake datetime,
    which pydantic refuses — it happened when a frozen test was the first to reverse a URL."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — the import is the point


@pytest.fixture(autouse=True)
def _fast_hashing_and_queue(settings, request):
    """Argon2 costs ~50 ms a hash; tests that are not about hashing use a fast one. The task
    queue runs tasks at once in tests unless a test drives a real consumer."""
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from huey.contrib.djhuey import HUEY

    from govdata.core import calendar

    HUEY.immediate = True
    cache.clear()  # nothing a test cached (the last audit verification …) leaks into the next
    # The calendar snapshot is cached per process; a rolled-back test must not leave its days.
    calendar.forget()


@dataclass
class City:
    admin: Person
    root: Organisation  # 示范市人民政府
    authority: Organisation  # city data authority
    department: Organisation  # a city department
    other_department: Organisation
    county: Organisation  # a county government
    county_authority: Organisation
    county_department: Organisation
    steward: Person  # chief data officer of `department`
    analyst: Person  # data staff of `department`
    reviewer: Person  # reviewer at the city authority
    county_reviewer: Person
    auditor: Person  # auditor at the city authority
    authority_admin: Person  # data executive of the city authority
    outsider: Person  # data staff of `other_department`

    def actor(self, person: Person) -> Actor:
        return Actor.for_person(person)


def build_city(serials: Iterator[int] | None = None) -> City:
    """The small city of the tests, made through the services. ``serials`` numbers the
    organisations' credit codes in the order they are made; by default they follow the test
    run, so a test that stores codes (an exported document) passes fixed ones."""
    admin = bootstrap_admin()
    a = Actor.for_person(admin)

    def org(name: str, division_code: str = "990100", **kwargs: Any) -> Organisation:
        uscc = fake_uscc(division_code, next(serials)) if serials is not None else None
        return make_org(a, name, division_code=division_code, uscc=uscc, **kwargs)

    root = org("示范市人民政府")
    authority = org("示范市大数据局", kind=OrgKind.AUTHORITY, parent=root)
    department = org("示范市民政局", parent=root)
    other = org("示范市交通运输局", parent=root)
    county = org("示范市东县人民政府", "990121", level=Level.COUNTY, parent=root)
    county_authority = org(
        "东县数据局", "990121", kind=OrgKind.AUTHORITY, level=Level.COUNTY, parent=county
    )
    county_department = org("东县民政局", "990121", level=Level.COUNTY, parent=county)
    return City(
        admin=admin,
        root=root,
        authority=authority,
        department=department,
        other_department=other,
        county=county,
        county_authority=county_authority,
        county_department=county_department,
        steward=make_person(a, department, "steward", [Role.CHIEF_DATA_OFFICER], "王管理"),
        analyst=make_person(a, department, "analyst", [Role.DATA_STAFF], "李数据"),
        reviewer=make_person(a, authority, "reviewer", [Role.REVIEWER], "赵审核"),
        county_reviewer=make_person(
            a, county_authority, "county_reviewer", [Role.REVIEWER], "钱审核"
        ),
        auditor=make_person(a, authority, "auditor", [Role.AUDITOR], "孙审计"),
        authority_admin=make_person(
            a, authority, "authority_admin", [Role.DATA_EXECUTIVE], "周执行"
        ),
        outsider=make_person(a, other, "outsider", [Role.DATA_STAFF], "吴外人"),
    )


@pytest.fixture
def city(db) -> City:
    return build_city()


@pytest.fixture
def citizen(db) -> Person:
    from govdata.core.identifiers import ric_with_check
    from govdata.orgs import services

    return services.check_register_public_user(
        username="citizen",
        full_name="陈市民",
        password=TEST_PASSWORD,
        public_type=PublicUserType.NATURAL_PERSON,
        id_number=ric_with_check("11010519900307123"),
    )


@pytest.fixture
def login():
    """A logged-in test client for a person."""

    def _login(person: Person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return _login


@pytest.fixture
def context(city, citizen) -> dict:
    """The city with a system account of its department, a key for it (and the key's full text,
    as shown once), a role assignment to revoke, and a public user."""
    from govdata.orgs import services
    from govdata.orgs.models import RoleAssignment

    steward = city.actor(city.steward)
    system = services.check_create_system_account(
        actor=steward, organisation=city.department, name="民政业务系统"
    )
    key, plain = services.do_issue_api_key(actor=steward, system=system, label="counter")
    return {
        "city": city,
        "citizen": citizen,
        "system": system,
        "key": key,
        "plain_key": plain,
        "assignment": RoleAssignment.objects.get(person=city.analyst, organisation=city.department),
    }
