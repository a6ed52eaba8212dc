"""A verdict locks the task and everything under it: every mutating route of the application, pages and API, refuses
a reviewed task with 409 (403 for a role that may never take the action) and changes nothing.

The routes come from the application's url_map, not from a hand-kept list: a new mutating route that acts on a
task, a note, a file, an assessment or a recommendation fails ``test_every_mutating_route_is_covered`` until it
is added to ``ROUTES`` below (or, if it does not act on one existing task, to ``NOT_TASK_BOUND``).
"""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from typing import Any, Callable

import pytest
from sqlalchemy import func, select

from registry import create_app
from registry.models import (
    AuditEvent,
    EvidenceFile,
    MidYearReview,
    Period,
    ProgressNote,
    Recommendation,
    Task,
    TaskState,
)
from registry.services import monitoring, progress, review
from registry.services import tokens as token_service
from registry.services.evidence import EvidenceStore, attach_evidence

S = TaskState
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LOCK_MESSAGE = "the task is locked"
ROLES = ("owner", "other_owner", "monitor", "other_monitor", "standing", "secretariat", "inspector")

#: routes that never touch a task (signing in, languages, own profile and tokens, administration, notifications)
SKIPPED_PREFIXES = ("/login", "/logout", "/language", "/profile", "/admin", "/notifications", "/static")
#: a mutating route under these prefixes, or with one of these arguments, must be known to this module
TASK_PREFIXES = ("/tasks", "/notes", "/files", "/assessments", "/recommendations", "/api/v1/tasks", "/api/v1/notes",
                 "/api/v1/files", "/api/v1/assessments", "/api/v1/recommendations")
