"""Single source (AGG-4, 一数一源): each data item has one authoritative provider.

* The data authority names, for a data item keyed by a resident ID number or a credit code, the
  resource that is authoritative for it (``check_name_source``): a person's name keyed by ID
  number ← the public security bureau's population register. Only the managers of a data
  authority over the provider's area (or the platform admin) may; the authority recorded is the
  most local one they manage there, and its area is the scope of the findings.
* The finding (``find``) looks for (a) published entries of *other* providers in that area that
  gather an item of the same name, keyed by the same kind of identifier — one catalog query —
  and (b) for each whose data are stored, the keys whose value differs from the authoritative
  one: one set-based join of the two tables' current rows (``conflicts_between``), counting
  them and keeping a sample.
* ``find_and_open`` opens a coordination case when other providers gather the item (one open
  case per source; a later run refreshes its figures), and each of them finds a notice in its
  queue (``cases_for_provider``, ``notices_for``). The authority settles the case — which value
  stands, what each provider must do — or closes it with a reason; the providers are told again.
  A weekly job runs the finding for every source (``jobs_single_source``).

Decisions:

* Items are matched by name across entries (the catalog's item names are the shared
  vocabulary). An entry takes part when one of its *key* items has the identifier's type: an
  identifier held outside the key (the holder's credit code on a licence) may belong to someone
  other than the name beside it.
* The authoritative entry must be keyed by that identifier alone, so that a key has exactly one
  authoritative value; another entry's key may be composite (one row per person and year): its
  differing *keys* are counted, each once.
* Values are compared as trimmed text; an empty value on either side is a gap, not a conflict
  (completeness is measured by quality). Two items of the same non-text type (dates, numbers)
  are compared as that type, so that 2.50 equals 2.5.
* Keys are joined as stored: validation has already normalised identifiers (upper-case X), and
  a join on the stored value uses the key's index, which keeps the finding fast at millions of
  rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govdata.catalog import queries as catalog_queries
from govdata.catalog import queries_lists
from govdata.catalog.choices import ItemType
from govdata.catalog.models import DataItem, Resource
from govdata.core import audit
from govdata.core.actors import ActorRef, Auditable, as_ref
from govdata.core.errors import Conflict, Forbidden, Invalid, NotFound, clean_text
from govdata.orgs import queries as org_queries
from govdata.orgs.actors import Actor
from govdata.orgs.choices import OrgKind
from govdata.orgs.models import Organisation

from . import storage
from .models import (
    AuthoritativeSource,
    CoordinationCase,
    CoordinationFinding,
    CoordinationStatus,
    KeyKind,
    ResourceTable,
)
from .storage import Layout, q
from .workflows import WORKFLOW, coordination_workflow, decides

logger = logging.getLogger(__name__)

SAMPLE_SIZE = 100  # differing values kept per finding, to show the provider what to check
TEXT_LIMIT = 2000
TEXT_TYPES = frozenset({ItemType.STRING, ItemType.RIC, ItemType.USCC})
JOB_ACTOR = "single-source"


# --- Who may -------------------------------------------------------------------------------------


def _authority_for(actor: Actor, provider: Organisation) -> Organisation | None:
    """The most local data authority over the provider's area that the actor manages (any, for
    the platform admin)."""
    if actor.is_platform_admin:
        candidates = list(Organisation.objects.filter(kind=OrgKind.AUTHORITY, is_active=True))
    else:
        candidates = actor.managed_authorities
    over = [a for a in candidates if org_queries.in_area(a, provider)]
    return max(over, key=lambda a: len(a.area_prefix), default=None)


def may_name_sources(actor: Actor) -> bool:
    """Managers of some data authority (and the platform admin): who may name a source at all;
    the provider's area is checked on the entry named."""
    return catalog_queries.is_staff(actor) and bool(
        actor.is_platform_admin or actor.managed_authorities
    )


def may_run(actor: Any, source: AuthoritativeSource) -> bool:
    """The platform (a job) or the managers over the authority that named the source."""
    if isinstance(actor, ActorRef):
        return True
    return decides(actor, _case_like(source))


