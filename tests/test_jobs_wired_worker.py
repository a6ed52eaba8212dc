"""The report files and a large bulk registration run by a real worker process (``flask --app registry jobs
worker``, the fixture of tests/test_jobs_worker.py): the sơ kết DOCX and the tổng kết PDF are made there (an app
context, no request), download for the asker and open; a large confirmed sheet is imported there in one
transaction with an audit event per row and a trail that still verifies, its uploaded file removed."""

from __future__ import annotations

import base64
from io import BytesIO
from pathlib import Path

import docx
from pypdf import PdfReader
from sqlalchemy import func, select

from registry.blueprints.imports import views as import_views
from registry.models import AuditEvent, Task, TaskState
from registry.services import jobs
from registry.services.verify import verify_all
from tests import test_jobs_worker
from tests.test_bulk_registration import row, sheet
from tests.test_jobs_worker import _job_id, _wait

#: the web app on a SQLite queue in a temporary folder, and a worker process consuming it
worker = test_jobs_worker.worker


def _download(client, state: dict) -> bytes:
    response = client.get(state["download"])
    data = response.get_data()
    response.close()
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    return data


def test_the_worker_makes_the_report_files(worker, world, make_task, login_as, db):
    make_task(TaskState.APPROVED, title="Giải phóng mặt bằng mương Thụy Khuê")
    db.session.commit()
    client = login_as(world.standing)
    year = world.year.year

    word = _job_id(client.post(f"/reports/so_ket.docx/job?year={year}&unit={world.unit.id}"))
    pdf = _job_id(client.post(f"/reports/tong_ket.pdf/job?year={year}"))
    state = _wait(client, word, worker)
    assert state["state"] == "done", state
    document = docx.Document(BytesIO(_download(client, state)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM {year}" in text and "{{" not in text
    assert jobs.get_job(word).filename == f"Báo cáo sơ kết {year} - {world.unit.name}.docx"

    state = _wait(client, pdf, worker)
    assert state["state"] == "done", state
    reader = PdfReader(BytesIO(_download(client, state)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert f"BÁO CÁO TỔNG KẾT NĂM {year}" in text and "Số việc đăng ký (kể cả bản nháp) 1" in text

    assert login_as(world.secretariat).get(f"/jobs/{pdf}/download").status_code == 403


def test_the_worker_imports_a_large_sheet(worker, world, login_as, db, app, monkeypatch):
    monkeypatch.setattr(import_views, "JOB_ROWS", 2)
    db.session.commit()
    client = login_as(world.secretariat)
    data = sheet([row(world, title=f"Giải phóng mặt bằng đoạn {i}") for i in range(1, 5)])
    job = _job_id(client.post("/imports/registrations/confirm", data={
        "content": base64.b64encode(data).decode(), "filename": "dang-ky.xlsx"}))
    state = _wait(client, job, worker)
    assert state["state"] == "done" and state["progress"] == 100, state
    assert state["summary"].startswith("Đã nhập: 4 bản đăng ký")
    db.session.expire_all()
    titles = db.session.scalars(select(Task.title).where(Task.state == TaskState.DRAFT).order_by(Task.id)).all()
    assert titles == [f"Giải phóng mặt bằng đoạn {i}" for i in range(1, 5)]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "task.create")).all()
    assert len(events) == 4 and {e.actor_id for e in events} == {world.secretariat.id}
    assert verify_all(app.config["AUDIT_KEY"], Path(app.config["EVIDENCE_DIR"])).ok
    assert not [p for p in Path(app.config["JOBS_FILES"]).rglob("*") if p.is_file()]
    assert db.session.scalar(select(func.count()).select_from(Task)) == 4