TASK_ARGS = {"task_id", "note_id", "file_id", "assessment_id", "rec_id", "recommendation_id"}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def _mutating_rules() -> list[tuple[str, tuple[str, ...], bool]]:
    """(rule, mutating methods, whether it has a GET page) of every route that may change something, from the
    application's url_map."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "AUDIT_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    found = []
    for rule in app.url_map.iter_rules():
        methods = tuple(sorted((rule.methods or set()) & MUTATING))
        if methods and not rule.rule.startswith(SKIPPED_PREFIXES):
            found.append((rule.rule, methods, "GET" in (rule.methods or set())))
    return sorted(found)


MUTATING_RULES = _mutating_rules()


# -- how to take each action: (the role that normally may, the request body) ------------------------------------

def _task_form(ctx) -> dict[str, Any]:
    return {"kind": "hard", "field_id": ctx.world.field.id, "title": "Tên việc đã sửa", "goal": "Mục tiêu mới",
            "deliverable": "Sản phẩm", "deadline": "30/11/2026", "authority": "own",
            "indicators-0-name": "Hộ chưa đồng thuận", "indicators-0-unit": "hộ",
            "indicators-0-baseline": "44", "indicators-0-target": "0", "is_committed": "y"}


def _note_form(ctx, **extra) -> dict[str, Any]:
    return {"work_done": "Sửa nội dung báo cáo", f"values-{ctx.indicator.id}": "5", "status": "on_track",
            "difficulties": "", "causes": "", "proposals": "", "next_plan": "", **extra}


class Route:
    def __init__(self, role: str, body: Callable[[Any], dict] = lambda ctx: {}, *, kind: str = "form") -> None:
        self.role, self.body, self.kind = role, body, kind


ROUTES: dict[tuple[str, str], Route] = {
    # registration workflow (tasks blueprint)
    ("/tasks/<id:task_id>/edit", "POST"): Route("owner", _task_form),
    ("/tasks/<id:task_id>/submit", "POST"): Route("owner"),
    ("/tasks/<id:task_id>/withdraw", "POST"): Route("owner", lambda ctx: {"reason": "Không còn phù hợp"}),
    ("/tasks/<id:task_id>/approve", "POST"): Route("standing", lambda ctx: {
        "decision_ref": "99-QĐ/ĐU", "decision_date": "15/03/2026", "monitor_id": ctx.world.other_monitor.id}),
    ("/tasks/<id:task_id>/return", "POST"): Route("standing", lambda ctx: {"comment": "Bổ sung"}),
    ("/tasks/<id:task_id>/adjust", "POST"): Route("standing", lambda ctx: {**_task_form(ctx),
                                                                           "reason": "Điều chỉnh"}),
    ("/tasks/<id:task_id>/monitor", "POST"): Route("standing", lambda ctx: {
        "monitor_id": ctx.world.other_monitor.id}),
    # progress notes and evidence
    ("/tasks/<id:task_id>/notes/new", "POST"): Route("owner", lambda ctx: _note_form(ctx, quarter="2")),
    ("/notes/<id:note_id>/edit", "POST"): Route("owner", _note_form),
    ("/notes/<id:note_id>/amend", "POST"): Route("owner", lambda ctx: _note_form(ctx, reason="Sai số liệu")),
    ("/notes/<id:note_id>/files", "POST"): Route("owner", lambda ctx: {"file": (io.BytesIO(PDF), "them.pdf")},
                                                 kind="multipart"),
    # monitoring
    ("/tasks/<id:task_id>/assessments/new", "POST"): Route("monitor", lambda ctx: {
        "period": "q2", "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"}),
    ("/assessments/<id:assessment_id>/acknowledge", "POST"): Route("owner"),
    ("/recommendations/<id:rec_id>/reply", "POST"): Route("owner", lambda ctx: {"reply": "Đã thực hiện"}),
    ("/tasks/<id:task_id>/midyear", "POST"): Route("standing", lambda ctx: {"conclusion": "Kết luận mới"}),
    # year-end review
    ("/tasks/<id:task_id>/self-assessment", "POST"): Route("owner", lambda ctx: {
        f"reached-{ctx.indicator.id}": "0", "deliverable": "Mặt bằng", "self_level_id": ctx.levels["on_time"].id}),
    ("/tasks/<id:task_id>/final-assessment", "POST"): Route("monitor", lambda ctx: {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"}),
    ("/tasks/<id:task_id>/verdict", "POST"): Route("standing", lambda ctx: {
        "level_id": ctx.levels["on_time"].id, "reasons": "Đúng hạn", "commendation": "none"}),
    # the JSON API
    ("/api/v1/tasks/<id:task_id>", "PATCH"): Route("owner", lambda ctx: {"title": "Tên mới"}, kind="json"),
    ("/api/v1/tasks/<id:task_id>/submit", "POST"): Route("owner", kind="json"),
    ("/api/v1/tasks/<id:task_id>/withdraw", "POST"): Route("owner", lambda ctx: {"reason": "x"}, kind="json"),
    ("/api/v1/tasks/<id:task_id>/approve", "POST"): Route("standing", lambda ctx: {
        "decision_ref": "99-QĐ/ĐU", "decision_date": "2026-03-15", "monitor_id": ctx.world.other_monitor.id},
        kind="json"),
    ("/api/v1/tasks/<id:task_id>/return", "POST"): Route("standing", lambda ctx: {"comment": "x"}, kind="json"),
    ("/api/v1/tasks/<id:task_id>/adjust", "POST"): Route("standing", lambda ctx: {"reason": "x", "title": "y"},
                                                         kind="json"),
    ("/api/v1/tasks/<id:task_id>/assign-monitor", "POST"): Route("standing", lambda ctx: {
        "monitor_id": ctx.world.other_monitor.id}, kind="json"),
    ("/api/v1/tasks/<id:task_id>/notes", "POST"): Route("owner", lambda ctx: {
        "quarter": 2, "work_done": "x", "status": "on_track", "values": {str(ctx.indicator.id): 1}}, kind="json"),
    ("/api/v1/notes/<id:note_id>", "PATCH"): Route("owner", lambda ctx: {"work_done": "Sửa"}, kind="json"),
    ("/api/v1/notes/<id:note_id>/amendments", "POST"): Route("owner", lambda ctx: {
        "reason": "Sai số liệu", "work_done": "Sửa"}, kind="json"),
    ("/api/v1/notes/<id:note_id>/files", "POST"): Route("owner", lambda ctx: {
        "file": (io.BytesIO(PDF), "them.pdf")}, kind="api-multipart"),
    ("/api/v1/tasks/<id:task_id>/assessments", "POST"): Route("monitor", lambda ctx: {
        "period": "q2", "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"},
        kind="json"),
    ("/api/v1/assessments/<id:assessment_id>/acknowledge", "POST"): Route("owner", kind="json"),
    ("/api/v1/recommendations/<id:recommendation_id>/reply", "POST"): Route("owner", lambda ctx: {
        "reply": "Đã thực hiện"}, kind="json"),
    ("/api/v1/tasks/<id:task_id>/self-assessment", "POST"): Route("owner", lambda ctx: {
        "reached": {str(ctx.indicator.id): 0}, "deliverable": "Mặt bằng", "self_level_id": ctx.levels["on_time"].id},
        kind="json"),
    ("/api/v1/tasks/<id:task_id>/verdict", "POST"): Route("standing", lambda ctx: {
        "level_id": ctx.levels["on_time"].id, "reasons": "Đúng hạn", "commendation": "none"}, kind="json"),
}

#: the two routes that act on a reviewed task by design, each tested below: reopening (the one way to unlock) and
#: carry-over (a new task in a later year; the locked record stays as it is)
UNLOCKING = {("/tasks/<id:task_id>/reopen", "POST"), ("/tasks/<id:task_id>/carry-over", "POST"),
             ("/api/v1/tasks/<id:task_id>/reopen", "POST"), ("/api/v1/tasks/<id:task_id>/carry-over", "POST")}
#: routes that create a new task or act on a whole year rather than on one existing task
NOT_TASK_BOUND = {("/tasks/new", "POST"), ("/api/v1/tasks", "POST"), ("/years/<id:year_id>/midyear", "POST")}
#: GET-only pages of a mutating action (besides the GET of every GET+POST route above)
ACTION_PAGES = ["/tasks/<id:task_id>/decide"]

CASES = [(rule, method) for rule, methods, _ in MUTATING_RULES for method in methods]


def _is_task_bound(rule: str) -> bool:
    return rule.startswith(TASK_PREFIXES) or any(f":{arg}>" in rule for arg in TASK_ARGS)


def test_every_mutating_route_is_covered():
    """A new route that acts on a task or anything under it must be taught to this module."""
    unknown = [f"{method} {rule}" for rule, method in CASES
               if (rule, method) not in ROUTES and (rule, method) not in UNLOCKING | NOT_TASK_BOUND
               and _is_task_bound(rule)]
    assert not unknown, f"mutating routes the lock test cannot fill; add them to ROUTES: {unknown}"
    gone = set(ROUTES) - set(CASES)
    assert not gone, f"ROUTES lists routes the application no longer has: {gone}"


# -- a reviewed task with something of every kind under it --------------------------------------------------------

class Locked:
    """The reviewed task and the ids that fill a route's arguments."""

    def __init__(self, world, levels, task, note, evidence, assessment, recommendation) -> None:
        self.world, self.levels, self.task = world, levels, task
        self.indicator = task.indicators[0]
        self.ids = {"task_id": task.id, "note_id": note.id, "file_id": evidence.id,
                    "assessment_id": assessment.id, "rec_id": recommendation.id,
                    "recommendation_id": recommendation.id, "year_id": task.year_id}

    def url(self, rule: str) -> str:
        path = rule
        for name, value in self.ids.items():
            path = path.replace(f"<id:{name}>", str(value))
        assert "<" not in path, f"no id to fill {rule} with"
        return path


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    folder = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(folder))
    return EvidenceStore(folder, app.config["MAX_EVIDENCE_BYTES"])


