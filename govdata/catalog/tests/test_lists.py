"""The demand list and the responsibility list, and their publication (CAT-6, B§16): the right
role at the right level in the right order, on the current state only, with the working-day
deadline of the answer."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from govdata.catalog import queries_lists
from govdata.catalog.choices import DemandAnswer, DemandStatus
from govdata.catalog.models import Demand, ListPublication, Responsibility
from govdata.catalog.services import lists as services
from govdata.catalog.testing import compile_entry, publish
from govdata.catalog.workflows_lists import demand_workflow
from govdata.core import workflow
from govdata.core.errors import Conflict, Forbidden, Invalid
from govdata.core.models import AuditEntry
from govdata.orgs.choices import Role
from govdata.orgs.testing import make_person

pytestmark = pytest.mark.django_db


def published(city, provider=None, compiler=None, **fields):
    """A published entry of a city department (city review only)."""
    compiler = compiler or city.actor(city.analyst)
    version = compile_entry(compiler, provider or city.department, **fields)
    return publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)]).resource


@pytest.fixture
def transport(city):
    """Data staff of the other city department (the transport bureau) as its compiler."""
    return city.actor(city.outsider)


@pytest.fixture
def county_manager(city):
    """The data executive of the county data authority: the authority of the county's area."""
    person = make_person(
        city.actor(city.admin),
        city.county_authority,
        "county_exec",
        [Role.DATA_EXECUTIVE],
        "冯执行",
    )
    return city.actor(person)


@pytest.fixture
def county_clerk(city):
    person = make_person(
        city.actor(city.admin), city.county_department, "county_clerk", [Role.DATA_STAFF], "卫干事"
    )
    return city.actor(person)


def file(city, actor=None, requester=None, **overrides) -> Demand:
    data = {
        "title": "婚姻登记信息",
        "description": "办理公租房资格审核需要核验申请人婚姻状况。",
        "purpose": "公租房资格审核",
        "basis": "《公共租赁住房管理办法》第七条",
    }
    data.update(overrides)
    return services.check_file_demand(
        actor=actor or city.actor(city.outsider),
        requester=requester or city.other_department,
        **data,
    )


def assign(city, demand, responsible=None):
    return services.check_assign_demand(
        actor=city.actor(city.authority_admin),
        demand=demand,
        responsible=responsible or city.department,
    )


# --- Filing, suggestions ------------------------------------------------------------------------------


def test_a_filed_demand_is_open_and_the_matching_published_entry_is_suggested(city, transport):
    marriage = published(city)
    published(
        city,
        provider=city.other_department,
        compiler=transport,
        name="道路运输经营许可信息",
        summary="道路运输经营许可证发放信息。",
    )
    demand = file(city)
    assert demand.status == DemandStatus.OPEN
    assert demand.due_on is None  # nobody owes an answer yet
    suggestions = queries_lists.suggestions_for(demand)
    assert suggestions and suggestions[0] == marriage
    entry = AuditEntry.objects.get(action="catalog.demand.file", object_id=str(demand.pk))
    assert entry.details["suggested"][0] == marriage.code


def test_nothing_is_suggested_when_nothing_matches_and_unpublished_entries_never_are(city):
    compile_entry(city.actor(city.analyst), city.department)  # a draft: not in the catalog
    demand = file(city)
    assert queries_lists.suggestions_for(demand) == []


@pytest.mark.parametrize(
    ("who", "requester"),
    [("steward", "other_department"), ("reviewer", "other_department"), ("auditor", "authority")],
    ids=["another department", "a reviewer", "an auditor"],
)
def test_only_the_department_itself_files_its_demands(city, who, requester):
    with pytest.raises(Forbidden):
        file(city, actor=city.actor(getattr(city, who)), requester=getattr(city, requester))
    assert not Demand.objects.exists()


def test_a_public_user_cannot_file_a_demand(city, citizen):
    with pytest.raises(Forbidden):
        file(city, actor=city.actor(citizen))
    assert not Demand.objects.exists()


@pytest.mark.parametrize("missing", ["title", "purpose", "basis"])
def test_a_demand_states_what_why_and_on_what_basis(city, missing):
    with pytest.raises(Invalid) as error:
        file(city, **{missing: "  "})
    assert missing in error.value.fields
    assert not Demand.objects.exists()


