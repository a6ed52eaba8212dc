"""Report figures: ``report_figures`` against a hand-computed history, the page ``/reports`` and the API's
``/api/v1/reports/figures`` (who may read them, what they show), and a fixed number of queries.

The history is written on 01/05/2026 (so every Q1 note is late) and read on 01/06/2026.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event

from registry.models import OrgLevel, Period, TaskState
from registry.services import monitoring, progress, review
from registry.services import tasks as task_service
from registry.services.reports import report_figures
from tests import test_api_contract
from tests.conftest import task_input
from tests.test_api_contract import assert_problem

S = TaskState
#: the contract tests' fixtures: a person's token, and a client sending it
token_for, api_as = test_api_contract.token_for, test_api_contract.api_as
STATES = {s.value: 0 for s in TaskState}
KINDS = {"hard": 0, "breakthrough": 0, "mass_mobilisation": 0}
OUTCOMES = {"exceeded": 0, "on_time": 0, "late": 0, "partial": 0, "not_done": 0, "stopped": 0}
READERS = {"standing", "secretariat", "inspector"}
ROLES = ["owner", "other_owner", "monitor", "standing", "secretariat", "inspector"]


def at(day: int, month: int) -> datetime:
    return datetime(2026, month, day, 3, tzinfo=timezone.utc)  # 10:00 in Hà Nội


@pytest.fixture(autouse=True)
def may_2026(frozen_now):
    frozen_now(at(1, 5))
    return frozen_now


def note(world, task, quarter: int) -> None:
    progress.add_progress_note(world.owner, task, quarter, {
        "work_done": "Đối thoại với các hộ", "status": "on_track", "values": {task.indicators[0].id: 30}})


def place(task, unit) -> None:
    task.org_unit_id = unit.id


@pytest.fixture
def history(world, make_task, make_reviewed_task, make_unit, make_field, make_year, levels, may_2026, db):
    """Units: district ⊃ ward ⊃ residential group; the world's ward apart. Fields: the world's (order 0) and
    “Chuyển đổi số” (order 5). Tasks of 2026 (t1…t8) and one of 2027 (t9):

    ====  ==========  ==============================  ============  ======  =====================
    task  unit        state                           kind          field   notes (late)
    ====  ==========  ==============================  ============  ======  =====================
    t1    district    in progress                     hard          GPMB    Q1 (late), Q2
    t2    ward        reviewed, exceeded              hard          GPMB    Q1 (late)
    t3    group       reviewed, partial               breakthrough  CĐS     Q1 (late)
    t4    ward        draft                           mass mob.     CĐS
    t5    ward        withdrawn                       hard          GPMB
    t6    ward        submitted                       breakthrough  GPMB
    t7    world       in progress                     hard          GPMB    Q2
    t8    district    self-assessed (verdict reopened) hard         CĐS     Q1 (late)
    t9    district    draft (2027)                    hard          GPMB
    ====  ==========  ==============================  ============  ======  =====================

    t1 has three recommendations: due 10/05 (open: overdue on 01/06), 30/06 (open), 20/05 (replied).
    """
    district = make_unit("Quận Tây Hồ", level=OrgLevel.DISTRICT)
    ward = make_unit("Phường Quảng An", parent=district)
    group = make_unit("Tổ dân phố số 5", level=OrgLevel.RESIDENTIAL_GROUP, parent=ward)
    digital = make_field("Chuyển đổi số")
    digital.sort_order = 5
    t = {}
    t["t1"] = make_task(S.APPROVED)
    place(t["t1"], district)
    note(world, t["t1"], 1)
    note(world, t["t1"], 2)
    assessment = monitoring.add_assessment(world.monitor, t["t1"], Period.Q1, {
        "supervision_form": "field_survey", "judgement": "late", "strengths": "Kiên trì"}, [
        {"content": f"Kiến nghị {n}", "addressee": "UBND phường", "reply_deadline": deadline}
        for n, deadline in enumerate([date(2026, 5, 10), date(2026, 6, 30), date(2026, 5, 20)], start=1)])
    monitoring.reply_to_recommendation(world.owner, assessment.recommendations[2], "Đã thực hiện")
    t["t2"] = make_reviewed_task("exceeded")
    place(t["t2"], ward)
    t["t3"] = make_reviewed_task("partial", kind="breakthrough", field_id=digital.id)
    place(t["t3"], group)
    t["t4"] = make_task(kind="mass_mobilisation", field_id=digital.id)
    place(t["t4"], ward)
    t["t5"] = make_task(S.WITHDRAWN)
    place(t["t5"], ward)
    t["t6"] = make_task(S.SUBMITTED, kind="breakthrough")
    place(t["t6"], ward)
    t["t7"] = make_task(S.APPROVED)
    note(world, t["t7"], 2)
    t["t8"] = make_reviewed_task("on_time", field_id=digital.id)
    place(t["t8"], district)
    review.reopen_task(world.standing, t["t8"], "Số liệu chưa chính xác")
    next_year = make_year(2027)
    t["t9"] = task_service.create_task(world.owner, next_year, task_input(world.field, next_year))
    place(t["t9"], district)
    db.session.commit()
    may_2026(at(1, 6))
    return {"district": district, "ward": ward, "group": group, "digital": digital, "tasks": t}


def expected_district(world, history) -> dict:
    return {
        "year": 2026, "unit_id": history["district"].id,
        "tasks": {"total": 7, "registered": 5},
        "by_state": {**STATES, "draft": 1, "submitted": 1, "in_progress": 1, "self_assessed": 1, "reviewed": 2,
                     "withdrawn": 1},
        "by_kind": {**KINDS, "hard": 3, "breakthrough": 2},
        "by_field": [{"field_id": world.field.id, "name": "GPMB – tái định cư", "name_en": None,
                      "count": 3},
                     {"field_id": history["digital"].id, "name": "Chuyển đổi số", "name_en": None,
                      "count": 2}],
        "by_outcome": {**OUTCOMES, "exceeded": 1, "partial": 1},
        "notes": {"total": 5, "late": 4},
        "recommendations": {"open": 2, "overdue": 1},
    }


# -- the service -------------------------------------------------------------------------------------------------

def test_figures_of_a_unit_and_its_sub_units(world, history):
    assert report_figures(None, history["district"].id, 2026) == expected_district(world, history)


def test_figures_of_a_ward(world, history):
    assert report_figures(None, history["ward"].id, 2026) == {
        "year": 2026, "unit_id": history["ward"].id,
        "tasks": {"total": 5, "registered": 3},
        "by_state": {**STATES, "draft": 1, "submitted": 1, "reviewed": 2, "withdrawn": 1},
        "by_kind": {**KINDS, "hard": 1, "breakthrough": 2},
        "by_field": [{"field_id": world.field.id, "name": "GPMB – tái định cư", "name_en": None,
                      "count": 2},
                     {"field_id": history["digital"].id, "name": "Chuyển đổi số", "name_en": None,
                      "count": 1}],
        "by_outcome": {**OUTCOMES, "exceeded": 1, "partial": 1},
        "notes": {"total": 2, "late": 2},
        "recommendations": {"open": 0, "overdue": 0},
    }


def test_figures_of_every_unit(world, history):
    figures = report_figures(None, None, 2026)
    expected = expected_district(world, history)
    expected.update(unit_id=None, tasks={"total": 8, "registered": 6},
                    by_state={**expected["by_state"], "in_progress": 2}, by_kind={**KINDS, "hard": 4,
                                                                                  "breakthrough": 2},
                    notes={"total": 6, "late": 4})
    expected["by_field"][0]["count"] = 4
    assert figures == expected


def test_figures_of_another_year_and_of_no_year(world, history):
    later = report_figures(None, None, 2027)
    assert later["tasks"] == {"total": 1, "registered": 0} and later["by_state"] == {**STATES, "draft": 1}
    assert later["by_field"] == [] and later["by_kind"] == KINDS
    assert report_figures(None, history["group"].id, 2027)["tasks"]["total"] == 0
    empty = report_figures(None, history["district"].id, 1999)
    assert empty == {"year": 1999, "unit_id": history["district"].id, "tasks": {"total": 0, "registered": 0},
                     "by_state": STATES, "by_kind": KINDS, "by_field": [], "by_outcome": OUTCOMES,
                     "notes": {"total": 0, "late": 0}, "recommendations": {"open": 0, "overdue": 0}}


def count_statements(db, call) -> int:
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_a_fixed_number_of_queries(world, history, make_task, make_reviewed_task, db, may_2026):
    small = {scope: count_statements(db, lambda s=scope: report_figures(None, s, 2026))
             for scope in (None, history["district"].id)}
    assert small[None] <= 5 and small[history["district"].id] <= 6, small
    may_2026(at(2, 5))
    for n in range(6):  # more tasks, notes, verdicts and recommendations in every unit and field
        task = make_reviewed_task("late" if n % 2 else "not_done", field_id=history["digital"].id)
        place(task, (history["district"], history["ward"], history["group"])[n % 3])
        extra = make_task(S.APPROVED, kind="mass_mobilisation")
        place(extra, history["group"])
        monitoring.add_assessment(world.monitor, extra, Period.Q1, {
            "supervision_form": "delegation", "judgement": "on_track", "strengths": "Tốt"}, [
            {"content": "Kiến nghị", "addressee": "Tổ dân phố", "reply_deadline": date(2026, 5, 5 + n)}])
    db.session.commit()
    may_2026(at(1, 6))
    large = {scope: count_statements(db, lambda s=scope: report_figures(None, s, 2026))
             for scope in (None, history["district"].id)}
    assert large == small
    assert report_figures(None, history["district"].id, 2026)["recommendations"] == {"open": 8, "overdue": 7}


# -- the API ---------------------------------------------------------------------------------------------------------

def test_api_figures(api_as, world, history):
    api = api_as(world.secretariat)
    response = api.get(f"reports/figures?year=2026&unit={history['district'].id}")
    assert response.status_code == 200
    assert response.get_json() == expected_district(world, history)
    assert api.get("reports/figures?year=2026").get_json()["tasks"] == {"total": 8, "registered": 6}
    assert_problem(api.get("reports/figures"), 422, "year")
    assert_problem(api.get("reports/figures?year=2026&unit=999999"), 422, "unit")
    assert_problem(api.get("reports/figures?year=2026&field=1"), 422, "field")
    assert_problem(api.get("reports/figures?year=abc"), 422, "year")


@pytest.mark.parametrize("who", ROLES)
def test_api_figures_permissions(who, api_as, world, history):
    response = api_as(getattr(world, who)).get("reports/figures?year=2026")
    if who in READERS:
        assert response.status_code == 200
    else:
        assert_problem(response, 403)


# -- the page ----------------------------------------------------------------------------------------------------------

def cell(html: str, attribute: str, value: str) -> str:
    """The number in the last cell of the row ``<tr data-attribute="value">``."""
    row = re.search(rf'<tr data-{attribute}="{re.escape(value)}">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r"<td>(.*?)</td>", row)[-1]


@pytest.mark.parametrize("who", ROLES)
def test_page_permissions(who, world, history, login_as):
    response = login_as(getattr(world, who)).get("/reports")
    assert response.status_code == (200 if who in READERS else 403)


def test_anonymous_is_sent_to_sign_in(client, history):
    response = client.get("/reports")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_page_shows_the_figures(world, history, login_as):
    client = login_as(world.standing)
    with client.session_transaction() as session:
        session["lang"] = "en"
    html = client.get(f"/reports?year=2026&unit={history['district'].id}").get_data(as_text=True)
    assert "Report figures 2026" in html and "Quận Tây Hồ and its sub-units" in html
    assert f'<option value="{history["district"].id}" selected>' in html
    assert cell(html, "figure", "tasks.total") == "7" and cell(html, "figure", "tasks.registered") == "5"
    assert cell(html, "figure", "notes.late") == "4"
    assert cell(html, "figure", "recommendations.open") == "2"
    assert cell(html, "figure", "recommendations.overdue") == "1"
    assert cell(html, "state", "reviewed") == "2" and cell(html, "state", "returned") == "0"
    assert cell(html, "kind", "hard") == "3"
    assert cell(html, "field", str(history["digital"].id)) == "2"
    assert cell(html, "outcome", "exceeded") == "1" and cell(html, "outcome", "on_time") == "0"
    assert "data-print" in html  # the print button (handled in app.js: no inline scripts)


def test_page_defaults_and_filters(world, history, login_as):
    client = login_as(world.inspector)
    html = client.get("/reports").get_data(as_text=True)  # this year, every unit
    assert '<option value="2026" selected>' in html
    assert cell(html, "figure", "tasks.total") == "8"
    later = client.get("/reports?year=2027").get_data(as_text=True)
    assert cell(later, "figure", "tasks.total") == "1" and cell(later, "kind", "hard") == "0"
    other = client.get("/reports?year=2031").get_data(as_text=True)  # a year not in the registry: all zero
    assert '<option value="2031" selected>' in other and cell(other, "figure", "tasks.total") == "0"
    assert client.get("/reports?unit=999999").status_code == 404
    assert client.get("/reports?unit=abc").status_code == 200  # ignored, as the task list does
