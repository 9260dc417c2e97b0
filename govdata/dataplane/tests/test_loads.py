"""Loads as departments run them (AGG-1, AGG-2, AGG-7): a file or a push becomes a job on the
queue, checked at the door, written whole or not at all, with its rejected rows kept."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from govdata.catalog.models import Resource
from govdata.catalog.testing import items
from govdata.core.errors import Conflict, Forbidden, Invalid
from govdata.core.identifiers import ric_with_check
from govdata.core.models import AuditEntry
from govdata.dataplane import services, storage
from govdata.dataplane.models import (
    Batch,
    BatchStatus,
    ItemRule,
    LoadJob,
    LoadStatus,
    RejectedRecord,
    ResourceTable,
)
from govdata.dataplane.testing import published

pytestmark = pytest.mark.django_db

EXTRA = [{"name": "hs", "label": "户数", "item_type": "integer", "security_level": 1}]


@pytest.fixture
def resource(city) -> Resource:
    return published(city, items(*EXTRA))


def ric(i: int) -> str:
    return ric_with_check(f"11010519900101{i:03d}")


def csv_text(rows: list[tuple[Any, ...]], header: str = "公民身份号码,姓名,登记日期,户数") -> str:
    lines = [header] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def people(n: int, start: int = 0, name: str = "张") -> list[tuple[Any, ...]]:
    return [(ric(i), f"{name}{i}", "2024-05-01", i) for i in range(start, start + n)]


@pytest.fixture
def upload(city, resource, django_capture_on_commit_callbacks):
    """Upload a file as the department's data staff and run its job as the queue would."""

    def _upload(content: bytes | str, name: str = "people.csv", **kwargs: Any) -> LoadJob:
        data = content.encode("utf-8") if isinstance(content, str) else content
        kwargs.setdefault("declared_no_secret", True)
        actor = kwargs.pop("actor", city.actor(city.analyst))
        with django_capture_on_commit_callbacks(execute=True):
            job = services.start_upload(actor, resource, io.BytesIO(data), file_name=name, **kwargs)
        job.refresh_from_db()
        return job

    return _upload


def current(resource: Resource) -> dict[str, dict[str, Any]]:
    return {r["gmsfhm"]: r for r in storage.current_rows(resource)}


def test_an_upload_runs_as_a_job_and_commits_a_batch(resource, upload, uploads):
    job = upload(csv_text(people(5)).encode("gb18030"), "人口.csv")
    assert job.status == LoadStatus.DONE, job.error
    assert (job.rows_read, job.rows_accepted, job.rows_rejected) == (5, 5, 0)
    assert job.percent == 100
    assert job.batch.status == BatchStatus.COMMITTED
    assert job.batch.rows_inserted == 5
    assert job.batch.checksum == job.checksum and len(job.checksum) == 64
    assert job.batch.source_name == "人口.csv"
    assert current(resource)[ric(3)]["xm"] == "张3"
    # The kept file and the spool are gone once the job has ended.
    assert list(uploads.iterdir()) == []
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"dataplane.load.start", "dataplane.batch.commit"} <= actions


def test_a_second_full_load_is_diffed_and_rows_left_out_are_deleted(resource, upload):
    upload(csv_text(people(5)))
    changed = people(4)
    changed[1] = (ric(1), "李1", "2024-05-01", 1)
    job = upload(csv_text(changed))
    batch = job.batch
    assert (batch.rows_inserted, batch.rows_updated, batch.rows_deleted) == (0, 1, 1)
    assert batch.rows_unchanged == 3
    assert ric(4) not in current(resource)
    assert current(resource)[ric(1)]["xm"] == "李1"


