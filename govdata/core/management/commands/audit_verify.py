from django.core.management.base import BaseCommand, CommandError

from govdata.core import audit


class Command(BaseCommand):
    help = "Walk the audit chain and its seals; name the first broken link (exit status 1 if any)."

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="seal pending entries first")

    def handle(self, *args, seal: bool = False, **options):
        if seal:
            seals = audit.seal_all()
            self.stdout.write(f"sealed pending entries into {seals} seal(s)")
        result = audit.verify()
        summary = (
            f"{result.links} links, {result.entries} entries, {result.seals} seals, "
            f"{result.pending} pending (not yet sealed)"
        )
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {summary}"))
            return
        raise CommandError(
            f"audit chain broken at {result.first_break} — checked before it: {summary}"
        )
