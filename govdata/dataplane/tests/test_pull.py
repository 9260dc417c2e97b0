"""Scheduled pulls as departments set them up (AGG-1): the platform reads their SQLite file,
PostgreSQL or MariaDB database, or HTTP endpoint, and the rows arrive as an ordinary full load;
a source that cannot be read says why and changes nothing; the credentials are never readable."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import Resolver404, path, resolve
from django.utils import timezone

from govdata.catalog.models import InformationSystem, Resource, ResourceVersion
from govdata.catalog.services import systems as catalog_systems
from govdata.catalog.testing import compile_entry, items, publish
from govdata.core.errors import Conflict, Forbidden, Invalid
from govdata.core.identifiers import ric_with_check
from govdata.core.models import AuditEntry
from govdata.core.testing import Endpoint, assert_error_body, endpoint_checks
from govdata.dataplane import pull, storage
from govdata.dataplane.api_pull import router as pull_router
from govdata.dataplane.models import Batch, BatchChannel, LoadJob, LoadStatus, PullSource

PG_SERVER = dict(host="127.0.0.1", port=5432, user="postgres", password="")
MYSQL_SERVER = dict(host="127.0.0.1", port=3306, user="root", password="", database="test")
EXTRA = [{"name": "hs", "label": "户数", "item_type": "integer", "security_level": 1}]
BASE = "/api/v1/dataplane"


def _mounted() -> bool:
    try:
        match = resolve(f"{BASE}/pull-sources/1/test")
    except Resolver404:
        return False
    return match.namespace == "api"  # not the catch-all that answers unknown API addresses


if _mounted():
    pytestmark = [pytest.mark.django_db]
else:
    # Until the router is mounted in the project's API, the tests mount it on an API of their
    # own with the same authentication and error bodies.
    from ninja import NinjaAPI

    from govdata.api import api as project_api
    from govdata.orgs.auth import API_AUTH

    _api = NinjaAPI(auth=API_AUTH, urls_namespace="pull-tests", docs_url=None, openapi_url=None)
    _api._exception_handlers = dict(project_api._exception_handlers)
    _api.add_router("/dataplane/", pull_router)
    urlpatterns = [path("api/v1/", _api.urls)]
    pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def ric(i: int) -> str:
    return ric_with_check(f"11010519900101{i:03d}")


def people(n: int, start: int = 0, name: str = "张") -> list[tuple[str, str, str, int]]:
    return [(ric(i), f"{name}{i}", "2024-05-01", i) for i in range(start, start + n)]


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def places(settings, tmp_path):
    settings.DATAPLANE_UPLOAD_DIR = tmp_path / "uploads"
    settings.DATAPLANE_PULL_SQLITE_DIR = str(tmp_path / "sources")
    settings.DATAPLANE_PULL_ALLOW_LOCAL = True  # the test sources run on this machine
    settings.DATAPLANE_PULL_TIMEOUT = 20
    (tmp_path / "sources").mkdir()
    return tmp_path


def _resource(city, **fields: Any) -> Resource:
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department, items_=items(*EXTRA), **fields)
    publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)])
    return Resource.objects.select_related("live_version", "provider").get(pk=version.resource_id)


@pytest.fixture
def resource(city) -> Resource:
    return _resource(city)


@pytest.fixture
def analyst(city):
    return city.actor(city.analyst)


@pytest.fixture
def sqlite_file(places) -> str:
    """The department's SQLite file: its own column names, one given as the item's label."""
    conn = sqlite3.connect(places / "sources" / "people.db")
    conn.execute("CREATE TABLE people (id_no TEXT, name TEXT, reg TEXT, households INTEGER)")
    conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?)", people(5))
    conn.commit()
    conn.close()
    return "people.db"


SQLITE_QUERY = (
    "-- the department's view\n"
    "SELECT id_no AS gmsfhm, name AS 姓名, reg AS djrq, households AS hs FROM people;"
)


def current(resource: Resource) -> dict[str, dict[str, Any]]:
    return {r["gmsfhm"]: r for r in storage.current_rows(resource)}


@pytest.fixture
def make_source(analyst, resource):
    def _make(kind: str = "sql", **fields: Any) -> PullSource:
        credentials = fields.pop("credentials", None)
        return pull.create_source(
            fields.pop("actor", analyst),
            fields.pop("resource", resource),
            pull.SourceInput(kind=kind, **fields),
            credentials=credentials,
            declared_no_secret=True,
        )

    return _make


@pytest.fixture
def run(analyst, django_capture_on_commit_callbacks):
    """Pull now as the department's data staff, the job run as the queue would run it."""

    def _run(source: PullSource) -> LoadJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = pull.pull_now(analyst, source, declared_no_secret=True)
        job.refresh_from_db()
        source.refresh_from_db()
        pull.settle(source)
        source.refresh_from_db()
        return job

    return _run


