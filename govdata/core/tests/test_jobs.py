"""The periodic jobs go through the real task queue (SQLite file, or Redis with REDIS_URL): the
task is enqueued, taken off the queue and run as the worker would."""

from __future__ import annotations

import pytest
from django.db import connection
from huey.contrib.djhuey import HUEY

from govdata.core import audit, jobs
from govdata.core.actors import ActorRef
from govdata.core.models import AuditSeal

READER = ActorRef(kind="system", id="1", label="counter system")


@pytest.fixture
def real_queue():
    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


def run_next(queue):
    """Take the next task off the queue and run it as the worker does; its return value (huey
    keeps no results of periodic tasks)."""
    task = queue.dequeue()
    assert task is not None, "nothing was enqueued"
    return queue.execute(task)


def test_the_periodic_jobs_are_registered_with_the_queue():
    names = {task.__name__ for task in HUEY._registry._periodic_tasks}
    assert {"seal_audit_entries", "sweep_lapsed_deadlines", "verify_audit_chain"} <= names


@pytest.mark.django_db(transaction=True)
def test_sealing_runs_through_the_queue(real_queue):
    for _ in range(3):
        audit.record_read(actor=READER, action="test.read")
    jobs.seal_audit_entries()
    assert not AuditSeal.objects.exists()  # enqueued, not yet run
    assert real_queue.pending_count() == 1
    assert run_next(real_queue) == 1
    assert AuditSeal.objects.get().entry_count == 3
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_verification_job_reports_a_broken_chain(real_queue, caplog):
    if connection.vendor == "postgresql":
        pytest.skip("tampering needs the triggers off; covered in test_audit")
    entry = audit.record(actor=READER, action="test.change")
    jobs.verify_audit_chain()
    assert run_next(real_queue) is True
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
    jobs.verify_audit_chain()
    assert run_next(real_queue) is False
    assert "audit chain broken" in caplog.text
