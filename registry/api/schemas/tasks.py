"""Output schemas of tasks: the summary and the whole registration, their events, the audit trail and its
verification."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from registry.api.schemas.base import Changes, ListOf, ModelSchema, PageSchema, columns
from registry.api.schemas.reference import PersonRefSchema
from registry.models import AuditEvent, Indicator, Milestone, Task, TaskAdjustment
from registry.services.task_input import FORM_A_TEXT
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


class IndicatorSchema(ModelSchema):
    Meta = columns(Indicator, "name", "unit", "baseline", "target")


class MilestoneSchema(ModelSchema):
    Meta = columns(Milestone, "description", "due_on")


class AdjustmentSchema(ModelSchema):
    Meta = columns(TaskAdjustment, "id", "adjusted_by_id", "adjusted_at", "reason", "changes")
    changes = Changes()


#: the fields every listing of a task starts with
HEAD = ("id", "code", "year", "kind", "state", "title", "ownership", "owner", "owner_unit_id")
#: and a page of the task list
SUMMARY = (*HEAD, "org_unit_id", "committee_id", "field_id", "monitor_id", "deadline", "submitted_at", "updated_at")


class TaskHeadSchema(ModelSchema):
    """The fields every listing of a task starts with: the summary (``TaskSummarySchema``) and the record a
    dossier or a carry-over chain lists (``registry.api.schemas.review.TaskRecordSchema``)."""

    Meta = columns(Task, *HEAD)
    code = fields.String(required=True)
    year = fields.Integer(attribute="year.year", required=True)
    owner = fields.Nested(PersonRefSchema, required=True)


class TaskSummarySchema(TaskHeadSchema):
    Meta = columns(Task, *SUMMARY)
    code = fields.String(required=True, metadata={"description": "Human reference, e.g. 2026-000123"})
    committee_id = fields.Integer(required=True, metadata={
        "description": "The committee the task is registered with; its Standing Committee decides it"})


class TaskPageSchema(PageSchema):
    items = ListOf(TaskSummarySchema)


class TaskSchema(TaskSummarySchema):
    """The whole registration; its text fields (title, situation, …) are those of ``task_input.FORM_A_TEXT``."""

    Meta = columns(Task, *SUMMARY, *(text.name for text in FORM_A_TEXT), "authority", "is_committed",
                   "decided_at", "decision_ref", "decision_date", "approved_by_id", "return_comment",
                   "withdrawn_reason", "created_at", "version", "indicators", "milestones", "adjustments")
    version = fields.Integer(required=True, metadata={"description": "Changes with every change of the task"})
    indicators = ListOf(IndicatorSchema)
    milestones = ListOf(MilestoneSchema)
    adjustments = ListOf(AdjustmentSchema)


EVENT = ("seq", "occurred_at", "action", "actor", "object_type", "object_id", "before", "after")


class EventSchema(ModelSchema):
    Meta = columns(AuditEvent, *EVENT)
    seq = fields.Integer(required=True, metadata={"description": "Position in the audit chain"})
    action = fields.String(required=True, metadata={"description": "e.g. task.submit"})
    actor = fields.Nested(PersonRefSchema, allow_none=True, required=True)
    before = fields.Raw(allow_none=True, required=True)
    after = fields.Raw(allow_none=True, required=True)


class EventListSchema(ma.Schema):
    items = ListOf(EventSchema)


class AuditEventSchema(EventSchema):
    Meta = columns(AuditEvent, *EVENT, "task_id", "subject_person_id")
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
