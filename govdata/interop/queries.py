"""Who may exchange the catalog with the provincial platform, and the reads the exchange needs
(INT-1, CAT-3, B§10, A§13).

* Export: the city data authority's managers and reviewers, its registered systems, and the
  platform admin. The summary of the city's catalog is the city authority's to publish (CAT-3).
* Import: the city data authority's managers and the platform admin.
* Commands on the server act as a named platform actor and may do both.

The catalog is read through ``govdata.catalog.queries`` only.
"""

from __future__ import annotations

from django.db.models import QuerySet

from govdata.catalog import queries as catalog_queries
from govdata.catalog.models import Resource
from govdata.core.actors import ActorRef
from govdata.core.choices import ActorKind
from govdata.orgs.actors import Actor
from govdata.orgs.choices import Level, OrgKind, Role
from govdata.orgs.models import Organisation

ExchangeActor = Actor | ActorRef


def is_city_authority(organisation: Organisation) -> bool:
    return (
        organisation.kind == OrgKind.AUTHORITY
        and organisation.level == Level.CITY
        and organisation.is_active
    )


def _is_platform_command(actor: ExchangeActor) -> bool:
    return isinstance(actor, ActorRef) and actor.kind == ActorKind.PLATFORM


def can_export_catalog(actor: ExchangeActor) -> bool:
    """May the actor export the published catalog for the provincial platform?"""
    if _is_platform_command(actor):
        return True
    if not isinstance(actor, Actor) or not actor.is_authenticated:
        return False
    if actor.system is not None:
        return actor.system.is_active and is_city_authority(actor.system.organisation)
    if actor.is_platform_admin:
        return True
    authorities = [*actor.managed_authorities, *actor.authorities_with(Role.REVIEWER)]
    return any(a.level == Level.CITY for a in authorities)


def can_import_catalog(actor: ExchangeActor) -> bool:
    """May the actor import a catalog document (entries arrive published)?"""
    if _is_platform_command(actor):
        return True
    if not isinstance(actor, Actor) or actor.person is None:
        return False
    if actor.is_platform_admin:
        return True
    return any(a.level == Level.CITY for a in actor.managed_authorities)


def may_import_for(actor: ExchangeActor, provider: Organisation) -> bool:
    """A city authority manager imports entries of providers in the city's area only."""
    if _is_platform_command(actor):
        return True
    return isinstance(actor, Actor) and catalog_queries.manages_area_of(actor, provider)


def platform_region() -> Organisation | None:
    """The root of the organisation tree: the city whose catalog this platform keeps. With
    several roots, the city-level one with the lowest division code."""
    roots = Organisation.objects.filter(parent__isnull=True).order_by("division_code", "pk")
    return roots.filter(level=Level.CITY).first() or roots.first()


def exported_resources(region: Organisation | None) -> QuerySet[Resource]:
    """The published entries of the region, by code, with what the document needs loaded."""
    query = catalog_queries.published()
    if region is not None:
        query = query.filter(provider__area_prefix__startswith=region.area_prefix)
    return (
        query.select_related(
            "live_version__source_system",
            "live_version__collecting_org",
            "live_version__approving_org",
        )
        .prefetch_related("live_version__items")
        .order_by("code")
    )


def organisations_by_credit_code(codes: set[str]) -> dict[str, Organisation]:
    """Organisations by unified social credit code: how a document names them."""
    found = Organisation.objects.filter(uscc__in=sorted(codes))
    return {org.uscc: org for org in found if org.uscc}
