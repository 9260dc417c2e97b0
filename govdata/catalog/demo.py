"""The catalog of the demo city 示范市: about eighty entries across its departments (CAT-1..4).

``load()`` builds it, deterministically, into a database that holds the demo organisations
(``govdata.orgs.demo``) and no catalog yet: the five base databases (B§9, E§10, A§11) and four
theme databases with their lead departments, the entries of those databases compiled by the lead
departments, department entries of city, county and township providers, public service
organisations' entries, and their review up the levels (CAT-3) in mixed states — most published,
some in county or city review (so the reviewers' queues have work with working-day deadlines),
two returned with reasons, some drafts, published entries with a revision in review while the
live version stays published, and open maintenance tasks (CAT-4).

Everything goes through the catalog services, acted by the demo people: each provider's data
staff compile (its chief data officer or data executive where it has no data staff, the platform
administrator where it has nobody), the county authorities' reviewers review first where the
provider lies below the city, the city authority's reviewers publish. So the demo obeys the entry
rules (``entries.clean_entry``) and writes the same audit trail as real use.

Nothing is overdue right after loading: the services start every deadline today. The maintenance
task raised for a change of circumstances (2 working days, G§15) becomes overdue two working days
after the load.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from govdata.orgs import demo as org_demo
from govdata.orgs import queries as org_queries
from govdata.orgs.actors import Actor
from govdata.orgs.choices import Level, Role
from govdata.orgs.models import Organisation, Person, RoleAssignment
from govdata.orgs.testing import fake_uscc

from . import services
from .choices import (
    DataForm,
    Domain,
    Importance,
    MaintenanceTrigger,
    OpenType,
    ResourceClass,
    Sensitivity,
    ShareMethod,
    ShareType,
    SystemStatus,
    UpdateCycle,
    VersionStatus,
)
from .models import InformationSystem, Library, Resource, ResourceVersion
from .services import lists as list_services
from .services import systems as system_services
from .services.libraries import do_create_library


class CatalogNotEmpty(org_demo.DemoAlreadyLoaded):
    """Catalog entries or base/theme databases exist already: the demo catalog is never loaded
    twice or on top of a real catalog."""


# --- Base and theme databases (CAT-2) --------------------------------------------------------------


@dataclass(frozen=True)
class LibrarySpec:
    key: str  # the library code
    resource_class: str
    name: str
    lead: str  # key of an org_demo.OrgSpec
    description: str


_BASE, _THEME, _DEPT = ResourceClass.BASE, ResourceClass.THEME, ResourceClass.DEPARTMENT

LIBRARIES = [
    LibrarySpec(
        "population",
        _BASE,
        "人口基础库",
        "gaj",
        "以公民身份号码为标识，汇聚户籍、出生、死亡、迁移等人口基础信息，公安部门牵头建设。",
    ),
    LibrarySpec(
        "legal-entity",
        _BASE,
        "法人单位基础库",
        "scjgj",
        "以统一社会信用代码为标识，汇聚各类市场主体登记、变更、注销信息，市场监管部门牵头建设。",
    ),
    LibrarySpec(
        "geospatial",
        _BASE,
        "自然资源和空间地理基础库",
        "zrzyj",
        "基础地理、国土调查、地名地址、国土空间规划等信息，自然资源和规划部门牵头建设。",
    ),
    LibrarySpec(
        "e-licence",
        _BASE,
        "电子证照基础库",
        "zwfwj",
        "各部门签发的电子证照及其目录索引，政务服务管理部门牵头建设。",
    ),
    LibrarySpec(
        "credit",
        _BASE,
        "社会信用基础库",
        "fgw",
        "行政许可、行政处罚“双公示”、失信主体名单、信用评价等公共信用信息，发展改革部门牵头建设。",
    ),
    LibrarySpec(
        "health",
        _THEME,
        "健康医疗主题库",
        "wjw",
        "医疗机构、居民健康档案、出生医学证明、预防接种等健康医疗信息。",
    ),
    LibrarySpec(
        "social-security",
        _THEME,
        "社会保障主题库",
        "rsj",
        "参保人员、待遇领取资格等社会保障信息，关联人口基础库。",
    ),
    LibrarySpec(
        "food-drug",
        _THEME,
        "食品药品安全主题库",
        "scjgj",
        "食品药品生产经营许可、监督抽检等信息。",
    ),
    LibrarySpec(
        "emergency",
        _THEME,
        "应急管理主题库",
        "yjglj",
        "应急避难场所、危险化学品企业、应急物资储备等信息。",
    ),
]


# --- Data items ----------------------------------------------------------------------------------


def item(
    name: str,
    label: str,
    item_type: str = "string",
    length: int | None = None,
    *,
    key: bool = False,
    required: bool = False,
    personal: bool = False,
    level: int | None = None,
    description: str = "",
) -> dict[str, Any]:
    """One data item. Without a level, a personal item is level 3 and any other item takes the
    entry's base level (1 for public data, 2 for internal data) when the entry is built."""
    return {
        "name": name,
        "label": label,
        "item_type": item_type,
        "length": length,
        "is_key": key,
        "is_required": required or key,
        "is_personal": personal,
        "security_level": level if level is not None else (3 if personal else None),
        "description": description,
    }


def ric(name: str = "gmsfhm", label: str = "公民身份号码", *, key: bool = True) -> dict[str, Any]:
    return item(name, label, "ric", key=key, required=True, personal=True)


def person_name(name: str = "xm", label: str = "姓名") -> dict[str, Any]:
    return item(name, label, length=50, required=True, personal=True)


def uscc(
    name: str = "tyshxydm", label: str = "统一社会信用代码", *, key: bool = True
) -> dict[str, Any]:
    return item(name, label, "uscc", key=key, required=True)


def date(name: str, label: str, **kw: Any) -> dict[str, Any]:
    return item(name, label, "date", **kw)


def integer(name: str, label: str, **kw: Any) -> dict[str, Any]:
    return item(name, label, "integer", **kw)


def decimal(name: str, label: str, length: int = 18, **kw: Any) -> dict[str, Any]:
    return item(name, label, "decimal", length, **kw)


def text(name: str, label: str, length: int = 100, **kw: Any) -> dict[str, Any]:
    return item(name, label, "string", length, **kw)


def division(name: str = "xzqhdm", label: str = "行政区划代码", **kw: Any) -> dict[str, Any]:
    return item(name, label, "string", 12, **kw)


# --- Share and open types (SHR-1, OPN-1) -----------------------------------------------------------

_API, _FILE, _BROWSE, _OFFLINE = (
    ShareMethod.API,
    ShareMethod.FILE,
    ShareMethod.BROWSE,
    ShareMethod.OFFLINE,
)


def shared(*methods: str) -> dict[str, Any]:
    """Unconditional sharing: any department with an account takes it (B§17)."""
    return {"share_type": ShareType.UNCONDITIONAL, "share_methods": list(methods or (_API,))}


def shared_if(conditions: str, basis: str, *methods: str) -> dict[str, Any]:
    """Conditional sharing: on application, with its conditions and legal basis (B§17, A§22)."""
    return {
        "share_type": ShareType.CONDITIONAL,
        "share_conditions": conditions,
        "share_basis": basis,
        "share_methods": list(methods or (_API,)),
    }


def not_shared(basis: str) -> dict[str, Any]:
    """Not shared, with the legal basis it is filed under (B§15, B§16)."""
    return {"share_type": ShareType.NONE, "share_basis": basis, "share_methods": []}


OPEN = {"open_type": OpenType.UNCONDITIONAL}


def open_by(basis: str) -> dict[str, Any]:
    """Unconditionally open, naming the rule that makes it public."""
    return {"open_type": OpenType.UNCONDITIONAL, "open_basis": basis}


def open_if(conditions: str, basis: str) -> dict[str, Any]:
    return {"open_type": OpenType.CONDITIONAL, "open_conditions": conditions, "open_basis": basis}


def not_open(basis: str) -> dict[str, Any]:
    return {"open_type": OpenType.NONE, "open_basis": basis}


# Legal bases cited more than once.
PIPL = "《中华人民共和国个人信息保护法》第十三条、第三十四条（国家机关为履行法定职责处理个人信息）"
PIPL_CLOSED = "《中华人民共和国个人信息保护法》第二十八条、第三十四条：涉及个人信息，不予开放"
DUTY_ONLY = "仅限为履行法定职责、办理政务服务事项申请，经提供部门审核后按需获取所需信息项。"
OPEN_RULES = "《中华人民共和国政府信息公开条例》第二十条"
ENTERPRISE_DISCLOSURE = "《企业信息公示暂行条例》第六条"
DOUBLE_DISCLOSURE = (
    "国务院办公厅《关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）；"
    + OPEN_RULES
)
USE_FOR_DUTY = "仅限用于履行法定职责和办理政务服务事项，不得向第三方提供或用于其他目的。"


def cite(source: str) -> str:
    return f"使用时请注明数据来源：{source}。"


# --- Entries --------------------------------------------------------------------------------------

# What happens to an entry's first version (CAT-3).
DRAFT = VersionStatus.DRAFT  # compiled, not submitted
COUNTY_REVIEW = VersionStatus.COUNTY_REVIEW  # waits at the county authority
CITY_REVIEW = VersionStatus.CITY_REVIEW  # waits at the city (passed its county first if below)
PUBLISHED = VersionStatus.PUBLISHED
RETURNED = VersionStatus.REJECTED  # returned at the first level with ``note`` as the reason
RETURNED_FIXED = "returned_fixed"  # returned, ``fix_items`` added, resubmitted and published


@dataclass(frozen=True)
class EntrySpec:
    key: str  # a handle for this module only
    provider: str  # key of an org_demo.OrgSpec
    name: str
    summary: str
    domain: str
    items: list[dict[str, Any]]
    share: dict[str, Any]
    opening: dict[str, Any]
    library: str | None = None  # key of a LibrarySpec: the entry belongs to that database
    data_form: str = DataForm.DATABASE
    data_format: str = "关系型数据库表"
    update_cycle: str = UpdateCycle.DAILY
    sensitivity: str = Sensitivity.INTERNAL
    importance: str = Importance.GENERAL
    security_level: int | None = None  # None: the highest item level (at least the base level)
    usage: str = USE_FOR_DUTY
    collecting: str | None = None  # key of the collecting organisation
    approving: str | None = None  # key of the approving organisation
    related: tuple[str, ...] = ()  # keys of entries made before this one
    state: str = PUBLISHED
    note: str = ""  # the reviewer's reason for returning it
    fix_items: list[dict[str, Any]] = field(default_factory=list)


_PUBLIC, _INTERNAL = Sensitivity.PUBLIC, Sensitivity.INTERNAL
_IMPORTANT = Importance.IMPORTANT
D = Domain
U = UpdateCycle
F = DataForm


