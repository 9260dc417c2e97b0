"""The audit chain (SEC-4): every action of the platform, hash-chained so that no change to the
record goes unnoticed.

Two speeds (ARCHITECTURE.md, "Security built in"):

* ``record()`` — a state change. Its entry is chained at once: the writer locks the chain head,
  gives the entry the next sequence number and ``chain_hash = H(previous link hash + entry hash)``.
  Called inside the caller's transaction, so the entry commits or rolls back with the change.
* ``record_read()`` — a high-volume entry (a read of data). Appended with its own entry hash and
  no lock; ``seal_pending()`` (a periodic job) later hashes the unsealed entries in id order into
  one seal that becomes the next link of the chain. A read never waits for the chain.

``verify()`` walks the links in order and names the first broken one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from .actors import ActorRef, Auditable, as_ref
from .hashing import digest
from .models import AuditChainHead, AuditEntry, AuditSeal

GENESIS = "0" * 64


def _algorithm() -> str:
    return settings.AUDIT_HASH_ALGORITHM


def _normalise(details: dict[str, Any] | None) -> dict[str, Any]:
    """Details as they will read back from the database (JSON types only), so the hash matches."""
    return json.loads(json.dumps(details or {}, default=str, ensure_ascii=False))


def _timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash_of(entry: AuditEntry) -> str:
    payload = json.dumps(
        [
            _timestamp(entry.at),
            entry.actor_kind,
            entry.actor_id,
            entry.actor_label,
            entry.organisation_id,
            entry.organisation_label,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.details,
            entry.chain_seq,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return digest(entry.hash_alg, payload.encode())


def link_hash(algorithm: str, previous: str, this: str) -> str:
    return digest(algorithm, f"{previous}:{this}".encode())


def batch_hash_of(algorithm: str, entry_hashes: list[str]) -> str:
    return digest(algorithm, "\n".join(entry_hashes).encode())


def _new_entry(
    ref: ActorRef, action: str, object_type: str, object_id: str, details: dict[str, Any] | None
) -> AuditEntry:
    return AuditEntry(
        at=timezone.now(),
        actor_kind=ref.kind,
        actor_id=str(ref.id),
        actor_label=ref.label[:200],
        organisation_id=ref.organisation_id,
        organisation_label=ref.organisation_label[:200],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        details=_normalise(details),
        hash_alg=_algorithm(),
    )


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def record(
    *,
    actor: Auditable | ActorRef,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Chain an entry for a state change, inside the caller's transaction (or its own)."""
    ref = as_ref(actor)
    with transaction.atomic():
        head = _lock_head()
        entry = _new_entry(ref, action, object_type, str(object_id), details)
        entry.chain_seq = head.seq + 1
        entry.entry_hash = entry_hash_of(entry)
        entry.chain_hash = link_hash(entry.hash_alg, head.hash or GENESIS, entry.entry_hash)
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(seq=entry.chain_seq, hash=entry.chain_hash)
    return entry


