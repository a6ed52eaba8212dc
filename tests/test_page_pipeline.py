"""The pages' one request pipeline (``blueprints.common.page_action``) on real routes: 404, the policy row's 403
and 409 messages, a refused input re-rendered (422) with what was typed and the message on its field, a success
flashed and redirected — and one commit for a request, none for a refusal."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from registry import policy
from registry.models import AuditEvent, Task, TaskState
from tests.test_task_pages import form_payload

S = TaskState


@contextmanager
def commits():
    """The commits made while the block runs, counted."""
    seen: list[int] = []

    def count(_session):
        seen.append(1)

    event.listen(Session, "after_commit", count)
    try:
        yield seen
    finally:
        event.remove(Session, "after_commit", count)


def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def events(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def message(app, text) -> str:
    """A (lazy) message as an English page writes it."""
    with app.test_request_context(), force_locale("en"):
        return str(escape(str(text)))


def test_a_missing_task_is_404_and_writes_nothing(world, login_as, db):
    standing = english(login_as(world.standing))
    before = events(db)
    with commits() as seen:
        response = standing.post("/tasks/999999/return", data={"comment": "Cần rõ sản phẩm"})
    assert response.status_code == 404
    assert not seen and events(db) == before


@pytest.mark.parametrize("state, who, status, said", [
    (S.SUBMITTED, "owner", 403, "denied"),       # the owner is not a decider of their own registration
    (S.APPROVED, "standing", 409, "conflict"),   # a decider, but the row's states refuse it
])
def test_a_refusal_of_the_policy_row_says_its_message_and_writes_nothing(app, world, login_as, make_task, db,
                                                                          state, who, status, said):
    task = make_task(state)
    client = english(login_as(getattr(world, who)))
    before = events(db)
    with commits() as seen:
        response = client.post(f"/tasks/{task.id}/return", data={"comment": "Cần rõ sản phẩm"})
    assert response.status_code == status
    assert message(app, getattr(policy.rule("return"), said)) in response.get_data(as_text=True)
    assert not seen and events(db) == before
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == state


def test_a_refused_input_is_rolled_back_and_shown_again_on_its_field(app, world, login_as, make_task, db):
    """The edit saves the registration, then its submission is refused (no commitment ticked): the saved change
    is rolled back too, the form comes back with what was typed and the service's message on the field."""
    task = make_task(S.DRAFT)
    client = english(login_as(world.owner))
    before, title = events(db), task.title
    payload = form_payload(world, title="Tiêu đề vừa gõ lại", action="submit")
    payload.pop("is_committed")
    with commits() as seen:
        response = client.post(f"/tasks/{task.id}/edit", data=payload)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Tiêu đề vừa gõ lại"' in page
    error = re.search(r'<p class="error" id="is_committed-error">([^<]*)</p>', page)
    assert error is not None and error.group(1) == message(app, "Tick the commitment before submitting.")
    assert not seen and events(db) == before
    db.session.expire_all()
    kept = db.session.get(Task, task.id)
    assert kept.title == title and kept.state == S.DRAFT


def test_the_form_s_own_errors_are_422_before_any_service_call(world, login_as, make_task, db):
    task = make_task(S.SUBMITTED)
    standing = english(login_as(world.standing))
    before = events(db)
    response = standing.post(f"/tasks/{task.id}/return", data={"comment": ""})
    assert response.status_code == 422
    assert 'id="comment-error"' in response.get_data(as_text=True)
    assert events(db) == before


def test_success_commits_once_flashes_and_redirects(app, world, login_as, make_task, db):
    task = make_task(S.SUBMITTED)
    standing = english(login_as(world.standing))
    before = events(db)
    with commits() as seen:
        response = standing.post(f"/tasks/{task.id}/return", data={"comment": "Cần rõ sản phẩm"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tasks/{task.id}")
    assert len(seen) == 1 and events(db) == before + 1
    page = standing.get(response.headers["Location"]).get_data(as_text=True)
    assert message(app, "Registration returned to its owner.") in page
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == S.RETURNED


def test_a_button_without_its_csrf_token_is_400(app, world, login_as, make_task, db):
    task = make_task(S.DRAFT)
    client = login_as(world.owner)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/tasks/{task.id}/withdraw", data={"reason": "Không còn phù hợp"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == S.DRAFT


def test_a_new_and_an_edit_page_share_one_view(app, world, login_as, db):
    """The secretariat's year pages: one pipeline, the row loaded only on the edit page (404 for another id)."""
    client = english(login_as(world.secretariat))
    assert client.get("/admin/years/new").status_code == 200
    assert client.get(f"/admin/years/{world.year.id}/edit").status_code == 200
    assert client.get("/admin/years/999999/edit").status_code == 404
    views = app.view_functions
    assert views["admin.year_new"] is views["admin.year_edit"]
