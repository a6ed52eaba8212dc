"""marshmallow schemas of the API: input schemas (reject unknown fields) apart from output schemas (whitelists).

Input schemas check only the shape — types, enums, id ranges. The rules (what is required, lengths, dates
within the year, who may do what) stay in the services, whose ``ValidationFailed`` becomes a 422 with the
same field keys.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from registry import policy
from registry.models import (
    Authority,
    Commendation,
    Judgement,
    OrgLevel,
    Outcome,
    Ownership,
    Period,
    Person,
    ProgressStatus,
    RecommendationStatus,
    Role,
    SupervisionForm,
    TaskKind,
    TaskState,
)
from registry.models.base import MAX_ID
from registry.services.evidence import ALLOWED_TYPES
from registry.services.verify import (
    CHECKPOINT_INVALID,
    DELETED,
    EDITED,
    FILE_CHANGED,
    FILE_MISSING,
    INSERTED,
    RECOMPUTED,
    REORDERED,
    ROW_KINDS,
    SEAL_BROKEN,
    TRUNCATED,
)

#: no NUL characters: PostgreSQL cannot store them in text
NO_NUL = "^[^\\u0000]*$"


def _no_surrogates(value: str) -> None:
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ma.ValidationError("Not valid Unicode text.")


def Text(**kwargs: Any) -> fields.String:  # noqa: N802 - a field factory, read like a field class
    """A string without NUL characters or lone surrogates (which no database stores)."""
    extra = kwargs.pop("validate", None)
    validators = [validate.Regexp(NO_NUL, error="Text may not contain NUL characters."), _no_surrogates]
    return fields.String(validate=validators + ([extra] if extra else []), **kwargs)


def RowId(**kwargs: Any) -> fields.Integer:  # noqa: N802
    """The id of a row: a positive 32-bit integer."""
    return fields.Integer(validate=validate.Range(1, MAX_ID), **kwargs)


class IdMap(fields.Dict):
    """A JSON object keyed by row id (``{"12": 44}``). Its errors are keyed by the id alone (``values.12``), as
    the services key theirs, not by marshmallow's ``values.12.value``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(keys=Text(), values=fields.Float(allow_none=True), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ma.ValidationError as exc:
            if not isinstance(exc.messages, dict):
                raise
            raise ma.ValidationError({key: [m for part in parts.values() for m in part] if isinstance(parts, dict)
                                      else parts for key, parts in exc.messages.items()}) from exc


class InputSchema(ma.Schema):
    """Request bodies: an unknown field is an error (422), not silently dropped."""

    class Meta:
        unknown = ma.RAISE


class QuerySchema(ma.Schema):
    """Query strings: an unknown parameter is an error too (a misspelt filter must not pass unnoticed)."""

    class Meta:
        unknown = ma.RAISE


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


# -- responses -------------------------------------------------------------------------------------------

class LinksSchema(ma.Schema):
    self = fields.String(required=True)
    next = fields.String(allow_none=True, required=True)
    prev = fields.String(allow_none=True, required=True)


class PageSchema(ma.Schema):
    total = fields.Integer(required=True, metadata={"description": "Items over all pages"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    links = fields.Nested(LinksSchema, required=True)


class PersonRefSchema(ma.Schema):
    id = fields.Integer(required=True)
    full_name = fields.String(required=True)


ROLE_VALUES = [r.value for r in Role]


class GrantSchema(ma.Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLE_VALUES))
    unit_id = fields.Integer(required=True)


class PersonSchema(ma.Schema):
    """A person's public card; ``email`` only for the secretariat and the person themselves."""

    id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    position = fields.String(required=True)
    org_unit_id = fields.Integer(allow_none=True, required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLE_VALUES)), required=True,
                        metadata={"description": "The roles held in any unit (see grants)"})
    grants = fields.List(fields.Nested(GrantSchema), required=True)
    email = fields.String(allow_none=True)


class MeSchema(PersonSchema):
    username = fields.String(required=True)
    is_active = fields.Boolean(required=True)


def person_card(viewer: Person, person: Person, *, me: bool = False) -> dict[str, Any]:
    """The fields of ``person`` that ``viewer`` may read, as plain data."""
    card: dict[str, Any] = {"id": person.id, "full_name": person.full_name, "position": person.position,
                            "org_unit_id": person.org_unit_id, "roles": sorted(r.value for r in person.roles),
                            "grants": [{"role": g.role.value, "unit_id": g.unit_id} for g in person.grants]}
    if viewer.id == person.id or policy.can(viewer, "administer", person):
        card["email"] = person.email
    if me:
        card.update(username=person.username, is_active=person.is_active)
    return card


