"""The sơ kết / tổng kết report files and a large bulk registration as background jobs (the queue in-process,
``memory://``: a job runs when the request that asked for it is over; tests/test_jobs_wired_worker.py runs a real
worker): the dashboard's buttons queue the file, the permission is checked when queuing and again when the job
runs, the result is for the asker alone; a large confirmed sheet is imported by a job in one transaction (every
row with its audit event, or none with the rows' problems on the job's page), its uploaded file kept in the jobs'
file store and removed afterwards; small sheets and the jobs off keep the synchronous paths."""

from __future__ import annotations

import base64
import re
from io import BytesIO
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from registry.blueprints.imports import views as import_views
from registry.models import AuditEvent, Role, Task, TaskState
from registry.services import jobs
from registry.services.verify import verify_all
from tests.test_bulk_registration import row, sheet

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def jobs_on(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "JOBS_ENABLED", True)
    monkeypatch.setitem(app.config, "JOBS_FILES", str(tmp_path / "job-files"))
    return app


def _job_id(response) -> str:
    assert response.status_code == 302, response.status_code
    match = re.search(r"/jobs/([0-9a-f]{32})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _download(client, job_id: str):
    response = client.get(f"/jobs/{job_id}/download")
    data = response.get_data()
    response.close()  # the file is sent from disk
    return response, data


def _stored_files(app) -> list[Path]:
    folder = Path(app.config["JOBS_FILES"])
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# -- the report files ------------------------------------------------------------------------------------------

def test_the_dashboard_buttons_queue_the_report_files(jobs_on, frozen_now, world, make_task, login_as, db):
    make_task(TaskState.APPROVED, title="Giải phóng mặt bằng mương Thụy Khuê")
    client = login_as(world.standing)
    year = world.year.year
    page = client.get(f"/reports?year={year}").get_data(as_text=True)
    for report in ("so_ket", "tong_ket"):
        for fmt in ("docx", "pdf", "xlsx"):
            assert f'action="/reports/{report}.{fmt}/job?year={year}"' in page
    assert f'href="/reports/so_ket.docx?year={year}"' not in page  # no file made in the request any more

    job_id = _job_id(client.post(f"/reports/so_ket.docx/job?year={year}&unit={world.unit.id}"))
    record = jobs.get_job(job_id)
    assert (record.state, record.progress, record.person_id, record.kind) == ("done", 100, world.standing.id,
                                                                              "report.summary")
    assert record.params == {"report": "so_ket", "fmt": "docx", "year": year, "unit_id": world.unit.id}
    shown = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Báo cáo sơ kết hoặc tổng kết" in shown and f'href="/jobs/{job_id}/download"' in shown
    response, data = _download(client, job_id)
    assert response.status_code == 200 and response.mimetype == DOCX
    assert record.filename == f"Báo cáo sơ kết {year} - {world.unit.name}.docx"
    document = docx.Document(BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM {year}" in text
    summary = [[cell.text for cell in r.cells] for r in document.tables[1].rows]
    assert summary[1] == ["Số việc đăng ký (kể cả bản nháp)", "1"]


def test_a_report_pdf_job_is_made_without_a_request(jobs_on, world, make_task, db, app):
    """Queued outside any request (the command line, or a worker): the print template renders in the app context
    alone."""
    make_task(TaskState.APPROVED)
    db.session.commit()
    record = jobs.enqueue(world.secretariat, "report.summary", report="tong_ket", fmt="pdf", year=world.year.year)
    record = jobs.get_job(record.id)
    assert record.state == "done", record.error
    path = jobs.job_files().open_path(record.file)
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(path.read_bytes())).pages)
    assert f"BÁO CÁO TỔNG KẾT NĂM {world.year.year}" in " ".join(text.split())


