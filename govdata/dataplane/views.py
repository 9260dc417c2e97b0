"""Console pages of the gathered data: the resources a person loads or oversees, a resource's
data with its loads, batches and quality, an upload, and a load's live progress (htmx polls the
progress fragment; without JavaScript the page shows the state when it was opened); and a
single-source coordination case, which the data authority settles or closes and each provider
acknowledges (AGG-4)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govdata.catalog import queries as catalog_queries
from govdata.core.errors import ServiceError
from govdata.core.views import form_failure, page_actor, render_console, translated
from govdata.orgs.actors import Actor
from govdata.orgs.views import staff_page

from . import quality, services, single_source, storage
from .forms import UploadForm
from .models import Batch, BatchStatus, CoordinationStatus, LoadJob
from .workflows import coordination_workflow

PREVIEW_ROWS = 20
EXPORT_FORMATS = [
    ("csv", "CSV"),
    ("xlsx", "Excel"),
    ("json", "JSON"),
    ("ndjson", "NDJSON"),
    ("parquet", "Parquet"),
]


@staff_page
@require_http_methods(["GET"])
def data_home(request: HttpRequest) -> HttpResponse:
    """Published entries the person's departments provide, with their data's state."""
    actor: Actor = page_actor(request)
    resources = (
        catalog_queries.resources_compiled_by(actor)
        .filter(live_version__isnull=False)
        .annotate(
            last_batch_at=Max(
                "batches__finished_at", filter=Q(batches__status=BatchStatus.COMMITTED)
            )
        )
        .order_by("provider__name", "code")
    )
    return render_console(request, "console/data/home.html", {"resources": resources})


def _resource_page(
    request: HttpRequest,
    resource: Any,
    *,
    form: UploadForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    may_load = services.may_load(actor, resource)
    table = storage.table_of(resource)
    items = services.item_specs(resource)
    rows = services.read_rows(actor, resource, limit=PREVIEW_ROWS) if table else []
    context: dict[str, Any] = {
        "resource": resource,
        "version": resource.live_version,
        "table": table,
        "may_load": may_load,
        "form": form or (UploadForm() if may_load else None),
        "error": error,
        "row_count": storage.count_current(resource),
        "preview": [[row.get(item.name) for item in items] for row in rows],
        "items": items,
        "jobs": LoadJob.objects.filter(resource=resource).select_related("batch")[:10],
        "batches": Batch.objects.filter(resource=resource)
        .select_related("undoes")
        .order_by("-number")[:20],
        "latest_committed": Batch.objects.filter(resource=resource, status=BatchStatus.COMMITTED)
        .order_by("-number")
        .first(),
        "rules": resource.item_rules.order_by("item_name"),
        "max_error_percent": f"{100 * services.max_error_rate(resource):g}",
        "reports": quality.history(resource),
        "export_formats": EXPORT_FORMATS,
    }
    return render_console(request, "console/data/resource.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def resource_data(request: HttpRequest, resource_id: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    resource = services.access_resource(actor, resource_id)
    if request.method == "GET":
        return _resource_page(request, resource)
    services.access_resource(actor, resource_id, load=True)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _resource_page(request, resource, form=form, **form_failure(form))
    upload = form.cleaned_data["file"]
    try:
        job = services.start_upload(
            actor,
            resource,
            upload,
            file_name=upload.name,
            declared_no_secret=form.cleaned_data["declared_no_secret"],
            sheet=form.cleaned_data["sheet"],
        )
    except ServiceError as exc:
        return _resource_page(request, resource, form=form, **form_failure(form, exc))
    return redirect("data-job", job_id=job.pk)


@staff_page
@require_http_methods(["GET"])
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    job = services.access_job(actor, job_id)
    context = {
        "job": job,
        "resource": job.resource,
        "may_load": services.may_load(actor, job.resource),
        "rejected": job.rejected.all()[:50],
        "rejected_total": job.rejected.count(),
    }
    return render_console(request, "console/data/job.html", context)


@staff_page
@require_http_methods(["GET"])
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress fragment the job page polls while the load runs."""
    job = services.access_job(page_actor(request), job_id)
    return render(request, "console/data/_progress.html", {"job": job})


