from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govdata.core.models import WorkflowModel

from .choices import AccountRequestKind, Level, OrgKind, PersonKind, PublicUserType, Role


class Organisation(models.Model):
    """A body that holds, provides or uses government data (ORG-1, ORG-2): a department, a data
    authority, a public service organisation …, placed in the tree of administrative levels.
    Owned by the data authority of its area."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    short_name = models.CharField(max_length=60, blank=True, verbose_name=_("short name"))
    kind = models.CharField(max_length=32, choices=OrgKind.choices, verbose_name=_("kind"))
    level = models.CharField(max_length=16, choices=Level.choices, verbose_name=_("level"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    division_code = models.CharField(max_length=12, db_index=True, verbose_name=_("division code"))
    # The prefix of the division codes inside this organisation's area (core.identifiers).
    area_prefix = models.CharField(max_length=12, db_index=True, editable=False)
    uscc = models.CharField(
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        verbose_name=_("unified social credit code"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["division_code", "kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="org_unique_name_under_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class PersonManager(BaseUserManager["Person"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields):
        person = self.model(username=username, **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, username: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(username, password, **fields)


class Person(AbstractBaseUser, PermissionsMixin):
    """Someone who logs in: staff of an organisation (roles in ``RoleAssignment``) or a registered
    public user with real-name identity (ORG-3, ORG-4)."""

    username = models.CharField(max_length=64, unique=True, verbose_name=_("user name"))
    full_name = models.CharField(max_length=100, verbose_name=_("full name"))
    kind = models.CharField(max_length=16, choices=PersonKind.choices, default=PersonKind.STAFF)
    email = models.EmailField(blank=True, verbose_name=_("email"))
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"))
    public_type = models.CharField(
        max_length=20,
        choices=PublicUserType.choices,
        blank=True,
        verbose_name=_("public user type"),
    )
    # Resident ID number for natural persons, credit code for organisations (ORG-4).
    id_number = models.CharField(max_length=18, blank=True, verbose_name=_("identity number"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    is_staff = models.BooleanField(default=False, verbose_name=_("may use the admin"))
    date_joined = models.DateTimeField(default=timezone.now)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True, verbose_name=_("locked until"))

    objects = PersonManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["username"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~models.Q(id_number=""),
                name="person_unique_id_number",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    """A role a person holds in one organisation (ORG-3). A person may hold several."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="roles")
    role = models.CharField(max_length=32, choices=Role.choices, verbose_name=_("role"))
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation_id", "role", "person_id"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation", "role"], name="role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.organisation} · {self.get_role_display()}"


class SystemAccount(models.Model):
    """A department's business system that calls the platform's API in the department's name
    (ORG-3: every action is done by a person or a registered system)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="systems")
    name = models.CharField(max_length=100, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation_id", "name"]
        verbose_name = _("system account")
        verbose_name_plural = _("system accounts")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="system_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A key a system account authenticates with. Only a SHA-256 hash of the secret is kept: the
    secret is 256 random bits, so a slow password hash would add cost without adding safety. The
    full key is shown once, when issued."""

    system_account = models.ForeignKey(SystemAccount, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    label = models.CharField(max_length=100, blank=True, verbose_name=_("label"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    revoked_by = models.CharField(max_length=200, blank=True)
    allowed_ips = models.JSONField(default=list, blank=True, verbose_name=_("allowed addresses"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used"))
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AccountRequest(WorkflowModel):
    """A department's request to create, change or cancel an account of its staff, answered by
    the data authority of its area within 5 working days (ORG-4, Y§21)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="account_requests"
    )
    kind = models.CharField(
        max_length=16, choices=AccountRequestKind.choices, verbose_name=_("kind")
    )
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account_requests",
        verbose_name=_("account"),
    )
    username = models.CharField(max_length=64, blank=True, verbose_name=_("user name"))
    full_name = models.CharField(max_length=100, blank=True, verbose_name=_("full name"))
    roles = models.JSONField(default=list, blank=True, verbose_name=_("roles"))
    reason = models.TextField(verbose_name=_("reason"))
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("account request")
        verbose_name_plural = _("account requests")
        indexes = [
            models.Index(
                fields=["due_on"],
                name="account_request_due_idx",
                condition=models.Q(status="submitted"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.username or self.person} · {self.organisation}"
