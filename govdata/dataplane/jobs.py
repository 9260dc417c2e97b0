"""Periodic jobs of the data plane. Each calls one service and is safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import freshness


@db_periodic_task(crontab(minute="20", hour="3"))
def raise_overdue_update_tasks() -> int:
    """AGG-5: nightly, give the provider of each resource past its update cycle a task to
    update the data (none when one is open already)."""
    return freshness.raise_update_tasks()
