"""Departments' information systems (CAT-7, B§8, G§17): registry, readiness for acceptance,
upgrades that raise maintenance tasks (CAT-4, A§12), and the stop filed beforehand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from govdata.catalog import queries_lists
from govdata.catalog.choices import MaintenanceTrigger, SystemStatus
from govdata.catalog.models import InformationSystem, MaintenanceTask
from govdata.catalog.services import systems as services
from govdata.catalog.testing import compile_entry, publish
from govdata.core.actors import ActorRef
from govdata.core.errors import Conflict, Forbidden, Invalid
from govdata.core.models import AuditEntry
from govdata.orgs.choices import Role
from govdata.orgs.testing import make_person

pytestmark = pytest.mark.django_db


def register(city, actor=None, organisation=None, **overrides) -> InformationSystem:
    data = {"name": "婚姻登记管理系统", "description": "全市婚姻登记业务办理"}
    data.update(overrides)
    return services.check_register_system(
        actor=actor or city.actor(city.analyst),
        organisation=organisation or city.department,
        **data,
    )


def source_entry(city, system, **fields):
    """Publish an entry of the department that names ``system`` as its source."""
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department, source_system_id=system.pk, **fields)
    return publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)]).resource


def connect(system) -> None:
    """The data plane records the system's first delivery through a channel (CAT-7)."""
    services.record_connection(system, actor=ActorRef.platform("test"), channel="push")


def stored(system) -> InformationSystem:
    return InformationSystem.objects.get(pk=system.pk)


@pytest.fixture
def county_manager(city):
    person = make_person(
        city.actor(city.admin), city.county_authority, "county_exec", [Role.DATA_EXECUTIVE]
    )
    return city.actor(person)


# --- Registry -----------------------------------------------------------------------------------------


def test_a_department_registers_its_system_and_sees_it(city):
    system = register(city)
    assert system.status == SystemStatus.PLANNED and system.organisation == city.department
    assert list(queries_lists.systems_visible_to(city.actor(city.steward))) == [system]
    assert list(queries_lists.systems_visible_to(city.actor(city.authority_admin))) == [system]
    assert list(queries_lists.systems_visible_to(city.actor(city.outsider))) == []
    assert AuditEntry.objects.filter(
        action="catalog.system.register", object_id=str(system.pk)
    ).exists()


def test_a_system_that_ran_before_the_platform_is_registered_in_use_but_never_stopped(city):
    assert register(city, status=SystemStatus.IN_USE).status == SystemStatus.IN_USE
    with pytest.raises(Invalid):
        register(city, name="另一个系统", status=SystemStatus.STOPPED)


@pytest.mark.parametrize("who", ["outsider", "auditor", "reviewer", "authority_admin"])
def test_only_the_departments_own_staff_register_its_systems(city, who):
    with pytest.raises(Forbidden):
        register(city, actor=city.actor(getattr(city, who)))
    assert not InformationSystem.objects.exists()


def test_a_public_user_cannot_register_a_system(city, citizen):
    with pytest.raises(Forbidden):
        register(city, actor=city.actor(citizen))


def test_names_are_unique_within_the_department(city):
    register(city)
    with pytest.raises(Conflict):
        register(city, actor=city.actor(city.steward))
    other = register(city, name="收养登记系统")
    with pytest.raises(Conflict):
        services.check_update_system(
            actor=city.actor(city.analyst), system=other, name="婚姻登记管理系统"
        )
    assert InformationSystem.objects.count() == 2


# --- Acceptance ---------------------------------------------------------------------------------------


def test_a_system_without_a_published_entry_is_not_ready_for_acceptance(city):
    system = register(city)
    draft = compile_entry(city.actor(city.analyst), city.department, source_system_id=system.pk)
    assert draft.source_system == system
    with pytest.raises(Conflict) as error:
        services.check_accept_system(actor=city.actor(city.authority_admin), system=system)
    assert error.value.code == "not_ready" and "resources" in error.value.fields
    assert stored(system).status == SystemStatus.PLANNED and stored(system).accepted_at is None


def test_with_a_published_entry_the_authority_accepts_and_the_system_is_in_use(city):
    system = register(city)
    entry = source_entry(city, system)
    assert set(queries_lists.acceptance_problems(system)) == {"connection"}
    connect(system)
    assert queries_lists.acceptance_problems(system) == {}
    services.check_accept_system(actor=city.actor(city.authority_admin), system=system)
    assert stored(system).status == SystemStatus.IN_USE and stored(system).accepted_at
    audit = AuditEntry.objects.get(action="catalog.system.accept")
    assert audit.details["entries"] == [entry.code]


