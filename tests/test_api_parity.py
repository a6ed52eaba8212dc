"""The API and the pages keep the same rules: for every workflow action — the registration's, progress notes,
monitoring and the year-end review — each role, and a starting state that allows the action or not, the outcome
through the API has the same class as through the web form (success, 403, 409 or 422), each built from a fresh
subject in the same state. And a token never shows one person's private data to another.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from registry import clock
from registry.models import Period, TaskState
from registry.services import monitoring, progress
from tests.test_api_contract import api_as, token_for  # noqa: F401 - fixtures
from tests.test_task_workflow import ACTIONS, ROLE_ACTORS, ROLE_EXPECTED, START_STATE

S = TaskState
#: a state each action may not start from (its natural actor then gets 409 on both sides)
WRONG_STATE = {"edit": S.APPROVED, "submit": S.SUBMITTED, "withdraw": S.APPROVED, "approve": S.RETURNED,
               "return": S.APPROVED, "adjust": S.DRAFT, "assign_monitor": S.WITHDRAWN}


def _web_form(world, **extra) -> dict:
    """The registration form as the page posts it."""
    year = world.year.year
    return {"kind": "hard", "field_id": world.field.id, "title": "Tiêu đề mới", "goal": "Mục tiêu",
            "deliverable": "Sản phẩm", "deadline": f"30/11/{year}", "authority": "own",
            "indicators-0-name": "Hộ chưa đồng thuận", "indicators-0-unit": "hộ", "indicators-0-baseline": "44",
            "indicators-0-target": "0", "milestones-0-description": "Đối thoại", "milestones-0-due_on": f"30/06/{year}",
            "is_committed": "y", **extra}


def web_outcome(client, action: str, task, world) -> str:
    today = clock.today().strftime("%d/%m/%Y")
    url = f"/tasks/{task.id}"
    posts = {
        "edit": (f"{url}/edit", _web_form(world)),
        "submit": (f"{url}/submit", {}),
        "withdraw": (f"{url}/withdraw", {"reason": "Lý do"}),
        "approve": (f"{url}/approve", {"decision_ref": "30-QĐ/QU", "decision_date": today,
                                       "monitor_id": world.other_monitor.id}),
        "return": (f"{url}/return", {"comment": "Làm rõ chỉ tiêu"}),
        "adjust": (f"{url}/adjust", _web_form(world, title="Tiêu đề điều chỉnh", reason="Phù hợp thực tế")),
        "assign_monitor": (f"{url}/monitor", {"monitor_id": world.other_monitor.id}),
    }
    path, data = posts[action]
    status = client.post(path, data=data).status_code
    return "success" if status == 302 else str(status)


def api_outcome(api, action: str, task, world) -> str:
    path = f"tasks/{task.id}"
    if action == "edit":
        response = api.patch(path, json={"title": "Tiêu đề mới"}, headers={"If-Match": "*"})
    else:
        bodies = {
            "submit": None,
            "withdraw": {"reason": "Lý do"},
            "approve": {"decision_ref": "30-QĐ/QU", "decision_date": clock.today().isoformat(),
                        "monitor_id": world.other_monitor.id},
            "return": {"comment": "Làm rõ chỉ tiêu"},
            "adjust": {"reason": "Phù hợp thực tế", "title": "Tiêu đề điều chỉnh"},
            "assign_monitor": {"monitor_id": world.other_monitor.id},
        }
        response = api.post(f"{path}/{action.replace('_', '-')}", json=bodies[action])
    return "success" if 200 <= response.status_code < 300 else str(response.status_code)


CASES = [(action, who, state) for action in ACTIONS for who in ROLE_ACTORS
         for state in (START_STATE[action], WRONG_STATE[action])]


@pytest.mark.parametrize("action,who,state", CASES)
def test_api_and_pages_agree(action, who, state, world, make_task, login_as, api_as, db):  # noqa: F811
    web_task, api_task = make_task(state), make_task(state)
    actor = getattr(world, who)
    api = api_as(actor)
    web = web_outcome(login_as(actor), action, web_task, world)
    through_api = api_outcome(api, action, api_task, world)
    assert through_api == web, f"{action} by {who} on a {state.value} task: API {through_api}, page {web}"
    if state == START_STATE[action]:  # and both agree with the services' role matrix
        assert (web == "success") == (who in ROLE_EXPECTED[action])


def test_invalid_input_is_422_on_both_sides(world, make_task, login_as, api_as):  # noqa: F811
    web_task, api_task = make_task(S.SUBMITTED), make_task(S.SUBMITTED)
    client = login_as(world.standing)
    assert client.post(f"/tasks/{web_task.id}/return", data={"comment": ""}).status_code == 422
    assert api_as(world.standing).post(f"tasks/{api_task.id}/return", json={"comment": " "}).status_code == 422


# -- private data ------------------------------------------------------------------------------------------------

def test_token_never_shows_another_persons_private_data(world, make_task, api_as, db):  # noqa: F811
    world.other_owner.email = "rieng.tu@example.vn"
    theirs = make_task(owner=world.other_owner, title="Việc riêng của người khác")
    theirs_submitted = make_task(S.SUBMITTED, owner=world.other_owner)
    mine = make_task(title="Việc của tôi")
    api = api_as(world.owner)

    for task in (theirs, theirs_submitted):
        for path in (f"tasks/{task.id}", f"tasks/{task.id}/history"):
            response = api.get(path)
            assert response.status_code in (403, 404)
            assert "Việc riêng" not in response.get_data(as_text=True)
        assert api.patch(f"tasks/{task.id}", json={"title": "X"}, headers={"If-Match": "*"}).status_code == 403
        for action in ("submit", "withdraw"):
            assert api.post(f"tasks/{task.id}/{action}").status_code == 403

    listed = api.get("tasks?per_page=100").get_json()
    assert [t["id"] for t in listed["items"]] == [mine.id] and listed["total"] == 1
    assert api.get(f"tasks?owner={world.other_owner.id}").get_json()["total"] == 0
    assert api.get("tasks?q=viec rieng").get_json()["total"] == 0
    assert api.get("tasks?state=submitted").get_json()["total"] == 0

    people = api.get("people?per_page=100").get_data(as_text=True)
    assert "rieng.tu@example.vn" not in people
    assert "rieng.tu@example.vn" not in api.get(f"people/{world.other_owner.id}").get_data(as_text=True)
    assert "password" not in people and "username" not in people
    me = api.get("me").get_json()
    assert me["id"] == world.owner.id and "password_hash" not in me


# -- progress, monitoring and the year-end review ------------------------------------------------------------------

#: action → the roles that may take it, tried on a subject in the right state
YEAR_ACTIONS = {"add_note": {"owner"}, "amend_note": {"owner"}, "assess": {"monitor"}, "acknowledge": {"owner"},
                "reply": {"owner"}, "self_assess": {"owner"}, "final_assess": {"monitor"},
                "verdict": {"standing"}, "reopen": {"standing"}, "carry_over": {"owner", "standing"}}


@pytest.fixture
def may_2026(frozen_now):
    """01/05/2026: a Q1 note's editing window has closed (it is amended), a Q2 note's is open (it is edited)."""
    frozen_now(datetime(2026, 5, 1, 3, tzinfo=timezone.utc))


@pytest.fixture
def subject(world, make_task, make_reviewed_task, make_year, levels, db):
    """``subject(action, right)``: a fresh object to act on, in a state that allows ``action`` (``right``) or
    not, as the ids the requests need."""
    next_year = make_year(world.year.year + 1)

    def note(task, quarter):
        return progress.add_progress_note(world.owner, task, quarter, {
            "work_done": "Đối thoại với 24 hộ", "status": "on_track", "values": {task.indicators[0].id: 20}})

    def assessment(acknowledged=False, replied=False):
        task = make_task(S.APPROVED)
        made = monitoring.add_assessment(world.monitor, task, Period.Q1, {
            "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"}, [
            {"content": "Báo cáo quỹ nhà", "addressee": "UBND phường", "reply_deadline": date(2026, 5, 20)}])
        if acknowledged:
            monitoring.acknowledge_assessment(world.owner, made)
        if replied:
            monitoring.reply_to_recommendation(world.owner, made.recommendations[0], "Đã báo cáo")
        return made

    def make(action: str, right: bool) -> dict:
        if action in ("add_note", "self_assess"):
            task = make_task(S.APPROVED if right else S.SUBMITTED)
            ids = {"task": task.id, "indicator": task.indicators[0].id}
        elif action == "amend_note":
            task = make_task(S.APPROVED)
            made = note(task, 1 if right else 2)
            ids = {"note": made.id, "indicator": task.indicators[0].id}
        elif action == "assess":
            ids = {"task": (make_task(S.APPROVED) if right else make_reviewed_task(stop_at="self_assessed")).id}
        elif action == "acknowledge":
            ids = {"assessment": assessment(acknowledged=not right).id}
        elif action == "reply":
            ids = {"recommendation": assessment(replied=not right).recommendations[0].id}
        elif action == "final_assess":
            ids = {"task": (make_reviewed_task(stop_at="self_assessed") if right else make_task(S.APPROVED)).id}
        elif action == "verdict":
            ids = {"task": make_reviewed_task(stop_at="final_assessed" if right else "self_assessed").id}
        elif action == "reopen":
            ids = {"task": (make_reviewed_task() if right else make_reviewed_task(stop_at="final_assessed")).id}
        else:
            ids = {"task": make_reviewed_task(level="partial" if right else "exceeded").id}
        db.session.commit()
        return {**ids, "year": next_year.id}

    return make


def web_year_outcome(client, action: str, ids: dict, levels) -> str:
    values = {f"values-{ids.get('indicator')}": "18"}
    posts = {
        "add_note": (f"/tasks/{ids.get('task')}/notes/new", {"quarter": "1", "work_done": "Đối thoại với 26 hộ",
                                                              "status": "on_track", **values}),
        "amend_note": (f"/notes/{ids.get('note')}/amend", {"reason": "Số liệu phường gửi lại", "status": "on_track",
                                                           "work_done": "Đối thoại với 26 hộ", **values}),
        "assess": (f"/tasks/{ids.get('task')}/assessments/new", {
            "period": "q1", "supervision_form": "delegation", "judgement": "late", "strengths": "Kiên trì",
            "recommendations-0-content": "Bố trí quỹ nhà", "recommendations-0-addressee": "UBND quận",
            "recommendations-0-reply_deadline": "30/06/2026"}),
        "acknowledge": (f"/assessments/{ids.get('assessment')}/acknowledge", {}),
        "reply": (f"/recommendations/{ids.get('recommendation')}/reply", {"reply": "Đã bố trí 12 căn hộ"}),
        "self_assess": (f"/tasks/{ids.get('task')}/self-assessment", {
            f"reached-{ids.get('indicator')}": "2", "deliverable": "Mặt bằng bàn giao một phần",
            "self_level_id": str(levels["on_time"].id), "shortcomings": "Còn 2 hộ", "lessons": "Đối thoại sớm"}),
        "final_assess": (f"/tasks/{ids.get('task')}/final-assessment", {
            "supervision_form": "delegation", "judgement": "late", "strengths": "Kiên trì vận động"}),
        "verdict": (f"/tasks/{ids.get('task')}/verdict", {
            "level_id": str(levels["on_time"].id), "percent": "", "reasons": "Hoàn thành đúng hạn",
            "commendation": "praise", "commendation_form": "Biểu dương", "measures": "", "conclusion_ref": ""}),
        "reopen": (f"/tasks/{ids.get('task')}/reopen", {"reason": "Phát hiện sai sót số liệu"}),
        "carry_over": (f"/tasks/{ids.get('task')}/carry-over", {"year_id": str(ids["year"]),
                                                                 "reason": "Còn 2 hộ chưa bàn giao"}),
    }
    path, data = posts[action]
    status = client.post(path, data=data).status_code
    return "success" if status == 302 else str(status)


def api_year_outcome(api, action: str, ids: dict, levels) -> str:
    values = {"values": {str(ids.get("indicator")): 18}}
    assessment = {"supervision_form": "delegation", "judgement": "late", "strengths": "Kiên trì"}
    posts = {
        "add_note": (f"tasks/{ids.get('task')}/notes", {"quarter": 1, "work_done": "Đối thoại với 26 hộ",
                                                         "status": "on_track", **values}),
        "amend_note": (f"notes/{ids.get('note')}/amendments", {"reason": "Số liệu phường gửi lại",
                                                               "work_done": "Đối thoại với 26 hộ", **values}),
        "assess": (f"tasks/{ids.get('task')}/assessments", {**assessment, "period": "q1", "recommendations": [
            {"content": "Bố trí quỹ nhà", "addressee": "UBND quận", "reply_deadline": "2026-06-30"}]}),
        "acknowledge": (f"assessments/{ids.get('assessment')}/acknowledge", None),
        "reply": (f"recommendations/{ids.get('recommendation')}/reply", {"reply": "Đã bố trí 12 căn hộ"}),
        "self_assess": (f"tasks/{ids.get('task')}/self-assessment", {
            "reached": {str(ids.get("indicator")): 2}, "deliverable": "Mặt bằng bàn giao một phần",
            "self_level_id": levels["on_time"].id, "shortcomings": "Còn 2 hộ", "lessons": "Đối thoại sớm"}),
        "final_assess": (f"tasks/{ids.get('task')}/assessments", {**assessment, "period": "final"}),
        "verdict": (f"tasks/{ids.get('task')}/verdict", {
            "level_id": levels["on_time"].id, "reasons": "Hoàn thành đúng hạn", "commendation": "praise",
            "commendation_form": "Biểu dương"}),
        "reopen": (f"tasks/{ids.get('task')}/reopen", {"reason": "Phát hiện sai sót số liệu"}),
        "carry_over": (f"tasks/{ids.get('task')}/carry-over", {"year_id": ids["year"],
                                                                "reason": "Còn 2 hộ chưa bàn giao"}),
    }
    path, body = posts[action]
    response = api.post(path, json=body)
    return "success" if 200 <= response.status_code < 300 else str(response.status_code)


YEAR_CASES = [(action, who, right) for action in YEAR_ACTIONS for who in ROLE_ACTORS for right in (True, False)]


@pytest.mark.parametrize("action,who,right", YEAR_CASES)
def test_api_and_pages_agree_on_progress_monitoring_and_review(may_2026, action, who, right, world, subject,
                                                                login_as, api_as,  # noqa: F811
                                                                levels):
    web_ids, api_ids = subject(action, right), subject(action, right)
    actor = getattr(world, who)
    api = api_as(actor)
    web = web_year_outcome(login_as(actor), action, web_ids, levels)
    through_api = api_year_outcome(api, action, api_ids, levels)
    state = "allowed" if right else "out-of-order"
    assert through_api == web, f"{action} by {who} ({state}): API {through_api}, page {web}"
    if right:
        assert (web == "success") == (who in YEAR_ACTIONS[action]), f"{action} by {who}: {web}"
    elif who in YEAR_ACTIONS[action]:
        assert web == "409", f"{action} by {who} out of order: {web}"


def test_invalid_notes_and_assessments_are_422_on_both_sides(may_2026, world, subject, login_as,
                                                             api_as, levels):  # noqa: F811
    for action, web_data, api_body in (
        ("add_note", {"quarter": "2", "work_done": "", "status": "on_track"},
         {"quarter": 2, "work_done": "", "status": "on_track"}),
        ("assess", {"period": "q1", "supervision_form": "delegation", "judgement": "late", "strengths": ""},
         {"period": "q1", "supervision_form": "delegation", "judgement": "late", "strengths": ""}),
    ):
        web_ids, api_ids = subject(action, True), subject(action, True)
        actor = world.owner if action == "add_note" else world.monitor
        web_path = {"add_note": f"/tasks/{web_ids['task']}/notes/new",
                    "assess": f"/tasks/{web_ids['task']}/assessments/new"}[action]
        api_path = {"add_note": f"tasks/{api_ids['task']}/notes",
                    "assess": f"tasks/{api_ids['task']}/assessments"}[action]
        assert login_as(actor).post(web_path, data=web_data).status_code == 422
        assert api_as(actor).post(api_path, json=api_body).status_code == 422
