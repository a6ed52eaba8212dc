"""The API's progress notes (Form B) and evidence files: statuses, shapes, the editing window, ETags on notes,
uploads and downloads. The clock is frozen on 01/05/2026: the Q1 note's editing window (deadline 05/04 plus 7
days) has closed, Q2's is open, Q3 has not begun.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timezone
from urllib.parse import quote

import pytest
from pypdf import PdfWriter
from sqlalchemy import func, select

from registry.models import AuditEvent, EvidenceFile, ProgressNote, TaskState
from registry.services import progress
from tests import test_api_contract
from tests.test_api_contract import API, assert_problem

S = TaskState
#: the contract tests' fixtures: a person's token, and a client sending it
token_for, api_as = test_api_contract.token_for, test_api_contract.api_as
PDF_NAME = "Biên bản đối thoại – hộ dân Thụy Khuê.pdf"


@pytest.fixture(autouse=True)
def may_2026(frozen_now):
    """01/05/2026, 10:00 in Hà Nội (autouse: before the world and its open year are made)."""
    frozen_now(datetime(2026, 5, 1, 3, tzinfo=timezone.utc))


@pytest.fixture(autouse=True)
def evidence_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(folder))
    return folder


def real_pdf() -> bytes:
    """A genuine one-page PDF."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Biên bản"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def note_body(task, quarter=None, value=20, **overrides) -> dict:
    data = {"work_done": "Đối thoại với 24 hộ; còn 20 hộ chưa đồng thuận.", "status": "on_track",
            "values": {str(task.indicators[0].id): value}, "difficulties": "Thiếu quỹ nhà tái định cư"}
    if quarter is not None:
        data["quarter"] = quarter
    data.update(overrides)
    return data


def service_note(task, world, quarter: int, db, **overrides):
    data = note_body(task, **overrides)
    data["values"] = {int(k): v for k, v in data["values"].items()}
    note = progress.add_progress_note(world.owner, task, quarter, data)
    db.session.commit()
    return note


def upload(api, note_id: int, content: bytes, name: str):
    return api.post(f"notes/{note_id}/files", data={"file": (io.BytesIO(content), name)},
                    content_type="multipart/form-data")


def stored(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# -- authentication -------------------------------------------------------------------------------------------

NEW_ENDPOINTS = [
    ("GET", "tasks/1/notes"), ("POST", "tasks/1/notes"), ("GET", "notes/1"), ("PATCH", "notes/1"),
    ("POST", "notes/1/amendments"), ("POST", "notes/1/files"), ("GET", "files/1"), ("GET", "files/1/content"),
    ("GET", "tasks/1/assessments"), ("POST", "tasks/1/assessments"), ("POST", "assessments/1/acknowledge"),
    ("POST", "recommendations/1/reply"), ("POST", "tasks/1/self-assessment"), ("POST", "tasks/1/verdict"),
    ("POST", "tasks/1/reopen"), ("POST", "tasks/1/carry-over"), ("GET", "tasks/1/lineage"),
    ("GET", "verdict-levels"), ("GET", "people/1/dossier"), ("GET", "org-units/1/dossier"),
    ("GET", "audit-events"), ("GET", "tasks/1/audit-events"), ("GET", "audit/verification"),
    ("GET", "reports/figures?year=2026"),
]


@pytest.mark.parametrize("method,path", NEW_ENDPOINTS)
def test_every_new_endpoint_needs_a_token(method, path, client, world, db):
    db.session.commit()
    response = client.open(f"{API}/{path}", method=method, json={})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# -- writing and reading notes ----------------------------------------------------------------------------------

def test_write_a_note_and_read_it_back(api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    indicator = task.indicators[0].id
    owner = api_as(world.owner)
    text = "Đối thoại với 24 hộ — “đồng thuận” đạt 55%; ký tự: ắ ẵ ỹ đ Đ ơ ư ₫ 😀"
    response = owner.post(f"tasks/{task.id}/notes", json=note_body(task, quarter=1, work_done=text))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/notes/{body['id']}")
    assert response.headers["ETag"].startswith(f'"{body["version"]}-')
    assert body["work_done"] == text and body["difficulties"] == "Thiếu quỹ nhà tái định cư"
    assert body["quarter"] == 1 and body["task_id"] == task.id and body["author_id"] == world.owner.id
    assert body["values"] == {str(indicator): 20.0}
    assert body["percent_complete"] == 54.5 and body["is_percent_derived"] is True  # (44 - 20) / 44
    assert body["is_late"] is True  # Q1 was due on 05/04
    assert body["status"] == "on_track" and body["files"] == [] and body["amendments"] == []
    assert body["submitted_at"].endswith("+00:00")

    fetched = api_as(world.monitor).get(f"notes/{body['id']}")
    assert fetched.status_code == 200 and fetched.get_json() == body
    assert fetched.headers["ETag"] == response.headers["ETag"]
    listed = api_as(world.inspector).get(f"tasks/{task.id}/notes").get_json()["items"]
    assert listed == [body]
    assert api_as(world.standing).get(f"tasks/{task.id}").get_json()["state"] == "in_progress"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.task_id == task.id)).all()
    assert actions[-1] == "note.create"


