"""The API and the pages keep the same rules: for every workflow action, role and starting state, the outcome
through the API has the same class as through the web form (success, 403, 409 or 422), each built from a fresh
task in the same state. And a token never shows one person's private data to another.
"""

from __future__ import annotations

import pytest

from registry import clock
from registry.models import TaskState
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
