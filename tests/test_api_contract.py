"""The JSON API's contract, endpoint by endpoint: statuses, shapes, problem details, tokens, pagination, ETags.

The fixtures ``token_for`` and ``api_as`` are imported by the other ``test_api_*`` modules.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry import clock
from registry.models import ApiToken, AuditEvent, Role, Task, TaskState
from registry.services import tokens as token_service
from tests.conftest import task_input

S = TaskState
API = "/api/v1"
PROBLEM = "application/problem+json"


# -- fixtures --------------------------------------------------------------------------------------------------

class ApiClient:
    """The test client with a person's token on every request."""

    def __init__(self, client, token: str | None) -> None:
        self.client = client
        self.token = token

    def open(self, method: str, path: str, *, headers: dict | None = None, **kwargs):
        sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        sent.update(headers or {})
        return self.client.open(path if path.startswith("/") else f"{API}/{path}", method=method, headers=sent,
                                **kwargs)

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.open("POST", path, **kwargs)

    def patch(self, path: str, **kwargs):
        return self.open("PATCH", path, **kwargs)


@pytest.fixture
def token_for(db):
    """``token_for(person)``: a committed personal token (one per person, made through the service)."""
    made: dict[int, str] = {}

    def make(person) -> str:
        if person.id not in made:
            made[person.id] = token_service.create_token(person, "Kiểm thử")[1]
        db.session.commit()
        return made[person.id]

    return make


@pytest.fixture
def api_as(client, token_for):
    """``api_as(person)``: a client that sends ``person``'s token."""
    return lambda person: ApiClient(client, token_for(person))


def json_task(world, **overrides) -> dict:
    """A complete registration as API input (ISO dates)."""
    data = task_input(world.field, world.year, **overrides)
    data["deadline"] = data["deadline"].isoformat() if data.get("deadline") else data.get("deadline")
    data["milestones"] = [{**m, "due_on": m["due_on"].isoformat()} for m in data["milestones"]]
    return data


def assert_problem(response, status: int, *fields: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["type"] == "about:blank" and body["title"]
    for name in fields:
        assert name in body.get("errors", {}), body
    return body


# -- authentication -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["me", "tasks", "people", "org-units", "years", "fields", "tasks/1",
                                  "tasks/1/history"])
def test_every_endpoint_needs_a_token(path, client, world, db):
    db.session.commit()
    response = client.get(f"{API}/{path}")
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in body["detail"]


def test_session_cookie_is_not_enough(world, login_as):
    client = login_as(world.owner)
    assert client.get("/tasks/").status_code == 200  # signed in on the pages
    assert_problem(client.get(f"{API}/me"), 401)
    assert_problem(client.post(f"{API}/tasks", json={"year": world.year.year}), 401)


@pytest.mark.parametrize("header", ["Bearer vk_wrong", "Bearer ", "Basic b3duZXI6eA==", "vk_x", "Bearer x" * 50])
def test_bad_tokens_are_refused(header, client, world, token_for):
    token_for(world.owner)
    response = client.get(f"{API}/me", headers={"Authorization": header})
    assert_problem(response, 401)


def test_token_acts_as_its_person(api_as, world):
    response = api_as(world.owner).get("me")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers  # no session is opened for the API
    me = response.get_json()
    assert me == {"id": world.owner.id, "username": "owner", "full_name": "Trần Thị Chủ",
                  "position": "Ủy viên BCH", "email": None, "org_unit_id": world.unit.id, "roles": ["owner"],
                  "grants": [{"role": "owner", "unit_id": world.unit.id}], "is_active": True}


def test_revoked_token_and_deactivated_person_get_401(api_as, world, db, token_for):
    owner, standing = api_as(world.owner), api_as(world.standing)
    assert owner.get("me").status_code == 200
    token_service.revoke_token(world.owner, db.session.scalar(select(ApiToken).where(
        ApiToken.person_id == world.owner.id)))
    db.session.commit()
    assert_problem(owner.get("me"), 401)
    assert standing.get("me").status_code == 200
    world.standing.is_active_account = False
    db.session.commit()
    assert_problem(standing.get("me"), 401)


