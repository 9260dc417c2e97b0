"""Every write to organisations, people, roles, system accounts and API keys.

Each function takes a keyword-only ``actor``, checks what the actor may do, writes in one
transaction and records an audit entry inside it (STYLE.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from govdata.core import audit
from govdata.core.errors import Forbidden, Invalid, NotFound, Unauthenticated, clean_text
from govdata.core.identifiers import (
    check_division_code,
    check_ric,
    check_uscc,
    division_area_prefix,
    normalise,
)

from . import queries
from .actors import Actor
from .choices import (
    LEVEL_ORDER,
    MANAGING_ROLES,
    AccountRequestKind,
    Level,
    OrgKind,
    PersonKind,
    PublicUserType,
    Role,
)
from .models import AccountRequest, ApiKey, Organisation, Person, RoleAssignment, SystemAccount

KEY_PREFIX = "gd"


def _identifier_error(field: str, findings: list) -> Invalid:
    return Invalid(
        _("The code is not valid."),
        code=f"invalid_{field}",
        fields={field: "; ".join(f.message for f in findings)},
    )


# --- Organisations --------------------------------------------------------------------------------


def check_create_organisation(
    *,
    actor: Actor,
    name: str,
    kind: str,
    level: str,
    division_code: str,
    parent_id: int | None = None,
    uscc: str = "",
    short_name: str = "",
) -> Organisation:
    """Add an organisation to the tree (ORG-1). The actor must manage the parent (a data
    authority over its area, or the platform admin); only the platform admin adds a root."""
    name = clean_text(name, "name", 200)
    short_name = clean_text(short_name, "short_name", 60, required=False)
    if kind not in OrgKind.values:
        raise Invalid(_("Unknown kind."), code="invalid_kind", fields={"kind": _("Unknown kind.")})
    if level not in Level.values:
        raise Invalid(
            _("Unknown level."), code="invalid_level", fields={"level": _("Unknown level.")}
        )
    division_code = normalise(division_code)
    findings = check_division_code(division_code)
    if findings:
        raise _identifier_error("division_code", findings)
    uscc = normalise(uscc)
    if uscc:
        findings = check_uscc(uscc)
        if findings:
            raise _identifier_error("uscc", findings)
    parent = None
    if parent_id is not None:
        parent = Organisation.objects.filter(pk=parent_id).first()
        if parent is None or not queries.can_manage_organisation(actor, parent):
            raise NotFound(
                _("No such parent organisation."),
                fields={"parent_id": _("No such parent organisation.")},
            )
        if LEVEL_ORDER.index(Level(level)) < LEVEL_ORDER.index(Level(parent.level)):
            raise Invalid(
                _("An organisation cannot sit above its parent's level."),
                code="invalid_level",
                fields={"level": _("An organisation cannot sit above its parent's level.")},
            )
    elif not actor.is_platform_admin:
        raise Forbidden(_("Only the platform administrator adds a top-level organisation."))
    area_prefix = division_area_prefix(division_code)
    if parent is not None and not area_prefix.startswith(parent.area_prefix):
        raise Invalid(
            _("The division code lies outside the parent's area."),
            code="outside_area",
            fields={"division_code": _("The division code lies outside the parent's area.")},
        )
    if (
        kind == OrgKind.AUTHORITY
        and Organisation.objects.filter(
            kind=OrgKind.AUTHORITY, area_prefix=area_prefix, level=level
        ).exists()
    ):
        raise Invalid(
            _("This area already has a data authority."),
            code="duplicate_authority",
            fields={"kind": _("This area already has a data authority.")},
        )
    try:
        with transaction.atomic():
            org = Organisation.objects.create(
                name=name,
                short_name=short_name,
                kind=kind,
                level=level,
                parent=parent,
                division_code=division_code,
                area_prefix=area_prefix,
                uscc=uscc or None,
            )
            audit.record(
                actor=actor,
                action="orgs.organisation.create",
                object_type="organisation",
                object_id=org.pk,
                details={
                    "name": name,
                    "kind": kind,
                    "level": level,
                    "parent": parent_id,
                    "division_code": division_code,
                    "uscc": uscc,
                },
            )
    except IntegrityError as exc:
        raise Invalid(
            _("An organisation with this name or credit code exists already."),
            code="duplicate",
            fields={"uscc": _("An organisation with this name or credit code exists already.")},
        ) from exc
    return org


# --- People and roles ------------------------------------------------------------------------------


def _check_password(password: str, person: Person | None = None) -> None:
    try:
        validate_password(password, person)
    except ValidationError as exc:
        raise Invalid(
            _("The password is too weak."),
            code="weak_password",
            fields={"password": " ".join(exc.messages)},
        ) from exc


def _check_username(username: str) -> str:
    username = clean_text(username, "username", 64)
    if not all(c.isalnum() or c in "._-@" for c in username):
        raise Invalid(
            _("Use letters, digits and . _ - @ only."),
            code="invalid_username",
            fields={"username": _("Use letters, digits and . _ - @ only.")},
        )
    if Person.objects.filter(username__iexact=username).exists():
        raise Invalid(
            _("This user name is taken."),
            code="duplicate_username",
            fields={"username": _("This user name is taken.")},
        )
    return username


def check_create_staff(
    *,
    actor: Actor,
    organisation: Organisation,
    username: str,
    full_name: str,
    password: str,
    roles: list[str],
    email: str = "",
    phone: str = "",
) -> Person:
    """Create a staff account with roles in the organisation; the actor manages it."""
    if not queries.can_manage_organisation(actor, organisation):
        raise NotFound(_("No such organisation."))
    username = _check_username(username)
    full_name = clean_text(full_name, "full_name", 100)
    _check_password(password)
    for role in roles:
        _check_role_grant(actor, organisation, role)
    with transaction.atomic():
        person = Person.objects.create_user(
            username=username,
            password=password,
            full_name=full_name,
            kind=PersonKind.STAFF,
            email=clean_text(email, "email", 254, required=False),
            phone=clean_text(phone, "phone", 20, required=False),
        )
        audit.record(
            actor=actor,
            action="orgs.person.create",
            object_type="person",
            object_id=person.pk,
            details={"username": username, "organisation": organisation.pk},
        )
        for role in roles:
            _grant(actor, person, organisation, role)
    return person


def _check_role_grant(actor: Actor, organisation: Organisation, role: str) -> None:
    if role not in Role.values:
        raise Invalid(_("Unknown role."), code="invalid_role", fields={"role": _("Unknown role.")})
    if role == Role.PLATFORM_ADMIN and not actor.is_platform_admin:
        raise Forbidden(_("Only a platform administrator grants that role."))
    if role == Role.REVIEWER and organisation.kind != OrgKind.AUTHORITY:
        raise Invalid(
            _("Reviewers work at a data authority."),
            code="invalid_role",
            fields={"role": _("Reviewers work at a data authority.")},
        )
    if role == Role.EXPERT and organisation.kind not in {
        OrgKind.EXPERT_COMMITTEE,
        OrgKind.AUTHORITY,
    }:
        raise Invalid(
            _("Experts belong to the expert committee."),
            code="invalid_role",
            fields={"role": _("Experts belong to the expert committee.")},
        )


def _grant(actor: Actor, person: Person, organisation: Organisation, role: str) -> RoleAssignment:
    assignment, created = RoleAssignment.objects.get_or_create(
        person=person, organisation=organisation, role=role, defaults={"granted_by": actor.label}
    )
    if created:
        if role == Role.PLATFORM_ADMIN:
            Person.objects.filter(pk=person.pk).update(is_staff=True, is_superuser=True)
        audit.record(
            actor=actor,
            action="orgs.role.grant",
            object_type="person",
            object_id=person.pk,
            details={"organisation": organisation.pk, "role": role},
        )
    return assignment


def do_assign_role(
    *, actor: Actor, person: Person, organisation: Organisation, role: str
) -> RoleAssignment:
    """Give a staff person a role in an organisation the actor manages (ORG-3)."""
    if not queries.can_manage_organisation(actor, organisation):
        raise NotFound(_("No such organisation."))
    if person.kind != PersonKind.STAFF:
        raise Invalid(
            _("Public users hold no roles."),
            code="invalid_person",
            fields={"person_id": _("Public users hold no roles.")},
        )
    _check_role_grant(actor, organisation, role)
    with transaction.atomic():
        return _grant(actor, person, organisation, role)


def do_revoke_role(*, actor: Actor, assignment: RoleAssignment) -> None:
    if not queries.can_manage_organisation(actor, assignment.organisation):
        raise NotFound(_("No such role assignment."))
    if assignment.role == Role.PLATFORM_ADMIN and not actor.is_platform_admin:
        raise Forbidden(_("Only a platform administrator revokes that role."))
    if (
        assignment.person_id == getattr(actor.person, "pk", None)
        and assignment.role == Role.PLATFORM_ADMIN
    ):
        raise Invalid(_("You cannot revoke your own administrator role."), code="self_revoke")
    with transaction.atomic():
        person_id, role = assignment.person_id, assignment.role
        audit.record(
            actor=actor,
            action="orgs.role.revoke",
            object_type="person",
            object_id=person_id,
            details={"organisation": assignment.organisation_id, "role": role},
        )
        assignment.delete()
        if (
            role == Role.PLATFORM_ADMIN
            and not RoleAssignment.objects.filter(
                person_id=person_id, role=Role.PLATFORM_ADMIN
            ).exists()
        ):
            Person.objects.filter(pk=person_id).update(is_staff=False, is_superuser=False)


def do_update_profile(
    *, actor: Actor, email: str | None = None, phone: str | None = None
) -> Person:
    """A person changes their own contact details."""
    person = actor.person
    if person is None:
        raise Forbidden(_("Only people have a profile."))
    updates = {}
    if email is not None:
        updates["email"] = clean_text(email, "email", 254, required=False)
    if phone is not None:
        updates["phone"] = clean_text(phone, "phone", 20, required=False)
    if updates:
        with transaction.atomic():
            Person.objects.filter(pk=person.pk).update(**updates)
            audit.record(
                actor=actor,
                action="orgs.person.update_profile",
                object_type="person",
                object_id=person.pk,
                details=updates,
            )
        person.refresh_from_db()
    return person


def check_change_password(*, actor: Actor, old_password: str, new_password: str) -> Person:
    """A person changes their own password, proving the old one first."""
    person = actor.person
    if person is None:
        raise Forbidden(_("Only people have a password."))
    if not person.check_password(old_password):
        raise Invalid(
            _("The current password is wrong."),
            code="wrong_password",
            fields={"old_password": _("Wrong password.")},
        )
    _check_password(new_password, person)
    with transaction.atomic():
        person.set_password(new_password)
        person.save(update_fields=["password"])
        audit.record(
            actor=actor,
            action="orgs.person.change_password",
            object_type="person",
            object_id=person.pk,
        )
    return person


def check_register_public_user(
    *,
    username: str,
    full_name: str,
    password: str,
    public_type: str,
    id_number: str,
    email: str = "",
    phone: str = "",
) -> Person:
    """Register a public user with real-name identity (ORG-4): a resident ID number for a natural
    person, a unified social credit code for an organisation, each with a valid check character."""
    if public_type not in PublicUserType.values:
        raise Invalid(
            _("Choose the kind of user."),
            code="invalid_public_type",
            fields={"public_type": _("Choose the kind of user.")},
        )
    username = _check_username(username)
    full_name = clean_text(full_name, "full_name", 100)
    id_number = normalise(id_number)
    findings = (
        check_ric(id_number)
        if public_type == PublicUserType.NATURAL_PERSON
        else check_uscc(id_number)
    )
    if findings:
        raise _identifier_error("id_number", findings)
    if Person.objects.filter(id_number=id_number).exists():
        raise Invalid(
            _("This identity is registered already."),
            code="duplicate_identity",
            fields={"id_number": _("Registered already.")},
        )
    _check_password(password)
    with transaction.atomic():
        person = Person.objects.create_user(
            username=username,
            password=password,
            full_name=full_name,
            kind=PersonKind.PUBLIC,
            public_type=public_type,
            id_number=id_number,
            email=clean_text(email, "email", 254, required=False),
            phone=clean_text(phone, "phone", 20, required=False),
        )
        audit.record(
            actor=Actor.for_person(person),
            action="orgs.public_user.register",
            object_type="person",
            object_id=person.pk,
            details={"username": username, "public_type": public_type},
        )
    return person


def authenticate(*, username: str, password: str, ip: str | None = None) -> Person:
    """Check a login. After ``LOGIN_MAX_FAILURES`` failures in a row the account is locked for
    ``LOGIN_LOCKOUT_MINUTES``; while locked, even the right password is refused."""
    person = Person.objects.filter(username=(username or "").strip()).first()
    now = timezone.now()
    if person is None:
        Person().set_password(password)  # spend the same time as a real check
        raise Unauthenticated(_("Wrong user name or password."), code="bad_credentials")
    if person.locked_until and person.locked_until > now:
        raise Unauthenticated(
            _("Too many failed logins; the account is locked until %(time)s.")
            % {"time": timezone.localtime(person.locked_until).strftime("%H:%M")},
            code="locked",
        )
    if not person.check_password(password) or not person.is_active:
        with transaction.atomic():
            Person.objects.filter(pk=person.pk).update(failed_logins=F("failed_logins") + 1)
            person.refresh_from_db(fields=["failed_logins"])
            details: dict[str, Any] = {"ip": ip, "failures": person.failed_logins}
            if person.failed_logins >= settings.LOGIN_MAX_FAILURES:
                until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
                Person.objects.filter(pk=person.pk).update(locked_until=until, failed_logins=0)
                details["locked_until"] = until.isoformat()
            audit.record(
                actor=Actor.for_person(person),
                action="orgs.login.failed",
                object_type="person",
                object_id=person.pk,
                details=details,
            )
        raise Unauthenticated(_("Wrong user name or password."), code="bad_credentials")
    # One write per login: the login time, and the failure count cleared.
    Person.objects.filter(pk=person.pk).update(last_login=now, failed_logins=0, locked_until=None)
    return person


# --- System accounts and API keys ----------------------------------------------------------------


def check_create_system_account(
    *, actor: Actor, organisation: Organisation, name: str, description: str = ""
) -> SystemAccount:
    """Register a business system of an organisation the actor manages."""
    if not queries.can_manage_organisation(actor, organisation):
        raise NotFound(_("No such organisation."))
    if not actor.person:
        raise Forbidden(_("System accounts are managed by people."))
    name = clean_text(name, "name", 100)
    description = clean_text(description, "description", 2000, required=False)
    if SystemAccount.objects.filter(organisation=organisation, name=name).exists():
        raise Invalid(
            _("This organisation has a system of that name."),
            code="duplicate",
            fields={"name": _("This organisation has a system of that name.")},
        )
    with transaction.atomic():
        system = SystemAccount.objects.create(
            organisation=organisation, name=name, description=description, created_by=actor.label
        )
        audit.record(
            actor=actor,
            action="orgs.system_account.create",
            object_type="system_account",
            object_id=system.pk,
            details={"organisation": organisation.pk, "name": name},
        )
    return system


def do_deactivate_system_account(*, actor: Actor, system: SystemAccount) -> SystemAccount:
    """Switch a system account off; its keys stop working at once."""
    if not queries.can_manage_organisation(actor, system.organisation):
        raise NotFound(_("No such system account."))
    with transaction.atomic():
        SystemAccount.objects.filter(pk=system.pk).update(is_active=False)
        system.is_active = False
        audit.record(
            actor=actor,
            action="orgs.system_account.deactivate",
            object_type="system_account",
            object_id=system.pk,
        )
    return system


def _clean_ips(allowed_ips: list[str] | None) -> list[str]:
    cleaned = []
    for value in allowed_ips or []:
        value = (value or "").strip()
        if not value:
            continue
        try:
            cleaned.append(str(ipaddress.ip_network(value, strict=False)))
        except ValueError as exc:
            raise Invalid(
                _("Not an address or network."),
                code="invalid_ip",
                fields={"allowed_ips": _("Not an address or network.")},
            ) from exc
    return cleaned


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def do_issue_api_key(
    *,
    actor: Actor,
    system: SystemAccount,
    label: str = "",
    expires_at: dt.datetime | None = None,
    allowed_ips: list[str] | None = None,
) -> tuple[ApiKey, str]:
    """Issue a key for a system account. Returns the key row and the full key, which is shown to
    the caller once and never stored."""
    if not queries.can_manage_organisation(actor, system.organisation):
        raise NotFound(_("No such system account."))
    if not system.is_active:
        raise Invalid(_("The system account is switched off."), code="inactive")
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid(
            _("The expiry lies in the past."),
            code="invalid_expiry",
            fields={"expires_at": _("The expiry lies in the past.")},
        )
    label = clean_text(label, "label", 100, required=False)
    ips = _clean_ips(allowed_ips)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            system_account=system,
            prefix=prefix,
            secret_hash=_hash_secret(secret),
            label=label,
            created_by=actor.label,
            expires_at=expires_at,
            allowed_ips=ips,
        )
        audit.record(
            actor=actor,
            action="orgs.api_key.issue",
            object_type="api_key",
            object_id=key.pk,
            details={
                "system_account": system.pk,
                "prefix": prefix,
                "expires_at": expires_at,
                "allowed_ips": ips,
            },
        )
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def do_revoke_api_key(*, actor: Actor, key: ApiKey) -> ApiKey:
    if not queries.can_manage_organisation(actor, key.system_account.organisation):
        raise NotFound(_("No such API key."))
    now = timezone.now()
    with transaction.atomic():
        changed = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor.label
        )
        if changed:
            audit.record(
                actor=actor,
                action="orgs.api_key.revoke",
                object_type="api_key",
                object_id=key.pk,
                details={"prefix": key.prefix},
            )
    key.refresh_from_db()
    return key


def authenticate_api_key(raw: str, *, ip: str | None = None) -> Actor:
    """The actor a presented key stands for. Unknown, revoked, expired, switched-off or
    wrong-address keys are refused with a code saying which (the secret itself is never echoed)."""
    parts = (raw or "").strip().split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise Unauthenticated(_("Invalid API key."), code="invalid_key")
    prefix, secret = parts[1], parts[2]
    key = (
        ApiKey.objects.select_related("system_account__organisation").filter(prefix=prefix).first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash_secret(secret)):
        raise Unauthenticated(_("Invalid API key."), code="invalid_key")
    now = timezone.now()
    if key.revoked_at is not None:
        raise Unauthenticated(_("This API key has been revoked."), code="revoked_key")
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthenticated(_("This API key has expired."), code="expired_key")
    system = key.system_account
    if not system.is_active or not system.organisation.is_active:
        raise Unauthenticated(_("The system account is switched off."), code="inactive_system")
    if key.allowed_ips:
        try:
            address = ipaddress.ip_address(ip or "")
        except ValueError:
            address = None
        if address is None or not any(address in ipaddress.ip_network(n) for n in key.allowed_ips):
            raise Unauthenticated(
                _("This API key may not be used from this address."), code="ip_not_allowed"
            )
    if (
        key.last_used_at is None
        or (now - key.last_used_at).total_seconds() >= settings.API_KEY_TOUCH_SECONDS
        or key.last_used_ip != ip
    ):
        # Not audited: a use of a key is not a state change; the data reads it makes are.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=ip)
    return Actor.for_system(system, api_key_prefix=prefix)


# --- Account requests (ORG-4) ---------------------------------------------------------------------


def _check_requested_roles(roles: list[str]) -> list[str]:
    if not roles:
        raise Invalid(
            _("Name at least one role."), code="required", fields={"roles": _("Required.")}
        )
    for role in roles:
        if role not in Role.values or role == Role.PLATFORM_ADMIN:
            raise Invalid(
                _("Unknown role."), code="invalid_role", fields={"roles": _("Unknown role.")}
            )
    return sorted(set(roles))


def check_submit_account_request(
    *,
    actor: Actor,
    organisation: Organisation,
    kind: str,
    reason: str,
    username: str = "",
    full_name: str = "",
    roles: list[str] | None = None,
    person: Person | None = None,
) -> AccountRequest:
    """A department's manager asks the data authority to create, change or cancel an account of
    its staff (ORG-4). The 5-working-day answer deadline starts now (Y§21)."""
    from .workflows import account_request_workflow

    if actor.person is None or not any(actor.has_role(r, organisation) for r in MANAGING_ROLES):
        raise NotFound(_("No such organisation."))
    if kind not in AccountRequestKind.values:
        raise Invalid(_("Unknown kind."), code="invalid_kind", fields={"kind": _("Unknown kind.")})
    reason = clean_text(reason, "reason", 2000)
    request = AccountRequest(
        organisation=organisation, kind=kind, reason=reason, requested_by=actor.person
    )
    if kind == AccountRequestKind.CREATE:
        request.username = _check_username(username)
        request.full_name = clean_text(full_name, "full_name", 100)
        request.roles = _check_requested_roles(roles or [])
    else:
        if (
            person is None
            or not RoleAssignment.objects.filter(person=person, organisation=organisation).exists()
        ):
            raise Invalid(
                _("Name a person of this organisation."),
                code="invalid_person",
                fields={"person_id": _("Name a person of this organisation.")},
            )
        request.person = person
        if kind == AccountRequestKind.CHANGE:
            request.roles = _check_requested_roles(roles or [])
    account_request_workflow.start(request)
    with transaction.atomic():
        request.save()
        audit.record(
            actor=actor,
            action="orgs.account_request.submit",
            object_type="orgs.account_request",
            object_id=request.pk,
            details={
                "kind": kind,
                "organisation": organisation.pk,
                "username": request.username,
                "person": person.pk if person else None,
                "roles": request.roles,
                "due_on": request.due_on,
            },
        )
    return request


def check_decide_account_request(
    *, actor: Actor, request: AccountRequest, approve: bool, comment: str = ""
) -> tuple[AccountRequest, str | None]:
    """The authority answers a request. Approving carries it out in the same transaction; for a
    new account it returns the initial password, to be handed over once and changed at first use."""
    from .workflows import account_request_workflow

    initial_password = None
    with transaction.atomic():
        if not approve:
            return account_request_workflow.transition(
                request, "reject", actor=actor, comment=comment
            ), None
        account_request_workflow.transition(request, "approve", actor=actor, comment=comment)
        organisation = request.organisation
        if request.kind == AccountRequestKind.CREATE:
            initial_password = secrets.token_urlsafe(12)
            person = check_create_staff(
                actor=actor,
                organisation=organisation,
                username=request.username,
                full_name=request.full_name,
                password=initial_password,
                roles=request.roles,
            )
            AccountRequest.objects.filter(pk=request.pk).update(person=person)
            request.person = person
        elif request.kind == AccountRequestKind.CHANGE:
            assert request.person is not None
            held = RoleAssignment.objects.filter(person=request.person, organisation=organisation)
            for assignment in held.exclude(role__in=request.roles):
                do_revoke_role(actor=actor, assignment=assignment)
            for role in request.roles:
                _grant(actor, request.person, organisation, role)
        else:
            assert request.person is not None
            for assignment in RoleAssignment.objects.filter(
                person=request.person, organisation=organisation
            ):
                do_revoke_role(actor=actor, assignment=assignment)
            if not RoleAssignment.objects.filter(person=request.person).exists():
                Person.objects.filter(pk=request.person.pk).update(is_active=False)
                audit.record(
                    actor=actor,
                    action="orgs.person.deactivate",
                    object_type="person",
                    object_id=request.person.pk,
                )
    return request, initial_password


def do_withdraw_account_request(
    *, actor: Actor, request: AccountRequest, comment: str = ""
) -> AccountRequest:
    from .workflows import account_request_workflow

    return account_request_workflow.transition(request, "withdraw", actor=actor, comment=comment)
