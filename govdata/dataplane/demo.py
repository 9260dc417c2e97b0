"""The gathered data of the demo city 示范市 (issue 4, item 10).

``load(size="small")`` fills every published structured entry of the demo catalog
(``govdata.catalog.demo``) with synthetic data (``synthetic``), through the real load path: the
provider's data staff upload a CSV with the declaration (``services.start_upload``) and the job
runs (``services.run_job``), so each load is checked at the door, written as a batch, and its
quality measured, as in real use. What the demo then shows:

* rejected rows in every load (a share ``FAULTS`` of planted faults: wrong check characters,
  impossible dates, missing values, values too long), ready to download with their reasons;
  a few ID numbers with the demo city's own (fictional) division code, kept with a warning;
* a second load of the population register (人口基础信息) a "day" later — people who moved or
  married, who died, who were registered since — so its history has two batches with changes,
  and the second can be undone;
* the city data authority naming the population register authoritative for a person's name
  keyed by ID number (AGG-4), and the finding run at once: the social insurance, medical
  insurance and civil affairs entries hold planted other spellings of the same people's names,
  so a coordination case is open with their conflicts;
* a quality report per entry.

Every department's data speak of the same people and legal entities (one synthetic world from
one seed), so the same ID number carries the same name everywhere except where a conflict was
planted. The jobs run here, synchronously and inside the caller's transaction, so the demo is
complete when ``load_demo`` returns; ``start_upload`` also hands each job to the queue when that
transaction commits, where the delivery finds the job claimed and does nothing.

``SIZES`` gives the sizes: ``small`` (2,000 people; for ``make run``) and ``large`` (a
1,000,000-person population register, the other entries scaled with it).
"""

from __future__ import annotations

import io
import tempfile
import time
from dataclasses import dataclass
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction

from govdata.catalog.choices import Sensitivity
from govdata.catalog.models import Resource
from govdata.orgs import demo as org_demo
from govdata.orgs import queries as org_queries
from govdata.orgs.actors import Actor
from govdata.orgs.choices import Level, Role
from govdata.orgs.models import Organisation, Person, RoleAssignment

from . import services, single_source, storage, synthetic
from .models import Batch, CoordinationStatus, KeyKind, LoadJob, LoadStatus, RejectedRecord

SEED = 2026  # one world: every department's data speak of the same people and entities
FAULTS = 0.01  # share of the rows of each load that validation rejects
ANOMALIES = 0.001  # population rows with a division-anomaly ID number (kept, with a warning)
# Files above this many rows are written to a temporary file instead of memory.
IN_MEMORY_ROWS = 50_000


class DataAlreadyLoaded(org_demo.DemoAlreadyLoaded):
    """Loads exist already: the demo data never go on top of gathered data."""


@dataclass(frozen=True)
class Size:
    people: int  # the population register's rows: the persons of the synthetic world
    entities: int  # the enterprise register's rows: its legal entities
    rows: int  # rows of every other entry
    conflicts: float  # share of another department's rows that spell a name differently


SIZES = {
    "small": Size(people=2_000, entities=500, rows=300, conflicts=0.01),
    "large": Size(people=1_000_000, entities=100_000, rows=20_000, conflicts=0.002),
}


@dataclass
class Loaded:
    entries: int
    loads: int
    rows: int  # current rows over all entries
    rejected: int
    people: int
    cases: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"data in {self.entries} entries ({self.people:,} people, {self.rows:,} rows from "
            f"{self.loads} loads, {self.rejected:,} rows rejected), "
            f"{self.cases} coordination case{'s' if self.cases != 1 else ''} open"
        )


def _check_empty() -> None:
    if LoadJob.objects.exists() or Batch.objects.exists():
        raise DataAlreadyLoaded("data have been loaded already")


def loadable_entries() -> list[Resource]:
    """The published structured entries of the catalog that may hold data: those with data
    items and not classified secret (AGG-7), the registers first (the others refer to them)."""
    found = [
        resource
        for resource in Resource.objects.filter(live_version__isnull=False)
        .select_related("provider", "live_version")
        .order_by("code")
        if resource.live_version is not None
        and resource.live_version.sensitivity != Sensitivity.SECRET
        and resource.live_version.items.exists()
    ]
    registers = list(synthetic.REGISTERS)
    return sorted(
        found,
        key=lambda r: registers.index(_name(r)) if _name(r) in registers else len(registers),
    )


