"""Progress pages through the test client: who may open each route, the note forms, the task page's timeline
and charts, and a fixed number of queries however many notes a task has."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from flask import render_template_string
from sqlalchemy import select

from registry.models import EvidenceFile, Indicator, ProgressNote, TaskState
from registry.services import progress
from registry.services.evidence import EvidenceStore, attach_evidence
from tests.helpers import count_queries

S = TaskState
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def at(day: int, month: int, hour: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def note_input(task, value=22, **overrides) -> dict:
    data = {"work_done": "Đối thoại với 22 hộ dân.", "values": {task.indicators[0].id: value},
            "status": "on_track", "difficulties": "", "causes": "", "proposals": "", "next_plan": ""}
    data.update(overrides)
    return data


def form_input(task, quarter=None, value="22", **overrides) -> dict:
    data = {"work_done": "Vận động thêm 11 hộ bàn giao mặt bằng.", f"values-{task.indicators[0].id}": value,
            "status": "on_track", "difficulties": "Chờ quỹ nhà tái định cư", "causes": "", "proposals": "",
            "next_plan": "Đối thoại với 11 hộ còn lại"}
    if quarter is not None:
        data["quarter"] = str(quarter)
    data.update(overrides)
    return data


def in_english(client):
    """Pages in English (Vietnamese is the default), to match the interface's words."""
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    folder = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(folder))
    return EvidenceStore(folder, app.config["MAX_EVIDENCE_BYTES"])


@pytest.fixture
def reported(frozen_now, make_task, world, store, db):
    """An approved task with a Q1 note (written 15/03) and one evidence file; the clock then at 02/04,
    when Q2 is open and the Q1 note still editable."""
    frozen_now(at(15, 3))
    task = make_task(S.APPROVED)
    note = progress.add_progress_note(world.owner, task, 1, note_input(task))
    evidence = attach_evidence(world.owner, note, io.BytesIO(PDF_BYTES), "bien-ban.pdf", store)
    db.session.commit()
    frozen_now(at(2, 4))
    return task, note, evidence


# -- the permission matrix -------------------------------------------------------------------------------------

ROLES = ["owner", "other_owner", "monitor", "other_monitor", "standing", "secretariat", "inspector"]
WRITE = {"owner": None, "other_owner": 403, "monitor": 403, "other_monitor": 403, "standing": 403,
         "secretariat": 403, "inspector": 403}
READ = {"owner": 200, "other_owner": 403, "monitor": 200, "other_monitor": 403, "standing": 200,
        "secretariat": 200, "inspector": 200}
ROUTES = {
    "get new note": {**WRITE, "owner": 200},
    "post new note": {**WRITE, "owner": 302},
    "get edit": {**WRITE, "owner": 200},
    "post edit": {**WRITE, "owner": 302},
    "get amend": {**WRITE, "owner": 409},  # the Q1 note is still editable on 02/04
    "post upload": {**WRITE, "owner": 302},
    "get download": READ,
}
MATRIX = [(route, who, expected[who]) for route, expected in ROUTES.items() for who in ROLES]


def _request(client, route, task, note, evidence):
    if route == "get new note":
        return client.get(f"/tasks/{task.id}/notes/new?quarter=2")
    if route == "post new note":
        return client.post(f"/tasks/{task.id}/notes/new", data=form_input(task, quarter=2))
    if route == "get edit":
        return client.get(f"/notes/{note.id}/edit")
    if route == "post edit":
        return client.post(f"/notes/{note.id}/edit", data=form_input(task, value="20"))
    if route == "get amend":
        return client.get(f"/notes/{note.id}/amend")
    if route == "post upload":
        return client.post(f"/notes/{note.id}/files", data={"file": (io.BytesIO(PDF_BYTES), "anh.pdf")})
    assert route == "get download"
    return client.get(f"/files/{evidence.id}")


@pytest.mark.parametrize("route,who,status", MATRIX)
def test_route_access(route, who, status, reported, world, login_as, db):
    task, note, evidence = reported
    client = login_as(getattr(world, who))
    response = _request(client, route, task, note, evidence)
    response.close()  # a download holds its file open until then
    assert response.status_code == status
    db.session.expire_all()
    if status == 403 and route.startswith("post"):  # a refused request changes nothing
        assert db.session.scalar(select(ProgressNote).where(ProgressNote.quarter == 2)) is None
        assert len(db.session.scalars(select(EvidenceFile)).all()) == 1
        assert db.session.get(ProgressNote, note.id).value_of(task.indicators[0].id) == 22


