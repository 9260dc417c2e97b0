"""API of catalog entries, their versions and data items, review and maintenance (CAT-1..4).

Workflow moves are explicit endpoints (``POST /versions/{id}/submit`` …), never a writable
status. Every endpoint parses, calls one service or query, and returns a schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from govdata.core.errors import NotFound
from govdata.core.schemas import MAX_ID, ApiRequest, IdPath, TransitionOut, errors
from govdata.orgs.models import Organisation

from .. import queries, services
from ..choices import (
    OPEN_VERSION_STATES,
    DataForm,
    Domain,
    Importance,
    ItemType,
    MaintenanceStatus,
    MaintenanceTrigger,
    OpenType,
    ResourceClass,
    Sensitivity,
    ShareMethod,
    ShareType,
    UpdateCycle,
    VersionStatus,
)
from ..models import Library, MaintenanceTask, Resource, ResourceVersion
from ..workflows import review_workflow, version_actions

router = Router(tags=["catalog"])


# --- Schemas ---------------------------------------------------------------------------------------


class ItemIn(Schema):
    name: str = Field(..., max_length=63, description="lower-case ASCII, digits and _")
    label: str = Field(..., max_length=100, description="the Chinese label")
    item_type: ItemType
    length: int | None = Field(None, ge=1, le=100_000)
    is_key: bool = False
    is_required: bool = False
    is_personal: bool = False
    security_level: int = Field(1, ge=1, le=4)
    description: str = Field("", max_length=500)


class EntryIn(Schema):
    """A whole description of an entry (CAT-1). Share and open types left empty take the
    defaults of the sensitivity class (G§9)."""

    name: str = Field(..., max_length=200)
    summary: str = Field("", max_length=4000)
    domain: Domain
    data_form: DataForm
    data_format: str = Field("", max_length=60)
    sensitivity: Sensitivity
    importance: Importance = Importance.GENERAL
    security_level: int = Field(1, ge=1, le=4)
    share_type: ShareType | None = None
    share_conditions: str = Field("", max_length=4000)
    share_methods: list[ShareMethod] = Field([], max_length=4)
    share_basis: str = Field("", max_length=4000)
    open_type: OpenType | None = None
    open_conditions: str = Field("", max_length=4000)
    open_basis: str = Field("", max_length=4000)
    update_cycle: UpdateCycle
    source_system_id: int | None = Field(None, ge=1, le=MAX_ID)
    collecting_org_id: int | None = Field(None, ge=1, le=MAX_ID)
    approving_org_id: int | None = Field(None, ge=1, le=MAX_ID)
    usage_requirements: str = Field("", max_length=4000)
    related_codes: list[str] = Field([], max_length=50)
    items: list[ItemIn] = Field([], max_length=500)

    def split(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        data = self.dict()
        items = data.pop("items")
        return data, items


class ResourceIn(EntryIn):
    provider_id: int = Field(..., ge=1, le=MAX_ID)
    resource_class: ResourceClass = ResourceClass.DEPARTMENT
    library_id: int | None = Field(None, ge=1, le=MAX_ID)


class VersionUpdateIn(EntryIn):
    edit_seq: int = Field(
        ..., ge=1, le=MAX_ID, description="the edit_seq of the version as you read it"
    )


class ItemOut(Schema):
    position: int
    name: str
    label: str
    item_type: ItemType
    length: int | None
    is_key: bool
    is_required: bool
    is_personal: bool
    security_level: int
    description: str


class VersionSummaryOut(Schema):
    id: int
    resource_id: int
    code: str
    number: int
    status: VersionStatus
    name: str
    provider_name: str
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None
    due_on: dt.date | None
    due_provisional: bool

    @staticmethod
    def resolve_code(obj: ResourceVersion) -> str:
        return obj.resource.code

    @staticmethod
    def resolve_provider_name(obj: ResourceVersion) -> str:
        return obj.resource.provider.name


class VersionOut(VersionSummaryOut):
    summary: str
    domain: Domain
    data_form: DataForm
    data_format: str
    sensitivity: Sensitivity
    importance: Importance
    security_level: int
    share_type: ShareType
    share_conditions: str
    share_methods: list[str]
    share_basis: str
    open_type: OpenType
    open_conditions: str
    open_basis: str
    update_cycle: UpdateCycle
    source_system_id: int | None
    collecting_org_id: int | None
    approving_org_id: int | None
    usage_requirements: str
    related_codes: list[str]
    change_reason: str
    created_at: dt.datetime
    created_by: str
    edit_seq: int
    maintenance_task_id: int | None
    items: list[ItemOut]
    actions: list[str] = Field(description="the workflow actions the caller may take now")
    history: list[TransitionOut]

    @staticmethod
    def resolve_items(obj: ResourceVersion) -> list:
        return list(queries.items_of(obj))

    @staticmethod
    def resolve_history(obj: ResourceVersion) -> list:
        return list(review_workflow.history(obj))

    @staticmethod
    def resolve_actions(obj: ResourceVersion, context: dict[str, Any]) -> list[str]:
        request: HttpRequest = context["request"]
        return version_actions(request.auth, obj)  # type: ignore[attr-defined]


class ResourceOut(Schema):
    id: int
    code: str
    resource_class: ResourceClass
    library_id: int | None
    provider_id: int
    provider_name: str
    created_at: dt.datetime
    last_reviewed_at: dt.datetime | None
    live_version: VersionSummaryOut | None
    working_version: VersionSummaryOut | None

    @staticmethod
    def resolve_provider_name(obj: Resource) -> str:
        return obj.provider.name

    @staticmethod
    def resolve_working_version(obj: Resource, context: dict[str, Any]) -> Any:
        if not queries.may_see_unpublished(context["request"].auth, obj):
            return None
        if hasattr(obj, "open_versions"):  # prefetched by the list endpoint
            return obj.open_versions[0] if obj.open_versions else None
        return queries.working_version(obj)


class ResourcePage(Schema):
    count: int
    items: list[ResourceOut]


class CommentIn(Schema):
    comment: str = Field("", max_length=2000)


class RevisionIn(Schema):
    reason: str = Field(..., max_length=2000, description="why the entry changes (CAT-4)")
    maintenance_task_id: int | None = Field(None, ge=1, le=MAX_ID)


class DifferenceOut(Schema):
    field: str
    old: Any
    new: Any


class ItemChangeOut(Schema):
    name: str
    changes: list[DifferenceOut]


class ComparisonOut(Schema):
    old: VersionSummaryOut
    new: VersionSummaryOut
    same: bool
    fields: list[DifferenceOut]
    items_added: list[str]
    items_removed: list[str]
    items_changed: list[ItemChangeOut]
    items_reordered: bool


class MaintenanceTaskOut(Schema):
    id: int
    resource_id: int
    code: str
    name: str
    provider_id: int
    provider_name: str
    trigger: MaintenanceTrigger
    reason: str
    status: MaintenanceStatus
    raised_by: str
    raised_at: dt.datetime
    due_on: dt.date | None
    due_provisional: bool
    answer: str

    @staticmethod
    def resolve_code(obj: MaintenanceTask) -> str:
        return obj.resource.code

    @staticmethod
    def resolve_name(obj: MaintenanceTask) -> str:
        live = obj.resource.live_version
        return live.name if live else ""

    @staticmethod
    def resolve_provider_id(obj: MaintenanceTask) -> int:
        return obj.resource.provider_id

    @staticmethod
    def resolve_provider_name(obj: MaintenanceTask) -> str:
        return obj.resource.provider.name


class MaintenanceIn(Schema):
    trigger: MaintenanceTrigger
    reason: str = Field(..., max_length=2000)


class OverdueDepartmentOut(Schema):
    organisation_id: int
    organisation: str
    tasks: list[MaintenanceTaskOut]


class OverdueOut(Schema):
    maintenance: list[OverdueDepartmentOut]
    reviews: list[VersionSummaryOut]


class StateCountOut(Schema):
    organisation_id: int
    organisation: str
    counts: dict[str, int]


class LibraryOut(Schema):
    id: int
    resource_class: ResourceClass
    code: str
    name: str
    lead_department_id: int
    description: str


# --- Helpers ---------------------------------------------------------------------------------------


def _provider(provider_id: int) -> Organisation:
    provider = Organisation.objects.filter(pk=provider_id, is_active=True).first()
    if provider is None:
        raise NotFound("no such organisation", fields={"provider_id": "No such organisation."})
    return provider


def _library(library_id: int | None) -> Library | None:
    if library_id is None:
        return None
    library = Library.objects.filter(pk=library_id).first()
    if library is None:
        raise NotFound("no such library", fields={"library_id": "No such library."})
    return library


# --- Entries and versions -------------------------------------------------------------------------


class ResourceQuery(Schema):
    view: Literal["catalog", "share", "mine"] = Field(
        "catalog",
        description="catalog: every published entry; share: the share catalog; mine: the "
        "entries of the organisations the caller compiles for, in every state",
    )
    provider_id: int | None = Field(None, ge=1, le=MAX_ID)
    resource_class: ResourceClass | None = None
    library_id: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/resources", response={200: ResourcePage, **errors(401)})
def list_resources(request: ApiRequest, q: Query[ResourceQuery]):
    """The resource catalog or the share catalog (CAT-2), or the caller's own entries."""
    actor = request.auth
    if q.view == "share":
        query = queries.share_catalog(actor)
    elif q.view == "mine":
        query = queries.resources_compiled_by(actor)
    else:
        query = queries.resource_catalog(actor)
    if q.provider_id:
        query = query.filter(provider_id=q.provider_id)
    if q.resource_class:
        query = query.filter(resource_class=q.resource_class)
    if q.library_id:
        query = query.filter(library_id=q.library_id)
    query = (
        query.select_related("live_version__resource__provider")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ResourceVersion.objects.filter(
                    status__in=sorted(OPEN_VERSION_STATES)
                ).select_related("resource__provider"),
                to_attr="open_versions",
            )
        )
        .order_by("code")
    )
    return {"count": query.count(), "items": list(query[q.offset : q.offset + q.limit])}


