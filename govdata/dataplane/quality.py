# SQL is built from quoted identifiers (item names checked by the catalog) and fixed literals.
# ruff: noqa: S608
"""The quality of a resource's data (AGG-3): five dimensions and a 0–100 score, measured after
every committed load and whenever the resource is measured again (the data age meanwhile).

Everything is counted by the database in one aggregate query over the current rows of the
resource's table (``_batch_to IS NULL``): no row is fetched into Python, so a measure of a
million-row table costs one scan. After a load the counts are carried instead (the last
report's, plus what the load wrote, minus what it closed), and after a full load job they are
the job's own ``Tally`` of the rows it accepted. The formula is written down in docs/dataplane.md ("Quality");
the figures behind each dimension are kept in ``QualityReport.details`` so that a provider can
see which item is empty, which identifier repeats, which rule fails.

* completeness — per visible item, the share of current rows where it is empty (NULL, or ''
  for text); the dimension is the weighted mean of ``1 - empty rate``, key and required
  items weighing 2, the others 1.
* validity — the share of the load's rows that passed the door:
  ``1 - (rejected + rule violations) / read``. A measure without a load carries the last
  report's figure.
* uniqueness — ``1 - duplicates / rows``: the storage keeps keys unique among current rows, so
  the duplicates counted are values of a non-key identifier item (resident ID, credit code)
  found under more than one key, the worst item counting.
* consistency — rules across items: a resident ID number agrees with the birth date item
  (digits 7–14) and the gender item (parity of digit 17, odd = male); the share of checked
  values that agree.
* timeliness — 1 while the last committed batch is within the update cycle's allowance
  (``freshness.cycle_allowance``), falling linearly to 0 at twice the allowance.

A dimension that does not apply (no rule, no row, an irregular cycle) counts as 1 and is named
in ``details["not_applicable"]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from govdata.catalog.choices import ItemType
from govdata.catalog.models import DataItem, Resource

from .freshness import cycle_allowance
from .models import Batch, BatchKind, BatchStatus, QualityReport, ResourceTable
from .storage import Layout, q

# Weights of the score (they add up to 100); docs/dataplane.md gives the same figures.
WEIGHTS = {
    "completeness": 25,
    "validity": 25,
    "uniqueness": 20,
    "consistency": 15,
    "timeliness": 15,
}
DIMENSIONS = tuple(WEIGHTS)
# A key or required item weighs this much in completeness; any other item weighs 1.
REQUIRED_WEIGHT = 2

TEXT_TYPES = (ItemType.STRING, ItemType.RIC, ItemType.USCC)
IDENTIFIER_TYPES = (ItemType.RIC, ItemType.USCC)

# How the consistency rules recognise the items they compare (name or Chinese label).
GENDER_NAMES = frozenset({"gender", "sex", "xb"})
GENDER_LABEL = "性别"
BIRTH_NAMES = frozenset({"birth_date", "birthday", "csrq"})
BIRTH_LABEL = "出生日期"
# Common encodings of gender: words, GB/T 2261.1 codes (1 male, 2 female), letters. Listed as
# written rather than folded per row: the comparison stays a plain IN over the column.
MALE = ("男", "男性", "1", "M", "m")
FEMALE = ("女", "女性", "2", "F", "f")
ODD = ("1", "3", "5", "7", "9")
EVEN = ("0", "2", "4", "6", "8")


@dataclass(frozen=True)
class _Item:
    name: str
    label: str
    item_type: str
    is_key: bool
    is_required: bool


def _literals(values: tuple[str, ...]) -> str:
    """Fixed values as SQL literals (they are constants of this module, never user input)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _filled(column: str, item_type: str) -> str:
    """Counts the rows where the item is not empty (NULL, or for text also ''). A comparison,
    not NULLIF: SQLite runs it about twice as fast."""
    if item_type in TEXT_TYPES:
        return f"COUNT(CASE WHEN {column} <> '' THEN 1 END)"
    return f"COUNT({column})"


