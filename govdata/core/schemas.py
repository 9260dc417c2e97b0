"""Schemas and helpers shared by every app's API router."""

from __future__ import annotations

from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorOut(Schema):
    """Every 4xx answer of the API: a machine-readable code, a message, per-field messages."""

    error: ErrorBody


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Response declarations for the error statuses an endpoint may answer with; 401 and 422
    are added to every endpoint that takes authentication or input."""
    return {status: ErrorOut for status in statuses}
