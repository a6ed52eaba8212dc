"""The job queue on real servers: Redis (a throwaway ``redis-server`` on a unix socket, started here) and
PostgreSQL (a database of its own on the server of the PostgreSQL run, ``scripts/test-postgres.sh``; skipped on
SQLite). On each: a report file asked for through the pages waits in the queue until a worker (huey's consumer,
in threads here) runs it, its progress is seen on the job's page while it runs, the file downloads for the asker,
a failing job says why; and a real worker process (``flask --app registry jobs worker``) makes a report file and
sends the reminders on its schedule, once a day (the day's mark is in the queue's storage)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from io import BytesIO
from urllib.parse import urlsplit

import docx
import pytest
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader
from sqlalchemy import func, select

from registry import clock, queue
from registry.extensions import db as app_db
from registry.models import Notification, TaskState
from registry.services import jobs, notifications
from tests.test_jobs_worker import _job_id, _wait, start_worker

REDIS_SERVER = shutil.which("redis-server")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A throwaway Redis on a unix socket (no TCP port), stopped at the end of the session."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed: scripts/ensure-redis.sh (run by `make test`) installs it")
    folder = tmp_path_factory.mktemp("redis")
    socket = folder / "redis.sock"
    log = open(folder / "redis.log", "w")
    process = subprocess.Popen([REDIS_SERVER, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700",
                                "--save", "", "--appendonly", "no", "--dir", str(folder)],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        import redis

        client = redis.Redis(unix_socket_path=str(socket))
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                pass
            assert process.poll() is None, (folder / "redis.log").read_text()
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        client.close()
        yield f"unix://{socket}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def postgresql_url(_app):
    """A database of its own for the queue (huey's tables are named ``kv``, ``task``, …) on the PostgreSQL server
    of the test run, dropped at the end of the session."""
    url = os.environ.get("REGISTRY_TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres")):
        pytest.skip("the PostgreSQL queue is tested in the PostgreSQL run (scripts/test-postgres.sh)")
    import psycopg

    parts = urlsplit(url)
    admin = parts._replace(scheme="postgresql").geturl()
    name = f"registry_jobs_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    queue_url = parts._replace(path=f"/{name}").geturl()
    yield queue_url
    queues = _app.extensions.get("registry_queues", {})
    for key in [key for key in queues if key[0] == queue_url]:
        queue.close(queues.pop(key)[0])
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=["redis", "postgresql"])
def queue_url(request):
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def on_queue(app, queue_url, monkeypatch, tmp_path):
    """The web app on the real queue (emptied), its result files in ``tmp_path``; returns the queue."""
    monkeypatch.setitem(app.config, "JOBS_ENABLED", True)
    monkeypatch.setitem(app.config, "JOBS_URL", queue_url)
    monkeypatch.setitem(app.config, "JOBS_FILES", str(tmp_path / "job-files"))
    huey = queue.get_huey(app)
    assert not huey.immediate
    huey.flush()
    return huey


@contextmanager
def consumer(huey):
    """huey's consumer in threads of this process (its signal handlers left to pytest)."""
    running = huey.create_consumer(workers=2, worker_type="thread", periodic=False, initial_delay=0.05,
                                   max_delay=0.2, check_worker_health=False)
    running._set_signal_handlers = lambda: None
    running.start()
    try:
        yield running
    finally:
        running.stop(graceful=True)
        queue.close(huey)
        if app_db.engine.dialect.name == "sqlite":
            # the connections the worker threads opened go with them: a later test's migration would reflect a
            # stale schema through one (PostgreSQL's are returned to its pool as usual)
            app_db.engine.dispose()


def _poll(client, job_id: str, until, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        state = client.get(f"/jobs/{job_id}/status").get_json()
        if until(state):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.05)


def _download(client, state: dict) -> bytes:
    response = client.get(state["download"])
    data = response.get_data()
    response.close()
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    return data


def test_a_report_file_waits_in_the_queue_then_a_worker_makes_it(on_queue, world, make_task, login_as, db,
                                                                 monkeypatch):
    make_task(TaskState.APPROVED, title="Giải phóng mặt bằng mương Thụy Khuê")
    db.session.commit()
    seen = []
    save = jobs.save_record
    monkeypatch.setattr(jobs, "save_record", lambda record: (seen.append((record.state, record.progress,
                                                                          record.note)), save(record)))
    client = login_as(world.standing)
    year = world.year.year
    job_id = _job_id(client.post(f"/reports/so_ket.docx/job?year={year}&unit={world.unit.id}"))
    # no worker yet: the job waits in the server's queue, and its page says so
    assert on_queue.pending_count() == 1
    assert client.get(f"/jobs/{job_id}/status").get_json()["state"] == "queued"
    assert "Đang chờ đến lượt…" in client.get(f"/jobs/{job_id}").get_data(as_text=True)

    with consumer(on_queue):
        state = _poll(client, job_id, lambda s: s["finished"])
    assert state["state"] == "done" and state["progress"] == 100, state
    assert ("running", 10, "Đang tổng hợp số liệu…") in seen and seen[-1][:2] == ("done", 100), seen
    document = docx.Document(BytesIO(_download(client, state)))
    assert f"BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM {year}" in "\n".join(p.text for p in document.paragraphs)
    assert login_as(world.secretariat).get(f"/jobs/{job_id}/download").status_code == 403


def test_the_page_shows_the_progress_of_a_running_job(on_queue, world, login_as, db, monkeypatch):
    gate = threading.Event()

    def slow(ctx):
        ctx.progress(3, 8, note="Đang làm phần 3/8…")
        assert gate.wait(30), "the test did not open the gate"
        ctx.save("ket-qua.txt", "Kết quả".encode(), "text/plain")
        return "Xong."

    monkeypatch.setitem(jobs.KINDS, "test.slow", jobs.JobKind("test.slow", _l("Unit dossier"), slow))
    db.session.commit()
    client = login_as(world.standing)
    record = jobs.enqueue(world.standing, "test.slow")
    with consumer(on_queue):
        running = _poll(client, record.id, lambda s: s["state"] == "running" and s["progress"] == 37)
        assert running["note"] == "Đang làm phần 3/8…" and not running["finished"]
        page = client.get(f"/jobs/{record.id}").get_data(as_text=True)
        assert 'value="37"' in page and "Đang làm phần 3/8…" in page and 'data-job-state="running"' in page
        gate.set()
        state = _poll(client, record.id, lambda s: s["finished"])
    assert (state["state"], state["progress"], state["summary"]) == ("done", 100, "Xong."), state
    assert _download(client, state).decode() == "Kết quả"


def test_a_job_failing_in_the_worker_shows_its_message(on_queue, world, login_as, db):
    db.session.commit()
    client = login_as(world.standing)
    record = jobs.enqueue(world.standing, "dossier.unit", unit_id=999_999, fmt="pdf")
    with consumer(on_queue):
        state = _poll(client, record.id, lambda s: s["finished"])
    assert (state["state"], state["error"], state["download"]) == ("failed", "Không có trang hoặc dữ liệu này.",
                                                                   None), state
    page = client.get(f"/jobs/{record.id}").get_data(as_text=True)
    assert "Không thực hiện được:" in page and "Không có trang hoặc dữ liệu này." in page
    assert client.get(f"/jobs/{record.id}/download").status_code == 404


def test_a_worker_process_makes_files_and_sends_the_reminders_on_schedule(on_queue, queue_url, world, make_task,
                                                                           login_as, db, app, tmp_path,
                                                                           monkeypatch):
    task = make_task(TaskState.APPROVED)
    for quarter in range(1, 5):  # every quarter's note is overdue, whatever the day the test runs
        setattr(world.year, f"q{quarter}_deadline", clock.today() - timedelta(days=5 - quarter))
    db.session.commit()
    client = login_as(world.standing)
    pdf = _job_id(client.post(f"/reports/tong_ket.pdf/job?year={world.year.year}"))
    # every minute: the worker's scheduler checks at once when it starts
    with start_worker(app, tmp_path, monkeypatch, queue_url, REGISTRY_JOBS_REMINDERS_CRON="* * * * *") as worker:
        state = _wait(client, pdf, worker)
        assert state["state"] == "done", state
        text = " ".join(page.extract_text() for page in PdfReader(BytesIO(_download(client, state))).pages)
        assert f"BÁO CÁO TỔNG KẾT NĂM {world.year.year}" in " ".join(text.split())

        deadline = time.monotonic() + 60
        while not [r for r in jobs.all_jobs() if r.kind == "remind" and r.is_finished]:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
    [remind] = [r for r in jobs.all_jobs() if r.kind == "remind"]  # once, whatever the scheduler did
    assert (remind.state, remind.person_id) == ("done", None), remind.error
    assert on_queue.get(f"{jobs.DAY_MARK}reminders:{clock.today().isoformat()}", peek=True) is not None
    db.session.expire_all()
    overdue = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.task_id == task.id, Notification.kind == "note.overdue"))
    assert overdue >= 1
    assert notifications.send_reminders().created == 0  # everything due was sent by the worker
    assert not jobs.once_today("reminders")  # another worker would not send them again today
