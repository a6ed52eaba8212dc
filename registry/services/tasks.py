"""The registration workflow (Form A): draft → submitted → (returned ↔ submitted) → approved, or withdrawn.

Every function takes the acting person, checks permission (``PermissionDenied``), state (``Conflict``) and
input (``ValidationFailed``) before it changes anything, then writes one audit event and flushes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from registry import clock, policy
from registry.models import (
    Indicator,
    Milestone,
    OrgUnit,
    Ownership,
    Person,
    Role,
    Task,
    TaskAdjustment,
    TaskState,
    Year,
    db,
)
from registry.services import backfill as entered_later
from registry.services.audit import record_event
from registry.services.backfill import Backfill
from registry.services.errors import Conflict, FieldErrors
from registry.services.notifications import notify
from registry.services.task_core import (
    MAX_DECISION_REF,
    MAX_REASON,
    SCALAR_FIELDS,
    check_window,
    plain,
    task_snapshot,
)
from registry.services.task_input import TEXT_FIELDS, clean_task_input  # noqa: F401 - TEXT_FIELDS for the demo

S = TaskState

# -- comparing and applying the content --------------------------------------------------

def _snapshot_values(values: dict[str, Any]) -> dict[str, Any]:
    """Cleaned input in the shape of ``task_snapshot``, to compare before anything changes."""
    out = {k: plain(v) for k, v in values.items() if k not in ("indicators", "milestones")}
    if "indicators" in values:
        out["indicators"] = [dict(row) for row in values["indicators"]]
    if "milestones" in values:
        out["milestones"] = [{**row, "due_on": plain(row["due_on"])} for row in values["milestones"]]
    return out


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"before": before.get(k), "after": after[k]} for k in after if before.get(k) != after[k]}


def _apply(task: Task, values: dict[str, Any]) -> None:
    for name in SCALAR_FIELDS:
        if name in values:
            setattr(task, name, values[name])
    if "indicators" in values:
        task.indicators = [Indicator(position=i, **row) for i, row in enumerate(values["indicators"])]
    if "milestones" in values:
        task.milestones = [Milestone(position=i, **row) for i, row in enumerate(values["milestones"])]


def _collective_unit(actor: Person, owner_unit_id: int | None) -> OrgUnit | None:
    if not owner_unit_id:
        return None
    unit = db.session.get(OrgUnit, owner_unit_id)
    errors = FieldErrors()
    if unit is None:
        errors.add("owner_unit_id", _l("Choose a unit."))
    elif unit.head_id != actor.id:
        errors.add("owner_unit_id", _l("Only the head of a unit registers for it."))
    errors.raise_if_any()
    return unit


def _committee(actor: Person, committee_id: int | None) -> OrgUnit:
    """The committee the task is registered with: one where the actor holds the owner role (the only one
    when there is just one)."""
    choices = policy.registration_committees(actor)
    errors = FieldErrors()
    if committee_id:
        chosen = next((unit for unit in choices if unit.id == committee_id), None)
        if chosen is None:
            errors.add("committee_id", _l("Choose a committee you register with."))
    elif len(choices) == 1:
        chosen = choices[0]
    else:
        chosen = None
        errors.add("committee_id", _l("Choose the committee you register this task with."))
    errors.raise_if_any()
    return chosen


def _registration_start(year: Year) -> date:
    """The earliest registration date of a year: its window's opening, or 1 January when that is later."""
    return min(year.registration_opens_on, date(year.year, 1, 1))


def _backfill_registrant(actor: Person, year: Year, committee_id: int | None, owner_unit_id: int | None,
                         backfill: Backfill) -> tuple[OrgUnit, Person, OrgUnit | None]:
    """Nhập bổ sung: the committee (one the secretariat administers), the owner named in the register (who holds
    the owner role there) and the collective if any (the owner heads it), for a year that is over."""
    committee = db.session.get(OrgUnit, committee_id) if committee_id else None
    policy.require_can(actor, "backfill", committee)
    if not policy.is_closed_year(year):
        raise Conflict(_l("%(year)d is not over yet: its tasks are recorded by their owners, monitors and Standing "
                          "Committee as things happen. Only a past year is entered afterwards.", year=year.year))
    errors = FieldErrors()
    owner = backfill.by
    if committee is None:
        errors.add("committee_id", _l("Choose the committee the task was registered with."))
    if owner is None:
        errors.add(entered_later.BY, _l("Choose the owner named in the register."))
    elif committee is not None and not entered_later.holds(owner, Role.OWNER, committee):
        errors.add(entered_later.BY, _l("The owner must be a committee member or head who registers with this "
                                        "committee."))
    unit = db.session.get(OrgUnit, owner_unit_id) if owner_unit_id else None
    if owner_unit_id and unit is None:
        errors.add("owner_unit_id", _l("Choose a unit."))
    elif unit is not None and owner is not None and unit.head_id != owner.id:
        errors.add("owner_unit_id", _l("A collective registers through its head: choose its head as the owner."))
    entered_later.check_on(errors, backfill.on, year=year, after={}, first=_registration_start(year))
    errors.raise_if_any()
    return committee, owner, unit