@router.post("/resources", response={201: VersionOut, **errors(401, 404)})
def create_resource(request: ApiRequest, body: ResourceIn):
    """Compile a new entry: it gets its resource code and a first draft version (CAT-1)."""
    entry, items = body.split()
    provider = _provider(entry.pop("provider_id"))
    library = _library(entry.pop("library_id"))
    resource_class = entry.pop("resource_class")
    version = services.check_create_resource(
        actor=request.auth,
        provider=provider,
        resource_class=resource_class,
        library=library,
        entry=entry,
        items=items,
    )
    return Status(201, version)


@router.get("/resources/{resource_id}", response={200: ResourceOut, **errors(401, 404)})
def get_resource(request: ApiRequest, resource_id: IdPath):
    return queries.access_resource_by_id(request.auth, resource_id)


@router.get(
    "/resources/{resource_id}/versions",
    response={200: list[VersionSummaryOut], **errors(401, 404)},
)
def list_versions(request: ApiRequest, resource_id: IdPath):
    """Every version the caller may read, newest first (CAT-4)."""
    resource = queries.access_resource_by_id(request.auth, resource_id)
    return list(
        queries.versions_visible_to(request.auth, resource).select_related("resource__provider")
    )


@router.post(
    "/resources/{resource_id}/revisions",
    response={201: VersionOut, **errors(401, 404, 409)},
)
def start_revision(request: ApiRequest, resource_id: IdPath, body: RevisionIn):
    """Begin changing a published entry; the live version stays published until the revision is
    approved (CAT-4)."""
    resource = queries.access_resource_by_id(request.auth, resource_id)
    task = None
    if body.maintenance_task_id:
        task = queries.access_maintenance_task_by_id(request.auth, body.maintenance_task_id)
    version = services.check_start_revision(
        actor=request.auth, resource=resource, reason=body.reason, maintenance_task=task
    )
    return Status(201, version)


