"""The queue of background jobs: a huey instance built from the configuration, and the worker command.

``JOBS_URL`` chooses the queue's storage: a SQLite file (``sqlite:///…``, by default ``instance/jobs.sqlite3``,
so ``make run`` needs nothing more), Redis (``redis://…``, or ``unix:///…sock``), PostgreSQL
(``postgresql://…``, huey's SqlHuey over peewee and psycopg 3: its tables are named ``kv``, ``task``, … so give
it a database of its own) or ``memory://`` (in-process, the job runs in the process that enqueues it: tests and
single-process development). The job records (who asked, progress, result) live in the same storage, so every
web process and every worker sees them. ``flask --app registry jobs worker`` runs the consumer.

One huey task, ``registry.run_job``, runs every kind of job (``registry.services.jobs.KINDS``) inside the Flask
application context of the process that consumes it. Periodic tasks (``registry.services.jobs.PERIODIC``: the
daily reminders, the sweep of old result files) run in the worker on the schedule of their configuration key, a
crontab in Vietnam's time (``JOBS_REMINDERS_CRON``, ``JOBS_SWEEP_CRON``); ``flask --app registry jobs sweep``
runs the sweep at once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import click
from flask import Flask, current_app, g, has_request_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.contrib.sql_huey import SqlHuey
from peewee import PostgresqlDatabase
from playhouse.db_url import parse

from registry.clock import LOCAL_TZ

#: the name of the one huey task (the same in the web processes and the worker)
TASK_NAME = "registry.run_job"
#: huey's queue name: one installation per queue storage
QUEUE_NAME = "registry"
#: a schedule switched off
OFF = {"", "off", "no", "none", "false", "0", "never"}


@dataclass(frozen=True)
class Periodic:
    """Work the worker does on its own: ``run()`` (inside an app context) on the schedule of ``config_key``."""

    name: str
    config_key: str
    run: Callable[[], object]


def local_crontab(spec: str, tz) -> Callable[[datetime], bool]:
    """huey's ``crontab`` on the five fields of ``spec`` ("minute hour day month weekday"), read in ``tz``: huey
    hands a periodic task's check the time in naive UTC, so "0 7 * * *" is 07:00 in Vietnam, not in UTC."""
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"a schedule is 5 crontab fields (minute hour day month weekday), not {spec!r}")
    matches = crontab(*fields, strict=True)

    def validate(timestamp: datetime) -> bool:
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=timezone.utc)
        return matches(timestamp.astimezone(tz).replace(tzinfo=None))
    return validate


def schedule(app: Flask, periodic: Periodic) -> str | None:
    """The crontab of a periodic task, or None when its configuration switches it off."""
    spec = app.config.get(periodic.config_key)
    if spec is None or str(spec).strip().lower() in OFF:
        return None
    return str(spec).strip()


