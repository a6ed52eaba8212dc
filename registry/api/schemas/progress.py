"""Output schemas of the year's work: progress notes with their evidence and amendments, the monitor's
assessments and recommendations."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from registry.api.schemas.base import Changes, ListOf, ModelSchema, columns
from registry.api.schemas.reference import PersonRefSchema
from registry.models import Assessment, EvidenceFile, NoteAmendment, ProgressNote, Recommendation
from registry.services.evidence import ALLOWED_TYPES

# -- progress notes and evidence ---------------------------------------------------------------------------------

class EvidenceFileSchema(ModelSchema):
    Meta = columns(EvidenceFile, "id", "task_id", "note_id", "name", "size_bytes", "content_type", "sha256",
                   "uploaded_by_id", "uploaded_at")
    name = fields.String(attribute="original_name", required=True, metadata={"description": "The name as uploaded"})
    content_type = fields.String(required=True, validate=validate.OneOf(list(ALLOWED_TYPES)),
                                 metadata={"description": "Judged by the content"})


class NoteAmendmentSchema(ModelSchema):
    Meta = columns(NoteAmendment, "id", "amended_by_id", "amended_at", "reason", "changes")
    changes = Changes()


NUMBER_MAP = {"type": "object", "additionalProperties": {"type": "number"}}


class NoteSchema(ModelSchema):
    Meta = columns(ProgressNote, "id", "task_id", "quarter", "author_id", "status", "percent_complete",
                   "is_percent_derived", "work_done", "difficulties", "causes", "proposals", "next_plan", "values",
                   "is_late", "submitted_at", "updated_at", "version", "files", "amendments")
    values = fields.Function(
        lambda note: {str(v.indicator_id): v.value for v in sorted(note.values, key=lambda v: v.indicator_id)},
        required=True, metadata={**NUMBER_MAP, "description": "Indicator id → the value reported"})
    is_late = fields.Boolean(required=True, metadata={"description": "Submitted after the quarter's deadline"})
    version = fields.Integer(required=True, metadata={"description": "Changes with every change of the note"})
    files = ListOf(EvidenceFileSchema)
    amendments = ListOf(NoteAmendmentSchema)


class NoteListSchema(ma.Schema):
    items = ListOf(NoteSchema)


# -- monitoring ----------------------------------------------------------------------------------------------------

class RecommendationSchema(ModelSchema):
    Meta = columns(Recommendation, "id", "assessment_id", "task_id", "content", "addressee", "reply_deadline",
                   "status", "reply", "replied_at", "replied_by_id")


class AssessmentSchema(ModelSchema):
    Meta = columns(Assessment, "id", "task_id", "period", "monitor", "supervision_form", "judgement", "strengths",
                   "shortcomings", "causes", "created_at", "acknowledged_at", "acknowledged_by_id", "recommendations")
    monitor = fields.Nested(PersonRefSchema, required=True)
    recommendations = ListOf(RecommendationSchema)


class AssessmentListSchema(ma.Schema):
    items = ListOf(AssessmentSchema)
