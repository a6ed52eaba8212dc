"""Fixtures: one schema per test session, emptied after each test; factory callables for every aggregate.

``REGISTRY_TEST_DATABASE_URL`` selects PostgreSQL; otherwise a SQLite file in a temporary folder.
"""

from __future__ import annotations

import itertools
import os
import threading
from datetime import date, datetime, timezone

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import text
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from registry import clock, create_app
from registry.extensions import db as _db
from registry.models import (
    Field,
    OrgLevel,
    OrgUnit,
    Period,
    Person,
    Role,
    Task,
    TaskState,
    Year,
)
from registry.models.audit import SQLITE_DROP_TRIGGERS, SQLITE_TRIGGERS
from registry.models.org import place
from registry.services import monitoring, progress, review
from registry.services import tasks as task_service
from tests.helpers import PASSWORD  # noqa: E402  - one password for every factory account

_counter = itertools.count(1)


class FreshContextClient(FlaskClient):
    """Runs each request in its own app context, as in production: its own ``g`` and database session,
    so a request sees only committed data and the test must commit what it set up."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("REGISTRY_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def _app(tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "AUDIT_KEY": "test-audit-key",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
        "WTF_CSRF_ENABLED": False,
        "PAGE_SIZE": 5,
        "REPORT_CACHE_SIZE": 0,  # the dashboard's cache is tested on its own (tests/test_dashboard.py)
        "COUNTS_CACHE_SIZE": 0,  # so are the header's and the pickers' (tests/test_trail_cache.py)
        "PAGE_CACHE_SIZE": 0,  # and the parts of pages kept rendered (tests/test_dossier.py)
        "JOBS_FILES": str(tmp_path_factory.mktemp("jobs")),  # background jobs are off unless a test turns them on
    })
    app.test_client_class = FreshContextClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _empty_tables() -> None:
    _db.session.rollback()
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for statement in SQLITE_DROP_TRIGGERS:
            _db.session.execute(text(statement))
        _db.session.execute(text("UPDATE org_units SET head_id = NULL"))
        _db.session.execute(text("UPDATE tasks SET carried_from_id = NULL, carry_reason = NULL"))
        for name in tables:
            _db.session.execute(text(f"DELETE FROM {name}"))
        for statement in SQLITE_TRIGGERS:
            _db.session.execute(text(statement))
    _db.session.commit()


@pytest.fixture
def app(_app):
    """The application with an app context pushed; every table is emptied after the test."""
    with _app.app_context():
        yield _app
        _db.session.remove()
        _empty_tables()
        _db.session.remove()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def password_hash():
    return generate_password_hash(PASSWORD)


@pytest.fixture
def frozen_now(monkeypatch):
    """Freeze the services' clock: ``frozen_now(datetime)`` sets it; default 15/03/2026 09:00 UTC.
    (``clock.travel`` still works inside a frozen clock, capped at the frozen time.)"""
    current = {"now": datetime(2026, 3, 15, 9, 0, tzinfo=timezone.utc)}
    monkeypatch.setattr(clock, "real_now", lambda: current["now"])

    def set_now(value: datetime) -> datetime:
        current["now"] = value
        return value

    return set_now


# -- factories ---------------------------------------------------------------------------------------------

_UNDER_COMMITTEE = object()


@pytest.fixture
def make_unit(db, request):
    def make(name: str | None = None, level: OrgLevel = OrgLevel.COMMUNE, parent=_UNDER_COMMITTEE,
             head: Person | None = None, code: str | None = None) -> OrgUnit:
        """A unit; by default below the world's committee (``parent=None`` for a top unit)."""
        if parent is _UNDER_COMMITTEE:
            parent = request.getfixturevalue("committee")
        n = next(_counter)
        unit = OrgUnit(name=name or f"Phường số {n}", code=code or f"U{n}", level=level, parent=parent, head=head)
        db.session.add(unit)
        db.session.flush()
        place(unit)
        db.session.flush()
        return unit
    return make


@pytest.fixture
def committee(make_unit):
    """The committee of the small world: every factory account holds its roles here unless told otherwise."""
    return make_unit("Phường Thụy Khuê", parent=None)


