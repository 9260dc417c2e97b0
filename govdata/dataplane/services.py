"""Loads: how a department's data gets into the platform (AGG-1, AGG-2, AGG-7).

A load starts as a ``LoadJob`` — from an upload in the console or the API, a push from a
department's system, or a scheduled pull — and runs on the task queue:

1. *start* (in the request): the permission check, the loader's declaration that the data holds
   nothing secret, the file kept under ``DATAPLANE_UPLOAD_DIR`` with its size and SHA-256;
2. *reading and checking* (in the worker): the file parsed and checked batch by batch, progress
   committed after each batch, rejected rows kept with their reasons, the accepted rows handed
   on: on PostgreSQL to a writer thread that writes them as they come in a transaction of its
   own (``_Pipe``), elsewhere to an Arrow file on disk (``_Spool``);
3. *writing*: the rows diffed and written by ``storage`` in one transaction, in which the job
   is also marked done; it commits only after the last row is read and checked. A load whose
   share of rejected rows passes the resource's threshold, or which breaks, writes nothing.

A worker that dies mid-way leaves its transaction uncommitted, so the previous state stands; the
job is found by ``sweep_interrupted`` and may be run again from the kept file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import logging
import queue
import threading
import uuid
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from govdata.catalog import queries as catalog_queries
from govdata.catalog import services as catalog_services
from govdata.catalog.choices import Sensitivity
from govdata.catalog.models import Resource
from govdata.catalog.services import systems as catalog_systems
from govdata.core import audit
from govdata.core.actors import ActorRef
from govdata.core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from govdata.orgs.actors import Actor

from . import parsers, quality, storage
from .fingerprints import text_fingerprints
from .models import (
    ACTIVE_LOAD_STATES,
    BatchChannel,
    BatchKind,
    ItemRule,
    LoadJob,
    LoadStatus,
    RejectedRecord,
    ResourceTable,
)
from .validation import CHECKS_REVISION, Checked, Rule, check_batch, rule_problems

logger = logging.getLogger(__name__)

# Loads refused early: once this many rows are rejected and the share so far is above the
# threshold, reading stops (a wrong file should not fill the rejected-row store).
REJECTED_EARLY_STOP = 100_000
_COPY_CHUNK = 1 << 20


# --- Who may load and read ------------------------------------------------------------------------


def may_load(actor: Actor, resource: Resource) -> bool:
    """The provider's compiling staff and its registered systems load a published entry's data."""
    return resource.live_version_id is not None and catalog_queries.can_compile(
        actor, resource.provider
    )


def require_load(actor: Actor, resource: Resource) -> None:
    """``Forbidden`` unless the actor may load the resource's data."""
    if not may_load(actor, resource):
        raise Forbidden(_("Only the provider's data staff and systems load its data."))


def may_read_data(actor: Actor, resource: Resource) -> bool:
    """The gathered rows, batches and jobs are read by the provider's own people and systems and
    by those who oversee its area; other departments read them through sharing, later."""
    return resource.live_version_id is not None and (
        catalog_queries.can_compile(actor, resource.provider)
        or catalog_queries.may_see_unpublished(actor, resource)
    )


def access_resource(actor: Actor, resource_id: int, *, load: bool = False) -> Resource:
    """The resource, if the actor may read its data (and load it, with ``load``); the same
    ``NotFound`` for a missing resource and one the actor may not read."""
    resource = (
        Resource.objects.select_related("provider", "live_version").filter(pk=resource_id).first()
    )
    if resource is None or not may_read_data(actor, resource):
        raise NotFound(_("No such catalog entry."))
    if load:
        require_load(actor, resource)
    return resource


def access_job(actor: Actor, job_id: int) -> LoadJob:
    job = LoadJob.objects.select_related("resource", "batch").filter(pk=job_id).first()
    if job is None or not may_read_data(actor, job.resource):
        raise NotFound(_("No such load."))
    return job


# --- What a load checks against ------------------------------------------------------------------


def item_specs(resource: Resource) -> list[parsers.ItemSpec]:
    """The live version's data items as the parser and the checks see them."""
    version = resource.live_version
    if version is None:
        return []
    return [
        parsers.ItemSpec(
            name=item.name,
            label=item.label,
            item_type=item.item_type,
            is_key=item.is_key,
            is_required=item.is_required,
            length=item.length,
        )
        for item in version.items.order_by("position")
    ]


def rules_of(resource: Resource) -> dict[str, Rule]:
    return {
        rule.item_name: Rule(
            codes=tuple(rule.codes or ()),
            pattern=rule.pattern,
            minimum=rule.minimum,
            maximum=rule.maximum,
        )
        for rule in ItemRule.objects.filter(resource=resource)
    }


