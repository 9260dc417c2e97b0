"""Generic API test helpers: each endpoint declares once who may call it, and shared tests give
it the anonymous / forbidden / allowed / audit-written checks (STYLE.md "Tests")."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from govdata.core.models import AuditEntry


@dataclass
class Endpoint:
    """One API operation with the people who may and may not call it.

    ``path`` and ``body`` are callables of the test's context (a dict of objects made for the
    test), so that ids exist before the request is built.
    """

    name: str
    method: str
    path: Callable[[dict[str, Any]], str]
    allowed: str  # attribute of the city fixture: the person allowed
    forbidden: str  # attribute of the city fixture: a person who is not
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    ok_status: int = 200
    audit_action: str | None = None  # the entry a successful call writes
    changes: Callable[[], Any] = field(default=lambda: AuditEntry.objects.count())

    def __str__(self) -> str:
        return self.name


def call(client: Client, endpoint: Endpoint, context: dict[str, Any], **headers: str):
    body = endpoint.body(context) if endpoint.body else None
    return client.generic(
        endpoint.method,
        endpoint.path(context),
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=headers,
    )


def assert_error_body(response, status: int | tuple[int, ...]) -> dict[str, Any]:
    """A 4xx answer of the API always carries the machine-readable error body."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


@dataclass(frozen=True)
class EndpointChecks:
    anonymous: Callable[..., None]
    forbidden: Callable[..., None]
    public_user: Callable[..., None]
    allowed: Callable[..., None]


def endpoint_checks(endpoints: list[Endpoint], context: str) -> EndpointChecks:
    """The permission and audit checks every write endpoint gets, written once (STYLE.md):
    assign them to module-level ``test_*`` names. ``context`` names the fixture giving the
    test's objects (a dict with the ``city`` fixture under "city" and a public user under
    "citizen")."""
    import pytest
    from django.test import Client

    def as_person(person: Any) -> Client:
        client = Client()
        client.force_login(person)
        return client

    parametrize = pytest.mark.parametrize("endpoint", endpoints, ids=str)

    @parametrize
    def anonymous(request: Any, endpoint: Endpoint) -> None:
        """Anonymous callers are refused and nothing is written."""
        ctx = request.getfixturevalue(context)
        before = AuditEntry.objects.count()
        assert_error_body(call(Client(), endpoint, ctx), 401)
        assert AuditEntry.objects.count() == before

    @parametrize
    def forbidden(request: Any, endpoint: Endpoint) -> None:
        """A person without the right is refused with the error body and nothing is written."""
        ctx = request.getfixturevalue(context)
        before = AuditEntry.objects.count()
        person = getattr(ctx["city"], endpoint.forbidden)
        error = assert_error_body(call(as_person(person), endpoint, ctx), (403, 404))
        assert error["code"]
        assert AuditEntry.objects.count() == before

    @parametrize
    def public_user(request: Any, endpoint: Endpoint) -> None:
        """A registered public user is never a government actor: refused, nothing written."""
        ctx = request.getfixturevalue(context)
        before = AuditEntry.objects.count()
        assert_error_body(call(as_person(ctx["citizen"]), endpoint, ctx), (403, 404))
        assert AuditEntry.objects.count() == before

    @parametrize
    def allowed(request: Any, endpoint: Endpoint) -> None:
        """The allowed person succeeds and the audit entry names them."""
        ctx = request.getfixturevalue(context)
        person = getattr(ctx["city"], endpoint.allowed)
        last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
        response = call(as_person(person), endpoint, ctx)
        assert response.status_code == endpoint.ok_status, response.content
        written = AuditEntry.objects.filter(id__gt=last or 0)
        assert written.get(action=endpoint.audit_action).actor_id == str(person.pk)

    return EndpointChecks(anonymous, forbidden, public_user, allowed)