def test_the_department_a_reviewer_or_another_county_cannot_accept(city, county_manager):
    system = register(city)
    source_entry(city, system)
    for actor in (
        city.actor(city.steward),
        city.actor(city.reviewer),
        city.actor(city.county_reviewer),
        county_manager,
    ):
        with pytest.raises(Forbidden):
            services.check_accept_system(actor=actor, system=system)
    assert stored(system).status == SystemStatus.PLANNED


def test_acceptance_requires_the_connection_where_the_setting_asks_for_it(city, settings):
    system = register(city)
    source_entry(city, system)
    settings.CATALOG_ACCEPTANCE_NEEDS_CONNECTION = True
    with pytest.raises(Conflict) as error:
        services.check_accept_system(actor=city.actor(city.authority_admin), system=system)
    assert set(error.value.fields) == {"connection"}
    # The data plane records the connection.
    InformationSystem.objects.filter(pk=system.pk).update(connected_at=timezone.now())
    system.refresh_from_db()
    services.check_accept_system(actor=city.actor(city.authority_admin), system=system)
    assert stored(system).status == SystemStatus.IN_USE


def test_without_the_setting_the_connection_is_required_when_the_data_plane_connects(
    city, settings, monkeypatch
):
    from django.apps import apps

    settings.CATALOG_ACCEPTANCE_NEEDS_CONNECTION = None
    assert queries_lists.acceptance_needs_connection() is True  # the data plane is installed
    system = register(city)
    source_entry(city, system)
    assert set(queries_lists.acceptance_problems(system)) == {"connection"}
    monkeypatch.setattr(apps.get_app_config("dataplane"), "connects_systems", False)
    assert queries_lists.acceptance_problems(system) == {}  # a deployment without channels
    monkeypatch.setattr(apps.get_app_config("dataplane"), "connects_systems", True)
    settings.CATALOG_ACCEPTANCE_NEEDS_CONNECTION = False  # a deployment may still waive it
    assert queries_lists.acceptance_problems(system) == {}


def test_the_first_delivery_connects_a_system_once_and_is_audited(city):
    system = register(city)
    assert services.record_connection(system, actor=ActorRef.platform("t"), channel="pull")
    first = stored(system).connected_at
    assert first is not None
    assert not services.record_connection(system, actor=ActorRef.platform("t"), channel="pull")
    assert stored(system).connected_at == first
    assert AuditEntry.objects.filter(action="catalog.system.connect").count() == 1


def test_a_system_in_use_is_not_accepted_again(city):
    system = register(city, status=SystemStatus.IN_USE)
    source_entry(city, system)
    with pytest.raises(Conflict):
        services.check_accept_system(actor=city.actor(city.authority_admin), system=system)


# --- Upgrades -----------------------------------------------------------------------------------------


def test_an_upgrade_raises_maintenance_tasks_for_the_entries_it_sources_and_needs_acceptance(city):
    system = register(city)
    first = source_entry(city, system)
    second = source_entry(city, system, name="离婚登记信息")
    compile_entry(city.actor(city.analyst), city.department, source_system_id=system.pk)  # draft
    connect(system)
    services.check_accept_system(actor=city.actor(city.authority_admin), system=system)
    services.check_upgrade_system(
        actor=city.actor(city.steward), system=system, reason="升级为全省统一婚姻登记系统"
    )
    assert stored(system).status == SystemStatus.UPGRADING
    tasks = MaintenanceTask.objects.filter(trigger=MaintenanceTrigger.SYSTEM_UPGRADE)
    assert {t.resource_id for t in tasks} == {first.pk, second.pk}
    assert all(t.due_on is not None and "升级为全省统一" in t.reason for t in tasks)
    services.check_accept_system(actor=city.actor(city.authority_admin), system=system)
    assert stored(system).status == SystemStatus.IN_USE


