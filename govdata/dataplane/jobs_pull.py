"""Scheduled pulls on the task queue (AGG-1): every ten minutes the due sources are claimed and
each pull runs as its own task. Both are safe to run twice (claims are compare-and-set)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import pull


@db_periodic_task(crontab(minute="*/10"))
def start_due_pulls() -> int:
    """Pull the resources whose data is due by their update cycle."""
    return pull.start_due_pulls()


@db_task()
def run_scheduled_pull(source_id: int) -> str | None:
    """Fetch one source and load what it gives; a failure is recorded on the source."""
    job = pull.run_pull(source_id)
    return job.status if job is not None else None
