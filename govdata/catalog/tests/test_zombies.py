"""Zombie entries (CAT-5, B§35): the rules flag published entries with no data, data older than
the update cycle, or no use for N months — from facts that later apps supply through a fact
source — and the sweep keeps the flags current. Unknown facts flag nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from govdata.catalog import jobs, zombies
from govdata.catalog.choices import ZombieRule
from govdata.catalog.models import ZombieFlag
from govdata.catalog.services.zombies import sweep_zombies
from govdata.catalog.testing import compile_entry, publish
from govdata.core.models import AuditEntry

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
LONG_AGO = "2025-01-06 10:00:00+08:00"  # well over a year before NOW


class FakeFacts:
    """A later app's facts: the entries it knows, with None for "never"."""

    def __init__(self, loads=None, uses=None):
        self.loads = loads
        self.uses = uses

    def last_load_at(self, resource_ids):
        return None if self.loads is None else dict(self.loads)

    def last_use_at(self, resource_ids):
        return None if self.uses is None else dict(self.uses)


def published(city, when=LONG_AGO, **fields):
    compiler = city.actor(city.analyst)
    with freeze_time(when):
        version = compile_entry(compiler, city.department, **fields)
        return publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)]).resource


def open_flags():
    return {(f.resource_id, f.rule): f.reason for f in ZombieFlag.objects.filter(cleared_at=None)}


def days_ago(n: int) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _no_sources():
    """Each test plugs in exactly the sources it means; none leaks into another test."""
    with zombies.using_fact_sources():
        yield


# --- Unknown is not "none" ----------------------------------------------------------------------------


def test_with_no_fact_source_nothing_is_flagged(city):
    published(city)
    result = sweep_zombies(now=NOW)
    assert (result.opened, result.cleared) == (0, 0)
    assert not ZombieFlag.objects.exists()
    assert not AuditEntry.objects.filter(action="catalog.zombie.sweep").exists()


def test_an_entry_the_source_does_not_know_is_not_judged(city):
    known = published(city)
    unknown = published(city, name="收养登记信息")
    zombies.register_fact_source(FakeFacts(loads={known.pk: None}, uses={known.pk: None}))
    sweep_zombies(now=NOW)
    assert {rid for rid, _ in open_flags()} == {known.pk}
    assert unknown.pk not in {f.resource_id for f in ZombieFlag.objects.all()}


# --- The rules ----------------------------------------------------------------------------------------


def test_an_entry_with_no_data_is_flagged_with_the_reason(city):
    entry = published(city)
    zombies.register_fact_source(FakeFacts(loads={entry.pk: None}))
    sweep_zombies(now=NOW)
    reason = open_flags()[(entry.pk, ZombieRule.NO_DATA)]
    assert "2025-01-06" in reason
    assert (entry.pk, ZombieRule.STALE_DATA) not in open_flags()  # no data is not stale data


def test_a_new_entry_has_one_update_cycle_to_gather_its_first_data(city):
    monthly = published(city, when=NOW - dt.timedelta(days=20), update_cycle="monthly")
    daily = published(city, when=NOW - dt.timedelta(days=20), name="收养登记信息")
    zombies.register_fact_source(FakeFacts(loads={monthly.pk: None, daily.pk: None}))
    sweep_zombies(now=NOW)
    assert set(open_flags()) == {(daily.pk, ZombieRule.NO_DATA)}


def test_data_older_than_the_update_cycle_is_stale(city):
    daily = published(city)
    monthly = published(city, name="收养登记信息", update_cycle="monthly")
    irregular = published(city, name="历史档案", update_cycle="irregular")
    zombies.register_fact_source(
        FakeFacts(
            loads={daily.pk: days_ago(10), monthly.pk: days_ago(10), irregular.pk: days_ago(900)}
        )
    )
    sweep_zombies(now=NOW)
    assert set(open_flags()) == {(daily.pk, ZombieRule.STALE_DATA)}
    reason = open_flags()[(daily.pk, ZombieRule.STALE_DATA)]
    assert days_ago(10).date().isoformat() in reason


def test_an_entry_published_within_its_cycle_is_not_stale(city):
    """A revision that shortened the cycle yesterday gets one cycle before its data is stale."""
    recent = published(city, when=NOW - dt.timedelta(hours=12))
    zombies.register_fact_source(FakeFacts(loads={recent.pk: days_ago(30)}))
    sweep_zombies(now=NOW)
    assert not open_flags()


