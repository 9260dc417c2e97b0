"""The demo city 示范市: a fictional prefecture-level city to try the platform with.

``load()`` builds it, deterministically, into a database that has no organisation yet: the city
government and its data authority, two counties/districts with their governments, data authorities
and departments, townships/streets and villages/communities below them, about twenty city
departments, public service organisations, the leading-group office, the expert committee, a
security regulator, an authorised operator, people in every role, public users of each kind and a
system account (ORG-1..4).

The province code 99 is fictional, so no real place is named (division codes 9901xx…). Resident ID
numbers of the public users carry a real province code, because ID numbers are checked against
the province table. Everything except the first platform administrator is made through the org
services, with that administrator as the actor, so the demo obeys the same rules and writes the
same audit trail as real use. Every demo account has the password ``DEMO_PASSWORD``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.test.utils import override_settings

from govdata.core.identifiers import ric_with_check

from . import services
from .actors import Actor
from .choices import Level, OrgKind, PublicUserType, Role
from .models import Organisation, Person
from .testing import bootstrap_admin, fake_uscc

# Documented in README.md and printed by `manage.py demo_accounts`; never use it in production.
DEMO_PASSWORD = "govdata-demo-2026"  # noqa: S105
CITY_NAME = "示范市"
CITY_CODE = "990100"


class DemoError(Exception):
    """The database is not empty enough to load the demo city into."""


class DemoAlreadyLoaded(DemoError):
    """Organisations exist already: the demo is never loaded twice or on top of real data."""


# --- Organisations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgSpec:
    key: str  # a handle for this module only
    name: str
    kind: str
    level: str
    division_code: str
    parent: str | None  # key of the parent, None for the root
    # First two characters of the credit code (GB 32100): registration authority and entity type.
    # 11 organ of state, 12 public institution, 91 enterprise, 54 village/community committee.
    registration: str = "11"
    short_name: str = ""


_D, _A = OrgKind.DEPARTMENT, OrgKind.AUTHORITY

# City departments: (key, name, short name). All under the city government, division 990100.
CITY_DEPARTMENTS = [
    ("gaj", "示范市公安局", "市公安局"),
    ("mzj", "示范市民政局", "市民政局"),
    ("rsj", "示范市人力资源和社会保障局", "市人社局"),
    ("zrzyj", "示范市自然资源和规划局", "市自然资源和规划局"),
    ("zjj", "示范市住房和城乡建设局", "市住建局"),
    ("jtj", "示范市交通运输局", "市交通运输局"),
    ("wjw", "示范市卫生健康委员会", "市卫健委"),
    ("jyj", "示范市教育局", "市教育局"),
    ("scjgj", "示范市市场监督管理局", "市市场监管局"),
    ("sthjj", "示范市生态环境局", "市生态环境局"),
    ("yjglj", "示范市应急管理局", "市应急管理局"),
    ("tjj", "示范市统计局", "市统计局"),
    ("swj", "示范市税务局", "市税务局"),
    ("zy", "示范市中级人民法院", "市中院"),
    ("fgw", "示范市发展和改革委员会", "市发改委"),
    ("czj", "示范市财政局", "市财政局"),
    ("nyncj", "示范市农业农村局", "市农业农村局"),
    ("wglj", "示范市文化广电旅游局", "市文广旅局"),
    ("ybj", "示范市医疗保障局", "市医保局"),
    ("zwfwj", "示范市政务服务管理局", "市政务服务局"),
]

# Counties/districts: (key, code, government, short, authority, departments, townships).
# Township codes follow GB/T 10114: 001-099 streets, 100-199 towns, 200-399 townships; below a
# street the communities are 001-199, below a town or township the villages 200-399.
COUNTIES = [
    (
        "zq",
        "990102",
        "示范市中区人民政府",
        "中区政府",
        "中区数据局",
        [("mzj", "中区民政局"), ("gafj", "示范市公安局中区分局"), ("jyj", "中区教育局")],
        [
            ("cg", "990102001", "城关街道办事处", [("001", "和平社区"), ("002", "文化路社区")]),
            ("xh", "990102002", "新华街道办事处", [("001", "新华社区"), ("002", "站前社区")]),
        ],
    ),
    (
        "dx",
        "990121",
        "东县人民政府",
        "东县政府",
        "东县数据局",
        [("mzj", "东县民政局"), ("gaj", "东县公安局"), ("nyncj", "东县农业农村局")],
        [
            ("cd", "990121001", "城东街道办事处", [("001", "东关社区"), ("002", "滨河社区")]),
            ("hk", "990121100", "河口镇人民政府", [("200", "柳树村"), ("201", "河湾村")]),
            ("qs", "990121200", "青山乡人民政府", [("200", "青山村"), ("201", "石门村")]),
        ],
    ),
]


def _village_name(name: str) -> str:
    return f"{name}居民委员会" if name.endswith("社区") else f"{name}村民委员会"


def org_specs() -> list[OrgSpec]:
    """Every organisation of the demo city, parents before children, in a fixed order."""
    city = [
        OrgSpec("root", "示范市人民政府", _D, Level.CITY, CITY_CODE, None, short_name="市政府"),
        OrgSpec(
            "dsj", "示范市大数据局", _A, Level.CITY, CITY_CODE, "root", short_name="市大数据局"
        ),
        *(
            OrgSpec(key, name, _D, Level.CITY, CITY_CODE, "root", short_name=short)
            for key, name, short in CITY_DEPARTMENTS
        ),
        OrgSpec(
            "ldxz",
            "示范市政务数据共享开放工作领导小组办公室",
            OrgKind.LEADING_GROUP,
            Level.CITY,
            CITY_CODE,
            "root",
            short_name="市数据领导小组办",
        ),
        # Y§9: the data authority forms the expert committee.
        OrgSpec(
            "zjwyh",
            "示范市政务数据专家委员会",
            OrgKind.EXPERT_COMMITTEE,
            Level.CITY,
            CITY_CODE,
            "dsj",
            short_name="市数据专家委",
        ),
        OrgSpec(
            "wxb",
            "中共示范市委网络安全和信息化委员会办公室",
            OrgKind.SECURITY_REGULATOR,
            Level.CITY,
            CITY_CODE,
            "root",
            short_name="市委网信办",
        ),
        OrgSpec(
            "sjjt",
            "示范市数据集团有限公司",
            OrgKind.AUTHORISED_OPERATOR,
            Level.CITY,
            CITY_CODE,
            "root",
            registration="91",
            short_name="市数据集团",
        ),
        OrgSpec(
            "zls",
            "示范市自来水有限公司",
            OrgKind.PUBLIC_SERVICE,
            Level.CITY,
            CITY_CODE,
            "root",
            registration="91",
            short_name="市自来水公司",
        ),
        OrgSpec(
            "gdgs",
            "国网示范市供电公司",
            OrgKind.PUBLIC_SERVICE,
            Level.CITY,
            CITY_CODE,
            "root",
            registration="91",
            short_name="市供电公司",
        ),
        OrgSpec(
            "rmyy",
            "示范市第一人民医院",
            OrgKind.PUBLIC_SERVICE,
            Level.CITY,
            CITY_CODE,
            "root",
            registration="12",
            short_name="市一院",
        ),
    ]
    below: list[OrgSpec] = []
    for key, code, government, short, authority, departments, townships in COUNTIES:
        below.append(OrgSpec(key, government, _D, Level.COUNTY, code, "root", short_name=short))
        below.append(OrgSpec(f"{key}_sjj", authority, _A, Level.COUNTY, code, key))
        below.extend(
            OrgSpec(f"{key}_{dep}", name, _D, Level.COUNTY, code, key) for dep, name in departments
        )
        for town, town_code, town_name, villages in townships:
            town_key = f"{key}_{town}"
            below.append(OrgSpec(town_key, town_name, _D, Level.TOWNSHIP, town_code, key))
            below.extend(
                OrgSpec(
                    f"{town_key}_{suffix}",
                    _village_name(name),
                    _D,
                    Level.VILLAGE,
                    town_code + suffix,
                    town_key,
                    registration="54",
                )
                for suffix, name in villages
            )
    return city + below


# Serials of the organisation codes: organisations count from 1 in the order of org_specs(),
# public users from 901.
PUBLIC_SERIAL_BASE = 900


# --- People ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    username: str
    full_name: str
    organisation: str  # key of an OrgSpec
    roles: tuple[str, ...]


R = Role
STAFF = [
    PersonSpec("city_cdo", "陈志远", "root", (R.CHIEF_DATA_OFFICER,)),
    # The city data authority: runs the platform, reviews at city level, keeps the calendar.
    PersonSpec("dsj_exec", "周敏", "dsj", (R.DATA_EXECUTIVE,)),
    PersonSpec("dsj_reviewer", "赵磊", "dsj", (R.REVIEWER,)),
    PersonSpec("dsj_reviewer2", "孙静", "dsj", (R.REVIEWER,)),
    PersonSpec("dsj_auditor", "吴芳", "dsj", (R.AUDITOR,)),
    PersonSpec("dsj_staff", "钱程", "dsj", (R.DATA_STAFF,)),
    # County authorities: review the catalogs of their area (CAT-3).
    PersonSpec("zq_exec", "郑海", "zq_sjj", (R.DATA_EXECUTIVE,)),
    PersonSpec("zq_reviewer", "冯雪", "zq_sjj", (R.REVIEWER,)),
    PersonSpec("dx_exec", "何平", "dx_sjj", (R.DATA_EXECUTIVE,)),
    PersonSpec("dx_reviewer", "许娜", "dx_sjj", (R.REVIEWER,)),
    # City departments: chief data officer, organisation administrator, data staff.
    PersonSpec("mzj_cdo", "王建国", "mzj", (R.CHIEF_DATA_OFFICER,)),
    PersonSpec("mzj_admin", "刘洋", "mzj", (R.ORG_ADMIN,)),
    PersonSpec("mzj_staff", "李娜", "mzj", (R.DATA_STAFF,)),
    PersonSpec("gaj_cdo", "张伟", "gaj", (R.CHIEF_DATA_OFFICER,)),
    PersonSpec("gaj_admin", "马超", "gaj", (R.ORG_ADMIN,)),
    PersonSpec("gaj_staff", "黄丽", "gaj", (R.DATA_STAFF,)),
    PersonSpec("rsj_cdo", "杨帆", "rsj", (R.CHIEF_DATA_OFFICER,)),
    PersonSpec("rsj_admin", "胡军", "rsj", (R.ORG_ADMIN,)),
    PersonSpec("rsj_staff", "朱琳", "rsj", (R.DATA_STAFF,)),
    PersonSpec("scj_cdo", "林涛", "scjgj", (R.CHIEF_DATA_OFFICER,)),
    PersonSpec("scj_admin", "高峰", "scjgj", (R.ORG_ADMIN,)),
    PersonSpec("scj_staff", "罗婷", "scjgj", (R.DATA_STAFF,)),
    PersonSpec("wjw_cdo", "梁勇", "wjw", (R.CHIEF_DATA_OFFICER,)),
    PersonSpec("wjw_admin", "宋佳", "wjw", (R.ORG_ADMIN,)),
    PersonSpec("wjw_staff", "唐敏", "wjw", (R.DATA_STAFF,)),
    # Data staff who compile their departments' catalogs (CAT-1).
    PersonSpec("zrzy_staff", "邵军", "zrzyj", (R.DATA_STAFF,)),
    PersonSpec("zwfw_staff", "汪琪", "zwfwj", (R.DATA_STAFF,)),
    PersonSpec("fgw_staff", "金鑫", "fgw", (R.DATA_STAFF,)),
    PersonSpec("yjgl_staff", "陆涛", "yjglj", (R.DATA_STAFF,)),
    PersonSpec("zjj_staff", "姜华", "zjj", (R.DATA_STAFF,)),
    PersonSpec("jtj_staff", "姚远", "jtj", (R.DATA_STAFF,)),
    PersonSpec("jyj_staff", "邹萍", "jyj", (R.DATA_STAFF,)),
    PersonSpec("sthj_staff", "谢芳", "sthjj", (R.DATA_STAFF,)),
    PersonSpec("tjj_staff", "崔颖", "tjj", (R.DATA_STAFF,)),
    PersonSpec("swj_staff", "程刚", "swj", (R.DATA_STAFF,)),
    PersonSpec("zy_staff", "范晨", "zy", (R.DATA_STAFF,)),
    PersonSpec("czj_staff", "方圆", "czj", (R.DATA_STAFF,)),
    PersonSpec("ybj_staff", "石磊", "ybj", (R.DATA_STAFF,)),
    PersonSpec("wglj_staff", "任静", "wglj", (R.DATA_STAFF,)),
    PersonSpec("nyncj_staff", "廖斌", "nyncj", (R.DATA_STAFF,)),
    PersonSpec("zq_jyj_staff", "熊伟", "zq_jyj", (R.DATA_STAFF,)),
    # Below the city.
    PersonSpec("dx_mzj_staff", "韩梅", "dx_mzj", (R.DATA_STAFF,)),
    PersonSpec("hk_staff", "曹阳", "dx_hk", (R.DATA_STAFF,)),
    # The expert committee (Y§9), the leading-group office, the regulator, operator, services.
    PersonSpec("expert_law", "邓文", "zjwyh", (R.EXPERT,)),
    PersonSpec("expert_security", "彭博", "zjwyh", (R.EXPERT,)),
    PersonSpec("expert_stats", "蒋丽", "zjwyh", (R.EXPERT,)),
    PersonSpec("ldxz_staff", "蔡明", "ldxz", (R.DATA_STAFF,)),
    PersonSpec("wxb_staff", "潘越", "wxb", (R.DATA_STAFF,)),
    PersonSpec("sjjt_admin", "田野", "sjjt", (R.ORG_ADMIN,)),
    PersonSpec("rmyy_staff", "董静", "rmyy", (R.DATA_STAFF,)),
    PersonSpec("zls_staff", "袁亮", "zls", (R.DATA_STAFF,)),
]

# Roles in a second organisation (ORG-3: a person may hold roles in several). The leading-group
# office sits in the city data authority, whose data executive also runs it.
EXTRA_ROLES = [
    ("dsj_exec", "ldxz", R.ORG_ADMIN),
    ("admin", "dsj", R.PLATFORM_ADMIN),
]


@dataclass(frozen=True)
class PublicSpec:
    username: str
    full_name: str
    public_type: str
    id_number: str


PUBLIC_USERS = [
    # Born 1992-03-15; ID numbers are checked against the province table, so a real one (51).
    PublicSpec(
        "citizen_zhang",
        "张明远",
        PublicUserType.NATURAL_PERSON,
        ric_with_check("51010419920315421"),
    ),
    PublicSpec(
        "yunfan_tech",
        "示范市云帆数据科技有限公司",
        PublicUserType.LEGAL_PERSON,
        fake_uscc("990102", PUBLIC_SERIAL_BASE + 1, registration="91"),
    ),
    # A law firm is an unincorporated organisation registered by the justice bureau (31).
    PublicSpec(
        "mingli_law",
        "示范市明理律师事务所",
        PublicUserType.UNINCORPORATED,
        fake_uscc("990121", PUBLIC_SERIAL_BASE + 2, registration="31"),
    ),
]

SYSTEM_ACCOUNTS = [
    (
        "mzj",
        "民政综合业务系统",
        "示范市民政局的业务系统：向平台推送社会救助、婚姻登记数据，查询人口基础库。"
        "API 密钥由本局组织管理员在系统账户页签发，只显示一次。",
    ),
]

# The accounts `demo_accounts` shows first: one at least for every role and every kind of user.
FEATURED = [
    "admin",
    "dsj_exec",
    "dsj_reviewer",
    "dsj_auditor",
    "zq_reviewer",
    "mzj_cdo",
    "mzj_admin",
    "mzj_staff",
    "expert_law",
    "citizen_zhang",
    "yunfan_tech",
    "mingli_law",
]


def usernames() -> list[str]:
    return ["admin", *(p.username for p in STAFF), *(p.username for p in PUBLIC_USERS)]


# --- Loading ---------------------------------------------------------------------------------------


@dataclass
class Loaded:
    organisations: int
    people: int
    seconds: float


_FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


def _check_empty() -> None:
    if Organisation.objects.exists():
        raise DemoAlreadyLoaded("organisations exist already")
    taken = Person.objects.filter(username__in=usernames()).values_list("username", flat=True)
    if taken:
        raise DemoError(f"demo user names are taken already: {', '.join(sorted(taken))}")


def load() -> Loaded:
    """Build the demo city in one transaction. Raises DemoAlreadyLoaded when any organisation
    exists and DemoError when a demo user name is taken; nothing is written then."""
    started = time.monotonic()
    _check_empty()
    # The demo password's hash with the configured hasher (argon2), computed once and outside the
    # transaction: a hash costs ~0.1 s and ~40 accounts share the password. The services hash
    # with a fast hasher during the load; the real hash replaces those before the commit.
    shared_hash = make_password(DEMO_PASSWORD)
    try:
        with transaction.atomic():
            _check_empty()  # again: on SQLite a second loader waits for the first one's lock
            hashers = [_FAST_HASHER, *(h for h in settings.PASSWORD_HASHERS if h != _FAST_HASHER)]
            with override_settings(PASSWORD_HASHERS=hashers):
                people = _build()
            Person.objects.filter(pk__in=[p.pk for p in people]).update(password=shared_hash)
            organisations = Organisation.objects.count()
    except IntegrityError:
        # On PostgreSQL two loaders started at once both find the database empty; the second
        # stops on the unique user name "admin" once the first commits.
        _check_empty()
        raise
    return Loaded(organisations, len(people), time.monotonic() - started)


def _build() -> list[Person]:
    admin = bootstrap_admin(username="admin", password=DEMO_PASSWORD, full_name="平台管理员")
    actor = Actor.for_person(admin)
    orgs: dict[str, Organisation] = {}
    for serial, spec in enumerate(org_specs(), start=1):
        orgs[spec.key] = services.check_create_organisation(
            actor=actor,
            name=spec.name,
            short_name=spec.short_name,
            kind=spec.kind,
            level=spec.level,
            division_code=spec.division_code,
            parent_id=orgs[spec.parent].pk if spec.parent else None,
            uscc=fake_uscc(spec.division_code, serial, registration=spec.registration),
        )
    people = {"admin": admin}
    for spec in STAFF:
        people[spec.username] = services.check_create_staff(
            actor=actor,
            organisation=orgs[spec.organisation],
            username=spec.username,
            full_name=spec.full_name,
            password=DEMO_PASSWORD,
            roles=list(spec.roles),
        )
    for username, org_key, role in EXTRA_ROLES:
        services.do_assign_role(
            actor=actor, person=people[username], organisation=orgs[org_key], role=role
        )
    for public in PUBLIC_USERS:
        people[public.username] = services.check_register_public_user(
            username=public.username,
            full_name=public.full_name,
            password=DEMO_PASSWORD,
            public_type=public.public_type,
            id_number=public.id_number,
        )
    # No API key: a key is shown once, when issued, and the demo has nobody to show it to.
    for org_key, name, description in SYSTEM_ACCOUNTS:
        services.check_create_system_account(
            actor=actor, organisation=orgs[org_key], name=name, description=description
        )
    # One open account request, so that the city authority's console shows a task with its
    # working-day deadline (ORG-4, Y§21).
    services.check_submit_account_request(
        actor=Actor.for_person(people["mzj_cdo"]),
        organisation=orgs["mzj"],
        kind="create",
        reason="新入职的数据业务人员，负责婚姻登记数据的汇聚与更新。",
        username="mzj_newcomer",
        full_name="郑晓明",
        roles=[R.DATA_STAFF],
    )
    return list(people.values())