def _case_like(source: AuthoritativeSource) -> CoordinationCase:
    # The workflow's rule reads the case's authority; a source has the same one.
    return CoordinationCase(authority=source.authority)


# --- Reads ---------------------------------------------------------------------------------------


def sources_visible_to(actor: Actor) -> QuerySet[AuthoritativeSource]:
    """Which entry is authoritative for what is known to every government user (so that a
    department knows whom to ask); public users see none."""
    if not catalog_queries.is_staff(actor):
        return AuthoritativeSource.objects.none()
    return AuthoritativeSource.objects.select_related("authority", "resource__provider")


def access_source_by_id(actor: Actor, source_id: int) -> AuthoritativeSource:
    source = sources_visible_to(actor).filter(pk=source_id).first()
    if source is None:
        raise NotFound(_("No such authoritative source."))
    return source


def _own(actor: Actor) -> list[int]:
    return queries_lists.own_organisations(actor) if catalog_queries.is_staff(actor) else []


def cases_visible_to(actor: Actor) -> QuerySet[CoordinationCase]:
    """The authority's managers see the cases of their area; a provider sees the cases that
    concern it (its entry gathers the item, or its entry is the authoritative one)."""
    query = CoordinationCase.objects.select_related(
        "authority", "source__resource__provider", "source__authority"
    )
    if not catalog_queries.is_staff(actor):
        return query.none()
    if actor.is_platform_admin:
        return query
    visible = org_queries.area_filter(actor.managed_authorities, "authority__")
    own = _own(actor)
    if own:
        concerned = CoordinationFinding.objects.filter(case=OuterRef("pk"), provider_id__in=own)
        visible |= Q(Exists(concerned)) | Q(source__resource__provider_id__in=own)
    return query.filter(visible)


def access_case_by_id(actor: Actor, case_id: int) -> CoordinationCase:
    case = cases_visible_to(actor).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such coordination case."))
    return case


def cases_for_provider(
    actor: Actor, *, unacknowledged: bool | None = None
) -> QuerySet[CoordinationCase]:
    """The cases in which one of the actor's organisations is told something: its queue. Those
    with a notice it has not acknowledged come first (``unread``), then the newest;
    ``unacknowledged`` keeps only those (True) or only the others (False)."""
    own = _own(actor)
    if not own:
        return CoordinationCase.objects.none()
    mine = CoordinationFinding.objects.filter(case=OuterRef("pk"), provider_id__in=own)
    cases = CoordinationCase.objects.filter(Exists(mine)).annotate(
        unread=Exists(mine.filter(acknowledged_at__isnull=True))
    )
    if unacknowledged is not None:
        cases = cases.filter(unread=unacknowledged)
    return cases.select_related("authority", "source__resource__provider").order_by(
        "-unread", "-opened_at", "-id"
    )


def read_case(actor: Actor, case_id: int) -> tuple[CoordinationCase, list[CoordinationFinding]]:
    """A case and the findings the actor may see, for a page or the API. The samples are
    other people's personal data: reading them is recorded (SEC-4)."""
    case = access_case_by_id(actor, case_id)
    findings = list(findings_visible_to(actor, case))
    for finding in findings:
        finding.case = case
    shown = [f.pk for f in findings if f.sample]
    if shown:
        audit.record_read(
            actor=actor,
            action=f"{WORKFLOW}.read",
            object_type=WORKFLOW,
            object_id=case.pk,
            details={"findings": shown},
        )
    return case, findings


def notices_for(actor: Actor) -> QuerySet[CoordinationFinding]:
    """The notices of the actor's organisations, unacknowledged first."""
    own = _own(actor)
    return (
        CoordinationFinding.objects.filter(provider_id__in=own)
        .select_related("case__source__resource__provider", "resource", "provider")
        .order_by("-notified_at", "-id")
    )


