"""Periodic jobs of the platform core. Each calls one service and is safe to run twice."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import audit, workflow

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def seal_audit_entries() -> int:
    """SEC-4: chain the high-volume entries written since the last seal (every minute)."""
    return audit.seal_all()


@db_periodic_task(crontab(minute="*/10"))
def sweep_lapsed_deadlines() -> int:
    """Find workflow objects past their working-day deadline and run their lapse handlers."""
    return workflow.sweep_lapsed()


@db_periodic_task(crontab(minute="30", hour="2"))
def verify_audit_chain() -> bool:
    """Nightly walk of the whole chain; a break is logged as an error for the monitoring."""
    result = audit.verify_and_remember()
    if not result.ok:
        log.error("audit chain broken: %s", result.first_break)
    return result.ok