@pytest.mark.parametrize("who", ["owner", "monitor"])
def test_only_report_readers_queue_a_report(jobs_on, world, login_as, who, caplog):
    client = login_as(getattr(world, who))
    response = client.post(f"/reports/so_ket.xlsx/job?year={world.year.year}")
    assert response.status_code == 403
    assert any("denied:" in r.getMessage() and "view_reports" in r.getMessage() for r in caplog.records)


def test_a_unit_outside_ones_scope_is_not_found(jobs_on, world, make_unit, make_person, login_as, db):
    a, b = make_unit("Xã An Phú"), make_unit("Xã Bình Minh")
    standing_a = make_person(Role.STANDING, committee=a)
    client = login_as(standing_a)
    assert client.post(f"/reports/so_ket.xlsx/job?year={world.year.year}&unit={b.id}").status_code == 404
    assert client.post(f"/reports/so_ket.xlsx/job?year={world.year.year}&unit={a.id}").status_code == 302


def test_the_permission_is_checked_again_when_the_job_runs(jobs_on, world, db):
    """A job queued for someone who does not (or no longer) read reports fails, saying why, with no file."""
    db.session.commit()
    record = jobs.enqueue(world.owner, "report.summary", report="so_ket", fmt="xlsx", year=world.year.year)
    record = jobs.get_job(record.id)
    assert record.state == "failed" and record.file is None
    assert record.error == "Chỉ Ban Thường vụ, Văn phòng cấp ủy và Ủy ban Kiểm tra mới xem báo cáo."
    gone = jobs.enqueue(world.standing, "report.summary", report="so_ket", fmt="xlsx", year=world.year.year,
                        unit_id=999_999)
    assert jobs.get_job(gone.id).error == "Không có trang hoặc dữ liệu này."


@pytest.mark.parametrize("who", ["secretariat", "inspector"])
def test_another_reader_cannot_see_the_report_job(jobs_on, world, login_as, who):
    asker = login_as(world.standing)
    job_id = _job_id(asker.post(f"/reports/tong_ket.xlsx/job?year={world.year.year}"))
    other = login_as(getattr(world, who))  # who may read the same report themself
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/status", f"/jobs/{job_id}/download"):
        assert other.get(path).status_code == 403, path