def _imported_registrant(actor: Person | None, owner: Person, committee_id: int | None,
                         owner_unit_id: int | None) -> tuple[OrgUnit, OrgUnit | None]:
    """Bulk registration: the committee (one the secretariat administers, where the owner holds the owner role)
    and the collective if any (the owner heads it). ``actor`` None: the command line."""
    committee = db.session.get(OrgUnit, committee_id) if committee_id else None
    if actor is not None:
        policy.require_can(actor, "import_registrations", committee)
    errors = FieldErrors()
    if committee is None:
        errors.add("committee_id", _l("Choose the committee the task is registered with."))
    elif not owner.is_active:
        errors.add("owner", _l("This account is deactivated: it cannot register tasks."))
    elif committee not in policy.registration_committees(owner):
        errors.add("owner", _l("The owner must be a committee member or head who registers with this committee."))
    unit = db.session.get(OrgUnit, owner_unit_id) if owner_unit_id else None
    if owner_unit_id and unit is None:
        errors.add("owner_unit_id", _l("Choose a unit."))
    elif unit is not None and unit.head_id != owner.id:
        errors.add("owner_unit_id", _l("A collective registers through its head: choose its head as the owner."))
    errors.raise_if_any()
    return committee, unit


# -- the workflow -----------------------------------------------------------------------------------

def create_task(actor: Person | None, year: Year, data: dict[str, Any], *, owner_unit_id: int | None = None,
                committee_id: int | None = None, backfill: Backfill | None = None,
                on_behalf_of: Person | None = None) -> Task:
    """Register a new task as a draft owned by ``actor`` (or the unit ``actor`` heads), with one of the
    committees where ``actor`` holds the owner role. With ``backfill`` (nhập bổ sung), the secretariat enters a
    past year's registration for the owner the register names (``backfill.by``), with a committee it
    administers; ``submit_task`` then records it as submitted on its registration date. With ``on_behalf_of``
    (bulk registration from a spreadsheet), the secretariat of the committee (``actor``; None: the command line)
    registers the draft for that owner inside the year's window; the owner then reviews and submits it."""
    if on_behalf_of is not None and backfill is None:
        committee, unit = _imported_registrant(actor, on_behalf_of, committee_id, owner_unit_id)
        check_window(year)
        values = clean_task_input(data, year)
        owner = on_behalf_of
    elif backfill is None:
        policy.require_can(actor, "register")
        check_window(year)
        values = clean_task_input(data, year)
        unit = _collective_unit(actor, owner_unit_id)
        committee = _committee(actor, committee_id)
        owner = actor
    else:
        committee, owner, unit = _backfill_registrant(actor, year, committee_id, owner_unit_id, backfill)
        values = clean_task_input(data, year)
    task = Task(
        year=year,
        owner=owner,
        ownership=Ownership.COLLECTIVE if unit else Ownership.INDIVIDUAL,
        owner_unit=unit,
        org_unit_id=unit.id if unit else (owner.org_unit_id or committee.id),
        committee=committee,
        state=TaskState.DRAFT,
    )
    if backfill is not None:
        task.entered_by, task.entered_at = actor, clock.now()
    _apply(task, values)
    db.session.add(task)
    db.session.flush()
    record_event(actor, "task.create", object_type="task", object_id=task.id, task=task,
                 after={"state": task.state.value, "committee_id": committee.id, **task_snapshot(task),
                        **entered_later.trail(backfill, owner),
                        **({"imported": True, "on_behalf_of_id": owner.id} if on_behalf_of is not None
                           and backfill is None else {})})
    return task