# --- Meeting and withdrawing --------------------------------------------------------------------------


def test_the_requester_names_the_published_entry_that_meets_its_demand(city):
    marriage = published(city)
    demand = file(city)
    services.do_meet_demand(actor=city.actor(city.outsider), demand=demand, resource=marriage)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.MET and demand.resource == marriage
    assert [r.transition for r in demand_workflow.history(demand)] == ["meet"]
    assert queries_lists.suggestions_for(demand) == []  # met: nothing more to suggest


def test_an_unpublished_entry_cannot_meet_a_demand(city):
    draft = compile_entry(city.actor(city.analyst), city.department).resource
    demand = file(city)
    with pytest.raises(Invalid):
        services.do_meet_demand(actor=city.actor(city.outsider), demand=demand, resource=draft)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN


def test_only_the_requester_meets_or_withdraws(city):
    marriage = published(city)
    demand = file(city)
    for person in (city.analyst, city.authority_admin, city.reviewer):
        with pytest.raises(Forbidden):
            services.do_meet_demand(actor=city.actor(person), demand=demand, resource=marriage)
        with pytest.raises(Forbidden):
            services.do_withdraw_demand(actor=city.actor(person), demand=demand)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN


def test_a_withdrawn_demand_cannot_be_met_assigned_or_answered(city):
    marriage = published(city)
    demand = file(city)
    services.do_withdraw_demand(actor=city.actor(city.outsider), demand=demand, comment="不再需要")
    with pytest.raises(Conflict):
        services.do_meet_demand(actor=city.actor(city.outsider), demand=demand, resource=marriage)
    with pytest.raises(Conflict):
        assign(city, demand)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.WITHDRAWN


# --- Assigning and answering --------------------------------------------------------------------------


def test_the_answer_is_due_in_ten_working_days_and_overdue_shows_on_the_list(city):
    with freeze_time("2026-09-29 10:00:00+08:00"):  # Tuesday before National Day
        demand = file(city)
        assign(city, demand)
    # 30 Sep; 1-7 Oct off; 8, 9, Sat 10 (make-up day), 12, 13, 14, 15, 16, 19 Oct.
    assert demand.status == DemandStatus.ASSIGNED
    assert demand.due_on == dt.date(2026, 10, 19)
    assert demand.responsible == city.department
    authority = city.actor(city.authority_admin)
    with freeze_time("2026-10-19 17:00:00+08:00"):
        assert not queries_lists.overdue_demands(authority).exists()
        assert workflow.sweep_lapsed() == 0
    with freeze_time("2026-10-20 09:00:00+08:00"):
        assert list(queries_lists.overdue_demands(authority)) == [demand]
        assert list(queries_lists.overdue_demands(city.actor(city.steward))) == [demand]
        assert queries_lists.demand_row(queries_lists.access_demand_by_id(authority, demand.pk))[
            "overdue"
        ]
        assert workflow.sweep_lapsed() == 1
    assert Demand.objects.get(pk=demand.pk).lapsed_at is not None


def test_the_responsible_department_owes_the_answer_and_the_authority_the_assignment(city):
    demand = file(city)
    assert demand in demand_workflow.tasks_for(city.actor(city.authority_admin))
    assert demand not in demand_workflow.tasks_for(city.actor(city.analyst))
    assign(city, demand)
    assert demand in demand_workflow.tasks_for(city.actor(city.analyst))
    assert demand not in demand_workflow.tasks_for(city.actor(city.authority_admin))


def test_the_department_will_provide_naming_its_entry(city):
    marriage = published(city)
    demand = assign(city, file(city))
    services.check_answer_demand(
        actor=city.actor(city.analyst),
        demand=demand,
        can_provide=True,
        answer="已编目，可通过共享平台接口获取。",
        resource=marriage,
    )
    stored = Demand.objects.get(pk=demand.pk)
    assert (stored.answer_outcome, stored.answer_basis) == (DemandAnswer.PROVIDE, "")
    assert [r.transition for r in demand_workflow.history(stored)] == ["assign", "answer"]
    row = queries_lists.demand_row(
        queries_lists.access_demand_by_id(city.actor(city.outsider), demand.pk)
    )
    assert row["status"] == DemandStatus.ANSWERED and row["due_on"] is None
    assert (row["outcome"], row["resource_code"], row["legal_basis"]) == (
        "provide",
        marriage.code,
        "",
    )
    # The requester then marks it met with the named entry.
    services.do_meet_demand(actor=city.actor(city.outsider), demand=demand, resource=marriage)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.MET


