"""The server-rendered pages of the portal entry, login, registration and the console's
organisation pages.

Every console page is declared once in PAGES and every form post once in ACTIONS; shared tests
give each the anonymous / forbidden / allowed checks, and check that a refused post writes nothing
and an allowed one writes its audit entry."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from govdata.core.identifiers import ric_with_check, uscc_with_check
from govdata.core.models import AuditEntry, TransitionRecord
from govdata.orgs import services
from govdata.orgs.choices import PersonKind, Role
from govdata.orgs.models import (
    AccountRequest,
    ApiKey,
    Organisation,
    Person,
    RoleAssignment,
    SystemAccount,
)
from govdata.orgs.testing import TEST_PASSWORD, fake_uscc, make_org

pytestmark = pytest.mark.django_db

KEY_RE = re.compile(r"gd_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}")
PASSWORD_RE = re.compile(r'id="initial-password"[^>]*value="([^"]+)"')


# --- Declarations -----------------------------------------------------------------------------------


@dataclass
class Page:
    """A console page: who may open it, and what a person who may not gets."""

    name: str
    path: Callable[[dict[str, Any]], str]
    allowed: str  # attribute of the city fixture
    forbidden: str | None = None  # attribute of the city fixture, or "citizen"
    forbidden_status: int = 404
    expect: str = ""  # text the allowed person sees (in Chinese, the default language)

    def __str__(self) -> str:
        return self.name


@dataclass
class Action:
    """A form post of a console page, with who may make it and what it records."""

    name: str
    path: Callable[[dict[str, Any]], str]
    data: Callable[[dict[str, Any]], dict[str, Any]]
    allowed: str
    forbidden: str
    audit_action: str
    forbidden_status: int = 404
    ok_status: tuple[int, ...] = (302,)
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def person_of(context: dict[str, Any], who: str) -> Person:
    return context["citizen"] if who == "citizen" else getattr(context["city"], who)


def client_for(context: dict[str, Any], who: str) -> Client:
    client = Client()
    client.force_login(person_of(context, who))
    return client


def text_of(response) -> str:
    return response.content.decode()


# --- Context of the tests ----------------------------------------------------------------------------


def ask_new_account(city, username: str = "newcomer") -> AccountRequest:
    """The department's steward asks the city data authority for a new account (ORG-4)."""
    return services.check_submit_account_request(
        actor=city.actor(city.steward),
        organisation=city.department,
        kind="create",
        reason="新入职的数据业务人员",
        username=username,
        full_name="新同事",
        roles=[Role.DATA_STAFF],
    )


@pytest.fixture
def context(context) -> dict:
    """The shared context, with an account request of the department waiting for an answer."""
    return {**context, "account_request": ask_new_account(context["city"])}


PAGES = [
    Page("console home", lambda c: "/console/", allowed="analyst", expect="我的待办"),
    Page(
        "organisation tree",
        lambda c: "/console/organisations/",
        allowed="analyst",
        forbidden="citizen",
        forbidden_status=403,
        expect="示范市民政局",
    ),
    Page(
        "organisation detail",
        lambda c: f"/console/organisations/{c['city'].department.pk}/",
        allowed="steward",
        forbidden="analyst",
        expect="王管理",
    ),
    Page(
        "organisation systems",
        lambda c: f"/console/organisations/{c['city'].department.pk}/systems/",
        allowed="steward",
        forbidden="outsider",
        expect="民政业务系统",
    ),
    Page(
        "system detail",
        lambda c: f"/console/systems/{c['system'].pk}/",
        allowed="steward",
        forbidden="outsider",
        expect="counter",
    ),
    Page(
        "account requests",
        lambda c: "/console/account-requests/",
        allowed="authority_admin",
        forbidden="citizen",
        forbidden_status=403,
        expect="newcomer",
    ),
    Page(
        "account request detail",
        lambda c: f"/console/account-requests/{c['account_request'].pk}/",
        allowed="authority_admin",
        forbidden="outsider",
        expect="新入职的数据业务人员",
    ),
    Page(
        "system detail (public user)",
        lambda c: f"/console/systems/{c['system'].pk}/",
        allowed="authority_admin",
        forbidden="citizen",
        forbidden_status=403,
        expect="民政业务系统",
    ),
]