def update_task(actor: Person, task: Task, data: dict[str, Any]) -> Task:
    """The owner changes a draft or returned registration."""
    policy.require(actor, "edit", task)
    values = clean_task_input(data, task.year)
    before = task_snapshot(task)
    _apply(task, values)
    db.session.flush()
    changes = _diff(before, task_snapshot(task))
    if changes:
        record_event(actor, "task.update", object_type="task", object_id=task.id, task=task,
                     before={k: v["before"] for k, v in changes.items()},
                     after={k: v["after"] for k, v in changes.items()})
    return task


def submit_task(actor: Person, task: Task, backfill: Backfill | None = None) -> Task:
    """The owner submits the registration to the Standing Committee; with ``backfill``, the secretariat records
    a past year's registration as submitted on its date (``backfill.on``)."""
    entered_later.require(actor, "submit", task, backfill)
    if task.submitted_at is None and backfill is None:
        check_window(task.year)
    errors = FieldErrors()
    if backfill is not None:
        entered_later.check_on(errors, backfill.on, year=task.year, after={},
                               first=_registration_start(task.year))
    for name, message in (
        ("goal", _l("State the goal before submitting.")),
        ("deliverable", _l("State the concrete deliverable before submitting.")),
    ):
        if not getattr(task, name).strip():
            errors.add(name, message)
    if task.deadline is None:
        errors.add("deadline", _l("Set a deadline before submitting."))
    if not task.indicators:
        errors.add("indicators", _l("Add at least one indicator before submitting."))
    if not task.is_committed:
        errors.add("is_committed", _l("Tick the commitment before submitting."))
    errors.raise_if_any()
    before = task.state
    task.state = TaskState.SUBMITTED
    task.submitted_at = backfill.moment if backfill is not None else clock.now()
    db.session.flush()
    record_event(actor, "task.submit", object_type="task", object_id=task.id, task=task,
                 before={"state": before.value},
                 after={"state": task.state.value, **entered_later.trail(backfill, task.owner)})
    return task


def withdraw_task(actor: Person, task: Task, reason: str = "") -> Task:
    """The owner withdraws the registration before approval."""
    policy.require(actor, "withdraw", task)
    errors = FieldErrors()
    reason = errors.text("reason", reason, MAX_REASON)
    errors.raise_if_any()
    before = task.state
    task.state = TaskState.WITHDRAWN
    task.withdrawn_reason = reason or None
    db.session.flush()
    record_event(actor, "task.withdraw", object_type="task", object_id=task.id, task=task,
                 before={"state": before.value},
                 after={"state": task.state.value, "reason": task.withdrawn_reason})
    return task


def _valid_monitor(actor: Person, task: Task, monitor: Person | None, errors: FieldErrors) -> None:
    if monitor is None:
        errors.add("monitor_id", _l("Choose a monitor."))
    elif not policy.is_monitor_of(monitor, task.committee):
        errors.add("monitor_id", _l("The monitor must be an active Fatherland Front monitor of the task's "
                                    "committee."))
    elif monitor.id == task.owner_id:
        errors.add("monitor_id", _l("The owner cannot monitor their own task."))
    elif monitor.id == actor.id:
        errors.add("monitor_id", _l("The approver cannot also be the monitor."))


def approve_task(actor: Person, task: Task, *, decision_ref: str, decision_date: date | None,
                 monitor: Person | None, backfill: Backfill | None = None) -> Task:
    """The Standing Committee approves a submitted registration and assigns its monitor. With ``backfill``, the
    secretariat enters a past year's decision as the register gives it: dated ``decision_date``, taken by the
    Standing Committee member ``backfill.by``."""
    entered_later.require(actor, "approve", task, backfill)
    decider = actor if backfill is None else backfill.by
    errors = FieldErrors()
    decision_ref = errors.text("decision_ref", decision_ref, MAX_DECISION_REF,
                               required=_l("Give the decision reference, e.g. 12-QĐ/ĐU."))
    if not isinstance(decision_date, date):
        errors.add("decision_date", _l("Enter a date as dd/mm/yyyy."))
    elif backfill is not None:
        entered_later.check_on(errors, decision_date, year=task.year, field="decision_date",
                               after={"registration": entered_later.local_day(task.submitted_at)})
    elif decision_date > clock.today():
        errors.add("decision_date", _l("The decision date cannot be in the future."))
    if backfill is not None:
        entered_later.require_decider(errors, task, decider)
    _valid_monitor(decider or actor, task, monitor, errors)
    errors.raise_if_any()
    effective = replace(backfill, on=decision_date) if backfill is not None else None
    before = {"state": task.state.value, "monitor_id": task.monitor_id}
    task.state = TaskState.APPROVED
    task.decision_ref = decision_ref
    task.decision_date = decision_date
    task.decided_at = effective.moment if effective is not None else clock.now()
    task.approved_by = decider
    task.monitor = monitor
    task.return_comment = None
    if effective is not None:
        task.decision_entered_by, task.decision_entered_at = actor, clock.now()
    db.session.flush()
    record_event(actor, "task.approve", object_type="task", object_id=task.id, task=task, before=before,
                 after={"state": task.state.value, "decision_ref": decision_ref,
                        "decision_date": decision_date.isoformat(), "monitor_id": monitor.id,
                        **entered_later.trail(effective, decider)})
    if effective is None:  # nobody is told of a past year's decision
        notify(task.owner, "task.approved", task, {"decision_ref": decision_ref})
        notify(monitor, "task.assigned", task)
    return task