def findings_visible_to(actor: Actor, case: CoordinationCase) -> QuerySet[CoordinationFinding]:
    """Every finding of the case for the authority; a provider's own for a provider: the sample
    of another provider's values is that provider's data."""
    findings = case.findings.select_related("resource__live_version", "provider").order_by(
        "-conflict_count", "resource__code"
    )
    if decides(actor, case):
        return findings
    return findings.filter(provider_id__in=_own(actor))


def notice_text(finding: CoordinationFinding) -> str:
    """The notice a provider reads, in the reader's language, from the finding's figures."""
    case = finding.case
    source = case.source
    values = {
        "item": source.item_name,
        "resource": finding.resource.code,
        "source": source.resource.code,
        "authority": source.resource.provider.name,
        "count": finding.conflict_count,
    }
    if finding.compared and finding.conflict_count:
        text = _(
            "Your entry %(resource)s gathers the item “%(item)s”, whose authoritative source is "
            "%(source)s of %(authority)s; %(count)d of your values differ from it."
        )
    elif finding.compared:
        text = _(
            "Your entry %(resource)s gathers the item “%(item)s”, whose authoritative source is "
            "%(source)s of %(authority)s; your values agree with it."
        )
    else:
        text = _(
            "Your entry %(resource)s gathers the item “%(item)s”, whose authoritative source is "
            "%(source)s of %(authority)s; its data could not be compared yet."
        )
    text = text % values
    if case.status == CoordinationStatus.SETTLED:
        text += " " + _("Decision: %(decision)s") % {"decision": case.decision}
        if finding.instruction:
            text += " " + _("You must: %(instruction)s") % {"instruction": finding.instruction}
    elif case.status == CoordinationStatus.CLOSED:
        text += " " + _("Closed without action: %(reason)s") % {"reason": case.close_reason}
    return text


# --- Naming the authoritative source ------------------------------------------------------------


def check_name_source(
    *, actor: Actor, resource: Resource, item_name: str, key_kind: str, reason: str
) -> AuthoritativeSource:
    """The data authority names ``resource`` authoritative for the item ``item_name`` keyed by
    ``key_kind`` (AGG-4). The entry must be published, hold the item, and be keyed by that kind
    of identifier alone. One active source per item and key kind in an authority's area."""
    if not may_name_sources(actor) or not catalog_queries.manages_area_of(actor, resource.provider):
        raise Forbidden(
            _("Only the data authority over the provider's area names authoritative sources."),
            code="not_authority",
        )
    reason = clean_text(reason, "reason", TEXT_LIMIT)
    item_name = (item_name or "").strip()
    if key_kind not in KeyKind.values:
        raise Invalid(
            _("The key is a resident ID number or a unified social credit code."),
            code="unknown_key_kind",
            fields={"key_kind": _("Unknown.")},
        )
    version = resource.live_version
    if version is None:
        raise Invalid(
            _("Name a published catalog entry."),
            code="not_published",
            fields={"resource_id": _("Not a published catalog entry.")},
        )
    items = list(version.items.order_by("position"))
    item = next((i for i in items if i.name == item_name), None)
    if item is None:
        raise Invalid(
            _("The entry has no item named %(item)s.") % {"item": item_name},
            code="unknown_item",
            fields={"item_name": _("Not an item of the entry.")},
        )
    keys = [i for i in items if i.is_key]
    if item.is_key:
        raise Invalid(
            _("The key item itself cannot be the item a source is named for."),
            code="item_is_key",
            fields={"item_name": _("A key item.")},
        )
    if len(keys) != 1 or keys[0].item_type != key_kind:
        raise Invalid(
            _(
                "An authoritative entry is keyed by the %(kind)s alone, so that each person or "
                "entity has one authoritative value."
            )
            % {"kind": KeyKind(key_kind).label},
            code="key_mismatch",
            fields={"key_kind": _("Not the entry's only key.")},
        )
    authority = _authority_for(actor, resource.provider)
    if authority is None:
        raise Invalid(_("No data authority oversees the provider's area."), code="no_authority")
    try:
        with transaction.atomic():
            if AuthoritativeSource.objects.filter(
                authority=authority,
                item_name=item_name,
                key_kind=key_kind,
                withdrawn_at__isnull=True,
            ).exists():
                raise IntegrityError("authsource_one_active")
            source = AuthoritativeSource.objects.create(
                authority=authority,
                item_name=item_name,
                key_kind=key_kind,
                resource=resource,
                reason=reason,
                named_at=timezone.now(),
                named_by=actor.label[:200],
            )
            audit.record(
                actor=actor,
                action="dataplane.single_source.name",
                object_type="dataplane.authoritative_source",
                object_id=source.pk,
                details={
                    "authority": authority.pk,
                    "item": item_name,
                    "key_kind": key_kind,
                    "resource": resource.code,
                    "reason": reason,
                },
            )
    except IntegrityError as exc:
        raise Conflict(
            _(
                "An authoritative source is already named for this item; withdraw it before "
                "naming another."
            ),
            code="already_named",
        ) from exc
    return source


