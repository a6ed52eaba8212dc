"""Parts of pages kept rendered until the trail moves (``registry.blueprints.common.kept_html``), shown on the task
page: laid out once per reader, language and task; each of a reader's sessions gets its own CSRF token in the
kept forms, and a form posted from a kept page is accepted; another reader, and a change, lay it out again."""

from __future__ import annotations

import re

import pytest
from registry.blueprints.common import _TOKEN_MARK
from registry.models import Task, TaskState
from tests.conftest import login

S = TaskState
pytestmark = pytest.mark.db
BODY = "tasks/_show_body.html"


def tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)) | \
        set(re.findall(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html))


def main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_task_page_is_laid_out_once_per_reader_and_follows_a_change(app, world, make_task, login_as, laid_out,
                                                                        db):
    task = make_task(S.SUBMITTED, title="Giải phóng mặt bằng khu A")
    owner = login_as(world.owner)
    first = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    again = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert laid_out.count(BODY) == 1 and laid_out.count("tasks/show.html") == 2
    assert re.sub(r'value="[^"]{40,}"', "", main(again)) == re.sub(r'value="[^"]{40,}"', "", main(first))
    assert "Giải phóng mặt bằng khu A" in main(again)

    standing = login_as(world.standing).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert laid_out.count(BODY) == 2  # another reader: their own buttons
    assert f'action="/tasks/{task.id}/approve"' in standing or f"/tasks/{task.id}/decide" in standing

    owner = login_as(world.owner)
    owner.post(f"/tasks/{task.id}/withdraw", data={"reason": "Không còn phù hợp"})  # audited: the trail moves
    moved = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert laid_out.count(BODY) == 3  # laid out again
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == S.WITHDRAWN
    assert "Không còn phù hợp" in main(moved)


def test_each_session_gets_its_own_token_and_a_kept_form_posts(app, world, make_task, laid_out, db):
    task = make_task(S.DRAFT, title="Việc còn nháp")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        first, second = app.test_client(), app.test_client()
        login(first, world.owner)
        login(second, world.owner)
        response = first.get(f"/tasks/{task.id}")
        assert response.status_code == 200, response.headers.get("Location")
        one = response.get_data(as_text=True)
        two = second.get(f"/tasks/{task.id}").get_data(as_text=True)
        assert laid_out.count(BODY) == 1  # the second session was served the kept part
        assert tokens(main(one)) and tokens(main(two)) and tokens(main(one)).isdisjoint(tokens(main(two)))
        for html in (one, two):
            assert len(tokens(html)) == 1  # the header's forms and the kept ones carry the request's token
            assert _TOKEN_MARK not in html
        token = tokens(main(two)).pop()
        response = second.post(f"/tasks/{task.id}/withdraw", data={"csrf_token": token, "reason": "Trùng việc khác"})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == S.WITHDRAWN