def return_task(actor: Person, task: Task, *, comment: str) -> Task:
    """The Standing Committee returns a submitted registration to its owner with a comment."""
    policy.require(actor, "return", task)
    errors = FieldErrors()
    comment = errors.text("comment", comment, MAX_REASON, required=_l("Say what the owner must change."))
    errors.raise_if_any()
    task.state = TaskState.RETURNED
    task.return_comment = comment
    db.session.flush()
    record_event(actor, "task.return", object_type="task", object_id=task.id, task=task,
                 before={"state": TaskState.SUBMITTED.value},
                 after={"state": task.state.value, "comment": comment})
    notify(task.owner, "task.returned", task, {"comment": comment})
    return task


def adjust_task(actor: Person, task: Task, *, reason: str, data: dict[str, Any]) -> TaskAdjustment:
    """The Standing Committee adjusts a submitted registration, or an approved one (e.g. at the mid-year
    review), with a reason. The values before stay recorded in the adjustment, so the task shows both.
    """
    policy.require(actor, "adjust", task)
    errors = FieldErrors()
    reason = errors.text("reason", reason, MAX_REASON, required=_l("Give the reason for the adjustment."))
    errors.raise_if_any()
    values = clean_task_input(data, task.year, partial=True)
    values.pop("is_committed", None)  # the commitment is the owner's own
    before = task_snapshot(task)
    changes = _diff(before, {**before, **_snapshot_values(values)})
    if not changes:
        errors.add("reason", _l("Nothing was changed."))
        errors.raise_if_any()
    _apply(task, values)
    adjustment = TaskAdjustment(task=task, adjusted_by=actor, reason=reason, changes=changes,
                                adjusted_at=clock.now())
    db.session.add(adjustment)
    db.session.flush()
    record_event(actor, "task.adjust", object_type="task_adjustment", object_id=adjustment.id, task=task,
                 before={k: v["before"] for k, v in changes.items()},
                 after={**{k: v["after"] for k, v in changes.items()}, "reason": reason})
    return adjustment


def assign_monitor(actor: Person, task: Task, monitor: Person | None, backfill: Backfill | None = None) -> Task:
    """The Standing Committee names (or changes) the Fatherland Front monitor of a task. With ``backfill``, the
    secretariat enters a past year's change as the register gives it: on ``backfill.on``, by the Standing
    Committee member ``backfill.by``."""
    entered_later.require(actor, "assign_monitor", task, backfill)
    decider = actor if backfill is None else backfill.by
    errors = FieldErrors()
    if backfill is not None:
        entered_later.require_decider(errors, task, decider)
        entered_later.check_on(errors, backfill.on, year=task.year,
                               after={"registration": entered_later.local_day(task.submitted_at),
                                      "decision": task.decision_date})
    _valid_monitor(decider or actor, task, monitor, errors)
    if monitor is not None and task.approved_by_id == monitor.id:
        errors.add("monitor_id", _l("The approver cannot also be the monitor."))
    errors.raise_if_any()
    before = task.monitor_id
    if before == monitor.id:
        return task
    task.monitor = monitor
    db.session.flush()
    record_event(actor, "task.assign_monitor", object_type="task", object_id=task.id, task=task,
                 before={"monitor_id": before},
                 after={"monitor_id": monitor.id, **entered_later.trail(backfill, decider)})
    if backfill is None:
        notify(monitor, "task.assigned", task)
    return task
