"""What to do next on a task: one short line for the person looking at it (the task page shows it).

Computed in one place from the policy table (``policy.can`` for the viewer) and the task's dates: the owner is
told which quarterly note is due and by when, the assigned monitor which period to assess, the Standing
Committee what waits for its decision; anyone else gets a neutral line. Nothing here changes a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from registry import clock, policy
from registry.models import Period, Person, RecommendationStatus, Role, Task, TaskState
from registry.services import monitoring, progress, review
from registry.services.errors import Conflict, PermissionDenied

S = TaskState
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class NextStep:
    """The line: its text, and where the step is taken (an endpoint with its URL values), if anywhere."""

    text: Any
    endpoint: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    #: True when the viewer has something to do; False for a waiting or neutral line
    is_action: bool = True


def _dmy(day: date | datetime | None) -> str:
    """dd/mm/yyyy; a time is read in Vietnam time."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(clock.LOCAL_TZ).date()
    return day.strftime("%d/%m/%Y")


def _passes(check, *args) -> bool:
    try:
        check(*args)
    except (Conflict, PermissionDenied):
        return False
    return True


def _wait(text: Any) -> NextStep:
    return NextStep(text, is_action=False)


def next_step(actor: Person, task: Task, today: date | None = None) -> NextStep:
    """The next step on ``task`` for ``actor``: the owner's, the assigned monitor's, the Standing Committee's,
    the office's, or a neutral line for anyone else who reads the task."""
    today = today or clock.today()
    for step in (_owner_step, _monitor_step, _decider_step, _office_step):
        found = step(actor, task, today)
        if found is not None:
            return found
    return _wait(_l("You can read this task; there is nothing for you to do on it."))


# -- the owner ------------------------------------------------------------------------------------------------

def _owner_step(actor: Person, task: Task, today: date) -> NextStep | None:
    if not policy.permits(actor, "submit", task):  # the owner's rows name the owner alone
        return None
    year = task.year
    if task.state in (S.DRAFT, S.RETURNED):
        if not year.registration_open_on(today):
            return _wait(_l("Registration for %(year)s closed on %(date)s; the registration can no longer be "
                            "submitted.", year=year.year, date=_dmy(year.registration_closes_on)))
        text = (_l("Revise the registration as the Standing Committee asked and submit it again by %(date)s.",
                   date=_dmy(year.registration_closes_on)) if task.state == S.RETURNED else
                _l("Complete the registration (Form A) and submit it to the Standing Committee by %(date)s.",
                   date=_dmy(year.registration_closes_on)))
        return NextStep(text, "tasks.edit", {"task_id": task.id})
    if task.state == S.SUBMITTED:
        return _wait(_l("Submitted on %(date)s: waiting for the Standing Committee's decision.",
                        date=_dmy(task.submitted_at)))
    if task.state in policy.UNDER_WAY and policy.can(actor, "report", task):
        return _reporting_step(actor, task, today)
    if task.state == S.SELF_ASSESSED:
        return _wait(_l("Your self-assessment is in: waiting for the monitor's final assessment and the Standing "
                        "Committee's verdict."))
    if task.state == S.REVIEWED:
        if (policy.can(actor, "carry_over", task) and _passes(review.require_carriable, actor, task)
                and review.carry_over_years(task, today)):
            return NextStep(_l("The task was judged unfinished: you may carry it over into a later year."),
                            "review.carry_over", {"task_id": task.id})
        return _closed(task)
    if task.state == S.WITHDRAWN:
        return _wait(_l("The registration was withdrawn; there is nothing more to do."))
    return None


def _reporting_step(actor: Person, task: Task, today: date) -> NextStep:
    """An approved task under way: the note due (the earliest one missing), then the monitor's
    recommendations and assessments, then the self-assessment once the four quarters are reported."""
    missing = progress.open_quarters(task, today)
    if missing:
        quarter = missing[0]
        window = progress.quarter_window(task, quarter)
        values = {"task_id": task.id, "quarter": quarter}
        if today > window.deadline:
            return NextStep(_l("The progress note for quarter %(q)s was due on %(date)s: write it now (Form B).",
                               q=ROMAN[quarter], date=_dmy(window.deadline)), "progress.new_note", values)
        return NextStep(_l("Submit the progress note for quarter %(q)s by %(date)s (Form B).",
                           q=ROMAN[quarter], date=_dmy(window.deadline)), "progress.new_note", values)
    if policy.can(actor, "reply", task):
        open_recs = sorted((r for a in task.assessments for r in a.recommendations
                            if r.status == RecommendationStatus.OPEN), key=lambda r: (r.reply_deadline, r.id))
        if open_recs:
            rec = open_recs[0]
            return NextStep(_l("Reply to the monitor's recommendation by %(date)s.", date=_dmy(rec.reply_deadline)),
                            "monitoring.reply", {"rec_id": rec.id})
        if any(a.acknowledged_at is None for a in task.assessments if a.period != Period.FINAL):
            return NextStep(_l("Read the monitor's assessment and acknowledge it."), "tasks.show",
                            {"task_id": task.id, "_anchor": "monitoring"})
    noted = {note.quarter for note in task.notes}
    if {1, 2, 3, 4} <= noted:
        return NextStep(_l("All four quarters are reported: write the year-end self-assessment (Form D)."),
                        "review.self_assessment", {"task_id": task.id})
    upcoming = next((q for q in (1, 2, 3, 4) if q not in noted), None)
    if upcoming is None:  # unreachable: every quarter has a note
        return _wait(_l("You can read this task; there is nothing for you to do on it."))
    window = progress.quarter_window(task, upcoming)
    return _wait(_l("Nothing is due now: the note for quarter %(q)s can be written from %(opens)s and is due on "
                    "%(date)s.", q=ROMAN[upcoming], opens=_dmy(window.opens_on), date=_dmy(window.deadline)))


