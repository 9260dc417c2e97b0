"""Setting up base and theme databases (CAT-2, B§9): only the city data authority's managers and
the platform admin do it; bad input names every field and writes nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govdata.catalog.choices import ResourceClass
from govdata.catalog.models import Library
from govdata.catalog.services.libraries import LIBRARY_CODE, do_create_library
from govdata.core.errors import Forbidden, Invalid
from govdata.core.models import AuditEntry
from govdata.orgs.choices import OrgKind, Role
from govdata.orgs.models import Organisation
from govdata.orgs.testing import make_org, make_person

pytestmark = pytest.mark.django_db


def create(actor, lead, **overrides):
    values = {
        "resource_class": ResourceClass.BASE,
        "code": "population",
        "name": "人口基础库",
        "lead_department": lead,
        "description": "公安部门牵头建设。",
    }
    values.update(overrides)
    return do_create_library(actor=actor, **values)


def test_the_city_authority_sets_up_a_base_database_and_it_is_audited(city):
    library = create(city.actor(city.authority_admin), city.department)
    assert (library.code, library.name, library.lead_department) == (
        "population",
        "人口基础库",
        city.department,
    )
    entry = AuditEntry.objects.get(action="catalog.library.create")
    assert entry.object_id == str(library.pk)
    assert entry.details["lead_department"] == city.department.pk
    theme = create(
        city.actor(city.admin),
        city.other_department,
        resource_class=ResourceClass.THEME,
        code="health",
        name="健康医疗主题库",
    )
    assert theme.resource_class == ResourceClass.THEME


def test_reviewers_departments_and_county_managers_may_not(city):
    admin = city.actor(city.admin)
    county_exec = make_person(
        admin, city.county_authority, "county_exec", [Role.DATA_EXECUTIVE], "郑县执"
    )
    for person in (city.reviewer, city.steward, city.analyst, city.auditor, county_exec):
        with pytest.raises(Forbidden):
            create(city.actor(person), city.department)
    assert not Library.objects.exists()
    assert not AuditEntry.objects.filter(action="catalog.library.create").exists()


def test_bad_input_names_every_field_and_writes_nothing(city):
    actor = city.actor(city.authority_admin)
    hospital = make_org(
        city.actor(city.admin),
        "示范市第一人民医院",
        kind=OrgKind.PUBLIC_SERVICE,
        parent=city.root,
        division_code="990100",
    )
    with pytest.raises(Invalid) as caught:
        create(
            actor,
            hospital,
            resource_class=ResourceClass.DEPARTMENT,
            code="人口库",
            name="",
            description="x" * 5000,
        )
    assert set(caught.value.fields) == {
        "resource_class",
        "code",
        "name",
        "description",
        "lead_department_id",
    }
    assert not Library.objects.exists()


def test_an_inactive_lead_department_is_refused(city):
    # orgs has no service to close an organisation yet: set the flag as one would.
    Organisation.objects.filter(pk=city.other_department.pk).update(is_active=False)
    city.other_department.refresh_from_db()
    with pytest.raises(Invalid) as caught:
        create(city.actor(city.authority_admin), city.other_department)
    assert set(caught.value.fields) == {"lead_department_id"}


def test_code_and_name_are_unique(city):
    actor = city.actor(city.authority_admin)
    create(actor, city.department)
    with pytest.raises(Invalid) as caught:
        create(actor, city.department)
    assert set(caught.value.fields) == {"code", "name"}
    with pytest.raises(Invalid) as caught:
        create(actor, city.department, code="population-2")
    assert set(caught.value.fields) == {"name"}
    assert Library.objects.count() == 1


# The city is built once and shared by the examples: each example starts from no library.
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.one_of(st.text(max_size=45), st.from_regex(LIBRARY_CODE, fullmatch=True)))
def test_a_code_is_stored_as_given_or_refused_naming_the_code(city, code):
    """Whatever the code, it is either a slug kept exactly (trimmed) or refused on the code."""
    actor = city.actor(city.authority_admin)
    Library.objects.all().delete()
    try:
        library = create(actor, city.department, code=code)
    except Invalid as exc:
        assert set(exc.fields) == {"code"}
        assert not Library.objects.exists()
    else:
        assert library.code == code.strip()
        assert LIBRARY_CODE.fullmatch(library.code)
