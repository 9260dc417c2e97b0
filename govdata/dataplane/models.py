"""What the data plane records about the gathered data (AGG-6).

The rows themselves live in one physical table per resource (``dp_r<resource id>``), created and
altered by ``storage.py`` from the resource's published data items; Django does not model them.
``ResourceTable`` remembers what that table looks like, ``Batch`` is one load into it: who, when,
through which channel, the file's checksum and the counts. A row version is valid from the batch
that wrote it until the batch that replaced or deleted it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from govdata.core.models import WorkflowModel


class BatchKind(models.TextChoices):
    FULL = "full", _("Full load")
    CHANGES = "changes", _("Change set")
    UNDO = "undo", _("Undo")


class BatchChannel(models.TextChoices):
    UPLOAD = "upload", _("Upload")
    PUSH = "push", _("Push")
    PULL = "pull", _("Pull")
    UNDO = "undo", _("Undo")


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMMITTED = "committed", _("Committed")
    FAILED = "failed", _("Failed")


class ResourceTable(models.Model):
    """The physical table of a resource's data: its name, its columns and the version it follows.

    ``columns`` maps an item name to ``{"type": item type, "sql": SQL type, "hidden": bool,
    "key": bool}``; an item removed by a later version stays as a hidden column so that its
    history is kept. ``last_number`` is the last batch number given (locked to number batches)."""

    resource = models.OneToOneField(
        "catalog.Resource",
        on_delete=models.PROTECT,
        related_name="data_table",
        verbose_name=_("resource"),
    )
    table_name = models.CharField(max_length=63, unique=True, verbose_name=_("table name"))
    columns = models.JSONField(default=dict, verbose_name=_("columns"))
    version = models.ForeignKey(
        "catalog.ResourceVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("built from version"),
    )
    last_number = models.PositiveBigIntegerField(default=0)
    # The share of rejected rows above which a whole load is refused; None: the setting
    # GOVDATA_DATAPLANE_MAX_ERROR_RATE.
    max_error_rate = models.FloatField(null=True, blank=True, verbose_name=_("maximum error rate"))
    # The checks (``services.checks_signature``) every current row is known to pass, their rows'
    # fingerprints being those of the text they were read from: a full load under the same
    # checks need not check again a row identical to a current one. Empty: not known.
    checked_under = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("data table")
        verbose_name_plural = _("data tables")

    def __str__(self) -> str:
        return self.table_name


class Batch(models.Model):
    """One numbered load of a resource's data (AGG-6)."""

    resource = models.ForeignKey(
        "catalog.Resource",
        on_delete=models.PROTECT,
        related_name="batches",
        verbose_name=_("resource"),
    )
    number = models.PositiveBigIntegerField(verbose_name=_("batch number"))
    kind = models.CharField(max_length=16, choices=BatchKind.choices, verbose_name=_("kind"))
    channel = models.CharField(
        max_length=16, choices=BatchChannel.choices, verbose_name=_("channel")
    )
    status = models.CharField(
        max_length=16,
        choices=BatchStatus.choices,
        default=BatchStatus.RUNNING,
        verbose_name=_("status"),
    )
    actor_kind = models.CharField(max_length=32, blank=True)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=200, blank=True, verbose_name=_("loaded by"))
    organisation_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    source_name = models.CharField(max_length=255, blank=True, verbose_name=_("source"))
    checksum = models.CharField(max_length=64, blank=True, verbose_name=_("SHA-256 checksum"))
    rows_read = models.PositiveBigIntegerField(default=0, verbose_name=_("rows read"))
    rows_inserted = models.PositiveBigIntegerField(default=0, verbose_name=_("rows inserted"))
    rows_updated = models.PositiveBigIntegerField(default=0, verbose_name=_("rows updated"))
    rows_deleted = models.PositiveBigIntegerField(default=0, verbose_name=_("rows deleted"))
    rows_unchanged = models.PositiveBigIntegerField(default=0, verbose_name=_("rows unchanged"))
    rows_rejected = models.PositiveBigIntegerField(default=0, verbose_name=_("rows rejected"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))
    undoes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="undone_by",
        verbose_name=_("undoes"),
    )

    class Meta:
        ordering = ["resource_id", "number"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="batch_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}#{self.number}"


class LoadStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    READING = "reading", _("Reading and checking")
    WRITING = "writing", _("Writing")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")


# A job in one of these states is still under way (or was, when its worker stopped).
ACTIVE_LOAD_STATES = (LoadStatus.QUEUED, LoadStatus.READING, LoadStatus.WRITING)


class LoadJob(models.Model):
    """One load as the people and systems who started it follow it (AGG-1): the file kept until
    the job ends, the live progress, the loader's confidentiality declaration (AGG-7), and the
    batch it committed. A job that ends without a batch changed nothing."""

    resource = models.ForeignKey(
        "catalog.Resource",
        on_delete=models.PROTECT,
        related_name="load_jobs",
        verbose_name=_("resource"),
    )
    kind = models.CharField(max_length=16, choices=BatchKind.choices, verbose_name=_("kind"))
    channel = models.CharField(
        max_length=16, choices=BatchChannel.choices, verbose_name=_("channel")
    )
    status = models.CharField(
        max_length=16,
        choices=LoadStatus.choices,
        default=LoadStatus.QUEUED,
        verbose_name=_("status"),
    )
    actor_kind = models.CharField(max_length=32, blank=True)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=200, blank=True, verbose_name=_("loaded by"))
    organisation_id = models.BigIntegerField(null=True, blank=True)
    declared_no_secret = models.BooleanField(
        default=False, verbose_name=_("declared to hold no secret data")
    )
    source_name = models.CharField(max_length=255, blank=True, verbose_name=_("source"))
    file_name = models.CharField(max_length=255, blank=True)
    sheet = models.CharField(max_length=100, blank=True, verbose_name=_("sheet"))
    size_bytes = models.PositiveBigIntegerField(default=0, verbose_name=_("size"))
    checksum = models.CharField(max_length=64, blank=True, verbose_name=_("SHA-256 checksum"))
    bytes_read = models.PositiveBigIntegerField(default=0)
    rows_read = models.PositiveBigIntegerField(default=0, verbose_name=_("rows read"))
    rows_accepted = models.PositiveBigIntegerField(default=0, verbose_name=_("rows accepted"))
    rows_rejected = models.PositiveBigIntegerField(default=0, verbose_name=_("rows rejected"))
    rows_warned = models.PositiveBigIntegerField(default=0, verbose_name=_("rows with warnings"))
    error_code = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True, verbose_name=_("error"))
    batch = models.OneToOneField(
        Batch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="job",
        verbose_name=_("batch"),
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("load job")
        verbose_name_plural = _("load jobs")
        indexes = [models.Index(fields=["resource", "-created_at"], name="loadjob_resource_idx")]

    def __str__(self) -> str:
        return f"{self.resource_id} job {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_LOAD_STATES

    @property
    def percent(self) -> int:
        """How far the job is: reading counts to 90, writing to 99, done is 100."""
        if self.status == LoadStatus.DONE:
            return 100
        if self.status == LoadStatus.WRITING:
            return 95
        if not self.size_bytes:
            return 0
        return min(90, int(90 * self.bytes_read / self.size_bytes))


class RejectedRecord(models.Model):
    """A row refused at the door, kept with its reasons so that the provider can correct it and
    send it again (AGG-2)."""

    job = models.ForeignKey(LoadJob, on_delete=models.CASCADE, related_name="rejected")
    row = models.PositiveBigIntegerField(verbose_name=_("row"))
    values = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["job_id", "row"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")

    def __str__(self) -> str:
        return f"job {self.job_id} row {self.row}"


class ItemRule(models.Model):
    """What a value of one data item must be beyond its type (AGG-2): one of a code list, a
    pattern, a range. Set by the provider for its resource; checked at every load."""

    resource = models.ForeignKey(
        "catalog.Resource", on_delete=models.CASCADE, related_name="item_rules"
    )
    item_name = models.CharField(max_length=63, verbose_name=_("item name"))
    codes = models.JSONField(default=list, blank=True, verbose_name=_("code list"))
    pattern = models.CharField(max_length=200, blank=True, verbose_name=_("pattern"))
    minimum = models.CharField(max_length=40, blank=True, verbose_name=_("minimum"))
    maximum = models.CharField(max_length=40, blank=True, verbose_name=_("maximum"))
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["resource_id", "item_name"]
        verbose_name = _("item rule")
        verbose_name_plural = _("item rules")
        constraints = [
            models.UniqueConstraint(fields=["resource", "item_name"], name="itemrule_unique_item")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}.{self.item_name}"


class QualityReport(models.Model):
    """The quality of a resource's data, measured after a load (AGG-3): each dimension as a
    rate from 0 to 1 and the 0–100 score of docs/dataplane.md. ``details`` holds the figures
    behind them (empty rate per item, duplicate keys, rule counts)."""

    resource = models.ForeignKey(
        "catalog.Resource", on_delete=models.CASCADE, related_name="quality_reports"
    )
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="quality_reports"
    )
    measured_at = models.DateTimeField(verbose_name=_("measured at"))
    rows = models.PositiveBigIntegerField(default=0, verbose_name=_("rows"))
    completeness = models.FloatField(verbose_name=_("completeness"))
    validity = models.FloatField(verbose_name=_("validity"))
    uniqueness = models.FloatField(verbose_name=_("uniqueness"))
    consistency = models.FloatField(verbose_name=_("consistency"))
    timeliness = models.FloatField(verbose_name=_("timeliness"))
    score = models.FloatField(verbose_name=_("score"))
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["resource_id", "measured_at", "id"]
        verbose_name = _("quality report")
        verbose_name_plural = _("quality reports")

    def __str__(self) -> str:
        return f"{self.resource_id} {self.measured_at:%Y-%m-%d} {self.score:.0f}"


class PullKind(models.TextChoices):
    SQL = "sql", _("Source database (SQL)")
    HTTP = "http", _("HTTP JSON endpoint")


class PullSource(models.Model):
    """Where the platform fetches a resource's data on its update cycle (AGG-1): a query on the
    department's source database or an HTTP endpoint answering JSON. The credentials are kept
    encrypted; they are never shown again once saved."""

    resource = models.ForeignKey(
        "catalog.Resource", on_delete=models.CASCADE, related_name="pull_sources"
    )
    system = models.ForeignKey(
        "catalog.InformationSystem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pull_sources",
        verbose_name=_("information system"),
    )
    kind = models.CharField(max_length=8, choices=PullKind.choices, verbose_name=_("kind"))
    engine = models.CharField(max_length=16, blank=True, verbose_name=_("database engine"))
    location = models.CharField(
        max_length=500, verbose_name=_("address"), help_text=_("host/database or URL")
    )
    query = models.TextField(blank=True, verbose_name=_("query"))
    secret = models.BinaryField(blank=True, default=b"")
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last run"))
    last_success_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last success"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))

    class Meta:
        ordering = ["resource_id", "id"]
        verbose_name = _("pull source")
        verbose_name_plural = _("pull sources")

    def __str__(self) -> str:
        return f"{self.resource_id} {self.kind} {self.location}"


# --- Single source (AGG-4) ---------------------------------------------------------------------------
# Appended with the single-source feature; the import sits here so that the models above stay
# untouched by it.


class KeyKind(models.TextChoices):
    """What identifies the person or entity a value belongs to: the item type of the key item
    (the values are those of ``catalog.ItemType``)."""

    RIC = "ric", _("Resident ID number")
    USCC = "uscc", _("Unified social credit code")


class AuthoritativeSource(models.Model):
    """The data authority's word on who provides a data item (AGG-4, 一数一源): the item named
    ``item_name``, keyed by a resident ID number or a credit code, comes from ``resource``
    (a person's name keyed by ID number ← the public security bureau's population register).
    Other providers' entries that gather the same item are compared with it."""

    authority = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("data authority"),
    )
    item_name = models.CharField(max_length=63, verbose_name=_("item name"))
    key_kind = models.CharField(max_length=8, choices=KeyKind.choices, verbose_name=_("keyed by"))
    resource = models.ForeignKey(
        "catalog.Resource",
        on_delete=models.PROTECT,
        related_name="authoritative_for",
        verbose_name=_("authoritative resource"),
    )
    reason = models.TextField(verbose_name=_("reason"))
    named_at = models.DateTimeField(verbose_name=_("named at"))
    named_by = models.CharField(max_length=200, verbose_name=_("named by"))
    withdrawn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("withdrawn at"))
    withdrawn_by = models.CharField(max_length=200, blank=True, verbose_name=_("withdrawn by"))
    last_checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last checked"))

    class Meta:
        ordering = ["item_name", "key_kind", "id"]
        verbose_name = _("authoritative source")
        verbose_name_plural = _("authoritative sources")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "item_name", "key_kind"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="authsource_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_name}/{self.key_kind} ← {self.resource_id}"


class CoordinationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SETTLED = "settled", _("Settled")
    CLOSED = "closed", _("Closed without action")


class CoordinationCase(WorkflowModel):
    """A coordination case (AGG-4, E§7): other providers gather an item that has an
    authoritative source, and may hold values that differ from it. The data authority settles
    it (which value stands, what each provider must do) or closes it with a reason, by the
    working-day deadline ``dataplane.coordination``. One open case per source at a time."""

    source = models.ForeignKey(
        AuthoritativeSource,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("authoritative source"),
    )
    authority = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("data authority"),
    )
    opened_at = models.DateTimeField(verbose_name=_("opened at"))
    opened_by = models.CharField(max_length=200, verbose_name=_("opened by"))
    checked_at = models.DateTimeField(verbose_name=_("last checked"))
    decision = models.TextField(blank=True, verbose_name=_("decision"))
    close_reason = models.TextField(blank=True, verbose_name=_("reason for closing"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decided_by = models.CharField(max_length=200, blank=True, verbose_name=_("decided by"))

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("coordination case")
        verbose_name_plural = _("coordination cases")
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=models.Q(status="open"),
                name="coordination_one_open",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_on"], condition=models.Q(status="open"), name="coordination_due_idx"
            )
        ]

    def __str__(self) -> str:
        # Shown in the task list: the item the case is about (its source is fetched with it).
        return f"{self.source.item_name} #{self.pk}"


