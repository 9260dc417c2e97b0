from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "govdata.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        # The workflows modules declare the catalog's procedures; jobs registers periodic tasks.
        from . import jobs, workflows, workflows_lists  # noqa: F401
