"""Reference data through the API, read-only: org units, people, years, fields, and the token's own person."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort
from flask_smorest import Blueprint
from sqlalchemy import select

from registry.api import schemas
from registry.api.auth import api_actor, protect
from registry.api.errors import documented, install
from registry.api.pagination import paginate
from registry.extensions import db
from registry import policy
from registry.models import Field, OrgUnit, Person, Role, Year

blp = Blueprint("api_reference", __name__, url_prefix="/api/v1",
                description="Org units, people, years and fields (read-only), and the token's own account.")
protect(blp)
install(blp)


def _units(viewer: Person):
    """SQL: the units inside the subtree of a unit where the viewer holds any role."""
    return policy.units_in_scope(viewer, list(Role))


def _in_scope(model, ident: int, condition):
    """The row when it is inside the viewer's scope, else 404 (as if it did not exist)."""
    row = db.session.scalar(select(model).where(model.id == ident, condition))
    if row is None:
        abort(404)
    return row


@blp.route("/me")
@blp.response(200, schemas.MeSchema)
@documented(blp)
def me():
    """The person the token belongs to"""
    return schemas.person_card(api_actor(), api_actor(), me=True)


@blp.route("/people")
@blp.arguments(schemas.PageArgs, location="query", unknown=ma.RAISE)
@blp.response(200, schemas.PersonPageSchema)
@documented(blp)
def list_people(args: dict[str, Any]):
    """People, by id; e-mail addresses only for the secretariat (and one's own)"""
    viewer = api_actor()
    return paginate(select(Person).where(policy.people_in_scope(viewer)).order_by(Person.id), args,
                    transform=lambda person: schemas.person_card(viewer, person))


@blp.route("/people/<id:person_id>")
@blp.response(200, schemas.PersonSchema)
@documented(blp, 404)
def get_person(person_id: int):
    """One person's public card (e-mail only for the secretariat and the person themselves)"""
    return schemas.person_card(api_actor(), _in_scope(Person, person_id, policy.people_in_scope(api_actor())))


@blp.route("/org-units")
@blp.arguments(schemas.PageArgs, location="query", unknown=ma.RAISE)
@blp.response(200, schemas.OrgUnitPageSchema)
@documented(blp)
def list_org_units(args: dict[str, Any]):
    """Org units, by id (`parent_id` gives the tree)"""
    return paginate(select(OrgUnit).where(_units(api_actor())).order_by(OrgUnit.id), args)


@blp.route("/org-units/<id:unit_id>")
@blp.response(200, schemas.OrgUnitSchema)
@documented(blp, 404)
def get_org_unit(unit_id: int):
    """One org unit"""
    return _in_scope(OrgUnit, unit_id, _units(api_actor()))


@blp.route("/years")
@blp.arguments(schemas.PageArgs, location="query", unknown=ma.RAISE)
@blp.response(200, schemas.YearPageSchema)
@documented(blp)
def list_years(args: dict[str, Any]):
    """Registration years with their windows and quarterly deadlines, latest first"""
    return paginate(select(Year).order_by(Year.year.desc()), args)


@blp.route("/years/<id:year_id>")
@blp.response(200, schemas.YearSchema)
@documented(blp, 404)
def get_year(year_id: int):
    """One registration year"""
    return db.get_or_404(Year, year_id)


@blp.route("/fields")
@blp.arguments(schemas.PageArgs, location="query", unknown=ma.RAISE)
@blp.response(200, schemas.FieldPageSchema)
@documented(blp)
def list_fields(args: dict[str, Any]):
    """Fields of work (lĩnh vực), in their display order"""
    return paginate(select(Field).order_by(Field.sort_order, Field.name, Field.id), args)


@blp.route("/fields/<id:field_id>")
@blp.response(200, schemas.FieldSchema)
@documented(blp, 404)
def get_field(field_id: int):
    """One field of work"""
    return db.get_or_404(Field, field_id)
