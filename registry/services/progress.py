"""Quarterly progress notes (Form B): one per quarter per approved task, written by its owner.

A note may be written once its quarter has begun. It is editable until the quarter's deadline plus the year's
grace period; after that a correction is an amendment with a reason, and the original values stay visible.
A note submitted after the deadline is marked late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from registry import clock, policy
from registry.models import (
    IndicatorValue,
    NoteAmendment,
    Person,
    ProgressNote,
    ProgressStatus,
    Task,
    TaskState,
    db,
)
from registry.models.task import UNDER_WAY
from registry.services import backfill as entered_later
from registry.services.audit import record_event
from registry.services.backfill import Backfill
from registry.services.errors import Conflict, FieldErrors, ValidationFailed
from registry.services.notifications import notify
from registry.services.task_core import MAX_REASON, indicator_value
from registry.policy import require_unlocked

QUARTER_START_MONTH = {1: 1, 2: 4, 3: 7, 4: 10}
TEXT_FIELDS = ("work_done", "difficulties", "causes", "proposals", "next_plan")
MAX_TEXT = 20000


@dataclass(frozen=True)
class QuarterWindow:
    """When a quarter's note may be written, when it is due and until when it may still be edited."""

    quarter: int
    opens_on: date
    deadline: date
    editable_until: date

    def is_open_on(self, day: date) -> bool:
        return day >= self.opens_on

    def is_editable_on(self, day: date) -> bool:
        return day <= self.editable_until


def quarter_window(task: Task, quarter: int) -> QuarterWindow:
    """The dates that govern the note for ``quarter`` of the task's year."""
    year = task.year
    deadline = year.quarter_deadlines[quarter - 1]
    return QuarterWindow(quarter, date(year.year, QUARTER_START_MONTH[quarter], 1), deadline,
                         deadline + timedelta(days=year.grace_days))


def derived_percent(task: Task, values: dict[int, float]) -> float | None:
    """% complete from indicators that have a baseline and a target different from it (mean, 0–100)."""
    shares = []
    for indicator in task.indicators:
        value = values.get(indicator.id)
        if value is None or indicator.baseline is None or indicator.target == indicator.baseline:
            continue
        share = (value - indicator.baseline) / (indicator.target - indicator.baseline) * 100
        shares.append(min(100.0, max(0.0, share)))
    return round(sum(shares) / len(shares), 1) if shares else None


