"""Printed documents laid out as Party documents (Hướng dẫn 36-HD/VPTW): the dossier and Form D as PDF (read back
with pypdf) and DOCX (read back with python-docx), their letterhead from the org-unit chain, and the downloads."""

from __future__ import annotations

import unicodedata
from datetime import date
from io import BytesIO
from urllib.parse import quote

import docx
import pytest
from docx.shared import Pt
from pypdf import PdfReader

from registry.exports.document import date_line, letterhead, reference, review_document
from registry.exports.pdf import render_html
from registry.models import OrgLevel, TaskState

A4_POINTS = (595.28, 841.89)
ISSUE_DAY = "Tây Hồ, ngày 15 tháng 03 năm 2026"  # the frozen clock's day: 15/03/2026


def plain(text: str) -> str:
    """NFC and single spaces, so wrapped lines and decomposed accents compare as typed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture
def hanoi(frozen_now, world, make_unit, db):
    """world.unit becomes an office under Quận Tây Hồ, under Thành phố Hà Nội; Tây Hồ's head signs."""
    city = make_unit("Thành phố Hà Nội", level=OrgLevel.PROVINCE)
    district = make_unit("Quận Tây Hồ", level=OrgLevel.DISTRICT, parent=city, head=world.standing)
    world.unit.name, world.unit.level, world.unit.parent = "Văn phòng Quận ủy Tây Hồ", OrgLevel.AGENCY, district
    db.session.flush()
    return district


@pytest.fixture
def reviewed(hanoi, world, make_reviewed_task, make_task, make_year, monkeypatch, db):
    tasks = {
        "exceeded": make_reviewed_task("exceeded", title="Giải phóng mặt bằng khu đô thị Nam Thăng Long"),
        "late": make_reviewed_task("late", title="Vận động 44 hộ dân mương Thụy Khuê"),
        "approved": make_task(TaskState.APPROVED, title="Thu hồi 120 m² tại số 18 Tam Đa"),
    }
    make_task(title="Bản nháp chưa gửi đi")  # a draft is not printed
    this_year = world.year
    monkeypatch.setattr(world, "year", make_year(this_year.year - 1))
    tasks["partial"] = make_reviewed_task("partial", title="Rà soát quỹ đất công ích 5%")
    monkeypatch.setattr(world, "year", this_year)
    db.session.commit()
    return tasks


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(BytesIO(data))
    return reader, plain("\n".join(page.extract_text() for page in reader.pages))


def assert_attachment(response, mimetype: str, name: str) -> None:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == mimetype
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition, disposition


# -- the letterhead -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("chain, superior, issuer, place, abbreviation", [
    ([("Thành phố Hà Nội", "province"), ("Quận Tây Hồ", "district"), ("Văn phòng Quận ủy", "agency")],
     "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "QUẬN ỦY TÂY HỒ", "Tây Hồ", "QU"),
    ([("Quận Tây Hồ", "district"), ("Phường Thụy Khuê", "commune"), ("Chi bộ Tổ dân phố số 9", "party_cell")],
     "ĐẢNG BỘ QUẬN TÂY HỒ", "ĐẢNG ỦY PHƯỜNG THỤY KHUÊ", "Thụy Khuê", "ĐU"),
    ([("Tỉnh Tuyên Quang", "province"), ("Huyện Yên Sơn", "district")],
     "ĐẢNG BỘ TỈNH TUYÊN QUANG", "HUYỆN ỦY YÊN SƠN", "Yên Sơn", "HU"),
    ([("Thành phố Hà Nội", "province"), ("Phường Tây Hồ", "commune")],  # since 1 July 2025: no district
     "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY PHƯỜNG TÂY HỒ", "Tây Hồ", "ĐU"),
    ([("Tỉnh Tuyên Quang", "province")], "", "TỈNH ỦY TUYÊN QUANG", "Tuyên Quang", "TU"),
])
def test_letterhead_from_the_unit_chain(chain, superior, issuer, place, abbreviation, make_unit):
    unit = None
    for name, level in chain:
        unit = make_unit(name, level=OrgLevel(level), parent=unit)
    head = letterhead(unit)
    assert (head.superior, head.issuer, head.place, head.abbreviation) == (superior, issuer, place, abbreviation)
    assert reference(head.abbreviation) == f"Số \u00a0\u00a0\u00a0\u00a0\u00a0\u00a0-BC/{abbreviation}"


