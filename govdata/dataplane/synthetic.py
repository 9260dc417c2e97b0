"""Synthetic data for the demo city's resources and for the benchmark (issue 4, items 10 and 11).

Realistic enough to try the platform with — Chinese names, resident ID numbers and unified social
credit codes with right check characters, genders and birth dates that agree with the ID number,
addresses in the demo city's divisions — deterministic from a seed, fast (numpy and Arrow, no
Python work per row: a million population rows in a few seconds) and written in chunks, so the
memory used does not grow with the number of rows.

API::

    summary = write_csv(target, path_or_file, rows, seed=1, faults=0.01, conflicts=0.002)
    for batch in batches(target, rows, seed=1): ...   # the same values as Arrow batches of text

``target`` is a catalog ``Resource`` (its live version's items and name) or a list of
``parsers.ItemSpec`` (or dicts with the same fields); ``name`` names the entry when items are
given. The CSV is UTF-8, one header line of item names, ``\\n`` line ends, quoted only where a
value needs it. The same arguments give the same bytes, whatever the chunk size.

How rows are made:

* **One world per seed.** Person ``p`` (0 ≤ p < ``people``) and legal entity ``e``
  (0 ≤ e < ``entities``) have fixed attributes computed from (seed, index) by a counter-based
  hash, so every department's data speaks of the same people and entities: the same ID number
  appears in the population register, the social insurance and the civil affairs data, with the
  same name — except where a conflict is planted. The population register (人口基础信息) is
  persons 0..rows-1, the enterprise register (企业登记基本信息) entities 0..rows-1; other
  resources draw from the first ``people`` / ``entities`` (their register's size; by default
  ``rows``), distinct where the person or entity is the key.
* **Items are recognised by name, label and type** (``gmsfhm``/``ric`` → ID number, ``xm``/姓名 →
  the same person's name, ``xb``/``csrq`` → gender code (GB/T 2261.1: 1 male, 2 female) and birth
  date agreeing with the ID, ``mz`` → ethnicity code, ``hh`` household, ``hjdz`` address, ``uscc``
  → a credit code with its entity's name, legal representative, capital, dates, address,
  industry and status …), so any published structured resource of the demo catalog gets fitting
  values; anything unrecognised gets a value of its type and length. Keys are unique; composite
  keys (station and hour, division and year …) are a grid of an entity part and a time part.
  Hourly air quality readings have a daily and a yearly rhythm and an AQI computed from the
  concentrations (HJ 633).
* **ID numbers carry real address codes** (a fixed list of counties that python-stdnum knows for
  every birth year): the demo city's codes 99xxxx are fictional, and ID numbers are checked
  against the province table, so an ID number starting 99 is reported as a division anomaly.
  ``anomalies`` plants a few of those on purpose (right check digit, kept with a warning).
* **Faults**: ``faults`` (a share) of the rows, chosen by a seeded permutation so that exactly
  ``round(faults × rows)`` rows are faulty, each with one fault that validation rejects: a wrong
  check character, an impossible date (30 February), a required value missing, or a text longer
  than its item allows — whichever the resource's items allow.
* **Cross-department conflicts**: outside the registers, ``conflicts`` (a share, at least one row
  when positive) of the rows give another name for the same ID number (or credit code) than the
  register does — what the single-source check (AGG-4) must find.

``write_csv`` and ``batches`` return or fill a ``Summary``: the rows written and, by row number
(1 = the first data row), the faulty rows and their kinds, the anomalies and the conflicts with
their key values, so tests and demos know what was planted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from .parsers import ItemSpec

CHUNK_ROWS = 100_000
POPULATION_REGISTER = "人口基础信息"
ENTITY_REGISTER = "企业登记基本信息"
REGISTERS = {POPULATION_REGISTER: "person", ENTITY_REGISTER: "entity"}
FAULT_KINDS = ("check_character", "impossible_date", "missing_required", "too_long")

Ints = npt.NDArray[np.int64]

# --- Word lists -----------------------------------------------------------------------------------

# Counties python-stdnum's table knows without a start or end year, so valid for any birth year.
ADDRESS_CODES = [
    110101, 110105, 110108, 120101, 120104, 310101, 310104, 310110, 140121, 150121, 210321,
    222401, 330122, 340121, 350121, 360121, 430121, 430321, 510121, 510321, 520203, 530124,
    610323, 620121, 640121, 650121, 422921, 330127,
]  # fmt: skip
PLACES = [
    "北京市东城区", "北京市朝阳区", "北京市海淀区", "天津市和平区", "天津市南开区", "上海市黄浦区",
    "上海市徐汇区", "上海市杨浦区", "山西省清徐县", "内蒙古自治区土默特左旗", "辽宁省台安县",
    "吉林省延吉市", "浙江省桐庐县", "安徽省长丰县", "福建省闽侯县", "江西省南昌县", "湖南省长沙县",
    "湖南省湘潭县", "四川省金堂县", "四川省荣县", "贵州省六枝特区", "云南省富民县", "陕西省岐山县",
    "甘肃省永登县", "宁夏回族自治区永宁县", "新疆维吾尔自治区乌鲁木齐县", "湖北省神农架林区",
    "浙江省淳安县",
]  # fmt: skip
CITY = "示范市"
CITY_CODE = "990100"
# The demo city's divisions (govdata.orgs.demo): (county, township, community or village, code).
VILLAGES = [
    ("中区", "城关街道", "和平社区", "990102001001"),
    ("中区", "城关街道", "文化路社区", "990102001002"),
    ("中区", "新华街道", "新华社区", "990102002001"),
    ("中区", "新华街道", "站前社区", "990102002002"),
    ("东县", "城东街道", "东关社区", "990121001001"),
    ("东县", "城东街道", "滨河社区", "990121001002"),
    ("东县", "河口镇", "柳树村", "990121100200"),
    ("东县", "河口镇", "河湾村", "990121100201"),
    ("东县", "青山乡", "青山村", "990121200200"),
    ("东县", "青山乡", "石门村", "990121200201"),
]
VILLAGE_WEIGHTS = [16, 14, 15, 13, 12, 10, 6, 5, 5, 4]
TOWNSHIPS = [
    ("990102001", "城关街道"),
    ("990102002", "新华街道"),
    ("990121001", "城东街道"),
    ("990121100", "河口镇"),
    ("990121200", "青山乡"),
]
DIVISIONS = [CITY_CODE, "990102", "990121", *(c for c, _ in TOWNSHIPS), *(v[3] for v in VILLAGES)]
ROADS = [
    "人民路", "解放路", "建设路", "和平路", "文化路", "新华路", "中山路", "胜利路", "朝阳路", "滨河路",
    "迎宾大道", "站前街", "东关街", "府前街", "光明路", "幸福路", "青年路", "工业路", "科技路", "长江路",
]  # fmt: skip
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
# Rough frequencies: the first surnames are far more common than the last.
SURNAME_WEIGHTS = [1.0 / (rank + 8) for rank in range(len(SURNAMES))]
MALE_GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳坤峰建文志国成海东亮晨博"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红玉兰琳雪梅婷慧莉倩颖洁晶欣怡月琴璐佳悦雨瑶妍蕾薇"
# GB/T 3304 ethnic group codes, roughly in the proportions of a northern Han city.
ETHNIC_CODES = ["01", "03", "08", "02", "06", "04", "05", "07", "09", "11"]
ETHNIC_WEIGHTS = [91.5, 2.5, 1.5, 1.2, 1.0, 0.6, 0.5, 0.5, 0.4, 0.3]
TRADE_NAMES = (  # noqa: SIM905 (a word list is easier to read as one string)
    "恒通 华信 宏达 鑫源 瑞丰 金泰 永盛 天成 博远 新创 启明 泰和 中科 汇智 远航 嘉禾 兴业 利民 "
    "德润 东方 云帆 明珠 安平 鼎盛 昌隆 丰泽 康宁 聚力 盛世 卓越 益民 九州 长城 银河 和美 万达 "
    "百川 青松 星辰 同心"
).split()
INDUSTRIES = [
    ("信息科技", "软件开发；信息技术咨询服务；数据处理和存储支持服务"),
    ("商贸", "日用百货、五金交电、电子产品销售"),
    ("建筑工程", "房屋建筑工程施工；市政工程；装饰装修"),
    ("食品", "食品销售；农副产品收购；预包装食品批发"),
    ("餐饮管理", "餐饮服务；餐饮管理；外卖递送服务"),
    ("物流", "普通货物道路运输；仓储服务；装卸搬运"),
    ("机械制造", "通用设备制造；机械零部件加工；金属制品销售"),
    ("医药", "药品零售；医疗器械销售；保健食品销售"),
    ("房地产开发", "房地产开发经营；物业管理；房屋租赁"),
    ("农业发展", "蔬菜、水果种植；农产品初加工；农业技术推广服务"),
    ("文化传媒", "广告设计、制作、发布；文艺创作；会议及展览服务"),
    ("环保科技", "环境保护监测；污水处理；固体废物治理"),
]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "有限公司"]
ENTITY_TYPES = [
    "有限责任公司（自然人投资或控股）",
    "有限责任公司（自然人独资）",
    "股份有限公司（非上市、自然人投资或控股）",
    "有限责任公司（国有独资）",
    "个人独资企业",
]
ENTITY_STATUS = ["存续", "在业", "吊销", "注销", "迁出"]
ENTITY_STATUS_WEIGHTS = [78, 12, 4, 5, 1]
AUTHORITIES = [
    "示范市市场监督管理局",
    "示范市市场监督管理局中区分局",
    "示范市市场监督管理局东县分局",
]
OFFICES = [
    "示范市公安局中区分局",
    "东县公安局",
    "示范市民政局",
    "示范市人力资源和社会保障局",
    "示范市卫生健康委员会",
    "示范市政务服务管理局",
]
# Words for text items by (part of) their label, most specific first.
# Words for text items by (part of) their label, most specific first: "label part: words".
_LABEL_LINES = """
登记状态: 存续 在业 吊销 注销 迁出
参保状态: 参保缴费 暂停缴费 终止参保
缴费状态: 正常缴费 正常缴费 正常缴费 暂停缴费 欠费
待遇领取状态: 未领取 正常领取 暂停领取
证照状态: 有效 有效 有效 注销 过期
学籍状态: 在读 在读 在读 休学 转出
抵押状态: 无抵押 无抵押 已抵押
查封状态: 未查封 未查封 未查封 已查封
险种: 企业职工基本养老保险 工伤保险 失业保险 城乡居民基本养老保险
参保类型: 职工医保 居民医保
缴费档次: 一档 二档 三档
认证方式: 人脸识别 数据比对 上门认证
认证结果: 通过 通过 通过 未通过
业务类型: 结婚登记 结婚登记 离婚登记 补领结婚证
保障类型: 城市低保 农村低保
供养方式: 集中供养 分散供养
组织类型: 社会团体 社会服务机构 基金会
组成形式: 个人经营 家庭经营
主体业态: 食品销售经营者 餐饮服务经营者 单位食堂
权利类型: 国有建设用地使用权/房屋所有权 宅基地使用权/房屋所有权 国有建设用地使用权
用途: 住宅 住宅 住宅 商业 办公 工业
性别: 1 2
民族: 01 01 01 01 01 01 01 01 03 02
血型: A B O AB
技能等级: 五级 四级 三级 二级 一级
执业类别: 临床 中医 口腔 公共卫生
机构类别: 综合医院 社区卫生服务中心 乡镇卫生院 诊所 定点零售药店
机构等级: 三级甲等 二级甲等 一级 未定级
办学类型: 小学 初级中学 完全中学 九年一贯制学校
举办者类型: 公办 民办
年级: 一年级 二年级 三年级 四年级 五年级 六年级 七年级 八年级 九年级
等级: A B C D
结论: 合格 合格 合格 合格 不合格
结果: 办结 办结 办结 不予受理
首要污染物: PM2.5 PM10 O3 NO2
计量单位: 亿元 万元 % 万人 万吨
事项类型: 行政许可 行政给付 行政确认 公共服务
职称: 主任医师 副主任医师 主治医师
时段: 上午 下午
科室: 内科 外科 儿科 妇产科 眼科 口腔科
类别: 大气环境 水环境 土壤环境 环境风险
车型: 小型轿车 新能源小型轿车
设备类别: 电梯 锅炉 压力容器 起重机械
"""
LABEL_WORDS: list[tuple[str, list[str]]] = [
    (part, words.split())
    for part, words in (line.split(": ") for line in _LABEL_LINES.strip().splitlines())
]
SENTENCES = [
    "依照有关法律法规办理",
    "按规定程序审核通过",
    "符合相关条件和标准",
    "经现场核查属实",
    "已按要求完成整改",
    "材料齐全，符合法定形式",
]
ORG_WORDS = ["示范市", "中区", "东县"]
HOLDER_PAIRS = {"qlrzjh": "qlr", "sqrzjh": "sqr", "czztdm": "czzt"}  # ID item → name item
MALE_ROLES = {"nf", "fq"}
FEMALE_ROLES = {"vf", "mq"}

# --- Hashing: every value a pure function of (seed, salt, row) -------------------------------------

_U = np.uint64


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: a bijection of 64-bit integers that scatters neighbours."""
    x = x + _U(0x9E3779B97F4A7C15)
    x = (x ^ (x >> _U(30))) * _U(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> _U(27))) * _U(0x94D049BB133111EB)
    return x ^ (x >> _U(31))


