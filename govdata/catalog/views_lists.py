"""Console pages of the catalog's lists (CAT-6) and information systems (CAT-7), and the public
pages of the published lists.

A department files its data demands and answers those sent to it, links its entries to its
duties and keeps its systems; the data authority sends demands to the department responsible,
records duties, accepts systems and publishes the demand and responsibility lists of its area.
Views parse a form, call the same services as the API (``services/lists.py``,
``services/systems.py``) and render. A refused action shows the service's message on the page
with a 4xx status; the services wrote nothing then.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govdata.core.errors import Forbidden, Invalid, NotFound, ServiceError
from govdata.core.views import form_failure, page_actor, render_console, translated
from govdata.orgs import queries as org_queries
from govdata.orgs.actors import Actor
from govdata.orgs.models import Organisation
from govdata.orgs.views import staff_page

from . import queries, queries_lists
from .choices import DemandAnswer, DemandStatus, MaintenanceTrigger, SystemStatus
from .forms_lists import (
    AnswerForm,
    AssignForm,
    CommentForm,
    DemandFilterForm,
    DemandForm,
    FileStopForm,
    LinkForm,
    MeetForm,
    PublishForm,
    ResponsibilityForm,
    SystemEditForm,
    SystemFilterForm,
    SystemForm,
    UpgradeForm,
)
from .models import Demand, InformationSystem, ListPublication, Resource, Responsibility
from .queries_lists import DATA_HOLDING_KINDS, ListKind
from .services import lists as list_services
from .services import systems as system_services
from .workflows_lists import demand_workflow

PAGE_SIZE = 50
# How many entries a select of published entries offers; a department rarely has more.
ENTRY_CHOICES = 500

DEMAND_TAGS: dict[str, str] = {
    DemandStatus.OPEN: "tag--warning",
    DemandStatus.ASSIGNED: "tag--warning",
    DemandStatus.ANSWERED: "",
    DemandStatus.MET: "tag--ok",
    DemandStatus.WITHDRAWN: "tag--quiet",
}
SYSTEM_TAGS: dict[str, str] = {
    SystemStatus.PLANNED: "",
    SystemStatus.IN_USE: "tag--ok",
    SystemStatus.UPGRADING: "tag--warning",
    SystemStatus.STOPPED: "tag--quiet",
}


# --- Shared helpers -----------------------------------------------------------------------------------


def _own_organisations(actor: Actor) -> list[Organisation]:
    """The organisations the actor acts for on lists and systems, as choices."""
    ids = queries_lists.own_organisations(actor)
    return list(Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name"))


def _area_departments(actor: Actor, exclude: int | None = None) -> list[tuple[int, str]]:
    """Departments in the area of the authorities the actor manages (all, for the admin)."""
    if not actor.is_platform_admin and not actor.managed_authorities:
        return []
    orgs = Organisation.objects.filter(is_active=True, kind__in=sorted(DATA_HOLDING_KINDS))
    if not actor.is_platform_admin:
        orgs = orgs.filter(org_queries.area_filter(actor.managed_authorities))
    if exclude is not None:
        orgs = orgs.exclude(pk=exclude)
    return list(orgs.order_by("division_code", "name").values_list("pk", "name"))


def _entry_label(resource: Resource) -> str:
    live = resource.live_version
    return f"{live.name if live else resource.code} ({resource.code})"


def _published_entries(provider_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Published entries of the providers, as choices by provider, in one query."""
    choices: dict[int, list[tuple[int, str]]] = {pk: [] for pk in provider_ids}
    if not provider_ids:
        return choices
    entries = (
        queries.published()
        .filter(provider_id__in=provider_ids)
        .select_related("live_version")
        .order_by("code")[:ENTRY_CHOICES]
    )
    for resource in entries:
        choices[resource.provider_id].append((resource.pk, _entry_label(resource)))
    return choices


def _refusal(exc: ServiceError) -> dict[str, Any]:
    """The ``error`` and ``status`` of a page re-rendered for a refusal that names no field."""
    return {"error": translated(exc.message), "status": exc.status}


def _page(request: HttpRequest, query: Any) -> Any:
    return Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))


