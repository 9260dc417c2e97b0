"""Forms of the organisation pages. They parse and bound the input; every rule (who may, what is
valid, what is taken) is the services' to check, and their errors come back onto these forms."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actors import Actor
from .choices import AccountRequestKind, Level, OrgKind, PublicUserType, Role
from .models import Organisation, Person


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class RegisterForm(forms.Form):
    """Real-name registration of a public user (ORG-4)."""

    public_type = forms.ChoiceField(
        label=_("I register as"), choices=PublicUserType.choices, widget=forms.RadioSelect
    )
    full_name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Your full name, or the registered name of the organisation."),
    )
    id_number = forms.CharField(
        label=_("Identity number"),
        max_length=30,
        help_text=_(
            "Resident ID number for a natural person; unified social credit code for an organisation."
        ),
    )
    username = forms.CharField(
        label=_("User name"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


def grantable_roles(actor: Actor, organisation: Organisation) -> list[tuple[str, str]]:
    """The roles worth offering in this organisation. The service decides; this only spares
    people a choice it would refuse (reviewers sit at an authority, experts on the committee)."""
    choices = []
    for value, label in Role.choices:
        if value == Role.PLATFORM_ADMIN and not actor.is_platform_admin:
            continue
        if value == Role.REVIEWER and organisation.kind != OrgKind.AUTHORITY:
            continue
        if value == Role.EXPERT and organisation.kind not in {
            OrgKind.EXPERT_COMMITTEE,
            OrgKind.AUTHORITY,
        }:
            continue
        choices.append((value, label))
    return choices


class StaffForm(forms.Form):
    """A new staff account with its roles in the organisation (ORG-3)."""

    username = forms.CharField(label=_("User name"), max_length=64)
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    password = forms.CharField(
        label=_("Initial password"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Hand it over in person; at least 10 characters."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    def __init__(self, *args, role_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices


class AssignRoleForm(forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=64, help_text=_("A staff member's user name.")
    )
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, role_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices


def requestable_roles(actor: Actor, organisation: Organisation) -> list[tuple[str, str]]:
    """The roles an account request may name: those worth granting here, never the platform
    administrator's."""
    return [c for c in grantable_roles(actor, organisation) if c[0] != Role.PLATFORM_ADMIN]


class AccountRequestForm(forms.Form):
    """A department asks the data authority to create, change or cancel an account (ORG-4).
    Which fields a kind needs is the service's to check."""

    kind = forms.ChoiceField(label=_("Request"), choices=AccountRequestKind.choices)
    username = forms.CharField(
        label=_("User name"),
        max_length=64,
        required=False,
        help_text=_("For a new account."),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=100, required=False, help_text=_("For a new account.")
    )
    person = forms.TypedChoiceField(
        label=_("Staff member"),
        choices=(),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For a change of roles or a cancellation."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The roles the account should hold here (not for a cancellation)."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args,
        role_choices: list[tuple[str, str]],
        people: list[Person],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices
        self.fields["person"].choices = [("", "—")] + [
            (p.pk, f"{p.full_name} ({p.username})") for p in people
        ]


class DecisionForm(forms.Form):
    """The authority's answer to an account request, or the requester's withdrawal."""

    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OrganisationForm(forms.Form):
    """A new organisation under one already in the tree (ORG-1)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    division_code = forms.CharField(
        label=_("Division code"),
        max_length=20,
        help_text=_("6 digits for a city or county, 9 for a township, 12 for a village."),
    )
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("18 characters; may be left empty."),
    )


class SystemAccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


_IP_SEPARATORS = re.compile(r"[\s,;，、；]+")


class ApiKeyForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=100,
        required=False,
        help_text=_("What the key is for, e.g. the server that uses it."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day the key works. Empty: until revoked."),
    )
    allowed_ips = forms.CharField(
        label=_("Allowed addresses"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_("Addresses or networks (10.1.2.0/24), one per line. Empty: any address."),
    )

    def clean_allowed_ips(self) -> list[str]:
        return [ip for ip in _IP_SEPARATORS.split(self.cleaned_data.get("allowed_ips", "")) if ip]

    def expires_at(self) -> dt.datetime | None:
        """The end of the last valid day, in the platform's time zone."""
        day = self.cleaned_data.get("valid_until")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
