"""Output schemas of the reference data: people (with their grants), org units, years and fields."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from registry import policy
from registry.api.schemas.base import EnglishName, ListOf, ModelSchema, PageSchema, columns
from registry.models import Field, OrgUnit, Person, Role, Year


class PersonRefSchema(ModelSchema):
    Meta = columns(Person, "id", "full_name")


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
    grants = ListOf(GrantSchema)
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
    items = ListOf(PersonSchema)


class OrgUnitSchema(ModelSchema):
    Meta = columns(OrgUnit, "id", "name", "code", "level", "parent_id", "head_id", "is_active")


class OrgUnitPageSchema(PageSchema):
    items = ListOf(OrgUnitSchema)


class YearSchema(ModelSchema):
    Meta = columns(Year, "id", "year", "registration_opens_on", "registration_closes_on", "q1_deadline",
                   "q2_deadline", "q3_deadline", "q4_deadline", "rating_regulation")


class YearPageSchema(PageSchema):
    items = ListOf(YearSchema)


class FieldSchema(ModelSchema):
    Meta = columns(Field, "id", "name", "name_en", "sort_order", "is_active")
    name_en = EnglishName()


class FieldPageSchema(PageSchema):
    items = ListOf(FieldSchema)