ACTIONS = [
    Action(
        "create staff",
        lambda c: f"/console/organisations/{c['city'].department.pk}/people/",
        lambda c: {
            "username": "newbie",
            "full_name": "新同事",
            "password": TEST_PASSWORD,
            "roles": ["data_staff"],
        },
        allowed="steward",
        forbidden="outsider",
        audit_action="orgs.person.create",
    ),
    Action(
        "assign role",
        lambda c: f"/console/organisations/{c['city'].department.pk}/roles/",
        lambda c: {"username": "analyst", "role": "org_admin"},
        allowed="steward",
        forbidden="analyst",
        audit_action="orgs.role.grant",
    ),
    Action(
        "revoke role",
        lambda c: (
            f"/console/organisations/{c['city'].department.pk}/roles/{c['assignment'].pk}/revoke/"
        ),
        lambda c: {},
        allowed="steward",
        forbidden="outsider",
        audit_action="orgs.role.revoke",
    ),
    Action(
        "add child organisation",
        lambda c: f"/console/organisations/{c['city'].department.pk}/children/",
        lambda c: {
            "name": "示范市社会救助服务中心",
            "kind": "public_service",
            "level": "city",
            "division_code": "990100",
        },
        allowed="authority_admin",
        forbidden="outsider",
        audit_action="orgs.organisation.create",
    ),
    Action(
        "file account request",
        lambda c: f"/console/organisations/{c['city'].department.pk}/account-requests/",
        lambda c: {
            "kind": "create",
            "username": "trainee",
            "full_name": "见习生",
            "roles": ["data_staff"],
            "reason": "新入职",
        },
        allowed="steward",
        forbidden="outsider",
        audit_action="orgs.account_request.submit",
    ),
    Action(
        "approve account request",
        lambda c: f"/console/account-requests/{c['account_request'].pk}/approve/",
        lambda c: {"comment": ""},
        allowed="authority_admin",
        forbidden="outsider",
        audit_action="orgs.account_request.approve",
        ok_status=(200,),
    ),
    Action(
        "reject account request",
        lambda c: f"/console/account-requests/{c['account_request'].pk}/reject/",
        lambda c: {"comment": "编制未核定"},
        allowed="authority_admin",
        forbidden="outsider",
        audit_action="orgs.account_request.reject",
    ),
    Action(
        "withdraw account request",
        lambda c: f"/console/account-requests/{c['account_request'].pk}/withdraw/",
        lambda c: {},
        allowed="steward",
        forbidden="outsider",
        audit_action="orgs.account_request.withdraw",
    ),
    Action(
        "register system account",
        lambda c: f"/console/organisations/{c['city'].department.pk}/systems/",
        lambda c: {"name": "救助审批系统", "description": "审批"},
        allowed="steward",
        forbidden="outsider",
        audit_action="orgs.system_account.create",
    ),
    Action(
        "issue key",
        lambda c: f"/console/systems/{c['system'].pk}/keys/",
        lambda c: {"label": "backup server", "allowed_ips": "10.0.0.0/8"},
        allowed="steward",
        forbidden="outsider",
        audit_action="orgs.api_key.issue",
        ok_status=(200,),
    ),
    Action(
        "revoke key",
        lambda c: f"/console/systems/{c['system'].pk}/keys/{c['key'].pk}/revoke/",
        lambda c: {},
        allowed="steward",
        forbidden="outsider",
        audit_action="orgs.api_key.revoke",
    ),
    Action(
        "switch system off",
        lambda c: f"/console/systems/{c['system'].pk}/deactivate/",
        lambda c: {},
        allowed="authority_admin",
        forbidden="analyst",
        audit_action="orgs.system_account.deactivate",
    ),
]


# --- Shared checks --------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_anonymous_is_sent_to_login(client, context, page):
    path = page.path(context)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_allowed_person_sees_page_in_both_languages(context, page):
    client = client_for(context, page.allowed)
    response = client.get(page.path(context))
    assert response.status_code == 200
    assert page.expect in text_of(response)
    assert 'lang="zh-Hans"' in text_of(response)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(page.path(context))
    assert response.status_code == 200
    assert '<html lang="en">' in text_of(response)


@pytest.mark.parametrize("page", [p for p in PAGES if p.forbidden], ids=str)
def test_forbidden_person_gets_no_page(context, page):
    response = client_for(context, page.forbidden).get(page.path(context))
    assert response.status_code == page.forbidden_status
    assert page.expect not in text_of(response)


@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_anonymous_post_writes_nothing(client, context, action):
    before = AuditEntry.objects.count()
    response = client.post(action.path(context), action.data(context))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_forbidden_post_writes_nothing(context, action):
    before = AuditEntry.objects.count()
    response = client_for(context, action.forbidden).post(
        action.path(context), action.data(context)
    )
    assert response.status_code == action.forbidden_status
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_public_user_post_writes_nothing(context, action):
    before = AuditEntry.objects.count()
    response = client_for(context, "citizen").post(action.path(context), action.data(context))
    assert response.status_code == 403
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_allowed_post_writes_with_audit_entry(context, action):
    before = AuditEntry.objects.count()
    response = client_for(context, action.allowed).post(action.path(context), action.data(context))
    assert response.status_code in action.ok_status, text_of(response)[:2000]
    assert AuditEntry.objects.filter(pk__gt=0).count() > before
    assert AuditEntry.objects.order_by("-id").filter(action=action.audit_action).exists()


def test_get_is_refused_on_post_only_addresses(context):
    client = client_for(context, "steward")
    department = context["city"].department
    assert client.get(f"/console/organisations/{department.pk}/people/").status_code == 405
    assert client.get(f"/console/systems/{context['system'].pk}/deactivate/").status_code == 405
    assert client.get(f"/console/organisations/{department.pk}/children/").status_code == 405
    path = f"/console/account-requests/{context['account_request'].pk}/approve/"
    assert client.get(path).status_code == 405


