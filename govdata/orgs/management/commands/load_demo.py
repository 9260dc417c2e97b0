import contextlib
import inspect
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string
from huey.contrib.djhuey import HUEY

from govdata.orgs import demo


class Command(BaseCommand):
    help = (
        "Load the demo city 示范市 (organisations, people in every role, public users, and what "
        "the other apps build on them, such as the catalog and its data: settings.DEMO_LOADERS) "
        "into a database without organisations, in one transaction. Every demo account has the "
        f"password {demo.DEMO_PASSWORD}."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and succeed) when organisations exist already",
        )
        parser.add_argument(
            "--size",
            choices=["small", "large"],
            default="small",
            help="how much data the loaders that take a size build: small (the default, a "
            "few minutes for `make run`) or large (a 1,000,000-person population register)",
        )

    def handle(self, *args, if_empty: bool = False, size: str = "small", **options):
        # orgs cannot import the apps that depend on it, so the setting names every app's loader;
        # the organisations come first, and all of it commits or none of it does.
        loaders = [
            import_string(path)
            for path in getattr(settings, "DEMO_LOADERS", ["govdata.orgs.demo.load"])
        ]
        started = time.monotonic()
        try:
            with _tasks_in_process(), transaction.atomic():
                results = [
                    loader(size=size)
                    if "size" in inspect.signature(loader).parameters
                    else loader()
                    for loader in loaders
                ]
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


@contextlib.contextmanager
def _tasks_in_process() -> Iterator[None]:
    """Run in this process the tasks a loader hands to the queue. The loaders do their work
    themselves, inside the transaction (the data plane runs each load job synchronously, so the
    demo is complete when the command returns); the deliveries the services arrange for when
    it commits then arrive here, find their jobs done and do nothing, instead of waiting in the
    queue for a worker that may not be running."""
    was = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = was
