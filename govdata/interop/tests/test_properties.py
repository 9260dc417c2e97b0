"""Whatever arrives as a document, the import answers with a 4xx error and writes nothing, or
imports it whole; never a 500, never a partial write (INT-1, ARCHITECTURE "Bad input")."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govdata.catalog.models import DataItem, Resource, ResourceVersion
from govdata.core.errors import ServiceError
from govdata.core.models import AuditEntry
from govdata.interop import provincial, services

from .conftest import build_catalog, empty_the_catalog

pytestmark = pytest.mark.django_db

# Any text, lone surrogates and NUL included (JSON escapes carry them).
texts = st.text(st.characters(exclude_categories=()), max_size=30)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | texts,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(texts, children, max_size=5),
    max_leaves=30,
)
slow = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def counts() -> tuple[int, ...]:
    return (
        Resource.objects.count(),
        ResourceVersion.objects.count(),
        DataItem.objects.count(),
        AuditEntry.objects.count(),
    )


class _Undo(Exception):
    """Rolls back a successful import so that the next example starts from the same catalog."""


def attempt(actor: Any, raw: bytes) -> bool:
    """Import ``raw``: True when it was taken whole (then undone), False when refused with a
    4xx and nothing written."""
    before = counts()
    try:
        with transaction.atomic():
            services.check_import_catalog(actor=actor, raw=raw)
            assert counts() != before or b'"entries": []' in raw or b'"entries":[]' in raw
            raise _Undo
    except _Undo:
        return True
    except ServiceError as exc:
        assert 400 <= exc.status < 500, exc.as_body()
        assert set(exc.as_body()["error"]) == {"code", "message", "fields"}
        assert counts() == before
        return False


@slow
@given(value=json_values)
def test_arbitrary_json_never_fails_badly(city, value):
    assert attempt(city.actor(city.admin), json.dumps(value).encode()) is False


@slow
@given(
    value=st.dictionaries(
        st.sampled_from(
            [
                "format",
                "format_version",
                "entries",
                "region",
                "entry_count",
                "catalog_date",
                "guide",
            ]
        ),
        json_values,
        max_size=7,
    )
)
def test_arbitrary_headers_never_fail_badly(city, value):
    value = {"format": provincial.FORMAT, "format_version": provincial.FORMAT_VERSION, **value}
    attempt(city.actor(city.admin), json.dumps(value).encode())


@pytest.fixture
def exported(city) -> dict[str, Any]:
    build_catalog(city)
    data = services.check_export_catalog(actor=city.actor(city.admin))
    empty_the_catalog()
    return json.loads(data)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a document: keys of objects and indexes of lists, depth first."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _change(document: dict[str, Any], place: tuple, value: Any, delete: bool) -> None:
    """Replace (or delete) the value at ``place``; a place an earlier change removed is skipped."""
    try:
        parent: Any = document
        for step in place[:-1]:
            parent = parent[step]
        if delete and isinstance(parent, dict):
            del parent[place[-1]]
        else:
            parent[place[-1]] = value
    except (KeyError, IndexError, TypeError):
        pass


@slow
@given(data=st.data())
def test_a_document_with_values_replaced_is_imported_whole_or_not_at_all(city, exported, data):
    document = copy.deepcopy(exported)
    places = _paths(document["entries"], ("entries",))
    for _ in range(data.draw(st.integers(1, 3))):
        _change(
            document,
            data.draw(st.sampled_from(places)),
            data.draw(json_values),
            delete=data.draw(st.booleans()),
        )
    # Written as JSON escapes, or as raw UTF-8 (where a lone surrogate makes the bytes invalid).
    ascii_only = data.draw(st.booleans())
    raw = json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    attempt(city.actor(city.admin), raw)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_through_the_api_get_a_4xx(city, raw):
    client = Client()
    client.force_login(city.admin)
    before = counts()
    response = client.generic(
        "POST", "/api/v1/interop/catalog/import", data=raw, content_type="application/json"
    )
    assert 400 <= response.status_code < 500, response.content[:300]
    assert set(response.json()) == {"error"}
    assert counts() == before
