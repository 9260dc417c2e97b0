"""The data plane's API as departments' systems and staff call it: uploads and pushes become jobs
whose progress can be followed, bad input is refused with the error body, and the data can be
read now, as of an earlier batch and as changes since a batch."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from govdata.catalog.models import Resource
from govdata.catalog.testing import items
from govdata.core.identifiers import ric_with_check
from govdata.core.testing import Endpoint, assert_error_body, endpoint_checks
from govdata.dataplane import storage
from govdata.dataplane.models import Batch, LoadJob, LoadStatus, RejectedRecord
from govdata.dataplane.testing import published
from govdata.orgs.models import ApiKey

pytestmark = pytest.mark.django_db

BASE = "/api/v1/dataplane"
EXTRA = [{"name": "hs", "label": "户数", "item_type": "integer", "security_level": 1}]


def ric(i: int) -> str:
    return ric_with_check(f"11010519900101{i:03d}")


def person_rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"gmsfhm": ric(i), "xm": f"张{i}", "djrq": "2024-05-01", "hs": str(i)}
        for i in range(start, start + n)
    ]


@pytest.fixture
def resource(city) -> Resource:
    return published(city, items(*EXTRA))


@pytest.fixture
def dataplane(context, resource) -> dict[str, Any]:
    city = context["city"]
    storage.load_full(
        resource,
        [
            {"gmsfhm": ric(i), "xm": f"张{i}", "djrq": dt.date(2024, 5, 1), "hs": i}
            for i in range(3)
        ],
        actor=city.actor(city.analyst),
    )
    return {**context, "resource": resource}


@pytest.fixture
def system(dataplane, django_capture_on_commit_callbacks):
    """The department's system calling with its API key; jobs run as the queue would."""

    def _call(method: str, path: str, body: Any = None, **kwargs: Any):
        client = Client(headers={"X-API-Key": dataplane["plain_key"]})
        with django_capture_on_commit_callbacks(execute=True):
            if body is not None and not kwargs:
                return client.generic(
                    method, BASE + path, data=_json(body), content_type="application/json"
                )
            return getattr(client, method.lower())(BASE + path, **kwargs)

    return _call


def _json(body: Any) -> str:
    import json

    return json.dumps(body, ensure_ascii=False)


ENDPOINTS = [
    Endpoint(
        "push",
        "POST",
        lambda c: f"{BASE}/resources/{c['resource'].pk}/push",
        allowed="analyst",
        forbidden="outsider",
        body=lambda c: {"mode": "changes", "declared_no_secret": True, "rows": person_rows(1, 7)},
        ok_status=202,
        audit_action="dataplane.load.start",
    ),
    Endpoint(
        "undo",
        "POST",
        lambda c: f"{BASE}/resources/{c['resource'].pk}/batches/1/undo",
        allowed="analyst",
        forbidden="outsider",
        audit_action="dataplane.batch.undo",
    ),
    Endpoint(
        "rules",
        "PUT",
        lambda c: f"{BASE}/resources/{c['resource'].pk}/rules",
        allowed="analyst",
        forbidden="outsider",
        body=lambda c: {"max_error_rate": 0.1, "rules": [{"item_name": "hs", "minimum": "0"}]},
        audit_action="dataplane.rules.set",
    ),
]

checks = endpoint_checks(ENDPOINTS, "dataplane")
test_anonymous_callers_are_refused_and_nothing_is_written = checks.anonymous
test_callers_without_the_right_are_refused_and_nothing_is_written = checks.forbidden
test_a_public_user_is_refused_and_nothing_is_written = checks.public_user
test_the_allowed_caller_succeeds_and_the_action_is_audited = checks.allowed


def test_a_system_uploads_a_file_and_follows_the_job_to_its_batch(dataplane, system):
    content = "公民身份号码,姓名,登记日期,户数\r\n" + "".join(
        f"{r['gmsfhm']},{r['xm']},{r['djrq']},{r['hs']}\r\n" for r in person_rows(5)
    )
    upload = io.BytesIO(content.encode("gbk"))
    upload.name = "人口.csv"
    response = system(
        "POST",
        f"/resources/{dataplane['resource'].pk}/uploads",
        data={"file": upload, "declared_no_secret": "true"},
    )
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "queued"
    assert job["source_name"] == "人口.csv"
    followed = system("GET", f"/jobs/{job['id']}").json()
    assert followed["status"] == "done"
    assert followed["percent"] == 100
    assert (followed["rows_read"], followed["rows_accepted"]) == (5, 5)
    assert followed["batch_number"] == 2
    assert followed["loaded_by"].startswith("民政业务系统")
    batches = system("GET", f"/resources/{dataplane['resource'].pk}/batches").json()
    assert batches["items"][0]["number"] == 2
    assert batches["items"][0]["rows_inserted"] == 2


