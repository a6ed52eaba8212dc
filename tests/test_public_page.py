"""A committee's public transparency page: off by default (404), switched on by its secretariat with the columns
it chose; only approved tasks, only those columns, nothing else of a task or of anybody; anonymous visitors reach
nothing but the public pages; searchable without diacritics, paginated, Vietnamese or English, cacheable, a fixed
number of statements."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event, select, text

from registry.models import AuditEvent, Period, PublicPage, Role, TaskState
from registry.services import monitoring, progress
from registry.services import public_page as service
from registry.services import tasks as task_service
from registry.services.errors import PermissionDenied, ValidationFailed
from registry.services.verify import verify_all
from registry.web import PUBLIC_ENDPOINTS
from tests.conftest import login, task_input
from tests.helpers import sign_in

S = TaskState
CODE = "PTK"
#: what a public page must never show, whatever its columns (set up by the ``scene`` fixture)
NEVER = {
    "a progress note": "Đã đối thoại với 44 hộ",
    "an assessment": "Hoàn thành trước thời hạn",
    "a recommendation": "Công khai danh sách hộ dân",
    "the verdict's reasons": "Hoàn thành sớm, vượt chỉ tiêu",
    "the self-assessment": "Kiên trì đối thoại",
    "the decision reference": "12-QĐ/ĐU",
    "the owner's e-mail": "chu.tran@thuykhue.example",
    "the owner's username": "owner-login-7",
    "the owner's position": "Bí thư chi bộ khu dân cư",
    "the monitor's name": "Vũ Mặt Trận",
    "the approver's name": "Phạm Thường Vụ",
    "the situation": "Dự án chậm từ năm 2012",
}
GOAL = "Vận động 100% hộ dân bàn giao mặt bằng."


@pytest.fixture
def scene(world, db, make_task, make_reviewed_task, make_unit, make_person, make_field, frozen_now):
    """The world's committee (code PTK) with a task in every state, and a second committee with its own task."""
    world.unit.code = CODE
    owner = world.owner
    owner.email, owner.username, owner.position = ("chu.tran@thuykhue.example", "owner-login-7",
                                                   "Bí thư chi bộ khu dân cư")
    tasks = {
        "approved": make_task(S.APPROVED, title="Nạo vét mương Thụy Khuê"),
        "reviewed": make_reviewed_task(title="Giải phóng mặt bằng khu Đồi Cung"),
        "draft": make_task(S.DRAFT, title="Bản nháp chưa gửi"),
        "submitted": make_task(S.SUBMITTED, title="Đăng ký chờ quyết định"),
        "returned": make_task(S.RETURNED, title="Đăng ký bị trả lại"),
        "withdrawn": make_task(S.WITHDRAWN, title="Đăng ký đã rút"),
    }
    monitoring.add_assessment(world.monitor, tasks["approved"], Period.Q1, {
        "supervision_form": "document_review", "judgement": "on_track", "strengths": "Đúng kế hoạch"},
        [{"content": "Công khai danh sách hộ dân", "addressee": "UBND phường",
          "reply_deadline": date(2026, 12, 1)}])
    progress.add_progress_note(owner, tasks["approved"], 1, {
        "work_done": "Đã đối thoại với 44 hộ", "status": "on_track",
        "values": {tasks["approved"].indicators[0].id: 30}})
    other = make_unit("Xã Mỹ Bằng", parent=None, code="XMB")
    other_owner = make_person(Role.OWNER, committee=other, unit=other, full_name="Hà Văn Mỹ Bằng")
    other_standing = make_person(Role.STANDING, committee=other)
    other_monitor = make_person(Role.MONITOR, committee=other)
    other_secretariat = make_person(Role.SECRETARIAT, committee=other, username="secretary-mb")
    theirs = task_service.create_task(other_owner, world.year, task_input(world.field, world.year,
                                                                          title="Quy hoạch đô thị loại V"))
    task_service.submit_task(other_owner, theirs)
    task_service.approve_task(other_standing, theirs, decision_ref="3-QĐ/ĐU", decision_date=world.year.q1_deadline
                              .replace(month=3, day=1), monitor=other_monitor)
    db.session.commit()
    return {"tasks": tasks, "other": other, "other_secretariat": other_secretariat, "theirs": theirs}


