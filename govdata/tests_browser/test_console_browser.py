"""A department administrator, in a real browser, registers a business system and issues it an
API key; the key works on the API and is never shown again.

Runs Debian's chromium (``/usr/bin/chromium``) through Playwright against pytest-django's live
server; skipped when chromium is not installed. Never downloads a browser."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from govdata.orgs.actors import Actor
from govdata.orgs.choices import Role
from govdata.orgs.models import ApiKey, SystemAccount
from govdata.orgs.testing import TEST_PASSWORD, bootstrap_admin, make_org, make_person

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = Path("/tmp/govdata-console.png")  # noqa: S108 — a look at the page, never committed
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)",
    ),
]
sync_api = pytest.importorskip("playwright.sync_api")


def _get_json(url: str, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"X-API-Key": key})  # noqa: S310 — the live server
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def test_department_admin_issues_a_key_shown_once(live_server, monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls below are plain
    # synchronous calls between browser steps, which is safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    admin = Actor.for_person(bootstrap_admin())
    department = make_org(admin, "示范市民政局", division_code="990100")
    make_person(admin, department, "mzj_admin", [Role.ORG_ADMIN], "张管理")

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(15_000)

            # Log in through the login page.
            page.goto(f"{live_server.url}/login/")
            assert page.locator("html").get_attribute("lang") == "zh-Hans"
            page.fill("#id_username", "mzj_admin")
            page.fill("#id_password", TEST_PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(f"{live_server.url}/console/")
            sync_api.expect(page.locator("h1")).to_contain_text("张管理")
            sync_api.expect(page.locator("body")).to_contain_text("单位管理员")

            # From the console home to the department's system accounts.
            page.get_by_role("link", name="系统账号").first.click()
            page.wait_for_url(re.compile(rf".*/console/organisations/{department.pk}/systems/$"))
            page.fill("#id_name", "低保审批系统")
            page.fill("#id_description", "最低生活保障审批业务系统")
            page.get_by_role("button", name="登记系统").click()
            page.wait_for_url(re.compile(r".*/console/systems/\d+/$"))
            system = SystemAccount.objects.get(name="低保审批系统")
            system_url = f"{live_server.url}/console/systems/{system.pk}/"
            assert page.url == system_url
            sync_api.expect(page.locator(".flash-list")).to_contain_text("已登记")

            # Issue a key and read it, shown once.
            page.fill("#id_label", "前置机")
            page.fill("#id_allowed_ips", "")
            page.get_by_role("button", name="签发密钥").click()
            key_box = page.get_by_test_id("new-api-key")
            sync_api.expect(key_box).to_be_visible()
            full_key = key_box.input_value()
            assert re.fullmatch(r"gd_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}", full_key)
            sync_api.expect(page.locator(".key-reveal")).to_contain_text("仅显示这一次")
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            # The key works on the API and names the system account.
            status, body = _get_json(f"{live_server.url}/api/v1/me", full_key)
            assert status == 200
            assert body["kind"] == "system"
            assert body["system"]["name"] == "低保审批系统"
            assert body["system"]["organisation_name"] == "示范市民政局"

            # Opening the system page again lists the key by its prefix, never the key itself.
            page.goto(system_url)
            prefix = ApiKey.objects.get(system_account=system).prefix
            sync_api.expect(page.locator("table")).to_contain_text(f"gd_{prefix}_…")
            assert full_key not in page.content()
            assert page.get_by_test_id("new-api-key").count() == 0
        finally:
            browser.close()
