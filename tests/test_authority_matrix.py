"""Authority by committee, route by route: every endpoint of the application (pages and the JSON API), every
method, and every kind of actor — anonymous, the task's owner, another owner of the same committee, the assigned
monitor, another monitor of the committee, the Standing Committee, the secretariat and the inspectors of the
task's committee, of a sibling committee and of the parent committee — has an expected outcome class.

The world: province P (the top unit) with two communes, A (the committee of the tasks under test) and B (its
sibling). The endpoint table below is deny-by-default: an endpoint of ``app.url_map`` missing from it fails
``test_every_endpoint_is_in_the_matrix``.

``test_sibling_committee_sees_and_changes_nothing`` then runs several hundred cases of commune B's people against
commune A's data: no foreign title, name, code or file name in any answer, no row changed, no audit event
written, and every 403 logged by the policy.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import pytest
from sqlalchemy import func, select

from registry import clock
from registry.models import AuditEvent, Notification, Period, Role, TaskState
from registry.services import jobs, monitoring, progress, review
from registry.services import tasks as task_service
from registry.services import tokens as token_service
from registry.services.evidence import EvidenceStore, attach_evidence
from tests.conftest import task_input

S = TaskState
API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

#: the foreign markers: none may appear in any answer given to commune B's people
SECRET_TITLE = "Nạo vét kênh Mật Hiệu A"
SECRET_SEARCH = "nao vet kenh mat hieu"
OWNER_NAME = "Trần Thị Chủ Xã A"
MONITOR_NAME = "Vũ Giám Sát Xã A"
UNIT_A_NAME = "Xã An Phú Mật"
UNIT_A_CODE = "XA-7731"
FILE_NAME = "bien-ban-mat-hieu-a.pdf"
MARKERS = (SECRET_TITLE, OWNER_NAME, MONITOR_NAME, UNIT_A_NAME, UNIT_A_CODE, FILE_NAME)

ACTORS = ("owner", "other_owner", "monitor", "other_monitor", "a_standing", "a_secretariat", "a_inspector",
          "b_owner", "b_monitor", "b_standing", "b_secretariat", "b_inspector",
          "p_standing", "p_secretariat", "p_inspector")
SIBLING = ("b_standing", "b_secretariat", "b_inspector", "b_monitor", "b_owner")


# -- the world ---------------------------------------------------------------------------------------------------

@dataclass
class Scene:
    people: dict[str, Any]
    ids: dict[str, int]
    tokens: dict[str, str]
    world: Any
    levels: dict
    extra: dict[str, Any] = field(default_factory=dict)

    def fill(self, rule: str, **over) -> str:
        values = {**self.ids, **over}
        path = re.sub(r"<(?:[^:<>]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule)
        return path


@pytest.fixture
def scene(frozen_now, world, make_unit, make_person, levels, app, tmp_path, monkeypatch, db) -> Scene:
    folder = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(folder))
    store = EvidenceStore(folder, app.config["MAX_EVIDENCE_BYTES"])
    province = world.unit  # the top unit: world.standing / secretariat / inspector hold their roles here
    a = make_unit(UNIT_A_NAME, parent=province, code=UNIT_A_CODE)
    b = make_unit("Xã Bình Minh", parent=province, code="XB-1")
    p = {
        "owner": make_person(Role.OWNER, committee=a, unit=a, full_name=OWNER_NAME, username="a_owner"),
        "other_owner": make_person(Role.OWNER, committee=a, unit=a, username="a_owner2"),
        "monitor": make_person(Role.MONITOR, committee=a, full_name=MONITOR_NAME, username="a_monitor"),
        "other_monitor": make_person(Role.MONITOR, committee=a, username="a_monitor2"),
        "a_standing": make_person(Role.STANDING, committee=a, username="a_standing"),
        "a_secretariat": make_person(Role.SECRETARIAT, committee=a, username="a_secretariat"),
        "a_inspector": make_person(Role.INSPECTOR, committee=a, username="a_inspector"),
        "b_owner": make_person(Role.OWNER, committee=b, unit=b, username="b_owner"),
        "b_monitor": make_person(Role.MONITOR, committee=b, username="b_monitor"),
        "b_standing": make_person(Role.STANDING, committee=b, username="b_standing"),
        "b_secretariat": make_person(Role.SECRETARIAT, committee=b, username="b_secretariat"),
        "b_inspector": make_person(Role.INSPECTOR, committee=b, username="b_inspector"),
        "p_standing": world.standing, "p_secretariat": world.secretariat, "p_inspector": world.inspector,
    }
    victim = make_person(Role.OWNER, committee=a, unit=a, username="a_victim")
    year, owner, decider = world.year, p["owner"], p["a_standing"]

    def approved(who, standing, monitor, title):
        task = task_service.create_task(who, year, task_input(world.field, year, title=title))
        task_service.submit_task(who, task)
        return task_service.approve_task(standing, task, decision_ref="12-QĐ/ĐU", decision_date=clock.today(),
                                         monitor=monitor)

    main = approved(owner, decider, p["monitor"], f"{SECRET_TITLE} một")
    indicator = main.indicators[0]
    note = progress.add_progress_note(owner, main, 1, {"work_done": "Đối thoại với 44 hộ", "status": "on_track",
                                                       "values": {indicator.id: 20}})
    evidence = attach_evidence(owner, note, io.BytesIO(PDF), FILE_NAME, store)
    assessment = monitoring.add_assessment(
        p["monitor"], main, Period.Q1, {"supervision_form": "document_review", "judgement": "on_track",
                                        "strengths": "Đúng kế hoạch"},
        [{"content": "Công khai danh sách hộ", "addressee": "UBND xã", "reply_deadline": date(2026, 12, 1)}])
    submitted = task_service.create_task(owner, year, task_input(world.field, year, title=f"{SECRET_TITLE} hai"))
    task_service.submit_task(owner, submitted)
    reviewed = approved(owner, decider, p["monitor"], f"{SECRET_TITLE} ba")
    rind = reviewed.indicators[0]
    progress.add_progress_note(owner, reviewed, 1, {"work_done": "Xong", "status": "on_track",
                                                    "values": {rind.id: 10}})
    review.submit_self_assessment(owner, reviewed, {"reached": {rind.id: 0}, "deliverable": "Mặt bằng sạch",
                                                    "self_level_id": levels["exceeded"].id})
    monitoring.add_assessment(p["monitor"], reviewed, Period.FINAL, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Hoàn thành sớm"})
    review.record_verdict(decider, reviewed, {"level_id": levels["exceeded"].id, "reasons": "Vượt chỉ tiêu",
                                              "commendation": "reward", "commendation_form": "Giấy khen"})
    theirs = approved(p["b_owner"], p["b_standing"], p["b_monitor"], "Việc công khai của xã B")
    db.session.flush()
    tokens = {name: token_service.create_token(person, "Kiểm thử")[1] for name, person in p.items()}
    spare, _ = token_service.create_token(owner, "Dự phòng")
    notification = db.session.scalar(select(Notification).where(Notification.person_id == owner.id)
                                     .order_by(Notification.id).limit(1))
    assert notification is not None, "the owner has no notification to mark read"
    db.session.commit()
    assert main.committee_id == a.id and reviewed.state == S.REVIEWED and submitted.state == S.SUBMITTED
    job_id = secrets.token_hex(16)  # a finished job of the owner's, with its file
    jobs.save_record(jobs.JobRecord(id=job_id, kind="dossier.unit", person_id=owner.id, params={}, locale="vi",
                                    created_at=clock.now().isoformat(), state=jobs.DONE, progress=100,
                                    file=jobs.job_files().save(job_id, PDF), filename="x.pdf",
                                    mimetype="application/pdf"))
    ids = {"task_id": main.id, "note_id": note.id, "file_id": evidence.id, "assessment_id": assessment.id,
           "rec_id": assessment.recommendations[0].id, "recommendation_id": assessment.recommendations[0].id,
           "person_id": owner.id, "unit_id": a.id, "year_id": year.id, "field_id": world.field.id,
           "token_id": spare.id, "nid": notification.id, "code": "en", "fmt": "pdf", "filename": "x",
           "submitted_id": submitted.id, "reviewed_id": reviewed.id, "b_task_id": theirs.id,
           "victim_id": victim.id, "indicator_id": indicator.id, "job_id": job_id,
           "verdict_id": reviewed.current_verdict.id}
    return Scene(p, ids, tokens, world, levels, {"a": a, "b": b})


# -- sending requests --------------------------------------------------------------------------------------------

def _web(client, person, lang: str = "en"):
    with client.session_transaction() as session:
        session.clear()
        if person is not None:
            session["_user_id"] = str(person.id)
            session["_fresh"] = True
        session["lang"] = lang
    return client


def send(client, scene: Scene, actor: str | None, method: str, url: str, body: Any = None, *, lang="en"):
    """One request, read in full and closed (file downloads hold their file open until then)."""
    response = _send(client, scene, actor, method, url, body, lang=lang)
    response.get_data()
    response.close()
    return response


def _send(client, scene: Scene, actor: str | None, method: str, url: str, body: Any = None, *, lang="en"):
    """One request as ``actor`` (None: anonymous); API paths with the actor's token and no session."""
    if url.startswith(API):
        with client.session_transaction() as session:
            session.clear()
        headers = {"Accept-Language": lang}
        if actor is not None:
            headers["Authorization"] = f"Bearer {scene.tokens[actor]}"
        if method == "PATCH":
            headers["If-Match"] = "*"
        if isinstance(body, dict) and any(isinstance(v, tuple) for v in body.values()):
            return client.open(url, method=method, data=body, content_type="multipart/form-data", headers=headers)
        if method in ("POST", "PATCH"):
            return client.open(url, method=method, json=body if body is not None else {}, headers=headers)
        return client.open(url, method=method, headers=headers)
    _web(client, scene.people[actor] if actor else None, lang)
    if isinstance(body, dict) and any(isinstance(v, tuple) for v in body.values()):
        return client.open(url, method=method, data=body, content_type="multipart/form-data")
    return client.open(url, method=method, data=body or {})


