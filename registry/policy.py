"""The one policy table: who may do what, to which object, from which state — and the same rule as a SQL filter.

Authority belongs to a committee. A person holds roles *in org units* (``RoleGrant``); every task belongs to the
committee it is registered with (``Task.committee``). Each action below is one row: who may take it (a few
named parties, read against the task's committee), the states it starts from, the state it leads to and the
messages shown when it is refused. Pages, the API, the CLI and templates ask this module and nothing else:

- ``can(actor, action, obj)``: may the actor take the action on this object now (who and state)?
- ``require(actor, action, obj)``: the same, raising ``PermissionDenied`` (403) or ``Conflict`` (409) with the
  row's message; each denial is logged;
- ``visible(actor, action)``: the SQL condition on ``Task`` selecting exactly the tasks for which the who-part
  of the row holds, so that every list, count, search, export and API answer filters as the detail pages do.

Who the actor is (grants, ``holds``, ``covers``) and the scopes of the lists that are not of tasks (units,
people, audit events) live in ``registry.scopes``; they are re-exported here, so callers ask this module alone.

The rules and their reasons are written out for people in ``docs/authority.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, exists, false, or_, select

from registry import clock
from registry.models import (
    OrgUnit,
    Person,
    Role,
    Task,
    TaskState,
    Verdict,
    Year,
    db,
)
from registry.models.task import DECIDED_STATES, LOCKED_STATES, UNDER_WAY  # noqa: F401 - for callers
from registry.scopes import (  # noqa: F401 - who the actor is and the scopes of other lists, asked here too
    PUBLISHED_STATES,
    READER_ROLES,
    audit_scope,
    covers,
    grants,
    has_any,
    holds,
    is_active,
    is_monitor_of,
    is_root_secretariat,
    monitors_for,
    of_committee,
    oversight,
    people_in_scope,
    published,
    registration_committees,
    unit_ids,
    units_in_scope,
    units_within,
)
from registry.services.errors import Conflict, PermissionDenied

log = logging.getLogger("registry.policy")

S = TaskState

LOCK_MESSAGE = _l("The verdict has been recorded and the task is locked; only the Standing Committee can reopen it.")


# -- the parties a rule names, for one task and as SQL ---------------------------------------------------------------

def _is_owner(actor: Person, task: Task) -> bool:
    return task.owner_id == actor.id


def _is_assigned_monitor(actor: Person, task: Task) -> bool:
    return task.monitor_id == actor.id and of_committee(actor, Role.MONITOR, task.committee)


def _is_decider(actor: Person, task: Task) -> bool:
    return (of_committee(actor, Role.STANDING, task.committee) and task.owner_id != actor.id
            and task.monitor_id != actor.id)


def _is_reader(actor: Person, task: Task) -> bool:
    return covers(actor, READER_ROLES, task.committee, subtree=oversight())


def _units_sql(actor: Person, roles: Iterable[Role], *, subtree: bool) -> ColumnElement[bool]:
    """SQL: the task's committee is one of the actor's units for ``roles`` (or below one, with ``subtree``)."""
    held = grants(actor, roles)
    if not held:
        return false()
    if not subtree:  # the units themselves, and those merged into them
        ids = sorted({g.unit_id for g in held})
        return Task.committee_id.in_(select(OrgUnit.id).where(or_(OrgUnit.id.in_(ids),
                                                                   OrgUnit.merged_into_id.in_(ids))))
    return Task.committee_id.in_(units_within([g.unit.path for g in held]))


PARTIES: dict[str, tuple[Callable[[Person, Task], bool], Callable[[Person], ColumnElement[bool]]]] = {
    "owner": (_is_owner, lambda a: Task.owner_id == a.id),
    "assigned_monitor": (_is_assigned_monitor,
                         lambda a: and_(Task.monitor_id == a.id, _units_sql(a, [Role.MONITOR], subtree=False))),
    "decider": (_is_decider, lambda a: and_(_units_sql(a, [Role.STANDING], subtree=False), Task.owner_id != a.id,
                                            or_(Task.monitor_id.is_(None), Task.monitor_id != a.id))),
    "reader": (_is_reader, lambda a: _units_sql(a, READER_ROLES, subtree=oversight())),
}


# -- the table ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    action: str
    #: the parties that may take the action (any one suffices)
    who: tuple[str, ...]
    #: the states the action may start from; None: any state (the service checks finer conditions)
    from_states: Collection[TaskState] | None
    #: the state the action leads to (None: it stays)
    to_state: TaskState | None
    #: shown when the actor is not one of ``who`` (403)
    denied: Any
    #: shown when the state does not allow the action (409)
    conflict: Any = None
    #: a verdict's lock refuses the action
    locked_out: bool = True


OWNER_ONLY = _l("Only the owner of the task may do this.")
DECIDER_ONLY = _l("Only a Standing Committee member of the task's committee who is neither the owner nor the "
                  "monitor decides on a task.")
MONITOR_ONLY = _l("Only the monitor assigned to this task assesses it.")

RULES: dict[str, Rule] = {rule.action: rule for rule in [
    Rule("view", ("owner", "assigned_monitor", "reader"), None, None,
         _l("You may not see this task: it belongs to another committee."), locked_out=False),
    # Form A: the owner's registration
    Rule("edit", ("owner",), frozenset({S.DRAFT, S.RETURNED}), None, OWNER_ONLY,
         _l("Only a draft or returned registration can be edited.")),
    Rule("submit", ("owner",), frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, OWNER_ONLY,
         _l("Only a draft or returned registration can be submitted.")),
    Rule("withdraw", ("owner",), frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED}), S.WITHDRAWN, OWNER_ONLY,
         _l("A registration can only be withdrawn before it is approved.")),
    # the Standing Committee of the task's committee decides
    Rule("approve", ("decider",), frozenset({S.SUBMITTED}), S.APPROVED, DECIDER_ONLY,
         _l("Only a submitted registration can be approved.")),
    Rule("return", ("decider",), frozenset({S.SUBMITTED}), S.RETURNED, DECIDER_ONLY,
         _l("Only a submitted registration can be returned.")),
    Rule("adjust", ("decider",), frozenset({S.SUBMITTED, S.APPROVED, S.IN_PROGRESS}), None, DECIDER_ONLY,
         _l("Only a submitted registration or a task under way can be adjusted.")),
    Rule("assign_monitor", ("decider",), frozenset({S.SUBMITTED, S.APPROVED, S.IN_PROGRESS}), None, DECIDER_ONLY,
         _l("A monitor can only be assigned to a submitted or approved task.")),
    Rule("midyear_conclude", ("decider",), None, None, DECIDER_ONLY),
    Rule("verdict", ("decider",), frozenset({S.SELF_ASSESSED}), S.REVIEWED, DECIDER_ONLY,
         _l("A verdict follows the owner's self-assessment.")),
    Rule("reopen", ("decider",), frozenset({S.REVIEWED}), S.SELF_ASSESSED, DECIDER_ONLY,
         _l("Only a reviewed task can be reopened."), locked_out=False),
    Rule("carry_over", ("owner", "decider"), frozenset({S.REVIEWED}), None,
         _l("Only the owner or a Standing Committee member of the task's committee carries a task over."),
         _l("Only a task judged unfinished can be carried over."), locked_out=False),
    # Form B: the owner reports, attaches evidence, answers the monitor
    Rule("report", ("owner",), UNDER_WAY, S.IN_PROGRESS, OWNER_ONLY,
         _l("Progress is reported only on approved tasks.")),
    Rule("amend_note", ("owner",), None, None, OWNER_ONLY),
    Rule("attach", ("owner",), None, None, OWNER_ONLY),
    Rule("reply", ("owner",), None, None, OWNER_ONLY),
    Rule("self_assess", ("owner",), UNDER_WAY, S.SELF_ASSESSED, OWNER_ONLY,
         _l("Only an approved task under way can be self-assessed.")),
    # Form C and the final assessment: the assigned monitor of the task's committee
    Rule("assess", ("assigned_monitor",), UNDER_WAY, None, MONITOR_ONLY,
         _l("Only approved tasks are assessed during the year.")),
    Rule("final_assess", ("assigned_monitor",), frozenset({S.SELF_ASSESSED}), None, MONITOR_ONLY,
         _l("The final assessment follows the owner's self-assessment.")),
]}


def rule(action: str) -> Rule:
    """The row of ``action`` (a KeyError for an unknown action: no rule, no permission)."""
    return RULES[action]


def is_locked(task: Task) -> bool:
    """A recorded verdict locks the task, its notes, files, assessments and replies."""
    return task.state in LOCKED_STATES


def permits(actor: Person | None, action: str, task: Task) -> bool:
    """The who-part of the row: the actor is one of the parties that may take ``action`` on ``task``."""
    if not is_active(actor):
        return False
    return any(PARTIES[party][0](actor, task) for party in rule(action).who)


def state_allows(task: Task, action: str) -> bool:
    """The state-part of the row: ``action`` may start from the task's current state (lock included)."""
    row = rule(action)
    if row.locked_out and is_locked(task):
        return False
    return row.from_states is None or task.state in row.from_states


