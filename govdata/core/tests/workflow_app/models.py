from django.db import models

from govdata.core.models import WorkflowModel


class Ticket(WorkflowModel):
    """A request an organisation files and a reviewer answers within working days."""

    title = models.CharField(max_length=100)
    organisation_id = models.BigIntegerField()
    reminders = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return self.title
