"""The data plane's jobs on the task queue: each load runs here, off the request (AGG-1)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services


@db_task()
def run_load(job_id: int) -> str | None:
    """Run one queued load; safe to deliver twice (the job is claimed compare-and-set)."""
    job = services.run_job(job_id)
    return job.status if job is not None else None


@db_periodic_task(crontab(minute="*/5"))
def sweep_interrupted_loads() -> int:
    """Find loads whose worker stopped, so that they can be run again."""
    return services.sweep_interrupted()
