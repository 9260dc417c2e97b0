"""The /api/v1/catalog endpoints of the lists (CAT-6), information systems (CAT-7) and zombie
flags (CAT-5).

Every write endpoint is declared once in ENDPOINTS and gets the shared checks: anonymous is
refused, a person without the right is refused, neither writes anything, and the allowed person
succeeds with the audit entry written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from govdata.catalog import zombies
from govdata.catalog.choices import DemandStatus, SystemStatus
from govdata.catalog.models import Demand, InformationSystem, ListPublication
from govdata.catalog.services import lists as list_services
from govdata.catalog.services import systems as system_services
from govdata.catalog.services.zombies import sweep_zombies
from govdata.catalog.testing import compile_entry, publish
from govdata.core.actors import ActorRef
from govdata.core.testing import Endpoint, assert_error_body, endpoint_checks

pytestmark = pytest.mark.django_db

API = "/api/v1/catalog"


def as_person(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def demand_body(**overrides) -> dict:
    body = {
        "title": "婚姻登记信息",
        "description": "公租房资格审核",
        "purpose": "核验申请人婚姻状况",
        "basis": "《公共租赁住房管理办法》第七条",
    }
    body.update(overrides)
    return body


@pytest.fixture
def lists(context) -> dict:
    """The shared API context plus: a published entry of the department sourced by its system,
    a demand of the transport bureau (open, and one assigned to the department), a duty of the
    department, and systems planned and in use."""
    city = context["city"]
    compiler = city.actor(city.analyst)
    system = system_services.check_register_system(
        actor=compiler, organisation=city.department, name="婚姻登记管理系统"
    )
    running = system_services.check_register_system(
        actor=compiler, organisation=city.department, name="收养登记系统", status="in_use"
    )
    live = publish(
        compile_entry(compiler, city.department, source_system_id=system.pk),
        compiler=compiler,
        reviewers=[city.actor(city.reviewer)],
    ).resource
    # Its data arrives through a channel (the data plane records the connection, CAT-7).
    system_services.record_connection(system, actor=ActorRef.platform("test"), channel="push")
    requester = city.actor(city.outsider)
    demand = list_services.check_file_demand(
        actor=requester, requester=city.other_department, **demand_body()
    )
    assigned = list_services.check_file_demand(
        actor=requester, requester=city.other_department, **demand_body(title="收养登记信息")
    )
    list_services.check_assign_demand(
        actor=city.actor(city.authority_admin), demand=assigned, responsible=city.department
    )
    duty = list_services.check_create_responsibility(
        actor=city.actor(city.authority_admin),
        organisation=city.department,
        title="婚姻登记信息",
        basis="三定方案",
    )
    return {
        **context,
        "system": system,
        "running": running,
        "live": live,
        "demand": demand,
        "assigned": assigned,
        "duty": duty,
    }


ENDPOINTS = [
    Endpoint(
        "file demand",
        "POST",
        lambda c: f"{API}/demands",
        allowed="analyst",
        forbidden="auditor",
        body=lambda c: demand_body(title="低保对象信息"),
        ok_status=201,
        audit_action="catalog.demand.file",
    ),
    Endpoint(
        "meet demand",
        "POST",
        lambda c: f"{API}/demands/{c['demand'].pk}/meet",
        allowed="outsider",
        forbidden="analyst",
        body=lambda c: {"resource_id": c["live"].pk},
        audit_action="catalog.demand.meet",
    ),
    Endpoint(
        "assign demand",
        "POST",
        lambda c: f"{API}/demands/{c['demand'].pk}/assign",
        allowed="authority_admin",
        forbidden="reviewer",
        body=lambda c: {"responsible_id": c["city"].department.pk},
        audit_action="catalog.demand.assign",
    ),
    Endpoint(
        "answer demand",
        "POST",
        lambda c: f"{API}/demands/{c['assigned'].pk}/answer",
        allowed="steward",
        forbidden="outsider",
        body=lambda c: {
            "outcome": "cannot",
            "answer": "仅限法定用途",
            "legal_basis": "《婚姻登记档案管理办法》第十三条",
        },
        audit_action="catalog.demand.answer",
    ),
    Endpoint(
        "withdraw demand",
        "POST",
        lambda c: f"{API}/demands/{c['demand'].pk}/withdraw",
        allowed="outsider",
        forbidden="authority_admin",
        body=lambda c: {"comment": "不再需要"},
        audit_action="catalog.demand.withdraw",
    ),
    Endpoint(
        "record responsibility",
        "POST",
        lambda c: f"{API}/responsibilities",
        allowed="authority_admin",
        forbidden="steward",
        body=lambda c: {
            "organisation_id": c["city"].department.pk,
            "title": "收养登记信息",
            "basis": "《中国公民收养子女登记办法》",
        },
        ok_status=201,
        audit_action="catalog.responsibility.create",
    ),
    Endpoint(
        "link responsibility",
        "POST",
        lambda c: f"{API}/responsibilities/{c['duty'].pk}/link",
        allowed="analyst",
        forbidden="authority_admin",
        body=lambda c: {"resource_id": c["live"].pk},
        audit_action="catalog.responsibility.link",
    ),
    Endpoint(
        "publish demand list",
        "POST",
        lambda c: f"{API}/lists/demand/publish",
        allowed="authority_admin",
        forbidden="reviewer",
        body=lambda c: {},
        ok_status=201,
        audit_action="catalog.list.publish",
    ),
    Endpoint(
        "register system",
        "POST",
        lambda c: f"{API}/systems",
        allowed="analyst",
        forbidden="auditor",
        body=lambda c: {"name": "低保管理系统"},
        ok_status=201,
        audit_action="catalog.system.register",
    ),
    Endpoint(
        "update system",
        "PATCH",
        lambda c: f"{API}/systems/{c['system'].pk}",
        allowed="steward",
        forbidden="outsider",
        body=lambda c: {"description": "全市婚姻登记业务办理平台"},
        audit_action="catalog.system.update",
    ),
    Endpoint(
        "accept system",
        "POST",
        lambda c: f"{API}/systems/{c['system'].pk}/accept",
        allowed="authority_admin",
        forbidden="steward",
        body=lambda c: {},
        audit_action="catalog.system.accept",
    ),
    Endpoint(
        "upgrade system",
        "POST",
        lambda c: f"{API}/systems/{c['running'].pk}/upgrade",
        allowed="steward",
        forbidden="authority_admin",
        body=lambda c: {"reason": "接入电子证照"},
        audit_action="catalog.system.upgrade",
    ),
    Endpoint(
        "file system stop",
        "POST",
        lambda c: f"{API}/systems/{c['running'].pk}/file-stop",
        allowed="analyst",
        forbidden="outsider",
        body=lambda c: {"planned_on": "2099-03-02", "reason": "并入省级系统"},
        audit_action="catalog.system.file_stop",
    ),
    Endpoint(
        "stop system",
        "POST",
        lambda c: f"{API}/systems/{c['running'].pk}/stop",
        allowed="steward",
        forbidden="reviewer",
        body=lambda c: {},
        audit_action="catalog.system.stop",
    ),
]


checks = endpoint_checks(ENDPOINTS, "lists")
test_anonymous_callers_are_refused_and_nothing_is_written = checks.anonymous
test_callers_without_the_right_are_refused_and_nothing_is_written = checks.forbidden
test_a_public_user_is_refused_and_nothing_is_written = checks.public_user
test_the_allowed_caller_succeeds_and_the_action_is_audited = checks.allowed


# --- Demands ------------------------------------------------------------------------------------------


def test_filing_answers_with_the_suggested_entry_and_the_deadline_runs_after_assignment(lists):
    city = lists["city"]
    response = as_person(city.outsider).post(
        f"{API}/demands", data=demand_body(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["due_on"] is None
    assert body["requester_id"] == city.other_department.pk
    assert body["suggestions"][0]["code"] == lists["live"].code
    assert set(body["actions"]) == {"meet", "withdraw"}
    assigned = as_person(city.authority_admin).post(
        f"{API}/demands/{body['id']}/assign",
        data={"responsible_id": city.department.pk},
        content_type="application/json",
    )
    assert assigned.status_code == 200
    assert assigned.json()["status"] == "assigned" and assigned.json()["due_on"]
    assert [h["transition"] for h in assigned.json()["history"]] == ["assign"]


def test_answer_before_assignment_is_a_conflict_with_the_error_body(lists):
    city = lists["city"]
    response = as_person(city.steward).post(
        f"{API}/demands/{lists['demand'].pk}/answer",
        data={"outcome": "provide", "answer": "可以提供"},
        content_type="application/json",
    )
    # The department sees the demand only once it is sent to it: before, it is not found.
    assert_error_body(response, 404)
    Demand.objects.filter(pk=lists["demand"].pk).update(responsible=city.department)
    error = assert_error_body(
        as_person(city.steward).post(
            f"{API}/demands/{lists['demand'].pk}/answer",
            data={"outcome": "provide", "answer": "可以提供"},
            content_type="application/json",
        ),
        409,
    )
    assert error["code"] == "wrong_state"
    assert Demand.objects.get(pk=lists["demand"].pk).status == DemandStatus.OPEN


def test_a_refusal_without_its_legal_basis_is_refused_with_the_field(lists):
    error = assert_error_body(
        as_person(lists["city"].steward).post(
            f"{API}/demands/{lists['assigned'].pk}/answer",
            data={"outcome": "cannot", "answer": "不能提供"},
            content_type="application/json",
        ),
        422,
    )
    assert "legal_basis" in error["fields"]
    assert Demand.objects.get(pk=lists["assigned"].pk).status == DemandStatus.ASSIGNED


def test_the_answer_reads_back_on_the_list(lists):
    city = lists["city"]
    as_person(city.steward).post(
        f"{API}/demands/{lists['assigned'].pk}/answer",
        data={"outcome": "cannot", "answer": "仅限法定用途", "legal_basis": "《办法》第十三条"},
        content_type="application/json",
    )
    listed = as_person(city.outsider).get(f"{API}/demands?status=answered").json()
    assert listed["count"] == 1
    (row,) = listed["items"]
    assert (row["outcome"], row["legal_basis"], row["answer"]) == (
        "cannot",
        "《办法》第十三条",
        "仅限法定用途",
    )


def test_unknown_and_unseen_demands_answer_alike(lists):
    client = as_person(lists["city"].analyst)  # the department: not party to the open demand
    missing = assert_error_body(client.get(f"{API}/demands/999999"), 404)
    unseen = assert_error_body(client.get(f"{API}/demands/{lists['demand'].pk}"), 404)
    assert missing == unseen


def test_the_demand_list_costs_a_fixed_number_of_queries(lists, django_assert_max_num_queries):
    city = lists["city"]
    for n in range(8):
        list_services.check_file_demand(
            actor=city.actor(city.outsider),
            requester=city.other_department,
            **demand_body(title=f"需求{n}"),
        )
    client = as_person(city.authority_admin)
    client.get(f"{API}/demands")  # warm the session and the actor
    with django_assert_max_num_queries(12):
        response = client.get(f"{API}/demands?limit=100")
    assert response.json()["count"] == 10


def test_overdue_demands_are_listed_for_the_authority(lists):
    Demand.objects.filter(pk=lists["assigned"].pk).update(due_on=dt.date(2020, 1, 2))
    body = as_person(lists["city"].authority_admin).get(f"{API}/demands?overdue=true").json()
    assert [(d["id"], d["overdue"]) for d in body["items"]] == [(lists["assigned"].pk, True)]


# --- Published lists, the non-share list --------------------------------------------------------------


def test_a_published_list_is_public_and_does_not_change_afterwards(lists):
    city = lists["city"]
    assert Client().get(f"{API}/lists/demand").json() == []
    published = as_person(city.authority_admin).post(
        f"{API}/lists/demand/publish", data={}, content_type="application/json"
    )
    assert published.status_code == 201
    as_person(city.outsider).post(
        f"{API}/demands/{lists['demand'].pk}/withdraw", data={}, content_type="application/json"
    )
    public = Client().get(f"{API}/lists/demand")
    assert public.status_code == 200
    (publication,) = public.json()
    assert publication["authority_id"] == city.authority.pk
    assert {e["id"]: e["status"] for e in publication["entries"]} == {
        lists["demand"].pk: "open",
        lists["assigned"].pk: "assigned",
    }
    assert Client().get(f"{API}/lists/responsibility").json() == []
    assert ListPublication.objects.count() == 1


def test_an_unknown_list_kind_is_a_validation_error(lists):
    assert_error_body(Client().get(f"{API}/lists/wishes"), 422)


def test_the_non_share_list_shows_each_entry_with_its_legal_basis(lists):
    city = lists["city"]
    compiler = city.actor(city.analyst)
    publish(
        compile_entry(
            compiler,
            city.department,
            name="收养评估报告",
            share_type="none",
            share_methods=[],
            share_basis="《中华人民共和国个人信息保护法》第二十八条",
        ),
        compiler=compiler,
        reviewers=[city.actor(city.reviewer)],
    )
    body = as_person(city.outsider).get(f"{API}/non-share-list").json()
    assert [(r["name"], r["legal_basis"]) for r in body["items"]] == [
        ("收养评估报告", "《中华人民共和国个人信息保护法》第二十八条")
    ]
    assert_error_body(as_person(lists["citizen"]).get(f"{API}/non-share-list"), 403)
    assert_error_body(Client().get(f"{API}/non-share-list"), 401)


# --- Systems ------------------------------------------------------------------------------------------


def test_acceptance_refused_says_what_is_missing(lists):
    city = lists["city"]
    bare = system_services.check_register_system(
        actor=city.actor(city.analyst), organisation=city.department, name="低保管理系统"
    )
    detail = as_person(city.authority_admin).get(f"{API}/systems/{bare.pk}").json()
    assert "resources" in detail["acceptance_problems"]
    error = assert_error_body(
        as_person(city.authority_admin).post(
            f"{API}/systems/{bare.pk}/accept", data={}, content_type="application/json"
        ),
        409,
    )
    assert error["code"] == "not_ready" and "resources" in error["fields"]
    assert InformationSystem.objects.get(pk=bare.pk).status == SystemStatus.PLANNED


def test_a_stop_filed_too_soon_is_refused_with_the_earliest_date(lists):
    today = timezone.localdate().isoformat()
    error = assert_error_body(
        as_person(lists["city"].steward).post(
            f"{API}/systems/{lists['running'].pk}/file-stop",
            data={"planned_on": today, "reason": "停用"},
            content_type="application/json",
        ),
        422,
    )
    assert "planned_on" in error["fields"]
    assert InformationSystem.objects.get(pk=lists["running"].pk).stop_filed_at is None


# --- Zombie flags -------------------------------------------------------------------------------------


class _NeverLoaded:
    def __init__(self, ids):
        self.ids = ids

    def last_load_at(self, resource_ids):
        return dict.fromkeys(self.ids)

    def last_use_at(self, resource_ids):
        return None


def test_zombie_flags_are_for_the_authority_only(lists):
    city = lists["city"]
    with zombies.using_fact_sources(_NeverLoaded([lists["live"].pk])):
        sweep_zombies(now=timezone.now() + dt.timedelta(days=30))
    body = as_person(city.authority_admin).get(f"{API}/zombie-flags").json()
    assert [(f["code"], f["rule"]) for f in body["items"]] == [(lists["live"].code, "no_data")]
    assert as_person(city.reviewer).get(f"{API}/zombie-flags").json()["count"] == 1
    for person in (city.steward, city.outsider, lists["citizen"]):
        assert_error_body(as_person(person).get(f"{API}/zombie-flags"), 403)
    assert_error_body(Client().get(f"{API}/zombie-flags"), 401)
    key = {"X-API-Key": lists["plain_key"]}
    assert_error_body(Client().get(f"{API}/zombie-flags", headers=key), 403)
