"""INT-1: an import is all-or-nothing. A document with any problem is refused with every problem
named by its place and the entry's code, and nothing is written: no entry, version, item, code
sequence or audit entry."""

from __future__ import annotations

import copy
import json
import re

import pytest

from govdata.catalog.models import CodeSequence, DataItem, Resource, ResourceVersion, SearchEntry
from govdata.core.errors import Invalid, ServiceError
from govdata.core.models import AuditEntry
from govdata.interop import provincial, services

from .conftest import empty_the_catalog

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        Resource.objects.count(),
        ResourceVersion.objects.count(),
        DataItem.objects.count(),
        SearchEntry.objects.count(),
        CodeSequence.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def document(city, catalog) -> dict:
    """The exported document of the built catalog, and an empty catalog to import it into."""
    data = services.check_export_catalog(actor=city.actor(city.authority_admin))
    empty_the_catalog()
    return json.loads(data)


def refused(city, raw: bytes | dict, status: int = 422) -> ServiceError:
    if isinstance(raw, dict):
        raw = provincial.render(raw)
    before = counts()
    with pytest.raises(ServiceError) as caught:
        services.check_import_catalog(actor=city.actor(city.authority_admin), raw=raw)
    assert caught.value.status == status, caught.value.as_body()
    assert counts() == before
    return caught.value


def by_name(document: dict, name: str) -> tuple[int, dict]:
    return next((i, e) for i, e in enumerate(document["entries"]) if e["resource_name"] == name)


def test_an_unknown_provider_is_named_and_nothing_is_written(city, document):
    index, entry = by_name(document, "公交线路信息")
    entry["provider"] = {"name": "外省某局", "credit_code": "11110000000000000X"}
    error = refused(city, document)
    message = error.fields[f"entries.{index}.provider.credit_code"]
    assert "11110000000000000X" in message and "外省某局" in message
    assert entry["resource_code"] in message
    # The good entries were not imported on their own either.
    assert not Resource.objects.exists()


def test_a_code_already_in_the_catalog_is_refused(city, catalog):
    data = services.check_export_catalog(actor=city.actor(city.authority_admin))
    error = refused(city, data)
    assert error.code == "invalid_entries"
    assert len([k for k in error.fields if k.endswith(".resource_code")]) == 6


def test_a_code_twice_in_the_document_is_refused(city, document):
    document["entries"].append(copy.deepcopy(document["entries"][0]))
    document["entry_count"] += 1
    error = refused(city, document)
    assert set(error.fields) == {"entries.6.resource_code"}
    assert document["entries"][0]["resource_code"] in error.fields["entries.6.resource_code"]


def test_a_code_of_another_provider_is_refused(city, document):
    index, entry = by_name(document, "公交线路信息")
    entry["provider"] = {"name": "示范市民政局", "credit_code": city.department.uscc}
    entry["classification"]["library"] = None
    entry["classification"]["resource_class"] = "3"
    error = refused(city, document)
    assert f"entries.{index}.resource_code" in error.fields


def test_entries_that_break_the_entry_rules_are_refused_with_every_problem(city, document):
    secret_index, secret = by_name(document, "人口基础信息")
    secret["extension"]["sensitivity"] = "secret"
    cond_index, conditional = by_name(document, "企业登记信息")
    conditional["share"]["basis"] = ""
    error = refused(city, document)
    assert error.code == "invalid_entries"
    assert f"entries.{secret_index}.extension.sensitivity" in error.fields
    assert secret["resource_code"] in error.fields[f"entries.{secret_index}.extension.sensitivity"]
    assert f"entries.{cond_index}.share.basis" in error.fields
    assert {k.split(".")[1] for k in error.fields} == {str(secret_index), str(cond_index)}