def _items(resource: Resource, layout: Layout, version_id: int) -> list[_Item]:
    """The visible columns with their catalog items (labels, key and required flags)."""
    found = {i.name: i for i in DataItem.objects.filter(version_id=version_id).order_by("position")}
    items = []
    for name in layout.visible:
        item = found.get(name)
        items.append(
            _Item(
                name=name,
                label=item.label if item else name,
                item_type=layout.types[name],
                is_key=name in layout.key,
                is_required=bool(item and item.is_required),
            )
        )
    return items


# --- Consistency rules ----------------------------------------------------------------------------


def _subject_id(items: list[_Item]) -> _Item | None:
    """The resident ID item that names the row's person: the one among the key items, or the
    only one. With several and none in the key, whose birth date would we compare? None."""
    rics = [i for i in items if i.item_type == ItemType.RIC]
    keyed = [i for i in rics if i.is_key]
    if len(keyed) == 1:
        return keyed[0]
    return rics[0] if len(rics) == 1 else None


def _find(items: list[_Item], names: frozenset[str], label: str, types: tuple[str, ...]) -> Any:
    for item in items:
        if (item.name.lower() in names or label in item.label) and item.item_type in types:
            return item
    return None


def _birth_digits(item: _Item) -> str:
    """The birth date item as eight digits YYYYMMDD, in SQL of the database in use."""
    column = q(item.name)
    if item.item_type == ItemType.DATE:
        if connection.vendor == "postgresql":
            return f"to_char({column}, 'YYYYMMDD')"
        return f"REPLACE({column}, '-', '')"  # SQLite keeps dates as ISO text
    if item.item_type == ItemType.INTEGER:
        return f"CAST({column} AS TEXT)"
    text = f"TRIM({column})"
    for separator in ("-", "/", ".", "年", "月", "日"):
        text = f"REPLACE({text}, '{separator}', '')"
    return text


def _birth_digits_arrow(item: _Item, values: pa.Array) -> pa.Array:
    """``_birth_digits`` of a column in Arrow, to the character."""
    if item.item_type == ItemType.DATE:
        # Figures rather than strftime, which is ten times slower; years below 1000 padded.
        number = pc.add(
            pc.add(pc.multiply(pc.year(values), 10_000), pc.multiply(pc.month(values), 100)),
            pc.day(values),
        )
        return pc.utf8_lpad(number.cast(pa.string()), 8, "0")
    if item.item_type == ItemType.INTEGER:
        return values.cast(pa.string())
    text = pc.utf8_trim(values, " ")  # SQL's TRIM takes spaces only
    for separator in ("-", "/", ".", "年", "月", "日"):
        text = pc.replace_substring(text, separator, "")
    return text


def _count_arrow(condition: pa.Array) -> int:
    """``_count`` in Arrow: a NULL condition counts as false, as in SQL's CASE."""
    return int(pc.sum(pc.fill_null(condition, False)).as_py() or 0)


@dataclass(frozen=True)
class _Rule:
    """A consistency rule as two SQL sums — rows checked, rows that agree — and the same two
    counts over a record batch in Arrow (``counts``), written side by side so that they stay
    one rule."""

    name: str
    id_item: str
    item: str
    checked: str
    agree: str
    counts: Callable[[pa.RecordBatch], tuple[int, int]]


