"""The catalog exchange document for the provincial platform (INT-1, CAT-3, B§10, A§13).

One JSON document holds the published catalog of a city: a format identifier and version, the
exporting region, and one element per published entry, named after the core metadata of the
national guide 政务信息资源目录编制指南（试行）(发改高技〔2017〕1272号). Where the guide names the
values of an element (format categories, share types, update cycles, data types), the document
carries the guide's value; elsewhere the platform's code. docs/provincial-exchange.md has the
mapping table; the tables below are that mapping in code.

Export is deterministic: entries sorted by resource code, keys in a fixed order, no time of
export, so that export → import into an empty catalog → export gives the same bytes. Reading is
strict and names every problem with its place in the document (``entries.3.share.basis``), so
that an import is all-or-nothing and a refused document can be corrected in one pass.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from govdata.catalog.choices import (
    CLASS_DIGIT,
    DataForm,
    ItemType,
    OpenType,
    ShareType,
    UpdateCycle,
)
from govdata.core.errors import Invalid, ServiceError
from govdata.orgs.models import Organisation

FORMAT = "govdata-catalog-exchange"
FORMAT_VERSION = "1.0"
SUPPORTED_VERSIONS = frozenset({FORMAT_VERSION})
GUIDE = "政务信息资源目录编制指南（试行）（发改高技〔2017〕1272号）"

# Limits of one document (docs/provincial-exchange.md "Limits").
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_PROBLEMS = 500
MAX_TEXT = 10_000  # any one string; the entry rules set the real limits per field
MAX_LIST = 1_000  # share methods, related codes
# Publication times before it are typing errors (catalogs are decades younger); it also keeps
# every time far from the calendar's ends when it is moved between time zones.
EARLIEST_YEAR = 1970

# --- The mapping to the national guide ----------------------------------------------------------

# 信息资源分类 · 类: 1 基础信息资源, 2 主题信息资源, 3 部门信息资源 (the digit of the code).
CLASS_CODES: dict[str, str] = {str(k): v for k, v in CLASS_DIGIT.items()}
# 信息资源格式 · 分类.
DATA_FORM_TERMS: dict[str, str] = {
    DataForm.DOCUMENT: "电子文件",
    DataForm.SPREADSHEET: "电子表格",
    DataForm.DATABASE: "数据库",
    DataForm.IMAGE: "图形图像",
    DataForm.STREAM: "流媒体",
    DataForm.SELF_DESCRIBING: "自描述格式",
    DataForm.API: "服务接口",
    DataForm.OTHER: "其他",
}
# 共享属性 · 共享类型.
SHARE_TYPE_TERMS: dict[str, str] = {
    ShareType.UNCONDITIONAL: "无条件共享",
    ShareType.CONDITIONAL: "有条件共享",
    ShareType.NONE: "不予共享",
}
# 开放属性: the guide asks 是否向社会开放 and 开放条件; the open type (OPN-1) says which.
OPEN_TYPE_TERMS: dict[str, str] = {
    OpenType.UNCONDITIONAL: "无条件开放",
    OpenType.CONDITIONAL: "有条件开放",
    OpenType.NONE: "不予开放",
}
# 更新周期. The guide's list is open ("等"); 不定期 is the platform's irregular cycle.
UPDATE_CYCLE_TERMS: dict[str, str] = {
    UpdateCycle.REALTIME: "实时",
    UpdateCycle.DAILY: "每日",
    UpdateCycle.WEEKLY: "每周",
    UpdateCycle.MONTHLY: "每月",
    UpdateCycle.QUARTERLY: "每季度",
    UpdateCycle.HALF_YEARLY: "每半年",
    UpdateCycle.YEARLY: "每年",
    UpdateCycle.IRREGULAR: "不定期",
}
# 信息项 · 数据类型: the guide's letter codes. The identifier types are text (C) to the guide;
# ``item_type`` keeps them apart.
DATA_TYPE_CODES: dict[str, str] = {
    ItemType.STRING: "C",
    ItemType.INTEGER: "I",
    ItemType.DECIMAL: "N",
    ItemType.DATE: "D",
    ItemType.DATETIME: "T",
    ItemType.BOOLEAN: "L",
    ItemType.RIC: "C",
    ItemType.USCC: "C",
}
# A document that gives only the guide's data type: the platform's type it becomes.
GUIDE_DATA_TYPES: dict[str, str] = {
    "C": ItemType.STRING,  # 字符型
    "M": ItemType.STRING,  # 备注型
    "N": ItemType.DECIMAL,  # 数值型
    "Y": ItemType.DECIMAL,  # 货币型
    "B": ItemType.DECIMAL,  # 双精度型
    "F": ItemType.DECIMAL,  # 浮点型
    "I": ItemType.INTEGER,  # 整型
    "D": ItemType.DATE,  # 日期型
    "T": ItemType.DATETIME,  # 日期时间型
    "L": ItemType.BOOLEAN,  # 逻辑型
}

# Where a field the catalog's rules name lies in an entry of the document.
FIELD_PATHS: dict[str, str] = {
    "code": "resource_code",
    "provider": "provider",
    "resource_class": "classification.resource_class",
    "library": "classification.library",
    "domain": "classification.domain",
    "name": "resource_name",
    "summary": "summary",
    "data_form": "resource_format.category",
    "data_format": "resource_format.type",
    "items": "items",
    "share_type": "share.type",
    "share_conditions": "share.conditions",
    "share_methods": "share.methods",
    "share_basis": "share.basis",
    "open_type": "open.type",
    "open_conditions": "open.conditions",
    "open_basis": "open.basis",
    "update_cycle": "update_cycle",
    "related_codes": "related_codes",
    "version_number": "extension.version",
    "published_at": "extension.published_at",
    "sensitivity": "extension.sensitivity",
    "importance": "extension.importance",
    "security_level": "extension.security_level",
    "usage_requirements": "extension.usage_requirements",
    "source_system_id": "extension.source_system",
    "collecting_org_id": "extension.collecting_org",
    "approving_org_id": "extension.approving_org",
}


class Malformed(ServiceError):
    """The upload is not a JSON text in UTF-8: nothing in it can be read."""

    status = 400
    code = "malformed_document"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


# --- Writing ----------------------------------------------------------------------------------


def timestamp(value: dt.datetime) -> str:
    """A time as the document writes it: UTC, microseconds, ``Z``."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def organisation_element(org: Organisation | None) -> dict[str, Any] | None:
    if org is None:
        return None
    return {"name": org.name, "credit_code": org.uscc}


