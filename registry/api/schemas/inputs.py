"""The API's input schemas: query strings and request bodies. They check only the shape; the rules stay in
the services."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from registry.api.schemas.base import IdMap, InputSchema, QuerySchema, RowId, Text
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
    q = Text(validate=validate.Length(max=200), metadata={"description": "Part of the title, diacritics ignored"})


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
    name = Text()
    unit = Text()
    baseline = fields.Float(allow_none=True)
    target = fields.Float(allow_none=True)


class MilestoneInput(InputSchema):
    description = Text()
    due_on = fields.Date(allow_none=True, metadata={"description": "ISO 8601 date"})


class TaskFieldsInput(InputSchema):
    """The content of Form A. Lists replace the task's indicators or milestones as a whole."""

    kind = fields.Enum(TaskKind, by_value=True)
    field_id = RowId()
    title = Text()
    situation = Text()
    goal = Text()
    deliverable = Text()
    measures = Text()
    deadline = fields.Date(allow_none=True, metadata={"description": "ISO 8601 date within the task's year"})
    coordinating_units = Text()
    authority = fields.Enum(Authority, by_value=True)
    resources = Text()
    support_requested = Text()
    locality = Text()
    reference_documents = Text()
    indicators = fields.List(fields.Nested(IndicatorInput))
    milestones = fields.List(fields.Nested(MilestoneInput))


class TaskUpdateInput(TaskFieldsInput):
    """A change to a draft or returned registration: only the fields given change."""

    is_committed = fields.Boolean(metadata={"description": "The owner's commitment (needed to submit)"})


class TaskCreateInput(TaskUpdateInput):
    year = fields.Integer(required=True, validate=validate.Range(1, 9999),
                          metadata={"description": "Calendar year of the registration; its window must be open"})
    owner_unit_id = RowId(allow_none=True, metadata={
        "description": "Register for this unit (collective registration; only its head may)"})
    committee_id = RowId(allow_none=True, metadata={
        "description": "The committee the task is registered with (one where the person holds the owner role; "
                       "needed only when there are several)"})


class WithdrawInput(InputSchema):
    reason = Text(load_default="")


class ApproveInput(InputSchema):
    decision_ref = Text(load_default="", metadata={"description": "e.g. 12-QĐ/ĐU"})
    decision_date = fields.Date(load_default=None, allow_none=True)
    monitor_id = RowId(load_default=None, allow_none=True)


class ReturnInput(InputSchema):
    comment = Text(load_default="")


class AdjustInput(TaskFieldsInput):
    reason = Text(load_default="")


class MonitorInput(InputSchema):
    monitor_id = RowId(load_default=None, allow_none=True)


class NoteFieldsInput(InputSchema):
    """The content of Form B. In a PATCH or an amendment, fields not given keep the note's values, and
    ``values`` changes only the indicators it names."""

    work_done = Text()
    status = fields.Enum(ProgressStatus, by_value=True)
    percent_complete = fields.Float(allow_none=True, metadata={
        "description": "0–100; only when the indicators do not give it (then it is derived and this is ignored)"})
    values = IdMap(metadata={"description": "Indicator id → its current value"})
    difficulties = Text()
    causes = Text()
    proposals = Text()
    next_plan = Text()


class NoteCreateInput(NoteFieldsInput):
    quarter = fields.Integer(required=True, validate=validate.Range(1, 4),
                             metadata={"description": "1–4; one note per quarter, from the quarter's first day"})


class AmendmentInput(NoteFieldsInput):
    reason = Text(load_default="", metadata={"description": "Why the note is corrected (required)"})


class UploadInput(InputSchema):
    file = Upload(required=True, metadata={
        "description": "The evidence file: PDF, JPEG, PNG, DOCX, XLSX or ODT, judged by its content"})


class RecommendationInput(InputSchema):
    content = Text()
    addressee = Text(metadata={"description": "Who must act on it"})
    reply_deadline = fields.Date(allow_none=True, metadata={"description": "ISO 8601 date, not in the past"})


class AssessmentInput(InputSchema):
    period = fields.Enum(Period, by_value=True, required=True, metadata={
        "description": "A quarter, `mid_year`, or `final` (the year-end assessment after the self-assessment)"})
    supervision_form = fields.Enum(SupervisionForm, by_value=True)
    judgement = fields.Enum(Judgement, by_value=True)
    strengths = Text()
    shortcomings = Text()
    causes = Text()
    recommendations = fields.List(fields.Nested(RecommendationInput), load_default=list)


class ReplyInput(InputSchema):
    reply = Text(load_default="")


class SelfAssessmentInput(InputSchema):
    reached = IdMap(metadata={"description": "Indicator id → the value reached (every indicator)"})
    deliverable = Text()
    self_level_id = RowId(allow_none=True, metadata={"description": "A verdict level id (GET /verdict-levels)"})
    shortcomings = Text()
    lessons = Text()


class VerdictInput(InputSchema):
    level_id = RowId(allow_none=True, metadata={"description": "A verdict level id (GET /verdict-levels)"})
    percent = fields.Float(allow_none=True, metadata={"description": "Share completed, 0–100: only for a level "
                                                                     "that requires it"})
    reasons = Text()
    commendation = fields.Enum(Commendation, by_value=True)
    commendation_form = Text()
    measures = Text(metadata={"description": "Required when the task is left unfinished"})
    conclusion_ref = Text()


class ReopenInput(InputSchema):
    reason = Text(load_default="")


class CarryOverInput(InputSchema):
    year_id = RowId(required=True, metadata={"description": "A later year whose registration window is open"})
    reason = Text(load_default="")
