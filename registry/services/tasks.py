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
    Authority,
    Field,
    Indicator,
    Milestone,
    OrgUnit,
    Ownership,
    Person,
    Role,
    Task,
    TaskAdjustment,
    TaskKind,
    TaskState,
    Year,
    db,
)
from registry.services import backfill as entered_later
from registry.services.audit import record_event
from registry.services.backfill import Backfill
from registry.services.errors import Conflict, FieldErrors
from registry.services.notifications import notify

S = TaskState

#: plain fields of Form A that the owner edits and the Standing Committee may adjust
TEXT_FIELDS = (
    "title", "situation", "goal", "deliverable", "measures", "coordinating_units",
    "resources", "support_requested", "locality", "reference_documents",
)
SCALAR_FIELDS = TEXT_FIELDS + ("kind", "field_id", "deadline", "authority", "is_committed")
MAX_LENGTHS = {"title": 500, "locality": 300}
MAX_TEXT = 20000  #: any other text field of Form A
MAX_ROWS = 20
#: the largest indicator value or percentage accepted anywhere (beyond it a number is a typing slip)
MAX_VALUE = 1e12


# -- snapshots for the audit trail and adjustments --------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def task_snapshot(task: Task) -> dict[str, Any]:
    """The registration's content as plain JSON-able data."""
    data = {name: _plain(getattr(task, name)) for name in SCALAR_FIELDS}
    data["ownership"] = task.ownership.value
    data["owner_unit_id"] = task.owner_unit_id
    data["indicators"] = [i.as_dict() for i in task.indicators]
    data["milestones"] = [m.as_dict() for m in task.milestones]
    return data


def _snapshot_values(values: dict[str, Any]) -> dict[str, Any]:
    """Cleaned input in the shape of ``task_snapshot``, to compare before anything changes."""
    out = {k: _plain(v) for k, v in values.items() if k not in ("indicators", "milestones")}
    if "indicators" in values:
        out["indicators"] = [dict(row) for row in values["indicators"]]
    if "milestones" in values:
        out["milestones"] = [{**row, "due_on": _plain(row["due_on"])} for row in values["milestones"]]
    return out


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"before": before.get(k), "after": after[k]} for k in after if before.get(k) != after[k]}


# -- input cleaning ------------------------------------------------------------------------------------

def _number(value: Any, field: str, errors: FieldErrors, *, required: bool) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _l("Enter a number."))
        return None
    try:
        number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        errors.add(field, _l("Enter a number, for example 44 or 12.5."))
        return None
    if number != number or abs(number) > MAX_VALUE:
        errors.add(field, _l("Enter a number, for example 44 or 12.5."))
        return None
    return number


def indicator_value(value: Any, field: str, errors: FieldErrors, *, required: bool = False) -> float | None:
    """An indicator's number (a baseline, target, quarterly value or value reached): the same rule on every
    form and in the API — a finite number of sensible size, never negative (households, ha, m² and % are
    counted from zero). ``None`` when blank or refused (the error is on ``field``)."""
    number = _number(value, field, errors, required=required)
    if number is not None and number < 0:
        errors.add(field, _l("The value cannot be negative."))
        return None
    return number


