"""Loads as a worker runs them outside any transaction. On PostgreSQL the checked rows then go,
batch by batch, to a writer thread that holds the load's transaction on a connection of its
own (``services._Pipe``) while the file is still being read; this module holds that path to
what test_loads.py holds the spooled one to, and adds what only it can get wrong: a refusal
or a failure in either thread half-way, and the count of rejected rows known only at the end.
On SQLite the same tests run the spooled path outside a transaction."""

from __future__ import annotations

import functools
import time

import pytest
from django.db import connection

from govdata.core.models import AuditEntry
from govdata.dataplane import parsers, services, storage
from govdata.dataplane.models import Batch, BatchStatus, LoadStatus

from . import test_loads as base
from . import test_loads_door as door

pytestmark = pytest.mark.django_db(transaction=True)

resource = base.resource
upload = base.upload
push = base.push
csv_text, people, current, ric = base.csv_text, base.people, base.current, base.ric

# The same behaviour, through the writer thread.
test_an_upload_runs_as_a_job_and_commits_a_batch = (
    base.test_an_upload_runs_as_a_job_and_commits_a_batch
)
test_a_second_full_load_is_diffed_and_rows_left_out_are_deleted = (
    base.test_a_second_full_load_is_diffed_and_rows_left_out_are_deleted
)
test_a_load_above_the_error_threshold_is_refused_whole = (
    base.test_a_load_above_the_error_threshold_is_refused_whole
)
test_a_full_load_with_nothing_accepted_deletes_nothing = (
    base.test_a_full_load_with_nothing_accepted_deletes_nothing
)
test_a_file_that_cannot_be_read_is_refused_and_changes_nothing = (
    base.test_a_file_that_cannot_be_read_is_refused_and_changes_nothing
)
test_duplicate_keys_inside_one_load_refuse_it = base.test_duplicate_keys_inside_one_load_refuse_it
test_the_item_rules_are_checked_at_every_load = base.test_the_item_rules_are_checked_at_every_load
test_a_pushed_change_set_upserts_and_deletes_by_key = (
    base.test_a_pushed_change_set_upserts_and_deletes_by_key
)
test_a_change_set_of_deletes_only = base.test_a_change_set_of_deletes_only
test_a_file_the_fast_reader_steps_aside_from_is_read_by_the_careful_one = (
    base.test_a_file_the_fast_reader_steps_aside_from_is_read_by_the_careful_one
)

# The door's memory, read on a thread of its own while the file is read.
checked = door.checked
test_a_second_load_checks_and_writes_only_the_rows_that_changed = (
    door.test_a_second_load_checks_and_writes_only_the_rows_that_changed
)
test_new_rules_make_the_next_load_check_every_row_again = (
    door.test_new_rules_make_the_next_load_check_every_row_again
)
test_an_unchanged_row_given_twice_is_refused_and_nothing_changes = (
    door.test_an_unchanged_row_given_twice_is_refused_and_nothing_changes
)
test_a_load_that_commits_meanwhile_makes_the_door_load_run_again = (
    door.test_a_load_that_commits_meanwhile_makes_the_door_load_run_again
)


@pytest.fixture(autouse=True)
def overlapped(monkeypatch):
    """On PostgreSQL no load of this module may take the spooled path; batches are small, so
    that a file of a few hundred rows reaches the writer in several."""
    if connection.vendor == "postgresql":

        def no_spool(job):
            raise AssertionError("a load outside a transaction went through the spool")

        monkeypatch.setattr(services, "_Spool", no_spool)
    monkeypatch.setattr(parsers, "ARROW_BLOCK_BYTES", 4096)
    monkeypatch.setattr(
        services.parsers, "open_upload", functools.partial(parsers.open_upload, batch_rows=50)
    )


def _connections() -> int:
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_the_batch_counts_the_rows_rejected_while_it_was_being_written(resource, upload):
    rows = people(400)
    for i in range(0, 400, 40):  # 10 of 400 rejected, spread over the batches: 2.5 % < 5 %
        rows[i] = (rows[i][0], "", "2024-05-01", 1)
    job = upload(csv_text(rows))
    assert job.status == LoadStatus.DONE, job.error
    assert (job.rows_read, job.rows_accepted, job.rows_rejected) == (400, 390, 10)
    assert job.batch.rows_rejected == 10
    entry = AuditEntry.objects.get(action="dataplane.batch.commit", object_id=str(job.batch.pk))
    assert entry.details["rejected"] == 10
    assert storage.count_current(resource) == 390


def test_a_load_refused_half_way_rolls_the_writer_back(resource, upload, monkeypatch):
    upload(csv_text(people(3)))
    before, connections = current(resource), _connections()
    monkeypatch.setattr(services, "REJECTED_EARLY_STOP", 20)
    rows = people(1000, start=10)
    for i in range(300, 1000, 2):  # the first 300 rows pass, then every other row is rejected
        rows[i] = (rows[i][0], "", "2024-05-01", 1)
    job = upload(csv_text(rows))
    assert job.status == LoadStatus.REFUSED
    assert job.error_code == "error_rate"
    assert job.rows_read < 1000  # it stopped reading early
    assert current(resource) == before
    assert not Batch.objects.filter(status=BatchStatus.FAILED).exists()  # refused, not broken
    assert _connections() == connections  # the writer's connection is closed


def test_a_writer_that_breaks_half_way_fails_the_load_and_stops_the_reading(
    resource, upload, monkeypatch
):
    connections = _connections()
    original, calls = storage.fingerprinted, []

    def breaks_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the disk is full")
        return original(*args, **kwargs)

    monkeypatch.setattr(storage, "fingerprinted", breaks_on_the_third)
    job = upload(csv_text(people(1000)))
    assert job.status == LoadStatus.FAILED
    assert "the disk is full" in job.error
    assert storage.count_current(resource) == 0
    assert not Batch.objects.filter(status=BatchStatus.COMMITTED).exists()
    if connection.vendor == "postgresql":
        assert job.rows_read < 1000  # the reading stopped when the writer did
        assert _connections() == connections


def test_batches_wait_for_the_current_fingerprints_within_a_bound(resource, upload, monkeypatch):
    """While the door's thread reads the current rows' fingerprints, the file's batches are
    read ahead, but no more than ``DOOR_WAITING`` of them wait: memory stays bounded however
    slow that read is."""
    upload(csv_text(people(1000)))
    read, fingerprinted, made = storage.current_digests, [], []

    def slow(table):
        time.sleep(0.5)
        return read(table)

    def counted(batch, specs):
        fingerprinted.append(batch.num_rows)
        return door_fingerprints(batch, specs)

    door_fingerprints, took = services._door_fingerprints, services._Seen._took

    def noted(self, result):
        made.append(len(fingerprinted))
        return took(self, result)

    monkeypatch.setattr(storage, "current_digests", slow)
    monkeypatch.setattr(services, "_door_fingerprints", counted)
    monkeypatch.setattr(services._Seen, "_took", noted)
    monkeypatch.setattr(services, "DOOR_WAITING", 2)
    rows = people(1000)
    rows[10] = (ric(10), "李10", "2024-05-01", 10)
    job = upload(csv_text(rows))
    assert job.status == LoadStatus.DONE, job.error
    assert job.batch.rows_updated == 1 and job.batch.rows_unchanged == 999
    bound = 2 + services.READ_AHEAD + 1  # waiting, queued, being made
    assert len(fingerprinted) > bound  # the file is longer than the bound
    if connection.vendor == "postgresql":  # read on a thread while the batches come
        assert len(made) == 1 and made[0] <= bound
