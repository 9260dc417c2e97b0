"""A full load whose entry's rows passed the same checks finds, by the fingerprint of the text
each row was read from, the rows it already holds: those are neither checked nor written again
(services._Seen, storage._door_diff). What a provider sees must not change: the state after
the load, its counts, its rejected rows and findings, its refusals."""

from __future__ import annotations

import pytest
from django.db import connection

from govdata.core.identifiers import ric_with_check
from govdata.dataplane import services, storage
from govdata.dataplane.models import Batch, BatchStatus, LoadStatus, RejectedRecord, ResourceTable

from . import test_loads as base

pytestmark = pytest.mark.django_db

resource, upload = base.resource, base.upload
csv_text, people, current, ric = base.csv_text, base.people, base.current, base.ric


@pytest.fixture
def checked(monkeypatch) -> list[int]:
    """How many rows each batch the door passed to the checks held."""
    sizes: list[int] = []
    check_batch = services.check_batch

    def counted(batch, *args, **kwargs):
        sizes.append(batch.num_rows)
        return check_batch(batch, *args, **kwargs)

    monkeypatch.setattr(services, "check_batch", counted)
    return sizes


def test_a_second_load_checks_and_writes_only_the_rows_that_changed(resource, upload, checked):
    first = upload(csv_text(people(6)))
    assert sum(checked) == 6
    assert ResourceTable.objects.get(resource=resource).checked_under
    checked.clear()
    rows = people(5)  # row 5 left out
    rows[2] = (ric(2), "李2", "2024-05-01", 2)  # changed
    rows.append((ric(9), "王9", "2024-05-01", 9))  # new
    job = upload(csv_text(rows))
    assert job.status == LoadStatus.DONE, job.error
    assert sum(checked) == 2  # the changed row and the new one
    assert (job.rows_read, job.rows_accepted, job.rows_rejected) == (6, 6, 0)
    batch = job.batch
    assert (batch.rows_read, batch.rows_unchanged) == (6, 4)
    assert (batch.rows_inserted, batch.rows_updated, batch.rows_deleted) == (1, 1, 1)
    state = current(resource)
    assert set(state) == {ric(i) for i in (0, 1, 2, 3, 4, 9)}
    assert state[ric(2)]["xm"] == "李2"
    # Row versions: the first load's six, a new one for the changed row and one for the new.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {storage.q(first.resource.data_table.table_name)}")
        assert cursor.fetchone()[0] == 8


def test_new_rules_make_the_next_load_check_every_row_again(city, resource, upload, checked):
    upload(csv_text(people(4)))
    services.set_rules(
        city.actor(city.analyst), resource, [services.RuleInput("xm", codes=["张0", "张1"])]
    )
    services.set_threshold(city.actor(city.analyst), resource, 1.0)
    checked.clear()
    job = upload(csv_text(people(4)))
    assert job.status == LoadStatus.DONE, job.error
    # Rows 2 and 3 passed the checks of the first load, not today's: refused, not kept.
    assert sum(checked) == 4
    assert job.rows_rejected == 2
    assert sorted(RejectedRecord.objects.filter(job=job).values_list("row", flat=True)) == [4, 5]


def test_a_row_with_findings_is_reported_at_every_load(resource, upload, checked):
    odd = ric_with_check("99010519900101001")  # a province that does not exist: a finding
    rows = [*people(3), (odd, "赵", "2024-05-01", 1)]
    first = upload(csv_text(rows))
    assert first.rows_warned == 1
    checked.clear()
    second = upload(csv_text(rows))
    assert second.status == LoadStatus.DONE, second.error
    assert second.rows_warned == 1
    assert sum(checked) == 1  # the row with the finding, checked again
    assert second.batch.rows_unchanged == 4


def test_an_unchanged_row_given_twice_is_refused_and_nothing_changes(resource, upload):
    upload(csv_text(people(3)))
    again = upload(csv_text([*people(3), people(3)[1]]))
    assert again.status == LoadStatus.REFUSED
    assert again.error_code == "duplicate_keys"
    assert ric(1) in again.error
    changed_twice = upload(csv_text([*people(3), (ric(1), "李1", "2024-05-01", 1)]))
    assert changed_twice.status == LoadStatus.REFUSED
    assert changed_twice.error_code == "duplicate_keys"
    assert ric(1) in changed_twice.error
    assert {r["xm"] for r in current(resource).values()} == {"张0", "张1", "张2"}
    assert Batch.objects.filter(resource=resource, status=BatchStatus.COMMITTED).count() == 1


def test_after_an_undo_the_next_load_checks_every_row(city, resource, upload, checked):
    upload(csv_text(people(3)))
    second = upload(csv_text(people(4)))
    services.undo(city.actor(city.analyst), resource, second.batch.number)
    assert ResourceTable.objects.get(resource=resource).checked_under == ""
    checked.clear()
    job = upload(csv_text(people(4)))
    assert job.status == LoadStatus.DONE, job.error
    assert sum(checked) == 4
    assert len(current(resource)) == 4
    assert ResourceTable.objects.get(resource=resource).checked_under


def test_a_load_that_commits_meanwhile_makes_the_door_load_run_again(resource, upload, monkeypatch):
    upload(csv_text(people(3)))
    read = storage.current_digests

    def stale(table):  # as if another batch committed after the door read the rows
        last, checked_under, digests, ids = read(table)
        return last - 1, checked_under, digests, ids

    monkeypatch.setattr(storage, "current_digests", stale)
    job = upload(csv_text(people(4)))
    assert job.status == LoadStatus.REFUSED
    assert job.error_code == "changed_meanwhile"
    assert len(current(resource)) == 3
    monkeypatch.undo()
    assert upload(csv_text(people(4))).status == LoadStatus.DONE
    assert len(current(resource)) == 4


def test_a_change_set_under_other_checks_forgets_what_the_rows_passed(city, resource, upload):
    upload(csv_text(people(3)))
    services.set_rules(
        city.actor(city.analyst), resource, [services.RuleInput("xm", codes=["张0"])]
    )
    table = ResourceTable.objects.get(resource=resource)
    signature = services.checks_signature(
        resource, services.item_specs(resource), services.rules_of(resource)
    )
    assert table.checked_under and table.checked_under != signature
    storage.apply_changes(
        resource, [], [{"gmsfhm": ric(0)}], actor=city.actor(city.analyst), checked_under=signature
    )
    assert ResourceTable.objects.get(resource=resource).checked_under == ""
