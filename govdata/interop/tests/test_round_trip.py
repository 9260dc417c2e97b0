"""INT-1: the published catalog leaves as the exchange document and comes back the same.
Export → import into an empty catalog with the same organisations → export gives the same bytes;
only live versions leave; the codes of later local entries never collide with imported ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govdata.catalog.choices import VersionStatus
from govdata.catalog.models import DataItem, Resource, ResourceVersion, SearchEntry
from govdata.catalog.testing import compile_entry
from govdata.core.actors import ActorRef
from govdata.core.models import AuditEntry, TransitionRecord
from govdata.interop import provincial, services

from .conftest import empty_the_catalog, make_fixed_city

pytestmark = pytest.mark.django_db
GOLDEN = Path(__file__).parent / "data" / "catalog-exchange-1.0.json"


def _export(city) -> bytes:
    return services.check_export_catalog(actor=city.actor(city.authority_admin))


def test_export_import_export_gives_the_same_bytes(city, catalog):
    first = _export(city)
    document = json.loads(first)
    assert document["entry_count"] == len(catalog.published) == 6
    empty_the_catalog()
    assert not Resource.objects.exists()

    summary = services.check_import_catalog(actor=city.actor(city.authority_admin), raw=first)

    assert summary.imported == 6
    assert _export(city) == first
    # Imported entries are published, live, searchable and audited one by one.
    for resource in Resource.objects.select_related("live_version"):
        assert resource.live_version.status == VersionStatus.PUBLISHED
        assert SearchEntry.objects.filter(resource=resource).exists()
    assert AuditEntry.objects.filter(action="catalog.resource.import").count() == 6
    assert AuditEntry.objects.filter(action="interop.catalog.import").count() == 1
    assert AuditEntry.objects.filter(action="interop.catalog.export").count() == 2


def test_the_document_follows_the_guide(city, catalog):
    document = json.loads(_export(city))
    assert document["format"] == "govdata-catalog-exchange"
    assert document["format_version"] == "1.0"
    assert document["region"] == {"division_code": "990100", "name": "示范市人民政府"}
    codes = [e["resource_code"] for e in document["entries"]]
    assert codes == sorted(codes) == [r.code for r in catalog.published]
    by_name = {e["resource_name"]: e for e in document["entries"]}
    base = by_name["人口基础信息"]
    assert base["classification"] == {
        "resource_class": "1",
        "library": "population",
        "domain": "civil_affairs",
    }
    assert base["provider"] == {"name": "示范市民政局", "credit_code": city.department.uscc}
    assert base["resource_format"] == {"category": "数据库", "type": "PostgreSQL"}
    assert base["extension"]["source_system"] == "婚姻登记系统"
    assert [i["data_type"] for i in base["items"]] == ["C", "C", "D"]
    assert base["items"][0]["item_type"] == "ric"
    assert by_name["公交线路信息"]["classification"]["resource_class"] == "2"
    assert by_name["公交线路信息"]["open"]["to_public"] is True
    conditional = by_name["企业登记信息"]
    assert conditional["share"]["type"] == "有条件共享"
    assert conditional["open"]["type"] == "有条件开放"
    assert conditional["update_cycle"] == "实时"
    assert conditional["related_codes"] == [by_name["公交线路信息"]["resource_code"]]
    assert conditional["extension"]["collecting_org"]["credit_code"] == city.department.uscc
    assert [i["data_type"] for i in conditional["items"]] == ["C", "C", "D", "N", "I", "L", "T"]
    assert by_name["收养登记信息"]["share"]["type"] == "不予共享"
    assert by_name["收养登记信息"]["open"] == {
        "to_public": False,
        "type": "不予开放",
        "conditions": "",
        "basis": "《婚姻登记条例》；涉及个人信息，不予开放",
    }
    latest = max(e["extension"]["published_at"] for e in document["entries"])
    assert document["catalog_date"] == latest


def test_only_live_versions_are_exported(city, catalog):
    document = json.loads(_export(city))
    names = {e["resource_name"] for e in document["entries"]}
    assert "殡葬服务信息（草稿）" not in names
    assert "社会组织信息（审核中）" not in names
    codes = {e["resource_code"] for e in document["entries"]}
    assert catalog.draft.code not in codes and catalog.in_review.code not in codes
    revised = next(e for e in document["entries"] if e["resource_code"] == catalog.revised.code)
    assert revised["resource_name"] == "婚姻登记信息"  # version 2, not the superseded one
    assert revised["extension"]["version"] == 2
    assert revised["update_cycle"] == "每周"
    assert revised["items"][-1]["name"] == "bz"
    assert "婚姻登记信息（旧）" not in names
    assert ResourceVersion.objects.filter(
        resource=catalog.revised, status=VersionStatus.SUPERSEDED
    ).exists()


def test_an_imported_entry_keeps_its_version_and_publication_time(city, catalog):
    before = {
        r.code: (r.live_version.number, r.live_version.published_at)
        for r in Resource.objects.filter(live_version__isnull=False).select_related("live_version")
    }
    data = _export(city)
    empty_the_catalog()
    services.check_import_catalog(actor=city.actor(city.admin), raw=data)
    after = {
        r.code: (r.live_version.number, r.live_version.published_at)
        for r in Resource.objects.select_related("live_version")
    }
    assert after == before
    revised = Resource.objects.get(code=catalog.revised.code)
    assert revised.live_version.number == 2
    assert revised.versions.count() == 1
    # No review happened here: the version has no review history; the audit entry tells.
    assert not TransitionRecord.objects.filter(
        workflow="catalog.review", object_id=revised.live_version.pk
    ).exists()
    audit = AuditEntry.objects.get(action="catalog.resource.import", object_id=str(revised.pk))
    assert audit.details["version"] == 2
    assert audit.details["source"]["region"] == "990100"
    assert len(audit.details["source"]["sha256"]) == 64


def test_codes_compiled_after_an_import_do_not_collide(city, catalog):
    data = _export(city)
    empty_the_catalog()
    services.check_import_catalog(actor=city.actor(city.authority_admin), raw=data)
    imported = set(Resource.objects.values_list("code", flat=True))
    version = compile_entry(city.actor(city.analyst), city.department, name="新编目录")
    assert version.resource.code not in imported
    ours = sorted(
        c for c in imported if c.startswith(version.resource.code.rsplit("-", 1)[0] + "-")
    )
    assert version.resource.code > ours[-1]


def test_the_commands_export_and_import(city, catalog, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "catalog.json"
    call_command("catalog_export", "-o", str(path))
    data = path.read_bytes()
    assert data == _export(city)
    empty_the_catalog()
    call_command("catalog_import", str(path))
    assert "6 entries imported" in capsys.readouterr().out
    assert _export(city) == data
    entry = AuditEntry.objects.filter(action="interop.catalog.import").get()
    assert (entry.actor_kind, entry.actor_id) == ("platform", "catalog_import")


def test_the_import_command_lists_the_problems_and_fails(city, catalog, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    document = json.loads(_export(city))
    document["entries"][0]["extension"]["sensitivity"] = "secret"
    path = tmp_path / "bad.json"
    path.write_bytes(provincial.render(document))
    before = Resource.objects.count()
    with pytest.raises(CommandError, match="invalid_entries"):
        call_command("catalog_import", str(path))
    assert "entries.0.extension.sensitivity" in capsys.readouterr().err
    assert Resource.objects.count() == before


def test_a_stored_document_imports_into_an_empty_catalog_byte_for_byte(db):
    """The format is pinned: the document kept beside this test (written by version 1.0 of the
    export from ``build_catalog(make_fixed_city())``) imports into a platform that has the same
    organisations and databases but no entries, and exports unchanged."""
    make_fixed_city()
    data = GOLDEN.read_bytes()
    summary = services.check_import_catalog(actor=ActorRef.platform("test"), raw=data)
    assert summary.imported == json.loads(data)["entry_count"]
    assert services.check_export_catalog(actor=ActorRef.platform("test")) == data
    assert DataItem.objects.count() == sum(len(e["items"]) for e in json.loads(data)["entries"])
