"""A published catalog to exchange, built through the catalog's services: every class (a base and
a theme database entry, department entries of the city and of a county), every share and open
type, data items, related codes, a collecting department, a source system, and an entry in its
second version. Beside them a draft and an entry in review, which are not published."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from govdata.catalog import services
from govdata.catalog.models import (
    CodeSequence,
    InformationSystem,
    Library,
    Resource,
    ResourceVersion,
)
from govdata.catalog.services.libraries import do_create_library
from govdata.catalog.services.systems import check_register_system
from govdata.catalog.testing import compile_entry, entry, items, publish
from govdata.orgs.choices import Role
from govdata.orgs.testing import make_person


@dataclass
class Catalog:
    published: list[Resource]
    revised: Resource  # published twice: version 2 is live, version 1 superseded
    draft: Resource
    in_review: Resource


OPEN_ITEMS: list[dict[str, Any]] = [
    {"name": "jgmc", "label": "机构名称", "item_type": "string", "length": 200, "is_key": True},
    {"name": "tyshxydm", "label": "统一社会信用代码", "item_type": "uscc"},
    {"name": "clrq", "label": "成立日期", "item_type": "date", "description": "登记日期"},
    {"name": "zczb", "label": "注册资本", "item_type": "decimal", "length": 18},
    {"name": "cyrs", "label": "从业人数", "item_type": "integer"},
    {"name": "sfyx", "label": "是否有效", "item_type": "boolean"},
    {"name": "gxsj", "label": "更新时间", "item_type": "datetime"},
]


def make_databases(city) -> tuple[Library, Library, InformationSystem]:
    """The base database (led by ``department``), the theme database (led by
    ``other_department``) and the department's business system, made once per city."""
    existing = Library.objects.filter(code__in=["population", "transport"]).order_by("code")
    if existing.count() == 2:
        population, transport = existing
        return population, transport, InformationSystem.objects.get(name="婚姻登记系统")
    admin = city.actor(city.admin)
    population = do_create_library(
        actor=admin,
        resource_class="base",
        code="population",
        name="人口基础信息库",
        lead_department=city.department,
    )
    transport = do_create_library(
        actor=admin,
        resource_class="theme",
        code="transport",
        name="交通出行主题库",
        lead_department=city.other_department,
    )
    system = check_register_system(
        actor=city.actor(city.steward), organisation=city.department, name="婚姻登记系统"
    )
    return population, transport, system


def build_catalog(city) -> Catalog:
    """Publish entries of every kind in ``city`` through the services (see the module doc)."""
    admin = city.actor(city.admin)
    analyst = city.actor(city.analyst)
    outsider = city.actor(city.outsider)
    city_review = [city.actor(city.reviewer)]
    population, transport, system = make_databases(city)

    base = publish(
        compile_entry(
            analyst,
            city.department,
            resource_class="base",
            library=population,
            name="人口基础信息",
            source_system_id=system.pk,
        ),
        compiler=analyst,
        reviewers=city_review,
    )
    theme = publish(
        compile_entry(
            outsider,
            city.other_department,
            resource_class="theme",
            library=transport,
            name="公交线路信息",
            summary="公交线路、站点与首末班时间。",
            domain="transport",
            sensitivity="public",
            share_type="unconditional",
            open_type="unconditional",
            open_basis="",
            importance="general",
            security_level=1,
            update_cycle="monthly",
            data_form="spreadsheet",
            data_format="xlsx",
            items_=[
                {
                    "name": "xlmc",
                    "label": "线路名称",
                    "item_type": "string",
                    "length": 50,
                    "is_key": True,
                },
                {"name": "sbsj", "label": "首班时间", "item_type": "string", "length": 8},
            ],
        ),
        compiler=outsider,
        reviewers=city_review,
    )
    conditional = publish(
        compile_entry(
            outsider,
            city.other_department,
            name="企业登记信息",
            domain="economy",
            share_type="conditional",
            share_conditions="仅限办理企业相关审批事项使用",
            share_basis="《企业信息公示暂行条例》",
            share_methods=["api"],
            open_type="conditional",
            open_conditions="签订数据利用协议后开放",
            open_basis="《公共数据开放管理办法》第十二条",
            update_cycle="realtime",
            data_form="api",
            data_format="REST/JSON",
            security_level=2,
            collecting_org_id=city.department.pk,
            approving_org_id=city.authority.pk,
            related_codes=[theme.resource.code],
            items_=[{**i, "security_level": 2} for i in OPEN_ITEMS],
        ),
        compiler=outsider,
        reviewers=city_review,
    )
    not_shared = publish(
        compile_entry(
            analyst,
            city.department,
            name="收养登记信息",
            share_type="none",
            share_basis="《中华人民共和国收养法》规定保密",
            share_methods=[],
            open_type="none",
            update_cycle="irregular",
            data_form="document",
            data_format="OFD",
            items_=[],
        ),
        compiler=analyst,
        reviewers=city_review,
    )

    county_clerk = make_person(
        admin, city.county_department, "county_clerk", [Role.DATA_STAFF], "郑县干"
    )
    clerk = city.actor(county_clerk)
    county = publish(
        compile_entry(
            clerk, city.county_department, name="东县低保对象信息", update_cycle="quarterly"
        ),
        compiler=clerk,
        reviewers=[city.actor(city.county_reviewer), *city_review],
    )

    # Revised: version 2 supersedes version 1.
    first = publish(
        compile_entry(analyst, city.department, name="婚姻登记信息（旧）"),
        compiler=analyst,
        reviewers=city_review,
    )
    revision = services.check_start_revision(
        actor=analyst, resource=first.resource, reason="登记项目调整"
    )
    services.check_update_version(
        actor=analyst,
        version=revision,
        edit_seq=revision.edit_seq,
        entry=entry(name="婚姻登记信息", update_cycle="weekly"),
        items=items({"name": "bz", "label": "备注", "item_type": "string", "length": 500}),
    )
    revision.refresh_from_db()
    publish(revision, compiler=analyst, reviewers=city_review)

    draft = compile_entry(analyst, city.department, name="殡葬服务信息（草稿）")
    in_review = compile_entry(analyst, city.department, name="社会组织信息（审核中）")
    services.check_submit_version(actor=analyst, version=in_review)

    published = [
        Resource.objects.get(pk=v.resource_id)
        for v in (base, theme, conditional, not_shared, county, first)
    ]
    return Catalog(
        published=sorted(published, key=lambda r: r.code),
        revised=Resource.objects.get(pk=first.resource_id),
        draft=Resource.objects.get(pk=draft.resource_id),
        in_review=Resource.objects.get(pk=in_review.resource_id),
    )


@pytest.fixture
def catalog(city) -> Catalog:
    return build_catalog(city)


def empty_the_catalog() -> None:
    """Remove every entry (and its versions, items, search rows, tasks) and the code sequences:
    the catalog of a platform that has its organisations and databases but no entries yet."""
    Resource.objects.update(live_version=None)
    ResourceVersion.objects.all().delete()
    Resource.objects.all().delete()
    CodeSequence.objects.all().delete()


def make_fixed_city():
    """The city of ``govdata/conftest.py`` with fixed credit codes (the shared fixture numbers
    them in test order), its two databases and the source system: the platform the stored
    document in ``data/`` was exported from, before any entry was compiled."""
    from govdata.conftest import build_city

    city = build_city(serials=iter(range(9001, 9008)))
    make_databases(city)
    return city
