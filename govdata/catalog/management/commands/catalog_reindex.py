"""``manage.py catalog_reindex``: rebuild the search index of the catalog (CAT-8)."""

import time

from django.core.management.base import BaseCommand

from govdata.catalog import search


class Command(BaseCommand):
    help = (
        "Rebuild the catalog's search index from the published versions (after an upgrade of the "
        "segmenter or of the index format, or after organisations were renamed)."
    )

    def handle(self, *args, **options):
        start = time.perf_counter()
        count = search.reindex_all()
        seconds = time.perf_counter() - start
        self.stdout.write(
            self.style.SUCCESS(f"indexed {count} published entries in {seconds:.1f} s")
        )