def entry_element(resource: Any) -> dict[str, Any]:
    """One published entry, in the document's fixed key order."""
    version = resource.live_version
    items = sorted(version.items.all(), key=lambda i: i.position)
    return {
        "resource_code": resource.code,
        "resource_name": version.name,
        "classification": {
            "resource_class": CLASS_CODES[resource.resource_class],
            "library": resource.library.code if resource.library_id else None,
            "domain": version.domain,
        },
        "provider": organisation_element(resource.provider),
        "summary": version.summary,
        "resource_format": {
            "category": DATA_FORM_TERMS[version.data_form],
            "type": version.data_format,
        },
        "items": [
            {
                "name": item.name,
                "label": item.label,
                "data_type": DATA_TYPE_CODES[item.item_type],
                "item_type": item.item_type,
                "length": item.length,
                "is_key": item.is_key,
                "is_required": item.is_required,
                "is_personal": item.is_personal,
                "security_level": item.security_level,
                "description": item.description,
            }
            for item in items
        ],
        "share": {
            "type": SHARE_TYPE_TERMS[version.share_type],
            "conditions": version.share_conditions,
            "methods": list(version.share_methods),
            "basis": version.share_basis,
        },
        "open": {
            "to_public": version.open_type != OpenType.NONE,
            "type": OPEN_TYPE_TERMS[version.open_type],
            "conditions": version.open_conditions,
            "basis": version.open_basis,
        },
        "update_cycle": UPDATE_CYCLE_TERMS[version.update_cycle],
        "published_on": timezone.localdate(version.published_at).isoformat(),
        "related_codes": sorted(version.related_codes),
        "extension": {
            "version": version.number,
            "published_at": timestamp(version.published_at),
            "sensitivity": version.sensitivity,
            "importance": version.importance,
            "security_level": version.security_level,
            "usage_requirements": version.usage_requirements,
            "source_system": version.source_system.name if version.source_system_id else None,
            "collecting_org": organisation_element(version.collecting_org),
            "approving_org": organisation_element(version.approving_org),
        },
    }


