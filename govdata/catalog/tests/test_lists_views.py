"""The console pages of the demand and responsibility lists, the non-share list and the
information systems (CAT-6, CAT-7), and the public pages of the published lists.

Each page renders in Chinese for the person it is for and is 404 (what the person may not see)
or 403 (a public user) for anyone else; each form post calls the same service as the API, and a
refused post shows the service's message on the page with a 4xx and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govdata.catalog.choices import DemandAnswer, DemandStatus, MaintenanceTrigger, SystemStatus
from govdata.catalog.forms_lists import FileStopForm
from govdata.catalog.models import (
    Demand,
    InformationSystem,
    ListPublication,
    MaintenanceTask,
    Responsibility,
)
from govdata.catalog.services import lists as list_services
from govdata.catalog.services import systems as system_services
from govdata.catalog.services.systems import record_connection
from govdata.catalog.testing import compile_entry, publish
from govdata.core.actors import ActorRef
from govdata.core.models import AuditEntry

pytestmark = pytest.mark.django_db


# --- Builders -----------------------------------------------------------------------------------------


def as_person(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def published(city, **fields):
    """A published entry of the department (the civil affairs bureau)."""
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department, **fields)
    return publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)]).resource


def demand_data(**overrides) -> dict:
    data = {
        "title": "婚姻登记信息",
        "description": "办理公租房资格审核需要核验申请人婚姻状况。",
        "purpose": "公租房资格审核",
        "basis": "《公共租赁住房管理办法》第七条",
    }
    data.update(overrides)
    return data


def file_demand(city, **overrides) -> Demand:
    """A demand of the transport bureau (requester: its data staff, ``outsider``)."""
    return list_services.check_file_demand(
        actor=city.actor(city.outsider),
        requester=city.other_department,
        **demand_data(**overrides),
    )


def assigned_demand(city, **overrides) -> Demand:
    demand = file_demand(city, **overrides)
    return list_services.check_assign_demand(
        actor=city.actor(city.authority_admin), demand=demand, responsible=city.department
    )


def register(city, **overrides) -> InformationSystem:
    data = {"name": "婚姻登记管理系统", "description": "全市婚姻登记业务办理"}
    data.update(overrides)
    return system_services.check_register_system(
        actor=city.actor(city.analyst), organisation=city.department, **data
    )


def stored(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- Who sees which page ------------------------------------------------------------------------------

PAGES = [
    ("/console/catalog/demands/", "analyst", "需求清单"),
    ("/console/catalog/demands/", "authority_admin", "发布清单"),
    ("/console/catalog/responsibilities/", "steward", "责任清单"),
    ("/console/catalog/responsibilities/", "authority_admin", "新增责任事项"),
    ("/console/catalog/non-share/", "outsider", "不予共享清单"),
    ("/console/catalog/systems/", "analyst", "登记信息系统"),
    ("/console/catalog/systems/", "authority_admin", "信息系统"),
]


@pytest.mark.parametrize(("path", "who", "expect"), PAGES)
def test_each_list_page_renders_in_chinese_for_government_users(city, path, who, expect):
    response = as_person(getattr(city, who)).get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-Hans"' in html
    assert expect in html
    assert "需求与责任清单" in html  # the console's navigation links the pages


@pytest.mark.parametrize("path", sorted({p for p, _, _ in PAGES}))
def test_list_pages_refuse_public_users_and_send_anonymous_callers_to_log_in(city, citizen, path):
    assert as_person(citizen).get(path).status_code == 403
    response = Client().get(path)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_demand_page_is_for_the_two_departments_and_the_authority_only(city):
    demand = file_demand(city)
    path = f"/console/catalog/demands/{demand.pk}/"
    for who in ("outsider", "authority_admin", "reviewer"):
        assert as_person(getattr(city, who)).get(path).status_code == 200, who
    # The civil affairs bureau sees it only once it is sent there; the auditor never.
    for who in ("analyst", "auditor"):
        assert as_person(getattr(city, who)).get(path).status_code == 404, who
    assert as_person(city.analyst).get("/console/catalog/demands/999999/").status_code == 404


def test_a_system_page_is_for_its_department_and_the_authority_only(city, citizen):
    system = register(city)
    path = f"/console/catalog/systems/{system.pk}/"
    for who in ("steward", "authority_admin", "reviewer"):
        assert as_person(getattr(city, who)).get(path).status_code == 200, who
    assert as_person(city.outsider).get(path).status_code == 404
    assert as_person(citizen).get(path).status_code == 403


# --- Demands ------------------------------------------------------------------------------------------


def test_a_department_files_a_demand_and_its_page_suggests_the_matching_entry(city):
    marriage = published(city)
    client = as_person(city.outsider)
    response = client.post(
        "/console/catalog/demands/",
        {"requester": city.other_department.pk, **demand_data()},
    )
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert (demand.requester, demand.status, demand.created_by) == (
        city.other_department,
        DemandStatus.OPEN,
        city.actor(city.outsider).label,
    )
    html = client.get(response["Location"]).content.decode()
    assert "已提交数据需求" in html
    assert f"/console/catalog/resources/{marriage.pk}/" in html  # the suggestion links the entry
    assert "该目录满足此需求" in html  # and the requester may name it as met
    assert "撤回需求" in html
    assert "转交责任部门" not in html  # sending it on is the authority's move


def test_a_demand_without_its_basis_is_refused_on_the_page_and_nothing_is_filed(city):
    response = as_person(city.outsider).post(
        "/console/catalog/demands/",
        {"requester": city.other_department.pk, **demand_data(basis="")},
    )
    assert response.status_code == 422
    assert "请更正下列错误" in response.content.decode()
    assert not Demand.objects.exists()


def test_the_list_shows_the_actors_demands_filtered_by_status(city):
    first = file_demand(city, title="低保对象信息")
    file_demand(city)
    list_services.do_withdraw_demand(actor=city.actor(city.outsider), demand=first)
    client = as_person(city.outsider)
    everything = client.get("/console/catalog/demands/").content.decode()
    assert "低保对象信息" in everything and "婚姻登记信息" in everything
    withdrawn = client.get("/console/catalog/demands/?status=withdrawn").content.decode()
    assert "低保对象信息" in withdrawn and "婚姻登记信息" not in withdrawn
    # The civil affairs bureau is party to neither.
    assert (
        "婚姻登记信息"
        not in as_person(city.analyst).get("/console/catalog/demands/").content.decode()
    )


def test_the_authority_sends_a_demand_to_a_department_of_its_area(city):
    demand = file_demand(city)
    client = as_person(city.authority_admin)
    page = client.get(f"/console/catalog/demands/{demand.pk}/").content.decode()
    select = page[page.index('id="id_assign_responsible"') :]
    select = select[: select.index("</select>")]
    assert city.department.name in select and city.county_department.name in select
    assert city.other_department.name not in select  # not back to the requester
    response = client.post(
        f"/console/catalog/demands/{demand.pk}/assign/",
        {"responsible": city.department.pk, "comment": "请民政局答复"},
    )
    assert response.status_code == 302
    demand = stored(demand)
    assert (demand.status, demand.responsible) == (DemandStatus.ASSIGNED, city.department)
    page = client.get(response["Location"]).content.decode()
    assert demand.due_on.isoformat() in page and "请民政局答复" in page
    # The department now owes the answer: its workbench links the demand's page.
    home = as_person(city.analyst).get("/console/").content.decode()
    assert f"/console/catalog/demands/{demand.pk}/" in home


def test_a_reviewer_cannot_send_a_demand_on_and_sees_why(city):
    demand = file_demand(city)
    response = as_person(city.reviewer).post(
        f"/console/catalog/demands/{demand.pk}/assign/", {"responsible": city.department.pk}
    )
    assert response.status_code == 403
    assert "您无权进行此操作" in response.content.decode()
    assert stored(demand).status == DemandStatus.OPEN


def test_a_refusal_without_its_legal_basis_shows_the_message_and_changes_nothing(city):
    demand = assigned_demand(city)
    client = as_person(city.analyst)
    page = client.get(f"/console/catalog/demands/{demand.pk}/").content.decode()
    assert "答复数据需求" in page and "不能提供" in page
    before = AuditEntry.objects.count()
    response = client.post(
        f"/console/catalog/demands/{demand.pk}/answer/",
        {"outcome": "cannot", "answer": "婚姻登记档案仅限法定用途查询。", "legal_basis": ""},
    )
    assert response.status_code == 422
    assert "必填" in response.content.decode()  # on the legal-basis field
    demand = stored(demand)
    assert (demand.status, demand.answer_outcome, demand.answer) == (DemandStatus.ASSIGNED, "", "")
    assert AuditEntry.objects.count() == before


def test_the_department_answers_it_cannot_provide_with_the_legal_basis(city):
    demand = assigned_demand(city)
    response = as_person(city.analyst).post(
        f"/console/catalog/demands/{demand.pk}/answer/",
        {
            "outcome": "cannot",
            "answer": "婚姻登记档案仅限法定用途查询。",
            "legal_basis": "《婚姻登记档案管理办法》第十三条",
        },
    )
    assert response.status_code == 302
    demand = stored(demand)
    assert (demand.status, demand.answer_outcome, demand.answer_basis) == (
        DemandStatus.ANSWERED,
        DemandAnswer.CANNOT,
        "《婚姻登记档案管理办法》第十三条",
    )
    page = as_person(city.outsider).get(f"/console/catalog/demands/{demand.pk}/").content.decode()
    assert "不能提供" in page and "《婚姻登记档案管理办法》第十三条" in page
    assert AuditEntry.objects.filter(action="catalog.demand.answer").count() == 1


def test_the_department_will_provide_naming_its_entry_and_the_requester_marks_it_met(city):
    marriage = published(city)
    demand = assigned_demand(city)
    page = as_person(city.analyst).get(f"/console/catalog/demands/{demand.pk}/").content.decode()
    assert f'value="{marriage.pk}"' in page  # its published entries are offered
    response = as_person(city.analyst).post(
        f"/console/catalog/demands/{demand.pk}/answer/",
        {"outcome": "provide", "answer": "已编目，可通过接口获取。", "resource": marriage.pk},
    )
    assert response.status_code == 302
    demand = stored(demand)
    assert (demand.answer_outcome, demand.answer_basis, demand.resource) == (
        DemandAnswer.PROVIDE,
        "",
        marriage,
    )
    met = as_person(city.outsider).post(
        f"/console/catalog/demands/{demand.pk}/meet/", {"code": marriage.code}
    )
    assert met.status_code == 302
    assert stored(demand).status == DemandStatus.MET


def test_meeting_with_an_unknown_code_shows_the_message_and_changes_nothing(city):
    demand = file_demand(city)
    response = as_person(city.outsider).post(
        f"/console/catalog/demands/{demand.pk}/meet/", {"code": "99010031234567890000"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "没有该目录条目" in html and "不是已发布的目录" in html  # on top, and on the field
    assert stored(demand).status == DemandStatus.OPEN


def test_the_requester_withdraws_and_a_second_withdrawal_is_a_conflict(city):
    demand = file_demand(city)
    client = as_person(city.outsider)
    path = f"/console/catalog/demands/{demand.pk}/withdraw/"
    assert client.post(path, {"comment": "不再需要"}).status_code == 302
    again = client.post(path, {"comment": "不再需要"})
    assert again.status_code == 409
    assert "不能进行此操作" in again.content.decode()
    assert stored(demand).status == DemandStatus.WITHDRAWN


def test_the_demand_list_costs_a_bounded_number_of_queries(city, django_assert_max_num_queries):
    published(city)
    for n in range(30):
        demand = file_demand(city, title=f"需求{n}")
        if n % 3 == 0:
            list_services.check_assign_demand(
                actor=city.actor(city.authority_admin), demand=demand, responsible=city.department
            )
    client = as_person(city.authority_admin)
    client.get("/console/catalog/demands/")  # warm the session
    with django_assert_max_num_queries(10):
        response = client.get("/console/catalog/demands/")
    assert response.status_code == 200
    assert response.content.decode().count("/console/catalog/demands/") >= 30


# --- Publication and the public pages -----------------------------------------------------------------


def test_the_authority_publishes_the_demand_list_and_the_public_page_keeps_the_snapshot(city):
    demand = file_demand(city)
    assert "尚未发布" in Client().get("/lists/demand/").content.decode()
    response = as_person(city.authority_admin).post("/console/catalog/lists/demand/publish/", {})
    assert response.status_code == 302
    publication = ListPublication.objects.get()
    assert (publication.kind, publication.authority) == ("demand", city.authority)
    # Later changes of the list do not change what was published.
    list_services.do_withdraw_demand(actor=city.actor(city.outsider), demand=demand)
    public = Client().get("/lists/demand/")
    assert public.status_code == 200
    html = public.content.decode()
    assert city.authority.name in html and "婚姻登记信息" in html
    assert "待处理" in html and "已撤回" not in html  # the status as published
    assert timezone.localdate(publication.published_at).isoformat() in html


def test_the_responsibility_list_is_published_too(city):
    list_services.check_create_responsibility(
        actor=city.actor(city.authority_admin),
        organisation=city.department,
        title="收养登记信息",
        basis="三定方案",
    )
    response = as_person(city.authority_admin).post(
        "/console/catalog/lists/responsibility/publish/", {}
    )
    assert response.status_code == 302
    html = Client().get("/lists/responsibility/").content.decode()
    assert "收养登记信息" in html and city.department.name in html
    assert Client().get("/lists/wishes/").status_code == 404


@pytest.mark.parametrize("who", ["reviewer", "steward"])
def test_only_the_authoritys_managers_publish(city, who):
    response = as_person(getattr(city, who)).post("/console/catalog/lists/demand/publish/", {})
    assert response.status_code == 403
    assert "只有数据主管机构的管理人员" in response.content.decode()
    assert not ListPublication.objects.exists()


# --- Responsibilities and the non-share list ----------------------------------------------------------


def test_the_authority_records_a_duty_and_a_past_date_is_refused_on_the_page(city):
    client = as_person(city.authority_admin)
    duty = {
        "organisation": city.department.pk,
        "title": "收养登记信息",
        "basis": "《中国公民收养子女登记办法》",
        "due_on": "2020-01-01",
    }
    refused = client.post("/console/catalog/responsibilities/", duty)
    assert refused.status_code == 422
    assert "日期已过" in refused.content.decode()
    assert not Responsibility.objects.exists()
    assert (
        client.post("/console/catalog/responsibilities/", {**duty, "due_on": ""}).status_code == 302
    )
    row = Responsibility.objects.get()
    assert (row.organisation, row.title) == (city.department, "收养登记信息")


def test_a_department_cannot_record_duties(city):
    response = as_person(city.steward).post(
        "/console/catalog/responsibilities/",
        {"organisation": city.department.pk, "title": "收养登记信息", "basis": "三定方案"},
    )
    assert response.status_code == 403
    assert not Responsibility.objects.exists()


def test_the_department_links_its_published_entry_to_its_duty(city):
    marriage = published(city)
    row = list_services.check_create_responsibility(
        actor=city.actor(city.authority_admin),
        organisation=city.department,
        title="婚姻登记信息",
        basis="三定方案",
    )
    client = as_person(city.analyst)
    assert "关联目录" in client.get("/console/catalog/responsibilities/").content.decode()
    response = client.post(
        f"/console/catalog/responsibilities/{row.pk}/link/", {"resource": marriage.pk}
    )
    assert response.status_code == 302
    assert stored(row).resource == marriage
    assert "已履行" in client.get("/console/catalog/responsibilities/").content.decode()
    # The authority sees the duty but does not link for the department; another department
    # does not see it at all.
    refused = as_person(city.authority_admin).post(
        f"/console/catalog/responsibilities/{row.pk}/link/", {"resource": marriage.pk}
    )
    assert refused.status_code == 403
    assert (
        as_person(city.outsider)
        .post(f"/console/catalog/responsibilities/{row.pk}/link/", {"resource": marriage.pk})
        .status_code
        == 404
    )


def test_the_non_share_list_shows_each_entry_with_its_legal_basis(city):
    published(
        city,
        name="收养评估报告",
        share_type="none",
        share_methods=[],
        share_basis="《中华人民共和国个人信息保护法》第二十八条",
    )
    html = as_person(city.outsider).get("/console/catalog/non-share/").content.decode()
    assert "收养评估报告" in html and "《中华人民共和国个人信息保护法》第二十八条" in html


# --- Information systems ------------------------------------------------------------------------------


def test_a_department_registers_a_system_and_its_page_says_what_acceptance_lacks(city):
    client = as_person(city.analyst)
    response = client.post(
        "/console/catalog/systems/",
        {
            "organisation": city.department.pk,
            "name": "婚姻登记管理系统",
            "description": "",
            "status": "planned",
        },
    )
    assert response.status_code == 302
    system = InformationSystem.objects.get()
    assert (system.organisation, system.status) == (city.department, SystemStatus.PLANNED)
    page = client.get(response["Location"]).content.decode()
    assert "规划或建设中" in page
    assert "还没有以该系统为来源信息系统的已发布目录" in page
    duplicate = client.post(
        "/console/catalog/systems/",
        {"organisation": city.department.pk, "name": "婚姻登记管理系统", "status": "planned"},
    )
    assert duplicate.status_code == 409
    assert InformationSystem.objects.count() == 1


def test_the_authority_accepts_only_a_ready_system(city):
    system = register(city)
    client = as_person(city.authority_admin)
    refused = client.post(f"/console/catalog/systems/{system.pk}/accept/", {})
    assert refused.status_code == 409
    assert "还没有以该系统为来源信息系统的已发布目录" in refused.content.decode()
    assert stored(system).status == SystemStatus.PLANNED
    entry = published(city, source_system_id=system.pk)
    page = client.get(f"/console/catalog/systems/{system.pk}/").content.decode()
    assert f"/console/catalog/resources/{entry.pk}/" in page
    assert "该系统尚未对接平台" in page  # its data has not arrived through a channel yet
    record_connection(system, actor=ActorRef.platform("test"), channel="push")
    page = client.get(f"/console/catalog/systems/{system.pk}/").content.decode()
    assert 'data-testid="acceptance-ready"' in page
    assert client.post(f"/console/catalog/systems/{system.pk}/accept/", {}).status_code == 302
    assert stored(system).status == SystemStatus.IN_USE


def test_an_upgrade_shows_the_maintenance_tasks_it_raised(city):
    system = register(city, status=SystemStatus.IN_USE)
    entry = published(city, source_system_id=system.pk)
    client = as_person(city.steward)
    response = client.post(
        f"/console/catalog/systems/{system.pk}/upgrade/", {"reason": "接入电子证照"}
    )
    assert response.status_code == 302
    task = MaintenanceTask.objects.get(trigger=MaintenanceTrigger.SYSTEM_UPGRADE)
    assert task.resource == entry
    page = client.get(response["Location"]).content.decode()
    assert "正在升级改造" in page and task.due_on.isoformat() in page


def test_a_stop_filed_with_a_past_date_shows_the_message_and_changes_nothing(city):
    system = register(city, status=SystemStatus.IN_USE)
    client = as_person(city.steward)
    page = client.get(f"/console/catalog/systems/{system.pk}/").content.decode()
    earliest = system_services.earliest_stop_date()
    assert f'min="{earliest.isoformat()}"' in page  # the date picker starts at the earliest day
    before = AuditEntry.objects.count()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        f"/console/catalog/systems/{system.pk}/file-stop/",
        {"planned_on": yesterday.isoformat(), "reason": "并入省级系统"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "停用须至少提前一个工作日备案" in html and earliest.isoformat() in html
    assert (stored(system).stop_filed_at, stored(system).stop_planned_on) == (None, None)
    assert AuditEntry.objects.count() == before
    filed = client.post(
        f"/console/catalog/systems/{system.pk}/file-stop/",
        {"planned_on": "2099-03-02", "reason": "并入省级系统"},
    )
    assert filed.status_code == 302
    assert stored(system).stop_planned_on == dt.date(2099, 3, 2)


def test_another_department_cannot_act_on_a_system_and_the_authority_cannot_stop_it(city):
    system = register(city, status=SystemStatus.IN_USE)
    assert (
        as_person(city.outsider).post(f"/console/catalog/systems/{system.pk}/stop/", {}).status_code
        == 404
    )
    refused = as_person(city.authority_admin).post(
        f"/console/catalog/systems/{system.pk}/stop/", {}
    )
    assert refused.status_code == 403
    assert stored(system).status == SystemStatus.IN_USE


def test_the_systems_list_costs_a_bounded_number_of_queries(city, django_assert_max_num_queries):
    for n in range(25):
        register(city, name=f"业务系统{n}")
    client = as_person(city.authority_admin)
    client.get("/console/catalog/systems/")
    with django_assert_max_num_queries(10):
        response = client.get("/console/catalog/systems/")
    assert response.content.decode().count("业务系统") >= 25


# --- Wide input -----------------------------------------------------------------------------------


PAGE_INPUT = settings(
    max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


@PAGE_INPUT
@given(
    status=st.text(max_size=20),
    overdue=st.text(max_size=5),
    page=st.text(max_size=8),
)
def test_any_filter_or_page_in_the_address_renders_the_list(city, status, overdue, page):
    client = as_person(city.authority_admin)
    for path in ("/console/catalog/demands/", "/console/catalog/systems/"):
        response = client.get(path, {"status": status, "overdue": overdue, "page": page})
        assert response.status_code == 200


@PAGE_INPUT
@given(
    planned_on=st.one_of(
        st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)).map(
            dt.date.isoformat
        ),
        st.text(max_size=12),
    )
)
def test_a_stop_is_filed_exactly_when_its_date_is_a_working_day_ahead(city, planned_on):
    system = InformationSystem.objects.filter(name="收养登记系统").first() or register(
        city, name="收养登记系统", status=SystemStatus.IN_USE
    )
    before = stored(system).stop_planned_on
    response = as_person(city.steward).post(
        f"/console/catalog/systems/{system.pk}/file-stop/",
        {"planned_on": planned_on, "reason": "并入省级系统"},
    )
    parsed = FileStopForm({"planned_on": planned_on, "reason": "x"})  # the page's reading of it
    day = parsed.cleaned_data["planned_on"] if parsed.is_valid() else None
    if day is not None and day >= system_services.earliest_stop_date():
        assert response.status_code == 302
        assert stored(system).stop_planned_on == day
    else:
        assert response.status_code == 422
        assert stored(system).stop_planned_on == before
