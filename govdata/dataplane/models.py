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