def test_missing_objects_answer_404_like_forbidden_ones(context):
    client = client_for(context, "admin")
    assert client.get("/console/organisations/999999/").status_code == 404
    assert client.get("/console/systems/999999/").status_code == 404
    assert client.get("/console/systems/" + "9" * 40 + "/").status_code == 404
    assert client.get("/console/account-requests/999999/").status_code == 404
    assert client.post("/console/account-requests/999999/approve/").status_code == 404
    response = client.post(
        f"/console/organisations/{context['city'].department.pk}/roles/999999/revoke/"
    )
    assert response.status_code == 404


# --- Portal and language ------------------------------------------------------------------------------


def test_portal_home_is_public_and_chinese_by_default(client, db):
    response = client.get("/")
    assert response.status_code == 200
    body = text_of(response)
    assert "城市政务数据平台" in body
    assert 'href="/login/"' in body and 'href="/register/"' in body
    assert "/static/dist/app.css" in body and "/static/dist/htmx.min.js" in body
    assert "://cdn" not in body and "https://" not in body


def test_language_switch_after_a_refused_post_returns_to_the_page(login, city):
    client = login(city.steward)
    path = f"/console/organisations/{city.department.pk}/"
    response = client.post(f"{path}people/", {"username": ""})
    assert response.status_code == 422
    assert f'name="next" value="{path}"' in text_of(response)


def test_language_switch_changes_the_page_language(client, db):
    assert "欢迎访问" in text_of(client.get("/"))
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = text_of(client.get("/"))
    assert "City Government Data Platform" in body
    assert "Welcome." in body
    assert "欢迎访问" not in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "欢迎访问" in text_of(client.get("/"))


def test_every_page_links_only_local_assets(context):
    client = client_for(context, "admin")
    for path in ["/", "/console/", "/console/organisations/", "/console/calendar/"]:
        body = text_of(client.get(path))
        for url in re.findall(r'(?:src|href)="([^"]+)"', body):
            assert not url.startswith(("http://", "https://", "//")), (path, url)


# --- Login and logout -------------------------------------------------------------------------------------


