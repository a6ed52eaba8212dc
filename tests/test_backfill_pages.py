"""Entering a past year afterwards, through the pages: the registration form of a closed year, the action pages
that ask the real date (and who decided) when the secretariat back-fills, field-level Vietnamese messages with
nothing half-written, 403 for anyone else and 409 out of order; the marks on the task page, the trail and the
printed Form D."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from registry.models import AuditEvent, Period, Role, Task, TaskState
from registry.services import monitoring
from registry.services.backfill import Backfill
from tests.test_backfill import NOW, decide, final, note, register, self_assess, verdict

S = TaskState


@pytest.fixture
def past(frozen_now, world, make_year, levels, db):
    frozen_now(NOW)
    year = make_year(2023, is_open=False)
    db.session.commit()
    return year


def registration_form(world, **extra) -> dict:
    return {"year_id": extra.pop("year_id"), "backfill_on": "12/01/2023",
            "registrant": f"{world.owner.id}:{world.unit.id}", "owner_unit_id": "0",
            "kind": "hard", "field_id": world.field.id, "title": "Vận động 44 hộ dân mương Thụy Khuê",
            "goal": "100% hộ bàn giao mặt bằng", "deliverable": "Mặt bằng sạch", "deadline": "30/11/2023",
            "authority": "own", "indicators-0-name": "Hộ chưa đồng thuận", "indicators-0-unit": "hộ",
            "indicators-0-baseline": "44", "indicators-0-target": "0", "is_committed": "y", **extra}


def counts(db) -> tuple[int, int]:
    db.session.rollback()
    return (db.session.scalar(select(func.count(Task.id))), db.session.scalar(select(func.count(AuditEvent.seq))))


def text(response) -> str:
    return response.get_data(as_text=True)


# -- the registration form -------------------------------------------------------------------------------------------

def test_the_secretariat_finds_the_past_year_form_and_nobody_else_does(world, past, login_as):
    client = login_as(world.secretariat)
    home = text(client.get("/"))
    assert 'href="/backfill/new"' in home and "Nhập bổ sung năm cũ" in home
    page = client.get("/backfill/new")
    assert page.status_code == 200
    years = re.findall(r'<option[^>]*value="(\d+)"[^>]*>(\d{4})</option>', text(page))
    assert [y for _, y in years] == ["2023"], "only years that are over"
    assert "Ngày đăng ký" in text(page) and world.owner.full_name in text(page)
    for person in (world.owner, world.standing, world.monitor, world.inspector):
        client = login_as(person)
        assert 'href="/backfill/new"' not in text(client.get("/"))
        assert client.get("/backfill/new").status_code == 403


def test_without_a_past_year_the_form_says_what_to_do(world, frozen_now, login_as):
    response = login_as(world.secretariat).get("/backfill/new")
    assert response.status_code == 409
    assert "Chưa có năm đã qua" in text(response)


@pytest.mark.parametrize("changes, field, message", [
    ({"backfill_on": "31/12/2022"}, "backfill_on", "Ngày phải nằm trong khoảng từ 01/01/2023 đến 31/12/2023."),
    ({"backfill_on": "12-01-2023x"}, "backfill_on", "Nhập ngày theo dạng dd/mm/yyyy."),
    ({"backfill_on": ""}, "backfill_on", "Nhập ngày diễn ra, theo dạng dd/mm/yyyy."),
    ({"registrant": ""}, "registrant", "Chọn người đăng ký ghi trong sổ."),
    ({"deadline": "30/11/2024"}, "deadline", "2023"),
    ({"goal": ""}, "goal", None),
])
def test_bad_input_is_refused_field_by_field_and_writes_nothing(world, past, login_as, db, changes, field, message):
    client = login_as(world.secretariat)
    before = counts(db)
    response = client.post("/backfill/new", data=registration_form(world, year_id=past.id, **changes))
    html = text(response)
    assert response.status_code == 422, html[:1000]
    block = re.search(rf'<div class="field[^"]*has-error">\s*(?:<label[^>]*for="{field}"|<fieldset)(.*?)</div>',
                      html, re.S)
    assert block is not None, f"no error on {field}"
    if message:
        assert message in block.group(1), block.group(1)
    assert counts(db) == before


def test_a_registrant_from_another_committee_is_neither_offered_nor_accepted(world, past, make_unit, make_person,
                                                                             login_as, db):
    sibling = make_unit("Phường Bưởi", parent=None)
    stranger = make_person(committee=sibling, unit=sibling, full_name="Đinh Văn Lạ")
    db.session.commit()
    client = login_as(world.secretariat)
    assert "Đinh Văn Lạ" not in text(client.get("/backfill/new"))
    before = counts(db)
    response = client.post("/backfill/new", data=registration_form(
        world, year_id=past.id, registrant=f"{stranger.id}:{sibling.id}"))
    assert response.status_code == 422 and "Lựa chọn không hợp lệ." in text(response)
    assert counts(db) == before


def test_registration_and_decision_through_the_pages(world, past, login_as, db):
    client = login_as(world.secretariat)
    response = client.post("/backfill/new", data=registration_form(world, year_id=past.id))
    assert response.status_code == 302, text(response)[:2000]
    task = db.session.scalars(select(Task)).one()
    assert (task.state, task.owner_id, task.year_id) == (S.SUBMITTED, world.owner.id, past.id)
    page = text(client.get(f"/tasks/{task.id}"))
    assert "12/01/2023" in page and "Nhập bổ sung" in page
    assert f"do {world.secretariat.full_name} nhập lúc 15/03/2026" in page
    assert f'href="/tasks/{task.id}/decide" id="backfill-decide"' in page

    decide_page = text(client.get(f"/tasks/{task.id}/decide"))
    assert "Người quyết định (Ủy viên Ban Thường vụ)" in decide_page
    assert f"/tasks/{task.id}/return" not in decide_page, "the register holds decisions, not returns"
    form = {"decision_ref": "05-QĐ/ĐU", "decision_date": "05/01/2023", "monitor_id": world.monitor.id,
            "backfill_by": world.standing.id}
    response = client.post(f"/tasks/{task.id}/approve", data=form)
    assert response.status_code == 422
    assert "Ngày không được trước 12/01/2023 (ngày đăng ký)." in text(response)
    response = client.post(f"/tasks/{task.id}/approve", data={**form, "decision_date": "10/02/2023",
                                                              "backfill_by": "0"})
    assert response.status_code == 422
    assert "Chọn Ủy viên Ban Thường vụ đã quyết định." in text(response)
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == S.SUBMITTED
    response = client.post(f"/tasks/{task.id}/approve", data={**form, "decision_date": "10/02/2023"})
    assert response.status_code == 302, text(response)[:2000]
    page = text(client.get(f"/tasks/{task.id}"))
    assert "05-QĐ/ĐU" in page and "10/02/2023" in page and world.standing.full_name in page
    assert 'id="backfill-note-1"' in page and 'id="backfill-self-assess"' in page


def test_action_pages_ask_the_date_and_refuse_others(world, past, login_as, db, make_unit, make_person):
    task = register(world, past)
    decide(world, task)
    sibling = make_unit("Phường Nhật Tân", parent=None)
    outsider = make_person(Role.SECRETARIAT, committee=sibling)
    db.session.commit()
    client = login_as(world.secretariat)
    for path, label in ((f"/tasks/{task.id}/notes/new?quarter=1", "Ngày nộp báo cáo"),
                        (f"/tasks/{task.id}/assessments/new", "Ngày giám sát"),
                        (f"/tasks/{task.id}/monitor", "Ngày thay đổi"),
                        (f"/tasks/{task.id}/self-assessment", "Ngày tự đánh giá")):
        page = client.get(path)
        assert page.status_code == 200, (path, text(page)[:1000])
        assert label in text(page) and 'id="backfill-entry"' in text(page)
    assert 'name="file"' not in text(client.get(f"/tasks/{task.id}/notes/new")), "evidence is the owner's"
    # a note entered through the page, dated in its quarter
    indicator = task.indicators[0].id
    form = {"quarter": "1", "work_done": "Đối thoại với 44 hộ", f"values-{indicator}": "30", "status": "on_track",
            "backfill_on": "31/03/2023"}
    response = client.post(f"/tasks/{task.id}/notes/new", data={**form, "quarter": "2"})
    assert response.status_code == 422
    assert "Ngày không được trước 01/04/2023 (ngày bắt đầu quý)." in text(response)
    response = client.post(f"/tasks/{task.id}/notes/new", data={**form, "backfill_on": "03/04/2023"})
    assert response.status_code == 302, text(response)[:2000]
    # another committee's office is refused as before
    other = login_as(outsider)
    assert other.get(f"/tasks/{task.id}/notes/new").status_code == 403
    assert other.get(f"/tasks/{task.id}/self-assessment").status_code == 403


def test_the_secretariat_does_not_enter_a_year_that_is_not_over(world, past, make_task, login_as, db):
    live = make_task(S.SUBMITTED)
    db.session.commit()
    client = login_as(world.secretariat)
    assert client.get(f"/tasks/{live.id}/decide").status_code == 403
    assert 'id="backfill"' not in text(client.get(f"/tasks/{live.id}"))


def test_a_reviewed_past_task_is_locked_for_the_secretariat_too(world, past, levels, login_as, db):
    task = register(world, past)
    decide(world, task)
    assessment = monitoring.add_assessment(
        world.secretariat, task, Period.Q2, {"supervision_form": "field_survey", "judgement": "on_track",
                                             "strengths": "Tốt"},
        [{"content": "Công khai danh sách", "addressee": "UBND phường", "reply_deadline": date(2023, 8, 1)}],
        backfill=Backfill(on=date(2023, 7, 10)))
    self_assess(world, task, levels=levels)
    final(world, task)
    verdict(world, task, levels)
    db.session.commit()
    client = login_as(world.secretariat)
    rec = assessment.recommendations[0].id
    for path in (f"/tasks/{task.id}/notes/new", f"/tasks/{task.id}/assessments/new", f"/tasks/{task.id}/monitor",
                 f"/tasks/{task.id}/self-assessment", f"/tasks/{task.id}/final-assessment",
                 f"/tasks/{task.id}/verdict", f"/tasks/{task.id}/decide", f"/recommendations/{rec}/reply"):
        response = client.get(path)
        assert response.status_code == 409, (path, response.status_code)
    before = counts(db)
    response = client.post(f"/recommendations/{rec}/reply", data={"reply": "Muộn", "backfill_on": "01/09/2023"})
    assert response.status_code == 409 and counts(db) == before
    assert "Việc này không còn bước nào cần nhập bổ sung." in text(client.get(f"/tasks/{task.id}"))


# -- the record: task page, trail, Form D ------------------------------------------------------------------------------

@pytest.fixture
def reviewed_2023(world, past, levels, db):
    task = register(world, past)
    decide(world, task)
    note(world, task, 1, date(2023, 4, 3))
    self_assess(world, task, levels=levels)
    final(world, task)
    verdict(world, task, levels)
    db.session.commit()
    return task


def test_the_task_page_and_the_trail_show_what_was_entered_later(world, reviewed_2023, login_as):
    task = reviewed_2023
    client = login_as(world.inspector)  # any reader sees the marks
    page = text(client.get(f"/tasks/{task.id}"))
    for day in ("12/01/2023", "10/02/2023", "03/04/2023", "05/12/2023", "12/12/2023", "10/01/2024"):
        assert day in page, day
    assert page.count(f"do {world.secretariat.full_name} nhập lúc 15/03/2026") >= 6
    assert "00:00" not in page, "an effective date is a day, not a time"
    # seven events, five to a page in tests, newest first
    trail = text(client.get(f"/tasks/{task.id}/audit")) + text(client.get(f"/tasks/{task.id}/audit?page=2"))
    assert trail.count('<span class="badge backfill">Nhập bổ sung</span>') == 7
    assert "Ngày diễn ra" in trail and "Thay cho" in trail
    for day in ("12/01/2023", "10/02/2023", "03/04/2023", "05/12/2023", "12/12/2023", "10/01/2024"):
        assert day in trail, day
    assert world.standing.full_name in trail and world.monitor.full_name in trail


def test_the_printed_form_d_and_dossier_carry_the_dates_and_the_marks(world, reviewed_2023, login_as):
    client = login_as(world.secretariat)
    response = client.get(f"/tasks/{reviewed_2023.id}/review.pdf")
    assert response.status_code == 200
    printed = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    printed = " ".join(printed.split())
    for day in ("12/01/2023", "10/02/2023", "05/12/2023", "12/12/2023", "10/01/2024"):
        assert day in printed, day
    assert "Nhập bổ sung" in printed and world.secretariat.full_name in printed
    dossier = text(client.get(f"/people/{world.owner.id}/dossier"))
    assert "Nhập bổ sung" in dossier and "10/01/2024" in dossier
