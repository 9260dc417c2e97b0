from __future__ import annotations

import pytest

from govdata.orgs.choices import Level, OrgKind, Role
from govdata.orgs.testing import make_org, make_person


@pytest.fixture
def township(city):
    """A township under the county, with its data staff (CAT-3: reviewed by the county first)."""
    admin = city.actor(city.admin)
    town = make_org(
        admin,
        "河口镇人民政府",
        kind=OrgKind.DEPARTMENT,
        level=Level.TOWNSHIP,
        parent=city.county,
        division_code="990121100",
    )
    clerk = make_person(admin, town, "town_clerk", [Role.DATA_STAFF], "郑镇干")
    return town, clerk
