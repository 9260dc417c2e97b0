"""The catalog's tables (CAT-1..8). Owned by the catalog app; other apps read them through
``catalog.queries`` and change them through ``catalog.services``.

A ``Resource`` is the lasting identity of one catalog entry: its code, class and provider. What it
says lives in its ``ResourceVersion`` rows, each with its own ``DataItem`` rows: a version is
compiled, reviewed up the levels and published, and a later version supersedes it while the
published one stays live until then (CAT-4). Every version is kept.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govdata.core.models import WorkflowModel
from govdata.orgs.models import Organisation

from .choices import (
    OPEN_VERSION_STATES,
    DataForm,
    DemandAnswer,
    DemandStatus,
    Domain,
    Importance,
    ItemType,
    MaintenanceTrigger,
    OpenType,
    ResourceClass,
    SecurityLevel,
    Sensitivity,
    ShareType,
    SystemStatus,
    UpdateCycle,
    ZombieRule,
)


class Library(models.Model):
    """A base database (population, legal entities …) or a theme database, whose catalog its lead
    department compiles (CAT-2, B§9)."""

    resource_class = models.CharField(
        max_length=16, choices=ResourceClass.choices, verbose_name=_("class")
    )
    code = models.SlugField(max_length=40, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    lead_department = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead department")
    )
    description = models.TextField(blank=True, verbose_name=_("description"))

    class Meta:
        ordering = ["resource_class", "code"]
        verbose_name = _("base or theme database")
        verbose_name_plural = _("base and theme databases")

    def __str__(self) -> str:
        return self.name


class InformationSystem(models.Model):
    """A department's business system (CAT-7): the source of its resources, accepted only with
    published catalog entries and a connection to the platform; stopping it is filed beforehand."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="information_systems"
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    status = models.CharField(
        max_length=16,
        choices=SystemStatus.choices,
        default=SystemStatus.PLANNED,
        verbose_name=_("status"),
    )
    # Set by the data plane when the system delivers data to the platform (AGG-1).
    connected_at = models.DateTimeField(null=True, blank=True, verbose_name=_("connected at"))
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("accepted at"))
    stop_planned_on = models.DateField(null=True, blank=True, verbose_name=_("planned stop"))
    stop_reason = models.TextField(blank=True, verbose_name=_("reason for stopping"))
    stop_filed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("stop filed at"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation_id", "name"]
        verbose_name = _("information system")
        verbose_name_plural = _("information systems")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="infosystem_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """One entry of the catalog: a data resource a provider holds (CAT-1). The code never changes;
    ``live_version`` is the published version everyone reads."""

    code = models.CharField(max_length=48, unique=True, verbose_name=_("resource code"))
    resource_class = models.CharField(
        max_length=16, choices=ResourceClass.choices, verbose_name=_("resource class")
    )
    library = models.ForeignKey(
        Library,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
        verbose_name=_("base or theme database"),
    )
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="resources", verbose_name=_("provider")
    )
    live_version = models.ForeignKey(
        "ResourceVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published version"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=200, blank=True)
    # When the entry was last published or confirmed unchanged by a yearly review (CAT-4, G§15).
    last_reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.code


class CodeSequence(models.Model):
    """The last sequence number given to a provider's resources of one class (resource codes)."""

    provider = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    resource_class = models.CharField(max_length=16, choices=ResourceClass.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "resource_class"], name="code_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}/{self.resource_class}: {self.last}"


class ResourceVersion(WorkflowModel):
    """One version of a catalog entry's description, with its data items. Compiled by the
    provider, reviewed up the levels (CAT-3), published; kept for ever (CAT-4)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(verbose_name=_("version"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    domain = models.CharField(max_length=32, choices=Domain.choices, verbose_name=_("domain"))
    data_form = models.CharField(
        max_length=32, choices=DataForm.choices, verbose_name=_("data form")
    )
    data_format = models.CharField(max_length=60, blank=True, verbose_name=_("data format"))
    share_type = models.CharField(
        max_length=16, choices=ShareType.choices, verbose_name=_("share type")
    )
    share_conditions = models.TextField(blank=True, verbose_name=_("share conditions"))
    share_methods = models.JSONField(default=list, blank=True, verbose_name=_("share methods"))
    share_basis = models.TextField(blank=True, verbose_name=_("legal basis for sharing"))
    open_type = models.CharField(
        max_length=16, choices=OpenType.choices, verbose_name=_("open type")
    )
    open_conditions = models.TextField(blank=True, verbose_name=_("open conditions"))
    open_basis = models.TextField(blank=True, verbose_name=_("legal basis for opening"))
    update_cycle = models.CharField(
        max_length=16, choices=UpdateCycle.choices, verbose_name=_("update cycle")
    )
    source_system = models.ForeignKey(
        InformationSystem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("source information system"),
    )
    collecting_org = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("collecting department"),
    )
    approving_org = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approving department"),
    )
    sensitivity = models.CharField(
        max_length=16, choices=Sensitivity.choices, verbose_name=_("sensitivity")
    )
    importance = models.CharField(
        max_length=16,
        choices=Importance.choices,
        default=Importance.GENERAL,
        verbose_name=_("data category"),
    )
    security_level = models.PositiveSmallIntegerField(
        choices=SecurityLevel.choices, default=SecurityLevel.L1, verbose_name=_("security level")
    )
    usage_requirements = models.TextField(blank=True, verbose_name=_("usage requirements"))
    related_codes = models.JSONField(default=list, blank=True, verbose_name=_("related resources"))
    change_reason = models.TextField(blank=True, verbose_name=_("reason for the change"))
    maintenance_task = models.ForeignKey(
        "MaintenanceTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.CharField(max_length=200, blank=True, verbose_name=_("created by"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))
    # Moved by every edit: an edit names the value it read, so that two editors cannot overwrite
    # each other unnoticed.
    edit_seq = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))

    class Meta:
        ordering = ["resource_id", "-number"]
        verbose_name = _("resource version")
        verbose_name_plural = _("resource versions")
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="version_unique_number"),
            # At most one version of an entry is being compiled or reviewed at a time.
            models.UniqueConstraint(
                fields=["resource"],
                condition=Q(status__in=sorted(OPEN_VERSION_STATES)),
                name="version_one_open",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                name="version_review_due_idx",
                condition=Q(status__in=["county_review", "city_review"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class DataItem(models.Model):
    """One data item (信息项) of a version: what the data plane makes a column of (CAT-1)."""

    version = models.ForeignKey(ResourceVersion, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    name = models.CharField(max_length=63, verbose_name=_("item name"))
    label = models.CharField(max_length=100, verbose_name=_("Chinese label"))
    item_type = models.CharField(max_length=16, choices=ItemType.choices, verbose_name=_("type"))
    length = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("length"))
    is_key = models.BooleanField(default=False, verbose_name=_("key"))
    is_required = models.BooleanField(default=False, verbose_name=_("required"))
    is_personal = models.BooleanField(default=False, verbose_name=_("personal information"))
    security_level = models.PositiveSmallIntegerField(
        choices=SecurityLevel.choices, default=SecurityLevel.L1, verbose_name=_("security level")
    )
    description = models.CharField(max_length=500, blank=True, verbose_name=_("description"))

    class Meta:
        ordering = ["version_id", "position"]
        verbose_name = _("data item")
        verbose_name_plural = _("data items")
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="item_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.name})"


class MaintenanceTask(WorkflowModel):
    """A duty to revisit a published entry by a working-day deadline (CAT-4, G§15, A§12): a change
    of law or duties, a change of circumstances, the yearly review, a system upgrade."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="maintenance_tasks"
    )
    trigger = models.CharField(
        max_length=32, choices=MaintenanceTrigger.choices, verbose_name=_("trigger")
    )
    reason = models.TextField(verbose_name=_("reason"))
    raised_by = models.CharField(max_length=200, blank=True, verbose_name=_("raised by"))
    raised_at = models.DateTimeField(default=timezone.now, verbose_name=_("raised at"))
    answer = models.TextField(blank=True, verbose_name=_("answer"))

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("maintenance task")
        verbose_name_plural = _("maintenance tasks")
        indexes = [
            models.Index(fields=["due_on"], name="maintenance_due_idx", condition=Q(status="open"))
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} · {self.resource}"