def test_login_page_renders(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录" in text_of(response)
    assert 'name="csrfmiddlewaretoken"' in text_of(response)


def test_login_redirects_to_console_home(client, city):
    response = client.post("/login/", {"username": "analyst", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    assert "李数据" in text_of(client.get("/console/"))


def test_login_follows_a_safe_next_only(client, city):
    response = client.post(
        "/login/",
        {"username": "analyst", "password": TEST_PASSWORD, "next": "/console/calendar/"},
    )
    assert response["Location"] == "/console/calendar/"
    other = Client()
    response = other.post(
        "/login/",
        {"username": "analyst", "password": TEST_PASSWORD, "next": "https://evil.example/x"},
    )
    assert response["Location"] == "/console/"


def test_wrong_password_is_refused_with_a_message(client, city):
    response = client.post("/login/", {"username": "analyst", "password": "wrong-password-1"})
    assert response.status_code == 401
    assert "用户名或密码错误" in text_of(response)
    assert "_auth_user_id" not in client.session


def test_empty_login_form_is_refused(client, db):
    response = client.post("/login/", {"username": "", "password": ""})
    assert response.status_code == 422
    assert "请输入用户名和密码" in text_of(response)


def test_login_locks_after_repeated_failures(client, city, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        response = client.post("/login/", {"username": "analyst", "password": "wrong-password-1"})
        assert response.status_code == 401
    response = client.post("/login/", {"username": "analyst", "password": TEST_PASSWORD})
    assert response.status_code == 401
    assert "账号已锁定" in text_of(response)
    assert "_auth_user_id" not in client.session
    city.analyst.refresh_from_db()
    assert city.analyst.locked_until is not None and city.analyst.locked_until > timezone.now()


def test_lock_message_in_english(client, city, settings):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post("/login/", {"username": "analyst", "password": "wrong-password-1"})
    response = client.post("/login/", {"username": "analyst", "password": TEST_PASSWORD})
    assert "the account is locked until" in text_of(response)


def test_logout_needs_post_and_ends_the_session(login, city):
    client = login(city.analyst)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/console/").status_code == 302


def test_login_page_enforces_csrf(city):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "analyst", "password": TEST_PASSWORD})
    assert response.status_code == 403
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text_of(page)).group(1)
    response = client.post(
        "/login/",
        {"username": "analyst", "password": TEST_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


# --- Registration -------------------------------------------------------------------------------------------


def _registration(**overrides: str) -> dict[str, str]:
    data = {
        "public_type": "natural_person",
        "full_name": "林公民",
        "id_number": ric_with_check("11010519850101123"),
        "username": "lin",
        "password": TEST_PASSWORD,
        "password_again": TEST_PASSWORD,
        "email": "lin@example.cn",
        "phone": "13800000000",
    }
    data.update(overrides)
    return data


def test_register_page_renders(client, db):
    response = client.get("/register/")
    assert response.status_code == 200
    assert "居民身份证号码" in text_of(response)


def test_registration_creates_a_public_user_and_logs_in(client, db):
    response = client.post("/register/", _registration())
    assert response.status_code == 302 and response["Location"] == "/console/"
    person = Person.objects.get(username="lin")
    assert person.kind == PersonKind.PUBLIC
    assert AuditEntry.objects.filter(action="orgs.public_user.register").count() == 1
    body = text_of(client.get("/console/"))
    assert "我的账号" in body and "自然人" in body
    assert person.id_number not in body  # shown masked only


def test_registration_of_a_legal_person_with_credit_code(client, db):
    data = _registration(
        public_type="legal_person",
        full_name="示范科技有限公司",
        id_number=uscc_with_check("91110105MA0123456"),
    )
    response = client.post("/register/", data)
    assert response.status_code == 302
    assert Person.objects.get(username="lin").public_type == "legal_person"


def test_registration_with_invalid_credit_code_writes_nothing(client, db):
    bad = fake_uscc("110105", 6)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    response = client.post(
        "/register/", _registration(public_type="legal_person", id_number=bad, username="co")
    )
    assert response.status_code == 422
    body = text_of(response)
    assert "代码无效" in body
    assert "校验码不符" in body  # the finding, translated, on the field
    assert not Person.objects.filter(username="co").exists()


def test_registration_with_invalid_id_number_writes_nothing(client, db):
    good = ric_with_check("11010519850101123")
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    response = client.post("/register/", _registration(id_number=bad))
    assert response.status_code == 422
    assert not Person.objects.filter(username="lin").exists()


def test_registration_with_weak_password_writes_nothing(client, db):
    response = client.post("/register/", _registration(password="12345", password_again="12345"))
    assert response.status_code == 422
    assert "密码强度不足" in text_of(response)
    assert not Person.objects.filter(username="lin").exists()


def test_registration_with_differing_passwords_writes_nothing(client, db):
    response = client.post("/register/", _registration(password_again="Other-pass-2026!"))
    assert response.status_code == 422
    assert "两次输入的密码不一致" in text_of(response)
    assert not Person.objects.exists()


def test_registration_with_taken_user_name_writes_nothing(client, citizen):
    count = Person.objects.count()
    response = client.post("/register/", _registration(username="citizen"))
    assert response.status_code == 422
    assert "该用户名已被使用" in text_of(response)
    assert Person.objects.count() == count


def test_registration_with_registered_identity_writes_nothing(client, citizen):
    response = client.post("/register/", _registration(id_number=citizen.id_number))
    assert response.status_code == 422
    assert "该证件号码已注册" in text_of(response)
    assert not Person.objects.filter(username="lin").exists()


# --- Console home ----------------------------------------------------------------------------------------------


def test_console_home_lists_roles_and_links(login, city):
    body = text_of(login(city.steward).get("/console/"))
    assert "王管理" in body
    assert "示范市民政局" in body and "首席数据官" in body
    assert f"/console/organisations/{city.department.pk}/systems/" in body
    assert "/console/audit/" not in body


def test_console_home_of_data_staff_has_no_management_links(login, city):
    body = text_of(login(city.analyst).get("/console/"))
    assert "数据业务人员" in body
    assert f"/console/organisations/{city.department.pk}/systems/" not in body


def test_console_home_offers_audit_to_auditors(login, city):
    assert "/console/audit/" in text_of(login(city.auditor).get("/console/"))


def test_console_home_of_public_user_is_account_page(login, citizen):
    response = login(citizen).get("/console/")
    assert response.status_code == 200
    body = text_of(response)
    assert "我的账号" in body and "陈市民" in body
    assert "我的待办" not in body
    assert "/console/organisations/" not in body


def test_console_home_shows_open_tasks_with_deadlines(login, city, django_assert_max_num_queries):
    from govdata.core.tests.workflow_app.models import Ticket

    today = timezone.localdate()
    Ticket.objects.create(
        title="逾期的工单",
        organisation_id=city.department.pk,
        status="submitted",
        due_on=today - dt.timedelta(days=3),
    )
    Ticket.objects.create(
        title="暂定期限的工单",
        organisation_id=city.department.pk,
        status="submitted",
        due_on=today + dt.timedelta(days=30),
        due_provisional=True,
    )
    client = login(city.reviewer)
    with django_assert_max_num_queries(12):
        response = client.get("/console/")
    body = text_of(response)
    assert "逾期的工单" in body and "暂定期限的工单" in body
    assert "row--overdue" in body and "已逾期" in body
    assert "暂定" in body
    assert (today - dt.timedelta(days=3)).isoformat() in body
    assert body.index("逾期的工单") < body.index("暂定期限的工单")  # soonest first
    assert "1项逾期" in body


# --- Organisation tree -------------------------------------------------------------------------------------------


def test_organisation_tree_nests_children_and_links_managed(login, city):
    body = text_of(login(city.steward).get("/console/organisations/"))
    assert body.index("示范市人民政府") < body.index("示范市民政局")
    assert body.index("示范市东县人民政府") < body.index("东县民政局")
    assert f'href="/console/organisations/{city.department.pk}/"' in body
    assert f'href="/console/organisations/{city.other_department.pk}/"' not in body
    assert city.department.uscc in body and "990121" in body
    assert "数据主管机构" in body and "县（区）级" in body


def test_organisation_tree_query_count_does_not_grow(login, city, django_assert_max_num_queries):
    client = login(city.authority_admin)
    with django_assert_max_num_queries(8):
        client.get("/console/organisations/")
    actor = city.actor(city.admin)
    for i in range(15):
        make_org(actor, f"示范市第{i}局", parent=city.root, division_code="990100")
    with django_assert_max_num_queries(8):
        response = client.get("/console/organisations/")
    assert "示范市第14局" in text_of(response)


# --- People and roles ----------------------------------------------------------------------------------------------


def test_organisation_page_lists_people_with_roles(login, city, django_assert_max_num_queries):
    client = login(city.steward)
    actor = city.actor(city.steward)
    for i in range(8):
        services.check_create_staff(
            actor=actor,
            organisation=city.department,
            username=f"staff{i}",
            full_name=f"员工{i}",
            password=TEST_PASSWORD,
            roles=[Role.DATA_STAFF, Role.ORG_ADMIN],
        )
    with django_assert_max_num_queries(10):
        response = client.get(f"/console/organisations/{city.department.pk}/")
    body = text_of(response)
    assert "王管理" in body and "李数据" in body and "员工7" in body
    assert "单位管理员" in body
    # A department offers no reviewer role; the platform admin role is the platform admin's.
    assert 'value="reviewer"' not in body and 'value="platform_admin"' not in body


def test_create_staff_with_roles(login, city):
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/people/",
        {
            "username": "newbie",
            "full_name": "新同事",
            "password": TEST_PASSWORD,
            "roles": ["data_staff", "org_admin"],
            "email": "newbie@example.cn",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "账号 newbie 已创建" in text_of(response)
    person = Person.objects.get(username="newbie")
    assert set(person.roles.values_list("role", flat=True)) == {"data_staff", "org_admin"}


def test_create_staff_with_taken_user_name_writes_nothing(login, city):
    before = (Person.objects.count(), AuditEntry.objects.count())
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/people/",
        {
            "username": "analyst",
            "full_name": "重名",
            "password": TEST_PASSWORD,
            "roles": ["data_staff"],
        },
    )
    assert response.status_code == 422
    body = text_of(response)
    assert "该用户名已被使用" in body
    assert 'value="重名"' in body  # the form comes back filled in
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


def test_create_staff_with_weak_password_writes_nothing(login, city):
    before = Person.objects.count()
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/people/",
        {
            "username": "weak",
            "full_name": "弱密码",
            "password": "12345678",
            "roles": ["data_staff"],
        },
    )
    assert response.status_code == 422
    assert "密码强度不足" in text_of(response)
    assert Person.objects.count() == before


def test_create_staff_without_role_writes_nothing(login, city):
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/people/",
        {"username": "norole", "full_name": "无角色", "password": TEST_PASSWORD},
    )
    assert response.status_code == 422
    assert not Person.objects.filter(username="norole").exists()


def test_grant_role_to_unknown_user_name_writes_nothing(login, city):
    before = RoleAssignment.objects.count()
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/roles/",
        {"username": "nobody", "role": "data_staff"},
    )
    assert response.status_code == 422
    assert "没有使用该用户名的工作人员" in text_of(response)
    assert RoleAssignment.objects.count() == before