def do_withdraw_source(
    *, actor: Actor, source: AuthoritativeSource, reason: str
) -> AuthoritativeSource:
    """The authority withdraws a source (another entry becomes authoritative, or none). Refused
    while a case of it is open: that case is settled or closed first."""
    if not catalog_queries.is_staff(actor) or not may_run(actor, source):
        raise Forbidden(_("You may not withdraw this source."), code="not_authority")
    reason = clean_text(reason, "reason", TEXT_LIMIT)
    if source.cases.filter(status=CoordinationStatus.OPEN).exists():
        raise Conflict(
            _("A coordination case of this source is open; settle or close it first."),
            code="case_open",
        )
    now = timezone.now()
    with transaction.atomic():
        changed = AuthoritativeSource.objects.filter(
            pk=source.pk, withdrawn_at__isnull=True
        ).update(withdrawn_at=now, withdrawn_by=actor.label[:200])
        if changed != 1:
            raise Conflict(_("This source has already been withdrawn."), code="withdrawn")
        audit.record(
            actor=actor,
            action="dataplane.single_source.withdraw",
            object_type="dataplane.authoritative_source",
            object_id=source.pk,
            details={"reason": reason},
        )
    source.withdrawn_at, source.withdrawn_by = now, actor.label[:200]
    return source


# --- The finding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflicts:
    """What one join found: how many keys differ, and a sample of (key, theirs, authoritative)."""

    compared: bool
    count: int = 0
    sample: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    resource: Resource
    key_item: str
    conflicts: Conflicts


@dataclass
class FindingResult:
    source: AuthoritativeSource
    findings: list[Finding]
    case: CoordinationCase | None = None
    opened: bool = False


def duplicates_of(source: AuthoritativeSource) -> QuerySet[Resource]:
    """(a) Published entries of other providers in the authority's area that gather an item of
    the source's name and have a key item of the source's key kind: one catalog query."""
    items = DataItem.objects.filter(version_id=OuterRef("live_version_id"))
    return (
        Resource.objects.filter(live_version__isnull=False)
        .exclude(provider_id=source.resource.provider_id)
        .filter(org_queries.area_filter([source.authority], "provider__"))
        .filter(
            Exists(items.filter(name=source.item_name)),
            Exists(items.filter(is_key=True, item_type=source.key_kind)),
        )
        .select_related("provider", "live_version")
        .order_by("code")
    )


def _key_column(layout: Layout, key_kind: str) -> str | None:
    return next((k for k in layout.key if layout.types[k] == key_kind), None)


def _text(alias: str, column: str) -> str:
    return f"TRIM(CAST({alias}.{q(column)} AS TEXT))"


