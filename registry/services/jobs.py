"""Background jobs: the kinds of long work, their records (who asked, progress, result) and the runner.

A kind is a plain function ``run(ctx, **params)`` registered under a name with ``job_kind`` (or ``file_kind``
for work that makes one file); ``enqueue(actor, name, **params)`` records the job and hands it to the queue
(``registry.queue``); the worker calls ``run_job``, which runs the kind in the application context in the
language of the person who asked, commits its database work, keeps its file and records the outcome. A job
that fails changes nothing: its transaction is rolled back (work committed in batches by ``ctx.commit()`` is
kept, so such kinds must be safe to run again) and its files are removed; the person sees the message.

Records live in the queue's storage (a SQLite file, Redis or PostgreSQL: shared by every web process and
worker), result files in ``JOBS_FILES`` (``JobFiles``: a plain folder, one subfolder per job). ``sweep_files``
(daily in the worker, and ``flask jobs sweep``) deletes the files of jobs finished more than ``JOBS_KEEP_DAYS``
days ago and marks their records expired; ``PERIODIC`` is the work the worker does on a schedule
(``periodic``), ``once_today`` keeps such work to once a day across every worker.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry import clock, queue
from registry.models import Person, db
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed

log = logging.getLogger("registry.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
#: a finished job whose result file was deleted by the sweep (``JOBS_KEEP_DAYS`` after it was made)
EXPIRED = "expired"
#: a job id: 32 hex digits (random, not guessable; the record also names who may read it)
JOB_ID = re.compile(r"^[0-9a-f]{32}$")


# -- the records ------------------------------------------------------------------------------------------------

@dataclass
class JobRecord:
    """One job: what, for whom, how far, and its outcome (times are ISO strings, UTC)."""

    id: str
    kind: str
    person_id: int | None
    params: dict[str, Any]
    locale: str
    created_at: str
    state: str = QUEUED
    #: 0–100
    progress: int = 0
    #: what the job is doing now, in the asker's language
    note: str = ""
    #: the outcome in words when done ("12 snapshots taken"), or why it failed
    summary: str = ""
    error: str = ""
    #: the problems found in the input, one per row and column ([row, column, message]), when a job refused it
    issues: list[list[Any]] = field(default_factory=list)
    #: the result file: its key in ``JobFiles``, the name it downloads under and its type
    file: str | None = None
    filename: str | None = None
    mimetype: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    #: when the sweep deleted its result file (the state is then ``expired``; ``filename`` is kept)
    expired_at: str | None = None

    @property
    def is_finished(self) -> bool:
        return self.state in (DONE, FAILED, EXPIRED)

    @property
    def expired_on(self) -> datetime | None:
        return datetime.fromisoformat(self.expired_at) if self.expired_at else None

    @property
    def label(self) -> str:
        """The kind's name in the current language."""
        kind = KINDS.get(self.kind)
        return str(kind.label) if kind is not None else self.kind

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _key(job_id: str) -> str:
    return f"job:{job_id}"


def save_record(record: JobRecord) -> None:
    queue.get_huey().put(_key(record.id), json.dumps(record.to_dict(), ensure_ascii=False))


def _record(raw: str) -> JobRecord:
    data = json.loads(raw)
    known = JobRecord.__dataclass_fields__
    return JobRecord(**{name: value for name, value in data.items() if name in known})


def get_job(job_id: str) -> JobRecord | None:
    """The job's record, or None (unknown or malformed id)."""
    if not isinstance(job_id, str) or not JOB_ID.match(job_id):
        return None
    raw = queue.get_huey().get(_key(job_id), peek=True)
    if raw is None:
        return None
    return _record(raw)


def all_jobs() -> list[JobRecord]:
    """Every job record in the queue's storage (the sweep reads them once a day)."""
    huey = queue.get_huey()
    records = []
    for key, raw in huey.storage.result_items().items():
        key = key.decode() if isinstance(key, bytes) else key
        if key.startswith("job:") and JOB_ID.match(key[4:]):
            records.append(_record(huey.serializer.deserialize(raw)))
    return records


def show_job(job_id: str) -> dict | None:
    """The record as a dict (the command line's ``flask jobs show``)."""
    record = get_job(job_id)
    return record.to_dict() if record is not None else None


# -- the result files -------------------------------------------------------------------------------------------