def build_document(region: Organisation | None, resources: Any) -> dict[str, Any]:
    """The document of a region's published entries (``resources`` ordered by code). Its date
    is the latest publication among them, never the time of export (a round trip is byte-exact)."""
    entries = [entry_element(r) for r in resources]
    latest = max((r.live_version.published_at for r in resources), default=None)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "guide": GUIDE,
        "region": (
            {"division_code": region.division_code, "name": region.name} if region else None
        ),
        "catalog_date": timestamp(latest) if latest else None,
        "entry_count": len(entries),
        "entries": entries,
    }


def render(document: dict[str, Any]) -> bytes:
    """UTF-8 JSON, indented, Chinese as it is, ending with a newline."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- Reading ----------------------------------------------------------------------------------

_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIVISION = re.compile(r"^\d{6}(?:\d{3}){0,2}$")


def decode(raw: bytes) -> str:
    """The document's text. JSON travels in UTF-8 (RFC 8259); a leading UTF-8 byte-order mark is
    dropped. A GBK/GB18030 file (what a Chinese spreadsheet tool often saves) is recognised and
    refused with a message that says so, rather than read with wrong characters."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise too_large()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for bom, name in _BOMS.items():
        if raw.startswith(bom):
            raise Malformed(
                _("The document is encoded in %(encoding)s; send it in UTF-8.")
                % {"encoding": name},
                code="invalid_encoding",
            )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        raise Malformed(_("The document is not UTF-8 text."), code="invalid_encoding") from None
    raise Malformed(
        _("The document appears to be encoded in GBK/GB18030; save it as UTF-8 and send it again."),
        code="invalid_encoding",
    )


