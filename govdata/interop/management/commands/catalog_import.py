"""``manage.py catalog_import file``: add the entries of an exchange document to the catalog as
published, all or none (INT-1). Acts as the platform actor ``catalog_import``. On any problem it
lists every one with its place in the document and exits with status 1, having written nothing."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govdata.core.actors import ActorRef
from govdata.core.errors import ServiceError
from govdata.interop import services


class Command(BaseCommand):
    help = "Import a provincial exchange document (UTF-8 JSON); '-' reads standard input."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the document, or - for standard input")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        actor = ActorRef.platform("catalog_import")
        try:
            if file == "-":
                summary = services.check_import_catalog(actor=actor, raw=sys.stdin.buffer)
            else:
                with open(file, "rb") as handle:
                    summary = services.check_import_catalog(actor=actor, raw=handle)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        except ServiceError as exc:
            for place, message in exc.fields.items():
                self.stderr.write(f"{place}: {message}")
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(f"{summary.imported} entries imported.")