def _rules(items: list[_Item]) -> list[_Rule]:
    """The consistency rules that apply, as SQL. Each expression is kept to plain comparisons
    and one SUBSTR (no folding, trimming or length per row): the scan stays near the cost of a
    count. The door lets only 18-character resident ID numbers in; a malformed one loaded some
    other way simply disagrees."""
    subject = _subject_id(items)
    if subject is None:
        return []
    number = q(subject.name)
    present = f"{number} IS NOT NULL"
    rules = []
    birth = _find(
        items, BIRTH_NAMES, BIRTH_LABEL, (ItemType.DATE, ItemType.STRING, ItemType.INTEGER)
    )
    if birth is not None:
        digits = _birth_digits(birth)
        checked = f"{present} AND {q(birth.name)} IS NOT NULL"
        if birth.item_type != ItemType.DATE:
            checked += f" AND LENGTH({digits}) = 8"

        def birth_counts(batch: pa.RecordBatch, birth: _Item = birth) -> tuple[int, int]:
            ric, value = batch.column(subject.name), batch.column(birth.name)
            digits = _birth_digits_arrow(birth, value)
            checked = pc.and_(pc.is_valid(ric), pc.is_valid(value))
            if birth.item_type != ItemType.DATE:
                checked = pc.and_(checked, pc.equal(pc.utf8_length(digits), 8))
            agree = pc.and_(checked, pc.equal(pc.utf8_slice_codeunits(ric, 6, 14), digits))
            return _count_arrow(checked), _count_arrow(agree)

        rules.append(
            _Rule(
                name="birth_date",
                id_item=subject.name,
                item=birth.name,
                checked=checked,
                agree=f"{checked} AND SUBSTR({number}, 7, 8) = {digits}",
                counts=birth_counts,
            )
        )
    gender = _find(items, GENDER_NAMES, GENDER_LABEL, (ItemType.STRING, ItemType.INTEGER))
    if gender is not None:
        column = q(gender.name)
        if gender.item_type == ItemType.INTEGER:
            male, female = f"{column} = 1", f"{column} = 2"
        else:
            male = f"{column} IN ({_literals(MALE)})"
            female = f"{column} IN ({_literals(FEMALE)})"
        said = f"CASE WHEN {male} THEN 1 WHEN {female} THEN 0 END"
        digit = f"SUBSTR({number}, 17, 1)"
        born = (
            f"CASE WHEN {digit} IN ({_literals(ODD)}) THEN 1 "
            f"WHEN {digit} IN ({_literals(EVEN)}) THEN 0 END"
        )

        def gender_counts(batch: pa.RecordBatch, gender: _Item = gender) -> tuple[int, int]:
            ric, value = batch.column(subject.name), batch.column(gender.name)
            if gender.item_type == ItemType.INTEGER:
                is_male, is_female = pc.equal(value, 1), pc.equal(value, 2)
            else:
                is_male = pc.is_in(value, pa.array(MALE))
                is_female = pc.is_in(value, pa.array(FEMALE))
            said = pc.if_else(is_male, 1, pc.if_else(is_female, 0, pa.scalar(None, pa.int8())))
            digit = pc.utf8_slice_codeunits(ric, 16, 17)
            odd, even = pc.is_in(digit, pa.array(ODD)), pc.is_in(digit, pa.array(EVEN))
            born = pc.if_else(odd, 1, pc.if_else(even, 0, pa.scalar(None, pa.int8())))
            checked = pc.and_(pc.is_valid(ric), pc.or_(is_male, is_female))
            return _count_arrow(checked), _count_arrow(pc.equal(said, born))

        rules.append(
            _Rule(
                name="gender",
                id_item=subject.name,
                item=gender.name,
                checked=f"{present} AND ({male} OR {female})",
                agree=f"({said}) = ({born})",
                counts=gender_counts,
            )
        )
    return rules


# --- The one scan ---------------------------------------------------------------------------------


def _count(condition: str) -> str:
    return f"COUNT(CASE WHEN {condition} THEN 1 END)"


@dataclass
class _Scan:
    rows: int
    empty: dict[str, int]
    identifiers: dict[str, tuple[int, int]]  # item → (values, distinct values)
    rules: dict[str, tuple[int, int]]  # rule → (checked, agree)


def _scan(
    layout: Layout, items: list[_Item], rules: list[_Rule], where: str | None = None
) -> _Scan:
    """Every count the dimensions need, in one aggregate query over the current rows (or the
    rows ``where`` picks)."""
    selects = ["COUNT(*)"]
    for item in items:
        selects.append(_filled(q(item.name), item.item_type))
    unique = _identifier_items(items)
    for item in unique:
        value = f"NULLIF({q(item.name)}, '')"
        selects += [f"COUNT({value})", f"COUNT(DISTINCT {value})"]
    for rule in rules:
        selects += [_count(rule.checked), _count(rule.agree)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(selects)} FROM {q(layout.table)} "
            f"WHERE {where or q('_batch_to') + ' IS NULL'}"
        )
        values = [int(v or 0) for v in cursor.fetchone()]
    rows, values = values[0], values[1:]
    empty = {item.name: rows - values[n] for n, item in enumerate(items)}
    values = values[len(items) :]
    identifiers = {item.name: (values[2 * n], values[2 * n + 1]) for n, item in enumerate(unique)}
    values = values[2 * len(unique) :]
    checks = {rule.name: (values[2 * n], values[2 * n + 1]) for n, rule in enumerate(rules)}
    return _Scan(rows, empty, identifiers, checks)


