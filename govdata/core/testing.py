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
