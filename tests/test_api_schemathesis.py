"""Schemathesis against the OpenAPI document, in process: every operation, in positive and negative mode, each
generated request sent with the tokens of an owner, a monitor, a Standing Committee member and the secretariat.
No 5xx, every response conforms to the document (status code, content type, headers, body schema), and
malformed input is rejected.

Schemathesis' own pytest loader does not run under this pytest, so each operation's Hypothesis strategy is
driven directly with ``@given``.
"""

from __future__ import annotations

import io

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug import Client

from registry import clock, create_app
from registry.models import Period, TaskState
from registry.services import monitoring, progress
from registry.services.evidence import EvidenceStore, attach_evidence
from tests.test_api_contract import token_for  # noqa: F401 - a fixture

S = TaskState
ROLES = ["owner", "monitor", "standing", "secretariat"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 5
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _operations() -> list[str]:
    """``METHOD /path`` of every operation in the document (read from an app that needs no database)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "collect", "AUDIT_KEY": "collect",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return [f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")]


OPERATIONS = _operations()


@pytest.fixture
def task_ids(world, make_task, db) -> list[int]:
    """Tasks in every reachable state, owned by the owner (and one by another owner), committed."""
    made = [make_task(state) for state in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.WITHDRAWN)]
    made.append(make_task(S.SUBMITTED, owner=world.other_owner))
    db.session.commit()
    return [t.id for t in made]


#: operations on the rows of the progress, monitoring and year-end workflow (they need more than tasks)
RECORD_PATHS = ("/notes", "/files", "assessments", "recommendations", "self-assessment", "verdict", "reopen",
                "carry-over", "lineage", "dossier", "audit")


@pytest.fixture
def record_ids(request, app, world, make_task, make_reviewed_task, make_year, db, tmp_path, monkeypatch) -> dict:
    """For the operations of ``RECORD_PATHS``: a task under way with a note, an evidence file, an assessment and a
    recommendation, tasks at each year-end step (self-assessed, finally assessed, reviewed partial) and an open
    next year, committed. Other operations get nothing (it saves time)."""
    label = request.node.callspec.params["label"]
    if not any(part in label for part in RECORD_PATHS):
        return {}
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    under_way = make_task(S.APPROVED)
    note = progress.add_progress_note(world.owner, under_way, 1, {
        "work_done": "Đối thoại với 24 hộ", "status": "on_track", "values": {under_way.indicators[0].id: 20}})
    store = EvidenceStore(tmp_path / "evidence", app.config["MAX_EVIDENCE_BYTES"])
    evidence = attach_evidence(world.owner, note, io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "Biên bản.pdf", store)
    assessment = monitoring.add_assessment(world.monitor, under_way, Period.Q2, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"}, [
        {"content": "Báo cáo quỹ nhà", "addressee": "UBND phường", "reply_deadline": clock.today()}])
    year_end = [make_reviewed_task(stop_at="self_assessed"), make_reviewed_task(stop_at="final_assessed"),
                make_reviewed_task(level="partial")]
    next_year = make_year(world.year.year + 1)
    db.session.commit()
    return {"task_id": [under_way.id] + [t.id for t in year_end], "note_id": [note.id], "file_id": [evidence.id],
            "assessment_id": [assessment.id], "recommendation_id": [assessment.recommendations[0].id],
            "year_id": [next_year.id]}


_loaded: dict[int, object] = {}


class BufferingClient(Client):
    """werkzeug's test client, reading each response in full and closing it: Schemathesis' WSGI transport never
    closes a response, which leaves a downloaded file open."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response


@pytest.fixture
def api_schema(app):
    """The document as Schemathesis reads it, loaded once per application."""
    if id(app) not in _loaded:
        _loaded[id(app)] = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return _loaded[id(app)]


def _aim_at_real_rows(case, world, task_ids, record_ids) -> None:
    """Random ids rarely exist: send most positive cases to real rows, with a matching If-Match, and
    make some bodies and queries name the open year and a real field or unit, so that successes are exercised
    too."""
    if not (case.meta and case.meta.generation.mode.is_positive):
        return  # negative cases stay as generated: they must be refused
    ids = {"task_id": task_ids, "person_id": [world.owner.id, world.secretariat.id], "unit_id": [world.unit.id],
           "year_id": [world.year.id], "field_id": [world.field.id]}
    for name, more in record_ids.items():
        ids[name] = ids.get(name, []) + more
    for name, value in dict(case.path_parameters or {}).items():
        if name in ids and isinstance(value, int) and value % 5:
            case.path_parameters[name] = ids[name][value % len(ids[name])]
    headers = case.headers or {}
    if isinstance(headers.get("If-Match"), str) and len(headers["If-Match"]) % 4:
        headers["If-Match"] = "*"
    query = case.query or {}
    if isinstance(query.get("year"), int) and query["year"] % 3:
        query["year"] = world.year.year
    if isinstance(query.get("unit"), int) and query["unit"] % 3:
        query["unit"] = world.unit.id
    body = case.body
    if isinstance(body, dict) and len(str(body)) % 2:
        for name, real in (("year", world.year.year), ("field_id", world.field.id),
                           ("year_id", (record_ids.get("year_id") or [world.year.id])[0])):
            if isinstance(body.get(name), int):
                body[name] = real
        for name in ("deadline", "milestones", "indicators", "owner_unit_id"):
            body.pop(name, None)


def test_every_operation_is_covered():
    assert len(OPERATIONS) >= 44 and "PATCH /api/v1/tasks/{task_id}" in OPERATIONS
    for label in ("POST /api/v1/notes/{note_id}/files", "PATCH /api/v1/notes/{note_id}", "GET /api/v1/audit-events",
                  "POST /api/v1/tasks/{task_id}/carry-over", "GET /api/v1/reports/figures"):
        assert label in OPERATIONS


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
                         ids=["positive", "negative"])
@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_conforms_to_the_document(label, mode, app, api_schema, world, token_for,  # noqa: F811
                                            task_ids, record_ids):
    operation = api_schema.find_operation_by_label(label)
    tokens = {role: token_for(getattr(world, role)) for role in ROLES}
    checks = CHECKS + ([negative_data_rejection] if mode == schemathesis.GenerationMode.NEGATIVE else [])
    client = BufferingClient(app)

    @SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        _aim_at_real_rows(case, world, task_ids, record_ids)
        for role in ROLES:
            response = case.call(session=client, headers={"Authorization": f"Bearer {tokens[role]}"})
            case.validate_response(response, checks=checks)

    run()