def _ensure_statistics(*tables: str) -> None:
    """Give the planner statistics of a table that has none yet (fresh from its first load):
    without them both databases guess that few rows are current and walk the ``_batch_to``
    index through the whole table, several times slower, instead of joining along the key
    indexes. Once per table; PostgreSQL's autovacuum keeps them up to date after that."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
                "AND last_analyze IS NULL AND last_autoanalyze IS NULL",
                [list(tables)],
            )
            missing = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            known: set[str] = set()
            if cursor.fetchone():
                cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
                known = {row[0] for row in cursor.fetchall()}
            missing = [t for t in tables if t not in known]
        for table in missing:
            cursor.execute(f"ANALYZE {q(table)}")


def conflicts_between(
    authoritative: ResourceTable,
    other: ResourceTable,
    item_name: str,
    key_kind: str,
    *,
    limit: int = SAMPLE_SIZE,
) -> Conflicts:
    """(b) The keys whose value of ``item_name`` differs between the current rows of ``other``
    and of the authoritative table: one set-based join of the two tables on the key, run twice
    — to count the differing keys (a hash join over both tables, parallel on PostgreSQL) and,
    when there are any, for the first ``limit`` of them in key order (a merge join along both
    key indexes that stops there, a few milliseconds). ``compared`` is False when either table
    lacks the item or the key. Count and sample are two reads: a load committed between them
    may make them disagree by its rows, which the next run corrects."""
    a, o = Layout.of(authoritative), Layout.of(other)
    a_key, o_key = _key_column(a, key_kind), _key_column(o, key_kind)
    if (
        a_key is None
        or o_key is None
        or a.key != [a_key]
        or item_name not in a.visible
        or item_name not in o.visible
    ):
        return Conflicts(compared=False)
    a_type, o_type = a.types[item_name], o.types[item_name]
    if a_type == o_type and a_type not in TEXT_TYPES:
        differs = f"o.{q(item_name)} <> a.{q(item_name)}"
    else:
        theirs, ours = _text("o", item_name), _text("a", item_name)
        differs = f"{theirs} <> '' AND {ours} <> '' AND {theirs} <> {ours}"
    _ensure_statistics(a.table, o.table)
    counted = "count(*)" if o.key == [o_key] else f"count(DISTINCT o.{q(o_key)})"
    join = (
        f"FROM {q(o.table)} o JOIN {q(a.table)} a ON a.{q(a_key)} = o.{q(o_key)} "
        f"AND a.{q('_batch_to')} IS NULL WHERE o.{q('_batch_to')} IS NULL AND {differs}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counted} {join}")
        count = int(cursor.fetchone()[0])
        if not count:
            return Conflicts(compared=True)
        # In key order, so that the join can walk both key indexes and stop at ``limit``.
        cursor.execute(
            f"SELECT o.{q(o_key)}, {_text('o', item_name)}, {_text('a', item_name)} {join} "
            f"ORDER BY 1, 2 LIMIT %s",
            [int(limit)],
        )
        sample = [[str(k), theirs, ours] for k, theirs, ours in cursor.fetchall()]
    return Conflicts(compared=True, count=count, sample=sample)


def find(source: AuthoritativeSource) -> list[Finding]:
    """Both findings for one source: the other entries gathering its item and, for each whose
    data are stored, the differing values. Reads only."""
    authoritative = storage.table_of(source.resource) if source.resource.live_version_id else None
    findings = []
    for resource in duplicates_of(source):
        version = resource.live_version
        assert version is not None
        key_item = (
            version.items.filter(is_key=True, item_type=source.key_kind)
            .order_by("position")
            .values_list("name", flat=True)
            .first()
        ) or ""
        other = storage.table_of(resource)
        conflicts = (
            conflicts_between(authoritative, other, source.item_name, source.key_kind)
            if authoritative is not None and other is not None
            else Conflicts(compared=False)
        )
        findings.append(Finding(resource=resource, key_item=key_item, conflicts=conflicts))
    return findings


def find_and_open(source: AuthoritativeSource, actor: Actor | ActorRef) -> FindingResult:
    """Run the finding for ``source`` and, when other providers gather its item, open a
    coordination case listing them (each is told: the notice enters its queue). While a case of
    the source is open, a new run refreshes its figures and adds providers found since instead
    of opening another. ``actor``: the platform (the weekly job) or the managers over the
    authority that named the source."""
    if not may_run(actor, source):
        raise Forbidden(_("You may not run this finding."), code="not_authority")
    if source.withdrawn_at is not None:
        raise Conflict(_("This source has been withdrawn."), code="withdrawn")
    findings = find(source)  # the long reads, outside the transaction
    now = timezone.now()
    result = FindingResult(source=source, findings=findings)
    with transaction.atomic():
        AuthoritativeSource.objects.select_for_update().filter(pk=source.pk).update(
            last_checked_at=now
        )
        source.last_checked_at = now
        case = CoordinationCase.objects.filter(
            source=source, status=CoordinationStatus.OPEN
        ).first()
        if case is not None:
            _refresh(case, findings, now, actor)
            result.case = case
        elif findings:
            result.case = _open(source, findings, now, actor)
            result.opened = True
    return result


def _finding_values(finding: Finding, now: Any) -> dict[str, Any]:
    return {
        "key_item": finding.key_item,
        "still_gathers": True,
        "compared": finding.conflicts.compared,
        "conflict_count": finding.conflicts.count,
        "sample": finding.conflicts.sample,
        "checked_at": now,
    }


def _summary(findings: list[Finding]) -> dict[str, Any]:
    return {
        "resources": [f.resource.code for f in findings],
        "conflicts": {f.resource.code: f.conflicts.count for f in findings},
    }


def _open(
    source: AuthoritativeSource, findings: list[Finding], now: Any, actor: Auditable | ActorRef
) -> CoordinationCase:
    ref = as_ref(actor)
    case = CoordinationCase(
        source=source,
        authority=source.authority,
        opened_at=now,
        opened_by=ref.label[:200],
        checked_at=now,
    )
    coordination_workflow.start(case)
    try:
        with transaction.atomic():
            case.save(force_insert=True)
    except IntegrityError as exc:  # another run opened one a moment ago (SQLite has no lock)
        raise Conflict(
            _("A coordination case of this source has just been opened."), code="case_open"
        ) from exc
    CoordinationFinding.objects.bulk_create(
        CoordinationFinding(
            case=case,
            resource=f.resource,
            provider_id=f.resource.provider_id,
            notified_at=now,
            **_finding_values(f, now),
        )
        for f in findings
    )
    audit.record(
        actor=ref,
        action=f"{WORKFLOW}.open",
        object_type=WORKFLOW,
        object_id=case.pk,
        details={"source": source.pk, "item": source.item_name, **_summary(findings)},
    )
    return case


def _refresh(
    case: CoordinationCase, findings: list[Finding], now: Any, actor: Auditable | ActorRef
) -> None:
    """New figures for an open case; an entry found since is added (and its provider told); an
    entry that no longer gathers the item stays listed, marked so."""
    known = {f.resource_id: f for f in case.findings.all()}
    for finding in findings:
        values = _finding_values(finding, now)
        if finding.resource.pk in known:
            CoordinationFinding.objects.filter(pk=known[finding.resource.pk].pk).update(**values)
        else:
            CoordinationFinding.objects.create(
                case=case,
                resource=finding.resource,
                provider_id=finding.resource.provider_id,
                notified_at=now,
                **values,
            )
    found = {f.resource.pk for f in findings}
    case.findings.exclude(resource_id__in=found).update(
        still_gathers=False, conflict_count=0, sample=[], checked_at=now
    )
    CoordinationCase.objects.filter(pk=case.pk).update(checked_at=now)
    case.checked_at = now
    audit.record(
        actor=actor,
        action=f"{WORKFLOW}.refresh",
        object_type=WORKFLOW,
        object_id=case.pk,
        details=_summary(findings),
    )


def run_all_findings() -> int:
    """The weekly run: the finding for every active source, each on its own; a source whose
    finding fails is logged and the others still run. Returns how many cases were opened."""
    actor = ActorRef.platform(JOB_ACTOR)
    opened = 0
    sources = AuthoritativeSource.objects.filter(withdrawn_at__isnull=True).select_related(
        "authority", "resource"
    )
    for source in sources.order_by("pk"):
        try:
            opened += find_and_open(source, actor).opened
        except Exception:
            logger.exception("single-source finding failed for source %s", source.pk)
    return opened


# --- Deciding ------------------------------------------------------------------------------------


def _tell_again(case: CoordinationCase, now: Any) -> None:
    """The decision enters every involved provider's queue: each notice is unread again."""
    case.findings.update(notified_at=now, acknowledged_at=None, acknowledged_by="")


