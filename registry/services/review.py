"""Year-end review (Form D): self-assessment → the monitor's final assessment → the Standing Committee's verdict,
which locks the task under a seal. Reopening (Standing Committee, with a reason) and carry-over to next year.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry import clock, policy
from registry.models import (
    UNFINISHED,
    Assessment,
    Commendation,
    Indicator,
    Outcome,
    Period,
    Person,
    SelfAssessment,
    Task,
    TaskState,
    Verdict,
    VerdictLevel,
    Year,
    db,
)
from registry.services import backfill as entered_later
from registry.services.audit import canonical_json, record_event
from registry.services.backfill import Backfill
from registry.services.errors import Conflict, FieldErrors
from registry.services.notifications import notify
from registry.services.task_core import SCALAR_FIELDS, check_window, indicator_value, task_snapshot
from registry.services.task_input import sealed_snapshot

MAX_TEXT = 20000
MAX_COMMENDATION_FORM = 300
MAX_CONCLUSION_REF = 200

#: the default verdict scale (Form D); the secretariat may rename, reorder or add levels
DEFAULT_LEVELS = [
    ("exceeded", "Hoàn thành vượt mức", "exceeded", False),
    ("on_time", "Hoàn thành đúng hạn", "on_time", False),
    ("late", "Hoàn thành nhưng chậm tiến độ", "late", False),
    ("partial", "Hoàn thành một phần", "partial", True),
    ("not_done", "Không hoàn thành", "not_done", False),
    ("stopped", "Dừng có phê duyệt", "stopped", False),
]
#: the English names of the default levels, by code (shown in English mode; the secretariat may edit them)
DEFAULT_LEVEL_NAMES_EN = {
    "exceeded": "Completed beyond target",
    "on_time": "Completed on time",
    "late": "Completed behind schedule",
    "partial": "Partially completed",
    "not_done": "Not completed",
    "stopped": "Stopped with approval",
}


def ensure_default_levels() -> list[VerdictLevel]:
    """Create the default verdict scale when none exists (idempotent); returns the active levels in order."""
    if db.session.scalar(select(VerdictLevel.id).limit(1)) is None:
        for order, (code, name, outcome, needs_percent) in enumerate(DEFAULT_LEVELS, start=1):
            db.session.add(VerdictLevel(code=code, name=name, name_en=DEFAULT_LEVEL_NAMES_EN.get(code),
                                        sort_order=order * 10, outcome=Outcome(outcome),
                                        requires_percent=needs_percent))
        db.session.flush()
    return active_levels()


def active_levels() -> list[VerdictLevel]:
    return list(db.session.scalars(select(VerdictLevel).where(VerdictLevel.is_active.is_(True))
                                   .order_by(VerdictLevel.sort_order, VerdictLevel.id)))


def _text(data: dict[str, Any], name: str, errors: FieldErrors, *, required: Any = None) -> str:
    return errors.text(name, data.get(name), MAX_TEXT, required)


def _level(level_id: Any, field: str, errors: FieldErrors) -> VerdictLevel | None:
    level = db.session.get(VerdictLevel, level_id) if isinstance(level_id, int) else None
    if level is None or not level.is_active:
        errors.add(field, _l("Choose a level."))
        return None
    return level


# -- self-assessment ----------------------------------------------------------------------------------------

def require_self_assessable(actor: Person, task: Task, backfill: Backfill | None = None) -> None:
    """Check that ``actor`` may self-assess ``task`` now (also the form page's check; with ``backfill``, the
    secretariat entering a past year's self-assessment of the owner)."""
    entered_later.require(actor, "self_assess", task, backfill)


def quarters_without_note(task: Task) -> list[int]:
    """The quarters of the task's year that have no progress note (the self-assessment form warns of them and
    the trail records them)."""
    noted = {note.quarter for note in task.notes}
    return [quarter for quarter in (1, 2, 3, 4) if quarter not in noted]


def submit_self_assessment(actor: Person, task: Task, data: dict[str, Any],
                           backfill: Backfill | None = None) -> SelfAssessment:
    """The owner's year-end self-assessment: each indicator reached vs target, the deliverable, a self-rated
    level, shortcomings and lessons. Moves the task to self-assessed. With ``backfill``, the secretariat enters
    a past year's self-assessment of the owner, submitted on ``backfill.on``."""
    require_self_assessable(actor, task, backfill)
    errors = FieldErrors()
    if backfill is not None:
        latest_note = max((entered_later.local_day(n.submitted_at) for n in task.notes), default=None)
        entered_later.check_on(errors, backfill.on, year=task.year, until_year_end=True,
                               after={"decision": task.decision_date, "note": latest_note})
    for name in sorted(set(data) - {"reached", "deliverable", "self_level_id", "shortcomings", "lessons"}):
        errors.add(name, _l("Unknown field."))
    reached = data.get("reached") or {}
    results = []
    for indicator in task.indicators:
        raw = reached.get(indicator.id, reached.get(str(indicator.id)))
        key = f"reached.{indicator.id}"
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors.add(key, _l("Give the value reached."))
            continue
        value = indicator_value(raw, key, errors)  # the rule of every indicator number: finite, not negative
        if value is None:
            continue
        results.append({"indicator_id": indicator.id, "name": indicator.name, "unit": indicator.unit,
                        "baseline": indicator.baseline, "target": indicator.target, "reached": value})
    deliverable = _text(data, "deliverable", errors, required=_l("Describe the deliverable produced."))
    level = _level(data.get("self_level_id"), "self_level_id", errors)
    shortcomings = _text(data, "shortcomings", errors)
    lessons = _text(data, "lessons", errors)
    errors.raise_if_any()
    assessment = SelfAssessment(task=task, author=actor if backfill is None else task.owner,
                                indicator_results=results, deliverable=deliverable, self_level=level,
                                shortcomings=shortcomings, lessons=lessons,
                                submitted_at=clock.now() if backfill is None else backfill.moment)
    if backfill is not None:
        assessment.entered_by, assessment.entered_at = actor, clock.now()
    before = task.state
    task.state = TaskState.SELF_ASSESSED
    db.session.add(assessment)
    db.session.flush()
    record_event(actor, "task.self_assess", object_type="self_assessment", object_id=assessment.id, task=task,
                 before={"state": before.value},
                 after={"state": task.state.value, "indicator_results": results, "deliverable": deliverable,
                        "self_level": level.code, "shortcomings": shortcomings, "lessons": lessons,
                        "missing_quarters": quarters_without_note(task),
                        **entered_later.trail(backfill, task.owner)})
    if task.monitor is not None and backfill is None:
        notify(task.monitor, "task.self_assessed", task)
    return assessment


# -- the seal ------------------------------------------------------------------------------------------------

def locked_record(task: Task, verdict: Verdict) -> dict[str, Any]:
    """Everything a verdict locks, as canonical data: the registration, adjustments, notes with their values,
    amendments and evidence-file hashes, assessments with recommendations and replies, the self-assessment and
    the verdict itself."""
    def when(value):
        return value.isoformat() if value is not None else None

    def entered(row, prefix="entered"):
        """Who entered the row afterwards and when (nhập bổ sung); nothing for a row recorded as it happened, so
        the seals of such records stay as they were."""
        by_id = getattr(row, f"{prefix}_by_id")
        return {} if by_id is None else {f"{prefix}_by_id": by_id, f"{prefix}_at": when(getattr(row, f"{prefix}_at"))}

    return {
        "task": {"id": task.id, "year": task.year.year, "state": TaskState.REVIEWED.value, "owner_id": task.owner_id,
                 "decision_ref": task.decision_ref, "decision_date": when(task.decision_date),
                 "monitor_id": task.monitor_id, **sealed_snapshot(task_snapshot(task)), **entered(task),
                 **entered(task, "decision_entered")},
        "adjustments": [{"id": a.id, "reason": a.reason, "changes": a.changes} for a in task.adjustments],
        "notes": [{
            "id": n.id, "quarter": n.quarter, "work_done": n.work_done, "status": n.status.value,
            "percent_complete": n.percent_complete, "difficulties": n.difficulties, "causes": n.causes,
            "proposals": n.proposals, "next_plan": n.next_plan, "is_late": n.is_late,
            "values": {str(v.indicator_id): v.value for v in sorted(n.values, key=lambda v: v.indicator_id)},
            "amendments": [{"id": a.id, "reason": a.reason, "changes": a.changes} for a in n.amendments],
            **entered(n),
        } for n in sorted(task.notes, key=lambda n: n.quarter)],
        "files": [{"id": f.id, "name": f.original_name, "size": f.size_bytes, "sha256": f.sha256}
                  for f in sorted(task.files, key=lambda f: f.id)],
        "assessments": [{
            "id": a.id, "period": a.period.value, "monitor_id": a.monitor_id, "judgement": a.judgement.value,
            "strengths": a.strengths, "shortcomings": a.shortcomings, "causes": a.causes,
            "acknowledged": a.acknowledged_at is not None,
            "recommendations": [{"id": r.id, "content": r.content, "addressee": r.addressee,
                                 "reply_deadline": when(r.reply_deadline), "status": r.status.value,
                                 "reply": r.reply, **entered(r, "reply_entered")} for r in a.recommendations],
            **entered(a),
        } for a in sorted(task.assessments, key=lambda a: a.id)],
        "self_assessment": None if task.self_assessment is None else {
            "indicator_results": task.self_assessment.indicator_results,
            "deliverable": task.self_assessment.deliverable, "self_level_id": task.self_assessment.self_level_id,
            "shortcomings": task.self_assessment.shortcomings, "lessons": task.self_assessment.lessons,
            **entered(task.self_assessment),
        },
        "verdict": {"id": verdict.id, "level_id": verdict.level_id, "percent": verdict.percent,
                    "reasons": verdict.reasons, "commendation": verdict.commendation.value,
                    "commendation_form": verdict.commendation_form, "measures": verdict.measures,
                    "conclusion_ref": verdict.conclusion_ref, "decided_by_id": verdict.decided_by_id,
                    "decided_at": when(verdict.decided_at), **entered(verdict)},
    }


def compute_seal(task: Task, verdict: Verdict) -> str:
    """SHA-256 of the canonical locked record."""
    return hashlib.sha256(canonical_json(locked_record(task, verdict)).encode("utf-8")).hexdigest()


# -- the verdict ---------------------------------------------------------------------------------------------

def final_assessment(task: Task) -> Assessment | None:
    """The monitor's year-end assessment of the task, if given."""
    return next((a for a in task.assessments if a.period == Period.FINAL), None)


def require_final_assessable(actor: Person, task: Task, backfill: Backfill | None = None) -> None:
    """Check that ``actor`` may give the final assessment now (the form page's check; the monitoring service's
    ``add_assessment`` enforces the same rules when it is recorded; with ``backfill``, the secretariat entering
    a past year's final assessment of the monitor)."""
    entered_later.require(actor, "final_assess", task, backfill)
    if final_assessment(task) is not None:
        raise Conflict(_l("This period has been assessed already."))


def require_decidable(actor: Person, task: Task, backfill: Backfill | None = None) -> None:
    """Check that ``actor`` may record the verdict on ``task`` now (also the form page's check; with
    ``backfill``, the secretariat entering a past year's verdict)."""
    entered_later.require(actor, "verdict", task, backfill)
    if final_assessment(task) is None:
        raise Conflict(_l("The monitor's final assessment is required before the verdict."))


def record_verdict(actor: Person, task: Task, data: dict[str, Any], backfill: Backfill | None = None) -> Verdict:
    """The Standing Committee's verdict on a self-assessed task with the monitor's final assessment; it locks
    the task and everything under it, and stores the seal. With ``backfill``, the secretariat enters a past
    year's verdict as the register gives it: on ``backfill.on``, by the Standing Committee member
    ``backfill.by``."""
    require_decidable(actor, task, backfill)
    decider = actor if backfill is None else backfill.by
    errors = FieldErrors()
    if backfill is not None:
        entered_later.require_decider(errors, task, decider)
        final = final_assessment(task)
        entered_later.check_on(errors, backfill.on, year=task.year, until_year_end=True,
                               after={"final_assessment": entered_later.local_day(final.created_at)})
    allowed = {"level_id", "percent", "reasons", "commendation", "commendation_form", "measures", "conclusion_ref"}
    for name in sorted(set(data) - allowed):
        errors.add(name, _l("Unknown field."))
    level = _level(data.get("level_id"), "level_id", errors)
    percent = data.get("percent")
    if level is not None and level.requires_percent:
        if not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
            errors.add("percent", _l("Give the share completed, from 0 to 100."))
    elif percent not in (None, ""):
        errors.add("percent", _l("A share is only given for a partial completion."))
        percent = None
    else:
        percent = None
    reasons = _text(data, "reasons", errors, required=_l("Give the reasons for the verdict."))
    try:
        commendation = Commendation(data.get("commendation") or "none")
    except ValueError:
        errors.add("commendation", _l("Choose a commendation."))
        commendation = Commendation.NONE
    commendation_form = _text(data, "commendation_form", errors)
    if commendation != Commendation.NONE and not commendation_form:
        errors.add("commendation_form", _l("Say the form of the commendation."))
    if len(commendation_form) > MAX_COMMENDATION_FORM:
        errors.add("commendation_form", _l("At most %(n)d characters.", n=MAX_COMMENDATION_FORM))
    measures = _text(data, "measures", errors)
    if level is not None and level.outcome in UNFINISHED and not measures:
        errors.add("measures", _l("Say what is to be done about the unfinished task."))
    conclusion_ref = _text(data, "conclusion_ref", errors)
    if len(conclusion_ref) > MAX_CONCLUSION_REF:
        errors.add("conclusion_ref", _l("At most %(n)d characters.", n=MAX_CONCLUSION_REF))
    errors.raise_if_any()
    verdict = Verdict(task=task, level=level, percent=float(percent) if percent is not None else None,
                      reasons=reasons, commendation=commendation,
                      commendation_form=commendation_form if commendation != Commendation.NONE else "",
                      measures=measures, conclusion_ref=conclusion_ref, decided_by=decider,
                      decided_at=clock.now() if backfill is None else backfill.moment, seal="")
    if backfill is not None:
        verdict.entered_by, verdict.entered_at = actor, clock.now()
    db.session.add(verdict)
    task.state = TaskState.REVIEWED
    db.session.flush()
    verdict.seal = compute_seal(task, verdict)
    db.session.flush()
    record_event(actor, "task.verdict", object_type="verdict", object_id=verdict.id, task=task,
                 before={"state": TaskState.SELF_ASSESSED.value},
                 after={"state": task.state.value, "level": level.code, "percent": verdict.percent,
                        "reasons": reasons, "commendation": commendation.value,
                        "commendation_form": verdict.commendation_form, "measures": measures,
                        "conclusion_ref": conclusion_ref, "seal": verdict.seal,
                        **entered_later.trail(backfill, decider)})
    if backfill is None:
        notify(task.owner, "task.verdict", task, {"level": level.name, "level_en": level.name_en})
    return verdict


def require_reopenable(actor: Person, task: Task) -> None:
    """Check that ``actor`` may reopen ``task`` now (also the form page's check)."""
    policy.require(actor, "reopen", task)


def reopen_task(actor: Person, task: Task, reason: str) -> Task:
    """Only the Standing Committee reopens a reviewed task, with a reason; the old verdict stays, superseded."""
    require_reopenable(actor, task)
    errors = FieldErrors()
    reason = errors.text("reason", reason, MAX_TEXT, required=_l("Give the reason for reopening."))
    errors.raise_if_any()
    verdict = task.current_verdict
    verdict.is_current = False
    verdict.reopened_at, verdict.reopened_by, verdict.reopen_reason = clock.now(), actor, reason
    task.state = TaskState.SELF_ASSESSED
    db.session.flush()
    record_event(actor, "task.reopen", object_type="verdict", object_id=verdict.id, task=task,
                 before={"state": TaskState.REVIEWED.value, "verdict_id": verdict.id},
                 after={"state": task.state.value, "reason": reason})
    return task


# -- carry-over ----------------------------------------------------------------------------------------------

def require_carriable(actor: Person, task: Task) -> None:
    """Check that ``actor`` may carry ``task`` over now (also the form page's check)."""
    policy.require(actor, "carry_over", task)
    verdict = task.current_verdict
    if verdict is None or verdict.level.outcome not in UNFINISHED:
        raise Conflict(_l("Only a task judged unfinished can be carried over."))
    if task.carried_into is not None:
        raise Conflict(_l("This task has been carried over already."))


def carry_over_years(task: Task, day: date) -> list[Year]:
    """The later years whose registration window is open on ``day``: where the task may be carried over."""
    later = db.session.scalars(select(Year).where(Year.year > task.year.year).order_by(Year.year))
    return [year for year in later if year.registration_open_on(day)]


def carry_over(actor: Person, task: Task, next_year: Year, reason: str) -> Task:
    """The owner carries an unfinished, reviewed task into a later year as a new draft registration linked to
    it; the new one goes through submission and approval again."""
    require_carriable(actor, task)
    errors = FieldErrors()
    if next_year.year <= task.year.year:
        errors.add("year_id", _l("Choose a later year."))
    reason = errors.text("reason", reason, MAX_TEXT, required=_l("Give the reason for carrying the task over."))
    errors.raise_if_any()
    check_window(next_year)
    with db.session.no_autoflush:  # the new task is half-built until added; loading the old one must not flush it
        committee = task.committee
        while committee.merged_into is not None:  # a merged committee's successor takes its unfinished work
            committee = committee.merged_into
        org_unit = task.org_unit
        while org_unit is not None and org_unit.merged_into is not None:
            org_unit = org_unit.merged_into
        new = Task(year=next_year, owner=task.owner, ownership=task.ownership, owner_unit_id=task.owner_unit_id,
                   org_unit=org_unit, committee=committee, state=TaskState.DRAFT, carried_from=task,
                   carry_reason=reason)
        for name in SCALAR_FIELDS:
            setattr(new, name, getattr(task, name))
        new.deadline = None  # a new deadline within the new year
        new.is_committed = False  # the owner commits again
        for indicator in task.indicators:
            reached = _reached(task, indicator)
            if reached is not None and is_met(indicator, reached):
                continue  # nothing left to do on it: carrying it would give an impossible row (baseline = target)
            new.indicators.append(Indicator(position=len(new.indicators), name=indicator.name, unit=indicator.unit,
                                            baseline=reached if reached is not None else indicator.baseline,
                                            target=indicator.target))
        db.session.add(new)
    db.session.flush()
    record_event(actor, "task.carry_over", object_type="task", object_id=new.id, task=new,
                 after={"state": new.state.value, "carried_from_id": task.id, "reason": reason,
                        **task_snapshot(new)})
    return new


def is_met(indicator: Indicator, value: float) -> bool:
    """The value has reached the indicator's target in the indicator's direction: up to or beyond it when the
    target is above the baseline, down to or below it when below (44 households → 0); exactly it without a
    baseline."""
    if indicator.baseline is None:
        return value == indicator.target
    if indicator.target > indicator.baseline:
        return value >= indicator.target
    return value <= indicator.target


def _reached(task: Task, indicator: Indicator) -> float | None:
    results = task.self_assessment.indicator_results if task.self_assessment else []
    return next((r["reached"] for r in results if r["indicator_id"] == indicator.id), None)


def lineage(task: Task) -> list[Task]:
    """The chain of carry-overs through this task, earliest year first."""
    first = task
    seen = {task.id}
    while first.carried_from is not None and first.carried_from.id not in seen:
        first = first.carried_from
        seen.add(first.id)
    chain = [first]
    while chain[-1].carried_into is not None and chain[-1].carried_into.id not in {t.id for t in chain}:
        chain.append(chain[-1].carried_into)
    return chain

