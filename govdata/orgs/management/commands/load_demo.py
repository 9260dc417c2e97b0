import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

from govdata.orgs import demo


class Command(BaseCommand):
    help = (
        "Load the demo city 示范市 (organisations, people in every role, public users, and what "
        "the other apps build on them, such as the catalog: settings.DEMO_LOADERS) into a "
        "database without organisations, in one transaction. Every demo account has the "
        f"password {demo.DEMO_PASSWORD}."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and succeed) when organisations exist already",
        )

    def handle(self, *args, if_empty: bool = False, **options):
        # orgs cannot import the apps that depend on it, so the setting names every app's loader;
        # the organisations come first, and all of it commits or none of it does.
        loaders = [
            import_string(path)
            for path in getattr(settings, "DEMO_LOADERS", ["govdata.orgs.demo.load"])
        ]
        started = time.monotonic()
        try:
            with transaction.atomic():
                results = [loader() for loader in loaders]
        except demo.DemoAlreadyLoaded as exc:
            if if_empty:
                self.stdout.write("demo city already loaded (the database has organisations)")
                return
            raise CommandError(
                f"{exc}: the demo city goes only into a database without organisations "
                "(--if-empty skips quietly when it is there)"
            ) from exc
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc
        parts = []
        for loaded in results:
            if isinstance(loaded, demo.Loaded):
                parts.append(
                    f"{loaded.organisations} organisations, {loaded.people} accounts "
                    f"(password {demo.DEMO_PASSWORD})"
                )
            else:
                parts.append(str(loaded))
        self.stdout.write(
            self.style.SUCCESS(
                f"demo city {demo.CITY_NAME} loaded: {', '.join(parts)} "
                f"in {time.monotonic() - started:.1f} s"
            )
        )
