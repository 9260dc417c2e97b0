"""Schemas and helpers shared by every app's API router."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Schema

MAX_ID = 2**62
# An object id in a path: bounded, so that no number the database cannot hold reaches it.
IdPath = Annotated[int, Path(..., ge=1, le=MAX_ID)]


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorOut(Schema):
    """Every 4xx answer of the API: a machine-readable code, a message, per-field messages."""

    error: ErrorBody


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Response declarations for the error statuses an endpoint may answer with. 400 (a body or
    query that cannot be parsed) and 422 (input that breaks a rule) can happen anywhere; where a
    caller must authenticate (401), a session without its CSRF token gets 403."""
    codes = {400, 422, *statuses}
    if 401 in codes:
        codes.add(403)
    return {status: ErrorOut for status in sorted(codes)}


class ApiRequest(HttpRequest):
    """The request an endpoint receives: ``auth`` is the caller the API authenticated."""

    auth: Any


class TransitionOut(Schema):
    """One step of a workflow object's history (core.TransitionRecord), as every API shows it."""

    transition: str
    from_state: str
    to_state: str
    actor_label: str
    comment: str
    at: dt.datetime
