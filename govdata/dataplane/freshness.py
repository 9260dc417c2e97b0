"""Updates on the update cycle (AGG-5, CAT-5): how old a resource's data may be, which published
resources are past it, the providers' tasks to bring them up to date, and the facts the
catalog's zombie rules ask of the data plane.

A resource's data is as old as its last committed batch; with none, it has been missing since
the entry was first published. The allowance of each cycle is the catalog's (``CYCLE_DAYS``: a
daily resource may be two days old, a monthly one 32); an irregular resource is never overdue.
Like the catalog's "stale data" rule, a live version published within the allowance (a revision
that shortened the cycle) is given one allowance before it is judged.

Only entries whose data form is structured (``STRUCTURED_FORMS``) are the data plane's to judge:
the data of a document or an image entry never comes through it, so for those it knows nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import DateTimeField, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from govdata.catalog.choices import (
    CYCLE_DAYS,
    STRUCTURED_FORMS,
    MaintenanceStatus,
    MaintenanceTrigger,
    UpdateCycle,
)
from govdata.catalog.models import MaintenanceTask, Resource, ResourceVersion
from govdata.catalog.services import raise_data_update_task
from govdata.catalog.zombies import Facts, UnknownFacts, register_fact_source
from govdata.core.actors import ActorRef

from .models import Batch, BatchStatus

# The maintenance trigger of an update task (deadline ``catalog.data_overdue``); a committed
# load closes it.
OVERDUE_TRIGGER: str = MaintenanceTrigger.DATA_OVERDUE
SWEEP_ACTOR = "dataplane-overdue-sweep"


def cycle_allowance(update_cycle: str) -> dt.timedelta | None:
    """How old data may be under the update cycle; None for an irregular (on demand) cycle,
    which is never overdue. The catalog's figures, so that overdue and "stale" agree."""
    days = CYCLE_DAYS.get(update_cycle)  # type: ignore[call-overload]
    return dt.timedelta(days=days) if days is not None else None


def _gathered() -> Q:
    """Published entries whose data the data plane gathers."""
    return Q(live_version__isnull=False, live_version__data_form__in=list(STRUCTURED_FORMS))


def _with_last_load(queryset: QuerySet[Resource]) -> QuerySet[Resource]:
    """Annotate ``last_load`` (the last committed batch), ``first_published`` and ``since`` (the
    last load, or the first publication when there was none) — one aggregate per resource."""
    first = (
        ResourceVersion.objects.filter(resource=OuterRef("pk"), published_at__isnull=False)
        .values("resource")
        .annotate(at=Min("published_at"))
        .values("at")
    )
    return queryset.annotate(
        last_load=Max("batches__finished_at", filter=Q(batches__status=BatchStatus.COMMITTED)),
        first_published=Subquery(first, output_field=DateTimeField()),
    ).annotate(since=Coalesce("last_load", "first_published", "live_version__published_at"))


@dataclass(frozen=True)
class Overdue:
    """A published resource whose data is older than its update cycle allows."""

    resource: Resource
    update_cycle: str
    last_load_at: dt.datetime | None  # None: no data ever gathered
    since: dt.datetime  # the last load, or the first publication
    age: dt.timedelta
    allowance: dt.timedelta

    @property
    def overdue_by(self) -> dt.timedelta:
        return self.age - self.allowance


