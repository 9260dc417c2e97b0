"""API of scheduled pulls (AGG-1): a resource's pull sources — a query on the department's source
database or an HTTP endpoint answering JSON — listed, saved, removed, tested, and pulled now.

Mounted under ``/api/v1/dataplane/``. Only those who may load the resource see and change its
sources. The credentials are written, never read: no answer carries them, and an update without
``credentials`` keeps the saved ones."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Router, Schema, Status

from govdata.core.schemas import MAX_ID, ApiRequest, IdPath, errors

from . import pull, services
from .api import JobOut
from .models import LoadJob, PullKind, PullSource

router = Router(tags=["pulls"])


class CredentialsIn(Schema):
    user: str = Field("", max_length=200, description="database user (SQL)")
    password: str = Field("", max_length=1000, description="database password (SQL)")
    headers: dict[str, str] = Field(
        default_factory=dict, description="HTTP headers sent with the request, e.g. Authorization"
    )


class SourceIn(Schema):
    kind: PullKind
    engine: Literal["postgresql", "mysql", "sqlite", ""] = Field(
        "", description="SQL: postgresql, mysql (MariaDB too) or sqlite"
    )
    location: str = Field(
        ...,
        max_length=500,
        description="SQL: host:port/database (SQLite: the file's name); HTTP: the http(s) URL",
    )
    query: str = Field(
        "",
        max_length=100_000,
        description="SQL: a single SELECT; HTTP: the key of the list of rows in the answer "
        '(e.g. "data" or "result.items"), empty for an array or a "rows"/"data" list',
    )
    system_id: int | None = Field(None, ge=1, le=MAX_ID, description="the provider's system")
    enabled: bool = True
    credentials: CredentialsIn | None = Field(
        None, description="written, never shown again; leave out on update to keep the saved ones"
    )


class SourceCreateIn(SourceIn):
    declared_no_secret: bool = Field(
        ..., description="the declaration that the pulled data holds no secret data (AGG-7)"
    )


class LastJobOut(Schema):
    id: int
    status: str
    error: str
    created_at: dt.datetime


class SourceOut(Schema):
    id: int
    resource_id: int
    kind: PullKind
    engine: str
    location: str
    query: str
    system_id: int | None
    enabled: bool
    has_credentials: bool = Field(description="credentials are saved (they are never shown)")
    created_at: dt.datetime
    created_by: str
    last_run_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_error: str
    last_job: LastJobOut | None


class SourcePage(Schema):
    count: int
    items: list[SourceOut]


class RunIn(Schema):
    declared_no_secret: bool = Field(
        ..., description="the loader's declaration that the data holds no secret data (AGG-7)"
    )


class TestOut(Schema):
    ok: bool
    error: str
    columns: list[str] = Field(description="the column names the source gives")


def _last_jobs(sources: list[PullSource]) -> dict[int, LoadJob]:
    """The latest load of each source, in one query."""
    if not sources:
        return {}
    jobs = LoadJob.objects.filter(
        resource_id__in={s.resource_id for s in sources}, channel="pull"
    ).order_by("-created_at", "-id")
    found: dict[int, LoadJob] = {}
    markers = {pull.marker(s): s.pk for s in sources}
    for job in jobs.only("id", "status", "error", "created_at", "source_name")[:500]:
        for prefix, source_id in markers.items():
            if job.source_name.startswith(prefix):
                found.setdefault(source_id, job)
    return found


def _out(source: PullSource, last_job: LoadJob | None) -> dict[str, Any]:
    return {
        "id": source.pk,
        "resource_id": source.resource_id,
        "kind": source.kind,
        "engine": source.engine,
        "location": source.location,
        "query": source.query,
        "system_id": source.system_id,
        "enabled": source.enabled,
        "has_credentials": bool(source.secret),
        "created_at": source.created_at,
        "created_by": source.created_by,
        "last_run_at": source.last_run_at,
        "last_success_at": source.last_success_at,
        "last_error": source.last_error,
        "last_job": last_job,
    }


def _input(body: SourceIn) -> tuple[pull.SourceInput, pull.Credentials | None]:
    data = pull.SourceInput(
        kind=body.kind,
        engine=body.engine,
        location=body.location,
        query=body.query,
        system_id=body.system_id,
        enabled=body.enabled,
    )
    credentials = (
        pull.Credentials(
            user=body.credentials.user,
            password=body.credentials.password,
            headers=body.credentials.headers,
        )
        if body.credentials is not None
        else None
    )
    return data, credentials


@router.get(
    "/resources/{resource_id}/pull-sources",
    response={200: SourcePage, **errors(401, 403, 404)},
)
def list_sources(request: ApiRequest, resource_id: IdPath):
    """The resource's pull sources with their last run, success and error (no credentials)."""
    resource = services.access_resource(request.auth, resource_id, load=True)
    sources = list(PullSource.objects.filter(resource=resource))
    last = _last_jobs(sources)
    return {"count": len(sources), "items": [_out(s, last.get(s.pk)) for s in sources]}


@router.post(
    "/resources/{resource_id}/pull-sources",
    response={201: SourceOut, **errors(401, 403, 404, 409)},
)
def create_source(request: ApiRequest, resource_id: IdPath, body: SourceCreateIn):
    """Save a pull source; the platform pulls it on the resource's update cycle. Only one
    source of a resource may be enabled: each pull replaces the whole data."""
    resource = services.access_resource(request.auth, resource_id, load=True)
    data, credentials = _input(body)
    source = pull.create_source(
        request.auth,
        resource,
        data,
        credentials=credentials,
        declared_no_secret=body.declared_no_secret,
    )
    return Status(201, _out(source, None))


@router.put("/pull-sources/{source_id}", response={200: SourceOut, **errors(401, 403, 404, 409)})
def update_source(request: ApiRequest, source_id: IdPath, body: SourceIn):
    """Change a source; leave ``credentials`` out to keep the saved ones."""
    source = pull.access_source(request.auth, source_id)
    data, credentials = _input(body)
    source = pull.update_source(request.auth, source, data, credentials=credentials)
    return _out(source, _last_jobs([source]).get(source.pk))


@router.delete("/pull-sources/{source_id}", response={204: None, **errors(401, 403, 404)})
def delete_source(request: ApiRequest, source_id: IdPath):
    """Remove a source; the loads it made stay."""
    source = pull.access_source(request.auth, source_id)
    pull.delete_source(request.auth, source)
    return Status(204, None)


@router.post("/pull-sources/{source_id}/run", response={202: JobOut, **errors(401, 403, 404, 409)})
def run_source(request: ApiRequest, source_id: IdPath, body: RunIn):
    """Pull now: the source is read at once and its load queued as a job (follow it at
    ``/dataplane/jobs/{id}``). A source that cannot be read answers 409 with the reason, which
    is also kept as the source's last error."""
    source = pull.access_source(request.auth, source_id)
    job = pull.pull_now(request.auth, source, declared_no_secret=body.declared_no_secret)
    job.refresh_from_db()
    return Status(202, job)


@router.post("/pull-sources/{source_id}/test", response={200: TestOut, **errors(401, 403, 404)})
def test_source(request: ApiRequest, source_id: IdPath):
    """Connect and run the query (or fetch the answer), keeping nothing: ok with the columns the
    source gives, or the error."""
    source = pull.access_source(request.auth, source_id)
    return pull.test_source(request.auth, source)