# -- the matrix: endpoint -> (URL values, who may, per method) -----------------------------------------------------

OWNER = {"owner"}
DECIDER = {"a_standing"}
MONITOR = {"monitor"}
#: readers of a commune-A task: its owner and assigned monitor, the authorities of A and of the province above it
TASK_READ = {"owner", "monitor", "a_standing", "a_secretariat", "a_inspector", "p_standing", "p_secretariat",
             "p_inspector"}
ALL = set(ACTORS)
#: people who hold the owner role somewhere (world.standing also owns in the province)
REGISTER = {"owner", "other_owner", "b_owner", "p_standing"}
STANDING = {"a_standing", "b_standing", "p_standing"}
SECRETARIATS = {"a_secretariat", "b_secretariat", "p_secretariat"}
AUDIT = {"a_secretariat", "a_inspector", "b_secretariat", "b_inspector", "p_secretariat", "p_inspector"}
READERS = STANDING | AUDIT
#: readers whose scope holds commune A (the owner's dossier, A's dossier)
A_READERS = {"a_standing", "a_secretariat", "a_inspector", "p_standing", "p_secretariat", "p_inspector"}
#: any role held in A or above it (API org-unit lookups)
A_ANY_ROLE = {"owner", "other_owner", "monitor", "other_monitor"} | A_READERS
A_ADMIN = {"a_secretariat", "p_secretariat"}
ROOT_ADMIN = {"p_secretariat"}
PUBLIC = "public"


