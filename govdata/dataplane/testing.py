"""Test helpers of the data plane (imported by tests only)."""

from __future__ import annotations

from typing import Any

from govdata.catalog.models import Resource
from govdata.catalog.testing import compile_entry, publish


def published(city: Any, item_rows: list[dict[str, Any]], **fields: Any) -> Resource:
    """An entry of the city's department with these items, compiled and published."""
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department, items_=item_rows, **fields)
    publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)])
    return Resource.objects.select_related("live_version", "provider").get(pk=version.resource_id)