def publish(world, columns, unit=None, actor=None, db=None, enabled=True):
    page = service.save_public_page(actor or world.secretariat, unit or world.unit,
                                    {"is_enabled": enabled, "columns": list(columns)})
    if db is not None:
        db.session.commit()
    return page


def get(client, url: str):
    with client.session_transaction() as session:
        session.clear()
    return client.get(url)


def text_of(response) -> str:
    return response.get_data(as_text=True)


# -- off by default, on per committee ------------------------------------------------------------------------------

def test_off_by_default_and_when_switched_off(scene, world, client, db):
    assert get(client, f"/public/{CODE}").status_code == 404
    assert get(client, "/public/NO-SUCH-UNIT").status_code == 404
    assert scene["tasks"]["approved"].title not in text_of(get(client, "/public/"))
    publish(world, ["owner"], db=db)
    assert get(client, f"/public/{CODE}").status_code == 200
    publish(world, ["owner"], db=db, enabled=False)
    response = get(client, f"/public/{CODE}")
    assert response.status_code == 404
    assert scene["tasks"]["approved"].title not in text_of(response)


def test_another_committee_not_published_is_404_and_never_mixed_in(scene, world, client, db):
    publish(world, ["owner", "field", "target", "status", "verdict"], db=db)
    assert get(client, "/public/XMB").status_code == 404
    page = text_of(get(client, f"/public/{CODE}"))
    assert "Quy hoạch đô thị loại V" not in page and "Hà Văn Mỹ Bằng" not in page
    index = text_of(get(client, "/public/"))
    assert f'href="/public/{CODE}?lang=vi"' in index and "/public/XMB" not in index
    # once the other committee publishes too, each page still shows only its own tasks
    publish(world, ["owner"], unit=scene["other"], actor=scene["other_secretariat"], db=db)
    theirs = text_of(get(client, "/public/XMB"))
    assert "Quy hoạch đô thị loại V" in theirs and "Nạo vét mương Thụy Khuê" not in theirs


def test_an_inactive_unit_has_no_public_page(scene, world, client, db):
    publish(world, ["owner"], db=db)
    world.unit.is_active = False
    db.session.commit()
    assert get(client, f"/public/{CODE}").status_code == 404
    with pytest.raises(ValidationFailed) as refused:
        publish(world, ["owner", "status"])
    assert "is_enabled" in refused.value.errors


# -- what a page shows ---------------------------------------------------------------------------------------------

def test_only_approved_tasks_are_published(scene, world, client, db):
    publish(world, ["status"], db=db)
    page = text_of(get(client, f"/public/{CODE}"))
    tasks = scene["tasks"]
    for name in ("approved", "reviewed"):
        assert tasks[name].title in page, name
    for name in ("draft", "submitted", "returned", "withdrawn"):
        assert tasks[name].title not in page, name
    assert page.count("<tr>") == 1 + 2  # the header row and the two approved tasks


def test_only_the_chosen_columns_appear(scene, world, client, db, levels):
    reviewed = scene["tasks"]["reviewed"]
    verdict_level = levels["exceeded"].name
    publish(world, ["field", "status"], db=db)
    page = text_of(get(client, f"/public/{CODE}"))
    assert world.field.name in page and "Đang thực hiện" in page and "Đã đánh giá, kết luận" in page
    for absent in (world.owner.full_name, GOAL, "30/11/2026", "Hộ chưa đồng thuận", verdict_level):
        assert absent not in page, absent
    publish(world, ["owner", "verdict"], db=db)
    page = text_of(get(client, f"/public/{CODE}"))
    assert world.owner.full_name in page and verdict_level in page
    for absent in (world.field.name, "Đang thực hiện", GOAL, "30/11/2026"):
        assert absent not in page, absent
    assert reviewed.title in page
    publish(world, ["target"], db=db)
    page = text_of(get(client, f"/public/{CODE}"))
    assert GOAL in page and "30/11/2026" in page and "Hộ chưa đồng thuận: 0 hộ" in page  # dd/mm/yyyy
    for absent in (world.owner.full_name, world.field.name, verdict_level, "Đang thực hiện"):
        assert absent not in page, absent


