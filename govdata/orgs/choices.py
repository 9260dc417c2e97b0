from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    """ORG-2: the kinds of organisation the regulations name."""

    AUTHORITY = "authority", _("Data authority")
    DEPARTMENT = "department", _("Government department")
    PUBLIC_SERVICE = "public_service", _("Public service organisation")
    LEADING_GROUP = "leading_group", _("Leading group office")
    EXPERT_COMMITTEE = "expert_committee", _("Expert committee")
    SECURITY_REGULATOR = "security_regulator", _("Security regulator")
    AUTHORISED_OPERATOR = "authorised_operator", _("Authorised operator")


class Level(models.TextChoices):
    """ORG-1: administrative levels, top down."""

    CITY = "city", _("City")
    COUNTY = "county", _("County / district")
    TOWNSHIP = "township", _("Township / street")
    VILLAGE = "village", _("Village / community")


LEVEL_ORDER = [Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]


class Role(models.TextChoices):
    """ORG-3: roles a person holds inside an organisation."""

    CHIEF_DATA_OFFICER = "chief_data_officer", _("Chief data officer")
    DATA_EXECUTIVE = "data_executive", _("Data executive")
    DATA_STAFF = "data_staff", _("Data staff")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    REVIEWER = "reviewer", _("Reviewer")
    EXPERT = "expert", _("Expert")
    AUDITOR = "auditor", _("Auditor")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


# Who manages an organisation's people and system accounts.
MANAGING_ROLES = frozenset({Role.CHIEF_DATA_OFFICER, Role.DATA_EXECUTIVE, Role.ORG_ADMIN})


class PersonKind(models.TextChoices):
    STAFF = "staff", _("Staff of an organisation")
    PUBLIC = "public", _("Public user")


class PublicUserType(models.TextChoices):
    """ORG-2, Y§2: natural persons, legal persons and unincorporated organisations."""

    NATURAL_PERSON = "natural_person", _("Natural person")
    LEGAL_PERSON = "legal_person", _("Legal person")
    UNINCORPORATED = "unincorporated", _("Unincorporated organisation")


class AccountRequestKind(models.TextChoices):
    """ORG-4, Y§21: what a department asks the data authority to do with an account."""

    CREATE = "create", _("Create an account")
    CHANGE = "change", _("Change roles")
    CANCEL = "cancel", _("Cancel an account")


class AccountRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