def assert_failed_without_change(source: PullSource, run, resource: Resource, words: str) -> str:
    """A pull that cannot read its source: a clear error on the source, no job, no batch."""
    before_rows, before_jobs = current(resource), LoadJob.objects.count()
    before_batches = Batch.objects.count()
    with pytest.raises(Conflict) as raised:
        run(source)
    source.refresh_from_db()
    assert words in source.last_error, source.last_error
    assert str(raised.value) == source.last_error
    assert source.last_success_at is None
    assert LoadJob.objects.count() == before_jobs
    assert Batch.objects.count() == before_batches
    assert current(resource) == before_rows
    return source.last_error


# --- SQLite --------------------------------------------------------------------------------------


def test_a_pull_from_a_sqlite_file_becomes_an_ordinary_full_load(
    make_source, run, resource, sqlite_file
):
    source = make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY)
    job = run(source)
    assert job.status == LoadStatus.DONE, job.error
    assert job.channel == BatchChannel.PULL
    assert job.rows_read == job.rows_accepted == 5
    assert job.batch is not None and job.batch.channel == BatchChannel.PULL
    rows = current(resource)
    assert rows[ric(3)]["xm"] == "张3" and rows[ric(3)]["hs"] == 3
    assert str(rows[ric(3)]["djrq"]) == "2024-05-01"
    assert source.last_success_at == job.finished_at and source.last_error == ""
    assert resource.quality_reports.filter(batch=job.batch).exists()


def test_a_second_pull_writes_only_what_changed_at_the_source(
    make_source, run, resource, places, sqlite_file
):
    source = make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY)
    run(source)
    conn = sqlite3.connect(places / "sources" / sqlite_file)
    conn.execute("UPDATE people SET name = '李3' WHERE households = 3")
    conn.execute("DELETE FROM people WHERE households = 4")
    conn.commit()
    conn.close()
    job = run(source)
    assert job.status == LoadStatus.DONE, job.error
    batch = job.batch
    assert (batch.rows_updated, batch.rows_deleted, batch.rows_unchanged) == (1, 1, 3)
    assert current(resource)[ric(3)]["xm"] == "李3"


def test_rows_refused_at_the_door_are_kept_like_any_load(
    make_source, run, resource, places, sqlite_file
):
    conn = sqlite3.connect(places / "sources" / sqlite_file)
    conn.execute("INSERT INTO people VALUES ('110105199001019999', '王五', '2024-05-01', 1)")
    conn.commit()
    conn.close()
    resource_table = storage.ensure_table(resource)
    type(resource_table).objects.filter(pk=resource_table.pk).update(max_error_rate=0.5)
    job = run(make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY))
    assert job.status == LoadStatus.DONE
    assert (job.rows_accepted, job.rows_rejected) == (5, 1)
    assert job.rejected.get().values["gmsfhm"] == "110105199001019999"


def test_a_load_refused_by_the_threshold_is_the_sources_last_error(
    make_source, run, resource, places, sqlite_file
):
    conn = sqlite3.connect(places / "sources" / sqlite_file)
    conn.execute("UPDATE people SET id_no = 'not an id'")
    conn.commit()
    conn.close()
    source = make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY)
    job = run(source)
    assert job.status == LoadStatus.REFUSED
    assert "被拒绝" in source.last_error and job.error in source.last_error
    assert source.last_success_at is None
    assert current(resource) == {}


def test_a_statement_that_is_not_a_select_is_refused_when_saved(make_source, resource, sqlite_file):
    for query in (
        "DELETE FROM people",
        "SELECT 1; DROP TABLE people",
        "/* hello */ UPDATE people SET name = 'x'",
        "",
    ):
        with pytest.raises(Invalid) as raised:
            make_source(engine="sqlite", location=sqlite_file, query=query)
        assert raised.value.code == "not_select"
    assert not PullSource.objects.exists()