def test_never_notes_assessments_evidence_audit_or_contact_data(scene, world, client, db):
    publish(world, ["owner", "field", "target", "status", "verdict"], db=db)
    for url in (f"/public/{CODE}", f"/public/{CODE}?lang=en", "/public/"):
        page = text_of(get(client, url))
        for what, marker in NEVER.items():
            assert marker not in page, f"{url} shows {what}"
        links = set(re.findall(r'href="([^"]+)"', page))
        private = {link for link in links if not link.startswith(("/public/", "/static/"))}
        assert private == set(), f"{url} links to private pages: {private}"
        assert "csrf_token" not in page


def test_anonymous_visitors_reach_nothing_else(scene, world, client, db, app):
    publish(world, ["owner"], db=db)
    task = scene["tasks"]["approved"]
    private = [f"/tasks/{task.id}", "/tasks/", f"/tasks/{task.id}/audit", f"/people/{world.owner.id}/dossier",
               f"/units/{world.unit.id}/dossier", "/audit", "/reports", "/admin/units",
               f"/admin/units/{world.unit.id}/public", "/attention", "/notifications", "/", "/help",
               f"/tasks/{task.id}/review.pdf", "/tasks/export.csv", "/profile"]
    for url in private:
        response = get(client, url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for url in ("/api/v1/tasks", f"/api/v1/tasks/{task.id}", "/api/v1/people"):
        assert get(client, url).status_code == 401, url
    # every endpoint of the site but the public ones sends an anonymous visitor to sign in
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.rule.startswith("/api/") or rule.endpoint == "health.healthz" \
                or "GET" not in (rule.methods or ()):
            continue
        url = re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", "1", rule.rule)
        response = get(client, url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], (rule.endpoint, url)
    assert {"public.index", "public.committee"} <= PUBLIC_ENDPOINTS
    assert "public.settings" not in PUBLIC_ENDPOINTS


def test_search_ignores_diacritics_and_only_searches_what_is_shown(scene, world, client, db):
    publish(world, ["status"], db=db)
    page = text_of(get(client, f"/public/{CODE}?q=nao+vet+muong"))
    assert "Nạo vét mương Thụy Khuê" in page and "Giải phóng mặt bằng khu Đồi Cung" not in page
    # the owner is not published: searching by their name finds nothing (it would reveal who owns what)
    assert "Nạo vét" not in text_of(get(client, f"/public/{CODE}?q=tran+thi+chu"))
    publish(world, ["owner", "status"], db=db)
    page = text_of(get(client, f"/public/{CODE}?q=tran+thi+chu"))
    assert "Nạo vét mương Thụy Khuê" in page and "Giải phóng mặt bằng khu Đồi Cung" in page
    hostile = text_of(get(client, f"/public/{CODE}?q=%25_%5C" + "x" * 500 + "&page=99999999999&year=abc"))
    assert "Nạo vét" not in hostile


def test_paginated_by_year(scene, world, client, db, make_task, make_year):
    for n in range(5):
        make_task(S.APPROVED, title=f"Việc công khai số {n}")
    publish(world, ["status"], db=db)
    first = text_of(get(client, f"/public/{CODE}"))
    second = text_of(get(client, f"/public/{CODE}?page=2"))
    assert first.count("<tr>") == 1 + 5 and second.count("<tr>") == 1 + 2  # PAGE_SIZE is 5 in tests
    assert "Tổng cộng 7" in first
    assert 'href="/public/PTK?page=2' in first
    later = make_year(world.year.year + 1)
    db.session.commit()
    assert "Nạo vét" not in text_of(get(client, f"/public/{CODE}?year={later.year}"))
    assert "Nạo vét" in text_of(get(client, f"/public/{CODE}?year={world.year.year}"))
    assert get(client, f"/public/{CODE}?year=1999").status_code == 404


def test_vietnamese_by_default_english_on_request(scene, world, client, db):
    publish(world, ["owner", "target", "status"], db=db)
    vi = get(client, f"/public/{CODE}")
    assert "Việc khó của Phường Thụy Khuê" in text_of(vi) and vi.headers["Content-Language"] == "vi"
    en = get(client, f"/public/{CODE}?lang=en&q=nao")
    page = text_of(en)
    assert "Hard tasks of Phường Thụy Khuê" in page and "Goal and targets" in page and "In progress" in page
    assert en.headers["Content-Language"] == "en"
    assert 'href="/public/PTK?q=nao&amp;lang=vi"' in page  # the language link keeps the search


def test_cache_headers(scene, world, client, db):
    publish(world, ["owner"], db=db)
    response = get(client, f"/public/{CODE}")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Cookie" in response.headers["Vary"] and "Set-Cookie" not in response.headers
    etag = response.headers["ETag"]
    again = client.get(f"/public/{CODE}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert get(client, "/public/XMB").headers["Cache-Control"] == "private, no-store"  # a 404
    login(client, world.owner)  # a signed-in visitor's answer is never stored
    assert client.get(f"/public/{CODE}").headers["Cache-Control"] == "private, no-store"


def _statements(db, client, url: str) -> int:
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert get(client, url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_a_fixed_number_of_statements(scene, world, client, db, app, make_task, make_person, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 100)
    publish(world, ["owner", "field", "target", "status", "verdict"], db=db)
    small = _statements(db, client, f"/public/{CODE}")
    for n in range(12):
        owner = make_person(Role.OWNER, full_name=f"Người đăng ký {n}")
        make_task(S.APPROVED, owner=owner, title=f"Việc thêm {n}")
    db.session.commit()
    large = _statements(db, client, f"/public/{CODE}")
    assert large == small, (small, large)
    assert small <= 7, small  # settings, years, count, the page; indicators and verdicts of the whole page at once


# -- the settings ----------------------------------------------------------------------------------------------

def test_settings_change_is_audited_and_sealed(scene, world, db, app, tmp_path):
    page = publish(world, ["verdict", "owner"], db=db)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "public_page.update")))
    assert len(events) == 1
    assert events[0].unit_id == world.unit.id and events[0].object_id == page.id
    assert events[0].before == {"is_public": False, "public_columns": []}
    assert events[0].after == {"is_public": True, "public_columns": ["owner", "verdict"]}  # the whitelist's order
    publish(world, ["owner", "verdict"], db=db)  # no change: no event
    publish(world, ["owner"], db=db, enabled=False)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "public_page.update")
                                     .order_by(AuditEvent.seq)))
    assert [e.after for e in events] == [{"is_public": True, "public_columns": ["owner", "verdict"]},
                                         {"is_public": False, "public_columns": ["owner"]}]
    report = verify_all(app.config["AUDIT_KEY"], tmp_path)
    assert report.ok, report
    db.session.execute(text("UPDATE public_pages SET is_enabled = true"))  # a direct edit, past the services
    db.session.commit()
    report = verify_all(app.config["AUDIT_KEY"], tmp_path)
    assert not report.ok and any(row.table == "public_pages" for row in report.rows), report


