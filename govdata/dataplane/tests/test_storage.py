"""The storage engine (AGG-6): a typed table per resource, loads diffed by key, row history,
undo, and a failed or refused load that leaves the previous state untouched."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govdata.catalog import services
from govdata.catalog.models import Resource
from govdata.catalog.testing import entry, items, publish
from govdata.core import audit
from govdata.core.errors import Conflict, Invalid
from govdata.core.models import AuditEntry
from govdata.dataplane import storage
from govdata.dataplane.models import Batch, BatchKind, BatchStatus, ResourceTable
from govdata.dataplane.testing import published

pytestmark = pytest.mark.django_db

EXTRA = [
    {"name": "hs", "label": "户数", "item_type": "integer", "security_level": 1},
    {"name": "je", "label": "金额", "item_type": "decimal", "security_level": 1},
    {"name": "yx", "label": "有效", "item_type": "boolean", "security_level": 1},
    {"name": "gxsj", "label": "更新时间", "item_type": "datetime", "security_level": 1},
]


_publish = published


def _revise(city, resource: Resource, item_rows: list[dict[str, Any]]) -> Resource:
    compiler = city.actor(city.analyst)
    revision = services.check_start_revision(actor=compiler, resource=resource, reason="调整信息项")
    services.check_update_version(
        actor=compiler,
        version=revision,
        edit_seq=revision.edit_seq,
        entry=entry(),
        items=item_rows,
    )
    publish(revision, compiler=compiler, reviewers=[city.actor(city.reviewer)])
    return Resource.objects.get(pk=resource.pk)


@pytest.fixture
def resource(city) -> Resource:
    return _publish(city, items(*EXTRA))


def row(i: int, **changes: Any) -> dict[str, Any]:
    values = {
        "gmsfhm": f"110105199003{i:06d}",
        "xm": f"姓名{i}",
        "djrq": dt.date(2020, 1, 1) + dt.timedelta(days=i),
        "hs": i,
        "je": Decimal(f"{i}.25"),
        "yx": i % 2 == 0,
        "gxsj": dt.datetime(2024, 5, 1, 8, 30, tzinfo=dt.UTC) + dt.timedelta(minutes=i),
    }
    values.update(changes)
    return values


def load(resource: Resource, city, rows: Any, **kwargs: Any) -> Batch:
    return storage.load_full(
        resource,
        rows,
        actor=city.actor(city.analyst),
        source_name=kwargs.pop("source_name", "data.csv"),
        checksum=kwargs.pop("checksum", "a" * 64),
        **kwargs,
    )


def count_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def counts(batch: Batch) -> tuple[int, int, int, int]:
    return (batch.rows_inserted, batch.rows_updated, batch.rows_deleted, batch.rows_unchanged)


FIRST = [row(i) for i in range(1, 6)]
SECOND = [row(1), row(2, xm="改名"), row(3), row(5), row(6)]  # 2 changed, 4 missing, 6 new


def test_the_table_has_a_typed_column_per_item_keyed_by_the_key_items(resource):
    table = storage.ensure_table(resource)
    assert table.table_name == f"dp_r{resource.pk}"
    assert table.version_id == resource.live_version_id
    assert list(table.columns) == ["gmsfhm", "xm", "djrq", "hs", "je", "yx", "gxsj"]
    assert [n for n, c in table.columns.items() if c["key"]] == ["gmsfhm"]
    assert table.columns["hs"]["sql"] == "bigint"
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, table.table_name)
    assert [c.name for c in described] == [
        "_id",
        "_batch_from",
        "_batch_to",
        "_fp",
        "gmsfhm",
        "xm",
        "djrq",
        "hs",
        "je",
        "yx",
        "gxsj",
    ]
    assert storage.ensure_table(resource).pk == table.pk  # idempotent


def test_loads_are_diffed_by_key_and_the_history_reads_right(resource, city):
    first = load(resource, city, FIRST)
    assert first.number == 1 and first.kind == BatchKind.FULL
    assert first.status == BatchStatus.COMMITTED
    assert counts(first) == (5, 0, 0, 0) and first.rows_read == 5
    assert storage.current_rows(resource) == FIRST

    again = load(resource, city, FIRST)
    assert again.number == 2
    assert counts(again) == (0, 0, 0, 5)
    table = ResourceTable.objects.get(resource=resource)
    assert count_rows(table.table_name) == 5  # an identical load writes nothing

    third = load(resource, city, SECOND)
    assert counts(third) == (1, 1, 1, 3)
    assert storage.current_rows(resource) == SECOND
    assert storage.rows_as_of(resource, 1) == FIRST
    assert storage.rows_as_of(resource, 2) == FIRST
    assert storage.rows_as_of(resource, 3) == SECOND
    assert storage.rows_as_of(resource, 0) == []
    assert storage.rows_as_of(resource, third.finished_at) == SECOND
    assert storage.rows_as_of(resource, first.started_at - dt.timedelta(seconds=1)) == []

    changes = storage.changes_since(resource, 1)
    assert changes.inserted == [row(6)]
    assert changes.updated == [row(2, xm="改名")]
    assert changes.deleted == [{"gmsfhm": row(4)["gmsfhm"]}]
    assert storage.changes_since(resource, 3).inserted == []

    assert storage.get_by_key(resource, {"gmsfhm": row(2)["gmsfhm"]}) == row(2, xm="改名")
    assert storage.get_by_key(resource, {"gmsfhm": row(4)["gmsfhm"]}) is None
    assert storage.current_rows(resource, where={"xm": "改名"}) == [row(2, xm="改名")]
    assert storage.current_rows(resource, limit=2, offset=1) == SECOND[1:3]
    with pytest.raises(Invalid):
        storage.current_rows(resource, where={"nope": 1})


def test_record_batches_load_like_dicts(resource, city):
    schema = pa.schema([("gmsfhm", pa.string()), ("xm", pa.string()), ("hs", pa.int32())])
    batch = pa.RecordBatch.from_pylist(
        [{"gmsfhm": "k1", "xm": "甲", "hs": 3}, {"gmsfhm": "k2", "xm": "乙", "hs": None}],
        schema=schema,
    )
    first = load(resource, city, [batch])
    assert counts(first) == (2, 0, 0, 0)
    same = load(
        resource, city, [{"gmsfhm": "k1", "xm": "甲", "hs": 3}, {"gmsfhm": "k2", "xm": "乙"}]
    )
    assert counts(same) == (0, 0, 0, 2)
    assert storage.get_by_key(resource, {"gmsfhm": "k1"})["hs"] == 3


def test_a_change_set_writes_and_deletes_by_key(resource, city):
    load(resource, city, FIRST)
    batch = storage.apply_changes(
        resource,
        [row(1, hs=100), row(9), row(3)],
        [{"gmsfhm": row(2)["gmsfhm"]}, {"gmsfhm": "absent"}],
        actor=city.actor(city.analyst),
    )
    assert batch.kind == BatchKind.CHANGES
    assert counts(batch) == (1, 1, 1, 1)
    keys = [r["gmsfhm"] for r in storage.current_rows(resource)]
    assert keys == [row(i)["gmsfhm"] for i in (1, 3, 4, 5, 9)]
    with pytest.raises(Invalid) as error:
        storage.apply_changes(
            resource, [row(1)], [{"gmsfhm": row(1)["gmsfhm"]}], actor=city.actor(city.analyst)
        )
    assert error.value.code == "write_and_delete"


def test_undo_brings_back_the_previous_state_as_a_new_batch(resource, city):
    load(resource, city, FIRST)
    second = load(resource, city, SECOND)
    with pytest.raises(Conflict) as refused:
        storage.undo_batch(
            resource, Batch.objects.get(resource=resource, number=1), actor=city.actor(city.analyst)
        )
    assert refused.value.code == "not_latest"

    undo = storage.undo_batch(resource, second, actor=city.actor(city.analyst))
    assert undo.number == 3 and undo.kind == BatchKind.UNDO and undo.undoes_id == second.pk
    assert (undo.rows_inserted, undo.rows_updated, undo.rows_deleted) == (1, 1, 1)
    assert storage.current_rows(resource) == FIRST
    assert storage.rows_as_of(resource, 2) == SECOND  # history is kept, not rewritten
    assert storage.changes_since(resource, 1) == storage.Changes(1, 3, [], [], [])
    assert AuditEntry.objects.filter(action="dataplane.batch.undo").count() == 1

    redo = storage.undo_batch(resource, undo, actor=city.actor(city.analyst))  # the latest
    assert redo.number == 4
    assert storage.current_rows(resource) == SECOND


def test_duplicate_keys_are_refused_and_nothing_is_written(resource, city):
    load(resource, city, FIRST)
    table = ResourceTable.objects.get(resource=resource)
    before = (count_rows(table.table_name), Batch.objects.count(), AuditEntry.objects.count())
    with pytest.raises(Invalid) as error:
        load(resource, city, [*SECOND, row(6, xm="again")])
    assert error.value.code == "duplicate_keys"
    assert row(6)["gmsfhm"] in error.value.message
    with pytest.raises(Invalid) as missing:
        load(resource, city, [row(7, gmsfhm=None)])
    assert missing.value.code == "missing_key"
    with pytest.raises(Invalid) as unknown:
        load(resource, city, [{**row(7), "other": 1}])
    assert unknown.value.code == "unknown_columns"
    after = (count_rows(table.table_name), Batch.objects.count(), AuditEntry.objects.count())
    assert after == before
    assert storage.current_rows(resource) == FIRST


def test_a_load_that_breaks_midway_leaves_the_previous_state_intact(resource, city):
    load(resource, city, FIRST)
    table = ResourceTable.objects.get(resource=resource)

    def rows():
        yield from SECOND[:3]
        raise OSError("connection lost")

    with pytest.raises(OSError):
        load(resource, city, rows())
    assert storage.current_rows(resource) == FIRST
    assert count_rows(table.table_name) == 5
    failed = Batch.objects.get(resource=resource, number=2)
    assert failed.status == BatchStatus.FAILED and "connection lost" in failed.error
    assert AuditEntry.objects.filter(action="dataplane.batch.commit").count() == 1
    # The next load carries on from the committed state.
    assert counts(load(resource, city, SECOND)) == (1, 1, 1, 3)
    assert storage.rows_as_of(resource, 2) == FIRST


def _fingerprints(table: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT gmsfhm, "_fp" FROM {table} WHERE "_batch_to" IS NULL')
        return dict(cursor.fetchall())


def test_a_stale_or_missing_fingerprint_never_changes_what_a_load_does(resource, city):
    """A row's kept fingerprint only spares work: missing (a table from before fingerprints)
    or wrong, the row is compared value by value, counted unchanged if it is and given its
    fingerprint, updated if it is not."""
    load(resource, city, FIRST)
    table = ResourceTable.objects.get(resource=resource).table_name
    kept = _fingerprints(table)
    assert None not in kept.values() and len(set(kept.values())) == 5
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE {table} SET "_fp" = NULL WHERE hs <= 2')
        cursor.execute(f'UPDATE {table} SET "_fp" = 7 WHERE hs = 3')
    again = load(resource, city, FIRST)
    assert counts(again) == (0, 0, 0, 5)
    assert count_rows(table) == 5
    assert _fingerprints(table) == kept
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE {table} SET "_fp" = 7 WHERE hs = 4')
    renamed = load(resource, city, [*FIRST[:3], row(4, xm="新名"), FIRST[4]])
    assert counts(renamed) == (0, 1, 0, 4)
    assert storage.current_rows(resource)[3]["xm"] == "新名"
    assert 7 not in _fingerprints(table).values()


KEYED = [
    {"name": "nd", "label": "年度", "item_type": "integer", "is_key": True, "is_required": True},
    {"name": "rq", "label": "日期", "item_type": "date", "is_key": True, "is_required": True},
    {"name": "sj", "label": "时间", "item_type": "datetime", "is_key": True, "is_required": True},
    {"name": "bz", "label": "标志", "item_type": "boolean", "is_key": True, "is_required": True},
    {"name": "dm", "label": "代码", "item_type": "string", "is_key": True, "is_required": True},
    {"name": "sl", "label": "数量", "item_type": "decimal", "is_key": True, "is_required": True},
    {"name": "mc", "label": "名称", "item_type": "string"},
]


def test_keys_of_every_type_are_matched_between_loads(city):
    """A full load matches its rows with the current ones by key, whatever the key's types."""
    resource = published(city, KEYED)

    def keyed(i: int, mc: str) -> dict[str, Any]:
        return {
            "nd": 2020 + i,
            "rq": dt.date(2024, 1, 1) + dt.timedelta(days=i),
            "sj": dt.datetime(2024, 1, 1, 8, 0, 0, 123456, tzinfo=dt.UTC) + dt.timedelta(hours=i),
            "bz": i % 2 == 0,
            "dm": "" if i == 0 else f'代码,"{i}"',
            "sl": Decimal(f"{i}.50"),
            "mc": mc,
        }

    first = load(resource, city, [keyed(i, "甲") for i in range(4)])
    assert counts(first) == (4, 0, 0, 0)
    second = load(resource, city, [keyed(0, "甲"), keyed(1, "乙"), keyed(2, "甲"), keyed(9, "丙")])
    assert counts(second) == (1, 1, 1, 2)
    assert {r["mc"] for r in storage.current_rows(resource)} == {"甲", "乙", "丙"}


