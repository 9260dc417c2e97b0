"""Review up the levels (CAT-3) and versions (CAT-4): the right role at the right level in the
right order, on the current version only."""

from __future__ import annotations

import datetime as dt

import pytest

from govdata.catalog import queries, services
from govdata.catalog.choices import VersionStatus
from govdata.catalog.models import Resource, ResourceVersion
from govdata.catalog.testing import compile_entry, entry, publish
from govdata.core.errors import Conflict, Forbidden, Invalid, NotFound
from govdata.core.models import AuditEntry, TransitionRecord

pytestmark = pytest.mark.django_db


def test_a_city_department_entry_goes_to_city_review_and_is_published(city):
    steward = city.actor(city.analyst)
    version = compile_entry(steward, city.department)
    assert version.status == VersionStatus.DRAFT
    assert version.resource.code.startswith("990100-3-")
    services.check_submit_version(actor=steward, version=version)
    assert version.status == VersionStatus.CITY_REVIEW
    assert version.due_on is not None
    assert list(queries.review_queue(city.actor(city.reviewer))) == [version]
    services.do_approve_version(actor=city.actor(city.reviewer), version=version)
    resource = Resource.objects.get(pk=version.resource_id)
    assert resource.live_version_id == version.pk
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED and version.published_at
    assert list(queries.resource_catalog(city.actor(city.outsider))) == [resource]


def test_a_township_entry_passes_the_county_before_the_city(city, township):
    town, clerk = township
    compiler = city.actor(clerk)
    version = compile_entry(compiler, town)
    services.check_submit_version(actor=compiler, version=version)
    assert version.status == VersionStatus.COUNTY_REVIEW
    # The city reviewer may not skip the county; the county reviewer approves.
    with pytest.raises(Forbidden):
        services.do_approve_version(actor=city.actor(city.reviewer), version=version)
    assert list(queries.review_queue(city.actor(city.reviewer))) == []
    services.do_approve_version(actor=city.actor(city.county_reviewer), version=version)
    assert version.status == VersionStatus.CITY_REVIEW
    with pytest.raises(Forbidden):
        services.do_approve_version(actor=city.actor(city.county_reviewer), version=version)
    services.do_approve_version(actor=city.actor(city.reviewer), version=version)
    assert version.status == VersionStatus.PUBLISHED
    steps = list(
        TransitionRecord.objects.filter(
            workflow="catalog.review", object_id=version.pk
        ).values_list("transition", flat=True)
    )
    assert steps == ["submit_county", "approve_county", "publish"]
    assert AuditEntry.objects.filter(
        action="catalog.review.publish", object_id=str(version.pk)
    ).exists()


def test_the_wrong_role_cannot_submit_or_review(city):
    version = compile_entry(city.actor(city.analyst), city.department)
    with pytest.raises(NotFound):  # another department's draft: as if it did not exist
        services.check_submit_version(actor=city.actor(city.outsider), version=version)
    services.check_submit_version(actor=city.actor(city.analyst), version=version)
    for person in (city.analyst, city.steward, city.auditor, city.outsider):
        with pytest.raises(Forbidden):
            services.do_approve_version(actor=city.actor(person), version=version)
    assert ResourceVersion.objects.get(pk=version.pk).status == VersionStatus.CITY_REVIEW


def test_out_of_order_actions_are_refused_and_change_nothing(city):
    version = compile_entry(city.actor(city.analyst), city.department)
    with pytest.raises(Conflict):
        services.do_approve_version(actor=city.actor(city.reviewer), version=version)
    with pytest.raises(Conflict):
        services.do_reject_version(actor=city.actor(city.reviewer), version=version, comment="不全")
    assert ResourceVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT


def test_a_rejection_returns_the_entry_with_reasons(city):
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department)
    services.check_submit_version(actor=compiler, version=version)
    with pytest.raises(Invalid):
        services.do_reject_version(actor=city.actor(city.reviewer), version=version, comment=" ")
    services.do_reject_version(
        actor=city.actor(city.reviewer), version=version, comment="共享依据不充分"
    )
    assert version.status == VersionStatus.REJECTED
    assert list(queries.returned_versions(compiler)) == [version]
    record = TransitionRecord.objects.get(workflow="catalog.review", transition="reject")
    assert record.comment == "共享依据不充分"
    # The provider corrects and submits again.
    services.check_update_version(
        actor=compiler, version=version, edit_seq=version.edit_seq, entry=entry(summary="补充说明")
    )
    services.check_submit_version(actor=compiler, version=version)
    assert version.status == VersionStatus.CITY_REVIEW


