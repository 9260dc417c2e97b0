from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataplaneConfig(AppConfig):
    name = "govdata.dataplane"
    label = "dataplane"
    verbose_name = _("Gathered data")
    # CAT-7: whether the data plane's channels connect information systems yet (they set
    # InformationSystem.connected_at); the catalog's acceptance rule asks this.
    connects_systems = False

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the load jobs with the queue)
