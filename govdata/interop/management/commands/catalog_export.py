"""``manage.py catalog_export [-o file]``: the published catalog as the exchange document for the
provincial platform (INT-1), written to a file or to standard output. Acts as the platform actor
``catalog_export``; the export is audited like one made through the API."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govdata.core.actors import ActorRef
from govdata.interop import services


class Command(BaseCommand):
    help = "Export the published catalog as the provincial exchange document (UTF-8 JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o", "--output", help="file to write (default: standard output)", default="-"
        )

    def handle(self, *args: Any, output: str, **options: Any) -> None:
        data = services.check_export_catalog(actor=ActorRef.platform("catalog_export"))
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        with open(output, "wb") as handle:
            handle.write(data)
        self.stderr.write(f"{len(data)} bytes written to {output}")
