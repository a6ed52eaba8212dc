"""Output schemas of dossiers (a person's or a unit's record over the years) and of report figures."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from registry.api.schemas.base import EnglishName, ListOf, ModelSchema, columns
from registry.api.schemas.reference import PersonRefSchema
from registry.api.schemas.review import TaskRecordSchema
from registry.models import OrgUnit, Outcome, TaskKind, TaskState

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
    tasks = ListOf(TaskRecordSchema, metadata={"description": "The registrations counted in this dossier"})
    others = ListOf(TaskRecordSchema, metadata={
        "description": "Shown but counted elsewhere (a head's collective tasks count for the unit)"})


class DossierSchema(ma.Schema):
    years = ListOf(DossierYearSchema, metadata={"description": "Newest first"})
    totals = fields.Nested(OutcomeCountsSchema, required=True)


class PersonDossierSchema(DossierSchema):
    person = fields.Nested(PersonRefSchema, required=True)


class OrgUnitRefSchema(ModelSchema):
    Meta = columns(OrgUnit, "id", "name", "code")


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
    name_en = EnglishName()
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
    by_field = ListOf(FieldCountSchema, metadata={"description": "Registered tasks, fields in display order"})
    by_outcome = fields.Nested(OutcomeCountsSchema, required=True,
                               metadata={"description": "Current verdicts"})
    notes = fields.Nested(NoteTotalsSchema, required=True)
    recommendations = fields.Nested(RecommendationTotalsSchema, required=True)
