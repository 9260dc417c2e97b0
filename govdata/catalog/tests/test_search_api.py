"""The search API (CAT-8): government users search the resource and share catalogs, anyone the
open catalog (CAT-2); bad parameters get the error body; a page of hits costs the same few
queries however long it is."""

from __future__ import annotations

import pytest
from django.test import Client

from govdata.catalog.testing import compile_entry
from govdata.core.testing import assert_error_body

from .test_search import ENTITY_ITEMS, OPEN, catalog_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(city):
    """An open entry, a shared-only one, one neither shared nor open, and a draft."""
    made = {
        "open": catalog_entry(
            city,
            "企业营业执照信息",
            "企业营业执照的核发、变更和注销信息。",
            items_=ENTITY_ITEMS,
            usage_requirements="注明数据来源。",
            **OPEN,
        ),
        "shared": catalog_entry(city, "营业执照年检信息", "营业执照年检。", items_=ENTITY_ITEMS),
        "closed": catalog_entry(
            city,
            "营业执照核查信息",
            "营业执照核查。",
            items_=ENTITY_ITEMS,
            share_type="none",
            share_basis="《市场主体登记管理条例》",
            share_methods=[],
        ),
    }
    made["draft"] = compile_entry(
        city.actor(city.analyst), city.department, name="营业执照草稿信息", summary="草稿。"
    ).resource
    return made


def _codes(response) -> list[str]:
    return [item["code"] for item in response.json()["items"]]


def test_anonymous_callers_may_not_search_the_resource_catalog(client: Client, entries):
    error = assert_error_body(client.get("/api/v1/catalog/search?q=营业执照"), 401)
    assert error["code"] == "unauthenticated"


def test_a_public_user_may_not_search_the_resource_catalog(login, citizen, entries):
    response = login(citizen).get("/api/v1/catalog/search", {"q": "营业执照"})
    assert assert_error_body(response, 403)["code"] == "not_government_user"


def test_staff_search_the_resource_and_share_catalogs(login, city, entries):
    client = login(city.outsider)  # another department's staff read the published catalog too

    everything = client.get("/api/v1/catalog/search", {"q": "营业执照"})
    assert everything.status_code == 200
    body = everything.json()
    assert body["count"] == 3
    assert sorted(_codes(everything)) == sorted(
        entries[k].code for k in ("open", "shared", "closed")
    )
    first = next(item for item in body["items"] if item["code"] == entries["open"].code)
    assert first["name"] == "企业营业执照信息"
    assert first["provider"] == {"id": city.department.pk, "name": city.department.name}
    assert "营业执照" in first["summary"]
    assert first["share_type"] == "unconditional" and first["open_type"] == "conditional"
    assert body["terms"] == ["营业执照", "营业", "执照"]
    facets = {f["name"]: f for f in body["facets"]}
    assert set(facets) == {
        "provider",
        "domain",
        "resource_class",
        "share_type",
        "open_type",
        "data_form",
        "update_cycle",
    }
    assert {v["value"]: v["count"] for v in facets["share_type"]["values"]} == {
        "unconditional": 2,
        "none": 1,
    }
    assert facets["provider"]["values"][0]["label"] == city.department.name

    shared = client.get("/api/v1/catalog/search", {"q": "营业执照", "scope": "share"})
    assert sorted(_codes(shared)) == sorted([entries["open"].code, entries["shared"].code])

    filtered = client.get(
        "/api/v1/catalog/search", {"q": "营业执照", "share_type": ["none"], "limit": 1}
    )
    assert _codes(filtered) == [entries["closed"].code]
    assert filtered.json()["limit"] == 1


def test_a_system_account_searches_with_its_key(context, entries):
    response = Client().get(
        "/api/v1/catalog/search",
        {"q": "统一社会信用代码"},
        headers={"X-API-Key": context["plain_key"]},
    )
    assert response.status_code == 200
    assert response.json()["count"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"scope": "open"}, "scope"),
        ({"domain": "nowhere"}, "domain.0"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"provider": "abc"}, "provider.0"),
        ({"provider": "0"}, "provider.0"),
        ({"q": "人" * 201}, "q"),
    ],
)
def test_bad_parameters_get_the_error_body(login, city, entries, query, field):
    response = login(city.analyst).get("/api/v1/catalog/search", query)
    error = assert_error_body(response, 422)
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_anyone_searches_the_open_catalog(client: Client, entries):
    response = client.get("/api/v1/catalog/open-datasets", {"q": "营业执照"})

    assert response.status_code == 200
    body = response.json()
    assert _codes(response) == [entries["open"].code]
    assert body["count"] == 1
    assert "share_type" not in body["items"][0]
    assert "share_type" not in {f["name"] for f in body["facets"]}
    # Browsing and filtering work the same; what is not open never appears.
    browse = client.get("/api/v1/catalog/open-datasets")
    assert _codes(browse) == [entries["open"].code]
    none = client.get("/api/v1/catalog/open-datasets", {"open_type": "unconditional"})
    assert none.json()["count"] == 0
    error = assert_error_body(client.get("/api/v1/catalog/open-datasets", {"domain": "x"}), 422)
    assert "domain.0" in error["fields"]


def test_an_open_dataset_shows_its_published_metadata_and_items(client: Client, entries):
    response = client.get(f"/api/v1/catalog/open-datasets/{entries['open'].code}")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "企业营业执照信息"
    assert body["open_type"] == "conditional"
    assert body["open_conditions"] == OPEN["open_conditions"]
    assert body["open_basis"] == OPEN["open_basis"]
    assert body["usage_requirements"] == "注明数据来源。"
    assert body["published_at"] and body["version"] == 1
    assert [(i["name"], i["label"], i["is_key"]) for i in body["items"]] == [
        ("tyshxydm", "统一社会信用代码", True),
        ("qymc", "企业名称", False),
        ("fzrq", "发证日期", False),
    ]


@pytest.mark.parametrize("which", ["shared", "closed", "draft", "missing"])
def test_what_is_not_open_is_not_found(client: Client, entries, which):
    code = entries[which].code if which in entries else "990100-3-000000000-99999"
    response = client.get(f"/api/v1/catalog/open-datasets/{code}")
    assert assert_error_body(response, 404)["code"] == "not_found"


def test_a_code_that_cannot_be_a_code_is_refused(client: Client, entries):
    response = client.get("/api/v1/catalog/open-datasets/a%20b;c")
    assert assert_error_body(response, 422)["code"] == "invalid"


def test_a_page_of_hits_costs_the_same_queries_however_long(
    client: Client, city, django_assert_max_num_queries
):
    for n in range(12):
        catalog_entry(city, f"营业执照统计数据{n:02d}", "营业执照。", **OPEN)
    with django_assert_max_num_queries(8):
        few = client.get("/api/v1/catalog/open-datasets", {"q": "营业执照", "limit": 2})
    with django_assert_max_num_queries(8):
        many = client.get("/api/v1/catalog/open-datasets", {"q": "营业执照", "limit": 12})
    assert len(few.json()["items"]) == 2 and len(many.json()["items"]) == 12
    with django_assert_max_num_queries(6):
        client.get("/api/v1/catalog/open-datasets", {"limit": 12})


def test_a_bad_key_is_refused(client: Client, entries):
    response = client.get(
        "/api/v1/catalog/search", {"q": "营业执照"}, headers={"X-API-Key": "gd_not-a-key"}
    )
    assert_error_body(response, 401)