def _salt(seed: int, salt: str) -> np.uint64:
    digest = hashlib.blake2b(f"{seed}:{salt}".encode(), digest_size=8).digest()
    return _U(int.from_bytes(digest, "little"))


class _Rand:
    def __init__(self, seed: int):
        self.seed = seed

    def bits(self, salt: str, index: Ints) -> npt.NDArray[np.uint64]:
        with np.errstate(over="ignore"):
            return _mix(index.astype(np.uint64) ^ _salt(self.seed, salt))

    def below(self, salt: str, index: Ints, n: int) -> Ints:
        return (self.bits(salt, index) % _U(max(n, 1))).astype(np.int64)

    def unit(self, salt: str, index: Ints) -> npt.NDArray[np.float64]:
        return (self.bits(salt, index) >> _U(11)).astype(np.float64) / float(1 << 53)

    def between(self, salt: str, index: Ints, low: int, high: int) -> Ints:
        """Integers in [low, high]."""
        return low + self.below(salt, index, high - low + 1)

    def weighted(self, salt: str, index: Ints, weights: Sequence[float]) -> Ints:
        cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
        cumulative /= cumulative[-1]
        chosen = np.searchsorted(cumulative, self.unit(salt, index), side="right")
        return np.minimum(chosen, len(weights) - 1).astype(np.int64)


