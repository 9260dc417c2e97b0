from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ActorKind, CalendarSource, HashAlgorithm


class CalendarYear(models.Model):
    """A year whose official holiday arrangement the platform knows (CAL-1).

    Seeded for every year the chinese-calendar package ships; the data authority enters later years
    from the State Council's yearly notice. Deadlines that reach into a year absent here are
    counted Monday to Friday and marked provisional.
    """

    year = models.PositiveSmallIntegerField(primary_key=True, verbose_name=_("year"))
    source = models.CharField(
        max_length=16, choices=CalendarSource.choices, verbose_name=_("source")
    )
    notice = models.CharField(max_length=200, blank=True, verbose_name=_("notice reference"))
    entered_at = models.DateTimeField(auto_now=True, verbose_name=_("entered at"))
    entered_by = models.CharField(max_length=200, blank=True, verbose_name=_("entered by"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that breaks the Monday-to-Friday rule: a holiday on a weekday or a make-up working
    weekend (调休). Only such exceptions are stored; every other day follows its weekday."""

    date = models.DateField(primary_key=True, verbose_name=_("date"))
    is_working_day = models.BooleanField(verbose_name=_("working day"))
    name = models.CharField(max_length=100, blank=True, verbose_name=_("name"))
    source = models.CharField(
        max_length=16, choices=CalendarSource.choices, verbose_name=_("source")
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {'working' if self.is_working_day else 'holiday'}"


class CalendarRevision(models.Model):
    """A counter moved by every change of the calendar, so that every process (web nodes,
    workers) notices within seconds that its in-memory calendar is stale. One row (id 1)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    revision = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return f"calendar revision {self.revision}"


class AuditChainHead(models.Model):
    """The last link of the audit chain: its sequence number and hash. One row (id 1); writers of
    chained entries lock it, which is what keeps the chain one unbroken line under concurrency."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"link {self.seq}"


class AuditSeal(models.Model):
    """A link of the chain that seals a batch of high-volume entries (data reads): it hashes their
    entry hashes in id order and chains to the previous link, like X-Road's batch time-stamps."""

    chain_seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    entry_count = models.PositiveIntegerField()
    first_entry_id = models.BigIntegerField()
    last_entry_id = models.BigIntegerField()
    hash_alg = models.CharField(max_length=8, choices=HashAlgorithm.choices)
    batch_hash = models.CharField(max_length=64)
    chain_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["chain_seq"]
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")

    def __str__(self) -> str:
        return f"seal {self.chain_seq} ({self.entry_count})"


class AuditEntry(models.Model):
    """One recorded action (SEC-4): who, for which organisation, did what to which object, when.

    Append-only. A state change is chained at once (``chain_seq`` and ``chain_hash`` set); a
    high-volume entry is written with its own ``entry_hash`` only and later sealed (``seal`` set,
    the one change the table accepts). On PostgreSQL a trigger refuses every other UPDATE and
    every DELETE; TRUNCATE is taken from the application's role (docs/deploy.md).
    """

    at = models.DateTimeField(db_index=True, verbose_name=_("time"))
    actor_kind = models.CharField(
        max_length=16, choices=ActorKind.choices, verbose_name=_("actor kind")
    )
    actor_id = models.CharField(max_length=64, verbose_name=_("actor id"))
    actor_label = models.CharField(max_length=200, verbose_name=_("actor"))
    organisation_id = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("organisation id")
    )
    organisation_label = models.CharField(
        max_length=200, blank=True, verbose_name=_("organisation")
    )
    action = models.CharField(max_length=100, db_index=True, verbose_name=_("action"))
    object_type = models.CharField(max_length=100, blank=True, verbose_name=_("object type"))
    object_id = models.CharField(max_length=64, blank=True, verbose_name=_("object id"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    hash_alg = models.CharField(max_length=8, choices=HashAlgorithm.choices)
    entry_hash = models.CharField(max_length=64)
    chain_seq = models.BigIntegerField(null=True, blank=True, unique=True)
    chain_hash = models.CharField(max_length=64, blank=True)
    seal = models.ForeignKey(
        AuditSeal, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["organisation_id", "at"], name="audit_org_at_idx"),
            models.Index(
                fields=["id"],
                name="audit_unsealed_idx",
                condition=models.Q(chain_seq__isnull=True, seal__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class TransitionRecord(models.Model):
    """History of every workflow object: each transition and each lapsed deadline, with who, when
    and the comment given. One table for all workflows, keyed by workflow name and object id."""

    workflow = models.CharField(max_length=64, verbose_name=_("workflow"))
    object_id = models.BigIntegerField(verbose_name=_("object id"))
    transition = models.CharField(max_length=64, verbose_name=_("transition"))
    from_state = models.CharField(max_length=32, blank=True, verbose_name=_("from"))
    to_state = models.CharField(max_length=32, verbose_name=_("to"))
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=64)
    actor_label = models.CharField(max_length=200, verbose_name=_("by"))
    organisation_id = models.BigIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, verbose_name=_("comment"))
    at = models.DateTimeField(verbose_name=_("time"))

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["workflow", "object_id"], name="transition_object_idx")]
        verbose_name = _("transition record")
        verbose_name_plural = _("transition records")

    def __str__(self) -> str:
        return f"{self.workflow}#{self.object_id} {self.transition}"


class WorkflowModel(models.Model):
    """Base of every object that moves through a regulated procedure (STYLE.md "Conventions").

    The state is never written directly: ``core.workflow.Workflow.transition`` changes it with a
    compare-and-set update. ``due_on`` is the last working day to act in the current state.
    """

    status = models.CharField(max_length=32, db_index=True, verbose_name=_("status"))
    state_since = models.DateTimeField(null=True, blank=True, verbose_name=_("in this state since"))
    due_on = models.DateField(null=True, blank=True, db_index=True, verbose_name=_("due on"))
    due_days = models.PositiveSmallIntegerField(null=True, blank=True)
    due_provisional = models.BooleanField(default=False, verbose_name=_("provisional deadline"))
    lapsed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("lapsed at"))

    class Meta:
        abstract = True

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Past its deadline: the due day has gone by (a final state has no deadline)."""
        return self.due_on is not None and self.due_on < (today or timezone.localdate())


__all__ = [
    "AuditChainHead",
    "AuditEntry",
    "AuditSeal",
    "CalendarDay",
    "CalendarRevision",
    "CalendarYear",
    "TransitionRecord",
    "WorkflowModel",
]
