"""Help (Hướng dẫn): the index with the viewer's roles highlighted, a printable page per role with an anchor per
form, the header link, and the link of every form page to the part of the help about it."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from registry import navigation
from registry.blueprints.help.views import GUIDES
from registry.models import Period, Role, TaskState
from registry.services import monitoring, progress

#: the anchors each role's page must have: one per form it fills in, and the administration it explains
ANCHORS = {
    "owner": ("year", "form-a", "form-b", "form-c", "form-d", "carry-over", "locks", "public-page", "search"),
    "monitor": ("year", "form-c", "midyear", "form-d", "rules", "search"),
    "standing": ("year", "decide", "adjust", "midyear", "form-d", "reopen", "dashboard", "rating", "commendations",
                 "jobs", "search"),
    "secretariat": ("year", "people", "units", "years", "fields", "midyear", "close-year", "reports", "dashboard",
                    "rating", "commendations", "import", "public-page", "jobs", "search", "audit"),
    "inspector": ("read", "reports", "dashboard", "rating", "commendations", "jobs", "search", "audit"),
}


def _role_items(html: str) -> dict[str, str]:
    """The index's role entries: slug -> the <li> element's class attribute."""
    return {slug: cls for cls, slug in re.findall(r'<li class="([^"]*)" id="role-([a-z]+)"', html)}


def test_index_lists_every_role_and_highlights_the_viewers(world, login_as):
    html = login_as(world.standing).get("/help").get_data(as_text=True)  # standing and owner in the committee
    items = _role_items(html)
    assert set(items) == {"owner", "monitor", "standing", "secretariat", "inspector"}
    assert "is-mine" in items["standing"] and "is-mine" in items["owner"]
    assert not any("is-mine" in items[slug] for slug in ("monitor", "secretariat", "inspector"))
    assert html.count("Vai trò của đồng chí") == 2
    assert "Hướng dẫn sử dụng" in html and "Bốn mẫu phiếu" in html
    for slug in items:
        assert f'href="/help/{slug}"' in html


@pytest.mark.parametrize("slug", sorted(ANCHORS))
def test_role_page_has_its_sections_in_vietnamese(world, login_as, slug):
    response = login_as(world.inspector).get(f"/help/{slug}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for anchor in ANCHORS[slug]:
        assert f'id="{anchor}"' in html, anchor
        assert f'href="#{anchor}"' in html, f"table of contents misses {anchor}"
    assert "data-print" in html  # printable
    assert 'lang="vi"' in html and "Hướng dẫn" in html
    assert re.search(r"<h1>[^<]*[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ]", html), "heading not Vietnamese"


def test_every_help_link_opens_an_existing_anchor(world, login_as):
    client = login_as(world.owner)
    pages = {slug: client.get(f"/help/{slug}").get_data(as_text=True) for slug in GUIDES}
    for endpoint, topic in navigation.HELP.items():
        assert f'id="{topic.anchor}"' in pages[topic.role], f"{endpoint}: /help/{topic.role}#{topic.anchor}"


def test_form_fields_and_this_years_dates_are_explained(world, login_as):
    html = login_as(world.owner).get("/help/owner").get_data(as_text=True)
    form_a = html[html.index('id="form-a"'):html.index('id="form-b"')]
    for label in ("Thực trạng, lý do lựa chọn", "Chỉ tiêu", "Sản phẩm cụ thể", "Cam kết"):
        assert f"<dt>{label}</dt>" in form_a
    assert "Lưu và gửi" in form_a and "Đăng ký việc" in form_a
    form_b = html[html.index('id="form-b"'):html.index('id="form-c"')]
    year = world.year
    for deadline in year.quarter_deadlines:
        assert deadline.strftime("%d/%m/%Y") in form_b
    assert f"<td>{year.grace_days}</td>" in form_b
    assert "Viết báo cáo" in form_b and "Đính chính báo cáo" in form_b


def test_help_without_a_year_says_who_sets_the_dates(make_person, login_as):
    html = login_as(make_person(Role.OWNER)).get("/help/owner").get_data(as_text=True)
    assert "Chưa có năm nào được thiết lập" in html


def test_unknown_role_is_not_found(world, login_as):
    assert login_as(world.owner).get("/help/chairman").status_code == 404


def test_help_needs_a_session(client):
    response = client.get("/help/owner")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_help_in_english_when_chosen(world, login_as):
    client = login_as(world.monitor)
    client.post("/language/en", data={"next": "/help"})
    html = client.get("/help/monitor").get_data(as_text=True)
    assert "Assessing a period (Form C)" in html and "Monitoring: the Fatherland Front" in html
    assert "Đánh giá một kỳ" not in html


@pytest.mark.parametrize("who, target", [
    ("owner", "/help/owner"),  # one kind of role: its own help page
    ("monitor", "/help/monitor"),
    ("secretariat", "/help/secretariat"),
    ("standing", "/help"),  # Standing Committee and owner: the index, which highlights both
])
def test_header_link_opens_the_viewers_help(world, login_as, who, target):
    html = login_as(getattr(world, who)).get("/").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" id="nav-help">([^<]+)</a>', html)
    assert link is not None and link.group(2) == "Hướng dẫn"
    assert link.group(1) == target


def _form_help(html: str) -> tuple[str, str] | None:
    found = re.search(r'<a class="help-link" id="form-help" href="([^"]+)">([^<]+)</a>', html)
    return (found.group(1), found.group(2)) if found else None


def test_every_form_page_links_to_its_part_of_the_help(world, make_task, make_reviewed_task, login_as, frozen_now,
                                                      db):
    frozen_now(datetime(2026, 5, 10, 3, tzinfo=timezone.utc))
    draft = make_task()
    submitted = make_task(TaskState.SUBMITTED)
    approved = make_task(TaskState.APPROVED)
    note = progress.add_progress_note(world.owner, approved, 1, {
        "work_done": "Đối thoại", "status": "on_track", "values": {str(approved.indicators[0].id): 10}})
    assessment = monitoring.add_assessment(world.monitor, approved, Period.Q1, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"},
        [{"content": "Công khai danh sách", "addressee": "UBND phường", "reply_deadline": datetime(2026, 6, 1).date()}])
    self_assessed = make_reviewed_task(stop_at="self_assessed")
    final_assessed = make_reviewed_task(stop_at="final_assessed")
    db.session.commit()
    cases = [
        (world.owner, "/tasks/new", "/help/owner#form-a", "Phiếu đăng ký (Mẫu A)"),
        (world.owner, f"/tasks/{draft.id}/edit", "/help/owner#form-a", "Phiếu đăng ký (Mẫu A)"),
        (world.standing, f"/tasks/{submitted.id}/decide", "/help/standing#decide", "Phiếu đăng ký (Mẫu A)"),
        (world.standing, f"/tasks/{approved.id}/adjust", "/help/standing#adjust", "Phiếu đăng ký (Mẫu A)"),
        (world.standing, f"/tasks/{approved.id}/monitor", "/help/standing#decide", "Phiếu đăng ký (Mẫu A)"),
        (world.owner, f"/tasks/{approved.id}/notes/new?quarter=2", "/help/owner#form-b", "Tiến độ hằng quý (Mẫu B)"),
        (world.owner, f"/notes/{note.id}/amend", "/help/owner#form-b", "Tiến độ hằng quý (Mẫu B)"),
        (world.monitor, f"/tasks/{approved.id}/assessments/new", "/help/monitor#form-c",
         "Ý kiến giám sát (Mẫu C)"),
        (world.owner, f"/recommendations/{assessment.recommendations[0].id}/reply", "/help/owner#form-c",
         "Ý kiến giám sát (Mẫu C)"),
        (world.owner, f"/tasks/{approved.id}/self-assessment", "/help/owner#form-d", "Đánh giá cuối năm (Mẫu D)"),
        (world.monitor, f"/tasks/{self_assessed.id}/final-assessment", "/help/monitor#form-d",
         "Đánh giá cuối năm (Mẫu D)"),
        (world.standing, f"/tasks/{final_assessed.id}/verdict", "/help/standing#form-d",
         "Đánh giá cuối năm (Mẫu D)"),
        (world.secretariat, "/admin/people", "/help/secretariat#people", "Cán bộ"),
        (world.secretariat, "/admin/years", "/help/secretariat#years", "Các năm"),
    ]
    for person, url, target, topic in cases:
        response = login_as(person).get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert _form_help(response.get_data(as_text=True)) == (target, f"Hướng dẫn: {topic}"), url
    # a page that is not a form has no form help (the header's link remains)
    assert _form_help(login_as(world.owner).get(f"/tasks/{approved.id}").get_data(as_text=True)) is None


def test_the_new_pages_link_to_their_part_of_the_help(world, make_reviewed_task, login_as, frozen_now, db):
    """The dashboard, rating facts, commendation proposals and the council's decision, the spreadsheet import, the
    public page's settings and the task list's search each open a section of the help that exists."""
    frozen_now(datetime(2026, 5, 10, 3, tzinfo=timezone.utc))
    verdict = make_reviewed_task().current_verdict  # proposes a commendation
    db.session.commit()
    cases = [
        (world.secretariat, "/reports", "/help/secretariat#dashboard"),
        (world.secretariat, "/rating", "/help/secretariat#rating"),
        (world.secretariat, "/commendations", "/help/secretariat#commendations"),
        (world.secretariat, f"/commendations/{verdict.id}/decision", "/help/secretariat#commendations"),
        (world.secretariat, "/imports/registrations", "/help/secretariat#import"),
        (world.secretariat, f"/admin/units/{world.unit.id}/public", "/help/secretariat#public-page"),
        (world.owner, "/tasks/?q=giai+phong", "/help/owner#search"),
    ]
    for person, url, target in cases:
        client = login_as(person)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found = _form_help(response.get_data(as_text=True))
        assert found is not None and found[0] == target and found[1].startswith("Hướng dẫn: "), (url, found)
        path, anchor = target.split("#")
        help_page = client.get(path).get_data(as_text=True)
        assert f'id="{anchor}"' in help_page and f'href="#{anchor}"' in help_page, target
    # the background job's page points at its section too (a job needs a queue; the table is what the page reads)
    assert navigation.HELP["jobs.show"].anchor == "jobs"


def test_the_new_sections_are_practical_and_in_vietnamese(world, login_as):
    html = login_as(world.secretariat).get("/help/secretariat").get_data(as_text=True)
    section = html[html.index('id="import"'):html.index('id="public-page"')]
    assert "flask --app registry import-registrations --dry-run" in section
    assert "flask --app registry export-registrations" in section and "Nhập đăng ký từ bảng tính" in section
    public = html[html.index('id="public-page"'):html.index('id="jobs"')]
    assert "/public/" in public and "Mục tiêu, chỉ tiêu" in public
    search = login_as(world.monitor).get("/help/monitor").get_data(as_text=True)
    assert "“giai phong mat bang” tìm được “Giải phóng mặt bằng”" in search