def _base_entries() -> list[EntrySpec]:
    """The five base databases, compiled by their lead departments (CAT-2)."""
    return [
        # --- 人口基础库 (公安局) ---
        EntrySpec(
            "rk_jbxx",
            "gaj",
            "人口基础信息",
            "本市户籍人口的公民身份号码、姓名、性别、民族、出生日期、户籍地址等基础信息，"
            "由户籍登记业务产生，每日更新。",
            D.LAW,
            [
                ric(),
                person_name(),
                text("cym", "曾用名", 50, personal=True),
                text("xb", "性别", 1, required=True, description="GB/T 2261.1"),
                text("mz", "民族", 2, required=True, description="GB/T 3304"),
                date("csrq", "出生日期", required=True, personal=True),
                text("csd", "出生地", 200, personal=True),
                text("jg", "籍贯", 100),
                text("hh", "户号", 20, personal=True),
                text("yhzgx", "与户主关系", 2),
                text("hjdz", "户籍地址", 200, required=True, personal=True),
                division(required=True),
                text("whcd", "文化程度", 2),
                text("hyzk", "婚姻状况", 2, personal=True),
            ],
            shared_if(
                DUTY_ONLY + "以接口核验方式为主，批量获取须说明业务依据。",
                "《中华人民共和国居民身份证法》第十三条、第十九条；" + PIPL,
                _API,
            ),
            not_open(PIPL_CLOSED),
            library="population",
            data_format="Oracle 数据库表",
            importance=_IMPORTANT,
            security_level=4,
            usage=USE_FOR_DUTY + "核验结果不得留存超出业务需要的个人信息。",
        ),
        EntrySpec(
            "rk_qy",
            "gaj",
            "户口迁移登记信息",
            "户口迁入、迁出登记信息，含迁移原因、迁出地和迁入地。",
            D.LAW,
            [
                text("qyywh", "迁移业务号", 32, key=True),
                ric(key=False),
                person_name(),
                text("qcd", "迁出地", 200, personal=True),
                text("qrd", "迁入地", 200, personal=True),
                date("qyrq", "迁移日期", required=True),
                text("qyyy", "迁移原因", 2),
            ],
            shared_if(
                DUTY_ONLY,
                "《中华人民共和国户口登记条例》；" + PIPL,
                _API,
                _FILE,
            ),
            not_open(PIPL_CLOSED),
            library="population",
            data_format="Oracle 数据库表",
        ),
        EntrySpec(
            "rk_cs",
            "gaj",
            "出生登记信息",
            "新生儿户口登记信息，供医保、社保、教育等部门办理“出生一件事”。",
            D.LAW,
            [
                ric(),
                person_name(),
                text("xb", "性别", 1, required=True),
                date("csrq", "出生日期", required=True, personal=True),
                text("cszmbh", "出生医学证明编号", 20, personal=True),
                ric("fqgmsfhm", "父亲公民身份号码", key=False),
                ric("mqgmsfhm", "母亲公民身份号码", key=False),
                date("djrq", "登记日期", required=True),
            ],
            shared_if(DUTY_ONLY, "《中华人民共和国户口登记条例》第七条；" + PIPL, _API),
            not_open(PIPL_CLOSED),
            library="population",
            data_format="Oracle 数据库表",
            collecting="wjw",
        ),
        EntrySpec(
            "rk_sw",
            "gaj",
            "死亡人口户籍注销信息",
            "因死亡注销户口的人员信息，供停发养老金、低保等待遇核验。",
            D.LAW,
            [
                ric(),
                person_name(),
                date("swrq", "死亡日期", required=True, personal=True),
                date("zxrq", "注销日期", required=True),
                text("zxjg", "注销机关", 100),
            ],
            shared(_API, _FILE),
            not_open(PIPL_CLOSED),
            library="population",
            data_format="Oracle 数据库表",
            usage=USE_FOR_DUTY + "用于待遇停发核验时，须与本人或家属核实后再作处理。",
        ),
        EntrySpec(
            "rk_tj",
            "gaj",
            "户籍人口统计信息",
            "按乡镇（街道）统计的户籍户数、人口数和性别构成，每年公布。",
            D.LAW,
            [
                division(key=True),
                text("xzqhmc", "行政区划名称", 100, required=True),
                integer("tjnd", "统计年度", key=True),
                integer("hs", "户数"),
                integer("zrk", "总人口"),
                integer("nxrk", "男性人口"),
                integer("nvxrk", "女性人口"),
            ],
            shared(_API, _FILE),
            OPEN,
            library="population",
            data_form=F.SPREADSHEET,
            data_format="XLSX",
            update_cycle=U.YEARLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市公安局"),
        ),
        # --- 法人单位基础库 (市场监管局) ---
        EntrySpec(
            "fr_qydj",
            "scjgj",
            "企业登记基本信息",
            "在本市登记的企业的统一社会信用代码、名称、法定代表人、注册资本、住所、经营范围"
            "和登记状态，依法向社会公示。",
            D.ECONOMY,
            [
                uscc(),
                text("mc", "名称", 200, required=True),
                text("qylx", "企业类型", 50),
                text("fddbr", "法定代表人", 50, required=True, description="依法公示的登记事项"),
                decimal("zczb", "注册资本（万元）"),
                date("clrq", "成立日期", required=True),
                text("zs", "住所", 200),
                text("jyfw", "经营范围", 2000),
                text("djjg", "登记机关", 100),
                text("djzt", "登记状态", 20),
                date("hzrq", "核准日期"),
            ],
            shared(_API, _FILE),
            open_by(ENTERPRISE_DISCLOSURE),
            library="legal-entity",
            data_format="MySQL 数据库表",
            sensitivity=_PUBLIC,
            usage=cite("示范市市场监督管理局"),
        ),
        EntrySpec(
            "fr_gtgsh",
            "scjgj",
            "个体工商户登记信息",
            "个体工商户的名称、经营者、经营场所、组成形式和经营范围。",
            D.ECONOMY,
            [
                uscc(),
                text("mc", "名称", 200),
                person_name("jyz", "经营者姓名"),
                ric("jyzgmsfhm", "经营者公民身份号码", key=False),
                text("jycs", "经营场所", 200),
                text("zcxs", "组成形式", 20),
                text("jyfw", "经营范围", 2000),
                date("zcrq", "注册日期", required=True),
            ],
            shared(_API, _FILE),
            open_if(
                "经营者身份信息脱敏后依申请开放，申请人须说明用途并签署数据使用协议。",
                "《促进个体工商户发展条例》；" + PIPL,
            ),
            library="legal-entity",
            data_format="MySQL 数据库表",
        ),
        EntrySpec(
            "fr_bg",
            "scjgj",
            "市场主体变更登记信息",
            "市场主体名称、住所、法定代表人、注册资本等登记事项的变更记录。",
            D.ECONOMY,
            [
                text("bgjlh", "变更记录号", 32, key=True),
                uscc(key=False),
                text("bgsx", "变更事项", 50, required=True),
                text("bgqnr", "变更前内容", 2000),
                text("bghnr", "变更后内容", 2000),
                date("bgrq", "变更日期", required=True),
            ],
            shared(_API, _FILE),
            open_by(ENTERPRISE_DISCLOSURE),
            library="legal-entity",
            data_format="MySQL 数据库表",
            sensitivity=_PUBLIC,
            related=("fr_qydj",),
            usage=cite("示范市市场监督管理局"),
        ),
        EntrySpec(
            "fr_jyyc",
            "scjgj",
            "经营异常名录信息",
            "被列入、移出经营异常名录的企业及其事由、决定机关。",
            D.CREDIT,
            [
                text("jdsh", "决定书文号", 50, key=True),
                uscc(key=False),
                text("mc", "企业名称", 200, required=True),
                text("lryy", "列入事由", 500),
                date("lrrq", "列入日期", required=True),
                text("ycyy", "移出事由", 500),
                date("ycrq", "移出日期"),
                text("zcjdjg", "作出决定机关", 100),
            ],
            shared(_API),
            open_by(ENTERPRISE_DISCLOSURE),
            library="legal-entity",
            data_format="MySQL 数据库表",
            sensitivity=_PUBLIC,
            related=("fr_qydj",),
            state=CITY_REVIEW,
            usage=cite("示范市市场监督管理局"),
        ),
        # --- 自然资源和空间地理基础库 (自然资源和规划局) ---
        EntrySpec(
            "zr_dlxx",
            "zrzyj",
            "基础地理信息数据（1:2000 数字线划图）",
            "城区 1:2000 数字线划图，含水系、居民地、交通、境界、地貌、植被等要素，按年更新。",
            D.GEOGRAPHY,
            [],
            shared_if(
                "限于规划、建设、应急等履职需要，经提供部门审核后离线提供，使用单位须具备保密条件。",
                "《中华人民共和国测绘法》；《测绘成果管理条例》",
                _OFFLINE,
            ),
            not_open("《测绘成果管理条例》：基础测绘成果按规定提供，公众服务请使用公众版地图"),
            library="geospatial",
            data_form=F.IMAGE,
            data_format="GDB 矢量数据",
            update_cycle=U.YEARLY,
            importance=_IMPORTANT,
            security_level=3,
            usage="使用单位不得擅自复制、转让或向境外提供；成果使用完毕按规定销毁。",
        ),
        EntrySpec(
            "zr_gtdc",
            "zrzyj",
            "国土变更调查成果",
            "年度国土变更调查的地类图斑，含地类、面积、权属和坐落。",
            D.LAND,
            [
                text("tbbh", "图斑编号", 20, key=True),
                text("dlbm", "地类编码", 10, required=True),
                text("dlmc", "地类名称", 50),
                decimal("tbmj", "图斑面积（平方米）"),
                text("qsxz", "权属性质", 10),
                text("qsdwmc", "权属单位名称", 100),
                text("zldwmc", "坐落单位名称", 100),
            ],
            shared(_FILE, _OFFLINE),
            open_if(
                "依申请开放汇总统计及图斑属性，申请人须说明用途，不得用于商业测绘。",
                "《土地调查条例》；《中华人民共和国测绘法》",
            ),
            library="geospatial",
            data_format="Shapefile",
            update_cycle=U.YEARLY,
        ),
        EntrySpec(
            "zr_dzdz",
            "zrzyj",
            "标准地名地址信息",
            "全市标准地址的地址编码、街路巷、门（楼）牌号和经纬度坐标。",
            D.GEOGRAPHY,
            [
                text("dzbm", "地址编码", 32, key=True),
                division(required=True),
                text("jlxmc", "街路巷名称", 100),
                text("mph", "门（楼）牌号", 50),
                text("bzdz", "标准地址", 300, required=True),
                decimal("jd", "经度", 12),
                decimal("wd", "纬度", 12),
            ],
            shared(_API, _FILE),
            OPEN,
            library="geospatial",
            data_format="PostgreSQL/PostGIS",
            update_cycle=U.MONTHLY,
            sensitivity=_PUBLIC,
            collecting="mzj",
            usage=cite("示范市自然资源和规划局"),
        ),
        EntrySpec(
            "zr_gtkj",
            "zrzyj",
            "国土空间总体规划成果",
            "经批准的市级国土空间总体规划文本、图集和说明。",
            D.LAND,
            [],
            shared(_FILE, _BROWSE),
            OPEN,
            library="geospatial",
            data_form=F.DOCUMENT,
            data_format="PDF",
            update_cycle=U.IRREGULAR,
            sensitivity=_PUBLIC,
            approving="root",
            usage=cite("示范市自然资源和规划局"),
        ),
        EntrySpec(
            "zr_ydsp",
            "zrzyj",
            "建设用地批准信息",
            "农用地转用和土地征收、建设用地供应的批准文号、用地位置、面积和用途。",
            D.LAND,
            [
                text("pzwh", "批准文号", 50, key=True),
                text("xmmc", "项目名称", 200, required=True),
                text("ydwz", "用地位置", 200),
                decimal("ydmj", "用地面积（公顷）"),
                text("tdyt", "土地用途", 50),
                text("gdfs", "供地方式", 20),
                date("pzrq", "批准日期", required=True),
            ],
            shared(_API, _FILE),
            OPEN,
            library="geospatial",
            data_format="达梦数据库表",
            update_cycle=U.MONTHLY,
            sensitivity=_PUBLIC,
            state=CITY_REVIEW,
            usage=cite("示范市自然资源和规划局"),
        ),
        # --- 电子证照基础库 (政务服务管理局) ---
        EntrySpec(
            "zz_ml",
            "zwfwj",
            "电子证照目录信息",
            "全市签发的电子证照的目录索引：证照标识、证照类型、持证主体、颁证单位和有效期。",
            D.GOVERNANCE,
            [
                text("zzbs", "证照标识", 64, key=True),
                text("zzlxdm", "证照类型代码", 20, required=True),
                text("zzmc", "证照名称", 100, required=True),
                text("czzt", "持证主体", 200, personal=True),
                text(
                    "czztdm",
                    "持证主体代码",
                    18,
                    personal=True,
                    description="公民身份号码或统一社会信用代码",
                ),
                text("bzdw", "颁证单位", 100),
                date("bzrq", "颁证日期"),
                date("yxqz", "有效期至"),
                text("zzzt", "证照状态", 10),
            ],
            shared(_API),
            not_open(PIPL_CLOSED),
            library="e-licence",
            data_format="人大金仓 KingbaseES",
            update_cycle=U.REALTIME,
        ),
        EntrySpec(
            "zz_yyzz",
            "zwfwj",
            "营业执照电子证照",
            "市场监管部门签发的企业营业执照电子证照（版式文件及照面信息），可在政务服务中"
            "代替纸质营业执照。",
            D.ECONOMY,
            [
                text("zzbs", "证照标识", 64, key=True),
                uscc(key=False),
                text("mc", "名称", 200, required=True),
                text("fddbr", "法定代表人", 50, description="依法公示的登记事项"),
                text("zs", "住所", 200),
                date("clrq", "成立日期"),
                text("djjg", "登记机关", 100),
                text("bswj", "版式文件", 200, description="OFD 版式文件地址"),
            ],
            shared(_API),
            open_by(ENTERPRISE_DISCLOSURE),
            library="e-licence",
            data_form=F.SELF_DESCRIBING,
            data_format="JSON + OFD",
            update_cycle=U.REALTIME,
            sensitivity=_PUBLIC,
            collecting="scjgj",
            approving="scjgj",
            related=("fr_qydj",),
            usage=cite("示范市政务服务管理局"),
        ),
        EntrySpec(
            "zz_sfz",
            "zwfwj",
            "居民身份证电子证照",
            "居民身份证照面信息的电子证照，经本人授权后用于政务服务“免提交”。",
            D.GOVERNANCE,
            [
                text("zzbs", "证照标识", 64, key=True),
                ric(key=False),
                person_name(),
                text("xb", "性别", 1),
                text("mz", "民族", 2),
                date("csrq", "出生日期", personal=True),
                text("zz", "住址", 200, personal=True),
                text("qfjg", "签发机关", 100),
                date("yxqz", "有效期限截止日期"),
            ],
            shared_if(
                "须经持证人本人授权，限于办理本人申请的政务服务事项，按次调用。",
                "《中华人民共和国居民身份证法》；《国务院关于在线政务服务的若干规定》；" + PIPL,
                _API,
            ),
            not_open(PIPL_CLOSED),
            library="e-licence",
            data_form=F.SELF_DESCRIBING,
            data_format="JSON + OFD",
            update_cycle=U.REALTIME,
            collecting="gaj",
            approving="gaj",
            related=("rk_jbxx",),
        ),
        EntrySpec(
            "zz_jhz",
            "zwfwj",
            "结婚证电子证照",
            "婚姻登记机关签发的结婚证电子证照。",
            D.CIVIL_AFFAIRS,
            [
                text("zzbs", "证照标识", 64, key=True),
                text("zsbh", "证书编号", 30, required=True),
                ric("nfgmsfhm", "男方公民身份号码", key=False),
                person_name("nfxm", "男方姓名"),
                ric("vfgmsfhm", "女方公民身份号码", key=False),
                person_name("vfxm", "女方姓名"),
                date("djrq", "登记日期", required=True),
                text("djjg", "登记机关", 100),
            ],
            shared_if(
                "须经持证人本人授权，限于办理本人申请的政务服务事项。",
                "《婚姻登记条例》；" + PIPL,
                _API,
            ),
            not_open(PIPL_CLOSED),
            library="e-licence",
            data_form=F.SELF_DESCRIBING,
            data_format="JSON + OFD",
            update_cycle=U.REALTIME,
            collecting="mzj",
            approving="mzj",
        ),
        EntrySpec(
            "zz_bdc",
            "zwfwj",
            "不动产权证书电子证照",
            "不动产登记机构签发的不动产权证书电子证照。",
            D.LAND,
            [
                text("zzbs", "证照标识", 64, key=True),
                text("bdcqzh", "不动产权证号", 50, required=True),
                text("qlr", "权利人", 200, personal=True),
                text("bdcdyh", "不动产单元号", 28),
                text("zl", "坐落", 200, personal=True),
                decimal("mj", "面积（平方米）"),
                text("yt", "用途", 50),
            ],
            shared_if(
                "须经权利人授权或为办理不动产相关政务服务事项。",
                "《不动产登记暂行条例》第二十七条、第二十八条；" + PIPL,
                _API,
            ),
            not_open(PIPL_CLOSED),
            library="e-licence",
            data_form=F.SELF_DESCRIBING,
            data_format="JSON + OFD",
            update_cycle=U.REALTIME,
            collecting="zrzyj",
            state=DRAFT,
        ),
        # --- 社会信用基础库 (发展和改革委员会) ---
        EntrySpec(
            "xy_xk",
            "fgw",
            "行政许可信息（“双公示”）",
            "全市各部门作出的行政许可决定，自作出决定之日起 7 个工作日内公示。",
            D.CREDIT,
            [
                text("xkwsh", "行政许可决定文书号", 64, key=True),
                text("xdrmc", "行政相对人名称", 200, required=True),
                uscc(key=False),
                text("xkzl", "许可类别", 20),
                text("xknr", "许可内容", 2000),
                date("xkjdrq", "许可决定日期", required=True),
                date("yxqz", "有效期至"),
                text("xkjg", "许可机关", 100, required=True),
            ],
            shared(_API, _FILE),
            open_by(DOUBLE_DISCLOSURE),
            library="credit",
            data_format="MySQL 数据库表",
            sensitivity=_PUBLIC,
            collecting="zwfwj",
            usage=cite("信用示范市"),
        ),
        EntrySpec(
            "xy_cf",
            "fgw",
            "行政处罚信息（“双公示”）",
            "全市各部门对法人和非法人组织作出的行政处罚决定，按规定期限公示。",
            D.CREDIT,
            [
                text("cfjdsh", "行政处罚决定书文号", 64, key=True),
                text("xdrmc", "行政相对人名称", 200, required=True),
                uscc(key=False),
                text("wfxw", "违法行为类型", 200),
                text("cfnr", "处罚内容", 2000),
                decimal("fkje", "罚款金额（万元）"),
                date("cfjdrq", "处罚决定日期", required=True),
                date("gsjzqx", "公示截止期", required=True),
                text("cfjg", "处罚机关", 100, required=True),
            ],
            shared(_API, _FILE),
            open_by(DOUBLE_DISCLOSURE),
            library="credit",
            data_format="MySQL 数据库表",
            sensitivity=_PUBLIC,
            usage=cite("信用示范市") + "公示期满的信息不再公开。",
        ),
        EntrySpec(
            "xy_sxmd",
            "fgw",
            "严重失信主体名单",
            "依法依规认定的严重失信主体名单（法人和非法人组织），含认定依据、认定单位和有效期。",
            D.CREDIT,
            [
                text("rdwsh", "认定文书号", 64, key=True),
                text("ztmc", "主体名称", 200, required=True),
                uscc(key=False),
                text("rdyj", "认定依据", 500),
                text("rddw", "认定单位", 100),
                date("rdrq", "认定日期", required=True),
                date("yxqz", "有效期至"),
            ],
            shared(_API),
            open_by(DOUBLE_DISCLOSURE),
            library="credit",
            data_format="MySQL 数据库表",
            update_cycle=U.WEEKLY,
            sensitivity=_PUBLIC,
            usage=cite("信用示范市"),
        ),
        EntrySpec(
            "xy_pj",
            "fgw",
            "公共信用综合评价结果",
            "对本市企业的公共信用综合评价等级，供各部门分级分类监管参考。",
            D.CREDIT,
            [
                uscc(),
                text("mc", "企业名称", 200),
                text("pjdj", "评价等级", 2, required=True),
                decimal("pjdf", "评价得分", 6),
                date("pjrq", "评价日期", required=True),
            ],
            shared_if(
                "限于实施分级分类监管、评优评先、财政资金安排等履职需要。",
                "《中华人民共和国政府信息公开条例》；示范市社会信用体系建设管理办法",
                _API,
            ),
            open_if(
                "企业可依申请查询本企业的评价结果，其他申请人须经被评价企业授权。",
                "《中华人民共和国政府信息公开条例》第十五条（商业秘密）",
            ),
            library="credit",
            update_cycle=U.MONTHLY,
        ),
        EntrySpec(
            "xy_cn",
            "fgw",
            "信用承诺信息",
            "行政相对人在办理政务服务事项时作出的信用承诺及其履约情况。",
            D.CREDIT,
            [
                text("cnbh", "承诺编号", 32, key=True),
                text("cnzt", "承诺主体", 200),
                text("cnsx", "承诺事项", 500),
                date("cnrq", "承诺日期"),
            ],
            shared(_API),
            open_if(
                "依申请开放，涉及个人的承诺不予开放。",
                "《中华人民共和国政府信息公开条例》；" + PIPL,
            ),
            library="credit",
            state=DRAFT,
        ),
    ]


