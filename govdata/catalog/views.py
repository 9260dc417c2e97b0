"""Console pages of the catalog: a department compiles and revises its entries with the items
editor, submits them and reads the review comments; reviewers work their queue; the authority
sees the counts by department and state and the overdue lists (CAT-1..4).

Views parse a form, call the same services as the API, and render. A service error is shown on
the page (per field where it names one) with a 4xx status; the services wrote nothing then.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govdata.core.errors import NotFound, ServiceError
from govdata.core.views import (
    apply_service_error,
    error_page,
    page_actor,
    render_console,
    translated,
)
from govdata.orgs.actors import Actor
from govdata.orgs.choices import Role
from govdata.orgs.models import Organisation
from govdata.orgs.views import staff_page

from . import queries, queries_lists, search, services
from .choices import OPEN_VERSION_STATES, ResourceClass, VersionStatus
from .entries import ITEM_INPUT_FIELDS
from .forms import (
    CommentForm,
    EntryForm,
    ItemFormSet,
    MaintenanceForm,
    PasteForm,
    RevisionForm,
    parse_item_rows,
)
from .models import InformationSystem, Library, MaintenanceTask, Resource, ResourceVersion
from .workflows import maintenance_workflow, review_workflow, version_actions

PAGE_SIZE = 50
ITEMS_PREFIX = "items"

# --- Lists -----------------------------------------------------------------------------------------


class _SearchHits(Sequence[Resource]):
    """The published catalog's search results (CAT-8), best first, as a sequence the paginator
    can count and slice: each slice is one search for that page."""

    def __init__(self, text: str, scope: str) -> None:
        self.text, self.scope = text, scope
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = search.search(self.text, scope=self.scope, limit=1, facets=False).count
        return self._count

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start = index.start or 0
        stop = len(self) if index.stop is None else index.stop
        found = search.search(
            self.text, scope=self.scope, offset=start, limit=max(1, stop - start), facets=False
        )
        ids = [hit.resource_id for hit in found.hits]
        resources = queries.published().in_bulk(ids)
        return [resources[pk] for pk in ids if pk in resources]


def _tab_flags(actor: Actor) -> dict[str, bool]:
    """Which of the catalog's tabs the actor has a use for."""
    reviews = bool(actor.authorities_with(Role.REVIEWER))
    return {
        "may_review": reviews or actor.is_platform_admin,
        "oversees": reviews or bool(actor.managed_authorities) or actor.is_platform_admin,
    }


def _working_versions(resources: list[Resource]) -> dict[int, ResourceVersion]:
    """The version in work of each resource on a page, in one query."""
    return {
        v.resource_id: v
        for v in ResourceVersion.objects.filter(
            resource__in=resources, status__in=sorted(OPEN_VERSION_STATES)
        )
    }


@staff_page
@require_http_methods(["GET"])
def catalog_home(request: HttpRequest) -> HttpResponse:
    """The actor's own entries in every state, or the resource or share catalog (CAT-2)."""
    actor: Actor = page_actor(request)
    compiles = bool(_compilable_providers(actor))
    view = request.GET.get("view", "")
    if view not in {"mine", "catalog", "share"}:
        # Who compiles starts from their own entries; a reviewer or an auditor from the catalog.
        view = "mine" if compiles else "catalog"
    if view == "mine":
        query = queries.resources_compiled_by(actor)
    elif view == "share":
        query = queries.share_catalog(actor)
    else:
        query = queries.resource_catalog(actor)
    text = (request.GET.get("q") or "").strip()[:100]
    listing: Any = query.order_by("code")
    if text and view == "mine":
        # The organisation's own entries in every state: drafts are not in the search index.
        listing = listing.filter(versions__name__icontains=text).distinct()
    elif text:
        listing = _SearchHits(text, "share" if view == "share" else "resource")
    page = Paginator(listing, PAGE_SIZE).get_page(request.GET.get("page"))
    resources = list(page)
    working = _working_versions(resources)
    rows = [
        {
            "resource": r,
            "live": r.live_version,
            "working": working.get(r.pk),
            "working_label": review_workflow.label_of(working[r.pk].status)
            if r.pk in working
            else "",
        }
        for r in resources
    ]
    context = {
        "view": view,
        "q": text,
        "filter_query": urlencode({"view": view, "q": text}),
        "page": page,
        "rows": rows,
        "may_compile": compiles,
        "may_review": queries.review_queue(actor).exists()
        or bool(actor.authorities_with("reviewer")),
        "oversees": queries.overseen_area(actor) is None or bool(actor.managed_authorities),
    }
    return render_console(request, "console/catalog/home.html", context)