def _identifier_items(items: list[_Item]) -> list[_Item]:
    """The items whose values must not repeat under different keys (uniqueness)."""
    return [i for i in items if i.item_type in IDENTIFIER_TYPES and not i.is_key]


class Tally:
    """The counts of ``_scan``, made in Arrow over a full load's rows while the job reads
    them. After a full load the current rows are exactly the rows it accepted — a row it left
    unchanged is equal in every visible column, every other was written or closed — so the
    measure after it needs no scan of the table (a tenth of a million-row load's time)."""

    def __init__(self, resource: Resource, layout: Layout, version_id: int):
        self.version_id = version_id
        self.items = _items(resource, layout, version_id)
        self.rules = _rules(self.items)
        self.rows = 0
        self.filled = {item.name: 0 for item in self.items}
        self.identifiers: dict[str, list[pa.Array]] = {
            item.name: [] for item in _identifier_items(self.items)
        }
        self.checks = {rule.name: (0, 0) for rule in self.rules}

    def add(self, batch: pa.RecordBatch) -> None:
        """Count a batch of accepted rows in the table's schema (``storage.conform``)."""
        self.rows += batch.num_rows
        for item in self.items:
            column = batch.column(item.name)
            if item.item_type in TEXT_TYPES:
                self.filled[item.name] += _count_arrow(pc.not_equal(column, ""))
            else:
                self.filled[item.name] += len(column) - column.null_count
        for name, parts in self.identifiers.items():
            column = batch.column(name)
            parts.append(column.filter(pc.not_equal(column, "")))  # NULL and '' dropped
        for rule in self.rules:
            checked, agree = rule.counts(batch)
            was_checked, was_agreeing = self.checks[rule.name]
            self.checks[rule.name] = (was_checked + checked, was_agreeing + agree)

    def scan(self) -> _Scan:
        identifiers = {}
        for name, parts in self.identifiers.items():
            values = pa.chunked_array(parts, pa.string())
            identifiers[name] = (len(values), pc.count_distinct(values).as_py())
        empty = {name: self.rows - filled for name, filled in self.filled.items()}
        return _Scan(self.rows, empty, identifiers, dict(self.checks))


def _counts_of(scan: _Scan, batch_number: int, version_id: int) -> dict[str, Any]:
    """The scan's additive counts as a report keeps them, with the state they describe."""
    return {
        "batch": batch_number,
        "version": version_id,
        "rows": scan.rows,
        "empty": scan.empty,
        "rules": {name: list(figures) for name, figures in scan.rules.items()},
    }


def _last_committed(resource: Resource, *, before: int | None = None) -> int:
    batches = Batch.objects.filter(resource=resource, status=BatchStatus.COMMITTED)
    if before is not None:
        batches = batches.filter(number__lt=before)
    return batches.aggregate(last=Max("number"))["last"] or 0


def _scan_after(
    resource: Resource,
    layout: Layout,
    items: list[_Item],
    rules: list[_Rule],
    batch: Batch,
    version_id: int,
) -> _Scan:
    """The counts after ``batch``: the last report's counts of the state before it, plus the
    rows the batch wrote, minus the rows it closed — two index reads instead of a scan of the
    whole table. The whole table is scanned when the counts cannot be carried: no report of
    the state just before, another version of the entry, a later batch committed meanwhile,
    or a distinct count (of identifier values) to make, which does not add up."""
    before = _last_committed(resource, before=batch.number)
    last = latest(resource) if before else None
    carried = last.details.get("counts") if last else None
    if (
        carried is None
        or carried["batch"] != before
        or carried["version"] != version_id
        or _identifier_items(items)
        or _last_committed(resource) != batch.number
    ):
        return _scan(layout, items, rules)
    number = int(batch.number)
    added = _scan(layout, items, rules, where=f"{q('_batch_from')} = {number}")
    closed = _scan(layout, items, rules, where=f"{q('_batch_to')} = {number}")
    return _Scan(
        rows=carried["rows"] + added.rows - closed.rows,
        empty={
            i.name: carried["empty"].get(i.name, 0) + added.empty[i.name] - closed.empty[i.name]
            for i in items
        },
        identifiers={},
        rules={
            r.name: tuple(
                was + new - gone
                for was, new, gone in zip(
                    carried["rules"].get(r.name, (0, 0)),
                    added.rules[r.name],
                    closed.rules[r.name],
                    strict=True,
                )
            )
            for r in rules
        },
    )


