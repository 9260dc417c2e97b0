"""Pages of the open catalog on the public portal (CAT-2, CAT-8, OPN-1): the list with search,
facet filters and pages, and each dataset's published metadata with its data items. No login:
the open catalog is public. Views parse, call search or a query, and render."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from govdata.core.errors import Invalid, NotFound

from . import queries, search


@dataclass
class FacetLink:
    """One value of a facet as a link that adds it to the filters or takes it away."""

    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass
class FacetBlock:
    name: str
    label: str
    links: list[FacetLink]  # the values with most matches, and the chosen ones
    more: list[FacetLink]  # the others, folded away


FACET_SHOWN = 8


def _url(params: QueryDict) -> str:
    return "?" + params.urlencode() if params else "?"


def _toggle(params: QueryDict, name: str, value: str) -> str:
    """The list's address with ``value`` of facet ``name`` added or taken away, on page 1."""
    changed = params.copy()
    changed.pop("page", None)
    values = changed.getlist(name)
    changed.setlist(
        name, [v for v in values if v != value] if value in values else [*values, value]
    )
    return _url(changed)


def _facet_blocks(results: search.Results, params: QueryDict) -> list[FacetBlock]:
    blocks = []
    for facet in results.facets:
        links = [
            FacetLink(v.value, v.label, v.count, v.selected, _toggle(params, facet.name, v.value))
            for v in facet.values
        ]
        shown = [link for i, link in enumerate(links) if i < FACET_SHOWN or link.selected]
        more = [link for i, link in enumerate(links) if i >= FACET_SHOWN and not link.selected]
        if links:
            blocks.append(FacetBlock(facet.name, facet.label, shown, more))
    return blocks


def _page_number(raw: str | None, pages: int) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        number = 1
    return max(1, min(number, pages))


@require_GET
def catalog_page(request: HttpRequest) -> HttpResponse:
    """The open catalog, searched and filtered; facets count what each choice would give."""
    params: QueryDict = request.GET
    query = params.get("q", "")[: search.MAX_QUERY_CHARS]
    filters = {name: params.getlist(name) for name in search.PUBLIC_FACETS}
    size = settings.CATALOG_SEARCH_PAGE
    error, status = "", 200
    try:
        search.clean_filters(filters)
    except Invalid as exc:
        error, status = str(exc.message), 400
        filters = {}
        params = _only_query(query)
    last_page = max(1, math.ceil(search.MAX_OFFSET / size))
    number = _page_number(params.get("page"), last_page)
    results = search.search(
        query,
        scope="open",
        filters=filters,
        offset=(number - 1) * size,
        limit=size,
        facet_names=search.PUBLIC_FACETS,
    )
    pages = max(1, min(math.ceil(results.count / size), last_page))
    if number > pages:  # past the end: show the last page
        number = pages
        results = search.search(
            query,
            scope="open",
            filters=filters,
            offset=(number - 1) * size,
            limit=size,
            facet_names=search.PUBLIC_FACETS,
        )
    base = params.copy()
    base.pop("page", None)
    context: dict[str, Any] = {
        "query": query,
        "results": results,
        "entries": search.listed(results),
        "facets": _facet_blocks(results, base),
        "chosen": any(filters.values()),
        "clear_url": _url(_only_query(query)),
        "page": {
            "number": number,
            "pages": pages,
            "previous": _url(_with_page(base, number - 1)) if number > 1 else "",
            "next": _url(_with_page(base, number + 1)) if number < pages else "",
        },
        "error": error,
    }
    return render(request, "portal/catalog.html", context, status=status)


def _only_query(query: str) -> QueryDict:
    params = QueryDict(mutable=True)
    if query:
        params["q"] = query
    return params


def _with_page(params: QueryDict, number: int) -> QueryDict:
    changed = params.copy()
    if number > 1:
        changed["page"] = str(number)
    return changed


@require_GET
def dataset_page(request: HttpRequest, code: str) -> HttpResponse:
    """One open dataset: its published metadata and data items. An entry that is not open or
    not published is answered like a missing one (404)."""
    try:
        resource = queries.access_open_resource_by_code(code)
    except NotFound:
        return render(request, "404.html", {"message": _("No such open dataset.")}, status=404)
    version = resource.live_version
    return render(
        request,
        "portal/dataset.html",
        {
            "resource": resource,
            "version": version,
            "items": list(queries.items_of(version)),  # type: ignore[arg-type]
        },
    )
