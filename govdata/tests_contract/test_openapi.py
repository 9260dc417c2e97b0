"""The OpenAPI document is a contract: schemathesis generates requests for every operation and
checks that none gets a 5xx and every response matches the documented status, type and schema.
Run anonymously and as a system account holding a key. Examples are bounded to keep the suite fast
(GOVDATA_SCHEMATHESIS_EXAMPLES raises them).

"Schema-valid request rejected" is not checked: business rules (a date range, a credit code's
check character) reject requests the schema alone cannot tell apart, with a documented 4xx."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from govdata.orgs import services
from govdata.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
EXCLUDED = [positive_data_acceptance]
EXAMPLES = int(os.environ.get("GOVDATA_SCHEMATHESIS_EXAMPLES", "15"))
contract_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, whose request signals close the database
    connection; inside a test transaction they must not (Django's test client does the same)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def system_key(city) -> str:
    system = services.check_create_system_account(
        actor=city.actor(city.steward), organisation=city.department, name="合约测试系统"
    )
    _, plain = services.do_issue_api_key(actor=city.actor(city.steward), system=system)
    return plain


def test_the_openapi_document_is_served_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/calendar/add" in document["paths"]
    assert "/api/v1/system-accounts/{system_id}/keys" in document["paths"]


@pytest.mark.django_db
@schema.parametrize()
@contract_settings
def test_anonymous_calls_honour_the_contract(case, city):
    case.call_and_validate(excluded_checks=EXCLUDED)


@pytest.mark.django_db
@schema.parametrize()
@contract_settings
def test_calls_with_an_api_key_honour_the_contract(case, system_key):
    case.call_and_validate(headers={"X-API-Key": system_key}, excluded_checks=EXCLUDED)
