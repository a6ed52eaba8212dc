"""The secretariat's administration pages: people, org units, years and fields.

Every route is for the secretariat only; the rules live in ``registry.services.people`` and
``registry.services.admin``, the views only translate between forms and services.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from registry import policy
from registry.blueprints.admin import bp
from registry.blueprints.admin.forms import (
    FieldForm,
    MergeForm,
    NewPersonForm,
    OrgUnitForm,
    PeopleFilterForm,
    PersonActiveForm,
    PersonForm,
    ResetPasswordForm,
    YearForm,
    field_data,
    field_initial,
    org_unit_data,
    org_unit_initial,
    person_data,
    person_initial,
    year_data,
    year_initial,
)
from registry.blueprints.common import REFUSED, allow, attempt, done, get_or_404, posted, submitted
from registry.extensions import db
from registry.models import Field, OrgUnit, Person, Role, Year
from registry.services import admin as admin_service
from registry.services import people as people_service
from registry.services.queries import contains, org_units_tree
from registry.text import fold


@bp.before_request
def require_secretariat():
    """Every administration page, GET or POST, is for a secretariat only; each object is then checked against
    the secretariat's subtree (``_person``, ``_unit``), years and fields against the top committee's."""
    allow("administer")
    if request.endpoint and request.endpoint.split(".")[-1].startswith(("year", "field")):
        allow("administer_settings")


def _person(person_id: int) -> Person:
    """The account, if the current secretariat manages it (404 when it is out of sight, 403 when only seen)."""
    person = get_or_404(Person, person_id)
    if not policy.can(current_user, "view_people") or not db.session.scalar(
            select(Person.id).where(Person.id == person.id, policy.people_in_scope(current_user))):
        abort(404)
    allow("administer", person)
    return person


def _unit(unit_id: int) -> OrgUnit:
    """The unit, if it lies in the current secretariat's subtree (else 404); the service then refuses (403) a
    change to a unit that is not strictly below one it administers."""
    unit = get_or_404(OrgUnit, unit_id)
    if not policy.can(current_user, "administer", unit):
        abort(404)
    return unit


def _status(*forms) -> int:
    return 422 if any(f.errors for f in forms) else 200


# -- people ----------------------------------------------------------------------------------------------

@bp.route("/people")
def people():
    form = PeopleFilterForm(request.args)
    form.set_choices()
    form.validate()
    stmt = select(Person).where(policy.people_in_scope(current_user, [Role.SECRETARIAT])) \
        .options(joinedload(Person.org_unit)).order_by(Person.full_name, Person.id)
    q = (form.q.data or "").strip() if not form.q.errors else ""
    if fold(q):
        # names are matched without diacritics, so "nguyen van" finds "Nguyễn Văn"
        stmt = stmt.where(or_(Person.username.like(contains(q), escape="\\"),
                              Person.search_name.like(contains(q), escape="\\")))
    if form.role.data and not form.role.errors:
        stmt = stmt.where(Person.grants.any(role=Role(form.role.data)))
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], max_per_page=100, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/people.html", form=form, page=page, args=args)


def _person_form(cls=PersonForm, **kwargs) -> PersonForm:
    form = cls(**kwargs)
    form.set_choices(org_units_tree(current_user, [Role.SECRETARIAT]))
    return form


@bp.route("/people/new", methods=["GET", "POST"])
def person_new():
    form = _person_form(NewPersonForm)
    person = submitted(form, lambda: people_service.create_person(current_user, person_data(form),
                                                                  password=form.password.data))
    if person is not REFUSED:
        return done(_("Account %(username)s created.", username=person.username), "admin.person_edit",
                    person_id=person.id)
    return render_template("admin/person_form.html", form=form, person=None), _status(form)


def _person_page(person: Person, form=None, active_form=None, password_form=None):
    form = form or _person_form(formdata=None, data=person_initial(person))
    active_form = active_form or PersonActiveForm(formdata=None, active="0" if person.is_active_account else "1")
    password_form = password_form or ResetPasswordForm(formdata=None)
    return render_template("admin/person_form.html", form=form, person=person, active_form=active_form,
                           password_form=password_form), _status(form, active_form, password_form)


@bp.route("/people/<id:person_id>/edit", methods=["GET", "POST"])
def person_edit(person_id: int):
    person = _person(person_id)
    if request.method == "GET":
        return _person_page(person)
    form = _person_form()
    if submitted(form, lambda: people_service.update_person(current_user, person, person_data(form))) \
            is not REFUSED:
        return done(_("Changes saved."), "admin.person_edit", person_id=person.id)
    return _person_page(person, form=form)


@bp.route("/people/<id:person_id>/active", methods=["POST"])
def person_active(person_id: int):
    person = _person(person_id)
    form = posted(PersonActiveForm())
    if attempt(form, lambda: people_service.set_person_active(current_user, person, form.active.data == "1")) \
            is REFUSED:
        return _person_page(person, active_form=form)
    return done(_("Account reactivated.") if person.is_active_account
                else _("Account deactivated: the person can no longer sign in."), "admin.person_edit",
                person_id=person.id)


@bp.route("/people/<id:person_id>/password", methods=["POST"])
def person_password(person_id: int):
    person = _person(person_id)
    form = ResetPasswordForm()
    if submitted(form, lambda: people_service.reset_password(current_user, person, form.new_password.data or "")) \
            is not REFUSED:
        return done(_("Password reset. Give the new password to %(name)s in person.", name=person.full_name),
                    "admin.person_edit", person_id=person.id)
    return _person_page(person, password_form=form)


# -- org units -------------------------------------------------------------------------------------------

@bp.route("/units")
def units():
    tree = org_units_tree(current_user, [Role.SECRETARIAT])
    head_ids = {u.head_id for u, _depth in tree if u.head_id}
    heads = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(head_ids)))} if head_ids \
        else {}
    return render_template("admin/units.html", tree=tree, heads=heads)


def _unit_form(unit: OrgUnit | None) -> OrgUnitForm:
    if request.method == "GET":
        form = OrgUnitForm(formdata=None, data=org_unit_initial(unit)) if unit else OrgUnitForm()
    else:
        form = OrgUnitForm()
    heads = list(db.session.scalars(select(Person).where(Person.is_active_account.is_(True),
                                                         policy.people_in_scope(current_user, [Role.SECRETARIAT]))
                                    .order_by(Person.full_name)))
    if unit is not None and unit.head is not None and unit.head not in heads:
        heads.append(unit.head)  # keep a deactivated head visible, so the form says to replace them
    form.set_choices(org_units_tree(current_user, [Role.SECRETARIAT]), heads)
    return form


def _save_unit(unit: OrgUnit | None):
    form = _unit_form(unit)
    saved = submitted(form, lambda: admin_service.save_org_unit(current_user, unit, org_unit_data(form)))
    if saved is not REFUSED:
        return done(_("Unit %(name)s saved.", name=saved.name), "admin.units")
    return render_template("admin/unit_form.html", form=form, unit=unit), _status(form)


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    return _save_unit(None)


@bp.route("/units/<id:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    return _save_unit(_unit(unit_id))


@bp.route("/units/<id:unit_id>/merge", methods=["GET", "POST"])
def unit_merge(unit_id: int):
    """Merge a unit into another (sáp nhập): its people, roles, sub-units and open tasks move; its history
    stays under its old name."""
    unit = _unit(unit_id)
    form = MergeForm()
    form.set_choices(org_units_tree(current_user, [Role.SECRETARIAT]), unit)
    if form.validate_on_submit():
        into = get_or_404(OrgUnit, form.into_id.data)
        if attempt(form, lambda: admin_service.merge_units(current_user, unit, into)) is not REFUSED:
            return done(_("%(old)s merged into %(new)s.", old=unit.name, new=into.name), "admin.units")
    return render_template("admin/unit_merge.html", form=form, unit=unit), _status(form)


# -- years -----------------------------------------------------------------------------------------------

@bp.route("/years")
def years():
    rows = list(db.session.scalars(select(Year).order_by(Year.year.desc())))
    return render_template("admin/years.html", years=rows)


def _setting_form(form_class, obj, initial):
    """The form of a year or a field: filled from ``obj`` when one opens it to edit."""
    return form_class(formdata=None, data=initial(obj)) if request.method == "GET" and obj is not None \
        else form_class()


def _save_setting(form, save, saved_message, endpoint: str, template: str, **context):
    """A year's or a field's form: saved by the service (``save``), the list after it; else the form again."""
    saved = submitted(form, lambda: save(form))
    if saved is not REFUSED:
        return done(saved_message(saved), endpoint)
    return render_template(template, form=form, **context), _status(form)


def _save_year(year: Year | None):
    return _save_setting(_setting_form(YearForm, year, year_initial),
                         lambda form: admin_service.save_year(current_user, year, year_data(form)),
                         lambda saved: _("Year %(year)d saved.", year=saved.year), "admin.years",
                         "admin/year_form.html", year=year)


@bp.route("/years/new", methods=["GET", "POST"])
def year_new():
    return _save_year(None)


@bp.route("/years/<id:year_id>/edit", methods=["GET", "POST"])
def year_edit(year_id: int):
    return _save_year(get_or_404(Year, year_id))


# -- fields (lĩnh vực) -----------------------------------------------------------------------------------

@bp.route("/fields")
def fields():
    rows = list(db.session.scalars(select(Field).order_by(Field.sort_order, Field.name)))
    return render_template("admin/fields.html", fields=rows)


def _save_field(field: Field | None):
    return _save_setting(_setting_form(FieldForm, field, field_initial),
                         lambda form: admin_service.save_field(current_user, field, field_data(form)),
                         lambda saved: _("Field %(name)s saved.", name=saved.display_name), "admin.fields",
                         "admin/field_form.html", field=field)


@bp.route("/fields/new", methods=["GET", "POST"])
def field_new():
    return _save_field(None)


@bp.route("/fields/<id:field_id>/edit", methods=["GET", "POST"])
def field_edit(field_id: int):
    return _save_field(get_or_404(Field, field_id))