def _number(raw: Any, key: str, errors: FieldErrors) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(str(raw).replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        errors.add(key, _l("Enter a number, for example 44 or 12.5."))
        return None
    if value != value or value in (float("inf"), float("-inf")) or abs(value) > 1e12:
        errors.add(key, _l("Enter a number, for example 44 or 12.5."))
        return None
    return value


def clean_note_input(task: Task, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a note's content; raises ``ValidationFailed`` with field errors (``values.<indicator id>``)."""
    errors = FieldErrors()
    allowed = set(TEXT_FIELDS) | {"values", "percent_complete", "status"}
    for name in sorted(set(data) - allowed):
        errors.add(name, _l("Unknown field."))
    out: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        out[name] = errors.text(name, data.get(name), MAX_TEXT)
    if not out["work_done"]:
        errors.add("work_done", _l("Describe the work done this quarter."))
    try:
        status = data.get("status")
        out["status"] = status if isinstance(status, ProgressStatus) else ProgressStatus(status)
    except ValueError:
        errors.add("status", _l("Choose the status."))
    indicator_ids = {i.id for i in task.indicators}
    raw_values = data.get("values") or {}
    values: dict[int, float] = {}
    for key, raw in raw_values.items():
        try:
            indicator_id = int(key)
        except (TypeError, ValueError):
            indicator_id = None
        if indicator_id not in indicator_ids:
            errors.add(f"values.{key}", _l("Unknown indicator."))
            continue
        value = indicator_value(raw, f"values.{indicator_id}", errors)
        if value is not None:
            values[indicator_id] = value
    for indicator_id in sorted(indicator_ids - values.keys()):
        if f"values.{indicator_id}" not in errors.errors:
            errors.add(f"values.{indicator_id}", _l("Give the current value."))
    out["values"] = values
    derived = derived_percent(task, values)
    if derived is not None:
        out["percent_complete"], out["is_percent_derived"] = derived, True
    elif is_percent_derived(task):  # an indicator's value is wrong and already reported; no % is asked for
        out["percent_complete"], out["is_percent_derived"] = None, True
    else:
        percent = _number(data.get("percent_complete"), "percent_complete", errors)
        if percent is None and "percent_complete" not in errors.errors:
            errors.add("percent_complete", _l("Give the percent complete (0–100)."))
        elif percent is not None and not 0 <= percent <= 100:
            errors.add("percent_complete", _l("Give the percent complete (0–100)."))
        out["percent_complete"], out["is_percent_derived"] = percent, False
    errors.raise_if_any()
    return out


def note_snapshot(note: ProgressNote) -> dict[str, Any]:
    """A note's content as plain data, for the audit trail and amendments."""
    data = {name: getattr(note, name) for name in TEXT_FIELDS}
    data["status"] = note.status.value
    data["percent_complete"] = note.percent_complete
    data["values"] = {str(v.indicator_id): v.value for v in sorted(note.values, key=lambda v: v.indicator_id)}
    return data


def _proposed(note: ProgressNote, values: dict[str, Any]) -> dict[str, Any]:
    data = {name: values[name] for name in TEXT_FIELDS}
    data["status"] = values["status"].value
    data["percent_complete"] = values["percent_complete"]
    data["values"] = {str(k): v for k, v in sorted(values["values"].items())}
    return data


def _apply(note: ProgressNote, values: dict[str, Any]) -> None:
    for name in TEXT_FIELDS + ("status", "percent_complete", "is_percent_derived"):
        setattr(note, name, values[name])
    existing = {v.indicator_id: v for v in note.values}
    for indicator_id, value in values["values"].items():
        if indicator_id in existing:
            existing[indicator_id].value = value
        else:
            note.values.append(IndicatorValue(indicator_id=indicator_id, value=value))


def require_reporting(task: Task) -> None:
    """Raise ``Conflict`` unless the task takes new notes: not locked, and approved or in progress."""
    require_unlocked(task)
    if task.state not in UNDER_WAY:
        raise Conflict(_l("Progress is reported only on approved tasks."))


def open_quarters(task: Task, day: date) -> list[int]:
    """The quarters for which a new note may be written on ``day``: begun, and without a note yet."""
    noted = {n.quarter for n in task.notes}
    return [q for q in (1, 2, 3, 4) if q not in noted and quarter_window(task, q).is_open_on(day)]


def is_percent_derived(task: Task) -> bool:
    """True when the % complete follows from the indicators, so the owner does not enter it."""
    return derived_percent(task, {i.id: i.target for i in task.indicators}) is not None


def require_editable(note: ProgressNote) -> None:
    """Raise ``Conflict`` unless the note may still be edited directly (task unlocked, window open)."""
    require_unlocked(note.task)
    window = quarter_window(note.task, note.quarter)
    if not window.is_editable_on(clock.today()):
        raise Conflict(_l("The note could be edited until %(date)s; record an amendment with a reason instead.",
                          date=window.editable_until.strftime("%d/%m/%Y")))


def require_amendable(note: ProgressNote) -> None:
    """Raise ``Conflict`` unless the note is corrected by amendment (task unlocked, editing window closed)."""
    require_unlocked(note.task)
    window = quarter_window(note.task, note.quarter)
    if window.is_editable_on(clock.today()):
        raise Conflict(_l("The note is still editable until %(date)s; edit it directly.",
                          date=window.editable_until.strftime("%d/%m/%Y")))


def _require_owner(actor: Person, task: Task) -> None:
    policy.require(actor, "amend_note", task)


def add_progress_note(actor: Person, task: Task, quarter: int, data: dict[str, Any],
                      backfill: Backfill | None = None) -> ProgressNote:
    """The owner reports on a quarter; the first note puts an approved task in progress. With ``backfill``, the
    secretariat enters a past year's note for the owner, submitted on ``backfill.on`` (late after the quarter's
    deadline)."""
    if backfill is None:
        _require_owner(actor, task)
    else:
        policy.require_backfill(actor, task)
    require_reporting(task)
    if quarter not in (1, 2, 3, 4):
        raise Conflict(_l("There is no such quarter."))
    window = quarter_window(task, quarter)
    today = clock.today() if backfill is None else backfill.on
    if backfill is None and not window.is_open_on(today):
        raise Conflict(_l("The note for quarter %(q)d can be written from %(date)s.", q=quarter,
                          date=window.opens_on.strftime("%d/%m/%Y")))
    if any(n.quarter == quarter for n in task.notes):
        raise Conflict(_l("Quarter %(q)d already has a note; edit or amend it.", q=quarter))
    errors = FieldErrors()
    if backfill is not None:
        entered_later.check_on(errors, backfill.on, year=task.year,
                               after={"quarter": window.opens_on, "decision": task.decision_date})
    try:
        values = clean_note_input(task, data)
    except ValidationFailed as exc:
        for key, messages in exc.errors.items():
            for message in messages:
                errors.add(key, message)
    errors.raise_if_any()
    note = ProgressNote(task=task, quarter=quarter, author=actor if backfill is None else task.owner,
                        submitted_at=clock.now() if backfill is None else backfill.moment,
                        is_late=today > window.deadline)
    if backfill is not None:
        note.entered_by, note.entered_at = actor, clock.now()
    _apply(note, values)
    db.session.add(note)
    if task.state == TaskState.APPROVED:
        task.state = TaskState.IN_PROGRESS
    db.session.flush()
    record_event(actor, "note.create", object_type="progress_note", object_id=note.id, task=task,
                 after={"quarter": quarter, "is_late": note.is_late, **note_snapshot(note),
                        "task_state": task.state.value, **entered_later.trail(backfill, task.owner)})
    if task.monitor_id and backfill is None:
        notify(task.monitor, "note.new", task, {"quarter": quarter})
    return note


def update_progress_note(actor: Person, note: ProgressNote, data: dict[str, Any]) -> ProgressNote:
    """The owner edits a note while its editing window is open."""
    task = note.task
    _require_owner(actor, task)
    require_editable(note)
    values = clean_note_input(task, data)
    before = note_snapshot(note)
    changes = {k: {"before": before[k], "after": v} for k, v in _proposed(note, values).items() if before[k] != v}
    if not changes:
        return note
    _apply(note, values)
    db.session.flush()
    record_event(actor, "note.update", object_type="progress_note", object_id=note.id, task=task,
                 before={k: c["before"] for k, c in changes.items()},
                 after={"quarter": note.quarter, **{k: c["after"] for k, c in changes.items()}})
    return note


def amend_progress_note(actor: Person, note: ProgressNote, reason: str, data: dict[str, Any]):
    """After the editing window, the owner corrects a note with a reason; the original values stay recorded."""
    task = note.task
    _require_owner(actor, task)
    require_amendable(note)
    errors = FieldErrors()
    reason = errors.text("reason", reason, MAX_REASON, required=_l("Give the reason for the amendment."))
    errors.raise_if_any()
    values = clean_note_input(task, data)
    before = note_snapshot(note)
    changes = {k: {"before": before[k], "after": v} for k, v in _proposed(note, values).items() if before[k] != v}
    if not changes:
        errors.add("reason", _l("Nothing was changed."))
        errors.raise_if_any()
    _apply(note, values)
    amendment = NoteAmendment(note=note, amended_by=actor, reason=reason, changes=changes, amended_at=clock.now())
    db.session.add(amendment)
    db.session.flush()
    record_event(actor, "note.amend", object_type="note_amendment", object_id=amendment.id, task=task,
                 before={k: c["before"] for k, c in changes.items()},
                 after={"quarter": note.quarter, "reason": reason, **{k: c["after"] for k, c in changes.items()}})
    return amendment
