from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    """Connections upward to the provincial and national platforms (INT-1, A§13)."""

    name = "govdata.interop"
    label = "interop"
    verbose_name = _("Provincial exchange")
