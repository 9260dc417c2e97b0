"""Forms of the pages of the catalog's lists (CAT-6) and information systems (CAT-7). They only
parse: who may do what and every rule of the input live in ``services/lists.py`` and
``services/systems.py``, which the pages call as the API does. Choices that depend on the actor
(the departments of an area, a department's published entries) are passed in by the view."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DemandAnswer, DemandStatus, SystemStatus

TEXT_LIMIT = 2000
Choices = list[tuple[Any, str]]


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def set_choices(form: forms.Form, name: str, choices: Choices) -> forms.ChoiceField:
    """Give a choice field the choices of this actor (the departments of its area …)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices
    return field


class DateInput(forms.DateInput):
    """The browser's date picker; the value is an ISO date."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# --- Demands ------------------------------------------------------------------------------------------


class DemandFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *DemandStatus.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class DemandForm(forms.Form):
    """What a department needs, why and on what basis (B§16)."""

    requester = forms.TypedChoiceField(label=_("Requesting organisation"), coerce=int)
    title = forms.CharField(label=_("Data needed"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=_textarea()
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=TEXT_LIMIT, widget=_textarea(2))
    basis = forms.CharField(
        label=_("Basis"),
        max_length=TEXT_LIMIT,
        widget=_textarea(2),
        help_text=_("The duty or the legal basis that makes the data necessary."),
    )

    def __init__(self, *args: Any, requesters: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "requester", requesters)
        if len(requesters) == 1:
            self.fields["requester"].initial = requesters[0][0]
            self.fields["requester"].widget = forms.HiddenInput()


class MeetForm(forms.Form):
    code = forms.CharField(
        label=_("Resource code of the published entry"),
        max_length=48,
        widget=forms.TextInput(attrs={"class": "input--code", "autocomplete": "off"}),
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=TEXT_LIMIT, required=False, widget=_textarea(2)
    )


class AssignForm(forms.Form):
    responsible = forms.TypedChoiceField(label=_("Responsible department"), coerce=int)
    comment = forms.CharField(
        label=_("Comment"), max_length=TEXT_LIMIT, required=False, widget=_textarea(2)
    )

    def __init__(self, *args: Any, departments: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "responsible", [("", "—"), *departments])


class AnswerForm(forms.Form):
    """The responsible department's answer (B§17: a refusal cites its legal basis)."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=DemandAnswer.choices, widget=forms.RadioSelect
    )
    answer = forms.CharField(label=_("Answer"), max_length=TEXT_LIMIT, widget=_textarea(3))
    legal_basis = forms.CharField(
        label=_("Legal basis of a refusal"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=_textarea(2),
        help_text=_("Required when the data cannot be provided; leave it empty otherwise."),
    )
    resource = forms.TypedChoiceField(
        label=_("Your entry that will provide the data"),
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, entries: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "resource", [("", "—"), *entries])


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), max_length=TEXT_LIMIT, required=False, widget=_textarea(2)
    )


# --- Responsibilities and publication ---------------------------------------------------------------


class ResponsibilityForm(forms.Form):
    """A duty the authority records for a department of its area (B§16)."""

    organisation = forms.TypedChoiceField(label=_("Department"), coerce=int)
    title = forms.CharField(label=_("Data to provide"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=_textarea(2)
    )
    basis = forms.CharField(label=_("Duty basis"), max_length=TEXT_LIMIT, widget=_textarea(2))
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, departments: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "organisation", [("", "—"), *departments])


class LinkForm(forms.Form):
    resource = forms.TypedChoiceField(label=_("Published entry"), coerce=int)

    def __init__(self, *args: Any, entries: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "resource", [("", "—"), *entries])


class PublishForm(forms.Form):
    authority = forms.TypedChoiceField(
        label=_("Data authority"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, authorities: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "authority", authorities)
        if len(authorities) <= 1:
            self.fields["authority"].widget = forms.HiddenInput()


# --- Information systems ------------------------------------------------------------------------------


class SystemFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *SystemStatus.choices]
    )


class SystemForm(forms.Form):
    """Register a department's business system (CAT-7)."""

    organisation = forms.TypedChoiceField(label=_("Department"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=_textarea(2)
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (SystemStatus.PLANNED.value, SystemStatus.PLANNED.label),
            (SystemStatus.IN_USE.value, _("In use (ran before the platform)")),
        ],
        initial=SystemStatus.PLANNED.value,
    )

    def __init__(self, *args: Any, organisations: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "organisation", organisations)
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0][0]
            self.fields["organisation"].widget = forms.HiddenInput()


class SystemEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=_textarea(2)
    )


class UpgradeForm(forms.Form):
    reason = forms.CharField(
        label=_("What the upgrade changes"), max_length=TEXT_LIMIT, widget=_textarea(2)
    )


class FileStopForm(forms.Form):
    """B§8: a stop is filed beforehand, at least one working day ahead (the service checks)."""

    planned_on = forms.DateField(label=_("Planned stop"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason for stopping"), max_length=TEXT_LIMIT, widget=_textarea(2)
    )
