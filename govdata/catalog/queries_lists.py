"""Reads and permission rules of the catalog's lists (CAT-6), information systems (CAT-7) and
zombie flags (CAT-5).

Who does what:

* A department acts on its own demands, responsibilities and information systems through its
  compiling staff (data staff, chief data officer, data executive), its managers or its
  registered systems (ORG-3: a system acts in its organisation's name) — ``acts_for``.
* The data authority over an area — its managers, ``queries.manages_area_of`` — sends demands
  to the responsible department, records responsibilities, accepts systems and publishes the
  lists of its area (B§16: 市政务数据主管部门 ... 定期发布需求清单和责任清单).
* The authority's managers and reviewers see everything of their area (``queries.oversees``);
  a department sees its own demands (filed or to answer), responsibilities and systems.
* ``access_*`` raise the same ``NotFound`` for a missing and a forbidden object.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govdata.core.errors import Forbidden, NotFound
from govdata.orgs import queries as org_queries
from govdata.orgs.actors import Actor
from govdata.orgs.choices import MANAGING_ROLES, OrgKind, Role
from govdata.orgs.models import Organisation

from . import queries, search
from .choices import DemandStatus, SystemStatus
from .models import (
    Demand,
    InformationSystem,
    ListPublication,
    Resource,
    Responsibility,
    ZombieFlag,
)

DEMAND_WORKFLOW = "catalog.demand"

# Organisations that hold data and can be responsible for it (ORG-2, B§2).
DATA_HOLDING_KINDS = frozenset({OrgKind.DEPARTMENT, OrgKind.PUBLIC_SERVICE, OrgKind.AUTHORITY})

SUGGESTIONS = 5


class ListKind(models.TextChoices):
    """The two lists the authority publishes (CAT-6, B§16); values of ``ListPublication.kind``."""

    DEMAND = "demand", _("Demand list")
    RESPONSIBILITY = "responsibility", _("Responsibility list")


# --- Who acts ---------------------------------------------------------------------------------------


def own_organisations(actor: Actor) -> list[int]:
    """The organisations the actor acts for on lists and systems."""
    if actor.system is not None:
        return [actor.system.organisation_id] if actor.system.is_active else []
    return actor.organisations_with(queries.COMPILING_ROLES | MANAGING_ROLES)


def acts_for(actor: Actor, organisation: Organisation | int) -> bool:
    """May the actor act in the organisation's name on its lists and systems?"""
    org_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    return actor.is_platform_admin or org_id in own_organisations(actor)


def is_overseer(actor: Actor) -> bool:
    """A manager or reviewer of some data authority (or the platform admin)."""
    return bool(
        actor.is_platform_admin
        or actor.managed_authorities
        or actor.authorities_with(Role.REVIEWER)
    )


def _visible(actor: Actor, own: Q, *areas: str) -> Q | None:
    """``own`` or in the area the actor oversees (through each of ``areas``); None for all."""
    q = own
    for prefix in areas:
        area = queries.overseen_area(actor, prefix)
        if area is None:
            return None
        q |= area
    return q


# --- Demands (CAT-6) --------------------------------------------------------------------------------


def demands_visible_to(actor: Actor) -> QuerySet[Demand]:
    """Demands the actor's organisations filed or must answer, and those of the area it oversees."""
    if not actor.is_authenticated or not queries.is_staff(actor):
        return Demand.objects.none()
    demands = Demand.objects.select_related(
        "requester", "responsible", "resource__live_version"
    ).order_by("-created_at", "-pk")
    own = own_organisations(actor)
    q = _visible(
        actor,
        Q(requester_id__in=own) | Q(responsible_id__in=own),
        "requester__",
        "responsible__",
    )
    return demands if q is None else demands.filter(q)


def access_demand_by_id(actor: Actor, demand_id: int) -> Demand:
    demand = demands_visible_to(actor).filter(pk=demand_id).first()
    if demand is None:
        raise NotFound(_("No such demand."))
    return demand


def overdue_demands(actor: Actor, today: dt.date | None = None) -> QuerySet[Demand]:
    """Demands with the responsible department past their answer deadline (the stored, indexed
    ``due_on`` of the workflow mechanism)."""
    today = today or timezone.localdate()
    return demands_visible_to(actor).filter(status=DemandStatus.ASSIGNED, due_on__lt=today)


