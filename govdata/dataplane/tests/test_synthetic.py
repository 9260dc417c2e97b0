"""The demo's synthetic data (issue 4, item 10): valid identifiers, what was planted is there and
nothing else, the same seed gives the same file, and the departments' data agree with the
registers except where a conflict was planted."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from govdata.catalog import demo
from govdata.catalog.models import Resource
from govdata.catalog.testing import compile_entry, items, publish
from govdata.dataplane import parsers, synthetic, validation

SPECS = {spec.key: spec for spec in demo.entry_specs()}
POPULATION = SPECS["rk_jbxx"]
ENTITIES = SPECS["fr_qydj"]
INSURANCE = SPECS["sb_zhxx"]  # social insurance, keyed by the ID number
TAXPAYERS = SPECS["sw_nsrdj"]  # tax registration, keyed by the credit code
MARRIAGES = SPECS["mz_hydj"]  # two persons a row, keyed by the registration number


def read(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def generate(spec: Any, rows: int, **options: Any) -> tuple[bytes, synthetic.Summary]:
    return synthetic.csv_bytes(spec.items, rows, name=spec.name, **options)


def checked(spec: Any, data: bytes) -> tuple[set[int], int]:
    """Rows validation rejects (numbered from 1 = the first data row) and rows read."""
    item_specs = synthetic.items_of(spec.items)[1]
    upload = parsers.open_upload(io.BytesIO(data), items=item_specs, max_bytes=1 << 30, fmt="csv")
    rejected: set[int] = set()
    read_rows = 0
    for batch in upload.batches():
        result = validation.check_batch(batch, item_specs)
        rejected |= {row.row - 1 for row in result.rejected}  # the header is the file's row 1
        read_rows += batch.num_rows
    return rejected, read_rows


def test_id_numbers_and_credit_codes_pass_python_stdnum():
    data, summary = generate(POPULATION, 20_000, anomalies=0.001)
    people = read(data)
    clean = [
        row
        for number, row in enumerate(people, start=1)
        if number not in summary.faulty and number not in summary.anomalies
    ]
    assert len(clean) == 20_000 - 200 - 20
    assert all(stdnum_ric.is_valid(row["gmsfhm"]) for row in clean)
    assert len({row["gmsfhm"] for row in people}) == len(people)

    data, summary = generate(ENTITIES, 5_000)
    entities = [row for n, row in enumerate(read(data), start=1) if n not in summary.faulty]
    assert entities and all(stdnum_uscc.is_valid(row["tyshxydm"]) for row in entities)
    assert all(row["tyshxydm"][8:17].isalnum() for row in entities)


def test_gender_and_birth_date_agree_with_the_id_number_in_clean_rows():
    data, summary = generate(POPULATION, 5_000)
    rows = [row for n, row in enumerate(read(data), start=1) if n not in summary.faulty]
    for row in rows:
        number = row["gmsfhm"]
        assert row["csrq"] == f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
        assert row["xb"] == ("1" if int(number[16]) % 2 else "2")
    assert Counter(row["xb"] for row in rows).keys() == {"1", "2"}
    assert len({row["xm"] for row in rows}) > len(rows) // 3  # names vary


def test_exactly_the_planted_rows_are_rejected_by_validation():
    data, summary = generate(POPULATION, 10_000, faults=0.02, anomalies=0.003)
    assert len(summary.faulty) == 200
    assert set(summary.faulty.values()) == set(synthetic.FAULT_KINDS)
    rejected, read_rows = checked(POPULATION, data)
    assert read_rows == 10_000
    assert rejected == set(summary.faulty)
    # the division anomalies are kept: their ID numbers carry the demo city's own code
    people = read(data)
    assert len(summary.anomalies) == 30
    assert all(people[n - 1]["gmsfhm"].startswith("9901") for n in summary.anomalies)


def test_no_faults_asked_none_planted():
    data, summary = generate(POPULATION, 3_000, faults=0.0, conflicts=0.0)
    assert summary.faulty == {} and summary.conflicts == {}
    assert checked(POPULATION, data)[0] == set()


@pytest.mark.parametrize("key", sorted(key for key, spec in SPECS.items() if spec.items), ids=str)
def test_every_structured_demo_entry_gets_valid_rows_with_distinct_keys(key):
    spec = SPECS[key]
    data, summary = generate(spec, 600, faults=0.01, people=2_000, entities=500)
    rejected, read_rows = checked(spec, data)
    assert read_rows == 600
    assert rejected == set(summary.faulty)
    assert len(summary.faulty) == 6
    keys = [i["name"] for i in spec.items if i["is_key"]]
    clean = [row for n, row in enumerate(read(data), start=1) if n not in summary.faulty]
    assert len({tuple(row[k] for k in keys) for row in clean}) == len(clean)


def test_the_same_seed_gives_the_same_bytes_whatever_the_chunks():
    first = generate(POPULATION, 2_500, seed=7)[0]
    assert generate(POPULATION, 2_500, seed=7, chunk_rows=333)[0] == first
    assert generate(POPULATION, 2_500, seed=8)[0] != first


def test_departments_speak_of_the_registers_people_with_planted_conflicts():
    register = {row["gmsfhm"]: row for row in read(generate(POPULATION, 4_000, faults=0)[0])}
    data, summary = generate(INSURANCE, 1_500, faults=0, conflicts=0.004, people=4_000)
    insured = read(data)
    assert all(row["gmsfhm"] in register for row in insured)  # the same ID numbers
    differing = {row["gmsfhm"] for row in insured if row["xm"] != register[row["gmsfhm"]]["xm"]}
    assert len(summary.conflicts) == 6
    assert differing == {key for key, _item in summary.conflicts.values()}
    # Another department holds some of the same people too.
    married = read(generate(MARRIAGES, 1_000, faults=0, conflicts=0, people=4_000)[0])
    assert {row["nfgmsfhm"] for row in married} & {row["gmsfhm"] for row in insured}
    men = [register[row["nfgmsfhm"]] for row in married]
    assert {row["xb"] for row in men} == {"1"}
    assert all(row["nfxm"] == register[row["nfgmsfhm"]]["xm"] for row in married)


def test_entities_keep_their_credit_code_and_name_across_departments():
    register = {row["tyshxydm"]: row for row in read(generate(ENTITIES, 800, faults=0)[0])}
    data, summary = generate(TAXPAYERS, 300, faults=0, conflicts=0.01, entities=800)
    taxpayers = read(data)
    assert all(row["nsrsbh"] in register for row in taxpayers)
    differing = {r["nsrsbh"] for r in taxpayers if r["nsrmc"] != register[r["nsrsbh"]]["mc"]}
    assert differing == {key for key, _item in summary.conflicts.values()}
    assert len(differing) == 3


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31),
    rows=st.integers(1, 1_500),
    chunk=st.integers(1, 700),
    faults=st.sampled_from([0.0, 0.005, 0.05, 0.2]),
)
def test_any_seed_and_size_plants_exactly_the_share_asked_and_keys_stay_distinct(
    seed, rows, chunk, faults
):
    data, summary = generate(POPULATION, rows, seed=seed, faults=faults, chunk_rows=chunk)
    assert data == generate(POPULATION, rows, seed=seed, faults=faults)[0]
    assert len(summary.faulty) == round(faults * rows)
    people = read(data)
    assert len(people) == rows
    assert len({row["gmsfhm"] for row in people}) == rows


@pytest.mark.django_db
def test_a_published_resource_is_generated_from_its_live_items(city, tmp_path):
    compiler = city.actor(city.analyst)
    version = compile_entry(compiler, city.department, items_=items())
    publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)])
    resource = Resource.objects.get(pk=version.resource_id)
    path = tmp_path / "data.csv"
    summary = synthetic.write_csv(resource, path, 1_000, faults=0.01)
    rows = read(path.read_bytes())
    assert list(rows[0]) == ["gmsfhm", "xm", "djrq"] == summary.columns
    assert len(rows) == 1_000 and len(summary.faulty) == 10
    item_specs = synthetic.items_of(resource)[1]
    rejected = set()
    for batch in parsers.read_batches(path, items=item_specs, max_bytes=1 << 30):
        rejected |= {r.row - 1 for r in validation.check_batch(batch, item_specs).rejected}
    assert rejected == set(summary.faulty)