def test_with_jobs_off_the_report_is_made_in_the_request(app, world, login_as):
    client = login_as(world.standing)
    year = world.year.year
    page = client.get(f"/reports?year={year}").get_data(as_text=True)
    assert f'href="/reports/so_ket.docx?year={year}"' in page and "/job?" not in page
    response = client.post(f"/reports/so_ket.docx/job?year={year}&unit={world.unit.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/reports/so_ket.docx?year={year}&unit={world.unit.id}"
    assert client.get(response.headers["Location"]).mimetype == DOCX


# -- the bulk registration -------------------------------------------------------------------------------------

def _rows(world, n: int, **over) -> list[dict]:
    return [row(world, title=f"Giải phóng mặt bằng đoạn {i}", **over) for i in range(1, n + 1)]


def _confirm(client, data: bytes):
    return client.post("/imports/registrations/confirm", data={"content": base64.b64encode(data).decode(),
                                                               "filename": "dang-ky.xlsx"})


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_large_sheet_is_imported_by_a_job_in_one_transaction(jobs_on, world, login_as, db, app, monkeypatch,
                                                             tmp_path):
    monkeypatch.setattr(import_views, "JOB_ROWS", 3)
    client = login_as(world.secretariat)
    data = sheet([*_rows(world, 4), row(world, owner="OTHER", committee="", title="Nạo vét kênh Thụy Khuê")])
    saved = []
    keep = jobs.JobFiles.save
    monkeypatch.setattr(jobs.JobFiles, "save", lambda self, job_id, content: saved.append(content) or keep(
        self, job_id, content))
    job_id = _job_id(_confirm(client, data))
    assert saved == [data]  # the sheet went to the jobs' file store, not into the job's record
    record = jobs.get_job(job_id)
    assert (record.state, record.progress, record.kind) == ("done", 100, "import.registrations"), record.error
    assert "content" not in record.params and set(record.params) == {"upload", "filename"}
    assert record.summary == ("Đã nhập: 5 bản đăng ký được tạo thành bản nháp cho người đăng ký, "
                              "0 bản đã có từ trước.")
    db.session.expire_all()
    assert _count(db, Task, Task.state == TaskState.DRAFT) == 5
    assert _count(db, AuditEvent, AuditEvent.action == "task.create") == 5
    assert verify_all(app.config["AUDIT_KEY"], tmp_path).ok
    assert _stored_files(app) == []  # the uploaded sheet is removed once imported
    shown = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Đã nhập: 5 bản đăng ký" in shown and 'value="100"' in shown

    again = jobs.get_job(_job_id(_confirm(client, data)))  # the same file again: every row already registered
    assert again.summary.endswith("0 bản đăng ký được tạo thành bản nháp cho người đăng ký, 5 bản đã có từ trước.")
    assert _count(db, Task) == 5


def test_a_large_sheet_with_bad_rows_writes_nothing_and_shows_them(jobs_on, world, login_as, db, app, monkeypatch):
    monkeypatch.setattr(import_views, "JOB_ROWS", 3)
    client = login_as(world.secretariat)
    data = sheet([*_rows(world, 4), row(world, owner="khong-co", title="Việc của người không có")])
    before = (_count(db, Task), _count(db, AuditEvent))
    job_id = _job_id(_confirm(client, data))
    record = jobs.get_job(job_id)
    assert record.state == "failed"
    assert record.error == "Chưa nhập gì: tệp có 1 lỗi. Hãy sửa trong bảng tính rồi tải lên lại."
    assert record.issues == [[6, "Người đăng ký (tên đăng nhập)", "Không có tài khoản nào có tên đăng nhập khong-co."]]
    db.session.expire_all()
    assert (_count(db, Task), _count(db, AuditEvent)) == before
    assert _stored_files(app) == []
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    issues = re.search(r'<table[^>]*id="job-issues".*?</table>', page, re.DOTALL).group(0)
    assert "<td data-label=\"Dòng\">6</td>" in issues and "khong-co" in issues


def test_an_import_job_is_for_the_asker_alone(jobs_on, world, login_as, db, monkeypatch, make_person):
    monkeypatch.setattr(import_views, "JOB_ROWS", 1)
    job_id = _job_id(_confirm(login_as(world.secretariat), sheet(_rows(world, 2))))
    other = login_as(make_person(Role.SECRETARIAT, unit=world.unit))
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/status"):
        assert other.get(path).status_code == 403, path


def test_an_import_job_whose_file_is_gone_says_so(jobs_on, world, db):
    db.session.commit()
    record = jobs.enqueue(world.secretariat, "import.registrations", upload=f"{'0' * 32}/{'1' * 16}")
    record = jobs.get_job(record.id)
    assert record.state == "failed" and record.error == "Tệp đã tải lên không còn được lưu: hãy tải tệp lên lại."


def test_small_sheets_and_jobs_off_import_in_the_request(app, world, login_as, db, monkeypatch):
    client = login_as(world.secretariat)
    monkeypatch.setattr(import_views, "JOB_ROWS", 1)
    done = _confirm(client, sheet(_rows(world, 2)))  # the jobs are off: large or not, in the request
    assert done.status_code == 302 and done.headers["Location"] == "/imports/registrations"
    assert _count(db, Task) == 2
    monkeypatch.setitem(app.config, "JOBS_ENABLED", True)
    monkeypatch.setattr(import_views, "JOB_ROWS", 500)
    done = _confirm(client, sheet([row(world, title="Một dòng thôi")]))  # on, but small: in the request
    assert done.status_code == 302 and done.headers["Location"] == "/imports/registrations"
    assert _count(db, Task) == 3
    refused = _confirm(client, sheet([row(world, owner="khong-co")]))
    assert refused.status_code == 422 and 'id="import-issues"' in refused.get_data(as_text=True)