@pytest.mark.parametrize("url", ["/tasks/{task}/notes/new", "/notes/{note}/edit", "/notes/{note}/amend",
                                 "/files/{file}"])
def test_anonymous_is_sent_to_login(url, reported, client):
    task, note, evidence = reported
    response = client.get(url.format(task=task.id, note=note.id, file=evidence.id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_rows_are_404(reported, world, login_as):
    client = login_as(world.owner)
    for url in ("/tasks/999999/notes/new", "/notes/999999/edit", "/notes/999999/amend", "/files/999999"):
        assert client.get(url).status_code == 404
    assert client.post("/notes/999999/files").status_code == 404


# -- writing a note ------------------------------------------------------------------------------------------------

def test_the_new_note_offers_open_quarters_without_a_note(reported, world, login_as):
    task, _, _ = reported
    page = login_as(world.owner).get(f"/tasks/{task.id}/notes/new").get_data(as_text=True)
    assert 'name="quarter"' in page and '<option selected value="2">' in page
    assert 'value="1"' not in page and 'value="3"' not in page  # Q1 has its note; Q3 not begun
    assert f'name="values-{task.indicators[0].id}"' in page
    assert 'name="percent_complete"' not in page  # derived from 44 → 0 households
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page


def test_writing_a_note_shows_the_derived_percent(reported, world, login_as, db):
    task, _, _ = reported
    client = login_as(world.owner)
    response = client.post(f"/tasks/{task.id}/notes/new", data=form_input(task, quarter=2, value="11",
                                                                          lang="ignored"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{task.id}#quarter-2")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "75" in page and "Vận động thêm 11 hộ" in page
    note = db.session.scalar(select(ProgressNote).where(ProgressNote.quarter == 2))
    assert note.percent_complete == 75.0 and note.is_percent_derived and not note.is_late


def test_entered_percent_when_the_indicators_cannot_give_it(frozen_now, make_task, world, login_as, db):
    frozen_now(at(15, 3))
    task = make_task(S.APPROVED, indicators=[{"name": "Quy hoạch được duyệt", "unit": "văn bản",
                                              "baseline": None, "target": 1}])
    client = login_as(world.owner)
    page = client.get(f"/tasks/{task.id}/notes/new").get_data(as_text=True)
    assert 'name="percent_complete"' in page
    missing = client.post(f"/tasks/{task.id}/notes/new", data=form_input(task, quarter=1, value="0"))
    assert missing.status_code == 422 and 'id="percent_complete-error"' in missing.get_data(as_text=True)
    saved = client.post(f"/tasks/{task.id}/notes/new",
                        data=form_input(task, quarter=1, value="0", percent_complete="35,5"))
    assert saved.status_code == 302
    note = db.session.scalar(select(ProgressNote).where(ProgressNote.task_id == task.id))
    assert note.percent_complete == 35.5 and not note.is_percent_derived


def test_invalid_values_come_back_on_their_fields(reported, world, login_as, db):
    task, _, _ = reported
    indicator_id = task.indicators[0].id
    response = login_as(world.owner).post(f"/tasks/{task.id}/notes/new",
                                          data=form_input(task, quarter=2, value="hai mươi", work_done=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="values-{indicator_id}-error"' in page and 'id="work_done-error"' in page
    assert 'id="percent_complete-error"' not in page and "hai mươi" in page
    assert db.session.scalar(select(ProgressNote).where(ProgressNote.quarter == 2)) is None


def test_a_quarter_not_yet_begun_is_refused(reported, world, login_as):
    task, _, _ = reported
    response = login_as(world.owner).post(f"/tasks/{task.id}/notes/new", data=form_input(task, quarter=3))
    assert response.status_code == 409 and "01/07/2026" in response.get_data(as_text=True)


def test_no_open_quarter_left_is_409(frozen_now, make_task, world, login_as, db):
    frozen_now(at(15, 3))
    task = make_task(S.APPROVED)
    progress.add_progress_note(world.owner, task, 1, note_input(task))
    client = login_as(world.owner)
    assert client.get(f"/tasks/{task.id}/notes/new").status_code == 409
    assert client.post(f"/tasks/{task.id}/notes/new", data=form_input(task, quarter=1)).status_code == 409


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.RETURNED, S.WITHDRAWN])
def test_no_note_unless_the_task_reports(state, frozen_now, make_task, world, login_as, db):
    frozen_now(at(15, 3))
    task = make_task(state)
    client = login_as(world.owner)
    assert client.get(f"/tasks/{task.id}/notes/new").status_code == 409
    assert client.post(f"/tasks/{task.id}/notes/new", data=form_input(task, quarter=1)).status_code == 409


# -- editing and amending -----------------------------------------------------------------------------------------

def test_edit_prefills_and_saves(reported, world, login_as, db):
    task, note, _ = reported
    client = login_as(world.owner)
    page = client.get(f"/notes/{note.id}/edit").get_data(as_text=True)
    assert 'value="22"' in page and "Đối thoại với 22 hộ dân." in page and "12/04/2026" in page
    response = client.post(f"/notes/{note.id}/edit", data=form_input(task, value="11", status="at_risk"))
    assert response.status_code == 302
    db.session.expire_all()
    note = db.session.get(ProgressNote, note.id)
    assert note.percent_complete == 75.0 and note.status.value == "at_risk" and note.amendments == []


def test_edit_after_the_window_says_to_amend(reported, world, login_as, frozen_now):
    task, note, _ = reported
    frozen_now(at(13, 4))
    client = login_as(world.owner)
    for response in (client.get(f"/notes/{note.id}/edit"),
                     client.post(f"/notes/{note.id}/edit", data=form_input(task, value="11"))):
        assert response.status_code == 409
        assert "12/04/2026" in response.get_data(as_text=True)


def test_amendment_is_shown_with_reason_before_and_after(reported, world, login_as, frozen_now, db):
    task, note, _ = reported
    frozen_now(at(20, 5))
    client = login_as(world.owner)
    form = client.get(f"/notes/{note.id}/amend")
    assert form.status_code == 200 and 'name="reason"' in form.get_data(as_text=True)
    no_reason = client.post(f"/notes/{note.id}/amend", data=form_input(task, value="20"))
    assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.get_data(as_text=True)
    saved = client.post(f"/notes/{note.id}/amend",
                        data=form_input(task, value="20", reason="Nhập nhầm số hộ còn lại"))
    assert saved.status_code == 302
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Nhập nhầm số hộ còn lại" in page
    assert "<del>Hộ chưa đồng thuận: 22 hộ</del> → <ins>Hộ chưa đồng thuận: 20 hộ</ins>" in page
    assert "<del>50 %</del> → <ins>54,5 %</ins>" in page  # Vietnamese decimal comma


# -- the task page ---------------------------------------------------------------------------------------------

def test_timeline_for_the_owner(reported, world, login_as):
    task, note, evidence = reported
    page = login_as(world.owner).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="quarter-1"' in page and 'id="quarter-4"' in page
    assert "05/04/2026" in page and "05/07/2026" in page and "20/12/2026" in page  # deadlines dd/mm/yyyy
    assert "Đối thoại với 22 hộ dân." in page and "bien-ban.pdf" in page
    assert f'href="/files/{evidence.id}"' in page
    assert f'href="/tasks/{task.id}/notes/new?quarter=2"' in page
    assert f'href="/notes/{note.id}/edit"' in page and f'href="/notes/{note.id}/amend"' not in page
    assert f'action="/notes/{note.id}/files"' in page
    assert f'/tasks/{task.id}/notes/new?quarter=3' not in page  # not begun


@pytest.mark.parametrize("who", ["monitor", "standing", "secretariat", "inspector"])
def test_timeline_for_readers_has_no_buttons(who, reported, world, login_as):
    task, note, evidence = reported
    page = login_as(getattr(world, who)).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Đối thoại với 22 hộ dân." in page and f'href="/files/{evidence.id}"' in page
    assert "/notes/new" not in page and f"/notes/{note.id}/" not in page


def test_a_locked_task_shows_no_buttons(frozen_now, make_reviewed_task, world, login_as, store):
    frozen_now(at(15, 3))
    task = make_reviewed_task()  # the verdict is recorded through the real services
    note = task.notes[0]
    assert task.state == S.REVIEWED
    client = login_as(world.owner)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Đã đối thoại với 44 hộ" in page
    assert "/notes/new" not in page and f"/notes/{note.id}/" not in page
    assert client.get(f"/notes/{note.id}/edit").status_code == 409
    assert client.get(f"/tasks/{task.id}/notes/new").status_code == 409
    assert client.post(f"/notes/{note.id}/files",
                       data={"file": (io.BytesIO(PDF_BYTES), "a.pdf")}).status_code == 409
    frozen_now(at(20, 5))
    assert client.get(f"/notes/{note.id}/amend").status_code == 409


def test_late_and_overdue_and_amend_button(frozen_now, make_task, world, login_as, db, store):
    frozen_now(at(15, 3))
    task = make_task(S.APPROVED)
    frozen_now(at(10, 7))  # Q1 and Q2 deadlines passed; Q1 reported late, Q2 never
    note = progress.add_progress_note(world.owner, task, 1, note_input(task))
    page = in_english(login_as(world.owner)).get(f"/tasks/{task.id}").get_data(as_text=True)
    q1 = page.split('id="quarter-1"')[1].split('id="quarter-2"')[0]
    q2 = page.split('id="quarter-2"')[1].split('id="quarter-3"')[0]
    q4 = page.split('id="quarter-4"')[1]
    assert "Submitted late" in q1
    assert f'href="/notes/{note.id}/amend"' in q1 and f'href="/notes/{note.id}/edit"' not in q1
    assert "Overdue" in q2 and "Submitted late" not in q2
    assert "/notes/new?quarter=2" in q2 and "01/10/2026" in q4


def test_the_section_is_absent_before_approval(make_task, world, login_as):
    task = make_task(S.SUBMITTED)
    page = login_as(world.owner).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="progress"' not in page


# -- progress at a glance -------------------------------------------------------------------------------------------

def test_chart_per_indicator_with_baseline_target_and_values(reported, world, login_as, frozen_now, db):
    task, _, _ = reported
    progress.add_progress_note(world.owner, task, 2, note_input(task, value=11))
    db.session.commit()
    page = in_english(login_as(world.monitor)).get(f"/tasks/{task.id}").get_data(as_text=True)
    indicator = task.indicators[0]
    chart = page.split(f'data-indicator="{indicator.id}"')[1].split("</svg>")[0]
    assert chart.count("<circle") == 2 and "<polyline" in chart
    assert 'stroke-dasharray="6 4"' in chart  # the baseline
    assert ">22<" in chart and ">11<" in chart and ">Baseline 44<" in chart and ">Target 0<" in chart
    assert all(f">Q{q}<" in chart for q in (1, 2, 3, 4)) and ">hộ<" in chart
    assert "<script" not in chart and "http://" not in chart.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize("baseline,target,values", [
    (44, 0, [None, None, None, None]),       # nothing reported yet
    (5, 5, [5, 5, None, 5]),                 # baseline == target == every value
    (None, 120, [0, None, 60, 120]),         # no baseline, a gap
    (0, 0, [0, None, None, None]),           # everything zero
    (-10, 1e9, [-10, 5e8, None, None]),      # wide range
])
def test_chart_math_is_safe(baseline, target, values, app):
    ind = Indicator(id=7, name="Hộ", unit="hộ", baseline=baseline, target=target)
    with app.test_request_context():
        svg = render_template_string('{% from "progress/_chart.html" import indicator_chart %}'
                                     "{{ indicator_chart(ind, values) }}", ind=ind, values=values)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "nan" not in svg and "inf" not in svg
    assert svg.count("<circle") == sum(v is not None for v in values)
    width, height = (int(n) for n in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    for axis, limit in (("x", width), ("y", height)):
        for number in re.findall(rf'\b(?:{axis}|{axis}1|{axis}2|c{axis})="(-?[\d.]+)"', svg):
            assert 0 <= float(number) <= limit  # every coordinate inside the box


# -- queries ------------------------------------------------------------------------------------------------------



def test_task_page_queries_do_not_grow_with_notes(frozen_now, make_task, world, login_as, db, store):
    frozen_now(at(15, 3))
    few_task, many_task = make_task(S.APPROVED), make_task(S.APPROVED)
    frozen_now(at(1, 11))
    for task, quarters in ((few_task, [1]), (many_task, [1, 2, 3, 4])):
        for q in quarters:
            note = progress.add_progress_note(world.owner, task, q, note_input(task, value=40 - 10 * q))
            for n in range(2):
                attach_evidence(world.owner, note, io.BytesIO(PDF_BYTES), f"q{q}-{n}.pdf", store)
            if q < 4:  # Q4 is still editable on 01/11
                progress.amend_progress_note(world.owner, note, "Cập nhật số liệu", note_input(task, value=39 - 10 * q))
    db.session.commit()
    client = login_as(world.owner)
    few = _count_queries(db, client, f"/tasks/{few_task.id}")
    many = _count_queries(db, client, f"/tasks/{many_task.id}")
    assert many == few


def _count_queries(db, client, url) -> int:
    return count_queries(db, client, url)[0]