class JobFiles:
    """Result files in a plain folder: ``<folder>/<job id>/<random name>``. Another store (S3-compatible, like the
    evidence) only needs ``save``, ``open_path`` and ``delete``."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def save(self, job_id: str, data: bytes) -> str:
        """Store ``data`` for the job; returns its key."""
        target = self.folder / job_id
        target.mkdir(parents=True, exist_ok=True)
        key = f"{job_id}/{secrets.token_hex(8)}"
        tmp = self.folder / f"{key}.part"
        tmp.write_bytes(data)
        tmp.replace(self.folder / key)
        return key

    def open_path(self, key: str) -> Path | None:
        """The file of ``key`` on disk, or None when it is gone."""
        job_id, _sep, name = key.partition("/")
        if not JOB_ID.match(job_id) or not re.fullmatch(r"[0-9a-f]{16}", name):
            return None
        path = self.folder / job_id / name
        return path if path.is_file() else None

    def delete(self, job_id: str) -> None:
        """Remove every file of the job."""
        if JOB_ID.match(job_id):
            shutil.rmtree(self.folder / job_id, ignore_errors=True)

    def stored(self) -> dict[str, float]:
        """The jobs that have files here, with the time their newest file was written (a POSIX timestamp)."""
        found = {}
        if not self.folder.is_dir():
            return found
        for folder in self.folder.iterdir():
            if folder.is_dir() and JOB_ID.match(folder.name):
                times = [p.stat().st_mtime for p in folder.iterdir() if p.is_file()]
                found[folder.name] = max(times, default=folder.stat().st_mtime)
        return found


def job_files() -> JobFiles:
    return JobFiles(current_app.config["JOBS_FILES"])


# -- the kinds --------------------------------------------------------------------------------------------------

@dataclass
class JobKind:
    """A kind of job: its name, its label, the function and whether it writes to the database (on SQLite it then
    takes the write lock at the start of each transaction, as a writing request does)."""

    name: str
    label: Any
    run: Callable[..., Any]
    writes: bool = False


#: every kind of job, by name
KINDS: dict[str, JobKind] = {}


def job_kind(name: str, label: Any, *, writes: bool = False):
    """Register ``run(ctx, **params) -> summary or None`` as the kind ``name``::

        @job_kind("midyear", _l("Six-month review snapshots"), writes=True)
        def midyear(ctx, year_id): ...
    """
    def register(run: Callable[..., Any]) -> Callable[..., Any]:
        KINDS[name] = JobKind(name, label, run, writes)
        return run
    return register


def file_kind(name: str, label: Any, make: Callable[..., tuple[str, bytes, str]]) -> None:
    """Register a kind that makes one file: ``make(actor, progress, **params) -> (filename, data, mimetype)``,
    where ``progress(done, total=None)`` takes a percentage, or a count of ``total``. For example the lead
    wiring an export written as a plain function::

        file_kind("report.midyear", _l("Six-month report"), lambda actor, progress, year_id, fmt:
                  reports.midyear_export(actor, year_id, fmt, progress=progress))
    """
    def run(ctx: JobContext, **params: Any) -> str:
        filename, data, mimetype = make(ctx.actor, ctx.progress, **params)
        ctx.save(filename, data, mimetype)
        return _("The file is ready.")
    KINDS[name] = JobKind(name, label, run, writes=False)


@dataclass
class JobContext:
    """What a running job may use: who asked (None: the command line), progress and the result file."""

    record: JobRecord
    actor: Person | None
    writes: bool
    files: JobFiles
    _last_saved: float = field(default=-1.0)

    def progress(self, done: float, total: float | None = None, note: str | None = None) -> None:
        """Report progress: a percentage, or ``done`` out of ``total``; stored when it moved by 1 % or more."""
        percent = (100.0 * done / total if total else 100.0 if total == 0 else float(done))
        percent = max(0.0, min(99.0, percent))  # 100 only once the work is committed
        if note is not None:
            self.record.note = str(note)
        if int(percent) != int(self._last_saved) or note is not None:
            self._last_saved = percent
            self.record.progress = int(percent)
            save_record(self.record)

    def save(self, filename: str, data: bytes, mimetype: str) -> None:
        """Keep the job's result file (downloaded under ``filename``)."""
        self.record.file = self.files.save(self.record.id, data)
        self.record.filename, self.record.mimetype = filename, mimetype

    def begin(self) -> None:
        """Start a transaction; a writing job on SQLite takes the write lock first (``BEGIN IMMEDIATE``)."""
        if self.writes and db.engine.dialect.name == "sqlite":
            db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit the work so far (a long job in batches, so that the write lock is not held throughout) and
        start the next transaction."""
        db.session.commit()
        self.begin()


# -- enqueueing and running ------------------------------------------------------------------------------------

def _locale() -> str:
    """The language of the request (or of a ``force_locale`` block); the default one elsewhere."""
    locale = get_locale() if has_request_context() else None
    return str(locale) if locale is not None else current_app.config["BABEL_DEFAULT_LOCALE"]


def enqueue(actor: Person | None, kind: str, **params: Any) -> JobRecord:
    """Record a job of ``kind`` asked by ``actor`` (None: the command line) and hand it to the queue. ``params``
    must be JSON values (ids, codes): the job loads its rows itself. The kind checks permissions when it runs;
    the caller checks them first so that a refusal is shown at once."""
    if kind not in KINDS:
        raise KeyError(f"no job kind {kind!r}")
    record = JobRecord(id=secrets.token_hex(16), kind=kind, person_id=actor.id if actor is not None else None,
                       params=json.loads(json.dumps(params)), locale=_locale(), created_at=clock.now().isoformat())
    save_record(record)
    queue.submit(record.id)
    return record


def run_job(job_id: str) -> None:
    """Run one queued job to its end (called by the worker inside an app context); a job not queued any more
    (delivered twice) is left alone."""
    record = get_job(job_id)
    if record is None or record.state != QUEUED:
        return
    record.state, record.started_at = RUNNING, clock.now().isoformat()
    save_record(record)
    kind = KINDS.get(record.kind)
    files = job_files()
    with force_locale(record.locale):
        actor = db.session.get(Person, record.person_id) if record.person_id is not None else None
        ctx = JobContext(record, actor, bool(kind and kind.writes), files)
        try:
            if kind is None:
                raise Conflict(_l("This kind of work is no longer known."))
            if record.person_id is not None and (actor is None or not actor.is_active):
                raise PermissionDenied(_l("The account that asked for this work is no longer active."))
            ctx.begin()
            summary = kind.run(ctx, **record.params)
            db.session.commit()
        except (PermissionDenied, Conflict) as exc:
            _failed(record, files, str(exc.message))
        except ValidationFailed as exc:
            _failed(record, files, "; ".join(str(m) for ms in exc.errors.values() for m in ms))
        except Exception:
            log.exception("job %s (%s) failed", record.id, record.kind)
            _failed(record, files, _("The work could not be finished. Nothing was saved; please try again."))
        else:
            record.state, record.progress, record.note = DONE, 100, ""
            record.summary = str(summary) if summary else ""
        finally:
            db.session.rollback()
    record.finished_at = clock.now().isoformat()
    save_record(record)


def _failed(record: JobRecord, files: JobFiles, message: str) -> None:
    db.session.rollback()
    files.delete(record.id)
    record.state, record.error, record.note = FAILED, message, ""
    record.file = record.filename = record.mimetype = None


# -- periodic work and the sweep --------------------------------------------------------------------------------

#: the work the worker does on its own, by name (``registry.queue.Periodic``), each on the schedule of its
#: configuration key
PERIODIC: dict[str, queue.Periodic] = {}
#: the marks of ``once_today`` in the queue's storage: ``day:<name>:<date>``
DAY_MARK = "day:"


def periodic(name: str, config_key: str):
    """Register ``run()`` as work the worker does on the schedule of ``config_key`` (in an app context)."""
    def register(run: Callable[[], Any]) -> Callable[[], Any]:
        PERIODIC[name] = queue.Periodic(name, config_key, run)
        return run
    return register


def once_today(name: str) -> bool:
    """True the first time it is asked for ``name`` on this day in Vietnam, False afterwards: the mark is in the
    queue's storage, so two workers scheduling the same work run it once."""
    return bool(queue.get_huey().put_if_empty(f"{DAY_MARK}{name}:{clock.today().isoformat()}",
                                              clock.now().isoformat()))


