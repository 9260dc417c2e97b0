from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GBK), Excel .xlsx, JSON or NDJSON; the header names the items."),
    )
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=100,
        help_text=_("Excel only: the sheet to read (default: the first that has the items)."),
    )
    declared_no_secret = forms.BooleanField(
        label=_("I declare that this data holds no secret data (涉密数据)."),
        required=True,
        error_messages={
            "required": _("Every load carries the declaration that it holds no secret data.")
        },
    )