def test_settings_refuse_bad_input_and_strangers(scene, world, db, make_person):
    for columns, enabled, field in ((["owner", "email"], True, "columns"), ([], True, "columns"),
                                    ("owner", True, "columns"), (["owner"], "yes", "is_enabled")):
        with pytest.raises(ValidationFailed) as refused:
            service.save_public_page(world.secretariat, world.unit, {"is_enabled": enabled, "columns": columns})
        assert field in refused.value.errors
    assert db.session.scalar(select(PublicPage)) is None
    for stranger in (world.owner, world.standing, world.inspector, scene["other_secretariat"]):
        with pytest.raises(PermissionDenied):
            service.save_public_page(stranger, world.unit, {"is_enabled": True, "columns": ["owner"]})


def test_settings_page(scene, world, db, client, login_as):
    client = login_as(world.secretariat)
    url = f"/admin/units/{world.unit.id}/public"
    form = client.get(url)
    assert form.status_code == 200 and 'name="columns"' in text_of(form)
    refused = client.post(url, data={"is_enabled": "y"})
    assert refused.status_code == 422
    assert 'id="columns-error">Chọn ít nhất một cột để công khai.' in text_of(refused)
    refused = client.post(url, data={"is_enabled": "y", "columns": ["owner", "phone"]})
    assert refused.status_code == 422 and "Chọn các cột trong danh sách." in text_of(refused)
    assert db.session.scalar(select(PublicPage)) is None  # nothing half-written
    saved = client.post(url, data={"is_enabled": "y", "columns": ["status", "owner"]})
    assert saved.status_code == 302
    db.session.expire_all()
    page = db.session.scalar(select(PublicPage))
    assert page.is_enabled and page.columns == ["owner", "status"]
    assert f"/public/{CODE}" in text_of(client.get(url))
    assert login_as(world.owner).get(url).status_code == 403
    assert login_as(scene["other_secretariat"]).get(url).status_code == 404