def test_a_new_version_adds_columns_and_hides_removed_items(resource, city):
    load(resource, city, FIRST)
    base = [i for i in items(*EXTRA) if i["name"] != "yx"]
    revised = _revise(
        city, resource, [*base, {"name": "bz", "label": "备注", "item_type": "string"}]
    )
    table = storage.ensure_table(revised)
    assert table.version_id == revised.live_version_id
    assert table.columns["bz"]["hidden"] is False and table.columns["yx"]["hidden"] is True
    current = storage.current_rows(revised)
    assert current == [{**{k: v for k, v in r.items() if k != "yx"}, "bz": None} for r in FIRST]
    # Unchanged rows stay unchanged although a column came and another went.
    again = load(revised, city, [{k: v for k, v in r.items() if k != "yx"} for r in FIRST])
    assert counts(again) == (0, 0, 0, 5)
    changed = load(revised, city, [{**{k: v for k, v in row(1).items() if k != "yx"}, "bz": "x"}])
    assert counts(changed) == (0, 1, 4, 0)
    with connection.cursor() as cursor:  # the hidden item's values are kept
        cursor.execute(f"SELECT count(*) FROM {table.table_name} WHERE yx IS NOT NULL")
        assert cursor.fetchone()[0] == 5
    with pytest.raises(Invalid):
        load(revised, city, [row(1)])  # yx is no longer an item


