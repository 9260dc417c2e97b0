"""The /api/v1 endpoints of organisations, people, system accounts, keys, calendar and audit.

Every write endpoint is declared once in ENDPOINTS and gets the same four checks: anonymous is
refused, a person without the right is refused, neither writes anything, and the allowed person
succeeds with an audit entry written."""

from __future__ import annotations

import pytest
from django.test import Client

from govdata.core.identifiers import ric_with_check
from govdata.core.models import AuditEntry
from govdata.core.testing import Endpoint, assert_error_body, call, endpoint_checks
from govdata.orgs import services
from govdata.orgs.models import ApiKey, Organisation, SystemAccount
from govdata.orgs.testing import TEST_PASSWORD, fake_uscc

pytestmark = pytest.mark.django_db


ENDPOINTS = [
    Endpoint(
        "create organisation",
        "POST",
        lambda c: "/api/v1/organisations",
        allowed="authority_admin",
        forbidden="steward",
        body=lambda c: {
            "name": "示范市新设局",
            "kind": "department",
            "level": "city",
            "parent_id": c["city"].root.pk,
            "division_code": "990100",
            "uscc": fake_uscc("990100", 777),
        },
        ok_status=201,
        audit_action="orgs.organisation.create",
    ),
    Endpoint(
        "create staff",
        "POST",
        lambda c: f"/api/v1/organisations/{c['city'].department.pk}/people",
        allowed="steward",
        forbidden="outsider",
        body=lambda c: {
            "username": "newbie",
            "full_name": "新同事",
            "password": TEST_PASSWORD,
            "roles": ["data_staff"],
        },
        ok_status=201,
        audit_action="orgs.person.create",
    ),
    Endpoint(
        "assign role",
        "POST",
        lambda c: f"/api/v1/organisations/{c['city'].department.pk}/roles",
        allowed="steward",
        forbidden="analyst",
        body=lambda c: {"person_id": c["city"].analyst.pk, "role": "org_admin"},
        ok_status=201,
        audit_action="orgs.role.grant",
    ),
    Endpoint(
        "revoke role",
        "DELETE",
        lambda c: f"/api/v1/organisations/{c['city'].department.pk}/roles/{c['assignment'].pk}",
        allowed="steward",
        forbidden="outsider",
        ok_status=204,
        audit_action="orgs.role.revoke",
    ),
    Endpoint(
        "create system account",
        "POST",
        lambda c: "/api/v1/system-accounts",
        allowed="steward",
        forbidden="outsider",
        body=lambda c: {"organisation_id": c["city"].department.pk, "name": "新系统"},
        ok_status=201,
        audit_action="orgs.system_account.create",
    ),
    Endpoint(
        "issue key",
        "POST",
        lambda c: f"/api/v1/system-accounts/{c['system'].pk}/keys",
        allowed="steward",
        forbidden="analyst",
        body=lambda c: {"label": "second", "allowed_ips": ["10.0.0.0/8"]},
        ok_status=201,
        audit_action="orgs.api_key.issue",
    ),
    Endpoint(
        "revoke key",
        "POST",
        lambda c: f"/api/v1/api-keys/{c['key'].pk}/revoke",
        allowed="authority_admin",
        forbidden="outsider",
        audit_action="orgs.api_key.revoke",
    ),
    Endpoint(
        "deactivate system",
        "POST",
        lambda c: f"/api/v1/system-accounts/{c['system'].pk}/deactivate",
        allowed="steward",
        forbidden="outsider",
        audit_action="orgs.system_account.deactivate",
    ),
    Endpoint(
        "enter calendar year",
        "PUT",
        lambda c: "/api/v1/calendar/years/2027",
        allowed="authority_admin",
        forbidden="steward",
        body=lambda c: {
            "notice": "国办发明电〔2026〕9号",
            "holidays": ["2027-01-01"],
            "workdays": [],
        },
        audit_action="core.calendar.set_year",
    ),
    Endpoint(
        "override calendar day",
        "PUT",
        lambda c: "/api/v1/calendar/days/2026-12-01",
        allowed="authority_admin",
        forbidden="auditor",
        body=lambda c: {"working": False, "name": "test"},
        audit_action="core.calendar.set_day",
    ),
]