def test_a_statement_that_is_not_a_select_saved_earlier_is_refused_at_the_pull(
    make_source, run, resource, sqlite_file
):
    source = make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY)
    PullSource.objects.filter(pk=source.pk).update(query="DELETE FROM people")
    source.refresh_from_db()
    assert_failed_without_change(source, run, resource, "SELECT")


def test_the_sqlite_file_is_opened_read_only(make_source, run, resource, places, sqlite_file):
    source = make_source(
        engine="sqlite",
        location=sqlite_file,
        query="WITH x AS (SELECT 1) SELECT * FROM people",
    )
    PullSource.objects.filter(pk=source.pk).update(query="INSERT INTO people VALUES (1,2,3,4)")
    source.refresh_from_db()
    assert_failed_without_change(source, run, resource, "SELECT")
    # Past the check, the read-only connection still refuses a write.
    with pull._sqlite(sqlite_file, "SELECT 1") as cursor:
        assert cursor.columns == ["1"]
    with (
        pytest.raises(sqlite3.OperationalError, match="readonly"),
        pull._sqlite(sqlite_file, "DELETE FROM people"),
    ):
        pass
    conn = sqlite3.connect(places / "sources" / sqlite_file)
    assert conn.execute("SELECT count(*) FROM people").fetchone() == (5,)


def test_a_sqlite_file_outside_its_directory_is_refused(make_source):
    for location in ("../db.sqlite3", "/etc/passwd"):
        with pytest.raises(Invalid) as raised:
            make_source(engine="sqlite", location=location, query="SELECT 1")
        assert raised.value.code == "bad_location"


def test_more_rows_than_the_cap_are_refused_rather_than_cut(
    settings, make_source, run, resource, sqlite_file
):
    """A full load of part of the data would delete the rest."""
    settings.DATAPLANE_PULL_MAX_ROWS = 4
    source = make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY)
    assert_failed_without_change(source, run, resource, "超过 4 行")
    assert not list((settings.DATAPLANE_UPLOAD_DIR).glob("*"))


def test_an_empty_answer_loads_nothing(make_source, run, resource, sqlite_file):
    source = make_source(
        engine="sqlite", location=sqlite_file, query=SQLITE_QUERY.replace(";", " WHERE 0;")
    )
    assert_failed_without_change(source, run, resource, "未返回任何行")


def test_a_missing_sqlite_file_is_a_clear_error(make_source, run, resource):
    source = make_source(engine="sqlite", location="gone.db", query="SELECT 1")
    assert_failed_without_change(source, run, resource, "不存在")


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def pg_source_db() -> Iterator[str]:
    """A scratch database on the local PostgreSQL server, made and dropped by the test."""
    import psycopg

    name = f"govdata_pullsrc_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **PG_SERVER)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server on 127.0.0.1:5432 to pull from: {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(dbname=name, autocommit=True, **PG_SERVER) as conn:
            conn.execute(
                "CREATE TABLE renkou (sfzh text, xingming text, riqi date, hushu bigint, "
                "updated timestamptz)"
            )
            conn.execute("CREATE SEQUENCE counter")
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO renkou VALUES (%s, %s, %s, %s, now())",
                    [(r, n, dt.date(2024, 5, 1), h) for r, n, _d, h in people(7)],
                )
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


PG_QUERY = "SELECT sfzh AS gmsfhm, xingming AS xm, riqi AS 登记日期, hushu AS hs FROM renkou"


def test_a_pull_from_postgresql(make_source, run, resource, pg_source_db):
    source = make_source(
        engine="postgresql",
        location=f"127.0.0.1:5432/{pg_source_db}",
        query=PG_QUERY,
        credentials=pull.Credentials(user="postgres", password="not-needed-here"),
    )
    job = run(source)
    assert job.status == LoadStatus.DONE, job.error
    rows = current(resource)
    assert len(rows) == 7 and rows[ric(6)]["hs"] == 6
    assert str(rows[ric(6)]["djrq"]) == "2024-05-01"