def _clean_indicators(rows: list[dict[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    """Blank rows are skipped; error keys use the row's index as given."""
    cleaned = []
    filled = [(i, r) for i, r in enumerate(rows)
              if any(str(r.get(k) or "").strip() for k in ("name", "unit", "baseline", "target"))]
    if len(filled) > MAX_ROWS:
        errors.add("indicators", _l("At most %(n)d indicators.", n=MAX_ROWS))
    for index, row in filled[:MAX_ROWS]:
        prefix = f"indicators.{index}."
        name = str(row.get("name") or "").strip()
        unit = str(row.get("unit") or "").strip()
        if not name:
            errors.add(prefix + "name", _l("Name the indicator."))
        elif len(name) > 300:
            errors.add(prefix + "name", _l("At most %(n)d characters.", n=300))
        if not unit:
            errors.add(prefix + "unit", _l("Give the unit (households, ha, m², %…)."))
        elif len(unit) > 50:
            errors.add(prefix + "unit", _l("At most %(n)d characters.", n=50))
        baseline = indicator_value(row.get("baseline"), prefix + "baseline", errors)
        target = indicator_value(row.get("target"), prefix + "target", errors, required=True)
        if target is not None and baseline is not None and target == baseline:
            errors.add(prefix + "target", _l("The target must differ from the baseline."))
        cleaned.append({"name": name, "unit": unit, "baseline": baseline, "target": target})
    return cleaned


def _clean_milestones(rows: list[dict[str, Any]], year: Year, errors: FieldErrors) -> list[dict[str, Any]]:
    """Blank rows are skipped; error keys use the row's index as given."""
    cleaned = []
    filled = [(i, r) for i, r in enumerate(rows) if str(r.get("description") or "").strip() or r.get("due_on")]
    if len(filled) > MAX_ROWS:
        errors.add("milestones", _l("At most %(n)d milestones.", n=MAX_ROWS))
    for index, row in filled[:MAX_ROWS]:
        prefix = f"milestones.{index}."
        description = str(row.get("description") or "").strip()
        due_on = row.get("due_on")
        if not description:
            errors.add(prefix + "description", _l("Describe the milestone."))
        elif len(description) > 500:
            errors.add(prefix + "description", _l("At most %(n)d characters.", n=500))
        if not isinstance(due_on, date):
            errors.add(prefix + "due_on", _l("Enter a date as dd/mm/yyyy."))
        elif due_on.year != year.year:
            errors.add(prefix + "due_on", _l("The date must fall in %(year)d.", year=year.year))
        cleaned.append({"description": description, "due_on": due_on})
    return cleaned


def clean_task_input(data: dict[str, Any], year: Year, *, partial: bool = False) -> dict[str, Any]:
    """Validate registration input; returns cleaned values or raises ``ValidationFailed`` with field errors.

    ``partial`` accepts a subset of fields (adjustments); otherwise a title, kind and field are required.
    """
    errors = FieldErrors()
    allowed = set(SCALAR_FIELDS) | {"indicators", "milestones"}
    unknown = set(data) - allowed
    for name in sorted(unknown):
        errors.add(name, _l("Unknown field."))
    out: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in data:
            value = str(data[name] or "").strip()
            limit = MAX_LENGTHS.get(name, MAX_TEXT)
            if len(value) > limit:
                errors.add(name, _l("At most %(n)d characters.", n=limit))
            out[name] = value
    if not partial or "title" in data:
        if not out.get("title"):
            errors.add("title", _l("Give the task a title."))
    if "kind" in data or not partial:
        kind = data.get("kind")
        try:
            out["kind"] = kind if isinstance(kind, TaskKind) else TaskKind(kind)
        except ValueError:
            errors.add("kind", _l("Choose a kind of task."))
    if "authority" in data:
        value = data.get("authority") or Authority.OWN
        try:
            out["authority"] = value if isinstance(value, Authority) else Authority(value)
        except ValueError:
            errors.add("authority", _l("Choose who has the authority to resolve it."))
    if "field_id" in data or not partial:
        field = db.session.get(Field, data.get("field_id")) if data.get("field_id") else None
        if field is None or not field.is_active:
            errors.add("field_id", _l("Choose a field."))
        else:
            out["field_id"] = field.id
    if "deadline" in data:
        deadline = data.get("deadline")
        if deadline is not None and not isinstance(deadline, date):
            errors.add("deadline", _l("Enter a date as dd/mm/yyyy."))
        elif deadline is not None and deadline.year != year.year:
            errors.add("deadline", _l("The deadline must fall in %(year)d.", year=year.year))
        else:
            out["deadline"] = deadline
    if "is_committed" in data:
        out["is_committed"] = bool(data.get("is_committed"))
    if "indicators" in data:
        out["indicators"] = _clean_indicators(list(data.get("indicators") or []), errors)
    if "milestones" in data:
        out["milestones"] = _clean_milestones(list(data.get("milestones") or []), year, errors)
        deadline = out.get("deadline")
        if deadline and any(isinstance(r["due_on"], date) and r["due_on"] > deadline for r in out["milestones"]):
            errors.add("deadline", _l("A milestone cannot fall after the deadline."))
    errors.raise_if_any()
    return out


def _apply(task: Task, values: dict[str, Any]) -> None:
    for name in SCALAR_FIELDS:
        if name in values:
            setattr(task, name, values[name])
    if "indicators" in values:
        task.indicators = [Indicator(position=i, **row) for i, row in enumerate(values["indicators"])]
    if "milestones" in values:
        task.milestones = [Milestone(position=i, **row) for i, row in enumerate(values["milestones"])]


def check_window(year: Year) -> None:
    """Raise ``Conflict`` unless today is inside the year's registration window."""
    if not year.registration_open_on(clock.today()):
        raise Conflict(
            _l("Registration for %(year)d is closed (window %(opens)s – %(closes)s).", year=year.year,
               opens=year.registration_opens_on.strftime("%d/%m/%Y"),
               closes=year.registration_closes_on.strftime("%d/%m/%Y"))
        )


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


# -- the workflow -----------------------------------------------------------------------------------

def create_task(actor: Person, year: Year, data: dict[str, Any], *, owner_unit_id: int | None = None,
                committee_id: int | None = None, backfill: Backfill | None = None) -> Task:
    """Register a new task as a draft owned by ``actor`` (or the unit ``actor`` heads), with one of the
    committees where ``actor`` holds the owner role. With ``backfill`` (nhập bổ sung), the secretariat enters a
    past year's registration for the owner the register names (``backfill.by``), with a committee it
    administers; ``submit_task`` then records it as submitted on its registration date."""
    if backfill is None:
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
                        **entered_later.trail(backfill, owner)})
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
    before = task.state
    task.state = TaskState.WITHDRAWN
    task.withdrawn_reason = (reason or "").strip() or None
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
    decision_ref = (decision_ref or "").strip()
    if not decision_ref:
        errors.add("decision_ref", _l("Give the decision reference, e.g. 12-QĐ/ĐU."))
    elif len(decision_ref) > 100:
        errors.add("decision_ref", _l("At most %(n)d characters.", n=100))
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
    comment = (comment or "").strip()
    errors = FieldErrors()
    if not comment:
        errors.add("comment", _l("Say what the owner must change."))
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
    reason = (reason or "").strip()
    errors = FieldErrors()
    if not reason:
        errors.add("reason", _l("Give the reason for the adjustment."))
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