def test_second_quarter_is_on_time(api_as, world, make_task):
    task = make_task(S.APPROVED)
    body = api_as(world.owner).post(f"tasks/{task.id}/notes", json=note_body(task, quarter=2)).get_json()
    assert body["is_late"] is False


@pytest.mark.parametrize("who,status", [("owner", 201), ("other_owner", 403), ("monitor", 403),
                                        ("standing", 403), ("secretariat", 403), ("inspector", 403)])
def test_only_the_owner_writes_notes(who, status, api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    response = api_as(getattr(world, who)).post(f"tasks/{task.id}/notes", json=note_body(task, quarter=1))
    assert response.status_code == status
    if status == 403:
        assert_problem(response, 403)
        assert db.session.scalar(select(func.count()).select_from(ProgressNote)) == 0


@pytest.mark.parametrize("who,status", [("owner", 200), ("other_owner", 403), ("monitor", 200),
                                        ("other_monitor", 403), ("standing", 200), ("inspector", 200)])
def test_who_reads_notes(who, status, api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    note = service_note(task, world, 1, db)
    api = api_as(getattr(world, who))
    for path in (f"notes/{note.id}", f"tasks/{task.id}/notes"):
        response = api.get(path)
        assert response.status_code == status
        if status == 403:
            assert "24 hộ" not in response.get_data(as_text=True)


def test_note_refusals(api_as, world, make_task, db):
    task, submitted = make_task(S.APPROVED), make_task(S.SUBMITTED)
    service_note(task, world, 1, db)
    owner = api_as(world.owner)
    indicator = task.indicators[0].id
    path = f"tasks/{task.id}/notes"
    assert "already has a note" in assert_problem(
        owner.post(path, json=note_body(task, quarter=1), headers={"Accept-Language": "en"}), 409)["detail"]
    assert "can be written from 01/07/2026" in assert_problem(
        owner.post(path, json=note_body(task, quarter=3), headers={"Accept-Language": "en"}), 409)["detail"]
    assert_problem(owner.post(f"tasks/{submitted.id}/notes", json=note_body(submitted, quarter=1)), 409)
    assert_problem(owner.post("tasks/999999/notes", json=note_body(task, quarter=2)), 404)
    assert_problem(owner.get("notes/999999"), 404)
    body = assert_problem(owner.post(path, json=note_body(task, quarter=2, work_done=" ", nonsense=1)), 422,
                          "nonsense")
    assert body["errors"]["nonsense"] == ["Unknown field."]
    body = assert_problem(owner.post(path, json=note_body(task, quarter=2, work_done=" ")), 422, "work_done")
    assert_problem(owner.post(path, json=note_body(task, quarter=2, values={"999999": 3})), 422,
                   "values.999999", f"values.{indicator}")
    assert_problem(owner.post(path, json=note_body(task, quarter=2, values={str(indicator): "nhiều"})), 422,
                   f"values.{indicator}")
    assert_problem(owner.post(path, json=note_body(task, quarter=5)), 422, "quarter")
    assert_problem(owner.post(path, json=note_body(task, status="great")), 422, "status", "quarter")
    assert db.session.scalar(select(func.count()).select_from(ProgressNote)) == 1


def test_entered_percent_when_indicators_do_not_give_it(api_as, world, make_task):
    task = make_task(S.APPROVED, indicators=[{"name": "Mô hình", "unit": "mô hình", "baseline": None,
                                              "target": 3}])
    owner = api_as(world.owner)
    path = f"tasks/{task.id}/notes"
    values = {str(task.indicators[0].id): 1}
    assert_problem(owner.post(path, json=note_body(task, quarter=2, values=values)), 422, "percent_complete")
    assert_problem(owner.post(path, json=note_body(task, quarter=2, values=values, percent_complete=140)), 422,
                   "percent_complete")
    body = owner.post(path, json=note_body(task, quarter=2, values=values, percent_complete=35)).get_json()
    assert body["percent_complete"] == 35 and body["is_percent_derived"] is False


# -- editing: ETag and the window -----------------------------------------------------------------------------------

def test_patch_needs_the_notes_etag(api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    note = service_note(task, world, 2, db)
    owner = api_as(world.owner)
    etag = owner.get(f"notes/{note.id}").headers["ETag"]
    assert_problem(owner.patch(f"notes/{note.id}", json={"work_done": "Mới"}), 428)
    assert_problem(owner.patch(f"notes/{note.id}", json={"work_done": "Mới"}, headers={"If-Match": '"1-x"'}), 412)
    response = owner.patch(f"notes/{note.id}", json={"work_done": "Đã đối thoại thêm 5 hộ"},
                           headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["work_done"] == "Đã đối thoại thêm 5 hộ"
    assert body["difficulties"] == "Thiếu quỹ nhà tái định cư" and body["values"] == {
        str(task.indicators[0].id): 20.0}  # untouched fields keep their values
    assert response.headers["ETag"] != etag
    assert_problem(owner.patch(f"notes/{note.id}", json={"work_done": "Lại"}, headers={"If-Match": etag}), 412)
    db.session.expire_all()
    assert db.session.get(ProgressNote, note.id).work_done == "Đã đối thoại thêm 5 hộ"
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.task_id == task.id)).all()
    assert events.count("note.update") == 1


def test_etag_changes_when_only_values_change(api_as, world, make_task, db):
    task = make_task(S.APPROVED, indicators=[{"name": "Mô hình", "unit": "mô hình", "baseline": None,
                                              "target": 3}])
    indicator = task.indicators[0].id
    note = service_note(task, world, 2, db, values={str(indicator): 1}, percent_complete=30)
    owner = api_as(world.owner)
    etag = owner.get(f"notes/{note.id}").headers["ETag"]
    changed = owner.patch(f"notes/{note.id}", json={"values": {str(indicator): 2}}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["values"] == {str(indicator): 2.0}
    assert changed.get_json()["percent_complete"] == 30  # kept
    assert changed.headers["ETag"] != etag
    assert_problem(owner.patch(f"notes/{note.id}", json={"values": {str(indicator): 3}},
                               headers={"If-Match": etag}), 412)


def test_patch_refusals(api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    closed, open_ = service_note(task, world, 1, db), service_note(task, world, 2, db)
    owner = api_as(world.owner)
    star = {"If-Match": "*"}
    body = assert_problem(owner.patch(f"notes/{closed.id}", json={"work_done": "X"}, headers={
        **star, "Accept-Language": "en"}), 409)
    assert "record an amendment" in body["detail"]
    assert_problem(api_as(world.other_owner).patch(f"notes/{open_.id}", json={"work_done": "X"}, headers=star), 403)
    assert_problem(api_as(world.monitor).patch(f"notes/{open_.id}", json={"work_done": "X"}, headers=star), 403)
    assert_problem(owner.patch(f"notes/{open_.id}", json={"work_done": ""}, headers=star), 422, "work_done")
    assert_problem(owner.patch(f"notes/{open_.id}", json={"quarter": 3}, headers=star), 422, "quarter")
    assert_problem(owner.patch("notes/999999", json={"work_done": "X"}, headers=star), 404)


# -- amendments -----------------------------------------------------------------------------------------------

def test_amend_a_closed_note(api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    note = service_note(task, world, 1, db)
    indicator = str(task.indicators[0].id)
    owner = api_as(world.owner)
    etag = owner.get(f"notes/{note.id}").headers["ETag"]
    assert_problem(owner.post(f"notes/{note.id}/amendments", json={"reason": "Sai số", "values": {indicator: 18}},
                              headers={"If-Match": '"0-stale"'}), 412)
    response = owner.post(f"notes/{note.id}/amendments", headers={"If-Match": etag},
                          json={"reason": "Số liệu phường gửi lại", "values": {indicator: 18}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["values"] == {indicator: 18.0} and body["work_done"].startswith("Đối thoại với 24 hộ")
    [amendment] = body["amendments"]
    assert amendment["reason"] == "Số liệu phường gửi lại" and amendment["amended_by_id"] == world.owner.id
    assert amendment["changes"]["values"] == {"before": {indicator: 20.0}, "after": {indicator: 18.0}}
    assert response.headers["ETag"] != etag
    assert response.headers["Location"].endswith(f"/notes/{note.id}")


def test_amendment_refusals(api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    closed, open_ = service_note(task, world, 1, db), service_note(task, world, 2, db)
    owner = api_as(world.owner)
    assert_problem(owner.post(f"notes/{open_.id}/amendments", json={"reason": "X", "work_done": "Y"}), 409)
    assert_problem(owner.post(f"notes/{closed.id}/amendments", json={"work_done": "Y"}), 422, "reason")
    assert_problem(owner.post(f"notes/{closed.id}/amendments", json={"reason": "Không đổi gì"}), 422, "reason")
    assert_problem(owner.post(f"notes/{closed.id}/amendments", json={"reason": "X", "extra": 1}), 422, "extra")
    for who in ("other_owner", "monitor", "standing"):
        assert_problem(api_as(getattr(world, who)).post(f"notes/{closed.id}/amendments",
                                                         json={"reason": "X", "work_done": "Y"}), 403)
    assert_problem(owner.post("notes/999999/amendments", json={"reason": "X"}), 404)
    db.session.expire_all()
    assert db.session.get(ProgressNote, closed.id).amendments == []


def test_a_locked_task_refuses_every_note_change(api_as, world, make_reviewed_task, db):
    task = make_reviewed_task()
    db.session.commit()
    note = task.notes[0]
    owner = api_as(world.owner)
    assert_problem(owner.post(f"tasks/{task.id}/notes", json=note_body(task, quarter=2)), 409)
    assert_problem(owner.patch(f"notes/{note.id}", json={"work_done": "X"}, headers={"If-Match": "*"}), 409)
    assert_problem(owner.post(f"notes/{note.id}/amendments", json={"reason": "X", "work_done": "Y"}), 409)
    assert_problem(upload(owner, note.id, real_pdf(), "x.pdf"), 409)


# -- evidence files -------------------------------------------------------------------------------------------

def test_upload_and_download_a_pdf_with_a_vietnamese_name(api_as, world, make_task, db, evidence_dir):
    task = make_task(S.APPROVED)
    note = service_note(task, world, 1, db)
    content = real_pdf()
    response = upload(api_as(world.owner), note.id, content, PDF_NAME)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == PDF_NAME and body["content_type"] == "application/pdf"
    assert body["size_bytes"] == len(content) and body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["note_id"] == note.id and body["task_id"] == task.id and body["uploaded_by_id"] == world.owner.id
    assert response.headers["Location"].endswith(f"/api/v1/files/{body['id']}")
    assert len(stored(evidence_dir)) == 1

    monitor = api_as(world.monitor)
    assert monitor.get(f"files/{body['id']}").get_json() == body
    assert monitor.get(f"notes/{note.id}").get_json()["files"] == [body]
    with monitor.get(f"files/{body['id']}/content") as download:
        assert download.status_code == 200
        assert download.get_data() == content
        assert download.mimetype == "application/pdf"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{quote(PDF_NAME)}" in disposition
        assert "private" in download.headers["Cache-Control"]


@pytest.mark.parametrize("who,status", [("owner", 200), ("monitor", 200), ("inspector", 200),
                                        ("other_owner", 403), ("other_monitor", 403)])
def test_file_access_follows_the_task(who, status, api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    note = service_note(task, world, 1, db)
    file_id = upload(api_as(world.owner), note.id, real_pdf(), PDF_NAME).get_json()["id"]
    api = api_as(getattr(world, who))
    for path in (f"files/{file_id}", f"files/{file_id}/content"):
        with api.get(path) as response:
            assert response.status_code == status
            if status == 403:
                assert_problem(response, 403)


def test_upload_refusals(api_as, world, make_task, db, app, monkeypatch, evidence_dir):
    task = make_task(S.APPROVED)
    note = service_note(task, world, 1, db)
    owner = api_as(world.owner)
    body = assert_problem(upload(owner, note.id, b"<html><script>alert(1)</script></html>", "evil.pdf"), 422,
                          "file")
    assert body["errors"]["file"]
    assert_problem(upload(owner, note.id, b"", "empty.pdf"), 422, "file")
    assert_problem(owner.post(f"notes/{note.id}/files", data={}, content_type="multipart/form-data"), 422, "file")
    assert_problem(owner.post(f"notes/{note.id}/files", json={"file": "JVBERi0="}), 422, "file")
    assert_problem(upload(api_as(world.other_owner), note.id, real_pdf(), "x.pdf"), 403)
    assert_problem(upload(api_as(world.monitor), note.id, real_pdf(), "x.pdf"), 403)
    assert_problem(upload(owner, 999999, real_pdf(), "x.pdf"), 404)
    monkeypatch.setitem(app.config, "MAX_EVIDENCE_BYTES", 1024)
    body = assert_problem(upload(owner, note.id, real_pdf() + bytes(4096), "lớn.pdf"), 413)
    assert body["detail"]
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    assert_problem(upload(owner, note.id, real_pdf() + bytes(8192), "lớn.pdf"), 413)
    assert stored(evidence_dir) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(EvidenceFile)) == 0


def test_missing_files_are_404(api_as, world, make_task, db, evidence_dir):
    task = make_task(S.APPROVED)
    note = service_note(task, world, 1, db)
    file_id = upload(api_as(world.owner), note.id, real_pdf(), PDF_NAME).get_json()["id"]
    for path in stored(evidence_dir):
        path.unlink()
    inspector = api_as(world.inspector)
    assert inspector.get(f"files/{file_id}").status_code == 200
    assert_problem(inspector.get(f"files/{file_id}/content"), 404)
    assert_problem(inspector.get("files/999999"), 404)
    assert_problem(inspector.get("files/999999/content"), 404)