def test_a_stale_actor_copy_cannot_act_twice(city):
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department)
    services.check_submit_version(actor=compiler, version=version)
    stale = ResourceVersion.objects.get(pk=version.pk)
    services.do_approve_version(actor=city.actor(city.reviewer), version=version)
    with pytest.raises(Conflict):
        services.do_reject_version(actor=city.actor(city.reviewer), version=stale, comment="晚了")
    assert ResourceVersion.objects.get(pk=version.pk).status == VersionStatus.PUBLISHED


def test_a_stale_edit_is_refused(city):
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department)
    seq = version.edit_seq
    services.check_update_version(
        actor=compiler, version=version, edit_seq=seq, entry=entry(name="甲")
    )
    with pytest.raises(Conflict) as error:
        services.check_update_version(
            actor=compiler, version=version, edit_seq=seq, entry=entry(name="乙")
        )
    assert error.value.code == "stale"
    assert ResourceVersion.objects.get(pk=version.pk).name == "甲"


def test_a_revision_keeps_the_published_version_live_until_approved(city):
    compiler = city.actor(city.analyst)
    reviewer = city.actor(city.reviewer)
    first = publish(
        compile_entry(compiler, city.department), compiler=compiler, reviewers=[reviewer]
    )
    resource = first.resource
    with pytest.raises(Invalid):
        services.check_start_revision(actor=compiler, resource=resource, reason="")
    revision = services.check_start_revision(
        actor=compiler, resource=resource, reason="增加离婚登记信息项"
    )
    assert revision.number == 2 and revision.status == VersionStatus.DRAFT
    with pytest.raises(Conflict):
        services.check_start_revision(actor=compiler, resource=resource, reason="again")
    services.check_update_version(
        actor=compiler,
        version=revision,
        edit_seq=revision.edit_seq,
        entry=entry(name="婚姻登记信息（含离婚）"),
    )
    services.check_submit_version(actor=compiler, version=revision)
    resource.refresh_from_db()
    assert resource.live_version_id == first.pk
    services.do_approve_version(actor=reviewer, version=revision)
    resource.refresh_from_db()
    first.refresh_from_db()
    assert resource.live_version_id == revision.pk
    assert first.status == VersionStatus.SUPERSEDED
    comparison = queries.compare_versions(first, ResourceVersion.objects.get(pk=revision.pk))
    assert [d.field for d in comparison.fields] == ["name"]
    assert comparison.fields[0].new == "婚姻登记信息（含离婚）"


def test_only_the_provider_compiles(city):
    with pytest.raises(NotFound):
        compile_entry(city.actor(city.outsider), city.department)
    assert not Resource.objects.exists()


def test_the_queue_is_ordered_by_deadline_and_each_level_has_its_own(city, township, settings):
    from freezegun import freeze_time

    town, clerk = township
    compiler = city.actor(city.analyst)
    later = compile_entry(compiler, city.department, name="后提交")
    earlier = compile_entry(compiler, city.department, name="先提交")
    settings.DEADLINE_DAYS = {**settings.DEADLINE_DAYS, "catalog.city_review": 3}
    with freeze_time("2026-11-02 10:00:00+08:00"):
        services.check_submit_version(actor=compiler, version=earlier)
    with freeze_time("2026-11-04 10:00:00+08:00"):
        services.check_submit_version(actor=compiler, version=later)
        town_version = compile_entry(city.actor(clerk), town, name="镇级条目")
        services.check_submit_version(actor=city.actor(clerk), version=town_version)
    assert earlier.due_on == dt.date(2026, 11, 5) and later.due_on == dt.date(2026, 11, 9)
    assert list(queries.review_queue(city.actor(city.reviewer))) == [earlier, later]
    assert list(queries.review_queue(city.actor(city.county_reviewer))) == [town_version]