def _deny(actor: Person | None, action: str, obj: Any, message: Any) -> PermissionDenied:
    log.warning("denied: actor=%s action=%s object=%s", getattr(actor, "username", None) or "anonymous",
                action, _describe(obj))
    return PermissionDenied(message)


def _describe(obj: Any) -> str:
    if obj is None:
        return "-"
    return f"{type(obj).__name__}:{getattr(obj, 'id', '?')}"


def require_party(actor: Person | None, action: str, task: Task) -> None:
    """Raise ``PermissionDenied`` (logged) unless the actor is one of the row's parties."""
    if not permits(actor, action, task):
        raise _deny(actor, action, task, rule(action).denied)


def require(actor: Person | None, action: str, task: Task) -> None:
    """Raise ``PermissionDenied`` (logged) unless the actor may take ``action``, then ``Conflict`` unless the
    task's state allows it."""
    require_party(actor, action, task)
    require_state(action, task)


def require_state(action: str, task: Task) -> None:
    """The state-part of the row alone: raise ``Conflict`` when the lock or the task's state refuses ``action``
    (a back-filled entry takes the row's states, not its parties: see ``require_backfill``)."""
    row = rule(action)
    if row.locked_out and is_locked(task):
        raise Conflict(LOCK_MESSAGE)
    if row.from_states is not None and task.state not in row.from_states:
        raise Conflict(row.conflict)


