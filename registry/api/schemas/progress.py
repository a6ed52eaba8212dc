"""Output schemas of the year's work: progress notes with their evidence and amendments, the monitor's
assessments and recommendations."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from registry.api.schemas.base import Changes, ListOf
from registry.api.schemas.reference import PersonRefSchema
from registry.models import Judgement, Period, ProgressStatus, RecommendationStatus, SupervisionForm
from registry.services.evidence import ALLOWED_TYPES

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
    changes = Changes()


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
    files = ListOf(EvidenceFileSchema)
    amendments = ListOf(NoteAmendmentSchema)


class NoteListSchema(ma.Schema):
    items = ListOf(NoteSchema)


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
    recommendations = ListOf(RecommendationSchema)


class AssessmentListSchema(ma.Schema):
    items = ListOf(AssessmentSchema)