@pytest.fixture
def locked(frozen_now, world, make_task, levels, store, db) -> Locked:
    """A reviewed task with a note and its file, a quarterly assessment awaiting acknowledgement with an open
    recommendation, a mid-year snapshot, the self-assessment, the final assessment and the verdict."""
    frozen_now(datetime(2026, 3, 20, 3, tzinfo=timezone.utc))
    task = make_task(S.APPROVED)
    indicator = task.indicators[0]
    note = progress.add_progress_note(world.owner, task, 1, {"work_done": "Đối thoại với 44 hộ",
                                                             "status": "on_track", "values": {indicator.id: 20}})
    evidence = attach_evidence(world.owner, note, io.BytesIO(PDF), "bien-ban.pdf", store)
    assessment = monitoring.add_assessment(
        world.monitor, task, Period.Q1, {"supervision_form": "document_review", "judgement": "on_track",
                                         "strengths": "Đúng kế hoạch"},
        [{"content": "Công khai danh sách hộ", "addressee": "UBND phường", "reply_deadline": date(2026, 12, 1)}])
    monitoring.take_mid_year_snapshots(world.secretariat, world.year)
    review.submit_self_assessment(world.owner, task, {"reached": {indicator.id: 0}, "deliverable": "Mặt bằng sạch",
                                                      "self_level_id": levels["exceeded"].id})
    monitoring.add_assessment(world.monitor, task, Period.FINAL, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Hoàn thành sớm"})
    review.record_verdict(world.standing, task, {"level_id": levels["exceeded"].id, "reasons": "Vượt chỉ tiêu",
                                                 "commendation": "reward", "commendation_form": "Giấy khen"})
    db.session.commit()
    assert task.state == S.REVIEWED and task.mid_year_review is not None
    return Locked(world, levels, task, note, evidence, assessment, assessment.recommendations[0])


def _signed_in(client, person):
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = str(person.id)
        session["_fresh"] = True
        session["lang"] = "en"
    return client


def _send(client, method: str, url: str, route: Route, ctx: Locked, token: str | None):
    body = route.body(ctx)
    if route.kind in ("json", "api-multipart"):
        headers = {"Accept-Language": "en", "If-Match": "*"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if route.kind == "api-multipart":
            return client.open(url, method=method, data=body, content_type="multipart/form-data", headers=headers)
        return client.open(url, method=method, json=body, headers=headers)
    content_type = "multipart/form-data" if route.kind == "multipart" else None
    return client.open(url, method=method, data=body, content_type=content_type)


class Record:
    """What must not change: the audit trail, the task's version, the seal over the locked record."""

    def __init__(self, db, task: Task) -> None:
        self.db, self.task_id = db, task.id
        self.before = self.take()

    def take(self) -> dict[str, Any]:
        session = self.db.session
        session.expire_all()
        task = session.get(Task, self.task_id)
        verdict = task.current_verdict
        return {
            "events": session.scalar(select(func.count(AuditEvent.seq))),
            "state": task.state, "version": task.version,
            "notes": session.scalar(select(func.count(ProgressNote.id))),
            "files": session.scalar(select(func.count(EvidenceFile.id))),
            "seal_holds": verdict is not None and review.compute_seal(task, verdict) == verdict.seal,
            "replies": [r.reply for r in session.scalars(select(Recommendation).order_by(Recommendation.id))],
            "acknowledged": [a.acknowledged_at for a in task.assessments],
            "midyear": task.mid_year_review.conclusion if task.mid_year_review else None,
        }

    def assert_unchanged(self, what: str) -> None:
        after = self.take()
        assert after == self.before, f"{what} changed the locked record"
        assert after["seal_holds"]


@pytest.mark.parametrize("rule,method", [c for c in CASES if c in ROUTES], ids=lambda v: v)
def test_mutating_route_refuses_a_locked_task(rule, method, locked, client, db):
    route = ROUTES[(rule, method)]
    url = locked.url(rule)
    tokens = {}
    if route.kind in ("json", "api-multipart"):
        tokens = {role: token_service.create_token(getattr(locked.world, role), "Kiểm thử")[1] for role in ROLES}
        db.session.commit()
    record = Record(db, locked.task)
    for role in ROLES:
        response = _send(_signed_in(client, getattr(locked.world, role)), method, url, route, locked,
                         tokens.get(role))
        text = response.get_data(as_text=True)
        if role == route.role:
            assert response.status_code == 409, (role, text[:2000])
            assert LOCK_MESSAGE in text, text[:2000]
        else:
            assert response.status_code in (403, 409), (role, response.status_code)
        record.assert_unchanged(f"{method} {rule} as {role}")


#: the form pages of the actions (GET of a GET+POST route), which must refuse too
GET_PAGES = sorted({rule for rule, _ in ROUTES} & {rule for rule, _, has_page in MUTATING_RULES if has_page}) \
    + ACTION_PAGES


@pytest.mark.parametrize("rule", GET_PAGES)
def test_form_pages_refuse_a_locked_task(rule, locked, client, db):
    route = ROUTES.get((rule, "POST"), Route("standing"))
    record = Record(db, locked.task)
    for role in ROLES:
        response = _signed_in(client, getattr(locked.world, role)).get(locked.url(rule))
        text = response.get_data(as_text=True)
        if role == route.role:
            assert response.status_code == 409, text[:2000]
            assert LOCK_MESSAGE in text
        else:
            assert response.status_code in (403, 409), (role, response.status_code)
        record.assert_unchanged(f"GET {rule} as {role}")


def test_locked_task_page_shows_no_change_buttons(locked, client):
    text = _signed_in(client, locked.world.owner).get(f"/tasks/{locked.task.id}").get_data(as_text=True)
    assert 'id="locked-banner"' in text
    for path in ("/edit", "/notes/new", "/adjust", "/monitor", "/self-assessment", "/final-assessment", "/verdict",
                 "/carry-over"):
        assert f'"/tasks/{locked.task.id}{path}' not in text
    note_id = locked.ids["note_id"]
    for path in (f"/notes/{note_id}/edit", f"/notes/{note_id}/amend", f"/notes/{note_id}/files",
                 f"/assessments/{locked.ids['assessment_id']}/acknowledge",
                 f"/recommendations/{locked.ids['rec_id']}/reply"):
        assert f'"{path}' not in text
    text = _signed_in(client, locked.world.standing).get(f"/tasks/{locked.task.id}").get_data(as_text=True)
    assert f'"/tasks/{locked.task.id}/midyear"' not in text and f'"/tasks/{locked.task.id}/reopen"' in text


# -- the routes that act on a reviewed task by design ---------------------------------------------------------------

def test_reopen_is_the_only_way_to_unlock(locked, client, db):
    url = f"/tasks/{locked.task.id}/reopen"
    record = Record(db, locked.task)
    for role in ("owner", "other_owner", "monitor", "other_monitor", "secretariat", "inspector"):
        response = _signed_in(client, getattr(locked.world, role)).post(url, data={"reason": "Sai số liệu"})
        assert response.status_code == 403
        record.assert_unchanged(f"reopen as {role}")
    response = _signed_in(client, locked.world.standing).post(url, data={"reason": "Sai số liệu"})
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.get(Task, locked.task.id)
    assert task.state == S.SELF_ASSESSED and task.current_verdict is None
    assert _signed_in(client, locked.world.standing).get(f"/tasks/{task.id}/verdict").status_code == 200


def test_carry_over_leaves_the_locked_record_alone(make_reviewed_task, make_year, world, client, db):
    task = make_reviewed_task(level="partial")
    next_year = make_year(world.year.year + 1)
    db.session.commit()
    record = Record(db, task)
    url = f"/tasks/{task.id}/carry-over"
    for role in ("other_owner", "monitor", "secretariat", "inspector"):
        assert _signed_in(client, getattr(world, role)).post(url, data={"reason": "x"}).status_code == 403
    response = _signed_in(client, world.owner).post(url, data={"year_id": next_year.id, "reason": "Còn 3 hộ"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    after = record.take()
    assert after["events"] == record.before["events"] + 1  # the new draft's creation, nothing on the old task
    assert {k: v for k, v in after.items() if k != "events"} == {
        k: v for k, v in record.before.items() if k != "events"}
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)) == "task.carry_over"


def test_year_wide_midyear_snapshot_skips_a_locked_task(make_reviewed_task, world, client, db):
    task = make_reviewed_task()
    db.session.commit()
    record = Record(db, task)
    response = _signed_in(client, world.secretariat).post(f"/years/{world.year.id}/midyear")
    assert response.status_code == 302
    record.assert_unchanged("the mid-year snapshot")
    assert db.session.scalar(select(MidYearReview.id).where(MidYearReview.task_id == task.id)) is None