def test_a_refusal_needs_its_legal_basis_and_a_reason(city):
    demand = assign(city, file(city))
    analyst = city.actor(city.analyst)
    with pytest.raises(Invalid) as error:
        services.check_answer_demand(
            actor=analyst, demand=demand, can_provide=False, answer="涉及个人隐私"
        )
    assert "legal_basis" in error.value.fields
    with pytest.raises(Invalid) as error:
        services.check_answer_demand(
            actor=analyst, demand=demand, can_provide=False, answer="", legal_basis="《条例》"
        )
    assert "answer" in error.value.fields
    stored = Demand.objects.get(pk=demand.pk)
    assert (stored.status, stored.answer_outcome, stored.answer_basis) == (
        DemandStatus.ASSIGNED,
        "",
        "",
    )
    services.check_answer_demand(
        actor=analyst,
        demand=demand,
        can_provide=False,
        answer="婚姻登记档案仅限法定用途查询。",
        legal_basis="《婚姻登记档案管理办法》第十三条",
    )
    stored = Demand.objects.get(pk=demand.pk)
    assert stored.answer_outcome == DemandAnswer.CANNOT
    assert stored.answer_basis == "《婚姻登记档案管理办法》第十三条"
    row = queries_lists.demand_row(queries_lists.access_demand_by_id(analyst, demand.pk))
    assert row["outcome"] == "cannot"
    assert row["legal_basis"] == "《婚姻登记档案管理办法》第十三条"
    assert row["answer"] == "婚姻登记档案仅限法定用途查询。"


def test_a_will_provide_answer_carries_no_legal_basis(city):
    demand = assign(city, file(city))
    with pytest.raises(Invalid) as error:
        services.check_answer_demand(
            actor=city.actor(city.analyst),
            demand=demand,
            can_provide=True,
            answer="可以提供",
            legal_basis="《条例》",
        )
    assert "legal_basis" in error.value.fields
    stored = Demand.objects.get(pk=demand.pk)
    assert (stored.status, stored.answer_outcome) == (DemandStatus.ASSIGNED, "")


def test_two_answers_at_once_the_second_gets_a_conflict_and_the_first_answer_stands(city):
    demand = assign(city, file(city))
    as_read_by_second = Demand.objects.get(pk=demand.pk)
    analyst = city.actor(city.analyst)
    services.check_answer_demand(actor=analyst, demand=demand, can_provide=True, answer="可以提供")
    with pytest.raises(Conflict) as error:
        services.check_answer_demand(
            actor=city.actor(city.steward),
            demand=as_read_by_second,
            can_provide=False,
            answer="不能提供",
            legal_basis="《条例》第五条",
        )
    assert error.value.code == "stale"
    stored = Demand.objects.get(pk=demand.pk)
    assert (stored.answer_outcome, stored.answer, stored.answer_basis) == (
        DemandAnswer.PROVIDE,
        "可以提供",
        "",
    )


def test_the_department_names_only_its_own_entry_in_an_answer(city, transport):
    roads = published(
        city, provider=city.other_department, compiler=transport, name="道路运输经营许可信息"
    )
    demand = assign(city, file(city))
    with pytest.raises(Invalid):
        services.check_answer_demand(
            actor=city.actor(city.analyst),
            demand=demand,
            can_provide=True,
            answer="可以提供",
            resource=roads,
        )
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.ASSIGNED


def test_only_the_responsible_department_answers(city):
    demand = assign(city, file(city))
    for person in (city.outsider, city.authority_admin, city.reviewer):
        with pytest.raises(Forbidden):
            services.check_answer_demand(
                actor=city.actor(person), demand=demand, can_provide=True, answer="可以"
            )
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.ASSIGNED


