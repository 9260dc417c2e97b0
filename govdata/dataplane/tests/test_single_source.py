"""Single source (AGG-4): the authority names the authoritative entry of a data item; the
finding lists the other providers that gather it and the values that differ, with one join per
pair; a coordination case opens, the authority settles or closes it, and the providers are told.

This module also serves as the URLconf of its API tests (``pytest.mark.urls``): the router is
mounted where the project mounts it, on an API with the project's error handlers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from govdata import api as project_api
from govdata.catalog.models import Resource
from govdata.catalog.testing import compile_entry, items, publish
from govdata.core import calendar as working_days
from govdata.core import workflow
from govdata.core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from govdata.core.models import AuditEntry, TransitionRecord
from govdata.core.testing import Endpoint, assert_error_body, endpoint_checks
from govdata.dataplane import single_source, storage
from govdata.dataplane.api_single_source import router
from govdata.dataplane.jobs_single_source import run_single_source_findings
from govdata.dataplane.models import (
    AuthoritativeSource,
    CoordinationCase,
    CoordinationFinding,
    CoordinationStatus,
)
from govdata.dataplane.workflows import DEADLINE
from govdata.orgs.choices import Role
from govdata.orgs.testing import make_person

# --- The API's URLconf for these tests ---------------------------------------------------------

_api = NinjaAPI(auth=project_api.API_AUTH, urls_namespace="single_source_test")
_api.add_router("/dataplane/single-source/", router)
_api.add_exception_handler(ServiceError, project_api.service_error)
_api.add_exception_handler(AuthenticationError, project_api.authentication_error)
_api.add_exception_handler(NinjaValidationError, project_api.validation_error)
_api.add_exception_handler(HttpError, project_api.http_error)
urlpatterns = [path("api/v1/", _api.urls)]

API = "/api/v1/dataplane/single-source"

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

JE = {"name": "je", "label": "金额", "item_type": "decimal", "security_level": 1}


def ric(i: int) -> str:
    return f"110105199003{i:06d}"


def publish_entry(
    city, compiler_person, provider, item_rows, name: str, reviewers=None
) -> Resource:
    compiler = city.actor(compiler_person)
    version = compile_entry(compiler, provider, items_=item_rows, name=name)
    publish(version, compiler=compiler, reviewers=reviewers or [city.actor(city.reviewer)])
    return Resource.objects.get(pk=version.resource_id)


def person(i: int, **changes: Any) -> dict[str, Any]:
    values = {
        "gmsfhm": ric(i),
        "xm": f"姓名{i}",
        "djrq": dt.date(2020, 1, 1) + dt.timedelta(days=i),
        "je": Decimal(f"{i}.50"),
    }
    values.update(changes)
    return values


def load(resource: Resource, actor, rows: list[dict[str, Any]]) -> None:
    storage.load_full(resource, rows, actor=actor, source_name="data.csv", checksum="a" * 64)


@pytest.fixture
def world(city) -> dict[str, Any]:
    """The department's register (authoritative, keyed by the ID number alone) and the
    transport bureau's entry that gathers the same name and date keyed by the ID number, each
    with data; plus entries that must not count: another of the department's own, one keyed by
    a credit code, one holding the ID number outside its key."""
    population = publish_entry(city, city.analyst, city.department, items(JE), "人口基本信息")
    social = publish_entry(city, city.outsider, city.other_department, items(JE), "驾驶人信息")
    own_other = publish_entry(city, city.analyst, city.department, items(), "婚姻登记信息")
    by_credit_code = publish_entry(
        city,
        city.outsider,
        city.other_department,
        [
            {
                "name": "tyshxydm",
                "label": "统一社会信用代码",
                "item_type": "uscc",
                "is_key": True,
                "security_level": 1,
            },
            {"name": "xm", "label": "负责人姓名", "item_type": "string", "security_level": 1},
        ],
        "运输企业信息",
    )
    outside_key = publish_entry(
        city,
        city.outsider,
        city.other_department,
        [
            {"name": "zsbh", "label": "证书编号", "item_type": "string", "is_key": True},
            {"name": "gmsfhm", "label": "持证人身份号码", "item_type": "ric", "security_level": 3},
            {"name": "xm", "label": "持证人姓名", "item_type": "string", "security_level": 3},
        ],
        "从业资格证信息",
    )
    load(population, city.actor(city.analyst), [person(i) for i in range(1, 51)])
    load(
        social,
        city.actor(city.outsider),
        [
            person(i, xm=f"别名{i}" if i in (3, 7, 11, 20, 42) else f"姓名{i}")
            for i in range(1, 61)
            if i not in (4, 5, 6)
        ]
        + [person(4, xm="  姓名4 "), person(5, xm=None), person(6, xm=" ")],
    )
    return {
        "city": city,
        "population": population,
        "social": social,
        "own_other": own_other,
        "by_credit_code": by_credit_code,
        "outside_key": outside_key,
    }


def name(world, item: str = "xm", resource: Resource | None = None) -> AuthoritativeSource:
    city = world["city"]
    return single_source.check_name_source(
        actor=city.actor(city.authority_admin),
        resource=resource or world["population"],
        item_name=item,
        key_kind="ric",
        reason="公安机关是人口信息的法定采集部门",
    )


def table(resource: Resource):
    found = storage.table_of(resource)
    assert found is not None
    return found


# --- Naming ------------------------------------------------------------------------------------------


def test_the_authority_names_a_source_and_the_audit_says_so(world):
    city = world["city"]
    source = name(world)
    assert source.authority == city.authority
    assert (source.item_name, source.key_kind, source.resource) == (
        "xm",
        "ric",
        world["population"],
    )
    assert source.named_by.startswith("周执行")
    entry = AuditEntry.objects.get(action="dataplane.single_source.name")
    assert entry.actor_id == str(city.authority_admin.pk)
    assert entry.details["resource"] == world["population"].code


@pytest.mark.parametrize("who", ["analyst", "steward", "reviewer", "outsider"])
def test_only_the_authoritys_managers_name_a_source(world, who):
    city = world["city"]
    with pytest.raises(Forbidden):
        single_source.check_name_source(
            actor=city.actor(getattr(city, who)),
            resource=world["population"],
            item_name="xm",
            key_kind="ric",
            reason="理由",
        )
    assert not AuthoritativeSource.objects.exists()


def test_a_county_authority_cannot_name_a_city_departments_entry(world):
    city = world["city"]
    county_exec = make_person(
        city.actor(city.admin), city.county_authority, "county_exec", [Role.DATA_EXECUTIVE]
    )
    with pytest.raises(Forbidden):
        single_source.check_name_source(
            actor=city.actor(county_exec),
            resource=world["population"],
            item_name="xm",
            key_kind="ric",
            reason="理由",
        )


@pytest.mark.parametrize(
    ("resource", "item", "kind", "code"),
    [
        ("population", "dz", "ric", "unknown_item"),
        ("population", "gmsfhm", "ric", "item_is_key"),
        ("population", "xm", "uscc", "key_mismatch"),
        ("population", "xm", "passport", "unknown_key_kind"),
        ("outside_key", "xm", "ric", "key_mismatch"),
    ],
)
def test_a_source_that_cannot_work_is_refused_with_the_reason(world, resource, item, kind, code):
    city = world["city"]
    with pytest.raises(Invalid) as refused:
        single_source.check_name_source(
            actor=city.actor(city.authority_admin),
            resource=world[resource],
            item_name=item,
            key_kind=kind,
            reason="理由",
        )
    assert refused.value.code == code
    assert not AuthoritativeSource.objects.exists()


def test_a_source_without_a_reason_is_refused(world):
    city = world["city"]
    with pytest.raises(Invalid) as refused:
        single_source.check_name_source(
            actor=city.actor(city.authority_admin),
            resource=world["population"],
            item_name="xm",
            key_kind="ric",
            reason="  ",
        )
    assert (refused.value.code, set(refused.value.fields)) == ("required", {"reason"})


def test_one_source_per_item_until_it_is_withdrawn(world):
    city = world["city"]
    first = name(world)
    with pytest.raises(Conflict) as refused:
        name(world, resource=world["social"])
    assert refused.value.code == "already_named"
    single_source.do_withdraw_source(
        actor=city.actor(city.authority_admin), source=first, reason="改由交通部门提供"
    )
    second = name(world, resource=world["social"])
    assert second.resource == world["social"]
    with pytest.raises(Conflict):
        single_source.do_withdraw_source(
            actor=city.actor(city.authority_admin), source=first, reason="再次撤回"
        )


def test_every_government_user_sees_the_sources_a_public_user_none(world, citizen):
    from govdata.orgs.actors import Actor

    source = name(world)
    city = world["city"]
    assert list(single_source.sources_visible_to(city.actor(city.outsider))) == [source]
    assert not single_source.sources_visible_to(Actor.for_person(citizen)).exists()


# --- (a) Duplicates -----------------------------------------------------------------------------------


def test_duplicates_are_other_providers_entries_keyed_by_the_same_kind(world):
    source = name(world)
    assert list(single_source.duplicates_of(source)) == [world["social"]]


def test_a_county_source_looks_only_inside_the_county(world):
    city = world["city"]
    admin = city.actor(city.admin)
    county_exec = make_person(admin, city.county_authority, "county_exec", [Role.DATA_EXECUTIVE])
    clerk = make_person(admin, city.county_department, "county_clerk", [Role.DATA_STAFF])
    county_register = publish_entry(
        city,
        clerk,
        city.county_department,
        items(),
        "东县户籍信息",
        reviewers=[city.actor(city.county_reviewer), city.actor(city.reviewer)],
    )
    source = single_source.check_name_source(
        actor=city.actor(county_exec),
        resource=county_register,
        item_name="xm",
        key_kind="ric",
        reason="县公安局",
    )
    assert source.authority == city.county_authority
    assert list(single_source.duplicates_of(source)) == []
    # The city's authority naming the same entry looks over the whole city.
    city_source = single_source.check_name_source(
        actor=city.actor(city.authority_admin),
        resource=county_register,
        item_name="xm",
        key_kind="ric",
        reason="市级统筹",
    )
    assert city_source.authority == city.authority
    assert set(single_source.duplicates_of(city_source)) == {
        world["population"],
        world["own_other"],
        world["social"],
    }


# --- (b) Conflicts: the join ------------------------------------------------------------------------


def test_the_join_counts_differing_values_and_samples_them_in_key_order(world):
    found = single_source.conflicts_between(
        table(world["population"]), table(world["social"]), "xm", "ric"
    )
    assert found.compared
    assert found.count == 5  # spaces around a value and an empty value are no conflict
    assert found.sample == [[ric(i), f"别名{i}", f"姓名{i}"] for i in (3, 7, 11, 20, 42)]


def test_the_sample_is_bounded_and_the_count_is_not(world):
    found = single_source.conflicts_between(
        table(world["population"]), table(world["social"]), "xm", "ric", limit=2
    )
    assert found.count == 5
    assert found.sample == [[ric(3), "别名3", "姓名3"], [ric(7), "别名7", "姓名7"]]


def test_only_current_rows_are_compared(world):
    city = world["city"]
    # The authority's register now agrees on 3; the bureau corrected 7 and broke 8.
    load(
        world["population"],
        city.actor(city.analyst),
        [person(i, xm="别名3" if i == 3 else f"姓名{i}") for i in range(1, 51)],
    )
    load(
        world["social"],
        city.actor(city.outsider),
        [person(i, xm=f"别名{i}" if i in (3, 8, 11, 20, 42) else f"姓名{i}") for i in range(1, 61)],
    )
    found = single_source.conflicts_between(
        table(world["population"]), table(world["social"]), "xm", "ric"
    )
    assert [row[0] for row in found.sample] == [ric(i) for i in (8, 11, 20, 42)]
    assert found.count == 4


def test_items_of_the_same_type_compare_as_that_type(world):
    city = world["city"]
    load(
        world["social"],
        city.actor(city.outsider),
        [
            person(i, je=Decimal(f"{i}.5"), djrq=dt.date(2021, 6, 1) if i == 9 else None)
            for i in range(1, 61)
        ],
    )
    decimals = single_source.conflicts_between(
        table(world["population"]), table(world["social"]), "je", "ric"
    )
    assert (decimals.compared, decimals.count) == (True, 0)  # 9.5 is 9.50
    dates = single_source.conflicts_between(
        table(world["population"]), table(world["social"]), "djrq", "ric"
    )
    assert dates.count == 1
    assert dates.sample == [[ric(9), "2021-06-01", "2020-01-10"]]


def test_a_composite_key_counts_each_differing_person_once(world):
    city = world["city"]
    yearly = publish_entry(
        city,
        city.outsider,
        city.other_department,
        [
            *items(),
            {
                "name": "nd",
                "label": "年度",
                "item_type": "integer",
                "is_key": True,
                "security_level": 1,
            },
        ],
        "年度审验信息",
    )
    load(
        yearly,
        city.actor(city.outsider),
        [
            {"gmsfhm": ric(i), "xm": "别名" if i == 6 else f"姓名{i}", "nd": year}
            for i in range(1, 11)
            for year in (2024, 2025)
        ],
    )
    found = single_source.conflicts_between(table(world["population"]), table(yearly), "xm", "ric")
    assert found.count == 1
    assert found.sample == [[ric(6), "别名", "姓名6"], [ric(6), "别名", "姓名6"]]


def test_an_item_missing_from_a_table_is_not_compared(world):
    found = single_source.conflicts_between(
        table(world["population"]), table(world["social"]), "dz", "ric"
    )
    assert not found.compared


# --- The case ----------------------------------------------------------------------------------------


def test_a_finding_with_duplicates_opens_a_case_with_a_deadline_and_tells_the_provider(world):
    city = world["city"]
    source = name(world)
    result = single_source.find_and_open(source, city.actor(city.authority_admin))
    assert result.opened
    case = result.case
    assert case is not None and case.status == CoordinationStatus.OPEN
    expected = working_days.deadline(
        timezone.localdate(), django_settings.DEADLINE_DAYS[DEADLINE]
    ).due_on
    assert case.due_on == expected
    (finding,) = case.findings.all()
    assert (finding.resource, finding.provider) == (world["social"], city.other_department)
    assert (finding.compared, finding.conflict_count, finding.key_item) == (True, 5, "gmsfhm")
    assert finding.sample[0] == [ric(3), "别名3", "姓名3"]
    assert finding.notified_at is not None and finding.acknowledged_at is None
    outsider = city.actor(city.outsider)
    assert list(single_source.cases_for_provider(outsider)) == [case]
    assert "5" in single_source.notice_text(finding)
    assert AuditEntry.objects.filter(action="dataplane.coordination.open").count() == 1
    source.refresh_from_db()
    assert source.last_checked_at is not None


def test_no_second_case_while_one_is_open_the_run_refreshes_it(world):
    city = world["city"]
    source = name(world)
    authority = city.actor(city.authority_admin)
    case = single_source.find_and_open(source, authority).case
    load(world["social"], city.actor(city.outsider), [person(i) for i in range(1, 61)])
    again = single_source.find_and_open(source, authority)
    assert not again.opened and again.case == case
    assert CoordinationCase.objects.filter(source=source).count() == 1
    assert case.findings.get().conflict_count == 0
    assert AuditEntry.objects.filter(action="dataplane.coordination.refresh").count() == 1


def test_no_case_without_other_providers(world):
    city = world["city"]
    source = name(world, resource=world["social"])  # nobody else gathers under another provider?
    single_source.do_withdraw_source(
        actor=city.actor(city.authority_admin), source=source, reason="测试"
    )
    lonely = publish_entry(
        city,
        city.analyst,
        city.department,
        [
            *items(),
            {"name": "hyzk", "label": "婚姻状况", "item_type": "string", "security_level": 2},
        ],
        "婚姻状况信息",
    )
    only = name(world, item="hyzk", resource=lonely)
    result = single_source.find_and_open(only, city.actor(city.authority_admin))
    assert (result.opened, result.case, result.findings) == (False, None, [])
    assert not CoordinationCase.objects.exists()


def test_a_provider_cannot_run_the_finding(world):
    city = world["city"]
    source = name(world)
    with pytest.raises(Forbidden):
        single_source.find_and_open(source, city.actor(city.outsider))
    assert not CoordinationCase.objects.exists()


def test_the_authority_settles_and_every_provider_is_told_again(world):
    city = world["city"]
    source = name(world)
    authority = city.actor(city.authority_admin)
    case = single_source.find_and_open(source, authority).case
    finding = case.findings.get()
    outsider = city.actor(city.outsider)
    single_source.do_acknowledge_finding(actor=outsider, finding=finding)
    assert not single_source.cases_for_provider(outsider).get().unread
    single_source.do_settle_case(
        actor=authority,
        case=case,
        decision="以公安机关人口库姓名为准",
        instructions={finding.pk: "30日内按人口库更正5条姓名"},
    )
    case.refresh_from_db()
    finding.refresh_from_db()
    assert case.status == CoordinationStatus.SETTLED and case.due_on is None
    assert case.decision == "以公安机关人口库姓名为准"
    assert finding.instruction == "30日内按人口库更正5条姓名"
    assert finding.acknowledged_at is None  # the decision is a new notice
    assert single_source.cases_for_provider(outsider).get().unread
    assert "30日内" in single_source.notice_text(finding)
    (step,) = TransitionRecord.objects.filter(workflow="dataplane.coordination", object_id=case.pk)
    assert (step.transition, step.from_state, step.to_state) == ("settle", "open", "settled")
    entry = AuditEntry.objects.get(action="dataplane.coordination.settle")
    assert entry.details["instructions"] == {str(finding.pk): "30日内按人口库更正5条姓名"}


@pytest.mark.parametrize("who", ["outsider", "analyst", "reviewer"])
def test_only_the_authority_settles(world, who):
    city = world["city"]
    case = single_source.find_and_open(name(world), city.actor(city.authority_admin)).case
    with pytest.raises(Forbidden):
        single_source.do_settle_case(actor=city.actor(getattr(city, who)), case=case, decision="x")
    case.refresh_from_db()
    assert case.status == CoordinationStatus.OPEN


def test_settling_a_closed_case_is_out_of_order(world):
    city = world["city"]
    authority = city.actor(city.authority_admin)
    case = single_source.find_and_open(name(world), authority).case
    stale = CoordinationCase.objects.get(pk=case.pk)
    single_source.do_close_case(actor=authority, case=case, reason="两部门采集依据不同")
    with pytest.raises(Conflict):
        single_source.do_settle_case(actor=authority, case=case, decision="以人口库为准")
    with pytest.raises(Conflict):  # a copy read before the close loses the compare-and-set
        single_source.do_settle_case(actor=authority, case=stale, decision="以人口库为准")
    case.refresh_from_db()
    assert (case.status, case.close_reason) == (CoordinationStatus.CLOSED, "两部门采集依据不同")


def test_instructions_name_findings_of_the_case(world):
    city = world["city"]
    authority = city.actor(city.authority_admin)
    case = single_source.find_and_open(name(world), authority).case
    with pytest.raises(Invalid) as refused:
        single_source.do_settle_case(
            actor=authority, case=case, decision="以人口库为准", instructions={999999: "x"}
        )
    assert refused.value.code == "unknown_finding"
    with pytest.raises(Invalid):
        single_source.do_settle_case(actor=authority, case=case, decision=" ")
    case.refresh_from_db()
    assert case.status == CoordinationStatus.OPEN


def test_after_a_close_the_next_run_opens_a_new_case(world):
    city = world["city"]
    authority = city.actor(city.authority_admin)
    source = name(world)
    first = single_source.find_and_open(source, authority).case
    single_source.do_close_case(actor=authority, case=first, reason="已另行处理")
    second = single_source.find_and_open(source, authority)
    assert second.opened and second.case != first
    with pytest.raises(Conflict):  # nor can the source be withdrawn while it is open
        single_source.do_withdraw_source(actor=authority, source=source, reason="x")


def test_only_the_provider_acknowledges_once_per_notice(world):
    city = world["city"]
    case = single_source.find_and_open(name(world), city.actor(city.authority_admin)).case
    finding = case.findings.get()
    with pytest.raises(Forbidden):
        single_source.do_acknowledge_finding(actor=city.actor(city.analyst), finding=finding)
    single_source.do_acknowledge_finding(actor=city.actor(city.outsider), finding=finding)
    with pytest.raises(Conflict):
        single_source.do_acknowledge_finding(actor=city.actor(city.outsider), finding=finding)
    finding.refresh_from_db()
    assert finding.acknowledged_by.startswith("吴外人")


def test_who_sees_a_case(world, citizen):
    from govdata.orgs.actors import Actor

    city = world["city"]
    case = single_source.find_and_open(name(world), city.actor(city.authority_admin)).case
    for who in ("authority_admin", "outsider", "analyst", "admin"):
        assert single_source.access_case_by_id(city.actor(getattr(city, who)), case.pk) == case
    county_exec = make_person(
        city.actor(city.admin), city.county_authority, "county_exec", [Role.DATA_EXECUTIVE]
    )
    for actor in (city.actor(county_exec), Actor.for_person(citizen)):
        with pytest.raises(NotFound):
            single_source.access_case_by_id(actor, case.pk)
    # The department whose register is authoritative sees the case, not the bureau's sample.
    analyst = city.actor(city.analyst)
    assert not single_source.findings_visible_to(analyst, case).exists()
    assert single_source.findings_visible_to(city.actor(city.outsider), case).count() == 1


@pytest.mark.urls(django_settings.ROOT_URLCONF)
def test_the_case_is_a_task_of_the_authority_and_of_the_provider_until_read(world):
    city = world["city"]
    case = single_source.find_and_open(name(world), city.actor(city.authority_admin)).case

    def tasks(person) -> list:
        return [t["object"] for t in workflow.open_tasks(city.actor(person))]

    (task,) = workflow.open_tasks(city.actor(city.authority_admin))
    assert task["url"] == f"/console/data/cases/{case.pk}/"
    assert case in tasks(city.authority_admin)
    assert case in tasks(city.outsider)
    single_source.do_acknowledge_finding(
        actor=city.actor(city.outsider), finding=case.findings.get()
    )
    assert case not in tasks(city.outsider)
    assert case not in tasks(city.analyst)


def test_the_weekly_job_runs_every_active_source_as_the_platform(world):
    name(world)
    name(world, item="djrq")
    assert run_single_source_findings.call_local() == 2
    entries = AuditEntry.objects.filter(action="dataplane.coordination.open")
    assert {e.actor_kind for e in entries} == {"platform"}
    assert run_single_source_findings.call_local() == 0  # open cases are refreshed, not reopened
    assert CoordinationCase.objects.count() == 2


def test_a_finding_survives_a_table_not_yet_loaded(world):
    city = world["city"]
    unloaded = publish_entry(city, city.outsider, city.other_department, items(), "公交卡信息")
    case = single_source.find_and_open(name(world), city.actor(city.authority_admin)).case
    finding = case.findings.get(resource=unloaded)
    assert (finding.compared, finding.conflict_count) == (False, 0)
    assert single_source.notice_text(finding) != single_source.notice_text(
        CoordinationFinding(case=case, resource=unloaded, compared=True, conflict_count=0)
    )


# --- API ---------------------------------------------------------------------------------------------


def as_person(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def api_world(world, citizen) -> dict[str, Any]:
    """The world with a source for the name (its case open) and one for the date (no case)."""
    city = world["city"]
    source = name(world)
    case = single_source.find_and_open(source, city.actor(city.authority_admin)).case
    dates = name(world, item="djrq")
    return {
        **world,
        "citizen": citizen,
        "source": source,
        "dates": dates,
        "case": case,
        "finding": case.findings.get(),
    }


ENDPOINTS = [
    Endpoint(
        "name source",
        "POST",
        lambda c: f"{API}/sources",
        allowed="authority_admin",
        forbidden="outsider",
        body=lambda c: {
            "resource_id": c["social"].pk,
            "item_name": "je",
            "key_kind": "ric",
            "reason": "交通部门",
        },
        ok_status=201,
        audit_action="dataplane.single_source.name",
    ),
    Endpoint(
        "withdraw source",
        "POST",
        lambda c: f"{API}/sources/{c['dates'].pk}/withdraw",
        allowed="authority_admin",
        forbidden="outsider",
        body=lambda c: {"reason": "改由其他部门提供"},
        audit_action="dataplane.single_source.withdraw",
    ),
    Endpoint(
        "run finding",
        "POST",
        lambda c: f"{API}/sources/{c['dates'].pk}/run",
        allowed="authority_admin",
        forbidden="outsider",
        audit_action="dataplane.coordination.open",
    ),
    Endpoint(
        "settle case",
        "POST",
        lambda c: f"{API}/cases/{c['case'].pk}/settle",
        allowed="authority_admin",
        forbidden="outsider",
        body=lambda c: {
            "decision": "以人口库为准",
            "instructions": [{"finding_id": c["finding"].pk, "instruction": "更正"}],
        },
        audit_action="dataplane.coordination.settle",
    ),
    Endpoint(
        "close case",
        "POST",
        lambda c: f"{API}/cases/{c['case'].pk}/close",
        allowed="authority_admin",
        forbidden="outsider",
        body=lambda c: {"reason": "依据不同"},
        audit_action="dataplane.coordination.close",
    ),
    Endpoint(
        "acknowledge",
        "POST",
        lambda c: f"{API}/cases/{c['case'].pk}/findings/{c['finding'].pk}/acknowledge",
        allowed="outsider",
        forbidden="analyst",
        audit_action="dataplane.coordination.acknowledge",
    ),
]

checks = endpoint_checks(ENDPOINTS, "api_world")
test_anonymous_is_refused = checks.anonymous
test_a_person_without_the_right_is_refused = checks.forbidden
test_a_public_user_is_refused = checks.public_user
test_the_allowed_person_succeeds_with_an_audit_entry = checks.allowed


def test_api_case_detail_shows_the_authority_every_finding_and_the_provider_its_own(api_world):
    city = api_world["city"]
    case = api_world["case"]
    body = as_person(city.authority_admin).get(f"{API}/cases/{case.pk}").json()
    assert body["status"] == "open" and body["actions"] == ["settle", "close"]
    (finding,) = body["findings"]
    assert finding["conflict_count"] == 5
    assert finding["sample"][0] == [ric(3), "别名3", "姓名3"]
    assert AuditEntry.objects.filter(action="dataplane.coordination.read").count() == 1
    provider = as_person(city.outsider).get(f"{API}/cases/{case.pk}").json()
    assert provider["actions"] == [] and len(provider["findings"]) == 1
    register = as_person(city.analyst).get(f"{API}/cases/{case.pk}").json()
    assert register["findings"] == []


def test_api_lists_cases_by_who_asks(api_world):
    city = api_world["city"]
    case = api_world["case"]
    listed = as_person(city.authority_admin).get(f"{API}/cases").json()
    assert [c["id"] for c in listed["items"]] == [case.pk]
    queue = as_person(city.outsider).get(f"{API}/cases", {"queue": True, "unacknowledged": True})
    assert [c["id"] for c in queue.json()["items"]] == [case.pk]
    assert as_person(city.analyst).get(f"{API}/cases", {"queue": True}).json()["count"] == 0
    county_exec = make_person(
        city.actor(city.admin), city.county_authority, "county_exec", [Role.DATA_EXECUTIVE]
    )
    assert as_person(county_exec).get(f"{API}/cases").json()["count"] == 0
    sources = as_person(city.outsider).get(f"{API}/sources", {"active": True}).json()
    assert {s["item_name"] for s in sources["items"]} == {"xm", "djrq"}


def test_api_missing_and_hidden_cases_answer_404_alike(api_world):
    city = api_world["city"]
    county_exec = make_person(
        city.actor(city.admin), city.county_authority, "county_exec", [Role.DATA_EXECUTIVE]
    )
    client = as_person(county_exec)
    hidden = client.post(
        f"{API}/cases/{api_world['case'].pk}/settle", {"decision": "x"}, "application/json"
    )
    missing = client.post(f"{API}/cases/999999/settle", {"decision": "x"}, "application/json")
    assert assert_error_body(hidden, 404) == assert_error_body(missing, 404)


def test_api_settle_out_of_order_answers_409(api_world):
    city = api_world["city"]
    client = as_person(city.authority_admin)
    case = api_world["case"]
    assert (
        client.post(
            f"{API}/cases/{case.pk}/close", {"reason": "依据不同"}, "application/json"
        ).status_code
        == 200
    )
    again = client.post(f"{API}/cases/{case.pk}/settle", {"decision": "x"}, "application/json")
    assert assert_error_body(again, 409)["code"] == "wrong_state"


def test_api_bad_input_answers_with_a_machine_readable_body(api_world):
    city = api_world["city"]
    client = as_person(city.authority_admin)
    unknown_item = client.post(
        f"{API}/sources",
        {
            "resource_id": api_world["social"].pk,
            "item_name": "dz",
            "key_kind": "ric",
            "reason": "x",
        },
        "application/json",
    )
    assert set(assert_error_body(unknown_item, 422)["fields"]) == {"item_name"}
    bad_kind = client.post(
        f"{API}/sources",
        {"resource_id": api_world["social"].pk, "item_name": "je", "key_kind": "x", "reason": "x"},
        "application/json",
    )
    assert "key_kind" in assert_error_body(bad_kind, 422)["fields"]
    twice = client.post(
        f"{API}/cases/{api_world['case'].pk}/settle",
        {
            "decision": "x",
            "instructions": [
                {"finding_id": api_world["finding"].pk, "instruction": "a"},
                {"finding_id": api_world["finding"].pk, "instruction": "b"},
            ],
        },
        "application/json",
    )
    assert assert_error_body(twice, 422)["code"] == "duplicate_finding"
    malformed = client.generic(
        "POST", f"{API}/sources", "{not json", content_type="application/json"
    )
    assert_error_body(malformed, (400, 422))


def test_api_run_reports_the_findings_without_samples(api_world):
    city = api_world["city"]
    response = as_person(city.authority_admin).post(f"{API}/sources/{api_world['source'].pk}/run")
    body = response.json()
    assert response.status_code == 200
    assert (body["opened"], body["case_id"]) == (False, api_world["case"].pk)
    assert body["findings"] == [
        {
            "resource_id": api_world["social"].pk,
            "resource_code": api_world["social"].code,
            "provider_id": city.other_department.pk,
            "provider_name": city.other_department.name,
            "key_item": "gmsfhm",
            "compared": True,
            "conflict_count": 5,
        }
    ]
    assert CoordinationFinding.objects.count() == 1


def test_api_is_described_in_the_openapi_document():
    paths = _api.get_openapi_schema()["paths"]
    assert f"{API}/cases/{{case_id}}/settle" in paths
    assert f"{API}/sources/{{source_id}}/run" in paths


# --- The console page of a case ---------------------------------------------------------------


@pytest.mark.urls(django_settings.ROOT_URLCONF)
def test_the_case_page_takes_the_authority_and_the_provider_through_the_case(api_world):
    """The authority's staff read the case from their task queue and settle it with an
    instruction for the bureau; the bureau reads the decision and acknowledges it."""
    city, case, finding = api_world["city"], api_world["case"], api_world["finding"]
    page = f"/console/data/cases/{case.pk}/"
    authority = as_person(city.authority_admin)
    assert page in authority.get("/console/").content.decode()  # the task queue links here
    text = authority.get(page).content.decode()
    assert "驾驶人信息" in text and "别名3" in text  # the finding and its sample
    assert AuditEntry.objects.filter(action="dataplane.coordination.read").exists()
    refused = authority.post(f"{page}settle/", {"decision": " "})
    assert refused.status_code == 422
    assert CoordinationCase.objects.get(pk=case.pk).status == CoordinationStatus.OPEN
    done = authority.post(
        f"{page}settle/",
        {"decision": "以公安机关人口库姓名为准", f"instruction-{finding.pk}": "30日内更正"},
    )
    assert done.status_code == 302 and done["Location"] == page
    case.refresh_from_db()
    assert case.status == CoordinationStatus.SETTLED
    assert case.findings.get().instruction == "30日内更正"
    again = authority.post(f"{page}settle/", {"decision": "再次"})
    assert again.status_code == 409  # settled already: out of order, nothing changes

    bureau = as_person(city.outsider)
    text = bureau.get(page).content.decode()
    assert "30日内更正" in text and "以公安机关人口库姓名为准" in text
    assert "确认" in text
    assert bureau.post(f"{page}findings/{finding.pk}/acknowledge/").status_code == 302
    assert case.findings.get().acknowledged_at is not None
    assert bureau.post(f"{page}findings/{finding.pk}/acknowledge/").status_code == 409


@pytest.mark.urls(django_settings.ROOT_URLCONF)
def test_the_case_page_is_closed_to_those_outside_the_case(api_world):
    city, case, finding = api_world["city"], api_world["case"], api_world["finding"]
    page = f"/console/data/cases/{case.pk}/"
    # The authoritative department sees the case but not the bureau's sample, and cannot act.
    analyst = as_person(city.analyst)
    text = analyst.get(page).content.decode()
    assert "别名3" not in text
    assert analyst.post(f"{page}close/", {"reason": "无需处理"}).status_code == 403
    assert analyst.post(f"{page}findings/{finding.pk}/acknowledge/").status_code == 404
    assert as_person(api_world["citizen"]).get(page).status_code == 403
    assert as_person(city.authority_admin).get("/console/data/cases/999999/").status_code == 404
    assert CoordinationCase.objects.get(pk=case.pk).status == CoordinationStatus.OPEN
