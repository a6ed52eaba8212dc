"""One shape for every action: the page form, the API's input schema and the service take and refuse the same
inputs. For every action the form's ``Length(max=…)`` and the API schema's ``Length(max=…)`` equal the service's
limit; a value one character over it is refused on the same field with the same Vietnamese message by the page
form, the API schema and the service; a field the page requires is required by the API schema with the page's
message; and the service itself accepts a value at the limit and refuses one a character over it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from marshmallow import ValidationError
from marshmallow import validate as ma_validate
from werkzeug.datastructures import MultiDict
from wtforms.validators import DataRequired, InputRequired, Length

from registry import clock
from registry.api.errors import flatten_messages
from registry.api.schemas import inputs
from registry.blueprints.admin import forms as admin_forms
from registry.blueprints.monitoring import forms as monitoring_forms
from registry.blueprints.progress import forms as progress_forms
from registry.blueprints.review import forms as review_forms
from registry.blueprints.tasks import forms as task_forms
from registry.models import Period, TaskState
from registry.services import admin, monitoring, people, progress, review
from registry.services import task_input as form_a
from registry.services import task_core
from registry.services import tasks as task_service
from registry.services.errors import ValidationFailed, too_long
from tests.test_api_contract import api_as, token_for  # noqa: F401 - fixtures


@dataclass
class Action:
    name: str
    form: type | None  #: the page's form class (a row form for repeated rows)
    schema: type | None  #: the API's input schema (None: the action has no API body)
    limits: dict[str, int]  #: field → the service's limit
    required: set[str] = field(default_factory=set)  #: fields the form requires (the service must too)
    #: fields the page requires that an API body may leave out (a partial change keeps the task's value)
    kept: set[str] = field(default_factory=set)


FORM_A = {name: form_a.MAX_LENGTHS.get(name, form_a.MAX_TEXT) for name in form_a.TEXT_FIELDS}
NOTE = {name: progress.MAX_TEXT for name in progress.TEXT_FIELDS}
FINDINGS = {name: monitoring.MAX_TEXT for name in ("strengths", "shortcomings", "causes")}

ACTIONS = [
    Action("task.create", task_forms.NewRegistrationForm, inputs.TaskCreateInput, FORM_A, {"title"}),
    Action("task.edit", task_forms.RegistrationForm, inputs.TaskUpdateInput, FORM_A, {"title"}, kept={"title"}),
    Action("task.adjust", task_forms.AdjustForm, inputs.AdjustInput,
           {**FORM_A, "reason": task_core.MAX_REASON}, {"title", "reason"}, kept={"title"}),
    Action("task.indicator", task_forms.IndicatorRow, inputs.IndicatorInput,
           {"name": form_a.MAX_INDICATOR_NAME, "unit": form_a.MAX_INDICATOR_UNIT}),
    Action("task.milestone", task_forms.MilestoneRow, inputs.MilestoneInput, {"description": form_a.MAX_MILESTONE}),
    Action("task.withdraw", task_forms.WithdrawForm, inputs.WithdrawInput, {"reason": task_core.MAX_REASON}),
    Action("task.return", task_forms.ReturnForm, inputs.ReturnInput, {"comment": task_core.MAX_REASON},
           {"comment"}),
    Action("task.approve", task_forms.ApproveForm, inputs.ApproveInput,
           {"decision_ref": task_core.MAX_DECISION_REF}, {"decision_ref"}),
    Action("note.create", progress_forms.NewNoteForm, inputs.NoteCreateInput, NOTE),
    Action("note.edit", progress_forms.EditNoteForm, inputs.NoteFieldsInput, NOTE),
    Action("note.amend", progress_forms.AmendNoteForm, inputs.AmendmentInput,
           {**NOTE, "reason": task_core.MAX_REASON}),
    Action("assessment", monitoring_forms.AssessmentForm, inputs.AssessmentInput, FINDINGS),
    Action("recommendation", monitoring_forms.RecommendationRow, inputs.RecommendationInput,
           {"content": monitoring.MAX_TEXT, "addressee": monitoring.MAX_ADDRESSEE}),
    Action("reply", monitoring_forms.ReplyForm, inputs.ReplyInput, {"reply": monitoring.MAX_TEXT}, {"reply"}),
    Action("self_assessment", review_forms.SelfAssessmentForm, inputs.SelfAssessmentInput,
           {name: review.MAX_TEXT for name in ("deliverable", "shortcomings", "lessons")}),
    Action("final_assessment", monitoring_forms.AssessmentForm, inputs.AssessmentInput, FINDINGS),
    Action("verdict", review_forms.VerdictForm, inputs.VerdictInput, {
        "reasons": review.MAX_TEXT, "measures": review.MAX_TEXT,
        "commendation_form": review.MAX_COMMENDATION_FORM, "conclusion_ref": review.MAX_CONCLUSION_REF}),
    Action("reopen", review_forms.ReopenForm, inputs.ReopenInput, {"reason": review.MAX_TEXT}),
    Action("carry_over", review_forms.CarryOverForm, inputs.CarryOverInput, {"reason": review.MAX_TEXT}),
    Action("admin.person", admin_forms.PersonForm, None, {"username": people.MAX_USERNAME, "full_name": people.MAX_NAME,
                                                          "position": people.MAX_NAME, "email": people.MAX_NAME}),
    Action("admin.unit", admin_forms.OrgUnitForm, None, {"name": 200, "code": 40}),
    Action("admin.year", admin_forms.YearForm, None, {"rating_regulation": 100}),
    Action("admin.field", admin_forms.FieldForm, None, {"name": 200, "name_en": 200}),
]
LIMITS = {action.name: action.limits for action in ACTIONS}


def _validators(form: type, name: str) -> list:
    unbound = getattr(form, name, None)
    assert unbound is not None, f"{form.__name__} has no field {name}"
    return list(unbound.kwargs.get("validators") or [])


def _form_max(form: type, name: str) -> int | None:
    lengths = [v.max for v in _validators(form, name) if isinstance(v, Length)]
    assert len(lengths) <= 1
    return lengths[0] if lengths else None


def _schema_max(schema: type, name: str) -> int | None:
    declared = schema._declared_fields
    assert name in declared, f"{schema.__name__} has no field {name}"
    found = declared[name].validators
    lengths = [v.max for v in found if isinstance(v, ma_validate.Length)]
    return lengths[0] if lengths else None


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_form_and_schema_carry_the_service_limits(action):
    for name, limit in action.limits.items():
        assert _form_max(action.form, name) == limit, f"{action.name}: the form's {name} limit"
        if action.schema is not None:
            assert _schema_max(action.schema, name) == limit, f"{action.name}: the API's {name} limit"
    for name in action.required:
        assert any(isinstance(v, (DataRequired, InputRequired)) for v in _validators(action.form, name)), \
            f"{action.name}: the form should require {name}"


# -- the page and the API say the same --------------------------------------------------------------------------

def _page_errors(form_class: type, name: str, value: str) -> list[str]:
    """The messages the page form puts on ``name`` for ``value`` (the field validated as the page does)."""
    form = form_class(formdata=MultiDict({name: value}), meta={"csrf": False})
    form[name].validate(form)
    return [str(m) for m in form[name].errors]


def _api_errors(schema: type, data: dict[str, Any], *, partial: bool = True) -> dict[str, list[str]]:
    """The field errors of the API's 422 problem for the body ``data`` (keys as the problem gives them)."""
    try:
        schema().load(data, partial=partial)
    except ValidationError as exc:
        return flatten_messages(exc.messages)
    return {}


