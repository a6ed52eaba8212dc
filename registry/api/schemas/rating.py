"""Schemas of the rating facts and the commendation proposals: query arguments, the decision's body, responses.

Kept apart from ``inputs`` and the other output modules; importable as ``registry.api.schemas.rating``."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from registry.api.schemas.base import InputSchema, ListOf, ModelSchema, PageSchema, QuerySchema, RowId, Text, columns
from registry.api.schemas.reference import PersonRefSchema
from registry.api.schemas.reports import OutcomeCountsSchema
from registry.models import Commendation, CommendationDecision, CouncilDecision, ProposalState
from registry.models.base import MAX_ID
from registry.services import commendations, rating
from registry.services.queries import SORT_DIRECTIONS

# -- query arguments ------------------------------------------------------------------------------------------

class _PageArgs(QuerySchema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_ID),
                          metadata={"description": "Page number, from 1"})
    per_page = fields.Integer(validate=validate.Range(1, 100),
                              metadata={"description": "Items per page, at most 100 (default: the site's page size)"})
    unit = RowId(metadata={"description": "Org unit id; its sub-units are included (default: every unit)"})
    dir = fields.String(validate=validate.OneOf(SORT_DIRECTIONS), metadata={"description": "asc (default) or desc"})


class RatingArgs(_PageArgs):
    year = fields.Integer(required=True, validate=validate.Range(1, 9999),
                          metadata={"description": "Calendar year, e.g. 2026"})
    by = fields.String(validate=validate.OneOf([s.value for s in rating.Subject]),
                       metadata={"description": "person (individual registrations, default) or unit (collective)"})
    sort = fields.String(validate=validate.OneOf(rating.SORTS), metadata={"description": "Column (default: name)"})


class ProposalArgs(_PageArgs):
    year = fields.Integer(validate=validate.Range(1, 9999), metadata={"description": "Calendar year, e.g. 2026"})
    state = fields.String(validate=validate.OneOf([s.value for s in ProposalState]))
    commendation = fields.String(validate=validate.OneOf([c.value for c in Commendation
                                                          if c is not Commendation.NONE]))
    sort = fields.String(validate=validate.OneOf(commendations.SORTS), metadata={"description": "Default: code"})


class DecisionInput(InputSchema):
    decision = fields.Enum(CouncilDecision, by_value=True, required=True,
                           metadata={"description": "accepted or not_accepted"})
    decision_ref = Text(limit=commendations.MAX_DECISION_REF, load_default="",
                        metadata={"description": "The decision's reference; required when accepted"})
    decided_on = fields.Date(required=True, metadata={"description": "The date of the council's decision"})
    reason = Text(limit=commendations.MAX_REASON, load_default="",
                  metadata={"description": "Why not accepted (required then), or a remark"})


# -- responses ------------------------------------------------------------------------------------------------

class RatingRowSchema(ma.Schema):
    id = fields.Integer(required=True, metadata={"description": "The person's or the org unit's id"})
    name = fields.String(required=True)
    unit_name = fields.String(required=True, metadata={"description": "A person's unit; a collective's parent"})
    registered = fields.Integer(required=True, metadata={"description": "Not a draft, not withdrawn"})
    reviewed = fields.Integer(required=True, metadata={"description": "With a current verdict"})
    awaiting = fields.Integer(required=True, metadata={"description": "Approved, still waiting for the verdict"})
    counts = fields.Nested(OutcomeCountsSchema, required=True)


class RatingPageSchema(PageSchema):
    year = fields.Integer(required=True)
    by = fields.String(required=True)
    items = ListOf(RatingRowSchema)


class DecisionSchema(ModelSchema):
    Meta = columns(CommendationDecision, "id", "decision", "decision_ref", "decided_on", "reason", "recorded_by",
                   "recorded_at")
    recorded_by = fields.Nested(PersonRefSchema, required=True)


class ProposalSchema(ma.Schema):
    verdict_id = fields.Integer(attribute="id", required=True)
    task_id = fields.Integer(required=True)
    task_code = fields.String(attribute="task.code", required=True)
    title = fields.String(attribute="task.title", required=True)
    owner = fields.String(attribute="task.owner_label", required=True)
    level = fields.String(attribute="level.code", required=True)
    commendation = fields.Enum(Commendation, by_value=True, required=True)
    commendation_form = fields.String(required=True)
    proposed_at = fields.DateTime(attribute="decided_at", required=True)
    is_current = fields.Boolean(required=True, metadata={"description": "false: the verdict was reopened"})
    state = fields.Method("get_state", required=True, metadata={
        "type": "string", "enum": [s.value for s in ProposalState],
        "description": "proposed, accepted, not_accepted, or lapsed (reopened before the decision)"})
    decision = fields.Nested(DecisionSchema, attribute="commendation_decision", allow_none=True, required=True)

    def get_state(self, verdict) -> str:
        return commendations.proposal_state(verdict).value


class ProposalPageSchema(PageSchema):
    items = ListOf(ProposalSchema)