def test_grant_role_to_public_user_writes_nothing(login, city, citizen):
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/roles/",
        {"username": "citizen", "role": "data_staff"},
    )
    assert response.status_code == 422
    assert not RoleAssignment.objects.filter(person=citizen).exists()


def test_grant_role_shows_success(login, city):
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/roles/",
        {"username": "outsider", "role": "data_staff"},
        follow=True,
    )
    assert "已授予吴外人“数据业务人员”角色" in text_of(response)
    assert RoleAssignment.objects.filter(
        person=city.outsider, organisation=city.department
    ).exists()


def test_revoke_platform_admin_role_is_refused_for_area_manager(login, city):
    RoleAssignment.objects.create(
        person=city.analyst, organisation=city.department, role=Role.PLATFORM_ADMIN
    )
    assignment = RoleAssignment.objects.get(person=city.analyst, role=Role.PLATFORM_ADMIN)
    before = AuditEntry.objects.count()
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/roles/{assignment.pk}/revoke/"
    )
    assert response.status_code == 403
    assert "该角色只能由平台管理员撤销" in text_of(response)
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.count() == before


def test_revoke_role_of_another_organisation_is_404(login, city):
    foreign = RoleAssignment.objects.get(person=city.outsider)
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/roles/{foreign.pk}/revoke/"
    )
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=foreign.pk).exists()


# --- System accounts and keys ------------------------------------------------------------------------------------


def test_systems_page_lists_systems_with_key_counts(
    login, city, context, django_assert_max_num_queries
):
    actor = city.actor(city.steward)
    for i in range(6):
        system = services.check_create_system_account(
            actor=actor, organisation=city.department, name=f"系统{i}"
        )
        services.do_issue_api_key(actor=actor, system=system)
    client = login(city.steward)
    with django_assert_max_num_queries(8):
        response = client.get(f"/console/organisations/{city.department.pk}/systems/")
    body = text_of(response)
    assert "民政业务系统" in body and "系统5" in body
    assert "1 / 1" in body


def test_register_system_account_leads_to_its_page(login, city):
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/systems/",
        {"name": "低保审批系统", "description": "低保业务"},
    )
    system = SystemAccount.objects.get(name="低保审批系统")
    assert response.status_code == 302
    assert response["Location"] == f"/console/systems/{system.pk}/"