class CompareQuery(Schema):
    old: int = Field(..., ge=1, le=100_000, description="version number")
    new: int = Field(..., ge=1, le=100_000, description="version number")


@router.get("/resources/{resource_id}/compare", response={200: ComparisonOut, **errors(401, 404)})
def compare_versions(request: ApiRequest, resource_id: IdPath, q: Query[CompareQuery]):
    """Two versions field by field and item by item (CAT-4)."""
    resource = queries.access_resource_by_id(request.auth, resource_id)
    versions = {
        v.number: v
        for v in queries.versions_visible_to(request.auth, resource).filter(
            number__in=[q.old, q.new]
        )
    }
    if q.old not in versions or q.new not in versions:
        raise NotFound("no such version")
    result = queries.compare_versions(versions[q.old], versions[q.new])
    return ComparisonOut(
        old=result.old,
        new=result.new,
        same=result.same,
        fields=[DifferenceOut(field=d.field, old=d.old, new=d.new) for d in result.fields],
        items_added=result.items_added,
        items_removed=result.items_removed,
        items_changed=[
            ItemChangeOut(
                name=name,
                changes=[DifferenceOut(field=d.field, old=d.old, new=d.new) for d in diffs],
            )
            for name, diffs in result.items_changed.items()
        ],
        items_reordered=result.items_reordered,
    )


