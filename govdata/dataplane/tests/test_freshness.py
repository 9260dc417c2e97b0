"""Updates on the update cycle (AGG-5, CAT-5): the allowance of each cycle, the resources whose
data is past it, the providers' update tasks (raised once), and the data plane's facts behind
the catalog's zombie rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from freezegun import freeze_time

from govdata.catalog import services, zombies
from govdata.catalog.choices import MaintenanceStatus, UpdateCycle, ZombieRule
from govdata.catalog.models import MaintenanceTask, Resource, ZombieFlag
from govdata.catalog.services.zombies import sweep_zombies
from govdata.catalog.testing import compile_entry, entry, items, publish
from govdata.core.identifiers import ric_with_check
from govdata.core.models import AuditEntry
from govdata.dataplane import freshness, jobs, storage
from govdata.dataplane.models import Batch, BatchChannel, BatchKind, BatchStatus

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in the city
PUBLISHED = dt.datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def published(city, when: dt.datetime = PUBLISHED, **fields: Any) -> Resource:
    compiler = city.actor(city.analyst)
    with freeze_time(when):
        version = compile_entry(compiler, city.department, **fields)
        publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)])
    return Resource.objects.get(pk=version.resource_id)


def revised(city, resource: Resource, when: dt.datetime, **fields: Any) -> Resource:
    compiler = city.actor(city.analyst)
    with freeze_time(when):
        revision = services.check_start_revision(actor=compiler, resource=resource, reason="调整")
        services.check_update_version(
            actor=compiler,
            version=revision,
            edit_seq=revision.edit_seq,
            entry=entry(**fields),
            items=items(),
        )
        publish(revision, compiler=compiler, reviewers=[city.actor(city.reviewer)])
    return Resource.objects.get(pk=resource.pk)


def loaded(city, resource: Resource, when: dt.datetime) -> None:
    with freeze_time(when):
        storage.load_full(
            resource,
            [{"gmsfhm": ric_with_check("11010519900101001"), "xm": "张三"}],
            actor=city.actor(city.analyst),
        )


@pytest.fixture
def city_resources(city) -> dict[str, Resource]:
    """Published on 5 January; NOW is 10 March."""
    made = {
        "daily_fresh": published(city),
        "daily_stale": published(city),
        "monthly_never": published(city, update_cycle="monthly"),
        "weekly_new": published(city, ago(3), update_cycle="weekly"),
        "irregular": published(city, update_cycle="irregular"),
        "document": published(city, data_form="document", data_format="PDF", update_cycle="daily"),
        "yearly_loaded": published(city, update_cycle="yearly"),
    }
    loaded(city, made["daily_fresh"], ago(1))
    loaded(city, made["daily_stale"], ago(30))
    loaded(city, made["daily_stale"], ago(3))
    loaded(city, made["yearly_loaded"], ago(60))
    return made


@pytest.fixture(autouse=True)
def _no_sources():
    """Each test plugs in exactly the fact sources it means."""
    with zombies.using_fact_sources():
        yield


# --- The allowance --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cycle", "days"),
    [
        (UpdateCycle.REALTIME, 1),
        (UpdateCycle.DAILY, 2),
        (UpdateCycle.WEEKLY, 8),
        (UpdateCycle.MONTHLY, 32),
        (UpdateCycle.QUARTERLY, 93),
        (UpdateCycle.HALF_YEARLY, 184),
        (UpdateCycle.YEARLY, 366),
    ],
)
def test_each_cycle_allows_its_days(cycle, days):
    assert freshness.cycle_allowance(cycle) == dt.timedelta(days=days)


@pytest.mark.parametrize("cycle", [UpdateCycle.IRREGULAR, "on_demand", ""])
def test_an_irregular_cycle_is_never_overdue(cycle):
    assert freshness.cycle_allowance(cycle) is None


# --- Overdue resources ----------------------------------------------------------------------------


def test_overdue_resources_are_those_past_their_cycle(city_resources):
    r = city_resources
    overdue = freshness.overdue_resources(NOW)
    assert [o.resource.pk for o in overdue] == [r["monthly_never"].pk, r["daily_stale"].pk]
    stale = overdue[1]
    assert stale.last_load_at == ago(3)
    assert stale.age == dt.timedelta(days=3)
    assert stale.allowance == dt.timedelta(days=2)
    assert stale.overdue_by == dt.timedelta(days=1)
    never = overdue[0]
    assert never.last_load_at is None
    assert never.since == PUBLISHED  # no data: missing since the entry was published
    assert never.age == NOW - PUBLISHED and never.allowance == dt.timedelta(days=32)


def test_a_resource_becomes_overdue_when_its_allowance_runs_out(city):
    resource = published(city)
    loaded(city, resource, ago(2))
    assert freshness.overdue_resources(NOW) == []
    later = freshness.overdue_resources(NOW + dt.timedelta(minutes=1))
    assert [o.resource.pk for o in later] == [resource.pk]


def test_only_committed_batches_count_as_loads(city):
    resource = published(city)
    loaded(city, resource, ago(10))
    for number, status in ((2, BatchStatus.FAILED), (3, BatchStatus.RUNNING)):
        Batch.objects.create(
            resource=resource,
            number=number,
            kind=BatchKind.FULL,
            channel=BatchChannel.UPLOAD,
            status=status,
            started_at=ago(1),
            finished_at=ago(1),
        )
    overdue = freshness.overdue_resources(NOW)
    assert [o.last_load_at for o in overdue] == [ago(10)]


def test_a_revision_that_shortens_the_cycle_is_given_one_allowance(city):
    resource = published(city, update_cycle="weekly")
    loaded(city, resource, ago(5))
    assert freshness.overdue_resources(NOW) == []
    resource = revised(city, resource, ago(1), update_cycle="daily")
    assert freshness.overdue_resources(NOW) == []
    assert [o.resource.pk for o in freshness.overdue_resources(NOW + dt.timedelta(days=2))] == [
        resource.pk
    ]


def test_the_overdue_list_is_one_query(city_resources, django_assert_num_queries):
    with django_assert_num_queries(1):
        overdue = freshness.overdue_resources(NOW)
        assert [o.resource.provider.name for o in overdue] == ["示范市民政局"] * 2


# --- Update tasks ---------------------------------------------------------------------------------


def open_tasks() -> list[MaintenanceTask]:
    return list(
        MaintenanceTask.objects.filter(
            trigger=freshness.OVERDUE_TRIGGER, status=MaintenanceStatus.OPEN
        ).order_by("resource_id")
    )


def test_providers_get_a_task_for_each_overdue_resource_once(city_resources):
    r = city_resources
    with freeze_time(NOW):
        assert freshness.raise_update_tasks() == 2
        assert freshness.raise_update_tasks() == 0  # idempotent
    tasks = open_tasks()
    assert [t.resource_id for t in tasks] == sorted([r["daily_stale"].pk, r["monthly_never"].pk])
    stale = next(t for t in tasks if t.resource_id == r["daily_stale"].pk)
    assert "2026-03-07" in stale.reason and "2" in stale.reason
    assert stale.due_on is not None and stale.due_on > NOW.date()
    assert stale.raised_by == freshness.SWEEP_ACTOR
    never = next(t for t in tasks if t.resource_id == r["monthly_never"].pk)
    assert "2026-01-05" in never.reason
    raised = AuditEntry.objects.filter(action="catalog.maintenance.raise")
    assert raised.count() == 2
    assert {e.actor_id for e in raised} == {freshness.SWEEP_ACTOR}


def test_a_fresh_load_raises_no_task_and_a_closed_task_is_raised_again(city_resources, city):
    r = city_resources
    with freeze_time(NOW):
        freshness.raise_update_tasks()
    loaded(city, r["daily_stale"], NOW)
    task = next(t for t in open_tasks() if t.resource_id == r["monthly_never"].pk)
    with freeze_time(NOW):
        services.do_confirm_unchanged(
            actor=city.actor(city.analyst), task=task, comment="数据暂无变化"
        )
    with freeze_time(NOW + dt.timedelta(hours=1)):
        # The monthly one is still without data: a new task; the stale one keeps its own.
        assert freshness.raise_update_tasks() == 1
    assert len(open_tasks()) == 2


def test_the_nightly_job_raises_the_tasks(city_resources):
    with freeze_time(NOW):
        assert jobs.raise_overdue_update_tasks.call_local() == 2
        assert jobs.raise_overdue_update_tasks.call_local() == 0


# --- Facts for the zombie rules -------------------------------------------------------------------


def test_the_fact_source_tells_the_last_load_of_the_entries_it_gathers(city_resources):
    r = city_resources
    ids = [x.pk for x in r.values()]
    facts = freshness.FACTS.last_load_at(ids)
    assert facts[r["daily_stale"].pk] == ago(3)
    assert facts[r["monthly_never"].pk] is None  # known: no data
    assert r["document"].pk not in facts  # not the data plane's to know
    assert freshness.FACTS.last_use_at(ids) is None  # use is sharing's fact
    assert freshness.has_data(ids)[r["daily_fresh"].pk] is True
    assert freshness.has_data(ids)[r["monthly_never"].pk] is False


def test_register_plugs_the_facts_in_once(city_resources):
    freshness.register()
    freshness.register()
    assert zombies.fact_sources() == [freshness.FACTS]


def test_the_zombie_rules_judge_from_the_data_age(city_resources, city):
    r = city_resources
    freshness.register()
    sweep_zombies(now=NOW)
    flags = {(f.resource_id, f.rule) for f in ZombieFlag.objects.filter(cleared_at=None)}
    # The irregular entry has had no data for two months only (it is given the idle months);
    # the document entry's data never comes through the data plane: not judged.
    assert flags == {
        (r["monthly_never"].pk, ZombieRule.NO_DATA),
        (r["daily_stale"].pk, ZombieRule.STALE_DATA),
    }
    loaded(city, r["daily_stale"], NOW)
    sweep_zombies(now=NOW + dt.timedelta(hours=1))
    flags = {(f.resource_id, f.rule) for f in ZombieFlag.objects.filter(cleared_at=None)}
    assert flags == {(r["monthly_never"].pk, ZombieRule.NO_DATA)}
