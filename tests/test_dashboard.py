"""The dashboard (``dashboard_figures``, the page ``/reports``) and the sơ kết / tổng kết reports
(``summary_report`` and its DOCX, PDF and XLSX files) against one hand-computed history; who sees what.

The history is written on 01/05/2026 and 10/07/2026 and read on 01/08/2026; the sơ kết counts it as of 30/06.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone
from io import BytesIO

import docx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from registry.exports import report_template
from registry.exports.reports import export_report, report_docx, report_pdf, report_xlsx
from registry.models import Period, Role, TaskState
from registry.services import monitoring, progress, review
from registry.services import tasks as task_service
from registry.services.reports import MIDYEAR, YEAR_END, dashboard_figures
from registry.services.summary_report import summary_report
from tests.conftest import task_input
from tests.test_reports import count_statements

S = TaskState
READERS = {"standing", "secretariat", "inspector"}
ROLES = ["owner", "other_owner", "monitor", "standing", "secretariat", "inspector"]


def at(day: int, month: int) -> datetime:
    return datetime(2026, month, day, 3, tzinfo=timezone.utc)  # 10:00 in Hà Nội


def plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def note(world, task, quarter: int, value: float, status: str = "on_track") -> None:
    progress.add_progress_note(world.owner, task, quarter, {
        "work_done": "Đối thoại với các hộ", "status": status, "values": {task.indicators[0].id: value}})


def place(task, unit) -> None:
    task.org_unit_id = unit.id


@pytest.fixture
def history(world, make_task, make_reviewed_task, make_unit, make_field, levels, frozen_now, db):
    """Communes A (headed by the owner) and B under the world's committee; written on 01/05 unless said:

    ====  ====  =====================================  ============  =====  ======================================
    task  unit  state                                  kind          field  notes (% complete, status)
    ====  ====  =====================================  ============  =====  ======================================
    t1    A     in progress                            hard          GPMB   Q1 31.8 on track; Q2 77.3 (10/07)
    t2    A     reviewed, exceeded (reward)            hard          GPMB   Q1 54.5 on track
    t3    B     in progress                            breakthrough  CĐS    Q1 9.1 at risk
    t4    A     submitted, collective of A             hard          GPMB
    t5    A     draft                                  hard          GPMB
    t6    B     withdrawn                              hard          GPMB
    t7    A     approved, deadline 15/06               hard          GPMB   (none)
    t8    B     in progress                            hard          CĐS    Q1 0 behind schedule
    t9    A     submitted on 10/07                     hard          GPMB
    t10   B     reviewed: verdict not done on 10/07    hard          GPMB   Q1 54.5 on track
    ====  ====  =====================================  ============  =====  ======================================

    Every Q1 note is late (after 05/04), t1's Q2 note too (after 05/07). Assessments: t1 Q1 with two
    recommendations (due 10/05, replied on 10/07; due 20/07, open), t3 Q2 (10/07), t2 and t10 final.
    """
    frozen_now(at(1, 5))
    a = make_unit("Xã An Phú", head=world.owner)
    b = make_unit("Xã Bình Minh")
    digital = make_field("Chuyển đổi số")
    digital.sort_order = 5
    t = {}
    t["t1"] = make_task(S.APPROVED, title="Giải phóng mặt bằng mương An Phú")
    place(t["t1"], a)
    note(world, t["t1"], 1, 30)
    assessment = monitoring.add_assessment(world.monitor, t["t1"], Period.Q1, {
        "supervision_form": "field_survey", "judgement": "late", "strengths": "Kiên trì"}, [
        {"content": "Kiến nghị sớm", "addressee": "UBND xã", "reply_deadline": date(2026, 5, 10)},
        {"content": "Kiến nghị muộn", "addressee": "UBND xã", "reply_deadline": date(2026, 7, 20)}])
    t["t2"] = make_reviewed_task("exceeded", title="Thu hồi 120 m² đất công")
    place(t["t2"], a)
    t["t3"] = make_task(S.APPROVED, kind="breakthrough", field_id=digital.id, title="Chuyển đổi số xã Bình Minh")
    place(t["t3"], b)
    note(world, t["t3"], 1, 40, "at_risk")
    collective = task_service.create_task(world.owner, world.year, task_input(
        world.field, world.year, title="Tập thể xã An Phú dọn kênh"), owner_unit_id=a.id)
    t["t4"] = task_service.submit_task(world.owner, collective)
    t["t5"] = make_task(title="Bản nháp")
    place(t["t5"], a)
    t["t6"] = make_task(S.WITHDRAWN)
    place(t["t6"], b)
    t["t7"] = make_task(S.APPROVED, title="Nạo vét hồ trước mùa mưa", deadline=date(2026, 6, 15),
                        milestones=[{"description": "Khảo sát", "due_on": date(2026, 6, 1)}])
    place(t["t7"], a)
    t["t8"] = make_task(S.APPROVED, field_id=digital.id, title="Số hóa hồ sơ đất đai")
    place(t["t8"], b)
    note(world, t["t8"], 1, 44, "late")
    t["t10"] = make_reviewed_task("exceeded", stop_at="final_assessed", title="Rà soát quỹ đất công ích")
    place(t["t10"], b)
    db.session.commit()

    frozen_now(at(10, 7))
    monitoring.reply_to_recommendation(world.owner, assessment.recommendations[0], "Đã thực hiện")
    note(world, t["t1"], 2, 10)
    monitoring.add_assessment(world.monitor, t["t3"], Period.Q2, {
        "supervision_form": "document_review", "judgement": "late", "strengths": "Có kế hoạch"})
    t["t9"] = make_task(S.SUBMITTED, title="Đăng ký sau ngày 30/06")
    place(t["t9"], a)
    review.record_verdict(world.standing, t["t10"], {
        "level_id": levels["not_done"].id, "reasons": "Chưa đạt", "commendation": "none",
        "commendation_form": "", "measures": "Chuyển sang năm sau"})
    db.session.commit()
    frozen_now(at(1, 8))
    return {"a": a, "b": b, "digital": digital, "tasks": t}


STATES = {s.value: 0 for s in TaskState}
ZERO_STATUS = {"on_track": 0, "at_risk": 0, "late": 0, "done": 0}
OUTCOMES = {"exceeded": 0, "on_time": 0, "late": 0, "partial": 0, "not_done": 0, "stopped": 0}


def expected_year(world, history) -> dict:
    """Every unit, the year so far (read on 01/08/2026), computed by hand from the table above."""
    a, b = history["a"], history["b"]
    return {
        "year": 2026, "unit_id": None, "as_of": None, "reference_day": date(2026, 8, 1),
        "tasks": {"total": 10, "registered": 8},
        "by_state": {**STATES, "draft": 1, "submitted": 2, "approved": 1, "in_progress": 3, "reviewed": 2,
                     "withdrawn": 1},
        "by_kind": {"hard": 7, "breakthrough": 1, "mass_mobilisation": 0},
        "by_ownership": {"individual": 7, "collective": 1},
        "by_field": [{"field_id": world.field.id, "name": "GPMB – tái định cư", "name_en": None, "count": 6},
                     {"field_id": history["digital"].id, "name": "Chuyển đổi số", "name_en": None, "count": 2}],
        "by_unit": [{"unit_id": a.id, "name": "Xã An Phú", "own": False, "registered": 5, "decided": 3,
                     "reviewed": 1},
                    {"unit_id": b.id, "name": "Xã Bình Minh", "own": False, "registered": 3, "decided": 3,
                     "reviewed": 1}],
        "by_outcome": {**OUTCOMES, "exceeded": 1, "not_done": 1},
        "notes": {"total": 6, "late": 6},
        "recommendations": {"open": 1, "overdue": 1},
        "progress": {"decided": 6, "completion": {"none": 1, "0": 2, "25": 0, "50": 2, "75": 1, "100": 0},
                     "status": {"none": 1, "on_track": 3, "at_risk": 1, "late": 1, "done": 0},
                     "late": 2, "at_risk": 1},
        "coverage": [{"period": "q1", "assessed": 1, "share": 16.7}, {"period": "q2", "assessed": 1, "share": 16.7},
                     {"period": "q3", "assessed": 0, "share": 0.0}, {"period": "q4", "assessed": 0, "share": 0.0},
                     {"period": "mid_year", "assessed": 0, "share": 0.0},
                     {"period": "final", "assessed": 2, "share": 33.3}],
        "trend": [{"quarter": 1, "notes": 5, "late": 5, "status": {**ZERO_STATUS, "on_track": 3, "at_risk": 1,
                                                                   "late": 1}, "average": 30.0},
                  {"quarter": 2, "notes": 1, "late": 1, "status": {**ZERO_STATUS, "on_track": 1}, "average": 77.3},
                  {"quarter": 3, "notes": 0, "late": 0, "status": ZERO_STATUS, "average": None},
                  {"quarter": 4, "notes": 0, "late": 0, "status": ZERO_STATUS, "average": None}],
    }


def expected_midyear(world, history) -> dict:
    """The same as of 30/06: t9 (registered on 10/07) left out, t10's verdict (10/07) not yet given, t1's first
    recommendation (replied on 10/07) still open and past its deadline, no year-end assessments."""
    expected = expected_year(world, history)
    expected.update(
        as_of=date(2026, 6, 30), reference_day=date(2026, 6, 30), tasks={"total": 9, "registered": 7},
        by_state={**expected["by_state"], "submitted": 1}, by_kind={**expected["by_kind"], "hard": 6},
        by_ownership={"individual": 6, "collective": 1}, by_outcome={**OUTCOMES, "exceeded": 1},
        recommendations={"open": 2, "overdue": 1})
    expected["by_field"][0]["count"] = 5
    expected["by_unit"][0]["registered"] = 4
    expected["coverage"][5] = {"period": "final", "assessed": 0, "share": 0.0}
    return expected


# -- the figures ---------------------------------------------------------------------------------------------------

def test_dashboard_figures_of_the_year(world, history):
    assert dashboard_figures(None, None, 2026) == expected_year(world, history)
    # the secretariat and the Standing Committee of the top committee read every task: the same numbers
    assert dashboard_figures(world.secretariat, None, 2026) == expected_year(world, history)
    assert dashboard_figures(world.standing, None, 2026) == expected_year(world, history)


def test_dashboard_figures_as_of_30_june(world, history):
    assert dashboard_figures(world.inspector, None, 2026, date(2026, 6, 30)) == expected_midyear(world, history)


def test_dashboard_of_one_commune(world, history):
    a = history["a"]
    figures = dashboard_figures(world.secretariat, a.id, 2026)
    assert figures["tasks"] == {"total": 6, "registered": 5}
    assert figures["by_unit"] == [{"unit_id": a.id, "name": "Xã An Phú", "own": True, "registered": 5,
                                   "decided": 3, "reviewed": 1}]
    assert figures["by_ownership"] == {"individual": 4, "collective": 1}
    assert figures["progress"]["late"] == 1 and figures["progress"]["at_risk"] == 0  # t7 past its deadline
    assert figures["recommendations"] == {"open": 1, "overdue": 1}
    assert dashboard_figures(world.secretariat, history["b"].id, 2026)["progress"]["decided"] == 3


def test_report_lists(world, history):
    t = history["tasks"]
    year_end = summary_report(world.secretariat, None, 2026, YEAR_END)
    assert year_end.figures == expected_year(world, history)
    assert [line.task_id for line in year_end.exemplary] == [t["t2"].id]
    assert year_end.exemplary[0].commendation == "Giấy khen của Ban Thường vụ"
    assert {line.task_id for line in year_end.unfinished} == {t[k].id for k in ("t1", "t3", "t7", "t8", "t10")}
    assert [r.content for r in year_end.recommendations] == ["Kiến nghị muộn"]
    assert year_end.recommendations[0].is_overdue

    midyear = summary_report(world.secretariat, None, 2026, MIDYEAR)
    assert midyear.figures == expected_midyear(world, history)
    assert [line.task_id for line in midyear.exemplary] == [t["t2"].id]
    t10 = next(line for line in midyear.unfinished if line.task_id == t["t10"].id)
    assert t10.verdict == ""  # decided on 10/07, after the sơ kết's day
    assert [(r.content, r.is_overdue) for r in midyear.recommendations] == [("Kiến nghị sớm", True),
                                                                            ("Kiến nghị muộn", False)]


def test_a_fixed_number_of_queries(world, history, make_task, db):
    small = count_statements(db, lambda: dashboard_figures(world.secretariat, None, 2026))
    for n in range(5):  # more tasks, notes and statuses in both communes
        extra = make_task(S.APPROVED)
        place(extra, (history["a"], history["b"])[n % 2])
        note(world, extra, 1, 10 * n, ("on_track", "at_risk", "late")[n % 3])
    db.session.commit()
    assert count_statements(db, lambda: dashboard_figures(world.secretariat, None, 2026)) == small
    assert small <= 14, small


# -- who sees what ----------------------------------------------------------------------------------------------

def test_a_commune_standing_committee_sees_its_own_committee_only(world, history, make_person, login_as, db):
    """The tasks are registered with the top committee: a Standing Committee member of commune A reads none of
    them (authority by committee), only what is registered with A, and no other commune."""
    a, b = history["a"], history["b"]
    owner_a = make_person(Role.OWNER, committee=a, unit=a)
    standing_a = make_person(Role.STANDING, committee=a)
    own = task_service.create_task(owner_a, world.year, task_input(world.field, world.year, title="Việc của xã A"))
    task_service.submit_task(owner_a, own)
    db.session.commit()
    figures = dashboard_figures(standing_a, None, 2026)
    assert figures["tasks"] == {"total": 1, "registered": 1} and figures["by_state"]["submitted"] == 1
    assert dashboard_figures(world.secretariat, None, 2026)["tasks"]["total"] == 11
    client = login_as(standing_a)
    assert client.get(f"/reports?unit={b.id}").status_code == 404
    assert client.get(f"/reports/so_ket.xlsx?year=2026&unit={b.id}").status_code == 404
    book = load_workbook(BytesIO(client.get("/reports/tong_ket.xlsx?year=2026").data))
    summary = book.worksheets[1]
    assert [c.value for c in summary[2]] == ["Số việc đăng ký (kể cả bản nháp)", 1]


@pytest.mark.parametrize("who", ROLES)
def test_pages_and_exports_are_for_readers(who, world, history, login_as):
    client = login_as(getattr(world, who))
    expected = 200 if who in READERS else 403
    assert client.get("/reports?year=2026&period=midyear").status_code == expected
    assert client.get("/reports/so_ket.xlsx?year=2026").status_code == expected


def test_anonymous_is_sent_to_sign_in(client, history):
    response = client.get("/reports/tong_ket.docx?year=2026")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- the page --------------------------------------------------------------------------------------------------

def row_cells(html: str, attribute: str, value: str) -> list[str]:
    row = re.search(rf'<tr data-{attribute}="{re.escape(value)}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_the_page_shows_the_dashboard(world, history, login_as):
    client = login_as(world.secretariat)
    html = client.get("/reports?year=2026").get_data(as_text=True)
    assert html.count("<svg") >= 9 and html.count('<details class="chart-numbers">') >= 9
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]  # charts drawn by the server
    assert row_cells(html, "figure", "progress.late") == ["2"]
    assert row_cells(html, "figure", "progress.at_risk") == ["1"]
    assert row_cells(html, "ownership", "collective")[-1] == "1"
    assert row_cells(html, "unit", str(history["a"].id)) == ["Xã An Phú", "5", "3", "1"]
    assert row_cells(html, "completion", "50")[-1] == "2"
    assert row_cells(html, "status", "none")[-1] == "1"
    assert row_cells(html, "coverage", "final")[-1] == "2/6 (33,3%)"
    assert row_cells(html, "quarter", "1")[1:3] == ["5", "5"]
    assert row_cells(html, "outcome", "not_done")[-1] == "1"
    assert 'href="/reports/so_ket.docx?year=2026"' in html and 'href="/reports/tong_ket.pdf?year=2026"' in html

    midyear = client.get(f"/reports?year=2026&period=midyear&unit={history['a'].id}").get_data(as_text=True)
    assert "Số liệu tính đến ngày 30/06/2026" in midyear
    assert row_cells(midyear, "figure", "tasks.total") == ["5"]  # t9 came after 30/06
    assert f'href="/reports/so_ket.xlsx?year=2026&amp;unit={history["a"].id}"' in midyear


# -- the files ---------------------------------------------------------------------------------------------------

def test_xlsx_has_one_sheet_per_table_with_the_dashboards_numbers(world, history):
    report = summary_report(world.secretariat, None, 2026, MIDYEAR)
    book = load_workbook(BytesIO(report_xlsx(report, world.secretariat)))
    names = book.sheetnames
    assert len(names) == 1 + 14 and names[0] == "0. Báo cáo"
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
    info = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows(min_row=2)}
    assert info["Phạm vi"] == "Tất cả đơn vị" and info["Số liệu tính đến ngày"].date() == date(2026, 6, 30)
    summary = [[c.value for c in row] for row in book.worksheets[1].iter_rows()]
    assert summary[0] == ["Chỉ tiêu", "Số lượng"]
    assert dict(summary[1:]) == {
        "Số việc đăng ký (kể cả bản nháp)": 9, "Số việc đã đăng ký (không kể bản nháp và việc đã rút)": 7,
        "Số việc đã được phê duyệt": 6, "Số việc chậm tiến độ": 2, "Số việc có nguy cơ chậm tiến độ": 1,
        "Báo cáo tiến độ": 6, "Báo cáo tiến độ nộp muộn": 6, "Kiến nghị chờ trả lời": 2,
        "trong đó đã quá hạn trả lời": 1}
    units = [[c.value for c in row] for row in book[names[6]].iter_rows()]
    assert units == [["Đơn vị", "Số việc đăng ký", "Đã phê duyệt", "Đã đánh giá, kết luận"],
                     ["Xã An Phú", 4, 3, 1], ["Xã Bình Minh", 3, 3, 1]]
    recommendations = [[c.value for c in row] for row in book[names[14]].iter_rows()]
    assert recommendations[1][4] == "Kiến nghị sớm" and recommendations[1][6].date() == date(2026, 5, 10)
    assert recommendations[1][7] == "Có"


def test_xlsx_neutralises_formulas(world, history, db):
    history["tasks"]["t7"].title = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    report = summary_report(world.secretariat, None, 2026, YEAR_END)
    book = load_workbook(BytesIO(report_xlsx(report)))
    unfinished = book[book.sheetnames[13]]
    titles = [row[2].value for row in unfinished.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x\")" in titles


def test_docx_is_a_party_document_with_the_numbers(world, history):
    report = summary_report(world.secretariat, history["a"], 2026, MIDYEAR)
    document = docx.Document(BytesIO(report_docx(report, world.secretariat, date(2026, 7, 5))))
    head = document.tables[0]
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in head.cell(0, 1).text
    assert "ĐẢNG ỦY XÃ AN PHÚ" in head.cell(0, 0).text
    assert head.cell(1, 0).text.startswith("Số") and head.cell(1, 0).text.endswith("-BC/ĐU")
    assert head.cell(1, 1).text == "An Phú, ngày 05 tháng 07 năm 2026"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2026" in text and "Số liệu tính đến ngày 30/06/2026" in text
    assert "Đơn vị: Xã An Phú và các đơn vị trực thuộc" in text and "{{" not in text and "{%" not in text
    summary = [[cell.text for cell in row.cells] for row in document.tables[1].rows]
    assert summary[0] == ["Chỉ tiêu", "Số lượng"]
    assert summary[1] == ["Số việc đăng ký (kể cả bản nháp)", "5"]
    assert summary[3] == ["Số việc đã được phê duyệt", "3"]
    closing = document.tables[-1]
    assert "Nơi nhận:" in closing.cell(0, 0).text and "T/M BAN THƯỜNG VỤ" in closing.cell(0, 1).text
    # empty lists say so; exemplary: t2
    exemplary = next(t for t in document.tables if t.rows[0].cells[0].text == "STT" and len(t.rows[0].cells) == 8
                     and t.rows[0].cells[7].text == "Biểu dương, khen thưởng")
    assert [row.cells[2].text for row in exemplary.rows[1:]] == ["Thu hồi 120 m² đất công"]


def test_pdf_has_the_vietnamese_header_and_numbers(world, history):
    report = summary_report(world.secretariat, None, 2026, YEAR_END)
    reader = PdfReader(BytesIO(report_pdf(report, world.secretariat, date(2026, 8, 1))))
    text = plain("\n".join(page.extract_text() for page in reader.pages))
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "BÁO CÁO TỔNG KẾT NĂM 2026" in text
    assert "Tây Hồ" not in text and "ngày 01 tháng 08 năm 2026" in text
    assert "Số việc đăng ký (kể cả bản nháp) 10" in text
    assert "Nơi nhận:" in text and "T/M BAN THƯỜNG VỤ" in text


def test_the_downloads(world, history, login_as):
    client = login_as(world.standing)
    for report, fmt, mimetype in [("so_ket", "docx", "application/vnd.openxmlformats-officedocument."
                                   "wordprocessingml.document"),
                                  ("tong_ket", "xlsx", "application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet")]:
        response = client.get(f"/reports/{report}.{fmt}?year=2026&unit={history['b'].id}")
        assert response.status_code == 200 and response.mimetype == mimetype
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "Xã%20Bình%20Minh" in response.headers["Content-Disposition"].replace("X%C3%A3", "Xã").replace(
            "B%C3%ACnh", "Bình")
    exported = export_report(world.standing, history["b"], 2026, "so_ket", "xlsx")
    assert exported.filename == "Báo cáo sơ kết 2026 - Xã Bình Minh.xlsx"
    with pytest.raises(ValueError):
        export_report(world.standing, None, 2026, "so_ket", "odt")


def test_the_word_template_is_rebuilt_by_its_script(tmp_path):
    built = docx.Document(report_template.build(tmp_path / "so_ket.docx"))
    shipped = docx.Document(str(report_template.DEFAULT_PATH))
    texts = [[p.text for p in d.paragraphs] for d in (built, shipped)]
    assert texts[0] == texts[1] and "{%p for section in sections %}" in texts[0]
    assert "{{ party_name }}" in built.tables[0].cell(0, 1).text


def test_a_printed_table_stops_at_its_limit_and_says_how_many_more_the_spreadsheet_holds(app):
    from registry.exports.reports import PRINTED_ROWS, ReportTable, _printed_rows

    table = ReportTable(title="t", columns=["a", "b"], rows=[[n, "x"] for n in range(PRINTED_ROWS + 1234)],
                        widths=[1, 1])
    with app.test_request_context("/?lang=vi"):
        printed = _printed_rows(table)
    assert len(printed) == PRINTED_ROWS + 1
    assert printed[PRINTED_ROWS - 1][0] == str(PRINTED_ROWS - 1)
    assert "1.234" in printed[-1][0] and "XLSX" in printed[-1][0] and printed[-1][1] == ""
    short = ReportTable(title="t", columns=["a"], rows=[[1], [2]], widths=[1])
    with app.test_request_context("/"):
        assert _printed_rows(short) == [["1"], ["2"]]


def test_the_figures_are_kept_until_the_trail_moves(app, world, history, make_task, db):
    from registry.services.audit import record_event
    from registry.services.reports import clear_figures_cache

    app.config["REPORT_CACHE_SIZE"] = 8
    clear_figures_cache()
    try:
        first = dashboard_figures(world.secretariat, None, 2026)
        assert first == expected_year(world, history)
        assert count_statements(db, lambda: dashboard_figures(world.secretariat, None, 2026)) == 1  # the trail
        kept = dashboard_figures(world.secretariat, None, 2026)
        assert kept == first
        kept["tasks"]["total"] = -1  # a caller changing its copy changes nobody else's
        assert dashboard_figures(world.secretariat, None, 2026)["tasks"] == first["tasks"]
        # another reader, another scope or another day is another entry
        assert dashboard_figures(world.inspector, None, 2026, date(2026, 6, 30)) == expected_midyear(world, history)

        extra = make_task(S.APPROVED)
        place(extra, history["a"])
        record_event(world.standing, "task.approve", object_type="task", object_id=extra.id, task=extra)
        db.session.commit()
        moved = dashboard_figures(world.secretariat, None, 2026)
        assert moved["tasks"]["total"] == first["tasks"]["total"] + 1
    finally:
        app.config["REPORT_CACHE_SIZE"] = 0
        clear_figures_cache()


def test_the_page_keeps_its_figures_rendered_until_the_trail_moves(app, world, history, make_task, login_as, laid_out,
                                                                   db):
    from registry.services.audit import record_event

    client = login_as(world.secretariat)
    first = client.get("/reports?year=2026").get_data(as_text=True)
    cold = count_statements(db, lambda: client.get("/reports?year=2026&period=midyear"))
    warm = count_statements(db, lambda: client.get("/reports?year=2026"))
    again = client.get("/reports?year=2026").get_data(as_text=True)
    assert warm < cold  # neither the figures read nor laid out again
    assert laid_out.count("main/_figures.html") == 2 and laid_out.count("main/report.html") == 4
    assert row_cells(again, "figure", "tasks.total") == row_cells(first, "figure", "tasks.total")
    assert again.count("<svg") == first.count("<svg") >= 9
    client.post("/language/en", data={"next": "/"})  # another language: laid out in it
    english = client.get("/reports?year=2026").get_data(as_text=True)
    assert "Registrations by unit" in english and "Registrations by unit" not in again

    extra = make_task(S.APPROVED)
    place(extra, history["a"])
    record_event(world.standing, "task.approve", object_type="task", object_id=extra.id, task=extra)
    db.session.commit()
    moved = client.get("/reports?year=2026").get_data(as_text=True)
    assert int(row_cells(moved, "figure", "tasks.total")[0]) == int(row_cells(first, "figure", "tasks.total")[0]) + 1
