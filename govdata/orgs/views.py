"""Pages of the portal entry, login and registration, and the console's organisation pages:
the tree, people and roles, child organisations, account requests (ORG-4), system accounts and
their API keys.

Views only parse a form, call a service or a query, and render (STYLE.md). A service error is
shown on the page with its message, the form re-rendered with its field errors, and a 4xx status;
the services have written nothing when they raise.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from govdata.core.errors import Invalid, NotFound, ServiceError
from govdata.core.views import (
    error_page,
    forbidden_page,
    form_failure,
    page_actor,
    render_console,
    translated,
)
from govdata.core.workflow import open_tasks

from . import queries, services
from .actors import Actor
from .auth import client_ip
from .choices import MANAGING_ROLES, AccountRequestStatus, PersonKind, Role
from .forms import (
    AccountRequestForm,
    ApiKeyForm,
    AssignRoleForm,
    DecisionForm,
    LoginForm,
    OrganisationForm,
    RegisterForm,
    StaffForm,
    SystemAccountForm,
    grantable_roles,
    requestable_roles,
)
from .models import AccountRequest, Organisation, SystemAccount
from .workflows import account_request_workflow

# --- Portal, login, registration ----------------------------------------------------------------


def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    """Log in with user name and password; repeated failures lock the account for a while."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next") or "")
    form = LoginForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                person = services.authenticate(
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    ip=client_ip(request),
                )
            except ServiceError as exc:
                error, status = translated(exc.message), exc.status
            else:
                auth_login(request, person)
                return redirect(next_url or "console-home")
        else:
            error, status = _("Enter your user name and password."), 422
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "next": next_url,
            "error": error,
            "max_failures": settings.LOGIN_MAX_FAILURES,
            "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
        },
        status=status,
    )


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("portal-home")


@sensitive_post_parameters("password", "password_again")
@never_cache
@require_http_methods(["GET", "POST"])
def register_page(request: HttpRequest) -> HttpResponse:
    """Real-name registration of a public user (ORG-4); the new user is logged in."""
    form = RegisterForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = services.check_register_public_user(
                    username=data["username"],
                    full_name=data["full_name"],
                    password=data["password"],
                    public_type=data["public_type"],
                    id_number=data["id_number"],
                    email=data["email"],
                    phone=data["phone"],
                )
            except ServiceError as exc:
                failure = form_failure(form, exc)
            else:
                auth_login(request, person)
                messages.success(request, _("Welcome! Your account has been registered."))
                return redirect("console-home")
        else:
            failure = form_failure(form)
        error, status = failure["error"], failure["status"]
    return render(
        request, "registration/register.html", {"form": form, "error": error}, status=status
    )


# --- Console -------------------------------------------------------------------------------------


def staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A console page for the staff of organisations: anonymous callers are sent to the login
    page, public users get 403, and an error a service or an access_* query raises becomes its
    page (404 for what the actor may not see) rather than a server error."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.kind == PersonKind.PUBLIC:
            return forbidden_page(request, _("This page is for the staff of organisations."))
        try:
            return view(request, *args, **kwargs)
        except ServiceError as exc:
            return error_page(request, exc)

    return wrapper


@login_required
@require_http_methods(["GET"])
def console_home(request: HttpRequest) -> HttpResponse:
    """The person's roles, open tasks with their deadlines, and the pages their roles open."""
    actor: Actor = page_actor(request)
    person = actor.person
    if person is None or person.kind == PersonKind.PUBLIC:
        return render_console(request, "console/account.html", {"person": person})
    by_org: dict[int, dict[str, Any]] = {}
    for assignment in person.roles.select_related("organisation").order_by(
        "organisation__division_code", "organisation__name", "role"
    ):
        org = assignment.organisation
        entry = by_org.setdefault(
            org.pk,
            {
                "organisation": org,
                "roles": [],
                "manages": queries.can_manage_organisation(actor, org),
            },
        )
        entry["roles"].append(assignment.get_role_display())
    tasks = open_tasks(actor)
    for task in tasks:
        task["kind_label"] = task["object"]._meta.verbose_name
    context = {
        "person": person,
        "memberships": list(by_org.values()),
        "tasks": tasks,
        "overdue_count": sum(1 for t in tasks if t["overdue"]),
        "manages_area": bool(actor.managed_authorities) or actor.is_platform_admin,
    }
    return render_console(request, "console/home.html", context)