def _closed(task: Task) -> NextStep:
    verdict = task.current_verdict
    return _wait(_l("The verdict was recorded on %(date)s: the task is closed and locked.",
                    date=_dmy(verdict.decided_at if verdict is not None else None)))


# -- the assigned monitor -------------------------------------------------------------------------------------

def _monitor_step(actor: Person, task: Task, today: date) -> NextStep | None:
    if not policy.permits(actor, "assess", task):
        return None
    if task.state in policy.UNDER_WAY and policy.can(actor, "assess", task):
        left = monitoring.periods_left(task)
        noted = {note.quarter for note in task.notes}
        begun = [p for p in left if p.quarter and progress.quarter_window(task, p.quarter).is_open_on(today)]
        reported = [p for p in begun if p.quarter in noted]
        values = {"task_id": task.id}
        if reported:
            return NextStep(_l("The owner's note for quarter %(q)s is in: assess the quarter (Form C).",
                               q=ROMAN[reported[0].quarter]), "monitoring.new_assessment", values)
        if begun:
            return NextStep(_l("Assess quarter %(q)s (Form C).", q=ROMAN[begun[-1].quarter]),
                            "monitoring.new_assessment", values)
        if task.mid_year_review is not None and Period.MID_YEAR in left:
            return NextStep(_l("Give your assessment for the six-month review (Form C)."),
                            "monitoring.new_assessment", values)
        return _wait(_l("Nothing to assess now: each quarter can be assessed once it has begun."))
    if task.state == S.SELF_ASSESSED:
        if policy.can(actor, "final_assess", task) and review.final_assessment(task) is None:
            return NextStep(_l("The owner has self-assessed the year: give your final assessment (Form D); the "
                               "verdict waits for it."), "review.final_assessment", {"task_id": task.id})
        return _wait(_l("Your final assessment is in: waiting for the Standing Committee's verdict."))
    if task.state == S.REVIEWED:
        return _closed(task)
    return _wait(_l("The task is not under way yet: there is nothing to assess."))


# -- the Standing Committee of the task's committee -----------------------------------------------------------

def _decider_step(actor: Person, task: Task, today: date) -> NextStep | None:
    if not policy.permits(actor, "approve", task):
        return None
    values = {"task_id": task.id}
    if task.state == S.SUBMITTED:
        return NextStep(_l("Review the registration and approve it (naming the monitor) or return it with a "
                           "comment."), "tasks.decide", values)
    if task.state in policy.UNDER_WAY:
        review_ = task.mid_year_review
        if review_ is not None and not review_.conclusion and policy.can(actor, "midyear_conclude", task):
            return NextStep(_l("Record the Standing Committee's conclusion of the six-month review."),
                            "monitoring.conclude_midyear", values)
        return _wait(_l("The task is under way: the owner reports each quarter and the monitor assesses it."))
    if task.state == S.SELF_ASSESSED:
        if review.final_assessment(task) is not None and policy.can(actor, "verdict", task):
            return NextStep(_l("Record the year-end verdict (Form D); it locks the task."), "review.verdict",
                            values)
        return _wait(_l("Waiting for the monitor's final assessment before the verdict."))
    if task.state == S.REVIEWED:
        return _closed(task)
    if task.state in (S.DRAFT, S.RETURNED):
        return _wait(_l("The owner has not submitted the registration yet."))
    return None


# -- the office (Văn phòng) of the task's committee ----------------------------------------------------------

def _office_step(actor: Person, task: Task, today: date) -> NextStep | None:
    if task.state not in policy.LOCKED_STATES | {S.WITHDRAWN} and policy.can(actor, "backfill", task):
        return NextStep(_l("%(year)s is over: enter what its register records for this task, with the real dates "
                           "(entered later).", year=task.year.year), "tasks.show",
                        {"task_id": task.id, "_anchor": "backfill"})
    if task.state not in policy.UNDER_WAY or not policy.holds(actor, Role.SECRETARIAT, task.committee_id):
        return None
    noted = {note.quarter for note in task.notes}
    for quarter in (1, 2, 3, 4):
        deadline = progress.quarter_window(task, quarter).deadline
        if quarter not in noted and today > deadline:
            return _wait(_l("The note for quarter %(q)s has been overdue since %(date)s: remind the owner.",
                            q=ROMAN[quarter], date=_dmy(deadline)))
    return None
