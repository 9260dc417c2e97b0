"""SEC-4: the hash-chained audit trail. Tests write entries through the service, then alter,
delete and insert rows behind the platform's back and expect verification to name the break."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from govdata.core import audit
from govdata.core.actors import ActorRef
from govdata.core.models import AuditChainHead, AuditEntry, AuditSeal

ALICE = ActorRef(
    kind="person", id="7", label="Alice", organisation_id=3, organisation_label="民政局"
)
READER = ActorRef(kind="system", id="9", label="counter system", organisation_id=4)


@contextmanager
def behind_the_back():
    """Raw SQL with the PostgreSQL append-only triggers switched off, as an intruder with the
    table owner's rights could do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks first
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_auditseal DISABLE TRIGGER USER")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE core_auditseal ENABLE TRIGGER USER")


def write_chain(n: int = 5) -> list[AuditEntry]:
    return [
        audit.record(
            actor=ALICE, action="test.change", object_type="thing", object_id=i, details={"n": i}
        )
        for i in range(1, n + 1)
    ]


@pytest.mark.django_db
class TestChain:
    def test_an_untouched_chain_verifies(self):
        write_chain()
        audit.record_read(actor=READER, action="test.read", details={"rows": 10})
        audit.seal_all()
        write_chain(2)
        result = audit.verify()
        assert result.ok, result.first_break
        assert (result.links, result.entries, result.seals, result.pending) == (8, 8, 1, 0)

    def test_entries_record_actor_organisation_and_details(self):
        entry = audit.record(
            actor=ALICE,
            action="test.change",
            object_type="thing",
            object_id=42,
            details={"a": [1, 2]},
        )
        entry.refresh_from_db()
        assert (entry.actor_kind, entry.actor_id, entry.organisation_id) == ("person", "7", 3)
        assert entry.details == {"a": [1, 2]}
        assert entry.chain_seq == 1 and len(entry.chain_hash) == 64

    def test_an_altered_entry_is_named(self):
        entries = write_chain()
        with behind_the_back() as cursor:
            cursor.execute(
                "UPDATE core_auditentry SET actor_label = 'Mallory' WHERE id = %s", [entries[2].pk]
            )
        result = audit.verify()
        assert not result.ok
        assert (result.first_break.kind, result.first_break.id) == ("entry", entries[2].pk)
        assert "hash" in result.first_break.reason

    def test_an_altered_entry_with_a_recomputed_hash_breaks_the_link(self):
        entries = write_chain()
        victim = AuditEntry.objects.get(pk=entries[1].pk)
        victim.details = {"n": 999}
        forged = audit.entry_hash_of(victim)
        with behind_the_back() as cursor:
            cursor.execute(
                "UPDATE core_auditentry SET details = %s, entry_hash = %s WHERE id = %s",
                ['{"n": 999}', forged, victim.pk],
            )
        result = audit.verify()
        assert not result.ok and result.first_break.id == victim.pk
        assert "chain hash" in result.first_break.reason

    def test_a_deleted_entry_is_named_as_missing_link(self):
        entries = write_chain()
        with behind_the_back() as cursor:
            cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[2].pk])
        result = audit.verify()
        assert not result.ok
        assert (
            result.first_break.chain_seq == 4 and "link 3 is missing" in result.first_break.reason
        )

    def test_deleting_the_last_entry_is_caught_by_the_head(self):
        entries = write_chain()
        with behind_the_back() as cursor:
            cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[-1].pk])
        result = audit.verify()
        assert not result.ok and result.first_break.kind == "head"

    def test_an_inserted_entry_is_caught(self):
        write_chain(3)
        with behind_the_back() as cursor:
            cursor.execute(
                "INSERT INTO core_auditentry (at, actor_kind, actor_id, actor_label, organisation_label, action,"
                " object_type, object_id, details, hash_alg, entry_hash, chain_seq, chain_hash)"
                " VALUES (CURRENT_TIMESTAMP, 'person', '1', 'Mallory', '', 'test.change', '', '', '{}', 'sha256',"
                " %s, 4, %s)",
                ["0" * 64, "1" * 64],
            )
        result = audit.verify()
        assert not result.ok and result.first_break.chain_seq == 4

    def test_a_tampered_sealed_read_is_named(self):
        write_chain(2)
        reads = [audit.record_read(actor=READER, action="test.read", object_id=i) for i in range(5)]
        audit.seal_all()
        with behind_the_back() as cursor:
            cursor.execute(
                "UPDATE core_auditentry SET object_id = 'x' WHERE id = %s", [reads[3].pk]
            )
        result = audit.verify()
        assert not result.ok and result.first_break.kind == "seal"
        assert str(reads[3].pk) in result.first_break.reason

    def test_a_deleted_sealed_read_is_caught(self):
        reads = [audit.record_read(actor=READER, action="test.read", object_id=i) for i in range(5)]
        audit.seal_all()
        with behind_the_back() as cursor:
            cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [reads[0].pk])
        result = audit.verify()
        assert not result.ok and "5 entries, 4 found" in result.first_break.reason

    def test_a_read_slipped_into_a_seal_is_caught(self):
        audit.record_read(actor=READER, action="test.read")
        seal = audit.seal_pending()
        intruder = audit.record_read(actor=READER, action="test.read", object_id="forged")
        with behind_the_back() as cursor:
            cursor.execute(
                "UPDATE core_auditentry SET seal_id = %s WHERE id = %s", [seal.pk, intruder.pk]
            )
        result = audit.verify()
        assert not result.ok and result.first_break.kind == "seal"

    def test_an_altered_pending_read_is_caught_before_sealing(self):
        read = audit.record_read(actor=READER, action="test.read")
        with behind_the_back() as cursor:
            cursor.execute(
                "UPDATE core_auditentry SET action = 'test.other' WHERE id = %s", [read.pk]
            )
        result = audit.verify()
        assert not result.ok and result.first_break.id == read.pk

    def test_reads_are_pending_until_sealed_then_chained(self):
        for _ in range(3):
            audit.record_read(actor=READER, action="test.read")
        assert audit.verify().pending == 3
        seal = audit.seal_pending()
        assert seal.entry_count == 3 and seal.chain_seq == 1
        assert AuditEntry.objects.filter(seal=seal).count() == 3
        assert audit.verify().pending == 0
        assert audit.seal_pending() is None

    def test_seals_are_cut_at_the_batch_size(self, settings):
        settings.AUDIT_SEAL_BATCH = 4
        for _ in range(10):
            audit.record_read(actor=READER, action="test.read")
        assert audit.seal_all() == 3
        assert list(AuditSeal.objects.values_list("entry_count", flat=True)) == [4, 4, 2]
        assert audit.verify().ok

    def test_sm3_chains_verify_beside_sha256(self, settings):
        write_chain(2)
        settings.AUDIT_HASH_ALGORITHM = "sm3"
        entry = audit.record(actor=ALICE, action="test.change")
        audit.record_read(actor=READER, action="test.read")
        audit.seal_all()
        assert entry.hash_alg == "sm3"
        assert audit.verify().ok
        with behind_the_back() as cursor:
            cursor.execute("UPDATE core_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
        assert audit.verify().first_break.id == entry.pk

    def test_an_entry_rolls_back_with_the_change_it_records(self):
        with pytest.raises(RuntimeError), transaction.atomic():
            audit.record(actor=ALICE, action="test.change")
            raise RuntimeError("the change failed")
        assert not AuditEntry.objects.exists()
        assert AuditChainHead.objects.get(pk=1).seq == 0
        assert audit.verify().ok

    def test_the_last_verification_is_shown_until_it_is_too_old(self):
        entries = write_chain(3)
        assert audit.latest_verification().ok
        with behind_the_back() as cursor:
            cursor.execute(
                "UPDATE core_auditentry SET object_id = 'x' WHERE id = %s", [entries[1].pk]
            )
        assert audit.latest_verification().ok  # the walk of a moment ago
        assert not audit.latest_verification(max_age=0).ok  # a new walk finds the break
        assert not audit.latest_verification().ok  # and is remembered

    def test_audit_verify_command_names_the_break(self):
        entries = write_chain(3)
        call_command("audit_verify")
        with behind_the_back() as cursor:
            cursor.execute(
                "UPDATE core_auditentry SET object_id = '9' WHERE id = %s", [entries[0].pk]
            )
        with pytest.raises(CommandError, match=f"entry {entries[0].pk}"):
            call_command("audit_verify")


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the triggers are PostgreSQL's")
class TestPostgresRefusesChanges:
    def test_update_is_refused(self):
        entry = audit.record(actor=ALICE, action="test.change")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(action="test.other")

    def test_delete_is_refused(self):
        entry = audit.record(actor=ALICE, action="test.change")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()

    def test_a_seal_cannot_be_changed_and_a_sealed_entry_not_resealed(self):
        read = audit.record_read(actor=READER, action="test.read")
        seal = audit.seal_pending()
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditSeal.objects.filter(pk=seal.pk).update(entry_count=5)
        other = AuditSeal.objects.create(
            chain_seq=99,
            at=seal.at,
            entry_count=1,
            first_entry_id=read.pk,
            last_entry_id=read.pk,
            hash_alg="sha256",
            batch_hash="0",
            chain_hash="0",
        )
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=read.pk).update(seal=other)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_produce_one_unbroken_chain():
    """Four threads chain state changes and append reads at once, a fifth seals meanwhile."""
    errors: list[BaseException] = []
    per_thread = 15

    def writer(i: int) -> None:
        try:
            for j in range(per_thread):
                audit.record(actor=ALICE, action="test.change", object_id=f"{i}-{j}")
                audit.record_read(actor=READER, action="test.read", object_id=f"{i}-{j}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def sealer() -> None:
        try:
            for _ in range(10):
                audit.seal_pending(limit=7)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    threads.append(threading.Thread(target=sealer))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    audit.seal_all()
    result = audit.verify()
    assert result.ok, result.first_break
    assert result.entries == 4 * per_thread * 2
    chained = list(
        AuditEntry.objects.filter(chain_seq__isnull=False).values_list("chain_seq", flat=True)
    )
    assert len(chained) == 4 * per_thread
