"""Scheduled pulls (AGG-1): the platform fetches a resource's data from the department's source
database (PostgreSQL, MySQL/MariaDB, SQLite) or from an HTTP endpoint answering JSON, on the
resource's update cycle or when its staff ask.

A pull becomes an ordinary full load: the fetched rows are kept as an NDJSON file through the same
path as an upload (``services.start_pull``) and loaded by the same job, so validation, the
error-rate threshold, row history, quality and the system's connection (CAT-7) apply unchanged.
A pull that cannot fetch records the reason on its source (``last_error``) and changes nothing.

The credentials (database user and password, or HTTP headers) are kept encrypted with Fernet
under ``CREDENTIALS_KEY`` (or, without it, a key derived from ``SECRET_KEY``); they are never shown
again. Only a single SELECT is sent, in a read-only transaction where the database allows one,
with a statement timeout and a row cap — but the real protection is a read-only account that the
department grants for the purpose.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import functools
import ipaddress
import json
import logging
import re
import socket
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govdata.catalog.choices import UpdateCycle
from govdata.catalog.models import InformationSystem, Resource
from govdata.core import audit
from govdata.core.actors import ActorRef
from govdata.core.choices import ActorKind
from govdata.core.errors import Conflict, Invalid, NotFound, ServiceError
from govdata.orgs.actors import Actor

from . import services
from .freshness import cycle_allowance
from .models import (
    ACTIVE_LOAD_STATES,
    BatchChannel,
    BatchStatus,
    LoadJob,
    LoadStatus,
    PullKind,
    PullSource,
)

logger = logging.getLogger(__name__)

ENGINES = ("postgresql", "mysql", "sqlite")
FETCH_ROWS = 5000  # rows taken from a server-side cursor at a time: constant memory
PULL_ACTOR = "dataplane.pull"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_rows() -> int:
    return int(_setting("DATAPLANE_PULL_MAX_ROWS", 10_000_000))


def timeout_seconds() -> int:
    return int(_setting("DATAPLANE_PULL_TIMEOUT", 300))


def http_max_bytes() -> int:
    return int(_setting("DATAPLANE_PULL_HTTP_MAX_MB", 64)) * 1024 * 1024


def retry_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(_setting("DATAPLANE_PULL_RETRY_MINUTES", 60)))


def sqlite_dir() -> Path:
    configured = _setting("DATAPLANE_PULL_SQLITE_DIR", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "pull-sqlite"


class PullError(Exception):
    """The source could not be read; the message says why, in words for the provider's staff."""

    def __init__(self, message: str, code: str = "pull_failed"):
        super().__init__(message)
        self.code = code


# --- Credentials ---------------------------------------------------------------------------------


def _derived(material: str, info: bytes) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"govdata", info=info).derive(
        material.encode()
    )
    return base64.urlsafe_b64encode(key)


def _fernet() -> MultiFernet:
    """The explicit ``CREDENTIALS_KEY`` first (a Fernet key, or any text derived into one), then
    the key derived from ``SECRET_KEY``: setting the explicit key later keeps older credentials
    readable, and new ones are written under it."""
    keys = []
    explicit = str(getattr(settings, "CREDENTIALS_KEY", "") or "")
    if explicit:
        try:
            keys.append(Fernet(explicit.encode()))
        except ValueError:
            keys.append(Fernet(_derived(explicit, b"pull credentials")))
    keys.append(Fernet(_derived(settings.SECRET_KEY, b"pull credentials")))
    return MultiFernet(keys)


def encrypt_secret(values: dict[str, Any]) -> bytes:
    if not values:
        return b""
    return _fernet().encrypt(json.dumps(values, ensure_ascii=False).encode())


def decrypt_secret(blob: bytes | memoryview | None) -> dict[str, Any]:
    data = bytes(blob or b"")
    if not data:
        return {}
    try:
        values = json.loads(_fernet().decrypt(data))
    except (InvalidToken, ValueError) as exc:
        raise PullError(
            _(
                "The saved credentials cannot be read (the platform's key has changed); "
                "enter them again."
            ),
            code="credentials",
        ) from exc
    return values if isinstance(values, dict) else {}


