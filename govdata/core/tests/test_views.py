"""The core's pages: the working-day calendar and the audit trail, and the core tables in the
Django admin."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from govdata.core import audit
from govdata.core import calendar as cal
from govdata.core.models import AuditEntry, CalendarDay, CalendarYear
from govdata.core.tests.test_audit import behind_the_back
from govdata.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


def day_class(body: str, day: dt.date) -> str:
    """The CSS classes of a day's cell in the calendar page."""
    match = re.search(r'<td class="([^"]+)"[^>]*data-date="' + day.isoformat() + '"', body, re.S)
    assert match, day
    return match.group(1)


def first_unknown_year() -> int:
    year = 2031
    while cal.is_known_year(year):
        year += 1
    return year


def weekday_in(year: int, month: int, weekday: int) -> dt.date:
    """The first day of that weekday (0 Monday … 6 Sunday) in a month."""
    day = dt.date(year, month, 1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


# --- Calendar --------------------------------------------------------------------------------------


def test_calendar_needs_login(client, db):
    response = client.get("/console/calendar/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_calendar_marks_holidays_of_a_known_year(login, city, django_assert_max_num_queries):
    client = login(city.analyst)
    with django_assert_max_num_queries(12):
        response = client.get("/console/calendar/?year=2026")
    assert response.status_code == 200
    body = text_of(response)
    assert "2026年工作日日历" in body
    assert "2026年放假安排已确定" in body
    assert "day--holiday" in day_class(body, dt.date(2026, 1, 1))  # New Year's Day, a Thursday
    assert "day--workday" in day_class(body, dt.date(2026, 1, 5))
    assert "day--weekend" in day_class(body, dt.date(2026, 1, 10))
    makeup = CalendarDay.objects.filter(date__year=2026, is_working_day=True).first()
    assert "day--makeup" in day_class(body, makeup.date)
    assert body.count('class="month"') == 12
    # Data staff read the calendar; only the authority enters it.
    assert 'name="holidays"' not in body


def test_calendar_of_an_unknown_year_is_provisional(login, city):
    year = first_unknown_year()
    body = text_of(login(city.analyst).get(f"/console/calendar/?year={year}"))
    assert f"{year}年放假安排尚未公布：暂定" in body
    monday = weekday_in(year, 10, 0)
    assert "day--workday" in day_class(body, monday)


def test_calendar_rejects_a_year_it_cannot_show(login, city):
    response = login(city.analyst).get("/console/calendar/?year=abc")
    assert response.status_code == 422
    assert "请选择1990年至2200年之间的年份" in text_of(response)
    assert login(city.analyst).get("/console/calendar/?year=1800").status_code == 422


def test_calendar_renders_in_english(login, city):
    client = login(city.authority_admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = text_of(client.get("/console/calendar/?year=2026"))
    assert "Working-day calendar 2026" in body
    assert "January" in body and "Make-up working day" in body
    assert "Enter the holiday notice of 2026" in body


def _notice(year: int) -> dict[str, str]:
    saturday = weekday_in(year, 9, 5)
    return {
        "year": str(year),
        "notice": f"国办发明电〔{year - 1}〕7号",
        "holidays": f"{year}-01-01, {year}-10-01~{year}-10-07",
        "workdays": saturday.isoformat(),
    }


def test_authority_enters_a_year(login, city):
    year = first_unknown_year()
    client = login(city.authority_admin)
    body = text_of(client.get(f"/console/calendar/?year={year}"))
    assert 'name="holidays"' in body  # the form is offered
    response = client.post(f"/console/calendar/?year={year}", _notice(year))
    assert response.status_code == 302
    assert response["Location"] == f"/console/calendar/?year={year}"
    entry = CalendarYear.objects.get(year=year)
    assert entry.notice == f"国办发明电〔{year - 1}〕7号"
    assert AuditEntry.objects.filter(action="core.calendar.set_year", object_id=str(year)).exists()
    body = text_of(client.get(response["Location"]))
    assert f"{year}年日历已录入" in body
    assert f"{year}年放假安排已确定" in body
    october_weekday = next(
        dt.date(year, 10, d) for d in range(1, 8) if dt.date(year, 10, d).weekday() < 5
    )
    assert "day--holiday" in day_class(body, october_weekday)
    assert "day--makeup" in day_class(body, weekday_in(year, 9, 5))


def test_data_staff_cannot_enter_a_year(login, city):
    year = first_unknown_year()
    before = AuditEntry.objects.count()
    response = login(city.steward).post(f"/console/calendar/?year={year}", _notice(year))
    assert response.status_code == 403
    assert "工作日日历由市数据主管机构维护" in text_of(response)
    assert not CalendarYear.objects.filter(year=year).exists()
    assert AuditEntry.objects.count() == before


def test_anonymous_cannot_enter_a_year(client, city):
    year = first_unknown_year()
    response = client.post(f"/console/calendar/?year={year}", _notice(year))
    assert response.status_code == 302
    assert not CalendarYear.objects.filter(year=year).exists()


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ("{y}-10-01", "{y}-10-01", "同一天不能既是节假日又是调休上班日"),
        ("{y}-13-01", "", "不是有效日期"),
        ("{y}-10-07~{y}-10-01", "", "日期区间无效"),
        ("{next}-01-01", "", "所有日期都必须在所录入的年份之内"),
    ],
)
def test_a_bad_notice_writes_nothing(login, city, holidays, workdays, message):
    year = first_unknown_year()
    before = AuditEntry.objects.count()
    data = {
        "year": str(year),
        "notice": "x",
        "holidays": holidays.format(y=year, next=year + 1),
        "workdays": workdays.format(y=year, next=year + 1),
    }
    response = login(city.authority_admin).post(f"/console/calendar/?year={year}", data)
    assert response.status_code == 422
    body = text_of(response)
    assert message in body
    assert 'name="holidays"' in body  # the form comes back to be corrected
    assert not CalendarYear.objects.filter(year=year).exists()
    assert not CalendarDay.objects.filter(date__year=year).exists()
    assert AuditEntry.objects.count() == before


# --- Audit trail --------------------------------------------------------------------------------------


def test_audit_needs_login(client, db):
    response = client.get("/console/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("who", ["analyst", "steward", "authority_admin"])
def test_audit_is_refused_to_non_auditors(login, city, who):
    response = login(getattr(city, who)).get("/console/audit/")
    assert response.status_code == 403
    body = text_of(response)
    assert "审计日志仅向审计人员开放" in body
    assert "orgs.person.create" not in body


def test_audit_is_refused_to_public_users(login, citizen):
    assert login(citizen).get("/console/audit/").status_code == 403


def test_auditor_sees_entries_and_a_whole_chain(login, city):
    response = login(city.auditor).get("/console/audit/")
    assert response.status_code == 200
    body = text_of(response)
    assert "banner--ok" in body and "审计链完整" in body
    assert "orgs.person.create" in body and "平台管理员 (admin)" in body
    newest = AuditEntry.objects.order_by("-id").first()
    assert body.index(f">{newest.pk}<") < body.index("orgs.organisation.create")


def test_audit_filters_by_action_and_object(login, city):
    client = login(city.auditor)
    body = text_of(client.get("/console/audit/?action=orgs.role"))
    assert "orgs.role.grant" in body and "orgs.organisation.create" not in body
    body = text_of(
        client.get(f"/console/audit/?object_type=person&object_id={city.analyst.pk}&action=")
    )
    assert "orgs.person.create" in body and "orgs.organisation.create" not in body
    body = text_of(client.get("/console/audit/?action=no.such.action"))
    assert "没有符合条件的记录" in body


def test_audit_pages_through_entries(login, city, django_assert_max_num_queries):
    for i in range(60):
        audit.record(actor=city.actor(city.admin), action="test.page", object_id=i)
    client = login(city.auditor)
    first = text_of(client.get("/console/audit/?action=test.page"))
    assert "共60条记录" in first and "第1页，共2页" in first
    assert "page=2" in first
    # htmx asks for the results only: no layout and no walk of the chain.
    with django_assert_max_num_queries(10):
        response = client.get(
            "/console/audit/?action=test.page&page=2",
            headers={"HX-Request": "true", "HX-Target": "audit-results"},
        )
    second = text_of(response)
    assert "<html" not in second and "banner" not in second
    assert "第2页，共2页" in second
    assert second.count("<code>test.page</code>") == 10


def test_audit_shows_a_broken_chain_in_red(login, city):
    victim = AuditEntry.objects.filter(action="orgs.person.create").order_by("id").first()
    with behind_the_back() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET actor_label = %s WHERE id = %s", ["冒名者", victim.pk]
        )
    response = login(city.auditor).get("/console/audit/")
    assert response.status_code == 200
    body = text_of(response)
    assert "banner--error" in body and "审计链校验未通过" in body
    assert f"entry {victim.pk}" in body


def test_a_recent_verification_is_shown_until_the_auditor_asks_for_a_new_one(login, city):
    client = login(city.auditor)
    assert "banner--ok" in text_of(client.get("/console/audit/"))
    victim = AuditEntry.objects.filter(action="orgs.person.create").order_by("id").first()
    with behind_the_back() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'x' WHERE id = %s", [victim.pk])
    assert "banner--ok" in text_of(client.get("/console/audit/"))  # the walk of a moment ago
    assert "banner--error" in text_of(client.get("/console/audit/?verify=1"))


def test_audit_renders_in_english(login, city):
    client = login(city.auditor)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = text_of(client.get("/console/audit/"))
    assert "The audit chain is whole." in body and "Audit trail" in body


def test_audit_rejects_overlong_filters(login, city):
    response = login(city.auditor).get("/console/audit/?action=" + "x" * 200)
    assert response.status_code == 422


# --- Admin ---------------------------------------------------------------------------------------------------


def test_platform_admin_opens_every_admin_list(login, city):
    client = login(city.admin)
    assert client.get("/admin/").status_code == 200
    for model in [
        "core/auditentry",
        "core/auditseal",
        "core/transitionrecord",
        "core/calendaryear",
        "core/calendarday",
        "orgs/organisation",
        "orgs/person",
        "orgs/roleassignment",
        "orgs/systemaccount",
        "orgs/apikey",
        "orgs/accountrequest",
    ]:
        assert client.get(f"/admin/{model}/").status_code == 200, model


def test_audit_tables_are_read_only_in_the_admin(login, city):
    client = login(city.admin)
    entry = AuditEntry.objects.order_by("id").first()
    assert client.get("/admin/core/auditentry/add/").status_code == 403
    view = client.get(f"/admin/core/auditentry/{entry.pk}/change/")
    assert view.status_code == 200
    assert 'name="_save"' not in text_of(view)
    assert client.post(f"/admin/core/auditentry/{entry.pk}/change/", {}).status_code == 403
    assert client.get(f"/admin/core/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_admin_change_of_an_organisation_is_audited(login, city):
    client = login(city.admin)
    org = city.department
    response = client.post(
        f"/admin/orgs/organisation/{org.pk}/change/",
        {
            "name": "示范市民政局（更名）",
            "short_name": "民政",
            "is_active": "on",
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, text_of(response)[:3000]
    assert Organisation.objects.get(pk=org.pk).name == "示范市民政局（更名）"
    entry = AuditEntry.objects.get(action="orgs.organisation.admin_change")
    assert entry.details["name"] == "示范市民政局（更名）"
    assert audit.verify().ok


def test_staff_without_admin_right_cannot_open_the_admin(city):
    client = Client()
    client.force_login(city.steward)
    response = client.get("/admin/")
    assert response.status_code == 302


def test_chinese_is_the_default_whatever_the_browser_asks(client):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response["Content-Language"] == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.get("/")["Content-Language"] == "en"


def test_api_errors_speak_the_platform_language(db, client):
    body = client.get("/api/v1/me").json()
    assert body["error"] == {
        "code": "unauthenticated",
        "message": "需要身份认证：请提供API密钥或登录会话。",
        "fields": {},
    }
    bad = client.get("/api/v1/calendar/days", {"start": "2026-01-01", "end": "2028-01-01"}).json()
    assert bad["error"]["message"] == "结束日期须晚于开始日期，且相隔不超过400天"


def test_the_platform_admin_keeps_the_calendar_in_the_admin(login, city):
    from govdata.core import calendar as cal

    client = login(city.admin)
    day = dt.date(2027, 10, 1)  # a Friday of a year the calendar does not know yet
    response = client.post(
        "/admin/core/calendarday/add/",
        {"date": "2027-10-01", "is_working_day": "", "name": "国庆节"},
    )
    assert response.status_code == 302, response.content[:500]
    assert not cal.is_working_day(day)
    assert AuditEntry.objects.filter(
        action="core.calendar.set_day", object_id="2027-10-01"
    ).exists()
    response = client.post(
        "/admin/core/calendaryear/add/", {"year": "2027", "notice": "国办发明电〔2026〕9号"}
    )
    assert response.status_code == 302, response.content[:500]
    year = CalendarYear.objects.get(year=2027)
    assert year.source == "notice" and cal.is_known_year(2027) and not cal.is_working_day(day)
    # deleting the day puts it back to its weekday rule, through the service again
    client.post("/admin/core/calendarday/2027-10-01/delete/", {"post": "yes"})
    assert cal.is_working_day(day)


def test_the_calendar_cannot_be_written_in_the_admin_by_others(login, city):
    staff = city.steward
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    response = login(staff).post(
        "/admin/core/calendarday/add/", {"date": "2027-10-01", "name": "x"}
    )
    assert response.status_code == 403
    assert not CalendarDay.objects.filter(date="2027-10-01").exists()