def test_postgresql_is_read_in_a_read_only_transaction(make_source, run, resource, pg_source_db):
    """A SELECT that writes (here through a sequence) passes the check; the read-only
    transaction stops it."""
    import psycopg

    source = make_source(
        engine="postgresql",
        location=f"127.0.0.1:5432/{pg_source_db}",
        query="SELECT sfzh AS gmsfhm, nextval('counter') AS hs FROM renkou",
        credentials=pull.Credentials(user="postgres"),
    )
    assert_failed_without_change(source, run, resource, "read-only transaction")
    with psycopg.connect(dbname=pg_source_db, **PG_SERVER) as conn:
        assert conn.execute("SELECT last_value, is_called FROM counter").fetchone() == (1, False)


def test_a_statement_past_the_timeout_is_stopped(
    settings, make_source, run, resource, pg_source_db
):
    settings.DATAPLANE_PULL_TIMEOUT = 1
    source = make_source(
        engine="postgresql",
        location=f"127.0.0.1:5432/{pg_source_db}",
        query=PG_QUERY + ", pg_sleep(3)",
        credentials=pull.Credentials(user="postgres"),
    )
    assert_failed_without_change(source, run, resource, "statement timeout")


def test_an_unknown_database_user_is_a_clear_error(make_source, run, resource, pg_source_db):
    source = make_source(
        engine="postgresql",
        location=f"127.0.0.1:5432/{pg_source_db}",
        query=PG_QUERY,
        credentials=pull.Credentials(user="nobody_here", password="x"),
    )
    assert_failed_without_change(source, run, resource, "nobody_here")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_host_is_a_clear_error(make_source, run, resource):
    port = _closed_port()
    source = make_source(
        engine="postgresql",
        location=f"127.0.0.1:{port}/nothing",
        query="SELECT 1",
        credentials=pull.Credentials(user="postgres"),
    )
    error = assert_failed_without_change(source, run, resource, "源数据库返回错误")
    assert str(port) in error


def test_the_platforms_own_machine_is_refused_unless_allowed(settings, make_source, run, resource):
    settings.DATAPLANE_PULL_ALLOW_LOCAL = False
    for location in ("localhost:5432/govdata", "127.0.0.1/x", "[::1]:5432/x"):
        source = make_source(
            engine="postgresql",
            location=location,
            query="SELECT 1",
            credentials=pull.Credentials(user="postgres"),
            enabled=False,
        )
        assert_failed_without_change(source, run, resource, "本机")


# --- MariaDB / MySQL -----------------------------------------------------------------------------


@pytest.fixture
def mysql_table() -> Iterator[str]:
    import pymysql

    try:
        conn = pymysql.connect(connect_timeout=3, autocommit=True, **MYSQL_SERVER)
    except pymysql.MySQLError as exc:
        pytest.skip(f"no MariaDB/MySQL on 127.0.0.1:3306 (root, database test): {exc}")
    name = f"pull_{uuid.uuid4().hex[:10]}"
    with conn.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE `{name}` (sfzh VARCHAR(18), xm VARCHAR(50), djrq DATE, hs INT)"
            " CHARACTER SET utf8mb4"
        )
        cursor.executemany(
            f"INSERT INTO `{name}` VALUES (%s, %s, %s, %s)",
            [(r, n, d, h) for r, n, d, h in people(6, name="赵")],
        )
    try:
        yield name
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS `{name}`")
        conn.close()


def test_a_pull_from_mariadb(make_source, run, resource, mysql_table):
    source = make_source(
        engine="mysql",
        location="127.0.0.1:3306/test",
        query=f"SELECT sfzh AS 公民身份号码, xm, djrq, hs FROM `{mysql_table}`",
        credentials=pull.Credentials(user="root", password=""),
    )
    job = run(source)
    assert job.status == LoadStatus.DONE, job.error
    rows = current(resource)
    assert len(rows) == 6 and rows[ric(5)]["xm"] == "赵5"


def test_a_wrong_password_is_a_clear_error(make_source, run, resource, mysql_table):
    source = make_source(
        engine="mysql",
        location="127.0.0.1:3306/test",
        query=f"SELECT * FROM `{mysql_table}`",
        credentials=pull.Credentials(user="root", password="wrong-password-1234"),
    )
    error = assert_failed_without_change(source, run, resource, "Access denied")
    assert "wrong-password-1234" not in error


def test_mariadb_is_read_in_a_read_only_transaction(make_source, resource, mysql_table):
    import pymysql

    with (
        pytest.raises(pymysql.MySQLError, match="READ ONLY"),
        pull._mysql("127.0.0.1:3306/test", {"user": "root"}, f"DELETE FROM `{mysql_table}`"),
    ):
        pass
    conn = pymysql.connect(**MYSQL_SERVER)
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM `{mysql_table}`")
        assert cursor.fetchone() == (6,)
    conn.close()