def test_date_line_is_written_out():
    assert date_line("Tây Hồ", date(2026, 1, 5)) == "Tây Hồ, ngày 05 tháng 01 năm 2026"
    assert date_line("Yên Sơn", date(2025, 12, 31)) == "Yên Sơn, ngày 31 tháng 12 năm 2025"


# -- PDF ------------------------------------------------------------------------------------------------------

def test_person_dossier_pdf(reviewed, world, login_as):
    response = login_as(world.owner).get(f"/people/{world.owner.id}/dossier.pdf")
    assert_attachment(response, "application/pdf", f"Hồ sơ việc khó - {world.owner.full_name}.pdf")
    reader, text = pdf_text(response.data)
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (round(A4_POINTS[0], 1),
                                                                         round(A4_POINTS[1], 1))
    for expected in ("ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "QUẬN ỦY TÂY HỒ", ISSUE_DAY,
                     "-BC/QU", "T/M BAN THƯỜNG VỤ", "BÍ THƯ", world.standing.full_name, "Nơi nhận:",
                     world.owner.full_name, "366-QĐ/TW",
                     *(task.title for task in reviewed.values()),
                     "Hoàn thành vượt mức", "Hoàn thành nhưng chậm tiến độ", "Hoàn thành một phần (60%)"):
        assert plain(expected) in text, expected
    assert "Bản nháp chưa gửi đi" not in text


def test_review_form_pdf(reviewed, world, login_as):
    task = reviewed["exceeded"]
    response = login_as(world.inspector).get(f"/tasks/{task.id}/review.pdf")
    assert_attachment(response, "application/pdf", f"Phiếu đánh giá cuối năm - {task.code}.pdf")
    reader, text = pdf_text(response.data)
    assert len(reader.pages) >= 1
    for expected in ("ĐẢNG CỘNG SẢN VIỆT NAM", "QUẬN ỦY TÂY HỒ", ISSUE_DAY, task.title, task.code,
                     "Mặt bằng sạch đã bàn giao", "Kiên trì đối thoại",  # self-assessment
                     "Hoàn thành trước thời hạn",  # the monitor's final assessment
                     "Hoàn thành vượt mức", "Hoàn thành sớm, vượt chỉ tiêu",  # the verdict
                     "Giấy khen của Ban Thường vụ", "T/M BAN THƯỜNG VỤ", "Nơi nhận:"):
        assert plain(expected) in text, expected


def test_pdf_print_template_has_the_page_rules(reviewed, world, app):
    with app.test_request_context():
        html = render_html(review_document(reviewed["late"], date(2026, 3, 15)))
    assert "size: A4" in html and "margin: 25mm 15mm 25mm 35mm" in html
    assert '"Times New Roman", "Liberation Serif", serif' in html


# -- DOCX -----------------------------------------------------------------------------------------------------

def open_docx(data: bytes):
    return docx.Document(BytesIO(data))


def all_table_text(document) -> str:
    return plain(" ".join(cell.text for table in document.tables for row in table.rows for cell in row.cells))


def assert_party_layout(document, superior: str, issuer: str) -> None:
    section = document.sections[0]
    # Word stores page sizes in twentieths of a point: compare in millimetres to 0.1 mm
    assert (round(section.page_width.mm, 1), round(section.page_height.mm, 1)) == (210.0, 297.0)
    assert [round(m.mm, 1) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                     section.right_margin)] == [25.0, 25.0, 35.0, 15.0]
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    head = document.tables[0]
    left, right = head.rows[0].cells
    assert [p.text for p in left.paragraphs] == [superior, issuer, "*"]
    issuer_run = left.paragraphs[1].runs[0]
    assert issuer_run.bold and issuer_run.font.size == Pt(14)
    party = right.paragraphs[0].runs[0]
    assert (party.text, party.bold, party.font.size) == ("ĐẢNG CỘNG SẢN VIỆT NAM", True, Pt(15))
    assert right.paragraphs[0]._p.pPr.find(docx.oxml.ns.qn("w:pBdr")) is not None  # the rule below
    reference_cell, date_cell = head.rows[1].cells
    assert reference_cell.text.startswith("Số ") and "-BC/" in reference_cell.text
    assert date_cell.paragraphs[0].runs[0].italic and date_cell.text == ISSUE_DAY
    runs = [run for p in document.paragraphs for run in p.runs] + [
        run for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for run in p.runs]
    assert {run.font.name for run in runs} == {"Times New Roman"}
    closing = document.tables[-1]
    recipients, signature = closing.rows[0].cells
    label = recipients.paragraphs[0].runs[0]
    assert (label.text, label.font.size) == ("Nơi nhận:", Pt(12))
    assert [p.text for p in signature.paragraphs if p.text][:2] == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ"]