def test_register_system_account_with_taken_name_writes_nothing(login, context):
    city = context["city"]
    before = SystemAccount.objects.count()
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/systems/", {"name": "民政业务系统"}
    )
    assert response.status_code == 422
    assert "本机构已有同名系统" in text_of(response)
    assert SystemAccount.objects.count() == before


def test_register_system_account_without_name_writes_nothing(login, city):
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/systems/", {"name": ""}
    )
    assert response.status_code == 422
    assert not SystemAccount.objects.exists()


def test_key_is_shown_once(login, context):
    system = context["system"]
    client = login(context["city"].steward)
    response = client.post(
        f"/console/systems/{system.pk}/keys/",
        {"label": "交换前置机", "valid_until": "", "allowed_ips": "10.1.2.0/24\n192.168.1.7"},
    )
    assert response.status_code == 200
    body = text_of(response)
    full_key = KEY_RE.search(body).group(0)
    key = ApiKey.objects.get(label="交换前置机")
    assert full_key.startswith(f"gd_{key.prefix}_")
    assert "仅显示这一次" in body
    assert "no-store" in response["Cache-Control"]
    assert key.allowed_ips == ["10.1.2.0/24", "192.168.1.7/32"]
    # Not kept anywhere on the way: neither in the session nor in a later page.
    assert full_key not in str(dict(client.session))
    again = text_of(client.get(f"/console/systems/{system.pk}/"))
    assert full_key not in again
    assert f"gd_{key.prefix}_…" in again
    assert KEY_RE.search(again) is None
    # The address the key was issued at only leads back to the page.
    assert client.get(f"/console/systems/{system.pk}/keys/").status_code == 302


def test_issued_key_works_on_the_api(login, context):
    client = login(context["city"].steward)
    response = client.post(f"/console/systems/{context['system'].pk}/keys/", {"label": "api"})
    full_key = KEY_RE.search(text_of(response)).group(0)
    answer = Client().get("/api/v1/me", headers={"X-API-Key": full_key})
    assert answer.status_code == 200
    assert answer.json()["system"]["name"] == "民政业务系统"


def test_issue_key_with_bad_address_writes_nothing(login, context):
    before = ApiKey.objects.count()
    response = login(context["city"].steward).post(
        f"/console/systems/{context['system'].pk}/keys/",
        {"label": "x", "allowed_ips": "10.0.0.300"},
    )
    assert response.status_code == 422
    body = text_of(response)
    assert "不是有效的地址或网段" in body
    assert KEY_RE.search(body) is None
    assert ApiKey.objects.count() == before


def test_issue_key_with_past_expiry_writes_nothing(login, context):
    before = ApiKey.objects.count()
    yesterday = timezone.localdate() - dt.timedelta(days=2)
    response = login(context["city"].steward).post(
        f"/console/systems/{context['system'].pk}/keys/",
        {"label": "old", "valid_until": yesterday.isoformat()},
    )
    assert response.status_code == 422
    assert "失效时间早于当前时间" in text_of(response)
    assert ApiKey.objects.count() == before


def test_issue_key_with_expiry_keeps_the_whole_last_day(login, context):
    day = timezone.localdate() + dt.timedelta(days=10)
    login(context["city"].steward).post(
        f"/console/systems/{context['system'].pk}/keys/",
        {"label": "short", "valid_until": day.isoformat()},
    )
    key = ApiKey.objects.get(label="short")
    assert timezone.localtime(key.expires_at).date() == day + dt.timedelta(days=1)
    assert timezone.localtime(key.expires_at).time() == dt.time.min


def test_revoked_key_is_marked_and_refused_by_the_api(login, context):
    client = login(context["city"].steward)
    response = client.post(
        f"/console/systems/{context['system'].pk}/keys/{context['key'].pk}/revoke/", follow=True
    )
    assert "已吊销" in text_of(response)
    assert (
        Client().get("/api/v1/me", headers={"X-API-Key": context["plain_key"]}).status_code == 401
    )


def test_revoke_key_of_another_system_is_404(login, context):
    city = context["city"]
    actor = city.actor(city.steward)
    other = services.check_create_system_account(
        actor=actor, organisation=city.department, name="另一系统"
    )
    response = login(city.steward).post(
        f"/console/systems/{other.pk}/keys/{context['key'].pk}/revoke/"
    )
    assert response.status_code == 404
    context["key"].refresh_from_db()
    assert context["key"].revoked_at is None


def test_switched_off_system_offers_no_key(login, context):
    client = login(context["city"].steward)
    client.post(f"/console/systems/{context['system'].pk}/deactivate/")
    body = text_of(client.get(f"/console/systems/{context['system'].pk}/"))
    assert "该系统账号已停用" in body
    assert f'action="/console/systems/{context["system"].pk}/keys/"' not in body
    before = ApiKey.objects.count()
    response = client.post(f"/console/systems/{context['system'].pk}/keys/", {"label": "x"})
    assert response.status_code == 422
    assert ApiKey.objects.count() == before


def test_system_page_query_count_does_not_grow_with_keys(
    login, context, django_assert_max_num_queries
):
    actor = context["city"].actor(context["city"].steward)
    for _ in range(10):
        services.do_issue_api_key(actor=actor, system=context["system"])
    client = login(context["city"].steward)
    with django_assert_max_num_queries(8):
        response = client.get(f"/console/systems/{context['system'].pk}/")
    assert response.status_code == 200


