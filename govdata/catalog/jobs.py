"""Periodic jobs of the catalog. Each calls one service and is safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="10", hour="3"))
def raise_yearly_reviews() -> int:
    """CAT-4, G§15: the yearly full review of every published entry, raised as tasks nightly."""
    return services.raise_yearly_reviews()


@db_periodic_task(crontab(minute="40", hour="3"))
def sweep_zombie_entries() -> int:
    """CAT-5, B§35: flag zombie entries and clear flags that no longer hold, nightly."""
    from .services.zombies import sweep_zombies

    result = sweep_zombies()
    return result.opened + result.cleared