@router.get("/versions/{version_id}", response={200: VersionOut, **errors(401, 404)})
def get_version(request: ApiRequest, version_id: IdPath):
    return queries.access_version_by_id(request.auth, version_id)


@router.put("/versions/{version_id}", response={200: VersionOut, **errors(401, 404, 409)})
def update_version(request: ApiRequest, version_id: IdPath, body: VersionUpdateIn):
    """Rewrite a draft or returned version whole; ``edit_seq`` must be the one you read, or the
    answer is 409 (someone else changed it first)."""
    version = queries.access_version_by_id(request.auth, version_id)
    entry, items = body.split()
    edit_seq = entry.pop("edit_seq")
    return services.check_update_version(
        actor=request.auth, version=version, edit_seq=edit_seq, entry=entry, items=items
    )


def _act(request: ApiRequest, version_id: int, action: str, comment: str) -> ResourceVersion:
    actor = request.auth
    version = queries.access_version_by_id(actor, version_id)
    if action == "submit":
        return services.check_submit_version(actor=actor, version=version, comment=comment)
    if action == "approve":
        return services.do_approve_version(actor=actor, version=version, comment=comment)
    if action == "reject":
        return services.do_reject_version(actor=actor, version=version, comment=comment)
    return services.do_withdraw_version(actor=actor, version=version, comment=comment)


_ACTION_RESPONSES = {200: VersionOut, **errors(401, 403, 404, 409)}


@router.post("/versions/{version_id}/submit", response=_ACTION_RESPONSES)
def submit_version(request: ApiRequest, version_id: IdPath, body: CommentIn):
    """Send a draft or returned version to review: the county data authority first for county,
    township and village providers, else the city (CAT-3). The deadline is in ``due_on``."""
    return _act(request, version_id, "submit", body.comment)


@router.post("/versions/{version_id}/approve", response=_ACTION_RESPONSES)
def approve_version(request: ApiRequest, version_id: IdPath, body: CommentIn):
    """A reviewer approves at its level: the county passes it to the city, the city publishes."""
    return _act(request, version_id, "approve", body.comment)


@router.post("/versions/{version_id}/reject", response=_ACTION_RESPONSES)
def reject_version(request: ApiRequest, version_id: IdPath, body: CommentIn):
    """A reviewer returns the version to its provider; the comment gives the reasons."""
    return _act(request, version_id, "reject", body.comment)