def test_out_of_order_moves_are_refused_and_change_nothing(city):
    demand = file(city)
    with pytest.raises(Conflict):  # answer before assign
        services.check_answer_demand(
            actor=city.actor(city.analyst), demand=demand, can_provide=True, answer="可以"
        )
    assign(city, demand)
    with pytest.raises(Conflict):  # assigned twice
        assign(city, demand, responsible=city.other_department)
    services.check_answer_demand(
        actor=city.actor(city.analyst), demand=demand, can_provide=True, answer="可以"
    )
    with pytest.raises(Conflict):  # withdrawn after the answer
        services.do_withdraw_demand(actor=city.actor(city.outsider), demand=demand)
    stored = Demand.objects.get(pk=demand.pk)
    assert (stored.status, stored.responsible_id) == (DemandStatus.ANSWERED, city.department.pk)


def test_the_assignment_stays_at_the_level_and_in_the_area_of_the_authority(
    city, county_manager, county_clerk
):
    city_demand = file(city)
    with pytest.raises(Forbidden):  # a county authority over a city department's demand
        services.check_assign_demand(
            actor=county_manager, demand=city_demand, responsible=city.county_department
        )
    with pytest.raises(Forbidden):  # a reviewer of another county is not the authority
        services.check_assign_demand(
            actor=city.actor(city.county_reviewer),
            demand=city_demand,
            responsible=city.department,
        )
    county_demand = file(city, actor=county_clerk, requester=city.county_department)
    with pytest.raises(Invalid):  # the county cannot send it to a city department
        services.check_assign_demand(
            actor=county_manager, demand=county_demand, responsible=city.department
        )
    with pytest.raises(Invalid):  # nor back to the requester
        services.check_assign_demand(
            actor=county_manager, demand=county_demand, responsible=city.county_department
        )
    services.check_assign_demand(
        actor=county_manager, demand=county_demand, responsible=city.county
    )
    assert Demand.objects.get(pk=county_demand.pk).status == DemandStatus.ASSIGNED
    assert Demand.objects.get(pk=city_demand.pk).status == DemandStatus.OPEN


def test_two_people_acting_on_the_same_demand_the_second_gets_a_conflict(city):
    demand = file(city)
    as_read_by_authority = Demand.objects.get(pk=demand.pk)
    services.do_withdraw_demand(actor=city.actor(city.outsider), demand=demand)
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict) as error:
        assign(city, as_read_by_authority)
    assert error.value.code == "stale"
    stored = Demand.objects.get(pk=demand.pk)
    assert (stored.status, stored.responsible_id) == (DemandStatus.WITHDRAWN, None)
    assert AuditEntry.objects.count() == before


def test_demands_are_seen_by_the_two_departments_and_the_authority_only(
    city, county_manager, transport
):
    demand = file(city)
    authority = city.actor(city.authority_admin)
    assert list(queries_lists.demands_visible_to(transport)) == [demand]
    assert list(queries_lists.demands_visible_to(authority)) == [demand]
    assert list(queries_lists.demands_visible_to(city.actor(city.analyst))) == []
    assert list(queries_lists.demands_visible_to(county_manager)) == []
    assign(city, demand)
    assert list(queries_lists.demands_visible_to(city.actor(city.analyst))) == [demand]


# --- Responsibilities ---------------------------------------------------------------------------------


def responsibility(city, actor=None, organisation=None, **overrides) -> Responsibility:
    data = {
        "title": "婚姻登记信息",
        "basis": "《婚姻登记条例》；三定方案",
        "description": "结婚、离婚登记信息",
        "due_on": dt.date(2099, 12, 31),
    }
    data.update(overrides)
    return services.check_create_responsibility(
        actor=actor or city.actor(city.authority_admin),
        organisation=organisation or city.department,
        **data,
    )


def test_the_authority_records_a_duty_and_the_department_links_its_published_entry(city):
    row = responsibility(city)
    assert queries_lists.responsibility_row(row)["fulfilled"] is False
    marriage = published(city)
    services.check_link_responsibility(
        actor=city.actor(city.analyst), responsibility=row, resource=marriage
    )
    row.refresh_from_db()
    assert row.resource == marriage
    listed = queries_lists.responsibility_row(row)
    assert listed["fulfilled"] and listed["resource_code"] == marriage.code
    assert AuditEntry.objects.filter(action="catalog.responsibility.link").exists()


