"""marshmallow schemas of the API: input schemas (reject unknown fields) apart from output schemas (whitelists).

Input schemas check only the shape — types, enums, id ranges. The rules (what is required, lengths, dates
within the year, who may do what) stay in the services, whose ``ValidationFailed`` becomes a 422 with the
same field keys.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from registry import permissions
from registry.models import (
    Authority,
    OrgLevel,
    Ownership,
    Person,
    Role,
    TaskKind,
    TaskState,
)
from registry.models.base import MAX_ID

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


class PersonSchema(ma.Schema):
    """A person's public card; ``email`` only for the secretariat and the person themselves."""

    id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    position = fields.String(required=True)
    org_unit_id = fields.Integer(allow_none=True, required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLE_VALUES)), required=True)
    email = fields.String(allow_none=True)


class MeSchema(PersonSchema):
    username = fields.String(required=True)
    is_active = fields.Boolean(required=True)


def person_card(viewer: Person, person: Person, *, me: bool = False) -> dict[str, Any]:
    """The fields of ``person`` that ``viewer`` may read, as plain data."""
    card: dict[str, Any] = {"id": person.id, "full_name": person.full_name, "position": person.position,
                            "org_unit_id": person.org_unit_id, "roles": sorted(r.value for r in person.roles)}
    if permissions.can_administer(viewer) or viewer.id == person.id:
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
