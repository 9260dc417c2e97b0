"""How the API knows who calls: an API key (header ``X-API-Key`` or ``Authorization: Bearer``)
for systems, the login session (with CSRF) for people in the browser."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from .actors import Actor
from .services import authenticate_api_key


def _in_networks(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n.strip(), strict=False) for n in networks)


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. REMOTE_ADDR, unless it is one of settings.TRUSTED_PROXIES: then the
    last address of X-Forwarded-For that is not a trusted proxy (the entries before it could
    have been written by the caller, so they are never believed)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXIES
    if not remote or not proxies or not _in_networks(remote, proxies):
        return remote
    forwarded = [
        a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
    ]
    for address in reversed(forwarded):
        if not _in_networks(address, proxies):
            return address if _is_address(address) else None
    return remote


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
        request._govdata_actor = actor  # type: ignore[attr-defined]
    return actor


API_AUTH = [KeyHeaderAuth(), BearerKeyAuth(), PersonSessionAuth()]
