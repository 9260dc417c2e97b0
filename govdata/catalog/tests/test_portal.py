"""The open catalog on the public portal (CAT-2, CAT-8): anyone lists it, searches it, narrows it
with facet links and pages through it, in Chinese; each open dataset has its page; what is not
open is not found."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone, translation

from govdata.catalog.choices import Domain, OpenType
from govdata.catalog.testing import compile_entry

from .test_search import ENTITY_ITEMS, OPEN, catalog_entry

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The visible text of a page, tags removed and spaces folded."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


@pytest.fixture
def catalog(city):
    """Three open entries (two domains), one shared but not open, one draft."""
    return {
        "licence": catalog_entry(
            city,
            "企业营业执照信息",
            "企业营业执照的核发、变更和注销信息。",
            items_=ENTITY_ITEMS,
            usage_requirements="注明数据来源，不得用于违法用途。",
            data_format="CSV",
            **OPEN,
        ),
        "marriage": catalog_entry(city, "婚姻登记统计数据", "婚姻登记统计。", **OPEN),
        "bus": catalog_entry(
            city,
            "公交线路信息",
            "公交线路和站点。",
            provider=city.other_department,
            compiler=city.outsider,
            domain="transport",
            **OPEN,
        ),
        "internal": catalog_entry(city, "营业执照核查信息", "内部核查。", items_=ENTITY_ITEMS),
        "draft": compile_entry(
            city.actor(city.analyst), city.department, name="营业执照草稿", summary="草稿。", **OPEN
        ).resource,
    }


def test_the_open_catalog_lists_only_open_entries_in_chinese(client: Client, catalog):
    response = client.get("/data/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    page = text_of(response)
    assert "开放目录" in page
    for name in ("企业营业执照信息", "婚姻登记统计数据", "公交线路信息"):
        assert name in page
    assert "营业执照核查信息" not in page and "营业执照草稿" not in page
    # Each dataset links to its page; the facets carry Chinese labels and counts.
    assert f'href="/data/{catalog["licence"].code}/"' in html
    assert zh(Domain.CIVIL_AFFAIRS.label) in page and zh(OpenType.CONDITIONAL.label) in page
    assert re.search(rf"{re.escape(zh(Domain.TRANSPORT.label))}\s*</span>\s*<span[^>]*>1<", html)


def test_searching_finds_and_highlights_the_words(client: Client, catalog):
    response = client.get("/data/", {"q": "营业执照"})

    page = text_of(response)
    assert "企业营业执照信息" in page
    assert "婚姻登记统计数据" not in page and "营业执照核查信息" not in page
    assert "<mark>营业执照</mark>" in response.content.decode()
    assert 'value="营业执照"' in response.content.decode()  # the box keeps the query


def test_a_facet_link_filters_and_a_second_click_takes_the_filter_away(client: Client, catalog):
    first = client.get("/data/")
    html = first.content.decode()
    link = re.search(r'href="(\?domain=transport)"', html)
    assert link is not None

    filtered = client.get("/data/" + link.group(1).replace("&amp;", "&"))

    page = text_of(filtered)
    assert "公交线路信息" in page and "婚姻登记统计数据" not in page
    html = filtered.content.decode()
    assert 'aria-current="true"' in html
    # The chosen value's link goes back to everything; the other domain still shows its count.
    assert 'href="?"' in html
    assert re.search(
        rf"{re.escape(zh(Domain.CIVIL_AFFAIRS.label))}\s*</span>\s*<span[^>]*>2<", html
    )


def test_pages_of_the_open_catalog(client: Client, catalog, settings):
    settings.CATALOG_SEARCH_PAGE = 2

    first = client.get("/data/")
    second = client.get("/data/", {"page": "2"})
    beyond = client.get("/data/", {"page": "99"})
    garbage = client.get("/data/", {"page": "abc"})

    assert "第1页，共2页" in text_of(first)
    assert 'href="?page=2"' in first.content.decode()
    assert 'rel="prev"' in second.content.decode() and 'rel="next"' not in second.content.decode()
    assert second.status_code == beyond.status_code == garbage.status_code == 200
    names = ("企业营业执照信息", "婚姻登记统计数据", "公交线路信息")
    on_first = {n for n in names if n in text_of(first)}
    on_second = {n for n in names if n in text_of(second)}
    assert len(on_first) == 2 and len(on_second) == 1 and on_first | on_second == set(names)
    assert {n for n in names if n in text_of(beyond)} == on_second  # past the end: the last page
    assert {n for n in names if n in text_of(garbage)} == on_first


def test_a_bad_filter_is_a_message_not_an_error(client: Client, catalog):
    response = client.get("/data/", {"domain": "nowhere", "q": "营业执照"})

    assert response.status_code == 400
    page = text_of(response)
    assert "企业营业执照信息" in page  # the query still runs, without the bad filter
    assert 'role="alert"' in response.content.decode()


def test_odd_queries_render_the_page(client: Client, catalog):
    for query in ("！！！", "%", "\x00", "人口" * 500, "<script>alert(1)</script>"):
        response = client.get("/data/", {"q": query})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_the_list_costs_the_same_queries_however_many_entries(
    client: Client, city, catalog, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client.get("/data/", {"q": "信息"})
    for n in range(15):
        catalog_entry(city, f"统计年鉴数据{n:02d}", "统计年鉴信息。", **OPEN)
    with django_assert_max_num_queries(8):
        response = client.get("/data/", {"q": "信息"})
    assert text_of(response).count("统计年鉴数据") == 15
    with django_assert_max_num_queries(8):
        client.get("/data/")


def test_a_dataset_page_shows_its_metadata_and_data_items(client: Client, city, catalog):
    resource = catalog["licence"]
    response = client.get(f"/data/{resource.code}/")

    assert response.status_code == 200
    page = text_of(response)
    for text in (
        "企业营业执照信息",
        city.department.name,
        resource.code,
        OPEN["open_conditions"],
        OPEN["open_basis"],
        "注明数据来源，不得用于违法用途。",
        "CSV",
        "统一社会信用代码",
        "tyshxydm",
        "企业名称",
        zh(OpenType.CONDITIONAL.label),
        zh(Domain.CIVIL_AFFAIRS.label),
        timezone.localtime(resource.live_version.published_at).strftime("%Y-%m-%d"),
    ):
        assert text in page, text


@pytest.mark.parametrize(
    ("which", "name"), [("internal", "营业执照核查信息"), ("draft", "营业执照草稿")]
)
def test_a_dataset_that_is_not_open_is_not_found(client: Client, catalog, which, name):
    response = client.get(f"/data/{catalog[which].code}/")
    assert response.status_code == 404
    assert name not in text_of(response)


def test_unknown_and_malformed_codes_are_not_found(client: Client, catalog):
    assert client.get("/data/990100-3-000000000-99999/").status_code == 404
    assert client.get("/data/a%20b/").status_code == 404


def test_the_portal_home_links_to_the_open_catalog(client: Client):
    html = client.get("/").content.decode()
    assert 'href="/data/"' in html and 'action="/data/"' in html