def test_an_upload_without_the_declaration_is_refused(dataplane, system):
    upload = io.BytesIO(b"gmsfhm,xm\r\n")
    upload.name = "people.csv"
    response = system(
        "POST", f"/resources/{dataplane['resource'].pk}/uploads", data={"file": upload}
    )
    assert assert_error_body(response, 422)["code"] == "declaration_required"
    assert not LoadJob.objects.exists()


def test_an_upload_declared_larger_than_the_limit_is_refused_before_it_is_read(dataplane, settings):
    settings.DATAPLANE_MAX_UPLOAD_MB = 1
    client = Client(headers={"X-API-Key": dataplane["plain_key"]})
    response = client.generic(
        "POST",
        f"{BASE}/resources/{dataplane['resource'].pk}/uploads",
        data=b"x" * 16,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(2 * 1024**3),
    )
    assert assert_error_body(response, 413)["code"] == "too_large"


def test_a_push_with_an_expired_key_is_refused_and_changes_nothing(dataplane, system):
    ApiKey.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    before = storage.current_rows(dataplane["resource"])
    response = system(
        "POST",
        f"/resources/{dataplane['resource'].pk}/push",
        {"mode": "full", "declared_no_secret": True, "rows": person_rows(2, 50)},
    )
    assert assert_error_body(response, 401)["code"] == "expired_key"
    assert storage.current_rows(dataplane["resource"]) == before
    assert not LoadJob.objects.exists()


def test_a_pushed_change_set_and_the_changes_read_back_for_sync(dataplane, system):
    pk = dataplane["resource"].pk
    response = system(
        "POST",
        f"/resources/{pk}/push",
        {
            "mode": "changes",
            "declared_no_secret": True,
            "rows": [{**person_rows(1, 1)[0], "xm": "李1"}, *person_rows(1, 9)],
            "deletes": [{"gmsfhm": ric(0)}],
        },
    )
    assert response.status_code == 202, response.content
    job = system("GET", f"/jobs/{response.json()['id']}").json()
    assert job["status"] == "done", job
    changes = system("GET", f"/resources/{pk}/changes?since=1").json()
    assert (changes["since"], changes["until"]) == (1, 2)
    assert [r["gmsfhm"] for r in changes["inserted"]] == [ric(9)]
    assert [r["xm"] for r in changes["updated"]] == ["李1"]
    assert changes["deleted"] == [{"gmsfhm": ric(0)}]
    now = system("GET", f"/resources/{pk}/rows").json()
    assert now["total"] == 3
    before = system("GET", f"/resources/{pk}/rows?as_of_batch=1").json()
    assert [r["xm"] for r in before["rows"]] == ["张0", "张1", "张2"]


def test_a_push_with_rejected_rows_gives_them_back_as_a_file(dataplane, system):
    pk = dataplane["resource"].pk
    rows = person_rows(40, 10)
    rows[5]["hs"] = "五"
    response = system(
        "POST",
        f"/resources/{pk}/push",
        {"mode": "changes", "declared_no_secret": True, "rows": rows},
    )
    job = system("GET", f"/jobs/{response.json()['id']}").json()
    assert (job["status"], job["rows_rejected"]) == ("done", 1)
    csv = system("GET", f"/jobs/{job['id']}/rejected.csv")
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "户数（hs）不是有效的" in text
    assert RejectedRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"mode": "full", "declared_no_secret": True, "rows": []}, 202, None),
        ({"mode": "sideways", "declared_no_secret": True}, 422, "invalid"),
        ({"mode": "changes", "declared_no_secret": True}, 422, "empty"),
        ({"mode": "changes", "declared_no_secret": False, "rows": person_rows(1)}, 422, None),
    ],
)
def test_bad_pushes_get_the_error_body(dataplane, system, body, status, code):
    response = system("POST", f"/resources/{dataplane['resource'].pk}/push", body)
    if status == 202:
        # A full push of nothing is taken, then refused by the job: it would delete everything.
        job = system("GET", f"/jobs/{response.json()['id']}").json()
        assert (job["status"], job["error_code"]) == ("refused", "empty")
        assert len(storage.current_rows(dataplane["resource"])) == 3
        return
    error = assert_error_body(response, status)
    if code:
        assert error["code"] == code