def test_only_the_authority_over_the_area_records_duties(city, county_manager):
    for actor in (city.actor(city.steward), city.actor(city.reviewer), county_manager):
        with pytest.raises(Forbidden):
            responsibility(city, actor=actor)
    responsibility(city, actor=county_manager, organisation=city.county_department)
    assert Responsibility.objects.count() == 1


def test_a_duty_needs_a_basis_and_a_date_not_past(city):
    with pytest.raises(Invalid):
        responsibility(city, basis="")
    with pytest.raises(Invalid):
        responsibility(city, due_on=dt.date(2020, 1, 1))
    assert not Responsibility.objects.exists()


def test_only_the_department_links_and_only_its_own_published_entry(city, transport):
    row = responsibility(city)
    roads = published(city, provider=city.other_department, compiler=transport)
    draft = compile_entry(city.actor(city.analyst), city.department, name="收养登记信息").resource
    for entry in (roads, draft):
        with pytest.raises(Invalid):
            services.check_link_responsibility(
                actor=city.actor(city.analyst), responsibility=row, resource=entry
            )
    with pytest.raises(Forbidden):
        services.check_link_responsibility(actor=transport, responsibility=row, resource=roads)
    assert Responsibility.objects.get(pk=row.pk).resource_id is None


def test_an_unfulfilled_duty_past_its_date_is_overdue(city):
    with freeze_time("2026-03-02 10:00:00+08:00"):
        row = responsibility(city, due_on=dt.date(2026, 3, 31))
    assert queries_lists.responsibility_row(row, today=dt.date(2026, 3, 31))["overdue"] is False
    assert queries_lists.responsibility_row(row, today=dt.date(2026, 4, 1))["overdue"] is True


# --- Publication --------------------------------------------------------------------------------------


def test_a_published_list_keeps_its_entries_when_the_list_later_changes(city):
    demand = file(city)
    publication = services.check_publish_list(actor=city.actor(city.authority_admin), kind="demand")
    assert publication.authority == city.authority
    assert [(e["id"], e["status"]) for e in publication.entries] == [(demand.pk, DemandStatus.OPEN)]
    assign(city, demand)
    file(city, title="道路运输许可信息")
    stored = ListPublication.objects.get(pk=publication.pk)
    assert [(e["id"], e["status"], e["responsible_id"]) for e in stored.entries] == [
        (demand.pk, DemandStatus.OPEN, None)
    ]
    later = services.check_publish_list(actor=city.actor(city.authority_admin), kind="demand")
    assert len(later.entries) == 2
    assert list(queries_lists.latest_publications("demand")) == [later]
    assert AuditEntry.objects.filter(action="catalog.list.publish").count() == 2


def test_a_county_publishes_the_lists_of_its_own_area(city, county_manager, county_clerk):
    file(city)
    county_demand = file(city, actor=county_clerk, requester=city.county_department)
    responsibility(city, actor=county_manager, organisation=city.county_department)
    demands = services.check_publish_list(actor=county_manager, kind="demand")
    duties = services.check_publish_list(actor=county_manager, kind="responsibility")
    assert [e["id"] for e in demands.entries] == [county_demand.pk]
    assert [e["organisation_id"] for e in duties.entries] == [city.county_department.pk]
    assert {p.authority_id for p in queries_lists.latest_publications("demand")} == {
        city.county_authority.pk
    }


@pytest.mark.parametrize("who", ["steward", "reviewer", "auditor"])
def test_only_the_authoritys_managers_publish(city, who):
    with pytest.raises(Forbidden):
        services.check_publish_list(actor=city.actor(getattr(city, who)), kind="responsibility")
    with pytest.raises(Forbidden):
        services.check_publish_list(
            actor=city.actor(getattr(city, who)), kind="demand", authority=city.authority
        )
    assert not ListPublication.objects.exists()


def test_a_county_manager_cannot_publish_the_citys_list(city, county_manager):
    with pytest.raises(Forbidden):
        services.check_publish_list(actor=county_manager, kind="demand", authority=city.authority)
    assert not ListPublication.objects.exists()
