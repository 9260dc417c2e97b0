"""Maintenance of published entries (CAT-4): tasks with working-day deadlines by trigger, closed
by a revision or a reasoned "no change", the yearly review, the overdue list by department."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from govdata.catalog import queries, services
from govdata.catalog.choices import MaintenanceStatus
from govdata.catalog.models import MaintenanceTask, Resource
from govdata.catalog.testing import compile_entry, publish
from govdata.core import workflow
from govdata.core.errors import Conflict, Forbidden, Invalid, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(city) -> Resource:
    compiler = city.actor(city.analyst)
    version = publish(
        compile_entry(compiler, city.department),
        compiler=compiler,
        reviewers=[city.actor(city.reviewer)],
    )
    return Resource.objects.get(pk=version.resource_id)


@freeze_time("2026-09-28 10:00:00+08:00")  # Monday before the National Day holidays
def test_deadlines_count_working_days_by_trigger(city, live, settings):
    authority = city.actor(city.authority_admin)
    law = services.check_raise_maintenance_task(
        actor=authority, resource=live, trigger="law_change", reason="条例修订"
    )
    situation = services.check_raise_maintenance_task(
        actor=authority, resource=live, trigger="situation_change", reason="机构调整"
    )
    # 10 working days from Monday 28 September skip the holidays of 1-8 October (make-up days count).
    assert situation.due_on == dt.date(2026, 9, 30)
    assert law.due_on > dt.date(2026, 10, 9)
    settings.DEADLINE_DAYS = {**settings.DEADLINE_DAYS, "catalog.update_law": 15}  # Enshi (E§11)
    ten_days = law.due_on
    services.do_cancel_maintenance_task(actor=authority, task=law, comment="重复")
    enshi = services.check_raise_maintenance_task(
        actor=authority, resource=live, trigger="law_change", reason="条例修订"
    )
    assert enshi.due_on > ten_days


def test_one_open_task_per_trigger_and_only_for_published_entries(city, live):
    steward = city.actor(city.steward)
    services.check_raise_maintenance_task(
        actor=steward, resource=live, trigger="law_change", reason="x"
    )
    with pytest.raises(Conflict):
        services.check_raise_maintenance_task(
            actor=steward, resource=live, trigger="law_change", reason="y"
        )
    draft = compile_entry(city.actor(city.analyst), city.department).resource
    with pytest.raises(Conflict):
        services.check_raise_maintenance_task(
            actor=steward, resource=draft, trigger="law_change", reason="z"
        )
    with pytest.raises(NotFound):
        services.check_raise_maintenance_task(
            actor=city.actor(city.outsider), resource=live, trigger="situation_change", reason="z"
        )
    with pytest.raises(Invalid):
        services.check_raise_maintenance_task(
            actor=steward, resource=live, trigger="whim", reason="z"
        )


def test_a_revision_submitted_for_the_task_closes_it(city, live):
    compiler = city.actor(city.analyst)
    task = services.check_raise_maintenance_task(
        actor=compiler, resource=live, trigger="situation_change", reason="地址变更"
    )
    revision = services.check_start_revision(
        actor=compiler, resource=live, reason="地址变更", maintenance_task=task
    )
    assert MaintenanceTask.objects.get(pk=task.pk).status == MaintenanceStatus.OPEN
    services.check_submit_version(actor=compiler, version=revision)
    task.refresh_from_db()
    assert task.status == MaintenanceStatus.DONE and task.due_on is None


def test_no_change_needs_a_reason_and_only_the_provider_says_it(city, live):
    task = services.check_raise_maintenance_task(
        actor=city.actor(city.authority_admin),
        resource=live,
        trigger="law_change",
        reason="新法施行",
    )
    with pytest.raises(Invalid):
        services.do_confirm_unchanged(actor=city.actor(city.analyst), task=task, comment="")
    with pytest.raises(Forbidden):
        services.do_confirm_unchanged(actor=city.actor(city.outsider), task=task, comment="不相关")
    with pytest.raises(Forbidden):
        services.do_cancel_maintenance_task(
            actor=city.actor(city.analyst), task=task, comment="不想做"
        )
    services.do_confirm_unchanged(
        actor=city.actor(city.analyst), task=task, comment="新法不涉及本资源"
    )
    task.refresh_from_db()
    assert task.status == MaintenanceStatus.DONE and task.answer == "新法不涉及本资源"


def test_the_yearly_review_is_raised_once_for_entries_reviewed_over_a_year_ago(city, live):
    assert services.raise_yearly_reviews() == 0
    next_year = dt.date.today() + dt.timedelta(days=370)
    assert services.raise_yearly_reviews(today=next_year) == 1
    assert services.raise_yearly_reviews(today=next_year) == 0  # not twice
    task = MaintenanceTask.objects.get(trigger="yearly_review")
    with freeze_time(next_year):
        services.do_confirm_unchanged(
            actor=city.actor(city.analyst), task=task, comment="复核无变化"
        )
    assert services.raise_yearly_reviews(today=next_year) == 0  # reviewed just now
    assert services.raise_yearly_reviews(today=next_year + dt.timedelta(days=370)) == 1


def test_overdue_tasks_are_listed_for_the_authority_by_department_and_lapse(city, live):
    with freeze_time("2026-11-02 10:00:00+08:00"):
        services.check_raise_maintenance_task(
            actor=city.actor(city.authority_admin),
            resource=live,
            trigger="situation_change",
            reason="x",
        )
    today = dt.date(2026, 11, 10)
    overdue = list(queries.overdue_maintenance(city.actor(city.authority_admin), today=today))
    assert [t.resource.provider.name for t in overdue] == ["示范市民政局"]
    assert list(queries.overdue_maintenance(city.actor(city.county_reviewer), today=today)) == []
    with freeze_time("2026-11-10 02:30:00+08:00"):
        assert workflow.sweep_lapsed() >= 1
    assert MaintenanceTask.objects.get().lapsed_at is not None