def as_person(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


checks = endpoint_checks(ENDPOINTS, "context")
test_anonymous_callers_are_refused_and_nothing_is_written = checks.anonymous
test_callers_without_the_right_are_refused_and_nothing_is_written = checks.forbidden
test_a_public_user_is_refused_and_nothing_is_written = checks.public_user
test_the_allowed_caller_succeeds_and_the_action_is_audited = checks.allowed


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_systems_cannot_administer(context, endpoint):
    before = AuditEntry.objects.count()
    response = call(Client(), endpoint, context, **{"X-API-Key": context["plain_key"]})
    assert response.status_code in {403, 404}, response.content
    assert AuditEntry.objects.count() == before


# --- Particular behaviour -----------------------------------------------------------------------------


def test_a_key_works_by_header_and_bearer_and_names_its_system(context):
    for headers in [
        {"X-API-Key": context["plain_key"]},
        {"Authorization": f"Bearer {context['plain_key']}"},
    ]:
        response = Client().get("/api/v1/me", headers=headers)
        assert response.status_code == 200
        assert response.json()["system"]["name"] == "民政业务系统"


@pytest.mark.parametrize(
    ("prepare", "code"),
    [
        (
            lambda c: services.do_revoke_api_key(
                actor=c["city"].actor(c["city"].steward), key=c["key"]
            ),
            "revoked_key",
        ),
        (
            lambda c: ApiKey.objects.filter(pk=c["key"].pk).update(
                expires_at="2020-01-01T00:00:00Z"
            ),
            "expired_key",
        ),
        (
            lambda c: ApiKey.objects.filter(pk=c["key"].pk).update(allowed_ips=["192.0.2.0/24"]),
            "ip_not_allowed",
        ),
        (
            lambda c: SystemAccount.objects.filter(pk=c["system"].pk).update(is_active=False),
            "inactive_system",
        ),
    ],
    ids=["revoked", "expired", "wrong address", "system off"],
)
def test_unusable_keys_get_401_with_the_reason(context, prepare, code):
    prepare(context)
    error = assert_error_body(
        Client().get("/api/v1/me", headers={"X-API-Key": context["plain_key"]}), 401
    )
    assert error["code"] == code


def test_an_issued_key_is_shown_once_and_never_listed(context):
    client = as_person(context["city"].steward)
    response = client.post(
        f"/api/v1/system-accounts/{context['system'].pk}/keys",
        data={"label": "x"},
        content_type="application/json",
    )
    plain = response.json()["key"]
    listing = client.get(f"/api/v1/system-accounts/{context['system'].pk}").content.decode()
    assert plain.split("_", 2)[2] not in listing
    assert response.json()["api_key"]["prefix"] in listing
    assert Client().get("/api/v1/me", headers={"X-API-Key": plain}).status_code == 200


def test_me_for_a_person_lists_roles_across_organisations(context):
    city = context["city"]
    response = as_person(city.analyst).get("/api/v1/me")
    assert response.status_code == 200
    roles = response.json()["person"]["roles"]
    assert [(r["organisation_name"], r["role"]) for r in roles] == [("示范市民政局", "data_staff")]


def test_unknown_ids_answer_404_like_forbidden_ones(context):
    client = as_person(context["city"].steward)
    missing = assert_error_body(client.get("/api/v1/system-accounts/999999"), 404)
    other = services.check_create_system_account(
        actor=context["city"].actor(context["city"].admin),
        organisation=context["city"].other_department,
        name="交通系统",
    )
    forbidden = assert_error_body(client.get(f"/api/v1/system-accounts/{other.pk}"), 404)
    assert missing == forbidden


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"name": "局", "kind": "department", "level": "city", "division_code": "99x100"},
            "division_code",
        ),
        (
            {
                "name": "局",
                "kind": "department",
                "level": "city",
                "division_code": "990100",
                "uscc": "91110000600037341X",
            },
            "uscc",
        ),
        ({"kind": "department", "level": "city", "division_code": "990100"}, "name"),
        ({"name": "局", "kind": "bureau", "level": "city", "division_code": "990100"}, "kind"),
    ],
)
def test_invalid_input_gets_422_naming_the_field_and_writes_nothing(context, body, field):
    before = Organisation.objects.count()
    body = {"parent_id": context["city"].root.pk, **body}
    response = as_person(context["city"].admin).post(
        "/api/v1/organisations", data=body, content_type="application/json"
    )
    error = assert_error_body(response, 422)
    assert field in error["fields"]
    assert Organisation.objects.count() == before


def test_malformed_json_gets_400(context):
    response = as_person(context["city"].admin).post(
        "/api/v1/organisations", data="{not json", content_type="application/json"
    )
    assert_error_body(response, 400)