def _theme_entries() -> list[EntrySpec]:
    """The theme databases, compiled by their lead departments (CAT-2, B§9, G§12)."""
    return [
        # --- 健康医疗主题库 (卫健委) ---
        EntrySpec(
            "jk_yljg",
            "wjw",
            "医疗机构执业登记信息",
            "本市医院、社区卫生服务中心、乡镇卫生院、诊所等医疗机构的名称、类别、等级、地址、"
            "诊疗科目和联系电话。",
            D.HEALTH,
            [
                text("djh", "登记号", 30, key=True),
                uscc(key=False),
                text("jgmc", "机构名称", 200, required=True),
                text("jglb", "机构类别", 50),
                text("jgdj", "机构等级", 20),
                text("dz", "地址", 200),
                text("zlkm", "诊疗科目", 1000),
                text("lxdh", "联系电话", 30, description="机构对外公布的电话"),
                date("yxqz", "执业许可证有效期至"),
            ],
            shared(_API, _FILE),
            OPEN,
            library="health",
            update_cycle=U.WEEKLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市卫生健康委员会"),
        ),
        EntrySpec(
            "jk_jkda",
            "wjw",
            "居民电子健康档案",
            "居民的基本健康信息、慢病管理、体检和主要诊疗记录摘要。",
            D.HEALTH,
            [
                text("dabh", "档案编号", 30, key=True),
                ric(key=False),
                person_name(),
                text("xx", "血型", 5, personal=True, level=4),
                text("gms", "过敏史", 500, personal=True, level=4),
                text("mbgl", "慢病管理情况", 500, personal=True, level=4),
                date("jdrq", "建档日期"),
                text("jdjg", "建档机构", 100),
            ],
            shared_if(
                "限于医疗卫生机构为本人提供诊疗和公共卫生服务，经本人授权后按次调阅。",
                "《中华人民共和国基本医疗卫生与健康促进法》第九十二条；" + PIPL,
                _API,
            ),
            not_open("《中华人民共和国基本医疗卫生与健康促进法》第九十二条；" + PIPL_CLOSED),
            library="health",
            importance=_IMPORTANT,
            related=("rk_jbxx",),
        ),
        EntrySpec(
            "jk_cszm",
            "wjw",
            "出生医学证明信息",
            "助产机构签发的出生医学证明信息，供办理出生登记、参保等“出生一件事”。",
            D.HEALTH,
            [
                text("cszmbh", "出生医学证明编号", 20, key=True),
                person_name("xsexm", "新生儿姓名"),
                text("xb", "性别", 1),
                date("csrq", "出生日期", personal=True),
                ric("mqgmsfhm", "母亲公民身份号码", key=False),
                person_name("mqxm", "母亲姓名"),
                ric("fqgmsfhm", "父亲公民身份号码", key=False),
                text("qfjg", "签发机构", 100),
            ],
            shared_if(DUTY_ONLY, "《中华人民共和国母婴保健法》；" + PIPL, _API),
            not_open(PIPL_CLOSED),
            library="health",
            related=("rk_cs",),
        ),
        EntrySpec(
            "jk_ymjz",
            "wjw",
            "预防接种信息",
            "儿童和成人的疫苗接种记录：疫苗名称、剂次、接种单位和日期。",
            D.HEALTH,
            [
                text("jzjlh", "接种记录号", 32, key=True),
                ric(key=False),
                person_name(),
                text("ymmc", "疫苗名称", 100, required=True),
                integer("jc", "剂次"),
                text("jzdw", "接种单位", 100),
                date("jzrq", "接种日期", required=True),
            ],
            shared_if(
                "限于入托入学查验、出入境等需要，经本人或监护人授权。",
                "《中华人民共和国疫苗管理法》第四十七条；" + PIPL,
                _API,
            ),
            not_open(PIPL_CLOSED),
            library="health",
            state=RETURNED,
            note="疫苗追溯需要：请补充疫苗批号和疫苗生产企业信息项后再报送。",
        ),
        # --- 社会保障主题库 (人社局) ---
        EntrySpec(
            "sb_zhxx",
            "rsj",
            "参保人员社会保障综合信息",
            "以公民身份号码关联人口基础信息、死亡注销信息和参保登记信息形成的参保人员综合信息，"
            "支撑待遇资格认证和精准扶助。",
            D.SOCIAL_SECURITY,
            [
                ric(),
                person_name(),
                text("cbzt", "参保状态", 10),
                text("xz", "参保险种", 50),
                text("cbdw", "参保单位", 200),
                text("dyzt", "待遇领取状态", 10, personal=True),
                date("gxrq", "更新日期"),
            ],
            shared_if(DUTY_ONLY, "《中华人民共和国社会保险法》第八十一条；" + PIPL, _API),
            not_open("《中华人民共和国社会保险法》第八十一条；" + PIPL_CLOSED),
            library="social-security",
            related=("rk_jbxx", "rk_sw"),
        ),
        EntrySpec(
            "sb_dyzg",
            "rsj",
            "养老保险待遇领取资格认证信息",
            "养老保险待遇领取人员的资格认证方式、认证日期和认证结果。",
            D.SOCIAL_SECURITY,
            [
                ric(),
                person_name(),
                text("rzfs", "认证方式", 20),
                date("rzrq", "认证日期", required=True),
                text("rzjg", "认证结果", 10, required=True),
            ],
            shared(_API),
            not_open(PIPL_CLOSED),
            library="social-security",
            update_cycle=U.MONTHLY,
            related=("rk_sw",),
        ),
        # --- 食品药品安全主题库 (市场监管局) ---
        EntrySpec(
            "sp_xk",
            "scjgj",
            "食品经营许可信息",
            "食品经营许可证的持证主体、经营场所、经营项目和有效期。",
            D.ECONOMY,
            [
                text("xkzbh", "许可证编号", 20, key=True),
                uscc(key=False),
                text("jyzmc", "经营者名称", 200, required=True),
                text("jycs", "经营场所", 200),
                text("ztyt", "主体业态", 50),
                text("jyxm", "经营项目", 500),
                date("fzrq", "发证日期"),
                date("yxqz", "有效期至"),
            ],
            shared(_API, _FILE),
            OPEN,
            library="food-drug",
            sensitivity=_PUBLIC,
            related=("fr_qydj",),
            usage=cite("示范市市场监督管理局"),
        ),
        EntrySpec(
            "sp_cj",
            "scjgj",
            "食品安全监督抽检信息",
            "食品安全监督抽检的样品、被抽样单位、检验项目和结论，按期向社会公布。",
            D.HEALTH,
            [
                text("cybh", "抽样编号", 30, key=True),
                text("ypmc", "样品名称", 100, required=True),
                text("bcydw", "被抽样单位名称", 200),
                uscc("bcydwdm", "被抽样单位统一社会信用代码", key=False),
                text("jyxm", "检验项目", 500),
                text("jyjl", "检验结论", 20, required=True),
                date("cyrq", "抽样日期"),
            ],
            shared(_API, _FILE),
            OPEN,
            library="food-drug",
            data_form=F.SPREADSHEET,
            data_format="XLSX",
            update_cycle=U.MONTHLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市市场监督管理局"),
        ),
        EntrySpec(
            "sp_yp",
            "scjgj",
            "药品经营许可信息",
            "药品批发、零售连锁总部和零售企业的许可信息。",
            D.HEALTH,
            [
                text("xkzbh", "许可证编号", 20, key=True),
                uscc(key=False),
                text("qymc", "企业名称", 200),
                text("jyfs", "经营方式", 20),
                text("jyfw", "经营范围", 500),
                date("yxqz", "有效期至"),
            ],
            shared(_API),
            OPEN,
            library="food-drug",
            sensitivity=_PUBLIC,
            state=DRAFT,
        ),
        # --- 应急管理主题库 (应急管理局) ---
        EntrySpec(
            "yj_bncs",
            "yjglj",
            "应急避难场所信息",
            "全市应急避难场所的名称、位置、类型、面积和可容纳人数。",
            D.SAFETY,
            [
                text("csbm", "场所编码", 20, key=True),
                text("csmc", "场所名称", 100, required=True),
                text("dz", "地址", 200),
                text("cslx", "场所类型", 20),
                decimal("mj", "有效避难面积（平方米）"),
                integer("rnrs", "可容纳人数"),
                decimal("jd", "经度", 12),
                decimal("wd", "纬度", 12),
            ],
            shared(_API, _FILE),
            OPEN,
            library="emergency",
            update_cycle=U.QUARTERLY,
            sensitivity=_PUBLIC,
            related=("zr_dzdz",),
            usage=cite("示范市应急管理局"),
        ),
        EntrySpec(
            "yj_whp",
            "yjglj",
            "危险化学品企业信息",
            "危险化学品生产、经营、储存企业的重大危险源、主要品种和储量。",
            D.SAFETY,
            [
                uscc(),
                text("qymc", "企业名称", 200, required=True),
                text("zyaqfzr", "主要安全负责人", 50, personal=True),
                text("zdwxy", "重大危险源等级", 10, level=3),
                text("zypz", "主要危化品品种", 500, level=3),
                decimal("zdcl", "最大储量（吨）", level=3),
                text("dz", "生产经营地址", 200),
            ],
            shared_if(
                "限于安全监管、应急救援、消防、规划选址等履职需要。",
                "《危险化学品安全管理条例》；《中华人民共和国安全生产法》",
                _API,
                _OFFLINE,
            ),
            not_open("《中华人民共和国数据安全法》第二十一条：重要数据，不予开放"),
            library="emergency",
            update_cycle=U.MONTHLY,
            importance=_IMPORTANT,
        ),
        EntrySpec(
            "yj_wzcb",
            "yjglj",
            "应急物资储备信息",
            "市级应急物资储备库的物资品类、数量和存放地点。",
            D.SAFETY,
            [
                text("kcbh", "库存编号", 30, key=True),
                text("ckmc", "仓库名称", 100, required=True),
                text("wzpl", "物资品类", 100),
                integer("sl", "数量"),
                text("jldw", "计量单位", 10),
            ],
            shared_if(
                "限于应急处置、物资调度等履职需要。",
                "《中华人民共和国突发事件应对法》",
                _API,
            ),
            not_open("《中华人民共和国突发事件应对法》：储备布局涉及应急保障安全，不予开放"),
            library="emergency",
            update_cycle=U.MONTHLY,
            state=CITY_REVIEW,
        ),
    ]


