"""The demo catalog (`manage.py load_demo`): about eighty entries of the demo city across its
departments, compiled and reviewed by the demo people through the services (CAT-1..4), in every
state a reviewer or a provider meets; it obeys the entry rules, loads once only, and its audit
trail verifies."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from govdata.catalog import demo, queries, queries_lists, search
from govdata.catalog.choices import (
    DemandStatus,
    MaintenanceStatus,
    OpenType,
    ResourceClass,
    ShareType,
    SystemStatus,
    VersionStatus,
)
from govdata.catalog.entries import check_complete, clean_entry
from govdata.catalog.models import (
    Demand,
    InformationSystem,
    Library,
    MaintenanceTask,
    Resource,
    ResourceVersion,
    Responsibility,
)
from govdata.catalog.services import entry_of
from govdata.core import audit
from govdata.core.models import AuditEntry, TransitionRecord
from govdata.orgs import demo as org_demo
from govdata.orgs.actors import Actor
from govdata.orgs.choices import Role
from govdata.orgs.models import Organisation, Person

pytestmark = pytest.mark.django_db

BASE_LEADS = {
    "人口基础库": "示范市公安局",
    "法人单位基础库": "示范市市场监督管理局",
    "自然资源和空间地理基础库": "示范市自然资源和规划局",
    "电子证照基础库": "示范市政务服务管理局",
    "社会信用基础库": "示范市发展和改革委员会",
}


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def actor(username: str) -> Actor:
    return Actor.for_person(Person.objects.get(username=username))


def counts() -> tuple[int, ...]:
    return (
        Organisation.objects.count(),
        Library.objects.count(),
        Resource.objects.count(),
        ResourceVersion.objects.count(),
        MaintenanceTask.objects.count(),
        AuditEntry.objects.count(),
    )


def item_rows(version: ResourceVersion) -> list[dict]:
    return list(
        version.items.order_by("position").values(
            "name",
            "label",
            "item_type",
            "length",
            "is_key",
            "is_required",
            "is_personal",
            "security_level",
            "description",
        )
    )


def current_status(resource: Resource) -> str:
    return resource.versions.order_by("-number").values_list("status", flat=True)[0]


def test_the_catalog_loads_with_the_demo_city_and_the_command_says_how_many():
    out = load()
    total = Resource.objects.count()
    assert total == len(demo.entry_specs())
    assert 70 <= total <= 90
    published = Resource.objects.filter(live_version__isnull=False).count()
    assert f"{total} catalog entries ({published} published)" in out
    assert "54 organisations" in out  # the organisations came first, in the same load
    # Every entry has a provider of the demo city and items where its data are structured.
    assert not Resource.objects.exclude(provider__division_code__startswith="9901").exists()


def test_the_five_base_databases_are_compiled_by_their_lead_departments():
    load()
    base = {lib.name: lib for lib in Library.objects.filter(resource_class=ResourceClass.BASE)}
    assert {name: lib.lead_department.name for name, lib in base.items()} == BASE_LEADS
    for lib in base.values():
        resources = list(lib.resources.all())
        assert resources, lib.name
        assert {r.provider_id for r in resources} == {lib.lead_department_id}, lib.name
        assert {r.resource_class for r in resources} == {ResourceClass.BASE}
        assert all(r.code.split("-")[1] == "1" for r in resources)  # the class digit of base
    themes = Library.objects.filter(resource_class=ResourceClass.THEME)
    assert themes.count() >= 4
    for lib in themes:
        assert set(lib.resources.values_list("provider_id", flat=True)) == {lib.lead_department_id}
    assert Resource.objects.filter(resource_class=ResourceClass.DEPARTMENT, library=None).exists()
    created = AuditEntry.objects.filter(action="catalog.library.create")
    assert created.count() == Library.objects.count()
    assert {e.actor_label for e in created} == {"周敏 (dsj_exec)"}  # the city authority


def test_entries_are_compiled_by_the_providers_people_and_reviewed_by_the_reviewers():
    load()
    for entry in AuditEntry.objects.filter(action="catalog.resource.create"):
        resource = Resource.objects.get(pk=entry.object_id)
        person = Person.objects.get(pk=entry.actor_id)
        compiling = Actor.for_person(person)
        # Its own staff where it has any; the platform admin for the departments the demo city
        # gives no people to.
        assert queries.can_compile(compiling, resource.provider), resource.code
        if resource.provider.roles.exists():
            assert compiling.has_role(Role.DATA_STAFF, resource.provider), resource.code
    assert AuditEntry.objects.filter(
        action="catalog.resource.create", actor_label="李娜 (mzj_staff)"
    ).exists()
    publishers = set(
        TransitionRecord.objects.filter(
            workflow="catalog.review", transition="publish"
        ).values_list("actor_label", flat=True)
    )
    assert publishers == {"赵磊 (dsj_reviewer)", "孙静 (dsj_reviewer2)"}
    county = set(
        TransitionRecord.objects.filter(
            workflow="catalog.review", transition="approve_county"
        ).values_list("actor_label", flat=True)
    )
    assert county == {"许娜 (dx_reviewer)"}


def test_the_entries_are_in_mixed_states_and_the_reviewers_have_work_with_deadlines():
    load()
    states = Counter(current_status(r) for r in Resource.objects.all())
    assert states[VersionStatus.PUBLISHED] > len(demo.entry_specs()) / 2
    for status in (
        VersionStatus.COUNTY_REVIEW,
        VersionStatus.CITY_REVIEW,
        VersionStatus.REJECTED,
        VersionStatus.DRAFT,
    ):
        assert states[status] >= 1, status
    assert states[VersionStatus.REJECTED] == 2

    city_queue = list(queries.review_queue(actor("dsj_reviewer")))
    assert len(city_queue) >= 5
    assert all(v.due_on is not None and v.status == VersionStatus.CITY_REVIEW for v in city_queue)
    # A township entry passed its county before it reached the city (CAT-3, B§10).
    township = next(v for v in city_queue if v.resource.provider.name == "河口镇人民政府")
    assert list(
        TransitionRecord.objects.filter(workflow="catalog.review", object_id=township.pk)
        .order_by("pk")
        .values_list("transition", flat=True)
    ) == ["submit_county", "approve_county"]
    for reviewer, provider in (("dx_reviewer", "东县民政局"), ("zq_reviewer", "中区教育局")):
        queue = list(queries.review_queue(actor(reviewer)))
        assert queue and all(v.status == VersionStatus.COUNTY_REVIEW for v in queue)
        assert provider in {v.resource.provider.name for v in queue}
        assert queue[0].due_on is not None

    # Returned versions carry the reviewer's reasons and wait with their providers.
    for version in ResourceVersion.objects.filter(status=VersionStatus.REJECTED):
        record = TransitionRecord.objects.get(
            workflow="catalog.review", object_id=version.pk, transition="reject"
        )
        assert record.comment.strip()
    assert list(queries.returned_versions(actor("wjw_staff")))
    assert list(queries.returned_versions(actor("dx_mzj_staff")))


def test_a_revision_in_review_leaves_the_live_version_published():
    load()
    revised = [
        r
        for r in Resource.objects.filter(live_version__isnull=False)
        if r.versions.filter(
            status__in=[VersionStatus.COUNTY_REVIEW, VersionStatus.CITY_REVIEW]
        ).exists()
    ]
    assert len(revised) >= 2
    population = next(r for r in revised if r.live_version.name == "人口基础信息")
    assert population.live_version.status == VersionStatus.PUBLISHED
    assert population.live_version.number == 1
    revision = population.versions.get(number=2)
    assert revision.status == VersionStatus.CITY_REVIEW and revision.change_reason
    changes = queries.compare_versions(population.live_version, revision)
    assert changes.items_added == ["fwcs"]
    # The relation to an entry compiled later is made in the revision (codes are generated).
    assert revision.related_codes and not population.live_version.related_codes
    assert Resource.objects.get(code=revision.related_codes[0]).live_version is not None


def test_share_and_open_types_each_appear_and_public_data_is_open():
    load()
    live = [r.live_version for r in Resource.objects.filter(live_version__isnull=False)]
    assert {v.share_type for v in live} == set(ShareType.values)
    assert {v.open_type for v in live} == set(OpenType.values)
    open_names = {r.live_version.name for r in queries.open_catalog()}
    for name in (
        "公交线路信息",
        "环境空气质量实时监测数据",
        "中小学校名录",
        "医疗机构执业登记信息",
    ):
        assert name in open_names, name
        resource = queries.open_catalog().get(live_version__name=name)
        assert resource.live_version.open_type == OpenType.UNCONDITIONAL
    # Personal data is never open without conditions; data not shared names its legal basis.
    for version in live:
        personal = version.items.filter(is_personal=True).exists()
        if personal:
            assert version.open_type != OpenType.UNCONDITIONAL, version.name
        if version.share_type == ShareType.NONE:
            assert version.share_basis and version.open_basis, version.name
    assert queries.non_share_list().count() >= 2


def test_every_published_entry_passes_the_entry_rules_again():
    load()
    for resource in Resource.objects.filter(live_version__isnull=False).select_related(
        "provider", "live_version"
    ):
        version = resource.live_version
        items = item_rows(version)
        entry, cleaned = clean_entry(
            entry_of(version), items, provider=resource.provider, resource=resource
        )
        check_complete(entry, cleaned)
        assert entry["security_level"] >= max((i["security_level"] for i in items), default=1)


def test_related_entries_point_at_existing_entries():
    load()
    theme = Resource.objects.get(live_version__name="参保人员社会保障综合信息")
    related = Resource.objects.filter(code__in=theme.live_version.related_codes)
    assert {r.live_version.name for r in related} == {"人口基础信息", "死亡人口户籍注销信息"}
    assert {r.resource_class for r in related} == {ResourceClass.BASE}


def test_open_maintenance_tasks_have_deadlines_and_one_has_its_revision_started():
    load()
    tasks = list(MaintenanceTask.objects.filter(status=MaintenanceStatus.OPEN))
    assert len(tasks) == 2
    assert all(t.due_on is not None for t in tasks)
    with_revision = [t for t in tasks if t.revisions.exists()]
    assert len(with_revision) == 1
    assert with_revision[0].revisions.get().status == VersionStatus.DRAFT
    assert with_revision[0].resource.live_version.status == VersionStatus.PUBLISHED
    # Nothing is overdue right after loading: every deadline started today.
    assert not queries.overdue_maintenance(actor("dsj_exec")).exists()


def test_systems_demands_and_responsibilities_show_each_list_at_work():
    load()
    population = InformationSystem.objects.get(name="人口信息管理系统")
    sourced = Resource.objects.filter(live_version__source_system=population)
    assert sourced.count() == 4
    assert population.status == SystemStatus.IN_USE  # ran before the platform: no acceptance
    planned = InformationSystem.objects.get(name="智慧公交调度系统")
    assert planned.status == SystemStatus.PLANNED and queries_lists.acceptance_problems(planned)
    demands = {d.title: d for d in Demand.objects.all()}
    assert demands["死亡人口信息"].status == DemandStatus.OPEN
    assigned = demands["不动产登记信息"]
    assert assigned.status == DemandStatus.ASSIGNED and assigned.due_on is not None
    assert assigned.responsible.name == "示范市自然资源和规划局"
    linked = Responsibility.objects.filter(resource__isnull=False)
    assert {r.title for r in linked} == {"人口基础信息", "婚姻登记信息"}
    assert Responsibility.objects.filter(resource__isnull=True).count() == 1


def test_the_published_demo_catalog_is_searchable():
    load()
    air = Resource.objects.get(live_version__name="环境空气质量实时监测数据")
    hits = search.search("空气质量", scope="open").hits
    assert hits and hits[0].resource_id == air.pk
    drafts = Resource.objects.filter(live_version__isnull=True)
    found = {h.resource_id for h in search.search("", scope="resource", limit=200).hits}
    assert found and not found & set(drafts.values_list("pk", flat=True))


def test_loading_twice_is_refused_and_changes_nothing():
    load()
    before = counts()
    with pytest.raises(CommandError, match="exist already"):
        load()
    assert "already loaded" in load("--if-empty")
    with pytest.raises(demo.CatalogNotEmpty):
        demo.load()
    assert counts() == before


def test_the_catalog_needs_the_demo_city_and_writes_nothing_without_it(city):
    before = counts()
    with pytest.raises(org_demo.DemoError, match="organisations"):
        demo.load()
    assert counts() == before


def test_the_audit_chain_verifies_after_loading():
    load()
    result = audit.verify()
    assert result.ok, result.first_break
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions["catalog.resource.create"] == len(demo.entry_specs())
    assert actions["catalog.library.create"] == len(demo.LIBRARIES)
    assert (
        actions["catalog.review.publish"]
        == Resource.objects.filter(live_version__isnull=False).count()
    )
    assert actions["catalog.maintenance.raise"] == len(demo.TASKS)
    assert result.entries == AuditEntry.objects.count()


def _snapshot() -> list[tuple]:
    return list(
        ResourceVersion.objects.order_by("pk").values_list(
            "pk", "resource__code", "number", "name", "status", "security_level", "related_codes"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_loading_is_deterministic():
    """Two loads into a fresh database give the same entries, codes, versions and states."""
    call_command("flush", interactive=False, verbosity=0)
    load()
    first = _snapshot()
    call_command("flush", interactive=False, verbosity=0)
    load()
    assert _snapshot() == first
    assert len({row[1] for row in first}) == len(demo.entry_specs())