def test_every_load_carries_the_declaration_that_it_holds_no_secret_data(resource, upload, uploads):
    with pytest.raises(Invalid) as refused:
        upload(csv_text(people(2)), declared_no_secret=False)
    assert refused.value.code == "declaration_required"
    assert not LoadJob.objects.exists()
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_a_secret_entry_cannot_be_loaded_whatever_is_declared(resource, upload):
    # The catalog refuses secret entries; should one reach the data plane, the load refuses too.
    type(resource.live_version).objects.filter(pk=resource.live_version_id).update(
        sensitivity="secret"
    )
    resource.refresh_from_db()
    with pytest.raises(Invalid) as refused:
        upload(csv_text(people(2)))
    assert refused.value.code == "secret"


def test_only_the_providers_people_and_systems_load_its_data(city, resource, upload):
    with pytest.raises(Forbidden):
        upload(csv_text(people(2)), actor=city.actor(city.outsider))
    with pytest.raises(Forbidden):
        upload(csv_text(people(2)), actor=city.actor(city.reviewer))
    assert not LoadJob.objects.exists()


def test_rejected_rows_are_kept_with_their_reasons_and_given_back_as_a_file(resource, upload):
    rows = people(40)
    rows[3] = (ric(3)[:-1] + ("0" if ric(3)[-1] != "0" else "1"), "张3", "2024-05-01", 3)
    rows[7] = (ric(7), "", "2024-02-30", "七")
    job = upload(csv_text(rows))
    assert job.status == LoadStatus.DONE, job.error
    assert (job.rows_read, job.rows_accepted, job.rows_rejected) == (40, 38, 2)
    assert job.batch.rows_rejected == 2
    kept = {r.row: r.reasons for r in RejectedRecord.objects.filter(job=job)}
    assert sorted(kept) == [5, 9]  # the file's row numbers, header on row 1
    assert len(kept[9]) == 3
    text = services.rejected_csv(job).decode("utf-8-sig")
    assert text.splitlines()[0].split(",")[-1] == "原因"
    assert "2024-02-30" in text and "校验码" in text


def test_a_load_above_the_error_threshold_is_refused_whole(resource, upload):
    upload(csv_text(people(3)))
    before = current(resource)
    rows = people(10, start=100)
    for i in range(0, 10, 3):  # 4 of 10 rows rejected: 40 % > 5 %
        rows[i] = (rows[i][0], "", "2024-05-01", 1)
    job = upload(csv_text(rows))
    assert job.status == LoadStatus.REFUSED
    assert job.error_code == "error_rate"
    assert "40.0%" in job.error
    assert job.batch is None
    assert current(resource) == before
    assert RejectedRecord.objects.filter(job=job).count() == 4  # still there to correct


def test_the_threshold_is_the_resources_own_when_it_sets_one(resource, upload):
    table = storage.ensure_table(resource)
    ResourceTable.objects.filter(pk=table.pk).update(max_error_rate=0.5)
    rows = people(10)
    for i in range(0, 10, 3):
        rows[i] = (rows[i][0], "", "2024-05-01", 1)
    assert upload(csv_text(rows)).status == LoadStatus.DONE


def test_a_full_load_with_nothing_accepted_deletes_nothing(resource, upload):
    upload(csv_text(people(3)))
    table = storage.table_of(resource)
    ResourceTable.objects.filter(pk=table.pk).update(max_error_rate=1.0)
    job = upload(csv_text([(ric(1), "", "", "")]))
    assert job.status == LoadStatus.REFUSED
    assert job.error_code == "empty"
    assert len(current(resource)) == 3


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"PK\x03\x04 not really a workbook", "people.xlsx", "corrupt"),
        ("姓名,登记日期\r\n张三,2024-05-01\r\n", "people.csv", "missing_column"),
        ("公民身份号码,姓名,姓名\r\n", "people.csv", "duplicate_column"),
        ('[{"gmsfhm": "1', "people.json", "truncated"),
        (b"", "people.csv", "empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_and_changes_nothing(
    resource, upload, content, name, code
):
    upload(csv_text(people(3)))
    before = current(resource)
    batches = Batch.objects.count()
    job = upload(content, name)
    assert job.status == LoadStatus.REFUSED
    assert job.error_code == code
    assert job.error
    assert current(resource) == before
    assert Batch.objects.filter(status=BatchStatus.COMMITTED).count() == batches