def _tree(organisations: list[Organisation], managed: set[int]) -> list[dict[str, Any]]:
    nodes = {o.pk: {"org": o, "children": [], "managed": o.pk in managed} for o in organisations}
    roots = []
    for org in organisations:
        parent = nodes.get(org.parent_id) if org.parent_id else None
        (parent["children"] if parent else roots).append(nodes[org.pk])
    return roots


@staff_page
@require_http_methods(["GET"])
def organisation_tree(request: HttpRequest) -> HttpResponse:
    """The organisation tree (ORG-1): each organisation under its parent."""
    actor: Actor = page_actor(request)
    organisations = list(queries.organisations_visible_to(actor))
    managed = set(queries.managed_organisations(actor).values_list("pk", flat=True))
    context = {"tree": _tree(organisations, managed), "count": len(organisations)}
    return render_console(request, "console/organisations.html", context)


# --- One organisation: people and roles --------------------------------------------------------------


def _members(organisation: Organisation) -> list[dict[str, Any]]:
    people: dict[int, dict[str, Any]] = {}
    for assignment in queries.members_of(organisation).order_by(
        "person__full_name", "person__username", "role"
    ):
        entry = people.setdefault(
            assignment.person_id, {"person": assignment.person, "assignments": []}
        )
        entry["assignments"].append(assignment)
    return list(people.values())


def _may_request_accounts(actor: Actor, organisation: Organisation) -> bool:
    """Only a managing role held in the organisation itself files its account requests (the
    service refuses anyone else); managing it from an authority is not enough."""
    return any(actor.has_role(role, organisation) for role in MANAGING_ROLES)


def _account_request_form(
    actor: Actor, organisation: Organisation, data: Any = None
) -> AccountRequestForm:
    return AccountRequestForm(
        data,
        auto_id="id_request_%s",
        role_choices=requestable_roles(actor, organisation),
        people=list(queries.people_of(organisation)),
    )


def _child_form(organisation: Organisation, data: Any = None) -> OrganisationForm:
    return OrganisationForm(
        data,
        auto_id="id_child_%s",
        initial={
            "kind": "department",
            "level": organisation.level,
            "division_code": organisation.division_code,
        },
    )


def _organisation_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    staff_form: StaffForm | None = None,
    assign_form: AssignRoleForm | None = None,
    request_form: AccountRequestForm | None = None,
    child_form: OrganisationForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    roles = grantable_roles(actor, organisation)
    may_request = _may_request_accounts(actor, organisation)
    if may_request and request_form is None:
        request_form = _account_request_form(actor, organisation)
    context = {
        "organisation": organisation,
        "members": _members(organisation),
        "system_count": organisation.systems.count(),
        "staff_form": staff_form or StaffForm(role_choices=roles),
        "assign_form": assign_form or AssignRoleForm(role_choices=roles),
        "request_form": request_form if may_request else None,
        "child_form": child_form or _child_form(organisation),
        "error": error,
        # A form posted to an action address comes back here: the language switch returns to
        # the page itself, not to the address that only takes posts.
        "page_path": reverse("organisation", kwargs={"organisation_id": organisation.pk}),
    }
    return render_console(request, "console/organisation.html", context, status=status)


@staff_page
@require_http_methods(["GET"])
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """People and their roles in an organisation the actor manages (404 for any other)."""
    organisation = queries.access_managed_organisation_by_id(page_actor(request), organisation_id)
    return _organisation_page(request, organisation)


