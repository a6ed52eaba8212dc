"""Reference data the secretariat manages: org units of its subtree (created, edited, renamed, merged), and, at
the top committee, years (windows and deadlines) and fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from registry import clock, policy
from registry.models import Field, OrgLevel, OrgUnit, OrgUnitName, Person, RoleGrant, Task, Year, db
from registry.models.org import place
from registry.models.task import CLOSED_STATES
from registry.services.audit import record_event
from registry.services.errors import Conflict, FieldErrors, PermissionDenied
from registry.services.queries import descendant_ids
from registry.services.task_core import plain

YEAR_DATES = ("registration_opens_on", "registration_closes_on", "q1_deadline", "q2_deadline", "q3_deadline",
              "q4_deadline")


def _require_settings(actor: Person | None) -> None:
    """Years and fields are the installation's: only the top committee's secretariat (or the CLI) sets them."""
    if actor is not None:
        policy.require_can(actor, "administer_settings")


def _require_unit_admin(actor: Person | None, parent: OrgUnit | None) -> None:
    """A unit is created, moved, edited or merged only by a secretariat above it (or the CLI for a top unit)."""
    if actor is None:
        return
    if parent is None:
        raise PermissionDenied(_l("Only the command line creates a top unit."))
    policy.require_can(actor, "administer", parent)


def _snapshot(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: plain(getattr(obj, name)) for name in names}


def _taken_by_another(column: Any, value: str, row: Any) -> bool:
    """Whether a row other than ``row`` holds ``value`` in ``column`` (a name or code; case aside). The exact value
    is looked for too: SQLite's ``lower()`` folds only ASCII, so "Ă" would not find "Ă" by the lowered form."""
    model = type(row)
    stmt = select(model.id).where(or_(column == value, func.lower(column) == value.lower()))
    if row.id is not None:
        stmt = stmt.where(model.id != row.id)
    return db.session.scalar(stmt.limit(1)) is not None


def _save(actor: Person | None, obj: Any, values: dict[str, Any], names: tuple[str, ...], kind: str) -> Any:
    is_new = obj.id is None
    before = None if is_new else _snapshot(obj, names)
    for key, value in values.items():
        setattr(obj, key, value)
    db.session.add(obj)
    db.session.flush()
    if isinstance(obj, OrgUnit):
        place(obj)
        db.session.flush()
    after = _snapshot(obj, names)
    if before != after:
        record_event(actor, f"{kind}.{'create' if is_new else 'update'}", object_type=kind, object_id=obj.id,
                     before=before, after=after, unit_id=obj.id if isinstance(obj, OrgUnit) else None)
    return obj


# -- org units -----------------------------------------------------------------------------------------

ORG_FIELDS = ("name", "code", "level", "parent_id", "head_id", "is_active")


def save_org_unit(actor: Person | None, unit: OrgUnit | None, data: dict[str, Any]) -> OrgUnit:
    """Create (``unit`` None) or update an org unit inside the actor's subtree, refusing cycles in the tree.
    A new name keeps the former one for the years before this one (dossiers of old years show it)."""
    if unit is not None:
        _require_unit_admin(actor, unit.parent)
    unit = unit or OrgUnit()
    errors = FieldErrors()
    name = errors.text("name", data.get("name"), 200, required=_l("Enter the unit's name."))
    code = str(data.get("code") or "").strip()
    if not code or len(code) > 40:
        errors.add("code", _l("Enter a short code (at most 40 characters)."))
    elif _taken_by_another(OrgUnit.code, code, unit):
        errors.add("code", _l("This code is taken."))
    try:
        level = data.get("level")
        level = level if isinstance(level, OrgLevel) else OrgLevel(level)
    except ValueError:
        errors.add("level", _l("Choose a level."))
        level = None
    parent_id = data.get("parent_id") or None
    parent = db.session.get(OrgUnit, parent_id) if isinstance(parent_id, int) else None
    if parent_id is not None:
        if parent is None or (actor is not None and not policy.can(actor, "administer", parent)):
            errors.add("parent_id", _l("Choose a unit inside the ones you administer."))
        elif unit.id is not None and (parent_id == unit.id or parent_id in descendant_ids(unit.id)):
            errors.add("parent_id", _l("A unit cannot sit under itself or its own sub-units."))
    elif actor is not None:
        errors.add("parent_id", _l("Choose the unit above this one."))
    head_id = data.get("head_id") or None
    if head_id is not None:
        head = db.session.get(Person, head_id)
        if head is None or not head.is_active:
            errors.add("head_id", _l("Choose an active person."))
    errors.raise_if_any()
    values = {"name": name, "code": code, "level": level, "parent_id": parent_id, "head_id": head_id,
              "is_active": bool(data.get("is_active", True))}
    if unit.id is not None and unit.name != name:
        unit.former_names.append(OrgUnitName(name=unit.name, until_year=clock.today().year - 1))
    if unit.id is not None and unit.parent_id != parent_id:
        unit.parent = parent
    return _save(actor, unit, values, ORG_FIELDS, "org_unit")