class CoordinationFinding(models.Model):
    """One other provider's part in a case, and the notice it is given: its entry that gathers
    the item, how many of its values differ from the authoritative ones (with a sample of key,
    its value, the authoritative value), when it was told, what it must do, and when its staff
    acknowledged the notice. Settling or closing the case tells it again."""

    case = models.ForeignKey(CoordinationCase, on_delete=models.CASCADE, related_name="findings")
    resource = models.ForeignKey(
        "catalog.Resource", on_delete=models.PROTECT, related_name="+", verbose_name=_("resource")
    )
    provider = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    key_item = models.CharField(max_length=63, verbose_name=_("key item"))
    still_gathers = models.BooleanField(default=True, verbose_name=_("still gathers the item"))
    compared = models.BooleanField(default=False, verbose_name=_("data compared"))
    conflict_count = models.PositiveBigIntegerField(default=0, verbose_name=_("differing values"))
    sample = models.JSONField(default=list, blank=True, verbose_name=_("sample"))
    checked_at = models.DateTimeField(verbose_name=_("last checked"))
    notified_at = models.DateTimeField(verbose_name=_("told at"))
    instruction = models.TextField(blank=True, verbose_name=_("what the provider must do"))
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged"))
    acknowledged_by = models.CharField(
        max_length=200, blank=True, verbose_name=_("acknowledged by")
    )

    class Meta:
        ordering = ["case_id", "-conflict_count", "id"]
        verbose_name = _("coordination finding")
        verbose_name_plural = _("coordination findings")
        constraints = [
            models.UniqueConstraint(fields=["case", "resource"], name="finding_unique_resource")
        ]
        indexes = [
            models.Index(
                fields=["provider"],
                condition=models.Q(acknowledged_at__isnull=True),
                name="finding_unacknowledged_idx",
            )
        ]

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.resource_id} ({self.conflict_count})"
