"""Task pages through the test client: status and key content per page, forms, errors, permissions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from registry import clock, create_app
from registry.models import AuditEvent, Task, TaskState
from tests.conftest import PASSWORD
from tests.helpers import count_queries

S = TaskState


def form_payload(world, **overrides):
    year = world.year.year
    data = {
        "year_id": world.year.id, "owner_unit_id": 0, "kind": "hard", "field_id": world.field.id,
        "title": "Thu hồi 120 m² đất tại số 18 Tam Đa", "situation": "Vụ việc kéo dài 20 năm",
        "goal": "Thu hồi đất xây nhà văn hóa", "deliverable": "120 m² đất bàn giao",
        "measures": "Vận động, đối thoại", "deadline": f"30/06/{year}", "authority": "own",
        "indicators-0-name": "Diện tích thu hồi", "indicators-0-unit": "m²",
        "indicators-0-baseline": "0", "indicators-0-target": "120",
        "indicators-1-name": "Hộ đồng thuận", "indicators-1-unit": "hộ",
        "indicators-1-baseline": "0", "indicators-1-target": "3",
        "milestones-0-description": "Hoàn thành đối thoại", "milestones-0-due_on": f"15/03/{year}",
        "is_committed": "y",
    }
    data.update(overrides)
    return data


# -- every page, every role ---------------------------------------------------------------------------------

PAGES = [
    ("/", {"owner": 200, "monitor": 200, "standing": 200, "secretariat": 200, "inspector": 200}),
    ("/tasks/", {"owner": 200, "monitor": 200, "standing": 200, "secretariat": 200, "inspector": 200}),
    ("/tasks/queue", {"owner": 403, "monitor": 403, "standing": 200, "secretariat": 403, "inspector": 403}),
    ("/tasks/new", {"owner": 200, "monitor": 403, "standing": 200, "secretariat": 403, "inspector": 403}),
    ("/profile", {"owner": 200, "monitor": 200, "standing": 200, "secretariat": 200, "inspector": 200}),
    ("/tasks/{submitted}", {"owner": 200, "other_owner": 403, "monitor": 403, "standing": 200,
                            "secretariat": 200, "inspector": 200}),
    ("/tasks/{approved}", {"owner": 200, "other_owner": 403, "monitor": 200, "other_monitor": 403,
                           "standing": 200, "secretariat": 200, "inspector": 200}),
    ("/tasks/{draft}/edit", {"owner": 200, "other_owner": 403, "standing": 403, "secretariat": 403}),
    ("/tasks/{submitted}/edit", {"owner": 409}),
    ("/tasks/{approved}/edit", {"owner": 409}),
    ("/tasks/{submitted}/decide", {"owner": 403, "monitor": 403, "standing": 200, "standing2": 200,
                                   "secretariat": 403, "inspector": 403}),
    ("/tasks/{withdrawn}/decide", {"standing": 409}),
    ("/tasks/{submitted}/adjust", {"owner": 403, "standing": 200}),
    ("/tasks/{approved}/monitor", {"standing": 200, "owner": 403, "inspector": 403}),
    ("/tasks/999999", {"standing": 404}),
]
CASES = [(url, who, status) for url, expected in PAGES for who, status in expected.items()]


@pytest.mark.parametrize("url,who,status", CASES)
def test_page_access(url, who, status, world, make_task, login_as):
    tasks = {s.value: make_task(s) for s in (S.DRAFT, S.SUBMITTED, S.APPROVED, S.WITHDRAWN)}
    client = login_as(getattr(world, who))
    response = client.get(url.format(**{k: t.id for k, t in tasks.items()}))
    assert response.status_code == status


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/tasks/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pages_show_key_content(world, make_task, login_as):
    task = make_task(S.APPROVED)
    client = login_as(world.owner)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert task.title in page and "12-QĐ/ĐU" in page and world.monitor.full_name in page
    assert "Hộ chưa đồng thuận" in page and "44" in page
    assert clock.today().strftime("%d/%m/%Y") in page  # dates read dd/mm/yyyy
    home = client.get("/").get_data(as_text=True)
    assert task.title in home


# -- sign-in -------------------------------------------------------------------------------------------------

def test_login_logout(client, world, db):
    db.session.commit()
    bad = client.post("/login", data={"username": "owner", "password": "wrong"})
    assert bad.status_code == 401 and "owner" in bad.get_data(as_text=True)  # the username is kept
    ok = client.post("/login", data={"username": "owner", "password": PASSWORD})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_login_refuses_deactivated_account(client, world, db):
    world.owner.is_active_account = False
    db.session.commit()
    response = client.post("/login", data={"username": "owner", "password": PASSWORD})
    assert response.status_code == 401


def test_login_ignores_foreign_next(client, world, db):
    db.session.commit()
    response = client.post("/login?next=https://evil.example/", data={"username": "owner", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_change_own_password(world, login_as, db):
    client = login_as(world.owner)
    wrong = client.post("/profile", data={"current_password": "nope", "new_password": "newpass123",
                                          "confirm": "newpass123"})
    assert wrong.status_code == 422
    ok = client.post("/profile", data={"current_password": PASSWORD, "new_password": "newpass123",
                                       "confirm": "newpass123"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert world.owner.check_password("newpass123")


def test_language_switch(world, login_as):
    client = login_as(world.owner)
    client.post("/language/en")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    client.post("/language/vi")
    assert 'lang="vi"' in client.get("/").get_data(as_text=True)


# -- registration form ---------------------------------------------------------------------------------------

def test_register_with_two_indicators_and_submit(world, login_as, db):
    client = login_as(world.owner)
    response = client.post("/tasks/new", data={**form_payload(world), "action": "submit"})
    assert response.status_code == 302
    task = db.session.scalar(select(Task).order_by(Task.id.desc()))
    assert task.state == S.SUBMITTED and len(task.indicators) == 2 and task.indicators[1].target == 3
    assert task.milestones[0].due_on == date(world.year.year, 3, 15)
    assert task.owner_id == world.owner.id


def test_rejected_form_keeps_input_and_names_fields(world, login_as, db):
    client = login_as(world.owner)
    response = client.post("/tasks/new", data=form_payload(
        world, title="", deadline="31/02/2026", **{"indicators-1-target": "nhiều"}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Diện tích thu hồi" in page and "nhiều" in page  # input kept
    assert 'id="title-error"' in page and 'id="deadline-error"' in page
    assert db.session.scalar(select(Task)) is None  # nothing half-written


def test_service_row_error_lands_on_the_row(world, login_as, db):
    client = login_as(world.owner)
    response = client.post("/tasks/new", data=form_payload(world, **{"indicators-1-target": "nhiều"}))
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Task)) is None


def test_submit_incomplete_draft_shows_what_is_missing(world, login_as, db, make_task):
    task = make_task(S.DRAFT, is_committed=False)
    client = login_as(world.owner)
    response = client.post(f"/tasks/{task.id}/submit")
    assert response.status_code == 302 and f"/tasks/{task.id}/edit" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == S.DRAFT


def test_edit_returned_and_resubmit(world, login_as, make_task, db):
    task = make_task(S.RETURNED)
    client = login_as(world.owner)
    page = client.get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    assert "Bổ sung chỉ tiêu" in page  # the Standing Committee's comment is shown
    response = client.post(f"/tasks/{task.id}/edit", data={**form_payload(world), "action": "submit"})
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.state == S.SUBMITTED and task.title == "Thu hồi 120 m² đất tại số 18 Tam Đa"


# -- decisions -----------------------------------------------------------------------------------------------

def test_approve_through_the_page(world, login_as, make_task, db):
    task = make_task(S.SUBMITTED)
    client = login_as(world.standing)
    response = client.post(f"/tasks/{task.id}/approve", data={
        "decision_ref": "25-QĐ/QU", "decision_date": clock.today().strftime("%d/%m/%Y"),
        "monitor_id": world.monitor.id})
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.state == S.APPROVED and task.monitor_id == world.monitor.id and task.approved_by_id == world.standing.id


def test_approve_form_errors(world, login_as, make_task):
    task = make_task(S.SUBMITTED)
    client = login_as(world.standing)
    response = client.post(f"/tasks/{task.id}/approve", data={"decision_ref": "", "decision_date": "hôm qua",
                                                              "monitor_id": 0})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="decision_ref-error"' in page and 'id="decision_date-error"' in page and 'id="monitor_id-error"' in page


@pytest.mark.parametrize("state,url,who,status", [
    (S.WITHDRAWN, "approve", "standing", 409),
    (S.APPROVED, "approve", "standing", 409),
    (S.APPROVED, "return", "standing", 409),
    (S.DRAFT, "return", "standing", 409),
    (S.SUBMITTED, "approve", "owner", 403),
    (S.SUBMITTED, "return", "monitor", 403),
    (S.SUBMITTED, "approve", "inspector", 403),
    (S.APPROVED, "withdraw", "owner", 409),
    (S.SUBMITTED, "withdraw", "other_owner", 403),
    (S.APPROVED, "submit", "owner", 409),
])
def test_out_of_order_and_forbidden_actions(state, url, who, status, world, login_as, make_task):
    task = make_task(state)
    client = login_as(getattr(world, who))
    response = client.post(f"/tasks/{task.id}/{url}", data={
        "decision_ref": "1-QĐ/QU", "decision_date": clock.today().strftime("%d/%m/%Y"),
        "monitor_id": world.monitor.id, "comment": "x"})
    assert response.status_code == status
    assert "error-message" in response.get_data(as_text=True)


def test_return_then_history_shows_comment(world, login_as, make_task, db):
    task = make_task(S.SUBMITTED)
    client = login_as(world.standing)
    assert client.post(f"/tasks/{task.id}/return", data={"comment": ""}).status_code == 422
    assert client.post(f"/tasks/{task.id}/return", data={"comment": "Cần rõ sản phẩm"}).status_code == 302
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Cần rõ sản phẩm" in page


def test_adjust_through_the_page_shows_both_versions(world, login_as, make_task, db):
    task = make_task(S.SUBMITTED)
    client = login_as(world.standing)
    payload = form_payload(world, title="Giải phóng mặt bằng mương Thụy Khuê (điều chỉnh)",
                           reason="Sát với thực tế", **{"indicators-0-name": "Hộ chưa đồng thuận",
                                                        "indicators-0-unit": "hộ", "indicators-0-baseline": "44",
                                                        "indicators-0-target": "8"})
    payload.pop("indicators-1-name"), payload.pop("indicators-1-unit")
    payload.pop("indicators-1-baseline"), payload.pop("indicators-1-target")
    response = client.post(f"/tasks/{task.id}/adjust", data=payload)
    assert response.status_code == 302
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Sát với thực tế" in page
    assert "Giải phóng mặt bằng dự án mương Thụy Khuê" in page  # the submitted title, as baseline
    assert "(điều chỉnh)" in page


def test_adjust_without_reason_is_rejected(world, login_as, make_task, db):
    task = make_task(S.SUBMITTED)
    client = login_as(world.standing)
    response = client.post(f"/tasks/{task.id}/adjust", data=form_payload(world, reason=""))
    assert response.status_code == 422
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task.adjust")) is None


def test_change_monitor(world, login_as, make_task, db):
    task = make_task(S.APPROVED)
    client = login_as(world.standing)
    assert client.post(f"/tasks/{task.id}/monitor", data={"monitor_id": world.other_monitor.id}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).monitor_id == world.other_monitor.id


def test_withdraw(world, login_as, make_task, db):
    task = make_task(S.SUBMITTED)
    client = login_as(world.owner)
    assert client.post(f"/tasks/{task.id}/withdraw", data={"reason": "Trùng việc khác"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == S.WITHDRAWN


def test_csrf_is_enforced(world, make_task, db, app):
    task = make_task(S.SUBMITTED)
    db.session.commit()
    strict = create_app({"TESTING": True, "SECRET_KEY": "x", "AUDIT_KEY": "x", "WTF_CSRF_ENABLED": True,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = strict.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(world.owner.id)
    response = client.post(f"/tasks/{task.id}/withdraw", data={"reason": "x"})
    assert response.status_code == 400
    with strict.app_context():
        assert db.session.get(Task, task.id).state == S.SUBMITTED
        db.session.remove()
        db.engine.dispose()


# -- list, filters, search, pagination ----------------------------------------------------------------------

def test_list_filters_search_and_pagination(world, login_as, make_task, make_field):
    other_field = make_field("Môi trường")
    for i in range(7):
        make_task(S.SUBMITTED, title=f"Thu gom rác thải khu dân cư số {i}", field_id=other_field.id)
    make_task(S.DRAFT, title="Quy hoạch đô thị loại V xã Mỹ Bằng", kind="breakthrough")
    client = login_as(world.secretariat)
    page1 = client.get("/tasks/?state=submitted").get_data(as_text=True)
    assert page1.count("Thu gom rác thải") == 5 and "7" in page1  # PAGE_SIZE 5 in tests
    page2 = client.get("/tasks/?state=submitted&page=2").get_data(as_text=True)
    assert page2.count("Thu gom rác thải") == 2
    found = client.get("/tasks/?q=my+bang").get_data(as_text=True)  # no diacritics typed
    assert "Quy hoạch đô thị loại V xã <mark>Mỹ</mark> <mark>Bằng</mark>" in found and "Thu gom" not in found
    by_kind = client.get("/tasks/?kind=breakthrough").get_data(as_text=True)
    assert "Mỹ Bằng" in by_kind and "Thu gom" not in by_kind
    by_field = client.get(f"/tasks/?field={other_field.id}").get_data(as_text=True)
    assert "Thu gom" in by_field and "Mỹ Bằng" not in by_field
    bad = client.get("/tasks/?year=abc&state=zzz&page=-3")
    assert bad.status_code == 200


def test_owner_sees_only_own_tasks(world, login_as, make_task):
    make_task(S.SUBMITTED, title="Việc của người khác", owner=world.other_owner)
    mine = make_task(S.SUBMITTED, title="Việc của tôi")
    client = login_as(world.owner)
    page = client.get("/tasks/").get_data(as_text=True)
    assert mine.title in page and "Việc của người khác" not in page


def test_unit_filter_includes_sub_units(world, login_as, make_task, make_unit, make_person, db):
    district = make_unit("Quận Tây Hồ", parent=world.unit)
    ward = make_unit("Phường Quảng An", parent=district)
    person = make_person(unit=ward)
    make_task(S.SUBMITTED, owner=person, title="Việc ở Quảng An")
    make_task(S.SUBMITTED, title="Việc ở Thụy Khuê")
    client = login_as(world.secretariat)
    page = client.get(f"/tasks/?unit={district.id}").get_data(as_text=True)
    assert "Việc ở Quảng An" in page and "Việc ở Thụy Khuê" not in page




@pytest.mark.parametrize("url", ["/tasks/", "/tasks/queue", "/"])
def test_no_query_per_row(url, world, login_as, make_task, make_person, db):
    for _ in range(2):
        make_task(S.SUBMITTED, owner=make_person())
    client = login_as(world.standing)
    few = _count_queries(db, client, url)
    for _ in range(4):
        make_task(S.SUBMITTED, owner=make_person())
    db.session.commit()
    many = _count_queries(db, client, url)
    assert many == few


def _count_queries(db, client, url) -> int:
    return count_queries(db, client, url)[0]