@staff_page
@require_http_methods(["GET"])
def job_rejected(request: HttpRequest, job_id: int) -> HttpResponse:
    job = services.access_job(page_actor(request), job_id)
    response = HttpResponse(services.rejected_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected-{job.pk}.csv"'
    return response


@staff_page
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    job = services.access_job(actor, job_id)
    services.retry(actor, job)
    return redirect("data-job", job_id=job.pk)


@staff_page
@require_POST
def batch_undo(request: HttpRequest, resource_id: int, number: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    resource = services.access_resource(actor, resource_id)
    batch = services.undo(actor, resource, number)
    messages.success(
        request,
        _("Batch %(undone)d was undone; the state before it is back as batch %(number)d.")
        % {"undone": number, "number": batch.number},
    )
    return redirect("data-resource", resource_id=resource.pk)


# --- Item rules ---------------------------------------------------------------------------------


def _rules_page(
    request: HttpRequest,
    resource: Any,
    rows: list[dict[str, Any]],
    percent: str,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "resource": resource,
        "rows": rows,
        "percent": percent,
        "default_percent": f"{100 * services.platform_max_error_rate():g}",
        "error": error,
    }
    return render_console(request, "console/data/rules.html", context, status=status)


_RULE_FIELDS = ("codes", "pattern", "minimum", "maximum")


def _rule_rows(resource: Any) -> list[dict[str, Any]]:
    """One row per data item, with its rule as the form shows it (codes one per line)."""
    kept = {r.item_name: r for r in resource.item_rules.all()}
    rows = []
    for item in services.item_specs(resource):
        rule = kept.get(item.name)
        rows.append(
            {
                "item": item,
                "codes": "\n".join(rule.codes) if rule else "",
                "pattern": rule.pattern if rule else "",
                "minimum": rule.minimum if rule else "",
                "maximum": rule.maximum if rule else "",
                "problem": "",
            }
        )
    return rows


@staff_page
@require_http_methods(["GET", "POST"])
def resource_rules(request: HttpRequest, resource_id: int) -> HttpResponse:
    """The rules the door checks beyond the items' types, and the error-rate threshold: a
    row per item (a code list, one code a line; a pattern matched whole; a range)."""
    actor: Actor = page_actor(request)
    resource = services.access_resource(actor, resource_id, load=True)
    if request.method == "GET":
        table = storage.table_of(resource)
        own = table.max_error_rate if table else None
        percent = "" if own is None else f"{100 * own:g}"
        return _rules_page(request, resource, _rule_rows(resource), percent)
    rows = _rule_rows(resource)
    entered: list[services.RuleInput] = []
    for row in rows:
        name = row["item"].name
        for field in _RULE_FIELDS:
            row[field] = request.POST.get(f"{field}-{name}", "")
        if any(row[f].strip() for f in _RULE_FIELDS):
            entered.append(
                services.RuleInput(
                    item_name=name,
                    codes=row["codes"].splitlines(),
                    pattern=row["pattern"],
                    minimum=row["minimum"],
                    maximum=row["maximum"],
                )
            )
    percent = request.POST.get("percent", "").strip()
    try:
        rate = None if not percent else float(percent) / 100
    except ValueError:
        rate = -1.0  # refused below with the service's message
    try:
        services.set_checks(actor, resource, entered, rate)
    except ServiceError as exc:
        at_row = {f"rules.{n}": rule.item_name for n, rule in enumerate(entered)}
        for field, message in (exc.fields or {}).items():
            name = at_row.get(field.removesuffix(".item_name"))
            for row in rows:
                if row["item"].name == name:
                    row["problem"] = translated(message)
        return _rules_page(
            request, resource, rows, percent, error=translated(exc.message), status=exc.status
        )
    messages.success(request, _("The rules are saved; the next load is checked by them."))
    return redirect("data-resource", resource_id=resource.pk)


# --- Coordination cases (single source) -----------------------------------------------------------


def _case_page(
    request: HttpRequest,
    case_id: int,
    *,
    error: str = "",
    status: int = 200,
    entered: dict[str, str] | None = None,
) -> HttpResponse:
    actor: Actor = page_actor(request)
    entered = entered or {}
    case, findings = single_source.read_case(actor, case_id)
    moves = {t.name for t in coordination_workflow.available(case, actor)}
    context = {
        "case": case,
        "status_label": coordination_workflow.label_of(case.status),
        "overdue": case.status == CoordinationStatus.OPEN and case.is_overdue(),
        "findings": [
            {
                "finding": finding,
                "notice": single_source.notice_text(finding),
                "may_acknowledge": finding.acknowledged_at is None
                and single_source.acts_for_provider(actor, finding),
                "entered": entered.get(f"instruction-{finding.pk}", ""),
            }
            for finding in findings
        ],
        "may_settle": "settle" in moves,
        "may_close": "close" in moves,
        "history": coordination_workflow.history_rows(case),
        "error": error,
        "entered": entered,
    }
    return render_console(request, "console/data/case.html", context, status=status)


@staff_page
@require_http_methods(["GET"])
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, case_id)


@staff_page
@require_POST
def case_settle(request: HttpRequest, case_id: int) -> HttpResponse:
    """The authority's decision, with an instruction for each provider that gets one."""
    actor: Actor = page_actor(request)
    case = single_source.access_case_by_id(actor, case_id)
    decision = request.POST.get("decision", "")
    instructions = {}
    for name, text in request.POST.items():
        number = name.removeprefix("instruction-")
        if number != name and number.isdigit() and text.strip():
            instructions[int(number)] = text
    try:
        single_source.do_settle_case(
            actor=actor, case=case, decision=decision, instructions=instructions
        )
    except ServiceError as exc:
        entered = {"decision": decision, **{f"instruction-{k}": v for k, v in instructions.items()}}
        return _case_page(
            request, case_id, error=translated(exc.message), status=exc.status, entered=entered
        )
    messages.success(request, _("The case is settled; every provider is told."))
    return redirect("data-case", case_id=case.pk)


@staff_page
@require_POST
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    case = single_source.access_case_by_id(actor, case_id)
    reason = request.POST.get("reason", "")
    try:
        single_source.do_close_case(actor=actor, case=case, reason=reason)
    except ServiceError as exc:
        return _case_page(
            request,
            case_id,
            error=translated(exc.message),
            status=exc.status,
            entered={"reason": reason},
        )
    messages.success(request, _("The case is closed without action; every provider is told."))
    return redirect("data-case", case_id=case.pk)


@staff_page
@require_POST
def finding_acknowledge(request: HttpRequest, case_id: int, finding_id: int) -> HttpResponse:
    actor: Actor = page_actor(request)
    case = single_source.access_case_by_id(actor, case_id)
    finding = single_source.access_finding(actor, case, finding_id)
    try:
        single_source.do_acknowledge_finding(actor=actor, finding=finding)
    except ServiceError as exc:
        return _case_page(request, case_id, error=translated(exc.message), status=exc.status)
    messages.success(request, _("The notice is acknowledged."))
    return redirect("data-case", case_id=case.pk)
