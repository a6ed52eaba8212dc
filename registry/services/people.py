"""Accounts: the secretariat creates, edits and deactivates people and grants roles in the units of its subtree;
everyone changes their own password."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry import policy
from registry.models import OrgUnit, Person, Role, RoleGrant, db
from registry.models.base import MAX_ID
from registry.services.audit import record_event
from registry.services.errors import FieldErrors, PermissionDenied
from registry.services.security import end_sessions, is_common_password

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: the longest username (``USERNAME_RE``), full name, position and e-mail address an account takes
MAX_USERNAME = 80
MAX_NAME = 200
MIN_PASSWORD = 10


def _require_admin(actor: Person, person: Person | None = None) -> None:
    """The actor is a secretariat and, for an existing account, manages every unit the person belongs to."""
    if not policy.can(actor, "administer"):
        raise PermissionDenied(_l("Only the secretariat manages accounts."))
    if person is not None and not policy.manages_person(actor, person):
        policy.require_can(actor, "administer", person)


def _check_password(password: str, field: str, errors: FieldErrors, *, username: str | None = None) -> None:
    """At least 10 characters, at most 200, not the username and not on the list of common passwords."""
    if len(password or "") < MIN_PASSWORD:
        errors.add(field, _l("Use at least %(n)d characters.", n=MIN_PASSWORD))
    elif len(password) > 200:
        errors.add(field, _l("At most %(n)d characters.", n=200))
    elif username and password.strip().lower() == username.strip().lower():
        errors.add(field, _l("The password must not be the username."))
    elif is_common_password(password):
        errors.add(field, _l("This password is too common: choose one that is harder to guess."))


def _person_snapshot(person: Person) -> dict[str, Any]:
    return {
        "username": person.username, "full_name": person.full_name, "position": person.position,
        "email": person.email, "org_unit_id": person.org_unit_id, "is_active": person.is_active_account,
        "grants": grant_list(person),
    }


def grant_list(person: Person) -> list[dict[str, Any]]:
    """The person's grants as plain data, in a stable order: ``[{"role", "unit_id"}]``."""
    return sorted(({"role": g.role.value, "unit_id": g.unit_id} for g in person.grants),
                  key=lambda g: (g["unit_id"], g["role"]))


def _clean_person(actor: Person | None, data: dict[str, Any], person: Person | None,
                  errors: FieldErrors) -> dict[str, Any]:
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
    elif len(full_name) > MAX_NAME:
        errors.add("full_name", _l("At most %(n)d characters.", n=MAX_NAME))
    out["full_name"] = full_name
    out["position"] = str(data.get("position") or "").strip()
    if len(out["position"]) > MAX_NAME:
        errors.add("position", _l("At most %(n)d characters.", n=MAX_NAME))
    email = str(data.get("email") or "").strip() or None
    if email and len(email) > MAX_NAME:
        errors.add("email", _l("At most %(n)d characters.", n=MAX_NAME))
    elif email and not EMAIL_RE.match(email):
        errors.add("email", _l("Enter a valid e-mail address."))
    out["email"] = email
    unit_id = data.get("org_unit_id") or None
    home = db.session.get(OrgUnit, unit_id) if isinstance(unit_id, int) and 0 < unit_id <= MAX_ID else None
    if unit_id is not None and (home is None or (actor is not None and not policy.can(actor, "administer", home))):
        errors.add("org_unit_id", _l("Choose a unit."))
    out["org_unit_id"] = unit_id
    out["grants"] = _clean_grants(actor, data.get("grants") or [], errors)
    return out


def _clean_grants(actor: Person | None, rows: list[Any], errors: FieldErrors) -> set[tuple[Role, int]]:
    """Role grants as (role, unit id) pairs: each unit must lie in the actor's subtree (never above it)."""
    grants: set[tuple[Role, int]] = set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or not (row.get("role") or row.get("unit_id")):
            continue
        key = f"grants.{index}."
        try:
            role = row["role"] if isinstance(row.get("role"), Role) else Role(row.get("role"))
        except ValueError:
            errors.add(key + "role", _l("Unknown role."))
            continue
        unit_id = row.get("unit_id")
        unit = db.session.get(OrgUnit, unit_id) if isinstance(unit_id, int) and 0 < unit_id <= MAX_ID else None
        if unit is None or (actor is not None and not policy.can(actor, "administer", unit)):
            errors.add(key + "unit_id", _l("Choose a unit inside the ones you administer."))
            continue
        grants.add((role, unit.id))
    if not grants:
        errors.add("grants", _l("Give the person at least one role in a unit."))
    return grants


