"""Forms of the secretariat's administration pages. They stop at the view: each ``*_data`` function turns a
form into the input of ``registry.services.people`` / ``registry.services.admin``, which hold the rules."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import AnyOf, Length, Optional

from registry import labels
from registry.blueprints.common import BaseForm, DMYDateField, RowForm
from registry.models import OrgLevel, OrgUnit, Person, Role
from registry.services.people import MAX_NAME, MAX_USERNAME


def _indented(units: list[tuple[OrgUnit, int]]) -> list[tuple[int, str]]:
    """Choices from ``org_units_tree()``: each unit indented by its depth."""
    return [(u.id, "\u2003" * depth + u.name) for u, depth in units]


# -- people ----------------------------------------------------------------------------------------------

class PeopleFilterForm(BaseForm):
    """The people list's search box and role filter (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search by name or username"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[], validators=[Optional()])

    def set_choices(self) -> None:
        self.role.choices = [("", _l("All"))] + [(r.value, labels.ROLE[r]) for r in Role]


class GrantRow(RowForm):
    """One role held in one unit."""

    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    unit_id = SelectField(_l("In the unit"), coerce=int, choices=[], validate_choice=False)


#: empty grant rows offered beyond those held
GRANT_ROWS = 2


class PersonForm(BaseForm):
    username = StringField(_l("Username"), validators=[Length(max=MAX_USERNAME)],
                           render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})
    full_name = StringField(_l("Full name"), validators=[Length(max=MAX_NAME)])
    position = StringField(_l("Position"), validators=[Length(max=MAX_NAME)])
    email = StringField(_l("E-mail"), validators=[Length(max=MAX_NAME)], render_kw={"type": "email"})
    org_unit_id = SelectField(_l("Unit"), coerce=int, choices=[], default=0)
    grants = FieldList(FormField(GrantRow), min_entries=1, max_entries=30)

    def set_choices(self, units: list[tuple[OrgUnit, int]]) -> None:
        self.org_unit_id.choices = [(0, "—")] + _indented(units)
        self._units = [(0, "—")] + _indented(units)
        wanted = min(len(self.grants.entries) + GRANT_ROWS, self.grants.max_entries)
        while len(self.grants.entries) < wanted and not self.is_submitted():
            self.grants.append_entry()
        for entry in self.grants.entries:
            entry.form.role.choices = [("", "—")] + [(r.value, labels.ROLE[r]) for r in Role]
            entry.form.unit_id.choices = self._units


class NewPersonForm(PersonForm):
    password = PasswordField(_l("Initial password"), validators=[Length(max=200)],
                             render_kw={"autocomplete": "new-password"})


