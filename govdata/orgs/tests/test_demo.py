"""The demo city (`manage.py load_demo`, `manage.py demo_accounts`): its shape follows ORG-1..4,
it is the same on every load, it loads once only, and its accounts work."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.management import CommandError, call_command

from govdata.core import audit
from govdata.core.identifiers import check_ric, check_uscc
from govdata.core.models import AuditEntry
from govdata.orgs import demo, queries, services
from govdata.orgs.choices import Level, OrgKind, PersonKind, PublicUserType, Role
from govdata.orgs.models import ApiKey, Organisation, Person, RoleAssignment, SystemAccount
from govdata.orgs.testing import bootstrap_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _organisations_only(settings):
    """These tests are about the demo city's organisations and people; the catalog built on top
    of them is the catalog's tests' business (and takes seconds to load)."""
    settings.DEMO_LOADERS = ["govdata.orgs.demo.load"]


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list]:
    """What the demo consists of, without anything that depends on the time of the load."""
    return {
        "organisations": list(
            Organisation.objects.order_by("pk").values_list(
                "pk", "name", "short_name", "kind", "level", "division_code", "uscc", "parent_id"
            )
        ),
        "people": list(
            Person.objects.order_by("pk").values_list(
                "pk", "username", "full_name", "kind", "public_type", "id_number"
            )
        ),
        "roles": list(
            RoleAssignment.objects.order_by("pk").values_list(
                "person_id", "organisation_id", "role"
            )
        ),
        "systems": list(SystemAccount.objects.order_by("pk").values_list("pk", "name")),
    }


def counts() -> tuple[int, ...]:
    return (
        Organisation.objects.count(),
        Person.objects.count(),
        RoleAssignment.objects.count(),
        SystemAccount.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_demo_city_has_every_kind_and_level_of_organisation():
    assert "demo city 示范市 loaded: 54 organisations" in load()
    shape = Counter(Organisation.objects.values_list("kind", "level"))
    assert shape == {
        (OrgKind.DEPARTMENT, Level.CITY): 21,  # the city government and 20 departments
        (OrgKind.AUTHORITY, Level.CITY): 1,
        (OrgKind.LEADING_GROUP, Level.CITY): 1,
        (OrgKind.EXPERT_COMMITTEE, Level.CITY): 1,
        (OrgKind.SECURITY_REGULATOR, Level.CITY): 1,
        (OrgKind.AUTHORISED_OPERATOR, Level.CITY): 1,
        (OrgKind.PUBLIC_SERVICE, Level.CITY): 3,
        (OrgKind.DEPARTMENT, Level.COUNTY): 8,  # 2 governments, 3 departments each
        (OrgKind.AUTHORITY, Level.COUNTY): 2,
        (OrgKind.DEPARTMENT, Level.TOWNSHIP): 5,
        (OrgKind.DEPARTMENT, Level.VILLAGE): 10,
    }
    root = Organisation.objects.get(parent=None)
    assert (root.name, root.division_code, root.area_prefix) == ("示范市人民政府", "990100", "9901")
    for code in ["990102", "990121", "990121001", "990121001001"]:
        assert Organisation.objects.filter(division_code=code).exists(), code


def test_every_credit_code_is_valid_and_every_child_lies_in_its_parents_area():
    load()
    organisations = list(Organisation.objects.select_related("parent"))
    assert len({o.uscc for o in organisations}) == len(organisations)
    for org in organisations:
        assert org.uscc and check_uscc(org.uscc) == [], org.name
        assert org.uscc[2:8] == org.division_code[:6], org.name
        assert org.division_code[:2] == "99", org.name  # the fictional province: no real place
        if org.parent is not None:
            assert org.division_code.startswith(org.parent.area_prefix), org.name
            assert org.area_prefix.startswith(org.parent.area_prefix), org.name
    assert {len(o.division_code) for o in organisations if o.level == Level.TOWNSHIP} == {9}
    assert {len(o.division_code) for o in organisations if o.level == Level.VILLAGE} == {12}


def test_each_county_authority_lies_in_the_city_authoritys_area_and_routes_its_reviews():
    load()
    city_authority = Organisation.objects.get(kind=OrgKind.AUTHORITY, level=Level.CITY)
    county_authorities = Organisation.objects.filter(kind=OrgKind.AUTHORITY, level=Level.COUNTY)
    assert {a.division_code for a in county_authorities} == {"990102", "990121"}
    for authority in county_authorities:
        assert queries.in_area(city_authority, authority)
        assert authority.parent.level == Level.COUNTY
    village = Organisation.objects.get(division_code="990121001001")
    assert queries.authority_of_area(village, Level.COUNTY).division_code == "990121"
    assert queries.authority_of_area(village, Level.CITY) == city_authority


def test_every_role_is_held_and_one_person_holds_roles_in_two_organisations():
    load()
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    per_person = Counter(
        RoleAssignment.objects.values_list("person__username", "organisation_id").distinct()
    )
    organisations_of = Counter(username for username, _ in per_person)
    assert organisations_of["dsj_exec"] == 2
    assert RoleAssignment.objects.filter(
        person__username="admin", role=Role.PLATFORM_ADMIN
    ).exists()
    reviewers = RoleAssignment.objects.filter(role=Role.REVIEWER)
    assert {r.organisation.kind for r in reviewers} == {OrgKind.AUTHORITY}
    assert {r.organisation.level for r in reviewers} == {Level.CITY, Level.COUNTY}
    experts = RoleAssignment.objects.filter(role=Role.EXPERT)
    assert {e.organisation.kind for e in experts} == {OrgKind.EXPERT_COMMITTEE}
    for username in demo.FEATURED:
        assert Person.objects.filter(username=username).exists(), username


def test_public_users_of_each_kind_have_valid_identities():
    load()
    public = Person.objects.filter(kind=PersonKind.PUBLIC)
    assert {p.public_type for p in public} == set(PublicUserType.values)
    for person in public:
        check = check_ric if person.public_type == PublicUserType.NATURAL_PERSON else check_uscc
        assert check(person.id_number) == [], person.username
    assert not RoleAssignment.objects.filter(person__in=public).exists()


def test_the_system_account_has_a_description_and_no_key():
    load()
    system = SystemAccount.objects.get()
    assert system.organisation.name == "示范市民政局"
    assert system.description
    assert not ApiKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_loading_is_deterministic():
    """Two loads into a fresh database give the same organisations, codes, people and ids."""
    call_command("flush", interactive=False, verbosity=0)
    load()
    first = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    assert not Organisation.objects.exists()
    load()
    assert snapshot() == first
    assert len(first["organisations"]) == 54


def test_if_empty_a_second_time_changes_nothing():
    load("--if-empty")
    before = counts()
    assert "demo city already loaded" in load("--if-empty")
    assert counts() == before


def test_without_if_empty_a_second_load_is_refused():
    load()
    before = counts()
    with pytest.raises(CommandError, match="organisations exist already"):
        load()
    assert counts() == before


def test_a_database_with_organisations_gets_no_demo(city):
    before = counts()
    assert "demo city already loaded" in load("--if-empty")
    assert counts() == before
    assert not Organisation.objects.filter(name="示范市公安局").exists()


def test_a_taken_demo_user_name_stops_the_load_before_anything_is_written():
    bootstrap_admin()
    before = counts()
    with pytest.raises(CommandError, match="taken already: admin"):
        load("--if-empty")
    assert counts() == before


def test_demo_accounts_log_in_with_the_demo_password():
    load()
    for username in ["admin", "dsj_exec", "mzj_staff", "citizen_zhang", "mingli_law"]:
        person = services.authenticate(username=username, password=demo.DEMO_PASSWORD)
        assert person.username == username


@pytest.mark.argon2
def test_demo_passwords_are_hashed_with_the_configured_hasher():
    load()
    hashes = set(Person.objects.values_list("password", flat=True))
    assert len(hashes) == 1  # one hash shared by every demo account, computed once
    assert identify_hasher(hashes.pop()).algorithm == "argon2"
    assert services.authenticate(username="dsj_reviewer", password=demo.DEMO_PASSWORD)


def test_the_audit_chain_verifies_after_the_load():
    load()
    result = audit.verify()
    assert result.ok, result.first_break
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions["orgs.organisation.create"] == 54
    assert actions["orgs.public_user.register"] == 3
    assert actions["orgs.system_account.create"] == 1
    assert result.entries == AuditEntry.objects.count()


def test_demo_accounts_prints_the_addresses_the_password_and_the_admin():
    load()
    out = StringIO()
    call_command("demo_accounts", "--address", "http://127.0.0.1:8000/", stdout=out)
    text = out.getvalue()
    assert demo.DEMO_PASSWORD in text
    for address in [
        "http://127.0.0.1:8000/console/",
        "http://127.0.0.1:8000/api/v1/docs",
        "http://127.0.0.1:8000/api/v1/openapi.json",
    ]:
        assert address in text
    lines = text.splitlines()
    assert any(line.split()[:1] == ["admin"] and "平台管理员" in line for line in lines)
    for label in ["chief data officer", "reviewer", "expert", "auditor", "natural person"]:
        assert label in text
    shown = {line.split()[0] for line in lines if line.startswith("  ") and line.split()}
    assert len(shown & set(demo.usernames())) == 12
    assert f"and {len(demo.usernames()) - 12} more" in text


def test_demo_accounts_lists_everyone_with_all():
    load()
    out = StringIO()
    call_command("demo_accounts", "--all", stdout=out)
    text = out.getvalue()
    for username in demo.usernames():
        assert f"  {username} " in text, username
    assert "more" not in text


def test_demo_accounts_on_an_empty_database_says_how_to_load():
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert "load_demo" in out.getvalue()
