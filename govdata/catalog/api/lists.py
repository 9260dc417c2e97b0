"""API of the catalog's lists (CAT-6): demands, responsibilities, the non-share list and the
published lists; and the zombie flags the authority reviews (CAT-5).

Demand moves are explicit endpoints (``POST /demands/{id}/assign`` …), never a writable status.
Every endpoint parses, calls one service or query, and returns a schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from govdata.core.errors import Forbidden, Invalid, NotFound
from govdata.core.schemas import MAX_ID, ApiRequest, IdPath, TransitionOut, errors
from govdata.orgs.actors import Actor
from govdata.orgs.choices import OrgKind
from govdata.orgs.models import Organisation

from .. import queries, queries_lists
from ..choices import DemandAnswer, DemandStatus, ZombieRule
from ..models import Demand, ListPublication, Resource, Responsibility, ZombieFlag
from ..queries_lists import ListKind
from ..services import lists as services
from ..workflows_lists import demand_workflow

router = Router(tags=["catalog lists"])


# --- Shared -------------------------------------------------------------------------------------------


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


def _organisation(organisation_id: int, field: str) -> Organisation:
    org = Organisation.objects.filter(pk=organisation_id, is_active=True).first()
    if org is None:
        raise Invalid(
            _("No such organisation."), code="unknown_organisation", fields={field: _("Unknown.")}
        )
    return org


def _resource(actor: Actor, resource_id: int | None) -> Resource | None:
    """An entry named in a body: one the caller may see, else the same answer as a missing one."""
    if resource_id is None:
        return None
    try:
        return queries.access_resource_by_id(actor, resource_id)
    except NotFound as exc:
        raise Invalid(
            _("No such catalog entry."),
            code="unknown_resource",
            fields={"resource_id": _("Unknown.")},
        ) from exc


def _requester(actor: Actor, requester_id: int | None) -> Organisation:
    if requester_id is not None:
        return _organisation(requester_id, "requester_id")
    if actor.organisation is None:  # a public user acts for no organisation
        raise Forbidden(
            _("You may not file demands for this organisation."), code="not_your_organisation"
        )
    return actor.organisation


# --- Demands ------------------------------------------------------------------------------------------


class DemandOut(Schema):
    id: int
    requester_id: int
    requester_name: str
    title: str
    description: str
    purpose: str
    basis: str
    status: DemandStatus
    status_label: str
    responsible_id: int | None
    responsible_name: str | None
    resource_id: int | None
    resource_code: str | None
    resource_name: str | None
    answer: str
    outcome: DemandAnswer | None = Field(
        description="the responsible department's answer: it will provide the data, or cannot"
    )
    legal_basis: str = Field(description="the legal basis of a refusal (empty otherwise)")
    filed_on: dt.date
    due_on: dt.date | None
    overdue: bool = Field(description="with the responsible department past its deadline")


class SuggestionOut(Schema):
    resource_id: int
    code: str
    name: str
    provider_name: str


class DemandDetailOut(DemandOut):
    actions: list[str] = Field(description="the moves the caller may make now")
    suggestions: list[SuggestionOut] = Field(
        description="published entries of the share catalog that may meet the demand"
    )
    history: list[TransitionOut]


class DemandPage(Schema):
    count: int
    items: list[DemandOut]


def _demand_out(demand: Demand) -> dict[str, Any]:
    row = queries_lists.demand_row(demand)
    row["status_label"] = str(demand_workflow.label_of(demand.status))
    return row


def _demand_detail(actor: Actor, demand: Demand) -> dict[str, Any]:
    demand = queries_lists.access_demand_by_id(actor, demand.pk)  # re-read as the list shows it
    row = _demand_out(demand)
    row["actions"] = [t.name for t in demand_workflow.available(demand, actor)]
    row["suggestions"] = [
        {
            "resource_id": r.pk,
            "code": r.code,
            "name": r.live_version.name if r.live_version else "",
            "provider_name": r.provider.name,
        }
        for r in queries_lists.suggestions_for(demand)
    ]
    row["history"] = list(demand_workflow.history(demand))
    return row


class DemandQuery(PageQuery):
    status: DemandStatus | None = None
    overdue: bool | None = Field(None, description="only those past their answer deadline")
    requester_id: int | None = Field(None, ge=1, le=MAX_ID)
    responsible_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.get("/demands", response={200: DemandPage, **errors(401)})
def list_demands(request: ApiRequest, q: Query[DemandQuery]):
    """The demand list as the caller may see it: its organisations' demands (filed or to
    answer) and, for the data authority, those of its area. Newest first."""
    actor = request.auth
    demands = (
        queries_lists.overdue_demands(actor)
        if q.overdue
        else queries_lists.demands_visible_to(actor)
    )
    if q.status:
        demands = demands.filter(status=q.status)
    if q.requester_id:
        demands = demands.filter(requester_id=q.requester_id)
    if q.responsible_id:
        demands = demands.filter(responsible_id=q.responsible_id)
    page = demands[q.offset : q.offset + q.limit]
    return {"count": demands.count(), "items": [_demand_out(d) for d in page]}


class DemandIn(Schema):
    requester_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="the organisation that needs the data (default: yours)"
    )
    title: str = Field(..., max_length=200, description="the data needed")
    description: str = Field("", max_length=4000)
    purpose: str = Field(..., max_length=2000)
    basis: str = Field(..., max_length=2000, description="the duty or legal basis of the need")


@router.post("/demands", response={201: DemandDetailOut, **errors(401, 403)})
def file_demand(request: ApiRequest, body: DemandIn):
    """A department files a data demand (CAT-6, B§16). The answer suggests published entries
    that may already meet it."""
    actor = request.auth
    demand = services.check_file_demand(
        actor=actor,
        requester=_requester(actor, body.requester_id),
        title=body.title,
        description=body.description,
        purpose=body.purpose,
        basis=body.basis,
    )
    return Status(201, _demand_detail(actor, demand))


@router.get("/demands/{demand_id}", response={200: DemandDetailOut, **errors(401, 404)})
def get_demand(request: ApiRequest, demand_id: IdPath):
    actor = request.auth
    return _demand_detail(actor, queries_lists.access_demand_by_id(actor, demand_id))


_ACTION = {200: DemandDetailOut, **errors(401, 403, 404, 409)}


class MeetIn(Schema):
    resource_id: int = Field(..., ge=1, le=MAX_ID, description="the published entry that meets it")
    comment: str = Field("", max_length=2000)


@router.post("/demands/{demand_id}/meet", response=_ACTION)
def meet_demand(request: ApiRequest, demand_id: IdPath, body: MeetIn):
    """The requester names the published entry that meets its demand; the demand closes."""
    actor = request.auth
    demand = queries_lists.access_demand_by_id(actor, demand_id)
    resource = _resource(actor, body.resource_id)
    assert resource is not None
    services.do_meet_demand(actor=actor, demand=demand, resource=resource, comment=body.comment)
    return _demand_detail(actor, demand)


class AssignIn(Schema):
    responsible_id: int = Field(..., ge=1, le=MAX_ID, description="the department responsible")
    comment: str = Field("", max_length=2000)


@router.post("/demands/{demand_id}/assign", response=_ACTION)
def assign_demand(request: ApiRequest, demand_id: IdPath, body: AssignIn):
    """The data authority over the requester's area sends the demand to the department
    responsible; its answer is due in ``catalog.demand_answer`` working days (``due_on``)."""
    actor = request.auth
    demand = queries_lists.access_demand_by_id(actor, demand_id)
    services.check_assign_demand(
        actor=actor,
        demand=demand,
        responsible=_organisation(body.responsible_id, "responsible_id"),
        comment=body.comment,
    )
    return _demand_detail(actor, demand)


class AnswerIn(Schema):
    outcome: DemandAnswer
    answer: str = Field(..., max_length=2000, description="the reason (required)")
    legal_basis: str = Field("", max_length=2000, description="required when the outcome is cannot")
    resource_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="your entry that will provide the data (optional)"
    )


@router.post("/demands/{demand_id}/answer", response=_ACTION)
def answer_demand(request: ApiRequest, demand_id: IdPath, body: AnswerIn):
    """The responsible department answers: it will provide the data, or it cannot, citing the
    legal basis."""
    actor = request.auth
    demand = queries_lists.access_demand_by_id(actor, demand_id)
    services.check_answer_demand(
        actor=actor,
        demand=demand,
        can_provide=body.outcome == DemandAnswer.PROVIDE,
        answer=body.answer,
        legal_basis=body.legal_basis,
        resource=_resource(actor, body.resource_id),
    )
    return _demand_detail(actor, demand)


class CommentIn(Schema):
    comment: str = Field("", max_length=2000)


@router.post("/demands/{demand_id}/withdraw", response=_ACTION)
def withdraw_demand(request: ApiRequest, demand_id: IdPath, body: CommentIn):
    """The requester withdraws a demand that is not yet answered."""
    actor = request.auth
    demand = queries_lists.access_demand_by_id(actor, demand_id)
    services.do_withdraw_demand(actor=actor, demand=demand, comment=body.comment)
    return _demand_detail(actor, demand)


# --- Responsibilities ---------------------------------------------------------------------------------


class ResponsibilityOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    title: str
    description: str
    basis: str
    due_on: dt.date | None
    resource_id: int | None
    resource_code: str | None
    resource_name: str | None
    fulfilled: bool = Field(description="a published entry of the department fulfils it")
    overdue: bool


class ResponsibilityPage(Schema):
    count: int
    items: list[ResponsibilityOut]


class ResponsibilityQuery(PageQuery):
    organisation_id: int | None = Field(None, ge=1, le=MAX_ID)
    fulfilled: bool | None = None


@router.get("/responsibilities", response={200: ResponsibilityPage, **errors(401)})
def list_responsibilities(request: ApiRequest, q: Query[ResponsibilityQuery]):
    """The responsibility list as the caller may see it: its organisations' duties and, for the
    data authority, those of its area."""
    rows = queries_lists.responsibilities_visible_to(request.auth)
    if q.organisation_id:
        rows = rows.filter(organisation_id=q.organisation_id)
    if q.fulfilled is not None:
        rows = rows.filter(resource__live_version__isnull=not q.fulfilled)
    page = rows[q.offset : q.offset + q.limit]
    return {"count": rows.count(), "items": [queries_lists.responsibility_row(r) for r in page]}


class ResponsibilityIn(Schema):
    organisation_id: int = Field(
        ..., ge=1, le=MAX_ID, description="the department that must provide"
    )
    title: str = Field(..., max_length=200, description="the data to provide")
    description: str = Field("", max_length=4000)
    basis: str = Field(..., max_length=2000, description="the duty basis")
    due_on: dt.date | None = None


@router.post("/responsibilities", response={201: ResponsibilityOut, **errors(401, 403)})
def create_responsibility(request: ApiRequest, body: ResponsibilityIn):
    """The data authority over the department's area records what the department must provide."""
    row = services.check_create_responsibility(
        actor=request.auth,
        organisation=_organisation(body.organisation_id, "organisation_id"),
        title=body.title,
        description=body.description,
        basis=body.basis,
        due_on=body.due_on,
    )
    return Status(201, queries_lists.responsibility_row(row))


