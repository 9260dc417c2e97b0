"""One catalog entry, in a real browser, from a township department through county and city
review to the public portal (CAT-1, CAT-3, CAT-2, OPN-3): the township's data staff compile it
with the items editor (a row typed, rows pasted from a spreadsheet, one moved), submit it; the
county reviewer returns it once with a reason, the township corrects it; the county approves,
the city publishes; the public finds it on the portal and opens its page.

Runs Debian's chromium through Playwright against pytest-django's live server; skipped when
chromium is not installed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govdata.catalog.models import Resource, ResourceVersion
from govdata.orgs.actors import Actor
from govdata.orgs.choices import Level, OrgKind, Role
from govdata.orgs.testing import TEST_PASSWORD, bootstrap_admin, make_org, make_person

from .test_console_browser import CHROMIUM, LAUNCH_ARGS

SCREENSHOTS = Path("/tmp")  # noqa: S108 — a look at the pages, never committed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]
sync_api = pytest.importorskip("playwright.sync_api")


def _city() -> dict:
    admin = Actor.for_person(bootstrap_admin())
    root = make_org(admin, "示范市人民政府", division_code="990100")
    authority = make_org(admin, "示范市大数据局", kind=OrgKind.AUTHORITY, parent=root)
    county = make_org(
        admin, "东县人民政府", level=Level.COUNTY, parent=root, division_code="990121"
    )
    county_authority = make_org(
        admin,
        "东县数据局",
        kind=OrgKind.AUTHORITY,
        level=Level.COUNTY,
        parent=county,
        division_code="990121",
    )
    town = make_org(
        admin, "河口镇人民政府", level=Level.TOWNSHIP, parent=county, division_code="990121100"
    )
    make_person(admin, town, "hk_staff", [Role.DATA_STAFF], "郑镇干")
    make_person(admin, county_authority, "dx_reviewer", [Role.REVIEWER], "钱审核")
    make_person(admin, authority, "dsj_reviewer", [Role.REVIEWER], "赵审核")
    return {"town": town}


def _login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/console/")


def test_a_township_entry_is_reviewed_up_the_levels_and_reaches_the_portal(
    live_server, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _city()
    base = live_server.url
    expect = sync_api.expect
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(15_000)

            # The township's data staff compile the entry.
            _login(page, base, "hk_staff")
            page.get_by_role("link", name="数据目录").first.click()
            page.get_by_role("link", name="编制新目录条目").click()
            page.wait_for_url(f"{base}/console/catalog/new/")
            page.fill("#id_name", "河口镇农村低保对象名册")
            page.fill("#id_summary", "河口镇享受农村最低生活保障的家庭和人员名册，按月更新。")
            page.select_option("#id_domain", "civil_affairs")
            page.select_option("#id_data_form", "spreadsheet")
            page.fill("#id_data_format", "xlsx")
            page.select_option("#id_update_cycle", "monthly")
            page.select_option("#id_sensitivity", "internal")
            page.select_option("#id_security_level", "3")
            page.get_by_label("接口").check()
            page.fill("#id_open_basis", "涉及个人信息，依《社会救助暂行办法》不予开放")

            # One row typed, two rows pasted from a spreadsheet, the last moved to the top.
            page.get_by_role("button", name="添加信息项").click()
            # A name the data plane could not make a column of is flagged as it is typed.
            page.fill("input[name='items-0-name']", "HZ XM")
            page.press("input[name='items-0-name']", "Tab")
            expect(page.locator(".errorlist--live")).to_contain_text("小写字母")
            page.fill("input[name='items-0-name']", "hzxm")
            page.press("input[name='items-0-name']", "Tab")
            expect(page.locator(".errorlist--live")).to_have_count(0)
            page.fill("input[name='items-0-label']", "户主姓名")
            page.select_option("select[name='items-0-item_type']", "string")
            page.locator("summary", has_text="从电子表格粘贴行").click()
            page.fill(
                "textarea[name='rows']",
                "信息项名称\t中文名称\t数据类型\t是否主键\t安全级别\n"
                "gmsfhm\t公民身份号码\t公民身份号码\t是\t3\n"
                "jzrs\t家庭人口数\t整数\t否\t1\n",
            )
            page.get_by_role("button", name="添加粘贴的行").click()
            expect(page.locator("[data-item-row]")).to_have_count(3)
            page.locator("[data-item-row]").nth(1).locator("[data-move=up]").click()
            # Cells pasted straight into the table become rows too.
            page.locator("input[name='items-2-description']").dispatch_event("focus")
            page.evaluate(
                r"""() => {
                    const data = new DataTransfer();
                    data.setData("text/plain", "jtzz\t家庭住址\t字符型\t200\n");
                    const target = document.querySelector("input[name='items-2-description']");
                    target.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true}));
                }"""
            )
            expect(page.locator("[data-item-row]")).to_have_count(4)
            page.screenshot(path=str(SCREENSHOTS / "govdata-catalog-editor.png"), full_page=True)
            page.get_by_role("button", name="保存并提交审核").click()
            expect(page.locator(".flash-list")).to_contain_text("已提交审核")
            version = ResourceVersion.objects.get(name="河口镇农村低保对象名册")
            assert version.status == "county_review"
            items = list(version.items.order_by("position"))
            assert [i.name for i in items] == ["gmsfhm", "hzxm", "jzrs", "jtzz"]
            assert [i.is_key for i in items] == [True, False, False, False]
            assert items[0].item_type == "ric" and items[2].item_type == "integer"
            assert items[3].length == 200

            # The county reviewer returns it once with a reason.
            _login(page, base, "dx_reviewer")
            page.goto(f"{base}/console/catalog/review/")
            page.get_by_role("link", name="河口镇农村低保对象名册").click()
            page.fill("#id_reject_comment", "请补充共享条件说明")
            page.get_by_role("button", name="退回并说明理由").click()
            expect(page.locator(".flash-list")).to_contain_text("已退回")

            # The township reads the reason on its editor, corrects and submits again.
            _login(page, base, "hk_staff")
            page.goto(f"{base}/console/catalog/versions/{version.pk}/edit/")
            expect(page.get_by_test_id("rejection")).to_contain_text("请补充共享条件说明")
            page.fill("#id_usage_requirements", "仅限社会救助业务使用，不得转给第三方。")
            page.select_option("#id_open_type", "conditional")
            page.fill("#id_open_conditions", "经脱敏后依申请开放统计结果")
            page.fill("#id_open_basis", "《社会救助暂行办法》")
            page.get_by_role("button", name="保存并提交审核").click()
            # Personal items cannot be in... conditional is allowed: the entry goes back to review.
            expect(page.locator(".flash-list")).to_contain_text("已提交审核")

            # The county approves, the city publishes.
            _login(page, base, "dx_reviewer")
            page.goto(f"{base}/console/catalog/versions/{version.pk}/")
            page.get_by_role("button", name="审核通过并报送市级").click()
            expect(page.locator(".flash-list")).to_contain_text("报送")
            _login(page, base, "dsj_reviewer")
            page.goto(f"{base}/console/catalog/review/")
            expect(page.get_by_test_id("review-queue")).to_contain_text("河口镇")
            page.get_by_role("link", name="河口镇农村低保对象名册").click()
            page.get_by_role("button", name="审核通过并发布").click()
            expect(page.locator(".flash-list")).to_contain_text("已发布")
            expect(page.get_by_test_id("review-history")).to_contain_text("请补充共享条件说明")

            # The public finds it on the portal and opens its page.
            page.context.clear_cookies()
            code = Resource.objects.get(pk=version.resource_id).code
            page.goto(f"{base}/data/?q=低保")
            page.get_by_role("link", name="河口镇农村低保对象名册").first.click()
            page.wait_for_url(re.compile(rf".*/data/{re.escape(code)}/$"))
            expect(page.locator("h1")).to_contain_text("河口镇农村低保对象名册")
            expect(page.locator("body")).to_contain_text("公民身份号码")
            expect(page.locator("body")).to_contain_text("河口镇人民政府")
            page.screenshot(path=str(SCREENSHOTS / "govdata-catalog-portal.png"), full_page=True)
        finally:
            browser.close()
