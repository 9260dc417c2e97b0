"""ORG-4: departments' account requests, answered by the data authority of their area within
5 working days (Y§21), on the core workflow mechanism."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from freezegun import freeze_time

from govdata.core import audit, workflow
from govdata.core.errors import Conflict, Forbidden, Invalid, NotFound
from govdata.core.models import AuditEntry
from govdata.orgs import services
from govdata.orgs.choices import Role
from govdata.orgs.models import AccountRequest, Person, RoleAssignment
from govdata.orgs.workflows import account_request_workflow

pytestmark = pytest.mark.django_db


def ask_new_account(city, **overrides) -> AccountRequest:
    data = {
        "actor": city.actor(city.steward),
        "organisation": city.department,
        "kind": "create",
        "reason": "新入职数据专员",
        "username": "newcomer",
        "full_name": "郑新人",
        "roles": [Role.DATA_STAFF],
    }
    data.update(overrides)
    return services.check_submit_account_request(**data)


def test_a_request_gets_the_five_working_day_deadline(city):
    with freeze_time("2026-09-29 10:00:00+08:00"):  # Tuesday before National Day
        request = ask_new_account(city)
    # 30 Sep, then 1-7 Oct are off; 8, 9 Oct, Sat 10 Oct (make-up day), 12 Oct.
    assert request.status == "submitted"
    assert request.due_on == dt.date(2026, 10, 12)


def test_the_authority_approves_and_the_account_exists_with_a_one_time_password(city):
    request = ask_new_account(city)
    request, password = services.check_decide_account_request(
        actor=city.actor(city.authority_admin), request=request, approve=True, comment="同意"
    )
    person = Person.objects.get(username="newcomer")
    assert request.status == "approved" and request.person == person
    assert RoleAssignment.objects.filter(
        person=person, organisation=city.department, role="data_staff"
    ).exists()
    assert services.authenticate(username="newcomer", password=password) == person
    assert not AuditEntry.objects.filter(details__icontains=password).exists()
    assert [r.transition for r in account_request_workflow.history(request)] == ["approve"]
    assert audit.verify().ok


def test_the_requesting_department_cannot_approve_its_own_request(city):
    request = ask_new_account(city)
    with pytest.raises(Forbidden):
        services.check_decide_account_request(
            actor=city.actor(city.steward), request=request, approve=True
        )
    assert not Person.objects.filter(username="newcomer").exists()


def test_a_county_authority_answers_only_for_its_area(city):
    county_exec = services.check_create_staff(
        actor=city.actor(city.admin),
        organisation=city.county_authority,
        username="county_exec",
        full_name="县执行官",
        password="Test-pass-2026!",
        roles=[Role.DATA_EXECUTIVE],
    )
    request = ask_new_account(city)
    with pytest.raises(Forbidden):
        services.check_decide_account_request(
            actor=city.actor(county_exec), request=request, approve=True
        )


def test_a_rejection_needs_a_reason_and_creates_nothing(city):
    request = ask_new_account(city)
    with pytest.raises(Invalid):
        services.check_decide_account_request(
            actor=city.actor(city.authority_admin), request=request, approve=False
        )
    services.check_decide_account_request(
        actor=city.actor(city.authority_admin), request=request, approve=False, comment="编制已满"
    )
    request.refresh_from_db()
    assert request.status == "rejected"
    assert not Person.objects.filter(username="newcomer").exists()
    with pytest.raises(Conflict):  # answered once
        services.check_decide_account_request(
            actor=city.actor(city.authority_admin), request=request, approve=True
        )


def test_changing_roles_sets_exactly_the_requested_roles(city):
    request = ask_new_account(
        city, kind="change", person=city.analyst, roles=[Role.ORG_ADMIN, Role.DATA_EXECUTIVE]
    )
    services.check_decide_account_request(
        actor=city.actor(city.authority_admin), request=request, approve=True
    )
    roles = set(RoleAssignment.objects.filter(person=city.analyst).values_list("role", flat=True))
    assert roles == {"org_admin", "data_executive"}


def test_cancelling_removes_the_roles_and_switches_the_account_off(city):
    request = ask_new_account(city, kind="cancel", person=city.analyst)
    services.check_decide_account_request(
        actor=city.actor(city.authority_admin), request=request, approve=True
    )
    city.analyst.refresh_from_db()
    assert not city.analyst.is_active
    assert not RoleAssignment.objects.filter(person=city.analyst).exists()


@pytest.mark.parametrize(
    ("overrides", "exception"),
    [
        ({"username": "analyst"}, Invalid),  # taken
        ({"roles": []}, Invalid),
        ({"roles": ["platform_admin"]}, Invalid),
        ({"reason": " "}, Invalid),
        ({"kind": "cancel", "person": None}, Invalid),
        ({"kind": "rename"}, Invalid),
        ({"organisation": "other"}, NotFound),  # not the steward's organisation
    ],
)
def test_bad_requests_are_refused_and_nothing_is_filed(city, overrides, exception):
    if overrides.get("organisation") == "other":
        overrides["organisation"] = city.other_department
    with pytest.raises(exception):
        ask_new_account(city, **overrides)
    assert not AccountRequest.objects.exists()


def test_an_unanswered_request_lapses_and_shows_as_overdue_to_the_authority(city):
    with freeze_time("2026-11-23 10:00:00+08:00"):
        request = ask_new_account(city)
    assert request.due_on == dt.date(2026, 11, 30)
    with freeze_time("2026-12-01 10:00:00+08:00"):
        assert workflow.sweep_lapsed() == 1
        tasks = workflow.open_tasks(city.actor(city.authority_admin))
    assert [t["object"].pk for t in tasks] == [request.pk]
    assert tasks[0]["overdue"]
    request.refresh_from_db()
    assert request.lapsed_at is not None
    assert workflow.open_tasks(city.actor(city.steward)) == []


def test_the_requester_may_withdraw(city):
    request = ask_new_account(city)
    services.do_withdraw_account_request(actor=city.actor(city.steward), request=request)
    assert AccountRequest.objects.get(pk=request.pk).status == "withdrawn"


def test_the_api_round_trip(city):
    steward, authority = Client(), Client()
    steward.force_login(city.steward)
    authority.force_login(city.authority_admin)
    body = {
        "organisation_id": city.department.pk,
        "kind": "create",
        "reason": "新人",
        "username": "apinew",
        "full_name": "接口新人",
        "roles": ["data_staff"],
    }
    created = steward.post("/api/v1/account-requests", data=body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["due_on"]
    forbidden = steward.post(
        f"/api/v1/account-requests/{pk}/approve", data={}, content_type="application/json"
    )
    assert forbidden.status_code == 403
    approved = authority.post(
        f"/api/v1/account-requests/{pk}/approve",
        data={"comment": "同意"},
        content_type="application/json",
    )
    assert approved.status_code == 200
    assert approved.json()["initial_password"]
    assert approved.json()["request"]["history"][0]["transition"] == "approve"
    again = authority.post(
        f"/api/v1/account-requests/{pk}/approve", data={}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "wrong_state"
    outsider = Client()
    outsider.force_login(city.outsider)
    assert outsider.get(f"/api/v1/account-requests/{pk}").status_code == 404
