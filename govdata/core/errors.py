"""Errors that services raise and that pages and the API turn into a clear message.

Each carries a machine-readable code, a human message (translated) and optional per-field messages.
The API answers them with ``{"error": {"code", "message", "fields"}}`` and the status below; pages
show the message. Nothing has been written when one is raised (services raise before they write, or
inside the transaction that is then rolled back).
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self, message: Any = "", *, code: str | None = None, fields: dict[str, Any] | None = None
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.fields = {k: str(v) for k, v in (fields or {}).items()}

    def as_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": str(self.message), "fields": self.fields}}


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class NotFound(ServiceError):
    """Missing and forbidden alike, so that a 404 never confirms that something exists."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    """The object is not in a state that allows the action (or another actor changed it first)."""

    status = 409
    code = "conflict"


class Unauthenticated(ServiceError):
    status = 401
    code = "unauthenticated"


def clean_text(value: str | None, field: str, max_length: int, *, required: bool = True) -> str:
    """A text a service takes, stripped; Invalid naming ``field`` when it is missing (and
    required) or longer than ``max_length``."""
    from django.utils.translation import gettext as _

    value = (value or "").strip()
    if required and not value:
        raise Invalid(_("This field is required."), code="required", fields={field: _("Required.")})
    if len(value) > max_length:
        raise Invalid(
            _("Too long."),
            code="too_long",
            fields={field: _("At most %(n)d characters.") % {"n": max_length}},
        )
    return value