# --- HTTP ----------------------------------------------------------------------------------------

TOKEN = "Bearer s3cr3t-t0ken-abc"


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        rows = [{"gmsfhm": r, "姓名": n, "djrq": d, "hs": h} for r, n, d, h in people(4, name="孙")]
        route = self.path.split("?")[0]
        if route == "/people":
            self._answer(200, json.dumps(rows, ensure_ascii=False).encode())
        elif route == "/wrapped":
            body = {"code": 0, "result": {"items": rows}}
            self._answer(200, json.dumps(body, ensure_ascii=False).encode())
        elif route == "/data":
            self._answer(200, json.dumps({"total": 4, "data": rows}, ensure_ascii=False).encode())
        elif route == "/private":
            if self.headers.get("Authorization") != TOKEN:
                self._answer(401, b'{"error": "unauthorised"}')
            else:
                self._answer(200, json.dumps(rows, ensure_ascii=False).encode())
        elif route == "/html":
            self._answer(200, b"<html><body>Maintenance</body></html>", "text/html")
        elif route == "/big":
            self._answer(200, b"[" + b'{"gmsfhm": "1"},' * 100_000 + b"{}]")
        elif route == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._answer(404, b"{}")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_pull_from_an_http_endpoint_answering_an_array(make_source, run, resource, endpoint):
    source = make_source("http", location=f"{endpoint}/people")
    job = run(source)
    assert job.status == LoadStatus.DONE, job.error
    assert current(resource)[ric(2)]["xm"] == "孙2"
    assert job.source_name.endswith("/people")


@pytest.mark.parametrize(("route", "key"), [("/wrapped", "result.items"), ("/data", "")])
def test_the_rows_may_sit_under_a_key_of_the_answer(
    make_source, run, resource, endpoint, route, key
):
    job = run(make_source("http", location=f"{endpoint}{route}", query=key))
    assert job.status == LoadStatus.DONE, job.error
    assert len(current(resource)) == 4


def test_the_saved_headers_are_sent(make_source, run, resource, endpoint):
    source = make_source(
        "http",
        location=f"{endpoint}/private",
        credentials=pull.Credentials(headers={"Authorization": TOKEN}),
    )
    assert run(source).status == LoadStatus.DONE
    unauthorised = make_source("http", location=f"{endpoint}/private", enabled=False)
    error = assert_failed_without_change(unauthorised, run, resource, "HTTP 401")
    assert TOKEN not in error


def test_an_answer_that_is_not_json_is_a_clear_error(make_source, run, resource, endpoint):
    assert_failed_without_change(
        make_source("http", location=f"{endpoint}/html"), run, resource, "不是 JSON"
    )


def test_an_answer_without_the_list_is_a_clear_error(make_source, run, resource, endpoint):
    source = make_source("http", location=f"{endpoint}/wrapped", query="result.rows")
    assert_failed_without_change(source, run, resource, "result.rows")


def test_an_oversized_answer_is_refused(settings, make_source, run, resource, endpoint):
    settings.DATAPLANE_PULL_HTTP_MAX_MB = 1
    source = make_source("http", location=f"{endpoint}/big")
    assert_failed_without_change(source, run, resource, "超过 1 MB")


def test_a_redirect_is_not_followed(make_source, run, resource, endpoint):
    source = make_source("http", location=f"{endpoint}/redirect")
    assert_failed_without_change(source, run, resource, "HTTP 302")


def test_only_http_and_https_addresses_are_taken(make_source):
    for location in (
        "file:///etc/passwd",
        "ftp://example.org/x",
        "gopher://x",
        "example.org",
        "https://user:pass@example.org/x",
    ):
        with pytest.raises(Invalid) as raised:
            make_source("http", location=location)
        assert raised.value.code == "bad_location"


# --- Credentials ---------------------------------------------------------------------------------


