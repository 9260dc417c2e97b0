"""API of the gathered data (AGG-1..7): uploads and pushes that run as jobs, their live progress,
the rejected rows, batches and undo, the rows now and as of an earlier batch, the changes since a
batch for incremental sync, and the item rules checked at the door."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpResponse, StreamingHttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from govdata.core.schemas import MAX_ID, ApiRequest, IdPath, errors

from . import services, storage
from .models import Batch, BatchChannel, BatchKind, BatchStatus, LoadJob, LoadStatus

router = Router(tags=["gathered data"])


class JobOut(Schema):
    id: int
    resource_id: int
    kind: BatchKind
    channel: BatchChannel
    status: LoadStatus
    source_name: str
    loaded_by: str = Field(..., alias="actor_label")
    declared_no_secret: bool
    size_bytes: int
    checksum: str
    percent: int = Field(..., description="0–100: reading counts to 90, writing to 99")
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_warned: int
    error_code: str
    error: str
    batch_number: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_batch_number(obj: LoadJob) -> int | None:
        return obj.batch.number if obj.batch is not None else None


class JobPage(Schema):
    count: int
    items: list[JobOut]


class BatchOut(Schema):
    number: int
    kind: BatchKind
    channel: BatchChannel
    status: BatchStatus
    loaded_by: str = Field(..., alias="actor_label")
    started_at: dt.datetime
    finished_at: dt.datetime | None
    source_name: str
    checksum: str
    rows_read: int
    rows_inserted: int
    rows_updated: int
    rows_deleted: int
    rows_unchanged: int
    rows_rejected: int
    error: str
    undoes: int | None

    @staticmethod
    def resolve_undoes(obj: Batch) -> int | None:
        return obj.undoes.number if obj.undoes is not None else None


class BatchPage(Schema):
    count: int
    items: list[BatchOut]


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


_JOB = {202: JobOut, **errors(401, 403, 404, 413)}


@router.post("/resources/{resource_id}/uploads", response=_JOB)
def upload_file(
    request: ApiRequest,
    resource_id: IdPath,
    file: File[UploadedFile],
    declared_no_secret: Form[bool] = False,
    sheet: Form[str] = "",
):
    """A full load of a file (CSV in UTF-8 or GBK/GB18030, Excel .xlsx, JSON, NDJSON), run as a
    job: follow it at ``/dataplane/jobs/{id}``. ``declared_no_secret`` is the loader's
    declaration that the file holds no secret data (AGG-7); without it nothing is loaded."""
    actor = request.auth
    resource = services.access_resource(actor, resource_id, load=True)
    job = services.start_upload(
        actor,
        resource,
        file,
        file_name=file.name or "upload",
        declared_no_secret=declared_no_secret,
        sheet=sheet[:100],
    )
    return Status(202, job)


class PushIn(Schema):
    mode: Literal["full", "changes"] = Field(
        ..., description="full: the rows are the whole data; changes: upserts and deletes by key"
    )
    declared_no_secret: bool = Field(
        ..., description="the loader's declaration that the data holds no secret data (AGG-7)"
    )
    rows: list[dict[str, Any]] = Field(
        default_factory=list, max_length=100_000, description="rows keyed by item name"
    )
    deletes: list[dict[str, Any]] = Field(
        default_factory=list, max_length=100_000, description="key values of rows to delete"
    )


@router.post("/resources/{resource_id}/push", response=_JOB)
def push(request: ApiRequest, resource_id: IdPath, body: PushIn):
    """A department's system pushes its data (AGG-1): a full load or a change set, checked at the
    door like any load and run as a job. Larger loads go through ``uploads`` as a file."""
    actor = request.auth
    resource = services.access_resource(actor, resource_id, load=True)
    job = services.start_push(
        actor,
        resource,
        rows=body.rows,
        deletes=body.deletes,
        full=body.mode == "full",
        declared_no_secret=body.declared_no_secret,
    )
    return Status(202, job)


@router.get("/resources/{resource_id}/jobs", response={200: JobPage, **errors(401, 404)})
def list_jobs(request: ApiRequest, resource_id: IdPath, q: Query[PageQuery]):
    resource = services.access_resource(request.auth, resource_id)
    jobs = LoadJob.objects.filter(resource=resource).select_related("batch")
    return {"count": jobs.count(), "items": list(jobs[q.offset : q.offset + q.limit])}


@router.get("/jobs/{job_id}", response={200: JobOut, **errors(401, 404)})
def get_job(request: ApiRequest, job_id: IdPath):
    """A load's live progress: rows read, accepted, rejected, and the percent done."""
    return services.access_job(request.auth, job_id)


@router.post("/jobs/{job_id}/retry", response={202: JobOut, **errors(401, 403, 404, 409)})
def retry_job(request: ApiRequest, job_id: IdPath):
    """Run an interrupted or failed load again from its kept file."""
    job = services.access_job(request.auth, job_id)
    return Status(202, services.retry(request.auth, job))


