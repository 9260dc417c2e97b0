"""The exchange over HTTP: GET /api/v1/interop/catalog/export and POST …/catalog/import (INT-1).

Who may: the export is the city data authority's (managers, reviewers, its systems) and the
platform admin's; the import the authority's managers' and the platform admin's. Anyone else
gets 403 with the error body (anonymous 401), and nothing is written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from govdata.catalog.models import Resource
from govdata.core.models import AuditEntry
from govdata.core.testing import assert_error_body
from govdata.interop import provincial, services
from govdata.interop.api import CatalogExchangeDocument
from govdata.orgs import services as org_services

from .conftest import empty_the_catalog

pytestmark = pytest.mark.django_db
EXPORT = "/api/v1/interop/catalog/export"
IMPORT = "/api/v1/interop/catalog/import"


def post(client: Client, data: bytes, **headers: str):
    return client.generic(
        "POST", IMPORT, data=data, content_type="application/json", headers=headers
    )


def key_of(city, organisation) -> str:
    admin = city.actor(city.admin)
    system = org_services.check_create_system_account(
        actor=admin, organisation=organisation, name=f"{organisation.name}接口"
    )
    _key, plain = org_services.do_issue_api_key(actor=admin, system=system)
    return plain


@pytest.mark.parametrize("person", ["authority_admin", "reviewer", "admin"])
def test_the_city_authority_and_the_admin_export(city, catalog, login, person):
    response = login(getattr(city, person)).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.content == services.check_export_catalog(actor=city.actor(city.admin))
    document = CatalogExchangeDocument.model_validate(json.loads(response.content))  # the contract
    assert document.entry_count == 6
    assert AuditEntry.objects.filter(action="interop.catalog.export").count() == 2


@pytest.mark.parametrize("person", ["analyst", "steward", "outsider", "auditor", "county_reviewer"])
def test_others_may_not_export(city, catalog, login, person):
    before = AuditEntry.objects.count()
    error = assert_error_body(login(getattr(city, person)).get(EXPORT), 403)
    assert error["code"] == "forbidden"
    assert AuditEntry.objects.count() == before


def test_a_system_of_the_city_authority_exports_and_a_departments_does_not(city, catalog):
    client = Client()
    assert (
        client.get(EXPORT, headers={"X-API-Key": key_of(city, city.authority)}).status_code == 200
    )
    response = client.get(EXPORT, headers={"X-API-Key": key_of(city, city.department)})
    assert_error_body(response, 403)


def test_anonymous_gets_401(city, catalog):
    assert_error_body(Client().get(EXPORT), 401)
    assert_error_body(post(Client(), b"{}"), 401)


def test_the_city_authority_imports_through_the_api(city, catalog, login):
    data = services.check_export_catalog(actor=city.actor(city.admin))
    empty_the_catalog()
    response = post(login(city.authority_admin), data)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["imported"] == 6
    assert body["region"] == "990100"
    assert sorted(body["codes"]) == body["codes"]
    assert login(city.admin).get(EXPORT).content == data


@pytest.mark.parametrize("person", ["analyst", "steward", "reviewer", "auditor"])
def test_others_may_not_import(city, catalog, login, person):
    data = services.check_export_catalog(actor=city.actor(city.admin))
    empty_the_catalog()
    before = (Resource.objects.count(), AuditEntry.objects.count())
    error = assert_error_body(post(login(getattr(city, person)), data), 403)
    assert error["code"] == "forbidden"
    assert (Resource.objects.count(), AuditEntry.objects.count()) == before


def test_a_system_may_not_import(city, catalog):
    data = services.check_export_catalog(actor=city.actor(city.admin))
    empty_the_catalog()
    response = post(Client(), data, **{"X-API-Key": key_of(city, city.authority)})
    assert_error_body(response, 403)
    assert not Resource.objects.exists()


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        ('{"format": "格式"}'.encode("gbk"), 400, "invalid_encoding"),
        (b"[1, 2]", 422, "invalid_document"),
        (
            b'{"format": "govdata-catalog-exchange", "format_version": "0.9"}',
            422,
            "unsupported_version",
        ),
    ],
)
def test_bad_bodies_get_a_4xx_with_the_error_body(city, login, data, status, code):
    error = assert_error_body(post(login(city.authority_admin), data), status)
    assert error["code"] == code


def test_entry_problems_answer_422_naming_each_place(city, catalog, login):
    document = json.loads(services.check_export_catalog(actor=city.actor(city.admin)))
    empty_the_catalog()
    document["entries"][1]["extension"]["sensitivity"] = "secret"
    error = assert_error_body(post(login(city.admin), provincial.render(document)), 422)
    assert error["code"] == "invalid_entries"
    assert "entries.1.extension.sensitivity" in error["fields"]
    assert not Resource.objects.exists()


def test_an_oversized_body_gets_413(city, login, monkeypatch):
    monkeypatch.setattr(provincial, "MAX_DOCUMENT_BYTES", 1000)
    error = assert_error_body(post(login(city.admin), b" " * 5000), 413)
    assert error["code"] == "too_large"


def test_a_body_above_djangos_form_limit_is_read(city, catalog, login, settings):
    """Django refuses request bodies above DATA_UPLOAD_MAX_MEMORY_SIZE when they are read as
    ``request.body``; the import reads the stream itself, so its own limit is the one that holds."""
    data = services.check_export_catalog(actor=city.actor(city.admin))
    empty_the_catalog()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = post(login(city.admin), data)
    assert response.status_code == 200, response.content


def test_the_openapi_document_describes_the_exchange(client):
    spec = client.get("/api/v1/openapi.json").json()
    export = spec["paths"][EXPORT]["get"]
    assert {"200", "401", "403"} <= set(export["responses"])
    imports = spec["paths"][IMPORT]["post"]
    assert {"200", "400", "401", "403", "413", "422"} <= set(imports["responses"])
    ref = imports["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.rsplit("/", 1)[-1] in spec["components"]["schemas"]
