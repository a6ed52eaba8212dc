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
from registry.blueprints.common import allow, done, get_or_404, page_action, shown
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
@page_action(None, form=lambda _person: _person_form(NewPersonForm), render=shown("admin/person_form.html", "person"))
def person_new(_person, form):
    person = people_service.create_person(current_user, person_data(form), password=form.password.data)
    return done(_("Account %(username)s created.", username=person.username), "admin.person_edit",
                person_id=person.id)


def _person_page(person: Person, form=None, active_form=None, password_form=None) -> str:
    """A person's page: the account's form, (de)activation and the password reset; ``form``, ``active_form`` or
    ``password_form``: the one submitted, with its errors."""
    form = form or _person_form(formdata=None, data=person_initial(person))
    active_form = active_form or PersonActiveForm(formdata=None, active="0" if person.is_active_account else "1")
    password_form = password_form or ResetPasswordForm(formdata=None)
    return render_template("admin/person_form.html", form=form, person=person, active_form=active_form,
                           password_form=password_form)


def _person_action(form, as_kwarg: str, **options):
    """The pipeline of a form of a person's page: ``form`` submitted (named ``as_kwarg`` on the page)."""
    return page_action(_person, form=form, **options,
                       render=lambda person, submitted: _person_page(person, **{as_kwarg: submitted}))


@bp.route("/people/<id:person_id>/edit", methods=["GET", "POST"])
@_person_action(lambda person: _person_form(formdata=None, data=person_initial(person))
                if request.method == "GET" else _person_form(), "form")
def person_edit(person, form):
    people_service.update_person(current_user, person, person_data(form))
    return done(_("Changes saved."), "admin.person_edit", person_id=person.id)


@bp.route("/people/<id:person_id>/active", methods=["POST"])
@_person_action(PersonActiveForm, "active_form", button=True)
def person_active(person, form):
    people_service.set_person_active(current_user, person, form.active.data == "1")
    return done(_("Account reactivated.") if person.is_active_account
                else _("Account deactivated: the person can no longer sign in."), "admin.person_edit",
                person_id=person.id)


@bp.route("/people/<id:person_id>/password", methods=["POST"])
@_person_action(ResetPasswordForm, "password_form")
def person_password(person, form):
    people_service.reset_password(current_user, person, form.new_password.data or "")
    return done(_("Password reset. Give the new password to %(name)s in person.", name=person.full_name),
                "admin.person_edit", person_id=person.id)


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


@page_action(lambda unit_id=None: _unit(unit_id) if unit_id else None, form=_unit_form,
             render=shown("admin/unit_form.html", "unit"))
def _save_unit(unit, form):
    saved = admin_service.save_org_unit(current_user, unit, org_unit_data(form))
    return done(_("Unit %(name)s saved.", name=saved.name), "admin.units")


bp.add_url_rule("/units/new", "unit_new", _save_unit, methods=["GET", "POST"])
bp.add_url_rule("/units/<id:unit_id>/edit", "unit_edit", _save_unit, methods=["GET", "POST"])


def _merge_form(unit: OrgUnit) -> MergeForm:
    form = MergeForm()
    form.set_choices(org_units_tree(current_user, [Role.SECRETARIAT]), unit)
    return form


@bp.route("/units/<id:unit_id>/merge", methods=["GET", "POST"])
@page_action(_unit, form=_merge_form, render=shown("admin/unit_merge.html", "unit"))
def unit_merge(unit, form):
    """Merge a unit into another (sáp nhập): its people, roles, sub-units and open tasks move; its history
    stays under its old name."""
    into = get_or_404(OrgUnit, form.into_id.data)
    admin_service.merge_units(current_user, unit, into)
    return done(_("%(old)s merged into %(new)s.", old=unit.name, new=into.name), "admin.units")


# -- years -----------------------------------------------------------------------------------------------

@bp.route("/years")
def years():
    rows = list(db.session.scalars(select(Year).order_by(Year.year.desc())))
    return render_template("admin/years.html", years=rows)


def _setting_pages(name: str, model, form_class, initial, save, data, saved_message) -> None:
    """The "new" and "edit" pages of a year or a field (``name``): the form, filled from the row when one opens
    it to edit; saved by the service (``save``), the list after it with ``saved_message(saved)``."""

    @page_action(lambda ident=None: get_or_404(model, ident) if ident else None,
                 form=lambda obj: form_class(formdata=None, data=initial(obj))
                 if request.method == "GET" and obj is not None else form_class(),
                 render=shown(f"admin/{name}_form.html", name))
    def save_setting(obj, form):
        return done(saved_message(save(current_user, obj, data(form))), f"admin.{name}s")

    bp.add_url_rule(f"/{name}s/new", f"{name}_new", save_setting, methods=["GET", "POST"])
    bp.add_url_rule(f"/{name}s/<id:{name}_id>/edit", f"{name}_edit", save_setting, methods=["GET", "POST"])


_setting_pages("year", Year, YearForm, year_initial, admin_service.save_year, year_data,
               lambda saved: _("Year %(year)d saved.", year=saved.year))


# -- fields (lĩnh vực) -----------------------------------------------------------------------------------

@bp.route("/fields")
def fields():
    rows = list(db.session.scalars(select(Field).order_by(Field.sort_order, Field.name)))
    return render_template("admin/fields.html", fields=rows)


_setting_pages("field", Field, FieldForm, field_initial, admin_service.save_field, field_data,
               lambda saved: _("Field %(name)s saved.", name=saved.display_name))