def require_unlocked(task: Task) -> None:
    """Raise ``Conflict`` when a verdict has locked the task."""
    if is_locked(task):
        raise Conflict(LOCK_MESSAGE)


def visible(actor: Person | None, action: str = "view") -> ColumnElement[bool]:
    """SQL condition on ``Task``: the tasks on which the actor is one of the row's parties (the who-part; add
    the states with ``in_states``). Costs no query of its own: the actor's grants are already loaded."""
    if not is_active(actor):
        return false()
    return or_(*[PARTIES[party][1](actor) for party in rule(action).who])


def committees_run_by(actor: Person | None) -> ColumnElement[bool]:
    """SQL condition on ``Task``: tasks of the committees whose mid-year review the actor may run."""
    return _units_sql(actor, [Role.SECRETARIAT, Role.STANDING], subtree=oversight()) if is_active(actor) \
        else false()


def secretariat_of(actor: Person | None) -> ColumnElement[bool]:
    """SQL condition on ``Task``: tasks of the committees where the actor is the secretariat (Văn phòng), the
    office that chases what is overdue there (its own committees, not those below)."""
    return _units_sql(actor, [Role.SECRETARIAT], subtree=False) if is_active(actor) else false()


# -- everything that is not one task -------------------------------------------------------------------------------

def can(actor: Person | None, action: str, obj: Any = None) -> bool:
    """May ``actor`` take ``action`` on ``obj`` now? Task rows check who and state; the other actions below."""
    if action in RULES:
        return isinstance(obj, Task) and permits(actor, action, obj) and state_allows(obj, action)
    check = GENERAL.get(action)
    if check is None:
        raise KeyError(f"no policy row for {action!r}")
    return is_active(actor) and bool(check(actor, obj))


def require_can(actor: Person | None, action: str, obj: Any = None) -> None:
    """Raise ``PermissionDenied`` (logged) unless ``can(actor, action, obj)``."""
    if action in RULES:
        require(actor, action, obj)
        return
    if not can(actor, action, obj):
        raise _deny(actor, action, obj, GENERAL_DENIED.get(action, _l("You may not do this.")))


def _register(actor: Person, committee: OrgUnit | None) -> bool:
    owners = unit_ids(actor, Role.OWNER)
    return bool(owners) if committee is None else committee.id in owners


