"""Output schemas of tasks: the summary and the whole registration, their events, the audit trail and its
verification."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from registry.api.schemas.base import Changes, ListOf, PageSchema
from registry.api.schemas.inputs import with_form_a_text
from registry.api.schemas.reference import PersonRefSchema
from registry.models import Authority, Ownership, TaskKind, TaskState
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
    changes = Changes()


class TaskHeadSchema(ma.Schema):
    """The fields every listing of a task starts with: the summary (``TaskSummarySchema``) and the record a
    dossier or a carry-over chain lists (``registry.api.schemas.review.TaskRecordSchema``)."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    year = fields.Integer(attribute="year.year", required=True)
    kind = fields.Enum(TaskKind, by_value=True, required=True)
    state = fields.Enum(TaskState, by_value=True, required=True)
    title = fields.String(required=True)
    ownership = fields.Enum(Ownership, by_value=True, required=True)
    owner = fields.Nested(PersonRefSchema, required=True)
    owner_unit_id = fields.Integer(allow_none=True, required=True)


class TaskSummarySchema(TaskHeadSchema):
    code = fields.String(required=True, metadata={"description": "Human reference, e.g. 2026-000123"})
    org_unit_id = fields.Integer(allow_none=True, required=True)
    committee_id = fields.Integer(required=True, metadata={
        "description": "The committee the task is registered with; its Standing Committee decides it"})
    field_id = fields.Integer(required=True)
    monitor_id = fields.Integer(allow_none=True, required=True)
    deadline = fields.Date(allow_none=True, required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)
    updated_at = fields.DateTime(required=True)


class TaskPageSchema(PageSchema):
    items = ListOf(TaskSummarySchema)


@with_form_a_text(lambda text: fields.String(required=True), before="is_committed",
                  among={"coordinating_units": ("authority",)})
class TaskSchema(TaskSummarySchema):
    """The whole registration; its text fields (title, situation, …) come from ``task_input.FORM_A_TEXT``."""

    authority = fields.Enum(Authority, by_value=True, required=True)
    is_committed = fields.Boolean(required=True)
    decided_at = fields.DateTime(allow_none=True, required=True)
    decision_ref = fields.String(allow_none=True, required=True)
    decision_date = fields.Date(allow_none=True, required=True)
    approved_by_id = fields.Integer(allow_none=True, required=True)
    return_comment = fields.String(allow_none=True, required=True)
    withdrawn_reason = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, metadata={"description": "Changes with every change of the task"})
    indicators = ListOf(IndicatorSchema)
    milestones = ListOf(MilestoneSchema)
    adjustments = ListOf(AdjustmentSchema)


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
    items = ListOf(EventSchema)


class AuditEventSchema(EventSchema):
    task_id = fields.Integer(allow_none=True, required=True)
    subject_person_id = fields.Integer(allow_none=True, required=True,
                                       metadata={"description": "The person the event is about"})


class AuditEventPageSchema(PageSchema):
    items = ListOf(AuditEventSchema)


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
    rows = ListOf(RowProblemSchema, metadata={"description": "Every audited row that does not match the trail"})