class PersonPageSchema(PageSchema):
    items = fields.List(fields.Nested(PersonSchema), required=True)


class OrgUnitSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    code = fields.String(required=True)
    level = fields.Enum(OrgLevel, by_value=True, required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    head_id = fields.Integer(allow_none=True, required=True)
    is_active = fields.Boolean(required=True)


class OrgUnitPageSchema(PageSchema):
    items = fields.List(fields.Nested(OrgUnitSchema), required=True)


class YearSchema(ma.Schema):
    id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    registration_opens_on = fields.Date(required=True)
    registration_closes_on = fields.Date(required=True)
    q1_deadline = fields.Date(required=True)
    q2_deadline = fields.Date(required=True)
    q3_deadline = fields.Date(required=True)
    q4_deadline = fields.Date(required=True)
    rating_regulation = fields.String(required=True)


class YearPageSchema(PageSchema):
    items = fields.List(fields.Nested(YearSchema), required=True)


class FieldSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True,
                            metadata={"description": "English name; null when not given (show `name`)"})
    sort_order = fields.Integer(required=True)
    is_active = fields.Boolean(required=True)


class FieldPageSchema(PageSchema):
    items = fields.List(fields.Nested(FieldSchema), required=True)


class IndicatorSchema(ma.Schema):
    name = fields.String(required=True)
    unit = fields.String(required=True)
    baseline = fields.Float(allow_none=True, required=True)
    target = fields.Float(required=True)


class MilestoneSchema(ma.Schema):
    description = fields.String(required=True)
    due_on = fields.Date(required=True)


class AdjustmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    adjusted_by_id = fields.Integer(required=True)
    adjusted_at = fields.DateTime(required=True)
    reason = fields.String(required=True)
    changes = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Raw(
        allow_none=True)), required=True, metadata={"description": "field → {before, after}"})


class TaskSummarySchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "Human reference, e.g. 2026-000123"})
    year = fields.Integer(attribute="year.year", required=True)
    kind = fields.Enum(TaskKind, by_value=True, required=True)
    state = fields.Enum(TaskState, by_value=True, required=True)
    title = fields.String(required=True)
    ownership = fields.Enum(Ownership, by_value=True, required=True)
    owner = fields.Nested(PersonRefSchema, required=True)
    owner_unit_id = fields.Integer(allow_none=True, required=True)
    org_unit_id = fields.Integer(allow_none=True, required=True)
    committee_id = fields.Integer(required=True, metadata={
        "description": "The committee the task is registered with; its Standing Committee decides it"})
    field_id = fields.Integer(required=True)
    monitor_id = fields.Integer(allow_none=True, required=True)
    deadline = fields.Date(allow_none=True, required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)
    updated_at = fields.DateTime(required=True)


class TaskPageSchema(PageSchema):
    items = fields.List(fields.Nested(TaskSummarySchema), required=True)


class TaskSchema(TaskSummarySchema):
    situation = fields.String(required=True)
    goal = fields.String(required=True)
    deliverable = fields.String(required=True)
    measures = fields.String(required=True)
    coordinating_units = fields.String(required=True)
    authority = fields.Enum(Authority, by_value=True, required=True)
    resources = fields.String(required=True)
    support_requested = fields.String(required=True)
    locality = fields.String(required=True)
    reference_documents = fields.String(required=True)
    is_committed = fields.Boolean(required=True)
    decided_at = fields.DateTime(allow_none=True, required=True)
    decision_ref = fields.String(allow_none=True, required=True)
    decision_date = fields.Date(allow_none=True, required=True)
    approved_by_id = fields.Integer(allow_none=True, required=True)
    return_comment = fields.String(allow_none=True, required=True)
    withdrawn_reason = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, metadata={"description": "Changes with every change of the task"})
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)
    milestones = fields.List(fields.Nested(MilestoneSchema), required=True)
    adjustments = fields.List(fields.Nested(AdjustmentSchema), required=True)


class EventSchema(ma.Schema):
    seq = fields.Integer(required=True, metadata={"description": "Position in the audit chain"})
    occurred_at = fields.DateTime(required=True)
    action = fields.String(required=True, metadata={"description": "e.g. task.submit"})
    actor = fields.Nested(PersonRefSchema, allow_none=True, required=True)
    object_type = fields.String(required=True)
    object_id = fields.Integer(allow_none=True, required=True)
    before = fields.Raw(allow_none=True, required=True)
    after = fields.Raw(allow_none=True, required=True)