@sensitive_post_parameters("password")
@staff_page
@require_POST
def create_staff(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    organisation = queries.access_managed_organisation_by_id(actor, organisation_id)
    form = StaffForm(request.POST, role_choices=grantable_roles(actor, organisation))
    if not form.is_valid():
        return _organisation_page(
            request,
            organisation,
            staff_form=form,
            **form_failure(form),
        )
    data = form.cleaned_data
    try:
        person = services.check_create_staff(
            actor=actor,
            organisation=organisation,
            username=data["username"],
            full_name=data["full_name"],
            password=data["password"],
            roles=data["roles"],
            email=data["email"],
            phone=data["phone"],
        )
    except ServiceError as exc:
        return _organisation_page(request, organisation, staff_form=form, **form_failure(form, exc))
    messages.success(
        request, _("The account %(username)s has been created.") % {"username": person.username}
    )
    return redirect("organisation", organisation_id=organisation.pk)


@staff_page
@require_POST
def assign_role(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    organisation = queries.access_managed_organisation_by_id(actor, organisation_id)
    form = AssignRoleForm(request.POST, role_choices=grantable_roles(actor, organisation))
    if not form.is_valid():
        return _organisation_page(
            request,
            organisation,
            assign_form=form,
            **form_failure(form),
        )
    username = form.cleaned_data["username"].strip()
    try:
        person = queries.get_staff_by_username(username)
        if person is None:
            raise Invalid(
                _("No staff member has this user name."),
                code="no_person",
                fields={"username": _("Unknown user name.")},
            )
        assignment = services.do_assign_role(
            actor=actor, person=person, organisation=organisation, role=form.cleaned_data["role"]
        )
    except ServiceError as exc:
        return _organisation_page(
            request,
            organisation,
            assign_form=form,
            **form_failure(form, exc, aliases={"person_id": "username"}),
        )
    messages.success(
        request,
        _("%(person)s now holds the role %(role)s.")
        % {"person": person, "role": assignment.get_role_display()},
    )
    return redirect("organisation", organisation_id=organisation.pk)


@staff_page
@require_POST
def revoke_role(request: HttpRequest, organisation_id: int, assignment_id: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    organisation = queries.access_managed_organisation_by_id(actor, organisation_id)
    assignment = queries.members_of(organisation).filter(pk=assignment_id).first()
    if assignment is None:
        return error_page(request, NotFound(_("No such role assignment.")))
    try:
        services.do_revoke_role(actor=actor, assignment=assignment)
    except ServiceError as exc:
        return _organisation_page(
            request, organisation, error=translated(exc.message), status=exc.status
        )
    messages.success(
        request,
        _("The role %(role)s of %(person)s has been revoked.")
        % {"role": assignment.get_role_display(), "person": assignment.person},
    )
    return redirect("organisation", organisation_id=organisation.pk)


@staff_page
@require_POST
def create_child_organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Add an organisation under this one (ORG-1)."""
    actor: Actor = page_actor(request)
    organisation = queries.access_managed_organisation_by_id(actor, organisation_id)
    form = _child_form(organisation, request.POST)
    if not form.is_valid():
        return _organisation_page(
            request,
            organisation,
            child_form=form,
            **form_failure(form),
        )
    data = form.cleaned_data
    try:
        child = services.check_create_organisation(
            actor=actor,
            name=data["name"],
            kind=data["kind"],
            level=data["level"],
            division_code=data["division_code"],
            parent_id=organisation.pk,
            uscc=data["uscc"],
            short_name=data["short_name"],
        )
    except ServiceError as exc:
        return _organisation_page(request, organisation, child_form=form, **form_failure(form, exc))
    messages.success(
        request,
        _("The organisation %(name)s has been added under %(parent)s.")
        % {"name": child.name, "parent": organisation.name},
    )
    return redirect("organisation", organisation_id=child.pk)


@staff_page
@require_POST
def file_account_request(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The organisation asks the data authority of its area for an account change (ORG-4)."""
    actor: Actor = page_actor(request)
    organisation = queries.access_managed_organisation_by_id(actor, organisation_id)
    if not _may_request_accounts(actor, organisation):
        # As the service answers: an organisation the actor files nothing for is not found.
        return error_page(request, NotFound(_("No such organisation.")))
    form = _account_request_form(actor, organisation, request.POST)
    if not form.is_valid():
        return _organisation_page(
            request,
            organisation,
            request_form=form,
            **form_failure(form),
        )
    data = form.cleaned_data
    person_id = data["person"]
    try:
        filed = services.check_submit_account_request(
            actor=actor,
            organisation=organisation,
            kind=data["kind"],
            reason=data["reason"],
            username=data["username"],
            full_name=data["full_name"],
            roles=data["roles"],
            person=queries.people_of(organisation).filter(pk=person_id).first()
            if person_id
            else None,
        )
    except ServiceError as exc:
        return _organisation_page(
            request,
            organisation,
            request_form=form,
            **form_failure(form, exc, aliases={"person_id": "person"}),
        )
    messages.success(
        request,
        _("The request has been sent to the data authority, which answers by %(day)s.")
        % {"day": filed.due_on.isoformat() if filed.due_on else "—"},
    )
    return redirect("account-request", request_id=filed.pk)


# --- Account requests (ORG-4) ------------------------------------------------------------------------

ACCOUNT_REQUEST_PAGE_SIZE = 50


@staff_page
@require_http_methods(["GET"])
def account_request_list(request: HttpRequest) -> HttpResponse:
    """The account requests of the organisations the actor manages or answers for, newest first."""
    actor: Actor = page_actor(request)
    query = queries.account_requests_visible_to(actor).order_by("-created_at", "-pk")
    page = Paginator(query, ACCOUNT_REQUEST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "obj": obj,
            "overdue": obj.is_overdue(),
            "status_label": account_request_workflow.label_of(obj.status),
        }
        for obj in page
    ]
    return render_console(request, "console/account_requests.html", {"page": page, "rows": rows})


def _history(obj: AccountRequest) -> list[dict[str, Any]]:
    filed = {
        "at": obj.created_at,
        "by": str(obj.requested_by),
        "action": _("Submitted"),
        "state": AccountRequestStatus.SUBMITTED.label,
        "comment": "",
    }
    return [filed, *account_request_workflow.history_rows(obj)]


def _account_request_page(
    request: HttpRequest,
    obj: AccountRequest,
    *,
    decision_forms: dict[str, DecisionForm] | None = None,
    initial_password: str | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    decision_forms = decision_forms or {}
    actions = [
        {
            "name": t.name,
            "label": t.label,
            "comment_required": t.comment_required,
            "form": decision_forms.get(t.name) or DecisionForm(auto_id=f"id_{t.name}_%s"),
            "url": reverse(f"account-request-{t.name}", kwargs={"request_id": obj.pk}),
        }
        for t in account_request_workflow.available(obj, actor)
    ]
    context = {
        "account_request": obj,
        "role_labels": [Role(r).label for r in obj.roles if r in Role.values],
        "overdue": obj.is_overdue(),
        "status_label": account_request_workflow.label_of(obj.status),
        "history": _history(obj),
        "actions": actions,
        "initial_password": initial_password,
        "error": error,
        "page_path": reverse("account-request", kwargs={"request_id": obj.pk}),
    }
    response = render_console(request, "console/account_request.html", context, status=status)
    # The page may carry an initial password shown once: keep it out of caches.
    add_never_cache_headers(response)
    return response


@staff_page
@require_http_methods(["GET"])
def account_request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    """One account request: what is asked and why, its deadline and history, and the actions
    the actor may take (404 for a request the actor may not see)."""
    obj = queries.access_account_request_by_id(page_actor(request), request_id)
    return _account_request_page(request, obj)


@sensitive_variables("password")
def _decide(request: HttpRequest, request_id: int, transition: str) -> HttpResponse:
    actor: Actor = page_actor(request)
    obj = queries.access_account_request_by_id(actor, request_id)
    form = DecisionForm(request.POST, auto_id=f"id_{transition}_%s")
    if not form.is_valid():
        return _account_request_page(
            request,
            obj,
            decision_forms={transition: form},
            **form_failure(form),
        )
    comment = form.cleaned_data["comment"]
    password = None
    try:
        if transition == "withdraw":
            services.do_withdraw_account_request(actor=actor, request=obj, comment=comment)
        else:
            obj, password = services.check_decide_account_request(
                actor=actor, request=obj, approve=transition == "approve", comment=comment
            )
    except ServiceError as exc:
        failure = form_failure(form, exc)
        # The service wrote nothing: show the request as it stands, with the reason.
        obj = queries.access_account_request_by_id(actor, request_id)
        return _account_request_page(request, obj, decision_forms={transition: form}, **failure)
    if password:
        # Shown in this response only: neither stored in the session nor put in a redirect.
        return _account_request_page(request, obj, initial_password=password)
    done = {
        "approve": _("The request has been approved and carried out."),
        "reject": _("The request has been rejected."),
        "withdraw": _("The request has been withdrawn."),
    }
    messages.success(request, done[transition])
    return redirect("account-request", request_id=obj.pk)


@staff_page
@require_POST
def approve_account_request(request: HttpRequest, request_id: int) -> HttpResponse:
    """Approve and carry the request out; a new account's initial password is shown once."""
    return _decide(request, request_id, "approve")


@staff_page
@require_POST
def reject_account_request(request: HttpRequest, request_id: int) -> HttpResponse:
    """Refuse the request, giving the reason (required)."""
    return _decide(request, request_id, "reject")


@staff_page
@require_POST
def withdraw_account_request(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, "withdraw")


# --- System accounts and API keys ----------------------------------------------------------------------


def _systems_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    form: SystemAccountForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    systems = (
        queries.systems_visible_to(actor)
        .filter(organisation=organisation)
        .annotate(
            usable_keys=Count("keys", filter=Q(keys__revoked_at__isnull=True)),
            all_keys=Count("keys"),
        )
        .order_by("-is_active", "name")
    )
    context = {
        "organisation": organisation,
        "systems": systems,
        "form": form or SystemAccountForm(),
        "error": error,
    }
    return render_console(request, "console/systems.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def organisation_systems(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The business systems of an organisation; registering a new one."""
    actor: Actor = page_actor(request)
    organisation = queries.access_managed_organisation_by_id(actor, organisation_id)
    if request.method == "GET":
        return _systems_page(request, organisation)
    form = SystemAccountForm(request.POST)
    if not form.is_valid():
        return _systems_page(
            request,
            organisation,
            form=form,
            **form_failure(form),
        )
    try:
        system = services.check_create_system_account(
            actor=actor,
            organisation=organisation,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
    except ServiceError as exc:
        return _systems_page(request, organisation, form=form, **form_failure(form, exc))
    messages.success(
        request,
        _("The system account %(name)s has been registered. Issue it a key below.")
        % {"name": system.name},
    )
    return redirect("system", system_id=system.pk)


def _system_page(
    request: HttpRequest,
    system: SystemAccount,
    *,
    form: ApiKeyForm | None = None,
    new_key: str = "",
    new_key_id: int | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "system": system,
        "organisation": system.organisation,
        "keys": list(system.keys.order_by("-created_at")),
        "form": form or ApiKeyForm(),
        "new_key": new_key,
        "new_key_id": new_key_id,
        "error": error,
        "page_path": reverse("system", kwargs={"system_id": system.pk}),
    }
    response = render_console(request, "console/system.html", context, status=status)
    # The page may carry a key shown once, and always lists the keys: keep it out of caches.
    add_never_cache_headers(response)
    return response


@staff_page
@require_http_methods(["GET"])
def system_detail(request: HttpRequest, system_id: int) -> HttpResponse:
    """A system account and its keys (prefixes only: a full key is never shown again)."""
    return _system_page(
        request, queries.access_system_account_by_id(page_actor(request), system_id)
    )


@staff_page
@require_http_methods(["GET", "POST"])
def issue_api_key(request: HttpRequest, system_id: int) -> HttpResponse:
    """Issue a key and show it once, in this response only: it is neither stored in the session
    nor put in a redirect, and the system page never shows it again."""
    actor: Actor = page_actor(request)
    system = queries.access_system_account_by_id(actor, system_id)
    if request.method == "GET":
        return redirect("system", system_id=system.pk)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _system_page(request, system, form=form, **form_failure(form))
    try:
        key, full_key = services.do_issue_api_key(
            actor=actor,
            system=system,
            label=form.cleaned_data["label"],
            expires_at=form.expires_at(),
            allowed_ips=form.cleaned_data["allowed_ips"],
        )
    except ServiceError as exc:
        return _system_page(
            request,
            system,
            form=form,
            **form_failure(form, exc, aliases={"expires_at": "valid_until"}),
        )
    return _system_page(request, system, new_key=full_key, new_key_id=key.pk)


@staff_page
@require_POST
def revoke_api_key(request: HttpRequest, system_id: int, key_id: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    system = queries.access_system_account_by_id(actor, system_id)
    key = queries.access_api_key_by_id(actor, key_id)
    if key.system_account_id != system.pk:
        return error_page(request, NotFound(_("No such API key.")))
    services.do_revoke_api_key(actor=actor, key=key)
    messages.success(request, _("The key %(prefix)s… has been revoked.") % {"prefix": key.prefix})
    return redirect("system", system_id=system.pk)


@staff_page
@require_POST
def deactivate_system(request: HttpRequest, system_id: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    system = queries.access_system_account_by_id(actor, system_id)
    services.do_deactivate_system_account(actor=actor, system=system)
    messages.success(
        request,
        _("The system account %(name)s has been switched off; its keys no longer work.")
        % {"name": system.name},
    )
    return redirect("system", system_id=system.pk)
