"""Benchmark of catalog search (CAT-8): 10,000 published entries, 200 varied queries, timed in
process (``search.search``) and over HTTP (a real gunicorn, ``/api/v1/catalog/open-datasets``).

Runs on a throwaway database made like a test database (``test_<name>`` of the configured one,
destroyed at the end): SQLite under a temporary folder, or the PostgreSQL server of
BENCH_DATABASE_URL. The entries are generated from word lists and written in bulk, then indexed
with the real ``search.reindex_all``. The figures replace this database's section of
docs/benchmarks.md. Usage: ``python benchmarks/catalog_search.py [--entries N] [--port P]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# A scratch folder for the SQLite files, the queue and the secret key, removed at the end.
SCRATCH = None if "GOVDATA_VAR_DIR" in os.environ else tempfile.mkdtemp(prefix="govdata-bench-")
if SCRATCH:
    os.environ["GOVDATA_VAR_DIR"] = SCRATCH
if os.environ.get("BENCH_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
os.environ["DJANGO_SETTINGS_MODULE"] = "govdata.settings"

import django  # noqa: E402

django.setup()

import benchdoc  # noqa: E402  (benchmarks/benchdoc.py)
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from govdata.catalog import search  # noqa: E402
from govdata.catalog.choices import CLASS_DIGIT, VersionStatus  # noqa: E402
from govdata.catalog.models import (  # noqa: E402
    DataItem,
    Library,
    Resource,
    ResourceVersion,
    SearchPosting,
)
from govdata.orgs import services as org_services  # noqa: E402
from govdata.orgs.actors import Actor  # noqa: E402
from govdata.orgs.choices import OrgKind  # noqa: E402
from govdata.orgs.models import Organisation  # noqa: E402
from govdata.orgs.testing import bootstrap_admin, fake_uscc  # noqa: E402

SEED = 20260401
CITY = "990100"

# --- Word lists ------------------------------------------------------------------------------------
# One provider a line: name | short name | domain | subjects (name:holder, the holder being
# P a person, E an entity, T a thing) | its own data items (name:label:type).
P, E, T = "P", "E", "T"
PROVIDER_LINES = """
示范市公安局|公安局|law|户籍人口:P 流动人口:P 机动车:T 驾驶人:P 出入境证件:P 居住证:P 暂住人口:P 治安案件:T|cphm:车牌号码:string jszh:驾驶证号:string hjdz:户籍地址:string
示范市市场监督管理局|市场监管局|economy|企业营业执照:E 个体工商户营业执照:E 市场主体:E 食品经营许可证:E 特种设备:T 商标质押:E 企业年报:E 抽查检查:E|qymc:企业名称:string jyfw:经营范围:string zczb:注册资本:decimal
示范市民政局|民政局|civil_affairs|婚姻登记:P 最低生活保障对象:P 特困人员:P 社会组织:E 殡葬服务:P 养老机构:E 地名:T 残疾人两项补贴:P|hyzt:婚姻状况:string jzje:救助金额:decimal
示范市人力资源和社会保障局|人社局|social_security|社会保险参保:P 就业登记:P 失业保险金:P 职业资格证书:P 劳动合同备案:E 养老保险待遇:P 工伤认定:P 人才引进:P|cbzt:参保状态:string jfjs:缴费基数:decimal
示范市卫生健康委员会|卫健委|health|出生医学证明:P 人口死亡:P 医疗机构执业:E 医师执业注册:P 预防接种:P 传染病报告:T 护士执业注册:P 母婴保健:P|yljgmc:医疗机构名称:string zdmc:诊断名称:string
示范市医疗保障局|医保局|health|医保参保:P 医保结算:P 定点医药机构:E 医保目录:T 门诊慢特病:P|jsje:结算金额:decimal ybkh:医保卡号:string
示范市教育局|教育局|education|中小学学籍:P 学校:E 教师资格:P 学生资助:P 校外培训机构:E 招生录取:P|xxmc:学校名称:string xjh:学籍号:string
示范市自然资源和规划局|自然资源局|land|不动产登记:T 建设用地:T 国土空间规划:T 地质灾害隐患点:T 矿业权:E 测绘成果:T|bdcdyh:不动产单元号:string tdyt:土地用途:string mj:面积:decimal
示范市住房和城乡建设局|住建局|construction|商品房预售:T 建筑业企业资质:E 施工许可:E 物业服务企业:E 住房公积金:P 保障性住房:P 房屋网签备案:T|xmmc:项目名称:string fwzl:房屋坐落:string
示范市交通运输局|交通局|transport|道路运输经营许可:E 营运车辆:T 出租汽车:T 公交线路:T 网约车驾驶员:P 公路养护:T|clhm:车辆号码:string xlmc:线路名称:string
示范市生态环境局|生态环境局|environment|排污许可:E 环境影响评价:E 空气质量监测:T 水质监测:T 危险废物转移:E 环境行政处罚:E|jcdmc:监测点名称:string wrwnd:污染物浓度:decimal
示范市税务局|税务局|finance|纳税人登记:E 欠税公告:E 发票:E 纳税信用等级:E 税收减免:E|nsrsbh:纳税人识别号:string se:税额:decimal
示范市财政局|财政局|finance|政府采购:E 财政预算:T 非税收入:T 政府债务:T|ysje:预算金额:decimal cgxm:采购项目:string
示范市农业农村局|农业农村局|agriculture|农村土地承包:P 农业补贴:P 动物检疫:T 农产品质量安全:E 农民专业合作社:E|cbmj:承包面积:decimal zwmc:作物名称:string
示范市水利局|水利局|agriculture|取水许可:E 水库:T 河道采砂:E 水文监测:T|skmc:水库名称:string sw:水位:decimal
示范市商务局|商务局|commerce|对外贸易经营者:E 单用途预付卡:E 再生资源回收:E 外商投资企业:E|myje:贸易金额:decimal
示范市文化广电旅游局|文旅局|commerce|旅行社:E A级旅游景区:T 营业性演出许可:E 文物保护单位:T 导游:P|jqmc:景区名称:string dj:等级:string
示范市应急管理局|应急局|safety|安全生产许可:E 危险化学品经营许可:E 自然灾害:T 应急救援队伍:E 生产安全事故:T|sgdj:事故等级:string swrs:死亡人数:integer
示范市发展和改革委员会|发改委|credit|公共信用:E 失信联合惩戒对象:E 政府投资项目:T 价格监测:T 信用承诺:E|xydj:信用等级:string tzje:投资金额:decimal
示范市司法局|司法局|law|律师执业:P 公证:P 人民调解:P 法律援助:P 社区矫正对象:P|lsswsmc:律师事务所名称:string
示范市统计局|统计局|governance|国民经济:T 规模以上工业企业:E 人口抽样调查:T 居民消费价格:T|zbmc:指标名称:string zbz:指标值:decimal
示范市退役军人事务局|退役军人局|social_security|退役军人:P 优抚对象:P 烈士纪念设施:T|rwsj:入伍时间:date
示范市市场监督管理局东县分局|东县市场监管分局|economy|小餐饮登记:E 集贸市场:E 计量器具检定:T|tmmc:摊位名称:string
示范市气象局|气象局|geography|气象观测:T 气象灾害预警:T 雷电防护装置检测:E|qw:气温:decimal jsl:降水量:decimal
示范市林业局|林业局|land|林木采伐许可:E 古树名木:T 森林防火:T|szmc:树种名称:string
示范市体育局|体育局|education|公共体育设施:T 体育赛事:T 社会体育指导员:P|ssmc:设施名称:string
示范市城市管理局|城管局|construction|户外广告设置:E 城市道路占用:E 生活垃圾分类:T 市政设施:T|szwz:设置位置:string
示范市政务服务和数据管理局|数据局|governance|电子证照:E 政务服务事项:T 12345热线工单:P 好差评:P|zzmc:证照名称:string sxbm:事项编码:string
示范市残疾人联合会|残联|civil_affairs|残疾人证:P 残疾人康复服务:P|cjlb:残疾类别:string cjdj:残疾等级:string
示范市住房公积金管理中心|公积金中心|finance|公积金缴存:P 公积金贷款:P 公积金提取:P|jcje:缴存金额:decimal dkje:贷款金额:decimal
"""


def _pairs(text: str) -> list[tuple[str, ...]]:
    return [tuple(word.split(":")) for word in text.split()]


# (name, short name, domain, [(subject, holder)], [(item name, label, type)])
PROVIDERS: list[tuple[str, str, str, list[Any], list[Any]]] = [
    (name, short, domain, _pairs(subjects), _pairs(items))
    for name, short, domain, subjects, items in (
        line.split("|") for line in PROVIDER_LINES.strip().splitlines()
    )
]
ASPECTS = [
    "登记",
    "变更",
    "注销",
    "许可",
    "备案",
    "核查",
    "年检",
    "统计",
    "监测",
    "审批",
    "补贴发放",
    "投诉",
    "行政处罚",
    "监督检查",
    "认定",
    "信用评价",
    "档案",
    "办理",
]
SUFFIXES = ["信息", "数据", "名录", "台账", "明细"]
COUNTIES = ["", "", "", "东县", "西县", "南区", "北区"]
PURPOSES = ["政务服务办理", "监管执法", "统计分析", "社会治理", "公共服务", "决策支持"]
CYCLE_WORDS = dict(
    _pairs(
        "realtime:实时 daily:每日 weekly:每周 monthly:每月 quarterly:每季度 "
        "half_yearly:每半年 yearly:每年 irregular:不定期"
    )
)
CYCLES = list(CYCLE_WORDS)
FORMS = ["database", "database", "database", "spreadsheet", "api", "self_describing", "document"]
FORMATS = {
    "database": ["PostgreSQL", "MySQL", "达梦数据库", "Oracle"],
    "spreadsheet": ["XLSX", "CSV"],
    "api": ["JSON 接口", "RESTful"],
    "self_describing": ["JSON", "XML"],
    "document": ["PDF", "OFD"],
}
PERSON_ITEMS = _pairs(
    "gmsfhm:公民身份号码:ric xm:姓名:string xb:性别:string csrq:出生日期:date mz:民族:string "
    "lxdh:联系电话:string jzdz:居住地址:string"
)
ENTITY_ITEMS = _pairs(
    "tyshxydm:统一社会信用代码:uscc dwmc:单位名称:string fddbr:法定代表人:string "
    "clrq:成立日期:date zs:住所:string zzbh:证照编号:string fzjg:发证机关:string yxqz:有效期至:date"
)
THING_ITEMS = _pairs(
    "bh:编号:string mc:名称:string wz:位置:string tjnd:统计年度:integer sl:数量:integer"
)
COMMON_ITEMS = _pairs(
    "xzqhdm:行政区划代码:string djrq:登记日期:date bz:备注:string gxsj:更新时间:datetime "
    "sjly:数据来源:string"
)
LIBRARIES = [
    ("base", "population", "人口基础库", "示范市公安局"),
    ("base", "legal-entity", "法人基础库", "示范市市场监督管理局"),
    ("base", "spatial", "自然资源和空间地理基础库", "示范市自然资源和规划局"),
    ("base", "licence", "电子证照基础库", "示范市政务服务和数据管理局"),
    ("base", "credit", "社会信用基础库", "示范市发展和改革委员会"),
    ("theme", "health", "健康医疗主题库", "示范市卫生健康委员会"),
    ("theme", "social-security", "社会保障主题库", "示范市人力资源和社会保障局"),
    ("theme", "safety", "应急管理主题库", "示范市应急管理局"),
]
# Named entries a city certainly has (the search examples of the requirements):
# name | provider | base or theme database | holder | summary.
CANONICAL_LINES = """
人口基础信息|示范市公安局|population|P|全市常住人口、户籍人口的基础信息，包括公民身份号码、姓名、性别、民族、出生日期、户籍地址等。
法人基础信息|示范市市场监督管理局|legal-entity|E|全市各类法人单位的基础信息，包括统一社会信用代码、单位名称、法定代表人、住所等。
企业营业执照信息|示范市市场监督管理局|licence|E|企业营业执照的核发、变更和注销信息。
人口死亡信息|示范市卫生健康委员会||P|医疗机构出具的居民死亡医学证明信息。
流动人口居住登记信息|示范市公安局||P|流动人口申报居住登记的信息。
"""
CANONICAL = [line.split("|") for line in CANONICAL_LINES.strip().splitlines()]


def build_catalog(n: int, rng: random.Random) -> dict[str, Any]:
    """n published entries written in bulk (versions, items, live versions); returns what the
    query generator needs to know about them."""
    admin = bootstrap_admin(username="bench-search-admin")
    actor = Actor.for_person(admin)
    root = org_services.check_create_organisation(
        actor=actor, name="示范市人民政府", kind=OrgKind.DEPARTMENT, level="city",
        division_code=CITY, uscc=fake_uscc(CITY, 9_000_000),
    )  # fmt: skip
    orgs: dict[str, Organisation] = {}
    for index, (name, short, *_rest) in enumerate(PROVIDERS):
        orgs[name] = org_services.check_create_organisation(
            actor=actor, name=name, short_name=short, kind=OrgKind.DEPARTMENT, level="city",
            division_code=CITY, parent_id=root.pk, uscc=fake_uscc(CITY, 9_000_001 + index),
        )  # fmt: skip
    libraries = {
        code: Library.objects.create(
            resource_class=klass, code=code, name=name, lead_department=orgs[lead]
        )
        for klass, code, name, lead in LIBRARIES
    }
    library_of_lead = {lib.lead_department_id: lib for lib in libraries.values()}

    now = timezone.now()
    names: set[str] = set()
    plans: list[dict[str, Any]] = []
    for name, provider, library, holder, summary in CANONICAL:
        names.add(name)
        plans.append(
            {"name": name, "provider": orgs[provider], "library": libraries.get(library or ""),
             "holder": holder, "summary": summary, "subject": name[:-2], "extra": []}
        )  # fmt: skip
    while len(plans) < n:
        provider_name, _short, domain, subjects, extra = rng.choice(PROVIDERS)
        subject, holder = rng.choice(subjects)
        aspect = rng.choice(ASPECTS)
        name = f"{rng.choice(COUNTIES)}{subject}{aspect}{rng.choice(SUFFIXES)}"
        if name in names:
            continue
        names.add(name)
        provider = orgs[provider_name]
        library = library_of_lead.get(provider.pk) if rng.random() < 0.15 else None
        plans.append(
            {"name": name, "provider": provider, "library": library, "holder": holder,
             "subject": subject, "aspect": aspect, "extra": extra, "domain": domain}
        )  # fmt: skip

    sequences: dict[tuple[int, str], int] = {}
    resources, versions, item_rows = [], [], []
    for plan in plans:
        provider = plan["provider"]
        library = plan["library"]
        klass = library.resource_class if library else "department"
        key = (provider.pk, klass)
        sequences[key] = sequences.get(key, 0) + 1
        plan["code"] = f"{CITY}-{CLASS_DIGIT[klass]}-{provider.uscc[8:17]}-{sequences[key]:05d}"  # type: ignore[index]
        resources.append(
            Resource(
                code=plan["code"], resource_class=klass, library=library, provider=provider,
                created_at=now, created_by="bench",
            )
        )  # fmt: skip
    Resource.objects.bulk_create(resources, batch_size=1000)
    resources = list(Resource.objects.order_by("pk"))
    by_code = {r.code: r for r in resources}
    for plan in plans:
        resource = by_code[plan["code"]]
        holder = plan["holder"]
        pool = {P: PERSON_ITEMS, E: ENTITY_ITEMS, T: THING_ITEMS}[holder]
        chosen = pool[:1] + rng.sample(pool[1:], k=min(len(pool) - 1, rng.randint(2, 5)))
        chosen += rng.sample(plan["extra"], k=min(len(plan["extra"]), rng.randint(0, 2)))
        chosen += rng.sample(COMMON_ITEMS, k=rng.randint(1, 3))
        labels = [label for _n, label, _t in chosen]
        share = rng.choices(["unconditional", "conditional", "none"], [6, 3, 1])[0]
        reach = {"unconditional": 2, "conditional": 1, "none": 0}[share]
        open_type = rng.choices(["unconditional", "conditional", "none"], [25, 20, 55])[0]
        if {"unconditional": 2, "conditional": 1, "none": 0}[open_type] > reach or (
            open_type == "unconditional" and holder == P
        ):
            open_type = "conditional" if reach and holder == P else "none"
        cycle = rng.choice(CYCLES)
        form = rng.choice(FORMS)
        published = now - dt.timedelta(days=rng.randint(0, 1100), minutes=rng.randint(0, 1440))
        summary = plan.get("summary") or (
            f"{plan['provider'].name}在{plan['aspect']}工作中形成的{plan['subject']}"
            f"{plan['aspect']}信息，包括{'、'.join(labels[:5])}等信息项，"
            f"{CYCLE_WORDS[cycle]}更新，用于{rng.choice(PURPOSES)}。"
        )
        versions.append(
            ResourceVersion(
                resource=resource, number=1, name=plan["name"], summary=summary,
                domain=plan.get("domain") or {P: "civil_affairs", E: "economy", T: "governance"}[holder],
                data_form=form, data_format=rng.choice(FORMATS[form]),
                share_type=share, share_methods=["api"] if share != "none" else [],
                share_conditions="仅限履行法定职责使用" if share == "conditional" else "",
                share_basis="《政务数据共享管理办法》" if share != "unconditional" else "",
                open_type=open_type,
                open_conditions="申请人签署数据利用承诺书" if open_type == "conditional" else "",
                open_basis="《公共数据开放管理办法》" if open_type != "unconditional" else "",
                update_cycle=cycle, sensitivity="internal" if holder == P else "public",
                security_level=3 if holder == P else 1,
                usage_requirements="注明数据来源，不得用于违法用途。",
                status=VersionStatus.PUBLISHED, state_since=published, published_at=published,
                created_at=published, updated_at=published, created_by="bench",
            )
        )  # fmt: skip
        plan["items"] = chosen
        plan["open_type"], plan["cycle"], plan["form"] = open_type, cycle, form
    ResourceVersion.objects.bulk_create(versions, batch_size=1000)
    version_of = dict(ResourceVersion.objects.values_list("resource_id", "pk"))
    for plan in plans:
        resource = by_code[plan["code"]]
        for position, (item_name, label, item_type) in enumerate(plan["items"], start=1):
            item_rows.append(
                DataItem(
                    version_id=version_of[resource.pk], position=position, name=item_name,
                    label=label, item_type=item_type, is_key=position == 1,
                    is_required=position == 1, is_personal=item_type == "ric",
                )
            )  # fmt: skip
    DataItem.objects.bulk_create(item_rows, batch_size=2000)
    for resource in resources:
        resource.live_version_id = version_of[resource.pk]
        resource.last_reviewed_at = now
    Resource.objects.bulk_update(resources, ["live_version", "last_reviewed_at"], batch_size=1000)
    return {"plans": plans, "orgs": orgs, "items": len(item_rows)}


def make_queries(catalog: dict[str, Any], rng: random.Random) -> list[tuple[str, str, dict]]:
    """200 queries: (kind, text, filters)."""
    subjects = [s for _p, _s, _d, subs, _e in PROVIDERS for s, _h in subs]
    words = ["人口", "营业执照", "不动产", "医保", "学校", "车辆", "食品", "许可", "补贴",
             "公积金", "社会保险", "婚姻", "死亡", "出生", "养老", "企业", "监测", "处罚",
             "信用", "税务", "地质灾害", "旅游", "演出", "律师", "退役军人", "残疾人",
             "环境", "水库", "交通", "出租汽车", "学籍", "医师", "危险化学品", "气象",
             "规划", "发票", "采购", "预算", "农村", "森林", "广告", "垃圾分类", "电子证照",
             "热线", "就业", "失业", "工伤", "人才", "招生", "疫苗"]  # fmt: skip
    queries: list[tuple[str, str, dict]] = [("single word", w, {}) for w in words]
    for _ in range(40):
        queries.append(("two words", f"{rng.choice(subjects)} {rng.choice(ASPECTS)}", {}))
    items = sorted(
        {(n, label) for pool in (PERSON_ITEMS, ENTITY_ITEMS, THING_ITEMS, COMMON_ITEMS)
         for n, label, _t in pool} | {(n, label) for *_x, extra in PROVIDERS for n, label, _t in extra}
    )  # fmt: skip
    for name, label in rng.sample(items, 15):
        queries.append(("data item", label, {}))
        queries.append(("data item", name, {}))
    for name, short, *_rest in rng.sample(PROVIDERS, 10):
        queries.append(("provider", name, {}))
        queries.append(("provider", short, {}))
    orgs = list(catalog["orgs"].values())
    facet_values = {
        "domain": sorted({d for _p, _s, d, _x, _e in PROVIDERS}),
        "open_type": ["unconditional", "conditional"],
        "update_cycle": CYCLES,
        "data_form": sorted(set(FORMS)),
        "resource_class": ["base", "theme", "department"],
    }
    for index in range(40):
        names = rng.sample(sorted(facet_values), k=rng.randint(1, 2))
        chosen: dict[str, Any] = {n: [rng.choice(facet_values[n])] for n in names}
        if index % 4 == 0:
            chosen["provider"] = [str(rng.choice(orgs).pk)]
        text = "" if index % 5 == 0 else rng.choice(words)
        queries.append(("with filters", text, chosen))
    no_hits = ["量子纠缠", "xyzzy", "火星基地", "区块链钱包", "!!!", "？？？", "ｘｙｚｚｙ", "zzzzzz123",
               "航天发射场", "恐龙化石", "比特币", "深海探测", "qwertyuiop", "外星人", "平行宇宙",
               "飞碟", "核聚变", "月球车", "黑洞", "𠀀𠀁"]  # fmt: skip
    queries += [("no hits", q, {}) for q in no_hits]
    assert len(queries) == 200, len(queries)
    return queries


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def figures(times: list[float]) -> tuple[float, float, float]:
    ms = [t * 1000 for t in times]
    return statistics.median(ms), percentile(ms, 0.95), max(ms)


def time_in_process(queries: list[tuple[str, str, dict]], scope: str) -> list[float]:
    times = []
    for _kind, text, filters in queries:
        start = time.perf_counter()
        search.search(text, scope=scope, filters=filters, limit=20)
        times.append(time.perf_counter() - start)
    return times


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{urllib.parse.quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{settings['NAME']}"


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def time_over_http(queries: list[tuple[str, str, dict]], port: int) -> tuple[list[float], int]:
    """Start gunicorn (2 sync workers) on the scratch database, warm both workers, time each
    query, stop it. Returns the times and the number of non-200 answers."""
    env = {**os.environ, "DATABASE_URL": _database_url(), "GOVDATA_DEBUG": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "govdata.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        paths = []
        for _kind, text, filters in queries:
            params: list[tuple[str, str]] = [("q", text)] if text else []
            params += [(name, v) for name, values in filters.items() for v in values]
            params.append(("limit", "20"))
            paths.append("/api/v1/catalog/open-datasets?" + urllib.parse.urlencode(params))
        for path in paths[:20]:  # each worker loads jieba's dictionary on its first query
            _get(port, path)
        times, failures = [], 0
        for path in paths:
            start = time.perf_counter()
            status, body = _get(port, path)
            times.append(time.perf_counter() - start)
            if status != 200:
                failures += 1
                print("HTTP", status, path, body[:200], file=sys.stderr)
            else:
                json.loads(body)
        return times, failures
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8142)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the docs")
    args = parser.parse_args()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rng = random.Random(SEED)
        start = time.perf_counter()
        catalog = build_catalog(args.entries, rng)
        written = time.perf_counter() - start
        start = time.perf_counter()
        indexed = search.reindex_all()
        index_seconds = time.perf_counter() - start
        postings = SearchPosting.objects.count()
        queries = make_queries(catalog, rng)
        for scope in ("resource", "open"):  # warm: jieba's dictionary, the database's cache
            time_in_process(queries[:20], scope)
        in_process = {scope: time_in_process(queries, scope) for scope in ("resource", "open")}
        by_kind: dict[str, list[float]] = {}
        for (kind, _t, _f), seconds in zip(queries, in_process["open"], strict=True):
            by_kind.setdefault(kind, []).append(seconds)
        http_times, failures = time_over_http(queries, args.port)
        about = benchdoc.machine()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if SCRATCH:
            shutil.rmtree(SCRATCH, ignore_errors=True)

    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        ("in process, resource catalog (`search.search`, scope resource)", in_process["resource"]),
        ("in process, open catalog (`search.search`, scope open)", in_process["open"]),
        ("over HTTP, `GET /api/v1/catalog/open-datasets` (gunicorn, 2 workers)", http_times),
    ]
    lines = [
        f"## Catalog search on {connection.vendor}",
        "",
        f"Measured {when} on {about}. `benchmarks/catalog_search.py`: {indexed:,} published "
        f"entries with {catalog['items']:,} data items generated from word lists (written in "
        f"bulk in {written:.1f} s), indexed by `search.reindex_all()` in {index_seconds:.1f} s "
        f"({postings:,} postings); 200 queries (single words, two words, data item labels and "
        "names, provider names, queries with filters, queries without hits), each with facet "
        "counts and a page of 20. Target: p95 ≤ 50 ms in process.",
        "",
        "| 200 queries | p50 ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: |",
        *[
            "| {} | {:.1f} | {:.1f} | {:.1f} |".format(label, *figures(times))
            for label, times in rows
        ],
        "",
        "In process, open catalog, by kind of query:",
        "",
        "| kind | queries | p50 ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: |",
        *[
            "| {} | {} | {:.1f} | {:.1f} | {:.1f} |".format(kind, len(times), *figures(times))
            for kind, times in by_kind.items()
        ],
    ]
    if failures:
        lines += ["", f"**{failures} HTTP answers were not 200.**"]
    print("\n".join(lines))
    if not args.no_write:
        benchdoc.write_section("catalog-search", lines)


if __name__ == "__main__":
    main()
