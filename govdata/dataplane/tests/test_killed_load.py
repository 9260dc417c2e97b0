"""A load whose worker is killed mid-way (the process gone, SIGKILL, no cleanup) leaves the
previous state of the data intact, is found by the sweep, and runs again to its end (the
issue's acceptance). The worker is a real separate process on the same database."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from govdata.catalog.models import Resource
from govdata.catalog.testing import compile_entry, items, publish
from govdata.core.identifiers import ric_with_check
from govdata.dataplane import services, storage
from govdata.dataplane.models import Batch, BatchStatus, LoadJob, LoadStatus

ROWS = 200_000
WORKER = (
    "import os, sys, django; django.setup(); "
    "from govdata.dataplane import services; services.run_job(int(sys.argv[1]))"
)


def _database_url() -> str:
    info = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{info['NAME']}"
    user = info.get("USER") or "postgres"
    password = f":{info['PASSWORD']}" if info.get("PASSWORD") else ""
    return (
        f"postgresql://{user}{password}@{info.get('HOST') or '127.0.0.1'}:"
        f"{info.get('PORT') or 5432}/{info['NAME']}"
    )


def _people_csv(n: int) -> bytes:
    lines = ["公民身份号码,姓名,登记日期"]
    first = dt.date(1950, 1, 1)
    for i in range(n):
        born = first + dt.timedelta(days=i // 1000)
        lines.append(f"{ric_with_check(f'110105{born:%Y%m%d}{i % 1000:03d}')},张{i},2024-05-01")
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def queued(settings, tmp_path):
    """Jobs stay on the queue (no worker runs them in this process) while the test lasts."""
    settings.DATAPLANE_UPLOAD_DIR = tmp_path / "uploads"
    HUEY.immediate = False
    HUEY.flush()
    yield tmp_path / "uploads"
    HUEY.flush()
    HUEY.immediate = True


@pytest.mark.django_db(transaction=True)
def test_a_killed_load_leaves_the_previous_state_and_runs_again(city, queued):
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department, items_=items())
    publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)])
    resource = Resource.objects.get(pk=version.resource_id)
    before_rows = [
        {"gmsfhm": ric_with_check(f"11010519800101{i:03d}"), "xm": f"旧{i}"} for i in range(5)
    ]
    storage.load_full(resource, before_rows, actor=compiler)
    before = storage.current_rows(resource)

    job = services.start_upload(
        compiler,
        resource,
        io.BytesIO(_people_csv(ROWS)),
        file_name="people.csv",
        declared_no_secret=True,
    )
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "govdata.settings",
        "GOVDATA_DATAPLANE_UPLOAD_DIR": str(queued),
        "GOVDATA_QUEUE_IMMEDIATE": "true",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(job.pk)],
        env=env,
        cwd=str(Path(django_settings.BASE_DIR)),
    )
    try:
        deadline = time.monotonic() + 120
        status = LoadStatus.QUEUED
        while time.monotonic() < deadline and worker.poll() is None:
            status = LoadJob.objects.values_list("status", flat=True).get(pk=job.pk)
            if status == LoadStatus.WRITING:
                break
            time.sleep(0.02)
        assert status == LoadStatus.WRITING, f"the worker never reached writing ({status})"
        time.sleep(0.3)  # well inside the write: the diff and insert of 200,000 rows
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL

    job.refresh_from_db()
    assert job.status == LoadStatus.WRITING  # nobody told the job it died
    assert job.batch is None
    assert storage.current_rows(resource) == before
    assert not Batch.objects.filter(resource=resource, status=BatchStatus.COMMITTED, number__gt=1)

    # The sweep finds it once it has been silent long enough (and, on PostgreSQL, once the
    # database has let go of the dead connection's lock).
    later = timezone.now() + dt.timedelta(minutes=django_settings.DATAPLANE_STALE_MINUTES + 1)
    deadline = time.monotonic() + 60
    while not services.sweep_interrupted(later) and time.monotonic() < deadline:
        time.sleep(0.5)
    job.refresh_from_db()
    assert job.status == LoadStatus.INTERRUPTED

    HUEY.immediate = True
    services.retry(compiler, job)
    job.refresh_from_db()
    assert job.status == LoadStatus.DONE, job.error
    assert job.attempts == 2
    assert storage.count_current(resource) == ROWS
    assert job.batch.rows_deleted == 5
