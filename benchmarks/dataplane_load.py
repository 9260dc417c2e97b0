"""Benchmark of the data plane (issue 4, item 11): loading a population register end to end,
against the database's own bulk path for the same file.

On a throwaway database made like a test database (SQLite under a temporary folder, or the
PostgreSQL server of BENCH_DATABASE_URL), with a population register entry (the demo catalog's
人口基础信息 items) published through the catalog services:

* **floor** — the database's own bulk path for the same CSV into a table of the same columns,
  the key index built after the load: ``COPY … FROM STDIN`` then ``CREATE INDEX`` on PostgreSQL;
  ``executemany`` of the rows parsed by the csv module in one transaction then ``CREATE INDEX``
  on SQLite. The columns are text: the file holds the planted invalid rows (an impossible date)
  that a typed column would refuse, and the floor checks nothing;
* **first load** of the synthetic CSV (``synthetic.write_csv``, 1% invalid rows) end to end as
  a load job runs it (``services.run_job``: parse, validate, keep the rejected rows, stage, diff,
  write, measure quality), after the upload is stored (``services.start_upload``, timed apart);
* **second full load** of the same file with 1% of the rows changed;
* **peak memory** of each load: the resident set's high-water mark of the process that ran it
  (each load runs in a child process of its own);
* **key lookup** of the current row by ID number (``storage.get_by_key``), 2,000 random keys;
* **export** of the current state as CSV (``export.export_rows``) against the database's raw
  dump (``export.raw_dump_csv``: ``COPY … TO`` on PostgreSQL).

The figures replace this database's section of docs/benchmarks.md. Usage:
``python benchmarks/dataplane_load.py [--rows N] [--rounds N] [--profile] [--no-write]``. The
machine's speed varies from minute to minute: each figure is the fastest of ``--rounds`` rounds
(2 by default), the floor and the loads alike.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import datetime as dt
import io
import json
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHILD = "--child" in sys.argv
# A scratch folder for the SQLite files, the uploads, the queue and the secret key.
SCRATCH = None if "GOVDATA_VAR_DIR" in os.environ else tempfile.mkdtemp(prefix="govdata-bench-")
if SCRATCH:
    os.environ["GOVDATA_VAR_DIR"] = SCRATCH
if os.environ.get("BENCH_DATABASE_URL") and not CHILD:
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
os.environ["DJANGO_SETTINGS_MODULE"] = "govdata.settings"
os.environ["GOVDATA_QUEUE_IMMEDIATE"] = "0"  # the benchmark runs the load job itself

import django  # noqa: E402

django.setup()

import benchdoc  # noqa: E402  (benchmarks/benchdoc.py)
from django.db import connection, transaction  # noqa: E402

from govdata.catalog import demo  # noqa: E402
from govdata.catalog.models import Resource  # noqa: E402
from govdata.catalog.testing import compile_entry, publish  # noqa: E402
from govdata.dataplane import services, storage, synthetic  # noqa: E402
from govdata.dataplane.models import LoadJob  # noqa: E402
from govdata.orgs.actors import Actor  # noqa: E402
from govdata.orgs.models import Person  # noqa: E402

SEED = 20260411
LOOKUPS = 2_000
POPULATION = next(spec for spec in demo.entry_specs() if spec.key == "rk_jbxx")
FLOOR_TABLE = "bench_floor"
PHASES = {  # where the time of a load goes, by the function that does it (for --profile)
    "parse (parsers: decode, split, batches)": ("parsers.py", "batches"),
    "validate (validation.check_batch)": ("validation.py", "check_batch"),
    "keep rejected rows (RejectedRecord)": ("services.py", "_keep_rejected"),
    "first load into an empty table (storage._first_load: write, then index)": (
        "storage.py",
        "_first_load",
    ),
    "diff by fingerprint (storage._full_diff: Arrow join, stage the rows that differ)": (
        "storage.py",
        "_full_diff",
    ),
    "stage a change set (storage._stage: executemany/COPY, key check)": ("storage.py", "_stage"),
    "diff and write (storage._apply)": ("storage.py", "_apply"),
    "quality (quality.measure)": ("quality.py", "measure"),
}


# --- Setting up ------------------------------------------------------------------------------------


def build_resource(city: Any, number: int) -> Resource:
    """The population register entry of the city's department, published (one per round)."""
    compiler = city.actor(city.analyst)
    items = demo._items(POPULATION.items, POPULATION.sensitivity)
    name = POPULATION.name if number == 0 else f"{POPULATION.name}（{number + 1}）"
    version = compile_entry(compiler, city.department, items_=items, name=name, security_level=3)
    publish(version, compiler=compiler, reviewers=[city.actor(city.reviewer)])
    return Resource.objects.get(pk=version.resource_id)


