"""Evidence files through the pages, with real bytes: the content decides the type, sizes are capped, names
cannot reach outside the evidence folder, downloads are attachments with the name as uploaded."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime, timezone
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from registry.models import AuditEvent, EvidenceFile, ProgressNote, TaskState
from registry.services import progress
from registry.services.evidence import DOCX, JPEG, ODT, PDF, PNG, XLSX

S = TaskState
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"


def office_file(kind: str) -> bytes:
    """A minimal but real DOCX, XLSX or ODT package."""
    if kind == "odt":
        parts = {"mimetype": ODT, "content.xml": "<office:document-content/>"}
    elif kind == "docx":
        parts = {"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>",
                 "word/document.xml": "<w:document><w:body><w:p>Biên bản</w:p></w:body></w:document>"}
    else:
        parts = {"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>",
                 "xl/workbook.xml": "<workbook><sheets/></workbook>",
                 "xl/worksheets/sheet1.xml": "<worksheet><sheetData/></worksheet>"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():  # an ODT's "mimetype" comes first, uncompressed
            archive.writestr(name, text, compress_type=zipfile.ZIP_STORED if name == "mimetype" else None)
    return buffer.getvalue()


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    """The evidence folder, inside a temporary tree so that nothing may appear beside it."""
    evidence = tmp_path / "root" / "instance" / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(evidence))
    return evidence


@pytest.fixture
def note(frozen_now, make_task, world, db, folder):
    frozen_now(datetime(2026, 3, 15, 3, tzinfo=timezone.utc))
    task = make_task(S.APPROVED)
    note = progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Đối thoại với 22 hộ.", "values": {task.indicators[0].id: 22}, "status": "on_track"})
    db.session.commit()
    return note


def upload(client, note, content: bytes, name: str):
    return client.post(f"/notes/{note.id}/files", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def evidence_rows(db) -> list[EvidenceFile]:
    db.session.expire_all()
    return db.session.scalars(select(EvidenceFile)).all()


# -- refused files --------------------------------------------------------------------------------------------

def test_a_renamed_html_file_is_refused(note, world, login_as, db, folder, tmp_path):
    response = upload(login_as(world.owner), note, b"<html><script>alert(document.cookie)</script></html>",
                      "evil.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="file-error"' in page and "PDF, JPEG, PNG, DOCX, XLSX" in page
    assert stored_files(tmp_path) == [] and evidence_rows(db) == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "evidence.attach")) == 0


@pytest.mark.parametrize("content,name", [
    (b"", "empty.pdf"),
    (b"MZ\x90\x00" + bytes(60), "setup.pdf"),
    (b"PK\x03\x04not really a zip", "broken.docx"),
    (b"GIF89a" + bytes(10), "picture.png"),
    (b"<?xml version='1.0'?><svg onload='alert(1)'/>", "chart.png"),
])
def test_other_content_is_refused(content, name, note, world, login_as, db, tmp_path):
    response = upload(login_as(world.owner), note, content, name)
    assert response.status_code == 422 and 'id="file-error"' in response.get_data(as_text=True)
    assert stored_files(tmp_path) == [] and evidence_rows(db) == []


def test_no_file_chosen_is_422(note, world, login_as):
    response = login_as(world.owner).post(f"/notes/{note.id}/files", data={})
    assert response.status_code == 422 and 'id="file-error"' in response.get_data(as_text=True)


def test_a_file_over_the_evidence_limit_is_413(note, world, login_as, db, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAX_EVIDENCE_BYTES", 1024)
    response = upload(login_as(world.owner), note, PDF_BYTES + bytes(4096), "lon.pdf")
    assert response.status_code == 413 and "error-page" in response.get_data(as_text=True)
    assert stored_files(tmp_path) == [] and evidence_rows(db) == []


def test_a_request_over_the_content_limit_is_413(note, world, login_as, db, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = upload(login_as(world.owner), note, PDF_BYTES + bytes(8192), "lon.pdf")
    assert response.status_code == 413 and "error-page" in response.get_data(as_text=True)
    assert stored_files(tmp_path) == [] and evidence_rows(db) == []


def test_an_oversized_file_with_a_new_note_keeps_nothing(frozen_now, make_task, world, login_as, db, app,
                                                        monkeypatch, tmp_path, folder):
    frozen_now(datetime(2026, 3, 15, 3, tzinfo=timezone.utc))
    task = make_task(S.APPROVED)
    monkeypatch.setitem(app.config, "MAX_EVIDENCE_BYTES", 1024)
    response = login_as(world.owner).post(f"/tasks/{task.id}/notes/new", content_type="multipart/form-data", data={
        "quarter": "1", "work_done": "Đối thoại", f"values-{task.indicators[0].id}": "22", "status": "on_track",
        "file": (io.BytesIO(PDF_BYTES + bytes(4096)), "lon.pdf")})
    assert response.status_code == 413
    db.session.expire_all()
    assert db.session.scalars(select(ProgressNote)).all() == [] and evidence_rows(db) == []
    assert stored_files(tmp_path) == []


# -- names --------------------------------------------------------------------------------------------------------

def test_a_path_in_the_name_cannot_leave_the_folder(note, world, login_as, db, folder, tmp_path):
    client = login_as(world.owner)
    response = upload(client, note, PDF_BYTES, "../../etc/passwd.pdf")
    assert response.status_code == 302
    [row] = evidence_rows(db)
    [path] = stored_files(tmp_path)
    assert path.parent == folder and path.name == row.stored_name
    assert re.fullmatch(r"[0-9a-f]{32}", row.stored_name)
    assert row.original_name == "passwd.pdf" and path.read_bytes() == PDF_BYTES
    page = client.get(f"/tasks/{note.task_id}").get_data(as_text=True)
    assert ">passwd.pdf</a>" in page and "../" not in page
    download = client.get(f"/files/{row.id}")
    assert download.headers["Content-Disposition"] == "attachment; filename=passwd.pdf"
    download.close()


def test_backslashes_and_a_leading_dot_do_not_survive(note, world, login_as, db, tmp_path, folder):
    assert upload(login_as(world.owner), note, PDF_BYTES, "..\\..\\.bao-cao.pdf").status_code == 302
    [row] = evidence_rows(db)
    assert row.original_name.endswith("bao-cao.pdf") and not row.original_name.startswith(".")
    assert "\\" not in row.original_name and "/" not in row.original_name
    assert [p.parent for p in stored_files(tmp_path)] == [folder]


def test_a_vietnamese_name_is_shown_and_downloaded_as_uploaded(note, world, login_as, db):
    name = "Biên bản bàn giao mặt bằng.pdf"
    client = login_as(world.owner)
    assert upload(client, note, PDF_BYTES, name).status_code == 302
    [row] = evidence_rows(db)
    assert row.original_name == name and row.content_type == PDF and row.size_bytes == len(PDF_BYTES)
    assert row.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    page = client.get(f"/tasks/{note.task_id}").get_data(as_text=True)
    assert f'<a href="/files/{row.id}">{name}</a>' in page
    response = client.get(f"/files/{row.id}")
    disposition = response.headers["Content-Disposition"]
    assert response.status_code == 200 and response.get_data() == PDF_BYTES
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(name)}" in disposition
    assert response.headers["Content-Type"] == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]
    response.close()


def test_the_attachment_is_in_the_audit_trail(note, world, login_as, db):
    assert upload(login_as(world.owner), note, PDF_BYTES, "bien-ban.pdf").status_code == 302
    db.session.expire_all()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.attach"))
    assert event.task_id == note.task_id and event.actor_id == world.owner.id
    assert hashlib.sha256(PDF_BYTES).hexdigest() in event.payload


# -- accepted types -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content,name,content_type", [
    (PDF_BYTES, "bien-ban.pdf", PDF),
    (PNG_BYTES, "anh-hien-truong.png", PNG),
    (JPEG_BYTES, "anh.jpg", JPEG),
    (JPEG_BYTES, "anh-khong-duoi", JPEG),  # the content decides, not the name
    (office_file("docx"), "Báo cáo.docx", DOCX),
    (office_file("xlsx"), "Danh sách hộ.xlsx", XLSX),
    (office_file("odt"), "Tờ trình.odt", ODT),
])
def test_accepted_types_are_judged_by_content(content, name, content_type, note, world, login_as, db, folder):
    client = login_as(world.owner)
    assert upload(client, note, content, name).status_code == 302
    [row] = evidence_rows(db)
    assert row.content_type == content_type and row.original_name == name
    assert row.sha256 == hashlib.sha256(content).hexdigest() and row.size_bytes == len(content)
    assert (folder / row.stored_name).read_bytes() == content
    response = client.get(f"/files/{row.id}")
    assert response.get_data() == content and response.headers["Content-Type"].startswith(content_type)
    response.close()


def test_a_file_can_come_with_the_new_note(frozen_now, make_task, world, login_as, db, folder):
    frozen_now(datetime(2026, 3, 15, 3, tzinfo=timezone.utc))
    task = make_task(S.APPROVED)
    data = {"quarter": "1", "work_done": "Đối thoại", f"values-{task.indicators[0].id}": "22",
            "status": "on_track", "file": (io.BytesIO(PDF_BYTES), "bien-ban.pdf")}
    client = login_as(world.owner)
    assert client.post(f"/tasks/{task.id}/notes/new", data=data, content_type="multipart/form-data").status_code == 302
    [row] = evidence_rows(db)
    assert row.note.quarter == 1 and row.original_name == "bien-ban.pdf"


def test_a_refused_file_with_a_new_note_keeps_nothing(frozen_now, make_task, world, login_as, db, tmp_path,
                                                      folder):
    frozen_now(datetime(2026, 3, 15, 3, tzinfo=timezone.utc))
    task = make_task(S.APPROVED)
    data = {"quarter": "1", "work_done": "Đối thoại", f"values-{task.indicators[0].id}": "22",
            "status": "on_track", "file": (io.BytesIO(b"<html><script>x</script>"), "evil.pdf")}
    response = login_as(world.owner).post(f"/tasks/{task.id}/notes/new", data=data,
                                          content_type="multipart/form-data")
    assert response.status_code == 422 and 'id="file-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(ProgressNote)).all() == [] and stored_files(tmp_path) == []
    assert db.session.get(type(task), task.id).state == S.APPROVED


def test_a_file_missing_from_the_disk_is_404(note, world, login_as, db, folder):
    client = login_as(world.owner)
    assert upload(client, note, PDF_BYTES, "a.pdf").status_code == 302
    [row] = evidence_rows(db)
    (folder / row.stored_name).unlink()
    assert client.get(f"/files/{row.id}").status_code == 404