class EventListSchema(ma.Schema):
    items = fields.List(fields.Nested(EventSchema), required=True)


class AuditEventSchema(EventSchema):
    task_id = fields.Integer(allow_none=True, required=True)
    subject_person_id = fields.Integer(allow_none=True, required=True,
                                       metadata={"description": "The person the event is about"})


class AuditEventPageSchema(PageSchema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)


VERIFY_KINDS = [EDITED, DELETED, REORDERED, INSERTED, TRUNCATED, RECOMPUTED, SEAL_BROKEN, FILE_CHANGED,
                FILE_MISSING, CHECKPOINT_INVALID, *ROW_KINDS]


class RowProblemSchema(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(ROW_KINDS))
    table = fields.String(required=True, metadata={"description": "The audited table"})
    id = fields.Integer(required=True, metadata={"description": "The row's id"})
    seq = fields.Integer(allow_none=True, required=True,
                         metadata={"description": "The event that sealed the row last (none: no event seals it)"})


class VerificationSchema(ma.Schema):
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True, metadata={"description": "Events in the chain"})
    seq = fields.Integer(allow_none=True, required=True, metadata={"description": "Where the first problem is"})
    kind = fields.String(allow_none=True, required=True, validate=validate.OneOf(VERIFY_KINDS),
                         metadata={"description": "What the first problem is"})
    rows = fields.List(fields.Nested(RowProblemSchema), required=True,
                       metadata={"description": "Every audited row that does not match the trail"})


# -- progress notes and evidence ---------------------------------------------------------------------------------

class EvidenceFileSchema(ma.Schema):
    id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    note_id = fields.Integer(allow_none=True, required=True)
    name = fields.String(attribute="original_name", required=True, metadata={"description": "The name as uploaded"})
    size_bytes = fields.Integer(required=True)
    content_type = fields.String(required=True, validate=validate.OneOf(list(ALLOWED_TYPES)),
                                 metadata={"description": "Judged by the content"})
    sha256 = fields.String(required=True)
    uploaded_by_id = fields.Integer(required=True)
    uploaded_at = fields.DateTime(required=True)


class NoteAmendmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    amended_by_id = fields.Integer(required=True)
    amended_at = fields.DateTime(required=True)
    reason = fields.String(required=True)
    changes = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Raw(
        allow_none=True)), required=True, metadata={"description": "field → {before, after}"})


NUMBER_MAP = {"type": "object", "additionalProperties": {"type": "number"}}


class NoteSchema(ma.Schema):
    id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    quarter = fields.Integer(required=True)
    author_id = fields.Integer(required=True)
    status = fields.Enum(ProgressStatus, by_value=True, required=True)
    percent_complete = fields.Float(allow_none=True, required=True)
    is_percent_derived = fields.Boolean(required=True)
    work_done = fields.String(required=True)
    difficulties = fields.String(required=True)
    causes = fields.String(required=True)
    proposals = fields.String(required=True)
    next_plan = fields.String(required=True)
    values = fields.Function(
        lambda note: {str(v.indicator_id): v.value for v in sorted(note.values, key=lambda v: v.indicator_id)},
        required=True, metadata={**NUMBER_MAP, "description": "Indicator id → the value reported"})
    is_late = fields.Boolean(required=True, metadata={"description": "Submitted after the quarter's deadline"})
    submitted_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, metadata={"description": "Changes with every change of the note"})
    files = fields.List(fields.Nested(EvidenceFileSchema), required=True)
    amendments = fields.List(fields.Nested(NoteAmendmentSchema), required=True)


class NoteListSchema(ma.Schema):
    items = fields.List(fields.Nested(NoteSchema), required=True)


# -- monitoring ----------------------------------------------------------------------------------------------------

class RecommendationSchema(ma.Schema):
    id = fields.Integer(required=True)
    assessment_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    content = fields.String(required=True)
    addressee = fields.String(required=True)
    reply_deadline = fields.Date(required=True)
    status = fields.Enum(RecommendationStatus, by_value=True, required=True)
    reply = fields.String(allow_none=True, required=True)
    replied_at = fields.DateTime(allow_none=True, required=True)
    replied_by_id = fields.Integer(allow_none=True, required=True)


class AssessmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    period = fields.Enum(Period, by_value=True, required=True)
    monitor = fields.Nested(PersonRefSchema, required=True)
    supervision_form = fields.Enum(SupervisionForm, by_value=True, required=True)
    judgement = fields.Enum(Judgement, by_value=True, required=True)
    strengths = fields.String(required=True)
    shortcomings = fields.String(required=True)
    causes = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    acknowledged_at = fields.DateTime(allow_none=True, required=True)
    acknowledged_by_id = fields.Integer(allow_none=True, required=True)
    recommendations = fields.List(fields.Nested(RecommendationSchema), required=True)


class AssessmentListSchema(ma.Schema):
    items = fields.List(fields.Nested(AssessmentSchema), required=True)


# -- year-end -------------------------------------------------------------------------------------------------------

class VerdictLevelSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True,
                            metadata={"description": "English name; null when not given (show `name`)"})
    sort_order = fields.Integer(required=True)
    outcome = fields.Enum(Outcome, by_value=True, required=True, metadata={"description": "How it counts"})
    requires_percent = fields.Boolean(required=True)


class VerdictLevelListSchema(ma.Schema):
    items = fields.List(fields.Nested(VerdictLevelSchema), required=True)


class IndicatorResultSchema(ma.Schema):
    indicator_id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    baseline = fields.Float(allow_none=True, required=True)
    target = fields.Float(required=True)
    reached = fields.Float(required=True)


class SelfAssessmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    author_id = fields.Integer(required=True)
    indicator_results = fields.List(fields.Nested(IndicatorResultSchema), required=True)
    deliverable = fields.String(required=True)
    self_level_id = fields.Integer(required=True)
    shortcomings = fields.String(required=True)
    lessons = fields.String(required=True)
    submitted_at = fields.DateTime(required=True)


class VerdictSchema(ma.Schema):
    id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    level = fields.Nested(VerdictLevelSchema, required=True)
    percent = fields.Float(allow_none=True, required=True)
    reasons = fields.String(required=True)
    commendation = fields.Enum(Commendation, by_value=True, required=True)
    commendation_form = fields.String(required=True)
    measures = fields.String(required=True)
    conclusion_ref = fields.String(required=True)
    decided_by_id = fields.Integer(required=True)
    decided_at = fields.DateTime(required=True)
    seal = fields.String(required=True, metadata={"description": "SHA-256 of the locked record"})
    is_current = fields.Boolean(required=True)
    reopened_at = fields.DateTime(allow_none=True, required=True)
    reopened_by_id = fields.Integer(allow_none=True, required=True)
    reopen_reason = fields.String(allow_none=True, required=True)


class CurrentVerdictSchema(ma.Schema):
    """The current verdict of a task, in brief."""

    level_id = fields.Integer(required=True)
    level = fields.String(attribute="level.name", required=True)
    level_en = fields.String(attribute="level.name_en", allow_none=True, required=True,
                             metadata={"description": "English name of the level; null when not given"})
    outcome = fields.Enum(Outcome, by_value=True, attribute="level.outcome", required=True)
    percent = fields.Float(allow_none=True, required=True)
    commendation = fields.Enum(Commendation, by_value=True, required=True)
    decided_at = fields.DateTime(required=True)


