"""How the API knows who calls: an API key (header ``X-API-Key`` or ``Authorization: Bearer``)
for systems, the login session (with CSRF) for people in the browser."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from .actors import Actor
from .services import authenticate_api_key


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. Behind a proxy, set the proxy to pass the real one in REMOTE_ADDR
    (docs/deploy.md); X-Forwarded-For is not trusted here because a caller can forge it."""
    return request.META.get("REMOTE_ADDR")


class KeyHeaderAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        if not key:
            return None
        return authenticate_api_key(key, ip=client_ip(request))


class BearerKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        if not token:
            return None
        return authenticate_api_key(token, ip=client_ip(request))


class PersonSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = request.user
        if user.is_authenticated and user.is_active:
            return actor_of(request)
        return None


def actor_of(request: HttpRequest) -> Actor:
    """The actor of a page request (a person, or anonymous), cached on the request."""
    actor = getattr(request, "_govdata_actor", None)
    if actor is None:
        user = request.user
        actor = Actor.for_person(user) if user.is_authenticated else Actor.anonymous()
        request._govdata_actor = actor
    return actor


API_AUTH = [KeyHeaderAuth(), BearerKeyAuth(), PersonSessionAuth()]