def too_large() -> TooLarge:
    return TooLarge(
        _("The document is larger than %(n)d MiB.") % {"n": MAX_DOCUMENT_BYTES // (1024 * 1024)},
        code="too_large",
    )


def shown(value: Any, limit: int = 40) -> str:
    """A value of the document echoed in a message: short, and printable whatever it holds."""
    return str(value)[:limit].encode("utf-8", "backslashreplace").decode("utf-8")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load(text: str) -> Any:
    """Parse the JSON text: a repeated key, NaN or Infinity, or nesting too deep is malformed."""
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise Malformed(
            _("The document is not valid JSON (line %(line)d, column %(col)d: %(msg)s).")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            code="malformed_json",
        ) from None
    except (ValueError, RecursionError) as exc:
        raise Malformed(
            _("The document is not valid JSON (%(msg)s).") % {"msg": str(exc)[:200]},
            code="malformed_json",
        ) from None


@dataclass(frozen=True)
class OrgRef:
    credit_code: str
    name: str


@dataclass
class ParsedEntry:
    """One entry read from the document, in the platform's codes, not yet checked against the
    catalog (organisations, libraries, codes taken, entry rules)."""

    index: int
    code: str
    resource_class: str
    library_code: str | None
    provider: OrgRef | None
    collecting_org: OrgRef | None
    approving_org: OrgRef | None
    source_system: str | None
    entry: dict[str, Any]
    items: list[dict[str, Any]]
    version_number: int
    published_at: dt.datetime | None


@dataclass
class ParsedDocument:
    format_version: str
    region_code: str | None
    entries: list[ParsedEntry]
    # Per entry index: document path inside the entry → message.
    problems: dict[int, dict[str, str]] = field(default_factory=dict)


class _Reader:
    """Reads typed values out of decoded JSON, noting a problem per path instead of failing."""

    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.problems.setdefault(path, message)

    def obj(
        self, value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(path, _("An object."))
            return None
        for key in value:
            if key not in required and key not in optional:
                key = shown(key)
                self.add(f"{path}.{key}" if path else key, _("Not an element of the format."))
        for key in required:
            if key not in value:
                self.add(f"{path}.{key}" if path else key, _("Required."))
        return value

    def text(self, value: Any, path: str, *, nullable: bool = False) -> str | None:
        if value is None:
            if not nullable:
                self.add(path, _("A string."))
            return None
        if not isinstance(value, str):
            self.add(path, _("A string."))
            return None
        if len(value) > MAX_TEXT:
            self.add(path, _("At most %(n)d characters.") % {"n": MAX_TEXT})
            return None
        # The database stores neither NUL nor unpaired surrogates (JSON escapes can carry both).
        if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            self.add(path, _("Contains characters that are not valid text."))
            return None
        return value

    def flag(self, value: Any, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.add(path, _("true or false."))
            return False
        return value

    def integer(self, value: Any, path: str, low: int, high: int) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(
                path, _("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
            return None
        return value

    def texts(self, value: Any, path: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > MAX_LIST:
            self.add(path, _("A list of at most %(n)d strings.") % {"n": MAX_LIST})
            return []
        out = []
        for index, item in enumerate(value):
            text = self.text(item, f"{path}.{index}")
            if text is not None:
                out.append(text)
        return out

    def term(self, value: Any, path: str, terms: dict[str, str]) -> str:
        """A value of the guide mapped back to the platform's code ("" when wrong)."""
        text = self.text(value, path)
        if text is None:
            return ""
        for code, term in terms.items():
            if term == text:
                return code
        self.add(path, _("One of: %(values)s.") % {"values": "、".join(terms.values())})
        return ""

    def org(self, value: Any, path: str, *, nullable: bool) -> OrgRef | None:
        if value is None:
            if not nullable:
                self.add(path, _("Required."))
            return None
        element = self.obj(value, path, ("credit_code",), ("name",))
        if element is None:
            return None
        code = self.text(element.get("credit_code"), f"{path}.credit_code", nullable=True)
        name = self.text(element.get("name"), f"{path}.name", nullable=True) or ""
        if not code:
            self.add(
                f"{path}.credit_code",
                _("The organisation is named by its unified social credit code."),
            )
            return None
        return OrgRef(credit_code=code.strip().upper(), name=name.strip())

    def time(self, value: Any, path: str) -> dt.datetime | None:
        text = self.text(value, path, nullable=True)
        if text is None:
            return None
        try:
            parsed = dt.datetime.fromisoformat(text) if len(text) <= 40 else None
            if parsed is not None and parsed.tzinfo is not None:
                parsed = parsed.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.add(path, _("A time in ISO 8601 with its time zone, e.g. 2026-03-05T08:00:00Z."))
            return None
        if parsed.year < EARLIEST_YEAR:
            self.add(path, _("Not before %(year)d.") % {"year": EARLIEST_YEAR})
            return None
        return parsed

    def day(self, value: Any, path: str) -> dt.date | None:
        text = self.text(value, path, nullable=True)
        if text is None:
            return None
        if _DATE.match(text):
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                pass
            else:
                if day.year >= EARLIEST_YEAR:
                    return day
                self.add(path, _("Not before %(year)d.") % {"year": EARLIEST_YEAR})
                return None
        self.add(path, _("A date as YYYY-MM-DD."))
        return None


ENTRY_KEYS = (
    "resource_code",
    "resource_name",
    "classification",
    "provider",
    "summary",
    "resource_format",
    "items",
    "share",
    "open",
    "update_cycle",
    "published_on",
    "related_codes",
    "extension",
)
REQUIRED_ENTRY_KEYS = (
    "resource_code",
    "resource_name",
    "classification",
    "provider",
    "resource_format",
    "share",
    "open",
    "update_cycle",
)
ITEM_KEYS = (
    "name",
    "label",
    "data_type",
    "item_type",
    "length",
    "is_key",
    "is_required",
    "is_personal",
    "security_level",
    "description",
)
EXTENSION_KEYS = (
    "version",
    "published_at",
    "sensitivity",
    "importance",
    "security_level",
    "usage_requirements",
    "source_system",
    "collecting_org",
    "approving_org",
)


def _read_item(r: _Reader, value: Any, path: str) -> dict[str, Any]:
    element = r.obj(value, path, ("name", "label"), ITEM_KEYS)
    if element is None:
        return {}
    item_type = r.text(element.get("item_type"), f"{path}.item_type", nullable=True)
    data_type = r.text(element.get("data_type"), f"{path}.data_type", nullable=True)
    if item_type is not None and item_type not in ItemType.values:
        r.add(f"{path}.item_type", _("Not one of the allowed values."))
    elif item_type is not None and data_type is not None:
        if DATA_TYPE_CODES[item_type] != data_type:
            r.add(
                f"{path}.data_type",
                _("The guide's data type of %(type)s is %(code)s.")
                % {"type": item_type, "code": DATA_TYPE_CODES[item_type]},
            )
    elif item_type is None:
        if data_type is None:
            r.add(f"{path}.data_type", _("Required."))
        elif data_type not in GUIDE_DATA_TYPES:
            r.add(
                f"{path}.data_type",
                _("One of: %(values)s.") % {"values": "、".join(GUIDE_DATA_TYPES)},
            )
        else:
            item_type = GUIDE_DATA_TYPES[data_type]
    description = r.text(element.get("description"), f"{path}.description", nullable=True) or ""
    if len(description) > 500:  # the entry rules would cut it short; an import never does
        r.add(f"{path}.description", _("At most %(n)d characters.") % {"n": 500})
    return {
        "name": r.text(element.get("name"), f"{path}.name") or "",
        "label": r.text(element.get("label"), f"{path}.label") or "",
        "item_type": item_type or "",
        "length": r.integer(element.get("length"), f"{path}.length", 1, 100_000),
        "is_key": r.flag(element.get("is_key"), f"{path}.is_key"),
        "is_required": r.flag(element.get("is_required"), f"{path}.is_required"),
        "is_personal": r.flag(element.get("is_personal"), f"{path}.is_personal"),
        "security_level": r.integer(element.get("security_level"), f"{path}.security_level", 1, 4),
        "description": description,
    }


def read_entry(index: int, value: Any) -> tuple[ParsedEntry, dict[str, str]]:
    """One entry in the platform's codes, and the problems found in it by path."""
    r = _Reader()
    element = r.obj(value, "", REQUIRED_ENTRY_KEYS, ENTRY_KEYS)
    if element is None:
        empty = ParsedEntry(index, "", "", None, None, None, None, None, {}, [], 1, None)
        return empty, r.problems
    code = (r.text(element.get("resource_code"), "resource_code") or "").strip()

    classification = (
        r.obj(
            element.get("classification"),
            "classification",
            ("resource_class", "domain"),
            ("library",),
        )
        or {}
    )
    resource_class = r.term(
        classification.get("resource_class"), "classification.resource_class", CLASS_CODES
    )
    library = r.text(classification.get("library"), "classification.library", nullable=True)
    domain = r.text(classification.get("domain"), "classification.domain") or ""

    fmt = r.obj(element.get("resource_format"), "resource_format", ("category",), ("type",)) or {}
    share = (
        r.obj(element.get("share"), "share", ("type",), ("conditions", "methods", "basis")) or {}
    )
    open_ = (
        r.obj(element.get("open"), "open", ("type",), ("to_public", "conditions", "basis")) or {}
    )
    extension = r.obj(element.get("extension", {}), "extension", (), EXTENSION_KEYS) or {}

    open_type = r.term(open_.get("type"), "open.type", OPEN_TYPE_TERMS)
    if "to_public" in open_ and open_type:
        to_public = r.flag(open_.get("to_public"), "open.to_public")
        if to_public != (open_type != OpenType.NONE):
            r.add("open.to_public", _("Does not agree with the open type."))

    items_value = element.get("items")
    items: list[dict[str, Any]] = []
    if items_value is not None and not isinstance(items_value, list):
        r.add("items", _("A list."))
    elif items_value:
        items = [_read_item(r, item, f"items.{i}") for i, item in enumerate(items_value)]

    published_at = r.time(extension.get("published_at"), "extension.published_at")
    published_on = r.day(element.get("published_on"), "published_on")
    if published_at is not None and published_on is not None:
        if timezone.localdate(published_at) != published_on:
            r.add("published_on", _("Does not agree with the publication time."))
    elif published_at is None and published_on is not None:
        # A document that gives only the guide's publication date: published that day.
        published_at = timezone.make_aware(dt.datetime.combine(published_on, dt.time()))
    elif published_at is None and "extension.published_at" not in r.problems:
        r.add("published_on", _("Required."))

    entry = {
        "name": r.text(element.get("resource_name"), "resource_name") or "",
        "summary": r.text(element.get("summary"), "summary", nullable=True) or "",
        "domain": domain,
        "data_form": r.term(fmt.get("category"), "resource_format.category", DATA_FORM_TERMS),
        "data_format": r.text(fmt.get("type"), "resource_format.type", nullable=True) or "",
        "share_type": r.term(share.get("type"), "share.type", SHARE_TYPE_TERMS),
        "share_conditions": r.text(share.get("conditions"), "share.conditions", nullable=True)
        or "",
        "share_methods": r.texts(share.get("methods"), "share.methods"),
        "share_basis": r.text(share.get("basis"), "share.basis", nullable=True) or "",
        "open_type": open_type,
        "open_conditions": r.text(open_.get("conditions"), "open.conditions", nullable=True) or "",
        "open_basis": r.text(open_.get("basis"), "open.basis", nullable=True) or "",
        "update_cycle": r.term(element.get("update_cycle"), "update_cycle", UPDATE_CYCLE_TERMS),
        "related_codes": r.texts(element.get("related_codes"), "related_codes"),
        "sensitivity": r.text(extension.get("sensitivity"), "extension.sensitivity", nullable=True)
        or "",
        "importance": r.text(extension.get("importance"), "extension.importance", nullable=True)
        or "",
        "security_level": r.integer(
            extension.get("security_level"), "extension.security_level", 1, 4
        ),
        "usage_requirements": r.text(
            extension.get("usage_requirements"), "extension.usage_requirements", nullable=True
        )
        or "",
    }
    version = r.integer(extension.get("version"), "extension.version", 1, 100_000)
    parsed = ParsedEntry(
        index=index,
        code=code,
        resource_class=resource_class,
        library_code=(library or "").strip() or None,
        provider=r.org(element.get("provider"), "provider", nullable=False),
        collecting_org=r.org(
            extension.get("collecting_org"), "extension.collecting_org", nullable=True
        ),
        approving_org=r.org(
            extension.get("approving_org"), "extension.approving_org", nullable=True
        ),
        source_system=(
            r.text(extension.get("source_system"), "extension.source_system", nullable=True) or ""
        ).strip()
        or None,
        entry=entry,
        items=items,
        version_number=version or 1,
        published_at=published_at,
    )
    return parsed, r.problems


def read_document(value: Any) -> ParsedDocument:
    """The document's header and entries. A wrong format or version, or too many entries,
    raises at once; every other problem is collected per entry for the caller to report."""
    if not isinstance(value, dict):
        raise Invalid(
            _("The document is a JSON object with the catalog's entries."),
            code="invalid_document",
            fields={"document": _("An object.")},
        )
    if value.get("format") != FORMAT:
        raise Invalid(
            _("Not a catalog exchange document (format %(format)s).") % {"format": FORMAT},
            code="unsupported_format",
            fields={"format": _("Must be %(format)s.") % {"format": FORMAT}},
        )
    version = value.get("format_version")
    if not isinstance(version, str) or version not in SUPPORTED_VERSIONS:
        raise Invalid(
            _("Format version %(version)s is not supported; this platform reads %(supported)s.")
            % {
                "version": shown(version, 20),
                "supported": "、".join(sorted(SUPPORTED_VERSIONS)),
            },
            code="unsupported_version",
            fields={"format_version": _("Not supported.")},
        )
    r = _Reader()
    r.obj(
        value,
        "",
        ("format", "format_version", "entries"),
        ("guide", "region", "catalog_date", "entry_count"),
    )
    r.text(value.get("guide"), "guide", nullable=True)
    r.time(value.get("catalog_date"), "catalog_date")
    region_code = None
    if value.get("region") is not None:
        region = r.obj(value["region"], "region", ("division_code",), ("name",)) or {}
        region_code = r.text(region.get("division_code"), "region.division_code", nullable=True)
        r.text(region.get("name"), "region.name", nullable=True)
        if region_code is not None and not _DIVISION.match(region_code):
            r.add("region.division_code", _("A division code of 6, 9 or 12 digits."))
    entries = value.get("entries")
    if not isinstance(entries, list):
        r.add("entries", _("A list."))
        entries = []
    if len(entries) > MAX_ENTRIES:
        raise TooLarge(
            _("The document has %(count)d entries; at most %(n)d are taken at once.")
            % {"count": len(entries), "n": MAX_ENTRIES},
            code="too_many_entries",
            fields={"entries": _("At most %(n)d.") % {"n": MAX_ENTRIES}},
        )
    count = value.get("entry_count")
    if count is not None and (
        isinstance(count, bool) or not isinstance(count, int) or count != len(entries)
    ):
        r.add(
            "entry_count",
            _("The document says %(said)s entries but holds %(count)d.")
            % {"said": shown(count, 20), "count": len(entries)},
        )
    if r.problems:
        raise Invalid(
            _("The document's header is not valid."), code="invalid_document", fields=r.problems
        )
    document = ParsedDocument(format_version=version, region_code=region_code, entries=[])
    for index, item in enumerate(entries):
        parsed, problems = read_entry(index, item)
        document.entries.append(parsed)
        if problems:
            document.problems[index] = problems
    return document


def document_path(field_name: str) -> str:
    """The place in an entry of a field the catalog's rules name (``items.2.name`` stays)."""
    head, _dot, rest = field_name.partition(".")
    if head == "items" and rest:
        return field_name
    return FIELD_PATHS.get(field_name, field_name)


def entry_problems(problems: dict[int, dict[str, str]], entries: list[ParsedEntry]) -> Invalid:
    """Every problem of every entry, as one error: ``entries.<index>.<path>`` → message that
    names the entry's code; at most MAX_PROBLEMS, with a count of the rest."""
    fields: dict[str, str] = {}
    total = 0
    for index in sorted(problems):
        code = entries[index].code if index < len(entries) else ""
        label = code or _("entry %(n)d") % {"n": index}
        for path, message in problems[index].items():
            total += 1
            if len(fields) < MAX_PROBLEMS:
                fields[f"entries.{index}.{path}" if path else f"entries.{index}"] = (
                    f"{label}: {message}"
                )
    if total > len(fields):
        fields["more"] = _("Further problems not listed: %(n)d.") % {"n": total - len(fields)}
    return Invalid(
        _("Problems: %(n)d, in entries: %(entries)d; nothing was imported.")
        % {"n": total, "entries": len(problems)},
        code="invalid_entries",
        fields=fields,
    )