def test_the_secret_is_not_readable_in_the_database(make_source, resource):
    source = make_source(
        engine="postgresql",
        location="db.example.org:5432/renkou",
        query="SELECT 1",
        credentials=pull.Credentials(user="reader", password="Pa55-word-very-secret"),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM dataplane_pullsource WHERE id = %s", [source.pk])
        stored = bytes(cursor.fetchone()[0])
    assert stored and b"Pa55-word-very-secret" not in stored and b"reader" not in stored
    assert pull.decrypt_secret(stored) == {"user": "reader", "password": "Pa55-word-very-secret"}
    assert "Pa55" not in json.dumps(
        list(AuditEntry.objects.values_list("details", flat=True)), ensure_ascii=False
    )


def test_credentials_stay_readable_when_the_explicit_key_is_set_later(settings, make_source):
    source = make_source(
        engine="postgresql",
        location="db.example.org/renkou",
        query="SELECT 1",
        credentials=pull.Credentials(user="reader", password="pw"),
    )
    settings.CREDENTIALS_KEY = "a key set by the operator later"
    assert pull.decrypt_secret(source.secret)["password"] == "pw"
    fresh = pull.encrypt_secret({"password": "pw2"})
    settings.SECRET_KEY = "rotated " + settings.SECRET_KEY
    assert pull.decrypt_secret(fresh) == {"password": "pw2"}  # under the explicit key
    with pytest.raises(pull.PullError) as raised:
        pull.decrypt_secret(source.secret)  # under the old SECRET_KEY only: unreadable
    assert raised.value.code == "credentials"


def test_an_update_without_credentials_keeps_the_saved_ones(analyst, make_source, endpoint):
    source = make_source(
        "http",
        location=f"{endpoint}/private",
        credentials=pull.Credentials(headers={"Authorization": TOKEN}),
    )
    secret = bytes(source.secret)
    pull.update_source(
        analyst,
        source,
        pull.SourceInput(kind="http", location=f"{endpoint}/people"),
        credentials=None,
    )
    source.refresh_from_db()
    assert bytes(source.secret) == secret and source.location.endswith("/people")
    pull.update_source(
        analyst,
        source,
        pull.SourceInput(kind="http", location=f"{endpoint}/people"),
        credentials=pull.Credentials(headers={}),
    )
    source.refresh_from_db()
    assert pull.decrypt_secret(source.secret) == {"headers": {}}


# --- Who may, and one enabled source -------------------------------------------------------------


def test_only_those_who_may_load_the_resource_save_or_run_sources(city, make_source, sqlite_file):
    for person in (city.outsider, city.reviewer):
        with pytest.raises(Forbidden):
            make_source(
                engine="sqlite",
                location=sqlite_file,
                query="SELECT 1",
                actor=city.actor(person),
            )
    source = make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY)
    with pytest.raises(Forbidden):
        pull.pull_now(city.actor(city.outsider), source, declared_no_secret=True)
    with pytest.raises(Forbidden):
        pull.delete_source(city.actor(city.outsider), source)


def test_a_source_needs_the_declaration_that_the_data_holds_nothing_secret(
    analyst, resource, sqlite_file
):
    with pytest.raises(Invalid) as raised:
        pull.create_source(
            analyst,
            resource,
            pull.SourceInput(kind="sql", engine="sqlite", location=sqlite_file, query="SELECT 1"),
            credentials=None,
            declared_no_secret=False,
        )
    assert raised.value.code == "declaration_required"


def test_only_one_source_of_a_resource_is_enabled(make_source, sqlite_file):
    make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY)
    with pytest.raises(Conflict):
        make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY)
    make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY, enabled=False)


# --- Schedule ------------------------------------------------------------------------------------


def _tick(django_capture_on_commit_callbacks, now: dt.datetime | None = None) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return pull.start_due_pulls(now)


def test_the_schedule_pulls_a_daily_resource_once_a_day(
    make_source, resource, sqlite_file, django_capture_on_commit_callbacks
):
    source = make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY)
    assert _tick(django_capture_on_commit_callbacks) == 1
    source.refresh_from_db()
    assert source.last_success_at is not None and source.last_error == ""
    job = LoadJob.objects.get(resource=resource)
    assert job.status == LoadStatus.DONE and job.actor_id == pull.PULL_ACTOR
    assert len(current(resource)) == 5
    now = timezone.now()
    assert _tick(django_capture_on_commit_callbacks, now + dt.timedelta(hours=23)) == 0
    assert [s.pk for s in pull.due_sources(now + dt.timedelta(days=1, minutes=1))] == [source.pk]


