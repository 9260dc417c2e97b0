"""The HTTP API under /api/v1/ (django-ninja). Each app contributes a router from its api.py;
this module joins them and turns every error into ``{"error": {code, message, fields}}``."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from govdata.catalog.api import router as catalog_router
from govdata.core.api import router as core_router
from govdata.core.errors import ServiceError
from govdata.dataplane.api import router as dataplane_router
from govdata.dataplane.api_pull import router as pull_router
from govdata.dataplane.api_single_source import router as single_source_router
from govdata.interop.api import router as interop_router
from govdata.orgs.api import router as orgs_router
from govdata.orgs.auth import API_AUTH

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="govdata API",
    version="1",
    description=(
        "The city government data platform. Systems authenticate with an API key "
        "(`X-API-Key: gd_…` or `Authorization: Bearer gd_…`); people in the browser use their "
        'session. Every error answers `{"error": {"code", "message", "fields"}}`.'
    ),
    auth=API_AUTH,
    urls_namespace="api",
)
api.add_router("/", core_router)
api.add_router("/", orgs_router)
api.add_router("/catalog/", catalog_router)
api.add_router("/interop/", interop_router)
api.add_router("/dataplane/", dataplane_router)
api.add_router("/dataplane/", pull_router)
api.add_router("/dataplane/single-source/", single_source_router)


def _error(request: HttpRequest, status: int, code: str, message: str, fields=None) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return api.create_response(request, exc.as_body(), status=exc.status)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        "unauthenticated",
        _("Authentication required: an API key or a login session."),
    )


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for item in exc.errors:
        location = [
            str(p) for p in item.get("loc", []) if p not in ("body", "query", "path", "payload")
        ]
        fields[".".join(location) or "request"] = str(item.get("msg", "invalid"))
    return _error(request, 422, "invalid", _("The request is not valid."), fields)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "malformed_request", 403: "forbidden"}.get(exc.status_code, "http_error")
    return _error(request, exc.status_code, code, str(exc))


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "too_large", _("The request is too large."))


@api.exception_handler(Exception)
def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unexpected error in %s %s", request.method, request.path)
    return _error(request, 500, "server_error", _("Unexpected error; it has been logged."))