class PersonActiveForm(BaseForm):
    """Deactivate or reactivate an account (one button; ``active`` is the state wanted)."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])


class ResetPasswordForm(BaseForm):
    new_password = PasswordField(_l("New password"), validators=[Length(max=200)],
                                 render_kw={"autocomplete": "new-password"})


def person_data(form: PersonForm) -> dict[str, Any]:
    return {
        "username": form.username.data,
        "full_name": form.full_name.data,
        "position": form.position.data,
        "email": form.email.data,
        "org_unit_id": form.org_unit_id.data or None,
        "grants": [{"role": row.role.data or "", "unit_id": row.unit_id.data or None} for row in
                   (entry.form for entry in form.grants.entries)],
    }


def person_initial(person: Person) -> dict[str, Any]:
    return {
        "username": person.username,
        "full_name": person.full_name,
        "position": person.position,
        "email": person.email or "",
        "org_unit_id": person.org_unit_id or 0,
        "grants": [{"role": g.role.value, "unit_id": g.unit_id} for g in person.grants],
    }


# -- org units -------------------------------------------------------------------------------------------

class OrgUnitForm(BaseForm):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    code = StringField(_l("Code"), validators=[Length(max=40)])
    level = SelectField(_l("Level"), choices=[])
    parent_id = SelectField(_l("Parent unit"), coerce=int, choices=[], default=0)
    head_id = SelectField(_l("Head"), coerce=int, choices=[], default=0)
    is_active = BooleanField(_l("Active"), default=True)

    def set_choices(self, units: list[tuple[OrgUnit, int]], heads: list[Person]) -> None:
        self.level.choices = [(lv.value, labels.LEVEL[lv]) for lv in OrgLevel]
        self.parent_id.choices = [(0, _l("— none (top of the tree) —"))] + _indented(units)
        self.head_id.choices = [(0, "—")] + [
            (p.id, f"{p.full_name} — {p.position}" if p.position else p.full_name) for p in heads]


class MergeForm(BaseForm):
    """Merge a unit into another (sáp nhập)."""

    into_id = SelectField(_l("Merge into"), coerce=int, choices=[], default=0,
                          validators=[AnyOf([], message=_l("Choose the unit it is merged into."))])

    def set_choices(self, units: list[tuple[OrgUnit, int]], unit: OrgUnit) -> None:
        choices = _indented([(u, depth) for u, depth in units
                             if u.id != unit.id and not u.is_within(unit) and u.is_active])
        self.into_id.choices = [(0, "—")] + choices
        self.into_id.validators[0].values = [c[0] for c in choices]


def org_unit_data(form: OrgUnitForm) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "code": form.code.data,
        "level": form.level.data,
        "parent_id": form.parent_id.data or None,
        "head_id": form.head_id.data or None,
        "is_active": form.is_active.data,
    }


def org_unit_initial(unit: OrgUnit) -> dict[str, Any]:
    return {
        "name": unit.name, "code": unit.code, "level": unit.level.value, "parent_id": unit.parent_id or 0,
        "head_id": unit.head_id or 0, "is_active": unit.is_active,
    }


# -- years -----------------------------------------------------------------------------------------------

YEAR_DATE_FIELDS = ("registration_opens_on", "registration_closes_on", "q1_deadline", "q2_deadline",
                    "q3_deadline", "q4_deadline")


class YearForm(BaseForm):
    year = IntegerField(_l("Year"), validators=[Optional()], render_kw={"inputmode": "numeric"})
    registration_opens_on = DMYDateField(_l("Registration opens on"), validators=[Optional()])
    registration_closes_on = DMYDateField(_l("Registration closes on"), validators=[Optional()])
    q1_deadline = DMYDateField(_l("Quarter 1 report deadline"), validators=[Optional()])
    q2_deadline = DMYDateField(_l("Quarter 2 report deadline"), validators=[Optional()])
    q3_deadline = DMYDateField(_l("Quarter 3 report deadline"), validators=[Optional()])
    q4_deadline = DMYDateField(_l("Quarter 4 report deadline"), validators=[Optional()])
    grace_days = IntegerField(_l("Grace period for editing notes (days)"), default=7, validators=[Optional()],
                              render_kw={"inputmode": "numeric"})
    rating_regulation = StringField(_l("Cadre-rating regulation"), validators=[Length(max=100)],
                                    render_kw={"placeholder": _l("e.g. 366-QĐ/TW")})


def year_data(form: YearForm) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(form, name).data for name in YEAR_DATE_FIELDS}
    data["year"] = form.year.data
    data["grace_days"] = form.grace_days.data
    data["rating_regulation"] = form.rating_regulation.data
    return data


def year_initial(year) -> dict[str, Any]:
    data = {name: getattr(year, name) for name in YEAR_DATE_FIELDS}
    data["year"] = year.year
    data["grace_days"] = year.grace_days
    data["rating_regulation"] = year.rating_regulation
    return data


# -- fields (lĩnh vực) -----------------------------------------------------------------------------------

class FieldForm(BaseForm):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Length(max=200)])
    sort_order = IntegerField(_l("Sort order"), validators=[Optional()], default=0,
                              render_kw={"inputmode": "numeric"})
    is_active = BooleanField(_l("Active (offered when registering)"), default=True)


def field_data(form: FieldForm) -> dict[str, Any]:
    return {"name": form.name.data, "name_en": form.name_en.data, "sort_order": form.sort_order.data or 0,
            "is_active": form.is_active.data}


def field_initial(field) -> dict[str, Any]:
    return {"name": field.name, "name_en": field.name_en or "", "sort_order": field.sort_order,
            "is_active": field.is_active}