@pytest.mark.parametrize("action", [a for a in ACTIONS if a.schema is not None], ids=lambda a: a.name)
def test_too_long_values_get_the_pages_message_in_the_api(action, app):
    """One character over the limit: the API's field key and message are the page's, in Vietnamese, and the
    service's words (``too_long``)."""
    with app.test_request_context():
        for name, limit in action.limits.items():
            value = "x" * (limit + 1)
            page = _page_errors(action.form, name, value)
            assert page == [f"Tối đa {limit} ký tự."], f"{action.name}: the page's message for {name}"
            assert _api_errors(action.schema, {name: value}) == {name: page}, f"{action.name}: the API's {name}"
            assert _api_errors(action.schema, {name: "x" * limit}) == {}, f"{action.name}: {name} at the limit"
            assert page == [str(too_long(limit))]


@pytest.mark.parametrize("action", [a for a in ACTIONS if a.schema is not None and a.required - a.kept],
                         ids=lambda a: a.name)
def test_required_fields_get_the_pages_message_in_the_api(action, app):
    """A field the page requires is required in the API's schema too (and its document), with the page's message
    for a missing one (the service gives it: ``test_the_api_answers_with_the_pages_field_message``)."""
    with app.test_request_context():
        errors = _api_errors(action.schema, {}, partial=False)
        assert not action.kept & set(errors), f"{action.name}: a partial change requires {action.kept & set(errors)}"
        for name in action.required - action.kept:
            assert errors.get(name) == _page_errors(action.form, name, ""), f"{action.name}: {name} when missing"
            assert errors[name] and "Missing data" not in errors[name][0]


def test_every_text_field_of_a_form_is_listed():
    """A new text field on one of these forms must get its row above (and so its service check)."""
    from wtforms import StringField, TextAreaField

    for action in ACTIONS:
        for name in dir(action.form):
            unbound = getattr(action.form, name)
            if getattr(unbound, "field_class", None) in (StringField, TextAreaField) and name not in {
                    "percent_complete", "percent", "baseline", "target"}:
                assert name in action.limits, \
                    f"{action.name}: {name} has no limit row"


