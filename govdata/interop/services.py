"""Exporting the published catalog for the provincial platform and importing such a document
(INT-1, CAT-3, B§10, A§13). The catalog is read through ``catalog.queries`` and written through
the catalog's import service; this module adds the document, the permission checks and the audit
entries of the exchange itself.

An import is all-or-nothing: the whole document is read and every entry checked against the
catalog's rules first, every problem reported with its place; only a document without problems
is written, in one transaction, so that a failure half-way (a code taken meanwhile) leaves the
catalog as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction
from django.utils.translation import gettext as _

from govdata.catalog.services.imports import check_importable_entry, do_import_published_entry
from govdata.core import audit
from govdata.core.errors import Forbidden, Invalid
from govdata.orgs.models import Organisation

from . import provincial, queries
from .provincial import OrgRef, ParsedDocument, ParsedEntry
from .queries import ExchangeActor


class Readable(Protocol):
    """Where a document is read from: a request, an open file, standard input."""

    def read(self, size: int = ..., /) -> bytes: ...


@dataclass
class ImportSummary:
    imported: int
    format_version: str
    region: str | None
    codes: list[str] = field(default_factory=list)


def check_export_catalog(*, actor: ExchangeActor) -> bytes:
    """The published catalog of the platform's region as the exchange document (UTF-8 JSON
    bytes), and an audit entry ``interop.catalog.export`` with the document's SHA-256."""
    if not queries.can_export_catalog(actor):
        raise Forbidden(
            _("Only the city data authority exports the catalog for the provincial platform."),
            code="forbidden",
        )
    with transaction.atomic():
        region = queries.platform_region()
        resources = list(queries.exported_resources(region))
        document = provincial.build_document(region, resources)
        data = provincial.render(document)
        audit.record(
            actor=actor,
            action="interop.catalog.export",
            object_type="interop.catalog",
            object_id=region.division_code if region else "",
            details={
                "format_version": provincial.FORMAT_VERSION,
                "entries": document["entry_count"],
                "catalog_date": document["catalog_date"],
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    return data


def _check_organisations(actor: ExchangeActor, document: ParsedDocument) -> dict[str, Organisation]:
    """Match every organisation the document names by credit code; an unknown one is a problem
    naming it (an import never creates organisations)."""
    codes = set()
    for parsed in document.entries:
        for ref in (parsed.provider, parsed.collecting_org, parsed.approving_org):
            if ref is not None:
                codes.add(ref.credit_code)
    found = queries.organisations_by_credit_code(codes)
    for parsed in document.entries:
        problems = document.problems.setdefault(parsed.index, {})
        for path, ref in (
            ("provider", parsed.provider),
            ("extension.collecting_org", parsed.collecting_org),
            ("extension.approving_org", parsed.approving_org),
        ):
            if ref is None:
                continue
            org = found.get(ref.credit_code)
            if org is None:
                problems.setdefault(
                    f"{path}.credit_code",
                    _(
                        "No organisation of this platform has the credit code %(code)s (%(name)s); "
                        "an import does not create organisations."
                    )
                    % {"code": ref.credit_code, "name": ref.name or "?"},
                )
            elif not org.is_active:
                problems.setdefault(
                    path, _("The organisation %(name)s is not active.") % {"name": org.name}
                )
            elif path == "provider" and not queries.may_import_for(actor, org):
                problems.setdefault(
                    path,
                    _("%(name)s is outside the area whose catalog you manage.")
                    % {"name": org.name},
                )
        if not problems:
            del document.problems[parsed.index]
    return found


def _arguments(parsed: ParsedEntry, found: dict[str, Organisation]) -> dict[str, Any]:
    """The catalog import service's arguments for one entry (an organisation that was not found
    is left out: its problem is noted already)."""

    def org_id(ref: OrgRef | None) -> int | None:
        org = found.get(ref.credit_code) if ref else None
        return org.pk if org else None

    entry = dict(parsed.entry)
    entry["collecting_org_id"] = org_id(parsed.collecting_org)
    entry["approving_org_id"] = org_id(parsed.approving_org)
    assert parsed.provider is not None and parsed.published_at is not None
    return {
        "provider": found[parsed.provider.credit_code],
        "code": parsed.code,
        "resource_class": parsed.resource_class,
        "library_code": parsed.library_code,
        "source_system_name": parsed.source_system,
        "entry": entry,
        "items": parsed.items,
        "version_number": parsed.version_number,
        "published_at": parsed.published_at,
    }


def _as_problems(exc: Invalid) -> dict[str, str]:
    return {provincial.document_path(k): v for k, v in exc.fields.items()} or {"": str(exc.message)}


def check_import_catalog(*, actor: ExchangeActor, raw: bytes | Readable) -> ImportSummary:
    """Read an exchange document and add its entries to the catalog as published, all or none.
    ``raw`` is the document, or a stream (a request, a file) read only once the actor is known
    to be allowed, and only up to the size limit. Raises Forbidden (not the city authority's
    managers or the platform admin), TooLarge (413), Malformed (400: not UTF-8 JSON), Invalid
    (422: wrong format or version, or every problem of every entry by place) or Conflict (409:
    a code taken while writing); nothing is written then."""
    if not queries.can_import_catalog(actor):
        raise Forbidden(
            _("Only the city data authority's managers import a catalog document."),
            code="forbidden",
        )
    if not isinstance(raw, bytes):
        raw = raw.read(provincial.MAX_DOCUMENT_BYTES + 1)
    if len(raw) > provincial.MAX_DOCUMENT_BYTES:
        raise provincial.too_large()
    document = provincial.read_document(provincial.load(provincial.decode(raw)))

    first_index: dict[str, int] = {}
    for parsed in document.entries:
        if not parsed.code:
            continue
        if parsed.code in first_index:
            document.problems.setdefault(parsed.index, {}).setdefault(
                "resource_code",
                _("The code %(code)s is also used by entry %(n)d.")
                % {"code": parsed.code, "n": first_index[parsed.code]},
            )
        else:
            first_index[parsed.code] = parsed.index
    found = _check_organisations(actor, document)
    known_codes = frozenset(first_index)
    for parsed in document.entries:
        # Checked against the catalog's rules even when reading found problems, so that one
        # answer names them all; a problem found in reading stays the one named for its place.
        if parsed.provider is None or parsed.provider.credit_code not in found:
            continue
        if parsed.published_at is None:
            continue
        try:
            check_importable_entry(**_arguments(parsed, found), known_codes=known_codes)
        except Invalid as exc:
            problems = document.problems.setdefault(parsed.index, {})
            for path, message in _as_problems(exc).items():
                problems.setdefault(path, message)
    if document.problems:
        raise provincial.entry_problems(document.problems, document.entries)

    digest = hashlib.sha256(raw).hexdigest()
    source = {
        "format_version": document.format_version,
        "region": document.region_code,
        "sha256": digest,
    }
    with transaction.atomic():
        for parsed in document.entries:
            try:
                do_import_published_entry(
                    actor=actor, **_arguments(parsed, found), known_codes=known_codes, source=source
                )
            except Invalid as exc:  # changed since the check (another writer): nothing stays
                raise provincial.entry_problems(
                    {parsed.index: _as_problems(exc)}, document.entries
                ) from exc
        audit.record(
            actor=actor,
            action="interop.catalog.import",
            object_type="interop.catalog",
            object_id=document.region_code or "",
            details={**source, "entries": len(document.entries), "bytes": len(raw)},
        )
    return ImportSummary(
        imported=len(document.entries),
        format_version=document.format_version,
        region=document.region_code,
        codes=[p.code for p in document.entries],
    )