def do_settle_case(
    *,
    actor: Actor,
    case: CoordinationCase,
    decision: str,
    instructions: dict[int, str] | None = None,
) -> CoordinationCase:
    """The authority settles an open case: ``decision`` says which value stands, and
    ``instructions`` (finding id → text) what each provider must do. Every provider is told.
    Conflict when the case is no longer open; Forbidden for anyone but the authority."""
    decision = clean_text(decision, "decision", TEXT_LIMIT)
    instructions = instructions or {}
    ids = set(case.findings.values_list("pk", flat=True))
    unknown = sorted(set(instructions) - ids)
    if unknown:
        raise Invalid(
            _("These findings are not part of the case: %(ids)s.")
            % {"ids": ", ".join(map(str, unknown))},
            code="unknown_finding",
            fields={"instructions": _("Unknown finding.")},
        )
    cleaned = {
        pk: clean_text(text, f"instructions.{pk}", TEXT_LIMIT, required=False)
        for pk, text in instructions.items()
    }
    now = timezone.now()
    with transaction.atomic():
        coordination_workflow.transition(
            case,
            "settle",
            actor=actor,
            comment=decision,
            details={"instructions": {str(k): v for k, v in cleaned.items()}},
            extra_updates={"decision": decision, "decided_at": now, "decided_by": actor.label},
        )
        _tell_again(case, now)
        for pk, text in cleaned.items():
            CoordinationFinding.objects.filter(pk=pk, case=case).update(instruction=text)
    return case


