"""The periodic job of single source (AGG-4). It calls one service and is safe to run twice: a
source whose case is open gets its figures refreshed, never a second case."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import single_source


@db_periodic_task(crontab(minute="20", hour="4", day_of_week="1"))
def run_single_source_findings() -> int:
    """AGG-4: every Monday night, the finding for every authoritative source; opens a
    coordination case where other providers gather the item. Returns the cases opened."""
    return single_source.run_all_findings()
