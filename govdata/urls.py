from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

from .api import api


def api_not_found(request, rest: str = ""):
    """Any other address under /api/ answers like the API does, in JSON."""
    return JsonResponse(
        {"error": {"code": "not_found", "message": "No such endpoint.", "fields": {}}}, status=404
    )


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/<path:rest>", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("govdata.orgs.urls")),
    path("", include("govdata.core.urls")),
]