@dataclass(frozen=True)
class Row:
    """Who may (a set of actor names, or PUBLIC) and the URL values that differ from the scene's defaults."""
    allowed: Any
    values: dict[str, str] = field(default_factory=dict)
    query: str = ""


def R(allowed, query: str = "", **values) -> Row:
    return Row(allowed, values, query)


MATRIX: dict[str, Row] = {
    # public
    "static": R(PUBLIC, filename="css/app.css"),
    "auth.login": R(PUBLIC),
    "auth.set_language": R(PUBLIC),
    "auth.forgot_password": R(PUBLIC),
    "auth.reset_password": R(PUBLIC, token="not-a-valid-token"),
    "api_docs_ui.docs": R(PUBLIC),
    "api_docs_ui.asset": R(PUBLIC, filename="swagger-ui.css"),
    "api_docs_ui.init_script": R(PUBLIC),
    "api-docs.openapi_json": R(PUBLIC),
    #: a committee's public page: anyone; the scene's committees have not switched theirs on (404)
    "public.index": R(PUBLIC),
    "public.committee": R(PUBLIC, code=UNIT_A_CODE),
    # one's own
    "health.healthz": R(PUBLIC),
    "auth.logout": R(ALL),
    "auth.sign_out_everywhere": R(ALL),
    "auth.profile": R(ALL),
    "auth.create_token": R(ALL),
    "auth.revoke_token": R({"owner"} | A_ADMIN),
    "main.home": R(ALL),
    "help.index": R(ALL),
    "help.role": R(ALL, role="standing"),
    "main.report": R(READERS),
    # rating facts and commendation proposals: the readers of reports; the council's decision: the secretariat of
    # the task's committee or above
    "rating.facts": R(READERS),
    "rating.facts_export": R(READERS, fmt="xlsx"),
    "rating.proposals": R(READERS),
    "rating.proposals_export": R(READERS, fmt="docx"),
    "rating.decide": R(A_ADMIN),
    "api_rating.rating_facts": R(READERS, query="?year=2026"),
    "api_rating.list_proposals": R(READERS),
    "api_rating.record_decision": R(A_ADMIN),
    "main.report_export": R(READERS, query="?year=2026", report="so_ket", fmt="xlsx"),
    "main.report_export_job": R(READERS, query="?year=2026", report="so_ket", fmt="xlsx"),
    "monitoring.attention": R(ALL),
    #: a list of the attention page: those who have it (monitors, Standing Committees, secretariats); else 404
    "monitoring.attention_export": R(MONITOR | {"other_monitor", "b_monitor"} | STANDING | SECRETARIATS,
                                     query="?show=overdue_notes", fmt="csv"),
    "monitoring.notifications": R(ALL),
    "monitoring.mark_all_read": R(ALL),
    "monitoring.mark_read": R(OWNER),
    # tasks
    "tasks.index": R(ALL),
    "tasks.queue": R(STANDING),
    "tasks.export": R(ALL, fmt="xlsx"),
    "tasks.queue_export": R(STANDING, fmt="csv"),
    "tasks.new": R(REGISTER),
    "tasks.show": R(TASK_READ),
    "tasks.edit": R(OWNER),
    "tasks.submit": R(OWNER),
    "tasks.withdraw": R(OWNER),
    "tasks.decide": R(DECIDER, task_id="submitted_id"),
    "tasks.approve": R(DECIDER),
    "tasks.return_": R(DECIDER),
    "tasks.adjust": R(DECIDER),
    "tasks.monitor": R(DECIDER),
    # entering a past year afterwards: any secretariat reaches the form (409: the scene has no past year)
    "backfill.new_task": R(SECRETARIATS),
    # bulk registration from a spreadsheet: any secretariat reaches the pages (each row: its committee's or above;
    # the export holds only what the person reads; an empty upload is 422)
    "imports.index": R(SECRETARIATS),
    "imports.template": R(SECRETARIATS, fmt="xlsx"),
    "imports.export": R(SECRETARIATS, year="2026", fmt="csv"),
    "imports.check": R(SECRETARIATS),
    "imports.confirm": R(SECRETARIATS),
    # progress
    "progress.new_note": R(OWNER),
    "progress.edit_note": R(OWNER),
    "progress.amend_note": R(OWNER),
    "progress.upload": R(OWNER),
    "progress.download": R(TASK_READ),
    # monitoring
    "monitoring.new_assessment": R(MONITOR),
    "monitoring.acknowledge": R(OWNER),
    "monitoring.reply": R(OWNER),
    "monitoring.conclude_midyear": R(DECIDER),
    "monitoring.take_midyear": R(STANDING | SECRETARIATS),
    # year-end
    "review.self_assessment": R(OWNER),
    "review.final_assessment": R(MONITOR),
    "review.verdict": R(DECIDER),
    "review.reopen": R(DECIDER, task_id="reviewed_id"),
    "review.carry_over": R(OWNER | DECIDER, task_id="reviewed_id"),
    # dossiers and audit
    "dossier.person": R(OWNER | A_READERS),
    "dossier.person_export": R(OWNER | A_READERS),
    "dossier.person_audit": R(OWNER | A_READERS),
    "dossier.unit": R(A_READERS),
    "dossier.unit_export": R(A_READERS),
    "dossier.unit_export_job": R(A_READERS),
    "dossier.review_export": R(TASK_READ, task_id="reviewed_id"),
    "dossier.task_audit": R(TASK_READ),
    "dossier.audit_log": R(AUDIT),
    "dossier.verify": R(AUDIT),
    # a background job: only the person who asked for it (the scene's job is the owner's)
    "jobs.show": R(OWNER),
    "jobs.status": R(OWNER),
    "jobs.download": R(OWNER),
    # administration (the secretariat of the unit or above; settings only at the top)
    "admin.fields": R(ROOT_ADMIN),
    "admin.field_new": R(ROOT_ADMIN),
    "admin.field_edit": R(ROOT_ADMIN),
    "admin.years": R(ROOT_ADMIN),
    "admin.year_new": R(ROOT_ADMIN),
    "admin.year_edit": R(ROOT_ADMIN),
    "admin.people": R(SECRETARIATS),
    "admin.person_new": R(SECRETARIATS),
    "admin.person_edit": R(A_ADMIN, person_id="victim_id"),
    "admin.person_active": R(A_ADMIN, person_id="victim_id"),
    "admin.person_password": R(A_ADMIN, person_id="victim_id"),
    "admin.units": R(SECRETARIATS),
    "admin.unit_new": R(SECRETARIATS),
    "admin.unit_edit": R(A_ADMIN),
    "admin.unit_merge": R(A_ADMIN),
    "public.settings": R(A_ADMIN),
    # the API: reference data
    "api_reference.me": R(ALL),
    "api_reference.list_fields": R(ALL),
    "api_reference.get_field": R(ALL),
    "api_reference.list_years": R(ALL),
    "api_reference.get_year": R(ALL),
    "api_reference.list_org_units": R(ALL),
    "api_reference.get_org_unit": R(A_ANY_ROLE),
    "api_reference.list_people": R(ALL),
    "api_reference.get_person": R(OWNER | A_READERS),
    "api_review.verdict_levels": R(ALL),
    "api_reports.figures": R(READERS, query="?year=2026"),
    # the API: tasks
    "api_tasks.list_tasks": R(ALL),
    "api_tasks.create_task": R(REGISTER),
    "api_tasks.get_task": R(TASK_READ),
    "api_tasks.update_task": R(OWNER),
    "api_tasks.task_history": R(TASK_READ),
    "api_tasks.submit_task": R(OWNER),
    "api_tasks.withdraw_task": R(OWNER),
    "api_tasks.approve_task": R(DECIDER),
    "api_tasks.return_task": R(DECIDER),
    "api_tasks.adjust_task": R(DECIDER),
    "api_tasks.assign_monitor": R(DECIDER),
    "api_progress.list_notes": R(TASK_READ),
    "api_progress.create_note": R(OWNER),
    "api_progress.get_note": R(TASK_READ),
    "api_progress.update_note": R(OWNER),
    "api_progress.amend_note": R(OWNER),
    "api_progress.upload_file": R(OWNER),
    "api_progress.get_file": R(TASK_READ),
    "api_progress.get_file_content": R(TASK_READ),
    "api_monitoring.list_assessments": R(TASK_READ),
    "api_monitoring.create_assessment": R(MONITOR),
    "api_monitoring.acknowledge_assessment": R(OWNER),
    "api_monitoring.reply_to_recommendation": R(OWNER),
    "api_review.self_assess": R(OWNER),
    "api_review.record_verdict": R(DECIDER),
    "api_review.reopen": R(DECIDER, task_id="reviewed_id"),
    "api_review.carry_over": R(OWNER | DECIDER, task_id="reviewed_id"),
    "api_review.lineage": R(TASK_READ),
    "api_dossier.person_dossier": R(OWNER | A_READERS),
    "api_dossier.unit_dossier": R(A_READERS),
    "api_dossier.audit_events": R(AUDIT),
    "api_dossier.task_audit_events": R(TASK_READ),
    "api_dossier.verification": R(AUDIT),
}

