"""Breadcrumbs: every page below the home page says where it sits, through one table (registry.navigation).

The walk visits every GET endpoint of the application — the authority matrix lists them all — as a person the
matrix allows, and checks each HTML page: one ``nav[aria-label=breadcrumb]``, Home first, the page itself last
with ``aria-current="page"``, and every link of the trail answering 200 to the same person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from datetime import date, datetime, timezone

import pytest
from flask import render_template_string

from registry import clock, navigation
from registry.models import Period, TaskState, Year
from registry.services import monitoring, progress, review
from registry.services import tasks as task_service
from tests.conftest import task_input
from tests.test_authority_matrix import (  # noqa: F401  - scene: the matrix's fixture
    ACTORS,
    API,
    MATRIX,
    PUBLIC,
    Row,
    _rules,
    _url,
    scene,
    send,
)

#: GET endpoints that are not pages of the site's layout (files, the API's own Swagger page)
NOT_PAGES = {"static", "api_docs_ui.docs", "api_docs_ui.asset", "api_docs_ui.init_script", "api-docs.openapi_json",
             "health.healthz"}
#: the pages the walk must reach at 200 (with the ``walk`` fixture's tasks for the forms of other states)
REAL_PAGES = (
    "main.home", "main.report", "auth.profile", "help.index", "help.role",
    "tasks.index", "tasks.queue", "tasks.new", "tasks.show", "tasks.edit", "tasks.decide", "tasks.adjust",
    "tasks.monitor", "progress.new_note", "progress.edit_note", "progress.amend_note",
    "monitoring.attention", "monitoring.notifications", "monitoring.new_assessment", "monitoring.reply",
    "monitoring.conclude_midyear", "review.self_assessment", "review.final_assessment", "review.verdict",
    "review.reopen", "review.carry_over", "dossier.person", "dossier.person_audit", "dossier.unit",
    "dossier.task_audit", "dossier.audit_log", "admin.people", "admin.person_new", "admin.person_edit",
    "admin.units", "admin.unit_new", "admin.unit_edit", "admin.unit_merge", "admin.years", "admin.year_new",
    "admin.year_edit", "admin.fields", "admin.field_new", "admin.field_edit",
)


@dataclass
class Trail:
    """What the parser found: each breadcrumb nav as a list of (text, href or None, is current)."""

    navs: list[list[tuple[str, str | None, bool]]] = field(default_factory=list)


class TrailParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.trail = Trail()
        self._in_nav = False
        self._item: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("aria-label") == "breadcrumb":
            self._in_nav = True
            self.trail.navs.append([])
        elif self._in_nav and tag == "li":
            self._item = ["", None, False]
        elif self._in_nav and self._item is not None and tag == "a":
            self._item[1] = attrs.get("href")
        if self._in_nav and self._item is not None and attrs.get("aria-current") == "page":
            self._item[2] = True

    def handle_endtag(self, tag):
        if tag == "li" and self._item is not None:
            text, href, current = self._item
            self.trail.navs[-1].append((" ".join(text.split()), href, current))
            self._item = None
        elif tag == "nav" and self._in_nav:
            self._in_nav = False

    def handle_data(self, data):
        if self._item is not None:
            self._item[0] += data


def trail_of(html: str) -> Trail:
    parser = TrailParser()
    parser.feed(html)
    return parser.trail


def _first_allowed(row) -> str:
    return next(actor for actor in ACTORS if actor in row.allowed)


@pytest.fixture
def walk(scene, frozen_now, db):  # noqa: F811
    """The matrix's scene, a month later (the first quarter's note can only be amended, the second's is due),
    with tasks in the states the remaining forms need; returns the URL values per endpoint."""
    frozen_now(datetime(2026, 4, 20, 3, tzinfo=timezone.utc))
    world, people, levels = scene.world, scene.people, scene.levels
    owner, decider, monitor_ = people["owner"], people["a_standing"], people["monitor"]

    def approved(title):
        task = task_service.create_task(owner, world.year, task_input(world.field, world.year, title=title))
        task_service.submit_task(owner, task)
        return task_service.approve_task(decider, task, decision_ref="15-QĐ/ĐU", decision_date=clock.today(),
                                         monitor=monitor_)

    def self_assessed(title):
        task = approved(title)
        review.submit_self_assessment(owner, task, {"reached": {task.indicators[0].id: 10}, "deliverable": "Một phần",
                                                    "self_level_id": levels["partial"].id})
        return task

    def final_assessed(title):
        task = self_assessed(title)
        monitoring.add_assessment(monitor_, task, Period.FINAL, {"supervision_form": "field_survey",
                                                                 "judgement": "late", "strengths": "Có cố gắng"})
        return task

    draft = task_service.create_task(owner, world.year, task_input(world.field, world.year, title="Bản nháp"))
    reporting = approved("Đang báo cáo")
    second_quarter = progress.add_progress_note(owner, reporting, 2, {
        "work_done": "Quý hai", "status": "on_track", "values": {reporting.indicators[0].id: 30}})
    waiting_final, waiting_verdict, unfinished = (self_assessed("Chờ giám sát"), final_assessed("Chờ kết luận"),
                                                  final_assessed("Chưa xong"))
    review.record_verdict(decider, unfinished, {"level_id": levels["partial"].id, "percent": 40,
                                                "reasons": "Mới đạt một phần", "commendation": "none",
                                                "measures": "Chuyển sang năm sau"})
    next_year = Year(year=2027, registration_opens_on=date(2026, 4, 1), registration_closes_on=date(2027, 12, 31),
                     q1_deadline=date(2027, 4, 5), q2_deadline=date(2027, 7, 5), q3_deadline=date(2027, 10, 5),
                     q4_deadline=date(2027, 12, 20), rating_regulation="366-QĐ/TW")
    db.session.add(next_year)
    monitoring.take_mid_year_snapshots(None, world.year)
    db.session.commit()
    return {"tasks.edit": {"task_id": draft.id}, "progress.edit_note": {"note_id": second_quarter.id}, "review.final_assessment": {"task_id": waiting_final.id},
            "review.verdict": {"task_id": waiting_verdict.id}, "review.carry_over": {"task_id": unfinished.id}}


def test_every_page_below_home_has_a_breadcrumb_whose_links_work(scene, walk, app):  # noqa: F811
    client = app.test_client()
    walked, problems = [], []
    for rule in _rules(app):
        if rule.endpoint in NOT_PAGES or "GET" not in (rule.methods or ()):
            continue
        row = MATRIX.get(rule.endpoint)  # an endpoint missing from the matrix fails the matrix's own test
        if row is None or row.allowed == PUBLIC:
            continue
        if rule.endpoint in walk:
            row = Row(row.allowed, walk[rule.endpoint], row.query)
        url = _url(scene, rule, row)
        if url.startswith(API):
            continue
        actor = _first_allowed(row)
        response = send(client, scene, actor, "GET", url, lang="vi")
        if response.mimetype != "text/html":
            continue  # a download
        html = response.get_data(as_text=True)
        navs = trail_of(html).navs
        if response.status_code == 200:
            walked.append(rule.endpoint)
        if rule.endpoint == "main.home":
            if navs:
                problems.append("the home page has a breadcrumb")
            continue
        if len(navs) != 1:
            problems.append(f"{rule.endpoint} {url}: {len(navs)} breadcrumb navs")
            continue
        steps = navs[0]
        if len(steps) < 2 or steps[0][1] != "/" or steps[0][0] != "Trang chủ":
            problems.append(f"{rule.endpoint} {url}: the trail does not start at Home: {steps}")
        if not steps[-1][2] or steps[-1][1] is not None or not steps[-1][0]:
            problems.append(f"{rule.endpoint} {url}: the last crumb is not the current page: {steps[-1]}")
        if any(current for _text, _href, current in steps[:-1]) or any(href is None for _t, href, _c in steps[:-1]):
            problems.append(f"{rule.endpoint} {url}: a crumb before the last is not a link: {steps}")
        for text, href, _current in steps[:-1]:
            answer = send(client, scene, actor, "GET", href, lang="vi")
            if answer.status_code != 200:
                problems.append(f"{rule.endpoint} {url}: crumb {text!r} → {href}: {answer.status_code}")
    assert not problems, "\n".join(problems)
    # every page of the site was reached with its real content, not an error page (a page added since is still
    # checked for its trail above, on whatever it answers in the scene)
    assert set(REAL_PAGES) - set(walked) == set(), f"not walked at 200: {sorted(set(REAL_PAGES) - set(walked))}"


def test_a_task_form_sits_below_its_task(world, make_task, login_as):
    task = make_task(title="Giải phóng mặt bằng dự án mương Thụy Khuê đoạn từ dốc Tam Đa đến đường Văn Cao, "
                           "phường Thụy Khuê")
    html = login_as(world.owner).get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    [steps] = trail_of(html).navs
    assert [text for text, _href, _current in steps][0:2] == ["Trang chủ", "Danh sách việc"]
    assert steps[1][1] == "/tasks/"
    assert steps[2][0].startswith(f"{task.code} · Giải phóng mặt bằng") and steps[2][0].endswith("…")
    assert len(steps[2][0]) <= len(task.code) + 3 + navigation.TITLE_CHARS
    assert steps[2][1] == f"/tasks/{task.id}"
    assert steps[3] == ("Sửa bản đăng ký", None, True)


def test_admin_and_dossier_trails(world, make_unit, login_as):
    unit = make_unit("Phường Bưởi")
    client = login_as(world.secretariat)
    [steps] = trail_of(client.get(f"/admin/units/{unit.id}/merge").get_data(as_text=True)).navs
    assert steps == [("Trang chủ", "/", False), ("Đơn vị", "/admin/units", False),
                     ("Phường Bưởi", f"/admin/units/{unit.id}/edit", False), ("Sáp nhập", None, True)]
    [steps] = trail_of(client.get(f"/people/{world.secretariat.id}/audit").get_data(as_text=True)).navs
    assert steps == [("Trang chủ", "/", False), ("Hồ sơ của tôi", f"/people/{world.secretariat.id}/dossier", False),
                     ("Nhật ký thay đổi", None, True)]
    [steps] = trail_of(client.get(f"/people/{world.owner.id}/dossier").get_data(as_text=True)).navs
    assert steps[-1] == ("Hồ sơ của Trần Thị Chủ", None, True)


def test_an_error_page_is_a_crumb_below_home(world, login_as):
    response = login_as(world.owner).get("/tasks/999999")
    assert response.status_code == 404
    [steps] = trail_of(response.get_data(as_text=True)).navs
    assert steps == [("Trang chủ", "/", False), ("Không tìm thấy", None, True)]


def test_a_refused_page_shows_nothing_of_the_task(world, make_task, login_as, make_person, make_unit):
    task = make_task(TaskState.SUBMITTED)
    stranger = make_person(committee=make_unit("Xã khác", parent=None))
    response = login_as(stranger).get(f"/tasks/{task.id}/edit")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert task.title not in html and task.code not in html
    [steps] = trail_of(html).navs
    assert steps[0] == ("Trang chủ", "/", False) and len(steps) == 2


def test_a_page_missing_from_the_table_gets_home_its_task_and_its_title(world, make_task, app):
    task = make_task()
    with app.test_request_context(f"/tasks/{task.id}/something-new"):
        steps = navigation.trail("tasks.something_new", {"task": task}, "Nhập bổ sung")
        assert [s.label for s in steps] == ["Trang chủ", "Danh sách việc", f"{task.code} · {task.title}",
                                            "Nhập bổ sung"]
        assert [s.url for s in steps] == ["/", "/tasks/", f"/tasks/{task.id}", None]
        assert [s.label for s in navigation.trail("x.page", {}, "Một trang mới")] == ["Trang chủ", "Một trang mới"]
        assert navigation.trail("main.home", {}, "Trang chủ") == []


def test_no_breadcrumb_for_visitors(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'aria-label="breadcrumb"' not in html


def test_the_tables_name_real_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(navigation.CRUMBS) <= endpoints, set(navigation.CRUMBS) - endpoints
    assert set(navigation.HELP) <= endpoints, set(navigation.HELP) - endpoints
    for endpoint, crumb in navigation.CRUMBS.items():
        assert crumb.parent is None or crumb.parent in navigation.CRUMBS, endpoint
        parent = navigation.CRUMBS.get(crumb.parent) if crumb.parent else None
        if parent is not None and crumb.parent != navigation.HOME and "<" in next(
                r.rule for r in app.url_map.iter_rules() if r.endpoint == crumb.parent):
            assert parent.values is not None, f"{endpoint}: its parent {crumb.parent} cannot build its URL"


def test_trail_markup_is_escaped(app, world, make_task, login_as):
    task = make_task(title="<script>alert(1)</script> Tam Đa")
    html = login_as(world.owner).get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tam Đa" in html
    with app.test_request_context("/"):
        assert "&lt;b&gt;" in render_template_string(
            '{% from "macros/nav.html" import trail %}{{ trail([step]) }}', step=navigation.Step("<b>x</b>"))