def test_the_rules_are_refused_with_each_reason_and_kept_when_they_work(dataplane, system):
    pk = dataplane["resource"].pk
    bad = system(
        "PUT",
        f"/resources/{pk}/rules",
        {"rules": [{"item_name": "hs", "minimum": "9", "maximum": "1"}, {"item_name": "nope"}]},
    )
    error = assert_error_body(bad, 422)
    assert set(error["fields"]) == {"rules.0", "rules.1.item_name"}
    good = system(
        "PUT",
        f"/resources/{pk}/rules",
        {"max_error_rate": 0.2, "rules": [{"item_name": "xm", "codes": ["张0", "张1"]}]},
    )
    assert good.status_code == 200, good.content
    assert system("GET", f"/resources/{pk}/rules").json() == {
        "max_error_rate": 0.2,
        "rules": [
            {
                "item_name": "xm",
                "codes": ["张0", "张1"],
                "pattern": "",
                "minimum": "",
                "maximum": "",
            }
        ],
    }


def test_an_undone_batch_brings_the_state_before_it_back(dataplane, system):
    pk = dataplane["resource"].pk
    system(
        "POST",
        f"/resources/{pk}/push",
        {"mode": "full", "declared_no_secret": True, "rows": person_rows(1, 5)},
    )
    assert system("GET", f"/resources/{pk}/rows").json()["total"] == 1
    response = system("POST", f"/resources/{pk}/batches/2/undo")
    assert response.status_code == 200, response.content
    assert response.json()["undoes"] == 2
    assert system("GET", f"/resources/{pk}/rows").json()["total"] == 3
    again = system("POST", f"/resources/{pk}/batches/2/undo")
    assert assert_error_body(again, 409)


def test_another_departments_data_is_not_found(dataplane, login):
    client = login(dataplane["city"].outsider)
    pk = dataplane["resource"].pk
    for path in (f"/resources/{pk}/rows", f"/resources/{pk}/batches", f"/resources/{pk}/jobs"):
        assert assert_error_body(client.get(BASE + path), 404)["code"] == "not_found"
    assert Batch.objects.count() == 1


def test_the_authority_over_the_area_reads_the_data_but_does_not_load_it(dataplane, login):
    client = login(dataplane["city"].reviewer)
    pk = dataplane["resource"].pk
    assert client.get(f"{BASE}/resources/{pk}/rows").json()["total"] == 3
    response = client.post(
        f"{BASE}/resources/{pk}/push",
        data=_json({"mode": "full", "declared_no_secret": True, "rows": person_rows(1)}),
        content_type="application/json",
    )
    assert assert_error_body(response, 403)
    assert LoadJob.objects.filter(status=LoadStatus.QUEUED).count() == 0


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson", "parquet", "xlsx"])
def test_the_data_is_exported_as_a_file_and_the_export_is_audited(dataplane, system, fmt):
    from govdata.core.models import AuditEntry

    pk = dataplane["resource"].pk
    response = system("GET", f"/resources/{pk}/export?format={fmt}")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body
    if fmt == "csv":
        text = body.decode("utf-8-sig")
        assert text.splitlines()[0].startswith('"公民身份号码"') or text.startswith("公民身份号码")
        assert "张2" in text
    assert AuditEntry.objects.filter(action="dataplane.export").count() == 1


def test_an_earlier_state_is_exported_as_it_was(dataplane, system):
    pk = dataplane["resource"].pk
    system(
        "POST",
        f"/resources/{pk}/push",
        {"mode": "full", "declared_no_secret": True, "rows": person_rows(1, 5)},
    )
    now = b"".join(system("GET", f"/resources/{pk}/export").streaming_content).decode("utf-8-sig")
    before = b"".join(
        system("GET", f"/resources/{pk}/export?as_of_batch=1").streaming_content
    ).decode("utf-8-sig")
    assert "张5" in now and "张0" not in now
    assert "张0" in before and "张5" not in before
    missing = system("GET", f"/resources/{pk}/export?as_of_batch=99")
    assert assert_error_body(missing, 422)["code"] == "unknown_batch"