def test_settings_form_needs_its_csrf_token(scene, world, db, client, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = login_as(world.secretariat)
    url = f"/admin/units/{world.unit.id}/public"
    assert client.post(url, data={"is_enabled": "y", "columns": ["owner"]}).status_code == 400
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text_of(client.get(url))).group(1)
    assert client.post(url, data={"is_enabled": "y", "columns": ["owner"], "csrf_token": token}).status_code == 302


# -- in a real browser ----------------------------------------------------------------------------------------------

@pytest.mark.browser
def test_the_secretariat_switches_it_on_and_an_anonymous_browser_reads_it(scene, world, live_server, page, browser,
                                                                          db):
    from playwright.sync_api import expect
    db.session.commit()
    sign_in(page, live_server, world.secretariat.username)
    page.goto(f"{live_server}/admin/units")
    page.click(f"a[href='/admin/units/{world.unit.id}/public']")
    page.check("input[name=is_enabled]")
    for value in ("field", "target", "verdict"):
        page.uncheck(f"input[name=columns][value={value}]")
    page.click("#public-settings button[type=submit]")
    expect(page.locator("#public-link")).to_contain_text(f"/public/{CODE}")

    anonymous = browser.new_context(locale="vi-VN")
    try:
        visitor = anonymous.new_page()
        visitor.goto(f"{live_server}/public/")
        visitor.click("#public-committees a")
        expect(visitor.locator("h1")).to_contain_text("Việc khó của Phường Thụy Khuê")
        table = visitor.locator("#public-tasks")
        expect(table).to_contain_text("Nạo vét mương Thụy Khuê")
        expect(table).to_contain_text(world.owner.full_name)
        expect(table).not_to_contain_text(world.field.name)
        expect(table).not_to_contain_text("Bản nháp chưa gửi")
        visitor.fill("#public-q", "doi cung")
        visitor.click("form[role=search] button[type=submit]")
        expect(table).to_contain_text("Giải phóng mặt bằng khu Đồi Cung")
        expect(table).not_to_contain_text("Nạo vét mương Thụy Khuê")
        visitor.click("#public-languages a[lang=en]")
        expect(visitor.locator("h1")).to_contain_text("Hard tasks of Phường Thụy Khuê")
        visitor.goto(f"{live_server}/tasks/")
        expect(visitor).to_have_url(re.compile(r"/login"))
    finally:
        anonymous.close()
