"""The console pages of the gathered data, as the department's data staff use them: upload a
file with the declaration, follow the load, download the rejected rows, undo the last batch."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govdata.catalog.models import Resource
from govdata.catalog.testing import items
from govdata.core.identifiers import ric_with_check
from govdata.dataplane import storage
from govdata.dataplane.models import Batch, LoadJob, LoadStatus
from govdata.dataplane.testing import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def resource(city) -> Resource:
    return published(city, items())


def csv_file(rows: list[tuple[str, str, str]], name: str = "人口.csv") -> SimpleUploadedFile:
    text = "公民身份号码,姓名,登记日期\r\n" + "".join(f"{a},{b},{c}\r\n" for a, b, c in rows)
    return SimpleUploadedFile(name, text.encode("gbk"), content_type="text/csv")


def ric(i: int) -> str:
    return ric_with_check(f"11010519900101{i:03d}")


def upload(client, resource, rows, *, declared=True, capture=None):
    data = {"file": csv_file(rows)}
    if declared:
        data["declared_no_secret"] = "on"
    with capture(execute=True):
        return client.post(f"/console/data/resources/{resource.pk}/", data)


def test_the_data_staff_load_a_file_and_follow_it_to_its_batch(
    city, resource, login, django_capture_on_commit_callbacks
):
    client = login(city.analyst)
    home = client.get("/console/data/")
    assert home.status_code == 200
    assert f"/console/data/resources/{resource.pk}/" in home.content.decode()
    page = client.get(f"/console/data/resources/{resource.pk}/")
    assert "不含涉密数据" in page.content.decode()
    assert "被拒行超过 5% 时" in page.content.decode()
    rows = [(ric(i), f"张{i}", "2024-05-01") for i in range(30)]
    rows[4] = (ric(4), "", "2024-05-01")
    response = upload(client, resource, rows, capture=django_capture_on_commit_callbacks)
    job = LoadJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/data/jobs/{job.pk}/"
    text = client.get(response["Location"]).content.decode()
    assert "已完成" in text or job.get_status_display() in text
    assert job.status == LoadStatus.DONE
    assert "批次 1" in text
    assert "被拒行" in text and "姓名（xm）为必填项" in text
    rejected = client.get(f"/console/data/jobs/{job.pk}/rejected.csv")
    assert rejected.content.decode("utf-8-sig").count("\r\n") == 2
    # The resource page shows the batch, the rows, and the undo button for the latest batch.
    page = client.get(f"/console/data/resources/{resource.pk}/").content.decode()
    assert "张0" in page and "29" in page
    assert f"/console/data/resources/{resource.pk}/batches/1/undo/" in page
    assert f"/api/v1/dataplane/resources/{resource.pk}/export?format=parquet" in page


def test_a_load_without_the_declaration_is_not_started(
    city, resource, login, django_capture_on_commit_callbacks
):
    client = login(city.analyst)
    response = upload(
        client,
        resource,
        [(ric(1), "张1", "2024-05-01")],
        declared=False,
        capture=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 422
    assert "声明" in response.content.decode()
    assert not LoadJob.objects.exists()


def test_the_progress_fragment_keeps_polling_only_while_the_load_runs(
    city, resource, login, django_capture_on_commit_callbacks
):
    client = login(city.analyst)
    upload(
        client,
        resource,
        [(ric(1), "张1", "2024-05-01")],
        capture=django_capture_on_commit_callbacks,
    )
    job = LoadJob.objects.get()
    done = client.get(f"/console/data/jobs/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in done and 'value="100"' in done
    LoadJob.objects.filter(pk=job.pk).update(status=LoadStatus.READING, rows_read=7)
    running = client.get(f"/console/data/jobs/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in running and ">7<" in running


def test_undo_from_the_page_brings_the_previous_state_back(
    city, resource, login, django_capture_on_commit_callbacks
):
    client = login(city.analyst)
    upload(
        client,
        resource,
        [(ric(1), "张1", "2024-05-01")],
        capture=django_capture_on_commit_callbacks,
    )
    upload(
        client,
        resource,
        [(ric(2), "张2", "2024-05-01")],
        capture=django_capture_on_commit_callbacks,
    )
    response = client.post(f"/console/data/resources/{resource.pk}/batches/2/undo/")
    assert response.status_code == 302
    assert [r["gmsfhm"] for r in storage.current_rows(resource)] == [ric(1)]
    assert Batch.objects.filter(resource=resource).count() == 3


def test_other_departments_and_the_public_do_not_see_the_data(
    city, citizen, resource, login, django_capture_on_commit_callbacks
):
    assert login(city.outsider).get(f"/console/data/resources/{resource.pk}/").status_code == 404
    assert login(citizen).get(f"/console/data/resources/{resource.pk}/").status_code == 403
    # The authority over the area reads the page but has no upload form.
    page = login(city.reviewer).get(f"/console/data/resources/{resource.pk}/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' not in page.content.decode()
    refused = login(city.reviewer).post(
        f"/console/data/resources/{resource.pk}/",
        {"file": csv_file([(ric(1), "张1", "2024-05-01")]), "declared_no_secret": "on"},
    )
    assert refused.status_code == 403
    assert not LoadJob.objects.exists()


def test_the_data_staff_set_the_rules_the_next_load_is_checked_by(
    city, resource, login, django_capture_on_commit_callbacks
):
    """Rules set on the page apply at the door: a name outside the code list is rejected. A
    rule that cannot work comes back on the page naming its item, and nothing is saved."""
    client = login(city.analyst)
    page = f"/console/data/resources/{resource.pk}/rules/"
    assert page in client.get(f"/console/data/resources/{resource.pk}/").content.decode()
    form = client.get(page).content.decode()
    assert "代码表" in form or "code list" in form
    broken = client.post(page, {"pattern-xm": "(", "minimum-djrq": "2024-13-01", "percent": "5"})
    assert broken.status_code == 422
    text = broken.content.decode()
    assert 'value="("' in text and "2024-13-01" in text  # what was typed stays
    assert not resource.item_rules.exists()
    saved = client.post(page, {"codes-xm": "张1\r\n张2\r\n", "percent": "50"})
    assert saved.status_code == 302
    (rule,) = resource.item_rules.all()
    assert (rule.item_name, list(rule.codes)) == ("xm", ["张1", "张2"])
    assert storage.table_of(resource).max_error_rate == 0.5
    rows = [(ric(i), f"张{i}", "2024-05-01") for i in range(1, 4)]
    upload(client, resource, rows, capture=django_capture_on_commit_callbacks)
    job = LoadJob.objects.get()
    assert (job.status, job.rows_accepted, job.rows_rejected) == (LoadStatus.DONE, 2, 1)
    assert client.post(page, {"percent": "百分之五"}).status_code == 422
    assert storage.table_of(resource).max_error_rate == 0.5


def test_only_the_providers_staff_edit_the_rules(city, resource, login):
    page = f"/console/data/resources/{resource.pk}/rules/"
    assert login(city.outsider).get(page).status_code == 404
    assert login(city.outsider).post(page, {"codes-xm": "x"}).status_code == 404
    assert not resource.item_rules.exists()
