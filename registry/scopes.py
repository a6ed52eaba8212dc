"""Who an actor is and what they reach, beside the policy table (``registry.policy``, which re-exports all of it):
the actor's grants (``grants``, ``holds``, ``covers``), the units, people and audit events inside their scope as
SQL conditions for the lists that are not of tasks, the monitors a committee may assign, and the tasks a
committee's public page lists. The task lists' own condition is the table's: ``policy.visible``.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true

from registry.extensions import db
from registry.models import AuditEvent, OrgUnit, Person, Role, RoleGrant, Task
from registry.models.org import subtree_clause
from registry.models.task import DECIDED_STATES

#: roles that read the tasks of their committee (and, with oversight, of the committees below it)
READER_ROLES = frozenset({Role.STANDING, Role.SECRETARIAT, Role.INSPECTOR})


# -- who the actor is ---------------------------------------------------------------------------------------------

def is_active(actor: Person | None) -> bool:
    """Signed in and not deactivated."""
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def grants(actor: Person | None, roles: Iterable[Role]) -> list[RoleGrant]:
    """The actor's grants of any of ``roles`` (none for anonymous or deactivated people)."""
    if not is_active(actor):
        return []
    wanted = set(roles)
    return [grant for grant in actor.grants if grant.role in wanted]


def unit_ids(actor: Person | None, *roles: Role) -> set[int]:
    """Ids of the units where the actor holds one of ``roles``."""
    return {grant.unit_id for grant in grants(actor, roles)}


def oversight() -> bool:
    """Whether the authorities of a committee also read the committees below it (``OVERSIGHT``, default on)."""
    return bool(current_app.config.get("OVERSIGHT", True)) if has_app_context() else True


def holds(actor: Person | None, role: Role, unit_id: int | None) -> bool:
    """The actor holds ``role`` in exactly this unit."""
    return unit_id is not None and unit_id in unit_ids(actor, role)


def covers(actor: Person | None, roles: Iterable[Role], unit: OrgUnit | None, *, subtree: bool) -> bool:
    """The actor holds one of ``roles`` in ``unit`` or, when ``subtree``, in a unit above it."""
    if unit is None:
        return False
    for grant in grants(actor, roles):
        if grant.unit_id == unit.id or (subtree and unit.is_within(grant.unit)):
            return True
    return False


def is_root_secretariat(actor: Person | None) -> bool:
    """Secretariat of a top unit (no parent): keeps the installation-wide settings (years, fields)."""
    return any(grant.unit.parent_id is None for grant in grants(actor, [Role.SECRETARIAT]))


def of_committee(actor: Person, role: Role, committee: OrgUnit) -> bool:
    """The actor holds ``role`` in the committee or, once it was merged (sáp nhập), in its successor."""
    return holds(actor, role, committee.id) or (
        committee.merged_into_id is not None and holds(actor, role, committee.merged_into_id))


# -- what anybody may read: a committee's public page ------------------------------------------------------------

#: the tasks a public page lists: those its Standing Committee approved (approved, in progress, self-assessed,
#: reviewed). Drafts, submitted (not decided yet), returned and withdrawn registrations are never published.
PUBLISHED_STATES = frozenset(DECIDED_STATES)


def published(unit_id: int) -> ColumnElement[bool]:
    """SQL condition on ``Task``: the tasks the public page of committee ``unit_id`` lists (whether the page is
    switched on is the caller's question: ``registry.services.public_page.enabled_page``)."""
    return and_(Task.committee_id == unit_id, Task.state.in_(sorted(PUBLISHED_STATES, key=lambda s: s.value)))


# -- scopes as SQL, for lists of things other than tasks -------------------------------------------------------------

def _paths(actor: Person | None, roles: Iterable[Role]) -> list[str]:
    return [grant.unit.path for grant in grants(actor, roles)]


def units_within(paths: list[str]) -> Select:
    """SQL: the ids of the units at or below the units of ``paths``."""
    return select(OrgUnit.id).where(subtree_clause(OrgUnit.path, paths))


def units_in_scope(actor: Person | None, roles: Iterable[Role] = READER_ROLES) -> ColumnElement[bool]:
    """SQL condition on ``OrgUnit``: units inside the subtree of one of the actor's units for ``roles``."""
    return subtree_clause(OrgUnit.path, _paths(actor, roles))


def people_in_scope(actor: Person | None, roles: Iterable[Role] = READER_ROLES) -> ColumnElement[bool]:
    """SQL condition on ``Person``: people whose unit, or one of whose grants, lies in the actor's scope."""
    paths = _paths(actor, roles)
    if not paths:
        return Person.id == (actor.id if is_active(actor) else -1)
    in_scope = units_within(paths)
    return or_(Person.org_unit_id.in_(in_scope),
               Person.grants.any(RoleGrant.unit_id.in_(in_scope)),
               Person.id == actor.id)


def audit_scope(actor: Person | None) -> ColumnElement[bool]:
    """SQL condition on ``AuditEvent``: events about objects inside the scope of the actor's secretariat and
    inspector grants; installation-wide events (no unit) only for the top units' authorities."""
    held = grants(actor, [Role.SECRETARIAT, Role.INSPECTOR])
    if not held:
        return false()
    roots = {g.unit_id for g in held if g.unit.parent_id is None}
    if roots and roots >= set(db.session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)))):
        return true()  # every top unit's authority reads every event: counted from an index, not scanned
    in_scope = units_within([g.unit.path for g in held])
    condition = AuditEvent.unit_id.in_(in_scope)
    if roots:
        condition = or_(condition, AuditEvent.unit_id.is_(None))
    return condition


def monitors_for(committee: OrgUnit) -> ColumnElement[bool]:
    """SQL condition on ``Person``: active Fatherland Front monitors of (named by) this committee."""
    return and_(Person.is_active_account.is_(True),
                Person.grants.any(and_(RoleGrant.role == Role.MONITOR, RoleGrant.unit_id == committee.id)))


def is_monitor_of(person: Person, committee: OrgUnit) -> bool:
    """The person is an active monitor of this committee (may be assigned to its tasks)."""
    return person.is_active and of_committee(person, Role.MONITOR, committee)


def registration_committees(actor: Person | None) -> list[OrgUnit]:
    """The committees the actor may register tasks with (where they hold the owner role)."""
    return sorted((g.unit for g in grants(actor, [Role.OWNER]) if g.unit.is_active), key=lambda u: u.name)


def has_any(actor: Person | None, *roles: Role) -> bool:
    """The actor holds one of ``roles`` in some unit (menus and home-page sections)."""
    return bool(grants(actor, roles))
