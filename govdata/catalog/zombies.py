"""Zombie entries (CAT-5, B§35: 不定期清理“僵尸”目录): the rules that flag published entries for
clean-up, each with the reason.

A rule is a ``Rule``: a name (a ``ZombieRule``) and a check that, given the published entries
and the time now, yields ``(resource id, reason)`` for every entry it could judge — the reason
text when the rule holds, ``None`` when it does not. ``services.zombies.sweep_zombies`` opens a
``ZombieFlag`` for each reason and clears the open flags of entries judged ``None``.

The facts the rules need live in later apps: whether and when data was last gathered (the data
plane) and when the data was last used (sharing's use log, the open-data portal). Those apps
plug in without changing the catalog by registering a *fact source* at start::

    # in dataplane/apps.py ready()
    from govdata.catalog.zombies import register_fact_source
    register_fact_source(LoadFacts())

A fact source answers ``last_load_at(ids)`` and ``last_use_at(ids)`` (see ``FactSource``). It
returns ``None`` for a fact it does not know at all, or a mapping that holds, for each entry it
knows about, the time of the last load or use — or ``None`` when there was none. An id missing
from the mapping is unknown to that source. Several sources combine: the latest time any of
them knows wins; an entry is "never" only when some source knows it and none has a time.

**Unknown is not "none".** With no source registered — or for an entry no source knows — a
rule cannot judge and flags nothing; nor does it clear a flag it raised before. So the catalog
alone never calls an entry a zombie for lack of facts it has no way of having.

Rules and their grace periods (an entry is given time before it is judged):

* ``no_data`` — no data was ever gathered, and the entry was first published longer ago than
  its update cycle (``choices.CYCLE_DAYS``; irregular entries: ``CATALOG_IDLE_MONTHS``).
* ``stale_data`` — the last load is older than the update cycle, and the live version was
  published longer ago than the cycle (a revision that shortened the cycle is given one cycle).
  Irregular entries are never stale.
* ``no_use`` — the data was not used for ``CATALOG_IDLE_MONTHS`` months (12 by default), or
  never since the entry was first published that long ago.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import CYCLE_DAYS, UpdateCycle, ZombieRule
from .models import Resource

Facts = Mapping[int, dt.datetime | None]
Verdict = tuple[int, str | None]


class FactSource(Protocol):
    """What a later app tells the zombie rules. Return ``None`` for a fact you do not know."""

    def last_load_at(self, resource_ids: Sequence[int]) -> Facts | None:
        """When data of each entry was last gathered (None: never), for the entries you know."""
        ...

    def last_use_at(self, resource_ids: Sequence[int]) -> Facts | None:
        """When data of each entry was last used (None: never), for the entries you know."""
        ...


class UnknownFacts:
    """A base for fact sources that know only some facts: override what you know."""

    def last_load_at(self, resource_ids: Sequence[int]) -> Facts | None:
        return None

    def last_use_at(self, resource_ids: Sequence[int]) -> Facts | None:
        return None


_sources: list[FactSource] = []


def register_fact_source(source: FactSource) -> None:
    """Plug a fact source in (once; registering the same object again changes nothing)."""
    if not any(s is source for s in _sources):
        _sources.append(source)


def unregister_fact_source(source: FactSource) -> None:
    _sources[:] = [s for s in _sources if s is not source]


def fact_sources() -> list[FactSource]:
    return list(_sources)


@contextmanager
def using_fact_sources(*sources: FactSource) -> Iterator[None]:
    """Only these sources, for the block (tests, and a one-off sweep with other facts)."""
    saved = list(_sources)
    _sources[:] = list(sources)
    try:
        yield
    finally:
        _sources[:] = saved


def _combined(fact: str, resource_ids: Sequence[int]) -> dict[int, dt.datetime | None]:
    """What all sources together know of one fact: the latest time, None for a known "never";
    entries no source knows are absent."""
    wanted = set(resource_ids)
    known: dict[int, dt.datetime | None] = {}
    for source in list(_sources):
        answer: Facts | None = getattr(source, fact)(list(resource_ids))
        if answer is None:
            continue
        for resource_id, at in answer.items():
            if resource_id not in wanted:
                continue
            previous = known.get(resource_id)
            if resource_id not in known or (at is not None and (previous is None or at > previous)):
                known[resource_id] = at
    return known


def last_load_at(resource_ids: Sequence[int]) -> dict[int, dt.datetime | None]:
    return _combined("last_load_at", resource_ids)


def last_use_at(resource_ids: Sequence[int]) -> dict[int, dt.datetime | None]:
    return _combined("last_use_at", resource_ids)


# --- The published entries the rules judge ----------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    resource_id: int
    code: str
    update_cycle: str
    published_at: dt.datetime  # of the live version
    first_published_at: dt.datetime  # of the entry's first published version


def published_entries() -> list[Entry]:
    rows = (
        Resource.objects.filter(live_version__isnull=False)
        .annotate(first_published=Min("versions__published_at"))
        .order_by("pk")
        .values_list(
            "pk",
            "code",
            "live_version__update_cycle",
            "live_version__published_at",
            "first_published",
        )
    )
    entries = []
    for pk, code, cycle, published_at, first in rows:
        published_at = published_at or timezone.now()
        entries.append(Entry(pk, code, cycle, published_at, first or published_at))
    return entries


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same time ``months`` calendar months earlier (the day clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def idle_months() -> int:
    return int(settings.CATALOG_IDLE_MONTHS)


def cycle_of(update_cycle: str) -> dt.timedelta | None:
    """How old data may be under the update cycle; None for an irregular cycle."""
    days = CYCLE_DAYS.get(update_cycle)  # type: ignore[call-overload]
    return dt.timedelta(days=days) if days is not None else None


def _day(moment: dt.datetime) -> str:
    return timezone.localdate(moment).isoformat()


def _cycle_label(update_cycle: str) -> str:
    try:
        return str(UpdateCycle(update_cycle).label)
    except ValueError:
        return update_cycle


# --- The rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    name: ZombieRule
    check: Callable[[Sequence[Entry], dt.datetime], Iterable[Verdict]]


def check_no_data(entries: Sequence[Entry], now: dt.datetime) -> Iterator[Verdict]:
    """No data ever gathered, once the entry has had one update cycle to gather its first."""
    loads = last_load_at([e.resource_id for e in entries])
    for entry in entries:
        if entry.resource_id not in loads:
            continue  # unknown: not judged
        if loads[entry.resource_id] is not None:
            yield entry.resource_id, None
            continue
        cycle = cycle_of(entry.update_cycle)
        since = now - cycle if cycle is not None else months_before(now, idle_months())
        if entry.first_published_at > since:
            yield entry.resource_id, None  # still within its first cycle
            continue
        yield (
            entry.resource_id,
            _("No data has been gathered since the entry was published on %(date)s.")
            % {"date": _day(entry.first_published_at)},
        )


def check_stale_data(entries: Sequence[Entry], now: dt.datetime) -> Iterator[Verdict]:
    """The last load is older than the entry's update cycle (AGG-5)."""
    loads = last_load_at([e.resource_id for e in entries])
    for entry in entries:
        if entry.resource_id not in loads:
            continue
        cycle = cycle_of(entry.update_cycle)
        loaded = loads[entry.resource_id]
        if cycle is None or loaded is None:
            yield entry.resource_id, None  # irregular, or no data at all (that is no_data)
            continue
        if loaded >= now - cycle or entry.published_at > now - cycle:
            yield entry.resource_id, None
            continue
        yield (
            entry.resource_id,
            _("Data last gathered on %(date)s; the update cycle is %(cycle)s (%(days)d days).")
            % {
                "date": _day(loaded),
                "cycle": _cycle_label(entry.update_cycle),
                "days": cycle.days,
            },
        )


def check_no_use(entries: Sequence[Entry], now: dt.datetime) -> Iterator[Verdict]:
    """Nobody used the data for ``CATALOG_IDLE_MONTHS`` months."""
    months = idle_months()
    cutoff = months_before(now, months)
    uses = last_use_at([e.resource_id for e in entries])
    for entry in entries:
        if entry.resource_id not in uses:
            continue
        used = uses[entry.resource_id]
        if used is None:
            if entry.first_published_at > cutoff:
                yield entry.resource_id, None
                continue
            yield (
                entry.resource_id,
                _("Never used in the %(months)d months since it was published on %(date)s.")
                % {"months": months, "date": _day(entry.first_published_at)},
            )
        elif used < cutoff:
            yield (
                entry.resource_id,
                _("Last used on %(date)s, more than %(months)d months ago.")
                % {"date": _day(used), "months": months},
            )
        else:
            yield entry.resource_id, None


RULES: tuple[Rule, ...] = (
    Rule(ZombieRule.NO_DATA, check_no_data),
    Rule(ZombieRule.STALE_DATA, check_stale_data),
    Rule(ZombieRule.NO_USE, check_no_use),
)
