from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "govdata.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from . import calendar, jobs  # noqa: F401  (jobs registers the periodic tasks)

        # Seed every year the chinese-calendar package knows after each migrate: a newer package
        # release brings its new years in without a data migration.
        post_migrate.connect(calendar.seed_after_migrate, sender=self)