ALLOWED_STATUS = {200, 201, 204, 301, 302, 303, 409, 422}
DENIED_STATUS = {403, 404}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def test_every_endpoint_is_in_the_matrix(app):
    """Deny by default: a new endpoint fails here until the matrix says who may use it."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "endpoints missing from MATRIX"
    assert set(MATRIX) - endpoints == set(), "MATRIX lists endpoints the application no longer has"


def _url(scene: Scene, rule, row: Row) -> str:
    over = {name: scene.ids[ref] for name, ref in row.values.items() if ref in scene.ids}
    over.update({name: value for name, value in row.values.items() if value not in scene.ids})
    return scene.fill(rule.rule, **over) + row.query


def _api_json_task(scene: Scene) -> dict:
    data = task_input(scene.world.field, scene.world.year, title="Việc mới qua API")
    data["deadline"] = data["deadline"].isoformat()
    data["milestones"] = [{**m, "due_on": m["due_on"].isoformat()} for m in data["milestones"]]
    data["year"] = scene.world.year.year
    return data


#: request bodies where an empty one would be refused by the schema before the policy is asked
MATRIX_BODIES: dict[str, Callable[[Scene], Any]] = {
    "api_tasks.create_task": _api_json_task,
    "api_progress.create_note": lambda sc: {"quarter": 2, "work_done": "Quý hai", "status": "on_track",
                                            "values": {str(sc.ids["indicator_id"]): 25}},
    "api_progress.upload_file": lambda sc: {"file": (io.BytesIO(PDF), "them.pdf")},
    "api_monitoring.create_assessment": lambda sc: {"period": "q2", "supervision_form": "field_survey",
                                                    "judgement": "on_track", "strengths": "Tốt"},
    "api_review.carry_over": lambda sc: {"year_id": sc.ids["year_id"], "reason": "Còn dở"},
    "api_rating.record_decision": lambda sc: {"decision": "not_accepted", "decided_on": "2026-03-15",
                                              "reason": "Chưa đủ tiêu chuẩn"},
    "admin.person_active": lambda sc: {"active": "1"},
}

#: denials that are answered 403 without a ``denied:`` line from the policy (none: every refusal is logged)
UNLOGGED_DENIALS: set[str] = set()


def _order(rule) -> int:
    """Run the endpoints that may change the scene (sign-out, revoking, deactivating) last."""
    return {"auth.revoke_token": 2, "auth.sign_out_everywhere": 2, "admin.person_active": 2, "admin.person_password": 2,
            "api_review.reopen": 3, "review.reopen": 3}.get(rule.endpoint, 0)


def test_route_matrix(scene, app, caplog):
    caplog.set_level(logging.WARNING, logger="registry.policy")
    client = app.test_client()
    failures, cases = [], 0
    for rule in sorted(_rules(app), key=_order):
        row = MATRIX[rule.endpoint]
        url = _url(scene, rule, row)
        is_api = url.startswith(API)
        make_body = MATRIX_BODIES.get(rule.endpoint)
        for method in [m for m in METHODS if m in (rule.methods or ())]:
            # anonymous
            response = send(client, scene, None, method, url)
            cases += 1
            if row.allowed == PUBLIC:
                if response.status_code >= 500 or response.status_code == 403:  # (a failed sign-in is 401)
                    failures.append(f"anonymous {method} {url}: {response.status_code}")
            elif is_api:
                if response.status_code != 401:
                    failures.append(f"anonymous {method} {url}: {response.status_code}, expected 401")
            elif response.status_code != 302 or "/login" not in response.headers.get("Location", ""):
                failures.append(f"anonymous {method} {url}: {response.status_code} "
                                f"{response.headers.get('Location')}, expected a redirect to /login")
            for actor in ACTORS:
                caplog.clear()
                body = make_body(scene) if make_body and method != "GET" else None
                response = send(client, scene, actor, method, url, body)
                cases += 1
                status = response.status_code
                if row.allowed == PUBLIC:
                    ok = status < 500
                elif actor in row.allowed:
                    ok = status in ALLOWED_STATUS
                else:
                    ok = status in DENIED_STATUS
                    if ok and status == 403 and rule.endpoint not in UNLOGGED_DENIALS and not any("denied:" in r.getMessage() for r in caplog.records):
                        failures.append(f"{actor} {method} {url}: 403 not logged")
                if not ok:
                    expected = "allowed" if row.allowed != PUBLIC and actor in row.allowed else "denied"
                    failures.append(f"{actor} {method} {url} ({rule.endpoint}): {status}, expected {expected}")
    assert not failures, f"{len(failures)} of {cases} cases:\n" + "\n".join(failures)
    assert cases > 1500


# -- commune B against commune A's data ----------------------------------------------------------------------------

def _note_form(sc: Scene, **extra) -> dict:
    return {"work_done": "Sửa nội dung", f"values-{sc.ids['indicator_id']}": "5", "status": "on_track", **extra}


def _task_form(sc: Scene, **extra) -> dict:
    return {"kind": "hard", "field_id": sc.ids["field_id"], "title": "Tên việc đã sửa", "goal": "Mục tiêu",
            "deliverable": "Sản phẩm", "deadline": "30/11/2026", "authority": "own",
            "indicators-0-name": "Hộ", "indicators-0-unit": "hộ", "indicators-0-baseline": "44",
            "indicators-0-target": "0", "is_committed": "y", **extra}


def _foreign_requests(sc: Scene) -> list[tuple[str, str, Any, str]]:
    """(method, url, body, kind) against commune A: kind "deny" (403/404) or "list" (200 or 403, A absent)."""
    t, s, r = sc.ids["task_id"], sc.ids["submitted_id"], sc.ids["reviewed_id"]
    n, f, a, rec = sc.ids["note_id"], sc.ids["file_id"], sc.ids["assessment_id"], sc.ids["rec_id"]
    owner, monitor, unit = sc.ids["person_id"], sc.people["monitor"].id, sc.ids["unit_id"]
    level = sc.levels["on_time"].id
    deny: list[tuple[str, str, Any]] = []
    # detail pages and forms (GET)
    for task in (t, s, r):
        deny += [("GET", f"/tasks/{task}", None), ("GET", f"/tasks/{task}/audit", None)]
    for path in ("edit", "adjust", "monitor", "notes/new", "assessments/new", "midyear", "self-assessment",
                 "final-assessment", "verdict"):
        deny.append(("GET", f"/tasks/{t}/{path}", None))
    deny += [("GET", f"/tasks/{s}/decide", None), ("GET", f"/tasks/{r}/reopen", None),
             ("GET", f"/tasks/{r}/carry-over", None), ("GET", f"/notes/{n}/edit", None),
             ("GET", f"/notes/{n}/amend", None), ("GET", f"/recommendations/{rec}/reply", None)]
    # file downloads and exports
    deny += [("GET", f"/files/{f}", None), ("GET", f"/tasks/{r}/review.pdf", None),
             ("GET", f"/tasks/{r}/review.docx", None),
             ("GET", f"/commendations/{sc.ids['verdict_id']}/decision", None)]
    for person in (owner, monitor):
        deny += [("GET", f"/people/{person}/dossier", None), ("GET", f"/people/{person}/audit", None),
                 ("GET", f"/people/{person}/dossier.pdf", None), ("GET", f"/people/{person}/dossier.docx", None)]
    deny += [("GET", f"/units/{unit}/dossier", None), ("GET", f"/units/{unit}/dossier.pdf", None),
             ("GET", f"/units/{unit}/dossier.docx", None)]
    # POSTs with bodies the rightful party's request would be accepted with
    deny += [
        ("POST", f"/tasks/{s}/edit", _task_form(sc)), ("POST", f"/tasks/{s}/submit", {}),
        ("POST", f"/tasks/{s}/withdraw", {"reason": "Không còn phù hợp"}),
        ("POST", f"/tasks/{s}/approve", {"decision_ref": "99-QĐ/ĐU", "decision_date": "15/03/2026",
                                         "monitor_id": monitor}),
        ("POST", f"/tasks/{s}/return", {"comment": "Bổ sung"}),
        ("POST", f"/tasks/{t}/adjust", _task_form(sc, reason="Điều chỉnh")),
        ("POST", f"/tasks/{t}/monitor", {"monitor_id": sc.people["other_monitor"].id}),
        ("POST", f"/tasks/{t}/notes/new", _note_form(sc, quarter="2")),
        ("POST", f"/notes/{n}/edit", _note_form(sc)), ("POST", f"/notes/{n}/amend", _note_form(sc, reason="Sai")),
        ("POST", f"/notes/{n}/files", {"file": (io.BytesIO(PDF), "them.pdf")}),
        ("POST", f"/tasks/{t}/assessments/new", {"period": "q2", "supervision_form": "field_survey",
                                                 "judgement": "on_track", "strengths": "Tốt"}),
        ("POST", f"/assessments/{a}/acknowledge", {}),
        ("POST", f"/recommendations/{rec}/reply", {"reply": "Đã thực hiện"}),
        ("POST", f"/tasks/{t}/midyear", {"conclusion": "Kết luận"}),
        ("POST", f"/tasks/{t}/self-assessment", {f"reached-{sc.ids['indicator_id']}": "0", "deliverable": "Xong",
                                                 "self_level_id": level}),
        ("POST", f"/tasks/{t}/final-assessment", {"supervision_form": "field_survey", "judgement": "on_track",
                                                  "strengths": "Tốt"}),
        ("POST", f"/tasks/{t}/verdict", {"level_id": level, "reasons": "Đúng hạn", "commendation": "none"}),
        ("POST", f"/tasks/{r}/reopen", {"reason": "Sai số liệu"}),
        ("POST", f"/tasks/{r}/carry-over", {"year_id": sc.ids["year_id"], "reason": "Còn dở"}),
        ("POST", f"/notifications/{sc.ids['nid']}/read", {}),
        ("POST", f"/commendations/{sc.ids['verdict_id']}/decision", {"decision": "accepted", "decision_ref": "45-QĐ",
                                                                    "decided_on": "15/03/2026"}),
        ("POST", f"{API}/commendations/{sc.ids['verdict_id']}/decision", {"decision": "accepted",
                                                                         "decision_ref": "45-QĐ",
                                                                         "decided_on": "2026-03-15"}),
    ]
    # the API: GET, PATCH, POST
    for task in (t, s, r):
        for path in ("", "/history", "/lineage", "/notes", "/assessments", "/audit-events"):
            deny.append(("GET", f"{API}/tasks/{task}{path}", None))
    deny += [("GET", f"{API}/notes/{n}", None), ("GET", f"{API}/files/{f}", None),
             ("GET", f"{API}/files/{f}/content", None), ("GET", f"{API}/org-units/{unit}", None),
             ("GET", f"{API}/org-units/{unit}/dossier", None)]
    for person in (owner, monitor):
        deny += [("GET", f"{API}/people/{person}", None), ("GET", f"{API}/people/{person}/dossier", None)]
    deny += [
        ("PATCH", f"{API}/tasks/{s}", {"title": "Tên mới"}), ("PATCH", f"{API}/notes/{n}", {"work_done": "Sửa"}),
        ("POST", f"{API}/tasks/{s}/submit", {}), ("POST", f"{API}/tasks/{s}/withdraw", {"reason": "x"}),
        ("POST", f"{API}/tasks/{s}/approve", {"decision_ref": "99-QĐ/ĐU", "decision_date": "2026-03-15",
                                              "monitor_id": monitor}),
        ("POST", f"{API}/tasks/{s}/return", {"comment": "x"}),
        ("POST", f"{API}/tasks/{t}/adjust", {"reason": "x", "title": "y"}),
        ("POST", f"{API}/tasks/{t}/assign-monitor", {"monitor_id": sc.people["other_monitor"].id}),
        ("POST", f"{API}/tasks/{t}/notes", {"quarter": 2, "work_done": "x", "status": "on_track",
                                            "values": {str(sc.ids["indicator_id"]): 1}}),
        ("POST", f"{API}/notes/{n}/amendments", {"reason": "Sai", "work_done": "Sửa"}),
        ("POST", f"{API}/notes/{n}/files", {"file": (io.BytesIO(PDF), "them.pdf")}),
        ("POST", f"{API}/tasks/{t}/assessments", {"period": "q2", "supervision_form": "field_survey",
                                                  "judgement": "on_track", "strengths": "Tốt"}),
        ("POST", f"{API}/assessments/{a}/acknowledge", {}),
        ("POST", f"{API}/recommendations/{rec}/reply", {"reply": "Đã thực hiện"}),
        ("POST", f"{API}/tasks/{t}/self-assessment", {"reached": {str(sc.ids["indicator_id"]): 0},
                                                      "deliverable": "Xong", "self_level_id": level}),
        ("POST", f"{API}/tasks/{t}/verdict", {"level_id": level, "reasons": "Đúng hạn", "commendation": "none"}),
        ("POST", f"{API}/tasks/{r}/reopen", {"reason": "Sai số liệu"}),
        ("POST", f"{API}/tasks/{r}/carry-over", {"year_id": sc.ids["year_id"], "reason": "Còn dở"}),
    ]
    # lists, searches, counts, notifications, reports, the audit trail
    listing = [("GET", f"/tasks/?q={SECRET_SEARCH}"), ("GET", "/tasks/"), ("GET", "/tasks/?state=submitted"),
               ("GET", f"/tasks/?owner={owner}"), ("GET", "/tasks/queue"), ("GET", "/attention"),
               ("GET", "/tasks/export.csv"), ("GET", f"/tasks/export.csv?q={SECRET_SEARCH}&sort=title"),
               ("GET", f"/tasks/export.csv?owner={owner}&sort=deadline&dir=desc"), ("GET", "/tasks/queue.csv"),
               ("GET", "/notifications"), ("GET", "/"), ("GET", "/reports"), ("GET", f"/reports?unit={unit}"),
               ("GET", "/audit"), ("GET", "/profile"),
               ("GET", "/rating?year=2026"), ("GET", "/rating?year=2026&by=unit"), ("GET", "/rating.csv?year=2026"),
               ("GET", "/commendations"), ("GET", "/commendations?state=proposed"),
               ("GET", f"{API}/rating-facts?year=2026"), ("GET", f"{API}/commendations?per_page=100"),
               ("GET", f"{API}/tasks?q={SECRET_SEARCH}"), ("GET", f"{API}/tasks?per_page=100"),
               ("GET", f"{API}/tasks?state=submitted"), ("GET", f"{API}/tasks?owner={owner}"),
               ("GET", f"{API}/people?per_page=100"), ("GET", f"{API}/org-units?per_page=100"),
               ("GET", f"{API}/audit-events?per_page=100"), ("GET", f"{API}/reports/figures?year=2026"),
               ("GET", f"{API}/me")]
    return [(m, u, b, "deny") for m, u, b in deny] + [(m, u, None, "list") for m, u in listing]


def _snapshot(db) -> tuple:
    """Every table's row count and the audit trail's last sequence number, in one query."""
    db.session.rollback()
    columns = [select(func.count()).select_from(table).scalar_subquery().label(table.name)
               for table in db.metadata.sorted_tables]
    columns.append(select(func.max(AuditEvent.seq)).scalar_subquery().label("max_seq"))
    return tuple(db.session.execute(select(*columns)).one())


def _totals(client, sc: Scene, actor: str) -> dict[str, Any]:
    """The counts an actor sees: list totals (page and API) and the header's attention count."""
    page = send(client, sc, actor, "GET", "/tasks/").get_data(as_text=True)
    home = send(client, sc, actor, "GET", "/").get_data(as_text=True)
    badge = re.search(r'id="attention-count"[^>]*>\s*(\d+)', home)
    return {"page": re.search(r"(\d+) in all", page).group(1),
            "api": send(client, sc, actor, "GET", f"{API}/tasks").get_json()["total"],
            "search": send(client, sc, actor, "GET", f"{API}/tasks?q={SECRET_SEARCH}").get_json()["total"],
            "attention": badge.group(1) if badge else None}