def test_a_recent_upload_makes_the_pull_wait(
    analyst, make_source, resource, sqlite_file, django_capture_on_commit_callbacks
):
    storage.load_full(
        resource,
        [{"gmsfhm": ric(1), "xm": "甲", "djrq": dt.date(2024, 1, 1), "hs": 1}],
        actor=analyst,
    )
    make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY)
    assert pull.due_sources() == []


def test_a_failing_scheduled_pull_records_its_error_and_is_retried_later(
    make_source, resource, django_capture_on_commit_callbacks
):
    source = make_source(engine="sqlite", location="gone.db", query="SELECT 1")
    assert _tick(django_capture_on_commit_callbacks) == 1  # never raises out of the job
    source.refresh_from_db()
    assert "不存在" in source.last_error and source.last_run_at is not None
    assert not LoadJob.objects.exists()
    now = timezone.now()
    assert pull.due_sources(now + dt.timedelta(minutes=30)) == []
    assert [s.pk for s in pull.due_sources(now + dt.timedelta(minutes=61))] == [source.pk]


def test_realtime_resources_are_pulled_every_tick_and_irregular_ones_only_when_asked(
    city, analyst, make_source, sqlite_file, run, django_capture_on_commit_callbacks
):
    realtime = _resource(city, name="实时人口", update_cycle="realtime")
    irregular = _resource(city, name="不定期人口", update_cycle="irregular")
    fast = make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY, resource=realtime)
    slow = make_source(
        engine="sqlite", location=sqlite_file, query=SQLITE_QUERY, resource=irregular
    )
    assert [s.pk for s in pull.due_sources()] == [fast.pk]
    _tick(django_capture_on_commit_callbacks)
    assert [s.pk for s in pull.due_sources()] == [fast.pk]
    assert run(slow).status == LoadStatus.DONE  # pulled when asked


def test_a_disabled_source_is_not_pulled(make_source, sqlite_file):
    make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY, enabled=False)
    assert pull.due_sources() == []


def test_a_pull_connects_the_entrys_information_system(
    city, analyst, make_source, run, resource, sqlite_file
):
    """CAT-7: a system whose data arrives by a pull counts as connected."""
    system = catalog_systems.check_register_system(
        actor=city.actor(city.steward), organisation=city.department, name="人口库"
    )
    ResourceVersion.objects.filter(pk=resource.live_version_id).update(source_system=system)
    resource.refresh_from_db()
    run(make_source(engine="sqlite", location=sqlite_file, query=SQLITE_QUERY))
    assert InformationSystem.objects.get(pk=system.pk).connected_at is not None


# --- API -----------------------------------------------------------------------------------------


@pytest.fixture
def api_context(context, resource, sqlite_file) -> dict[str, Any]:
    city = context["city"]
    source = pull.create_source(
        city.actor(city.analyst),
        resource,
        pull.SourceInput(kind="sql", engine="sqlite", location=sqlite_file, query=SQLITE_QUERY),
        credentials=pull.Credentials(user="u", password="api-pass-word"),
        declared_no_secret=True,
    )
    return {**context, "resource": resource, "source": source}


ENDPOINTS = [
    Endpoint(
        "create",
        "POST",
        lambda c: f"{BASE}/resources/{c['resource'].pk}/pull-sources",
        allowed="analyst",
        forbidden="outsider",
        body=lambda c: {
            "kind": "http",
            "location": "https://data.example.org/renkou",
            "enabled": False,
            "declared_no_secret": True,
        },
        ok_status=201,
        audit_action="dataplane.pull.create",
    ),
    Endpoint(
        "update",
        "PUT",
        lambda c: f"{BASE}/pull-sources/{c['source'].pk}",
        allowed="analyst",
        forbidden="outsider",
        body=lambda c: {
            "kind": "sql",
            "engine": "sqlite",
            "location": "people.db",
            "query": SQLITE_QUERY,
        },
        audit_action="dataplane.pull.update",
    ),
    Endpoint(
        "run",
        "POST",
        lambda c: f"{BASE}/pull-sources/{c['source'].pk}/run",
        allowed="analyst",
        forbidden="outsider",
        body=lambda c: {"declared_no_secret": True},
        ok_status=202,
        audit_action="dataplane.pull.run",
    ),
    Endpoint(
        "test",
        "POST",
        lambda c: f"{BASE}/pull-sources/{c['source'].pk}/test",
        allowed="analyst",
        forbidden="outsider",
        audit_action="dataplane.pull.test",
    ),
    Endpoint(
        "delete",
        "DELETE",
        lambda c: f"{BASE}/pull-sources/{c['source'].pk}",
        allowed="analyst",
        forbidden="outsider",
        ok_status=204,
        audit_action="dataplane.pull.delete",
    ),
]