def test_duplicate_keys_inside_one_load_refuse_it(resource, upload):
    upload(csv_text(people(3)))
    before = current(resource)
    job = upload(csv_text([*people(3, start=10), *people(1, start=10, name="王")]))
    assert job.status == LoadStatus.REFUSED
    assert job.error_code == "duplicate_keys"
    assert ric(10) in job.error
    assert current(resource) == before


def test_the_item_rules_are_checked_at_every_load(resource, upload):
    ItemRule.objects.create(
        resource=resource, item_name="hs", minimum="1", maximum="5", updated_at=timezone.now()
    )
    table = storage.ensure_table(resource)
    ResourceTable.objects.filter(pk=table.pk).update(max_error_rate=0.9)
    job = upload(csv_text(people(8)))  # hs runs 0..7: 0, 6 and 7 are outside
    assert job.rows_rejected == 3
    reasons = [r.reasons[0] for r in RejectedRecord.objects.filter(job=job)]
    assert any("低于1" in r for r in reasons) and any("高于5" in r for r in reasons)


def test_an_oversized_file_is_refused_before_it_is_kept(city, resource, settings, uploads):
    settings.DATAPLANE_MAX_UPLOAD_MB = 1

    class Endless(io.RawIOBase):
        """Two gigabytes that are never held: the refusal must come long before the end."""

        served = 0

        def readinto(self, buffer):
            if self.served >= 2 * 1024**3:
                return 0
            buffer[:] = b"1" * len(buffer)
            self.served += len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(Invalid) as refused:
        services.start_upload(
            city.actor(city.analyst),
            resource,
            stream,
            file_name="huge.csv",
            declared_no_secret=True,
        )
    assert refused.value.code == "too_large"
    assert stream.served < 4 * 1024 * 1024
    assert list(uploads.iterdir()) == []
    assert not LoadJob.objects.exists()


# --- pushes -------------------------------------------------------------------------------------


@pytest.fixture
def push(city, resource, django_capture_on_commit_callbacks):
    def _push(rows, deletes=None, *, full=False, **kwargs: Any) -> LoadJob:
        kwargs.setdefault("declared_no_secret", True)
        with django_capture_on_commit_callbacks(execute=True):
            job = services.start_push(
                city.actor(city.analyst),
                resource,
                rows=rows,
                deletes=deletes,
                full=full,
                **kwargs,
            )
        job.refresh_from_db()
        return job

    return _push


def as_dicts(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(("gmsfhm", "xm", "djrq", "hs"), r, strict=True)) for r in rows]


def test_a_pushed_change_set_upserts_and_deletes_by_key(resource, push):
    push(as_dicts(people(5)), full=True)
    job = push(
        as_dicts([(ric(1), "李1", "2024-06-01", 1), *people(1, start=9)]),
        [{"gmsfhm": ric(2)}],
    )
    assert job.status == LoadStatus.DONE, job.error
    batch = job.batch
    assert (batch.kind, batch.channel) == ("changes", "push")
    assert (batch.rows_inserted, batch.rows_updated, batch.rows_deleted) == (1, 1, 1)
    rows = current(resource)
    assert sorted(rows) == sorted([ric(0), ric(1), ric(3), ric(4), ric(9)])
    assert rows[ric(1)]["xm"] == "李1"


def test_a_change_set_of_deletes_only(resource, push):
    push(as_dicts(people(3)), full=True)
    job = push([], [{"gmsfhm": ric(0)}])
    assert job.status == LoadStatus.DONE, job.error
    assert job.batch.rows_deleted == 1
    assert len(current(resource)) == 2