def test_token_use_is_noted(api_as, world, db):
    api_as(world.owner).get("me")
    db.session.expire_all()
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == world.owner.id))
    assert token.last_used_at is not None


def test_csrf_does_not_apply_to_the_api(api_as, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = api_as(world.owner).post("tasks", json={**json_task(world), "year": world.year.year})
    assert response.status_code == 201


# -- reference data ------------------------------------------------------------------------------------------

def test_reference_lists(api_as, world):
    api = api_as(world.inspector)
    units = api.get("org-units").get_json()
    assert units["total"] == 1 and units["items"][0]["name"] == "Phường Thụy Khuê"
    assert units["items"][0]["level"] == "commune"
    years = api.get("years").get_json()
    assert years["items"][0]["year"] == world.year.year
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", years["items"][0]["q1_deadline"])  # ISO 8601
    fields = api.get("fields").get_json()
    assert fields["items"][0]["name"] == "GPMB – tái định cư"
    assert api.get(f"fields/{world.field.id}").get_json()["name"] == "GPMB – tái định cư"
    assert api.get(f"org-units/{world.unit.id}").get_json()["code"] == world.unit.code
    assert api.get(f"years/{world.year.id}").get_json()["year"] == world.year.year
    for path in ("fields/999999", "org-units/999999", "years/999999", "people/999999", "people/0",
                 "people/99999999999"):
        assert_problem(api.get(path), 404)


def test_people_show_email_only_to_secretariat_and_self(api_as, world, db):
    world.other_owner.email = "khac@example.vn"
    world.owner.email = "chu@example.vn"
    db.session.commit()
    listed = {p["id"]: p for p in api_as(world.owner).get("people?per_page=100").get_json()["items"]}
    assert set(listed) == {world.owner.id}, "an owner's directory is themself only"
    assert listed[world.owner.id]["email"] == "chu@example.vn"
    assert_problem(api_as(world.owner).get(f"people/{world.other_owner.id}"), 404)
    by_standing = {p["id"]: p for p in api_as(world.standing).get("people?per_page=100").get_json()["items"]}
    assert "email" not in by_standing[world.other_owner.id]
    assert set(by_standing[world.other_owner.id]) == {"id", "full_name", "position", "org_unit_id", "roles",
                                                      "grants"}
    assert "khac@example.vn" not in api_as(world.standing).get("people?per_page=100").get_data(as_text=True)
    assert "email" not in api_as(world.standing).get(f"people/{world.other_owner.id}").get_json()
    secretariat = api_as(world.secretariat)
    assert secretariat.get(f"people/{world.other_owner.id}").get_json()["email"] == "khac@example.vn"
    assert by_standing[world.standing.id]["roles"] == ["owner", "standing"]


# -- task list -------------------------------------------------------------------------------------------------

def test_task_list_pagination_and_links(api_as, world, make_task, db):
    made = [make_task() for _ in range(7)]
    api = api_as(world.owner)
    first = api.get("tasks?per_page=3").get_json()
    assert first["total"] == 7 and first["pages"] == 3 and first["page"] == 1 and first["per_page"] == 3
    assert [t["id"] for t in first["items"]] == [t.id for t in reversed(made)][:3]  # newest first
    assert first["links"]["prev"] is None
    second = api.get(first["links"]["next"]).get_json()
    assert [t["id"] for t in second["items"]] == [t.id for t in reversed(made)][3:6]
    last = api.get(second["links"]["next"]).get_json()
    assert len(last["items"]) == 1 and last["links"]["next"] is None
    assert api.get(last["links"]["prev"]).get_json() == second
    default = api.get("tasks").get_json()
    assert default["per_page"] == 5 and default["pages"] == 2  # the site's PAGE_SIZE
    beyond = api.get("tasks?page=9").get_json()
    assert beyond["items"] == [] and beyond["total"] == 7 and beyond["links"]["next"] is None
    assert_problem(api.get("tasks?per_page=101"), 422, "per_page")
    assert_problem(api.get("tasks?page=0"), 422, "page")


def test_task_list_filters_keep_in_links(api_as, world, make_task, make_field):
    other_field = make_field("Chuyển đổi số")
    for _ in range(3):
        make_task(S.SUBMITTED)
    make_task(S.DRAFT)
    make_task(field_id=other_field.id)
    api = api_as(world.standing)
    page = api.get(f"tasks?state=submitted&per_page=2&year={world.year.year}").get_json()
    assert page["total"] == 3 and {t["state"] for t in page["items"]} == {"submitted"}
    assert "state=submitted" in page["links"]["next"] and "per_page=2" in page["links"]["next"]
    assert api.get(f"tasks?field={other_field.id}").get_json()["total"] == 1
    assert api.get(f"tasks?unit={world.unit.id}&kind=hard").get_json()["total"] == 5
    assert api.get(f"tasks?owner={world.owner.id}").get_json()["total"] == 5
    assert api.get(f"tasks?owner={world.other_owner.id}").get_json()["total"] == 0
    assert api.get(f"tasks?year={world.year.year + 1}").get_json()["total"] == 0
    assert_problem(api.get("tasks?state=nonsense"), 422, "state")
    assert_problem(api.get("tasks?unit=abc"), 422, "unit")
    assert_problem(api.get("tasks?stat=submitted"), 422, "stat")  # a misspelt filter is not ignored


def test_owner_lists_only_own_and_monitor_only_assigned(api_as, world, make_task):
    mine = make_task(S.APPROVED)
    make_task(S.SUBMITTED, owner=world.other_owner)
    owner_ids = {t["id"] for t in api_as(world.owner).get("tasks").get_json()["items"]}
    assert owner_ids == {mine.id}
    assert {t["id"] for t in api_as(world.monitor).get("tasks").get_json()["items"]} == {mine.id}
    assert api_as(world.other_monitor).get("tasks").get_json()["total"] == 0
    assert api_as(world.inspector).get("tasks").get_json()["total"] == 2


# -- task detail and history ---------------------------------------------------------------------------------------

def test_task_detail_shape_and_etag(api_as, world, make_task):
    task = make_task(S.APPROVED)
    response = api_as(world.owner).get(f"tasks/{task.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == task.id and body["code"] == f"{world.year.year}-{task.id:06d}"
    assert body["state"] == "approved" and body["year"] == world.year.year and body["kind"] == "hard"
    assert body["owner"] == {"id": world.owner.id, "full_name": "Trần Thị Chủ"}
    assert body["monitor_id"] == world.monitor.id and body["decision_ref"] == "12-QĐ/ĐU"
    assert body["indicators"] == [{"name": "Hộ chưa đồng thuận", "unit": "hộ", "baseline": 44.0, "target": 0.0}]
    assert body["milestones"] == [{"description": "Hoàn thành đối thoại", "due_on": f"{world.year.year}-06-30"}]
    assert body["adjustments"] == []
    assert body["decision_date"] == clock.today().isoformat()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00", body["submitted_at"])
    assert response.headers["ETag"].startswith(f'"{body["version"]}-')


def test_task_history(api_as, world, make_task):
    task = make_task(S.APPROVED)
    events = api_as(world.inspector).get(f"tasks/{task.id}/history").get_json()["items"]
    assert [e["action"] for e in events] == ["task.create", "task.submit", "task.approve"]
    assert events[0]["actor"] == {"id": world.owner.id, "full_name": "Trần Thị Chủ"}
    assert events[2]["after"]["monitor_id"] == world.monitor.id
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


@pytest.mark.parametrize("who,status", [("owner", 200), ("other_owner", 403), ("monitor", 403),
                                        ("standing", 200), ("secretariat", 200), ("inspector", 200)])
def test_task_visibility(who, status, api_as, world, make_task):
    task = make_task(S.SUBMITTED)
    api = api_as(getattr(world, who))
    for path in (f"tasks/{task.id}", f"tasks/{task.id}/history"):
        response = api.get(path)
        assert response.status_code == status
        if status == 403:
            assert_problem(response, 403)


def test_unknown_task_url_and_method(api_as, world):
    api = api_as(world.standing)
    assert_problem(api.get("tasks/999999"), 404)
    assert_problem(api.get("tasks/99999999999"), 404)
    assert_problem(api.get("no-such-thing"), 404)
    assert_problem(api.post("tasks/999999/approve", json={}), 404)
    response = api.open("DELETE", "tasks")
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_unknown_url_without_token_is_a_problem_not_a_sign_in_page(client, world):
    assert_problem(client.get(f"{API}/nowhere"), 404)
    assert_problem(client.put(f"{API}/me"), 405)


# -- creating and editing -------------------------------------------------------------------------------------------

def test_create_draft(api_as, world, db):
    response = api_as(world.owner).post("tasks", json={**json_task(world), "year": world.year.year})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "draft" and body["owner"]["id"] == world.owner.id
    assert response.headers["Location"].endswith(f"/api/v1/tasks/{body['id']}")
    assert response.headers["ETag"]
    task = db.session.get(Task, body["id"])
    assert task.title == "Giải phóng mặt bằng dự án mương Thụy Khuê"
    assert task.deadline == date(world.year.year, 11, 30)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.task_id == task.id)).all()
    assert actions == ["task.create"]


