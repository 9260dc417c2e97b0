"""API of single source (AGG-4): authoritative sources, the finding, coordination cases.

Mounted under ``/api/v1/dataplane/single-source/``. Case moves are explicit endpoints
(``POST /cases/{id}/settle`` …), never a writable status. Every endpoint parses, calls one
service or query of ``single_source``, and returns a schema. A source or case the caller may not
see answers 404 like a missing one; an action out of order answers 409.

A provider sees the cases that concern it, with its own findings only: the sample of another
provider's values is that provider's data. The data authority sees every finding.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from govdata.catalog import queries as catalog_queries
from govdata.catalog.models import Resource
from govdata.core.errors import Forbidden, Invalid, NotFound
from govdata.core.schemas import MAX_ID, ApiRequest, IdPath, TransitionOut, errors
from govdata.orgs.actors import Actor

from . import single_source as services
from .models import (
    AuthoritativeSource,
    CoordinationCase,
    CoordinationFinding,
    CoordinationStatus,
    KeyKind,
)
from .workflows import coordination_workflow

router = Router(tags=["single source"])

TEXT = 2000


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


# --- Authoritative sources ----------------------------------------------------------------------


class SourceOut(Schema):
    id: int
    item_name: str
    key_kind: KeyKind
    resource_id: int
    resource_code: str
    resource_name: str
    provider_id: int
    provider_name: str
    authority_id: int
    authority_name: str
    reason: str
    named_at: dt.datetime
    named_by: str
    active: bool = Field(description="not withdrawn")
    withdrawn_at: dt.datetime | None
    last_checked_at: dt.datetime | None = Field(description="when the finding last ran")


class SourcePage(Schema):
    count: int
    items: list[SourceOut]


def _source_out(source: AuthoritativeSource) -> dict[str, Any]:
    resource = source.resource
    return {
        "id": source.pk,
        "item_name": source.item_name,
        "key_kind": source.key_kind,
        "resource_id": resource.pk,
        "resource_code": resource.code,
        "resource_name": resource.live_version.name if resource.live_version else "",
        "provider_id": resource.provider_id,
        "provider_name": resource.provider.name,
        "authority_id": source.authority_id,
        "authority_name": source.authority.name,
        "reason": source.reason,
        "named_at": source.named_at,
        "named_by": source.named_by,
        "active": source.withdrawn_at is None,
        "withdrawn_at": source.withdrawn_at,
        "last_checked_at": source.last_checked_at,
    }


class SourceQuery(PageQuery):
    item_name: str | None = Field(None, max_length=63)
    resource_id: int | None = Field(None, ge=1, le=MAX_ID)
    active: bool | None = Field(None, description="only sources in force (or only withdrawn)")


@router.get("/sources", response={200: SourcePage, **errors(401)})
def list_sources(request: ApiRequest, q: Query[SourceQuery]):
    """The authoritative sources: which entry is authoritative for which item. Known to every
    government user."""
    sources = services.sources_visible_to(request.auth).select_related("resource__live_version")
    if q.item_name:
        sources = sources.filter(item_name=q.item_name)
    if q.resource_id:
        sources = sources.filter(resource_id=q.resource_id)
    if q.active is not None:
        sources = sources.filter(withdrawn_at__isnull=q.active)
    page = sources[q.offset : q.offset + q.limit]
    return {"count": sources.count(), "items": [_source_out(s) for s in page]}


class SourceIn(Schema):
    resource_id: int = Field(..., ge=1, le=MAX_ID, description="the authoritative entry")
    item_name: str = Field(..., max_length=63, description="the data item, by its name")
    key_kind: KeyKind = Field(..., description="what the item is keyed by")
    reason: str = Field(..., max_length=TEXT, description="why this entry is authoritative")


def _resource(actor: Actor, resource_id: int) -> Resource:
    try:
        return catalog_queries.access_resource_by_id(actor, resource_id)
    except NotFound as exc:
        raise Invalid(
            _("No such catalog entry."),
            code="unknown_resource",
            fields={"resource_id": _("Unknown.")},
        ) from exc


@router.post("/sources", response={201: SourceOut, **errors(401, 403, 409)})
def name_source(request: ApiRequest, body: SourceIn):
    """The data authority over the provider's area names an entry authoritative for a data
    item keyed by a resident ID number or a credit code (AGG-4)."""
    actor = request.auth
    if not services.may_name_sources(actor):
        raise Forbidden(
            _("Only a data authority names authoritative sources."), code="not_authority"
        )
    source = services.check_name_source(
        actor=actor,
        resource=_resource(actor, body.resource_id),
        item_name=body.item_name,
        key_kind=body.key_kind,
        reason=body.reason,
    )
    return Status(201, _source_out(services.access_source_by_id(actor, source.pk)))


@router.get("/sources/{source_id}", response={200: SourceOut, **errors(401, 404)})
def get_source(request: ApiRequest, source_id: IdPath):
    return _source_out(services.access_source_by_id(request.auth, source_id))


class ReasonIn(Schema):
    reason: str = Field(..., max_length=TEXT)


@router.post(
    "/sources/{source_id}/withdraw", response={200: SourceOut, **errors(401, 403, 404, 409)}
)
def withdraw_source(request: ApiRequest, source_id: IdPath, body: ReasonIn):
    """The authority withdraws a source; refused (409) while a case of it is open."""
    actor = request.auth
    source = services.access_source_by_id(actor, source_id)
    services.do_withdraw_source(actor=actor, source=source, reason=body.reason)
    return _source_out(services.access_source_by_id(actor, source_id))


class FoundOut(Schema):
    resource_id: int
    resource_code: str
    provider_id: int
    provider_name: str
    key_item: str
    compared: bool = Field(description="both entries' data are stored and were compared")
    conflict_count: int = Field(description="keys whose value differs from the authoritative one")


class RunOut(Schema):
    source: SourceOut
    opened: bool = Field(description="a new coordination case was opened")
    case_id: int | None = Field(description="the open case of the source, if any")
    findings: list[FoundOut]


@router.post("/sources/{source_id}/run", response={200: RunOut, **errors(401, 403, 404, 409)})
def run_finding(request: ApiRequest, source_id: IdPath):
    """Run the finding now (it also runs weekly): the other entries that gather the item and
    their differing values. Opens a coordination case when there are any, or refreshes the open
    one. The samples are read on the case."""
    actor = request.auth
    source = services.access_source_by_id(actor, source_id)
    result = services.find_and_open(source, actor)
    return {
        "source": _source_out(services.access_source_by_id(actor, source_id)),
        "opened": result.opened,
        "case_id": result.case.pk if result.case else None,
        "findings": [
            {
                "resource_id": f.resource.pk,
                "resource_code": f.resource.code,
                "provider_id": f.resource.provider_id,
                "provider_name": f.resource.provider.name,
                "key_item": f.key_item,
                "compared": f.conflicts.compared,
                "conflict_count": f.conflicts.count,
            }
            for f in result.findings
        ],
    }


# --- Coordination cases ---------------------------------------------------------------------------


class CaseOut(Schema):
    id: int
    status: CoordinationStatus
    status_label: str
    source_id: int
    item_name: str
    key_kind: KeyKind
    authoritative_resource_code: str
    authoritative_provider_name: str
    authority_id: int
    authority_name: str
    opened_at: dt.datetime
    opened_by: str
    checked_at: dt.datetime
    due_on: dt.date | None
    overdue: bool = Field(description="open past its deadline")
    decision: str = Field(description="which value stands (settled)")
    close_reason: str = Field(description="why it was closed without action")
    decided_at: dt.datetime | None
    decided_by: str


class CasePage(Schema):
    count: int
    items: list[CaseOut]


class FindingOut(Schema):
    id: int
    resource_id: int
    resource_code: str
    resource_name: str
    provider_id: int
    provider_name: str
    key_item: str
    still_gathers: bool
    compared: bool
    conflict_count: int
    sample: list[list[str]] = Field(description="[key, their value, authoritative value] …")
    checked_at: dt.datetime
    notified_at: dt.datetime = Field(description="when the provider was last told")
    instruction: str = Field(description="what the provider must do (settled)")
    acknowledged_at: dt.datetime | None
    acknowledged_by: str
    notice: str = Field(description="the notice the provider reads")


class CaseDetailOut(CaseOut):
    actions: list[str] = Field(description="the moves the caller may make now")
    findings: list[FindingOut] = Field(
        description="every finding for the authority; a provider's own for a provider"
    )
    history: list[TransitionOut]


def _case_out(case: CoordinationCase) -> dict[str, Any]:
    source = case.source
    return {
        "id": case.pk,
        "status": case.status,
        "status_label": str(coordination_workflow.label_of(case.status)),
        "source_id": source.pk,
        "item_name": source.item_name,
        "key_kind": source.key_kind,
        "authoritative_resource_code": source.resource.code,
        "authoritative_provider_name": source.resource.provider.name,
        "authority_id": case.authority_id,
        "authority_name": case.authority.name,
        "opened_at": case.opened_at,
        "opened_by": case.opened_by,
        "checked_at": case.checked_at,
        "due_on": case.due_on,
        "overdue": case.status == CoordinationStatus.OPEN and case.is_overdue(),
        "decision": case.decision,
        "close_reason": case.close_reason,
        "decided_at": case.decided_at,
        "decided_by": case.decided_by,
    }


def _finding_out(finding: CoordinationFinding) -> dict[str, Any]:
    resource = finding.resource
    return {
        "id": finding.pk,
        "resource_id": resource.pk,
        "resource_code": resource.code,
        "resource_name": resource.live_version.name if resource.live_version else "",
        "provider_id": finding.provider_id,
        "provider_name": finding.provider.name,
        "key_item": finding.key_item,
        "still_gathers": finding.still_gathers,
        "compared": finding.compared,
        "conflict_count": finding.conflict_count,
        "sample": finding.sample,
        "checked_at": finding.checked_at,
        "notified_at": finding.notified_at,
        "instruction": finding.instruction,
        "acknowledged_at": finding.acknowledged_at,
        "acknowledged_by": finding.acknowledged_by,
        "notice": services.notice_text(finding),
    }


def _case_detail(actor: Actor, case_id: int) -> dict[str, Any]:
    case, findings_list = services.read_case(actor, case_id)  # read again as the list shows it
    row = _case_out(case)
    row["actions"] = [t.name for t in coordination_workflow.available(case, actor)]
    row["findings"] = [_finding_out(f) for f in findings_list]
    row["history"] = list(coordination_workflow.history(case))
    return row


class CaseQuery(PageQuery):
    status: CoordinationStatus | None = None
    queue: bool = Field(
        False, description="only the cases in which your organisation is told something"
    )
    unacknowledged: bool | None = Field(
        None, description="with the queue: only those with a notice not yet acknowledged"
    )
    overdue: bool | None = Field(None, description="only open cases past their deadline")
    source_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.get("/cases", response={200: CasePage, **errors(401)})
def list_cases(request: ApiRequest, q: Query[CaseQuery]):
    """The coordination cases the caller may see: those of its area for the data authority,
    those that concern its organisation for a provider (``queue``: its queue, notices not yet
    acknowledged first). Newest first."""
    actor = request.auth
    cases = (
        services.cases_for_provider(actor, unacknowledged=q.unacknowledged)
        if q.queue
        else services.cases_visible_to(actor)
    )
    if q.status:
        cases = cases.filter(status=q.status)
    if q.source_id:
        cases = cases.filter(source_id=q.source_id)
    if q.overdue:
        cases = cases.filter(status=CoordinationStatus.OPEN, due_on__lt=timezone.localdate())
    page = cases.select_related("source__resource__provider", "authority")[
        q.offset : q.offset + q.limit
    ]
    return {"count": cases.count(), "items": [_case_out(c) for c in page]}


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **errors(401, 404)})
def get_case(request: ApiRequest, case_id: IdPath):
    """A case with its findings, the moves the caller may make, and its history."""
    return _case_detail(request.auth, case_id)


_ACTION = {200: CaseDetailOut, **errors(401, 403, 404, 409)}


class InstructionIn(Schema):
    finding_id: int = Field(..., ge=1, le=MAX_ID)
    instruction: str = Field(..., max_length=TEXT, description="what this provider must do")


class SettleIn(Schema):
    decision: str = Field(..., max_length=TEXT, description="which value stands, and why")
    instructions: list[InstructionIn] = Field([], max_length=500)


@router.post("/cases/{case_id}/settle", response=_ACTION)
def settle_case(request: ApiRequest, case_id: IdPath, body: SettleIn):
    """The data authority settles an open case: the decision, and what each provider must do.
    The providers find it in their queue."""
    actor = request.auth
    case = services.access_case_by_id(actor, case_id)
    instructions: dict[int, str] = {}
    for line in body.instructions:
        if line.finding_id in instructions:
            raise Invalid(
                _("Each finding gets one instruction."),
                code="duplicate_finding",
                fields={"instructions": _("Named twice.")},
            )
        instructions[line.finding_id] = line.instruction
    services.do_settle_case(
        actor=actor, case=case, decision=body.decision, instructions=instructions
    )
    return _case_detail(actor, case_id)


@router.post("/cases/{case_id}/close", response=_ACTION)
def close_case(request: ApiRequest, case_id: IdPath, body: ReasonIn):
    """The data authority closes an open case without action, giving the reason."""
    actor = request.auth
    case = services.access_case_by_id(actor, case_id)
    services.do_close_case(actor=actor, case=case, reason=body.reason)
    return _case_detail(actor, case_id)


@router.post("/cases/{case_id}/findings/{finding_id}/acknowledge", response=_ACTION)
def acknowledge_finding(request: ApiRequest, case_id: IdPath, finding_id: IdPath):
    """The provider acknowledges its notice (of the case, or of its decision)."""
    actor = request.auth
    case = services.access_case_by_id(actor, case_id)
    finding = services.access_finding(actor, case, finding_id)
    services.do_acknowledge_finding(actor=actor, finding=finding)
    return _case_detail(actor, case_id)
