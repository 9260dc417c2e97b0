"""What a catalog entry may say: the rules a reviewer would otherwise have to catch by eye
(CAT-1, SEC-1, SHR-1, OPN-1). ``clean_entry`` checks a whole description with its data items and
names every problem at once, per field, so that a form can show them all."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from govdata.core.errors import Invalid
from govdata.orgs.models import Organisation

from .choices import (
    REACH,
    STRUCTURED_FORMS,
    DataForm,
    Domain,
    Importance,
    ItemType,
    OpenType,
    SecurityLevel,
    Sensitivity,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from .models import InformationSystem, Resource

ENTRY_FIELDS = [
    "name",
    "summary",
    "domain",
    "data_form",
    "data_format",
    "share_type",
    "share_conditions",
    "share_methods",
    "share_basis",
    "open_type",
    "open_conditions",
    "open_basis",
    "update_cycle",
    "source_system_id",
    "collecting_org_id",
    "approving_org_id",
    "sensitivity",
    "importance",
    "security_level",
    "usage_requirements",
    "related_codes",
]
ITEM_INPUT_FIELDS = [
    "name",
    "label",
    "item_type",
    "length",
    "is_key",
    "is_required",
    "is_personal",
    "security_level",
    "description",
]
MAX_ITEMS = 500
TEXT_LIMITS = {"name": 200, "data_format": 60}
LONG_TEXT = 4000
# An item name becomes a column of the gathered data (AGG-1): lower-case ASCII, digits, "_".
ITEM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Types whose length is meaningful; the identifier types have a fixed length of 18.
LENGTH_TYPES = {ItemType.STRING, ItemType.DECIMAL}

# G§9: what the sensitivity class sets when the compiler leaves share and open types open.
SENSITIVITY_DEFAULTS = {
    Sensitivity.PUBLIC: (ShareType.UNCONDITIONAL, OpenType.UNCONDITIONAL),
    # "internal data may be opened by law or after desensitisation": not open until decided.
    Sensitivity.INTERNAL: (ShareType.UNCONDITIONAL, OpenType.NONE),
}


class Problems:
    """Collects per-field problems and raises them together."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, message)

    def raise_if_any(self, message: str | None = None) -> None:
        if self.fields:
            raise Invalid(
                message or _("The entry is not complete or not consistent."),
                code="invalid_entry",
                fields=self.fields,
            )


def _text(value: Any) -> str:
    return (
        value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
    )


def _choice(problems: Problems, field: str, value: Any, choices: Any, required: bool = True) -> str:
    value = _text(value)
    if not value:
        if required:
            problems.add(field, _("Required."))
        return ""
    if value not in choices.values:
        problems.add(field, _("Not one of the allowed values."))
        return ""
    return value


