"""Monitoring pages through the test client: the permission matrix of every route, the assessment, reply and
mid-year forms, the attention lists and their query count, the header counts."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from registry.models import (
    Assessment,
    MidYearReview,
    Notification,
    Recommendation,
    RecommendationStatus,
    TaskState,
)
from registry.services import monitoring, progress
from tests.helpers import count_queries as _count_queries

S = TaskState
ROLES = ["owner", "other_owner", "monitor", "other_monitor", "standing", "secretariat", "inspector"]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def write_note(world, task, quarter=1, status="on_track", value=30):
    return progress.add_progress_note(world.owner, task, quarter, {
        "work_done": "Đối thoại với các hộ", "status": status,
        "values": {str(task.indicators[0].id): value}})


def assess(world, task, period="q1", deadline=date(2026, 4, 30)):
    return monitoring.add_assessment(
        world.monitor, task, period,
        {"supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tích cực đối thoại."},
        [{"content": "Đề nghị bố trí nhà tái định cư", "addressee": "UBND phường", "reply_deadline": deadline}])


def assessment_form(**overrides):
    data = {"period": "q2", "supervision_form": "document_review", "judgement": "late",
            "strengths": "Có kế hoạch cụ thể", "shortcomings": "Chậm so với mốc",
            "recommendations-0-content": "Đề nghị báo cáo tiến độ hằng tháng",
            "recommendations-0-addressee": "Bí thư Đảng ủy phường",
            "recommendations-0-reply_deadline": "30/04/2026",
            "recommendations-1-content": "", "recommendations-1-addressee": "",
            "recommendations-1-reply_deadline": ""}
    data.update(overrides)
    return data


@pytest.fixture
def scene(frozen_now, world, make_task, db):
    """15/03/2026 → 25/03: an approved task with a Q1 note, assessed with one recommendation, a mid-year
    snapshot; the owner has notifications."""
    frozen_now(utc(2026, 3, 25, 3, 0))
    task = make_task(S.APPROVED)
    write_note(world, task)
    assessment = assess(world, task)
    monitoring.take_mid_year_snapshots(world.secretariat, world.year)
    db.session.commit()

    class Scene:
        pass
    Scene.task, Scene.assessment, Scene.recommendation = task, assessment, assessment.recommendations[0]
    Scene.notification = db.session.scalar(select(Notification).where(Notification.person_id == world.owner.id))
    return Scene


# -- the permission matrix ----------------------------------------------------------------------------------------

def only(*allowed, ok=200, other=403):
    return {who: (ok if who in allowed else other) for who in ROLES}


ROUTES = [
    ("GET", "/tasks/{task}/assessments/new", only("monitor")),
    ("POST", "/tasks/{task}/assessments/new", only("monitor", ok=302)),
    ("POST", "/assessments/{assessment}/acknowledge", only("owner", ok=302)),
    ("GET", "/recommendations/{recommendation}/reply", only("owner")),
    ("POST", "/recommendations/{recommendation}/reply", only("owner", ok=302)),
    ("POST", "/years/{year}/midyear", only("standing", "secretariat", ok=302)),
    ("GET", "/tasks/{task}/midyear", only("standing")),
    ("POST", "/tasks/{task}/midyear", only("standing", ok=302)),
    ("GET", "/attention", only(*ROLES)),
    ("GET", "/attention?show=late_or_at_risk", only("standing", other=404)),
    ("GET", "/attention?show=notes_due", only("owner", "other_owner", "standing", other=404)),
    ("GET", "/attention?show=notes_to_assess", only("monitor", "other_monitor", other=404)),
    ("GET", "/notifications", only(*ROLES)),
    ("POST", "/notifications/{notification}/read", only("owner", ok=302)),
    ("POST", "/notifications/read-all", only(*ROLES, ok=302)),
]
CASES = [(method, url, who, status) for method, url, expected in ROUTES for who, status in expected.items()]
POST_DATA = {
    "/tasks/{task}/assessments/new": assessment_form(),
    "/recommendations/{recommendation}/reply": {"reply": "Đã đề xuất quận bố trí 8 căn hộ."},
    "/tasks/{task}/midyear": {"conclusion": "Đề nghị đẩy nhanh tiến độ."},
}


@pytest.mark.parametrize("method,url,who,status", CASES)
def test_route_permissions(method, url, who, status, scene, world, login_as):
    client = login_as(getattr(world, who))
    path = url.format(task=scene.task.id, assessment=scene.assessment.id, recommendation=scene.recommendation.id,
                      year=world.year.id, notification=scene.notification.id)
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data=POST_DATA.get(url, {}))
    assert response.status_code == status, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("path", ["/assessments/999999/acknowledge", "/notifications/999999/read"])
def test_unknown_rows_are_404(path, scene, world, login_as):
    assert login_as(world.owner).post(path).status_code == 404


def test_unknown_year_and_recommendation_are_404(scene, world, login_as):
    assert login_as(world.secretariat).post("/years/999999/midyear").status_code == 404
    assert login_as(world.owner).get("/recommendations/999999/reply").status_code == 404


# -- assessments ------------------------------------------------------------------------------------------------

def test_assessment_form_offers_in_year_periods_left(scene, world, login_as):
    page = login_as(world.monitor).get(f"/tasks/{scene.task.id}/assessments/new").get_data(as_text=True)
    offered = re.findall(r'<option[^>]*value="([a-z_0-9]+)"', page)
    assert offered == ["q2", "q3", "q4", "mid_year"]  # q1 is assessed, final comes later
    assert 'name="recommendations-2-content"' in page  # three rows to fill in


def test_assessment_row_errors_go_to_their_row(scene, world, login_as, db):
    client = login_as(world.monitor)
    response = client.post(f"/tasks/{scene.task.id}/assessments/new", data=assessment_form(**{
        "recommendations-1-content": "Đề nghị rà soát quỹ đất", "recommendations-1-reply_deadline": "01/01/2026"}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="recommendations-1-addressee"[^>]*aria-invalid="true"', page) or \
        re.search(r'aria-invalid="true"[^>]*id="recommendations-1-addressee"', page)
    assert re.search(r'id="recommendations-1-reply_deadline"[^>]*aria-invalid', page) or \
        re.search(r'aria-invalid="true"[^>]*id="recommendations-1-reply_deadline"', page)
    assert not re.search(r'aria-invalid="true"[^>]*id="recommendations-0-', page)
    db.session.expire_all()
    assert len(db.session.scalars(select(Assessment)).all()) == 1  # nothing saved


def test_bad_date_is_a_field_error(scene, world, login_as):
    response = login_as(world.monitor).post(f"/tasks/{scene.task.id}/assessments/new", data=assessment_form(
        **{"recommendations-0-reply_deadline": "31/02/2026"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="31/02/2026"' in page
    assert re.search(r'aria-invalid="true"[^>]*id="recommendations-0-reply_deadline"', page) or \
        re.search(r'id="recommendations-0-reply_deadline"[^>]*aria-invalid="true"', page)


def test_assess_then_period_taken_is_409(scene, world, login_as, db):
    client = login_as(world.monitor)
    response = client.post(f"/tasks/{scene.task.id}/assessments/new", data=assessment_form())
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{scene.task.id}#monitoring")
    # a second submission of the same period (e.g. a stale form) is refused: the choice is no longer offered
    again = client.post(f"/tasks/{scene.task.id}/assessments/new", data=assessment_form())
    assert again.status_code == 422
    db.session.expire_all()
    assert {a.period.value for a in db.session.scalars(select(Assessment))} == {"q1", "q2"}


def test_task_page_shows_assessments_with_buttons_per_role(scene, world, login_as):
    url = f"/tasks/{scene.task.id}"
    owner_page = login_as(world.owner).get(url).get_data(as_text=True)
    assert f'id="assessment-{scene.assessment.id}"' in owner_page
    assert "Đề nghị bố trí nhà tái định cư" in owner_page and "30/04/2026" in owner_page
    assert f'action="/assessments/{scene.assessment.id}/acknowledge"' in owner_page
    assert f'href="/recommendations/{scene.recommendation.id}/reply"' in owner_page
    assert 'id="new-assessment"' not in owner_page
    monitor_page = login_as(world.monitor).get(url).get_data(as_text=True)
    assert 'id="new-assessment"' in monitor_page and "/acknowledge" not in monitor_page
    assert f'href="/recommendations/{scene.recommendation.id}/reply"' not in monitor_page
    standing_page = login_as(world.standing).get(url).get_data(as_text=True)
    assert 'id="midyear"' in standing_page and 'id="conclusion"' in standing_page
    assert f'href="/tasks/{scene.task.id}/adjust"' in standing_page
    inspector_page = login_as(world.inspector).get(url).get_data(as_text=True)
    assert 'id="midyear"' in inspector_page and 'id="conclusion"' not in inspector_page


def test_acknowledge_and_reply(scene, world, login_as, db, frozen_now):
    client = login_as(world.owner)
    assert client.post(f"/assessments/{scene.assessment.id}/acknowledge").status_code == 302
    assert client.post(f"/assessments/{scene.assessment.id}/acknowledge").status_code == 409
    assert client.post(f"/recommendations/{scene.recommendation.id}/reply", data={"reply": " "}).status_code == 422
    frozen_now(utc(2026, 5, 2, 3, 0))  # past the reply deadline: overdue until answered
    page = client.get(f"/tasks/{scene.task.id}").get_data(as_text=True)
    assert f'id="recommendation-{scene.recommendation.id}" class="rec-overdue"' in page
    response = client.post(f"/recommendations/{scene.recommendation.id}/reply", data={"reply": "Đã trình quận."})
    assert response.status_code == 302
    assert client.get(f"/recommendations/{scene.recommendation.id}/reply").status_code == 409
    page = client.get(f"/tasks/{scene.task.id}").get_data(as_text=True)
    assert f'id="recommendation-{scene.recommendation.id}" class="rec-replied"' in page and "Đã trình quận." in page
    db.session.expire_all()
    rec = db.session.get(Recommendation, scene.recommendation.id)
    assert rec.status == RecommendationStatus.REPLIED
    assert db.session.get(Assessment, scene.assessment.id).acknowledged_by_id == world.owner.id


# -- mid-year ----------------------------------------------------------------------------------------------------

def test_midyear_run_and_conclusion(frozen_now, world, make_task, login_as, db):
    frozen_now(utc(2026, 6, 30, 3, 0))
    task = make_task(S.APPROVED)
    write_note(world, task, 1, status="at_risk", value=20)
    client = login_as(world.standing)
    assert client.get(f"/tasks/{task.id}/midyear").status_code == 409  # no snapshot yet
    attention = client.get("/attention").get_data(as_text=True)
    assert f'action="/years/{world.year.id}/midyear"' in attention
    assert client.post(f"/years/{world.year.id}/midyear").status_code == 302
    assert client.post(f"/years/{world.year.id}/midyear").status_code == 302  # idempotent
    db.session.expire_all()
    assert len(db.session.scalars(select(MidYearReview)).all()) == 1
    form = client.get(f"/tasks/{task.id}/midyear")
    assert form.status_code == 200 and f'href="/tasks/{task.id}/adjust"' in form.get_data(as_text=True)
    assert client.post(f"/tasks/{task.id}/midyear", data={"conclusion": ""}).status_code == 422
    response = client.post(f"/tasks/{task.id}/midyear", data={"conclusion": "Tập trung vận động 14 hộ còn lại."})
    assert response.status_code == 302
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Tập trung vận động 14 hộ còn lại." in page and "20" in page
    assert client.get(f"/tasks/{task.id}/adjust").status_code == 200  # mid-year adjustment reuses the page


# -- what needs attention -------------------------------------------------------------------------------------------

def _due_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="note-(due|overdue)" data-task="\d+" data-quarter="(\d)"', page)


def test_owner_sees_a_due_note_then_overdue(frozen_now, world, make_task, login_as):
    task = make_task(S.APPROVED)
    client = login_as(world.owner)
    frozen_now(utc(2026, 3, 20, 3, 0))  # 16 days before the Q1 deadline (05/04): nothing yet
    assert _due_rows(client.get("/attention").get_data(as_text=True)) == []
    frozen_now(utc(2026, 3, 31, 3, 0))  # 5 days before
    page = client.get("/attention").get_data(as_text=True)
    assert _due_rows(page) == [("due", "1")] and f'href="/tasks/{task.id}/notes/new?quarter=1"' in page
    assert 'id="attention-count"' in page
    frozen_now(utc(2026, 4, 6, 3, 0))  # the day after the deadline
    assert _due_rows(client.get("/attention").get_data(as_text=True)) == [("overdue", "1")]


def test_standing_sees_a_task_that_missed_q2(frozen_now, world, make_task, login_as, db):
    frozen_now(utc(2026, 3, 20, 3, 0))
    task = make_task(S.APPROVED)
    write_note(world, task, 1, status="on_track")
    db.session.commit()
    client = login_as(world.standing)
    marker = f'<tr data-task="{task.id}">'

    def late_section(page):
        return page.split('id="late-or-at-risk"', 1)[1].split("</section>", 1)[0]

    frozen_now(utc(2026, 7, 5, 3, 0))  # the Q2 deadline day itself
    assert marker not in late_section(client.get("/attention").get_data(as_text=True))
    frozen_now(utc(2026, 7, 6, 3, 0))
    assert marker in late_section(client.get("/attention").get_data(as_text=True))


def test_monitor_sees_notes_to_assess_and_overdue_replies(scene, world, login_as, frozen_now, make_task, db):
    other = make_task(S.APPROVED)
    note = write_note(world, other)
    db.session.commit()
    client = login_as(world.monitor)
    page = client.get("/attention").get_data(as_text=True)
    assert f'id="to-assess-{note.id}"' in page and 'id="overdue-reply-' not in page
    frozen_now(utc(2026, 5, 1, 3, 0))
    page = client.get("/attention").get_data(as_text=True)
    assert f'id="overdue-reply-{scene.recommendation.id}"' in page


def test_lists_are_capped_with_see_all(frozen_now, world, make_task, login_as, db):
    frozen_now(utc(2026, 7, 10, 3, 0))
    for _ in range(12):
        make_task(S.APPROVED)
    client = login_as(world.standing)
    page = client.get("/attention").get_data(as_text=True)
    section = page.split('id="late-or-at-risk"', 1)[1].split("</section>", 1)[0]
    assert section.count("<tr data-task=") == 10 and 'id="see-all-late_or_at_risk"' in section
    full = client.get("/attention?show=late_or_at_risk&page=3").get_data(as_text=True)
    assert full.count("<tr data-task=") == 2  # PAGE_SIZE is 5 in the tests
    owner = login_as(world.owner)
    capped = owner.get("/attention").get_data(as_text=True)
    assert len(_due_rows(capped)) == 10 and 'id="see-all-notes_due"' in capped
    # each task owes its Q1 and Q2 notes: 24 rows, 5 a page in the tests, so page 5 holds the last 4
    assert len(_due_rows(owner.get("/attention?show=notes_due&page=5").get_data(as_text=True))) == 4




def _busy_tasks(world, make_task, n):
    """``n`` tasks, each with a late Q1 note; every other one assessed with an open recommendation."""
    for i in range(n):
        task = make_task(S.APPROVED)
        write_note(world, task, 1, status="late")
        if i % 2:
            assess(world, task, deadline=date(2026, 6, 25))


ROW_MARKERS = {
    ("/attention", "owner"): ['class="note-due"', 'id="to-reply-'],
    ("/attention", "monitor"): ['id="to-assess-', 'id="overdue-reply-'],
    ("/attention", "standing"): ["<tr data-task="],
    ("/notifications", "owner"): ['class="notification unread"'],
    ("/notifications", "monitor"): ['class="notification unread"'],
    ("/notifications", "standing"): [],
}


@pytest.mark.parametrize("who", ["owner", "monitor", "standing"])
@pytest.mark.parametrize("url", ["/attention", "/notifications"])
def test_attention_query_count_is_constant(who, url, frozen_now, world, make_task, login_as, db):
    frozen_now(utc(2026, 6, 20, 3, 0))
    _busy_tasks(world, make_task, 2)
    client = login_as(getattr(world, who))
    frozen_now(utc(2026, 7, 1, 3, 0))  # Q2 due soon; reply deadlines passed, so every list has rows
    few, _ = _count_queries(db, client, url)
    frozen_now(utc(2026, 6, 20, 3, 0))
    _busy_tasks(world, make_task, 6)
    db.session.commit()
    frozen_now(utc(2026, 7, 1, 3, 0))
    many, page = _count_queries(db, client, url)
    for marker in ROW_MARKERS[url, who]:  # the lists really hold rows (4 or more each)
        assert page.count(marker) >= 4, (url, who, marker)
    assert many == few, f"{url} as {who}: {few} queries with 2 tasks, {many} with 8"


# -- notifications and the header ---------------------------------------------------------------------------------

def test_notifications_page_and_header_count(scene, world, login_as, db):
    client = login_as(world.owner)
    unread = db.session.scalar(select(db.func.count(Notification.id)).where(
        Notification.person_id == world.owner.id, Notification.read_at.is_(None)))
    assert unread >= 2
    page = client.get("/notifications").get_data(as_text=True)
    assert re.search(rf'id="unread-count"[^>]*>{unread}<', page)
    ids = [int(i) for i in re.findall(r'id="notification-(\d+)" class="notification', page)]
    assert ids == sorted(ids, reverse=True)[:len(ids)]  # newest first
    assert 'class="notification unread"' in page and "<strong>" in page
    first = ids[0]
    response = client.post(f"/notifications/{first}/read", data={"go": "task"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{scene.task.id}")
    page = client.get("/notifications").get_data(as_text=True)
    assert f'id="notification-{first}" class="notification read"' in page
    assert client.post("/notifications/read-all").status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert 'class="notification unread"' not in page and 'id="unread-count"' not in page
    assert login_as(world.other_owner).post(f"/notifications/{first}/read").status_code == 403


def test_a_locked_task_shows_no_monitoring_buttons(frozen_now, world, make_reviewed_task, login_as, db):
    task = make_reviewed_task()  # its final assessment is not acknowledged
    final = task.assessments[0]
    # rows a locked task can carry from before its verdict, added directly (the services refuse once locked)
    db.session.add(Recommendation(assessment=final, task_id=task.id, content="Tổng kết kinh nghiệm",
                                  addressee="Đảng ủy phường", reply_deadline=date(2026, 12, 31)))
    db.session.add(MidYearReview(task=task, snapshot={"quarter": 1}, snapshot_at=utc(2026, 7, 1)))
    db.session.commit()
    owner_page = login_as(world.owner).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f'id="assessment-{final.id}"' in owner_page and "Tổng kết kinh nghiệm" in owner_page
    assert "/acknowledge" not in owner_page and "/reply" not in owner_page
    standing_page = login_as(world.standing).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="midyear"' in standing_page and f'action="/tasks/{task.id}/midyear"' not in standing_page
    monitor_page = login_as(world.monitor).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="new-assessment"' not in monitor_page
    client = login_as(world.owner)
    assert client.post(f"/assessments/{final.id}/acknowledge").status_code == 409
    assert login_as(world.standing).get(f"/tasks/{task.id}/midyear").status_code == 409