def _department_entries() -> list[EntrySpec]:
    """Departments' own entries, of city, county and township providers (CAT-1, CAT-3)."""
    return [
        # --- 公安局 ---
        EntrySpec(
            "ga_fcjl",
            "gaj",
            "未成年人犯罪记录封存信息",
            "依法封存的未成年人犯罪记录的登记和查询记录。",
            D.LAW,
            [
                text("fcbh", "封存编号", 30, key=True),
                ric(key=False),
                person_name(),
                date("fcrq", "封存日期", required=True),
                text("fcjg", "封存机关", 100),
            ],
            not_shared(
                "《中华人民共和国刑事诉讼法》第二百八十六条：犯罪记录封存，除司法机关办案需要"
                "或有关单位依法查询外不得向任何单位和个人提供"
            ),
            not_open("《中华人民共和国刑事诉讼法》第二百八十六条；" + PIPL_CLOSED),
            update_cycle=U.IRREGULAR,
            security_level=4,
            usage="不予共享：依法查询须经公安机关按程序办理。",
        ),
        # --- 民政局 ---
        EntrySpec(
            "mz_hydj",
            "mzj",
            "婚姻登记信息",
            "本市婚姻登记机关办理的结婚、离婚、补领婚姻登记证登记信息。",
            D.CIVIL_AFFAIRS,
            [
                text("djbh", "登记编号", 30, key=True),
                text("ywlx", "业务类型", 10, required=True),
                ric("nfgmsfhm", "男方公民身份号码", key=False),
                person_name("nfxm", "男方姓名"),
                ric("vfgmsfhm", "女方公民身份号码", key=False),
                person_name("vfxm", "女方姓名"),
                date("djrq", "登记日期", required=True),
                text("djjg", "登记机关", 100),
            ],
            shared_if(
                DUTY_ONLY + "用于核验婚姻状况时以接口核验方式提供。",
                "《婚姻登记条例》；" + PIPL,
                _API,
            ),
            not_open(PIPL_CLOSED),
        ),
        EntrySpec(
            "mz_db",
            "mzj",
            "最低生活保障对象信息",
            "城乡最低生活保障家庭及成员、保障金额和起止时间。",
            D.CIVIL_AFFAIRS,
            [
                ric(),
                person_name(),
                text("jtbh", "家庭编号", 30, personal=True),
                text("bzlx", "保障类型", 10),
                decimal("bzje", "月保障金额（元）", 10, personal=True),
                date("bzqsrq", "保障起始日期"),
                division(required=True),
            ],
            shared_if(
                "限于社会救助、医疗救助、教育资助等部门核对救助对象。",
                "《社会救助暂行办法》；" + PIPL,
                _API,
                _FILE,
            ),
            not_open(
                "《社会救助暂行办法》：低保对象名单在村（居）民委员会范围内公示，不向社会开放；"
                + PIPL_CLOSED
            ),
            update_cycle=U.MONTHLY,
        ),
        EntrySpec(
            "mz_shzz",
            "mzj",
            "社会组织登记信息",
            "在本市登记的社会团体、民办非企业单位（社会服务机构）和基金会的基本信息。",
            D.CIVIL_AFFAIRS,
            [
                uscc(),
                text("mc", "名称", 200, required=True),
                text("zzlx", "组织类型", 20),
                text("fddbr", "法定代表人", 50, description="依法公告的登记事项"),
                text("ywzgdw", "业务主管单位", 100),
                text("zs", "住所", 200),
                date("djrq", "登记日期"),
                text("djzt", "登记状态", 10),
            ],
            shared(_API, _FILE),
            OPEN,
            sensitivity=_PUBLIC,
            usage=cite("示范市民政局"),
        ),
        EntrySpec(
            "mz_yljg",
            "mzj",
            "养老机构信息",
            "本市养老机构的名称、地址、床位数、收住对象和联系电话。",
            D.CIVIL_AFFAIRS,
            [
                text("jgbm", "机构编码", 30, key=True),
                uscc(key=False),
                text("jgmc", "机构名称", 200, required=True),
                text("dz", "地址", 200),
                integer("cws", "床位数"),
                text("szdx", "收住对象", 100),
                text("lxdh", "联系电话", 30, description="机构对外公布的电话"),
            ],
            shared(_API, _FILE),
            OPEN,
            update_cycle=U.QUARTERLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市民政局"),
        ),
        EntrySpec(
            "mz_sydj",
            "mzj",
            "收养登记信息",
            "收养关系成立和解除登记信息。",
            D.CIVIL_AFFAIRS,
            [
                text("djbh", "登记编号", 30, key=True),
                ric("syrgmsfhm", "收养人公民身份号码", key=False),
                person_name("syrxm", "收养人姓名"),
                person_name("bsyrxm", "被收养人姓名"),
                date("djrq", "登记日期"),
            ],
            not_shared(
                "《中华人民共和国民法典》第一千一百一十条：收养人、送养人要求保守收养秘密的，"
                "其他人应当尊重其意愿，不得泄露"
            ),
            not_open("《中华人民共和国民法典》第一千一百一十条；" + PIPL_CLOSED),
            update_cycle=U.IRREGULAR,
            security_level=4,
            usage="不予共享。",
        ),
        EntrySpec(
            "mz_bzhh",
            "mzj",
            "殡葬火化信息",
            "殡仪馆火化的逝者信息、火化日期和火化证明编号，供待遇停发核验。",
            D.CIVIL_AFFAIRS,
            [
                text("hhzmbh", "火化证明编号", 30, key=True),
                ric(key=False),
                person_name(),
                date("swrq", "死亡日期", personal=True),
                date("hhrq", "火化日期", required=True),
                text("bygmc", "殡仪馆名称", 100),
            ],
            shared(_API, _FILE),
            not_open(PIPL_CLOSED),
            related=("rk_sw",),
            state=CITY_REVIEW,
        ),
        EntrySpec(
            "mz_qhdm",
            "mzj",
            "行政区划代码信息",
            "本市县级以上行政区划和乡级行政区划的代码、名称和变更情况。",
            D.CIVIL_AFFAIRS,
            [
                division(key=True),
                text("qhmc", "区划名称", 100, required=True),
                division("sjqhdm", "上级区划代码"),
                text("qhjb", "区划级别", 10),
            ],
            shared(_API, _FILE),
            OPEN,
            update_cycle=U.IRREGULAR,
            sensitivity=_PUBLIC,
            state=RETURNED_FIXED,
            note="区划调整后各部门需同步更新：请补充变更日期和批准文号信息项后再报送。",
            fix_items=[date("bgrq", "变更日期"), text("pzwh", "批准文号", 50)],
            usage=cite("示范市民政局"),
        ),
        # --- 人力资源和社会保障局 ---
        EntrySpec(
            "rs_cbdj",
            "rsj",
            "社会保险参保登记信息",
            "职工和城乡居民养老、工伤、失业保险的参保登记、险种、参保单位和缴费状态。",
            D.SOCIAL_SECURITY,
            [
                text("cbdjh", "参保登记号", 30, key=True),
                ric(key=False),
                person_name(),
                uscc("dwtyshxydm", "参保单位统一社会信用代码", key=False),
                text("xz", "险种", 20, required=True),
                date("cbrq", "参保日期"),
                text("jfzt", "缴费状态", 10),
                decimal("jfjs", "缴费基数（元）", 10, personal=True),
            ],
            shared_if(
                DUTY_ONLY + "参保证明类需求优先使用接口核验。",
                "《中华人民共和国社会保险法》第八十一条；" + PIPL,
                _API,
            ),
            not_open("《中华人民共和国社会保险法》第八十一条；" + PIPL_CLOSED),
        ),
        EntrySpec(
            "rs_jndj",
            "rsj",
            "职业技能等级证书信息",
            "经备案的职业技能等级认定机构颁发的证书信息。",
            D.SOCIAL_SECURITY,
            [
                text("zsbh", "证书编号", 30, key=True),
                ric(key=False),
                person_name(),
                text("zyjn", "职业（工种）", 100),
                text("jndj", "技能等级", 10),
                date("fzrq", "发证日期"),
                text("rdjg", "认定机构", 100),
            ],
            shared(_API),
            open_if(
                "用人单位经持证人同意后依申请核验证书真伪，不提供批量数据。",
                "《国家职业资格目录》有关规定；" + PIPL,
            ),
            update_cycle=U.WEEKLY,
        ),
        EntrySpec(
            "rs_rlzy",
            "rsj",
            "人力资源服务机构名录",
            "取得人力资源服务许可或备案的机构名称、地址和服务范围。",
            D.SOCIAL_SECURITY,
            [
                text("xkzbh", "许可证编号", 30, key=True),
                uscc(key=False),
                text("jgmc", "机构名称", 200, required=True),
                text("dz", "地址", 200),
                text("fwfw", "服务范围", 500),
                date("yxqz", "有效期至"),
            ],
            shared(_API, _FILE),
            OPEN,
            update_cycle=U.MONTHLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市人力资源和社会保障局"),
        ),
        # --- 自然资源和规划局 ---
        EntrySpec(
            "zr_bdcdj",
            "zrzyj",
            "不动产登记信息",
            "土地、房屋等不动产的权利人、坐落、面积、用途和抵押、查封登记信息。",
            D.LAND,
            [
                text("bdcdyh", "不动产单元号", 28, key=True),
                text("bdcqzh", "不动产权证号", 50),
                text("qlr", "权利人", 200, personal=True),
                text("qlrzjh", "权利人证件号", 18, personal=True),
                text("zl", "坐落", 200, personal=True),
                decimal("mj", "面积（平方米）"),
                text("yt", "用途", 50),
                text("qllx", "权利类型", 20),
                text("dyzt", "抵押状态", 10),
                text("cfzt", "查封状态", 10),
                date("djsj", "登记时间"),
            ],
            shared_if(
                "限于税收征管、司法执行、住房保障、户籍办理等履职需要，按单元或权利人查询。",
                "《不动产登记暂行条例》第二十七条、第二十八条；" + PIPL,
                _API,
            ),
            not_open("《不动产登记暂行条例》第二十八条；" + PIPL_CLOSED),
            importance=_IMPORTANT,
            related=("zr_dzdz",),
        ),
        EntrySpec(
            "zr_ckq",
            "zrzyj",
            "采矿权出让信息",
            "采矿权出让的矿山名称、矿种、面积、出让方式、成交价和有效期。",
            D.LAND,
            [
                text("xkzh", "采矿许可证号", 30, key=True),
                text("ksmc", "矿山名称", 200, required=True),
                text("kz", "开采矿种", 50),
                decimal("kqmj", "矿区面积（平方公里）"),
                text("crfs", "出让方式", 20),
                decimal("cjj", "成交价（万元）"),
                date("yxqz", "有效期至"),
            ],
            shared(_API, _FILE),
            OPEN,
            update_cycle=U.MONTHLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市自然资源和规划局"),
        ),
        # --- 住房和城乡建设局 ---
        EntrySpec(
            "zj_ys",
            "zjj",
            "商品房预售许可信息",
            "商品房预售许可证的项目名称、开发企业、预售范围、套数和面积。",
            D.CONSTRUCTION,
            [
                text("ysxkzh", "预售许可证号", 30, key=True),
                text("xmmc", "项目名称", 200, required=True),
                text("kfqy", "开发企业", 200),
                uscc("kfqydm", "开发企业统一社会信用代码", key=False),
                text("ysfw", "预售范围", 500),
                integer("ts", "套数"),
                decimal("ysmj", "预售面积（平方米）"),
                date("fzrq", "发证日期"),
            ],
            shared(_API, _FILE),
            OPEN,
            sensitivity=_PUBLIC,
            usage=cite("示范市住房和城乡建设局"),
        ),
        EntrySpec(
            "zj_gzf",
            "zjj",
            "公共租赁住房保障对象信息",
            "公共租赁住房申请、审核和配租家庭信息。",
            D.CONSTRUCTION,
            [
                text("sqbh", "申请编号", 30, key=True),
                ric("sqrgmsfhm", "申请人公民身份号码", key=False),
                person_name("sqrxm", "申请人姓名"),
                integer("jtrk", "家庭人口"),
                text("pzfy", "配租房源", 100, personal=True),
                date("pzrq", "配租日期"),
            ],
            shared_if(
                "限于住房保障资格核查和社会救助统筹。",
                "《公共租赁住房管理办法》；" + PIPL,
                _API,
            ),
            not_open(PIPL_CLOSED),
            update_cycle=U.MONTHLY,
            state=DRAFT,
        ),
        # --- 交通运输局 ---
        EntrySpec(
            "jt_gjxl",
            "jtj",
            "公交线路信息",
            "本市公交线路的线路名称、起讫站点、首末班时间、票价和运营单位。",
            D.TRANSPORT,
            [
                text("xlbm", "线路编码", 20, key=True),
                text("xlmc", "线路名称", 50, required=True),
                text("qdz", "起点站", 50),
                text("zdz", "终点站", 50),
                text("sbsj", "首班时间", 5),
                text("mbsj", "末班时间", 5),
                decimal("pj", "票价（元）", 6),
                decimal("xlcd", "线路长度（公里）", 8),
                text("yydw", "运营单位", 100),
            ],
            shared(_API, _FILE),
            OPEN,
            data_form=F.API,
            data_format="JSON",
            update_cycle=U.WEEKLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市交通运输局"),
        ),
        EntrySpec(
            "jt_gjzd",
            "jtj",
            "公交站点信息",
            "公交站点的名称、位置坐标和途经线路。",
            D.TRANSPORT,
            [
                text("zdbm", "站点编码", 20, key=True),
                text("zdmc", "站点名称", 50, required=True),
                decimal("jd", "经度", 12),
                decimal("wd", "纬度", 12),
                text("tjxl", "途经线路", 500),
            ],
            shared(_API, _FILE),
            OPEN,
            data_form=F.SELF_DESCRIBING,
            data_format="GeoJSON",
            update_cycle=U.WEEKLY,
            sensitivity=_PUBLIC,
            related=("jt_gjxl",),
            usage=cite("示范市交通运输局"),
        ),
        EntrySpec(
            "jt_czc",
            "jtj",
            "巡游出租汽车营运车辆信息",
            "巡游出租汽车的车牌号、经营者、车辆运输证和年审情况。",
            D.TRANSPORT,
            [
                text("cph", "车牌号", 10, key=True),
                text("jyz", "经营者", 200),
                text("clyszh", "车辆运输证号", 30),
                text("cx", "车型", 50),
                date("nsrq", "最近年审日期"),
            ],
            shared(_API),
            open_if(
                "乘客投诉、失物查找等需要时依申请查询单车信息。",
                "《巡游出租汽车经营服务管理规定》；" + OPEN_RULES,
            ),
            update_cycle=U.MONTHLY,
        ),
        EntrySpec(
            "jt_ysxk",
            "jtj",
            "道路运输经营许可信息",
            "道路旅客运输、货物运输经营许可的经营者、许可范围和有效期。",
            D.TRANSPORT,
            [
                text("xkzh", "经营许可证号", 30, key=True),
                uscc(key=False),
                text("yhmc", "业户名称", 200, required=True),
                text("jyfw", "经营范围", 500),
                date("yxqz", "有效期至"),
            ],
            shared(_API, _FILE),
            OPEN,
            sensitivity=_PUBLIC,
            state=CITY_REVIEW,
            usage=cite("示范市交通运输局"),
        ),
        # --- 卫生健康委员会 ---
        EntrySpec(
            "wj_yszc",
            "wjw",
            "医师执业注册信息",
            "在本市注册执业的医师的执业类别、执业范围和主要执业机构。",
            D.HEALTH,
            [
                text("zczsbh", "执业证书编码", 30, key=True),
                person_name(),
                text("zylb", "执业类别", 20),
                text("zyfw", "执业范围", 100),
                text("zyjg", "主要执业机构", 200),
            ],
            shared(_API),
            open_if(
                "公众可依申请按姓名和证书编码核验医师执业资格。",
                "《中华人民共和国医师法》；" + PIPL,
            ),
            update_cycle=U.WEEKLY,
        ),
        EntrySpec(
            "wj_jszahz",
            "wjw",
            "严重精神障碍患者管理信息",
            "在册严重精神障碍患者的随访管理信息。",
            D.HEALTH,
            [
                text("glbh", "管理编号", 30, key=True),
                ric(key=False),
                person_name(),
                text("zd", "诊断", 100, personal=True, level=4),
                text("fxdj", "危险性评估等级", 5, personal=True, level=4),
                date("sfrq", "最近随访日期"),
            ],
            not_shared(
                "《中华人民共和国精神卫生法》第四条：有关单位和个人应当对精神障碍患者的姓名、"
                "住址、病历资料以及其他可能推断出其身份的信息予以保密"
            ),
            not_open("《中华人民共和国精神卫生法》第四条；" + PIPL_CLOSED),
            update_cycle=U.MONTHLY,
            importance=_IMPORTANT,
            usage="不予共享；因公共安全需要的，由卫生健康部门按程序个案提供。",
        ),
        # --- 教育局 ---
        EntrySpec(
            "jy_zxx",
            "jyj",
            "中小学校名录",
            "本市中小学校的名称、办学类型、举办者类型、地址和联系电话。",
            D.EDUCATION,
            [
                text("xxbsm", "学校标识码", 10, key=True),
                uscc(key=False),
                text("xxmc", "学校名称", 200, required=True),
                text("bxlx", "办学类型", 20),
                text("jbzlx", "举办者类型", 10),
                text("dz", "地址", 200),
                text("lxdh", "联系电话", 30, description="学校对外公布的电话"),
            ],
            shared(_API, _FILE),
            OPEN,
            data_form=F.SPREADSHEET,
            data_format="XLSX",
            update_cycle=U.HALF_YEARLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市教育局"),
        ),
        EntrySpec(
            "jy_xjxx",
            "jyj",
            "中小学生学籍信息",
            "在校中小学生的学籍号、就读学校、年级和学籍状态。",
            D.EDUCATION,
            [
                text("xjh", "全国学籍号", 20, key=True),
                ric(key=False),
                person_name(),
                text("jdxx", "就读学校", 200),
                text("nj", "年级", 10),
                text("xjzt", "学籍状态", 10),
            ],
            shared_if(
                "限于教育资助、随迁子女入学、社会救助等履职需要。",
                "《中小学生学籍管理办法》；《中华人民共和国未成年人保护法》；" + PIPL,
                _API,
            ),
            not_open("《中华人民共和国未成年人保护法》；" + PIPL_CLOSED),
            update_cycle=U.MONTHLY,
            security_level=4,
        ),
        EntrySpec(
            "jy_xqhf",
            "jyj",
            "义务教育学校招生学区划分",
            "公办义务教育学校的招生范围（对口小区、街路巷）和招生计划。",
            D.EDUCATION,
            [
                text("xxbsm", "学校标识码", 10, key=True),
                integer("nd", "年度", key=True),
                text("xxmc", "学校名称", 200),
                text("zsfw", "招生范围", 2000),
                integer("zsjh", "招生计划数"),
            ],
            shared(_FILE, _BROWSE),
            OPEN,
            data_form=F.SPREADSHEET,
            data_format="XLSX",
            update_cycle=U.YEARLY,
            sensitivity=_PUBLIC,
            related=("jy_zxx",),
            usage=cite("示范市教育局"),
        ),
        # --- 市场监督管理局 ---
        EntrySpec(
            "sc_tzsb",
            "scjgj",
            "特种设备使用登记信息",
            "电梯、锅炉、压力容器等特种设备的使用单位、登记证号和定期检验情况。",
            D.SAFETY,
            [
                text("sydjzh", "使用登记证编号", 30, key=True),
                text("sblb", "设备类别", 20),
                text("sydw", "使用单位", 200),
                uscc("sydwdm", "使用单位统一社会信用代码", key=False),
                text("azdd", "安装地点", 200),
                date("xcjyrq", "下次检验日期"),
            ],
            shared(_API),
            open_if(
                "物业服务人、业主可依申请查询所在建筑电梯的使用登记和检验信息。",
                "《中华人民共和国特种设备安全法》",
            ),
            update_cycle=U.WEEKLY,
        ),
        # --- 生态环境局 ---
        EntrySpec(
            "st_kqzl",
            "sthjj",
            "环境空气质量实时监测数据",
            "国控、省控空气质量自动监测站点逐小时的 PM2.5、PM10、SO2、NO2、O3、CO 浓度和"
            "空气质量指数（AQI）。",
            D.ENVIRONMENT,
            [
                text("zdbm", "站点编码", 10, key=True),
                item("jcsj", "监测时间", "datetime", key=True),
                text("zdmc", "站点名称", 50),
                integer("pm25", "PM2.5（μg/m³）"),
                integer("pm10", "PM10（μg/m³）"),
                integer("so2", "SO2（μg/m³）"),
                integer("no2", "NO2（μg/m³）"),
                integer("o3", "O3（μg/m³）"),
                decimal("co", "CO（mg/m³）", 6),
                integer("aqi", "空气质量指数"),
                text("sywrw", "首要污染物", 20),
            ],
            shared(_API, _FILE),
            open_by("《中华人民共和国大气污染防治法》；《环境空气质量标准》（GB 3095-2012）"),
            data_form=F.API,
            data_format="JSON",
            update_cycle=U.REALTIME,
            sensitivity=_PUBLIC,
            usage=cite("示范市生态环境局") + "实时数据未经审核，以审核后发布的数据为准。",
        ),
        EntrySpec(
            "st_pwdw",
            "sthjj",
            "重点排污单位名录",
            "大气、水、土壤环境重点排污单位和环境风险重点管控单位名录。",
            D.ENVIRONMENT,
            [
                uscc(),
                text("dwmc", "单位名称", 200, required=True),
                text("lb", "类别", 50),
                text("dz", "地址", 200),
                integer("nd", "年度"),
            ],
            shared(_API, _FILE),
            OPEN,
            data_form=F.SPREADSHEET,
            data_format="XLSX",
            update_cycle=U.YEARLY,
            sensitivity=_PUBLIC,
            related=("fr_qydj",),
            usage=cite("示范市生态环境局"),
        ),
        EntrySpec(
            "st_hpsp",
            "sthjj",
            "建设项目环境影响评价审批信息",
            "建设项目环境影响报告书（表）的受理、批复文号和批复日期。",
            D.ENVIRONMENT,
            [
                text("pfwh", "批复文号", 50, key=True),
                text("xmmc", "项目名称", 200, required=True),
                text("jsdw", "建设单位", 200),
                text("jsdd", "建设地点", 200),
                date("pfrq", "批复日期"),
            ],
            shared(_API, _FILE),
            OPEN,
            sensitivity=_PUBLIC,
            state=CITY_REVIEW,
            usage=cite("示范市生态环境局"),
        ),
        # --- 统计局 ---
        EntrySpec(
            "tj_zyzb",
            "tjj",
            "国民经济和社会发展主要统计指标",
            "地区生产总值、规模以上工业增加值、固定资产投资、社会消费品零售总额等月度、"
            "季度主要指标。",
            D.ECONOMY,
            [
                text("zbdm", "指标代码", 20, key=True),
                text("tjq", "统计期", 7, key=True),
                text("zbmc", "指标名称", 100, required=True),
                decimal("zbz", "指标值"),
                text("jldw", "计量单位", 20),
                decimal("tbzz", "同比增长（%）", 8),
            ],
            shared(_API, _FILE),
            OPEN,
            data_form=F.SPREADSHEET,
            data_format="XLSX",
            update_cycle=U.MONTHLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市统计局") + "以正式公布的统计数据为准。",
        ),
        # --- 税务局 ---
        EntrySpec(
            "sw_nsrdj",
            "swj",
            "纳税人登记信息",
            "单位和个体纳税人的税务登记状态、纳税人资格和主管税务机关。",
            D.FINANCE,
            [
                uscc("nsrsbh", "纳税人识别号"),
                text("nsrmc", "纳税人名称", 200, required=True),
                text("djzt", "登记状态", 10),
                text("nsrzg", "纳税人资格", 20),
                text("zgswjg", "主管税务机关", 100),
                date("djrq", "登记日期"),
            ],
            shared_if(
                "限于税费协同共治、财政补助资金审核、招投标资格核验等履职需要。",
                "《中华人民共和国税收征收管理法》第八条",
                _API,
            ),
            not_open("《中华人民共和国税收征收管理法》第八条：依法为纳税人的情况保密"),
        ),
        EntrySpec(
            "sw_qsgg",
            "swj",
            "欠税公告信息",
            "依法定期公告的欠缴税款的企业和单位、欠税税种和欠税余额。",
            D.FINANCE,
            [
                uscc("nsrsbh", "纳税人识别号"),
                text("nsrmc", "纳税人名称", 200, required=True),
                text("qssz", "欠税税种", 50),
                decimal("qsye", "欠税余额（元）"),
                date("ggrq", "公告日期", key=True),
            ],
            shared(_API, _FILE),
            open_by(
                "《中华人民共和国税收征收管理法》第四十五条：税务机关应当对纳税人欠缴税款的情况定期予以公告"
            ),
            update_cycle=U.QUARTERLY,
            sensitivity=_PUBLIC,
            usage=cite("国家税务总局示范市税务局"),
        ),
        # --- 中级人民法院 ---
        EntrySpec(
            "zy_sxbzxr",
            "zy",
            "失信被执行人信息（法人和非法人组织）",
            "被纳入失信被执行人名单的法人和非法人组织、执行依据和失信情形。",
            D.LAW,
            [
                text("ah", "案号", 50, key=True),
                text("bzxrmc", "被执行人名称", 200, required=True),
                uscc(key=False),
                text("zxyj", "执行依据文号", 100),
                text("sxqx", "失信情形", 500),
                date("fbrq", "发布日期"),
            ],
            shared(_API),
            open_by("《最高人民法院关于公布失信被执行人名单信息的若干规定》"),
            update_cycle=U.WEEKLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市中级人民法院"),
        ),
        # --- 发展和改革委员会 ---
        EntrySpec(
            "fg_tzxm",
            "fgw",
            "政府投资项目审批信息",
            "政府投资项目建议书、可行性研究报告、初步设计的审批文号、总投资和建设内容。",
            D.ECONOMY,
            [
                text("xmdm", "项目代码", 24, key=True),
                text("xmmc", "项目名称", 200, required=True),
                text("xmdw", "项目单位", 200),
                decimal("ztz", "总投资（万元）"),
                text("spwh", "审批文号", 50),
                date("sprq", "审批日期"),
            ],
            shared(_API, _FILE),
            OPEN,
            update_cycle=U.MONTHLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市发展和改革委员会"),
        ),
        # --- 财政局 ---
        EntrySpec(
            "cz_cght",
            "czj",
            "政府采购合同信息",
            "政府采购项目的采购人、供应商、合同金额和签订日期。",
            D.FINANCE,
            [
                text("htbh", "合同编号", 50, key=True),
                text("xmmc", "项目名称", 200),
                text("cgr", "采购人", 200),
                text("gys", "供应商", 200),
                uscc("gysdm", "供应商统一社会信用代码", key=False),
                decimal("htje", "合同金额（元）"),
                date("qdrq", "签订日期"),
            ],
            shared(_API, _FILE),
            OPEN,
            sensitivity=_PUBLIC,
            usage=cite("示范市财政局"),
        ),
        # --- 医疗保障局 ---
        EntrySpec(
            "yb_ddjg",
            "ybj",
            "医保定点医药机构名录",
            "基本医疗保险定点医疗机构和定点零售药店的名称、类别、地址和联系电话。",
            D.HEALTH,
            [
                text("ddbm", "定点机构编码", 20, key=True),
                text("jgmc", "机构名称", 200, required=True),
                text("jglb", "机构类别", 20),
                text("dz", "地址", 200),
                text("lxdh", "联系电话", 30, description="机构对外公布的电话"),
            ],
            shared(_API, _FILE),
            OPEN,
            update_cycle=U.MONTHLY,
            sensitivity=_PUBLIC,
            related=("jk_yljg",),
            usage=cite("示范市医疗保障局"),
        ),
        EntrySpec(
            "yb_cbjf",
            "ybj",
            "基本医疗保险参保缴费信息",
            "职工和城乡居民基本医疗保险的参保状态、缴费年度和缴费档次。",
            D.HEALTH,
            [
                ric(),
                person_name(),
                text("cblx", "参保类型", 10),
                text("cbzt", "参保状态", 10),
                integer("jfnd", "缴费年度"),
                text("jfdc", "缴费档次", 10, personal=True),
            ],
            shared_if(
                DUTY_ONLY + "用于医疗救助、资助参保时按名单比对。",
                "《医疗保障基金使用监督管理条例》；" + PIPL,
                _API,
            ),
            not_open(PIPL_CLOSED),
            update_cycle=U.MONTHLY,
        ),
        # --- 文化广电旅游局 ---
        EntrySpec(
            "wg_jq",
            "wglj",
            "A级旅游景区名录",
            "本市 A 级旅游景区的名称、等级、地址、开放时间和咨询电话。",
            D.COMMERCE,
            [
                text("jqbm", "景区编码", 20, key=True),
                text("jqmc", "景区名称", 100, required=True),
                text("dj", "等级", 5),
                text("dz", "地址", 200),
                text("kfsj", "开放时间", 100),
                text("zxdh", "咨询电话", 30),
            ],
            shared(_API, _FILE),
            OPEN,
            data_form=F.SPREADSHEET,
            data_format="XLSX",
            update_cycle=U.QUARTERLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市文化广电旅游局"),
        ),
        # --- 农业农村局 ---
        EntrySpec(
            "ny_cbjy",
            "nyncj",
            "农村土地承包经营权确权登记信息",
            "农村土地承包经营权的承包方、地块、面积和证书信息。",
            D.AGRICULTURE,
            [
                text("dkbm", "地块编码", 19, key=True),
                text("cbfbm", "承包方编码", 18),
                person_name("cbfdb", "承包方代表"),
                decimal("htmj", "合同面积（亩）", 10),
                text("qzbh", "权证编号", 30),
            ],
            shared_if(
                "限于农业补贴发放、土地流转管理等履职需要。",
                "《中华人民共和国农村土地承包法》；" + PIPL,
                _API,
                _FILE,
            ),
            not_open(PIPL_CLOSED),
            update_cycle=U.YEARLY,
            state=DRAFT,
        ),
        # --- 政务服务管理局 ---
        EntrySpec(
            "zw_sxml",
            "zwfwj",
            "政务服务事项目录",
            "全市政务服务事项的事项名称、实施主体、办理条件、办理时限和收费标准。",
            D.GOVERNANCE,
            [
                text("sxbm", "事项编码", 40, key=True),
                text("sxmc", "事项名称", 200, required=True),
                text("sxlx", "事项类型", 20),
                text("sszt", "实施主体", 100),
                text("bltj", "办理条件", 2000),
                integer("fdsx", "法定办结时限（工作日）"),
                integer("cnsx", "承诺办结时限（工作日）"),
                text("sfbz", "收费标准", 200),
            ],
            shared(_API, _FILE),
            OPEN,
            update_cycle=U.WEEKLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市政务服务管理局"),
        ),
        EntrySpec(
            "zw_bjxx",
            "zwfwj",
            "政务服务办件信息",
            "政务服务事项的受理、办结记录和申请人信息，用于“一网通办”协同和好差评。",
            D.GOVERNANCE,
            [
                text("bjbh", "办件编号", 40, key=True),
                text("sxbm", "事项编码", 40),
                text("sqr", "申请人", 200, personal=True),
                text("sqrzjh", "申请人证件号", 18, personal=True),
                item("slsj", "受理时间", "datetime"),
                item("bjsj", "办结时间", "datetime"),
                text("bjjg", "办结结果", 20),
            ],
            shared(_API),
            not_open(PIPL_CLOSED),
            update_cycle=U.REALTIME,
            related=("zw_sxml",),
        ),
        # --- Public service organisations (B§2, A§3) ---
        EntrySpec(
            "yy_czpb",
            "rmyy",
            "门诊专家出诊信息",
            "示范市第一人民医院各科室门诊专家的出诊时间和号源。",
            D.HEALTH,
            [
                text("pbbh", "排班编号", 30, key=True),
                text("ks", "科室", 50),
                text("ysxm", "医生姓名", 50, description="医院对外公布的出诊医生"),
                text("zc", "职称", 20),
                date("czrq", "出诊日期"),
                text("sd", "时段", 10),
                integer("hy", "号源数"),
            ],
            shared(_API),
            OPEN,
            data_form=F.API,
            data_format="JSON",
            update_cycle=U.DAILY,
            sensitivity=_PUBLIC,
            usage=cite("示范市第一人民医院"),
        ),
        EntrySpec(
            "zls_szgg",
            "zls",
            "供水水质公告信息",
            "出厂水和管网水的水质检测指标，按月公告。",
            D.ENVIRONMENT,
            [
                text("jcdbm", "检测点编码", 20, key=True),
                date("jcrq", "检测日期", key=True),
                text("jcdmc", "检测点名称", 100),
                decimal("zd", "浊度（NTU）", 8),
                decimal("yl", "余氯（mg/L）", 8),
                integer("xjzs", "菌落总数（CFU/mL）"),
                text("jl", "结论", 10),
            ],
            shared(_API, _FILE),
            OPEN,
            data_form=F.SPREADSHEET,
            data_format="XLSX",
            update_cycle=U.MONTHLY,
            sensitivity=_PUBLIC,
            usage=cite("示范市自来水有限公司"),
        ),
        # --- Counties and townships: reviewed by their county authority first (CAT-3) ---
        EntrySpec(
            "dx_tkry",
            "dx_mzj",
            "东县特困人员救助供养信息",
            "东县特困人员的供养方式、供养机构和救助供养标准。",
            D.CIVIL_AFFAIRS,
            [
                ric(),
                person_name(),
                text("gyfs", "供养方式", 10),
                text("gyjg", "供养机构", 100),
                decimal("gybz", "供养标准（元/月）", 10, personal=True),
                division(required=True),
            ],
            shared_if(
                "限于社会救助、医疗救助、住房保障等部门核对救助对象。",
                "《社会救助暂行办法》；" + PIPL,
                _API,
            ),
            not_open(PIPL_CLOSED),
            update_cycle=U.MONTHLY,
            related=("mz_db",),
        ),
        EntrySpec(
            "dx_cxdb",
            "dx_mzj",
            "东县城乡低保对象信息",
            "东县城乡最低生活保障家庭、成员和保障金发放情况，按月汇总报市民政局。",
            D.CIVIL_AFFAIRS,
            [
                ric(),
                person_name(),
                text("jtbh", "家庭编号", 30, personal=True),
                decimal("bzje", "月保障金额（元）", 10, personal=True),
                date("ffrq", "发放日期"),
                division(required=True),
            ],
            shared_if(
                "限于社会救助部门核对救助对象。",
                "《社会救助暂行办法》；" + PIPL,
                _API,
                _FILE,
            ),
            not_open(PIPL_CLOSED),
            update_cycle=U.MONTHLY,
            related=("mz_db",),
            state=COUNTY_REVIEW,
        ),
        EntrySpec(
            "dx_lsjz",
            "dx_mzj",
            "东县临时救助信息",
            "东县对遭遇突发困难家庭实施临时救助的记录。",
            D.CIVIL_AFFAIRS,
            [
                text("jzbh", "救助编号", 30, key=True),
                text("sqr", "申请人", 50),
                decimal("jzje", "救助金额（元）", 10),
                date("jzrq", "救助日期"),
            ],
            shared(_API),
            not_open(PIPL_CLOSED),
            update_cycle=U.MONTHLY,
            state=RETURNED,
            note="申请人为个人信息，请标注个人信息并补充公民身份号码信息项；"
            "救助对象信息建议有条件共享并写明共享条件和依据。",
        ),
        EntrySpec(
            "hk_ggss",
            "dx_hk",
            "河口镇村级公共服务设施信息",
            "河口镇各村村级党群服务中心、卫生室、文化活动室、农家书屋的位置和开放时间。",
            D.CIVIL_AFFAIRS,
            [
                text("ssbm", "设施编码", 20, key=True),
                text("ssmc", "设施名称", 100, required=True),
                text("sslx", "设施类型", 20),
                text("szc", "所在村", 50),
                text("kfsj", "开放时间", 100),
                text("lxdh", "联系电话", 30, description="设施对外公布的电话"),
            ],
            shared(_API, _FILE),
            OPEN,
            data_form=F.SPREADSHEET,
            data_format="XLSX",
            update_cycle=U.HALF_YEARLY,
            sensitivity=_PUBLIC,
            state=CITY_REVIEW,
            usage=cite("东县河口镇人民政府"),
        ),
        EntrySpec(
            "zq_xqzz",
            "zq_jyj",
            "中区学前教育资助信息",
            "中区家庭经济困难幼儿的资助对象、资助金额和发放学期。",
            D.EDUCATION,
            [
                text("zzbh", "资助编号", 30, key=True),
                ric(key=False),
                person_name("yexm", "幼儿姓名"),
                text("yey", "就读幼儿园", 100),
                decimal("zzje", "资助金额（元）", 10, personal=True),
                text("xq", "学期", 20),
            ],
            shared_if(
                "限于教育资助、社会救助部门核对资助对象。",
                "《学生资助资金管理办法》；" + PIPL,
                _API,
            ),
            not_open(PIPL_CLOSED),
            update_cycle=U.HALF_YEARLY,
            state=COUNTY_REVIEW,
        ),
    ]


