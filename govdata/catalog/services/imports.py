"""Taking in entries published on another platform (INT-1, CAT-3, A§13): the provincial platform
sends the catalog it holds for the city, or a city restores its own export.

An imported entry was compiled and reviewed where it was published, so it arrives published: the
resource keeps its code, its one version is written in the published state with the original
publication time, and no local review happens. What an auditor reads for it is the audit entry
``catalog.resource.import`` (who imported it, from which document, the version and the original
publication time); the version has no review history (``TransitionRecord``) on this platform,
because no review took place here. The description passes the same entry rules as compiling
(``entries.clean_entry``) and the completeness rules of submission (``entries.check_complete``).

``check_importable_entry`` validates one entry without writing, so that a whole document can be
checked before anything is written; ``do_import_published_entry`` validates again and writes,
inside the caller's transaction when there is one (an import of many entries is one transaction).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govdata.core import audit
from govdata.core.actors import ActorRef, Auditable
from govdata.core.errors import Conflict, Invalid
from govdata.orgs.models import Organisation

from .. import queries, search
from ..choices import CLASS_DIGIT, ResourceClass, VersionStatus
from ..entries import ENTRY_FIELDS, Problems, check_complete, clean_entry
from ..models import (
    CodeSequence,
    DataItem,
    InformationSystem,
    Library,
    Resource,
    ResourceVersion,
)
from .resources import organisation_code

# ``<division code>-<class digit>-<organisation code>-<sequence>`` (``next_resource_code``).
RESOURCE_CODE = re.compile(
    r"^(?P<division>\d{6}(?:\d{3}){0,2})-(?P<digit>[123])-(?P<org>[0-9A-Z]{9}|P\d{8})-(?P<seq>\d{5})$"
)
MAX_VERSION = 100_000


@dataclass(frozen=True)
class ImportPlan:
    """One entry that passed every rule: what ``do_import_published_entry`` writes."""

    provider: Organisation
    code: str
    sequence: int
    resource_class: str
    library: Library | None
    version_number: int
    published_at: dt.datetime
    entry: dict[str, Any]
    items: list[dict[str, Any]]


def _check_code(p: Problems, provider: Organisation, code: str, resource_class: str) -> int:
    """The code is well formed, names this provider and class, and is not taken."""
    match = RESOURCE_CODE.match(code or "")
    if match is None:
        p.add("code", _("Not a resource code (division-class-organisation-sequence)."))
        return 0
    if match["division"] != provider.division_code or match["org"] != organisation_code(provider):
        p.add(
            "code",
            _("The code %(code)s does not belong to the provider %(provider)s.")
            % {"code": code, "provider": provider.name},
        )
    if resource_class in CLASS_DIGIT and match["digit"] != CLASS_DIGIT[resource_class]:  # type: ignore[index]
        p.add("code", _("The class digit of the code does not match the resource class."))
    sequence = int(match["seq"])
    if sequence < 1:
        p.add("code", _("Not a resource code (division-class-organisation-sequence)."))
    if Resource.objects.filter(code=code).exists():
        p.add(
            "code", _("The catalog has an entry with the code %(code)s already.") % {"code": code}
        )
    return sequence


def _check_library(
    p: Problems, provider: Organisation, resource_class: str, library_code: str | None
) -> Library | None:
    """CAT-2: a department resource belongs to no database; a base or theme resource to a
    database of its class whose lead department is the provider."""
    if resource_class not in ResourceClass.values:
        p.add("resource_class", _("Not one of the allowed values."))
        return None
    if resource_class == ResourceClass.DEPARTMENT:
        if library_code:
            p.add("library", _("A department resource belongs to no base or theme database."))
        return None
    if not library_code:
        p.add("library", _("Name the base or theme database of this entry."))
        return None
    library = queries.get_library_by_code(library_code)
    if library is None:
        p.add(
            "library",
            _("No base or theme database has the code %(code)s.") % {"code": library_code},
        )
        return None
    if library.resource_class != resource_class:
        p.add("library", _("The database is of another class than the entry."))
    elif library.lead_department_id != provider.pk:
        p.add(
            "library",
            _("Only the lead department compiles the catalog of %(library)s.")
            % {"library": library.name},
        )
    return library


def _check_related(p: Problems, code: str, related: Any, known_codes: Collection[str]) -> list[str]:
    """Related codes name entries of this catalog or of the same import."""
    if not isinstance(related, list) or not all(isinstance(c, str) for c in related):
        p.add("related_codes", _("A list of resource codes."))
        return []
    codes = sorted({c.strip() for c in related if c.strip()})
    if code in codes:
        p.add("related_codes", _("An entry is not related to itself."))
    pending = [c for c in codes if c not in known_codes]
    existing = set(Resource.objects.filter(code__in=pending).values_list("code", flat=True))
    unknown = [c for c in pending if c not in existing]
    if unknown:
        p.add(
            "related_codes",
            _("No catalog entry has the code %(codes)s.") % {"codes": "、".join(unknown[:5])},
        )
    return codes


def check_importable_entry(
    *,
    provider: Organisation,
    code: str,
    resource_class: str,
    library_code: str | None,
    source_system_name: str | None,
    entry: dict[str, Any],
    items: list[dict[str, Any]],
    version_number: int,
    published_at: dt.datetime,
    known_codes: Collection[str] = (),
) -> ImportPlan:
    """Every rule an imported entry must pass, without writing; raises Invalid naming every
    problem by field (``code``, ``resource_class``, ``library``, ``version_number``,
    ``published_at`` and the fields of ``clean_entry``). ``known_codes`` are the codes imported
    together with this one, which related codes may name."""
    p = Problems()
    if not provider.is_active:
        p.add("provider", _("The provider %(name)s is not active.") % {"name": provider.name})
    sequence = _check_code(p, provider, code, resource_class)
    library = _check_library(p, provider, resource_class, library_code)
    if not 1 <= version_number <= MAX_VERSION:
        p.add("version_number", _("A version number from 1 to %(n)d.") % {"n": MAX_VERSION})
    if timezone.is_naive(published_at):
        p.add("published_at", _("A time with its time zone."))
    elif published_at > timezone.now():
        p.add("published_at", _("The publication time lies in the future."))

    description = {k: v for k, v in entry.items() if k in ENTRY_FIELDS}
    description["related_codes"] = []  # checked below: they may name entries of this import
    description["source_system_id"] = None
    system_id = None
    if source_system_name:
        system_id = (
            InformationSystem.objects.filter(organisation=provider, name=source_system_name)
            .values_list("pk", flat=True)
            .first()
        )
        if system_id is None:
            p.add(
                "source_system_id",
                _("The provider has no information system named %(name)s.")
                % {"name": source_system_name},
            )
    related = _check_related(p, code, entry.get("related_codes") or [], known_codes)
    cleaned: dict[str, Any] = {}
    cleaned_items: list[dict[str, Any]] = []
    try:
        cleaned, cleaned_items = clean_entry(description, items, provider=provider)
    except Invalid as exc:
        for field, message in exc.fields.items():
            p.add(field, message)
    else:
        try:
            check_complete(cleaned, cleaned_items)
        except Invalid as exc:
            for field, message in exc.fields.items():
                p.add(field, message)
    p.raise_if_any(_("The imported entry breaks the catalog's rules."))
    cleaned["related_codes"] = related
    cleaned["source_system_id"] = system_id
    return ImportPlan(
        provider=provider,
        code=code,
        sequence=sequence,
        resource_class=resource_class,
        library=library,
        version_number=version_number,
        published_at=published_at,
        entry=cleaned,
        items=cleaned_items,
    )


def do_import_published_entry(
    *,
    actor: Auditable | ActorRef,
    provider: Organisation,
    code: str,
    resource_class: str,
    library_code: str | None,
    source_system_name: str | None,
    entry: dict[str, Any],
    items: list[dict[str, Any]],
    version_number: int,
    published_at: dt.datetime,
    known_codes: Collection[str] = (),
    source: dict[str, Any] | None = None,
) -> Resource:
    """Write one entry published elsewhere as published here (INT-1): the resource with its
    code, its version in the published state, its data items, the search index and the audit
    entry ``catalog.resource.import``, in one transaction. The caller has checked that the actor
    may import (the city data authority's managers, the platform admin, or a platform command).
    Raises Invalid (a rule broken) or Conflict (the code was taken meanwhile); nothing is written
    then. The provider's code sequence is moved past the imported code, so that entries compiled
    here later never get the same code."""
    label = actor.label if isinstance(actor, ActorRef) else actor.audit_ref().label
    with transaction.atomic():
        plan = check_importable_entry(
            provider=provider,
            code=code,
            resource_class=resource_class,
            library_code=library_code,
            source_system_name=source_system_name,
            entry=entry,
            items=items,
            version_number=version_number,
            published_at=published_at,
            known_codes=known_codes,
        )
        sequence, _created = CodeSequence.objects.select_for_update().get_or_create(
            provider=provider, resource_class=plan.resource_class
        )
        CodeSequence.objects.filter(pk=sequence.pk, last__lt=plan.sequence).update(
            last=plan.sequence
        )
        now = timezone.now()
        try:
            with transaction.atomic():
                resource = Resource.objects.create(
                    code=plan.code,
                    resource_class=plan.resource_class,
                    library=plan.library,
                    provider=provider,
                    created_at=now,
                    created_by=label[:200],
                    # The yearly review (CAT-4, G§15) counts from the original publication.
                    last_reviewed_at=plan.published_at,
                )
        except IntegrityError as exc:  # the same code written at this moment by someone else
            raise Conflict(
                _("The catalog has an entry with the code %(code)s already.") % {"code": code},
                code="code_taken",
            ) from exc
        # Published on arrival: the review happened where the entry was published. The row is
        # new, so there is no earlier state to compare and set; the workflow has no deadline in
        # the published state.
        version = ResourceVersion(
            resource=resource,
            number=plan.version_number,
            status=VersionStatus.PUBLISHED,
            state_since=plan.published_at,
            published_at=plan.published_at,
            created_at=now,
            updated_at=now,
            created_by=label[:200],
            **plan.entry,
        )
        version.save(force_insert=True)
        DataItem.objects.bulk_create(DataItem(version=version, **item) for item in plan.items)
        Resource.objects.filter(pk=resource.pk).update(live_version=version)
        resource.live_version = version
        search.index_resource(resource)
        audit.record(
            actor=actor,
            action="catalog.resource.import",
            object_type="catalog.resource",
            object_id=resource.pk,
            details={
                "code": resource.code,
                "provider": provider.pk,
                "class": plan.resource_class,
                "library": plan.library.code if plan.library else None,
                "name": plan.entry["name"],
                "version": plan.version_number,
                "version_id": version.pk,
                "published_at": plan.published_at.isoformat(),
                "items": len(plan.items),
                "source": source or {},
            },
        )
    return resource
