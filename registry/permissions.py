"""Permission predicates: who may do what, with the user passed explicitly.

They answer *who*; whether the task's state allows the action is ``registry.services.tasks.state_allows``.
Views turn False into 403, templates use the same predicates to show or hide buttons.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from registry.models import OrgUnit, Person, Role, Task, db


def _active(user: Person | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def has_role(user: Person | None, role: Role) -> bool:
    """The user is signed in, active and holds ``role``."""
    return _active(user) and role in user.roles


def is_standing_committee(user: Person | None) -> bool:
    """A member of the Standing Committee (Ban Thường vụ)."""
    return has_role(user, Role.STANDING)


def is_secretariat(user: Person | None) -> bool:
    """Staff of the Party committee office (Văn phòng cấp ủy)."""
    return has_role(user, Role.SECRETARIAT)


def is_inspector(user: Person | None) -> bool:
    """A member of the Inspection Committee: reads everything, changes nothing."""
    return has_role(user, Role.INSPECTOR)


def is_monitor(user: Person | None) -> bool:
    """A Fatherland Front (MTTQ) monitor."""
    return has_role(user, Role.MONITOR)


def is_owner(user: Person | None, task: Task) -> bool:
    """The person who answers for the task (for a collective, its head)."""
    return _active(user) and task.owner_id == user.id


def is_assigned_monitor(user: Person | None, task: Task) -> bool:
    """The monitor assigned to this task."""
    return is_monitor(user) and task.monitor_id == user.id


def reads_everything(user: Person | None) -> bool:
    """Standing Committee, secretariat and inspectors see every task."""
    return is_standing_committee(user) or is_secretariat(user) or is_inspector(user)


def can_register(user: Person | None) -> bool:
    """May register tasks of their own (committee members and heads of units)."""
    return has_role(user, Role.OWNER)


def can_view_task(user: Person | None, task: Task) -> bool:
    """Owner, assigned monitor, Standing Committee, secretariat and inspectors see a task."""
    return is_owner(user, task) or is_assigned_monitor(user, task) or reads_everything(user)


def can_edit_task(user: Person | None, task: Task) -> bool:
    """Only the owner edits, submits or withdraws their registration."""
    return is_owner(user, task)


def can_decide(user: Person | None, task: Task) -> bool:
    """A Standing Committee member who is neither the owner nor the task's monitor decides on it."""
    return (
        is_standing_committee(user)
        and not is_owner(user, task)
        and (task.monitor_id is None or task.monitor_id != user.id)
    )


def can_administer(user: Person | None) -> bool:
    """Manages people, org units, years and fields."""
    return is_secretariat(user)


def can_list_all_tasks(user: Person | None) -> bool:
    """Sees the full task list rather than only their own and assigned tasks."""
    return reads_everything(user)


def can_report(user: Person | None, task: Task) -> bool:
    """The owner writes progress notes, attaches evidence, replies to recommendations."""
    return is_owner(user, task)


def can_assess(user: Person | None, task: Task) -> bool:
    """Only the monitor assigned to the task assesses it."""
    return is_assigned_monitor(user, task)


def can_run_reviews(user: Person | None) -> bool:
    """Takes the mid-year snapshots: the secretariat or the Standing Committee."""
    return is_secretariat(user) or is_standing_committee(user)


def can_view_person_dossier(user: Person | None, person: Person) -> bool:
    """The person themself, the Standing Committee, the secretariat and inspectors."""
    return reads_everything(user) or (
        user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.id == person.id)


def can_view_unit_dossier(user: Person | None, unit: OrgUnit) -> bool:
    """Those who read everything, the unit's head, and anyone who answered for one of its collective tasks."""
    if reads_everything(user):
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if unit.head_id == user.id:
        return True
    return bool(db.session.scalar(select(exists().where(Task.owner_unit_id == unit.id, Task.owner_id == user.id))))


def can_read_audit_log(user: Person | None) -> bool:
    """The whole audit trail and its verification: the secretariat and inspectors."""
    return is_secretariat(user) or is_inspector(user)


def can_view_reports(user: Person | None) -> bool:
    """Report figures for a unit and year: the Standing Committee, the secretariat and inspectors."""
    return reads_everything(user)