class LinkIn(Schema):
    resource_id: int = Field(..., ge=1, le=MAX_ID, description="the department's published entry")


@router.post(
    "/responsibilities/{responsibility_id}/link",
    response={200: ResponsibilityOut, **errors(401, 403, 404)},
)
def link_responsibility(request: ApiRequest, responsibility_id: IdPath, body: LinkIn):
    """The department names its published entry that fulfils the responsibility."""
    actor = request.auth
    row: Responsibility = queries_lists.access_responsibility_by_id(actor, responsibility_id)
    resource = _resource(actor, body.resource_id)
    assert resource is not None
    services.check_link_responsibility(actor=actor, responsibility=row, resource=resource)
    return queries_lists.responsibility_row(row)


# --- The non-share list -------------------------------------------------------------------------------


class NonShareOut(Schema):
    resource_id: int
    code: str
    name: str
    provider_id: int
    provider_name: str
    legal_basis: str
    published_at: dt.datetime | None


class NonSharePage(Schema):
    count: int
    items: list[NonShareOut]


@router.get("/non-share-list", response={200: NonSharePage, **errors(401, 403)})
def non_share_list(request: ApiRequest, q: Query[PageQuery]):
    """The filed list of data that by law cannot be shared, each with its legal basis (CAT-6,
    B§16); for government users."""
    if not queries.is_staff(request.auth):
        raise Forbidden(_("Only government users read the non-share list."), code="forbidden")
    rows = queries.non_share_list()
    items = [queries_lists.non_share_row(r) for r in rows[q.offset : q.offset + q.limit]]
    return {"count": rows.count(), "items": items}