def _administer(actor: Person, obj: Any) -> bool:
    """Secretariat: inside the subtree of a unit where it holds the role, never above."""
    if obj is None:
        return bool(unit_ids(actor, Role.SECRETARIAT))
    if isinstance(obj, OrgUnit):
        return covers(actor, [Role.SECRETARIAT], obj, subtree=True)
    if isinstance(obj, Person):
        return manages_person(actor, obj)
    return False


def manages_person(actor: Person, person: Person) -> bool:
    """A secretariat manages an account only when the person's unit and every role they hold lie inside its
    subtree: nobody below can take over an account that acts above them."""
    units = [grant.unit for grant in person.grants]
    if person.org_unit_id is not None:
        units.append(db.session.get(OrgUnit, person.org_unit_id))
    if not units:
        return is_root_secretariat(actor)
    return all(covers(actor, [Role.SECRETARIAT], unit, subtree=True) for unit in units)


def is_closed_year(year: Year) -> bool:
    """A year that is over (before the current calendar year): its register may be entered afterwards."""
    return year.year < clock.today().year


def _backfill(actor: Person, obj: Any) -> bool:
    """Enter a closed year's register afterwards (nhập bổ sung): the secretariat of the task's committee or of a
    unit above it, as ``administer`` reads units, and only for a year that is over. A unit as the object: a
    committee one may enter tasks for; None: any secretariat (the menu)."""
    if isinstance(obj, Task):
        return covers(actor, [Role.SECRETARIAT], obj.committee, subtree=True) and is_closed_year(obj.year)
    if isinstance(obj, OrgUnit):
        return covers(actor, [Role.SECRETARIAT], obj, subtree=True)
    return obj is None and bool(unit_ids(actor, Role.SECRETARIAT))


def require_backfill(actor: Person | None, task: Task) -> None:
    """Raise ``PermissionDenied`` (logged) unless the actor is the secretariat of the task's committee or of a unit
    above it, then ``Conflict`` unless the task's year is over. The state of the entry's own action is asked
    separately (``require_state``)."""
    if not is_active(actor) or not covers(actor, [Role.SECRETARIAT], task.committee, subtree=True):
        raise _deny(actor, "backfill", task, GENERAL_DENIED["backfill"])
    if not is_closed_year(task.year):
        raise Conflict(_l("%(year)d is not over yet: its tasks are recorded by their owners, monitors and Standing "
                          "Committee as things happen. Only a past year is entered afterwards.",
                          year=task.year.year))


def _import_registrations(actor: Person, obj: Any) -> bool:
    """Register tasks for their owners from a spreadsheet: the secretariat of the committee or of a unit above it,
    as ``administer`` reads units. A unit as the object: a committee one may import for; None: any secretariat."""
    if isinstance(obj, OrgUnit):
        return covers(actor, [Role.SECRETARIAT], obj, subtree=True)
    return obj is None and bool(unit_ids(actor, Role.SECRETARIAT))


def _decide_commendation(actor: Person, obj: Any) -> bool:
    """Record the emulation council's decision on a verdict's commendation proposal: the secretariat of the task's
    committee or of a unit above it (as ``backfill``), who may read the task. None: any secretariat (the list)."""
    task = obj.task if isinstance(obj, Verdict) else obj
    if isinstance(task, Task):
        return covers(actor, [Role.SECRETARIAT], task.committee, subtree=True) and permits(actor, "view", task)
    return obj is None and bool(unit_ids(actor, Role.SECRETARIAT))


def _publish(actor: Person, obj: Any) -> bool:
    """Switch a committee's public page on or off and choose its columns: the secretariat of the unit or of a unit
    above it (as ``administer`` reads units). None: any secretariat (the menu)."""
    if isinstance(obj, OrgUnit):
        return covers(actor, [Role.SECRETARIAT], obj, subtree=True)
    return obj is None and bool(unit_ids(actor, Role.SECRETARIAT))


def _sees_person(actor: Person, person: Person) -> bool:
    if person.id == actor.id:
        return True
    units = [grant.unit for grant in person.grants]
    if person.org_unit_id is not None:
        units.append(db.session.get(OrgUnit, person.org_unit_id))
    return any(covers(actor, READER_ROLES, unit, subtree=True) for unit in units)


