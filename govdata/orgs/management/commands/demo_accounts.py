import unicodedata
from collections import defaultdict

from django.core.management.base import BaseCommand
from django.utils import translation

from govdata.orgs import demo
from govdata.orgs.choices import PersonKind, PublicUserType, Role
from govdata.orgs.models import Person, RoleAssignment

SHOWN = 12


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = (
        "Print the addresses of the platform and the demo accounts (read from the database) with "
        "their shared password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--address",
            default="http://127.0.0.1:8000/",
            help="the address the platform is served at (default http://127.0.0.1:8000/)",
        )
        parser.add_argument(
            "--all", action="store_true", help=f"list every account, not the first {SHOWN}"
        )

    def handle(self, *args, address: str, all: bool = False, **options):
        base = address.rstrip("/")
        out = self.stdout.write
        out("")
        out(self.style.SUCCESS(f"govdata — demo city {demo.CITY_NAME}"))
        for label, path in [
            ("Portal", "/"),
            ("Console", "/console/"),
            ("API docs", "/api/v1/docs"),
            ("OpenAPI", "/api/v1/openapi.json"),
            ("Admin", "/admin/"),
        ]:
            out(f"  {label:<9} {base}{path}")
        out("")

        with translation.override("en"):
            rows, total = self._accounts(all)
        if not rows:
            out("  No accounts yet: load the demo city with `manage.py load_demo --if-empty`.")
            out("")
            return
        out(f"Demo accounts — every one has the password: {demo.DEMO_PASSWORD}")
        header = ("user name", "name", "organisation", "roles")
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(4)]
        out("  " + "  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip())
        out("  " + "  ".join("-" * w for w in widths))
        for row in rows:
            out("  " + "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
        shown = len({r[0] for r in rows if r[0]})
        if total > shown:
            out(f"  … and {total - shown} more (manage.py demo_accounts --all)")
        out("")

    def _accounts(self, everyone: bool) -> tuple[list[tuple[str, str, str, str]], int]:
        """Table rows (one per person and organisation) and the number of accounts in all."""
        assignments = (
            RoleAssignment.objects.filter(person__is_active=True)
            .select_related("person", "organisation")
            .order_by("person_id", "organisation_id", "role")
        )
        roles: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        staff: dict[int, Person] = {}
        holders: dict[str, list[int]] = defaultdict(list)
        for a in assignments:
            org = a.organisation.short_name or a.organisation.name
            roles[a.person_id][org].append(str(Role(a.role).label).lower())
            staff[a.person_id] = a.person
            holders[a.role].append(a.person_id)
        public = list(Person.objects.filter(kind=PersonKind.PUBLIC, is_active=True).order_by("id"))
        by_name = {p.username: p for p in [*staff.values(), *public]}
        total = len(by_name)

        if everyone:
            chosen = [*sorted(staff.values(), key=lambda p: p.pk), *public]
        else:
            # The featured demo accounts, then anyone needed so that every role and every kind
            # of public user shows at least once (also on a database that is not the demo).
            chosen = [by_name[u] for u in demo.FEATURED if u in by_name]
            picked = {p.pk for p in chosen}
            for role in Role.values:
                if holders[role] and not picked & set(holders[role]):
                    chosen.append(staff[holders[role][0]])
                    picked.add(holders[role][0])
            for kind in PublicUserType.values:
                if not any(p.public_type == kind for p in chosen):
                    first = next((p for p in public if p.public_type == kind), None)
                    if first is not None:
                        chosen.append(first)

        rows = []
        for person in chosen:
            if person.kind == PersonKind.PUBLIC:
                kind = str(PublicUserType(person.public_type).label).lower()
                rows.append((person.username, person.full_name, "public user", kind))
                continue
            for i, (org, names) in enumerate(roles[person.pk].items()):
                first = i == 0
                rows.append(
                    (
                        person.username if first else "",
                        person.full_name if first else "",
                        org,
                        ", ".join(names),
                    )
                )
        return rows, total