def test_an_entry_unused_for_the_idle_months_is_flagged(city, settings):
    settings.CATALOG_IDLE_MONTHS = 12
    stale_use = published(city)
    recent_use = published(city, name="收养登记信息")
    never_used = published(city, name="离婚登记信息")
    young = published(city, when=NOW - dt.timedelta(days=100), name="结婚证补领信息")
    zombies.register_fact_source(
        FakeFacts(
            uses={
                stale_use.pk: days_ago(400),
                recent_use.pk: days_ago(30),
                never_used.pk: None,
                young.pk: None,
            }
        )
    )
    sweep_zombies(now=NOW)
    flags = open_flags()
    assert set(flags) == {(stale_use.pk, ZombieRule.NO_USE), (never_used.pk, ZombieRule.NO_USE)}
    assert "12" in flags[(stale_use.pk, ZombieRule.NO_USE)]


def test_the_idle_months_are_a_setting(city, settings):
    entry = published(city)
    zombies.register_fact_source(FakeFacts(uses={entry.pk: days_ago(200)}))
    settings.CATALOG_IDLE_MONTHS = 12
    sweep_zombies(now=NOW)
    assert not open_flags()
    settings.CATALOG_IDLE_MONTHS = 6
    sweep_zombies(now=NOW)
    assert set(open_flags()) == {(entry.pk, ZombieRule.NO_USE)}


def test_several_sources_combine_and_the_latest_use_wins(city):
    entry = published(city)
    zombies.register_fact_source(FakeFacts(uses={entry.pk: None}))  # never shared
    zombies.register_fact_source(FakeFacts(uses={entry.pk: days_ago(5)}))  # downloaded lately
    sweep_zombies(now=NOW)
    assert not open_flags()


def test_registering_the_same_source_twice_registers_it_once():
    source = FakeFacts()
    zombies.register_fact_source(source)
    zombies.register_fact_source(source)
    assert zombies.fact_sources() == [source]
    zombies.unregister_fact_source(source)
    assert zombies.fact_sources() == []


# --- The sweep ----------------------------------------------------------------------------------------


def test_the_sweep_is_idempotent_and_audited_once(city):
    entry = published(city)
    zombies.register_fact_source(FakeFacts(loads={entry.pk: None}, uses={entry.pk: None}))
    first = sweep_zombies(now=NOW)
    assert first.opened == 2
    second = sweep_zombies(now=NOW)
    assert (second.opened, second.cleared, second.updated) == (0, 0, 0)
    assert ZombieFlag.objects.count() == 2
    assert AuditEntry.objects.filter(action="catalog.zombie.sweep").count() == 1


def test_a_flag_is_cleared_when_its_rule_no_longer_holds(city):
    entry = published(city)
    facts = FakeFacts(loads={entry.pk: None})
    zombies.register_fact_source(facts)
    sweep_zombies(now=NOW)
    facts.loads = {entry.pk: NOW - dt.timedelta(hours=3)}  # data gathered at last
    result = sweep_zombies(now=NOW)
    assert result.cleared == 1 and not open_flags()
    flag = ZombieFlag.objects.get()
    assert flag.rule == ZombieRule.NO_DATA and flag.cleared_at == NOW
    # Flagged again later: a new flag, the cleared one stays as history.
    facts.loads = {entry.pk: days_ago(40)}
    sweep_zombies(now=NOW)
    assert set(open_flags()) == {(entry.pk, ZombieRule.STALE_DATA)}
    assert ZombieFlag.objects.count() == 2


def test_a_flag_stays_when_its_facts_become_unknown(city):
    entry = published(city)
    source = FakeFacts(loads={entry.pk: None})
    zombies.register_fact_source(source)
    sweep_zombies(now=NOW)
    zombies.unregister_fact_source(source)
    result = sweep_zombies(now=NOW)
    assert result.cleared == 0 and set(open_flags()) == {(entry.pk, ZombieRule.NO_DATA)}


def test_the_periodic_job_runs_the_sweep(city):
    entry = published(city)
    zombies.register_fact_source(FakeFacts(loads={entry.pk: None}))
    assert jobs.sweep_zombie_entries.call_local() == 1
    assert set(open_flags()) == {(entry.pk, ZombieRule.NO_DATA)}


# --- Months -------------------------------------------------------------------------------------------


@given(
    moment=st.datetimes(
        min_value=dt.datetime(2001, 1, 1),
        max_value=dt.datetime(2100, 12, 31),
        timezones=st.just(UTC),
    ),
    months=st.integers(min_value=0, max_value=120),
)
def test_months_before_goes_back_whole_calendar_months(moment, months):
    earlier = zombies.months_before(moment, months)
    assert earlier <= moment
    assert (moment.year - earlier.year) * 12 + moment.month - earlier.month == months
    assert earlier.day <= moment.day
    assert earlier.time() == moment.time()