def entry_specs() -> list[EntrySpec]:
    """Every entry of the demo catalog, in the order it is compiled (related entries first)."""
    return [*_base_entries(), *_theme_entries(), *_department_entries()]


# --- Revisions and maintenance of published entries (CAT-4) ------------------------------------------


@dataclass(frozen=True)
class RevisionSpec:
    entry: str
    reason: str
    changes: dict[str, Any] = field(default_factory=dict)  # entry fields
    add_items: list[dict[str, Any]] = field(default_factory=list)
    related: tuple[str, ...] = ()  # keys of entries to relate to
    submit: bool = True


REVISIONS = [
    RevisionSpec(
        "rk_jbxx",
        "根据民政、人社部门在需求清单中提出的核验需要，新增服务处所信息项，并关联居民身份证"
        "电子证照。",
        add_items=[text("fwcs", "服务处所", 200, personal=True)],
        related=("zz_sfz",),
    ),
    RevisionSpec(
        "fr_qydj",
        "关联营业执照电子证照和经营异常名录，补充登记状态的代码说明。",
        related=("zz_yyzz", "fr_jyyc"),
        changes={
            "summary": "在本市登记的企业的统一社会信用代码、名称、法定代表人、注册资本、"
            "住所、经营范围和登记状态（存续、在业、吊销、注销、迁出），依法向社会公示。"
        },
    ),
    RevisionSpec(
        "dx_tkry",
        "县级供养机构调整，补充供养机构统一社会信用代码。",
        add_items=[uscc("gyjgdm", "供养机构统一社会信用代码", key=False)],
    ),
]