def merge_units(actor: Person | None, old: OrgUnit, into: OrgUnit) -> OrgUnit:
    """Merge ``old`` into ``into`` (sáp nhập): its sub-units, people, role grants and open tasks move to
    ``into``; closed tasks stay with ``old``, which becomes an inactive unit under ``into`` so its history
    (and its name on old years' dossiers) stays readable by ``into``'s authorities."""
    _require_unit_admin(actor, old.parent)
    if actor is not None:
        policy.require_can(actor, "administer", into)
    old_parent_id = old.parent_id
    if old.id == into.id or into.is_within(old):
        errors = FieldErrors()
        errors.add("into_id", _l("A unit cannot be merged into itself or one of its own sub-units."))
        errors.raise_if_any()
    if old.merged_into_id is not None:
        raise Conflict(_l("This unit has been merged already."))
    moved = {"children": [], "people": [], "grants": 0, "tasks": []}
    for child in list(old.children):
        child.parent = into
        moved["children"].append(child.id)
    for person in db.session.scalars(select(Person).where(Person.org_unit_id == old.id)):
        person.org_unit_id = into.id
        moved["people"].append(person.id)
    for grant in db.session.scalars(select(RoleGrant).where(RoleGrant.unit_id == old.id)).all():
        duplicate = db.session.scalar(select(RoleGrant.id).where(
            RoleGrant.person_id == grant.person_id, RoleGrant.role == grant.role, RoleGrant.unit_id == into.id))
        if duplicate is None:
            grant.unit_id = into.id
        else:
            db.session.delete(grant)
        moved["grants"] += 1
    for task in db.session.scalars(select(Task).where(Task.committee_id == old.id,
                                                      Task.state.not_in(CLOSED_STATES))):
        task.committee_id = into.id
        if task.org_unit_id == old.id:
            task.org_unit_id = into.id
        moved["tasks"].append(task.id)
    old.merged_into = into
    old.is_active = False
    old.parent = into
    db.session.flush()
    for child in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(moved["children"] + [old.id]))):
        place(child)
    db.session.flush()
    db.session.expire_all()
    record_event(actor, "org_unit.merge", object_type="org_unit", object_id=old.id, unit_id=into.id,
                 before={"parent_id": old_parent_id}, after={"merged_into_id": into.id, **moved})
    return into


# -- years ---------------------------------------------------------------------------------------------

YEAR_FIELDS = ("year",) + YEAR_DATES + ("grace_days", "rating_regulation")


def save_year(actor: Person | None, year: Year | None, data: dict[str, Any]) -> Year:
    """Create or update a year: its registration window (which extends it) and quarterly deadlines."""
    _require_settings(actor)
    year = year or Year()
    errors = FieldErrors()
    number = data.get("year")
    if not isinstance(number, int) or not 2000 <= number <= 2100:
        errors.add("year", _l("Enter a year between 2000 and 2100."))
    else:
        taken = db.session.scalar(select(Year.id).where(Year.year == number))
        if taken is not None and taken != year.id:
            errors.add("year", _l("This year exists already."))
    dates = {}
    for name in YEAR_DATES:
        value = data.get(name)
        if not isinstance(value, date):
            errors.add(name, _l("Enter a date as dd/mm/yyyy."))
        else:
            dates[name] = value
    if len(dates) == len(YEAR_DATES):
        if dates["registration_opens_on"] > dates["registration_closes_on"]:
            errors.add("registration_closes_on", _l("The window must close after it opens."))
        quarters = [dates[f"q{i}_deadline"] for i in range(1, 5)]
        for i in range(1, 4):
            if quarters[i] <= quarters[i - 1]:
                errors.add(f"q{i + 1}_deadline", _l("Each quarter's deadline must come after the previous one."))
    grace_days = data.get("grace_days")
    grace_days = 7 if grace_days is None else grace_days
    if not isinstance(grace_days, int) or not 0 <= grace_days <= 90:
        errors.add("grace_days", _l("Enter a number of days from 0 to 90."))
    regulation = errors.text("rating_regulation", data.get("rating_regulation"), 100)
    errors.raise_if_any()
    return _save(actor, year, {"year": number, **dates, "grace_days": grace_days, "rating_regulation": regulation},
                 YEAR_FIELDS, "year")


# -- fields --------------------------------------------------------------------------------------------

FIELD_FIELDS = ("name", "name_en", "sort_order", "is_active")
#: a field's place in the lists, either way from 0
MAX_SORT_ORDER = 9999


def save_field(actor: Person | None, field: Field | None, data: dict[str, Any]) -> Field:
    """Create or update a field of work (lĩnh vực)."""
    _require_settings(actor)
    field = field or Field()
    errors = FieldErrors()
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 200:
        errors.add("name", _l("Enter a name (at most 200 characters)."))
    elif _taken_by_another(Field.name, name, field):
        errors.add("name", _l("This field exists already."))
    name_en = errors.text("name_en", data.get("name_en"), 200)
    sort_order = data.get("sort_order") or 0
    if not isinstance(sort_order, int):
        errors.add("sort_order", _l("Enter a whole number."))
    elif not -MAX_SORT_ORDER <= sort_order <= MAX_SORT_ORDER:  # (the column is a 32-bit integer)
        errors.add("sort_order", _l("Enter a whole number from %(low)d to %(high)d.", low=-MAX_SORT_ORDER,
                                    high=MAX_SORT_ORDER))
    errors.raise_if_any()
    values = {"name": name, "name_en": name_en or None, "sort_order": sort_order,
              "is_active": bool(data.get("is_active", True))}
    return _save(actor, field, values, FIELD_FIELDS, "field")


def active_monitors(committee: OrgUnit) -> list[Person]:
    """Active Fatherland Front monitors of ``committee``, by name (for monitor pickers)."""
    return list(db.session.scalars(select(Person).where(policy.monitors_for(committee)).order_by(Person.full_name)))