# --- Published lists ----------------------------------------------------------------------------------


class PublicationOut(Schema):
    id: int
    kind: ListKind
    authority_id: int
    authority_name: str
    published_at: dt.datetime
    entries: list[dict[str, Any]]

    @staticmethod
    def resolve_authority_name(obj: ListPublication) -> str:
        return obj.authority.name


class PublishIn(Schema):
    authority_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="needed only by managers of several authorities"
    )


@router.post("/lists/{kind}/publish", response={201: PublicationOut, **errors(401, 403)})
def publish_list(request: ApiRequest, kind: ListKind, body: PublishIn):
    """The data authority publishes the demand or responsibility list of its area as it stands
    (B§16). The publication never changes afterwards."""
    authority = None
    if body.authority_id is not None:
        authority = Organisation.objects.filter(
            pk=body.authority_id, kind=OrgKind.AUTHORITY, is_active=True
        ).first()
        if authority is None:
            raise Invalid(
                _("No such data authority."),
                code="unknown_organisation",
                fields={"authority_id": _("Unknown.")},
            )
    publication = services.check_publish_list(actor=request.auth, kind=kind, authority=authority)
    return Status(201, publication)


class PublicationQuery(Schema):
    authority_id: int | None = Field(None, ge=1, le=MAX_ID)