@router.get(
    "/jobs/{job_id}/rejected.csv",
    response={200: None, **errors(401, 404)},
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
)
def rejected_rows(request: ApiRequest, job_id: IdPath):
    """The load's rejected rows with a reason column, to correct and send again (AGG-2)."""
    job = services.access_job(request.auth, job_id)
    response = HttpResponse(services.rejected_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected-{job.pk}.csv"'
    return response


@router.get("/resources/{resource_id}/batches", response={200: BatchPage, **errors(401, 404)})
def list_batches(request: ApiRequest, resource_id: IdPath, q: Query[PageQuery]):
    """Every load of the resource, newest first, with who, when, channel, checksum and counts."""
    resource = services.access_resource(request.auth, resource_id)
    batches = Batch.objects.filter(resource=resource).select_related("undoes").order_by("-number")
    return {"count": batches.count(), "items": list(batches[q.offset : q.offset + q.limit])}


@router.post(
    "/resources/{resource_id}/batches/{number}/undo",
    response={200: BatchOut, **errors(401, 403, 404, 409)},
)
def undo_batch(request: ApiRequest, resource_id: IdPath, number: IdPath):
    """Undo the latest committed batch: the state before it comes back, as a new batch."""
    resource = services.access_resource(request.auth, resource_id)
    return services.undo(request.auth, resource, number)


class RowsQuery(PageQuery):
    as_of_batch: int | None = Field(None, ge=0, le=MAX_ID, description="the state after a batch")
    as_of: dt.datetime | None = Field(None, description="the state at a moment")


class RowsOut(Schema):
    total: int | None = Field(None, description="rows of the current state (current only)")
    rows: list[dict[str, Any]]


@router.get("/resources/{resource_id}/rows", response={200: RowsOut, **errors(401, 404)})
def rows(request: ApiRequest, resource_id: IdPath, q: Query[RowsQuery]):
    """A page of the rows, ordered by key: now, after a batch, or at a moment (AGG-6)."""
    resource = services.access_resource(request.auth, resource_id)
    as_of: int | dt.datetime | None = q.as_of_batch if q.as_of_batch is not None else q.as_of
    found = services.read_rows(request.auth, resource, as_of=as_of, limit=q.limit, offset=q.offset)
    total = storage.count_current(resource) if as_of is None else None
    return {"total": total, "rows": found}


class ChangesOut(Schema):
    since: int
    until: int
    inserted: list[dict[str, Any]]
    updated: list[dict[str, Any]]
    deleted: list[dict[str, Any]]


class ChangesQuery(Schema):
    since: int = Field(..., ge=0, le=MAX_ID, description="the batch number synced last")


@router.get("/resources/{resource_id}/changes", response={200: ChangesOut, **errors(401, 404)})
def changes(request: ApiRequest, resource_id: IdPath, q: Query[ChangesQuery]):
    """What changed after batch ``since`` (incremental sync): call again with ``until``."""
    resource = services.access_resource(request.auth, resource_id)
    return services.read_changes(request.auth, resource, q.since)


class ExportQuery(Schema):
    format: Literal["csv", "xlsx", "json", "ndjson", "parquet"] = "csv"
    as_of_batch: int | None = Field(None, ge=0, le=MAX_ID, description="the state after a batch")
    as_of: dt.datetime | None = Field(None, description="the state at a moment")
    header: Literal["labels", "names"] = Field("labels", description="CSV and Excel header")


@router.get(
    "/resources/{resource_id}/export",
    response={200: None, **errors(401, 404)},
    openapi_extra={
        "responses": {
            200: {
                "content": {
                    "text/csv": {},
                    "application/json": {},
                    "application/x-ndjson": {},
                    "application/vnd.apache.parquet": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                }
            }
        }
    },
)
def export_data(request: ApiRequest, resource_id: IdPath, q: Query[ExportQuery]):
    """The current state, or the state after a batch or at a moment, as a file streamed in
    constant memory (CSV in UTF-8 with BOM, Excel, JSON, NDJSON, Parquet)."""
    resource = services.access_resource(request.auth, resource_id)
    as_of: int | dt.datetime | None = q.as_of_batch if q.as_of_batch is not None else q.as_of
    stream = services.export(request.auth, resource, q.format, as_of=as_of, header=q.header)
    response = StreamingHttpResponse(stream.chunks, content_type=stream.content_type)
    response["Content-Disposition"] = f'attachment; filename="{stream.filename}"'
    return response


class RuleIO(Schema):
    item_name: str = Field(..., max_length=63)
    codes: list[str] = Field(default_factory=list, max_length=5000)
    pattern: str = Field("", max_length=200)
    minimum: str = Field("", max_length=40)
    maximum: str = Field("", max_length=40)


class RulesIO(Schema):
    max_error_rate: float | None = Field(
        None, ge=0, le=1, description="the share of rejected rows above which a load is refused"
    )
    rules: list[RuleIO] = Field(default_factory=list, max_length=500)


def _rules_out(resource) -> dict[str, Any]:
    table = storage.table_of(resource)
    return {
        "max_error_rate": table.max_error_rate if table is not None else None,
        "rules": list(resource.item_rules.order_by("item_name")),
    }


@router.get("/resources/{resource_id}/rules", response={200: RulesIO, **errors(401, 404)})
def get_rules(request: ApiRequest, resource_id: IdPath):
    """The checks beyond the items' types: code lists, patterns, ranges, and the threshold."""
    return _rules_out(services.access_resource(request.auth, resource_id))


@router.put("/resources/{resource_id}/rules", response={200: RulesIO, **errors(401, 403, 404)})
def put_rules(request: ApiRequest, resource_id: IdPath, body: RulesIO):
    """Replace the rules and the threshold; a rule that cannot work is refused with its reason."""
    resource = services.access_resource(request.auth, resource_id, load=True)
    services.set_checks(
        request.auth,
        resource,
        [services.RuleInput(**r.dict()) for r in body.rules],
        body.max_error_rate,
    )
    return _rules_out(resource)