# -- the service at the limit and one over it ----------------------------------------------------------------

#: the admin services word their own messages ("Enter a short code (at most 40 characters)."); they have no API
OWN_WORDS = object()


def _check(run: Callable[[str], Any], key: str, limit: int, message: Any = None) -> None:
    """``run(value)`` calls the service with ``value`` in the field; errors on ``key`` only over the limit, with
    the page's message (``too_long``, unless ``message`` is ``OWN_WORDS``)."""
    def errors_for(value: str) -> list:
        try:
            run(value)
        except ValidationFailed as exc:
            return exc.errors.get(key, [])
        return []
    assert errors_for("x" * limit) == [], f"{key}: {limit} characters should be accepted"
    refused = [str(m) for m in errors_for("x" * (limit + 1))]
    assert refused, f"{key}: {limit + 1} characters should be refused"
    assert message is OWN_WORDS or refused == [str(too_long(limit))], f"{key}: not the page's message"


def test_form_a_limits_in_the_service(world, db):
    for name, limit in FORM_A.items():
        _check(lambda value, name=name: form_a.clean_task_input(
            {"kind": "hard", "field_id": world.field.id, name: value}, world.year), name, limit)
    _check(lambda value: form_a.clean_task_input({"indicators": [
        {"name": value, "unit": "hộ", "target": 1}]}, world.year, partial=True), "indicators.0.name", 300)
    _check(lambda value: form_a.clean_task_input({"indicators": [
        {"name": "Hộ", "unit": value, "target": 1}]}, world.year, partial=True), "indicators.0.unit", 50)
    _check(lambda value: form_a.clean_task_input({"milestones": [
        {"description": value, "due_on": date(world.year.year, 6, 1)}]}, world.year, partial=True),
        "milestones.0.description", 500)


def test_decision_limits_in_the_service(world, make_task, db):
    _check(lambda value: task_service.withdraw_task(world.owner, make_task(), value),
           "reason", task_core.MAX_REASON)
    _check(lambda value: task_service.return_task(world.standing, make_task(TaskState.SUBMITTED), comment=value),
           "comment", task_core.MAX_REASON)
    _check(lambda value: task_service.approve_task(world.standing, make_task(TaskState.SUBMITTED),
                                                   decision_ref=value, decision_date=clock.today(),
                                                   monitor=world.monitor),
           "decision_ref", task_core.MAX_DECISION_REF)
    approved = make_task(TaskState.APPROVED)
    _check(lambda value: task_service.adjust_task(world.standing, approved, reason=value,
                                                  data={"goal": "Vận động 100% hộ dân"}),
           "reason", task_core.MAX_REASON)


def test_note_limits_in_the_service(world, make_task, db):
    task = make_task(TaskState.APPROVED)
    for name, limit in NOTE.items():
        data = {"work_done": "Đã đối thoại", "status": "on_track",
                "values": {str(task.indicators[0].id): 20}}
        _check(lambda value, data=data, name=name: progress.clean_note_input(task, {**data, name: value}),
               name, limit)


def test_monitoring_limits_in_the_service(world, make_task, db):
    findings = {"supervision_form": "field_survey", "judgement": "on_track", "strengths": "Đối thoại tốt"}
    recommendation = {"content": "Bố trí quỹ nhà", "addressee": "UBND phường",
                      "reply_deadline": clock.today()}
    for name, limit in FINDINGS.items():
        _check(lambda value, name=name: monitoring.add_assessment(
            world.monitor, make_task(TaskState.APPROVED), Period.Q1, {**findings, name: value},
            [{**recommendation}]), name, limit)
    for name in ("content", "addressee"):
        _check(lambda value, name=name: monitoring.add_assessment(
            world.monitor, make_task(TaskState.APPROVED), Period.Q1, findings,
            [{**recommendation, name: value}]), f"recommendations.0.{name}", LIMITS["recommendation"][name])

    def reply(value: str) -> None:
        assessment = monitoring.add_assessment(world.monitor, make_task(TaskState.APPROVED), Period.Q1, findings,
                                               [{**recommendation}])
        monitoring.reply_to_recommendation(world.owner, assessment.recommendations[0], value)
    _check(reply, "reply", monitoring.MAX_TEXT)


def test_review_limits_in_the_service(world, make_reviewed_task, make_year, levels, db):
    base = {"level_id": levels["exceeded"].id, "reasons": "Vượt chỉ tiêu", "commendation": "reward",
            "commendation_form": "Giấy khen"}
    for name, limit in LIMITS["verdict"].items():
        _check(lambda value, name=name: review.record_verdict(
            world.standing, make_reviewed_task(stop_at="final_assessed"), {**base, name: value}),
               name, limit)
    _check(lambda value: review.reopen_task(world.standing, make_reviewed_task(level="exceeded"), value),
           "reason", review.MAX_TEXT)
    next_year = make_year(world.year.year + 1)
    _check(lambda value: review.carry_over(world.owner, make_reviewed_task(level="partial"), next_year, value),
           "reason", review.MAX_TEXT)