def _name(resource: Resource) -> str:
    return resource.live_version.name if resource.live_version is not None else ""


class _Loaders:
    """Who loads each provider's data: its data staff (else another compiling role, else the
    platform administrator), looked up once per provider."""

    def __init__(self) -> None:
        admin = Person.objects.filter(username="admin").first()
        if admin is None:
            raise org_demo.DemoError("the demo data need the demo city: load it first")
        self.admin = Actor.for_person(admin)
        self._by_provider: dict[int, Actor] = {}

    def holder(self, organisation: Organisation | None, roles: list[str]) -> Actor | None:
        if organisation is None:
            return None
        for role in roles:
            person = (
                Person.objects.filter(
                    pk__in=RoleAssignment.objects.filter(
                        organisation=organisation, role=role, person__is_active=True
                    ).values("person_id")
                )
                .order_by("pk")
                .first()
            )
            if person is not None:
                return Actor.for_person(person)
        return None

    def of(self, provider: Organisation) -> Actor:
        if provider.pk not in self._by_provider:
            self._by_provider[provider.pk] = (
                self.holder(
                    provider, [Role.DATA_STAFF, Role.CHIEF_DATA_OFFICER, Role.DATA_EXECUTIVE]
                )
                or self.admin
            )
        return self._by_provider[provider.pk]


def _rows_of(resource: Resource, size: Size) -> int:
    name = _name(resource)
    if name == synthetic.POPULATION_REGISTER:
        return size.people
    if name == synthetic.ENTITY_REGISTER:
        return size.entities
    return size.rows


def _file(rows: int) -> IO[bytes]:
    if rows <= IN_MEMORY_ROWS:
        return io.BytesIO()
    return tempfile.TemporaryFile(prefix="govdata-demo-", suffix=".csv")


def _upload(actor: Actor, resource: Resource, stream: IO[bytes], file_name: str) -> LoadJob:
    """Upload and run the job here (the worker's entry point), so the load is done on return."""
    stream.seek(0)
    job = services.start_upload(
        actor, resource, stream, file_name=file_name, declared_no_secret=True
    )
    done = services.run_job(job.pk)
    if done is None or done.status != LoadStatus.DONE:
        error = done.error if done is not None else "the job was taken by another worker"
        raise org_demo.DemoError(f"the demo data of {resource.code} did not load: {error}")
    return done


def _first_load(actor: Actor, resource: Resource, size: Size) -> LoadJob:
    rows = _rows_of(resource, size)
    register = _name(resource) == synthetic.POPULATION_REGISTER
    with _file(rows) as stream:
        synthetic.write_csv(
            resource,
            stream,
            rows,
            seed=SEED,
            faults=FAULTS,
            conflicts=size.conflicts,
            anomalies=ANOMALIES if register else 0.0,
            people=size.people,
            entities=size.entities,
        )
        return _upload(actor, resource, stream, f"{resource.code}.csv")


# --- The population register a day later ---------------------------------------------------------

MOVED_EVERY = 97  # a person in 97 moved house (another household's address and division)
MARRIED_EVERY = 89  # one in 89 married
DIED_EVERY = 1_999  # one in 1,999 died: the row leaves the register
REGISTERED_SINCE = 0.002  # new people (born or moved in), a share of the register


def _changed(batch: pa.RecordBatch, start: int) -> pa.RecordBatch:
    """One chunk of the register a day later (by row index: the same file for the same size)."""
    index = np.arange(start, start + batch.num_rows, dtype=np.int64)
    columns = {name: batch.column(name) for name in batch.schema.names}
    moved = pa.array(index % MOVED_EVERY == 3)
    if "hjdz" in columns and "xzqhdm" in columns and batch.num_rows > 1:
        # Take the address of a household further down the chunk: address and division agree.
        other = pa.array((np.arange(batch.num_rows) + 7) % batch.num_rows)
        for name in ("hjdz", "xzqhdm"):
            columns[name] = pc.if_else(moved, columns[name].take(other), columns[name])
    if "hyzk" in columns:
        married = pa.array(index % MARRIED_EVERY == 5)
        columns["hyzk"] = pc.if_else(married, pa.scalar("20"), columns["hyzk"])
    alive = pa.array(index % DIED_EVERY != 11)
    return pa.RecordBatch.from_arrays(
        [columns[n] for n in batch.schema.names], names=batch.schema.names
    ).filter(alive)


