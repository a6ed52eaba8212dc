"""Two app servers behind one load balancer: two gunicorn processes on different ports, one PostgreSQL database,
one evidence store (a shared folder, and moto's S3 server). A session made on one server works on the other, a
file uploaded through one is downloaded from the other, a sign-in throttle and a sign-out hold on both, and the
audit chain both servers appended to still verifies.

PostgreSQL only (``scripts/test-postgres.sh`` runs it): SQLite is one machine's file by nature.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from registry.models import AuditEvent, EvidenceFile, TaskState
from registry.services import progress
from registry.services.verify import verify_all
from registry.storage import LocalStorage, storage_from_url
from tests.helpers import PASSWORD
from tests.s3_server import free_port, s3_bucket, s3_server, wait_for_port  # noqa: F401  - fixtures
from tests.test_progress_evidence import PDF_BYTES

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def postgres(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+")[0] != "postgresql":
        pytest.skip("two app servers share a PostgreSQL database (run scripts/test-postgres.sh)")
    return app.config["SQLALCHEMY_DATABASE_URI"]


def start_servers(app, storage_env: dict[str, str], tmp_path: Path, count: int = 2) -> list[str]:
    """``count`` gunicorn servers of the registry with the same database, keys and evidence store."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env.update({"REGISTRY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "REGISTRY_SECRET_KEY": secrets.token_urlsafe(48),  # one key shared by every server
                "REGISTRY_AUDIT_KEY": app.config["AUDIT_KEY"],
                "REGISTRY_ENV": "development",  # the test audit key is short
                "REGISTRY_JOBS": "0", **storage_env})
    processes, urls = [], []
    for n in range(count):
        port = free_port()
        log = open(tmp_path / f"server-{n}.log", "wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "60",
             "registry:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        processes.append((process, log))
        wait_for_port(port, process, f"gunicorn server {n} (see {log.name})", timeout=60)
        urls.append(f"http://127.0.0.1:{port}")
    app.extensions.setdefault("_test_servers", []).extend(processes)
    return urls


@pytest.fixture
def servers(app):
    """Stops every server a test started."""
    yield start_servers
    for process, log in app.extensions.pop("_test_servers", []):
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def note(postgres, frozen_now, make_task, world, db):
    frozen_now(datetime(2026, 3, 15, 3, tzinfo=timezone.utc))
    task = make_task(TaskState.APPROVED)
    note = progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Đối thoại với 22 hộ.", "values": {task.indicators[0].id: 22}, "status": "on_track"})
    db.session.commit()
    return note


def csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    return CSRF.search(page.text).group(1)


def sign_in(session: requests.Session, server: str, username: str, password: str) -> requests.Response:
    return session.post(f"{server}/login", allow_redirects=False, timeout=30, data={
        "username": username, "password": password, "csrf_token": csrf(session, f"{server}/login")})


def journey(a: str, b: str, note, world, db) -> EvidenceFile:
    """Sign in on A, upload on A (with a CSRF token from B), download on B with the same cookie."""
    browser = requests.Session()
    assert sign_in(browser, a, world.owner.username, PASSWORD).status_code == 302
    assert browser.get(f"{b}/tasks/{note.task_id}", allow_redirects=False, timeout=30).status_code == 200, \
        "the session cookie made on A is good on B"
    token = csrf(browser, f"{b}/tasks/{note.task_id}")  # made on B, accepted on A: one SECRET_KEY
    content = PDF_BYTES + secrets.token_bytes(200_000)
    upload = browser.post(f"{a}/notes/{note.id}/files", files={"file": ("Biên bản.pdf", content, "application/pdf")},
                          data={"csrf_token": token}, allow_redirects=False, timeout=60)
    assert upload.status_code == 302, upload.text[:500]
    db.session.expire_all()
    [row] = db.session.scalars(select(EvidenceFile)).all()
    download = browser.get(f"{b}/files/{row.id}", timeout=60)
    assert download.status_code == 200 and download.content == content
    assert hashlib.sha256(download.content).hexdigest() == row.sha256
    assert download.headers["Content-Disposition"].startswith("attachment;")

    copy = requests.Session()  # the same cookie on another machine
    copy.cookies.update(browser.cookies)
    assert copy.get(f"{b}/files/{row.id}", allow_redirects=False, timeout=30).status_code == 200
    out = browser.post(f"{a}/logout", data={"csrf_token": csrf(browser, f"{a}/tasks/{note.task_id}")},
                       allow_redirects=False, timeout=30)
    assert out.status_code == 302
    refused = copy.get(f"{b}/files/{row.id}", allow_redirects=False, timeout=30)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"], \
        "signing out on A ends the copied session on B (the session version is in the database)"
    return row


def throttle_holds_everywhere(a: str, b: str, world, app) -> None:
    attacker = requests.Session()
    for _ in range(app.config["SIGNIN_MAX_FAILURES_ACCOUNT"]):
        assert sign_in(attacker, a, world.other_owner.username, "wrong-password-123").status_code == 401
    assert sign_in(attacker, a, world.other_owner.username, "wrong-password-123").status_code == 429
    refused = sign_in(requests.Session(), b, world.other_owner.username, PASSWORD)
    assert refused.status_code == 429, "B refuses even the right password: the failures are counted in the database"
    assert "Retry-After" in refused.headers


def test_two_servers_share_a_folder(note, world, db, app, servers, tmp_path):
    folder = tmp_path / "shared-evidence"
    a, b = servers(app, {"REGISTRY_STORAGE_URL": folder.as_uri()}, tmp_path)
    row = journey(a, b, note, world, db)
    assert LocalStorage(folder).read_bytes(row.stored_name) == (folder / row.stored_name).read_bytes()
    throttle_holds_everywhere(a, b, world, app)
    db.session.expire_all()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.attach")) is not None
    assert verify_all(app.config["AUDIT_KEY"], folder).ok, "one chain, appended to by the test and server A"


def test_two_servers_share_an_s3_bucket(note, world, db, app, servers, tmp_path, s3_server, s3_bucket):  # noqa: F811
    a, b = servers(app, s3_server.env(s3_bucket), tmp_path)
    row = journey(a, b, note, world, db)
    assert s3_server.keys(s3_bucket) == [f"evidence/{row.stored_name}"]
    assert not list(Path(app.instance_path).glob(f"**/{row.stored_name}")), "nothing on the local disk"
    store = storage_from_url(f"s3://{s3_bucket}/evidence", config=s3_server.config(s3_bucket))
    assert verify_all(app.config["AUDIT_KEY"], store).ok