@pytest.fixture
def make_person(db, password_hash, request):
    def make(*roles: Role, username: str | None = None, full_name: str | None = None,
             unit: OrgUnit | None = None, is_active: bool = True, committee: OrgUnit | None = None,
             grants: list[tuple[Role, OrgUnit]] | None = None) -> Person:
        """An account; ``roles`` are held in ``committee`` (default: the world's committee). ``grants`` gives
        (role, unit) pairs instead."""
        n = next(_counter)
        person = Person(username=username or f"user{n}", full_name=full_name or f"Nguyễn Văn {n}",
                        position="Ủy viên BCH", org_unit=unit, password_hash=password_hash,
                        is_active_account=is_active)
        if grants is None:
            where = committee or request.getfixturevalue("committee")
            grants = [(role, where) for role in (roles or (Role.OWNER,))]
        for role, where in grants:
            person.grant(role, where)
        db.session.add(person)
        db.session.flush()
        return person
    return make


@pytest.fixture
def make_year(db):
    def make(year: int | None = None, *, is_open: bool = True) -> Year:
        today = clock.today()
        year = year or today.year
        opens, closes = (date(year - 1, 11, 1), date(year, 12, 31)) if is_open else (date(year, 1, 1),
                                                                                       date(year, 1, 2))
        if is_open and not opens <= today <= closes:
            opens, closes = min(opens, today), max(closes, today)
        row = Year(year=year, registration_opens_on=opens, registration_closes_on=closes,
                   q1_deadline=date(year, 4, 5), q2_deadline=date(year, 7, 5), q3_deadline=date(year, 10, 5),
                   q4_deadline=date(year, 12, 20), rating_regulation="366-QĐ/TW")
        db.session.add(row)
        db.session.flush()
        return row
    return make


@pytest.fixture
def make_field(db):
    def make(name: str | None = None) -> Field:
        field = Field(name=name or f"Lĩnh vực {next(_counter)}")
        db.session.add(field)
        db.session.flush()
        return field
    return make