def _publish_context(actor: Actor, kind: str, form: PublishForm | None = None) -> dict[str, Any]:
    """The authority's publish button of a list page, and when its lists were last published."""
    authorities = queries_lists.publishing_authorities(actor)
    if not authorities:
        return {"publish_form": None, "last_publications": []}
    choices = [(a.pk, a.name) for a in authorities]
    last = ListPublication.objects.filter(kind=kind, authority__in=authorities).order_by(
        "-published_at", "-pk"
    )
    return {
        "publish_form": form or PublishForm(authorities=choices, auto_id="id_publish_%s"),
        "publish_kind": kind,
        "last_publications": list(last.select_related("authority")[:3]),
    }


def _lists_flags(actor: Actor) -> dict[str, bool]:
    """Which tabs of the lists pages the actor has a use for."""
    return {"may_read_non_share": queries.is_staff(actor)}


# --- The demand list (CAT-6, B§16) --------------------------------------------------------------------


def _demand_row(demand: Demand, today: Any) -> dict[str, Any]:
    return {
        "demand": demand,
        "label": demand_workflow.label_of(demand.status),
        "tag": DEMAND_TAGS.get(demand.status, ""),
        "overdue": demand.is_overdue(today),
    }


def _demand_list_page(
    request: HttpRequest,
    *,
    demand_form: DemandForm | None = None,
    publish_form: PublishForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    requesters = _own_organisations(actor) if queries.is_staff(actor) else []
    filters = DemandFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    demands = (
        queries_lists.overdue_demands(actor)
        if chosen.get("overdue")
        else queries_lists.demands_visible_to(actor)
    )
    if chosen.get("status"):
        demands = demands.filter(status=chosen["status"])
    page = _page(request, demands)
    today = timezone.localdate()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "filter_query": query.urlencode(),
        "page": page,
        "rows": [_demand_row(d, today) for d in page.object_list],
        "demand_form": demand_form
        or (DemandForm(requesters=[(o.pk, o.name) for o in requesters]) if requesters else None),
        "error": error,
        **_publish_context(actor, ListKind.DEMAND, publish_form),
        **_lists_flags(actor),
    }
    return render_console(request, "console/catalog/lists/demands.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def demand_list(request: HttpRequest) -> HttpResponse:
    """The demand list the actor may see (its organisations' demands, filed or to answer; the
    area for the authority), filtered by status; a department files a demand here."""
    if request.method == "GET":
        return _demand_list_page(request)
    actor: Actor = page_actor(request)
    requesters = {o.pk: o for o in _own_organisations(actor)}
    if not requesters or not queries.is_staff(actor):
        raise Forbidden(
            _("You may not file demands for this organisation."), code="not_your_organisation"
        )
    form = DemandForm(request.POST, requesters=[(pk, o.name) for pk, o in requesters.items()])
    if not form.is_valid():
        return _demand_list_page(request, demand_form=form, **form_failure(form))
    data = form.cleaned_data
    try:
        demand = list_services.check_file_demand(
            actor=actor,
            requester=requesters[data["requester"]],
            title=data["title"],
            description=data["description"],
            purpose=data["purpose"],
            basis=data["basis"],
        )
    except ServiceError as exc:
        return _demand_list_page(request, demand_form=form, **form_failure(form, exc))
    messages.success(request, _("The demand has been filed."))
    return redirect("lists-demand", demand_id=demand.pk)


def _demand_forms(
    actor: Actor, demand: Demand, moves: list[str], given: dict[str, forms.Form]
) -> dict[str, forms.Form]:
    """A form for each move the actor may make now (a form that failed is shown as posted)."""
    built: dict[str, forms.Form] = {}
    for move in moves:
        if move in given:
            built[move] = given[move]
        elif move == "meet":
            built[move] = MeetForm(auto_id="id_meet_%s")
        elif move == "assign":
            departments = _area_departments(actor, exclude=demand.requester_id)
            built[move] = AssignForm(departments=departments, auto_id="id_assign_%s")
        elif move == "answer":
            entries = _published_entries([demand.responsible_id] if demand.responsible_id else [])
            built[move] = AnswerForm(
                entries=entries.get(demand.responsible_id or 0, []),
                initial={"outcome": DemandAnswer.PROVIDE},
                auto_id="id_answer_%s",
            )
        elif move == "withdraw":
            built[move] = CommentForm(auto_id="id_withdraw_%s")
    return built


def _demand_page(
    request: HttpRequest,
    demand: Demand,
    *,
    action_forms: dict[str, forms.Form] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    moves = [t.name for t in demand_workflow.available(demand, actor)]
    suggestions = queries_lists.suggestions_for(demand)
    context = {
        "demand": demand,
        "status_label": demand_workflow.label_of(demand.status),
        "status_tag": DEMAND_TAGS.get(demand.status, ""),
        "overdue": demand.is_overdue(),
        "outcome_label": DemandAnswer(demand.answer_outcome).label if demand.answer_outcome else "",
        "suggestions": [
            {"resource": r, "name": r.live_version.name if r.live_version else r.code}
            for r in suggestions
        ],
        "history": demand_workflow.history_rows(demand),
        "forms": _demand_forms(actor, demand, moves, action_forms or {}),
        "error": error,
        "page_path": reverse("lists-demand", kwargs={"demand_id": demand.pk}),
        **_lists_flags(actor),
    }
    return render_console(request, "console/catalog/lists/demand.html", context, status=status)


@staff_page
@require_http_methods(["GET"])
def demand_detail(request: HttpRequest, demand_id: int) -> HttpResponse:
    """A demand with its suggested entries, history, due date and the actor's moves."""
    demand = queries_lists.access_demand_by_id(page_actor(request), demand_id)
    return _demand_page(request, demand)


def _resource_field(actor: Actor, resource_id: int | None, field: str) -> Resource | None:
    """An entry chosen on a form: one the actor may see, else a message on the field."""
    if resource_id is None:
        return None
    try:
        return queries.access_resource_by_id(actor, resource_id)
    except NotFound as exc:
        raise Invalid(
            _("No such catalog entry."), code="unknown_resource", fields={field: _("Unknown.")}
        ) from exc


def _call_demand_move(actor: Actor, demand: Demand, move: str, data: dict[str, Any]) -> None:
    if move == "meet":
        try:
            resource = queries.access_resource_by_code(actor, data["code"].strip())
        except NotFound as exc:
            raise Invalid(
                _("No such catalog entry."),
                code="unknown_resource",
                fields={"resource_id": _("Not a published catalog entry.")},
            ) from exc
        list_services.do_meet_demand(
            actor=actor, demand=demand, resource=resource, comment=data["comment"]
        )
    elif move == "assign":
        responsible = Organisation.objects.filter(pk=data["responsible"], is_active=True).first()
        if responsible is None:
            raise Invalid(
                _("Name another department in your area."),
                code="invalid_responsible",
                fields={"responsible_id": _("Unknown.")},
            )
        list_services.check_assign_demand(
            actor=actor, demand=demand, responsible=responsible, comment=data["comment"]
        )
    elif move == "answer":
        list_services.check_answer_demand(
            actor=actor,
            demand=demand,
            can_provide=data["outcome"] == DemandAnswer.PROVIDE,
            answer=data["answer"],
            legal_basis=data["legal_basis"],
            resource=_resource_field(actor, data["resource"], "resource_id"),
        )
    else:
        list_services.do_withdraw_demand(actor=actor, demand=demand, comment=data["comment"])


DEMAND_DONE = {
    "meet": lambda: _("The demand is marked as met."),
    "assign": lambda: _("The demand has been sent to the responsible department."),
    "answer": lambda: _("The answer has been recorded."),
    "withdraw": lambda: _("The demand has been withdrawn."),
}
# A service's argument named otherwise on the page's form.
DEMAND_ALIASES = {"resource_id": "resource", "responsible_id": "responsible"}


def _demand_move(request: HttpRequest, demand_id: int, move: str) -> HttpResponse:
    actor: Actor = page_actor(request)
    demand = queries_lists.access_demand_by_id(actor, demand_id)
    try:
        # The wrong person or state learns that first, whatever the form holds.
        list_services.precheck_demand_move(demand, move, actor)
    except ServiceError as exc:
        return _demand_page(request, demand, **_refusal(exc))
    form: forms.Form
    if move == "meet":
        form = MeetForm(request.POST, auto_id="id_meet_%s")
    elif move == "assign":
        departments = _area_departments(actor, exclude=demand.requester_id)
        form = AssignForm(request.POST, departments=departments, auto_id="id_assign_%s")
    elif move == "answer":
        entries = _published_entries([demand.responsible_id] if demand.responsible_id else [])
        form = AnswerForm(
            request.POST,
            entries=entries.get(demand.responsible_id or 0, []),
            auto_id="id_answer_%s",
        )
    else:
        form = CommentForm(request.POST, auto_id="id_withdraw_%s")
    if not form.is_valid():
        return _demand_page(request, demand, action_forms={move: form}, **form_failure(form))
    aliases = {"resource_id": "code"} if move == "meet" else DEMAND_ALIASES
    try:
        _call_demand_move(actor, demand, move, form.cleaned_data)
    except ServiceError as exc:
        failure = form_failure(form, exc, aliases)
        demand = queries_lists.access_demand_by_id(actor, demand_id)  # as stored: unchanged
        return _demand_page(request, demand, action_forms={move: form}, **failure)
    messages.success(request, DEMAND_DONE[move]())
    return redirect("lists-demand", demand_id=demand.pk)


@staff_page
@require_POST
def meet_demand(request: HttpRequest, demand_id: int) -> HttpResponse:
    return _demand_move(request, demand_id, "meet")


@staff_page
@require_POST
def assign_demand(request: HttpRequest, demand_id: int) -> HttpResponse:
    return _demand_move(request, demand_id, "assign")


@staff_page
@require_POST
def answer_demand(request: HttpRequest, demand_id: int) -> HttpResponse:
    return _demand_move(request, demand_id, "answer")


@staff_page
@require_POST
def withdraw_demand(request: HttpRequest, demand_id: int) -> HttpResponse:
    return _demand_move(request, demand_id, "withdraw")


# --- The responsibility list (CAT-6, B§16) ------------------------------------------------------------


def _responsibility_list_page(
    request: HttpRequest,
    *,
    duty_form: ResponsibilityForm | None = None,
    link_forms: dict[int, LinkForm] | None = None,
    publish_form: PublishForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    page = _page(request, queries_lists.responsibilities_visible_to(actor))
    rows = list(page.object_list)
    own = set(queries_lists.own_organisations(actor))
    linkable = sorted(
        {r.organisation_id for r in rows if actor.is_platform_admin or r.organisation_id in own}
    )
    entries = _published_entries(linkable)
    today = timezone.localdate()
    departments = _area_departments(actor)
    context = {
        "page": page,
        "rows": [
            {
                "row": queries_lists.responsibility_row(r, today),
                "link_form": (link_forms or {}).get(r.pk)
                or (
                    LinkForm(entries=entries[r.organisation_id], auto_id=f"id_link{r.pk}_%s")
                    if entries.get(r.organisation_id)
                    else None
                ),
            }
            for r in rows
        ],
        "duty_form": duty_form
        or (ResponsibilityForm(departments=departments) if departments else None),
        "error": error,
        **_publish_context(actor, ListKind.RESPONSIBILITY, publish_form),
        **_lists_flags(actor),
    }
    return render_console(
        request, "console/catalog/lists/responsibilities.html", context, status=status
    )


@staff_page
@require_http_methods(["GET", "POST"])
def responsibility_list(request: HttpRequest) -> HttpResponse:
    """The responsibility list the actor may see; the authority records a duty here."""
    if request.method == "GET":
        return _responsibility_list_page(request)
    actor: Actor = page_actor(request)
    departments = _area_departments(actor)
    if not departments:
        raise Forbidden(
            _("Only the data authority over the department's area records its duties."),
            code="forbidden",
        )
    form = ResponsibilityForm(request.POST, departments=departments)
    if not form.is_valid():
        return _responsibility_list_page(request, duty_form=form, **form_failure(form))
    data = form.cleaned_data
    try:
        list_services.check_create_responsibility(
            actor=actor,
            organisation=Organisation.objects.get(pk=data["organisation"]),
            title=data["title"],
            description=data["description"],
            basis=data["basis"],
            due_on=data["due_on"],
        )
    except ServiceError as exc:
        return _responsibility_list_page(
            request, duty_form=form, **form_failure(form, exc, {"organisation_id": "organisation"})
        )
    messages.success(request, _("The duty has been added to the responsibility list."))
    return redirect("lists-responsibilities")


@staff_page
@require_POST
def link_responsibility(request: HttpRequest, responsibility_id: int) -> HttpResponse:
    """The department names its published entry that fulfils a duty."""
    actor: Actor = page_actor(request)
    row: Responsibility = queries_lists.access_responsibility_by_id(actor, responsibility_id)
    entries = _published_entries([row.organisation_id])[row.organisation_id]
    form = LinkForm(request.POST, entries=entries, auto_id=f"id_link{row.pk}_%s")
    failure: dict[str, Any]
    if not queries_lists.acts_for(actor, row.organisation_id):
        failure = _refusal(Forbidden(_("Only the department itself names its entry.")))
    elif not form.is_valid():
        failure = form_failure(form)
    else:
        try:
            resource = _resource_field(actor, form.cleaned_data["resource"], "resource_id")
            assert resource is not None  # the form requires one
            list_services.check_link_responsibility(
                actor=actor, responsibility=row, resource=resource
            )
        except ServiceError as exc:
            failure = form_failure(form, exc, {"resource_id": "resource"})
        else:
            messages.success(request, _("The entry has been linked to the duty."))
            return redirect("lists-responsibilities")
    return _responsibility_list_page(request, link_forms={row.pk: form}, **failure)


# --- Publication (CAT-6, B§16) ------------------------------------------------------------------------


@staff_page
@require_POST
def publish_list(request: HttpRequest, kind: str) -> HttpResponse:
    """The authority publishes the demand or responsibility list of its area as it stands."""
    if kind not in ListKind.values:
        raise NotFound(_("No such list."))
    actor: Actor = page_actor(request)
    choices = [(a.pk, a.name) for a in queries_lists.publishing_authorities(actor)]
    form = PublishForm(request.POST, authorities=choices, auto_id="id_publish_%s")
    page = _demand_list_page if kind == ListKind.DEMAND else _responsibility_list_page
    if not choices:
        exc = Forbidden(_("Only the data authority's managers publish its lists."))
        return page(request, **_refusal(exc))
    if not form.is_valid():
        return page(request, publish_form=form, **form_failure(form))
    chosen = form.cleaned_data["authority"]
    authority = Organisation.objects.get(pk=chosen) if chosen is not None else None
    try:
        publication = list_services.check_publish_list(actor=actor, kind=kind, authority=authority)
    except ServiceError as exc:
        return page(
            request, publish_form=form, **form_failure(form, exc, {"authority_id": "authority"})
        )
    messages.success(
        request,
        _("%(list)s of %(authority)s published with %(n)d entries.")
        % {
            "list": ListKind(kind).label,
            "authority": publication.authority.name,
            "n": len(publication.entries),
        },
    )
    return redirect("lists-demands" if kind == ListKind.DEMAND else "lists-responsibilities")


@require_http_methods(["GET"])
def published_list(request: HttpRequest, kind: str) -> HttpResponse:
    """Public, no login: the latest published demand or responsibility list of each data
    authority (B§16: 定期发布需求清单和责任清单), as it was published."""
    if kind not in ListKind.values:
        raise Http404
    publications = list(queries_lists.latest_publications(kind))
    labels = dict(DemandStatus.choices) | dict(DemandAnswer.choices)
    for publication in publications:
        for entry in publication.entries:
            entry["status_label"] = labels.get(entry.get("status"), entry.get("status"))
            entry["outcome_label"] = labels.get(entry.get("outcome") or "", "")
    context = {"kind": kind, "title": ListKind(kind).label, "publications": publications}
    return render(request, "portal/lists/published.html", context)


# --- The non-share list (CAT-6, B§16) -----------------------------------------------------------------


@staff_page
@require_http_methods(["GET"])
def non_share_list(request: HttpRequest) -> HttpResponse:
    """Every published entry that by law is not shared, with its legal basis; for government
    users only."""
    actor: Actor = page_actor(request)
    if not queries.is_staff(actor):
        raise Forbidden(_("Only government users read the non-share list."), code="forbidden")
    page = _page(request, queries.non_share_list().select_related("provider"))
    context = {
        "page": page,
        "rows": [queries_lists.non_share_row(r) for r in page.object_list],
        **_lists_flags(actor),
    }
    return render_console(request, "console/catalog/lists/non_share.html", context)


# --- Information systems (CAT-7, B§8, G§17) -----------------------------------------------------------


def _system_list_page(
    request: HttpRequest,
    *,
    system_form: SystemForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    filters = SystemFilterForm(request.GET)
    systems = queries_lists.systems_visible_to(actor)
    if filters.is_valid() and filters.cleaned_data["status"]:
        systems = systems.filter(status=filters.cleaned_data["status"])
    page = _page(request, systems)
    owners = _own_organisations(actor) if queries.is_staff(actor) else []
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "filter_query": query.urlencode(),
        "page": page,
        "rows": [
            {
                "system": s,
                "label": SystemStatus(s.status).label,
                "tag": SYSTEM_TAGS.get(s.status, ""),
            }
            for s in page.object_list
        ],
        "system_form": system_form
        or (SystemForm(organisations=[(o.pk, o.name) for o in owners]) if owners else None),
        "error": error,
    }
    return render_console(request, "console/catalog/systems/systems.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def system_list(request: HttpRequest) -> HttpResponse:
    """The systems of the actor's organisations (the area for the authority); a department
    registers a system here."""
    if request.method == "GET":
        return _system_list_page(request)
    actor: Actor = page_actor(request)
    owners = {o.pk: o for o in _own_organisations(actor)}
    if not owners or not queries.is_staff(actor):
        raise Forbidden(
            _("Only the department's own staff manage its information systems."),
            code="forbidden",
        )
    form = SystemForm(request.POST, organisations=[(pk, o.name) for pk, o in owners.items()])
    if not form.is_valid():
        return _system_list_page(request, system_form=form, **form_failure(form))
    data = form.cleaned_data
    try:
        system = system_services.check_register_system(
            actor=actor,
            organisation=owners[data["organisation"]],
            name=data["name"],
            description=data["description"],
            status=data["status"],
        )
    except ServiceError as exc:
        return _system_list_page(request, system_form=form, **form_failure(form, exc))
    messages.success(request, _("The information system has been registered."))
    return redirect("infosystem", system_id=system.pk)


SYSTEM_FORMS: dict[str, type[forms.Form]] = {
    "update": SystemEditForm,
    "accept": CommentForm,
    "upgrade": UpgradeForm,
    "file_stop": FileStopForm,
    "stop": CommentForm,
}


def _system_page(
    request: HttpRequest,
    system: InformationSystem,
    *,
    action_forms: dict[str, forms.Form] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    moves = system_services.available_moves(actor, system)
    given = action_forms or {}
    built: dict[str, forms.Form] = {}
    earliest = system_services.earliest_stop_date()
    for move in moves:
        if move in given:
            built[move] = given[move]
            continue
        initial: dict[str, Any] = {}
        if move == "update":
            initial = {"name": system.name, "description": system.description}
        elif move == "file_stop":
            initial = {"planned_on": system.stop_planned_on or earliest}
        built[move] = SYSTEM_FORMS[move](initial=initial, auto_id=f"id_{move}_%s")
    if "file_stop" in built:
        built["file_stop"].fields["planned_on"].widget.attrs["min"] = earliest.isoformat()
    entries = list(
        queries_lists.published_entries_of(system)
        .select_related("live_version", "provider")
        .order_by("code")[:200]
    )
    tasks = list(
        queries.maintenance_visible_to(actor)
        .filter(
            trigger=MaintenanceTrigger.SYSTEM_UPGRADE,
            resource__live_version__source_system=system,
        )
        .select_related("resource__live_version")
        .order_by("-raised_at", "-pk")[:50]
    )
    reviewable = system.status in (SystemStatus.PLANNED, SystemStatus.UPGRADING)
    context = {
        "system": system,
        "status_label": SystemStatus(system.status).label,
        "status_tag": SYSTEM_TAGS.get(system.status, ""),
        "entries": entries,
        "problems": queries_lists.acceptance_problems(system) if reviewable else {},
        "reviewable": reviewable,
        "needs_connection": queries_lists.acceptance_needs_connection(),
        "tasks": [{"task": t, "overdue": t.is_overdue()} for t in tasks],
        "forms": built,
        "earliest_stop": earliest,
        "error": error,
        "page_path": reverse("infosystem", kwargs={"system_id": system.pk}),
    }
    return render_console(request, "console/catalog/systems/system.html", context, status=status)


@staff_page
@require_http_methods(["GET"])
def system_detail(request: HttpRequest, system_id: int) -> HttpResponse:
    """A system with its published entries, its readiness for acceptance and its moves."""
    system = queries_lists.access_system_by_id(page_actor(request), system_id)
    return _system_page(request, system)


def _call_system_move(
    actor: Actor, system: InformationSystem, move: str, data: dict[str, Any]
) -> None:
    if move == "update":
        system_services.check_update_system(
            actor=actor, system=system, name=data["name"], description=data["description"]
        )
    elif move == "accept":
        system_services.check_accept_system(actor=actor, system=system, comment=data["comment"])
    elif move == "upgrade":
        system_services.check_upgrade_system(actor=actor, system=system, reason=data["reason"])
    elif move == "file_stop":
        system_services.check_file_system_stop(
            actor=actor, system=system, planned_on=data["planned_on"], reason=data["reason"]
        )
    else:
        system_services.check_stop_system(actor=actor, system=system, comment=data["comment"])


SYSTEM_DONE = {
    "update": lambda: _("The information system has been saved."),
    "accept": lambda: _("The information system has been accepted and is in use."),
    "upgrade": lambda: _(
        "The upgrade has been recorded; the entries the system sources have maintenance tasks."
    ),
    "file_stop": lambda: _("The stop has been filed with the data authority."),
    "stop": lambda: _("The information system has been stopped."),
}


def _system_move(request: HttpRequest, system_id: int, move: str) -> HttpResponse:
    actor: Actor = page_actor(request)
    system = queries_lists.access_system_by_id(actor, system_id)
    form = SYSTEM_FORMS[move](request.POST, auto_id=f"id_{move}_%s")
    try:
        # The wrong person or state learns that first, whatever the form holds.
        system_services.precheck_system_move(actor, system, move)
    except ServiceError as exc:
        return _system_page(request, system, **_refusal(exc))
    if not form.is_valid():
        return _system_page(request, system, action_forms={move: form}, **form_failure(form))
    try:
        _call_system_move(actor, system, move, form.cleaned_data)
    except ServiceError as exc:
        # A refused acceptance names its reasons in the message too; they are listed on the page.
        failure = form_failure(form, exc)
        system = queries_lists.access_system_by_id(actor, system_id)  # as stored: unchanged
        return _system_page(request, system, action_forms={move: form}, **failure)
    messages.success(request, SYSTEM_DONE[move]())
    return redirect("infosystem", system_id=system.pk)


@staff_page
@require_POST
def edit_system(request: HttpRequest, system_id: int) -> HttpResponse:
    return _system_move(request, system_id, "update")


@staff_page
@require_POST
def accept_system(request: HttpRequest, system_id: int) -> HttpResponse:
    return _system_move(request, system_id, "accept")


@staff_page
@require_POST
def upgrade_system(request: HttpRequest, system_id: int) -> HttpResponse:
    return _system_move(request, system_id, "upgrade")


@staff_page
@require_POST
def file_system_stop(request: HttpRequest, system_id: int) -> HttpResponse:
    return _system_move(request, system_id, "file_stop")


@staff_page
@require_POST
def stop_system(request: HttpRequest, system_id: int) -> HttpResponse:
    return _system_move(request, system_id, "stop")