@pytest.mark.parametrize(
    ("rows", "deletes", "full", "code"),
    [
        ([], [], False, "empty"),
        ([], [{"xm": "张三"}], False, "bad_delete"),
        ([{"gmsfhm": ric(1), "xm": "张"}], [{"gmsfhm": ric(2)}], True, "deletes"),
    ],
)
def test_a_malformed_push_is_refused_at_once(resource, push, rows, deletes, full, code):
    with pytest.raises(Invalid) as refused:
        push(rows, deletes, full=full)
    assert refused.value.code == code
    assert not LoadJob.objects.exists()


# --- interrupted loads --------------------------------------------------------------------------


def test_a_load_whose_worker_stopped_is_marked_interrupted_and_runs_again(
    city, resource, upload, settings, django_capture_on_commit_callbacks
):
    upload(csv_text(people(2)))
    # A worker took the job and died before writing (the queue never got an answer).
    with django_capture_on_commit_callbacks(execute=False):
        job = services.start_upload(
            city.actor(city.analyst),
            resource,
            io.BytesIO(csv_text(people(6)).encode()),
            file_name="people.csv",
            declared_no_secret=True,
        )
    LoadJob.objects.filter(pk=job.pk).update(status=LoadStatus.READING, heartbeat_at=timezone.now())
    assert services.sweep_interrupted() == 0  # still fresh: it may be alive
    later = timezone.now() + dt.timedelta(minutes=settings.DATAPLANE_STALE_MINUTES + 1)
    assert services.sweep_interrupted(later) == 1
    job.refresh_from_db()
    assert job.status == LoadStatus.INTERRUPTED
    assert len(current(resource)) == 2  # the previous state stands

    with django_capture_on_commit_callbacks(execute=True):
        services.retry(city.actor(city.analyst), job)
    job.refresh_from_db()
    assert job.status == LoadStatus.DONE, job.error
    assert len(current(resource)) == 6
    with pytest.raises(Conflict):
        services.retry(city.actor(city.analyst), job)


def test_a_job_is_run_once_even_if_the_queue_delivers_it_twice(resource, upload):
    job = upload(csv_text(people(2)))
    assert services.run_job(job.pk) is None
    assert Batch.objects.filter(resource=resource).count() == 1


def test_a_file_the_fast_reader_steps_aside_from_is_read_by_the_careful_one(resource, upload):
    # A short row makes the fast CSV reader stop after it gave batches; the careful reader
    # reads the file again and reports that row by its number, once.
    rows = people(900)
    text = csv_text(rows).replace(f"{ric(500)},张500,2024-05-01,500", f"{ric(500)},张500")
    job = upload(text)
    assert job.status == LoadStatus.DONE, job.error
    assert (job.rows_read, job.rows_accepted, job.rows_rejected) == (900, 899, 1)
    [record] = RejectedRecord.objects.filter(job=job)
    assert record.row == 502
    assert storage.count_current(resource) == 899


def test_the_quality_after_a_full_load_is_counted_as_the_file_is_read(
    resource, upload, monkeypatch
):
    """A full load's job counts its accepted rows for the quality measure while it reads them:
    the measure after it scans no table, and its counts are a whole scan's. A load that finds
    rows unchanged (not checked again) carries the counts of the state before it: it reads
    only the rows the batch wrote and closed."""
    from govdata.dataplane import quality

    scan = quality._scan
    scanned = []

    def counted_scan(*args, where=None):
        scanned.append(where)
        return scan(*args, where=where)

    monkeypatch.setattr(quality, "_scan", counted_scan)
    upload(csv_text(people(5)))
    assert scanned == []
    rows = people(8)
    rows[3] = (rows[3][0], "李3", "", 3)  # an empty registration date
    job = upload(csv_text(rows))
    assert job.status == LoadStatus.DONE, job.error
    assert scanned and None not in scanned  # no whole scan
    monkeypatch.setattr(quality, "_scan", scan)
    report = quality.latest(resource)
    assert report.batch_id == job.batch_id
    assert report.details["counts"]["rows"] == 8
    assert report.details["counts"]["empty"]["djrq"] == 1
    assert report.details["counts"]["empty"]["hs"] == 0
