"""Output schemas of the year-end review: verdict levels, self-assessments, verdicts and the task record."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from registry.api.schemas.base import EnglishName, ListOf
from registry.api.schemas.tasks import IndicatorSchema, TaskHeadSchema
from registry.models import Commendation, Outcome

# -- year-end -------------------------------------------------------------------------------------------------------

class VerdictLevelSchema(ma.Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = EnglishName()
    sort_order = fields.Integer(required=True)
    outcome = fields.Enum(Outcome, by_value=True, required=True, metadata={"description": "How it counts"})
    requires_percent = fields.Boolean(required=True)


class VerdictLevelListSchema(ma.Schema):
    items = ListOf(VerdictLevelSchema)


class IndicatorResultSchema(IndicatorSchema):
    """An indicator of the registration (``IndicatorSchema``) with what the owner says was reached."""

    indicator_id = fields.Integer(required=True)
    reached = fields.Float(required=True)

    class Meta:
        fields = ("indicator_id", "name", "unit", "baseline", "target", "reached")


class SelfAssessmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    author_id = fields.Integer(required=True)
    indicator_results = ListOf(IndicatorResultSchema)
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


class TaskRecordSchema(TaskHeadSchema):
    """A registration as a dossier or a carry-over chain lists it."""

    field_id = fields.Integer(required=True)
    deadline = fields.Date(allow_none=True, required=True)
    carried_from_id = fields.Integer(allow_none=True, required=True)
    carry_reason = fields.String(allow_none=True, required=True)
    verdict = fields.Nested(CurrentVerdictSchema, attribute="current_verdict", allow_none=True, required=True)


class TaskRecordListSchema(ma.Schema):
    items = ListOf(TaskRecordSchema)