@dataclass
class Credentials:
    """What the department gives to read its source; ``None`` fields on update keep the old."""

    user: str = ""
    password: str = ""
    headers: dict[str, str] | None = None

    def as_secret(self, kind: str) -> dict[str, Any]:
        if kind == PullKind.SQL:
            return {"user": self.user, "password": self.password}
        return {"headers": dict(self.headers or {})}


# --- Checks --------------------------------------------------------------------------------------

_LEADING_COMMENTS = re.compile(r"^(\s+|--[^\n]*(\n|$)|/\*.*?\*/)*", re.S)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")


def check_query(text: str) -> str:
    """A single SELECT (or WITH … SELECT) statement; chained statements are refused. This keeps
    honest mistakes out; the department's read-only account is what really protects its data."""
    query = (text or "").strip()
    body = _LEADING_COMMENTS.sub("", query)
    if not re.match(r"(select|with)\b", body, re.I):
        raise Invalid(
            _("The query must be a single SELECT statement."),
            code="not_select",
            fields={"query": _("Start with SELECT or WITH.")},
        )
    if ";" in query.rstrip().removesuffix(";"):
        raise Invalid(
            _("The query must be a single SELECT statement."),
            code="not_select",
            fields={"query": _("Only one statement, without “;” inside.")},
        )
    return query.rstrip().removesuffix(";").rstrip()


def _split_location(location: str) -> tuple[str, int | None, str]:
    """``host:port/database`` (the port may be left out; an IPv6 host in brackets)."""
    match = re.fullmatch(r"\s*(\[[^\]]+\]|[^:/\s]+)(?::(\d{1,5}))?/([^/\s]+)\s*", location or "")
    if match is None:
        raise Invalid(
            _("Give the database's address as host:port/database."),
            code="bad_location",
            fields={"location": _("host:port/database")},
        )
    host, port, database = match.groups()
    return host.strip("[]"), int(port) if port else None, database


def _sqlite_path(location: str) -> Path:
    """SQLite files are read only from the directory set aside for them, so that no one reads the
    platform's own files through a pull."""
    base = sqlite_dir().resolve()
    path = (base / location).resolve()
    if not path.is_relative_to(base):
        raise Invalid(
            _("A SQLite source must be a file in the platform's directory for SQLite sources."),
            code="bad_location",
            fields={"location": _("A file name in the directory for SQLite sources.")},
        )
    return path