# --- The dimensions -------------------------------------------------------------------------------


def _completeness(items: list[_Item], scan: _Scan) -> tuple[float | None, dict[str, Any]]:
    per_item = {}
    total = weights = 0.0
    for item in items:
        rate = scan.empty[item.name] / scan.rows if scan.rows else 0.0
        weight = REQUIRED_WEIGHT if (item.is_key or item.is_required) else 1
        per_item[item.name] = {
            "label": item.label,
            "empty": scan.empty[item.name],
            "empty_rate": round(rate, 6),
            "weight": weight,
        }
        total += weight * (1 - rate)
        weights += weight
    value = total / weights if (scan.rows and weights) else None
    return value, {"items": per_item}


def _validity(
    resource: Resource,
    batch: Batch | None,
    rows_read: int,
    rows_rejected: int,
    rule_violations: int,
) -> tuple[float | None, dict[str, Any]]:
    if batch is not None and not rows_read:
        # The storage counts in ``rows_read`` the rows it was given (those that passed the
        # door); the rows set aside before it are ``rows_rejected``.
        rows_read = batch.rows_read + batch.rows_rejected
        rows_rejected = rows_rejected or batch.rows_rejected
    if rows_read:
        bad = min(rows_read, rows_rejected + rule_violations)
        figures = {
            "source": "load",
            "rows_read": rows_read,
            "rows_rejected": rows_rejected,
            "rule_violations": rule_violations,
        }
        return 1 - bad / rows_read, figures
    last = latest(resource)
    if last is not None and not last.details.get("validity", {}).get("not_applicable"):
        carried = dict(last.details.get("validity", {}))
        carried.update(source="carried", from_report=last.pk)
        return last.validity, carried
    return None, {"source": "none"}


def _uniqueness(items: list[_Item], scan: _Scan) -> tuple[float | None, dict[str, Any]]:
    per_item = {
        name: {"values": values, "distinct": distinct, "duplicates": values - distinct}
        for name, (values, distinct) in scan.identifiers.items()
    }
    # Keys are unique among current rows by the table's unique index: never a duplicate.
    figures: dict[str, Any] = {"key_duplicates": 0, "items": per_item}
    if not scan.rows:
        return None, figures
    worst = max((f["duplicates"] for f in per_item.values()), default=0)
    figures["duplicates"] = worst
    return 1 - worst / scan.rows, figures


def _consistency(rules: list[_Rule], scan: _Scan) -> tuple[float | None, dict[str, Any]]:
    applied: dict[str, dict[str, Any]] = {
        rule.name: {
            "id_item": rule.id_item,
            "item": rule.item,
            "checked": scan.rules[rule.name][0],
            "agree": scan.rules[rule.name][1],
        }
        for rule in rules
    }
    checked = sum(scan.rules[rule.name][0] for rule in rules)
    agree = sum(scan.rules[rule.name][1] for rule in rules)
    return (agree / checked if checked else None), {"rules": applied}


def last_load_at(resource: Resource) -> dt.datetime | None:
    """When the resource's last committed batch finished (None: never)."""
    return Batch.objects.filter(resource=resource, status=BatchStatus.COMMITTED).aggregate(
        at=Max("finished_at")
    )["at"]


def timeliness_of(age: dt.timedelta, allowance: dt.timedelta) -> float:
    """1 within the allowance, then linearly down to 0 at twice the allowance."""
    if age <= allowance:
        return 1.0
    return max(0.0, 2.0 - age / allowance)


