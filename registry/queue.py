"""The queue of background jobs: a huey instance built from the configuration, and the worker command.

``JOBS_URL`` chooses the queue's storage: a SQLite file (``sqlite:///…``, by default ``instance/jobs.sqlite3``,
so ``make run`` needs nothing more), Redis (``redis://…``), PostgreSQL (``postgresql://…``, huey's SqlHuey over
peewee and psycopg 3) or ``memory://`` (in-process, the job runs in the process that enqueues it: tests and
single-process development). The job records (who asked, progress, result) live in the same storage, so every
web process and every worker sees them. ``flask --app registry jobs worker`` runs the consumer.

One huey task, ``registry.run_job``, runs every kind of job (``registry.services.jobs.KINDS``) inside the Flask
application context of the process that consumes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

import click
from flask import Flask, current_app, g, has_request_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.contrib.sql_huey import SqlHuey
from playhouse.db_url import connect

#: the name of the one huey task (the same in the web processes and the worker)
TASK_NAME = "registry.run_job"
#: huey's queue name: one installation per queue storage
QUEUE_NAME = "registry"


def make_huey(url: str) -> Huey:
    """A huey instance on the storage named by ``url``."""
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme == "memory":
        return MemoryHuey(QUEUE_NAME, results=False, immediate=True)
    if scheme == "sqlite":
        path = url.split("://", 1)[1].lstrip("/")
        return SqliteHuey(QUEUE_NAME, filename="/" + path if url.startswith("sqlite:////") else path,
                          results=False, timeout=15)
    if scheme in ("redis", "rediss"):
        return RedisHuey(QUEUE_NAME, url=url, results=False)
    if scheme in ("postgres", "postgresql"):
        parts = urlsplit(url)
        return SqlHuey(QUEUE_NAME, database=connect(parts._replace(scheme="postgresql").geturl()), results=False)
    raise ValueError(f"REGISTRY_JOBS_URL: unknown queue storage {scheme!r} (sqlite, redis, postgresql, memory)")


def get_huey(app: Flask | None = None) -> Huey:
    """The application's queue (built on first use, again when ``JOBS_URL`` changes), with its task."""
    app = app or current_app._get_current_object()
    url = app.config["JOBS_URL"]
    queues = app.extensions.setdefault("registry_queues", {})
    if url not in queues:
        huey = make_huey(url)
        runner = app.extensions["registry_job_runner"]

        @huey.task(name=TASK_NAME)
        def run_job(job_id: str) -> None:
            with app.app_context():
                runner(job_id)

        queues[url] = (huey, run_job)
    return queues[url][0]


def submit(job_id: str, app: Flask | None = None) -> None:
    """Hand the job to the queue. In memory mode inside a request, it runs when the request is over (after its
    commit), like a worker that picks it up at once; elsewhere at once."""
    app = app or current_app._get_current_object()
    huey = get_huey(app)
    task = app.extensions["registry_queues"][app.config["JOBS_URL"]][1]
    if huey.immediate and has_request_context():
        g.setdefault("_registry_jobs_after", []).append((task, job_id))
        return
    task(job_id)


def is_enabled(app: Flask | None = None) -> bool:
    """Long work goes to the queue (otherwise it runs in the request, as before)."""
    return bool((app or current_app).config.get("JOBS_ENABLED"))


def init_app(app: Flask, runner: Callable[[str], None], show: Callable[[str], dict | None]) -> None:
    """``runner(job_id)`` runs one job inside an app context; ``show(job_id)`` its record for the command line."""
    app.extensions["registry_job_runner"] = runner

    @app.teardown_request
    def run_immediate_jobs(exc):
        for task, job_id in g.pop("_registry_jobs_after", []):
            task(job_id)

    jobs_cli = click.Group("jobs", help="Background jobs: the worker, and a job's state.")
    app.cli.add_command(jobs_cli)

    @jobs_cli.command("worker")
    @click.option("--workers", type=int, default=None, help="Threads (default JOBS_WORKERS).")
    def worker_command(workers):
        """Consume the queue until stopped (SIGINT waits for running jobs, SIGTERM stops at once)."""
        if not is_enabled(app):
            click.echo("Background jobs are off (REGISTRY_JOBS=0): no worker.")
            return
        huey = get_huey(app)
        click.echo(f"Job worker on {urlsplit(app.config['JOBS_URL']).scheme} queue.")
        consumer = huey.create_consumer(workers=workers or app.config["JOBS_WORKERS"], worker_type="thread",
                                        periodic=False, check_worker_health=True)
        consumer.run()

    @jobs_cli.command("show")
    @click.argument("job_id")
    def show_command(job_id):
        """Print a job's record as JSON."""
        record = show(job_id)
        if record is None:
            raise click.ClickException(f"No job {job_id}.")
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