def test_a_key_change_is_refused(resource, city):
    storage.ensure_table(resource)
    rekeyed = [{**i, "is_key": i["name"] == "xm", "is_required": True} for i in items(*EXTRA)]
    revised = _revise(city, resource, rekeyed)
    with pytest.raises(Invalid) as error:
        storage.ensure_table(revised)
    assert error.value.code == "key_changed"
    table = ResourceTable.objects.get(resource=resource)
    assert table.version_id != revised.live_version_id


def test_type_changes_widen_or_are_refused_naming_the_item(resource, city):
    load(resource, city, FIRST)
    widened = [{**i, "item_type": "decimal"} if i["name"] == "hs" else i for i in items(*EXTRA)]
    resource = _revise(city, resource, widened)
    table = storage.ensure_table(resource)
    assert table.columns["hs"]["type"] == "decimal"
    assert storage.current_rows(resource)[0]["hs"] == Decimal(1)
    narrowed = [
        {**i, "item_type": "integer"} if i["name"] == "xm" else i
        for i in items(*[{**e, "item_type": "decimal"} if e["name"] == "hs" else e for e in EXTRA])
    ]
    resource = _revise(city, resource, narrowed)
    with pytest.raises(Invalid) as error:
        storage.ensure_table(resource)
    assert error.value.code == "type_changed" and "xm" in error.value.message


