"""The rules of an entry (CAT-1, SEC-1, SHR-1, OPN-1) and its resource code."""

from __future__ import annotations

import re

import pytest
from django.db.models import Choices, IntegerChoices, TextChoices
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from govdata.catalog import choices as catalog_choices
from govdata.catalog import services
from govdata.catalog.entries import ITEM_NAME, clean_entry
from govdata.catalog.models import Library, Resource
from govdata.catalog.testing import compile_entry, entry, items
from govdata.core.errors import Forbidden, Invalid

pytestmark = pytest.mark.django_db


def problems(city, items_=None, **fields) -> dict[str, str]:
    try:
        clean_entry(
            entry(**fields), items() if items_ is None else items_, provider=city.department
        )
    except Invalid as exc:
        return exc.fields
    return {}


def test_a_complete_entry_passes(city):
    assert problems(city) == {}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"sensitivity": "secret"}, "sensitivity"),
        (
            {"share_type": "conditional", "share_conditions": "", "share_basis": "x"},
            "share_conditions",
        ),
        ({"share_type": "conditional", "share_conditions": "x", "share_basis": ""}, "share_basis"),
        ({"share_type": "none", "share_basis": "", "open_type": "none"}, "share_basis"),
        ({"open_type": "conditional", "open_conditions": "", "open_basis": "x"}, "open_conditions"),
        ({"open_type": "conditional", "open_conditions": "x", "open_basis": ""}, "open_basis"),
        ({"open_type": "none", "open_basis": ""}, "open_basis"),
        (
            {
                "share_type": "conditional",
                "share_conditions": "x",
                "share_basis": "x",
                "open_type": "unconditional",
            },
            "open_type",
        ),
        (
            {
                "share_type": "none",
                "share_basis": "x",
                "open_type": "conditional",
                "open_conditions": "x",
                "open_basis": "x",
            },
            "open_type",
        ),
        ({"share_methods": []}, "share_methods"),
        ({"security_level": 1}, "security_level"),  # items reach level 3
        ({"related_codes": ["990100-3-XXXXXXXXX-99999"]}, "related_codes"),
        ({"domain": "astrology"}, "domain"),
        ({"name": ""}, "name"),
        ({"name": "名" * 201}, "name"),
    ],
)
def test_each_rule_names_its_field(city, fields, field):
    assert field in problems(city, **fields)


def test_important_data_is_never_opened_without_conditions(city):
    open_items = [{"name": "mc", "label": "名称", "item_type": "string"}]
    assert (
        problems(
            city, open_items, sensitivity="public", open_type="unconditional", security_level=1
        )
        == {}
    )
    found = problems(
        city,
        open_items,
        sensitivity="public",
        open_type="unconditional",
        importance="important",
        security_level=1,
    )
    assert "open_type" in found


def test_personal_items_cannot_be_unconditionally_open(city):
    found = problems(city, sensitivity="public", share_type=None, open_type=None, open_basis="")
    assert "items.0.is_personal" in found and "items.1.is_personal" in found


def test_the_sensitivity_sets_the_default_share_and_open_types(city):
    public, _ = clean_entry(
        entry(
            sensitivity="public", share_type=None, open_type=None, open_basis="", security_level=1
        ),
        [{"name": "mc", "label": "名称", "item_type": "string"}],
        provider=city.department,
    )
    assert (public["share_type"], public["open_type"]) == ("unconditional", "unconditional")
    internal, _ = clean_entry(
        entry(sensitivity="internal", share_type=None, open_type=None),
        items(),
        provider=city.department,
    )
    assert (internal["share_type"], internal["open_type"]) == ("unconditional", "none")


def test_item_rows_are_checked_one_by_one_and_all_at_once(city):
    rows = items(
        {"name": "xm", "label": "重复", "item_type": "string"},
        {"name": "1bad", "label": "", "item_type": "colour"},
        {"name": "len", "label": "长", "item_type": "string", "length": 0},
    )
    found = problems(city, rows)
    assert "第2行" in found["items.3.name"]  # xm was taken by the second row
    assert {"items.4.name", "items.4.label", "items.4.item_type", "items.5.length"} <= set(found)


def test_a_key_item_is_always_required(city):
    _, cleaned = clean_entry(entry(), items(), provider=city.department)
    assert cleaned[0]["is_key"] and cleaned[0]["is_required"]


@given(st.text(max_size=80))
def test_item_names_follow_one_pattern(name):
    # A name the rule accepts is always a safe column name, whatever was typed.
    if ITEM_NAME.match(name):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name) and len(name) <= 63


def test_submission_needs_items_and_a_key_for_structured_data(city):
    compiler = city.actor(city.analyst)
    bare = compile_entry(compiler, city.department, items_=[])
    with pytest.raises(Invalid) as error:
        services.check_submit_version(actor=compiler, version=bare)
    assert "items" in error.value.fields
    keyless = compile_entry(
        compiler,
        city.department,
        items_=[{"name": "xm", "label": "姓名", "item_type": "string", "security_level": 3}],
    )
    with pytest.raises(Invalid):
        services.check_submit_version(actor=compiler, version=keyless)
    document = compile_entry(
        compiler, city.department, items_=[], data_form="document", data_format="pdf"
    )
    services.check_submit_version(actor=compiler, version=document)  # a document has no items


def test_codes_follow_the_scheme_and_count_per_provider_and_class(city):
    compiler = city.actor(city.analyst)
    first = compile_entry(compiler, city.department).resource.code
    second = compile_entry(compiler, city.department).resource.code
    org_code = city.department.uscc[8:17]
    assert first == f"990100-3-{org_code}-00001"
    assert second == f"990100-3-{org_code}-00002"
    other = compile_entry(city.actor(city.outsider), city.other_department).resource.code
    assert other.endswith("-00001") and other != first
    assert Resource.objects.count() == len({first, second, other})


def test_a_base_entry_is_compiled_by_the_lead_department_only(city):
    library = Library.objects.create(
        resource_class="base", code="population", name="人口基础库", lead_department=city.department
    )
    version = compile_entry(
        city.actor(city.analyst), city.department, resource_class="base", library=library
    )
    assert version.resource.code.startswith("990100-1-")
    with pytest.raises(Forbidden):
        compile_entry(
            city.actor(city.outsider), city.other_department, resource_class="base", library=library
        )
    with pytest.raises(Invalid):
        compile_entry(
            city.actor(city.analyst), city.department, resource_class="base", library=None
        )
    with pytest.raises(Invalid):
        compile_entry(
            city.actor(city.analyst), city.department, resource_class="department", library=library
        )


@pytest.mark.parametrize(
    "choices",
    [
        getattr(catalog_choices, name)
        for name in dir(catalog_choices)
        if isinstance(getattr(catalog_choices, name), type)
        and issubclass(getattr(catalog_choices, name), Choices)
        and getattr(catalog_choices, name) not in (Choices, TextChoices, IntegerChoices)
    ],
    ids=str,
)
def test_every_catalog_choice_speaks_chinese(choices):
    with translation.override("zh-hans"):
        untranslated = [str(label) for label in choices.labels if str(label).isascii()]
    assert untranslated == []