@dataclass
class SweepResult:
    #: the jobs whose result file was deleted (their records are now expired)
    expired: list[str] = field(default_factory=list)
    #: folders of files no live job names any more (a job whose record is gone, a failed import's leftovers)
    orphans: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{len(self.expired)} result files of finished jobs deleted, "
                f"{len(self.orphans)} folders of files no job uses deleted.")


def sweep_files(keep_days: int | None = None) -> SweepResult:
    """Delete the result files of jobs finished more than ``keep_days`` (``JOBS_KEEP_DAYS``) days ago and mark
    their records expired (the job's page then says the file is no longer kept), delete folders of files no
    queued, running or done job names that are as old, and forget the day marks of ``once_today`` as old."""
    days = int(current_app.config["JOBS_KEEP_DAYS"] if keep_days is None else keep_days)
    now = clock.now()
    cutoff = now - timedelta(days=days)
    files = job_files()
    result = SweepResult()
    records = {record.id: record for record in all_jobs()}
    for record in records.values():
        if record.state == DONE and record.file and record.finished_at \
                and datetime.fromisoformat(record.finished_at) <= cutoff:
            files.delete(record.id)
            record.state, record.expired_at = EXPIRED, now.isoformat()
            record.file = record.mimetype = None
            save_record(record)
            result.expired.append(record.id)
    in_use = {job_id for job_id, record in records.items()
              if record.state in (QUEUED, RUNNING) or (record.state == DONE and record.file)}
    in_use |= {str(record.params.get("upload", "")).partition("/")[0] for record in records.values()
               if record.state in (QUEUED, RUNNING)}  # a sheet waiting for its import job
    for job_id, written in files.stored().items():
        if job_id not in in_use and written <= cutoff.timestamp():
            files.delete(job_id)
            result.orphans.append(job_id)
    huey = queue.get_huey()
    for key in list(huey.storage.result_items()):
        key = key.decode() if isinstance(key, bytes) else key
        if key.startswith(DAY_MARK):
            day = key.rpartition(":")[2]
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) and day < (clock.today() - timedelta(days=days)).isoformat():
                huey.delete(key)
    if result.expired or result.orphans:
        log.info("jobs sweep: %s", result)
    return result


@periodic("registry.sweep_files", "JOBS_SWEEP_CRON")
def sweep_report() -> str:
    """The sweep, in words for the command line and the worker's log."""
    return str(sweep_files())