def overdue_resources(now: dt.datetime | None = None) -> list[Overdue]:
    """The published resources past their update cycle (AGG-5), longest overdue first: one
    query, the batches aggregated per resource and each cycle's cut-off applied in SQL."""
    now = now or timezone.now()
    past = Q(pk__in=[])
    for cycle, days in CYCLE_DAYS.items():
        cutoff = now - dt.timedelta(days=days)
        past |= Q(
            live_version__update_cycle=cycle,
            since__lt=cutoff,
            live_version__published_at__lt=cutoff,
        )
    rows = (
        _with_last_load(Resource.objects.filter(_gathered()))
        .filter(past)
        .select_related("live_version", "provider")
        .order_by("pk")
    )
    found = []
    for resource in rows:
        version = resource.live_version
        assert version is not None  # _gathered: published
        allowance = cycle_allowance(version.update_cycle)
        assert allowance is not None  # irregular cycles have no cut-off above
        # Annotations of _with_last_load, unknown to the model's type.
        last_load: dt.datetime | None = resource.last_load  # type: ignore[attr-defined]
        since: dt.datetime = resource.since  # type: ignore[attr-defined]
        found.append(
            Overdue(
                resource=resource,
                update_cycle=version.update_cycle,
                last_load_at=last_load,
                since=since,
                age=now - since,
                allowance=allowance,
            )
        )
    found.sort(key=lambda o: (-o.overdue_by, o.resource.pk))
    return found


def _cycle_label(update_cycle: str) -> str:
    try:
        return str(UpdateCycle(update_cycle).label)
    except ValueError:
        return update_cycle


def _reason(overdue: Overdue) -> str:
    figures = {
        "cycle": _cycle_label(overdue.update_cycle),
        "days": overdue.allowance.days,
        "date": timezone.localdate(overdue.since).isoformat(),
    }
    if overdue.last_load_at is None:
        return (
            _(
                "No data has been gathered since the entry was published on %(date)s; the "
                "update cycle is %(cycle)s (%(days)d days). Load the data."
            )
            % figures
        )
    return (
        _(
            "The data was last gathered on %(date)s, longer ago than the update cycle allows "
            "(%(cycle)s, %(days)d days). Load the current data."
        )
        % figures
    )


def raise_update_tasks(now: dt.datetime | None = None) -> int:
    """AGG-5: give the provider of every overdue resource a maintenance task to update its data,
    unless one is open already (a periodic job: running it twice opens nothing new). Returns how
    many tasks were opened. Reasons are written in the platform's language."""
    overdue = overdue_resources(now)
    if not overdue:
        return 0
    waiting = set(
        MaintenanceTask.objects.filter(
            resource_id__in=[o.resource.pk for o in overdue],
            trigger=OVERDUE_TRIGGER,
            status=MaintenanceStatus.OPEN,
        ).values_list("resource_id", flat=True)
    )
    actor = ActorRef.platform(SWEEP_ACTOR)
    opened = 0
    with translation.override(settings.LANGUAGE_CODE):
        for item in overdue:
            if item.resource.pk in waiting:
                continue
            if raise_data_update_task(item.resource, actor=actor, reason=_reason(item)):
                opened += 1
    return opened


# --- The zombie rules' facts (CAT-5) -------------------------------------------------------------


class LoadFacts(UnknownFacts):
    """What the data plane tells the catalog's zombie rules: when each entry's data was last
    gathered (None: it has no data). It knows the published entries with a structured data
    form; of the others (documents, images …) it knows nothing, so they are not judged."""

    def last_load_at(self, resource_ids: Sequence[int]) -> Facts | None:
        rows = (
            Resource.objects.filter(_gathered(), pk__in=list(resource_ids))
            .annotate(
                last=Max("batches__finished_at", filter=Q(batches__status=BatchStatus.COMMITTED))
            )
            .values_list("pk", "last")
        )
        return dict(rows)


def has_data(resource_ids: Sequence[int]) -> dict[int, bool]:
    """Whether each entry has had data gathered (a committed batch), for the given ids."""
    loaded = set(
        Batch.objects.filter(resource_id__in=list(resource_ids), status=BatchStatus.COMMITTED)
        .values_list("resource_id", flat=True)
        .distinct()
    )
    return {rid: rid in loaded for rid in resource_ids}


FACTS = LoadFacts()


def register() -> None:
    """Plug the data plane's facts into the zombie rules (called once at start by the app)."""
    register_fact_source(FACTS)