def _coprime_step(n: int, seed: int, salt: str) -> tuple[int, int]:
    """Multiplier and offset of an affine bijection of range(n) (j → (a·j + b) mod n)."""
    if n <= 1:
        return 1, 0
    start = int(_salt(seed, salt)) % n
    a = max(1, int(n * 0.6180339887) + start % 97)
    while math.gcd(a, n) != 1:
        a += 1
    return a % n or 1, start


def _permute(index: Ints, n: int, seed: int, salt: str) -> Ints:
    a, b = _coprime_step(n, seed, salt)
    return (index * a + b) % n


# --- Arrow helpers -------------------------------------------------------------------------------


def _take(words: Sequence[str], index: Ints) -> pa.Array:
    return pa.array(list(words), pa.string()).take(pa.array(index))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _text(values: npt.NDArray[Any]) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _padded(values: Ints, width: int) -> pa.Array:
    return pc.utf8_lpad(_text(values), width, "0")


def _dates(days: Ints, origin: dt.date) -> pa.Array:
    """ISO dates ``origin + days``."""
    epoch = (origin - dt.date(1970, 1, 1)).days
    return pc.cast(pa.array((days + epoch).astype(np.int32), pa.date32()), pa.string())


def _datetimes(seconds: Ints, origin: dt.datetime) -> pa.Array:
    """``YYYY-MM-DD HH:MM:SS`` local times ``origin + seconds``."""
    base = int((origin - dt.datetime(1970, 1, 1)).total_seconds())
    stamps = pa.array(seconds + base, pa.timestamp("s"))
    return pc.strftime(stamps, format="%Y-%m-%d %H:%M:%S")