def _check_url(location: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit((location or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(
            _("The address must be an http:// or https:// URL."),
            code="bad_location",
            fields={"location": _("An http:// or https:// URL.")},
        )
    if parts.username or parts.password:
        # The address is shown to the provider's staff; credentials belong in the headers.
        raise Invalid(
            _("Put no user or password in the URL: give them as headers, kept encrypted."),
            code="bad_location",
            fields={"location": _("An http:// or https:// URL.")},
        )
    return parts


def _check_headers(headers: dict[str, str]) -> dict[str, str]:
    checked = {}
    for name, value in headers.items():
        value = str(value)
        if not _HEADER_NAME.match(name) or any(c in value for c in "\r\n\x00"):
            raise Invalid(
                _("The header “%(name)s” is not a valid HTTP header.") % {"name": name[:100]},
                code="bad_headers",
                fields={"credentials.headers": _("Not a valid HTTP header.")},
            )
        checked[name] = value
    return checked


def _check_host(host: str, port: int | None) -> None:
    """Refuse the platform's own machine and link-local addresses (the cloud metadata service)
    unless ``DATAPLANE_PULL_ALLOW_LOCAL`` is set: a pull must not become a way to read the
    platform's neighbours. Departments' private networks are allowed."""
    if _setting("DATAPLANE_PULL_ALLOW_LOCAL", False):
        return
    try:
        infos = socket.getaddrinfo(host, port or 0, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise PullError(
            _("The host “%(host)s” cannot be found: %(error)s") % {"host": host, "error": exc},
            code="unreachable",
        ) from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address.is_loopback or address.is_link_local or address.is_unspecified:
            raise PullError(
                _("The platform does not pull from its own machine or link-local addresses."),
                code="forbidden_host",
            )


def _display(source: PullSource) -> str:
    """The source as a load names it: no credentials, no query string of a URL."""
    if source.kind == PullKind.HTTP:
        parts = urllib.parse.urlsplit(source.location)
        return urllib.parse.urlunsplit(
            (parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", "")
        )
    return f"{source.engine}://{source.location}"


def marker(source: PullSource) -> str:
    """The start of the source name of every load of this source, by which it is found again."""
    return f"pull:{source.pk} "


# --- Reading a SQL source ------------------------------------------------------------------------


def _text(value: Any) -> Any:
    """A database value as the parser takes it: text (numbers as written), or null."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int | decimal.Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


@dataclass
class _Cursor:
    columns: list[str]
    batches: Iterator[list[tuple[Any, ...]]]


def _columns(description: Any) -> list[str]:
    names = [str(column[0]) for column in description or ()]
    if not names:
        raise PullError(_("The query returns no columns."), code="no_columns")
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise PullError(
                _("The query returns the column “%(name)s” twice; give each column its own name.")
                % {"name": name},
                code="duplicate_column",
            )
        seen.add(name.casefold())
    return names


def _fetch_batches(cursor: Any) -> Iterator[list[tuple[Any, ...]]]:
    while rows := cursor.fetchmany(FETCH_ROWS):
        yield rows


@contextlib.contextmanager
def _postgresql(location: str, secret: dict[str, Any], query: str) -> Iterator[_Cursor]:
    import psycopg

    host, port, database = _split_location(location)
    _check_host(host, port or 5432)
    limit = timeout_seconds()
    with psycopg.connect(
        host=host,
        port=port or 5432,
        dbname=database,
        user=secret.get("user", ""),
        password=secret.get("password", ""),
        connect_timeout=min(limit, 30),
        application_name="govdata-pull",
    ) as conn:
        conn.read_only = True  # every transaction BEGIN READ ONLY
        with conn.cursor() as setup:
            setup.execute(f"SET statement_timeout = {int(limit * 1000)}")
        with conn.cursor(name=f"govdata_pull_{uuid.uuid4().hex[:12]}") as cursor:
            cursor.itersize = FETCH_ROWS
            cursor.execute(query)  # a checked single SELECT, from the department's own source
            yield _Cursor(_columns(cursor.description), _fetch_batches(cursor))
        conn.rollback()


@contextlib.contextmanager
def _mysql(location: str, secret: dict[str, Any], query: str) -> Iterator[_Cursor]:
    import pymysql
    import pymysql.cursors

    host, port, database = _split_location(location)
    _check_host(host, port or 3306)
    limit = timeout_seconds()
    conn = pymysql.connect(
        host=host,
        port=port or 3306,
        user=secret.get("user", ""),
        password=secret.get("password", ""),
        database=database,
        charset="utf8mb4",
        connect_timeout=min(limit, 30),
        read_timeout=limit,
        cursorclass=pymysql.cursors.SSCursor,
    )
    try:
        with conn.cursor() as setup:
            # MariaDB counts seconds, MySQL milliseconds (SELECT only); each ignores the other's.
            for statement in (
                f"SET SESSION max_statement_time = {int(limit)}",
                f"SET SESSION max_execution_time = {int(limit * 1000)}",
            ):
                with contextlib.suppress(pymysql.MySQLError):
                    setup.execute(statement)
            setup.execute("START TRANSACTION READ ONLY")
        cursor = conn.cursor()
        try:
            cursor.execute(query)
            yield _Cursor(_columns(cursor.description), _fetch_batches(cursor))
        finally:
            with contextlib.suppress(pymysql.MySQLError):
                cursor.close()
    finally:
        with contextlib.suppress(Exception):
            conn.close()


@contextlib.contextmanager
def _sqlite(location: str, query: str) -> Iterator[_Cursor]:
    path = _sqlite_path(location)
    if not path.is_file():
        raise PullError(_("The SQLite file does not exist."), code="unreachable")
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=10)
    deadline = time.monotonic() + timeout_seconds()
    # A statement that runs past the timeout is interrupted (a non-zero answer stops it).
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        cursor = conn.execute(query)
        yield _Cursor(_columns(cursor.description), _fetch_batches(cursor))
    finally:
        conn.close()


def _sql_cursor(
    source: PullSource, secret: dict[str, Any]
) -> contextlib.AbstractContextManager[_Cursor]:
    query = check_query(source.query)
    if source.engine == "postgresql":
        return _postgresql(source.location, secret, query)
    if source.engine == "mysql":
        return _mysql(source.location, secret, query)
    if source.engine == "sqlite":
        return _sqlite(source.location, query)
    raise PullError(_("Not a database engine the platform reads."), code="bad_engine")


def _driver_error(exc: Exception) -> PullError:
    """A driver's error as the source shows it. Drivers never put the password in a message."""
    text = " ".join(str(exc).split())[:400] or type(exc).__name__
    return PullError(_("The source database answered: %(error)s") % {"error": text}, "source")


def _is_driver_error(exc: Exception) -> bool:
    import psycopg
    import pymysql

    return isinstance(exc, psycopg.Error | pymysql.MySQLError | sqlite3.Error | OSError)


class _Lines:
    """A file-like view of NDJSON lines made on demand, read by the same copy as an upload, so a
    pull of millions of rows never sits whole in memory."""

    def __init__(self, lines: Iterator[bytes]):
        self.lines = lines
        self.pending = b""

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            data, self.pending = self.pending + b"".join(self.lines), b""
            return data
        while not self.pending:
            chunk = next(self.lines, None)
            if chunk is None:
                return b""
            self.pending = chunk
        data, self.pending = self.pending[:size], self.pending[size:]
        return data


def _as_file(lines: Iterator[bytes]) -> IO[bytes]:
    return cast(IO[bytes], _Lines(lines))


def _sql_lines(cursor: _Cursor) -> Iterator[bytes]:
    count = 0
    cap = max_rows()
    names = cursor.columns
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for rows in cursor.batches:
        count += len(rows)
        if count > cap:
            # A full load of part of the data would delete the rest: refuse rather than cut.
            raise PullError(
                _("The query returns more than %(n)d rows, the most a pull takes.") % {"n": cap},
                code="too_many_rows",
            )
        yield "".join(
            encode(
                {
                    # Text and nulls as they are; other types through _text.
                    name: value if value is None or type(value) is str else _text(value)
                    for name, value in zip(names, row, strict=True)
                }
            )
            + "\n"
            for row in rows
        ).encode()
    if not count:
        raise PullError(_("The source returned no rows; nothing was loaded."), code="empty")


# --- Reading an HTTP source ----------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could lead the platform anywhere; the source names its final address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _http_body(source: PullSource, secret: dict[str, Any]) -> bytes:
    parts = _check_url(source.location)
    _check_host(parts.hostname or "", parts.port)
    headers = {"Accept": "application/json", "User-Agent": "govdata-pull"}
    headers.update(_check_headers(dict(secret.get("headers") or {})))
    # The scheme was checked above: http or https only.
    request = urllib.request.Request(source.location.strip(), headers=headers, method="GET")  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect)
    limit = http_max_bytes()
    deadline = time.monotonic() + timeout_seconds()
    try:
        with opener.open(request, timeout=min(timeout_seconds(), 60)) as answer:
            declared = answer.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise _too_large(limit)
            chunks, size = [], 0
            while chunk := answer.read(1 << 16):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                if time.monotonic() > deadline:
                    raise PullError(_("The endpoint took too long to answer."), code="timeout")
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        raise PullError(
            _("The endpoint answered HTTP %(status)d %(reason)s.")
            % {"status": exc.code, "reason": exc.reason},
            code="http_status",
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PullError(
            _("The endpoint cannot be reached: %(error)s") % {"error": reason}, code="unreachable"
        ) from exc


def _too_large(limit: int) -> PullError:
    return PullError(
        _("The answer is larger than %(mb)d MB, the most a pull over HTTP takes.")
        % {"mb": limit // (1024 * 1024)},
        code="too_large",
    )


def _http_rows(source: PullSource, body: bytes) -> list[Any]:
    """The rows of the answer: a JSON array, or the array under ``query`` (a dotted key such as
    ``data`` or ``result.items``); without one, under ``rows`` or ``data``."""
    try:
        # Numbers are kept as written, as the upload parser keeps them.
        document = json.loads(
            body.decode("utf-8-sig"), parse_float=str, parse_int=str, parse_constant=str
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PullError(_("The endpoint's answer is not JSON."), code="not_json") from exc
    key = source.query.strip()
    found: Any = document
    if key:
        for part in key.split("."):
            found = found.get(part) if isinstance(found, dict) else None
    elif isinstance(document, dict):
        found = next(
            (document[k] for k in ("rows", "data") if isinstance(document.get(k), list)), None
        )
    if not isinstance(found, list):
        raise PullError(
            _("The answer holds no list of rows (at “%(key)s”).") % {"key": key or "[ ]"}
            if key
            else _(
                "The answer is neither a JSON array nor an object with a “rows” or “data” list."
            ),
            code="no_rows",
        )
    if not found:
        raise PullError(_("The source returned no rows; nothing was loaded."), code="empty")
    return found


def _json_lines(rows: list[Any]) -> Iterator[bytes]:
    for start in range(0, len(rows), FETCH_ROWS):
        yield b"".join(
            json.dumps(row, ensure_ascii=False).encode() + b"\n"
            for row in rows[start : start + FETCH_ROWS]
        )


# --- Fetching ------------------------------------------------------------------------------------


def _fetch_into_job(source: PullSource, actor: Actor | ActorRef) -> LoadJob:
    """Fetch the source's rows into a kept NDJSON file and queue its full load; ``PullError``
    (or ``ServiceError``) when nothing could be fetched — then nothing was kept."""
    secret = decrypt_secret(source.secret)
    name = marker(source) + _display(source)
    try:
        if source.kind == PullKind.SQL:
            with _sql_cursor(source, secret) as cursor:
                return services.start_pull(
                    actor, source.resource, _as_file(_sql_lines(cursor)), source_name=name
                )
        rows = _http_rows(source, _http_body(source, secret))
        return services.start_pull(
            actor, source.resource, _as_file(_json_lines(rows)), source_name=name
        )
    except (PullError, ServiceError):
        raise
    except Exception as exc:
        if _is_driver_error(exc):
            raise _driver_error(exc) from exc
        raise


def _probe(source: PullSource) -> list[str]:
    """Read the source as a pull would, but keep nothing: the column names it gives."""
    secret = decrypt_secret(source.secret)
    try:
        if source.kind == PullKind.SQL:
            with _sql_cursor(source, secret) as cursor:
                next(cursor.batches, None)
                return cursor.columns
        rows = _http_rows(source, _http_body(source, secret))
        first = rows[0]
        return [str(k) for k in first] if isinstance(first, dict) else []
    except (PullError, ServiceError):
        raise
    except Exception as exc:
        if _is_driver_error(exc):
            raise _driver_error(exc) from exc
        raise


# --- Sources: who may, and the changes ----------------------------------------------------------


def access_source(actor: Actor, source_id: int) -> PullSource:
    """A pull source, for those who may load its resource; the same ``NotFound`` for a missing
    source and one whose resource's data the actor may not read."""
    source = (
        PullSource.objects.select_related(
            "resource", "resource__provider", "resource__live_version"
        )
        .filter(pk=source_id)
        .first()
    )
    if source is None or not services.may_read_data(actor, source.resource):
        raise NotFound(_("No such pull source."))
    services.require_load(actor, source.resource)
    return source


@dataclass
class SourceInput:
    kind: str
    location: str
    engine: str = ""
    query: str = ""
    system_id: int | None = None
    enabled: bool = True


def _clean(resource: Resource, data: SourceInput) -> dict[str, Any]:
    """The source's fields as stored, every problem named per field."""
    kind = data.kind
    if kind not in PullKind.values:
        raise Invalid(_("Not a kind of pull source."), code="bad_kind", fields={"kind": kind})
    location = (data.location or "").strip()
    if not location or len(location) > 500:
        raise Invalid(
            _("Give the source's address."),
            code="bad_location",
            fields={"location": _("At most 500 characters.")},
        )
    engine = ""
    query = (data.query or "").strip()
    if kind == PullKind.SQL:
        engine = (data.engine or "").strip().lower()
        if engine in ("mariadb",):
            engine = "mysql"
        if engine not in ENGINES:
            raise Invalid(
                _("The database engine is one of: %(engines)s.") % {"engines": ", ".join(ENGINES)},
                code="bad_engine",
                fields={"engine": ", ".join(ENGINES)},
            )
        if engine == "sqlite":
            _sqlite_path(location)
        else:
            _split_location(location)
        query = check_query(query)
    else:
        _check_url(location)
        if len(query) > 200:
            raise Invalid(_("The key of the list is at most 200 characters."), code="bad_key")
    system = None
    if data.system_id is not None:
        system = InformationSystem.objects.filter(
            pk=data.system_id, organisation_id=resource.provider_id
        ).first()
        if system is None:
            raise Invalid(
                _("The information system is not one of the provider's."),
                code="bad_system",
                fields={"system_id": _("Not one of the provider's systems.")},
            )
    return {
        "kind": kind,
        "engine": engine,
        "location": location,
        "query": query,
        "system": system,
        "enabled": bool(data.enabled),
    }


def _one_enabled(resource: Resource, enabled: bool, exclude: int | None = None) -> None:
    """Each pull is a full load: two enabled sources would delete each other's rows."""
    others = PullSource.objects.filter(resource=resource, enabled=True)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if enabled and others.exists():
        raise Conflict(
            _(
                "The resource has an enabled pull source already: each pull replaces the whole "
                "data, so only one source may be enabled."
            ),
            code="one_enabled",
        )


def _secret_of(kind: str, credentials: Credentials | None) -> bytes:
    if credentials is None:
        return b""
    values = credentials.as_secret(kind)
    if kind == PullKind.HTTP:
        values["headers"] = _check_headers(values["headers"])
    return encrypt_secret(values)


def _audit_fields(source: PullSource) -> dict[str, Any]:
    # Never the secret: only whether there is one.
    return {
        "resource": source.resource.code,
        "kind": source.kind,
        "engine": source.engine,
        "location": _display(source),
        "query": source.query[:1000],
        "system": source.system_id,
        "enabled": source.enabled,
        "has_credentials": bool(source.secret),
    }


def create_source(
    actor: Actor,
    resource: Resource,
    data: SourceInput,
    *,
    credentials: Credentials | None,
    declared_no_secret: bool,
) -> PullSource:
    """A pull source for a resource the actor may load. The declaration that the data holds no
    secret data (AGG-7) is given once, here, for every scheduled pull of it."""
    services.require_load(actor, resource)
    services._refuse_secret(resource)
    services._require_declaration(declared_no_secret)
    fields = _clean(resource, data)
    with transaction.atomic():
        _one_enabled(resource, fields["enabled"])
        source = PullSource.objects.create(
            resource=resource,
            secret=_secret_of(fields["kind"], credentials),
            created_at=timezone.now(),
            created_by=actor.label,
            **fields,
        )
        audit.record(
            actor=actor,
            action="dataplane.pull.create",
            object_type="dataplane.pullsource",
            object_id=source.pk,
            details={**_audit_fields(source), "declared_no_secret": True},
        )
    return source


def update_source(
    actor: Actor,
    source: PullSource,
    data: SourceInput,
    *,
    credentials: Credentials | None,
) -> PullSource:
    """Change a source; without new credentials the saved ones are kept (they are never shown,
    so they cannot be sent back). A changed kind needs new credentials."""
    services.require_load(actor, source.resource)
    fields = _clean(source.resource, data)
    if credentials is None and fields["kind"] != source.kind and source.secret:
        raise Invalid(
            _("A source of another kind needs its own credentials."),
            code="credentials_required",
            fields={"credentials": _("Required when the kind changes.")},
        )
    with transaction.atomic():
        _one_enabled(source.resource, fields["enabled"], exclude=source.pk)
        before = _audit_fields(source)
        for name, value in fields.items():
            setattr(source, name, value)
        update = [*fields, "last_error"]
        if credentials is not None:
            source.secret = _secret_of(source.kind, credentials)
            update.append("secret")
        source.last_error = ""
        source.save(update_fields=update)
        audit.record(
            actor=actor,
            action="dataplane.pull.update",
            object_type="dataplane.pullsource",
            object_id=source.pk,
            details={
                "old": before,
                "new": _audit_fields(source),
                "credentials_changed": credentials is not None,
            },
        )
    return source


def delete_source(actor: Actor, source: PullSource) -> None:
    """Remove a source; the loads it made stay, with their batches."""
    services.require_load(actor, source.resource)
    with transaction.atomic():
        details = _audit_fields(source)
        source_id = source.pk
        source.delete()
        audit.record(
            actor=actor,
            action="dataplane.pull.delete",
            object_type="dataplane.pullsource",
            object_id=source_id,
            details=details,
        )


@dataclass
class Probe:
    ok: bool
    error: str
    columns: list[str]


def test_source(actor: Actor, source: PullSource) -> Probe:
    """Connect and run the query (or fetch the answer) without keeping anything: whether the
    source works, and the columns it gives."""
    services.require_load(actor, source.resource)
    try:
        columns = _probe(source)
        probe = Probe(ok=True, error="", columns=columns)
    except (PullError, ServiceError) as exc:
        probe = Probe(ok=False, error=str(exc), columns=[])
    except Exception as exc:  # an unexpected failure is the source's answer too
        logger.exception("pull source %s: test failed", source.pk)
        probe = Probe(ok=False, error=f"{type(exc).__name__}: {exc}"[:500], columns=[])
    audit.record(
        actor=actor,
        action="dataplane.pull.test",
        object_type="dataplane.pullsource",
        object_id=source.pk,
        details={"resource": source.resource.code, "ok": probe.ok, "error": probe.error[:500]},
    )
    return probe


# --- Running -------------------------------------------------------------------------------------


def _record_failure(source: PullSource, error: str) -> None:
    PullSource.objects.filter(pk=source.pk).update(last_error=error[:4000])
    source.last_error = error[:4000]


def _active_job(source: PullSource) -> bool:
    return LoadJob.objects.filter(
        resource_id=source.resource_id,
        channel=BatchChannel.PULL,
        status__in=ACTIVE_LOAD_STATES,
    ).exists()


def pull_now(actor: Actor, source: PullSource, *, declared_no_secret: bool) -> LoadJob:
    """Fetch the source now (in the caller's time: bounded by the timeout and the caps) and
    queue its load. A fetch that fails is recorded on the source and raised as ``Conflict``."""
    services.require_load(actor, source.resource)
    services._require_declaration(declared_no_secret)
    if _active_job(source):
        raise Conflict(_("A pull of this resource is under way."), code="pull_running")
    now = timezone.now()
    PullSource.objects.filter(pk=source.pk).update(last_run_at=now)
    source.last_run_at = now
    audit.record(
        actor=actor,
        action="dataplane.pull.run",
        object_type="dataplane.pullsource",
        object_id=source.pk,
        details={"resource": source.resource.code, "scheduled": False},
    )
    try:
        job = _fetch_into_job(source, actor)
    except (PullError, ServiceError) as exc:
        _record_failure(source, str(exc))
        raise Conflict(str(exc), code=getattr(exc, "code", "pull_failed")) from exc
    settle(source)
    return job


def run_pull(source_id: int) -> LoadJob | None:
    """The worker's scheduled pull: fetch, load, and record the outcome on the source. Never
    raises: a failure is the source's ``last_error``."""
    source = (
        PullSource.objects.select_related("resource", "resource__live_version")
        .filter(pk=source_id, enabled=True)
        .first()
    )
    if source is None:
        return None
    actor = ActorRef(
        kind=ActorKind.PLATFORM,
        id=PULL_ACTOR,
        label=PULL_ACTOR,
        organisation_id=source.resource.provider_id,
    )
    try:
        audit.record(
            actor=actor,
            action="dataplane.pull.run",
            object_type="dataplane.pullsource",
            object_id=source.pk,
            details={"resource": source.resource.code, "scheduled": True},
        )
        job = _fetch_into_job(source, actor)
    except (PullError, ServiceError) as exc:
        _record_failure(source, str(exc))
        return None
    except Exception as exc:
        logger.exception("pull source %s failed", source.pk)
        _record_failure(source, f"{type(exc).__name__}: {exc}")
        return None
    try:
        # Run the load here unless the queue took it first (the job is claimed compare-and-set).
        services.run_job(job.pk)
    except Exception:
        logger.exception("pull source %s: load job %s failed", source.pk, job.pk)
    settle(source)
    job.refresh_from_db()
    return job


def settle(source: PullSource) -> None:
    """Carry the outcome of the source's latest load onto it: a committed load is its last
    success, a refused or failed one its last error. A load still under way is left alone."""
    if source.last_run_at is None:
        return
    job = (
        LoadJob.objects.filter(
            resource_id=source.resource_id,
            channel=BatchChannel.PULL,
            source_name__startswith=marker(source),
            created_at__gte=source.last_run_at,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if job is None or job.is_active:
        return
    if job.status == LoadStatus.DONE:
        fields: dict[str, Any] = {"last_success_at": job.finished_at, "last_error": ""}
    else:
        fields = {
            "last_error": _("The load of the pulled data was refused: %(error)s")
            % {"error": job.error or job.status}
        }
    PullSource.objects.filter(pk=source.pk).update(**fields)
    for name, value in fields.items():
        setattr(source, name, value)


def due_sources(now: dt.datetime | None = None) -> list[PullSource]:
    """Enabled sources whose resource's data is due by its update cycle (AGG-5), in one query: the
    last committed batch older than the cycle's allowance less a day (real-time: always), and the
    last attempt older than the retry interval. Irregular resources are pulled only when asked."""
    now = now or timezone.now()
    due = Q(pk__in=[])
    for cycle in UpdateCycle.values:
        allowance = cycle_allowance(cycle)
        if allowance is None:
            continue
        period = max(allowance - dt.timedelta(days=1), dt.timedelta(0))
        retry = min(period, retry_after())
        due |= (
            Q(resource__live_version__update_cycle=cycle)
            & (Q(last_load__isnull=True) | Q(last_load__lte=now - period))
            & (Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - retry))
        )
    busy = LoadJob.objects.filter(channel=BatchChannel.PULL, status__in=ACTIVE_LOAD_STATES).values(
        "resource_id"
    )
    return list(
        PullSource.objects.filter(enabled=True, resource__live_version__isnull=False)
        .exclude(resource_id__in=busy)
        .annotate(
            last_load=Max(
                "resource__batches__finished_at",
                filter=Q(resource__batches__status=BatchStatus.COMMITTED),
            )
        )
        .filter(due)
        .order_by("last_run_at", "pk")
    )


def start_due_pulls(now: dt.datetime | None = None) -> int:
    """Settle the outcome of earlier pulls, then claim each due source (compare-and-set on its
    last run, so two ticks never pull one source twice) and queue its pull."""
    for source in PullSource.objects.filter(last_run_at__isnull=False):
        settle(source)
    now = now or timezone.now()
    started = 0
    for source in due_sources(now):
        claimed = PullSource.objects.filter(pk=source.pk, last_run_at=source.last_run_at).update(
            last_run_at=now
        )
        if claimed:
            started += 1
            transaction.on_commit(functools.partial(_enqueue, source.pk))
    return started


def _enqueue(source_id: int) -> None:
    from .jobs_pull import run_scheduled_pull

    run_scheduled_pull(source_id)