def test_each_batch_is_audited_with_its_counts_and_the_chain_verifies(resource, city):
    batch = load(resource, city, FIRST, checksum="b" * 64)
    record = AuditEntry.objects.get(action="dataplane.batch.commit")
    assert record.object_id == str(batch.pk)
    assert record.details["inserted"] == 5 and record.details["checksum"] == "b" * 64
    assert record.actor_label == batch.actor_label != ""
    assert audit.verify().ok


ALL_NULL = dict.fromkeys(["gmsfhm", "xm", "djrq", "hs", "je", "yx", "gxsj"])
LOADS = st.lists(
    st.dictionaries(
        st.sampled_from([f"k{i}" for i in range(8)]),
        st.fixed_dictionaries(
            {
                "xm": st.none() | st.sampled_from(["甲", "乙"]),
                "hs": st.none() | st.integers(-3, 3),
                "je": st.none() | st.sampled_from([Decimal("2.5"), Decimal("2.50"), Decimal(3)]),
            }
        ),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(loads=LOADS)
def test_any_sequence_of_loads_keeps_every_state_readable(resource, city, loads):
    """Whatever is loaded: the current state is the last load, every earlier state reads back
    as it was loaded, the counts add up, the changes since a batch lead from it to now, and
    undoing the last batch brings back the state before it."""
    states = []
    for rows_by_key in loads:
        rows = [{**ALL_NULL, "gmsfhm": k, **v} for k, v in sorted(rows_by_key.items())]
        before = storage.current_rows(resource)
        batch = load(resource, city, rows)
        assert batch.rows_inserted + batch.rows_updated + batch.rows_unchanged == len(rows)
        assert batch.rows_inserted + batch.rows_unchanged + batch.rows_updated - len(before) == (
            batch.rows_inserted - batch.rows_deleted
        )
        as_read = [{**r, "je": None if r["je"] is None else Decimal(r["je"])} for r in rows]
        assert storage.current_rows(resource) == as_read
        states.append((batch.number, as_read))
    for number, state in states:
        assert storage.rows_as_of(resource, number) == state
        changes = storage.changes_since(resource, number)
        replayed = {r["gmsfhm"]: r for r in state}
        for deleted in changes.deleted:
            del replayed[deleted["gmsfhm"]]
        replayed.update({r["gmsfhm"]: r for r in changes.inserted + changes.updated})
        assert sorted(replayed.values(), key=lambda r: r["gmsfhm"]) == states[-1][1]
    last = Batch.objects.filter(resource=resource).order_by("-number").first()
    previous = storage.rows_as_of(resource, last.number - 1)
    storage.undo_batch(resource, last, actor=city.actor(city.analyst))
    assert storage.current_rows(resource) == previous


def test_measure_large_loads(resource, city):
    """Printed figures, not asserted: a 100,000-row full load and a reload with 1% changed."""
    n = 100_000
    schema = storage.Layout.of(storage.ensure_table(resource)).schema()

    def batches(changed: int) -> list[pa.RecordBatch]:
        out = []
        for start in range(0, n, 10_000):
            rows = [
                row(i, xm="新" if i % 100 == 0 and changed else f"姓名{i}")
                for i in range(start, start + 10_000)
            ]
            out.append(
                pa.RecordBatch.from_pylist([{**r, "je": str(r["je"])} for r in rows], schema=schema)
            )
        return out

    first_rows, second_rows = batches(0), batches(1)
    started = time.perf_counter()
    first = load(resource, city, first_rows)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = load(resource, city, second_rows)
    second_s = time.perf_counter() - started
    assert counts(first)[0] == n and counts(second)[1] == n // 100
    print(
        f"\n[{connection.vendor}] full load {n} rows: {first_s:.2f}s ({n / first_s:,.0f} rows/s); "
        f"reload 1% changed: {second_s:.2f}s ({n / second_s:,.0f} rows/s)"
    )


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.none(),
            st.from_regex(r"[+-]?[0-9]{0,40}(\.[0-9]{0,40})?", fullmatch=True).filter(
                lambda t: any(c.isdigit() for c in t)
            ),
            st.decimals(allow_nan=False, allow_infinity=False).map(str),
        ),
        max_size=20,
    )
)
def test_a_column_of_decimals_gets_the_same_canonical_text_as_one_value(values):
    expected = [None if v is None else storage.decimal_text(v) for v in values]
    assert storage.decimal_texts(pa.array(values, pa.string())).to_pylist() == expected