def _decimal(values: npt.NDArray[np.float64], places: int) -> pa.Array:
    scaled = np.round(values * 10**places).astype(np.int64)
    sign = _take(["", "-"], (scaled < 0).astype(np.int64))
    scaled = np.abs(scaled)
    whole = _join(sign, _text(scaled // 10**places))
    if places == 0:
        return whole
    return _join(whole, ".", _padded(scaled % 10**places, places))


# --- The world: people and legal entities ---------------------------------------------------------

BIRTH_ORIGIN = dt.date(1940, 1, 1)
BIRTH_DAYS = (dt.date(2024, 12, 31) - BIRTH_ORIGIN).days + 1
_RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)


def ric_check(first17: Ints) -> Ints:
    """ISO 7064 MOD 11-2 check of 17-digit numbers: 0..10 (10 is written X)."""
    total = np.zeros(first17.shape, dtype=np.int64)
    rest = first17.copy()
    for position in range(16, -1, -1):
        total += (rest % 10) * _RIC_WEIGHTS[position]
        rest //= 10
    return (12 - total % 11) % 11


def _ric_text(first17: Ints, check: Ints) -> pa.Array:
    return _join(_padded(first17, 17), _take("0123456789X", check))


@dataclass
class _People:
    index: Ints
    male: npt.NDArray[np.bool_]
    first17: Ints
    check: Ints
    address_code: Ints  # position in ADDRESS_CODES
    birth_days: Ints  # days since BIRTH_ORIGIN


def _people(rand: _Rand, index: Ints) -> _People:
    """Persons by index: unique ID numbers (a bijection of index // 2, gender from its parity)."""
    male = index % 2 == 0
    space = len(ADDRESS_CODES) * BIRTH_DAYS * 500
    value = _permute(index // 2, space, rand.seed, "person")
    address = value % len(ADDRESS_CODES)
    value //= len(ADDRESS_CODES)
    days = value % BIRTH_DAYS
    serial = (value // BIRTH_DAYS) * 2 + male  # odd for men, even for women (GB 11643)
    when = np.datetime64(BIRTH_ORIGIN) + days.astype("timedelta64[D]")
    year = when.astype("datetime64[Y]").astype(np.int64) + 1970
    month = when.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (when - when.astype("datetime64[M]")).astype(np.int64) + 1
    codes = np.asarray(ADDRESS_CODES, dtype=np.int64)[address]
    first17 = codes * 10**11 + (year * 10000 + month * 100 + day) * 1000 + serial
    return _People(index, male, first17, ric_check(first17), address, days)


def _person_names(rand: _Rand, index: Ints, male: npt.NDArray[np.bool_]) -> pa.Array:
    surname = _take(SURNAMES, rand.weighted("surname", index, SURNAME_WEIGHTS))
    given = np.where(male, 0, 1)
    pools = [MALE_GIVEN, FEMALE_GIVEN]
    first = [
        _take(pool, rand.below(f"given1-{g}", index, len(pool))) for g, pool in enumerate(pools)
    ]
    second = [
        _take(pool, rand.below(f"given2-{g}", index, len(pool))) for g, pool in enumerate(pools)
    ]
    two = rand.unit("given-length", index) < 0.72
    mask = pa.array(given == 0)
    g1 = pc.if_else(mask, first[0], first[1])
    g2 = pc.if_else(pa.array(two), pc.if_else(mask, second[0], second[1]), "")
    return _join(surname, g1, g2)


def _other_name(rand: _Rand, names: pa.Array, index: Ints, male: npt.NDArray[np.bool_]) -> pa.Array:
    """The same person's name as another department wrote it: the last character different."""
    stem = pc.utf8_slice_codeunits(names, 0, -1)
    last = pc.utf8_slice_codeunits(names, -1)
    pools = [MALE_GIVEN, FEMALE_GIVEN]
    other = [
        _take(pool, rand.below(f"variant-{g}", index, len(pool))) for g, pool in enumerate(pools)
    ]
    chosen = pc.if_else(pa.array(male), other[0], other[1])
    fallback = pc.if_else(pa.array(male), "明", "丽")
    chosen = pc.if_else(pc.equal(chosen, last), fallback, chosen)
    chosen = pc.if_else(pc.equal(chosen, last), "华", chosen)
    return _join(stem, chosen)


def _village(rand: _Rand, household: Ints) -> Ints:
    return rand.weighted("village", household, VILLAGE_WEIGHTS)


def _street_address(rand: _Rand, key: Ints, village: Ints, salt: str) -> pa.Array:
    county = _take([CITY + v[0] for v in VILLAGES], village)
    town = _take([v[1] for v in VILLAGES], village)
    road = _take(ROADS, rand.below(f"{salt}-road", key, len(ROADS)))
    number = _text(rand.between(f"{salt}-number", key, 1, 399))
    building = _text(rand.between(f"{salt}-building", key, 1, 30))
    unit = _text(rand.between(f"{salt}-unit", key, 1, 6))
    room = _text(rand.between(f"{salt}-floor", key, 1, 18) * 100 + rand.between(salt, key, 1, 4))
    urban = _join(county, town, road, number, "号", building, "栋", unit, "单元", room, "室")
    rural = _join(
        county,
        town,
        _take([v[2] for v in VILLAGES], village),
        _text(rand.between(f"{salt}-group", key, 1, 9)),
        "组",
        number,
        "号",
    )
    is_village = np.asarray([v[2].endswith("村") for v in VILLAGES])[village]
    return pc.if_else(pa.array(is_village), rural, urban)


@dataclass
class _Entities:
    index: Ints
    codes: pa.Array
    names: pa.Array
    industry: Ints


def _entities(rand: _Rand, index: Ints, registration: str) -> _Entities:
    """Legal entities by index: a unique credit code (organisation code part a bijection of the
    index), a name of trade name, industry and form."""
    body = _permute(index, 10**8, rand.seed, f"entity-{registration}")
    weights = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
    total = np.zeros(index.shape, dtype=np.int64)
    rest = body.copy()
    for position in range(7, -1, -1):
        total += (rest % 10) * weights[position]
        rest //= 10
    org_check = (11 - total % 11) % 11  # GB 11714: 10 is X, 11 is 0
    division = _take([CITY_CODE, "990102", "990121"], rand.weighted("e-div", index, [5, 3, 2]))
    first17 = _join(registration, division, _padded(body, 8), _take("0123456789X", org_check))
    codes = _join(first17, _take(_USCC_ALPHABET, uscc_check(first17)))
    industry = rand.below("e-industry", index, len(INDUSTRIES))
    trade = _take(TRADE_NAMES, rand.below("e-trade", index, len(TRADE_NAMES)))
    if registration == "92":  # individual businesses: 示范市中区恒通商贸店
        shop = _take(["店", "商行", "经营部", "饭店", "超市"], rand.below("e-shop", index, 5))
        county = _take(["中区", "东县"], rand.below("e-county", index, 2))
        names = _join(CITY, county, trade, _take([i for i, _ in INDUSTRIES], industry), shop)
    else:
        form = _take(FORMS, rand.below("e-form", index, len(FORMS)))
        names = _join(CITY, trade, _take([i for i, _ in INDUSTRIES], industry), form)
    return _Entities(index, codes, names, industry)


def uscc_check(first17: pa.Array) -> Ints:
    """GB 32100 MOD 31 check character (position in the alphabet) of 17-character codes."""
    array = pc.cast(first17, pa.large_string())  # all ASCII, 17 bytes each, back to back
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)
    start = int(offsets[array.offset])
    matrix = data[start : start + 17 * len(first17)].reshape(len(first17), 17)
    lookup = np.full(256, 0, dtype=np.int64)
    lookup[np.frombuffer(_USCC_ALPHABET.encode(), dtype=np.uint8)] = np.arange(31)
    total = lookup[matrix] @ _USCC_WEIGHTS
    return (31 - total % 31) % 31


# --- Planning a resource's columns -----------------------------------------------------------------


@dataclass
class Summary:
    """What was written and planted (row numbers count data rows from 1)."""

    rows: int = 0
    faulty: dict[int, str] = field(default_factory=dict)  # row → fault kind
    anomalies: list[int] = field(default_factory=list)  # rows with a division-anomaly ID
    conflicts: dict[int, tuple[str, str]] = field(default_factory=dict)  # row → (key, item)
    columns: list[str] = field(default_factory=list)


def _spec(item: Any) -> ItemSpec:
    if isinstance(item, ItemSpec):
        return item
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    return ItemSpec(
        name=get("name"),
        label=get("label", "") or "",
        item_type=get("item_type", "string") or "string",
        is_key=bool(get("is_key", False)),
        is_required=bool(get("is_required", False)) or bool(get("is_key", False)),
        length=get("length", None),
    )


def items_of(target: Any) -> tuple[str, list[ItemSpec]]:
    """The entry name and items of a catalog resource (its live version) or of a list of items."""
    if hasattr(target, "live_version"):
        version = target.live_version
        if version is None:
            raise ValueError("the resource has no published version")
        return version.name, [_spec(i) for i in version.items.order_by("position")]
    return "", [_spec(i) for i in target]


def _role(name: str) -> str:
    return name[: -len("gmsfhm")] if name.endswith("gmsfhm") else name


class _Plan:
    """How each column of a resource is made (decided once from the items)."""

    def __init__(
        self,
        name: str,
        items: list[ItemSpec],
        rows: int,
        seed: int,
        people: int | None,
        entities: int | None,
    ):
        self.name, self.items, self.rows, self.seed = name, items, rows, seed
        self.rand = _Rand(seed)
        self.register = REGISTERS.get(name)
        self.keys = [i for i in items if i.is_key]
        rics = [i for i in items if i.item_type == "ric"]
        usccs = [i for i in items if i.item_type == "uscc"]
        main_ric = next((i for i in rics if i.is_key), None) or next(
            (i for i in rics if i.name == "gmsfhm"), rics[0] if rics else None
        )
        self.main_role = _role(main_ric.name) if main_ric else None
        self.main_uscc = next((i for i in usccs if i.is_key), usccs[0] if usccs else None)
        self.people = max(people or rows, 1)
        self.entities = max(entities or rows, 1)
        self.person_key = bool(main_ric and main_ric.is_key and len(self.keys) == 1)
        self.entity_key = bool(self.main_uscc and self.main_uscc.is_key and len(self.keys) == 1)
        if self.person_key:
            self.people = max(self.people, rows)
        if self.entity_key:
            self.entities = max(self.entities, rows)
        self.registration = "92" if "个体" in name else "91"
        # Composite keys: an entity part cycling fastest and a time part.
        self.grid = 1
        if len(self.keys) > 1:
            last = self.keys[-1]
            if last.item_type == "datetime":
                self.grid = min(rows, 10)
            elif last.item_type == "date":
                self.grid = min(rows, 20)
            elif last.item_type == "integer":
                self.grid = max(1, math.ceil(rows / 10))
            else:
                self.grid = max(1, math.ceil(rows / 36))
        self.time_key = self.keys[-1].name if len(self.keys) > 1 else None
        self.air = {"pm25", "aqi"} <= {i.name for i in items}


class _Chunk:
    """The rows ``index`` of a plan; person and entity attributes computed on first use."""

    def __init__(self, plan: _Plan, index: Ints):
        self.plan, self.index, self.rand = plan, index, plan.rand
        self._persons: dict[str, tuple[_People, pa.Array]] = {}
        self._entity: _Entities | None = None

    # who the row is about
    def person_index(self, role: str) -> Ints:
        plan, j = self.plan, self.index
        if role == plan.main_role and plan.register == "person":
            return j
        if role == plan.main_role and plan.person_key:
            return _permute(j, plan.people, plan.seed, f"pick-{plan.name}")
        drawn = self.rand.below(f"who-{plan.name}-{role}", j, plan.people)
        if role in MALE_ROLES | FEMALE_ROLES and plan.people > 2:
            drawn = drawn // 2 * 2 + (1 if role in FEMALE_ROLES else 0)
            drawn = np.where(drawn >= plan.people, drawn - 2, drawn).clip(0)
        return drawn

    def person(self, role: str) -> tuple[_People, pa.Array]:
        if role not in self._persons:
            people = _people(self.rand, self.person_index(role))
            names = _person_names(self.rand, people.index, people.male)
            self._persons[role] = (people, names)
        return self._persons[role]

    def entity(self) -> _Entities:
        if self._entity is None:
            plan, j = self.plan, self.index
            if plan.register == "entity":
                chosen = j
            elif plan.entity_key:
                chosen = _permute(j, plan.entities, plan.seed, f"pick-{plan.name}")
            elif plan.time_key and plan.main_uscc and plan.main_uscc.is_key:
                chosen = _permute(j % plan.grid, plan.entities, plan.seed, f"pick-{plan.name}")
            else:
                chosen = self.rand.below(f"which-{plan.name}", j, plan.entities)
            self._entity = _entities(self.rand, chosen, plan.registration)
        return self._entity

    def main_person(self) -> tuple[_People, pa.Array] | None:
        return self.person(self.plan.main_role) if self.plan.main_role is not None else None


def _ric_of(chunk: _Chunk, role: str) -> pa.Array:
    people, _ = chunk.person(role)
    return _ric_text(people.first17, people.check)


def _code_column(item: ItemSpec, chunk: _Chunk, index: Ints, unique: bool) -> pa.Array:
    """Numbers, identifiers: a prefix from the item name and digits (unique from ``index``)."""
    length = item.length or 20
    digits = max(len(str(max(chunk.plan.rows, 1))), 6)
    prefix = item.name.upper()[:4]
    if len(prefix) + digits > length:
        prefix = prefix[: max(0, length - digits)]
    number = (
        _permute(index, 10**digits, chunk.plan.seed, item.name)
        if unique
        else chunk.rand.below(f"code-{item.name}", index, 10**digits)
    )
    return _join(prefix, _padded(number, digits))


def _words_for(label: str) -> list[str] | None:
    for part, words in LABEL_WORDS:
        if part in label:
            return words
    return None


def _entity_column(item: ItemSpec, chunk: _Chunk) -> pa.Array | None:
    """Items that describe the row's legal entity (the resource has a credit code)."""
    label, name, rand = item.label, item.name, chunk.rand
    if chunk.plan.main_uscc is None:
        return None
    entity = chunk.entity()
    e = entity.index
    if item.item_type == "uscc":
        return entity.codes if item is chunk.plan.main_uscc else None
    if label.endswith("名称") and any(
        w in label
        for w in ("企业", "单位", "纳税人", "相对人", "主体", "被执行人", "业户", "经营者")
    ):
        return entity.names
    if label in ("名称", "机构名称", "学校名称"):
        return entity.names
    if name == "fddbr" or "法定代表人" in label or "负责人" in label:
        people = _people(rand, rand.below("e-rep", e, chunk.plan.people))
        return _person_names(rand, people.index, people.male)
    if name == "zczb" or "注册资本" in label:
        return _decimal(10 ** (1 + 3 * rand.unit("e-capital", e)), 2)
    if name in ("clrq", "zcrq") or "成立日期" in label or "注册日期" in label:
        return _dates(rand.below("e-founded", e, 30 * 365), dt.date(1995, 1, 1))
    if name == "hzrq" or "核准日期" in label:
        founded = rand.below("e-founded", e, 30 * 365)
        later = np.minimum(founded + rand.below("e-approved", e, 3000), 30 * 365 + 300)
        return _dates(later, dt.date(1995, 1, 1))
    if name in ("zs", "jycs") or label in ("住所", "经营场所", "生产经营地址"):
        return _street_address(rand, e, _village(rand, e), "e-address")
    if "经营范围" in label:
        return _take([s for _, s in INDUSTRIES], entity.industry)
    if "登记机关" in label:
        return _take(AUTHORITIES, rand.below("e-authority", e, len(AUTHORITIES)))
    if "登记状态" in label:
        return _take(ENTITY_STATUS, rand.weighted("e-status", e, ENTITY_STATUS_WEIGHTS))
    if "企业类型" in label:
        return _take(ENTITY_TYPES, rand.below("e-type", e, len(ENTITY_TYPES)))
    return None


def _person_column(item: ItemSpec, chunk: _Chunk) -> pa.Array | None:
    """Items that describe one of the row's persons (an ID number item names the role)."""
    plan, rand, name, label = chunk.plan, chunk.rand, item.name, item.label
    if item.item_type == "ric":
        return _ric_of(chunk, _role(name))
    if name in HOLDER_PAIRS:
        return _ric_of(chunk, name)
    holder = {v: k for k, v in HOLDER_PAIRS.items()}.get(name)
    if holder:
        return chunk.person(holder)[1]
    roles = {_role(i.name) for i in plan.items if i.item_type == "ric"}
    for role in roles:
        if role and name in (role, f"{role}xm"):
            return chunk.person(role)[1]
    main = chunk.main_person() if plan.main_role == "" else None
    if main is None:
        return None
    people, names = main
    p = people.index
    if name == "xm" or (label == "姓名"):
        return names
    if name == "xb" or label == "性别":
        return pc.if_else(pa.array(people.male), "1", "2")
    if name == "csrq" or label == "出生日期":
        return _dates(people.birth_days, BIRTH_ORIGIN)
    if name == "mz" or label == "民族":
        return _take(ETHNIC_CODES, rand.weighted("ethnic", p, ETHNIC_WEIGHTS))
    if name == "csd" or label == "出生地":
        return _take(PLACES, people.address_code)
    if name == "jg" or label == "籍贯":
        return _take(PLACES, rand.below("origin", p // 3, len(PLACES)))
    if name == "hh" or label == "户号":
        return _join("9901", _padded(_permute(p // 3, 10**8, plan.seed, "household"), 8))
    if name == "yhzgx" or label == "与户主关系":
        position = p % 3
        relation = np.where(
            position == 0, 0, np.where(position == 1, 1, np.where(people.male, 2, 3))
        )
        return _take(["02", "10", "20", "30"], relation)
    if name in ("hjdz", "zz", "jzdz") or label in ("户籍地址", "住址", "居住地址"):
        return _street_address(rand, p // 3, _village(rand, p // 3), "home")
    if name == "xzqhdm" or label == "行政区划代码":
        return _take([v[3] for v in VILLAGES], _village(rand, p // 3))
    age = 2025 - (people.birth_days // 365 + 1940)
    if name == "whcd" or label == "文化程度":
        level = np.where(
            age < 7,
            7,
            np.where(age < 16, 5, rand.weighted("education", p, [3, 18, 16, 25, 28, 8, 2])),
        )
        return _take(["10", "20", "30", "60", "70", "80", "90", "90"], level)
    if name == "hyzk" or label == "婚姻状况":
        state = np.where(age < 22, 0, rand.weighted("marriage", p, [15, 75, 5, 5]))
        return _take(["10", "20", "30", "40"], state)
    if name == "cym" or label == "曾用名":
        other = _person_names(rand, p + 7_777_777, people.male)
        return pc.if_else(
            pa.array(rand.unit("former", p) < 0.04), other, pa.scalar(None, pa.string())
        )
    if name == "lxdh" or label == "联系电话":
        prefix = _take(["13", "15", "17", "18", "19"], rand.below("mobile", p, 5))
        return _join(prefix, _padded(rand.below("phone", p, 10**9), 9))
    return None


def _air_column(item: ItemSpec, chunk: _Chunk, station: Ints, hour: Ints) -> pa.Array | None:
    """Hourly air quality readings: daily and yearly rhythm, station level, noise (HJ 633 AQI)."""
    name, rand = item.name, chunk.rand
    series = station * 1_000_003 + hour
    day_hour = (hour + 8) % 24
    season = 1 + 0.6 * np.cos(2 * np.pi * (hour / 24 - 15) / 365)  # winter peaks
    level = 0.8 + 0.4 * rand.unit("station-level", station)
    daily = 1 + 0.25 * np.sin(2 * np.pi * (day_hour - 3) / 24)
    noise = np.exp(0.35 * (rand.unit("air-noise", series) - 0.5) * 2)
    pm25 = np.maximum(3, 38 * season * level * daily * noise)
    pm10 = pm25 * (1.5 + 0.4 * rand.unit("pm10", series))
    o3 = np.maximum(
        5, 70 * (2 - season) * (1 + 0.6 * np.sin(2 * np.pi * (day_hour - 9) / 24)) * noise
    )
    values = {
        "pm25": pm25,
        "pm10": pm10,
        "so2": 8 * season * noise,
        "no2": 30 * level * daily * noise,
        "o3": o3,
    }
    if name in values:
        return _text(np.round(values[name]).astype(np.int64))
    if name == "co":
        return _decimal(0.6 * season * noise, 1)
    iaqi = np.maximum.reduce([
        np.interp(pm25, [0, 35, 75, 115, 150, 250, 350, 500], [0, 50, 100, 150, 200, 300, 400, 500]),
        np.interp(pm10, [0, 50, 150, 250, 350, 420, 500, 600], [0, 50, 100, 150, 200, 300, 400, 500]),
        np.interp(o3, [0, 160, 200, 300, 400, 800, 1000, 1200], [0, 50, 100, 150, 200, 300, 400, 500]),
    ])  # fmt: skip
    if name == "aqi":
        return _text(np.ceil(iaqi).astype(np.int64))
    if name == "sywrw":
        which = np.argmax(
            np.stack([
                np.interp(pm25, [0, 35, 75, 115], [0, 50, 100, 150]),
                np.interp(pm10, [0, 50, 150, 250], [0, 50, 100, 150]),
                np.interp(o3, [0, 160, 200, 300], [0, 50, 100, 150]),
            ]),
            axis=0,
        )  # fmt: skip
        named = _take(["PM2.5", "PM10", "O3"], which)
        return pc.if_else(pa.array(iaqi <= 50), pa.scalar(None, pa.string()), named)
    return None


STATIONS = [
    "市监测站",
    "中区政府",
    "新华路",
    "东县城区",
    "河口镇",
    "青山",
    "高新区",
    "火车站",
    "体育中心",
    "滨河公园",
]


def _division_key(index: Ints) -> pa.Array:
    """Distinct division codes: the demo city's, then made-up village codes of 东县."""
    listed = _take(DIVISIONS, np.minimum(index, len(DIVISIONS) - 1))
    made = _join("99012", _padded(index, 7))
    return pc.if_else(pa.array(index < len(DIVISIONS)), listed, made)


def _column(item: ItemSpec, chunk: _Chunk) -> pa.Array:
    """One column of the chunk as CSV text (null: empty)."""
    plan, rand, j = chunk.plan, chunk.rand, chunk.index
    name, label, kind = item.name, item.label, item.item_type
    # Composite keys: the entity part cycles fastest, the time part counts up.
    unit, step = j, j
    if plan.time_key:
        unit, step = j % plan.grid, j // plan.grid
        if name == plan.time_key:
            if kind == "datetime":
                return _datetimes(step * 3600, dt.datetime(2024, 1, 1))
            if kind == "date":
                return _dates(step, dt.date(2020, 1, 1))
            if kind == "integer":
                return _text(2025 - step)
            return _join(_text(2025 - step // 12), "-", _padded(12 - step % 12, 2))
        if item.is_key and kind == "string" and ("站点" in label or "监测点" in label):
            return _take([f"ST{n:03d}" for n in range(1, 1000)], unit % 999)
        if item.is_key and (name == "xzqhdm" or label.endswith("区划代码")):
            return _division_key(unit)
        if "站点名称" in label or "监测点名称" in label:
            return _take(STATIONS, unit % len(STATIONS))
        if "区划名称" in label:
            names = [
                CITY,
                f"{CITY}中区",
                "东县",
                *(t for _, t in TOWNSHIPS),
                *(v[2] for v in VILLAGES),
            ]
            return _take(names, unit % len(DIVISIONS))
        if plan.air:
            air = _air_column(item, chunk, unit, step)
            if air is not None:
                return air
    column = None if (item.is_key and kind == "string") else _person_column(item, chunk)
    if column is None and not (item.is_key and kind == "string"):
        column = _entity_column(item, chunk)
    if column is not None:
        return column
    if name == "xzqhdm" or label.endswith("区划代码"):
        if not item.is_key:
            return _take(DIVISIONS, rand.below(name, j, len(DIVISIONS)))
        return _division_key(j)
    if kind == "string" and "车牌" in label:
        plate = (
            _permute(j, 8 * 10**5, plan.seed, name)
            if item.is_key
            else rand.below(name, j, 8 * 10**5)
        )
        return _join("示", _take("ABCDEFGH", plate // 10**5), _padded(plate % 10**5, 5))
    if kind == "ric":
        people = _people(rand, rand.below(f"ric-{name}", j, plan.people))
        return _ric_text(people.first17, people.check)
    if kind == "uscc":
        return _entities(rand, rand.below(f"uscc-{name}", j, plan.entities), "91").codes
    if kind == "integer":
        if "年度" in label or name in ("nd", "tjnd", "jfnd"):
            return _text(rand.between(name, j, 2018, 2025))
        high = {"剂次": 4, "时限": 20, "床位": 300, "人口": 8, "套数": 800, "号源": 40}
        top = next((v for k, v in high.items() if k in label), 500)
        return _text(rand.between(name, j, 1, top))
    if kind == "decimal":
        if "经度" in label:
            return _decimal(113.3 + 0.4 * rand.unit(name, j), 6)
        if "纬度" in label:
            return _decimal(34.6 + 0.3 * rand.unit(name, j), 6)
        if "%" in label or "得分" in label:
            low, high = (60, 100) if "得分" in label else (-5, 15)
            return _decimal(low + (high - low) * rand.unit(name, j), 1)
        scale = (
            1e4 if "万元" in label else 300 if "面积" in label else 3000 if "元" in label else 100
        )
        return _decimal(scale * (0.05 + rand.unit(name, j) ** 2), 2)
    if kind == "date":
        if "有效期" in label or "截止" in label or "下次" in label:
            return _dates(rand.below(name, j, 3650), dt.date(2026, 1, 1))
        return _dates(rand.below(name, j, 20 * 365), dt.date(2005, 1, 1))
    if kind == "datetime":
        return _datetimes(rand.below(name, j, 2 * 365 * 86400), dt.datetime(2024, 1, 1))
    if kind == "boolean":
        return _take(["是", "否"], rand.below(name, j, 2))
    # text
    if item.is_key or any(label.endswith(s) for s in ("号", "码", "编号", "编码", "标识", "文号")):
        return _code_column(item, chunk, unit if plan.time_key else j, item.is_key)
    words = _words_for(label)
    if words:
        return _take(words, rand.below(name, j, len(words)))
    if "姓名" in label or label in (
        "经营者",
        "权利人",
        "申请人",
        "承包方代表",
        "持证主体",
        "承诺主体",
    ):
        people = _people(rand, rand.below(f"name-{name}", j, plan.people))
        return _person_names(rand, people.index, people.male)
    if "电话" in label:
        return _join("0990-", _text(rand.between(name, j, 60_000_000, 89_999_999)))
    if "时间" in label and (item.length or 99) <= 5:
        return _join(
            _padded(rand.between(name, j, 5, 22), 2),
            ":",
            _take(["00", "30"], rand.below(name + "m", j, 2)),
        )
    if any(label.endswith(w) for w in ("机关", "单位", "机构", "部门")) and "名称" not in label:
        return _take(OFFICES, rand.below(name, j, len(OFFICES)))
    if any(
        label.endswith(w) for w in ("地址", "住所", "坐落", "场所", "地点", "位置", "住址", "范围")
    ):
        return _street_address(rand, j, _village(rand, j), name)
    if label.endswith("地"):  # 出生地, 迁出地 …
        return _take([*PLACES, *(CITY + v[0] + v[1] for v in VILLAGES)], rand.below(name, j, 38))
    if label.endswith("名称") or label in ("名称", "供应商", "采购人", "开发企业", "建设单位"):
        if plan.main_uscc is None and any(
            w in label for w in ("企业", "单位", "机构", "供应商", "开发")
        ):
            return _entities(rand, rand.below(f"org-{name}", j, plan.entities), "91").names
        stem = label.removesuffix("名称") or "项目"
        return _join(CITY, _take(TRADE_NAMES, rand.below(name, j, len(TRADE_NAMES))), stem)
    if (item.length or 0) >= 100:
        return _take(SENTENCES, rand.below(name, j, len(SENTENCES)))
    return _join(label[:4] or name, _text(rand.between(name, j, 1, 99)))


def _fit(item: ItemSpec, column: pa.Array) -> pa.Array:
    if item.item_type == "string" and item.length:
        return pc.utf8_slice_codeunits(column, 0, item.length)
    return column


# --- Faults, anomalies and conflicts --------------------------------------------------------------


@dataclass(frozen=True)
class _Planting:
    faulty: int  # rows whose permuted position is below this are faulty
    conflicts: int  # the next ones carry a conflicting name
    anomalies: int  # the next ones a division-anomaly ID number
    kinds: tuple[str, ...]


def _planting(plan: _Plan, faults: float, conflicts: float, anomalies: float) -> _Planting:
    rows = plan.rows
    kinds = []
    if any(i.item_type in ("ric", "uscc") for i in plan.items):
        kinds.append("check_character")
    if any(i.item_type == "date" and not i.is_key for i in plan.items):
        kinds.append("impossible_date")
    if any(i.is_required for i in plan.items):
        kinds.append("missing_required")
    if any(i.item_type == "string" and i.length and not i.is_key for i in plan.items):
        kinds.append("too_long")
    faulty = round(faults * rows) if kinds else 0
    has_name = plan.register is None and (
        (plan.main_role is not None and _name_item(plan) is not None)
        or (plan.main_uscc is not None and _entity_name_item(plan) is not None)
    )
    conflicting = max(1, round(conflicts * rows)) if has_name and conflicts > 0 and rows else 0
    anomalous = round(anomalies * rows) if plan.main_role is not None else 0
    conflicting = min(conflicting, rows - faulty)
    anomalous = min(anomalous, rows - faulty - conflicting)
    return _Planting(faulty, conflicting, anomalous, tuple(kinds))


def _name_item(plan: _Plan) -> ItemSpec | None:
    role = plan.main_role
    names = {f"{role}xm", role} - {""}
    return next((i for i in plan.items if i.name in names and i.item_type == "string"), None)


def _entity_name_item(plan: _Plan) -> ItemSpec | None:
    for item in plan.items:
        if (
            item.item_type == "string"
            and item.label.endswith("名称")
            and any(w in item.label for w in ("企业", "单位", "纳税人", "相对人", "主体", "经营者"))
        ):
            return item
        if item.item_type == "string" and item.label in ("名称", "机构名称"):
            return item
    return None


def _plant(
    plan: _Plan,
    planting: _Planting,
    chunk: _Chunk,
    columns: dict[str, pa.Array],
    summary: Summary,
) -> None:
    j, rand = chunk.index, chunk.rand
    position = _permute(j, max(plan.rows, 1), plan.seed, "plant")
    bad = position < planting.faulty
    conflict = (position >= planting.faulty) & (position < planting.faulty + planting.conflicts)
    start = planting.faulty + planting.conflicts
    anomaly = (position >= start) & (position < start + planting.anomalies)

    if bad.any():
        rows = np.flatnonzero(bad)
        kinds = rand.below("fault-kind", j[rows], len(planting.kinds))
        by_kind: dict[str, list[int]] = {}
        for row, k in zip(rows.tolist(), kinds.tolist(), strict=True):
            by_kind.setdefault(planting.kinds[k], []).append(row)
            summary.faulty[int(j[row]) + 1] = planting.kinds[k]
        for kind, where in by_kind.items():
            _fault(plan, kind, np.asarray(where, dtype=np.int64), chunk, columns)

    if conflict.any():
        rows = np.flatnonzero(conflict)
        if plan.main_role is not None and (item := _name_item(plan)) is not None:
            people, names = chunk.person(plan.main_role)
            key_item = next(
                i for i in plan.items if i.item_type == "ric" and _role(i.name) == plan.main_role
            )
            picked = pa.array(rows)
            other = _other_name(rand, names.take(picked), people.index[rows], people.male[rows])
        else:
            item = _entity_name_item(plan)
            assert item is not None and plan.main_uscc is not None
            key_item = plan.main_uscc
            picked = pa.array(rows)
            current = columns[item.name].take(picked)
            swapped = pc.replace_substring(current, "有限公司", "有限责任公司")
            other = pc.if_else(
                pc.equal(swapped, current), pc.replace_substring(current, CITY, ""), swapped
            )
        columns[item.name] = _replace(columns[item.name], rows, other)
        keys = columns[key_item.name].take(picked).to_pylist()
        for row, key in zip(rows.tolist(), keys, strict=True):
            summary.conflicts[int(j[row]) + 1] = (key, item.name)

    if anomaly.any():
        rows = np.flatnonzero(anomaly)
        people, _ = chunk.person(plan.main_role or "")
        # The demo city's own (fictional) codes 9901xx: unique, the county part being distinct.
        first17 = people.first17[rows] % 10**11 + (990100 + people.address_code[rows]) * 10**11
        key_item = next(
            i for i in plan.items if i.item_type == "ric" and _role(i.name) == plan.main_role
        )
        columns[key_item.name] = _replace(
            columns[key_item.name], rows, _ric_text(first17, ric_check(first17))
        )
        summary.anomalies.extend(int(r) + 1 for r in j[rows])


def _replace(column: pa.Array, rows: npt.NDArray[np.intp], values: pa.Array) -> pa.Array:
    mask = np.zeros(len(column), dtype=bool)
    mask[rows] = True
    order = np.argsort(rows, kind="stable")
    return pc.replace_with_mask(column, pa.array(mask), values.take(pa.array(order)))


def _fault(plan: _Plan, kind: str, rows: Ints, chunk: _Chunk, columns: dict[str, pa.Array]) -> None:
    """Make ``rows`` fail validation in the way ``kind`` names, on one of the fitting items."""
    rand, j = chunk.rand, chunk.index[rows]
    picked = pa.array(rows)
    if kind == "check_character":
        targets = [i for i in plan.items if i.item_type in ("ric", "uscc")]
        item = targets[0]
        values = columns[item.name].take(picked)
        alphabet = "0123456789X" if item.item_type == "ric" else _USCC_ALPHABET
        last = pc.utf8_slice_codeunits(values, 17, 18).to_pylist()
        shift = rand.between("check-shift", j, 1, len(alphabet) - 1)
        wrong = [
            alphabet[(alphabet.index(c) + int(s)) % len(alphabet)] if c in alphabet else "0"
            for c, s in zip(last, shift, strict=True)
        ]
        bad = _join(pc.utf8_slice_codeunits(values, 0, 17), pa.array(wrong, pa.string()))
    elif kind == "impossible_date":
        item = next(i for i in plan.items if i.item_type == "date" and not i.is_key)
        year = _text(rand.between("bad-year", j, 2001, 2023))
        day = _take(
            ["-02-30", "-02-31", "-04-31", "-06-31", "-09-31", "-11-31", "-13-01"],
            rand.below("bad-day", j, 7),
        )
        bad = _join(year, day)
    elif kind == "missing_required":
        targets = [i for i in plan.items if i.is_required and not i.is_key] or [
            i for i in plan.items if i.is_required
        ]
        which = rand.below("missing-item", j, len(targets))
        for number, target in enumerate(targets):
            chosen = rows[which == number]
            if chosen.size:
                nulls = pa.nulls(chosen.size, pa.string())
                columns[target.name] = _replace(columns[target.name], chosen, nulls)
        return
    else:  # too_long
        item = next(i for i in plan.items if i.item_type == "string" and i.length and not i.is_key)
        length = item.length or 1
        bad = pa.array(["超" * (length + 1)] * len(rows), pa.string())
    columns[item.name] = _replace(columns[item.name], rows, bad)


# --- Writing --------------------------------------------------------------------------------------


def batches(
    target: Any,
    rows: int,
    *,
    seed: int = 1,
    faults: float = 0.01,
    conflicts: float = 0.002,
    anomalies: float = 0.0,
    people: int | None = None,
    entities: int | None = None,
    name: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    summary: Summary | None = None,
) -> Iterator[pa.RecordBatch]:
    """The rows as Arrow batches of text (one column per item, CSV values; null is empty)."""
    entry_name, items = items_of(target)
    plan = _Plan(name if name is not None else entry_name, items, rows, seed, people, entities)
    planting = _planting(plan, faults, conflicts, anomalies)
    summary = summary if summary is not None else Summary()
    summary.columns = [i.name for i in items]
    for start in range(0, rows, chunk_rows):
        index = np.arange(start, min(rows, start + chunk_rows), dtype=np.int64)
        chunk = _Chunk(plan, index)
        columns = {i.name: _fit(i, _column(i, chunk)) for i in items}
        _plant(plan, planting, chunk, columns, summary)
        summary.rows += len(index)
        yield pa.RecordBatch.from_arrays(
            [columns[i.name].cast(pa.string()) for i in items], names=summary.columns
        )


_SPECIAL = (b",", b'"', b"\n", b"\r")


def _csv_field(column: pa.Array) -> pa.Array:
    """A text column as CSV fields: quoted only where a value holds a comma, quote or line end
    (looked for in the column's bytes first: most columns have none)."""
    column = column.cast(pa.string())
    data = column.buffers()[2]
    raw = data.to_pybytes() if data is not None else b""
    if any(special in raw for special in _SPECIAL):
        quoted = _join('"', pc.replace_substring(column, '"', '""'), '"')
        needs = pc.fill_null(pc.match_substring_regex(column, r'[,"\r\n]'), False)
        column = pc.if_else(needs, quoted, column)
    return pc.fill_null(column, "")


def csv_lines(batch: pa.RecordBatch) -> bytes:
    """A batch of text columns as CSV lines, each ended by a line feed."""
    if not batch.num_rows:
        return b""
    fields = [_csv_field(column) for column in batch.columns]
    lines = pc.binary_join_element_wise(*fields, ",")
    whole = pc.binary_join(pa.ListArray.from_arrays([0, len(lines)], lines), "\n")
    return whole[0].as_buffer().to_pybytes() + b"\n"


def write_csv(
    target: Any,
    out: str | os.PathLike[str] | IO[bytes],
    rows: int,
    *,
    seed: int = 1,
    faults: float = 0.01,
    conflicts: float = 0.002,
    anomalies: float = 0.0,
    people: int | None = None,
    entities: int | None = None,
    name: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Summary:
    """Write ``rows`` rows of ``target``'s items as CSV to a path or binary file; see the module's
    docstring for what the arguments plant."""
    if isinstance(out, str | os.PathLike):
        with Path(out).open("wb") as stream:
            return write_csv(target, stream, rows, seed=seed, faults=faults, conflicts=conflicts,
                             anomalies=anomalies, people=people, entities=entities, name=name,
                             chunk_rows=chunk_rows)  # fmt: skip
    summary = Summary()
    generated = batches(
        target,
        rows,
        seed=seed,
        faults=faults,
        conflicts=conflicts,
        anomalies=anomalies,
        people=people,
        entities=entities,
        name=name,
        chunk_rows=chunk_rows,
        summary=summary,
    )
    header_written = False
    for batch in generated:
        if not header_written:
            out.write((",".join(summary.columns) + "\n").encode("utf-8"))
            header_written = True
        out.write(csv_lines(batch))
    if not header_written:
        out.write((",".join(summary.columns) + "\n").encode("utf-8"))
    return summary


def csv_bytes(target: Any, rows: int, **options: Any) -> tuple[bytes, Summary]:
    """``write_csv`` into memory (small files: tests, the demo's small sizes)."""
    buffer = io.BytesIO()
    summary = write_csv(target, buffer, rows, **options)
    return buffer.getvalue(), summary