def _sees_unit(actor: Person, unit: OrgUnit) -> bool:
    if covers(actor, READER_ROLES, unit, subtree=True):
        return True
    if unit.head_id == actor.id:
        return True
    return bool(db.session.scalar(select(exists().where(Task.owner_unit_id == unit.id, Task.owner_id == actor.id))))


GENERAL: dict[str, Callable[[Person, Any], bool]] = {
    #: register a task (with this committee, or with any)
    "register": _register,
    #: the Standing Committee's approval queue
    "see_queue": lambda a, _o: bool(unit_ids(a, Role.STANDING)),
    #: take the mid-year snapshots of the committees where one is secretariat or Standing Committee
    "run_midyear": lambda a, _o: bool(unit_ids(a, Role.SECRETARIAT, Role.STANDING)),
    #: people, role grants and sub-units (a unit or a person as the object; None: any administration at all)
    "administer": _administer,
    #: installation-wide settings: years and their deadlines, fields (lĩnh vực)
    "administer_settings": lambda a, _o: is_root_secretariat(a),
    #: the audit trail of one's scope and its verification
    "read_audit": lambda a, _o: bool(unit_ids(a, Role.SECRETARIAT, Role.INSPECTOR)),
    #: report figures over what one may see (a unit as the object: inside one's scope)
    "view_reports": lambda a, o: bool(unit_ids(a, *READER_ROLES)) if o is None
    else covers(a, READER_ROLES, o, subtree=True),
    #: a person's dossier: themself and the readers whose scope holds the person
    "view_person_dossier": _sees_person,
    #: a unit's dossier: readers over the unit, its head, owners of its collective tasks
    "view_unit_dossier": _sees_unit,
    #: the people directory and its pickers
    "view_people": lambda a, _o: bool(unit_ids(a, *READER_ROLES)),
    #: personal API tokens: one's own, or a secretariat over the token's owner
    "manage_token": lambda a, o: o is not None and (o.person_id == a.id or manages_person(a, o.person)),
    #: a notification: only its recipient marks it read
    "read_notification": lambda a, o: o is not None and o.person_id == a.id,
    #: enter a closed year's register afterwards (a task, or a committee to register with; None: the menu)
    "backfill": _backfill,
    #: a committee's public page: switch it on or off, choose its columns (a unit; None: the menu)
    "publish": _publish,
    #: register tasks for their owners from a spreadsheet (bulk import): the secretariat of the committee or of a
    #: unit above it (a committee as the object; None: the menu)
    "import_registrations": _import_registrations,
    #: record the emulation council's decision on a commendation proposal (a verdict or its task; None: the list)
    "decide_commendation": _decide_commendation,
    #: a background job's progress and result file: only the person who asked for it
    "view_job": lambda a, o: o is not None and o.person_id is not None and o.person_id == a.id,
}

GENERAL_DENIED = {
    "register": _l("Only committee members and heads of units register tasks."),
    "see_queue": _l("Only Standing Committee members decide on registrations."),
    "run_midyear": _l("Only the secretariat or the Standing Committee runs the mid-year review."),
    "administer": _l("Only the secretariat of a unit above manages it."),
    "administer_settings": _l("Only the secretariat of the top committee manages years and fields."),
    "read_audit": _l("Only the secretariat and inspectors read the audit trail."),
    "view_reports": _l("Only the Standing Committee, the secretariat and inspectors read reports."),
    "view_person_dossier": _l("You may not see this person's dossier."),
    "view_unit_dossier": _l("You may not see this unit's dossier."),
    "view_people": _l("You may not see the people directory."),
    "manage_token": _l("You can only revoke your own tokens."),
    "read_notification": _l("This notification is not yours."),
    "backfill": _l("Only the secretariat of the task's committee, or of a unit above it, enters a past year "
                   "afterwards."),
    "publish": _l("Only the secretariat of the committee, or of a unit above it, manages its public page."),
    "import_registrations": _l("Only the secretariat of the committee, or of a unit above it, registers tasks "
                               "for their owners from a spreadsheet."),
    "decide_commendation": _l("Only the secretariat of the task's committee, or of a unit above it, records the "
                              "council's decision on a commendation."),
    "view_job": _l("Only the person who asked for this work may see it and its result."),
}
