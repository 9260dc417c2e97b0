"""The sweep that keeps zombie flags current (CAT-5, B§35): every rule of ``catalog.zombies`` is
evaluated over the published entries; a flag opens for each (entry, rule) that holds, with its
reason, and an open flag is cleared when its rule no longer holds or the entry is no longer
published. Running it twice changes nothing the second time (a periodic job)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from govdata.core import audit
from govdata.core.actors import ActorRef
from govdata.orgs.actors import Actor

from .. import zombies
from ..models import ZombieFlag

REASON_LENGTH = 300
AUDIT_LIST_LIMIT = 200


@dataclass(frozen=True)
class SweepResult:
    opened: int
    cleared: int
    updated: int

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.cleared or self.updated)


def sweep_zombies(
    *, actor: Actor | ActorRef | None = None, now: dt.datetime | None = None
) -> SweepResult:
    """Open, update and clear zombie flags from the rules' verdicts, in one transaction with one
    audit entry when anything changed. An entry a rule could not judge (facts unknown) keeps the
    flag it has. Reasons are written in the platform's language, whoever runs the sweep."""
    now = now or timezone.now()
    ref = actor or ActorRef.platform("catalog-zombie-sweep")
    entries = zombies.published_entries()
    published = {e.resource_id for e in entries}
    codes = {e.resource_id: e.code for e in entries}
    with translation.override(settings.LANGUAGE_CODE):
        verdicts = {
            str(rule.name): {rid: reason for rid, reason in rule.check(entries, now)}
            for rule in zombies.RULES
        }
    opened: list[ZombieFlag] = []
    cleared: list[ZombieFlag] = []
    updated: list[ZombieFlag] = []
    with transaction.atomic():
        flags = ZombieFlag.objects.select_for_update().filter(cleared_at__isnull=True)
        open_flags = {(f.resource_id, f.rule): f for f in flags}
        for (resource_id, rule), flag in open_flags.items():
            verdict = verdicts.get(rule, {})
            reason = verdict.get(resource_id)
            if resource_id not in published or (resource_id in verdict and reason is None):
                flag.cleared_at = now
                cleared.append(flag)
            elif reason is not None and reason[:REASON_LENGTH] != flag.reason:
                flag.reason = reason[:REASON_LENGTH]
                updated.append(flag)
        for rule, verdict in verdicts.items():
            for resource_id, reason in verdict.items():
                if reason and (resource_id, rule) not in open_flags:
                    opened.append(
                        ZombieFlag(
                            resource_id=resource_id,
                            rule=rule,
                            reason=reason[:REASON_LENGTH],
                            flagged_at=now,
                        )
                    )
        ZombieFlag.objects.bulk_update(cleared, ["cleared_at"])
        ZombieFlag.objects.bulk_update(updated, ["reason"])
        # A sweep running at the same moment may have opened the same flag: the partial unique
        # constraint keeps one, the other insert is skipped.
        ZombieFlag.objects.bulk_create(opened, ignore_conflicts=True)
        result = SweepResult(len(opened), len(cleared), len(updated))
        if result.changed:
            audit.record(
                actor=ref,
                action="catalog.zombie.sweep",
                object_type="catalog.zombie_flag",
                details={
                    "opened": [
                        [codes.get(f.resource_id, f.resource_id), f.rule]
                        for f in opened[:AUDIT_LIST_LIMIT]
                    ],
                    "cleared": [
                        [codes.get(f.resource_id, f.resource_id), f.rule]
                        for f in cleared[:AUDIT_LIST_LIMIT]
                    ],
                    "counts": {
                        "opened": result.opened,
                        "cleared": result.cleared,
                        "updated": result.updated,
                    },
                },
            )
    return result
