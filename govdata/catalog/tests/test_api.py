"""The /api/v1/catalog endpoints of entries, versions, review and maintenance.

Every write endpoint is declared once in ENDPOINTS and gets the shared checks: anonymous is
refused, a person without the right is refused, neither writes anything, and the allowed person
succeeds with the audit entry written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from govdata.catalog import services
from govdata.catalog.choices import VersionStatus
from govdata.catalog.models import Resource, ResourceVersion
from govdata.catalog.testing import compile_entry, entry, items, publish
from govdata.core.testing import Endpoint, assert_error_body, endpoint_checks

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(context) -> dict:
    """The shared API context plus a draft, a version in city review and a published entry of
    the department."""
    city = context["city"]
    compiler = city.actor(city.analyst)
    reviewer = city.actor(city.reviewer)
    draft = compile_entry(compiler, city.department, name="低保对象信息")
    waiting = compile_entry(compiler, city.department, name="特困人员信息")
    services.check_submit_version(actor=compiler, version=waiting)
    live = publish(
        compile_entry(compiler, city.department, name="婚姻登记信息"),
        compiler=compiler,
        reviewers=[reviewer],
    )
    return {**context, "draft": draft, "waiting": waiting, "live": live}


def _entry_body(**overrides) -> dict:
    body = entry(**overrides)
    body["items"] = items()
    return body


ENDPOINTS = [
    Endpoint(
        "create entry",
        "POST",
        lambda c: "/api/v1/catalog/resources",
        allowed="analyst",
        forbidden="outsider",
        body=lambda c: {**_entry_body(), "provider_id": c["city"].department.pk},
        ok_status=201,
        audit_action="catalog.resource.create",
    ),
    Endpoint(
        "update draft",
        "PUT",
        lambda c: f"/api/v1/catalog/versions/{c['draft'].pk}",
        allowed="analyst",
        forbidden="outsider",
        body=lambda c: {**_entry_body(name="低保对象信息（新）"), "edit_seq": c["draft"].edit_seq},
        audit_action="catalog.version.update",
    ),
    Endpoint(
        "submit",
        "POST",
        lambda c: f"/api/v1/catalog/versions/{c['draft'].pk}/submit",
        allowed="steward",
        forbidden="reviewer",
        body=lambda c: {"comment": ""},
        audit_action="catalog.review.submit_city",
    ),
    Endpoint(
        "approve",
        "POST",
        lambda c: f"/api/v1/catalog/versions/{c['waiting'].pk}/approve",
        allowed="reviewer",
        forbidden="county_reviewer",
        body=lambda c: {"comment": "同意"},
        audit_action="catalog.review.publish",
    ),
    Endpoint(
        "reject",
        "POST",
        lambda c: f"/api/v1/catalog/versions/{c['waiting'].pk}/reject",
        allowed="reviewer",
        forbidden="analyst",
        body=lambda c: {"comment": "摘要不清楚"},
        audit_action="catalog.review.reject",
    ),
    Endpoint(
        "withdraw",
        "POST",
        lambda c: f"/api/v1/catalog/versions/{c['waiting'].pk}/withdraw",
        allowed="analyst",
        forbidden="outsider",
        body=lambda c: {"comment": ""},
        audit_action="catalog.review.withdraw",
    ),
    Endpoint(
        "start revision",
        "POST",
        lambda c: f"/api/v1/catalog/resources/{c['live'].resource_id}/revisions",
        allowed="analyst",
        forbidden="outsider",
        body=lambda c: {"reason": "职责调整"},
        ok_status=201,
        audit_action="catalog.version.start_revision",
    ),
    Endpoint(
        "raise maintenance task",
        "POST",
        lambda c: f"/api/v1/catalog/resources/{c['live'].resource_id}/maintenance-tasks",
        allowed="authority_admin",
        forbidden="outsider",
        body=lambda c: {"trigger": "law_change", "reason": "新修订的条例施行"},
        ok_status=201,
        audit_action="catalog.maintenance.raise",
    ),
]


def as_person(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


checks = endpoint_checks(ENDPOINTS, "catalog")
test_anonymous_callers_are_refused_and_nothing_is_written = checks.anonymous
test_callers_without_the_right_are_refused_and_nothing_is_written = checks.forbidden
test_a_public_user_is_refused_and_nothing_is_written = checks.public_user
test_the_allowed_caller_succeeds_and_the_action_is_audited = checks.allowed


# --- Particular behaviour ---------------------------------------------------------------------------


def test_every_rule_breach_is_named_per_field_and_nothing_is_written(catalog):
    city = catalog["city"]
    body = {
        **_entry_body(
            sensitivity="secret",
            share_type="conditional",
            share_conditions="",
            share_basis="",
            open_type="unconditional",
        ),
        "provider_id": city.department.pk,
    }
    body["items"].append({"name": "XM", "label": "", "item_type": "string"})
    before = Resource.objects.count()
    error = assert_error_body(
        as_person(city.analyst).post(
            "/api/v1/catalog/resources", body, content_type="application/json"
        ),
        422,
    )
    assert error["code"] == "invalid_entry"
    assert {
        "sensitivity",
        "share_conditions",
        "share_basis",
        "open_type",
        "items.3.name",
        "items.3.label",
    } <= set(error["fields"])
    assert "秘密" in error["fields"]["sensitivity"] or "涉密" in error["fields"]["sensitivity"]
    assert Resource.objects.count() == before


def test_a_system_of_the_provider_compiles_and_submits_with_its_key(catalog):
    key = {"X-API-Key": catalog["plain_key"]}
    body = {
        **_entry_body(name="居民最低生活保障信息"),
        "provider_id": catalog["city"].department.pk,
    }
    created = Client().post(
        "/api/v1/catalog/resources", body, content_type="application/json", headers=key
    )
    assert created.status_code == 201, created.content
    version = created.json()
    assert version["status"] == "draft" and version["actions"] == ["submit", "withdraw", "edit"]
    assert [i["name"] for i in version["items"]] == ["gmsfhm", "xm", "djrq"]
    submitted = Client().post(
        f"/api/v1/catalog/versions/{version['id']}/submit",
        {"comment": ""},
        content_type="application/json",
        headers=key,
    )
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "city_review" and submitted.json()["due_on"]


def test_a_stale_edit_gets_409_and_keeps_the_first_edit(catalog):
    city = catalog["city"]
    draft = catalog["draft"]
    client = as_person(city.analyst)
    url = f"/api/v1/catalog/versions/{draft.pk}"
    first = client.put(
        url, {**_entry_body(name="甲"), "edit_seq": draft.edit_seq}, content_type="application/json"
    )
    assert first.status_code == 200 and first.json()["edit_seq"] == draft.edit_seq + 1
    second = client.put(
        url, {**_entry_body(name="乙"), "edit_seq": draft.edit_seq}, content_type="application/json"
    )
    assert assert_error_body(second, 409)["code"] == "stale"
    assert ResourceVersion.objects.get(pk=draft.pk).name == "甲"


def test_approving_twice_is_a_conflict(catalog):
    client = as_person(catalog["city"].reviewer)
    url = f"/api/v1/catalog/versions/{catalog['waiting'].pk}/approve"
    assert client.post(url, {}, content_type="application/json").status_code == 200
    again = client.post(url, {}, content_type="application/json")
    assert assert_error_body(again, 409)["code"] == "wrong_state"


def test_the_review_queue_lists_what_waits_soonest_first(catalog):
    queue = as_person(catalog["city"].reviewer).get("/api/v1/catalog/review-queue").json()
    assert [v["id"] for v in queue] == [catalog["waiting"].pk]
    assert queue[0]["due_on"] and queue[0]["provider_name"] == "示范市民政局"
    assert (
        as_person(catalog["city"].county_reviewer).get("/api/v1/catalog/review-queue").json() == []
    )


def test_another_department_reads_published_entries_but_not_drafts(catalog):
    client = as_person(catalog["city"].outsider)
    listing = client.get("/api/v1/catalog/resources").json()

    assert [r["code"] for r in listing["items"]] == [catalog["live"].resource.code]
    assert listing["items"][0]["working_version"] is None
    assert (
        client.get(f"/api/v1/catalog/resources/{catalog['draft'].resource_id}").status_code == 404
    )
    assert client.get(f"/api/v1/catalog/versions/{catalog['draft'].pk}").status_code == 404
    live = client.get(f"/api/v1/catalog/versions/{catalog['live'].pk}").json()
    assert live["status"] == "published" and live["actions"] == []


def test_versions_are_compared_field_by_field_through_the_api(catalog):
    city = catalog["city"]
    compiler = city.actor(city.analyst)
    resource = catalog["live"].resource
    revision = services.check_start_revision(actor=compiler, resource=resource, reason="增加信息项")
    services.check_update_version(
        actor=compiler,
        version=revision,
        edit_seq=revision.edit_seq,
        entry=entry(name="婚姻登记信息", update_cycle="realtime"),
        items=items({"name": "djjg", "label": "登记机关", "item_type": "string", "length": 100}),
    )
    response = as_person(city.analyst).get(
        f"/api/v1/catalog/resources/{resource.pk}/compare?old=1&new=2"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["same"] is False
    assert [d["field"] for d in body["fields"]] == ["update_cycle"]
    assert body["items_added"] == ["djjg"]
    # Another department sees published versions only: the draft revision does not exist for it.
    other = as_person(city.outsider).get(
        f"/api/v1/catalog/resources/{resource.pk}/compare?old=1&new=2"
    )
    assert assert_error_body(other, 404)["code"] == "not_found"


def test_overdue_maintenance_is_listed_by_department(catalog, settings):
    import datetime as dt

    from freezegun import freeze_time

    city = catalog["city"]
    resource = catalog["live"].resource
    with freeze_time("2026-11-02 10:00:00+08:00"):
        services.check_raise_maintenance_task(
            actor=city.actor(city.authority_admin),
            resource=resource,
            trigger="situation_change",
            reason="机构改革",
        )
    with freeze_time("2026-11-10 10:00:00+08:00"):
        body = as_person(city.authority_admin).get("/api/v1/catalog/overdue").json()
    assert [g["organisation"] for g in body["maintenance"]] == ["示范市民政局"]
    task = body["maintenance"][0]["tasks"][0]
    assert task["due_on"] == dt.date(2026, 11, 4).isoformat()  # 2 working days
    # The department itself is not the authority: it sees nothing of the area's overdue list.
    assert as_person(city.outsider).get("/api/v1/catalog/overdue").json()["maintenance"] == []


def test_version_status_values_are_documented(catalog):
    document = Client().get("/api/v1/openapi.json").json()
    status = document["components"]["schemas"]["VersionStatus"]["enum"]
    assert set(status) == set(VersionStatus.values)


def test_the_resource_list_reads_a_page_in_a_fixed_number_of_queries(
    catalog, django_assert_max_num_queries
):
    city = catalog["city"]
    compiler = city.actor(city.analyst)
    for n in range(6):
        publish(
            compile_entry(compiler, city.department, name=f"条目{n}"),
            compiler=compiler,
            reviewers=[city.actor(city.reviewer)],
        )
    client = as_person(city.authority_admin)
    client.get("/api/v1/catalog/resources?view=catalog")  # session and roles warmed up
    with django_assert_max_num_queries(10):
        body = client.get("/api/v1/catalog/resources?view=catalog").json()
    assert body["count"] == 7


@pytest.mark.parametrize(
    "name_json",
    ['"a\\u0000b"', '"lone \\ud800 half"', '"lone \\udc00 half"'],
)
def test_text_no_database_can_store_is_refused_before_anything_runs(catalog, name_json):
    body = json.dumps(
        {**_entry_body(), "provider_id": catalog["city"].department.pk}, ensure_ascii=False
    )
    body = body.replace('"婚姻登记信息"', name_json)
    before = Resource.objects.count()
    response = as_person(catalog["city"].analyst).post(
        "/api/v1/catalog/resources", body, content_type="application/json"
    )
    assert assert_error_body(response, 400)["code"] == "invalid_characters"
    assert Resource.objects.count() == before
    assert_error_body(Client().get("/api/v1/catalog/open-datasets?q=%00"), 400)


def test_a_whole_surrogate_pair_is_ordinary_text(catalog):
    body = json.dumps(
        {**_entry_body(), "provider_id": catalog["city"].department.pk}, ensure_ascii=False
    )
    body = body.replace('"婚姻登记信息"', '"婚姻登记 \\ud83d\\ude00"')
    response = as_person(catalog["city"].analyst).post(
        "/api/v1/catalog/resources", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "婚姻登记 😀"
