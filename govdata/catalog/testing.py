"""Builders for tests, benchmarks and the demo: entries made and published through the services,
so that they obey the same rules and write the same audit trail as real use."""

from __future__ import annotations

from typing import Any

from govdata.orgs.actors import Actor

from . import services
from .models import ResourceVersion


def entry(**overrides: Any) -> dict[str, Any]:
    """A complete, consistent description of a department resource, open to all."""
    values: dict[str, Any] = {
        "name": "婚姻登记信息",
        "summary": "本市婚姻登记机关办理的结婚、离婚登记信息。",
        "domain": "civil_affairs",
        "data_form": "database",
        "data_format": "PostgreSQL",
        "sensitivity": "internal",
        "share_type": "unconditional",
        "share_methods": ["api", "file"],
        "open_type": "none",
        "open_basis": "《婚姻登记条例》；涉及个人信息，不予开放",
        "update_cycle": "daily",
        "security_level": 3,
        "usage_requirements": "仅用于办理相关政务服务事项。",
    }
    values.update(overrides)
    return values


def items(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Data items keyed by the resident ID number, with a personal item."""
    rows = [
        {
            "name": "gmsfhm",
            "label": "公民身份号码",
            "item_type": "ric",
            "is_key": True,
            "is_personal": True,
            "security_level": 3,
        },
        {
            "name": "xm",
            "label": "姓名",
            "item_type": "string",
            "length": 50,
            "is_required": True,
            "is_personal": True,
            "security_level": 3,
        },
        {"name": "djrq", "label": "登记日期", "item_type": "date", "security_level": 2},
    ]
    return rows + list(extra)


def compile_entry(
    actor: Actor, provider: Any, *, items_: list[dict[str, Any]] | None = None, **fields: Any
) -> ResourceVersion:
    resource_class = fields.pop("resource_class", "department")
    library = fields.pop("library", None)
    return services.check_create_resource(
        actor=actor,
        provider=provider,
        resource_class=resource_class,
        library=library,
        entry=entry(**fields),
        items=items() if items_ is None else items_,
    )


def publish(
    version: ResourceVersion, *, compiler: Actor, reviewers: list[Actor]
) -> ResourceVersion:
    """Submit and approve a version at every level it passes (reviewers in order)."""
    services.check_submit_version(actor=compiler, version=version)
    for reviewer in reviewers:
        version.refresh_from_db()
        services.do_approve_version(actor=reviewer, version=version)
    version.refresh_from_db()
    return version
