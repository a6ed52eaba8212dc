"""The API's input schemas: query strings and request bodies.

Each action's body schema carries the page form's shape: the field names and types, the length limits (the
services' constants, refused with the service's message ``too_long``) and the fields the action requires
(``needed``: documented as required with the service's own message for a missing one, which the service gives).
So a too-long or missing value gets the same field key and message from the API (a 422 problem) as on the page. The rules beyond the shape (dates within the year, who may
do what, cross-field rules) stay in the services, whose ``ValidationFailed`` becomes a 422 with the same keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from registry.api.schemas.base import IdMap, InputSchema, QuerySchema, RowId, Text, needed
from registry.models import (
    Authority,
    Commendation,
    Judgement,
    Period,
    ProgressStatus,
    SupervisionForm,
    TaskKind,
    TaskState,
)
from registry.models.base import MAX_ID
from registry.services import monitoring, progress, review
from registry.services import task_input as form_a
from registry.services import task_core

#: the services' messages for a missing value (the same msgids, so the same words everywhere)
CHOOSE_FIELD = _l("Choose a field.")
CHOOSE_KIND = _l("Choose a kind of task.")
CHOOSE_LEVEL = _l("Choose a level.")
CHOOSE_MONITOR = _l("Choose a monitor.")
ENTER_DATE = _l("Enter a date as dd/mm/yyyy.")


def with_form_a_text(make: Callable[[form_a.TextField], Any], *, before: str | None = None,
                     among: dict[str, tuple[str, ...]] | None = None):
    """A class decorator putting Form A's text fields (``task_input.FORM_A_TEXT``) into a schema, each made by
    ``make(text)`` (None: not made). A text field the schema has already (declared or inherited) is replaced
    where it is; the others go, in the table's order, just before the schema's field ``before`` (at the end when
    None), with the schema's fields named in ``among`` moved after the text field they follow there. So the
    OpenAPI document keeps its order, and a new text field goes after the last one."""
    among = among or {}

    def decorate(cls):
        own = dict(cls._declared_fields)
        block: dict[str, Any] = {}
        for text in form_a.FORM_A_TEXT:
            made = make(text)
            if text.name in own:
                if made is not None:
                    own[text.name] = made
                continue
            if made is not None:
                block[text.name] = made
            block.update({name: own[name] for name in among.get(text.name, ()) if name in own})
        ordered: dict[str, Any] = {}
        for name, field in own.items():
            if name == before:
                ordered.update(block)
            if name not in block:
                ordered[name] = field
        ordered.update(block)
        cls._declared_fields = ordered
        return cls
    return decorate


def _form_a_text(text: form_a.TextField, **kwargs):
    """A text field of Form A with its limit."""
    return Text(limit=text.limit, **kwargs)

# -- query strings ----------------------------------------------------------------------------------------

class PageArgs(QuerySchema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_ID),
                          metadata={"description": "Page number, from 1"})
    per_page = fields.Integer(validate=validate.Range(1, 100),
                              metadata={"description": "Items per page, at most 100 (default: the site's page size)"})


class TaskListArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(1, 9999), metadata={"description": "Calendar year, e.g. 2026"})
    unit = RowId(metadata={"description": "Org unit id; its sub-units are included"})
    field = RowId(metadata={"description": "Field (lĩnh vực) id"})
    kind = fields.Enum(TaskKind, by_value=True)
    state = fields.Enum(TaskState, by_value=True)
    owner = RowId(metadata={"description": "Owner's person id"})
    q = Text(validate=validate.Length(max=200), metadata={
        "description": "Words in the task's texts (registration, indicators, notes, assessments, recommendations "
                       "and replies), diacritics and case ignored; the best matches first"})


class AuditArgs(PageArgs):
    action = Text(validate=validate.Length(max=60), metadata={"description": "An action, e.g. `task.submit`"})
    actor = Text(validate=validate.Length(max=200),
                 metadata={"description": "Part of the actor's name or user name, diacritics ignored"})
    task = RowId(metadata={"description": "Task id"})
    since = fields.Date(metadata={"description": "First day included (ISO 8601 date, Vietnam time)"})
    until = fields.Date(metadata={"description": "Last day included (ISO 8601 date, Vietnam time)"})


class ReportArgs(QuerySchema):
    year = fields.Integer(required=True, validate=validate.Range(1, 9999),
                          metadata={"description": "Calendar year, e.g. 2026"})
    unit = RowId(metadata={"description": "Org unit id; its sub-units are included (default: every unit)"})


# -- request bodies -----------------------------------------------------------------------------------------

class IndicatorInput(InputSchema):
    name = Text(limit=form_a.MAX_INDICATOR_NAME)
    unit = Text(limit=form_a.MAX_INDICATOR_UNIT)
    baseline = fields.Float(allow_none=True)
    target = fields.Float(allow_none=True)


class MilestoneInput(InputSchema):
    description = Text(limit=form_a.MAX_MILESTONE)
    due_on = fields.Date(allow_none=True, metadata={"description": "ISO 8601 date"})


@with_form_a_text(_form_a_text, before="indicators",
                  among={"measures": ("deadline",), "coordinating_units": ("authority",)})
class TaskFieldsInput(InputSchema):
    """The content of Form A. Lists replace the task's indicators or milestones as a whole. Its text fields
    (title, situation, …) come from ``task_input.FORM_A_TEXT``."""

    kind = fields.Enum(TaskKind, by_value=True)
    field_id = RowId()
    deadline = fields.Date(allow_none=True, metadata={"description": "ISO 8601 date within the task's year"})
    authority = fields.Enum(Authority, by_value=True)
    indicators = fields.List(fields.Nested(IndicatorInput), validate=validate.Length(max=form_a.MAX_ROWS, error=_l(
        "At most %(n)d indicators.", n=form_a.MAX_ROWS)))
    milestones = fields.List(fields.Nested(MilestoneInput), validate=validate.Length(max=form_a.MAX_ROWS, error=_l(
        "At most %(n)d milestones.", n=form_a.MAX_ROWS)))


class TaskUpdateInput(TaskFieldsInput):
    """A change to a draft or returned registration: only the fields given change."""

    is_committed = fields.Boolean(metadata={"description": "The owner's commitment (needed to submit)"})


@with_form_a_text(lambda text: _form_a_text(text, **needed(text.required)) if text.required else None)
class TaskCreateInput(TaskUpdateInput):
    kind = fields.Enum(TaskKind, by_value=True, **needed(CHOOSE_KIND))
    field_id = RowId(**needed(CHOOSE_FIELD))
    year = fields.Integer(required=True, validate=validate.Range(1, 9999),
                          metadata={"description": "Calendar year of the registration; its window must be open"})
    owner_unit_id = RowId(allow_none=True, metadata={
        "description": "Register for this unit (collective registration; only its head may)"})
    committee_id = RowId(allow_none=True, metadata={
        "description": "The committee the task is registered with (one where the person holds the owner role; "
                       "needed only when there are several)"})


class WithdrawInput(InputSchema):
    reason = Text(limit=task_core.MAX_REASON, load_default="")


class ApproveInput(InputSchema):
    decision_ref = Text(limit=task_core.MAX_DECISION_REF, metadata={"description": "e.g. 12-QĐ/ĐU"},
                        **needed(_l("Give the decision reference, e.g. 12-QĐ/ĐU.")))
    decision_date = fields.Date(allow_none=True, **needed(ENTER_DATE))
    monitor_id = RowId(allow_none=True, **needed(CHOOSE_MONITOR))


class ReturnInput(InputSchema):
    comment = Text(limit=task_core.MAX_REASON, **needed(_l("Say what the owner must change.")))


class AdjustInput(TaskFieldsInput):
    reason = Text(limit=task_core.MAX_REASON, **needed(_l("Give the reason for the adjustment.")))


class MonitorInput(InputSchema):
    monitor_id = RowId(allow_none=True, **needed(CHOOSE_MONITOR))


class NoteFieldsInput(InputSchema):
    """The content of Form B. In a PATCH or an amendment, fields not given keep the note's values, and
    ``values`` changes only the indicators it names."""

    work_done = Text(limit=progress.MAX_TEXT)
    status = fields.Enum(ProgressStatus, by_value=True)
    percent_complete = fields.Float(allow_none=True, metadata={
        "description": "0–100; only when the indicators do not give it (then it is derived and this is ignored)"})
    values = IdMap(metadata={"description": "Indicator id → its current value"})
    difficulties = Text(limit=progress.MAX_TEXT)
    causes = Text(limit=progress.MAX_TEXT)
    proposals = Text(limit=progress.MAX_TEXT)
    next_plan = Text(limit=progress.MAX_TEXT)


class NoteCreateInput(NoteFieldsInput):
    quarter = fields.Integer(required=True, validate=validate.Range(1, 4),
                             metadata={"description": "1–4; one note per quarter, from the quarter's first day"})
    work_done = Text(limit=progress.MAX_TEXT, **needed(_l("Describe the work done this quarter.")))
    status = fields.Enum(ProgressStatus, by_value=True, **needed(_l("Choose the status.")))


class AmendmentInput(NoteFieldsInput):
    reason = Text(limit=task_core.MAX_REASON, metadata={"description": "Why the note is corrected"},
                  **needed(_l("Give the reason for the amendment.")))


class UploadInput(InputSchema):
    file = Upload(required=True, metadata={
        "description": "The evidence file: PDF, JPEG, PNG, DOCX, XLSX or ODT, judged by its content"})


class RecommendationInput(InputSchema):
    content = Text(limit=monitoring.MAX_TEXT)
    addressee = Text(limit=monitoring.MAX_ADDRESSEE, metadata={"description": "Who must act on it"})
    reply_deadline = fields.Date(allow_none=True, metadata={"description": "ISO 8601 date, not in the past"})


class AssessmentInput(InputSchema):
    period = fields.Enum(Period, by_value=True, required=True, metadata={
        "description": "A quarter, `mid_year`, or `final` (the year-end assessment after the self-assessment)"})
    supervision_form = fields.Enum(SupervisionForm, by_value=True,
                                   **needed(_l("Choose the form of supervision.")))
    judgement = fields.Enum(Judgement, by_value=True, **needed(_l("Choose the judgement.")))
    strengths = Text(limit=monitoring.MAX_TEXT)
    shortcomings = Text(limit=monitoring.MAX_TEXT)
    causes = Text(limit=monitoring.MAX_TEXT)
    recommendations = fields.List(fields.Nested(RecommendationInput), load_default=list,
                                  validate=validate.Length(max=monitoring.MAX_RECOMMENDATIONS, error=_l(
                                      "At most %(n)d recommendations.", n=monitoring.MAX_RECOMMENDATIONS)))


class ReplyInput(InputSchema):
    reply = Text(limit=monitoring.MAX_TEXT, **needed(_l("Write the reply.")))


class SelfAssessmentInput(InputSchema):
    reached = IdMap(metadata={"description": "Indicator id → the value reached (every indicator)"})
    deliverable = Text(limit=review.MAX_TEXT, **needed(_l("Describe the deliverable produced.")))
    self_level_id = RowId(allow_none=True, metadata={"description": "A verdict level id (GET /verdict-levels)"},
                          **needed(CHOOSE_LEVEL))
    shortcomings = Text(limit=review.MAX_TEXT)
    lessons = Text(limit=review.MAX_TEXT)


class VerdictInput(InputSchema):
    level_id = RowId(allow_none=True, metadata={"description": "A verdict level id (GET /verdict-levels)"},
                     **needed(CHOOSE_LEVEL))
    percent = fields.Float(allow_none=True, metadata={"description": "Share completed, 0–100: only for a level "
                                                                     "that requires it"})
    reasons = Text(limit=review.MAX_TEXT, **needed(_l("Give the reasons for the verdict.")))
    commendation = fields.Enum(Commendation, by_value=True)
    commendation_form = Text(limit=review.MAX_COMMENDATION_FORM)
    measures = Text(limit=review.MAX_TEXT, metadata={"description": "Required when the task is left unfinished"})
    conclusion_ref = Text(limit=review.MAX_CONCLUSION_REF)


class ReopenInput(InputSchema):
    reason = Text(limit=review.MAX_TEXT, **needed(_l("Give the reason for reopening.")))


class CarryOverInput(InputSchema):
    year_id = RowId(required=True, error_messages={"required": _l("Choose a later year.")},
                    metadata={"description": "A later year whose registration window is open"})
    reason = Text(limit=review.MAX_TEXT, **needed(_l("Give the reason for carrying the task over.")))