def task_input(field: Field, year: Year, **overrides) -> dict:
    data = {
        "kind": "hard",
        "field_id": field.id,
        "title": "Giải phóng mặt bằng dự án mương Thụy Khuê",
        "situation": "Dự án chậm từ năm 2012; 44 hộ chưa đồng thuận.",
        "goal": "Vận động 100% hộ dân bàn giao mặt bằng.",
        "deliverable": "Mặt bằng sạch bàn giao cho chủ đầu tư.",
        "measures": "Đối thoại với từng hộ; phối hợp MTTQ phường.",
        "deadline": date(year.year, 11, 30),
        "locality": "Phường Thụy Khuê",
        "is_committed": True,
        "indicators": [{"name": "Hộ chưa đồng thuận", "unit": "hộ", "baseline": 44, "target": 0}],
        "milestones": [{"description": "Hoàn thành đối thoại", "due_on": date(year.year, 6, 30)}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def world(make_person, make_year, make_field, committee):
    """A small world: one committee (unit), one open year, a field and one person per role in it."""
    class World:
        unit = committee
        year = make_year()
        field = make_field("GPMB – tái định cư")
        owner = make_person(Role.OWNER, username="owner", full_name="Trần Thị Chủ", unit=unit)
        other_owner = make_person(Role.OWNER, username="other", full_name="Lê Văn Khác", unit=unit)
        standing = make_person(Role.STANDING, Role.OWNER, username="standing", full_name="Phạm Thường Vụ")
        standing2 = make_person(Role.STANDING, username="standing2", full_name="Đỗ Thường Vụ Hai")
        monitor = make_person(Role.MONITOR, username="monitor", full_name="Vũ Mặt Trận")
        other_monitor = make_person(Role.MONITOR, username="monitor2", full_name="Hoàng Giám Sát")
        secretariat = make_person(Role.SECRETARIAT, username="secretary", full_name="Ngô Văn Phòng")
        inspector = make_person(Role.INSPECTOR, username="inspector", full_name="Bùi Kiểm Tra")
    return World


@pytest.fixture
def make_task(db, world):
    """``make_task(state=…, owner=…)``: a task brought to ``state`` through the real services."""
    def make(state: TaskState = TaskState.DRAFT, owner: Person | None = None, **overrides) -> Task:
        owner = owner or world.owner
        task = task_service.create_task(owner, world.year, task_input(world.field, world.year, **overrides))
        if state == TaskState.DRAFT:
            return task
        if state == TaskState.WITHDRAWN:
            return task_service.withdraw_task(owner, task, "Không còn phù hợp")
        task_service.submit_task(owner, task)
        decider = world.standing2 if owner.id == world.standing.id else world.standing
        if state == TaskState.RETURNED:
            return task_service.return_task(decider, task, comment="Bổ sung chỉ tiêu")
        if state == TaskState.APPROVED:
            return task_service.approve_task(decider, task, decision_ref="12-QĐ/ĐU",
                                             decision_date=clock.today(), monitor=world.monitor)
        assert state == TaskState.SUBMITTED, f"make_task cannot reach {state}"
        return task
    return make


def login(client, person: Person) -> None:
    """Sign ``person`` in on the test client without going through the form."""
    with client.session_transaction() as session:
        session["_user_id"] = str(person.id)
        session["_fresh"] = True
        session["_test_login"] = True  # under TESTING only: the session clock (timeouts) is not started


@pytest.fixture
def login_as(client, db):
    def do(person: Person):
        db.session.commit()
        login(client, person)
        return client
    return do


def pytest_collection_modifyitems(config, items):
    """Every test that touches the database is marked ``db`` (run again on PostgreSQL), browser tests aside."""
    for item in items:
        if "app" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.db)


# -- a live server and a real browser --------------------------------------------------------------------------

CHROMIUM = os.environ.get("REGISTRY_CHROMIUM", "/usr/bin/chromium")
expect.set_options(timeout=15_000)  # a loaded CI machine is slower than a laptop
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"]


@pytest.fixture
def live_server(app):
    """The test application served over HTTP on a free loopback port, in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run scripts/ensure-chromium.sh (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page; a screenshot is kept in test-artifacts/ when the test fails."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        os.makedirs("test-artifacts", exist_ok=True)
        page.screenshot(path=f"test-artifacts/{request.node.name}.png", full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# -- year-end ---------------------------------------------------------------------------------------------------

@pytest.fixture
def levels(db):
    """The default verdict scale, by code."""
    return {level.code: level for level in review.ensure_default_levels()}


@pytest.fixture
def make_reviewed_task(db, world, make_task, levels):
    """``make_reviewed_task(level="exceeded", stop_at=None)``: an approved task with a Q1 note, the owner's
    self-assessment, the monitor's final assessment and the verdict, through the real services. ``stop_at``
    ("self_assessed" or "final_assessed") stops before the verdict."""
    def make(level: str = "exceeded", stop_at: str | None = None, **overrides) -> Task:
        task = make_task(TaskState.APPROVED, **overrides)
        progress.add_progress_note(world.owner, task, 1, {
            "work_done": "Đã đối thoại với 44 hộ", "status": "on_track",
            "values": {str(task.indicators[0].id): 20}})
        review.submit_self_assessment(world.owner, task, {
            "reached": {task.indicators[0].id: 0}, "deliverable": "Mặt bằng sạch đã bàn giao",
            "self_level_id": levels["exceeded"].id, "shortcomings": "", "lessons": "Kiên trì đối thoại"})
        if stop_at == "self_assessed":
            return task
        monitoring.add_assessment(world.monitor, task, Period.FINAL, {
            "supervision_form": "field_survey", "judgement": "on_track",
            "strengths": "Hoàn thành trước thời hạn", "shortcomings": "", "causes": ""})
        if stop_at == "final_assessed":
            return task
        data = {"level_id": levels[level].id, "reasons": "Hoàn thành sớm, vượt chỉ tiêu",
                "commendation": "reward", "commendation_form": "Giấy khen của Ban Thường vụ"}
        if levels[level].requires_percent:
            data["percent"] = 60
        if levels[level].outcome.value in ("partial", "not_done"):
            data.update(commendation="none", commendation_form="", measures="Chuyển sang năm sau")
        review.record_verdict(world.standing, task, data)
        return task
    return make


@pytest.fixture
def laid_out(app):
    """The names of the templates rendered while the test runs, with the parts of pages kept rendered
    (``PAGE_CACHE_SIZE``, ``REPORT_CACHE_SIZE``: ``registry.blueprints.common.kept_html``)."""
    from flask import template_rendered

    from registry import trail_cache
    names: list[str] = []

    def rendered(sender, template, context, **extra):
        names.append(template.name)
    template_rendered.connect(rendered, app)
    app.config.update(PAGE_CACHE_SIZE=16, REPORT_CACHE_SIZE=8)
    trail_cache.clear_all()
    yield names
    template_rendered.disconnect(rendered, app)
    app.config.update(PAGE_CACHE_SIZE=0, REPORT_CACHE_SIZE=0)
    trail_cache.clear_all()


@pytest.fixture
def kept(app):
    """Values kept until the trail moves (``registry/trail_cache.py``), switched on for one test."""
    from registry import trail_cache
    app.config["COUNTS_CACHE_SIZE"] = 64
    trail_cache.clear_all()
    yield
    app.config["COUNTS_CACHE_SIZE"] = 0
    trail_cache.clear_all()
