from django.contrib import admin
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.urls import include, path
from django.utils.translation import gettext as _

from .api import api


def healthz(request):
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})


def api_not_found(request, rest: str = ""):
    """Any other address under /api/ answers like the API does, in JSON."""
    return JsonResponse(
        {"error": {"code": "not_found", "message": str(_("No such endpoint.")), "fields": {}}},
        status=404,
    )


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/<path:rest>", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("data/", include("govdata.catalog.portal_urls")),
    path("", include("govdata.orgs.urls")),
    path("", include("govdata.catalog.urls")),
    path("", include("govdata.catalog.urls_lists")),
    path("", include("govdata.dataplane.urls")),
    path("", include("govdata.core.urls")),
]
