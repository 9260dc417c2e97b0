"""Oversized uploads are refused from their declared length, before Django spools the body to
disk: a 2 GB file answers 413 at once instead of after it has been received."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .services import max_upload_bytes

# Room for the multipart envelope and the form's other fields around the file.
_ENVELOPE = 1024 * 1024
_PATHS = ("/api/v1/dataplane/", "/console/data/")


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path.startswith(_PATHS):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = max_upload_bytes()
            if length > limit + _ENVELOPE:
                message = _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"error": {"code": "too_large", "message": message, "fields": {}}},
                        status=413,
                    )
                return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)
