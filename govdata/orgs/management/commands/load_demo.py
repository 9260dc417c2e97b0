from django.core.management.base import BaseCommand, CommandError

from govdata.orgs import demo


class Command(BaseCommand):
    help = (
        "Load the demo city 示范市 (organisations, people in every role, public users) into a "
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
        try:
            loaded = demo.load()
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
        self.stdout.write(
            self.style.SUCCESS(
                f"demo city {demo.CITY_NAME} loaded: {loaded.organisations} organisations, "
                f"{loaded.people} accounts (password {demo.DEMO_PASSWORD}) "
                f"in {loaded.seconds:.1f} s"
            )
        )
