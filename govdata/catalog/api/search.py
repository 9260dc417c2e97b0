"""API of catalog search (CAT-8) and of the open catalog (CAT-2, OPN-1): government users search
the resource and share catalogs; anyone reads the open catalog and its datasets."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Query, Router, Schema

from govdata.core.errors import Forbidden
from govdata.core.schemas import MAX_ID, ApiRequest, errors

from .. import queries, search
from ..choices import DataForm, Domain, ItemType, OpenType, ResourceClass, ShareType, UpdateCycle
from ..models import Resource

router = Router(tags=["catalog"])

# A resource code: division code, class digit, organisation code, sequence (docs/catalog.md).
CodePath = Annotated[str, Path(..., min_length=1, max_length=48, pattern=r"^[0-9A-Za-z-]+$")]
MAX_VALUES = search.MAX_FILTER_VALUES


# Query parameters, declared one by one so that an error names the parameter as the caller wrote
# it ("domain.0"). A facet parameter may repeat: any of its values matches.
Text = Annotated[
    str,
    Query("", max_length=search.MAX_QUERY_CHARS, description="words, in Chinese or not"),
]
ProviderIds = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_ID)]],
    Query([], max_length=MAX_VALUES, description="provider organisation ids"),
]
Limit = Annotated[int, Query(20, ge=1, le=search.MAX_LIMIT)]
Offset = Annotated[int, Query(0, ge=0, le=search.MAX_OFFSET)]
DomainValues = Annotated[list[Domain], Query([], max_length=MAX_VALUES)]
ClassValues = Annotated[list[ResourceClass], Query([], max_length=MAX_VALUES)]
ShareTypeValues = Annotated[list[ShareType], Query([], max_length=MAX_VALUES)]
OpenTypeValues = Annotated[list[OpenType], Query([], max_length=MAX_VALUES)]
FormValues = Annotated[list[DataForm], Query([], max_length=MAX_VALUES)]
CycleValues = Annotated[list[UpdateCycle], Query([], max_length=MAX_VALUES)]


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class FacetOut(Schema):
    name: str
    label: str
    values: list[FacetValueOut]


class ProviderOut(Schema):
    id: int
    name: str


class OpenHitOut(Schema):
    code: str
    name: str
    provider: ProviderOut
    summary: str = Field(description="the part of the summary around the words found")
    domain: Domain
    domain_label: str
    resource_class: ResourceClass
    data_form: DataForm
    data_format: str
    open_type: OpenType
    open_type_label: str
    update_cycle: UpdateCycle
    update_cycle_label: str
    published_at: dt.datetime | None
    score: float


class HitOut(OpenHitOut):
    share_type: ShareType
    share_type_label: str


class OpenSearchPage(Schema):
    count: int
    limit: int
    offset: int
    terms: list[str] = Field(description="the words the query was split into")
    items: list[OpenHitOut]
    facets: list[FacetOut]


class SearchPage(OpenSearchPage):
    items: list[HitOut]  # type: ignore[assignment]


def _hit(entry: search.ListedEntry) -> dict[str, Any]:
    version, resource = entry.version, entry.resource
    return {
        "code": resource.code,
        "name": version.name,
        "provider": {"id": resource.provider_id, "name": resource.provider.name},
        "summary": entry.snippet_text,
        "domain": version.domain,
        "domain_label": version.get_domain_display(),
        "resource_class": resource.resource_class,
        "data_form": version.data_form,
        "data_format": version.data_format,
        "open_type": version.open_type,
        "open_type_label": version.get_open_type_display(),
        "update_cycle": version.update_cycle,
        "update_cycle_label": version.get_update_cycle_display(),
        "share_type": version.share_type,
        "share_type_label": version.get_share_type_display(),
        "published_at": version.published_at,
        "score": entry.score,
    }


def _page(
    q: str, scope: str, filters: dict[str, list[Any]], limit: int, offset: int
) -> dict[str, Any]:
    results = search.search(
        q,
        scope=scope,
        filters=filters,
        offset=offset,
        limit=limit,
        facet_names=list(filters),
    )
    return {
        "count": results.count,
        "limit": limit,
        "offset": offset,
        "terms": results.terms,
        "items": [_hit(entry) for entry in search.listed(results)],
        "facets": results.facets,
    }


@router.get("/search", response={200: SearchPage, **errors(401, 403)})
def search_catalog(
    request: ApiRequest,
    q: Text,
    scope: Annotated[
        Literal["resource", "share"],
        Query("resource", description="the resource catalog, or the share catalog (CAT-2)"),
    ],
    provider: ProviderIds,
    domain: DomainValues,
    resource_class: ClassValues,
    share_type: ShareTypeValues,
    open_type: OpenTypeValues,
    data_form: FormValues,
    update_cycle: CycleValues,
    limit: Limit,
    offset: Offset,
):
    """Search the resource catalog (every published entry) or the share catalog, for government
    users: staff of an organisation or a registered system (CAT-2, CAT-8). Results come best
    first, with facet counts; each facet counts the matches of the other filters."""
    if not queries.is_staff(request.auth):
        raise Forbidden(
            _("The resource catalog is for government users; the open catalog is public."),
            code="not_government_user",
        )
    filters: dict[str, list[Any]] = {
        "provider": provider,
        "domain": domain,
        "resource_class": resource_class,
        "share_type": share_type,
        "open_type": open_type,
        "data_form": data_form,
        "update_cycle": update_cycle,
    }
    return _page(q, scope, filters, limit, offset)


@router.get("/open-datasets", auth=None, response={200: OpenSearchPage, **errors()})
def search_open_datasets(
    request: ApiRequest,
    q: Text,
    provider: ProviderIds,
    domain: DomainValues,
    resource_class: ClassValues,
    open_type: OpenTypeValues,
    data_form: FormValues,
    update_cycle: CycleValues,
    limit: Limit,
    offset: Offset,
):
    """The open catalog (published, open type not "none"), searched and filtered like the
    resource catalog; no login needed (CAT-2, CAT-8, OPN-1)."""
    filters: dict[str, list[Any]] = {
        "provider": provider,
        "domain": domain,
        "resource_class": resource_class,
        "open_type": open_type,
        "data_form": data_form,
        "update_cycle": update_cycle,
    }
    return _page(q, "open", filters, limit, offset)


class DataItemOut(Schema):
    position: int
    name: str
    label: str
    item_type: ItemType
    item_type_label: str
    length: int | None
    is_key: bool
    is_required: bool
    is_personal: bool
    description: str


class LibraryOut(Schema):
    code: str
    name: str


class OpenDatasetOut(Schema):
    code: str
    name: str
    summary: str
    provider: ProviderOut
    resource_class: ResourceClass
    library: LibraryOut | None
    domain: Domain
    domain_label: str
    data_form: DataForm
    data_form_label: str
    data_format: str
    open_type: OpenType
    open_type_label: str
    open_conditions: str
    open_basis: str
    update_cycle: UpdateCycle
    update_cycle_label: str
    usage_requirements: str
    version: int
    published_at: dt.datetime | None
    items: list[DataItemOut]


def open_dataset(resource: Resource) -> dict[str, Any]:
    """The published metadata of an open dataset, as the API and the portal page show it."""
    version = resource.live_version
    assert version is not None
    return {
        "code": resource.code,
        "name": version.name,
        "summary": version.summary,
        "provider": {"id": resource.provider_id, "name": resource.provider.name},
        "resource_class": resource.resource_class,
        "library": resource.library,
        "domain": version.domain,
        "domain_label": version.get_domain_display(),
        "data_form": version.data_form,
        "data_form_label": version.get_data_form_display(),
        "data_format": version.data_format,
        "open_type": version.open_type,
        "open_type_label": version.get_open_type_display(),
        "open_conditions": version.open_conditions,
        "open_basis": version.open_basis,
        "update_cycle": version.update_cycle,
        "update_cycle_label": version.get_update_cycle_display(),
        "usage_requirements": version.usage_requirements,
        "version": version.number,
        "published_at": version.published_at,
        "items": [
            {
                **{f: getattr(item, f) for f in DataItemOut.model_fields if f != "item_type_label"},
                "item_type_label": item.get_item_type_display(),
            }
            for item in queries.items_of(version)
        ],
    }


@router.get("/open-datasets/{code}", auth=None, response={200: OpenDatasetOut, **errors(404)})
def get_open_dataset(request: ApiRequest, code: CodePath):
    """One dataset of the open catalog with its published metadata and data items. Entries that
    are not open (or not published) answer 404 like missing ones."""
    return open_dataset(queries.access_open_resource_by_code(code))