def test_self_assessment_limits_in_the_service(world, make_task, levels, db):
    for name in ("deliverable", "shortcomings", "lessons"):
        def run(value, name=name):
            task = make_task(TaskState.APPROVED)
            progress.add_progress_note(world.owner, task, 1, {
                "work_done": "Đã đối thoại", "status": "on_track", "values": {str(task.indicators[0].id): 20}})
            review.submit_self_assessment(world.owner, task, {
                "reached": {task.indicators[0].id: 0}, "deliverable": "Mặt bằng", "self_level_id":
                levels["exceeded"].id, name: value})
        _check(run, name, review.MAX_TEXT)


def test_admin_limits_in_the_service(world, db):
    secretariat = world.secretariat
    for name, limit in LIMITS["admin.unit"].items():
        data = {"name": "Phường Mới", "code": f"PM{name}", "level": "commune", "parent_id": world.unit.id}
        _check(lambda value, name=name, data=data: admin.save_org_unit(secretariat, None, {**data, name: value}),
               name, limit, OWN_WORDS)
    for name, limit in LIMITS["admin.field"].items():
        _check(lambda value, name=name: admin.save_field(secretariat, None, {"name": f"Lĩnh vực {name}",
                                                                           name: value}), name, limit, OWN_WORDS)
    _check(lambda value: admin.save_year(secretariat, world.year, {"rating_regulation": value}),
           "rating_regulation", LIMITS["admin.year"]["rating_regulation"], OWN_WORDS)


def test_person_limits_in_the_service(world, db):
    def person(**overrides):
        return {"username": "nguoi.moi", "full_name": "Nguyễn Văn Mới", "org_unit_id": world.unit.id, **overrides}
    for name in ("full_name", "position"):
        _check(lambda value, name=name: people.update_person(world.secretariat, world.owner, person(**{name: value})),
               name, people.MAX_NAME)
    local = "a" * 64 + "@"
    _check(lambda value: people.update_person(world.secretariat, world.owner, person(
        email=local + value[len(local) + 4:] + ".com")), "email", people.MAX_NAME)
    _check(lambda value: people.update_person(world.secretariat, world.owner, person(username="u" + value[1:])),
           "username", people.MAX_USERNAME, OWN_WORDS)


# -- through both doors --------------------------------------------------------------------------------------------

def _page_messages(html: str, name: str) -> list[str]:
    """The messages the page shows under its field ``name`` (HTML-unescaped)."""
    from html import unescape
    return [unescape(m) for m in re.findall(rf'<p class="error" id="{name}-error">(.*?)</p>', html)]


@pytest.mark.parametrize("action, name, page_body, api_body", [
    ("return", "comment", {"comment": "x" * (task_core.MAX_REASON + 1)},
     {"comment": "x" * (task_core.MAX_REASON + 1)}),
    ("return", "comment", {"comment": ""}, {}),
    ("approve", "decision_ref", {"decision_ref": "x" * (task_core.MAX_DECISION_REF + 1),
                                 "decision_date": "15/03/2026"},
     {"decision_ref": "x" * (task_core.MAX_DECISION_REF + 1), "decision_date": "2026-03-15"}),
    ("approve", "decision_ref", {"decision_date": "15/03/2026"}, {"decision_date": "2026-03-15"}),
    ("approve", "decision_date", {"decision_ref": "12-QĐ/ĐU"}, {"decision_ref": "12-QĐ/ĐU"}),
])
def test_the_api_answers_with_the_pages_field_message(action, name, page_body, api_body, world, make_task,
                                                       login_as, api_as, db):  # noqa: F811
    """A too-long or missing value: the API's 422 problem names the page's field with the page's message."""
    page_task, api_task = make_task(TaskState.SUBMITTED), make_task(TaskState.SUBMITTED)
    monitor = {"monitor_id": world.monitor.id} if action == "approve" else {}
    page = login_as(world.standing).post(f"/tasks/{page_task.id}/{action}", data={**page_body, **monitor})
    assert page.status_code == 422
    shown = _page_messages(page.get_data(as_text=True), name)
    assert shown and all(m.isascii() is False for m in shown), shown  # Vietnamese words
    api = api_as(world.standing).post(f"tasks/{api_task.id}/{action}", json={**api_body, **monitor})
    assert api.status_code == 422 and api.mimetype == "application/problem+json"
    assert api.get_json()["errors"] == {name: shown}
    db.session.expire_all()
    assert db.session.get(type(api_task), api_task.id).state == TaskState.SUBMITTED
