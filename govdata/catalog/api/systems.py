"""API of departments' information systems (CAT-7, B§8, G§17): registry, acceptance, upgrade and
the filed stop. Status moves are explicit endpoints, never a writable status."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from govdata.core.errors import Forbidden, Invalid
from govdata.core.schemas import MAX_ID, ApiRequest, IdPath, errors
from govdata.orgs.models import Organisation

from .. import queries_lists
from ..choices import SystemStatus
from ..models import InformationSystem
from ..services import systems as services

router = Router(tags=["information systems"])


class SystemOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    name: str
    description: str
    status: SystemStatus
    connected_at: dt.datetime | None
    accepted_at: dt.datetime | None
    stop_planned_on: dt.date | None
    stop_reason: str
    stop_filed_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_organisation_name(obj: InformationSystem) -> str:
        return obj.organisation.name


class SystemDetailOut(SystemOut):
    published_entries: list[str] = Field(
        description="codes of the published entries that name this system as their source"
    )
    acceptance_problems: dict[str, str] = Field(
        description="why the system is not ready for acceptance (empty when it is)"
    )

    @staticmethod
    def resolve_published_entries(obj: InformationSystem) -> list[str]:
        return list(
            queries_lists.published_entries_of(obj).order_by("code").values_list("code", flat=True)
        )

    @staticmethod
    def resolve_acceptance_problems(obj: InformationSystem) -> dict[str, str]:
        return queries_lists.acceptance_problems(obj)


class SystemPage(Schema):
    count: int
    items: list[SystemOut]


class SystemQuery(Schema):
    organisation_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: SystemStatus | None = None
    stop_filed: bool | None = Field(None, description="only systems whose stop is filed")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/systems", response={200: SystemPage, **errors(401)})
def list_systems(request: ApiRequest, q: Query[SystemQuery]):
    """The caller's organisations' systems and, for the data authority, those of its area."""
    systems = queries_lists.systems_visible_to(request.auth)
    if q.organisation_id:
        systems = systems.filter(organisation_id=q.organisation_id)
    if q.status:
        systems = systems.filter(status=q.status)
    if q.stop_filed is not None:
        systems = systems.filter(stop_filed_at__isnull=not q.stop_filed)
    return {"count": systems.count(), "items": list(systems[q.offset : q.offset + q.limit])}


class SystemIn(Schema):
    organisation_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="the department that runs it (default: yours)"
    )
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=4000)
    status: Literal["planned", "in_use"] = Field(
        "planned", description="in_use only for a system that ran before the platform"
    )


@router.post("/systems", response={201: SystemDetailOut, **errors(401, 403, 409)})
def register_system(request: ApiRequest, body: SystemIn):
    """A department registers one of its business systems (CAT-7)."""
    actor = request.auth
    organisation = actor.organisation
    if organisation is None:  # a public user acts for no organisation
        raise Forbidden(
            _("Only the department's own staff manage its information systems."),
            code="forbidden",
        )
    if body.organisation_id is not None:
        organisation = Organisation.objects.filter(pk=body.organisation_id, is_active=True).first()
    if organisation is None:
        raise Invalid(
            _("No such organisation."),
            code="unknown_organisation",
            fields={"organisation_id": _("Unknown.")},
        )
    system = services.check_register_system(
        actor=actor,
        organisation=organisation,
        name=body.name,
        description=body.description,
        status=body.status,
    )
    return Status(201, system)


@router.get("/systems/{system_id}", response={200: SystemDetailOut, **errors(401, 404)})
def get_system(request: ApiRequest, system_id: IdPath):
    return queries_lists.access_system_by_id(request.auth, system_id)


class SystemUpdateIn(Schema):
    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=4000)


_ACTION = {200: SystemDetailOut, **errors(401, 403, 404, 409)}


@router.patch("/systems/{system_id}", response=_ACTION)
def update_system(request: ApiRequest, system_id: IdPath, body: SystemUpdateIn):
    """The department renames or redescribes its system."""
    actor = request.auth
    system = queries_lists.access_system_by_id(actor, system_id)
    return services.check_update_system(
        actor=actor, system=system, name=body.name, description=body.description
    )


class CommentIn(Schema):
    comment: str = Field("", max_length=2000)


@router.post("/systems/{system_id}/accept", response=_ACTION)
def accept_system(request: ApiRequest, system_id: IdPath, body: CommentIn):
    """The data authority over the area accepts a new or upgraded system: refused (409,
    ``not_ready``, with the reasons in ``fields``) unless a published entry names it as source
    and, where required, it is connected to the platform (B§8)."""
    actor = request.auth
    system = queries_lists.access_system_by_id(actor, system_id)
    return services.check_accept_system(actor=actor, system=system, comment=body.comment)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


@router.post("/systems/{system_id}/upgrade", response=_ACTION)
def upgrade_system(request: ApiRequest, system_id: IdPath, body: ReasonIn):
    """The department starts upgrading a system in use; the entries it sources get maintenance
    tasks (CAT-4, A§12) and the system is accepted again afterwards."""
    actor = request.auth
    system = queries_lists.access_system_by_id(actor, system_id)
    return services.check_upgrade_system(actor=actor, system=system, reason=body.reason)


class FileStopIn(Schema):
    planned_on: dt.date = Field(..., description="at least one working day ahead")
    reason: str = Field(..., max_length=2000)


@router.post("/systems/{system_id}/file-stop", response=_ACTION)
def file_system_stop(request: ApiRequest, system_id: IdPath, body: FileStopIn):
    """The department files with the data authority that a system will stop (B§8)."""
    actor = request.auth
    system = queries_lists.access_system_by_id(actor, system_id)
    return services.check_file_system_stop(
        actor=actor, system=system, planned_on=body.planned_on, reason=body.reason
    )


@router.post("/systems/{system_id}/stop", response=_ACTION)
def stop_system(request: ApiRequest, system_id: IdPath, body: CommentIn):
    """The department marks a system stopped: a connected one on or after its filed date only."""
    actor = request.auth
    system = queries_lists.access_system_by_id(actor, system_id)
    return services.check_stop_system(actor=actor, system=system, comment=body.comment)