@staff_page
@require_http_methods(["GET"])
def review_queue(request: HttpRequest) -> HttpResponse:
    """Versions waiting for the actor's review, soonest deadline first (CAT-3)."""
    actor: Actor = page_actor(request)
    today = timezone.localdate()
    versions = list(queries.review_queue(actor)[:500])
    rows = [
        {"version": v, "overdue": v.is_overdue(today), "label": review_workflow.label_of(v.status)}
        for v in versions
    ]
    return render_console(
        request, "console/catalog/review_queue.html", {"rows": rows, **_tab_flags(actor)}
    )


@staff_page
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    """The authority's view of its area: entries by department and state, and everything
    overdue (maintenance tasks by department, reviews) (CAT-3, CAT-4)."""
    actor: Actor = page_actor(request)
    flags = _tab_flags(actor)
    if not flags["oversees"]:
        return error_page(request, NotFound(_("This page is for the data authority.")))
    states = [
        VersionStatus.DRAFT,
        VersionStatus.COUNTY_REVIEW,
        VersionStatus.CITY_REVIEW,
        VersionStatus.REJECTED,
        VersionStatus.PUBLISHED,
    ]
    counts = queries.state_counts(actor)
    for row in counts:
        row["cells"] = [row["counts"].get(s, 0) for s in states]
    totals = [sum(row["cells"][i] for row in counts) for i in range(len(states))]
    overdue_tasks: dict[int, dict[str, Any]] = {}
    for task in queries.overdue_maintenance(actor):
        provider = task.resource.provider
        overdue_tasks.setdefault(provider.pk, {"organisation": provider, "tasks": []})[
            "tasks"
        ].append(task)
    context = {
        "states": [review_workflow.label_of(s) for s in states],
        "counts": counts,
        "totals": totals,
        "overdue_tasks": list(overdue_tasks.values()),
        "overdue_reviews": list(queries.overdue_reviews(actor)[:200]),
        # CAT-5, B§35: the entries flagged for clean-up, with the rule's reason.
        "zombie_flags": list(queries_lists.zombie_flags_for(actor)[:200]),
        **flags,
    }
    return render_console(request, "console/catalog/overview.html", context)


# --- The items editor: compile and edit ---------------------------------------------------------------