def _set_grants(person: Person, wanted: set[tuple[Role, int]]) -> None:
    for grant in list(person.grants):
        if (grant.role, grant.unit_id) not in wanted:
            person.grants.remove(grant)
    held = {(g.role, g.unit_id) for g in person.grants}
    for role, unit_id in sorted(wanted - held, key=lambda pair: (pair[1], pair[0].value)):
        person.grants.append(RoleGrant(role=role, unit_id=unit_id))


def create_person(actor: Person | None, data: dict[str, Any], *, password: str) -> Person:
    """Create an account. ``actor`` is the secretariat member (None only from the command line)."""
    if actor is not None:
        _require_admin(actor)
    errors = FieldErrors()
    values = _clean_person(actor, data, None, errors)
    _check_password(password, "password", errors, username=values["username"])
    errors.raise_if_any()
    grants = values.pop("grants")
    person = Person(**values)
    person.set_password(password)
    _set_grants(person, grants)
    db.session.add(person)
    db.session.flush()
    record_event(actor, "person.create", object_type="person", object_id=person.id, subject=person,
                 after=_person_snapshot(person))
    return person


def update_person(actor: Person, person: Person, data: dict[str, Any]) -> Person:
    """The secretariat edits an account's details and role grants (inside its subtree)."""
    _require_admin(actor, person)
    errors = FieldErrors()
    values = _clean_person(actor, data, person, errors)
    own = {(g.role, g.unit_id) for g in person.grants if g.role == Role.SECRETARIAT}
    if person.id == actor.id and not own <= values["grants"]:
        errors.add("grants", _l("You cannot remove your own secretariat role."))
    errors.raise_if_any()
    before = _person_snapshot(person)
    grants = values.pop("grants")
    for key, value in values.items():
        setattr(person, key, value)
    _set_grants(person, grants)
    db.session.flush()
    after = _person_snapshot(person)
    if after != before:
        record_event(actor, "person.update", object_type="person", object_id=person.id, subject=person,
                     before=before, after=after)
    return person


def set_person_active(actor: Person, person: Person, is_active: bool) -> Person:
    """The secretariat deactivates (or reactivates) an account; a deactivated person cannot sign in."""
    _require_admin(actor, person)
    if person.id == actor.id and not is_active:
        errors = FieldErrors()
        errors.add("is_active", _l("You cannot deactivate your own account."))
        errors.raise_if_any()
    if person.is_active_account == is_active:
        return person
    person.is_active_account = is_active
    if not is_active:
        end_sessions(person)
    db.session.flush()
    record_event(actor, "person.activate" if is_active else "person.deactivate", object_type="person",
                 object_id=person.id, subject=person, before={"is_active": not is_active},
                 after={"is_active": is_active})
    return person


def reset_password(actor: Person, person: Person, new_password: str) -> None:
    """The secretariat sets a new password for someone who lost theirs."""
    _require_admin(actor, person)
    errors = FieldErrors()
    _check_password(new_password, "new_password", errors, username=person.username)
    errors.raise_if_any()
    person.set_password(new_password)
    end_sessions(person)  # a thief's session ends with the reset
    db.session.flush()
    record_event(actor, "person.reset_password", object_type="person", object_id=person.id, subject=person)


def change_own_password(actor: Person, current_password: str, new_password: str) -> None:
    """A signed-in person changes their own password, proving the current one."""
    errors = FieldErrors()
    if not actor.check_password(current_password or ""):
        errors.add("current_password", _l("The current password is wrong."))
    _check_password(new_password, "new_password", errors, username=actor.username)
    errors.raise_if_any()
    actor.set_password(new_password)
    end_sessions(actor)  # every other session ends; the view signs the current one in again
    db.session.flush()
    record_event(actor, "person.change_password", object_type="person", object_id=actor.id, subject=actor)


def authenticate(username: str, password: str) -> Person | None:
    """The active person with this username and password, or None (not throttled: the sign-in page uses
    ``registry.services.security.sign_in``)."""
    person = db.session.scalar(select(Person).where(Person.username == (username or "").strip().lower()))
    if person is None or not person.check_password(password or "") or not person.is_active:
        return None
    return person