def _timeliness(resource: Resource, now: dt.datetime) -> tuple[float | None, dict[str, Any]]:
    version = resource.live_version
    cycle = version.update_cycle if version is not None else ""
    allowance = cycle_allowance(cycle)
    loaded = last_load_at(resource)
    figures: dict[str, Any] = {
        "update_cycle": cycle,
        "allowance_days": allowance.days if allowance else None,
        "last_load_at": loaded.isoformat() if loaded else None,
    }
    if allowance is None:
        return None, figures
    # With no load yet, the data has been missing since the entry was first published.
    since = loaded or resource.versions.aggregate(at=Min("published_at"))["at"] or now
    age = max(now - since, dt.timedelta(0))
    figures["age_days"] = round(age.total_seconds() / 86400, 3)
    return timeliness_of(age, allowance), figures


def score_of(dimensions: dict[str, float]) -> float:
    """The 0–100 score: the weighted sum of the five dimensions (each 0–1)."""
    return round(sum(WEIGHTS[d] * dimensions[d] for d in DIMENSIONS), 1)


# --- The service ------------------------------------------------------------------------------------


def measure(
    resource: Resource,
    *,
    batch: Batch | None = None,
    rows_read: int = 0,
    rows_rejected: int = 0,
    rule_violations: int = 0,
    tally: Tally | None = None,
) -> QualityReport:
    """Measure the resource's current data and record the report (AGG-3). Call it after a load
    commits, with that ``batch`` and the counts of the door (rows read from the source, rows
    rejected, rows that broke a rule without being refused) and, for a full load, the
    ``tally`` of its accepted rows; without a batch it measures the resource as it stands
    (validity carried from the last load). Writes one ``QualityReport``."""
    with transaction.atomic():
        return _measure(resource, batch, rows_read, rows_rejected, rule_violations, tally)


def _measure(
    resource: Resource,
    batch: Batch | None,
    rows_read: int,
    rows_rejected: int,
    rule_violations: int,
    tally: Tally | None = None,
) -> QualityReport:
    now = timezone.now()
    # Under the lock on the table's row no load can commit: the counts are of one state.
    table = ResourceTable.objects.select_for_update().filter(resource=resource).first()
    counts: dict[str, Any] | None = None
    if table is not None:
        layout = Layout.of(table)
        items = _items(resource, layout, table.version_id)
        rules = _rules(items)
        if batch is None:
            scan = _scan(layout, items, rules)
            counted = _last_committed(resource)
        elif (
            tally is not None
            and batch.kind == BatchKind.FULL
            and tally.version_id == table.version_id
            and _last_committed(resource) == batch.number
        ):
            scan, counted = tally.scan(), batch.number
        else:
            scan = _scan_after(resource, layout, items, rules, batch, table.version_id)
            counted = batch.number
        counts = _counts_of(scan, counted, table.version_id)
    else:
        items, rules, scan = [], [], _Scan(0, {}, {}, {})
    measured: dict[str, tuple[float | None, dict[str, Any]]] = {
        "completeness": _completeness(items, scan),
        "validity": _validity(resource, batch, rows_read, rows_rejected, rule_violations),
        "uniqueness": _uniqueness(items, scan),
        "consistency": _consistency(rules, scan),
        "timeliness": _timeliness(resource, now),
    }
    dimensions: dict[str, float] = {}
    details: dict[str, Any] = {
        "rows": scan.rows,
        "weights": WEIGHTS,
        "not_applicable": [],
        "counts": counts,
    }
    for name, (value, figures) in measured.items():
        if value is None:
            details["not_applicable"].append(name)
            figures = {**figures, "not_applicable": True}
        dimensions[name] = 1.0 if value is None else min(1.0, max(0.0, value))
        details[name] = figures
    return QualityReport.objects.create(
        resource=resource,
        batch=batch,
        measured_at=now,
        rows=scan.rows,
        score=score_of(dimensions),
        details=details,
        **{name: round(value, 6) for name, value in dimensions.items()},
    )


def history(resource: Resource, *, limit: int = 90) -> list[QualityReport]:
    """The last ``limit`` reports of the resource, oldest first (the chart's points)."""
    reports = list(
        QualityReport.objects.filter(resource=resource).order_by("-measured_at", "-id")[:limit]
    )
    reports.reverse()
    return reports


def latest(resource: Resource) -> QualityReport | None:
    return QualityReport.objects.filter(resource=resource).order_by("-measured_at", "-id").first()