def test_values_outside_the_guides_lists_are_refused(city, document):
    document["entries"][0]["share"]["type"] = "有条件"
    document["entries"][1]["update_cycle"] = "daily"
    index, entry = by_name(document, "企业登记信息")
    entry["items"][0]["data_type"] = "N"
    entry["open"]["to_public"] = False
    error = refused(city, document)
    assert {
        "entries.0.share.type",
        "entries.1.update_cycle",
        f"entries.{index}.items.0.data_type",
        f"entries.{index}.open.to_public",
    } <= set(error.fields)
    assert "无条件共享" in error.fields["entries.0.share.type"]


def test_an_unknown_database_or_element_is_refused(city, document):
    index, entry = by_name(document, "人口基础信息")
    entry["classification"]["library"] = "no-such-db"
    entry["colour"] = "red"
    error = refused(city, document)
    assert f"entries.{index}.classification.library" in error.fields
    assert f"entries.{index}.colour" in error.fields


def test_related_codes_may_name_entries_of_the_same_document_only(city, document):
    index, entry = by_name(document, "企业登记信息")
    entry["related_codes"] = ["990100-3-000000000-00009"]
    error = refused(city, document)
    assert f"entries.{index}.related_codes" in error.fields


def test_a_publication_date_that_disagrees_is_refused(city, document):
    document["entries"][0]["published_on"] = "1999-01-01"
    document["entries"][1]["extension"]["published_at"] = "2999-01-01T00:00:00Z"
    document["entries"][1]["published_on"] = "2999-01-01"
    error = refused(city, document)
    assert "entries.0.published_on" in error.fields
    assert "entries.1.extension.published_at" in error.fields


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"", 400, "malformed_json"),
        (b"{", 400, "malformed_json"),
        (b'{"format": NaN}', 400, "malformed_json"),
        (b'{"a": 1, "a": 2}', 400, "malformed_json"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "malformed_json"),
        (b"\xff\xfe{\x00}\x00", 400, "invalid_encoding"),
        (b"\x80\x81\xff", 400, "invalid_encoding"),
        (b"[]", 422, "invalid_document"),
        (b'"catalog"', 422, "invalid_document"),
        (b"null", 422, "invalid_document"),
        (b'{"format": "dcat"}', 422, "unsupported_format"),
        (
            b'{"format": "govdata-catalog-exchange", "format_version": "2.0"}',
            422,
            "unsupported_version",
        ),
        (
            b'{"format": "govdata-catalog-exchange", "format_version": ["1.0"]}',
            422,
            "unsupported_version",
        ),
        (
            b'{"format": "govdata-catalog-exchange", "format_version": "1.0", "entries": {}}',
            422,
            "invalid_document",
        ),
    ],
)
def test_unreadable_documents_get_a_4xx(city, raw, status, code):
    assert refused(city, raw, status).code == code


def test_a_gbk_document_is_recognised_and_refused(city, document):
    text = provincial.render(document).decode("utf-8")
    error = refused(city, text.encode("gbk"), 400)
    assert error.code == "invalid_encoding"
    assert "GBK" in str(error.message)


def test_a_utf8_byte_order_mark_is_accepted(city, document):
    data = b"\xef\xbb\xbf" + provincial.render(document)
    summary = services.check_import_catalog(actor=city.actor(city.authority_admin), raw=data)
    assert summary.imported == 6


def test_nul_and_lone_surrogates_are_refused_not_stored(city, document):
    document["entries"][0]["summary"] = "a\x00b"
    error = refused(city, document)
    assert "entries.0.summary" in error.fields
    text = provincial.render(document).decode().replace("a\\u0000b", "\\ud800")
    assert "entries.0.summary" in refused(city, text.encode()).fields


def test_an_oversized_document_gets_413(city, document, monkeypatch):
    data = provincial.render(document)
    monkeypatch.setattr(provincial, "MAX_DOCUMENT_BYTES", len(data) - 1)
    assert refused(city, data, 413).code == "too_large"