def _second_load(actor: Actor, resource: Resource, size: Size) -> LoadJob:
    """The register with a few people moved, married, died and registered since: a batch with
    updates, inserts and deletes, the rest unchanged (so nothing is written for it)."""
    rows = size.people
    born = max(3, round(REGISTERED_SINCE * rows))
    with _file(rows) as stream:
        summary = synthetic.Summary()
        start = 0
        for batch in synthetic.batches(
            resource,
            rows,
            seed=SEED,
            faults=FAULTS,
            anomalies=ANOMALIES,
            summary=summary,
            people=size.people,
            entities=size.entities,
        ):
            if not start:
                stream.write((",".join(summary.columns) + "\n").encode("utf-8"))
            stream.write(synthetic.csv_lines(_changed(batch, start)))
            start += batch.num_rows
        # The next persons of the same world, without faults: the newly registered. (The
        # generator makes the whole larger register to get them: seconds at a million rows.)
        end = 0
        for batch in synthetic.batches(
            resource, rows + born, seed=SEED, faults=0.0, people=size.people, entities=size.entities
        ):
            end += batch.num_rows
            if end > rows:
                stream.write(
                    synthetic.csv_lines(batch.slice(max(0, rows - (end - batch.num_rows))))
                )
        return _upload(actor, resource, stream, f"{resource.code}-2.csv")


# --- Single source -------------------------------------------------------------------------------


def _open_case(loaders: _Loaders, population: Resource) -> int:
    """The city data authority names the population register authoritative for a person's name
    keyed by ID number and runs the finding: a coordination case opens with the conflicts."""
    authority = org_queries.authority_of_area(population.provider, Level.CITY)
    actor = loaders.holder(authority, [Role.DATA_EXECUTIVE]) or loaders.admin
    source = single_source.check_name_source(
        actor=actor,
        resource=population,
        item_name="xm",
        key_kind=KeyKind.RIC,
        reason="《中华人民共和国居民身份证法》：公民身份号码和姓名以公安机关户籍登记为准。",
    )
    found = single_source.find_and_open(source, actor)
    return 1 if found.case is not None and found.case.status == CoordinationStatus.OPEN else 0


# --- Loading -------------------------------------------------------------------------------------


def load(size: str = "small") -> Loaded:
    """Load the demo data into a database that holds the demo catalog and no loads yet; inside
    the caller's transaction (a savepoint), all or nothing. Raises DataAlreadyLoaded when loads
    exist, DemoError when the demo catalog is missing or a load fails."""
    started = time.monotonic()
    if size not in SIZES:
        raise org_demo.DemoError(f"unknown demo size {size!r}: one of {', '.join(SIZES)}")
    sizes = SIZES[size]
    _check_empty()
    entries = loadable_entries()
    population = next((r for r in entries if _name(r) == synthetic.POPULATION_REGISTER), None)
    if population is None:
        raise org_demo.DemoError(
            "the demo data need the demo catalog's population register: load the catalog first"
        )
    with transaction.atomic():
        _check_empty()
        loaders = _Loaders()
        loads = 0
        for resource in entries:
            _first_load(loaders.of(resource.provider), resource, sizes)
            loads += 1
        _second_load(loaders.of(population.provider), population, sizes)
        loads += 1
        cases = _open_case(loaders, population)
    current = sum(storage.count_current(r) for r in entries)
    return Loaded(
        entries=len(entries),
        loads=loads,
        rows=current,
        rejected=RejectedRecord.objects.count(),
        people=sizes.people,
        cases=cases,
        seconds=time.monotonic() - started,
    )
