"""API of organisations, people, roles, system accounts and API keys."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from govdata.core.errors import NotFound
from govdata.core.schemas import ApiRequest, IdPath, TransitionOut, errors

from . import queries, services
from .actors import Actor
from .choices import AccountRequestKind, AccountRequestStatus, Level, OrgKind, PublicUserType, Role
from .models import AccountRequest, Organisation, Person, RoleAssignment, SystemAccount
from .workflows import account_request_workflow

router = Router(tags=["organisations and people"])


# --- Organisations -----------------------------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: OrgKind
    level: Level
    parent_id: int | None
    division_code: str
    uscc: str | None
    is_active: bool


class OrganisationQuery(Schema):
    kind: OrgKind | None = None
    level: Level | None = None
    parent_id: int | None = Field(None, ge=1, le=2**62)
    q: str | None = Field(None, max_length=100, description="part of the name")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000)


class OrganisationPage(Schema):
    count: int
    items: list[OrganisationOut]


@router.get("/organisations", response={200: OrganisationPage, **errors(401, 422)})
def list_organisations(request: ApiRequest, q: Query[OrganisationQuery]):
    """The organisation tree, filtered; ordered by division code."""
    query = queries.organisations_visible_to(request.auth)
    if q.kind:
        query = query.filter(kind=q.kind)
    if q.level:
        query = query.filter(level=q.level)
    if q.parent_id:
        query = query.filter(parent_id=q.parent_id)
    if q.q:
        query = query.filter(name__contains=q.q)
    return OrganisationPage(count=query.count(), items=list(query[q.offset : q.offset + q.limit]))


@router.get("/organisations/{organisation_id}", response={200: OrganisationOut, **errors(401, 404)})
def get_organisation(request: ApiRequest, organisation_id: IdPath):
    return queries.access_organisation_by_id(request.auth, organisation_id)


class OrganisationIn(Schema):
    name: str = Field(..., max_length=200)
    short_name: str = Field("", max_length=60)
    kind: OrgKind
    level: Level
    parent_id: int | None = Field(None, ge=1, le=2**62)
    division_code: str = Field(..., max_length=20)
    uscc: str = Field("", max_length=30)


@router.post("/organisations", response={201: OrganisationOut, **errors(401, 403, 404, 422)})
def create_organisation(request: ApiRequest, body: OrganisationIn):
    """Add an organisation under a parent the caller manages (platform admin for a root)."""
    org = services.check_create_organisation(actor=request.auth, **body.dict())
    return Status(201, org)


# --- People and roles ---------------------------------------------------------------------------------


class RoleOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    role: Role

    @staticmethod
    def resolve_organisation_name(obj: RoleAssignment) -> str:
        return obj.organisation.name


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    kind: str
    email: str
    phone: str
    is_active: bool
    roles: list[RoleOut]

    @staticmethod
    def resolve_roles(obj: Person) -> list[RoleAssignment]:
        return list(obj.roles.select_related("organisation").all())


class SystemSelfOut(Schema):
    id: int
    name: str
    organisation_id: int
    organisation_name: str


class MeOut(Schema):
    kind: str
    person: PersonOut | None = None
    system: SystemSelfOut | None = None


@router.get("/me", response={200: MeOut, **errors(401)})
def me(request: ApiRequest):
    """Who the caller is: the person (with roles) or the system account."""
    actor: Actor = request.auth
    if actor.person is not None:
        return MeOut(kind="person", person=actor.person)
    system = actor.system
    return MeOut(
        kind="system",
        system=SystemSelfOut(
            id=system.pk,
            name=system.name,
            organisation_id=system.organisation_id,
            organisation_name=system.organisation.name,
        ),
    )


class ProfileIn(Schema):
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=20)


@router.patch("/me", response={200: PersonOut, **errors(401, 403)})
def update_me(request: ApiRequest, body: ProfileIn):
    """A person changes their own contact details."""
    return services.do_update_profile(actor=request.auth, email=body.email, phone=body.phone)


class PasswordIn(Schema):
    old_password: str = Field(..., max_length=200)
    new_password: str = Field(..., max_length=200)


@router.post("/me/password", response={204: None, **errors(401, 403)})
def change_my_password(request: ApiRequest, body: PasswordIn):
    """A person changes their own password (the old one is required)."""
    services.check_change_password(
        actor=request.auth, old_password=body.old_password, new_password=body.new_password
    )
    return Status(204, None)


@router.get(
    "/organisations/{organisation_id}/people",
    response={200: list[PersonOut], **errors(401, 404)},
)
def list_people(request: ApiRequest, organisation_id: IdPath):
    """People holding roles in an organisation the caller manages."""
    org = queries.access_managed_organisation_by_id(request.auth, organisation_id)
    return list(queries.people_of(org).prefetch_related("roles__organisation"))


class StaffIn(Schema):
    username: str = Field(..., max_length=64)
    full_name: str = Field(..., max_length=100)
    password: str = Field(..., max_length=200)
    roles: list[Role] = Field(..., min_length=1, max_length=8)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=20)


@router.post(
    "/organisations/{organisation_id}/people",
    response={201: PersonOut, **errors(401, 403, 404, 422)},
)
def create_staff(request: ApiRequest, organisation_id: IdPath, body: StaffIn):
    org = queries.access_managed_organisation_by_id(request.auth, organisation_id)
    person = services.check_create_staff(actor=request.auth, organisation=org, **body.dict())
    return Status(201, person)


class RoleIn(Schema):
    person_id: int = Field(..., ge=1, le=2**62)
    role: Role


@router.post(
    "/organisations/{organisation_id}/roles",
    response={201: RoleOut, **errors(401, 403, 404, 422)},
)
def assign_role(request: ApiRequest, organisation_id: IdPath, body: RoleIn):
    org = queries.access_managed_organisation_by_id(request.auth, organisation_id)
    person = Person.objects.filter(pk=body.person_id).first()
    if person is None:
        raise NotFound("no such person", fields={"person_id": body.person_id})
    return Status(
        201,
        services.do_assign_role(
            actor=request.auth, person=person, organisation=org, role=body.role
        ),
    )


@router.delete(
    "/organisations/{organisation_id}/roles/{assignment_id}",
    response={204: None, **errors(401, 403, 404, 422)},
)
def revoke_role(request: ApiRequest, organisation_id: IdPath, assignment_id: IdPath):
    org = queries.access_managed_organisation_by_id(request.auth, organisation_id)
    assignment = RoleAssignment.objects.filter(pk=assignment_id, organisation=org).first()
    if assignment is None:
        raise NotFound("no such role assignment")
    services.do_revoke_role(actor=request.auth, assignment=assignment)
    return Status(204, None)


class PublicUserIn(Schema):
    username: str = Field(..., max_length=64)
    full_name: str = Field(..., max_length=100)
    password: str = Field(..., max_length=200)
    public_type: PublicUserType
    id_number: str = Field(..., max_length=30, description="resident ID number or credit code")
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=20)


class PublicUserOut(Schema):
    id: int
    username: str
    full_name: str
    public_type: str


@router.post("/public-users", response={201: PublicUserOut, **errors(422)}, auth=None)
def register_public_user(request: ApiRequest, body: PublicUserIn):
    """Real-name registration of a public user (ORG-4)."""
    return Status(201, services.check_register_public_user(**body.dict()))


# --- System accounts and keys ---------------------------------------------------------------------


class ApiKeyOut(Schema):
    id: int
    prefix: str
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    allowed_ips: list[str]
    last_used_at: dt.datetime | None
    last_used_ip: str | None


class SystemAccountOut(Schema):
    id: int
    organisation_id: int
    name: str
    description: str
    is_active: bool
    created_at: dt.datetime
    keys: list[ApiKeyOut]

    @staticmethod
    def resolve_keys(obj: SystemAccount) -> list:
        return list(obj.keys.all())


class SystemQuery(Schema):
    organisation_id: int | None = Field(None, ge=1, le=2**62)


@router.get("/system-accounts", response={200: list[SystemAccountOut], **errors(401, 422)})
def list_system_accounts(request: ApiRequest, q: Query[SystemQuery]):
    """System accounts of the organisations the caller manages."""
    query = queries.systems_visible_to(request.auth).prefetch_related("keys")
    if q.organisation_id:
        query = query.filter(organisation_id=q.organisation_id)
    return list(query)


class SystemAccountIn(Schema):
    organisation_id: int = Field(..., ge=1, le=2**62)
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)


@router.post("/system-accounts", response={201: SystemAccountOut, **errors(401, 403, 404, 422)})
def create_system_account(request: ApiRequest, body: SystemAccountIn):
    org = Organisation.objects.filter(pk=body.organisation_id).first()
    if org is None:
        raise NotFound("no such organisation", fields={"organisation_id": body.organisation_id})
    system = services.check_create_system_account(
        actor=request.auth, organisation=org, name=body.name, description=body.description
    )
    return Status(201, system)


@router.get("/system-accounts/{system_id}", response={200: SystemAccountOut, **errors(401, 404)})
def get_system_account(request: ApiRequest, system_id: IdPath):
    return queries.access_system_account_by_id(request.auth, system_id)


@router.post(
    "/system-accounts/{system_id}/deactivate",
    response={200: SystemAccountOut, **errors(401, 403, 404)},
)
def deactivate_system_account(request: ApiRequest, system_id: IdPath):
    system = queries.access_system_account_by_id(request.auth, system_id)
    return services.do_deactivate_system_account(actor=request.auth, system=system)


class ApiKeyIn(Schema):
    label: str = Field("", max_length=100)
    expires_at: dt.datetime | None = None
    allowed_ips: list[str] = Field([], max_length=50, description="addresses or CIDR networks")


class IssuedKeyOut(Schema):
    key: str = Field(..., description="the full key: shown this once, never again")
    api_key: ApiKeyOut


@router.post(
    "/system-accounts/{system_id}/keys",
    response={201: IssuedKeyOut, **errors(401, 403, 404, 422)},
)
def issue_api_key(request: ApiRequest, system_id: IdPath, body: ApiKeyIn):
    """Issue an API key. The answer holds the full key; the platform keeps only its hash."""
    system = queries.access_system_account_by_id(request.auth, system_id)
    key, plain = services.do_issue_api_key(
        actor=request.auth,
        system=system,
        label=body.label,
        expires_at=body.expires_at,
        allowed_ips=body.allowed_ips,
    )
    return Status(201, IssuedKeyOut(key=plain, api_key=key))


@router.post("/api-keys/{key_id}/revoke", response={200: ApiKeyOut, **errors(401, 403, 404)})
def revoke_api_key(request: ApiRequest, key_id: IdPath):
    key = queries.access_api_key_by_id(request.auth, key_id)
    return services.do_revoke_api_key(actor=request.auth, key=key)


# --- Account requests (ORG-4) -----------------------------------------------------------------------


class AccountRequestOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    kind: AccountRequestKind
    status: AccountRequestStatus
    person_id: int | None
    username: str
    full_name: str
    roles: list[str]
    reason: str
    requested_by: str
    created_at: dt.datetime
    due_on: dt.date | None
    due_provisional: bool
    history: list[TransitionOut]

    @staticmethod
    def resolve_organisation_name(obj: AccountRequest) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_requested_by(obj: AccountRequest) -> str:
        return str(obj.requested_by)

    @staticmethod
    def resolve_history(obj: AccountRequest) -> list:
        return list(account_request_workflow.history(obj))


class AccountRequestQuery(Schema):
    status: AccountRequestStatus | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/account-requests", response={200: list[AccountRequestOut], **errors(401)})
def list_account_requests(request: ApiRequest, q: Query[AccountRequestQuery]):
    """Account requests of the organisations the caller manages or answers for, newest first."""
    query = queries.account_requests_visible_to(request.auth)
    if q.status:
        query = query.filter(status=q.status)
    return list(query[q.offset : q.offset + q.limit])


class AccountRequestIn(Schema):
    organisation_id: int = Field(..., ge=1, le=2**62)
    kind: AccountRequestKind
    reason: str = Field(..., max_length=2000)
    username: str = Field("", max_length=64)
    full_name: str = Field("", max_length=100)
    roles: list[Role] = Field([], max_length=8)
    person_id: int | None = Field(None, ge=1, le=2**62)


@router.post("/account-requests", response={201: AccountRequestOut, **errors(401, 404)})
def submit_account_request(request: ApiRequest, body: AccountRequestIn):
    """A department asks the data authority to create, change or cancel an account (ORG-4);
    the authority answers within the working-day deadline in ``due_on``."""
    org = Organisation.objects.filter(pk=body.organisation_id).first()
    if org is None:
        raise NotFound("no such organisation", fields={"organisation_id": body.organisation_id})
    person = Person.objects.filter(pk=body.person_id).first() if body.person_id else None
    created = services.check_submit_account_request(
        actor=request.auth,
        organisation=org,
        kind=body.kind,
        reason=body.reason,
        username=body.username,
        full_name=body.full_name,
        roles=list(body.roles),
        person=person,
    )
    return Status(201, created)


@router.get("/account-requests/{request_id}", response={200: AccountRequestOut, **errors(401, 404)})
def get_account_request(request: ApiRequest, request_id: IdPath):
    return queries.access_account_request_by_id(request.auth, request_id)


class DecisionIn(Schema):
    comment: str = Field("", max_length=2000)


class ApprovalOut(Schema):
    request: AccountRequestOut
    initial_password: str | None = Field(None, description="for a new account: shown this once")


@router.post(
    "/account-requests/{request_id}/approve",
    response={200: ApprovalOut, **errors(401, 403, 404, 409)},
)
def approve_account_request(request: ApiRequest, request_id: IdPath, body: DecisionIn):
    """The data authority approves and the change is carried out at once."""
    obj = queries.access_account_request_by_id(request.auth, request_id)
    obj, password = services.check_decide_account_request(
        actor=request.auth, request=obj, approve=True, comment=body.comment
    )
    return ApprovalOut(request=obj, initial_password=password)


@router.post(
    "/account-requests/{request_id}/reject",
    response={200: AccountRequestOut, **errors(401, 403, 404, 409)},
)
def reject_account_request(request: ApiRequest, request_id: IdPath, body: DecisionIn):
    """The data authority refuses, giving its reason."""
    obj = queries.access_account_request_by_id(request.auth, request_id)
    obj, _ = services.check_decide_account_request(
        actor=request.auth, request=obj, approve=False, comment=body.comment
    )
    return obj


@router.post(
    "/account-requests/{request_id}/withdraw",
    response={200: AccountRequestOut, **errors(401, 403, 404, 409)},
)
def withdraw_account_request(request: ApiRequest, request_id: IdPath, body: DecisionIn):
    obj = queries.access_account_request_by_id(request.auth, request_id)
    return services.do_withdraw_account_request(
        actor=request.auth, request=obj, comment=body.comment
    )