def test_decimals_are_never_rounded():
    long = "1234567890123456789012345678901234567890.000123456789"
    assert storage.decimal_text(long) == long
    assert storage.decimal_texts(pa.array([long + "000"])).to_pylist() == [long]


def test_tables_from_before_fingerprints_get_the_column_and_load_on(resource, city):
    """The migration adds ``_fp`` to a data table made before it; the next load of the same
    rows finds them unchanged and fills their fingerprints in."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection as db

    migration = import_module("govdata.dataplane.migrations.0004_row_fingerprints")
    load(resource, city, FIRST)
    table = ResourceTable.objects.get(resource=resource).table_name
    with db.cursor() as cursor:
        cursor.execute(f'ALTER TABLE {table} DROP COLUMN "_fp"')
    editor = SimpleNamespace(connection=db)  # the migration uses the editor's connection only
    migration.add_fingerprints(apps, editor)
    migration.add_fingerprints(apps, editor)  # run twice: nothing more happens
    assert set(_fingerprints(table).values()) == {None}
    assert counts(load(resource, city, FIRST)) == (0, 0, 0, 5)
    assert None not in _fingerprints(table).values()


def _ids(table: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT gmsfhm, "_id" FROM {table} WHERE "_batch_to" IS NULL')
        return dict(cursor.fetchall())


def test_rows_written_after_a_first_load_get_ids_of_their_own(resource, city):
    """A first load numbers its rows itself (not from the table's sequence row by row): the
    rows written after it must still get fresh ids."""
    load(resource, city, FIRST)
    table = ResourceTable.objects.get(resource=resource).table_name
    first = _ids(table)
    assert sorted(first.values()) == list(range(min(first.values()), min(first.values()) + 5))
    storage.apply_changes(resource, [row(6), row(1, xm="改名")], [], actor=city.actor(city.analyst))
    after = _ids(table)
    assert len(set(after.values())) == 6
    assert after[row(6)["gmsfhm"]] > max(first.values())
    assert after[row(1)["gmsfhm"]] > max(first.values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL collation")
def test_tables_from_before_the_byte_collation_get_it_and_load_on(resource, city):
    """The migration gives an older table's text columns the byte collation that the staging
    tables of a load have (their joins by key then use the key index), and loads go on."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps

    migration = import_module("govdata.dataplane.migrations.0005_text_collation")
    load(resource, city, FIRST)
    table = ResourceTable.objects.get(resource=resource)
    text = [n for n, c in table.columns.items() if c["type"] in ("string", "ric")]
    with connection.cursor() as cursor:
        for name in text:
            cursor.execute(f'ALTER TABLE {table.table_name} ALTER COLUMN "{name}" TYPE text')
    table.columns = {n: {**c, "sql": "text"} if n in text else c for n, c in table.columns.items()}
    table.save()
    editor = SimpleNamespace(connection=connection)
    migration.collate_text(apps, editor)
    migration.collate_text(apps, editor)  # run twice: nothing more happens
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, collation_name FROM information_schema.columns "
            "WHERE table_name = %s AND data_type = 'text'",
            [table.table_name],
        )
        assert dict(cursor.fetchall()) == {name: "C" for name in text}
    table.refresh_from_db()
    assert {table.columns[n]["sql"] for n in text} == {'text COLLATE "C"'}
    changed = storage.apply_changes(
        resource, [row(2, xm="改名")], [], actor=city.actor(city.analyst)
    )
    assert counts(changed) == (0, 1, 0, 0)