class Demand(WorkflowModel):
    """A line of the demand list (CAT-6, B§16): data a department needs, why and on what basis;
    met from the catalog, or sent to the department responsible and tracked to an answer."""

    requester = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="data_demands"
    )
    title = models.CharField(max_length=200, verbose_name=_("data needed"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    purpose = models.TextField(verbose_name=_("purpose"))
    basis = models.TextField(verbose_name=_("basis"))
    responsible = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands_to_answer",
        verbose_name=_("responsible department"),
    )
    resource = models.ForeignKey(
        Resource,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demands",
        verbose_name=_("resource that meets it"),
    )
    answer = models.TextField(blank=True, verbose_name=_("answer"))
    answer_outcome = models.CharField(
        max_length=16, blank=True, choices=DemandAnswer.choices, verbose_name=_("outcome")
    )
    answer_basis = models.TextField(blank=True, verbose_name=_("legal basis of a refusal"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("data demand")
        verbose_name_plural = _("data demands")
        indexes = [
            models.Index(
                fields=["due_on"],
                name="demand_due_idx",
                condition=Q(status=DemandStatus.ASSIGNED),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Responsibility(models.Model):
    """A line of the responsibility list (CAT-6, B§16): data a department must provide, by when,
    and the entry that fulfils it once catalogued."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="data_responsibilities"
    )
    title = models.CharField(max_length=200, verbose_name=_("data to provide"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    basis = models.TextField(verbose_name=_("duty basis"))
    due_on = models.DateField(null=True, blank=True, verbose_name=_("due on"))
    resource = models.ForeignKey(
        Resource,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsibilities",
        verbose_name=_("catalog entry"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation_id", "title"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibility list")

    def __str__(self) -> str:
        return self.title


class ListPublication(models.Model):
    """A dated publication of the demand or responsibility list by the data authority (CAT-6):
    what was published is kept as it was."""

    KIND_CHOICES = [("demand", _("Demand list")), ("responsibility", _("Responsibility list"))]

    kind = models.CharField(max_length=16, choices=KIND_CHOICES, verbose_name=_("list"))
    authority = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now, verbose_name=_("published at"))
    published_by = models.CharField(max_length=200, blank=True)
    entries = models.JSONField(default=list)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("list publication")
        verbose_name_plural = _("list publications")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.published_at:%Y-%m-%d}"


class ZombieFlag(models.Model):
    """An entry flagged for clean-up by one rule, with the reason (CAT-5, B§35); cleared when the
    rule no longer holds."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="zombie_flags")
    rule = models.CharField(max_length=16, choices=ZombieRule.choices, verbose_name=_("rule"))
    reason = models.CharField(max_length=300, verbose_name=_("reason"))
    flagged_at = models.DateTimeField(default=timezone.now, verbose_name=_("flagged at"))
    cleared_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cleared at"))

    class Meta:
        ordering = ["-flagged_at"]
        verbose_name = _("zombie flag")
        verbose_name_plural = _("zombie flags")
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "rule"],
                condition=Q(cleared_at__isnull=True),
                name="zombie_one_open_flag",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.get_rule_display()}"


class SearchEntry(models.Model):
    """What search reads of a published entry (CAT-8): the facets of its live version. Rewritten
    in the transaction that publishes a version."""

    resource = models.OneToOneField(
        Resource, primary_key=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    name = models.CharField(max_length=200)
    provider = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    domain = models.CharField(max_length=32, choices=Domain.choices)
    resource_class = models.CharField(max_length=16, choices=ResourceClass.choices)
    share_type = models.CharField(max_length=16, choices=ShareType.choices)
    open_type = models.CharField(max_length=16, choices=OpenType.choices)
    data_form = models.CharField(max_length=32, choices=DataForm.choices)
    update_cycle = models.CharField(max_length=16, choices=UpdateCycle.choices)
    published_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["open_type"], name="search_open_idx"),
            models.Index(fields=["share_type"], name="search_share_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class SearchPosting(models.Model):
    """One term of a published entry and how much it weighs there (name over items over summary)."""

    term = models.CharField(max_length=64)
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="postings")
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["term", "entry"], name="posting_term_idx")]

    def __str__(self) -> str:
        return f"{self.term} → {self.entry_id}"
