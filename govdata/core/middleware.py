import re

from django.conf import settings
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """The platform speaks Chinese unless the person chose another language with the switch
    (the language cookie). A browser's Accept-Language is not followed: a government platform's
    pages and messages are the same for everybody until someone switches."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


# A NUL character, or half of a UTF-16 surrogate pair written as a JSON escape: text that
# PostgreSQL cannot store (SQLite can, so such input would behave differently per database).
_BAD_JSON_TEXT = re.compile(
    rb"\x00|\\u0000"
    rb"|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _bad_text(value: str) -> bool:
    return "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value)


class ApiTextGuardMiddleware:
    """Refuses API requests whose address, query or JSON body carries text no database of ours
    can store the same way (NUL, unpaired surrogates), with the API's error body and 400, before
    any endpoint runs. Pages need no guard: Django's form fields refuse such text themselves.
    Bodies above the upload limit are left to the endpoints that accept them (they read and
    check their stream themselves)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and self._refused(request):
            return JsonResponse(
                {
                    "error": {
                        "code": "invalid_characters",
                        "message": str(_("The request contains characters that are not allowed.")),
                        "fields": {},
                    }
                },
                status=400,
            )
        return self.get_response(request)

    @staticmethod
    def _refused(request) -> bool:
        if _bad_text(request.path) or any(
            _bad_text(k) or any(_bad_text(v) for v in values) for k, values in request.GET.lists()
        ):
            return True
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        if not length or length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return False
        # An uploaded file holds any bytes; the endpoints taking files check their text fields.
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            return False
        return bool(_BAD_JSON_TEXT.search(request.body))