@router.get("/lists/{kind}", response={200: list[PublicationOut], **errors()}, auth=None)
def published_lists(request: ApiRequest, kind: ListKind, q: Query[PublicationQuery]):
    """The latest published demand or responsibility list of each data authority; public."""
    return list(queries_lists.latest_publications(kind, q.authority_id))


# --- Zombie flags -------------------------------------------------------------------------------------


class ZombieFlagOut(Schema):
    id: int
    resource_id: int
    code: str
    name: str
    provider_id: int
    provider_name: str
    rule: ZombieRule
    rule_label: str
    reason: str
    flagged_at: dt.datetime
    cleared_at: dt.datetime | None

    @staticmethod
    def resolve_code(obj: ZombieFlag) -> str:
        return obj.resource.code

    @staticmethod
    def resolve_name(obj: ZombieFlag) -> str:
        live = obj.resource.live_version
        return live.name if live is not None else ""

    @staticmethod
    def resolve_provider_id(obj: ZombieFlag) -> int:
        return obj.resource.provider_id

    @staticmethod
    def resolve_provider_name(obj: ZombieFlag) -> str:
        return obj.resource.provider.name

    @staticmethod
    def resolve_rule_label(obj: ZombieFlag) -> str:
        return str(obj.get_rule_display())


class ZombieFlagPage(Schema):
    count: int
    items: list[ZombieFlagOut]


class ZombieFlagQuery(PageQuery):
    rule: ZombieRule | None = None
    include_cleared: bool = False


@router.get("/zombie-flags", response={200: ZombieFlagPage, **errors(401, 403)})
def list_zombie_flags(request: ApiRequest, q: Query[ZombieFlagQuery]):
    """Entries flagged for clean-up in the caller's area, with the reasons (CAT-5, B§35); for
    the data authority only."""
    flags = queries_lists.zombie_flags_for(request.auth, include_cleared=q.include_cleared)
    if q.rule:
        flags = flags.filter(rule=q.rule)
    return {"count": flags.count(), "items": list(flags[q.offset : q.offset + q.limit])}
