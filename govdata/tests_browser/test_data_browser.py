"""A department's data staff, in a real browser, load a GBK file into a published entry: the
declaration is required, the load runs as a job, its page shows the batch and the rejected row,
and the data page shows the rows, the quality chart and the undo button."""

from __future__ import annotations

from pathlib import Path

import pytest

from govdata.catalog.testing import items
from govdata.conftest import build_city
from govdata.core.identifiers import ric_with_check
from govdata.dataplane import storage
from govdata.dataplane.models import LoadJob, LoadStatus
from govdata.dataplane.testing import published

from .test_catalog_browser import _login
from .test_console_browser import CHROMIUM, LAUNCH_ARGS

SCREENSHOTS = Path("/tmp")  # noqa: S108 — a look at the pages, never committed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
sync_api = pytest.importorskip("playwright.sync_api")


def test_the_data_staff_load_a_file_and_follow_it(live_server, monkeypatch, settings, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.DATAPLANE_UPLOAD_DIR = tmp_path / "uploads"
    city = build_city()
    resource = published(city, items())
    lines = ["公民身份号码,姓名,登记日期"]
    lines += [f"{ric_with_check(f'11010519900101{i:03d}')},张{i},2024-05-01" for i in range(40)]
    lines[5] = f"{ric_with_check('11010519900101004')},,2024-02-30"  # no name, no such day
    upload = tmp_path / "人口.csv"
    upload.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))

    base = live_server.url
    expect = sync_api.expect
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(15_000)
            _login(page, base, "analyst")
            page.goto(f"{base}/console/data/")
            page.get_by_role("link", name=resource.live_version.name).click()
            expect(page.locator("h1")).to_have_text(resource.live_version.name)

            # Without the declaration nothing starts.
            page.set_input_files("#id_file", str(upload))
            page.get_by_role("button", name="汇聚", exact=True).click()
            expect(page.locator(".field--error")).to_contain_text("不含涉密数据")
            assert not LoadJob.objects.exists()

            page.set_input_files("#id_file", str(upload))
            page.check("#id_declared_no_secret")
            page.get_by_role("button", name="汇聚", exact=True).click()
            page.wait_for_url(f"{base}/console/data/jobs/*/")
            expect(page.locator("#load-progress")).to_contain_text("已提交为批次 1")
            expect(page.locator("#load-progress progress")).to_have_attribute("value", "100")
            expect(page.locator("main")).to_contain_text("姓名（xm）为必填项")
            page.screenshot(path=str(SCREENSHOTS / "govdata-data-job.png"), full_page=True)
            job = LoadJob.objects.get()
            assert (job.status, job.rows_accepted, job.rows_rejected) == (LoadStatus.DONE, 39, 1)

            page.get_by_role("link", name=resource.live_version.name).click()
            expect(page.locator("main")).to_contain_text("当前 39 行")
            expect(page.locator("svg")).to_have_count(1)  # the quality score's history
            page.screenshot(path=str(SCREENSHOTS / "govdata-data-resource.png"), full_page=True)
            page.once("dialog", lambda dialog: dialog.accept())
            page.get_by_role("button", name="撤销").click()
            expect(page.locator("main")).to_contain_text("批次 1 已撤销")
            assert storage.count_current(resource) == 0
        finally:
            browser.close()
