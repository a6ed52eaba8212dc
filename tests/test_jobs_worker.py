"""A real worker process (``flask --app registry jobs worker``) against a SQLite queue in a temporary folder and
the test database: a unit's dossier export and the mid-year snapshots asked for through the pages run to
completion there, the file downloads for the asker, the snapshots' audit events keep the trail intact, and a
job that fails in the worker says why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.models import MidYearReview, TaskState
from registry.services import jobs
from registry.services.verify import verify_all

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def start_worker(app, tmp_path, monkeypatch, queue_url: str, **env: str):
    """The web app on the queue at ``queue_url`` with its result files in ``tmp_path``, and a worker process
    consuming it (``env``: more REGISTRY_* settings of the worker; its schedules are off unless set there)."""
    files = tmp_path / "job-files"
    monkeypatch.setitem(app.config, "JOBS_ENABLED", True)
    monkeypatch.setitem(app.config, "JOBS_URL", queue_url)
    monkeypatch.setitem(app.config, "JOBS_FILES", str(files))
    env = {**os.environ, "REGISTRY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "REGISTRY_JOBS_URL": queue_url, "REGISTRY_JOBS_FILES": str(files), "REGISTRY_JOBS": "1",
           "REGISTRY_AUDIT_KEY": app.config["AUDIT_KEY"], "REGISTRY_SECRET_KEY": "worker-test",
           "REGISTRY_ENV": "development", "FLASK_APP": "registry",
           "REGISTRY_JOBS_REMINDERS_CRON": "off", "REGISTRY_JOBS_SWEEP_CRON": "off", **env}
    log = open(tmp_path / "worker.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "registry", "jobs", "worker", "--workers", "2"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def worker(app, tmp_path, monkeypatch):
    """The web app on a SQLite queue in ``tmp_path``, and a worker process consuming it."""
    with start_worker(app, tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'queue.sqlite3'}") as process:
        yield process


def _wait(client, job_id: str, worker, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = client.get(f"/jobs/{job_id}/status").get_json()
        if state["finished"]:
            return state
        assert worker.poll() is None, "the worker stopped"
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not finished after {seconds} s: {state}")


def _job_id(response) -> str:
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[1]


def test_the_worker_runs_jobs_to_completion_and_the_file_downloads(worker, world, make_task, login_as, db, app):
    tasks = [make_task(TaskState.APPROVED) for _ in range(3)]
    db.session.commit()
    client = login_as(world.standing)

    export = _job_id(client.post(f"/units/{world.unit.id}/dossier.docx/job"))
    assert jobs.get_job(export).state in ("queued", "running", "done")  # the request only queued it
    state = _wait(client, export, worker)
    assert state["state"] == "done", state
    download = client.get(state["download"])
    data = download.get_data()
    download.close()
    assert download.status_code == 200 and data[:2] == b"PK"  # a DOCX (zip)
    assert "attachment" in download.headers["Content-Disposition"]

    snapshots = _job_id(client.post(f"/years/{world.year.id}/midyear"))
    state = _wait(client, snapshots, worker)
    assert state["state"] == "done" and state["progress"] == 100, state
    assert state["summary"] == f"Sơ kết 6 tháng năm {world.year.year}: đã chốt số liệu 3 việc."
    db.session.expire_all()
    assert db.session.scalar(select(func.count(MidYearReview.id))) == len(tasks)
    report = verify_all(app.config["AUDIT_KEY"], Path(app.config["EVIDENCE_DIR"]))
    assert report.ok, report

    others = login_as(world.secretariat)
    assert others.get(f"/jobs/{export}/download").status_code == 403


def test_a_job_failing_in_the_worker_says_why(worker, world, login_as, db, tmp_path):
    """The unit is gone by the time the worker runs the job (the record names a unit that does not exist)."""
    db.session.commit()
    client = login_as(world.standing)
    record = jobs.enqueue(world.standing, "dossier.unit", unit_id=999_999, fmt="pdf")
    state = _wait(client, record.id, worker)
    assert state["state"] == "failed" and state["error"] == "Không có trang hoặc dữ liệu này.", state
    assert state["download"] is None