def test_only_a_system_in_use_is_upgraded_and_only_by_its_department(city):
    system = register(city)
    with pytest.raises(Conflict):
        services.check_upgrade_system(actor=city.actor(city.steward), system=system, reason="升级")
    in_use = register(city, name="收养登记系统", status=SystemStatus.IN_USE)
    with pytest.raises(Forbidden):
        services.check_upgrade_system(actor=city.actor(city.outsider), system=in_use, reason="x")
    with pytest.raises(Invalid):
        services.check_upgrade_system(actor=city.actor(city.steward), system=in_use, reason=" ")
    assert stored(in_use).status == SystemStatus.IN_USE
    assert not MaintenanceTask.objects.exists()


# --- Stopping -----------------------------------------------------------------------------------------


def connected(city, **overrides) -> InformationSystem:
    system = register(city, status=SystemStatus.IN_USE, **overrides)
    InformationSystem.objects.filter(pk=system.pk).update(connected_at=timezone.now())
    system.refresh_from_db()
    return system


def test_an_unconnected_system_stops_at_once(city):
    system = register(city, status=SystemStatus.IN_USE)
    services.check_stop_system(actor=city.actor(city.steward), system=system)
    assert stored(system).status == SystemStatus.STOPPED


def test_a_connected_system_cannot_stop_before_its_stop_is_filed(city):
    system = connected(city)
    with pytest.raises(Conflict) as error:
        services.check_stop_system(actor=city.actor(city.steward), system=system)
    assert error.value.code == "stop_not_filed"
    assert stored(system).status == SystemStatus.IN_USE


def test_the_stop_is_filed_a_working_day_ahead_and_the_system_stops_on_that_day(city):
    steward = city.actor(city.steward)
    with freeze_time("2026-09-30 10:00:00+08:00"):  # Wednesday; 1-7 Oct are off
        system = connected(city)
        for day in (dt.date(2026, 9, 30), dt.date(2026, 10, 1), dt.date(2026, 10, 7)):
            with pytest.raises(Invalid) as error:
                services.check_file_system_stop(
                    actor=steward, system=system, planned_on=day, reason="并入省级系统"
                )
            assert "2026-10-08" in error.value.fields["planned_on"]
        assert services.earliest_stop_date() == dt.date(2026, 10, 8)
        services.check_file_system_stop(
            actor=steward, system=system, planned_on=dt.date(2026, 10, 8), reason="并入省级系统"
        )
        assert stored(system).stop_filed_at is not None
        with pytest.raises(Conflict) as error:
            services.check_stop_system(actor=steward, system=system)
        assert error.value.code == "before_planned_date"
    with freeze_time("2026-10-08 09:00:00+08:00"):
        services.check_stop_system(actor=steward, system=system, comment="按备案日期停用")
    assert stored(system).status == SystemStatus.STOPPED
    filed = AuditEntry.objects.get(action="catalog.system.file_stop")
    assert filed.details["planned_on"] == "2026-10-08"
    assert list(
        queries_lists.systems_visible_to(city.actor(city.authority_admin)).filter(
            stop_filed_at__isnull=False
        )
    ) == [stored(system)]


def test_only_the_department_files_or_stops_and_a_stopped_system_stays_stopped(city):
    system = register(city, status=SystemStatus.IN_USE)
    far = dt.date(2099, 1, 5)
    for person in (city.outsider, city.authority_admin):
        with pytest.raises(Forbidden):
            services.check_file_system_stop(
                actor=city.actor(person), system=system, planned_on=far, reason="停用"
            )
        with pytest.raises(Forbidden):
            services.check_stop_system(actor=city.actor(person), system=system)
    services.check_stop_system(actor=city.actor(city.steward), system=system)
    with pytest.raises(Conflict):
        services.check_stop_system(actor=city.actor(city.steward), system=system)
    with pytest.raises(Conflict):
        services.check_update_system(actor=city.actor(city.steward), system=system, name="新名")
    with pytest.raises(Conflict):
        services.check_file_system_stop(
            actor=city.actor(city.steward), system=system, planned_on=far, reason="停用"
        )


def test_two_people_acting_on_the_same_system_the_second_gets_a_conflict(city):
    system = register(city, status=SystemStatus.IN_USE)
    as_read_by_other = InformationSystem.objects.get(pk=system.pk)
    services.check_stop_system(actor=city.actor(city.steward), system=system)
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict) as error:
        services.check_upgrade_system(
            actor=city.actor(city.analyst), system=as_read_by_other, reason="升级"
        )
    assert error.value.code == "stale"
    assert stored(system).status == SystemStatus.STOPPED
    assert AuditEntry.objects.count() == before