def write_files(rows: int, folder: Path) -> tuple[Path, Path, int]:
    """The population CSV and the same file with 1% of its rows changed (their marital status
    and address); returns both paths and the number of rows changed."""
    first = folder / "population.csv"
    start = time.perf_counter()
    summary = synthetic.write_csv(POPULATION.items, first, rows, seed=SEED, name=POPULATION.name)
    print(f"generated {rows:,} rows in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    second = folder / "population-changed.csv"
    rng = random.Random(SEED)
    changed = set(rng.sample(range(rows), rows // 100))
    with (
        first.open(encoding="utf-8", newline="") as src,
        second.open("w", encoding="utf-8", newline="") as out,
    ):
        reader, writer = csv.reader(src), csv.writer(out, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        address, marital = header.index("hjdz"), header.index("hyzk")
        for number, row in enumerate(reader):
            if number in changed and number + 1 not in summary.faulty:
                row[address] = row[address] + "附1"
                row[marital] = "40" if row[marital] != "40" else "20"
            writer.writerow(row)
    return first, second, len(changed - {n - 1 for n in summary.faulty})


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{urllib.parse.quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{settings['NAME']}"


def in_child(*args: str) -> dict[str, Any]:
    """Run this script with ``--child …`` on the same database; its last line is JSON."""
    env = {**os.environ, "DATABASE_URL": database_url()}
    env.pop("BENCH_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"child {args} failed:\n{done.stderr[-4000:]}")
    if done.stderr.strip():
        print(done.stderr.rstrip(), file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- What children do ------------------------------------------------------------------------------


def peak_mib() -> float:
    """This process's resident-set high-water mark. /proc's VmHWM starts afresh at exec, while
    ``ru_maxrss`` keeps the parent's high-water mark of before the fork."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child_floor(path: Path) -> dict[str, Any]:
    """The database's own bulk path into a text table of the same columns, index after."""
    with path.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    key = next(i["name"] for i in POPULATION.items if i["is_key"])
    q = connection.ops.quote_name
    columns = ", ".join(f"{q(c)} text" for c in header)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {q(FLOOR_TABLE)}")
        cursor.execute(f"CREATE TABLE {q(FLOOR_TABLE)} ({columns})")
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {q(FLOOR_TABLE)} FROM STDIN WITH (FORMAT csv, HEADER)"
            with path.open("rb") as f, cursor.cursor.copy(copy_sql) as copy:
                while data := f.read(1 << 20):
                    copy.write(data)
        else:
            marks = ", ".join(["%s"] * len(header))
            with path.open(encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                next(reader)
                cursor.executemany(f"INSERT INTO {q(FLOOR_TABLE)} VALUES ({marks})", reader)
        cursor.execute(f"CREATE INDEX {q(FLOOR_TABLE + '_key')} ON {q(FLOOR_TABLE)} ({q(key)})")
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {q(FLOOR_TABLE)}")
        count = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {q(FLOOR_TABLE)}")
    return {"seconds": seconds, "rows": count, "peak_mib": peak_mib()}


def child_load(path: Path, resource_id: int, profile: bool) -> dict[str, Any]:
    """One full load as a job runs it: the upload stored, then ``run_job`` to its end."""
    res = Resource.objects.select_related("live_version").get(pk=resource_id)
    actor = Actor.for_person(Person.objects.get(username="analyst"))
    start = time.perf_counter()
    with path.open("rb") as f:
        job = services.start_upload(actor, res, f, file_name=path.name, declared_no_secret=True)
    stored = time.perf_counter() - start
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    services.run_job(job.pk)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    job = LoadJob.objects.select_related("batch").get(pk=job.pk)
    if job.status != "done":
        raise RuntimeError(f"the load ended {job.status}: {job.error}")
    batch = job.batch
    result: dict[str, Any] = {
        "stored_seconds": stored,
        "seconds": seconds,
        "read": job.rows_read,
        "rejected": job.rows_rejected,
        "inserted": batch.rows_inserted,
        "updated": batch.rows_updated,
        "deleted": batch.rows_deleted,
        "unchanged": batch.rows_unchanged,
        "peak_mib": peak_mib(),
        "quality": _quality_score(res),
    }
    if profiler:
        result["phases"] = _phases(profiler, seconds)
    return result


def _quality_score(res: Resource) -> float | None:
    try:
        from govdata.dataplane import quality
    except ImportError:
        return None
    report = quality.latest(res)
    return float(report.score) if report is not None else None


def _phases(profiler: cProfile.Profile, total: float) -> dict[str, float]:
    stats = pstats.Stats(profiler)
    found: dict[str, float] = {}
    for (filename, _line, function), (*_counts, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for phase, (file_end, name) in PHASES.items():
            if function == name and filename.endswith(file_end) and "dataplane" in filename:
                found[phase] = found.get(phase, 0.0) + cumulative
    # the parser's generator is resumed from validation's loop: its time is counted apart
    found["everything else (spool, progress, batch records)"] = max(
        0.0, total - sum(found.values())
    )
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(25)
    print(buffer.getvalue(), file=sys.stderr)
    return found


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=["floor", "load"])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--resource", type=int, default=0)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    if args.child == "floor":
        result = child_floor(args.file)
    else:
        result = child_load(args.file, args.resource, args.profile)
    print(json.dumps(result))


# --- Reads in the parent ---------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def time_lookups(res: Resource, path: Path) -> tuple[float, float, int]:
    keys: list[str] = []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        rows = [row[0] for row in reader]
    rng = random.Random(SEED)
    keys = rng.sample(rows, min(LOOKUPS, len(rows)))
    del rows
    for key in keys[:50]:  # warm the connection and the cache
        storage.get_by_key(res, {"gmsfhm": key})
    times, found = [], 0
    for key in keys:
        start = time.perf_counter()
        row = storage.get_by_key(res, {"gmsfhm": key})
        times.append(time.perf_counter() - start)
        found += row is not None
    ms = [t * 1000 for t in times]
    return statistics.median(ms), percentile(ms, 0.99), found


def time_export(res: Resource, rounds: int) -> dict[str, Any] | None:
    """The export and the raw dump, each the fastest of ``rounds`` runs."""
    runs = [_time_export(res) for _ in range(rounds)]
    if runs[0] is None:
        return None
    best = min(runs, key=lambda r: r["seconds"])
    raw = min(runs, key=lambda r: r["raw_seconds"])
    return {**best, **{k: v for k, v in raw.items() if k.startswith("raw_")}}


def _time_export(res: Resource) -> dict[str, Any] | None:
    try:
        from govdata.dataplane import export
    except ImportError:
        return None
    sink = export.NullSink()
    start = time.perf_counter()
    stream = export.export_rows(res, "csv")
    for chunk in stream.chunks:
        sink.write(chunk)
    seconds = time.perf_counter() - start
    raw_sink = export.NullSink()
    start = time.perf_counter()
    raw_rows = export.raw_dump_csv(res, raw_sink)
    raw_seconds = time.perf_counter() - start
    return {
        "rows": stream.rows,
        "seconds": seconds,
        "bytes": sink.size,
        "raw_rows": raw_rows,
        "raw_seconds": raw_seconds,
        "raw_bytes": raw_sink.size,
    }


# --- The report -----------------------------------------------------------------------------------


def report(rows: int, figures: dict[str, Any], about: str) -> list[str]:
    floor, first, second = figures["floor"], figures["first"], figures["second"]
    floor_rate = floor["rows"] / floor["seconds"]
    first_rate = first["read"] / first["seconds"]
    second_rate = second["read"] / second["seconds"]
    floor_path = (
        "`COPY` of the CSV into a text table, then `CREATE INDEX`"
        if connection.vendor == "postgresql"
        else "`executemany` of the csv module's rows into a text table in one transaction, "
        "then `CREATE INDEX`"
    )
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Data plane loads on {connection.vendor}",
        "",
        f"Measured {when} on {about}. `benchmarks/dataplane_load.py`: a population register "
        f"(人口基础信息, {len(POPULATION.items)} items, keyed by the ID number) of {rows:,} "
        f"synthetic rows ({figures['size_mb']:.0f} MB of CSV, 1% invalid rows planted) loaded "
        "as a load job runs it — parse, validate, keep the rejected rows, stage, diff, write, "
        "measure quality — each load in a process of its own. Floor: the database's own bulk "
        f"path for the same file, {floor_path}. Each time is the fastest of "
        f"{figures['rounds']} rounds (a round: the floor, then a first and a second load into a "
        "new entry; the export and the raw dump run once more than the rounds, after the "
        "last), as this machine's speed varies from minute to minute; peak memory is the "
        "largest of the rounds. Targets: first "
        "load ≥ 0.5 × the floor's rate; second load ≤ 0.5 × the first's time; peak memory "
        "≤ 1 GiB; export ≥ 0.5 × the raw dump.",
        "",
        "| what | rows | seconds | rows/s | ratio | peak MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| floor: the database's bulk path | {floor['rows']:,} | {floor['seconds']:.1f} | "
        f"{floor_rate:,.0f} | 1 | {floor['peak_mib']:,.0f} |",
        f"| first load, end to end | {first['read']:,} | {first['seconds']:.1f} | "
        f"{first_rate:,.0f} | **{first_rate / floor_rate:.2f}** of the floor | "
        f"{first['peak_mib']:,.0f} |",
        f"| second load, {figures['changed']:,} rows changed | {second['read']:,} | "
        f"{second['seconds']:.1f} | {second_rate:,.0f} | **{second['seconds'] / first['seconds']:.2f}**"
        f" × the first's time | {second['peak_mib']:,.0f} |",
    ]
    export = figures.get("export")
    if export:
        rate, raw_rate = (
            export["rows"] / export["seconds"],
            export["raw_rows"] / export["raw_seconds"],
        )
        lines += [
            f"| export of the current state as CSV (`export_rows`) | {export['rows']:,} | "
            f"{export['seconds']:.1f} | {rate:,.0f} | **{rate / raw_rate:.2f}** of the raw dump | |",
            f"| raw dump (`raw_dump_csv`) | {export['raw_rows']:,} | {export['raw_seconds']:.1f} | "
            f"{raw_rate:,.0f} | 1 | |",
        ]
    lines += [
        "",
        f"First load: {first['inserted']:,} rows written, {first['rejected']:,} rejected; the "
        f"upload itself was stored in {first['stored_seconds']:.1f} s before the job (not "
        f"counted). Second load: {second['updated']:,} updated, {second['unchanged']:,} "
        f"unchanged, {second['inserted']:,} inserted, {second['deleted']:,} deleted. Quality "
        f"score after the loads: {first['quality'] if first['quality'] is not None else 'n/a'}"
        f" / {second['quality'] if second['quality'] is not None else 'n/a'}. Peak memory is "
        "the load process's resident set (Django included), not the database server's.",
        "",
        f"Key lookup of the current row by ID number (`storage.get_by_key`, {LOOKUPS:,} random "
        f"keys, {figures['found']:,} found): p50 {figures['p50']:.2f} ms, p99 "
        f"{figures['p99']:.2f} ms.",
    ]
    if not export:
        lines += ["", "Export: not measured (no `export.py` yet)."]
    if first.get("phases") and second.get("phases"):
        lines += [
            "",
            "Where the loads' time goes (cProfile, cumulative; profiling slows them down):",
            "",
            "| phase | first load, s | second load, s |",
            "| --- | ---: | ---: |",
            *[
                f"| {phase} | {seconds:.1f} | {second['phases'].get(phase, 0.0):.1f} |"
                for phase, seconds in first["phases"].items()
            ],
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true", help="profile the loads too")
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the docs")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; the fastest counts")
    args = parser.parse_args()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    folder = Path(tempfile.mkdtemp(prefix="govdata-bench-files-"))
    figures: dict[str, Any] = {}
    try:
        from govdata.conftest import build_city

        city = build_city()
        first_file, second_file, changed = write_files(args.rows, folder)
        figures["size_mb"] = first_file.stat().st_size / 2**20
        figures["changed"] = changed
        figures["rounds"] = args.rounds
        profile = ["--profile"] if args.profile else []
        rounds: dict[str, list[dict[str, Any]]] = {"floor": [], "first": [], "second": []}
        for number in range(args.rounds):
            res = build_resource(city, number)
            connection.close()  # the children write; the parent holds no transaction open
            for name, child, file in (
                ("floor", "floor", first_file),
                ("first", "load", first_file),
                ("second", "load", second_file),
            ):
                extra = [] if child == "floor" else ["--resource", str(res.pk), *profile]
                rounds[name].append(in_child(child, "--file", str(file), *extra))
                print(f"round {number + 1}: {name}", rounds[name][-1], file=sys.stderr)
        for name, runs in rounds.items():
            figures[name] = {
                **min(runs, key=lambda r: r["seconds"]),
                "peak_mib": max(r["peak_mib"] for r in runs),
            }
        figures["p50"], figures["p99"], figures["found"] = time_lookups(res, first_file)
        figures["export"] = time_export(res, args.rounds + 1)
        print("export", figures["export"], file=sys.stderr)
        about = benchdoc.machine()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(Exception):
            connection.creation.destroy_test_db(old_name, verbosity=0)
        if SCRATCH:
            shutil.rmtree(SCRATCH, ignore_errors=True)
    lines = report(args.rows, figures, about)
    print("\n".join(lines))
    if not args.no_write:
        benchdoc.write_section("dataplane-load", lines)


if __name__ == "__main__":
    if CHILD:
        child_main(sys.argv[1:])
    else:
        main()