@dataclass(frozen=True)
class TaskSpec:
    entry: str
    trigger: str
    reason: str
    raised_by: str  # user name; "" for the provider's compiler
    revision: str = ""  # if set, the provider starts a revision for the task (left as a draft)


TASKS = [
    TaskSpec(
        "mz_hydj",
        MaintenanceTrigger.LAW_CHANGE,
        "婚姻登记实行“跨省通办”后，登记机关和登记地信息项需按新的业务规范调整，"
        "请在期限内更新目录。",
        "dsj_exec",
    ),
    TaskSpec(
        "sb_dyzg",
        MaintenanceTrigger.SITUATION_CHANGE,
        "资格认证改为以大数据比对为主、静默认证，认证方式代码有变化。",
        "",
        revision="认证方式新增“数据比对（静默认证）”，更新认证方式信息项的说明。",
    ),
]


# --- Loading -------------------------------------------------------------------------------------


@dataclass
class Loaded:
    libraries: int
    entries: int
    published: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.entries} catalog entries ({self.published} published) in "
            f"{self.libraries} base and theme databases"
        )


def _check_empty() -> None:
    if Resource.objects.exists() or Library.objects.exists():
        raise CatalogNotEmpty("catalog entries exist already")


@dataclass(frozen=True)
class SystemSpec:
    """A department's business system (CAT-7) and the entries it is the source of."""

    key: str
    provider: str
    name: str
    description: str
    status: str
    sources: tuple[str, ...] = ()  # keys of the entries it feeds