class TaskRecordSchema(ma.Schema):
    """A registration as a dossier or a carry-over chain lists it."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    year = fields.Integer(attribute="year.year", required=True)
    kind = fields.Enum(TaskKind, by_value=True, required=True)
    state = fields.Enum(TaskState, by_value=True, required=True)
    title = fields.String(required=True)
    ownership = fields.Enum(Ownership, by_value=True, required=True)
    owner = fields.Nested(PersonRefSchema, required=True)
    owner_unit_id = fields.Integer(allow_none=True, required=True)
    field_id = fields.Integer(required=True)
    deadline = fields.Date(allow_none=True, required=True)
    carried_from_id = fields.Integer(allow_none=True, required=True)
    carry_reason = fields.String(allow_none=True, required=True)
    verdict = fields.Nested(CurrentVerdictSchema, attribute="current_verdict", allow_none=True, required=True)


class TaskRecordListSchema(ma.Schema):
    items = fields.List(fields.Nested(TaskRecordSchema), required=True)


# -- dossiers ---------------------------------------------------------------------------------------------------------

def _counts_schema(name: str, values: list[str], description: str) -> type[ma.Schema]:
    """A schema with one required count per value of an enumeration."""
    schema = ma.Schema.from_dict({value: fields.Integer(required=True) for value in values}, name=name)
    schema.__doc__ = description
    return schema


OutcomeCountsSchema = _counts_schema("OutcomeCountsSchema", [o.value for o in Outcome],
                                     "Current verdicts by outcome")
StateCountsSchema = _counts_schema("StateCountsSchema", [s.value for s in TaskState], "Tasks by state")
KindCountsSchema = _counts_schema("KindCountsSchema", [k.value for k in TaskKind], "Tasks by kind")


class DossierYearSchema(ma.Schema):
    year = fields.Integer(required=True)
    rating_regulation = fields.String(required=True)
    registered = fields.Integer(required=True, metadata={"description": "Counted registrations that went to the "
                                                                        "Standing Committee, not withdrawn"})
    reviewed = fields.Integer(required=True, metadata={"description": "Counted registrations with a current "
                                                                      "verdict"})
    awaiting = fields.Integer(required=True, metadata={"description": "Approved, still waiting for the verdict"})
    counts = fields.Nested(OutcomeCountsSchema, required=True)
    tasks = fields.List(fields.Nested(TaskRecordSchema), required=True,
                        metadata={"description": "The registrations counted in this dossier"})
    others = fields.List(fields.Nested(TaskRecordSchema), required=True, metadata={
        "description": "Shown but counted elsewhere (a head's collective tasks count for the unit)"})


class DossierSchema(ma.Schema):
    years = fields.List(fields.Nested(DossierYearSchema), required=True, metadata={"description": "Newest first"})
    totals = fields.Nested(OutcomeCountsSchema, required=True)


class PersonDossierSchema(DossierSchema):
    person = fields.Nested(PersonRefSchema, required=True)


class OrgUnitRefSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    code = fields.String(required=True)


class OrgUnitDossierSchema(DossierSchema):
    org_unit = fields.Nested(OrgUnitRefSchema, required=True)


def dossier_data(dossier: Any, **subject: Any) -> dict[str, Any]:
    """A dossier of ``registry.services.dossier`` as plain data for the dossier schemas."""
    def counts(by_outcome: dict[Outcome, int]) -> dict[str, int]:
        return {outcome.value: by_outcome.get(outcome, 0) for outcome in Outcome}

    return {**subject, "totals": counts(dossier.totals), "years": [
        {"year": record.year.year, "rating_regulation": record.year.rating_regulation,
         "registered": record.registered, "reviewed": record.reviewed, "awaiting": record.awaiting,
         "counts": counts(record.counts), "tasks": record.tasks, "others": record.others}
        for record in dossier.years]}


# -- report figures -------------------------------------------------------------------------------------------------

class FieldCountSchema(ma.Schema):
    field_id = fields.Integer(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True,
                            metadata={"description": "English name; null when not given (show `name`)"})
    count = fields.Integer(required=True)


class TaskTotalsSchema(ma.Schema):
    total = fields.Integer(required=True, metadata={"description": "Every registration of the year, drafts included"})
    registered = fields.Integer(required=True, metadata={"description": "Not a draft, not withdrawn"})


class NoteTotalsSchema(ma.Schema):
    total = fields.Integer(required=True)
    late = fields.Integer(required=True, metadata={"description": "Submitted after the quarter's deadline"})


class RecommendationTotalsSchema(ma.Schema):
    open = fields.Integer(required=True, metadata={"description": "Awaiting the owner's reply"})
    overdue = fields.Integer(required=True, metadata={"description": "Open, and the reply deadline has passed"})


class ReportFiguresSchema(ma.Schema):
    year = fields.Integer(required=True)
    unit_id = fields.Integer(allow_none=True, required=True)
    tasks = fields.Nested(TaskTotalsSchema, required=True)
    by_state = fields.Nested(StateCountsSchema, required=True, metadata={"description": "Every registration"})
    by_kind = fields.Nested(KindCountsSchema, required=True, metadata={"description": "Registered tasks"})
    by_field = fields.List(fields.Nested(FieldCountSchema), required=True,
                           metadata={"description": "Registered tasks, fields in display order"})
    by_outcome = fields.Nested(OutcomeCountsSchema, required=True,
                               metadata={"description": "Current verdicts"})
    notes = fields.Nested(NoteTotalsSchema, required=True)
    recommendations = fields.Nested(RecommendationTotalsSchema, required=True)