def do_close_case(*, actor: Actor, case: CoordinationCase, reason: str) -> CoordinationCase:
    """The authority closes an open case without action, with the reason (the other entries
    gather the item lawfully, the values were found right …). Every provider is told."""
    reason = clean_text(reason, "reason", TEXT_LIMIT)
    now = timezone.now()
    with transaction.atomic():
        coordination_workflow.transition(
            case,
            "close",
            actor=actor,
            comment=reason,
            extra_updates={"close_reason": reason, "decided_at": now, "decided_by": actor.label},
        )
        _tell_again(case, now)
    return case


def acts_for_provider(actor: Actor, finding: CoordinationFinding) -> bool:
    """Whether the actor is of the staff of the finding's provider (who acknowledge it)."""
    return catalog_queries.is_staff(actor) and queries_lists.acts_for(actor, finding.provider_id)


def do_acknowledge_finding(*, actor: Actor, finding: CoordinationFinding) -> CoordinationFinding:
    """The provider's staff acknowledge its notice (the case, or its decision): the record that
    the provider has been told. Conflict when already acknowledged since the last notice."""
    if not acts_for_provider(actor, finding):
        raise Forbidden(_("Only the provider acknowledges its notice."), code="not_provider")
    now = timezone.now()
    with transaction.atomic():
        changed = CoordinationFinding.objects.filter(
            pk=finding.pk, acknowledged_at__isnull=True
        ).update(acknowledged_at=now, acknowledged_by=actor.label[:200])
        if changed != 1:
            raise Conflict(_("This notice has already been acknowledged."), code="acknowledged")
        audit.record(
            actor=actor,
            action=f"{WORKFLOW}.acknowledge",
            object_type=WORKFLOW,
            object_id=finding.case_id,
            details={"finding": finding.pk, "provider": finding.provider_id},
        )
    finding.acknowledged_at, finding.acknowledged_by = now, actor.label[:200]
    return finding


def access_finding(actor: Actor, case: CoordinationCase, finding_id: int) -> CoordinationFinding:
    finding = findings_visible_to(actor, case).filter(pk=finding_id).first()
    if finding is None:
        raise NotFound(_("No such finding."))
    return finding
