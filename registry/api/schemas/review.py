"""Output schemas of the year-end review: verdict levels, self-assessments, verdicts and the task record."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from registry.api.schemas.base import EnglishName, ListOf, ModelSchema, columns
from registry.api.schemas.tasks import HEAD, IndicatorSchema, TaskHeadSchema
from registry.models import Outcome, SelfAssessment, Task, Verdict, VerdictLevel

# -- year-end -------------------------------------------------------------------------------------------------------

class VerdictLevelSchema(ModelSchema):
    Meta = columns(VerdictLevel, "id", "code", "name", "name_en", "sort_order", "outcome", "requires_percent")
    name_en = EnglishName()
    outcome = fields.Enum(Outcome, by_value=True, required=True, metadata={"description": "How it counts"})


class VerdictLevelListSchema(ma.Schema):
    items = ListOf(VerdictLevelSchema)


class IndicatorResultSchema(IndicatorSchema):
    """An indicator of the registration (``IndicatorSchema``) with what the owner says was reached."""

    indicator_id = fields.Integer(required=True)
    reached = fields.Float(required=True)

    class Meta:
        fields = ("indicator_id", "name", "unit", "baseline", "target", "reached")


class SelfAssessmentSchema(ModelSchema):
    Meta = columns(SelfAssessment, "id", "task_id", "author_id", "indicator_results", "deliverable", "self_level_id",
                   "shortcomings", "lessons", "submitted_at")
    indicator_results = ListOf(IndicatorResultSchema)


class VerdictSchema(ModelSchema):
    Meta = columns(Verdict, "id", "task_id", "level", "percent", "reasons", "commendation", "commendation_form",
                   "measures", "conclusion_ref", "decided_by_id", "decided_at", "seal", "is_current", "reopened_at",
                   "reopened_by_id", "reopen_reason")
    level = fields.Nested(VerdictLevelSchema, required=True)
    seal = fields.String(required=True, metadata={"description": "SHA-256 of the locked record"})


class CurrentVerdictSchema(ModelSchema):
    """The current verdict of a task, in brief."""

    Meta = columns(Verdict, "level_id", "level", "level_en", "outcome", "percent", "commendation", "decided_at")
    level = fields.String(attribute="level.name", required=True)
    level_en = fields.String(attribute="level.name_en", allow_none=True, required=True,
                             metadata={"description": "English name of the level; null when not given"})
    outcome = fields.Enum(Outcome, by_value=True, attribute="level.outcome", required=True)


class TaskRecordSchema(TaskHeadSchema):
    """A registration as a dossier or a carry-over chain lists it."""

    Meta = columns(Task, *HEAD, "field_id", "deadline", "carried_from_id", "carry_reason", "verdict")
    verdict = fields.Nested(CurrentVerdictSchema, attribute="current_verdict", allow_none=True, required=True)


class TaskRecordListSchema(ma.Schema):
    items = ListOf(TaskRecordSchema)