def checks_signature(
    resource: Resource, specs: list[parsers.ItemSpec], rules: dict[str, Rule]
) -> str:
    """A name for the checks a row of ``resource`` passes at the door: its items, their rules
    and the checking code's revision. Two loads under the same signature accept and type a
    row of the same text alike (``ResourceTable.checked_under``)."""
    described = json.dumps(
        [
            CHECKS_REVISION,
            resource.live_version_id,
            [astuple(spec) for spec in specs],
            sorted((name, astuple(rule)) for name, rule in rules.items()),
        ],
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(described.encode()).hexdigest()


def platform_max_error_rate() -> float:
    """The share of rejected rows above which a load is refused, where a resource sets none."""
    return float(settings.DATAPLANE_MAX_ERROR_RATE)


def max_error_rate(resource: Resource) -> float:
    table = storage.table_of(resource)
    if table is not None and table.max_error_rate is not None:
        return table.max_error_rate
    return platform_max_error_rate()


def max_upload_bytes() -> int:
    return int(settings.DATAPLANE_MAX_UPLOAD_MB) * 1024 * 1024


def _refuse_secret(resource: Resource) -> None:
    """AGG-7: secret data never enters the platform, whatever the loader declares."""
    version = resource.live_version
    if version is not None and version.sensitivity == Sensitivity.SECRET:
        raise Invalid(
            _("This entry is classified secret: its data cannot be loaded into the platform."),
            code="secret",
        )


def _require_declaration(declared_no_secret: bool) -> None:
    if not declared_no_secret:
        raise Invalid(
            _("Every load carries the loader's declaration that the data holds no secret data."),
            code="declaration_required",
        )


# --- Starting a load -----------------------------------------------------------------------------


@dataclass
class Stored:
    name: str
    size: int
    checksum: str


def _upload_dir() -> Path:
    path = Path(settings.DATAPLANE_UPLOAD_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_path(job: LoadJob) -> Path:
    return _upload_dir() / job.file_name


def _store(stream: IO[bytes], suffix: str) -> Stored:
    """Copy the incoming file into the upload directory, refusing it as soon as it passes the
    limit; its SHA-256 is taken on the way."""
    name = f"{uuid.uuid4().hex}{suffix}"
    target = _upload_dir() / name
    digest = hashlib.sha256()
    size = 0
    limit = max_upload_bytes()
    try:
        with target.open("wb") as out:
            while chunk := stream.read(_COPY_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Invalid(
                        _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
                        code="too_large",
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return Stored(name, size, digest.hexdigest())


def _suffix(file_name: str) -> str:
    suffix = Path(file_name).suffix.lower()
    return suffix if suffix in (".csv", ".txt", ".tsv", ".xlsx", ".json", ".ndjson") else ""


def _storable(text: str, limit: int) -> str:
    """A name from a multipart form (file name, sheet) as every database stores it: without NUL
    or lone surrogates, cut to the column."""
    return "".join(c for c in text if c != "\x00" and not "\ud800" <= c <= "\udfff")[:limit]


def _actor_fields(actor: Actor) -> dict[str, Any]:
    ref = actor.audit_ref()
    return {
        "actor_kind": ref.kind,
        "actor_id": ref.id,
        "actor_label": ref.label,
        "organisation_id": ref.organisation_id,
    }


def _precheck(actor: Actor, resource: Resource, declared_no_secret: bool) -> list[parsers.ItemSpec]:
    """What every load a person or system starts checks before it keeps a file."""
    require_load(actor, resource)
    _require_declaration(declared_no_secret)
    return _loadable(resource)


def _loadable(resource: Resource) -> list[parsers.ItemSpec]:
    """The entry's items, if its data may enter the platform at all."""
    _refuse_secret(resource)
    specs = item_specs(resource)
    if not specs:
        raise Invalid(
            _("This entry has no data items, so it has no table to load into."),
            code="no_items",
        )
    return specs


def _create_job(
    actor: Actor,
    resource: Resource,
    stored: Stored,
    *,
    kind: str,
    channel: str,
    source_name: str,
    sheet: str = "",
) -> LoadJob:
    with transaction.atomic():
        job = LoadJob.objects.create(
            resource=resource,
            kind=kind,
            channel=channel,
            declared_no_secret=True,
            source_name=_storable(source_name, 255),
            file_name=stored.name,
            sheet=_storable(sheet, 100),
            size_bytes=stored.size,
            checksum=stored.checksum,
            created_at=timezone.now(),
            **_actor_fields(actor),
        )
        audit.record(
            actor=actor,
            action="dataplane.load.start",
            object_type="dataplane.loadjob",
            object_id=job.pk,
            details={
                "resource": resource.code,
                "channel": channel,
                "kind": kind,
                "source": job.source_name,
                "size": stored.size,
                "checksum": stored.checksum,
                "declared_no_secret": True,
            },
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import run_load

    run_load(job_id)


def start_upload(
    actor: Actor,
    resource: Resource,
    stream: IO[bytes],
    *,
    file_name: str,
    declared_no_secret: bool,
    sheet: str = "",
    channel: str = BatchChannel.UPLOAD,
) -> LoadJob:
    """A full load of an uploaded file (CSV, Excel, JSON, NDJSON), queued as a job."""
    _precheck(actor, resource, declared_no_secret)
    stored = _store(stream, _suffix(file_name))
    return _create_job(
        actor,
        resource,
        stored,
        kind=BatchKind.FULL,
        channel=channel,
        source_name=Path(file_name).name,
        sheet=sheet,
    )


def start_push(
    actor: Actor,
    resource: Resource,
    *,
    rows: list[dict[str, Any]],
    deletes: list[dict[str, Any]] | None,
    full: bool,
    declared_no_secret: bool,
    source_name: str = "",
) -> LoadJob:
    """A push from a department's system: a full load, or a change set of upserts and deletes by
    key. The rows are kept as NDJSON (and the deletes beside them) for the job."""
    specs = _precheck(actor, resource, declared_no_secret)
    key = [s.name for s in specs if s.is_key]
    deletes = deletes or []
    if full and deletes:
        raise Invalid(
            _("A full load names no deletes: what it leaves out is deleted."), code="deletes"
        )
    if not full and not rows and not deletes:
        raise Invalid(_("The change set is empty."), code="empty")
    for index, item in enumerate(deletes):
        if not isinstance(item, dict) or any(
            not isinstance(item.get(k), str | int) or str(item.get(k)).strip() == "" for k in key
        ):
            raise Invalid(
                _("Delete %(n)d does not give every key item (%(key)s).")
                % {"n": index + 1, "key": ", ".join(key)},
                code="bad_delete",
            )
    lines = b"".join(
        json.dumps(row, ensure_ascii=False, default=str).encode() + b"\n" for row in rows
    )
    stored = _store(io.BytesIO(lines), ".ndjson")
    if deletes:
        sidecar = _upload_dir() / f"{stored.name}.deletes.json"
        sidecar.write_text(
            json.dumps([{k: str(d[k]).strip() for k in key} for d in deletes], ensure_ascii=False)
        )
    return _create_job(
        actor,
        resource,
        stored,
        kind=BatchKind.FULL if full else BatchKind.CHANGES,
        channel=BatchChannel.PUSH,
        source_name=source_name or actor.label,
    )


def retry(actor: Actor, job: LoadJob) -> LoadJob:
    """Run an interrupted or failed load again from its kept file."""
    require_load(actor, job.resource)
    if job.status not in (LoadStatus.INTERRUPTED, LoadStatus.FAILED):
        raise Conflict(
            _("Only an interrupted or failed load can be run again."), code="not_retryable"
        )
    if not job_path(job).exists():
        raise Conflict(
            _("The file of this load is no longer kept; upload it again."), code="no_file"
        )
    with transaction.atomic():
        moved = LoadJob.objects.filter(pk=job.pk, status=job.status).update(
            status=LoadStatus.QUEUED, error="", error_code="", heartbeat_at=timezone.now()
        )
        if not moved:
            raise Conflict(_("The load changed meanwhile; reload the page."), code="stale")
        audit.record(
            actor=actor,
            action="dataplane.load.retry",
            object_type="dataplane.loadjob",
            object_id=job.pk,
            details={"resource": job.resource.code, "was": job.status},
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    job.refresh_from_db()
    return job


# --- Running a load (the worker) -----------------------------------------------------------------


class _Refused(Exception):
    """The load stops with nothing written; ``code`` and the message say why."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class _Counting:
    """The kept file, read through a counter so that progress can be told in bytes."""

    def __init__(self, stream: BinaryIO, name: str):
        self.stream = stream
        self.name = name
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data


def _job_actor(job: LoadJob) -> ActorRef:
    return ActorRef(
        kind=job.actor_kind or "platform",
        id=job.actor_id,
        label=job.actor_label,
        organisation_id=job.organisation_id,
    )


@contextlib.contextmanager
def _unflushed() -> Iterator[None]:
    """A transaction whose commit does not wait for the disk (PostgreSQL). For what a job
    writes as it reads — progress, rejected rows — that wait would cost a load a tenth of its
    reading, and a crash that lost the last of them loses nothing: the job is run again from
    the kept file, rejected rows afresh."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _progress(job: LoadJob, **fields: Any) -> None:
    """Commit the job's progress at once (outside any load transaction) so that the page and
    the API see it move."""
    fields["heartbeat_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    with _unflushed():
        LoadJob.objects.filter(pk=job.pk).update(**fields)


def _keep_rejected(job: LoadJob, checked: Checked | None, errors: list[Any]) -> None:
    """Store the rejected rows of a batch in one statement (COPY on PostgreSQL): through the ORM
    a row costs a tenth of a millisecond, which a bad file multiplies."""
    rows = [
        (job.pk, error.row, "{}", json.dumps([error.message], ensure_ascii=False))
        for error in errors
    ]
    if checked is not None:
        rows += [
            (
                job.pk,
                r.row,
                json.dumps(r.values, ensure_ascii=False, default=str),
                json.dumps(r.reasons, ensure_ascii=False),
            )
            for r in checked.rejected
        ]
    if not rows:
        return
    columns = '"dataplane_rejectedrecord" (job_id, "row", "values", reasons)'
    with _unflushed(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {columns} VALUES (%s, %s, %s, %s)", rows)  # noqa: S608


@dataclass
class _Read:
    """What reading and checking a file came to."""

    read: int
    accepted: int
    rejected: int
    tally: quality.Tally | None  # a full load's accepted rows, counted for the quality measure
    unchanged: storage.Unchanged | None = None  # the rows found identical to current rows


# Marks the fingerprint of a row with findings (``Checked.warnings``): it matches no text, so
# the row is checked, and its findings reported, at every load.
WARNED = np.int64(0x5EED_F1AD_0000_0001)


class _Seen:
    """The door's memory of a full load's current rows (``door``: the table's rows passed the
    checks this load runs, ``ResourceTable.checked_under``): their fingerprints, those of the
    text they were read from. A row read again with one of them is that current row,
    unchanged, and is neither checked nor passed on again.

    The fingerprints are read on a thread of their own where the load may (``_overlaps``)
    while this one reads and fingerprints the file's first batches."""

    def __init__(
        self,
        table: storage.ResourceTable,
        signature: str,
        specs: list[parsers.ItemSpec],
        *,
        door: bool,
    ):
        self.door, self.signature = door, signature
        self.key = [spec.name for spec in specs if spec.is_key]
        self.as_of, self.kept = 0, 0
        self.digests = self.ids = np.zeros(0, np.int64)
        self.hit = np.zeros(0, dtype=bool)
        self._reading: Future[Any] | None = None
        if not door:
            return
        if _overlaps():
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-door")
            self._reading = pool.submit(_in_own_connection, storage.current_digests, table)
            pool.shutdown(wait=False)
        else:
            self._took(storage.current_digests(table))

    def _took(self, read: tuple[int, str, np.ndarray, np.ndarray]) -> None:
        self.as_of, checked_under, self.digests, self.ids = read
        if checked_under != self.signature:  # new checks since the table was read
            self.digests = self.digests[:0]
        self.hit = np.zeros(len(self.digests), dtype=bool)

    def passed(
        self, batches: Iterable[pa.RecordBatch], specs: list[parsers.ItemSpec]
    ) -> Generator[tuple[pa.RecordBatch, pa.Array]]:
        """The rows of ``batches`` that are new or changed, with their fingerprints; the
        others are counted (``kept``). Until the current rows' fingerprints are there, the
        batches read wait (``DOOR_WAITING`` at most: then the reading does)."""
        waiting: list[tuple[pa.RecordBatch, pa.Array]] = []
        fingerprinted = ((batch, _door_fingerprints(batch, specs)) for batch in batches)
        for pair in _made_ahead(fingerprinted):
            waiting.append(pair)
            if self._reading is not None:
                if not self._reading.done() and len(waiting) < DOOR_WAITING:
                    continue
                self._took(self._reading.result())
                self._reading = None
            yield from (self._split(*pair) for pair in waiting)
            waiting.clear()
        if self._reading is not None:
            self._took(self._reading.result())
            self._reading = None
        yield from (self._split(*pair) for pair in waiting)

    def _split(self, batch: pa.RecordBatch, digests: pa.Array) -> tuple[pa.RecordBatch, pa.Array]:
        """Refused if a row seen unchanged comes twice (its key given twice)."""
        if not len(self.digests):
            return batch, digests
        values = digests.to_numpy()
        order = np.argsort(values)  # sorted, the lookups walk the digests in one direction
        at = np.empty_like(order)
        at[order] = np.searchsorted(self.digests, values[order])
        np.minimum(at, len(self.digests) - 1, out=at)
        seen = self.digests[at] == values
        positions = at[seen]
        before, again = self.kept, self.hit[positions]  # seen in an earlier batch
        self.hit[positions] = True
        self.kept = int(np.count_nonzero(self.hit))
        if again.any() or self.kept - before < len(positions):
            if not again.any():  # within this batch: all but the first of each
                again = np.ones(len(positions), dtype=bool)
                again[np.unique(positions, return_index=True)[1]] = False
            rows = pa.array(np.flatnonzero(seen)[again][:5])
            raise storage.duplicate_keys(
                zip(*(batch.column(k).take(rows).to_pylist() for k in self.key), strict=True)
            )
        if not seen.any():
            return batch, digests
        others = pa.array(~seen)
        return batch.filter(others), digests.filter(others)

    def unchanged(self) -> storage.Unchanged | None:
        if not self.door:
            return None
        return storage.Unchanged(self.as_of, self.kept, self.ids[~self.hit])


READ_AHEAD = 4  # batches parsed and fingerprinted ahead of the checks: a bound on their memory
DOOR_WAITING = 32  # batches that may wait for the current rows' fingerprints (about 128 MB)
_DONE = object()


def _made_ahead(items: Iterator[Any]) -> Iterator[Any]:
    """The items, made on a thread of their own up to ``READ_AHEAD`` ahead of the caller: the
    parser and the fingerprints (Arrow, numpy: they let go of the GIL) work on one core while
    the checks run on the other. An error in the making is raised here, in its turn."""
    waiting: queue.Queue[Any] = queue.Queue(maxsize=READ_AHEAD)
    stopped = threading.Event()
    language = translation.get_language()

    def make() -> None:
        translation.activate(language)  # the parser's messages speak the job's language
        try:
            for item in items:
                while not stopped.is_set():
                    try:
                        waiting.put((item, None), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stopped.is_set():
                    return
            waiting.put((_DONE, None))
        except BaseException as error:  # handed to the caller
            waiting.put((_DONE, error))

    thread = threading.Thread(target=make, name="load-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = waiting.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stopped.set()
        while thread.is_alive():  # let a waiting put go
            with contextlib.suppress(queue.Empty):
                waiting.get(timeout=0.1)
        thread.join()


def _in_own_connection(function: Any, *args: Any) -> Any:
    """Run ``function`` on this thread's own connection, closed after."""
    try:
        return function(*args)
    finally:
        connection.close()


def _door_fingerprints(batch: pa.RecordBatch, specs: list[parsers.ItemSpec]) -> pa.Array:
    """Each row's fingerprint over the text of its items, as the parser read it."""
    return text_fingerprints(batch, [spec.name for spec in specs])


def _marked(checked: Checked, digests: pa.Array) -> pa.Array:
    """The accepted rows' fingerprints, those of rows with findings marked (``WARNED``)."""
    accepted = pc.filter(digests, checked.kept)
    if not checked.warnings:
        return accepted
    warned = pc.is_in(checked.accepted_rows, pa.array([row for row, _m in checked.warnings]))
    values = accepted.to_numpy().copy()
    values[warned.to_numpy(zero_copy_only=False)] ^= WARNED
    return pa.array(values)


def _read_and_check(job: LoadJob, sink: _Spool | _Pipe) -> _Read:
    """Parse and check the kept file, handing accepted rows to ``sink``. A UTF-8 CSV file is
    read by the fast reader first; at anything it would not read exactly as the careful reader
    does, the file is read again from the start by the careful one, and the rows handed over so
    far are discarded."""
    try:
        unquoted = not parsers.has_quotes(job_path(job))
        return _read_and_check_once(job, sink, fast=True, unquoted=unquoted)
    except parsers.SlowPath:
        sink.discard()
        RejectedRecord.objects.filter(job=job).delete()
        return _read_and_check_once(job, sink, fast=False)


def _read_and_check_once(
    job: LoadJob, sink: _Spool | _Pipe, *, fast: bool, unquoted: bool = False
) -> _Read:
    resource = job.resource
    specs = item_specs(resource)
    rules = rules_of(resource)
    threshold = max_error_rate(resource)
    table = storage.ensure_table(resource)
    layout = storage.Layout.of(table)
    tally = (
        quality.Tally(resource, layout, table.version_id) if job.kind == BatchKind.FULL else None
    )
    read = accepted = accepted_checked = checked_rows = rejected = warned = rejected_checked = 0
    signature = checks_signature(resource, specs, rules)
    # A full load whose table's rows passed these very checks needs check only what changed.
    door = job.kind == BatchKind.FULL and table.checked_under == signature
    seen = _Seen(table, signature, specs, door=door)
    if door:
        tally = None  # the rows not checked again are not counted: the measure counts the table
    sink.open(_sink_schema(layout), signature, door=door)
    with contextlib.ExitStack() as stack:
        raw = stack.enter_context(job_path(job).open("rb"))
        source = _Counting(raw, job.file_name)
        upload = parsers.open_upload(
            source,  # type: ignore[arg-type]
            items=specs,
            max_bytes=max_upload_bytes(),
            sheet=job.sheet or None,
            fast=fast,
            unquoted=unquoted,
        )
        errors_seen = 0  # parser errors kept in detail so far (the parser details the first 1000)
        # Closed however the loop ends: the reader thread stops before the file closes.
        passed = stack.enter_context(contextlib.closing(seen.passed(upload.batches(), specs)))
        for batch, digests in passed:
            checked = check_batch(batch, specs, rules)
            new_errors = upload.row_errors[errors_seen:]
            errors_seen = len(upload.row_errors)
            _keep_rejected(job, checked, new_errors)
            rejected_checked += len(checked.rejected)
            # Rows read are those checked or found unchanged so far, not those the reader
            # thread has parsed ahead (the parser's refused rows are counted as it finds them).
            checked_rows += batch.num_rows
            read = seen.kept + checked_rows + upload.row_error_count
            rejected = upload.row_error_count + rejected_checked
            accepted_checked += checked.accepted.num_rows
            accepted = seen.kept + accepted_checked
            warned += len({row for row, _message in checked.warnings})
            if checked.accepted.num_rows:
                fingerprinted = checked.accepted.append_column(
                    storage.FINGERPRINT, _marked(checked, digests)
                )
                conformed = storage.conform(fingerprinted, layout)
                sink.write_batch(conformed)
                if tally is not None:
                    tally.add(conformed)
            _progress(
                job,
                bytes_read=source.count,
                rows_read=read,
                rows_accepted=accepted,
                rows_rejected=rejected,
                rows_warned=warned,
            )
            if rejected >= REJECTED_EARLY_STOP and rejected > threshold * read:
                raise _Refused(_too_many(rejected, read, threshold), "error_rate")
        # Rows the parser skipped after the last batch (a broken last line) count too.
        _keep_rejected(job, None, upload.row_errors[errors_seen:])
        read = upload.rows_read + upload.row_error_count
        rejected = upload.row_error_count + rejected_checked
    _progress(job, bytes_read=job.size_bytes, rows_read=read, rows_rejected=rejected)
    if read and rejected > threshold * read:
        raise _Refused(_too_many(rejected, read, threshold), "error_rate")
    return _Read(read, seen.kept + accepted_checked, rejected, tally, seen.unchanged())


def _sink_schema(layout: storage.Layout) -> pa.Schema:
    """The checked rows as the sink takes them: the table's columns and their fingerprints."""
    return layout.schema().append(pa.field(storage.FINGERPRINT, pa.int64()))


def _too_many(rejected: int, read: int, threshold: float) -> str:
    return _(
        "%(rejected)d of %(read)d rows were rejected (%(rate).1f%%), more than the %(limit).1f%% "
        "this resource allows: nothing was loaded. Correct the rejected rows and load again."
    ) % {
        "rejected": rejected,
        "read": read,
        "rate": 100 * rejected / read,
        "limit": 100 * threshold,
    }


class _Spool:
    """Where the checked rows wait while a database cannot take them as they come (SQLite, or a
    worker inside a transaction): an Arrow file on disk, written by ``storage`` in one
    transaction once the whole file has been read and the load may go on."""

    def __init__(self, job: LoadJob):
        self.job = job
        self.path = _upload_dir() / f"{job.file_name}.arrow"
        self._file: Any = None
        self._writer: Any = None
        self._checked_under = ""

    def open(self, schema: pa.Schema, checked_under: str, *, door: bool = False) -> None:
        """Start the file (``door`` is the pipe's concern: the spool is written after the
        reading, when what the door found is known)."""
        self.discard()
        self._file = pa.OSFile(str(self.path), "wb")
        self._writer = pa.ipc.new_file(self._file, schema)
        self._checked_under = checked_under

    def write_batch(self, record_batch: pa.RecordBatch) -> None:
        self._writer.write_batch(record_batch)

    def commit(self, rejected: int, unchanged: storage.Unchanged | None) -> None:
        self._close()
        _write(self.job, self._spooled(), rejected, unchanged, self._checked_under)

    def _spooled(self) -> Iterator[pa.RecordBatch]:
        with pa.memory_map(str(self.path)) as source:
            reader = pa.ipc.open_file(source)
            for index in range(reader.num_record_batches):
                yield reader.get_batch(index)

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._file.close()
        self._writer = self._file = None

    def discard(self) -> None:
        self._close()
        self.path.unlink(missing_ok=True)

    close = discard


class _Discarded(ServiceError):
    """Tells the writer of a ``_Pipe`` to roll back (nothing is recorded)."""

    code = "discarded"


_END, _DISCARD = object(), object()
PIPE_BATCHES = 4  # checked batches waiting for the writer: a bound on the memory they hold


class _Pipe:
    """The checked rows handed, batch by batch, to a writer thread with a connection of its
    own (PostgreSQL), so that the database takes in one batch while this thread reads and
    checks the next: the two cores work at once. The writer holds the load's transaction
    open from the first row (the job's progress and rejected rows still commit as they come,
    on this thread's connection); it commits only once this thread calls ``commit`` — after
    the last row, the threshold and every other check — and rolls back at ``discard``, or
    when either thread fails or the worker dies."""

    def __init__(self, job: LoadJob):
        self.job = job
        self._thread: threading.Thread | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=PIPE_BATCHES)
        self._error: BaseException | None = None
        self._rejected = 0
        self._unchanged: storage.Unchanged | None = None
        self._checked_under = ""
        self._door = False

    def open(self, schema: pa.Schema, checked_under: str, *, door: bool = False) -> None:
        """Start the writer. With ``door`` the reader finds rows unchanged (``_Seen``): the
        writer learns which at the end (``commit``)."""
        self.discard()
        self._queue = queue.Queue(maxsize=PIPE_BATCHES)
        self._error = None
        self._checked_under = checked_under
        self._door = door
        self._thread = threading.Thread(
            target=self._run, name=f"load-job-{self.job.pk}-writer", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            _write(
                self.job,
                self._rows(),
                lambda: self._rejected,
                self._told_unchanged if self._door else None,
                self._checked_under,
            )
        except BaseException as error:  # handed to the reading thread
            self._error = error
        finally:
            connection.close()  # this thread's own connection

    def _rows(self) -> Iterator[pa.RecordBatch]:
        while (item := self._queue.get()) is not _END:
            if item is _DISCARD:
                raise _Discarded()
            yield item

    def _put(self, item: Any) -> None:
        """Hand ``item`` over; if the writer has stopped (its load refused or broken), raise
        why here, where the job records it."""
        assert self._thread is not None
        while True:
            if not self._thread.is_alive():
                raise self._error or RuntimeError("the load's writer stopped")
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def write_batch(self, record_batch: pa.RecordBatch) -> None:
        self._put(record_batch)

    def _told_unchanged(self) -> storage.Unchanged:
        assert self._unchanged is not None
        return self._unchanged

    def commit(self, rejected: int, unchanged: storage.Unchanged | None) -> None:
        assert self._thread is not None
        self._rejected, self._unchanged = rejected, unchanged
        self._put(_END)
        self._thread.join()
        self._thread = None
        if self._error is not None:
            raise self._error

    def discard(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        while thread.is_alive():
            try:
                self._queue.put(_DISCARD, timeout=0.2)
                break
            except queue.Full:
                continue
        thread.join()

    close = discard


def _overlaps() -> bool:
    """Whether this worker may read and write at once (``_Pipe``): on PostgreSQL, from outside
    any transaction — the writer's connection must see what this one has committed (the
    table, the job), and SQLite lets one connection write at a time."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _deletes_of(job: LoadJob) -> list[dict[str, Any]] | None:
    sidecar = _upload_dir() / f"{job.file_name}.deletes.json"
    if job.kind != BatchKind.CHANGES:
        return None
    return json.loads(sidecar.read_text()) if sidecar.exists() else []


def _claim(job_id: int) -> LoadJob | None:
    """Take a queued job (compare-and-set: two workers never run the same job)."""
    now = timezone.now()
    taken = LoadJob.objects.filter(pk=job_id, status=LoadStatus.QUEUED).update(
        status=LoadStatus.READING,
        started_at=now,
        heartbeat_at=now,
        bytes_read=0,
        attempts=F("attempts") + 1,
    )
    if not taken:
        return None
    job = LoadJob.objects.select_related("resource", "resource__live_version").get(pk=job_id)
    # A job run again starts its rejected rows afresh.
    RejectedRecord.objects.filter(job=job).delete()
    return job


def run_job(job_id: int) -> LoadJob | None:
    """Run a queued load to its end; the worker's entry point. Never raises for a bad file:
    the job records why it was refused."""
    job = _claim(job_id)
    if job is None:
        return None
    sink = _Pipe(job) if _overlaps() else _Spool(job)
    reading = _Read(0, 0, 0, None)  # a pushed change set of deletes only reads nothing
    try:
        try:
            if (
                job.channel == BatchChannel.PUSH
                and job.kind == BatchKind.CHANGES
                and not job.size_bytes
            ):
                resource = job.resource
                layout = storage.Layout.of(storage.ensure_table(resource))
                signature = checks_signature(resource, item_specs(resource), rules_of(resource))
                sink.open(_sink_schema(layout), signature)
            else:
                reading = _read_and_check(job, sink)
            if job.kind == BatchKind.FULL and not reading.accepted:
                raise _Refused(
                    _(
                        "No row of the file was accepted: a full load of nothing would delete "
                        "every row."
                    ),
                    "empty",
                )
            _progress(job, status=LoadStatus.WRITING)
            sink.commit(reading.rejected, reading.unchanged)
        finally:
            sink.close()  # what was not committed is rolled back or deleted
    except _Refused as refused:
        _finish(job, LoadStatus.REFUSED, code=refused.code, error=str(refused))
    except ServiceError as error:
        _finish(job, LoadStatus.REFUSED, code=error.code, error=str(error))
    except Exception as error:
        logger.exception("load job %s failed", job.pk)
        _finish(job, LoadStatus.FAILED, code="failed", error=f"{type(error).__name__}: {error}")
    job.refresh_from_db()
    if job.status == LoadStatus.DONE:
        _after_load(job, reading.tally)
    return job


def _write(
    job: LoadJob,
    rows: Iterable[pa.RecordBatch],
    rejected: storage.Rejected,
    unchanged: storage.DoorFinding,
    checked_under: str,
) -> None:
    actor = _job_actor(job)
    deletes = _deletes_of(job)
    with transaction.atomic():
        if deletes is None:
            batch = storage.load_full(
                job.resource,
                rows,
                actor=actor,
                channel=job.channel,
                source_name=job.source_name,
                checksum=job.checksum,
                rejected=rejected,
                unchanged=unchanged,
                checked_under=checked_under,
            )
        else:
            batch = storage.apply_changes(
                job.resource,
                rows,
                deletes,
                actor=actor,
                channel=job.channel,
                source_name=job.source_name,
                checksum=job.checksum,
                rejected=rejected,
                checked_under=checked_under,
            )
        # Marked done in the load's own transaction: a committed batch always has its job done.
        LoadJob.objects.filter(pk=job.pk).update(
            status=LoadStatus.DONE, batch=batch, finished_at=timezone.now()
        )
    _discard_files(job)


def _finish(job: LoadJob, status: str, *, code: str, error: str) -> None:
    LoadJob.objects.filter(pk=job.pk).update(
        status=status, error_code=code[:32], error=error[:4000], finished_at=timezone.now()
    )
    if status == LoadStatus.REFUSED:
        # A refused file will not be run again: the provider corrects it and loads anew.
        _discard_files(job)
    with contextlib.suppress(DatabaseError):
        audit.record(
            actor=_job_actor(job),
            action=f"dataplane.load.{status}",
            object_type="dataplane.loadjob",
            object_id=job.pk,
            details={"resource": job.resource.code, "code": code, "error": error[:500]},
        )


def _discard_files(job: LoadJob) -> None:
    job_path(job).unlink(missing_ok=True)
    (_upload_dir() / f"{job.file_name}.deletes.json").unlink(missing_ok=True)


def _after_load(job: LoadJob, tally: quality.Tally | None = None) -> None:
    """What follows a committed load, each in its own transaction: a failure here is logged
    and never undoes the load."""
    version, batch = job.resource.live_version, job.batch
    assert version is not None and batch is not None
    system = version.source_system
    if job.channel in (BatchChannel.PUSH, BatchChannel.PULL) and system is not None:
        # CAT-7: a system whose data arrives through a channel is connected to the platform.
        try:
            catalog_systems.record_connection(system, actor=_job_actor(job), channel=job.channel)
        except Exception:
            logger.exception("load job %s: the system's connection was not recorded", job.pk)
    try:
        catalog_services.close_data_update_tasks(job.resource, batch_number=batch.number)
    except Exception:
        logger.exception("load job %s: the update tasks were not closed", job.pk)
    try:
        quality.measure(
            job.resource,
            batch=batch,
            rows_read=job.rows_read,
            rows_rejected=job.rows_rejected,
            tally=tally,
        )
    except Exception:
        logger.exception("quality of load job %s could not be measured", job.pk)


# --- Interrupted loads ---------------------------------------------------------------------------


def sweep_interrupted(now: dt.datetime | None = None) -> int:
    """Mark loads whose worker stopped as interrupted. A load still writing holds the lock on
    its resource's table row, so a slow but living load is never taken for a dead one."""
    now = now or timezone.now()
    stale = now - dt.timedelta(minutes=settings.DATAPLANE_STALE_MINUTES)
    marked = 0
    candidates = LoadJob.objects.filter(status__in=ACTIVE_LOAD_STATES, heartbeat_at__lt=stale)
    for job in candidates.select_related("resource"):
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    locked = (
                        ResourceTable.objects.select_for_update(skip_locked=True)
                        .filter(resource_id=job.resource_id)
                        .exists()
                    )
                    has_table = ResourceTable.objects.filter(resource_id=job.resource_id).exists()
                    if has_table and not locked:
                        continue  # a living load holds it
                moved = LoadJob.objects.filter(
                    pk=job.pk, status=job.status, heartbeat_at__lt=stale
                ).update(
                    status=LoadStatus.INTERRUPTED,
                    error_code="interrupted",
                    error=_("The load stopped before it ended; nothing was written. Run it again."),
                )
                if moved:
                    marked += 1
                    audit.record(
                        actor=ActorRef.platform("dataplane.sweep_interrupted"),
                        action="dataplane.load.interrupted",
                        object_type="dataplane.loadjob",
                        object_id=job.pk,
                        details={"resource": job.resource.code, "was": job.status},
                    )
        except DatabaseError:
            logger.warning("load job %s: could not check whether it still runs", job.pk)
    return marked


# --- Rules and threshold -------------------------------------------------------------------------


def rejected_csv(job: LoadJob) -> bytes:
    """The rejected rows of a load as the file to correct and send again (AGG-2)."""
    from .validation import RejectedRow, rejected_rows_csv

    rows = [RejectedRow(row=r.row, values=r.values, reasons=r.reasons) for r in job.rejected.all()]
    return rejected_rows_csv(rows, item_specs(job.resource))


# --- Reading, undoing, rules ---------------------------------------------------------------------


def read_rows(
    actor: Actor,
    resource: Resource,
    *,
    as_of: int | dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """A page of the current state, or of an earlier one; every read is in the audit trail."""
    if as_of is None:
        rows = storage.current_rows(resource, limit=limit, offset=offset)
    else:
        rows = storage.rows_as_of(resource, as_of, limit=limit, offset=offset)
    audit.record_read(
        actor=actor,
        action="dataplane.rows.read",
        object_type="catalog.resource",
        object_id=resource.pk,
        details={"as_of": str(as_of) if as_of is not None else None, "rows": len(rows)},
    )
    return rows


def undo(actor: Actor, resource: Resource, number: int) -> Any:
    """Undo the latest committed batch (AGG-6): the state before it comes back as a new batch."""
    require_load(actor, resource)
    batch = resource.batches.filter(number=number).first()
    if batch is None:
        raise NotFound(_("No such batch."))
    return storage.undo_batch(resource, batch, actor=actor)


@dataclass
class RuleInput:
    item_name: str
    codes: list[str]
    pattern: str = ""
    minimum: str = ""
    maximum: str = ""


def set_rules(actor: Actor, resource: Resource, rules: list[RuleInput]) -> list[ItemRule]:
    """Replace the resource's item rules; every problem is named at once, per item."""
    require_load(actor, resource)
    specs = {s.name: s for s in item_specs(resource)}
    problems: dict[str, str] = {}
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        field = f"rules.{index}"
        if rule.item_name not in specs:
            problems[f"{field}.item_name"] = _("Not a data item.")
            continue
        if rule.item_name in seen:
            problems[f"{field}.item_name"] = _("Named twice.")
            continue
        seen.add(rule.item_name)
        codes = tuple(c.strip() for c in rule.codes if c.strip())
        found = rule_problems(
            specs[rule.item_name],
            Rule(codes, rule.pattern.strip(), rule.minimum.strip(), rule.maximum.strip()),
        )
        if found:
            problems[field] = " ".join(found)
    if problems:
        raise Invalid(_("Some rules cannot be used."), code="invalid_rules", fields=problems)
    now = timezone.now()
    with transaction.atomic():
        ItemRule.objects.filter(resource=resource).delete()
        created = ItemRule.objects.bulk_create(
            ItemRule(
                resource=resource,
                item_name=r.item_name,
                codes=[c.strip() for c in r.codes if c.strip()],
                pattern=r.pattern.strip(),
                minimum=r.minimum.strip(),
                maximum=r.maximum.strip(),
                updated_at=now,
                updated_by=actor.label,
            )
            for r in rules
        )
        audit.record(
            actor=actor,
            action="dataplane.rules.set",
            object_type="catalog.resource",
            object_id=resource.pk,
            details={"rules": [r.item_name for r in rules]},
        )
    return created


def set_threshold(actor: Actor, resource: Resource, rate: float | None) -> ResourceTable:
    """The resource's own error-rate threshold (None: the platform's setting)."""
    require_load(actor, resource)
    if rate is not None and not 0 <= rate <= 1:
        raise Invalid(_("The error rate is a share between 0 and 1."), code="bad_rate")
    with transaction.atomic():
        table = storage.ensure_table(resource)
        ResourceTable.objects.filter(pk=table.pk).update(max_error_rate=rate)
        audit.record(
            actor=actor,
            action="dataplane.threshold.set",
            object_type="catalog.resource",
            object_id=resource.pk,
            details={"max_error_rate": rate},
        )
    table.refresh_from_db()
    return table


def set_checks(
    actor: Actor, resource: Resource, rules: list[RuleInput], max_error_rate: float | None
) -> None:
    """The rules and the threshold together, all or nothing."""
    with transaction.atomic():
        set_rules(actor, resource, rules)
        set_threshold(actor, resource, max_error_rate)


def read_changes(actor: Actor, resource: Resource, since: int) -> storage.Changes:
    """The changes after batch ``since`` for a system's incremental sync; audited as a read."""
    found = storage.changes_since(resource, since)
    audit.record_read(
        actor=actor,
        action="dataplane.changes.read",
        object_type="catalog.resource",
        object_id=resource.pk,
        details={"since": since, "until": found.until},
    )
    return found


def export(
    actor: Actor,
    resource: Resource,
    fmt: str,
    *,
    as_of: int | dt.datetime | None = None,
    header: str = "labels",
) -> Any:
    """The resource's data as a file for the provider and those who oversee it (AGG-6 reads;
    sharing and the portal will export through their grants). Every export is audited."""
    from . import export as exporting

    stream = exporting.export_rows(resource, fmt, as_of=as_of, header=header)
    audit.record_read(
        actor=actor,
        action="dataplane.export",
        object_type="catalog.resource",
        object_id=resource.pk,
        details={"format": fmt, "batch": stream.batch, "as_of": str(as_of) if as_of else None},
    )
    return stream


def start_pull(
    actor: Actor | ActorRef, resource: Resource, stream: IO[bytes], *, source_name: str
) -> LoadJob:
    """A pull (AGG-1): the rows fetched from a department's source, as NDJSON, kept like an
    upload and loaded in full as a job. The pull source was saved by someone who may load the
    resource, with the declaration (``pull.py``); a scheduled pull acts as the platform."""
    _loadable(resource)
    stored = _store(stream, ".ndjson")
    return _create_job(
        actor,  # type: ignore[arg-type] # an ActorRef gives the same audit reference
        resource,
        stored,
        kind=BatchKind.FULL,
        channel=BatchChannel.PULL,
        source_name=source_name,
    )