def _compilable_providers(actor: Actor) -> list[Organisation]:
    if actor.is_platform_admin:
        return []
    ids = actor.organisations_with(queries.COMPILING_ROLES)
    return list(Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name"))


def _entry_form(provider: Organisation, data: Any = None, initial: Any = None) -> EntryForm:
    systems = InformationSystem.objects.filter(organisation=provider).values_list("pk", "name")
    organisations = Organisation.objects.filter(is_active=True).order_by("division_code", "name")
    return EntryForm(
        data,
        initial=initial,
        systems=list(systems),
        organisations=list(organisations.values_list("pk", "name")),
    )


def _bound_items(rows: list[dict[str, Any]]) -> Any:
    """An items formset bound to the rows given, so that the editor shows them (pasted ones
    too) and a service's ``items.N.field`` messages land on row N."""
    data: dict[str, Any] = {
        f"{ITEMS_PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{ITEMS_PREFIX}-INITIAL_FORMS": "0",
    }
    for index, row in enumerate(rows):
        for field in ITEM_INPUT_FIELDS:
            value = row.get(field)
            key = f"{ITEMS_PREFIX}-{index}-{field}"
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value not in (None, ""):
                data[key] = str(value)
        data[f"{ITEMS_PREFIX}-{index}-ORDER"] = str(index + 1)
    formset = ItemFormSet(data, prefix=ITEMS_PREFIX)
    formset.is_valid()
    return formset


def _apply_errors(
    exc: ServiceError, entry_form: EntryForm, formset: Any, paste_form: PasteForm
) -> list[str]:
    """Put a service's per-field messages on the entry form and the item rows; the rest are
    returned to be shown above the form."""
    apply_service_error(entry_form, exc)
    rest = []
    for key, message in exc.fields.items():
        if key.startswith("items."):
            parts = key.split(".")
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(formset.forms):
                form = formset.forms[int(parts[1])]
                if parts[2] in form.fields:
                    form.add_error(parts[2], message)
                    continue
            rest.append(message)
        elif key not in entry_form.fields:
            rest.append(message)
    return rest


def _editor(
    request: HttpRequest,
    *,
    provider: Organisation,
    version: ResourceVersion | None = None,
    entry_form: EntryForm | None = None,
    formset: Any = None,
    paste_form: PasteForm | None = None,
    providers: list[Organisation] | None = None,
    libraries: list[Library] | None = None,
    choice: dict[str, Any] | None = None,
    error: str = "",
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    if version is not None and entry_form is None:
        entry_form = _entry_form(provider, initial=services.entry_of(version))
        entry_form.initial["related_codes"] = " ".join(version.related_codes)
        formset = _unbound_items(version)
    rejection = None
    if version is not None and version.status == VersionStatus.REJECTED:
        rejection = review_workflow.history(version).filter(transition="reject").last()
    context = {
        "version": version,
        "rejection": rejection,
        "provider": provider,
        "entry_form": entry_form or _entry_form(provider),
        "formset": formset if formset is not None else ItemFormSet(prefix=ITEMS_PREFIX),
        "paste_form": paste_form or PasteForm(),
        "providers": providers or [],
        "libraries": libraries or [],
        "classes": ResourceClass.choices,
        "choice": choice or {},
        "error": error,
        "errors": errors or [],
    }
    return render_console(request, "console/catalog/editor.html", context, status=status)


def _unbound_items(version: ResourceVersion) -> Any:
    initial = [
        {field: getattr(item, field) for field in ITEM_INPUT_FIELDS} | {"ORDER": item.position}
        for item in queries.items_of(version)
    ]
    return ItemFormSet(prefix=ITEMS_PREFIX, initial=initial)


def _parse_editor(request: HttpRequest, provider: Organisation) -> dict[str, Any]:
    """Parse the editor's three forms. Pasted rows join the editor's rows (re-bound, so that
    they show as rows); ``ok`` says whether the service may be called."""
    entry_form = _entry_form(provider, request.POST)
    formset = ItemFormSet(request.POST, prefix=ITEMS_PREFIX)
    paste_form = PasteForm(request.POST)
    entry_ok = entry_form.is_valid()
    rows_ok = formset.is_valid() and paste_form.is_valid()
    pasted: list[dict[str, Any]] = []
    if rows_ok:
        pasted = parse_item_rows(paste_form.cleaned_data["rows"])
        if pasted:
            formset = _bound_items(formset.items() + pasted)
            paste_form = PasteForm()
            rows_ok = formset.is_valid()
    return {
        "entry_form": entry_form,
        "formset": formset,
        "paste_form": paste_form,
        "ok": entry_ok and rows_ok,
        "pasted": len(pasted),
    }


def _after_save(request: HttpRequest, actor: Actor, version: ResourceVersion) -> HttpResponse:
    """Save only, or save and submit (the editor's two buttons)."""
    if request.POST.get("then") == "submit":
        try:
            services.check_submit_version(actor=actor, version=version)
        except ServiceError as exc:
            messages.error(
                request,
                _("The entry was saved but not submitted: %(reason)s")
                % {"reason": "；".join([translated(exc.message), *exc.fields.values()])},
            )
            return redirect("catalog-version-edit", version_id=version.pk)
        messages.success(
            request,
            _("Submitted for review; the reviewers answer by %(day)s.")
            % {"day": version.due_on.isoformat() if version.due_on else "—"},
        )
        return redirect("catalog-resource", resource_id=version.resource_id)
    messages.success(request, _("The entry has been saved as a draft."))
    return redirect("catalog-version-edit", version_id=version.pk)


@staff_page
@require_http_methods(["GET", "POST"])
def compile_entry(request: HttpRequest) -> HttpResponse:
    """A department compiles a new entry (CAT-1): description, data items, then submit."""
    actor: Actor = page_actor(request)
    providers = _compilable_providers(actor)
    if not providers:
        return error_page(request, NotFound(_("You compile the catalog of no organisation.")))
    chosen = request.POST.get("provider") or request.GET.get("provider") or providers[0].pk
    provider = next((p for p in providers if str(p.pk) == str(chosen)), providers[0])
    libraries = list(Library.objects.filter(lead_department=provider))
    choice = {
        "provider": provider.pk,
        "resource_class": request.POST.get("resource_class", ResourceClass.DEPARTMENT),
        "library": request.POST.get("library", ""),
    }
    page = {"provider": provider, "providers": providers, "libraries": libraries, "choice": choice}
    if request.method == "GET":
        return _editor(request, **page)
    parsed = _parse_editor(request, provider)
    forms_ = {k: parsed[k] for k in ("entry_form", "formset", "paste_form")}
    if not parsed["ok"] or request.POST.get("then") == "paste":
        if parsed["ok"]:
            return _editor(request, **page, **forms_)
        return _editor(
            request, **page, **forms_, error=_("Please correct the errors below."), status=422
        )
    library = next((lib for lib in libraries if str(lib.pk) == choice["library"]), None)
    try:
        version = services.check_create_resource(
            actor=actor,
            provider=provider,
            resource_class=choice["resource_class"],
            library=library,
            entry=parsed["entry_form"].entry(),
            items=parsed["formset"].items(),
        )
    except ServiceError as exc:
        rest = _apply_errors(exc, **forms_)
        return _editor(
            request, **page, **forms_, error=translated(exc.message), errors=rest, status=exc.status
        )
    messages.success(
        request, _("The entry %(code)s has been created.") % {"code": version.resource.code}
    )
    return _after_save(request, actor, version)


@staff_page
@require_http_methods(["GET", "POST"])
def edit_version(request: HttpRequest, version_id: int) -> HttpResponse:
    """Rewrite a draft or returned version with the items editor; the review comments of a
    returned version are shown above it."""
    actor: Actor = page_actor(request)
    version = queries.access_version_by_id(actor, version_id)
    provider = version.resource.provider
    if not queries.can_compile(actor, provider):
        return error_page(request, NotFound(_("No such version.")))
    if version.status not in (VersionStatus.DRAFT, VersionStatus.REJECTED):
        messages.error(request, _("Only a draft or a returned version can be edited."))
        return redirect("catalog-resource", resource_id=version.resource_id)
    if request.method == "GET":
        return _editor(request, provider=provider, version=version)
    parsed = _parse_editor(request, provider)
    forms_ = {k: parsed[k] for k in ("entry_form", "formset", "paste_form")}
    if not parsed["ok"] or request.POST.get("then") == "paste":
        status = 200 if parsed["ok"] else 422
        error = "" if parsed["ok"] else _("Please correct the errors below.")
        return _editor(
            request, provider=provider, version=version, **forms_, error=error, status=status
        )
    try:
        edit_seq = int(request.POST.get("edit_seq", "0"))
    except ValueError:
        edit_seq = 0
    try:
        version = services.check_update_version(
            actor=actor,
            version=version,
            edit_seq=edit_seq,
            entry=parsed["entry_form"].entry(),
            items=parsed["formset"].items(),
        )
    except ServiceError as exc:
        rest = _apply_errors(exc, **forms_)
        return _editor(
            request,
            provider=provider,
            version=version,
            **forms_,
            error=translated(exc.message),
            errors=rest,
            status=exc.status,
        )
    return _after_save(request, actor, version)


# --- An entry, its versions and its workflow -------------------------------------------------------


ACTION_URLS = {
    "submit": "catalog-version-submit",
    "approve": "catalog-version-approve",
    "reject": "catalog-version-reject",
    "withdraw": "catalog-version-withdraw",
}


def _actions(
    actor: Actor, version: ResourceVersion, forms_: dict[str, CommentForm]
) -> list[dict[str, Any]]:
    labels = {
        "submit": _("Submit for review"),
        "approve": _("Approve and publish")
        if version.status == VersionStatus.CITY_REVIEW
        else _("Approve and pass to the city"),
        "reject": _("Return with reasons"),
        "withdraw": _("Withdraw"),
    }
    return [
        {
            "name": name,
            "label": labels[name],
            "url": reverse(ACTION_URLS[name], kwargs={"version_id": version.pk}),
            "form": forms_.get(name) or CommentForm(auto_id=f"id_{name}_%s"),
            "comment_required": name == "reject",
        }
        for name in version_actions(actor, version)
        if name in ACTION_URLS
    ]


def _version_page(
    request: HttpRequest,
    version: ResourceVersion,
    *,
    action_forms: dict[str, CommentForm] | None = None,
    revision_form: RevisionForm | None = None,
    maintenance_form: MaintenanceForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    resource = version.resource
    versions = list(queries.versions_visible_to(actor, resource))
    may_compile = queries.can_compile(actor, resource.provider)
    working = (
        queries.working_version(resource) if queries.may_see_unpublished(actor, resource) else None
    )
    tasks = list(
        queries.maintenance_visible_to(actor).filter(resource=resource).order_by("-raised_at")[:20]
    )
    context = {
        "resource": resource,
        "zombie_flags": list(resource.zombie_flags.filter(cleared_at__isnull=True))
        if queries.may_see_unpublished(actor, resource)
        else [],
        "version": version,
        "items": list(queries.items_of(version)),
        "is_live": resource.live_version_id == version.pk,
        "working": working,
        "versions": versions,
        "history": review_workflow.history_rows(version),
        "status_label": review_workflow.label_of(version.status),
        "overdue": version.is_overdue(),
        "actions": _actions(actor, version, action_forms or {}),
        "may_edit": may_compile and version.status in (VersionStatus.DRAFT, VersionStatus.REJECTED),
        "may_revise": may_compile and resource.live_version_id is not None and working is None,
        "revision_form": revision_form or RevisionForm(auto_id="id_revision_%s"),
        "may_raise": resource.live_version_id is not None
        and (may_compile or queries.manages_area_of(actor, resource.provider)),
        "maintenance_form": maintenance_form or MaintenanceForm(auto_id="id_task_%s"),
        "tasks": [
            {
                "task": t,
                "label": maintenance_workflow.label_of(t.status),
                "overdue": t.is_overdue(),
                "may_close": any(
                    tr.name == "resolve" for tr in maintenance_workflow.available(t, actor)
                ),
                "may_cancel": any(
                    tr.name == "cancel" for tr in maintenance_workflow.available(t, actor)
                ),
            }
            for t in tasks
        ],
        "error": error,
        "page_path": reverse("catalog-version", kwargs={"version_id": version.pk}),
    }
    return render_console(request, "console/catalog/version.html", context, status=status)


@staff_page
@require_http_methods(["GET"])
def resource_detail(request: HttpRequest, resource_id: int) -> HttpResponse:
    """An entry: the version the actor works on if there is one, else the published one."""
    actor: Actor = page_actor(request)
    resource = queries.access_resource_by_id(actor, resource_id)
    version = None
    if queries.may_see_unpublished(actor, resource):
        version = queries.working_version(resource)
    version = (
        version or resource.live_version or queries.versions_visible_to(actor, resource).first()
    )
    if version is None:
        return error_page(request, NotFound(_("No such catalog entry.")))
    return _version_page(request, version)


@staff_page
@require_http_methods(["GET"])
def version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    version = queries.access_version_by_id(page_actor(request), version_id)
    return _version_page(request, version)


def _act(request: HttpRequest, version_id: int, action: str) -> HttpResponse:
    actor: Actor = page_actor(request)
    version = queries.access_version_by_id(actor, version_id)
    form = CommentForm(request.POST, auto_id=f"id_{action}_%s")
    if not form.is_valid():
        return _version_page(
            request,
            version,
            action_forms={action: form},
            error=_("Please correct the errors below."),
            status=422,
        )
    comment = form.cleaned_data["comment"]
    calls = {
        "submit": services.check_submit_version,
        "approve": services.do_approve_version,
        "reject": services.do_reject_version,
        "withdraw": services.do_withdraw_version,
    }
    try:
        version = calls[action](actor=actor, version=version, comment=comment)
    except ServiceError as exc:
        apply_service_error(form, exc)
        version = queries.access_version_by_id(actor, version_id)
        message = "；".join(
            [translated(exc.message), *[v for k, v in exc.fields.items() if k != "comment"]]
        )
        return _version_page(
            request, version, action_forms={action: form}, error=message, status=exc.status
        )
    done = {
        "submit": _("Submitted for review."),
        "approve": _("Approved: the entry is published.")
        if version.status == VersionStatus.PUBLISHED
        else _("Approved and passed to the city data authority."),
        "reject": _("The version has been returned to its provider."),
        "withdraw": _("The version has been withdrawn."),
    }
    messages.success(request, done[action])
    return redirect("catalog-version", version_id=version.pk)


@staff_page
@require_POST
def submit_version(request: HttpRequest, version_id: int) -> HttpResponse:
    return _act(request, version_id, "submit")


@staff_page
@require_POST
def approve_version(request: HttpRequest, version_id: int) -> HttpResponse:
    return _act(request, version_id, "approve")


@staff_page
@require_POST
def reject_version(request: HttpRequest, version_id: int) -> HttpResponse:
    return _act(request, version_id, "reject")


@staff_page
@require_POST
def withdraw_version(request: HttpRequest, version_id: int) -> HttpResponse:
    return _act(request, version_id, "withdraw")


@staff_page
@require_POST
def start_revision(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Begin changing a published entry (CAT-4); the editor opens on the new draft."""
    actor: Actor = page_actor(request)
    resource = queries.access_resource_by_id(actor, resource_id)
    form = RevisionForm(request.POST, auto_id="id_revision_%s")
    task = None
    task_id = request.POST.get("maintenance_task")
    if task_id and task_id.isdigit():
        task = (
            queries.maintenance_visible_to(actor).filter(pk=int(task_id), resource=resource).first()
        )
    live = resource.live_version
    if not form.is_valid():
        if live is None:
            return error_page(request, NotFound(_("No such catalog entry.")))
        return _version_page(
            request,
            live,
            revision_form=form,
            error=_("Please correct the errors below."),
            status=422,
        )
    try:
        version = services.check_start_revision(
            actor=actor,
            resource=resource,
            reason=form.cleaned_data["reason"],
            maintenance_task=task,
        )
    except ServiceError as exc:
        apply_service_error(form, exc)
        if live is None:
            return error_page(request, exc)
        return _version_page(
            request, live, revision_form=form, error=translated(exc.message), status=exc.status
        )
    messages.success(request, _("Revision %(n)d has been started.") % {"n": version.number})
    return redirect("catalog-version-edit", version_id=version.pk)


@staff_page
@require_POST
def raise_task(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Record a maintenance duty for a published entry (CAT-4)."""
    actor: Actor = page_actor(request)
    resource = queries.access_resource_by_id(actor, resource_id)
    form = MaintenanceForm(request.POST, auto_id="id_task_%s")
    live = resource.live_version
    if live is None:
        return error_page(request, NotFound(_("No such catalog entry.")))
    if not form.is_valid():
        return _version_page(
            request,
            live,
            maintenance_form=form,
            error=_("Please correct the errors below."),
            status=422,
        )
    try:
        task = services.check_raise_maintenance_task(
            actor=actor,
            resource=resource,
            trigger=form.cleaned_data["trigger"],
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _version_page(
            request, live, maintenance_form=form, error=translated(exc.message), status=exc.status
        )
    messages.success(
        request,
        _("The maintenance task has been raised; it is due on %(day)s.")
        % {"day": task.due_on.isoformat() if task.due_on else "—"},
    )
    return redirect("catalog-resource", resource_id=resource.pk)


def _close_task(request: HttpRequest, task_id: int, cancel: bool) -> HttpResponse:
    actor: Actor = page_actor(request)
    task: MaintenanceTask = queries.access_maintenance_task_by_id(actor, task_id)
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        if cancel:
            services.do_cancel_maintenance_task(actor=actor, task=task, comment=comment)
        else:
            services.do_confirm_unchanged(actor=actor, task=task, comment=comment)
    except ServiceError as exc:
        messages.error(request, translated(exc.message))
        return redirect("catalog-resource", resource_id=task.resource_id)
    messages.success(request, _("The maintenance task has been closed."))
    return redirect("catalog-resource", resource_id=task.resource_id)


@staff_page
@require_POST
def confirm_task(request: HttpRequest, task_id: int) -> HttpResponse:
    return _close_task(request, task_id, cancel=False)


@staff_page
@require_POST
def cancel_task(request: HttpRequest, task_id: int) -> HttpResponse:
    return _close_task(request, task_id, cancel=True)


@staff_page
@require_http_methods(["GET"])
def compare(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Two versions of an entry side by side, field by field and item by item (CAT-4)."""
    actor: Actor = page_actor(request)
    resource = queries.access_resource_by_id(actor, resource_id)
    versions = {v.number: v for v in queries.versions_visible_to(actor, resource)}
    try:
        old = versions[int(request.GET.get("old", ""))]
        new = versions[int(request.GET.get("new", ""))]
    except (KeyError, ValueError):
        return error_page(request, NotFound(_("No such version.")))
    comparison = queries.compare_versions(old, new)
    labels = {
        f.name: f.verbose_name
        for f in ResourceVersion._meta.get_fields()
        if hasattr(f, "verbose_name")
    }
    labels.update({f.attname: f.verbose_name for f in ResourceVersion._meta.concrete_fields})
    context = {
        "resource": resource,
        "comparison": comparison,
        "fields": [
            {"label": labels.get(d.field, d.field), "old": d.old, "new": d.new}
            for d in comparison.fields
        ],
    }
    return render_console(request, "console/catalog/compare.html", context)