def test_public_registration_through_the_api(db):
    body = {
        "username": "liu",
        "full_name": "刘一",
        "password": TEST_PASSWORD,
        "public_type": "natural_person",
        "id_number": ric_with_check("51010219850612341"),
    }
    assert (
        Client()
        .post("/api/v1/public-users", data=body, content_type="application/json")
        .status_code
        == 201
    )
    body["username"] = "liu2"
    error = assert_error_body(
        Client().post("/api/v1/public-users", data=body, content_type="application/json"), 422
    )
    assert error["code"] == "duplicate_identity"


def test_organisation_list_filters_and_keeps_queries_flat(context, django_assert_max_num_queries):
    client = as_person(context["city"].steward)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/organisations", {"level": "county"})
    names = [o["name"] for o in response.json()["items"]]
    assert names and all("东县" in n for n in names)
    with django_assert_max_num_queries(8):
        client.get("/api/v1/organisations", {"limit": 500})


def test_the_calendar_answers_the_public(db):
    response = Client().get("/api/v1/calendar/add", {"start": "2024-09-30", "n": 1})
    assert response.json() == {
        "start": "2024-09-30",
        "n": 1,
        "due_on": "2024-10-08",
        "provisional": False,
    }
    response = Client().get(
        "/api/v1/calendar/between", {"start": "2024-09-27", "end": "2024-10-10"}
    )
    assert response.json()["working_days"] == 5
    days = (
        Client()
        .get("/api/v1/calendar/days", {"start": "2026-02-14", "end": "2026-02-15"})
        .json()["days"]
    )
    assert [(d["date"], d["working"], d["exception"]) for d in days] == [
        ("2026-02-14", True, True),
        ("2026-02-15", False, False),
    ]
    assert_error_body(
        Client().get("/api/v1/calendar/days", {"start": "2026-01-01", "end": "2027-06-01"}), 422
    )


def test_auditors_read_the_trail_and_its_verification(context):
    city = context["city"]
    response = as_person(city.auditor).get(
        "/api/v1/audit/entries", {"action": "orgs.api_key.issue"}
    )
    assert response.status_code == 200
    assert response.json()["count"] == 1
    verification = as_person(city.auditor).get("/api/v1/audit/verification").json()
    assert verification["ok"] is True and verification["links"] > 10
    assert_error_body(as_person(city.steward).get("/api/v1/audit/entries"), 403)
    assert_error_body(Client().get("/api/v1/audit/verification"), 401)


def test_unknown_api_paths_answer_json_404(db):
    assert_error_body(Client().get("/api/v1/no-such-thing"), 404)


def test_a_person_changes_their_own_profile_and_password(context):
    city = context["city"]
    client = as_person(city.analyst)
    response = client.patch(
        "/api/v1/me", data={"phone": "13800000000"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["phone"] == "13800000000"
    error = assert_error_body(
        client.post(
            "/api/v1/me/password",
            data={"old_password": "wrong", "new_password": "Another-pass-2026"},
            content_type="application/json",
        ),
        422,
    )
    assert error["code"] == "wrong_password"
    response = client.post(
        "/api/v1/me/password",
        data={"old_password": TEST_PASSWORD, "new_password": "Another-pass-2026"},
        content_type="application/json",
    )
    assert response.status_code == 204
    assert services.authenticate(username="analyst", password="Another-pass-2026") == city.analyst


def test_a_system_has_no_profile(context):
    response = Client().patch(
        "/api/v1/me",
        data={"phone": "1"},
        content_type="application/json",
        headers={"X-API-Key": context["plain_key"]},
    )
    assert_error_body(response, 403)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "10.8.0.1", "203.0.113.9"),  # not a proxy: its header is ignored
        ("127.0.0.1", "10.8.0.1", "10.8.0.1"),  # the proxy passes the caller on
        ("127.0.0.1", "10.8.0.1, 198.51.100.7", "198.51.100.7"),  # only the last hop is believed
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "garbage", None),
    ],
)
def test_the_caller_address_comes_through_trusted_proxies_only(
    settings, rf, remote, forwarded, expected
):
    from govdata.orgs.auth import client_ip

    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_an_allow_listed_key_behind_the_proxy(context, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    ApiKey.objects.filter(pk=context["key"].pk).update(allowed_ips=["10.8.0.0/16"])
    headers = {"X-API-Key": context["plain_key"]}
    ok = Client(REMOTE_ADDR="127.0.0.1").get(
        "/api/v1/me", headers={**headers, "X-Forwarded-For": "10.8.3.4"}
    )
    assert ok.status_code == 200
    forged = Client(REMOTE_ADDR="127.0.0.1").get(
        "/api/v1/me", headers={**headers, "X-Forwarded-For": "10.8.3.4, 203.0.113.5"}
    )
    assert forged.status_code == 401


def test_health_check_answers(db):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["database"] is True