def test_create_refusals(api_as, world, make_year, db):
    owner = api_as(world.owner)
    base = {**json_task(world), "year": world.year.year}
    body = assert_problem(owner.post("tasks", json={**base, "state": "approved", "owner_id": 1}), 422,
                          "state", "owner_id")
    assert body["errors"]["state"] == ["Unknown field."]
    assert_problem(owner.post("tasks", json={**base, "title": "", "deadline": f"{world.year.year + 1}-01-01"}),
                   422, "title", "deadline")
    bad_rows = {**base, "indicators": [{"name": "Diện tích", "unit": "ha", "baseline": "x", "target": None},
                                      {"name": "", "unit": "", "bogus": 1}]}
    assert_problem(owner.post("tasks", json=bad_rows), 422, "indicators.0.baseline", "indicators.1.bogus")
    service_rows = {**base, "indicators": [{"name": "Diện tích", "unit": "ha", "target": None}]}
    assert_problem(owner.post("tasks", json=service_rows), 422, "indicators.0.target")
    assert_problem(owner.post("tasks", json={**base, "year": 1999}), 422, "year")
    assert_problem(owner.post("tasks", json={**base, "kind": "easy"}), 422, "kind")
    assert_problem(owner.post("tasks", json={**base, "title": "a\x00b"}), 422, "title")
    assert_problem(owner.post("tasks", json=[1, 2]), 422)
    closed = make_year(world.year.year + 1, is_open=False)
    db.session.commit()
    body = assert_problem(owner.post("tasks", json={**base, "year": closed.year, "deadline": None,
                                                    "milestones": []}), 409)
    assert str(closed.year) in body["detail"]
    assert_problem(api_as(world.monitor).post("tasks", json=base), 403)
    assert_problem(api_as(world.secretariat).post("tasks", json=base), 403)
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0


