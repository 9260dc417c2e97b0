from django.db import models
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    PERSON = "person", _("Person")
    SYSTEM = "system", _("System account")
    PLATFORM = "platform", _("Platform")
    ANONYMOUS = "anonymous", _("Anonymous")


class CalendarSource(models.TextChoices):
    SEED = "seed", _("Shipped calendar")
    NOTICE = "notice", _("Holiday notice entered by the authority")


class HashAlgorithm(models.TextChoices):
    SHA256 = "sha256", "SHA-256"
    SM3 = "sm3", "SM3"
