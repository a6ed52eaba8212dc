"""Accounts: the secretariat creates, edits and deactivates people; everyone changes their own password."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry import permissions
from registry.models import OrgUnit, Person, Role, db
from registry.services.audit import record_event
from registry.services.errors import FieldErrors, PermissionDenied

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def _require_admin(actor: Person) -> None:
    if not permissions.can_administer(actor):
        raise PermissionDenied(_l("Only the secretariat manages accounts."))


def _check_password(password: str, field: str, errors: FieldErrors) -> None:
    if len(password or "") < MIN_PASSWORD:
        errors.add(field, _l("Use at least %(n)d characters.", n=MIN_PASSWORD))
    elif len(password) > 200:
        errors.add(field, _l("At most %(n)d characters.", n=200))


def _person_snapshot(person: Person) -> dict[str, Any]:
    return {
        "username": person.username, "full_name": person.full_name, "position": person.position,
        "email": person.email, "org_unit_id": person.org_unit_id, "is_active": person.is_active_account,
        "roles": sorted(r.value for r in person.roles),
    }


def _clean_person(data: dict[str, Any], person: Person | None, errors: FieldErrors) -> dict[str, Any]:
    out: dict[str, Any] = {}
    username = str(data.get("username") or "").strip().lower()
    if not USERNAME_RE.match(username):
        errors.add("username", _l("3–80 characters: lower-case letters, digits, dot, dash or underscore."))
    else:
        taken = db.session.scalar(select(Person.id).where(func.lower(Person.username) == username))
        if taken is not None and (person is None or taken != person.id):
            errors.add("username", _l("This username is taken."))
    out["username"] = username
    full_name = str(data.get("full_name") or "").strip()
    if not full_name:
        errors.add("full_name", _l("Enter the full name."))
    elif len(full_name) > 200:
        errors.add("full_name", _l("At most %(n)d characters.", n=200))
    out["full_name"] = full_name
    out["position"] = str(data.get("position") or "").strip()[:200]
    email = str(data.get("email") or "").strip() or None
    if email and not EMAIL_RE.match(email):
        errors.add("email", _l("Enter a valid e-mail address."))
    out["email"] = email
    unit_id = data.get("org_unit_id") or None
    if unit_id is not None and db.session.get(OrgUnit, unit_id) is None:
        errors.add("org_unit_id", _l("Choose a unit."))
    out["org_unit_id"] = unit_id
    roles = set()
    for value in data.get("roles") or []:
        try:
            roles.add(value if isinstance(value, Role) else Role(value))
        except ValueError:
            errors.add("roles", _l("Unknown role."))
    if not roles:
        errors.add("roles", _l("Give the person at least one role."))
    out["roles"] = roles
    return out


def create_person(actor: Person | None, data: dict[str, Any], *, password: str) -> Person:
    """Create an account. ``actor`` is the secretariat member (None only from the command line)."""
    if actor is not None:
        _require_admin(actor)
    errors = FieldErrors()
    values = _clean_person(data, None, errors)
    _check_password(password, "password", errors)
    errors.raise_if_any()
    roles = values.pop("roles")
    person = Person(**values)
    person.set_password(password)
    person.set_roles(roles)
    db.session.add(person)
    db.session.flush()
    record_event(actor, "person.create", object_type="person", object_id=person.id, subject=person,
                 after=_person_snapshot(person))
    return person


def update_person(actor: Person, person: Person, data: dict[str, Any]) -> Person:
    """The secretariat edits an account's details and roles."""
    _require_admin(actor)
    errors = FieldErrors()
    values = _clean_person(data, person, errors)
    if person.id == actor.id and Role.SECRETARIAT not in values["roles"]:
        errors.add("roles", _l("You cannot remove your own secretariat role."))
    errors.raise_if_any()
    before = _person_snapshot(person)
    roles = values.pop("roles")
    for key, value in values.items():
        setattr(person, key, value)
    person.set_roles(roles)
    db.session.flush()
    after = _person_snapshot(person)
    if after != before:
        record_event(actor, "person.update", object_type="person", object_id=person.id, subject=person,
                     before=before, after=after)
    return person


def set_person_active(actor: Person, person: Person, is_active: bool) -> Person:
    """The secretariat deactivates (or reactivates) an account; a deactivated person cannot sign in."""
    _require_admin(actor)
    if person.id == actor.id and not is_active:
        errors = FieldErrors()
        errors.add("is_active", _l("You cannot deactivate your own account."))
        errors.raise_if_any()
    if person.is_active_account == is_active:
        return person
    person.is_active_account = is_active
    db.session.flush()
    record_event(actor, "person.activate" if is_active else "person.deactivate", object_type="person",
                 object_id=person.id, subject=person, before={"is_active": not is_active},
                 after={"is_active": is_active})
    return person


def reset_password(actor: Person, person: Person, new_password: str) -> None:
    """The secretariat sets a new password for someone who lost theirs."""
    _require_admin(actor)
    errors = FieldErrors()
    _check_password(new_password, "new_password", errors)
    errors.raise_if_any()
    person.set_password(new_password)
    db.session.flush()
    record_event(actor, "person.reset_password", object_type="person", object_id=person.id, subject=person)


def change_own_password(actor: Person, current_password: str, new_password: str) -> None:
    """A signed-in person changes their own password, proving the current one."""
    errors = FieldErrors()
    if not actor.check_password(current_password or ""):
        errors.add("current_password", _l("The current password is wrong."))
    _check_password(new_password, "new_password", errors)
    errors.raise_if_any()
    actor.set_password(new_password)
    db.session.flush()
    record_event(actor, "person.change_password", object_type="person", object_id=actor.id, subject=actor)


def authenticate(username: str, password: str) -> Person | None:
    """The active person with this username and password, or None."""
    person = db.session.scalar(select(Person).where(Person.username == (username or "").strip().lower()))
    if person is None or not person.check_password(password or "") or not person.is_active:
        return None
    return person