def test_area_manager_opens_department_pages(login, context):
    city = context["city"]
    client = login(city.authority_admin)
    assert client.get(f"/console/organisations/{city.department.pk}/").status_code == 200
    assert client.get(f"/console/organisations/{city.county_department.pk}/").status_code == 200


def test_pages_render_in_english(login, context):
    city = context["city"]
    client = login(city.steward)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = text_of(client.get(f"/console/organisations/{city.department.pk}/"))
    assert "People and their roles" in body and "Chief data officer" in body
    body = text_of(client.get(f"/console/systems/{context['system'].pk}/"))
    assert "API keys" in body and "Issue a key" in body


# --- Account requests (ORG-4) ----------------------------------------------------------------------------


def _state_of(request: AccountRequest) -> tuple:
    """What a refused post must leave alone."""
    request.refresh_from_db()
    return (
        request.status,
        request.person_id,
        TransitionRecord.objects.filter(object_id=request.pk).count(),
        AuditEntry.objects.count(),
        Person.objects.count(),
    )


def test_steward_files_a_create_request_from_the_organisation_page(login, city):
    client = login(city.steward)
    page = text_of(client.get(f"/console/organisations/{city.department.pk}/"))
    action = f"/console/organisations/{city.department.pk}/account-requests/"
    assert f'action="{action}"' in page
    response = client.post(
        action,
        {
            "kind": "create",
            "username": "newcomer",
            "full_name": "新同事",
            "roles": ["data_staff"],
            "reason": "新入职的数据业务人员",
        },
    )
    request = AccountRequest.objects.get(username="newcomer")
    assert response.status_code == 302
    assert response["Location"] == f"/console/account-requests/{request.pk}/"
    assert request.status == "submitted" and request.requested_by == city.steward
    assert request.roles == ["data_staff"] and request.due_on is not None
    body = text_of(client.get(response["Location"]))
    assert "已发送至数据主管机构" in body
    assert "新入职的数据业务人员" in body and "数据业务人员" in body
    assert request.due_on.isoformat() in body
    # The requester may withdraw, not answer.
    assert "/withdraw/" in body and "/approve/" not in body


def test_steward_files_a_change_request_for_a_person_of_the_organisation(login, city):
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/account-requests/",
        {"kind": "change", "person": city.analyst.pk, "roles": ["org_admin"], "reason": "调岗"},
    )
    assert response.status_code == 302
    request = AccountRequest.objects.get(kind="change")
    assert request.person == city.analyst and request.roles == ["org_admin"]


def test_account_request_without_reason_or_user_name_writes_nothing(login, city):
    before = AuditEntry.objects.count()
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/account-requests/",
        {"kind": "create", "username": "", "full_name": "新同事", "roles": ["data_staff"]},
    )
    assert response.status_code == 422
    assert 'value="新同事"' in text_of(response)
    response = login(city.steward).post(
        f"/console/organisations/{city.department.pk}/account-requests/",
        {"kind": "create", "username": "", "full_name": "新同事", "reason": "新入职"},
    )
    assert response.status_code == 422
    assert not AccountRequest.objects.exists()
    assert AuditEntry.objects.count() == before


def test_request_form_only_for_managing_roles_held_in_the_organisation(login, city):
    # The authority's data executive manages the department but files no request for it.
    body = text_of(login(city.authority_admin).get(f"/console/organisations/{city.department.pk}/"))
    assert f'action="/console/organisations/{city.department.pk}/account-requests/"' not in body
    before = AuditEntry.objects.count()
    response = login(city.authority_admin).post(
        f"/console/organisations/{city.department.pk}/account-requests/",
        {
            "kind": "create",
            "username": "x1",
            "full_name": "某某",
            "roles": ["data_staff"],
            "reason": "新入职",
        },
    )
    assert response.status_code == 404
    assert "王管理" not in text_of(response)
    assert AuditEntry.objects.count() == before


