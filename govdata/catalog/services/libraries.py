"""Base and theme databases (CAT-2, B§9, E§10, A§11, G§12): the population, legal-entity, natural
resources and geography, e-licence and public-credit base databases, and the theme databases
(health, social security, food and drug safety, emergencies …), each with the lead department
that compiles its catalog. The city data authority sets them up."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from govdata.core import audit
from govdata.core.errors import Forbidden, Invalid
from govdata.orgs import queries as org_queries
from govdata.orgs.actors import Actor
from govdata.orgs.choices import Level, OrgKind
from govdata.orgs.models import Organisation

from ..choices import ResourceClass
from ..entries import LONG_TEXT
from ..models import Library

# A library code is a slug (``Library.code``): lower-case ASCII letters, digits, "-" and "_".
LIBRARY_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# Who may lead a database's catalog: a government department, or a data authority (some cities
# give the e-licence base database to their data authority).
LEAD_KINDS = frozenset({OrgKind.DEPARTMENT, OrgKind.AUTHORITY})


def may_create_library(actor: Actor) -> bool:
    """CAT-2: the city's base and theme databases are set up by the city data authority's
    managers (chief data officer, data executive, organisation administrator) or the platform
    administrator."""
    if actor.is_platform_admin:
        return True
    return any(a.level == Level.CITY for a in actor.managed_authorities)


def _in_actors_area(actor: Actor, organisation: Organisation) -> bool:
    if actor.is_platform_admin:
        return True
    return any(
        a.level == Level.CITY and org_queries.in_area(a, organisation)
        for a in actor.managed_authorities
    )


def do_create_library(
    *,
    actor: Actor,
    resource_class: str,
    code: str,
    name: str,
    lead_department: Organisation,
    description: str = "",
) -> Library:
    """Set up a base or theme database whose catalog ``lead_department`` compiles (CAT-2).
    Refuses anyone but the city authority's managers and the platform admin (Forbidden) and names
    every invalid field at once (Invalid); writes the library and its audit entry together."""
    if not may_create_library(actor):
        raise Forbidden(
            _("Only the city data authority sets up base and theme databases."),
            code="forbidden",
        )
    problems: dict[str, str] = {}
    if resource_class not in (ResourceClass.BASE, ResourceClass.THEME):
        problems["resource_class"] = _("A database is either a base or a theme database.")
    code = (code or "").strip()
    if not code:
        problems["code"] = _("Required.")
    elif not LIBRARY_CODE.fullmatch(code):
        problems["code"] = _(
            "Up to 40 lower-case letters, digits, - and _, starting with a letter or digit."
        )
    elif Library.objects.filter(code=code).exists():
        problems["code"] = _("A base or theme database with this code exists already.")
    name = (name or "").strip()
    if not name:
        problems["name"] = _("Required.")
    elif len(name) > 100:
        problems["name"] = _("At most %(n)d characters.") % {"n": 100}
    elif Library.objects.filter(name=name).exists():
        problems["name"] = _("A base or theme database with this name exists already.")
    description = (description or "").strip()
    if len(description) > LONG_TEXT:
        problems["description"] = _("At most %(n)d characters.") % {"n": LONG_TEXT}
    if (
        lead_department is None
        or not lead_department.is_active
        or lead_department.kind not in LEAD_KINDS
        or not _in_actors_area(actor, lead_department)
    ):
        problems["lead_department_id"] = _(
            "The lead department is an active department in the city's area."
        )
    if problems:
        raise Invalid(
            _("The base or theme database is not complete or not consistent."),
            code="invalid_library",
            fields=problems,
        )
    try:
        with transaction.atomic():
            library = Library.objects.create(
                resource_class=resource_class,
                code=code,
                name=name,
                lead_department=lead_department,
                description=description,
            )
            audit.record(
                actor=actor,
                action="catalog.library.create",
                object_type="catalog.library",
                object_id=library.pk,
                details={
                    "code": code,
                    "name": name,
                    "class": resource_class,
                    "lead_department": lead_department.pk,
                },
            )
    except IntegrityError as exc:  # created at the same moment by someone else
        raise Invalid(
            _("A base or theme database with this code or name exists already."),
            code="duplicate",
            fields={"code": _("A base or theme database with this code or name exists already.")},
        ) from exc
    return library