def test_malformed_json_is_400(api_as, world):
    response = api_as(world.owner).post("tasks", data="{not json", headers={"Content-Type": "application/json"})
    assert_problem(response, 400)


def test_too_large_is_413(api_as, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = api_as(world.owner).post("tasks", json={**json_task(world), "year": world.year.year,
                                                       "situation": "x" * 5000})
    assert_problem(response, 413)


def test_patch_needs_if_match_and_refuses_stale(api_as, world, make_task, db):
    task = make_task()
    api = api_as(world.owner)
    etag = api.get(f"tasks/{task.id}").headers["ETag"]
    assert_problem(api.patch(f"tasks/{task.id}", json={"title": "Mới"}), 428)
    ok = api.patch(f"tasks/{task.id}", json={"title": "Tiêu đề mới"}, headers={"If-Match": etag})
    assert ok.status_code == 200 and ok.get_json()["title"] == "Tiêu đề mới"
    assert ok.get_json()["goal"] == "Vận động 100% hộ dân bàn giao mặt bằng."  # untouched fields kept
    assert ok.headers["ETag"] != etag
    assert_problem(api.patch(f"tasks/{task.id}", json={"title": "Lại"}, headers={"If-Match": etag}), 412)
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "Tiêu đề mới"
    star = api.patch(f"tasks/{task.id}", json={"title": "Sao"}, headers={"If-Match": "*"})
    assert star.status_code == 200


def test_etag_changes_when_only_rows_change(api_as, world, make_task):
    task = make_task()
    api = api_as(world.owner)
    etag = api.get(f"tasks/{task.id}").headers["ETag"]
    rows = [{"name": "Diện tích", "unit": "m²", "baseline": 0, "target": 120}]
    changed = api.patch(f"tasks/{task.id}", json={"indicators": rows}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["indicators"][0]["target"] == 120
    assert changed.headers["ETag"] != etag
    assert_problem(api.patch(f"tasks/{task.id}", json={"indicators": []}, headers={"If-Match": etag}), 412)


def test_patch_refusals(api_as, world, make_task):
    draft, submitted = make_task(), make_task(S.SUBMITTED)
    owner = api_as(world.owner)
    etag = owner.get(f"tasks/{draft.id}").headers["ETag"]
    assert_problem(owner.patch(f"tasks/{draft.id}", json={"state": "approved"}, headers={"If-Match": etag}),
                   422, "state")
    assert_problem(owner.patch(f"tasks/{draft.id}", json={"title": "  "}, headers={"If-Match": etag}),
                   422, "title")
    assert_problem(api_as(world.other_owner).patch(f"tasks/{draft.id}", json={"title": "X"},
                                                   headers={"If-Match": etag}), 403)
    assert_problem(api_as(world.standing).patch(f"tasks/{draft.id}", json={"title": "X"},
                                                headers={"If-Match": etag}), 403)
    sub_etag = owner.get(f"tasks/{submitted.id}").headers["ETag"]
    assert_problem(owner.patch(f"tasks/{submitted.id}", json={"title": "X"}, headers={"If-Match": sub_etag}),
                   409)
    assert_problem(owner.patch("tasks/999999", json={"title": "X"}, headers={"If-Match": etag}), 404)


# -- the workflow ----------------------------------------------------------------------------------------------------

def test_full_workflow_through_the_api(api_as, world, db):
    owner, standing = api_as(world.owner), api_as(world.standing)
    created = owner.post("tasks", json={**json_task(world), "year": world.year.year}).get_json()
    path = f"tasks/{created['id']}"
    submitted = owner.post(f"{path}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"
    assert_problem(owner.post(f"{path}/submit"), 409)
    assert_problem(owner.post(f"{path}/approve", json={}), 403)
    adjusted = standing.post(f"{path}/adjust", json={"reason": "Phù hợp thực tế", "title": "Tiêu đề điều chỉnh"})
    assert adjusted.status_code == 200
    adjustment = adjusted.get_json()["adjustments"][0]
    assert adjustment["reason"] == "Phù hợp thực tế" and adjustment["changes"]["title"]["after"] == \
        "Tiêu đề điều chỉnh"
    returned = standing.post(f"{path}/return", json={"comment": "Bổ sung chỉ tiêu"})
    assert returned.get_json()["state"] == "returned" and returned.get_json()["return_comment"] == \
        "Bổ sung chỉ tiêu"
    assert owner.post(f"{path}/submit").status_code == 200
    missing = assert_problem(standing.post(f"{path}/approve", json={}), 422, "decision_ref", "decision_date",
                             "monitor_id")
    assert missing["detail"]
    approved = standing.post(f"{path}/approve", json={"decision_ref": "30-QĐ/QU",
                                                      "decision_date": clock.today().isoformat(),
                                                      "monitor_id": world.monitor.id})
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"
    assert_problem(owner.post(f"{path}/withdraw", json={"reason": "Muộn"}), 409)
    moved = standing.post(f"{path}/assign-monitor", json={"monitor_id": world.other_monitor.id})
    assert moved.get_json()["monitor_id"] == world.other_monitor.id
    assert_problem(standing.post(f"{path}/assign-monitor", json={"monitor_id": world.owner.id}), 422,
                   "monitor_id")
    history = [e["action"] for e in owner.get(f"{path}/history").get_json()["items"]]
    assert history == ["task.create", "task.submit", "task.adjust", "task.return", "task.submit",
                       "task.approve", "task.assign_monitor"]


def test_withdraw_with_and_without_body(api_as, world, make_task):
    first, second = make_task(), make_task(S.SUBMITTED)
    owner = api_as(world.owner)
    response = owner.post(f"tasks/{first.id}/withdraw")
    assert response.status_code == 200 and response.get_json()["state"] == "withdrawn"
    response = owner.post(f"tasks/{second.id}/withdraw", json={"reason": "Không còn phù hợp"})
    assert response.get_json()["withdrawn_reason"] == "Không còn phù hợp"
    assert_problem(owner.post(f"tasks/{second.id}/withdraw", json={"why": "x"}), 422, "why")


def test_actions_check_if_match_when_given(api_as, world, make_task):
    task = make_task()
    owner = api_as(world.owner)
    etag = owner.get(f"tasks/{task.id}").headers["ETag"]
    assert_problem(owner.post(f"tasks/{task.id}/submit", headers={"If-Match": '"1-stale"'}), 412)
    response = owner.post(f"tasks/{task.id}/submit", headers={"If-Match": etag})
    assert response.status_code == 200


def test_forbidden_action_comes_before_a_stale_precondition(api_as, world, make_task):
    task = make_task(S.SUBMITTED)
    assert_problem(api_as(world.inspector).post(f"tasks/{task.id}/return", json={"comment": "x"},
                                                headers={"If-Match": '"0-stale"'}), 403)


# -- language and text -------------------------------------------------------------------------------------------------

def test_vietnamese_text_round_trips(api_as, world):
    title = "Giải quyết dứt điểm 44 hộ — “đồng thuận” ở phường Thụy Khuê; ký tự: ắ ẵ ỹ đ Đ ơ ư ₫ 😀"
    owner = api_as(world.owner)
    created = owner.post("tasks", json={**json_task(world), "year": world.year.year, "title": title,
                                        "locality": "Ba Đình, Hà Nội"})
    assert created.status_code == 201
    fetched = owner.get(f"tasks/{created.get_json()['id']}")
    assert fetched.get_json()["title"] == title and fetched.get_json()["locality"] == "Ba Đình, Hà Nội"
    assert fetched.get_data().decode("utf-8")  # valid UTF-8 JSON either way (escaped or not)
    listed = owner.get("tasks?q=dut diem").get_json()  # diacritics ignored
    assert [t["title"] for t in listed["items"]] == [title]


def test_messages_follow_accept_language(api_as, world, make_task):
    task = make_task(S.SUBMITTED)
    owner = api_as(world.owner)
    vi = assert_problem(owner.post(f"tasks/{task.id}/submit"), 409)["detail"]
    en = assert_problem(owner.post(f"tasks/{task.id}/submit", headers={"Accept-Language": "en"}), 409)["detail"]
    assert en == "Only a draft or returned registration can be submitted."
    assert vi != en


# -- the OpenAPI document and the docs page ---------------------------------------------------------------------------

def test_openapi_document(client, world, db):
    db.session.commit()
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.") and spec["info"]["version"] == "v1"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    paths = spec["paths"]
    for path in ("/api/v1/tasks", "/api/v1/tasks/{task_id}", "/api/v1/tasks/{task_id}/submit",
                 "/api/v1/tasks/{task_id}/withdraw", "/api/v1/tasks/{task_id}/approve",
                 "/api/v1/tasks/{task_id}/return", "/api/v1/tasks/{task_id}/adjust",
                 "/api/v1/tasks/{task_id}/assign-monitor", "/api/v1/tasks/{task_id}/history", "/api/v1/me",
                 "/api/v1/people", "/api/v1/org-units", "/api/v1/years", "/api/v1/fields"):
        assert path in paths, path
    patch = paths["/api/v1/tasks/{task_id}"]["patch"]
    assert {"412", "428", "422", "401"} <= set(patch["responses"])
    problem = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert list(problem) == [PROBLEM]


def test_docs_page_is_served_locally(client, world, db):
    db.session.commit()
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    hosts = re.findall(r"https?://[^\s\"'<>]+", html)
    assert hosts == [], f"the docs page names outside hosts: {hosts}"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets)
    for asset in assets:
        with client.get(asset) as served:  # files are streamed: close them
            assert served.status_code == 200, asset
    with client.get(f"{API}/docs/assets/swagger-ui-bundle.js") as bundle:
        assert "SwaggerUIBundle" in bundle.get_data(as_text=True)
    script = client.get(f"{API}/docs/init.js").get_data(as_text=True)
    assert "validatorUrl: null" in script and "http" not in script


# -- tokens on the profile page and the command line -------------------------------------------------------------------

def test_profile_creates_lists_and_revokes_tokens(world, login_as, db, client):
    client = login_as(world.owner)
    page = client.get("/profile").get_data(as_text=True)
    assert 'action="/profile/tokens"' in page
    created = client.post("/profile/tokens", data={"name": "Báo cáo tự động"})
    assert created.status_code == 200 and "no-store" in created.headers.get("Cache-Control")
    html = created.get_data(as_text=True)
    plaintext = re.search(r"(vk_[A-Za-z0-9_-]{40,})", html).group(1)
    assert "Báo cáo tự động" in html
    assert ApiClient(client, plaintext).get("me").get_json()["id"] == world.owner.id
    again = client.get("/profile").get_data(as_text=True)
    assert plaintext not in again and "Báo cáo tự động" in again  # shown once
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == world.owner.id))
    assert token.token_hash == token_service.hash_token(plaintext) and plaintext not in token.token_hash
    revoked = client.post(f"/profile/tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    assert_problem(ApiClient(client, plaintext).get("me"), 401)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "api_token")).all()
    assert actions == ["api_token.create", "api_token.revoke"]


def test_profile_token_name_is_required(world, login_as, db):
    client = login_as(world.owner)
    response = client.post("/profile/tokens", data={"name": " "})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_cannot_revoke_someone_elses_token(world, login_as, db):
    token, _plain = token_service.create_token(world.other_owner, "Của người khác")
    client = login_as(world.owner)
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 403
    assert client.post("/profile/tokens/999999/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_secretariat_may_revoke_any_token(world, db):
    token, _plain = token_service.create_token(world.owner, "Máy chủ báo cáo")
    token_service.revoke_token(world.secretariat, token)
    assert token.revoked_at is not None
    with pytest.raises(Exception):
        token_service.create_token(world.secretariat, "Giả danh", owner=world.owner)


def test_cli_token_create(app, world, db):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["token", "create", "owner", "--name", "Đồng bộ"])
    assert result.exit_code == 0, result.output
    plaintext = re.search(r"(vk_\S+)", result.output).group(1)
    db.session.expire_all()
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == world.owner.id))
    assert token.name == "Đồng bộ" and token.token_hash == token_service.hash_token(plaintext)
    missing = app.test_cli_runner().invoke(args=["token", "create", "nobody"])
    assert missing.exit_code != 0
    world.other_owner.is_active_account = False
    db.session.commit()
    inactive = app.test_cli_runner().invoke(args=["token", "create", "other"])
    assert inactive.exit_code != 0


def test_token_last_used_is_touched_at_most_once_a_minute(world, db, frozen_now):
    _token, plaintext = token_service.create_token(world.owner, "x")
    start = clock.now()
    assert token_service.authenticate_token(plaintext) == world.owner
    frozen_now(start + timedelta(seconds=30))
    token_service.authenticate_token(plaintext)
    assert _token.last_used_at == start
    frozen_now(start + timedelta(minutes=2))
    token_service.authenticate_token(plaintext)
    assert _token.last_used_at == start + timedelta(minutes=2)
    assert token_service.authenticate_token(None) is None
    assert token_service.authenticate_token("vk_" + "a" * 300) is None


def test_roles_are_public(api_as, world):
    cards = api_as(world.inspector).get("people?per_page=100").get_json()["items"]
    assert {tuple(c["roles"]) for c in cards} >= {("monitor",), ("secretariat",), ("inspector",)}
    assert all(Role(r) for c in cards for r in c["roles"])