checks = endpoint_checks(ENDPOINTS, "api_context")
test_anonymous_callers_are_refused_and_nothing_is_written = checks.anonymous
test_callers_without_the_right_are_refused_and_nothing_is_written = checks.forbidden
test_a_public_user_is_refused_and_nothing_is_written = checks.public_user
test_the_allowed_caller_succeeds_and_the_action_is_audited = checks.allowed


@pytest.fixture
def system(api_context, django_capture_on_commit_callbacks):
    """The department's system calling with its API key; jobs run as the queue would."""

    def _call(method: str, url: str, body: Any = None):
        client = Client(headers={"X-API-Key": api_context["plain_key"]})
        with django_capture_on_commit_callbacks(execute=True):
            return client.generic(
                method,
                BASE + url,
                data=json.dumps(body, ensure_ascii=False) if body is not None else "",
                content_type="application/json",
            )

    return _call


def test_the_api_never_answers_the_secret(api_context, system, endpoint):
    resource, source = api_context["resource"], api_context["source"]
    answers = [
        system("GET", f"/resources/{resource.pk}/pull-sources"),
        system(
            "POST",
            f"/resources/{resource.pk}/pull-sources",
            {
                "kind": "http",
                "location": f"{endpoint}/private",
                "enabled": False,
                "credentials": {"headers": {"Authorization": TOKEN}},
                "declared_no_secret": True,
            },
        ),
        system("POST", f"/pull-sources/{source.pk}/test"),
        system("POST", f"/pull-sources/{source.pk}/run", {"declared_no_secret": True}),
        system("GET", f"/resources/{resource.pk}/pull-sources"),
    ]
    for answer in answers:
        assert answer.status_code in (200, 201, 202), answer.content
        assert b"api-pass-word" not in answer.content and TOKEN.encode() not in answer.content
    listed = answers[-1].json()["items"]
    assert [s["has_credentials"] for s in listed] == [True, True]
    assert listed[0]["last_job"]["status"] == "done"


def test_the_api_runs_a_source_now_and_answers_the_job(api_context, system):
    source = api_context["source"]
    answer = system("POST", f"/pull-sources/{source.pk}/run", {"declared_no_secret": True})
    assert answer.status_code == 202, answer.content
    job = LoadJob.objects.get(pk=answer.json()["id"])
    assert answer.json()["channel"] == "pull"
    assert job.status == LoadStatus.DONE
    assert len(current(api_context["resource"])) == 5


def test_the_api_tests_a_source_without_storing_anything(api_context, system, endpoint):
    source = api_context["source"]
    answer = system("POST", f"/pull-sources/{source.pk}/test")
    assert answer.json() == {"ok": True, "error": "", "columns": ["gmsfhm", "姓名", "djrq", "hs"]}
    PullSource.objects.filter(pk=source.pk).update(location="gone.db")
    answer = system("POST", f"/pull-sources/{source.pk}/test")
    assert answer.json()["ok"] is False and "不存在" in answer.json()["error"]
    assert not LoadJob.objects.exists() and not Batch.objects.exists()


def test_the_api_answers_a_source_that_cannot_be_read_with_409(api_context, system):
    source = api_context["source"]
    PullSource.objects.filter(pk=source.pk).update(location="gone.db")
    answer = system("POST", f"/pull-sources/{source.pk}/run", {"declared_no_secret": True})
    error = assert_error_body(answer, 409)
    assert "不存在" in error["message"]
    assert "不存在" in PullSource.objects.get(pk=source.pk).last_error


def test_the_api_refuses_a_query_that_is_not_a_select(api_context, system):
    answer = system(
        "POST",
        f"/resources/{api_context['resource'].pk}/pull-sources",
        {
            "kind": "sql",
            "engine": "sqlite",
            "location": "people.db",
            "query": "DROP TABLE people",
            "enabled": False,
            "declared_no_secret": True,
        },
    )
    assert assert_error_body(answer, 422)["code"] == "not_select"