def test_sibling_committee_sees_and_changes_nothing(scene, app, db, caplog):
    caplog.set_level(logging.WARNING, logger="registry.policy")
    client = app.test_client()
    requests = _foreign_requests(scene)
    failures, cases = [], 0
    before = _snapshot(db)
    for actor in SIBLING:
        for method, url, body, kind in requests:
            cases += 1
            caplog.clear()
            if isinstance(body, dict):  # a fresh upload stream for every send
                body = {k: (io.BytesIO(PDF), v[1]) if isinstance(v, tuple) else v for k, v in body.items()}
            response = send(client, scene, actor, method, url, body)
            status, text = response.status_code, response.get_data(as_text=True)
            where = f"{actor} {method} {url}"
            if kind == "deny" and status not in DENIED_STATUS:
                failures.append(f"{where}: {status}, expected 403/404")
            if kind == "list" and status not in (200, 403, 404):
                failures.append(f"{where}: {status}, expected 200 (403 without the right, 404 out of scope)")
            if status == 403 and not any("denied:" in rec.getMessage() for rec in caplog.records):
                failures.append(f"{where}: 403 not logged")
            shown = [marker for marker in MARKERS if marker in text]
            if shown:
                failures.append(f"{where}: shows {shown}")
            after = _snapshot(db)
            if after != before:
                failures.append(f"{where}: changed data {before} -> {after}")
                before = after
    # the counts they see: their own commune's one task, nothing of A's, before and after A gets busier
    seen = {actor: _totals(client, scene, actor) for actor in SIBLING}
    for actor, totals in seen.items():
        cases += 1
        if (totals["page"], totals["api"], totals["search"]) != ("1", 1, 0):
            failures.append(f"{actor} counts {totals}, expected 1 task listed and 0 found")
    owner = scene.people["owner"]
    extra = task_service.create_task(owner, scene.world.year, task_input(
        scene.world.field, scene.world.year, title=f"{SECRET_TITLE} bốn"))
    task_service.submit_task(owner, extra)
    db.session.commit()
    for actor in SIBLING:
        cases += 1
        if _totals(client, scene, actor) != seen[actor]:
            failures.append(f"{actor}: counts moved with commune A's new task")
    assert not failures, f"{len(failures)} of {cases} cases:\n" + "\n".join(failures)
    assert cases >= 300, cases