def test_person_dossier_docx(reviewed, world, login_as):
    response = login_as(world.secretariat).get(f"/people/{world.owner.id}/dossier.docx")
    assert_attachment(response, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                      f"Hồ sơ việc khó - {world.owner.full_name}.docx")
    document = open_docx(response.data)
    assert_party_layout(document, "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "QUẬN ỦY TÂY HỒ")
    tables = all_table_text(document)
    for task in reviewed.values():
        assert plain(task.title) in tables, task.title
    for level in ("Hoàn thành vượt mức", "Hoàn thành nhưng chậm tiến độ", "Hoàn thành một phần (60%)"):
        assert level in tables
    # one row per task, in the year's table: the title, then the state and verdict cells of the same row
    rows = {plain(row.cells[1].text).split(" " + reviewed["late"].code)[0]: [c.text for c in row.cells]
            for table in document.tables[1:-1] for row in table.rows[1:] if len(row.cells) == 7}
    assert "Hoàn thành nhưng chậm tiến độ" in rows[plain(reviewed["late"].title)][5]
    assert world.standing.full_name in document.tables[-1].rows[0].cells[1].text


def test_review_form_docx(reviewed, world, login_as):
    task = reviewed["partial"]
    response = login_as(world.owner).get(f"/tasks/{task.id}/review.docx")
    assert_attachment(response, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                      f"Phiếu đánh giá cuối năm - {task.code}.docx")
    document = open_docx(response.data)
    assert_party_layout(document, "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "QUẬN ỦY TÂY HỒ")
    body = plain(" ".join(p.text for p in document.paragraphs))
    for expected in (task.title, "Mặt bằng sạch đã bàn giao", "Hoàn thành trước thời hạn",
                     "Hoàn thành một phần (60%)", "Chuyển sang năm sau"):
        assert plain(expected) in body, expected
    indicator_table = next(t for t in document.tables if len(t.columns) == 5)
    assert [c.text for c in indicator_table.rows[1].cells][:2] == ["Hộ chưa đồng thuận", "hộ"]


def test_unit_dossier_exports(hanoi, world, login_as, db):
    hanoi.head = world.owner  # the district's head may see its collective dossier
    db.session.commit()
    client = login_as(world.owner)
    pdf = client.get(f"/units/{hanoi.id}/dossier.pdf")
    assert_attachment(pdf, "application/pdf", "Hồ sơ việc khó - Quận Tây Hồ.pdf")
    _, text = pdf_text(pdf.data)
    assert "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI" in text and "QUẬN ỦY TÂY HỒ" in text
    document = open_docx(client.get(f"/units/{hanoi.id}/dossier.docx").data)
    assert_party_layout(document, "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "QUẬN ỦY TÂY HỒ")


# -- who may download -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("other_owner", 403), ("monitor", 403), ("owner", 200)])
def test_dossier_download_permissions(who, status, hanoi, world, login_as):
    assert login_as(getattr(world, who)).get(f"/people/{world.owner.id}/dossier.docx").status_code == status


@pytest.mark.parametrize("who, status", [("other_owner", 403), ("other_monitor", 403), ("monitor", 200)])
def test_review_form_download_permissions(who, status, hanoi, world, make_reviewed_task, login_as):
    task = make_reviewed_task()
    assert login_as(getattr(world, who)).get(f"/tasks/{task.id}/review.docx").status_code == status


def test_unknown_format_and_task(world, login_as):
    client = login_as(world.secretariat)
    assert client.get(f"/people/{world.owner.id}/dossier.xls").status_code == 404
    assert client.get("/tasks/999999/review.pdf").status_code == 404