@router.post("/versions/{version_id}/withdraw", response=_ACTION_RESPONSES)
def withdraw_version(request: ApiRequest, version_id: IdPath, body: CommentIn):
    """The provider withdraws a version that is not yet published."""
    return _act(request, version_id, "withdraw", body.comment)


@router.get("/review-queue", response={200: list[VersionSummaryOut], **errors(401)})
def review_queue(request: ApiRequest):
    """Versions waiting for the caller's review, soonest deadline first (CAT-3)."""
    return list(queries.review_queue(request.auth)[:500])


# --- Maintenance (CAT-4) ---------------------------------------------------------------------------


class MaintenanceQuery(Schema):
    status: MaintenanceStatus | None = None
    resource_id: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/maintenance-tasks", response={200: list[MaintenanceTaskOut], **errors(401)})
def list_maintenance_tasks(request: ApiRequest, q: Query[MaintenanceQuery]):
    """Maintenance tasks of the caller's organisations and of the area it oversees."""
    query = queries.maintenance_visible_to(request.auth).select_related("resource__live_version")
    if q.status:
        query = query.filter(status=q.status)
    if q.resource_id:
        query = query.filter(resource_id=q.resource_id)
    return list(query.order_by("due_on", "pk")[q.offset : q.offset + q.limit])


@router.post(
    "/resources/{resource_id}/maintenance-tasks",
    response={201: MaintenanceTaskOut, **errors(401, 404, 409)},
)
def raise_maintenance_task(request: ApiRequest, resource_id: IdPath, body: MaintenanceIn):
    """Record that a published entry must be revisited; the trigger's deadline starts now."""
    resource = queries.access_resource_by_id(request.auth, resource_id)
    task = services.check_raise_maintenance_task(
        actor=request.auth, resource=resource, trigger=body.trigger, reason=body.reason
    )
    return Status(201, task)


@router.post(
    "/maintenance-tasks/{task_id}/confirm-unchanged",
    response={200: MaintenanceTaskOut, **errors(401, 403, 404, 409)},
)
def confirm_unchanged(request: ApiRequest, task_id: IdPath, body: CommentIn):
    """The provider closes a task, saying why the entry needs no change."""
    task = queries.access_maintenance_task_by_id(request.auth, task_id)
    return services.do_confirm_unchanged(actor=request.auth, task=task, comment=body.comment)


@router.post(
    "/maintenance-tasks/{task_id}/cancel",
    response={200: MaintenanceTaskOut, **errors(401, 403, 404, 409)},
)
def cancel_maintenance_task(request: ApiRequest, task_id: IdPath, body: CommentIn):
    """The authority over the area withdraws a task raised in error (reason required)."""
    task = queries.access_maintenance_task_by_id(request.auth, task_id)
    return services.do_cancel_maintenance_task(actor=request.auth, task=task, comment=body.comment)


@router.get("/overdue", response={200: OverdueOut, **errors(401)})
def overdue(request: ApiRequest):
    """Every overdue maintenance task by department, and the overdue reviews, in the area the
    caller oversees (CAT-4)."""
    by_org: dict[int, dict[str, Any]] = {}
    for task in queries.overdue_maintenance(request.auth):
        provider = task.resource.provider
        group = by_org.setdefault(
            provider.pk,
            {"organisation_id": provider.pk, "organisation": provider.name, "tasks": []},
        )
        group["tasks"].append(task)
    return {
        "maintenance": list(by_org.values()),
        "reviews": list(queries.overdue_reviews(request.auth)),
    }


@router.get("/state-counts", response={200: list[StateCountOut], **errors(401)})
def state_counts(request: ApiRequest):
    """Versions per department and state in the area the caller oversees (CAT-3)."""
    return queries.state_counts(request.auth)


@router.get("/libraries", response={200: list[LibraryOut], **errors(401)})
def list_libraries(request: ApiRequest):
    """The base and theme databases and their lead departments (CAT-2)."""
    if not queries.is_staff(request.auth):
        return []
    return list(Library.objects.order_by("resource_class", "code"))