def _org_id(problems: Problems, field: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        org_id = int(value)
    except (TypeError, ValueError):
        problems.add(field, _("Not an organisation."))
        return None
    if not Organisation.objects.filter(pk=org_id, is_active=True).exists():
        problems.add(field, _("No such organisation."))
        return None
    return org_id


def clean_entry(
    entry: dict[str, Any],
    items: list[dict[str, Any]],
    *,
    provider: Organisation,
    resource: Resource | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The description and items, cleaned; raises Invalid naming every problem."""
    p = Problems()
    out: dict[str, Any] = {}
    for field, limit in TEXT_LIMITS.items():
        out[field] = _text(entry.get(field))
        if len(out[field]) > limit:
            p.add(field, _("At most %(n)d characters.") % {"n": limit})
    if not out["name"]:
        p.add("name", _("Required."))
    for field in (
        "summary",
        "share_conditions",
        "share_basis",
        "open_conditions",
        "open_basis",
        "usage_requirements",
    ):
        out[field] = _text(entry.get(field))
        if len(out[field]) > LONG_TEXT:
            p.add(field, _("At most %(n)d characters.") % {"n": LONG_TEXT})
    out["domain"] = _choice(p, "domain", entry.get("domain"), Domain)
    out["data_form"] = _choice(p, "data_form", entry.get("data_form"), DataForm)
    out["update_cycle"] = _choice(p, "update_cycle", entry.get("update_cycle"), UpdateCycle)
    out["importance"] = (
        _choice(p, "importance", entry.get("importance"), Importance, required=False)
        or Importance.GENERAL
    )

    # SEC-1, G§9, B§3: secret data never enters the platform.
    sensitivity = _choice(p, "sensitivity", entry.get("sensitivity"), Sensitivity)
    if sensitivity == Sensitivity.SECRET:
        p.add(
            "sensitivity",
            _("Secret data may not be catalogued on the platform; it never enters it."),
        )
    out["sensitivity"] = sensitivity
    default_share, default_open = SENSITIVITY_DEFAULTS.get(sensitivity, ("", ""))  # type: ignore[call-overload]
    out["share_type"] = (
        _choice(p, "share_type", entry.get("share_type"), ShareType, required=False)
        or default_share
    )
    out["open_type"] = (
        _choice(p, "open_type", entry.get("open_type"), OpenType, required=False) or default_open
    )
    if not out["share_type"] and "share_type" not in p.fields:
        p.add("share_type", _("Required."))
    if not out["open_type"] and "open_type" not in p.fields:
        p.add("open_type", _("Required."))

    methods = entry.get("share_methods") or []
    if isinstance(methods, str):
        methods = [m for m in re.split(r"[\s,，]+", methods) if m]
    if not isinstance(methods, list) or any(m not in ShareMethod.values for m in methods):
        p.add("share_methods", _("Not one of the allowed values."))
        methods = []
    out["share_methods"] = [m for m in ShareMethod.values if m in methods]

    # SHR-1, OPN-1: conditions and legal bases.
    if out["share_type"] == ShareType.CONDITIONAL:
        if not out["share_conditions"]:
            p.add("share_conditions", _("Conditional sharing states its conditions."))
        if not out["share_basis"]:
            p.add("share_basis", _("Conditional sharing names its legal basis."))
    if out["share_type"] == ShareType.NONE and not out["share_basis"]:
        p.add("share_basis", _("Data that is not shared needs a legal basis (B§15)."))
    if out["share_type"] in (ShareType.UNCONDITIONAL, ShareType.CONDITIONAL) and not methods:
        p.add("share_methods", _("Name at least one share method."))
    if out["open_type"] == OpenType.CONDITIONAL:
        if not out["open_conditions"]:
            p.add("open_conditions", _("Opening on application states its conditions."))
        if not out["open_basis"]:
            p.add("open_basis", _("Opening on application names its legal basis."))
    if out["open_type"] == OpenType.NONE and not out["open_basis"]:
        p.add("open_basis", _("Data that is not opened needs a legal basis."))
    if (
        out["share_type"]
        and out["open_type"]
        and REACH[out["open_type"]] > REACH[out["share_type"]]
    ):
        p.add(
            "open_type",
            _("Data cannot be more open to the public than it is shared between departments."),
        )
    if out["open_type"] == OpenType.UNCONDITIONAL and out["importance"] != Importance.GENERAL:
        p.add("open_type", _("Important and core data cannot be opened without conditions."))

    try:
        level = int(entry.get("security_level") or SecurityLevel.L1)
    except (TypeError, ValueError):
        level = 0
    if level not in SecurityLevel.values:
        p.add("security_level", _("Not one of the allowed values."))
        level = SecurityLevel.L1
    out["security_level"] = level

    out["source_system_id"] = None
    system = entry.get("source_system_id")
    if system not in (None, ""):
        try:
            system_id = int(system)
        except (TypeError, ValueError):
            system_id = 0
        if not InformationSystem.objects.filter(pk=system_id, organisation=provider).exists():
            p.add("source_system_id", _("Not an information system of the provider."))
        else:
            out["source_system_id"] = system_id
    out["collecting_org_id"] = _org_id(p, "collecting_org_id", entry.get("collecting_org_id"))
    out["approving_org_id"] = _org_id(p, "approving_org_id", entry.get("approving_org_id"))

    codes = entry.get("related_codes") or []
    if isinstance(codes, str):
        codes = [c for c in re.split(r"[\s,，;；]+", codes) if c]
    codes = sorted({_text(c) for c in codes if _text(c)}) if isinstance(codes, list) else None
    if codes is None:
        p.add("related_codes", _("A list of resource codes."))
        codes = []
    if resource is not None and resource.code in codes:
        p.add("related_codes", _("An entry is not related to itself."))
    known = set(Resource.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        p.add(
            "related_codes",
            _("No catalog entry has the code %(codes)s.") % {"codes": "、".join(unknown[:5])},
        )
    out["related_codes"] = codes

    cleaned_items = _clean_items(p, items, out)
    p.raise_if_any()
    return out, cleaned_items


def as_flag(value: Any) -> bool:
    """A yes/no as people write it in a spreadsheet or a form (是, Y, 1, true, √ …)."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on", "是", "y", "√"}
    return bool(value)


def _clean_items(
    p: Problems, items: list[dict[str, Any]], entry: dict[str, Any]
) -> list[dict[str, Any]]:
    if len(items) > MAX_ITEMS:
        p.add("items", _("At most %(n)d data items.") % {"n": MAX_ITEMS})
        return []
    seen: dict[str, int] = {}
    cleaned = []
    highest = 0
    for index, item in enumerate(items):
        row = _("Row %(n)d") % {"n": index + 1}
        key = f"items.{index}"
        name = _text(item.get("name")).lower()
        if not name:
            p.add(f"{key}.name", _("%(row)s: the item name is required.") % {"row": row})
        elif not ITEM_NAME.match(name):
            p.add(
                f"{key}.name",
                _("%(row)s: use lower-case letters, digits and _ , starting with a letter.")
                % {"row": row},
            )
        elif name in seen:
            p.add(
                f"{key}.name",
                _("%(row)s: the name %(name)s is used by row %(other)d already.")
                % {"row": row, "name": name, "other": seen[name] + 1},
            )
        else:
            seen[name] = index
        label = _text(item.get("label"))
        if not label:
            p.add(f"{key}.label", _("%(row)s: the Chinese label is required.") % {"row": row})
        elif len(label) > 100:
            p.add(f"{key}.label", _("%(row)s: at most 100 characters.") % {"row": row})
        item_type = _text(item.get("item_type"))
        if item_type not in ItemType.values:
            p.add(f"{key}.item_type", _("%(row)s: not a known type.") % {"row": row})
        length = item.get("length")
        if length in ("", None) or item_type not in LENGTH_TYPES:
            length = None
        else:
            try:
                length = int(length)
            except (TypeError, ValueError):
                length = -1
            if not 1 <= length <= 100_000:
                p.add(
                    f"{key}.length",
                    _("%(row)s: a length from 1 to 100000.") % {"row": row},
                )
                length = None
        try:
            level = int(item.get("security_level") or SecurityLevel.L1)
        except (TypeError, ValueError):
            level = 0
        if level not in SecurityLevel.values:
            p.add(f"{key}.security_level", _("%(row)s: not a security level.") % {"row": row})
            level = SecurityLevel.L1
        highest = max(highest, level)
        description = _text(item.get("description"))[:500]
        is_key = as_flag(item.get("is_key"))
        is_personal = as_flag(item.get("is_personal"))
        if is_personal and entry.get("open_type") == OpenType.UNCONDITIONAL:
            p.add(
                f"{key}.is_personal",
                _("%(row)s: personal information cannot be in unconditionally open data.")
                % {"row": row},
            )
        cleaned.append(
            {
                "position": index + 1,
                "name": name,
                "label": label,
                "item_type": item_type,
                "length": length,
                "is_key": is_key,
                "is_required": is_key or as_flag(item.get("is_required")),
                "is_personal": is_personal,
                "security_level": level,
                "description": description,
            }
        )
    # SEC-1, GB/T 43697 就高从严: the resource is at least as high as its highest item.
    if highest > entry.get("security_level", 0) and "security_level" not in p.fields:
        p.add(
            "security_level",
            _("The entry's security level is lower than that of its items (level %(n)d).")
            % {"n": highest},
        )
    return cleaned


def check_complete(version_fields: dict[str, Any], items: list[dict[str, Any]]) -> None:
    """What submission for review adds to the rules: structured data has data items and a key."""
    p = Problems()
    if version_fields["data_form"] in STRUCTURED_FORMS:
        if not items:
            p.add("items", _("Describe the data items before submitting."))
        elif not any(i["is_key"] for i in items):
            p.add("items", _("Mark the key item(s) that identify a row."))
    p.raise_if_any(_("The entry is not ready for review."))
