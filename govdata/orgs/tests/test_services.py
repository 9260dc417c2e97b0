"""ORG-1..4: organisations, people, roles, system accounts, API keys and login, with the
permission rules that services enforce."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.utils import timezone
from freezegun import freeze_time

from govdata.core import audit
from govdata.core.errors import Forbidden, Invalid, NotFound, Unauthenticated
from govdata.core.identifiers import ric_with_check, uscc_with_check
from govdata.core.models import AuditEntry
from govdata.orgs import queries, services
from govdata.orgs.actors import Actor
from govdata.orgs.choices import Level, OrgKind, PublicUserType, Role
from govdata.orgs.models import ApiKey, Organisation, Person, RoleAssignment, SystemAccount
from govdata.orgs.testing import TEST_PASSWORD, fake_uscc, make_org, make_person

pytestmark = pytest.mark.django_db


# --- Organisations --------------------------------------------------------------------------------


def test_an_authority_adds_departments_in_its_area_only(city):
    boss = make_person(
        Actor.for_person(city.admin),
        city.county_authority,
        "county_boss",
        [Role.CHIEF_DATA_OFFICER],
    )
    actor = Actor.for_person(boss)
    town = make_org(
        actor, "东县城关镇", level=Level.TOWNSHIP, parent=city.county, division_code="990121001"
    )
    assert town.area_prefix == "990121001"
    with pytest.raises(NotFound):  # the city root is outside the county authority's area
        make_org(actor, "示范市新局", parent=city.root, division_code="990100")
    assert not Organisation.objects.filter(name="示范市新局").exists()


def test_a_child_cannot_lie_outside_its_parent_or_above_its_level(city):
    admin = Actor.for_person(city.admin)
    with pytest.raises(Invalid) as caught:
        make_org(admin, "西县某局", level=Level.COUNTY, parent=city.county, division_code="990122")
    assert caught.value.code == "outside_area"
    with pytest.raises(Invalid) as caught:
        make_org(
            admin, "东县某镇上级", level=Level.CITY, parent=city.county, division_code="990121"
        )
    assert caught.value.code == "invalid_level"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("uscc", "91110000600037341X", "invalid_uscc"),
        ("uscc", "123", "invalid_uscc"),
        ("division_code", "99A100", "invalid_division_code"),
        ("kind", "ministry", "invalid_kind"),
        ("level", "province", "invalid_level"),
        ("name", "   ", "required"),
    ],
)
def test_invalid_organisation_fields_are_refused_with_the_field_named(city, field, value, code):
    data = {
        "name": "示范市测试局",
        "kind": OrgKind.DEPARTMENT,
        "level": Level.CITY,
        "division_code": "990100",
        "uscc": fake_uscc("990100"),
        "parent_id": city.root.pk,
        field: value,
    }
    before = Organisation.objects.count()
    with pytest.raises(Invalid) as caught:
        services.check_create_organisation(actor=Actor.for_person(city.admin), **data)
    assert caught.value.code == code
    assert Organisation.objects.count() == before


def test_a_duplicate_credit_code_is_refused(city):
    with pytest.raises(Invalid) as caught:
        make_org(
            Actor.for_person(city.admin),
            "示范市重复局",
            parent=city.root,
            uscc=city.department.uscc,
        )
    assert caught.value.code == "duplicate"


def test_one_authority_per_area_and_level(city):
    with pytest.raises(Invalid) as caught:
        make_org(
            Actor.for_person(city.admin), "第二个大数据局", kind=OrgKind.AUTHORITY, parent=city.root
        )
    assert caught.value.code == "duplicate_authority"


def test_only_the_platform_admin_adds_a_root(city):
    with pytest.raises(Forbidden):
        make_org(city.actor(city.authority_admin), "另一个市", division_code="990200")


def test_creating_an_organisation_is_audited(city):
    entry = AuditEntry.objects.filter(
        action="orgs.organisation.create", object_id=str(city.department.pk)
    ).get()
    assert entry.details["uscc"] == city.department.uscc
    assert entry.actor_id == str(city.admin.pk)


# --- Permission rules -------------------------------------------------------------------------------


def test_staff_manage_only_their_own_organisation(city):
    steward = city.actor(city.steward)
    assert queries.can_manage_organisation(steward, city.department)
    assert not queries.can_manage_organisation(steward, city.other_department)
    assert not queries.can_manage_organisation(
        city.actor(city.analyst), city.department
    )  # data staff


def test_the_authority_manages_its_whole_area_and_no_more(city):
    city_authority = city.actor(city.authority_admin)
    assert queries.can_manage_organisation(city_authority, city.county_department)
    county_boss = make_person(
        Actor.for_person(city.admin), city.county_authority, "cb", [Role.DATA_EXECUTIVE]
    )
    county = Actor.for_person(county_boss)
    assert queries.can_manage_organisation(county, city.county_department)
    assert not queries.can_manage_organisation(county, city.department)


def test_reviewers_review_at_their_level_over_their_area(city):
    assert queries.can_review_for(city.actor(city.reviewer), city.department, Level.CITY)
    assert queries.can_review_for(city.actor(city.reviewer), city.county_department, Level.CITY)
    assert not queries.can_review_for(
        city.actor(city.reviewer), city.county_department, Level.COUNTY
    )
    assert queries.can_review_for(
        city.actor(city.county_reviewer), city.county_department, Level.COUNTY
    )
    assert not queries.can_review_for(
        city.actor(city.county_reviewer), city.department, Level.COUNTY
    )
    assert not queries.can_review_for(city.actor(city.steward), city.department, Level.CITY)


def test_access_answers_not_found_for_missing_and_forbidden_alike(city):
    steward = city.actor(city.steward)
    with pytest.raises(NotFound) as forbidden:
        queries.access_managed_organisation_by_id(steward, city.other_department.pk)
    with pytest.raises(NotFound) as missing:
        queries.access_managed_organisation_by_id(steward, 10**9)
    assert forbidden.value.as_body() == missing.value.as_body()


def test_a_deactivated_organisation_gives_no_powers(city):
    Organisation.objects.filter(pk=city.department.pk).update(is_active=False)
    assert not city.actor(city.steward).has_role(Role.CHIEF_DATA_OFFICER)


# --- People and roles ----------------------------------------------------------------------------


def test_a_person_may_hold_roles_in_several_organisations(city):
    services.do_assign_role(
        actor=Actor.for_person(city.admin),
        person=city.analyst,
        organisation=city.other_department,
        role=Role.DATA_STAFF,
    )
    actor = city.actor(city.analyst)
    assert actor.has_role(Role.DATA_STAFF, city.department)
    assert actor.has_role(Role.DATA_STAFF, city.other_department)


def test_a_manager_cannot_grant_roles_elsewhere_or_the_admin_role(city):
    steward = city.actor(city.steward)
    with pytest.raises(NotFound):
        services.do_assign_role(
            actor=steward,
            person=city.analyst,
            organisation=city.other_department,
            role=Role.DATA_STAFF,
        )
    with pytest.raises(Forbidden):
        services.do_assign_role(
            actor=steward,
            person=city.analyst,
            organisation=city.department,
            role=Role.PLATFORM_ADMIN,
        )
    with pytest.raises(Invalid):  # reviewers sit at a data authority
        services.do_assign_role(
            actor=steward, person=city.analyst, organisation=city.department, role=Role.REVIEWER
        )
    assert RoleAssignment.objects.filter(person=city.analyst).count() == 1


def test_platform_admin_role_opens_the_admin_and_revoking_closes_it(city):
    admin = Actor.for_person(city.admin)
    assignment = services.do_assign_role(
        actor=admin,
        person=city.authority_admin,
        organisation=city.authority,
        role=Role.PLATFORM_ADMIN,
    )
    city.authority_admin.refresh_from_db()
    assert city.authority_admin.is_staff and city.authority_admin.is_superuser
    services.do_revoke_role(actor=admin, assignment=assignment)
    city.authority_admin.refresh_from_db()
    assert not city.authority_admin.is_staff and not city.authority_admin.is_superuser


def test_creating_staff_checks_password_and_username(city):
    steward = city.actor(city.steward)
    with pytest.raises(Invalid) as caught:
        services.check_create_staff(
            actor=steward,
            organisation=city.department,
            username="new",
            full_name="新人",
            password="123",
            roles=[Role.DATA_STAFF],
        )
    assert caught.value.code == "weak_password"
    with pytest.raises(Invalid) as caught:
        services.check_create_staff(
            actor=steward,
            organisation=city.department,
            username="ANALYST",
            full_name="重名",
            password=TEST_PASSWORD,
            roles=[],
        )
    assert caught.value.code == "duplicate_username"
    assert not Person.objects.filter(username="new").exists()


@pytest.mark.argon2
def test_passwords_are_stored_with_argon2(city, settings):
    person = make_person(city.actor(city.steward), city.department, "fresh", [Role.DATA_STAFF])
    assert identify_hasher(person.password).algorithm == "argon2"


# --- Public users ------------------------------------------------------------------------------------


def test_a_natural_person_registers_with_a_checked_id_number():
    number = ric_with_check("51010219850612341")
    person = services.check_register_public_user(
        username="zhang",
        full_name="张三",
        password=TEST_PASSWORD,
        public_type=PublicUserType.NATURAL_PERSON,
        id_number=number,
    )
    assert person.kind == "public" and person.id_number == number
    assert AuditEntry.objects.filter(
        action="orgs.public_user.register", object_id=str(person.pk)
    ).exists()


@pytest.mark.parametrize(
    ("public_type", "id_number", "code"),
    [
        (
            PublicUserType.NATURAL_PERSON,
            "510102198506123410",
            "invalid_id_number",
        ),  # wrong check digit
        (PublicUserType.NATURAL_PERSON, "5101021985", "invalid_id_number"),
        (PublicUserType.LEGAL_PERSON, "91110000600037341X", "invalid_id_number"),
        ("alien", "x", "invalid_public_type"),
    ],
)
def test_registration_with_a_bad_identity_is_refused(public_type, id_number, code):
    with pytest.raises(Invalid) as caught:
        services.check_register_public_user(
            username="who",
            full_name="某人",
            password=TEST_PASSWORD,
            public_type=public_type,
            id_number=id_number,
        )
    assert caught.value.code == code
    assert not Person.objects.exists()


def test_one_identity_registers_once(citizen):
    with pytest.raises(Invalid) as caught:
        services.check_register_public_user(
            username="again",
            full_name="陈市民",
            password=TEST_PASSWORD,
            public_type=PublicUserType.NATURAL_PERSON,
            id_number=citizen.id_number,
        )
    assert caught.value.code == "duplicate_identity"


def test_a_legal_person_registers_with_its_credit_code():
    code = uscc_with_check("91990100MA0000001")
    person = services.check_register_public_user(
        username="acme",
        full_name="示范科技有限公司",
        password=TEST_PASSWORD,
        public_type=PublicUserType.LEGAL_PERSON,
        id_number=code,
    )
    assert person.id_number == code


# --- Login -------------------------------------------------------------------------------------------


def test_login_locks_after_repeated_failures_even_for_the_right_password(city, settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15
    with freeze_time("2026-11-23 09:00:00"):
        for _ in range(3):
            with pytest.raises(Unauthenticated) as caught:
                services.authenticate(username="analyst", password="wrong-password", ip="10.0.0.1")
            assert caught.value.code == "bad_credentials"
        with pytest.raises(Unauthenticated) as caught:
            services.authenticate(username="analyst", password=TEST_PASSWORD)
        assert caught.value.code == "locked"
    with freeze_time("2026-11-23 09:16:00"):
        assert services.authenticate(username="analyst", password=TEST_PASSWORD) == city.analyst
    assert AuditEntry.objects.filter(action="orgs.login.failed").count() == 3


def test_a_successful_login_resets_the_failure_count(city, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            services.authenticate(username="analyst", password="nope-nope")
    services.authenticate(username="analyst", password=TEST_PASSWORD)
    with pytest.raises(Unauthenticated) as caught:
        services.authenticate(username="analyst", password="nope-nope")
    assert caught.value.code == "bad_credentials"
    assert services.authenticate(username="analyst", password=TEST_PASSWORD) == city.analyst


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(db):
    with pytest.raises(Unauthenticated) as caught:
        services.authenticate(username="ghost", password="whatever-123")
    assert caught.value.code == "bad_credentials"


# --- System accounts and API keys --------------------------------------------------------------------


@pytest.fixture
def system(city) -> SystemAccount:
    return services.check_create_system_account(
        actor=city.actor(city.steward), organisation=city.department, name="婚姻登记系统"
    )


def test_an_issued_key_is_stored_hashed_and_authenticates_its_system(city, system):
    key, plain = services.do_issue_api_key(
        actor=city.actor(city.steward), system=system, label="counter"
    )
    assert plain.startswith(f"gd_{key.prefix}_")
    secret = plain.split("_", 2)[2]
    stored = ApiKey.objects.get(pk=key.pk)
    assert secret not in stored.secret_hash and len(stored.secret_hash) == 64
    assert not AuditEntry.objects.filter(details__icontains=secret).exists()
    actor = services.authenticate_api_key(plain, ip="10.1.2.3")
    assert actor.system == system and actor.organisation == city.department
    stored.refresh_from_db()
    assert stored.last_used_ip == "10.1.2.3" and stored.last_used_at is not None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # one character of the secret off
        lambda k: "gd_" + "0" * 12 + "_" + k.split("_", 2)[2],  # unknown prefix
        lambda k: k.replace("gd_", "xx_"),
        lambda k: "",
        lambda k: "gd_only_two_parts_here",
    ],
)
def test_a_wrong_key_is_refused(city, system, mangle):
    _, plain = services.do_issue_api_key(actor=city.actor(city.steward), system=system)
    with pytest.raises(Unauthenticated) as caught:
        services.authenticate_api_key(mangle(plain))
    assert caught.value.code == "invalid_key"


def test_a_revoked_key_stops_working_at_once(city, system):
    key, plain = services.do_issue_api_key(actor=city.actor(city.steward), system=system)
    services.do_revoke_api_key(actor=city.actor(city.steward), key=key)
    with pytest.raises(Unauthenticated) as caught:
        services.authenticate_api_key(plain)
    assert caught.value.code == "revoked_key"


def test_an_expired_key_is_refused(city, system):
    with freeze_time("2026-11-23 09:00:00"):
        _, plain = services.do_issue_api_key(
            actor=city.actor(city.steward),
            system=system,
            expires_at=timezone.now() + dt.timedelta(days=1),
        )
        services.authenticate_api_key(plain)
    with freeze_time("2026-11-24 09:00:01"), pytest.raises(Unauthenticated) as caught:
        services.authenticate_api_key(plain)
    assert caught.value.code == "expired_key"


def test_a_key_in_the_past_cannot_be_issued(city, system):
    with pytest.raises(Invalid):
        services.do_issue_api_key(
            actor=city.actor(city.steward),
            system=system,
            expires_at=timezone.now() - dt.timedelta(seconds=1),
        )
    assert not ApiKey.objects.exists()


def test_the_ip_allow_list_is_enforced(city, system):
    _, plain = services.do_issue_api_key(
        actor=city.actor(city.steward), system=system, allowed_ips=["10.8.0.0/16", "192.0.2.7"]
    )
    assert services.authenticate_api_key(plain, ip="10.8.44.1").system == system
    assert services.authenticate_api_key(plain, ip="192.0.2.7").system == system
    for ip in ["10.9.0.1", "192.0.2.8", None, "not-an-ip"]:
        with pytest.raises(Unauthenticated) as caught:
            services.authenticate_api_key(plain, ip=ip)
        assert caught.value.code == "ip_not_allowed"


def test_a_bad_allow_list_entry_is_refused(city, system):
    with pytest.raises(Invalid) as caught:
        services.do_issue_api_key(
            actor=city.actor(city.steward), system=system, allowed_ips=["10.0.0.300"]
        )
    assert caught.value.code == "invalid_ip"


def test_a_deactivated_system_cannot_use_its_keys(city, system):
    _, plain = services.do_issue_api_key(actor=city.actor(city.steward), system=system)
    services.do_deactivate_system_account(actor=city.actor(city.steward), system=system)
    with pytest.raises(Unauthenticated) as caught:
        services.authenticate_api_key(plain)
    assert caught.value.code == "inactive_system"


def test_only_managers_of_the_organisation_handle_its_systems(city, system):
    for person in [city.analyst, city.outsider]:
        with pytest.raises(NotFound):
            services.do_issue_api_key(actor=city.actor(person), system=system)
        with pytest.raises(NotFound):
            services.check_create_system_account(
                actor=city.actor(person), organisation=city.department, name="x"
            )
    assert not ApiKey.objects.exists()
    # the city authority manages the departments of its area
    services.do_issue_api_key(actor=city.actor(city.authority_admin), system=system)


def test_a_system_cannot_create_system_accounts(city, system):
    _, plain = services.do_issue_api_key(actor=city.actor(city.steward), system=system)
    actor = services.authenticate_api_key(plain)
    with pytest.raises((Forbidden, NotFound)):
        services.check_create_system_account(
            actor=actor, organisation=city.department, name="自建系统"
        )


def test_every_write_leaves_an_intact_chain(city, system):
    key, _ = services.do_issue_api_key(actor=city.actor(city.steward), system=system)
    services.do_revoke_api_key(actor=city.actor(city.steward), key=key)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "orgs.system_account.create",
        "orgs.api_key.issue",
        "orgs.api_key.revoke",
        "orgs.role.grant",
    } <= actions
    assert audit.verify().ok