class PostgresDatabase(PostgresqlDatabase):
    """peewee's PostgreSQL database (one connection per thread) keeping the connections it opened until they are
    closed, so that ``close_all`` also closes those of threads that have stopped (huey's scheduler thread has no
    shutdown hook)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._opened: set = set()
        self._opened_lock = threading.Lock()

    def _connect(self):
        conn = super()._connect()
        with self._opened_lock:
            self._opened.add(conn)
        return conn

    def _close(self, conn):
        with self._opened_lock:
            self._opened.discard(conn)
        super()._close(conn)

    def close_all(self) -> None:
        """Close every connection still open, of any thread (once the queue's threads have stopped)."""
        self.close()
        with self._opened_lock:
            opened, self._opened = self._opened, set()
        for conn in opened:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - a connection already broken
                pass


def close(huey: Huey) -> None:
    """Close the queue's connections to its storage (after its worker threads have stopped)."""
    database = getattr(huey.storage, "database", None)
    if isinstance(database, PostgresDatabase):
        database.close_all()
    elif hasattr(huey.storage, "close"):
        huey.storage.close()


def make_huey(url: str) -> Huey:
    """A huey instance on the storage named by ``url``."""
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme == "memory":
        return MemoryHuey(QUEUE_NAME, results=False, immediate=True)
    if scheme == "sqlite":
        path = url.split("://", 1)[1].lstrip("/")
        return SqliteHuey(QUEUE_NAME, filename="/" + path if url.startswith("sqlite:////") else path,
                          results=False, timeout=15)
    if scheme in ("redis", "rediss", "unix"):  # unix:///run/redis/redis.sock: a Redis on its local socket
        return RedisHuey(QUEUE_NAME, url=url, results=False)
    if scheme in ("postgres", "postgresql"):
        parts = urlsplit(url)
        database = PostgresDatabase(**parse(parts._replace(scheme="postgresql").geturl()))
        huey = SqlHuey(QUEUE_NAME, database=database, results=False)

        @huey.on_shutdown()
        def close_connection() -> None:
            """A worker thread closes its own connection when it stops."""
            database.close()
        return huey
    raise ValueError(f"REGISTRY_JOBS_URL: unknown queue storage {scheme!r} (sqlite, redis, postgresql, memory)")


def _queue(app: Flask) -> tuple[Huey, Callable]:
    """The application's queue and its job task, built on first use and again when ``JOBS_URL`` or a schedule
    changes, with the periodic tasks whose schedule is on."""
    periodic: Mapping[str, Periodic] = app.extensions.get("registry_periodic", {})
    schedules = tuple((name, schedule(app, task)) for name, task in periodic.items())
    key = (app.config["JOBS_URL"], schedules)
    queues = app.extensions.setdefault("registry_queues", {})
    if key not in queues:
        huey = make_huey(app.config["JOBS_URL"])
        runner = app.extensions["registry_job_runner"]

        @huey.task(name=TASK_NAME)
        def run_job(job_id: str) -> None:
            with app.app_context():
                runner(job_id)

        for name, spec in schedules:
            if spec is not None:
                _add_periodic(app, huey, periodic[name], local_crontab(spec, LOCAL_TZ))
        queues[key] = (huey, run_job)
    return queues[key]


def _add_periodic(app: Flask, huey: Huey, periodic: Periodic, validate: Callable[[datetime], bool]) -> None:
    def run() -> None:
        with app.app_context():
            periodic.run()

    run.__name__ = periodic.name.rpartition(".")[2]
    huey.periodic_task(validate, name=periodic.name)(run)


def get_huey(app: Flask | None = None) -> Huey:
    """The application's queue (built on first use, again when ``JOBS_URL`` changes), with its tasks."""
    return _queue(app or current_app._get_current_object())[0]


def periodic_tasks(app: Flask | None = None) -> dict[str, Callable[[datetime], bool]]:
    """The periodic tasks the worker schedules, by name, with the check of their schedule (a UTC time)."""
    huey = get_huey(app)
    return {task.name: task.validate_datetime for task in huey._registry.periodic_tasks}


def submit(job_id: str, app: Flask | None = None) -> None:
    """Hand the job to the queue. In memory mode inside a request, it runs when the request is over (after its
    commit), like a worker that picks it up at once; elsewhere at once."""
    app = app or current_app._get_current_object()
    huey, task = _queue(app)
    if huey.immediate and has_request_context():
        g.setdefault("_registry_jobs_after", []).append((task, job_id))
        return
    task(job_id)


def is_enabled(app: Flask | None = None) -> bool:
    """Long work goes to the queue (otherwise it runs in the request, as before)."""
    return bool((app or current_app).config.get("JOBS_ENABLED"))


def init_app(app: Flask, runner: Callable[[str], None], show: Callable[[str], dict | None],
             periodic: Mapping[str, Periodic] | None = None, sweep: Callable[[], str] | None = None) -> None:
    """``runner(job_id)`` runs one job inside an app context; ``show(job_id)`` its record for the command line;
    ``periodic`` the work the worker does on a schedule; ``sweep()`` removes old result files (``jobs sweep``)."""
    app.extensions["registry_job_runner"] = runner
    app.extensions["registry_periodic"] = dict(periodic or {})

    @app.teardown_request
    def run_immediate_jobs(exc):
        for task, job_id in g.pop("_registry_jobs_after", []):
            task(job_id)

    jobs_cli = click.Group("jobs", help="Background jobs: the worker, a job's state, the sweep of old files.")
    app.cli.add_command(jobs_cli)

    @jobs_cli.command("worker")
    @click.option("--workers", type=int, default=None, help="Threads (default JOBS_WORKERS).")
    def worker_command(workers):
        """Consume the queue until stopped (SIGINT waits for running jobs, SIGTERM stops at once), and run the
        periodic tasks on their schedule."""
        if not is_enabled(app):
            click.echo("Background jobs are off (REGISTRY_JOBS=0): no worker.")
            return
        huey = get_huey(app)
        scheduled = sorted(periodic_tasks(app))
        click.echo(f"Job worker on {urlsplit(app.config['JOBS_URL']).scheme} queue; periodic tasks: "
                   f"{', '.join(scheduled) or 'none'}.")
        consumer = huey.create_consumer(workers=workers or app.config["JOBS_WORKERS"], worker_type="thread",
                                        periodic=bool(scheduled), check_worker_health=True)
        try:
            consumer.run()
        finally:
            close(huey)

    @jobs_cli.command("show")
    @click.argument("job_id")
    def show_command(job_id):
        """Print a job's record as JSON."""
        record = show(job_id)
        if record is None:
            raise click.ClickException(f"No job {job_id}.")
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))

    if sweep is not None:
        @jobs_cli.command("sweep")
        def sweep_command():
            """Delete the result files of jobs finished more than JOBS_KEEP_DAYS days ago (their pages then say
            so), and files no job names any more."""
            click.echo(sweep())
