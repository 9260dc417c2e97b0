"""Catalog search (CAT-8): Chinese words find the entries a person means, best first; filters and
facet counts agree; the three catalogs (CAT-2) keep what they must out; only published text is
ever found; any text is a valid query."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govdata.catalog import search, services
from govdata.catalog.choices import Domain
from govdata.catalog.models import Library, Resource, SearchEntry, SearchPosting
from govdata.catalog.testing import compile_entry, entry, publish
from govdata.core.errors import Invalid

pytestmark = pytest.mark.django_db

# Conditionally open: what an entry needs to be in the open catalog with personal items.
OPEN = {
    "open_type": "conditional",
    "open_conditions": "申请人签署数据利用承诺书",
    "open_basis": "《公共数据开放管理办法》第十二条",
}
ENTITY_ITEMS = [
    {"name": "tyshxydm", "label": "统一社会信用代码", "item_type": "uscc", "is_key": True},
    {"name": "qymc", "label": "企业名称", "item_type": "string", "length": 200},
    {"name": "fzrq", "label": "发证日期", "item_type": "date"},
]
THING_ITEMS = [
    {"name": "bh", "label": "编号", "item_type": "string", "length": 40, "is_key": True},
    {"name": "mc", "label": "名称", "item_type": "string", "length": 200},
]


def catalog_entry(
    city: Any,
    name: str,
    summary: str = "",
    *,
    provider: Any = None,
    compiler: Any = None,
    **fields: Any,
) -> Resource:
    """A published entry, compiled and reviewed through the services."""
    actor = city.actor(compiler or city.analyst)
    version = compile_entry(
        actor,
        provider or city.department,
        name=name,
        summary=summary or f"{name}，按月更新。",
        **fields,
    )
    publish(version, compiler=actor, reviewers=[city.actor(city.reviewer)])
    return Resource.objects.select_related("live_version").get(pk=version.resource_id)


def names(results: search.Results) -> list[str]:
    by_id = dict(
        SearchEntry.objects.filter(
            resource_id__in=[h.resource_id for h in results.hits]
        ).values_list("resource_id", "name")
    )
    return [by_id[h.resource_id] for h in results.hits]


def facet(results: search.Results, name: str) -> dict[str, int]:
    found = {f.name: f for f in results.facets}[name]
    return {v.value: v.count for v in found.values}


# --- Ranking -------------------------------------------------------------------------------------


def test_population_finds_the_population_base_entry_first(city):
    library = Library.objects.create(
        resource_class="base", code="population", name="人口基础库", lead_department=city.department
    )
    # Compiled first, so that "newest first" among equals would put it last.
    catalog_entry(
        city,
        "人口基础信息",
        "全市户籍人口和常住人口的基础信息。",
        resource_class="base",
        library=library,
    )
    catalog_entry(city, "人口死亡信息", "居民死亡医学证明信息。")
    catalog_entry(city, "流动人口居住登记信息", "流动人口申报居住登记的信息。")
    catalog_entry(city, "户籍迁移登记信息", "户口迁入迁出登记，涉及人口变动。")
    catalog_entry(city, "婚姻登记信息", "结婚和离婚登记。")

    results = search.search("人口")

    found = names(results)
    assert found[0] == "人口基础信息"
    assert set(found[1:3]) == {"人口死亡信息", "流动人口居住登记信息"}
    # A name holding the word beats a summary mentioning it; an entry without it is not found.
    assert found[3] == "户籍迁移登记信息"
    assert "婚姻登记信息" not in found
    assert results.count == 4 and results.terms == ["人口"]


def test_business_licence_finds_the_licence_entries_and_not_look_alikes(city):
    catalog_entry(city, "企业营业执照信息", "企业营业执照的核发和变更。", items_=ENTITY_ITEMS)
    catalog_entry(city, "个体工商户营业执照信息", "个体工商户登记发照。", items_=ENTITY_ITEMS)
    catalog_entry(city, "营业性演出许可信息", "营业性演出的审批。", items_=THING_ITEMS)
    catalog_entry(city, "食品经营许可证信息", "食品经营许可证的核发。", items_=ENTITY_ITEMS)

    found = names(search.search("营业执照"))

    assert sorted(found) == ["个体工商户营业执照信息", "企业营业执照信息"]
    assert found[0] == "企业营业执照信息"  # the shorter name that holds the query


def test_a_data_item_label_or_name_finds_its_resource(city):
    catalog_entry(city, "企业年报信息", "企业年度报告公示。", items_=ENTITY_ITEMS)
    catalog_entry(city, "公交线路信息", "公交线路和站点。", items_=THING_ITEMS)

    assert names(search.search("统一社会信用代码")) == ["企业年报信息"]
    assert names(search.search("tyshxydm")) == ["企业年报信息"]
    assert names(search.search("TYSHXYDM")) == ["企业年报信息"]  # case does not matter
    assert set(names(search.search("名称"))) == {"企业年报信息", "公交线路信息"}


def test_a_provider_name_and_a_resource_code_find_the_entries(city):
    mine = catalog_entry(city, "婚姻登记信息", "结婚登记。")
    theirs = catalog_entry(
        city,
        "公交线路信息",
        "公交线路。",
        provider=city.other_department,
        compiler=city.outsider,
        items_=THING_ITEMS,
    )

    assert names(search.search("交通运输局")) == ["公交线路信息"]
    assert names(search.search(theirs.code)) == ["公交线路信息"]
    assert names(search.search(mine.code.lower())) == ["婚姻登记信息"]


def test_words_only_in_the_summary_still_find_an_entry_below_names(city):
    catalog_entry(city, "低保对象信息", "最低生活保障对象的认定和救助资金发放。")
    catalog_entry(city, "救助资金发放信息", "临时救助。")

    found = names(search.search("救助资金"))

    assert found == ["救助资金发放信息", "低保对象信息"]


def test_a_query_half_of_which_is_absent_from_an_entry_does_not_find_it(city):
    catalog_entry(city, "机动车登记信息", "机动车注册登记。", items_=THING_ITEMS)
    catalog_entry(city, "驾驶人信息", "驾驶人的驾驶证。", items_=THING_ITEMS)

    # "机动车 驾驶证" needs both: each entry holds only one of the two rare words.
    assert search.search("机动车 驾驶证").count == 0
    assert names(search.search("机动车 登记")) == ["机动车登记信息"]


def test_unknown_words_and_a_part_of_a_name_are_handled(city):
    catalog_entry(city, "人口基础信息", "人口。")

    assert search.search("量子纠缠").count == 0
    # Not a word the segmenter cuts out, but written in a name: found by the name.
    assert names(search.search("口基")) == ["人口基础信息"]


# --- Filters and facets --------------------------------------------------------------------------


@pytest.fixture
def faceted(city):
    """Five entries across domains, update cycles, providers and open types."""
    made = {
        "a": catalog_entry(
            city, "甲统计数据", "统计。", domain="civil_affairs", update_cycle="daily"
        ),
        "b": catalog_entry(
            city, "乙统计数据", "统计。", domain="civil_affairs", update_cycle="monthly", **OPEN
        ),
        "c": catalog_entry(city, "丙统计数据", "统计。", domain="health", update_cycle="daily"),
        "d": catalog_entry(
            city,
            "丁统计数据",
            "统计。",
            domain="transport",
            update_cycle="monthly",
            provider=city.other_department,
            compiler=city.outsider,
            **OPEN,
        ),
        "e": catalog_entry(city, "戊名录", "名录。", domain="health", update_cycle="yearly"),
    }
    return made


def test_filters_narrow_the_results_and_each_facet_counts_the_other_filters(city, faceted):
    results = search.search("统计", filters={"domain": "civil_affairs"})

    assert sorted(names(results)) == ["乙统计数据", "甲统计数据"]
    assert results.count == 2
    # The chosen facet counts what each of its values would give with the query and the other
    # filters; the others count within the results.
    assert facet(results, "domain") == {"civil_affairs": 2, "health": 1, "transport": 1}
    assert facet(results, "update_cycle") == {"daily": 1, "monthly": 1}
    assert facet(results, "provider") == {str(city.department.pk): 2}
    selected = {v.value for f in results.facets for v in f.values if v.selected}
    assert selected == {"civil_affairs"}

    both = search.search(
        "统计", filters={"domain": ["civil_affairs", "transport"], "update_cycle": ["monthly"]}
    )
    assert sorted(names(both)) == ["丁统计数据", "乙统计数据"]
    assert facet(both, "domain") == {"civil_affairs": 1, "transport": 1}
    assert facet(both, "update_cycle") == {"daily": 1, "monthly": 2}


def test_facet_labels_are_the_choices_and_organisation_names(city, faceted):
    results = search.search("", filters={"provider": [str(city.other_department.pk)]})

    providers = {f.name: f for f in results.facets}["provider"]
    labels = {v.value: v.label for v in providers.values}
    assert labels == {
        str(city.department.pk): city.department.name,
        str(city.other_department.pk): city.other_department.name,
    }
    domains = {f.name: f for f in results.facets}["domain"]
    assert [(v.value, v.label) for v in domains.values] == [
        ("transport", str(Domain.TRANSPORT.label))
    ]
    assert results.count == 1 and names(results) == ["丁统计数据"]


def test_a_chosen_value_without_matches_is_still_listed_with_zero(city, faceted):
    results = search.search("名录", filters={"update_cycle": ["daily"]})

    assert results.count == 0
    assert facet(results, "update_cycle") == {"yearly": 1, "daily": 0}


def test_browsing_without_a_query_lists_newest_first_with_counts(city, faceted):
    results = search.search("", limit=2)

    assert results.count == 5 and len(results.hits) == 2
    assert names(results) == ["戊名录", "丁统计数据"]
    assert names(search.search("", limit=2, offset=4)) == ["甲统计数据"]
    assert facet(results, "domain") == {"civil_affairs": 2, "health": 2, "transport": 1}


def test_bad_filters_and_scopes_are_refused(city, faceted):
    with pytest.raises(Invalid) as error:
        search.search("统计", filters={"domain": "nowhere"})
    assert set(error.value.fields) == {"domain"}
    with pytest.raises(Invalid) as error:
        search.search("统计", filters={"colour": "red", "provider": ["12a"]})
    assert set(error.value.fields) == {"colour", "provider"}
    with pytest.raises(Invalid):
        search.search("统计", scope="secret")


# --- The three catalogs (CAT-2) -------------------------------------------------------------------


def test_the_share_and_open_catalogs_leave_out_what_is_not_shared_or_open(city):
    catalog_entry(
        city,
        "涉密边缘统计数据",
        "统计。",
        share_type="none",
        share_basis="《统计法》第二十五条",
        share_methods=[],
    )
    catalog_entry(city, "内部统计数据", "统计。")  # shared, not open
    catalog_entry(city, "公开统计数据", "统计。", **OPEN)

    assert search.search("统计", scope="resource").count == 3
    assert sorted(names(search.search("统计", scope="share"))) == ["公开统计数据", "内部统计数据"]
    assert names(search.search("统计", scope="open")) == ["公开统计数据"]
    assert search.search("", scope="open").count == 1
    assert facet(search.search("", scope="share"), "share_type") == {"unconditional": 2}


# --- Only what is published -----------------------------------------------------------------------


def test_drafts_and_versions_in_review_are_never_found(city):
    actor = city.actor(city.analyst)
    compile_entry(actor, city.department, name="草稿统计数据", summary="草稿。")
    waiting = compile_entry(actor, city.department, name="待审统计数据", summary="待审。")
    services.check_submit_version(actor=actor, version=waiting)

    assert search.search("统计").count == 0
    assert search.search("").count == 0
    assert not SearchPosting.objects.exists()


def test_the_live_version_is_what_is_found_until_a_revision_is_published(city):
    actor = city.actor(city.analyst)
    resource = catalog_entry(city, "婚姻登记信息", "结婚登记。")
    revision = services.check_start_revision(actor=actor, resource=resource, reason="更名")
    services.check_update_version(
        actor=actor,
        version=revision,
        edit_seq=revision.edit_seq,
        entry=entry(name="家庭档案信息", summary="家庭档案。"),
    )
    services.check_submit_version(actor=actor, version=revision)

    assert names(search.search("婚姻")) == ["婚姻登记信息"]
    assert search.search("档案").count == 0  # the revision under review is not searchable

    services.do_approve_version(actor=city.actor(city.reviewer), version=revision)

    assert names(search.search("档案")) == ["家庭档案信息"]
    assert search.search("婚姻").count == 0
    # One entry, its postings rewritten rather than added to.
    assert SearchEntry.objects.count() == 1
    terms = list(SearchPosting.objects.values_list("term", flat=True))
    assert len(terms) == len(set(terms))


def test_reindexing_rebuilds_the_same_index(city, faceted):
    before = [(h.resource_id, h.score) for h in search.search("统计").hits]
    postings = SearchPosting.objects.count()
    SearchPosting.objects.all().delete()
    assert search.search("gmsfhm").count == 0  # a data item: found through the postings only

    out = io.StringIO()
    call_command("catalog_reindex", stdout=out)

    assert "indexed 5 published entries" in out.getvalue()
    assert SearchPosting.objects.count() == postings
    assert [(h.resource_id, h.score) for h in search.search("统计").hits] == before
    assert search.search("gmsfhm").count == 5


# --- Any text is a query ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "！！！？？？",
        "%",
        "_",
        "' OR 1=1 --",
        "\x00人口\x00",
        "人口\ud800",
        "🙂" * 50,
        "人口" * 5000,
        " \t\n\u3000 ",
        "a" * 500,
    ],
)
def test_odd_queries_answer_cleanly(city, query):
    catalog_entry(city, "人口基础信息", "人口。")

    results = search.search(query)

    assert results.count in (0, 1)
    assert len(results.terms) <= search.MAX_QUERY_TERMS
    if query in ("%", "_", "！！！？？？"):  # never a wildcard, never everything
        assert results.count == 0


def test_whitespace_only_is_no_query(city):
    catalog_entry(city, "人口基础信息", "人口。")
    assert search.search(" \u3000\t").count == 1


@settings(max_examples=200)
@given(st.text(max_size=600))
def test_the_parser_never_raises_and_its_terms_are_bounded(text):
    parsed = search.parse_query(text)

    assert len(parsed.terms) <= search.MAX_QUERY_TERMS
    assert len(parsed.text) <= search.MAX_QUERY_CHARS
    for term in parsed.terms:
        assert 0 < len(term) <= search.MAX_TERM_CHARS
        assert term == term.strip() and "\x00" not in term
        assert any(ch.isalnum() for ch in term)
    for term in search.terms(text):  # what the index stores fits its column
        assert 0 < len(search.qualified(term)[0]) <= 64


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(codec="utf-8"), st.sampled_from("人口基础信息营业执照%_ ")
        ),
        max_size=80,
    )
)
def test_search_never_raises_on_any_text(city, text):
    if not SearchEntry.objects.exists():
        catalog_entry(city, "人口基础信息", "全市人口。")
    results = search.search(text, scope="open")
    assert results.count >= 0


def test_the_snippet_shows_the_words_found_in_their_context():
    text = "这是一段很长的说明。" * 10 + "其中包括统一社会信用代码和企业名称。" + "结尾。" * 20
    pieces = search.snippet(text, ["信用", "企业"], width=40)

    assert pieces[0] == ("…", False) and pieces[-1] == ("…", False)
    assert ("信用", True) in pieces and ("企业", True) in pieces
    assert search.snippet("短的说明", ["人口"]) == [("短的说明", False)]
