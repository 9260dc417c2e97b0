"""Forms of the catalog pages. They only parse; the rules of an entry live in ``entries.py`` and
the services. ``parse_item_rows`` reads data items pasted from a spreadsheet."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import (
    DataForm,
    Domain,
    Importance,
    ItemType,
    MaintenanceTrigger,
    OpenType,
    SecurityLevel,
    Sensitivity,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from .entries import ITEM_INPUT_FIELDS, MAX_ITEMS, as_flag

# --- Items pasted from a spreadsheet ----------------------------------------------------------------

# Pasted columns without a header row come in the order of an item's fields.
ITEM_COLUMNS = ITEM_INPUT_FIELDS
# Header cells people write, to the column they mean.
HEADERS = {
    "name": "name",
    "信息项名称": "name",
    "字段名": "name",
    "字段名称": "name",
    "英文名称": "name",
    "名称": "name",
    "label": "label",
    "中文名称": "label",
    "信息项中文名称": "label",
    "中文名": "label",
    "标签": "label",
    "type": "item_type",
    "item_type": "item_type",
    "类型": "item_type",
    "数据类型": "item_type",
    "length": "length",
    "长度": "length",
    "数据长度": "length",
    "key": "is_key",
    "is_key": "is_key",
    "主键": "is_key",
    "是否主键": "is_key",
    "required": "is_required",
    "is_required": "is_required",
    "必填": "is_required",
    "是否必填": "is_required",
    "personal": "is_personal",
    "is_personal": "is_personal",
    "个人信息": "is_personal",
    "是否个人信息": "is_personal",
    "security_level": "security_level",
    "level": "security_level",
    "安全级别": "security_level",
    "级别": "security_level",
    "description": "description",
    "说明": "description",
    "描述": "description",
    "备注": "description",
}
# Type names people write, to our item types.
TYPE_WORDS = {
    "字符": ItemType.STRING,
    "字符型": ItemType.STRING,
    "字符串": ItemType.STRING,
    "文本": ItemType.STRING,
    "varchar": ItemType.STRING,
    "char": ItemType.STRING,
    "text": ItemType.STRING,
    "整数": ItemType.INTEGER,
    "整型": ItemType.INTEGER,
    "int": ItemType.INTEGER,
    "数值": ItemType.DECIMAL,
    "数值型": ItemType.DECIMAL,
    "小数": ItemType.DECIMAL,
    "number": ItemType.DECIMAL,
    "numeric": ItemType.DECIMAL,
    "日期": ItemType.DATE,
    "日期型": ItemType.DATE,
    "日期时间": ItemType.DATETIME,
    "时间": ItemType.DATETIME,
    "timestamp": ItemType.DATETIME,
    "布尔": ItemType.BOOLEAN,
    "布尔型": ItemType.BOOLEAN,
    "是否": ItemType.BOOLEAN,
    "bool": ItemType.BOOLEAN,
    "身份证号": ItemType.RIC,
    "身份证号码": ItemType.RIC,
    "公民身份号码": ItemType.RIC,
    "统一社会信用代码": ItemType.USCC,
}
_CELL_SPLIT = re.compile(r"\t|,|，")
_LEVEL = re.compile(r"(\d)")


def _item_type(cell: str) -> str:
    value = cell.strip()
    lowered = value.lower()
    if lowered in ItemType.values:
        return lowered
    for choice in ItemType:
        if value == str(choice.label):
            return choice.value
    return TYPE_WORDS.get(lowered, TYPE_WORDS.get(value, value))  # an unknown type is reported


def parse_item_rows(text: str) -> list[dict[str, Any]]:
    """Data items from rows copied out of a spreadsheet: cells separated by tabs (or commas),
    in the column order name, label, type, length, key, required, personal, level, description,
    or in the order a header row names. Values are passed on as written where they are not
    understood, so that the entry rules name the problem on the row."""
    lines = [line for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines:
        return []
    columns = ITEM_COLUMNS
    first = [cell.strip().lower() for cell in _CELL_SPLIT.split(lines[0])]
    if sum(cell in HEADERS for cell in first) >= 2:
        columns = [HEADERS.get(cell, "") for cell in first]
        lines = lines[1:]
    rows = []
    for line in lines[: MAX_ITEMS + 1]:
        cells = _CELL_SPLIT.split(line)
        row: dict[str, Any] = {}
        for column, cell in zip(columns, cells, strict=False):
            if not column:
                continue
            cell = cell.strip()
            if column == "item_type":
                row[column] = _item_type(cell)
            elif column in ("is_key", "is_required", "is_personal"):
                row[column] = as_flag(cell)
            elif column == "security_level":
                match = _LEVEL.search(cell)
                row[column] = int(match.group(1)) if match else (cell or None)
            else:
                row[column] = cell
        rows.append(row)
    return rows


# --- The entry form -----------------------------------------------------------------------------------


def _choices(choices: Any, empty: str | None = None) -> list[tuple[Any, Any]]:
    options = list(choices.choices)
    return [("", empty), *options] if empty is not None else options


class EntryForm(forms.Form):
    """A catalog entry's description (CAT-1). The rules are the services'; this form parses."""

    name = forms.CharField(label=_("Name"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    domain = forms.ChoiceField(label=_("Domain"), choices=_choices(Domain))
    data_form = forms.ChoiceField(label=_("Data form"), choices=_choices(DataForm))
    data_format = forms.CharField(
        label=_("Data format"),
        max_length=60,
        required=False,
        help_text=_("For example: Oracle, xlsx, CSV, JSON"),
    )
    update_cycle = forms.ChoiceField(label=_("Update cycle"), choices=_choices(UpdateCycle))
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"),
        choices=_choices(Sensitivity),
        help_text=_(
            "Public data is shared and opened without conditions by default; internal data is shared by default and opened only by law or after desensitisation; secret data never enters the platform."
        ),
    )
    importance = forms.ChoiceField(label=_("Data category"), choices=_choices(Importance))
    security_level = forms.TypedChoiceField(
        label=_("Security level"), choices=_choices(SecurityLevel), coerce=int
    )
    share_type = forms.ChoiceField(
        label=_("Share type"),
        choices=_choices(ShareType, empty=_("Default of the sensitivity")),
        required=False,
    )
    share_conditions = forms.CharField(
        label=_("Share conditions"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    share_methods = forms.MultipleChoiceField(
        label=_("Share methods"),
        choices=_choices(ShareMethod),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    share_basis = forms.CharField(
        label=_("Legal basis for sharing"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for conditional sharing and for data that is not shared."),
    )
    open_type = forms.ChoiceField(
        label=_("Open type"),
        choices=_choices(OpenType, empty=_("Default of the sensitivity")),
        required=False,
    )
    open_conditions = forms.CharField(
        label=_("Open conditions"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    open_basis = forms.CharField(
        label=_("Legal basis for opening"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for opening on application and for data that is not opened."),
    )
    source_system_id = forms.TypedChoiceField(
        label=_("Source information system"), required=False, coerce=int, empty_value=None
    )
    collecting_org_id = forms.TypedChoiceField(
        label=_("Collecting department"), required=False, coerce=int, empty_value=None
    )
    approving_org_id = forms.TypedChoiceField(
        label=_("Approving department"), required=False, coerce=int, empty_value=None
    )
    usage_requirements = forms.CharField(
        label=_("Usage requirements"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    related_codes = forms.CharField(
        label=_("Related resource codes"),
        required=False,
        max_length=2000,
        help_text=_("Resource codes separated by spaces or commas."),
    )

    def __init__(
        self,
        *args: Any,
        systems: list[tuple[int, str]] | None = None,
        organisations: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        empty = [("", "—")]
        self.fields["source_system_id"].choices = empty + list(systems or [])  # type: ignore[attr-defined]
        for name in ("collecting_org_id", "approving_org_id"):
            self.fields[name].choices = empty + list(organisations or [])  # type: ignore[attr-defined]

    def entry(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["related_codes"] = [c for c in re.split(r"[\s,，;；]+", data["related_codes"]) if c]
        return data


class ItemForm(forms.Form):
    """One row of the items editor."""

    name = forms.CharField(
        label=_("Item name"),
        max_length=63,
        required=False,
        widget=forms.TextInput(
            attrs={
                "pattern": "[a-z][a-z0-9_]*",
                "title": _("Lower-case letters, digits and _ , starting with a letter."),
                "class": "input--code",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
    label = forms.CharField(label=_("Chinese label"), max_length=100, required=False)
    item_type = forms.ChoiceField(label=_("Type"), choices=_choices(ItemType), required=False)
    length = forms.IntegerField(label=_("Length"), required=False, min_value=1, max_value=100_000)
    is_key = forms.BooleanField(label=_("Key"), required=False)
    is_required = forms.BooleanField(label=_("Required"), required=False)
    is_personal = forms.BooleanField(label=_("Personal information"), required=False)
    security_level = forms.TypedChoiceField(
        label=_("Security level"),
        choices=_choices(SecurityLevel),
        coerce=int,
        initial=1,
        required=False,
        empty_value=1,
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("name") or data.get("label"))


class BaseItemFormSet(forms.BaseFormSet):
    def items(self) -> list[dict[str, Any]]:
        """The rows in the order the editor shows them, blank and deleted rows left out."""
        rows = []
        for form in self.ordered_forms if self.can_order else self.forms:  # type: ignore[attr-defined]
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.is_blank():
                continue
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("ORDER", "DELETE")}
            rows.append(data)
        return rows


ItemFormSet = forms.formset_factory(
    ItemForm,
    formset=BaseItemFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
    max_num=MAX_ITEMS,
    absolute_max=MAX_ITEMS,
    validate_max=True,
)


class PasteForm(forms.Form):
    rows = forms.CharField(
        label=_("Paste rows from a spreadsheet"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            "Columns: item name, Chinese label, type, length, key, required, personal information, security level, description — or a header row naming them."
        ),
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RevisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the entry changes"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MaintenanceForm(forms.Form):
    trigger = forms.ChoiceField(label=_("Trigger"), choices=_choices(MaintenanceTrigger))
    reason = forms.CharField(
        label=_("What changed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