SYSTEMS = [
    SystemSpec(
        "gaj_rk",
        "gaj",
        "人口信息管理系统",
        "户籍登记、迁移、出生和死亡注销业务系统。",
        SystemStatus.IN_USE,
        ("rk_jbxx", "rk_qy", "rk_cs", "rk_sw"),
    ),
    SystemSpec(
        "scj_dj",
        "scjgj",
        "市场主体登记注册系统",
        "企业、个体工商户设立和变更登记业务系统。",
        SystemStatus.IN_USE,
        ("fr_qydj", "fr_gtgsh", "fr_bg"),
    ),
    SystemSpec(
        "mzj_hy",
        "mzj",
        "婚姻登记管理信息系统",
        "结婚、离婚登记和补发证件业务系统。",
        SystemStatus.IN_USE,
        ("mz_hydj",),
    ),
    SystemSpec(
        "sthj_kq",
        "sthjj",
        "环境空气质量自动监测系统",
        "国控、省控空气自动监测站点数据采集系统。",
        SystemStatus.IN_USE,
        ("st_kqzl",),
    ),
    # Planned and without catalog entries yet: its page shows what acceptance still lacks.
    SystemSpec(
        "jtj_gj",
        "jtj",
        "智慧公交调度系统",
        "公交线路、车辆和到站预报的调度系统，建设中。",
        SystemStatus.PLANNED,
    ),
]
SOURCES = {entry: spec.key for spec in SYSTEMS for entry in spec.sources}


