"""API of the exchange with the provincial platform under /api/v1/interop/ (INT-1, CAT-3).

The export answers the document's exact bytes (the same as ``manage.py catalog_export``); the
import reads the request body itself, so that its size limit, encoding and JSON problems get the
exchange's own 4xx answers. The schemas below describe the document for the OpenAPI contract;
``provincial.py`` is what writes and reads it."""

from __future__ import annotations

from typing import Literal

from django.http import HttpResponse
from ninja import Router, Schema

from govdata.core.schemas import ApiRequest, errors

from . import services

router = Router(tags=["provincial exchange"])

ClassCode = Literal["1", "2", "3"]
FormTerm = Literal[
    "电子文件", "电子表格", "数据库", "图形图像", "流媒体", "自描述格式", "服务接口", "其他"
]
ShareTerm = Literal["无条件共享", "有条件共享", "不予共享"]
OpenTerm = Literal["无条件开放", "有条件开放", "不予开放"]
CycleTerm = Literal["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期"]
DataTypeCode = Literal["C", "M", "N", "Y", "B", "F", "I", "D", "T", "L"]


class ExchangeOrganisation(Schema):
    """信息资源提供方 / 信息资源提供方代码: matched by credit code on import."""

    name: str
    credit_code: str | None


class ExchangeClassification(Schema):
    """信息资源分类: 类 (1 base, 2 theme, 3 department), the base or theme database, the domain."""

    resource_class: ClassCode
    library: str | None
    domain: str


class ExchangeFormat(Schema):
    """信息资源格式: the guide's category and the format type."""

    category: FormTerm
    type: str


class ExchangeItem(Schema):
    """信息项信息: one data item."""

    name: str
    label: str
    data_type: DataTypeCode
    item_type: str
    length: int | None
    is_key: bool
    is_required: bool
    is_personal: bool
    security_level: int
    description: str


class ExchangeShare(Schema):
    """共享属性: 共享类型, 共享条件, 共享方式 and the legal basis."""

    type: ShareTerm
    conditions: str
    methods: list[str]
    basis: str


class ExchangeOpen(Schema):
    """开放属性: 是否向社会开放, the open type, 开放条件 and the legal basis."""

    to_public: bool
    type: OpenTerm
    conditions: str
    basis: str


class ExchangeExtension(Schema):
    """What CAT-1 records beyond the guide's core metadata."""

    version: int
    published_at: str
    sensitivity: str
    importance: str
    security_level: int
    usage_requirements: str
    source_system: str | None
    collecting_org: ExchangeOrganisation | None
    approving_org: ExchangeOrganisation | None


class ExchangeEntry(Schema):
    resource_code: str
    resource_name: str
    classification: ExchangeClassification
    provider: ExchangeOrganisation
    summary: str
    resource_format: ExchangeFormat
    items: list[ExchangeItem]
    share: ExchangeShare
    open: ExchangeOpen
    update_cycle: CycleTerm
    published_on: str
    related_codes: list[str]
    extension: ExchangeExtension


class ExchangeRegion(Schema):
    division_code: str
    name: str


class CatalogExchangeDocument(Schema):
    """The catalog exchange document (docs/provincial-exchange.md)."""

    format: Literal["govdata-catalog-exchange"]
    format_version: Literal["1.0"]
    guide: str
    region: ExchangeRegion | None
    catalog_date: str | None
    entry_count: int
    entries: list[ExchangeEntry]


class CatalogImportOut(Schema):
    imported: int
    format_version: str
    region: str | None
    codes: list[str]


@router.get("/catalog/export", response={200: CatalogExchangeDocument, **errors(401, 403)})
def export_catalog(request: ApiRequest):
    """The published catalog of the city as the exchange document for the provincial platform
    (INT-1): the city data authority's managers, reviewers and systems, and the platform admin."""
    data = services.check_export_catalog(actor=request.auth)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="catalog-exchange.json"'
    return response


@router.post(
    "/catalog/import",
    response={200: CatalogImportOut, **errors(401, 403, 409, 413)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/CatalogExchangeDocument"}
                }
            },
        }
    },
)
def import_catalog(request: ApiRequest):
    """Add the entries of an exchange document to the catalog as published, all or none: the
    city data authority's managers and the platform admin. 413 above the size or entry limit,
    400 when the body is not UTF-8 JSON, 422 naming every problem of every entry."""
    summary = services.check_import_catalog(actor=request.auth, raw=request)
    return CatalogImportOut(
        imported=summary.imported,
        format_version=summary.format_version,
        region=summary.region,
        codes=summary.codes,
    )