def test_too_many_entries_get_413(city, document, monkeypatch):
    monkeypatch.setattr(provincial, "MAX_ENTRIES", 5)
    assert refused(city, document, 413).code == "too_many_entries"


def test_an_entry_count_that_disagrees_is_refused(city, document):
    document["entry_count"] = 7
    assert "entry_count" in refused(city, document).fields


def test_problems_beyond_the_limit_are_counted_not_listed(city, document, monkeypatch):
    monkeypatch.setattr(provincial, "MAX_PROBLEMS", 3)
    for entry in document["entries"]:
        entry["share"]["type"] = "?"
    error = refused(city, document)
    assert len(error.fields) == 4  # three listed, and how many more
    assert int(re.search(r"\d+", error.fields["more"]).group()) >= 3


def test_a_document_naming_only_the_guides_elements_is_read(city, document):
    """A document made elsewhere may give the guide's data types and publication date only."""
    entry = copy.deepcopy(by_name(document, "公交线路信息")[1])
    for item in entry["items"]:
        del item["item_type"]
    del entry["extension"]["published_at"]
    del entry["extension"]["version"]
    only = {**document, "entries": [entry], "entry_count": 1}
    services.check_import_catalog(
        actor=city.actor(city.authority_admin), raw=provincial.render(only)
    )
    resource = Resource.objects.select_related("live_version").get()
    assert resource.live_version.number == 1
    assert list(resource.live_version.items.values_list("item_type", flat=True)) == [
        "string",
        "string",
    ]


def test_the_import_service_refuses_what_the_catalog_would(city, catalog):
    """The catalog service checks again when it writes: an existing code is refused there too."""
    from govdata.catalog.services.imports import do_import_published_entry
    from govdata.catalog.testing import entry, items

    resource = catalog.published[0]
    with pytest.raises(Invalid) as caught:
        do_import_published_entry(
            actor=city.actor(city.admin),
            provider=resource.provider,
            code=resource.code,
            resource_class=resource.resource_class,
            library_code=resource.library.code if resource.library else None,
            source_system_name=None,
            entry=entry(),
            items=items(),
            version_number=1,
            published_at=resource.live_version.published_at,
        )
    assert "code" in caught.value.fields


def test_a_provider_without_a_credit_code_is_exported_but_cannot_be_imported(city):
    """The document names organisations by credit code: one without it leaves with ``null`` and
    a platform importing the document says which entry lacks it."""
    from govdata.catalog.testing import compile_entry, publish
    from govdata.orgs.choices import Role
    from govdata.orgs.testing import make_org, make_person

    admin = city.actor(city.admin)
    archive = make_org(admin, "示范市档案馆", parent=city.root, uscc="")
    clerk = city.actor(make_person(admin, archive, "archivist", [Role.DATA_STAFF]))
    version = publish(
        compile_entry(clerk, archive), compiler=clerk, reviewers=[city.actor(city.reviewer)]
    )
    code = version.resource.code
    document = json.loads(services.check_export_catalog(actor=admin))
    assert document["entries"][0]["provider"] == {"name": "示范市档案馆", "credit_code": None}
    empty_the_catalog()
    error = refused(city, document)
    assert code in error.fields["entries.0.provider.credit_code"]


@pytest.mark.parametrize(
    ("published_at", "published_on"),
    [
        ("0001-01-01T00:00:00+08:00", None),
        ("9999-12-31T23:59:59-08:00", None),
        ("1969-12-31T00:00:00Z", None),
        ("2026-03-05T08:00:00", None),  # no time zone
        (None, "0001-01-01"),
        (None, "2026-02-30"),
        (None, None),
    ],
)
def test_publication_times_out_of_range_are_refused(city, document, published_at, published_on):
    entry = document["entries"][0]
    entry["extension"]["published_at"] = published_at
    entry["published_on"] = published_on
    error = refused(city, document)
    assert {"entries.0.extension.published_at", "entries.0.published_on"} & set(error.fields)