@dataclass(frozen=True)
class DemandSpec:
    """A line of the demand list (CAT-6), and how far it has come."""

    requester: str
    title: str
    purpose: str
    basis: str
    description: str = ""
    responsible: str | None = None  # assigned to this department by the city authority


DEMANDS = [
    DemandSpec(
        "rsj",
        "死亡人口信息",
        "养老保险待遇领取资格认证，及时停发死亡人员待遇，防止冒领。",
        "《社会保险法》第十八条；《社会保险经办条例》",
        "按日提供辖区内死亡注销人员的公民身份号码、姓名和死亡日期。",
    ),
    DemandSpec(
        "mzj",
        "不动产登记信息",
        "最低生活保障家庭经济状况核对。",
        "《社会救助暂行办法》第十一条",
        "申请家庭成员名下的不动产权属和面积。",
        responsible="zrzyj",
    ),
]


@dataclass(frozen=True)
class ResponsibilitySpec:
    """A line of the responsibility list (CAT-6): data a department must provide."""

    organisation: str
    title: str
    basis: str
    entry: str | None = None  # key of the published entry that fulfils it


RESPONSIBILITIES = [
    ResponsibilitySpec("gaj", "人口基础信息", "《户口登记条例》；市政务数据资源目录", "rk_jbxx"),
    ResponsibilitySpec("mzj", "婚姻登记信息", "《婚姻登记条例》", "mz_hydj"),
    ResponsibilitySpec("jtj", "公交线路和站点信息", "《城市公共交通条例》第三十条"),
]


class _Demo:
    """The people and organisations of the demo city, looked up once."""

    def __init__(self) -> None:
        specs = org_demo.org_specs()
        codes = {
            fake_uscc(s.division_code, serial, registration=s.registration): s.key
            for serial, s in enumerate(specs, start=1)
        }
        self.orgs: dict[str, Organisation] = {
            codes[o.uscc]: o
            for o in Organisation.objects.filter(uscc__in=list(codes))
            if o.uscc is not None
        }
        missing = [s.key for s in specs if s.key not in self.orgs]
        admin = Person.objects.filter(username="admin").first()
        if missing or admin is None:
            raise org_demo.DemoError(
                "the demo catalog needs the demo city's organisations: load them first"
            )
        self.admin = Actor.for_person(admin)
        self.systems: dict[str, InformationSystem] = {}
        self._actors: dict[str, Actor] = {}
        self._compilers: dict[int, Actor] = {}
        self._county_reviewers: dict[int, Actor] = {}
        self.city_reviewers = self.holders(self.authority(Level.CITY), [Role.REVIEWER])
        if not self.city_reviewers:
            raise org_demo.DemoError("the city data authority has no reviewer")

    def person(self, username: str) -> Actor:
        if username not in self._actors:
            self._actors[username] = Actor.for_person(Person.objects.get(username=username))
        return self._actors[username]

    def holders(self, organisation: Organisation | None, roles: list[str]) -> list[Actor]:
        """People holding one of ``roles`` in the organisation, by role order then id."""
        if organisation is None:
            return []
        found: list[Actor] = []
        for role in roles:
            for username in (
                RoleAssignment.objects.filter(
                    organisation=organisation, role=role, person__is_active=True
                )
                .order_by("person_id")
                .values_list("person__username", flat=True)
            ):
                found.append(self.person(username))
        return found

    def authority(self, level: str) -> Organisation | None:
        return org_queries.authority_of_area(self.orgs["root"], level)

    def compiler(self, provider: Organisation) -> Actor:
        """Its data staff; else its chief data officer or data executive; else the platform
        administrator (the demo city gives data staff to a few departments only)."""
        if provider.pk not in self._compilers:
            holders = self.holders(
                provider, [Role.DATA_STAFF, Role.CHIEF_DATA_OFFICER, Role.DATA_EXECUTIVE]
            )
            self._compilers[provider.pk] = holders[0] if holders else self.admin
        return self._compilers[provider.pk]

    def county_reviewer(self, provider: Organisation) -> Actor:
        if provider.pk not in self._county_reviewers:
            authority = org_queries.authority_of_area(provider, Level.COUNTY)
            holders = self.holders(authority, [Role.REVIEWER])
            if not holders:
                raise org_demo.DemoError(f"no county reviewer for {provider.name}")
            self._county_reviewers[provider.pk] = holders[0]
        return self._county_reviewers[provider.pk]


def _entry_fields(spec: EntrySpec, demo: _Demo, codes: dict[str, str]) -> dict[str, Any]:
    base_level = 1 if spec.sensitivity == Sensitivity.PUBLIC else 2
    levels = [i["security_level"] or base_level for i in spec.items]
    return {
        "name": spec.name,
        "summary": spec.summary,
        "domain": spec.domain,
        "data_form": spec.data_form,
        "data_format": spec.data_format,
        **spec.share,
        **spec.opening,
        "update_cycle": spec.update_cycle,
        "sensitivity": spec.sensitivity,
        "importance": spec.importance,
        "security_level": spec.security_level or max([base_level, *levels]),
        "usage_requirements": spec.usage,
        "collecting_org_id": demo.orgs[spec.collecting].pk if spec.collecting else None,
        "approving_org_id": demo.orgs[spec.approving].pk if spec.approving else None,
        "related_codes": [codes[key] for key in spec.related],
        "source_system_id": demo.systems[SOURCES[spec.key]].pk if spec.key in SOURCES else None,
    }


def _items(spec_items: list[dict[str, Any]], sensitivity: str) -> list[dict[str, Any]]:
    base_level = 1 if sensitivity == Sensitivity.PUBLIC else 2
    return [{**i, "security_level": i["security_level"] or base_level} for i in spec_items]


def _review(demo: _Demo, version: ResourceVersion, *, until: str, turn: int) -> None:
    """Submit ``version`` and take it up the levels until it waits at ``until`` or is published;
    ``turn`` picks which city reviewer acts, so both reviewers' names are in the trail."""
    compiler = demo.compiler(version.resource.provider)
    services.check_submit_version(actor=compiler, version=version)
    if version.status == VersionStatus.COUNTY_REVIEW and until != COUNTY_REVIEW:
        services.do_approve_version(
            actor=demo.county_reviewer(version.resource.provider), version=version
        )
    if version.status == VersionStatus.CITY_REVIEW and until == PUBLISHED:
        reviewer = demo.city_reviewers[turn % len(demo.city_reviewers)]
        services.do_approve_version(actor=reviewer, version=version)


def _first_level_reviewer(demo: _Demo, version: ResourceVersion) -> Actor:
    if version.status == VersionStatus.COUNTY_REVIEW:
        return demo.county_reviewer(version.resource.provider)
    return demo.city_reviewers[-1]


def _build() -> Loaded:
    demo = _Demo()
    libraries: dict[str, Library] = {}
    # CAT-2: the city data authority sets up the base and theme databases.
    authority_exec = demo.holders(demo.authority(Level.CITY), [Role.DATA_EXECUTIVE])
    creator = authority_exec[0] if authority_exec else demo.admin
    for lib in LIBRARIES:
        libraries[lib.key] = do_create_library(
            actor=creator,
            resource_class=lib.resource_class,
            code=lib.key,
            name=lib.name,
            lead_department=demo.orgs[lib.lead],
            description=lib.description,
        )

    # CAT-7: the departments' business systems, registered before the entries they feed.
    for system in SYSTEMS:
        provider = demo.orgs[system.provider]
        demo.systems[system.key] = system_services.check_register_system(
            actor=demo.compiler(provider),
            organisation=provider,
            name=system.name,
            description=system.description,
            status=system.status,
        )

    codes: dict[str, str] = {}
    for turn, spec in enumerate(entry_specs()):
        provider = demo.orgs[spec.provider]
        library = libraries[spec.library] if spec.library else None
        version = services.check_create_resource(
            actor=demo.compiler(provider),
            provider=provider,
            resource_class=library.resource_class if library else _DEPT,
            library=library,
            entry=_entry_fields(spec, demo, codes),
            items=_items(spec.items, spec.sensitivity),
        )
        codes[spec.key] = version.resource.code
        if spec.state == DRAFT:
            continue
        if spec.state in (RETURNED, RETURNED_FIXED):
            services.check_submit_version(actor=demo.compiler(provider), version=version)
            services.do_reject_version(
                actor=_first_level_reviewer(demo, version), version=version, comment=spec.note
            )
            if spec.state == RETURNED:
                continue
            # CAT-3: the provider fixes what the reviewer named and submits again.
            version = services.check_update_version(
                actor=demo.compiler(provider),
                version=version,
                edit_seq=version.edit_seq,
                entry=_entry_fields(spec, demo, codes),
                items=_items([*spec.items, *spec.fix_items], spec.sensitivity),
            )
            _review(demo, version, until=PUBLISHED, turn=turn)
            continue
        _review(demo, version, until=spec.state, turn=turn)

    specs = {s.key: s for s in entry_specs()}
    for rev in REVISIONS:
        spec = specs[rev.entry]
        resource = Resource.objects.get(code=codes[rev.entry])
        compiler = demo.compiler(resource.provider)
        draft = services.check_start_revision(actor=compiler, resource=resource, reason=rev.reason)
        fields = _entry_fields(spec, demo, codes)
        fields.update(rev.changes)
        fields["related_codes"] = sorted(
            {*fields["related_codes"], *(codes[k] for k in rev.related)}
        )
        draft = services.check_update_version(
            actor=compiler,
            version=draft,
            edit_seq=draft.edit_seq,
            entry=fields,
            items=_items([*spec.items, *rev.add_items], spec.sensitivity),
        )
        if rev.submit:
            # CAT-4: the live version stays published while its successor is reviewed.
            services.check_submit_version(actor=compiler, version=draft, comment=rev.reason)

    for task_spec in TASKS:
        resource = Resource.objects.get(code=codes[task_spec.entry])
        raiser = (
            demo.person(task_spec.raised_by)
            if task_spec.raised_by
            else demo.compiler(resource.provider)
        )
        task = services.check_raise_maintenance_task(
            actor=raiser, resource=resource, trigger=task_spec.trigger, reason=task_spec.reason
        )
        if task_spec.revision:
            services.check_start_revision(
                actor=demo.compiler(resource.provider),
                resource=resource,
                reason=task_spec.revision,
                maintenance_task=task,
            )

    # CAT-6: the demand and responsibility lists, kept by the city data authority.
    manager = creator
    for demand_spec in DEMANDS:
        requester = demo.orgs[demand_spec.requester]
        demand = list_services.check_file_demand(
            actor=demo.compiler(requester),
            requester=requester,
            title=demand_spec.title,
            purpose=demand_spec.purpose,
            basis=demand_spec.basis,
            description=demand_spec.description,
        )
        if demand_spec.responsible:
            list_services.check_assign_demand(
                actor=manager, demand=demand, responsible=demo.orgs[demand_spec.responsible]
            )
    for duty in RESPONSIBILITIES:
        organisation = demo.orgs[duty.organisation]
        responsibility = list_services.check_create_responsibility(
            actor=manager, organisation=organisation, title=duty.title, basis=duty.basis
        )
        if duty.entry:
            list_services.check_link_responsibility(
                actor=demo.compiler(organisation),
                responsibility=responsibility,
                resource=Resource.objects.get(code=codes[duty.entry]),
            )

    return Loaded(
        libraries=len(libraries),
        entries=len(codes),
        published=Resource.objects.filter(live_version__isnull=False).count(),
        seconds=0.0,
    )


def load() -> Loaded:
    """Build the demo catalog in one transaction (a savepoint inside the caller's). Raises
    CatalogNotEmpty when catalog entries or databases exist, DemoError when the demo
    organisations are missing; nothing is written then."""
    started = time.monotonic()
    _check_empty()
    with transaction.atomic():
        _check_empty()  # again: a second loader waits for the first one's lock on SQLite
        loaded = _build()
    loaded.seconds = time.monotonic() - started
    return loaded