def suggest_resources(text: str, *, limit: int = SUGGESTIONS) -> list[Resource]:
    """Published entries of the share catalog that match a demand's text, best first (CAT-6:
    the platform suggests what may already meet it). Uses search's public ``search()`` only."""
    text = (text or "").strip()[:400]
    if not text:
        return []
    ids = [hit.resource_id for hit in search.search(text, scope="share", limit=limit).hits]
    found = {r.pk: r for r in queries.published().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def suggestions_for(demand: Demand) -> list[Resource]:
    """Suggestions while the demand is still unmet: by its title, else by its description."""
    if demand.status not in (DemandStatus.OPEN, DemandStatus.ASSIGNED):
        return []
    return suggest_resources(demand.title) or suggest_resources(demand.description)


def demand_row(demand: Demand, today: dt.date | None = None) -> dict[str, Any]:
    """A demand as the lists show it, and as a publication keeps it (plain JSON values)."""
    resource = demand.resource
    live = resource.live_version if resource is not None else None
    return {
        "id": demand.pk,
        "requester_id": demand.requester_id,
        "requester_name": demand.requester.name,
        "title": demand.title,
        "description": demand.description,
        "purpose": demand.purpose,
        "basis": demand.basis,
        "status": demand.status,
        "responsible_id": demand.responsible_id,
        "responsible_name": demand.responsible.name if demand.responsible else None,
        "resource_id": demand.resource_id,
        "resource_code": resource.code if resource is not None else None,
        "resource_name": live.name if live is not None else None,
        "answer": demand.answer,
        "outcome": demand.answer_outcome or None,
        "legal_basis": demand.answer_basis,
        "filed_on": timezone.localdate(demand.created_at).isoformat(),
        "due_on": demand.due_on.isoformat() if demand.due_on else None,
        "overdue": demand.is_overdue(today),
    }


# --- Responsibilities (CAT-6) -----------------------------------------------------------------------


def responsibilities_visible_to(actor: Actor) -> QuerySet[Responsibility]:
    if not actor.is_authenticated or not queries.is_staff(actor):
        return Responsibility.objects.none()
    rows = Responsibility.objects.select_related("organisation", "resource__live_version").order_by(
        "organisation__name", "title", "pk"
    )
    q = _visible(actor, Q(organisation_id__in=own_organisations(actor)), "organisation__")
    return rows if q is None else rows.filter(q)


def access_responsibility_by_id(actor: Actor, responsibility_id: int) -> Responsibility:
    row = responsibilities_visible_to(actor).filter(pk=responsibility_id).first()
    if row is None:
        raise NotFound(_("No such responsibility."))
    return row


def responsibility_row(row: Responsibility, today: dt.date | None = None) -> dict[str, Any]:
    """A line of the responsibility list: overdue when its date has passed and no published
    entry of the department fulfils it yet."""
    today = today or timezone.localdate()
    resource = row.resource
    live = resource.live_version if resource is not None else None
    return {
        "id": row.pk,
        "organisation_id": row.organisation_id,
        "organisation_name": row.organisation.name,
        "title": row.title,
        "description": row.description,
        "basis": row.basis,
        "due_on": row.due_on.isoformat() if row.due_on else None,
        "resource_id": row.resource_id,
        "resource_code": resource.code if resource is not None else None,
        "resource_name": live.name if live is not None else None,
        "fulfilled": live is not None,
        "overdue": live is None and row.due_on is not None and row.due_on < today,
    }


# --- The non-share list (CAT-6) ---------------------------------------------------------------------


def non_share_row(resource: Resource) -> dict[str, Any]:
    """A line of the filed non-share list: the published entry and its legal basis (B§16)."""
    live = resource.live_version
    assert live is not None  # queries.non_share_list() holds published entries only
    return {
        "resource_id": resource.pk,
        "code": resource.code,
        "name": live.name,
        "provider_id": resource.provider_id,
        "provider_name": resource.provider.name,
        "legal_basis": live.share_basis,
        "published_at": live.published_at,
    }


# --- Publications (CAT-6) ---------------------------------------------------------------------------


def publishing_authorities(actor: Actor) -> list[Organisation]:
    """The authorities whose lists the actor may publish: those it manages (any, for the admin)."""
    if actor.is_platform_admin:
        return list(
            Organisation.objects.filter(kind=OrgKind.AUTHORITY, is_active=True).order_by("pk")
        )
    return list(actor.managed_authorities)


def list_rows(kind: str, authority: Organisation) -> list[dict[str, Any]]:
    """The list of the authority's area as it stands now: every demand filed in the area (but
    the withdrawn), or every responsibility of a department in it."""
    today = timezone.localdate()
    if kind == ListKind.DEMAND:
        demands = (
            Demand.objects.filter(org_queries.area_filter([authority], "requester__"))
            .exclude(status=DemandStatus.WITHDRAWN)
            .select_related("requester", "responsible", "resource__live_version")
            .order_by("requester__name", "created_at", "pk")
        )
        return [demand_row(d, today) for d in demands]
    rows = (
        Responsibility.objects.filter(org_queries.area_filter([authority], "organisation__"))
        .select_related("organisation", "resource__live_version")
        .order_by("organisation__name", "title", "pk")
    )
    return [responsibility_row(r, today) for r in rows]


def latest_publications(kind: str, authority_id: int | None = None) -> QuerySet[ListPublication]:
    """The newest publication of the list by each authority (public, CAT-6)."""
    newest = ListPublication.objects.filter(kind=kind, authority=OuterRef("authority")).order_by(
        "-published_at", "-pk"
    )
    publications = (
        ListPublication.objects.filter(kind=kind)
        .annotate(newest=Subquery(newest.values("pk")[:1]))
        .filter(pk=models.F("newest"))
        .select_related("authority")
        .order_by("authority__division_code", "authority_id")
    )
    if authority_id is not None:
        publications = publications.filter(authority_id=authority_id)
    return publications


# --- Information systems (CAT-7) --------------------------------------------------------------------


def systems_visible_to(actor: Actor) -> QuerySet[InformationSystem]:
    if not actor.is_authenticated or not queries.is_staff(actor):
        return InformationSystem.objects.none()
    systems = InformationSystem.objects.select_related("organisation").order_by(
        "organisation__name", "name", "pk"
    )
    q = _visible(actor, Q(organisation_id__in=own_organisations(actor)), "organisation__")
    return systems if q is None else systems.filter(q)


def access_system_by_id(actor: Actor, system_id: int) -> InformationSystem:
    system = systems_visible_to(actor).filter(pk=system_id).first()
    if system is None:
        raise NotFound(_("No such information system."))
    return system


def published_entries_of(system: InformationSystem) -> QuerySet[Resource]:
    """Published entries whose live version names the system as their source."""
    return queries.published().filter(live_version__source_system=system)


def acceptance_needs_connection() -> bool:
    """Whether acceptance also requires the system's connection to the platform (B§8).

    The setting ``CATALOG_ACCEPTANCE_NEEDS_CONNECTION`` decides when it is set (True or False).
    Unset (None), the rule follows the platform: only the data plane's channels connect a system
    (they set ``connected_at``), so the condition holds once the data plane says it has them
    (``connects_systems`` on its app config). Requiring it before then would make every
    acceptance impossible.
    """
    value = getattr(settings, "CATALOG_ACCEPTANCE_NEEDS_CONNECTION", None)
    if value is None:
        if not apps.is_installed("govdata.dataplane"):
            return False
        return bool(getattr(apps.get_app_config("dataplane"), "connects_systems", False))
    return bool(value)


def acceptance_problems(system: InformationSystem) -> dict[str, str]:
    """Why the system is not ready for acceptance (empty when it is): CAT-7, B§8, G§17."""
    problems: dict[str, str] = {}
    if system.status not in (SystemStatus.PLANNED, SystemStatus.UPGRADING):
        problems["status"] = str(_("Only a new or an upgraded system is accepted."))
    if not published_entries_of(system).exists():
        problems["resources"] = str(
            _("No published catalog entry names this system as its source.")
        )
    if acceptance_needs_connection() and system.connected_at is None:
        problems["connection"] = str(_("The system is not connected to the platform."))
    return problems


# --- Zombie flags (CAT-5) ---------------------------------------------------------------------------


def zombie_flags_for(actor: Actor, *, include_cleared: bool = False) -> QuerySet[ZombieFlag]:
    """Zombie flags of the area the actor oversees: a view for the data authority only (B§35:
    the authority clears zombie entries). Anyone else is refused."""
    if not actor.is_authenticated or actor.person is None or not is_overseer(actor):
        raise Forbidden(_("Only the data authority reviews zombie entries."), code="forbidden")
    flags = ZombieFlag.objects.select_related(
        "resource__provider", "resource__live_version"
    ).order_by("-flagged_at", "-pk")
    if not include_cleared:
        flags = flags.filter(cleared_at__isnull=True)
    area = queries.overseen_area(actor, "resource__provider__")
    return flags if area is None else flags.filter(area)
