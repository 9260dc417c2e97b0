from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataplaneConfig(AppConfig):
    name = "govdata.dataplane"
    label = "dataplane"
    verbose_name = _("Gathered data")
    # CAT-7: the data plane's channels connect information systems (a push or pull from the
    # system an entry names as its source sets InformationSystem.connected_at); the catalog's
    # acceptance rule asks this.
    connects_systems = True

    def ready(self) -> None:
        # tasks and jobs register with the queue; workflows declares the coordination case.
        from . import freshness, jobs, jobs_pull, jobs_single_source, tasks, workflows  # noqa: F401

        freshness.register()  # the zombie rules' facts: when each entry's data was gathered