def record_read(
    *,
    actor: Auditable | ActorRef,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append a high-volume entry without touching the chain head; a seal chains it later."""
    entry = _new_entry(as_ref(actor), action, object_type, str(object_id), details)
    entry.entry_hash = entry_hash_of(entry)
    entry.save(force_insert=True)
    return entry


def seal_pending(*, limit: int | None = None) -> AuditSeal | None:
    """Seal the committed, unsealed high-volume entries (at most ``limit``) into the chain."""
    limit = limit or settings.AUDIT_SEAL_BATCH
    with transaction.atomic():
        head = _lock_head()
        pending = list(
            AuditEntry.objects.filter(chain_seq__isnull=True, seal__isnull=True)
            .order_by("id")
            .values_list("id", "entry_hash")[:limit]
        )
        if not pending:
            return None
        algorithm = _algorithm()
        ids = [pk for pk, _ in pending]
        seal = AuditSeal(
            chain_seq=head.seq + 1,
            at=timezone.now(),
            entry_count=len(ids),
            first_entry_id=ids[0],
            last_entry_id=ids[-1],
            hash_alg=algorithm,
            batch_hash=batch_hash_of(algorithm, [h for _, h in pending]),
        )
        seal.chain_hash = link_hash(algorithm, head.hash or GENESIS, seal.batch_hash)
        seal.save(force_insert=True)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            updated = AuditEntry.objects.filter(id__in=chunk, seal__isnull=True).update(seal=seal)
            if updated != len(chunk):
                raise RuntimeError("audit entries changed while being sealed")
        AuditChainHead.objects.filter(pk=1).update(seq=seal.chain_seq, hash=seal.chain_hash)
    return seal


def seal_all() -> int:
    """Seal every pending entry, batch by batch; the number of seals written."""
    seals = 0
    while seal_pending() is not None:
        seals += 1
    return seals


# --- Verification -------------------------------------------------------------------------------


@dataclass
class Break:
    kind: str  # "entry", "seal" or "head"
    id: int | None
    chain_seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.kind} {self.id}" if self.id is not None else self.kind
        seq = f" (link {self.chain_seq})" if self.chain_seq is not None else ""
        return f"{where}{seq}: {self.reason}"


@dataclass
class Verification:
    ok: bool = True
    links: int = 0
    entries: int = 0
    seals: int = 0
    pending: int = 0
    first_break: Break | None = None
    checked_at: dt.datetime = field(default_factory=timezone.now)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "links": self.links,
            "entries": self.entries,
            "seals": self.seals,
            "pending": self.pending,
            "first_break": None
            if self.first_break is None
            else {
                "kind": self.first_break.kind,
                "id": self.first_break.id,
                "chain_seq": self.first_break.chain_seq,
                "reason": self.first_break.reason,
            },
            "checked_at": self.checked_at.isoformat(),
        }


def _links(batch: int = 2000) -> Iterator[AuditEntry | AuditSeal]:
    """Chained entries and seals merged in chain order, streamed."""
    entries = (
        AuditEntry.objects.filter(chain_seq__isnull=False).order_by("chain_seq").iterator(batch)
    )
    seals = AuditSeal.objects.order_by("chain_seq").iterator(batch)
    next_entry = next(entries, None)
    next_seal = next(seals, None)
    while next_entry is not None or next_seal is not None:
        if next_entry is not None and (next_seal is None or _seq(next_entry) < next_seal.chain_seq):
            yield next_entry
            next_entry = next(entries, None)
        elif next_seal is not None:
            yield next_seal
            next_seal = next(seals, None)


def _seq(link: AuditEntry | AuditSeal) -> int:
    return link.chain_seq or 0


def _check_link(link: AuditEntry | AuditSeal, previous: str) -> tuple[str, int]:
    """The reason a link is broken ("" when sound) and how many entries it holds."""
    if isinstance(link, AuditEntry):
        if entry_hash_of(link) != link.entry_hash:
            return "content does not match its hash", 1
        this = link.entry_hash
        count = 1
    else:
        members = list(AuditEntry.objects.filter(seal=link).order_by("id"))
        for member in members:
            if member.chain_seq is not None or entry_hash_of(member) != member.entry_hash:
                return f"sealed entry {member.pk} does not match its hash", len(members)
        if len(members) != link.entry_count:
            return f"seal covers {link.entry_count} entries, {len(members)} found", len(members)
        if batch_hash_of(link.hash_alg, [m.entry_hash for m in members]) != link.batch_hash:
            return "sealed entries do not match the seal", len(members)
        this = link.batch_hash
        count = len(members)
    if link_hash(link.hash_alg, previous, this) != link.chain_hash:
        return "chain hash does not follow the previous link", count
    return "", count


def verify() -> Verification:
    """Walk the whole chain; stop at the first broken link and say which and why.

    Runs without a transaction so that writers never wait for it: the head is read first and
    links chained while the walk goes on are told apart from forged ones by reading it again.
    """
    result = Verification()

    def broken(link: AuditEntry | AuditSeal | None, seq: int | None, reason: str) -> Verification:
        result.ok = False
        kind = "head" if link is None else ("entry" if isinstance(link, AuditEntry) else "seal")
        result.first_break = Break(kind, None if link is None else link.pk, seq, reason)
        return result

    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
    previous = GENESIS
    expected = 1
    for link in _links():
        seq = _seq(link)
        if seq > head_seq:
            current = AuditChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
            if seq > current:
                return broken(link, seq, "link beyond the chain head")
            break  # chained after the walk began: the next verification covers it
        if seq != expected:
            reason = f"link {expected} is missing" if seq > expected else "link repeated"
            return broken(link, seq, reason)
        reason, count = _check_link(link, previous)
        if reason:
            return broken(link, seq, reason)
        if isinstance(link, AuditSeal):
            result.seals += 1
        result.entries += count
        previous = link.chain_hash
        expected += 1
        result.links += 1

    if result.links != head_seq or (head_seq and head_hash != previous):
        return broken(
            None, head_seq, f"chain head names link {head_seq}, the chain ends at {result.links}"
        )

    pending = AuditEntry.objects.filter(chain_seq__isnull=True, seal__isnull=True).order_by("id")
    for entry in pending.iterator(2000):
        if entry_hash_of(entry) != entry.entry_hash:
            return broken(entry, None, "content does not match its hash")
        result.pending += 1
    return result


_LAST_VERIFICATION = "govdata:audit:last-verification"


def latest_verification(*, max_age: int | None = None) -> Verification:
    """The last verification if it is at most ``max_age`` seconds old (settings
    AUDIT_VERIFY_MAX_AGE), else a new walk of the chain. Pages and the API show this, so that a
    long chain is not walked on every visit; ``max_age=0`` forces a walk."""
    max_age = settings.AUDIT_VERIFY_MAX_AGE if max_age is None else max_age
    last: Verification | None = cache.get(_LAST_VERIFICATION)
    if last is not None and (timezone.now() - last.checked_at).total_seconds() < max_age:
        return last
    return verify_and_remember()


def verify_and_remember() -> Verification:
    result = verify()
    cache.set(_LAST_VERIFICATION, result, timeout=None)
    return result


def entries_visible_to(actor: Any):
    """The audit entries an actor may read: all, or those of the organisations in its scope."""
    scope = actor.audit_scope()
    entries = AuditEntry.objects.all()
    return entries if scope is None else entries.filter(organisation_id__in=scope)


def protect_table_sql() -> list[str]:
    """PostgreSQL triggers that make the audit tables append-only (the seal column may be set once).

    TRUNCATE is left to privileges: docs/deploy.md has the application's role lose it, while the
    test suite's flush between transactional tests still needs it."""
    return [
        """
        CREATE OR REPLACE FUNCTION govdata_audit_entry_guard() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'UPDATE'
               AND OLD.seal_id IS NULL AND NEW.seal_id IS NOT NULL
               AND (NEW.id, NEW.at, NEW.actor_kind, NEW.actor_id, NEW.actor_label, NEW.organisation_id,
                    NEW.organisation_label, NEW.action, NEW.object_type, NEW.object_id, NEW.details,
                    NEW.hash_alg, NEW.entry_hash, NEW.chain_seq, NEW.chain_hash)
                   IS NOT DISTINCT FROM
                   (OLD.id, OLD.at, OLD.actor_kind, OLD.actor_id, OLD.actor_label, OLD.organisation_id,
                    OLD.organisation_label, OLD.action, OLD.object_type, OLD.object_id, OLD.details,
                    OLD.hash_alg, OLD.entry_hash, OLD.chain_seq, OLD.chain_hash)
            THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql;
        """,
        """
        CREATE OR REPLACE FUNCTION govdata_audit_refuse() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql;
        """,
        "DROP TRIGGER IF EXISTS audit_entry_guard ON core_auditentry",
        "CREATE TRIGGER audit_entry_guard BEFORE UPDATE OR DELETE ON core_auditentry "
        "FOR EACH ROW EXECUTE FUNCTION govdata_audit_entry_guard()",
        "DROP TRIGGER IF EXISTS audit_seal_guard ON core_auditseal",
        "CREATE TRIGGER audit_seal_guard BEFORE UPDATE OR DELETE ON core_auditseal "
        "FOR EACH ROW EXECUTE FUNCTION govdata_audit_refuse()",
    ]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"