def test_authority_lists_and_approves_a_create_request_showing_the_password_once(login, city):
    request = ask_new_account(city)
    client = login(city.authority_admin)
    listing = text_of(client.get("/console/account-requests/"))
    assert f'href="/console/account-requests/{request.pk}/"' in listing
    assert "开设账号" in listing and "newcomer" in listing and "示范市民政局" in listing
    assert request.due_on.isoformat() in listing
    home = text_of(client.get("/console/"))
    assert f'href="/console/account-requests/{request.pk}/"' in home
    detail = text_of(client.get(f"/console/account-requests/{request.pk}/"))
    assert "/approve/" in detail and "/reject/" in detail and "/withdraw/" not in detail

    response = client.post(f"/console/account-requests/{request.pk}/approve/", {"comment": "同意"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = text_of(response)
    password = PASSWORD_RE.search(body).group(1)
    assert "仅显示这一次" in body
    person = Person.objects.get(username="newcomer")
    assert person.check_password(password)
    assert set(person.roles.values_list("role", flat=True)) == {"data_staff"}
    request.refresh_from_db()
    assert request.status == "approved" and request.person == person
    # Not kept anywhere on the way: neither in the session nor in a later page.
    assert password not in str(dict(client.session))
    again = text_of(client.get(f"/console/account-requests/{request.pk}/"))
    assert password not in again and PASSWORD_RE.search(again) is None
    assert "已批准" in again and "同意" in again
    assert "/approve/" not in again


def test_reject_without_reason_writes_nothing(login, city):
    request = ask_new_account(city)
    before = _state_of(request)
    response = login(city.authority_admin).post(
        f"/console/account-requests/{request.pk}/reject/", {"comment": "  "}
    )
    assert response.status_code == 422
    assert "请填写理由" in text_of(response)
    assert _state_of(request) == before
    assert request.status == "submitted"


def test_reject_with_reason_is_shown_to_the_requester(login, city):
    request = ask_new_account(city)
    response = login(city.authority_admin).post(
        f"/console/account-requests/{request.pk}/reject/", {"comment": "编制未核定"}
    )
    assert response.status_code == 302
    body = text_of(login(city.steward).get(f"/console/account-requests/{request.pk}/"))
    assert "已驳回" in body and "编制未核定" in body
    assert not Person.objects.filter(username="newcomer").exists()


def test_outsider_gets_404_on_an_account_request_and_changes_nothing(login, city):
    request = ask_new_account(city)
    client = login(city.outsider)
    assert client.get(f"/console/account-requests/{request.pk}/").status_code == 404
    assert "newcomer" not in text_of(client.get("/console/account-requests/"))
    before = _state_of(request)
    for action, data in [("approve", {}), ("reject", {"comment": "不同意"}), ("withdraw", {})]:
        response = client.post(f"/console/account-requests/{request.pk}/{action}/", data)
        assert response.status_code == 404, action
    assert _state_of(request) == before


def test_steward_cannot_approve_own_request(login, city):
    request = ask_new_account(city)
    before = _state_of(request)
    response = login(city.steward).post(f"/console/account-requests/{request.pk}/approve/")
    assert response.status_code in (403, 404)
    assert PASSWORD_RE.search(text_of(response)) is None
    assert _state_of(request) == before
    assert not Person.objects.filter(username="newcomer").exists()


def test_approving_an_answered_request_again_is_a_conflict(login, city):
    request = ask_new_account(city)
    client = login(city.authority_admin)
    client.post(f"/console/account-requests/{request.pk}/reject/", {"comment": "不同意"})
    before = _state_of(request)
    response = client.post(f"/console/account-requests/{request.pk}/approve/")
    assert response.status_code == 409
    assert _state_of(request) == before


def test_account_request_pages_render_in_english(login, city):
    request = ask_new_account(city)
    client = login(city.authority_admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = text_of(client.get("/console/account-requests/"))
    assert "Account requests" in body and "Create an account" in body
    body = text_of(client.get(f"/console/account-requests/{request.pk}/"))
    assert "History" in body and "Approve" in body


# --- Child organisations -----------------------------------------------------------------------------------------


def _child(**overrides: str) -> dict[str, str]:
    data = {
        "name": "示范市社会救助服务中心",
        "short_name": "救助中心",
        "kind": "public_service",
        "level": "city",
        "division_code": "990100",
        "uscc": "",
    }
    data.update(overrides)
    return data


def test_authority_admin_adds_a_child_organisation(login, city):
    client = login(city.authority_admin)
    page = text_of(client.get(f"/console/organisations/{city.department.pk}/"))
    assert f'action="/console/organisations/{city.department.pk}/children/"' in page
    uscc = fake_uscc("990100", 77)
    response = client.post(
        f"/console/organisations/{city.department.pk}/children/", _child(uscc=uscc)
    )
    child = Organisation.objects.get(name="示范市社会救助服务中心")
    assert response.status_code == 302
    assert response["Location"] == f"/console/organisations/{child.pk}/"
    assert child.parent == city.department and child.kind == "public_service"
    assert child.uscc == uscc and child.short_name == "救助中心"
    body = text_of(client.get(response["Location"]))
    assert "已在示范市民政局下添加" in body


def test_outsider_cannot_add_a_child_organisation(login, city):
    before = (Organisation.objects.count(), AuditEntry.objects.count())
    response = login(city.outsider).post(
        f"/console/organisations/{city.department.pk}/children/", _child()
    )
    assert response.status_code == 404
    assert (Organisation.objects.count(), AuditEntry.objects.count()) == before


def test_child_organisation_with_invalid_credit_code_writes_nothing(login, city):
    bad = fake_uscc("990100", 78)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    before = (Organisation.objects.count(), AuditEntry.objects.count())
    response = login(city.authority_admin).post(
        f"/console/organisations/{city.department.pk}/children/", _child(uscc=bad)
    )
    assert response.status_code == 422
    body = text_of(response)
    assert "代码无效" in body and "校验码不符" in body
    assert 'value="示范市社会救助服务中心"' in body  # the form comes back filled in
    assert (Organisation.objects.count(), AuditEntry.objects.count()) == before


def test_child_organisation_outside_the_parent_area_writes_nothing(login, city):
    before = Organisation.objects.count()
    response = login(city.authority_admin).post(
        f"/console/organisations/{city.county.pk}/children/",
        _child(level="township", division_code="880121001"),
    )
    assert response.status_code == 422
    assert Organisation.objects.count() == before
