"""Every status, type and kind of the catalog (CAT-1..8, SEC-1), named as GLOSSARY.md names them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceClass(models.TextChoices):
    """CAT-2: base databases, theme databases and departments' own resources. The digit in the
    resource code follows this order."""

    BASE = "base", _("Base resource")
    THEME = "theme", _("Theme resource")
    DEPARTMENT = "department", _("Department resource")


CLASS_DIGIT = {ResourceClass.BASE: "1", ResourceClass.THEME: "2", ResourceClass.DEPARTMENT: "3"}


class Domain(models.TextChoices):
    """Subject domains (主题分类) of the national catalog guide, shortened to what a city uses."""

    GOVERNANCE = "governance", _("General government affairs")
    ECONOMY = "economy", _("Economy and market regulation")
    LAND = "land", _("Land, resources and energy")
    TRANSPORT = "transport", _("Industry and transport")
    CONSTRUCTION = "construction", _("Urban construction and housing")
    ENVIRONMENT = "environment", _("Ecology and environment")
    AGRICULTURE = "agriculture", _("Agriculture and water")
    FINANCE = "finance", _("Finance and tax")
    COMMERCE = "commerce", _("Commerce, trade and tourism")
    GEOGRAPHY = "geography", _("Weather, surveying and geography")
    LAW = "law", _("Public security and justice")
    EDUCATION = "education", _("Education, science and culture")
    HEALTH = "health", _("Health and medical care")
    SOCIAL_SECURITY = "social_security", _("Labour and social security")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs and communities")
    CREDIT = "credit", _("Credit")
    SAFETY = "safety", _("Emergencies and safety")
    OTHER = "other", _("Other")


class DataForm(models.TextChoices):
    """The form of the data (信息资源格式类型 of the national guide)."""

    DATABASE = "database", _("Database")
    SPREADSHEET = "spreadsheet", _("Spreadsheet")
    DOCUMENT = "document", _("Electronic document")
    IMAGE = "image", _("Image or map")
    STREAM = "stream", _("Streaming media")
    SELF_DESCRIBING = "self_describing", _("Self-describing (JSON, XML)")
    API = "api", _("Service interface")
    OTHER = "other", _("Other")


# Forms whose data are rows of data items, so that the data plane can gather them (AGG-1).
STRUCTURED_FORMS = frozenset(
    {DataForm.DATABASE, DataForm.SPREADSHEET, DataForm.SELF_DESCRIBING, DataForm.API}
)


class ItemType(models.TextChoices):
    """Types of a data item. The identifier types are checked with their check characters when
    data are gathered (AGG-2)."""

    STRING = "string", _("Text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes/no")
    RIC = "ric", _("Resident ID number")
    USCC = "uscc", _("Unified social credit code")


class ShareType(models.TextChoices):
    """SHR-1: 无条件共享 / 有条件共享 / 不予共享."""

    UNCONDITIONAL = "unconditional", _("Unconditional sharing")
    CONDITIONAL = "conditional", _("Conditional sharing")
    NONE = "none", _("Not shared")


class OpenType(models.TextChoices):
    """OPN-1: 无条件开放 / 有条件开放 / 不予开放."""

    UNCONDITIONAL = "unconditional", _("Unconditionally open")
    CONDITIONAL = "conditional", _("Open on application")
    NONE = "none", _("Not open")


# How wide each type reaches: open data can never reach further than shared data.
REACH = {"unconditional": 2, "conditional": 1, "none": 0}


class ShareMethod(models.TextChoices):
    """E§18: how shared data is delivered."""

    API = "api", _("Interface")
    FILE = "file", _("File download")
    BROWSE = "browse", _("Online browsing")
    OFFLINE = "offline", _("Offline exchange")


class UpdateCycle(models.TextChoices):
    REALTIME = "realtime", _("Real-time")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")
    IRREGULAR = "irregular", _("Irregular")


# How many days data may age before it is past its update cycle (CAT-5, AGG-5); irregular never.
CYCLE_DAYS = {
    UpdateCycle.REALTIME: 1,
    UpdateCycle.DAILY: 2,
    UpdateCycle.WEEKLY: 8,
    UpdateCycle.MONTHLY: 32,
    UpdateCycle.QUARTERLY: 93,
    UpdateCycle.HALF_YEARLY: 184,
    UpdateCycle.YEARLY: 366,
}


class Sensitivity(models.TextChoices):
    """G§9: public data, internal data, secret data. Secret data never enters the platform."""

    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    SECRET = "secret", _("Secret")


class Importance(models.TextChoices):
    """GB/T 43697-2024: general, important and core data."""

    GENERAL = "general", _("General data")
    IMPORTANT = "important", _("Important data")
    CORE = "core", _("Core data")


class SecurityLevel(models.IntegerChoices):
    """Security level of a data item and of a resource; a resource is at least as high as its
    highest item (就高从严, GB/T 43697)."""

    L1 = 1, _("Level 1 (public)")
    L2 = 2, _("Level 2 (internal)")
    L3 = 3, _("Level 3 (sensitive)")
    L4 = 4, _("Level 4 (highly sensitive)")


class VersionStatus(models.TextChoices):
    """CAT-3: a version is compiled, reviewed up the levels and published; a newer published
    version supersedes it (CAT-4)."""

    DRAFT = "draft", _("Draft")
    COUNTY_REVIEW = "county_review", _("In county review")
    CITY_REVIEW = "city_review", _("In city review")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Returned")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_VERSION_STATES = frozenset(
    {
        VersionStatus.DRAFT,
        VersionStatus.COUNTY_REVIEW,
        VersionStatus.CITY_REVIEW,
        VersionStatus.REJECTED,
    }
)
REVIEW_STATES = frozenset({VersionStatus.COUNTY_REVIEW, VersionStatus.CITY_REVIEW})


class MaintenanceTrigger(models.TextChoices):
    """CAT-4: what obliges a provider to revisit a published entry."""

    LAW_CHANGE = "law_change", _("Change of law or duties")
    SITUATION_CHANGE = "situation_change", _("Change of circumstances")
    YEARLY_REVIEW = "yearly_review", _("Yearly full review")
    SYSTEM_UPGRADE = "system_upgrade", _("Information system upgrade")
    DATA_OVERDUE = (
        "data_overdue",
        _("Data past its update cycle"),
    )  # AGG-5, raised by the data plane


TRIGGER_DEADLINE = {
    MaintenanceTrigger.LAW_CHANGE: "catalog.update_law",
    MaintenanceTrigger.SITUATION_CHANGE: "catalog.update_situation",
    MaintenanceTrigger.YEARLY_REVIEW: "catalog.yearly_review",
    MaintenanceTrigger.SYSTEM_UPGRADE: "catalog.system_upgrade",
    MaintenanceTrigger.DATA_OVERDUE: "catalog.data_overdue",
}


class MaintenanceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class DemandStatus(models.TextChoices):
    """CAT-6: a department's data demand, met from the catalog or sent to the department
    responsible and tracked to an answer."""

    OPEN = "open", _("Open")
    ASSIGNED = "assigned", _("With the responsible department")
    MET = "met", _("Met")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DemandAnswer(models.TextChoices):
    """CAT-6, B§17: the responsible department's answer to a demand sent to it — it will provide
    the data, or it cannot, citing the legal basis."""

    PROVIDE = "provide", _("Will provide")
    CANNOT = "cannot", _("Cannot provide")


class SystemStatus(models.TextChoices):
    """CAT-7: the life of a department's business system."""

    PLANNED = "planned", _("Planned or in construction")
    IN_USE = "in_use", _("In use")
    UPGRADING = "upgrading", _("Being upgraded")
    STOPPED = "stopped", _("Stopped")


class ZombieRule(models.TextChoices):
    """CAT-5: why an entry is flagged for clean-up."""

    NO_DATA = "no_data", _("No data gathered")
    STALE_DATA = "stale_data", _("Data older than its update cycle")
    NO_USE = "no_use", _("Not used for a long time")
